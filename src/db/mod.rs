//! The database: opening it, its migrations, and every query. Nothing
//! outside this module writes SQL.
//!
//! Queries take a `&mut Conn` so that callers compose them inside one
//! transaction ([`Db::write`]); a request's change and the checks it sets
//! off commit together or not at all. Rows come back as `FromRow` structs
//! of plain column types (i64, f64, text, boolean) and are turned into the
//! domain's types here; a value that does not decode is an error, never a
//! default. How to add a migration: `migrations/README.md`.
//!
//! Two engines ([`Location`]): SQLite for a counting hall (WAL, synchronous
//! commits, so an acknowledged write survives a power cut; writes go
//! through a single connection, since SQLite has one writer anyway and
//! queueing in the pool is fairer than `SQLITE_BUSY`; reads use their own
//! pool and never wait for writers), and PostgreSQL for the central
//! deployment (one pool; an AC's writes serialised by an advisory lock,
//! [`Db::write_ac`]). Each has its own migrations folder.

pub mod accounts;
pub mod archive;
pub mod audit;
pub mod counting;
pub mod documents;
mod engine;
pub mod progress;
pub mod sync;

pub use accounts::*;
pub use archive::*;
pub use audit::*;
pub use counting::*;
pub use documents::*;
pub use engine::{Arg, Col, Conn, Engine, Query, Row, Tx, query};
pub use progress::*;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{Error, Result};

/// The database file's name inside the data folder.
pub const FILE_NAME: &str = "scrutiny.db";
/// Its name before wave 2: a data folder that holds it keeps using it.
const OLD_FILE_NAME: &str = "scrutiny.sqlite3";

/// Where the database is: `sqlite://PATH` or `postgres://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// The SQLite file of a data folder (`DIR/scrutiny.db`, or the older
    /// `DIR/scrutiny.sqlite3` when the folder holds one).
    pub fn in_folder(data_dir: &Path) -> Location {
        let old = data_dir.join(OLD_FILE_NAME);
        if old.exists() && !data_dir.join(FILE_NAME).exists() {
            Location::Sqlite(old)
        } else {
            Location::Sqlite(data_dir.join(FILE_NAME))
        }
    }

    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<Location> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(Error::bad_input(
                    "sqlite:// needs a file path, e.g. sqlite:///var/lib/scrutiny/scrutiny.db",
                ));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_string()));
        }
        Err(Error::bad_input(format!(
            "--database {}: give sqlite://PATH or postgres://USER@HOST/DB",
            redact(url)
        )))
    }

    /// The location as a person may see it (no password).
    pub fn shown(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("sqlite://{}", p.display()),
            Location::Postgres(url) => redact(url),
        }
    }
}

/// A URL with its password replaced by `***`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Handle to the database.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
}

#[derive(Clone, Debug)]
enum Pools {
    /// A read pool and the one writer.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// What a transaction serialises on, beyond the rows it writes (PostgreSQL
/// advisory locks, released at commit; SQLite has one writer anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// Everything that checks an AC's scans against its counts: one at a time.
    Ac(u32),
    /// The archive's hash chain, shared by every AC.
    ArchiveLog,
}

/// Takes a lock until the transaction `c` ends.
pub async fn lock(c: &mut Conn, what: Lock) -> Result<()> {
    if c.engine() == Engine::Postgres {
        let (class, id) = match what {
            Lock::Ac(ac) => (1, i64::from(ac)),
            Lock::ArchiveLog => (2, 0),
        };
        query("SELECT pg_advisory_xact_lock($1::integer, $2::integer)")
            .bind(class)
            .bind(id)
            .execute(c)
            .await?;
    }
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the SQLite database of a data folder and
    /// brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Db> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
        Db::connect(&Location::in_folder(data_dir)).await
    }

    /// Connects to the database at `at` and brings its schema up to date.
    /// Processes that start together migrate once: sqlx holds an advisory
    /// lock on PostgreSQL while it migrates, and SQLite has one writer.
    pub async fn connect(at: &Location) -> Result<Db> {
        match at {
            Location::Sqlite(path) => Db::sqlite(path).await,
            Location::Postgres(url) => Db::postgres(url).await.map_err(|e| match e {
                Error::Database(source) => Error::DatabaseUnreachable {
                    at: at.shown(),
                    source,
                },
                other => other,
            }),
        }
    }

    async fn sqlite(path: &Path) -> Result<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        let db = Db {
            pools: Pools::Sqlite { read, write },
        };
        let mut tx = db.write().await?;
        let pages = documents::backfill_page_ballots(&mut tx).await?;
        let acs = counting::backfill_standings(&mut tx).await?;
        tx.commit().await?;
        if pages + acs > 0 {
            tracing::info!(
                pages,
                acs,
                "filled in what this database kept before it had columns for it"
            );
        }
        Ok(db)
    }

    async fn postgres(url: &str) -> Result<Db> {
        let options = PgConnectOptions::from_str(url)?;
        // One connection first: a refused or unknown server fails at once
        // with its own reason, instead of after the pool's retries.
        {
            use sqlx::Connection;
            sqlx::PgConnection::connect_with(&options)
                .await?
                .close()
                .await?;
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Db {
            pools: Pools::Postgres(pool),
        })
    }

    /// The engine behind this handle.
    pub fn engine(&self) -> Engine {
        match self.pools {
            Pools::Sqlite { .. } => Engine::Sqlite,
            Pools::Postgres(_) => Engine::Postgres,
        }
    }

    /// The PostgreSQL pool (for LISTEN), when that is the engine.
    pub fn pg_pool(&self) -> Option<&PgPool> {
        match &self.pools {
            Pools::Postgres(p) => Some(p),
            Pools::Sqlite { .. } => None,
        }
    }

    /// Starts a write transaction; commit it to keep anything.
    pub async fn write(&self) -> Result<Tx> {
        Ok(match &self.pools {
            Pools::Sqlite { write, .. } => Tx::sqlite(write.begin().await?),
            Pools::Postgres(pool) => Tx::pg(pool.begin().await?),
        })
    }

    /// Starts a write transaction that holds the AC's lock: the checks of
    /// one AC never run twice at once.
    /// It is refused (409) where the AC is not changed: on central, an AC
    /// a counting-hall node keeps; on a hall, one handed elsewhere.
    pub async fn write_ac(&self, ac_no: u32) -> Result<Tx> {
        let mut tx = self.write_ac_as_keeper(ac_no).await?;
        sync::require_changeable_here(&mut tx, ac_no).await?;
        Ok(tx)
    }

    /// The same whoever keeps the AC: for handing it over, and for checks
    /// that only read.
    pub async fn write_ac_as_keeper(&self, ac_no: u32) -> Result<Tx> {
        let mut tx = self.write().await?;
        lock(&mut tx, Lock::Ac(ac_no)).await?;
        Ok(tx)
    }

    /// A connection for reading.
    pub async fn read(&self) -> Result<Conn> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => Conn::sqlite(read.acquire().await?),
            Pools::Postgres(pool) => Conn::pg(pool.acquire().await?),
        })
    }

    /// Closes the pools (SQLite checkpoints its WAL on the last close).
    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

/// Maps a unique-constraint violation of a statement to the error a person
/// should see (a 409 "already exists"), in one place for both engines;
/// every other error passes through.
pub(crate) trait OnConstraint<T> {
    fn on_unique(self, f: impl FnOnce() -> Error) -> Result<T>;
    fn on_foreign_key(self, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T> OnConstraint<T> for Result<T> {
    fn on_unique(self, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| match &e {
            Error::Database(sqlx::Error::Database(d)) if d.is_unique_violation() => f(),
            _ => e,
        })
    }

    fn on_foreign_key(self, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| match &e {
            Error::Database(sqlx::Error::Database(d)) if d.is_foreign_key_violation() => f(),
            _ => e,
        })
    }
}

/// A stored whole number that must fit a u32 (AC, round, table numbers).
pub(crate) fn to_u32(v: i64, what: &str) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::corrupt(format!("{what} {v} is out of range")))
}

/// A stored whole number that must not be negative (counts, sizes).
pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64> {
    u64::try_from(v).map_err(|_| Error::corrupt(format!("{what} {v} is negative")))
}

/// A count as the databases store it (both engines' integers are signed 64-bit).
pub(crate) fn count_arg(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::bad_input(format!("{v} is too large to store")))
}

/// JSON text written by Scrutiny, read back; anything else is corrupt.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::corrupt(format!("{what}: {e}")))
}

/// A value as JSON text for a TEXT column.
pub(crate) fn to_json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::internal(format!("cannot write JSON: {e}")))
}

// ---- meta ----------------------------------------------------------------

/// A value of the `meta` table.
pub async fn meta_get(c: &mut Conn, key: &str) -> Result<Option<String>> {
    query("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .scalar_optional(c)
        .await
}

/// Sets a value of the `meta` table.
pub async fn meta_set(c: &mut Conn, key: &str, value: &str) -> Result<()> {
    query(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(c)
    .await?;
    Ok(())
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
        let mode: String = query("PRAGMA journal_mode").scalar(&mut tx).await.unwrap();
        let sync: i64 = query("PRAGMA synchronous").scalar(&mut tx).await.unwrap();
        let fk: i64 = query("PRAGMA foreign_keys").scalar(&mut tx).await.unwrap();
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

    #[tokio::test]
    async fn a_corrupt_row_is_an_error_not_a_default() {
        let dir = std::env::temp_dir().join(format!("scrutiny-db-corrupt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = Db::open(&dir).await.unwrap();
        let mut tx = db.write().await.unwrap();
        let e = insert_election(&mut tx, "E", "S").await.unwrap();
        let ac = crate::counting::Ac {
            ac_no: 5,
            name: "Five".into(),
            district: "D".into(),
            ro: "R".into(),
            tables: 2,
            rounds: 2,
            candidates: vec![
                crate::counting::Candidate {
                    serial: 1,
                    name: "A".into(),
                    party: "P".into(),
                },
                crate::counting::Candidate {
                    serial: 2,
                    name: "NOTA".into(),
                    party: "".into(),
                },
            ],
            declared_at: None,
        };
        insert_ac(&mut tx, e, &ac).await.unwrap();
        // An AC number taken is a 409 from the constraint, not a lookup first.
        let again = insert_ac(&mut tx, e, &ac).await.unwrap_err();
        assert_eq!(again.code(), "ac-exists");
        tx.commit().await.unwrap();
        // Rows written behind the program's back: an unknown status and a
        // negative table number.
        let mut tx = db.write().await.unwrap();
        query("UPDATE rounds SET status = 'lost' WHERE ac_no = 5 AND round = 1")
            .execute(&mut tx)
            .await
            .unwrap_err();
        query("PRAGMA ignore_check_constraints = 1")
            .execute(&mut tx)
            .await
            .unwrap();
        query("UPDATE rounds SET status = 'lost' WHERE ac_no = 5 AND round = 1")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let err = round_states(&mut db.read().await.unwrap(), 5)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("lost"), "{err}");
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
