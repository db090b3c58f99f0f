//! `scrutiny bench --national`: the central deployment at the size of a
//! national counting morning, on PostgreSQL.
//!
//! It makes a scratch database on the server `--database` names (and drops
//! it at the end), loads 4,123 ACs of 15 candidates, 14 tables and 20
//! rounds with two rounds entered and published in each, and gives AC 1 a
//! register of 3,000 ETPBS ballots whose 6,000 pages are all read. Then,
//! over a real socket to an in-process web server (`--workers 0`):
//! `/results`, `/api/v1/progress` (per AC, by district, by state) and the
//! `/progress` board, p50/p95; the page-job claim rate; a generated batch
//! uploaded and read by one, then two, `scrutiny worker` processes (the
//! same batch, pages/s); and table-entry PUTs in AC 1 while they read
//! (p50/p99). One JSON object.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{percentile, time_get};
use crate::accounts::Role;
use crate::config::{ServeConfig, Storage};
use crate::counting::{RoundStatus, TableEntry};
use crate::db::{self, Db, Location};
use crate::documents::recheck::{self, Scope};
use crate::error::{Error, Result};

/// ACs in the national election.
const ACS: u32 = 4123;
/// ETPBS ballots of AC 1 (two pages each).
const BALLOTS: u32 = 3000;
/// Page jobs claimed for the claim rate.
const JOBS: u32 = 20_000;

/// Runs the national benchmark against the PostgreSQL server of `storage`.
pub async fn run(storage: &Storage, requests: usize, pages: usize) -> Result<Value> {
    let Some(Location::Postgres(server)) = storage
        .database
        .as_deref()
        .map(Location::parse)
        .transpose()?
    else {
        return Err(Error::bad_input(
            "bench --national measures the central deployment: give --database postgres://USER@HOST[:PORT]/DB (a scratch database is made on that server and dropped after)",
        ));
    };
    let name = format!("scrutiny_bench_{}", std::process::id());
    let url = with_database(&server, &name);
    admin(&server, &format!("CREATE DATABASE {name}")).await?;
    let dir = std::env::temp_dir().join(format!("scrutiny-bench-national-{}", std::process::id()));
    let out = measure(&url, &dir, storage.blobs.clone(), requests, pages).await;
    let _ = admin(
        &server,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    out
}

async fn measure(
    url: &str,
    dir: &Path,
    blobs: Option<String>,
    requests: usize,
    pages: usize,
) -> Result<Value> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let storage = Storage {
        data: dir.to_path_buf(),
        database: Some(url.to_string()),
        blobs,
    };
    let db = storage.open_db().await?;
    let t = Instant::now();
    load(&db).await?;
    let load_s = t.elapsed().as_secs_f64();
    super::fill_register(&db, 1, BALLOTS, &mut fastrand::Rng::with_seed(3)).await?;
    let full_recheck_ms = super::recheck_with_every_ballot_read(&db).await?;
    let claims_per_s = claim_rate(&db).await?;

    let mut config = ServeConfig::new(dir);
    config.storage = storage.clone();
    config.workers = Some(0);
    let state = crate::http::state(config).await?;
    let observer = super::bench_session(&state.db, "bench-observer", Role::Observer, &[]).await?;
    let ro = super::bench_session(&state.db, "bench-ro", Role::Ro, &[1]).await?;
    let addr = super::serve_here(state).await?;
    let mut out = json!({
        "engine": "postgres",
        "acs": ACS, "candidates": 15, "tables": 14, "rounds": 20, "rounds_published": 2,
        "load_seconds": round(load_s, 1),
        "ac1_pages_read": 2 * BALLOTS,
        "recheck_all_of_ac1_ms": full_recheck_ms.round(),
        "page_claims_per_second": claims_per_s.round(),
    });
    for (key, path) in [
        ("results_page", "/results"),
        ("progress", "/api/v1/progress"),
        ("progress_by_district", "/api/v1/progress?by=district"),
        ("progress_by_state", "/api/v1/progress?by=state"),
        ("progress_page", "/progress"),
        (
            "progress_refresh_unchanged",
            "/progress?partial=1&since=9999-12-31T00:00:00Z",
        ),
    ] {
        out[key] = time_get(addr, path, &observer, requests).await?;
    }
    let batch = batch_pdf(dir, pages)?;
    let doc = upload(addr, &ro, &batch).await?;
    let mut put_ms = vec![];
    for processes in [1, 2] {
        if processes > 1 {
            requeue(&db, doc).await?;
        }
        let (seconds, n) =
            read_with_workers(&db, &storage, doc, processes, addr, &ro, &mut put_ms).await?;
        out[format!(
            "pages_per_second_{processes}_worker_process{}",
            if processes > 1 { "es" } else { "" }
        )] = json!(round(n as f64 / seconds, 2));
    }
    put_ms.sort_by(f64::total_cmp);
    out["batch_pages"] = json!(pages);
    out["table_put_while_reading"] = json!({
        "requests": put_ms.len(),
        "p50_ms": round(percentile(&put_ms, 0.5), 2),
        "p99_ms": round(percentile(&put_ms, 0.99), 2),
    });
    db.close().await;
    Ok(out)
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// The URL of database `name` on the server of `url`.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let query = rest
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    format!("{scheme}://{authority}/{name}{query}")
}

/// Runs one statement on the server's `postgres` database.
async fn admin(server: &str, sql: &str) -> Result<()> {
    use sqlx::{Connection, Executor};
    let mut c = sqlx::PgConnection::connect(&with_database(server, "postgres")).await?;
    c.execute(sql).await?;
    c.close().await?;
    Ok(())
}

/// The national election, with two rounds entered and published in every AC.
async fn load(db: &Db) -> Result<()> {
    let setup = super::election("National benchmark", ACS, 15, 6);
    crate::counting::actions::load_election(db, &setup, "bench").await?;
    let mut rng = fastrand::Rng::with_seed(11);
    let at = crate::clock::now_rfc3339();
    for a in 1..=ACS {
        let mut tx = db.write().await?;
        for r in 1..=2 {
            for t in 1..=14 {
                let e = TableEntry {
                    table: t,
                    ps_no: (r - 1) * 14 + t,
                    votes: (0..16).map(|_| rng.u64(0..120)).collect(),
                    tendered: None,
                    rejected: None,
                };
                db::upsert_entry(&mut tx, a, r, &e, "bench", &at).await?;
            }
            for s in [RoundStatus::Approved, RoundStatus::Published] {
                db::set_round_status(&mut tx, a, r, s, "bench", &at).await?;
            }
        }
        recheck::run(&mut tx, a, Scope::All).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Page jobs claimed a second by four claimers, four pages a claim (as the
/// workers claim), each claim its own transaction. The pages stay leased
/// to the bench, so no worker takes them later.
async fn claim_rate(db: &Db) -> Result<f64> {
    let at = crate::clock::now_rfc3339();
    let mut tx = db.write().await?;
    db::insert_document(
        &mut tx,
        &db::NewDocument {
            ac_no: 2,
            sha256: "bench-claims",
            media_type: "application/pdf",
            size: 1,
            filename: "claims.pdf",
            page_count: JOBS,
            uploaded_by: "bench",
            uploaded_at: &at,
        },
    )
    .await?;
    tx.commit().await?;
    let t = Instant::now();
    let claimers: Vec<_> = (0..4)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut n = 0u64;
                loop {
                    let mut tx = db.write().await?;
                    let got =
                        db::claim_pages(&mut tx, &format!("bench-{i}"), 0, i64::MAX, 4).await?;
                    tx.commit().await?;
                    if got.is_empty() {
                        return Ok::<u64, Error>(n);
                    }
                    n += got.len() as u64;
                }
            })
        })
        .collect();
    let mut claimed = 0;
    for c in claimers {
        claimed += c.await.map_err(|e| Error::internal(e.to_string()))??;
    }
    Ok(claimed as f64 / t.elapsed().as_secs_f64())
}

/// A generated batch of Form 13A/13B pages as one PDF.
fn batch_pdf(dir: &Path, pages: usize) -> Result<PathBuf> {
    let spec = crate::samples::Spec {
        count: pages,
        seed: 7,
        batch: true,
        forms: vec!["form-13a".into(), "form-13b".into()],
        ..Default::default()
    };
    let out = dir.join("batch");
    super::generate_in_child(&out, &spec)?;
    Ok(out.join("batch.pdf"))
}

/// One request over a fresh connection: the status and the body.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> Result<(u16, Vec<u8>)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let io = |e| Error::io("the bench server", e);
    let mut s = tokio::net::TcpStream::connect(addr).await.map_err(io)?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.map_err(io)?;
    s.write_all(body).await.map_err(io)?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.map_err(io)?;
    let status = std::str::from_utf8(buf.get(9..12).unwrap_or_default())
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(vec![], |i| buf[i + 4..].to_vec());
    Ok((status, body))
}

/// Uploads the batch to AC 1 as its RO; returns the document id.
async fn upload(addr: SocketAddr, token: &str, file: &Path) -> Result<i64> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let boundary = "scrutiny-bench-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"batch.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (status, answer) = request(
        addr,
        "POST",
        "/api/v1/acs/1/documents",
        token,
        &format!("multipart/form-data; boundary={boundary}"),
        &body,
    )
    .await?;
    let v: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
    match (status, v["id"].as_i64()) {
        (200..=299, Some(id)) => Ok(id),
        _ => Err(Error::internal(format!(
            "the bench upload was refused ({status}): {}",
            String::from_utf8_lossy(&answer)
        ))),
    }
}

/// Puts the document's pages back in the queue, to be read again.
async fn requeue(db: &Db, doc: i64) -> Result<()> {
    let mut tx = db.write().await?;
    db::requeue_document(&mut tx, doc).await?;
    tx.commit().await
}

/// Reads the document with `processes` worker processes of one thread
/// each, entering tables in AC 1 meanwhile; returns the seconds from start
/// to the document done, and its pages.
async fn read_with_workers(
    db: &Db,
    storage: &Storage,
    doc: i64,
    processes: usize,
    addr: SocketAddr,
    ro: &str,
    put_ms: &mut Vec<f64>,
) -> Result<(f64, u32)> {
    let exe = std::env::current_exe().map_err(|e| Error::io("current executable", e))?;
    let t = Instant::now();
    let mut children = vec![];
    for _ in 0..processes {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args(["worker", "--workers", "1"])
            .env("SCRUTINY_DATA", &storage.data)
            .env(
                "SCRUTINY_DATABASE_URL",
                storage.database.as_deref().unwrap_or_default(),
            )
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null());
        if let Some(b) = &storage.blobs {
            cmd.env("SCRUTINY_BLOBS_URL", b);
        }
        children.push(cmd.spawn().map_err(|e| Error::io(&exe, e))?);
    }
    let mut rng = fastrand::Rng::with_seed(processes as u64);
    let mut table = 0;
    let pages = loop {
        let d = db::document(&mut db.read().await?, doc).await?;
        if d.status != db::DocumentStatus::Queued && d.status != db::DocumentStatus::Processing {
            break d.page_count;
        }
        if let Some(c) = children
            .iter_mut()
            .find_map(|c| c.try_wait().ok().flatten())
        {
            return Err(Error::internal(format!(
                "a bench worker process stopped: {c}"
            )));
        }
        // Round 3 is a draft: entering it changes no published figure.
        table = table % 14 + 1;
        let votes: Vec<u64> = (0..16).map(|_| rng.u64(0..120)).collect();
        let body = json!({"ps_no": 28 + table, "votes": votes}).to_string();
        let s = Instant::now();
        let (status, answer) = request(
            addr,
            "PUT",
            &format!("/api/v1/acs/1/rounds/3/tables/{table}"),
            ro,
            "application/json",
            body.as_bytes(),
        )
        .await?;
        if status != 200 {
            return Err(Error::internal(format!(
                "a bench table entry was refused ({status}): {}",
                String::from_utf8_lossy(&answer)
            )));
        }
        put_ms.push(s.elapsed().as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let seconds = t.elapsed().as_secs_f64();
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    Ok((seconds, pages))
}
