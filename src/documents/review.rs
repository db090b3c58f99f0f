//! The operator's review: open findings to look at, decisions recorded with
//! who and when (and in the audit log), the RO's edit list of entries the
//! scans showed wrong. A decision re-runs the AC's checks in the same
//! transaction, since it can change a ballot's outcome.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;

use super::recheck;
use crate::accounts::{Role, User};
use crate::checks::{Decision, FindingStatus, Kind, decisions};
use crate::clock;
use crate::db::{self, Db, FindingRow};
use crate::error::{Error, Result, Rule};
use crate::pipeline::Scalar;

/// Which open findings to list: the queue's filters, each optional.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filter {
    /// One AC (default: every AC the caller sees).
    pub ac: Option<u32>,
    /// One kind of finding.
    pub kind: Option<Kind>,
    /// One field, by its name without grid indices (`ac_no`, `votes`).
    pub field: Option<String>,
    /// The findings of one document.
    pub document: Option<i64>,
    /// The findings on round sheets of one round.
    pub round: Option<u32>,
}

/// Open findings the user may see, as the filter asks, oldest first.
pub async fn open(db: &Db, user: &User, filter: &Filter) -> Result<Vec<FindingRow>> {
    if let Some(ac) = filter.ac {
        user.require_read(ac)?;
    }
    let mut c = db.read().await?;
    let all = db::open_findings(&mut c, filter.ac.map(|a| vec![a]).as_deref()).await?;
    let mut open: Vec<FindingRow> = all
        .into_iter()
        .filter(|f| user.can_read(f.ac_no))
        .filter(|f| filter.kind.is_none_or(|k| f.kind == k))
        .filter(|f| filter.document.is_none_or(|d| f.document == Some(d)))
        .filter(|f| {
            filter.field.as_deref().is_none_or(|want| {
                f.field
                    .as_deref()
                    .is_some_and(|have| crate::checks::field_parts(have).0 == want)
            })
        })
        .collect();
    if let Some(round) = filter.round {
        let mut acs: Vec<u32> = open.iter().map(|f| f.ac_no).collect();
        acs.sort_unstable();
        acs.dedup();
        let mut sheets = HashMap::new();
        for ac in acs {
            sheets.extend(sheet_rounds(&mut c, ac).await?);
        }
        open.retain(|f| on_sheet_of_round(f, &sheets, round));
    }
    Ok(open)
}

/// The round each round-sheet page of the AC carries, by (document, page).
async fn sheet_rounds(c: &mut db::Conn, ac: u32) -> Result<HashMap<(i64, u32), Option<usize>>> {
    let only = db::PageScope::Some {
        documents: &[],
        ballots: &[],
    };
    Ok(db::read_pages_of_ac(c, ac, only)
        .await?
        .into_iter()
        .filter(|p| p.kind() == Some(crate::forms::FormKind::RoundSheet))
        .map(|p| {
            let round = p.reading.payload().and_then(|q| q.get_usize("round"));
            ((p.document_id, p.page_no), round)
        })
        .collect())
}

/// Whether a finding is on a signed sheet of that round (ballot and
/// certificate findings are on no round's sheet).
fn on_sheet_of_round(
    f: &FindingRow,
    sheets: &HashMap<(i64, u32), Option<usize>>,
    round: u32,
) -> bool {
    f.ballot_id.is_none()
        && matches!((f.document, f.page), (Some(d), Some(p))
            if sheets.get(&(d, p)).copied().flatten() == Some(round as usize))
}

/// Open findings alike enough to be settled together on one screen: of
/// one kind, on one field, taking the same decisions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Group {
    pub kind: Kind,
    /// The field's name without grid indices (`ac_no`, `votes`).
    pub field: Option<String>,
    /// The decisions that fit every finding of the group.
    pub decisions: Vec<Decision>,
    /// The findings, oldest first.
    pub ids: Vec<i64>,
}

/// The findings that can be settled together, in groups of two or more,
/// largest first; findings that take no decision, or need a figure typed
/// or a note each, are left to the one-at-a-time queue.
pub fn groups<'a>(findings: impl IntoIterator<Item = &'a FindingRow>) -> Vec<Group> {
    let mut by: BTreeMap<(Kind, Option<String>, Vec<Decision>), Vec<i64>> = BTreeMap::new();
    for f in findings {
        if f.choices.decisions.is_empty() || f.choices.note_required {
            continue;
        }
        let field = f
            .field
            .as_deref()
            .map(|x| crate::checks::field_parts(x).0.to_string());
        by.entry((f.kind, field, f.choices.decisions.clone()))
            .or_default()
            .push(f.id);
    }
    let mut groups: Vec<Group> = by
        .into_iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|((kind, field, decisions), ids)| Group {
            kind,
            field,
            decisions,
            ids,
        })
        .collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.ids.len()));
    groups
}

/// A decision asked for: what, why, and the value read on the scan.
#[derive(Debug, Clone)]
pub struct Asked<'a> {
    pub decision: Decision,
    pub note: Option<&'a str>,
    pub value: Option<Scalar>,
}

/// The finding, read under its AC's lock once the user may change that
/// AC here (a decision taken meanwhile is seen).
async fn locked(tx: &mut db::Conn, user: &User, id: i64) -> Result<FindingRow> {
    let f = db::finding_by_id(&mut *tx, id).await?;
    user.require_enter(f.ac_no)?;
    db::lock(&mut *tx, db::Lock::Ac(f.ac_no)).await?;
    db::sync::require_changeable_here(&mut *tx, f.ac_no).await?;
    db::finding_by_id(&mut *tx, id).await
}

/// Records a decision on an open finding, if it fits the finding and the
/// user may take it (`checks::decisions`); returns the finding, closed, or
/// still open with the user's recommendation when only the RO may decide.
pub async fn decide(db: &Db, user: &User, id: i64, asked: Asked<'_>) -> Result<FindingRow> {
    let mut tx = db.write().await?;
    let f = locked(&mut tx, user, id).await?;
    if apply(&mut tx, user, &f, asked).await? == Applied::Closed {
        recheck::run(&mut tx, f.ac_no, scope_of(&f)).await?;
    }
    let row = db::finding_by_id(&mut tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

/// The most findings one batch decision may settle.
pub const BATCH_LIMIT: usize = 500;

/// Settles several open findings with one decision (the grouped view),
/// each audited on its own, all in one transaction: if any of them cannot
/// take it, none is decided and the error names that finding. A value read
/// on the scan belongs to one finding and is refused here.
pub async fn decide_many(
    db: &Db,
    user: &User,
    ids: &[i64],
    asked: Asked<'_>,
) -> Result<Vec<FindingRow>> {
    if ids.is_empty() || ids.len() > BATCH_LIMIT {
        return Err(Error::bad_input(format!(
            "a batch decision settles 1 to {BATCH_LIMIT} findings, not {}",
            ids.len()
        )));
    }
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != ids.len() {
        return Err(Error::bad_input("a finding is named twice in the batch"));
    }
    if asked.value.is_some() {
        return Err(Error::bad_input(
            "a value read on the scan belongs to one finding: decide that one on its own",
        ));
    }
    let mut tx = db.write().await?;
    // Every AC of the batch is locked, in order, before any finding is
    // read under its lock: two batches never wait on each other in a ring.
    let mut acs = vec![];
    for &id in ids {
        acs.push(db::finding_by_id(&mut tx, id).await?.ac_no);
    }
    acs.sort_unstable();
    acs.dedup();
    for &ac in &acs {
        user.require_enter(ac)?;
        db::lock(&mut tx, db::Lock::Ac(ac)).await?;
        db::sync::require_changeable_here(&mut tx, ac).await?;
    }
    let mut scopes: BTreeMap<u32, (Vec<i64>, Vec<String>)> = BTreeMap::new();
    for &id in ids {
        let f = db::finding_by_id(&mut tx, id).await?;
        if apply(&mut tx, user, &f, asked.clone()).await? == Applied::Closed {
            let (documents, ballots) = scopes.entry(f.ac_no).or_default();
            match f.ballot_id {
                Some(b) => ballots.push(b),
                None => documents.extend(f.document),
            }
        }
    }
    for (ac, (documents, ballots)) in scopes {
        recheck::run(&mut tx, ac, recheck::Scope::Pages { documents, ballots }).await?;
    }
    let mut rows = vec![];
    for &id in ids {
        rows.push(db::finding_by_id(&mut tx, id).await?);
    }
    tx.commit().await?;
    Ok(rows)
}

/// What a decision did to its finding.
#[derive(Debug, PartialEq)]
enum Applied {
    Closed,
    /// Kept open with the user's recommendation for the RO.
    Recommended,
}

/// Checks that the decision fits the open finding `f` (read under its
/// AC's lock) and that the user may take it, then records it and its
/// audit entry; the caller runs the checks again.
async fn apply(
    tx: &mut db::Conn,
    user: &User,
    f: &FindingRow,
    asked: Asked<'_>,
) -> Result<Applied> {
    let id = f.id;
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
    let ch = &f.choices;
    if ch.decisions.is_empty() {
        return Err(Error::rule(
            Rule::NoDecision,
            format!(
                "no decision settles finding {id} ({}): {}",
                f.kind,
                decisions::settles_by_itself(f.kind)
            ),
        ));
    }
    let words = || {
        ch.decisions
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let decision = asked.decision;
    if !ch.decisions.contains(&decision) {
        return Err(Error::rule(
            Rule::DecisionDoesNotFit,
            format!(
                "{decision} does not fit finding {id} ({}): it takes {}",
                f.kind,
                words()
            ),
        ));
    }
    let is_ro = user.role == Role::Ro;
    if ch.ro_decides {
        user.require_ro(f.ac_no)?;
    }
    let note = asked
        .note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(2000).collect::<String>());
    if ch.note_required && note.is_none() {
        return Err(Error::bad_input(format!(
            "a note is required for a decision on a {} finding: say why",
            f.kind
        )));
    }
    let read_value = read_value(f, decision, asked.value)?;
    let at = clock::now_rfc3339();
    let d = db::Decided {
        decision,
        note: note.as_deref(),
        read_value: read_value.as_ref(),
        by: &user.username,
        at: &at,
    };
    if !is_ro && ch.recommend_only.contains(&decision) {
        // Only the RO reverses a Rule 54A ground: the view is kept for the
        // RO and the ballot's outcome stands meanwhile.
        db::recommend_finding(&mut *tx, id, &d).await?;
        db::audit(
            &mut *tx,
            &at,
            &user.username,
            "finding.recommend",
            Some(f.ac_no),
            &format!("finding {id} ({})", f.kind.as_str()),
            Some(&json!({"recommendation": f.recommendation.as_ref().map(|r| r.decision)})),
            Some(&json!({"recommendation": decision, "note": note})),
        )
        .await?;
        return Ok(Applied::Recommended);
    }
    db::decide_finding(&mut *tx, id, &d).await?;
    db::audit(
        &mut *tx,
        &at,
        &user.username,
        "finding.decide",
        Some(f.ac_no),
        &format!("finding {id} ({})", f.kind.as_str()),
        Some(&json!({"status": f.status})),
        Some(&json!({"status": FindingStatus::Closed, "decision": decision, "note": note, "read_value": read_value})),
    )
    .await?;
    Ok(Applied::Closed)
}

/// What a decision on `f` can change: its ballot's outcome (every page of
/// the ballot is checked again), or, on a page of no ballot, only that
/// page's document.
fn scope_of(f: &FindingRow) -> recheck::Scope {
    match &f.ballot_id {
        Some(id) => recheck::Scope::Pages {
            documents: vec![],
            ballots: vec![id.clone()],
        },
        None => recheck::Scope::Pages {
            documents: f.document.into_iter().collect(),
            ballots: vec![],
        },
    }
}

/// Takes back a decision: the finding is open again, as before it (its
/// ballot checked again), and the undoing is audited. Only who decided, or
/// the RO of the AC, may undo; a finding a later upload or entry settled
/// cannot be.
pub async fn undo(db: &Db, user: &User, id: i64) -> Result<FindingRow> {
    let mut tx = db.write().await?;
    let f = locked(&mut tx, user, id).await?;
    let Some(decision) = f.decision.filter(|_| f.status == FindingStatus::Closed) else {
        return Err(Error::rule(
            Rule::FindingNotOpen,
            format!("finding {id} is {} with no decision to undo", f.status),
        ));
    };
    let by = f.decided_by.clone().unwrap_or_default();
    if by != user.username && user.role != Role::Ro {
        return Err(Error::forbidden(format!(
            "only {by}, who decided, or the Returning Officer may undo the decision on finding {id}"
        )));
    }
    let at = clock::now_rfc3339();
    db::reopen_finding(&mut tx, id).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "finding.undo",
        Some(f.ac_no),
        &format!("finding {id} ({})", f.kind.as_str()),
        Some(&json!({"status": f.status, "decision": decision, "decided_by": by})),
        Some(&json!({"status": FindingStatus::Open})),
    )
    .await?;
    recheck::run(&mut tx, f.ac_no, scope_of(&f)).await?;
    let row = db::finding_by_id(&mut tx, id).await?;
    tx.commit().await?;
    Ok(row)
}

/// The value the decider read, checked against the decision: "entry
/// correct" with a value other than the entry, or "scan correct" with the
/// entry itself, contradicts itself.
fn read_value(f: &FindingRow, decision: Decision, value: Option<Scalar>) -> Result<Option<Scalar>> {
    let Some(value) = value else { return Ok(None) };
    if !matches!(decision, Decision::ScanCorrect | Decision::EntryCorrect) {
        return Err(Error::bad_input(format!(
            "a value read on the scan goes with scan_correct or entry_correct, not {decision}"
        )));
    }
    let Some(entered) = &f.entered_value else {
        return Ok(Some(value));
    };
    let (value, same) = match entered {
        Scalar::Count(_) => {
            let Some(n) = value.as_count() else {
                return Err(Error::bad_input(format!(
                    "the value read on the scan must be a whole number, not {value}"
                )));
            };
            (Scalar::Count(n), entered.same_number(&Scalar::Count(n)))
        }
        _ => {
            let same = entered.same_text(&value);
            (value, same)
        }
    };
    match (decision, same) {
        (Decision::EntryCorrect, false) => Err(Error::bad_input(format!(
            "the scan reads {value} but {entered} was entered: that is scan_correct, not entry_correct"
        ))),
        (Decision::ScanCorrect, true) => Err(Error::bad_input(format!(
            "the scan reads {value}, the value entered: that is entry_correct, not scan_correct"
        ))),
        _ => Ok(Some(value)),
    }
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

/// The edit list of one round: the mismatches an operator judged the scan
/// right on, on signed sheets of that round (ballot and certificate
/// findings are not round entries).
pub async fn edits_of_round(db: &Db, user: &User, ac: u32, round: u32) -> Result<Vec<FindingRow>> {
    let all = edit_list(db, user, ac).await?;
    if all.is_empty() {
        return Ok(all);
    }
    let mut c = db.read().await?;
    let sheets = sheet_rounds(&mut c, ac).await?;
    Ok(all
        .into_iter()
        .filter(|f| on_sheet_of_round(f, &sheets, round))
        .collect())
}
