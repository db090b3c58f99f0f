//! `/progress`: the completion dashboard. Per AC and RO, bars of expected,
//! uploaded and verified documents, coloured by how far behind the state as
//! a whole it is; district and state roll-ups of the same figures. Tables
//! are sent a page at a time, sorted on the server; the script asks for
//! the board again every few seconds and gets it only when a figure has
//! changed.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Ctx, OrPage, PageResult, bar, number};
use crate::clock;
use crate::http::AppState;
use crate::http::api::progress::{
    AcMissing, ProgressLine, ProgressQuery, ac_missing, by_district, by_state, lines,
};
use crate::progress::MissingState;

/// Points under the state's verified share that count as behind.
const BEHIND_POINTS: f64 = 10.0;

/// Lines of a table on one page of the board.
const PER_PAGE: usize = 50;

/// Which part of the board, in which order; `partial=1` is the board alone
/// (the script's refresh), and with `since` (the figures' time the page
/// shows) it is `204 No Content` while no figure has changed.
#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    pub partial: Option<u8>,
    pub district: Option<String>,
    /// `ac` (by number, the default) or `behind` (least verified first).
    pub sort: Option<String>,
    /// The page of the constituency table, from 1.
    pub page: Option<usize>,
    /// The page of the district table, from 1.
    pub dpage: Option<usize>,
    pub since: Option<String>,
}

impl BoardQuery {
    fn behind_first(&self) -> bool {
        self.sort.as_deref() == Some("behind")
    }

    /// This board's address with `key` set to `value` (the other choices kept).
    fn link(&self, key: &str, value: &str) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                pairs.push((k, v));
            }
        };
        put("district", self.district.clone());
        put("sort", self.sort.clone());
        put("page", self.page.map(|p| p.to_string()));
        put("dpage", self.dpage.map(|p| p.to_string()));
        pairs.retain(|(k, _)| *k != key);
        pairs.push((key, value.to_string()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencoding(v)))
            .collect();
        format!("/progress?{}", query.join("&"))
    }
}

/// Percent-encodes a query value.
fn urlencoding(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sorts lines by number (as they come) or least verified first.
fn sort_lines(lines: &mut [ProgressLine], behind_first: bool) {
    if behind_first {
        lines.sort_by(|a, b| {
            a.percent
                .total_cmp(&b.percent)
                .then(b.expected.cmp(&a.expected))
        });
    }
}

/// The lines of page `page` (from 1; out of range is the last page), the
/// page shown, and how many pages there are.
fn page_of(lines: &[ProgressLine], page: Option<usize>) -> (&[ProgressLine], usize, usize) {
    let pages = lines.len().div_ceil(PER_PAGE).max(1);
    let page = page.unwrap_or(1).clamp(1, pages);
    let start = (page - 1) * PER_PAGE;
    let end = (start + PER_PAGE).min(lines.len());
    (&lines[start.min(end)..end], page, pages)
}

/// "51–100 of 4,123" with links to the pages before and after.
fn pager(ctx: &Ctx, q: &BoardQuery, key: &str, page: usize, pages: usize, total: usize) -> Markup {
    let t = ctx.t;
    let first = if total == 0 {
        0
    } else {
        (page - 1) * PER_PAGE + 1
    };
    let last = (page * PER_PAGE).min(total);
    html! {
        nav.pager aria-label=(t.page) {
            @if page > 1 { a rel="prev" href=(ctx.with_lang(&q.link(key, &(page - 1).to_string()))) { "← " (t.previous) } " " }
            span { (first) "–" (last) " " (t.of) " " (total) }
            @if page < pages { " " a rel="next" href=(ctx.with_lang(&q.link(key, &(page + 1).to_string()))) { (t.next) " →" } }
        }
    }
}

/// From this time of the day (IST, in minutes), two hours after postal
/// counting starts at 08:00, a line that owes documents and has none
/// verified is behind whatever the state has done.
const NOTHING_IS_BEHIND_FROM: i64 = 10 * 60;

/// How a line stands against the whole state at `minutes` past midnight
/// IST: `complete`, `on-track` or `behind`.
pub fn standing(line: &ProgressLine, state_percent: f64, minutes: i64) -> &'static str {
    if line.expected > 0 && line.verified >= line.expected {
        "complete"
    } else if line.percent + BEHIND_POINTS <= state_percent
        || (line.expected > 0 && line.verified == 0 && minutes >= NOTHING_IS_BEHIND_FROM)
    {
        "behind"
    } else {
        "on-track"
    }
}

fn row(ctx: &Ctx, head: Markup, l: &ProgressLine, state_percent: f64) -> Markup {
    let t = ctx.t;
    let class = standing(l, state_percent, clock::ist_minutes(clock::now_unix()));
    let label = match class {
        "complete" => t.complete,
        "behind" => t.behind,
        _ => t.on_track,
    };
    html! {
        tr.(class) data-ac=[l.ac_no] {
            (head)
            td.bars {
                (bar(t.uploaded, l.uploaded, l.expected, "uploaded"))
                (bar(t.verified, l.verified, l.expected, "verified"))
            }
            td.num.expected { (l.expected) }
            td.num.uploaded { (l.uploaded) }
            td.num.verified { (l.verified) }
            td.num.open { (l.open_findings) }
            td.num { (format!("{:.1} %", l.percent)) " " span.chip.(class) { (label) } }
        }
    }
}

fn head_cells(ctx: &Ctx, first: &[&str]) -> Markup {
    let t = ctx.t;
    html! {
        thead { tr {
            @for h in first { th scope="col" { (h) } }
            th scope="col" { span.visually-hidden { (t.uploaded) " / " (t.verified) } }
            th scope="col" { (t.expected) } th scope="col" { (t.uploaded) } th scope="col" { (t.verified) }
            th scope="col" { (t.open_findings) } th scope="col" { "%" }
        } }
    }
}

/// `GET /progress[?partial=1][&since=][&district=][&sort=behind][&page=][&dpage=]`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Query(q): Query<BoardQuery>) -> PageResult {
    let user = ctx.user()?;
    // When this board is made, before anything is read: `since` is that of
    // the board the page shows, in whole seconds, so a figure stamped in
    // that second or later may be newer than it.
    let made_at = clock::now_rfc3339();
    let figures_at = crate::db::progress_updated_at(&mut s.db.read().await.or_page(&ctx)?)
        .await
        .or_page(&ctx)?
        .unwrap_or_default();
    if q.partial == Some(1)
        && q.since
            .as_deref()
            .is_some_and(|since| figures_at.as_str() < since)
    {
        return Ok((
            StatusCode::NO_CONTENT,
            [(axum::http::header::CACHE_CONTROL, "no-store")],
        )
            .into_response());
    }
    let query = ProgressQuery {
        district: q.district.clone().filter(|d| !d.is_empty()),
        ..ProgressQuery::default()
    };
    let mut per_ac = lines(&s.db, user, &query).await.or_page(&ctx)?;
    // The state's line is the whole state's, whatever district is shown.
    let state = if query.district.is_some() {
        let everything = lines(&s.db, user, &ProgressQuery::default())
            .await
            .or_page(&ctx)?;
        by_state(&s.db, &everything).await.or_page(&ctx)?
    } else {
        by_state(&s.db, &per_ac).await.or_page(&ctx)?
    };
    let mut districts = by_district(&per_ac);
    sort_lines(&mut per_ac, q.behind_first());
    sort_lines(&mut districts, q.behind_first());
    let (ac_page, page, pages) = page_of(&per_ac, q.page);
    let (district_page, dpage, dpages) = page_of(&districts, q.dpage);
    let sp = state.first().map_or(100.0, |l| l.percent);
    let silent = silent_halls(&s).await.or_page(&ctx)?;
    let t = ctx.t;
    let board = html! {
        div #board data-updated=(made_at) {
            p.help { (t.updated) ": " (clock::ist(&made_at)) " · " (t.auto_refresh) " · "
                a #csv href=(match &query.district {
                    Some(d) => format!("/api/v1/progress?format=csv&district={}", urlencoding(d)),
                    None => "/api/v1/progress?format=csv".to_string(),
                }) download { (t.download_csv) } }
            p.sort {
                (t.sort_by) ": "
                @if q.behind_first() {
                    a href=(ctx.with_lang(&q.link("sort", "ac"))) { (t.sort_number) } " · " strong { (t.sort_behind) }
                } @else {
                    strong { (t.sort_number) } " · " a href=(ctx.with_lang(&q.link("sort", "behind"))) { (t.sort_behind) }
                }
            }
            h2 { (t.state) }
            div.scroll { table.progress #by-state {
                (head_cells(&ctx, &[t.state, t.ac]))
                tbody { @for l in &state { (row(&ctx, html! { th scope="row" { (l.state.as_deref().unwrap_or("")) } td.num { (l.acs.unwrap_or(0)) } }, l, sp)) } }
            } }
            h2 { (t.by_district) }
            div.scroll { table.progress #by-district {
                (head_cells(&ctx, &[t.district, t.ac]))
                tbody { @for l in district_page {
                    @let d = l.district.as_deref().unwrap_or("");
                    (row(&ctx, html! { th scope="row" { a href=(ctx.with_lang(&format!("/progress?district={}", urlencoding(d)))) { (d) } } td.num { (l.acs.unwrap_or(0)) } }, l, sp))
                } }
            } }
            @if dpages > 1 { (pager(&ctx, &q, "dpage", dpage, dpages, districts.len())) }
            h2 { (t.by_ac) }
            div.scroll { table.progress #by-ac {
                (head_cells(&ctx, &[t.ac, t.ro, t.district]))
                tbody { @for l in ac_page {
                    @let ac = l.ac_no.unwrap_or(0);
                    (row(&ctx, html! {
                        th scope="row" {
                            a href=(ctx.with_lang(&format!("/progress/{ac}"))) { (ac) " " (l.ac_name.as_deref().unwrap_or("")) }
                            @if let Some((node, at)) = silent.get(&ac) {
                                " " span.silent { (t.hall_silent.replace("{node}", node).replace("{at}", at)) }
                            }
                        }
                        td { (l.ro.as_deref().unwrap_or("")) }
                        td { (l.district.as_deref().unwrap_or("")) }
                    }, l, sp))
                } }
            } }
            @if pages > 1 { (pager(&ctx, &q, "page", page, pages, per_ac.len())) }
        }
    };
    if q.partial == Some(1) {
        return Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], board).into_response());
    }
    Ok(ctx.render(
        StatusCode::OK,
        "progress",
        t.progress_title,
        html! {
            p.legend { (t.legend) }
            (board)
        },
    ))
}

/// A counting hall is silent once it has not pushed (or said it is there)
/// for this long; it says so every ten seconds while its link is up.
const SILENT_AFTER_SECONDS: i64 = 60;

/// The ACs whose counting-hall node has been silent for over a minute,
/// with the node's name and when it was last heard from (or "never").
async fn silent_halls(
    s: &AppState,
) -> crate::Result<std::collections::HashMap<u32, (String, String)>> {
    let now = clock::now_unix();
    let kept = crate::db::sync::node_acs(&mut s.db.read().await?).await?;
    Ok(kept
        .into_iter()
        .filter_map(|(ac, node, seen)| {
            let at = seen.as_deref().and_then(clock::unix_from_rfc3339);
            match at {
                Some(at) if now - at <= SILENT_AFTER_SECONDS => None,
                _ => Some((ac, (node, seen.as_deref().map_or("—".into(), clock::ist)))),
            }
        })
        .collect())
}

/// `GET /progress/{ac}`: what one AC still owes, by name.
pub async fn ac_page(ctx: Ctx, State(s): State<AppState>, Path(ac): Path<String>) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let AcMissing { line, missing } = ac_missing(&s.db, user, ac).await.or_page(&ctx)?;
    // The documents that hold what is not verified yet, each opening its page.
    let mut c = s.db.read().await.or_page(&ctx)?;
    let docs = crate::db::documents_of_ac(&mut c, ac).await.or_page(&ctx)?;
    let open = crate::db::open_findings_by_document(&mut c, ac)
        .await
        .or_page(&ctx)?;
    drop(c);
    let t = ctx.t;
    Ok(ctx.render(
        StatusCode::OK,
        "progress-ac",
        &format!("{} — {} {ac} {}", t.progress_title, t.ac, line.ac_name.as_deref().unwrap_or("")),
        html! {
            div.scroll { table.progress {
                (head_cells(&ctx, &[t.ro]))
                tbody { (row(&ctx, html! { th scope="row" { (line.ro.as_deref().unwrap_or("")) } }, &line, line.percent)) }
            } }
            h2 { (t.owed) ": " (missing.len()) }
            @if missing.is_empty() { p { (t.complete) } } @else {
                div.scroll { table #missing {
                    thead { tr { th scope="col" { (t.document) } th scope="col" { (t.status) } } }
                    tbody { @for m in &missing {
                        tr { td { (m.what) } td { @if m.state == MissingState::NotUploaded { span.chip.behind { (t.not_uploaded) } } @else { span.chip.on-track { (t.not_verified) } } } }
                    } }
                } }
            }
            @if !open.is_empty() {
                h2 { (t.documents_with_findings) }
                ul #with-findings { @for d in docs.iter().filter(|d| open.contains_key(&d.id)) {
                    li { a href=(ctx.with_lang(&format!("/documents/{}", d.id))) { (d.filename) } " — " (t.open_findings) ": " (open[&d.id])
                        " · " a href=(ctx.with_lang(&format!("/review?ac={ac}&document={}", d.id))) { (t.nav_review) } }
                } }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(expected: u64, verified: u64) -> ProgressLine {
        ProgressLine {
            ac_no: Some(1),
            ac_name: None,
            ro: None,
            district: None,
            state: None,
            acs: None,
            expected,
            uploaded: verified,
            verified,
            open_findings: 0,
            percent: crate::progress::percent(verified, expected),
        }
    }

    #[test]
    fn pages_are_clamped_and_links_keep_the_other_choices() {
        let lines: Vec<ProgressLine> = (0..120).map(|i| line(100, i)).collect();
        let (rows, page, pages) = page_of(&lines, Some(3));
        assert_eq!((rows.len(), page, pages), (20, 3, 3));
        assert_eq!(page_of(&lines, Some(0)).1, 1);
        assert_eq!(page_of(&lines, Some(9)).1, 3);
        let (rows, page, pages) = page_of(&[], None);
        assert_eq!((rows.len(), page, pages), (0, 1, 1));
        let q = BoardQuery {
            partial: None,
            district: Some("Rewa & Sidhi".into()),
            sort: Some("behind".into()),
            page: Some(2),
            dpage: None,
            since: None,
        };
        assert_eq!(
            q.link("page", "3"),
            "/progress?district=Rewa%20%26%20Sidhi&sort=behind&page=3"
        );
        let mut sorted = vec![line(100, 50), line(100, 10), line(100, 90)];
        sort_lines(&mut sorted, true);
        let order: Vec<u64> = sorted.iter().map(|l| l.verified).collect();
        assert_eq!(order, [10, 50, 90]);
    }

    #[test]
    fn an_ac_is_behind_ten_points_under_the_state() {
        let nine = 9 * 60;
        assert_eq!(standing(&line(100, 100), 50.0, nine), "complete");
        assert_eq!(standing(&line(100, 40), 50.0, nine), "behind");
        assert_eq!(standing(&line(100, 41), 50.0, nine), "on-track");
        // Early in the morning nobody is behind a state that has done nothing…
        assert_eq!(standing(&line(100, 0), 0.3, nine), "on-track");
        // …but from 10:00 an AC with nothing verified is.
        assert_eq!(standing(&line(100, 0), 0.3, 10 * 60), "behind");
        assert_eq!(standing(&line(100, 1), 0.3, 10 * 60), "on-track");
        assert_eq!(standing(&line(0, 0), 0.0, 12 * 60), "on-track");
        assert_eq!(crate::clock::ist_minutes(4 * 3600 + 30 * 60), 10 * 60);
    }
}
