//! Round sheets: the AC, round and revision from the QR code; a sheet of an
//! older revision is stale; otherwise every table × candidate figure, every
//! table and PS number and every total against the entered counts, each its
//! own finding; the RO's signature.

use super::{AcState, Found, Kind, PageChecker, ScannedPage, threshold};
use crate::counting::{RoundState, TableEntry};
use crate::forms::{FormKind, ModelSet};
use crate::pipeline::Scalar;

const FORM: FormKind = FormKind::RoundSheet;

/// A number the QR carries, else the figure printed in `field` when it was
/// read surely.
fn qr_or_field(page: &ScannedPage, key: &str, field: &str, th: f64) -> Option<u64> {
    page.reading
        .payload()
        .and_then(|p| p.get_usize(key))
        .map(|n| n as u64)
        .or_else(|| {
            page.reading
                .field(field)
                .and_then(|r| r.sure(th))
                .and_then(Scalar::as_count)
        })
}

fn or_unreadable(v: Option<u64>) -> String {
    v.map_or("(unreadable)".into(), |n| n.to_string())
}

/// Checks one round-sheet page.
pub fn check(state: &AcState, page: &ScannedPage, models: &ModelSet, out: &mut Found) {
    let th = |f: &str| threshold(models, FORM, f);
    let mut c = PageChecker {
        page,
        ballot_id: None,
        out,
    };
    let Some(round) = placed(state, &mut c, &th) else {
        return;
    };
    figures(state, &mut c, round.round, th("votes"));
    signed(
        &mut c,
        th("ro_signed"),
        &format!("round {} sheet", round.round),
    );
}

/// The sheet's AC, round and revision (from its QR code, or else as
/// printed): the round's state when the sheet is of this AC's round at its
/// current revision, else the finding that says why not.
fn placed(state: &AcState, c: &mut PageChecker, th: &impl Fn(&str) -> f64) -> Option<RoundState> {
    let page = c.page;
    let page_no = page.page_no;
    let ac_no = state.ac.ac_no;
    let ac = qr_or_field(page, "ac", "ac_no", th("ac_no"));
    if ac != Some(u64::from(ac_no)) {
        c.push(
            Kind::Mismatch,
            Some("ac_no"),
            ac.map(Scalar::Count),
            Some(ac_no.into()),
            None,
            format!(
                "page {page_no}: this round sheet is for AC {} but was uploaded to AC {ac_no}",
                or_unreadable(ac)
            ),
        );
        return None;
    }
    let round = qr_or_field(page, "round", "round", th("round"));
    let Some(now) = round.and_then(|r| state.rounds.iter().find(|s| u64::from(s.round) == r))
    else {
        c.push(
            Kind::Mismatch,
            Some("round"),
            round.map(Scalar::Count),
            None,
            None,
            format!(
                "page {page_no}: round {} is not a round of AC {ac_no}",
                or_unreadable(round)
            ),
        );
        return None;
    };
    let rev = qr_or_field(page, "rev", "revision", th("revision"));
    let current = u64::from(now.revision);
    match rev {
        Some(r) if r < current => {
            c.push(
                Kind::Stale,
                Some("revision"),
                Some(r.into()),
                Some(now.revision.into()),
                None,
                format!(
                    "page {page_no}: this sheet of round {} is revision {r}; the round was edited since and is now revision {}: print, sign and upload the new sheet",
                    now.round, now.revision
                ),
            );
            None
        }
        Some(r) if r == current => Some(*now),
        other => {
            c.push(
                Kind::Mismatch,
                Some("revision"),
                other.map(Scalar::Count),
                Some(now.revision.into()),
                None,
                format!(
                    "page {page_no}: revision {} is not a revision of round {}",
                    or_unreadable(other),
                    now.round
                ),
            );
            None
        }
    }
}

/// Every table, PS number, figure and total of the sheet against the
/// entries of `round`, each its own finding.
fn figures(state: &AcState, c: &mut PageChecker, round: u32, grid_th: f64) {
    let page = c.page;
    let reading = &page.reading;
    let col0 = reading
        .payload()
        .and_then(|p| p.get_usize("col0"))
        .unwrap_or(0);
    let no_entries = Vec::new();
    let entries: &Vec<TableEntry> = state.entries.get(&round).unwrap_or(&no_entries);
    let grid = reading.grid("votes");
    let rows = grid.map_or(0, |g| g.rows());
    let cols = grid.map_or(0, |g| g.cols());
    if rows != entries.len() {
        c.push(
            Kind::Mismatch,
            Some("rows"),
            Some(rows.into()),
            Some(entries.len().into()),
            None,
            format!(
                "page {}: the sheet lists {rows} tables but {} are entered for round {round}",
                page.page_no,
                entries.len()
            ),
        );
    }
    for (r, entry) in entries.iter().enumerate().take(rows) {
        let label = |name: &str| reading.row(name).and_then(|row| row.cell(r));
        let table_ok = c.compare(
            &format!("table[{r}]"),
            label("table"),
            entry.table.into(),
            grid_th,
            Scalar::same_number,
        );
        if !table_ok {
            continue;
        }
        c.compare(
            &format!("ps_no[{r}]"),
            label("ps_no"),
            entry.ps_no.into(),
            grid_th,
            Scalar::same_number,
        );
        for k in 0..cols {
            let cand = col0 + k;
            let Some(&entered) = entry.votes.get(cand) else {
                continue;
            };
            c.compare(
                &format!("votes[{r}][{cand}]"),
                grid.and_then(|g| g.cell(r, k)),
                entered.into(),
                grid_th,
                Scalar::same_number,
            );
        }
    }
    let totals = crate::counting::totals(
        state.ac.candidates.len(),
        entries.iter().map(|e| e.votes.as_slice()),
    );
    let printed = reading.row("totals");
    for k in 0..cols {
        let cand = col0 + k;
        let Some(&entered) = totals.get(cand) else {
            continue;
        };
        c.compare(
            &format!("totals[{cand}]"),
            printed.map(|row| row.cell(k).unwrap_or_else(crate::pipeline::Reading::none)),
            entered.into(),
            grid_th,
            Scalar::same_number,
        );
    }
}

/// The RO's signature box of a sheet or certificate.
pub fn signed(c: &mut PageChecker, th: f64, what: &str) {
    let page_no = c.page.page_no;
    match c.page.reading.mark("ro_signed").copied() {
        Some(r) if r.confidence >= th && r.value => {}
        Some(r) if r.confidence >= th => c.push(
            Kind::Unsigned,
            Some("ro_signed"),
            Some(r.value.into()),
            None,
            Some(r.confidence),
            format!("page {page_no}: the {what} is not signed by the RO"),
        ),
        other => c.push(
            Kind::Unreadable,
            Some("ro_signed"),
            other.map(|r| r.value.into()),
            None,
            other.map(|r| r.confidence),
            format!("page {page_no}: cannot tell whether the RO signed the {what}"),
        ),
    }
}
