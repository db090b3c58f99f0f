//! Queries for the certificate archive: records (never updated or deleted)
//! and the hash-chained log.

use super::{Conn, query};
use crate::error::Result;

/// A certificate record to store.
pub struct NewArchiveRecord<'a> {
    pub ac_no: u32,
    pub certificate_id: &'a str,
    pub document_id: i64,
    pub page_no: u32,
    pub sha256: &'a str,
    pub ac_name: &'a str,
    pub winner: &'a str,
    pub party: &'a str,
    pub election: &'a str,
    pub uploaded_by: &'a str,
    pub uploaded_at: &'a str,
    pub supersedes: Option<i64>,
    pub search: &'a str,
    pub archived_at: &'a str,
}

/// A stored certificate record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArchiveRecord {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub ac_no: u32,
    pub certificate_id: String,
    pub document_id: i64,
    #[sqlx(try_from = "i64")]
    pub page_no: u32,
    pub sha256: String,
    pub ac_name: String,
    pub winner: String,
    pub party: String,
    pub election: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub supersedes: Option<i64>,
    pub search: String,
    pub archived_at: String,
}

impl ArchiveRecord {
    /// The record as it was stored.
    pub fn as_new(&self) -> NewArchiveRecord<'_> {
        NewArchiveRecord {
            ac_no: self.ac_no,
            certificate_id: &self.certificate_id,
            document_id: self.document_id,
            page_no: self.page_no,
            sha256: &self.sha256,
            ac_name: &self.ac_name,
            winner: &self.winner,
            party: &self.party,
            election: &self.election,
            uploaded_by: &self.uploaded_by,
            uploaded_at: &self.uploaded_at,
            supersedes: self.supersedes,
            search: &self.search,
            archived_at: &self.archived_at,
        }
    }
}

/// Stores a record (never updated afterwards); returns its id.
pub async fn insert_archive_record(c: &mut Conn, r: &NewArchiveRecord<'_>) -> Result<i64> {
    query(
        "INSERT INTO archive_records (ac_no, certificate_id, document_id, page_no, sha256, ac_name, winner, party,
           election, uploaded_by, uploaded_at, verified, failed, supersedes, search, archived_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, FALSE, '[]', $12, $13, $14) RETURNING id",
    )
    .bind(i64::from(r.ac_no))
    .bind(r.certificate_id)
    .bind(r.document_id)
    .bind(i64::from(r.page_no))
    .bind(r.sha256)
    .bind(r.ac_name)
    .bind(r.winner)
    .bind(r.party)
    .bind(r.election)
    .bind(r.uploaded_by)
    .bind(r.uploaded_at)
    .bind(r.supersedes)
    .bind(r.search)
    .bind(r.archived_at)
    .scalar(c)
    .await
}

/// The record of an uploaded page, if it is archived.
pub async fn archive_record_at(
    c: &mut Conn,
    document_id: i64,
    page_no: u32,
) -> Result<Option<i64>> {
    query("SELECT id FROM archive_records WHERE document_id = $1 AND page_no = $2")
        .bind(document_id)
        .bind(i64::from(page_no))
        .scalar_optional(c)
        .await
}

/// The AC's newest record.
pub async fn latest_archive_record(c: &mut Conn, ac_no: u32) -> Result<Option<i64>> {
    query("SELECT id FROM archive_records WHERE ac_no = $1 ORDER BY id DESC LIMIT 1")
        .bind(i64::from(ac_no))
        .scalar_optional(c)
        .await
}

/// Every record, oldest first.
pub async fn archive_records(c: &mut Conn) -> Result<Vec<ArchiveRecord>> {
    query(
        "SELECT id, ac_no, certificate_id, document_id, page_no, sha256, ac_name, winner, party, election,
                uploaded_by, uploaded_at, supersedes, search, archived_at
         FROM archive_records ORDER BY id",
    )
    .fetch_all(c)
    .await
}

/// The newest log entry's sequence number and hash, with the log locked
/// until the transaction ends (appends of every AC form one chain, so they
/// are taken one at a time).
pub async fn last_log_entry(c: &mut Conn) -> Result<Option<(i64, String)>> {
    super::lock(c, super::Lock::ArchiveLog).await?;
    query("SELECT seq, hash FROM archive_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(c)
        .await
}

/// Appends a log entry with its sequence number (the last one plus one).
pub async fn insert_log_entry(
    c: &mut Conn,
    seq: i64,
    at: &str,
    event: &str,
    prev: &str,
    hash: &str,
) -> Result<()> {
    query("INSERT INTO archive_log (seq, at, event, prev_hash, hash) VALUES ($1, $2, $3, $4, $5)")
        .bind(seq)
        .bind(at)
        .bind(event)
        .bind(prev)
        .bind(hash)
        .execute(c)
        .await?;
    Ok(())
}

/// The newest log entry's sequence number and hash (no lock).
pub async fn archive_log_head(c: &mut Conn) -> Result<Option<(i64, String)>> {
    query("SELECT seq, hash FROM archive_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(c)
        .await
}

/// One entry of the archive log.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LogEntry {
    pub seq: i64,
    pub event: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The whole log, in order.
pub async fn archive_log(c: &mut Conn) -> Result<Vec<LogEntry>> {
    query("SELECT seq, event, prev_hash, hash FROM archive_log ORDER BY seq")
        .fetch_all(c)
        .await
}
