//! Scrutiny: reads scanned election forms and checks them against the
//! counts that operators entered.
//!
//! Module map, one line each:
//! - [`error`]: the one error type, with stable machine codes.
//! - [`forms`]: form models (the data in `models/`), QR payloads, grid geometry.
//! - [`render`]: printing forms as PDFs and as pixels.
//! - [`pipeline`]: reading scans: pages → clean → locate → read (pure, synchronous).
//! - [`samples`]: realistic simulated scans with ground truth, for tests and benches.
//! - [`bench`]: the `scrutiny bench` measurements.

pub mod bench;
pub mod error;
pub mod forms;
pub mod pipeline;
pub mod render;
pub mod samples;

pub use error::{Error, Result};
