//! Entered counts and the counting-day rules of the ENCORE counting module,
//! in one place: which entries are valid, what an edit does to later rounds,
//! when a round may be approved or published, and what the result is.
//!
//! Everything here is a pure function of the state it is given; the database
//! (`crate::db`) loads that state and stores what these functions decide.
//! This module never touches SQL, HTTP or the clock.

pub mod actions;
pub mod form20;
pub mod ready;
pub mod setup;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{Error, Result, Rule};
use crate::forms::ident;

/// The name the last candidate of every AC carries.
pub const NOTA: &str = "NOTA";

/// A candidate in ballot order (`serial` from 1; NOTA is the last).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    pub serial: u32,
    pub name: String,
    pub party: String,
}

/// An assembly constituency as counting sees it (and `GET /acs/{ac}` shows it):
/// candidates in ballot order, NOTA last.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ac {
    pub ac_no: u32,
    pub name: String,
    pub district: String,
    /// The Returning Officer's name, as printed on the certificate.
    pub ro: String,
    pub tables: u32,
    pub rounds: u32,
    pub candidates: Vec<Candidate>,
    /// When the RO declared the result (RFC 3339), if they have.
    pub declared_at: Option<String>,
}

impl Ac {
    /// The day the result was declared in India (dd-mm-yyyy, IST), as
    /// Forms 21C, 21E and 22 print it; None before the declaration.
    pub fn declared_on(&self) -> Option<String> {
        self.declared_at
            .as_deref()
            .and_then(crate::clock::unix_from_rfc3339)
            .map(crate::clock::ist_date_dmy)
    }
}

crate::vocabulary! {
    /// Where a round is in its workflow.
    pub enum RoundStatus {
        Draft = "draft",
        Approved = "approved",
        Published = "published",
    }
}

/// A round's workflow state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoundState {
    pub round: u32,
    pub status: RoundStatus,
    pub revision: u32,
}

/// One counted table of a round (its EVM's Form 17C Part II).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TableEntry {
    pub table: u32,
    pub ps_no: u32,
    /// One count per candidate, in ballot order.
    pub votes: Vec<u64>,
    /// Tendered votes of the station (Rule 49P; Form 17C Part I); absent
    /// where not recorded (so an entry without them reads as before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tendered: Option<u64>,
    /// Votes recorded on the EVM but not counted for any candidate (test
    /// votes under Rule 49MA, a mock poll not cleared: Form 17C Part I);
    /// absent where not recorded. Form 20 prints them as rejected votes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<u64>,
}

/// A table entry as it arrives: numbers are signed so that a negative
/// figure gets a sentence, not a parser message.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TableInput {
    pub ps_no: i64,
    pub votes: Vec<i64>,
    /// The total of valid votes as Form 17C Part II carries it: when
    /// given, it must equal the sum of `votes` (422 `total-differs`).
    #[serde(default)]
    pub total: Option<i64>,
    /// Tendered votes of the station (Rule 49P), where recorded.
    #[serde(default)]
    pub tendered: Option<i64>,
    /// Rejected votes of the station (Rule 49MA test votes, a mock poll
    /// not cleared), where recorded.
    #[serde(default)]
    pub rejected: Option<i64>,
}

/// A polling station of an AC, from the election's definition.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct PollingStation {
    #[sqlx(try_from = "i64")]
    pub ps_no: u32,
    pub name: String,
    /// Electors on its roll: no EVM of it can hold more votes.
    #[sqlx(try_from = "i64")]
    pub electors: u64,
}

/// The postal tally of an AC.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Postal {
    /// Valid postal votes per candidate, in ballot order.
    pub votes: Vec<u64>,
    pub rejected_papers: u64,
    pub rejected_covers: u64,
}

/// The postal tally as it arrives.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PostalInput {
    pub votes: Vec<i64>,
    pub rejected_papers: i64,
    pub rejected_covers: i64,
}

/// A polling station drawn by lot for VVPAT verification, with its slips
/// once counted.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct VvpatStation {
    pub ps_no: u32,
    pub drawn_by: String,
    pub drawn_at: String,
    /// VVPAT slips per candidate in ballot order; null until counted.
    pub slips: Option<Vec<u64>>,
    pub counted_by: Option<String>,
    pub counted_at: Option<String>,
}

crate::vocabulary! {
    /// The RO's verdict on a rejected postal ballot verified again.
    pub enum Verdict {
        /// The rejection stands.
        Confirmed = "confirmed",
        /// The rejection is reversed: the ballot is counted.
        Reversed = "reversed",
    }
}

/// A rejected postal ballot verified again by the RO.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, sqlx::FromRow)]
pub struct Reverified {
    pub ballot_id: String,
    pub verdict: Verdict,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// A verdict on a rejected ballot, as it arrives.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReverifyInput {
    pub verdict: Verdict,
    /// Why, in the RO's words (required).
    pub reason: String,
}

/// The polling stations drawn by lot, as they arrive.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct VvpatDraw {
    pub ps_nos: Vec<i64>,
}

/// The slips of one drawn station, as they arrive.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SlipsInput {
    /// Slips per candidate in ballot order, NOTA last.
    pub votes: Vec<i64>,
}

/// One line of the AC list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AcListing {
    pub ac_no: u32,
    pub name: String,
    pub district: String,
    /// The Returning Officer's name.
    pub ro: String,
}

/// A Form 22 Scrutiny printed: who won with how many votes, under which id.
/// The same figures print the same id again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateRecord {
    pub id: String,
    pub ac_no: u32,
    pub seq: u32,
    pub winner_serial: u32,
    pub winner: String,
    pub party: String,
    pub votes: u64,
    pub date: String,
    pub ro_name: String,
    pub digest: String,
}

/// A ballot of the AC's ETPBS register (the ballots received).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RegisterBallot {
    /// Normalised (`forms::ident`), as every ballot id compared with it.
    pub ballot_id: String,
    /// An identifier too (letters, digits, `/`, `-`), normalised.
    pub postal_ballot_serial_no: String,
    pub part_no: u32,
    pub elector_serial_no: u32,
}

/// Most ballots one AC's register may hold.
pub const MAX_REGISTER: usize = 200_000;

/// Parses an ETPBS register CSV: rows of
/// `ballot_id,postal_ballot_serial_no,part_no,elector_serial_no`, an
/// optional first row naming the columns, blank lines ignored. Fails on the
/// first bad row, naming its line; a ballot id or a serial number given
/// twice is a bad row too.
pub fn parse_register(csv: &str) -> Result<Vec<RegisterBallot>> {
    let mut out = vec![];
    let mut ids = std::collections::HashSet::new();
    let mut serials = std::collections::HashSet::new();
    for (i, line) in csv.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        if i == 0
            && cols
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case("ballot_id"))
        {
            continue;
        }
        let at = |m: String| Error::bad_input(format!("line {}: {m}", i + 1));
        if cols.len() != 4 {
            return Err(at(format!(
                "{} columns; each row is ballot_id,postal_ballot_serial_no,part_no,elector_serial_no",
                cols.len()
            )));
        }
        let id = ident::parse(cols[0], "ballot id").map_err(at)?;
        let serial = ident::parse(cols[1], "postal ballot serial no").map_err(at)?;
        let num = |name: &str, v: &str| {
            v.parse::<u32>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| at(format!("{name} {v:?} is not a whole number from 1")))
        };
        let b = RegisterBallot {
            ballot_id: id.clone(),
            postal_ballot_serial_no: serial,
            part_no: num("part_no", cols[2])?,
            elector_serial_no: num("elector_serial_no", cols[3])?,
        };
        if !ids.insert(b.ballot_id.clone()) {
            return Err(at(format!("ballot {id} is listed twice")));
        }
        if !serials.insert(b.postal_ballot_serial_no.clone()) {
            return Err(at(format!(
                "postal ballot serial no {} is listed twice",
                b.postal_ballot_serial_no
            )));
        }
        out.push(b);
        if out.len() > MAX_REGISTER {
            return Err(at(format!(
                "a register holds at most {MAX_REGISTER} ballots"
            )));
        }
    }
    Ok(out)
}

fn counts(ac: &Ac, what: &str, votes: &[i64]) -> Result<Vec<u64>> {
    let n = ac.candidates.len();
    if votes.len() != n {
        return Err(Error::bad_input(format!(
            "{what} has {} counts but AC {} has {n} candidates (NOTA included): give one count per candidate in ballot order",
            votes.len(),
            ac.ac_no
        )));
    }
    votes
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            u64::try_from(v).map_err(|_| {
                Error::bad_input(format!(
                    "{what}: the count for candidate {} ({}) is {v}; counts cannot be negative",
                    i + 1,
                    ac.candidates[i].name
                ))
            })
        })
        .collect()
}

/// Fails unless `round` is one of the AC's rounds.
pub fn check_round(ac: &Ac, round: u32) -> Result<()> {
    if round == 0 || round > ac.rounds {
        return Err(Error::not_found(format!(
            "round {round} of AC {} (it has rounds 1 to {})",
            ac.ac_no, ac.rounds
        )));
    }
    Ok(())
}

/// Fails unless `table` is one of the AC's counting tables.
pub fn check_table(ac: &Ac, table: u32) -> Result<()> {
    if table == 0 || table > ac.tables {
        return Err(Error::not_found(format!(
            "table {table} of AC {} (it has tables 1 to {})",
            ac.ac_no, ac.tables
        )));
    }
    Ok(())
}

/// Checks a table entry's shape: the round and table exist, a PS number,
/// one non-negative count per candidate.
pub fn validate_entry(ac: &Ac, round: u32, table: u32, input: &TableInput) -> Result<TableEntry> {
    check_round(ac, round)?;
    check_table(ac, table)?;
    let ps_no = u32::try_from(input.ps_no)
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| {
            Error::bad_input(format!(
                "ps_no is {}; a polling station number is a whole number from 1",
                input.ps_no
            ))
        })?;
    let votes = counts(ac, &format!("round {round} table {table}"), &input.votes)?;
    let sum: u64 = votes.iter().sum();
    if let Some(total) = input.total
        && u64::try_from(total).ok() != Some(sum)
    {
        return Err(Error::Implausible {
            check: crate::error::EntryCheck::TotalDiffers,
            reason: format!(
                "round {round} table {table}: the total is {total} but the votes add up to {sum}; one of them is mistyped"
            ),
        });
    }
    let small =
        |what: &str, n: Option<i64>| -> Result<Option<u64>> {
            n.map(|n| {
                u64::try_from(n).ok().filter(|&n| n < 10_000).ok_or_else(|| {
                Error::bad_input(format!(
                    "round {round} table {table}: {what} is {n}; it is a count from 0 to 9,999"
                ))
            })
            })
            .transpose()
        };
    Ok(TableEntry {
        table,
        ps_no,
        votes,
        tendered: small("tendered", input.tendered)?,
        rejected: small("rejected", input.rejected)?,
    })
}

/// Fails when a polling station's entry holds more votes than it has
/// electors (a typing error: an extra digit, a figure in the wrong box).
pub fn check_electors(entry: &TableEntry, ps: &PollingStation) -> Result<()> {
    let sum: u64 =
        entry.votes.iter().sum::<u64>() + entry.tendered.unwrap_or(0) + entry.rejected.unwrap_or(0);
    if sum > ps.electors {
        return Err(Error::Implausible {
            check: crate::error::EntryCheck::ExceedsElectors,
            reason: format!(
                "table {}: polling station {} ({}) has {} electors but the votes (tendered and rejected ones included) add up to {sum}",
                entry.table, ps.ps_no, ps.name, ps.electors
            ),
        });
    }
    Ok(())
}

/// Checks a postal tally's shape.
pub fn validate_postal(ac: &Ac, input: &PostalInput) -> Result<Postal> {
    let votes = counts(ac, "the postal tally", &input.votes)?;
    let nonneg = |name: &str, v: i64| {
        u64::try_from(v)
            .map_err(|_| Error::bad_input(format!("{name} is {v}; it cannot be negative")))
    };
    Ok(Postal {
        votes,
        rejected_papers: nonneg("rejected_papers", input.rejected_papers)?,
        rejected_covers: nonneg("rejected_covers", input.rejected_covers)?,
    })
}

/// Checks a VVPAT draw: distinct polling stations whose EVM is counted,
/// as many as [`ready::VVPAT_DRAW`] (every counted station when the AC
/// has fewer). Returns them in order.
pub fn validate_draw(
    ac: &Ac,
    input: &VvpatDraw,
    counted: &std::collections::BTreeSet<u32>,
) -> Result<Vec<u32>> {
    let want = ready::VVPAT_DRAW.min(counted.len());
    if want == 0 {
        return Err(Error::bad_input(format!(
            "no polling station of AC {} is counted yet: the VVPAT draw comes after the EVM count",
            ac.ac_no
        )));
    }
    let mut ps = std::collections::BTreeSet::new();
    for &p in &input.ps_nos {
        let n = u32::try_from(p).ok().filter(|&n| n > 0).ok_or_else(|| {
            Error::bad_input(format!(
                "{p} is not a polling station number (a whole number from 1)"
            ))
        })?;
        if !counted.contains(&n) {
            return Err(Error::bad_input(format!(
                "polling station {n}'s EVM is not counted in AC {}: only a counted station can be drawn",
                ac.ac_no
            )));
        }
        if !ps.insert(n) {
            return Err(Error::bad_input(format!(
                "polling station {n} is drawn twice"
            )));
        }
    }
    if ps.len() != want {
        return Err(Error::bad_input(format!(
            "{} polling stations were sent; {want} are drawn by lot for VVPAT verification",
            ps.len()
        )));
    }
    Ok(ps.into_iter().collect())
}

/// Checks the slips of a drawn station: one non-negative count per candidate.
pub fn validate_slips(ac: &Ac, ps_no: u32, input: &SlipsInput) -> Result<Vec<u64>> {
    counts(
        ac,
        &format!("the VVPAT slips of polling station {ps_no}"),
        &input.votes,
    )
}

/// Fails once the result is declared: nothing counted may change after.
pub fn check_not_declared(ac: &Ac) -> Result<()> {
    match &ac.declared_at {
        Some(at) => Err(Error::rule(
            Rule::ResultDeclared,
            format!(
                "the result of AC {} was declared at {at}; counts can no longer change",
                ac.ac_no
            ),
        )),
        None => Ok(()),
    }
}

/// What changing an entry of `round` does: `Some(round)` when the round was
/// approved or published, meaning that round and every later one get a new
/// revision and go back to draft; `None` for a draft round.
pub fn edit_effect(ac: &Ac, rounds: &[RoundState], round: u32) -> Result<Option<u32>> {
    check_not_declared(ac)?;
    let state = state_of(ac, rounds, round)?;
    Ok((state.status != RoundStatus::Draft).then_some(round))
}

/// The rounds an edit from `from` sends back to draft, with their new revisions.
pub fn reopened(rounds: &[RoundState], from: u32) -> Vec<RoundState> {
    rounds
        .iter()
        .filter(|r| r.round >= from)
        .map(|r| RoundState {
            round: r.round,
            status: RoundStatus::Draft,
            revision: r.revision + 1,
        })
        .collect()
}

fn state_of(ac: &Ac, rounds: &[RoundState], round: u32) -> Result<RoundState> {
    check_round(ac, round)?;
    rounds
        .iter()
        .find(|r| r.round == round)
        .copied()
        .ok_or_else(|| Error::not_found(format!("round {round} of AC {}", ac.ac_no)))
}

/// Approving `round` (RO only, checked by the caller): the round is a draft
/// with at least one counted table, and from the second-last round on the
/// postal entry must be validated by the RO (the ECI rule restored in 2025).
pub fn check_approve(
    ac: &Ac,
    rounds: &[RoundState],
    round: u32,
    tables_entered: usize,
    postal_validated: bool,
) -> Result<()> {
    check_not_declared(ac)?;
    let state = state_of(ac, rounds, round)?;
    if state.status != RoundStatus::Draft {
        return Err(Error::rule(
            Rule::RoundNotDraft,
            format!("round {round} is already {}", state.status.as_str()),
        ));
    }
    if tables_entered == 0 {
        return Err(Error::rule(
            Rule::RoundEmpty,
            format!("round {round} has no table entered; enter its tables first"),
        ));
    }
    if round + 1 >= ac.rounds && !postal_validated {
        return Err(Error::rule(
            Rule::PostalFirst,
            format!(
                "round {round} is the second-last round or later: the postal ballots of AC {} must be counted, entered and validated by the RO before it is approved",
                ac.ac_no
            ),
        ));
    }
    Ok(())
}

/// Publishing `round`: it is approved, and every earlier round is published.
pub fn check_publish(ac: &Ac, rounds: &[RoundState], round: u32) -> Result<()> {
    check_not_declared(ac)?;
    let state = state_of(ac, rounds, round)?;
    match state.status {
        RoundStatus::Draft => {
            return Err(Error::rule(
                Rule::RoundNotApproved,
                format!("round {round} is a draft; the RO approves it before it is published"),
            ));
        }
        RoundStatus::Published => {
            return Err(Error::rule(
                Rule::RoundPublished,
                format!("round {round} is already published"),
            ));
        }
        RoundStatus::Approved => {}
    }
    if let Some(earlier) = rounds
        .iter()
        .filter(|r| r.round < round && r.status != RoundStatus::Published)
        .map(|r| r.round)
        .min()
    {
        return Err(Error::rule(
            Rule::RoundOrder,
            format!("rounds are published in order: round {earlier} is not published yet"),
        ));
    }
    Ok(())
}

/// Sums counts per candidate.
pub fn totals<'a>(n: usize, rows: impl IntoIterator<Item = &'a [u64]>) -> Vec<u64> {
    let mut t = vec![0u64; n];
    for row in rows {
        for (acc, v) in t.iter_mut().zip(row) {
            *acc += v;
        }
    }
    t
}

/// A candidate's place in the result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Standing {
    pub serial: u32,
    pub name: String,
    pub party: String,
    pub votes: u64,
}

/// A published round's totals, for the round-by-round trend.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundTotals {
    pub round: u32,
    pub revision: u32,
    pub totals: Vec<u64>,
}

/// The result of an AC over its published rounds and its postal tally.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountResult {
    pub ac_no: u32,
    pub name: String,
    pub candidates: Vec<Candidate>,
    pub rounds: u32,
    pub rounds_published: u32,
    /// EVM votes per candidate over published rounds.
    pub evm: Vec<u64>,
    /// Valid postal votes per candidate (zeros while not entered).
    pub postal: Vec<u64>,
    pub postal_entered: bool,
    /// EVM plus postal, per candidate in ballot order.
    pub totals: Vec<u64>,
    /// The candidate ahead (never NOTA); null while nothing is counted or on a tie.
    pub leader: Option<Standing>,
    pub runner_up: Option<Standing>,
    /// Leader's total minus the runner-up's (0 on a tie).
    pub margin: u64,
    /// The top two candidates have the same total: lots must be drawn.
    pub tie: bool,
    /// Every round is published: the result is final.
    pub is_final: bool,
    pub declared_at: Option<String>,
    /// Postal ballot papers rejected at the count.
    pub rejected_postal_papers: u64,
    /// Postal ballots rejected in all: the covers rejected (Rule 54A) and
    /// the papers rejected at the count.
    pub rejected_postal_ballots: u64,
    /// The margin is smaller than the rejected postal ballots: every
    /// rejected postal ballot must be verified again before declaring.
    pub margin_below_rejected: bool,
    /// Totals of each published round, in order (a station verified by
    /// VVPAT counts by its slips).
    pub by_round: Vec<RoundTotals>,
    /// Polling stations whose VVPAT slips differ from their EVM figures:
    /// the result counts their slips.
    pub vvpat_used: Vec<u32>,
}

/// The candidates by `totals` (one per candidate, ballot order), most votes
/// first, equal votes in ballot order; NOTA is never ranked, so never leads.
pub fn ranked(candidates: &[Candidate], totals: &[u64]) -> Vec<Standing> {
    let mut ranked: Vec<Standing> = candidates
        .iter()
        .zip(totals)
        .filter(|(c, _)| c.name != NOTA)
        .map(|(c, &votes)| Standing {
            serial: c.serial,
            name: c.name.clone(),
            party: c.party.clone(),
            votes,
        })
        .collect();
    ranked.sort_by(|a, b| b.votes.cmp(&a.votes).then(a.serial.cmp(&b.serial)));
    ranked
}

/// The result from the published rounds' totals and the postal tally.
pub fn result(
    ac: &Ac,
    rounds: &[RoundState],
    published: Vec<RoundTotals>,
    postal: Option<&Postal>,
) -> CountResult {
    let n = ac.candidates.len();
    let evm = totals(n, published.iter().map(|r| r.totals.as_slice()));
    let postal_votes = postal.map(|p| p.votes.clone()).unwrap_or(vec![0; n]);
    let all: Vec<u64> = evm.iter().zip(&postal_votes).map(|(a, b)| a + b).collect();
    let ranked = ranked(&ac.candidates, &all);
    let counted = all.iter().any(|&v| v > 0);
    let (first, second) = (ranked.first().cloned(), ranked.get(1).cloned());
    let tie = counted && matches!((&first, &second), (Some(a), Some(b)) if a.votes == b.votes);
    let margin = match (&first, &second) {
        (Some(a), Some(b)) => a.votes - b.votes,
        (Some(a), None) => a.votes,
        _ => 0,
    };
    let rejected = postal.map_or(0, |p| p.rejected_papers);
    let rejected_all = postal.map_or(0, |p| p.rejected_papers + p.rejected_covers);
    let rounds_published = rounds
        .iter()
        .filter(|r| r.status == RoundStatus::Published)
        .count() as u32;
    CountResult {
        ac_no: ac.ac_no,
        name: ac.name.clone(),
        candidates: ac.candidates.clone(),
        rounds: ac.rounds,
        rounds_published,
        evm,
        postal: postal_votes,
        postal_entered: postal.is_some(),
        totals: all,
        leader: if counted && !tie { first } else { None },
        runner_up: if counted && !tie { second } else { None },
        margin,
        tie,
        is_final: rounds_published == ac.rounds,
        declared_at: ac.declared_at.clone(),
        rejected_postal_papers: rejected,
        rejected_postal_ballots: rejected_all,
        margin_below_rejected: counted && margin < rejected_all,
        by_round: published,
        vvpat_used: vec![],
    }
}

/// The winner a certificate may name: every round published and no tie.
pub fn check_final(result: &CountResult) -> Result<Standing> {
    if !result.is_final {
        return Err(Error::rule(
            Rule::RoundsUnpublished,
            format!(
                "{} of {} rounds of AC {} are published; the result is final only when every round is",
                result.rounds_published, result.rounds, result.ac_no
            ),
        ));
    }
    if result.tie {
        return Err(Error::rule(
            Rule::Tie,
            "the top two candidates have the same total: the result is decided by lot (Section 65), not printed",
        ));
    }
    result
        .leader
        .clone()
        .ok_or_else(|| Error::rule(Rule::NoVotes, "no votes are counted"))
}

/// Declaring the result: final, no tie, not declared before.
pub fn check_declare(ac: &Ac, result: &CountResult) -> Result<Standing> {
    check_not_declared(ac)?;
    check_final(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ac(rounds: u32) -> Ac {
        Ac {
            ac_no: 71,
            name: "Rewa".into(),
            district: "Rewa".into(),
            ro: "R O".into(),
            tables: 14,
            rounds,
            candidates: ["A", "B", "C", NOTA]
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

    fn states(s: &[RoundStatus]) -> Vec<RoundState> {
        s.iter()
            .enumerate()
            .map(|(i, &status)| RoundState {
                round: i as u32 + 1,
                status,
                revision: 1,
            })
            .collect()
    }

    use RoundStatus::*;

    #[test]
    fn a_typed_total_must_be_the_sum_and_votes_fit_the_electors() {
        let a = ac(5);
        let with = |total| TableInput {
            ps_no: 12,
            votes: vec![100, 200, 30, 4],
            total,
            tendered: None,
            rejected: None,
        };
        assert!(validate_entry(&a, 1, 1, &with(Some(334))).is_ok());
        for wrong in [335, 0, -334] {
            let e = validate_entry(&a, 1, 1, &with(Some(wrong))).unwrap_err();
            assert_eq!(e.code(), "total-differs", "{wrong}");
            assert!(e.to_string().contains("334"), "{e}");
        }
        let entry = validate_entry(&a, 1, 1, &with(None)).unwrap();
        let ps = |electors| PollingStation {
            ps_no: 12,
            name: "School".into(),
            electors,
        };
        assert!(check_electors(&entry, &ps(334)).is_ok());
        let e = check_electors(&entry, &ps(333)).unwrap_err();
        assert_eq!(e.code(), "exceeds-electors");
        assert!(e.to_string().contains("333 electors"), "{e}");
        // Tendered votes are cast by electors of the station too.
        let tendered = TableInput {
            tendered: Some(2),
            ..with(None)
        };
        let entry = validate_entry(&a, 1, 1, &tendered).unwrap();
        assert_eq!(entry.tendered, Some(2));
        assert!(check_electors(&entry, &ps(335)).is_err());
        // So are the rejected ones (test votes, a mock poll not cleared).
        let rejected = TableInput {
            rejected: Some(1),
            ..with(None)
        };
        let entry = validate_entry(&a, 1, 1, &rejected).unwrap();
        assert_eq!((entry.tendered, entry.rejected), (None, Some(1)));
        assert!(check_electors(&entry, &ps(335)).is_ok());
        assert!(check_electors(&entry, &ps(334)).is_err());
        for bad in [-1, 10_000] {
            for e in [
                TableInput {
                    tendered: Some(bad),
                    ..with(None)
                },
                TableInput {
                    rejected: Some(bad),
                    ..with(None)
                },
            ] {
                let err = validate_entry(&a, 1, 1, &e).unwrap_err();
                assert_eq!(err.code(), "bad-input");
                let what = if e.tendered.is_some() {
                    "tendered"
                } else {
                    "rejected"
                };
                assert!(
                    err.to_string().contains(&format!("{what} is {bad}")),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn entry_needs_one_nonnegative_count_per_candidate() {
        let a = ac(5);
        let ok = TableInput {
            ps_no: 12,
            votes: vec![1, 2, 3, 4],
            total: None,
            tendered: None,
            rejected: None,
        };
        assert_eq!(
            validate_entry(&a, 1, 14, &ok).unwrap().votes,
            vec![1, 2, 3, 4]
        );
        let short = TableInput {
            ps_no: 12,
            votes: vec![1, 2, 3],
            total: None,
            tendered: None,
            rejected: None,
        };
        let e = validate_entry(&a, 1, 1, &short).unwrap_err();
        assert_eq!(e.code(), "bad-input");
        assert!(e.to_string().contains("3 counts"), "{e}");
        let neg = TableInput {
            ps_no: 12,
            votes: vec![1, -2, 3, 4],
            total: None,
            tendered: None,
            rejected: None,
        };
        assert!(
            validate_entry(&a, 1, 1, &neg)
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
        assert_eq!(
            validate_entry(&a, 1, 15, &ok).unwrap_err().code(),
            "not-found"
        );
        assert_eq!(
            validate_entry(&a, 6, 1, &ok).unwrap_err().code(),
            "not-found"
        );
        assert_eq!(
            validate_entry(&a, 0, 1, &ok).unwrap_err().code(),
            "not-found"
        );
        let ps0 = TableInput { ps_no: 0, ..ok };
        assert_eq!(
            validate_entry(&a, 1, 1, &ps0).unwrap_err().code(),
            "bad-input"
        );
    }

    #[test]
    fn editing_an_approved_round_reopens_it_and_every_later_one() {
        let a = ac(5);
        let r = states(&[Published, Published, Published, Approved, Draft]);
        assert_eq!(edit_effect(&a, &r, 5).unwrap(), None);
        assert_eq!(edit_effect(&a, &r, 3).unwrap(), Some(3));
        let back = reopened(&r, 3);
        assert_eq!(
            back.iter().map(|s| s.round).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        assert!(back.iter().all(|s| s.status == Draft && s.revision == 2));
    }

    #[test]
    fn rounds_publish_in_order() {
        let a = ac(5);
        let r = states(&[Published, Draft, Approved, Draft, Draft]);
        assert_eq!(check_publish(&a, &r, 3).unwrap_err().code(), "round-order");
        assert_eq!(
            check_publish(&a, &r, 2).unwrap_err().code(),
            "round-not-approved"
        );
        assert_eq!(
            check_publish(&a, &r, 1).unwrap_err().code(),
            "round-published"
        );
        let r = states(&[Published, Approved, Draft, Draft, Draft]);
        check_publish(&a, &r, 2).unwrap();
    }

    #[test]
    fn second_last_round_waits_for_postal() {
        let a = ac(5);
        let r = states(&[Published, Published, Published, Draft, Draft]);
        assert_eq!(
            check_approve(&a, &r, 4, 14, false).unwrap_err().code(),
            "postal-first"
        );
        assert_eq!(
            check_approve(&a, &r, 5, 14, false).unwrap_err().code(),
            "postal-first"
        );
        check_approve(&a, &r, 3 + 1, 14, true).unwrap();
        let r = states(&[Published, Published, Draft, Draft, Draft]);
        check_approve(&a, &r, 3, 14, false).unwrap();
        assert_eq!(
            check_approve(&a, &r, 3, 0, true).unwrap_err().code(),
            "round-empty"
        );
        assert_eq!(
            check_approve(&a, &r, 1, 14, true).unwrap_err().code(),
            "round-not-draft"
        );
    }

    #[test]
    fn result_ranks_candidates_but_never_nota() {
        let a = ac(2);
        let r = states(&[Published, Published]);
        let published = vec![
            RoundTotals {
                round: 1,
                revision: 1,
                totals: vec![100, 90, 5, 500],
            },
            RoundTotals {
                round: 2,
                revision: 1,
                totals: vec![10, 15, 5, 500],
            },
        ];
        let postal = Postal {
            votes: vec![1, 2, 0, 0],
            rejected_papers: 7,
            rejected_covers: 1,
        };
        let res = result(&a, &r, published, Some(&postal));
        assert_eq!(res.totals, vec![111, 107, 10, 1000]);
        assert_eq!(res.leader.as_ref().unwrap().name, "A");
        assert_eq!(res.margin, 4);
        assert!(res.margin_below_rejected);
        assert!(res.is_final);
        assert_eq!(check_final(&res).unwrap().serial, 1);
    }

    #[test]
    fn tie_and_unpublished_rounds_have_no_certificate() {
        let a = ac(2);
        let r = states(&[Published, Draft]);
        let published = vec![RoundTotals {
            round: 1,
            revision: 1,
            totals: vec![50, 50, 0, 0],
        }];
        let res = result(&a, &r, published.clone(), None);
        assert!(res.tie && res.leader.is_none());
        assert_eq!(check_final(&res).unwrap_err().code(), "rounds-unpublished");
        let res = result(&a, &states(&[Published, Published]), published, None);
        assert_eq!(check_final(&res).unwrap_err().code(), "tie");
    }

    #[test]
    fn register_csv_rows_are_checked() {
        let b = parse_register("ballot_id,postal_ballot_serial_no,part_no,elector_serial_no\nPB1,1,10,100\n\nPB2,2,10,101\n").unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[1].elector_serial_no, 101);
        let e = parse_register("PB1,1,10,100\nPB1,2,10,100\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse_register("PB1,1,10\n").is_err());
        assert!(parse_register("PB1,1,-10,4\n").is_err());
        assert!(parse_register("PB1,1,1,4\nPB2,1,1,5\n").is_err());
        assert!(parse_register("P|B,1,1,4\n").is_err());
        // Identifiers keep letters, slashes, dashes and leading zeros, and
        // are told apart after folding case and spacing.
        let b = parse_register("kl/71-a, 0042 ,1,4\nKL/71-B,42,1,5\n").unwrap();
        assert_eq!(b[0].ballot_id, "KL/71-A");
        assert_eq!(b[0].postal_ballot_serial_no, "0042");
        assert_eq!(b[1].postal_ballot_serial_no, "42");
        let e = parse_register("kl/71-a,1,1,4\nKL/71-A,2,1,5\n").unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
        assert!(parse_register("PB1,A_1,1,4\n").is_err());
    }

    #[test]
    fn nothing_changes_after_declaration() {
        let mut a = ac(2);
        a.declared_at = Some("2026-11-29T10:00:00Z".into());
        let r = states(&[Published, Published]);
        assert_eq!(
            edit_effect(&a, &r, 1).unwrap_err().code(),
            "result-declared"
        );
    }
}
