//! Signing in and out: `POST /api/v1/login`, `POST /api/v1/logout`,
//! `GET /api/v1/me`.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::{self, Role, User};
use crate::clock;
use crate::db;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::auth::{self, Auth};
use crate::http::error::{ApiJson, ErrorBody};
use crate::tasks::blocking;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub role: Role,
    /// The ACs the user is bound to (empty for admin and observer, who see all).
    pub acs: Vec<u32>,
    pub username: String,
    /// When the token stops working (RFC 3339).
    pub expires_at: String,
}

/// A hash to verify against when the user does not exist, so that a wrong
/// name takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| accounts::hash_password("decoy password").unwrap_or_default())
}

/// Signs in; the token expires after the configured hours.
#[utoipa::path(post, path = "/api/v1/login", tag = "accounts",
    request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    let (token, user, expires) = sign_in(&state, &req.username, req.password).await?;
    Ok(Json(LoginResponse {
        token,
        role: user.role,
        acs: user.acs,
        username: user.username,
        expires_at: clock::rfc3339(expires),
    }))
}

/// Checks a password and opens a session: the token, the user, and when
/// the token expires (Unix seconds). For the API and the sign-in page.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: String,
) -> Result<(String, User, i64)> {
    let found = db::user_by_name(&mut state.db.read().await?, username).await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), h),
        None => (None, decoy_hash().to_string()),
    };
    let ok = blocking(move || Ok(accounts::verify_password(&password, &hash))).await?;
    let user = user.filter(|_| ok).ok_or_else(|| Error::Unauthorized {
        reason: "wrong username or password".into(),
    })?;
    let (token, token_hash) = accounts::new_token()?;
    let expires = clock::now_unix() + (state.config.session_hours as i64) * 3600;
    let mut tx = state.db.write().await?;
    db::insert_session(
        &mut tx,
        &token_hash,
        user.id,
        expires,
        &clock::now_rfc3339(),
    )
    .await?;
    tx.commit().await?;
    Ok((token, user, expires))
}

/// Ends the session of `headers` (bearer or cookie), if any.
pub async fn sign_out(state: &AppState, headers: &axum::http::HeaderMap) -> Result<()> {
    if let Some(t) = auth::token(headers) {
        let mut tx = state.db.write().await?;
        db::delete_session(&mut tx, &accounts::token_hash(&t)).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/api/v1/logout", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    _auth: Auth,
    headers: axum::http::HeaderMap,
) -> Result<axum::http::StatusCode> {
    sign_out(&state, &headers).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub async fn me(Auth(user): Auth) -> Json<User> {
    Json(user)
}
