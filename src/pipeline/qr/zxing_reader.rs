//! QR codes by rxing's port of the ZXing-C++ detector: it binarises in
//! local blocks and samples the grid between its finder and alignment
//! patterns, so it reads codes that rqrr loses to heavy JPEG, blur, uneven
//! light and modules of 3 pixels. Slower than rqrr; asked second.

use image::GrayImage;
use rxing::common::{BitMatrix, DetectorRXingResult, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{Binarizer, Luma8LuminanceSource};

use super::{QrHit, Region};

/// Every code decoded inside `r` (already inside the image), each once;
/// corners in page pixels, in the code's own order (top-left, top-right,
/// bottom-right, bottom-left). A panic inside the port is a code not
/// found, never a lost page.
pub(super) fn decode(img: &GrayImage, r: Region) -> Vec<QrHit> {
    let cut = image::imageops::crop_imm(img, r.x, r.y, r.w, r.h).to_image();
    let found = std::panic::catch_unwind(|| codes(cut)).unwrap_or_else(|_| {
        tracing::warn!(?r, "the second QR decoder panicked; no code taken from it");
        Vec::new()
    });
    found
        .into_iter()
        .map(|mut hit| {
            hit.corners = hit
                .corners
                .map(|(x, y)| (x + f64::from(r.x), y + f64::from(r.y)));
            hit
        })
        .collect()
}

/// The codes on `img`, corners in its own pixels.
fn codes(img: GrayImage) -> Vec<QrHit> {
    let (w, h) = img.dimensions();
    let Ok(source) = Luma8LuminanceSource::new(img.into_raw(), w, h) else {
        return Vec::new();
    };
    let binarizer = HybridBinarizer::new(source);
    let Ok(bits) = binarizer.get_black_matrix() else {
        return Vec::new();
    };
    sample(bits)
}

/// Each set of three finder patterns sampled as a grid and decoded; finder
/// patterns of a code already read are not tried again.
fn sample(bits: &BitMatrix) -> Vec<QrHit> {
    let mut patterns = FindFinderPatterns(bits, true, 0);
    let mut used = Vec::new();
    let mut hits: Vec<QrHit> = Vec::new();
    for set in GenerateFinderPatternSets(&mut patterns) {
        if [set.bl, set.tl, set.tr].iter().any(|p| used.contains(p)) {
            continue;
        }
        let Ok(grid) = SampleQR(bits, &set) else {
            continue;
        };
        let Ok(decoded) = Decode(grid.getBits()) else {
            continue;
        };
        if !decoded.isValid() {
            continue;
        }
        used.extend([set.bl, set.tl, set.tr]);
        let p = grid.getPoints();
        let modules = grid.getBits().getWidth() as usize;
        let text = decoded.text();
        if p.len() < 4 || hits.iter().any(|h| h.text == text) {
            continue;
        }
        // The sampler gives the grid's corners at module coordinates 0
        // and n (top-left, top-right, bottom-left, bottom-right), each
        // half a pixel past; a hit's corners sit at 0 and n + 1, as
        // rqrr's do (see `QrHit`): the far sides are carried out one
        // module more.
        let [tl, tr, bl, br] =
            [0, 1, 2, 3].map(|i| (f64::from(p[i].x) - 0.5, f64::from(p[i].y) - 0.5));
        let f = (modules as f64 + 1.0) / modules as f64;
        let at = |s: f64, t: f64| {
            let w = [(1.0 - s) * (1.0 - t), s * (1.0 - t), (1.0 - s) * t, s * t];
            let x = w[0] * tl.0 + w[1] * tr.0 + w[2] * bl.0 + w[3] * br.0;
            let y = w[0] * tl.1 + w[1] * tr.1 + w[2] * bl.1 + w[3] * br.1;
            (x, y)
        };
        hits.push(QrHit {
            text,
            corners: [at(0.0, 0.0), at(f, 0.0), at(f, f), at(0.0, f)],
            modules,
        });
    }
    hits
}
