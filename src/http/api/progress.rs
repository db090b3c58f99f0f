//! Completion for the state's election office: per AC and RO, roll-ups by
//! district and state, CSV for spreadsheets, and what each AC is missing.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::User;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::auth::Auth;
use crate::http::error::{ApiPath, ErrorBody};
use crate::progress::{Missing, percent};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(progress))
        .routes(routes!(progress_of_ac))
}

/// Completion of one AC, or of a district or the state (roll-ups).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgressLine {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ac_no: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ac_name: Option<String>,
    /// The Returning Officer (per AC lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ro: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ACs in a roll-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acs: Option<u64>,
    pub expected: u64,
    pub uploaded: u64,
    pub verified: u64,
    pub open_findings: u64,
    /// Verified out of expected, in percent.
    pub percent: f64,
}

crate::vocabulary! {
    /// How a list is sent: JSON (the default) or CSV for a spreadsheet.
    pub enum Format {
        Json = "json",
        Csv = "csv",
    }
}

crate::vocabulary! {
    /// What the completion lines are rolled up by.
    pub enum RollUp {
        Ac = "ac",
        District = "district",
        State = "state",
    }
}

/// Which lines, in which form.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgressQuery {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>)]
    pub format: Option<Format>,
    /// `ac` (default), `district` or `state`: roll-ups of the same figures.
    #[param(value_type = Option<String>)]
    pub by: Option<RollUp>,
    /// Only the ACs of this district.
    pub district: Option<String>,
    /// Only ACs under this percentage verified.
    pub behind: Option<f64>,
}

/// Per-AC lines the user may see, filtered.
pub async fn lines(db: &Db, user: &User, q: &ProgressQuery) -> Result<Vec<ProgressLine>> {
    let rows = db::progress_rows(&mut db.read().await?).await?;
    Ok(rows
        .into_iter()
        .filter(|r| user.can_read(r.ac_no))
        .filter(|r| {
            q.district
                .as_deref()
                .is_none_or(|d| r.district.eq_ignore_ascii_case(d))
        })
        .map(|r| ProgressLine {
            ac_no: Some(r.ac_no),
            ac_name: Some(r.ac_name),
            ro: Some(r.ro),
            district: Some(r.district),
            state: None,
            acs: None,
            percent: percent(r.verified, r.expected),
            expected: r.expected,
            uploaded: r.uploaded,
            verified: r.verified,
            open_findings: r.open_findings,
        })
        .filter(|l| q.behind.is_none_or(|b| l.percent < b))
        .collect())
}

/// Sums per-AC lines into one line per key (a district, or the state).
fn roll_up(
    lines: &[ProgressLine],
    key: impl Fn(&ProgressLine) -> String,
    state: bool,
) -> Vec<ProgressLine> {
    let mut groups: std::collections::BTreeMap<String, ProgressLine> = Default::default();
    for l in lines {
        let k = key(l);
        let g = groups.entry(k.clone()).or_insert_with(|| ProgressLine {
            ac_no: None,
            ac_name: None,
            ro: None,
            district: (!state).then(|| k.clone()),
            state: state.then(|| k.clone()),
            acs: Some(0),
            expected: 0,
            uploaded: 0,
            verified: 0,
            open_findings: 0,
            percent: 0.0,
        });
        g.acs = g.acs.map(|n| n + 1);
        g.expected += l.expected;
        g.uploaded += l.uploaded;
        g.verified += l.verified;
        g.open_findings += l.open_findings;
    }
    groups
        .into_values()
        .map(|mut g| {
            g.percent = percent(g.verified, g.expected);
            g
        })
        .collect()
}

/// Per-AC lines rolled up by district.
pub fn by_district(per_ac: &[ProgressLine]) -> Vec<ProgressLine> {
    roll_up(per_ac, |l| l.district.clone().unwrap_or_default(), false)
}

/// Per-AC lines rolled up into the election's state.
pub async fn by_state(db: &Db, per_ac: &[ProgressLine]) -> Result<Vec<ProgressLine>> {
    let state = db::election(&mut db.read().await?)
        .await?
        .map(|(_, st)| st)
        .unwrap_or_default();
    Ok(roll_up(per_ac, |_| state.clone(), true))
}

fn csv(lines: &[ProgressLine]) -> String {
    let q = |s: &Option<String>| {
        s.as_ref()
            .map(|s| format!("\"{}\"", s.replace('"', "\"\"")))
            .unwrap_or_default()
    };
    let mut out = String::from(
        "ac_no,ac_name,ro,district,state,acs,expected,uploaded,verified,open_findings,percent\n",
    );
    for l in lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\n",
            l.ac_no.map(|a| a.to_string()).unwrap_or_default(),
            q(&l.ac_name),
            q(&l.ro),
            q(&l.district),
            q(&l.state),
            l.acs.map(|a| a.to_string()).unwrap_or_default(),
            l.expected,
            l.uploaded,
            l.verified,
            l.open_findings,
            l.percent
        ));
    }
    out
}

/// Completion per AC and RO: expected, uploaded, verified, open findings,
/// percent. `?by=district|state` rolls the same figures up; `?district=`
/// and `?behind=P` filter; `?format=csv` for a spreadsheet.
#[utoipa::path(get, path = "/api/v1/progress", tag = "progress", security(("bearer" = [])),
    params(ProgressQuery),
    responses((status = 200, body = Vec<ProgressLine>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn progress(
    State(s): State<AppState>,
    Auth(user): Auth,
    q: std::result::Result<Query<ProgressQuery>, QueryRejection>,
) -> Result<Response> {
    let Query(q) = q.map_err(|e| Error::bad_input(e.body_text()))?;
    let per_ac = lines(&s.db, &user, &q).await?;
    let out = match q.by.unwrap_or(RollUp::Ac) {
        RollUp::Ac => per_ac,
        RollUp::District => by_district(&per_ac),
        RollUp::State => by_state(&s.db, &per_ac).await?,
    };
    match q.format.unwrap_or(Format::Json) {
        Format::Json => Ok(Json(out).into_response()),
        Format::Csv => Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8")], csv(&out)).into_response()),
    }
}

/// What one AC still owes, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcMissing {
    #[serde(flatten)]
    pub line: ProgressLine,
    pub missing: Vec<Missing>,
}

/// One AC: its figures and every document missing or not verified, by name
/// (which ballot's 13B, which round's sheet).
#[utoipa::path(get, path = "/api/v1/progress/{ac}", tag = "progress", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = AcMissing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn progress_of_ac(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<AcMissing>> {
    Ok(Json(ac_missing(&s.db, &user, ac).await?))
}

/// One AC's completion line and what it still owes (for the API and the
/// `/progress/{ac}` page).
pub async fn ac_missing(db: &Db, user: &User, ac: u32) -> Result<AcMissing> {
    user.require_read(ac)?;
    let mut c = db.read().await?;
    db::ac(&mut c, ac).await?;
    let missing = db::progress_missing(&mut c, ac).await?;
    drop(c);
    let line = lines(db, user, &ProgressQuery::default())
        .await?
        .into_iter()
        .find(|l| l.ac_no == Some(ac))
        .ok_or_else(|| Error::not_found(format!("AC {ac}")))?;
    Ok(AcMissing { line, missing })
}
