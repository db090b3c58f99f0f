//! `/vvpat/{ac}`: the VVPAT verification. The RO records the polling
//! stations drawn by lot; the slips counted for each are typed beside the
//! EVM figures of that station, and a difference is marked (the result
//! then counts the slips). Plain forms over the same library calls as
//! `PUT /api/v1/acs/{ac}/vvpat` and `PUT /api/v1/acs/{ac}/vvpat/{ps_no}`.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::html;

use super::postal::PostalQuery;
use super::{Ctx, OrPage, PageResult, number, western_digits};
use crate::counting::{SlipsInput, VvpatDraw, actions};
use crate::error::Error;
use crate::http::AppState;

/// `GET /vvpat/{ac}`.
pub async fn page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(ac): Path<String>,
    Query(q): Query<PostalQuery>,
) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let a = actions::ac(&s.db, user, ac).await.or_page(&ctx)?;
    let v = actions::vvpat(&s.db, user, ac).await.or_page(&ctx)?;
    let t = ctx.t;
    let open = a.declared_at.is_none();
    let is_ro = user.require_ro(ac).is_ok() && open;
    let may_enter = user.require_enter(ac).is_ok() && open;
    let counted = v.stations.iter().any(|l| l.station.slips.is_some());
    let drawn: Vec<String> = v
        .stations
        .iter()
        .map(|l| l.station.ps_no.to_string())
        .collect();
    Ok(ctx.render(
        StatusCode::OK,
        "vvpat",
        &format!("{} — {} {ac} {}", t.vvpat_title, t.ac, a.name),
        html! {
            @if let Some(what) = &q.saved { p.done #saved { (if what == "draw" { t.draw_saved } else { t.slips_saved }) } }
            p.help { (t.vvpat_help) }
            section #draw-section {
                h2 { (t.vvpat_draw) }
                @if is_ro && !counted {
                    form #draw method="post" action=(format!("/vvpat/{ac}/draw")) {
                        (ctx.csrf_field())
                        label for="ps-nos" { (t.ps_numbers) " (" (v.required) ")" } " "
                        input #ps-nos name="ps_nos" inputmode="numeric" size="24" autocomplete="off" value=(drawn.join(", "));
                        " " button.primary type="submit" { (t.record_draw) }
                    }
                } @else if counted { p.help { (t.draw_final) } }
            }
            @if v.stations.is_empty() { p #no-draw { (t.not_drawn_yet) } } @else {
                div.scroll { table #vvpat {
                    thead { tr {
                        th scope="col" { (t.polling_station) } th scope="col" { (t.round) } th scope="col" { span.visually-hidden { (t.votes) } }
                        @for c in &a.candidates { th scope="col" { (c.name) } }
                        th scope="col" { (t.status) }
                    } }
                    tbody { @for l in &v.stations {
                        @let ps = l.station.ps_no;
                        @let form_id = format!("slips-{ps}");
                        tr.differs[l.differs] data-ps=(ps) {
                            th scope="row" rowspan="2" { (ps) }
                            td rowspan="2" { (l.round.map(|r| r.to_string()).unwrap_or_default()) }
                            th scope="row" { (t.evm) }
                            @for i in 0..a.candidates.len() {
                                td.num { (l.evm.as_ref().and_then(|e| e.get(i)).map(|v| v.to_string()).unwrap_or_default()) }
                            }
                            td rowspan="2" {
                                @match (&l.station.slips, l.differs) {
                                    (None, _) => span.chip { (t.not_counted) },
                                    (Some(_), true) => span.chip.behind { (t.differs) },
                                    (Some(_), false) => span.chip.complete { (t.agrees) },
                                }
                                @if may_enter {
                                    form id=(form_id) method="post" action=(format!("/vvpat/{ac}/{ps}")) {
                                        (ctx.csrf_field())
                                        button type="submit" { (t.save_slips) }
                                    }
                                }
                            }
                        }
                        tr.differs[l.differs] {
                            th scope="row" { (t.slips) }
                            @for (i, c) in a.candidates.iter().enumerate() {
                                td { input.slip id=(format!("s-{ps}-{i}")) name="votes" form=(form_id) inputmode="numeric" size="5" autocomplete="off"
                                    aria-label=(format!("{} {ps}: {}", t.slips, c.name))
                                    value=[l.station.slips.as_ref().and_then(|s| s.get(i))] disabled[!may_enter]; }
                            }
                        }
                    } }
                } }
            }
            p { a href=(ctx.with_lang(&format!("/counting/{ac}#declaration"))) { (t.end_of_count) } }
        },
    ))
}

/// `POST /vvpat/{ac}/draw`: the stations drawn, as typed ("1, 4, 7").
pub async fn draw(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(ac): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let Form(pairs) = form.map_err(|e| ctx.error(Error::bad_input(e.body_text())))?;
    let typed = pairs
        .iter()
        .find(|(k, _)| k == "ps_nos")
        .map(|(_, v)| western_digits(v))
        .unwrap_or_default();
    let ps_nos = typed
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| number(&ctx, "a polling station number", p))
        .collect::<Result<Vec<i64>, _>>()?;
    actions::put_vvpat_draw(&s.db, user, ac, &VvpatDraw { ps_nos })
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to(&ctx.with_lang(&format!("/vvpat/{ac}?saved=draw"))).into_response())
}

/// `POST /vvpat/{ac}/{ps}`: the slips of one drawn station, in ballot order.
pub async fn slips(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((ac, ps)): Path<(String, String)>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> PageResult {
    let user = ctx.user()?;
    let ac: u32 = number(&ctx, "an AC number", &ac)?;
    let ps: u32 = number(&ctx, "a polling station number", &ps)?;
    let Form(pairs) = form.map_err(|e| ctx.error(Error::bad_input(e.body_text())))?;
    let votes = pairs
        .iter()
        .filter(|(k, _)| k == "votes")
        .map(|(_, v)| number(&ctx, "a count of slips", western_digits(v).trim()))
        .collect::<Result<Vec<i64>, _>>()?;
    actions::put_slips(&s.db, user, ac, ps, &SlipsInput { votes })
        .await
        .or_page(&ctx)?;
    Ok(Redirect::to(&ctx.with_lang(&format!("/vvpat/{ac}?saved=slips"))).into_response())
}
