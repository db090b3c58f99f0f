//! The election and its entered counts: ACs, rounds and table entries,
//! approval and publication, postal tallies, ETPBS registers, results,
//! round sheets and certificates. Each handler parses, calls
//! `counting::actions`, and returns.

use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::counting::AcListing;
use crate::counting::actions::{
    self, Declaration, PostalStatus, ReverificationView, RoundView, VvpatView,
};
use crate::counting::form20::Form20;
use crate::counting::{
    Ac, CountResult, Postal, PostalInput, RegisterBallot, ReverifyInput, RoundState, SlipsInput,
    TableInput, VvpatDraw,
};
use crate::db::AuditEntry;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::auth::Auth;
use crate::http::error::{ApiJson, ApiPath, ErrorBody};

/// Largest ETPBS register CSV accepted.
pub const MAX_REGISTER_BYTES: usize = 16 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_acs))
        .routes(routes!(get_ac))
        .routes(routes!(list_rounds))
        .routes(routes!(get_round))
        .routes(routes!(put_table, delete_table))
        .routes(routes!(approve))
        .routes(routes!(publish))
        .routes(routes!(round_sheet))
        .routes(routes!(get_postal, put_postal))
        .routes(routes!(postal_status))
        .routes(routes!(approve_postal))
        .routes(routes!(get_vvpat, put_vvpat))
        .routes(routes!(put_slips))
        .routes(routes!(get_reverification))
        .routes(routes!(reverify))
        .routes(routes!(declaration))
        .routes(routes!(form20_json))
        .routes(routes!(form20_csv))
        .routes(routes!(form20_pdf))
        .routes(routes!(form21c_pdf))
        .routes(routes!(form21e_pdf))
        .routes(routes!(get_register, put_register))
        .routes(routes!(result))
        .routes(routes!(declare))
        .routes(routes!(certificate))
        .routes(routes!(audit))
}

/// The ACs the caller may see.
#[utoipa::path(get, path = "/api/v1/acs", tag = "counting", security(("bearer" = [])),
    responses((status = 200, body = Vec<AcListing>), (status = 401, body = ErrorBody)))]
pub async fn list_acs(State(s): State<AppState>, Auth(user): Auth) -> Result<Json<Vec<AcListing>>> {
    Ok(Json(actions::ac_list(&s.db, &user).await?))
}

/// One AC: tables, rounds, candidates.
#[utoipa::path(get, path = "/api/v1/acs/{ac}", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Ac), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_ac(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Ac>> {
    Ok(Json(actions::ac(&s.db, &user, ac).await?))
}

/// Every round's status and revision.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/rounds", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Vec<RoundState>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_rounds(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Vec<RoundState>>> {
    Ok(Json(actions::rounds(&s.db, &user, ac).await?))
}

/// A round: status, revision, counted tables, totals.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/rounds/{round}", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), ("round" = u32, Path, description = "Round number")),
    responses((status = 200, body = RoundView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_round(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((ac, round)): ApiPath<(u32, u32)>,
) -> Result<Json<RoundView>> {
    Ok(Json(actions::round(&s.db, &user, ac, round).await?))
}

/// Enters or corrects a table of a round. Changing an approved or published
/// round sends it and every later round back to draft with a new revision.
#[utoipa::path(put, path = "/api/v1/acs/{ac}/rounds/{round}/tables/{table}", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), ("round" = u32, Path, description = "Round number"), ("table" = u32, Path, description = "Counting table number")),
    request_body = TableInput,
    responses((status = 200, description = "the round after the change", body = RoundView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_table(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((ac, round, table)): ApiPath<(u32, u32, u32)>,
    ApiJson(input): ApiJson<TableInput>,
) -> Result<Json<RoundView>> {
    Ok(Json(
        actions::put_table(&s.db, &user, ac, round, table, &input).await?,
    ))
}

/// The table's EVM is not counted this round: removes its entry.
#[utoipa::path(delete, path = "/api/v1/acs/{ac}/rounds/{round}/tables/{table}", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), ("round" = u32, Path, description = "Round number"), ("table" = u32, Path, description = "Counting table number")),
    responses((status = 200, description = "the round after the change", body = RoundView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_table(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((ac, round, table)): ApiPath<(u32, u32, u32)>,
) -> Result<Json<RoundView>> {
    Ok(Json(
        actions::delete_table(&s.db, &user, ac, round, table).await?,
    ))
}

/// The RO approves a draft round.
#[utoipa::path(post, path = "/api/v1/acs/{ac}/rounds/{round}/approve", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), ("round" = u32, Path, description = "Round number")),
    responses((status = 200, body = RoundView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((ac, round)): ApiPath<(u32, u32)>,
) -> Result<Json<RoundView>> {
    Ok(Json(actions::approve(&s.db, &user, ac, round).await?))
}

/// The RO publishes an approved round; rounds are published in order.
#[utoipa::path(post, path = "/api/v1/acs/{ac}/rounds/{round}/publish", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), ("round" = u32, Path, description = "Round number")),
    responses((status = 200, body = RoundView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((ac, round)): ApiPath<(u32, u32)>,
) -> Result<Json<RoundView>> {
    Ok(Json(actions::publish(&s.db, &user, ac, round).await?))
}

fn pdf(bytes: Vec<u8>, name: String) -> Response {
    (
        [
            (CONTENT_TYPE, "application/pdf".to_string()),
            (CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// The round sheet (PDF) to print and sign; its QR carries AC, round,
/// revision and the digest of the figures.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/rounds/{round}/sheet.pdf", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), ("round" = u32, Path, description = "Round number")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn round_sheet(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((ac, round)): ApiPath<(u32, u32)>,
) -> Result<Response> {
    let bytes = actions::round_sheet_pdf(&s.db, s.models.clone(), &user, ac, round).await?;
    Ok(pdf(bytes, format!("ac{ac}-round{round}.pdf")))
}

/// The postal tally (404 while not entered).
#[utoipa::path(get, path = "/api/v1/acs/{ac}/postal", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Postal), (status = 404, body = ErrorBody)))]
pub async fn get_postal(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Postal>> {
    actions::postal(&s.db, &user, ac)
        .await?
        .map(Json)
        .ok_or_else(|| Error::not_found(format!("the postal tally of AC {ac}")))
}

/// Enters or corrects the postal tally (until the result is declared; it
/// reopens no round).
#[utoipa::path(put, path = "/api/v1/acs/{ac}/postal", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    request_body = PostalInput,
    responses((status = 200, body = Postal), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_postal(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
    ApiJson(input): ApiJson<PostalInput>,
) -> Result<Json<Postal>> {
    Ok(Json(actions::put_postal(&s.db, &user, ac, &input).await?))
}

/// Whether the RO validated the postal entry, and each condition of the
/// validation, holding or not.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/postal/validation", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = PostalStatus), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn postal_status(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<PostalStatus>> {
    Ok(Json(actions::postal_status(&s.db, &user, ac).await?))
}

/// The RO validates the postal entry (409 `postal-not-ready` with `unmet`,
/// the list of what stands in the way). A later correction of the tally
/// or a new register reopens it.
#[utoipa::path(post, path = "/api/v1/acs/{ac}/postal/approve", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = PostalStatus), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_postal(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<PostalStatus>> {
    Ok(Json(actions::approve_postal(&s.db, &user, ac).await?))
}

/// The VVPAT verification: the stations drawn, their slips beside their
/// EVM figures.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/vvpat", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = VvpatView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_vvpat(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<VvpatView>> {
    Ok(Json(actions::vvpat(&s.db, &user, ac).await?))
}

/// The RO records the polling stations drawn by lot (five, or every
/// counted station when fewer); correctable until slips are counted.
#[utoipa::path(put, path = "/api/v1/acs/{ac}/vvpat", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    request_body = VvpatDraw,
    responses((status = 200, body = VvpatView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_vvpat(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
    ApiJson(input): ApiJson<VvpatDraw>,
) -> Result<Json<VvpatView>> {
    Ok(Json(
        actions::put_vvpat_draw(&s.db, &user, ac, &input).await?,
    ))
}

/// The VVPAT slips counted at a drawn station, per candidate; where they
/// differ from the EVM the result counts the slips and each difference is
/// a `vvpat_mismatch` finding (409 `not-drawn` for a station not drawn).
#[utoipa::path(put, path = "/api/v1/acs/{ac}/vvpat/{ps_no}", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), ("ps_no" = u32, Path, description = "Polling station number")),
    request_body = SlipsInput,
    responses((status = 200, body = VvpatView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put_slips(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((ac, ps_no)): ApiPath<(u32, u32)>,
    ApiJson(input): ApiJson<SlipsInput>,
) -> Result<Json<VvpatView>> {
    Ok(Json(
        actions::put_slips(&s.db, &user, ac, ps_no, &input).await?,
    ))
}

/// The rejected postal ballots to verify again (required when the margin
/// is smaller than the rejected postal ballots), with the RO's verdicts.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/reverification", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = ReverificationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_reverification(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<ReverificationView>> {
    Ok(Json(actions::reverification(&s.db, &user, ac).await?))
}

/// The RO confirms or reverses the rejection of one ballot (or of the
/// rejected papers: `rejected-papers`), with a reason.
#[utoipa::path(put, path = "/api/v1/acs/{ac}/reverification/{ballot_id}", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), ("ballot_id" = String, Path, description = "Ballot id, or rejected-papers")),
    request_body = ReverifyInput,
    responses((status = 200, body = ReverificationView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reverify(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath((ac, ballot_id)): ApiPath<(u32, String)>,
    ApiJson(input): ApiJson<ReverifyInput>,
) -> Result<Json<ReverificationView>> {
    Ok(Json(
        actions::reverify(&s.db, &user, ac, &ballot_id, &input).await?,
    ))
}

/// What declaring the result waits for: each condition, holding or not.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/declaration", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Declaration), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn declaration(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Declaration>> {
    Ok(Json(actions::declaration(&s.db, &user, ac).await?))
}

/// The caller, if signed in (Form 20 is public only once declared).
async fn caller(s: &AppState, headers: &HeaderMap) -> Result<Option<crate::accounts::User>> {
    crate::http::auth::session(s, headers).await
}

/// Form 20, the final result sheet over the published rounds (public once
/// the result is declared; before, for those who may read the AC).
#[utoipa::path(get, path = "/api/v1/acs/{ac}/form20", tag = "counting",
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Form20), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn form20_json(
    State(s): State<AppState>,
    headers: HeaderMap,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Form20>> {
    let user = caller(&s, &headers).await?;
    Ok(Json(actions::form20(&s.db, user.as_ref(), ac).await?))
}

/// Form 20 as CSV: one row per polling station, then the EVM, postal and
/// total rows; an empty cell is a figure not recorded.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/form20.csv", tag = "counting",
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn form20_csv(
    State(s): State<AppState>,
    headers: HeaderMap,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Response> {
    let user = caller(&s, &headers).await?;
    let f = actions::form20(&s.db, user.as_ref(), ac).await?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"ac{ac}-form20.csv\""),
            ),
        ],
        crate::counting::form20::csv(&f),
    )
        .into_response())
}

/// The AC's ETPBS register.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/etpbs-register", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = Vec<RegisterBallot>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_register(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<Vec<RegisterBallot>>> {
    Ok(Json(actions::register(&s.db, &user, ac).await?))
}

/// How many ballots a register holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterCount {
    pub ballots: usize,
}

/// Replaces the AC's ETPBS register with a CSV (`text/csv`): rows of
/// `ballot_id,postal_ballot_serial_no,part_no,elector_serial_no`, an
/// optional header row.
#[utoipa::path(put, path = "/api/v1/acs/{ac}/etpbs-register", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = RegisterCount), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn put_register(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<RegisterCount>> {
    let ct = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(ct.starts_with("text/csv") || ct.starts_with("text/plain")) {
        return Err(Error::UnsupportedMedia {
            reason: format!(
                "send the register as text/csv (got {:?})",
                if ct.is_empty() { "no content type" } else { ct }
            ),
        });
    }
    let bytes = axum::body::to_bytes(body, MAX_REGISTER_BYTES)
        .await
        .map_err(|_| Error::TooLarge {
            reason: format!("a register CSV is at most {MAX_REGISTER_BYTES} bytes"),
        })?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Error::bad_input("the register is not UTF-8 text"))?;
    let ballots = actions::put_register(&s.db, &user, ac, text).await?;
    Ok(Json(RegisterCount { ballots }))
}

/// The result over published rounds and postal votes: totals, leader,
/// margin, round by round. Public: no sign-in needed.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/result", tag = "counting",
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = CountResult), (status = 404, body = ErrorBody)))]
pub async fn result(
    State(s): State<AppState>,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<CountResult>> {
    Ok(Json(actions::result(&s.db, ac).await?))
}

/// The RO declares the result (every round published, no tie, then 409
/// `not-ready` with `unmet` while the postal validation, the VVPAT
/// verification or a required re-verification is missing); no count of
/// the AC changes after.
#[utoipa::path(post, path = "/api/v1/acs/{ac}/declare", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, body = CountResult), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn declare(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Json<CountResult>> {
    Ok(Json(actions::declare(&s.db, &user, ac).await?))
}

/// Form 22, the certificate of election for the winner (409 while rounds
/// are unpublished or on a tie).
#[utoipa::path(get, path = "/api/v1/acs/{ac}/certificate.pdf", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn certificate(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Response> {
    let bytes = actions::certificate_pdf(&s.db, s.models.clone(), &user, ac).await?;
    Ok(pdf(bytes, format!("ac{ac}-form22.pdf")))
}

/// Form 20 to print, sign, scan and upload: every counted station, then the
/// EVM, postal and total rows; its QR code lets the signed scan be read
/// back and checked against the entries.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/form20.pdf", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn form20_pdf(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Response> {
    let bytes = actions::form20_pdf(&s.db, s.models.clone(), &user, ac).await?;
    Ok(pdf(bytes, format!("ac{ac}-form20.pdf")))
}

/// Form 21C, the declaration of the result (409 `not-declared` before the
/// RO declares it).
#[utoipa::path(get, path = "/api/v1/acs/{ac}/form21c.pdf", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn form21c_pdf(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Response> {
    let form = crate::forms::FormKind::Form21C;
    let bytes = actions::declaration_pdf(&s.db, s.models.clone(), &user, ac, form).await?;
    Ok(pdf(bytes, format!("ac{ac}-form21c.pdf")))
}

/// Form 21E, the return of election: every candidate's EVM, postal and
/// total votes (409 `not-declared` before the RO declares the result).
#[utoipa::path(get, path = "/api/v1/acs/{ac}/form21e.pdf", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn form21e_pdf(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
) -> Result<Response> {
    let form = crate::forms::FormKind::Form21E;
    let bytes = actions::declaration_pdf(&s.db, s.models.clone(), &user, ac, form).await?;
    Ok(pdf(bytes, format!("ac{ac}-form21e.pdf")))
}

/// How much of the audit log to return.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Most entries, newest first (default 200, at most 1000).
    pub limit: Option<u32>,
}

/// Every change to the AC's counts, newest first: who, when, before, after.
#[utoipa::path(get, path = "/api/v1/acs/{ac}/audit", tag = "counting", security(("bearer" = [])),
    params(("ac" = u32, Path, description = "AC number"), AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(s): State<AppState>,
    Auth(user): Auth,
    ApiPath(ac): ApiPath<u32>,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>> {
    let Query(q) = q.map_err(|e| Error::bad_input(e.body_text()))?;
    Ok(Json(
        actions::audit(&s.db, &user, ac, q.limit.unwrap_or(200)).await?,
    ))
}
