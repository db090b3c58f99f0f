//! The `scrutiny` command: each subcommand parses its flags and calls into
//! the library. Nothing else lives here.

#![deny(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scrutiny::accounts::{self, Role};
use scrutiny::config::Storage;
use scrutiny::counting::actions;
use scrutiny::counting::setup::ElectionSetup;
use scrutiny::db;
use scrutiny::forms::{FormKind, ModelSet};
use scrutiny::{Error, Result, bench, clock, http, pipeline, render, samples};

#[derive(Parser)]
#[command(
    name = "scrutiny",
    version,
    about = "Reads scanned election forms and checks them against entered counts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a filled form as a PDF, exactly as Scrutiny prints it.
    Render {
        /// Model id: form-13a, form-13b, round-sheet, certificate.
        form: String,
        /// JSON file with the values (see README).
        #[arg(long)]
        values: PathBuf,
        /// Where to write the PDF.
        #[arg(long)]
        out: PathBuf,
        /// Extra folder of model files.
        #[arg(long)]
        models: Option<PathBuf>,
        /// Write a simulated scan of the printed form instead (JPEG pages in
        /// a PDF): clean at 200 dpi, or degraded at random with --seed.
        #[arg(long)]
        scan: bool,
        /// With --scan: the seed of a random scanner degradation.
        #[arg(long, requires = "scan")]
        seed: Option<u64>,
    },
    /// Read scans (PDF, JPEG, PNG, TIFF): one JSON line per page.
    Extract {
        /// Files to read.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print JSON lines (the only output format; accepted for scripts).
        #[arg(long)]
        json: bool,
        /// Worker threads (default: all cores).
        #[arg(long, env = "SCRUTINY_WORKERS")]
        workers: Option<usize>,
        /// Extra folder of model files.
        #[arg(long)]
        models: Option<PathBuf>,
        /// Write a picture per page showing what each stage found.
        #[arg(long)]
        debug: Option<PathBuf>,
    },
    /// Write simulated scans with ground truth (truth.json).
    Samples {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 24)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Forms to cycle through, comma-separated (default: the counting-day mix).
        #[arg(long, value_delimiter = ',')]
        form: Vec<String>,
        /// Round sheets of exactly TABLESxCANDIDATES, e.g. 14x12.
        #[arg(long, value_parser = parse_grid)]
        grid: Option<(usize, usize)>,
        /// Write every page into one batch.pdf (JPEG pages), as a sheet-fed scanner does.
        #[arg(long)]
        batch: bool,
        /// Degrade every page as the stress set does: phone photos at an
        /// angle, motion blur, impulse noise, uneven light, JPEG quality
        /// 5–10, 100 to 600 dpi.
        #[arg(long)]
        stress: bool,
        /// ETPBS covers as they come at the count: Form 13C, 13A and 13B of
        /// each ballot (COUNT pages in all), shuffled; `--form` is ignored.
        #[arg(long)]
        etpbs: bool,
    },
    /// Read a folder written by `samples` and compare with its truth.json.
    Score {
        dir: PathBuf,
        #[arg(long, env = "SCRUTINY_WORKERS")]
        workers: Option<usize>,
    },
    /// Run the server: the JSON API (and pages) over HTTP.
    Serve(scrutiny::config::ServeConfig),
    /// Read uploaded pages only (no HTTP): a worker process of the central
    /// deployment, beside any number of `serve --workers 0` web processes.
    Worker {
        #[command(flatten)]
        storage: Storage,
        /// Worker threads, each with its own Tesseract (default: cores).
        #[arg(long, env = "SCRUTINY_WORKERS")]
        workers: Option<usize>,
        /// A folder of model files read beside the shipped ones.
        #[arg(long, env = "SCRUTINY_MODELS")]
        models: Option<PathBuf>,
    },
    /// The reader process that workers, uploads and cut-outs start to open
    /// untrusted files under memory and time limits (requests on standard
    /// input). Not for people.
    #[command(hide = true)]
    Reader,
    /// Manage user accounts (passwords are read from standard input).
    User {
        #[command(subcommand)]
        command: UserCommand,
        #[command(flatten)]
        storage: Storage,
    },
    /// Load the election definition (ACs, candidates, tables, rounds).
    Election {
        #[command(subcommand)]
        command: ElectionCommand,
        #[command(flatten)]
        storage: Storage,
    },
    /// Counting-hall nodes of the central service: enrol one, list them,
    /// hand an AC over (see README, "A counting hall that works offline").
    Node {
        #[command(subcommand)]
        command: NodeCommand,
        #[command(flatten)]
        storage: Storage,
    },
    /// The stored files: remove those no document names.
    Blobs {
        #[command(subcommand)]
        command: BlobsCommand,
        #[command(flatten)]
        storage: Storage,
    },
    /// The archive of signed certificates: check it, or export it.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
        #[command(flatten)]
        storage: Storage,
    },
    /// Time the pipeline on generated scans with all cores.
    Bench {
        #[arg(long, default_value_t = 60)]
        pages: usize,
        /// Forms, comma-separated (default: a 13A/13B batch, then 14×12 round sheets).
        #[arg(long, value_delimiter = ',')]
        form: Vec<String>,
        #[arg(long, value_parser = parse_grid)]
        grid: Option<(usize, usize)>,
        #[arg(long, env = "SCRUTINY_WORKERS")]
        workers: Option<usize>,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Time the completion dashboard (GET /api/v1/progress) instead, on
        /// 250 generated ACs of 3,000 ETPBS ballots each.
        #[arg(long, conflicts_with = "national")]
        progress: bool,
        /// Time the central deployment at national size instead (4,123 ACs,
        /// page jobs, worker processes, table entries while they read), on a
        /// scratch database made on the PostgreSQL server of --database.
        #[arg(long)]
        national: bool,
        #[command(flatten)]
        storage: Storage,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is the first line of standard input.
    Add {
        username: String,
        #[arg(long, value_enum)]
        role: Role,
        /// AC the user is bound to (RO and operator; repeat for several).
        #[arg(long = "ac")]
        acs: Vec<u32>,
    },
    /// List users with their roles and ACs.
    List,
    /// Set a user's password (from standard input) and end their sessions.
    Passwd { username: String },
    /// Remove a user and end their sessions.
    Remove { username: String },
}

#[derive(Subcommand)]
enum BlobsCommand {
    /// Remove stored files (folder or bucket) that no document names and
    /// that are older than --min-age-hours (younger ones may be an upload
    /// being recorded right now). Safe beside running servers.
    Sweep {
        #[arg(long, default_value_t = 1)]
        min_age_hours: u64,
    },
}

#[derive(Subcommand)]
enum NodeCommand {
    /// Enrol a hall node keeping these ACs; prints its token once.
    Add {
        name: String,
        /// AC the node keeps (repeat for several).
        #[arg(long = "ac", required = true)]
        acs: Vec<u32>,
    },
    /// List the nodes: their ACs, when each was last heard from, conflicts.
    List,
    /// Hand an AC to another node, or back to central; the AC's epoch goes
    /// up, and what its previous keeper sends later is kept as a conflict.
    Move {
        #[arg(long)]
        ac: u32,
        /// A node's name, or `central`.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Re-read every archived file and the log; exit 1 naming anything
    /// altered. Prints the log's head: keep it, and check it later with --head.
    Verify {
        /// A head printed before (by verify, export or the archive page):
        /// fail unless the log still passes through it.
        #[arg(long)]
        head: Option<String>,
    },
    /// Copy the certificates to DIR with manifest.json, manifest.csv and
    /// SHA256SUMS (check with `cd DIR && sha256sum -c SHA256SUMS`).
    Export {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ElectionCommand {
    /// Load an election definition from a JSON file (see README).
    Load { file: PathBuf },
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Error::io("standard input", e))?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        return Err(Error::bad_input(
            "give the password on standard input, e.g. `printf '%s\\n' \"$PW\" | scrutiny user add ...`",
        ));
    }
    Ok(pw)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("the async runtime", e))
}

fn serve(config: scrutiny::config::ServeConfig) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&config.bind)
            .await
            .map_err(|e| Error::io(format!("address {}", config.bind), e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("the listening socket", e))?;
        let demo = config.demo;
        let (database, blobs) = (config.storage.database()?, config.storage.blobs()?);
        let state = http::state(config).await?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "Scrutiny: database {}, files {}",
            database.shown(),
            blobs.shown()
        );
        if demo {
            let _ = writeln!(
                out,
                "Demo election loaded. Accounts (user / password / role):"
            );
            for (user, pw, role, acs) in scrutiny::demo::ACCOUNTS {
                let acs: Vec<String> = acs.iter().map(|a| format!("AC {a}")).collect();
                let _ = writeln!(
                    out,
                    "  {user:<9} {pw:<14} {} {}",
                    role.as_str(),
                    acs.join(", ")
                );
            }
        }
        let _ = writeln!(out, "listening on http://{addr}");
        let _ = out.flush();
        drop(out);
        http::serve(listener, state).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Writes a change to an account into the audit log (never the password):
/// once for each AC the user is bound to, so each AC's log shows who may
/// act on it, else once with no AC.
async fn audit_user(tx: &mut db::Tx, action: &str, user: &scrutiny::accounts::User) -> Result<()> {
    let at = clock::now_rfc3339();
    let after = serde_json::json!({"username": user.username, "role": user.role, "acs": user.acs});
    let acs: Vec<Option<u32>> = if user.acs.is_empty() {
        vec![None]
    } else {
        user.acs.iter().copied().map(Some).collect()
    };
    for ac in acs {
        let subject = format!("user {}", user.username);
        db::audit(tx, &at, "cli", action, ac, &subject, None, Some(&after)).await?;
    }
    Ok(())
}

/// Adds a folder's model files to the ones every part of the process reads
/// with (and its reader processes: they are given the folder).
fn share_models(dir: Option<&Path>) -> Result<()> {
    if let Some(dir) = dir {
        let n = ModelSet::share_folder(dir)?;
        tracing::info!(models = n, folder = %dir.display(), "models added");
    }
    Ok(())
}

/// `scrutiny worker`: reads pages until Ctrl-C or SIGTERM.
fn worker(storage: Storage, workers: Option<usize>) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        let db = storage.open_db().await?;
        let store = storage.open_blobs().await?;
        let n = workers.unwrap_or_else(scrutiny::config::cores);
        if n == 0 {
            return Err(Error::bad_input(
                "a worker process reads with at least one thread: give --workers 1 or more",
            ));
        }
        let pool = scrutiny::documents::workers::Workers::start(db.clone(), store, n).await?;
        println!(
            "Scrutiny worker: {n} threads reading pages from {}",
            storage.database()?.shown()
        );
        http::shutdown().await;
        pool.stop();
        db.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn users(storage: Storage, command: UserCommand) -> Result<ExitCode> {
    runtime()?.block_on(async move {
        let db = storage.open_db().await?;
        match command {
            UserCommand::Add {
                username,
                role,
                acs,
            } => {
                if role.is_bound() && acs.is_empty() {
                    return Err(Error::bad_input(format!(
                        "a user of role {} is bound to ACs: give --ac N",
                        role.as_str()
                    )));
                }
                if !role.is_bound() && !acs.is_empty() {
                    return Err(Error::bad_input(format!(
                        "a user of role {} sees every AC: leave out --ac",
                        role.as_str()
                    )));
                }
                let hash = accounts::hash_password(&read_password()?)?;
                let mut tx = db.write().await?;
                let id =
                    db::insert_user(&mut tx, &username, &hash, role, &acs, &clock::now_rfc3339())
                        .await?;
                let user = scrutiny::accounts::User {
                    id,
                    username: username.clone(),
                    role,
                    acs,
                };
                audit_user(&mut tx, "user.add", &user).await?;
                tx.commit().await?;
                println!("added {username} ({})", role.as_str());
            }
            UserCommand::List => {
                for u in db::users(&mut db.read().await?).await? {
                    let acs: Vec<String> = u.acs.iter().map(|a| a.to_string()).collect();
                    println!("{}\t{}\t{}", u.username, u.role.as_str(), acs.join(","));
                }
            }
            UserCommand::Passwd { username } => {
                let hash = accounts::hash_password(&read_password()?)?;
                let mut tx = db.write().await?;
                let (user, _) = db::user_by_name(&mut tx, &username)
                    .await?
                    .ok_or_else(|| Error::not_found(format!("user {username}")))?;
                db::set_password(&mut tx, user.id, &hash).await?;
                audit_user(&mut tx, "user.passwd", &user).await?;
                tx.commit().await?;
                println!("password of {username} changed; their sessions are ended");
            }
            UserCommand::Remove { username } => {
                let mut tx = db.write().await?;
                let (user, _) = db::user_by_name(&mut tx, &username)
                    .await?
                    .ok_or_else(|| Error::not_found(format!("user {username}")))?;
                db::delete_user(&mut tx, user.id).await?;
                audit_user(&mut tx, "user.remove", &user).await?;
                tx.commit().await?;
                println!("removed {username}");
            }
        }
        db.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn election(storage: Storage, command: ElectionCommand) -> Result<ExitCode> {
    let ElectionCommand::Load { file } = command;
    let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
    let setup: ElectionSetup = serde_json::from_str(&text)
        .map_err(|e| Error::bad_input(format!("{}: {e}", file.display())))?;
    runtime()?.block_on(async move {
        let db = storage.open_db().await?;
        let acs = actions::load_election(&db, &setup, "cli").await?;
        for ac in &acs {
            println!(
                "AC {} {}: {} candidates (NOTA last), {} tables, {} rounds",
                ac.ac_no,
                ac.name,
                ac.candidates.len(),
                ac.tables,
                ac.rounds
            );
        }
        db.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn blobs(storage: Storage, command: BlobsCommand) -> Result<ExitCode> {
    let BlobsCommand::Sweep { min_age_hours } = command;
    runtime()?.block_on(async move {
        let db = storage.open_db().await?;
        let store = storage.open_blobs().await?;
        let named = db::document_shas(&mut db.read().await?).await?;
        let before = clock::now_unix() - (min_age_hours as i64) * 3600;
        let removed = store.sweep(&named, before).await?;
        println!(
            "removed {removed} stored files no document names (older than {min_age_hours} h) from {}",
            storage.blobs()?.shown()
        );
        db.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn node(storage: Storage, command: NodeCommand) -> Result<ExitCode> {
    use scrutiny::sync::central;
    runtime()?.block_on(async move {
        let db = storage.open_db().await?;
        match command {
            NodeCommand::Add { name, acs } => {
                let token = central::add_node(&db, &name, &acs).await?;
                let list: Vec<String> = acs.iter().map(|a| a.to_string()).collect();
                println!("enrolled {name}, keeping AC {}", list.join(", "));
                println!("its token (shown once; give it to the hall as --node-token or SCRUTINY_NODE_TOKEN):");
                println!("{token}");
            }
            NodeCommand::List => {
                println!("NAME\tACS\tLAST SEEN\tLAST APPLIED\tCONFLICTS");
                for n in central::nodes(&db).await? {
                    let acs: Vec<String> = n.acs.iter().map(|a| a.to_string()).collect();
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        n.name,
                        acs.join(","),
                        n.last_seen_at.as_deref().unwrap_or("never"),
                        n.last_applied_seq,
                        n.open_conflicts
                    );
                }
            }
            NodeCommand::Move { ac, to } => {
                let target = (to != "central").then_some(to.as_str());
                let epoch = central::move_ac(&db, ac, target).await?;
                println!("AC {ac} is now kept by {to} (epoch {epoch})");
            }
        }
        db.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn archive(storage: Storage, command: ArchiveCommand) -> Result<ExitCode> {
    if let db::Location::Sqlite(path) = storage.database()?
        && !path.exists()
    {
        return Err(Error::not_found(format!(
            "a Scrutiny database at {}",
            path.display()
        )));
    }
    runtime()?.block_on(async move {
        let db = storage.open_db().await?;
        let store = storage.open_blobs().await?;
        let code = match command {
            ArchiveCommand::Verify { head } => {
                let report = scrutiny::archive::verify(&db, &store, head.as_deref()).await?;
                for sha in &report.bad_files {
                    println!("ALTERED FILE {sha}");
                }
                for line in report.broken_log.iter().chain(&report.bad_records) {
                    println!("BROKEN LOG {line}");
                }
                println!(
                    "{} records, {} log entries: {}",
                    report.records,
                    report.log_entries,
                    if report.ok() { "intact" } else { "NOT INTACT" }
                );
                print_head(report.head.as_ref());
                if report.ok() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            ArchiveCommand::Export { out } => {
                let n = scrutiny::archive::export(&db, &store, &out).await?;
                println!("exported {n} certificates to {}", out.display());
                print_head(scrutiny::archive::head(&db).await?.as_ref());
                ExitCode::SUCCESS
            }
        };
        db.close().await;
        Ok(code)
    })
}

/// The archive log's head, to be kept outside the database.
fn print_head(head: Option<&scrutiny::archive::Head>) {
    match head {
        Some(h) => println!(
            "log head: entry {} {} (keep it; `scrutiny archive verify --head {}` checks the log still reaches it)",
            h.seq, h.hash, h.hash
        ),
        None => println!("log head: none (the log is empty)"),
    }
}

fn parse_grid(s: &str) -> std::result::Result<(usize, usize), String> {
    let (t, c) = s
        .split_once('x')
        .ok_or("expected TABLESxCANDIDATES, e.g. 14x12")?;
    let t: usize = t
        .parse()
        .map_err(|_| format!("{t:?} is not a number of tables"))?;
    let c: usize = c
        .parse()
        .map_err(|_| format!("{c:?} is not a number of candidates"))?;
    if !(1..=36).contains(&t) || !(2..=40).contains(&c) {
        return Err("a one-page round sheet has 1–36 tables and 2–40 candidates".into());
    }
    Ok((t, c))
}

fn cores() -> usize {
    scrutiny::config::cores()
}

fn models_with(extra: Option<&PathBuf>) -> Result<ModelSet> {
    let mut set = ModelSet::builtin();
    if let Some(dir) = extra {
        set.load_dir(dir)?;
    }
    Ok(set)
}

fn render_form(
    form: String,
    values: PathBuf,
    out: PathBuf,
    models: Option<PathBuf>,
    scan: bool,
    seed: Option<u64>,
) -> Result<ExitCode> {
    let models = models_with(models.as_ref())?;
    let model = models.get(&form)?;
    let text = std::fs::read_to_string(&values).map_err(|e| Error::io(&values, e))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Values {
        form: form.clone(),
        reason: format!("{}: {e}", values.display()),
    })?;
    let pdf = if scan {
        samples::scan_forms(&models, &[(model.id.as_str(), &v)], seed)?
    } else {
        let pages = render::layout(model, &v)?;
        let drawings: Vec<_> = pages.iter().map(|p| &p.drawing).collect();
        render::pdf::drawings_to_pdf(&drawings)?
    };
    std::fs::write(&out, pdf).map_err(|e| Error::io(&out, e))?;
    Ok(ExitCode::SUCCESS)
}

fn extract(
    files: Vec<PathBuf>,
    workers: Option<usize>,
    models: Option<PathBuf>,
    debug: Option<PathBuf>,
) -> Result<ExitCode> {
    let models = models_with(models.as_ref())?;
    if let Some(dir) = &debug {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let options = pipeline::Options {
        workers: workers.unwrap_or_else(cores),
        debug_dir: debug,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failed = false;
    pipeline::extract_files_with(&files, &models, &options, |o| {
        if let Err(e) = &o.reading {
            failed = true;
            eprintln!(
                "scrutiny: {}{}: {e}",
                o.file,
                o.page.map(|p| format!(" page {p}")).unwrap_or_default()
            );
        }
        let _ = writeln!(out, "{}", o.to_json());
    });
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn score(dir: PathBuf, workers: Option<usize>) -> Result<ExitCode> {
    let truths = samples::read_truth(&dir)?;
    // A batch's pages share one file: each file is read once, its pages in
    // order, as the truth lists them.
    let mut files: Vec<PathBuf> = truths.iter().map(|t| dir.join(&t.file)).collect();
    files.dedup();
    let models = ModelSet::builtin();
    let mut score = samples::Score::default();
    let mut i = 0;
    pipeline::extract_files(&files, &models, workers.unwrap_or_else(cores), |o| {
        if let Some(truth) = truths.get(i) {
            score.add(&models, truth, &o.to_json());
        }
        i += 1;
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&score).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

fn bench_pipeline(
    pages: usize,
    form: Vec<String>,
    grid: Option<(usize, usize)>,
    workers: Option<usize>,
    seed: u64,
) -> Result<ExitCode> {
    let workers = workers.unwrap_or_else(cores);
    let batch = |forms: Vec<String>, grid| samples::Spec {
        count: pages,
        seed,
        forms,
        grid,
        batch: true,
        stress: false,
        etpbs: false,
    };
    let specs = if form.is_empty() {
        vec![
            batch(
                vec![FormKind::Form13A.id().into(), FormKind::Form13B.id().into()],
                None,
            ),
            batch(
                vec![FormKind::RoundSheet.id().into()],
                Some(grid.unwrap_or((14, 12))),
            ),
        ]
    } else {
        vec![batch(form, grid)]
    };
    for spec in &specs {
        println!("{}", bench::run(spec, workers)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Render {
            form,
            values,
            out,
            models,
            scan,
            seed,
        } => render_form(form, values, out, models, scan, seed),
        Command::Extract {
            files,
            json: _,
            workers,
            models,
            debug,
        } => extract(files, workers, models, debug),
        Command::Samples {
            out,
            count,
            seed,
            form,
            grid,
            batch,
            stress,
            etpbs,
        } => {
            let spec = samples::Spec {
                count,
                seed,
                forms: form,
                grid,
                batch,
                stress,
                etpbs,
            };
            let truths = samples::generate(&out, &spec)?;
            eprintln!(
                "wrote {} scans and truth.json to {}",
                truths.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Score { dir, workers } => score(dir, workers),
        Command::Serve(config) => {
            share_models(config.models.as_deref())?;
            serve(config)
        }
        Command::Worker {
            storage,
            workers,
            models,
        } => {
            share_models(models.as_deref())?;
            worker(storage, workers)
        }
        Command::Reader => {
            let models = std::env::var_os("SCRUTINY_MODELS").map(PathBuf::from);
            share_models(models.as_deref())?;
            scrutiny::sandbox::serve_requests().map(|()| ExitCode::SUCCESS)
        }
        Command::User { command, storage } => users(storage, command),
        Command::Election { command, storage } => election(storage, command),
        Command::Archive { command, storage } => archive(storage, command),
        Command::Node { command, storage } => node(storage, command),
        Command::Blobs { command, storage } => blobs(storage, command),
        Command::Bench { progress: true, .. } => {
            let r = runtime()?.block_on(bench::progress(250, 3000, 200))?;
            println!("{r}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            national: true,
            storage,
            pages,
            ..
        } => {
            let r = runtime()?.block_on(bench::national::run(&storage, 100, pages))?;
            println!("{r}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            pages,
            form,
            grid,
            workers,
            seed,
            ..
        } => bench_pipeline(pages, form, grid, workers, seed),
    }
}

/// Tesseract's OpenMP reads its thread limit when the library loads, before
/// `main`; our parallelism is one page per worker, so the process re-executes
/// itself once with `OMP_THREAD_LIMIT=1` when it is not already set.
fn ensure_single_threaded_openmp() {
    if std::env::var_os("OMP_THREAD_LIMIT").is_some() {
        return;
    }
    use std::os::unix::process::CommandExt;
    if let Ok(exe) = std::env::current_exe() {
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("OMP_THREAD_LIMIT", "1")
            .exec();
        eprintln!("scrutiny: could not re-execute with OMP_THREAD_LIMIT=1: {err}");
    }
}

fn main() -> ExitCode {
    ensure_single_threaded_openmp();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("scrutiny=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("scrutiny: {e}");
            eprintln!("{}", e.to_json());
            ExitCode::FAILURE
        }
    }
}
