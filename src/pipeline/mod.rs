//! The reading pipeline: upload bytes → pages → clean → locate → read.
//!
//! Every stage is a plain synchronous function (see `extract::read_page`).
//! `extract_files` spreads the pages of many files over worker threads, each
//! with its own warm Tesseract; pages are split off lazily and passed through
//! a bounded queue, so memory stays bounded however long the batch. Nothing
//! here touches a database or the network.

pub mod clean;
pub mod debug;
pub mod extract;
pub mod ink;
pub mod locate;
pub mod ocr;
pub mod pages;
pub mod pdf_drawing;
pub mod qr;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::forms::ModelSet;
pub use extract::{PageReport, read_page};

/// The result for one page of one file (or for a whole file that could not
/// be split into pages, with `page: None`).
#[derive(Debug)]
pub struct PageOutcome {
    pub file: String,
    pub page: Option<usize>,
    pub result: Result<PageReport>,
    /// Time spent decoding and reading the page.
    pub ms: f64,
}

impl PageOutcome {
    /// The JSON line `extract --json` prints (DESIGN.md's contract).
    pub fn to_json(&self) -> Value {
        match &self.result {
            Ok(r) => json!({
                "file": self.file, "page": self.page, "form": r.form, "qr": r.qr,
                "fields": r.fields, "marks": r.marks, "ms": (self.ms * 10.0).round() / 10.0,
            }),
            Err(e) => {
                json!({ "file": self.file, "page": self.page, "error": e.code(), "message": e.to_string() })
            }
        }
    }
}

struct Job {
    seq: usize,
    file: String,
    page: Option<usize>,
    source: Result<pages::PageSource>,
}

/// Reads one page end to end: decode, then the reading stages. Panics inside
/// become errors, so one hostile page cannot end a batch. With `debug`, the
/// page's debug picture is written to that path too.
pub fn process(
    models: &ModelSet,
    source: &pages::PageSource,
    debug: Option<&std::path::Path>,
) -> Result<PageReport> {
    let run = std::panic::AssertUnwindSafe(|| {
        let t = std::time::Instant::now();
        let img = pages::decode(source)?;
        tracing::debug!(decode_ms = t.elapsed().as_secs_f64() * 1e3, "decoded");
        let report = read_page(models, &img)?;
        if let Some(path) = debug {
            debug::picture(&img, models, &report)
                .save(path)
                .map_err(|e| Error::MalformedImage {
                    reason: format!("debug picture {}: {e}", path.display()),
                })?;
        }
        Ok(report)
    });
    std::panic::catch_unwind(run).unwrap_or_else(|p| {
        let reason = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
        Err(Error::Panic {
            reason: reason.unwrap_or_else(|| "unknown".into()),
        })
    })
}

/// Reads every page of every file on `workers` threads and hands each
/// outcome to `emit` in file and page order.
pub fn extract_files(
    files: &[PathBuf],
    models: &ModelSet,
    workers: usize,
    emit: impl FnMut(PageOutcome),
) {
    extract_files_with(
        files,
        models,
        &Options {
            workers,
            debug_dir: None,
        },
        emit,
    )
}

/// How `extract_files_with` runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Worker threads, each with its own Tesseract.
    pub workers: usize,
    /// Where to write a debug picture per page (`<file>-p<page>.png`).
    pub debug_dir: Option<PathBuf>,
}

/// [`extract_files`] with every option.
pub fn extract_files_with(
    files: &[PathBuf],
    models: &ModelSet,
    options: &Options,
    mut emit: impl FnMut(PageOutcome),
) {
    let workers = options.workers.max(1);
    let debug_dir = options.debug_dir.as_deref();
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(workers * 2);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (out_tx, out_rx) = mpsc::channel::<(usize, PageOutcome)>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut seq = 0;
            for path in files {
                let name = path.display().to_string();
                let split = std::fs::read(path)
                    .map_err(|e| Error::io(path, e))
                    .and_then(|b| pages::split(Arc::new(b)));
                let jobs: Vec<(Option<usize>, Result<pages::PageSource>)> = match split {
                    Ok(list) => list
                        .into_iter()
                        .enumerate()
                        .map(|(i, p)| (Some(i + 1), p))
                        .collect(),
                    Err(e) => vec![(None, Err(e))],
                };
                for (page, source) in jobs {
                    if job_tx
                        .send(Job {
                            seq,
                            file: name.clone(),
                            page,
                            source,
                        })
                        .is_err()
                    {
                        return;
                    }
                    seq += 1;
                }
            }
        });
        for _ in 0..workers {
            let rx = job_rx.clone();
            let tx = out_tx.clone();
            s.spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let start = Instant::now();
                    let picture = debug_dir.map(|d| {
                        let stem: String = job
                            .file
                            .chars()
                            .map(|c| {
                                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                                    c
                                } else {
                                    '_'
                                }
                            })
                            .collect();
                        d.join(format!("{stem}-p{}.png", job.page.unwrap_or(0)))
                    });
                    let result = job
                        .source
                        .and_then(|src| process(models, &src, picture.as_deref()));
                    let ms = start.elapsed().as_secs_f64() * 1000.0;
                    if tx
                        .send((
                            job.seq,
                            PageOutcome {
                                file: job.file,
                                page: job.page,
                                result,
                                ms,
                            },
                        ))
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
        drop(out_tx);
        let mut next = 0;
        let mut waiting = BTreeMap::new();
        for (seq, outcome) in out_rx {
            waiting.insert(seq, outcome);
            while let Some(o) = waiting.remove(&next) {
                emit(o);
                next += 1;
            }
        }
    });
}
