//! `/upload`: the RO drops a batch of scans. The script sends each file to
//! `POST /api/v1/acs/{ac}/documents` with its own progress bar, retries a
//! file whose connection dropped (the server keeps one document per SHA-256,
//! so a retry never duplicates), then follows the document until it is
//! read and checked. The server renders the AC's earlier uploads.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use maud::html;
use serde::Deserialize;

use super::{Ctx, OrPage, PageResult, ac_picker, pick_ac};
use crate::db;
use crate::http::AppState;

/// Which AC.
#[derive(Debug, Deserialize)]
pub struct AcQuery {
    pub ac: Option<u32>,
}

/// How many owed documents the page names before "and N more".
const OWED_SHOWN: usize = 12;

/// How many refused uploads the page lists (the newest).
const REFUSALS_SHOWN: u32 = 50;

/// `GET /upload?ac=`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Query(q): Query<AcQuery>) -> PageResult {
    let user = ctx.user()?;
    let (acs, ac) = pick_ac(&s, user, q.ac).await.or_page(&ctx)?;
    user.require_enter(ac).or_page(&ctx)?;
    let mut c = s.db.read().await.or_page(&ctx)?;
    let docs = db::documents_of_ac(&mut c, ac).await.or_page(&ctx)?;
    let open = db::open_findings_by_document(&mut c, ac)
        .await
        .or_page(&ctx)?;
    let owed = db::progress_missing(&mut c, ac).await.or_page(&ctx)?;
    let refused = db::refusals_of_ac(&mut c, ac, REFUSALS_SHOWN)
        .await
        .or_page(&ctx)?;
    drop(c);
    let t = ctx.t;
    let name = acs
        .iter()
        .find(|a| a.ac_no == ac)
        .map_or("", |a| a.name.as_str());
    let limit = s.config.max_upload_mb;
    Ok(ctx.render(
        StatusCode::OK,
        "upload",
        &format!("{} — {} {ac} {name}", t.upload_title, t.ac),
        html! {
            (ac_picker(&ctx, "/upload", &acs, ac))
            p { (t.upload_help) " (≤ " (limit) " MB)" }
            div #drop.drop data-ac=(ac) data-limit=(limit * 1_000_000) {
                p.big { (t.drop_here) }
                input #files.visually-hidden type="file" multiple accept=".pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/jpeg,image/png,image/tiff";
                label.button for="files" { (t.choose_files) }
            }
            section #batch-section hidden {
                h2 { (t.this_batch) }
                div.scroll {
                    table #batch {
                        thead { tr { th scope="col" { (t.file) } th scope="col" { (t.status) } th scope="col" { (t.pages) } th scope="col" { (t.findings) } } }
                        tbody aria-live="polite" {}
                    }
                }
            }
            section {
                h2 { (t.recent_uploads) }
                @if docs.is_empty() { p { (t.none_yet) } } @else {
                    div.scroll {
                        table #documents {
                            thead { tr {
                                th scope="col" { (t.file) } th scope="col" { (t.status) } th scope="col" { (t.pages) }
                                th scope="col" { (t.open_findings) } th scope="col" { (t.uploaded_by) } th scope="col" { (t.uploaded_at) }
                            } }
                            tbody {
                                @for d in &docs {
                                    tr {
                                        td { a href=(ctx.with_lang(&format!("/documents/{}", d.id))) { (d.filename) } }
                                        td.(format!("st-{}", d.status)) { (t.doc_status(d.status)) @if let Some(r) = &d.reason { " — " (r) } }
                                        td.num { (d.page_count) }
                                        td.num { (open.get(&d.id).copied().unwrap_or(0)) }
                                        td { (d.uploaded_by) }
                                        td { (crate::clock::ist(&d.uploaded_at)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !refused.is_empty() {
                section {
                    h2 { (t.refused_uploads) }
                    div.scroll {
                        table #refusals {
                            thead { tr {
                                th scope="col" { (t.file) } th scope="col" { (t.why_refused) }
                                th scope="col" { (t.uploaded_by) } th scope="col" { (t.uploaded_at) }
                            } }
                            tbody {
                                @for r in &refused {
                                    tr data-error=(r.error) {
                                        td { (r.filename) }
                                        td { span.st-refused { (t.refusal(&r.error)) } " — " (r.message) }
                                        td { (r.uploaded_by) }
                                        td { (crate::clock::ist(&r.at)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section {
                @let not_uploaded: Vec<_> = owed.iter().filter(|m| m.state == crate::progress::MissingState::NotUploaded).collect();
                h2 { (t.owed) ": " span #owed-count { (not_uploaded.len()) } }
                @if !not_uploaded.is_empty() {
                    ul.owed { @for m in not_uploaded.iter().take(OWED_SHOWN) { li { (m.what) } } }
                    @if not_uploaded.len() > OWED_SHOWN {
                        p #owed-more { a href=(ctx.with_lang(&format!("/progress/{ac}"))) {
                            (t.and_more.replace("{n}", &(not_uploaded.len() - OWED_SHOWN).to_string())) } }
                    }
                }
            }
        },
    ))
}
