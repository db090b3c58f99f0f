//! Running the checks of an AC and storing what they found: new findings
//! are opened, findings that no longer hold are closed as `resolved` (and
//! reopened if they come back), decided findings keep their decision,
//! ballot outcomes are replaced, and documents whose pages are all read
//! become `done`. One write transaction, so the AC's findings always
//! match one state of its counts.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::checks::{self, AcState, Decision, FindingKey};
use crate::clock;
use crate::counting::actions;
use crate::db::{self, Db};
use crate::error::Result;
use crate::forms::ModelSet;

/// Checks every scan of the AC against its counts as they are now.
pub async fn run(db: &Db, ac_no: u32) -> Result<()> {
    let mut tx = db.write().await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    let rounds = db::round_states(&mut tx, ac_no).await?;
    let mut entries = BTreeMap::new();
    for r in &rounds {
        entries.insert(r.round, db::round_entries(&mut tx, ac_no, r.round).await?);
    }
    let result = actions::count_result(&mut tx, &ac).await?;
    let state = AcState {
        postal: db::postal(&mut tx, ac_no).await?,
        register: db::register(&mut tx, ac_no).await?,
        certificates: db::certificates_of_ac(&mut tx, ac_no).await?,
        ac,
        rounds,
        entries,
        result,
    };
    let pages = db::read_pages_of_ac(&mut tx, ac_no).await?;
    let existing = db::findings_of_ac(&mut tx, ac_no).await?;
    let decisions: HashMap<FindingKey, Decision> = existing
        .iter()
        .filter_map(|f| f.decision.map(|d| (f.as_finding().key(), d)))
        .collect();
    let checked = checks::check_ac(&state, &pages, ModelSet::shared(), &decisions);
    let at = clock::now_rfc3339();
    let current: HashSet<FindingKey> = checked.findings.iter().map(|f| f.key()).collect();
    let mut stored = HashSet::new();
    for f in &existing {
        let key = f.as_finding().key();
        let holds = current.contains(&key);
        match (f.status.as_str(), holds) {
            ("open" | "closed", false) => {
                db::set_finding_status(&mut tx, f.id, "resolved", Some(&at)).await?
            }
            ("resolved", true) if !stored.contains(&key) => {
                let back = if f.decision.is_some() {
                    "closed"
                } else {
                    "open"
                };
                db::set_finding_status(&mut tx, f.id, back, None).await?
            }
            _ => {}
        }
        if holds {
            stored.insert(key);
        }
    }
    for f in &checked.findings {
        if stored.insert(f.key()) {
            db::insert_finding(&mut tx, ac_no, f, &at).await?;
        }
    }
    db::replace_ballots(&mut tx, ac_no, &checked.ballots, &at).await?;
    let progress = crate::progress::compute(
        &state,
        &pages,
        &checked.findings,
        &decisions,
        &checked.ballots,
    );
    db::set_progress(&mut tx, ac_no, &progress, &at).await?;
    crate::archive::record_certificates(&mut tx, &state, &pages, &at).await?;
    for (id, failed, pages) in db::documents_read_unfinished(&mut tx, ac_no).await? {
        if failed == pages {
            db::set_document_status(
                &mut tx,
                id,
                "failed",
                Some("no page of the document could be read"),
                &at,
            )
            .await?;
        } else {
            db::set_document_status(&mut tx, id, "done", None, &at).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
