//! `/archive`: search the signed certificates of election; `/archive/{id}`
//! shows one: the picture of the page, what was checked, and the download
//! of the exact bytes with their SHA-256 beside the link.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use maud::html;
use serde::Deserialize;

use super::{Ctx, OrPage, PageResult, number};
use crate::archive;
use crate::clock;
use crate::http::AppState;

/// What to look for.
#[derive(Debug, Deserialize)]
pub struct ArchiveQuery {
    pub q: Option<String>,
    pub ac: Option<String>,
}

/// `GET /archive?q=&ac=`.
pub async fn page(
    ctx: Ctx,
    State(s): State<AppState>,
    Query(q): Query<ArchiveQuery>,
) -> PageResult {
    let user = ctx.user()?;
    let ac = match q.ac.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(number::<u32>(&ctx, "an AC number", a)?),
        None => None,
    };
    let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let found = archive::search(&s.db, user, text, ac).await.or_page(&ctx)?;
    let head = archive::head(&s.db).await.or_page(&ctx)?;
    let t = ctx.t;
    Ok(ctx.render(
        StatusCode::OK,
        "archive",
        t.archive_title,
        html! {
            form.search role="search" method="get" action="/archive" {
                label for="q" { (t.search) }
                input #q type="search" name="q" value=[text] placeholder=(t.search_help) aria-describedby="q-help";
                button.primary type="submit" { (t.search) }
                @if ctx.chose_lang { input type="hidden" name="lang" value=(ctx.lang.code()); }
                p.help #q-help { (t.search_help) }
            }
            @if found.is_empty() { p #no-match { (t.no_match) } } @else {
                div.scroll { table #certificates {
                    thead { tr {
                        th scope="col" { (t.certificate) } th scope="col" { (t.constituency) } th scope="col" { (t.winner) }
                        th scope="col" { (t.party) } th scope="col" { (t.uploaded_at) } th scope="col" { (t.status) } th scope="col" { "SHA-256" }
                    } }
                    tbody { @for c in &found {
                        tr {
                            th scope="row" { a href=(ctx.with_lang(&format!("/archive/{}", c.id))) { (c.certificate_id) } }
                            td { (c.ac_no) " " (c.ac_name) } td { (c.winner) } td { (c.party) }
                            td { (clock::ist(&c.uploaded_at)) }
                            td { @if c.verified { span.chip.complete { (t.verified) } } @else { span.chip.behind { (t.not_verified) } }
                                 @if c.superseded_by.is_some() { " " span.chip { (t.superseded) } } }
                            td { code.hash { (c.sha256) } }
                        }
                    } }
                } }
            }
            @if let Some(h) = &head {
                p.help #log-head {
                    (t.log_head) " " (h.seq) ": " code.hash { (h.hash) }
                }
            }
        },
    ))
}

/// `GET /archive/{id}`.
pub async fn record(ctx: Ctx, State(s): State<AppState>, Path(id): Path<String>) -> PageResult {
    let user = ctx.user()?;
    let id: i64 = number(&ctx, "an archive record id", &id)?;
    let c = archive::record(&s.db, user, id).await.or_page(&ctx)?;
    let t = ctx.t;
    Ok(ctx.render(
        StatusCode::OK,
        "archive-record",
        &format!("{} {}", t.certificate, c.certificate_id),
        html! {
            div.record {
                figure.page {
                    img #certificate-image src=(format!("/api/v1/documents/{}/pages/{}/image.png", c.document, c.page))
                        alt=(format!("{} {} — {} {}", t.certificate, c.certificate_id, t.winner, c.winner));
                }
                div {
                    dl.values {
                        dt { (t.constituency) } dd { (c.ac_no) " " (c.ac_name) }
                        dt { (t.winner) } dd { (c.winner) " (" (c.party) ")" }
                        dt { (t.uploaded_by) } dd { (c.uploaded_by) }
                        dt { (t.uploaded_at) } dd { (clock::ist(&c.uploaded_at)) }
                        dt { (t.status) } dd { @if c.verified { span.chip.complete { (t.verified) } } @else { span.chip.behind { (t.not_verified) } } }
                        dt { "SHA-256" } dd { code.hash #sha256 { (c.sha256) } }
                    }
                    @if !c.failed.is_empty() {
                        h2 { (t.failed_checks) }
                        ul { @for f in &c.failed { li { (f) } } }
                    }
                    @if let Some(n) = c.superseded_by { p.warning { (t.superseded) ": " a href=(ctx.with_lang(&format!("/archive/{n}"))) { (n) } } }
                    p { a.button.primary #download href=(format!("/api/v1/archive/certificates/{}/file", c.id)) download { (t.download) } }
                    p.help { (t.sha_help) }
                }
            }
        },
    ))
}
