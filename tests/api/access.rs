//! Roles, AC bindings and sessions, against the demo accounts.

use serde_json::json;

use crate::helpers::{Server, TempDir, assert_error};

#[test]
fn demo_prints_its_accounts_and_has_ac_71_as_promised() {
    let tmp = TempDir::new("demo");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    for (user, pw) in [
        ("admin", "demo-admin"),
        ("ro71", "demo-ro71"),
        ("ro72", "demo-ro72"),
        ("op71", "demo-op71"),
        ("observer", "demo-observer"),
    ] {
        assert!(
            s.banner.contains(user) && s.banner.contains(pw),
            "{}",
            s.banner
        );
    }
    let ro = s.login("ro71", "demo-ro71");
    let ac = s.get("/api/v1/acs/71", &ro);
    assert_eq!(
        (ac["name"].as_str(), ac["tables"].as_u64()),
        (Some("Rewa"), Some(14))
    );
    let cands = ac["candidates"].as_array().unwrap();
    assert!((9..=13).contains(&cands.len()));
    assert_eq!(cands.last().unwrap()["name"], "NOTA");
    let rounds = s.get("/api/v1/acs/71/rounds", &ro);
    let rounds = rounds.as_array().unwrap();
    assert!((15..=20).contains(&rounds.len()));
    let k = rounds
        .iter()
        .take_while(|r| r["status"] == "published")
        .count();
    assert!(k >= 3, "{rounds:?}");
    for r in 1..=rounds.len() {
        let round = s.get(&format!("/api/v1/acs/71/rounds/{r}"), &ro);
        let tables = round["tables"].as_array().unwrap().len();
        assert_eq!(tables, if r <= k { 14 } else { 0 }, "round {r}");
    }
    assert!(s.get("/api/v1/acs/71/postal", &ro)["votes"].is_array());
    assert!(
        s.get("/api/v1/acs/71/etpbs-register", &ro)
            .as_array()
            .unwrap()
            .len()
            >= 200
    );
    let acs = s.get("/api/v1/acs", &s.login("admin", "demo-admin"));
    assert!(acs.as_array().unwrap().iter().any(|a| a["ac_no"] == 72));
    // A restart with --demo keeps the data (and does not load it twice).
    let data = s.data.clone();
    s.kill();
    let s = Server::start(&data, &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    assert_eq!(
        s.get("/api/v1/acs/71/rounds", &ro)
            .as_array()
            .unwrap()
            .len(),
        rounds.len()
    );
}

#[test]
fn roles_and_ac_bindings_are_enforced() {
    let tmp = TempDir::new("roles");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro71 = s.login("ro71", "demo-ro71");
    let ro72 = s.login("ro72", "demo-ro72");
    let op71 = s.login("op71", "demo-op71");
    let obs = s.login("observer", "demo-observer");
    let admin = s.login("admin", "demo-admin");

    // Each RO sees only their ACs; observers and admins see all.
    let list = |t: &str| -> Vec<u64> {
        s.get("/api/v1/acs", t)
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["ac_no"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(list(&ro72), vec![72]);
    assert_eq!(list(&op71), vec![71]);
    assert!(list(&obs).len() >= 2 && list(&admin) == list(&obs));

    let open = s.first_draft_round(71, &ro71);
    let ncands = s.candidates(71, &ro71);
    let entry = json!({"ps_no": 900, "votes": vec![1; ncands]});
    let table = format!("/api/v1/acs/71/rounds/{open}/tables/1");

    // Another AC's RO: 403 on reads and writes.
    assert_error(
        s.call("GET", "/api/v1/acs/71", Some(&ro72), None),
        403,
        "forbidden",
    );
    assert_error(
        s.call("GET", "/api/v1/acs/71/rounds/1", Some(&ro72), None),
        403,
        "forbidden",
    );
    assert_error(
        s.call("PUT", &table, Some(&ro72), Some(entry.clone())),
        403,
        "forbidden",
    );
    // The observer reads everything, changes nothing.
    s.get("/api/v1/acs/71/rounds/1", &obs);
    assert_error(
        s.call("PUT", &table, Some(&obs), Some(entry.clone())),
        403,
        "forbidden",
    );
    assert_error(
        s.send(
            "PUT",
            "/api/v1/acs/71/etpbs-register",
            Some(&obs),
            "text/csv",
            b"PB1,1,1,1\n",
        ),
        403,
        "forbidden",
    );
    // The operator enters but cannot approve, publish or load the register.
    s.ok("PUT", &table, &op71, entry.clone());
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/acs/71/rounds/{open}/approve"),
            Some(&op71),
            None,
        ),
        403,
        "forbidden",
    );
    assert_error(
        s.call("POST", "/api/v1/acs/71/rounds/1/publish", Some(&op71), None),
        403,
        "forbidden",
    );
    assert_error(
        s.send(
            "PUT",
            "/api/v1/acs/71/etpbs-register",
            Some(&op71),
            "text/csv",
            b"PB1,1,1,1\n",
        ),
        403,
        "forbidden",
    );
    // Approval is the RO's alone, not even the admin's.
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/acs/71/rounds/{open}/approve"),
            Some(&admin),
            None,
        ),
        403,
        "forbidden",
    );
    assert_error(
        s.call(
            "POST",
            &format!("/api/v1/acs/72/rounds/{open}/approve"),
            Some(&ro71),
            None,
        ),
        403,
        "forbidden",
    );
    let (st, b) = s.call(
        "POST",
        &format!("/api/v1/acs/71/rounds/{open}/approve"),
        Some(&ro71),
        None,
    );
    assert_eq!((st, b["status"].as_str()), (200, Some("approved")), "{b}");

    // No token, a made-up token, a wrong password: 401.
    assert_error(
        s.call("GET", "/api/v1/acs", None, None),
        401,
        "unauthorized",
    );
    assert_error(
        s.call("GET", "/api/v1/acs", Some("deadbeef"), None),
        401,
        "unauthorized",
    );
    assert_error(
        s.call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "ro71", "password": "wrong-one"})),
        ),
        401,
        "unauthorized",
    );
    assert_error(
        s.call(
            "POST",
            "/api/v1/login",
            None,
            Some(json!({"username": "nobody", "password": "demo-ro71"})),
        ),
        401,
        "unauthorized",
    );
    // Public without sign-in: published results and the API description.
    assert_eq!(s.call("GET", "/api/v1/acs/71/result", None, None).0, 200);
    let (st, doc) = s.call("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(st, 200);
    for path in [
        "/api/v1/login",
        "/api/v1/acs/{ac}/rounds/{round}/tables/{table}",
        "/api/v1/acs/{ac}/etpbs-register",
        "/api/v1/acs/{ac}/certificate.pdf",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from openapi.json"
        );
    }
    // Signing out ends the token.
    assert_eq!(s.call("POST", "/api/v1/logout", Some(&ro72), None).0, 204);
    assert_error(
        s.call("GET", "/api/v1/acs", Some(&ro72), None),
        401,
        "unauthorized",
    );
}

#[test]
fn sessions_expire() {
    let tmp = TempDir::new("expiry");
    let s = Server::start(
        &tmp.0.join("data"),
        &["--demo", "--no-demo-scans", "--session-hours", "0"],
    );
    let t = s.login("ro71", "demo-ro71");
    assert_error(
        s.call("GET", "/api/v1/me", Some(&t), None),
        401,
        "unauthorized",
    );
}

#[test]
fn sign_in_goes_on_only_to_a_path_here_and_pages_carry_a_strict_policy() {
    let tmp = TempDir::new("policy");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let sign_in = |next: &str| {
        let r = agent.post(&format!("{}/login", s.base)).send_form(&[
            ("username", "observer"),
            ("password", "demo-observer"),
            ("next", next),
        ]);
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("sign-in failed: {e}"),
        };
        (
            r.status(),
            r.header("location").unwrap_or_default().to_string(),
        )
    };
    // A tab that a browser drops would turn this into //evil.example.
    for bent in [
        "/\t/evil.example/phish",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
    ] {
        let (status, to) = sign_in(bent);
        assert_eq!(status / 100, 3, "{bent:?}");
        assert!(
            to.starts_with('/') && !to.starts_with("//") && !to.contains("evil"),
            "{bent:?} → {to}"
        );
    }
    assert_eq!(sign_in("/results/71").1, "/results/71");

    let page = agent
        .get(&format!("{}/login", s.base))
        .call()
        .expect("the sign-in page");
    let csp = page.header("content-security-policy").unwrap_or_default();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    let api = agent
        .get(&format!("{}/api/v1/acs/71/result", s.base))
        .call()
        .expect("a public result");
    for r in [&page, &api] {
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("referrer-policy"), Some("same-origin"));
    }
}

#[test]
fn a_cookie_write_from_another_site_is_refused_and_bearer_calls_are_not() {
    let tmp = TempDir::new("csrf");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let token = s.login("ro71", "demo-ro71");
    let here = s.base.trim_start_matches("http://").to_string();
    let form_token = scrutiny::accounts::form_token(&token);
    let post_with = |origin: Option<&str>, site: Option<&str>, bearer: bool, csrf: Option<&str>| {
        let mut r = ureq::post(&format!("{}/api/v1/acs/71/declare", s.base));
        if bearer {
            r = r.set("Authorization", &format!("Bearer {token}"));
        } else {
            r = r.set("Cookie", &format!("scrutiny_session={token}"));
        }
        if let Some(t) = csrf {
            r = r.set("X-CSRF-Token", t);
        }
        if let Some(o) = origin {
            r = r.set("Origin", o);
        }
        if let Some(f) = site {
            r = r.set("Sec-Fetch-Site", f);
        }
        let r = match r.call() {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("request failed: {e}"),
        };
        let status = r.status();
        let body: serde_json::Value = r.into_json().unwrap_or_default();
        (status, body)
    };
    let post = |origin: Option<&str>, site: Option<&str>, bearer: bool| {
        post_with(origin, site, bearer, Some(&form_token))
    };
    let other_port = format!("http://{}", here.replace(':', ":1"));
    for (origin, site) in [
        (Some("http://evil.example"), None),
        (Some(other_port.as_str()), Some("same-site")),
        (Some("null"), None),
        (None, Some("cross-site")),
    ] {
        assert_error(post(origin, site, false), 403, "forbidden");
    }
    // From this server's own pages, the write goes through to the rules
    // (declaring is refused while rounds are unpublished: a 409, not a 403).
    let own = format!("http://{here}");
    let (status, body) = post(Some(own.as_str()), Some("same-origin"), false);
    assert_eq!(status, 409, "{body}");
    // ...but only with the session's form token, as the pages give it.
    let page = ureq::get(&format!("{}/upload", s.base))
        .set("Cookie", &format!("scrutiny_session={token}"))
        .call()
        .expect("page")
        .into_string()
        .expect("html");
    assert!(
        page.contains(&format!("name=\"csrf-token\" content=\"{form_token}\"")),
        "no form token on the page"
    );
    for csrf in [None, Some("0123456789abcdef0123456789abcdef")] {
        let got = post_with(Some(own.as_str()), Some("same-origin"), false, csrf);
        assert!(
            got.1["message"]
                .as_str()
                .unwrap_or_default()
                .contains("form token"),
            "{}",
            got.1
        );
        assert_error(got, 403, "forbidden");
    }
    // A page's form carries it as a field: sign-out without it is refused.
    let logout = |fields: &[(&str, &str)]| match ureq::post(&format!("{}/logout", s.base))
        .set("Cookie", &format!("scrutiny_session={token}"))
        .set("Origin", &own)
        .send_form(fields)
    {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(c, _)) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(logout(&[]), 403);
    assert_eq!(
        s.call("GET", "/api/v1/me", Some(&token), None).0,
        200,
        "still signed in"
    );
    // Another tool with a bearer token is no browser.
    let (status, body) = post(Some("http://evil.example"), Some("cross-site"), true);
    assert_eq!(status, 409, "{body}");
    // Sign-in cannot be forced from another site either.
    let forced = ureq::post(&format!("{}/login", s.base))
        .set("Origin", "http://evil.example")
        .send_form(&[("username", "ro71"), ("password", "demo-ro71")]);
    assert!(
        matches!(forced, Err(ureq::Error::Status(403, _))),
        "{forced:?}"
    );
}

#[test]
fn failed_sign_ins_lock_the_name_and_a_flood_is_bounded() {
    let tmp = TempDir::new("throttle");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let login = |user: &str, password: &str| {
        let r = ureq::post(&format!("{}/api/v1/login", s.base))
            .send_json(json!({"username": user, "password": password}));
        match r {
            Ok(r) => (r.status(), None),
            Err(ureq::Error::Status(code, r)) => {
                (code, r.header("retry-after").map(str::to_string))
            }
            Err(e) => panic!("sign-in failed: {e}"),
        }
    };
    // Five wrong passwords are five 401s; the sixth locks the name, and
    // then even the right password waits.
    for _ in 0..6 {
        assert_eq!(login("ro72", "not-it").0, 401);
    }
    let (status, retry) = login("ro72", "demo-ro72");
    assert_eq!(status, 429);
    assert!(retry.is_some_and(|r| r.parse::<u64>().is_ok_and(|s| s >= 1)));
    // Another name from the same address is not locked by it; the lock is
    // in the audit of the locked RO's AC.
    assert_eq!(login("ro71", "demo-ro71").0, 200);
    let admin = s.login("admin", "demo-admin");
    let audit = s.get("/api/v1/acs/72/audit", &admin).to_string();
    assert!(
        audit.contains("sign-in.locked") && audit.contains("user:ro72"),
        "{audit}"
    );

    // 64 sign-ins at once with unknown names: each is a 401 or a 429, the
    // server's memory stays bounded, and it still answers.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..64)
            .map(|i| scope.spawn(move || login(&format!("nobody{i}"), "guess").0))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a sign-in"))
            .collect()
    });
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    let peak = s.peak_mb();
    assert!(peak < 600, "peak {peak} MB");
    // More than 30 failures from one address lock the address.
    let (status, _) = login("observer", "demo-observer");
    assert_eq!(status, 429, "the address is locked after the flood");
    assert_eq!(s.call("GET", "/api/v1/acs/71/result", None, None).0, 200);
}
