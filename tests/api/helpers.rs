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

/// Runs a `scrutiny` command with `stdin`, expecting success; returns stdout.
pub fn cli(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(bin())
        .args(args)
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
    child: Child,
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
        let log = std::fs::File::create(data.with_extension("log")).expect("log file");
        let mut child = Command::new(bin())
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
