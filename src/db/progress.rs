//! Queries for completion: each AC's figures, kept by every run of its
//! checks, so that the state-wide dashboard is one small query.

use super::{Conn, count_arg, from_json, query, to_json, to_u64};
use crate::error::Result;
use crate::progress::{AcProgress, Missing};

/// Stores an AC's completion figures.
pub async fn set_progress(c: &mut Conn, ac_no: u32, p: &AcProgress, at: &str) -> Result<()> {
    query(
        "INSERT INTO progress (ac_no, expected, uploaded, verified, open_findings, missing, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (ac_no) DO UPDATE SET expected = excluded.expected, uploaded = excluded.uploaded,
           verified = excluded.verified, open_findings = excluded.open_findings,
           missing = excluded.missing, updated_at = excluded.updated_at",
    )
    .bind(i64::from(ac_no))
    .bind(count_arg(p.expected)?)
    .bind(count_arg(p.uploaded)?)
    .bind(count_arg(p.verified)?)
    .bind(count_arg(p.open_findings)?)
    .bind(to_json(&p.missing)?)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// One AC's line of the completion table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProgressRow {
    pub ac_no: u32,
    pub ac_name: String,
    pub district: String,
    pub ro: String,
    pub expected: u64,
    pub uploaded: u64,
    pub verified: u64,
    pub open_findings: u64,
}

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(try_from = "i64")]
    ac_no: u32,
    name: String,
    district: String,
    ro_name: String,
    expected: Option<i64>,
    uploaded: Option<i64>,
    verified: Option<i64>,
    open_findings: Option<i64>,
}

/// Every AC's completion figures (zeros for an AC never checked), by AC number.
pub async fn progress_rows(c: &mut Conn) -> Result<Vec<ProgressRow>> {
    let rows: Vec<Row> = query(
        "SELECT a.ac_no, a.name, a.district, a.ro_name, p.expected, p.uploaded, p.verified, p.open_findings
         FROM acs a LEFT JOIN progress p ON p.ac_no = a.ac_no ORDER BY a.ac_no",
    )
    .fetch_all(c)
    .await?;
    let n = |v: Option<i64>| to_u64(v.unwrap_or(0), "a completion figure");
    rows.into_iter()
        .map(|r| {
            Ok(ProgressRow {
                ac_no: r.ac_no,
                ac_name: r.name,
                district: r.district,
                ro: r.ro_name,
                expected: n(r.expected)?,
                uploaded: n(r.uploaded)?,
                verified: n(r.verified)?,
                open_findings: n(r.open_findings)?,
            })
        })
        .collect()
}

/// What an AC is missing, by name (empty for an AC never checked).
pub async fn progress_missing(c: &mut Conn, ac_no: u32) -> Result<Vec<Missing>> {
    let text: Option<String> = query("SELECT missing FROM progress WHERE ac_no = $1")
        .bind(i64::from(ac_no))
        .scalar_optional(c)
        .await?;
    text.map_or(Ok(vec![]), |t| {
        from_json(&t, &format!("the missing list of AC {ac_no}"))
    })
}

/// When any AC's completion figures last changed (None before any did).
pub async fn progress_updated_at(c: &mut Conn) -> Result<Option<String>> {
    query("SELECT MAX(updated_at) FROM progress")
        .scalar(c)
        .await
}
