//! The whole counting day of one AC over HTTP, and what survives a crash.

use serde_json::{Value, json};

use crate::completion::{form_13a, form_13b};
use crate::helpers::{Server, TempDir, assert_error, cli, extract, scan_batch};

/// A small election: AC 5, 3 tables, 4 rounds, 3 candidates and NOTA, with
/// its RO and operator added by the CLI.
pub(crate) fn small_election(tmp: &TempDir) -> std::path::PathBuf {
    let data = tmp.0.join("data");
    let def = tmp.0.join("election.json");
    std::fs::write(
        &def,
        json!({
            "name": "Test election", "state": "Madhya Pradesh",
            "acs": [{"ac_no": 5, "name": "Testpur", "district": "Rewa", "ro": "Asha Verma",
                     "tables": 3, "rounds": 4,
                     "candidates": [{"name": "Ravi Kumar", "party": "Alpha Party"},
                                    {"name": "Meena Devi", "party": "Beta Party"},
                                    {"name": "Gopal Das", "party": "Independent"}]}]
        })
        .to_string(),
    )
    .unwrap();
    let d = data.to_str().unwrap();
    let out = cli(
        &["election", "load", def.to_str().unwrap(), "--data", d],
        "",
    );
    assert!(out.contains("AC 5 Testpur: 4 candidates"), "{out}");
    cli(
        &[
            "user", "add", "ro5", "--role", "ro", "--ac", "5", "--data", d,
        ],
        "secret-ro5\n",
    );
    cli(
        &[
            "user", "add", "op5", "--role", "operator", "--ac", "5", "--data", d,
        ],
        "secret-op5\n",
    );
    let list = cli(&["user", "list", "--data", d], "");
    assert!(
        list.contains("ro5\tro\t5") && list.contains("op5\toperator\t5"),
        "{list}"
    );
    data
}

/// The small election served, with a register of three ballots; returns
/// the server and the RO's and operator's tokens.
pub(crate) fn small_election_served(tmp: &TempDir) -> (Server, String, String) {
    let s = Server::start(&small_election(tmp), &[]);
    let ro = s.login("ro5", "secret-ro5");
    let op = s.login("op5", "secret-op5");
    let (st, b) = s.send(
        "PUT",
        "/api/v1/acs/5/etpbs-register",
        Some(&ro),
        "text/csv",
        b"PB005-000001,1,12,301\nPB005-000002,2,12,302\nPB005-000003,3,40,77\n",
    );
    assert_eq!(st, 200, "{b}");
    (s, ro, op)
}

/// The RO approves and publishes a round of AC 5.
pub(crate) fn publish(s: &Server, ro: &str, round: u64) {
    for step in ["approve", "publish"] {
        let (st, b) = s.call(
            "POST",
            &format!("/api/v1/acs/5/rounds/{round}/{step}"),
            Some(ro),
            None,
        );
        assert_eq!(st, 200, "{step} {round}: {b}");
    }
}

/// The small election counted to the end: postal `postal` entered by the
/// operator, every round entered and published. Returns the server, the
/// RO's and the operator's tokens, and Form 22 as printed (its values by
/// field name, `ro_signed` false), ready to be "signed" and scanned.
pub(crate) fn counted_to_the_end(
    tmp: &TempDir,
    postal: [u64; 4],
) -> (Server, String, String, serde_json::Map<String, Value>) {
    let (s, ro, op) = small_election_served(tmp);
    postal_validated(&s, &ro, &op, postal);
    for round in 1..=4 {
        enter_round(&s, &op, round);
        publish(&s, &ro, round);
    }
    let (_, _, pdf) = s.bytes("/api/v1/acs/5/certificate.pdf", &ro);
    let mut values = printed_values(&pdf, &tmp.0);
    values.insert("ro_signed".into(), json!(false));
    (s, ro, op, values)
}

/// The postal desk done: the covers of every register ballot scanned (all
/// accepted), the tally `postal` entered (its votes add up to the
/// register's ballots, no paper rejected) and validated by the RO.
pub(crate) fn postal_validated(s: &Server, ro: &str, op: &str, postal: [u64; 4]) {
    let register = s.get("/api/v1/acs/5/etpbs-register", ro);
    let forms: Vec<(&str, Value)> = register
        .as_array()
        .expect("register")
        .iter()
        .flat_map(|b| [("form-13a", form_13a(b)), ("form-13b", form_13b(b))])
        .collect();
    let doc = s.upload_read(5, op, "covers.pdf", &scan_batch(&forms, None));
    assert_eq!(doc["status"], "done", "{doc}");
    s.ok(
        "PUT",
        "/api/v1/acs/5/postal",
        op,
        json!({"votes": postal, "rejected_papers": 0, "rejected_covers": 0}),
    );
    let (st, b) = post(s, ro, "/api/v1/acs/5/postal/approve");
    assert_eq!((st, &b["validated"]), (200, &json!(true)), "{b}");
}

/// The VVPAT verification done: the first stations drawn, their slips
/// counted equal to their EVM figures.
pub(crate) fn vvpat_verified(s: &Server, ro: &str, op: &str) {
    let drawn = [1u64, 4, 7, 10, 12];
    let v = s.ok("PUT", "/api/v1/acs/5/vvpat", ro, json!({"ps_nos": drawn}));
    assert_eq!(v["stations"].as_array().map(Vec::len), Some(5), "{v}");
    for ps in drawn {
        let (round, table) = ((ps - 1) / 3 + 1, (ps - 1) % 3 + 1);
        s.ok(
            "PUT",
            &format!("/api/v1/acs/5/vvpat/{ps}"),
            op,
            json!({"votes": votes(round, table)}),
        );
    }
}

/// The values of a printed form (its first page read back), by field name.
pub(crate) fn printed_values(pdf: &[u8], dir: &std::path::Path) -> serde_json::Map<String, Value> {
    let printed = extract(pdf, dir, "printed.pdf");
    printed["fields"]
        .as_object()
        .expect("fields")
        .iter()
        .map(|(k, v)| (k.clone(), v["value"].clone()))
        .collect()
}

/// Votes for round r, table t: distinct figures so that a wrong sum shows.
pub(crate) fn votes(r: u64, t: u64) -> Vec<u64> {
    vec![100 + 10 * r + t, 90 + 7 * r + 2 * t, 20 + r + t, 3 + t]
}

pub(crate) fn enter_round(s: &Server, op: &str, round: u64) {
    for t in 1..=3u64 {
        let body = s.ok(
            "PUT",
            &format!("/api/v1/acs/5/rounds/{round}/tables/{t}"),
            op,
            json!({"ps_no": (round - 1) * 3 + t, "votes": votes(round, t)}),
        );
        assert_eq!(body["tables"].as_array().unwrap().len() as u64, t);
    }
}

fn status(s: &Server, tok: &str, round: u64) -> (String, u64) {
    let r = s.get(&format!("/api/v1/acs/5/rounds/{round}"), tok);
    (
        r["status"].as_str().unwrap().to_string(),
        r["revision"].as_u64().unwrap(),
    )
}

fn post(s: &Server, tok: &str, path: &str) -> (u16, Value) {
    s.call("POST", path, Some(tok), None)
}

#[test]
fn whole_counting_day_of_one_ac() {
    let tmp = TempDir::new("day");
    let data = small_election(&tmp);
    let s = Server::start(&data, &[]);
    let ro = s.login("ro5", "secret-ro5");
    let op = s.login("op5", "secret-op5");

    // ETPBS register import.
    let (st, b) = s.send(
        "PUT",
        "/api/v1/acs/5/etpbs-register",
        Some(&ro),
        "text/csv",
        b"ballot_id,postal_ballot_serial_no,part_no,elector_serial_no\nPB005-000001,1,12,301\nPB005-000002,2,12,302\nPB005-000003,3,40,77\n",
    );
    assert_eq!((st, b["ballots"].as_u64()), (200, Some(3)), "{b}");
    assert_eq!(
        s.get("/api/v1/acs/5/etpbs-register", &op)
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Rounds 1 and 2: entered by the operator, approved and published by the RO.
    for round in 1..=2 {
        enter_round(&s, &op, round);
        assert_eq!(status(&s, &op, round), ("draft".into(), 1));
        assert_eq!(
            post(&s, &ro, &format!("/api/v1/acs/5/rounds/{round}/approve")).0,
            200
        );
        let (st, b) = post(&s, &ro, &format!("/api/v1/acs/5/rounds/{round}/publish"));
        assert_eq!((st, b["status"].as_str()), (200, Some("published")), "{b}");
    }
    let r1 = s.get("/api/v1/acs/5/rounds/1", &op);
    let want: Vec<u64> = (0..4)
        .map(|c| (1..=3).map(|t| votes(1, t)[c]).sum())
        .collect();
    assert_eq!(r1["totals"], json!(want));

    // Round 3 is the second-last: not approved before the postal entry.
    enter_round(&s, &op, 3);
    assert_error(
        post(&s, &ro, "/api/v1/acs/5/rounds/3/approve"),
        409,
        "postal-first",
    );
    // Entered is not enough: the RO validates the postal entry, and the
    // validation waits for every cover scanned and the covers reconciled.
    let postal = json!({"votes": [1, 0, 0, 0], "rejected_papers": 1, "rejected_covers": 1});
    assert_eq!(
        s.ok("PUT", "/api/v1/acs/5/postal", &op, postal.clone())["votes"],
        postal["votes"]
    );
    assert_error(
        post(&s, &ro, "/api/v1/acs/5/rounds/3/approve"),
        409,
        "postal-first",
    );
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/postal/approve");
    assert_eq!(
        (st, b["error"].as_str()),
        (409, Some("postal-not-ready")),
        "{b}"
    );
    let unmet: Vec<&str> = b["unmet"]
        .as_array()
        .expect("the conditions that do not hold")
        .iter()
        .map(|c| c["condition"].as_str().unwrap())
        .collect();
    assert_eq!(unmet, ["ballots-uploaded", "postal-reconciles"], "{b}");
    assert!(
        b["unmet"][0]["message"]
            .as_str()
            .unwrap()
            .contains("PB005-000003"),
        "{b}"
    );
    assert_error(
        post(&s, &op, "/api/v1/acs/5/postal/approve"),
        403,
        "forbidden",
    );
    // Two covers signed and attested (accepted: one vote, one paper
    // rejected at the count), one not signed (its cover rejected).
    let ac = s.get("/api/v1/acs/5", &ro);
    let register = s.get("/api/v1/acs/5/etpbs-register", &ro);
    let covers: Vec<(&str, Value)> = (0..3)
        .flat_map(|i| {
            let b = &register[i];
            [
                ("form-13a", crate::documents::form_13a(&ac, b, i < 2, true)),
                ("form-13b", crate::documents::form_13b(&ac, b)),
            ]
        })
        .collect();
    let doc = s.upload_read(5, &op, "covers.pdf", &scan_batch(&covers, None));
    assert_eq!(doc["status"], "done", "{doc}");
    let validation = s.get("/api/v1/acs/5/postal/validation", &op);
    assert_eq!(validation["validated"], false, "{validation}");
    assert!(
        validation["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["holds"] == true),
        "{validation}"
    );
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/postal/approve");
    assert_eq!(
        (st, b["validated"].as_bool(), b["validated_by"].as_str()),
        (200, Some(true), Some("ro5")),
        "{b}"
    );
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/rounds/3/approve").0, 200);
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/rounds/3/publish").0, 200);
    enter_round(&s, &op, 4);
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/rounds/4/approve").0, 200);
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/rounds/4/publish").0, 200);
    assert_eq!(s.get("/api/v1/acs/5/result", &op)["is_final"], true);

    // The sheet of round 3 printed now carries revision 1.
    let (st, ct, old_sheet) = s.bytes("/api/v1/acs/5/rounds/3/sheet.pdf", &ro);
    assert_eq!((st, ct.as_str()), (200, "application/pdf"));
    let page = extract(&old_sheet, &tmp.0, "r3-rev1.pdf");
    assert_eq!(page["form"], "round-sheet");
    assert_eq!(page["fields"]["revision"]["value"], 1);
    assert_eq!(page["fields"]["votes"]["value"][1], json!(votes(3, 2)));

    // An edit to round 3 sends rounds 3 and 4 back to draft with raised
    // revisions; rounds 1 and 2 stay published.
    let mut edited = votes(3, 2);
    edited[1] += 9;
    let b = s.ok(
        "PUT",
        "/api/v1/acs/5/rounds/3/tables/2",
        &op,
        json!({"ps_no": 8, "votes": edited}),
    );
    assert_eq!(
        (b["status"].as_str(), b["revision"].as_u64()),
        (Some("draft"), Some(2))
    );
    assert_eq!(status(&s, &op, 4), ("draft".into(), 2));
    assert_eq!(status(&s, &op, 2), ("published".into(), 1));
    assert_eq!(status(&s, &op, 1), ("published".into(), 1));
    let res = s.get("/api/v1/acs/5/result", &op);
    assert_eq!(
        (res["rounds_published"].as_u64(), res["is_final"].as_bool()),
        (Some(2), Some(false))
    );
    assert_error(
        s.call("GET", "/api/v1/acs/5/certificate.pdf", Some(&ro), None),
        409,
        "rounds-unpublished",
    );
    // The same figures again change nothing (no new revision).
    s.ok(
        "PUT",
        "/api/v1/acs/5/rounds/3/tables/2",
        &op,
        json!({"ps_no": 8, "votes": edited}),
    );
    assert_eq!(status(&s, &op, 3), ("draft".into(), 2));
    // Publishing round 4 before round 3 is out of order.
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/rounds/4/approve").0, 200);
    assert_error(
        post(&s, &ro, "/api/v1/acs/5/rounds/4/publish"),
        409,
        "round-order",
    );

    // A sheet printed now carries revision 2 and the new figure.
    let (_, _, new_sheet) = s.bytes("/api/v1/acs/5/rounds/3/sheet.pdf", &ro);
    let page = extract(&new_sheet, &tmp.0, "r3-rev2.pdf");
    assert_eq!(page["fields"]["revision"]["value"], 2);
    assert_eq!(page["fields"]["votes"]["value"][1], json!(edited));
    assert_ne!(old_sheet, new_sheet);

    // Re-approval and publication in order.
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/rounds/3/approve").0, 200);
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/rounds/3/publish").0, 200);
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/rounds/4/publish").0, 200);

    // The final result: EVM totals over the four rounds plus postal votes.
    let mut totals = vec![0u64; 4];
    for r in 1..=4 {
        for t in 1..=3 {
            let v = if (r, t) == (3, 2) {
                edited.clone()
            } else {
                votes(r, t)
            };
            for c in 0..4 {
                totals[c] += v[c];
            }
        }
    }
    for (c, p) in [1u64, 0, 0, 0].iter().enumerate() {
        totals[c] += p;
    }
    let res = s.get("/api/v1/acs/5/result", &op);
    assert_eq!(res["totals"], json!(totals));
    assert_eq!(res["is_final"], true);
    assert_eq!(res["leader"]["name"], "Ravi Kumar");
    assert_eq!(res["margin"].as_u64(), Some(totals[0] - totals[1]));
    assert_eq!(res["by_round"].as_array().unwrap().len(), 4);

    // Form 22 for the winner; the same figures print the same certificate.
    let (st, ct, cert) = s.bytes("/api/v1/acs/5/certificate.pdf", &ro);
    assert_eq!((st, ct.as_str()), (200, "application/pdf"));
    let page = extract(&cert, &tmp.0, "form22.pdf");
    assert_eq!(page["form"], "certificate");
    assert_eq!(page["fields"]["winner"]["value"], "Ravi Kumar");
    assert_eq!(page["fields"]["votes"]["value"], totals[0]);
    assert_eq!(page["fields"]["ac_no"]["value"], 5);
    let id = page["fields"]["certificate_id"]["value"].clone();
    assert!(id.as_str().unwrap().starts_with("C005-"), "{id}");
    let (_, _, again) = s.bytes("/api/v1/acs/5/certificate.pdf", &op);
    assert_eq!(
        extract(&again, &tmp.0, "form22b.pdf")["fields"]["certificate_id"]["value"],
        id
    );

    // Declaring waits for the VVPAT verification, then locks the counts:
    // the postal entry can no longer change.
    assert_error(post(&s, &op, "/api/v1/acs/5/declare"), 403, "forbidden");
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/declare");
    assert_eq!((st, b["error"].as_str()), (409, Some("not-ready")), "{b}");
    let unmet: Vec<&str> = b["unmet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["condition"].as_str().unwrap())
        .collect();
    assert_eq!(unmet, ["vvpat-drawn", "vvpat-counted"], "{b}");
    let d = s.get("/api/v1/acs/5/declaration", &op);
    assert_eq!(d["ready"], false, "{d}");
    vvpat_verified(&s, &ro, &op);
    assert_eq!(s.get("/api/v1/acs/5/declaration", &op)["ready"], true);
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/declare");
    assert_eq!(st, 200, "{b}");
    assert!(b["declared_at"].is_string());
    assert_error(
        s.call("PUT", "/api/v1/acs/5/postal", Some(&op), Some(postal)),
        409,
        "result-declared",
    );
    assert_error(
        s.call(
            "PUT",
            "/api/v1/acs/5/rounds/1/tables/1",
            Some(&op),
            Some(json!({"ps_no": 1, "votes": [1, 1, 1, 1]})),
        ),
        409,
        "result-declared",
    );

    // The audit log kept who, what, before and after of the edit.
    let log = s.get("/api/v1/acs/5/audit?limit=1000", &ro);
    let edit = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["action"] == "table.put"
                && e["subject"] == "round 3 table 2"
                && e["before"].is_object()
        })
        .expect("the edit is in the audit log");
    assert_eq!(edit["username"], "op5");
    assert_eq!(edit["before"]["votes"], json!(votes(3, 2)));
    assert_eq!(edit["after"]["votes"], json!(edited));
    // Accounts added by the CLI are in the AC's log too (never a password).
    let added = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.add" && e["subject"] == "user ro5")
        .expect("user.add logged");
    assert_eq!(
        (added["username"].as_str(), added["after"]["role"].as_str()),
        (Some("cli"), Some("ro"))
    );
    assert!(!added.to_string().contains("argon2"));
    let reopen = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "round.reopen")
        .expect("reopen logged");
    assert_eq!(reopen["after"].as_array().unwrap().len(), 2);
}

#[test]
fn acknowledged_writes_survive_a_killed_server() {
    let tmp = TempDir::new("crash");
    let data = small_election(&tmp);
    let s = Server::start(&data, &[]);
    let op = s.login("op5", "secret-op5");
    s.ok(
        "PUT",
        "/api/v1/acs/5/rounds/1/tables/2",
        &op,
        json!({"ps_no": 2, "votes": [7, 8, 9, 1]}),
    );
    s.kill();
    let s = Server::start(&data, &[]);
    let op = s.login("op5", "secret-op5");
    let r = s.get("/api/v1/acs/5/rounds/1", &op);
    assert_eq!(
        r["tables"],
        json!([{"table": 2, "ps_no": 2, "votes": [7, 8, 9, 1]}])
    );
}

#[test]
fn a_typed_total_or_a_station_over_its_electors_is_refused_and_nothing_is_stored() {
    let tmp = TempDir::new("day-entry-checks");
    let data = tmp.0.join("data");
    let d = data.to_str().unwrap();
    let def = |stations: Value| {
        let path = tmp.0.join("election.json");
        std::fs::write(
            &path,
            json!({
                "name": "Checks", "state": "Madhya Pradesh",
                "acs": [{"ac_no": 6, "name": "Checkpur", "district": "Rewa", "ro": "Asha Verma",
                         "tables": 2, "rounds": 2,
                         "candidates": [{"name": "Ravi Kumar", "party": "Alpha Party"},
                                        {"name": "Meena Devi", "party": "Beta Party"},
                                        {"name": "Gopal Das", "party": "Independent"}],
                         "polling_stations": stations}]
            })
            .to_string(),
        )
        .unwrap();
        path
    };
    // A definition with a station twice, or with no electors, is refused whole.
    for bad in [
        json!([{"ps_no": 1, "name": "School", "electors": 800}, {"ps_no": 1, "name": "Hall", "electors": 900}]),
        json!([{"ps_no": 1, "name": "School", "electors": 0}]),
    ] {
        let out =
            crate::helpers::command(&["election", "load", def(bad).to_str().unwrap(), "--data", d])
                .output()
                .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("AC 6") && err.contains("polling station"),
            "{err}"
        );
    }
    let stations = json!([
        {"ps_no": 1, "name": "Govt. School, Checkpur", "electors": 800},
        {"ps_no": 2, "name": "Panchayat Bhavan", "electors": 900},
    ]);
    cli(
        &[
            "election",
            "load",
            def(stations).to_str().unwrap(),
            "--data",
            d,
        ],
        "",
    );
    cli(
        &[
            "user", "add", "ro6", "--role", "ro", "--ac", "6", "--data", d,
        ],
        "secret-ro6\n",
    );
    let s = Server::start(&data, &[]);
    let ro = s.login("ro6", "secret-ro6");
    let put = |table: u32, body: Value| {
        s.call(
            "PUT",
            &format!("/api/v1/acs/6/rounds/1/tables/{table}"),
            Some(&ro),
            Some(body),
        )
    };
    let (st, b) = put(
        1,
        json!({"ps_no": 1, "votes": [300, 200, 100, 50], "total": 650}),
    );
    assert_eq!(st, 200, "{b}");
    let stored = s.get("/api/v1/acs/6/rounds/1", &ro);
    // The total of Form 17C Part II disagrees with its votes.
    for total in [651, -1] {
        let got = put(
            1,
            json!({"ps_no": 1, "votes": [300, 200, 100, 60], "total": total}),
        );
        assert_error(got.clone(), 422, "total-differs");
        assert!(
            got.1["message"].as_str().unwrap().contains("660"),
            "{}",
            got.1
        );
    }
    // More votes than the station has electors: one digit too many.
    let got = put(2, json!({"ps_no": 2, "votes": [5000, 300, 100, 50]}));
    assert_error(got.clone(), 422, "exceeds-electors");
    let msg = got.1["message"].as_str().unwrap();
    assert!(
        msg.contains("900") && msg.contains("Panchayat Bhavan"),
        "{msg}"
    );
    // A station the definition does not list.
    assert_error(
        put(2, json!({"ps_no": 9, "votes": [1, 2, 3, 4]})),
        400,
        "bad-input",
    );
    assert_eq!(
        s.get("/api/v1/acs/6/rounds/1", &ro),
        stored,
        "nothing refused was stored"
    );
    // Tendered and rejected votes: counts, and cast by the station's
    // electors too.
    for key in ["tendered", "rejected"] {
        for bad in [json!(-1), json!(10_000), json!("two")] {
            let (st, b) = put(2, json!({"ps_no": 2, "votes": [5, 3, 1, 1], key: bad}));
            assert!(st == 400 || st == 422, "{key} {bad}: {st} {b}");
        }
    }
    assert_error(
        put(
            2,
            json!({"ps_no": 2, "votes": [500, 300, 50, 49], "tendered": 1, "rejected": 1}),
        ),
        422,
        "exceeds-electors",
    );
    assert_error(
        put(
            2,
            json!({"ps_no": 2, "votes": [500, 300, 50, 50], "tendered": 1}),
        ),
        422,
        "exceeds-electors",
    );
    assert_eq!(
        s.get("/api/v1/acs/6/rounds/1", &ro),
        stored,
        "nothing refused was stored"
    );
    // Exactly the electors is possible; without a total the votes stand alone.
    let (st, b) = put(
        2,
        json!({"ps_no": 2, "votes": [500, 300, 50, 48], "tendered": 1, "rejected": 1}),
    );
    assert_eq!(st, 200, "{b}");
    let tables = &s.get("/api/v1/acs/6/rounds/1", &ro)["tables"];
    assert_eq!(
        (&tables[0]["tendered"], &tables[1]["tendered"]),
        (&Value::Null, &json!(1)),
        "{tables}"
    );
    assert_eq!(
        (&tables[0]["rejected"], &tables[1]["rejected"]),
        (&Value::Null, &json!(1)),
        "{tables}"
    );
}
