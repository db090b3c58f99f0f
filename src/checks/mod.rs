//! Checks: what was read from the scans of an AC against what was entered.
//!
//! [`check_ac`] is a pure function: the AC's entered state and every page
//! read for it in, findings and ballot outcomes out. One module per
//! document type (`ballots` for Form 13A/13B, `round_sheet`, `certificate`);
//! the AC-wide rules (postal reconciliation, margin) live here. A value is
//! verified only when the scan and the entry agree with a confidence at or
//! over its field's threshold; otherwise it is a finding. This module never
//! touches the database; `documents::recheck` stores what it returns.

pub mod ballots;
pub mod certificate;
pub mod round_sheet;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::counting::{Ac, CountResult, Postal, RegisterBallot, RoundState, TableEntry};
use crate::db::CertificateRecord;
use crate::forms::ModelSet;
use crate::forms::payload::Payload;

/// What a finding is about (API.md's kinds).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Mismatch,
    Unreadable,
    Duplicate,
    SerialMismatch,
    Unsigned,
    Unattested,
    NotInRegister,
    Stale,
    MissingPair,
    Reconciliation,
    MarginBelowRejected,
}

impl Kind {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mismatch => "mismatch",
            Kind::Unreadable => "unreadable",
            Kind::Duplicate => "duplicate",
            Kind::SerialMismatch => "serial_mismatch",
            Kind::Unsigned => "unsigned",
            Kind::Unattested => "unattested",
            Kind::NotInRegister => "not_in_register",
            Kind::Stale => "stale",
            Kind::MissingPair => "missing_pair",
            Kind::Reconciliation => "reconciliation",
            Kind::MarginBelowRejected => "margin_below_rejected",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<Kind> {
        serde_json::from_value(Value::String(s.to_string())).ok()
    }

    /// The Rule 54A grounds that reject a postal ballot's cover.
    pub fn is_rule_54a(self) -> bool {
        matches!(
            self,
            Kind::Unsigned | Kind::Unattested | Kind::SerialMismatch
        )
    }
}

/// An operator's decision on a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The scan is right: the entry goes back to the RO to be edited (or,
    /// for a rule, the breach stands).
    ScanCorrect,
    /// The entry is right: the reading was an OCR misread; the finding no
    /// longer counts.
    EntryCorrect,
    /// The scan cannot settle it: a new upload is asked for.
    Rescan,
}

impl Decision {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::ScanCorrect => "scan_correct",
            Decision::EntryCorrect => "entry_correct",
            Decision::Rescan => "rescan",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<Decision> {
        serde_json::from_value(Value::String(s.to_string())).ok()
    }
}

/// A finding as the checks produce it (before it has an id).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub document_id: Option<i64>,
    pub page_no: Option<u32>,
    pub kind: Kind,
    pub field: Option<String>,
    pub ballot_id: Option<String>,
    pub scan_value: Option<Value>,
    pub entered_value: Option<Value>,
    pub confidence: Option<f64>,
    pub message: String,
}

/// What identifies a finding across runs of the checks: the same place,
/// kind and values. A changed entry is a new finding.
pub type FindingKey = (
    Option<i64>,
    Option<u32>,
    Kind,
    Option<String>,
    Option<String>,
    String,
    String,
);

impl Finding {
    /// The identity of this finding across runs.
    pub fn key(&self) -> FindingKey {
        let text = |v: &Option<Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
        (
            self.document_id,
            self.page_no,
            self.kind,
            self.field.clone(),
            self.ballot_id.clone(),
            text(&self.scan_value),
            text(&self.entered_value),
        )
    }
}

/// A page as read, as the checks see it.
#[derive(Debug, Clone, Default)]
pub struct PageRead {
    pub document_id: i64,
    pub page_no: u32,
    pub form: Option<String>,
    pub qr: Option<String>,
    /// Field name → `{value, confidence}` (extract's shape).
    pub fields: Map<String, Value>,
    /// Ink box name → `{value, confidence}`.
    pub marks: Map<String, Value>,
    /// Why the page could not be read at all.
    pub error: Option<String>,
}

impl PageRead {
    /// The QR payload, when it is one of ours.
    pub fn payload(&self) -> Option<Payload> {
        self.qr.as_deref().and_then(Payload::parse)
    }
}

/// Everything entered for an AC that scans are checked against.
#[derive(Debug, Clone)]
pub struct AcState {
    pub ac: Ac,
    pub rounds: Vec<RoundState>,
    /// Counted tables per round.
    pub entries: BTreeMap<u32, Vec<TableEntry>>,
    pub postal: Option<Postal>,
    pub register: Vec<RegisterBallot>,
    pub certificates: Vec<CertificateRecord>,
    pub result: CountResult,
}

/// Outcome of a postal ballot (API.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    Rejected,
    NeedsReview,
}

impl Outcome {
    /// The word stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
            Outcome::NeedsReview => "needs_review",
        }
    }
}

/// A postal ballot seen in the scans, with its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Ballot {
    pub ballot_id: String,
    pub outcome: Outcome,
    /// The Rule 54A grounds when rejected.
    pub reasons: Vec<Kind>,
    pub has_13a: bool,
    pub has_13b: bool,
}

/// What the checks of an AC found.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    pub ballots: Vec<Ballot>,
}

/// Operator decisions so far, by finding identity.
pub type Decisions = HashMap<FindingKey, Decision>;

/// One value read from a page: `{value, confidence}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub value: Value,
    pub confidence: f64,
}

/// The `{value, confidence}` of a field (or a mark), if the page has it.
pub fn read(map: &Map<String, Value>, name: &str) -> Option<Read> {
    let v = map.get(name)?;
    Some(Read {
        value: v.get("value").cloned().unwrap_or(Value::Null),
        confidence: v.get("confidence").and_then(Value::as_f64).unwrap_or(0.0),
    })
}

/// Collects findings for one page, comparing each value with its entry.
pub struct PageChecker<'a> {
    pub page: &'a PageRead,
    pub ballot_id: Option<String>,
    pub out: &'a mut Vec<Finding>,
}

impl PageChecker<'_> {
    /// Records a finding on this page.
    pub fn push(
        &mut self,
        kind: Kind,
        field: Option<&str>,
        scan: Option<Value>,
        entered: Option<Value>,
        confidence: Option<f64>,
        message: String,
    ) {
        self.out.push(Finding {
            document_id: Some(self.page.document_id),
            page_no: Some(self.page.page_no),
            kind,
            field: field.map(str::to_string),
            ballot_id: self.ballot_id.clone(),
            scan_value: scan,
            entered_value: entered,
            confidence: confidence.map(|c| (c * 1000.0).round() / 1000.0),
            message,
        });
    }

    /// Compares a value read (`Read`) with the entered value: unreadable
    /// under `threshold`, a mismatch when different, nothing when they agree.
    /// Returns whether it was verified.
    pub fn compare(
        &mut self,
        field: &str,
        got: Option<Read>,
        entered: Value,
        threshold: f64,
        equal: impl Fn(&Value, &Value) -> bool,
    ) -> bool {
        let page = self.page.page_no;
        match got {
            None => {
                self.push(
                    Kind::Unreadable,
                    Some(field),
                    None,
                    Some(entered),
                    Some(0.0),
                    format!("page {page}: {field} was not found on the scan"),
                );
                false
            }
            Some(r) if r.value.is_null() || r.confidence < threshold => {
                self.push(
                    Kind::Unreadable,
                    Some(field),
                    Some(r.value.clone()),
                    Some(entered),
                    Some(r.confidence),
                    format!(
                        "page {page}: {field} read as {} with confidence {:.2}, under {threshold:.2}",
                        r.value, r.confidence
                    ),
                );
                false
            }
            Some(r) if !equal(&r.value, &entered) => {
                self.push(
                    Kind::Mismatch,
                    Some(field),
                    Some(r.value.clone()),
                    Some(entered.clone()),
                    Some(r.confidence),
                    format!(
                        "page {page}: {field} is {} on the scan but {} was entered",
                        r.value, entered
                    ),
                );
                false
            }
            Some(_) => true,
        }
    }
}

impl PageChecker<'_> {
    /// Compares the page's own field `name` with the entered value.
    pub fn field(
        &mut self,
        name: &str,
        entered: Value,
        threshold: f64,
        equal: impl Fn(&Value, &Value) -> bool,
    ) -> bool {
        let got = read(&self.page.fields, name);
        self.compare(name, got, entered, threshold, equal)
    }

    /// The AC number and name printed on the page against the AC it was
    /// uploaded to.
    pub fn ac(&mut self, ac: &Ac, models: &ModelSet, form: &str) {
        self.field(
            "ac_no",
            json!(ac.ac_no),
            threshold(models, form, "ac_no"),
            same_number,
        );
        self.field(
            "ac_name",
            json!(ac.name),
            threshold(models, form, "ac_name"),
            same_text,
        );
    }
}

/// Numbers equal as integers (a JSON 71 and "71" agree).
pub fn same_number(a: &Value, b: &Value) -> bool {
    let n = |v: &Value| match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n(a).is_some() && n(a) == n(b)
}

/// Texts equal ignoring case, spacing and punctuation.
pub fn same_text(a: &Value, b: &Value) -> bool {
    let norm = |v: &Value| -> String {
        match v {
            Value::String(s) => s,
            _ => return v.to_string(),
        }
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
    };
    norm(a) == norm(b)
}

/// The threshold of a field of a model (0.8 when unknown).
pub fn threshold(models: &ModelSet, form: &str, field: &str) -> f64 {
    models
        .get(form)
        .ok()
        .and_then(|m| m.field(field))
        .map_or(0.8, |f| f.threshold)
}

/// Runs every check of an AC over every page read for it.
pub fn check_ac(
    state: &AcState,
    pages: &[PageRead],
    models: &ModelSet,
    decisions: &Decisions,
) -> Checked {
    let mut out = Checked::default();
    let mut ballot_pages = vec![];
    for page in pages {
        if let Some(error) = &page.error {
            out.findings.push(Finding {
                document_id: Some(page.document_id),
                page_no: Some(page.page_no),
                kind: Kind::Unreadable,
                field: None,
                ballot_id: None,
                scan_value: None,
                entered_value: None,
                confidence: Some(0.0),
                message: format!("page {} could not be read: {error}", page.page_no),
            });
            continue;
        }
        match page.form.as_deref() {
            Some("form-13a") | Some("form-13b") => ballot_pages.push(page),
            Some("round-sheet") => round_sheet::check(state, page, models, &mut out.findings),
            Some("certificate") => certificate::check(state, page, models, &mut out.findings),
            _ => out.findings.push(Finding {
                document_id: Some(page.document_id),
                page_no: Some(page.page_no),
                kind: Kind::Unreadable,
                field: None,
                ballot_id: None,
                scan_value: page.qr.clone().map(Value::String),
                entered_value: None,
                confidence: Some(0.0),
                message: format!(
                    "page {} is none of our forms (no Scrutiny QR code was found on it)",
                    page.page_no
                ),
            }),
        }
    }
    out.ballots = ballots::check(state, &ballot_pages, models, decisions, &mut out.findings);
    reconcile(state, &out.ballots, &mut out.findings);
    margin(state, &mut out.findings);
    out
}

fn ac_finding(kind: Kind, field: &str, scan: Value, entered: Value, message: String) -> Finding {
    Finding {
        document_id: None,
        page_no: None,
        kind,
        field: Some(field.into()),
        ballot_id: None,
        scan_value: Some(scan),
        entered_value: Some(entered),
        confidence: None,
        message,
    }
}

/// Postal reconciliation (DESIGN.md): once every ballot of the register has
/// an outcome, accepted covers = valid postal votes + rejected papers, and
/// rejected covers = the entered rejected covers.
fn reconcile(state: &AcState, ballots: &[Ballot], out: &mut Vec<Finding>) {
    let Some(postal) = &state.postal else { return };
    if state.register.is_empty() {
        return;
    }
    let outcome: HashMap<&str, Outcome> = ballots
        .iter()
        .map(|b| (b.ballot_id.as_str(), b.outcome))
        .collect();
    let settled = state.register.iter().all(|r| {
        matches!(
            outcome.get(r.ballot_id.as_str()),
            Some(Outcome::Accepted | Outcome::Rejected)
        )
    });
    if !settled {
        return;
    }
    let accepted = ballots
        .iter()
        .filter(|b| b.outcome == Outcome::Accepted)
        .count() as u64;
    let rejected = ballots
        .iter()
        .filter(|b| b.outcome == Outcome::Rejected)
        .count() as u64;
    let counted = postal.votes.iter().sum::<u64>() + postal.rejected_papers;
    if accepted != counted {
        out.push(ac_finding(
            Kind::Reconciliation,
            "accepted_covers",
            json!(accepted),
            json!(counted),
            format!(
                "{accepted} covers were accepted from the scans, but the valid postal votes and rejected papers entered add up to {counted}"
            ),
        ));
    }
    if rejected != postal.rejected_covers {
        out.push(ac_finding(
            Kind::Reconciliation,
            "rejected_covers",
            json!(rejected),
            json!(postal.rejected_covers),
            format!(
                "{rejected} covers were rejected from the scans, but {} rejected covers were entered",
                postal.rejected_covers
            ),
        ));
    }
}

/// A final margin under the rejected postal ballots: all of them must be
/// verified again before the result is declared.
fn margin(state: &AcState, out: &mut Vec<Finding>) {
    let r = &state.result;
    if r.is_final && r.margin_below_rejected {
        out.push(ac_finding(
            Kind::MarginBelowRejected,
            "margin",
            json!(r.margin),
            json!(r.rejected_postal_papers),
            format!(
                "the winning margin of {} is smaller than the {} rejected postal ballots: verify every rejected postal ballot again before declaring",
                r.margin, r.rejected_postal_papers
            ),
        ));
    }
}

#[cfg(test)]
mod tests;
