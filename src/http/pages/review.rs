//! `/review`: the operator's queue, one finding at a time: the cut-out of
//! the scan large, beside what was read and what was entered; the whole
//! page a click away; the buttons are the decisions that fit the finding
//! (`checks::decisions`), each with its key (the script presses the
//! button), and the next finding follows at once (a redirect back here).
//! Findings only the RO may settle are left out of others' queues, and
//! those that settle by themselves out of everyone's: both are counted.

use crate::pipeline::Scalar;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Ctx, OrPage, PageResult, ac_picker, field_parts, number};
use crate::accounts::{Role, User};
use crate::checks::{Decision, Kind};
use crate::counting::Candidate;
use crate::counting::actions;
use crate::db;
use crate::db::FindingRow;
use crate::documents::review;
use crate::error::Error;
use crate::http::AppState;

/// Which part of the queue (default: every open finding of every AC the
/// user sees); filters left empty on the form come as empty strings.
#[derive(Debug, Default, Deserialize)]
pub struct ReviewQuery {
    pub ac: Option<u32>,
    pub kind: Option<String>,
    pub field: Option<String>,
    pub document: Option<String>,
    pub round: Option<String>,
    /// Skip to the first finding after this one (wrapping round).
    pub after: Option<i64>,
    /// The decision just taken, offered for undoing.
    pub undo: Option<i64>,
    /// How many findings the last batch decision settled.
    pub settled: Option<usize>,
}

impl ReviewQuery {
    /// The filter the query asks for; a word that is no kind, or a
    /// number that is none, is refused with the page's error.
    fn filter(&self, ctx: &Ctx) -> Result<review::Filter, super::Refusal> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let kind = match given(&self.kind) {
            Some(k) => Some(Kind::parse(&k).ok_or_else(|| {
                ctx.error(Error::bad_input(format!("{k} is not a kind of finding")))
            })?),
            None => None,
        };
        Ok(review::Filter {
            ac: self.ac,
            kind,
            field: given(&self.field),
            document: given(&self.document)
                .map(|d| number(ctx, "a document id", &d))
                .transpose()?,
            round: given(&self.round)
                .map(|r| number(ctx, "a round", &r))
                .transpose()?,
        })
    }
}

/// The query string of a filter and extra pairs, for links and forms that
/// keep the operator's place in the queue.
fn query_of(f: &review::Filter, extra: &[(&str, String)]) -> String {
    let mut pairs: Vec<(&str, String)> = vec![];
    if let Some(a) = f.ac {
        pairs.push(("ac", a.to_string()));
    }
    if let Some(k) = f.kind {
        pairs.push(("kind", k.as_str().to_string()));
    }
    if let Some(x) = &f.field {
        pairs.push(("field", x.clone()));
    }
    if let Some(d) = f.document {
        pairs.push(("document", d.to_string()));
    }
    if let Some(r) = f.round {
        pairs.push(("round", r.to_string()));
    }
    pairs.extend(extra.iter().cloned());
    match serde_urlencoded::to_string(&pairs) {
        Ok(q) if !q.is_empty() => format!("?{q}"),
        _ => String::new(),
    }
}

/// A value read or entered as a person reads it: a figure, a text, ink
/// found or not, or "—" for nothing.
pub(super) fn value(ctx: &Ctx, v: Option<&Scalar>) -> Markup {
    html! { (value_words(ctx, v)) }
}

/// [`value`] as plain words, for sentences.
pub(super) fn value_words(ctx: &Ctx, v: Option<&Scalar>) -> String {
    match v {
        None => "—".into(),
        Some(Scalar::Bool(ink)) => (if *ink { ctx.t.ink_found } else { ctx.t.no_ink }).into(),
        Some(Scalar::Text(s)) => s.clone(),
        Some(Scalar::Count(n)) => n.to_string(),
    }
}

/// What a finding says, in the page's language: the check's own sentence
/// in English (with the field in words), and in Hindi the same facts put
/// together from the finding's field and values (the kind is shown beside
/// it).
pub(super) fn finding_sentence(ctx: &Ctx, f: &FindingRow, field_words: Option<&str>) -> String {
    if ctx.lang == super::i18n::Lang::En {
        return match (&f.field, field_words) {
            (Some(field), Some(w)) => f.message.replace(field.as_str(), w),
            _ => f.message.clone(),
        };
    }
    let t = ctx.t;
    let mut parts = vec![];
    if let Some(w) = field_words.or(f.field.as_deref()) {
        parts.push(w.to_string());
    }
    if f.scan_value.is_some() {
        parts.push(format!(
            "{}: {}",
            t.scan_value,
            value_words(ctx, f.scan_value.as_ref())
        ));
    }
    if f.entered_value.is_some() {
        parts.push(format!(
            "{}: {}",
            t.entered_value,
            value_words(ctx, f.entered_value.as_ref())
        ));
    }
    if let Some(c) = f.confidence {
        parts.push(format!("{}: {:.0} %", t.confidence, c * 100.0));
    }
    if let Some(b) = &f.ballot_id {
        parts.push(format!("{} {b}", t.ballot));
    }
    if parts.is_empty() {
        return t.kind(f.kind).to_string();
    }
    parts.join(" · ")
}

/// The queue's filters: kind, round, and the field or document a link
/// narrowed it to, each with a way back to the whole queue.
fn filters(ctx: &Ctx, f: &review::Filter, candidates: &[Candidate]) -> Markup {
    let t = ctx.t;
    let without = |g: review::Filter| ctx.with_lang(&format!("/review{}", query_of(&g, &[])));
    html! {
        form.picker #filters method="get" action="/review" {
            @if let Some(a) = f.ac { input type="hidden" name="ac" value=(a); }
            @if let Some(x) = &f.field { input type="hidden" name="field" value=(x); }
            @if let Some(d) = f.document { input type="hidden" name="document" value=(d); }
            @if ctx.chose_lang { input type="hidden" name="lang" value=(ctx.lang.code()); }
            label for="kind-pick" { (t.kind_of_finding) }
            select #kind-pick name="kind" {
                option value="" { (t.every_kind) }
                @for k in Kind::ALL { option value=(k.as_str()) selected[f.kind == Some(*k)] { (t.kind(*k)) } }
            }
            label for="round-pick" { (t.round) }
            input #round-pick type="number" name="round" min="1" max="99" size="3" value=[f.round];
            button type="submit" { (t.filter) }
            @if let Some(x) = &f.field {
                " " span.chip #field-filter { (t.field) ": " (describe_field(ctx, x, candidates).unwrap_or_else(|| x.clone()))
                    " " a href=(without(review::Filter { field: None, ..f.clone() })) aria-label=(t.clear_filter) { "×" } }
            }
            @if let Some(d) = f.document {
                " " span.chip #document-filter { (t.document) " " (d)
                    " " a href=(without(review::Filter { document: None, ..f.clone() })) aria-label=(t.clear_filter) { "×" } }
            }
        }
    }
}

/// A grid cell in words: `votes[5][1]` is row 6 of the sheet, candidate 2.
pub(super) fn describe_field(ctx: &Ctx, field: &str, candidates: &[Candidate]) -> Option<String> {
    let t = ctx.t;
    if let Some(code) = field.strip_prefix("qr:") {
        return Some(format!("{} ({code})", t.f_qr_code));
    }
    let (base, idx) = field_parts(field);
    let name = |c: usize| candidates.get(c).map(|c| c.name.clone());
    let words = match (base, idx.as_slice()) {
        ("votes", [r, c]) => return Some(format!("{} {} · {}", t.row, r + 1, name(*c)?)),
        ("totals", [c]) => return Some(format!("{} · {}", t.total, name(*c)?)),
        ("ps_no", [r]) => return Some(format!("{} {} · {}", t.row, r + 1, t.ps_no)),
        ("vvpat", [ps, c]) => return Some(format!("VVPAT · {} {ps} · {}", t.ps_no, name(*c)?)),
        ("votes", []) => t.f_votes,
        ("totals", []) => t.total,
        ("ps_no", []) => t.ps_no,
        ("elector_signed", []) => t.f_elector_signed,
        ("attested", []) => t.f_attested,
        ("ro_signed", []) => t.f_ro_signed,
        ("postal_ballot_serial_no", []) => t.f_serial,
        ("part_no", []) => t.f_part_no,
        ("elector_serial_no", []) => t.f_elector_serial,
        ("ac_no", []) => t.f_ac_no,
        ("ac_name", []) => t.f_ac_name,
        ("elector_name", []) => t.f_elector_name,
        ("ballot_id", []) => t.f_ballot_id,
        ("revision", []) => t.revision,
        _ => return None,
    };
    Some(words.to_string())
}

/// The grouped view of one group, within the queue's filter.
fn grid_href(filter: &review::Filter, g: &review::Group) -> String {
    let of_group = review::Filter {
        kind: Some(g.kind),
        field: g.field.clone(),
        ..filter.clone()
    };
    format!("/review/grid{}", query_of(&of_group, &[]))
}

/// The key that takes a decision on the page, and its label.
fn key_of(ctx: &Ctx, d: Decision) -> (&'static str, &'static str) {
    let key = match d {
        Decision::ScanCorrect => "s",
        Decision::EntryCorrect => "e",
        Decision::Rescan => "r",
        Decision::Signed => "y",
        Decision::NotSigned => "n",
        Decision::Accept => "a",
        Decision::Reject => "x",
    };
    (key, ctx.t.decision(d))
}

/// Where an open finding stands for this user: theirs to decide, waiting
/// for the RO, or settling by itself.
#[derive(PartialEq)]
enum Turn {
    Mine,
    AwaitsRo,
    SettlesItself,
}

fn turn(user: &User, f: &FindingRow) -> Turn {
    let ro = user.role == Role::Ro;
    if f.choices.decisions.is_empty() {
        Turn::SettlesItself
    } else if !ro && (f.choices.ro_decides || f.recommendation.is_some()) {
        Turn::AwaitsRo
    } else {
        Turn::Mine
    }
}

/// `GET /review?ac=&kind=&field=&document=&round=`.
pub async fn page(ctx: Ctx, State(s): State<AppState>, Query(q): Query<ReviewQuery>) -> PageResult {
    let user = ctx.user()?;
    let filter = q.filter(&ctx)?;
    let open = review::open(&s.db, user, &filter).await.or_page(&ctx)?;
    let acs = actions::ac_list(&s.db, user).await.or_page(&ctx)?;
    let t = ctx.t;
    let count = |w: Turn| open.iter().filter(|f| turn(user, f) == w).count();
    let (awaiting, settling) = (count(Turn::AwaitsRo), count(Turn::SettlesItself));
    let mine: Vec<&FindingRow> = open
        .iter()
        .filter(|f| turn(user, f) == Turn::Mine)
        .collect();
    let first = q
        .after
        .and_then(|after| mine.iter().find(|f| f.id > after))
        .or(mine.first())
        .copied();
    let doc = match first.and_then(|f| f.document) {
        Some(d) => Some(
            db::document(&mut s.db.read().await.or_page(&ctx)?, d)
                .await
                .or_page(&ctx)?,
        ),
        None => None,
    };
    let may_decide = first.is_some_and(|f| user.require_enter(f.ac_no).is_ok());
    let candidates = match first.map(|f| f.ac_no).or(filter.ac) {
        Some(ac) => actions::ac(&s.db, user, ac).await.or_page(&ctx)?.candidates,
        None => vec![],
    };
    let field_words = first
        .and_then(|f| f.field.as_deref())
        .and_then(|field| describe_field(&ctx, field, &candidates));
    let groups = review::groups(mine.iter().copied());
    let back = query_of(&filter, &[]);
    let skip = |after: i64| {
        format!(
            "/review{}",
            query_of(&filter, &[("after", after.to_string())])
        )
    };
    let is_ro = user.role == Role::Ro;
    Ok(ctx.render(
        StatusCode::OK,
        "review",
        t.review_title,
        html! {
            (ac_picker(&ctx, "/review", &acs, q.ac.unwrap_or(0)))
            (filters(&ctx, &filter, &candidates))
            @if let Some(n) = q.settled { p.done #settled { (t.settled_together.replace("{n}", &n.to_string())) } }
            p.count { (t.left_to_review) ": " strong #left { (mine.len()) }
                @if awaiting > 0 { " · " (t.awaits_ro) ": " strong #awaiting { (awaiting) } }
                @if settling > 0 { " · " (t.settle_themselves) ": " strong #settling { (settling) } } }
            @if let Some(u) = q.undo {
                form #undo.inline method="post" action=(format!("/review/{u}/undo{back}")) {
                    (ctx.csrf_field())
                    button type="submit" data-key="u" { kbd { "U" } " " (t.undo_last) }
                }
            }
            section #keys-help hidden aria-label=(t.keys_title) {
                h2 { (t.keys_title) }
                dl.values {
                    @for d in Decision::ALL { dt { kbd { (key_of(&ctx, *d).0.to_uppercase()) } } dd { (t.decision(*d)) } }
                    dt { kbd { "K" } } dd { (t.skip_finding) }
                    dt { kbd { "U" } } dd { (t.undo_last) }
                    dt { kbd { "?" } } dd { (t.keys_title) }
                }
            }
            @if !groups.is_empty() {
                section #groups {
                    h2 { (t.settle_together) }
                    ul {
                        @for g in &groups {
                            li { a.group href=(ctx.with_lang(&grid_href(&filter, g))) {
                                strong { (g.ids.len()) } " × " (t.kind(g.kind))
                                @if let Some(w) = g.field.as_deref().and_then(|x| describe_field(&ctx, x, &candidates)) { " · " (w) } } }
                        }
                    }
                }
            }
            @if let Some(f) = first {
                article.finding #finding data-id=(f.id) data-kind=(f.kind.as_str()) {
                    h2 { span.chip.kind { (t.kind(f.kind)) } " " (t.ac) " " (f.ac_no)
                        @if let Some(b) = &f.ballot_id { " · " (t.ballot) " " (b) } }
                    p.message { (finding_sentence(&ctx, f, field_words.as_deref())) }
                    div.compare {
                        @if let Some(url) = &f.crop_url {
                            figure.crop {
                                img #crop src=(url) alt=(format!("{}: {}", t.scan_value, f.field.as_deref().unwrap_or("")));
                                @if let (Some(d), Some(p)) = (f.document, f.page) {
                                    figcaption {
                                        a #whole-page href=(format!("/api/v1/documents/{d}/pages/{p}/image.png")) target="_blank" rel="noopener" { (t.whole_page) }
                                        @if let Some(doc) = &doc { " · " a #document href=(ctx.with_lang(&format!("/documents/{d}#page-{p}"))) { (doc.filename) ", " (t.page) " " (p) } }
                                    }
                                }
                            }
                        }
                        div.side {
                            dl.values {
                                @if let Some(field) = &f.field { dt { (t.field) } dd #field { @if let Some(w) = &field_words { (w) } @else { code { (field) } } } }
                                dt { (t.scan_value) } dd.big #scan-value { (value(&ctx, f.scan_value.as_ref())) }
                                dt { (t.entered_value) } dd.big #entered-value { (value(&ctx, f.entered_value.as_ref())) }
                                @if let Some(c) = f.confidence { dt { (t.confidence) } dd { (format!("{:.0} %", c * 100.0)) } }
                                @if let Some(r) = &f.recommendation {
                                    dt { (t.recommended) } dd #recommendation { (key_of(&ctx, r.decision).1) " — " (r.by)
                                        @if let Some(n) = &r.note { ": " (n) } }
                                }
                            }
                            @if may_decide {
                                form #decide method="post" action=(format!("/review/{}{back}", f.id)) {
                                    (ctx.csrf_field())
                                    @if f.choices.decisions.contains(&Decision::ScanCorrect)
                                        && matches!(f.entered_value, Some(Scalar::Count(_))) {
                                        label.read-value { (t.value_read) " "
                                            input #read-value name="value" inputmode="numeric" pattern="[0-9०-९]*" autocomplete="off" size="8"; }
                                        p.help { (t.value_read_help) }
                                    }
                                    div.actions {
                                        @for d in &f.choices.decisions {
                                            @let (key, label) = key_of(&ctx, *d);
                                            @let recommend = !is_ro && f.choices.recommend_only.contains(d);
                                            button.primary[*d != Decision::Rescan] type="submit" name="decision" value=(d.as_str()) data-key=(key) {
                                                kbd { (key.to_uppercase()) } " " (label)
                                                @if recommend { " — " (t.recommend_to_ro) }
                                            }
                                        }
                                    }
                                    @if f.choices.note_required {
                                        p.help { (t.note_required) }
                                    }
                                    @if f.choices.note_required || !f.choices.recommend_only.is_empty() {
                                        label.note { (t.note) " "
                                            textarea #note name="note" rows="2" cols="40" required[f.choices.note_required] {} }
                                    }
                                    @if !is_ro && !f.choices.recommend_only.is_empty() {
                                        p.help #rule-54a { (t.rule_54a_ro) }
                                    }
                                }
                                p.help { (t.keys_help) " "
                                    @if mine.len() > 1 { a #skip href=(ctx.with_lang(&skip(f.id))) data-key="k" { kbd { "K" } " " (t.skip_finding) } " · " }
                                    (t.keys_more) }
                            }
                        }
                    }
                }
            } @else {
                section #summary {
                    p.done #nothing { (t.nothing_to_review) }
                    ul {
                        @if awaiting > 0 { li { (t.awaits_ro) ": " (awaiting) } }
                        @if settling > 0 { li { (t.settle_themselves) ": " (settling) } }
                        @if filter != (review::Filter { ac: filter.ac, ..Default::default() }) {
                            li { a #all-findings href=(ctx.with_lang(&format!("/review{}", query_of(&review::Filter { ac: filter.ac, ..Default::default() }, &[])))) { (t.all_findings) } }
                        }
                        li { a href=(ctx.with_lang(&match q.ac { Some(a) => format!("/upload?ac={a}"), None => "/upload".into() })) { (t.next_upload) } }
                        li { a href=(ctx.with_lang("/progress")) { (t.next_progress) } }
                    }
                }
            }
        },
    ))
}

/// The decision form.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub decision: Decision,
    pub note: Option<String>,
    /// The figure the operator typed, as the page sends it.
    pub value: Option<String>,
}

/// `POST /review/{id}?ac=`: records the decision, then the next finding.
pub async fn decide(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ReviewQuery>,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> PageResult {
    let user = ctx.user()?;
    let id: i64 = number(&ctx, "a finding id", &id)?;
    let Form(f) = form.map_err(|e| {
        ctx.error(Error::bad_input(format!(
            "the decision is one of the buttons of the finding: {}",
            e.body_text()
        )))
    })?;
    // Figures typed with a Hindi keyboard come as Devanagari digits.
    let value = f
        .value
        .as_deref()
        .map(|v| super::western_digits(v.trim()))
        .filter(|v| !v.is_empty())
        .map(Scalar::Text);
    let asked = review::Asked {
        decision: f.decision,
        note: f.note.as_deref(),
        value,
    };
    review::decide(&s.db, user, id, asked).await.or_page(&ctx)?;
    let back = format!(
        "/review{}",
        query_of(&q.filter(&ctx)?, &[("undo", id.to_string())])
    );
    Ok(Redirect::to(&ctx.with_lang(&back)).into_response())
}

/// `POST /review/{id}/undo?ac=`: takes the decision back; the finding is
/// shown again.
pub async fn undo(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ReviewQuery>,
) -> PageResult {
    let user = ctx.user()?;
    let id: i64 = number(&ctx, "a finding id", &id)?;
    review::undo(&s.db, user, id).await.or_page(&ctx)?;
    // Shown again where it stands in the queue, not the queue's first.
    let back = format!(
        "/review{}",
        query_of(&q.filter(&ctx)?, &[("after", (id - 1).to_string())])
    );
    Ok(Redirect::to(&ctx.with_lang(&back)).into_response())
}

/// How many cut-outs the grouped view shows at once.
const GRID_SIZE: usize = 48;

/// `GET /review/grid?ac=&kind=&field=`: the grouped view — every open
/// finding of one kind and field that is the user's to decide, as a grid
/// of cut-outs with their values, all ticked; the operator unticks the
/// exceptions (arrows move, Space unticks) and one key settles the rest.
/// The exceptions stay in the queue, to be taken one at a time.
pub async fn grid(ctx: Ctx, State(s): State<AppState>, Query(q): Query<ReviewQuery>) -> PageResult {
    let user = ctx.user()?;
    let filter = q.filter(&ctx)?;
    let open = review::open(&s.db, user, &filter).await.or_page(&ctx)?;
    let mine: Vec<&FindingRow> = open
        .iter()
        .filter(|f| turn(user, f) == Turn::Mine)
        .collect();
    let t = ctx.t;
    let Some(group) = review::groups(mine.iter().copied()).into_iter().next() else {
        // Nothing left to settle together: back to the queue.
        let back = format!(
            "/review{}",
            query_of(
                &review::Filter {
                    ac: filter.ac,
                    ..Default::default()
                },
                &q.settled
                    .map(|n| ("settled", n.to_string()))
                    .into_iter()
                    .collect::<Vec<_>>()
            )
        );
        return Ok(Redirect::to(&ctx.with_lang(&back)).into_response());
    };
    let shown: Vec<&FindingRow> = mine
        .iter()
        .copied()
        .filter(|f| group.ids.contains(&f.id))
        .take(GRID_SIZE)
        .collect();
    let candidates = actions::ac(&s.db, user, shown[0].ac_no)
        .await
        .or_page(&ctx)?
        .candidates;
    let field_words = group
        .field
        .as_deref()
        .and_then(|x| describe_field(&ctx, x, &candidates));
    let recommend = user.role != Role::Ro
        && group
            .decisions
            .iter()
            .any(|d| shown[0].choices.recommend_only.contains(d));
    let here = review::Filter {
        kind: Some(group.kind),
        field: group.field.clone(),
        ..filter.clone()
    };
    Ok(ctx.render(
        StatusCode::OK,
        "review-grid",
        t.settle_together,
        html! {
            p { a href=(ctx.with_lang(&format!("/review{}", query_of(&filter, &[])))) { "← " (t.review_title) } }
            @if let Some(n) = q.settled { p.done #settled { (t.settled_together.replace("{n}", &n.to_string())) } }
            h2 #group { span.chip.kind { (t.kind(group.kind)) } @if let Some(w) = &field_words { " " (w) }
                " · " (t.findings) ": " strong #group-size { (group.ids.len()) } }
            p.help { (t.grid_help) }
            @if group.ids.len() > shown.len() { p.help #more { (t.grid_more.replace("{n}", &shown.len().to_string())) } }
            form #grid method="post" action=(format!("/review/grid{}", query_of(&here, &[]))) {
                (ctx.csrf_field())
                div.cells {
                    @for f in &shown {
                        label.cell data-id=(f.id) {
                            input type="checkbox" name="pick" value=(f.id) checked;
                            @if let Some(url) = &f.crop_url { img src=(url) alt=(format!("{}: {}", t.scan_value, field_words.as_deref().or(f.field.as_deref()).unwrap_or(""))) loading="lazy"; }
                            @if let Some(w) = f.field.as_deref().and_then(|x| describe_field(&ctx, x, &candidates)) { span.small.where { (w) } }
                            span.read { (value(&ctx, f.scan_value.as_ref())) }
                            span.small { (t.entered_value) " " (value(&ctx, f.entered_value.as_ref()))
                                @if let Some(c) = f.confidence { " · " (format!("{:.0} %", c * 100.0)) } }
                            span.small { (t.ac) " " (f.ac_no)
                                @if let Some(b) = &f.ballot_id { " · " (t.ballot) " " (b) }
                                @if let (Some(d), Some(p)) = (f.document, f.page) { " · " a href=(ctx.with_lang(&format!("/documents/{d}#page-{p}"))) { (t.page) " " (p) } } }
                        }
                    }
                }
                p.count { (t.picked) ": " strong #picked { (shown.len()) } " / " (shown.len()) }
                p.error #none-picked hidden { (t.none_picked) }
                @if recommend {
                    p.help #rule-54a { (t.rule_54a_ro) }
                    label.note { (t.note) " " textarea #note name="note" rows="2" cols="40" {} }
                }
                div.actions {
                    @for d in &group.decisions {
                        @let (key, label) = key_of(&ctx, *d);
                        button.primary[*d != Decision::Rescan] type="submit" name="decision" value=(d.as_str()) data-key=(key) {
                            kbd { (key.to_uppercase()) } " " (label) " — " (t.the_ticked)
                            @if recommend && shown[0].choices.recommend_only.contains(d) { " (" (t.recommend_to_ro) ")" }
                        }
                    }
                }
            }
        },
    ))
}

/// `POST /review/grid?…`: one decision for every ticked cut-out (`pick`,
/// repeated), in one transaction; then the rest of the group.
pub async fn decide_grid(
    ctx: Ctx,
    State(s): State<AppState>,
    Query(q): Query<ReviewQuery>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> PageResult {
    let user = ctx.user()?;
    let filter = q.filter(&ctx)?;
    let Form(pairs) = form.map_err(|e| ctx.error(Error::bad_input(e.body_text())))?;
    let mut ids = vec![];
    let (mut decision, mut note) = (None, None);
    for (k, v) in &pairs {
        match k.as_str() {
            "pick" => ids.push(number::<i64>(&ctx, "a finding id", v)?),
            "decision" => {
                decision =
                    Some(Decision::parse(v).ok_or_else(|| {
                        ctx.error(Error::bad_input(format!("{v} is not a decision")))
                    })?)
            }
            "note" => note = Some(v.as_str()),
            _ => {}
        }
    }
    let Some(decision) = decision else {
        return Err(ctx
            .error(Error::bad_input(
                "the decision is one of the buttons under the grid",
            ))
            .into());
    };
    if ids.is_empty() {
        return Err(ctx
            .error(Error::bad_input("tick at least one cut-out to settle"))
            .into());
    }
    let asked = review::Asked {
        decision,
        note,
        value: None,
    };
    let rows = review::decide_many(&s.db, user, &ids, asked)
        .await
        .or_page(&ctx)?;
    let back = format!(
        "/review/grid{}",
        query_of(&filter, &[("settled", rows.len().to_string())])
    );
    Ok(Redirect::to(&ctx.with_lang(&back)).into_response())
}
