//! Sign-in under attack: a password hash costs 19 MiB and tens of ms of a
//! core, so the number hashed at once is bounded (a sign-in waits its turn
//! a few seconds, then gets 429 with `Retry-After`), and a username or a
//! client address that keeps failing is locked out for a time that doubles
//! with every further failure (429 at once, no hash computed). The counts
//! live in this process: each web process of a central deployment keeps
//! its own.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

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
/// Keys kept at most; past it, those no longer locked are forgotten.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Default, Clone, Copy)]
struct Strikes {
    failures: u32,
    locked_until: i64,
}

/// What a failed sign-in started: a new lock of this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub seconds: i64,
    pub failures: u32,
}

/// The sign-in guard of one process.
pub struct Throttle {
    strikes: Mutex<HashMap<String, Strikes>>,
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
            strikes: Mutex::new(HashMap::new()),
            hashing: Semaphore::new(at_once.max(1)),
        }
    }

    /// Refuses at once (429) while any of `keys` is locked at `now`.
    pub fn check(&self, keys: &[&str], now: i64) -> Result<()> {
        let map = self
            .strikes
            .lock()
            .map_err(|_| Error::internal("throttle lock"))?;
        let until = keys
            .iter()
            .filter_map(|k| map.get(*k))
            .map(|s| s.locked_until)
            .max()
            .unwrap_or(0);
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

    /// Counts a failure of `key` (which may fail `free` times in a row);
    /// returns the lock it starts, if any.
    pub fn failed(&self, key: &str, free: u32, now: i64) -> Option<Locked> {
        let mut map = self.strikes.lock().ok()?;
        if map.len() >= MAX_KEYS {
            map.retain(|_, s| s.locked_until > now);
        }
        let s = map.entry(key.to_string()).or_default();
        s.failures += 1;
        let over = s.failures.checked_sub(free).filter(|n| *n > 0)?;
        let seconds = 1i64
            .checked_shl(over.min(20) - 1)
            .unwrap_or(MAX_LOCK_SECONDS)
            .min(MAX_LOCK_SECONDS);
        s.locked_until = now + seconds;
        Some(Locked {
            seconds,
            failures: s.failures,
        })
    }

    /// A success clears the key's failures.
    pub fn succeeded(&self, key: &str) {
        if let Ok(mut map) = self.strikes.lock() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_lock_for_a_doubling_time() {
        let t = Throttle::new(2);
        let k = user_key("RO71");
        assert_eq!(k, user_key("ro71"), "names are one whatever their case");
        for _ in 0..FREE_USER_FAILURES {
            assert_eq!(t.failed(&k, FREE_USER_FAILURES, 100), None);
        }
        assert!(t.check(&[&k], 100).is_ok());
        let first = t.failed(&k, FREE_USER_FAILURES, 100).expect("locked");
        assert_eq!(first.seconds, 1);
        let e = t.check(&[&k, "addr:1.2.3.4"], 100).unwrap_err();
        assert_eq!(
            (e.code(), crate::http::error::status(&e).as_u16()),
            ("too-many-requests", 429)
        );
        assert!(t.check(&[&k], 101).is_ok(), "the lock runs out");
        assert_eq!(t.failed(&k, FREE_USER_FAILURES, 101).unwrap().seconds, 2);
        assert_eq!(t.failed(&k, FREE_USER_FAILURES, 103).unwrap().seconds, 4);
        for _ in 0..30 {
            t.failed(&k, FREE_USER_FAILURES, 200);
        }
        assert_eq!(
            t.failed(&k, FREE_USER_FAILURES, 200).unwrap().seconds,
            MAX_LOCK_SECONDS
        );
        t.succeeded(&k);
        assert!(t.check(&[&k], 200).is_ok());
        assert_eq!(
            t.failed(&k, FREE_USER_FAILURES, 200),
            None,
            "counted from zero again"
        );
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
