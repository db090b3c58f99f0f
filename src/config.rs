//! The server's settings: one struct, filled from flags and the environment
//! (`scrutiny serve --help` lists both).

use std::path::PathBuf;

/// Settings of `scrutiny serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Data folder: the SQLite database and stored files.
    #[arg(long, env = "SCRUTINY_DATA", default_value = "./data")]
    pub data: PathBuf,
    /// Address to listen on (port 0 picks a free port, printed on start).
    #[arg(long, env = "SCRUTINY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Load the demo election, demo accounts and sample scans (into an empty data folder).
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
    /// Worker threads reading pages, each with its own Tesseract (default: cores).
    #[arg(long, env = "SCRUTINY_WORKERS")]
    pub workers: Option<usize>,
}

impl ServeConfig {
    /// Settings for a data folder, everything else by default.
    pub fn new(data: impl Into<PathBuf>) -> ServeConfig {
        ServeConfig {
            data: data.into(),
            bind: "127.0.0.1:8080".into(),
            demo: false,
            no_demo_scans: false,
            session_hours: 12,
            max_upload_mb: 50,
            workers: None,
        }
    }
}
