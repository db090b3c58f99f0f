//! Starting the real server and talking HTTP to it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

/// A fresh folder under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "scrutiny-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scrutiny")
}

/// Where the servers of this test run keep their data: the counting-hall
/// default (SQLite and a folder under `--data`), or, with
/// `SCRUTINY_TEST_DATABASE_URL` (a PostgreSQL URL that may create databases) and
/// `SCRUTINY_TEST_S3_ROOT` (the folder an `s3s-fs` server serves, whose
/// sub-folders are its buckets) set, the central deployment: each data
/// folder gets a PostgreSQL database and a bucket of its own.
#[derive(Debug)]
pub enum Engine {
    Local,
    Central { pg_admin: String, s3_root: PathBuf },
}

pub fn engine() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| {
        match (
            std::env::var("SCRUTINY_TEST_DATABASE_URL")
                .ok()
                .filter(|v| !v.is_empty()),
            std::env::var("SCRUTINY_TEST_S3_ROOT")
                .ok()
                .filter(|v| !v.is_empty()),
        ) {
            (Some(pg_admin), Some(root)) => Engine::Central {
                pg_admin,
                s3_root: PathBuf::from(root),
            },
            _ => Engine::Local,
        }
    })
}

/// Whether this run is on the central deployment (PostgreSQL and S3).
pub fn central() -> bool {
    matches!(engine(), Engine::Central { .. })
}

/// The database and bucket name of a data folder (stable for the folder).
fn central_name(data: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    format!("scrutiny_t_{:016x}", h.finish())
}

/// The `SCRUTINY_DATABASE_URL` and `SCRUTINY_BLOBS_URL` of a data folder
/// (nothing on the local engine), creating its database and bucket.
pub fn storage_env(data: &Path) -> Vec<(&'static str, String)> {
    let Engine::Central { pg_admin, s3_root } = engine() else {
        return vec![];
    };
    static CREATE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let name = central_name(data);
    let bucket = name.replace('_', "-");
    {
        let _one_at_a_time = CREATE.lock().unwrap_or_else(|e| e.into_inner());
        let exists = Command::new("psql")
            .args([pg_admin.as_str(), "-Atc"])
            .arg(format!(
                "SELECT 1 FROM pg_database WHERE datname = '{name}'"
            ))
            .output()
            .expect("run psql");
        assert!(
            exists.status.success(),
            "psql: {}",
            String::from_utf8_lossy(&exists.stderr)
        );
        if String::from_utf8_lossy(&exists.stdout).trim() != "1" {
            let made = Command::new("psql")
                .args([pg_admin.as_str(), "-c"])
                .arg(format!("CREATE DATABASE {name}"))
                .output()
                .expect("run psql");
            assert!(
                made.status.success(),
                "create database: {}",
                String::from_utf8_lossy(&made.stderr)
            );
        }
        std::fs::create_dir_all(s3_root.join(&bucket)).expect("bucket folder");
    }
    let base = pg_admin
        .rsplit_once('/')
        .map_or(pg_admin.as_str(), |(b, _)| b);
    vec![
        ("SCRUTINY_DATABASE_URL", format!("{base}/{name}")),
        ("SCRUTINY_BLOBS_URL", format!("s3://{bucket}")),
    ]
}

/// The file holding a stored blob (in the data folder, or in the bucket's
/// folder of the S3 server), for tests that alter it behind the server's back.
pub fn blob_file(data: &Path, sha256: &str) -> PathBuf {
    match engine() {
        Engine::Local => data.join("blobs").join(&sha256[..2]).join(sha256),
        Engine::Central { s3_root, .. } => s3_root
            .join(central_name(data).replace('_', "-"))
            .join(&sha256[..2])
            .join(sha256),
    }
}

/// Every blob stored for a data folder (the store's probe object aside).
pub fn stored_blobs(data: &Path) -> Vec<PathBuf> {
    let root = match engine() {
        Engine::Local => data.join("blobs"),
        Engine::Central { s3_root, .. } => s3_root.join(central_name(data).replace('_', "-")),
    };
    let mut out = vec![];
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.len() == 64)
            {
                out.push(p);
            }
        }
    }
    out
}

/// The database of a data folder, opened by the library (for tests that
/// alter rows behind the server's back).
pub fn database_of(data: &Path) -> scrutiny::db::Location {
    match storage_env(data).first() {
        Some((_, url)) => scrutiny::db::Location::parse(url).expect("database url"),
        None => scrutiny::db::Location::in_folder(data),
    }
}

/// A `scrutiny` command with the storage of its `--data` folder (on the
/// central engine, that folder's database and bucket).
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    if let Some(data) = args
        .iter()
        .position(|a| *a == "--data")
        .and_then(|i| args.get(i + 1))
    {
        cmd.envs(storage_env(Path::new(data)));
    }
    cmd
}

/// Runs a `scrutiny` command with `stdin`, expecting success; returns stdout.
pub fn cli(args: &[&str], stdin: &str) -> String {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run scrutiny");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "scrutiny {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The real server, started on port 0 with a data folder; killed on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub data: PathBuf,
    /// What the server printed before "listening on".
    pub banner: String,
}

impl Server {
    /// Starts `scrutiny serve --data DIR --bind 127.0.0.1:0 EXTRA...` and
    /// waits until it says where it listens.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_at(data, "127.0.0.1:0", extra)
    }

    /// The same, on a given address (to start again where a browser is
    /// already pointed).
    pub fn start_at(data: &Path, bind: &str, extra: &[&str]) -> Server {
        Server::start_with(data, bind, storage_env(data), extra)
    }

    /// The same with the storage given (several processes on one database
    /// and bucket, each with its own data folder).
    pub fn start_with(
        data: &Path,
        bind: &str,
        storage: Vec<(&'static str, String)>,
        extra: &[&str],
    ) -> Server {
        let log = std::fs::File::create(data.with_extension("log")).expect("log file");
        let mut child = Command::new(bin())
            .envs(storage)
            .arg("serve")
            .arg("--data")
            .arg(data)
            .args(["--bind", bind])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start scrutiny serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut banner = String::new();
        let mut base = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("read stdout");
            if let Some(addr) = line.strip_prefix("listening on ") {
                base = Some(addr.trim().to_string());
                break;
            }
            banner.push_str(&line);
            banner.push('\n');
        }
        let base = base.unwrap_or_else(|| {
            let log = std::fs::read_to_string(data.with_extension("log")).unwrap_or_default();
            panic!("the server did not start: {banner}\n{log}")
        });
        Server {
            child,
            base,
            data: data.to_path_buf(),
            banner,
        }
    }

    /// The server process's peak resident memory (VmHWM), in MB.
    pub fn peak_mb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status");
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .expect("VmHWM");
        kb / 1024
    }

    /// Stops the server the hard way (as a power cut or a crash would).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Any request; returns the status and the JSON body (Null when not JSON).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = ureq::request(method, &format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        respond(res)
    }

    /// A request with a raw body and content type.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> (u16, Value) {
        let mut req = ureq::request(method, &format!("{}{path}", self.base))
            .set("Content-Type", content_type);
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        respond(req.send_bytes(body))
    }

    /// GET returning raw bytes and content type, for PDFs.
    pub fn bytes(&self, path: &str, token: &str) -> (u16, String, Vec<u8>) {
        let res = ureq::get(&format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {token}"))
            .call();
        let r = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("request failed: {e}"),
        };
        let status = r.status();
        let ct = r.content_type().to_string();
        let mut buf = vec![];
        std::io::Read::read_to_end(&mut r.into_reader(), &mut buf).expect("read body");
        (status, ct, buf)
    }

    pub fn get(&self, path: &str, token: &str) -> Value {
        let (status, body) = self.call("GET", path, Some(token), None);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    pub fn ok(&self, method: &str, path: &str, token: &str, body: Value) -> Value {
        let (status, b) = self.call(method, path, Some(token), Some(body));
        assert_eq!(status, 200, "{method} {path}: {b}");
        b
    }

    /// How many candidates (NOTA included) the AC has.
    pub fn candidates(&self, ac: u32, token: &str) -> usize {
        self.get(&format!("/api/v1/acs/{ac}"), token)["candidates"]
            .as_array()
            .expect("candidates")
            .len()
    }

    /// The AC's first round still in draft.
    pub fn first_draft_round(&self, ac: u32, token: &str) -> u64 {
        self.get(&format!("/api/v1/acs/{ac}/rounds"), token)
            .as_array()
            .expect("rounds")
            .iter()
            .find(|r| r["status"] == "draft")
            .and_then(|r| r["round"].as_u64())
            .expect("a draft round")
    }

    /// Signs in; returns the token.
    pub fn login(&self, user: &str, password: &str) -> String {
        let (status, body) = self.call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": user, "password": password})),
        );
        assert_eq!(status, 200, "login {user}: {body}");
        body["token"].as_str().expect("token").to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn respond(res: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    let r = match res {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = r.status();
    let text = r.into_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts an error response: the status and the machine code, and a message.
pub fn assert_error(got: (u16, Value), status: u16, code: &str) {
    assert_eq!(got.0, status, "expected {status} {code}, got {}", got.1);
    assert_eq!(got.1["error"], code, "{}", got.1);
    assert!(
        got.1["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {}",
        got.1
    );
}

/// Reads a PDF with `scrutiny extract`: the first page's JSON.
pub fn extract(pdf: &[u8], dir: &Path, name: &str) -> Value {
    let path = dir.join(name);
    std::fs::write(&path, pdf).expect("write pdf");
    let out = cli(&["extract", "--json", path.to_str().expect("path")], "");
    serde_json::from_str(out.lines().next().expect("a page")).expect("json line")
}

/// Multipart body with one field `file`.
pub fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "scrutiny-test-boundary-7d93a1";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Server {
    /// Uploads bytes as a scan of AC `ac`.
    pub fn upload(&self, ac: u32, token: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
        let (ct, body) = multipart(name, bytes);
        self.send(
            "POST",
            &format!("/api/v1/acs/{ac}/documents"),
            Some(token),
            &ct,
            &body,
        )
    }

    /// Waits until a document is `done` or `failed` (every page read and
    /// every check run); returns it.
    pub fn wait_done(&self, id: i64, token: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        loop {
            let d = self.get(&format!("/api/v1/documents/{id}"), token);
            if d["status"] == "done" || d["status"] == "failed" {
                return d;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "document {id} not read in time: {d}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Uploads and waits; returns the document.
    pub fn upload_read(&self, ac: u32, token: &str, name: &str, bytes: &[u8]) -> Value {
        let (status, body) = self.upload(ac, token, name, bytes);
        assert_eq!(status, 201, "upload {name}: {body}");
        self.wait_done(body["id"].as_i64().expect("id"), token)
    }
}

/// Prints forms (model id, values) and scans them into one PDF of JPEG
/// pages; `seed` picks a random scanner degradation, None a clean scan.
pub fn scan_batch(forms: &[(&str, Value)], seed: Option<u64>) -> Vec<u8> {
    let models = scrutiny::forms::ModelSet::builtin();
    let forms: Vec<(&str, &Value)> = forms.iter().map(|(f, v)| (*f, v)).collect();
    scrutiny::samples::scan_forms(&models, &forms, seed).expect("scan")
}
