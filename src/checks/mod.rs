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
pub mod decisions;
pub mod results;
pub mod round_sheet;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use utoipa::ToSchema;

use crate::counting::{
    Ac, CertificateRecord, CountResult, Postal, RegisterBallot, RoundState, TableEntry,
};
use crate::forms::{FormKind, ModelSet};
use crate::pipeline::{PageReading, Reading, Scalar, Unplaced};

/// A field's name and its grid indices: `votes[5][1]` is `("votes", [5, 1])`,
/// `ac_no` is `("ac_no", [])`.
pub fn field_parts(field: &str) -> (&str, Vec<usize>) {
    let base = field.split('[').next().unwrap_or(field);
    let idx = field
        .split(['[', ']'])
        .skip(1)
        .filter_map(|p| p.parse().ok())
        .collect();
    (base, idx)
}

crate::vocabulary! {
    /// What a finding is about (`docs/api.md` lists the kinds).
    pub enum Kind {
        Mismatch = "mismatch",
        Unreadable = "unreadable",
        Duplicate = "duplicate",
        SerialMismatch = "serial_mismatch",
        Unsigned = "unsigned",
        Unattested = "unattested",
        NotInRegister = "not_in_register",
        Stale = "stale",
        MissingPair = "missing_pair",
        Reconciliation = "reconciliation",
        MarginBelowRejected = "margin_below_rejected",
        VvpatMismatch = "vvpat_mismatch",
        /// The QR codes of one ballot's forms name different ballots or ACs.
        QrMismatch = "qr_mismatch",
    }
}

impl Kind {
    /// The Rule 54A grounds that reject a postal ballot's cover.
    pub fn is_rule_54a(self) -> bool {
        matches!(
            self,
            Kind::Unsigned | Kind::Unattested | Kind::SerialMismatch
        )
    }
}

crate::vocabulary! {
    /// A decision on a finding; which ones fit a finding is
    /// [`decisions::choices`].
    pub enum Decision {
        /// The scan is right: the entry goes back to the RO to be edited.
        ScanCorrect = "scan_correct",
        /// The entry is right: the reading was an OCR misread; the finding no
        /// longer counts.
        EntryCorrect = "entry_correct",
        /// The scan cannot settle it: a new upload is asked for.
        Rescan = "rescan",
        /// The ink box is signed (or attested): the finding no longer counts.
        Signed = "signed",
        /// The ink box is empty: the breach stands.
        NotSigned = "not_signed",
        /// The RO accepts the cover despite the finding (a cover scanned
        /// twice, a ballot the register missed, serial numbers that agree).
        Accept = "accept",
        /// The RO rejects the cover on this ground.
        Reject = "reject",
    }
}

crate::vocabulary! {
    /// Where a stored finding stands: `open` until an operator decides
    /// (`closed`) or a later run of the checks finds it no longer holds
    /// (`resolved`).
    pub enum FindingStatus {
        Open = "open",
        Closed = "closed",
        Resolved = "resolved",
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
    pub scan_value: Option<Scalar>,
    pub entered_value: Option<Scalar>,
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
        let text = |v: &Option<Scalar>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
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

/// A page of an upload as the checks see it: where it is, and what reading
/// it gave (an empty reading and the reason when it could not be read).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScannedPage {
    pub document_id: i64,
    pub page_no: u32,
    pub reading: PageReading,
    /// Why the page could not be read at all.
    pub error: Option<String>,
}

impl ScannedPage {
    /// The form, when it is one the checks know.
    pub fn kind(&self) -> Option<FormKind> {
        self.reading.kind()
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
    /// Stations drawn for VVPAT verification, with their slips once counted.
    pub vvpat: Vec<crate::counting::VvpatStation>,
    /// Rejected postal ballots the RO verified again.
    pub reverified: Vec<crate::counting::Reverified>,
    /// Form 20 as the published figures make it (what Forms 20 and 21E
    /// are checked against).
    pub form20: crate::counting::form20::Form20,
}

crate::vocabulary! {
    /// Outcome of a postal ballot.
    pub enum Outcome {
        Accepted = "accepted",
        Rejected = "rejected",
        NeedsReview = "needs_review",
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
    /// Whether its outer cover (Form 13C) was scanned.
    pub has_13c: bool,
    /// The serial number given at the count: the order its 13C was scanned
    /// in among the AC's (none before its 13C is).
    pub count_serial: Option<u32>,
}

/// What the checks of an AC found.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    pub ballots: Vec<Ballot>,
    /// Values verified by agreement with an independent figure.
    pub agreements: Vec<Agreement>,
}

/// What the checks of pages collect as they go.
#[derive(Debug, Default)]
pub struct Found {
    pub findings: Vec<Finding>,
    pub agreements: Vec<Agreement>,
}

/// A value read under its field's threshold, verified because it equals a
/// figure from an independent source and was read at or over the field's
/// agreement floor (`agree_from`): the evidence, kept.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Agreement {
    pub document_id: i64,
    pub page_no: u32,
    pub field: String,
    pub value: Scalar,
    pub confidence: f64,
    pub threshold: f64,
    /// Where the figure it agrees with comes from ("the ETPBS register").
    pub source: String,
}

impl Agreement {
    /// The evidence in a sentence: "read 71 at 0.79 (under 0.80); agrees
    /// with the AC it was uploaded to".
    pub fn sentence(&self) -> String {
        format!(
            "{} read {} at {:.2} (under {:.2}); agrees with {}",
            self.field, self.value, self.confidence, self.threshold, self.source
        )
    }
}

/// What a value must reach to be verified: its field's threshold, or, when
/// it equals a figure from `source`, the agreement floor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub threshold: f64,
    pub agree_from: Option<f64>,
    pub source: &'static str,
}

impl From<f64> for Bar {
    fn from(threshold: f64) -> Bar {
        Bar {
            threshold,
            agree_from: None,
            source: "",
        }
    }
}

/// The bar of a field of a model, for figures from `source`.
pub fn bar(models: &ModelSet, form: FormKind, field: &str, source: &'static str) -> Bar {
    let f = models.get(form.id()).ok().and_then(|m| m.field(field));
    Bar {
        threshold: f.map_or(0.8, |f| f.threshold),
        agree_from: f.and_then(|f| f.agree_from),
        source,
    }
}

/// Operator decisions so far, by finding identity.
pub type Decisions = HashMap<FindingKey, Decision>;

/// A value as a message shows it: `71`, `"Rewa"`, or `null` when nothing was read.
pub fn shown(v: &Option<Scalar>) -> String {
    v.as_ref()
        .map_or_else(|| "null".to_string(), Scalar::to_string)
}

/// Collects findings for one page, comparing each value with its entry.
pub struct PageChecker<'a> {
    pub page: &'a ScannedPage,
    pub ballot_id: Option<String>,
    pub out: &'a mut Found,
}

impl PageChecker<'_> {
    /// Records a finding on this page.
    pub fn push(
        &mut self,
        kind: Kind,
        field: Option<&str>,
        scan: Option<Scalar>,
        entered: Option<Scalar>,
        confidence: Option<f64>,
        message: String,
    ) {
        self.out.findings.push(Finding {
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

    /// Compares a value read with the entered value: unreadable under
    /// the bar's threshold (unless it equals the entry and reaches the
    /// agreement floor: verified, the agreement kept), a mismatch when
    /// different, nothing when they agree. Returns whether it was verified.
    pub fn compare(
        &mut self,
        field: &str,
        got: Option<Reading>,
        entered: Scalar,
        bar: impl Into<Bar>,
        equal: impl Fn(&Scalar, &Scalar) -> bool,
    ) -> bool {
        let page = self.page.page_no;
        let bar = bar.into();
        let threshold = bar.threshold;
        match got {
            Some(Reading {
                value: Some(v),
                confidence,
            }) if confidence < threshold
                && bar.agree_from.is_some_and(|floor| confidence >= floor)
                && equal(&v, &entered) =>
            {
                self.out.agreements.push(Agreement {
                    document_id: self.page.document_id,
                    page_no: page,
                    field: field.to_string(),
                    value: v,
                    confidence: (confidence * 1000.0).round() / 1000.0,
                    threshold,
                    source: bar.source.to_string(),
                });
                true
            }
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
            Some(r) if r.value.is_none() || r.confidence < threshold => {
                self.push(
                    Kind::Unreadable,
                    Some(field),
                    r.value.clone(),
                    Some(entered),
                    Some(r.confidence),
                    format!(
                        "page {page}: {field} read as {} with confidence {:.2}, under {threshold:.2}",
                        shown(&r.value),
                        r.confidence
                    ),
                );
                false
            }
            Some(Reading {
                value: Some(v),
                confidence,
            }) if !equal(&v, &entered) => {
                self.push(
                    Kind::Mismatch,
                    Some(field),
                    Some(v.clone()),
                    Some(entered.clone()),
                    Some(confidence),
                    format!("page {page}: {field} is {v} on the scan but {entered} was entered"),
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
        entered: Scalar,
        bar: impl Into<Bar>,
        equal: impl Fn(&Scalar, &Scalar) -> bool,
    ) -> bool {
        let got = self.page.reading.field(name).cloned();
        self.compare(name, got, entered, bar, equal)
    }

    /// The AC number and name printed on the page against the AC it was
    /// uploaded to.
    pub fn ac(&mut self, ac: &Ac, models: &ModelSet, form: FormKind) {
        let source = "the AC it was uploaded to";
        self.field(
            "ac_no",
            ac.ac_no.into(),
            bar(models, form, "ac_no", source),
            Scalar::same_number,
        );
        self.field(
            "ac_name",
            ac.name.as_str().into(),
            bar(models, form, "ac_name", source),
            Scalar::same_text,
        );
    }
}

/// The threshold of a field of a model (0.8 when unknown).
pub fn threshold(models: &ModelSet, form: FormKind, field: &str) -> f64 {
    bar(models, form, field, "").threshold
}

/// Runs every check of an AC over every page read for it.
pub fn check_ac(
    state: &AcState,
    pages: &[ScannedPage],
    models: &ModelSet,
    decisions: &Decisions,
) -> Checked {
    let mut out = check_pages(state, pages, models, decisions);
    out.findings.extend(check_totals(state, &out.ballots));
    out
}

/// The checks of these pages: each page's own findings, and the outcome of
/// every postal ballot they carry (which needs all of that ballot's pages).
pub fn check_pages(
    state: &AcState,
    pages: &[ScannedPage],
    models: &ModelSet,
    decisions: &Decisions,
) -> Checked {
    let mut out = Found::default();
    let mut ballot_pages = vec![];
    // A finding about a whole page that could not be read as a form.
    let unreadable = |page: &ScannedPage, message: String| Finding {
        document_id: Some(page.document_id),
        page_no: Some(page.page_no),
        kind: Kind::Unreadable,
        field: None,
        ballot_id: None,
        scan_value: None,
        entered_value: None,
        confidence: Some(0.0),
        message,
    };
    for page in pages {
        if let Some(error) = &page.error {
            let message = format!("page {} could not be read: {error}", page.page_no);
            out.findings.push(unreadable(page, message));
            continue;
        }
        match page.kind() {
            Some(FormKind::Form13A | FormKind::Form13B | FormKind::Form13C) => {
                ballot_pages.push(page)
            }
            Some(FormKind::RoundSheet) => round_sheet::check(state, page, models, &mut out),
            Some(FormKind::Certificate) => certificate::check(state, page, models, &mut out),
            Some(FormKind::Form20) => results::check_form20(state, page, models, &mut out),
            Some(FormKind::Form21C) => results::check_form21c(state, page, models, &mut out),
            Some(FormKind::Form21E) => results::check_form21e(state, page, models, &mut out),
            None => out.findings.push(Finding {
                scan_value: page.reading.qr.clone().map(Scalar::Text),
                ..unreadable(
                    page,
                    format!(
                        "page {} is none of our forms: {}",
                        page.page_no,
                        page.reading.unplaced.unwrap_or(Unplaced::NoQr).sentence()
                    ),
                )
            }),
        }
        if page.reading.unplaced == Some(Unplaced::NotRegistered) {
            out.findings.push(Finding {
                ballot_id: page.reading.ballot_id(),
                ..unreadable(
                    page,
                    format!(
                        "page {}: {}; scan it again",
                        page.page_no,
                        Unplaced::NotRegistered.sentence()
                    ),
                )
            });
        }
    }
    let ballots = ballots::check(state, &ballot_pages, models, decisions, &mut out);
    Checked {
        findings: out.findings,
        ballots,
        agreements: out.agreements,
    }
}

/// The AC-wide rules, over the outcome of every ballot of the AC: the
/// postal reconciliation and the margin.
pub fn check_totals(state: &AcState, ballots: &[Ballot]) -> Vec<Finding> {
    let mut out = vec![];
    reconcile(state, ballots, &mut out);
    margin(state, ballots, &mut out);
    vvpat(state, &mut out);
    out
}

fn ac_finding(kind: Kind, field: &str, scan: Scalar, entered: Scalar, message: String) -> Finding {
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

/// Postal reconciliation (`docs/design.md`): once every ballot of the register has
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
            accepted.into(),
            counted.into(),
            format!(
                "{accepted} covers were accepted from the scans, but the valid postal votes and rejected papers entered add up to {counted}"
            ),
        ));
    }
    if rejected != postal.rejected_covers {
        out.push(ac_finding(
            Kind::Reconciliation,
            "rejected_covers",
            rejected.into(),
            postal.rejected_covers.into(),
            format!(
                "{rejected} covers were rejected from the scans, but {} rejected covers were entered",
                postal.rejected_covers
            ),
        ));
    }
}

/// VVPAT verification: each candidate whose slips at a drawn station
/// differ from the EVM figures entered for it. The slips prevail (the
/// result counts them); the RO settles each difference.
fn vvpat(state: &AcState, out: &mut Vec<Finding>) {
    let evm: HashMap<u32, &TableEntry> = state
        .entries
        .values()
        .flatten()
        .map(|e| (e.ps_no, e))
        .collect();
    for st in &state.vvpat {
        let (Some(slips), Some(entry)) = (&st.slips, evm.get(&st.ps_no)) else {
            continue;
        };
        for (i, (&s, &e)) in slips.iter().zip(&entry.votes).enumerate() {
            if s != e {
                let name = state.ac.candidates.get(i).map_or("?", |c| c.name.as_str());
                out.push(ac_finding(
                    Kind::VvpatMismatch,
                    &format!("vvpat[{}][{i}]", st.ps_no),
                    s.into(),
                    e.into(),
                    format!(
                        "polling station {}: {s} VVPAT slips for {name}, but the EVM shows {e}; the slips prevail",
                        st.ps_no
                    ),
                ));
            }
        }
    }
}

/// A final margin under the rejected postal ballots: all of them must be
/// verified again before the result is declared. It settles when the RO
/// has confirmed or reversed every rejected ballot.
fn margin(state: &AcState, ballots: &[Ballot], out: &mut Vec<Finding>) {
    let r = &state.result;
    let pending = crate::counting::ready::reverification(r, ballots, &state.reverified)
        .is_some_and(|v| v.done < v.rejected);
    if r.is_final && pending {
        out.push(ac_finding(
            Kind::MarginBelowRejected,
            "margin",
            r.margin.into(),
            r.rejected_postal_ballots.into(),
            format!(
                "the winning margin of {} is smaller than the {} rejected postal ballots: verify every rejected postal ballot again before declaring",
                r.margin, r.rejected_postal_ballots
            ),
        ));
    }
}

#[cfg(test)]
mod tests;
