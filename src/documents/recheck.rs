//! Running the checks of an AC and storing what they found: new findings
//! are opened, findings that no longer hold are closed as `resolved` (and
//! reopened if they come back), decided findings keep their decision,
//! ballot outcomes are replaced, and documents whose pages are all read
//! become `done`. It runs inside the caller's transaction, so a change and
//! the findings it causes commit together: the AC's findings always match
//! one state of its counts, and a failed recheck stores no change.

use std::collections::{HashMap, HashSet};

use crate::checks::{self, AcState, Decision, FindingKey, FindingStatus};
use crate::clock;
use crate::db::{self, Conn, DocumentStatus};
use crate::error::Result;
use crate::forms::ModelSet;

/// Everything entered for the AC that its scans are checked against.
pub async fn load_state(c: &mut Conn, ac_no: u32) -> Result<AcState> {
    let ac = db::ac(&mut *c, ac_no).await?;
    let rounds = db::round_states(&mut *c, ac_no).await?;
    let entries = db::entries_of_ac(&mut *c, ac_no).await?;
    let result = db::count_result(&mut *c, &ac).await?;
    Ok(AcState {
        postal: db::postal(&mut *c, ac_no).await?,
        register: db::register(&mut *c, ac_no).await?,
        certificates: db::certificates_of_ac(&mut *c, ac_no).await?,
        ac,
        rounds,
        entries,
        result,
    })
}

/// Checks every scan of the AC against its counts as they are now, in the
/// transaction `c`.
pub async fn run(c: &mut Conn, ac_no: u32) -> Result<()> {
    let state = load_state(&mut *c, ac_no).await?;
    let pages = db::read_pages_of_ac(&mut *c, ac_no).await?;
    let existing = db::findings_of_ac(&mut *c, ac_no).await?;
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
    db::replace_ballots(&mut *c, ac_no, &checked.ballots, &at).await?;
    let progress = crate::progress::compute(
        &state,
        &pages,
        &checked.findings,
        &decisions,
        &checked.ballots,
    );
    db::set_progress(&mut *c, ac_no, &progress, &at).await?;
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
