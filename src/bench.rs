//! `scrutiny bench`: the pipeline's speed on generated scans, on all cores.
//!
//! It writes generated pages to a temporary folder (not timed), then reads
//! them the way `extract` does and reports pages/s, ms a page (p50, p95) and
//! the process's peak memory. Figures go to stdout as text and, with
//! `--json`, as one JSON object.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::forms::ModelSet;
use crate::pipeline::extract_files;
use crate::samples;

/// Peak resident memory of this process so far, in MB (Linux `VmHWM`).
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// Generates `pages` scans of `form` (or the usual mix) and times reading them.
pub fn run(pages: usize, form: Option<&str>, workers: usize, seed: u64) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("scrutiny-bench-{}", std::process::id()));
    let truths = samples::generate(&dir, pages, seed, form)?;
    let files: Vec<PathBuf> = truths.iter().map(|t| dir.join(&t.file)).collect();
    let models = ModelSet::builtin();
    let mut ms = Vec::with_capacity(pages);
    let mut failed = 0;
    let start = Instant::now();
    extract_files(&files, &models, workers, |o| {
        if o.result.is_err() {
            failed += 1;
        }
        ms.push(o.ms);
    });
    let wall = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    if ms.is_empty() {
        return Err(Error::Values { form: "bench".into(), reason: "no pages were read".into() });
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    Ok(json!({
        "form": form.unwrap_or("mix"),
        "pages": ms.len(),
        "failed": failed,
        "workers": workers,
        "seconds": (wall * 1000.0).round() / 1000.0,
        "pages_per_second": ((ms.len() as f64 / wall) * 100.0).round() / 100.0,
        "ms_p50": (percentile(&ms, 0.5) * 10.0).round() / 10.0,
        "ms_p95": (percentile(&ms, 0.95) * 10.0).round() / 10.0,
        "peak_memory_mb": peak_memory_mb().map(|m| m.round()),
    }))
}
