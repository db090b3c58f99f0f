//! Finding and decoding QR codes (rqrr). Swapping the decoder touches only
//! this file. It reports what it found; it does not decide which form it is.

use image::GrayImage;

/// One decoded QR code: its text and its corners in page pixels, in the
/// code's own order (top-left, top-right, bottom-right, bottom-left), and
/// its side in modules.
#[derive(Debug, Clone, PartialEq)]
pub struct QrHit {
    pub text: String,
    pub corners: [(f64, f64); 4],
    pub modules: usize,
}

/// Every QR code rqrr can decode on the image.
pub fn find(img: &GrayImage) -> Vec<QrHit> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| raw[y * w + x]);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| {
            let (meta, text) = g.decode().ok()?;
            let modules = 17 + 4 * meta.version.0;
            let corners = g.bounds.map(|p| (f64::from(p.x), f64::from(p.y)));
            Some(QrHit {
                text,
                corners,
                modules,
            })
        })
        .collect()
}
