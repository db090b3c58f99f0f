//! The rules of every document type on hand-made readings (no OCR): each
//! finding kind is raised where it should be and nowhere else.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::*;
use crate::counting::CertificateRecord;
use crate::counting::{
    self, Candidate, Postal, RegisterBallot, RoundState, RoundStatus, TableEntry,
};
use crate::pipeline::{FieldReading, InkReading};

fn ac() -> Ac {
    Ac {
        ac_no: 71,
        name: "Rewa".into(),
        district: "Rewa".into(),
        ro: "Asha Verma".into(),
        tables: 2,
        rounds: 2,
        candidates: ["Ravi Kumar", "Meena Devi", "NOTA"]
            .iter()
            .enumerate()
            .map(|(i, n)| Candidate {
                serial: i as u32 + 1,
                name: n.to_string(),
                party: "P".into(),
            })
            .collect(),
        declared_at: None,
    }
}

fn entries() -> Vec<TableEntry> {
    vec![
        TableEntry {
            table: 1,
            ps_no: 1,
            votes: vec![300, 200, 5],
            tendered: None,
            rejected: None,
        },
        TableEntry {
            table: 2,
            ps_no: 2,
            votes: vec![250, 260, 4],
            tendered: None,
            rejected: None,
        },
    ]
}

fn state(revision: u32, postal: Option<Postal>) -> AcState {
    let ac = ac();
    let rounds = vec![
        RoundState {
            round: 1,
            status: RoundStatus::Published,
            revision,
        },
        RoundState {
            round: 2,
            status: RoundStatus::Published,
            revision: 1,
        },
    ];
    let mut by_round = BTreeMap::new();
    by_round.insert(1, entries());
    by_round.insert(2, entries());
    let published = [1, 2]
        .iter()
        .map(|&r| counting::RoundTotals {
            round: r,
            revision: 1,
            totals: counting::totals(3, entries().iter().map(|e| e.votes.as_slice())),
        })
        .collect();
    let result = counting::result(&ac, &rounds, published, postal.as_ref());
    AcState {
        rounds,
        entries: by_round,
        register: vec![
            RegisterBallot {
                ballot_id: "PB1".into(),
                postal_ballot_serial_no: "1".into(),
                part_no: 10,
                elector_serial_no: 100,
            },
            RegisterBallot {
                ballot_id: "PB2".into(),
                postal_ballot_serial_no: "2".into(),
                part_no: 10,
                elector_serial_no: 101,
            },
        ],
        certificates: vec![CertificateRecord {
            id: "C071-2026-0001".into(),
            ac_no: 71,
            seq: 1,
            winner_serial: 1,
            winner: "Ravi Kumar".into(),
            party: "P".into(),
            votes: result.totals[0],
            date: "29-11-2026".into(),
            ro_name: "Asha Verma".into(),
            digest: String::new(),
        }],
        form20: {
            let all: Vec<TableEntry> = entries().into_iter().chain(entries()).collect();
            let refs: Vec<&TableEntry> = all.iter().collect();
            counting::form20::build(&ac, &refs, &[], postal.as_ref(), &[])
        },
        postal,
        result,
        vvpat: vec![],
        reverified: vec![],
        ac,
    }
}

fn sure(v: Value) -> Value {
    json!({"value": v, "confidence": 0.99})
}

fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), sure(v.clone())))
        .collect()
}

fn page(
    doc: i64,
    form: &str,
    qr: &str,
    f: Map<String, Value>,
    marks: Map<String, Value>,
) -> ScannedPage {
    // Built from the JSON that `extract` prints, so the typed reading is
    // read back from its own shape.
    let reading = serde_json::from_value(json!({
        "form": form, "qr": qr, "fields": f, "marks": marks, "transform": null,
    }))
    .expect("a reading in extract's shape");
    ScannedPage {
        document_id: doc,
        page_no: 1,
        reading,
        error: None,
    }
}

fn a13(doc: i64, id: &str, serial: u64, signed: bool, attested: bool) -> ScannedPage {
    page(
        doc,
        "form-13a",
        &format!("SCR1|form-13a|id={id}"),
        fields(&[
            ("ac_no", json!(71)),
            ("ac_name", json!("REWA")),
            ("postal_ballot_serial_no", json!(serial)),
            ("part_no", json!(10)),
            (
                "elector_serial_no",
                json!(if id == "PB1" { 100 } else { 101 }),
            ),
        ]),
        fields(&[
            ("elector_signed", json!(signed)),
            ("attested", json!(attested)),
        ]),
    )
}

fn b13(doc: i64, id: &str, serial: u64) -> ScannedPage {
    page(
        doc,
        "form-13b",
        &format!("SCR1|form-13b|id={id}"),
        fields(&[
            ("ac_no", json!(71)),
            ("ac_name", json!("Rewa")),
            ("postal_ballot_serial_no", json!(serial)),
        ]),
        Map::new(),
    )
}

fn c13(doc: i64, page_no: u32, id: &str) -> ScannedPage {
    ScannedPage {
        page_no,
        ..page(
            doc,
            "form-13c",
            &format!("SCR1|form-13c|id={id}"),
            fields(&[("ac_no", json!(71)), ("ac_name", json!("Rewa"))]),
            Map::new(),
        )
    }
}

/// A 13A whose two QR codes carry these ballot ids (`None`: not found).
fn a13_codes(id: &str, top: Option<&str>, bottom: Option<&str>) -> ScannedPage {
    let mut p = a13(1, id, 1, true, true);
    let code = |name: &str, id: Option<&str>| {
        json!({"name": name, "text": id.map(|i| format!("SCR1|form-13a|id={i}")),
               "values": id.map_or(json!({}), |i| json!({"id": i}))})
    };
    p.reading.codes =
        serde_json::from_value(json!([code("top", top), code("bottom", bottom)])).unwrap();
    p
}

fn run(state: &AcState, pages: &[ScannedPage]) -> Checked {
    check_ac(state, pages, ModelSet::shared(), &Decisions::new())
}

fn kinds(c: &Checked) -> Vec<(Kind, Option<String>)> {
    c.findings
        .iter()
        .map(|f| (f.kind, f.field.clone()))
        .collect()
}

#[test]
fn a_good_pair_is_accepted_with_no_finding() {
    let c = run(
        &state(1, None),
        &[a13(1, "PB1", 1, true, true), b13(1, "PB1", 1)],
    );
    assert_eq!(kinds(&c), vec![]);
    assert_eq!(c.ballots[0].outcome, Outcome::Accepted);
}

#[test]
fn rule_54a_grounds_reject_the_ballot() {
    let c = run(
        &state(1, None),
        &[a13(1, "PB1", 1, false, false), b13(1, "PB1", 1)],
    );
    assert_eq!(c.ballots[0].outcome, Outcome::Rejected);
    assert_eq!(c.ballots[0].reasons, vec![Kind::Unsigned, Kind::Unattested]);
    // Serial numbers differ between 13A and 13B (and 13B disagrees with the register).
    let c = run(
        &state(1, None),
        &[a13(1, "PB2", 2, true, true), b13(1, "PB2", 7)],
    );
    assert_eq!(c.ballots[0].reasons, vec![Kind::SerialMismatch]);
    assert!(kinds(&c).contains(&(Kind::Mismatch, Some("postal_ballot_serial_no".into()))));
}

#[test]
fn register_duplicates_and_missing_pairs() {
    // Not in the register.
    let c = run(
        &state(1, None),
        &[a13(1, "PB9", 9, true, true), b13(1, "PB9", 9)],
    );
    assert!(kinds(&c).contains(&(Kind::NotInRegister, Some("ballot_id".into()))));
    assert_eq!(c.ballots[0].outcome, Outcome::NeedsReview);
    // A printed field that differs from the register.
    let mut a = a13(1, "PB1", 1, true, true);
    a.reading.fields.insert(
        "part_no".into(),
        FieldReading::One(Reading::new(11u64, 0.99)),
    );
    let c = run(&state(1, None), &[a, b13(1, "PB1", 1)]);
    let m = c
        .findings
        .iter()
        .find(|f| f.field.as_deref() == Some("part_no"))
        .unwrap();
    assert_eq!(
        (m.kind, m.scan_value.clone(), m.entered_value.clone()),
        (
            Kind::Mismatch,
            Some(Scalar::Count(11)),
            Some(Scalar::Count(10))
        )
    );
    // The same 13A in a second upload; a 13B alone.
    let c = run(
        &state(1, None),
        &[
            a13(1, "PB1", 1, true, true),
            b13(1, "PB1", 1),
            a13(2, "PB1", 1, true, true),
            b13(1, "PB2", 2),
        ],
    );
    let dup = c
        .findings
        .iter()
        .find(|f| f.kind == Kind::Duplicate)
        .unwrap();
    assert_eq!(dup.document_id, Some(2));
    assert!(
        c.findings
            .iter()
            .any(|f| f.kind == Kind::MissingPair && f.ballot_id.as_deref() == Some("PB2"))
    );
    assert!(c.ballots.iter().all(|b| b.outcome == Outcome::NeedsReview));
    // An operator saying the duplicate is a rescan of the same paper settles it.
    let mut decided = Decisions::new();
    decided.insert(dup.key(), Decision::EntryCorrect);
    let c2 = check_ac(
        &state(1, None),
        &[
            a13(1, "PB1", 1, true, true),
            b13(1, "PB1", 1),
            a13(2, "PB1", 1, true, true),
        ],
        ModelSet::shared(),
        &decided,
    );
    assert_eq!(c2.ballots[0].outcome, Outcome::Accepted);
}

#[test]
fn unsure_readings_are_unreadable_never_verified() {
    let mut a = a13(1, "PB1", 1, true, true);
    a.reading.fields.insert(
        "postal_ballot_serial_no".into(),
        FieldReading::One(Reading::new(1u64, 0.4)),
    );
    a.reading.marks.insert(
        "elector_signed".into(),
        InkReading {
            value: true,
            confidence: 0.6,
        },
    );
    let c = run(&state(1, None), &[a, b13(1, "PB1", 1)]);
    let unreadable: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.kind == Kind::Unreadable)
        .map(|f| f.field.clone().unwrap())
        .collect();
    assert_eq!(
        unreadable,
        vec!["postal_ballot_serial_no", "elector_signed"]
    );
    assert_eq!(c.ballots[0].outcome, Outcome::NeedsReview);
}

fn sheet(rev: u32, figures: Vec<Vec<u64>>, signed: bool) -> ScannedPage {
    let totals = counting::totals(3, figures.iter().map(Vec::as_slice));
    let conf = |rows: usize| json!(vec![vec![0.99; 3]; rows]);
    let mut f = fields(&[
        ("ac_no", json!(71)),
        ("round", json!(1)),
        ("revision", json!(rev)),
    ]);
    f.insert(
        "votes".into(),
        json!({"value": figures, "confidence": conf(figures.len())}),
    );
    f.insert(
        "totals".into(),
        json!({"value": totals, "confidence": vec![0.99; 3]}),
    );
    f.insert(
        "table".into(),
        json!({"value": [1, 2], "confidence": [1.0, 1.0]}),
    );
    f.insert(
        "ps_no".into(),
        json!({"value": [1, 2], "confidence": [1.0, 1.0]}),
    );
    page(
        3,
        "round-sheet",
        &format!("SCR1|round-sheet|ac=71|rev={rev}|round=1|rows=2|cols=3|col0=0|d=x"),
        f,
        fields(&[("ro_signed", json!(signed))]),
    )
}

#[test]
fn round_sheets_figure_by_figure() {
    let good: Vec<Vec<u64>> = entries().into_iter().map(|e| e.votes).collect();
    assert_eq!(
        kinds(&run(&state(1, None), &[sheet(1, good.clone(), true)])),
        vec![]
    );
    // One changed figure: that cell and its column total, with both integers.
    let mut bad = good.clone();
    bad[1][0] += 4;
    let c = run(&state(1, None), &[sheet(1, bad, true)]);
    assert_eq!(
        kinds(&c),
        vec![
            (Kind::Mismatch, Some("votes[1][0]".into())),
            (Kind::Mismatch, Some("totals[0]".into()))
        ]
    );
    assert_eq!(
        (
            c.findings[0].scan_value.clone(),
            c.findings[0].entered_value.clone()
        ),
        (Some(Scalar::Count(254)), Some(Scalar::Count(250)))
    );
    // An older revision is stale and nothing else; an unsigned sheet is unsigned.
    assert_eq!(
        kinds(&run(&state(2, None), &[sheet(1, good.clone(), true)])),
        vec![(Kind::Stale, Some("revision".into()))]
    );
    assert_eq!(
        kinds(&run(&state(1, None), &[sheet(1, good, false)])),
        vec![(Kind::Unsigned, Some("ro_signed".into()))]
    );
}

#[test]
fn certificates_unknown_stale_and_signed() {
    let s = state(1, None);
    let cert = |id: &str, votes: u64, signed: bool| {
        page(
            4,
            "certificate",
            &format!("SCR1|certificate|id={id}|d=x"),
            fields(&[
                ("ac_no", json!(71)),
                ("ac_name", json!("Rewa")),
                ("winner", json!("Ravi Kumar")),
                ("party", json!("P")),
                ("votes", json!(votes)),
                ("date", json!("29-11-2026")),
                ("ro_name", json!("Asha Verma")),
            ]),
            fields(&[("ro_signed", json!(signed))]),
        )
    };
    let votes = s.result.totals[0];
    assert_eq!(
        kinds(&run(&s, &[cert("C071-2026-0001", votes, true)])),
        vec![]
    );
    assert_eq!(
        kinds(&run(&s, &[cert("C071-2026-0001", votes, false)])),
        vec![(Kind::Unsigned, Some("ro_signed".into()))]
    );
    assert_eq!(
        kinds(&run(&s, &[cert("C071-2026-0009", votes, true)])),
        vec![(Kind::Mismatch, Some("certificate_id".into()))]
    );
    assert_eq!(
        kinds(&run(&s, &[cert("C071-2026-0001", votes + 1, true)])),
        vec![(Kind::Mismatch, Some("votes".into()))]
    );
    // The counts changed after printing: the certificate is stale.
    let mut changed = state(1, None);
    changed.certificates[0].votes += 5;
    assert!(
        kinds(&run(&changed, &[cert("C071-2026-0001", votes + 5, true)]))
            .contains(&(Kind::Stale, Some("certificate_id".into())))
    );
}

#[test]
fn postal_reconciliation_and_a_narrow_margin() {
    let postal = Postal {
        votes: vec![1, 0, 0],
        rejected_papers: 0,
        rejected_covers: 0,
    };
    let pages = [
        a13(1, "PB1", 1, true, true),
        b13(1, "PB1", 1),
        a13(1, "PB2", 2, true, true),
        b13(1, "PB2", 2),
    ];
    let c = run(&state(1, Some(postal.clone())), &pages);
    let r: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.kind == Kind::Reconciliation)
        .collect();
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].scan_value.clone(), r[0].entered_value.clone()),
        (Some(Scalar::Count(2)), Some(Scalar::Count(1)))
    );
    let ok = Postal {
        votes: vec![1, 1, 0],
        ..postal
    };
    assert!(run(&state(1, Some(ok)), &pages).findings.is_empty());
    // Not every register ballot settled yet: no reconciliation finding.
    assert!(
        run(
            &state(
                1,
                Some(Postal {
                    votes: vec![0, 0, 0],
                    rejected_papers: 0,
                    rejected_covers: 0
                })
            ),
            &pages[..2]
        )
        .findings
        .iter()
        .all(|f| f.kind != Kind::Reconciliation)
    );
    // EVM totals 1,100 and 920; 170 postal votes bring the runner-up within
    // 10, under the 20 rejected postal papers.
    let narrow = Postal {
        votes: vec![0, 170, 0],
        rejected_papers: 20,
        rejected_covers: 0,
    };
    let s = state(1, Some(narrow));
    assert_eq!(s.result.margin, 10);
    let c = run(&s, &[]);
    assert_eq!(
        kinds(&c),
        vec![(Kind::MarginBelowRejected, Some("margin".into()))]
    );
}

/// Ballot PB1's declaration with its AC number and serial number read at
/// these confidences and values.
fn a13_read(ac_no: (u64, f64), serial: (u64, f64)) -> ScannedPage {
    let mut f = fields(&[
        ("ac_name", json!("REWA")),
        ("part_no", json!(10)),
        ("elector_serial_no", json!(100)),
    ]);
    f.insert(
        "ac_no".into(),
        json!({"value": ac_no.0, "confidence": ac_no.1}),
    );
    f.insert(
        "postal_ballot_serial_no".into(),
        json!({"value": serial.0, "confidence": serial.1}),
    );
    page(
        1,
        "form-13a",
        "SCR1|form-13a|id=PB1",
        f,
        fields(&[("elector_signed", json!(true)), ("attested", json!(true))]),
    )
}

#[test]
fn an_unsure_value_equal_to_the_register_is_verified_with_its_evidence() {
    // AC 71 read at 0.72 and serial 1 at 0.65: under the 0.8 threshold,
    // over the 0.6 floor, equal to the AC and the register.
    let c = run(
        &state(1, None),
        &[a13_read((71, 0.72), (1, 0.65)), b13(1, "PB1", 1)],
    );
    assert_eq!(kinds(&c), vec![]);
    assert_eq!(c.ballots[0].outcome, Outcome::Accepted);
    let evidence: Vec<String> = c.agreements.iter().map(Agreement::sentence).collect();
    assert_eq!(
        evidence,
        [
            "ac_no read 71 at 0.72 (under 0.80); agrees with the AC it was uploaded to",
            "postal_ballot_serial_no read 1 at 0.65 (under 0.80); agrees with the ETPBS register",
        ]
    );
}

#[test]
fn an_unsure_value_that_differs_or_is_under_the_floor_is_still_a_finding() {
    // 77 at 0.72: not the AC; 1 at 0.55: under the floor.
    let c = run(
        &state(1, None),
        &[a13_read((77, 0.72), (1, 0.55)), b13(1, "PB1", 1)],
    );
    let k = kinds(&c);
    assert!(
        k.contains(&(Kind::Unreadable, Some("ac_no".into()))),
        "{k:?}"
    );
    assert!(
        k.contains(&(Kind::Unreadable, Some("postal_ballot_serial_no".into()))),
        "{k:?}"
    );
    assert!(c.agreements.is_empty());
    assert_eq!(c.ballots[0].outcome, Outcome::NeedsReview);
}

/// What a perfect reader reports for a printed page: every value sure,
/// every box signed.
fn read_back(form: &str, printed: &crate::render::PrintedPage) -> ScannedPage {
    let mut f = Map::new();
    for (k, v) in &printed.fields {
        let confidence = match v {
            Value::Array(rows) if rows.first().is_some_and(Value::is_array) => json!(
                rows.iter()
                    .map(|r| vec![0.99; r.as_array().map_or(0, Vec::len)])
                    .collect::<Vec<_>>()
            ),
            Value::Array(cells) => json!(vec![0.99; cells.len()]),
            _ => json!(0.99),
        };
        f.insert(k.clone(), json!({"value": v, "confidence": confidence}));
    }
    let marks = printed
        .marks
        .keys()
        .map(|k| (k.clone(), json!({"value": true, "confidence": 0.99})))
        .collect();
    page(9, form, &printed.payload, f, marks)
}

fn printed(form: FormKind, values: &Value) -> Vec<crate::render::PrintedPage> {
    crate::render::layout(ModelSet::shared().get(form.id()).unwrap(), values).unwrap()
}

#[test]
fn form_20_is_read_back_station_by_station_over_several_pages() {
    let mut s = state(1, None);
    // 45 stations: three pages of rows.
    let many: Vec<TableEntry> = (1..=45)
        .map(|ps| TableEntry {
            table: 1,
            ps_no: ps,
            votes: vec![u64::from(ps) * 3, 100 + u64::from(ps), 2],
            tendered: Some(u64::from(ps % 2)),
            rejected: Some(u64::from(ps % 3 == 0)),
        })
        .collect();
    let refs: Vec<&TableEntry> = many.iter().collect();
    let postal = Postal {
        votes: vec![4, 3, 1],
        rejected_papers: 2,
        rejected_covers: 0,
    };
    s.form20 = counting::form20::build(&s.ac, &refs, &[], Some(&postal), &[]);
    let pages = printed(FormKind::Form20, &counting::form20::print_values(&s.form20));
    assert_eq!(pages.len(), 3);
    assert!(
        pages[1].payload.contains("|row0=20|"),
        "{}",
        pages[1].payload
    );
    // Every station's rejected and tendered votes are recorded: a column
    // of their own each (the total row's rejected add the postal papers').
    assert_eq!(
        pages[0].fields["votes"][0],
        json!([3, 101, 2, 104, 0, 106, 1])
    );
    assert_eq!(
        pages[0].fields["votes"][2],
        json!([9, 103, 2, 112, 1, 115, 1])
    );
    assert_eq!(pages[0].fields["total"][4], json!(15 + 2));
    assert_eq!(pages[0].fields["total"][6], json!(23));
    let scans: Vec<ScannedPage> = pages.iter().map(|p| read_back("form-20", p)).collect();
    assert_eq!(kinds(&run(&s, &scans)), vec![]);
    // One figure of page 2 differs from the entries (its page total as
    // printed does not): that cell, named by the row on the page and the
    // printed column.
    let mut bad = pages[1].clone();
    bad.fields["votes"][3][1] = json!(999);
    let c = run(&s, &[read_back("form-20", &bad)]);
    assert_eq!(
        kinds(&c),
        vec![(Kind::Mismatch, Some("votes[3][1]".into()))]
    );
    assert_eq!(c.findings[0].entered_value, Some(Scalar::Count(124)));
    // The postal row as printed before a change of the tally.
    let mut changed = s.clone();
    changed.form20.postal.votes[0] += 1;
    changed.form20.postal.valid += 1;
    changed.form20.postal.total += 1;
    let found = kinds(&run(&changed, &scans[..1]));
    assert!(
        found.contains(&(Kind::Mismatch, Some("postal[0]".into()))),
        "{found:?}"
    );
    assert!(
        found.contains(&(Kind::Mismatch, Some("postal[3]".into()))),
        "{found:?}"
    );
    // Printed before a 46th station was published: its last page lacks it.
    let mut more = s.clone();
    let extra = TableEntry {
        table: 2,
        ps_no: 46,
        votes: vec![1, 1, 1],
        tendered: None,
        rejected: None,
    };
    let refs: Vec<&TableEntry> = many.iter().chain([&extra]).collect();
    more.form20 = counting::form20::build(&more.ac, &refs, &[], Some(&postal), &[]);
    let found = kinds(&run(&more, &scans[2..]));
    assert!(
        found.contains(&(Kind::Mismatch, Some("rows".into()))),
        "{found:?}"
    );
    // A Form 20 of another AC is that and nothing more.
    let mut other = s.clone();
    other.ac.ac_no = 72;
    assert_eq!(
        kinds(&run(&other, &scans[..1])),
        vec![(Kind::Mismatch, Some("ac_no".into()))]
    );
}

#[test]
fn forms_21c_and_21e_hold_only_for_the_declared_result() {
    let mut s = state(1, None);
    s.ac.declared_at = Some("2026-12-02T20:31:00Z".into());
    let winner = s.result.leader.clone().unwrap();
    for form in [FormKind::Form21C, FormKind::Form21E] {
        let with_return = form == FormKind::Form21E;
        let values = counting::form20::declaration_values(
            &s.ac,
            &winner,
            "03-12-2026",
            &s.form20,
            with_return,
        );
        let pages = printed(form, &values);
        assert_eq!(pages.len(), 1);
        let scan = read_back(form.id(), &pages[0]);
        assert_eq!(
            kinds(&run(&s, std::slice::from_ref(&scan))),
            vec![],
            "{form}"
        );
        // Dated the UTC day instead of the day in India.
        let utc = counting::form20::declaration_values(
            &s.ac,
            &winner,
            "02-12-2026",
            &s.form20,
            with_return,
        );
        let scan_utc = read_back(form.id(), &printed(form, &utc)[0]);
        assert_eq!(
            kinds(&run(&s, &[scan_utc])),
            vec![(Kind::Mismatch, Some("date".into()))],
            "{form}"
        );
        // Before the declaration the form does not hold.
        let mut open = s.clone();
        open.ac.declared_at = None;
        assert!(
            kinds(&run(&open, std::slice::from_ref(&scan)))
                .contains(&(Kind::Stale, Some("date".into()))),
            "{form}"
        );
    }
    // Form 21E's votes are the result's: a changed candidate figure.
    let values =
        counting::form20::declaration_values(&s.ac, &winner, "03-12-2026", &s.form20, true);
    let mut p = printed(FormKind::Form21E, &values).remove(0);
    p.fields["votes"][1][0] = json!(1);
    p.fields["totals"][0] = json!(1);
    assert_eq!(
        kinds(&run(&s, &[read_back("form-21e", &p)])),
        vec![
            (Kind::Mismatch, Some("votes[1][0]".into())),
            (Kind::Mismatch, Some("totals[0]".into()))
        ]
    );
}

#[test]
fn an_opened_outer_cover_without_its_13a_or_13b_rejects_the_ballot() {
    // All three covers, in any order: accepted, numbered by the 13C's scan.
    let c = run(
        &state(1, None),
        &[
            b13(1, "PB2", 2),
            c13(1, 2, "PB2"),
            a13(2, "PB1", 1, true, true),
            c13(1, 1, "PB1"),
            b13(3, "PB1", 1),
            a13(3, "PB2", 2, true, true),
        ],
    );
    let outcomes: Vec<_> = c
        .ballots
        .iter()
        .map(|b| (b.ballot_id.as_str(), b.outcome, b.count_serial, b.has_13c))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("PB1", Outcome::Accepted, Some(1), true),
            ("PB2", Outcome::Accepted, Some(2), true)
        ],
        "{:?}",
        c.findings
    );
    // A 13C whose 13A never came: rejected with the reason.
    let c = run(&state(1, None), &[c13(1, 1, "PB1"), b13(1, "PB1", 1)]);
    assert_eq!(
        (c.ballots[0].outcome, c.ballots[0].reasons.clone()),
        (Outcome::Rejected, vec![Kind::MissingPair])
    );
    assert!(kinds(&c).contains(&(Kind::MissingPair, Some("form-13a".into()))));
    // Without a 13C, a lone 13B only waits for its 13A.
    let c = run(&state(1, None), &[b13(1, "PB1", 1)]);
    assert_eq!(c.ballots[0].outcome, Outcome::NeedsReview);
    assert_eq!(c.ballots[0].count_serial, None);
    // The RO rejecting the cover on that ground: it stands.
    let c = run(&state(1, None), &[c13(1, 1, "PB1"), b13(1, "PB1", 1)]);
    let missing = c
        .findings
        .iter()
        .find(|f| f.kind == Kind::MissingPair)
        .unwrap();
    let mut decided = Decisions::new();
    decided.insert(missing.key(), Decision::Reject);
    let c = check_ac(
        &state(1, None),
        &[c13(1, 1, "PB1"), b13(1, "PB1", 1)],
        ModelSet::shared(),
        &decided,
    );
    assert_eq!(c.ballots[0].outcome, Outcome::Rejected);
    // A second 13C of the same ballot is a duplicate.
    let c = run(
        &state(1, None),
        &[
            c13(1, 1, "PB1"),
            c13(2, 1, "PB1"),
            a13(1, "PB1", 1, true, true),
            b13(1, "PB1", 1),
        ],
    );
    assert!(
        c.findings
            .iter()
            .any(|f| f.kind == Kind::Duplicate && f.document_id == Some(2)),
        "{:?}",
        c.findings
    );
}

#[test]
fn a_declarations_two_qr_codes_must_both_be_read_and_agree() {
    let both = run(
        &state(1, None),
        &[
            a13_codes("PB1", Some("PB1"), Some("pb 1")),
            b13(1, "PB1", 1),
        ],
    );
    assert_eq!(
        both.ballots[0].outcome,
        Outcome::Accepted,
        "{:?}",
        both.findings
    );
    let crossed = run(
        &state(1, None),
        &[a13_codes("PB1", Some("PB1"), Some("PB2")), b13(1, "PB1", 1)],
    );
    let f = crossed
        .findings
        .iter()
        .find(|f| f.kind == Kind::QrMismatch)
        .expect("a qr_mismatch");
    assert_eq!(
        (
            f.field.as_deref(),
            f.scan_value.clone(),
            f.entered_value.clone()
        ),
        (
            Some("qr:bottom"),
            Some(Scalar::from("PB2")),
            Some(Scalar::from("PB1"))
        )
    );
    assert_eq!(crossed.ballots[0].outcome, Outcome::NeedsReview);
    let lost = run(
        &state(1, None),
        &[a13_codes("PB1", Some("PB1"), None), b13(1, "PB1", 1)],
    );
    assert!(kinds(&lost).contains(&(Kind::Unreadable, Some("qr:bottom".into()))));
}

#[test]
fn serial_numbers_are_compared_as_identifiers() {
    let mut state = state(1, None);
    state.register[0].postal_ballot_serial_no = "KL/0042-A".into();
    let mut a = a13(1, "PB1", 1, true, true);
    let mut b = b13(1, "PB1", 1);
    for p in [&mut a, &mut b] {
        p.reading.fields.insert(
            "postal_ballot_serial_no".into(),
            FieldReading::One(Reading::new("kl/0042-a", 0.99)),
        );
    }
    let c = run(&state, &[a.clone(), b.clone()]);
    assert_eq!(c.ballots[0].outcome, Outcome::Accepted, "{:?}", c.findings);
    // Leading zeros count: 42 is not 0042.
    b.reading.fields.insert(
        "postal_ballot_serial_no".into(),
        FieldReading::One(Reading::new("KL/42-A", 0.99)),
    );
    let c = run(&state, &[a, b]);
    assert_eq!(c.ballots[0].reasons, vec![Kind::SerialMismatch]);
}
