//! Running CPU work (decoding, rendering, hashing passwords) off the async
//! runtime, on tokio's blocking pool, keeping the caller's tracing span so
//! that the work's log lines stay with the request that asked for it. A
//! panic there becomes an error, not a crash.

use crate::error::{Error, Result};

/// Runs `f` on the blocking pool inside the current tracing span.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|e| Error::Panic {
            reason: e.to_string(),
        })?
}
