//! Uploads, documents, ballots, findings and the review queue. Each handler
//! parses, calls `documents::*`, and returns.

use axum::Json;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::checks::{Agreement, Ballot, Decision};
use crate::db::{self, DocumentRow, DocumentStatus, FindingRow, PageStatus};
use crate::documents::store::digest_header;
use crate::documents::{crop, intake, review};
use crate::error::{Error, Result};
use crate::forms::FormKind;
use crate::http::AppState;
use crate::http::auth::Auth;
use crate::http::error::{ApiJson, ApiPath, ErrorBody};
use crate::pipeline::{FieldReading, InkReading, Scalar, Unplaced};

/// The upload route, apart: it has its own body limit.
pub fn upload_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload))
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_documents))
        .routes(routes!(get_document))
        .routes(routes!(document_file))
        .routes(routes!(ballots))
        .routes(routes!(findings))
        .routes(routes!(edits))
        .routes(routes!(refusals))
        .routes(routes!(review_queue))
        .routes(routes!(review_groups))
        .routes(routes!(decide_batch))
        .routes(routes!(decide))
        .routes(routes!(undo))
        .routes(routes!(crop_png))
        .routes(routes!(page_png))
}

/// An accepted upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    pub id: i64,
    pub sha256: String,
    pub status: DocumentStatus,
    pub pages: u32,
    /// False when the same bytes had been uploaded before (status 200).
    pub created: bool,
}

/// Receives the file field into the blob store (refusing early what its
/// first bytes or its size show cannot be kept) and accepts it; `sent`
/// follows the file's name and the bytes received.
async fn receive(
    s: &AppState,
    user: &crate::accounts::User,
    ac: u32,
    multipart: &mut Multipart,
    limit: u64,
    sent: &mut (Option<String>, u64),
) -> Result<(crate::db::DocumentRow, bool)> {
    let mut received = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        sent.0 = Some(field.file_name().unwrap_or("upload").to_string());
        let mut rx = s.store.receive(limit).await?;
        let mut sniffed = false;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            sent.1 += chunk.len() as u64;
            let mut refused = rx.push(&chunk).await.err();
            if refused.is_none() && !sniffed && rx.head().len() >= 1024 {
                sniffed = true;
                refused = intake::sniff_head(rx.head()).err();
            }
            if let Some(e) = refused {
                rx.abort().await;
                drain(&mut field, limit).await;
                return Err(e);
            }
        }
        received = Some(rx.finish().await?);
        break;
    }
    let received = received.ok_or_else(|| Error::bad_input("the form has no field named file"))?;
    let name = sent.0.clone().unwrap_or_default();
    intake::accept(&s.db, &s.store, user, ac, received, &name).await
}

fn multipart_error(e: MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::TooLarge {
            reason: "the upload is larger than the limit".into(),
        }
    } else {
        Error::bad_input(format!(
            "the upload broke off or is malformed: {}",
            e.body_text()
        ))
    }
}

/// Reads and discards the rest of a refused upload (up to twice the limit
/// more), so that the client, still sending, gets the error rather than a
/// connection reset; beyond that the connection is simply closed.
async fn drain(field: &mut axum::extract::multipart::Field<'_>, limit: u64) {
    let mut left = limit.saturating_mul(2);
    while let Ok(Some(chunk)) = field.chunk().await {
        left = left.saturating_sub(chunk.len() as u64);
        if left == 0 {
            break;
        }
    }
}

/// Uploads a scan (PDF, JPEG, PNG or TIFF) as multipart field `file`:
/// streamed to disk, sniffed, checked page by page, stored by SHA-256, then
/// read by the workers. The same bytes again: 200 and the same document.
#[utoipa::path(post, path = "/api/v1/acs/{ac}/documents", tag = "documents", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    request_body(content_type = "multipart/form-data", description = "field `file`: the scan"),
    responses((status = 201, body = Uploaded), (status = 200, description = "the same bytes were uploaded before", body = Uploaded),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Uploaded>)> {
    let limit = s.config.max_upload_mb * 1_000_000;
    let mut multipart = multipart.map_err(|e| Error::UnsupportedMedia {
        reason: format!(
            "send the scan as multipart/form-data with a field named file ({})",
            e.body_text()
        ),
    })?;
    if let Err(e) = intake::authorize(&s.db, &user, ac).await {
        // Refused before reading: read what is being sent anyway (bounded),
        // so the sender gets this answer rather than a broken connection.
        while let Ok(Some(mut field)) = multipart.next_field().await {
            drain(&mut field, limit).await;
        }
        return Err(e);
    }
    // What was sent, for the list of refusals if it is refused.
    let mut sent = (None, 0u64);
    let kept = receive(&s, &user, ac, &mut multipart, limit, &mut sent).await;
    let (doc, created) = match (kept, &sent.0) {
        (Ok(k), _) => k,
        (Err(e), Some(name)) => {
            intake::keep_refusal(&s.db, &user, ac, name, sent.1, &e).await;
            return Err(e);
        }
        (Err(e), None) => return Err(e),
    };
    if created {
        s.workers.wake();
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Uploaded {
            id: doc.id,
            sha256: doc.sha256,
            status: doc.status,
            pages: doc.page_count,
            created,
        }),
    ))
}

/// The AC's uploads, newest first.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/documents", tag = "documents", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Vec<DocumentRow>), (status = 403, body = ErrorBody)))]
pub async fn list_documents(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Vec<DocumentRow>>> {
    user.require_read(ac)?;
    let mut c = s.db.read().await?;
    db::ac(&mut c, ac).await?;
    Ok(Json(db::documents_of_ac(&mut c, ac).await?))
}

/// One page of a document as the API shows it: where its job stands and
/// what reading it gave.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    pub page: u32,
    pub status: PageStatus,
    pub form: Option<String>,
    pub qr: Option<String>,
    /// Field name → `{value, confidence}` (a grid's value and confidence are rows).
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, FieldReading>,
    /// Ink box name → `{value: true|false, confidence}`.
    #[schema(value_type = Object)]
    pub marks: BTreeMap<String, InkReading>,
    /// Why a page that was read is not placed on one of our forms:
    /// `no_qr`, `foreign_qr` or `not_registered`.
    pub unplaced: Option<Unplaced>,
    pub error: Option<String>,
}

/// A document with its pages, ballots and findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    #[serde(flatten)]
    pub document: DocumentRow,
    pub pages: Vec<DocumentPage>,
    pub ballots: Vec<Ballot>,
    pub findings: Vec<FindingRow>,
    /// Values read under their threshold that agree with an independent
    /// figure (the register, the AC) at or over their agreement floor:
    /// verified, with the evidence.
    pub agreements: Vec<AgreementView>,
}

/// A value verified by agreement, and the evidence in words.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    #[serde(flatten)]
    pub agreement: Agreement,
    /// "ac_no read 71 at 0.79 (under 0.80); agrees with the AC it was uploaded to".
    pub evidence: String,
}

/// A document: status (`done` once every page is read and every check has
/// run), what each page held, its ballots and findings.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 200, body = DocumentView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_document(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DocumentView>> {
    Ok(Json(document_view(&s.db, &user, id).await?))
}

/// A document with its pages, ballots, findings and agreements, for a
/// user who may see its AC (the API's answer and the document's page).
pub async fn document_view(
    db: &db::Db,
    user: &crate::accounts::User,
    id: i64,
) -> Result<DocumentView> {
    let mut c = db.read().await?;
    let document = db::document(&mut c, id).await?;
    user.require_read(document.ac_no)?;
    let pages = db::pages_of_document(&mut c, id).await?;
    let ids: std::collections::HashSet<String> = pages
        .iter()
        .filter(|(_, p)| p.kind().is_some_and(FormKind::is_postal))
        .filter_map(|(_, p)| {
            p.reading
                .payload()
                .and_then(|q| q.get("id").map(str::to_string))
        })
        .collect();
    let ballots = db::ballots_of_ac(&mut c, document.ac_no)
        .await?
        .into_iter()
        .filter(|b| ids.contains(&b.ballot_id))
        .collect();
    let findings = db::findings_of_document(&mut c, id).await?;
    let agreements = db::agreements_of_document(&mut c, id)
        .await?
        .into_iter()
        .map(|agreement| AgreementView {
            evidence: agreement.sentence(),
            agreement,
        })
        .collect();
    Ok(DocumentView {
        agreements,
        pages: pages
            .into_iter()
            .map(|(status, p)| DocumentPage {
                page: p.page_no,
                status,
                form: p.reading.form,
                qr: p.reading.qr,
                fields: p.reading.fields,
                marks: p.reading.marks,
                unplaced: p.reading.unplaced,
                error: p.error,
            })
            .collect(),
        ballots,
        findings,
        document,
    })
}

/// The bytes exactly as uploaded, with their SHA-256 in a `Digest` header.
#[utoipa::path(get, path = "/api/v1/documents/{id}/file", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 200, description = "the uploaded bytes", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn document_file(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    let doc = db::document(&mut s.db.read().await?, id).await?;
    user.require_read(doc.ac_no)?;
    let bytes = s.store.read(&doc.sha256).await?;
    Ok((
        [
            (CONTENT_TYPE, doc.media_type.clone()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", doc.filename.replace('"', "")),
            ),
            (
                axum::http::HeaderName::from_static("digest"),
                digest_header(&doc.sha256),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Every postal ballot of the AC seen in a scan, with its outcome.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/ballots", tag = "documents", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Vec<Ballot>), (status = 403, body = ErrorBody)))]
pub async fn ballots(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Vec<Ballot>>> {
    user.require_read(ac)?;
    let mut c = s.db.read().await?;
    db::ac(&mut c, ac).await?;
    Ok(Json(db::ballots_of_ac(&mut c, ac).await?))
}

/// Every finding of the AC, whatever its status.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/findings", tag = "documents", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Vec<FindingRow>), (status = 403, body = ErrorBody)))]
pub async fn findings(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Vec<FindingRow>>> {
    user.require_read(ac)?;
    let mut c = s.db.read().await?;
    db::ac(&mut c, ac).await?;
    Ok(Json(db::findings_of_ac(&mut c, ac).await?))
}

/// The AC's refused uploads, newest first (the newest 500 are kept): the
/// file's name and size, the error and its sentence, who sent it, when.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/refusals", tag = "documents", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Vec<crate::db::Refusal>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn refusals(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Vec<crate::db::Refusal>>> {
    user.require_read(ac)?;
    let mut c = s.db.read().await?;
    db::ac(&mut c, ac).await?;
    Ok(Json(db::refusals_of_ac(&mut c, ac, 500).await?))
}

/// The RO's edit list: mismatches an operator judged the scan right on.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/edits", tag = "documents", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Vec<FindingRow>), (status = 403, body = ErrorBody)))]
pub async fn edits(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Vec<FindingRow>>> {
    Ok(Json(review::edit_list(&s.db, &user, ac).await?))
}

/// Open findings to review, oldest first, each with a `crop_url`; the
/// filters narrow the queue (`field` is the name without grid indices).
#[utoipa::path(get, path = "/api/v1/review", tag = "documents", security(("bearer" = [])),
    params(review::Filter),
    responses((status = 200, body = Vec<FindingRow>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn review_queue(
    State(s): State<AppState>,
    Auth(user): Auth,
    q: std::result::Result<Query<review::Filter>, QueryRejection>,
) -> Result<Json<Vec<FindingRow>>> {
    let Query(q) = q.map_err(|e| Error::bad_input(e.body_text()))?;
    Ok(Json(review::open(&s.db, &user, &q).await?))
}

/// The open findings (as filtered) that can be settled together: of one
/// kind and field, taking the same decisions, two or more, largest first.
#[utoipa::path(get, path = "/api/v1/review/groups", tag = "documents", security(("bearer" = [])),
    params(review::Filter),
    responses((status = 200, body = Vec<review::Group>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn review_groups(
    State(s): State<AppState>,
    Auth(user): Auth,
    q: std::result::Result<Query<review::Filter>, QueryRejection>,
) -> Result<Json<Vec<review::Group>>> {
    let Query(q) = q.map_err(|e| Error::bad_input(e.body_text()))?;
    Ok(Json(review::groups(&review::open(&s.db, &user, &q).await?)))
}

/// A decision on a finding.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// One of the finding's `choices.decisions`.
    pub decision: Decision,
    /// Why; required where `choices.note_required`.
    pub note: Option<String>,
    /// The value the operator reads on the scan (with `scan_correct` or
    /// `entry_correct`): it must differ from the entry for `scan_correct`
    /// and equal it for `entry_correct`.
    pub value: Option<Scalar>,
}

/// Records a decision on an open finding, one of those that fit it
/// (`choices.decisions`): for a figure `scan_correct` (the entry goes to the
/// RO's edit list), `entry_correct` (an OCR misread) or `rescan`; for an ink
/// box `signed` or `not_signed`; for a duplicate, a ballot not in the
/// register or differing serial numbers, `accept` or `reject` (the RO, with
/// a note). On a Rule 54A ground, anyone but the RO only recommends
/// `signed`: the finding stays open, with the recommendation, for the RO.
/// Missing pairs, stale sheets, pages of another AC and the AC-wide rules
/// take no decision (409 `no-decision`): they settle by themselves.
#[utoipa::path(post, path = "/api/v1/review/{id}", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Finding id")),
    request_body = DecisionInput,
    responses((status = 200, description = "the finding, closed (or open with the recommendation)", body = FindingRow), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<FindingRow>> {
    let asked = review::Asked {
        decision: input.decision,
        note: input.note.as_deref(),
        value: input.value,
    };
    Ok(Json(review::decide(&s.db, &user, id, asked).await?))
}

/// One decision for several findings.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchInput {
    /// The findings, each open and taking `decision` (1 to 500).
    pub ids: Vec<i64>,
    pub decision: Decision,
    /// Why (the same note on every finding).
    pub note: Option<String>,
}

/// Settles several findings with one decision, as the grouped view does:
/// each is checked and audited as if decided alone, all in one
/// transaction, so that one finding that cannot take the decision leaves
/// every finding of the batch as it was (the error names it).
#[utoipa::path(post, path = "/api/v1/review/batch", tag = "documents", security(("bearer" = [])),
    request_body = BatchInput,
    responses((status = 200, description = "the findings, in the order asked", body = Vec<FindingRow>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_batch(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiJson(input): ApiJson<BatchInput>,
) -> Result<Json<Vec<FindingRow>>> {
    let asked = review::Asked {
        decision: input.decision,
        note: input.note.as_deref(),
        value: None,
    };
    Ok(Json(
        review::decide_many(&s.db, &user, &input.ids, asked).await?,
    ))
}

/// Takes back a decision: the finding is open again (only who decided, or
/// the RO, may); audited.
#[utoipa::path(post, path = "/api/v1/review/{id}/undo", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Finding id")),
    responses((status = 200, description = "the finding, open again", body = FindingRow),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn undo(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<FindingRow>> {
    Ok(Json(review::undo(&s.db, &user, id).await?))
}

/// The field's box cut from the cleaned page (the whole page for a
/// page-level finding), as a PNG.
#[utoipa::path(get, path = "/api/v1/findings/{id}/crop.png", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Finding id")),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn crop_png(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    let png = crop::finding_png(&s.db, &s.store, &user, id).await?;
    Ok(([(CONTENT_TYPE, "image/png")], png).into_response())
}

/// How to draw a page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageImageQuery {
    /// Draw every box the reader read: green verified, amber verified by
    /// agreement with an independent figure, red a finding.
    #[serde(default)]
    pub boxes: bool,
}

/// A whole page of a document, cleaned, as a PNG at most 1200 px wide.
#[utoipa::path(get, path = "/api/v1/documents/{id}/pages/{page}/image.png", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Document id"), ("page" = u32, Path, description = "Page number, from 1"), PageImageQuery),
    responses((status = 200, content_type = "image/png", body = Vec<u8>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn page_png(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((id, page)): ApiPath<(i64, u32)>,
    q: std::result::Result<Query<PageImageQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = q.map_err(|e| Error::bad_input(e.body_text()))?;
    let png = crop::page_png(&s.db, &s.store, &user, id, page, q.boxes).await?;
    Ok(([(CONTENT_TYPE, "image/png")], png).into_response())
}
