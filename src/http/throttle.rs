//! Sign-in under attack: a password hash costs 19 MiB and tens of ms of a
//! core, so the number hashed at once is bounded (a sign-in waits its turn
//! a few seconds, then gets 429 with `Retry-After`), and a username or a
//! client address that keeps failing is locked out for a time that doubles
//! with every further failure (429 at once, no hash computed). The turns
//! are this process's (its cores); the failures and locks are kept in the
//! database, so every web process of a deployment counts the same ones.

use std::net::IpAddr;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::db::{self, Db};
use crate::error::{Error, Result};

/// Failures a username may have in a row before it is locked.
pub const FREE_USER_FAILURES: u32 = 5;
/// Failures a client address may have before it is locked (it may sign in
/// many people: a counting hall behind one address).
pub const FREE_ADDRESS_FAILURES: u32 = 30;
/// The longest lock, in seconds.
pub const MAX_LOCK_SECONDS: i64 = 15 * 60;
/// How long a sign-in waits for a turn to hash.
const WAIT_FOR_TURN: Duration = Duration::from_secs(3);

/// What a failed sign-in started: a new lock of this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub seconds: i64,
    pub failures: u32,
}

/// The lock that `failures` in a row start when `free` are allowed: 1 s
/// for the first one over, doubling, at most [`MAX_LOCK_SECONDS`].
pub fn lock_after(failures: u32, free: u32) -> Option<i64> {
    let over = failures.checked_sub(free).filter(|n| *n > 0)?;
    Some(
        1i64.checked_shl(over.min(20) - 1)
            .unwrap_or(MAX_LOCK_SECONDS)
            .min(MAX_LOCK_SECONDS),
    )
}

/// The sign-in guard of one process.
pub struct Throttle {
    hashing: Semaphore,
}

/// The key of a username.
pub fn user_key(username: &str) -> String {
    format!("user:{}", username.to_lowercase())
}

/// The key of a client address.
pub fn address_key(addr: IpAddr) -> String {
    format!("addr:{addr}")
}

fn too_many(seconds: i64, why: &str) -> Error {
    Error::TooManyRequests {
        reason: format!("{why}; try again in {seconds} s"),
        retry_after: seconds.max(1) as u64,
    }
}

impl Throttle {
    /// A guard hashing at most `at_once` passwords at a time.
    pub fn new(at_once: usize) -> Throttle {
        Throttle {
            hashing: Semaphore::new(at_once.max(1)),
        }
    }

    /// Refuses at once (429) while any of `keys` is locked at `now`.
    pub async fn check(&self, db: &Db, keys: &[&str], now: i64) -> Result<()> {
        let until = db::strikes_locked_until(&mut db.read().await?, keys).await?;
        if until > now {
            return Err(too_many(
                until - now,
                "too many failed sign-ins from here or for this name",
            ));
        }
        Ok(())
    }

    /// A turn to hash a password, or 429 when none comes soon.
    pub async fn turn(&self) -> Result<SemaphorePermit<'_>> {
        match tokio::time::timeout(WAIT_FOR_TURN, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(too_many(1, "the server is busy checking other sign-ins")),
        }
    }

    /// Counts a failure of `key` (which may fail `free` times in a row) in
    /// the transaction `c`; returns the lock it starts, if any.
    pub async fn failed(
        &self,
        c: &mut db::Conn,
        key: &str,
        free: u32,
        now: i64,
    ) -> Result<Option<Locked>> {
        let failures = db::add_strike(c, key).await?;
        let Some(seconds) = lock_after(failures, free) else {
            return Ok(None);
        };
        db::lock_strikes(c, key, now + seconds).await?;
        Ok(Some(Locked { seconds, failures }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_lock_for_a_doubling_time() {
        assert_eq!(
            user_key("RO71"),
            user_key("ro71"),
            "names are one whatever their case"
        );
        for n in 0..=FREE_USER_FAILURES {
            assert_eq!(lock_after(n, FREE_USER_FAILURES), None);
        }
        let locks: Vec<Option<i64>> = (6..=8).map(|n| lock_after(n, FREE_USER_FAILURES)).collect();
        assert_eq!(locks, [Some(1), Some(2), Some(4)]);
        assert_eq!(lock_after(40, FREE_USER_FAILURES), Some(MAX_LOCK_SECONDS));
        assert_eq!(
            lock_after(u32::MAX, FREE_USER_FAILURES),
            Some(MAX_LOCK_SECONDS)
        );
    }

    #[tokio::test]
    async fn strikes_lock_and_a_success_clears_them() {
        let dir = std::env::temp_dir().join(format!("scrutiny-strikes-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = Db::open(&dir).await.unwrap();
        let t = Throttle::new(2);
        let k = user_key("ro71");
        for _ in 0..FREE_USER_FAILURES {
            let mut tx = db.write().await.unwrap();
            assert_eq!(
                t.failed(&mut tx, &k, FREE_USER_FAILURES, 100)
                    .await
                    .unwrap(),
                None
            );
            tx.commit().await.unwrap();
        }
        assert!(t.check(&db, &[&k], 100).await.is_ok());
        let mut tx = db.write().await.unwrap();
        let first = t
            .failed(&mut tx, &k, FREE_USER_FAILURES, 100)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            first,
            Some(Locked {
                seconds: 1,
                failures: 6
            })
        );
        let e = t.check(&db, &[&k, "addr:1.2.3.4"], 100).await.unwrap_err();
        assert_eq!(
            (e.code(), crate::http::error::status(&e).as_u16()),
            ("too-many-requests", 429)
        );
        assert!(t.check(&db, &[&k], 101).await.is_ok(), "the lock runs out");
        let mut tx = db.write().await.unwrap();
        db::clear_strikes(&mut tx, &k).await.unwrap();
        assert_eq!(
            t.failed(&mut tx, &k, FREE_USER_FAILURES, 200)
                .await
                .unwrap(),
            None,
            "counted from zero again"
        );
        tx.commit().await.unwrap();
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn hashes_wait_their_turn() {
        let t = Throttle::new(1);
        let held = t.turn().await.expect("a turn");
        let e = t.turn().await.unwrap_err();
        assert_eq!(e.code(), "too-many-requests");
        drop(held);
        assert!(t.turn().await.is_ok());
    }
}
