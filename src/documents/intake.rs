//! Accepting an upload: who may, what it is (sniffed from the bytes), that
//! it splits into pages within the limits, then the blob store and one job
//! per page in the database, all before the upload is acknowledged. The
//! same bytes again are the same document.

use serde_json::json;

use super::store::{BlobStore, Received};
use crate::accounts::User;
use crate::clock;
use crate::db::{self, Db, DocumentRow, NewDocument};
use crate::error::{Error, Result, Rule};
use crate::pipeline::pages;

/// Fails unless `user` may upload to `ac` (and the AC exists). Called
/// before the body is read.
pub async fn authorize(db: &Db, user: &User, ac_no: u32) -> Result<()> {
    user.require_enter(ac_no)?;
    let mut c = db.read().await?;
    db::ac(&mut c, ac_no).await?;
    db::sync::require_changeable_here(&mut c, ac_no).await
}

/// Refuses early what the first bytes already show is not a PDF, JPEG, PNG
/// or TIFF.
pub fn sniff_head(head: &[u8]) -> Result<pages::FileType> {
    pages::sniff(head)
}

/// Whether an error refuses the file itself (what it is, its size, its
/// structure, or that it is empty) rather than the request, the sender or
/// a connection that broke off.
pub fn refuses_the_file(e: &Error, size: u64) -> bool {
    match e {
        Error::UnsupportedType { .. }
        | Error::MalformedPdf { .. }
        | Error::EncryptedPdf
        | Error::UnsupportedEncoding { .. }
        | Error::MalformedImage { .. }
        | Error::TooLarge { .. } => true,
        Error::BadInput { .. } => size == 0,
        _ => false,
    }
}

/// Keeps the refusal of a file sent by someone who may upload to the AC,
/// so that it is still listed after the page is reloaded. A refusal that
/// cannot be kept is logged; the sender gets the refusal either way.
pub async fn keep_refusal(db: &Db, user: &User, ac_no: u32, filename: &str, size: u64, e: &Error) {
    if !refuses_the_file(e, size) || authorize(db, user, ac_no).await.is_err() {
        return;
    }
    let r = db::Refusal {
        id: 0,
        ac_no,
        filename: clean_name(filename),
        size: i64::try_from(size).unwrap_or(i64::MAX),
        error: e.code().to_string(),
        message: e.to_string().chars().take(500).collect(),
        uploaded_by: user.username.clone(),
        at: clock::now_rfc3339(),
    };
    let kept = async {
        let mut tx = db.write().await?;
        db::sync::require_changeable_here(&mut tx, ac_no).await?;
        db::insert_refusal(&mut tx, &r).await?;
        tx.commit().await
    };
    if let Err(err) = kept.await {
        tracing::warn!(ac_no, error = %err, "could not keep the refusal of an upload");
    }
}

/// A file's name as kept: no control characters, at most 200 characters.
fn clean_name(filename: &str) -> String {
    filename
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// Keeps a received upload: checks it, stores it, queues its pages.
/// Returns the document and whether it is new (false: the same bytes were
/// uploaded before, to the same AC).
pub async fn accept(
    db: &Db,
    store: &BlobStore,
    user: &User,
    ac_no: u32,
    received: Received,
    filename: &str,
) -> Result<(DocumentRow, bool)> {
    let discard = |r: &Received| {
        let _ = std::fs::remove_file(&r.path);
    };
    if received.size == 0 {
        discard(&received);
        return Err(Error::bad_input("the file is empty"));
    }
    let file_type = match pages::sniff(&received.head) {
        Ok(t) => t,
        Err(e) => {
            discard(&received);
            return Err(e);
        }
    };
    if let Some(doc) = existing(db, &received.sha256, ac_no).await? {
        discard(&received);
        return Ok((doc, false));
    }
    // Opened in a reader process of its own: a file built to exhaust
    // memory or time is refused without touching this one.
    let inspected = crate::sandbox::inspect(received.path.clone()).await;
    let inspection = match inspected {
        Ok(i) => i,
        Err(e) => {
            discard(&received);
            return Err(e);
        }
    };
    debug_assert_eq!(inspection.file_type, file_type);
    store.commit(&received).await?;
    let at = clock::now_rfc3339();
    let name = clean_name(filename);
    let mut tx = db.write().await?;
    db::sync::require_changeable_here(&mut tx, ac_no).await?;
    let inserted = db::insert_document(
        &mut tx,
        &NewDocument {
            ac_no,
            sha256: &received.sha256,
            media_type: file_type.mime(),
            size: received.size,
            filename: &name,
            page_count: inspection.pages as u32,
            uploaded_by: &user.username,
            uploaded_at: &at,
        },
    )
    .await?;
    let Some(id) = inserted else {
        // The same bytes were stored by another upload in the meantime.
        drop(tx);
        let doc = existing(db, &received.sha256, ac_no).await?;
        return doc
            .map(|d| (d, false))
            .ok_or_else(|| Error::internal("a document vanished while it was being stored"));
    };
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "document.upload",
        Some(ac_no),
        &format!("document {id}"),
        None,
        Some(&json!({"sha256": received.sha256, "pages": inspection.pages, "filename": name, "size": received.size})),
    )
    .await?;
    db::notify_pages(&mut tx).await?;
    let doc = db::document(&mut tx, id).await?;
    tx.commit().await?;
    Ok((doc, true))
}

/// Keeps bytes already in memory (the demo's scans, tools), exactly as if
/// they had been uploaded by `user`.
pub async fn accept_bytes(
    db: &Db,
    store: &BlobStore,
    user: &User,
    ac_no: u32,
    bytes: &[u8],
    filename: &str,
) -> Result<(DocumentRow, bool)> {
    authorize(db, user, ac_no).await?;
    let mut rx = store.receive(u64::MAX).await?;
    rx.push(bytes).await?;
    let received = rx.finish().await?;
    accept(db, store, user, ac_no, received, filename).await
}

async fn existing(db: &Db, sha256: &str, ac_no: u32) -> Result<Option<DocumentRow>> {
    same_bytes(&mut db.read().await?, sha256, ac_no).await
}

/// The document with these bytes; a 409 when it belongs to another AC.
async fn same_bytes(c: &mut db::Conn, sha256: &str, ac_no: u32) -> Result<Option<DocumentRow>> {
    match db::document_by_sha(c, sha256).await? {
        Some(d) if d.ac_no != ac_no => Err(Error::rule(
            Rule::UploadedElsewhere,
            format!(
                "this file was already uploaded to AC {} (document {})",
                d.ac_no, d.id
            ),
        )),
        other => Ok(other),
    }
}
