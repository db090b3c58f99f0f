//! `/postal/{ac}`: the postal desk. What the scans made of every ballot of
//! the ETPBS register (accepted, rejected with its Rule 54A grounds, needing
//! review, not yet uploaded), each linked to the pages it was scanned on;
//! the register imported from its CSV (the script sends it to
//! `PUT /api/v1/acs/{ac}/etpbs-register`); the postal tally entered with
//! the reconciliation against the covers shown as it is typed. The same
//! library calls as the JSON API.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::html;
use serde::Deserialize;

use super::{Ctx, OrPage, PageResult, number};
use crate::accounts::Role;
use crate::checks::{Ballot, Outcome};
use crate::counting::{PostalInput, actions};
use crate::db;
use crate::error::Error;
use crate::http::AppState;

/// What was just saved, to say so.
#[derive(Debug, Deserialize)]
pub struct PostalQuery {
    pub saved: Option<String>,
}

/// Where one register ballot stands at the desk.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stands {
    Accepted,
    Rejected,
    NeedsReview,
    NotUploaded,
}

fn stands(b: Option<&Ballot>) -> Stands {
    match b.map(|b| b.outcome) {
        None => Stands::NotUploaded,
        Some(Outcome::Accepted) => Stands::Accepted,
        Some(Outcome::Rejected) => Stands::Rejected,
        Some(Outcome::NeedsReview) => Stands::NeedsReview,
    }
}

/// A link to a page a ballot was scanned on: "Form 13A · Page 3".
fn scan_link(ctx: &Ctx, sc: &db::BallotScan) -> maud::Markup {
    let form = sc
        .form
        .as_deref()
        .and_then(crate::forms::FormKind::from_id)
        .map_or(ctx.t.page, |k| k.title());
    html! { a href=(ctx.with_lang(&format!("/documents/{}#page-{}", sc.document_id, sc.page_no))) { (form) " · " (ctx.t.page) " " (sc.page_no) } }
}

/// How many ballots the page lists (those needing work first).
const BALLOTS_SHOWN: usize = 500;

/// `GET /postal`: the desk of the user's AC, or a choice of ACs.
pub async fn index(ctx: Ctx, State(s): State<AppState>) -> PageResult {
    let title = ctx.t.postal_title;
    super::ac_index(&ctx, &s, "/postal", title).await
}

/// `GET /postal/{ac}`.
pub async fn page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(ac): Path<String>,
    Query(q): Query<PostalQuery>,
) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let a = actions::ac(&s.db, user, ac).await.or_page(&ctx)?;
    let register = actions::register(&s.db, user, ac).await.or_page(&ctx)?;
    let postal = actions::postal(&s.db, user, ac).await.or_page(&ctx)?;
    let status = actions::postal_status(&s.db, user, ac)
        .await
        .or_page(&ctx)?;
    let mut c = s.db.read().await.or_page(&ctx)?;
    let ballots = db::ballots_of_ac(&mut c, ac).await.or_page(&ctx)?;
    let scans = db::scans_of_ballots(&mut c, ac).await.or_page(&ctx)?;
    drop(c);
    let t = ctx.t;
    let by_id: HashMap<&str, &Ballot> = ballots.iter().map(|b| (b.ballot_id.as_str(), b)).collect();
    let mut scans_of: HashMap<&str, Vec<&db::BallotScan>> = HashMap::new();
    for sc in &scans {
        scans_of.entry(sc.ballot_id.as_str()).or_default().push(sc);
    }
    let count = |w: Stands| {
        register
            .iter()
            .filter(|r| stands(by_id.get(r.ballot_id.as_str()).copied()) == w)
            .count()
    };
    let (accepted, rejected) = (count(Stands::Accepted), count(Stands::Rejected));
    let (needs_review, not_uploaded) = (count(Stands::NeedsReview), count(Stands::NotUploaded));
    // Covers scanned that the register does not hold.
    let in_register: std::collections::HashSet<&str> =
        register.iter().map(|r| r.ballot_id.as_str()).collect();
    let foreign: Vec<&Ballot> = ballots
        .iter()
        .filter(|b| !in_register.contains(b.ballot_id.as_str()))
        .collect();
    // Those needing work first, then by serial number.
    let mut listed: Vec<_> = register.iter().collect();
    listed.sort_by_key(|r| {
        let w = stands(by_id.get(r.ballot_id.as_str()).copied());
        (
            !matches!(w, Stands::NeedsReview | Stands::NotUploaded),
            r.postal_ballot_serial_no.len(),
            r.postal_ballot_serial_no.clone(),
        )
    });
    let may_enter = user.require_enter(ac).is_ok();
    let may_register = may_enter && matches!(user.role, Role::Ro | Role::Admin);
    let may_validate = user.require_ro(ac).is_ok() && a.declared_at.is_none();
    let ready = status.checks.iter().all(|c| c.holds);
    let chip = |w: Stands| match w {
        Stands::Accepted => html! { span.chip.complete { (t.accepted) } },
        Stands::Rejected => html! { span.chip.behind { (t.rejected) } },
        Stands::NeedsReview => html! { span.chip.on-track { (t.needs_review) } },
        Stands::NotUploaded => html! { span.chip { (t.not_uploaded) } },
    };
    Ok(ctx.render(
        StatusCode::OK,
        "postal",
        &format!("{} — {} {ac} {}", t.postal_title, t.ac, a.name),
        html! {
            @if let Some(what) = &q.saved { p.done #saved { (match what.as_str() {
                "register" => t.register_imported,
                "validated" => t.postal_validated_saved,
                _ => t.tally_saved,
            }) } }
            dl.values #counts {
                dt { (t.in_register) } dd #in-register { (register.len()) }
                dt { (t.accepted) } dd #accepted data-n=(accepted) { (accepted) }
                dt { (t.rejected) } dd #rejected data-n=(rejected) { (rejected) }
                dt { (t.needs_review) } dd #needs-review { (needs_review)
                    @if needs_review > 0 { " · " a href=(ctx.with_lang(&format!("/review?ac={ac}"))) { (t.nav_review) } } }
                dt { (t.not_uploaded_yet) } dd #not-uploaded { (not_uploaded)
                    @if not_uploaded > 0 && may_enter { " · " a href=(ctx.with_lang(&format!("/upload?ac={ac}"))) { (t.nav_upload) } } }
                @if !foreign.is_empty() { dt { (t.not_in_register) } dd #foreign { (foreign.len()) } }
            }
            section #tally-section {
                h2 { (t.postal_tally) }
                form #tally method="post" action=(format!("/postal/{ac}/tally")) {
                    (ctx.csrf_field())
                    div.scroll { table {
                        thead { tr { th scope="col" { (t.candidate) } th scope="col" { (t.party) } th scope="col" { (t.votes) } } }
                        tbody {
                            @for (i, cand) in a.candidates.iter().enumerate() {
                                tr {
                                    th scope="row" { label for=(format!("pv-{i}")) { (cand.name) } } td { (cand.party) }
                                    td { input.tally #(format!("pv-{i}")) name="votes" inputmode="numeric" pattern="[0-9०-९]*" size="7" autocomplete="off"
                                        value=(postal.as_ref().and_then(|p| p.votes.get(i)).copied().unwrap_or(0)) disabled[!may_enter]; }
                                }
                            }
                            tr { th scope="row" colspan="2" { label for="rejected-papers" { (t.rejected_papers) } }
                                td { input #rejected-papers name="rejected_papers" inputmode="numeric" size="7" autocomplete="off"
                                    value=(postal.as_ref().map_or(0, |p| p.rejected_papers)) disabled[!may_enter]; } }
                            tr { th scope="row" colspan="2" { label for="rejected-covers" { (t.rejected_covers) } }
                                td { input #rejected-covers name="rejected_covers" inputmode="numeric" size="7" autocomplete="off"
                                    value=(postal.as_ref().map_or(0, |p| p.rejected_covers)) disabled[!may_enter]; } }
                        }
                    } }
                    p #reconcile aria-live="polite" data-accepted=(accepted) data-rejected=(rejected) data-settled=(u8::from(needs_review + not_uploaded == 0)) {
                        (t.reconcile_help) }
                    @if may_enter { button.primary type="submit" { (t.save_tally) } }
                }
            }
            section #validation-section {
                h2 { (t.postal_validation) }
                p.help { (t.validation_help) }
                @if let (Some(by), Some(at)) = (&status.validated_by, &status.validated_at) {
                    p.done #validated { (t.validated_by.replace("{by}", by).replace("{at}", &crate::clock::ist(at))) }
                }
                (super::checks_list(&ctx, "postal-checks", &status.checks))
                @if may_validate && !status.validated {
                    form #validate method="post" action=(format!("/postal/{ac}/validate")) {
                        (ctx.csrf_field())
                        button.primary type="submit" disabled[!ready] { (t.validate_postal) }
                    }
                }
            }
            @if may_register {
                section #register-section {
                    h2 { (t.import_register) }
                    p.help { (t.register_help) }
                    label for="register-file" { (t.register_file) } " "
                    input #register-file type="file" accept=".csv,text/csv" data-ac=(ac);
                    " " button #import type="button" { (t.import) }
                    p.error #register-error hidden {}
                }
            }
            section {
                h2 { (t.ballots) ": " (register.len()) }
                @if register.is_empty() { p { (t.no_register) } } @else {
                    div.scroll { table #ballots {
                        thead { tr { th scope="col" { (t.ballot) } th scope="col" { (t.f_serial) } th scope="col" { (t.count_serial) } th scope="col" { (t.status) } th scope="col" { (t.scans) } } }
                        tbody { @for r in listed.iter().take(BALLOTS_SHOWN) {
                            @let b = by_id.get(r.ballot_id.as_str()).copied();
                            tr data-ballot=(r.ballot_id) {
                                th scope="row" { (r.ballot_id) }
                                td { (r.postal_ballot_serial_no) }
                                td.count-serial { @if let Some(n) = b.and_then(|b| b.count_serial) { (n) } }
                                td { (chip(stands(b))) @if let Some(b) = b { @for k in &b.reasons { " " span.chip.kind { (t.kind(*k)) } } } }
                                td { @for sc in scans_of.get(r.ballot_id.as_str()).into_iter().flatten() {
                                    (scan_link(&ctx, sc)) " " } }
                            }
                        } }
                    } }
                    @if register.len() > BALLOTS_SHOWN { p { (t.and_more.replace("{n}", &(register.len() - BALLOTS_SHOWN).to_string())) } }
                }
                @if !foreign.is_empty() {
                    h3 { (t.not_in_register) }
                    ul #foreign-list { @for b in &foreign { li { (b.ballot_id) " "
                        @for sc in scans_of.get(b.ballot_id.as_str()).into_iter().flatten() {
                            (scan_link(&ctx, sc)) " " } } } }
                }
            }
        },
    ))
}

/// `POST /postal/{ac}/tally`: the votes per candidate (`votes`, in ballot
/// order), rejected papers and covers; then the desk again.
pub async fn save_tally(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(ac): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let Form(pairs) = form.map_err(|e| ctx.error(Error::bad_input(e.body_text())))?;
    let figure = |name: &str, v: &str| -> Result<i64, super::Refusal> {
        let v = super::western_digits(v.trim());
        if v.is_empty() {
            return Ok(0);
        }
        number(&ctx, name, &v)
    };
    let mut input = PostalInput {
        votes: vec![],
        rejected_papers: 0,
        rejected_covers: 0,
    };
    for (k, v) in &pairs {
        match k.as_str() {
            "votes" => input.votes.push(figure("a candidate's postal votes", v)?),
            "rejected_papers" => input.rejected_papers = figure("the rejected papers", v)?,
            "rejected_covers" => input.rejected_covers = figure("the rejected covers", v)?,
            _ => {}
        }
    }
    actions::put_postal(&s.db, user, ac, &input)
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to(&ctx.with_lang(&format!("/postal/{ac}?saved=tally"))).into_response())
}

/// `POST /postal/{ac}/validate`: the RO validates the postal entry; then
/// the desk again (or the page saying what stands in the way).
pub async fn validate(ctx: Ctx, State(s): State<AppState>, Path(ac): Path<String>) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    actions::approve_postal(&s.db, user, ac)
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to(&ctx.with_lang(&format!("/postal/{ac}?saved=validated"))).into_response())
}
