//! `/review`: the operator's queue, one finding at a time: the cut-out of
//! the scan large, beside what was read and what was entered; the whole
//! page a click away; the buttons are the decisions that fit the finding
//! (`checks::decisions`), each with its key (the script presses the
//! button), and the next finding follows at once (a redirect back here).
//! Findings only the RO may settle are left out of others' queues, and
//! those that settle by themselves out of everyone's: both are counted.

use crate::pipeline::Scalar;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Ctx, OrPage, PageResult, ac_picker, field_parts, number};
use crate::accounts::{Role, User};
use crate::checks::Decision;
use crate::counting::Candidate;
use crate::counting::actions;
use crate::db;
use crate::db::FindingRow;
use crate::documents::review;
use crate::error::Error;
use crate::http::AppState;

/// Which AC's queue (default: every AC the user sees).
#[derive(Debug, Deserialize)]
pub struct ReviewQuery {
    pub ac: Option<u32>,
    /// Skip to the first finding after this one (wrapping round).
    pub after: Option<i64>,
    /// The decision just taken, offered for undoing.
    pub undo: Option<i64>,
}

/// A value read or entered as a person reads it: a figure, a text, ink
/// found or not, or "—" for nothing.
pub(super) fn value(ctx: &Ctx, v: Option<&Scalar>) -> Markup {
    match v {
        None => html! { "—" },
        Some(Scalar::Bool(ink)) => html! { (if *ink { ctx.t.ink_found } else { ctx.t.no_ink }) },
        Some(Scalar::Text(s)) => html! { (s) },
        Some(Scalar::Count(n)) => html! { (n) },
    }
}

/// A grid cell in words: `votes[5][1]` is row 6 of the sheet, candidate 2.
pub(super) fn describe_field(ctx: &Ctx, field: &str, candidates: &[Candidate]) -> Option<String> {
    let t = ctx.t;
    let (base, idx) = field_parts(field);
    let name = |c: usize| candidates.get(c).map(|c| c.name.clone());
    let words = match (base, idx.as_slice()) {
        ("votes", [r, c]) => return Some(format!("{} {} · {}", t.row, r + 1, name(*c)?)),
        ("totals", [c]) => return Some(format!("{} · {}", t.total, name(*c)?)),
        ("ps_no", [r]) => return Some(format!("{} {} · {}", t.row, r + 1, t.ps_no)),
        ("elector_signed", []) => t.f_elector_signed,
        ("attested", []) => t.f_attested,
        ("ro_signed", []) => t.f_ro_signed,
        ("postal_ballot_serial_no", []) => t.f_serial,
        ("part_no", []) => t.f_part_no,
        ("elector_serial_no", []) => t.f_elector_serial,
        ("ac_no", []) => t.f_ac_no,
        ("ac_name", []) => t.f_ac_name,
        ("ballot_id", []) => t.f_ballot_id,
        ("revision", []) => t.revision,
        _ => return None,
    };
    Some(words.to_string())
}

/// The key that takes a decision on the page, and its label.
fn key_of(ctx: &Ctx, d: Decision) -> (&'static str, &'static str) {
    let key = match d {
        Decision::ScanCorrect => "s",
        Decision::EntryCorrect => "e",
        Decision::Rescan => "r",
        Decision::Signed => "y",
        Decision::NotSigned => "n",
        Decision::Accept => "a",
        Decision::Reject => "x",
    };
    (key, ctx.t.decision(d))
}

/// Where an open finding stands for this user: theirs to decide, waiting
/// for the RO, or settling by itself.
#[derive(PartialEq)]
enum Turn {
    Mine,
    AwaitsRo,
    SettlesItself,
}

fn turn(user: &User, f: &FindingRow) -> Turn {
    let ro = user.role == Role::Ro;
    if f.choices.decisions.is_empty() {
        Turn::SettlesItself
    } else if !ro && (f.choices.ro_decides || f.recommendation.is_some()) {
        Turn::AwaitsRo
    } else {
        Turn::Mine
    }
}

/// `GET /review?ac=`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Query(q): Query<ReviewQuery>) -> PageResult {
    let user = ctx.user()?;
    let open = review::open(&s.db, user, q.ac).await.or_page(&ctx)?;
    let acs = actions::ac_list(&s.db, user).await.or_page(&ctx)?;
    let t = ctx.t;
    let count = |w: Turn| open.iter().filter(|f| turn(user, f) == w).count();
    let (awaiting, settling) = (count(Turn::AwaitsRo), count(Turn::SettlesItself));
    let mine: Vec<&FindingRow> = open
        .iter()
        .filter(|f| turn(user, f) == Turn::Mine)
        .collect();
    let first = q
        .after
        .and_then(|after| mine.iter().find(|f| f.id > after))
        .or(mine.first())
        .copied();
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
    let with_ac = |extra: String| match q.ac {
        Some(a) => format!("/review?ac={a}&{extra}"),
        None => format!("/review?{extra}"),
    };
    let is_ro = user.role == Role::Ro;
    Ok(ctx.render(
        StatusCode::OK,
        "review",
        t.review_title,
        html! {
            (ac_picker(&ctx, "/review", &acs, q.ac.unwrap_or(0)))
            p.count { (t.left_to_review) ": " strong #left { (mine.len()) }
                @if awaiting > 0 { " · " (t.awaits_ro) ": " strong #awaiting { (awaiting) } }
                @if settling > 0 { " · " (t.settle_themselves) ": " strong #settling { (settling) } } }
            @if let Some(u) = q.undo {
                form #undo.inline method="post" action=(format!("/review/{u}/undo{back}")) {
                    (ctx.csrf_field())
                    button type="submit" data-key="u" { kbd { "U" } " " (t.undo_last) }
                }
            }
            section #keys-help hidden aria-label=(t.keys_title) {
                h2 { (t.keys_title) }
                dl.values {
                    @for d in Decision::ALL { dt { kbd { (key_of(&ctx, *d).0.to_uppercase()) } } dd { (t.decision(*d)) } }
                    dt { kbd { "K" } } dd { (t.skip_finding) }
                    dt { kbd { "U" } } dd { (t.undo_last) }
                    dt { kbd { "?" } } dd { (t.keys_title) }
                }
            }
            @if let Some(f) = first {
                article.finding #finding data-id=(f.id) data-kind=(f.kind.as_str()) {
                    h2 { span.chip.kind { (t.kind(f.kind)) } " " (t.ac) " " (f.ac_no)
                        @if let Some(b) = &f.ballot_id { " · " (t.ballot) " " (b) } }
                    p.message { (match (&f.field, &field_words) {
                        (Some(field), Some(w)) => f.message.replace(field.as_str(), w),
                        _ => f.message.clone(),
                    }) }
                    div.compare {
                        @if let Some(url) = &f.crop_url {
                            figure.crop {
                                img #crop src=(url) alt=(format!("{}: {}", t.scan_value, f.field.as_deref().unwrap_or("")));
                                @if let (Some(d), Some(p)) = (f.document, f.page) {
                                    figcaption {
                                        a #whole-page href=(format!("/api/v1/documents/{d}/pages/{p}/image.png")) target="_blank" rel="noopener" { (t.whole_page) }
                                        @if let Some(doc) = &doc { " · " a #document href=(ctx.with_lang(&format!("/documents/{d}#page-{p}"))) { (doc.filename) ", " (t.page) " " (p) } }
                                    }
                                }
                            }
                        }
                        div.side {
                            dl.values {
                                @if let Some(field) = &f.field { dt { (t.field) } dd #field { @if let Some(w) = &field_words { (w) } @else { code { (field) } } } }
                                dt { (t.scan_value) } dd.big #scan-value { (value(&ctx, f.scan_value.as_ref())) }
                                dt { (t.entered_value) } dd.big #entered-value { (value(&ctx, f.entered_value.as_ref())) }
                                @if let Some(c) = f.confidence { dt { (t.confidence) } dd { (format!("{:.0} %", c * 100.0)) } }
                                @if let Some(r) = &f.recommendation {
                                    dt { (t.recommended) } dd #recommendation { (key_of(&ctx, r.decision).1) " — " (r.by)
                                        @if let Some(n) = &r.note { ": " (n) } }
                                }
                            }
                            @if may_decide {
                                form #decide method="post" action=(format!("/review/{}{back}", f.id)) {
                                    (ctx.csrf_field())
                                    @if f.choices.decisions.contains(&Decision::ScanCorrect)
                                        && matches!(f.entered_value, Some(Scalar::Count(_))) {
                                        label.read-value { (t.value_read) " "
                                            input #read-value name="value" inputmode="numeric" pattern="[0-9०-९]*" autocomplete="off" size="8"; }
                                        p.help { (t.value_read_help) }
                                    }
                                    div.actions {
                                        @for d in &f.choices.decisions {
                                            @let (key, label) = key_of(&ctx, *d);
                                            @let recommend = !is_ro && f.choices.recommend_only.contains(d);
                                            button.primary[*d != Decision::Rescan] type="submit" name="decision" value=(d.as_str()) data-key=(key) {
                                                kbd { (key.to_uppercase()) } " " (label)
                                                @if recommend { " — " (t.recommend_to_ro) }
                                            }
                                        }
                                    }
                                    @if f.choices.note_required {
                                        p.help { (t.note_required) }
                                    }
                                    @if f.choices.note_required || !f.choices.recommend_only.is_empty() {
                                        label.note { (t.note) " "
                                            textarea #note name="note" rows="2" cols="40" required[f.choices.note_required] {} }
                                    }
                                    @if !is_ro && !f.choices.recommend_only.is_empty() {
                                        p.help #rule-54a { (t.rule_54a_ro) }
                                    }
                                }
                                p.help { (t.keys_help) " "
                                    @if mine.len() > 1 { a #skip href=(ctx.with_lang(&with_ac(format!("after={}", f.id)))) data-key="k" { kbd { "K" } " " (t.skip_finding) } " · " }
                                    (t.keys_more) }
                            }
                        }
                    }
                }
            } @else {
                section #summary {
                    p.done #nothing { (t.nothing_to_review) }
                    ul {
                        @if awaiting > 0 { li { (t.awaits_ro) ": " (awaiting) } }
                        @if settling > 0 { li { (t.settle_themselves) ": " (settling) } }
                        li { a href=(ctx.with_lang(&match q.ac { Some(a) => format!("/upload?ac={a}"), None => "/upload".into() })) { (t.next_upload) } }
                        li { a href=(ctx.with_lang("/progress")) { (t.next_progress) } }
                    }
                }
            }
        },
    ))
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub decision: Decision,
    pub note: Option<String>,
    /// The figure the operator typed, as the page sends it.
    pub value: Option<String>,
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
            "the decision is one of the buttons of the finding: {}",
            e.body_text()
        )))
    })?;
    // Figures typed with a Hindi keyboard come as Devanagari digits.
    let value = f
        .value
        .as_deref()
        .map(|v| super::western_digits(v.trim()))
        .filter(|v| !v.is_empty())
        .map(Scalar::Text);
    let asked = review::Asked {
        decision: f.decision,
        note: f.note.as_deref(),
        value,
    };
    review::decide(&s.db, user, id, asked).await.or_page(&ctx)?;
    let back = match q.ac {
        Some(a) => format!("/review?ac={a}&undo={id}"),
        None => format!("/review?undo={id}"),
    };
    Ok(Redirect::to(&ctx.with_lang(&back)).into_response())
}

/// `POST /review/{id}/undo?ac=`: takes the decision back; the finding is
/// shown again.
pub async fn undo(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ReviewQuery>,
) -> PageResult {
    let user = ctx.user()?;
    let id: i64 = number(&ctx, "a finding id", &id)?;
    review::undo(&s.db, user, id).await.or_page(&ctx)?;
    let back =
        q.ac.map(|a| format!("/review?ac={a}"))
            .unwrap_or("/review".into());
    Ok(Redirect::to(&ctx.with_lang(&back)).into_response())
}
