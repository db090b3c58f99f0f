//! The demo election of `scrutiny serve --demo`: five ACs of Rewa and Sidhi
//! districts with plausible figures, the first rounds entered and published,
//! postal tallies, ETPBS registers and the demo accounts of `docs/api.md`.
//!
//! Everything goes through `counting::actions`, under the RO's rules, so the
//! demo's audit log reads like a real morning. Deterministic (fixed seed).
//! A real deployment never calls this.

use crate::accounts::{self, Role, User};
use crate::clock;
use crate::counting::actions;
use crate::counting::setup::{AcSetup, CandidateSetup, ElectionSetup};
use crate::counting::{PostalInput, TableInput};
use crate::db::{self, Db};
use crate::error::{Result, Rule};
use crate::forms::FormKind;
use crate::samples::{PARTIES, person};

/// The demo accounts: (username, password, role, ACs).
pub const ACCOUNTS: &[(&str, &str, Role, &[u32])] = &[
    ("admin", "demo-admin", Role::Admin, &[]),
    ("ro71", "demo-ro71", Role::Ro, &[71]),
    ("ro72", "demo-ro72", Role::Ro, &[72]),
    ("op71", "demo-op71", Role::Operator, &[71]),
    ("observer", "demo-observer", Role::Observer, &[]),
];

/// (AC no, name, district, candidates besides NOTA, rounds, rounds published, register size)
const ACS: &[(u32, &str, &str, usize, u32, u32, u32)] = &[
    (70, "Teonthar", "Rewa", 9, 16, 6, 240),
    (71, "Rewa", "Rewa", 10, 18, 4, 320),
    (72, "Gurh", "Rewa", 8, 17, 3, 280),
    (73, "Mangawan", "Rewa", 12, 19, 5, 410),
    (80, "Sidhi", "Sidhi", 11, 20, 2, 360),
];

/// The demo's deterministic seed.
const SEED: u64 = 71;

/// The meta key marking a loaded demo.
const LOADED: &str = "demo_loaded";

/// The election definition of the demo.
pub fn election(rng: &mut fastrand::Rng) -> ElectionSetup {
    ElectionSetup {
        name: "General Election to the Legislative Assembly 2026".into(),
        state: "Madhya Pradesh".into(),
        acs: ACS
            .iter()
            .map(|&(ac_no, name, district, cands, rounds, _, _)| AcSetup {
                ac_no,
                name: name.into(),
                district: district.into(),
                ro: person(rng),
                tables: 14,
                rounds,
                candidates: (0..cands)
                    .map(|i| CandidateSetup {
                        name: person(rng),
                        party: if i < 5 { PARTIES[i] } else { "Independent" }.into(),
                    })
                    .collect(),
                polling_stations: vec![],
            })
            .collect(),
    }
}

/// Loads the demo into an empty database and returns true; a database that
/// already holds an election (the demo or another) is left as it is. Of
/// processes started together on one database, one loads it.
pub async fn load(db: &Db) -> Result<bool> {
    {
        let mut c = db.read().await?;
        if db::meta_get(&mut c, LOADED).await?.is_some() {
            return Ok(false);
        }
        if db::election(&mut c).await?.is_some() {
            tracing::warn!("--demo: the database already holds an election; it is left as it is");
            return Ok(false);
        }
    }
    let mut rng = fastrand::Rng::with_seed(SEED);
    let acs = match actions::load_election(db, &election(&mut rng), "demo").await {
        Ok(acs) => acs,
        // Another process started with --demo on the same database loads it.
        Err(crate::Error::Rule {
            rule: Rule::AcExists,
            ..
        }) => return Ok(false),
        Err(e) => return Err(e),
    };
    let at = clock::now_rfc3339();
    {
        let mut tx = db.write().await?;
        for &(name, password, role, bound) in ACCOUNTS {
            let hash = accounts::hash_password(password)?;
            db::insert_user(&mut tx, name, &hash, role, bound, &at).await?;
        }
        tx.commit().await?;
    }
    for (ac, &(_, _, _, _, _, published, register)) in acs.iter().zip(ACS) {
        let ro = User {
            id: 0,
            username: "demo".into(),
            role: Role::Ro,
            acs: vec![ac.ac_no],
        };
        let n = ac.candidates.len();
        // Strength of each candidate: two front-runners, a third, the rest small; NOTA ~1 %.
        let strength: Vec<f64> = (0..n)
            .map(|i| match i {
                _ if i + 1 == n => 0.012,
                0 | 1 => 0.33 + rng.f64() * 0.06,
                2 => 0.12 + rng.f64() * 0.05,
                _ => 0.005 + rng.f64() * 0.03,
            })
            .collect();
        let share = |votes: u64, rng: &mut fastrand::Rng| -> Vec<i64> {
            strength
                .iter()
                .map(|s| (votes as f64 * s * (0.85 + rng.f64() * 0.3)).round() as i64)
                .collect()
        };
        let csv: String = (1..=register)
            .map(|s| {
                format!(
                    "PB{:03}-{:06},{s},{},{}\n",
                    ac.ac_no,
                    rng.u32(0..1_000_000),
                    rng.u32(1..300),
                    rng.u32(1..1400)
                )
            })
            .collect();
        actions::put_register(db, &ro, ac.ac_no, &csv).await?;
        let rejected_covers = u64::from(register / 40);
        let rejected_papers = u64::from(register / 25);
        let mut votes = share(
            u64::from(register) - rejected_covers - rejected_papers,
            &mut rng,
        );
        // The valid votes add up exactly to the accepted covers less the rejected papers.
        let want = i64::from(register) - (rejected_covers + rejected_papers) as i64;
        let diff = want - votes.iter().sum::<i64>();
        votes[0] = (votes[0] + diff).max(0);
        actions::put_postal(
            db,
            &ro,
            ac.ac_no,
            &PostalInput {
                votes,
                rejected_papers: rejected_papers as i64,
                rejected_covers: rejected_covers as i64,
            },
        )
        .await?;
        for round in 1..=published {
            for table in 1..=ac.tables {
                let votes = share(rng.u64(480..760), &mut rng);
                // With Form 17C Part II's total, as an operator types it.
                let total = Some(votes.iter().sum());
                let input = TableInput {
                    ps_no: i64::from((round - 1) * ac.tables + table),
                    votes,
                    total,
                    tendered: Some(i64::from(table % 3)),
                    // Test votes not cleared are rare: one table in seven.
                    rejected: Some(i64::from(table % 7 == 0)),
                };
                actions::put_table(db, &ro, ac.ac_no, round, table, &input).await?;
            }
            actions::approve(db, &ro, ac.ac_no, round).await?;
            actions::publish(db, &ro, ac.ac_no, round).await?;
        }
    }
    let mut tx = db.write().await?;
    db::meta_set(&mut tx, LOADED, &at).await?;
    tx.commit().await?;
    Ok(true)
}

/// Sample scans for AC 71, as an RO would have uploaded them by mid-morning:
/// a postal batch (one 13A unsigned, one 13B not there yet), the signed
/// sheet of round 1, and a sheet of round 2 on which one figure differs
/// from the entry. The worker pool reads them once the server starts, so
/// the review queue has something to show.
pub async fn load_scans(db: &Db, store: &crate::documents::store::BlobStore) -> Result<()> {
    use serde_json::json;
    let ro = User {
        id: 0,
        username: "ro71".into(),
        role: Role::Ro,
        acs: vec![71],
    };
    let ac = actions::ac(db, &ro, 71).await?;
    let register = actions::register(db, &ro, 71).await?;
    let names: Vec<&str> = ac.candidates.iter().map(|c| c.name.as_str()).collect();
    let mut rng = fastrand::Rng::with_seed(SEED);
    let mut postal = vec![];
    for (i, b) in register.iter().take(8).enumerate() {
        let a = json!({
            "ballot_id": b.ballot_id, "ac_no": 71, "ac_name": ac.name,
            "part_no": b.part_no, "elector_serial_no": b.elector_serial_no,
            "elector_name": person(&mut rng), "postal_ballot_serial_no": b.postal_ballot_serial_no,
            "elector_signed": i != 2, "attested": true,
        });
        let cover = json!({
            "ballot_id": b.ballot_id, "ac_no": 71, "ac_name": ac.name,
            "postal_ballot_serial_no": b.postal_ballot_serial_no,
        });
        postal.push((FormKind::Form13A.id(), a));
        if i != 4 {
            postal.push((FormKind::Form13B.id(), cover));
        }
    }
    let mut sheets = vec![];
    for round in 1..=2 {
        let r = actions::round(db, &ro, 71, round).await?;
        let mut tables = serde_json::to_value(&r.tables).unwrap_or_default();
        if round == 2 {
            let v = tables[5]["votes"][1].as_u64().unwrap_or(0);
            tables[5]["votes"][1] = json!(v + 10);
        }
        sheets.push(json!({
            "ac_no": 71, "ac_name": ac.name, "round": round, "revision": r.revision,
            "candidates": names, "tables": tables, "ro_signed": true,
        }));
    }
    let models = crate::forms::ModelSet::shared();
    let batches = vec![
        ("postal-batch-1.pdf", postal, Some(3)),
        (
            "round-1-signed.pdf",
            vec![(FormKind::RoundSheet.id(), sheets[0].clone())],
            None,
        ),
        (
            "round-2-signed.pdf",
            vec![(FormKind::RoundSheet.id(), sheets[1].clone())],
            Some(4),
        ),
    ];
    for (name, forms, seed) in batches {
        let pdf = crate::tasks::blocking(move || {
            let refs: Vec<(&str, &serde_json::Value)> =
                forms.iter().map(|(f, v)| (*f, v)).collect();
            crate::samples::scan_forms(models, &refs, seed)
        })
        .await?;
        crate::documents::intake::accept_bytes(db, store, &ro, 71, &pdf, name).await?;
    }
    Ok(())
}
