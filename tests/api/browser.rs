//! The pages in a real browser: Debian's Chromium, headless, driven through
//! chromedriver against the real server. Each test is what one person does
//! on counting day; screenshots of every page go to
//! `target/tmp/screenshots/` (the best are copied into `docs/`).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::day::counted_to_the_end;
use crate::documents::{form_13a, form_13b, sheet};
use crate::helpers::{Server, TempDir, scan_batch};
use crate::webdriver::{Browser, ENTER, RIGHT, TAB};

const WIDE: (u32, u32) = (1366, 768);
const PHONE: (u32, u32) = (390, 844);

fn shots() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
}

/// Signs in through the form; `next` is where the sign-in page was sent from.
fn sign_in(b: &Browser, s: &Server, next: &str, user: &str, password: &str) {
    b.goto(&format!("{}{next}", s.base));
    assert!(
        b.url().contains("/login?next="),
        "{} asks to sign in",
        b.url()
    );
    b.find("#username").send(user);
    b.find("#password").send(password);
    b.find("form.card button[type=submit]").click();
    b.wait_text("#who", |t| t.contains(user));
}

/// What an accessibility check of the page finds wrong: a form control
/// without a label, a picture without alt text, a button or link without
/// words, no language, not exactly one h1, or a focus ring turned off.
fn audit(b: &Browser) -> Vec<String> {
    let found = b.js(
        r#"const bad = [];
        if (!document.documentElement.lang) bad.push('html without lang');
        const h1 = document.querySelectorAll('h1').length;
        if (h1 !== 1) bad.push(h1 + ' h1 elements');
        for (const e of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
          if (!(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
            bad.push('unlabelled ' + e.outerHTML.slice(0, 80));
        }
        for (const e of document.querySelectorAll('img')) if (!e.getAttribute('alt')) bad.push('no alt: ' + e.src);
        for (const e of document.querySelectorAll('a[href], button')) {
          if (!e.innerText.trim() && !e.getAttribute('aria-label') && !e.querySelector('img[alt]'))
            bad.push('wordless ' + e.outerHTML.slice(0, 80));
        }
        const probe = document.querySelector('a[href], button, input');
        if (probe) {
          probe.focus();
          const st = getComputedStyle(probe);
          if (document.activeElement === probe && st.outlineStyle === 'none' && st.boxShadow === 'none')
            bad.push('no visible focus on ' + probe.outerHTML.slice(0, 60));
          probe.blur();
        }
        return bad;"#,
        json!([]),
    );
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Checks the page for accessibility, then saves its screenshot.
fn shot(b: &Browser, name: &str) {
    let problems = audit(b);
    assert!(problems.is_empty(), "{name}: {problems:#?}");
    b.screenshot(&shots(), name);
}

fn sha256_hex(bytes: &[u8]) -> String {
    scrutiny::hex(&Sha256::digest(bytes))
}

#[test]
fn ro_uploads_a_batch_and_sees_each_file_read_with_its_findings() {
    let tmp = TempDir::new("web-upload");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let ac = s.get("/api/v1/acs/71", &ro);
    let reg = s.get("/api/v1/acs/71/etpbs-register", &ro);
    // Two ballots; the second elector did not sign (a Rule 54A finding).
    let clean = scan_batch(
        &[
            ("form-13a", form_13a(&ac, &reg[0], true, true)),
            ("form-13b", form_13b(&ac, &reg[0])),
        ],
        None,
    );
    let unsigned = scan_batch(
        &[
            ("form-13a", form_13a(&ac, &reg[1], false, true)),
            ("form-13b", form_13b(&ac, &reg[1])),
        ],
        None,
    );
    let files = tmp.0.join("scans");
    std::fs::create_dir_all(&files).unwrap();
    let paths: Vec<PathBuf> = [
        ("ballots-clean.pdf", clean.as_slice()),
        ("ballots-unsigned.pdf", unsigned.as_slice()),
    ]
    .iter()
    .map(|(name, bytes)| {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    })
    .collect();
    let before = s.get("/api/v1/progress/71", &ro);

    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/upload", "ro71", "demo-ro71");
    assert!(b.url().ends_with("/upload"), "{}", b.url());
    assert!(b.text("#who").contains("AC 71"), "{}", b.text("#who"));
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    // Two files picked together; the third dropped on the drop zone.
    b.find("#files").send(&names.join("\n"));
    b.js(
        "const dt = new DataTransfer();
         dt.items.add(new File([arguments[0]], arguments[1], {type: 'application/pdf'}));
         const zone = document.querySelector('#drop');
         for (const type of ['dragover', 'drop'])
           zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));",
        json!(["this is not a PDF at all", "notes.pdf"]),
    );

    // Each file gets a row; the two scans are read, the text file refused.
    let row = |name: &str| format!("#batch tr[data-file=\"{name}\"]");
    for name in ["ballots-clean.pdf", "ballots-unsigned.pdf"] {
        b.wait(&format!("{name} read"), || {
            let state = b.js(
                "const r = document.querySelector(arguments[0]); return r && r.dataset.state;",
                json!([row(name)]),
            );
            (state == "done").then_some(())
        });
    }
    let refused = b.wait_text(&row("notes.pdf"), |t| t.contains("refused"));
    assert!(
        refused.to_lowercase().contains("pdf") || refused.contains("type"),
        "the refusal says why: {refused}"
    );
    assert_eq!(
        b.text(&format!("{} .pages", row("ballots-clean.pdf"))),
        "2 / 2"
    );
    assert_eq!(
        b.text(&format!("{} .findings", row("ballots-clean.pdf"))),
        "0"
    );
    // The findings of an upload: how many, a link to the review, what they say.
    let unsigned_findings: u64 = b
        .text(&format!("{} .findings a", row("ballots-unsigned.pdf")))
        .parse()
        .unwrap();
    assert!(unsigned_findings >= 1, "the unsigned 13A is a finding");
    let said = b.text(&format!("{} .findings .help", row("ballots-unsigned.pdf")));
    assert!(said.contains("not signed"), "{said}");
    shot(&b, "upload");

    // Sending the same file again stores nothing new.
    b.find("#files").send(&names[0]);
    b.wait_text("#batch tbody tr:last-child", |t| {
        t.contains("already uploaded") && t.contains("done")
    });
    let docs = s.get("/api/v1/acs/71/documents", &ro);
    assert_eq!(docs.as_array().unwrap().len(), 2, "{docs}");

    // The server-rendered list and the AC's figures show the new uploads.
    b.goto(&format!("{}/upload", s.base));
    assert!(b.text("#documents").contains("ballots-unsigned.pdf"));
    let after = s.get("/api/v1/progress/71", &ro);
    assert_eq!(
        after["uploaded"].as_u64().unwrap(),
        before["uploaded"].as_u64().unwrap() + 4,
        "{after}"
    );
    b.resize(PHONE.0, PHONE.1);
    shot(&b, "upload-phone");
}

#[test]
fn ro_enters_a_round_by_keyboard_then_approves_and_publishes_it() {
    let tmp = TempDir::new("web-count");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let round = s.first_draft_round(71, &ro);
    let n = s.candidates(71, &ro);

    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/counting/71", "ro71", "demo-ro71");
    assert_eq!(
        b.find("#entry").prop("dataset")["round"],
        round.to_string(),
        "the first unpublished round opens"
    );
    assert_eq!(b.text("#round-status"), "draft");
    assert!(b.find("#approve").prop("disabled") == true);

    // Two tables, typed with Tab between figures and Enter after each table.
    let figures = |t: usize| -> Vec<u64> { (0..n).map(|c| (10 * t + c) as u64).collect() };
    // The focus starts on the first table still to enter: no Tabs to reach it.
    let focused = b.js("return document.activeElement.id", json!([]));
    assert_eq!(focused, "ps-1");
    for t in 1..=2usize {
        // Table 2's PS number typed on a Hindi keyboard: Devanagari digits.
        let mut keys = if t == 2 {
            "९०२".to_string()
        } else {
            format!("{}", 900 + t)
        };
        for v in figures(t) {
            keys.push_str(TAB);
            keys.push_str(&v.to_string());
        }
        keys.push_str(ENTER);
        b.keys(&keys);
        b.wait(&format!("table {t} saved"), || {
            (b.js(
                "return document.querySelector(arguments[0]).dataset.saved",
                json!([format!("#entry tr[data-table=\"{t}\"]")]),
            ) == "1")
                .then_some(())
        });
    }
    // Enter moved the focus on to table 3.
    let focused = b.js(
        "return document.activeElement.closest('tr').dataset.table",
        json!([]),
    );
    assert_eq!(focused, "3");
    let expected: u64 = figures(1).iter().chain(&figures(2)).sum();
    assert_eq!(b.text("#grand"), expected.to_string(), "live total");
    let api = s.get(&format!("/api/v1/acs/71/rounds/{round}"), &ro);
    assert_eq!(api["tables"][1]["votes"], json!(figures(2)), "{api}");
    assert_eq!(api["tables"][1]["ps_no"], 902, "{api}");
    shot(&b, "counting");

    // A figure typed but not yet saved moves the totals at once.
    b.find("#entry tbody tr[data-table=\"3\"] input.v")
        .send("5");
    b.wait_text("#grand", |t| t == (expected + 5).to_string());
    b.find("#entry tbody tr[data-table=\"3\"] input.v").clear();
    b.js(
        "const i = document.querySelector(arguments[0]); i.dispatchEvent(new Event('input', {bubbles: true}));",
        json!(["#entry tbody tr[data-table=\"3\"] input.v"]),
    );

    // A figure no polling station can have asks first; declined, the
    // table is not saved, the focus is on that figure, and leaving the
    // row does not ask again.
    let asked =
        "window.__asked = []; window.confirm = (m) => { window.__asked.push(m); return false; };";
    b.js(asked, json!([]));
    b.find("#ps-3").click();
    let mut keys = "903".to_string();
    for c in 0..n {
        keys.push_str(TAB);
        keys.push_str(if c == 1 { "247237" } else { "3" });
    }
    keys.push_str(ENTER);
    b.keys(&keys);
    let questions = b.js("return window.__asked", json!([]));
    assert_eq!(questions.as_array().map(Vec::len), Some(1), "{questions}");
    assert!(
        questions[0].as_str().unwrap().contains("247237"),
        "{questions}"
    );
    assert_eq!(b.js("return document.activeElement.id", json!([])), "v-3-1");
    b.find("#ps-4").click();
    assert_eq!(b.js("return window.__asked.length", json!([])), 1);
    assert!(
        b.text("#entry-error").contains("247237") || b.text("#entry-error").contains("Table 3")
    );
    let api = s.get(&format!("/api/v1/acs/71/rounds/{round}"), &ro);
    assert_eq!(
        api["tables"].as_array().unwrap().len(),
        2,
        "not saved: {api}"
    );
    // Emptied again, the table is left out.
    for id in std::iter::once("ps-3".to_string()).chain((0..n).map(|c| format!("v-3-{c}"))) {
        b.find(&format!("#{id}")).clear();
    }
    b.js(
        "document.querySelector('#ps-3').dispatchEvent(new Event('input', {bubbles: true}));",
        json!([]),
    );

    b.find("#approve").click();
    b.wait_text("#round-status", |t| t == "approved");
    // After the approval the page comes back with the focus on Publish.
    b.wait("the focus on Publish", || {
        (b.js("return document.activeElement.id", json!([])) == "publish").then_some(())
    });
    // The print link gives the round sheet of this round (with the page's session).
    let sheet = b.js_async(
        "const done = arguments[0];
         fetch(document.querySelector('a[href$=\"sheet.pdf\"]').href)
           .then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type'),
                 String.fromCharCode(...new Uint8Array(b.slice(0, 5)))])))
           .catch(e => done(String(e)));",
        json!([]),
    );
    assert_eq!(sheet, json!([200, "application/pdf", "%PDF-"]));
    b.find("#publish").click();
    b.wait_text("#round-status", |t| t == "published");
    let api = s.get(&format!("/api/v1/acs/71/rounds/{round}"), &ro);
    assert_eq!(api["status"], "published");
    assert_eq!(api["tables"].as_array().unwrap().len(), 2);

    // Opening an earlier published round warns which rounds an edit reopens.
    b.goto(&format!("{}/counting/71?round={}", s.base, round - 1));
    let warning = b.text("#edit-warning");
    assert!(
        warning.contains(&format!("{}, {round}", round - 1)),
        "{warning}"
    );
    shot(&b, "counting-edit-warning");
    // Cancel on "send these rounds back to draft?" leaves the round as it
    // was, and leaving the row does not ask again.
    b.js(asked, json!([]));
    let before = b.find("#v-1-0").prop("value");
    b.find("#v-1-0").clear();
    b.find("#v-1-0").send("77");
    b.find("#ps-2").click();
    b.find("#ps-3").click();
    b.find("#v-1-0").click();
    b.find("#ps-2").click();
    assert_eq!(b.js("return window.__asked.length", json!([])), 1);
    assert_eq!(b.find("#v-1-0").prop("value"), before);
    let earlier = s.get(&format!("/api/v1/acs/71/rounds/{}", round - 1), &ro);
    assert_eq!(earlier["status"], "published", "{earlier}");

    // The public results now count the round; another AC's RO is refused.
    b.goto(&format!("{}/results/71", s.base));
    assert!(b.text("#published").starts_with(&format!("{round} /")));
    b.goto(&format!("{}/counting/72", s.base));
    assert!(b.text(".error").contains("not bound to AC 72"));
}

#[test]
fn operator_settles_findings_by_keyboard_and_the_dashboard_follows() {
    let tmp = TempDir::new("web-review");
    // The demo's sample scans of AC 71 hold findings to review.
    let s = Server::start(&tmp.0.join("data"), &["--demo"]);
    let op = s.login("op71", "demo-op71");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while s
        .get("/api/v1/acs/71/documents", &op)
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["status"] != "done")
    {
        assert!(std::time::Instant::now() < deadline, "demo scans not read");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let queue = s.get("/api/v1/review?ac=71", &op);
    let open = queue.as_array().unwrap().len();
    // The operator's queue: what an operator may decide (the RO's
    // questions and what settles by itself are counted apart).
    let mine = |queue: &Value| -> Vec<Value> {
        queue
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["choices"]["decisions"]
                    .as_array()
                    .is_some_and(|d| !d.is_empty())
                    && f["choices"]["ro_decides"] == false
                    && f["recommendation"].is_null()
            })
            .cloned()
            .collect()
    };
    let theirs = mine(&queue);
    assert!(theirs.len() >= 3 && theirs.len() < open, "{queue}");

    // An observer watches the dashboard in a second browser.
    let board = Browser::start(WIDE.0, WIDE.1);
    sign_in(&board, &s, "/progress", "observer", "demo-observer");
    let open_cell = "#by-ac tr[data-ac=\"71\"] td.open";
    assert_eq!(board.text(open_cell), open.to_string());
    shot(&board, "progress");

    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/review", "op71", "demo-op71");
    assert_eq!(b.text("#left"), theirs.len().to_string());
    let awaiting = (open - theirs.len()).to_string();
    assert_eq!(b.text("#awaiting"), awaiting);
    // The demo's first finding: a declaration the elector did not sign.
    let first = &theirs[0];
    assert_eq!(first["kind"], "unsigned", "{first}");
    assert_eq!(
        b.find("#finding").prop("dataset")["id"],
        first["id"].to_string()
    );
    shot(&b, "review");
    // E (entry correct) is no decision on a signature: it does nothing.
    // Y (signed) from an operator is a recommendation to the RO: the
    // finding leaves the operator's queue, the ballot stays rejected.
    b.keys("e");
    b.keys("y");
    b.wait_text("#left", |t| t == (theirs.len() - 1).to_string());
    let f = s.get(&format!("/api/v1/documents/{}", first["document"]), &op);
    let f = f["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == first["id"])
        .unwrap()
        .clone();
    assert_eq!(
        (f["status"].as_str(), f["decision"].as_str()),
        (Some("open"), None),
        "{f}"
    );
    assert_eq!(f["recommendation"]["decision"], "signed");
    let ballot_of = |id: &Value| {
        s.get("/api/v1/acs/71/ballots", &op)
            .as_array()
            .unwrap()
            .iter()
            .find(|b| &b["ballot_id"] == id)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(ballot_of(&first["ballot_id"]), "rejected");
    assert_eq!(b.text("#awaiting"), (open - theirs.len() + 1).to_string());

    // The RO sees the recommendation and reverses the rejection.
    let ro = Browser::start(WIDE.0, WIDE.1);
    sign_in(&ro, &s, "/review?ac=71", "ro71", "demo-ro71");
    assert_eq!(
        ro.find("#finding").prop("dataset")["id"],
        first["id"].to_string()
    );
    let rec = ro.text("#recommendation");
    assert!(rec.contains("op71"), "{rec}");
    let left = ro.text("#left");
    ro.keys("y");
    ro.wait_text("#left", |t| t != left);
    // Its serial number, read at 0.79, agrees with the register: accepted.
    assert_eq!(ballot_of(&first["ballot_id"]), "accepted");

    // The operator goes on, each finding with a key that fits it.
    let key_for = |f: &Value| {
        let d = &f["choices"]["decisions"];
        let has = |w: &str| d.as_array().unwrap().iter().any(|x| x == w);
        if has("entry_correct") {
            "e"
        } else if has("not_signed") {
            "n"
        } else {
            "r"
        }
    };
    // K until the finding of that id is the one shown.
    let shown = |b: &Browser| {
        b.js(
            "const f = document.querySelector('#finding'); return f ? f.dataset.id : null",
            json!([]),
        )
    };
    let show = |b: &Browser, id: &Value| {
        let want = Value::String(id.to_string());
        for _ in 0..20 {
            let now = shown(b);
            if now == want {
                return;
            }
            b.keys("k");
            b.wait("the next finding", || (shown(b) != now).then_some(()));
        }
        panic!("finding {id} is never shown");
    };
    // The keys are tried on a finding other than the sheet's cell, which
    // is settled below.
    let left = b.text("#left");
    let queue_now = mine(&s.get("/api/v1/review?ac=71", &op));
    let next = queue_now
        .iter()
        .find(|f| !f["field"].as_str().is_some_and(|x| x.starts_with("votes[")))
        .unwrap_or(&queue_now[0])
        .clone();
    show(&b, &next["id"]);
    b.keys(key_for(&next));
    b.wait_text("#left", |t| t != left);
    // U takes the decision back: the finding is open and shown again.
    b.keys("u");
    b.wait_text("#left", |t| t == left);
    assert_eq!(
        b.find("#finding").prop("dataset")["id"],
        next["id"].to_string()
    );
    // ? lists every key; K skips to the next finding and back round.
    b.keys("?");
    assert!(
        b.text("#keys-help").contains("Skip"),
        "{}",
        b.text("#keys-help")
    );
    b.keys("?");
    b.keys("k");
    b.wait("the next finding", || {
        let id = b.js(
            "const f = document.querySelector('#finding'); return f ? f.dataset.id : null",
            json!([]),
        );
        (id.is_string() && id.as_str().and_then(|i| i.parse::<i64>().ok()) != next["id"].as_i64())
            .then_some(())
    });
    b.goto(&format!("{}/review?ac=71", s.base));
    show(&b, &next["id"]);
    b.keys(key_for(&next));
    b.wait_text("#left", |t| t != left);

    // The dashboard refreshes by itself to the new count.
    board.wait_text(open_cell, |t| t == (open - 2).to_string());
    // One AC's line opens what it still owes, by name.
    board.find("#by-ac tr[data-ac=\"71\"] th a").click();
    let missing = board.wait_text("#missing", |t| !t.is_empty());
    assert!(missing.contains("Form 13B of ballot"), "{missing}");
    // The documents holding open findings, each opening its own page.
    board.find("#with-findings a").click();
    board.wait("the document page", || {
        board.url().contains("/documents/").then_some(())
    });
    assert!(board.try_find("img.page-image").is_some());
    board.goto(&format!("{}/progress/71", s.base));
    shot(&board, "progress-ac");

    // A mismatch: the cut-out of the scan beside both figures.
    let queue = s.get("/api/v1/review?ac=71", &op);
    let m = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["kind"] == "mismatch" && f["field"].as_str().is_some_and(|x| x.starts_with("votes["))
        })
        .expect("the demo's signed sheet of round 2 differs from the entry")
        .clone();
    b.goto(&format!("{}/review?ac=71", s.base));
    let want = m["id"].to_string();
    while b.find("#finding").prop("dataset")["id"].as_str() != Some(want.as_str()) {
        let left = b.text("#left");
        let here = mine(&s.get("/api/v1/review?ac=71", &op))[0].clone();
        b.keys(key_for(&here));
        b.wait_text("#left", |t| t != left);
    }
    assert_eq!(b.text("#scan-value"), m["scan_value"].to_string());
    assert_eq!(b.text("#entered-value"), m["entered_value"].to_string());
    let loaded = b.wait("the cut-out", || {
        let w = b.js(
            "return document.querySelector('#crop').naturalWidth",
            json!([]),
        );
        (w.as_u64().unwrap_or(0) > 0).then_some(w)
    });
    assert!(loaded.as_u64().unwrap() > 50);
    shot(&b, "review-mismatch");
    b.resize(PHONE.0, PHONE.1);
    shot(&b, "review-phone");
    b.resize(WIDE.0, WIDE.1);

    // S: the scan is right. It asks for the figure the operator reads
    // (focus goes to it); Enter then decides, and the entry goes to the RO.
    let left = b.text("#left");
    b.keys("s");
    let focused = b.js("return document.activeElement.id", json!([]));
    assert_eq!(focused, "read-value");
    b.keys(&format!("{}{ENTER}", m["scan_value"]));
    b.wait_text("#left", |t| t != left);
    let field = m["field"].as_str().unwrap();
    ro.goto(&format!("{}/counting/71?round=2", s.base));
    // The RO's edit list of round 2 says the place in people's words and
    // opens its input; the figure the operator read is shown.
    let edits = ro.wait_text("#edits", |t| !t.is_empty());
    assert!(!edits.contains(field) && edits.contains("op71"), "{edits}");
    assert!(edits.contains(&m["scan_value"].to_string()), "{edits}");
    ro.find("#edits a[data-focus]").click();
    let focused = ro.js("return document.activeElement.id", json!([]));
    assert!(
        focused.as_str().is_some_and(|id| id.starts_with("v-")),
        "{focused}"
    );
    // Another round's page does not list it.
    ro.goto(&format!("{}/counting/71?round=1", s.base));
    assert!(ro.try_find("#edits").is_none());

    // The postal batch's own page: its ballots and their outcome, each
    // page's image beside what was read there, the values verified by
    // agreement with the register, the findings and their decisions.
    b.goto(&format!("{}/documents/{}", s.base, first["document"]));
    let ballots = b.text("#ballots");
    assert!(
        ballots.contains(first["ballot_id"].as_str().unwrap()),
        "{ballots}"
    );
    let text = b.text("body");
    assert!(
        text.contains("Verified: agrees with the register"),
        "{text}"
    );
    assert!(text.contains("Signed · ro71"), "the RO's decision: {text}");
    b.wait("the page images", || {
        let w = b.js(
            "return Array.from(document.querySelectorAll('img.page-image')).slice(0, 2).every(i => i.complete && i.naturalWidth > 0)",
            json!([]),
        );
        (w == true).then_some(())
    });
    shot(&b, "document");
}

#[test]
fn operator_settles_a_group_of_cut_outs_together_leaving_the_exceptions_open() {
    let tmp = TempDir::new("web-grid");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let op = s.login("op71", "demo-op71");
    // Five figures of round 3's signed sheet differ from the entries.
    let mut v = sheet(&s, &ro, 71, 3, true);
    for (t, c) in [(0, 0), (1, 0), (2, 1), (3, 1), (5, 2)] {
        let n = v["tables"][t]["votes"][c].as_u64().unwrap();
        v["tables"][t]["votes"][c] = json!(n + 4);
    }
    s.upload_read(
        71,
        &op,
        "round3.pdf",
        &scan_batch(&[("round-sheet", v)], None),
    );
    let groups = s.get("/api/v1/review/groups?ac=71&field=votes", &op);
    let ids: Vec<i64> = groups[0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "{groups}");

    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/review?ac=71", "op71", "demo-op71");
    // The queue offers the group; its screen shows every cut-out ticked.
    b.find("#groups a.group").click();
    b.wait_text("#group-size", |t| t == "5");
    assert_eq!(b.text("#picked"), "5");
    b.wait("the cut-outs", || {
        let ok = b.js(
            "return Array.from(document.querySelectorAll('.cell img')).every(i => i.complete && i.naturalWidth > 0)",
            json!([]),
        );
        (ok == true).then_some(())
    });
    // The second cut-out is the exception: Right moves to it, Space unticks it.
    b.keys(RIGHT);
    b.keys(" ");
    b.wait_text("#picked", |t| t == "4");
    let exception = b
        .js("return Number(document.activeElement.value)", json!([]))
        .as_i64()
        .unwrap();
    assert_eq!(exception, ids[1]);
    shot(&b, "review-grid");
    // E: the entry is right for the four ticked ones, in one decision.
    b.keys("e");
    let settled = b.wait_text("#settled", |t| !t.is_empty());
    assert!(settled.contains('4'), "{settled}");
    assert!(b.url().contains("/review?ac=71"), "{}", b.url());
    for id in &ids {
        let f = s
            .get("/api/v1/acs/71/findings", &op)
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == *id)
            .unwrap()
            .clone();
        if *id == exception {
            assert_eq!(f["status"], "open", "{f}");
        } else {
            assert_eq!(
                (
                    f["status"].as_str(),
                    f["decision"].as_str(),
                    f["decided_by"].as_str()
                ),
                (Some("closed"), Some("entry_correct"), Some("op71")),
                "{f}"
            );
        }
    }
    // The exception waits in the one-at-a-time queue.
    let queue = s.get("/api/v1/review?ac=71&field=votes", &op);
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(queue[0]["id"], exception);
}

#[test]
fn the_postal_desk_shows_each_ballot_imports_the_register_and_reconciles_as_typed() {
    let tmp = TempDir::new("web-postal");
    let (s, _ro, op) = crate::day::small_election_served(&tmp);
    let ac = s.get("/api/v1/acs/5", &op);
    let register = s.get("/api/v1/acs/5/etpbs-register", &op);
    let ballot = |id: &str| {
        register
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["ballot_id"] == id)
            .unwrap()
            .clone()
    };
    // Two ballots scanned: one in order, one whose declaration is unsigned.
    let (one, two) = (ballot("PB005-000001"), ballot("PB005-000002"));
    let doc = s.upload_read(
        5,
        &op,
        "postal.pdf",
        &scan_batch(
            &[
                ("form-13a", form_13a(&ac, &one, true, true)),
                ("form-13b", form_13b(&ac, &one)),
                ("form-13a", form_13a(&ac, &two, false, true)),
                ("form-13b", form_13b(&ac, &two)),
            ],
            None,
        ),
    );
    assert_eq!(doc["status"], "done", "{doc}");

    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/postal", "ro5", "secret-ro5");
    b.wait("the desk of AC 5", || {
        b.url().ends_with("/postal/5").then_some(())
    });
    assert_eq!(
        ["#in-register", "#accepted", "#rejected", "#not-uploaded"].map(|c| b
            .text(c)
            .split(' ')
            .next()
            .unwrap()
            .to_string()),
        ["3", "1", "1", "1"].map(String::from)
    );
    let row = b.text("tr[data-ballot=\"PB005-000002\"]");
    assert!(
        row.contains("Rejected") && row.contains("Not signed"),
        "{row}"
    );
    assert!(
        b.text("tr[data-ballot=\"PB005-000003\"]")
            .contains("not uploaded")
    );
    // Not every ballot is settled: the reconciliation waits.
    assert!(
        b.text("#reconcile").contains("Not every ballot"),
        "{}",
        b.text("#reconcile")
    );

    // The register as ETPBS sent it again: the third ballot never came.
    let csv = tmp.0.join("register.csv");
    std::fs::write(&csv, "ballot_id,postal_ballot_serial_no,part_no,elector_serial_no\nPB005-000001,1,12,301\nPB005-000002,2,12,302\n").unwrap();
    b.find("#register-file").send(csv.to_str().unwrap());
    b.find("#import").click();
    b.wait_text("#saved", |t| t.contains("register"));
    assert_eq!(b.text("#in-register"), "2");
    assert_eq!(b.text("#not-uploaded").split(' ').next(), Some("0"));
    assert_eq!(
        s.get("/api/v1/acs/5/etpbs-register", &op)
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The tally, reconciled as it is typed: 1 accepted cover = 1 vote; 1
    // rejected cover.
    let set = |css: &str, v: &str| {
        let e = b.find(css);
        e.clear();
        e.send(v);
    };
    set("#pv-0", "1");
    set("#rejected-covers", "1");
    b.wait_text("#reconcile", |t| t.starts_with("Reconciles"));
    set("#pv-1", "2");
    b.wait_text("#reconcile", |t| t.starts_with("Does not reconcile"));
    shot(&b, "postal");
    set("#pv-1", "0");
    b.wait_text("#reconcile", |t| t.starts_with("Reconciles"));
    b.find("#tally button[type=submit]").click();
    b.wait_text("#saved", |t| t.contains("tally"));
    let postal = s.get("/api/v1/acs/5/postal", &op);
    assert_eq!(postal["votes"], json!([1, 0, 0, 0]), "{postal}");
    assert_eq!(postal["rejected_covers"], 1);
    // The scans open from the desk.
    b.find("tr[data-ballot=\"PB005-000001\"] a").click();
    b.wait("the document page", || {
        b.url()
            .contains(&format!("/documents/{}", doc["id"]))
            .then_some(())
    });
    drop(b);

    // An operator enters the tally but does not import the register.
    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/postal/5", "op5", "secret-op5");
    assert!(b.try_find("#register-section").is_none());
    assert!(b.try_find("#tally button[type=submit]").is_some());
}

#[test]
fn archive_search_opens_a_certificate_and_downloads_its_exact_bytes() {
    let tmp = TempDir::new("web-archive");
    let (s, ro, _, mut values) = counted_to_the_end(&tmp, [2, 1, 0, 0]);
    values.insert("ro_signed".into(), json!(true));
    let signed = scan_batch(&[("certificate", Value::Object(values))], Some(8));
    s.upload_read(5, &ro, "form22-signed.pdf", &signed);
    let record = &s.get("/api/v1/archive/certificates?ac=5", &ro)[0];
    let winner = record["winner"].as_str().unwrap().to_string();

    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/archive", "ro5", "secret-ro5");
    let word = winner.split_whitespace().next().unwrap().to_lowercase();
    b.find("#q").send(&format!("testpur {word}{ENTER}"));
    b.wait_text("#certificates", |t| t.contains(&winner));
    shot(&b, "archive");
    b.find("#certificates tbody tr th a").click();
    let shown = b.wait_text("#sha256", |t| t.len() == 64);
    assert_eq!(shown, record["sha256"].as_str().unwrap());
    b.wait("the page image", || {
        let w = b.js(
            "return document.querySelector('#certificate-image').naturalWidth",
            json!([]),
        );
        (w.as_u64().unwrap_or(0) > 100).then_some(())
    });
    shot(&b, "archive-record");

    b.find("#download").click();
    let file = b.wait("the download", || {
        std::fs::read_dir(&b.downloads)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "pdf"))
    });
    let bytes = b.wait("the whole download", || {
        let bytes = std::fs::read(&file).ok()?;
        (sha256_hex(&bytes) == shown).then_some(bytes)
    });
    assert_eq!(bytes, signed, "the exact bytes uploaded");

    // A search that matches nothing says so.
    b.goto(&format!("{}/archive?q=nobody-by-this-name", s.base));
    assert!(b.try_find("#no-match").is_some());
}

#[test]
fn results_are_public_published_only_and_hindi_is_remembered() {
    let tmp = TempDir::new("web-results");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let draft = s.first_draft_round(71, &ro);
    // A draft round with figures in it must not show.
    let n = s.candidates(71, &ro);
    s.ok(
        "PUT",
        &format!("/api/v1/acs/71/rounds/{draft}/tables/1"),
        &ro,
        json!({"ps_no": 950, "votes": vec![7777; n]}),
    );

    let b = Browser::start(WIDE.0, WIDE.1);
    b.goto(&format!("{}/results", s.base));
    assert!(b.text("#results").contains("Rewa"));
    // The party-wise tally counts the party leading AC 71.
    let lead = s.call("GET", "/api/v1/acs/71/result", None, None).1;
    let party = lead["leader"]["party"].as_str().unwrap().to_string();
    let tally = b.text("#parties");
    assert!(tally.contains(&party), "{tally}");
    b.goto(&format!("{}/results/71", s.base));
    assert!(b.url().ends_with("/results/71"), "no sign-in needed");
    let published = draft - 1;
    assert!(b.text("#published").starts_with(&format!("{published} /")));
    let head = b.text("#by-round thead");
    assert!(head.contains(&format!("Round {published}")), "{head}");
    assert!(!head.contains(&format!("Round {draft}")), "{head}");
    for table in ["#standings", "#by-round"] {
        let text = b.text(table);
        assert!(!text.contains("7777") && !text.contains("7,777"), "{text}");
    }
    let result = s.call("GET", "/api/v1/acs/71/result", None, None).1;
    // Figures in Indian digit grouping (1,23,456).
    let grouped = scrutiny::http::pages::indian;
    assert_eq!(
        b.text("#margin"),
        grouped(result["margin"].as_u64().unwrap())
    );
    // Candidates by votes, most first, each with a share of the votes.
    let totals: Vec<u64> = b
        .find_all("#standings tbody td.total")
        .iter()
        .map(|e| {
            e.prop("innerText")
                .as_str()
                .unwrap()
                .replace(',', "")
                .parse()
                .unwrap()
        })
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    assert_eq!(
        totals.iter().sum::<u64>(),
        result["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>()
    );
    let top = result["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .max()
        .unwrap();
    assert_eq!(
        b.text("#standings tbody tr:first-child td.total"),
        grouped(top)
    );
    let shares: f64 = b
        .find_all("#standings tbody td.share")
        .iter()
        .map(|e| {
            e.prop("innerText")
                .as_str()
                .unwrap()
                .trim_end_matches(" %")
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert!((shares - 100.0).abs() < 0.1, "{shares}");
    // When it last changed: the latest publication or postal entry in the
    // audit log (a draft entry changes nothing public).
    let log = s.get("/api/v1/acs/71/audit", &ro);
    let changed = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            ["round.publish", "postal.put", "result.declare"]
                .contains(&e["action"].as_str().unwrap_or(""))
        })
        .filter_map(|e| e["at"].as_str())
        .max()
        .expect("the demo's publications are audited")
        .to_string();
    assert_eq!(
        b.js(
            "return document.querySelector('#updated').getAttribute('datetime')",
            json!([])
        ),
        json!(changed)
    );
    assert_eq!(
        b.find_all("#trend tbody tr").len() as u64,
        published,
        "one line of the trend per published round"
    );
    assert_eq!(audit(&b), Vec::<String>::new());
    b.screenshot_full(&shots(), "results", WIDE.0);

    // Hindi by the switch, kept by a cookie for a visitor.
    b.find(".lang a[lang=hi]").click();
    b.wait_text("h1", |t| t.contains("परिणाम"));
    assert_eq!(
        b.js("return document.documentElement.lang", json!([])),
        "hi"
    );
    b.goto(&format!("{}/results", s.base));
    assert!(b.text("h1").contains("परिणाम"));
    shot(&b, "results-hindi");
    b.resize(PHONE.0, PHONE.1);
    b.goto(&format!("{}/results/71", s.base));
    shot(&b, "results-phone");
    drop(b);

    // Remembered per user: chosen once, it follows the account to a new browser.
    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/counting/71", "ro71", "demo-ro71");
    assert!(b.text("h1").starts_with("Counting"));
    b.goto(&format!("{}/counting/71?lang=hi", s.base));
    assert!(b.text("h1").starts_with("मतगणना"));
    drop(b);
    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/counting/71", "ro71", "demo-ro71");
    assert!(b.text("h1").starts_with("मतगणना"), "{}", b.text("h1"));
    assert!(b.text("#entry thead").contains("मतदान केंद्र सं."));
    // What the declaration waits for, each sentence in Hindi with its figures.
    let checks = b.text("#declaration-checks");
    assert!(checks.contains("चक्र प्रकाशित हैं"), "{checks}");
    assert!(!checks.contains("rounds are published"), "{checks}");
    shot(&b, "counting-hindi");
}

#[test]
fn sign_in_refuses_a_wrong_password_and_sign_out_ends_the_session() {
    let tmp = TempDir::new("web-login");
    let s = Server::start(&tmp.0.join("data"), &["--demo", "--no-demo-scans"]);
    let b = Browser::start(WIDE.0, WIDE.1);
    b.goto(&format!("{}/review", s.base));
    b.find("#username").send("op71");
    b.find("#password").send(&format!("wrong-password{ENTER}"));
    b.wait_text("#login-error", |t| t.contains("Wrong username or password"));
    shot(&b, "login-refused");
    // The accessibility check does find an unlabelled field.
    b.js(
        "document.querySelector('main').append(document.createElement('input'))",
        json!([]),
    );
    assert!(audit(&b).iter().any(|p| p.starts_with("unlabelled")));
    b.find("#password").send(&format!("demo-op71{ENTER}"));
    b.wait_text("#who", |t| t.contains("op71"));
    assert!(
        b.url().ends_with("/review"),
        "back where it was asked: {}",
        b.url()
    );
    b.find(".who form button").click();
    b.wait("the sign-in page", || b.try_find("#username").map(|_| ()));
    b.goto(&format!("{}/review", s.base));
    assert!(b.url().contains("/login?next=/review"), "{}", b.url());
    // A wrong address is a page that says so, not a blank or a JSON body.
    b.goto(&format!("{}/results/seventy-one", s.base));
    let code = b.js(
        "return document.querySelector('.error').dataset.code",
        json!([]),
    );
    assert_eq!(code, "bad-input");
    assert!(
        b.text(".error")
            .contains("\"seventy-one\" is not an AC number")
    );
    b.goto(&format!("{}/no-such-page", s.base));
    let code = b.js(
        "return document.querySelector('.error').dataset.code",
        json!([]),
    );
    assert_eq!(code, "not-found");
}

#[test]
fn an_upload_whose_connection_drops_is_sent_again_by_itself_and_stored_once() {
    let tmp = TempDir::new("web-retry");
    let data = tmp.0.join("data");
    let port = crate::webdriver::free_port();
    let bind = format!("127.0.0.1:{port}");
    let s = Server::start_at(&data, &bind, &["--demo", "--no-demo-scans"]);
    let ro = s.login("ro71", "demo-ro71");
    let ac = s.get("/api/v1/acs/71", &ro);
    let reg = s.get("/api/v1/acs/71/etpbs-register", &ro);
    let pdf = scan_batch(&[("form-13b", form_13b(&ac, &reg[0]))], None);
    let file = tmp.0.join("cover.pdf");
    std::fs::write(&file, &pdf).unwrap();

    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/upload", "ro71", "demo-ro71");
    // The server goes away (power cut, cable pulled) with the page open.
    s.kill();
    b.find("#files").send(&file.display().to_string());
    b.wait_text("#batch tbody tr", |t| t.contains("trying again"));
    // It comes back; the page sends the file again without being asked.
    let s = Server::start_at(&data, &bind, &["--demo", "--no-demo-scans"]);
    b.wait_text("#batch tbody tr", |t| {
        t.contains("done") && t.contains("1 / 1")
    });
    let ro = s.login("ro71", "demo-ro71");
    let docs = s.get("/api/v1/acs/71/documents", &ro);
    assert_eq!(docs.as_array().unwrap().len(), 1, "{docs}");
    // And a second send of the same file is the same document.
    b.find("#files").send(&file.display().to_string());
    b.wait_text("#batch tbody tr:last-child", |t| {
        t.contains("already uploaded")
    });
    let docs = s.get("/api/v1/acs/71/documents", &ro);
    assert_eq!(docs.as_array().unwrap().len(), 1, "{docs}");
}

#[test]
fn the_end_of_the_count_on_the_pages_validation_vvpat_declaration_and_form20() {
    let tmp = TempDir::new("web-end");
    let (s, ro, op) = crate::day::small_election_served(&tmp);
    let ac = s.get("/api/v1/acs/5", &op);
    let register = s.get("/api/v1/acs/5/etpbs-register", &op);
    let covers: Vec<(&str, Value)> = register
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| {
            [
                ("form-13a", form_13a(&ac, b, true, true)),
                ("form-13b", form_13b(&ac, b)),
            ]
        })
        .collect();
    s.upload_read(5, &op, "covers.pdf", &scan_batch(&covers, None));
    s.ok(
        "PUT",
        "/api/v1/acs/5/postal",
        &op,
        json!({"votes": [2, 1, 0, 0], "rejected_papers": 0, "rejected_covers": 0}),
    );

    // The RO validates the postal entry on the desk, every condition met.
    let b = Browser::start(WIDE.0, WIDE.1);
    sign_in(&b, &s, "/postal/5", "ro5", "secret-ro5");
    assert_eq!(b.find_all("#postal-checks li.holds").len(), 4);
    assert!(b.find_all("#postal-checks li.unmet").is_empty());
    b.find("#validate button").click();
    b.wait_text("#validated", |t| t.contains("ro5"));
    assert_eq!(
        s.get("/api/v1/acs/5/postal/validation", &op)["validated"],
        true
    );
    assert!(b.try_find("#validate").is_none(), "validated once");

    for round in 1..=4 {
        crate::day::enter_round(&s, &op, round);
        crate::day::publish(&s, &ro, round);
    }

    // The draw, then the slips of each station typed under its EVM
    // figures; station 4's differ.
    b.goto(&format!("{}/vvpat/5", s.base));
    let e = b.find("#ps-nos");
    e.clear();
    e.send("1, 4, 7, 10, 12");
    b.find("#draw button").click();
    b.wait_text("#saved", |t| t.contains("draw"));
    assert_eq!(b.find_all("#vvpat tbody tr[data-ps]").len(), 5);
    let evm4 = crate::day::votes(2, 1);
    let slips4 = vec![evm4[0] - 3, evm4[1] + 3, evm4[2], evm4[3]];
    for ps in [1u64, 4, 7, 10, 12] {
        let figures = if ps == 4 {
            slips4.clone()
        } else {
            crate::day::votes((ps - 1) / 3 + 1, (ps - 1) % 3 + 1)
        };
        for (i, v) in figures.iter().enumerate() {
            let e = b.find(&format!("#s-{ps}-{i}"));
            e.clear();
            e.send(&v.to_string());
        }
        b.find(&format!("#slips-{ps} button")).click();
        b.wait_text(&format!("tr[data-ps=\"{ps}\"]"), |t| {
            !t.contains("Not counted")
        });
    }
    assert!(
        b.text("tr[data-ps=\"4\"]").contains("Differs"),
        "{}",
        b.text("#vvpat")
    );
    assert!(b.text("tr[data-ps=\"7\"]").contains("Agrees"));
    assert_eq!(
        b.find_all("#vvpat tr.differs").len(),
        2,
        "both rows of station 4"
    );
    shot(&b, "vvpat");

    // The declaration waits for the RO to settle the difference.
    b.goto(&format!("{}/counting/5", s.base));
    let unmet = b.js(
        "return [...document.querySelectorAll('#declaration-checks li.unmet')].map(e => e.dataset.condition)",
        json!([]),
    );
    assert_eq!(unmet, json!(["vvpat-settled"]));
    assert_eq!(b.find("#declare button").prop("disabled"), json!(true));
    for f in s.get("/api/v1/acs/5/findings", &ro).as_array().unwrap() {
        if f["kind"] == "vvpat_mismatch" {
            s.ok(
                "POST",
                &format!("/api/v1/review/{}", f["id"]),
                &ro,
                json!({"decision": "accept", "note": "slips recounted"}),
            );
        }
    }
    b.goto(&format!("{}/counting/5", s.base));
    assert!(b.find_all("#declaration-checks li.unmet").is_empty());
    b.find("#declare button").click();
    b.wait_text("#declared", |t| t.starts_with("Declared"));
    assert!(s.get("/api/v1/acs/5/result", &op)["declared_at"].is_string());
    assert!(b.try_find("#declare").is_none());
    assert_eq!(audit(&b), Vec::<String>::new());
    // The forms to print and sign, each a PDF the server gives.
    for id in ["form20-pdf", "form21c", "form21e"] {
        let href = b.js(
            &format!("return document.getElementById('{id}').href"),
            json!([]),
        );
        let (st, ct, _) = s.bytes(href.as_str().unwrap().trim_start_matches(&s.base), &ro);
        assert_eq!((st, ct.as_str()), (200, "application/pdf"), "{id}");
    }
    b.screenshot_full(&shots(), "declaration", WIDE.0);

    // Form 20, public now: station 4 by its slips, the totals as the result.
    let page = ureq::get(&format!("{}/results/5/form20", s.base))
        .call()
        .expect("public Form 20")
        .into_string()
        .unwrap();
    assert!(page.contains("id=\"form20\""), "{page}");
    b.find("#printed a").click();
    b.wait("the Form 20 page", || {
        b.url().ends_with("/results/5/form20").then_some(())
    });
    assert_eq!(b.find_all("#form20 tbody tr").len(), 12);
    let row4: Vec<String> = b
        .find_all("#form20 tbody tr:nth-child(4) td")
        .iter()
        .take(4)
        .map(|e| e.prop("innerText").as_str().unwrap().to_string())
        .collect();
    assert_eq!(row4, slips4.iter().map(u64::to_string).collect::<Vec<_>>());
    let totals = s.get("/api/v1/acs/5/result", &op)["totals"].clone();
    let grand: Vec<Value> = b
        .find_all("#form20 tfoot tr.grand td")
        .iter()
        .take(4)
        .map(|e| {
            json!(
                e.prop("innerText")
                    .as_str()
                    .unwrap()
                    .replace(',', "")
                    .parse::<u64>()
                    .unwrap()
            )
        })
        .collect();
    assert_eq!(json!(grand), totals);
    assert!(b.text("#vvpat-used").contains('4'));
    shot(&b, "form20");
}
