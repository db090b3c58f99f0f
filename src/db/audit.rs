//! The audit log: every change with who, when, what, before and after.

use super::{Conn, from_json, query, to_json};
use crate::error::Result;

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
    query(
        "INSERT INTO audit_log (at, username, action, ac_no, subject, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(username)
    .bind(action)
    .bind(ac_no.map(i64::from))
    .bind(subject)
    .bind(before.map(to_json).transpose()?)
    .bind(after.map(to_json).transpose()?)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: String,
    username: String,
    action: String,
    #[sqlx(try_from = "Option<i64>")]
    ac_no: OptionU32,
    subject: String,
    before: Option<String>,
    after: Option<String>,
}

/// An optional u32 column, decoded from an optional i64 (sqlx's
/// `try_from` needs a type of its own for it).
struct OptionU32(Option<u32>);

impl TryFrom<Option<i64>> for OptionU32 {
    type Error = std::num::TryFromIntError;
    fn try_from(v: Option<i64>) -> Result<Self, Self::Error> {
        v.map(u32::try_from).transpose().map(OptionU32)
    }
}

/// The AC's audit log, newest first.
pub async fn audit_of_ac(c: &mut Conn, ac_no: u32, limit: u32) -> Result<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = query(
        "SELECT id, at, username, action, ac_no, subject, before, after FROM audit_log
         WHERE ac_no = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(i64::from(ac_no))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    let json = |s: Option<String>| -> Result<Option<serde_json::Value>> {
        s.map(|s| from_json(&s, "an audit entry")).transpose()
    };
    rows.into_iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.id,
                at: r.at,
                username: r.username,
                action: r.action,
                ac_no: r.ac_no.0,
                subject: r.subject,
                before: json(r.before)?,
                after: json(r.after)?,
            })
        })
        .collect()
}
