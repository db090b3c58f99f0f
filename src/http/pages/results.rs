//! `/results` and `/results/{ac}`: public, no sign-in. Only published
//! rounds count (the same [`actions::result`] the API serves): the totals,
//! who leads and by how much, and the lead after each published round.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::html;

use super::{Ctx, OrPage, PageResult, bar, indian, number};
use crate::counting::{CountResult, actions, ranked};
use crate::db;
use crate::http::AppState;

/// `GET /results`: every AC with its leader and margin.
pub async fn index(ctx: Ctx, State(s): State<AppState>) -> PageResult {
    let mut c = s.db.read().await.or_page(&ctx)?;
    let results = db::standings(&mut c).await.or_page(&ctx)?;
    let updated = db::results_updated_at(&mut c, None).await.or_page(&ctx)?;
    drop(c);
    let t = ctx.t;
    // Party by party: seats won (declared) and seats where it leads.
    let mut parties: std::collections::BTreeMap<&str, (u32, u32)> = Default::default();
    for r in &results {
        if let Some(p) = &r.party {
            let e = parties.entry(p.as_str()).or_default();
            if r.declared_at.is_some() {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    let mut parties: Vec<(&str, (u32, u32))> = parties.into_iter().collect();
    parties.sort_by_key(|(_, (won, leading))| std::cmp::Reverse((won + leading, *won)));
    Ok(ctx.render(
        StatusCode::OK,
        "results-index",
        t.results_title,
        html! {
            p.help { (t.published_only) (last_updated(&ctx, updated.as_deref())) }
            @if !parties.is_empty() {
                h2 { (t.by_party) }
                div.scroll { table #parties {
                    thead { tr { th scope="col" { (t.party) } th scope="col" { (t.won) } th scope="col" { (t.leading) } th scope="col" { (t.total) } } }
                    tbody { @for (p, (won, leading)) in &parties {
                        tr { th scope="row" { (p) } td.num { (won) } td.num { (leading) } td.num { strong { (won + leading) } } }
                    } }
                } }
                h2 { (t.by_ac) }
            }
            div.scroll { table #results {
                thead { tr {
                    th scope="col" { (t.constituency) } th scope="col" { (t.leading) } th scope="col" { (t.party) }
                    th scope="col" { (t.margin) } th scope="col" { (t.rounds_published) }
                } }
                tbody { @for r in &results {
                    tr data-ac=(r.ac_no) {
                        th scope="row" { a href=(ctx.with_lang(&format!("/results/{}", r.ac_no))) { (r.ac_no) " " (r.name) } }
                        @if let (Some(leader), Some(party)) = (&r.leader, &r.party) {
                            td { (leader) @if r.declared_at.is_some() { " " span.chip.complete { (t.won) } } }
                            td { (party) } td.num { (indian(r.margin)) }
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

/// " · Last updated 02-12-2026 10:41 IST", when anything is published.
fn last_updated(ctx: &Ctx, at: Option<&str>) -> maud::Markup {
    html! { @if let Some(at) = at { " · " (ctx.t.last_updated) " " time #updated datetime=(at) { (crate::clock::ist(at)) } } }
}

/// Who leads cumulative `totals` and by how much over the runner-up, by the
/// ranking of the result itself; None while nothing is counted.
fn lead(r: &CountResult, totals: &[u64]) -> Option<(String, u64)> {
    let ranked = ranked(&r.candidates, totals);
    let first = ranked.first().filter(|f| f.votes > 0)?;
    Some((
        first.name.clone(),
        first.votes - ranked.get(1).map_or(0, |s| s.votes),
    ))
}

/// `GET /results/{ac}`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Path(ac): Path<String>) -> PageResult {
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let r = actions::result(&s.db, ac).await.or_page(&ctx)?;
    let updated = db::results_updated_at(&mut s.db.read().await.or_page(&ctx)?, Some(ac))
        .await
        .or_page(&ctx)?;
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
        .filter_map(|(_, l)| l.as_ref().map(|l| l.1))
        .max()
        .unwrap_or(0);
    let total_votes: u64 = r.totals.iter().sum();
    // Candidates by votes, most first (ballot order between equals).
    let mut by_votes: Vec<usize> = (0..r.candidates.len()).collect();
    by_votes.sort_by_key(|&i| std::cmp::Reverse(r.totals[i]));
    let share = |v: u64| {
        if total_votes == 0 {
            "—".to_string()
        } else {
            format!("{:.2} %", v as f64 * 100.0 / total_votes as f64)
        }
    };
    Ok(ctx.render(
        StatusCode::OK,
        "results",
        &format!("{} — {} {} {}", t.results_title, t.ac, r.ac_no, r.name),
        html! {
            p.help { (t.published_only) " " (t.rounds_published) ": " strong #published { (r.rounds_published) " / " (r.rounds) }
                (last_updated(&ctx, updated.as_deref())) }
            @if let Some(l) = &r.leader {
                p.headline #headline {
                    (if r.declared_at.is_some() { t.won } else { t.leading }) ": " strong { (l.name) } " (" (l.party) ") · "
                    (t.margin) ": " strong #margin { (indian(r.margin)) }
                    @if let Some(ru) = &r.runner_up { " · " (t.runner_up) ": " (ru.name) }
                    @if r.declared_at.is_some() { " " span.chip.complete { (t.declared) } }
                }
            } @else if r.tie { p.headline { (t.tie) } } @else { p.headline { (t.no_published) } }
            div.scroll { table #standings {
                thead { tr {
                    th scope="col" { (t.candidate) } th scope="col" { (t.party) }
                    th scope="col" { (t.total) } th scope="col" { (t.vote_share) } th scope="col" { span.visually-hidden { (t.votes) } }
                    th scope="col" { (t.evm) } th scope="col" { (t.postal) }
                } }
                tbody { @for &i in &by_votes {
                    @let c = &r.candidates[i];
                    tr.leader[r.leader.as_ref().is_some_and(|l| l.serial == c.serial)] data-serial=(c.serial) {
                        th scope="row" { (c.name) } td { (c.party) }
                        td.num.total { strong { (indian(r.totals[i])) } }
                        td.num.share { (share(r.totals[i])) }
                        td.bars { (bar(&c.name, r.totals[i], total_votes, "votes")) }
                        td.num { (indian(r.evm[i])) } td.num { (indian(r.postal[i])) }
                    }
                } }
            } }
            @if !r.by_round.is_empty() {
                h2 { (t.by_round) }
                p.help { (t.by_round_help) }
                div.scroll { table #by-round.sticky-first {
                    thead { tr {
                        th scope="col" { (t.candidate) }
                        @for rt in &r.by_round { th scope="col" { (t.round) " " (rt.round) } }
                    } }
                    tbody { @for &i in &by_votes {
                        tr { th scope="row" { (r.candidates[i].name) }
                            @for rt in &r.by_round { td.num { (indian(rt.totals.get(i).copied().unwrap_or(0))) } } }
                    } }
                } }
            }
            @if !trend.is_empty() {
                h2 { (t.trend) }
                div.scroll { table #trend {
                    thead { tr { th scope="col" { (t.round) } th scope="col" { (t.leading) } th scope="col" { (t.margin) } th scope="col" { span.visually-hidden { (t.margin) } } } }
                    tbody { @for (round, l) in &trend {
                        tr {
                            th scope="row" { (round) }
                            @if let Some((name, m)) = l {
                                td { (name) } td.num { (indian(*m)) } td.bars { (bar(t.margin, *m, widest, "margin")) }
                            } @else { td colspan="3" { "—" } }
                        }
                    } }
                } }
            }
        },
    ))
}

/// `GET /results/{ac}/form20`: Form 20, the final result sheet, public
/// once the result is declared (before, for those who may read the AC).
pub async fn form20(ctx: Ctx, State(s): State<AppState>, Path(ac): Path<String>) -> PageResult {
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let f = actions::form20(&s.db, ctx.user.as_ref(), ac)
        .await
        .or_page(&ctx)?;
    let t = ctx.t;
    let cell = |v: Option<u64>| v.map(indian).unwrap_or_default();
    let row = |label: maud::Markup, l: &crate::counting::form20::Line, class: &str| {
        html! {
            tr.(class) {
                th scope="row" { (label) }
                @for v in &l.votes { td.num { (indian(*v)) } }
                td.num { (indian(l.valid)) } td.num { (cell(l.rejected)) }
                td.num { (cell(l.tendered)) } td.num { strong { (indian(l.total)) } }
            }
        }
    };
    let used: Vec<String> = f.vvpat_used.iter().map(u32::to_string).collect();
    Ok(ctx.render(
        StatusCode::OK,
        "form20",
        &format!("{} — {} {} {}", t.form20, t.ac, f.ac_no, f.ac_name),
        html! {
            p.help { (t.form20_help) }
            @if !used.is_empty() { p #vvpat-used { (t.counted_by_slips.replace("{ps}", &used.join(", "))) } }
            p { a #form20-csv href=(format!("/api/v1/acs/{}/form20.csv", f.ac_no)) { (t.form20_csv) } " · "
                a href=(ctx.with_lang(&format!("/results/{}", f.ac_no))) { (t.results_title) } }
            div.scroll { table #form20.sticky-first {
                thead { tr {
                    th scope="col" { (t.polling_station) }
                    @for c in &f.candidates { th scope="col" { (c) } }
                    th scope="col" { (t.total_valid) } th scope="col" { (t.rejected_votes) }
                    th scope="col" { (t.tendered) } th scope="col" { (t.total) }
                } }
                tbody { @for l in &f.stations {
                    (row(html! { (l.ps_no.unwrap_or(0)) @if !l.name.is_empty() { " " span.help { (l.name) } } }, l, ""))
                } }
                tfoot {
                    (row(html! { (t.evm_votes) }, &f.evm, "evm"))
                    (row(html! { (t.postal) }, &f.postal, "postal"))
                    (row(html! { (t.all_votes) }, &f.total, "grand"))
                }
            } }
        },
    ))
}
