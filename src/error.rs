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
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
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
        }
    }

    /// The error as the JSON body every interface uses:
    /// `{"error": code, "message": sentence}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.code(), "message": self.to_string() })
    }
}
