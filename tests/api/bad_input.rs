//! Every kind of bad input gets a 4xx with the JSON error body, and nothing
//! stored changes.

use serde_json::{Value, json};

use crate::helpers::{Server, TempDir, assert_error};

/// Everything about AC 71 a bad request could have touched.
fn snapshot(s: &Server, t: &str) -> Value {
    let rounds = s.get("/api/v1/acs/71/rounds", t);
    let all: Vec<Value> = (1..=rounds.as_array().unwrap().len())
        .map(|r| s.get(&format!("/api/v1/acs/71/rounds/{r}"), t))
        .collect();
    json!({
        "rounds": all,
        "postal": s.get("/api/v1/acs/71/postal", t),
        "register": s.get("/api/v1/acs/71/etpbs-register", t),
        "audit": s.get("/api/v1/acs/71/audit?limit=1000", t),
    })
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let tmp = TempDir::new("bad");
    let s = Server::start(&tmp.0.join("data"), &["--demo"]);
    let ro = s.login("ro71", "demo-ro71");
    let n = s.get("/api/v1/acs/71", &ro)["candidates"]
        .as_array()
        .unwrap()
        .len();
    let open = s
        .get("/api/v1/acs/71/rounds", &ro)
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "draft")
        .unwrap()["round"]
        .as_u64()
        .unwrap();
    let before = snapshot(&s, &ro);
    let table = format!("/api/v1/acs/71/rounds/{open}/tables/3");
    let raw = |body: &[u8]| s.send("PUT", &table, Some(&ro), "application/json", body);

    // Malformed JSON, wrong shapes.
    assert_error(raw(b"{\"ps_no\": 5, \"votes\": [1, 2"), 400, "bad-input");
    assert_error(raw(b"not json at all"), 400, "bad-input");
    assert_error(raw(b"{\"ps_no\": 5}"), 400, "bad-input");
    assert_error(
        raw(b"{\"ps_no\": \"five\", \"votes\": []}"),
        400,
        "bad-input",
    );
    assert_error(
        s.send("PUT", &table, Some(&ro), "text/plain", b"{}"),
        415,
        "unsupported-media-type",
    );
    // Wrong number of counts, negative numbers, a PS number of 0.
    let mut short = vec![1; n - 1];
    let (st, b) = s.call(
        "PUT",
        &table,
        Some(&ro),
        Some(json!({"ps_no": 5000, "votes": short})),
    );
    assert_error((st, b.clone()), 400, "bad-input");
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{} counts", n - 1)),
        "{b}"
    );
    short.push(-4);
    let (st, b) = s.call(
        "PUT",
        &table,
        Some(&ro),
        Some(json!({"ps_no": 5000, "votes": short})),
    );
    assert_error((st, b.clone()), 400, "bad-input");
    assert!(b["message"].as_str().unwrap().contains("negative"), "{b}");
    assert_error(
        s.call(
            "PUT",
            &table,
            Some(&ro),
            Some(json!({"ps_no": 0, "votes": vec![1; n]})),
        ),
        400,
        "bad-input",
    );
    assert_error(
        s.call(
            "PUT",
            "/api/v1/acs/71/postal",
            Some(&ro),
            Some(json!({"votes": vec![1; n], "rejected_papers": -1, "rejected_covers": 0})),
        ),
        400,
        "bad-input",
    );
    // A PS already counted in an earlier round.
    assert_error(
        s.call(
            "PUT",
            &table,
            Some(&ro),
            Some(json!({"ps_no": 1, "votes": vec![1; n]})),
        ),
        409,
        "ps-counted",
    );
    // Unknown AC, round, table; a path that is not a number.
    let ok = json!({"ps_no": 5000, "votes": vec![1; n]});
    assert_error(
        s.call("GET", "/api/v1/acs/999", Some(&ro), None),
        403,
        "forbidden",
    );
    let admin = s.login("admin", "demo-admin");
    assert_error(
        s.call("GET", "/api/v1/acs/999", Some(&admin), None),
        404,
        "not-found",
    );
    assert_error(
        s.call(
            "PUT",
            "/api/v1/acs/999/rounds/1/tables/1",
            Some(&admin),
            Some(ok.clone()),
        ),
        404,
        "not-found",
    );
    assert_error(
        s.call(
            "PUT",
            "/api/v1/acs/71/rounds/99/tables/1",
            Some(&ro),
            Some(ok.clone()),
        ),
        404,
        "not-found",
    );
    assert_error(
        s.call(
            "PUT",
            "/api/v1/acs/71/rounds/0/tables/1",
            Some(&ro),
            Some(ok.clone()),
        ),
        404,
        "not-found",
    );
    assert_error(
        s.call(
            "PUT",
            &format!("/api/v1/acs/71/rounds/{open}/tables/15"),
            Some(&ro),
            Some(ok.clone()),
        ),
        404,
        "not-found",
    );
    assert_error(
        s.call("GET", "/api/v1/acs/71/rounds/x", Some(&ro), None),
        400,
        "bad-input",
    );
    assert_error(
        s.call("GET", "/api/v1/acs/71/rounds/-1", Some(&ro), None),
        400,
        "bad-input",
    );
    assert_error(
        s.call("GET", "/api/v1/no-such-thing", Some(&ro), None),
        404,
        "not-found",
    );
    assert_error(
        s.call("PATCH", "/api/v1/acs/71", Some(&ro), None),
        405,
        "method-not-allowed",
    );
    // Rounds out of order: approving an empty round, publishing a draft,
    // publishing past an unpublished round, approving twice.
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/acs/71/rounds/{open}/approve"),
            Some(&ro),
            None,
        ),
        409,
        "round-empty",
    );
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/acs/71/rounds/{open}/publish"),
            Some(&ro),
            None,
        ),
        409,
        "round-not-approved",
    );
    assert_error(
        s.call("POST", "/api/v1/acs/71/rounds/1/approve", Some(&ro), None),
        409,
        "round-not-draft",
    );
    assert_error(
        s.call("POST", "/api/v1/acs/71/rounds/1/publish", Some(&ro), None),
        409,
        "round-published",
    );
    assert_error(
        s.call(
            "GET",
            &format!("/api/v1/acs/71/rounds/{open}/sheet.pdf"),
            Some(&ro),
            None,
        ),
        409,
        "round-empty",
    );
    assert_error(
        s.call("POST", "/api/v1/acs/71/declare", Some(&ro), None),
        409,
        "rounds-unpublished",
    );
    // Bad registers: wrong columns, a duplicate, not CSV, not UTF-8.
    let reg =
        |ct: &str, body: &[u8]| s.send("PUT", "/api/v1/acs/71/etpbs-register", Some(&ro), ct, body);
    assert_error(reg("text/csv", b"PB1,1,1\n"), 400, "bad-input");
    let (st, b) = reg("text/csv", b"PB1,1,1,1\nPB2,2,1,2\nPB1,3,1,3\n");
    assert_error((st, b.clone()), 400, "bad-input");
    assert!(b["message"].as_str().unwrap().contains("line 3"), "{b}");
    assert_error(
        reg("application/json", b"[]"),
        415,
        "unsupported-media-type",
    );
    assert_error(reg("text/csv", b"PB1,1,1,\xff\n"), 400, "bad-input");
    // Bad logins.
    assert_error(
        s.send(
            "POST",
            "/api/v1/login",
            None,
            "application/json",
            b"{\"username\": 1}",
        ),
        400,
        "bad-input",
    );

    assert_eq!(
        snapshot(&s, &ro),
        before,
        "a refused request changed stored data"
    );

    // A round published out of order is refused and leaves the rounds as they were.
    let b = s.ok(
        "PUT",
        &format!("/api/v1/acs/71/rounds/{}/tables/1", open + 1),
        &ro,
        json!({"ps_no": 5001, "votes": vec![2; n]}),
    );
    assert_eq!(b["status"], "draft");
    assert_eq!(
        s.call(
            "POST",
            &format!("/api/v1/acs/71/rounds/{}/approve", open + 1),
            Some(&ro),
            None
        )
        .0,
        200
    );
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/acs/71/rounds/{}/publish", open + 1),
            Some(&ro),
            None,
        ),
        409,
        "round-order",
    );
    assert_eq!(
        s.get(&format!("/api/v1/acs/71/rounds/{}", open + 1), &ro)["status"],
        "approved"
    );
}
