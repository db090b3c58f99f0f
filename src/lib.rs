//! Scrutiny: reads scanned election forms and checks them against the
//! counts that operators entered.
//!
//! Module map, one line each:
//! - [`error`]: the one error type, with stable machine codes.
//! - [`forms`]: form models (the data in `models/`), QR payloads, grid geometry.
//! - [`render`]: printing forms as PDFs and as pixels.
//! - [`pipeline`]: reading scans: pages → clean → locate → read (pure, synchronous).
//! - [`progress`]: which document each AC owes, uploaded and verified (pure).
//! - [`samples`]: realistic simulated scans with ground truth, for tests and benches.
//! - [`archive`]: signed certificates, their hash-chained log, verify and export.
//! - [`bench`]: the `scrutiny bench` measurements.
//! - [`clock`]: timestamps and dates (stored UTC, shown in IST).
//! - [`config`]: the server's settings.
//! - [`accounts`]: roles, AC bindings, passwords and session tokens.
//! - [`counting`]: entered counts and the counting-day rules; `actions` applies them.
//! - [`checks`]: scans against entries: findings and ballot outcomes (pure).
//! - [`db`]: the database and every query.
//! - [`sandbox`]: the reader process that opens untrusted files under memory and time limits.
//! - [`documents`]: uploads, blob store, worker pool, rechecks, review, crops.
//! - [`demo`]: the demo election of `serve --demo`.
//! - [`http`]: the HTTP server: the JSON API and the pages for people.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod accounts;
pub mod archive;
pub mod bench;
pub mod checks;
pub mod clock;
pub mod config;
pub mod counting;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod forms;
pub mod http;
pub mod pipeline;
pub mod progress;
pub mod render;
pub mod samples;
pub mod sandbox;
pub mod sync;
pub mod tasks;
pub mod vocab;

pub use error::{Error, Result};

/// Bytes as lower-case hexadecimal (digests, tokens).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
