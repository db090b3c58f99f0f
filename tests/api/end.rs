//! The end of the count over HTTP: the VVPAT verification, the
//! re-verification of rejected postal ballots when the result is close,
//! the declaration's conditions and Form 20.

use serde_json::{Value, json};

use crate::completion::{form_13a, form_13b};
use crate::day::{counted_to_the_end, publish, small_election_served, votes};
use crate::helpers::{Server, TempDir, assert_error, scan_batch};

fn post(s: &Server, tok: &str, path: &str) -> (u16, Value) {
    s.call("POST", path, Some(tok), None)
}

/// The conditions of the declaration that do not hold, by name.
fn unmet(s: &Server, tok: &str) -> Vec<String> {
    s.get("/api/v1/acs/5/declaration", tok)["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["holds"] == false)
        .map(|c| c["condition"].as_str().unwrap().to_string())
        .collect()
}

fn numbers(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|n| n.as_u64().expect("a count"))
        .collect()
}

#[test]
fn vvpat_slips_that_differ_from_the_evm_count_once_the_ro_settles_them() {
    let tmp = TempDir::new("vvpat");
    let (s, ro, op, _) = counted_to_the_end(&tmp, [2, 1, 0, 0]);
    let before = numbers(&s.get("/api/v1/acs/5/result", &op)["totals"]);
    let v = s.get("/api/v1/acs/5/vvpat", &op);
    assert_eq!(
        (v["required"].as_u64(), &v["stations"]),
        (Some(5), &json!([])),
        "{v}"
    );

    // The draw: by the RO, five distinct counted stations.
    let draw = |tok: &str, ps: Value| {
        s.call(
            "PUT",
            "/api/v1/acs/5/vvpat",
            Some(tok),
            Some(json!({"ps_nos": ps})),
        )
    };
    assert_error(draw(&op, json!([1, 4, 7, 10, 12])), 403, "forbidden");
    assert_error(draw(&ro, json!([1, 4, 7, 10])), 400, "bad-input");
    assert_error(draw(&ro, json!([1, 4, 7, 10, 10])), 400, "bad-input");
    assert_error(draw(&ro, json!([1, 4, 7, 10, 13])), 400, "bad-input");
    let slips = |ps: u64, votes: Vec<u64>| {
        s.call(
            "PUT",
            &format!("/api/v1/acs/5/vvpat/{ps}"),
            Some(&op),
            Some(json!({"votes": votes})),
        )
    };
    assert_error(slips(1, votes(1, 1)), 409, "not-drawn");
    assert_eq!(s.get("/api/v1/acs/5/vvpat", &op)["stations"], json!([]));
    let (st, b) = draw(&ro, json!([12, 1, 4, 7, 10]));
    assert_eq!(st, 200, "{b}");
    let drawn: Vec<u64> = b["stations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["ps_no"].as_u64().unwrap())
        .collect();
    assert_eq!(drawn, [1, 4, 7, 10, 12], "{b}");
    assert_eq!(unmet(&s, &op), ["vvpat-counted"]);

    // Four stations' slips agree with their EVM; station 4 (round 2,
    // table 1) shows three slips moved from the first to the second
    // candidate.
    for ps in [1u64, 7, 10, 12] {
        let (st, b) = slips(ps, votes((ps - 1) / 3 + 1, (ps - 1) % 3 + 1));
        assert_eq!(st, 200, "{b}");
    }
    assert_error(slips(4, vec![1, 2, 3]), 400, "bad-input");
    let evm = votes(2, 1);
    let counted = vec![evm[0] - 3, evm[1] + 3, evm[2], evm[3]];
    let (st, b) = slips(4, counted.clone());
    assert_eq!(st, 200, "{b}");
    let line = b["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["ps_no"] == 4)
        .unwrap()
        .clone();
    assert_eq!(
        (
            &line["differs"],
            &line["evm"],
            &line["slips"],
            &line["round"]
        ),
        (&json!(true), &json!(evm), &json!(counted), &json!(2)),
        "{line}"
    );
    // Once slips are counted the draw is final.
    assert_error(draw(&ro, json!([2, 4, 7, 10, 12])), 409, "slips-counted");

    // The result counts the slips of station 4.
    let res = s.get("/api/v1/acs/5/result", &op);
    let mut want = before.clone();
    want[0] -= 3;
    want[1] += 3;
    assert_eq!(numbers(&res["totals"]), want, "{res}");
    assert_eq!(res["vvpat_used"], json!([4]), "{res}");
    // Two findings, one per candidate whose figure differs, for the RO.
    let findings = s.get("/api/v1/acs/5/findings", &ro);
    let mut vv: Vec<Value> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "vvpat_mismatch")
        .cloned()
        .collect();
    vv.sort_by_key(|f| f["field"].as_str().unwrap().to_string());
    let fields: Vec<&str> = vv.iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["vvpat[4][0]", "vvpat[4][1]"], "{findings}");
    assert_eq!(
        (
            vv[0]["scan_value"].as_u64(),
            vv[0]["entered_value"].as_u64()
        ),
        (Some(evm[0] - 3), Some(evm[0])),
        "{}",
        vv[0]
    );
    assert_eq!(unmet(&s, &op), ["vvpat-settled"]);
    assert_error(post(&s, &ro, "/api/v1/acs/5/declare"), 409, "not-ready");
    // Form 20 before the declaration: for those who may read the AC only.
    assert_error(
        s.call("GET", "/api/v1/acs/5/form20.csv", None, None),
        401,
        "unauthorized",
    );

    for f in &vv {
        let (st, b) = s.call(
            "POST",
            &format!("/api/v1/review/{}", f["id"]),
            Some(&ro),
            Some(json!({"decision": "accept", "note": "slips recounted in front of the agents"})),
        );
        assert_eq!(st, 200, "{b}");
    }
    assert_eq!(unmet(&s, &op), Vec::<String>::new());
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/declare");
    assert_eq!(st, 200, "{b}");
    assert_eq!(numbers(&b["totals"]), want, "{b}");
    assert_error(slips(4, evm.clone()), 409, "result-declared");
    let log = s.get("/api/v1/acs/5/audit?limit=1000", &ro);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"vvpat.draw") && actions.contains(&"vvpat.slips"),
        "{actions:?}"
    );

    // Form 20, public once declared: one row per station with the figures
    // entered (the slips for station 4), then EVM, postal and total rows.
    let (st, ct, csv) = s.bytes("/api/v1/acs/5/form20.csv", "");
    assert_eq!((st, ct.as_str()), (200, "text/csv"));
    let csv = String::from_utf8(csv).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "ps_no",
            "Ravi Kumar",
            "Meena Devi",
            "Gopal Das",
            "NOTA",
            "total_valid",
            "rejected",
            "tendered",
            "total",
            "polling_station"
        ],
        "{csv}"
    );
    // Every candidate's votes, NOTA last, as the entries and result list them.
    let figures =
        |row: &[&str]| -> Vec<u64> { row[1..5].iter().map(|v| v.parse().unwrap()).collect() };
    assert_eq!(rows.len(), 1 + 12 + 3, "{csv}");
    for ps in 1..=12u64 {
        let row = &rows[ps as usize];
        assert_eq!(row[0], ps.to_string(), "{csv}");
        let entered = if ps == 4 {
            counted.clone()
        } else {
            votes((ps - 1) / 3 + 1, (ps - 1) % 3 + 1)
        };
        assert_eq!(figures(row), entered, "PS {ps}: {csv}");
        let valid: u64 = entered[..3].iter().sum();
        let total = (valid + entered[3]).to_string();
        // Rejected and tendered votes of a station are not recorded: empty.
        assert_eq!(
            (row[5], row[6], row[7], row[8]),
            (valid.to_string().as_str(), "", "", total.as_str()),
            "PS {ps}: {csv}"
        );
    }
    assert_eq!(figures(&rows[14]), [2, 1, 0, 0], "{csv}");
    assert_eq!(figures(&rows[15]), want, "{csv}");
    let json = s.call("GET", "/api/v1/acs/5/form20", None, None).1;
    assert_eq!(
        json["stations"].as_array().map(Vec::len),
        Some(12),
        "{json}"
    );
    assert_eq!(json["vvpat_used"], json!([4]), "{json}");
    assert_eq!(json["total"]["votes"], json!(want), "{json}");
}

/// Every round entered with the EVMs tying the first two candidates
/// (50 each, a total of 106 a table) and published; five stations drawn
/// and their slips counted equal to the EVMs.
fn tied_and_verified(s: &Server, ro: &str, op: &str) {
    let tied = [50u64, 50, 5, 1];
    for round in 1..=4u64 {
        for t in 1..=3u64 {
            s.ok(
                "PUT",
                &format!("/api/v1/acs/5/rounds/{round}/tables/{t}"),
                op,
                json!({"ps_no": (round - 1) * 3 + t, "votes": tied, "total": 106}),
            );
        }
        publish(s, ro, round);
    }
    s.ok(
        "PUT",
        "/api/v1/acs/5/vvpat",
        ro,
        json!({"ps_nos": [2, 3, 5, 8, 11]}),
    );
    for ps in [2, 3, 5, 8, 11] {
        s.ok(
            "PUT",
            &format!("/api/v1/acs/5/vvpat/{ps}"),
            op,
            json!({"votes": tied}),
        );
    }
}

#[test]
fn a_close_result_waits_for_the_rejected_papers_to_be_verified_again() {
    let tmp = TempDir::new("close");
    let (s, ro, op) = small_election_served(&tmp);
    // Three covers accepted: one vote and two papers rejected at the count.
    let register = s.get("/api/v1/acs/5/etpbs-register", &ro);
    let forms: Vec<(&str, Value)> = register
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| [("form-13a", form_13a(b)), ("form-13b", form_13b(b))])
        .collect();
    s.upload_read(5, &op, "covers.pdf", &scan_batch(&forms, None));
    s.ok(
        "PUT",
        "/api/v1/acs/5/postal",
        &op,
        json!({"votes": [1, 0, 0, 0], "rejected_papers": 2, "rejected_covers": 0}),
    );
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/postal/approve").0, 200);
    // The EVMs tie the first two candidates: the postal vote decides, by 1.
    tied_and_verified(&s, &ro, &op);
    let res = s.get("/api/v1/acs/5/result", &op);
    assert_eq!(
        (
            res["margin"].as_u64(),
            res["margin_below_rejected"].as_bool()
        ),
        (Some(1), Some(true)),
        "{res}"
    );
    assert_eq!(unmet(&s, &op), ["reverified"]);
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/declare");
    assert_eq!((st, b["error"].as_str()), (409, Some("not-ready")), "{b}");
    assert!(
        b["unmet"][0]["message"]
            .as_str()
            .unwrap()
            .contains("margin of 1"),
        "{b}"
    );

    // Every rejected item listed: here the two papers, as one item.
    let r = s.get("/api/v1/acs/5/reverification", &op);
    assert_eq!(
        (r["required"].as_bool(), r["rejected_papers"].as_u64()),
        (Some(true), Some(2)),
        "{r}"
    );
    let ids: Vec<&str> = r["ballots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["ballot_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["rejected-papers"], "{r}");
    let verdict = |tok: &str, id: &str, body: Value| {
        s.call(
            "PUT",
            &format!("/api/v1/acs/5/reverification/{id}"),
            Some(tok),
            Some(body),
        )
    };
    let confirmed =
        json!({"verdict": "confirmed", "reason": "both papers marked for two candidates"});
    assert_error(
        verdict(&op, "rejected-papers", confirmed.clone()),
        403,
        "forbidden",
    );
    assert_error(
        verdict(
            &ro,
            "rejected-papers",
            json!({"verdict": "confirmed", "reason": "  "}),
        ),
        400,
        "bad-input",
    );
    assert_error(
        verdict(&ro, "PB005-000001", confirmed.clone()),
        404,
        "not-found",
    );
    let (st, b) = verdict(
        &ro,
        "rejected-papers",
        json!({"verdict": "maybe", "reason": "x"}),
    );
    assert!(st == 400 || st == 422, "{st} {b}");
    let (st, b) = verdict(&ro, "rejected-papers", confirmed);
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["ballots"][0]["verified"]["verdict"], "confirmed", "{b}");
    assert_eq!(b["ballots"][0]["verified"]["decided_by"], "ro5", "{b}");
    assert_eq!(unmet(&s, &op), Vec::<String>::new());
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/declare");
    assert_eq!((st, b["margin"].as_u64()), (200, Some(1)), "{b}");
}

/// What the AC still owes, by name.
fn owed(s: &Server, tok: &str) -> Vec<String> {
    s.get("/api/v1/progress/5", tok)["missing"]
        .as_array()
        .expect("missing")
        .iter()
        .map(|m| m["what"].as_str().unwrap().to_string())
        .collect()
}

/// The open findings of an uploaded document, as `field` names, sorted.
fn open_fields(doc: &Value) -> Vec<String> {
    let mut f: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "open")
        .map(|f| f["field"].as_str().unwrap_or("-").to_string())
        .collect();
    f.sort();
    f
}

/// A Form 20 line as it is printed: every candidate and NOTA, the valid
/// votes (NOTA excluded), the total.
fn printed_line(line: &Value) -> Vec<u64> {
    let mut v = numbers(&line["votes"]);
    v.push(line["valid"].as_u64().unwrap());
    v.push(line["total"].as_u64().unwrap());
    v
}

#[test]
fn forms_20_21c_and_21e_print_after_the_declaration_and_their_signed_scans_verify() {
    let tmp = TempDir::new("forms20");
    let (s, ro, op, _) = counted_to_the_end(&tmp, [2, 1, 0, 0]);
    crate::day::vvpat_verified(&s, &ro, &op);
    for form in ["form21c", "form21e"] {
        assert_error(
            s.call("GET", &format!("/api/v1/acs/5/{form}.pdf"), Some(&ro), None),
            409,
            "not-declared",
        );
    }
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/declare").0, 200);
    let owes = owed(&s, &ro);
    for what in [
        "signed final result sheet (Form 20)",
        "signed declaration of the result (Form 21C)",
        "signed return of election (Form 21E)",
    ] {
        assert!(owes.iter().any(|o| o == what), "{what}: {owes:?}");
    }

    // Form 20 as printed holds the entries, station by station.
    let f20 = s.get("/api/v1/acs/5/form20", &ro);
    let (st, ct, pdf) = s.bytes("/api/v1/acs/5/form20.pdf", &ro);
    assert_eq!((st, ct.as_str()), (200, "application/pdf"));
    let printed = crate::day::printed_values(&pdf, &tmp.0);
    let stations: Vec<Vec<u64>> = (1..=12u64)
        .map(|ps| {
            let mut v = votes((ps - 1) / 3 + 1, (ps - 1) % 3 + 1);
            let valid: u64 = v[..3].iter().sum();
            let total = valid + v[3];
            v.extend([valid, total]);
            v
        })
        .collect();
    assert_eq!(printed["votes"], json!(stations), "{printed:?}");
    assert_eq!(printed["ps_no"], json!((1..=12).collect::<Vec<u64>>()));
    assert_eq!(printed["postal"], json!([2, 1, 0, 0, 3, 3]));
    assert_eq!(printed["total"], json!(printed_line(&f20["total"])));

    // Signed and scanned, it is read back and verified figure by figure.
    let mut cols: Vec<Value> = f20["candidates"].as_array().unwrap().clone();
    cols.extend([
        json!("Total of valid votes (NOTA excluded)"),
        json!("Total"),
    ]);
    let values = |stations: &[Vec<u64>], signed: bool| {
        let rows: Vec<Value> = stations
            .iter()
            .enumerate()
            .map(|(i, v)| json!({"ps_no": i + 1, "votes": v}))
            .collect();
        json!({
            "ac_no": 5, "ac_name": "Testpur", "rejected": 0, "candidates": cols,
            "stations": rows, "evm": printed_line(&f20["evm"]),
            "postal": printed_line(&f20["postal"]), "total": printed_line(&f20["total"]),
            "ro_signed": signed,
        })
    };
    let doc = s.upload_read(
        5,
        &ro,
        "form20-signed.pdf",
        &scan_batch(&[("form-20", values(&stations, true))], None),
    );
    assert_eq!(
        (doc["status"].as_str(), open_fields(&doc)),
        (Some("done"), vec![]),
        "{doc}"
    );
    // A sheet whose station 4 says 5 more votes for the first candidate:
    // that cell and the column's page total, with both figures.
    let mut wrong = stations.clone();
    wrong[3][0] += 5;
    let bad = s.upload_read(
        5,
        &ro,
        "form20-wrong.pdf",
        &scan_batch(&[("form-20", values(&wrong, true))], None),
    );
    assert_eq!(open_fields(&bad), ["totals[0]", "votes[3][0]"], "{bad}");
    let cell = bad["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "votes[3][0]")
        .unwrap();
    assert_eq!(
        (cell["scan_value"].as_u64(), cell["entered_value"].as_u64()),
        (Some(stations[3][0] + 5), Some(stations[3][0])),
        "{cell}"
    );

    // Forms 21C and 21E, dated the day of the declaration in India.
    let declared = s.get("/api/v1/acs/5/result", &ro);
    let winner = declared["leader"]["name"].as_str().unwrap().to_string();
    for form in ["form21c", "form21e"] {
        let (st, _, pdf) = s.bytes(&format!("/api/v1/acs/5/{form}.pdf"), &ro);
        assert_eq!(st, 200, "{form}");
        let p = crate::day::printed_values(&pdf, &tmp.0);
        assert_eq!(p["winner"], json!(winner), "{form}: {p:?}");
        assert_eq!(p["date"].as_str().map(str::len), Some(10), "{form}: {p:?}");
        let mut v = p.clone();
        v.insert("ro_signed".into(), json!(true));
        if form == "form21e" {
            // Every candidate's EVM, postal and total votes, as the result has them.
            let totals = numbers(&declared["totals"]);
            let rows: Vec<Vec<u64>> = (0..4)
                .map(|i| {
                    let evm = numbers(&f20["evm"]["votes"])[i];
                    let postal = numbers(&f20["postal"]["votes"])[i];
                    vec![evm, postal, evm + postal]
                })
                .collect();
            assert_eq!(p["votes"], json!(rows), "{p:?}");
            assert_eq!(
                rows.iter().map(|r| r[2]).collect::<Vec<_>>(),
                totals,
                "{p:?}"
            );
            let names = ["Ravi Kumar", "Meena Devi", "Gopal Das", "NOTA"];
            v.insert("columns".into(), json!(["EVM", "Postal", "Total"]));
            v.insert(
                "candidates_votes".into(),
                rows.iter()
                    .zip(names)
                    .enumerate()
                    .map(|(i, (r, n))| json!({"serial": i + 1, "name": n, "votes": r}))
                    .collect(),
            );
        }
        let model = if form == "form21c" {
            "form-21c"
        } else {
            "form-21e"
        };
        let doc = s.upload_read(
            5,
            &ro,
            &format!("{form}-signed.pdf"),
            &scan_batch(&[(model, Value::Object(v))], None),
        );
        assert_eq!(open_fields(&doc), Vec::<String>::new(), "{form}: {doc}");
    }
    let owes = owed(&s, &ro);
    assert!(
        !owes
            .iter()
            .any(|o| o.contains("Form 20") || o.contains("Form 21")),
        "{owes:?}"
    );
}

#[test]
fn a_rejection_reversed_on_verifying_again_counts_and_the_postal_entry_is_validated_anew() {
    let tmp = TempDir::new("reverse");
    let (s, ro, op) = small_election_served(&tmp);
    // Of three covers two are rejected (the elector did not sign the 13A).
    let register = s.get("/api/v1/acs/5/etpbs-register", &ro);
    let ballots = register.as_array().unwrap();
    let forms: Vec<(&str, Value)> = ballots
        .iter()
        .enumerate()
        .flat_map(|(i, b)| {
            let mut a = form_13a(b);
            a["elector_signed"] = json!(i == 0);
            [("form-13a", a), ("form-13b", form_13b(b))]
        })
        .collect();
    s.upload_read(5, &op, "covers.pdf", &scan_batch(&forms, None));
    let tally = |votes: [u64; 4], covers: u64| {
        s.ok(
            "PUT",
            "/api/v1/acs/5/postal",
            &op,
            json!({"votes": votes, "rejected_papers": 0, "rejected_covers": covers}),
        )
    };
    tally([1, 0, 0, 0], 2);
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/postal/approve");
    assert_eq!(st, 200, "{b}");
    // The EVMs tie: the single postal vote decides, by 1 < 2 rejected.
    tied_and_verified(&s, &ro, &op);
    assert_eq!(unmet(&s, &op), ["reverified"]);
    let r = s.get("/api/v1/acs/5/reverification", &op);
    let mut ids: Vec<String> = r["ballots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["ballot_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let second = ballots[1]["ballot_id"].as_str().unwrap();
    let third = ballots[2]["ballot_id"].as_str().unwrap();
    assert_eq!(ids, [second, third], "{r}");

    // The RO finds the second elector's signature on the cover after all.
    let verdict = |id: &str, v: &str| {
        s.call(
            "PUT",
            &format!("/api/v1/acs/5/reverification/{id}"),
            Some(&ro),
            Some(json!({"verdict": v, "reason": "checked again before the agents"})),
        )
    };
    assert_eq!(verdict(second, "reversed").0, 200);
    assert_eq!(verdict(third, "confirmed").0, 200);
    let outcome = |id: &str| -> Value {
        s.get("/api/v1/acs/5/ballots", &op)
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["ballot_id"] == id)
            .map(|b| b["outcome"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(outcome(second), "accepted");
    assert_eq!(outcome(third), "rejected");
    // Two covers accepted now, the tally says one vote: the validation no
    // longer holds and declaring waits for it.
    assert!(unmet(&s, &op).contains(&"postal-validated".to_string()));
    assert_error(post(&s, &ro, "/api/v1/acs/5/declare"), 409, "not-ready");
    // Its paper counted for the second candidate, the tally is corrected
    // and validated again, and the EVMs' tie is no longer broken.
    tally([1, 1, 0, 0], 1);
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/postal/approve").0, 200);
    let left = unmet(&s, &op);
    assert!(left.contains(&"no-tie".to_string()), "{left:?}");
    assert!(!left.contains(&"postal-validated".to_string()), "{left:?}");
    assert_error(post(&s, &ro, "/api/v1/acs/5/declare"), 409, "tie");
    // Counted for the first candidate instead, it decides by 2.
    tally([2, 0, 0, 0], 1);
    assert_eq!(post(&s, &ro, "/api/v1/acs/5/postal/approve").0, 200);
    assert_eq!(unmet(&s, &op), Vec::<String>::new());
    let (st, b) = post(&s, &ro, "/api/v1/acs/5/declare");
    assert_eq!((st, b["margin"].as_u64()), (200, Some(2)), "{b}");
}
