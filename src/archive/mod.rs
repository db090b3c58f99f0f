//! The archive of signed certificates: every uploaded page whose QR code
//! names a certificate Scrutiny printed becomes a record (never updated or
//! deleted; a re-signed certificate is a new record superseding the one
//! before), every record is an entry of an append-only log in which each
//! entry carries the SHA-256 of the one before, and `verify` re-reads every
//! stored file and the whole chain. Search folds case and accents.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use crate::accounts::User;
use crate::checks::{AcState, Decision, FindingStatus, ScannedPage};
use crate::db::{self, Conn, Db};
use crate::documents::store::BlobStore;
use crate::error::{Error, Result};
use crate::forms::FormKind;

/// The hash before the first log entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Lower case, accents and punctuation dropped, spaces collapsed: what
/// search compares ("Zoë  D'Souza" → "zoe dsouza").
pub fn fold(s: &str) -> String {
    let kept: String = s
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The SHA-256 (hex) of a log entry: the previous hash, a newline, the event.
pub fn chain_hash(prev: &str, event: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(event.as_bytes());
    crate::hex(&h.finalize())
}

/// Records every certificate page of the AC not archived yet (inside the
/// checks' transaction), each with its log entry.
pub async fn record_certificates(
    c: &mut Conn,
    state: &AcState,
    pages: &[ScannedPage],
    at: &str,
) -> Result<()> {
    let printed: HashMap<&str, &crate::counting::CertificateRecord> = state
        .certificates
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    for page in pages
        .iter()
        .filter(|p| p.kind() == Some(FormKind::Certificate))
    {
        let Some(id) = crate::checks::certificate::certificate_id(&page.reading) else {
            continue;
        };
        let Some(cert) = printed.get(id.as_str()) else {
            continue;
        };
        if db::archive_record_at(&mut *c, page.document_id, page.page_no)
            .await?
            .is_some()
        {
            continue;
        }
        let doc = db::document(&mut *c, page.document_id).await?;
        let election = db::election(&mut *c)
            .await?
            .map(|(name, _)| name)
            .unwrap_or_default();
        let supersedes = db::latest_archive_record(&mut *c, state.ac.ac_no).await?;
        let search = fold(&format!(
            "{} {} {} {} {} {}",
            state.ac.ac_no, state.ac.name, cert.winner, cert.party, election, cert.id
        ));
        let record = db::NewArchiveRecord {
            ac_no: state.ac.ac_no,
            certificate_id: &cert.id,
            document_id: doc.id,
            page_no: page.page_no,
            sha256: &doc.sha256,
            ac_name: &state.ac.name,
            winner: &cert.winner,
            party: &cert.party,
            election: &election,
            uploaded_by: &doc.uploaded_by,
            uploaded_at: &doc.uploaded_at,
            supersedes,
            search: &search,
            archived_at: at,
        };
        let rid = db::insert_archive_record(&mut *c, &record).await?;
        log_archived(&mut *c, rid, &record).await?;
    }
    Ok(())
}

/// Appends the log entry of a record just stored (here, or pushed by a
/// counting-hall node: central's log then holds the hall's records too).
pub(crate) async fn log_archived(
    c: &mut Conn,
    rid: i64,
    r: &db::NewArchiveRecord<'_>,
) -> Result<()> {
    let mut event = record_fields(rid, r);
    event["event"] = json!("certificate.archived");
    append_log(c, &event.to_string(), r.archived_at).await
}

/// Every field of a record, as its log entry carries it and as `verify`
/// compares it (entries written before wave 2 carry fewer: those they carry
/// are compared).
fn record_fields(rid: i64, r: &db::NewArchiveRecord<'_>) -> serde_json::Value {
    json!({
        "record": rid, "ac_no": r.ac_no, "ac_name": r.ac_name, "certificate_id": r.certificate_id,
        "sha256": r.sha256, "document": r.document_id, "page": r.page_no, "winner": r.winner,
        "party": r.party, "election": r.election, "uploaded_by": r.uploaded_by,
        "uploaded_at": r.uploaded_at, "supersedes": r.supersedes, "search": r.search,
        "archived_at": r.archived_at,
    })
}

async fn append_log(c: &mut Conn, event: &str, at: &str) -> Result<()> {
    let (seq, prev) = db::last_log_entry(&mut *c)
        .await?
        .unwrap_or_else(|| (0, GENESIS.into()));
    let hash = chain_hash(&prev, event);
    db::insert_log_entry(c, seq + 1, at, event, &prev, &hash).await
}

/// A certificate in the archive, as search shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArchivedCertificate {
    pub id: i64,
    pub ac_no: u32,
    pub ac_name: String,
    pub winner: String,
    pub party: String,
    pub election: String,
    pub certificate_id: String,
    /// SHA-256 of the uploaded file, exactly as received.
    pub sha256: String,
    pub document: i64,
    pub page: u32,
    pub uploaded_by: String,
    pub uploaded_at: String,
    /// Every check held: RO signature present, AC, winner and figures equal
    /// to the final result (no finding stands on the page).
    pub verified: bool,
    /// What failed, when not verified.
    pub failed: Vec<String>,
    /// The record this one replaces (an earlier signed copy).
    pub supersedes: Option<i64>,
    /// The record that replaced this one, if any.
    pub superseded_by: Option<i64>,
}

/// The records of `all` that `keep` accepts, with what superseded them
/// (worked out over every record) and whether their checks held (looked up
/// only for the kept ones).
async fn with_status(
    c: &mut Conn,
    all: Vec<db::ArchiveRecord>,
    keep: impl Fn(&db::ArchiveRecord) -> bool,
) -> Result<Vec<ArchivedCertificate>> {
    let superseded: HashMap<i64, i64> = all
        .iter()
        .filter_map(|r| r.supersedes.map(|s| (s, r.id)))
        .collect();
    let mut out = vec![];
    let mut by_doc: HashMap<i64, Vec<db::FindingRow>> = HashMap::new();
    for r in all.into_iter().filter(|r| keep(r)) {
        if let std::collections::hash_map::Entry::Vacant(e) = by_doc.entry(r.document_id) {
            e.insert(db::findings_of_document(&mut *c, r.document_id).await?);
        }
        let failed: Vec<String> = by_doc[&r.document_id]
            .iter()
            .filter(|f| f.page == Some(r.page_no))
            .filter(|f| {
                f.status == FindingStatus::Open
                    || (f.status == FindingStatus::Closed
                        && !f.decision.is_some_and(Decision::clears))
            })
            .map(|f| f.message.clone())
            .collect();
        out.push(ArchivedCertificate {
            superseded_by: superseded.get(&r.id).copied(),
            verified: failed.is_empty(),
            failed,
            id: r.id,
            ac_no: r.ac_no,
            ac_name: r.ac_name,
            winner: r.winner,
            party: r.party,
            election: r.election,
            certificate_id: r.certificate_id,
            sha256: r.sha256,
            document: r.document_id,
            page: r.page_no,
            uploaded_by: r.uploaded_by,
            uploaded_at: r.uploaded_at,
            supersedes: r.supersedes,
        });
    }
    Ok(out)
}

/// Searches the archive: `q` matches AC number or name, winner, party,
/// election or certificate id (partial, case- and accent-insensitive);
/// `ac` keeps one AC. Newest first.
pub async fn search(
    db: &Db,
    user: &User,
    q: Option<&str>,
    ac: Option<u32>,
) -> Result<Vec<ArchivedCertificate>> {
    if let Some(ac) = ac {
        user.require_read(ac)?;
    }
    let mut c = db.read().await?;
    let words: Vec<String> = q
        .map(fold)
        .unwrap_or_default()
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let all = db::archive_records(&mut c).await?;
    let mut out = with_status(&mut c, all, |r| {
        user.can_read(r.ac_no)
            && ac.is_none_or(|a| a == r.ac_no)
            && words.iter().all(|w| r.search.contains(w.as_str()))
    })
    .await?;
    out.reverse();
    Ok(out)
}

/// One archive record: 404 when there is none, 403 when it belongs to an
/// AC the user is not bound to.
pub async fn record(db: &Db, user: &User, id: i64) -> Result<ArchivedCertificate> {
    let mut c = db.read().await?;
    let all = db::archive_records(&mut c).await?;
    let rec = with_status(&mut c, all, |r| r.id == id)
        .await?
        .pop()
        .ok_or_else(|| Error::not_found(format!("archived certificate {id}")))?;
    user.require_read(rec.ac_no)?;
    Ok(rec)
}

/// One archive record with its file's bytes.
pub async fn file(
    db: &Db,
    store: &BlobStore,
    user: &User,
    id: i64,
) -> Result<(ArchivedCertificate, Vec<u8>)> {
    let rec = record(db, user, id).await?;
    let doc = db::document(&mut db.read().await?, rec.document).await?;
    let bytes = store.read(&doc.sha256).await?;
    Ok((rec, bytes))
}

/// What `archive verify` found wrong.
#[derive(Debug, Default, Serialize)]
pub struct VerifyReport {
    pub records: usize,
    pub log_entries: usize,
    /// Stored files whose bytes no longer have their SHA-256 (or are gone).
    pub bad_files: Vec<String>,
    /// Log entries that do not chain (sequence number and why).
    pub broken_log: Vec<String>,
    /// Records whose data disagree with their log entry, and entries
    /// whose record is gone.
    pub bad_records: Vec<String>,
    /// The log's newest entry: keep its hash outside this database, and a
    /// later `verify --head HASH` proves the log still reaches it.
    pub head: Option<Head>,
}

/// The newest entry of the archive log.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// The log's newest entry, if it has one.
pub async fn head(db: &Db) -> Result<Option<Head>> {
    Ok(db::archive_log_head(&mut db.read().await?)
        .await?
        .map(|(seq, hash)| Head { seq, hash }))
}

impl VerifyReport {
    /// Nothing wrong.
    pub fn ok(&self) -> bool {
        self.bad_files.is_empty() && self.broken_log.is_empty() && self.bad_records.is_empty()
    }
}

/// Re-reads every archived file and the whole log; with `head` (a hash
/// someone kept from an earlier `verify`, `export` or the archive page),
/// also that the log still passes through it.
pub async fn verify(db: &Db, store: &BlobStore, head: Option<&str>) -> Result<VerifyReport> {
    let mut c = db.read().await?;
    let records = db::archive_records(&mut c).await?;
    let log = db::archive_log(&mut c).await?;
    let mut report = VerifyReport {
        records: records.len(),
        log_entries: log.len(),
        ..VerifyReport::default()
    };
    let mut prev = GENESIS.to_string();
    let mut events: HashMap<i64, serde_json::Value> = HashMap::new();
    for (i, e) in log.iter().enumerate() {
        let (seq, event, prev_hash, hash) = (&e.seq, &e.event, &e.prev_hash, &e.hash);
        if *seq != i as i64 + 1 {
            report.broken_log.push(format!(
                "entry {seq}: expected entry {} here (an entry was removed)",
                i + 1
            ));
        }
        if prev_hash != &prev {
            report.broken_log.push(format!(
                "entry {seq}: does not carry the hash of the entry before"
            ));
        }
        if &chain_hash(prev_hash, event) != hash {
            report.broken_log.push(format!(
                "entry {seq}: its content does not match its hash (rewritten)"
            ));
        }
        prev = hash.clone();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(event)
            && let Some(r) = v["record"].as_i64()
        {
            events.insert(r, v);
        }
    }
    report.head = log.last().map(|e| Head {
        seq: e.seq,
        hash: e.hash.clone(),
    });
    if let Some(kept) = head
        && !log.iter().any(|e| e.hash == kept)
    {
        report.broken_log.push(format!(
            "the log no longer reaches the head {kept}: entries were removed or the chain was rewritten"
        ));
    }
    let stored: HashMap<i64, &db::ArchiveRecord> = records.iter().map(|r| (r.id, r)).collect();
    let mut missing: Vec<&i64> = events
        .keys()
        .filter(|id| !stored.contains_key(id))
        .collect();
    missing.sort();
    for id in missing {
        report.bad_records.push(format!(
            "record {id}: its log entry stands but the record is gone (deleted)"
        ));
    }
    let mut checked: HashMap<String, bool> = HashMap::new();
    for r in &records {
        match events.get(&r.id) {
            None => report
                .bad_records
                .push(format!("record {}: no log entry", r.id)),
            Some(e) => {
                let now = record_fields(r.id, &r.as_new());
                let changed: Vec<&str> = now
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, v)| e.get(k.as_str()).is_some_and(|logged| logged != *v))
                    .map(|(k, _)| k.as_str())
                    .collect();
                if !changed.is_empty() {
                    report.bad_records.push(format!(
                        "record {}: differs from its log entry in {}",
                        r.id,
                        changed.join(", ")
                    ));
                }
            }
        }
        if !checked.contains_key(&r.sha256) {
            let ok = match store.read(&r.sha256).await {
                Ok(b) => crate::hex(&Sha256::digest(&b)) == r.sha256,
                Err(_) => false,
            };
            checked.insert(r.sha256.clone(), ok);
            if !ok {
                report.bad_files.push(r.sha256.clone());
            }
        }
    }
    Ok(report)
}

/// Writes every archived certificate file to `out/files/`, with
/// `manifest.json`, `manifest.csv` and `SHA256SUMS` (for `sha256sum -c`).
pub async fn export(db: &Db, store: &BlobStore, out: &Path) -> Result<usize> {
    let admin = User {
        id: 0,
        username: "export".into(),
        role: crate::accounts::Role::Observer,
        acs: vec![],
    };
    let mut records = search(db, &admin, None, None).await?;
    records.reverse();
    let files = out.join("files");
    std::fs::create_dir_all(&files).map_err(|e| Error::io(&files, e))?;
    let mut sums = String::new();
    let mut csv = String::from(
        "id,ac_no,ac_name,winner,party,election,certificate_id,sha256,file,uploaded_by,uploaded_at,verified,supersedes\n",
    );
    let mut manifest = vec![];
    for r in &records {
        let doc = db::document(&mut db.read().await?, r.document).await?;
        let ext = match doc.media_type.as_str() {
            "application/pdf" => "pdf",
            "image/jpeg" => "jpg",
            "image/png" => "png",
            _ => "tif",
        };
        let name = format!("{}-record{}.{ext}", r.certificate_id, r.id);
        let bytes = store.read(&r.sha256).await?;
        let path: PathBuf = files.join(&name);
        std::fs::write(&path, &bytes).map_err(|e| Error::io(&path, e))?;
        sums.push_str(&format!("{}  files/{name}\n", r.sha256));
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.id,
            r.ac_no,
            q(&r.ac_name),
            q(&r.winner),
            q(&r.party),
            q(&r.election),
            r.certificate_id,
            r.sha256,
            q(&format!("files/{name}")),
            q(&r.uploaded_by),
            r.uploaded_at,
            r.verified,
            r.supersedes.map(|s| s.to_string()).unwrap_or_default()
        ));
        let mut entry = serde_json::to_value(r).unwrap_or_default();
        entry["file"] = json!(format!("files/{name}"));
        manifest.push(entry);
    }
    let write = |name: &str, text: String| -> Result<()> {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))
    };
    if let Some(h) = head(db).await? {
        write("LOG-HEAD", format!("{} {}\n", h.seq, h.hash))?;
    }
    write("SHA256SUMS", sums)?;
    write("manifest.csv", csv)?;
    write(
        "manifest.json",
        serde_json::to_string_pretty(&manifest).unwrap_or_default(),
    )?;
    Ok(records.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("Zoë  D'Souza"), "zoe dsouza");
        assert_eq!(fold("RÉWA"), "rewa");
        assert!(fold("Bharatiya Janata Party").contains(&fold("janata")));
    }

    #[test]
    fn the_chain_breaks_when_an_entry_changes() {
        let h1 = chain_hash(GENESIS, "{\"a\":1}");
        let h2 = chain_hash(&h1, "{\"b\":2}");
        assert_ne!(chain_hash(GENESIS, "{\"a\":2}"), h1);
        assert_eq!(
            h2,
            chain_hash(&chain_hash(GENESIS, "{\"a\":1}"), "{\"b\":2}")
        );
        assert_eq!(h1.len(), 64);
    }
}
