//! Queries for accounts: users, the ACs they are bound to, sessions and the
//! page language each user chose.

use super::{Conn, OnConstraint, query};
use crate::accounts::{Role, User};
use crate::error::{Error, Result, Rule};

/// Stores a user bound to `acs`; 409 when the name is taken, 404 for an unknown AC.
pub async fn insert_user(
    c: &mut Conn,
    username: &str,
    password_hash: &str,
    role: Role,
    acs: &[u32],
    at: &str,
) -> Result<i64> {
    let id: i64 = query(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(role)
    .bind(at)
    .scalar(&mut *c)
    .await
    .on_unique(|| Error::rule(Rule::UserExists, format!("user {username} already exists")))?;
    for &ac_no in acs {
        query("INSERT INTO user_acs (user_id, ac_no) VALUES ($1, $2)")
            .bind(id)
            .bind(i64::from(ac_no))
            .execute(&mut *c)
            .await
            .on_foreign_key(|| Error::not_found(format!("AC {ac_no}")))?;
    }
    Ok(id)
}

async fn user_acs(c: &mut Conn, id: i64) -> Result<Vec<u32>> {
    let acs: Vec<i64> = query("SELECT ac_no FROM user_acs WHERE user_id = $1 ORDER BY ac_no")
        .bind(id)
        .scalars(c)
        .await?;
    acs.into_iter()
        .map(|a| super::to_u32(a, "bound AC"))
        .collect()
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    role: Role,
}

impl UserRow {
    async fn user(self, c: &mut Conn) -> Result<User> {
        Ok(User {
            acs: user_acs(c, self.id).await?,
            id: self.id,
            username: self.username,
            role: self.role,
        })
    }
}

#[derive(sqlx::FromRow)]
struct UserWithHash {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

/// A user and their stored password hash, by name.
pub async fn user_by_name(c: &mut Conn, username: &str) -> Result<Option<(User, String)>> {
    let row: Option<UserWithHash> =
        query("SELECT id, username, role, password_hash FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *c)
            .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some((row.user.user(c).await?, row.password_hash)))
}

/// Every user, by name.
pub async fn users(c: &mut Conn) -> Result<Vec<User>> {
    let rows: Vec<UserRow> = query("SELECT id, username, role FROM users ORDER BY username")
        .fetch_all(&mut *c)
        .await?;
    let mut out = vec![];
    for r in rows {
        out.push(r.user(&mut *c).await?);
    }
    Ok(out)
}

/// Replaces a user's password hash and ends their sessions.
pub async fn set_password(c: &mut Conn, user_id: i64, hash: &str) -> Result<()> {
    query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Removes a user (their sessions go with them).
pub async fn delete_user(c: &mut Conn, user_id: i64) -> Result<()> {
    query("DELETE FROM users WHERE id = $1")
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
    query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(crate::clock::now_unix())
        .execute(&mut *c)
        .await?;
    query(
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
    let row: Option<UserRow> = query(
        "SELECT u.id, u.username, u.role FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some(r) => Ok(Some(r.user(c).await?)),
        None => Ok(None),
    }
}

/// The page language a user chose last (`en`, `hi`), if any.
pub async fn user_lang(c: &mut Conn, user_id: i64) -> Result<Option<String>> {
    let row: Option<Option<String>> = query("SELECT lang FROM users WHERE id = $1")
        .bind(user_id)
        .scalar_optional(c)
        .await?;
    Ok(row.flatten())
}

/// Remembers the page language a user chose.
pub async fn set_user_lang(c: &mut Conn, user_id: i64, lang: &str) -> Result<()> {
    query("UPDATE users SET lang = $1 WHERE id = $2")
        .bind(lang)
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete_session(c: &mut Conn, token_hash: &str) -> Result<()> {
    query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// The latest lock (Unix seconds) of any of `keys`, 0 when none is locked.
pub async fn strikes_locked_until(c: &mut Conn, keys: &[&str]) -> Result<i64> {
    let mut until = 0;
    for k in keys {
        let t: Option<i64> = query("SELECT locked_until FROM login_strikes WHERE key = $1")
            .bind(*k)
            .scalar_optional(&mut *c)
            .await?;
        until = until.max(t.unwrap_or(0));
    }
    Ok(until)
}

/// Counts one more failure of `key`; returns how many it has in a row.
pub async fn add_strike(c: &mut Conn, key: &str) -> Result<u32> {
    let n: i64 = query(
        "INSERT INTO login_strikes (key, failures) VALUES ($1, 1)
         ON CONFLICT (key) DO UPDATE SET failures = login_strikes.failures + 1
         RETURNING failures",
    )
    .bind(key)
    .scalar(c)
    .await?;
    super::to_u32(n, "failed sign-ins")
}

/// Locks `key` until `until` (Unix seconds).
pub async fn lock_strikes(c: &mut Conn, key: &str, until: i64) -> Result<()> {
    query("UPDATE login_strikes SET locked_until = $1 WHERE key = $2")
        .bind(until)
        .bind(key)
        .execute(c)
        .await?;
    Ok(())
}

/// A success clears the key's failures.
pub async fn clear_strikes(c: &mut Conn, key: &str) -> Result<()> {
    query("DELETE FROM login_strikes WHERE key = $1")
        .bind(key)
        .execute(c)
        .await?;
    Ok(())
}
