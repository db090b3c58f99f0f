//! `/counting/{ac}`: a round's table-by-table entry. The server renders the
//! grid (one row per counting table, one input per candidate) and the
//! round's state; the script saves a row with Enter or on leaving it
//! (`PUT .../tables/{t}`, or `DELETE` when emptied), keeps the totals live,
//! and approves or publishes through the API. Editing an approved or
//! published round says first which rounds go back to draft.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use serde::Deserialize;

use super::review::value;
use super::{Ctx, OrPage, PageResult, field_parts, number};
use crate::accounts::Role;
use crate::counting::actions::{self, Declaration, ReverificationView, RoundView};
use crate::counting::ready::REJECTED_PAPERS;
use crate::counting::{Ac, ReverifyInput, RoundState, RoundStatus, Verdict};
use crate::error::Error;
use crate::http::AppState;

/// `GET /counting`: the user's AC, or a list of those they may see.
pub async fn index(ctx: Ctx, State(s): State<AppState>) -> PageResult {
    let title = ctx.t.nav_counting;
    super::ac_index(&ctx, &s, "/counting", title).await
}

/// Which round.
#[derive(Debug, Deserialize)]
pub struct RoundQuery {
    pub round: Option<u32>,
    /// What was just done at the end of the count, to say so.
    pub saved: Option<String>,
}

/// `GET /counting/{ac}?round=`: the first round not yet published unless asked.
pub async fn page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(ac_no): Path<String>,
    Query(q): Query<RoundQuery>,
) -> PageResult {
    let user = ctx.user()?;
    let ac_no: u32 = number(&ctx, "an AC number", &ac_no)?;
    let ac = actions::ac(&s.db, user, ac_no).await.or_page(&ctx)?;
    let rounds = actions::rounds(&s.db, user, ac_no).await.or_page(&ctx)?;
    let current = q.round.unwrap_or_else(|| {
        rounds
            .iter()
            .find(|r| r.status != RoundStatus::Published)
            .or(rounds.last())
            .map_or(1, |r| r.round)
    });
    let view = actions::round(&s.db, user, ac_no, current)
        .await
        .or_page(&ctx)?;
    let can_enter = user.require_enter(ac_no).is_ok() && ac.declared_at.is_none();
    let is_ro = user.role == Role::Ro && user.can_read(ac_no);
    let reopens: Vec<u32> = rounds
        .iter()
        .filter(|r| r.round >= current && r.status != RoundStatus::Draft)
        .map(|r| r.round)
        .collect();
    let edits = crate::documents::review::edits_of_round(&s.db, user, ac_no, current)
        .await
        .or_page(&ctx)?;
    let declaration = actions::declaration(&s.db, user, ac_no)
        .await
        .or_page(&ctx)?;
    let reverification = actions::reverification(&s.db, user, ac_no)
        .await
        .or_page(&ctx)?;
    let t = ctx.t;
    let status = view.status.as_str();
    Ok(ctx.render(
        StatusCode::OK,
        "counting",
        &format!("{} — {} {} {}", t.nav_counting, t.ac, ac.ac_no, ac.name),
        html! {
            (round_nav(&ctx, ac_no, &rounds, current))
            h2 #round-title {
                (t.round) " " (current) " · "
                span #round-status.chip.(format!("st-{status}")) { (t.round_status(status)) }
                " · " (t.revision) " " (view.revision)
            }
            @if !edits.is_empty() {
                section.warning #edits role="note" {
                    strong { (t.to_correct) ": " (edits.len()) }
                    ul { @for f in &edits {
                        @let place = edit_place(&ac, &view, f.field.as_deref().unwrap_or(""));
                        li {
                            @if let Some((label, input)) = &place {
                                a href=(format!("#{input}")) data-focus=(input) { (t.table) " " (label) }
                            } @else if let Some(words) = f.field.as_deref().and_then(|x| super::review::describe_field(&ctx, x, &ac.candidates)) {
                                // A column's total: corrected through its cells.
                                (words)
                            } @else { code { (f.field.as_deref().unwrap_or("")) } }
                            ": " (t.scan_value) " " strong { (value(&ctx, f.read_value.as_ref().or(f.scan_value.as_ref()))) }
                            ", " (t.entered_value) " " (value(&ctx, f.entered_value.as_ref()))
                            " — " (f.decided_by.as_deref().unwrap_or(""))
                            @if let (Some(d), Some(p)) = (f.document, f.page) {
                                " · " a href=(format!("/api/v1/documents/{d}/pages/{p}/image.png")) target="_blank" rel="noopener" { (t.whole_page) }
                            }
                        }
                    } }
                }
            }
            @if !reopens.is_empty() && can_enter {
                p.warning #edit-warning role="note" {
                    (t.edit_warning) " "
                    strong { (t.rounds) " " (reopens.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ")) }
                }
            }
            @if can_enter { p.help { (t.entry_help) } } @else { p.help { (t.read_only) } }
            p #entry-error.error role="alert" hidden {}
            (entry_grid(&ctx, &ac, &view, can_enter, !reopens.is_empty()))
            div.actions {
                a.button href=(format!("/api/v1/acs/{ac_no}/rounds/{current}/sheet.pdf")) target="_blank" rel="noopener" { (t.print_sheet) }
                @if is_ro {
                    button #approve.primary type="button" disabled[view.status != RoundStatus::Draft || view.tables.is_empty()] { (t.approve) }
                    button #publish.primary type="button" disabled[view.status != RoundStatus::Approved] { (t.publish) }
                } @else {
                    span.help { (t.ro_only) }
                }
            }
            (end_of_count(&ctx, &ac, &declaration, &reverification, is_ro, q.saved.as_deref()))
        },
    ))
}

/// The end of the count: what declaring waits for, the re-verification
/// of rejected postal ballots when the margin requires it, the Declare
/// button, and the forms printed from the result.
fn end_of_count(
    ctx: &Ctx,
    ac: &Ac,
    d: &Declaration,
    r: &ReverificationView,
    is_ro: bool,
    saved: Option<&str>,
) -> Markup {
    let t = ctx.t;
    let ac_no = ac.ac_no;
    let open = d.declared_at.is_none();
    html! {
        section #declaration {
            h2 { (t.end_of_count) }
            @match saved {
                Some("declared") => p.done #saved { (t.declared_saved) },
                Some("verdict") => p.done #saved { (t.verdict_saved) },
                _ => {},
            }
            @if let Some(at) = &d.declared_at {
                p.done #declared { (t.declared_on.replace("{at}", &crate::clock::ist(at))) }
            } @else { p.help { (t.declaration_help) } }
            (super::checks_list(ctx, "declaration-checks", &d.checks))
            @if r.required && !r.ballots.is_empty() {
                h3 { (t.reverification) }
                p.help { (t.reverify_help) }
                div.scroll { table #reverification {
                    thead { tr { th scope="col" { (t.ballot) } th scope="col" { (t.why_refused) } th scope="col" { (t.verdict) } th scope="col" { (t.reason) } th scope="col" { span.visually-hidden { (t.record_verdict) } } } }
                    tbody { @for b in &r.ballots {
                        @let form_id = format!("rv-{}", b.ballot_id);
                        tr data-ballot=(b.ballot_id) {
                            th scope="row" { @if b.ballot_id == REJECTED_PAPERS { (t.rejected_papers_item) ": " (r.rejected_papers) } @else { (b.ballot_id) } }
                            td { @for k in &b.reasons { span.chip.kind { (t.kind(*k)) } " " } }
                            @if is_ro && open {
                                td { select name="verdict" form=(form_id) aria-label=(t.verdict) {
                                    @for (v, label) in [(Verdict::Confirmed, t.v_confirmed), (Verdict::Reversed, t.v_reversed)] {
                                        option value=(v.as_str()) selected[b.verified.as_ref().is_some_and(|x| x.verdict == v)] { (label) }
                                    }
                                } }
                                td { input name="reason" form=(form_id) size="30" aria-label=(t.reason) value=[b.verified.as_ref().map(|x| x.reason.as_str())]; }
                                td { form id=(form_id) method="post" action=(format!("/counting/{ac_no}/reverify/{}", b.ballot_id)) {
                                    (ctx.csrf_field()) button type="submit" { (t.record_verdict) } } }
                            } @else {
                                @match &b.verified {
                                    Some(x) => {
                                        td { (if x.verdict == Verdict::Confirmed { t.v_confirmed } else { t.v_reversed }) }
                                        td { (x.reason) " — " (x.decided_by) }
                                    },
                                    None => { td { (t.missing) } td {} },
                                }
                                td {}
                            }
                        }
                    } }
                } }
            }
            div.actions {
                a.button href=(ctx.with_lang(&format!("/vvpat/{ac_no}"))) { (t.vvpat_title) }
                a.button href=(ctx.with_lang(&format!("/postal/{ac_no}"))) { (t.postal_title) }
                @if is_ro && open {
                    form #declare method="post" action=(format!("/counting/{ac_no}/declare")) {
                        (ctx.csrf_field())
                        button.primary type="submit" disabled[!d.ready] { (t.declare) }
                    }
                }
            }
            p #printed {
                a href=(ctx.with_lang(&format!("/results/{ac_no}/form20"))) { (t.form20) } " · "
                a href=(format!("/api/v1/acs/{ac_no}/form20.csv")) { (t.form20_csv) } " · "
                a #form20-pdf href=(format!("/api/v1/acs/{ac_no}/form20.pdf")) target="_blank" rel="noopener" { (t.form20_pdf) } " · "
                @if !open {
                    a #form21c href=(format!("/api/v1/acs/{ac_no}/form21c.pdf")) target="_blank" rel="noopener" { (t.form21c) } " · "
                    a #form21e href=(format!("/api/v1/acs/{ac_no}/form21e.pdf")) target="_blank" rel="noopener" { (t.form21e) } " · "
                }
                a href=(format!("/api/v1/acs/{ac_no}/certificate.pdf")) target="_blank" rel="noopener" { (t.form22) }
            }
        }
    }
}

/// `POST /counting/{ac}/declare`: the RO declares the result; then the
/// counting page again (or the page saying what is missing).
pub async fn declare(ctx: Ctx, State(s): State<AppState>, Path(ac): Path<String>) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    actions::declare(&s.db, user, ac).await.or_page(&ctx)?;
    Ok(
        Redirect::to(&ctx.with_lang(&format!("/counting/{ac}?saved=declared#declaration")))
            .into_response(),
    )
}

/// `POST /counting/{ac}/reverify/{ballot}`: the RO's verdict on one
/// rejected postal ballot (`verdict`, `reason`).
pub async fn reverify(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((ac, ballot)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let Form(pairs) = form.map_err(|e| ctx.error(Error::bad_input(e.body_text())))?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let verdict = Verdict::parse(&field("verdict")).ok_or_else(|| {
        ctx.error(Error::bad_input(
            "choose whether the rejection is confirmed or reversed",
        ))
    })?;
    let input = ReverifyInput {
        verdict,
        reason: field("reason"),
    };
    actions::reverify(&s.db, user, ac, &ballot, &input)
        .await
        .or_page(&ctx)?;
    Ok(
        Redirect::to(&ctx.with_lang(&format!("/counting/{ac}?saved=verdict#declaration")))
            .into_response(),
    )
}

/// Where an edit of a round sheet's figure lands in the grid: "5 · D. P.
/// Chaudhary" and the input's id, for `votes[r][c]` (row r of the sheet
/// is the r-th table entered) and `ps_no[r]`.
fn edit_place(ac: &Ac, view: &RoundView, field: &str) -> Option<(String, String)> {
    let (base, idx) = field_parts(field);
    let table = |r: usize| view.tables.get(r).map(|e| e.table);
    match (base, idx.as_slice()) {
        ("votes", [r, c]) => {
            let t = table(*r)?;
            Some((
                format!("{t} · {}", ac.candidates.get(*c)?.name),
                format!("v-{t}-{c}"),
            ))
        }
        ("ps_no", [r]) => {
            let t = table(*r)?;
            Some((t.to_string(), format!("ps-{t}")))
        }
        _ => None,
    }
}

/// The rounds of the AC as links, coloured by status, the current one marked.
fn round_nav(ctx: &Ctx, ac_no: u32, rounds: &[RoundState], current: u32) -> Markup {
    let t = ctx.t;
    html! {
        nav.rounds aria-label=(t.rounds) {
            ol {
                @for r in rounds {
                    li {
                        a.(format!("st-{}", r.status.as_str())) href=(ctx.with_lang(&format!("/counting/{ac_no}?round={}", r.round)))
                          aria-current=[(r.round == current).then_some("page")]
                          title=(t.round_status(r.status.as_str())) {
                            (r.round)
                        }
                    }
                }
            }
        }
    }
}

/// The entry grid: a row per counting table, an input per candidate, the
/// row and column totals.
fn entry_grid(ctx: &Ctx, ac: &Ac, view: &RoundView, can_enter: bool, locked: bool) -> Markup {
    let t = ctx.t;
    let grand: u64 = view.totals.iter().sum();
    html! {
        div.scroll {
            table #entry.grid data-ac=(ac.ac_no) data-round=(view.round) data-n=(ac.candidates.len())
                data-locked=(if locked { "1" } else { "0" }) {
                thead {
                    tr {
                        th scope="col" { (t.table) }
                        th scope="col" { (t.ps_no) }
                        @for c in &ac.candidates {
                            th scope="col" title=(format!("{} ({})", c.name, c.party)) { span.serial { (c.serial) } " " (c.name) }
                        }
                        th scope="col" { (t.total) }
                        th scope="col" title=(t.tendered_help) { (t.tendered) }
                        th scope="col" title=(t.rejected_help) { (t.rejected_votes) }
                        th scope="col" { span.visually-hidden { (t.status) } }
                    }
                }
                tbody {
                    @for table in 1..=ac.tables {
                        @let entry = view.tables.iter().find(|e| e.table == table);
                        tr data-table=(table) data-saved=(if entry.is_some() { "1" } else { "0" }) {
                            th scope="row" { (table) }
                            td { input.ps id=(format!("ps-{table}")) type="text" inputmode="numeric" pattern="[0-9]*" size="4"
                                    aria-label=(format!("{} {table}: {}", t.table, t.ps_no))
                                    value=[entry.map(|e| e.ps_no)] disabled[!can_enter]; }
                            @for (i, c) in ac.candidates.iter().enumerate() {
                                td { input.v id=(format!("v-{table}-{i}")) type="text" inputmode="numeric" pattern="[0-9]*" size="4"
                                        aria-label=(format!("{} {table}: {}", t.table, c.name))
                                        value=[entry.and_then(|e| e.votes.get(i))] disabled[!can_enter]; }
                            }
                            td.num.rowsum { (entry.map_or(0, |e| e.votes.iter().sum::<u64>())) }
                            td { input.tv id=(format!("tv-{table}")) type="text" inputmode="numeric" pattern="[0-9]*" size="3"
                                    aria-label=(format!("{} {table}: {}", t.table, t.tendered))
                                    value=[entry.and_then(|e| e.tendered)] disabled[!can_enter]; }
                            td { input.rv id=(format!("rv-{table}")) type="text" inputmode="numeric" pattern="[0-9]*" size="3"
                                    aria-label=(format!("{} {table}: {}", t.table, t.rejected_votes))
                                    value=[entry.and_then(|e| e.rejected)] disabled[!can_enter]; }
                            td.state { @if entry.is_some() { span.ok { "✓" } } }
                        }
                    }
                }
                tfoot {
                    tr {
                        th scope="row" colspan="2" { (t.total) }
                        @for v in &view.totals { td.num.colsum { (v) } }
                        td.num #grand { (grand) }
                        td {}
                        td {}
                        td {}
                    }
                }
            }
        }
    }
}
