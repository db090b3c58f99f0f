//! Reading one page: the stages in order.
//!
//! page pixels → `clean` → QR (`qr`) → which form (`forms`) → `locate` →
//! every box of the model read (`ocr`, `ink`) → cross-checks (QR digest, grid
//! totals) that may only raise or lower confidence, never change a value
//! unless the digest proves the change.
//!
//! A page that is none of our forms is a reading with `form: None`, not an
//! error. Each stage tells the [`Trace`] what it saw, for the debug pictures.

use std::collections::BTreeMap;

use image::GrayImage;

use super::debug::Trace;
use super::locate::{Location, Transform, locate};
use super::qr::QrHit;
use super::reading::{
    CodeReading, FieldReading, GridReading, InkReading, PageReading, Reading, RowReading, Scalar,
    Unplaced,
};
use super::{clean, digits, ink, ocr, qr, search};
use crate::error::Result;
use crate::forms::grid::GridGeometry;
use crate::forms::payload::{self, Payload, PayloadFormat};
use crate::forms::{BoxMm, Field, FieldKind, GridLayout, Model, ModelSet, OcrSettings, ident};

/// Cap height of printed text as a fraction of its size, and mm per point.
const CAP: f64 = 0.73;
const MM_PER_PT: f64 = 25.4 / 72.0;
/// Pixels of capital height each box is cut out at for Tesseract (measured
/// best of 16, 20, 24, 30 and 40 on generated scans).
const TARGET_CAP_PX: f64 = 16.0;
/// Confidence given to figures a failed cross-check puts in doubt.
const DOUBT: f64 = 0.3;

/// The fields of a page as they are being read, by name.
type Fields = BTreeMap<String, FieldReading>;

/// Everything the boxes of a page gave, as they are read.
#[derive(Default)]
struct Readings {
    fields: Fields,
    marks: BTreeMap<String, InkReading>,
    /// What unsure figures may be, for the cross-checks.
    candidates: Candidates,
}

/// Reads a page with whichever model its QR code names.
pub fn read_page(models: &ModelSet, page: &GrayImage, trace: &mut Trace) -> Result<PageReading> {
    let t0 = std::time::Instant::now();
    let clean = clean::normalize(page);
    let t1 = t0.elapsed();
    trace.cleaned(&clean);
    let hits = find_qr(models, &clean, trace);
    tracing::debug!(
        clean_ms = t1.as_secs_f64() * 1e3,
        qr_ms = (t0.elapsed() - t1).as_secs_f64() * 1e3,
        "stages"
    );
    let ours = hits
        .iter()
        .find_map(|h| models.identify(&h.text).map(|(m, i, p)| (h, m, i, p)));
    let Some((hit, model, spec, payload)) = ours else {
        return Ok(PageReading {
            qr: hits.first().map(|h| h.text.clone()),
            unplaced: Some(if hits.is_empty() {
                Unplaced::NoQr
            } else {
                Unplaced::ForeignQr
            }),
            ..PageReading::default()
        });
    };
    let form = model.form_id();
    let mut reading = PageReading {
        form: Some(form.to_string()),
        layout: (form != model.id).then(|| model.id.clone()),
        qr: Some(hit.text.clone()),
        ..PageReading::default()
    };
    let found = other_codes(model, (spec, hit, payload), &hits, &clean);
    let payload = merged(&found);
    if model.qrs.len() > 1
        || model
            .qrs
            .iter()
            .any(|q| q.payload.format != PayloadFormat::Scr1)
    {
        reading.codes = code_readings(model, &found);
    }
    if let Some((_, h, _)) = found.iter().find(|(i, _, _)| *i == 0) {
        reading.qr = Some(h.text.clone());
    }
    let codes: Vec<(usize, &QrHit)> = found.iter().map(|(i, h, _)| (*i, h)).collect();
    let Some(Location {
        transform,
        marks_found,
    }) = locate(model, &codes, &clean, trace)
    else {
        reading.unplaced = Some(Unplaced::NotRegistered);
        return Ok(reading);
    };
    tracing::debug!(form = %model.id, marks_found, codes = codes.len(), ?transform, corners = ?hit.corners, "located");
    reading.transform = Some(transform);
    let mut out = Readings::default();
    for f in &model.fields {
        read_field(&clean, &transform, model, f, &payload, &mut out)?;
    }
    let Readings {
        mut fields,
        marks,
        candidates,
    } = out;
    reading.marks = marks;
    // The digest search walks a grid's columns (`choose_from_candidates`):
    // without a grid, the reader's choices would go unused.
    let mut candidates = candidates;
    if model.fields.iter().any(|f| f.grid.is_some())
        && payload
            .get("d")
            .is_some_and(|d| !digest_matches(model, d, &fields))
    {
        reread_unchecked(
            &clean,
            &transform,
            model,
            &payload,
            &fields,
            &mut candidates,
        );
    }
    cross_check(model, &payload, &mut fields, &candidates);
    for r in fields.values_mut() {
        r.round_confidence();
    }
    reading.fields = fields;
    trace.read(model, &reading);
    Ok(reading)
}

/// The QR stage: looks where the models print their codes first, then the
/// whole page; returns every code found.
fn find_qr(models: &ModelSet, clean: &GrayImage, trace: &mut Trace) -> Vec<QrHit> {
    let likely = qr_regions(models, clean.width(), clean.height());
    let hits = qr::find_likely_first(clean, &likely, |text| models.identify(text).is_some());
    trace.qr(models, &likely, &hits);
    hits
}

/// A code of the model found on the page: which of its codes, the hit, and
/// its parsed payload.
type FoundCode = (usize, QrHit, Payload);

/// The model's other codes, besides the one that named it: among the codes
/// already found, else looked for where the first one puts them (a small
/// region each, enlarged when the page's own scale does not decode).
fn other_codes(
    model: &Model,
    first: (usize, &QrHit, Payload),
    hits: &[QrHit],
    clean: &GrayImage,
) -> Vec<FoundCode> {
    let (spec, hit, payload) = first;
    let mut found: Vec<FoundCode> = vec![(spec, hit.clone(), payload)];
    if model.qrs.len() < 2 {
        return found;
    }
    let this_code =
        |text: &str, i: usize| model.code_of(text).and_then(|(j, p)| (j == i).then_some(p));
    let Some(fit) = Transform::fit(&super::locate::qr_pairs(&model.qrs[spec], hit)) else {
        return found;
    };
    for (i, q) in model.qrs.iter().enumerate() {
        if i == spec {
            continue;
        }
        let mut code = hits
            .iter()
            .find_map(|h| this_code(&h.text, i).map(|p| (h.clone(), p)));
        if code.is_none() {
            let margin = q.size * 0.4;
            let corners = [
                (q.x - margin, q.y - margin),
                (q.x + q.size + margin, q.y + q.size + margin),
            ]
            .map(|(u, v)| fit.apply(u, v));
            let region = qr::Region::spanning(corners[0], corners[1], 0.0, 1.0);
            code = qr::find_in_retrying(clean, region, |t| this_code(t, i).is_some())
                .into_iter()
                .find_map(|h| this_code(&h.text, i).map(|p| (h, p)));
        }
        if let Some((h, p)) = code {
            found.push((i, h, p));
        }
    }
    found.sort_by_key(|(i, _, _)| *i);
    found
}

/// The pairs of every code found, the first code's first: what the
/// model's `qr_key` fields take their values from.
fn merged(found: &[FoundCode]) -> Payload {
    let mut out = found[0].2.clone();
    for (_, _, p) in &found[1..] {
        for (k, v) in &p.pairs {
            if out.get(k).is_none() {
                out.push(k, v);
            }
        }
    }
    out
}

/// Every code the model prints, with what was found of it.
fn code_readings(model: &Model, found: &[FoundCode]) -> Vec<CodeReading> {
    model
        .qrs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let hit = found.iter().find(|(j, _, _)| *j == i);
            CodeReading {
                name: q.name.clone(),
                text: hit.map(|(_, h, _)| h.text.clone()),
                values: hit
                    .map(|(_, _, p)| p.pairs.iter().cloned().collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Reads one field of the model into `fields` (or `marks` for an ink box).
fn read_field(
    clean: &GrayImage,
    transform: &Transform,
    model: &Model,
    f: &Field,
    payload: &Payload,
    out: &mut Readings,
) -> Result<()> {
    let Readings {
        fields,
        marks,
        candidates,
    } = out;
    if let Some(key) = &f.qr_key {
        let r = match payload.get(key) {
            Some(v) => Reading::new(v, 1.0),
            None => Reading::none(),
        };
        fields.insert(f.name.clone(), FieldReading::One(r));
        return Ok(());
    }
    match f.kind {
        FieldKind::Digits | FieldKind::Text | FieldKind::Ident => {
            let ppm = (TARGET_CAP_PX / (f.font_pt * MM_PER_PT * CAP)).clamp(6.0, 24.0);
            // A value no digest covers must be read the same twice to be trusted.
            let how = HowToRead {
                kind: f.kind,
                settings: &f.ocr,
                threshold: f.threshold,
                confirm: !model.qr().digest.contains(&f.name),
                alone: true,
                give_up_below: 0.0,
            };
            // A field in two scripts: a first look that finds nothing it
            // knows goes to the other script before looking larger (two
            // looks saved on every name in the other script).
            let mut r = read_value(
                clean,
                transform,
                f.area,
                ppm,
                &HowToRead {
                    give_up_below: if f.ocr.second_lang.is_some() {
                        OTHER_SCRIPT_BELOW
                    } else {
                        0.0
                    },
                    ..how
                },
            )?;
            if r.confidence < f.threshold
                && let Some(lang) = &f.ocr.second_lang
            {
                let settings = OcrSettings {
                    lang: lang.clone(),
                    whitelist: String::new(),
                    second_lang: None,
                    ..f.ocr.clone()
                };
                let second = read_value(
                    clean,
                    transform,
                    f.area,
                    ppm,
                    &HowToRead {
                        settings: &settings,
                        ..how
                    },
                )?;
                if second.confidence > r.confidence {
                    r = second;
                }
                if r.confidence < f.threshold {
                    // Neither script was sure: the first one's larger looks.
                    let full = read_value(clean, transform, f.area, ppm, &how)?;
                    if full.confidence > r.confidence {
                        r = full;
                    }
                }
            }
            // Under LOW_RES_PX_PER_MM an i's dot is a pixel or none: i, l,
            // I and 1 look alike, and a text holding one is never sure.
            if f.kind == FieldKind::Text
                && transform.px_per_mm() < LOW_RES_PX_PER_MM
                && r.value
                    .as_ref()
                    .and_then(Scalar::as_text)
                    .is_some_and(|t| t.contains(['i', 'l', 'I', '1', '|', '!']))
            {
                r.confidence = held(r.confidence, f.threshold);
            }
            fields.insert(f.name.clone(), FieldReading::One(r));
        }
        FieldKind::Ink => {
            let img = crop(clean, transform, f.area.inset(2.0), 4.0);
            let (inked, c) = ink::judge(&img);
            marks.insert(
                f.name.clone(),
                InkReading {
                    value: inked,
                    confidence: round3(c),
                },
            );
        }
        FieldKind::Grid => {
            if let Some(layout) = &f.grid {
                read_grid(clean, transform, f, layout, payload, fields, candidates)?;
            }
        }
    }
    Ok(())
}

/// Where each model's QR code would lie on a page of this size, upright
/// first, then fed sideways or upside down, with room for offset, scale and
/// skew. Pages whose proportions do not fit a model are not searched for it.
fn qr_regions(models: &ModelSet, w: u32, h: u32) -> Vec<qr::Region> {
    const MARGIN_MM: f64 = 14.0;
    let mut out: Vec<qr::Region> = Vec::new();
    for turn in 0..4 {
        for model in models.iter() {
            let [pw, ph] = model.page;
            let (rw, rh) = if turn % 2 == 1 { (ph, pw) } else { (pw, ph) };
            let (sx, sy) = (f64::from(w) / rw, f64::from(h) / rh);
            if (sx / sy - 1.0).abs() > 0.08 {
                continue;
            }
            let ppm = (sx + sy) / 2.0;
            for q in &model.qrs {
                // The QR box's corners after `turn` quarter turns of the page.
                let corners = [(q.x, q.y), (q.x + q.size, q.y + q.size)].map(|(u, v)| match turn {
                    0 => (u, v),
                    1 => (ph - v, u),
                    2 => (pw - u, ph - v),
                    _ => (v, pw - u),
                });
                let r = qr::Region::spanning(corners[0], corners[1], MARGIN_MM, ppm);
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    }
    out
}

fn round3(c: f64) -> f64 {
    (c * 1000.0).round() / 1000.0
}

/// A field's value and confidence from the words Tesseract read.
fn value_of(kind: FieldKind, words: &[ocr::Word]) -> Reading {
    let conf = words.iter().map(|w| w.conf).fold(1.0f64, f64::min);
    if words.is_empty() {
        return Reading::none();
    }
    let text = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    match kind {
        FieldKind::Digits => match parse_count(&text.replace(' ', "")) {
            Some(n) => Reading::new(n, conf),
            None => Reading::none(),
        },
        FieldKind::Ident => match ident::parse(&text, "") {
            Ok(id) => Reading::new(id, conf),
            Err(_) => Reading::none(),
        },
        _ => Reading::new(text, conf),
    }
}

/// Reads one box, cut down to its ink. Tesseract's fast models are sensitive
/// to scale, most of all for lone short figures ("1", "7"): while no look is
/// sure, it looks again larger; a value to `confirm` is also looked at once
/// more, smaller. The surest reading wins, and readings that disagree are
/// never trusted.
fn read_value(
    page: &GrayImage,
    t: &Transform,
    b: BoxMm,
    ppm: f64,
    how: &HowToRead,
) -> Result<Reading> {
    let HowToRead {
        kind,
        settings,
        threshold,
        confirm,
        alone,
        give_up_below,
    } = *how;
    let look = |ppm: f64, settings: &OcrSettings| -> Result<Reading> {
        let img = pad(
            &trim_to_ink(&crop(page, t, b, ppm), (ppm * 2.0) as u32),
            (ppm * 1.5) as u32,
        );
        let words = ocr::with_ocr(&settings.lang, |o| {
            o.read(&img, settings, (ppm * 25.4) as u32)
        })?;
        Ok(value_of(kind, &words))
    };
    let mut looks: Vec<Reading> = Vec::with_capacity(3);
    for factor in [1.0, 1.45, 2.1] {
        let reading = look(ppm * factor, settings)?;
        if reading.confidence < give_up_below {
            return Ok(Reading {
                confidence: held(reading.confidence, threshold),
                ..reading
            });
        }
        let sure = reading.confidence >= threshold;
        looks.push(reading);
        if sure {
            break;
        }
    }
    if confirm && looks.len() == 1 {
        looks.push(look(ppm * 0.8, settings)?);
    }
    let best = looks
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.confidence.total_cmp(&b.1.confidence))
        .map_or(0, |(i, _)| i);
    let Reading { value, confidence } = looks[best].clone();
    tracing::trace!(?looks, "looks");
    let disputed = looks.iter().any(|r| r.value.is_some() && r.value != value);
    let agreeing = looks
        .iter()
        .filter(|r| r.value == value)
        .map(|r| r.confidence)
        .fold(confidence, f64::max);
    // Ink cut by the box's edge, or a stroke just beside it on the line
    // (the page placed a little off: a glyph half or wholly outside) is a
    // value that may be missing a part: never sure.
    let run = (ppm * 0.3).max(3.0) as u32;
    let beside = |x: f64| BoxMm {
        x,
        y: b.y + b.h * 0.2,
        w: BESIDE_MM,
        h: b.h * 0.6,
    };
    let cut = alone
        && (ink_at_edge(&crop(page, t, b, ppm), run)
            || [beside(b.x - BESIDE_MM), beside(b.x + b.w)]
                .iter()
                .any(|&s| stroke_across(&crop(page, t, s, ppm), run)));
    let confidence = if disputed || cut {
        held(confidence, threshold)
    } else {
        agreeing
    };
    Ok(Reading { value, confidence })
}

/// A confidence kept under `threshold`: the value is shown, never trusted.
fn held(confidence: f64, threshold: f64) -> f64 {
    confidence.min(threshold - 0.01).max(0.0)
}

/// Pixels per millimetre (5: 127 dpi) under which a Latin text's i and l
/// cannot be told apart (a 100-dpi photo read `Semariya` as `Semarlya`,
/// twice, at 0.83–0.86).
const LOW_RES_PX_PER_MM: f64 = 5.0;

/// A first look under this confidence in a field's first script found
/// nothing it knows: its second script is tried next (a Devanagari name
/// read in Latin capitals comes out at 0.0–0.15; a Latin one at 0.9).
const OTHER_SCRIPT_BELOW: f64 = 0.25;

/// How far beside a box its line is looked at for strokes of a value
/// that runs past it (labels are further off).
const BESIDE_MM: f64 = 2.5;

/// The longest run of dark pixels along `points` of the cut-out.
fn longest_dark_run(img: &GrayImage, points: impl Iterator<Item = (u32, u32)>) -> u32 {
    let (mut best, mut now) = (0, 0);
    for (x, y) in points {
        now = if img.get_pixel(x, y).0[0] < 100 {
            now + 1
        } else {
            0
        };
        best = best.max(now);
    }
    best
}

/// Whether a column of the cut-out holds a run of at least `run` dark
/// pixels: a glyph's stroke, not specks of noise.
fn stroke_across(img: &GrayImage, run: u32) -> bool {
    let (w, h) = img.dimensions();
    (0..w).any(|x| longest_dark_run(img, (0..h).map(|y| (x, y))) >= run)
}

/// Whether a stroke crosses the cut-out's edge: a run of at least `run`
/// dark pixels along its first or last row or column (lone specks of
/// noise are shorter).
fn ink_at_edge(img: &GrayImage, run: u32) -> bool {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return false;
    }
    [0, h - 1]
        .iter()
        .any(|&y| longest_dark_run(img, (0..w).map(|x| (x, y))) >= run)
        || [0, w - 1]
            .iter()
            .any(|&x| longest_dark_run(img, (0..h).map(|y| (x, y))) >= run)
}

/// What a box holds and how sure a reading of it must be.
#[derive(Clone, Copy)]
struct HowToRead<'a> {
    kind: FieldKind,
    settings: &'a OcrSettings,
    threshold: f64,
    /// Take a second look even when the first is sure, and trust only agreement.
    confirm: bool,
    /// The box is alone on its line (a field, not a grid's cell): ink
    /// across its edge or just beside it is part of its value, cut off.
    alone: bool,
    /// Stop after the first look when it is under this confidence: the
    /// value is likely in another script (the field's second language),
    /// which is tried before larger looks in this one.
    give_up_below: f64,
}

/// The image cut to the columns that hold ink, keeping `margin` pixels each
/// side; a box with no ink comes back whole.
fn trim_to_ink(img: &GrayImage, margin: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let raw = img.as_raw();
    // A column holds ink when at least two of its pixels are dark: lone
    // speckles of a noisy scan do not count.
    let inked = |x: u32| {
        (0..h)
            .filter(|&y| raw[(y * w + x) as usize] < 100)
            .nth(1)
            .is_some()
    };
    let Some(first) = (0..w).find(|&x| inked(x)) else {
        return img.clone();
    };
    let last = (0..w).rev().find(|&x| inked(x)).unwrap_or(first);
    let x0 = first.saturating_sub(margin);
    let x1 = (last + margin + 1).min(w);
    image::imageops::crop_imm(img, x0, 0, x1 - x0, h).to_image()
}

/// The image with a white margin: Tesseract reads glyphs that touch the edge badly.
fn pad(img: &GrayImage, margin: u32) -> GrayImage {
    let mut out = GrayImage::from_pixel(
        img.width() + 2 * margin,
        img.height() + 2 * margin,
        image::Luma([255]),
    );
    image::imageops::replace(&mut out, img, i64::from(margin), i64::from(margin));
    out
}

fn parse_count(s: &str) -> Option<u64> {
    (!s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())?
}

/// Cuts a model box out of the page through the transform, at `ppm` pixels
/// per millimetre, so the cut-out is upright whatever the page's rotation.
pub fn crop(page: &GrayImage, t: &Transform, b: BoxMm, ppm: f64) -> GrayImage {
    let w = (b.w * ppm).round().max(1.0) as u32;
    let h = (b.h * ppm).round().max(1.0) as u32;
    let (pw, ph) = (page.width() as i64, page.height() as i64);
    let src = page.as_raw();
    let mut out = Vec::with_capacity((w * h) as usize);
    let step = 1.0 / ppm;
    // Along a row the map is stepped linearly between exact points: one
    // step for an affine map, every SEGMENT pixels for a photo's
    // perspective (a grid row spans the page: its middle would drift by
    // millimetres between exact ends).
    let segment = if t.is_affine() { w } else { SEGMENT.min(w) };
    for j in 0..h {
        let v = b.y + (f64::from(j) + 0.5) * step;
        let mut i0 = 0;
        while i0 < w {
            let n = segment.min(w - i0);
            let (mut x, mut y) = t.apply(b.x + (f64::from(i0) + 0.5) * step, v);
            let (x_end, y_end) = t.apply(b.x + (f64::from(i0 + n) + 0.5) * step, v);
            let (dxu, dyu) = ((x_end - x) / f64::from(n), (y_end - y) / f64::from(n));
            // Pixel centres sit at +0.5.
            x -= 0.5;
            y -= 0.5;
            for _ in 0..n {
                // `floor` and `round` are library calls on the baseline
                // x86-64 target (over a third of this loop's time in a
                // profile): the casts below do the same here (`floor`
                // shifts the coordinate positive first; the value rounded
                // is never negative).
                let (xi, yi) = (floor(x), floor(y));
                let (fx, fy) = (x - xi as f64, y - yi as f64);
                let px = |xx: i64, yy: i64| -> f64 {
                    if xx < 0 || yy < 0 || xx >= pw || yy >= ph {
                        255.0
                    } else {
                        f64::from(src[(yy * pw + xx) as usize])
                    }
                };
                let top = px(xi, yi) * (1.0 - fx) + px(xi + 1, yi) * fx;
                let bottom = px(xi, yi + 1) * (1.0 - fx) + px(xi + 1, yi + 1) * fx;
                out.push((top * (1.0 - fy) + bottom * fy + 0.5) as u8);
                x += dxu;
                y += dyu;
            }
            i0 += n;
        }
    }
    GrayImage::from_raw(w, h, out).unwrap_or_default()
}

/// Pixels a cut-out steps linearly through a projective map between exact
/// points (a millimetre or two: the drift within one is a hundredth of a
/// pixel).
const SEGMENT: u32 = 32;

/// `v.floor()` for a pixel coordinate: exact within ±2^20 of the page
/// (further off, it is outside the page whichever way it rounds).
fn floor(v: f64) -> i64 {
    const SHIFT: f64 = 1_048_576.0;
    ((v + SHIFT) as i64) - SHIFT as i64
}

/// A cell as read: its figure (if any), confidence, and the values it may
/// be, likeliest first, when the digit reader looked at it (its figure
/// first where Tesseract was unsure, Tesseract's where it was sure).
#[derive(Debug, Clone, Default)]
struct Cell {
    value: Option<u64>,
    confidence: f64,
    candidates: Vec<u64>,
}

/// The values each figure the digit reader looked at may be, for the
/// cross-checks to try: by field name, row and column (a row field's
/// figures, and a single figure, are row 0).
type Candidates = BTreeMap<String, Vec<Vec<Vec<u64>>>>;

/// Reads the round sheet's grid a row at a time: each word goes to the cell
/// its centre falls in, and a cell Tesseract is unsure of (or that holds two
/// words or none) is read again alone, and by the digit reader.
fn read_grid(
    page: &GrayImage,
    t: &Transform,
    f: &Field,
    layout: &GridLayout,
    payload: &Payload,
    fields: &mut Fields,
    candidates: &mut Candidates,
) -> Result<()> {
    let (Some(rows), Some(cols)) = (
        payload.get_usize(&layout.rows_key),
        payload.get_usize(&layout.cols_key),
    ) else {
        return Ok(());
    };
    if rows == 0 || cols == 0 || rows > 200 || cols > 400 {
        return Ok(());
    }
    let geo = GridGeometry::new(f.area, layout, rows, cols);
    let nl = layout.label_cols.len();
    let mut labels: Vec<Vec<Cell>> = Vec::with_capacity(rows);
    let mut votes: Vec<Vec<Cell>> = Vec::with_capacity(rows);
    let mut summary: Vec<Vec<Cell>> = Vec::with_capacity(1 + geo.given);
    for r in 0..rows + 1 + geo.given {
        let mut row = read_grid_row(page, t, f, layout, &geo, r)?;
        if r >= rows {
            summary.push(row);
        } else {
            let cand = row.split_off(nl);
            labels.push(row);
            votes.push(cand);
        }
    }
    let mut summary = summary.into_iter();
    let mut totals = summary.next().unwrap_or_default();
    reread_columns(page, t, layout, &geo, f.threshold, &mut votes, &mut totals);
    let row_of = |cells: &[Cell]| RowReading {
        value: cells.iter().map(|c| c.value).collect(),
        confidence: cells.iter().map(|c| c.confidence).collect(),
    };
    let others_of =
        |cells: &[Cell]| -> Vec<Vec<u64>> { cells.iter().map(|c| c.candidates.clone()).collect() };
    fields.insert(
        f.name.clone(),
        FieldReading::Grid(GridReading {
            value: votes
                .iter()
                .map(|r| r.iter().map(|c| c.value).collect())
                .collect(),
            confidence: votes
                .iter()
                .map(|r| r.iter().map(|c| c.confidence).collect())
                .collect(),
        }),
    );
    candidates.insert(f.name.clone(), votes.iter().map(|r| others_of(r)).collect());
    fields.insert(
        layout.totals_name.clone(),
        FieldReading::Row(row_of(&totals)),
    );
    candidates.insert(layout.totals_name.clone(), vec![others_of(&totals)]);
    for (given, cells) in layout.given_rows.iter().zip(summary) {
        fields.insert(given.name.clone(), FieldReading::Row(row_of(&cells)));
    }
    for (k, name) in layout.label_names.iter().enumerate() {
        let col: Vec<Cell> = labels.iter().map(|row| row[k].clone()).collect();
        fields.insert(name.clone(), FieldReading::Row(row_of(&col)));
        candidates.insert(name.clone(), vec![others_of(&col)]);
    }
    Ok(())
}

/// When the QR digest does not match what was read, the digit reader also
/// looks at the digested figures no total checks: the grid's label columns
/// and the single figures (AC number, round), Tesseract's reading first
/// when it was sure, so the cross-checks may try them.
fn reread_unchecked(
    page: &GrayImage,
    t: &Transform,
    model: &Model,
    payload: &Payload,
    fields: &Fields,
    candidates: &mut Candidates,
) {
    let digested = |name: &str| model.qr().digest.iter().any(|n| n == name);
    for f in &model.fields {
        match (f.kind, &f.grid, fields.get(&f.name)) {
            (FieldKind::Digits, _, Some(FieldReading::One(one)))
                if f.qr_key.is_none() && digested(&f.name) =>
            {
                let g = digits::Glyphs::new(f.font_pt);
                let b = f.area;
                // Printed left-aligned 2 mm inside its box (see `render`).
                let anchor = digits::Anchor::Left {
                    x: b.x + 2.0,
                    baseline: b.y + b.h / 2.0 + f.font_pt * MM_PER_PT * CAP / 2.0,
                };
                let value = one.value.as_ref().and_then(Scalar::as_count);
                let sure = one.confidence >= f.threshold;
                let found = digit_candidates(&g, page, t, anchor, SINGLE_PLACES, value, sure);
                tracing::trace!(field = %f.name, ?value, candidates = ?found, "digit reader, digest off");
                candidates.insert(f.name.clone(), vec![vec![found]]);
            }
            (FieldKind::Grid, Some(layout), _) => {
                let (Some(rows), Some(cols)) = (
                    payload.get_usize(&layout.rows_key),
                    payload.get_usize(&layout.cols_key),
                ) else {
                    continue;
                };
                let geo = GridGeometry::new(f.area, layout, rows, cols);
                let mut glyphs: Option<digits::Glyphs> = None;
                for (k, name) in layout.label_names.iter().enumerate() {
                    let Some(FieldReading::Row(row)) = fields.get(name) else {
                        continue;
                    };
                    let mut column = candidates
                        .remove(name)
                        .and_then(|rows| rows.into_iter().next())
                        .unwrap_or_default();
                    column.resize(row.value.len(), Vec::new());
                    for (r, found) in column.iter_mut().enumerate() {
                        if !found.is_empty() {
                            continue;
                        }
                        let (anchor, size) = figure_anchor(layout, &geo, r, k);
                        let g = glyphs.get_or_insert_with(|| digits::Glyphs::new(size));
                        let sure = row.confidence.get(r).is_some_and(|&c| c >= f.threshold);
                        *found =
                            digit_candidates(g, page, t, anchor, geo.digits(r), row.value[r], sure);
                    }
                    candidates.insert(name.clone(), vec![column]);
                }
            }
            _ => {}
        }
    }
}

/// Digits a single figure is looked for in (a constituency's number, a
/// round, a revision: three at most; room to spare).
const SINGLE_PLACES: usize = 5;

/// A column whose figures do not add up to its total holds a misread that
/// Tesseract was sure of (a 14 read as 4 at 100 dpi): the digit reader
/// looks at its sure figures too, so the cross-checks may try them.
fn reread_columns(
    page: &GrayImage,
    t: &Transform,
    layout: &GridLayout,
    geo: &GridGeometry,
    threshold: f64,
    votes: &mut [Vec<Cell>],
    totals: &mut [Cell],
) {
    let nl = layout.label_cols.len();
    let mut glyphs: [Option<digits::Glyphs>; 2] = [None, None];
    #[allow(clippy::needless_range_loop)] // `c` is a column of every row and of the totals
    for c in 0..totals.len() {
        let sum: Option<u64> = votes
            .iter()
            .map(|row| row.get(c).and_then(|x| x.value))
            .sum();
        if sum.is_some() && sum == totals[c].value {
            continue;
        }
        let rows = votes.len();
        let cells = votes
            .iter_mut()
            .enumerate()
            .filter_map(|(r, row)| row.get_mut(c).map(|x| (r, nl + c, x)))
            .chain(std::iter::once((rows, c, &mut totals[c])));
        for (r, i, cell) in cells {
            if cell.confidence < threshold || !cell.candidates.is_empty() {
                continue;
            }
            let (anchor, size) = figure_anchor(layout, geo, r, i);
            let g = glyphs[usize::from(r == rows)].get_or_insert_with(|| digits::Glyphs::new(size));
            cell.candidates = digit_candidates(g, page, t, anchor, geo.digits(r), cell.value, true);
            tracing::trace!(row = r, cell = i, value = ?cell.value, candidates = ?cell.candidates, "digit reader, column off");
        }
    }
}

/// Where the figure of cell `i` of row `r` is printed (numbered as
/// `read_grid_row` does: label cells first, except in the summary rows):
/// right-aligned 0.4 mm inside its cell (see `render`), at this size.
fn figure_anchor(
    layout: &GridLayout,
    geo: &GridGeometry,
    r: usize,
    i: usize,
) -> (digits::Anchor, f64) {
    let nl = if r >= geo.rows {
        0
    } else {
        layout.label_cols.len()
    };
    let cell = if i < nl {
        geo.label_cell(r, i)
    } else {
        geo.cell(r, i - nl)
    };
    let size = geo.font_pt(layout, geo.digits(r));
    let anchor = digits::Anchor::Right {
        x: cell.x + cell.w - 0.4,
        baseline: cell.y + cell.h / 2.0 + size * MM_PER_PT * CAP / 2.0,
    };
    (anchor, size)
}

/// Row `r` of the grid (the totals row when `r` is the number of rows,
/// then the given rows): the label cells, then the candidates' figures.
fn read_grid_row(
    page: &GrayImage,
    t: &Transform,
    f: &Field,
    layout: &GridLayout,
    geo: &GridGeometry,
    r: usize,
) -> Result<Vec<Cell>> {
    let is_totals = r >= geo.rows;
    let size = geo.font_pt(layout, geo.digits(r));
    let ppm = (TARGET_CAP_PX / (size * MM_PER_PT * CAP)).clamp(6.0, 30.0);
    // Every column's left edge, in millimetres from the row's start.
    let start = if is_totals { geo.cands_x() } else { geo.area.x };
    let mut edges: Vec<f64> = Vec::new();
    if !is_totals {
        for k in 0..layout.label_cols.len() {
            edges.push(geo.label_cell(r, k).x - start);
        }
    }
    for c in 0..geo.cols {
        edges.push(geo.cell(r, c).x - start);
    }
    let span = BoxMm {
        x: start,
        y: geo.row_y(r),
        w: geo.right() - start,
        h: geo.row_h,
    };
    let img = crop(page, t, span, ppm);
    let words = ocr::with_ocr(&f.ocr.lang, |o| o.read(&img, &f.ocr, (ppm * 25.4) as u32))?;
    tracing::trace!(row = r, words = ?words.iter().map(|w| (&w.text, w.conf, w.left)).collect::<Vec<_>>(), "grid row");
    // Each word goes to the cell its centre falls in (Tesseract's word
    // boxes can swallow the gap before them, so extents are not used).
    let right = |i: usize| edges.get(i + 1).copied().unwrap_or(span.w);
    let mut cells: Vec<Vec<&ocr::Word>> = vec![Vec::new(); edges.len()];
    for w in &words {
        let centre = (f64::from(w.left) + f64::from(w.width) / 2.0) / ppm;
        let idx = edges.iter().rposition(|&e| e <= centre).unwrap_or(0);
        cells[idx].push(w);
    }
    // The digit reader, drawn at this row's size once it is needed.
    let mut glyphs: Option<digits::Glyphs> = None;
    let mut row: Vec<Cell> = Vec::with_capacity(edges.len());
    for (i, found) in cells.iter().enumerate() {
        if let [word] = found.as_slice() {
            let r = value_of(FieldKind::Digits, std::slice::from_ref(*word));
            if let Some(n) = r.sure(f.threshold).and_then(Scalar::as_count) {
                row.push(Cell {
                    value: Some(n),
                    confidence: r.confidence,
                    candidates: Vec::new(),
                });
                continue;
            }
        }
        // Unsure, merged or missing: read this cell alone.
        let b = BoxMm {
            x: start + edges[i],
            y: span.y,
            w: right(i) - edges[i],
            h: span.h,
        };
        let how = HowToRead {
            kind: FieldKind::Digits,
            settings: &f.ocr,
            threshold: f.threshold,
            confirm: false,
            alone: false,
            give_up_below: 0.0,
        };
        let read = read_value(page, t, b.inset(0.2), ppm, &how)?;
        let value = read.value.as_ref().and_then(Scalar::as_count);
        let mut candidates = Vec::new();
        if read.confidence < f.threshold {
            let (anchor, _) = figure_anchor(layout, geo, r, i);
            let g = glyphs.get_or_insert_with(|| digits::Glyphs::new(size));
            candidates = digit_candidates(g, page, t, anchor, geo.digits(r), value, false);
            tracing::trace!(row = r, cell = i, ?value, ?candidates, "digit reader");
        }
        // Where Tesseract is unsure, the digit reader's figure is the
        // likelier one (on 100-dpi stress pages it was right 2 to 10 times
        // as often); a figure they disagree on is in doubt.
        let (value, confidence) = match candidates.first() {
            Some(&first) if value != Some(first) => (Some(first), read.confidence.min(DOUBT)),
            _ => (value, read.confidence),
        };
        row.push(Cell {
            value,
            confidence,
            candidates,
        });
    }
    Ok(row)
}

/// What the digit reader makes of a figure, with Tesseract's `value`
/// first when it was `sure`, else after the reader's first choice; nothing
/// when Tesseract was sure and the reader agrees.
fn digit_candidates(
    g: &digits::Glyphs,
    page: &GrayImage,
    t: &Transform,
    anchor: digits::Anchor,
    places: usize,
    value: Option<u64>,
    sure: bool,
) -> Vec<u64> {
    let Some(fig) = g.read(page, t, anchor, places) else {
        return value.into_iter().collect();
    };
    // Both readers agree on a figure Tesseract was sure of: no choices to
    // try (each one multiplies what the digest search must walk through).
    if sure && value == Some(fig.value) {
        return Vec::new();
    }
    let mut out: Vec<u64> = if sure {
        value.into_iter().chain([fig.value]).collect()
    } else {
        std::iter::once(fig.value).chain(value).collect()
    };
    out.extend(fig.others);
    // A leading 1 is the stroke both readers lose first (a thin bar a
    // pixel wide at 100–150 dpi): the first figure with a 1 before it.
    if let Some(&first) = out.first() {
        let len = first.checked_ilog10().unwrap_or(0) + 1;
        if (len as usize) < places {
            out.push(10u64.pow(len) + first);
        }
    }
    let mut seen = Vec::with_capacity(out.len());
    out.retain(|v| {
        let new = !seen.contains(v);
        seen.push(*v);
        new
    });
    out
}

fn digest_matches(model: &Model, d: &str, fields: &Fields) -> bool {
    let values: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), v.value_json()))
        .collect();
    payload::digest_of(&model.qr().digest, &values).is_some_and(|mine| mine == d)
}

/// Confirms or puts in doubt what was read. A matching QR digest proves every
/// digested field (confidence 1). When it does not match, a grid whose
/// columns each lack at most one sure figure is completed from the printed
/// totals, and kept only if the digest then matches: a value changes only
/// when the digest proves the change. Failing that, a grid column whose
/// figures do not add up to its printed total has every figure of it put in
/// doubt, and so has everything else the digest covers.
fn cross_check(model: &Model, payload: &Payload, fields: &mut Fields, candidates: &Candidates) {
    if let Some(d) = payload.get("d") {
        let mut proven = digest_matches(model, d, fields);
        if !proven
            && let Some(repaired) = complete_from_totals(model, fields)
            && digest_matches(model, d, &repaired)
        {
            *fields = repaired;
            proven = true;
        }
        if !proven {
            match choose_from_candidates(model, d, fields, candidates) {
                Some(Chosen::Proven(chosen)) => {
                    *fields = chosen;
                    proven = true;
                }
                Some(Chosen::Likely(likely)) => *fields = likely,
                None => {}
            }
        }
        if proven {
            for name in &model.qr().digest {
                if let Some(r) = fields.get_mut(name) {
                    r.set_confidence(1.0);
                }
            }
            return;
        }
        // The digest failed: something printed was misread. What no other
        // check confirms (single values, the table and PS columns) is put in
        // doubt; grid columns are confirmed by their printed totals below.
        let confirmed_by_totals: Vec<&str> = model
            .fields
            .iter()
            .filter_map(|f| {
                f.grid
                    .as_ref()
                    .map(|g| [f.name.as_str(), g.totals_name.as_str()])
            })
            .flatten()
            .collect();
        for name in &model.qr().digest {
            if !confirmed_by_totals.contains(&name.as_str())
                && let Some(r) = fields.get_mut(name)
            {
                r.cap_confidence(DOUBT);
            }
        }
    }
    for f in &model.fields {
        let Some(layout) = &f.grid else { continue };
        let (Some(FieldReading::Grid(grid)), Some(FieldReading::Row(totals))) =
            (fields.get(&f.name), fields.get(&layout.totals_name))
        else {
            continue;
        };
        let doubtful: Vec<usize> = (0..totals.value.len())
            .filter(|&c| {
                let sum: Option<u64> = grid.value.iter().map(|r| r.get(c).copied().flatten()).sum();
                sum.is_none() || sum != totals.value[c]
            })
            .collect();
        if let Some(FieldReading::Grid(grid)) = fields.get_mut(&f.name) {
            for row in &mut grid.confidence {
                for &c in &doubtful {
                    if let Some(cell) = row.get_mut(c) {
                        *cell = cell.min(DOUBT);
                    }
                }
            }
        }
        if let Some(FieldReading::Row(totals)) = fields.get_mut(&layout.totals_name) {
            for &c in &doubtful {
                if let Some(cell) = totals.confidence.get_mut(c) {
                    *cell = cell.min(DOUBT);
                }
            }
        }
    }
}

/// Tries what the unsure figures of the grid and its label columns may be
/// (`candidates`), likeliest first, keeping only columns that add up to
/// their totals, until the QR digest `d` matches: the fields so proven.
/// Failing that, the columns whose likeliest way adds up as read, their
/// figures in doubt: values that are likelier right, never trusted.
fn choose_from_candidates(
    model: &Model,
    d: &str,
    fields: &Fields,
    candidates: &Candidates,
) -> Option<Chosen> {
    let (f, layout) = model
        .fields
        .iter()
        .find_map(|f| f.grid.as_ref().map(|g| (f, g)))?;
    let (Some(FieldReading::Grid(grid)), Some(FieldReading::Row(totals))) =
        (fields.get(&f.name), fields.get(&layout.totals_name))
    else {
        return None;
    };
    // One figure's choices: its value when sure, else what it may be.
    // (A sure figure that was read again has its own value first.)
    let choices = |v: Option<u64>, c: f64, others: Option<&Vec<u64>>| -> search::Choices {
        match v {
            Some(v) if c >= f.threshold && others.is_none_or(Vec::is_empty) => {
                search::Choices::sure(v)
            }
            _ => {
                let mut out: Vec<u64> = others.cloned().unwrap_or_default();
                if let Some(v) = v
                    && !out.contains(&v)
                {
                    out.push(v);
                }
                out.truncate(4);
                search::Choices::unsure(out)
            }
        }
    };
    let cand = |name: &str, r: usize, c: usize| {
        candidates
            .get(name)
            .and_then(|rows| rows.get(r))
            .and_then(|row| row.get(c))
    };
    let cols = totals.value.len();
    let mut ways: Vec<Vec<search::Way>> = Vec::with_capacity(cols);
    for c in 0..cols {
        let figures: Vec<search::Choices> = (0..grid.value.len())
            .map(|r| {
                choices(
                    grid.value[r].get(c).copied().flatten(),
                    grid.confidence[r].get(c).copied().unwrap_or(0.0),
                    cand(&f.name, r, c),
                )
            })
            .collect();
        let total = choices(
            totals.value[c],
            totals.confidence.get(c).copied().unwrap_or(0.0),
            cand(&layout.totals_name, 0, c),
        );
        // (A column with no way at all leaves nothing for the digest.)
        let column = search::ways_to_add_up(&figures, &total);
        tracing::trace!(c, ways = ?column.iter().map(|w| (w.figures.clone(), w.total)).collect::<Vec<_>>(), "column ways");
        ways.push(column);
    }
    // The other digested figures that may be something else: the label
    // columns' (no total checks them) and single figures (the AC number,
    // the round), each with its choices.
    let count = |r: &Reading| r.value.as_ref().and_then(Scalar::as_count);
    let mut others: Vec<(&str, Option<usize>, search::Choices)> = Vec::new();
    for name in &model.qr().digest {
        match fields.get(name) {
            Some(FieldReading::Row(row)) if layout.label_names.contains(name) => {
                for r in 0..row.value.len() {
                    let conf = row.confidence.get(r).copied().unwrap_or(0.0);
                    others.push((name, Some(r), choices(row.value[r], conf, cand(name, 0, r))));
                }
            }
            Some(FieldReading::One(one)) if candidates.contains_key(name) => {
                others.push((
                    name,
                    None,
                    choices(count(one), one.confidence, cand(name, 0, 0)),
                ));
            }
            _ => {}
        }
    }
    others.retain(|(_, _, ch)| ch.values.len() > 1);
    tracing::trace!(others = ?others, "other choices");
    let mut lens: Vec<usize> = ways.iter().map(Vec::len).collect();
    lens.extend(others.iter().map(|(_, _, ch)| ch.values.len()));
    // The fields with the choices `picked`: a way for each column, then a
    // choice for each other figure (confidence is the caller's: the digest
    // proves a choice or it is dropped).
    let with = |picked: &[usize]| -> Fields {
        let mut out = fields.clone();
        let (columns, rest) = picked.split_at(cols);
        if let Some(FieldReading::Grid(g)) = out.get_mut(&f.name) {
            for (c, &w) in columns.iter().enumerate() {
                for (r, &v) in ways[c][w].figures.iter().enumerate() {
                    g.value[r][c] = Some(v);
                }
            }
        }
        if let Some(FieldReading::Row(t)) = out.get_mut(&layout.totals_name) {
            for (c, &w) in columns.iter().enumerate() {
                t.value[c] = Some(ways[c][w].total);
            }
        }
        for (&i, (name, at, ch)) in rest.iter().zip(&others) {
            let v = ch.values[i];
            match (out.get_mut(*name), at) {
                (Some(FieldReading::Row(row)), Some(r)) => row.value[*r] = Some(v),
                (Some(FieldReading::One(one)), None) => one.value = Some(Scalar::from(v)),
                _ => {}
            }
        }
        out
    };
    let mut tries = 0;
    let mut proven: Option<Fields> = None;
    for rank in 0..=search::MAX_RANK {
        search::with_rank(&lens, rank, &mut |picked| {
            if proven.is_some() || tries >= MAX_DIGEST_TRIES {
                return;
            }
            tries += 1;
            let chosen = with(picked);
            if digest_matches(model, d, &chosen) {
                proven = Some(chosen);
            }
        });
    }
    tracing::debug!(
        tries,
        proven = proven.is_some(),
        "candidates tried against the digest"
    );
    if let Some(p) = proven {
        return Some(Chosen::Proven(p));
    }
    // No proof: a column whose likeliest way adds up to its total as read
    // (nothing worked out) takes it, and the whole column is put in doubt,
    // changed or not: with the reader's figures in it, adding up is no
    // check of the figures Tesseract was sure of (leaving unchanged columns
    // sure kept a 0 read as 8 at 0.93 on the 400-page stress set). The
    // label columns and single figures stay as Tesseract read them.
    let mut out = fields.clone();
    let adding_up: Vec<(usize, &search::Way)> = ways
        .iter()
        .enumerate()
        .filter_map(|(c, w)| w.first().filter(|w| !w.derived).map(|w| (c, w)))
        .collect();
    let mut changed = false;
    if let Some(FieldReading::Grid(g)) = out.get_mut(&f.name) {
        for &(c, way) in &adding_up {
            for (r, &v) in way.figures.iter().enumerate() {
                changed |= g.value[r][c] != Some(v);
                g.value[r][c] = Some(v);
                g.confidence[r][c] = g.confidence[r][c].min(DOUBT);
            }
        }
    }
    if let Some(FieldReading::Row(t)) = out.get_mut(&layout.totals_name) {
        for &(c, way) in &adding_up {
            changed |= t.value[c] != Some(way.total);
            t.value[c] = Some(way.total);
            t.confidence[c] = t.confidence[c].min(DOUBT);
        }
    }
    changed.then_some(Chosen::Likely(out))
}

/// What the candidates gave: fields the digest proves, or only columns
/// that add up.
enum Chosen {
    Proven(Fields),
    Likely(Fields),
}

/// At most this many choices of a page's unsure figures are checked
/// against its digest (each a SHA-256 of the digested fields).
const MAX_DIGEST_TRIES: usize = 4096;

/// The grid with each column's one unsure figure (or unsure total) worked
/// out from the others; `None` when some column has two or more.
#[allow(clippy::needless_range_loop)] // `c` is a column of every row, not an index into one list
fn complete_from_totals(model: &Model, fields: &Fields) -> Option<Fields> {
    let f = model.fields.iter().find(|f| f.grid.is_some())?;
    let layout = f.grid.as_ref()?;
    let (Some(FieldReading::Grid(grid)), Some(FieldReading::Row(totals))) =
        (fields.get(&f.name), fields.get(&layout.totals_name))
    else {
        return None;
    };
    let mut rows = grid.value.clone();
    let mut sums = totals.value.clone();
    let sure =
        |v: Option<u64>, c: Option<&f64>| v.is_some() && c.is_some_and(|c| *c >= f.threshold);
    let mut changed = false;
    for c in 0..sums.len() {
        let unsure_rows: Vec<usize> = (0..rows.len())
            .filter(|&r| !sure(rows[r].get(c).copied().flatten(), grid.confidence[r].get(c)))
            .collect();
        let total_sure = sure(sums[c], totals.confidence.get(c));
        let figure = |row: &Vec<Option<u64>>| row.get(c).copied().flatten().unwrap_or(0);
        match (unsure_rows.as_slice(), total_sure) {
            ([], true) => {}
            ([], false) => {
                sums[c] = Some(rows.iter().map(figure).sum());
                changed = true;
            }
            ([r], true) => {
                let others: u64 = rows
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i != r)
                    .map(|(_, row)| figure(row))
                    .sum();
                let cell = rows[*r].get_mut(c)?;
                *cell = Some(sums[c]?.checked_sub(others)?);
                changed = true;
            }
            _ => return None,
        }
    }
    if !changed {
        return None;
    }
    let mut out = fields.clone();
    out.insert(
        f.name.clone(),
        FieldReading::Grid(GridReading {
            value: rows,
            confidence: grid.confidence.clone(),
        }),
    );
    out.insert(
        layout.totals_name.clone(),
        FieldReading::Row(RowReading {
            value: sums,
            confidence: totals.confidence.clone(),
        }),
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_agrees_with_the_library_around_the_page() {
        for v in [
            -1200.3, -2.0, -1.5, -0.25, 0.0, 0.25, 1.0, 1.999, 7015.5, 40_000.0,
        ] {
            assert_eq!(floor(v), v.floor() as i64, "{v}");
        }
    }
}
