//! `scrutiny bench`: the pipeline's speed on generated scans, on all cores.
//!
//! It writes the pages as one batch PDF in a temporary folder (not timed),
//! then reads it the way `extract` does and reports pages/s, ms a page (p50,
//! p95), the peak memory of the reading alone, and how many values were read
//! right, as one JSON object.

use std::time::Instant;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::forms::ModelSet;
use crate::pipeline::extract_files;
use crate::samples::{self, Score, Spec};

/// Peak resident memory of this process, in MB (Linux `VmHWM`).
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak so the next reading measures only what follows (Linux ≥ 4.0).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// Generates the pages `spec` describes as one batch PDF and times reading it.
pub fn run(spec: &Spec, workers: usize) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("scrutiny-bench-{}", std::process::id()));
    let spec = Spec {
        batch: true,
        ..spec.clone()
    };
    let truths = samples::generate(&dir, &spec)?;
    let models = ModelSet::builtin();
    let mut ms = Vec::with_capacity(truths.len());
    let mut score = Score::default();
    let mut failed = 0;
    reset_peak_memory();
    let start = Instant::now();
    extract_files(&[dir.join("batch.pdf")], &models, workers, |o| {
        if o.result.is_err() {
            failed += 1;
        }
        if let Some(t) = o.page.and_then(|p| truths.get(p - 1)) {
            score.add(&models, t, &o.to_json());
        }
        ms.push(o.ms);
    });
    let wall = start.elapsed().as_secs_f64();
    let peak = peak_memory_mb();
    let _ = std::fs::remove_dir_all(&dir);
    if ms.is_empty() {
        return Err(Error::Values {
            form: "bench".into(),
            reason: "no pages were read".into(),
        });
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let round1 = |v: f64| (v * 10.0).round() / 10.0;
    Ok(json!({
        "forms": if spec.forms.is_empty() { "mix".to_string() } else { spec.forms.join(",") },
        "grid": spec.grid.map(|(t, c)| format!("{t}x{c}")),
        "pages": ms.len(),
        "failed": failed,
        "workers": workers,
        "seconds": round1(wall * 100.0) / 100.0,
        "pages_per_second": round1(ms.len() as f64 / wall * 10.0) / 10.0,
        "ms_p50": round1(percentile(&ms, 0.5)),
        "ms_p95": round1(percentile(&ms, 0.95)),
        "peak_memory_mb": peak.map(f64::round),
        "values_right": round1(score.field_accuracy() * 1000.0) / 1000.0,
        "silent_errors": score.silent_errors,
    }))
}
