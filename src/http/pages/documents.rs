//! `/documents/{id}`: one upload as the people checking it want it: each
//! page's image, what was read there (in words, with its confidence and
//! whether it was verified, verified by agreement or is a finding), its
//! findings with their decisions, and its postal ballots with their
//! outcome. The same figures as `GET /api/v1/documents/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::{Markup, html};

use super::review::{describe_field, finding_sentence, value};
use super::{Ctx, OrPage, PageResult, number};
use crate::checks::{FindingStatus, Outcome};
use crate::counting::actions;
use crate::db::FindingRow;
use crate::forms::FormKind;
use crate::http::AppState;
use crate::http::api::documents::{DocumentView, document_view};
use crate::pipeline::FieldReading;

/// `GET /documents/{id}`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let user = ctx.user()?;
    let id: i64 = number(&ctx, "a document id", &id)?;
    let view = document_view(&s.db, user, id).await.or_page(&ctx)?;
    let ac = actions::ac(&s.db, user, view.document.ac_no)
        .await
        .or_page(&ctx)?;
    let t = ctx.t;
    let d = &view.document;
    let words = |field: &str| {
        describe_field(&ctx, field, &ac.candidates).unwrap_or_else(|| field.to_string())
    };
    Ok(ctx.render(
        StatusCode::OK,
        "document",
        &format!("{} — {}", t.document, d.filename),
        html! {
            dl.values #about {
                dt { (t.ac) } dd { (d.ac_no) " " (ac.name) }
                dt { (t.status) } dd #doc-status { span.(format!("st-{}", d.status)) { (t.doc_status(d.status)) } @if let Some(r) = &d.reason { " — " (r) } }
                dt { (t.uploaded_by) } dd { (d.uploaded_by) ", " (crate::clock::ist(&d.uploaded_at)) }
                dt { "SHA-256" } dd { code { (d.sha256) } " · " a href=(format!("/api/v1/documents/{}/file", d.id)) download { (t.download) } }
            }
            @if !view.ballots.is_empty() {
                h2 { (t.ballots_here) }
                div.scroll { table #ballots {
                    thead { tr { th scope="col" { (t.ballot) } th scope="col" { (t.status) } } }
                    tbody { @for b in &view.ballots {
                        tr data-ballot=(b.ballot_id) {
                            th scope="row" { (b.ballot_id) }
                            td { span.chip.(outcome_class(b.outcome)) { (outcome_label(&ctx, b.outcome)) }
                                @for k in &b.reasons { " " span.chip.kind { (t.kind(*k)) } } }
                        }
                    } }
                } }
            }
            @for p in &view.pages {
                @let here: Vec<&FindingRow> = view.findings.iter().filter(|f| f.page == Some(p.page)).collect();
                section.doc-page id=(format!("page-{}", p.page)) {
                    h2 { (t.page) " " (p.page)
                        @if let Some(k) = p.form.as_deref().and_then(FormKind::from_id) { " · " (k.title()) } }
                    @if let Some(e) = &p.error { p.error { (e) } }
                    div.compare {
                        figure.crop {
                            a href=(format!("/api/v1/documents/{}/pages/{}/image.png", d.id, p.page)) target="_blank" rel="noopener" {
                                img.page-image loading="lazy" src=(format!("/api/v1/documents/{}/pages/{}/image.png?boxes=true", d.id, p.page))
                                    alt=(format!("{} {}", t.page, p.page));
                            }
                            @if p.form.is_some() {
                                figcaption.legend { span.key.verified {} (t.verified) " " span.key.agreed {} (t.verified_by_agreement) " " span.key.finding {} (t.findings) }
                            }
                        }
                        div.side {
                            table.read {
                                thead { tr { th scope="col" { (t.field) } th scope="col" { (t.scan_value) } th scope="col" { (t.confidence) } th scope="col" { (t.status) } } }
                                tbody {
                                    @for (name, r) in &p.fields {
                                        @if let FieldReading::One(r) = r {
                                            tr data-field=(name) {
                                                th scope="row" { (words(name)) }
                                                td { (value(&ctx, r.value.as_ref())) }
                                                td.num { (format!("{:.0} %", r.confidence * 100.0)) }
                                                td { (field_state(&ctx, &view, &here, p.page, name)) }
                                            }
                                        } @else {
                                            @let cells = here.iter().filter(|f| f.field.as_deref().is_some_and(|x| x.starts_with(&format!("{name}[")))).count();
                                            tr data-field=(name) {
                                                th scope="row" { (name) }
                                                td colspan="2" { (t.grid_read) }
                                                td { @if cells == 0 { span.chip.complete { (t.verified) } } @else { (cells) " " (t.findings) } }
                                            }
                                        }
                                    }
                                    @for (name, m) in &p.marks {
                                        tr data-field=(name) {
                                            th scope="row" { (words(name)) }
                                            td { (if m.value { t.ink_found } else { t.no_ink }) }
                                            td.num { (format!("{:.0} %", m.confidence * 100.0)) }
                                            td { (field_state(&ctx, &view, &here, p.page, name)) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if !here.is_empty() {
                        h3 { (t.findings) }
                        ul.findings { @for f in &here {
                            li data-finding=(f.id) {
                                span.chip.kind { (t.kind(f.kind)) } " " (finding_sentence(&ctx, f, f.field.as_deref().and_then(|x| describe_field(&ctx, x, &ac.candidates)).as_deref())) " — "
                                @match f.status {
                                    FindingStatus::Open => a href=(ctx.with_lang(&format!("/review?ac={}&document={}", d.ac_no, d.id))) { (t.nav_review) },
                                    FindingStatus::Closed => span { (f.decision.map_or("", |d| t.decision(d))) " · " (f.decided_by.as_deref().unwrap_or("")) },
                                    FindingStatus::Resolved => span { (t.resolved) },
                                }
                            }
                        } }
                    }
                }
            }
        },
    ))
}

/// Whether a field of a page was verified, verified by agreement (with its
/// evidence) or is a finding.
fn field_state(
    ctx: &Ctx,
    view: &DocumentView,
    here: &[&FindingRow],
    page: u32,
    name: &str,
) -> Markup {
    let t = ctx.t;
    if let Some(f) = here
        .iter()
        .find(|f| f.field.as_deref() == Some(name) && f.status != FindingStatus::Resolved)
    {
        return html! { span.chip.behind { (t.kind(f.kind)) } };
    }
    if let Some(a) = view
        .agreements
        .iter()
        .find(|a| a.agreement.page_no == page && a.agreement.field == name)
    {
        return html! { span.chip.complete title=(a.evidence) { (t.verified_by_agreement) } };
    }
    html! { span.chip.complete { (t.verified) } }
}

fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Accepted => "complete",
        Outcome::Rejected => "behind",
        Outcome::NeedsReview => "on-track",
    }
}

fn outcome_label(ctx: &Ctx, o: Outcome) -> &'static str {
    match o {
        Outcome::Accepted => ctx.t.accepted,
        Outcome::Rejected => ctx.t.rejected,
        Outcome::NeedsReview => ctx.t.needs_review,
    }
}
