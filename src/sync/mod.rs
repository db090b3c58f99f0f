//! Counting-hall nodes: a hall laptop keeps its ACs on SQLite with no
//! network and pushes every change to the central service when the link is
//! up (`docs/sync.md`).
//!
//! - [`central`]: enrolling nodes, handing ACs over, applying a node's
//!   pushes (each change once, in order, refused as a kept conflict when
//!   the AC is no longer the node's), and what a node is given at enrolment.
//! - [`hall`]: enrolling from central on first start, the outbox's pusher
//!   and the link's status for people.
//!
//! What travels between them is defined here, and which rows of which
//! tables travel in [`crate::db::sync`].

pub mod central;
pub mod hall;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::sync::{OutboxRow, SYNCED};
use crate::db::{self, Conn};
use crate::documents::store::BlobStore;
use crate::error::{Error, Result};

/// A node's push: its changes in order, and the epoch under which it
/// keeps each of its ACs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Push {
    /// AC number (as text) → the epoch the node was given it with.
    pub epochs: BTreeMap<String, i64>,
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<OutboxRow>,
}

/// Central's answer to a push.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PushReply {
    /// Every change up to this sequence number is applied or kept as a
    /// conflict: the node may forget them.
    pub applied_through: i64,
    /// How many of this push's changes were kept as conflicts.
    pub conflicts: u64,
    /// The node's ACs that central has handed to another place.
    pub handed_over: Vec<u32>,
    /// Files a change names that central does not hold (SHA-256): the push
    /// stopped before that change; send them, then the rest.
    #[serde(default)]
    pub missing_blobs: Vec<String>,
}

/// What a node is given when it starts for the first time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Enrolment {
    pub node: String,
    pub node_id: i64,
    /// The node's ids travel as this plus its own.
    pub id_base: i64,
    /// The last of the node's sequence numbers central applied.
    pub last_seq: i64,
    /// The node's ACs with their epochs.
    pub acs: Vec<EnrolledAc>,
    /// The rows of its ACs (definition, accounts, register, and whatever
    /// was done on them before), table by table in insertion order.
    pub tables: Vec<TableRows>,
    /// SHA-256 of every stored file the rows name.
    pub blobs: Vec<String>,
}

/// An AC a node keeps.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrolledAc {
    pub ac_no: u32,
    pub epoch: i64,
}

/// Rows of one table, each a JSON object as text.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TableRows {
    pub name: String,
    pub rows: Vec<String>,
}

/// A digest of everything of one AC that travels, table by table: a hall
/// and central that agree have equal digests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AcDigest {
    pub ac_no: u32,
    pub tables: BTreeMap<String, TableDigest>,
}

/// The rows of one table of one AC: how many, and the SHA-256 of their
/// canonical form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TableDigest {
    pub rows: usize,
    pub sha256: String,
}

/// The digest of AC `ac` in this database (on a hall, with ids as central
/// holds them). Numbers compare as numbers (a boolean as 0 or 1, a
/// fraction to twelve significant digits, as both engines can write it).
pub async fn digest(c: &mut Conn, ac: u32) -> Result<AcDigest> {
    let hall = db::sync::hall(c).await?.is_some();
    let mut tables = BTreeMap::new();
    for t in SYNCED.iter().filter(|t| t.pushed) {
        let mut rows: Vec<String> = db::sync::rows_of_ac(c, t, ac, hall)
            .await?
            .iter()
            .map(|r| canonical(r))
            .collect::<Result<_>>()?;
        rows.sort();
        let mut h = Sha256::new();
        for r in &rows {
            h.update(r.as_bytes());
            h.update(b"\n");
        }
        tables.insert(
            t.name.to_string(),
            TableDigest {
                rows: rows.len(),
                sha256: crate::hex(&h.finalize()),
            },
        );
    }
    Ok(AcDigest { ac_no: ac, tables })
}

fn canonical(row: &str) -> Result<String> {
    fn norm(v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::Bool(b) => Value::from(i64::from(b)),
            Value::Number(n) if n.is_f64() => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => Value::from(f as i64),
                Some(f) => Value::String(format!("{f:.11e}")),
                None => Value::Number(n),
            },
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, norm(v))).collect()),
            other => other,
        }
    }
    let v: serde_json::Value = serde_json::from_str(row)
        .map_err(|e| Error::corrupt(format!("a row's JSON ({e}): {row}")))?;
    let sorted: BTreeMap<String, serde_json::Value> = match norm(v) {
        serde_json::Value::Object(m) => m.into_iter().collect(),
        _ => {
            return Err(Error::corrupt(format!(
                "a row that is not an object: {row}"
            )));
        }
    };
    serde_json::to_string(&sorted).map_err(|e| Error::internal(e.to_string()))
}

/// Stores bytes received from the other side under their SHA-256, after
/// checking that they are what `sha256` says.
pub async fn store_bytes(store: &BlobStore, sha256: &str, bytes: &[u8]) -> Result<()> {
    let mut r = store.receive(bytes.len() as u64).await?;
    r.push(bytes).await?;
    let received = r.finish().await?;
    if received.sha256 != sha256 {
        let _ = std::fs::remove_file(&received.path);
        return Err(Error::bad_input(format!(
            "the file sent as {sha256} has SHA-256 {}",
            received.sha256
        )));
    }
    store.commit(&received).await
}

/// A JSON object travelling as text.
pub(crate) fn object(row: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str(row) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        _ => Err(Error::bad_input(format!(
            "a row that is not a JSON object: {row}"
        ))),
    }
}
