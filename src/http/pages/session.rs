//! Signing in and out of the pages: the form posts `username` and
//! `password`; a good pair sets the session cookie (the same kind of token
//! as the API's, HttpOnly, SameSite=Strict) and goes on to `next`.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::{Ctx, home_of};
use crate::http::AppState;
use crate::http::api::accounts::{client_address, sign_in, sign_out};
use crate::http::auth::SESSION_COOKIE;

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    pub next: Option<String>,
}

/// Only a path on this server may follow a sign-in: one `/`, then no
/// second `/` or `\`, and nothing a browser strips or bends (tabs, line
/// breaks, spaces or other control characters), since
/// `/<tab>/evil.example` becomes `//evil.example` once the tab is dropped.
/// Letters of other scripts stay (a district's name in Devanagari).
fn safe_next(next: Option<&str>) -> Option<&str> {
    let plain = |c: char| {
        (c.is_ascii_graphic() && c != '\\')
            || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
    };
    next.filter(|n| n.starts_with('/') && !n[1..].starts_with(['/', '\\']) && n.chars().all(plain))
}

fn login_page(
    ctx: &Ctx,
    status: StatusCode,
    failed: bool,
    username: &str,
    next: Option<&str>,
) -> Response {
    let t = ctx.t;
    ctx.render(
        status,
        "login",
        t.sign_in,
        html! {
            p { (t.sign_in_help) }
            @if failed { p.error role="alert" #login-error { (t.wrong_credentials) } }
            form.card.narrow method="post" action=(ctx.with_lang("/login")) {
                label for="username" { (t.username) }
                input #username name="username" autocomplete="username" required autofocus value=(username);
                label for="password" { (t.password) }
                input #password name="password" type="password" autocomplete="current-password" required;
                @if let Some(n) = safe_next(next) { input type="hidden" name="next" value=(n); }
                button.primary type="submit" { (t.sign_in) }
            }
        },
    )
}

/// `GET /login`.
pub async fn login_form(
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    login_page(&ctx, StatusCode::OK, false, "", q.next.as_deref())
}

/// Where to go after signing in.
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// `POST /login`: a session cookie and on to `next`, or the form again (401).
pub async fn login(
    ctx: Ctx,
    State(state): State<AppState>,
    extensions: axum::http::Extensions,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return login_page(&ctx, StatusCode::BAD_REQUEST, false, "", None);
    };
    let client = client_address(&extensions);
    match sign_in(&state, client, &f.username, f.password).await {
        Ok((token, user, _)) => {
            let to = safe_next(f.next.as_deref())
                .unwrap_or(home_of(&user))
                .to_string();
            let cookie = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
                state.config.session_hours * 3600
            );
            ([(SET_COOKIE, cookie)], Redirect::to(&ctx.with_lang(&to))).into_response()
        }
        Err(crate::error::Error::Unauthorized { .. }) => login_page(
            &ctx,
            StatusCode::UNAUTHORIZED,
            true,
            &f.username,
            f.next.as_deref(),
        ),
        Err(e) => ctx.error(e),
    }
}

/// `POST /logout`: ends the session and clears the cookie.
pub async fn logout(ctx: Ctx, State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(e) = sign_out(&state, &headers).await {
        return ctx.error(e);
    }
    (
        [(
            SET_COOKIE,
            format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to(&ctx.with_lang("/login")),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(safe_next(Some("/review?ac=71")), Some("/review?ac=71"));
        assert_eq!(safe_next(Some("//evil.example/")), None);
        assert_eq!(safe_next(Some("https://evil.example/")), None);
        assert_eq!(safe_next(Some("/\\evil")), None);
        for bent in [
            "/\t/evil.example/phish",
            "/\n/evil.example",
            "/ /evil",
            "/\u{a0}/evil",
            "/x\\y",
        ] {
            assert_eq!(safe_next(Some(bent)), None, "{bent:?}");
        }
        assert_eq!(safe_next(Some("/")), Some("/"));
        assert_eq!(
            safe_next(Some("/results/71?lang=hi")),
            Some("/results/71?lang=hi")
        );
        assert_eq!(
            safe_next(Some("/progress?district=रीवा")),
            Some("/progress?district=रीवा")
        );
    }
}
