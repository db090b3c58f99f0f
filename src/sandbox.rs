//! Untrusted files are opened, decoded and read in a child process, the
//! reader, so that a file built to exhaust memory or time costs a refused
//! upload or a failed page, never the server (`docs/design.md`, "Hostile
//! files").
//!
//! The reader is this same executable started as `scrutiny reader`. It
//! limits its own address space (`SCRUTINY_READER_MB`, default 1536 MB) and,
//! before each request, its processor time (`SCRUTINY_PAGE_SECONDS`, default
//! 60 s, through `RLIMIT_CPU`: the kernel stops it, not a timer we hope
//! runs); a watchdog here also kills one that takes three times that on the
//! clock. A reader that dies is replaced for the next request, and what
//! killed it is told in the error: too much memory, too much time, a crash.
//!
//! The conversation is one request after another over the child's stdin
//! and stdout: a JSON line, then the file's bytes when the request carries
//! them; a JSON line back, then a picture's pixels when one is asked for.
//! The reader keeps the last file it was given, split into pages, so the
//! pages of one document are read without sending it again.
//!
//! Workers keep one reader each for as long as they run; uploads (intake)
//! and pictures for people (cut-outs) each start one for the request, at
//! most [`AT_ONCE`] at a time.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use image::GrayImage;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::forms::ModelSet;
use crate::pipeline::{self, PageReading, Trace, clean, pages};

/// Readers started for uploads and pictures at once; more wait their turn.
pub const AT_ONCE: usize = 4;
/// The longest JSON line either side sends (a round sheet's reading is
/// about 60 KB).
const MAX_LINE: usize = 16 << 20;
/// Lines of the reader's own error output kept to explain its death.
const STDERR_LINES: usize = 20;

/// What one reader may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Address space, in MB.
    pub memory_mb: u64,
    /// Processor time for one request, in seconds.
    pub cpu_seconds: u64,
}

impl Limits {
    /// From `SCRUTINY_READER_MB` and `SCRUTINY_PAGE_SECONDS`.
    pub fn from_env() -> Limits {
        let var = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .filter(|v: &u64| *v > 0)
                .unwrap_or(default)
        };
        Limits {
            memory_mb: var("SCRUTINY_READER_MB", 1536),
            cpu_seconds: var("SCRUTINY_PAGE_SECONDS", 60),
        }
    }

    /// How long on the clock a request may take before the watchdog kills
    /// its reader (the processor limit stops a busy one sooner).
    fn wall(self) -> Duration {
        Duration::from_secs(self.cpu_seconds * 3 + 30)
    }
}

/// Where the reader finds the file of a request.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum File {
    /// A file on this machine (an upload being received).
    Path(PathBuf),
    /// This many bytes follow the request line.
    Bytes(u64),
    /// The file of the previous request.
    Held,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Request {
    /// Check a whole file as an upload is accepted.
    Inspect { file: File },
    /// Read page `page` (from 1).
    Read { file: File, page: u32 },
    /// Decode page `page` and clean it: the picture behind a cut-out.
    Picture { file: File, page: u32 },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
enum Reply {
    Inspected {
        inspection: pages::Inspection,
    },
    Read {
        reading: Box<PageReading>,
    },
    /// `width × height` grey pixels follow the line.
    Picture {
        width: u32,
        height: u32,
    },
    Failed {
        code: String,
        reason: String,
    },
}

/// An error as code and reason, as it crosses between the processes (and
/// as the reader keeps a split's errors to hand out again).
type Failure = (String, String);

fn failure(e: &Error) -> Failure {
    let reason = match e {
        Error::MalformedPdf { reason }
        | Error::MalformedImage { reason }
        | Error::TooLarge { reason }
        | Error::Ocr { reason }
        | Error::Panic { reason }
        | Error::Internal { reason } => reason.clone(),
        Error::UnsupportedType { seems } => seems.clone(),
        Error::UnsupportedEncoding { encoding } => encoding.clone(),
        Error::NotFound { what } => what.clone(),
        other => other.to_string(),
    };
    (e.code().to_string(), reason)
}

fn to_wire(e: &Error) -> Reply {
    let (code, reason) = failure(e);
    Reply::Failed { code, reason }
}

fn from_wire(code: &str, reason: String) -> Error {
    match code {
        "malformed-pdf" => Error::MalformedPdf { reason },
        "malformed-image" => Error::MalformedImage { reason },
        "too-large" => Error::TooLarge { reason },
        "ocr" => Error::Ocr { reason },
        "unsupported-type" => Error::UnsupportedType { seems: reason },
        "unsupported-encoding" => Error::UnsupportedEncoding { encoding: reason },
        "encrypted-pdf" => Error::EncryptedPdf,
        "not-found" => Error::NotFound { what: reason },
        _ => Error::Internal { reason },
    }
}

fn broken(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("the reader process: {what}: {e}"))
}

/// Reads one JSON line of at most [`MAX_LINE`] bytes; `None` at the end.
fn read_line<T: serde::de::DeserializeOwned>(input: &mut impl BufRead) -> Result<Option<T>> {
    let mut line = Vec::new();
    let n = input
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|e| broken("reading a line", e))?;
    if n == 0 {
        return Ok(None);
    }
    if n > MAX_LINE {
        return Err(broken("a line", "longer than the limit"));
    }
    serde_json::from_slice(&line)
        .map(Some)
        .map_err(|e| broken("an unreadable line", e))
}

fn write_line(out: &mut impl Write, value: &impl Serialize) -> Result<()> {
    let mut line = serde_json::to_vec(value).map_err(|e| broken("encoding a line", e))?;
    line.push(b'\n');
    out.write_all(&line)
        .map_err(|e| broken("writing a line", e))
}

// ---------------------------------------------------------------------------
// The child: `scrutiny reader`.

/// Sets a resource limit of this process.
fn set_limit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> Result<()> {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the struct we pass and touches nothing else.
    if unsafe { libc::setrlimit(resource, &limit) } != 0 {
        return Err(broken("setting a limit", std::io::Error::last_os_error()));
    }
    Ok(())
}

fn hard_limit(resource: libc::__rlimit_resource_t) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(resource, &mut limit) } != 0 {
        return libc::RLIM_INFINITY;
    }
    limit.rlim_max
}

/// Processor seconds this process has used, rounded up.
fn cpu_used() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    let secs = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec;
    let micros = usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
    (secs as u64) + (micros as u64).div_ceil(1_000_000)
}

/// The file and its pages, kept between requests.
#[derive(Default)]
struct Held {
    bytes: Option<Arc<Vec<u8>>>,
    pages: Option<Result<Vec<Result<pages::PageSource, Failure>>, Failure>>,
}

impl Held {
    fn take(&mut self, file: File, input: &mut impl Read) -> Result<Arc<Vec<u8>>> {
        let bytes = match file {
            File::Held => {
                return self
                    .bytes
                    .clone()
                    .ok_or_else(|| broken("a request", "no file is held"));
            }
            File::Path(path) => std::fs::read(&path).map_err(|e| Error::io(&path, e))?,
            File::Bytes(n) => {
                let mut bytes = Vec::new();
                input
                    .take(n)
                    .read_to_end(&mut bytes)
                    .map_err(|e| broken("reading a file", e))?;
                if bytes.len() as u64 != n {
                    return Err(broken("reading a file", "it ended early"));
                }
                bytes
            }
        };
        self.pages = None;
        let bytes = Arc::new(bytes);
        self.bytes = Some(bytes.clone());
        Ok(bytes)
    }

    /// Page `page` (from 1) of the held file, split once: a page that does
    /// not split is an error for that page, a file that does not, for
    /// every page.
    fn page(&mut self, page: u32) -> Result<pages::PageSource> {
        let bytes = self
            .bytes
            .clone()
            .ok_or_else(|| broken("a request", "no file is held"))?;
        let split = self.pages.get_or_insert_with(|| {
            pages::split(bytes)
                .map(|pages| {
                    pages
                        .into_iter()
                        .map(|p| p.map_err(|e| failure(&e)))
                        .collect()
                })
                .map_err(|e| failure(&e))
        });
        let found = match split {
            Ok(sources) => sources
                .get(page.saturating_sub(1) as usize)
                .filter(|_| page > 0),
            Err((code, reason)) => return Err(from_wire(code, reason.clone())),
        };
        match found {
            Some(Ok(src)) => Ok(src.clone()),
            Some(Err((code, reason))) => Err(from_wire(code, reason.clone())),
            None => Err(Error::not_found(format!("page {page} in the stored file"))),
        }
    }
}

/// `scrutiny reader`: limits itself, then answers requests on stdin until
/// it closes. Started by [`Reader`]; not for people.
pub fn serve_requests() -> Result<()> {
    let limits = Limits::from_env();
    set_limit(libc::RLIMIT_CORE, 0, 0)?;
    let memory = limits.memory_mb << 20;
    set_limit(libc::RLIMIT_AS, memory, memory)?;
    let cpu_hard = hard_limit(libc::RLIMIT_CPU);
    let models = ModelSet::shared();
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut held = Held::default();
    while let Some(request) = read_line::<Request>(&mut input)? {
        // This request may use `cpu_seconds` more than all before it; then
        // the kernel sends SIGXCPU, which ends the process.
        let soft = (cpu_used() + limits.cpu_seconds).min(cpu_hard);
        set_limit(libc::RLIMIT_CPU, soft, cpu_hard)?;
        let mut pixels = None;
        let reply = match request {
            Request::Inspect { file } => held
                .take(file, &mut input)
                .and_then(pages::inspect)
                .map(|inspection| Reply::Inspected { inspection }),
            Request::Read { file, page } => held
                .take(file, &mut input)
                .and_then(|_| held.page(page))
                .and_then(|src| pipeline::process(models, &src, &mut Trace::off()))
                .map(|reading| Reply::Read {
                    reading: Box::new(reading),
                }),
            Request::Picture { file, page } => held
                .take(file, &mut input)
                .and_then(|_| held.page(page))
                .and_then(|src| Ok(clean::normalize(&pages::decode(&src)?)))
                .map(|img| {
                    let reply = Reply::Picture {
                        width: img.width(),
                        height: img.height(),
                    };
                    pixels = Some(img.into_raw());
                    reply
                }),
        };
        let reply = reply.unwrap_or_else(|e| to_wire(&e));
        write_line(&mut out, &reply)?;
        if let Some(px) = pixels {
            out.write_all(&px)
                .map_err(|e| broken("writing pixels", e))?;
        }
        out.flush().map_err(|e| broken("writing a reply", e))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The parent: a handle on one reader.

/// A reader answering a request: when it is due, the process, and the flag
/// the watchdog sets when it kills it.
type Due = (Instant, Weak<Mutex<Child>>, Weak<Mutex<bool>>);

/// Readers past their deadline on the clock, checked every half second by
/// one watchdog thread.
struct Watch {
    due: Mutex<Vec<Due>>,
}

fn watchdog() -> &'static Watch {
    static WATCH: OnceLock<Watch> = OnceLock::new();
    WATCH.get_or_init(|| {
        let spawned = std::thread::Builder::new()
            .name("scrutiny-reader-watchdog".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(Duration::from_millis(500));
                    let now = Instant::now();
                    let Ok(mut due) = watchdog().due.lock() else {
                        return;
                    };
                    due.retain(|(at, child, killed)| {
                        let (Some(child), Some(killed)) = (child.upgrade(), killed.upgrade())
                        else {
                            return false;
                        };
                        if *at > now {
                            return true;
                        }
                        if let (Ok(mut c), Ok(mut k)) = (child.lock(), killed.lock()) {
                            *k = true;
                            let _ = c.kill();
                        }
                        false
                    });
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the readers' watchdog");
        }
        Watch {
            due: Mutex::new(Vec::new()),
        }
    })
}

/// A running reader.
struct Running {
    child: Arc<Mutex<Child>>,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Set by the watchdog when it killed this reader.
    killed: Arc<Mutex<bool>>,
    /// The key of the file the reader holds.
    holds: Option<i64>,
}

/// A handle on one reader process, started when first needed and again
/// after it dies.
pub struct Reader {
    limits: Limits,
    running: Option<Running>,
}

impl Default for Reader {
    fn default() -> Self {
        Reader::new()
    }
}

impl Reader {
    pub fn new() -> Reader {
        Reader {
            limits: Limits::from_env(),
            running: None,
        }
    }

    fn start(&self) -> Result<Running> {
        let exe = std::env::current_exe().map_err(|e| broken("finding this program", e))?;
        let mut command = Command::new(exe);
        if let Some(dir) = ModelSet::shared_folder() {
            command.env("SCRUTINY_MODELS", dir);
        }
        let mut child = command
            .arg("reader")
            .env("SCRUTINY_READER_MB", self.limits.memory_mb.to_string())
            .env("SCRUTINY_PAGE_SECONDS", self.limits.cpu_seconds.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| broken("starting", e))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(broken("starting", "its pipes are missing"));
        };
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        {
            let tail = tail.clone();
            let pid = child.id();
            std::thread::Builder::new()
                .name("scrutiny-reader-log".into())
                .spawn(move || {
                    for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                        tracing::info!(reader = pid, "{line}");
                        if let Ok(mut t) = tail.lock() {
                            if t.len() == STDERR_LINES {
                                t.pop_front();
                            }
                            t.push_back(line);
                        }
                    }
                })
                .map_err(|e| broken("starting its log", e))?;
        }
        Ok(Running {
            child: Arc::new(Mutex::new(child)),
            stdin,
            stdout: BufReader::new(stdout),
            stderr: tail,
            killed: Arc::new(Mutex::new(false)),
            holds: None,
        })
    }

    /// Sends one request (with the file's bytes when it carries them) and
    /// returns the reply and any pixels after it. A reader that dies on
    /// the way is replaced next time; its death is the error.
    fn call(
        &mut self,
        request: &Request,
        bytes: Option<&[u8]>,
        what: &str,
    ) -> Result<(Reply, Vec<u8>)> {
        if self.running.is_none() {
            self.running = Some(self.start()?);
        }
        let limits = self.limits;
        let r = self
            .running
            .as_mut()
            .ok_or_else(|| Error::internal("no reader"))?;
        if let Ok(mut due) = watchdog().due.lock() {
            due.push((
                Instant::now() + limits.wall(),
                Arc::downgrade(&r.child),
                Arc::downgrade(&r.killed),
            ));
        }
        let exchange = (|| -> Result<(Reply, Vec<u8>)> {
            write_line(&mut r.stdin, request)?;
            if let Some(b) = bytes {
                r.stdin
                    .write_all(b)
                    .map_err(|e| broken("sending a file", e))?;
            }
            r.stdin.flush().map_err(|e| broken("sending", e))?;
            let reply: Reply =
                read_line(&mut r.stdout)?.ok_or_else(|| broken("replying", "it stopped"))?;
            let mut pixels = Vec::new();
            if let Reply::Picture { width, height } = &reply {
                let n = u64::from(*width) * u64::from(*height);
                (&mut r.stdout)
                    .take(n)
                    .read_to_end(&mut pixels)
                    .map_err(|e| broken("sending pixels", e))?;
                if pixels.len() as u64 != n {
                    return Err(broken("sending pixels", "it stopped"));
                }
            }
            Ok((reply, pixels))
        })();
        if let Ok(mut due) = watchdog().due.lock() {
            let child = Arc::downgrade(&r.child);
            due.retain(|(_, c, _)| !c.ptr_eq(&child));
        }
        match exchange {
            Ok(done) => Ok(done),
            Err(e) => {
                let running = self.running.take();
                Err(running.map_or(e, |r| death(r, limits, what)))
            }
        }
    }

    /// Checks a whole upload (`pages::inspect`) from its file on disk.
    pub fn inspect(&mut self, path: &Path) -> Result<pages::Inspection> {
        let request = Request::Inspect {
            file: File::Path(path.to_path_buf()),
        };
        if let Some(r) = &mut self.running {
            r.holds = None;
        }
        match self.call(&request, None, "opening this file")?.0 {
            Reply::Inspected { inspection } => Ok(inspection),
            other => unexpected(other),
        }
    }

    /// Reads page `page` (from 1) of the file known by `key` (a document
    /// id); `bytes` gives the file when this reader does not hold it.
    pub fn read(
        &mut self,
        key: i64,
        page: u32,
        bytes: impl FnOnce() -> Result<Vec<u8>>,
    ) -> Result<PageReading> {
        let what = format!("reading page {page}");
        let held = self.running.as_ref().and_then(|r| r.holds) == Some(key);
        let reply = if held {
            let request = Request::Read {
                file: File::Held,
                page,
            };
            self.call(&request, None, &what)?.0
        } else {
            let bytes = bytes()?;
            let request = Request::Read {
                file: File::Bytes(bytes.len() as u64),
                page,
            };
            if let Some(r) = &mut self.running {
                r.holds = None;
            }
            let reply = self.call(&request, Some(&bytes), &what)?.0;
            if let Some(r) = &mut self.running {
                r.holds = Some(key);
            }
            reply
        };
        match reply {
            Reply::Read { reading } => Ok(*reading),
            other => unexpected(other),
        }
    }

    /// Page `page` (from 1) of a file, decoded and cleaned.
    pub fn picture(&mut self, bytes: &[u8], page: u32) -> Result<GrayImage> {
        let request = Request::Picture {
            file: File::Bytes(bytes.len() as u64),
            page,
        };
        if let Some(r) = &mut self.running {
            r.holds = None;
        }
        match self.call(&request, Some(bytes), &format!("drawing page {page}"))? {
            (Reply::Picture { width, height }, pixels) => {
                GrayImage::from_raw(width, height, pixels)
                    .ok_or_else(|| broken("sending pixels", "the picture has the wrong size"))
            }
            (other, _) => unexpected(other),
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            drop(r.stdin);
            if let Ok(mut c) = r.child.lock() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

fn unexpected<T>(reply: Reply) -> Result<T> {
    match reply {
        Reply::Failed { code, reason } => Err(from_wire(&code, reason)),
        other => Err(broken(
            "replying",
            format!("an answer to another question: {other:?}"),
        )),
    }
}

/// Why a reader stopped, as the error of the request it was answering.
fn death(r: Running, limits: Limits, what: &str) -> Error {
    drop(r.stdin);
    let status = r.child.lock().ok().and_then(|mut c| {
        // A reader that is alive but said something unreadable is ended.
        if let Ok(None) = c.try_wait() {
            let _ = c.kill();
        }
        c.wait().ok()
    });
    // Give the log thread a moment to take the last lines.
    let tail = {
        let until = Instant::now() + Duration::from_millis(200);
        loop {
            let t: Vec<String> = r
                .stderr
                .lock()
                .map(|t| t.iter().cloned().collect())
                .unwrap_or_default();
            if !t.is_empty() || Instant::now() > until {
                break t;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let killed = r.killed.lock().map(|k| *k).unwrap_or(false);
    use std::os::unix::process::ExitStatusExt;
    let signal = status.and_then(|s| s.signal());
    let out_of_memory = tail.iter().any(|l| {
        l.contains("memory allocation of") || l.contains("bad_alloc") || l.contains("out of memory")
    });
    if signal == Some(libc::SIGXCPU) {
        Error::TooLarge {
            reason: format!(
                "{what} took more than {} s of processor time, the most one page may take",
                limits.cpu_seconds
            ),
        }
    } else if killed {
        Error::TooLarge {
            reason: format!(
                "{what} did not finish within {} s and was stopped",
                limits.wall().as_secs()
            ),
        }
    } else if out_of_memory {
        Error::TooLarge {
            reason: format!(
                "{what} needs more than {} MB of memory, the most one file may use",
                limits.memory_mb
            ),
        }
    } else {
        let how = match (signal, status.and_then(|s| s.code())) {
            (Some(sig), _) => format!("signal {sig}"),
            (None, Some(code)) => format!("exit code {code}"),
            _ => "an unknown cause".into(),
        };
        Error::Panic {
            reason: format!(
                "the reader stopped ({how}) while {what}: {}",
                tail.last().map_or("no message", String::as_str)
            ),
        }
    }
}

/// Turns for readers started by requests (uploads, pictures).
fn turns() -> &'static tokio::sync::Semaphore {
    static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);
    &TURNS
}

/// Checks an upload in a reader of its own, off the async runtime.
pub async fn inspect(path: PathBuf) -> Result<pages::Inspection> {
    let _turn = turns()
        .acquire()
        .await
        .map_err(|e| Error::internal(e.to_string()))?;
    crate::tasks::blocking(move || Reader::new().inspect(&path)).await
}

/// Page `page` of a stored file, decoded and cleaned in a reader of its own.
pub async fn picture(bytes: Vec<u8>, page: u32) -> Result<GrayImage> {
    let _turn = turns()
        .acquire()
        .await
        .map_err(|e| Error::internal(e.to_string()))?;
    crate::tasks::blocking(move || Reader::new().picture(&bytes, page)).await
}
