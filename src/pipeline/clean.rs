//! Cleaning a page: contrast stretched so paper is white and ink is black,
//! whatever the scanner's exposure. Orientation and skew are not fixed here by
//! rotating pixels: `locate` measures them from the QR code and the
//! registration marks, and `read` samples each box through that transform.

use image::GrayImage;

/// Stretches the grey levels so the darkest ink maps to 0 and the paper to 255.
pub fn normalize(img: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in img.as_raw() {
        hist[*p as usize] += 1;
    }
    let total = img.as_raw().len() as u64;
    let percentile = |q: f64| {
        let target = (total as f64 * q) as u64;
        let mut acc = 0;
        for (v, n) in hist.iter().enumerate() {
            acc += n;
            if acc > target {
                return v as f64;
            }
        }
        255.0
    };
    // Ink covers a few percent of a form; paper most of it.
    let black = percentile(0.005);
    let white = percentile(0.70);
    if white - black < 24.0 {
        return img.clone();
    }
    let lut: Vec<u8> = (0..256)
        .map(|v| (((v as f64 - black) / (white - black)) * 255.0).clamp(0.0, 255.0) as u8)
        .collect();
    let mut out = img.clone();
    for p in out.iter_mut() {
        *p = lut[*p as usize];
    }
    out
}
