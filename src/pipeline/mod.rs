//! The reading pipeline: upload bytes → pages → clean → locate → read.
//!
//! Every stage is a plain synchronous function (see `extract::read_page`).
//! [`extract_files`] spreads the pages of many files over worker threads,
//! each with its own warm Tesseract; pages are split off lazily and passed
//! through a bounded queue, so memory stays bounded however long the batch.
//! Nothing here touches a database or the network.

pub mod clean;
pub mod codecs;
pub mod debug;
pub mod digits;
pub mod extract;
pub mod ink;
pub mod locate;
pub mod ocr;
pub mod pages;
pub mod pdf_bounds;
pub mod pdf_render;
pub mod qr;
pub mod reading;
pub mod search;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::forms::ModelSet;
pub use debug::Trace;
pub use extract::read_page;
pub use reading::{
    CodeReading, FieldReading, GridReading, InkReading, PageReading, Reading, RowReading, Scalar,
    Unplaced,
};

/// One line of `extract`: what one page of one file gave (or, with
/// `page: None`, why a whole file could not be split into pages).
#[derive(Debug)]
pub struct Extracted {
    pub file: String,
    pub page: Option<usize>,
    pub reading: Result<PageReading>,
    /// Time spent decoding and reading the page.
    pub ms: f64,
}

impl Extracted {
    /// The JSON line `extract --json` prints (`docs/api.md`, the contract).
    pub fn to_json(&self) -> Value {
        match &self.reading {
            Ok(r) => {
                let mut line = json!({
                    "file": self.file, "page": self.page, "form": r.form, "qr": r.qr,
                    "fields": r.fields, "marks": r.marks, "ms": (self.ms * 10.0).round() / 10.0,
                });
                if let Some(layout) = &r.layout {
                    line["layout"] = json!(layout);
                }
                if !r.codes.is_empty() {
                    line["codes"] = json!(r.codes);
                }
                if let Some(why) = r.unplaced {
                    line["unplaced"] = json!(why);
                    line["message"] = json!(format!("not read as a form: {}", why.sentence()));
                }
                line
            }
            Err(e) => {
                json!({ "file": self.file, "page": self.page, "error": e.code(), "message": e.to_string() })
            }
        }
    }
}

/// Reads one page end to end: decode, then the reading stages. Panics inside
/// become errors, so one hostile page cannot end a batch. With a trace that
/// is on, every stage's findings are kept for the debug pictures.
pub fn process(
    models: &ModelSet,
    source: &pages::PageSource,
    trace: &mut Trace,
) -> Result<PageReading> {
    let run = std::panic::AssertUnwindSafe(|| {
        let t = Instant::now();
        let img = pages::decode(source)?;
        tracing::debug!(decode_ms = t.elapsed().as_secs_f64() * 1e3, "decoded");
        read_page(models, &img, trace)
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

/// Runs `work` on every job `produce` sends, on `workers` threads that live
/// as long as the call (each keeps its warm Tesseract), and hands the
/// results to `emit` in the order the jobs were sent. At most twice as many
/// jobs as workers wait in the queue, so a producer that decodes lazily
/// never runs far ahead.
pub fn in_order<J: Send, R: Send>(
    workers: usize,
    produce: impl FnOnce(&dyn Fn(J) -> bool) + Send,
    work: impl Fn(J) -> R + Sync,
    mut emit: impl FnMut(R),
) {
    let workers = workers.max(1);
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, J)>(workers * 2);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (out_tx, out_rx) = mpsc::channel::<(usize, R)>();
    std::thread::scope(|s| {
        s.spawn(move || {
            let seq = std::cell::Cell::new(0usize);
            produce(&|job| {
                let n = seq.get();
                seq.set(n + 1);
                job_tx.send((n, job)).is_ok()
            });
        });
        for _ in 0..workers {
            let (rx, tx, work) = (job_rx.clone(), out_tx.clone(), &work);
            s.spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok((n, job)) = job else { return };
                    if tx.send((n, work(job))).is_err() {
                        return;
                    }
                }
            });
        }
        // Only the workers hold the queue's end: if they all stop, the
        // producer's next send fails instead of waiting forever.
        drop(job_rx);
        drop(out_tx);
        let mut next = 0;
        let mut waiting = BTreeMap::new();
        for (n, result) in out_rx {
            waiting.insert(n, result);
            while let Some(r) = waiting.remove(&next) {
                emit(r);
                next += 1;
            }
        }
    });
}

/// Reads every page of every file on `workers` threads and hands each
/// result to `emit` in file and page order.
pub fn extract_files(
    files: &[PathBuf],
    models: &ModelSet,
    workers: usize,
    emit: impl FnMut(Extracted),
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
    /// Where to write each stage's debug picture of each page
    /// (`<file>-p<page>-<stage>.png`).
    pub debug_dir: Option<PathBuf>,
}

/// A page of a file waiting to be read.
struct Job {
    file: String,
    page: Option<usize>,
    source: Result<pages::PageSource>,
}

/// [`extract_files`] with every option.
pub fn extract_files_with(
    files: &[PathBuf],
    models: &ModelSet,
    options: &Options,
    emit: impl FnMut(Extracted),
) {
    let debug_dir = options.debug_dir.as_deref();
    let produce = |send: &dyn Fn(Job) -> bool| {
        for path in files {
            let file = path.display().to_string();
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
                let job = Job {
                    file: file.clone(),
                    page,
                    source,
                };
                if !send(job) {
                    return;
                }
            }
        }
    };
    let work = |job: Job| {
        let start = Instant::now();
        let mut trace = if debug_dir.is_some() {
            Trace::on()
        } else {
            Trace::off()
        };
        let reading = job.source.and_then(|src| process(models, &src, &mut trace));
        if let Some(dir) = debug_dir {
            write_pictures(dir, &job.file, job.page, &trace);
        }
        Extracted {
            file: job.file,
            page: job.page,
            reading,
            ms: start.elapsed().as_secs_f64() * 1000.0,
        }
    };
    in_order(options.workers, produce, work, emit);
}

/// Writes each stage's picture as `<file>-p<page>-<stage>.png`; a picture
/// that cannot be written is logged, never a reason to fail the page.
fn write_pictures(dir: &Path, file: &str, page: Option<usize>, trace: &Trace) {
    let stem: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    for (stage, img) in debug::pictures(trace) {
        let path = dir.join(format!("{stem}-p{}-{stage}.png", page.unwrap_or(0)));
        if let Err(e) = img.save(&path) {
            tracing::warn!(path = %path.display(), error = %e, "cannot write a debug picture");
        }
    }
}
