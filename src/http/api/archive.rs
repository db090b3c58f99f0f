//! The archive of signed certificates: search, one record, the exact bytes.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::archive::{self, ArchivedCertificate};
use crate::documents::store::digest_header;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::auth::Auth;
use crate::http::error::{ApiPath, ErrorBody};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(record))
        .routes(routes!(file))
}

/// What to look for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// AC number or name, winner, party, election, certificate id: partial,
    /// case- and accent-insensitive; several words must all match.
    pub q: Option<String>,
    /// One AC.
    pub ac: Option<u32>,
}

/// Searches the archived certificates, newest first.
#[utoipa::path(get, path = "/api/v1/archive/certificates", tag = "archive", security(("bearer" = [])),
    params(ArchiveQuery),
    responses((status = 200, body = Vec<ArchivedCertificate>), (status = 403, body = ErrorBody)))]
pub async fn search(
    State(s): State<AppState>,
    Auth(user): Auth,
    q: std::result::Result<Query<ArchiveQuery>, QueryRejection>,
) -> Result<Json<Vec<ArchivedCertificate>>> {
    let Query(q) = q.map_err(|e| Error::bad_input(e.body_text()))?;
    Ok(Json(
        archive::search(&s.db, &user, q.q.as_deref(), q.ac).await?,
    ))
}

/// One archived certificate.
#[utoipa::path(get, path = "/api/v1/archive/certificates/{id}", tag = "archive", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Archive record id")),
    responses((status = 200, body = ArchivedCertificate), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ArchivedCertificate>> {
    Ok(Json(archive::record(&s.db, &user, id).await?))
}

/// The signed scan exactly as uploaded, its SHA-256 in a `Digest` header.
#[utoipa::path(get, path = "/api/v1/archive/certificates/{id}/file", tag = "archive", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Archive record id")),
    responses((status = 200, description = "the uploaded bytes", content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response> {
    let (rec, bytes) = archive::file(&s.db, &s.store, &user, id).await?;
    let media = crate::pipeline::pages::sniff(&bytes)
        .map(|t| t.mime())
        .unwrap_or("application/octet-stream");
    Ok((
        [
            (CONTENT_TYPE, media.to_string()),
            (
                CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}.{}\"",
                    rec.certificate_id,
                    media.rsplit('/').next().unwrap_or("bin")
                ),
            ),
            (
                axum::http::HeaderName::from_static("digest"),
                digest_header(&rec.sha256),
            ),
        ],
        bytes,
    )
        .into_response())
}
