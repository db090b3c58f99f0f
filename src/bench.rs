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

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// Writes the batch in a child process, so this process's peak memory is
/// that of reading alone.
fn generate_in_child(dir: &std::path::Path, spec: &Spec) -> Result<()> {
    let exe = std::env::current_exe().map_err(|e| Error::io("current executable", e))?;
    let mut cmd = std::process::Command::new(&exe);
    cmd.arg("samples").arg("--out").arg(dir).arg("--batch");
    cmd.args([
        "--count",
        &spec.count.to_string(),
        "--seed",
        &spec.seed.to_string(),
    ]);
    if !spec.forms.is_empty() {
        cmd.args(["--form", &spec.forms.join(",")]);
    }
    if let Some((t, c)) = spec.grid {
        cmd.args(["--grid", &format!("{t}x{c}")]);
    }
    let status = cmd.status().map_err(|e| Error::io(&exe, e))?;
    if !status.success() {
        return Err(Error::Values {
            form: "bench".into(),
            reason: format!("generating samples failed: {status}"),
        });
    }
    Ok(())
}

/// Generates the pages `spec` describes as one batch PDF and times reading it.
pub fn run(spec: &Spec, workers: usize) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("scrutiny-bench-{}", std::process::id()));
    let spec = Spec {
        batch: true,
        ..spec.clone()
    };
    generate_in_child(&dir, &spec)?;
    let truth_path = dir.join("truth.json");
    let text = std::fs::read_to_string(&truth_path).map_err(|e| Error::io(&truth_path, e))?;
    let truths: Vec<samples::Truth> = serde_json::from_str(&text).map_err(|e| Error::Values {
        form: "truth.json".into(),
        reason: e.to_string(),
    })?;
    let models = ModelSet::builtin();
    let mut ms = Vec::with_capacity(truths.len());
    let mut score = Score::default();
    let mut failed = 0;
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
    let round = |v: f64, places: i32| {
        let f = 10f64.powi(places);
        (v * f).round() / f
    };
    Ok(json!({
        "forms": if spec.forms.is_empty() { "mix".to_string() } else { spec.forms.join(",") },
        "grid": spec.grid.map(|(t, c)| format!("{t}x{c}")),
        "pages": ms.len(),
        "failed": failed,
        "workers": workers,
        "seconds": round(wall, 2),
        "pages_per_second": round(ms.len() as f64 / wall, 2),
        "ms_p50": round(percentile(&ms, 0.5), 1),
        "ms_p95": round(percentile(&ms, 0.95), 1),
        "peak_memory_mb": peak.map(f64::round),
        "values_right": round(score.field_accuracy(), 4),
        "values": score.fields,
        "silent_errors": score.silent_errors,
    }))
}
