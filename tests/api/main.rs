//! HTTP tests against the real `scrutiny serve` binary on a random port,
//! each with its own data folder. One binary for all of them (see `docs/style.md`).

mod access;
mod bad_input;
mod browser;
mod central;
mod completion;
mod day;
mod documents;
mod end;
mod hall;
mod helpers;
mod hostile;
#[path = "../common/pdf.rs"]
mod pdf;
mod webdriver;
