//! Locating a page: the transform from the model's millimetres to the
//! scan's pixels, from the QR code's corners, refined by the registration
//! marks. It handles any rotation (pages fed sideways or upside down), skew,
//! offset and scale, and with four marks found the perspective of a photo
//! taken at an angle. It reads no values.

use image::GrayImage;

use super::debug::Trace;
use super::qr::QrHit;
use crate::forms::{BoxMm, Model, QrSpec};

/// A model point (mm) and where it was found on the page (pixels).
pub type PointPair = ((f64, f64), (f64, f64));

/// The map from model millimetres (u, v) to page pixels (x, y): a
/// projective one (a phone photo's perspective) of which an affine one (a
/// scanner's rotation, skew, offset and scale) is the case `m[6] = m[7] =
/// 0`. Stored and shown as its eight coefficients (six, as older readings
/// stored an affine map, are read as that).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct Transform {
    /// x = (m[0]·u + m[1]·v + m[2]) / w; y = (m[3]·u + m[4]·v + m[5]) / w;
    /// w = m[6]·u + m[7]·v + 1
    pub m: [f64; 8],
}

impl<'de> serde::Deserialize<'de> for Transform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<f64>::deserialize(d)?;
        match v[..] {
            [a, b, c, e, f, g] => Ok(Transform::affine([a, b, c, e, f, g])),
            [a, b, c, e, f, g, h, i] => Ok(Transform {
                m: [a, b, c, e, f, g, h, i],
            }),
            _ => Err(serde::de::Error::invalid_length(
                v.len(),
                &"six or eight coefficients",
            )),
        }
    }
}

/// How many filled marks (besides the QR code's corners) a projective fit
/// needs: three, with the code's four corners standing for the fourth, fix
/// its perspective (a photo framed tight loses a corner's mark); fewer
/// leave it to guess.
const MARKS_FOR_PERSPECTIVE: usize = 3;

/// How many anchors a projective fit needs when a ruled frame's corners
/// are among them: four. A corner is found from its rules, less surely
/// than a filled mark's centre (three and the code bent an angled photo's
/// fit enough to put a right serial under its threshold).
const ANCHORS_FOR_PERSPECTIVE: usize = 4;

impl Transform {
    /// The affine map x = a·u + b·v + c, y = d·u + e·v + f.
    pub fn affine(m: [f64; 6]) -> Transform {
        Transform {
            m: [m[0], m[1], m[2], m[3], m[4], m[5], 0.0, 0.0],
        }
    }

    /// Where model point (u, v) lies on the page.
    pub fn apply(&self, u: f64, v: f64) -> (f64, f64) {
        let m = &self.m;
        let w = m[6] * u + m[7] * v + 1.0;
        (
            (m[0] * u + m[1] * v + m[2]) / w,
            (m[3] * u + m[4] * v + m[5]) / w,
        )
    }

    /// Whether the map is affine (no perspective): straight lines keep
    /// their spacing.
    pub fn is_affine(&self) -> bool {
        self.m[6] == 0.0 && self.m[7] == 0.0
    }

    /// Pixels per millimetre near the model's origin (for a projective
    /// map it varies a little over the page).
    pub fn px_per_mm(&self) -> f64 {
        let m = &self.m;
        let (x, y) = (m[2], m[5]);
        let (a, b) = (m[0] - x * m[6], m[1] - x * m[7]);
        let (c, d) = (m[3] - y * m[6], m[4] - y * m[7]);
        (a * d - b * c).abs().sqrt()
    }

    /// The least-squares affine map of at least three point pairs.
    pub fn fit(pairs: &[PointPair]) -> Option<Transform> {
        if pairs.len() < 3 {
            return None;
        }
        let mut ata = [[0.0f64; 3]; 3];
        let mut atx = [0.0f64; 3];
        let mut aty = [0.0f64; 3];
        for &((u, v), (x, y)) in pairs {
            let r = [u, v, 1.0];
            for i in 0..3 {
                for j in 0..3 {
                    ata[i][j] += r[i] * r[j];
                }
                atx[i] += r[i] * x;
                aty[i] += r[i] * y;
            }
        }
        let px = solve(ata, atx)?;
        let py = solve(ata, aty)?;
        Some(Transform::affine([
            px[0], px[1], px[2], py[0], py[1], py[2],
        ]))
    }

    /// The least-squares projective map of at least four point pairs (the
    /// linear equations of x·w = … and y·w = …, in coordinates centred and
    /// scaled for a well-conditioned solve).
    pub fn fit_projective(pairs: &[PointPair]) -> Option<Transform> {
        if pairs.len() < 4 {
            return None;
        }
        let n = pairs.len() as f64;
        let (mu, mv, mx, my) = pairs
            .iter()
            .fold((0.0, 0.0, 0.0, 0.0), |a, &((u, v), (x, y))| {
                (a.0 + u / n, a.1 + v / n, a.2 + x / n, a.3 + y / n)
            });
        let spread = |f: &dyn Fn(&PointPair) -> f64| {
            (pairs.iter().map(|p| f(p).powi(2)).sum::<f64>() / n)
                .sqrt()
                .max(1e-9)
        };
        let su = spread(&|p| ((p.0.0 - mu).powi(2) + (p.0.1 - mv).powi(2)).sqrt());
        let sx = spread(&|p| ((p.1.0 - mx).powi(2) + (p.1.1 - my).powi(2)).sqrt());
        let mut ata = [[0.0f64; 8]; 8];
        let mut atb = [0.0f64; 8];
        for &((u, v), (x, y)) in pairs {
            let (u, v) = ((u - mu) / su, (v - mv) / su);
            let (x, y) = ((x - mx) / sx, (y - my) / sx);
            for (row, b) in [
                ([u, v, 1.0, 0.0, 0.0, 0.0, -x * u, -x * v], x),
                ([0.0, 0.0, 0.0, u, v, 1.0, -y * u, -y * v], y),
            ] {
                for i in 0..8 {
                    for j in 0..8 {
                        ata[i][j] += row[i] * row[j];
                    }
                    atb[i] += row[i] * b;
                }
            }
        }
        let h = solve(ata, atb)?;
        // Undo the normalisation: H = T_x⁻¹ · H' · T_u.
        let t_u = [
            [1.0 / su, 0.0, -mu / su],
            [0.0, 1.0 / su, -mv / su],
            [0.0, 0.0, 1.0],
        ];
        let t_x_inv = [[sx, 0.0, mx], [0.0, sx, my], [0.0, 0.0, 1.0]];
        let hn = [[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], 1.0]];
        let full = mul(&mul(&t_x_inv, &hn), &t_u);
        let k = full[2][2];
        if k.abs() < 1e-12 {
            return None;
        }
        Some(Transform {
            m: [
                full[0][0] / k,
                full[0][1] / k,
                full[0][2] / k,
                full[1][0] / k,
                full[1][1] / k,
                full[1][2] / k,
                full[2][0] / k,
                full[2][1] / k,
            ],
        })
    }
}

fn mul(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut out = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            out[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    out
}

/// Solves a small linear system by Gaussian elimination with partial
/// pivoting; None when it is singular.
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for col in 0..N {
        let pivot = (col..N).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (pivot_row, pivot_b) = (a[col], b[col]);
        for row in col + 1..N {
            let f = a[row][col] / pivot_row[col];
            for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[row] -= f * pivot_b;
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let s: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// What `locate` found: the transform and how many marks confirmed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub transform: Transform,
    pub marks_found: usize,
}

/// The model points of a QR code's corners (the spec's place) paired with
/// where the code was found on the page.
pub fn qr_pairs(spec: &QrSpec, qr: &QrHit) -> Vec<PointPair> {
    // rqrr's corners sit at module coordinates 0 and n + 1.
    let n = qr.modules as f64;
    let span = (n + 1.0) * spec.size / n;
    let (qx, qy) = (spec.x, spec.y);
    [
        (qx, qy),
        (qx + span, qy),
        (qx + span, qy + span),
        (qx, qy + span),
    ]
    .into_iter()
    .zip(qr.corners.iter().copied())
    .collect()
}

/// Fits the model onto the page from its QR codes found (`codes`: which of
/// the model's codes, and the hit), then refines the fit with every
/// registration mark found near where they predict it. Two codes fix the
/// page on their own; a model without marks is placed from its codes.
pub fn locate(
    model: &Model,
    codes: &[(usize, &QrHit)],
    page: &GrayImage,
    trace: &mut Trace,
) -> Option<Location> {
    let pairs: Vec<PointPair> = codes
        .iter()
        .filter_map(|&(i, hit)| Some(qr_pairs(model.qrs.get(i)?, hit)))
        .flatten()
        .collect();
    let (first_spec, _) = *codes.first()?;
    let spec = model.qrs.get(first_spec)?;
    let (qx, qy, span) = (spec.x, spec.y, spec.size);
    let first = Transform::fit(&pairs)?;
    let s = model.mark_size;
    let centres: Vec<(f64, f64)> = model
        .marks
        .iter()
        .map(|m| (m[0] + s / 2.0, m[1] + s / 2.0))
        .collect();
    let mut found: Vec<Option<(f64, f64)>> = centres
        .iter()
        .map(|&c| find_mark(page, &first, c, s))
        .collect();
    // A ruled frame's corners are anchors of the same kind as marks
    // (after them in the lists).
    let n_marks = centres.len();
    let (centres, mut found) = match &model.frame {
        Some(frame) => {
            let corners = frame_corners(frame);
            let mut all = centres;
            all.extend(corners);
            found.extend(
                corners
                    .iter()
                    .map(|&c| find_frame_corner(page, &first, frame, c, 4.0)),
            );
            (all, found)
        }
        None => (centres, found),
    };
    // A mark the QR code's fit missed (a photo's perspective carries the
    // prediction far off at the page's other end) is looked for again,
    // wider, from the fit of what is found so far, nearest the QR first.
    let mut missing: Vec<usize> = (0..centres.len()).filter(|&i| found[i].is_none()).collect();
    let qr_centre = (qx + span / 2.0, qy + span / 2.0);
    missing.sort_by(|&a, &b| {
        let d = |i: usize| (centres[i].0 - qr_centre.0).hypot(centres[i].1 - qr_centre.1);
        d(a).total_cmp(&d(b))
    });
    let reach = model.page[0].hypot(model.page[1]) * 0.12;
    for i in missing {
        let now = best_fit(&pairs, &centres, &found, n_marks).unwrap_or(first);
        found[i] = match &model.frame {
            Some(frame) if i >= n_marks => find_frame_corner(page, &now, frame, centres[i], 12.0),
            _ => find_mark_wide(page, &now, centres[i], s, reach),
        };
    }
    let marks_found = found.iter().flatten().count();
    let seen = centres
        .iter()
        .zip(&found)
        .map(|(&c, &f)| (first.apply(c.0, c.1), f))
        .collect();
    let transform = best_fit(&pairs, &centres, &found, n_marks).unwrap_or(first);
    tracing::debug!(
        misses_px = ?centres
            .iter()
            .zip(&found)
            .map(|(&c, f)| f.map(|f| miss(&transform, &(c, f)).round()))
            .collect::<Vec<_>>(),
        "anchors against the fit"
    );
    trace.located(model, transform, seen);
    Some(Location {
        transform,
        marks_found,
    })
}

/// The fit of the QR code's corners and the marks found: projective once
/// enough marks fix the perspective (and the fit is plausible), affine
/// otherwise.
fn best_fit(
    qr_pairs: &[PointPair],
    centres: &[(f64, f64)],
    found: &[Option<(f64, f64)>],
    n_marks: usize,
) -> Option<Transform> {
    let mut pairs = qr_pairs.to_vec();
    pairs.extend(
        centres
            .iter()
            .zip(found)
            .filter_map(|(&c, f)| f.map(|f| (c, f))),
    );
    let marks = pairs.len() - qr_pairs.len();
    let affine = Transform::fit(&pairs)?;
    // Projective only where the page needs it: a flat scan's affine fit
    // already meets every mark, and a mark found a little off (cut by the
    // page's edge, say) must not bend the whole page.
    let worst = |t: &Transform| pairs.iter().map(|p| miss(t, p)).fold(0.0f64, f64::max);
    let filled = found.iter().take(n_marks).flatten().count();
    if (filled >= MARKS_FOR_PERSPECTIVE || marks >= ANCHORS_FOR_PERSPECTIVE)
        && worst(&affine) > 0.5 * affine.px_per_mm()
        && let Some(t) = Transform::fit_projective(&pairs)
            .filter(|t| plausible(t, &pairs) && worst(t) < worst(&affine) / 2.0)
    {
        return Some(t);
    }
    Some(affine)
}

/// How far (pixels) `t` puts a pair's model point from where it was found.
fn miss(t: &Transform, &((u, v), (x, y)): &PointPair) -> f64 {
    let (px, py) = t.apply(u, v);
    (px - x).hypot(py - y)
}

/// Whether a projective fit is one a camera can take: it maps every pair
/// to within a few pixels and keeps the page the same way round.
fn plausible(t: &Transform, pairs: &[PointPair]) -> bool {
    let ppm = t.px_per_mm();
    pairs.iter().all(|p| {
        let ((u, v), _) = *p;
        t.m[6] * u + t.m[7] * v + 1.0 > 0.5 && miss(t, p) < 2.0 * ppm
    })
}

/// A frame's corners: top left, top right, bottom right, bottom left.
fn frame_corners(f: &BoxMm) -> [(f64, f64); 4] {
    [
        (f.x, f.y),
        (f.x + f.w, f.y),
        (f.x + f.w, f.y + f.h),
        (f.x, f.y + f.h),
    ]
}

/// Where a corner of a ruled frame lies on the page: each of its two rules
/// is looked for across its predicted place (within `reach_mm`, in steps
/// of a quarter millimetre, in the model's own directions through `t`, so a
/// turned or photographed page is searched along its rules), as the offset
/// whose line, run along the rule from the corner, is darkest. None unless
/// both rules stand out as ink.
fn find_frame_corner(
    page: &GrayImage,
    t: &Transform,
    frame: &BoxMm,
    corner: (f64, f64),
    reach_mm: f64,
) -> Option<(f64, f64)> {
    let (u0, v0) = corner;
    // The rules run from the corner into the frame.
    let du = if u0 > frame.x + frame.w / 2.0 {
        -1.0
    } else {
        1.0
    };
    let dv = if v0 > frame.y + frame.h / 2.0 {
        -1.0
    } else {
        1.0
    };
    let len = (frame.w.min(frame.h) / 3.0).clamp(3.0, 15.0);
    let ink = |u: f64, v: f64| -> Option<f64> {
        let (x, y) = t.apply(u, v);
        (x >= 0.0 && y >= 0.0 && (x as u32) < page.width() && (y as u32) < page.height())
            .then(|| 1.0 - f64::from(page.get_pixel(x as u32, y as u32).0[0]) / 255.0)
    };
    // The darkest line across offsets; `along` maps (offset, run) to (u, v).
    let best_offset = |along: &dyn Fn(f64, f64) -> (f64, f64)| -> Option<f64> {
        let mut scores = Vec::new();
        let steps = (reach_mm * 4.0) as i32;
        for k in -steps..=steps {
            let off = f64::from(k) * 0.25;
            let samples: Vec<f64> = (1..=40)
                .filter_map(|i| {
                    let (u, v) = along(off, len * f64::from(i) / 40.0);
                    ink(u, v)
                })
                .collect();
            if samples.len() < 30 {
                return None;
            }
            scores.push((off, samples.iter().sum::<f64>() / samples.len() as f64));
        }
        let (off, top) = scores.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1))?;
        let mut all: Vec<f64> = scores.iter().map(|s| s.1).collect();
        all.sort_by(f64::total_cmp);
        let median = all[all.len() / 2];
        (top > 0.45 && top - median > 0.3).then_some(off)
    };
    // The vertical rule: offsets across u, run down v; and the other way.
    let x_off = best_offset(&|off, run| (u0 + off, v0 + dv * run))?;
    let y_off = best_offset(&|off, run| (u0 + du * run, v0 + off))?;
    Some(t.apply(u0 + x_off, v0 + y_off))
}

/// The centre of the filled square nearest its predicted place within
/// `reach_mm`: a connected patch of ink about a mark's size, square and
/// mostly filled (text, rules and signatures are thinner; the QR code's
/// finder patterns are hollow).
fn find_mark_wide(
    page: &GrayImage,
    t: &Transform,
    centre: (f64, f64),
    size_mm: f64,
    reach_mm: f64,
) -> Option<(f64, f64)> {
    let ppm = t.px_per_mm();
    let (px, py) = t.apply(centre.0, centre.1);
    let r = reach_mm.max(size_mm * 3.0) * ppm;
    let (x0, y0) = ((px - r).max(0.0) as u32, (py - r).max(0.0) as u32);
    let x1 = ((px + r).max(0.0) as u32).min(page.width());
    let y1 = ((py + r).max(0.0) as u32).min(page.height());
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let dark = |x: usize, y: usize| page.get_pixel(x0 + x as u32, y0 + y as u32).0[0] < 110;
    let mut seen = vec![false; w * h];
    let side = size_mm * ppm;
    let mut best: Option<((f64, f64), f64)> = None;
    let mut best_cut: Option<((f64, f64), f64)> = None;
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || !dark(start % w, start / w) {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut n, mut sx, mut sy) = (0usize, 0.0, 0.0);
        let (mut minx, mut maxx, mut miny, mut maxy) = (usize::MAX, 0, usize::MAX, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            n += 1;
            sx += x as f64;
            sy += y as f64;
            (minx, maxx, miny, maxy) = (minx.min(x), maxx.max(x), miny.min(y), maxy.max(y));
            let mut visit = |nx: usize, ny: usize| {
                let j = ny * w + nx;
                if !seen[j] && dark(nx, ny) {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(x - 1, y);
            }
            if x + 1 < w {
                visit(x + 1, y);
            }
            if y > 0 {
                visit(x, y - 1);
            }
            if y + 1 < h {
                visit(x, y + 1);
            }
        }
        let (gx0, gy0) = (x0 as usize + minx, y0 as usize + miny);
        let (gx1, gy1) = (x0 as usize + maxx + 1, y0 as usize + maxy + 1);
        let (bw, bh) = ((maxx - minx + 1) as f64, (maxy - miny + 1) as f64);
        let edges = [
            gx0 == 0,
            gx1 >= page.width() as usize,
            gy0 == 0,
            gy1 >= page.height() as usize,
        ];
        let touched = edges.iter().filter(|&&e| e).count();
        // Whole, square and filled, and clear of the picture's edges (a
        // mark cut short is placed from its sides below, not its mass).
        let square = whole_side(bw, side)
            && whole_side(bh, side)
            && (0.8..1.25).contains(&(bw / bh))
            && filled(n, bw, bh);
        if touched > 0 || !square {
            // Maybe a mark cut by the edge of the paper or of a photo
            // framed tight: placed from the sides it kept.
            let outward = (
                px - f64::from(page.width()) / 2.0,
                py - f64::from(page.height()) / 2.0,
            );
            let cut = (touched <= 1)
                .then(|| cut_mark_centre([gx0, gx1, gy0, gy1], (bw, bh), n, side, outward))
                .flatten();
            if let Some(at) = cut {
                let d = (at.0 - px).hypot(at.1 - py);
                if best_cut.is_none_or(|(_, bd)| d < bd) {
                    best_cut = Some((at, d));
                }
            }
            continue;
        }
        let at = (
            x0 as f64 + sx / n as f64 + 0.5,
            y0 as f64 + sy / n as f64 + 0.5,
        );
        let d = (at.0 - px).hypot(at.1 - py);
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((at, d));
        }
    }
    best.or(best_cut).map(|(at, _)| at)
}

/// Whether a patch's extent is a mark's whole side (pixels).
fn whole_side(len: f64, side: f64) -> bool {
    (0.8..1.4).contains(&(len / side))
}

/// Whether `n` ink pixels fill a patch of `w` × `h` as a mark does.
fn filled(n: usize, w: f64, h: f64) -> bool {
    n as f64 > 0.75 * w * h
}

/// The centre of a mark cut short by an edge (of the picture or of the
/// paper; `bounds`: its pixels' x0, x1, y0, y1): one side must be whole,
/// the other at least a third of a side kept, and the patch filled. The
/// part lost lies `outward` (away from the picture's centre, as marks sit
/// in the page's corners), so the centre is half a side in from the edge
/// kept on the inner side. None for anything else.
fn cut_mark_centre(
    [x0, x1, y0, y1]: [usize; 4],
    (bw, bh): (f64, f64),
    n: usize,
    side: f64,
    outward: (f64, f64),
) -> Option<(f64, f64)> {
    if !filled(n, bw, bh) {
        return None;
    }
    let whole = |len: f64| whole_side(len, side);
    let kept = |len: f64| (0.33..0.9).contains(&(len / side));
    let mid = |a: usize, b: usize| (a + b) as f64 / 2.0;
    let half = side / 2.0;
    if whole(bh) && kept(bw) {
        let x = if outward.0 < 0.0 {
            x1 as f64 - half
        } else {
            x0 as f64 + half
        };
        Some((x, mid(y0, y1)))
    } else if whole(bw) && kept(bh) {
        let y = if outward.1 < 0.0 {
            y1 as f64 - half
        } else {
            y0 as f64 + half
        };
        Some((mid(x0, x1), y))
    } else {
        None
    }
}

/// The centre of a filled square mark near its predicted place, if one is there.
fn find_mark(
    page: &GrayImage,
    t: &Transform,
    centre: (f64, f64),
    size_mm: f64,
) -> Option<(f64, f64)> {
    let ppm = t.px_per_mm();
    let (px, py) = t.apply(centre.0, centre.1);
    let r = (size_mm * 1.4) * ppm;
    let (x0, y0) = ((px - r).max(0.0) as u32, (py - r).max(0.0) as u32);
    let (x1, y1) = (
        ((px + r) as u32).min(page.width()),
        ((py + r) as u32).min(page.height()),
    );
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let (mut n, mut sx, mut sy) = (0u64, 0.0, 0.0);
    let (mut minx, mut maxx, mut miny, mut maxy) = (u32::MAX, 0, u32::MAX, 0);
    for y in y0..y1 {
        for x in x0..x1 {
            if page.get_pixel(x, y).0[0] < 110 {
                n += 1;
                sx += f64::from(x);
                sy += f64::from(y);
                (minx, maxx, miny, maxy) = (minx.min(x), maxx.max(x), miny.min(y), maxy.max(y));
            }
        }
    }
    if n == 0 {
        return None;
    }
    let expected = (size_mm * ppm).powi(2);
    let extent = f64::from((maxx - minx).max(maxy - miny) + 1);
    let fits =
        (n as f64) > expected * 0.6 && (n as f64) < expected * 1.6 && extent < size_mm * ppm * 1.6;
    fits.then(|| (sx / n as f64 + 0.5, sy / n as f64 + 0.5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_a_rotation_and_offset() {
        let truth = Transform::affine([0.0, -8.0, 1700.0, 8.0, 0.0, 40.0]);
        let pts = [(10.0, 10.0), (200.0, 10.0), (10.0, 280.0), (200.0, 280.0)];
        let pairs: Vec<_> = pts
            .iter()
            .map(|&(u, v)| ((u, v), truth.apply(u, v)))
            .collect();
        let fit = Transform::fit(&pairs).unwrap();
        for (a, b) in fit.m.iter().zip(truth.m.iter()) {
            assert!((a - b).abs() < 1e-6, "{fit:?}");
        }
        assert!((fit.px_per_mm() - 8.0).abs() < 1e-9);
        // The projective fit of an affine map is that map.
        let again = Transform::fit_projective(&pairs).unwrap();
        for (a, b) in again.m.iter().zip(truth.m.iter()) {
            assert!((a - b).abs() < 1e-6, "{again:?}");
        }
    }

    #[test]
    fn fit_projective_recovers_a_photo_taken_at_an_angle() {
        // A page photographed tilted: its far edge smaller than its near one.
        let truth = Transform {
            m: [7.5, 0.4, 120.0, -0.2, 7.9, 60.0, -0.0004, 0.0006],
        };
        let pts = [
            (8.0, 8.0),
            (200.0, 8.0),
            (8.0, 287.0),
            (200.0, 287.0),
            (160.0, 20.0),
            (190.0, 20.0),
            (190.0, 50.0),
            (160.0, 50.0),
        ];
        let pairs: Vec<_> = pts
            .iter()
            .map(|&(u, v)| ((u, v), truth.apply(u, v)))
            .collect();
        let fit = Transform::fit_projective(&pairs).unwrap();
        for &(u, v) in &[(100.0, 150.0), (20.0, 270.0), (205.0, 5.0)] {
            let (a, b) = (fit.apply(u, v), truth.apply(u, v));
            assert!(
                (a.0 - b.0).abs() < 1e-3 && (a.1 - b.1).abs() < 1e-3,
                "{a:?} {b:?}"
            );
        }
        assert!(plausible(&fit, &pairs));
        // The affine fit of the same points misses the corners by pixels.
        let affine = Transform::fit(&pairs).unwrap();
        let (a, b) = (affine.apply(200.0, 287.0), truth.apply(200.0, 287.0));
        assert!((a.0 - b.0).abs() + (a.1 - b.1).abs() > 5.0, "{a:?} {b:?}");
    }

    #[test]
    fn a_stored_affine_map_of_six_coefficients_still_reads() {
        let t: Transform = serde_json::from_str("[1, 0, 5, 0, 1, 7]").unwrap();
        assert_eq!(t.apply(1.0, 1.0), (6.0, 8.0));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "[1.0,0.0,5.0,0.0,1.0,7.0,0.0,0.0]"
        );
        assert!(serde_json::from_str::<Transform>("[1, 2]").is_err());
    }

    /// A page of white paper with black rectangles (x0, y0, x1, y1 in
    /// pixels, clipped to the page).
    fn page_with(w: u32, h: u32, rects: &[(i64, i64, i64, i64)]) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            let (x, y) = (i64::from(x), i64::from(y));
            let ink = rects
                .iter()
                .any(|&(x0, y0, x1, y1)| (x0..x1).contains(&x) && (y0..y1).contains(&y));
            image::Luma([if ink { 0 } else { 255 }])
        })
    }

    #[test]
    fn a_mark_cut_by_an_edge_is_placed_from_the_sides_it_kept() {
        // 10 px a millimetre; a 5 mm mark centred at (5, 125) px, whose
        // left 20 px fell outside the picture, and one cut at the bottom.
        let t = Transform::affine([10.0, 0.0, 0.0, 0.0, 10.0, 0.0]);
        let page = page_with(400, 300, &[(-20, 100, 30, 150), (200, 280, 250, 330)]);
        let (x, y) = find_mark_wide(&page, &t, (1.0, 12.0), 5.0, 4.0).expect("left mark");
        assert!((x - 5.0).abs() < 0.6 && (y - 125.0).abs() < 0.6, "{x} {y}");
        let (x, y) = find_mark_wide(&page, &t, (22.0, 30.0), 5.0, 4.0).expect("bottom mark");
        assert!(
            (x - 225.0).abs() < 0.6 && (y - 305.0).abs() < 0.6,
            "{x} {y}"
        );
        // Cut by the paper's edge (white beyond it), away from the page's
        // centre: 20 px kept of a mark centred at (55, 125).
        let page = page_with(400, 300, &[(60, 100, 80, 150)]);
        let (x, y) = find_mark_wide(&page, &t, (5.0, 12.0), 5.0, 4.0).expect("paper-cut mark");
        assert!((x - 55.0).abs() < 0.6 && (y - 125.0).abs() < 0.6, "{x} {y}");
        // A sliver (less than a third of the mark kept) and a rule along
        // the edge are not marks.
        let page = page_with(400, 300, &[(-40, 100, 10, 150), (0, 160, 12, 290)]);
        assert_eq!(find_mark_wide(&page, &t, (1.0, 12.0), 5.0, 4.0), None);
    }
}
