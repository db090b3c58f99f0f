//! Debug pictures: what each stage saw, drawn on the page, so "why was this
//! misread?" is answered by looking (`extract --debug DIR`).
//!
//! The stages tell a [`Trace`] what they found as they go; a trace made
//! with [`Trace::off`] records nothing and costs nothing. [`pictures`] then
//! draws one picture per stage the page reached, even when a stage failed:
//! - `clean`: the page after contrast stretching;
//! - `qr`: where the QR code was looked for (yellow), the codes found (blue:
//!   one of ours, orange: a foreign code), or nothing;
//! - `locate`: the model's page outline through the fitted transform (blue)
//!   and each registration mark: where it was expected (orange) and found
//!   (green cross);
//! - `read`: every box, green when read at or above its threshold, red
//!   under it (flagged), grey when nothing could be read.
//!
//! Only written when asked for; never part of a reading.

use image::{GrayImage, Rgb, RgbImage};

use super::locate::Transform;
use super::qr::{QrHit, Region};
use super::reading::{FieldReading, PageReading};
use crate::forms::grid::GridGeometry;
use crate::forms::{BoxMm, FieldKind, Model, ModelSet};

const BLUE: Rgb<u8> = Rgb([30, 90, 230]);
const GREEN: Rgb<u8> = Rgb([20, 170, 60]);
const RED: Rgb<u8> = Rgb([220, 30, 30]);
const GREY: Rgb<u8> = Rgb([150, 150, 150]);
const YELLOW: Rgb<u8> = Rgb([230, 190, 0]);
const ORANGE: Rgb<u8> = Rgb([240, 120, 0]);

/// What the stages of one page found, in the order they ran.
#[derive(Debug, Default)]
pub struct Trace {
    on: bool,
    clean: Option<GrayImage>,
    regions: Vec<Region>,
    hits: Vec<(QrHit, bool)>,
    located: Option<Located>,
    read: Option<(Model, PageReading)>,
}

/// A registration mark: where the QR fit predicted it (page pixels) and
/// where it was found, if it was.
pub type MarkSeen = ((f64, f64), Option<(f64, f64)>);

#[derive(Debug)]
struct Located {
    model: Model,
    transform: Transform,
    marks: Vec<MarkSeen>,
}

impl Trace {
    /// A trace that keeps what the stages report.
    pub fn on() -> Trace {
        Trace {
            on: true,
            ..Trace::default()
        }
    }

    /// A trace that keeps nothing (the normal case).
    pub fn off() -> Trace {
        Trace::default()
    }

    /// Whether anything is kept.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// The clean stage's page.
    pub fn cleaned(&mut self, page: &GrayImage) {
        if self.on {
            self.clean = Some(page.clone());
        }
    }

    /// The QR stage: where it looked first, and every code it found.
    pub fn qr(&mut self, models: &ModelSet, looked: &[Region], hits: &[QrHit]) {
        if self.on {
            self.regions = looked.to_vec();
            self.hits = hits
                .iter()
                .map(|h| {
                    let ours = models.identify(&h.text).is_some();
                    (h.clone(), ours)
                })
                .collect();
        }
    }

    /// The locate stage: the fitted transform and the marks.
    pub fn located(&mut self, model: &Model, transform: Transform, marks: Vec<MarkSeen>) {
        if self.on {
            self.located = Some(Located {
                model: model.clone(),
                transform,
                marks,
            });
        }
    }

    /// The read stage: every value read.
    pub fn read(&mut self, model: &Model, reading: &PageReading) {
        if self.on {
            self.read = Some((model.clone(), reading.clone()));
        }
    }
}

/// One picture per stage the page reached, named by stage (`clean`, `qr`,
/// `locate`, `read`); empty for a trace that was off.
pub fn pictures(trace: &Trace) -> Vec<(&'static str, RgbImage)> {
    let Some(page) = &trace.clean else {
        return vec![];
    };
    let mut out = vec![("clean", colour(page))];
    let mut qr = colour(page);
    for r in &trace.regions {
        rectangle(&mut qr, *r, YELLOW);
    }
    for (hit, ours) in &trace.hits {
        polygon(&mut qr, &hit.corners, if *ours { BLUE } else { ORANGE });
    }
    out.push(("qr", qr));
    if let Some(l) = &trace.located {
        let mut img = colour(page);
        let [w, h] = l.model.page;
        outline(
            &mut img,
            &l.transform,
            BoxMm {
                x: 0.0,
                y: 0.0,
                w,
                h,
            },
            BLUE,
        );
        for q in &l.model.qrs {
            let qbox = BoxMm {
                x: q.x,
                y: q.y,
                w: q.size,
                h: q.size,
            };
            outline(&mut img, &l.transform, qbox, BLUE);
        }
        let r = l.model.mark_size * l.transform.px_per_mm();
        for (expected, found) in &l.marks {
            let (x, y) = *expected;
            rectangle_f(&mut img, (x - r, y - r), (x + r, y + r), ORANGE);
            if let Some((fx, fy)) = found {
                line(&mut img, (fx - r, *fy), (fx + r, *fy), GREEN);
                line(&mut img, (*fx, fy - r), (*fx, fy + r), GREEN);
            }
        }
        out.push(("locate", img));
    }
    if let Some((model, reading)) = &trace.read {
        out.push(("read", boxes(page, model, reading)));
    }
    out
}

fn colour(page: &GrayImage) -> RgbImage {
    RgbImage::from_fn(page.width(), page.height(), |x, y| {
        let v = page.get_pixel(x, y).0[0];
        Rgb([v, v, v])
    })
}

/// The page with the model's QR box (blue) and every field box coloured by
/// how surely it was read.
fn boxes(page: &GrayImage, model: &Model, reading: &PageReading) -> RgbImage {
    let mut out = colour(page);
    let Some(t) = &reading.transform else {
        return out;
    };
    for q in &model.qrs {
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
    }
    let payload = reading.payload();
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
                let c = reading.mark(&f.name).map(|m| m.confidence);
                outline(&mut out, t, f.area, colour(c));
            }
            FieldKind::Digits | FieldKind::Text | FieldKind::Ident => {
                let c = reading.field(&f.name).map(|r| r.confidence);
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
                let grid = reading.grid(&f.name);
                let totals = match reading.fields.get(&layout.totals_name) {
                    Some(FieldReading::Row(r)) => Some(r),
                    _ => None,
                };
                for r in 0..rows {
                    for c in 0..cols {
                        let conf = grid.and_then(|g| g.cell(r, c)).map(|x| x.confidence);
                        outline(&mut out, t, geo.cell(r, c).inset(0.3), colour(conf));
                    }
                }
                for c in 0..cols {
                    let conf = totals.and_then(|row| row.cell(c)).map(|x| x.confidence);
                    outline(&mut out, t, geo.cell(rows, c).inset(0.3), colour(conf));
                }
                for (i, given) in layout.given_rows.iter().enumerate() {
                    let row = reading.row(&given.name);
                    for c in 0..cols {
                        let conf = row.and_then(|row| row.cell(c)).map(|x| x.confidence);
                        outline(
                            &mut out,
                            t,
                            geo.cell(rows + 1 + i, c).inset(0.3),
                            colour(conf),
                        );
                    }
                }
            }
        }
    }
    out
}

/// Draws a model box's outline through the transform (so it follows skew and rotation).
fn outline(img: &mut RgbImage, t: &Transform, b: BoxMm, colour: Rgb<u8>) {
    let corners = [
        (b.x, b.y),
        (b.x + b.w, b.y),
        (b.x + b.w, b.y + b.h),
        (b.x, b.y + b.h),
    ]
    .map(|(u, v)| t.apply(u, v));
    polygon(img, &corners, colour);
}

fn polygon(img: &mut RgbImage, corners: &[(f64, f64)], colour: Rgb<u8>) {
    for i in 0..corners.len() {
        line(img, corners[i], corners[(i + 1) % corners.len()], colour);
    }
}

fn rectangle(img: &mut RgbImage, r: Region, colour: Rgb<u8>) {
    let (x0, y0) = (f64::from(r.x), f64::from(r.y));
    rectangle_f(
        img,
        (x0, y0),
        (x0 + f64::from(r.w), y0 + f64::from(r.h)),
        colour,
    );
}

fn rectangle_f(img: &mut RgbImage, a: (f64, f64), b: (f64, f64), colour: Rgb<u8>) {
    polygon(img, &[a, (b.0, a.1), b, (a.0, b.1)], colour);
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
