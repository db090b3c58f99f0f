//! What users do with the counting data, each as one transaction: check who
//! is asking (`accounts::User`), load the state, ask the rules in
//! `counting` what may happen, store it, and write the audit log entry in
//! the same transaction, with the checks of every scan the change touches.
//! A refused or failed request changes nothing. The HTTP handlers, the CLI
//! and the demo all come through here, so a rule cannot be skipped by
//! taking another door.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::ready::{self, Check};
use super::setup::{self, ElectionSetup};
use super::{
    Ac, AcListing, CertificateRecord, CountResult, Postal, PostalInput, RegisterBallot, Reverified,
    ReverifyInput, RoundState, RoundStatus, SlipsInput, TableEntry, TableInput, VvpatDraw,
    VvpatStation,
};
use crate::accounts::User;
use crate::clock;
use crate::db::{self, Conn, Db};
use crate::documents::recheck::Scope;
use crate::error::{Error, Result, Rule};
use crate::forms::FormKind;
use crate::forms::ModelSet;
use crate::forms::payload::Payload;
use crate::render;
use crate::tasks::blocking;

/// A round as the API shows it: state, counted tables in table order, totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundView {
    pub ac_no: u32,
    pub round: u32,
    pub status: RoundStatus,
    pub revision: u32,
    pub tables: Vec<TableEntry>,
    /// Per candidate in ballot order, over the counted tables.
    pub totals: Vec<u64>,
}

/// Loads an election definition: the election and every AC, or nothing.
pub async fn load_election(db: &Db, setup: &ElectionSetup, by: &str) -> Result<Vec<Ac>> {
    let acs = setup::validate(setup)?;
    let mut tx = db.write().await?;
    let id = db::insert_election(&mut tx, &setup.name, &setup.state).await?;
    let at = clock::now_rfc3339();
    for (ac, def) in acs.iter().zip(&setup.acs) {
        db::insert_ac(&mut tx, id, ac).await?;
        db::insert_polling_stations(&mut tx, ac.ac_no, &setup::polling_stations(def)?).await?;
        db::audit(
            &mut tx,
            &at,
            by,
            "ac.create",
            Some(ac.ac_no),
            &format!("AC {} {}", ac.ac_no, ac.name),
            None,
            Some(&json!(ac)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(acs)
}

async fn view(c: &mut Conn, ac: &Ac, round: u32) -> Result<RoundView> {
    super::check_round(ac, round)?;
    let states = db::round_states(&mut *c, ac.ac_no).await?;
    let state = states
        .iter()
        .find(|s| s.round == round)
        .ok_or_else(|| Error::not_found(format!("round {round} of AC {}", ac.ac_no)))?;
    let tables = db::round_entries(&mut *c, ac.ac_no, round).await?;
    let totals = super::totals(
        ac.candidates.len(),
        tables.iter().map(|t| t.votes.as_slice()),
    );
    Ok(RoundView {
        ac_no: ac.ac_no,
        round,
        status: state.status,
        revision: state.revision,
        tables,
        totals,
    })
}

/// The AC, if `user` may see it.
pub async fn ac(db: &Db, user: &User, ac_no: u32) -> Result<Ac> {
    user.require_read(ac_no)?;
    db::ac(&mut db.read().await?, ac_no).await
}

/// The ACs `user` may see.
pub async fn ac_list(db: &Db, user: &User) -> Result<Vec<AcListing>> {
    let all = db::ac_list(&mut db.read().await?).await?;
    Ok(all.into_iter().filter(|a| user.can_read(a.ac_no)).collect())
}

/// One round with its tables and totals.
pub async fn round(db: &Db, user: &User, ac_no: u32, round: u32) -> Result<RoundView> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    let ac = db::ac(&mut c, ac_no).await?;
    view(&mut c, &ac, round).await
}

/// Every round's state, in order.
pub async fn rounds(db: &Db, user: &User, ac_no: u32) -> Result<Vec<RoundState>> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    db::ac(&mut c, ac_no).await?;
    db::round_states(&mut c, ac_no).await
}

/// Reopens `round` and the later rounds when it was approved or published
/// (new revisions, back to draft), with the audit entry. Returns whether it did.
async fn apply_edit_rule(c: &mut Conn, ac: &Ac, round: u32, by: &str, at: &str) -> Result<bool> {
    let states = db::round_states(&mut *c, ac.ac_no).await?;
    let Some(from) = super::edit_effect(ac, &states, round)? else {
        return Ok(false);
    };
    let reopened = super::reopened(&states, from);
    db::reset_rounds(&mut *c, ac.ac_no, &reopened).await?;
    let before: Vec<_> = states.iter().filter(|s| s.round >= from).collect();
    db::audit(
        &mut *c,
        at,
        by,
        "round.reopen",
        Some(ac.ac_no),
        &format!("rounds {from} to {} back to draft", ac.rounds),
        Some(&json!(before)),
        Some(&json!(reopened)),
    )
    .await?;
    Ok(true)
}

/// Enters (or corrects) one table of a round. Changing an approved or
/// published round sends it and every later round back to draft with a new
/// revision. The same figures again change nothing.
pub async fn put_table(
    db: &Db,
    user: &User,
    ac_no: u32,
    round: u32,
    table: u32,
    input: &TableInput,
) -> Result<RoundView> {
    user.require_enter(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    let entry = super::validate_entry(&ac, round, table, input)?;
    super::check_not_declared(&ac)?;
    let before = db::round_entries(&mut tx, ac_no, round)
        .await?
        .into_iter()
        .find(|e| e.table == table);
    if before.as_ref() == Some(&entry) {
        return view(&mut tx, &ac, round).await;
    }
    match db::polling_station(&mut tx, ac_no, entry.ps_no).await? {
        Some(Some(ps)) => super::check_electors(&entry, &ps)?,
        Some(None) => {
            return Err(Error::bad_input(format!(
                "polling station {} is not one of AC {ac_no}'s",
                entry.ps_no
            )));
        }
        None => {}
    }
    if let Some((r, t)) = db::ps_entered_at(&mut tx, ac_no, entry.ps_no).await?
        && (r, t) != (round, table)
    {
        return Err(Error::rule(
            Rule::PsCounted,
            format!(
                "polling station {} is already entered at round {r}, table {t}; an EVM is counted once",
                entry.ps_no
            ),
        ));
    }
    let at = clock::now_rfc3339();
    apply_edit_rule(&mut tx, &ac, round, &user.username, &at).await?;
    db::upsert_entry(&mut tx, ac_no, round, &entry, &user.username, &at).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "table.put",
        Some(ac_no),
        &format!("round {round} table {table}"),
        before.as_ref().map(|b| json!(b)).as_ref(),
        Some(&json!(entry)),
    )
    .await?;
    let v = view(&mut tx, &ac, round).await?;
    recheck(&mut tx, ac_no, Scope::Counts).await?;
    tx.commit().await?;
    Ok(v)
}

/// Removes a table's entry: its EVM is not counted this round. Removing
/// nothing changes nothing.
pub async fn delete_table(
    db: &Db,
    user: &User,
    ac_no: u32,
    round: u32,
    table: u32,
) -> Result<RoundView> {
    user.require_enter(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    super::check_round(&ac, round)?;
    super::check_table(&ac, table)?;
    super::check_not_declared(&ac)?;
    let before = db::round_entries(&mut tx, ac_no, round)
        .await?
        .into_iter()
        .find(|e| e.table == table);
    let Some(before) = before else {
        return view(&mut tx, &ac, round).await;
    };
    let at = clock::now_rfc3339();
    apply_edit_rule(&mut tx, &ac, round, &user.username, &at).await?;
    db::delete_entry(&mut tx, ac_no, round, table).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "table.delete",
        Some(ac_no),
        &format!("round {round} table {table}"),
        Some(&json!(before)),
        None,
    )
    .await?;
    let v = view(&mut tx, &ac, round).await?;
    recheck(&mut tx, ac_no, Scope::Counts).await?;
    tx.commit().await?;
    Ok(v)
}

/// The RO approves a draft round (from the second-last round on, only once
/// the postal entry is validated).
pub async fn approve(db: &Db, user: &User, ac_no: u32, round: u32) -> Result<RoundView> {
    user.require_ro(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    let states = db::round_states(&mut tx, ac_no).await?;
    let tables = db::round_entries(&mut tx, ac_no, round).await?;
    let validated = db::postal_validation(&mut tx, ac_no).await?.is_some();
    super::check_approve(&ac, &states, round, tables.len(), validated)?;
    set_status(&mut tx, &ac, round, RoundStatus::Approved, &user.username)
        .await
        .map(|_| ())?;
    let v = view(&mut tx, &ac, round).await?;
    recheck(&mut tx, ac_no, Scope::Counts).await?;
    tx.commit().await?;
    Ok(v)
}

/// The RO publishes an approved round; rounds are published in order.
pub async fn publish(db: &Db, user: &User, ac_no: u32, round: u32) -> Result<RoundView> {
    user.require_ro(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    let states = db::round_states(&mut tx, ac_no).await?;
    super::check_publish(&ac, &states, round)?;
    set_status(&mut tx, &ac, round, RoundStatus::Published, &user.username).await?;
    let v = view(&mut tx, &ac, round).await?;
    recheck(&mut tx, ac_no, Scope::Counts).await?;
    tx.commit().await?;
    Ok(v)
}

async fn set_status(
    c: &mut Conn,
    ac: &Ac,
    round: u32,
    status: RoundStatus,
    by: &str,
) -> Result<()> {
    let at = clock::now_rfc3339();
    let states = db::round_states(&mut *c, ac.ac_no).await?;
    let before = states.iter().find(|s| s.round == round).copied();
    db::set_round_status(&mut *c, ac.ac_no, round, status, by, &at).await?;
    let action = match status {
        RoundStatus::Approved => "round.approve",
        _ => "round.publish",
    };
    db::audit(
        &mut *c,
        &at,
        by,
        action,
        Some(ac.ac_no),
        &format!("round {round}"),
        before.map(|b| json!(b)).as_ref(),
        Some(&json!({ "round": round, "status": status, "revision": before.map(|b| b.revision) })),
    )
    .await
}

/// The postal tally, if entered.
pub async fn postal(db: &Db, user: &User, ac_no: u32) -> Result<Option<Postal>> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    db::ac(&mut c, ac_no).await?;
    db::postal(&mut c, ac_no).await
}

/// Enters or corrects the postal tally: allowed until the result is
/// declared; it reopens no round, but a correction reopens the RO's
/// validation of the postal entry.
pub async fn put_postal(db: &Db, user: &User, ac_no: u32, input: &PostalInput) -> Result<Postal> {
    user.require_enter(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    let p = super::validate_postal(&ac, input)?;
    super::check_not_declared(&ac)?;
    let before = db::postal(&mut tx, ac_no).await?;
    if before.as_ref() == Some(&p) {
        return Ok(p);
    }
    let at = clock::now_rfc3339();
    let validated = db::postal_validation(&mut tx, ac_no).await?;
    db::upsert_postal(&mut tx, ac_no, &p, &user.username, &at).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "postal.put",
        Some(ac_no),
        "postal tally",
        before.map(|b| json!(b)).as_ref(),
        Some(&json!(p)),
    )
    .await?;
    reopen_validation(&mut tx, ac_no, validated, &user.username, &at).await?;
    recheck(&mut tx, ac_no, Scope::Counts).await?;
    tx.commit().await?;
    Ok(p)
}

/// Replaces the AC's ETPBS register with the ballots of a CSV; returns how
/// many it holds now. A new register reopens the postal validation.
pub async fn put_register(db: &Db, user: &User, ac_no: u32, csv: &str) -> Result<usize> {
    if !matches!(
        user.role,
        crate::accounts::Role::Admin | crate::accounts::Role::Ro
    ) {
        return Err(Error::forbidden(
            "the ETPBS register is loaded by the RO or an admin",
        ));
    }
    user.require_enter(ac_no)?;
    let ballots = super::parse_register(csv)?;
    let mut tx = db.write_ac(ac_no).await?;
    db::ac(&mut tx, ac_no).await?;
    let before = db::register_count(&mut tx, ac_no).await?;
    let validated = db::postal_validation(&mut tx, ac_no).await?;
    db::replace_register(&mut tx, ac_no, &ballots).await?;
    let at = clock::now_rfc3339();
    if validated.is_some() {
        db::set_postal_validation(&mut tx, ac_no, None).await?;
    }
    reopen_validation(&mut tx, ac_no, validated, &user.username, &at).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "register.replace",
        Some(ac_no),
        "ETPBS register",
        Some(&json!({ "ballots": before })),
        Some(&json!({ "ballots": ballots.len() })),
    )
    .await?;
    recheck(&mut tx, ac_no, Scope::All).await?;
    tx.commit().await?;
    Ok(ballots.len())
}

/// Audits that a change reopened the RO's validation of the postal entry
/// (`was`: who validated it and when, if anyone had).
async fn reopen_validation(
    c: &mut Conn,
    ac_no: u32,
    was: Option<(String, String)>,
    by: &str,
    at: &str,
) -> Result<()> {
    let Some((who, when)) = was else {
        return Ok(());
    };
    db::audit(
        &mut *c,
        at,
        by,
        "postal.reopen",
        Some(ac_no),
        "postal validation",
        Some(&json!({ "validated_by": who, "validated_at": when })),
        None,
    )
    .await
}

/// Where the postal entry stands: whether the RO validated it, and what
/// its validation waits for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostalStatus {
    pub validated: bool,
    pub validated_by: Option<String>,
    pub validated_at: Option<String>,
    /// Each condition of the validation, holding or not.
    pub checks: Vec<Check>,
}

async fn postal_checks(c: &mut Conn, ac_no: u32) -> Result<Vec<Check>> {
    let register = db::register(&mut *c, ac_no).await?;
    let ballots = db::ballots_of_ac(&mut *c, ac_no).await?;
    let tally = db::postal(&mut *c, ac_no).await?;
    Ok(ready::postal(&register, &ballots, tally.as_ref()))
}

async fn postal_status_of(c: &mut Conn, ac_no: u32) -> Result<PostalStatus> {
    let checks = postal_checks(&mut *c, ac_no).await?;
    let v = db::postal_validation(&mut *c, ac_no).await?;
    Ok(PostalStatus {
        validated: v.is_some(),
        validated_by: v.as_ref().map(|v| v.0.clone()),
        validated_at: v.map(|v| v.1),
        checks,
    })
}

/// The postal entry's validation and its conditions.
pub async fn postal_status(db: &Db, user: &User, ac_no: u32) -> Result<PostalStatus> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    db::ac(&mut c, ac_no).await?;
    postal_status_of(&mut c, ac_no).await
}

/// The RO validates the postal entry: refused, with the list of what
/// stands in the way, while a ballot needs review, a register ballot is
/// not scanned, the tally is not entered or does not reconcile. Validating
/// again changes nothing.
pub async fn approve_postal(db: &Db, user: &User, ac_no: u32) -> Result<PostalStatus> {
    user.require_ro(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    super::check_not_declared(&ac)?;
    let status = postal_status_of(&mut tx, ac_no).await?;
    let unmet = ready::unmet(&status.checks);
    if !unmet.is_empty() {
        return Err(Error::Unmet {
            rule: Rule::PostalNotReady,
            reason: format!(
                "the postal entry of AC {ac_no} cannot be validated yet: {}",
                sentences(&unmet)
            ),
            unmet,
        });
    }
    if status.validated {
        return Ok(status);
    }
    let at = clock::now_rfc3339();
    let tally = db::postal(&mut tx, ac_no).await?;
    db::set_postal_validation(&mut tx, ac_no, Some((&user.username, &at))).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "postal.validate",
        Some(ac_no),
        "postal validation",
        None,
        Some(&json!({ "tally": tally, "checks": status.checks })),
    )
    .await?;
    let status = postal_status_of(&mut tx, ac_no).await?;
    tx.commit().await?;
    Ok(status)
}

fn sentences(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|c| c.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A station drawn for VVPAT verification beside its EVM figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VvpatLine {
    #[serde(flatten)]
    pub station: VvpatStation,
    /// The EVM figures entered for the station, if its EVM is counted.
    pub evm: Option<Vec<u64>>,
    pub round: Option<u32>,
    /// The slips are counted and differ from the EVM: the result counts the slips.
    pub differs: bool,
}

/// The AC's VVPAT verification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VvpatView {
    /// How many stations are to be drawn (five, or every counted station
    /// when fewer are counted).
    pub required: usize,
    pub stations: Vec<VvpatLine>,
}

async fn vvpat_of(c: &mut Conn, ac_no: u32) -> Result<VvpatView> {
    let entries = db::entries_of_ac(&mut *c, ac_no).await?;
    let by_ps: std::collections::HashMap<u32, (u32, &TableEntry)> = entries
        .iter()
        .flat_map(|(r, es)| es.iter().map(move |e| (e.ps_no, (*r, e))))
        .collect();
    let stations = db::vvpat_stations(&mut *c, ac_no)
        .await?
        .into_iter()
        .map(|st| {
            let found = by_ps.get(&st.ps_no);
            let evm = found.map(|(_, e)| e.votes.clone());
            VvpatLine {
                differs: matches!((&st.slips, &evm), (Some(s), Some(e)) if s != e),
                round: found.map(|(r, _)| *r),
                evm,
                station: st,
            }
        })
        .collect();
    Ok(VvpatView {
        required: ready::VVPAT_DRAW.min(by_ps.len()),
        stations,
    })
}

/// The AC's VVPAT verification as it stands.
pub async fn vvpat(db: &Db, user: &User, ac_no: u32) -> Result<VvpatView> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    db::ac(&mut c, ac_no).await?;
    vvpat_of(&mut c, ac_no).await
}

/// The RO records the polling stations drawn by lot for VVPAT
/// verification. The draw may be corrected until a station's slips are
/// counted; the same stations again change nothing.
pub async fn put_vvpat_draw(
    db: &Db,
    user: &User,
    ac_no: u32,
    input: &VvpatDraw,
) -> Result<VvpatView> {
    user.require_ro(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    super::check_not_declared(&ac)?;
    let counted: std::collections::BTreeSet<u32> = db::entries_of_ac(&mut tx, ac_no)
        .await?
        .values()
        .flatten()
        .map(|e| e.ps_no)
        .collect();
    let drawn = super::validate_draw(&ac, input, &counted)?;
    let before = db::vvpat_stations(&mut tx, ac_no).await?;
    if before.iter().map(|s| s.ps_no).eq(drawn.iter().copied()) {
        return vvpat_of(&mut tx, ac_no).await;
    }
    if let Some(c) = before.iter().find(|s| s.slips.is_some()) {
        return Err(Error::rule(
            Rule::SlipsCounted,
            format!(
                "the slips of polling station {} are counted already: the draw can no longer change",
                c.ps_no
            ),
        ));
    }
    let at = clock::now_rfc3339();
    db::replace_vvpat_draw(&mut tx, ac_no, &drawn, &user.username, &at).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "vvpat.draw",
        Some(ac_no),
        "VVPAT draw",
        (!before.is_empty())
            .then(|| json!(before.iter().map(|s| s.ps_no).collect::<Vec<_>>()))
            .as_ref(),
        Some(&json!(drawn)),
    )
    .await?;
    let v = vvpat_of(&mut tx, ac_no).await?;
    tx.commit().await?;
    Ok(v)
}

/// Enters (or corrects) the VVPAT slips counted at a drawn station. Where
/// they differ from the EVM figures, each difference is a `vvpat_mismatch`
/// finding and the result counts the slips.
pub async fn put_slips(
    db: &Db,
    user: &User,
    ac_no: u32,
    ps_no: u32,
    input: &SlipsInput,
) -> Result<VvpatView> {
    user.require_enter(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    let slips = super::validate_slips(&ac, ps_no, input)?;
    super::check_not_declared(&ac)?;
    let stations = db::vvpat_stations(&mut tx, ac_no).await?;
    let Some(before) = stations.iter().find(|s| s.ps_no == ps_no) else {
        return Err(Error::rule(
            Rule::NotDrawn,
            format!(
                "polling station {ps_no} is not one drawn for VVPAT verification in AC {ac_no}{}",
                if stations.is_empty() {
                    " (the RO records the draw first)".to_string()
                } else {
                    format!(
                        " (drawn: {})",
                        stations
                            .iter()
                            .map(|s| s.ps_no.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            ),
        ));
    };
    if before.slips.as_ref() == Some(&slips) {
        return vvpat_of(&mut tx, ac_no).await;
    }
    let at = clock::now_rfc3339();
    db::set_slips(&mut tx, ac_no, ps_no, &slips, &user.username, &at).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "vvpat.slips",
        Some(ac_no),
        &format!("VVPAT slips of polling station {ps_no}"),
        before.slips.as_ref().map(|s| json!(s)).as_ref(),
        Some(&json!(slips)),
    )
    .await?;
    recheck(&mut tx, ac_no, Scope::Counts).await?;
    let v = vvpat_of(&mut tx, ac_no).await?;
    tx.commit().await?;
    Ok(v)
}

/// The AC's ETPBS register.
pub async fn register(db: &Db, user: &User, ac_no: u32) -> Result<Vec<RegisterBallot>> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    db::ac(&mut c, ac_no).await?;
    db::register(&mut c, ac_no).await
}

/// The result over published rounds and the postal tally. Public: it shows
/// nothing that is not published.
pub async fn result(db: &Db, ac_no: u32) -> Result<CountResult> {
    let mut c = db.read().await?;
    let ac = db::ac(&mut c, ac_no).await?;
    db::count_result(&mut c, &ac).await
}

/// One rejected postal ballot of a re-verification, with the RO's verdict
/// once given.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToReverify {
    /// The ballot's id, or `rejected-papers` for the ballot papers
    /// rejected at the count, verified together.
    pub ballot_id: String,
    /// The Rule 54A grounds it was rejected on, from the scans.
    pub reasons: Vec<crate::checks::Kind>,
    pub verified: Option<Reverified>,
}

/// The re-verification of rejected postal ballots.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReverificationView {
    /// The margin is smaller than the rejected postal ballots: every one
    /// is verified again before the result is declared.
    pub required: bool,
    pub margin: u64,
    pub rejected_papers: u64,
    pub ballots: Vec<ToReverify>,
}

async fn reverification_of(c: &mut Conn, ac: &Ac) -> Result<ReverificationView> {
    let res = db::count_result(&mut *c, ac).await?;
    let ballots = db::ballots_of_ac(&mut *c, ac.ac_no).await?;
    let done = db::reverifications(&mut *c, ac.ac_no).await?;
    let list = ready::to_reverify(&res, &ballots, &done)
        .into_iter()
        .map(|id| ToReverify {
            ballot_id: id.to_string(),
            reasons: ballots
                .iter()
                .find(|b| b.ballot_id == id)
                .map(|b| b.reasons.clone())
                .unwrap_or_default(),
            verified: done.iter().find(|r| r.ballot_id == id).cloned(),
        })
        .collect();
    Ok(ReverificationView {
        required: res.margin_below_rejected,
        margin: res.margin,
        rejected_papers: res.rejected_postal_papers,
        ballots: list,
    })
}

/// The AC's re-verification of rejected postal ballots.
pub async fn reverification(db: &Db, user: &User, ac_no: u32) -> Result<ReverificationView> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    let ac = db::ac(&mut c, ac_no).await?;
    reverification_of(&mut c, &ac).await
}

/// The RO confirms or reverses the rejection of one postal ballot (or of
/// the rejected papers, `rejected-papers`), with a reason. A reversed
/// ballot counts: the postal tally is then corrected, and validated again.
pub async fn reverify(
    db: &Db,
    user: &User,
    ac_no: u32,
    ballot_id: &str,
    input: &ReverifyInput,
) -> Result<ReverificationView> {
    user.require_ro(ac_no)?;
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(Error::bad_input(
            "give the reason for the verdict: it is kept in the audit log",
        ));
    }
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    super::check_not_declared(&ac)?;
    let view = reverification_of(&mut tx, &ac).await?;
    let Some(item) = view.ballots.iter().find(|b| b.ballot_id == ballot_id) else {
        return Err(Error::not_found(format!(
            "a rejected postal ballot {ballot_id} in AC {ac_no}"
        )));
    };
    let before = item.verified.clone();
    if before
        .as_ref()
        .is_some_and(|b| b.verdict == input.verdict && b.reason == reason)
    {
        return Ok(view);
    }
    let at = clock::now_rfc3339();
    let r = Reverified {
        ballot_id: ballot_id.to_string(),
        verdict: input.verdict,
        reason: reason.to_string(),
        decided_by: user.username.clone(),
        decided_at: at.clone(),
    };
    db::upsert_reverification(&mut tx, ac_no, &r).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "ballot.reverify",
        Some(ac_no),
        &format!("ballot {ballot_id}"),
        before.map(|b| json!(b)).as_ref(),
        Some(&json!(r)),
    )
    .await?;
    let scope = Scope::Pages {
        documents: vec![],
        ballots: vec![ballot_id.to_string()],
    };
    recheck(&mut tx, ac_no, scope).await?;
    let view = reverification_of(&mut tx, &ac).await?;
    tx.commit().await?;
    Ok(view)
}

/// What declaring the result waits for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Declaration {
    /// Every condition holds (and the result is not declared yet).
    pub ready: bool,
    pub declared_at: Option<String>,
    /// Each condition, holding or not, in order.
    pub checks: Vec<Check>,
}

async fn declaration_of(c: &mut Conn, ac: &Ac, res: &CountResult) -> Result<Vec<Check>> {
    let postal = postal_checks(&mut *c, ac.ac_no).await?;
    let validated = db::postal_validation(&mut *c, ac.ac_no).await?.is_some();
    let vvpat = db::vvpat_stations(&mut *c, ac.ac_no).await?;
    let counted = db::entries_of_ac(&mut *c, ac.ac_no)
        .await?
        .values()
        .map(Vec::len)
        .sum();
    let vvpat_open = db::findings_of_ac(&mut *c, ac.ac_no)
        .await?
        .iter()
        .filter(|f| {
            f.kind == crate::checks::Kind::VvpatMismatch
                && f.status == crate::checks::FindingStatus::Open
        })
        .count();
    let ballots = db::ballots_of_ac(&mut *c, ac.ac_no).await?;
    let done = db::reverifications(&mut *c, ac.ac_no).await?;
    Ok(ready::declaration(&ready::EndOfCount {
        result: res,
        postal: &postal,
        validated,
        vvpat: &vvpat,
        stations_counted: counted,
        vvpat_open,
        reverification: ready::reverification(res, &ballots, &done),
    }))
}

/// The conditions of declaring the AC's result, holding or not.
pub async fn declaration(db: &Db, user: &User, ac_no: u32) -> Result<Declaration> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    let ac = db::ac(&mut c, ac_no).await?;
    let res = db::count_result(&mut c, &ac).await?;
    let checks = declaration_of(&mut c, &ac, &res).await?;
    Ok(Declaration {
        ready: ac.declared_at.is_none() && checks.iter().all(|c| c.holds),
        declared_at: ac.declared_at,
        checks,
    })
}

/// The RO declares the result: every round published, no tie, the postal
/// entry validated, the VVPAT verification done and settled, rejected
/// postal ballots verified again where the margin requires it. After this
/// no count of the AC changes.
pub async fn declare(db: &Db, user: &User, ac_no: u32) -> Result<CountResult> {
    user.require_ro(ac_no)?;
    let mut tx = db.write_ac(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    let res = db::count_result(&mut tx, &ac).await?;
    let winner = super::check_declare(&ac, &res)?;
    let unmet = ready::unmet(&declaration_of(&mut tx, &ac, &res).await?);
    if !unmet.is_empty() {
        return Err(Error::Unmet {
            rule: Rule::NotReady,
            reason: format!(
                "the result of AC {ac_no} cannot be declared yet: {}",
                sentences(&unmet)
            ),
            unmet,
        });
    }
    let at = clock::now_rfc3339();
    db::set_declared(&mut tx, ac_no, &at, &user.username).await?;
    db::audit(
        &mut tx,
        &at,
        &user.username,
        "result.declare",
        Some(ac_no),
        "result",
        None,
        Some(&json!({ "winner": winner, "margin": res.margin, "totals": res.totals })),
    )
    .await?;
    recheck(&mut tx, ac_no, Scope::Counts).await?;
    tx.commit().await?;
    Ok(CountResult {
        declared_at: Some(at),
        ..res
    })
}

/// Form 20 of the AC over its published rounds. Once the result is
/// declared anyone may read it; before, only those who may read the AC.
pub async fn form20(db: &Db, user: Option<&User>, ac_no: u32) -> Result<super::form20::Form20> {
    let mut c = db.read().await?;
    let ac = db::ac(&mut c, ac_no).await?;
    if ac.declared_at.is_none() {
        match user {
            Some(u) => u.require_read(ac_no)?,
            None => {
                return Err(Error::Unauthorized {
                    reason: format!(
                        "Form 20 of AC {ac_no} is public once its result is declared; sign in to see it before"
                    ),
                });
            }
        }
    }
    db::form20(&mut c, &ac).await
}

/// Form 20 as printed (model `form-20`): every counted station, then the
/// EVM, postal and total rows; for the RO to sign, scan and upload. Who
/// may read Form 20 may print it.
pub async fn form20_pdf(
    db: &Db,
    models: std::sync::Arc<ModelSet>,
    user: &User,
    ac_no: u32,
) -> Result<Vec<u8>> {
    user.require_read(ac_no)?;
    let f = form20(db, Some(user), ac_no).await?;
    if f.stations.is_empty() {
        return Err(Error::rule(
            Rule::RoundEmpty,
            format!("no round of AC {ac_no} is published; Form 20 has nothing to print"),
        ));
    }
    let values = super::form20::print_values(&f);
    blocking(move || pdf_of(&lay_out(&models, FormKind::Form20, &values)?.0)).await
}

/// Form 21C (the declaration) or 21E (the return of election) of a
/// declared result, dated the day of the declaration in India.
pub async fn declaration_pdf(
    db: &Db,
    models: std::sync::Arc<ModelSet>,
    user: &User,
    ac_no: u32,
    form: FormKind,
) -> Result<Vec<u8>> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    let ac = db::ac(&mut c, ac_no).await?;
    let Some(date) = ac.declared_on() else {
        return Err(Error::rule(
            Rule::NotDeclared,
            format!(
                "the result of AC {ac_no} is not declared yet; the {} prints once it is",
                form.title()
            ),
        ));
    };
    let (res, f) = db::result_and_form20(&mut c, &ac).await?;
    drop(c);
    let winner = super::check_final(&res)?;
    let with_return = form == FormKind::Form21E;
    let values = super::form20::declaration_values(&ac, &winner, &date, &f, with_return);
    blocking(move || pdf_of(&lay_out(&models, form, &values)?.0)).await
}

/// The AC's audit log, newest first.
pub async fn audit(db: &Db, user: &User, ac_no: u32, limit: u32) -> Result<Vec<db::AuditEntry>> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    db::ac(&mut c, ac_no).await?;
    db::audit_of_ac(&mut c, ac_no, limit.clamp(1, 1000)).await
}

/// The printed pages of a form (layout only: cheap) and its first page's
/// QR payload.
fn lay_out(
    models: &ModelSet,
    form: FormKind,
    values: &serde_json::Value,
) -> Result<(Vec<render::PrintedPage>, String)> {
    let pages = render::layout(models.get(form.id())?, values)?;
    let payload = pages.first().map(|p| p.payload.clone()).unwrap_or_default();
    Ok((pages, payload))
}

/// The PDF of laid-out pages (the costly part: run it on a blocking thread).
fn pdf_of(pages: &[render::PrintedPage]) -> Result<Vec<u8>> {
    let drawings: Vec<_> = pages.iter().map(|p| &p.drawing).collect();
    render::pdf::drawings_to_pdf(&drawings)
}

/// The round sheet of a round as it stands (its QR carries AC, round,
/// revision and the digest of the figures), ready to print and sign.
/// Rendering runs on a blocking thread.
pub async fn round_sheet_pdf(
    db: &Db,
    models: std::sync::Arc<ModelSet>,
    user: &User,
    ac_no: u32,
    round: u32,
) -> Result<Vec<u8>> {
    user.require_read(ac_no)?;
    let mut c = db.read().await?;
    let ac = db::ac(&mut c, ac_no).await?;
    let v = view(&mut c, &ac, round).await?;
    drop(c);
    if v.tables.is_empty() {
        return Err(Error::rule(
            Rule::RoundEmpty,
            format!("round {round} has no table entered; there is nothing to print"),
        ));
    }
    let values = json!({
        "ac_no": ac.ac_no, "ac_name": ac.name, "round": round, "revision": v.revision,
        "candidates": ac.candidates.iter().map(|c| &c.name).collect::<Vec<_>>(),
        "tables": v.tables,
    });
    blocking(move || pdf_of(&lay_out(&models, FormKind::RoundSheet, &values)?.0)).await
}

/// Form 22 for the winner, once every round is published. The same figures
/// print the same certificate id again; changed figures get a new id. The
/// id is allocated and committed first; the PDF is rendered after, so the
/// write connection is not held while it renders.
pub async fn certificate_pdf(
    db: &Db,
    models: std::sync::Arc<ModelSet>,
    user: &User,
    ac_no: u32,
) -> Result<Vec<u8>> {
    user.require_read(ac_no)?;
    // Anyone who may read the AC prints its certificate; only a new one
    // is a change (refused where the AC is not changed).
    let mut tx = db.write_ac_as_keeper(ac_no).await?;
    let ac = db::ac(&mut tx, ac_no).await?;
    let res = db::count_result(&mut tx, &ac).await?;
    let winner = super::check_final(&res)?;
    // Dated the declaration's day in India; before it, today's.
    let date = ac
        .declared_on()
        .unwrap_or_else(|| clock::ist_date_dmy(clock::now_unix()));
    let latest = db::latest_certificate(&mut tx, ac_no).await?;
    let same = latest.as_ref().filter(|l| {
        l.winner_serial == winner.serial
            && l.votes == winner.votes
            && l.date == date
            && l.ro_name == ac.ro
            && l.winner == winner.name
            && l.party == winner.party
    });
    let seq = match (&same, &latest) {
        (Some(l), _) => l.seq,
        (None, Some(l)) => l.seq + 1,
        (None, None) => 1,
    };
    let year = date.get(6..).unwrap_or("0000");
    let id = format!("C{ac_no:03}-{year}-{seq:04}");
    let values = json!({
        "certificate_id": id, "ac_no": ac_no, "ac_name": ac.name,
        "winner": winner.name, "party": winner.party, "votes": winner.votes,
        "date": date, "ro_name": ac.ro,
    });
    let (pages, payload) = lay_out(&models, FormKind::Certificate, &values)?;
    if same.is_none() {
        db::sync::require_changeable_here(&mut tx, ac_no).await?;
        let digest = Payload::parse(&payload)
            .and_then(|p| p.get("d").map(str::to_string))
            .unwrap_or_default();
        let record = CertificateRecord {
            id: id.clone(),
            ac_no,
            seq,
            winner_serial: winner.serial,
            winner: winner.name.clone(),
            party: winner.party.clone(),
            votes: winner.votes,
            date,
            ro_name: ac.ro.clone(),
            digest,
        };
        let at = clock::now_rfc3339();
        db::insert_certificate(&mut tx, &record, &user.username, &at).await?;
        db::audit(
            &mut tx,
            &at,
            &user.username,
            "certificate.issue",
            Some(ac_no),
            &format!("certificate {id}"),
            latest.map(|l| json!(l)).as_ref(),
            Some(&json!(record)),
        )
        .await?;
        recheck(&mut tx, ac_no, Scope::Counts).await?;
        tx.commit().await?;
    } else {
        drop(tx);
    }
    blocking(move || pdf_of(&pages)).await
}

/// Checks again what the change can have touched, in its transaction.
async fn recheck(c: &mut Conn, ac_no: u32, scope: Scope) -> Result<()> {
    crate::documents::recheck::run(c, ac_no, scope).await
}
