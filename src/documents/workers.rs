//! The workers that read uploaded pages. Page jobs live in the database
//! (`pages` rows); each worker thread, with its own reader process
//! (`crate::sandbox`, with its own warm Tesseract), claims the next few
//! pages in turn (ACs in rotation, `db::claim_pages`) under a lease, reads them,
//! and stores each page's reading in one transaction with, for the last
//! page of a document, the AC's checks. A reading is stored only while the
//! worker's lease holds, so a page is stored once even when a worker dies
//! mid-page; the page is then claimed again when its lease runs out, and a
//! page that was claimed [`MAX_ATTEMPTS`] times without being stored (it
//! kills its workers) is stored as failed with the reason.
//!
//! CPU work never runs on the async runtime: these are plain OS threads
//! that reach the database through the runtime's handle.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;

use super::recheck;
use super::store::BlobStore;
use crate::clock;
use crate::db::{self, ClaimedPage, Db, PageResult};
use crate::error::{Error, Result};
use crate::pipeline::PageReading;
use crate::sandbox::Reader;

/// Pages a worker claims at once (all of one document, which it splits once).
const BATCH: u32 = 4;
/// Claims of one page after which it is failed instead of read again.
pub const MAX_ATTEMPTS: u32 = 3;
/// How long an idle worker waits before looking for work again (a missed
/// wake-up costs at most this).
const IDLE: Duration = Duration::from_secs(2);

/// How long a claim holds, in seconds: `SCRUTINY_LEASE_SECONDS`, default 30.
/// A live process renews the leases of all its workers every third of
/// that, however long a page takes; a dead one's run out.
fn lease_seconds() -> i64 {
    std::env::var("SCRUTINY_LEASE_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&s: &i64| s > 1)
        .unwrap_or(30)
}

/// Handle on the running workers: wake them when work arrives, stop them.
#[derive(Clone)]
pub struct Workers {
    wake: Arc<Wake>,
    stop: Arc<AtomicBool>,
}

/// A bell every idle worker listens to.
#[derive(Default)]
struct Wake {
    rung: Mutex<u64>,
    bell: Condvar,
}

impl Wake {
    fn ring(&self) {
        if let Ok(mut n) = self.rung.lock() {
            *n += 1;
        }
        self.bell.notify_all();
    }

    /// Waits until the bell rings after `seen` or `IDLE` passes; returns
    /// what it was at.
    fn wait(&self, seen: u64) -> u64 {
        let Ok(guard) = self.rung.lock() else {
            return seen;
        };
        match self.bell.wait_timeout_while(guard, IDLE, |n| *n == seen) {
            Ok((n, _)) => *n,
            Err(_) => seen,
        }
    }

    fn now(&self) -> u64 {
        self.rung.lock().map(|n| *n).unwrap_or(0)
    }
}

impl Workers {
    /// Starts `n` worker threads (none for `n == 0`: a web process only),
    /// on the current runtime. Unfinished pages in the database (from
    /// before a crash) are taken up at once. On PostgreSQL the workers also
    /// wake when any process queues pages (LISTEN/NOTIFY), not by polling
    /// alone.
    pub async fn start(db: Db, store: BlobStore, n: usize) -> Result<Workers> {
        let workers = Workers {
            wake: Arc::new(Wake::default()),
            stop: Arc::new(AtomicBool::new(false)),
        };
        if n == 0 {
            return Ok(workers);
        }
        let mut tag = [0u8; 4];
        let _ = getrandom::fill(&mut tag);
        let process = format!("{}-{}", std::process::id(), crate::hex(&tag));
        if db.engine() == db::Engine::Sqlite {
            // One process owns a SQLite database: a lease left by a process
            // that was killed can be taken back at once.
            let mut tx = db.write().await?;
            db::release_leases(&mut tx).await?;
            tx.commit().await?;
        }
        if let Some(pool) = db.pg_pool() {
            let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
            listener.listen(db::PAGES_CHANNEL).await?;
            let (wake, stop) = (workers.wake.clone(), workers.stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    match listener.recv().await {
                        Ok(_) => wake.ring(),
                        Err(e) => {
                            tracing::warn!(error = %e, "lost the page notifications; polling until they are back");
                            tokio::time::sleep(IDLE).await;
                        }
                    }
                }
            });
        }
        let handle = Handle::current();
        {
            let (db, process, stop) = (db.clone(), process.clone(), workers.stop.clone());
            let every = Duration::from_secs((lease_seconds() / 3).max(1) as u64);
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    tokio::time::sleep(every).await;
                    let renewed = async {
                        let mut tx = db.write().await?;
                        db::renew_leases(&mut tx, &process, clock::now_unix() + lease_seconds())
                            .await?;
                        tx.commit().await
                    };
                    if let Err(e) = renewed.await {
                        tracing::warn!(error = %e, "cannot renew the workers' leases");
                    }
                }
            });
        }
        for i in 0..n {
            let worker = Worker {
                id: format!("{process}-{i}"),
                db: db.clone(),
                store: store.clone(),
                handle: handle.clone(),
                wake: workers.wake.clone(),
                stop: workers.stop.clone(),
                reader: Reader::new(),
            };
            let spawned = std::thread::Builder::new()
                .name(format!("scrutiny-worker-{i}"))
                .spawn(move || worker.run());
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a worker thread");
            }
        }
        Ok(workers)
    }

    /// Stops claiming pages (before the runtime shuts down). Pages being
    /// read are finished or, if they cannot be stored, read again later.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.ring();
    }

    /// Tells the workers that pages were queued.
    pub fn wake(&self) {
        self.wake.ring();
    }
}

/// One worker thread.
struct Worker {
    id: String,
    db: Db,
    store: BlobStore,
    handle: Handle,
    wake: Arc<Wake>,
    stop: Arc<AtomicBool>,
    /// The reader process that opens and reads the pages; it keeps the last
    /// document it was sent, so a batch of one document is sent once.
    reader: Reader,
}

impl Worker {
    fn run(mut self) {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return;
            }
            let seen = self.wake.now();
            let claimed = match self.handle.block_on(self.claim()) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(worker = %self.id, error = %e, "cannot claim pages");
                    vec![]
                }
            };
            if claimed.is_empty() {
                self.wake.wait(seen);
                continue;
            }
            for page in claimed {
                if self.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Err(e) = self.read_and_store(&page) {
                    tracing::error!(worker = %self.id, document = page.document_id, page = page.page_no, error = %e, "cannot store a page");
                }
            }
        }
    }

    async fn claim(&self) -> Result<Vec<ClaimedPage>> {
        let now = clock::now_unix();
        let mut tx = self.db.write().await?;
        let claimed = db::claim_pages(&mut tx, &self.id, now, now + lease_seconds(), BATCH).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    /// Reads one page in the reader, sending it the document's bytes when
    /// it does not hold them yet.
    fn read(&mut self, document_id: i64, page_no: u32) -> Result<PageReading> {
        let (db, store, handle) = (&self.db, &self.store, &self.handle);
        self.reader.read(document_id, page_no, || {
            handle.block_on(async {
                let doc = db::document(&mut db.read().await?, document_id).await?;
                store.read(&doc.sha256).await
            })
        })
    }

    fn read_and_store(&mut self, page: &ClaimedPage) -> Result<()> {
        let start = Instant::now();
        let read = if page.attempts > MAX_ATTEMPTS {
            Err(Error::TooLarge {
                reason: format!(
                    "reading this page stopped its worker {MAX_ATTEMPTS} times; it is not read again"
                ),
            })
        } else {
            self.read(page.document_id, page.page_no)
        };
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let at = clock::now_rfc3339();
        let error = read.as_ref().err().map(|e| e.to_string());
        let result = PageResult {
            reading: read.as_ref().ok(),
            error: error.as_deref(),
            ms,
            at: &at,
        };
        self.handle.block_on(async {
            let mut tx = self.db.write().await?;
            let doc = db::document(&mut tx, page.document_id).await?;
            db::lock(&mut tx, db::Lock::Ac(doc.ac_no)).await?;
            let Some(left) =
                db::store_page(&mut tx, page.document_id, page.page_no, &self.id, &result).await?
            else {
                tracing::warn!(worker = %self.id, document = page.document_id, page = page.page_no, "lease lost: the page is another worker's now");
                return Ok(());
            };
            if left == 0 {
                let scope = recheck::Scope::Pages {
                    documents: vec![page.document_id],
                    ballots: vec![],
                };
                recheck::run(&mut tx, doc.ac_no, scope).await?;
            }
            tx.commit().await
        })
    }
}
