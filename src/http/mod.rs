//! The HTTP server: the JSON API under `/api/v1` (documented at
//! `/api/v1/openapi.json`, generated from the handlers), the pages for
//! people (`pages/`), shared state, and `serve`. Handlers are thin: parse, call the library, return.

pub mod api;
pub mod auth;
pub mod error;
pub mod pages;
pub mod throttle;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::config::ServeConfig;
use crate::db::Db;
use crate::documents::store::BlobStore;
use crate::documents::workers::Workers;
use crate::error::{Error, Result};
use crate::forms::ModelSet;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub models: Arc<ModelSet>,
    pub config: Arc<ServeConfig>,
    pub store: BlobStore,
    pub workers: Workers,
    /// The sign-in guard of this process.
    pub throttle: Arc<throttle::Throttle>,
    /// On a counting-hall node: who it is and how its link to central fares.
    pub hall: Option<Arc<crate::sync::hall::Hall>>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Scrutiny", description = "Counting-day document desk: entered counts, scans, checks, review, archive. Errors are {\"error\": code, \"message\": sentence}."),
    modifiers(&BearerAuth),
    tags((name = "accounts", description = "Signing in"), (name = "counting", description = "The election and its entered counts"),
        (name = "documents", description = "Uploads, checks, findings and review"),
        (name = "progress", description = "Which RO still owes which document"),
        (name = "archive", description = "Signed certificates, searchable and provably unaltered"),
        (name = "sync", description = "Counting-hall nodes and their sync with the central service"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and their OpenAPI description, built from the same code.
/// Uploads may be `upload_limit` bytes; every other body at most 16 MB.
pub fn api(upload_limit: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let uploads = api::documents::upload_router()
        .merge(api::sync::blob_router())
        // Room for the multipart headers around the file, and for reading
        // the rest of a refused upload so that its sender sees the answer.
        .layer(DefaultBodyLimit::max(3 * upload_limit + 64 * 1024));
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::accounts::router())
        .merge(api::counting::router())
        .merge(api::documents::router())
        .merge(api::progress::router())
        .merge(api::archive::router())
        .merge(api::sync::router())
        .layer(DefaultBodyLimit::max(api::counting::MAX_REGISTER_BYTES))
        .merge(uploads)
        .split_for_parts();
    (router, document_errors(doc))
}

/// Adds to every operation the error answers the server gives for it
/// whatever the handler: 400 for a malformed parameter or body, 401 and 403
/// where a session is needed, 413 and 415 where a body is sent, each with
/// the error body.
fn document_errors(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let answer = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            let mut add = |code: &str, what: &str| {
                op.responses
                    .responses
                    .entry(code.to_string())
                    .or_insert_with(|| answer(what).into());
            };
            if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) || op.request_body.is_some() {
                add("400", "a malformed parameter or body");
            }
            if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                add("401", "no session, or an unknown or expired one");
                add("403", "the role or the AC binding does not allow this");
            }
            if op.request_body.is_some() {
                add("413", "the body is too large");
                add("415", "the body is not of the type this operation takes");
            }
        }
    }
    doc
}

/// 404: the JSON body under `/api/`, a page for people elsewhere.
async fn no_route(ctx: pages::Ctx, method: Method, uri: Uri) -> axum::response::Response {
    let e = Error::not_found(format!("a route {method} {}", uri.path()));
    if uri.path().starts_with("/api/") {
        e.into_response()
    } else {
        ctx.error(e)
    }
}

async fn wrong_method(method: Method, uri: Uri) -> impl IntoResponse {
    let body = error::ErrorBody {
        error: "method-not-allowed".into(),
        message: format!("{} does not take {method}", uri.path()),
        unmet: vec![],
    };
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, axum::Json(body))
}

/// The whole application with its state.
pub fn app(state: AppState) -> Router {
    let (api, doc) = api((state.config.max_upload_mb * 1_000_000) as usize);
    let doc = Arc::new(doc.to_json().unwrap_or_else(|_| "{}".into()));
    api.route(
        "/api/v1/openapi.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    doc.as_str().to_owned(),
                )
            }
        }),
    )
    .merge(pages::router())
    .fallback(no_route)
    .method_not_allowed_fallback(wrong_method)
    .layer(axum::middleware::map_response(security_headers))
    .layer(axum::middleware::from_fn(same_origin_writes))
    .with_state(state)
}

/// Cross-site request forgery: a browser sends a page's session cookie with
/// any request, also one another site makes it send. So a write (anything
/// but GET, HEAD, OPTIONS) that does not carry its own `Authorization`
/// header must come from a page of this server: its `Origin` names this
/// host and port, and `Sec-Fetch-Site`, when sent, says `same-origin`.
/// Bearer calls (other tools) are not a browser's and pass as they are.
async fn same_origin_writes(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{Method, header};
    use axum::response::IntoResponse;
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let h = req.headers();
    if safe || h.contains_key(header::AUTHORIZATION) {
        return next.run(req).await;
    }
    // Behind a load balancer that rewrites Host, the one the browser used.
    let host = h
        .get("x-forwarded-host")
        .or_else(|| h.get(header::HOST))
        .and_then(|v| v.to_str().ok());
    let origin = h.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let fetch_site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin_here = origin.is_none_or(|o| {
        let authority = o.split_once("://").map(|(_, a)| a);
        authority.is_some() && authority == host
    });
    let site_here = fetch_site.is_none_or(|s| s == "same-origin" || s == "none");
    if !(origin_here && site_here) {
        return crate::error::Error::forbidden(format!(
            "a write from another site is refused (Origin {}, Sec-Fetch-Site {}): send it from this server's pages, or with Authorization: Bearer",
            origin.unwrap_or("not sent"),
            fetch_site.unwrap_or("not sent")
        ))
        .into_response();
    }
    // Signing in has no session yet; every other write with the session
    // cookie carries the session's form token.
    let Some(session) = auth::cookie(h, auth::SESSION_COOKIE).map(str::to_string) else {
        return next.run(req).await;
    };
    if req.uri().path() == "/login" {
        return next.run(req).await;
    }
    let expected = crate::accounts::form_token(&session);
    let sent = h
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let form = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let (req, sent) = match sent {
        Some(t) => (req, Some(t)),
        None if form => {
            // A page's form: the token is its hidden `csrf` field. Forms are
            // small; the body is read here and handed on unchanged.
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
                return crate::error::Error::TooLarge {
                    reason: format!("a form larger than {} KB", FORM_LIMIT / 1024),
                }
                .into_response();
            };
            let field = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|f| f.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
            (
                axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes)),
                field,
            )
        }
        None => (req, None),
    };
    if sent.as_deref() == Some(expected.as_str()) {
        return next.run(req).await;
    }
    crate::error::Error::forbidden(
        "this write lacks the page's form token: reload the page and try again (programs send Authorization: Bearer)",
    )
    .into_response()
}

/// The largest form a page posts (a review decision with its note).
const FORM_LIMIT: usize = 64 * 1024;

/// The page policy: scripts, styles, fonts and images from this server only
/// (inline style attributes draw the progress bars), no plugins, no
/// framing, forms posting only here.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers on every answer: types are never guessed, nothing is framed,
/// no address leaks to other sites; HTML pages get the policy above (not
/// the scans, which a browser's own PDF viewer shows).
async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    use axum::http::header::{self, HeaderValue};
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if is_html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    res
}

/// Opens the database and the blob store (and loads the demo when asked)
/// and starts the workers, which take up any page left unfinished; ready
/// to serve.
pub async fn state(config: ServeConfig) -> Result<AppState> {
    let db = config.storage.open_db().await?;
    let store = config.storage.open_blobs().await?;
    let hall = match (&config.upstream, &config.node_token) {
        (Some(url), token) => {
            if db.engine() != crate::db::Engine::Sqlite {
                return Err(Error::bad_input(
                    "a counting-hall node keeps its data in SQLite: leave out --database with --upstream",
                ));
            }
            let up = crate::sync::hall::Upstream::new(url, token.as_deref().unwrap_or_default())?;
            Some(crate::sync::hall::start(&db, &store, up).await?)
        }
        (None, _) if crate::sync::hall::is_hall(&db).await? => {
            return Err(Error::bad_input(
                "this data folder is a counting-hall node's: start it with --upstream URL and --node-token TOKEN",
            ));
        }
        (None, _) => None,
    };
    // One process on SQLite owns the folder: nothing is mid-upload, unless
    // hall nodes push files ahead of the rows that will name them.
    if db.engine() == crate::db::Engine::Sqlite
        && !crate::db::sync::any_node(&mut db.read().await?).await?
    {
        let named = crate::db::document_shas(&mut db.read().await?).await?;
        let removed = store.sweep(&named, i64::MAX).await?;
        if removed > 0 {
            tracing::warn!(removed, "removed stored files that no document names");
        }
    }
    if config.demo && crate::demo::load(&db).await? && !config.no_demo_scans {
        crate::demo::load_scans(&db, &store).await?;
    }
    let n = config.workers.unwrap_or_else(crate::config::cores);
    let workers = Workers::start(db.clone(), store.clone(), n).await?;
    Ok(AppState {
        db,
        models: Arc::new(ModelSet::builtin()),
        config: Arc::new(config),
        store,
        workers,
        throttle: Arc::new(throttle::Throttle::new(crate::config::cores())),
        hall,
    })
}

/// Serves `state` on `listener` until Ctrl-C or SIGTERM, then closes the
/// database cleanly.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> Result<()> {
    let db = state.db.clone();
    let workers = state.workers.clone();
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| Error::io("the listening socket", e))?;
    workers.stop();
    db.close().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}
