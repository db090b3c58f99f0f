//! Accounts: roles, the ACs a user is bound to, password hashing (argon2)
//! and session tokens. Every permission question is answered here, by the
//! methods of [`User`], so that the API, the pages and the CLI agree.
//! Passwords and tokens are never stored in clear.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{Error, Result};

crate::vocabulary! {
    /// What a user may do.
    #[derive(clap::ValueEnum)]
    pub enum Role {
        /// Every AC: setup, users, counts; not the RO's approvals.
        Admin = "admin",
        /// Returning Officer of the bound ACs: counts, approve, publish, declare.
        Ro = "ro",
        /// Bound ACs: enters counts, uploads, reviews; cannot approve or publish.
        Operator = "operator",
        /// Reads every AC; changes nothing.
        Observer = "observer",
    }
}

impl Role {
    /// Whether users of this role are bound to particular ACs.
    pub fn is_bound(self) -> bool {
        matches!(self, Role::Ro | Role::Operator)
    }
}

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    /// The ACs an RO or operator is bound to (empty for admin and observer).
    pub acs: Vec<u32>,
}

impl User {
    /// Whether this user sees `ac`.
    pub fn can_read(&self, ac: u32) -> bool {
        !self.role.is_bound() || self.acs.contains(&ac)
    }

    /// Fails with 403 unless this user sees `ac`.
    pub fn require_read(&self, ac: u32) -> Result<()> {
        if self.can_read(ac) {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "{} is not bound to AC {ac}",
                self.username
            )))
        }
    }

    /// Entering counts, registers and uploads: admin, or the AC's RO or operator.
    pub fn require_enter(&self, ac: u32) -> Result<()> {
        match self.role {
            Role::Observer => Err(Error::forbidden("an observer reads only")),
            Role::Admin => Ok(()),
            Role::Ro | Role::Operator => self.require_read(ac),
        }
    }

    /// Approving, publishing, declaring: the AC's RO and nobody else.
    pub fn require_ro(&self, ac: u32) -> Result<()> {
        if self.role == Role::Ro {
            self.require_read(ac)
        } else {
            Err(Error::forbidden(format!(
                "only the Returning Officer of AC {ac} may do this; {} is {}",
                self.username,
                self.role.as_str()
            )))
        }
    }

    /// Election setup and user administration.
    pub fn require_admin(&self) -> Result<()> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(Error::forbidden("only an admin may do this"))
        }
    }
}

/// Hashes a password with argon2id (a fresh random salt each time).
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < 8 {
        return Err(Error::bad_input("a password has at least 8 characters"));
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| Error::internal(format!("no system randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2: {e}")))
}

/// Whether `password` matches a stored argon2 hash (false for a malformed hash).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new session token (256 random bits, hex) and the hash that is stored.
pub fn new_token() -> Result<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(format!("no system randomness: {e}")))?;
    let token = crate::hex(&bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// What is stored for a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    crate::hex(&Sha256::digest(token.as_bytes()))
}

/// The form token of a session: every write a browser sends with the
/// session cookie carries it (a hidden `csrf` field, or the `X-CSRF-Token`
/// header from the pages' script), which a page of another site cannot
/// know. Derived from the session's token, so nothing more is stored.
pub fn form_token(session_token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"scrutiny form token\n");
    h.update(session_token.as_bytes());
    crate::hex(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, acs: &[u32]) -> User {
        User {
            id: 1,
            username: "u".into(),
            role,
            acs: acs.to_vec(),
        }
    }

    #[test]
    fn roles_and_bindings() {
        let ro = user(Role::Ro, &[71]);
        assert!(ro.require_ro(71).is_ok());
        assert_eq!(ro.require_ro(72).unwrap_err().code(), "forbidden");
        let op = user(Role::Operator, &[71]);
        assert!(op.require_enter(71).is_ok());
        assert!(op.require_ro(71).is_err());
        assert!(op.require_read(72).is_err());
        let obs = user(Role::Observer, &[]);
        assert!(obs.require_read(72).is_ok());
        assert!(obs.require_enter(72).is_err());
        let admin = user(Role::Admin, &[]);
        assert!(admin.require_enter(99).is_ok());
        assert!(admin.require_ro(71).is_err());
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse!", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(hash_password("short").is_err());
        let (t1, h1) = new_token().unwrap();
        let (t2, _) = new_token().unwrap();
        assert_ne!(t1, t2);
        assert_eq!(token_hash(&t1), h1);
    }
}
