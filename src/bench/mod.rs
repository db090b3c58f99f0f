//! `scrutiny bench`: the pipeline's speed on generated scans, on all cores.
//!
//! It writes the pages as one batch PDF in a temporary folder (not timed),
//! then reads it the way `extract` does and reports pages/s, ms a page (p50,
//! p95), the peak memory of the reading alone, and how many values were read
//! right, as one JSON object.

use std::time::Instant;

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::forms::ModelSet;
use crate::pipeline::extract_files;
use crate::samples::{self, Score, Spec};

pub mod national;

/// Peak resident memory of this process, in MB (Linux `VmHWM`).
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// Writes the batch in a child process, so this process's peak memory is
/// that of reading alone.
fn generate_in_child(dir: &std::path::Path, spec: &Spec) -> Result<()> {
    let exe = std::env::current_exe().map_err(|e| Error::io("current executable", e))?;
    let mut cmd = std::process::Command::new(&exe);
    cmd.arg("samples").arg("--out").arg(dir).arg("--batch");
    cmd.args([
        "--count",
        &spec.count.to_string(),
        "--seed",
        &spec.seed.to_string(),
    ]);
    if !spec.forms.is_empty() {
        cmd.args(["--form", &spec.forms.join(",")]);
    }
    if let Some((t, c)) = spec.grid {
        cmd.args(["--grid", &format!("{t}x{c}")]);
    }
    if spec.stress {
        cmd.arg("--stress");
    }
    if spec.etpbs {
        cmd.arg("--etpbs");
    }
    let status = cmd.status().map_err(|e| Error::io(&exe, e))?;
    if !status.success() {
        return Err(Error::Values {
            form: "bench".into(),
            reason: format!("generating samples failed: {status}"),
        });
    }
    Ok(())
}

/// Generates the pages `spec` describes as one batch PDF and times reading it.
pub fn run(spec: &Spec, workers: usize) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("scrutiny-bench-{}", std::process::id()));
    let spec = Spec {
        batch: true,
        ..spec.clone()
    };
    generate_in_child(&dir, &spec)?;
    let truths = samples::read_truth(&dir)?;
    let models = ModelSet::builtin();
    let mut ms = Vec::with_capacity(truths.len());
    let mut score = Score::default();
    let mut failed = 0;
    let start = Instant::now();
    extract_files(&[dir.join("batch.pdf")], &models, workers, |o| {
        if o.reading.is_err() {
            failed += 1;
        }
        if let Some(t) = o.page.and_then(|p| truths.get(p - 1)) {
            score.add(&models, t, &o.to_json());
        }
        ms.push(o.ms);
    });
    let wall = start.elapsed().as_secs_f64();
    let peak = peak_memory_mb();
    let _ = std::fs::remove_dir_all(&dir);
    if ms.is_empty() {
        return Err(Error::Values {
            form: "bench".into(),
            reason: "no pages were read".into(),
        });
    }
    ms.sort_by(|a, b| a.total_cmp(b));
    let round = |v: f64, places: i32| {
        let f = 10f64.powi(places);
        (v * f).round() / f
    };
    Ok(json!({
        "forms": if spec.forms.is_empty() { "mix".to_string() } else { spec.forms.join(",") },
        "grid": spec.grid.map(|(t, c)| format!("{t}x{c}")),
        "pages": ms.len(),
        "failed": failed,
        "workers": workers,
        "seconds": round(wall, 2),
        "pages_per_second": round(ms.len() as f64 / wall, 2),
        "ms_p50": round(percentile(&ms, 0.5), 1),
        "ms_p95": round(percentile(&ms, 0.95), 1),
        "peak_memory_mb": peak.map(f64::round),
        "values_right": round(score.field_accuracy(), 4),
        "values": score.fields,
        "silent_errors": score.silent_errors,
        "by_confidence": score.by_confidence,
        // Values under their threshold that agree with their independent
        // figure at or over the model's floor: decisions saved.
        "agreeable_right": score.agreeable_right,
        "agreeable_wrong": score.agreeable_wrong,
        "agreement_saves_per_1000_pages": round(score.agreeable_right as f64 * 1000.0 / ms.len() as f64, 1),
    }))
}

/// `scrutiny bench --progress`: the completion dashboard's query on a
/// state-sized election, generated into a temporary data folder: `acs` ACs
/// with `ballots` ETPBS ballots each, about half of them uploaded, 20 rounds
/// of which some are published, their completion computed by the same
/// function the checks use. Then `GET /api/v1/progress` (per AC, by
/// district, CSV), the `/progress` page and its refresh, and the public
/// `/results` page are each asked `requests` times over a real socket;
/// reports p50/p95 in ms, and what computing one AC's completion costs.
pub async fn progress(acs: u32, ballots: u32, requests: usize) -> Result<Value> {
    let dir = std::env::temp_dir().join(format!("scrutiny-bench-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = crate::db::Db::open(&dir).await?;
    let t = Instant::now();
    let mut compute_ms = fill_election(&db, acs, ballots).await?;
    let load_s = t.elapsed().as_secs_f64();
    let recheck_ms = recheck_with_every_ballot_read(&db).await?;
    db.close().await;
    let config = crate::config::ServeConfig::new(&dir);
    let state = crate::http::state(config).await?;
    let token = bench_session(&state.db, "bench", crate::accounts::Role::Observer, &[]).await?;
    let workers = state.workers.clone();
    let addr = serve_here(state).await?;
    let mut out = json!({
        "acs": acs, "ballots_per_ac": ballots, "load_seconds": (load_s * 10.0).round() / 10.0,
        "recheck_one_ac_with_every_ballot_read_ms": recheck_ms.round(),
    });
    for (name, path) in [
        ("per_ac", "/api/v1/progress"),
        ("by_district", "/api/v1/progress?by=district"),
        ("csv", "/api/v1/progress?format=csv"),
        ("page", "/progress"),
        ("page_refresh", "/progress?partial=1"),
        ("results_page", "/results"),
    ] {
        out[name] = time_get(addr, path, &token, requests).await?;
    }
    workers.stop();
    compute_ms.sort_by(f64::total_cmp);
    out["compute_one_ac_p50_ms"] = json!((percentile(&compute_ms, 0.5) * 100.0).round() / 100.0);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// A benchmark election: `acs` ACs of 14 tables and 20 rounds, each with
/// `candidates` candidates (and NOTA), `per_district` ACs a district.
fn election(
    name: &str,
    acs: u32,
    candidates: u32,
    per_district: u32,
) -> crate::counting::setup::ElectionSetup {
    use crate::counting::setup::{AcSetup, CandidateSetup, ElectionSetup};
    ElectionSetup {
        name: name.into(),
        state: "Benchmark state".into(),
        acs: (1..=acs)
            .map(|a| AcSetup {
                ac_no: a,
                name: format!("Constituency {a}"),
                district: format!("District {}", (a - 1) / per_district + 1),
                ro: format!("RO {a}"),
                tables: 14,
                rounds: 20,
                candidates: (1..=candidates)
                    .map(|i| CandidateSetup {
                        name: format!("Candidate {i}"),
                        party: format!("Party {}", i % 7),
                    })
                    .collect(),
                polling_stations: vec![],
            })
            .collect(),
    }
}

/// Loads the benchmark election: `acs` ACs of `ballots` register ballots,
/// about half seen in scans, some rounds published, each AC's completion
/// computed and stored. Returns what computing one AC's completion cost (ms).
async fn fill_election(db: &crate::db::Db, acs: u32, ballots: u32) -> Result<Vec<f64>> {
    use crate::checks::{Ballot, Outcome};
    use crate::db;

    let setup = election("Benchmark election", acs, 10, 8);
    crate::counting::actions::load_election(db, &setup, "bench").await?;
    let mut rng = fastrand::Rng::with_seed(5);
    let mut compute_ms = vec![];
    let at = crate::clock::now_rfc3339();
    for a in 1..=acs {
        let register = register_of(a, ballots, &mut rng);
        let mut seen: Vec<Ballot> = vec![];
        for r in &register {
            if rng.f64() < 0.5 {
                seen.push(Ballot {
                    ballot_id: r.ballot_id.clone(),
                    outcome: [
                        Outcome::Accepted,
                        Outcome::Accepted,
                        Outcome::Rejected,
                        Outcome::NeedsReview,
                    ][rng.usize(0..4)],
                    reasons: vec![],
                    has_13a: true,
                    has_13b: rng.f64() < 0.9,
                    has_13c: rng.f64() < 0.9,
                    count_serial: None,
                });
            }
        }
        let mut tx = db.write().await?;
        db::replace_register(&mut tx, a, &register).await?;
        db::replace_ballots(&mut tx, a, &[], &seen, None, &at).await?;
        let ac = db::ac(&mut tx, a).await?;
        let published = rng.u32(0..21);
        let mut rounds = db::round_states(&mut tx, a).await?;
        for r in rounds.iter_mut().take(published as usize) {
            r.status = crate::counting::RoundStatus::Published;
        }
        let result = crate::counting::result(&ac, &rounds, vec![], None);
        let state = crate::checks::AcState {
            ac,
            rounds,
            entries: Default::default(),
            postal: None,
            register,
            certificates: vec![],
            result,
            vvpat: vec![],
            reverified: vec![],
            form20: Default::default(),
        };
        let c0 = Instant::now();
        let p = crate::progress::compute(&state, &[], &[], &Default::default(), &seen);
        compute_ms.push(c0.elapsed().as_secs_f64() * 1e3);
        db::set_progress(&mut tx, a, &p, &at).await?;
        tx.commit().await?;
    }
    Ok(compute_ms)
}

/// An ETPBS register of `n` ballots for AC `ac`.
fn register_of(ac: u32, n: u32, rng: &mut fastrand::Rng) -> Vec<crate::counting::RegisterBallot> {
    (1..=n)
        .map(|s| crate::counting::RegisterBallot {
            ballot_id: format!("PB{ac:03}-{s:06}"),
            postal_ballot_serial_no: s.to_string(),
            part_no: rng.u32(1..300),
            elector_serial_no: rng.u32(1..1400),
        })
        .collect()
}

/// Stores a register of `n` ballots for AC `ac`.
async fn fill_register(db: &crate::db::Db, ac: u32, n: u32, rng: &mut fastrand::Rng) -> Result<()> {
    let mut tx = db.write().await?;
    crate::db::replace_register(&mut tx, ac, &register_of(ac, n, rng)).await?;
    tx.commit().await
}

/// AC 1 with every ballot's 13A and 13B read (as the workers store them):
/// what re-running its checks costs (median of three, ms), as every count
/// change does.
async fn recheck_with_every_ballot_read(db: &crate::db::Db) -> Result<f64> {
    use crate::db;
    use crate::forms::FormKind;
    use crate::pipeline::{FieldReading, InkReading, PageReading, Reading, Scalar};

    let at = crate::clock::now_rfc3339();
    let register = db::register(&mut db.read().await?, 1).await?;
    let mut tx = db.write().await?;
    let doc = db::insert_document(
        &mut tx,
        &db::NewDocument {
            ac_no: 1,
            sha256: "bench",
            media_type: "application/pdf",
            size: 1,
            filename: "bench.pdf",
            page_count: 2 * register.len() as u32,
            uploaded_by: "bench",
            uploaded_at: &at,
        },
    )
    .await?
    .ok_or_else(|| Error::internal("the bench document exists already"))?;
    db::claim_pages(&mut tx, "bench", 0, i64::MAX, u32::MAX).await?;
    let sure = |v: Scalar| FieldReading::One(Reading::new(v, 0.97));
    let inked = InkReading {
        value: true,
        confidence: 0.97,
    };
    for (i, b) in register.iter().enumerate() {
        for (k, form) in [FormKind::Form13A, FormKind::Form13B].iter().enumerate() {
            let mut reading = PageReading {
                form: Some(form.id().into()),
                qr: Some(format!("SCR1|{form}|id={}", b.ballot_id)),
                ..PageReading::default()
            };
            for (name, v) in [
                ("ballot_id", Scalar::from(b.ballot_id.as_str())),
                ("ac_no", 1u32.into()),
                ("ac_name", "Constituency 1".into()),
                ("part_no", b.part_no.into()),
                ("elector_serial_no", b.elector_serial_no.into()),
                (
                    "postal_ballot_serial_no",
                    b.postal_ballot_serial_no.as_str().into(),
                ),
            ] {
                reading.fields.insert(name.into(), sure(v));
            }
            reading.marks.insert("elector_signed".into(), inked);
            reading.marks.insert("attested".into(), inked);
            db::store_page(
                &mut tx,
                doc,
                (2 * i + k + 1) as u32,
                "bench",
                &db::PageResult {
                    reading: Some(&reading),
                    error: None,
                    ms: 0.0,
                    at: &at,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    let mut ms = vec![];
    for _ in 0..3 {
        let t = Instant::now();
        let mut tx = db.write().await?;
        crate::documents::recheck::run(&mut tx, 1, crate::documents::recheck::Scope::All).await?;
        tx.commit().await?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    Ok(ms[1])
}

/// Serves `state` on a free local port in this process; returns where.
async fn serve_here(state: crate::http::AppState) -> Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::io("a local port", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("a local port", e))?;
    let app = crate::http::app(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

/// A user's session for the timed requests; returns its token.
async fn bench_session(
    db: &crate::db::Db,
    username: &str,
    role: crate::accounts::Role,
    acs: &[u32],
) -> Result<String> {
    use crate::accounts;
    use crate::db;

    let at = crate::clock::now_rfc3339();
    let hash = accounts::hash_password("bench-password")?;
    let (token, token_hash) = accounts::new_token()?;
    let mut tx = db.write().await?;
    let id = db::insert_user(&mut tx, username, &hash, role, acs, &at).await?;
    db::insert_session(
        &mut tx,
        &token_hash,
        id,
        crate::clock::now_unix() + 3600,
        &at,
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// `GET path` asked `requests` times over a fresh connection each:
/// p50/p95 in ms and the answer's size.
async fn time_get(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    requests: usize,
) -> Result<Value> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut ms = vec![];
    let mut bytes = 0;
    for _ in 0..requests {
        let t = Instant::now();
        let mut s = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| Error::io("the bench server", e))?;
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes())
            .await
            .map_err(|e| Error::io("the bench server", e))?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf)
            .await
            .map_err(|e| Error::io("the bench server", e))?;
        if !buf.starts_with(b"HTTP/1.1 2") {
            return Err(Error::bad_input(format!(
                "GET {path} failed: {}",
                String::from_utf8_lossy(&buf[..buf.len().min(300)])
            )));
        }
        bytes = buf.len();
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    Ok(json!({
        "p50_ms": (percentile(&ms, 0.5) * 100.0).round() / 100.0,
        "p95_ms": (percentile(&ms, 0.95) * 100.0).round() / 100.0,
        "bytes": bytes,
    }))
}
