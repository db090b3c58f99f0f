//! The blob store: every upload is a plain file named by its SHA-256 under
//! `DATA/blobs/ab/abcdef…`, written once through a temp file, fsync and
//! rename, so a file in the store is always whole. The same bytes are the
//! same file. Nothing here knows about documents or the database.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};

/// Where uploads are kept.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// Opens the store under `data_dir`, clearing temp files a crash left.
    pub fn open(data_dir: &Path) -> Result<BlobStore> {
        let root = data_dir.to_path_buf();
        for dir in [root.join("blobs"), root.join("tmp")] {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        if let Ok(entries) = std::fs::read_dir(root.join("tmp")) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
        Ok(BlobStore { root })
    }

    /// The path of the blob with this SHA-256 (hex).
    pub fn path(&self, sha256: &str) -> PathBuf {
        let shard = sha256.get(..2).unwrap_or("00");
        self.root.join("blobs").join(shard).join(sha256)
    }

    /// The stored bytes of a blob.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        let p = self.path(sha256);
        std::fs::read(&p).map_err(|e| Error::io(&p, e))
    }

    /// Starts receiving an upload into a temp file.
    pub async fn receive(&self, limit: u64) -> Result<Receiving> {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = self.root.join("tmp").join(format!(
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

    /// Moves a received temp file into the store under its SHA-256 (fsync
    /// of the file before, of the folder after). The same bytes already
    /// stored: the temp file is dropped.
    pub fn commit(&self, received: &Received) -> Result<PathBuf> {
        let target = self.path(&received.sha256);
        if target.exists() {
            let _ = std::fs::remove_file(&received.path);
            return Ok(target);
        }
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        std::fs::rename(&received.path, &target).map_err(|e| Error::io(&target, e))?;
        std::fs::File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(&dir, e))?;
        Ok(target)
    }
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
