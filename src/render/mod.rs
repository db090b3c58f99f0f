//! Printing: a form model plus values becomes one or more pages (`Drawing`),
//! then a PDF (`pdf`) or pixels (`raster`).
//!
//! Layout is driven by the model alone: a new form is a new model file. The
//! values are checked here, before anything is printed; this module never
//! reads scans.

pub mod drawing;
pub mod font;
pub mod pdf;
pub mod raster;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::forms::grid::GridGeometry;
use crate::forms::payload::{self, Payload};
use crate::forms::{Field, FieldKind, Model, ident};
use drawing::{Align, Drawing, Shape};

/// Most table rows on one round sheet (its model's `max_rows`).
pub const MAX_ROWS: usize = 36;
/// Most rows a grid continued over pages prints in all.
const MAX_ALL_ROWS: usize = 5000;

/// Collapses runs of white space and trims, as every printed text is.
pub fn normalize_text(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One page of a grid: the printed figures, as `extract` reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct GridPage {
    /// Label columns per row (table no, PS no).
    pub labels: Vec<Vec<u64>>,
    pub votes: Vec<Vec<u64>>,
    pub totals: Vec<u64>,
    /// The given rows' figures for this page's columns, in layout order.
    pub given: Vec<Vec<u64>>,
    /// The row texts (the layout's `row_text`), for people.
    pub texts: Vec<String>,
    pub first_row: usize,
    pub first_col: usize,
    pub names: Vec<String>,
}

/// The values of one printed page, normalised, with its QR payload: what a
/// perfect reader would report for that page.
#[derive(Debug, Clone)]
pub struct PrintedPage {
    pub drawing: Drawing,
    pub payload: String,
    /// Field name → value as `extract` reports it.
    pub fields: Map<String, Value>,
    /// Ink field name → inked or not.
    pub marks: Map<String, Value>,
}

fn bad(model: &Model, reason: impl Into<String>) -> Error {
    Error::Values {
        form: model.id.clone(),
        reason: reason.into(),
    }
}

fn get_u64(model: &Model, values: &Map<String, Value>, name: &str) -> Result<u64> {
    match values.get(name) {
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| bad(model, format!("{name} must be a whole number ≥ 0"))),
        Some(Value::String(s))
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() < 19 =>
        {
            s.parse()
                .map_err(|_| bad(model, format!("{name} is not a number")))
        }
        Some(_) => Err(bad(model, format!("{name} must be a whole number ≥ 0"))),
        None => Err(bad(model, format!("{name} is missing"))),
    }
}

fn get_text(model: &Model, values: &Map<String, Value>, name: &str) -> Result<String> {
    let v = match values.get(name) {
        Some(Value::String(s)) => normalize_text(s),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(bad(model, format!("{name} must be text"))),
        None => return Err(bad(model, format!("{name} is missing"))),
    };
    if v.is_empty() {
        return Err(bad(model, format!("{name} is empty")));
    }
    if v.chars().count() > 80 {
        return Err(bad(model, format!("{name} is longer than 80 characters")));
    }
    Ok(v)
}

/// An ink box's value; absent means the box is printed empty, to be signed by hand.
fn get_bool(model: &Model, values: &Map<String, Value>, name: &str) -> Result<bool> {
    match values.get(name) {
        Some(Value::Bool(b)) => Ok(*b),
        None | Some(Value::Null) => Ok(false),
        Some(_) => Err(bad(model, format!("{name} must be true or false"))),
    }
}

/// Lays out a filled form: one `PrintedPage` per page (a round sheet with
/// more than 40 candidates continues on further pages).
///
/// Fails with `Error::Values` naming the first missing or malformed value.
pub fn layout(model: &Model, values: &Value) -> Result<Vec<PrintedPage>> {
    let values = values
        .as_object()
        .ok_or_else(|| bad(model, "values must be a JSON object"))?;
    // Read and check every value first: nothing is drawn from bad input.
    let mut fields = Map::new();
    let mut marks = Map::new();
    let mut grid_pages: Vec<GridPage> = vec![];
    for f in &model.fields {
        match f.kind {
            FieldKind::Digits => {
                fields.insert(f.name.clone(), get_u64(model, values, &f.name)?.into());
            }
            FieldKind::Text => {
                let mut v = get_text(model, values, &f.name)?;
                if f.upper {
                    v = v.to_uppercase();
                }
                if f.qr_key.is_some() && !payload::is_payload_safe(&v) {
                    return Err(bad(model, format!("{} may not hold '|' or '='", f.name)));
                }
                fields.insert(f.name.clone(), v.into());
            }
            FieldKind::Ident => {
                let v = get_text(model, values, &f.name)?;
                let id = ident::parse(&v, &f.name).map_err(|e| bad(model, e))?;
                fields.insert(f.name.clone(), id.into());
            }
            FieldKind::Ink => {
                marks.insert(f.name.clone(), get_bool(model, values, &f.name)?.into());
            }
            FieldKind::Grid => {
                if !grid_pages.is_empty() {
                    return Err(bad(model, "a model may hold one grid field"));
                }
                grid_pages = grid_values(model, f, values)?;
            }
        }
    }
    let pages = grid_pages.len().max(1);
    let mut out = Vec::with_capacity(pages);
    for p in 0..pages {
        let grid = grid_pages.get(p);
        let mut page_fields = fields.clone();
        if let (Some(g), Some(f)) = (
            grid,
            model.fields.iter().find(|f| f.kind == FieldKind::Grid),
        ) {
            insert_grid_fields(f, g, &mut page_fields);
        }
        let mut payload = Payload::new(&model.id);
        for (key, name) in &model.qr().carry {
            match page_fields.get(name) {
                Some(Value::String(v)) => payload.push(key, v),
                Some(v) if !v.is_null() => payload.push(key, v),
                _ => return Err(bad(model, format!("{name} is missing (the QR carries it)"))),
            }
        }
        for f in &model.fields {
            if let Some(key) = &f.qr_key {
                payload.push(key, page_fields[&f.name].as_str().unwrap_or_default());
            }
            if let (Some(layout), Some(g)) = (&f.grid, grid) {
                payload.push(&layout.rows_key, g.votes.len());
                payload.push(&layout.cols_key, g.names.len());
                if let Some(k) = &layout.first_col_key {
                    payload.push(k, g.first_col);
                }
                if let Some(k) = &layout.first_row_key {
                    payload.push(k, g.first_row);
                }
            }
        }
        if pages > 1 {
            payload.push("page", format!("{}/{pages}", p + 1));
        }
        if !model.qr().digest.is_empty()
            && let Some(d) = payload::digest_of(&model.qr().digest, &page_fields)
        {
            payload.push("d", d);
        }
        let codes = model
            .qrs
            .iter()
            .map(|q| {
                q.payload
                    .encode(&payload)
                    .map_err(|e| bad(model, format!("QR code {}: {e}", q.name)))
            })
            .collect::<Result<Vec<_>>>()?;
        let drawing = draw_page(model, &page_fields, &marks, grid, &codes)?;
        let payload = codes[0].clone();
        out.push(PrintedPage {
            drawing,
            payload,
            fields: page_fields,
            marks: marks.clone(),
        });
    }
    Ok(out)
}

fn insert_grid_fields(f: &Field, g: &GridPage, out: &mut Map<String, Value>) {
    let Some(layout) = &f.grid else { return };
    for (k, name) in layout.label_names.iter().enumerate() {
        out.insert(
            name.clone(),
            g.labels.iter().map(|row| row[k]).collect::<Vec<_>>().into(),
        );
    }
    out.insert(
        f.name.clone(),
        serde_json::to_value(&g.votes).unwrap_or_default(),
    );
    out.insert(layout.totals_name.clone(), g.totals.clone().into());
    for (row, figures) in layout.given_rows.iter().zip(&g.given) {
        out.insert(row.name.clone(), figures.clone().into());
    }
}

/// One count per column under `name`, each under ten million.
fn counts(model: &Model, v: Option<&Value>, n: usize, name: &str) -> Result<Vec<u64>> {
    match v {
        Some(Value::Array(a)) if a.len() == n => a
            .iter()
            .map(|x| {
                x.as_u64()
                    .filter(|x| *x < 10_000_000)
                    .ok_or_else(|| bad(model, format!("{name} holds a non-count")))
            })
            .collect(),
        _ => Err(bad(
            model,
            format!("{name} must hold one count per column ({n})"),
        )),
    }
}

/// Reads the grid values (`candidates`, the rows under the layout's
/// `rows_from`, the given rows) and splits them into pages: columns past
/// the layout's `max_cols` continue on further pages, and so do rows past
/// its `max_rows` where the layout allows it.
fn grid_values(model: &Model, f: &Field, values: &Map<String, Value>) -> Result<Vec<GridPage>> {
    let Some(layout) = &f.grid else {
        return Err(bad(model, "grid field without layout"));
    };
    let cols_key = &layout.cols_from;
    let names: Vec<String> = match values.get(cols_key) {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(normalize_text)
                    .ok_or_else(|| bad(model, format!("{cols_key} must be a list of names")))
            })
            .collect::<Result<_>>()?,
        _ => {
            return Err(bad(
                model,
                format!("{cols_key} must be a non-empty list of names"),
            ));
        }
    };
    if names.len() > 400 {
        return Err(bad(model, format!("more than 400 {cols_key}")));
    }
    let key = &layout.rows_from;
    let tables = match values.get(key) {
        Some(Value::Array(a)) => a,
        _ => {
            return Err(bad(
                model,
                format!(
                    "{key} must be a list of {{{}, {}}}",
                    layout.label_names.join(", "),
                    f.name
                ),
            ));
        }
    };
    let most = if layout.first_row_key.is_some() {
        MAX_ALL_ROWS
    } else {
        layout.max_rows
    };
    if tables.is_empty() || tables.len() > most {
        return Err(bad(
            model,
            format!(
                "{} prints 1 to {most} {key}, not {}",
                model.id,
                tables.len()
            ),
        ));
    }
    let mut labels = Vec::new();
    let mut votes = Vec::new();
    let mut texts = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let t = t
            .as_object()
            .ok_or_else(|| bad(model, format!("{key}[{i}] must be an object")))?;
        let mut row_labels = Vec::new();
        for name in &layout.label_names {
            row_labels
                .push(get_u64(model, t, name).map_err(|_| {
                    bad(model, format!("{key}[{i}].{name} must be a whole number"))
                })?);
        }
        let what = format!("{key}[{i}].{}", f.name);
        let v = counts(model, t.get(&f.name), names.len(), &what)?;
        if let Some(k) = &layout.row_text {
            texts.push(get_text(model, t, k).map_err(|e| match e {
                Error::Values { reason, .. } => bad(model, format!("{key}[{i}]: {reason}")),
                other => other,
            })?);
        }
        labels.push(row_labels);
        votes.push(v);
    }
    let given: Vec<Vec<u64>> = layout
        .given_rows
        .iter()
        .map(|row| counts(model, values.get(&row.name), names.len(), &row.name))
        .collect::<Result<_>>()?;
    let mut pages = Vec::new();
    for first_row in (0..votes.len()).step_by(layout.max_rows) {
        let rows = first_row..(first_row + layout.max_rows).min(votes.len());
        for first in (0..names.len()).step_by(layout.max_cols) {
            let cols = first..(first + layout.max_cols).min(names.len());
            let v: Vec<Vec<u64>> = votes[rows.clone()]
                .iter()
                .map(|row| row[cols.clone()].to_vec())
                .collect();
            let totals = (0..cols.len())
                .map(|c| v.iter().map(|row| row[c]).sum())
                .collect();
            pages.push(GridPage {
                labels: labels[rows.clone()].to_vec(),
                texts: texts
                    .get(rows.clone())
                    .map(<[String]>::to_vec)
                    .unwrap_or_default(),
                votes: v,
                totals,
                given: given.iter().map(|g| g[cols.clone()].to_vec()).collect(),
                first_row,
                first_col: first,
                names: names[cols].to_vec(),
            });
        }
    }
    Ok(pages)
}

/// Cap height of the font as a fraction of its size.
const CAP: f64 = 0.73;
const PT: f64 = 25.4 / 72.0;

fn draw_page(
    model: &Model,
    fields: &Map<String, Value>,
    marks: &Map<String, Value>,
    grid: Option<&GridPage>,
    codes: &[String],
) -> Result<Drawing> {
    let payload = codes.first().map_or("", String::as_str);
    let [w, h] = model.page;
    let mut d = Drawing::new(w, h);
    for m in &model.marks {
        d.shapes.push(Shape::Rect {
            x: m[0],
            y: m[1],
            w: model.mark_size,
            h: model.mark_size,
            fill: true,
            stroke: 0.0,
        });
    }
    for t in &model.text {
        d.text(
            t.x,
            t.y,
            t.font_pt,
            t.text.clone(),
            if t.center { Align::Center } else { Align::Left },
        );
    }
    for (spec, text) in model.qrs.iter().zip(codes) {
        d.shapes.push(qr_shape(model, spec, text)?);
    }
    for f in &model.fields {
        if f.qr_key.is_some() {
            continue;
        }
        let b = f.area;
        let baseline = b.y + b.h / 2.0 + f.font_pt * PT * CAP / 2.0;
        if !f.label.is_empty() {
            let [lx, ly] = f.label_at.unwrap_or([20.0, baseline]);
            d.text(lx, ly, 10.0, f.label.clone(), Align::Left);
            if !f.label_hi.is_empty() {
                d.text(lx, ly + 4.2, 8.0, f.label_hi.clone(), Align::Left);
            }
        }
        match f.kind {
            FieldKind::Digits | FieldKind::Text | FieldKind::Ident => {
                let v = match &fields[&f.name] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                d.text(b.x + 2.0, baseline, f.font_pt, v, Align::Left);
            }
            FieldKind::Ink => {
                d.shapes.push(Shape::Rect {
                    x: b.x,
                    y: b.y,
                    w: b.w,
                    h: b.h,
                    fill: false,
                    stroke: 0.3,
                });
                if marks[&f.name] == Value::Bool(true) {
                    d.shapes.push(Shape::Path {
                        points: scribble(b.inset(4.0), payload, &f.name),
                        stroke: 0.5,
                    });
                }
            }
            FieldKind::Grid => {
                if let (Some(g), Some(layout)) = (grid, &f.grid) {
                    draw_grid(&mut d, f, layout, g);
                }
            }
        }
    }
    Ok(d)
}

fn qr_shape(model: &Model, spec: &crate::forms::QrSpec, payload: &str) -> Result<Shape> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| bad(model, format!("QR payload does not fit: {e}")))?;
    let n = code.width();
    let colors = code.to_colors();
    let image = image::GrayImage::from_fn(n as u32, n as u32, |x, y| {
        let dark = colors[y as usize * n + x as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    Ok(Shape::Image {
        x: spec.x,
        y: spec.y,
        w: spec.size,
        h: spec.size,
        image,
    })
}

/// A handwritten-looking stroke across the box, the same for the same page.
fn scribble(b: crate::forms::BoxMm, seed_text: &str, name: &str) -> Vec<(f64, f64)> {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(format!("{seed_text}/{name}").as_bytes());
    let mut rng =
        fastrand::Rng::with_seed(u64::from_le_bytes(hash[..8].try_into().unwrap_or_default()));
    let loops = 3 + rng.usize(0..4);
    let steps = loops * 16;
    let amp = b.h * (0.25 + 0.2 * rng.f64());
    let start = b.x + b.w * 0.05 * rng.f64();
    let len = b.w * (0.6 + 0.3 * rng.f64());
    let cy = b.y + b.h / 2.0;
    (0..=steps)
        .map(|i| {
            let t = i as f64 / steps as f64;
            let phase = t * loops as f64 * std::f64::consts::TAU;
            let x = start + len * t + b.w * 0.04 * phase.cos();
            let y = cy + amp * phase.sin() * (0.6 + 0.4 * (t * 3.0).sin().abs());
            (x.clamp(b.x, b.x + b.w), y.clamp(b.y, b.y + b.h))
        })
        .collect()
}

fn draw_grid(d: &mut Drawing, f: &Field, layout: &crate::forms::GridLayout, g: &GridPage) {
    let geo = GridGeometry::new(f.area, layout, g.votes.len(), g.names.len());
    let size = geo.font_pt(layout, geo.digits(0));
    let total_size = geo.font_pt(layout, geo.digits(geo.rows));
    let head_size = size.min(9.0);
    let baseline = |top: f64, row_h: f64, size: f64| top + row_h / 2.0 + size * PT * CAP / 2.0;
    // Header: label column names and candidate serial numbers.
    let head_base = geo.area.y + geo.header_h - 1.5;
    for (k, name) in layout.label_names.iter().enumerate() {
        let c = geo.label_cell(0, k);
        d.text(
            c.x + c.w - 1.0,
            head_base,
            head_size,
            header_word(name),
            Align::Right,
        );
    }
    for c in 0..geo.cols {
        let cell = geo.cell(0, c);
        d.text(
            cell.x + cell.w - 1.0,
            head_base,
            head_size,
            if layout.named_columns {
                g.names[c].clone()
            } else {
                format!("{}", g.first_col + c + 1)
            },
            Align::Right,
        );
    }
    let rule = |d: &mut Drawing, y: f64, stroke: f64| {
        d.shapes.push(Shape::Path {
            points: vec![(geo.area.x, y), (geo.right(), y)],
            stroke,
        });
    };
    rule(d, geo.row_y(0), 0.35);
    for (r, row) in g.votes.iter().enumerate() {
        let y = baseline(geo.row_y(r), geo.row_h, size);
        for (k, v) in g.labels[r].iter().enumerate() {
            let c = geo.label_cell(r, k);
            d.text(c.x + c.w - 0.4, y, size, v.to_string(), Align::Right);
        }
        for (c, v) in row.iter().enumerate() {
            let cell = geo.cell(r, c);
            d.text(cell.x + cell.w - 0.4, y, size, v.to_string(), Align::Right);
        }
        if let Some(text) = g.texts.get(r) {
            d.text(
                geo.right() + 3.0,
                y,
                size.min(9.0),
                text.clone(),
                Align::Left,
            );
        }
    }
    let tr = geo.rows;
    rule(d, geo.row_y(tr), 0.35);
    rule(d, geo.bottom(), 0.35);
    let given_size = geo.font_pt(layout, GridGeometry::GIVEN_DIGITS);
    let summary = std::iter::once((layout.totals_label.as_str(), &g.totals, total_size)).chain(
        layout
            .given_rows
            .iter()
            .zip(&g.given)
            .map(|(row, figures)| (row.label.as_str(), figures, given_size)),
    );
    for (i, (label, figures, size)) in summary.enumerate() {
        let r = tr + i;
        let y = baseline(geo.row_y(r), geo.row_h, size);
        d.text(geo.area.x + 1.0, y, head_size, label, Align::Left);
        for (c, v) in figures.iter().enumerate() {
            let cell = geo.cell(r, c);
            d.text(cell.x + cell.w - 0.4, y, size, v.to_string(), Align::Right);
        }
    }
    if let Some(legend) = layout.legend {
        draw_legend(d, legend, g);
    }
}

fn header_word(name: &str) -> String {
    match name {
        "table" => "Table".into(),
        "ps_no" => "PS no".into(),
        "serial" => "Sl no".into(),
        other => other.to_string(),
    }
}

/// The candidates' names, numbered as the columns, for people to read.
fn draw_legend(d: &mut Drawing, b: crate::forms::BoxMm, g: &GridPage) {
    let size = 7.0;
    let line = 3.2;
    let per_col = ((b.h / line).floor() as usize).max(1);
    let ncols = g.names.len().div_ceil(per_col).max(1);
    let col_w = b.w / ncols as f64;
    for (i, name) in g.names.iter().enumerate() {
        let (col, row) = (i / per_col, i % per_col);
        let mut text = format!("{}  {}", g.first_col + i + 1, name);
        while text.chars().count() > 4 && font::text_width_mm(&text, size) > col_w - 2.0 {
            text.pop();
        }
        d.text(
            b.x + col as f64 * col_w,
            b.y + (row + 1) as f64 * line,
            size,
            text,
            Align::Left,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::ModelSet;
    use serde_json::json;

    #[test]
    fn round_sheet_totals_are_computed_and_wide_ballots_continue_on_more_pages() {
        let models = ModelSet::builtin();
        let names: Vec<String> = (0..45).map(|i| format!("Candidate {i}")).collect();
        let values = json!({
            "ac_no": 71, "ac_name": "Rewa", "round": 3, "revision": 1, "candidates": names,
            "tables": [
                {"table": 1, "ps_no": 101, "votes": vec![2; 45]},
                {"table": 2, "ps_no": 102, "votes": vec![3; 45]},
            ]
        });
        let pages = layout(models.get("round-sheet").unwrap(), &values).unwrap();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0].fields["totals"], json!(vec![5; 40]));
        assert_eq!(pages[1].fields["votes"], json!([vec![2; 5], vec![3; 5]]));
        assert!(
            pages[1].payload.contains("|col0=40|"),
            "{}",
            pages[1].payload
        );
        assert!(
            pages[1].payload.contains("|page=2/2|"),
            "{}",
            pages[1].payload
        );
    }

    #[test]
    fn a_short_votes_row_is_refused_by_name() {
        let models = ModelSet::builtin();
        let values = json!({
            "ac_no": 71, "ac_name": "Rewa", "round": 3, "revision": 1, "candidates": ["A", "B"],
            "tables": [{"table": 1, "ps_no": 101, "votes": [1]}]
        });
        let err = layout(models.get("round-sheet").unwrap(), &values).unwrap_err();
        assert!(err.to_string().contains("tables[0].votes"), "{err}");
    }
}
