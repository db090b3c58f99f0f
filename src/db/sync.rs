//! Queries of the hall-node sync (`docs/sync.md`): which tables travel and
//! how their rows become JSON, the hall's outbox (filled by triggers in the
//! transaction of each change), and central's nodes, AC owners and
//! conflicts.
//!
//! A row travels as a JSON object of its columns, the hall's own columns
//! (a page's lease) left out. Ids that travel are global: a row a hall
//! created carries its node's id base plus its own id, a row it was given
//! at enrolment carries the id central gave it (`hall_ids`). The SQL that
//! builds a row's JSON is written once here and used by the triggers, by
//! enrolment and by the digests that compare a hall with central.

use std::collections::BTreeMap;

use super::{Conn, Engine, OnConstraint, query};
use crate::error::{Error, Result, Rule};

/// A table whose rows travel between a hall and central.
#[derive(Debug)]
pub struct Synced {
    pub name: &'static str,
    /// The primary key's columns.
    pub key: &'static [&'static str],
    /// The row's AC, as SQL over the row called `{a}`.
    ac_of: &'static str,
    /// Whether a row is one of AC `$1`'s, as SQL over the row `{a}` (None:
    /// `ac_of` = $1).
    belongs: Option<&'static str>,
    /// Columns holding ids of rows that travel, with the table they name.
    ids: &'static [(&'static str, &'static str)],
    /// Columns that stay where they are written.
    local: &'static [&'static str],
    /// Whether the hall's changes to it are pushed (false: central gives
    /// it at enrolment only).
    pub pushed: bool,
}

const fn pushed(name: &'static str, key: &'static [&'static str]) -> Synced {
    Synced {
        name,
        key,
        ac_of: "{a}.ac_no",
        belongs: None,
        ids: &[],
        local: &[],
        pushed: true,
    }
}

const BY_DOCUMENT: &str = "(SELECT d.ac_no FROM documents d WHERE d.id = {a}.document_id)";

/// Every table that travels, in an order that inserts a row after the rows
/// it refers to.
pub const SYNCED: &[Synced] = &[
    Synced {
        ac_of: "NULL",
        belongs: Some("{a}.id IN (SELECT election_id FROM acs WHERE ac_no = $1)"),
        pushed: false,
        ..pushed("elections", &["id"])
    },
    pushed("acs", &["ac_no"]),
    pushed("candidates", &["ac_no", "serial"]),
    pushed("polling_stations", &["ac_no", "ps_no"]),
    pushed("etpbs_ballots", &["ac_no", "ballot_id"]),
    pushed("rounds", &["ac_no", "round"]),
    pushed("table_entries", &["ac_no", "round", "table_no"]),
    pushed("postal_tallies", &["ac_no"]),
    pushed("vvpat_stations", &["ac_no", "ps_no"]),
    pushed("certificates", &["id"]),
    Synced {
        ids: &[("id", "documents")],
        ..pushed("documents", &["id"])
    },
    Synced {
        ac_of: BY_DOCUMENT,
        ids: &[("document_id", "documents")],
        local: &["worker", "lease_until", "attempts", "turn"],
        ..pushed("pages", &["document_id", "page_no"])
    },
    Synced {
        ids: &[("id", "findings"), ("document_id", "documents")],
        ..pushed("findings", &["id"])
    },
    Synced {
        ac_of: BY_DOCUMENT,
        ids: &[("document_id", "documents")],
        ..pushed("agreements", &["document_id", "page_no", "field"])
    },
    pushed("ballots", &["ac_no", "ballot_id"]),
    pushed("reverifications", &["ac_no", "ballot_id"]),
    pushed("progress", &["ac_no"]),
    Synced {
        ids: &[
            ("id", "archive_records"),
            ("document_id", "documents"),
            ("supersedes", "archive_records"),
        ],
        ..pushed("archive_records", &["id"])
    },
    pushed("standings", &["ac_no"]),
    Synced {
        ids: &[("id", "audit_log")],
        ..pushed("audit_log", &["id"])
    },
    Synced {
        ids: &[("id", "refusals")],
        ..pushed("refusals", &["id"])
    },
    Synced {
        ac_of: "NULL",
        belongs: Some("{a}.id IN (SELECT user_id FROM user_acs WHERE ac_no = $1)"),
        pushed: false,
        ..pushed("users", &["id"])
    },
    Synced {
        pushed: false,
        ..pushed("user_acs", &["user_id", "ac_no"])
    },
];

/// The table of that name, if it travels.
pub fn synced(name: &str) -> Option<&'static Synced> {
    SYNCED.iter().find(|s| s.name == name)
}

impl Synced {
    /// The table its id column `col` refers to, if it holds an id.
    pub fn id_table(&self, col: &str) -> Option<&'static str> {
        self.ids.iter().find(|(c, _)| *c == col).map(|(_, t)| *t)
    }

    /// Whether the row's AC is one of its columns (not found through
    /// another table).
    pub fn ac_is_column(&self) -> bool {
        self.ac_of == "{a}.ac_no"
    }

    fn ac(&self, alias: &str) -> String {
        self.ac_of.replace("{a}", alias)
    }

    fn belongs(&self, alias: &str) -> String {
        match self.belongs {
            Some(p) => p.replace("{a}", alias),
            None => format!("{} = $1", self.ac(alias)),
        }
    }
}

/// The columns of `t` that travel, in the database's order.
pub async fn columns(c: &mut Conn, t: &Synced) -> Result<Vec<String>> {
    let sql = match c.engine() {
        Engine::Sqlite => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        Engine::Postgres => {
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let all: Vec<String> = query(sql).bind(t.name).scalars(c).await?;
    if all.is_empty() {
        return Err(Error::internal(format!("table {} has no columns", t.name)));
    }
    Ok(all
        .into_iter()
        .filter(|col| !t.local.contains(&col.as_str()))
        .collect())
}

/// A column's value as it travels: on a hall (`global`), an id becomes
/// the global id of the row it names.
fn value(t: &Synced, col: &str, alias: &str, global: bool) -> String {
    match t.id_table(col).filter(|_| global) {
        Some(r) => format!(
            "(CASE WHEN {alias}.{col} IS NULL THEN NULL ELSE coalesce(
               (SELECT global_id FROM hall_ids WHERE tbl = '{r}' AND local_id = {alias}.{col}),
               (SELECT id_base FROM hall) + {alias}.{col}) END)"
        ),
        None => format!("{alias}.{col}"),
    }
}

/// SQL for the JSON object of a row's columns `cols`.
fn row_json(engine: Engine, t: &Synced, cols: &[String], alias: &str, global: bool) -> String {
    let pairs: Vec<String> = cols
        .iter()
        .map(|col| format!("'{col}', {}", value(t, col, alias, global)))
        .collect();
    match engine {
        Engine::Sqlite => format!("json_object({})", pairs.join(", ")),
        Engine::Postgres => format!("json_build_object({})::text", pairs.join(", ")),
    }
}

/// The rows of `t` that are AC `ac`'s, as JSON, in key order; with
/// `global`, ids as they travel (a hall's rows as central holds them).
pub async fn rows_of_ac(c: &mut Conn, t: &Synced, ac: u32, global: bool) -> Result<Vec<String>> {
    let cols = columns(c, t).await?;
    let sql = format!(
        "SELECT {} FROM {} x WHERE {} ORDER BY {}",
        row_json(c.engine(), t, &cols, "x", global),
        t.name,
        t.belongs("x"),
        t.key
            .iter()
            .map(|k| format!("x.{k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    query(&sql).bind(i64::from(ac)).scalars(c).await
}

/// Makes the triggers that write every change of a hall's ACs to the
/// outbox, in the change's own transaction (made again at each start, so
/// that they follow the schema).
pub async fn install_triggers(c: &mut Conn) -> Result<()> {
    for t in SYNCED.iter().filter(|t| t.pushed) {
        let cols = columns(c, t).await?;
        let key: Vec<String> = t.key.iter().map(|k| k.to_string()).collect();
        let mine = |alias: &str| format!("{} IN (SELECT ac_no FROM hall_acs)", t.ac(alias));
        let put = |alias: &str, op: &str, cols: &[String]| {
            format!(
                "INSERT INTO outbox (tbl, op, ac_no, row) VALUES ('{}', '{op}', {}, {});",
                t.name,
                t.ac(alias),
                row_json(Engine::Sqlite, t, cols, alias, true)
            )
        };
        let blob = if t.name == "documents" {
            "INSERT OR IGNORE INTO outbox_blobs (sha256) VALUES (NEW.sha256);"
        } else {
            ""
        };
        let name = t.name;
        for sql in [
            format!("DROP TRIGGER IF EXISTS sync_{name}_insert"),
            format!("DROP TRIGGER IF EXISTS sync_{name}_update"),
            format!("DROP TRIGGER IF EXISTS sync_{name}_delete"),
            format!(
                "CREATE TRIGGER sync_{name}_insert AFTER INSERT ON {name} WHEN {} BEGIN {} {blob} END",
                mine("NEW"),
                put("NEW", "upsert", &cols)
            ),
            format!(
                "CREATE TRIGGER sync_{name}_update AFTER UPDATE OF {} ON {name} WHEN {} BEGIN {} END",
                cols.join(", "),
                mine("NEW"),
                put("NEW", "upsert", &cols)
            ),
            format!(
                "CREATE TRIGGER sync_{name}_delete AFTER DELETE ON {name} WHEN {} BEGIN {} END",
                mine("OLD"),
                put("OLD", "delete", &key)
            ),
        ] {
            query(&sql).execute(&mut *c).await?;
        }
    }
    Ok(())
}

/// The columns of a travelling row, checked against the table's.
fn row_columns<'a>(
    t: &Synced,
    cols: &[String],
    row: &'a serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<&'a str>> {
    let mut out = vec![];
    for k in row.keys() {
        if !cols.iter().any(|c| c == k) {
            return Err(Error::bad_input(format!(
                "table {} has no column {k:?}",
                t.name
            )));
        }
        out.push(k.as_str());
    }
    for k in t.key {
        if !row.contains_key(*k) {
            return Err(Error::bad_input(format!(
                "a row of {} without its key {k}",
                t.name
            )));
        }
    }
    Ok(out)
}

/// A travelling row as the JSON text its statements bind as `$1`.
fn text(row: &serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::Value::Object(row.clone()).to_string()
}

/// `k = <the row's k>` for every key column, the row being JSON in `$1`.
fn key_match(engine: Engine, t: &Synced) -> String {
    match engine {
        Engine::Sqlite => t
            .key
            .iter()
            .map(|k| format!("{k} = json_extract($1, '$.{k}')"))
            .collect::<Vec<_>>()
            .join(" AND "),
        Engine::Postgres => {
            let keys = t.key.join(", ");
            format!(
                "({keys}) = (SELECT {keys} FROM json_populate_record(NULL::{}, $1::json))",
                t.name
            )
        }
    }
}

/// Inserts a travelling row, or updates the row with its key.
pub async fn upsert_row(
    c: &mut Conn,
    t: &Synced,
    cols: &[String],
    row: &serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let names = row_columns(t, cols, row)?;
    let list = names.join(", ");
    let updates: Vec<String> = names
        .iter()
        .filter(|n| !t.key.contains(n))
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    let on_conflict = if updates.is_empty() {
        "DO NOTHING".to_string()
    } else {
        format!("DO UPDATE SET {}", updates.join(", "))
    };
    let source = match c.engine() {
        Engine::Sqlite => format!(
            "VALUES ({})",
            names
                .iter()
                .map(|n| format!("json_extract($1, '$.{n}')"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Engine::Postgres => format!(
            "SELECT {list} FROM json_populate_record(NULL::{}, $1::json)",
            t.name
        ),
    };
    let sql = format!(
        "INSERT INTO {} ({list}) {source} ON CONFLICT ({}) {on_conflict}",
        t.name,
        t.key.join(", ")
    );
    query(&sql).bind(text(row)).execute(c).await?;
    Ok(())
}

/// Deletes the row with the key of `row`.
pub async fn delete_row(
    c: &mut Conn,
    t: &Synced,
    row: &serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let sql = format!("DELETE FROM {} WHERE {}", t.name, key_match(c.engine(), t));
    query(&sql).bind(text(row)).execute(c).await?;
    Ok(())
}

/// The AC of the stored row with the key of `row` (for a page, its
/// document's): None when no row has that key (every travelling row of a
/// hall names its AC).
pub async fn stored_ac(
    c: &mut Conn,
    t: &Synced,
    row: &serde_json::Map<String, serde_json::Value>,
) -> Result<Option<i64>> {
    let sql = format!(
        "SELECT {} FROM {} x WHERE {}",
        t.ac("x"),
        t.name,
        key_match(c.engine(), t)
    );
    query(&sql)
        .bind(text(row))
        .fetch_optional::<(Option<i64>,)>(c)
        .await
        .map(|r| r.and_then(|r| r.0))
}

/// The AC of a document.
pub async fn document_ac(c: &mut Conn, id: i64) -> Result<Option<i64>> {
    query("SELECT ac_no FROM documents WHERE id = $1")
        .bind(id)
        .scalar_optional(c)
        .await
}

// ---- central: nodes, owners, conflicts ----

/// An enrolled hall node.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NodeRow {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_seen_at: Option<String>,
    pub last_seq: i64,
}

const NODE: &str = "SELECT id, name, created_at, last_seen_at, last_seq FROM nodes";

/// Each node's ids start here: far above any id central gives itself.
pub fn id_base(node_id: i64) -> i64 {
    node_id * 1_000_000_000_000
}

/// Stores a node; 409 when the name is taken.
pub async fn insert_node(c: &mut Conn, name: &str, token_hash: &str, at: &str) -> Result<i64> {
    query("INSERT INTO nodes (name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(name)
        .bind(token_hash)
        .bind(at)
        .scalar(c)
        .await
        .on_unique(|| {
            Error::rule(
                Rule::NodeExists,
                format!("a node {name} is enrolled already"),
            )
        })
}

/// The node a token belongs to.
pub async fn node_by_token(c: &mut Conn, token_hash: &str) -> Result<Option<NodeRow>> {
    query(&format!("{NODE} WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(c)
        .await
}

/// The node of that name.
pub async fn node_by_name(c: &mut Conn, name: &str) -> Result<Option<NodeRow>> {
    query(&format!("{NODE} WHERE name = $1"))
        .bind(name)
        .fetch_optional(c)
        .await
}

/// Every node, by name.
pub async fn nodes(c: &mut Conn) -> Result<Vec<NodeRow>> {
    query(&format!("{NODE} ORDER BY name")).fetch_all(c).await
}

/// The node's row, locked until the transaction ends (one push of a node
/// at a time), with its last applied sequence number.
pub async fn lock_node(c: &mut Conn, id: i64) -> Result<i64> {
    let sql = match c.engine() {
        Engine::Sqlite => "SELECT last_seq FROM nodes WHERE id = $1",
        Engine::Postgres => "SELECT last_seq FROM nodes WHERE id = $1 FOR UPDATE",
    };
    query(sql).bind(id).scalar(c).await
}

/// Records that the node was heard from, and what it has had applied.
pub async fn touch_node(c: &mut Conn, id: i64, at: &str, last_seq: i64) -> Result<()> {
    query("UPDATE nodes SET last_seen_at = $1, last_seq = $2 WHERE id = $3")
        .bind(at)
        .bind(last_seq)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Who keeps an AC: the node (None: central) and the epoch of that hand-over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Owner {
    pub node_id: Option<i64>,
    pub epoch: i64,
}

/// Who keeps the AC (None: central, as it always was).
pub async fn ac_owner(c: &mut Conn, ac: u32) -> Result<Option<Owner>> {
    query("SELECT node_id, epoch FROM ac_owners WHERE ac_no = $1")
        .bind(i64::from(ac))
        .fetch_optional(c)
        .await
}

/// Hands the AC to a node (None: central), one epoch on; returns the epoch.
pub async fn set_owner(c: &mut Conn, ac: u32, node: Option<i64>) -> Result<i64> {
    query(
        "INSERT INTO ac_owners (ac_no, node_id, epoch) VALUES ($1, $2, 1)
         ON CONFLICT (ac_no) DO UPDATE SET node_id = excluded.node_id, epoch = ac_owners.epoch + 1
         RETURNING epoch",
    )
    .bind(i64::from(ac))
    .bind(node)
    .scalar(c)
    .await
    .on_foreign_key(|| Error::not_found(format!("AC {ac}")))
}

/// The ACs a node keeps, with their epochs.
pub async fn acs_of_node(c: &mut Conn, node: i64) -> Result<Vec<(u32, i64)>> {
    let rows: Vec<(i64, i64)> =
        query("SELECT ac_no, epoch FROM ac_owners WHERE node_id = $1 ORDER BY ac_no")
            .bind(node)
            .fetch_all(c)
            .await?;
    rows.into_iter()
        .map(|(a, e)| Ok((super::to_u32(a, "AC")?, e)))
        .collect()
}

/// Every AC kept by a node, with the node's name and when it was last heard from.
pub async fn node_acs(c: &mut Conn) -> Result<Vec<(u32, String, Option<String>)>> {
    let rows: Vec<(i64, String, Option<String>)> = query(
        "SELECT o.ac_no, n.name, n.last_seen_at FROM ac_owners o JOIN nodes n ON n.id = o.node_id ORDER BY o.ac_no",
    )
    .fetch_all(c)
    .await?;
    rows.into_iter()
        .map(|(a, n, s)| Ok((super::to_u32(a, "AC")?, n, s)))
        .collect()
}

/// Refuses a change to an AC that is not changed here: on central, one a
/// hall node keeps; on a hall, one central has handed to another place.
pub async fn require_changeable_here(c: &mut Conn, ac: u32) -> Result<()> {
    let node: Option<String> =
        query("SELECT n.name FROM ac_owners o JOIN nodes n ON n.id = o.node_id WHERE o.ac_no = $1")
            .bind(i64::from(ac))
            .scalar_optional(&mut *c)
            .await?;
    if let Some(node) = node {
        return Err(Error::rule(
            Rule::AcOwnedByNode,
            format!(
                "AC {ac} is kept by the counting-hall node {node}: change it there (it syncs here), \
                 or hand it over with `scrutiny node move --ac {ac} --to central`"
            ),
        ));
    }
    let moved: Option<Option<String>> =
        query("SELECT handed_over_at FROM hall_acs WHERE ac_no = $1")
            .bind(i64::from(ac))
            .scalar_optional(c)
            .await?;
    if let Some(Some(at)) = moved {
        return Err(Error::rule(
            Rule::AcHandedOver,
            format!(
                "AC {ac} was handed over to another place at {at}: this hall keeps what it had, \
                 and changes it no more"
            ),
        ));
    }
    Ok(())
}

/// A change a node pushed that was not applied.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Conflict {
    pub id: i64,
    /// The node's sequence number of the change.
    pub seq: i64,
    pub ac_no: Option<i64>,
    pub tbl: String,
    pub op: String,
    /// The row as the node sent it (JSON).
    pub row: String,
    pub reason: String,
    pub received_at: String,
}

/// Keeps a change that was not applied (a repeat of one kept changes nothing).
pub async fn insert_conflict(
    c: &mut Conn,
    node: i64,
    change: &OutboxRow,
    reason: &str,
    at: &str,
) -> Result<()> {
    query(
        "INSERT INTO sync_conflicts (node_id, seq, ac_no, tbl, op, row, reason, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (node_id, seq) DO NOTHING",
    )
    .bind(node)
    .bind(change.seq)
    .bind(change.ac_no)
    .bind(&change.tbl)
    .bind(&change.op)
    .bind(&change.row)
    .bind(reason)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// A node's conflicts, oldest first.
pub async fn conflicts(c: &mut Conn, node: i64) -> Result<Vec<Conflict>> {
    query(
        "SELECT id, seq, ac_no, tbl, op, row, reason, received_at FROM sync_conflicts
         WHERE node_id = $1 ORDER BY seq",
    )
    .bind(node)
    .fetch_all(c)
    .await
}

/// How many conflicts each node has.
pub async fn conflict_counts(c: &mut Conn) -> Result<BTreeMap<i64, i64>> {
    let rows: Vec<(i64, i64)> =
        query("SELECT node_id, COUNT(*) FROM sync_conflicts GROUP BY node_id")
            .fetch_all(c)
            .await?;
    Ok(rows.into_iter().collect())
}

// ---- a hall: who it is, its ACs, its ids, its outbox ----

/// A hall's record of itself.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HallRow {
    pub name: String,
    pub node_id: i64,
    pub id_base: i64,
    pub upstream: String,
    pub pushed_seq: i64,
    pub enrolled_at: String,
}

/// The hall's record of itself, once enrolled.
pub async fn hall(c: &mut Conn) -> Result<Option<HallRow>> {
    query("SELECT name, node_id, id_base, upstream, pushed_seq, enrolled_at FROM hall")
        .fetch_optional(c)
        .await
}

/// Records the enrolment: the node, its ACs and epochs, and the first
/// sequence number its outbox will give (after the last central applied).
pub async fn insert_hall(c: &mut Conn, h: &HallRow, acs: &[(u32, i64)]) -> Result<()> {
    query(
        "INSERT INTO hall (id, name, node_id, id_base, upstream, pushed_seq, enrolled_at)
         VALUES (1, $1, $2, $3, $4, $5, $6)",
    )
    .bind(&h.name)
    .bind(h.node_id)
    .bind(h.id_base)
    .bind(&h.upstream)
    .bind(h.pushed_seq)
    .bind(&h.enrolled_at)
    .execute(&mut *c)
    .await?;
    for (ac, epoch) in acs {
        query("INSERT INTO hall_acs (ac_no, epoch) VALUES ($1, $2)")
            .bind(i64::from(*ac))
            .bind(*epoch)
            .execute(&mut *c)
            .await?;
    }
    query("DELETE FROM sqlite_sequence WHERE name = 'outbox'")
        .execute(&mut *c)
        .await?;
    query("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', $1)")
        .bind(h.pushed_seq)
        .execute(c)
        .await?;
    Ok(())
}

/// The hall's ACs: number, epoch, when central said it was handed over.
pub async fn hall_acs(c: &mut Conn) -> Result<Vec<(u32, i64, Option<String>)>> {
    let rows: Vec<(i64, i64, Option<String>)> =
        query("SELECT ac_no, epoch, handed_over_at FROM hall_acs ORDER BY ac_no")
            .fetch_all(c)
            .await?;
    rows.into_iter()
        .map(|(a, e, h)| Ok((super::to_u32(a, "AC")?, e, h)))
        .collect()
}

/// Records that central handed the AC to another place.
pub async fn set_handed_over(c: &mut Conn, ac: u32, at: &str) -> Result<()> {
    query("UPDATE hall_acs SET handed_over_at = $1 WHERE ac_no = $2 AND handed_over_at IS NULL")
        .bind(at)
        .bind(i64::from(ac))
        .execute(c)
        .await?;
    Ok(())
}

/// Records the global id of a row given at enrolment.
pub async fn insert_hall_id(c: &mut Conn, tbl: &str, local: i64, global: i64) -> Result<()> {
    query("INSERT INTO hall_ids (tbl, local_id, global_id) VALUES ($1, $2, $3)")
        .bind(tbl)
        .bind(local)
        .bind(global)
        .execute(c)
        .await?;
    Ok(())
}

/// One change in the outbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct OutboxRow {
    pub seq: i64,
    pub tbl: String,
    pub op: String,
    pub ac_no: Option<i64>,
    /// The row's columns (a delete: its key) as JSON text.
    pub row: String,
}

impl OutboxRow {
    /// The stored file the change names: a new or changed document's SHA-256.
    pub fn named_file(&self) -> Option<String> {
        if self.tbl != "documents" || self.op != "upsert" {
            return None;
        }
        let row: serde_json::Value = serde_json::from_str(&self.row).ok()?;
        row.get("sha256")?.as_str().map(str::to_string)
    }
}

/// Up to `limit` changes after `seq`, in order.
pub async fn outbox_after(c: &mut Conn, seq: i64, limit: u32) -> Result<Vec<OutboxRow>> {
    query("SELECT seq, tbl, op, ac_no, row FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(seq)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await
}

/// How many changes and files wait to be pushed.
pub async fn outbox_pending(c: &mut Conn) -> Result<(i64, i64)> {
    query(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE seq > (SELECT pushed_seq FROM hall)),
                (SELECT COUNT(*) FROM outbox_blobs WHERE pushed = 0)",
    )
    .fetch_one(c)
    .await
}

/// Central has applied every change up to `seq`: forget them.
pub async fn outbox_applied(c: &mut Conn, seq: i64) -> Result<()> {
    query("UPDATE hall SET pushed_seq = $1 WHERE pushed_seq < $1")
        .bind(seq)
        .execute(&mut *c)
        .await?;
    query("DELETE FROM outbox WHERE seq <= $1")
        .bind(seq)
        .execute(c)
        .await?;
    Ok(())
}

/// Whether the file still has to be pushed.
pub async fn blob_unpushed(c: &mut Conn, sha256: &str) -> Result<bool> {
    Ok(
        query("SELECT 1 FROM outbox_blobs WHERE sha256 = $1 AND pushed = 0")
            .bind(sha256)
            .scalar_optional::<i32>(c)
            .await?
            .is_some(),
    )
}

/// Central has the file.
pub async fn blob_pushed(c: &mut Conn, sha256: &str) -> Result<()> {
    query("UPDATE outbox_blobs SET pushed = 1 WHERE sha256 = $1")
        .bind(sha256)
        .execute(c)
        .await?;
    Ok(())
}

/// Central lacks the file after all: push it again.
pub async fn blob_unpushed_again(c: &mut Conn, sha256: &str) -> Result<()> {
    query("UPDATE outbox_blobs SET pushed = 0 WHERE sha256 = $1")
        .bind(sha256)
        .execute(c)
        .await?;
    Ok(())
}

/// Whether any hall node is enrolled (their files reach the store before
/// the rows that name them).
pub async fn any_node(c: &mut Conn) -> Result<bool> {
    Ok(query("SELECT 1 FROM nodes LIMIT 1")
        .scalar_optional::<i32>(c)
        .await?
        .is_some())
}

/// Whether the database holds an election (a hall enrols into an empty one).
pub async fn has_election(c: &mut Conn) -> Result<bool> {
    Ok(query("SELECT 1 FROM elections LIMIT 1")
        .scalar_optional::<i32>(c)
        .await?
        .is_some())
}
