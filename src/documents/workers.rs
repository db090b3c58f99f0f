//! The worker pool: page jobs live in the database (`pages` rows), a
//! dispatcher thread takes unfinished documents in upload order and hands
//! their unread pages to worker threads, each with its own warm Tesseract.
//! A page's reading is stored in one transaction; the last page of a
//! document runs the AC's checks. Kill the process at any moment: on
//! restart every page not stored is read again, and none that was stored.
//!
//! CPU work never runs on the async runtime: these are plain OS threads
//! that reach the database through the runtime's handle.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::runtime::Handle;

use super::recheck;
use super::store::BlobStore;
use crate::clock;
use crate::db::{self, Db, DocumentRow, PageResult};
use crate::error::Result;
use crate::forms::ModelSet;
use crate::pipeline::{self, pages};

/// Handle on the running pool: wake it when work arrives.
#[derive(Clone)]
pub struct Workers {
    wake: mpsc::Sender<()>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

struct Job {
    document_id: i64,
    ac_no: u32,
    page_no: u32,
    source: Result<pages::PageSource>,
}

impl Workers {
    /// Starts the dispatcher and `n` worker threads. Unfinished documents
    /// in the database (from before a crash) are taken up at once.
    pub fn start(db: Db, store: BlobStore, n: usize, handle: Handle) -> Workers {
        let n = n.max(1);
        let (wake, wake_rx) = mpsc::channel::<()>();
        let (job_tx, job_rx) = mpsc::sync_channel::<Job>(n * 2);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        for i in 0..n {
            let (db, handle, rx, in_flight) = (
                db.clone(),
                handle.clone(),
                job_rx.clone(),
                in_flight.clone(),
            );
            let spawned = std::thread::Builder::new()
                .name(format!("scrutiny-worker-{i}"))
                .spawn(move || work(db, handle, rx, in_flight));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a worker thread");
            }
        }
        let stopping = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("scrutiny-dispatcher".into())
            .spawn(move || dispatch(db, store, handle, job_tx, wake_rx, in_flight, stopping));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the dispatcher thread");
        }
        Workers { wake, stop }
    }

    /// Stops handing out pages (before the runtime shuts down). Pages being
    /// read are finished or, if they cannot be stored, read again next start.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.wake.send(());
    }

    /// Tells the dispatcher that a document was queued.
    pub fn wake(&self) {
        let _ = self.wake.send(());
    }
}

fn dispatch(
    db: Db,
    store: BlobStore,
    handle: Handle,
    jobs: mpsc::SyncSender<Job>,
    wake: mpsc::Receiver<()>,
    in_flight: Arc<AtomicUsize>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) {
    // Documents are dispatched once each, in id order; `after` is the last
    // one handed out. When idle with nothing in flight, sweep from the start
    // again so that a document left half-done by an error is not forgotten.
    let mut after = 0i64;
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let claimed = handle.block_on(async {
            let mut tx = db.write().await?;
            let doc = db::claim_document(&mut tx, after).await?;
            let queued = match &doc {
                Some(d) => db::queued_pages(&mut tx, d.id).await?,
                None => vec![],
            };
            tx.commit().await?;
            Ok::<_, crate::Error>((doc, queued))
        });
        match claimed {
            Ok((Some(doc), queued)) => {
                after = doc.id;
                if queued.is_empty() {
                    // Every page was stored before a crash; only the checks are left.
                    if let Err(e) = handle.block_on(recheck::run(&db, doc.ac_no)) {
                        tracing::error!(document = doc.id, error = %e, "checks failed");
                    }
                    continue;
                }
                if !send_pages(&store, &jobs, &doc, &queued, &in_flight) {
                    return;
                }
            }
            Ok((None, _)) => {
                if wake.recv_timeout(Duration::from_secs(2)).is_err()
                    && in_flight.load(Ordering::SeqCst) == 0
                {
                    after = 0;
                }
                while wake.try_recv().is_ok() {}
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a document");
                let _ = wake.recv_timeout(Duration::from_secs(2));
            }
        }
    }
}

/// Splits a document and queues its unread pages; false when the workers are gone.
fn send_pages(
    store: &BlobStore,
    jobs: &mpsc::SyncSender<Job>,
    doc: &DocumentRow,
    queued: &[u32],
    in_flight: &AtomicUsize,
) -> bool {
    let split = store
        .read(&doc.sha256)
        .and_then(|bytes| pages::split(Arc::new(bytes)));
    let mut sources: Vec<Option<Result<pages::PageSource>>> = match split {
        Ok(list) => list.into_iter().map(Some).collect(),
        Err(e) => {
            let reason = e.to_string();
            tracing::error!(document = doc.id, error = %reason, "cannot split a stored document");
            vec![]
        }
    };
    for &page_no in queued {
        let source = sources
            .get_mut(page_no as usize - 1)
            .and_then(Option::take)
            .unwrap_or_else(|| {
                Err(crate::Error::MalformedPdf {
                    reason: format!("page {page_no} cannot be taken from the stored file"),
                })
            });
        in_flight.fetch_add(1, Ordering::SeqCst);
        let job = Job {
            document_id: doc.id,
            ac_no: doc.ac_no,
            page_no,
            source,
        };
        if jobs.send(job).is_err() {
            return false;
        }
    }
    true
}

fn work(
    db: Db,
    handle: Handle,
    jobs: Arc<Mutex<mpsc::Receiver<Job>>>,
    in_flight: Arc<AtomicUsize>,
) {
    let models = ModelSet::shared();
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let start = Instant::now();
        let read = job
            .source
            .and_then(|src| pipeline::process(models, &src, None));
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let at = clock::now_rfc3339();
        let (report, error) = match read {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let result = report.as_ref().map(|r| {
            json!({
                "fields": r.fields, "marks": r.marks,
                "transform": r.transform.map(|t| t.m.to_vec()),
            })
        });
        let stored = handle.block_on(async {
            let mut tx = db.write().await?;
            let left = db::store_page(
                &mut tx,
                job.document_id,
                job.page_no,
                &PageResult {
                    form: report.as_ref().and_then(|r| r.form.as_deref()),
                    qr: report.as_ref().and_then(|r| r.qr.as_deref()),
                    result: result.as_ref(),
                    error: error.as_deref(),
                    ms,
                    at: &at,
                },
            )
            .await?;
            tx.commit().await?;
            if left == 0 {
                recheck::run(&db, job.ac_no).await?;
            }
            Ok::<_, crate::Error>(())
        });
        if let Err(e) = stored {
            tracing::error!(document = job.document_id, page = job.page_no, error = %e, "cannot store a page");
        }
        in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
