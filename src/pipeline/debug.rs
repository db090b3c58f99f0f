//! Debug pictures: the page with what the stages found drawn on it, so "why
//! was this misread?" is answered by looking. Blue: where the model's QR code
//! landed; green: a box read with confidence at or above its threshold; red:
//! under it (flagged); grey: a box that could not be read. Only written when
//! `extract --debug DIR` asks; never part of a reading.

use image::{GrayImage, Rgb, RgbImage};
use serde_json::Value;

use super::extract::PageReport;
use super::locate::Affine;
use crate::forms::grid::GridGeometry;
use crate::forms::payload::Payload;
use crate::forms::{BoxMm, FieldKind, ModelSet};

const BLUE: Rgb<u8> = Rgb([30, 90, 230]);
const GREEN: Rgb<u8> = Rgb([20, 170, 60]);
const RED: Rgb<u8> = Rgb([220, 30, 30]);
const GREY: Rgb<u8> = Rgb([150, 150, 150]);

/// The page in colour with the model's boxes drawn where `locate` put them.
pub fn picture(page: &GrayImage, models: &ModelSet, report: &PageReport) -> RgbImage {
    let mut out = RgbImage::from_fn(page.width(), page.height(), |x, y| {
        let v = page.get_pixel(x, y).0[0];
        Rgb([v, v, v])
    });
    let (Some(form), Some(t)) = (&report.form, &report.transform) else {
        return out;
    };
    let Ok(model) = models.get(form) else {
        return out;
    };
    let q = &model.qr;
    outline(
        &mut out,
        t,
        BoxMm {
            x: q.x,
            y: q.y,
            w: q.size,
            h: q.size,
        },
        BLUE,
    );
    let payload = report.qr.as_deref().and_then(Payload::parse);
    for f in &model.fields {
        if f.qr_key.is_some() {
            continue;
        }
        let colour = |c: Option<f64>| match c {
            Some(c) if c >= f.threshold => GREEN,
            Some(c) if c > 0.0 => RED,
            _ => GREY,
        };
        match f.kind {
            FieldKind::Ink => {
                let c = report
                    .marks
                    .get(&f.name)
                    .and_then(|m| m["confidence"].as_f64());
                outline(&mut out, t, f.area, colour(c));
            }
            FieldKind::Digits | FieldKind::Text => {
                let c = report
                    .fields
                    .get(&f.name)
                    .and_then(|m| m["confidence"].as_f64());
                outline(&mut out, t, f.area, colour(c));
            }
            FieldKind::Grid => {
                let (Some(layout), Some(p)) = (&f.grid, &payload) else {
                    continue;
                };
                let (Some(rows), Some(cols)) =
                    (p.get_usize(&layout.rows_key), p.get_usize(&layout.cols_key))
                else {
                    continue;
                };
                if rows > 200 || cols > 400 {
                    continue;
                }
                let geo = GridGeometry::new(f.area, layout, rows, cols);
                let conf = |name: &str, r: usize, c: usize| -> Option<f64> {
                    let v: &Value = &report.fields.get(name)?["confidence"];
                    v.get(r).and_then(|row| row.get(c)).and_then(Value::as_f64)
                };
                for r in 0..rows {
                    for c in 0..cols {
                        outline(
                            &mut out,
                            t,
                            geo.cell(r, c).inset(0.3),
                            colour(conf(&f.name, r, c)),
                        );
                    }
                }
                for c in 0..cols {
                    let total = report
                        .fields
                        .get(&layout.totals_name)
                        .and_then(|v| v["confidence"].get(c))
                        .and_then(Value::as_f64);
                    outline(&mut out, t, geo.cell(rows, c).inset(0.3), colour(total));
                }
            }
        }
    }
    out
}

/// Draws a model box's outline through the transform (so it follows skew and rotation).
fn outline(img: &mut RgbImage, t: &Affine, b: BoxMm, colour: Rgb<u8>) {
    let corners = [
        (b.x, b.y),
        (b.x + b.w, b.y),
        (b.x + b.w, b.y + b.h),
        (b.x, b.y + b.h),
    ]
    .map(|(u, v)| t.apply(u, v));
    for i in 0..4 {
        line(img, corners[i], corners[(i + 1) % 4], colour);
    }
}

fn line(img: &mut RgbImage, a: (f64, f64), b: (f64, f64), colour: Rgb<u8>) {
    let steps = (b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil().max(1.0) as usize;
    for i in 0..=steps {
        let s = i as f64 / steps as f64;
        let (x, y) = (a.0 + (b.0 - a.0) * s, a.1 + (b.1 - a.1) * s);
        for (dx, dy) in [(0, 0), (1, 0), (0, 1)] {
            let (px, py) = (x as i64 + dx, y as i64 + dy);
            if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                img.put_pixel(px as u32, py as u32, colour);
            }
        }
    }
}
