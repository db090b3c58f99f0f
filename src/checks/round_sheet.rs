//! Round sheets: the AC, round and revision from the QR code; a sheet of an
//! older revision is stale; otherwise every table × candidate figure, every
//! table and PS number and every total against the entered counts, each its
//! own finding; the RO's signature.

use serde_json::{Value, json};

use super::{AcState, Finding, Kind, PageChecker, PageRead, Read, read, same_number, threshold};
use crate::forms::ModelSet;

const FORM: &str = "round-sheet";

/// Cell `[r][c]` of a grid field (`{value: rows, confidence: rows}`), or of
/// a flat list when `c` is None.
fn cell(page: &PageRead, name: &str, r: usize, c: Option<usize>) -> Option<Read> {
    let f = page.fields.get(name)?;
    let pick = |v: &Value| -> Option<Value> {
        let row = v.get(r)?;
        match c {
            Some(c) => row.get(c).cloned(),
            None => Some(row.clone()),
        }
    };
    Some(Read {
        value: pick(f.get("value")?).unwrap_or(Value::Null),
        confidence: pick(f.get("confidence")?)
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0),
    })
}

fn rows_of(page: &PageRead, name: &str) -> usize {
    page.fields
        .get(name)
        .and_then(|f| f.get("value"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// A number the QR carries, else the figure printed in `field`.
fn qr_or_field(page: &PageRead, key: &str, field: &str, th: f64) -> Option<u64> {
    page.payload()
        .and_then(|p| p.get_usize(key))
        .map(|n| n as u64)
        .or_else(|| {
            read(&page.fields, field)
                .filter(|r| r.confidence >= th)
                .and_then(|r| r.value.as_u64())
        })
}

/// Checks one round-sheet page.
pub fn check(state: &AcState, page: &PageRead, models: &ModelSet, out: &mut Vec<Finding>) {
    let th = |f: &str| threshold(models, FORM, f);
    let grid_th = th("votes");
    let mut c = PageChecker {
        page,
        ballot_id: None,
        out,
    };
    let ac_no = state.ac.ac_no;
    let ac = qr_or_field(page, "ac", "ac_no", th("ac_no"));
    if ac != Some(u64::from(ac_no)) {
        c.push(
            Kind::Mismatch,
            Some("ac_no"),
            ac.map(|a| json!(a)),
            Some(json!(ac_no)),
            None,
            format!(
                "page {}: this round sheet is for AC {} but was uploaded to AC {ac_no}",
                page.page_no,
                ac.map_or("(unreadable)".into(), |a| a.to_string())
            ),
        );
        return;
    }
    let round = qr_or_field(page, "round", "round", th("round"));
    let Some(state_now) = round.and_then(|r| state.rounds.iter().find(|s| u64::from(s.round) == r))
    else {
        c.push(
            Kind::Mismatch,
            Some("round"),
            round.map(|r| json!(r)),
            None,
            None,
            format!(
                "page {}: round {} is not a round of AC {ac_no}",
                page.page_no,
                round.map_or("(unreadable)".into(), |r| r.to_string())
            ),
        );
        return;
    };
    let round = state_now.round;
    let rev = qr_or_field(page, "rev", "revision", th("revision"));
    match rev {
        Some(r) if r < u64::from(state_now.revision) => {
            c.push(
                Kind::Stale,
                Some("revision"),
                Some(json!(r)),
                Some(json!(state_now.revision)),
                None,
                format!(
                    "page {}: this sheet of round {round} is revision {r}; the round was edited since and is now revision {}: print, sign and upload the new sheet",
                    page.page_no, state_now.revision
                ),
            );
            return;
        }
        Some(r) if r == u64::from(state_now.revision) => {}
        other => {
            c.push(
                Kind::Mismatch,
                Some("revision"),
                other.map(|r| json!(r)),
                Some(json!(state_now.revision)),
                None,
                format!(
                    "page {}: revision {} is not a revision of round {round}",
                    page.page_no,
                    other.map_or("(unreadable)".into(), |r| r.to_string())
                ),
            );
            return;
        }
    }
    let col0 = page
        .payload()
        .and_then(|p| p.get_usize("col0"))
        .unwrap_or(0);
    let entries = state.entries.get(&round).cloned().unwrap_or_default();
    let rows = rows_of(page, "votes");
    let cols = page
        .fields
        .get("votes")
        .and_then(|f| f.get("value"))
        .and_then(|v| v.get(0))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if rows != entries.len() {
        c.push(
            Kind::Mismatch,
            Some("rows"),
            Some(json!(rows)),
            Some(json!(entries.len())),
            None,
            format!(
                "page {}: the sheet lists {rows} tables but {} are entered for round {round}",
                page.page_no,
                entries.len()
            ),
        );
    }
    for (r, entry) in entries.iter().enumerate().take(rows) {
        let table_ok = c.compare(
            &format!("table[{r}]"),
            cell(page, "table", r, None),
            json!(entry.table),
            grid_th,
            same_number,
        );
        if !table_ok {
            continue;
        }
        c.compare(
            &format!("ps_no[{r}]"),
            cell(page, "ps_no", r, None),
            json!(entry.ps_no),
            grid_th,
            same_number,
        );
        for k in 0..cols {
            let cand = col0 + k;
            let Some(&entered) = entry.votes.get(cand) else {
                continue;
            };
            c.compare(
                &format!("votes[{r}][{cand}]"),
                cell(page, "votes", r, Some(k)),
                json!(entered),
                grid_th,
                same_number,
            );
        }
    }
    let totals = crate::counting::totals(
        state.ac.candidates.len(),
        entries.iter().map(|e| e.votes.as_slice()),
    );
    for k in 0..cols {
        let cand = col0 + k;
        let Some(&entered) = totals.get(cand) else {
            continue;
        };
        let got = page.fields.get("totals").map(|f| Read {
            value: f["value"].get(k).cloned().unwrap_or(Value::Null),
            confidence: f["confidence"]
                .get(k)
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
        });
        c.compare(
            &format!("totals[{cand}]"),
            got,
            json!(entered),
            grid_th,
            same_number,
        );
    }
    signed(
        &mut c,
        page,
        th("ro_signed"),
        &format!("round {round} sheet"),
    );
}

/// The RO's signature box of a sheet or certificate.
pub fn signed(c: &mut PageChecker, page: &PageRead, th: f64, what: &str) {
    match read(&page.marks, "ro_signed") {
        Some(r) if r.confidence >= th && r.value == Value::Bool(true) => {}
        Some(r) if r.confidence >= th => c.push(
            Kind::Unsigned,
            Some("ro_signed"),
            Some(r.value),
            None,
            Some(r.confidence),
            format!("page {}: the {what} is not signed by the RO", page.page_no),
        ),
        other => c.push(
            Kind::Unreadable,
            Some("ro_signed"),
            other.as_ref().map(|r| r.value.clone()),
            None,
            other.as_ref().map(|r| r.confidence),
            format!(
                "page {}: cannot tell whether the RO signed the {what}",
                page.page_no
            ),
        ),
    }
}
