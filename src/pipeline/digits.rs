//! A second reader for the figures Scrutiny prints itself: DejaVu Sans
//! digits, all one advance wide, set at a size and place the model gives.
//! Where Tesseract is unsure (figures a few pixels tall, noise, blur), each
//! digit's place is compared with the ten glyphs drawn at the same scale
//! (analysis by synthesis), over small shifts of the whole figure. What it
//! reads is never trusted on its own: it offers candidates that a printed
//! total or the QR digest must prove (see `docs/design.md`, "Reading").

use ab_glyph::{Font, point};
use image::GrayImage;

use super::clean::{MIN_CONTRAST, percentile};
use super::extract::crop;
use super::locate::Transform;
use crate::forms::BoxMm;
use crate::render::font;

const MM_PER_PT: f64 = 25.4 / 72.0;
/// Top of the digits above the baseline and their bottom below it, as a
/// share of the em (DejaVu Sans digits: 0.729 high, round ones overshoot).
const ASCENT_EM: f64 = 0.76;
const DESCENT_EM: f64 = 0.03;
/// Room around each digit's place, in pixels, for the shifts searched.
const PAD_PX: f64 = 1.0;
/// The shifts of the whole figure searched (millimetres, each way):
/// COARSE steps of STEP_MM, then FINE fractions of a step around the best.
const COARSE: [f64; 7] = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0];
const STEP_MM: f64 = 0.04;
const FINE: [f64; 5] = [-0.5, -0.25, 0.0, 0.25, 0.5];
/// Resolution the digits are compared at (pixels per millimetre), whatever
/// the page's: finer than the page is better (measured 6, 8, 10, 12, 16 on
/// 100-dpi stress pages: 6 read 51 % of figures right, 16 read 83 %).
const PPM: f64 = 16.0;

/// Where a figure is printed: its baseline, and the edge it is aligned to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Anchor {
    /// Right-aligned: the figure ends at `x` (grid cells).
    Right { x: f64, baseline: f64 },
    /// Left-aligned: the figure starts at `x` (single fields).
    Left { x: f64, baseline: f64 },
}

/// The ten digits drawn at one size and resolution.
pub struct Glyphs {
    ppm: f64,
    /// One digit's advance, in millimetres.
    adv_mm: f64,
    ascent_mm: f64,
    w: usize,
    h: usize,
    /// Ink coverage 0..1 of each digit, row by row, smoothed as the
    /// cut-outs are.
    ink: [Vec<f32>; 10],
}

/// A figure as this reader saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub value: u64,
    /// Other values, nearest first: the best reading with one digit
    /// changed to its runner-up.
    pub others: Vec<u64>,
}

impl Glyphs {
    /// The digits at `size_pt`, compared at PPM.
    pub fn new(size_pt: f64) -> Glyphs {
        let ppm = PPM;
        let em_mm = size_pt * MM_PER_PT;
        let f = font::font();
        let upm = f.units_per_em().unwrap_or(2048.0);
        let adv_mm = f64::from(f.h_advance_unscaled(f.glyph_id('0'))) / f64::from(upm) * em_mm;
        let (ascent_mm, descent_mm) = (ASCENT_EM * em_mm, DESCENT_EM * em_mm);
        let w = ((adv_mm * ppm) + 2.0 * PAD_PX).ceil() as usize;
        let h = (((ascent_mm + descent_mm) * ppm) + 2.0 * PAD_PX).ceil() as usize;
        let px_per_em = em_mm * ppm;
        let scale =
            ab_glyph::PxScale::from((px_per_em * f64::from(f.height_unscaled() / upm)) as f32);
        let ink = std::array::from_fn(|d| {
            let mut canvas = vec![0f32; w * h];
            let c = char::from(b'0' + d as u8);
            let at = point(PAD_PX as f32, (PAD_PX + ascent_mm * ppm) as f32);
            if let Some(outline) = f.outline_glyph(f.glyph_id(c).with_scale_and_position(scale, at))
            {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, cov| {
                    let (x, y) = (
                        b.min.x as i64 + i64::from(gx),
                        b.min.y as i64 + i64::from(gy),
                    );
                    if (0..w as i64).contains(&x) && (0..h as i64).contains(&y) {
                        canvas[y as usize * w + x as usize] += cov.clamp(0.0, 1.0);
                    }
                });
            }
            smooth(&canvas, w, h)
        });
        Glyphs {
            ppm,
            adv_mm,
            ascent_mm,
            w,
            h,
            ink,
        }
    }

    /// The box of digit place `p` (0 is the first from the anchored edge),
    /// shifted by `(dx, dy)` pixels.
    fn place(&self, anchor: Anchor, p: usize, dx: f64, dy: f64) -> BoxMm {
        let pad = PAD_PX / self.ppm;
        let (x, baseline) = match anchor {
            Anchor::Right { x, baseline } => (x - (p + 1) as f64 * self.adv_mm, baseline),
            Anchor::Left { x, baseline } => (x + p as f64 * self.adv_mm, baseline),
        };
        BoxMm {
            x: x - pad + dx / self.ppm,
            y: baseline - self.ascent_mm - pad + dy / self.ppm,
            w: self.w as f64 / self.ppm,
            h: self.h as f64 / self.ppm,
        }
    }

    /// Reads a figure of 1 to `places` digits printed at `anchor`; `None`
    /// when there is no ink to speak of.
    pub fn read(
        &self,
        page: &GrayImage,
        t: &Transform,
        anchor: Anchor,
        places: usize,
    ) -> Option<Figure> {
        let places = places.clamp(1, 12);
        // Paper and ink levels over the whole figure's span.
        let first = self.place(anchor, 0, 0.0, 0.0);
        let last = self.place(anchor, places - 1, 0.0, 0.0);
        let x0 = first.x.min(last.x) - 3.0 / self.ppm;
        let x1 = (first.x + first.w).max(last.x + last.w) + 3.0 / self.ppm;
        let span = BoxMm {
            x: x0,
            y: first.y - 3.0 / self.ppm,
            w: x1 - x0,
            h: first.h + 6.0 / self.ppm,
        };
        let (paper, ink) = levels(&crop(page, t, span, self.ppm))?;
        let looked = |dx: f64, dy: f64| -> Vec<[f64; 11]> {
            (0..places)
                .map(|p| {
                    let img = crop(page, t, self.place(anchor, p, dx, dy), self.ppm);
                    let seen = smooth(&coverage(&img, paper, ink), self.w, self.h);
                    let mut cost = [0f64; 11];
                    for (d, c) in cost.iter_mut().enumerate() {
                        *c = match self.ink.get(d) {
                            Some(g) => fitted_ssd(&seen, g),
                            None => seen.iter().map(|&s| f64::from(s * s)).sum(),
                        };
                    }
                    cost
                })
                .collect()
        };
        // The best so far: total cost, digits, costs by place, shift.
        type Best = Option<(f64, usize, Vec<[f64; 11]>, (f64, f64))>;
        let mut best: Best = None;
        let consider = |dx: f64, dy: f64, best: &mut Best| {
            let costs = looked(dx, dy);
            let (total, n) = best_length(&costs);
            if best.as_ref().is_none_or(|b| total < b.0) {
                *best = Some((total, n, costs, (dx, dy)));
            }
        };
        let step = STEP_MM * self.ppm;
        for &dy in &COARSE.map(|k| k * step) {
            for &dx in &COARSE.map(|k| k * step) {
                consider(dx, dy, &mut best);
            }
        }
        let (cx, cy) = best.as_ref().map_or((0.0, 0.0), |b| b.3);
        for &fy in &FINE {
            for &fx in &FINE {
                if fx != 0.0 || fy != 0.0 {
                    consider(cx + fx * step, cy + fy * step, &mut best);
                }
            }
        }
        let (_, n, costs, _) = best?;
        Some(figure(&costs, n, anchor))
    }
}

/// The best number of digits for these costs (digit places from the
/// anchored edge; the rest blank) and its total cost.
fn best_length(costs: &[[f64; 11]]) -> (f64, usize) {
    let blank: Vec<f64> = costs.iter().map(|c| c[10]).collect();
    (1..=costs.len())
        .map(|n| {
            let digits: f64 = costs[..n].iter().map(min_digit).sum();
            let blanks: f64 = blank[n..].iter().sum();
            (digits + blanks, n)
        })
        .fold((f64::MAX, 1), |a, b| if b.0 < a.0 { b } else { a })
}

fn min_digit(c: &[f64; 11]) -> f64 {
    c[..10].iter().copied().fold(f64::MAX, f64::min)
}

/// The figure of `n` digits these costs read, with its near alternatives.
fn figure(costs: &[[f64; 11]], n: usize, anchor: Anchor) -> Figure {
    // Digits in reading order (left to right).
    let order: Vec<usize> = match anchor {
        Anchor::Right { .. } => (0..n).rev().collect(),
        Anchor::Left { .. } => (0..n).collect(),
    };
    let ranked: Vec<Vec<(f64, u64)>> = order
        .iter()
        .map(|&p| {
            let mut r: Vec<(f64, u64)> = (0..10).map(|d| (costs[p][d], d as u64)).collect();
            r.sort_by(|a, b| a.0.total_cmp(&b.0));
            r
        })
        .collect();
    let number = |digits: &[u64]| digits.iter().fold(0u64, |v, d| v * 10 + d);
    let best: Vec<u64> = ranked.iter().map(|r| r[0].1).collect();
    let mut others: Vec<(f64, u64)> = ranked
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut alt = best.clone();
            alt[i] = r[1].1;
            (r[1].0 - r[0].0, number(&alt))
        })
        .collect();
    others.sort_by(|a, b| a.0.total_cmp(&b.0));
    Figure {
        value: number(&best),
        others: others.into_iter().map(|(_, v)| v).collect(),
    }
}

/// Paper and ink grey levels of a cut-out (its bright and dark ends);
/// `None` when it holds too little contrast to be ink.
fn levels(img: &GrayImage) -> Option<(f32, f32)> {
    let mut hist = [0u64; 256];
    for &p in img.as_raw() {
        hist[usize::from(p)] += 1;
    }
    let (ink, paper) = (percentile(&hist, 0.03), percentile(&hist, 0.75));
    (paper - ink >= MIN_CONTRAST).then_some((paper as f32, ink as f32))
}

/// Ink coverage 0..1 of each pixel, between the paper and ink levels.
fn coverage(img: &GrayImage, paper: f32, ink: f32) -> Vec<f32> {
    let span = paper - ink;
    img.as_raw()
        .iter()
        .map(|&p| ((paper - f32::from(p)) / span).clamp(0.0, 1.0))
        .collect()
}

/// A 3 × 3 binomial blur (edges repeated): takes the edge off noise and
/// off the difference between drawn and scanned glyphs.
fn smooth(v: &[f32], w: usize, h: usize) -> Vec<f32> {
    if v.len() != w * h || w == 0 || h == 0 {
        return v.to_vec();
    }
    let at = |x: usize, y: usize| v[y * w + x];
    let mut rows = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let l = at(x.saturating_sub(1), y);
            let r = at((x + 1).min(w - 1), y);
            rows[y * w + x] = (l + 2.0 * at(x, y) + r) / 4.0;
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            let u = rows[y.saturating_sub(1) * w + x];
            let d = rows[(y + 1).min(h - 1) * w + x];
            out[y * w + x] = (u + 2.0 * rows[y * w + x] + d) / 4.0;
        }
    }
    out
}

/// How far a glyph's ink is from what was seen, with the glyph's strength
/// fitted (within GAIN): thin strokes at low resolution come out paler
/// than the levels of the figure's thickest ink, and a pale 1 is still a 1.
fn fitted_ssd(seen: &[f32], glyph: &[f32]) -> f64 {
    let (mut st, mut tt, mut ss) = (0f64, 0f64, 0f64);
    for (&s, &t) in seen.iter().zip(glyph) {
        let (s, t) = (f64::from(s), f64::from(t));
        st += s * t;
        tt += t * t;
        ss += s * s;
    }
    if tt == 0.0 {
        return ss;
    }
    let a = (st / tt).clamp(GAIN.0, GAIN.1);
    ss - 2.0 * a * st + a * a * tt
}

/// The strengths a glyph's ink is fitted within.
const GAIN: (f64, f64) = (0.5, 3.0);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::drawing::{Align, Drawing};
    use crate::render::raster;

    /// Figures drawn as we print them, at `dpi`, shifted by a fraction of
    /// a millimetre the reader does not know of, with every seventh pixel
    /// flipped (salt and pepper).
    fn page(figures: &[(f64, &str, Align)], size: f64, dpi: f64, noise: bool) -> GrayImage {
        let mut d = Drawing::new(80.0, 20.0);
        for &(x, text, align) in figures {
            d.text(x + 0.2, 10.0 + 0.15, size, text, align);
        }
        let mut img = raster::rasterize(&d, dpi);
        if noise {
            let mut state = 12345u32;
            for p in img.pixels_mut() {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                match (state >> 16) % 29 {
                    0 => p.0[0] = 0,
                    1 => p.0[0] = 255,
                    _ => {}
                }
            }
        }
        img
    }

    fn scale(dpi: f64) -> Transform {
        let ppm = dpi / 25.4;
        Transform::affine([ppm, 0.0, 0.0, 0.0, ppm, 0.0])
    }

    #[test]
    fn reads_small_printed_figures_both_ways_aligned() {
        for (dpi, noise) in [(100.0, false), (100.0, true), (150.0, true), (300.0, false)] {
            let img = page(
                &[
                    (30.0, "4071", Align::Right),
                    (60.0, "8", Align::Right),
                    (62.0, "593", Align::Left),
                ],
                7.0,
                dpi,
                noise,
            );
            let g = Glyphs::new(7.0);
            let t = scale(dpi);
            let read = |a: Anchor, n: usize| g.read(&img, &t, a, n).map(|f| f.value);
            assert_eq!(
                read(
                    Anchor::Right {
                        x: 30.0,
                        baseline: 10.0
                    },
                    5
                ),
                Some(4071),
                "{dpi} {noise}"
            );
            assert_eq!(
                read(
                    Anchor::Right {
                        x: 60.0,
                        baseline: 10.0
                    },
                    4
                ),
                Some(8),
                "{dpi} {noise}"
            );
            assert_eq!(
                read(
                    Anchor::Left {
                        x: 62.0,
                        baseline: 10.0
                    },
                    5
                ),
                Some(593),
                "{dpi} {noise}"
            );
        }
    }

    #[test]
    fn blank_paper_is_no_figure_and_runners_up_differ_by_one_digit() {
        let img = page(&[(30.0, "27", Align::Right)], 8.0, 150.0, false);
        let g = Glyphs::new(8.0);
        let t = scale(150.0);
        assert_eq!(
            g.read(
                &img,
                &t,
                Anchor::Right {
                    x: 70.0,
                    baseline: 10.0
                },
                4
            ),
            None
        );
        let f = g
            .read(
                &img,
                &t,
                Anchor::Right {
                    x: 30.0,
                    baseline: 10.0,
                },
                4,
            )
            .unwrap();
        assert_eq!(f.value, 27);
        assert_eq!(f.others.len(), 2);
        for o in f.others {
            let (a, b) = (format!("{o:02}"), "27");
            assert_eq!(
                a.chars().zip(b.chars()).filter(|(x, y)| x != y).count(),
                1,
                "{o}"
            );
        }
    }
}
