//! A counting hall that works offline and a central service that catches
//! up: central (PostgreSQL on the central run, else SQLite) and a hall
//! (SQLite) as two real processes, joined through a TCP proxy that can
//! refuse connections, drop the reply after forwarding the request, or pass.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::completion::{form_13a, form_13b};
use crate::day::{
    enter_round, postal_validated, printed_values, publish, small_election_served, vvpat_verified,
};
use crate::helpers::{Server, TempDir, assert_error, bin, cli, scan_batch};

const PASS: u8 = 0;
const REFUSE: u8 = 1;
const DROP_REPLY: u8 = 2;

/// A TCP proxy in front of central whose behaviour the test switches.
struct Proxy {
    url: String,
    mode: Arc<AtomicU8>,
}

impl Proxy {
    fn start(upstream: &str) -> Proxy {
        let target = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let mode = Arc::new(AtomicU8::new(PASS));
        let m = mode.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if m.load(Ordering::SeqCst) == REFUSE {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let (m1, m2) = (m.clone(), m.clone());
                let (c1, s1) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                std::thread::spawn(move || pump(client, server, &m1, false));
                std::thread::spawn(move || pump(s1, c1, &m2, true));
            }
        });
        Proxy { url, mode }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

/// Copies `from` to `to`; stops (closing both) when the link is cut, and on
/// the reply side while replies are dropped.
fn pump(mut from: TcpStream, mut to: TcpStream, mode: &AtomicU8, reply: bool) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let m = mode.load(Ordering::SeqCst);
        if m == REFUSE || (reply && m == DROP_REPLY) {
            break;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

/// Polls until `f` holds (a change travelling between processes), failing
/// after a minute with what was last seen.
fn until(what: &str, mut f: impl FnMut() -> (bool, String)) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (ok, seen) = f();
        if ok {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: never happened; last seen {seen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Day {
    tmp: TempDir,
    central: Server,
    proxy: Proxy,
    token: String,
    hall_dir: std::path::PathBuf,
    admin: String,
}

/// Central with AC 5 (the small election and an admin), the AC given to
/// node hall-1, a proxy in front of central.
fn central_with_a_node() -> Day {
    let tmp = TempDir::new("hall");
    let (central, _, _) = small_election_served(&tmp);
    let d = central.data.to_str().expect("path").to_string();
    cli(
        &["user", "add", "admin", "--role", "admin", "--data", &d],
        "secret-admin\n",
    );
    let out = cli(&["node", "add", "hall-1", "--ac", "5", "--data", &d], "");
    let token = out.lines().last().expect("token").trim().to_string();
    assert_eq!(token.len(), 64, "{out}");
    let proxy = Proxy::start(&central.base);
    let admin = central.login("admin", "secret-admin");
    Day {
        hall_dir: tmp.0.join("hall"),
        tmp,
        central,
        proxy,
        token,
        admin,
    }
}

impl Day {
    fn hall(&self) -> Server {
        Server::start_with(
            &self.hall_dir,
            "127.0.0.1:0",
            vec![("SCRUTINY_SYNC_BATCH", "4".into())],
            &["--upstream", &self.proxy.url, "--node-token", &self.token],
        )
    }

    /// The hall started, its RO and operator signed in, and its link up.
    fn connected_hall(&self) -> (Server, String, String) {
        let hall = self.hall();
        let (ro, op) = (
            hall.login("ro5", "secret-ro5"),
            hall.login("op5", "secret-op5"),
        );
        until("the hall is connected", || drained(&hall, &ro));
        (hall, ro, op)
    }

    fn node(&self) -> Value {
        let nodes = self.central.get("/api/v1/nodes", &self.admin);
        nodes
            .as_array()
            .and_then(|n| n.iter().find(|n| n["name"] == "hall-1"))
            .cloned()
            .expect("node hall-1 listed")
    }
}

fn sync(hall: &Server, tok: &str) -> Value {
    hall.get("/api/v1/sync", tok)
}

fn drained(hall: &Server, tok: &str) -> (bool, String) {
    let s = sync(hall, tok);
    (
        s["pending_changes"] == 0 && s["pending_blobs"] == 0 && s["state"] == "connected",
        s.to_string(),
    )
}

fn digest(s: &Server, tok: &str) -> Value {
    s.get("/api/v1/sync/digest/5", tok)["tables"].clone()
}

/// Every table of AC 5 is the same on both sides.
fn assert_same(hall: &Server, htok: &str, central: &Server, ctok: &str) {
    let (h, c) = (digest(hall, htok), digest(central, ctok));
    for (table, d) in h.as_object().expect("tables") {
        assert_eq!(
            d, &c[table],
            "table {table} differs: hall {d}, central {}",
            c[table]
        );
    }
    assert!(h["audit_log"]["rows"].as_u64().unwrap_or(0) > 0, "{h}");
}

fn round_status(s: &Server, tok: &str, round: u64) -> String {
    s.get(&format!("/api/v1/acs/5/rounds/{round}"), tok)["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_round_done_offline_reaches_central_when_the_link_returns() {
    let day = central_with_a_node();
    let (hall, ro, op) = day.connected_hall();
    assert_same(&hall, &ro, &day.central, &day.admin);
    let enrolled = hall.get("/api/v1/acs/5/etpbs-register", &ro);
    assert_eq!(enrolled.as_array().map(Vec::len), Some(3), "{enrolled}");

    day.proxy.set(REFUSE);
    until("the hall sees the link down", || {
        let s = sync(&hall, &ro);
        (s["state"] == "offline", s.to_string())
    });
    s_postal(&hall, &op);
    enter_round(&hall, &op, 1);
    publish(&hall, &ro, 1);
    let register = hall.get("/api/v1/acs/5/etpbs-register", &ro);
    let b = &register[0];
    let pdf = scan_batch(
        &[("form-13a", form_13a(b)), ("form-13b", form_13b(b))],
        None,
    );
    let doc = hall.upload_read(5, &op, "postal.pdf", &pdf);
    assert_eq!(doc["status"], "done", "{doc}");

    let s = sync(&hall, &ro);
    assert_eq!(s["state"], "offline", "{s}");
    assert!(s["pending_changes"].as_u64().unwrap_or(0) > 10, "{s}");
    assert_eq!(s["pending_blobs"], 1, "{s}");
    assert!(
        s["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{s}"
    );
    let page = ureq::get(&format!("{}/progress", hall.base))
        .set("Authorization", &format!("Bearer {ro}"))
        .call()
        .expect("page")
        .into_string()
        .expect("html");
    assert!(
        page.contains("Offline since"),
        "no offline banner on a hall page"
    );
    assert_eq!(round_status(&day.central, &day.admin, 1), "draft");

    day.proxy.set(PASS);
    until("the hall's changes reach central", || drained(&hall, &ro));
    assert_same(&hall, &ro, &day.central, &day.admin);
    assert_eq!(round_status(&day.central, &day.admin, 1), "published");
    let docs = day.central.get("/api/v1/acs/5/documents", &day.admin);
    let there = docs
        .as_array()
        .and_then(|d| d.iter().find(|d| d["sha256"] == doc["sha256"]))
        .cloned()
        .unwrap_or_else(|| panic!("central lists the hall's upload: {docs}"));
    assert_eq!(there["status"], "done", "{there}");
    assert_ne!(
        there["id"], doc["id"],
        "ids travel as the node's, not the hall's own"
    );
    let file = day.central.bytes(
        &format!("/api/v1/documents/{}/file", there["id"]),
        &day.admin,
    );
    assert_eq!(file.0, 200);
    assert_eq!(file.2, pdf, "central holds the scan's exact bytes");
    let result = day.central.get("/api/v1/acs/5/result", &day.admin);
    assert_eq!(result["rounds_published"], 1, "{result}");
    assert_eq!(
        result["postal"],
        hall.get("/api/v1/acs/5/result", &ro)["postal"],
        "{result}"
    );
}

fn s_postal(hall: &Server, op: &str) {
    hall.ok(
        "PUT",
        "/api/v1/acs/5/postal",
        op,
        json!({"votes": [4, 3, 2, 1], "rejected_papers": 0, "rejected_covers": 0}),
    );
}

#[test]
fn a_reply_lost_after_central_applied_adds_nothing_twice() {
    let day = central_with_a_node();
    let (hall, ro, op) = day.connected_hall();
    let before = day.node()["last_applied_seq"].as_i64().expect("seq");

    day.proxy.set(DROP_REPLY);
    enter_round(&hall, &op, 1);
    until("central applied the changes whose reply was lost", || {
        let n = day.node();
        (
            n["last_applied_seq"].as_i64().unwrap_or(0) > before + 3,
            n.to_string(),
        )
    });
    let s = sync(&hall, &ro);
    assert!(
        s["pending_changes"].as_u64().unwrap_or(0) > 0,
        "the hall never heard back: {s}"
    );
    day.proxy.set(PASS);
    until("the hall hears back", || drained(&hall, &ro));
    assert_same(&hall, &ro, &day.central, &day.admin);
    let log = day
        .central
        .get("/api/v1/acs/5/audit?limit=1000", &day.admin);
    let puts = log
        .as_array()
        .expect("audit")
        .iter()
        .filter(|e| e["action"] == "table.put")
        .count();
    assert_eq!(puts, 3, "each of the three entries once: {log}");
}

/// A hall with two rounds done while the link was down, the link back, and
/// central part-way through applying them: the moment to kill a side.
fn mid_push(day: &Day) -> Server {
    let (hall, ro, op) = day.connected_hall();
    day.proxy.set(REFUSE);
    s_postal(&hall, &op);
    for round in 1..=2 {
        enter_round(&hall, &op, round);
        publish(&hall, &ro, round);
    }
    let waiting = sync(&hall, &ro)["pending_changes"]
        .as_i64()
        .expect("pending");
    assert!(waiting > 8, "{waiting}");
    let before = day.node()["last_applied_seq"].as_i64().expect("seq");
    day.proxy.set(PASS);
    until("a first batch is applied", || {
        let n = day.node();
        (
            n["last_applied_seq"].as_i64().unwrap_or(0) > before,
            n.to_string(),
        )
    });
    hall
}

#[test]
fn a_hall_killed_in_the_middle_of_a_push_converges_after_restart() {
    let day = central_with_a_node();
    mid_push(&day).kill();
    let hall = day.hall();
    let ro = hall.login("ro5", "secret-ro5");
    until("the restarted hall has pushed everything", || {
        drained(&hall, &ro)
    });
    assert_same(&hall, &ro, &day.central, &day.admin);
    assert_eq!(round_status(&day.central, &day.admin, 2), "published");
}

#[test]
fn central_refuses_a_direct_write_to_an_ac_a_hall_keeps() {
    let day = central_with_a_node();
    let ro = day.central.login("ro5", "secret-ro5");
    let got = day.central.call(
        "PUT",
        "/api/v1/acs/5/rounds/1/tables/1",
        Some(&ro),
        Some(json!({"ps_no": 1, "votes": [1, 2, 3, 4]})),
    );
    assert!(
        got.1["message"]
            .as_str()
            .unwrap_or_default()
            .contains("hall-1"),
        "{}",
        got.1
    );
    assert_error(got, 409, "ac-owned-by-node");
    let pdf = scan_batch(
        &[(
            "form-13b",
            json!({"ballot_id": "PB005-000001", "ac_no": 5, "ac_name": "Testpur", "postal_ballot_serial_no": 1}),
        )],
        None,
    );
    assert_error(
        day.central.upload(5, &ro, "b.pdf", &pdf),
        409,
        "ac-owned-by-node",
    );
    assert_error(
        day.central
            .call("POST", "/api/v1/acs/5/rounds/1/approve", Some(&ro), None),
        409,
        "ac-owned-by-node",
    );
    // The board marks the AC while its hall has not been heard from.
    let board = ureq::get(&format!("{}/progress", day.central.base))
        .set("Authorization", &format!("Bearer {}", day.admin))
        .call()
        .expect("board")
        .into_string()
        .expect("html");
    assert!(
        board.contains("hall hall-1 not heard from"),
        "no silent-hall mark on the board"
    );
    // Reading stays open; a node's calls need a node's token.
    assert_eq!(
        day.central
            .call("GET", "/api/v1/acs/5/rounds/1", Some(&ro), None)
            .0,
        200
    );
    assert_error(
        day.central.call(
            "POST",
            "/api/v1/sync/push",
            Some(&ro),
            Some(json!({"epochs": {}, "changes": []})),
        ),
        401,
        "unauthorized",
    );
}

#[test]
fn after_a_hand_over_the_old_halls_late_changes_are_kept_as_conflicts() {
    let day = central_with_a_node();
    let (hall, _, op) = day.connected_hall();
    day.proxy.set(REFUSE);
    hall.ok(
        "PUT",
        "/api/v1/acs/5/rounds/1/tables/1",
        &op,
        json!({"ps_no": 1, "votes": [9, 9, 9, 9]}),
    );
    hall.kill();

    let d = day.central.data.to_str().expect("path").to_string();
    let out = cli(
        &["node", "move", "--ac", "5", "--to", "central", "--data", &d],
        "",
    );
    assert!(out.contains("AC 5 is now kept by central"), "{out}");
    let cro = day.central.login("ro5", "secret-ro5");
    day.central.ok(
        "PUT",
        "/api/v1/acs/5/rounds/1/tables/1",
        &cro,
        json!({"ps_no": 1, "votes": [1, 2, 3, 4]}),
    );

    day.proxy.set(PASS);
    let hall = day.hall();
    let ro = hall.login("ro5", "secret-ro5");
    until(
        "the old hall has pushed and heard it was handed over",
        || {
            let s = sync(&hall, &ro);
            (
                s["pending_changes"] == 0 && s["handed_over"] == json!([5]),
                s.to_string(),
            )
        },
    );
    let node = day.node();
    assert!(node["open_conflicts"].as_i64().unwrap_or(0) >= 2, "{node}");
    let kept = day
        .central
        .get("/api/v1/nodes/hall-1/conflicts", &day.admin);
    let late = kept
        .as_array()
        .expect("conflicts")
        .iter()
        .find(|c| c["tbl"] == "table_entries")
        .unwrap_or_else(|| panic!("the late entry is kept: {kept}"));
    assert!(
        late["row"]
            .as_str()
            .unwrap_or_default()
            .contains("[9,9,9,9]"),
        "{late}"
    );
    assert!(
        late["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("handed"),
        "{late}"
    );
    let r1 = day.central.get("/api/v1/acs/5/rounds/1", &cro);
    assert_eq!(
        r1["tables"][0]["votes"],
        json!([1, 2, 3, 4]),
        "central's own entry stands: {r1}"
    );
    assert_error(
        hall.call(
            "PUT",
            "/api/v1/acs/5/rounds/1/tables/2",
            Some(&hall.login("op5", "secret-op5")),
            Some(json!({"ps_no": 2, "votes": [1, 1, 1, 1]})),
        ),
        409,
        "ac-handed-over",
    );
}

#[test]
fn a_hall_with_no_data_and_no_centre_says_so_and_exits() {
    let tmp = TempDir::new("hall-alone");
    let data = tmp.0.join("hall");
    let out = std::process::Command::new(bin())
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(&data)
        .args([
            "--upstream",
            "http://127.0.0.1:9",
            "--node-token",
            "not-a-token",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("http://127.0.0.1:9") && err.contains("needs the link once"),
        "{err}"
    );
}

#[test]
fn central_killed_in_the_middle_of_a_push_loses_nothing() {
    let mut day = central_with_a_node();
    let hall = mid_push(&day);
    let ro = hall.login("ro5", "secret-ro5");
    let (data, addr) = (
        day.central.data.clone(),
        day.central.base.trim_start_matches("http://").to_string(),
    );
    let _ = day.central.child.kill();
    let _ = day.central.child.wait();
    day.central = Server::start_at(&data, &addr, &[]);
    day.admin = day.central.login("admin", "secret-admin");
    until(
        "the hall has pushed everything to the restarted central",
        || drained(&hall, &ro),
    );
    assert_same(&hall, &ro, &day.central, &day.admin);
    assert_eq!(round_status(&day.central, &day.admin, 2), "published");
}

#[test]
fn a_certificate_archived_in_the_hall_is_in_centrals_archive_intact() {
    let day = central_with_a_node();
    let (hall, ro, op) = day.connected_hall();
    postal_validated(&hall, &ro, &op, [2, 1, 0, 0]);
    for round in 1..=4 {
        enter_round(&hall, &op, round);
        publish(&hall, &ro, round);
    }
    vvpat_verified(&hall, &ro, &op);
    let (st, b) = hall.call("POST", "/api/v1/acs/5/declare", Some(&ro), None);
    assert_eq!(st, 200, "{b}");
    let (_, _, pdf) = hall.bytes("/api/v1/acs/5/certificate.pdf", &ro);
    let mut values = printed_values(&pdf, &day.tmp.0);
    values.insert("ro_signed".into(), json!(true));
    let signed = scan_batch(&[("certificate", Value::Object(values))], None);
    hall.upload_read(5, &ro, "form22-signed.pdf", &signed);
    let here = hall.get("/api/v1/archive/certificates?ac=5", &ro);
    assert_eq!(here.as_array().map(Vec::len), Some(1), "{here}");

    until("the hall's changes reach central", || drained(&hall, &ro));
    assert_same(&hall, &ro, &day.central, &day.admin);
    let there = day
        .central
        .get("/api/v1/archive/certificates?ac=5", &day.admin);
    assert_eq!(
        there[0]["certificate_id"], here[0]["certificate_id"],
        "{there}"
    );
    assert_eq!(there[0]["verified"], true, "{there}");
    let d = day.central.data.to_str().expect("path");
    let out = cli(&["archive", "verify", "--data", d], "");
    assert!(out.contains("1 records, 1 log entries: intact"), "{out}");
}

#[test]
fn a_file_central_lacks_is_sent_again_before_the_document_that_names_it() {
    let day = central_with_a_node();
    let (hall, ro, op) = day.connected_hall();
    day.proxy.set(REFUSE);
    let b = json!({"ballot_id": "PB005-000001", "postal_ballot_serial_no": 1, "part_no": 12, "elector_serial_no": 301});
    let pdf = scan_batch(&[("form-13b", form_13b(&b))], None);
    let doc = hall.upload_read(5, &op, "b.pdf", &pdf);
    // As if central had said it holds the file and lost it since.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let db = scrutiny::db::Db::open(&day.hall_dir)
            .await
            .expect("hall db");
        let mut tx = db.write().await.expect("tx");
        scrutiny::db::query("UPDATE outbox_blobs SET pushed = 1")
            .execute(&mut tx)
            .await
            .expect("update");
        tx.commit().await.expect("commit");
        db.close().await;
    });
    assert_eq!(sync(&hall, &ro)["pending_blobs"], 0);
    day.proxy.set(PASS);
    until("the hall's changes reach central", || drained(&hall, &ro));
    assert_same(&hall, &ro, &day.central, &day.admin);
    let docs = day.central.get("/api/v1/acs/5/documents", &day.admin);
    let id = docs[0]["id"].as_i64().expect("id");
    let file = day
        .central
        .bytes(&format!("/api/v1/documents/{id}/file"), &day.admin);
    assert_eq!(
        (file.0, file.2 == pdf),
        (200, true),
        "central holds {}",
        doc["sha256"]
    );
}
