//! Running the checks of an AC and storing what they found: new findings
//! are opened, findings that no longer hold are closed as `resolved` (and
//! reopened if they come back), decided findings keep their decision,
//! ballot outcomes are replaced, and documents whose pages are all read
//! become `done`. It runs inside the caller's transaction, so a change and
//! the findings it causes commit together: the AC's findings always match
//! one state of its counts, and a failed recheck stores no change.

use std::collections::{HashMap, HashSet};

use crate::checks::{self, AcState, Ballot, Decision, FindingKey, FindingStatus};
use crate::clock;
use crate::db::{self, Conn, DocumentStatus, PageScope};
use crate::error::Result;
use crate::forms::ModelSet;

/// Everything entered for the AC that its scans are checked against.
pub async fn load_state(c: &mut Conn, ac_no: u32) -> Result<AcState> {
    let ac = db::ac(&mut *c, ac_no).await?;
    let rounds = db::round_states(&mut *c, ac_no).await?;
    let entries = db::entries_of_ac(&mut *c, ac_no).await?;
    let (result, form20) = db::result_and_form20(&mut *c, &ac).await?;
    Ok(AcState {
        postal: db::postal(&mut *c, ac_no).await?,
        register: db::register(&mut *c, ac_no).await?,
        certificates: db::certificates_of_ac(&mut *c, ac_no).await?,
        vvpat: db::vvpat_stations(&mut *c, ac_no).await?,
        reverified: db::reverifications(&mut *c, ac_no).await?,
        form20,
        ac,
        rounds,
        entries,
        result,
    })
}

/// What a change can have touched, so that a recheck costs what the
/// change touches (`docs/design.md`, "Rechecks"). Round sheets,
/// certificates and the AC-wide rules are checked on every run (an AC has
/// few of them); the postal ballots, thousands of pages, only when in scope.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Counts, rounds or the certificate changed: no postal ballot's
    /// outcome depends on them.
    Counts,
    /// These documents were read, or a finding on them or on these ballots
    /// was decided: the ballots their pages carry are checked again.
    Pages {
        documents: Vec<i64>,
        ballots: Vec<String>,
    },
    /// The register changed, or anything else every ballot depends on.
    All,
}

/// Checks the scans of the AC that `scope` takes against its counts as they
/// are now, in the transaction `c`; what is out of scope is kept as stored.
pub async fn run(c: &mut Conn, ac_no: u32, scope: Scope) -> Result<()> {
    let state = load_state(&mut *c, ac_no).await?;
    let ballot_ids = match &scope {
        Scope::Pages { documents, ballots } => {
            let mut ids = db::ballots_of_documents(&mut *c, documents).await?;
            ids.extend(ballots.iter().cloned());
            ids.sort();
            ids.dedup();
            ids
        }
        _ => vec![],
    };
    let pages = match &scope {
        Scope::All => db::read_pages_of_ac(&mut *c, ac_no, PageScope::All).await?,
        Scope::Counts => {
            let only = PageScope::Some {
                documents: &[],
                ballots: &[],
            };
            db::read_pages_of_ac(&mut *c, ac_no, only).await?
        }
        Scope::Pages { documents, .. } => {
            let only = PageScope::Some {
                documents,
                ballots: &ballot_ids,
            };
            db::read_pages_of_ac(&mut *c, ac_no, only).await?
        }
    };
    let existing = db::findings_of_ac(&mut *c, ac_no).await?;
    let decisions: HashMap<FindingKey, Decision> = existing
        .iter()
        .filter_map(|f| f.decision.map(|d| (f.as_finding().key(), d)))
        .collect();
    let mut checked = checks::check_pages(&state, &pages, ModelSet::shared(), &decisions);
    // Ballots out of scope keep their stored outcome; the AC-wide rules see
    // every ballot.
    let stored_ballots = db::ballots_of_ac(&mut *c, ac_no).await?;
    let looked_at: Option<HashSet<&str>> = match &scope {
        Scope::All => None,
        Scope::Counts => Some(HashSet::new()),
        Scope::Pages { .. } => Some(ballot_ids.iter().map(String::as_str).collect()),
    };
    let fresh: HashSet<&str> = checked
        .ballots
        .iter()
        .map(|b| b.ballot_id.as_str())
        .collect();
    let mut ballots: Vec<Ballot> = match &looked_at {
        None => vec![],
        Some(ids) => stored_ballots
            .iter()
            .filter(|b| {
                !ids.contains(b.ballot_id.as_str()) && !fresh.contains(b.ballot_id.as_str())
            })
            .cloned()
            .collect(),
    };
    ballots.extend(checked.ballots.iter().cloned());
    ballots.sort_by(|a, b| a.ballot_id.cmp(&b.ballot_id));
    checked
        .findings
        .extend(checks::check_totals(&state, &ballots));

    // Stored findings in scope are those on the pages just checked, and the
    // AC-wide ones; the others stand as they are.
    let checked_pages: HashSet<(i64, u32)> =
        pages.iter().map(|p| (p.document_id, p.page_no)).collect();
    let in_scope = |f: &db::FindingRow| match (f.document, f.page) {
        (Some(d), Some(p)) => checked_pages.contains(&(d, p)),
        _ => true,
    };
    let at = clock::now_rfc3339();
    let current: HashSet<FindingKey> = checked.findings.iter().map(|f| f.key()).collect();
    let mut stored = HashSet::new();
    let mut standing = vec![];
    for f in &existing {
        let key = f.as_finding().key();
        if !in_scope(f) {
            if f.status != FindingStatus::Resolved && stored.insert(key) {
                standing.push(f.as_finding());
            }
            continue;
        }
        let holds = current.contains(&key);
        match (f.status, holds) {
            (FindingStatus::Open | FindingStatus::Closed, false) => {
                db::set_finding_status(&mut *c, f.id, FindingStatus::Resolved, Some(&at)).await?
            }
            (FindingStatus::Resolved, true) if !stored.contains(&key) => {
                let back = if f.decision.is_some() {
                    FindingStatus::Closed
                } else {
                    FindingStatus::Open
                };
                db::set_finding_status(&mut *c, f.id, back, None).await?
            }
            _ => {}
        }
        if holds {
            stored.insert(key);
        }
    }
    for f in &checked.findings {
        if stored.insert(f.key()) {
            db::insert_finding(&mut *c, ac_no, f, &at).await?;
        }
    }
    db::replace_agreements(&mut *c, ac_no, &checked_pages, &checked.agreements, &at).await?;
    db::replace_ballots(
        &mut *c,
        ac_no,
        &stored_ballots,
        &checked.ballots,
        looked_at.as_ref(),
        &at,
    )
    .await?;
    // Progress counts every finding that holds: those just found and the
    // stored ones out of scope.
    let mut holding = checked.findings.clone();
    holding.extend(standing);
    let progress = crate::progress::compute(&state, &pages, &holding, &decisions, &ballots);
    db::set_progress(&mut *c, ac_no, &progress, &at).await?;
    db::set_standing(&mut *c, &state.result, &at).await?;
    crate::archive::record_certificates(&mut *c, &state, &pages, &at).await?;
    for d in db::documents_read_unfinished(&mut *c, ac_no).await? {
        if d.failed_pages == d.page_count {
            db::set_document_status(
                &mut *c,
                d.id,
                DocumentStatus::Failed,
                Some("no page of the document could be read"),
                &at,
            )
            .await?;
        } else {
            db::set_document_status(&mut *c, d.id, DocumentStatus::Done, None, &at).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Scoped rechecks must leave the AC exactly as a full one would.

    use super::*;
    use crate::counting::setup::{AcSetup, CandidateSetup, ElectionSetup};
    use crate::counting::{RegisterBallot, TableEntry};
    use crate::db::{Db, query};
    use crate::forms::FormKind;
    use crate::pipeline::{FieldReading, InkReading, PageReading, Reading, Scalar};

    /// A 13A or 13B page of ballot `id` as a worker stores it.
    fn reading(form: FormKind, id: &str, serial: u32, signed: bool) -> PageReading {
        let mut r = PageReading {
            form: Some(form.id().into()),
            qr: Some(format!("SCR1|{form}|id={id}")),
            ..PageReading::default()
        };
        let sure = |v: Scalar| FieldReading::One(Reading::new(v, 0.97));
        for (name, v) in [
            ("ballot_id", Scalar::from(id)),
            ("ac_no", 9u32.into()),
            ("ac_name", "Nine".into()),
            ("part_no", 4u32.into()),
            ("elector_serial_no", serial.into()),
            ("postal_ballot_serial_no", serial.into()),
        ] {
            r.fields.insert(name.into(), sure(v));
        }
        for mark in ["elector_signed", "attested"] {
            let ink = InkReading {
                value: signed,
                confidence: 0.97,
            };
            r.marks.insert(mark.into(), ink);
        }
        r
    }

    /// Uploads one document of `pages` and stores their readings the way a
    /// worker does, with the worker's scoped recheck at the end.
    async fn read_document(db: &Db, sha: &str, pages: &[PageReading]) -> i64 {
        let at = clock::now_rfc3339();
        let mut tx = db.write().await.unwrap();
        let doc = db::insert_document(
            &mut tx,
            &db::NewDocument {
                ac_no: 9,
                sha256: sha,
                media_type: "application/pdf",
                size: 1,
                filename: "scan.pdf",
                page_count: pages.len() as u32,
                uploaded_by: "test",
                uploaded_at: &at,
            },
        )
        .await
        .unwrap()
        .unwrap();
        db::claim_pages(&mut tx, "test", 0, i64::MAX, u32::MAX)
            .await
            .unwrap();
        for (i, p) in pages.iter().enumerate() {
            let r = db::PageResult {
                reading: Some(p),
                error: None,
                ms: 1.0,
                at: &at,
            };
            db::store_page(&mut tx, doc, i as u32 + 1, "test", &r)
                .await
                .unwrap();
        }
        let scope = Scope::Pages {
            documents: vec![doc],
            ballots: vec![],
        };
        run(&mut tx, 9, scope).await.unwrap();
        tx.commit().await.unwrap();
        doc
    }

    /// Everything a recheck writes, as text to compare.
    async fn snapshot(db: &Db) -> Vec<String> {
        let mut c = db.read().await.unwrap();
        let findings: Vec<(i64, String, String, Option<String>)> =
            query("SELECT id, message, status, decision FROM findings ORDER BY id")
                .fetch_all(&mut c)
                .await
                .unwrap();
        let ballots = db::ballots_of_ac(&mut c, 9).await.unwrap();
        let progress: Vec<(i64, i64, i64, i64, String)> =
            query("SELECT expected, uploaded, verified, open_findings, missing FROM progress")
                .fetch_all(&mut c)
                .await
                .unwrap();
        let standings = db::standings(&mut c).await.unwrap();
        let docs: Vec<(i64, String)> = query("SELECT id, status FROM documents ORDER BY id")
            .fetch_all(&mut c)
            .await
            .unwrap();
        let mut out: Vec<String> = findings.iter().map(|f| format!("{f:?}")).collect();
        out.extend(ballots.iter().map(|b| format!("{b:?}")));
        out.push(format!("{progress:?} {standings:?} {docs:?}"));
        out
    }

    #[tokio::test]
    async fn a_full_recheck_after_scoped_ones_changes_nothing() {
        let dir = std::env::temp_dir().join(format!("scrutiny-recheck-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = Db::open(&dir).await.unwrap();
        let setup = ElectionSetup {
            name: "E".into(),
            state: "S".into(),
            acs: vec![AcSetup {
                ac_no: 9,
                name: "Nine".into(),
                district: "D".into(),
                ro: "R".into(),
                tables: 2,
                rounds: 2,
                candidates: ["A", "B"]
                    .iter()
                    .map(|n| CandidateSetup {
                        name: n.to_string(),
                        party: "P".into(),
                    })
                    .collect(),
                polling_stations: vec![],
            }],
        };
        crate::counting::actions::load_election(&db, &setup, "test")
            .await
            .unwrap();
        let register: Vec<RegisterBallot> = (1..=6)
            .map(|s| RegisterBallot {
                ballot_id: format!("PB-{s}"),
                postal_ballot_serial_no: s.to_string(),
                part_no: 4,
                elector_serial_no: s,
            })
            .collect();
        let mut tx = db.write().await.unwrap();
        db::replace_register(&mut tx, 9, &register).await.unwrap();
        run(&mut tx, 9, Scope::All).await.unwrap();
        tx.commit().await.unwrap();

        use FormKind::{Form13A as A, Form13B as B};
        // Ballots 1 and 2 whole; 3's declaration unsigned; 4 without its
        // Cover A; a ballot from outside the register; 5 with a wrong
        // serial on its cover, in a later upload.
        read_document(
            &db,
            "one",
            &[
                reading(A, "PB-1", 1, true),
                reading(B, "PB-1", 1, true),
                reading(A, "PB-2", 2, true),
                reading(B, "PB-2", 2, true),
                reading(A, "PB-3", 3, false),
                reading(B, "PB-3", 3, true),
                reading(A, "PB-4", 4, true),
                reading(A, "PB-99", 99, true),
            ],
        )
        .await;
        let two = read_document(
            &db,
            "two",
            &[
                reading(A, "PB-5", 5, true),
                reading(B, "PB-5", 6, true),
                // Ballot 2's declaration again, and 4's cover at last.
                reading(A, "PB-2", 2, true),
                reading(B, "PB-4", 4, true),
            ],
        )
        .await;
        // A count change, and an operator's decision on one finding.
        let at = clock::now_rfc3339();
        let mut tx = db.write().await.unwrap();
        let e = TableEntry {
            table: 1,
            ps_no: 1,
            votes: vec![10, 4],
            tendered: None,
            rejected: None,
        };
        db::upsert_entry(&mut tx, 9, 1, &e, "test", &at)
            .await
            .unwrap();
        run(&mut tx, 9, Scope::Counts).await.unwrap();
        let serial = db::findings_of_ac(&mut tx, 9)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.document == Some(two) && f.ballot_id.as_deref() == Some("PB-5"))
            .expect("ballot 5 has a finding");
        let d = db::Decided {
            decision: Decision::Reject,
            note: None,
            read_value: None,
            by: "test",
            at: &at,
        };
        db::decide_finding(&mut tx, serial.id, &d).await.unwrap();
        let scope = Scope::Pages {
            documents: vec![two],
            ballots: vec!["PB-5".into()],
        };
        run(&mut tx, 9, scope).await.unwrap();
        tx.commit().await.unwrap();

        let scoped = snapshot(&db).await;
        let mut tx = db.write().await.unwrap();
        run(&mut tx, 9, Scope::All).await.unwrap();
        tx.commit().await.unwrap();
        let full = snapshot(&db).await;
        assert_eq!(scoped, full);
        // And the scoped runs saw what there was to see: 2's second
        // declaration is a duplicate, 3 is rejected, 99 is foreign, and 4's
        // missing cover, found by the first upload, was resolved by the
        // second.
        let text = full.join("\n");
        for expected in [
            "already uploaded",
            "not signed by the elector",
            "not in the ETPBS register",
            "PB-4: its Form 13B has not been uploaded yet\", \"resolved\"",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        db.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
