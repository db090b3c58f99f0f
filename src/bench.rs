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
    let truth_path = dir.join("truth.json");
    let text = std::fs::read_to_string(&truth_path).map_err(|e| Error::io(&truth_path, e))?;
    let truths: Vec<samples::Truth> = serde_json::from_str(&text).map_err(|e| Error::Values {
        form: "truth.json".into(),
        reason: e.to_string(),
    })?;
    let models = ModelSet::builtin();
    let mut ms = Vec::with_capacity(truths.len());
    let mut score = Score::default();
    let mut failed = 0;
    let start = Instant::now();
    extract_files(&[dir.join("batch.pdf")], &models, workers, |o| {
        if o.result.is_err() {
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
    use crate::accounts::{self, Role};
    use crate::checks::{Ballot, Outcome};
    use crate::counting::RegisterBallot;
    use crate::counting::setup::{AcSetup, CandidateSetup, ElectionSetup};
    use crate::db;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let dir = std::env::temp_dir().join(format!("scrutiny-bench-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = crate::config::ServeConfig::new(&dir);
    let db = db::Db::open(&dir).await?;
    let setup = ElectionSetup {
        name: "Benchmark election".into(),
        state: "Benchmark state".into(),
        acs: (1..=acs)
            .map(|a| AcSetup {
                ac_no: a,
                name: format!("Constituency {a}"),
                district: format!("District {}", (a - 1) / 8 + 1),
                ro: "R O".into(),
                tables: 14,
                rounds: 20,
                candidates: (0..10)
                    .map(|i| CandidateSetup {
                        name: format!("Candidate {i}"),
                        party: "Party".into(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let t = Instant::now();
    crate::counting::actions::load_election(&db, &setup, "bench").await?;
    let mut rng = fastrand::Rng::with_seed(5);
    let mut compute_ms = vec![];
    let at = crate::clock::now_rfc3339();
    for a in 1..=acs {
        let register: Vec<RegisterBallot> = (1..=ballots)
            .map(|s| RegisterBallot {
                ballot_id: format!("PB{a:03}-{s:06}"),
                postal_ballot_serial_no: s,
                part_no: rng.u32(1..300),
                elector_serial_no: rng.u32(1..1400),
            })
            .collect();
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
                });
            }
        }
        let mut tx = db.write().await?;
        db::replace_register(&mut tx, a, &register).await?;
        db::replace_ballots(&mut tx, a, &seen, &at).await?;
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
        };
        let c0 = Instant::now();
        let p = crate::progress::compute(&state, &[], &[], &Default::default(), &seen);
        compute_ms.push(c0.elapsed().as_secs_f64() * 1e3);
        db::set_progress(&mut tx, a, &p, &at).await?;
        tx.commit().await?;
    }
    let load_s = t.elapsed().as_secs_f64();
    // AC 1 with every ballot's 13A and 13B read (as the workers store them):
    // what re-running its checks costs, as every count change does.
    let recheck_ms = {
        let register = db::register(&mut *db.read().await?, 1).await?;
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
        .await?;
        let sure = |v: Value| json!({"value": v, "confidence": 0.97});
        for (i, b) in register.iter().enumerate() {
            for (k, form) in ["form-13a", "form-13b"].iter().enumerate() {
                let result = json!({
                    "fields": {
                        "ballot_id": sure(json!(b.ballot_id)), "ac_no": sure(json!(1)),
                        "ac_name": sure(json!("Constituency 1")), "part_no": sure(json!(b.part_no)),
                        "elector_serial_no": sure(json!(b.elector_serial_no)),
                        "postal_ballot_serial_no": sure(json!(b.postal_ballot_serial_no)),
                    },
                    "marks": {"elector_signed": sure(json!(true)), "attested": sure(json!(true))},
                    "transform": null,
                });
                let qr = format!("SCR1|{form}|id={}", b.ballot_id);
                db::store_page(
                    &mut tx,
                    doc,
                    (2 * i + k + 1) as u32,
                    &db::PageResult {
                        form: Some(form),
                        qr: Some(&qr),
                        result: Some(&result),
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
            crate::documents::recheck::run(&db, 1).await?;
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(f64::total_cmp);
        ms[1]
    };
    {
        let mut tx = db.write().await?;
        let hash = accounts::hash_password("bench-password")?;
        db::insert_user(&mut tx, "bench", &hash, Role::Observer, &[], &at).await?;
        tx.commit().await?;
    }
    db.close().await;
    let state = crate::http::state(config).await?;
    let (token, token_hash) = accounts::new_token()?;
    {
        let mut tx = state.db.write().await?;
        let (user, _) = db::user_by_name(&mut tx, "bench")
            .await?
            .ok_or_else(|| Error::not_found("the bench user"))?;
        db::insert_session(
            &mut tx,
            &token_hash,
            user.id,
            crate::clock::now_unix() + 3600,
            &at,
        )
        .await?;
        tx.commit().await?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::io("a local port", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::io("a local port", e))?;
    let workers = state.workers.clone();
    let app = crate::http::app(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
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
            if !buf.starts_with(b"HTTP/1.1 200") {
                return Err(Error::bad_input(format!(
                    "GET {path} failed: {}",
                    String::from_utf8_lossy(&buf[..buf.len().min(300)])
                )));
            }
            bytes = buf.len();
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(f64::total_cmp);
        out[name] = json!({
            "p50_ms": (percentile(&ms, 0.5) * 100.0).round() / 100.0,
            "p95_ms": (percentile(&ms, 0.95) * 100.0).round() / 100.0,
            "bytes": bytes,
        });
    }
    workers.stop();
    compute_ms.sort_by(f64::total_cmp);
    out["compute_one_ac_p50_ms"] = json!((percentile(&compute_ms, 0.5) * 100.0).round() / 100.0);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}
