//! Form 20, the final result sheet (`docs/design.md`, "The end of the
//! count"): per polling station the votes of every candidate (NOTA
//! last), the total of valid votes, rejected and tendered votes and the
//! total; then the EVM, postal and grand total rows. A pure function of
//! the published figures (a station verified by VVPAT counts by its
//! slips), and its CSV.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Ac, NOTA, PollingStation, Postal, TableEntry};

/// One line of Form 20.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Line {
    /// The polling station's number; null for the EVM, postal and total rows.
    pub ps_no: Option<u32>,
    /// The station's name (from the definition; empty when it names no
    /// stations), or the row's name.
    pub name: String,
    /// Votes per candidate in ballot order, NOTA last.
    pub votes: Vec<u64>,
    /// Total of valid votes for the candidates (NOTA excluded).
    pub valid: u64,
    pub nota: u64,
    /// Rejected votes (the postal row: rejected ballot papers); null where
    /// not recorded.
    pub rejected: Option<u64>,
    /// Tendered votes (Rule 49P); null where not recorded (on the EVM and
    /// total rows: unless recorded for every station).
    pub tendered: Option<u64>,
    /// Valid votes plus NOTA (plus rejected where recorded).
    pub total: u64,
}

/// Form 20 of an AC.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Form20 {
    pub ac_no: u32,
    pub ac_name: String,
    /// Candidates in ballot order, NOTA last.
    pub candidates: Vec<String>,
    /// One line per counted polling station, by number.
    pub stations: Vec<Line>,
    pub evm: Line,
    pub postal: Line,
    pub total: Line,
    /// Stations whose VVPAT slips replaced their EVM figures.
    pub vvpat_used: Vec<u32>,
}

fn line(
    ps_no: Option<u32>,
    name: String,
    all: &[u64],
    nota_at: Option<usize>,
    rejected: Option<u64>,
) -> Line {
    let nota = nota_at.and_then(|i| all.get(i)).copied().unwrap_or(0);
    let valid = all.iter().sum::<u64>() - nota;
    Line {
        ps_no,
        name,
        total: valid + nota + rejected.unwrap_or(0),
        votes: all.to_vec(),
        valid,
        nota,
        rejected,
        tendered: None,
    }
}

fn add(a: &[u64], b: &[u64]) -> Vec<u64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

/// Form 20 from the published entries (already counting slips where
/// VVPAT verified), the stations of the definition and the postal tally.
pub fn build(
    ac: &Ac,
    entries: &[&TableEntry],
    stations: &[PollingStation],
    postal: Option<&Postal>,
    vvpat_used: &[u32],
) -> Form20 {
    let n = ac.candidates.len();
    let nota_at = ac.candidates.iter().position(|c| c.name == NOTA);
    let mut rows: Vec<&TableEntry> = entries.to_vec();
    rows.sort_by_key(|e| e.ps_no);
    let name_of = |ps: u32| {
        stations
            .iter()
            .find(|s| s.ps_no == ps)
            .map_or_else(String::new, |s| s.name.clone())
    };
    let lines: Vec<Line> = rows
        .iter()
        .map(|e| Line {
            tendered: e.tendered,
            ..line(
                Some(e.ps_no),
                name_of(e.ps_no),
                &e.votes,
                nota_at,
                e.rejected,
            )
        })
        .collect();
    // The EVM row's tendered and rejected votes only when every station's
    // are recorded: never a sum that passes over a figure not typed.
    let every = |of: fn(&TableEntry) -> Option<u64>| -> Option<u64> {
        if rows.is_empty() {
            None
        } else {
            rows.iter().map(|e| of(e)).sum()
        }
    };
    let tendered = every(|e| e.tendered);
    let evm_rejected = every(|e| e.rejected);
    let evm_all = super::totals(n, rows.iter().map(|e| e.votes.as_slice()));
    let postal_all = postal.map_or(vec![0; n], |p| p.votes.clone());
    let postal_rejected = postal.map(|p| p.rejected_papers);
    // The grand total's rejected votes: those of the postal papers and,
    // when recorded, the EVMs'.
    let all_rejected = match (evm_rejected, postal_rejected) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    };
    Form20 {
        ac_no: ac.ac_no,
        ac_name: ac.name.clone(),
        candidates: ac.candidates.iter().map(|c| c.name.clone()).collect(),
        stations: lines,
        evm: Line {
            tendered,
            ..line(
                None,
                "Total of votes recorded on EVMs".into(),
                &evm_all,
                nota_at,
                evm_rejected,
            )
        },
        postal: line(
            None,
            "Postal ballots".into(),
            &postal_all,
            nota_at,
            postal_rejected,
        ),
        total: Line {
            tendered,
            ..line(
                None,
                "Total votes polled".into(),
                &add(&evm_all, &postal_all),
                nota_at,
                all_rejected,
            )
        },
        vvpat_used: vvpat_used.to_vec(),
    }
}

/// The columns Form 20 prints: the candidates (NOTA last), the valid
/// votes (NOTA excluded), the rejected votes when every station's are
/// recorded, and the total; then the tendered votes when every station's
/// are recorded.
pub fn printed_columns(f: &Form20) -> Vec<String> {
    let mut cols = f.candidates.clone();
    cols.push("Total of valid votes (NOTA excluded)".into());
    if f.evm.rejected.is_some() {
        cols.push("Rejected votes".into());
    }
    cols.push("Total".into());
    if f.evm.tendered.is_some() {
        cols.push("Tendered votes".into());
    }
    cols
}

/// A line's figures as Form 20 `f` prints them, one per printed column
/// (the postal row has no tendered votes: 0).
pub fn printed_figures(f: &Form20, l: &Line) -> Vec<u64> {
    let mut v = l.votes.clone();
    v.push(l.valid);
    if f.evm.rejected.is_some() {
        v.push(l.rejected.unwrap_or(0));
    }
    v.push(l.total);
    if f.evm.tendered.is_some() {
        v.push(l.tendered.unwrap_or(0));
    }
    v
}

/// The values that print Form 20 (model `form-20`).
pub fn print_values(f: &Form20) -> serde_json::Value {
    let stations: Vec<serde_json::Value> = f
        .stations
        .iter()
        .map(|l| serde_json::json!({ "ps_no": l.ps_no, "votes": printed_figures(f, l) }))
        .collect();
    serde_json::json!({
        "ac_no": f.ac_no, "ac_name": f.ac_name,
        "rejected": f.postal.rejected.unwrap_or(0),
        "candidates": printed_columns(f),
        "stations": stations,
        "evm": printed_figures(f, &f.evm),
        "postal": printed_figures(f, &f.postal),
        "total": printed_figures(f, &f.total),
    })
}

/// The columns Form 21E prints for each candidate.
pub const RETURN_COLUMNS: [&str; 3] = ["EVM", "Postal", "Total"];

/// A candidate's figures as Form 21E prints them: EVM, postal and total
/// votes (`index` in ballot order, NOTA last).
pub fn return_figures(f: &Form20, index: usize) -> [u64; 3] {
    let at = |l: &Line| l.votes.get(index).copied().unwrap_or(0);
    [at(&f.evm), at(&f.postal), at(&f.total)]
}

/// The values that print Form 21C (`with_return` false) or 21E (true) of
/// a result declared on `date` (IST, dd-mm-yyyy) for `winner`.
pub fn declaration_values(
    ac: &Ac,
    winner: &super::Standing,
    date: &str,
    f: &Form20,
    with_return: bool,
) -> serde_json::Value {
    let mut values = serde_json::json!({
        "ac_no": ac.ac_no, "ac_name": ac.name, "winner": winner.name,
        "party": winner.party, "date": date, "ro_name": ac.ro,
    });
    if with_return {
        values["rejected"] = f.postal.rejected.unwrap_or(0).into();
        values["columns"] = serde_json::json!(RETURN_COLUMNS);
        values["candidates_votes"] = ac
            .candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                serde_json::json!({
                    "serial": c.serial, "name": c.name, "votes": return_figures(f, i),
                })
            })
            .collect();
    }
    values
}

/// A CSV field, quoted when it must be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Form 20 as CSV (`docs/api.md`): `ps_no`, one column per candidate in
/// ballot order (NOTA last), `total_valid`, `rejected`, `tendered`, then
/// `total` and `polling_station`; one row per station, then the EVM,
/// postal and total rows (named in `polling_station`). An empty cell is a
/// figure not recorded.
pub fn csv(f: &Form20) -> String {
    let opt = |v: Option<u64>| v.map(|r| r.to_string()).unwrap_or_default();
    let mut out = String::new();
    let mut head = vec!["ps_no".to_string()];
    head.extend(f.candidates.iter().map(|c| field(c)));
    head.extend(
        [
            "total_valid",
            "rejected",
            "tendered",
            "total",
            "polling_station",
        ]
        .map(String::from),
    );
    out.push_str(&head.join(","));
    out.push('\n');
    for l in f.stations.iter().chain([&f.evm, &f.postal, &f.total]) {
        let mut row = vec![opt(l.ps_no.map(u64::from))];
        row.extend(l.votes.iter().map(u64::to_string));
        row.push(l.valid.to_string());
        row.push(opt(l.rejected));
        row.push(opt(l.tendered));
        row.push(l.total.to_string());
        row.push(field(&l.name));
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counting::Candidate;

    #[test]
    fn stations_then_evm_postal_and_total_rows_add_up() {
        let ac = Ac {
            ac_no: 5,
            name: "Testpur".into(),
            district: "Rewa".into(),
            ro: "R O".into(),
            tables: 2,
            rounds: 1,
            candidates: ["Ravi, Kumar", "Meena", NOTA]
                .iter()
                .enumerate()
                .map(|(i, n)| Candidate {
                    serial: i as u32 + 1,
                    name: n.to_string(),
                    party: "P".into(),
                })
                .collect(),
            declared_at: None,
        };
        let e = |ps_no, votes: [u64; 3]| TableEntry {
            table: ps_no,
            ps_no,
            votes: votes.to_vec(),
            tendered: Some(ps_no.into()),
            rejected: None,
        };
        let (a, b) = (e(2, [10, 5, 1]), e(1, [7, 8, 2]));
        let postal = Postal {
            votes: vec![3, 1, 0],
            rejected_papers: 2,
            rejected_covers: 0,
        };
        let f = build(&ac, &[&a, &b], &[], Some(&postal), &[2]);
        assert_eq!(f.stations[0].ps_no, Some(1));
        assert_eq!(
            (f.evm.votes.clone(), f.evm.nota, f.evm.valid),
            (vec![17, 13, 3], 3, 30)
        );
        assert_eq!(
            (f.total.votes.clone(), f.total.total),
            (vec![20, 14, 3], 30 + 3 + 4 + 2)
        );
        let text = csv(&f);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "ps_no,\"Ravi, Kumar\",Meena,NOTA,total_valid,rejected,tendered,total,polling_station"
        );
        assert_eq!(lines[1], "1,7,8,2,15,,1,17,");
        assert_eq!(f.evm.tendered, Some(3));
        assert_eq!(lines[4], ",3,1,0,4,2,,6,Postal ballots");
        assert_eq!(lines.len(), 6);
        // No station's rejected votes recorded: no such column printed.
        assert!(!printed_columns(&f).contains(&"Rejected votes".to_string()));
        assert_eq!(printed_figures(&f, &f.stations[0]), [7, 8, 2, 15, 17, 1]);

        // Every station's rejected votes recorded: a column of their own,
        // in each station's total and in the EVM and grand total rows.
        let r = |e: TableEntry, n| TableEntry {
            rejected: Some(n),
            ..e
        };
        let (a, b) = (r(e(2, [10, 5, 1]), 1), r(e(1, [7, 8, 2]), 0));
        let f = build(&ac, &[&a, &b], &[], Some(&postal), &[]);
        assert_eq!((f.stations[1].rejected, f.stations[1].total), (Some(1), 17));
        assert_eq!((f.evm.rejected, f.evm.total), (Some(1), 34));
        assert_eq!((f.total.rejected, f.total.total), (Some(3), 30 + 3 + 4 + 3));
        let cols = printed_columns(&f);
        assert_eq!(cols[4..], ["Rejected votes", "Total", "Tendered votes"]);
        assert_eq!(
            printed_figures(&f, &f.stations[1]),
            [10, 5, 1, 15, 1, 17, 2]
        );
        assert_eq!(printed_figures(&f, &f.postal), [3, 1, 0, 4, 2, 6, 0]);
        assert_eq!(csv(&f).lines().nth(2), Some("2,10,5,1,15,1,2,17,"));
        // One station's missing: the EVM row does not pretend to know.
        let (a, b) = (r(e(2, [10, 5, 1]), 1), e(1, [7, 8, 2]));
        let f = build(&ac, &[&a, &b], &[], Some(&postal), &[]);
        assert_eq!((f.evm.rejected, f.total.rejected), (None, Some(2)));
        assert_eq!(printed_columns(&f).len(), 3 + 2 + 1);
    }
}
