//! Completion per AC (what each RO still owes) and the certificate archive.

use serde_json::{Value, json};

use crate::day::{counted_to_the_end, enter_round, publish, small_election_served};
use crate::helpers::{Server, TempDir, assert_error, cli, scan_batch};

pub(crate) fn form_13a(b: &Value) -> Value {
    json!({
        "ballot_id": b["ballot_id"], "ac_no": 5, "ac_name": "Testpur", "part_no": b["part_no"],
        "elector_serial_no": b["elector_serial_no"], "elector_name": "Kamla Devi",
        "postal_ballot_serial_no": b["postal_ballot_serial_no"], "elector_signed": true, "attested": true,
    })
}

pub(crate) fn form_13b(b: &Value) -> Value {
    json!({"ballot_id": b["ballot_id"], "ac_no": 5, "ac_name": "Testpur", "postal_ballot_serial_no": b["postal_ballot_serial_no"]})
}

pub(crate) fn form_13c(b: &Value) -> Value {
    json!({"ballot_id": b["ballot_id"], "ac_no": 5, "ac_name": "Testpur"})
}

fn sheet(s: &Server, tok: &str, round: u64) -> Value {
    let a = s.get("/api/v1/acs/5", tok);
    let r = s.get(&format!("/api/v1/acs/5/rounds/{round}"), tok);
    json!({
        "ac_no": 5, "ac_name": "Testpur", "round": round, "revision": r["revision"],
        "candidates": a["candidates"].as_array().unwrap().iter().map(|c| c["name"].clone()).collect::<Vec<_>>(),
        "tables": r["tables"], "ro_signed": true,
    })
}

/// (expected, uploaded, verified, open_findings) of AC 5.
fn figures(s: &Server, tok: &str) -> (u64, u64, u64, u64) {
    let p = s.get("/api/v1/progress", tok);
    let l = p
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ac_no"] == 5)
        .expect("AC 5 listed")
        .clone();
    let n = |k: &str| l[k].as_u64().unwrap();
    (
        n("expected"),
        n("uploaded"),
        n("verified"),
        n("open_findings"),
    )
}

#[test]
fn completion_follows_uploads_verification_edits_and_reviews() {
    let tmp = TempDir::new("progress");
    let (s, ro, op) = small_election_served(&tmp);
    enter_round(&s, &op, 1);
    enter_round(&s, &op, 2);
    publish(&s, &ro, 1);
    publish(&s, &ro, 2);
    // 3 ballots × (13A + 13B + 13C) + 2 published rounds, nothing uploaded yet.
    assert_eq!(figures(&s, &ro), (11, 0, 0, 0));
    let missing = s.get("/api/v1/progress/5", &ro);
    let names: Vec<&str> = missing["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["what"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Form 13B of ballot PB005-000002"),
        "{names:?}"
    );
    assert!(
        names.contains(&"Form 13C of ballot PB005-000002"),
        "{names:?}"
    );
    assert!(
        names.contains(&"signed round sheet of round 1 (revision 1)"),
        "{names:?}"
    );
    assert_eq!(missing["percent"], 0.0);

    let reg = s.get("/api/v1/acs/5/etpbs-register", &ro);
    let mut batch: Vec<(&str, Value)> = (0..2)
        .flat_map(|i| {
            [
                ("form-13c", form_13c(&reg[i])),
                ("form-13a", form_13a(&reg[i])),
                ("form-13b", form_13b(&reg[i])),
            ]
        })
        .collect();
    batch.push(("round-sheet", sheet(&s, &ro, 1)));
    s.upload_read(5, &op, "morning.pdf", &scan_batch(&batch, None));
    assert_eq!(figures(&s, &ro), (11, 7, 7, 0));
    // A 13A whose 13B is not here yet: uploaded, not verified; named as such.
    s.upload_read(
        5,
        &op,
        "lonely.pdf",
        &scan_batch(&[("form-13a", form_13a(&reg[2]))], None),
    );
    assert_eq!(figures(&s, &ro), (11, 8, 7, 1));
    let missing = s.get("/api/v1/progress/5", &ro)["missing"].clone();
    let b3: Vec<(&str, &str)> = missing
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["ballot_id"] == "PB005-000003")
        .map(|m| (m["form"].as_str().unwrap(), m["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        b3,
        [
            ("form-13a", "not_verified"),
            ("form-13b", "not_uploaded"),
            ("form-13c", "not_uploaded")
        ]
    );

    // An edit to round 1: both rounds back to draft, so no sheet is owed...
    let r1 = s.get("/api/v1/acs/5/rounds/1", &ro);
    let mut votes = r1["tables"][0]["votes"].clone();
    votes[0] = json!(votes[0].as_u64().unwrap() + 1);
    s.ok(
        "PUT",
        "/api/v1/acs/5/rounds/1/tables/1",
        &op,
        json!({"ps_no": r1["tables"][0]["ps_no"], "votes": votes}),
    );
    assert_eq!(figures(&s, &ro).0, 9);
    // ...and once round 1 is published again, its old sheet no longer counts.
    publish(&s, &ro, 1);
    let (expected, uploaded, verified, _) = figures(&s, &ro);
    assert_eq!((expected, uploaded, verified), (10, 7, 6));
    let names: Vec<String> = s.get("/api/v1/progress/5", &ro)["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["what"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"signed round sheet of round 1 (revision 2)".to_string()),
        "{names:?}"
    );

    // The new sheet with one figure misprinted: uploaded, not verified,
    // until the operator settles the finding as an OCR misread.
    let mut v = sheet(&s, &ro, 1);
    v["tables"][1]["votes"][2] = json!(v["tables"][1]["votes"][2].as_u64().unwrap() + 2);
    let doc = s.upload_read(
        5,
        &op,
        "round1-rev2.pdf",
        &scan_batch(&[("round-sheet", v)], None),
    );
    let (_, uploaded, verified, open) = figures(&s, &ro);
    assert_eq!((uploaded, verified), (8, 6));
    assert_eq!(
        open, 4,
        "the lonely 13A, the stale sheet, the figure and its total"
    );
    for f in doc["findings"].as_array().unwrap() {
        let (st, b) = s.call(
            "POST",
            &format!("/api/v1/review/{}", f["id"]),
            Some(&op),
            Some(json!({"decision": "entry_correct"})),
        );
        assert_eq!(st, 200, "{b}");
    }
    assert_eq!(figures(&s, &ro), (10, 8, 7, 2));
    // The stale sheet takes no decision: it settles when the signed sheet
    // of the current revision is uploaded.
    let stale = s.get("/api/v1/acs/5/findings", &ro);
    let stale = stale
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "stale" && f["status"] == "open")
        .unwrap_or_else(|| panic!("an open stale finding: {stale}"));
    assert_eq!(stale["choices"]["decisions"], json!([]));
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/review/{}", stale["id"]),
            Some(&op),
            Some(json!({"decision": "entry_correct"})),
        ),
        409,
        "no-decision",
    );

    // Roll-ups, filters and CSV of the same figures.
    let by_state = s.get("/api/v1/progress?by=state", &ro);
    assert_eq!(
        (
            by_state[0]["state"].as_str(),
            by_state[0]["acs"].as_u64(),
            by_state[0]["verified"].as_u64()
        ),
        (Some("Madhya Pradesh"), Some(1), Some(7))
    );
    let by_district = s.get("/api/v1/progress?by=district", &ro);
    assert_eq!(
        (
            by_district[0]["district"].as_str(),
            by_district[0]["expected"].as_u64()
        ),
        (Some("Rewa"), Some(10))
    );
    assert_eq!(s.get("/api/v1/progress?behind=50", &ro), json!([]));
    assert_eq!(
        s.get("/api/v1/progress?behind=90", &ro)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.get("/api/v1/progress?district=Sidhi", &ro), json!([]));
    let (st, ct, csv) = s.bytes("/api/v1/progress?format=csv", &ro);
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!((st, ct.starts_with("text/csv")), (200, true));
    assert!(csv.starts_with(
        "ac_no,ac_name,ro,district,state,acs,expected,uploaded,verified,open_findings,percent\n"
    ));
    assert!(
        csv.contains("5,\"Testpur\",\"Asha Verma\",\"Rewa\",,,10,8,7,2,70"),
        "{csv}"
    );
    assert_error(
        s.call("GET", "/api/v1/progress?by=moon", Some(&ro), None),
        400,
        "bad-input",
    );
    assert_error(
        s.call("GET", "/api/v1/progress", None, None),
        401,
        "unauthorized",
    );
}

#[test]
fn certificates_are_archived_versioned_searched_and_proven_unaltered() {
    let tmp = TempDir::new("archive");
    let (s, ro, _, mut values) = counted_to_the_end(&tmp, [2, 1, 0, 0]);
    values.insert("ro_signed".into(), json!(false));
    let unsigned = scan_batch(&[("certificate", Value::Object(values.clone()))], None);
    values.insert("ro_signed".into(), json!(true));
    let signed = scan_batch(&[("certificate", Value::Object(values))], Some(8));
    s.upload_read(5, &ro, "form22-first.pdf", &unsigned);
    s.upload_read(5, &ro, "form22-signed.pdf", &signed);

    // Two versions: the signed one supersedes the unsigned one; both stay.
    let all = s.get("/api/v1/archive/certificates?ac=5", &ro);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let (new, old) = (&all[0], &all[1]);
    assert_eq!(
        (new["verified"].as_bool(), old["verified"].as_bool()),
        (Some(true), Some(false)),
        "{all:?}"
    );
    assert!(
        old["failed"][0].as_str().unwrap().contains("not signed"),
        "{old}"
    );
    assert_eq!(new["supersedes"], old["id"]);
    assert_eq!(old["superseded_by"], new["id"]);
    assert_eq!(
        (
            new["ac_no"].as_u64(),
            new["ac_name"].as_str(),
            new["winner"].as_str(),
            new["uploaded_by"].as_str()
        ),
        (Some(5), Some("Testpur"), Some("Ravi Kumar"), Some("ro5"))
    );
    assert_eq!(new["election"], "Test election");

    // Search: partial, case- and accent-insensitive, by any of the fields.
    for q in [
        "ravi",
        "RÄVI kum",
        "testpur",
        "alpha party",
        "test election",
        &new["certificate_id"].as_str().unwrap().to_lowercase(),
    ] {
        let hits = s.get(
            &format!(
                "/api/v1/archive/certificates?q={}",
                q.replace(' ', "%20").replace('Ä', "%C3%84")
            ),
            &ro,
        );
        assert_eq!(hits.as_array().unwrap().len(), 2, "q={q}: {hits}");
    }
    assert_eq!(
        s.get("/api/v1/archive/certificates?q=meena", &ro),
        json!([])
    );
    let obs = s.login("op5", "secret-op5");
    assert_eq!(
        s.get("/api/v1/archive/certificates", &obs)
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The exact bytes, with their digest.
    let (st, _, bytes) = s.bytes(
        &format!("/api/v1/archive/certificates/{}/file", new["id"]),
        &ro,
    );
    assert_eq!((st, bytes == signed), (200, true));
    let res = ureq::get(&format!(
        "{}/api/v1/archive/certificates/{}/file",
        s.base, new["id"]
    ))
    .set("Authorization", &format!("Bearer {ro}"))
    .call()
    .unwrap();
    let digest = res.header("Digest").unwrap().to_string();
    assert!(digest.starts_with("sha-256="), "{digest}");
    assert_error(
        s.call(
            "GET",
            "/api/v1/archive/certificates/999/file",
            Some(&ro),
            None,
        ),
        404,
        "not-found",
    );
    assert_error(
        s.call("GET", "/api/v1/archive/certificates/999", Some(&ro), None),
        404,
        "not-found",
    );
    let one = s.get(&format!("/api/v1/archive/certificates/{}", new["id"]), &ro);
    assert_eq!(
        (&one["sha256"], &one["verified"]),
        (&new["sha256"], &new["verified"])
    );
    // Records cannot be changed or removed through the API.
    assert_eq!(
        s.call(
            "DELETE",
            &format!("/api/v1/archive/certificates/{}", new["id"]),
            Some(&ro),
            None
        )
        .0,
        405
    );

    // Verify: intact; export checks with sha256sum.
    let data = s.data.clone();
    let d = data.to_str().unwrap();
    let out = cli(&["archive", "verify", "--data", d], "");
    assert!(out.contains("2 records, 2 log entries: intact"), "{out}");
    let export = tmp.0.join("export");
    cli(
        &[
            "archive",
            "export",
            "--data",
            d,
            "--out",
            export.to_str().unwrap(),
        ],
        "",
    );
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&export)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(export.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest.as_array().unwrap().len(), 2);
    assert!(
        std::fs::read_to_string(export.join("manifest.csv"))
            .unwrap()
            .lines()
            .count()
            == 3
    );
    s.kill();

    // Tamper with a stored file: verify names it by SHA-256 and fails.
    let sha = new["sha256"].as_str().unwrap();
    let blob = crate::helpers::blob_file(&data, sha);
    let original = std::fs::read(&blob).unwrap();
    let mut changed = original.clone();
    let mid = changed.len() / 2;
    changed[mid] ^= 0x20;
    std::fs::write(&blob, &changed).unwrap();
    let run = |args: &[&str]| crate::helpers::command(args).output().unwrap();
    let out = run(&["archive", "verify", "--data", d]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("ALTERED FILE {sha}")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(&blob, &original).unwrap();
    assert!(run(&["archive", "verify", "--data", d]).status.success());

    // Rewrite records behind the server's back, each way in turn: verify
    // names the record and the field, and passes again once it is undone.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sql = |q: &str| {
        rt.block_on(async {
            let db = scrutiny::db::Db::connect(&crate::helpers::database_of(&data))
                .await
                .unwrap();
            let mut tx = db.write().await.unwrap();
            scrutiny::db::query(q).execute(&mut tx).await.unwrap();
            tx.commit().await.unwrap();
            db.close().await;
        })
    };
    let newest = "(SELECT max(id) FROM archive_records)";
    for (field, forge, undo) in [
        (
            "winner",
            "winner = winner || ' (forged)'",
            "winner = replace(winner, ' (forged)', '')",
        ),
        (
            "party",
            "party = party || ' (forged)'",
            "party = replace(party, ' (forged)', '')",
        ),
        ("ac_name", "ac_name = 'Forgedpur'", "ac_name = 'Testpur'"),
        (
            "uploaded_by",
            "uploaded_by = 'someone-else'",
            "uploaded_by = 'ro5'",
        ),
        (
            "supersedes",
            "supersedes = NULL",
            "supersedes = (SELECT min(id) FROM archive_records)",
        ),
    ] {
        sql(&format!(
            "UPDATE archive_records SET {forge} WHERE id = {newest}"
        ));
        let out = run(&["archive", "verify", "--data", d]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{field} rewritten, yet: {text}");
        assert!(
            text.contains("differs from its log entry in") && text.contains(field),
            "{field}: {text}"
        );
        sql(&format!(
            "UPDATE archive_records SET {undo} WHERE id = {newest}"
        ));
        assert!(
            run(&["archive", "verify", "--data", d]).status.success(),
            "{field} undone"
        );
    }
    // The head, as someone outside kept it.
    let out = cli(&["archive", "verify", "--data", d], "");
    let head = out
        .lines()
        .find_map(|l| l.strip_prefix("log head: entry 2 "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no head printed: {out}"))
        .to_string();
    assert!(cli(&["archive", "verify", "--head", &head, "--data", d], "").contains("intact"));
    // The newest record deleted, its entry left: verify names it.
    sql(&format!("DELETE FROM archive_records WHERE id = {newest}"));
    let out = run(&["archive", "verify", "--data", d]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success() && text.contains("the record is gone"),
        "{text}"
    );
    // Its entry deleted too: the log alone looks whole, the kept head does not.
    sql("DELETE FROM archive_log WHERE seq = 2");
    assert!(run(&["archive", "verify", "--data", d]).status.success());
    let out = run(&["archive", "verify", "--head", &head, "--data", d]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success() && text.contains("no longer reaches the head"),
        "{text}"
    );

    // Tamper with a log row: the chain breaks at that entry.
    rt.block_on(async {
        let db = scrutiny::db::Db::connect(&crate::helpers::database_of(&data))
            .await
            .unwrap();
        let mut tx = db.write().await.unwrap();
        scrutiny::db::query(
            "UPDATE archive_log SET event = replace(event, 'ro5', 'ro9') WHERE seq = 1",
        )
        .execute(&mut tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        db.close().await;
    });
    let out = run(&["archive", "verify", "--data", d]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        text.contains("entry 1: its content does not match its hash"),
        "{text}"
    );
}

/// Rows of the constituency table of a `/progress` board, by AC number.
fn board_acs(html: &str) -> Vec<u64> {
    let table = html
        .split("id=\"by-ac\"")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_default();
    table
        .split("data-ac=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next()?.parse().ok())
        .collect()
}

#[test]
fn the_board_comes_a_page_at_a_time_sorted_and_only_when_it_changed() {
    let tmp = TempDir::new("board");
    let data = tmp.0.join("data");
    let def = tmp.0.join("election.json");
    let acs: Vec<Value> = (1..=120)
        .map(|a| {
            json!({"ac_no": a, "name": format!("Seat {a}"), "district": format!("District {}", (a - 1) / 10 + 1),
                   "ro": "R O", "tables": 1, "rounds": 3,
                   "candidates": [{"name": format!("Lead {a}"), "party": "Alpha"}, {"name": "Other", "party": "Beta"}]})
        })
        .collect();
    let election = json!({"name": "Big", "state": "Test State", "acs": acs});
    std::fs::write(&def, election.to_string()).unwrap();
    let d = data.to_str().unwrap();
    cli(
        &["election", "load", def.to_str().unwrap(), "--data", d],
        "",
    );
    cli(
        &["user", "add", "obs", "--role", "observer", "--data", d],
        "secret-obs\n",
    );
    cli(
        &[
            "user", "add", "ro77", "--role", "ro", "--ac", "77", "--data", d,
        ],
        "secret-ro77\n",
    );
    let s = Server::start(&data, &[]);
    let obs = s.login("obs", "secret-obs");
    let ro = s.login("ro77", "secret-ro77");
    let page = |path: &str| {
        let (st, _, body) = s.bytes(path, &obs);
        (st, String::from_utf8(body).unwrap())
    };

    // Fifty constituencies a page, and the pager says where one is.
    let (st, first) = page("/progress");
    assert_eq!(st, 200);
    assert_eq!(board_acs(&first), (1..=50).collect::<Vec<_>>());
    assert!(first.contains("1–50 of 120"), "{first}");
    assert!(first.contains("page=2"), "a link to the next page");
    let (_, last) = page("/progress?page=3");
    assert_eq!(board_acs(&last), (101..=120).collect::<Vec<_>>());
    let (_, beyond) = page("/progress?page=99");
    assert_eq!(board_acs(&beyond), (101..=120).collect::<Vec<_>>());
    let (_, district) = page("/progress?district=District%208");
    assert_eq!(board_acs(&district), (71..=80).collect::<Vec<_>>());

    // The refresh: nothing changed, nothing sent.
    let (_, board) = page("/progress?partial=1");
    let since = board
        .split("data-updated=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the board's time")
        .to_string();
    let (st, body) = page(&format!("/progress?partial=1&since={since}"));
    assert_eq!((st, body.as_str()), (204, ""));

    // AC 77 now owes two forms of a ballot: it changes the figures, and it
    // is furthest behind.
    let (st, b) = s.send(
        "PUT",
        "/api/v1/acs/77/etpbs-register",
        Some(&ro),
        "text/csv",
        b"PB077-000001,1,12,301\n",
    );
    assert_eq!(st, 200, "{b}");
    let (st, changed) = page(&format!("/progress?partial=1&since={since}"));
    assert_eq!(st, 200);
    assert!(changed.starts_with("<div id=\"board\""), "{changed}");
    let (_, behind) = page("/progress?sort=behind");
    assert_eq!(board_acs(&behind).first(), Some(&77));
    assert_eq!(board_acs(&behind).len(), 50);

    // The national results are kept by the checks: a published round shows.
    let entry = json!({"ps_no": 1, "votes": [40, 25, 3]});
    s.ok("PUT", "/api/v1/acs/77/rounds/1/tables/1", &ro, entry);
    for step in ["approve", "publish"] {
        let (st, b) = s.call(
            "POST",
            &format!("/api/v1/acs/77/rounds/1/{step}"),
            Some(&ro),
            None,
        );
        assert_eq!(st, 200, "{b}");
    }
    let (_, results) = page("/results");
    let row = |ac: u32| {
        results
            .split(&format!("data-ac=\"{ac}\""))
            .nth(1)
            .and_then(|r| r.split("</tr>").next())
            .unwrap_or_else(|| panic!("AC {ac} on /results"))
    };
    let (row, other) = (row(77), row(76));
    assert!(
        row.contains("Lead 77") && row.contains(">15<") && row.contains("1 / 3"),
        "{row}"
    );
    assert!(
        other.contains("0 / 3") && !other.contains("Lead 76"),
        "{other}"
    );
}
