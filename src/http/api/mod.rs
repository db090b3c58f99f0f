//! The JSON API under `/api/v1`, one module per resource.

pub mod accounts;
pub mod archive;
pub mod counting;
pub mod documents;
pub mod progress;
pub mod sync;
