//! The hall side of the sync: enrolling from central on the first start,
//! then pushing the outbox whenever central answers, with the link's state
//! for people.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use super::{Enrolment, Push, PushReply};
use crate::clock;
use crate::db::Db;
use crate::db::sync::{self as q, HallRow};
use crate::documents::store::BlobStore;
use crate::error::{Error, Result};

/// Changes pushed at a time (`SCRUTINY_SYNC_BATCH` sets another).
const BATCH: u32 = 200;
/// With nothing to push, the hall still says it is there this often.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// Retries wait twice as long each time, up to this.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Talks HTTP to central with the node's token.
#[derive(Clone)]
pub struct Upstream {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Upstream {
    pub fn new(base: &str, token: &str) -> Result<Upstream> {
        let base = base.trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::bad_input(format!(
                "--upstream {base}: give the central service's URL, e.g. https://scrutiny.example.gov.in"
            )));
        }
        if token.is_empty() {
            return Err(Error::bad_input(
                "--upstream needs the node's token (--node-token or SCRUTINY_NODE_TOKEN), \
                 printed once by `scrutiny node add` on central",
            ));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| Error::internal(format!("an HTTP client: {e}")))?;
        Ok(Upstream {
            base,
            token: token.to_string(),
            http,
        })
    }

    fn fail(&self, reason: impl std::fmt::Display) -> Error {
        Error::Upstream {
            at: self.base.clone(),
            reason: reason.to_string(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Vec<u8>> {
        let res = req
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| self.fail(format!("cannot reach it ({e})")))?;
        let status = res.status();
        let body = res
            .bytes()
            .await
            .map_err(|e| self.fail(format!("the answer broke off ({e})")))?;
        if !status.is_success() {
            let said = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_default();
            return Err(self.fail(format!("it answered {status}: {said}")));
        }
        Ok(body.to_vec())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn json<T: serde::de::DeserializeOwned>(&self, body: Vec<u8>) -> Result<T> {
        serde_json::from_slice(&body)
            .map_err(|e| self.fail(format!("an answer that is not what was asked ({e})")))
    }
}

/// Enrols this hall from central into an empty database: its ACs with
/// every row of them, the accounts bound to them and their stored files,
/// in one transaction. Fails (and leaves the database empty) when central
/// cannot be reached.
pub async fn enrol(db: &Db, store: &BlobStore, up: &Upstream) -> Result<HallRow> {
    let got = up
        .send(up.http.get(up.url("/api/v1/sync/enrolment")))
        .await?;
    let e: Enrolment = up.json(got)?;
    for sha in &e.blobs {
        if !store.contains(sha).await? {
            let bytes = up
                .send(up.http.get(up.url(&format!("/api/v1/sync/blobs/{sha}"))))
                .await?;
            super::store_bytes(store, sha, &bytes).await?;
        }
    }
    let mut tx = db.write().await?;
    if q::has_election(&mut tx).await? {
        return Err(Error::bad_input(
            "this data folder holds an election already: a hall node enrols into an empty one \
             (give --data an empty folder)",
        ));
    }
    // Rows given here keep central's ids as their global ids; here they
    // get ids of their own, and what refers to them is renumbered to match.
    let mut local: HashMap<(&str, i64), i64> = HashMap::new();
    let mut next: HashMap<&str, i64> = HashMap::new();
    for rows in &e.tables {
        let t = q::synced(&rows.name)
            .ok_or_else(|| up.fail(format!("it sent rows of an unknown table {}", rows.name)))?;
        let cols = q::columns(&mut tx, t).await?;
        for text in &rows.rows {
            let mut row = super::object(text)?;
            for (col, refers) in cols.iter().filter_map(|c| t.id_table(c).map(|r| (c, r))) {
                let Some(global) = row.get(col.as_str()).and_then(|v| v.as_i64()) else {
                    continue;
                };
                let id = if refers == t.name && col == "id" {
                    let n = next.entry(t.name).or_insert(0);
                    *n += 1;
                    q::insert_hall_id(&mut tx, t.name, *n, global).await?;
                    local.insert((t.name, global), *n);
                    *n
                } else {
                    *local.get(&(refers, global)).ok_or_else(|| {
                        up.fail(format!(
                            "a row of {} names {refers} {global}, not sent",
                            t.name
                        ))
                    })?
                };
                row.insert(col.clone(), id.into());
            }
            q::upsert_row(&mut tx, t, &cols, &row).await?;
        }
    }
    let hall = HallRow {
        name: e.node.clone(),
        node_id: e.node_id,
        id_base: e.id_base,
        upstream: up.base.clone(),
        pushed_seq: e.last_seq,
        enrolled_at: clock::now_rfc3339(),
    };
    let acs: Vec<(u32, i64)> = e.acs.iter().map(|a| (a.ac_no, a.epoch)).collect();
    q::insert_hall(&mut tx, &hall, &acs).await?;
    tx.commit().await?;
    Ok(hall)
}

/// The link to central, as the pusher last found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LinkState {
    /// Central answered and nothing waits.
    Connected,
    /// Offline: the last attempt failed.
    Offline,
    /// Central answered and changes are on their way.
    Syncing,
}

#[derive(Debug, Clone, Default)]
struct Link {
    failed: bool,
    offline_since: Option<String>,
    last_push_at: Option<String>,
    last_error: Option<String>,
    last_contact: Option<std::time::Instant>,
}

impl Link {
    /// The last attempt failed, or none has reached central yet.
    fn offline(&self) -> bool {
        self.failed || self.last_contact.is_none()
    }
}

/// A running hall: who it is and how its link fares.
pub struct Hall {
    pub name: String,
    pub upstream: String,
    link: Mutex<Link>,
}

/// `GET /api/v1/sync`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncStatus {
    pub node: String,
    pub upstream: String,
    pub state: LinkState,
    pub pending_changes: i64,
    pub pending_blobs: i64,
    pub last_push_at: Option<String>,
    pub last_error: Option<String>,
    /// Since when central has not answered (while offline).
    pub offline_since: Option<String>,
    /// The ACs central handed elsewhere (this hall changes them no more).
    pub handed_over: Vec<u32>,
}

impl Hall {
    /// The link's state with what waits in the outbox.
    pub async fn status(&self, db: &Db) -> Result<SyncStatus> {
        let mut c = db.read().await?;
        let (changes, blobs) = q::outbox_pending(&mut c).await?;
        let handed_over = q::hall_acs(&mut c)
            .await?
            .into_iter()
            .filter(|(_, _, h)| h.is_some())
            .map(|(a, _, _)| a)
            .collect();
        let link = self.link.lock().map(|l| l.clone()).unwrap_or_default();
        let state = if link.offline() {
            LinkState::Offline
        } else if changes + blobs > 0 {
            LinkState::Syncing
        } else {
            LinkState::Connected
        };
        Ok(SyncStatus {
            node: self.name.clone(),
            upstream: self.upstream.clone(),
            state,
            pending_changes: changes,
            pending_blobs: blobs,
            last_push_at: link.last_push_at,
            last_error: link.last_error,
            offline_since: link.offline_since.filter(|_| link.failed),
            handed_over,
        })
    }

    /// For the pages' banner: since when the link is down and how many
    /// changes wait, or None while central answers (no query then).
    pub async fn offline(&self, db: &Db) -> Result<Option<(Option<String>, i64)>> {
        let since = match self.link.lock() {
            Ok(l) if l.offline() => l.offline_since.clone(),
            _ => return Ok(None),
        };
        let (changes, _) = q::outbox_pending(&mut db.read().await?).await?;
        Ok(Some((since, changes)))
    }

    fn record(&self, outcome: &Result<Option<usize>>) {
        let Ok(mut l) = self.link.lock() else { return };
        match outcome {
            Ok(None) => {}
            Ok(Some(n)) => {
                l.failed = false;
                l.offline_since = None;
                l.last_error = None;
                l.last_contact = Some(std::time::Instant::now());
                if *n > 0 {
                    l.last_push_at = Some(clock::now_rfc3339());
                }
            }
            Err(e) => {
                if !l.failed {
                    l.offline_since = Some(clock::now_rfc3339());
                }
                l.failed = true;
                l.last_error = Some(e.to_string());
            }
        }
    }

    fn heard_recently(&self) -> bool {
        self.link
            .lock()
            .ok()
            .and_then(|l| l.last_contact)
            .is_some_and(|t| t.elapsed() < HEARTBEAT)
    }
}

/// Starts a hall: enrols on the first start (an empty database), makes the
/// outbox's triggers, and pushes in the background from then on.
pub async fn start(db: &Db, store: &BlobStore, up: Upstream) -> Result<Arc<Hall>> {
    let me = {
        let mut c = db.read().await?;
        q::hall(&mut c).await?
    };
    let me = match me {
        Some(h) => h,
        None => enrol(db, store, &up).await.map_err(|e| match e {
            Error::Upstream { at, reason } => Error::Upstream {
                at,
                reason: format!(
                    "{reason}; a hall starting with no data fetches its ACs from central first, \
                         so it needs the link once"
                ),
            },
            other => other,
        })?,
    };
    {
        let mut tx = db.write().await?;
        q::install_triggers(&mut tx).await?;
        tx.commit().await?;
    }
    let hall = Arc::new(Hall {
        name: me.name,
        upstream: up.base.clone(),
        link: Mutex::new(Link::default()),
    });
    let batch = std::env::var("SCRUTINY_SYNC_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(BATCH);
    tokio::spawn(pusher(db.clone(), store.clone(), up, hall.clone(), batch));
    Ok(hall)
}

async fn pusher(db: Db, store: BlobStore, up: Upstream, hall: Arc<Hall>, batch: u32) {
    let mut backoff = Duration::from_millis(250);
    loop {
        let outcome = push_once(&db, &store, &up, &hall, batch).await;
        hall.record(&outcome);
        match outcome {
            Ok(Some(n)) if n as u32 >= batch => continue,
            Ok(_) => {
                backoff = Duration::from_millis(250);
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "push to central failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// One push: the files the next changes name, then the changes. Returns
/// how many changes went (0: a heartbeat), or None when nothing waited and
/// central was heard from lately (no call made).
async fn push_once(
    db: &Db,
    store: &BlobStore,
    up: &Upstream,
    hall: &Hall,
    batch: u32,
) -> Result<Option<usize>> {
    let (me, changes, acs) = {
        let mut c = db.read().await?;
        let me = q::hall(&mut c)
            .await?
            .ok_or_else(|| Error::internal("a hall without its record"))?;
        let changes = q::outbox_after(&mut c, me.pushed_seq, batch).await?;
        (me, changes, q::hall_acs(&mut c).await?)
    };
    if changes.is_empty() && hall.heard_recently() {
        return Ok(None);
    }
    for sha in changes.iter().filter_map(|c| c.named_file()) {
        let sha = sha.as_str();
        if q::blob_unpushed(&mut db.read().await?, sha).await? {
            let bytes = store.read(sha).await?;
            up.send(
                up.http
                    .put(up.url(&format!("/api/v1/sync/blobs/{sha}")))
                    .header("content-type", "application/octet-stream")
                    .body(bytes),
            )
            .await?;
            let mut tx = db.write().await?;
            q::blob_pushed(&mut tx, sha).await?;
            tx.commit().await?;
        }
    }
    let push = Push {
        epochs: acs.iter().map(|(a, e, _)| (a.to_string(), *e)).collect(),
        changes,
    };
    let body = serde_json::to_vec(&push).map_err(|e| Error::internal(e.to_string()))?;
    let got = up
        .send(
            up.http
                .post(up.url("/api/v1/sync/push"))
                .header("content-type", "application/json")
                .body(body),
        )
        .await?;
    let reply: PushReply = up.json(got)?;
    let at = clock::now_rfc3339();
    let mut tx = db.write().await?;
    q::outbox_applied(&mut tx, reply.applied_through.max(me.pushed_seq)).await?;
    for ac in &reply.handed_over {
        q::set_handed_over(&mut tx, *ac, &at).await?;
    }
    for sha in &reply.missing_blobs {
        tracing::warn!(sha256 = %sha, "central lacks a file it was sent; sending it again");
        q::blob_unpushed_again(&mut tx, sha).await?;
    }
    tx.commit().await?;
    if reply.conflicts > 0 {
        tracing::warn!(
            conflicts = reply.conflicts,
            "central kept changes of this hall as conflicts"
        );
    }
    Ok(Some(push.changes.len()))
}

/// Whether this database is a hall's.
pub async fn is_hall(db: &Db) -> Result<bool> {
    Ok(q::hall(&mut db.read().await?).await?.is_some())
}
