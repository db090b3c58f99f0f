//! Forms 13A, 13B and 13C: pairing by ballot id (the QR codes, which must
//! agree), the AC's ETPBS register, duplicates across uploads, Rule 54A (a
//! cover is rejected when the declaration is not signed, not attested, or
//! its serial number differs from Cover A's), and the SOP's rule that an
//! opened outer cover (13C) without its 13A or 13B is invalid. Each ballot
//! whose 13C was scanned gets the serial number of the count: the order in
//! which the 13Cs were scanned.

use std::collections::{BTreeMap, HashMap};

use super::decisions::{Effect, INK};
use super::{
    Ballot, Decision, Decisions, Finding, Found, Kind, Outcome, PageChecker, ScannedPage, bar,
    threshold,
};
use crate::checks::AcState;
use crate::counting::RegisterBallot;
use crate::forms::{FormKind, ModelSet, ident};
use crate::pipeline::Scalar;

/// The 13A, 13B and 13C pages seen for one ballot, in upload order.
#[derive(Default)]
struct Seen<'a> {
    a: Vec<&'a ScannedPage>,
    b: Vec<&'a ScannedPage>,
    c: Vec<&'a ScannedPage>,
}

impl<'a> Seen<'a> {
    fn forms(&self) -> [(FormKind, &Vec<&'a ScannedPage>); 3] {
        [
            (FormKind::Form13A, &self.a),
            (FormKind::Form13B, &self.b),
            (FormKind::Form13C, &self.c),
        ]
    }
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
    let serials = count_serials(&seen);
    let mut ballots = vec![];
    for (id, s) in &seen {
        let start = out.findings.len();
        duplicates(id, s, out);
        codes_agree(id, s, out);
        let reg = register.get(id.as_str()).copied();
        let serial_a =
            s.a.first()
                .map(|p| check_page(state, p, id, reg, models, out));
        let serial_b =
            s.b.first()
                .map(|p| check_page(state, p, id, reg, models, out));
        if let Some(p) = s.c.first() {
            check_page(state, p, id, reg, models, out);
        }
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
                Some(sb.as_str().into()),
                Some(sa.as_str().into()),
                None,
                format!(
                    "ballot {id}: Cover A (13B) has serial no {sb} but the declaration (13A) has {sa} (Rule 54A)"
                ),
            );
        }
        missing_pair(id, s, out);
        let mut ballot = outcome(id, s, &out.findings[start..], decisions);
        ballot.count_serial = serials.get(id.as_str()).copied();
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
        let Some(id) = page.reading.ballot_id().map(|id| ident::normalize(&id)) else {
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
        match page.kind() {
            Some(FormKind::Form13A) => entry.a.push(page),
            Some(FormKind::Form13C) => entry.c.push(page),
            _ => entry.b.push(page),
        }
    }
    seen
}

/// The serial number each ballot got at the count: the order in which the
/// outer covers (13C) were scanned, by upload and page.
fn count_serials<'a>(seen: &'a BTreeMap<String, Seen>) -> HashMap<&'a str, u32> {
    let mut firsts: Vec<((i64, u32), &str)> = seen
        .iter()
        .filter_map(|(id, s)| {
            s.c.first()
                .map(|p| ((p.document_id, p.page_no), id.as_str()))
        })
        .collect();
    firsts.sort();
    firsts
        .into_iter()
        .zip(1..)
        .map(|((_, id), n)| (id, n))
        .collect()
}

/// Every QR code printed on the ballot's forms must be there and name the
/// same ballot and AC: a 13A carries two, its covers one each. A code not
/// found is unreadable; a code that names another ballot or AC than the
/// ballot's other codes is a `qr_mismatch`.
fn codes_agree(id: &str, s: &Seen, out: &mut Found) {
    let mut first_ac: Option<(String, &str)> = None;
    for (form, pages) in s.forms() {
        let Some(page) = pages.first() else { continue };
        let mut c = PageChecker {
            page,
            ballot_id: Some(id.to_string()),
            out,
        };
        for code in &page.reading.codes {
            let field = format!("qr:{}", code.name);
            if code.text.is_none() {
                c.push(
                    Kind::Unreadable,
                    Some(&field),
                    None,
                    None,
                    Some(0.0),
                    format!(
                        "ballot {id}: the {} QR code of its {} could not be read",
                        code.name,
                        form.title()
                    ),
                );
                continue;
            }
            if let Some(other) = code.values.get("id").filter(|v| !ident::same(v, id)) {
                c.push(
                    Kind::QrMismatch,
                    Some(&field),
                    Some(other.as_str().into()),
                    Some(id.into()),
                    Some(1.0),
                    format!(
                        "ballot {id}: the {} QR code of its {} names ballot {other}",
                        code.name,
                        form.title()
                    ),
                );
            }
            let Some(ac) = code.values.get("ac") else {
                continue;
            };
            match &first_ac {
                None => first_ac = Some((ac.clone(), form.title())),
                Some((seen, where_)) if !same_ac(seen, ac) => c.push(
                    Kind::QrMismatch,
                    Some(&field),
                    Some(ac.as_str().into()),
                    Some(seen.as_str().into()),
                    Some(1.0),
                    format!(
                        "ballot {id}: the {} QR code of its {} names AC {ac}, its {where_} AC {seen}",
                        code.name,
                        form.title()
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

/// Whether two QR codes name the same AC: as numbers when both are
/// (`071` is AC 71), else as identifiers.
fn same_ac(a: &str, b: &str) -> bool {
    let (a, b) = (Scalar::from(a), Scalar::from(b));
    a.same_number(&b) || a.same_ident(&b)
}

/// Every 13A, 13B or 13C of a ballot after its first is a duplicate.
fn duplicates(id: &str, s: &Seen, out: &mut Found) {
    for (form, list) in s.forms() {
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

/// A ballot lacking its 13A or its 13B. With its outer cover (13C)
/// scanned, the cover was opened without it: invalid (a finding that
/// rejects). Without a 13C, the other form may simply not be uploaded yet.
fn missing_pair(id: &str, s: &Seen, out: &mut Found) {
    let opened = s.c.first();
    for (missing, absent) in [
        (FormKind::Form13A, s.a.is_empty()),
        (FormKind::Form13B, s.b.is_empty()),
    ] {
        let other = if missing == FormKind::Form13A {
            s.b.first()
        } else {
            s.a.first()
        };
        let Some(page) = opened.or(other).filter(|_| absent) else {
            continue;
        };
        let message = match opened {
            Some(_) => format!(
                "ballot {id}: its outer cover (13C) was scanned but its {} was not; a cover without it is invalid",
                missing.title()
            ),
            None => format!(
                "ballot {id}: its {} has not been uploaded yet",
                missing.title()
            ),
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
            message,
        );
    }
}

/// Checks one 13A, 13B or 13C page of a ballot; returns its postal ballot
/// serial number (normalised) when it was read surely.
fn check_page(
    state: &AcState,
    page: &ScannedPage,
    id: &str,
    reg: Option<&RegisterBallot>,
    models: &ModelSet,
    out: &mut Found,
) -> Option<String> {
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
        .map(|v| ident::normalize(&v.as_text().map_or_else(|| v.to_string(), str::to_string)));
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
            let source = "the ETPBS register";
            if form != FormKind::Form13C {
                let name = "postal_ballot_serial_no";
                let entered = Scalar::from(r.postal_ballot_serial_no.as_str());
                c.field(
                    name,
                    entered,
                    bar(models, form, name, source),
                    Scalar::same_ident,
                );
            }
            if form == FormKind::Form13A {
                for (name, entered) in [
                    ("part_no", r.part_no),
                    ("elector_serial_no", r.elector_serial_no),
                ] {
                    let bar = bar(models, form, name, source);
                    c.field(name, entered.into(), bar, Scalar::same_number);
                }
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
                if f.kind.is_rule_54a() || (f.kind == Kind::MissingPair && !s.c.is_empty()) {
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
        has_13c: !s.c.is_empty(),
        count_serial: None,
    }
}
