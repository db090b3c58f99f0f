//! The blob store: every upload is kept once, under its SHA-256, and is
//! whole whenever it can be seen. Two backends behind one interface:
//! - a local folder (`file://DIR`, default `DATA/blobs`): a plain file
//!   `DIR/ab/abcdef…`, written through a temp file, fsync and rename, with
//!   the folder fsynced after;
//! - an S3-compatible bucket (`s3://BUCKET[/PREFIX]`, through
//!   `object_store`): the object `PREFIX/ab/abcdef…`, streamed in parts from
//!   the temp file; S3 makes an object visible only once it is complete.
//!
//! Uploads are received into a temp file under `DATA/tmp` either way, hashed
//! as they stream. Nothing is acknowledged before the store has it. Nothing
//! here knows about documents or the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::{Error, Result};

/// Where the blobs are: `file://DIR` or `s3://BUCKET[/PREFIX]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    Folder(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl BlobLocation {
    /// Parses `file://DIR` or `s3://BUCKET[/PREFIX]`.
    pub fn parse(url: &str) -> Result<BlobLocation> {
        if let Some(dir) = url.strip_prefix("file://") {
            if dir.is_empty() {
                return Err(Error::bad_input(
                    "file:// needs a folder, e.g. file:///var/lib/scrutiny/blobs",
                ));
            }
            return Ok(BlobLocation::Folder(PathBuf::from(dir)));
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(Error::bad_input(
                    "s3:// needs a bucket, e.g. s3://scrutiny-scans",
                ));
            }
            return Ok(BlobLocation::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.trim_matches('/').to_string(),
            });
        }
        Err(Error::bad_input(format!(
            "--blobs {url}: give file://DIR or s3://BUCKET[/PREFIX]"
        )))
    }

    /// As a person reads it.
    pub fn shown(&self) -> String {
        match self {
            BlobLocation::Folder(d) => format!("file://{}", d.display()),
            BlobLocation::S3 { bucket, prefix } if prefix.is_empty() => format!("s3://{bucket}"),
            BlobLocation::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

/// Where uploads are kept.
#[derive(Debug, Clone)]
pub struct BlobStore {
    /// Where uploads are received before they are committed.
    tmp: PathBuf,
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Folder(PathBuf),
    S3 {
        store: Arc<dyn ObjectStore>,
        prefix: String,
        shown: String,
    },
}

/// The shard folder and file name of a SHA-256 (`ab/abcdef…`).
fn shard(sha256: &str) -> String {
    format!("{}/{sha256}", sha256.get(..2).unwrap_or("00"))
}

impl BlobStore {
    /// Opens the folder store under `data_dir` (`DATA/blobs`), clearing
    /// temp files a crash left.
    pub fn open(data_dir: &Path) -> Result<BlobStore> {
        let tmp = prepare_tmp(data_dir)?;
        let root = data_dir.join("blobs");
        std::fs::create_dir_all(&root).map_err(|e| Error::io(&root, e))?;
        Ok(BlobStore {
            tmp,
            backend: Backend::Folder(root),
        })
    }

    /// Opens the store at `at`, receiving uploads under `data_dir/tmp`. A
    /// bucket is tried at once (a small probe object is written and read
    /// back), so wrong credentials or a missing bucket fail at start with
    /// the store's own words, not at the first upload.
    pub async fn connect(at: &BlobLocation, data_dir: &Path) -> Result<BlobStore> {
        let tmp = prepare_tmp(data_dir)?;
        let backend = match at {
            BlobLocation::Folder(root) => {
                std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
                Backend::Folder(root.clone())
            }
            BlobLocation::S3 { bucket, prefix } => {
                let store = s3(bucket)?;
                let b = Backend::S3 {
                    store: Arc::new(store),
                    prefix: prefix.clone(),
                    shown: at.shown(),
                };
                probe(&b).await?;
                b
            }
        };
        Ok(BlobStore { tmp, backend })
    }

    fn key(prefix: &str, sha256: &str) -> Key {
        if prefix.is_empty() {
            Key::from(shard(sha256))
        } else {
            Key::from(format!("{prefix}/{}", shard(sha256)))
        }
    }

    fn s3_error(shown: &str, e: object_store::Error) -> Error {
        Error::Blobs {
            at: shown.to_string(),
            reason: e.to_string(),
        }
    }

    /// Removes the stored files that no document names and that are older
    /// than `before` (Unix seconds), from a folder or a bucket; returns how
    /// many. The age keeps what is being stored right now (an upload between
    /// storing its file and recording it, a hall node's file pushed before
    /// the rows that name it; a node sends again a file central lacks).
    pub async fn sweep(
        &self,
        named: &std::collections::HashSet<String>,
        before: i64,
    ) -> Result<u64> {
        let is_blob = |name: &str| name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
        match &self.backend {
            Backend::Folder(root) => {
                let (root, named) = (root.clone(), named.clone());
                crate::tasks::blocking(move || {
                    let mut removed = 0;
                    for shard_dir in std::fs::read_dir(&root)
                        .map_err(|e| Error::io(&root, e))?
                        .flatten()
                    {
                        for f in std::fs::read_dir(shard_dir.path())
                            .into_iter()
                            .flatten()
                            .flatten()
                        {
                            let name = f.file_name().to_string_lossy().into_owned();
                            let old = f
                                .metadata()
                                .and_then(|m| m.modified())
                                .ok()
                                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                                .is_some_and(|d| (d.as_secs() as i64) < before);
                            if is_blob(&name) && !named.contains(&name) && old {
                                std::fs::remove_file(f.path())
                                    .map_err(|e| Error::io(f.path(), e))?;
                                removed += 1;
                            }
                        }
                    }
                    Ok(removed)
                })
                .await
            }
            Backend::S3 {
                store,
                prefix,
                shown,
            } => {
                let fail = |e| BlobStore::s3_error(shown, e);
                let root = (!prefix.is_empty()).then(|| Key::from(prefix.as_str()));
                let shards = store
                    .list_with_delimiter(root.as_ref())
                    .await
                    .map_err(fail)?;
                let mut removed = 0;
                for shard_key in shards.common_prefixes {
                    let listed = store
                        .list_with_delimiter(Some(&shard_key))
                        .await
                        .map_err(fail)?;
                    for o in listed.objects {
                        let name = o.location.filename().unwrap_or_default().to_string();
                        if is_blob(&name)
                            && !named.contains(&name)
                            && o.last_modified.timestamp() < before
                        {
                            store.delete(&o.location).await.map_err(fail)?;
                            removed += 1;
                        }
                    }
                }
                Ok(removed)
            }
        }
    }

    /// The stored bytes of a blob.
    pub async fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        match &self.backend {
            Backend::Folder(root) => {
                let p = root.join(shard(sha256));
                tokio::fs::read(&p).await.map_err(|e| Error::io(&p, e))
            }
            Backend::S3 {
                store,
                prefix,
                shown,
            } => {
                let key = BlobStore::key(prefix, sha256);
                let got = store.get(&key).await.map_err(|e| match e {
                    object_store::Error::NotFound { .. } => {
                        Error::not_found(format!("the stored file {sha256}"))
                    }
                    e => BlobStore::s3_error(shown, e),
                })?;
                let bytes = got
                    .bytes()
                    .await
                    .map_err(|e| BlobStore::s3_error(shown, e))?;
                Ok(bytes.to_vec())
            }
        }
    }

    /// Whether a blob with this SHA-256 is stored.
    pub async fn contains(&self, sha256: &str) -> Result<bool> {
        match &self.backend {
            Backend::Folder(root) => Ok(root.join(shard(sha256)).exists()),
            Backend::S3 {
                store,
                prefix,
                shown,
            } => match store.head(&BlobStore::key(prefix, sha256)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(BlobStore::s3_error(shown, e)),
            },
        }
    }

    /// Starts receiving an upload into a temp file.
    pub async fn receive(&self, limit: u64) -> Result<Receiving> {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = self.tmp.join(format!(
            "{}-{}.part",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| Error::io(&path, e))?;
        Ok(Receiving {
            path,
            file: Some(file),
            hasher: Sha256::new(),
            size: 0,
            head: Vec::with_capacity(1024),
            limit,
        })
    }

    /// Puts a received temp file into the store under its SHA-256 and drops
    /// the temp file; the same bytes already stored are kept as they are.
    /// Returns once the store has the blob durably.
    pub async fn commit(&self, received: &Received) -> Result<()> {
        let done = match &self.backend {
            Backend::Folder(root) => {
                let (root, received) = (root.clone(), received.clone());
                crate::tasks::blocking(move || commit_file(&root, &received)).await
            }
            Backend::S3 {
                store,
                prefix,
                shown,
            } => {
                if self.contains(&received.sha256).await? {
                    Ok(())
                } else {
                    let key = BlobStore::key(prefix, &received.sha256);
                    put_file(store.clone(), key, &received.path)
                        .await
                        .map_err(|e| Error::Blobs {
                            at: shown.clone(),
                            reason: e,
                        })
                }
            }
        };
        let _ = tokio::fs::remove_file(&received.path).await;
        done
    }
}

/// `DATA/tmp`, created, with what crashed processes left in it removed.
/// Temp files are named `<pid>-<n>.part`; those of a process still running
/// (another web process sharing the folder) are left alone.
fn prepare_tmp(data_dir: &Path) -> Result<PathBuf> {
    let tmp = data_dir.join("tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let me = std::process::id().to_string();
    for e in std::fs::read_dir(&tmp).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').next().unwrap_or("");
        let alive = pid != me && Path::new("/proc").join(pid).exists() && !pid.is_empty();
        if !alive {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(tmp)
}

/// The folder backend's commit: rename into place, then fsync the folder.
fn commit_file(root: &Path, received: &Received) -> Result<()> {
    let target = root.join(shard(&received.sha256));
    if target.exists() {
        return Ok(());
    }
    let dir = target.parent().unwrap_or(root).to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    std::fs::rename(&received.path, &target).map_err(|e| Error::io(&target, e))?;
    std::fs::File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(&dir, e))
}

/// Streams a file into an object in parts (bounded memory whatever its size).
async fn put_file(
    store: Arc<dyn ObjectStore>,
    key: Key,
    path: &Path,
) -> std::result::Result<(), String> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = object_store::buffered::BufWriter::new(store, key);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        if let Err(e) = out.write_all(&buf[..n]).await {
            let _ = out.abort().await;
            return Err(e.to_string());
        }
    }
    out.shutdown().await.map_err(|e| e.to_string())
}

/// An S3 client for `bucket` from the standard AWS variables
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
/// `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`), with path-style requests when an
/// endpoint is given (S3-compatible servers).
fn s3(bucket: &str) -> Result<object_store::aws::AmazonS3> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut b = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(env("AWS_REGION").unwrap_or_else(|| "us-east-1".into()));
    if let Some(k) = env("AWS_ACCESS_KEY_ID") {
        b = b.with_access_key_id(k);
    }
    if let Some(k) = env("AWS_SECRET_ACCESS_KEY") {
        b = b.with_secret_access_key(k);
    }
    if let Some(t) = env("AWS_SESSION_TOKEN") {
        b = b.with_token(t);
    }
    if let Some(e) = env("AWS_ENDPOINT_URL").or_else(|| env("AWS_ENDPOINT")) {
        b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
    }
    if env("AWS_ALLOW_HTTP").is_some_and(|v| v == "true" || v == "1") {
        b = b.with_allow_http(true);
    }
    b.build().map_err(|e| Error::Blobs {
        at: format!("s3://{bucket}"),
        reason: e.to_string(),
    })
}

/// Writes and reads back a probe object: fails with the store's reason
/// (wrong credentials, missing bucket, unreachable endpoint).
async fn probe(b: &Backend) -> Result<()> {
    let Backend::S3 {
        store,
        prefix,
        shown,
    } = b
    else {
        return Ok(());
    };
    let key = if prefix.is_empty() {
        Key::from("scrutiny-probe")
    } else {
        Key::from(format!("{prefix}/scrutiny-probe"))
    };
    let fail = |e: object_store::Error| Error::Blobs {
        at: shown.clone(),
        reason: e.to_string(),
    };
    // Listing first: some servers create a missing bucket on a write, but
    // none lists one.
    store.list_with_delimiter(Some(&key)).await.map_err(fail)?;
    store
        .put(&key, object_store::PutPayload::from_static(b"scrutiny"))
        .await
        .map_err(fail)?;
    store.head(&key).await.map_err(fail)?;
    Ok(())
}

/// An upload being received: written to a temp file and hashed as it
/// streams, refused as soon as it passes the size limit.
pub struct Receiving {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
    limit: u64,
}

/// A whole upload in a temp file, synced to disk.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    /// Its first bytes (up to 1 KiB), for sniffing.
    pub head: Vec<u8>,
}

impl Receiving {
    /// Appends a chunk. Fails (and deletes the temp file) past the limit.
    pub async fn push(&mut self, chunk: &[u8]) -> Result<()> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            self.abort().await;
            return Err(Error::TooLarge {
                reason: format!(
                    "the upload is larger than the limit of {} MB",
                    self.limit / 1_000_000
                ),
            });
        }
        if self.head.len() < 1024 {
            let take = (1024 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| Error::internal("upload written after it ended"))?;
        if let Err(e) = file.write_all(chunk).await {
            self.abort().await;
            return Err(Error::io(&self.path, e));
        }
        Ok(())
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The first bytes received (up to 1 KiB).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// Deletes the temp file.
    pub async fn abort(&mut self) {
        self.file = None;
        let _ = tokio::fs::remove_file(&self.path).await;
    }

    /// Flushes and fsyncs the temp file; the upload is whole on disk.
    pub async fn finish(mut self) -> Result<Received> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| Error::internal("upload finished twice"))?;
        let synced = async {
            file.flush().await?;
            file.sync_all().await
        }
        .await;
        if let Err(e) = synced {
            let _ = tokio::fs::remove_file(&self.path).await;
            return Err(Error::io(&self.path, e));
        }
        let sha256 = crate::hex(&std::mem::take(&mut self.hasher).finalize());
        Ok(Received {
            path: self.path.clone(),
            sha256,
            size: self.size,
            head: std::mem::take(&mut self.head),
        })
    }
}

impl Drop for Receiving {
    fn drop(&mut self) {
        // An upload dropped half-way (connection lost) leaves no temp file.
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Standard base64 (RFC 4648, padded), for `Digest: sha-256=…` headers.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `Digest` header value (RFC 3230) of bytes whose SHA-256 is `hex`.
pub fn digest_header(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    format!("sha-256={}", base64(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
        // SHA-256 of the empty string.
        assert_eq!(
            digest_header("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            "sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
