//! Cleaning a page: contrast stretched so paper is white and ink is black,
//! whatever the scanner's exposure. Orientation and skew are not fixed here by
//! rotating pixels: `locate` measures them from the QR code and the
//! registration marks, and `read` samples each box through that transform.

use image::GrayImage;

/// Stretches the grey levels so the darkest ink maps to 0 and the paper to 255.
pub fn normalize(img: &GrayImage) -> GrayImage {
    // Four histograms, summed after: runs of one grey level (paper) would
    // otherwise wait on the same counter pixel after pixel.
    let mut hists = [[0u32; 256]; 4];
    let quads = img.as_raw().chunks_exact(4);
    for &p in quads.remainder() {
        hists[0][usize::from(p)] += 1;
    }
    for q in quads {
        hists[0][usize::from(q[0])] += 1;
        hists[1][usize::from(q[1])] += 1;
        hists[2][usize::from(q[2])] += 1;
        hists[3][usize::from(q[3])] += 1;
    }
    let mut hist = [0u64; 256];
    for h in &hists {
        for (sum, &n) in hist.iter_mut().zip(h) {
            *sum += u64::from(n);
        }
    }
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
