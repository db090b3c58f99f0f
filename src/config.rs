//! Settings: one struct per command, filled from flags and the environment
//! (`scrutiny serve --help` lists both). [`Storage`] is shared by every
//! command that opens the data: the data folder, the database and the blob
//! store.

use std::path::PathBuf;

use crate::db::{Db, Location};
use crate::documents::store::{BlobLocation, BlobStore};
use crate::error::Result;

/// Where the data lives.
#[derive(Debug, Clone, clap::Args)]
pub struct Storage {
    /// Data folder: the SQLite database and stored files by default, and
    /// where uploads are received before they are stored.
    #[arg(long, env = "SCRUTINY_DATA", default_value = "./data", global = true)]
    pub data: PathBuf,
    /// Database: sqlite://PATH (default DATA/scrutiny.db) or postgres://USER@HOST/DB.
    #[arg(long, env = "SCRUTINY_DATABASE_URL", global = true)]
    pub database: Option<String>,
    /// Blob store: file://DIR (default DATA/blobs) or s3://BUCKET[/PREFIX],
    /// with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ENDPOINT_URL and AWS_ALLOW_HTTP.
    #[arg(long, env = "SCRUTINY_BLOBS_URL", global = true)]
    pub blobs: Option<String>,
}

impl Storage {
    /// The local defaults under a data folder.
    pub fn in_folder(data: impl Into<PathBuf>) -> Storage {
        Storage {
            data: data.into(),
            database: None,
            blobs: None,
        }
    }

    /// Where the database is.
    pub fn database(&self) -> Result<Location> {
        match &self.database {
            Some(url) => Location::parse(url),
            None => Ok(Location::in_folder(&self.data)),
        }
    }

    /// Where the blobs are.
    pub fn blobs(&self) -> Result<BlobLocation> {
        match &self.blobs {
            Some(url) => BlobLocation::parse(url),
            None => Ok(BlobLocation::Folder(self.data.join("blobs"))),
        }
    }

    /// Opens (and migrates) the database.
    pub async fn open_db(&self) -> Result<Db> {
        let at = self.database()?;
        if matches!(at, Location::Sqlite(_)) {
            std::fs::create_dir_all(&self.data).map_err(|e| crate::Error::io(&self.data, e))?;
        }
        Db::connect(&at).await
    }

    /// Opens the blob store (a bucket is tried at once).
    pub async fn open_blobs(&self) -> Result<BlobStore> {
        BlobStore::connect(&self.blobs()?, &self.data).await
    }
}

/// Settings of `scrutiny serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    #[command(flatten)]
    pub storage: Storage,
    /// Address to listen on (port 0 picks a free port, printed on start).
    #[arg(long, env = "SCRUTINY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Load the demo election, demo accounts and sample scans (into an empty database).
    #[arg(long)]
    pub demo: bool,
    /// With --demo: leave out the sample scans (an empty upload desk).
    #[arg(long, requires = "demo")]
    pub no_demo_scans: bool,
    /// Hours a sign-in stays valid.
    #[arg(long, env = "SCRUTINY_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u64,
    /// Largest upload accepted, in MB.
    #[arg(long, env = "SCRUTINY_MAX_UPLOAD_MB", default_value_t = 50)]
    pub max_upload_mb: u64,
    /// Worker threads reading pages, each with its own Tesseract (default:
    /// cores; 0: this process serves HTTP only, `scrutiny worker` reads).
    #[arg(long, env = "SCRUTINY_WORKERS")]
    pub workers: Option<usize>,
    /// Run as a counting-hall node syncing with the central service at
    /// this URL (enrolling from it on the first start, into an empty --data).
    #[arg(
        long,
        env = "SCRUTINY_UPSTREAM",
        requires = "node_token",
        conflicts_with = "demo"
    )]
    pub upstream: Option<String>,
    /// The node's token, printed once by `scrutiny node add` on central.
    #[arg(long, env = "SCRUTINY_NODE_TOKEN", hide_env_values = true)]
    pub node_token: Option<String>,
    /// A folder of model files read beside the shipped ones: another
    /// printer's layout of a form (`models/README.md`).
    #[arg(long, env = "SCRUTINY_MODELS")]
    pub models: Option<PathBuf>,
}

impl ServeConfig {
    /// Settings for a data folder, everything else by default.
    pub fn new(data: impl Into<PathBuf>) -> ServeConfig {
        ServeConfig {
            storage: Storage::in_folder(data),
            bind: "127.0.0.1:8080".into(),
            demo: false,
            no_demo_scans: false,
            session_hours: 12,
            max_upload_mb: 50,
            workers: None,
            upstream: None,
            node_token: None,
            models: None,
        }
    }
}

/// The number of cores, the default number of workers.
pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
