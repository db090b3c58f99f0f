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

/// A refused request: method, path, content type, body; expected status,
/// code, and a phrase the message must hold.
struct Case {
    method: &'static str,
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
    says: &'static str,
}

fn case(
    method: &'static str,
    path: impl Into<String>,
    body: Value,
    status: u16,
    code: &'static str,
) -> Case {
    Case {
        method,
        path: path.into(),
        content_type: "application/json",
        body: if body.is_null() {
            vec![]
        } else {
            body.to_string().into_bytes()
        },
        status,
        code,
        says: "",
    }
}

fn raw(
    method: &'static str,
    path: impl Into<String>,
    content_type: &'static str,
    body: &[u8],
    status: u16,
    code: &'static str,
) -> Case {
    Case {
        method,
        path: path.into(),
        content_type,
        body: body.to_vec(),
        status,
        code,
        says: "",
    }
}

impl Case {
    fn says(self, says: &'static str) -> Case {
        Case { says, ..self }
    }
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let tmp = TempDir::new("bad");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let admin = s.login("admin", "demo-admin");
    let n = s.candidates(71, &ro);
    let open = s.first_draft_round(71, &ro);
    let before = snapshot(&s, &ro);
    let table = format!("/api/v1/acs/71/rounds/{open}/tables/3");
    let ok = json!({"ps_no": 5000, "votes": vec![1; n]});
    let short: Vec<i64> = vec![1; n - 1];
    let mut negative = short.clone();
    negative.push(-4);
    let json_ct = "application/json";
    let register = "/api/v1/acs/71/etpbs-register";
    let round = |r: u64, what: &str| format!("/api/v1/acs/71/rounds/{r}/{what}");

    let cases = vec![
        // Malformed JSON and wrong shapes.
        raw(
            "PUT",
            &table,
            json_ct,
            b"{\"ps_no\": 5, \"votes\": [1, 2",
            400,
            "bad-input",
        )
        .says("JSON"),
        raw("PUT", &table, json_ct, b"not json at all", 400, "bad-input"),
        raw("PUT", &table, json_ct, b"{\"ps_no\": 5}", 400, "bad-input").says("votes"),
        raw(
            "PUT",
            &table,
            json_ct,
            b"{\"ps_no\": \"five\", \"votes\": []}",
            400,
            "bad-input",
        ),
        raw(
            "PUT",
            &table,
            "text/plain",
            b"{}",
            415,
            "unsupported-media-type",
        ),
        // Wrong number of counts, negative numbers, PS number 0.
        case(
            "PUT",
            &table,
            json!({"ps_no": 5000, "votes": short}),
            400,
            "bad-input",
        )
        .says("counts but AC 71 has"),
        case(
            "PUT",
            &table,
            json!({"ps_no": 5000, "votes": negative}),
            400,
            "bad-input",
        )
        .says("negative"),
        case(
            "PUT",
            &table,
            json!({"ps_no": 0, "votes": vec![1; n]}),
            400,
            "bad-input",
        )
        .says("ps_no"),
        case(
            "PUT",
            "/api/v1/acs/71/postal",
            json!({"votes": vec![1; n], "rejected_papers": -1, "rejected_covers": 0}),
            400,
            "bad-input",
        )
        .says("negative"),
        case(
            "PUT",
            "/api/v1/acs/71/postal",
            json!({"votes": short, "rejected_papers": 1, "rejected_covers": 0}),
            400,
            "bad-input",
        ),
        // A polling station already counted in an earlier round.
        case(
            "PUT",
            &table,
            json!({"ps_no": 1, "votes": vec![1; n]}),
            409,
            "ps-counted",
        )
        .says("round 1"),
        // Unknown AC, round, table; paths that are not numbers; no such route or method.
        case("GET", "/api/v1/acs/999", Value::Null, 403, "forbidden"),
        case("PUT", round(99, "tables/1"), ok.clone(), 404, "not-found").says("round 99"),
        case("PUT", round(0, "tables/1"), ok.clone(), 404, "not-found"),
        case(
            "PUT",
            round(open, "tables/15"),
            ok.clone(),
            404,
            "not-found",
        )
        .says("table 15"),
        case(
            "GET",
            "/api/v1/acs/71/rounds/x",
            Value::Null,
            400,
            "bad-input",
        ),
        case(
            "GET",
            "/api/v1/acs/71/rounds/-1",
            Value::Null,
            400,
            "bad-input",
        ),
        case(
            "GET",
            "/api/v1/no-such-thing",
            Value::Null,
            404,
            "not-found",
        ),
        case(
            "PATCH",
            "/api/v1/acs/71",
            Value::Null,
            405,
            "method-not-allowed",
        ),
        // Out of order: approving an empty round, publishing a draft, twice.
        case(
            "POST",
            round(open, "approve"),
            Value::Null,
            409,
            "round-empty",
        ),
        case(
            "POST",
            round(open, "publish"),
            Value::Null,
            409,
            "round-not-approved",
        ),
        case(
            "POST",
            round(1, "approve"),
            Value::Null,
            409,
            "round-not-draft",
        ),
        case(
            "POST",
            round(1, "publish"),
            Value::Null,
            409,
            "round-published",
        ),
        case(
            "GET",
            round(open, "sheet.pdf"),
            Value::Null,
            409,
            "round-empty",
        ),
        case(
            "POST",
            "/api/v1/acs/71/declare",
            Value::Null,
            409,
            "rounds-unpublished",
        ),
        case(
            "GET",
            "/api/v1/acs/71/certificate.pdf",
            Value::Null,
            409,
            "rounds-unpublished",
        ),
        // Bad registers: wrong columns, a duplicate, not CSV, not UTF-8.
        raw("PUT", register, "text/csv", b"PB1,1,1\n", 400, "bad-input").says("line 1"),
        raw(
            "PUT",
            register,
            "text/csv",
            b"PB1,1,1,1\nPB2,2,1,2\nPB1,3,1,3\n",
            400,
            "bad-input",
        )
        .says("line 3"),
        raw(
            "PUT",
            register,
            json_ct,
            b"[]",
            415,
            "unsupported-media-type",
        ),
        raw(
            "PUT",
            register,
            "text/csv",
            b"PB1,1,1,\xff\n",
            400,
            "bad-input",
        ),
        // A malformed sign-in.
        raw(
            "POST",
            "/api/v1/login",
            json_ct,
            b"{\"username\": 1}",
            400,
            "bad-input",
        ),
    ];
    for c in &cases {
        let token = (c.path != "/api/v1/login").then_some(ro.as_str());
        let (status, body) = s.send(c.method, &c.path, token, c.content_type, &c.body);
        let what = format!("{} {}", c.method, c.path);
        assert_error((status, body.clone()), c.status, c.code);
        assert!(
            body["message"].as_str().unwrap().contains(c.says),
            "{what}: {body}"
        );
    }
    // An admin sees every AC, so an unknown one is a 404 for them.
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
            Some(ok),
        ),
        404,
        "not-found",
    );

    assert_eq!(
        snapshot(&s, &ro),
        before,
        "a refused request changed stored data"
    );

    // A round published out of order is refused and stays approved.
    let next = open + 1;
    let b = s.ok(
        "PUT",
        &round(next, "tables/1"),
        &ro,
        json!({"ps_no": 5001, "votes": vec![2; n]}),
    );
    assert_eq!(b["status"], "draft");
    assert_eq!(
        s.call("POST", &round(next, "approve"), Some(&ro), None).0,
        200
    );
    assert_error(
        s.call("POST", &round(next, "publish"), Some(&ro), None),
        409,
        "round-order",
    );
    assert_eq!(
        s.get(&format!("/api/v1/acs/71/rounds/{next}"), &ro)["status"],
        "approved"
    );
}
