//! Queries for uploaded documents, their pages (the jobs), findings and
//! ballot outcomes.

use serde_json::Value;

use super::{Conn, u32_of};
use crate::checks::{Ballot, Decision, Finding, Kind, PageRead};
use crate::error::{Error, Result};

/// A stored upload.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct DocumentRow {
    pub id: i64,
    pub ac_no: u32,
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
    pub filename: String,
    pub page_count: u32,
    /// `queued`, `processing`, `done` or `failed`.
    pub status: String,
    pub reason: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub done_at: Option<String>,
}

type DocTuple = (
    i64,
    i64,
    String,
    String,
    i64,
    String,
    i64,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
);

const DOC_COLUMNS: &str = "id, ac_no, sha256, media_type, size, filename, page_count, status, reason, uploaded_by, uploaded_at, done_at";

fn doc(t: DocTuple) -> DocumentRow {
    DocumentRow {
        id: t.0,
        ac_no: u32_of(t.1),
        sha256: t.2,
        media_type: t.3,
        size: t.4 as u64,
        filename: t.5,
        page_count: u32_of(t.6),
        status: t.7,
        reason: t.8,
        uploaded_by: t.9,
        uploaded_at: t.10,
        done_at: t.11,
    }
}

/// What a new upload is.
pub struct NewDocument<'a> {
    pub ac_no: u32,
    pub sha256: &'a str,
    pub media_type: &'a str,
    pub size: u64,
    pub filename: &'a str,
    pub page_count: u32,
    pub uploaded_by: &'a str,
    pub uploaded_at: &'a str,
}

/// Stores a document and one queued job per page; returns its id.
pub async fn insert_document(c: &mut Conn, d: &NewDocument<'_>) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO documents (ac_no, sha256, media_type, size, filename, page_count, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(d.ac_no)
    .bind(d.sha256)
    .bind(d.media_type)
    .bind(d.size as i64)
    .bind(d.filename)
    .bind(d.page_count)
    .bind(d.uploaded_by)
    .bind(d.uploaded_at)
    .fetch_one(&mut *c)
    .await?;
    for page in 1..=d.page_count {
        sqlx::query("INSERT INTO pages (document_id, page_no) VALUES ($1, $2)")
            .bind(id)
            .bind(page)
            .execute(&mut *c)
            .await?;
    }
    Ok(id)
}

/// The document with these bytes, if they were uploaded before.
pub async fn document_by_sha(c: &mut Conn, sha256: &str) -> Result<Option<DocumentRow>> {
    let row: Option<DocTuple> = sqlx::query_as(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE sha256 = $1"
    ))
    .bind(sha256)
    .fetch_optional(c)
    .await?;
    Ok(row.map(doc))
}

/// A document, or a 404.
pub async fn document(c: &mut Conn, id: i64) -> Result<DocumentRow> {
    let row: Option<DocTuple> = sqlx::query_as(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(c)
    .await?;
    row.map(doc)
        .ok_or_else(|| Error::not_found(format!("document {id}")))
}

/// The AC's documents, newest first.
pub async fn documents_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<DocumentRow>> {
    let rows: Vec<DocTuple> = sqlx::query_as(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE ac_no = $1 ORDER BY id DESC"
    ))
    .bind(ac_no)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(doc).collect())
}

/// The first unfinished document after `after` (in upload order), marked
/// `processing`.
pub async fn claim_document(c: &mut Conn, after: i64) -> Result<Option<DocumentRow>> {
    let row: Option<DocTuple> = sqlx::query_as(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE status IN ('queued', 'processing') AND id > $1 ORDER BY id LIMIT 1"
    ))
    .bind(after)
    .fetch_optional(&mut *c)
    .await?;
    let Some(row) = row.map(doc) else {
        return Ok(None);
    };
    sqlx::query("UPDATE documents SET status = 'processing' WHERE id = $1")
        .bind(row.id)
        .execute(c)
        .await?;
    Ok(Some(row))
}

/// The page numbers of a document not read yet.
pub async fn queued_pages(c: &mut Conn, document_id: i64) -> Result<Vec<u32>> {
    let pages: Vec<i64> = sqlx::query_scalar(
        "SELECT page_no FROM pages WHERE document_id = $1 AND status = 'queued' ORDER BY page_no",
    )
    .bind(document_id)
    .fetch_all(c)
    .await?;
    Ok(pages.into_iter().map(u32_of).collect())
}

/// What reading one page gave.
pub struct PageResult<'a> {
    pub form: Option<&'a str>,
    pub qr: Option<&'a str>,
    /// `{fields, marks, transform}` as JSON.
    pub result: Option<&'a Value>,
    pub error: Option<&'a str>,
    pub ms: f64,
    pub at: &'a str,
}

/// Stores a page's reading (once: a page already read is left alone);
/// returns how many pages of the document are still queued.
pub async fn store_page(
    c: &mut Conn,
    document_id: i64,
    page_no: u32,
    r: &PageResult<'_>,
) -> Result<u64> {
    sqlx::query(
        "UPDATE pages SET status = $1, form = $2, qr = $3, result = $4, error = $5, ms = $6, read_at = $7
         WHERE document_id = $8 AND page_no = $9 AND status = 'queued'",
    )
    .bind(if r.error.is_some() { "failed" } else { "done" })
    .bind(r.form)
    .bind(r.qr)
    .bind(r.result.map(|v| v.to_string()))
    .bind(r.error)
    .bind(r.ms)
    .bind(r.at)
    .bind(document_id)
    .bind(page_no)
    .execute(&mut *c)
    .await?;
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pages WHERE document_id = $1 AND status = 'queued'",
    )
    .bind(document_id)
    .fetch_one(c)
    .await?;
    Ok(left as u64)
}

type PageTuple = (
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn page_read(t: PageTuple) -> (PageRead, Option<Value>) {
    let result: Option<Value> = t.5.and_then(|s| serde_json::from_str(&s).ok());
    let field = |k: &str| {
        result
            .as_ref()
            .and_then(|r| r.get(k))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    (
        PageRead {
            document_id: t.0,
            page_no: u32_of(t.1),
            form: t.3,
            qr: t.4,
            fields: field("fields"),
            marks: field("marks"),
            error: if t.2 == "failed" {
                Some(t.6.unwrap_or_else(|| "unknown error".into()))
            } else {
                None
            },
        },
        result.and_then(|r| r.get("transform").cloned()),
    )
}

const PAGE_COLUMNS: &str = "p.document_id, p.page_no, p.status, p.form, p.qr, p.result, p.error";

/// Every page of the AC that has been read (or failed), in upload order.
pub async fn read_pages_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<PageRead>> {
    let rows: Vec<PageTuple> = sqlx::query_as(&format!(
        "SELECT {PAGE_COLUMNS} FROM pages p JOIN documents d ON d.id = p.document_id
         WHERE d.ac_no = $1 AND p.status IN ('done', 'failed') ORDER BY p.document_id, p.page_no"
    ))
    .bind(ac_no)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(|t| page_read(t).0).collect())
}

/// A document's pages (read or not), with each page's status and the
/// stored transform (model mm → page pixels) of read ones.
pub async fn pages_of_document(
    c: &mut Conn,
    document_id: i64,
) -> Result<Vec<(String, PageRead, Option<Value>)>> {
    let rows: Vec<PageTuple> = sqlx::query_as(&format!(
        "SELECT {PAGE_COLUMNS} FROM pages p WHERE p.document_id = $1 ORDER BY p.page_no"
    ))
    .bind(document_id)
    .fetch_all(c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let status = t.2.clone();
            let (p, transform) = page_read(t);
            (status, p, transform)
        })
        .collect())
}

/// Sets a document's status (and the reason for `failed`).
pub async fn set_document_status(
    c: &mut Conn,
    id: i64,
    status: &str,
    reason: Option<&str>,
    at: &str,
) -> Result<()> {
    sqlx::query("UPDATE documents SET status = $1, reason = $2, done_at = $3 WHERE id = $4")
        .bind(status)
        .bind(reason)
        .bind(at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// The AC's documents whose every page is read but that are not `done` yet:
/// (id, pages failed, pages).
pub async fn documents_read_unfinished(c: &mut Conn, ac_no: u32) -> Result<Vec<(i64, u32, u32)>> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT d.id,
                (SELECT COUNT(*) FROM pages p WHERE p.document_id = d.id AND p.status = 'failed'),
                d.page_count
         FROM documents d
         WHERE d.ac_no = $1 AND d.status IN ('queued', 'processing')
           AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.document_id = d.id AND p.status = 'queued')",
    )
    .bind(ac_no)
    .fetch_all(c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, failed, pages)| (id, u32_of(failed), u32_of(pages)))
        .collect())
}

// ---- findings ----------------------------------------------------------------------

/// A stored finding (API.md's shape, plus where it stands).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct FindingRow {
    pub id: i64,
    pub ac_no: u32,
    /// The document it was found in (null for AC-wide findings).
    pub document: Option<i64>,
    pub page: Option<u32>,
    pub kind: Kind,
    pub field: Option<String>,
    pub ballot_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub scan_value: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub entered_value: Option<Value>,
    pub confidence: Option<f64>,
    pub message: String,
    /// `open`, `closed` (decided) or `resolved` (no longer holds).
    pub status: String,
    pub decision: Option<Decision>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
    /// A PNG of the field's box cut from the cleaned page.
    pub crop_url: Option<String>,
}

impl FindingRow {
    /// The finding as the checks would produce it (for identity).
    pub fn as_finding(&self) -> Finding {
        Finding {
            document_id: self.document,
            page_no: self.page,
            kind: self.kind,
            field: self.field.clone(),
            ballot_id: self.ballot_id.clone(),
            scan_value: self.scan_value.clone(),
            entered_value: self.entered_value.clone(),
            confidence: self.confidence,
            message: self.message.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct FindingTuple {
    id: i64,
    ac_no: i64,
    document_id: Option<i64>,
    page_no: Option<i64>,
    kind: String,
    field: Option<String>,
    ballot_id: Option<String>,
    scan_value: Option<String>,
    entered_value: Option<String>,
    confidence: Option<f64>,
    message: String,
    status: String,
    decision: Option<String>,
    note: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
    created_at: String,
    resolved_at: Option<String>,
}

const FINDING_COLUMNS: &str = "id, ac_no, document_id, page_no, kind, field, ballot_id, scan_value, entered_value, confidence, message, status, decision, note, decided_by, decided_at, created_at, resolved_at";

fn finding(t: FindingTuple) -> FindingRow {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let crop = t
        .document_id
        .map(|_| format!("/api/v1/findings/{}/crop.png", t.id));
    FindingRow {
        id: t.id,
        ac_no: u32_of(t.ac_no),
        document: t.document_id,
        page: t.page_no.map(u32_of),
        kind: Kind::parse(&t.kind).unwrap_or(Kind::Unreadable),
        field: t.field,
        ballot_id: t.ballot_id,
        scan_value: json(t.scan_value),
        entered_value: json(t.entered_value),
        confidence: t.confidence,
        message: t.message,
        status: t.status,
        decision: t.decision.as_deref().and_then(Decision::parse),
        note: t.note,
        decided_by: t.decided_by,
        decided_at: t.decided_at,
        created_at: t.created_at,
        resolved_at: t.resolved_at,
        crop_url: crop,
    }
}

/// Every finding of the AC, any status.
pub async fn findings_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<FindingRow>> {
    let rows: Vec<FindingTuple> = sqlx::query_as(&format!(
        "SELECT {FINDING_COLUMNS} FROM findings WHERE ac_no = $1 ORDER BY id"
    ))
    .bind(ac_no)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(finding).collect())
}

/// The findings of a document (open and closed; resolved ones are history).
pub async fn findings_of_document(c: &mut Conn, document_id: i64) -> Result<Vec<FindingRow>> {
    let rows: Vec<FindingTuple> = sqlx::query_as(&format!(
        "SELECT {FINDING_COLUMNS} FROM findings WHERE document_id = $1 AND status != 'resolved' ORDER BY id"
    ))
    .bind(document_id)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(finding).collect())
}

/// Open findings of the given ACs (all ACs when `acs` is None), oldest first.
pub async fn open_findings(c: &mut Conn, acs: Option<&[u32]>) -> Result<Vec<FindingRow>> {
    let rows: Vec<FindingTuple> = sqlx::query_as(&format!(
        "SELECT {FINDING_COLUMNS} FROM findings WHERE status = 'open' ORDER BY id"
    ))
    .fetch_all(c)
    .await?;
    Ok(rows
        .into_iter()
        .map(finding)
        .filter(|f| acs.is_none_or(|a| a.contains(&f.ac_no)))
        .collect())
}

/// One finding, or a 404.
pub async fn finding_by_id(c: &mut Conn, id: i64) -> Result<FindingRow> {
    let row: Option<FindingTuple> = sqlx::query_as(&format!(
        "SELECT {FINDING_COLUMNS} FROM findings WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(c)
    .await?;
    row.map(finding)
        .ok_or_else(|| Error::not_found(format!("finding {id}")))
}

/// Stores a new open finding.
pub async fn insert_finding(c: &mut Conn, ac_no: u32, f: &Finding, at: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO findings (ac_no, document_id, page_no, kind, field, ballot_id, scan_value, entered_value, confidence, message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(ac_no)
    .bind(f.document_id)
    .bind(f.page_no)
    .bind(f.kind.as_str())
    .bind(&f.field)
    .bind(&f.ballot_id)
    .bind(f.scan_value.as_ref().map(Value::to_string))
    .bind(f.entered_value.as_ref().map(Value::to_string))
    .bind(f.confidence)
    .bind(&f.message)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// Marks a finding `resolved` (it no longer holds) or back `open`.
pub async fn set_finding_status(
    c: &mut Conn,
    id: i64,
    status: &str,
    at: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE findings SET status = $1, resolved_at = $2 WHERE id = $3")
        .bind(status)
        .bind(at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Records an operator's decision: the finding is closed.
pub async fn decide_finding(
    c: &mut Conn,
    id: i64,
    decision: Decision,
    note: Option<&str>,
    by: &str,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE findings SET status = 'closed', decision = $1, note = $2, decided_by = $3, decided_at = $4 WHERE id = $5",
    )
    .bind(decision.as_str())
    .bind(note)
    .bind(by)
    .bind(at)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

// ---- ballots ---------------------------------------------------------------------

/// Replaces the AC's ballot outcomes, writing only what changed (a recheck
/// after a count change usually changes no ballot).
pub async fn replace_ballots(c: &mut Conn, ac_no: u32, ballots: &[Ballot], at: &str) -> Result<()> {
    let stored: std::collections::HashMap<String, Ballot> = ballots_of_ac(&mut *c, ac_no)
        .await?
        .into_iter()
        .map(|b| (b.ballot_id.clone(), b))
        .collect();
    let now: std::collections::HashSet<&str> =
        ballots.iter().map(|b| b.ballot_id.as_str()).collect();
    for id in stored.keys().filter(|id| !now.contains(id.as_str())) {
        sqlx::query("DELETE FROM ballots WHERE ac_no = $1 AND ballot_id = $2")
            .bind(ac_no)
            .bind(id)
            .execute(&mut *c)
            .await?;
    }
    for b in ballots
        .iter()
        .filter(|b| stored.get(&b.ballot_id) != Some(*b))
    {
        let reasons: Vec<&str> = b.reasons.iter().map(|k| k.as_str()).collect();
        sqlx::query(
            "INSERT INTO ballots (ac_no, ballot_id, outcome, reasons, has_13a, has_13b, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (ac_no, ballot_id) DO UPDATE SET outcome = excluded.outcome,
               reasons = excluded.reasons, has_13a = excluded.has_13a, has_13b = excluded.has_13b,
               updated_at = excluded.updated_at",
        )
        .bind(ac_no)
        .bind(&b.ballot_id)
        .bind(b.outcome.as_str())
        .bind(serde_json::to_string(&reasons).unwrap_or_else(|_| "[]".into()))
        .bind(b.has_13a)
        .bind(b.has_13b)
        .bind(at)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// The AC's ballots with their outcomes, by ballot id.
pub async fn ballots_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<Ballot>> {
    let rows: Vec<(String, String, String, bool, bool)> = sqlx::query_as(
        "SELECT ballot_id, outcome, reasons, has_13a, has_13b FROM ballots WHERE ac_no = $1 ORDER BY ballot_id",
    )
    .bind(ac_no)
    .fetch_all(c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(ballot_id, outcome, reasons, has_13a, has_13b)| Ballot {
            ballot_id,
            outcome: serde_json::from_value(Value::String(outcome))
                .unwrap_or(crate::checks::Outcome::NeedsReview),
            reasons: serde_json::from_str::<Vec<String>>(&reasons)
                .unwrap_or_default()
                .iter()
                .filter_map(|k| Kind::parse(k))
                .collect(),
            has_13a,
            has_13b,
        })
        .collect())
}

// ---- progress ---------------------------------------------------------------------

/// Stores an AC's completion figures.
pub async fn set_progress(
    c: &mut Conn,
    ac_no: u32,
    p: &crate::progress::AcProgress,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO progress (ac_no, expected, uploaded, verified, open_findings, missing, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (ac_no) DO UPDATE SET expected = excluded.expected, uploaded = excluded.uploaded,
           verified = excluded.verified, open_findings = excluded.open_findings,
           missing = excluded.missing, updated_at = excluded.updated_at",
    )
    .bind(ac_no)
    .bind(p.expected as i64)
    .bind(p.uploaded as i64)
    .bind(p.verified as i64)
    .bind(p.open_findings as i64)
    .bind(serde_json::to_string(&p.missing).unwrap_or_else(|_| "[]".into()))
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

/// Every AC's completion figures (zeros for an AC never checked), by AC number.
pub async fn progress_rows(c: &mut Conn) -> Result<Vec<ProgressRow>> {
    type Row = (
        i64,
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<Row> =
        sqlx::query_as(
            "SELECT a.ac_no, a.name, a.district, a.ro_name, p.expected, p.uploaded, p.verified, p.open_findings
             FROM acs a LEFT JOIN progress p ON p.ac_no = a.ac_no ORDER BY a.ac_no",
        )
        .fetch_all(c)
        .await?;
    let n = |v: Option<i64>| v.unwrap_or(0).max(0) as u64;
    Ok(rows
        .into_iter()
        .map(|(ac_no, ac_name, district, ro, e, u, v, o)| ProgressRow {
            ac_no: u32_of(ac_no),
            ac_name,
            district,
            ro,
            expected: n(e),
            uploaded: n(u),
            verified: n(v),
            open_findings: n(o),
        })
        .collect())
}

/// What an AC is missing, by name (empty for an AC never checked).
pub async fn progress_missing(c: &mut Conn, ac_no: u32) -> Result<Vec<crate::progress::Missing>> {
    let text: Option<String> = sqlx::query_scalar("SELECT missing FROM progress WHERE ac_no = $1")
        .bind(ac_no)
        .fetch_optional(c)
        .await?;
    Ok(text
        .and_then(|t| {
            serde_json::from_str::<Vec<serde_json::Value>>(&t)
                .ok()
                .map(|v| {
                    v.into_iter()
                        .filter_map(|m| {
                            Some(crate::progress::Missing {
                                form: m["form"].as_str()?.into(),
                                ballot_id: m["ballot_id"].as_str().map(str::to_string),
                                round: m["round"].as_u64().map(|r| r as u32),
                                revision: m["revision"].as_u64().map(|r| r as u32),
                                state: m["state"].as_str()?.into(),
                                what: m["what"].as_str()?.into(),
                            })
                        })
                        .collect()
                })
        })
        .unwrap_or_default())
}

// ---- archive ----------------------------------------------------------------------

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
}

/// Stores a record (never updated afterwards); returns its id.
pub async fn insert_archive_record(c: &mut Conn, r: &NewArchiveRecord<'_>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO archive_records (ac_no, certificate_id, document_id, page_no, sha256, ac_name, winner, party,
           election, uploaded_by, uploaded_at, verified, failed, supersedes, search, archived_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, '[]', $12, $13, $14) RETURNING id",
    )
    .bind(r.ac_no)
    .bind(r.certificate_id)
    .bind(r.document_id)
    .bind(r.page_no)
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
    .fetch_one(c)
    .await?)
}

/// The record of an uploaded page, if it is archived.
pub async fn archive_record_at(
    c: &mut Conn,
    document_id: i64,
    page_no: u32,
) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar(
            "SELECT id FROM archive_records WHERE document_id = $1 AND page_no = $2",
        )
        .bind(document_id)
        .bind(page_no)
        .fetch_optional(c)
        .await?,
    )
}

/// The AC's newest record.
pub async fn latest_archive_record(c: &mut Conn, ac_no: u32) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM archive_records WHERE ac_no = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(ac_no)
    .fetch_optional(c)
    .await?)
}

/// Every record, oldest first.
pub async fn archive_records(c: &mut Conn) -> Result<Vec<ArchiveRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, ac_no, certificate_id, document_id, page_no, sha256, ac_name, winner, party, election,
                uploaded_by, uploaded_at, supersedes, search
         FROM archive_records ORDER BY id",
    )
    .fetch_all(c)
    .await?)
}

/// The hash of the newest log entry.
pub async fn last_log_hash(c: &mut Conn) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT hash FROM archive_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(c)
            .await?,
    )
}

/// Appends a log entry.
pub async fn insert_log_entry(
    c: &mut Conn,
    at: &str,
    event: &str,
    prev: &str,
    hash: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO archive_log (at, event, prev_hash, hash) VALUES ($1, $2, $3, $4)")
        .bind(at)
        .bind(event)
        .bind(prev)
        .bind(hash)
        .execute(c)
        .await?;
    Ok(())
}

/// The whole log: (seq, event, prev_hash, hash), in order.
pub async fn archive_log(c: &mut Conn) -> Result<Vec<(i64, String, String, String)>> {
    Ok(
        sqlx::query_as("SELECT seq, event, prev_hash, hash FROM archive_log ORDER BY seq")
            .fetch_all(c)
            .await?,
    )
}
