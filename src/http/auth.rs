//! Who is calling: the `Authorization: Bearer <token>` header (or the
//! pages' session cookie) resolved to a signed-in [`User`]. Missing, wrong
//! or expired → 401. What the user may do is asked of `User` itself.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;

use super::AppState;
use crate::accounts::{self, User};
use crate::clock;
use crate::db;
use crate::error::Error;

/// The cookie the HTML pages use for the same session token.
pub const SESSION_COOKIE: &str = "scrutiny_session";

/// A signed-in user, as a handler argument.
pub struct Auth(pub User);

/// The session token of a request, from the bearer header or the cookie.
pub fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return v
            .strip_prefix("Bearer ")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
    }
    cookie(headers, SESSION_COOKIE).map(str::to_string)
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The signed-in user of a request (bearer header or cookie), if any: None
/// without a token or with an unknown or expired one.
pub async fn session(state: &AppState, headers: &HeaderMap) -> Result<Option<User>, Error> {
    let Some(token) = token(headers) else {
        return Ok(None);
    };
    let mut c = state.db.read().await?;
    db::session_user(&mut c, &accounts::token_hash(&token), clock::now_unix()).await
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        if token(&parts.headers).is_none() {
            return Err(Error::Unauthorized {
                reason: "sign in first: send Authorization: Bearer <token> from POST /api/v1/login"
                    .into(),
            });
        }
        session(state, &parts.headers)
            .await?
            .map(Auth)
            .ok_or_else(|| Error::Unauthorized {
                reason: "the session is unknown or has expired; sign in again".into(),
            })
    }
}
