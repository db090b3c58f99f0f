//! QR codes by rqrr: fast, and exact on clean pages.

use image::GrayImage;

use super::{QrHit, Region};

/// Every code rqrr decodes inside `r` (already inside the image); corners
/// in page pixels, in the code's own order.
pub(super) fn decode(img: &GrayImage, r: Region) -> Vec<QrHit> {
    let stride = img.width() as usize;
    let (ox, oy) = (r.x as usize, r.y as usize);
    let raw = img.as_raw();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(r.w as usize, r.h as usize, |x, y| {
            raw[(y + oy) * stride + x + ox]
        });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| {
            let (meta, text) = g.decode().ok()?;
            let modules = 17 + 4 * meta.version.0;
            let corners = g.bounds.map(|p| {
                (
                    f64::from(p.x) + f64::from(r.x),
                    f64::from(p.y) + f64::from(r.y),
                )
            });
            Some(QrHit {
                text,
                corners,
                modules,
            })
        })
        .collect()
}
