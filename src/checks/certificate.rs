//! Form 22: the certificate id (QR) must be one Scrutiny printed for this
//! AC, its figures must still be the final result (a certificate printed
//! before an edit is stale), and the RO must have signed it.

use super::{AcState, Found, Kind, PageChecker, ScannedPage, threshold};
use crate::forms::{FormKind, ModelSet};
use crate::pipeline::{PageReading, Scalar};

const FORM: FormKind = FormKind::Certificate;

/// The certificate id a page's QR code names.
pub fn certificate_id(reading: &PageReading) -> Option<String> {
    reading
        .payload()
        .and_then(|p| p.get("id").map(str::to_string))
}

/// Checks one certificate page.
pub fn check(state: &AcState, page: &ScannedPage, models: &ModelSet, out: &mut Found) {
    let th = |f: &str| threshold(models, FORM, f);
    let id = certificate_id(&page.reading);
    let mut c = PageChecker {
        page,
        ballot_id: None,
        out,
    };
    let Some(record) = id
        .as_ref()
        .and_then(|id| state.certificates.iter().find(|r| &r.id == id))
    else {
        c.push(
            Kind::Mismatch,
            Some("certificate_id"),
            id.clone().map(Scalar::Text),
            None,
            None,
            format!(
                "page {}: certificate {} was not printed by Scrutiny for AC {}",
                page.page_no,
                id.as_deref().unwrap_or("(unreadable)"),
                state.ac.ac_no
            ),
        );
        return;
    };
    let r = &state.result;
    let current = r.is_final
        && r.leader
            .as_ref()
            .is_some_and(|l| l.serial == record.winner_serial && l.votes == record.votes);
    if !current {
        c.push(
            Kind::Stale,
            Some("certificate_id"),
            Some(record.id.as_str().into()),
            None,
            None,
            format!(
                "page {}: certificate {} no longer matches the result of AC {} (the counts changed after it was printed)",
                page.page_no, record.id, state.ac.ac_no
            ),
        );
    }
    c.ac(&state.ac, models, FORM);
    for (name, entered, numeric) in [
        ("winner", Scalar::from(record.winner.as_str()), false),
        ("party", record.party.as_str().into(), false),
        ("votes", record.votes.into(), true),
        ("date", record.date.as_str().into(), false),
        ("ro_name", record.ro_name.as_str().into(), false),
    ] {
        let equal = if numeric {
            Scalar::same_number
        } else {
            Scalar::same_text
        };
        c.field(name, entered, th(name), equal);
    }
    super::round_sheet::signed(&mut c, th("ro_signed"), "certificate");
}
