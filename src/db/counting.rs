//! Queries for the election and its entered counts: ACs and candidates,
//! rounds and table entries, postal tallies, ETPBS registers, the
//! certificates printed, and the result as it stands.

use super::{Conn, OnConstraint, count_arg, from_json, query, to_json, to_u32, to_u64};
use crate::counting::{
    self, Ac, AcListing, Candidate, CertificateRecord, CountResult, Postal, RegisterBallot,
    Reverified, RoundState, RoundStatus, RoundTotals, TableEntry, VvpatStation,
};
use crate::error::{Error, Result, Rule};

/// Votes as stored: a JSON list of counts.
fn votes_of(json: &str) -> Result<Vec<u64>> {
    from_json(json, "stored votes")
}

// ---- election and ACs ------------------------------------------------------

/// Stores an election; returns its id.
pub async fn insert_election(c: &mut Conn, name: &str, state: &str) -> Result<i64> {
    query("INSERT INTO elections (name, state) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(state)
        .scalar(c)
        .await
}

/// The election's name and state (the first election: one per deployment).
pub async fn election(c: &mut Conn) -> Result<Option<(String, String)>> {
    query("SELECT name, state FROM elections ORDER BY id LIMIT 1")
        .fetch_optional(c)
        .await
}

/// Stores an AC's polling stations.
pub async fn insert_polling_stations(
    c: &mut Conn,
    ac_no: u32,
    stations: &[crate::counting::PollingStation],
) -> Result<()> {
    for p in stations {
        query(
            "INSERT INTO polling_stations (ac_no, ps_no, name, electors) VALUES ($1, $2, $3, $4)",
        )
        .bind(i64::from(ac_no))
        .bind(i64::from(p.ps_no))
        .bind(&p.name)
        .bind(count_arg(p.electors)?)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// What the definition says of a polling station of the AC: `None` when
/// it lists no station for the AC, `Some(None)` when it lists others but
/// not this one. One query: the station's row, if any, and a row counting
/// the AC's stations (its `ps_no` 0, which no station has).
pub async fn polling_station(
    c: &mut Conn,
    ac_no: u32,
    ps_no: u32,
) -> Result<Option<Option<crate::counting::PollingStation>>> {
    let rows: Vec<crate::counting::PollingStation> = query(
        "SELECT ps_no, name, electors FROM polling_stations WHERE ac_no = $1 AND ps_no = $2
         UNION ALL SELECT 0, '', COUNT(*) FROM polling_stations WHERE ac_no = $1",
    )
    .bind(i64::from(ac_no))
    .bind(i64::from(ps_no))
    .fetch_all(c)
    .await?;
    let stations = rows.iter().find(|r| r.ps_no == 0).map_or(0, |r| r.electors);
    if stations == 0 {
        return Ok(None);
    }
    Ok(Some(rows.into_iter().find(|r| r.ps_no != 0)))
}

/// The AC's polling stations from its definition, by number (empty when
/// the definition lists none).
pub async fn polling_stations(
    c: &mut Conn,
    ac_no: u32,
) -> Result<Vec<crate::counting::PollingStation>> {
    query("SELECT ps_no, name, electors FROM polling_stations WHERE ac_no = $1 ORDER BY ps_no")
        .bind(i64::from(ac_no))
        .fetch_all(c)
        .await
}

/// Stores an AC with its candidates and its rounds (all draft, revision 1).
/// Fails with a 409 when the AC number is taken.
pub async fn insert_ac(c: &mut Conn, election_id: i64, ac: &Ac) -> Result<()> {
    query(
        "INSERT INTO acs (ac_no, election_id, name, district, ro_name, tables_count, rounds_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i64::from(ac.ac_no))
    .bind(election_id)
    .bind(&ac.name)
    .bind(&ac.district)
    .bind(&ac.ro)
    .bind(i64::from(ac.tables))
    .bind(i64::from(ac.rounds))
    .execute(&mut *c)
    .await
    .on_unique(|| Error::rule(Rule::AcExists, format!("AC {} already exists", ac.ac_no)))?;
    for cand in &ac.candidates {
        query("INSERT INTO candidates (ac_no, serial, name, party) VALUES ($1, $2, $3, $4)")
            .bind(i64::from(ac.ac_no))
            .bind(i64::from(cand.serial))
            .bind(&cand.name)
            .bind(&cand.party)
            .execute(&mut *c)
            .await?;
    }
    for round in 1..=ac.rounds {
        query("INSERT INTO rounds (ac_no, round) VALUES ($1, $2)")
            .bind(i64::from(ac.ac_no))
            .bind(i64::from(round))
            .execute(&mut *c)
            .await?;
    }
    // Nothing is published yet.
    query(
        "INSERT INTO standings (ac_no, margin, tie, rounds_published, is_final, updated_at)
         VALUES ($1, 0, FALSE, 0, FALSE, $2)",
    )
    .bind(i64::from(ac.ac_no))
    .bind(crate::clock::now_rfc3339())
    .execute(&mut *c)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AcRow {
    #[sqlx(try_from = "i64")]
    ac_no: u32,
    name: String,
    district: String,
    ro_name: String,
    #[sqlx(try_from = "i64")]
    tables_count: u32,
    #[sqlx(try_from = "i64")]
    rounds_count: u32,
    declared_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CandidateRow {
    #[sqlx(try_from = "i64")]
    serial: u32,
    name: String,
    party: String,
}

/// An AC with its candidates, or a 404.
pub async fn ac(c: &mut Conn, ac_no: u32) -> Result<Ac> {
    let row: AcRow = query(
        "SELECT ac_no, name, district, ro_name, tables_count, rounds_count, declared_at
         FROM acs WHERE ac_no = $1",
    )
    .bind(i64::from(ac_no))
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(|| Error::not_found(format!("AC {ac_no}")))?;
    let candidates: Vec<CandidateRow> =
        query("SELECT serial, name, party FROM candidates WHERE ac_no = $1 ORDER BY serial")
            .bind(i64::from(ac_no))
            .fetch_all(&mut *c)
            .await?;
    Ok(Ac {
        ac_no: row.ac_no,
        name: row.name,
        district: row.district,
        ro: row.ro_name,
        tables: row.tables_count,
        rounds: row.rounds_count,
        candidates: candidates
            .into_iter()
            .map(|r| Candidate {
                serial: r.serial,
                name: r.name,
                party: r.party,
            })
            .collect(),
        declared_at: row.declared_at,
    })
}

#[derive(sqlx::FromRow)]
struct AcListingRow {
    #[sqlx(try_from = "i64")]
    ac_no: u32,
    name: String,
    district: String,
    ro_name: String,
}

/// Every AC, by number.
pub async fn ac_list(c: &mut Conn) -> Result<Vec<AcListing>> {
    let rows: Vec<AcListingRow> =
        query("SELECT ac_no, name, district, ro_name FROM acs ORDER BY ac_no")
            .fetch_all(c)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| AcListing {
            ac_no: r.ac_no,
            name: r.name,
            district: r.district,
            ro: r.ro_name,
        })
        .collect())
}

/// Marks the result declared.
pub async fn set_declared(c: &mut Conn, ac_no: u32, at: &str, by: &str) -> Result<()> {
    query("UPDATE acs SET declared_at = $1, declared_by = $2 WHERE ac_no = $3")
        .bind(at)
        .bind(by)
        .bind(i64::from(ac_no))
        .execute(c)
        .await?;
    Ok(())
}

// ---- rounds and entries -----------------------------------------------------

#[derive(sqlx::FromRow)]
struct RoundRow {
    #[sqlx(try_from = "i64")]
    round: u32,
    status: RoundStatus,
    #[sqlx(try_from = "i64")]
    revision: u32,
}

/// Every round's state, in order.
pub async fn round_states(c: &mut Conn, ac_no: u32) -> Result<Vec<RoundState>> {
    let rows: Vec<RoundRow> =
        query("SELECT round, status, revision FROM rounds WHERE ac_no = $1 ORDER BY round")
            .bind(i64::from(ac_no))
            .fetch_all(c)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| RoundState {
            round: r.round,
            status: r.status,
            revision: r.revision,
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    #[sqlx(try_from = "i64")]
    table_no: u32,
    #[sqlx(try_from = "i64")]
    ps_no: u32,
    votes: String,
    tendered: Option<i64>,
    rejected: Option<i64>,
}

impl EntryRow {
    fn entry(self) -> Result<TableEntry> {
        Ok(TableEntry {
            table: self.table_no,
            ps_no: self.ps_no,
            votes: votes_of(&self.votes)?,
            tendered: self
                .tendered
                .map(|t| to_u64(t, "tendered votes"))
                .transpose()?,
            rejected: self
                .rejected
                .map(|t| to_u64(t, "rejected votes"))
                .transpose()?,
        })
    }
}

/// The counted tables of a round, in table order.
pub async fn round_entries(c: &mut Conn, ac_no: u32, round: u32) -> Result<Vec<TableEntry>> {
    let rows: Vec<EntryRow> = query(
        "SELECT table_no, ps_no, votes, tendered, rejected FROM table_entries WHERE ac_no = $1 AND round = $2 ORDER BY table_no",
    )
    .bind(i64::from(ac_no))
    .bind(i64::from(round))
    .fetch_all(c)
    .await?;
    rows.into_iter().map(EntryRow::entry).collect()
}

#[derive(sqlx::FromRow)]
struct RoundEntryRow {
    #[sqlx(try_from = "i64")]
    round: u32,
    #[sqlx(flatten)]
    entry: EntryRow,
}

/// Every round's counted tables (rounds with none are absent), in round
/// and table order, in one query.
pub async fn entries_of_ac(
    c: &mut Conn,
    ac_no: u32,
) -> Result<std::collections::BTreeMap<u32, Vec<TableEntry>>> {
    let rows: Vec<RoundEntryRow> = query(
        "SELECT round, table_no, ps_no, votes, tendered, rejected FROM table_entries WHERE ac_no = $1 ORDER BY round, table_no",
    )
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await?;
    let mut out = std::collections::BTreeMap::<u32, Vec<TableEntry>>::new();
    for r in rows {
        out.entry(r.round).or_default().push(r.entry.entry()?);
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    #[sqlx(try_from = "i64")]
    round: u32,
    #[sqlx(try_from = "i64")]
    table_no: u32,
}

/// Where a polling station's EVM is already entered: (round, table).
pub async fn ps_entered_at(c: &mut Conn, ac_no: u32, ps_no: u32) -> Result<Option<(u32, u32)>> {
    let row: Option<PlaceRow> =
        query("SELECT round, table_no FROM table_entries WHERE ac_no = $1 AND ps_no = $2")
            .bind(i64::from(ac_no))
            .bind(i64::from(ps_no))
            .fetch_optional(c)
            .await?;
    Ok(row.map(|r| (r.round, r.table_no)))
}

/// Stores (or replaces) a table entry.
pub async fn upsert_entry(
    c: &mut Conn,
    ac_no: u32,
    round: u32,
    e: &TableEntry,
    by: &str,
    at: &str,
) -> Result<()> {
    query(
        "INSERT INTO table_entries (ac_no, round, table_no, ps_no, votes, entered_by, entered_at, tendered, rejected)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (ac_no, round, table_no) DO UPDATE SET
           ps_no = excluded.ps_no, votes = excluded.votes, tendered = excluded.tendered,
           rejected = excluded.rejected,
           entered_by = excluded.entered_by, entered_at = excluded.entered_at",
    )
    .bind(i64::from(ac_no))
    .bind(i64::from(round))
    .bind(i64::from(e.table))
    .bind(i64::from(e.ps_no))
    .bind(to_json(&e.votes)?)
    .bind(by)
    .bind(at)
    .bind(e.tendered.map(count_arg).transpose()?)
    .bind(e.rejected.map(count_arg).transpose()?)
    .execute(c)
    .await
    .on_unique(|| {
        Error::rule(
            Rule::PsCounted,
            format!(
                "polling station {} is already entered elsewhere; an EVM is counted once",
                e.ps_no
            ),
        )
    })?;
    Ok(())
}

/// Removes a table entry (the table's EVM is not counted this round).
pub async fn delete_entry(c: &mut Conn, ac_no: u32, round: u32, table: u32) -> Result<()> {
    query("DELETE FROM table_entries WHERE ac_no = $1 AND round = $2 AND table_no = $3")
        .bind(i64::from(ac_no))
        .bind(i64::from(round))
        .bind(i64::from(table))
        .execute(c)
        .await?;
    Ok(())
}

/// Stores new round states (an edit's reopening): status, revision, and the
/// approval and publication cleared for drafts.
pub async fn reset_rounds(c: &mut Conn, ac_no: u32, states: &[RoundState]) -> Result<()> {
    for s in states {
        query(
            "UPDATE rounds SET status = $1, revision = $2,
               approved_at = NULL, approved_by = NULL, published_at = NULL, published_by = NULL
             WHERE ac_no = $3 AND round = $4",
        )
        .bind(s.status)
        .bind(i64::from(s.revision))
        .bind(i64::from(ac_no))
        .bind(i64::from(s.round))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Records an approval or a publication of a round.
pub async fn set_round_status(
    c: &mut Conn,
    ac_no: u32,
    round: u32,
    status: RoundStatus,
    by: &str,
    at: &str,
) -> Result<()> {
    let sql = match status {
        RoundStatus::Approved => {
            "UPDATE rounds SET status = $1, approved_by = $2, approved_at = $3 WHERE ac_no = $4 AND round = $5"
        }
        RoundStatus::Published => {
            "UPDATE rounds SET status = $1, published_by = $2, published_at = $3 WHERE ac_no = $4 AND round = $5"
        }
        RoundStatus::Draft => {
            return Err(Error::internal(
                "set_round_status takes approved or published; drafts come from reset_rounds",
            ));
        }
    };
    query(sql)
        .bind(status)
        .bind(by)
        .bind(at)
        .bind(i64::from(ac_no))
        .bind(i64::from(round))
        .execute(c)
        .await?;
    Ok(())
}

// ---- postal -----------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct PostalRow {
    votes: String,
    rejected_papers: i64,
    rejected_covers: i64,
}

/// The AC's postal tally, if entered.
pub async fn postal(c: &mut Conn, ac_no: u32) -> Result<Option<Postal>> {
    let row: Option<PostalRow> = query(
        "SELECT votes, rejected_papers, rejected_covers FROM postal_tallies WHERE ac_no = $1",
    )
    .bind(i64::from(ac_no))
    .fetch_optional(c)
    .await?;
    row.map(|r| {
        Ok(Postal {
            votes: votes_of(&r.votes)?,
            rejected_papers: to_u64(r.rejected_papers, "rejected papers")?,
            rejected_covers: to_u64(r.rejected_covers, "rejected covers")?,
        })
    })
    .transpose()
}

/// Stores (or replaces) the postal tally.
pub async fn upsert_postal(c: &mut Conn, ac_no: u32, p: &Postal, by: &str, at: &str) -> Result<()> {
    query(
        "INSERT INTO postal_tallies (ac_no, votes, rejected_papers, rejected_covers, entered_by, entered_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (ac_no) DO UPDATE SET votes = excluded.votes,
           rejected_papers = excluded.rejected_papers, rejected_covers = excluded.rejected_covers,
           entered_by = excluded.entered_by, entered_at = excluded.entered_at,
           validated_by = NULL, validated_at = NULL",
    )
    .bind(i64::from(ac_no))
    .bind(to_json(&p.votes)?)
    .bind(count_arg(p.rejected_papers)?)
    .bind(count_arg(p.rejected_covers)?)
    .bind(by)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// Who validated the AC's postal entry and when, if the RO did since it
/// was last changed.
pub async fn postal_validation(c: &mut Conn, ac_no: u32) -> Result<Option<(String, String)>> {
    let row: Option<(Option<String>, Option<String>)> =
        query("SELECT validated_by, validated_at FROM postal_tallies WHERE ac_no = $1")
            .bind(i64::from(ac_no))
            .fetch_optional(c)
            .await?;
    Ok(row.and_then(|(by, at)| by.zip(at)))
}

/// Records the RO's validation of the postal entry (`None`: reopens it).
pub async fn set_postal_validation(
    c: &mut Conn,
    ac_no: u32,
    by_at: Option<(&str, &str)>,
) -> Result<()> {
    query("UPDATE postal_tallies SET validated_by = $2, validated_at = $3 WHERE ac_no = $1")
        .bind(i64::from(ac_no))
        .bind(by_at.map(|b| b.0))
        .bind(by_at.map(|b| b.1))
        .execute(c)
        .await?;
    Ok(())
}

// ---- VVPAT verification ---------------------------------------------------------

#[derive(sqlx::FromRow)]
struct VvpatRow {
    #[sqlx(try_from = "i64")]
    ps_no: u32,
    drawn_by: String,
    drawn_at: String,
    slips: Option<String>,
    counted_by: Option<String>,
    counted_at: Option<String>,
}

/// The AC's stations drawn for VVPAT verification, by PS number.
pub async fn vvpat_stations(c: &mut Conn, ac_no: u32) -> Result<Vec<VvpatStation>> {
    let rows: Vec<VvpatRow> = query(
        "SELECT ps_no, drawn_by, drawn_at, slips, counted_by, counted_at
         FROM vvpat_stations WHERE ac_no = $1 ORDER BY ps_no",
    )
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(VvpatStation {
                slips: r.slips.as_deref().map(votes_of).transpose()?,
                ps_no: r.ps_no,
                drawn_by: r.drawn_by,
                drawn_at: r.drawn_at,
                counted_by: r.counted_by,
                counted_at: r.counted_at,
            })
        })
        .collect()
}

/// Replaces the AC's draw (only while no slips are counted: the caller checks).
pub async fn replace_vvpat_draw(
    c: &mut Conn,
    ac_no: u32,
    stations: &[u32],
    by: &str,
    at: &str,
) -> Result<()> {
    query("DELETE FROM vvpat_stations WHERE ac_no = $1")
        .bind(i64::from(ac_no))
        .execute(&mut *c)
        .await?;
    for ps in stations {
        query(
            "INSERT INTO vvpat_stations (ac_no, ps_no, drawn_by, drawn_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(i64::from(ac_no))
        .bind(i64::from(*ps))
        .bind(by)
        .bind(at)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Stores the slips counted at a drawn station.
pub async fn set_slips(
    c: &mut Conn,
    ac_no: u32,
    ps_no: u32,
    slips: &[u64],
    by: &str,
    at: &str,
) -> Result<()> {
    query(
        "UPDATE vvpat_stations SET slips = $3, counted_by = $4, counted_at = $5
         WHERE ac_no = $1 AND ps_no = $2",
    )
    .bind(i64::from(ac_no))
    .bind(i64::from(ps_no))
    .bind(to_json(&slips)?)
    .bind(by)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

// ---- re-verification of rejected postal ballots -----------------------------------

/// The rejected postal ballots the RO verified again, by ballot id.
pub async fn reverifications(c: &mut Conn, ac_no: u32) -> Result<Vec<Reverified>> {
    query(
        "SELECT ballot_id, verdict, reason, decided_by, decided_at
         FROM reverifications WHERE ac_no = $1 ORDER BY ballot_id",
    )
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await
}

/// Stores (or replaces) the RO's verdict on one rejected ballot.
pub async fn upsert_reverification(c: &mut Conn, ac_no: u32, r: &Reverified) -> Result<()> {
    query(
        "INSERT INTO reverifications (ac_no, ballot_id, verdict, reason, decided_by, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (ac_no, ballot_id) DO UPDATE SET verdict = excluded.verdict,
           reason = excluded.reason, decided_by = excluded.decided_by, decided_at = excluded.decided_at",
    )
    .bind(i64::from(ac_no))
    .bind(&r.ballot_id)
    .bind(r.verdict.as_str())
    .bind(&r.reason)
    .bind(&r.decided_by)
    .bind(&r.decided_at)
    .execute(c)
    .await?;
    Ok(())
}

// ---- ETPBS register ------------------------------------------------------------

/// Replaces the AC's register whole.
pub async fn replace_register(c: &mut Conn, ac_no: u32, ballots: &[RegisterBallot]) -> Result<()> {
    query("DELETE FROM etpbs_ballots WHERE ac_no = $1")
        .bind(i64::from(ac_no))
        .execute(&mut *c)
        .await?;
    for b in ballots {
        query(
            "INSERT INTO etpbs_ballots (ac_no, ballot_id, postal_ballot_serial_no, part_no, elector_serial_no)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(i64::from(ac_no))
        .bind(&b.ballot_id)
        .bind(&b.postal_ballot_serial_no)
        .bind(i64::from(b.part_no))
        .bind(i64::from(b.elector_serial_no))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RegisterRow {
    ballot_id: String,
    postal_ballot_serial_no: String,
    #[sqlx(try_from = "i64")]
    part_no: u32,
    #[sqlx(try_from = "i64")]
    elector_serial_no: u32,
}

/// The AC's register, by postal ballot serial number (shorter first, so
/// that serials of digits come in their numeric order).
pub async fn register(c: &mut Conn, ac_no: u32) -> Result<Vec<RegisterBallot>> {
    let rows: Vec<RegisterRow> = query(
        "SELECT ballot_id, postal_ballot_serial_no, part_no, elector_serial_no
         FROM etpbs_ballots WHERE ac_no = $1
         ORDER BY LENGTH(postal_ballot_serial_no), postal_ballot_serial_no",
    )
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| RegisterBallot {
            ballot_id: r.ballot_id,
            postal_ballot_serial_no: r.postal_ballot_serial_no,
            part_no: r.part_no,
            elector_serial_no: r.elector_serial_no,
        })
        .collect())
}

/// How many ballots the AC's register holds.
pub async fn register_count(c: &mut Conn, ac_no: u32) -> Result<u64> {
    let n: i64 = query("SELECT COUNT(*) FROM etpbs_ballots WHERE ac_no = $1")
        .bind(i64::from(ac_no))
        .scalar(c)
        .await?;
    to_u64(n, "a count")
}

// ---- certificates ----------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct CertRow {
    id: String,
    #[sqlx(try_from = "i64")]
    ac_no: u32,
    #[sqlx(try_from = "i64")]
    seq: u32,
    #[sqlx(try_from = "i64")]
    winner_serial: u32,
    winner: String,
    party: String,
    votes: i64,
    date: String,
    ro_name: String,
    digest: String,
}

impl CertRow {
    fn record(self) -> Result<CertificateRecord> {
        Ok(CertificateRecord {
            id: self.id,
            ac_no: self.ac_no,
            seq: self.seq,
            winner_serial: self.winner_serial,
            winner: self.winner,
            party: self.party,
            votes: to_u64(self.votes, "certificate votes")?,
            date: self.date,
            ro_name: self.ro_name,
            digest: self.digest,
        })
    }
}

const CERT_COLUMNS: &str =
    "id, ac_no, seq, winner_serial, winner, party, votes, date, ro_name, digest";

/// The AC's latest certificate, if one was printed.
pub async fn latest_certificate(c: &mut Conn, ac_no: u32) -> Result<Option<CertificateRecord>> {
    let row: Option<CertRow> = query(&format!(
        "SELECT {CERT_COLUMNS} FROM certificates WHERE ac_no = $1 ORDER BY seq DESC LIMIT 1"
    ))
    .bind(i64::from(ac_no))
    .fetch_optional(c)
    .await?;
    row.map(CertRow::record).transpose()
}

/// Every certificate printed for the AC, oldest first.
pub async fn certificates_of_ac(c: &mut Conn, ac_no: u32) -> Result<Vec<CertificateRecord>> {
    let rows: Vec<CertRow> = query(&format!(
        "SELECT {CERT_COLUMNS} FROM certificates WHERE ac_no = $1 ORDER BY seq"
    ))
    .bind(i64::from(ac_no))
    .fetch_all(c)
    .await?;
    rows.into_iter().map(CertRow::record).collect()
}

/// Stores a newly printed certificate.
pub async fn insert_certificate(
    c: &mut Conn,
    r: &CertificateRecord,
    by: &str,
    at: &str,
) -> Result<()> {
    query(
        "INSERT INTO certificates (id, ac_no, seq, winner_serial, winner, party, votes, date, ro_name, digest, issued_at, issued_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&r.id)
    .bind(i64::from(r.ac_no))
    .bind(i64::from(r.seq))
    .bind(i64::from(r.winner_serial))
    .bind(&r.winner)
    .bind(&r.party)
    .bind(count_arg(r.votes)?)
    .bind(&r.date)
    .bind(&r.ro_name)
    .bind(&r.digest)
    .bind(at)
    .bind(by)
    .execute(c)
    .await?;
    Ok(())
}

// ---- the result ------------------------------------------------------------------

/// What the published rounds count, station by station: the entries of
/// every published round, a station verified by VVPAT counting by its
/// slips; with the rounds' states and the stations whose slips differ
/// from their EVM figures.
pub struct Published {
    pub states: Vec<RoundState>,
    pub entries: std::collections::BTreeMap<u32, Vec<TableEntry>>,
    pub vvpat_used: Vec<u32>,
}

/// The published rounds' figures as they count.
pub async fn published(c: &mut Conn, ac_no: u32) -> Result<Published> {
    let states = round_states(&mut *c, ac_no).await?;
    let mut entries = entries_of_ac(&mut *c, ac_no).await?;
    let slips: std::collections::HashMap<u32, Vec<u64>> = vvpat_stations(&mut *c, ac_no)
        .await?
        .into_iter()
        .filter_map(|s| Some((s.ps_no, s.slips?)))
        .collect();
    let open: std::collections::HashSet<u32> = states
        .iter()
        .filter(|s| s.status != RoundStatus::Published)
        .map(|s| s.round)
        .collect();
    entries.retain(|r, _| !open.contains(r));
    let mut vvpat_used = vec![];
    for e in entries.values_mut().flatten() {
        if let Some(s) = slips.get(&e.ps_no)
            && *s != e.votes
        {
            vvpat_used.push(e.ps_no);
            e.votes = s.clone();
        }
    }
    vvpat_used.sort_unstable();
    Ok(Published {
        states,
        entries,
        vvpat_used,
    })
}

/// Form 20 of the AC over its published rounds, as
/// [`counting::form20::build`] makes it from what is stored.
pub async fn form20(c: &mut Conn, ac: &Ac) -> Result<counting::form20::Form20> {
    Ok(result_and_form20(c, ac).await?.1)
}

/// The result of an AC as it stands (published rounds and postal tally),
/// computed by [`counting::result`] from what is stored.
pub async fn count_result(c: &mut Conn, ac: &Ac) -> Result<CountResult> {
    let p = published(&mut *c, ac.ac_no).await?;
    let postal = postal(&mut *c, ac.ac_no).await?;
    Ok(result_of(ac, p, postal.as_ref()))
}

/// The result and Form 20 of an AC, from one reading of its published
/// rounds and postal tally (what a recheck and the declaration's forms need).
pub async fn result_and_form20(
    c: &mut Conn,
    ac: &Ac,
) -> Result<(CountResult, counting::form20::Form20)> {
    let p = published(&mut *c, ac.ac_no).await?;
    let postal = postal(&mut *c, ac.ac_no).await?;
    let stations = polling_stations(&mut *c, ac.ac_no).await?;
    let entries: Vec<&TableEntry> = p.entries.values().flatten().collect();
    let f = counting::form20::build(ac, &entries, &stations, postal.as_ref(), &p.vvpat_used);
    Ok((result_of(ac, p, postal.as_ref()), f))
}

fn result_of(ac: &Ac, p: Published, postal: Option<&Postal>) -> CountResult {
    let n = ac.candidates.len();
    let by_round = p
        .states
        .iter()
        .filter(|s| s.status == RoundStatus::Published)
        .map(|s| RoundTotals {
            round: s.round,
            revision: s.revision,
            totals: counting::totals(
                n,
                p.entries
                    .get(&s.round)
                    .into_iter()
                    .flatten()
                    .map(|e| e.votes.as_slice()),
            ),
        })
        .collect();
    CountResult {
        vvpat_used: p.vvpat_used,
        ..counting::result(ac, &p.states, by_round, postal)
    }
}

// ---- standings -------------------------------------------------------------------

/// Keeps the AC's standing (the national results page's line) in step with
/// its result.
pub async fn set_standing(c: &mut Conn, r: &CountResult, at: &str) -> Result<()> {
    query(
        "INSERT INTO standings (ac_no, leader, party, margin, tie, rounds_published, is_final, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (ac_no) DO UPDATE SET leader = excluded.leader, party = excluded.party,
           margin = excluded.margin, tie = excluded.tie, rounds_published = excluded.rounds_published,
           is_final = excluded.is_final, updated_at = excluded.updated_at",
    )
    .bind(i64::from(r.ac_no))
    .bind(r.leader.as_ref().map(|l| l.name.clone()))
    .bind(r.leader.as_ref().map(|l| l.party.clone()))
    .bind(count_arg(r.margin)?)
    .bind(r.tie)
    .bind(i64::from(r.rounds_published))
    .bind(r.is_final)
    .bind(at)
    .execute(c)
    .await?;
    Ok(())
}

/// Computes the standing of every AC whose row was made by the migration
/// that added standings (a database from before it).
pub async fn backfill_standings(c: &mut Conn) -> Result<u64> {
    let acs: Vec<i64> = query("SELECT ac_no FROM standings WHERE updated_at = '' ORDER BY ac_no")
        .scalars(&mut *c)
        .await?;
    let at = crate::clock::now_rfc3339();
    for ac_no in &acs {
        let a = ac(&mut *c, to_u32(*ac_no, "an AC number")?).await?;
        let r = count_result(&mut *c, &a).await?;
        set_standing(&mut *c, &r, &at).await?;
    }
    Ok(acs.len() as u64)
}

/// One AC's line of the national results.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StandingRow {
    #[sqlx(try_from = "i64")]
    pub ac_no: u32,
    pub name: String,
    /// Who leads over the published rounds (None while nothing is counted,
    /// or on a tie).
    pub leader: Option<String>,
    pub party: Option<String>,
    #[sqlx(try_from = "i64")]
    pub margin: u64,
    pub tie: bool,
    #[sqlx(try_from = "i64")]
    pub rounds: u32,
    #[sqlx(try_from = "i64")]
    pub rounds_published: u32,
    pub is_final: bool,
    pub declared_at: Option<String>,
}

/// Every AC's standing, by AC number: one query, however many ACs.
pub async fn standings(c: &mut Conn) -> Result<Vec<StandingRow>> {
    query(
        "SELECT a.ac_no, a.name, s.leader, s.party, s.margin, s.tie, a.rounds_count AS rounds,
                s.rounds_published, s.is_final, a.declared_at
         FROM acs a JOIN standings s ON s.ac_no = a.ac_no ORDER BY a.ac_no",
    )
    .fetch_all(c)
    .await
}

/// When the public result last changed: the latest round published,
/// postal tally entered or result declared, of one AC or of all; None
/// while there is none.
pub async fn results_updated_at(c: &mut Conn, ac_no: Option<u32>) -> Result<Option<String>> {
    let only = if ac_no.is_some() {
        "AND ac_no = $1"
    } else {
        ""
    };
    let sql = format!(
        "SELECT MAX(t) FROM (
             SELECT published_at AS t FROM rounds WHERE status = 'published' {only}
             UNION ALL SELECT entered_at FROM postal_tallies WHERE 1 = 1 {only}
             UNION ALL SELECT declared_at FROM acs WHERE declared_at IS NOT NULL {only}
         ) x"
    );
    let q = query(&sql);
    match ac_no {
        Some(a) => q.bind(i64::from(a)).scalar(c).await,
        None => q.scalar(c).await,
    }
}
