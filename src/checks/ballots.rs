//! Form 13A and Form 13B: pairing by ballot id (the QR code), the AC's
//! ETPBS register, duplicates across uploads, and Rule 54A (a cover is
//! rejected when the declaration is not signed, not attested, or its serial
//! number differs from Cover A's).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::{
    Ballot, Decision, Decisions, Finding, Kind, Outcome, PageChecker, PageRead, read, same_number,
    threshold,
};
use crate::checks::AcState;
use crate::forms::ModelSet;

#[derive(Default)]
struct Seen<'a> {
    a: Vec<&'a PageRead>,
    b: Vec<&'a PageRead>,
}

fn ballot_id(page: &PageRead) -> Option<String> {
    page.payload()
        .and_then(|p| p.get("id").map(str::to_string))
        .or_else(|| {
            read(&page.fields, "ballot_id").and_then(|r| r.value.as_str().map(str::to_string))
        })
        .filter(|s| !s.is_empty())
}

/// Checks every 13A/13B page of the AC; returns the outcome of each ballot
/// seen, in ballot id order.
pub fn check(
    state: &AcState,
    pages: &[&PageRead],
    models: &ModelSet,
    decisions: &Decisions,
    out: &mut Vec<Finding>,
) -> Vec<Ballot> {
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for &page in pages {
        let Some(id) = ballot_id(page) else {
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
        if page.form.as_deref() == Some("form-13a") {
            entry.a.push(page);
        } else {
            entry.b.push(page);
        }
    }
    let register: HashMap<&str, &crate::counting::RegisterBallot> = state
        .register
        .iter()
        .map(|r| (r.ballot_id.as_str(), r))
        .collect();
    let mut ballots = vec![];
    for (id, s) in &seen {
        let start = out.len();
        for (form, list) in [("13A", &s.a), ("13B", &s.b)] {
            for dup in list.iter().skip(1) {
                let first = list[0];
                PageChecker {
                    page: dup,
                    ballot_id: Some(id.clone()),
                    out,
                }
                .push(
                    Kind::Duplicate,
                    Some("ballot_id"),
                    Some(json!(id)),
                    None,
                    Some(1.0),
                    format!(
                        "ballot {id}: this Form {form} was already uploaded (document {}, page {})",
                        first.document_id, first.page_no
                    ),
                );
            }
        }
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
                Some(json!(sb)),
                Some(json!(sa)),
                None,
                format!(
                    "ballot {id}: Cover A (13B) has serial no {sb} but the declaration (13A) has {sa} (Rule 54A)"
                ),
            );
        }
        match (s.a.first(), s.b.first()) {
            (Some(p), None) | (None, Some(p)) => {
                let missing = if s.a.is_empty() {
                    "form-13a"
                } else {
                    "form-13b"
                };
                PageChecker {
                    page: p,
                    ballot_id: Some(id.clone()),
                    out,
                }
                .push(
                    Kind::MissingPair,
                    Some(missing),
                    None,
                    None,
                    None,
                    format!(
                        "ballot {id}: its {} has not been uploaded yet",
                        if s.a.is_empty() {
                            "Form 13A"
                        } else {
                            "Form 13B"
                        }
                    ),
                );
            }
            _ => {}
        }
        ballots.push(outcome(id, s, &out[start..], decisions));
    }
    ballots
}

/// Checks one 13A or 13B page of a ballot; returns its postal ballot serial
/// number when it was read surely.
fn check_page(
    state: &AcState,
    page: &PageRead,
    id: &str,
    reg: Option<&crate::counting::RegisterBallot>,
    models: &ModelSet,
    out: &mut Vec<Finding>,
) -> Option<u64> {
    let form = page.form.as_deref().unwrap_or("form-13a");
    let th = |f: &str| threshold(models, form, f);
    let mut c = PageChecker {
        page,
        ballot_id: Some(id.to_string()),
        out,
    };
    c.ac(&state.ac, models, form);
    let serial = read(&page.fields, "postal_ballot_serial_no");
    let sure_serial = serial
        .as_ref()
        .filter(|r| r.confidence >= th("postal_ballot_serial_no"))
        .and_then(|r| r.value.as_u64());
    match reg {
        None => c.push(
            Kind::NotInRegister,
            Some("ballot_id"),
            Some(json!(id)),
            None,
            Some(1.0),
            format!(
                "ballot {id} is not in the ETPBS register of AC {}",
                state.ac.ac_no
            ),
        ),
        Some(r) => {
            let mut fields = vec![("postal_ballot_serial_no", r.postal_ballot_serial_no)];
            if form == "form-13a" {
                fields.extend([
                    ("part_no", r.part_no),
                    ("elector_serial_no", r.elector_serial_no),
                ]);
            }
            for (name, entered) in fields {
                c.field(name, json!(entered), th(name), same_number);
            }
        }
    }
    if form == "form-13a" {
        for (mark, kind, what) in [
            (
                "elector_signed",
                Kind::Unsigned,
                "not signed by the elector",
            ),
            ("attested", Kind::Unattested, "not attested"),
        ] {
            match read(&page.marks, mark) {
                Some(r) if r.confidence >= th(mark) && r.value == Value::Bool(true) => {}
                Some(r) if r.confidence >= th(mark) => c.push(
                    kind,
                    Some(mark),
                    Some(r.value),
                    None,
                    Some(r.confidence),
                    format!("ballot {id}: the declaration (13A) is {what} (Rule 54A)"),
                ),
                other => c.push(
                    Kind::Unreadable,
                    Some(mark),
                    other.as_ref().map(|r| r.value.clone()),
                    None,
                    other.as_ref().map(|r| r.confidence),
                    format!("ballot {id}: cannot tell whether the 13A box {mark} is inked"),
                ),
            }
        }
    }
    sure_serial
}

/// A ballot's outcome from its findings and the decisions on them.
fn outcome(id: &str, s: &Seen, findings: &[Finding], decisions: &Decisions) -> Ballot {
    let mut reasons = vec![];
    let mut open = false;
    for f in findings {
        match decisions.get(&f.key()) {
            Some(Decision::EntryCorrect) => continue,
            Some(Decision::ScanCorrect) => {
                if f.kind.is_rule_54a() || f.kind == Kind::NotInRegister {
                    reasons.push(f.kind);
                }
            }
            Some(Decision::Rescan) | None => {
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
