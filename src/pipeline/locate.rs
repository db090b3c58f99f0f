//! Locating a page: the transform from the model's millimetres to the
//! scan's pixels, from the QR code's corners, refined by the registration
//! marks. It handles any rotation (pages fed sideways or upside down), skew,
//! offset and scale. It reads no values.

use image::GrayImage;

use super::debug::Trace;
use super::qr::QrHit;
use crate::forms::Model;

/// A model point (mm) and where it was found on the page (pixels).
pub type PointPair = ((f64, f64), (f64, f64));

/// An affine map from model millimetres (u, v) to page pixels (x, y);
/// stored and shown as its six coefficients.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Affine {
    /// x = m[0]·u + m[1]·v + m[2]; y = m[3]·u + m[4]·v + m[5]
    pub m: [f64; 6],
}

impl Affine {
    /// Pixel position of a model point.
    pub fn apply(&self, u: f64, v: f64) -> (f64, f64) {
        let m = &self.m;
        (m[0] * u + m[1] * v + m[2], m[3] * u + m[4] * v + m[5])
    }

    /// Pixels per millimetre (geometric mean of both axes).
    pub fn px_per_mm(&self) -> f64 {
        (self.m[0] * self.m[4] - self.m[1] * self.m[3]).abs().sqrt()
    }

    /// Least-squares fit from pairs (model point, page point); `None` when
    /// fewer than three points or they are collinear.
    pub fn fit(pairs: &[PointPair]) -> Option<Affine> {
        if pairs.len() < 3 {
            return None;
        }
        // Normal equations for [u v 1]·p = x (and = y).
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
        let px = solve3(ata, atx)?;
        let py = solve3(ata, aty)?;
        Some(Affine {
            m: [px[0], px[1], px[2], py[0], py[1], py[2]],
        })
    }
}

fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&a);
    if d.abs() < 1e-9 {
        return None;
    }
    let mut out = [0.0; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let mut m = a;
        for i in 0..3 {
            m[i][k] = b[i];
        }
        *o = det(&m) / d;
    }
    Some(out)
}

/// What `locate` found: the transform and how many marks confirmed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub transform: Affine,
    pub marks_found: usize,
}

/// Fits the model onto the page from the QR code, then refines the fit with
/// every registration mark found near where the QR code predicts it.
pub fn locate(model: &Model, qr: &QrHit, page: &GrayImage, trace: &mut Trace) -> Option<Location> {
    // rqrr's corners sit at module coordinates 0 and n + 1.
    let n = qr.modules as f64;
    let module = model.qr.size / n;
    let span = (n + 1.0) * module;
    let (qx, qy) = (model.qr.x, model.qr.y);
    let model_corners = [
        (qx, qy),
        (qx + span, qy),
        (qx + span, qy + span),
        (qx, qy + span),
    ];
    let mut pairs: Vec<_> = model_corners
        .iter()
        .copied()
        .zip(qr.corners.iter().copied())
        .collect();
    let first = Affine::fit(&pairs)?;
    let mut marks_found = 0;
    let mut seen = Vec::with_capacity(model.marks.len());
    for m in &model.marks {
        let s = model.mark_size;
        let centre = (m[0] + s / 2.0, m[1] + s / 2.0);
        let found = find_mark(page, &first, centre, s);
        if let Some(found) = found {
            pairs.push((centre, found));
            marks_found += 1;
        }
        seen.push((first.apply(centre.0, centre.1), found));
    }
    let transform = if marks_found > 0 {
        Affine::fit(&pairs).unwrap_or(first)
    } else {
        first
    };
    trace.located(model, transform, seen);
    Some(Location {
        transform,
        marks_found,
    })
}

/// The centre of a filled square mark near its predicted place, if one is there.
fn find_mark(page: &GrayImage, t: &Affine, centre: (f64, f64), size_mm: f64) -> Option<(f64, f64)> {
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
        let truth = Affine {
            m: [0.0, -8.0, 1700.0, 8.0, 0.0, 40.0],
        };
        let pts = [(10.0, 10.0), (200.0, 10.0), (10.0, 280.0), (200.0, 280.0)];
        let pairs: Vec<_> = pts
            .iter()
            .map(|&(u, v)| ((u, v), truth.apply(u, v)))
            .collect();
        let fit = Affine::fit(&pairs).unwrap();
        for (a, b) in fit.m.iter().zip(truth.m.iter()) {
            assert!((a - b).abs() < 1e-6, "{fit:?}");
        }
        assert!((fit.px_per_mm() - 8.0).abs() < 1e-9);
    }
}
