//! `/results` and `/results/{ac}`: public, no sign-in. Only published
//! rounds count (the same [`actions::result`] the API serves): the totals,
//! who leads and by how much, and the lead after each published round.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::html;

use super::{Ctx, OrPage, PageResult, bar, number};
use crate::counting::{CountResult, NOTA, actions};
use crate::db;
use crate::http::AppState;

/// `GET /results`: every AC with its leader and margin.
pub async fn index(ctx: Ctx, State(s): State<AppState>) -> PageResult {
    let acs = db::ac_list(&mut *s.db.read().await.or_page(&ctx)?)
        .await
        .or_page(&ctx)?;
    let mut results = Vec::with_capacity(acs.len());
    for a in &acs {
        results.push(actions::result(&s.db, a.ac_no).await.or_page(&ctx)?);
    }
    let t = ctx.t;
    Ok(ctx.render(
        StatusCode::OK,
        "results-index",
        t.results_title,
        html! {
            p.help { (t.published_only) }
            div.scroll { table #results {
                thead { tr {
                    th scope="col" { (t.constituency) } th scope="col" { (t.leading) } th scope="col" { (t.party) }
                    th scope="col" { (t.margin) } th scope="col" { (t.rounds_published) }
                } }
                tbody { @for r in &results {
                    tr data-ac=(r.ac_no) {
                        th scope="row" { a href=(ctx.with_lang(&format!("/results/{}", r.ac_no))) { (r.ac_no) " " (r.name) } }
                        @if let Some(l) = &r.leader {
                            td { (l.name) } td { (l.party) } td.num { (r.margin) }
                        } @else if r.tie {
                            td colspan="3" { (t.tie) }
                        } @else {
                            td colspan="3" { (t.no_published) }
                        }
                        td.num { (r.rounds_published) " / " (r.rounds)
                            @if r.declared_at.is_some() { " " span.chip.complete { (t.declared) } }
                            @else if r.is_final { " " span.chip.on-track { (t.final_result) } } }
                    }
                } }
            } }
        },
    ))
}

/// Leader (serial) and margin over the runner-up of cumulative totals,
/// NOTA never leading; None while nothing is counted.
pub fn lead(r: &CountResult, totals: &[u64]) -> Option<(usize, u64)> {
    let mut ranked: Vec<(usize, u64)> = r
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.name != NOTA)
        .map(|(i, _)| (i, totals.get(i).copied().unwrap_or(0)))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let first = *ranked.first()?;
    if first.1 == 0 {
        return None;
    }
    Some((first.0, first.1 - ranked.get(1).map_or(0, |s| s.1)))
}

/// `GET /results/{ac}`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Path(ac): Path<String>) -> PageResult {
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let r = actions::result(&s.db, ac).await.or_page(&ctx)?;
    let t = ctx.t;
    // Cumulative EVM totals after each published round, plus postal.
    let n = r.candidates.len();
    let mut running = r.postal.clone();
    running.resize(n, 0);
    let mut trend = vec![];
    for rt in &r.by_round {
        for (acc, v) in running.iter_mut().zip(&rt.totals) {
            *acc += v;
        }
        trend.push((rt.round, lead(&r, &running)));
    }
    let widest = trend
        .iter()
        .filter_map(|(_, l)| l.map(|l| l.1))
        .max()
        .unwrap_or(0);
    let total_votes: u64 = r.totals.iter().sum();
    Ok(ctx.render(
        StatusCode::OK,
        "results",
        &format!("{} — {} {} {}", t.results_title, t.ac, r.ac_no, r.name),
        html! {
            p.help { (t.published_only) " " (t.rounds_published) ": " strong #published { (r.rounds_published) " / " (r.rounds) } }
            @if let Some(l) = &r.leader {
                p.headline #headline {
                    (t.leading) ": " strong { (l.name) } " (" (l.party) ") · " (t.margin) ": " strong #margin { (r.margin) }
                    @if let Some(ru) = &r.runner_up { " · " (t.runner_up) ": " (ru.name) }
                    @if r.declared_at.is_some() { " " span.chip.complete { (t.declared) } }
                }
            } @else if r.tie { p.headline { (t.tie) } } @else { p.headline { (t.no_published) } }
            div.scroll { table #standings {
                thead { tr {
                    th scope="col" { (t.candidate) } th scope="col" { (t.party) }
                    th scope="col" { (t.total) } th scope="col" { span.visually-hidden { (t.votes) } }
                    th scope="col" { (t.evm) } th scope="col" { (t.postal) }
                    @for rt in &r.by_round { th scope="col" { (t.round) " " (rt.round) } }
                } }
                tbody { @for (i, c) in r.candidates.iter().enumerate() {
                    tr.leader[r.leader.as_ref().is_some_and(|l| l.serial == c.serial)] {
                        th scope="row" { (c.name) } td { (c.party) }
                        td.num { strong { (r.totals[i]) } }
                        td.bars { (bar(&c.name, r.totals[i], total_votes, "votes")) }
                        td.num { (r.evm[i]) } td.num { (r.postal[i]) }
                        @for rt in &r.by_round { td.num { (rt.totals.get(i).copied().unwrap_or(0)) } }
                    }
                } }
            } }
            @if !trend.is_empty() {
                h2 { (t.trend) }
                div.scroll { table #trend {
                    thead { tr { th scope="col" { (t.round) } th scope="col" { (t.leading) } th scope="col" { (t.margin) } th scope="col" { span.visually-hidden { (t.margin) } } } }
                    tbody { @for (round, l) in &trend {
                        tr {
                            th scope="row" { (round) }
                            @if let Some((i, m)) = l {
                                td { (r.candidates[*i].name) } td.num { (m) } td.bars { (bar(t.margin, *m, widest, "margin")) }
                            } @else { td colspan="3" { "—" } }
                        }
                    } }
                } }
            }
        },
    ))
}
