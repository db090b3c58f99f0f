//! The one error type of Scrutiny.
//!
//! Every variant carries the data a caller needs to show the problem, and has
//! a stable machine code (`Error::code`) that becomes the JSON `error` field.
//! System errors keep their source; nothing is flattened to a string that
//! could have been kept.

use std::path::{Path, PathBuf};

/// Result with Scrutiny's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in Scrutiny.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid form model: {reason}")]
    Model { reason: String },
    #[error("unknown form {form:?}")]
    UnknownForm { form: String },
    #[error("invalid values for {form}: {reason}")]
    Values { form: String, reason: String },
    #[error("not a PDF, JPEG, PNG or TIFF file (the first bytes are {magic})")]
    UnsupportedType { magic: String },
    #[error("malformed PDF: {reason}")]
    MalformedPdf { reason: String },
    #[error("malformed image: {reason}")]
    MalformedImage { reason: String },
    #[error("refused: {reason}")]
    TooLarge { reason: String },
    #[error("OCR engine failed: {reason}")]
    Ocr { reason: String },
    #[error("a worker thread panicked: {reason}")]
    Panic { reason: String },
    /// The request itself is malformed (bad JSON, wrong number of counts,
    /// a negative figure, a bad CSV row).
    #[error("{reason}")]
    BadInput { reason: String },
    /// An election, AC, round, table or record that does not exist.
    #[error("{what} does not exist")]
    NotFound { what: String },
    /// No credentials, wrong credentials, or an expired session.
    #[error("{reason}")]
    Unauthorized { reason: String },
    /// Signed in, but the role or the AC binding does not allow this.
    #[error("{reason}")]
    Forbidden { reason: String },
    /// A counting-day rule refuses this now (round order, postal first,
    /// result declared...); `code` names the rule.
    #[error("{reason}")]
    Rule { code: &'static str, reason: String },
    /// The request body's type is not one this route takes.
    #[error("{reason}")]
    UnsupportedMedia { reason: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// A malformed request, said in a sentence.
    pub fn bad_input(reason: impl Into<String>) -> Error {
        Error::BadInput {
            reason: reason.into(),
        }
    }

    /// Something that does not exist, named for a person ("AC 99").
    pub fn not_found(what: impl Into<String>) -> Error {
        Error::NotFound { what: what.into() }
    }

    /// A role or AC binding refusal.
    pub fn forbidden(reason: impl Into<String>) -> Error {
        Error::Forbidden {
            reason: reason.into(),
        }
    }

    /// A counting-day rule refusal, with the rule's machine code.
    pub fn rule(code: &'static str, reason: impl Into<String>) -> Error {
        Error::Rule {
            code,
            reason: reason.into(),
        }
    }

    /// Stable machine code for this error (the JSON `error` field).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::Model { .. } => "invalid-model",
            Error::UnknownForm { .. } => "unknown-form",
            Error::Values { .. } => "invalid-values",
            Error::UnsupportedType { .. } => "unsupported-type",
            Error::MalformedPdf { .. } => "malformed-pdf",
            Error::MalformedImage { .. } => "malformed-image",
            Error::TooLarge { .. } => "too-large",
            Error::Ocr { .. } => "ocr",
            Error::Panic { .. } => "internal",
            Error::BadInput { .. } => "bad-input",
            Error::NotFound { .. } => "not-found",
            Error::Unauthorized { .. } => "unauthorized",
            Error::Forbidden { .. } => "forbidden",
            Error::Rule { code, .. } => code,
            Error::UnsupportedMedia { .. } => "unsupported-media-type",
            Error::Database(_) | Error::Migrate(_) => "database",
        }
    }

    /// The error as the JSON body every interface uses:
    /// `{"error": code, "message": sentence}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.code(), "message": self.to_string() })
    }
}
