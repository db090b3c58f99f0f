//! The central deployment: several web and worker processes on one
//! PostgreSQL database and one S3 bucket, and what a bad configuration
//! says. The processes are real (`scrutiny serve --workers 0`, `scrutiny
//! worker`); the database and the S3 server are the ones `scripts/test.sh`
//! starts. On the counting-hall run (no PostgreSQL given) the multi-process
//! test does not apply and says so.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::documents::{form_13a, form_13b};
use crate::helpers::{Server, TempDir, bin, central, scan_batch, storage_env};

/// A `scrutiny worker` process on the given storage; killed on drop.
struct WorkerProcess(Child);

impl WorkerProcess {
    fn start(
        storage: &[(&'static str, String)],
        data: &std::path::Path,
        log: &str,
    ) -> WorkerProcess {
        std::fs::create_dir_all(data).unwrap();
        let log = std::fs::File::create(data.join(log)).unwrap();
        let child = Command::new(bin())
            .envs(storage.iter().cloned())
            .args(["worker", "--workers", "1", "--data"])
            .arg(data)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start scrutiny worker");
        WorkerProcess(child)
    }

    /// kill -9.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Two batches of postal covers of AC 71 (an unsigned declaration and a
/// missing Cover A among them, so that there are findings to compare).
fn batches(s: &Server, ro: &str) -> Vec<(String, Vec<u8>)> {
    let ac = s.get("/api/v1/acs/71", ro);
    let reg = s.get("/api/v1/acs/71/etpbs-register", ro);
    let batch = |range: std::ops::Range<usize>| -> Vec<u8> {
        let forms: Vec<(&str, Value)> = range
            .flat_map(|i| {
                let mut out = vec![("form-13a", form_13a(&ac, &reg[i], i != 41, true))];
                if i != 52 {
                    out.push(("form-13b", form_13b(&ac, &reg[i])));
                }
                out
            })
            .collect();
        scan_batch(&forms, None)
    };
    vec![
        ("first.pdf".to_string(), batch(40..48)),
        ("second.pdf".to_string(), batch(48..56)),
    ]
}

/// What the checks found in a document, without ids and times, in order.
fn findings_of(s: &Server, tok: &str, id: i64) -> Vec<Value> {
    let d = s.get(&format!("/api/v1/documents/{id}"), tok);
    let mut out: Vec<Value> = d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            json!([
                f["page"],
                f["kind"],
                f["field"],
                f["ballot_id"],
                f["scan_value"],
                f["entered_value"],
                f["status"]
            ])
        })
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

fn pages_done(s: &Server, tok: &str, ids: &[i64]) -> usize {
    ids.iter()
        .map(|id| {
            s.get(&format!("/api/v1/documents/{id}"), tok)["pages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["status"] == "done")
                .count()
        })
        .sum()
}

#[test]
fn two_web_and_two_worker_processes_share_one_database_and_bucket() {
    if !central() {
        eprintln!("not the central run (no SCRUTINY_TEST_DATABASE_URL): nothing to share");
        return;
    }
    let tmp = TempDir::new("central");
    let storage = storage_env(&tmp.0.join("shared"));
    let web_a = Server::start_with(
        &tmp.0.join("web-a"),
        "127.0.0.1:0",
        storage.clone(),
        &["--demo", "--no-demo-scans", "--workers", "0"],
    );
    let web_b = Server::start_with(
        &tmp.0.join("web-b"),
        "127.0.0.1:0",
        storage.clone(),
        &["--demo", "--no-demo-scans", "--workers", "0"],
    );
    // A session opened through one web process is good on the other, and an
    // entry written through one is read through the other at once.
    let ro = web_a.login("ro71", "demo-ro71");
    let round = web_b.first_draft_round(71, &ro);
    let n = web_b.candidates(71, &ro);
    let votes: Vec<u64> = (0..n as u64).map(|i| 10 + i).collect();
    web_a.ok(
        "PUT",
        &format!("/api/v1/acs/71/rounds/{round}/tables/3"),
        &ro,
        json!({"ps_no": 777, "votes": votes}),
    );
    let seen = web_b.get(&format!("/api/v1/acs/71/rounds/{round}"), &ro);
    assert_eq!(seen["tables"][0]["ps_no"], 777, "{seen}");
    assert_eq!(seen["tables"][0]["votes"], json!(votes));

    // Uploads through both web processes; no worker yet, so nothing is read.
    let files = batches(&web_a, &ro);
    let (st, a) = web_a.upload(71, &ro, &files[0].0, &files[0].1);
    assert_eq!(st, 201, "{a}");
    let (st, b) = web_b.upload(71, &ro, &files[1].0, &files[1].1);
    assert_eq!(st, 201, "{b}");
    let ids = [a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap()];
    let total: usize = [&a, &b]
        .iter()
        .map(|d| d["pages"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(pages_done(&web_b, &ro, &ids), 0);

    // Two worker processes; one is killed -9 once it has read some pages.
    let mut w1 = WorkerProcess::start(&storage, &tmp.0.join("worker-1"), "w1.log");
    let _w2 = WorkerProcess::start(&storage, &tmp.0.join("worker-2"), "w2.log");
    let deadline = Instant::now() + Duration::from_secs(240);
    while pages_done(&web_a, &ro, &ids) < 3 {
        assert!(Instant::now() < deadline, "no page read in time");
        std::thread::sleep(Duration::from_millis(50));
    }
    w1.kill();
    let done: Vec<Value> = ids.iter().map(|id| web_b.wait_done(*id, &ro)).collect();
    for d in &done {
        assert_eq!(d["status"], "done", "{d}");
        assert!(
            d["pages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["status"] == "done" && p["form"].is_string()),
            "{d}"
        );
    }
    assert_eq!(pages_done(&web_a, &ro, &ids), total);
    // Each page's reading was stored once: no finding appears twice.
    for id in ids {
        let f = findings_of(&web_a, &ro, id);
        let mut unique = f.clone();
        unique.dedup();
        assert_eq!(unique.len(), f.len(), "{f:?}");
    }

    // The same uploads on a counting-hall server (SQLite, one process) find
    // exactly the same things.
    let local = Server::start_with(
        &tmp.0.join("local"),
        "127.0.0.1:0",
        vec![],
        &["--demo", "--no-demo-scans"],
    );
    let lro = local.login("ro71", "demo-ro71");
    local.ok(
        "PUT",
        &format!("/api/v1/acs/71/rounds/{round}/tables/3"),
        &lro,
        json!({"ps_no": 777, "votes": votes}),
    );
    for ((name, bytes), id) in files.iter().zip(ids) {
        let l = local.upload_read(71, &lro, name, bytes);
        assert_eq!(
            findings_of(&local, &lro, l["id"].as_i64().unwrap()),
            findings_of(&web_a, &ro, id),
            "{name}: the two deployments disagree"
        );
    }
    assert_eq!(
        local.get("/api/v1/acs/71/ballots", &lro),
        web_b.get("/api/v1/acs/71/ballots", &ro)
    );
}

/// Runs `scrutiny serve` expecting it to refuse to start; returns stderr.
fn refused(env: &[(&str, &str)], args: &[&str]) -> String {
    let tmp = TempDir::new("bad-config");
    let out = Command::new(bin())
        .envs(env.iter().copied())
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(&tmp.0)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run scrutiny serve");
    assert!(!out.status.success(), "started anyway: {args:?}");
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_configuration_says_what_is_wrong_and_exits() {
    let err = refused(
        &[],
        &["--database", "postgres://scrutiny:secret@127.0.0.1:1/none"],
    );
    assert!(
        err.contains("cannot use the database at postgres://scrutiny:***@127.0.0.1:1/none"),
        "{err}"
    );
    assert!(!err.contains("secret"), "the password is not shown: {err}");
    let err = refused(&[], &["--database", "mysql://localhost/x"]);
    assert!(err.contains("give sqlite://PATH or postgres://"), "{err}");
    let err = refused(&[], &["--blobs", "ftp://files/x"]);
    assert!(err.contains("give file://DIR or s3://BUCKET"), "{err}");
    if !central() {
        return;
    }
    // The S3 server of the run: a bucket that does not exist, then wrong keys.
    let err = refused(&[], &["--blobs", "s3://no-such-bucket-here"]);
    assert!(
        err.contains("the blob store s3://no-such-bucket-here failed"),
        "{err}"
    );
    let bucket = storage_env(&std::path::PathBuf::from("/bad-config-bucket"))[1]
        .1
        .clone();
    let err = refused(
        &[("AWS_SECRET_ACCESS_KEY", "not-the-secret")],
        &["--blobs", &bucket],
    );
    assert!(
        err.contains(&format!("the blob store {bucket} failed")),
        "{err}"
    );
}

#[test]
fn failed_sign_ins_are_counted_across_web_processes() {
    if !central() {
        eprintln!("not the central run (no SCRUTINY_TEST_DATABASE_URL): one process only");
        return;
    }
    let tmp = TempDir::new("strikes");
    let storage = storage_env(&tmp.0.join("shared"));
    let start = |name: &str| {
        Server::start_with(
            &tmp.0.join(name),
            "127.0.0.1:0",
            storage.clone(),
            &["--demo", "--no-demo-scans", "--workers", "0"],
        )
    };
    let (a, b) = (start("web-a"), start("web-b"));
    let wrong = |s: &Server| {
        s.call(
            "POST",
            "/api/v1/login",
            None,
            Some(serde_json::json!({"username": "ro71", "password": "not-it"})),
        )
        .0
    };
    // Three wrong passwords through each process: six in a row for the
    // name, one past the five allowed, wherever they landed.
    for s in [&a, &b, &a, &b, &a, &b] {
        assert_eq!(wrong(s), 401);
    }
    let admin = a.login("admin", "demo-admin");
    let log = a.get("/api/v1/acs/71/audit?limit=50", &admin);
    let locked: Vec<&Value> = log
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"] == "sign-in.locked")
        .collect();
    assert_eq!(locked.len(), 1, "{log}");
    assert!(
        locked[0]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("after 6 failed sign-ins")),
        "{log}"
    );
}
