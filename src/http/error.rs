//! The HTTP face of [`crate::Error`]: one status code per variant, the JSON
//! body `{"error", "message"}` of `docs/api.md`, and extractors whose rejections
//! are that same body (axum's own rejections are plain text). Internal
//! details (database, I/O, panics) are logged, never sent.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::error::Error;

/// The error body every API call returns on failure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `round-order`, `forbidden`, `bad-input`.
    pub error: String,
    /// A sentence for a person.
    pub message: String,
    /// What must hold first, when a step waits for conditions (409
    /// `postal-not-ready`, `not-ready`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmet: Vec<crate::counting::ready::Check>,
}

/// The status code of an error.
pub fn status(e: &Error) -> StatusCode {
    match e {
        Error::BadInput { .. } => StatusCode::BAD_REQUEST,
        Error::Values { .. }
        | Error::Implausible { .. }
        | Error::MalformedPdf { .. }
        | Error::MalformedImage { .. }
        | Error::EncryptedPdf
        | Error::UnsupportedEncoding { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::NotFound { .. } | Error::UnknownForm { .. } => StatusCode::NOT_FOUND,
        Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
        Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Forbidden { .. } => StatusCode::FORBIDDEN,
        Error::Rule { .. } | Error::Unmet { .. } => StatusCode::CONFLICT,
        Error::UnsupportedMedia { .. } | Error::UnsupportedType { .. } => {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        }
        Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::Upstream { .. } => StatusCode::BAD_GATEWAY,
        Error::Io { .. }
        | Error::Model { .. }
        | Error::Ocr { .. }
        | Error::Panic { .. }
        | Error::Internal { .. }
        | Error::Corrupt { .. }
        | Error::Database(_)
        | Error::DatabaseUnreachable { .. }
        | Error::Blobs { .. }
        | Error::Migrate(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let code = status(&self);
        let message = if code.is_server_error() {
            tracing::error!(error = %self, "internal error");
            "the server failed to do this; the error is in its log".to_string()
        } else {
            self.to_string()
        };
        let retry_after = match &self {
            Error::TooManyRequests { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
        let code_word = self.code().to_string();
        let unmet = match self {
            Error::Unmet { unmet, .. } => unmet,
            _ => vec![],
        };
        let body = ErrorBody {
            error: code_word,
            message,
            unmet,
        };
        let mut res = (code, axum::Json(body)).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

/// `axum::Json` whose rejection is our error body: 400 for malformed JSON
/// or a wrong shape, 415 without a JSON content type, 413 when too large.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Error::UnsupportedMedia {
                reason: "send JSON with Content-Type: application/json".into(),
            }),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(Error::TooLarge {
                reason: "the request body is too large".into(),
            }),
            Err(e) => Err(Error::bad_input(e.body_text())),
        }
    }
}

/// `axum::extract::Path` whose rejection is our error body (400).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(Error::bad_input(e.body_text())),
        }
    }
}
