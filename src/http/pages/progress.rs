//! `/progress`: the completion dashboard. Per AC and RO, bars of expected,
//! uploaded and verified documents, coloured by how far behind the state as
//! a whole it is; district and state roll-ups of the same figures. The
//! script fetches `?partial=1` (the board alone) every few seconds.

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

/// The board alone, for the refresh.
#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    pub partial: Option<u8>,
    pub district: Option<String>,
}

/// How a line stands against the whole state: `complete`, `on-track` or `behind`.
pub fn standing(line: &ProgressLine, state_percent: f64) -> &'static str {
    if line.expected > 0 && line.verified >= line.expected {
        "complete"
    } else if line.percent + BEHIND_POINTS <= state_percent {
        "behind"
    } else {
        "on-track"
    }
}

fn row(ctx: &Ctx, head: Markup, l: &ProgressLine, state_percent: f64) -> Markup {
    let t = ctx.t;
    let class = standing(l, state_percent);
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

/// `GET /progress[?partial=1][&district=]`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Query(q): Query<BoardQuery>) -> PageResult {
    let user = ctx.user()?;
    let query = ProgressQuery {
        district: q.district.clone().filter(|d| !d.is_empty()),
        ..ProgressQuery::default()
    };
    let per_ac = lines(&s.db, user, &query).await.or_page(&ctx)?;
    let state = by_state(&s.db, &per_ac).await.or_page(&ctx)?;
    let districts = by_district(&per_ac);
    let sp = state.first().map_or(100.0, |l| l.percent);
    let t = ctx.t;
    let board = html! {
        div #board data-updated=(clock::now_rfc3339()) {
            p.help { (t.updated) ": " (clock::ist(&clock::now_rfc3339())) " · " (t.auto_refresh) }
            h2 { (t.state) }
            div.scroll { table.progress #by-state {
                (head_cells(&ctx, &[t.state, t.ac]))
                tbody { @for l in &state { (row(&ctx, html! { th scope="row" { (l.state.as_deref().unwrap_or("")) } td.num { (l.acs.unwrap_or(0)) } }, l, sp)) } }
            } }
            h2 { (t.by_district) }
            div.scroll { table.progress #by-district {
                (head_cells(&ctx, &[t.district, t.ac]))
                tbody { @for l in &districts {
                    @let d = l.district.as_deref().unwrap_or("");
                    (row(&ctx, html! { th scope="row" { a href=(ctx.with_lang(&format!("/progress?district={d}"))) { (d) } } td.num { (l.acs.unwrap_or(0)) } }, l, sp))
                } }
            } }
            h2 { (t.by_ac) }
            div.scroll { table.progress #by-ac {
                (head_cells(&ctx, &[t.ac, t.ro, t.district]))
                tbody { @for l in &per_ac {
                    @let ac = l.ac_no.unwrap_or(0);
                    (row(&ctx, html! {
                        th scope="row" { a href=(ctx.with_lang(&format!("/progress/{ac}"))) { (ac) " " (l.ac_name.as_deref().unwrap_or("")) } }
                        td { (l.ro.as_deref().unwrap_or("")) }
                        td { (l.district.as_deref().unwrap_or("")) }
                    }, l, sp))
                } }
            } }
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

/// `GET /progress/{ac}`: what one AC still owes, by name.
pub async fn ac_page(ctx: Ctx, State(s): State<AppState>, Path(ac): Path<String>) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let AcMissing { line, missing } = ac_missing(&s.db, user, ac).await.or_page(&ctx)?;
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
    fn an_ac_is_behind_ten_points_under_the_state() {
        assert_eq!(standing(&line(100, 100), 50.0), "complete");
        assert_eq!(standing(&line(100, 40), 50.0), "behind");
        assert_eq!(standing(&line(100, 41), 50.0), "on-track");
        // Early in the morning nobody is behind a state that has done nothing.
        assert_eq!(standing(&line(100, 0), 0.3), "on-track");
    }
}
