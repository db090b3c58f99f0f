//! Counting-hall nodes (`docs/sync.md`). On central: what a node calls
//! with its token (enrolment, files, pushes) and what an admin sees of the
//! nodes. On a hall: the state of its link. Either: an AC's digest, to
//! compare the two.

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::db::sync::{Conflict, NodeRow};
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::auth::Auth;
use crate::http::error::{ApiJson, ApiPath, ErrorBody};
use crate::sync::central::{self, NodeView};
use crate::sync::hall::SyncStatus;
use crate::sync::{AcDigest, Enrolment, Push, PushReply};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(digest))
        .routes(routes!(nodes))
        .routes(routes!(conflicts))
        .routes(routes!(enrolment))
        .routes(routes!(push))
}

/// Files travel in bodies as large as uploads.
pub fn blob_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_blob, put_blob))
}

/// A request made with a node's token.
pub struct NodeAuth(pub NodeRow);

impl FromRequestParts<AppState> for NodeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Unauthorized {
                reason: "a node sends Authorization: Bearer <its token from `scrutiny node add`>"
                    .into(),
            })?;
        central::node_of_token(&state.db, token).await.map(NodeAuth)
    }
}

/// This hall's link to central: connected, offline or syncing, with what waits.
#[utoipa::path(get, path = "/api/v1/sync", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = SyncStatus), (status = 404, body = ErrorBody)))]
pub async fn status(State(s): State<AppState>, Auth(_user): Auth) -> Result<Json<SyncStatus>> {
    let hall = s.hall.as_ref().ok_or_else(|| {
        Error::not_found("a link to central (this server is not a counting-hall node)")
    })?;
    Ok(Json(hall.status(&s.db).await?))
}

/// A digest of everything of the AC that travels between a hall and
/// central, table by table (on a hall, with ids as central holds them):
/// equal on both when they agree.
#[utoipa::path(get, path = "/api/v1/sync/digest/{ac}", tag = "sync", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = AcDigest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn digest(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<AcDigest>> {
    user.require_read(ac)?;
    let mut c = s.db.read().await?;
    crate::db::ac(&mut c, ac).await?;
    Ok(Json(crate::sync::digest(&mut c, ac).await?))
}

/// The counting-hall nodes: their ACs, when each was last heard from, what
/// it has had applied, and its conflicts (admin).
#[utoipa::path(get, path = "/api/v1/nodes", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = Vec<NodeView>), (status = 403, body = ErrorBody)))]
pub async fn nodes(State(s): State<AppState>, Auth(user): Auth) -> Result<Json<Vec<NodeView>>> {
    user.require_admin()?;
    Ok(Json(central::nodes(&s.db).await?))
}

/// A node's changes that were refused and kept, as it sent them (admin).
#[utoipa::path(get, path = "/api/v1/nodes/{name}/conflicts", tag = "sync", security(("bearer" = [])),
    params(("name" = String, Path, description = "Node name")),
    responses((status = 200, body = Vec<Conflict>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn conflicts(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<Vec<Conflict>>> {
    user.require_admin()?;
    let mut c = s.db.read().await?;
    let node = crate::db::sync::node_by_name(&mut c, &name)
        .await?
        .ok_or_else(|| Error::not_found(format!("a node {name}")))?;
    Ok(Json(crate::db::sync::conflicts(&mut c, node.id).await?))
}

/// What a node is given on its first start (node token).
#[utoipa::path(get, path = "/api/v1/sync/enrolment", tag = "sync", security(("bearer" = [])),
    responses((status = 200, body = Enrolment), (status = 401, body = ErrorBody)))]
pub async fn enrolment(
    State(s): State<AppState>,
    NodeAuth(node): NodeAuth,
) -> Result<Json<Enrolment>> {
    Ok(Json(central::enrolment(&s.db, &node).await?))
}

/// A node's changes, applied in order, each once (node token).
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", security(("bearer" = [])),
    request_body = Push,
    responses((status = 200, body = PushReply), (status = 401, body = ErrorBody)))]
pub async fn push(
    State(s): State<AppState>,
    NodeAuth(node): NodeAuth,
    ApiJson(push): ApiJson<Push>,
) -> Result<Json<PushReply>> {
    Ok(Json(
        central::apply_push(&s.db, &s.store, &node, &push).await?,
    ))
}

fn sha_of(sha: &str) -> Result<()> {
    if sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        Ok(())
    } else {
        Err(Error::bad_input(format!(
            "{sha:?} is not a SHA-256 in lower-case hex"
        )))
    }
}

/// A stored file of one of the node's ACs (node token).
#[utoipa::path(get, path = "/api/v1/sync/blobs/{sha256}", tag = "sync", security(("bearer" = [])),
    params(("sha256" = String, Path, description = "SHA-256 of the file")),
    responses((status = 200, description = "the stored bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_blob(
    State(s): State<AppState>,
    NodeAuth(node): NodeAuth,
    ApiPath(sha): ApiPath<String>,
) -> Result<Response> {
    sha_of(&sha)?;
    if !central::node_may_read_blob(&s.db, &node, &sha).await? {
        return Err(Error::not_found(format!(
            "a stored file {sha} of this node's ACs"
        )));
    }
    let bytes = s.store.read(&sha).await?;
    Ok(([(CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

/// Stores a file a node's next changes name, after checking its SHA-256
/// (node token).
#[utoipa::path(put, path = "/api/v1/sync/blobs/{sha256}", tag = "sync", security(("bearer" = [])),
    params(("sha256" = String, Path, description = "SHA-256 of the file")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 204, description = "stored"), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn put_blob(
    State(s): State<AppState>,
    NodeAuth(_node): NodeAuth,
    ApiPath(sha): ApiPath<String>,
    body: Body,
) -> Result<StatusCode> {
    sha_of(&sha)?;
    let limit = (s.config.max_upload_mb * 1_000_000) as usize;
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| Error::TooLarge {
            reason: format!(
                "a file larger than the upload limit of {} MB",
                s.config.max_upload_mb
            ),
        })?;
    crate::sync::store_bytes(&s.store, &sha, &bytes).await?;
    Ok(StatusCode::NO_CONTENT)
}
