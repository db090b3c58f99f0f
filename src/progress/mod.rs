//! Completion: which documents each AC owes, derived from the data (never
//! typed in), how many are uploaded and verified, and what is missing by
//! name. [`compute`] is pure; the checks run it for an AC whenever anything
//! changes and store the result, so that reading the state-wide dashboard
//! is one small query.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use crate::checks::{AcState, Ballot, Decisions, Finding, Kind, Outcome, ScannedPage};
use crate::counting::RoundStatus;
use crate::forms::FormKind;

crate::vocabulary! {
    /// Why an owed document is listed as missing.
    pub enum MissingState {
        NotUploaded = "not_uploaded",
        NotVerified = "not_verified",
    }
}

/// A document an AC still owes (or has, but not verified yet).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, ToSchema)]
pub struct Missing {
    /// `form-13a`, `form-13b`, `form-13c`, `round-sheet` or `certificate`.
    #[schema(value_type = String)]
    pub form: FormKind,
    pub ballot_id: Option<String>,
    pub round: Option<u32>,
    pub revision: Option<u32>,
    pub state: MissingState,
    /// For a person: "Form 13B of ballot PB071-000123".
    pub what: String,
}

/// The completion figures of one AC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct AcProgress {
    pub expected: u64,
    pub uploaded: u64,
    pub verified: u64,
    pub open_findings: u64,
    pub missing: Vec<Missing>,
}

impl AcProgress {
    /// Counts one document the AC owes; returns why it is listed as missing
    /// (`not_uploaded`, `not_verified`), or None when it is verified.
    fn owe(&mut self, uploaded: bool, verified: bool) -> Option<MissingState> {
        self.expected += 1;
        if !uploaded {
            return Some(MissingState::NotUploaded);
        }
        self.uploaded += 1;
        if verified {
            self.verified += 1;
            None
        } else {
            Some(MissingState::NotVerified)
        }
    }
}

/// Verified share in percent (100 when nothing is expected), one decimal.
pub fn percent(verified: u64, expected: u64) -> f64 {
    if expected == 0 {
        100.0
    } else {
        (verified as f64 * 1000.0 / expected as f64).round() / 10.0
    }
}

fn missing(form: FormKind, what: String, state: MissingState) -> Missing {
    Missing {
        form,
        ballot_id: None,
        round: None,
        revision: None,
        state,
        what,
    }
}

/// What the AC owes and has: a 13A and a 13B for every ballot of the ETPBS
/// register, a signed sheet of every published round at its current
/// revision, the signed certificate once the result is final, and the
/// signed Forms 20, 21C and 21E once it is declared.
pub fn compute(
    state: &AcState,
    pages: &[ScannedPage],
    findings: &[Finding],
    decisions: &Decisions,
    ballots: &[Ballot],
) -> AcProgress {
    // A finding decided away (an OCR misread, a signature found, a cover
    // the RO accepts) no longer counts; any other (undecided, scan right,
    // rescan asked) keeps its page unverified.
    let troubled: HashSet<(i64, u32)> = findings
        .iter()
        .filter(|f| !decisions.get(&f.key()).is_some_and(|d| d.clears()))
        .filter_map(|f| Some((f.document_id?, f.page_no?)))
        .collect();
    let mut p = AcProgress {
        open_findings: findings
            .iter()
            .filter(|f| !decisions.contains_key(&f.key()))
            .count() as u64,
        ..AcProgress::default()
    };
    // Postal ballots of the register.
    let seen: HashMap<&str, &Ballot> = ballots.iter().map(|b| (b.ballot_id.as_str(), b)).collect();
    for r in &state.register {
        let b = seen.get(r.ballot_id.as_str());
        let settled = b.is_some_and(|b| matches!(b.outcome, Outcome::Accepted | Outcome::Rejected));
        for (form, has) in [
            (FormKind::Form13A, b.is_some_and(|b| b.has_13a)),
            (FormKind::Form13B, b.is_some_and(|b| b.has_13b)),
            (FormKind::Form13C, b.is_some_and(|b| b.has_13c)),
        ] {
            // A cover rejected because a form was missing from it owes
            // that form no longer: there is none to scan.
            let lacking = b.is_some_and(|b| b.reasons.contains(&Kind::MissingPair));
            if !has && lacking && form != FormKind::Form13C {
                continue;
            }
            if let Some(state) = p.owe(has, settled) {
                p.missing.push(Missing {
                    ballot_id: Some(r.ballot_id.clone()),
                    ..missing(
                        form,
                        format!("{} of ballot {}", form.title(), r.ballot_id),
                        state,
                    )
                });
            }
        }
    }
    // Signed round sheets of published rounds, at their current revision.
    let sheet_pages: Vec<(u64, u64, (i64, u32))> = pages
        .iter()
        .filter(|pg| pg.kind() == Some(FormKind::RoundSheet))
        .filter_map(|pg| {
            let q = pg.reading.payload()?;
            Some((
                q.get_usize("round")? as u64,
                q.get_usize("rev")? as u64,
                (pg.document_id, pg.page_no),
            ))
        })
        .collect();
    for r in state
        .rounds
        .iter()
        .filter(|r| r.status == RoundStatus::Published)
    {
        let current: Vec<(i64, u32)> = sheet_pages
            .iter()
            .filter(|(round, rev, _)| *round == u64::from(r.round) && *rev == u64::from(r.revision))
            .map(|(_, _, at)| *at)
            .collect();
        let what = format!(
            "signed round sheet of round {} (revision {})",
            r.round, r.revision
        );
        let verified = current.iter().any(|at| !troubled.contains(at));
        if let Some(state) = p.owe(!current.is_empty(), verified) {
            p.missing.push(Missing {
                round: Some(r.round),
                revision: Some(r.revision),
                ..missing(FormKind::RoundSheet, what, state)
            });
        }
    }
    // The signed certificate of the final result.
    if state.result.is_final {
        let current_ids: HashSet<&str> = state
            .certificates
            .iter()
            .filter(|c| {
                state
                    .result
                    .leader
                    .as_ref()
                    .is_some_and(|l| l.serial == c.winner_serial && l.votes == c.votes)
            })
            .map(|c| c.id.as_str())
            .collect();
        let cert_pages: Vec<(i64, u32)> = pages
            .iter()
            .filter(|pg| pg.kind() == Some(FormKind::Certificate))
            .filter(|pg| {
                pg.reading
                    .payload()
                    .and_then(|q| q.get("id").map(|id| current_ids.contains(id)))
                    .unwrap_or(false)
            })
            .map(|pg| (pg.document_id, pg.page_no))
            .collect();
        let verified = cert_pages.iter().any(|at| !troubled.contains(at));
        if let Some(s) = p.owe(!cert_pages.is_empty(), verified) {
            p.missing.push(missing(
                FormKind::Certificate,
                "signed certificate of election (Form 22)".into(),
                s,
            ));
        }
    }
    // Once declared, the signed Forms 20, 21C and 21E, every page of each.
    if state.ac.declared_at.is_some() {
        for form in [FormKind::Form20, FormKind::Form21C, FormKind::Form21E] {
            let of_form: Vec<&ScannedPage> =
                pages.iter().filter(|pg| pg.kind() == Some(form)).collect();
            let good: Vec<&ScannedPage> = of_form
                .iter()
                .copied()
                .filter(|pg| !troubled.contains(&(pg.document_id, pg.page_no)))
                .collect();
            let what = format!("signed {}", form.title());
            if let Some(s) = p.owe(!of_form.is_empty(), every_page(&good)) {
                p.missing.push(missing(form, what, s));
            }
        }
    }
    p
}

/// Whether these pages hold every page of a printed form: its QR codes
/// say `page=k/n` (no `page` is a form of one page).
fn every_page(pages: &[&ScannedPage]) -> bool {
    let part = |pg: &ScannedPage| -> Option<(usize, usize)> {
        let q = pg.reading.payload()?;
        match q.get("page") {
            None => Some((1, 1)),
            Some(kn) => {
                let (k, n) = kn.split_once('/')?;
                Some((k.parse().ok()?, n.parse().ok()?))
            }
        }
    };
    let parts: HashSet<(usize, usize)> = pages.iter().filter_map(|pg| part(pg)).collect();
    parts
        .iter()
        .any(|&(_, n)| (1..=n).all(|k| parts.contains(&(k, n))))
}
