//! The database: opening it (SQLite in WAL mode with synchronous commits, so
//! an acknowledged write survives a power cut), the migrations, and every
//! query. Nothing outside this module writes SQL.
//!
//! Queries take a `&mut Conn` so that callers compose them inside one
//! transaction ([`Db::write`]). Writes go through a single connection:
//! SQLite has one writer anyway, and queueing in the pool is fairer than
//! `SQLITE_BUSY`. Reads use their own pool and never wait for writers.

pub mod documents;

pub use documents::*;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::accounts::{Role, User};
use crate::counting::{Ac, Candidate, Postal, RegisterBallot, RoundState, RoundStatus, TableEntry};
use crate::error::{Error, Result};

/// A database connection (also what a transaction dereferences to).
pub type Conn = sqlx::SqliteConnection;
/// A write transaction.
pub type Tx = Transaction<'static, Sqlite>;

/// The database file's name inside the data folder.
pub const FILE_NAME: &str = "scrutiny.sqlite3";

/// Handle to the database: a read pool and the one writer.
#[derive(Clone, Debug)]
pub struct Db {
    read: SqlitePool,
    write: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) `DIR/scrutiny.sqlite3` and brings its
    /// schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Db> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
        let path = data_dir.join(FILE_NAME);
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Db { read, write })
    }

    /// Starts the write transaction; commit it to keep anything.
    pub async fn write(&self) -> Result<Tx> {
        Ok(self.write.begin().await?)
    }

    /// A connection for reading.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Sqlite>> {
        Ok(self.read.acquire().await?)
    }

    /// Closes both pools (the WAL is checkpointed by SQLite on the last close).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

pub(crate) fn u32_of(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

fn votes_of(json: &str) -> Result<Vec<u64>> {
    serde_json::from_str(json).map_err(|e| Error::Panic {
        reason: format!("stored votes are not a JSON list: {e}"),
    })
}

fn votes_json(votes: &[u64]) -> String {
    serde_json::to_string(votes).unwrap_or_else(|_| "[]".into())
}

// ---- meta ----------------------------------------------------------------

/// A value of the `meta` table.
pub async fn meta_get(c: &mut Conn, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_optional(c)
        .await?)
}

/// Sets a value of the `meta` table.
pub async fn meta_set(c: &mut Conn, key: &str, value: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(c)
    .await?;
    Ok(())
}

// ---- election and ACs ------------------------------------------------------

/// Stores an election; returns its id.
pub async fn insert_election(c: &mut Conn, name: &str, state: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("INSERT INTO elections (name, state) VALUES ($1, $2) RETURNING id")
            .bind(name)
            .bind(state)
            .fetch_one(c)
            .await?,
    )
}

/// The election's name and state (the first election: one per deployment).
pub async fn election(c: &mut Conn) -> Result<Option<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT name, state FROM elections ORDER BY id LIMIT 1")
            .fetch_optional(c)
            .await?,
    )
}

/// Stores an AC with its candidates and its rounds (all draft, revision 1).
/// Fails with a 409 when the AC number is taken.
pub async fn insert_ac(c: &mut Conn, election_id: i64, ac: &Ac) -> Result<()> {
    let taken: Option<i64> = sqlx::query_scalar("SELECT ac_no FROM acs WHERE ac_no = $1")
        .bind(ac.ac_no)
        .fetch_optional(&mut *c)
        .await?;
    if taken.is_some() {
        return Err(Error::rule(
            "ac-exists",
            format!("AC {} already exists", ac.ac_no),
        ));
    }
    sqlx::query(
        "INSERT INTO acs (ac_no, election_id, name, district, ro_name, tables_count, rounds_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ac.ac_no)
    .bind(election_id)
    .bind(&ac.name)
    .bind(&ac.district)
    .bind(&ac.ro)
    .bind(ac.tables)
    .bind(ac.rounds)
    .execute(&mut *c)
    .await?;
    for cand in &ac.candidates {
        sqlx::query("INSERT INTO candidates (ac_no, serial, name, party) VALUES ($1, $2, $3, $4)")
            .bind(ac.ac_no)
            .bind(cand.serial)
            .bind(&cand.name)
            .bind(&cand.party)
            .execute(&mut *c)
            .await?;
    }
    for round in 1..=ac.rounds {
        sqlx::query("INSERT INTO rounds (ac_no, round) VALUES ($1, $2)")
            .bind(ac.ac_no)
            .bind(round)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

type AcRow = (i64, String, String, String, i64, i64, Option<String>);

/// An AC with its candidates, or a 404.
pub async fn ac(c: &mut Conn, ac_no: u32) -> Result<Ac> {
    let row: Option<AcRow> = sqlx::query_as(
        "SELECT ac_no, name, district, ro_name, tables_count, rounds_count, declared_at
         FROM acs WHERE ac_no = $1",
    )
    .bind(ac_no)
    .fetch_optional(&mut *c)
    .await?;
    let (ac_no, name, district, ro, tables, rounds, declared_at) =
        row.ok_or_else(|| Error::not_found(format!("AC {ac_no}")))?;
    let candidates: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT serial, name, party FROM candidates WHERE ac_no = $1 ORDER BY serial",
    )
    .bind(ac_no)
    .fetch_all(&mut *c)
    .await?;
    Ok(Ac {
        ac_no: u32_of(ac_no),
        name,
        district,
        ro,
        tables: u32_of(tables),
        rounds: u32_of(rounds),
        candidates: candidates
            .into_iter()
            .map(|(serial, name, party)| Candidate {
                serial: u32_of(serial),
                name,
                party,
            })
            .collect(),
        declared_at,
    })
}

/// One line of the AC list.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AcListing {
    pub ac_no: u32,
    pub name: String,
    pub district: String,
    /// The Returning Officer's name.
    pub ro: String,
}

/// Every AC, by number.
pub async fn ac_list(c: &mut Conn) -> Result<Vec<AcListing>> {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT ac_no, name, district, ro_name FROM acs ORDER BY ac_no")
            .fetch_all(c)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(ac_no, name, district, ro)| AcListing {
            ac_no: u32_of(ac_no),
            name,
            district,
            ro,
        })
        .collect())
}

/// Marks the result declared.
pub async fn set_declared(c: &mut Conn, ac_no: u32, at: &str, by: &str) -> Result<()> {
    sqlx::query("UPDATE acs SET declared_at = $1, declared_by = $2 WHERE ac_no = $3")
        .bind(at)
        .bind(by)
        .bind(ac_no)
        .execute(c)
        .await?;
    Ok(())
}

// ---- rounds and entries -----------------------------------------------------

/// Every round's state, in order.
pub async fn round_states(c: &mut Conn, ac_no: u32) -> Result<Vec<RoundState>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT round, status, revision FROM rounds WHERE ac_no = $1 ORDER BY round",
    )
    .bind(ac_no)
    .fetch_all(c)
    .await?;
    rows.into_iter()
        .map(|(round, status, revision)| {
            Ok(RoundState {
                round: u32_of(round),
                status: RoundStatus::parse(&status)?,
                revision: u32_of(revision),
            })
        })
        .collect()
}

/// The counted tables of a round, in table order.
pub async fn round_entries(c: &mut Conn, ac_no: u32, round: u32) -> Result<Vec<TableEntry>> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT table_no, ps_no, votes FROM table_entries WHERE ac_no = $1 AND round = $2 ORDER BY table_no",
    )
    .bind(ac_no)
    .bind(round)
    .fetch_all(c)
    .await?;
    rows.into_iter()
        .map(|(table, ps_no, votes)| {
            Ok(TableEntry {
                table: u32_of(table),
                ps_no: u32_of(ps_no),
                votes: votes_of(&votes)?,
            })
        })
        .collect()
}

/// Every entry of every published round: (round, revision, entries).
pub async fn published_entries(
    c: &mut Conn,
    ac_no: u32,
) -> Result<Vec<(u32, u32, Vec<TableEntry>)>> {
    let states = round_states(&mut *c, ac_no).await?;
    let mut out = vec![];
    for s in states
        .into_iter()
        .filter(|s| s.status == RoundStatus::Published)
    {
        out.push((
            s.round,
            s.revision,
            round_entries(&mut *c, ac_no, s.round).await?,
        ));
    }
    Ok(out)
}

/// Where a polling station's EVM is already entered: (round, table).
pub async fn ps_entered_at(c: &mut Conn, ac_no: u32, ps_no: u32) -> Result<Option<(u32, u32)>> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT round, table_no FROM table_entries WHERE ac_no = $1 AND ps_no = $2")
            .bind(ac_no)
            .bind(ps_no)
            .fetch_optional(c)
            .await?;
    Ok(row.map(|(r, t)| (u32_of(r), u32_of(t))))
}

/// Stores (or replaces) a table entry.
pub async fn upsert_entry(
    c: &mut Conn,
    ac_no: u32,
    round: u32,
    e: &TableEntry,
    by: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO table_entries (ac_no, round, table_no, ps_no, votes, entered_by, entered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (ac_no, round, table_no) DO UPDATE SET
           ps_no = excluded.ps_no, votes = excluded.votes,
           entered_by = excluded.entered_by, entered_at = excluded.entered_at",
    )
    .bind(ac_no)
    .bind(round)
    .bind(e.table)
    .bind(e.ps_no)
    .bind(votes_json(&e.votes))
    .bind(by)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// Removes a table entry (the table's EVM is not counted this round).
pub async fn delete_entry(c: &mut Conn, ac_no: u32, round: u32, table: u32) -> Result<()> {
    sqlx::query("DELETE FROM table_entries WHERE ac_no = $1 AND round = $2 AND table_no = $3")
        .bind(ac_no)
        .bind(round)
        .bind(table)
        .execute(c)
        .await?;
    Ok(())
}

/// Stores new round states (an edit's reopening): status, revision, and the
/// approval and publication cleared for drafts.
pub async fn reset_rounds(c: &mut Conn, ac_no: u32, states: &[RoundState]) -> Result<()> {
    for s in states {
        sqlx::query(
            "UPDATE rounds SET status = $1, revision = $2,
               approved_at = NULL, approved_by = NULL, published_at = NULL, published_by = NULL
             WHERE ac_no = $3 AND round = $4",
        )
        .bind(s.status.as_str())
        .bind(s.revision)
        .bind(ac_no)
        .bind(s.round)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Records an approval or a publication of a round.
pub async fn set_round_status(
    c: &mut Conn,
    ac_no: u32,
    round: u32,
    status: RoundStatus,
    by: &str,
    at: &str,
) -> Result<()> {
    let sql = match status {
        RoundStatus::Approved => {
            "UPDATE rounds SET status = 'approved', approved_by = $1, approved_at = $2 WHERE ac_no = $3 AND round = $4"
        }
        RoundStatus::Published => {
            "UPDATE rounds SET status = 'published', published_by = $1, published_at = $2 WHERE ac_no = $3 AND round = $4"
        }
        RoundStatus::Draft => {
            return Err(Error::Panic {
                reason: "set_round_status takes approved or published".into(),
            });
        }
    };
    sqlx::query(sql)
        .bind(by)
        .bind(at)
        .bind(ac_no)
        .bind(round)
        .execute(c)
        .await?;
    Ok(())
}

// ---- postal -----------------------------------------------------------------

/// The AC's postal tally, if entered.
pub async fn postal(c: &mut Conn, ac_no: u32) -> Result<Option<Postal>> {
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT votes, rejected_papers, rejected_covers FROM postal_tallies WHERE ac_no = $1",
    )
    .bind(ac_no)
    .fetch_optional(c)
    .await?;
    row.map(|(votes, papers, covers)| {
        Ok(Postal {
            votes: votes_of(&votes)?,
            rejected_papers: papers as u64,
            rejected_covers: covers as u64,
        })
    })
    .transpose()
}

/// Stores (or replaces) the postal tally.
pub async fn upsert_postal(c: &mut Conn, ac_no: u32, p: &Postal, by: &str, at: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO postal_tallies (ac_no, votes, rejected_papers, rejected_covers, entered_by, entered_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (ac_no) DO UPDATE SET votes = excluded.votes,
           rejected_papers = excluded.rejected_papers, rejected_covers = excluded.rejected_covers,
           entered_by = excluded.entered_by, entered_at = excluded.entered_at",
    )
    .bind(ac_no)
    .bind(votes_json(&p.votes))
    .bind(p.rejected_papers as i64)
    .bind(p.rejected_covers as i64)
    .bind(by)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

// ---- ETPBS register ------------------------------------------------------------

/// Replaces the AC's register whole.
pub async fn replace_register(c: &mut Conn, ac_no: u32, ballots: &[RegisterBallot]) -> Result<()> {
    sqlx::query("DELETE FROM etpbs_ballots WHERE ac_no = $1")
        .bind(ac_no)
        .execute(&mut *c)
        .await?;
    for b in ballots {
        sqlx::query(
            "INSERT INTO etpbs_ballots (ac_no, ballot_id, postal_ballot_serial_no, part_no, elector_serial_no)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ac_no)
        .bind(&b.ballot_id)
        .bind(b.postal_ballot_serial_no)
        .bind(b.part_no)
        .bind(b.elector_serial_no)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// The AC's register, by postal ballot serial number.
pub async fn register(c: &mut Conn, ac_no: u32) -> Result<Vec<RegisterBallot>> {
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT ballot_id, postal_ballot_serial_no, part_no, elector_serial_no
         FROM etpbs_ballots WHERE ac_no = $1 ORDER BY postal_ballot_serial_no",
    )
    .bind(ac_no)
    .fetch_all(c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(ballot_id, s, p, e)| RegisterBallot {
            ballot_id,
            postal_ballot_serial_no: u32_of(s),
            part_no: u32_of(p),
            elector_serial_no: u32_of(e),
        })
        .collect())
}

/// How many ballots the AC's register holds.
pub async fn register_count(c: &mut Conn, ac_no: u32) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM etpbs_ballots WHERE ac_no = $1")
        .bind(ac_no)
        .fetch_one(c)
        .await?;
    Ok(n as u64)
}

// ---- certificates ----------------------------------------------------------------

/// A Form 22 Scrutiny printed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CertificateRecord {
    pub id: String,
    pub ac_no: u32,
    pub seq: u32,
    pub winner_serial: u32,
    pub winner: String,
    pub party: String,
    pub votes: u64,
    pub date: String,
    pub ro_name: String,
    pub digest: String,
}

type CertRow = (
    String,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
);

/// The AC's latest certificate, if one was printed.
pub async fn latest_certificate(c: &mut Conn, ac_no: u32) -> Result<Option<CertificateRecord>> {
    let row: Option<CertRow> = sqlx::query_as(
        "SELECT id, ac_no, seq, winner_serial, winner, party, votes, date, ro_name, digest
         FROM certificates WHERE ac_no = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(ac_no)
    .fetch_optional(c)
    .await?;
    Ok(row.map(cert))
}

/// Every certificate printed for the AC, oldest first.
pub async fn certificates_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<CertificateRecord>> {
    let rows: Vec<CertRow> = sqlx::query_as(
        "SELECT id, ac_no, seq, winner_serial, winner, party, votes, date, ro_name, digest
         FROM certificates WHERE ac_no = $1 ORDER BY seq",
    )
    .bind(ac_no)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(cert).collect())
}

fn cert(row: CertRow) -> CertificateRecord {
    let (id, ac_no, seq, winner_serial, winner, party, votes, date, ro_name, digest) = row;
    CertificateRecord {
        id,
        ac_no: u32_of(ac_no),
        seq: u32_of(seq),
        winner_serial: u32_of(winner_serial),
        winner,
        party,
        votes: votes as u64,
        date,
        ro_name,
        digest,
    }
}

/// Stores a newly printed certificate.
pub async fn insert_certificate(
    c: &mut Conn,
    r: &CertificateRecord,
    by: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO certificates (id, ac_no, seq, winner_serial, winner, party, votes, date, ro_name, digest, issued_at, issued_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&r.id)
    .bind(r.ac_no)
    .bind(r.seq)
    .bind(r.winner_serial)
    .bind(&r.winner)
    .bind(&r.party)
    .bind(r.votes as i64)
    .bind(&r.date)
    .bind(&r.ro_name)
    .bind(&r.digest)
    .bind(at)
    .bind(by)
    .execute(c)
    .await?;
    Ok(())
}

// ---- users and sessions ------------------------------------------------------------

/// Stores a user bound to `acs`; 409 when the name is taken, 404 for an unknown AC.
pub async fn insert_user(
    c: &mut Conn,
    username: &str,
    password_hash: &str,
    role: Role,
    acs: &[u32],
    at: &str,
) -> Result<i64> {
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *c)
        .await?;
    if taken.is_some() {
        return Err(Error::rule(
            "user-exists",
            format!("user {username} already exists"),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(at)
    .fetch_one(&mut *c)
    .await?;
    for &ac_no in acs {
        ac(&mut *c, ac_no).await?;
        sqlx::query("INSERT INTO user_acs (user_id, ac_no) VALUES ($1, $2)")
            .bind(id)
            .bind(ac_no)
            .execute(&mut *c)
            .await?;
    }
    Ok(id)
}

async fn user_acs(c: &mut Conn, id: i64) -> Result<Vec<u32>> {
    let acs: Vec<i64> =
        sqlx::query_scalar("SELECT ac_no FROM user_acs WHERE user_id = $1 ORDER BY ac_no")
            .bind(id)
            .fetch_all(c)
            .await?;
    Ok(acs.into_iter().map(u32_of).collect())
}

/// A user and their stored password hash, by name.
pub async fn user_by_name(c: &mut Conn, username: &str) -> Result<Option<(User, String)>> {
    let row: Option<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, username, role, password_hash FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *c)
            .await?;
    let Some((id, username, role, hash)) = row else {
        return Ok(None);
    };
    let acs = user_acs(&mut *c, id).await?;
    Ok(Some((
        User {
            id,
            username,
            role: Role::parse(&role)?,
            acs,
        },
        hash,
    )))
}

/// Every user, by name.
pub async fn users(c: &mut Conn) -> Result<Vec<User>> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, username, role FROM users ORDER BY username")
            .fetch_all(&mut *c)
            .await?;
    let mut out = vec![];
    for (id, username, role) in rows {
        out.push(User {
            id,
            acs: user_acs(&mut *c, id).await?,
            username,
            role: Role::parse(&role)?,
        });
    }
    Ok(out)
}

/// Replaces a user's password hash and ends their sessions.
pub async fn set_password(c: &mut Conn, user_id: i64, hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Removes a user (their sessions go with them).
pub async fn delete_user(c: &mut Conn, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Stores a session (by token hash) expiring at `expires_at` (Unix seconds).
pub async fn insert_session(
    c: &mut Conn,
    token_hash: &str,
    user_id: i64,
    expires_at: i64,
    at: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(crate::clock::now_unix())
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(expires_at)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// The user of an unexpired session.
pub async fn session_user(c: &mut Conn, token_hash: &str, now: i64) -> Result<Option<User>> {
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *c)
    .await?;
    let Some((id, username, role)) = row else {
        return Ok(None);
    };
    Ok(Some(User {
        id,
        acs: user_acs(&mut *c, id).await?,
        username,
        role: Role::parse(&role)?,
    }))
}

/// The page language a user chose last (`en`, `hi`), if any.
pub async fn user_lang(c: &mut Conn, user_id: i64) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = sqlx::query_as("SELECT lang FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(c)
        .await?;
    Ok(row.and_then(|r| r.0))
}

/// Remembers the page language a user chose.
pub async fn set_user_lang(c: &mut Conn, user_id: i64, lang: &str) -> Result<()> {
    sqlx::query("UPDATE users SET lang = $1 WHERE id = $2")
        .bind(lang)
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete_session(c: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(c)
        .await?;
    Ok(())
}

// ---- audit log ---------------------------------------------------------------------

/// One change, as the audit log keeps it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub action: String,
    pub ac_no: Option<u32>,
    pub subject: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// Appends a change to the audit log (inside the transaction that makes it).
#[allow(clippy::too_many_arguments)]
pub async fn audit(
    c: &mut Conn,
    at: &str,
    username: &str,
    action: &str,
    ac_no: Option<u32>,
    subject: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, username, action, ac_no, subject, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(username)
    .bind(action)
    .bind(ac_no)
    .bind(subject)
    .bind(before.map(|v| v.to_string()))
    .bind(after.map(|v| v.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

/// The AC's audit log, newest first.
pub async fn audit_of_ac(c: &mut Conn, ac_no: u32, limit: u32) -> Result<Vec<AuditEntry>> {
    type Row = (
        i64,
        String,
        String,
        String,
        Option<i64>,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, username, action, ac_no, subject, before, after FROM audit_log
         WHERE ac_no = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(ac_no)
    .bind(limit)
    .fetch_all(c)
    .await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(rows
        .into_iter()
        .map(
            |(id, at, username, action, ac_no, subject, before, after)| AuditEntry {
                id,
                at,
                username,
                action,
                ac_no: ac_no.map(u32_of),
                subject,
                before: parse(before),
                after: parse(after),
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn database_is_wal_with_synchronous_commits() {
        let dir = std::env::temp_dir().join(format!("scrutiny-db-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = Db::open(&dir).await.unwrap();
        let mut tx = db.write().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1), "2 is FULL");
        meta_set(&mut tx, "k", "v").await.unwrap();
        tx.commit().await.unwrap();
        db.close().await;
        // Reopening runs no migration twice and keeps what was committed.
        let db = Db::open(&dir).await.unwrap();
        let v = meta_get(&mut db.read().await.unwrap(), "k").await.unwrap();
        assert_eq!(v.as_deref(), Some("v"));
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
