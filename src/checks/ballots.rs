//! Form 13A and Form 13B: pairing by ballot id (the QR code), the AC's
//! ETPBS register, duplicates across uploads, and Rule 54A (a cover is
//! rejected when the declaration is not signed, not attested, or its serial
//! number differs from Cover A's).

use std::collections::{BTreeMap, HashMap};

use super::decisions::{Effect, INK};
use super::{
    Ballot, Decision, Decisions, Finding, Found, Kind, Outcome, PageChecker, ScannedPage, bar,
    threshold,
};
use crate::checks::AcState;
use crate::counting::RegisterBallot;
use crate::forms::{FormKind, ModelSet};
use crate::pipeline::Scalar;

/// The 13A and 13B pages seen for one ballot, in upload order.
#[derive(Default)]
struct Seen<'a> {
    a: Vec<&'a ScannedPage>,
    b: Vec<&'a ScannedPage>,
}

/// Checks every 13A/13B page of the AC; returns the outcome of each ballot
/// seen, in ballot id order.
pub fn check(
    state: &AcState,
    pages: &[&ScannedPage],
    models: &ModelSet,
    decisions: &Decisions,
    out: &mut Found,
) -> Vec<Ballot> {
    let seen = by_ballot(pages, out);
    let register: HashMap<&str, &RegisterBallot> = state
        .register
        .iter()
        .map(|r| (r.ballot_id.as_str(), r))
        .collect();
    let mut ballots = vec![];
    for (id, s) in &seen {
        let start = out.findings.len();
        duplicates(id, s, out);
        let reg = register.get(id.as_str()).copied();
        let serial_a =
            s.a.first()
                .map(|p| check_page(state, p, id, reg, models, out));
        let serial_b =
            s.b.first()
                .map(|p| check_page(state, p, id, reg, models, out));
        if let (Some(Some(sa)), Some(Some(sb)), Some(pb)) = (serial_a, serial_b, s.b.first())
            && sa != sb
        {
            PageChecker {
                page: pb,
                ballot_id: Some(id.clone()),
                out,
            }
            .push(
                Kind::SerialMismatch,
                Some("postal_ballot_serial_no"),
                Some(sb.into()),
                Some(sa.into()),
                None,
                format!(
                    "ballot {id}: Cover A (13B) has serial no {sb} but the declaration (13A) has {sa} (Rule 54A)"
                ),
            );
        }
        missing_pair(id, s, out);
        let mut ballot = outcome(id, s, &out.findings[start..], decisions);
        // The RO reversed its rejection on verifying it again: it counts.
        if ballot.outcome == Outcome::Rejected
            && state
                .reverified
                .iter()
                .any(|r| r.ballot_id == *id && r.verdict == crate::counting::Verdict::Reversed)
        {
            ballot.outcome = Outcome::Accepted;
            ballot.reasons.clear();
        }
        ballots.push(ballot);
    }
    ballots
}

/// The pages grouped by the ballot id of their QR code; a page whose id
/// cannot be read is a finding of its own.
fn by_ballot<'a>(pages: &[&'a ScannedPage], out: &mut Found) -> BTreeMap<String, Seen<'a>> {
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for &page in pages {
        let Some(id) = page.reading.ballot_id() else {
            PageChecker {
                page,
                ballot_id: None,
                out,
            }
            .push(
                Kind::Unreadable,
                Some("ballot_id"),
                None,
                None,
                Some(0.0),
                format!(
                    "page {}: the ballot id (QR code) could not be read",
                    page.page_no
                ),
            );
            continue;
        };
        let entry = seen.entry(id).or_default();
        if page.kind() == Some(FormKind::Form13A) {
            entry.a.push(page);
        } else {
            entry.b.push(page);
        }
    }
    seen
}

/// Every 13A or 13B of a ballot after its first is a duplicate.
fn duplicates(id: &str, s: &Seen, out: &mut Found) {
    for (form, list) in [(FormKind::Form13A, &s.a), (FormKind::Form13B, &s.b)] {
        let Some(first) = list.first() else { continue };
        for dup in list.iter().skip(1) {
            PageChecker {
                page: dup,
                ballot_id: Some(id.to_string()),
                out,
            }
            .push(
                Kind::Duplicate,
                Some("ballot_id"),
                Some(id.into()),
                None,
                Some(1.0),
                format!(
                    "ballot {id}: this {} was already uploaded (document {}, page {})",
                    form.title(),
                    first.document_id,
                    first.page_no
                ),
            );
        }
    }
}

/// A ballot with only one of its two forms uploaded so far.
fn missing_pair(id: &str, s: &Seen, out: &mut Found) {
    let (page, missing) = match (s.a.first(), s.b.first()) {
        (Some(p), None) => (p, FormKind::Form13B),
        (None, Some(p)) => (p, FormKind::Form13A),
        _ => return,
    };
    PageChecker {
        page,
        ballot_id: Some(id.to_string()),
        out,
    }
    .push(
        Kind::MissingPair,
        Some(missing.id()),
        None,
        None,
        None,
        format!(
            "ballot {id}: its {} has not been uploaded yet",
            missing.title()
        ),
    );
}

/// Checks one 13A or 13B page of a ballot; returns its postal ballot serial
/// number when it was read surely.
fn check_page(
    state: &AcState,
    page: &ScannedPage,
    id: &str,
    reg: Option<&RegisterBallot>,
    models: &ModelSet,
    out: &mut Found,
) -> Option<u64> {
    let form = page.kind().unwrap_or(FormKind::Form13A);
    let th = |f: &str| threshold(models, form, f);
    let mut c = PageChecker {
        page,
        ballot_id: Some(id.to_string()),
        out,
    };
    c.ac(&state.ac, models, form);
    let sure_serial = page
        .reading
        .field("postal_ballot_serial_no")
        .and_then(|r| r.sure(th("postal_ballot_serial_no")))
        .and_then(Scalar::as_count);
    match reg {
        None => c.push(
            Kind::NotInRegister,
            Some("ballot_id"),
            Some(id.into()),
            None,
            Some(1.0),
            format!(
                "ballot {id} is not in the ETPBS register of AC {}",
                state.ac.ac_no
            ),
        ),
        Some(r) => {
            let mut fields = vec![("postal_ballot_serial_no", r.postal_ballot_serial_no)];
            if form == FormKind::Form13A {
                fields.extend([
                    ("part_no", r.part_no),
                    ("elector_serial_no", r.elector_serial_no),
                ]);
            }
            for (name, entered) in fields {
                let bar = bar(models, form, name, "the ETPBS register");
                c.field(name, entered.into(), bar, Scalar::same_number);
            }
        }
    }
    if form == FormKind::Form13A {
        inked(&mut c, id, &th);
    }
    sure_serial
}

/// Rule 54A's ink boxes of a declaration: the elector's signature and the
/// attestation.
fn inked(c: &mut PageChecker, id: &str, th: &impl Fn(&str) -> f64) {
    for (mark, kind, what) in [
        (
            "elector_signed",
            Kind::Unsigned,
            "not signed by the elector",
        ),
        ("attested", Kind::Unattested, "not attested"),
    ] {
        match c.page.reading.mark(mark).copied() {
            Some(r) if r.confidence >= th(mark) && r.value => {}
            Some(r) if r.confidence >= th(mark) => c.push(
                kind,
                Some(mark),
                Some(r.value.into()),
                None,
                Some(r.confidence),
                format!("ballot {id}: the declaration (13A) is {what} (Rule 54A)"),
            ),
            other => c.push(
                Kind::Unreadable,
                Some(mark),
                other.map(|r| r.value.into()),
                None,
                other.map(|r| r.confidence),
                format!("ballot {id}: cannot tell whether the 13A box {mark} is inked"),
            ),
        }
    }
}

/// The ground on which a finding whose decision stands rejects the cover:
/// a Rule 54A breach, an empty ink box, or what the RO rejected it for (a
/// figure the scan shows right only sends an entry back to be edited).
fn ground(f: &Finding, decision: Decision) -> Option<Kind> {
    if f.kind.is_rule_54a() || decision == Decision::Reject {
        return Some(f.kind);
    }
    let field = f.field.as_deref()?;
    INK.iter()
        .find(|(name, _)| *name == field)
        .filter(|_| f.kind == Kind::Unreadable)
        .map(|(_, kind)| *kind)
}

/// A ballot's outcome from its findings and the decisions on them.
fn outcome(id: &str, s: &Seen, findings: &[Finding], decisions: &Decisions) -> Ballot {
    let mut reasons = vec![];
    let mut open = false;
    for f in findings {
        match decisions.get(&f.key()).map(|d| (*d, d.effect())) {
            Some((_, Effect::Clears)) => continue,
            Some((decision, Effect::Stands)) => reasons.extend(ground(f, decision)),
            Some((_, Effect::Waits)) | None => {
                if f.kind.is_rule_54a() {
                    reasons.push(f.kind);
                } else {
                    open = true;
                }
            }
        }
    }
    reasons.sort();
    reasons.dedup();
    let outcome = if !reasons.is_empty() {
        Outcome::Rejected
    } else if open || s.a.is_empty() || s.b.is_empty() {
        Outcome::NeedsReview
    } else {
        Outcome::Accepted
    };
    Ballot {
        ballot_id: id.to_string(),
        outcome,
        reasons,
        has_13a: !s.a.is_empty(),
        has_13b: !s.b.is_empty(),
    }
}
