//! Finding and decoding QR codes. Two decoders, one file each: rqrr
//! (`rqrr_reader`) first, and where it finds nothing the ZXing-C++ detector
//! as ported to Rust (`zxing_reader`), which reads codes rqrr loses to heavy
//! JPEG, blur and small modules. This module decides where to look and on
//! which copy of the page; it reports what it found and does not decide
//! which form it is.

use std::cell::OnceCell;

use image::GrayImage;

mod rqrr_reader;
mod zxing_reader;

/// One decoded QR code: its text and its corners in page pixels, in the
/// code's own order (top-left, top-right, bottom-right, bottom-left), and
/// its side in modules, n. The corners sit at module coordinates 0 and
/// n + 1 (where rqrr puts them; the second decoder's are carried out to
/// match).
#[derive(Debug, Clone, PartialEq)]
pub struct QrHit {
    pub text: String,
    pub corners: [(f64, f64); 4],
    pub modules: usize,
}

/// The decoders, in the order they are asked. Each runs the whole search
/// (where the models print their codes, the page, smoothed and resized
/// copies) before the next: the second is asked only of a page where the
/// first found nothing wanted, so a page rqrr reads is placed exactly as
/// rqrr places it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoder {
    /// rqrr: fast, and its corners exact on clean pages.
    Rqrr,
    /// rxing's port of the ZXing-C++ detector: reads codes rqrr loses to
    /// heavy JPEG, blur and modules of 3 pixels.
    Zxing,
}

const DECODERS: [Decoder; 2] = [Decoder::Rqrr, Decoder::Zxing];

/// Every QR code on the image: what rqrr reads, or when it reads nothing,
/// what the second decoder reads.
pub fn find(img: &GrayImage) -> Vec<QrHit> {
    find_in(img, whole(img))
}

fn whole(img: &GrayImage) -> Region {
    Region {
        x: 0,
        y: 0,
        w: img.width(),
        h: img.height(),
    }
}

/// A rectangle of the page, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl Region {
    /// The rectangle spanning two opposite corners, widened by `margin` on
    /// every side (never past the page's top or left), in units that
    /// `scale` turns into pixels.
    pub fn spanning(a: (f64, f64), b: (f64, f64), margin: f64, scale: f64) -> Region {
        let x0 = (a.0.min(b.0) - margin).max(0.0) * scale;
        let y0 = (a.1.min(b.1) - margin).max(0.0) * scale;
        let x1 = (a.0.max(b.0) + margin) * scale;
        let y1 = (a.1.max(b.1) + margin) * scale;
        Region {
            x: x0 as u32,
            y: y0 as u32,
            w: (x1 - x0).max(0.0) as u32,
            h: (y1 - y0).max(0.0) as u32,
        }
    }
}

/// Every QR code inside `r`, corners in page pixels: what rqrr reads, or
/// when it reads nothing, what the second decoder reads.
pub fn find_in(img: &GrayImage, r: Region) -> Vec<QrHit> {
    DECODERS
        .into_iter()
        .map(|decoder| find_with(img, r, decoder))
        .find(|hits| !hits.is_empty())
        .unwrap_or_default()
}

/// The codes `decoder` reads inside `r`, corners in page pixels.
fn find_with(img: &GrayImage, r: Region, decoder: Decoder) -> Vec<QrHit> {
    let r = Region {
        w: r.w.min(img.width().saturating_sub(r.x)),
        h: r.h.min(img.height().saturating_sub(r.y)),
        ..r
    };
    if r.w < 21 || r.h < 21 {
        return Vec::new();
    }
    // Only a large region can hold enough patterns to matter (a region
    // where a model prints its code is searched as it is).
    let finders = if u64::from(r.w) * u64::from(r.h) > GUARDED_AREA {
        finder_patterns(img, r, MAX_FINDER_PATTERNS + 1)
    } else {
        0
    };
    if finders > MAX_FINDER_PATTERNS {
        // rqrr tries every pair of finder patterns (copying the image for
        // each): a page tiled with them would hold a worker for minutes.
        tracing::debug!(
            finders,
            "QR search skipped: more finder patterns than any form prints"
        );
        return Vec::new();
    }
    match decoder {
        Decoder::Rqrr => rqrr_reader::decode(img, r),
        Decoder::Zxing => zxing_reader::decode(img, r),
    }
}

/// More finder patterns than this in one search and the region is not one
/// of our pages (a form prints one or two codes, three patterns each; the
/// rest is margin for look-alikes in text and noise).
pub const MAX_FINDER_PATTERNS: usize = 60;

/// Regions larger than this (pixels) have their finder patterns counted
/// before the search.
const GUARDED_AREA: u64 = 500_000;

/// Counts the QR finder patterns (dark-light-dark-light-dark runs in the
/// ratio 1:1:3:1:1 on two rows and down the column through the centre)
/// in `r`, stopping at `stop`.
/// Every other row is scanned, thresholded at the region's mean.
pub fn finder_patterns(img: &GrayImage, r: Region, stop: usize) -> usize {
    const STEP: u32 = 2;
    let stride = img.width() as usize;
    let raw = img.as_raw();
    let row = |y: u32| {
        let start = y as usize * stride + r.x as usize;
        &raw[start..start + r.w as usize]
    };
    let (mut sum, mut n) = (0u64, 0u64);
    for y in (r.y..r.y + r.h).step_by(16) {
        for &v in row(y).iter().step_by(16) {
            sum += u64::from(v);
            n += 1;
        }
    }
    let threshold = (sum / n.max(1)) as u8;
    // (centre x, last row seen, rows seen)
    let mut open: Vec<(f64, u32, u32)> = Vec::new();
    let mut counted = 0;
    let mut runs: Vec<(usize, usize)> = Vec::with_capacity(64);
    for y in (r.y..r.y + r.h).step_by(STEP as usize) {
        runs.clear();
        let line = row(y);
        let mut start = 0;
        for x in 1..=line.len() {
            if x == line.len() || (line[x] < threshold) != (line[start] < threshold) {
                runs.push((start, x - start));
                start = x;
            }
        }
        open.retain(|c| y - c.1 <= 3 * STEP);
        let first_dark = usize::from(line.first().is_some_and(|&v| v >= threshold));
        for i in (first_dark..runs.len().saturating_sub(4)).step_by(2) {
            let l: Vec<f64> = runs[i..i + 5].iter().map(|r| r.1 as f64).collect();
            let unit = l.iter().sum::<f64>() / 7.0;
            let near = |v: f64, want: f64| {
                (v - want * unit).abs() <= unit * if want > 1.0 { 1.2 } else { 0.6 }
            };
            if unit < 1.0
                || !(near(l[0], 1.0)
                    && near(l[1], 1.0)
                    && near(l[2], 3.0)
                    && near(l[3], 1.0)
                    && near(l[4], 1.0))
            {
                continue;
            }
            let cx = runs[i + 2].0 as f64 + l[2] / 2.0;
            match open.iter_mut().find(|c| (c.0 - cx).abs() <= 2.0 * unit) {
                Some(c) => {
                    c.1 = y;
                    c.2 += 1;
                    // Seen on two rows, and the column through its centre
                    // shows the same ratio: a finder pattern.
                    if c.2 == 2 && column_ratio(img, r, r.x + cx as u32, y, threshold) {
                        counted += 1;
                        if counted >= stop {
                            return counted;
                        }
                    }
                }
                None => open.push((cx, y, 1)),
            }
        }
    }
    counted
}

/// Whether the column `x` through row `y` (inside a dark centre) reads
/// dark-light-dark-light-dark in the ratio 1:1:3:1:1 up and down from it.
fn column_ratio(img: &GrayImage, r: Region, x: u32, y: u32, threshold: u8) -> bool {
    let dark = |yy: u32| img.get_pixel(x, yy).0[0] < threshold;
    if x >= r.x + r.w || !dark(y) {
        return false;
    }
    // Runs counted outwards: the centre's dark, then light, then dark.
    let walk = |up: bool| {
        let mut runs = [0u32; 3];
        let mut yy = y;
        for (k, want_dark) in [true, false, true].into_iter().enumerate() {
            loop {
                let next = if up {
                    if yy <= r.y {
                        break;
                    }
                    yy - 1
                } else {
                    if yy + 1 >= r.y + r.h {
                        break;
                    }
                    yy + 1
                };
                if dark(next) != want_dark {
                    break;
                }
                runs[k] += 1;
                yy = next;
            }
        }
        runs
    };
    let (u, d) = (walk(true), walk(false));
    let centre = f64::from(u[0] + d[0] + 1);
    let unit = centre / 3.0;
    let near = |v: u32| (f64::from(v) - unit).abs() <= unit * 0.7;
    unit >= 1.0 && near(u[1]) && near(u[2]) && near(d[1]) && near(d[2])
}

/// Finds a wanted code looking first only where the models print theirs
/// (`likely`, in order), then over the whole page with smoothed and
/// resized copies; each decoder in turn (see [`Decoder`]). A QR code fills
/// a few percent of a page, so the first look is an order of magnitude
/// cheaper than the whole page. With no wanted code, returns what the
/// whole page held (someone else's code, say).
pub fn find_likely_first(
    img: &GrayImage,
    likely: &[Region],
    wanted: impl Fn(&str) -> bool,
) -> Vec<QrHit> {
    let copies = Copies::new(img);
    let mut seen = Vec::new();
    for decoder in DECODERS {
        let hits = likely_first_with(&copies, likely, &wanted, decoder);
        if hits.iter().any(|h| wanted(&h.text)) {
            return hits;
        }
        if seen.is_empty() {
            seen = hits;
        }
    }
    seen
}

fn likely_first_with(
    copies: &Copies,
    likely: &[Region],
    wanted: &impl Fn(&str) -> bool,
    decoder: Decoder,
) -> Vec<QrHit> {
    let img = copies.page;
    for r in likely {
        let hits = find_with(img, *r, decoder);
        if hits.iter().any(|h| wanted(&h.text)) {
            return hits;
        }
    }
    let hits = retrying_with(copies, wanted, decoder);
    if hits.iter().any(|h| wanted(&h.text)) {
        return hits;
    }
    // Last: each likely region alone, smoothed and enlarged 3× (bilevel
    // scans with skew have staircase edges that break rqrr's finder
    // patterns at the page's own scale). Cheap: a region is a few percent
    // of the page.
    for r in likely {
        let found = find_enlarged(img, *r, 3, decoder);
        if found.iter().any(|h| wanted(&h.text)) {
            return found;
        }
    }
    hits
}

/// Codes inside `r`, as the page is and, when none passes `wanted`, on a
/// smoothed copy of the region enlarged 3×, each decoder in turn: a second
/// code looked for where the first puts it.
pub fn find_in_retrying(img: &GrayImage, r: Region, wanted: impl Fn(&str) -> bool) -> Vec<QrHit> {
    let mut last = Vec::new();
    for decoder in DECODERS {
        for enlarged in [false, true] {
            let hits = if enlarged {
                find_enlarged(img, r, 3, decoder)
            } else {
                find_with(img, r, decoder)
            };
            if hits.iter().any(|h| wanted(&h.text)) {
                return hits;
            }
            last = hits;
        }
    }
    last
}

/// Largest side of an enlarged region: a region this large already has
/// modules big enough (a 600-dpi page's region, enlarged 3×, was 17 million
/// pixels and seconds of search for nothing).
const MAX_ENLARGED: u32 = 2400;

/// Codes inside `r` of a smoothed copy enlarged `k` times (less where the
/// region is already large); corners in page pixels.
fn find_enlarged(img: &GrayImage, r: Region, k: u32, decoder: Decoder) -> Vec<QrHit> {
    let w = r.w.min(img.width().saturating_sub(r.x));
    let h = r.h.min(img.height().saturating_sub(r.y));
    if w < 21 || h < 21 {
        return Vec::new();
    }
    let k = k.min(MAX_ENLARGED / w.max(h)).max(1);
    let cut = image::imageops::crop_imm(img, r.x, r.y, w, h).to_image();
    let big = image::imageops::resize(&cut, w * k, h * k, image::imageops::FilterType::Triangle);
    let big = image::imageops::blur(&big, k as f32 * 0.7);
    let f = f64::from(k);
    find_with(&big, whole(&big), decoder)
        .into_iter()
        .map(|mut hit| {
            hit.corners = hit
                .corners
                .map(|(x, y)| (x / f + f64::from(r.x), y / f + f64::from(r.y)));
            hit
        })
        .collect()
}

/// The page and the copies the whole-page search looks at, each made
/// once, when first asked for, and shared by the decoders.
struct Copies<'a> {
    page: &'a GrayImage,
    smooth: OnceCell<GrayImage>,
    /// A half-size copy of a large scan or a double-size copy of a small
    /// one, and the factor from its pixels to the page's.
    resized: OnceCell<(GrayImage, f64)>,
}

impl<'a> Copies<'a> {
    fn new(page: &'a GrayImage) -> Copies<'a> {
        Copies {
            page,
            smooth: OnceCell::new(),
            resized: OnceCell::new(),
        }
    }

    /// Smoothed: speckle and JPEG noise break the finder patterns of
    /// small modules.
    fn smooth(&self) -> &GrayImage {
        self.smooth
            .get_or_init(|| image::imageops::blur(self.page, 1.0))
    }

    fn resized(&self) -> &(GrayImage, f64) {
        self.resized.get_or_init(|| {
            let img = self.page;
            let (w, h) = img.dimensions();
            if w.max(h) > 2000 {
                let half = image::imageops::resize(
                    img,
                    w / 2,
                    h / 2,
                    image::imageops::FilterType::Triangle,
                );
                (half, 2.0)
            } else {
                // Small modules at 150 dpi: doubled, the finder patterns
                // stand out.
                let double = image::imageops::resize(
                    img,
                    w * 2,
                    h * 2,
                    image::imageops::FilterType::Triangle,
                );
                (double, 0.5)
            }
        })
    }
}

/// The whole page with `decoder`, and when no code passes `wanted` on the
/// page as it is, again on its smoothed copy, then on its resized copy.
fn retrying_with(copies: &Copies, wanted: impl Fn(&str) -> bool, decoder: Decoder) -> Vec<QrHit> {
    let img = copies.page;
    let hits = find_with(img, whole(img), decoder);
    if hits.iter().any(|h| wanted(&h.text)) {
        return hits;
    }
    let smooth = copies.smooth();
    let retry = find_with(smooth, whole(smooth), decoder);
    if retry.iter().any(|h| wanted(&h.text)) {
        return retry;
    }
    let (resized, factor) = copies.resized();
    let retry: Vec<QrHit> = find_with(resized, whole(resized), decoder)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code of `text`, `px` pixels a module, with a quiet zone.
    fn code(text: &str, px: u32) -> GrayImage {
        let c = qrcode::QrCode::new(text.as_bytes()).unwrap();
        let n = c.width() as u32;
        let colors = c.to_colors();
        let side = (n + 8) * px;
        GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = ((x / px) as i64 - 4, (y / px) as i64 - 4);
            let dark = mx >= 0
                && my >= 0
                && (mx as u32) < n
                && (my as u32) < n
                && colors[my as usize * n as usize + mx as usize] == qrcode::Color::Dark;
            image::Luma([if dark { 0 } else { 255 }])
        })
    }

    #[test]
    fn a_code_shows_its_three_finder_patterns_and_is_read() {
        let img = code("SCR1|form-13b|id=PB071-000001", 6);
        let whole = Region {
            x: 0,
            y: 0,
            w: img.width(),
            h: img.height(),
        };
        let n = finder_patterns(&img, whole, 100);
        assert!((3..=6).contains(&n), "{n} finder patterns");
        assert_eq!(find(&img)[0].text, "SCR1|form-13b|id=PB071-000001");
    }

    #[test]
    fn a_page_tiled_with_finder_patterns_is_not_searched() {
        // 27 × 27 finder patterns: rqrr alone takes most of a minute on it.
        let tile = code("x", 7);
        let (w, h) = (1700, 1700);
        let img = GrayImage::from_fn(w, h, |x, y| {
            let (tx, ty) = (x % 63, y % 63);
            let on = tx < 49 && ty < 49;
            let v = if on {
                tile.get_pixel(tx + 28, ty + 28).0[0]
            } else {
                255
            };
            image::Luma([v])
        });
        let whole = Region { x: 0, y: 0, w, h };
        assert!(finder_patterns(&img, whole, MAX_FINDER_PATTERNS + 1) > MAX_FINDER_PATTERNS);
        assert!(find(&img).is_empty());
    }

    /// `img` blurred (Gaussian, `sigma` pixels) and saved as a JPEG of
    /// `quality`, read back.
    fn blurred_jpeg(img: &GrayImage, sigma: f32, quality: u8) -> GrayImage {
        let img = image::imageops::blur(img, sigma);
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, quality)
            .encode_image(&img)
            .unwrap();
        image::load_from_memory(&jpeg).unwrap().to_luma8()
    }

    const ROUND_SHEET: &str =
        "SCR1|round-sheet|ac=213|rev=3|round=14|rows=14|cols=8|col0=0|d=90de5c56f382c969";

    #[test]
    fn both_decoders_put_the_corners_on_the_code() {
        // 6 px a module, four modules of quiet zone: module coordinates 0
        // and n + 1 (see `QrHit`) are at 24 and 24 + 6(n + 1) pixels.
        let img = code(ROUND_SHEET, 6);
        let n = qrcode::QrCode::new(ROUND_SHEET.as_bytes()).unwrap().width() as f64;
        let (a, b) = (24.0, 24.0 + 6.0 * (n + 1.0));
        let want = [(a, a), (b, a), (b, b), (a, b)];
        for hits in [
            rqrr_reader::decode(&img, whole(&img)),
            zxing_reader::decode(&img, whole(&img)),
        ] {
            assert_eq!(hits.len(), 1);
            assert_eq!(hits[0].text, ROUND_SHEET);
            assert_eq!(hits[0].modules, n as usize);
            for (got, want) in hits[0].corners.iter().zip(want) {
                let off = (got.0 - want.0).hypot(got.1 - want.1);
                assert!(off <= 1.5, "corner {got:?}, want {want:?}: {:?}", hits[0]);
            }
        }
    }

    #[test]
    fn on_a_turned_code_both_decoders_give_its_corners_in_its_own_order() {
        let img = image::imageops::rotate90(&code(ROUND_SHEET, 5));
        let a = rqrr_reader::decode(&img, whole(&img));
        let b = zxing_reader::decode(&img, whole(&img));
        // Turned a quarter clockwise, the code's top-left is at the
        // image's top right.
        assert!(a[0].corners[0].0 > a[0].corners[2].0, "{a:?}");
        for (p, q) in a[0].corners.iter().zip(b[0].corners) {
            assert!((p.0 - q.0).hypot(p.1 - q.1) <= 1.5, "{a:?} {b:?}");
        }
    }

    #[test]
    fn a_blurred_code_of_small_modules_in_a_poor_jpeg_is_read_by_the_second_decoder() {
        // 3 px a module (a 28 mm code at 100 dpi), out of focus, JPEG
        // quality 8: rqrr finds no code; the ZXing port reads it.
        let img = blurred_jpeg(&code(ROUND_SHEET, 3), 1.2, 8);
        assert!(rqrr_reader::decode(&img, whole(&img)).is_empty());
        let hits = find(&img);
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert_eq!(hits[0].text, ROUND_SHEET);
        let found = find_likely_first(&img, &[], |t| t == ROUND_SHEET);
        assert_eq!(found[0].text, ROUND_SHEET);
    }
}
