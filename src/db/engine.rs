//! The two database engines behind one small query interface.
//!
//! Scrutiny runs on SQLite (a counting hall, one file, no network) or on
//! PostgreSQL (the central deployment). Queries are written once, with
//! `$1`-style placeholders that both engines accept, and run through
//! [`query`]: its arguments are plain values ([`Arg`]: an i64, an f64, a
//! text, a boolean, each possibly null) and its rows are decoded by each
//! engine's own driver into `FromRow` structs, so no type is lost on the
//! way (as `sqlx::Any` would lose them). Where the engines' SQL differs,
//! the caller asks [`Conn::engine`].

use std::ops::{Deref, DerefMut};

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, Sqlite, Transaction};

use crate::error::Result;

/// Which engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A database connection: pooled, or inside a transaction.
pub struct Conn(Inner);

enum Inner {
    Sqlite(PoolConnection<Sqlite>),
    SqliteTx(Transaction<'static, Sqlite>),
    Pg(PoolConnection<Postgres>),
    PgTx(Transaction<'static, Postgres>),
}

/// The engine's own connection, for one query.
enum Raw<'a> {
    Sqlite(&'a mut sqlx::SqliteConnection),
    Pg(&'a mut sqlx::PgConnection),
}

impl Conn {
    pub(crate) fn sqlite(c: PoolConnection<Sqlite>) -> Conn {
        Conn(Inner::Sqlite(c))
    }

    pub(crate) fn pg(c: PoolConnection<Postgres>) -> Conn {
        Conn(Inner::Pg(c))
    }

    /// The engine this connection talks to.
    pub fn engine(&self) -> Engine {
        match self.0 {
            Inner::Sqlite(_) | Inner::SqliteTx(_) => Engine::Sqlite,
            Inner::Pg(_) | Inner::PgTx(_) => Engine::Postgres,
        }
    }

    fn raw(&mut self) -> Raw<'_> {
        match &mut self.0 {
            Inner::Sqlite(c) => Raw::Sqlite(c),
            Inner::SqliteTx(t) => Raw::Sqlite(t),
            Inner::Pg(c) => Raw::Pg(c),
            Inner::PgTx(t) => Raw::Pg(t),
        }
    }
}

/// A write transaction: commit it to keep anything (dropped, it rolls back).
pub struct Tx(Conn);

impl Tx {
    pub(crate) fn sqlite(t: Transaction<'static, Sqlite>) -> Tx {
        Tx(Conn(Inner::SqliteTx(t)))
    }

    pub(crate) fn pg(t: Transaction<'static, Postgres>) -> Tx {
        Tx(Conn(Inner::PgTx(t)))
    }

    /// Makes every change of the transaction durable.
    pub async fn commit(self) -> Result<()> {
        match self.0.0 {
            Inner::SqliteTx(t) => t.commit().await?,
            Inner::PgTx(t) => t.commit().await?,
            Inner::Sqlite(_) | Inner::Pg(_) => {}
        }
        Ok(())
    }
}

impl Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::I64(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::I64(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Arg {
        Arg::F64(Some(v))
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Arg {
        Arg::F64(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::Text(v.clone())
    }
}

/// A row type both engines can decode (a `#[derive(sqlx::FromRow)]` struct
/// or a tuple of such columns).
pub trait Row:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Row for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

/// A column type both engines can decode.
pub trait Col:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Col for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + Send
        + Unpin
{
}

/// One SQL statement with its arguments, run on either engine.
#[must_use = "a query does nothing until it is run on a connection"]
pub struct Query<'q> {
    sql: &'q str,
    args: Vec<Arg>,
}

/// A statement to run; bind its `$1`, `$2`… in order.
pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
    }
}

macro_rules! bound {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I64(v) => q.bind(v),
                Arg::F64(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
            };
        }
        q
    }};
}

impl<'q> Query<'q> {
    /// Binds the next placeholder.
    pub fn bind(mut self, v: impl Into<Arg>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Runs the statement; returns how many rows it changed.
    pub async fn execute(self, c: &mut Conn) -> Result<u64> {
        Ok(match c.raw() {
            Raw::Sqlite(c) => bound!(sqlx::query(self.sql), self.args)
                .execute(c)
                .await?
                .rows_affected(),
            Raw::Pg(c) => bound!(sqlx::query(self.sql), self.args)
                .execute(c)
                .await?
                .rows_affected(),
        })
    }

    /// Every row.
    pub async fn fetch_all<T: Row>(self, c: &mut Conn) -> Result<Vec<T>> {
        Ok(match c.raw() {
            Raw::Sqlite(c) => {
                bound!(sqlx::query_as::<Sqlite, T>(self.sql), self.args)
                    .fetch_all(c)
                    .await?
            }
            Raw::Pg(c) => {
                bound!(sqlx::query_as::<Postgres, T>(self.sql), self.args)
                    .fetch_all(c)
                    .await?
            }
        })
    }

    /// The first row, if there is one.
    pub async fn fetch_optional<T: Row>(self, c: &mut Conn) -> Result<Option<T>> {
        Ok(match c.raw() {
            Raw::Sqlite(c) => {
                bound!(sqlx::query_as::<Sqlite, T>(self.sql), self.args)
                    .fetch_optional(c)
                    .await?
            }
            Raw::Pg(c) => {
                bound!(sqlx::query_as::<Postgres, T>(self.sql), self.args)
                    .fetch_optional(c)
                    .await?
            }
        })
    }

    /// The one row (an error when there is none).
    pub async fn fetch_one<T: Row>(self, c: &mut Conn) -> Result<T> {
        Ok(match c.raw() {
            Raw::Sqlite(c) => {
                bound!(sqlx::query_as::<Sqlite, T>(self.sql), self.args)
                    .fetch_one(c)
                    .await?
            }
            Raw::Pg(c) => {
                bound!(sqlx::query_as::<Postgres, T>(self.sql), self.args)
                    .fetch_one(c)
                    .await?
            }
        })
    }

    /// The first column of the one row.
    pub async fn scalar<T: Col>(self, c: &mut Conn) -> Result<T> {
        Ok(self.fetch_one::<(T,)>(c).await?.0)
    }

    /// The first column of the first row, if there is one.
    pub async fn scalar_optional<T: Col>(self, c: &mut Conn) -> Result<Option<T>> {
        Ok(self.fetch_optional::<(T,)>(c).await?.map(|r| r.0))
    }

    /// The first column of every row.
    pub async fn scalars<T: Col>(self, c: &mut Conn) -> Result<Vec<T>> {
        Ok(self
            .fetch_all::<(T,)>(c)
            .await?
            .into_iter()
            .map(|r| r.0)
            .collect())
    }
}
