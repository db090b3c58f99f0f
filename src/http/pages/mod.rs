//! The HTML pages for people (`docs/api.md`, "Pages people bookmark"): rendered on
//! the server with maud from the same library calls as the JSON API, a
//! little plain JavaScript (`assets/app.js`) for the live parts, and the
//! CSS and JS embedded in the binary, so a counting hall needs no network.
//! Pages sign in with a cookie holding an ordinary session token; every
//! permission is still asked of [`User`]. Pages never touch SQL.

pub mod archive;
pub mod counting;
pub mod documents;
pub mod i18n;
pub mod postal;
pub mod progress;
pub mod results;
pub mod review;
pub mod session;
pub mod upload;
pub mod vvpat;

pub use crate::checks::field_parts;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::AppState;
use crate::accounts::{Role, User};
use crate::db;
use crate::error::Error;
use i18n::{Lang, Texts};

/// The cookie that remembers the language of a visitor who is not signed in.
pub const LANG_COOKIE: &str = "scrutiny_lang";

/// What a page handler returns: the page, or the page that says why not.
pub type PageResult = std::result::Result<Response, Refusal>;

/// A page that says why not (or sends to the sign-in page), boxed since a
/// response is large and it travels through `?`.
pub struct Refusal(Box<Response>);

impl From<Response> for Refusal {
    fn from(r: Response) -> Refusal {
        Refusal(Box::new(r))
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/upload", get(upload::page))
        .route("/documents/{id}", get(documents::page))
        .route("/counting", get(counting::index))
        .route("/counting/{ac}", get(counting::page))
        .route("/review", get(review::page))
        .route("/review/grid", get(review::grid).post(review::decide_grid))
        .route("/review/{id}", post(review::decide))
        .route("/review/{id}/undo", post(review::undo))
        .route("/postal", get(postal::index))
        .route("/postal/{ac}", get(postal::page))
        .route("/postal/{ac}/tally", post(postal::save_tally))
        .route("/postal/{ac}/validate", post(postal::validate))
        .route("/vvpat/{ac}", get(vvpat::page))
        .route("/vvpat/{ac}/draw", post(vvpat::draw))
        .route("/vvpat/{ac}/{ps}", post(vvpat::slips))
        .route("/counting/{ac}/declare", post(counting::declare))
        .route("/counting/{ac}/reverify/{ballot}", post(counting::reverify))
        .route("/results/{ac}/form20", get(results::form20))
        .route("/progress", get(progress::page))
        .route("/progress/{ac}", get(progress::ac_page))
        .route("/results", get(results::index))
        .route("/results/{ac}", get(results::page))
        .route("/archive", get(archive::page))
        .route("/archive/{id}", get(archive::record))
        .route("/assets/app.css", get(css))
        .route("/assets/app.js", get(js))
}

async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../../../assets/app.css"),
    )
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../../../assets/app.js"),
    )
}

fn asset(media: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, media),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// `/`: the signed-in user's page of work, or the public results.
async fn home(ctx: Ctx) -> Response {
    Redirect::to(&ctx.with_lang(ctx.user.as_ref().map_or("/results", |u| home_of(u))))
        .into_response()
}

/// Where a user starts: RO and operator at their work, others at the board.
pub fn home_of(user: &User) -> &'static str {
    match user.role {
        Role::Ro => "/upload",
        Role::Operator => "/review",
        Role::Admin | Role::Observer => "/progress",
    }
}

/// Who is asking, in which language, for which page.
pub struct Ctx {
    pub lang: Lang,
    pub t: &'static Texts,
    pub user: Option<User>,
    /// The path and query of the request (for `?next=` and the language links).
    pub uri: String,
    /// `?lang=` chose the language: remember it in a cookie.
    chose_lang: bool,
    /// On a hall whose link to central is down: since when, and how many
    /// changes wait.
    offline: Option<(String, i64)>,
    /// The session's form token, put in every form and given to the script.
    pub csrf: Option<String>,
}

/// A query parameter of a URI's query string (plain, not percent-decoded).
fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // A page is shown to anyone; a session that cannot be read is none.
        let user = super::auth::session(state, &parts.headers)
            .await
            .ok()
            .flatten();
        let chosen = query_param(parts.uri.query(), "lang").and_then(Lang::parse);
        let lang = match (chosen, &user) {
            (Some(l), Some(u)) => {
                if let Ok(mut tx) = state.db.write().await
                    && db::set_user_lang(&mut tx, u.id, l.code()).await.is_ok()
                {
                    let _ = tx.commit().await;
                }
                Some(l)
            }
            (Some(l), None) => Some(l),
            (None, Some(u)) => match state.db.read().await {
                Ok(mut c) => db::user_lang(&mut c, u.id)
                    .await
                    .ok()
                    .flatten()
                    .as_deref()
                    .and_then(Lang::parse),
                Err(_) => None,
            },
            (None, None) => None,
        };
        let lang = lang
            .or_else(|| super::auth::cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse))
            .or_else(|| {
                parts
                    .headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| v.trim_start().starts_with("hi"))
                    .map(|_| Lang::Hi)
            })
            .unwrap_or(Lang::En);
        let offline = match &state.hall {
            Some(h) => h.offline(&state.db).await.ok().flatten().map(|(since, n)| {
                (
                    since.as_deref().map_or_else(String::new, crate::clock::ist),
                    n,
                )
            }),
            None => None,
        };
        let csrf = user.as_ref().and_then(|_| {
            super::auth::cookie(&parts.headers, super::auth::SESSION_COOKIE)
                .map(crate::accounts::form_token)
        });
        Ok(Ctx {
            offline,
            csrf,
            lang,
            t: lang.texts(),
            user,
            uri: parts
                .uri
                .path_and_query()
                .map_or("/".into(), |p| p.as_str().to_string()),
            chose_lang: chosen.is_some(),
        })
    }
}

impl Ctx {
    /// The hidden form-token field every form that posts carries.
    pub fn csrf_field(&self) -> Markup {
        html! { @if let Some(token) = &self.csrf { input type="hidden" name="csrf" value=(token); } }
    }

    /// The signed-in user, or a redirect to the sign-in page and back.
    pub fn user(&self) -> Result<&User, Refusal> {
        self.user.as_ref().ok_or_else(|| self.to_sign_in().into())
    }

    /// To the sign-in page, coming back to this page after.
    fn to_sign_in(&self) -> Response {
        let next: String = self
            .uri
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        Redirect::to(&format!("/login?next={next}")).into_response()
    }

    /// `path` in the language of this page (only when `?lang=` chose it,
    /// since otherwise the cookie or the account carries it).
    pub fn with_lang(&self, path: &str) -> String {
        if self.chose_lang {
            // The fragment, if any, stays last.
            let (path, fragment) = path.split_once('#').map_or((path, ""), |(p, f)| (p, f));
            let sep = if path.contains('?') { '&' } else { '?' };
            let hash = if fragment.is_empty() { "" } else { "#" };
            format!("{path}{sep}lang={}{hash}{fragment}", self.lang.code())
        } else {
            path.to_string()
        }
    }

    /// This page's URI with `lang` set to `to`.
    fn lang_link(&self, to: Lang) -> String {
        let (path, query) = self.uri.split_once('?').unwrap_or((&self.uri, ""));
        let mut parts: Vec<&str> = query
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect();
        let lang = format!("lang={}", to.code());
        parts.push(&lang);
        format!("{path}?{}", parts.join("&"))
    }

    /// A whole page: header (who, where, language), `main`, the labels for
    /// the script. `page` names the page for the script and the tests.
    pub fn render(&self, status: StatusCode, page: &str, title: &str, main: Markup) -> Response {
        let t = self.t;
        let texts = serde_json::to_string(t)
            .unwrap_or_else(|_| "{}".into())
            .replace("</", "<\\/");
        let nav = self.nav();
        let here = self.uri.split('?').next().unwrap_or("/");
        let markup = html! {
            (DOCTYPE)
            html lang=(self.lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · " (t.app_name) }
                    @if let Some(token) = &self.csrf { meta name="csrf-token" content=(token); }
                    link rel="stylesheet" href=(concat!("/assets/app.css?v=", env!("CARGO_PKG_VERSION")));
                    script src=(concat!("/assets/app.js?v=", env!("CARGO_PKG_VERSION"))) defer {}
                }
                body data-page=(page) {
                    a.skip href="#main" { (t.skip) }
                    header.top {
                        a.brand href=(self.with_lang("/")) { (t.app_name) }
                        nav aria-label=(t.app_name) {
                            ul {
                                @for (href, label) in &nav {
                                    @let current = here == *href || (here.starts_with(href) && *href != "/" && here[href.len()..].starts_with('/'));
                                    li { a href=(self.with_lang(href)) aria-current=[current.then_some("page")] { (label) } }
                                }
                            }
                        }
                        div.who {
                            @if let Some(u) = &self.user {
                                span #who {
                                    (t.signed_in_as) ": " strong { (u.username) } " · " (t.role(u.role)) " · "
                                    @if u.acs.is_empty() { (t.all_acs) } @else {
                                        (t.ac) " " (u.acs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "))
                                    }
                                }
                                form method="post" action="/logout" { (self.csrf_field()) button.link type="submit" { (t.sign_out) } }
                            } @else {
                                a href=(self.with_lang(&if here == "/login" { here.to_string() } else { format!("/login?next={here}") })) { (t.sign_in) }
                            }
                            span.lang role="group" aria-label=(t.language) {
                                a href=(self.lang_link(Lang::En)) lang="en" hreflang="en" aria-current=[(self.lang == Lang::En).then_some("true")] { "English" }
                                a href=(self.lang_link(Lang::Hi)) lang="hi" hreflang="hi" aria-current=[(self.lang == Lang::Hi).then_some("true")] { "हिन्दी" }
                            }
                        }
                    }
                    @if let Some((at, n)) = &self.offline {
                        p.offline role="status" {
                            (t.offline_banner.replace("{at}", at).replace("{n}", &n.to_string()))
                        }
                    }
                    main #main tabindex="-1" {
                        h1 { (title) }
                        (main)
                    }
                    script #texts type="application/json" { (PreEscaped(texts)) }
                }
            }
        };
        let mut res = (status, markup).into_response();
        let h = res.headers_mut();
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.chose_lang
            && let Ok(v) = HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                self.lang.code()
            ))
        {
            h.append(SET_COOKIE, v);
        }
        res
    }

    /// The navigation a user gets: what their role can use.
    fn nav(&self) -> Vec<(&'static str, &'static str)> {
        let t = self.t;
        let mut nav = vec![];
        if let Some(u) = &self.user {
            if u.role != Role::Observer {
                nav.push(("/upload", t.nav_upload));
            }
            nav.push(("/counting", t.nav_counting));
            nav.push(("/postal", t.nav_postal));
            nav.push(("/review", t.nav_review));
            nav.push(("/progress", t.nav_progress));
        }
        nav.push(("/results", t.nav_results));
        if self.user.is_some() {
            nav.push(("/archive", t.nav_archive));
        }
        nav
    }

    /// What the rule that refused means, in the page's language, where a
    /// rule refused.
    fn rule_meaning(&self, e: &Error) -> Option<&'static str> {
        match e {
            Error::Rule { rule, .. } | Error::Unmet { rule, .. } => Some(self.t.rule(*rule)),
            Error::Implausible { check, .. } => Some(self.t.entry_check(*check)),
            _ => None,
        }
    }

    /// The page that says why something cannot be done, with the status of
    /// the error; a lost session goes to the sign-in page instead. A step
    /// that waits for conditions lists them in the page's language.
    pub fn error(&self, e: Error) -> Response {
        if matches!(e, Error::Unauthorized { .. }) {
            return self.to_sign_in();
        }
        let status = super::error::status(&e);
        let message = if status.is_server_error() {
            tracing::error!(error = %e, "page failed");
            "the server failed to do this; the error is in its log".to_string()
        } else {
            e.to_string()
        };
        self.render(
            status,
            "error",
            self.t.error_title,
            html! {
                @if let Error::Unmet { unmet, .. } = &e {
                    p.error role="alert" data-code=(e.code()) lang=(self.lang.code()) { (self.rule_meaning(&e).unwrap_or_default()) }
                    (checks_list(self, "unmet", unmet))
                } @else if let Some(meaning) = self.rule_meaning(&e) {
                    p.error role="alert" data-code=(e.code()) lang=(self.lang.code()) { (meaning) }
                    p.detail lang="en" { (message) }
                } @else {
                    p.error role="alert" data-code=(e.code()) { (message) }
                }
                p { a href=(self.with_lang("/")) { (self.t.back) } }
            },
        )
    }
}

/// The conditions of a step of the end of the count (the postal
/// validation, the declaration), each marked as holding or missing, with
/// the library's sentence saying why in the page's language.
pub fn checks_list(ctx: &Ctx, id: &str, checks: &[crate::counting::ready::Check]) -> Markup {
    let t = ctx.t;
    html! {
        ul.checks id=(id) {
            @for c in checks {
                li.(if c.holds { "holds" } else { "unmet" }) data-condition=(c.condition.as_str()) {
                    span.mark title=(if c.holds { t.holds } else { t.missing }) { (if c.holds { "✓" } else { "✗" }) } " "
                    strong { (t.condition(c.condition)) } " — "
                    span.help { (if ctx.lang == Lang::Hi { &c.message_hi } else { &c.message }) }
                }
            }
        }
    }
}

/// A number from a page's path (`/counting/{ac}`, `/archive/{id}`), or the
/// page that says it is not one.
pub fn number<T: std::str::FromStr>(ctx: &Ctx, what: &str, raw: &str) -> Result<T, Refusal> {
    raw.parse().map_err(|_| {
        ctx.error(Error::bad_input(format!("{raw:?} is not {what}")))
            .into()
    })
}

/// A figure as typed, with Devanagari digits (a Hindi keyboard's ०-९) made
/// western.
pub fn western_digits(typed: &str) -> String {
    typed
        .chars()
        .map(|c| match c {
            '\u{966}'..='\u{96F}' => char::from(b'0' + (c as u32 - 0x966) as u8),
            c => c,
        })
        .collect()
}

/// `result.or_page(&ctx)?`: a library error becomes the error page.
pub trait OrPage<T> {
    fn or_page(self, ctx: &Ctx) -> Result<T, Refusal>;
}

impl<T> OrPage<T> for crate::error::Result<T> {
    fn or_page(self, ctx: &Ctx) -> Result<T, Refusal> {
        self.map_err(|e| ctx.error(e).into())
    }
}

/// The ACs a user may see and the one a page shows: `asked` if given (and
/// visible), else the user's first.
pub async fn pick_ac(
    state: &AppState,
    user: &User,
    asked: Option<u32>,
) -> crate::error::Result<(Vec<crate::counting::AcListing>, u32)> {
    let acs = crate::counting::actions::ac_list(&state.db, user).await?;
    let ac = match asked {
        Some(a) => {
            user.require_read(a)?;
            a
        }
        None => acs
            .first()
            .map(|a| a.ac_no)
            .ok_or_else(|| Error::not_found("a constituency this account may see"))?,
    };
    Ok((acs, ac))
}

/// A page's list of ACs to choose from (`base/{ac}` each); with one AC,
/// straight to it.
pub async fn ac_index(ctx: &Ctx, state: &AppState, base: &str, title: &str) -> PageResult {
    let user = ctx.user()?;
    let acs = crate::counting::actions::ac_list(&state.db, user)
        .await
        .or_page(ctx)?;
    if let [only] = acs.as_slice() {
        return Ok(Redirect::to(&ctx.with_lang(&format!("{base}/{}", only.ac_no))).into_response());
    }
    let t = ctx.t;
    Ok(ctx.render(
        StatusCode::OK,
        &format!("{}-index", base.trim_start_matches('/')),
        title,
        html! {
            ul.links {
                @for a in &acs {
                    li { a href=(ctx.with_lang(&format!("{base}/{}", a.ac_no))) { (t.ac) " " (a.ac_no) " — " (a.name) } " (" (a.district) ")" }
                }
            }
        },
    ))
}

/// A small form that switches the page to another AC (GET `path?ac=`).
pub fn ac_picker(
    ctx: &Ctx,
    path: &str,
    acs: &[crate::counting::AcListing],
    current: u32,
) -> Markup {
    let t = ctx.t;
    html! {
        @if acs.len() > 1 {
            form.picker method="get" action=(path) {
                label for="ac-pick" { (t.constituency) }
                select #ac-pick name="ac" {
                    @for a in acs {
                        option value=(a.ac_no) selected[a.ac_no == current] { (a.ac_no) " " (a.name) }
                    }
                }
                @if ctx.chose_lang { input type="hidden" name="lang" value=(ctx.lang.code()); }
                button type="submit" { (t.show) }
            }
        }
    }
}

/// A bar of `part` out of `whole`, labelled, for the dashboard and results.
pub fn bar(label: &str, part: u64, whole: u64, class: &str) -> Markup {
    let pct = if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 100.0).min(100.0)
    };
    html! {
        div.bar.(class) role="img" aria-label=(format!("{label}: {part} / {whole}")) title=(format!("{label}: {part} / {whole}")) {
            span style=(format!("width:{pct:.1}%")) {}
        }
    }
}

/// A count in Indian digit grouping, as people read it on counting day:
/// 1,23,456 (the last three digits, then pairs).
pub fn indian(n: u64) -> String {
    let digits = n.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    let (head, last3) = digits.split_at(digits.len() - 3);
    let mut groups = vec![];
    let mut rest = head;
    while rest.len() > 2 {
        let (h, pair) = rest.split_at(rest.len() - 2);
        groups.push(pair);
        rest = h;
    }
    groups.push(rest);
    groups.reverse();
    format!("{},{last3}", groups.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_the_indian_way() {
        for (n, shown) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (23456, "23,456"),
            (123456, "1,23,456"),
            (1234567, "12,34,567"),
            (123456789, "12,34,56,789"),
        ] {
            assert_eq!(indian(n), shown);
        }
    }

    #[test]
    fn query_param_finds_plain_values() {
        assert_eq!(query_param(Some("a=1&lang=hi"), "lang"), Some("hi"));
        assert_eq!(query_param(Some("language=hi"), "lang"), None);
        assert_eq!(query_param(None, "lang"), None);
    }
}
