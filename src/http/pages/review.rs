//! `/review`: the operator's queue, one finding at a time: the cut-out of
//! the scan large, beside what was read and what was entered; the whole
//! page a click away; S, E or R decides (the script presses the button)
//! and the next finding follows at once (a redirect back here).

use crate::pipeline::Scalar;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Ctx, OrPage, PageResult, ac_picker, number};
use crate::checks::Decision;
use crate::counting::Candidate;
use crate::counting::actions;
use crate::db;
use crate::documents::review;
use crate::error::Error;
use crate::http::AppState;

/// Which AC's queue (default: every AC the user sees).
#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    pub ac: Option<u32>,
}

fn value(ctx: &Ctx, v: &Option<Scalar>) -> Markup {
    match v {
        None => html! { "—" },
        Some(Scalar::Bool(ink)) => html! { (if *ink { ctx.t.ink_found } else { ctx.t.no_ink }) },
        Some(Scalar::Text(s)) => html! { (s) },
        Some(Scalar::Count(n)) => html! { (n) },
    }
}

/// A grid cell in words: `votes[5][1]` is row 6 of the sheet, candidate 2.
fn describe_field(ctx: &Ctx, field: &str, candidates: &[Candidate]) -> Option<String> {
    let t = ctx.t;
    let idx: Vec<usize> = field
        .split(['[', ']'])
        .filter_map(|p| p.parse().ok())
        .collect();
    let name = |c: usize| candidates.get(c).map(|c| c.name.clone());
    match (field.split('[').next()?, idx.as_slice()) {
        ("votes", [r, c]) => Some(format!("{} {} · {}", t.row, r + 1, name(*c)?)),
        ("totals", [c]) => Some(format!("{} · {}", t.total, name(*c)?)),
        _ => None,
    }
}

/// `GET /review?ac=`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Query(q): Query<ReviewQuery>) -> PageResult {
    let user = ctx.user()?;
    let open = review::open(&s.db, user, q.ac).await.or_page(&ctx)?;
    let acs = actions::ac_list(&s.db, user).await.or_page(&ctx)?;
    let t = ctx.t;
    let first = open.first();
    let doc = match first.and_then(|f| f.document) {
        Some(d) => Some(
            db::document(&mut s.db.read().await.or_page(&ctx)?, d)
                .await
                .or_page(&ctx)?,
        ),
        None => None,
    };
    let may_decide = first.is_some_and(|f| user.require_enter(f.ac_no).is_ok());
    let field_words = match first {
        Some(f) => match &f.field {
            Some(field) => {
                let ac = actions::ac(&s.db, user, f.ac_no).await.or_page(&ctx)?;
                describe_field(&ctx, field, &ac.candidates)
            }
            None => None,
        },
        None => None,
    };
    let back = q.ac.map(|a| format!("?ac={a}")).unwrap_or_default();
    Ok(ctx.render(
        StatusCode::OK,
        "review",
        t.review_title,
        html! {
            (ac_picker(&ctx, "/review", &acs, q.ac.unwrap_or(0)))
            p.count { (t.left_to_review) ": " strong #left { (open.len()) } }
            @if let Some(f) = first {
                article.finding #finding data-id=(f.id) {
                    h2 { span.chip.kind { (t.kind(f.kind)) } " " (t.ac) " " (f.ac_no)
                        @if let Some(b) = &f.ballot_id { " · " (t.ballot) " " (b) } }
                    p.message { (f.message) }
                    div.compare {
                        @if let Some(url) = &f.crop_url {
                            figure.crop {
                                img #crop src=(url) alt=(format!("{}: {}", t.scan_value, f.field.as_deref().unwrap_or("")));
                                @if let (Some(d), Some(p)) = (f.document, f.page) {
                                    figcaption {
                                        a #whole-page href=(format!("/api/v1/documents/{d}/pages/{p}/image.png")) target="_blank" rel="noopener" { (t.whole_page) }
                                        @if let Some(doc) = &doc { " · " (doc.filename) ", " (t.page) " " (p) }
                                    }
                                }
                            }
                        }
                        dl.values {
                            @if let Some(field) = &f.field { dt { (t.field) } dd #field { @if let Some(w) = &field_words { (w) " · " } code { (field) } } }
                            dt { (t.scan_value) } dd.big #scan-value { (value(&ctx, &f.scan_value)) }
                            dt { (t.entered_value) } dd.big #entered-value { (value(&ctx, &f.entered_value)) }
                            @if let Some(c) = f.confidence { dt { (t.confidence) } dd { (format!("{:.0} %", c * 100.0)) } }
                        }
                    }
                    @if may_decide {
                        form #decide method="post" action=(format!("/review/{}{back}", f.id)) {
                            (ctx.csrf_field())
                            div.actions {
                                button.primary type="submit" name="decision" value="scan_correct" data-key="s" { kbd { "S" } " " (t.decide_scan) }
                                button.primary type="submit" name="decision" value="entry_correct" data-key="e" { kbd { "E" } " " (t.decide_entry) }
                                button type="submit" name="decision" value="rescan" data-key="r" { kbd { "R" } " " (t.decide_rescan) }
                            }
                        }
                        p.help { (t.keys_help) }
                    }
                }
            } @else {
                p.done #nothing { (t.nothing_to_review) }
            }
        },
    ))
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub decision: Decision,
    pub note: Option<String>,
}

/// `POST /review/{id}?ac=`: records the decision, then the next finding.
pub async fn decide(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ReviewQuery>,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> PageResult {
    let user = ctx.user()?;
    let id: i64 = number(&ctx, "a finding id", &id)?;
    let Form(f) = form.map_err(|e| {
        ctx.error(Error::bad_input(format!(
            "the decision is scan_correct, entry_correct or rescan: {}",
            e.body_text()
        )))
    })?;
    review::decide(
        &s.db,
        user,
        id,
        f.decision,
        f.note.as_deref().filter(|n| !n.is_empty()),
    )
    .await
    .or_page(&ctx)?;
    let back =
        q.ac.map(|a| format!("/review?ac={a}"))
            .unwrap_or("/review".into());
    Ok(Redirect::to(&ctx.with_lang(&back)).into_response())
}
