//! The forms of the end of the count, read back from their signed scans
//! (`docs/design.md`, "The end of the count"): Form 20's every figure
//! against the published entries (a station verified by VVPAT by its
//! slips), Form 21C's elected candidate and date against the declared
//! result, Form 21E's votes per candidate and elected candidate; the RO's
//! signature on each.

use super::round_sheet::signed;
use super::{AcState, Found, Kind, PageChecker, ScannedPage, threshold};
use crate::counting::form20::{self, Form20};
use crate::forms::{FormKind, ModelSet};
use crate::pipeline::{Reading, Scalar};

/// Where this page's part of a grid begins: its first row and column (the
/// QR code's `row0` and `col0`).
fn origin(page: &ScannedPage) -> (usize, usize) {
    let p = page.reading.payload();
    let at = |k: &str| p.as_ref().and_then(|p| p.get_usize(k)).unwrap_or(0);
    (at("row0"), at("col0"))
}

/// A row a printed grid should hold: its label figures by name (the PS
/// number, the candidate's serial) and one figure per printed column.
struct Due<'a> {
    labels: Vec<(&'a str, u64)>,
    figures: Vec<u64>,
}

/// Compares every printed row of a grid page with the rows it should hold
/// (`expected[row0..]`, as many as a page of the form holds: `per_page`),
/// then its totals row with their sums: each figure its own finding. `what` names the rows for people ("polling stations").
fn grid(c: &mut PageChecker, expected: &[Due], per_page: usize, th: f64, what: &str) {
    let page = c.page;
    let reading = &page.reading;
    let (row0, col0) = origin(page);
    let g = reading.grid("votes");
    let rows = g.map_or(0, |g| g.rows());
    let cols = g.map_or(0, |g| g.cols());
    let due = expected.get(row0..).unwrap_or_default();
    let due = &due[..due.len().min(per_page)];
    if rows != due.len() || due.is_empty() {
        c.push(
            Kind::Mismatch,
            Some("rows"),
            Some(rows.into()),
            Some(due.len().into()),
            None,
            format!(
                "page {}: the sheet lists {rows} {what} from number {} but the count has {}",
                page.page_no,
                row0 + 1,
                expected.len()
            ),
        );
    }
    let mut sums = vec![0u64; cols];
    for (r, Due { labels, figures }) in due.iter().enumerate().take(rows) {
        let mut placed = true;
        for (name, want) in labels {
            let got = reading.row(name).and_then(|row| row.cell(r));
            placed &= c.compare(
                &format!("{name}[{r}]"),
                got,
                (*want).into(),
                th,
                Scalar::same_number,
            );
        }
        for (k, sum) in sums.iter_mut().enumerate() {
            let Some(&want) = figures.get(col0 + k) else {
                continue;
            };
            *sum += want;
            if placed {
                c.compare(
                    &format!("votes[{r}][{}]", col0 + k),
                    g.and_then(|g| g.cell(r, k)),
                    want.into(),
                    th,
                    Scalar::same_number,
                );
            }
        }
    }
    let width = due.first().map_or(0, |d| d.figures.len());
    given_row(
        c,
        "totals",
        &sums,
        col0,
        cols.min(width.saturating_sub(col0)),
        th,
    );
}

/// How many rows a page of the form's grid holds.
fn per_page(models: &ModelSet, form: FormKind) -> usize {
    models
        .get(form.id())
        .ok()
        .and_then(|m| m.fields.iter().find_map(|f| f.grid.as_ref()))
        .map_or(1, |g| g.max_rows)
}

/// A printed row of whole-AC figures (`evm`, `totals`…) against `want`
/// (this page's columns, from `col0`).
fn given_row(c: &mut PageChecker, name: &str, want: &[u64], col0: usize, cols: usize, th: f64) {
    let printed = c.page.reading.row(name).cloned();
    for (k, &w) in want.iter().enumerate().take(cols) {
        c.compare(
            &format!("{name}[{}]", col0 + k),
            Some(printed.as_ref().map_or_else(Reading::none, |row| {
                row.cell(k).unwrap_or_else(Reading::none)
            })),
            w.into(),
            th,
            Scalar::same_number,
        );
    }
}

/// The AC a page names (QR, else as printed) must be the AC it was
/// uploaded to; false (with the finding) when not.
fn of_this_ac(state: &AcState, c: &mut PageChecker, models: &ModelSet, form: FormKind) -> bool {
    let ac_no = state.ac.ac_no;
    let named = c
        .page
        .reading
        .payload()
        .and_then(|p| p.get_usize("ac"))
        .map(|n| n as u64);
    if named.is_some_and(|n| n != u64::from(ac_no)) {
        c.push(
            Kind::Mismatch,
            Some("ac_no"),
            named.map(Scalar::Count),
            Some(ac_no.into()),
            None,
            format!(
                "page {}: this {} is for AC {} but was uploaded to AC {ac_no}",
                c.page.page_no,
                form.title(),
                named.unwrap_or_default()
            ),
        );
        return false;
    }
    c.ac(&state.ac, models, form);
    true
}

/// Checks one page of Form 20.
pub fn check_form20(state: &AcState, page: &ScannedPage, models: &ModelSet, out: &mut Found) {
    const FORM: FormKind = FormKind::Form20;
    let th = |f: &str| threshold(models, FORM, f);
    let mut c = PageChecker {
        page,
        ballot_id: None,
        out,
    };
    if !of_this_ac(state, &mut c, models, FORM) {
        return;
    }
    let f: &Form20 = &state.form20;
    let rows: Vec<Due> = f
        .stations
        .iter()
        .map(|l| Due {
            labels: vec![("ps_no", u64::from(l.ps_no.unwrap_or_default()))],
            figures: form20::printed_figures(f, l),
        })
        .collect();
    grid(
        &mut c,
        &rows,
        per_page(models, FORM),
        th("votes"),
        "polling stations",
    );
    let (_, col0) = origin(page);
    let cols = page.reading.grid("votes").map_or(0, |g| g.cols());
    for (name, line) in [("evm", &f.evm), ("postal", &f.postal), ("total", &f.total)] {
        let want = form20::printed_figures(f, line);
        let want = want.get(col0..).unwrap_or_default();
        given_row(&mut c, name, want, col0, cols, th("votes"));
    }
    c.field(
        "rejected",
        f.postal.rejected.unwrap_or(0).into(),
        th("rejected"),
        Scalar::same_number,
    );
    signed(&mut c, th("ro_signed"), "Form 20");
}

/// The elected candidate, party and date of the declared result against
/// what the page prints; false (with the finding) when the result is not
/// declared.
fn declared(state: &AcState, c: &mut PageChecker, models: &ModelSet, form: FormKind) -> bool {
    let th = |f: &str| threshold(models, form, f);
    let (Some(date), Some(leader)) = (state.ac.declared_on(), state.result.leader.as_ref()) else {
        c.push(
            Kind::Stale,
            Some("date"),
            None,
            None,
            None,
            format!(
                "page {}: the result of AC {} is not declared, so this {} does not hold",
                c.page.page_no,
                state.ac.ac_no,
                form.title()
            ),
        );
        return false;
    };
    for (name, want) in [
        ("winner", leader.name.as_str()),
        ("party", leader.party.as_str()),
        ("date", date.as_str()),
        ("ro_name", state.ac.ro.as_str()),
    ] {
        c.field(name, want.into(), th(name), Scalar::same_text);
    }
    true
}

/// Checks one page of Form 21C (the declaration).
pub fn check_form21c(state: &AcState, page: &ScannedPage, models: &ModelSet, out: &mut Found) {
    const FORM: FormKind = FormKind::Form21C;
    let mut c = PageChecker {
        page,
        ballot_id: None,
        out,
    };
    if of_this_ac(state, &mut c, models, FORM) {
        declared(state, &mut c, models, FORM);
        signed(&mut c, threshold(models, FORM, "ro_signed"), "Form 21C");
    }
}

/// Checks one page of Form 21E (the return of election).
pub fn check_form21e(state: &AcState, page: &ScannedPage, models: &ModelSet, out: &mut Found) {
    const FORM: FormKind = FormKind::Form21E;
    let th = |f: &str| threshold(models, FORM, f);
    let mut c = PageChecker {
        page,
        ballot_id: None,
        out,
    };
    if !of_this_ac(state, &mut c, models, FORM) {
        return;
    }
    let f = &state.form20;
    let rows: Vec<Due> = state
        .ac
        .candidates
        .iter()
        .enumerate()
        .map(|(i, cand)| Due {
            labels: vec![("serial", u64::from(cand.serial))],
            figures: form20::return_figures(f, i).to_vec(),
        })
        .collect();
    grid(
        &mut c,
        &rows,
        per_page(models, FORM),
        th("votes"),
        "candidates",
    );
    c.field(
        "rejected",
        f.postal.rejected.unwrap_or(0).into(),
        th("rejected"),
        Scalar::same_number,
    );
    declared(state, &mut c, models, FORM);
    signed(&mut c, th("ro_signed"), "Form 21E");
}
