//! The central side of the sync: nodes, who keeps which AC, a node's
//! enrolment and its pushes.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{EnrolledAc, Enrolment, Push, PushReply, TableRows};
use crate::clock;
use crate::db::sync::{self as q, NodeRow, OutboxRow, Owner, SYNCED, Synced};
use crate::db::{self, Conn, Db, Lock};
use crate::documents::store::BlobStore;
use crate::error::{Error, Result};

/// Enrols a node keeping `acs` (each kept by central until now); returns
/// the node's token, shown once.
pub async fn add_node(db: &Db, name: &str, acs: &[u32]) -> Result<String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(Error::bad_input(
            "a node's name is 1 to 64 letters, digits, '-' or '_' (e.g. hall-rampur)",
        ));
    }
    if acs.is_empty() {
        return Err(Error::bad_input(
            "a node keeps at least one AC: give --ac N",
        ));
    }
    let (token, hash) = crate::accounts::new_token()?;
    let at = clock::now_rfc3339();
    let mut tx = db.write().await?;
    let id = q::insert_node(&mut tx, name, &hash, &at).await?;
    for &ac in acs {
        db::ac(&mut tx, ac).await?;
        hand_over(&mut tx, ac, Some((id, name)), &at).await?;
    }
    tx.commit().await?;
    Ok(token)
}

/// Hands AC `ac` to the node `to` (None: central); the AC's epoch goes up,
/// so what its previous keeper sends later is refused and kept.
pub async fn move_ac(db: &Db, ac: u32, to: Option<&str>) -> Result<i64> {
    let at = clock::now_rfc3339();
    let mut tx = db.write_ac_as_keeper(ac).await?;
    db::ac(&mut tx, ac).await?;
    let node = match to {
        Some(name) => Some(
            q::node_by_name(&mut tx, name)
                .await?
                .ok_or_else(|| Error::not_found(format!("a node {name}")))?,
        ),
        None => None,
    };
    let epoch = hand_over(
        &mut tx,
        ac,
        node.as_ref().map(|n| (n.id, n.name.as_str())),
        &at,
    )
    .await?;
    tx.commit().await?;
    Ok(epoch)
}

async fn hand_over(c: &mut Conn, ac: u32, to: Option<(i64, &str)>, at: &str) -> Result<i64> {
    let before = q::ac_owner(c, ac).await?;
    let from = match before.and_then(|o| o.node_id) {
        Some(id) => q::nodes(c)
            .await?
            .into_iter()
            .find(|n| n.id == id)
            .map(|n| n.name),
        None => None,
    };
    if before.is_some_and(|o| o.node_id == to.map(|t| t.0)) {
        return Err(Error::bad_input(format!(
            "AC {ac} is kept by {} already",
            from.as_deref().unwrap_or("central")
        )));
    }
    let epoch = q::set_owner(c, ac, to.map(|t| t.0)).await?;
    db::audit(
        c,
        at,
        "cli",
        "ac.hand-over",
        Some(ac),
        &format!("AC {ac}"),
        Some(&json!({ "kept_by": from.as_deref().unwrap_or("central") })),
        Some(&json!({ "kept_by": to.map_or("central", |t| t.1), "epoch": epoch })),
    )
    .await?;
    Ok(epoch)
}

/// A node as `GET /api/v1/nodes` shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NodeView {
    pub name: String,
    pub acs: Vec<u32>,
    pub created_at: String,
    /// When it last pushed (or said it is there), if ever.
    pub last_seen_at: Option<String>,
    /// Its changes up to this sequence number are applied.
    pub last_applied_seq: i64,
    /// Its changes that were refused and kept.
    pub open_conflicts: i64,
}

/// Every node with its ACs, last contact and conflicts.
pub async fn nodes(db: &Db) -> Result<Vec<NodeView>> {
    let mut c = db.read().await?;
    let counts = q::conflict_counts(&mut c).await?;
    let mut out = vec![];
    for n in q::nodes(&mut c).await? {
        let acs = q::acs_of_node(&mut c, n.id).await?;
        out.push(NodeView {
            acs: acs.into_iter().map(|(a, _)| a).collect(),
            open_conflicts: counts.get(&n.id).copied().unwrap_or(0),
            name: n.name,
            created_at: n.created_at,
            last_seen_at: n.last_seen_at,
            last_applied_seq: n.last_seq,
        });
    }
    Ok(out)
}

/// The node a bearer token belongs to.
pub async fn node_of_token(db: &Db, token: &str) -> Result<NodeRow> {
    q::node_by_token(&mut db.read().await?, &crate::accounts::token_hash(token))
        .await?
        .ok_or_else(|| Error::Unauthorized {
            reason: "not the token of an enrolled node".into(),
        })
}

/// What the node is given on its first start: its ACs and every row of
/// them, with the files those rows name.
pub async fn enrolment(db: &Db, node: &NodeRow) -> Result<Enrolment> {
    let mut c = db.read().await?;
    let acs = q::acs_of_node(&mut c, node.id).await?;
    let mut tables = vec![];
    let mut blobs = BTreeSet::new();
    for t in SYNCED {
        let mut rows = vec![];
        let mut seen = BTreeSet::new();
        for &(ac, _) in &acs {
            for r in q::rows_of_ac(&mut c, t, ac, false).await? {
                if seen.insert(r.clone()) {
                    rows.push(r);
                }
            }
        }
        if t.name == "documents" {
            for r in &rows {
                if let Some(sha) = super::object(r)?.get("sha256").and_then(|v| v.as_str()) {
                    blobs.insert(sha.to_string());
                }
            }
        }
        tables.push(TableRows {
            name: t.name.to_string(),
            rows,
        });
    }
    Ok(Enrolment {
        node: node.name.clone(),
        node_id: node.id,
        id_base: q::id_base(node.id),
        last_seq: node.last_seq,
        acs: acs
            .into_iter()
            .map(|(ac_no, epoch)| EnrolledAc { ac_no, epoch })
            .collect(),
        tables,
        blobs: blobs.into_iter().collect(),
    })
}

/// Whether a stored file is one of the node's ACs' (a node reads no other).
pub async fn node_may_read_blob(db: &Db, node: &NodeRow, sha256: &str) -> Result<bool> {
    let mut c = db.read().await?;
    let Some(doc) = db::document_by_sha(&mut c, sha256).await? else {
        return Ok(false);
    };
    Ok(q::acs_of_node(&mut c, node.id)
        .await?
        .iter()
        .any(|(a, _)| *a == doc.ac_no))
}

/// Applies a node's push in one transaction: each change after the last
/// one applied, in order; a change to an AC the node no longer keeps (or
/// that does not fit the AC it names) is kept as a conflict instead.
///
/// A new document whose file central does not hold stops the push there:
/// the reply names the file, and the node sends it before the rest.
pub async fn apply_push(
    db: &Db,
    store: &BlobStore,
    node: &NodeRow,
    push: &Push,
) -> Result<PushReply> {
    let mut changes: Vec<&OutboxRow> = push.changes.iter().collect();
    changes.sort_by_key(|c| c.seq);
    let at = clock::now_rfc3339();
    let mut tx = db.write().await?;
    let mut last = q::lock_node(&mut tx, node.id).await?;
    let mut owners: HashMap<u32, Option<Owner>> = HashMap::new();
    let mut locked = BTreeSet::new();
    let mut conflicts = 0;
    let mut missing_blobs = vec![];
    for ch in changes {
        if ch.seq <= last {
            continue;
        }
        if let Some(sha) = ch.named_file()
            && !store.contains(&sha).await?
        {
            missing_blobs.push(sha);
            break;
        }
        let verdict = match ch.ac_no.and_then(|a| u32::try_from(a).ok()) {
            None => Err("a change that names no AC".to_string()),
            Some(ac) => {
                let owner = match owners.get(&ac) {
                    Some(o) => *o,
                    None => {
                        let o = q::ac_owner(&mut tx, ac).await?;
                        owners.insert(ac, o);
                        o
                    }
                };
                let epoch = push.epochs.get(&ac.to_string()).copied();
                match owner {
                    Some(o) if o.node_id == Some(node.id) && Some(o.epoch) == epoch => {
                        if locked.insert(ac) {
                            db::lock(&mut tx, Lock::Ac(ac)).await?;
                        }
                        apply_one(&mut tx, ac, ch, &at).await?
                    }
                    _ => Err(format!(
                        "AC {ac} is not this node's under epoch {}: it was handed to another place",
                        epoch.map_or("none".into(), |e| e.to_string())
                    )),
                }
            }
        };
        if let Err(reason) = verdict {
            q::insert_conflict(&mut tx, node.id, ch, &reason, &at).await?;
            conflicts += 1;
        }
        last = ch.seq;
    }
    q::touch_node(&mut tx, node.id, &at, last).await?;
    tx.commit().await?;
    let mine = q::acs_of_node(&mut db.read().await?, node.id).await?;
    let handed_over = push
        .epochs
        .iter()
        .filter_map(|(ac, epoch)| {
            let ac: u32 = ac.parse().ok()?;
            (!mine.contains(&(ac, *epoch))).then_some(ac)
        })
        .collect();
    Ok(PushReply {
        applied_through: last,
        conflicts,
        handed_over,
        missing_blobs,
    })
}

/// Applies one change inside its own savepoint: Ok, or the reason it is
/// kept as a conflict (nothing of it stays).
async fn apply_one(
    c: &mut Conn,
    ac: u32,
    ch: &OutboxRow,
    at: &str,
) -> Result<std::result::Result<(), String>> {
    let Some(t) = crate::db::sync::synced(&ch.tbl).filter(|t| t.pushed) else {
        return Ok(Err(format!("table {:?} does not travel", ch.tbl)));
    };
    let row = match super::object(&ch.row) {
        Ok(r) => r,
        Err(e) => return Ok(Err(e.to_string())),
    };
    db::query("SAVEPOINT sync_change").execute(&mut *c).await?;
    let done: Result<Option<String>> = async {
        let stored = q::stored_ac(&mut *c, t, &row).await?;
        if let Some(reason) = foreign(&mut *c, t, ac, &row, stored).await? {
            return Ok(Some(reason));
        }
        let cols = q::columns(&mut *c, t).await?;
        match ch.op.as_str() {
            "upsert" => {
                q::upsert_row(&mut *c, t, &cols, &row).await?;
                if stored.is_none() && t.name == "archive_records" {
                    log_record(&mut *c, &row, at).await?;
                }
            }
            "delete" => q::delete_row(&mut *c, t, &row).await?,
            other => return Ok(Some(format!("unknown operation {other:?}"))),
        }
        Ok(None)
    }
    .await;
    let refused = done.unwrap_or_else(|e| Some(e.to_string()));
    if refused.is_some() {
        db::query("ROLLBACK TO SAVEPOINT sync_change")
            .execute(&mut *c)
            .await?;
    }
    db::query("RELEASE SAVEPOINT sync_change")
        .execute(&mut *c)
        .await?;
    Ok(refused.map_or(Ok(()), Err))
}

/// Why a row cannot be AC `ac`'s, if it cannot: it names another AC, or
/// the row stored under its key (whose AC is `stored`) is another AC's.
async fn foreign(
    c: &mut Conn,
    t: &Synced,
    ac: u32,
    row: &serde_json::Map<String, serde_json::Value>,
    stored: Option<i64>,
) -> Result<Option<String>> {
    let named = if t.ac_is_column() {
        row.get("ac_no").and_then(|v| v.as_i64())
    } else {
        match row.get("document_id").and_then(|v| v.as_i64()) {
            Some(d) => q::document_ac(c, d).await?,
            None => None,
        }
    };
    if let Some(other) = named.filter(|a| *a != i64::from(ac)) {
        return Ok(Some(format!("the row is AC {other}'s, not AC {ac}'s")));
    }
    if let Some(other) = stored.filter(|a| *a != i64::from(ac)) {
        return Ok(Some(format!(
            "the row stored under this key is AC {other}'s"
        )));
    }
    Ok(None)
}

/// A pushed archive record joins central's log, as one archived here would.
async fn log_record(
    c: &mut Conn,
    row: &serde_json::Map<String, serde_json::Value>,
    at: &str,
) -> Result<()> {
    let text = |k: &str| row.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let int = |k: &str| row.get(k).and_then(|v| v.as_i64());
    let rid = int("id").ok_or_else(|| Error::bad_input("an archive record without its id"))?;
    let record = db::NewArchiveRecord {
        ac_no: int("ac_no")
            .and_then(|a| u32::try_from(a).ok())
            .unwrap_or_default(),
        certificate_id: text("certificate_id"),
        document_id: int("document_id").unwrap_or_default(),
        page_no: int("page_no")
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or_default(),
        sha256: text("sha256"),
        ac_name: text("ac_name"),
        winner: text("winner"),
        party: text("party"),
        election: text("election"),
        uploaded_by: text("uploaded_by"),
        uploaded_at: text("uploaded_at"),
        supersedes: int("supersedes"),
        search: text("search"),
        // As the hall archived it: the entry carries the record's own fields.
        archived_at: row
            .get("archived_at")
            .and_then(|v| v.as_str())
            .unwrap_or(at),
    };
    crate::archive::log_archived(c, rid, &record).await
}
