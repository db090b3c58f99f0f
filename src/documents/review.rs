//! The operator's review: open findings to look at, decisions recorded with
//! who and when (and in the audit log), the RO's edit list of entries the
//! scans showed wrong. A decision re-runs the AC's checks in the same
//! transaction, since it can change a ballot's outcome.

use serde_json::json;

use super::recheck;
use crate::accounts::User;
use crate::checks::{Decision, FindingStatus, Kind};
use crate::clock;
use crate::db::{self, Db, FindingRow};
use crate::error::{Error, Result, Rule};

/// Open findings the user may see, optionally of one AC, oldest first.
pub async fn open(db: &Db, user: &User, ac: Option<u32>) -> Result<Vec<FindingRow>> {
    if let Some(ac) = ac {
        user.require_read(ac)?;
    }
    let mut c = db.read().await?;
    let all = db::open_findings(&mut c, ac.map(|a| vec![a]).as_deref()).await?;
    Ok(all.into_iter().filter(|f| user.can_read(f.ac_no)).collect())
}

/// Records a decision on an open finding; returns it closed.
pub async fn decide(
    db: &Db,
    user: &User,
    id: i64,
    decision: Decision,
    note: Option<&str>,
) -> Result<FindingRow> {
    let mut tx = db.write().await?;
    let f = db::finding_by_id(&mut tx, id).await?;
    user.require_enter(f.ac_no)?;
    db::lock(&mut tx, db::Lock::Ac(f.ac_no)).await?;
    db::sync::require_changeable_here(&mut tx, f.ac_no).await?;
    // Read again under the lock: a decision taken meanwhile is seen.
    let f = db::finding_by_id(&mut tx, id).await?;
    if f.status != FindingStatus::Open {
        return Err(Error::rule(
            Rule::FindingNotOpen,
            format!(
                "finding {id} is {}{}",
                f.status,
                f.decided_by
                    .as_ref()
                    .map(|b| format!(" (decided by {b})"))
                    .unwrap_or_default()
            ),
        ));
    }
    let note = note.map(|n| n.chars().take(2000).collect::<String>());
    let at = clock::now_rfc3339();
    db::decide_finding(&mut tx, id, decision, note.as_deref(), &user.username, &at).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "finding.decide",
        Some(f.ac_no),
        &format!("finding {id} ({})", f.kind.as_str()),
        Some(&json!({"status": f.status})),
        Some(&json!({"status": FindingStatus::Closed, "decision": decision, "note": note})),
    )
    .await?;
    // A decision changes its ballot's outcome (every page of the ballot is
    // checked again), or, on a page of no ballot, only that page's document.
    let scope = match &f.ballot_id {
        Some(id) => recheck::Scope::Pages {
            documents: vec![],
            ballots: vec![id.clone()],
        },
        None => recheck::Scope::Pages {
            documents: f.document.into_iter().collect(),
            ballots: vec![],
        },
    };
    recheck::run(&mut tx, f.ac_no, scope).await?;
    let decided = db::finding_by_id(&mut tx, id).await?;
    tx.commit().await?;
    Ok(decided)
}

/// Mismatches an operator judged the scan right on: entries the RO must edit.
pub async fn edit_list(db: &Db, user: &User, ac: u32) -> Result<Vec<FindingRow>> {
    user.require_read(ac)?;
    let mut c = db.read().await?;
    Ok(db::findings_of_ac(&mut c, ac)
        .await?
        .into_iter()
        .filter(|f| {
            f.status == FindingStatus::Closed
                && f.kind == Kind::Mismatch
                && f.decision == Some(Decision::ScanCorrect)
        })
        .collect())
}
