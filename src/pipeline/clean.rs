//! Cleaning a page: contrast stretched so paper is white and ink is black,
//! whatever the scanner's exposure. Orientation and skew are not fixed here by
//! rotating pixels: `locate` measures them from the QR code and the
//! registration marks, and `read` samples each box through that transform.

use image::GrayImage;

/// Stretches the grey levels so the darkest ink maps to 0 and the paper to 255.
/// A lone speck does not count there: ink comes in strokes, and specks
/// (impulse noise, dust) would otherwise be the darkest ink and leave a
/// faint page's ink grey (its registration marks then too light to be
/// found; see `docs/design.md`, "A page flows one way").
pub fn normalize(img: &GrayImage) -> GrayImage {
    let hist = stroke_histogram(img);
    // Ink covers a few percent of a form; paper most of it.
    let black = percentile(&hist, 0.005);
    let white = percentile(&hist, 0.70);
    if white - black < MIN_CONTRAST {
        return img.clone();
    }
    let lut: [u8; 256] = std::array::from_fn(|v| {
        (((v as f64 - black) / (white - black)) * 255.0).clamp(0.0, 255.0) as u8
    });
    let out = img.as_raw().iter().map(|&p| lut[usize::from(p)]).collect();
    GrayImage::from_raw(img.width(), img.height(), out).unwrap_or_else(|| img.clone())
}

/// How many pixels of each grey level, a lone speck (SPECK darker than
/// all four of its neighbours) counted as the darkest of them: the paper
/// or the stroke around it. A stroke's pixels, and the grain of a scan,
/// count as they are. Every other row is enough for percentiles; the edge
/// rows and columns are left out.
fn stroke_histogram(img: &GrayImage) -> [u64; 256] {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 3 || h < 3 {
        return histogram(img);
    }
    let src = img.as_raw();
    // A row's levels first (a loop the compiler vectorises), then counted.
    let mut levels = vec![0u8; w - 2];
    let mut hists = [[0u32; 256]; 4];
    for y in (1..h - 1).step_by(2) {
        let row = &src[y * w..(y + 1) * w];
        let up = &src[(y - 1) * w + 1..y * w - 1];
        let down = &src[(y + 1) * w + 1..(y + 2) * w - 1];
        let sides = row.windows(3).zip(up.iter().zip(down));
        for (v, (lmr, (&u, &d))) in levels.iter_mut().zip(sides) {
            let (p, around) = (lmr[1], lmr[0].min(lmr[2]).min(u).min(d));
            *v = if around > p.saturating_add(SPECK) {
                around
            } else {
                p
            };
        }
        count(&mut hists, &levels);
    }
    sum_of(&hists)
}

/// How many pixels of each grey level.
fn histogram(img: &GrayImage) -> [u64; 256] {
    // Four histograms, summed after: runs of one grey level (paper) would
    // otherwise wait on the same counter pixel after pixel.
    let mut hists = [[0u32; 256]; 4];
    count(&mut hists, img.as_raw());
    sum_of(&hists)
}

/// Counts `levels` into four histograms, a pixel in four to each.
fn count(hists: &mut [[u32; 256]; 4], levels: &[u8]) {
    let quads = levels.chunks_exact(4);
    for &p in quads.remainder() {
        hists[0][usize::from(p)] += 1;
    }
    for q in quads {
        hists[0][usize::from(q[0])] += 1;
        hists[1][usize::from(q[1])] += 1;
        hists[2][usize::from(q[2])] += 1;
        hists[3][usize::from(q[3])] += 1;
    }
}

/// The four histograms `count` filled, summed.
fn sum_of(hists: &[[u32; 256]; 4]) -> [u64; 256] {
    let mut hist = [0u64; 256];
    for h in hists {
        for (sum, &n) in hist.iter_mut().zip(h) {
            *sum += u64::from(n);
        }
    }
    hist
}

/// How much darker than all its neighbours a pixel is to be a speck:
/// more than a scan's grain (the stress sets' noise has σ up to 12) and
/// less than a speck on a faint page's ink (ink 115 there, the speck 0).
const SPECK: u8 = 64;

/// Least spread (grey levels) between paper and ink for there to be ink.
pub const MIN_CONTRAST: f64 = 24.0;

/// The grey level under which a share `q` of a histogram's pixels lie.
pub fn percentile(hist: &[u64; 256], q: f64) -> f64 {
    let target = (hist.iter().sum::<u64>() as f64 * q) as u64;
    let mut acc = 0;
    for (v, n) in hist.iter().enumerate() {
        acc += n;
        if acc > target {
            return v as f64;
        }
    }
    255.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A faint page (paper 250, ink 115) with a stroke and a filled mark,
    /// and one pixel in fifty a black speck.
    fn faint_page_with_specks() -> GrayImage {
        let mut img = GrayImage::from_fn(200, 150, |x, y| {
            let ink = (20..23).contains(&x) || ((100..130).contains(&x) && (60..90).contains(&y));
            image::Luma([if ink { 115 } else { 250 }])
        });
        let mut state = 7u32;
        for p in img.pixels_mut() {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            if (state >> 16).is_multiple_of(50) {
                p.0[0] = 0;
            }
        }
        img
    }

    #[test]
    fn specks_do_not_set_the_black_point_strokes_do() {
        let page = faint_page_with_specks();
        // Counted as they are, the specks (2 %) are the darkest 0.5 %.
        assert_eq!(percentile(&histogram(&page), 0.005), 0.0);
        let out = normalize(&page);
        assert_eq!(out.get_pixel(110, 70).0[0], 0, "the mark is black");
        assert_eq!(out.get_pixel(21, 10).0[0], 0, "the stroke is black");
        assert_eq!(
            out.get_pixel(60, 30).0[0].max(out.get_pixel(61, 30).0[0]),
            255
        );
    }

    #[test]
    fn a_page_without_contrast_is_left_alone() {
        let page = GrayImage::from_fn(50, 40, |x, _| image::Luma([120 + (x % 10) as u8]));
        assert_eq!(normalize(&page), page);
    }
}
