//! `/progress`: the completion dashboard. Per AC and RO, bars of expected,
//! uploaded and verified documents, coloured by how far behind the state as
//! a whole it is; district and state roll-ups of the same figures. The
//! script fetches `?partial=1` (the board alone) every few seconds.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use maud::{Markup, html};
use serde::Deserialize;

use super::{Ctx, OrPage, PageResult, bar};
use crate::clock;
use crate::db;
use crate::http::AppState;
use crate::http::api::progress::{ProgressLine, ProgressQuery, lines, roll_up};

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
    } else if line.percent + BEHIND_POINTS <= state_percent || line.percent < 25.0 {
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
        format: None,
        by: None,
        district: q.district.clone().filter(|d| !d.is_empty()),
        behind: None,
    };
    let per_ac = lines(&s.db, user, &query).await.or_page(&ctx)?;
    let state_name = db::election(&mut *s.db.read().await.or_page(&ctx)?)
        .await
        .or_page(&ctx)?
        .map(|(_, st)| st)
        .unwrap_or_default();
    let state = roll_up(&per_ac, |_| state_name.clone(), true);
    let districts = roll_up(&per_ac, |l| l.district.clone().unwrap_or_default(), false);
    let sp = state.first().map_or(100.0, |l| l.percent);
    let t = ctx.t;
    let board = html! {
        div #board data-updated=(clock::now_rfc3339()) {
            p.help { (t.updated) ": " (clock::now_rfc3339().get(11..19).unwrap_or("")) " UTC · " (t.auto_refresh) }
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
                        th scope="row" { a href=(ctx.with_lang(&format!("/upload?ac={ac}"))) { (ac) " " (l.ac_name.as_deref().unwrap_or("")) } }
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
