//! Uploads read by the worker pool and checked against the entered counts,
//! end to end over HTTP: generated scans of the demo's own figures.

use serde_json::{Value, json};

use crate::helpers::{Server, TempDir, assert_error, blob_file, scan_batch};

/// The values of a round sheet as Scrutiny prints it now, signed or not.
pub(crate) fn sheet(s: &Server, tok: &str, ac: u32, round: u64, signed: bool) -> Value {
    let a = s.get(&format!("/api/v1/acs/{ac}"), tok);
    let r = s.get(&format!("/api/v1/acs/{ac}/rounds/{round}"), tok);
    json!({
        "ac_no": ac, "ac_name": a["name"], "round": round, "revision": r["revision"],
        "candidates": a["candidates"].as_array().unwrap().iter().map(|c| c["name"].clone()).collect::<Vec<_>>(),
        "tables": r["tables"], "ro_signed": signed,
    })
}

/// Form 13A of a register ballot.
pub(crate) fn form_13a(ac: &Value, b: &Value, signed: bool, attested: bool) -> Value {
    json!({
        "ballot_id": b["ballot_id"], "ac_no": ac["ac_no"], "ac_name": ac["name"],
        "part_no": b["part_no"], "elector_serial_no": b["elector_serial_no"],
        "elector_name": "Kamla Devi", "postal_ballot_serial_no": b["postal_ballot_serial_no"],
        "elector_signed": signed, "attested": attested,
    })
}

/// Form 13B (Cover A) of a register ballot.
pub(crate) fn form_13b(ac: &Value, b: &Value) -> Value {
    json!({
        "ballot_id": b["ballot_id"], "ac_no": ac["ac_no"], "ac_name": ac["name"],
        "postal_ballot_serial_no": b["postal_ballot_serial_no"],
    })
}

/// Form 13C (Cover B, the outer cover) of a register ballot.
pub(crate) fn form_13c(ac: &Value, b: &Value) -> Value {
    json!({"ballot_id": b["ballot_id"], "ac_no": ac["ac_no"], "ac_name": ac["name"]})
}

fn open_findings(doc: &Value) -> Vec<Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "open")
        .cloned()
        .collect()
}

fn ballot<'a>(list: &'a Value, id: &Value) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|b| &b["ballot_id"] == id)
        .unwrap_or_else(|| panic!("ballot {id} not listed: {list}"))
}

#[test]
fn clean_scans_verify_and_an_edit_makes_the_sheet_stale() {
    let tmp = TempDir::new("docs-clean");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let op = s.login("op71", "demo-op71");
    let ac = s.get("/api/v1/acs/71", &ro);
    let register = s.get("/api/v1/acs/71/etpbs-register", &ro);
    let (b1, b2) = (&register[0], &register[1]);

    // One batch: a signed round sheet and two ballots' 13A and 13B, in any order.
    let batch = scan_batch(
        &[
            ("form-13b", form_13b(&ac, b2)),
            ("round-sheet", sheet(&s, &ro, 71, 2, true)),
            ("form-13a", form_13a(&ac, b1, true, true)),
            ("form-13b", form_13b(&ac, b1)),
            ("form-13a", form_13a(&ac, b2, true, true)),
        ],
        None,
    );
    let doc = s.upload_read(71, &op, "batch.pdf", &batch);
    assert_eq!(doc["status"], "done", "{doc}");
    let forms: Vec<&str> = doc["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["form"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        forms,
        [
            "form-13b",
            "round-sheet",
            "form-13a",
            "form-13b",
            "form-13a"
        ]
    );
    assert_eq!(
        open_findings(&doc),
        Vec::<Value>::new(),
        "clean scans must verify"
    );
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    for b in [b1, b2] {
        let got = ballot(&ballots, &b["ballot_id"]);
        assert_eq!(
            (
                got["outcome"].as_str(),
                got["reasons"].as_array().map(Vec::len)
            ),
            (Some("accepted"), Some(0)),
            "{got}"
        );
    }
    assert_eq!(doc["ballots"].as_array().unwrap().len(), 2);

    // The uploaded bytes come back exactly, with their digest.
    let (st, ct, bytes) = s.bytes(&format!("/api/v1/documents/{}/file", doc["id"]), &ro);
    assert_eq!(
        (st, ct.as_str(), bytes == batch),
        (200, "application/pdf", true)
    );

    // An edit to round 2 makes the signed sheet stale, at once.
    let r2 = s.get("/api/v1/acs/71/rounds/2", &ro);
    let mut t = r2["tables"][0].clone();
    t["votes"][0] = json!(t["votes"][0].as_u64().unwrap() + 3);
    s.ok(
        "PUT",
        "/api/v1/acs/71/rounds/2/tables/1",
        &op,
        json!({"ps_no": t["ps_no"], "votes": t["votes"]}),
    );
    let doc = s.get(&format!("/api/v1/documents/{}", doc["id"]), &ro);
    let open = open_findings(&doc);
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(
        (open[0]["kind"].as_str(), open[0]["page"].as_u64()),
        (Some("stale"), Some(2))
    );
    assert_eq!(
        (
            open[0]["scan_value"].as_u64(),
            open[0]["entered_value"].as_u64()
        ),
        (Some(1), Some(2))
    );
    // Undoing the figure does not undo the revision: the old sheet stays
    // stale, and the sheet printed now (revision 2) verifies.
    s.ok(
        "PUT",
        "/api/v1/acs/71/rounds/2/tables/1",
        &op,
        json!({"ps_no": r2["tables"][0]["ps_no"], "votes": r2["tables"][0]["votes"]}),
    );
    let doc = s.get(&format!("/api/v1/documents/{}", doc["id"]), &ro);
    assert_eq!(open_findings(&doc).len(), 1);
    let new = s.upload_read(
        71,
        &op,
        "round2-rev2.pdf",
        &scan_batch(&[("round-sheet", sheet(&s, &ro, 71, 2, true))], None),
    );
    assert_eq!(
        new["pages"][0]["qr"].as_str().map(|q| q.contains("rev=2")),
        Some(true)
    );
    assert_eq!(open_findings(&new), Vec::<Value>::new());
}

#[test]
fn a_changed_figure_is_one_mismatch_with_both_values_and_is_reviewed() {
    let tmp = TempDir::new("docs-mismatch");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let op = s.login("op71", "demo-op71");
    let mut v = sheet(&s, &ro, 71, 3, true);
    let entered = v["tables"][4]["votes"][1].as_u64().unwrap();
    v["tables"][4]["votes"][1] = json!(entered + 7);
    let doc = s.upload_read(
        71,
        &op,
        "round3.pdf",
        &scan_batch(&[("round-sheet", v)], None),
    );
    let open = open_findings(&doc);
    let cell: Vec<&Value> = open
        .iter()
        .filter(|f| f["field"] == "votes[4][1]")
        .collect();
    assert_eq!(cell.len(), 1, "{open:?}");
    assert_eq!(cell[0]["kind"], "mismatch");
    assert_eq!(
        (
            cell[0]["scan_value"].as_u64(),
            cell[0]["entered_value"].as_u64()
        ),
        (Some(entered + 7), Some(entered))
    );
    // The column total printed from the same figures disagrees too; nothing else does.
    let others: Vec<&Value> = open
        .iter()
        .filter(|f| f["field"] != "votes[4][1]")
        .collect();
    assert_eq!(others.len(), 1, "{others:?}");
    assert_eq!(
        (others[0]["kind"].as_str(), others[0]["field"].as_str()),
        (Some("mismatch"), Some("totals[1]"))
    );

    // The review queue shows them with a cut-out of the scan.
    let queue = s.get("/api/v1/review?ac=71", &op);
    let item = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == cell[0]["id"])
        .expect("in the queue");
    assert_eq!(item["document"], doc["id"]);
    let (st, ct, png) = s.bytes(item["crop_url"].as_str().unwrap(), &op);
    assert_eq!((st, ct.as_str()), (200, "image/png"));
    assert!(png.starts_with(b"\x89PNG"));
    let img = image::load_from_memory(&png).unwrap();
    assert!(
        img.width() > img.height() && img.height() > 40,
        "a cell with context: {}x{}",
        img.width(),
        img.height()
    );

    // The figures of a mismatch take the three decisions, and the value
    // the operator reads must agree with the one chosen.
    assert_eq!(
        item["choices"]["decisions"],
        json!(["scan_correct", "entry_correct", "rescan"])
    );
    let decide = |body: Value| {
        s.call(
            "POST",
            &format!("/api/v1/review/{}", cell[0]["id"]),
            Some(&op),
            Some(body),
        )
    };
    for (body, code) in [
        (json!({"decision": "scan_correct", "value": entered}), 400),
        (
            json!({"decision": "entry_correct", "value": entered + 7}),
            400,
        ),
        (json!({"decision": "scan_correct", "value": "many"}), 400),
        (json!({"decision": "signed"}), 409),
        (json!({"decision": "rescan", "value": entered}), 400),
    ] {
        let (st, b) = decide(body.clone());
        assert_eq!(st, code, "{body}: {b}");
        assert!(b["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
    }
    assert_eq!(
        open_findings(&s.get(&format!("/api/v1/documents/{}", doc["id"]), &op)).len(),
        2
    );

    // Decisions: the scan is right (the entry goes to the RO's edit list);
    // the total was an arithmetic echo (entry correct); then closed for good.
    let (st, f) = decide(
        json!({"decision": "scan_correct", "note": "17C says so", "value": (entered + 7).to_string()}),
    );
    assert_eq!(st, 200, "{f}");
    assert_eq!(f["read_value"].as_u64(), Some(entered + 7), "{f}");
    // Undone by who decided (another operator may not): open again, then
    // decided again; the undoing is in the audit log.
    let undo = |who: &str| {
        s.call(
            "POST",
            &format!("/api/v1/review/{}/undo", cell[0]["id"]),
            Some(who),
            None,
        )
    };
    assert_error(
        undo(&s.login("observer", "demo-observer")),
        403,
        "forbidden",
    );
    let (st, b) = undo(&op);
    assert_eq!(
        (st, b["status"].as_str(), &b["decision"]),
        (200, Some("open"), &Value::Null),
        "{b}"
    );
    assert_error(undo(&op), 409, "finding-not-open");
    let (st, f) =
        decide(json!({"decision": "scan_correct", "note": "17C says so", "value": entered + 7}));
    assert_eq!(st, 200, "{f}");
    assert_eq!(
        (f["status"].as_str(), f["decided_by"].as_str()),
        (Some("closed"), Some("op71"))
    );
    assert!(f["decided_at"].is_string());
    let edits = s.get("/api/v1/acs/71/edits", &ro);
    assert_eq!(edits.as_array().unwrap().len(), 1);
    assert_eq!(edits[0]["field"], "votes[4][1]");
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/review/{}", cell[0]["id"]),
            Some(&op),
            Some(json!({"decision": "rescan"})),
        ),
        409,
        "finding-not-open",
    );
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/review/{}", others[0]["id"]),
            Some(&op),
            Some(json!({"decision": "maybe"})),
        ),
        400,
        "bad-input",
    );
    let obs = s.login("observer", "demo-observer");
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/review/{}", others[0]["id"]),
            Some(&obs),
            Some(json!({"decision": "entry_correct"})),
        ),
        403,
        "forbidden",
    );
    assert_error(
        s.call(
            "GET",
            "/api/v1/review?ac=71",
            Some(&s.login("ro72", "demo-ro72")),
            None,
        ),
        403,
        "forbidden",
    );
    let (st, _) = s.call(
        "POST",
        &format!("/api/v1/review/{}", others[0]["id"]),
        Some(&op),
        Some(json!({"decision": "entry_correct"})),
    );
    assert_eq!(st, 200);
    let queue = s.get("/api/v1/review?ac=71", &op);
    assert!(
        queue
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["document"] != doc["id"]),
        "{queue}"
    );
    // Who decided is in the audit log.
    let log = s.get("/api/v1/acs/71/audit", &ro);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "finding.decide" && e["username"] == "op71")
    );
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "finding.undo")
    );

    // The RO edits the entry to what the scan says: it leaves the edit list.
    let r3 = s.get("/api/v1/acs/71/rounds/3", &ro);
    let mut t = r3["tables"][4].clone();
    t["votes"][1] = json!(entered + 7);
    s.ok(
        "PUT",
        &format!("/api/v1/acs/71/rounds/3/tables/{}", t["table"]),
        &ro,
        json!({"ps_no": t["ps_no"], "votes": t["votes"]}),
    );
    assert_eq!(s.get("/api/v1/acs/71/edits", &ro), json!([]));
}

#[test]
fn findings_are_filtered_grouped_and_settled_together_or_not_at_all() {
    let tmp = TempDir::new("docs-batch");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let op = s.login("op71", "demo-op71");
    // Round 3's sheet with three figures changed, round 2's with one.
    let mut v3 = sheet(&s, &ro, 71, 3, true);
    for (t, c) in [(1, 0), (2, 0), (4, 1)] {
        let n = v3["tables"][t]["votes"][c].as_u64().unwrap();
        v3["tables"][t]["votes"][c] = json!(n + 5);
    }
    let mut v2 = sheet(&s, &ro, 71, 2, true);
    let n = v2["tables"][3]["votes"][2].as_u64().unwrap();
    v2["tables"][3]["votes"][2] = json!(n + 3);
    let d3 = s.upload_read(71, &op, "r3.pdf", &scan_batch(&[("round-sheet", v3)], None));
    let d2 = s.upload_read(71, &op, "r2.pdf", &scan_batch(&[("round-sheet", v2)], None));
    let ids = |q: &str| -> Vec<i64> {
        let mut v: Vec<i64> = s
            .get(&format!("/api/v1/review?ac=71{q}"), &op)
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        v.sort();
        v
    };
    let of_doc = |d: &Value| -> Vec<i64> {
        let mut v: Vec<i64> = open_findings(d)
            .iter()
            .map(|f| f["id"].as_i64().unwrap())
            .collect();
        v.sort();
        v
    };
    let (f3, f2) = (of_doc(&d3), of_doc(&d2));
    assert!(f3.len() >= 3 && !f2.is_empty(), "{f3:?} {f2:?}");
    // Filters: by document, by round (the round its sheet carries), by
    // kind and by field (its name without the grid's indices).
    assert_eq!(ids(&format!("&document={}", d3["id"])), f3);
    assert_eq!(ids("&round=3"), f3);
    assert_eq!(ids("&round=2"), f2);
    assert_eq!(ids("&round=5"), Vec::<i64>::new());
    assert_eq!(ids("&kind=unsigned"), Vec::<i64>::new());
    let votes3 = ids("&round=3&field=votes");
    assert_eq!(votes3.len(), 3, "{votes3:?}");
    assert_error(
        s.call("GET", "/api/v1/review?ac=71&kind=bogus", Some(&op), None),
        400,
        "bad-input",
    );
    assert_error(
        s.call("GET", "/api/v1/review?ac=71&round=two", Some(&op), None),
        400,
        "bad-input",
    );

    // The page drawn with what was read where: grey as scanned, and with
    // boxes, red on the figures that differ and green on the rest.
    let page = |q: &str| {
        s.bytes(
            &format!("/api/v1/documents/{}/pages/1/image.png{q}", d3["id"]),
            &op,
        )
    };
    let plain = image::load_from_memory(&page("").2).unwrap();
    assert_eq!(plain.color(), image::ColorType::L8);
    let drawn = image::load_from_memory(&page("?boxes=true").2)
        .unwrap()
        .to_rgb8();
    let count = |f: &dyn Fn(&image::Rgb<u8>) -> bool| drawn.pixels().filter(|p| f(p)).count();
    let red = count(&|p| p[0] > 150 && p[1] < 80 && p[2] < 80);
    let green = count(&|p| p[1] > 100 && p[0] < 60 && p[2] < 100);
    assert!(red > 100 && green > 100, "red {red}, green {green}");
    let (st, _, body) = page("?boxes=maybe");
    assert_eq!(st, 400, "{}", String::from_utf8_lossy(&body));
    // The queue in Hindi says what each finding is in Hindi, not the
    // check's English sentence.
    let html = |path: &str| {
        let r = ureq::get(&format!("{}{path}", s.base))
            .set("Cookie", &format!("scrutiny_session={op}"))
            .call()
            .expect("the page");
        r.into_string().unwrap()
    };
    let en = html(&format!("/review?ac=71&document={}", d3["id"]));
    let hi = html(&format!("/review?ac=71&document={}&lang=hi", d3["id"]));
    let english = open_findings(&d3)[0]["message"]
        .as_str()
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_string();
    assert!(en.contains("id=\"document-filter\""), "{en}");
    assert!(
        hi.contains("स्कैन से पढ़ा गया") && !hi.contains(&english),
        "{english}: {hi}"
    );

    // The groups: the three cells of round 3 are one group of mismatches.
    let groups = s.get(
        &format!("/api/v1/review/groups?ac=71&document={}", d3["id"]),
        &op,
    );
    let g = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["field"] == "votes")
        .unwrap_or_else(|| panic!("{groups}"));
    assert_eq!(g["kind"], "mismatch");
    assert_eq!(
        g["decisions"],
        json!(["scan_correct", "entry_correct", "rescan"])
    );
    let mut group: Vec<i64> = g["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_i64().unwrap())
        .collect();
    group.sort();
    assert_eq!(group, votes3);

    // One finding of the batch that cannot take the decision (decided
    // already) refuses the whole batch: nothing of it is decided.
    let batch =
        |tok: &str, body: Value| s.call("POST", "/api/v1/review/batch", Some(tok), Some(body));
    let lone = f2[0];
    let (st, b) = s.call(
        "POST",
        &format!("/api/v1/review/{lone}"),
        Some(&op),
        Some(json!({"decision": "rescan"})),
    );
    assert_eq!(st, 200, "{b}");
    let mut with_closed = votes3.clone();
    with_closed.push(lone);
    assert_error(
        batch(
            &op,
            json!({"ids": with_closed, "decision": "entry_correct"}),
        ),
        409,
        "finding-not-open",
    );
    assert_eq!(
        ids("&round=3&field=votes"),
        votes3,
        "the refused batch changed nothing"
    );
    assert_error(
        batch(&op, json!({"ids": [], "decision": "entry_correct"})),
        400,
        "bad-input",
    );
    assert_error(
        batch(
            &op,
            json!({"ids": [votes3[0], votes3[0]], "decision": "entry_correct"}),
        ),
        400,
        "bad-input",
    );
    assert_error(
        batch(&op, json!({"ids": votes3, "decision": "signed"})),
        409,
        "decision-does-not-fit",
    );
    assert_error(
        batch(
            &s.login("observer", "demo-observer"),
            json!({"ids": votes3, "decision": "entry_correct"}),
        ),
        403,
        "forbidden",
    );
    assert_error(
        batch(
            &s.login("ro72", "demo-ro72"),
            json!({"ids": votes3, "decision": "entry_correct"}),
        ),
        403,
        "forbidden",
    );
    assert_error(
        batch(&op, json!({"ids": [999_999], "decision": "entry_correct"})),
        404,
        "not-found",
    );
    assert_eq!(ids("&round=3&field=votes"), votes3);

    // Settled together: each closed and audited on its own.
    let (st, rows) = batch(
        &op,
        json!({"ids": votes3, "decision": "entry_correct", "note": "OCR misread the sheet"}),
    );
    assert_eq!(st, 200, "{rows}");
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        assert_eq!(
            (
                r["status"].as_str(),
                r["decision"].as_str(),
                r["decided_by"].as_str(),
                r["note"].as_str()
            ),
            (
                Some("closed"),
                Some("entry_correct"),
                Some("op71"),
                Some("OCR misread the sheet")
            ),
            "{r}"
        );
    }
    assert_eq!(ids("&round=3&field=votes"), Vec::<i64>::new());
    let log = s.get("/api/v1/acs/71/audit", &ro);
    for id in &votes3 {
        let entries = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["action"] == "finding.decide"
                    && e["subject"]
                        .as_str()
                        .is_some_and(|t| t.starts_with(&format!("finding {id} ")))
            })
            .count();
        assert_eq!(entries, 1, "finding {id}: {log}");
    }
}

#[test]
fn rule_54a_duplicates_and_missing_pairs() {
    let tmp = TempDir::new("docs-ballots");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let ac = s.get("/api/v1/acs/71", &ro);
    let reg = s.get("/api/v1/acs/71/etpbs-register", &ro);
    let (unsigned, dup, lonely, crossed) = (&reg[10], &reg[11], &reg[12], &reg[13]);
    let mut wrong_serial = form_13b(&ac, crossed);
    let serial: u64 = crossed["postal_ballot_serial_no"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    wrong_serial["postal_ballot_serial_no"] = json!((serial + 1000).to_string());
    let foreign = json!({"ballot_id": "PB071-999999", "postal_ballot_serial_no": 99999, "part_no": 1, "elector_serial_no": 1});
    let first = s.upload_read(
        71,
        &ro,
        "a.pdf",
        &scan_batch(
            &[
                ("form-13a", form_13a(&ac, unsigned, false, true)),
                ("form-13b", form_13b(&ac, unsigned)),
                ("form-13a", form_13a(&ac, dup, true, true)),
                ("form-13b", form_13b(&ac, dup)),
                ("form-13a", form_13a(&ac, lonely, true, true)),
                ("form-13a", form_13a(&ac, crossed, true, true)),
                ("form-13b", wrong_serial),
                ("form-13b", form_13b(&ac, &foreign)),
            ],
            None,
        ),
    );
    assert_eq!(first["status"], "done");
    // The same ballot's 13A again, in another upload (another scan of it).
    let second = s.upload_read(
        71,
        &ro,
        "b.pdf",
        &scan_batch(&[("form-13a", form_13a(&ac, dup, true, true))], Some(6)),
    );
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    let b = ballot(&ballots, &unsigned["ballot_id"]);
    assert_eq!(
        (b["outcome"].as_str(), &b["reasons"]),
        (Some("rejected"), &json!(["unsigned"])),
        "{b}"
    );
    let b = ballot(&ballots, &crossed["ballot_id"]);
    assert_eq!(
        (b["outcome"].as_str(), &b["reasons"]),
        (Some("rejected"), &json!(["serial_mismatch"])),
        "{b}"
    );
    assert_eq!(
        ballot(&ballots, &lonely["ballot_id"])["outcome"],
        "needs_review"
    );
    assert_eq!(
        ballot(&ballots, &dup["ballot_id"])["outcome"],
        "needs_review"
    );
    assert_eq!(
        ballot(&ballots, &foreign["ballot_id"])["outcome"],
        "needs_review"
    );

    let kinds = |doc: &Value| -> Vec<(String, String)> {
        open_findings(doc)
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["ballot_id"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let first = s.get(&format!("/api/v1/documents/{}", first["id"]), &ro);
    let k = kinds(&first);
    let id = |b: &Value| b["ballot_id"].as_str().unwrap().to_string();
    assert!(k.contains(&("unsigned".into(), id(unsigned))), "{k:?}");
    assert!(
        k.contains(&("serial_mismatch".into(), id(crossed))),
        "{k:?}"
    );
    assert!(k.contains(&("missing_pair".into(), id(lonely))), "{k:?}");
    assert!(
        k.contains(&("not_in_register".into(), id(&foreign))),
        "{k:?}"
    );
    let dupes = kinds(&s.get(&format!("/api/v1/documents/{}", second["id"]), &ro));
    assert_eq!(dupes, vec![("duplicate".to_string(), id(dup))]);

    // Decisions that fit the finding. A duplicate is the RO's to decide,
    // with a note: the operator is refused, a decision of a figure does not
    // fit, a note is asked for. The RO finds it a rescan of the same paper:
    // the ballot is accepted.
    let op = s.login("op71", "demo-op71");
    let dup_finding =
        open_findings(&s.get(&format!("/api/v1/documents/{}", second["id"]), &ro))[0]["id"].clone();
    let decide = |who: &str, finding: &Value, body: Value| {
        s.call(
            "POST",
            &format!("/api/v1/review/{finding}"),
            Some(who),
            Some(body),
        )
    };
    assert_error(
        decide(
            &op,
            &dup_finding,
            json!({"decision": "accept", "note": "same paper"}),
        ),
        403,
        "forbidden",
    );
    assert_error(
        decide(&ro, &dup_finding, json!({"decision": "entry_correct"})),
        409,
        "decision-does-not-fit",
    );
    assert_error(
        decide(
            &ro,
            &dup_finding,
            json!({"decision": "accept", "note": "  "}),
        ),
        400,
        "bad-input",
    );
    let (st, f) = decide(
        &ro,
        &dup_finding,
        json!({"decision": "accept", "note": "the same cover, scanned twice"}),
    );
    assert_eq!((st, f["decision"].as_str()), (200, Some("accept")), "{f}");

    // Not signed: the operator's "entry correct" does not fit, and the
    // operator's "signed" is only a recommendation: the ballot stays
    // rejected until the RO decides.
    let all = s.get("/api/v1/acs/71/findings", &ro);
    let of = |kind: &str, ballot: &Value| -> Value {
        all.as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["kind"] == kind && f["ballot_id"] == ballot["ballot_id"] && f["status"] == "open"
            })
            .unwrap_or_else(|| panic!("an open {kind} finding of {ballot}: {all}"))["id"]
            .clone()
    };
    let ink = of("unsigned", unsigned);
    assert_error(
        decide(&op, &ink, json!({"decision": "entry_correct"})),
        409,
        "decision-does-not-fit",
    );
    let (st, f) = decide(
        &op,
        &ink,
        json!({"decision": "signed", "note": "faint signature at the edge"}),
    );
    assert_eq!(st, 200, "{f}");
    assert_eq!(f["status"], "open");
    assert_eq!(
        (
            f["recommendation"]["decision"].as_str(),
            f["recommendation"]["by"].as_str()
        ),
        (Some("signed"), Some("op71"))
    );
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    assert_eq!(
        ballot(&ballots, &unsigned["ballot_id"])["outcome"],
        "rejected"
    );
    let log = s.get("/api/v1/acs/71/audit", &ro);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "finding.recommend" && e["username"] == "op71"),
        "{log}"
    );
    let (st, f) = decide(&ro, &ink, json!({"decision": "signed"}));
    assert_eq!((st, f["status"].as_str()), (200, Some("closed")), "{f}");
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    assert_eq!(
        ballot(&ballots, &unsigned["ballot_id"])["outcome"],
        "accepted"
    );

    // Serial numbers that differ: the RO's rejection, with a note, stands.
    let serial = of("serial_mismatch", crossed);
    assert_error(
        decide(&op, &serial, json!({"decision": "accept", "note": "x"})),
        403,
        "forbidden",
    );
    let (st, _) = decide(
        &ro,
        &serial,
        json!({"decision": "reject", "note": "Cover A differs from the declaration"}),
    );
    assert_eq!(st, 200);
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    let b = ballot(&ballots, &crossed["ballot_id"]);
    assert_eq!(
        (b["outcome"].as_str(), &b["reasons"]),
        (Some("rejected"), &json!(["serial_mismatch"]))
    );
    // A missing 13B settles when it arrives: only the RO's rejection fits.
    let lonely_finding = of("missing_pair", lonely);
    assert_error(
        decide(&op, &lonely_finding, json!({"decision": "rescan"})),
        409,
        "decision-does-not-fit",
    );

    s.upload_read(
        71,
        &ro,
        "c.pdf",
        &scan_batch(&[("form-13b", form_13b(&ac, lonely))], None),
    );
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    let all = s.get("/api/v1/acs/71/findings", &ro);
    assert_eq!(
        ballot(&ballots, &dup["ballot_id"])["outcome"],
        "accepted",
        "{all}"
    );
    assert_eq!(
        ballot(&ballots, &lonely["ballot_id"])["outcome"],
        "accepted",
        "{all}"
    );
    let first = s.get(&format!("/api/v1/documents/{}", first["id"]), &ro);
    assert!(!kinds(&first).contains(&("missing_pair".into(), id(lonely))));
}

#[test]
fn the_same_file_twice_is_one_document() {
    let tmp = TempDir::new("docs-same");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let pdf = scan_batch(&[("round-sheet", sheet(&s, &ro, 71, 1, true))], None);
    let (st1, a) = s.upload(71, &ro, "r1.pdf", &pdf);
    let (st2, b) = s.upload(71, &ro, "r1-again.pdf", &pdf);
    assert_eq!((st1, st2), (201, 200), "{a} {b}");
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["sha256"], b["sha256"]);
    assert_eq!(b["created"], false);
    assert_eq!(
        s.get("/api/v1/acs/71/documents", &ro)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The same bytes for another AC are refused, not filed twice.
    let admin = s.login("admin", "demo-admin");
    assert_error(
        s.upload(72, &admin, "r1.pdf", &pdf),
        409,
        "uploaded-elsewhere",
    );
    let doc = s.wait_done(a["id"].as_i64().unwrap(), &ro);
    assert_eq!(open_findings(&doc), Vec::<Value>::new());
}

#[test]
fn bad_uploads_are_refused_clearly_and_the_server_keeps_serving() {
    use scrutiny::render::pdf::{ScanEncoding, ScanPage, scans_to_pdf};
    let tmp = TempDir::new("docs-bad");
    let s = Server::start(
        &tmp.0.join("data"),
        &["--demo", "--no-demo-scans", "--max-upload-mb", "5"],
    );
    let ro = s.login("ro71", "demo-ro71");
    let good = scan_batch(&[("round-sheet", sheet(&s, &ro, 71, 1, true))], None);
    let page = |w: u32, h: u32| ScanPage {
        width_mm: 210.0,
        height_mm: 297.0,
        px_w: w,
        px_h: h,
        encoding: ScanEncoding::Gray(vec![255; 64]),
    };
    // A page image that declares 60,000 × 60,000 pixels in a few bytes.
    let huge_image = scans_to_pdf(&[page(60_000, 60_000)]).unwrap();
    // More pages than any scan batch has.
    let many_pages = scans_to_pdf(&(0..10_001).map(|_| page(1, 1)).collect::<Vec<_>>()).unwrap();
    // A real 10,000 × 10,000 PNG: 100 MB of pixels in ~100 kB.
    let mut png = std::io::Cursor::new(Vec::new());
    image::GrayImage::from_pixel(10_000, 10_000, image::Luma([255]))
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let png = png.into_inner();
    assert!(png.len() < 5_000_000);
    let mut too_big = b"%PDF-1.7\n".to_vec();
    too_big.resize(6_000_000, b'0');
    // The good scan locked with a user password by qpdf.
    let locked = {
        std::fs::write(tmp.0.join("good.pdf"), &good).unwrap();
        let out = std::process::Command::new("qpdf")
            .args([
                "--encrypt",
                "secret",
                "owner",
                "256",
                "--",
                "good.pdf",
                "locked.pdf",
            ])
            .current_dir(&tmp.0)
            .output()
            .expect("qpdf (scripts/test.sh installs it)");
        assert!(out.status.success(), "{out:?}");
        std::fs::read(tmp.0.join("locked.pdf")).unwrap()
    };

    for (name, bytes, status, code) in [
        ("empty.pdf", vec![], 400, "bad-input"),
        (
            "notes.txt",
            b"counting notes, not a scan".to_vec(),
            415,
            "unsupported-type",
        ),
        (
            "disguised.pdf",
            b"GIF89a this is a gif".repeat(100),
            415,
            "unsupported-type",
        ),
        (
            "truncated.pdf",
            good[..good.len() / 2].to_vec(),
            422,
            "malformed-pdf",
        ),
        ("locked.pdf", locked, 422, "encrypted-pdf"),
        ("bomb.pdf", huge_image, 413, "too-large"),
        ("pages.pdf", many_pages, 413, "too-large"),
        ("huge.png", png, 413, "too-large"),
        ("big.pdf", too_big, 413, "too-large"),
    ] {
        let got = s.upload(71, &ro, name, &bytes);
        assert_eq!(
            (got.0, got.1["error"].as_str()),
            (status, Some(code)),
            "{name}: {}",
            got.1
        );
        let message = got.1["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty());
        // A file of another type is named in words, not by its bytes.
        match name {
            "notes.txt" => assert!(message.contains("a text file"), "{message}"),
            "disguised.pdf" => assert!(message.contains("a GIF image"), "{message}"),
            _ => {}
        }
    }
    // Not a multipart form; a form without the field `file`.
    assert_error(
        s.send(
            "POST",
            "/api/v1/acs/71/documents",
            Some(&ro),
            "application/json",
            b"{}",
        ),
        415,
        "unsupported-media-type",
    );
    let body = b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b--\r\n";
    assert_error(
        s.send(
            "POST",
            "/api/v1/acs/71/documents",
            Some(&ro),
            "multipart/form-data; boundary=b",
            body,
        ),
        400,
        "bad-input",
    );
    // Who may upload where.
    assert_error(
        s.upload(71, &s.login("observer", "demo-observer"), "x.pdf", &good),
        403,
        "forbidden",
    );
    assert_error(
        s.upload(71, &s.login("ro72", "demo-ro72"), "x.pdf", &good),
        403,
        "forbidden",
    );
    assert_error(
        s.upload(999, &s.login("admin", "demo-admin"), "x.pdf", &good),
        404,
        "not-found",
    );

    // Each refused file is kept in the AC's list, newest first, with its
    // reason; the requests that sent no file, or were not the sender's to
    // make, are not.
    let refused = s.get("/api/v1/acs/71/refusals", &ro);
    let listed: Vec<(&str, &str)> = refused
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["filename"].as_str().unwrap(),
                r["error"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            ("big.pdf", "too-large"),
            ("huge.png", "too-large"),
            ("pages.pdf", "too-large"),
            ("bomb.pdf", "too-large"),
            ("locked.pdf", "encrypted-pdf"),
            ("truncated.pdf", "malformed-pdf"),
            ("disguised.pdf", "unsupported-type"),
            ("notes.txt", "unsupported-type"),
            ("empty.pdf", "bad-input"),
        ],
        "{refused}"
    );
    assert_eq!(refused[0]["uploaded_by"], "ro71");
    assert!(
        refused[7]["message"]
            .as_str()
            .unwrap()
            .contains("a text file")
    );
    assert_error(
        s.call(
            "GET",
            "/api/v1/acs/71/refusals",
            Some(&s.login("ro72", "demo-ro72")),
            None,
        ),
        403,
        "forbidden",
    );
    // The upload page lists them after a reload, the reason in words.
    let page = ureq::get(&format!("{}/upload?ac=71", s.base))
        .set("Cookie", &format!("scrutiny_session={ro}"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        page.contains("id=\"refusals\"") && page.contains("A PDF locked by a password"),
        "{page}"
    );

    // Nothing was stored, nothing was left behind, and the server still serves.
    assert_eq!(s.get("/api/v1/acs/71/documents", &ro), json!([]));
    let blobs = crate::helpers::stored_blobs(&s.data);
    assert!(blobs.is_empty(), "{blobs:?}");
    assert!(walk(&s.data.join("tmp")).is_empty());
    assert_eq!(s.upload(71, &ro, "good.pdf", &good).0, 201);
    assert_eq!(s.get("/api/v1/me", &ro)["username"], "ro71");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn killed_mid_batch_restarts_and_loses_nothing() {
    let tmp = TempDir::new("docs-kill");
    let data = tmp.0.join("data");
    let s = Server::start(&data, &["--demo", "--no-demo-scans", "--workers", "1"]);
    let ro = s.login("ro71", "demo-ro71");
    let ac = s.get("/api/v1/acs/71", &ro);
    let reg = s.get("/api/v1/acs/71/etpbs-register", &ro);
    let forms: Vec<(&str, Value)> = (20..40)
        .flat_map(|i| {
            [
                ("form-13a", form_13a(&ac, &reg[i], true, true)),
                ("form-13b", form_13b(&ac, &reg[i])),
            ]
        })
        .collect();
    let (st, up) = s.upload(71, &ro, "batch.pdf", &scan_batch(&forms, None));
    assert_eq!(st, 201, "{up}");
    let id = up["id"].as_i64().unwrap();
    // Kill -9 once a few pages are stored and most are not.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let read_before = loop {
        let d = s.get(&format!("/api/v1/documents/{id}"), &ro);
        let read = d["pages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["status"] == "done")
            .count();
        if read >= 2 {
            break read;
        }
        assert!(std::time::Instant::now() < deadline, "no page read in time");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(
        read_before < 40,
        "the batch finished before the kill; make it longer"
    );
    s.kill();
    // Restarted, the pool takes the document up again and finishes it.
    let s = Server::start(&data, &["--demo", "--no-demo-scans", "--workers", "2"]);
    let ro = s.login("ro71", "demo-ro71");
    let doc = s.wait_done(id, &ro);
    assert_eq!(doc["status"], "done");
    let pages = doc["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 40);
    assert!(
        pages
            .iter()
            .all(|p| p["status"] == "done" && p["form"].is_string()),
        "{doc}"
    );
    assert_eq!(
        s.get("/api/v1/acs/71/documents", &ro)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    let accepted = ballots
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["outcome"] == "accepted")
        .count();
    assert_eq!(accepted, 20, "{ballots}");
    // No finding twice for the same thing.
    let findings = s.get("/api/v1/acs/71/findings", &ro);
    let mut keys: Vec<String> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}{}{}{}", f["page"], f["kind"], f["field"], f["ballot_id"]))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "{findings}");
}

#[test]
fn signed_certificate_verifies_and_postal_covers_reconcile() {
    let tmp = TempDir::new("docs-cert");
    // Form 22 as printed, then signed and scanned.
    let (s, ro, op, mut values) = crate::day::counted_to_the_end(&tmp, [2, 1, 0, 0]);
    values.insert("ro_signed".into(), json!(true));
    let signed = s.upload_read(
        5,
        &ro,
        "form22-signed.pdf",
        &scan_batch(&[("certificate", Value::Object(values.clone()))], None),
    );
    assert_eq!(open_findings(&signed), Vec::<Value>::new(), "{signed}");
    values.insert("ro_signed".into(), json!(false));
    let unsigned = s.upload_read(
        5,
        &ro,
        "form22-unsigned.pdf",
        &scan_batch(&[("certificate", Value::Object(values))], None),
    );
    let kinds: Vec<String> = open_findings(&unsigned)
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["unsigned"]);

    // Three covers accepted from the scans, but a correction of the tally
    // says 2 votes + 0 rejected papers: a finding, and the RO's validation
    // of the postal entry reopens.
    s.ok(
        "PUT",
        "/api/v1/acs/5/postal",
        &op,
        json!({"votes": [1, 1, 0, 0], "rejected_papers": 0, "rejected_covers": 0}),
    );
    let status = s.get("/api/v1/acs/5/postal/validation", &ro);
    assert_eq!(status["validated"], false, "{status}");
    let recon = |s: &Server| -> Vec<Value> {
        s.get("/api/v1/acs/5/findings", &ro)
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "reconciliation")
            .cloned()
            .collect()
    };
    let r = recon(&s);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(
        (
            r[0]["status"].as_str(),
            r[0]["scan_value"].as_u64(),
            r[0]["entered_value"].as_u64()
        ),
        (Some("open"), Some(3), Some(2))
    );
    assert_eq!(r[0]["field"], "accepted_covers");
    // The postal entry corrected: the finding no longer holds and is closed as such.
    s.ok(
        "PUT",
        "/api/v1/acs/5/postal",
        &op,
        json!({"votes": [2, 1, 0, 0], "rejected_papers": 0, "rejected_covers": 0}),
    );
    let r = recon(&s);
    assert_eq!(
        (r.len(), r[0]["status"].as_str()),
        (1, Some("resolved")),
        "{r:?}"
    );
    assert!(r[0]["resolved_at"].is_string());
}

#[test]
fn demo_scans_are_read_and_fill_the_review_queue() {
    let tmp = TempDir::new("docs-demo");
    let s = Server::start(&tmp.0.join("data"), &["--demo"]);
    let ro = s.login("ro71", "demo-ro71");
    let docs = s.get("/api/v1/acs/71/documents", &ro);
    assert_eq!(docs.as_array().unwrap().len(), 3, "{docs}");
    for d in docs.as_array().unwrap() {
        assert_eq!(
            s.wait_done(d["id"].as_i64().unwrap(), &ro)["status"],
            "done"
        );
    }
    let queue = s.get("/api/v1/review?ac=71", &ro);
    let q = queue.as_array().unwrap();
    assert!(
        q.iter()
            .any(|f| f["kind"] == "mismatch" && f["field"] == "votes[5][1]"),
        "{queue}"
    );
    assert!(q.iter().any(|f| f["kind"] == "missing_pair"), "{queue}");
    let reg = s.get("/api/v1/acs/71/etpbs-register", &ro);
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    let b = ballot(&ballots, &reg[2]["ballot_id"]);
    assert_eq!(
        (b["outcome"].as_str(), &b["reasons"]),
        (Some("rejected"), &json!(["unsigned"])),
        "{ballots}"
    );
    // Values the demo's postal scans read under 0.8 that equal the AC or
    // the register are verified without a decision, the evidence kept.
    let postal = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["filename"] == "postal-batch-1.pdf")
        .expect("the demo's postal batch");
    let postal = s.get(&format!("/api/v1/documents/{}", postal["id"]), &ro);
    let agreed = postal["agreements"].as_array().unwrap();
    assert!(!agreed.is_empty(), "{postal}");
    for a in agreed {
        let c = a["confidence"].as_f64().unwrap();
        assert!((0.6..0.8).contains(&c), "{a}");
        assert!(
            a["evidence"].as_str().unwrap().contains("agrees with"),
            "{a}"
        );
        assert!(
            !q.iter().any(|f| f["document"] == postal["id"]
                && f["page"] == a["page_no"]
                && f["field"] == a["field"]),
            "a value verified by agreement is no finding: {a}"
        );
    }
}

#[test]
fn a_stored_file_no_document_names_is_removed_when_the_hall_starts_again() {
    let tmp = TempDir::new("docs-orphan");
    let data = tmp.0.join("data");
    let s = Server::start(&data, &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let pdf = scan_batch(&[("round-sheet", sheet(&s, &ro, 71, 1, true))], None);
    let (st, doc) = s.upload(71, &ro, "r1.pdf", &pdf);
    assert_eq!(st, 201, "{doc}");
    let kept = blob_file(&data, doc["sha256"].as_str().unwrap());
    drop(s);
    // What a kill between storing an upload and recording it leaves.
    let orphan = blob_file(&data, &"ab".repeat(32));
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(&orphan, b"%PDF-1.4 never recorded").unwrap();
    let _s = Server::start(&data, &[]);
    assert!(kept.exists(), "the uploaded file stays");
    // A central deployment's bucket is shared by many processes: only the
    // hall, which owns its folder, removes what no document names.
    assert_eq!(orphan.exists(), crate::helpers::central());

    // `scrutiny blobs sweep`, beside a running server, on a folder or a
    // bucket: removes what no document names once it is older than an
    // upload takes to be recorded, and nothing else.
    let (young, old) = (
        blob_file(&data, &"cd".repeat(32)),
        blob_file(&data, &"ef".repeat(32)),
    );
    for p in [&young, &old] {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"%PDF-1.4 never recorded").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for p in [&old, &orphan] {
        if p.exists() {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(two_hours_ago)
                .unwrap();
        }
    }
    let out = crate::helpers::cli(&["blobs", "sweep", "--data", data.to_str().unwrap()], "");
    let expected = if crate::helpers::central() { 2 } else { 1 };
    assert!(out.contains(&format!("removed {expected} ")), "{out}");
    assert!(
        !old.exists() && !orphan.exists(),
        "the old unnamed files are gone"
    );
    assert!(
        young.exists() && kept.exists(),
        "a young file and a named one stay"
    );
}

#[test]
fn one_acs_big_batch_does_not_hold_up_another_acs_single_page() {
    let tmp = TempDir::new("docs-turns");
    let s = Server::start(
        &tmp.0.join("data"),
        &["--demo", "--no-demo-scans", "--workers", "1"],
    );
    let (ro71, ro72) = (s.login("ro71", "demo-ro71"), s.login("ro72", "demo-ro72"));
    let covers = |ac: u32, tok: &str, n: usize| -> Vec<(&'static str, Value)> {
        let a = s.get(&format!("/api/v1/acs/{ac}"), tok);
        let register = s.get(&format!("/api/v1/acs/{ac}/etpbs-register"), tok);
        register.as_array().unwrap()[..n]
            .iter()
            .map(|b| ("form-13b", form_13b(&a, b)))
            .collect()
    };
    let big = scan_batch(&covers(71, &ro71, 24), None);
    let one = scan_batch(&covers(72, &ro72, 1), None);
    let (st, a) = s.upload(71, &ro71, "big.pdf", &big);
    assert_eq!(st, 201, "{a}");
    let (st, b) = s.upload(72, &ro72, "one.pdf", &one);
    assert_eq!(st, 201, "{b}");
    // One worker: AC 72's page takes the turn after the page being read,
    // not the one after AC 71's 24.
    s.wait_done(b["id"].as_i64().unwrap(), &ro72);
    let a_now = s.get(&format!("/api/v1/documents/{}", a["id"]), &ro71);
    assert_ne!(
        a_now["status"], "done",
        "AC 72's page waited for all of AC 71's: {a_now}"
    );
    assert_eq!(
        s.wait_done(a["id"].as_i64().unwrap(), &ro71)["status"],
        "done"
    );
}

#[test]
fn a_shuffled_batch_of_outer_covers_declarations_and_inner_covers_pairs_up() {
    let tmp = TempDir::new("docs-etpbs");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let ac = s.get("/api/v1/acs/71", &ro);
    let reg = s.get("/api/v1/acs/71/etpbs-register", &ro);
    let reg: Vec<&Value> = reg.as_array().unwrap()[20..26].iter().collect();
    // Six ballots' covers in a shuffled order; the last ballot's 13A is
    // missing from its opened cover.
    let mut pages: Vec<(&str, Value)> = vec![];
    for (i, b) in reg.iter().enumerate() {
        pages.push(("form-13c", form_13c(&ac, b)));
        if i != 5 {
            pages.push(("form-13a", form_13a(&ac, b, true, true)));
        }
        pages.push(("form-13b", form_13b(&ac, b)));
    }
    fastrand::Rng::with_seed(5).shuffle(&mut pages);
    let covers_in_order: Vec<Value> = pages
        .iter()
        .filter(|(f, _)| *f == "form-13c")
        .map(|(_, v)| v["ballot_id"].clone())
        .collect();
    let doc = s.upload_read(71, &ro, "etpbs.pdf", &scan_batch(&pages, None));
    assert_eq!(doc["status"], "done", "{doc}");
    let forms: Vec<&str> = doc["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["form"].as_str().unwrap())
        .collect();
    assert_eq!(forms, pages.iter().map(|(f, _)| *f).collect::<Vec<_>>());
    let ballots = s.get("/api/v1/acs/71/ballots", &ro);
    for (i, b) in reg.iter().enumerate() {
        let got = ballot(&ballots, &b["ballot_id"]);
        let serial = covers_in_order
            .iter()
            .position(|id| *id == b["ballot_id"])
            .unwrap()
            + 1;
        assert_eq!(got["count_serial"], serial, "{got}");
        if i == 5 {
            assert_eq!(
                (got["outcome"].as_str(), got["reasons"].clone()),
                (Some("rejected"), json!(["missing_pair"])),
                "{got}"
            );
        } else {
            assert_eq!(got["outcome"], "accepted", "{got}: {}", doc["findings"]);
        }
    }
    let lacking = open_findings(&doc);
    assert_eq!(lacking.len(), 1, "{lacking:?}");
    assert_eq!(
        (lacking[0]["kind"].as_str(), lacking[0]["field"].as_str()),
        (Some("missing_pair"), Some("form-13a"))
    );
    assert!(
        lacking[0]["message"].as_str().unwrap().contains("invalid"),
        "{}",
        lacking[0]
    );
    // Completion no longer owes these ballots' covers.
    let missing = s.get("/api/v1/progress/71", &ro)["missing"].clone();
    for b in &reg {
        assert!(
            !missing
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["ballot_id"] == b["ballot_id"] && m["state"] == "not_uploaded"),
            "{}: {missing}",
            b["ballot_id"]
        );
    }
}

#[test]
fn identifiers_with_letters_slashes_and_dashes_go_through_register_checks_and_api() {
    let tmp = TempDir::new("docs-idents");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro72", "demo-ro72");
    let ac = s.get("/api/v1/acs/72", &ro);
    // Written as an office types them: lower case, spaces, a leading zero.
    let csv = "ballot_id,postal_ballot_serial_no,part_no,elector_serial_no\n\
               kl/072/0001-a, a/0042 ,3,14\nKL/072/0002-B,42,3,15\n";
    let (st, body) = s.send(
        "PUT",
        "/api/v1/acs/72/etpbs-register",
        Some(&ro),
        "text/csv",
        csv.as_bytes(),
    );
    assert_eq!((st, body["ballots"].clone()), (200, json!(2)), "{body}");
    let reg = s.get("/api/v1/acs/72/etpbs-register", &ro);
    let ids: Vec<(&str, &str)> = reg
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["ballot_id"].as_str().unwrap(),
                b["postal_ballot_serial_no"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids, [("KL/072/0002-B", "42"), ("KL/072/0001-A", "A/0042")]);
    // The same id twice once folded is refused, and the register stays.
    let twice = "kl/072/0001-a,1,3,14\nKL/072/0001-A,2,3,15\n";
    assert_error(
        s.send(
            "PUT",
            "/api/v1/acs/72/etpbs-register",
            Some(&ro),
            "text/csv",
            twice.as_bytes(),
        ),
        400,
        "bad-input",
    );
    assert_eq!(
        s.get("/api/v1/acs/72/etpbs-register", &ro)
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The covers of the first: accepted, its serial read as the identifier
    // it is; the second's 13B with 0042 for 42 is another serial number.
    let (first, second) = (&reg[1], &reg[0]);
    let mut wrong = form_13b(&ac, second);
    wrong["postal_ballot_serial_no"] = json!("0042");
    let doc = s.upload_read(
        72,
        &ro,
        "idents.pdf",
        &scan_batch(
            &[
                ("form-13c", form_13c(&ac, first)),
                ("form-13a", form_13a(&ac, first, true, true)),
                ("form-13b", form_13b(&ac, first)),
                ("form-13a", form_13a(&ac, second, true, true)),
                ("form-13b", wrong),
            ],
            None,
        ),
    );
    let ballots = s.get("/api/v1/acs/72/ballots", &ro);
    let one = ballot(&ballots, &json!("KL/072/0001-A"));
    assert_eq!(
        (one["outcome"].as_str(), one["count_serial"].as_u64()),
        (Some("accepted"), Some(1)),
        "{one}: {}",
        doc["findings"]
    );
    let two = ballot(&ballots, &json!("KL/072/0002-B"));
    assert_eq!(
        two["reasons"],
        json!(["serial_mismatch"]),
        "{two}: {}",
        doc["findings"]
    );
}
