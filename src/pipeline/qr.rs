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
    find_in(
        img,
        Region {
            x: 0,
            y: 0,
            w: img.width(),
            h: img.height(),
        },
    )
}

/// A rectangle of the page, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// Every QR code rqrr can decode inside `r`; corners are in page pixels.
pub fn find_in(img: &GrayImage, r: Region) -> Vec<QrHit> {
    let r = Region {
        w: r.w.min(img.width().saturating_sub(r.x)),
        h: r.h.min(img.height().saturating_sub(r.y)),
        ..r
    };
    if r.w < 21 || r.h < 21 {
        return Vec::new();
    }
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

/// Finds a wanted code looking first only where the models print theirs
/// (`likely`, in order), then over the whole page with [`find_retrying`].
/// A QR code fills a few percent of a page, so the first look is an order
/// of magnitude cheaper than the whole page.
pub fn find_likely_first(
    img: &GrayImage,
    likely: &[Region],
    wanted: impl Fn(&str) -> bool,
) -> Vec<QrHit> {
    for r in likely {
        let hits = find_in(img, *r);
        if hits.iter().any(|h| wanted(&h.text)) {
            return hits;
        }
    }
    let hits = find_retrying(img, &wanted);
    if hits.iter().any(|h| wanted(&h.text)) {
        return hits;
    }
    // Last: each likely region alone, smoothed and enlarged 3× (bilevel
    // scans with skew have staircase edges that break rqrr's finder
    // patterns at the page's own scale). Cheap: a region is a few percent
    // of the page.
    for r in likely {
        let found = find_enlarged(img, *r, 3);
        if found.iter().any(|h| wanted(&h.text)) {
            return found;
        }
    }
    hits
}

/// Codes inside `r` of a smoothed copy enlarged `k` times; corners in page pixels.
fn find_enlarged(img: &GrayImage, r: Region, k: u32) -> Vec<QrHit> {
    let w = r.w.min(img.width().saturating_sub(r.x));
    let h = r.h.min(img.height().saturating_sub(r.y));
    if w < 21 || h < 21 {
        return Vec::new();
    }
    let cut = image::imageops::crop_imm(img, r.x, r.y, w, h).to_image();
    let big = image::imageops::resize(&cut, w * k, h * k, image::imageops::FilterType::Triangle);
    let big = image::imageops::blur(&big, k as f32 * 0.7);
    let f = f64::from(k);
    find(&big)
        .into_iter()
        .map(|mut hit| {
            hit.corners = hit
                .corners
                .map(|(x, y)| (x / f + f64::from(r.x), y / f + f64::from(r.y)));
            hit
        })
        .collect()
}

/// Like [`find`], but when no code passes `wanted` on the page as it is,
/// tries again on a smoothed copy (speckle and JPEG noise break the finder
/// patterns of small modules), then on a half-size copy of a large scan or
/// a double-size copy of a small one.
pub fn find_retrying(img: &GrayImage, wanted: impl Fn(&str) -> bool) -> Vec<QrHit> {
    let hits = find(img);
    if hits.iter().any(|h| wanted(&h.text)) {
        return hits;
    }
    let smooth = image::imageops::blur(img, 1.0);
    let retry = find(&smooth);
    if retry.iter().any(|h| wanted(&h.text)) {
        return retry;
    }
    let (w, h) = img.dimensions();
    let (factor, resized) = if w.max(h) > 2000 {
        (
            2.0,
            image::imageops::resize(img, w / 2, h / 2, image::imageops::FilterType::Triangle),
        )
    } else {
        // Small modules at 150 dpi: doubled, the finder patterns stand out.
        (
            0.5,
            image::imageops::resize(img, w * 2, h * 2, image::imageops::FilterType::Triangle),
        )
    };
    let retry: Vec<QrHit> = find(&resized)
        .into_iter()
        .map(|mut h| {
            h.corners = h.corners.map(|(x, y)| (x * factor, y * factor));
            h
        })
        .collect();
    if retry.iter().any(|h| wanted(&h.text)) {
        return retry;
    }
    hits
}
