//! Signing in and out: `POST /api/v1/login`, `POST /api/v1/logout`,
//! `GET /api/v1/me`.

use std::net::{IpAddr, SocketAddr};
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
use crate::http::throttle;
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
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody),
        (status = 429, description = "too many failed sign-ins, or too many at once; see Retry-After", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    let client = client_address(&extensions);
    let (token, user, expires) = sign_in(&state, client, &req.username, req.password).await?;
    Ok(Json(LoginResponse {
        token,
        role: user.role,
        acs: user.acs,
        username: user.username,
        expires_at: clock::rfc3339(expires),
    }))
}

/// Counts a failed sign-in against the name and the address; a lock it
/// starts goes into the audit log.
async fn failed_sign_in(
    state: &AppState,
    username: &str,
    ac: Option<u32>,
    user_key: &str,
    address_key: Option<&str>,
) -> Result<()> {
    let now = clock::now_unix();
    let mut tx = state.db.write().await?;
    let mut locks = vec![];
    if let Some(l) = state
        .throttle
        .failed(&mut tx, user_key, throttle::FREE_USER_FAILURES, now)
        .await?
    {
        locks.push((user_key, ac, l));
    }
    if let Some(a) = address_key
        && let Some(l) = state
            .throttle
            .failed(&mut tx, a, throttle::FREE_ADDRESS_FAILURES, now)
            .await?
    {
        locks.push((a, None, l));
    }
    let at = clock::now_rfc3339();
    for (key, ac, l) in locks {
        tracing::warn!(
            key,
            seconds = l.seconds,
            failures = l.failures,
            "sign-in locked"
        );
        db::audit(
            &mut tx,
            &at,
            username,
            "sign-in.locked",
            ac,
            &format!(
                "{key} locked for {} s after {} failed sign-ins",
                l.seconds, l.failures
            ),
            None,
            None,
        )
        .await?;
    }
    tx.commit().await
}

/// The peer address of the connection, when the server was started with it.
pub fn client_address(extensions: &axum::http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Checks a password and opens a session: the token, the user, and when
/// the token expires (Unix seconds). For the API and the sign-in page.
/// Under the sign-in guard ([`throttle`]): a locked name or address, or no
/// turn to hash soon, is a 429; a failure that starts a lock is audited.
pub async fn sign_in(
    state: &AppState,
    client: Option<IpAddr>,
    username: &str,
    password: String,
) -> Result<(String, User, i64)> {
    let user_key = throttle::user_key(username);
    let address_key = client.map(throttle::address_key);
    let keys: Vec<&str> = std::iter::once(user_key.as_str())
        .chain(address_key.as_deref())
        .collect();
    state
        .throttle
        .check(&state.db, &keys, clock::now_unix())
        .await?;
    let found = db::user_by_name(&mut state.db.read().await?, username).await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), h),
        None => (None, decoy_hash().to_string()),
    };
    let ok = {
        let _turn = state.throttle.turn().await?;
        blocking(move || Ok(accounts::verify_password(&password, &hash))).await?
    };
    // A lock of an RO's or operator's name shows in the audit of their AC.
    let ac = user.as_ref().and_then(|u| match u.acs.as_slice() {
        [one] => Some(*one),
        _ => None,
    });
    let Some(user) = user.filter(|_| ok) else {
        failed_sign_in(state, username, ac, &user_key, address_key.as_deref()).await?;
        return Err(Error::Unauthorized {
            reason: "wrong username or password".into(),
        });
    };
    let (token, token_hash) = accounts::new_token()?;
    let expires = clock::now_unix() + (state.config.session_hours as i64) * 3600;
    let mut tx = state.db.write().await?;
    // A success clears the name's failures.
    db::clear_strikes(&mut tx, &user_key).await?;
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
