//! The one error type of Scrutiny.
//!
//! Every variant carries the data a caller needs to show the problem, and has
//! a stable machine code (`Error::code`) that becomes the JSON `error` field.
//! System errors keep their source; nothing is flattened to a string that
//! could have been kept.

use std::path::{Path, PathBuf};

crate::vocabulary! {
    /// The counting-day rules that can refuse a request (409), by the code
    /// the JSON `error` field carries.
    pub enum Rule {
        /// The AC number is taken.
        AcExists = "ac-exists",
        /// A user name is taken.
        UserExists = "user-exists",
        /// The finding was decided or no longer holds.
        FindingNotOpen = "finding-not-open",
        /// No decision settles this finding: it settles by itself.
        NoDecision = "no-decision",
        /// The decision is not one that fits the finding.
        DecisionDoesNotFit = "decision-does-not-fit",
        /// An election is loaded into a database that holds one.
        NotEmpty = "not-empty",
        /// From the second-last round on, rounds wait for the postal entry.
        PostalFirst = "postal-first",
        /// The polling station's EVM is already entered.
        PsCounted = "ps-counted",
        /// The result is declared: no count changes.
        ResultDeclared = "result-declared",
        /// The round has no table entered.
        RoundEmpty = "round-empty",
        /// Only an approved round may be published.
        RoundNotApproved = "round-not-approved",
        /// Only a draft round may be approved.
        RoundNotDraft = "round-not-draft",
        /// Rounds are published in order.
        RoundOrder = "round-order",
        /// The round is published already.
        RoundPublished = "round-published",
        /// Some round is not published yet.
        RoundsUnpublished = "rounds-unpublished",
        /// The leading candidates are tied.
        Tie = "tie",
        /// These bytes belong to another AC.
        UploadedElsewhere = "uploaded-elsewhere",
        /// Nobody has a vote yet.
        NoVotes = "no-votes",
        /// A counting-hall node keeps this AC: it changes there and syncs here.
        AcOwnedByNode = "ac-owned-by-node",
        /// Central handed this hall's AC to another place.
        AcHandedOver = "ac-handed-over",
        /// A node's name is taken.
        NodeExists = "node-exists",
        /// The postal entry cannot be validated yet (the error lists why).
        PostalNotReady = "postal-not-ready",
        /// The result cannot be declared yet (the error lists why).
        NotReady = "not-ready",
        /// The polling station was not drawn for VVPAT verification.
        NotDrawn = "not-drawn",
        /// The VVPAT draw cannot change: slips of a station are counted.
        SlipsCounted = "slips-counted",
        /// Forms 21C and 21E print only a declared result.
        NotDeclared = "not-declared",
    }
}

crate::vocabulary! {
    /// A figure of an entry that contradicts another figure of the same
    /// entry, or the election's definition: a typing error caught (422).
    pub enum EntryCheck {
        /// The total typed with a table's votes is not their sum.
        TotalDiffers = "total-differs",
        /// A polling station's votes exceed its electors.
        ExceedsElectors = "exceeds-electors",
    }
}

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
    /// A file of another type; `seems` says what it looks like, in words.
    #[error("not a PDF, JPEG, PNG or TIFF file: this is {seems}")]
    UnsupportedType { seems: String },
    #[error("malformed PDF: {reason}")]
    MalformedPdf { reason: String },
    /// A PDF that cannot be opened without its user password.
    #[error("the PDF is encrypted and needs a password to open: upload a copy without one")]
    EncryptedPdf,
    /// A valid page encoded in a way Scrutiny does not decode (named).
    #[error(
        "page images encoded with {encoding} cannot be read yet: scan again as JPEG, PNG or TIFF"
    )]
    UnsupportedEncoding { encoding: String },
    #[error("malformed image: {reason}")]
    MalformedImage { reason: String },
    #[error("refused: {reason}")]
    TooLarge { reason: String },
    #[error("OCR engine failed: {reason}")]
    Ocr { reason: String },
    #[error("a worker thread panicked: {reason}")]
    Panic { reason: String },
    /// Something that cannot happen unless the program is wrong or the
    /// system refuses a basic service (no randomness, a task lost).
    #[error("internal error: {reason}")]
    Internal { reason: String },
    /// A stored row that does not decode (an unknown word, a number out of
    /// range, JSON that is not what was written): never turned into a default.
    #[error("stored data is corrupt: {what}")]
    Corrupt { what: String },
    /// The request itself is malformed (bad JSON, wrong number of counts,
    /// a negative figure, a bad CSV row).
    #[error("{reason}")]
    BadInput { reason: String },
    /// An election, AC, round, table or record that does not exist.
    #[error("{what} does not exist")]
    NotFound { what: String },
    /// Too many requests of this kind for now: try again after
    /// `retry_after` seconds.
    #[error("{reason}")]
    TooManyRequests { reason: String, retry_after: u64 },
    /// No credentials, wrong credentials, or an expired session.
    #[error("{reason}")]
    Unauthorized { reason: String },
    /// Signed in, but the role or the AC binding does not allow this.
    #[error("{reason}")]
    Forbidden { reason: String },
    /// A counting-day rule refuses this now (round order, postal first,
    /// result declared...); `rule` names it.
    #[error("{reason}")]
    Rule { rule: Rule, reason: String },
    /// A step that waits for conditions that do not hold yet (`unmet`
    /// says which, each in a sentence).
    #[error("{reason}")]
    Unmet {
        rule: Rule,
        reason: String,
        unmet: Vec<crate::counting::ready::Check>,
    },
    /// The request body's type is not one this route takes.
    #[error("{reason}")]
    UnsupportedMedia { reason: String },
    /// An entry whose figures cannot all be right (`check` says which
    /// check caught it); nothing of it is stored.
    #[error("{reason}")]
    Implausible { check: EntryCheck, reason: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The blob store named by `--blobs` refused or failed (wrong
    /// credentials, missing bucket, unreachable endpoint).
    #[error("the blob store {at} failed: {reason}")]
    Blobs { at: String, reason: String },
    /// The database named by `--database` cannot be reached or refused us.
    #[error("cannot use the database at {at}: {source}")]
    DatabaseUnreachable {
        at: String,
        #[source]
        source: sqlx::Error,
    },
    /// The central service a hall node syncs with did not answer, or
    /// answered with an error.
    #[error("the central service at {at}: {reason}")]
    Upstream { at: String, reason: String },
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

    /// A counting-day rule refusal.
    pub fn rule(rule: Rule, reason: impl Into<String>) -> Error {
        Error::Rule {
            rule,
            reason: reason.into(),
        }
    }

    /// A bug or a failed system service, said in a sentence.
    pub fn internal(reason: impl Into<String>) -> Error {
        Error::Internal {
            reason: reason.into(),
        }
    }

    /// Stored data that does not decode, named for an engineer.
    pub fn corrupt(what: impl Into<String>) -> Error {
        Error::Corrupt { what: what.into() }
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
            Error::EncryptedPdf => "encrypted-pdf",
            Error::UnsupportedEncoding { .. } => "unsupported-encoding",
            Error::MalformedImage { .. } => "malformed-image",
            Error::TooLarge { .. } => "too-large",
            Error::Ocr { .. } => "ocr",
            Error::Panic { .. } | Error::Internal { .. } => "internal",
            Error::Corrupt { .. } => "corrupt-data",
            Error::BadInput { .. } => "bad-input",
            Error::NotFound { .. } => "not-found",
            Error::Unauthorized { .. } => "unauthorized",
            Error::TooManyRequests { .. } => "too-many-requests",
            Error::Forbidden { .. } => "forbidden",
            Error::Rule { rule, .. } | Error::Unmet { rule, .. } => rule.as_str(),
            Error::UnsupportedMedia { .. } => "unsupported-media-type",
            Error::Implausible { check, .. } => check.as_str(),
            Error::Database(_) | Error::Migrate(_) => "database",
            Error::DatabaseUnreachable { .. } => "database-unreachable",
            Error::Blobs { .. } => "blob-store",
            Error::Upstream { .. } => "upstream",
        }
    }

    /// The error as the JSON body every interface uses:
    /// `{"error": code, "message": sentence}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        if let Error::Unmet { unmet, .. } = self {
            body["unmet"] = serde_json::json!(unmet);
        }
        body
    }
}
