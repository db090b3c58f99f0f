//! Form 22: the certificate id (QR) must be one Scrutiny printed for this
//! AC, its figures must still be the final result (a certificate printed
//! before an edit is stale), and the RO must have signed it.

use serde_json::json;

use super::{AcState, Finding, Kind, PageChecker, PageRead, same_number, same_text, threshold};
use crate::forms::ModelSet;

const FORM: &str = "certificate";

/// The certificate id a page's QR code names.
pub fn certificate_id(page: &PageRead) -> Option<String> {
    page.payload().and_then(|p| p.get("id").map(str::to_string))
}

/// Checks one certificate page.
pub fn check(state: &AcState, page: &PageRead, models: &ModelSet, out: &mut Vec<Finding>) {
    let th = |f: &str| threshold(models, FORM, f);
    let id = certificate_id(page);
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
            id.clone().map(|i| json!(i)),
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
            Some(json!(record.id)),
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
        ("winner", json!(record.winner), false),
        ("party", json!(record.party), false),
        ("votes", json!(record.votes), true),
        ("date", json!(record.date), false),
        ("ro_name", json!(record.ro_name), false),
    ] {
        let equal = if numeric { same_number } else { same_text };
        c.field(name, entered, th(name), equal);
    }
    super::round_sheet::signed(&mut c, page, th("ro_signed"), "certificate");
}
