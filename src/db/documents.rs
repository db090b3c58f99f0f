//! Queries for uploaded documents, their pages (the jobs of the workers,
//! claimed under a lease), findings and ballot outcomes.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Conn, count_arg, from_json, query, to_json, to_u32, to_u64};
use crate::checks::decisions::{Choices, choices};
use crate::checks::{
    Agreement, Ballot, Decision, Finding, FindingStatus, Kind, Outcome, ScannedPage,
};
use crate::error::{Error, Result};
use crate::forms::FormKind;
use crate::pipeline::locate::Transform;
use crate::pipeline::{CodeReading, FieldReading, InkReading, PageReading, Scalar, Unplaced};

crate::vocabulary! {
    /// Where an upload is: `queued` until a worker takes a page, then
    /// `processing`, `done` once every page is read and every check has
    /// run, or `failed` (no page could be read).
    pub enum DocumentStatus {
        Queued = "queued",
        Processing = "processing",
        Done = "done",
        Failed = "failed",
    }
}

crate::vocabulary! {
    /// Where a page job is: `queued` until its reading is stored (`done`),
    /// or `failed` with the reason.
    pub enum PageStatus {
        Queued = "queued",
        Done = "done",
        Failed = "failed",
    }
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub ac_no: u32,
    pub sha256: String,
    pub media_type: String,
    #[sqlx(try_from = "i64")]
    pub size: u64,
    pub filename: String,
    #[sqlx(try_from = "i64")]
    pub page_count: u32,
    pub status: DocumentStatus,
    pub reason: Option<String>,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub done_at: Option<String>,
}

const DOC_COLUMNS: &str = "id, ac_no, sha256, media_type, size, filename, page_count, status, reason, uploaded_by, uploaded_at, done_at";

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

/// Stores a document and one queued job per page; returns its id, or
/// `None` when a document with these bytes exists already (two uploads of
/// the same file racing: the constraint decides, not a lookup before).
pub async fn insert_document(c: &mut Conn, d: &NewDocument<'_>) -> Result<Option<i64>> {
    let id: Option<i64> = query(
        "INSERT INTO documents (ac_no, sha256, media_type, size, filename, page_count, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (sha256) DO NOTHING RETURNING id",
    )
    .bind(i64::from(d.ac_no))
    .bind(d.sha256)
    .bind(d.media_type)
    .bind(count_arg(d.size)?)
    .bind(d.filename)
    .bind(i64::from(d.page_count))
    .bind(d.uploaded_by)
    .bind(d.uploaded_at)
    .scalar_optional(&mut *c)
    .await?;
    let Some(id) = id else { return Ok(None) };
    let turn = next_turn(c, d.ac_no).await?;
    for page in 1..=d.page_count {
        query("INSERT INTO pages (document_id, page_no, turn) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(i64::from(page))
            .bind(turn + i64::from(page))
            .execute(&mut *c)
            .await?;
    }
    Ok(Some(id))
}

/// The turn after which an AC's next pages are read: after its last queued
/// page, or, when it has none queued, after the page being read now (the
/// lowest queued turn). ACs are thus served in rotation, each new one
/// joining the rotation at once.
async fn next_turn(c: &mut Conn, ac_no: u32) -> Result<i64> {
    query(
        "SELECT COALESCE(MAX(t), 0) FROM (
           SELECT MIN(turn) AS t FROM pages WHERE status = 'queued'
           UNION ALL
           SELECT MAX(p.turn) AS t FROM pages p JOIN documents d ON d.id = p.document_id
           WHERE d.ac_no = $1 AND p.status = 'queued'
         ) x",
    )
    .bind(i64::from(ac_no))
    .scalar(c)
    .await
}

/// The channel on which PostgreSQL tells the workers that pages were queued.
pub const PAGES_CHANNEL: &str = "scrutiny_pages";

/// Tells every worker process, when the transaction commits, that pages
/// were queued (PostgreSQL NOTIFY; a no-op on SQLite, whose workers live in
/// the process that queued them and are woken directly).
pub async fn notify_pages(c: &mut Conn) -> Result<()> {
    if c.engine() == super::Engine::Postgres {
        query("SELECT pg_notify($1, '')")
            .bind(PAGES_CHANNEL)
            .execute(c)
            .await?;
    }
    Ok(())
}

/// The SHA-256 of every stored document.
pub async fn document_shas(c: &mut Conn) -> Result<HashSet<String>> {
    let shas: Vec<String> = query("SELECT sha256 FROM documents").scalars(c).await?;
    Ok(shas.into_iter().collect())
}

/// The document with these bytes, if they were uploaded before.
pub async fn document_by_sha(c: &mut Conn, sha256: &str) -> Result<Option<DocumentRow>> {
    query(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE sha256 = $1"
    ))
    .bind(sha256)
    .fetch_optional(c)
    .await
}

/// A document, or a 404.
pub async fn document(c: &mut Conn, id: i64) -> Result<DocumentRow> {
    query(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(c)
    .await?
    .ok_or_else(|| Error::not_found(format!("document {id}")))
}

/// The AC's documents, newest first.
pub async fn documents_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<DocumentRow>> {
    query(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE ac_no = $1 ORDER BY id DESC"
    ))
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await
}

// ---- page jobs -----------------------------------------------------------------

/// A page a worker has claimed: it holds the page's lease until
/// `lease_until` and may store its reading until then.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClaimedPage {
    pub document_id: i64,
    #[sqlx(try_from = "i64")]
    pub page_no: u32,
    /// How many times the page has been claimed, this time included.
    #[sqlx(try_from = "i64")]
    pub attempts: u32,
}

/// Claims up to `max` unread pages that are free (never leased, or whose
/// lease ran out before `now`), for `worker` until `lease_until` (Unix
/// seconds), in turn order (ACs in rotation, see `next_turn`). Their
/// documents become `processing`. Pages of an AC a counting-hall node
/// keeps are read there, never here.
pub async fn claim_pages(
    c: &mut Conn,
    worker: &str,
    now: i64,
    lease_until: i64,
    max: u32,
) -> Result<Vec<ClaimedPage>> {
    // The oldest free pages, a few at a time. On PostgreSQL many workers
    // claim at once: rows another claim holds are skipped, not waited for.
    let sql = match c.engine() {
        super::Engine::Sqlite => {
            "UPDATE pages SET worker = $1, lease_until = $2, attempts = attempts + 1
             WHERE (document_id, page_no) IN (
               SELECT document_id, page_no FROM pages
               WHERE status = 'queued' AND (lease_until IS NULL OR lease_until < $3)
                 AND NOT EXISTS (SELECT 1 FROM documents d JOIN ac_owners o ON o.ac_no = d.ac_no
                                 WHERE d.id = pages.document_id AND o.node_id IS NOT NULL)
               ORDER BY turn, document_id, page_no LIMIT $4)
             RETURNING document_id, page_no, attempts"
        }
        super::Engine::Postgres => {
            "UPDATE pages p SET worker = $1, lease_until = $2, attempts = p.attempts + 1
             FROM (SELECT document_id, page_no FROM pages
                   WHERE status = 'queued' AND (lease_until IS NULL OR lease_until < $3)
                     AND NOT EXISTS (SELECT 1 FROM documents d JOIN ac_owners o ON o.ac_no = d.ac_no
                                     WHERE d.id = pages.document_id AND o.node_id IS NOT NULL)
                   ORDER BY turn, document_id, page_no LIMIT $4
                   FOR UPDATE SKIP LOCKED) free
             WHERE p.document_id = free.document_id AND p.page_no = free.page_no
             RETURNING p.document_id, p.page_no, p.attempts"
        }
    };
    let mut claimed: Vec<ClaimedPage> = query(sql)
        .bind(worker)
        .bind(lease_until)
        .bind(now)
        .bind(i64::from(max))
        .fetch_all(&mut *c)
        .await?;
    claimed.sort_by_key(|p| (p.document_id, p.page_no));
    let mut docs: Vec<i64> = claimed.iter().map(|p| p.document_id).collect();
    docs.dedup();
    for id in docs {
        query("UPDATE documents SET status = $1 WHERE id = $2 AND status = $3")
            .bind(DocumentStatus::Processing)
            .bind(id)
            .bind(DocumentStatus::Queued)
            .execute(&mut *c)
            .await?;
    }
    Ok(claimed)
}

/// Frees every lease (a single-process deployment starting up: no other
/// process can hold one, so pages a killed process had are taken at once).
pub async fn release_leases(c: &mut Conn) -> Result<u64> {
    query("UPDATE pages SET worker = NULL, lease_until = NULL WHERE status = 'queued' AND worker IS NOT NULL")
        .execute(c)
        .await
}

/// Extends the lease of every page the workers of `process` still hold
/// (worker ids are `<process>-<n>`).
pub async fn renew_leases(c: &mut Conn, process: &str, lease_until: i64) -> Result<()> {
    query("UPDATE pages SET lease_until = $1 WHERE worker LIKE $2 AND status = 'queued'")
        .bind(lease_until)
        .bind(format!("{process}-%"))
        .execute(c)
        .await?;
    Ok(())
}

/// What reading a page gave, to store.
pub struct PageResult<'a> {
    pub reading: Option<&'a PageReading>,
    pub error: Option<&'a str>,
    pub ms: f64,
    pub at: &'a str,
}

/// The part of a reading kept as JSON in the `result` column.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredReading {
    fields: BTreeMap<String, FieldReading>,
    marks: BTreeMap<String, InkReading>,
    transform: Option<Transform>,
    /// Absent in readings stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unplaced: Option<Unplaced>,
    /// Another printer's layout of the form, and every code of a model of
    /// several (absent before they were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    layout: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    codes: Vec<CodeReading>,
}

/// Stores a page's reading while `worker` still holds its lease (a page is
/// stored once: a page already read, or leased to another worker since, is
/// left alone). Returns how many pages of the document are still queued,
/// or `None` when the lease was lost and nothing was stored.
pub async fn store_page(
    c: &mut Conn,
    document_id: i64,
    page_no: u32,
    worker: &str,
    r: &PageResult<'_>,
) -> Result<Option<u64>> {
    let stored = r
        .reading
        .map(|p| {
            to_json(&StoredReading {
                fields: p.fields.clone(),
                marks: p.marks.clone(),
                transform: p.transform,
                unplaced: p.unplaced,
                layout: p.layout.clone(),
                codes: p.codes.clone(),
            })
        })
        .transpose()?;
    let status = if r.error.is_some() {
        PageStatus::Failed
    } else {
        PageStatus::Done
    };
    let changed = query(
        "UPDATE pages SET status = $1, form = $2, qr = $3, result = $4, error = $5, ms = $6, read_at = $7,
           lease_until = NULL, ballot_id = $11
         WHERE document_id = $8 AND page_no = $9 AND status = 'queued' AND worker = $10",
    )
    .bind(status)
    .bind(r.reading.and_then(|p| p.form.clone()))
    .bind(r.reading.and_then(|p| p.qr.clone()))
    .bind(stored)
    .bind(r.error)
    .bind(r.ms)
    .bind(r.at)
    .bind(document_id)
    .bind(i64::from(page_no))
    .bind(worker)
    .bind(r.reading.and_then(page_ballot))
    .execute(&mut *c)
    .await?;
    if changed == 0 {
        return Ok(None);
    }
    let left: i64 =
        query("SELECT COUNT(*) FROM pages WHERE document_id = $1 AND status = 'queued'")
            .bind(document_id)
            .scalar(c)
            .await?;
    Ok(Some(to_u64(left, "a count")?))
}

#[derive(sqlx::FromRow)]
struct PageRow {
    document_id: i64,
    page_no: i64,
    status: PageStatus,
    form: Option<String>,
    qr: Option<String>,
    result: Option<String>,
    error: Option<String>,
}

impl PageRow {
    fn page(self) -> Result<(PageStatus, ScannedPage)> {
        let where_ = || format!("page {} of document {}", self.page_no, self.document_id);
        let stored: Option<StoredReading> = self
            .result
            .as_deref()
            .map(|s| from_json(s, &format!("the reading of {}", where_())))
            .transpose()?;
        let (fields, marks, transform, unplaced, layout, codes) = stored
            .map(|s| {
                (
                    s.fields,
                    s.marks,
                    s.transform,
                    s.unplaced,
                    s.layout,
                    s.codes,
                )
            })
            .unwrap_or_default();
        let error = match self.status {
            PageStatus::Failed => Some(self.error.unwrap_or_else(|| "unknown error".into())),
            _ => None,
        };
        Ok((
            self.status,
            ScannedPage {
                document_id: self.document_id,
                page_no: to_u32(self.page_no, "page number")?,
                reading: PageReading {
                    form: self.form,
                    layout,
                    qr: self.qr,
                    codes,
                    fields,
                    marks,
                    transform,
                    unplaced,
                },
                error,
            },
        ))
    }
}

const PAGE_COLUMNS: &str = "p.document_id, p.page_no, p.status, p.form, p.qr, p.result, p.error";

/// What `pages.ballot_id` holds for a read page: the ballot id (normalised)
/// of a 13A, 13B or 13C, `''` for one whose id cannot be read, NULL for
/// other forms.
fn page_ballot(reading: &PageReading) -> Option<String> {
    reading.kind().is_some_and(FormKind::is_postal).then(|| {
        reading
            .ballot_id()
            .map(|id| crate::forms::ident::normalize(&id))
            .unwrap_or_default()
    })
}

/// Which read pages of an AC a recheck loads.
#[derive(Debug, Clone, Copy)]
pub enum PageScope<'a> {
    /// Every page.
    All,
    /// Every page that is not a Form 13A or 13B, and of those, the pages of
    /// these documents and the pages of these ballots.
    Some {
        documents: &'a [i64],
        ballots: &'a [String],
    },
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The read (or failed) pages of the AC that `scope` takes, in upload order.
pub async fn read_pages_of_ac(
    c: &mut Conn,
    ac_no: u32,
    scope: PageScope<'_>,
) -> Result<Vec<ScannedPage>> {
    let mut sql = format!(
        "SELECT {PAGE_COLUMNS} FROM pages p JOIN documents d ON d.id = p.document_id
         WHERE d.ac_no = $1 AND p.status IN ('done', 'failed')"
    );
    let (documents, ballots) = match scope {
        PageScope::All => (&[][..], &[][..]),
        PageScope::Some { documents, ballots } => {
            sql += " AND (COALESCE(p.form, '') NOT IN ('form-13a', 'form-13b', 'form-13c')";
            if !documents.is_empty() {
                sql += &format!(
                    " OR p.document_id IN ({})",
                    placeholders(2, documents.len())
                );
            }
            if !ballots.is_empty() {
                let first = 2 + documents.len();
                sql += &format!(
                    " OR p.ballot_id IN ({})",
                    placeholders(first, ballots.len())
                );
            }
            sql += ")";
            (documents, ballots)
        }
    };
    sql += " ORDER BY p.document_id, p.page_no";
    let mut q = query(&sql).bind(i64::from(ac_no));
    for d in documents {
        q = q.bind(*d);
    }
    for b in ballots {
        q = q.bind(b);
    }
    let rows: Vec<PageRow> = q.fetch_all(c).await?;
    rows.into_iter().map(|r| Ok(r.page()?.1)).collect()
}

/// The ballot ids that the read pages of these documents carry.
pub async fn ballots_of_documents(c: &mut Conn, documents: &[i64]) -> Result<Vec<String>> {
    if documents.is_empty() {
        return Ok(vec![]);
    }
    let sql = format!(
        "SELECT DISTINCT ballot_id FROM pages WHERE document_id IN ({}) AND ballot_id <> ''",
        placeholders(1, documents.len())
    );
    let mut q = query(&sql);
    for d in documents {
        q = q.bind(*d);
    }
    q.scalars(c).await
}

/// Fills `pages.ballot_id` for 13A and 13B pages read before the column
/// existed (a counting-centre database from before it).
pub async fn backfill_page_ballots(c: &mut Conn) -> Result<u64> {
    let rows: Vec<PageRow> = query(&format!(
        "SELECT {PAGE_COLUMNS} FROM pages p
         WHERE p.status = 'done' AND p.form IN ('form-13a', 'form-13b') AND p.ballot_id IS NULL"
    ))
    .fetch_all(&mut *c)
    .await?;
    let n = rows.len() as u64;
    for row in rows {
        let (_, page) = row.page()?;
        query("UPDATE pages SET ballot_id = $1 WHERE document_id = $2 AND page_no = $3")
            .bind(page_ballot(&page.reading))
            .bind(page.document_id)
            .bind(i64::from(page.page_no))
            .execute(&mut *c)
            .await?;
    }
    Ok(n)
}

/// A document's pages (read or not), with each page's status.
pub async fn pages_of_document(
    c: &mut Conn,
    document_id: i64,
) -> Result<Vec<(PageStatus, ScannedPage)>> {
    let rows: Vec<PageRow> = query(&format!(
        "SELECT {PAGE_COLUMNS} FROM pages p WHERE p.document_id = $1 ORDER BY p.page_no"
    ))
    .bind(document_id)
    .fetch_all(c)
    .await?;
    rows.into_iter().map(PageRow::page).collect()
}

/// Puts every page of a document back in the queue, to be read again
/// (`scrutiny bench` reads one batch twice).
pub async fn requeue_document(c: &mut Conn, document_id: i64) -> Result<()> {
    let ac_no: i64 = query("SELECT ac_no FROM documents WHERE id = $1")
        .bind(document_id)
        .scalar(&mut *c)
        .await?;
    let turn = next_turn(c, super::to_u32(ac_no, "AC")?).await?;
    query(
        "UPDATE pages SET status = 'queued', worker = NULL, lease_until = NULL, attempts = 0,
           turn = $2 + page_no
         WHERE document_id = $1",
    )
    .bind(document_id)
    .bind(turn)
    .execute(&mut *c)
    .await?;
    query("UPDATE documents SET status = 'queued', reason = NULL, done_at = NULL WHERE id = $1")
        .bind(document_id)
        .execute(&mut *c)
        .await?;
    notify_pages(c).await
}

/// Sets a document's status (and the reason for `failed`).
pub async fn set_document_status(
    c: &mut Conn,
    id: i64,
    status: DocumentStatus,
    reason: Option<&str>,
    at: &str,
) -> Result<()> {
    query("UPDATE documents SET status = $1, reason = $2, done_at = $3 WHERE id = $4")
        .bind(status)
        .bind(reason)
        .bind(at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// A document whose every page is read but that is not finished yet.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReadDocument {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub failed_pages: u32,
    #[sqlx(try_from = "i64")]
    pub page_count: u32,
}

/// The AC's documents whose every page is read but that are not `done` yet.
pub async fn documents_read_unfinished(c: &mut Conn, ac_no: u32) -> Result<Vec<ReadDocument>> {
    query(
        "SELECT d.id,
                (SELECT COUNT(*) FROM pages p WHERE p.document_id = d.id AND p.status = 'failed') AS failed_pages,
                d.page_count
         FROM documents d
         WHERE d.ac_no = $1 AND d.status IN ('queued', 'processing')
           AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.document_id = d.id AND p.status = 'queued')",
    )
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await
}

// ---- findings ----------------------------------------------------------------------

/// A stored finding (the shape of `docs/api.md`, plus where it stands).
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
    /// What the scan shows: a whole number, a text or a yes/no.
    pub scan_value: Option<Scalar>,
    /// What was entered (or is expected): a whole number, a text or a yes/no.
    pub entered_value: Option<Scalar>,
    pub confidence: Option<f64>,
    pub message: String,
    pub status: FindingStatus,
    pub decision: Option<Decision>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
    pub resolved_at: Option<String>,
    /// The value the operator read on the scan when deciding.
    pub read_value: Option<Scalar>,
    /// A view someone other than the RO gave on a ground only the RO may
    /// settle: the finding stays open until the RO decides.
    pub recommendation: Option<Recommendation>,
    /// The decisions that fit this finding and who may take them.
    pub choices: Choices,
    /// A PNG of the field's box cut from the cleaned page.
    pub crop_url: Option<String>,
}

/// An operator's view, kept for the RO to decide on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub decision: Decision,
    pub by: String,
    pub at: String,
    pub note: Option<String>,
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
    #[sqlx(try_from = "i64")]
    ac_no: u32,
    document_id: Option<i64>,
    page_no: Option<i64>,
    kind: Kind,
    field: Option<String>,
    ballot_id: Option<String>,
    scan_value: Option<String>,
    entered_value: Option<String>,
    confidence: Option<f64>,
    message: String,
    status: FindingStatus,
    decision: Option<Decision>,
    note: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
    created_at: String,
    resolved_at: Option<String>,
    read_value: Option<String>,
    recommended: Option<Decision>,
    recommended_by: Option<String>,
    recommended_at: Option<String>,
    recommended_note: Option<String>,
}

const FINDING_COLUMNS: &str = "id, ac_no, document_id, page_no, kind, field, ballot_id, scan_value, entered_value, confidence, message, status, decision, note, decided_by, decided_at, created_at, resolved_at, read_value, recommended, recommended_by, recommended_at, recommended_note";

impl FindingTuple {
    fn row(self) -> Result<FindingRow> {
        let what = format!("finding {}", self.id);
        let value = |s: Option<String>| -> Result<Option<Scalar>> {
            s.map(|s| from_json(&s, &what)).transpose()
        };
        let recommendation = match (self.recommended, self.recommended_by, self.recommended_at) {
            (Some(decision), Some(by), Some(at)) => Some(Recommendation {
                decision,
                by,
                at,
                note: self.recommended_note,
            }),
            (None, _, _) => None,
            _ => {
                return Err(Error::corrupt(format!(
                    "{what}: a recommendation without who or when"
                )));
            }
        };
        let choices = choices(self.kind, self.field.as_deref(), self.ballot_id.is_some());
        Ok(FindingRow {
            crop_url: self
                .document_id
                .map(|_| format!("/api/v1/findings/{}/crop.png", self.id)),
            id: self.id,
            ac_no: self.ac_no,
            document: self.document_id,
            page: self.page_no.map(|p| to_u32(p, "page number")).transpose()?,
            kind: self.kind,
            field: self.field,
            ballot_id: self.ballot_id,
            scan_value: value(self.scan_value)?,
            entered_value: value(self.entered_value)?,
            confidence: self.confidence,
            message: self.message,
            status: self.status,
            decision: self.decision,
            note: self.note,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            created_at: self.created_at,
            resolved_at: self.resolved_at,
            read_value: value(self.read_value)?,
            recommendation,
            choices,
        })
    }
}

fn rows(list: Vec<FindingTuple>) -> Result<Vec<FindingRow>> {
    list.into_iter().map(FindingTuple::row).collect()
}

/// Every finding of the AC, any status.
pub async fn findings_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<FindingRow>> {
    rows(
        query(&format!(
            "SELECT {FINDING_COLUMNS} FROM findings WHERE ac_no = $1 ORDER BY id"
        ))
        .bind(i64::from(ac_no))
        .fetch_all(c)
        .await?,
    )
}

/// The findings of a document (open and closed; resolved ones are history).
pub async fn findings_of_document(c: &mut Conn, document_id: i64) -> Result<Vec<FindingRow>> {
    rows(
        query(&format!(
            "SELECT {FINDING_COLUMNS} FROM findings WHERE document_id = $1 AND status != 'resolved' ORDER BY id"
        ))
        .bind(document_id)
        .fetch_all(c)
        .await?,
    )
}

/// Open findings of the given ACs (all ACs when `acs` is None), oldest first.
pub async fn open_findings(c: &mut Conn, acs: Option<&[u32]>) -> Result<Vec<FindingRow>> {
    let all = rows(
        query(&format!(
            "SELECT {FINDING_COLUMNS} FROM findings WHERE status = 'open' ORDER BY id"
        ))
        .fetch_all(c)
        .await?,
    )?;
    Ok(all
        .into_iter()
        .filter(|f| acs.is_none_or(|a| a.contains(&f.ac_no)))
        .collect())
}

/// One finding, or a 404.
pub async fn finding_by_id(c: &mut Conn, id: i64) -> Result<FindingRow> {
    query(&format!(
        "SELECT {FINDING_COLUMNS} FROM findings WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(c)
    .await?
    .map(FindingTuple::row)
    .transpose()?
    .ok_or_else(|| Error::not_found(format!("finding {id}")))
}

/// Stores a new open finding.
pub async fn insert_finding(c: &mut Conn, ac_no: u32, f: &Finding, at: &str) -> Result<()> {
    query(
        "INSERT INTO findings (ac_no, document_id, page_no, kind, field, ballot_id, scan_value, entered_value, confidence, message, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(i64::from(ac_no))
    .bind(f.document_id)
    .bind(f.page_no.map(i64::from))
    .bind(f.kind)
    .bind(&f.field)
    .bind(&f.ballot_id)
    .bind(f.scan_value.as_ref().map(to_json).transpose()?)
    .bind(f.entered_value.as_ref().map(to_json).transpose()?)
    .bind(f.confidence)
    .bind(&f.message)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// Marks a finding `resolved` (it no longer holds) or back `open`/`closed`.
pub async fn set_finding_status(
    c: &mut Conn,
    id: i64,
    status: FindingStatus,
    at: Option<&str>,
) -> Result<()> {
    query("UPDATE findings SET status = $1, resolved_at = $2 WHERE id = $3")
        .bind(status)
        .bind(at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// A decision on a finding, as stored.
pub struct Decided<'a> {
    pub decision: Decision,
    pub note: Option<&'a str>,
    /// The value the decider read on the scan.
    pub read_value: Option<&'a Scalar>,
    pub by: &'a str,
    pub at: &'a str,
}

/// Records a decision: the finding is closed.
pub async fn decide_finding(c: &mut Conn, id: i64, d: &Decided<'_>) -> Result<()> {
    query(
        "UPDATE findings SET status = $1, decision = $2, note = $3, decided_by = $4, decided_at = $5, read_value = $6 WHERE id = $7",
    )
    .bind(FindingStatus::Closed)
    .bind(d.decision)
    .bind(d.note)
    .bind(d.by)
    .bind(d.at)
    .bind(d.read_value.map(to_json).transpose()?)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// Opens a decided finding again, its decision taken back.
pub async fn reopen_finding(c: &mut Conn, id: i64) -> Result<()> {
    query(
        "UPDATE findings SET status = $1, decision = NULL, note = NULL, decided_by = NULL, decided_at = NULL, read_value = NULL WHERE id = $2",
    )
    .bind(FindingStatus::Open)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

/// Records a recommendation to the RO: the finding stays open.
pub async fn recommend_finding(c: &mut Conn, id: i64, d: &Decided<'_>) -> Result<()> {
    query(
        "UPDATE findings SET recommended = $1, recommended_note = $2, recommended_by = $3, recommended_at = $4 WHERE id = $5",
    )
    .bind(d.decision)
    .bind(d.note)
    .bind(d.by)
    .bind(d.at)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

// ---- agreements --------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct AgreementRow {
    document_id: i64,
    page_no: i64,
    field: String,
    value: String,
    confidence: f64,
    threshold: f64,
    source: String,
}

impl AgreementRow {
    fn agreement(self) -> Result<Agreement> {
        let what = format!(
            "agreement of document {} page {}",
            self.document_id, self.page_no
        );
        Ok(Agreement {
            document_id: self.document_id,
            page_no: to_u32(self.page_no, "page number")?,
            value: from_json(&self.value, &what)?,
            field: self.field,
            confidence: self.confidence,
            threshold: self.threshold,
            source: self.source,
        })
    }
}

const AGREEMENT_COLUMNS: &str =
    "a.document_id, a.page_no, a.field, a.value, a.confidence, a.threshold, a.source";

/// The values of a document verified by agreement, by page and field.
pub async fn agreements_of_document(c: &mut Conn, document_id: i64) -> Result<Vec<Agreement>> {
    let rows: Vec<AgreementRow> = query(&format!(
        "SELECT {AGREEMENT_COLUMNS} FROM agreements a WHERE a.document_id = $1 ORDER BY a.page_no, a.field"
    ))
    .bind(document_id)
    .fetch_all(c)
    .await?;
    rows.into_iter().map(AgreementRow::agreement).collect()
}

/// Makes the stored agreements of the pages just checked (`pages`) those
/// the checks found (`found`), writing only what changed.
pub async fn replace_agreements(
    c: &mut Conn,
    ac_no: u32,
    pages: &HashSet<(i64, u32)>,
    found: &[Agreement],
    at: &str,
) -> Result<()> {
    let rows: Vec<AgreementRow> = query(&format!(
        "SELECT {AGREEMENT_COLUMNS} FROM agreements a JOIN documents d ON d.id = a.document_id WHERE d.ac_no = $1"
    ))
    .bind(i64::from(ac_no))
    .fetch_all(&mut *c)
    .await?;
    let stored = rows
        .into_iter()
        .map(AgreementRow::agreement)
        .collect::<Result<Vec<_>>>()?;
    for a in stored
        .iter()
        .filter(|a| pages.contains(&(a.document_id, a.page_no)) && !found.contains(a))
    {
        query("DELETE FROM agreements WHERE document_id = $1 AND page_no = $2 AND field = $3")
            .bind(a.document_id)
            .bind(i64::from(a.page_no))
            .bind(&a.field)
            .execute(&mut *c)
            .await?;
    }
    for a in found.iter().filter(|a| !stored.contains(a)) {
        query(
            "INSERT INTO agreements (document_id, page_no, field, value, confidence, threshold, source, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (document_id, page_no, field) DO UPDATE SET value = EXCLUDED.value,
                 confidence = EXCLUDED.confidence, threshold = EXCLUDED.threshold,
                 source = EXCLUDED.source, created_at = EXCLUDED.created_at",
        )
        .bind(a.document_id)
        .bind(i64::from(a.page_no))
        .bind(&a.field)
        .bind(to_json(&a.value)?)
        .bind(a.confidence)
        .bind(a.threshold)
        .bind(&a.source)
        .bind(at)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

// ---- ballots ---------------------------------------------------------------------

/// Replaces the AC's stored ballot outcomes (`stored`, as loaded in this
/// transaction) with `ballots`, writing only what changed. `within` limits
/// it to the ballots a scoped recheck looked at: others are kept.
pub async fn replace_ballots(
    c: &mut Conn,
    ac_no: u32,
    stored: &[Ballot],
    ballots: &[Ballot],
    within: Option<&HashSet<&str>>,
    at: &str,
) -> Result<()> {
    let stored: HashMap<&str, &Ballot> = stored
        .iter()
        .filter(|b| within.is_none_or(|w| w.contains(b.ballot_id.as_str())))
        .map(|b| (b.ballot_id.as_str(), b))
        .collect();
    let now: HashSet<&str> = ballots.iter().map(|b| b.ballot_id.as_str()).collect();
    for id in stored.keys().filter(|id| !now.contains(*id)) {
        query("DELETE FROM ballots WHERE ac_no = $1 AND ballot_id = $2")
            .bind(i64::from(ac_no))
            .bind(*id)
            .execute(&mut *c)
            .await?;
    }
    for b in ballots
        .iter()
        .filter(|b| stored.get(b.ballot_id.as_str()) != Some(b))
    {
        query(
            "INSERT INTO ballots (ac_no, ballot_id, outcome, reasons, has_13a, has_13b, has_13c,
                                  count_serial, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (ac_no, ballot_id) DO UPDATE SET outcome = excluded.outcome,
               reasons = excluded.reasons, has_13a = excluded.has_13a, has_13b = excluded.has_13b,
               has_13c = excluded.has_13c, count_serial = excluded.count_serial,
               updated_at = excluded.updated_at",
        )
        .bind(i64::from(ac_no))
        .bind(&b.ballot_id)
        .bind(b.outcome)
        .bind(to_json(&b.reasons)?)
        .bind(b.has_13a)
        .bind(b.has_13b)
        .bind(b.has_13c)
        .bind(b.count_serial.map(i64::from))
        .bind(at)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct BallotRow {
    ballot_id: String,
    outcome: Outcome,
    reasons: String,
    has_13a: bool,
    has_13b: bool,
    has_13c: bool,
    count_serial: Option<i64>,
}

/// The AC's ballots with their outcomes, by ballot id.
pub async fn ballots_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<Ballot>> {
    let rows: Vec<BallotRow> = query(
        "SELECT ballot_id, outcome, reasons, has_13a, has_13b, has_13c, count_serial
         FROM ballots WHERE ac_no = $1 ORDER BY ballot_id",
    )
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await?;
    rows.into_iter()
        .map(|r| {
            let count_serial = r
                .count_serial
                .map(|n| {
                    u32::try_from(n).map_err(|_| {
                        Error::corrupt(format!("ballot {}: count serial {n}", r.ballot_id))
                    })
                })
                .transpose()?;
            Ok(Ballot {
                count_serial,
                reasons: from_json(
                    &r.reasons,
                    &format!("the reasons of ballot {}", r.ballot_id),
                )?,
                ballot_id: r.ballot_id,
                outcome: r.outcome,
                has_13a: r.has_13a,
                has_13b: r.has_13b,
                has_13c: r.has_13c,
            })
        })
        .collect()
}

/// An upload refused, as kept for its AC: not the bytes, only what was
/// sent, by whom, and why.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Refusal {
    pub id: i64,
    #[sqlx(try_from = "i64")]
    pub ac_no: u32,
    pub filename: String,
    /// Bytes received before it was refused.
    pub size: i64,
    /// The error's code, as in the refusal's JSON body (`unsupported-type`).
    pub error: String,
    /// The error's sentence.
    pub message: String,
    pub uploaded_by: String,
    pub at: String,
}

/// How many refusals an AC keeps (the newest).
const REFUSALS_KEPT: i64 = 500;

/// Keeps a refused upload; the oldest beyond the newest 500 of the AC go.
pub async fn insert_refusal(c: &mut Conn, r: &Refusal) -> Result<()> {
    query(
        "INSERT INTO refusals (ac_no, filename, size, error, message, uploaded_by, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i64::from(r.ac_no))
    .bind(&r.filename)
    .bind(r.size)
    .bind(&r.error)
    .bind(&r.message)
    .bind(&r.uploaded_by)
    .bind(&r.at)
    .execute(&mut *c)
    .await?;
    query(
        "DELETE FROM refusals WHERE ac_no = $1 AND id <= (
             SELECT id FROM refusals WHERE ac_no = $2 ORDER BY id DESC LIMIT 1 OFFSET $3)",
    )
    .bind(i64::from(r.ac_no))
    .bind(i64::from(r.ac_no))
    .bind(REFUSALS_KEPT)
    .execute(c)
    .await?;
    Ok(())
}

/// The AC's refused uploads, newest first.
pub async fn refusals_of_ac(c: &mut Conn, ac_no: u32, limit: u32) -> Result<Vec<Refusal>> {
    query(
        "SELECT id, ac_no, filename, size, error, message, uploaded_by, at FROM refusals
         WHERE ac_no = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(i64::from(ac_no))
    .bind(i64::from(limit))
    .fetch_all(c)
    .await
}

/// A page a postal ballot was scanned on.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BallotScan {
    pub ballot_id: String,
    pub document_id: i64,
    #[sqlx(try_from = "i64")]
    pub page_no: u32,
    pub form: Option<String>,
}

/// Where each postal ballot of the AC was scanned, by ballot, then
/// document and page.
pub async fn scans_of_ballots(c: &mut Conn, ac_no: u32) -> Result<Vec<BallotScan>> {
    query(
        "SELECT p.ballot_id, p.document_id, p.page_no, p.form FROM pages p
         JOIN documents d ON d.id = p.document_id
         WHERE d.ac_no = $1 AND p.ballot_id IS NOT NULL AND p.ballot_id <> ''
         ORDER BY p.ballot_id, p.document_id, p.page_no",
    )
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await
}

/// How many open findings each document of the AC holds (documents with
/// none are left out), counted in the database.
pub async fn open_findings_by_document(
    c: &mut Conn,
    ac_no: u32,
) -> Result<std::collections::HashMap<i64, u64>> {
    let rows: Vec<(i64, i64)> = query(
        "SELECT document_id, COUNT(*) FROM findings
         WHERE ac_no = $1 AND status = 'open' AND document_id IS NOT NULL
         GROUP BY document_id",
    )
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await?;
    rows.into_iter()
        .map(|(d, n)| Ok((d, super::to_u64(n, "a count of findings")?)))
        .collect()
}
