//! Realistic simulated scans with ground truth, for tests and benchmarks.
//!
//! A form is filled with random plausible values, printed to pixels, then put
//! through what a scanner and a tired operator do to paper: resolution
//! (150–300 dpi), skew up to ±3°, pages fed sideways or upside down, offset
//! and slight scaling, blur, noise, dark or faint exposure, thresholding to
//! bilevel, JPEG compression. The result is written as PDF (JPEG, Flate or
//! CCITT G4 page images), PNG, JPEG or TIFF, with the values in `truth.json`.
//! Deterministic for a given seed.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use image::{GrayImage, ImageEncoder, Luma};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::forms::FormKind;
use crate::forms::ModelSet;
use crate::render::pdf::{ScanEncoding, ScanPage, scans_to_pdf};
use crate::render::{PrintedPage, layout, raster};

/// What the simulated scanner did to one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Degradation {
    pub dpi: f64,
    /// Quarter turns the page was fed with (0–3).
    pub quarter_turns: u8,
    pub skew_deg: f64,
    pub offset_mm: (f64, f64),
    pub scale: f64,
    pub blur: bool,
    pub noise: f64,
    /// `normal`, `dark` or `faint`.
    pub exposure: String,
    pub bilevel: bool,
    /// JPEG quality when stored as JPEG.
    pub jpeg_quality: u8,
    /// `pdf-jpeg`, `pdf-flate`, `pdf-g4`, `png`, `jpeg`, `tiff`.
    pub container: String,
    /// A photo's perspective: how much shorter the page's top edge is
    /// than its bottom (0.05: 5 %), as when a phone is held low.
    #[serde(default)]
    pub perspective: f64,
    /// Motion blur: the length of the shake in pixels (0: none), and its
    /// direction in degrees.
    #[serde(default)]
    pub motion_px: f64,
    #[serde(default)]
    pub motion_deg: f64,
    /// Share of pixels turned black or white (salt-and-pepper noise).
    #[serde(default)]
    pub impulse: f64,
    /// Uneven lighting: how much darker the paper gets from one side to
    /// the other (0.3: 30 %).
    #[serde(default)]
    pub uneven: f64,
}

impl Degradation {
    /// A clean, upright 200-dpi scan.
    pub fn clean() -> Degradation {
        Degradation {
            dpi: 200.0,
            quarter_turns: 0,
            skew_deg: 0.0,
            offset_mm: (0.0, 0.0),
            scale: 1.0,
            blur: false,
            noise: 0.0,
            exposure: "normal".into(),
            bilevel: false,
            jpeg_quality: 90,
            container: "pdf-jpeg".into(),
            perspective: 0.0,
            motion_px: 0.0,
            motion_deg: 0.0,
            impulse: 0.0,
            uneven: 0.0,
        }
    }

    /// The stress set's degradations (`scrutiny samples --stress`): on
    /// top of the scanner's (`random`), what phones and poor scans do —
    /// perspective, motion blur, impulse noise, uneven lighting, JPEG at
    /// quality 5–10, 100 to 600 dpi.
    pub fn stress(rng: &mut fastrand::Rng) -> Degradation {
        let mut d = Degradation::random(rng);
        d.dpi = [100.0, 150.0, 200.0, 300.0, 400.0, 600.0][rng.usize(0..6)];
        if d.dpi >= 400.0 && d.container.starts_with("pdf") && !d.bilevel {
            // A 600-dpi colour page is a file of its own: kept as scanners do.
            d.container = "pdf-jpeg".into();
        }
        let photo = rng.f64() < 0.4;
        if photo {
            d.perspective = 0.01 + rng.f64() * 0.07;
            d.container = "jpeg".into();
            d.bilevel = false;
        }
        if rng.f64() < 0.3 {
            d.motion_px = (1.0 + rng.f64() * 3.0) * d.dpi / 200.0;
            d.motion_deg = rng.f64() * 180.0;
        }
        if rng.f64() < 0.25 {
            d.impulse = 0.002 + rng.f64() * 0.01;
        }
        if rng.f64() < 0.3 {
            d.uneven = 0.1 + rng.f64() * 0.3;
            if d.bilevel {
                // A scanner corrects its lamp's shading against its white
                // strip before it thresholds: uneven light is a photo's.
                // (Drawn all the same, so every later draw of a seeded
                // set stays where it was.)
                d.uneven = 0.0;
            }
        }
        if !d.bilevel && rng.f64() < 0.15 {
            d.jpeg_quality = 5 + rng.u8(0..6);
            if !d.container.contains("jpeg") {
                d.container = "jpeg".into();
            }
        }
        d
    }

    /// A random mix of everything a scanner does.
    pub fn random(rng: &mut fastrand::Rng) -> Degradation {
        let bilevel = rng.f64() < 0.2;
        let container = if bilevel {
            ["pdf-g4", "pdf-g4", "tiff", "png"][rng.usize(0..4)]
        } else {
            [
                "pdf-jpeg",
                "pdf-jpeg",
                "pdf-jpeg",
                "pdf-flate",
                "jpeg",
                "png",
                "tiff",
            ][rng.usize(0..7)]
        };
        Degradation {
            dpi: [150.0, 200.0, 200.0, 300.0][rng.usize(0..4)],
            quarter_turns: if rng.f64() < 0.25 { rng.u8(1..4) } else { 0 },
            skew_deg: (rng.f64() * 2.0 - 1.0) * 3.0,
            offset_mm: ((rng.f64() * 2.0 - 1.0) * 5.0, (rng.f64() * 2.0 - 1.0) * 5.0),
            scale: 0.97 + rng.f64() * 0.06,
            blur: rng.f64() < 0.3,
            noise: if rng.f64() < 0.5 {
                rng.f64() * 12.0
            } else {
                0.0
            },
            exposure: ["normal", "normal", "dark", "faint"][rng.usize(0..4)].into(),
            bilevel,
            jpeg_quality: 35 + rng.u8(0..56),
            container: container.into(),
            perspective: 0.0,
            motion_px: 0.0,
            motion_deg: 0.0,
            impulse: 0.0,
            uneven: 0.0,
        }
    }
}

/// Simulates printing and scanning a page.
pub fn scan(page: &PrintedPage, d: &Degradation, rng: &mut fastrand::Rng) -> GrayImage {
    let upright = raster::rasterize(&page.drawing, d.dpi);
    let (w, h) = (upright.width() as f64, upright.height() as f64);
    let turned = d.quarter_turns % 2 == 1;
    let (ow, oh) = if turned { (h, w) } else { (w, h) };
    let angle = (f64::from(d.quarter_turns) * 90.0 + d.skew_deg).to_radians();
    let (sin, cos) = angle.sin_cos();
    let ppm = d.dpi / 25.4;
    let (ox, oy) = (d.offset_mm.0 * ppm, d.offset_mm.1 * ppm);
    let (exp_ink, exp_paper) = match d.exposure.as_str() {
        "dark" => (15.0, 165.0 + rng.f64() * 30.0),
        "faint" => (100.0 + rng.f64() * 40.0, 250.0),
        _ => (20.0, 240.0 + rng.f64() * 12.0),
    };
    let src = upright.as_raw();
    let sample = |x: f64, y: f64| -> f64 {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let at = |xx: f64, yy: f64| {
            if xx < 0.0 || yy < 0.0 || xx >= w || yy >= h {
                255.0
            } else {
                f64::from(src[(yy as usize) * (w as usize) + xx as usize])
            }
        };
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
        let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
        top * (1.0 - fy) + bottom * fy
    };
    let mut out = GrayImage::new(ow as u32, oh as u32);
    for (x, y, p) in out.enumerate_pixels_mut() {
        // Output pixel → page point (inverse rotation about the centres, scale, offset).
        let (dx, dy) = (
            f64::from(x) + 0.5 - ow / 2.0 - ox,
            f64::from(y) + 0.5 - oh / 2.0 - oy,
        );
        let (sx, sy) = (
            (cos * dx + sin * dy) / d.scale + w / 2.0 - 0.5,
            (-sin * dx + cos * dy) / d.scale + h / 2.0 - 0.5,
        );
        let v = sample(sx, sy) / 255.0;
        p.0[0] = (exp_ink + (exp_paper - exp_ink) * v).round() as u8;
    }
    if d.perspective > 0.0 {
        out = keystone(&out, d.perspective);
    }
    if d.motion_px > 0.0 {
        out = motion_blur(&out, d.motion_px, d.motion_deg);
    }
    if d.blur {
        out = image::imageops::blur(&out, 0.5 + rng.f32() * 0.4);
    }
    if d.uneven > 0.0 {
        let w = f64::from(out.width().max(1));
        for (x, _, p) in out.enumerate_pixels_mut() {
            let shade = 1.0 - d.uneven * f64::from(x) / w;
            p.0[0] = (f64::from(p.0[0]) * shade).round() as u8;
        }
    }
    if d.noise > 0.0 {
        for p in out.iter_mut() {
            let n = gaussian(rng) * d.noise;
            *p = (f64::from(*p) + n).clamp(0.0, 255.0) as u8;
        }
    }
    if d.impulse > 0.0 {
        for p in out.iter_mut() {
            if rng.f64() < d.impulse {
                *p = if rng.bool() { 0 } else { 255 };
            }
        }
    }
    if d.bilevel {
        let t = (exp_ink + exp_paper) / 2.0;
        for p in out.iter_mut() {
            *p = if f64::from(*p) < t { 0 } else { 255 };
        }
    }
    out
}

/// The page photographed from below: its top edge `k` shorter than its
/// bottom, through a true projective map, white beyond the paper.
fn keystone(img: &GrayImage, k: f64) -> GrayImage {
    use crate::pipeline::locate::Transform;
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let inset = w * k / 2.0;
    // Where each corner of the photo comes from on the flat page.
    let pairs = [
        ((inset, 0.0), (0.0, 0.0)),
        ((w - inset, 0.0), (w, 0.0)),
        ((w, h), (w, h)),
        ((0.0, h), (0.0, h)),
    ];
    let Some(map) = Transform::fit_projective(&pairs) else {
        return img.clone();
    };
    let mut out = GrayImage::from_pixel(img.width(), img.height(), image::Luma([255]));
    for (x, y, p) in out.enumerate_pixels_mut() {
        let (sx, sy) = map.apply(f64::from(x) + 0.5, f64::from(y) + 0.5);
        if sx >= 0.0 && sy >= 0.0 && sx < w && sy < h {
            *p = *img.get_pixel(sx as u32, sy as u32);
        }
    }
    out
}

/// A shake of `len` pixels in direction `deg`: each pixel the mean of the
/// page along that line.
fn motion_blur(img: &GrayImage, len: f64, deg: f64) -> GrayImage {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (sin, cos) = deg.to_radians().sin_cos();
    let steps = len.ceil().max(1.0) as i64;
    let offsets: Vec<(i64, i64)> = (0..=steps)
        .map(|i| {
            let t = (i as f64 / steps as f64 - 0.5) * len;
            ((t * cos).round() as i64, (t * sin).round() as i64)
        })
        .collect();
    let src = img.as_raw();
    let mut out = GrayImage::new(img.width(), img.height());
    for (x, y, p) in out.enumerate_pixels_mut() {
        let (x, y) = (i64::from(x), i64::from(y));
        let sum: u32 = offsets
            .iter()
            .map(|(dx, dy)| {
                let (sx, sy) = ((x + dx).clamp(0, w - 1), (y + dy).clamp(0, h - 1));
                u32::from(src[(sy * w + sx) as usize])
            })
            .sum();
        p.0[0] = (sum / offsets.len() as u32) as u8;
    }
    out
}

fn gaussian(rng: &mut fastrand::Rng) -> f64 {
    let (u1, u2) = (rng.f64().max(1e-12), rng.f64());
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Encodes a grey page as JPEG bytes.
pub fn jpeg(img: &GrayImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(|e| Error::MalformedImage {
            reason: e.to_string(),
        })?;
    Ok(out)
}

/// Encodes a bilevel page (0 = ink) as CCITT Group 4.
pub fn g4(img: &GrayImage) -> Vec<u8> {
    let width = img.width() as u16;
    let mut enc = fax::encoder::Encoder::new(fax::VecWriter::new());
    for row in img.as_raw().chunks_exact(img.width() as usize) {
        let pels = row.iter().map(|&p| {
            if p < 128 {
                fax::Color::Black
            } else {
                fax::Color::White
            }
        });
        let _ = enc.encode_line(pels, width);
    }
    enc.finish().map(fax::VecWriter::finish).unwrap_or_default()
}

/// Writes a scanned page in the degradation's container; returns the file name.
pub fn write_scan(dir: &Path, stem: &str, img: &GrayImage, d: &Degradation) -> Result<String> {
    let ppm = d.dpi / 25.4;
    let page = |encoding| ScanPage {
        width_mm: f64::from(img.width()) / ppm,
        height_mm: f64::from(img.height()) / ppm,
        px_w: img.width(),
        px_h: img.height(),
        encoding,
    };
    let (name, bytes) = match d.container.as_str() {
        "pdf-jpeg" => (
            format!("{stem}.pdf"),
            scans_to_pdf(&[page(ScanEncoding::Jpeg(jpeg(img, d.jpeg_quality)?))])?,
        ),
        "pdf-flate" => (
            format!("{stem}.pdf"),
            scans_to_pdf(&[page(ScanEncoding::Gray(img.as_raw().clone()))])?,
        ),
        "pdf-g4" => (
            format!("{stem}.pdf"),
            scans_to_pdf(&[page(ScanEncoding::G4(g4(img)))])?,
        ),
        "jpeg" => (format!("{stem}.jpg"), jpeg(img, d.jpeg_quality)?),
        "png" => {
            let mut buf = Cursor::new(Vec::new());
            img.write_to(&mut buf, image::ImageFormat::Png)
                .map_err(|e| Error::MalformedImage {
                    reason: e.to_string(),
                })?;
            (format!("{stem}.png"), buf.into_inner())
        }
        "tiff" => (
            format!("{stem}.tif"),
            tiff_bytes(std::slice::from_ref(img))?,
        ),
        other => {
            return Err(Error::Values {
                form: "samples".into(),
                reason: format!("unknown container {other}"),
            });
        }
    };
    std::fs::write(dir.join(&name), bytes).map_err(|e| Error::io(dir.join(&name), e))?;
    Ok(name)
}

/// Writes grey pages as one Deflate-compressed TIFF, a page per image.
pub fn tiff_bytes(pages: &[GrayImage]) -> Result<Vec<u8>> {
    use tiff::encoder::{Compression, DeflateLevel, TiffEncoder, colortype::Gray8};
    let bad = |e: tiff::TiffError| Error::MalformedImage {
        reason: format!("TIFF: {e}"),
    };
    let mut buf = Cursor::new(Vec::new());
    let mut enc = TiffEncoder::new(&mut buf)
        .map_err(bad)?
        .with_compression(Compression::Deflate(DeflateLevel::Balanced));
    for img in pages {
        enc.write_image::<Gray8>(img.width(), img.height(), img.as_raw())
            .map_err(bad)?;
    }
    Ok(buf.into_inner())
}

const FIRST: &[&str] = &[
    "Ramesh", "Sunita", "Abdul", "Priya", "Harpreet", "Lakshmi", "Joseph", "Anita", "Mohammed",
    "Kavita", "Suresh", "Geeta", "Rajendra", "Fatima", "Vikram", "Meena", "Arjun", "Savitri",
    "Imran", "Deepa", "Gurdeep", "Thomas",
];
const LAST: &[&str] = &[
    "Sharma",
    "Yadav",
    "Patel",
    "Singh",
    "Khan",
    "Verma",
    "Tiwari",
    "Mishra",
    "D'Souza",
    "Reddy",
    "Naidu",
    "Pillai",
    "Chaudhary",
    "Bhim-Rao",
    "Gupta",
    "Pandey",
    "O'Brien",
    "Kushwaha",
    "Shukla",
    "Nair",
    "Dwivedi",
    "Patil",
];
const ACS: &[&str] = &[
    "Rewa",
    "Sirmour",
    "Semariya",
    "Teonthar",
    "Mauganj",
    "Deotalab",
    "Mangawan",
    "Gurh",
    "Sidhi",
    "Chitrakoot",
    "Raigaon",
    "Satna",
    "Nagod",
    "Maihar",
    "Amarpatan",
    "Rampur-Baghelan",
    "Churhat",
    "Dhauhani",
];
pub(crate) const PARTIES: &[&str] = &[
    "Bharatiya Janata Party",
    "Indian National Congress",
    "Bahujan Samaj Party",
    "Samajwadi Party",
    "Aam Aadmi Party",
    "Independent",
    "Communist Party of India (Marxist)",
    "Gondvana Gantantra Party",
];

/// Names as electors write them in Devanagari: conjuncts (क्ष, त्र, ज्ञ,
/// द्व, न्द्र), matras before and after their consonant, the reph.
const HINDI_NAMES: [&str; 12] = [
    "रामकृष्ण त्रिपाठी",
    "सत्येन्द्र द्विवेदी",
    "क्षितिज मिश्र",
    "ज्ञानेश्वरी पाण्डेय",
    "अनुराधा चतुर्वेदी",
    "प्रिया शर्मा",
    "विक्रम सिंह",
    "सुनीता यादव",
    "दीपक त्रिवेदी",
    "कृष्णा श्रीवास्तव",
    "शिवानी वर्मा",
    "उमेश प्रजापति",
];

/// An elector's name: in Devanagari for about a quarter of them.
fn elector_name(rng: &mut fastrand::Rng) -> String {
    if rng.f64() < 0.25 {
        HINDI_NAMES[rng.usize(0..HINDI_NAMES.len())].to_string()
    } else {
        person(rng)
    }
}

pub(crate) fn person(rng: &mut fastrand::Rng) -> String {
    let first = FIRST[rng.usize(0..FIRST.len())];
    let last = LAST[rng.usize(0..LAST.len())];
    match rng.usize(0..4) {
        0 => format!("{}. {last}", &first[..1]),
        1 => format!(
            "{}. {}. {last}",
            &first[..1],
            &LAST[rng.usize(0..LAST.len())][..1]
        ),
        _ => format!("{first} {last}"),
    }
}

/// A postal ballot serial number: mostly digits, sometimes with a series
/// letter and a slash or dash, as identifiers may be.
fn serial_no(rng: &mut fastrand::Rng) -> String {
    let n = rng.u32(1..100_000);
    match rng.usize(0..4) {
        0 => format!("{}/{n}", char::from(b'A' + rng.u8(0..26))),
        1 => format!("{n}-{}", char::from(b'A' + rng.u8(0..26))),
        _ => n.to_string(),
    }
}

/// Random plausible values for a form, as `render` takes them.
pub fn random_values(form: &str, rng: &mut fastrand::Rng) -> Value {
    let ac_no = rng.u32(1..231);
    let ac_name = ACS[rng.usize(0..ACS.len())];
    match FormKind::from_id(form) {
        Some(FormKind::Form13A) => json!({
            "ballot_id": format!("PB{ac_no:03}-{:06}", rng.u32(0..1_000_000)),
            "ac_no": ac_no, "ac_name": ac_name,
            "part_no": rng.u32(1..351), "elector_serial_no": rng.u32(1..1501),
            "elector_name": elector_name(rng),
            "postal_ballot_serial_no": serial_no(rng),
            "elector_signed": rng.f64() < 0.85, "attested": rng.f64() < 0.85,
        }),
        Some(FormKind::Form13B) => json!({
            "ballot_id": format!("PB{ac_no:03}-{:06}", rng.u32(0..1_000_000)),
            "ac_no": ac_no, "ac_name": ac_name, "postal_ballot_serial_no": serial_no(rng),
        }),
        Some(FormKind::Form13C) => json!({
            "ballot_id": format!("PB{ac_no:03}-{:06}", rng.u32(0..1_000_000)),
            "ac_no": ac_no, "ac_name": ac_name,
        }),
        Some(FormKind::Certificate) => json!({
            "certificate_id": format!("C{ac_no:03}-2026-{:04}", rng.u32(0..10_000)),
            "ac_no": ac_no, "ac_name": ac_name, "winner": person(rng),
            "party": PARTIES[rng.usize(0..PARTIES.len())], "votes": rng.u32(15_000..160_000),
            "date": format!("{:02}-{:02}-20{}", rng.u32(1..29), rng.u32(1..13), rng.u32(19..30)),
            "ro_name": person(rng), "ro_signed": rng.f64() < 0.85,
        }),
        Some(FormKind::Form20) => result_sheet(ac_no, ac_name, rng),
        Some(kind @ (FormKind::Form21C | FormKind::Form21E)) => {
            let n = rng.usize(3..16);
            let rows: Vec<Value> = (0..=n)
                .map(|i| {
                    let (evm, postal) = (rng.u64(0..90_000), rng.u64(0..900));
                    let name = if i == n { "NOTA".into() } else { person(rng) };
                    json!({"serial": i + 1, "name": name, "votes": [evm, postal, evm + postal]})
                })
                .collect();
            let mut v = json!({
                "ac_no": ac_no, "ac_name": ac_name, "winner": person(rng),
                "party": PARTIES[rng.usize(0..PARTIES.len())],
                "date": format!("{:02}-{:02}-20{}", rng.u32(1..29), rng.u32(1..13), rng.u32(19..30)),
                "ro_name": person(rng), "ro_signed": rng.f64() < 0.85,
            });
            if kind == FormKind::Form21E {
                v["rejected"] = rng.u32(0..60).into();
                v["columns"] = json!(crate::counting::form20::RETURN_COLUMNS);
                v["candidates_votes"] = rows.into();
            }
            v
        }
        _ => {
            let cands = if rng.f64() < 0.8 {
                rng.usize(4..17)
            } else {
                rng.usize(17..41)
            };
            let tables = if rng.f64() < 0.7 {
                14
            } else {
                rng.usize(6..25)
            };
            let base = json!({
                "ac_no": ac_no, "ac_name": ac_name, "round": rng.u32(1..26), "revision": rng.u32(1..4),
                "ro_signed": rng.f64() < 0.85,
            });
            sized_round_sheet(base, tables, cands, rng)
        }
    }
}

/// Form 20 of a made-up AC: 4 to 16 candidates and NOTA, 5 to 60
/// stations, each row's valid votes and total consistent with its figures.
fn result_sheet(ac_no: u32, ac_name: &str, rng: &mut fastrand::Rng) -> Value {
    let n = rng.usize(4..17);
    let mut cols: Vec<String> = (0..n).map(|_| person(rng)).collect();
    cols.extend(["NOTA", "Total of valid votes (NOTA excluded)", "Total"].map(String::from));
    let line = |votes: Vec<u64>, rejected: u64| {
        let valid: u64 = votes[..n].iter().sum();
        let mut v = votes.clone();
        v.extend([valid, valid + votes[n] + rejected]);
        v
    };
    let mut evm = vec![0u64; n + 1];
    let stations: Vec<Value> = (1..=rng.u32(5..61))
        .map(|ps| {
            let votes: Vec<u64> = (0..=n).map(|_| rng.u64(0..700 / n as u64 + 5)).collect();
            for (e, v) in evm.iter_mut().zip(&votes) {
                *e += v;
            }
            json!({"ps_no": ps, "votes": line(votes, 0)})
        })
        .collect();
    let postal: Vec<u64> = (0..=n).map(|_| rng.u64(0..200)).collect();
    let rejected = rng.u64(0..30);
    let total: Vec<u64> = evm.iter().zip(&postal).map(|(a, b)| a + b).collect();
    json!({
        "ac_no": ac_no, "ac_name": ac_name, "rejected": rejected, "candidates": cols,
        "stations": stations, "evm": line(evm, 0), "postal": line(postal, rejected),
        "total": line(total, rejected), "ro_signed": rng.f64() < 0.85,
    })
}

/// Ground truth for one generated page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    pub file: String,
    pub page: usize,
    pub form: String,
    pub qr: String,
    pub fields: Map<String, Value>,
    pub marks: Map<String, Value>,
    pub degradation: Degradation,
}

impl Truth {
    /// The page as `score` names it: its file, `#` and its page number.
    pub fn page_name(&self) -> String {
        format!("{}#{}", self.file, self.page)
    }
}

/// Which form the i-th generated page is: 13A and 13B most, as on counting day.
pub fn form_for(i: usize) -> &'static str {
    [
        FormKind::Form13A,
        FormKind::Form13B,
        FormKind::RoundSheet,
        FormKind::Form13A,
        FormKind::Form13B,
        FormKind::Certificate,
    ][i % 6]
        .id()
}

/// What `generate` makes.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub count: usize,
    pub seed: u64,
    /// Forms to cycle through; empty means the counting-day mix (`form_for`).
    pub forms: Vec<String>,
    /// Round sheets of exactly this many tables × candidates.
    pub grid: Option<(usize, usize)>,
    /// All pages as JPEG pages of one `batch.pdf`, as a sheet-fed scanner writes a batch.
    pub batch: bool,
    /// The stress set's degradations ([`Degradation::stress`]) for every page.
    pub stress: bool,
    /// ETPBS covers as they come at the count: each ballot's Form 13C,
    /// 13A and 13B, sharing its ballot id, AC and serial number, all the
    /// pages in a shuffled order (`forms` is ignored).
    pub etpbs: bool,
}

impl Spec {
    /// `count` pages of the usual mix.
    pub fn mix(count: usize, seed: u64) -> Spec {
        Spec {
            count,
            seed,
            ..Spec::default()
        }
    }
}

/// The `truth.json` that [`generate`] wrote into `dir`.
pub fn read_truth(dir: &Path) -> Result<Vec<Truth>> {
    let path = dir.join("truth.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Values {
        form: "truth.json".into(),
        reason: e.to_string(),
    })
}

/// Writes simulated scans into `dir` with `truth.json`. The first page of
/// each form in the mix is a clean scan; the rest are randomly degraded.
/// Pages are made on all cores; each has its own seed, so the set is the
/// same however many cores there are.
pub fn generate(dir: &Path, spec: &Spec) -> Result<Vec<Truth>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let models = ModelSet::builtin();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut results: Vec<(usize, Result<Made>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= spec.count {
                            return out;
                        }
                        out.push((i, make_one(dir, &models, i, spec)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    let made = results
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Result<Vec<_>>>()?;
    let pages: Vec<ScanPage> = made.iter().filter_map(|(_, p)| p.clone()).collect();
    if !pages.is_empty() {
        let path = dir.join("batch.pdf");
        std::fs::write(&path, scans_to_pdf(&pages)?).map_err(|e| Error::io(&path, e))?;
    }
    let truths: Vec<Truth> = made.into_iter().map(|(t, _)| t).collect();
    let text = serde_json::to_string_pretty(&truths).map_err(|e| Error::Values {
        form: "samples".into(),
        reason: e.to_string(),
    })?;
    std::fs::write(dir.join("truth.json"), text)
        .map_err(|e| Error::io(dir.join("truth.json"), e))?;
    Ok(truths)
}

/// The `i`-th page of an ETPBS batch (see [`Spec::etpbs`]): which cover of
/// which ballot it is, in an order shuffled by the seed, and its values.
fn etpbs_page(spec: &Spec, i: usize) -> (&'static str, Value) {
    let mut order: Vec<usize> = (0..spec.count).collect();
    fastrand::Rng::with_seed(spec.seed ^ 0xE7B5).shuffle(&mut order);
    let slot = order[i];
    let mut rng =
        fastrand::Rng::with_seed(spec.seed.wrapping_mul(31).wrapping_add((slot / 3) as u64));
    let declaration = random_values(FormKind::Form13A.id(), &mut rng);
    let keep = |keys: &[&str]| -> Value {
        keys.iter()
            .map(|k| (k.to_string(), declaration[*k].clone()))
            .collect::<Map<String, Value>>()
            .into()
    };
    match slot % 3 {
        0 => (
            FormKind::Form13C.id(),
            keep(&["ballot_id", "ac_no", "ac_name"]),
        ),
        1 => (FormKind::Form13A.id(), declaration.clone()),
        _ => (
            FormKind::Form13B.id(),
            keep(&["ballot_id", "ac_no", "ac_name", "postal_ballot_serial_no"]),
        ),
    }
}

/// One generated page: its truth, and its page image when it goes into a batch PDF.
type Made = (Truth, Option<ScanPage>);

fn make_one(dir: &Path, models: &ModelSet, i: usize, spec: &Spec) -> Result<Made> {
    let mut rng = fastrand::Rng::with_seed(
        spec.seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(i as u64),
    );
    let (form, mut values) = if spec.etpbs {
        etpbs_page(spec, i)
    } else {
        let form = if spec.forms.is_empty() {
            form_for(i)
        } else {
            spec.forms[i % spec.forms.len()].as_str()
        };
        (form, random_values(form, &mut rng))
    };
    let model = models.get(form)?;
    if let (true, Some((tables, cands))) = (form == FormKind::RoundSheet.id(), spec.grid) {
        values = sized_round_sheet(values, tables, cands, &mut rng);
    }
    let page = layout(model, &values)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Values {
            form: form.into(),
            reason: "no page".into(),
        })?;
    let mut d = if spec.stress {
        Degradation::stress(&mut rng)
    } else if i < 6 && spec.forms.is_empty() {
        Degradation::clean()
    } else {
        Degradation::random(&mut rng)
    };
    let img = scan(&page, &d, &mut rng);
    let truth = |file: String, page_no: usize, d: Degradation| Truth {
        file,
        page: page_no,
        form: form.into(),
        qr: page.payload.clone(),
        fields: page.fields.clone(),
        marks: page.marks.clone(),
        degradation: d,
    };
    if spec.batch {
        d.container = "pdf-jpeg".into();
        let ppm = d.dpi / 25.4;
        let scan_page = ScanPage {
            width_mm: f64::from(img.width()) / ppm,
            height_mm: f64::from(img.height()) / ppm,
            px_w: img.width(),
            px_h: img.height(),
            encoding: ScanEncoding::Jpeg(jpeg(&img, d.jpeg_quality)?),
        };
        return Ok((truth("batch.pdf".into(), i + 1, d), Some(scan_page)));
    }
    let file = write_scan(dir, &format!("{i:04}-{form}"), &img, &d)?;
    Ok((truth(file, 1, d), None))
}

/// Round-sheet values with exactly `tables` rows and `cands` candidates (NOTA last).
pub fn sized_round_sheet(
    mut values: Value,
    tables: usize,
    cands: usize,
    rng: &mut fastrand::Rng,
) -> Value {
    let cands = cands.max(2);
    let strength: Vec<f64> = (0..cands)
        .map(|i| {
            if i < 3 {
                0.5 + rng.f64()
            } else {
                rng.f64() * 0.1
            }
        })
        .collect();
    let rows: Vec<Value> = (0..tables)
        .map(|t| {
            let votes: Vec<u32> = strength
                .iter()
                .map(|s| (s * rng.f64() * 450.0) as u32)
                .collect();
            json!({ "table": t + 1, "ps_no": rng.u32(1..320), "votes": votes })
        })
        .collect();
    let mut names: Vec<String> = (0..cands - 1).map(|_| person(rng)).collect();
    names.push("NOTA".into());
    values["candidates"] = json!(names);
    values["tables"] = json!(rows);
    values
}

/// Fills a page with a flat grey for tests of non-forms.
pub fn blank_page(dpi: f64) -> GrayImage {
    let ppm = dpi / 25.4;
    GrayImage::from_pixel((210.0 * ppm) as u32, (297.0 * ppm) as u32, Luma([245]))
}

/// Values read within one band of confidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Band {
    pub values: usize,
    pub wrong: usize,
}

/// How well a reading matched the ground truth.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Score {
    pub pages: usize,
    pub forms_right: usize,
    pub qr_right: usize,
    /// Values compared (every grid cell counts as one).
    pub fields: usize,
    pub fields_right: usize,
    /// Wrong values whose confidence was at or above their threshold.
    pub silent_errors: usize,
    pub marks: usize,
    pub marks_right: usize,
    /// Values by the confidence they were read with, in tenths (0.0–0.1,
    /// …, 0.9–1.0): how many, and how many of those were wrong. The
    /// reliability table that thresholds and agreement floors are set by.
    pub by_confidence: [Band; 10],
    /// Values read under their threshold but at or over their agreement
    /// floor: they are verified when they equal the independent figure
    /// (the register, the AC) — right ones save a decision; a wrong one
    /// would be verified only if the entry carried the same error.
    pub agreeable_right: usize,
    pub agreeable_wrong: usize,
    /// What went wrong, one line each: every wrong value that was sure
    /// (marked SILENT), and the first 50 other misses.
    pub misses: Vec<String>,
    /// Wrong values by page (file, and page number when a file holds
    /// several): where to look first.
    pub wrong_by_page: BTreeMap<String, usize>,
}

impl Score {
    /// Share of values read exactly right.
    pub fn field_accuracy(&self) -> f64 {
        self.fields_right as f64 / self.fields.max(1) as f64
    }
    /// Share of ink boxes judged right.
    pub fn mark_accuracy(&self) -> f64 {
        self.marks_right as f64 / self.marks.max(1) as f64
    }

    fn miss(&mut self, line: String) {
        if self.misses.len() < 50 {
            self.misses.push(line);
        }
    }

    /// Adds one page's reading (`report` as `extract` printed it) against its truth.
    pub fn add(&mut self, models: &ModelSet, truth: &Truth, report: &Value) {
        self.pages += 1;
        if report["form"] == json!(truth.form) {
            self.forms_right += 1;
        } else {
            self.miss(format!(
                "{}: form {} read as {}",
                truth.file, truth.form, report["form"]
            ));
        }
        if report["qr"] == json!(truth.qr) {
            self.qr_right += 1;
        }
        let Ok(model) = models.get(&truth.form) else {
            return;
        };
        for (name, want) in &truth.fields {
            let threshold = model.field(name).map_or(0.8, |f| f.threshold);
            // A text (a name) is right when it is the same text as the
            // checks compare it: spacing and punctuation aside ("F.S.
            // NAIR" is "F. S. NAIR"); every other value must be exact.
            // An identifier likewise as the checks compare it (O and 0,
            // Z and 2 alike: `forms/ident.rs`).
            let kind = model
                .field(name)
                .filter(|f| f.qr_key.is_none())
                .map(|f| f.kind);
            let same = |w: &Value, g: &Value| match (w, g, kind) {
                (Value::String(w), Value::String(g), Some(crate::forms::FieldKind::Text)) => {
                    crate::pipeline::Scalar::from(w.as_str())
                        .same_text(&crate::pipeline::Scalar::from(g.as_str()))
                }
                (Value::String(w), Value::String(g), Some(crate::forms::FieldKind::Ident)) => {
                    crate::forms::ident::same(w, g)
                }
                _ => w == g,
            };
            let floor = model.field(name).and_then(|f| f.agree_from);
            let got = &report["fields"][name];
            let pairs = flatten(want, &got["value"], &got["confidence"]);
            for (w, g, c) in pairs {
                self.fields += 1;
                let band = &mut self.by_confidence[((c * 10.0) as usize).min(9)];
                band.values += 1;
                if !same(&w, &g) {
                    band.wrong += 1;
                }
                if floor.is_some_and(|f| c >= f) && c < threshold && !g.is_null() {
                    if same(&w, &g) {
                        self.agreeable_right += 1;
                    } else {
                        self.agreeable_wrong += 1;
                    }
                }
                if same(&w, &g) {
                    self.fields_right += 1;
                } else {
                    *self.wrong_by_page.entry(truth.page_name()).or_default() += 1;
                    let silent = c >= threshold;
                    let line = format!(
                        "{} {name}: want {w} got {g} conf {c:.3}{}",
                        truth.file,
                        if silent { " SILENT" } else { "" }
                    );
                    if silent {
                        // Every wrong value that was sure is listed.
                        self.silent_errors += 1;
                        self.misses.push(line);
                    } else {
                        self.miss(line);
                    }
                }
            }
        }
        for (name, want) in &truth.marks {
            self.marks += 1;
            if report["marks"][name]["value"] == *want {
                self.marks_right += 1;
            } else {
                self.miss(format!(
                    "{} mark {name}: want {want} got {}",
                    truth.file, report["marks"][name]
                ));
            }
        }
    }
}

/// Pairs every scalar of `want` with what was read and its confidence.
fn flatten(want: &Value, got: &Value, conf: &Value) -> Vec<(Value, Value, f64)> {
    match want {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, w)| {
                flatten(
                    w,
                    got.get(i).unwrap_or(&Value::Null),
                    conf.get(i).unwrap_or(&Value::Null),
                )
            })
            .collect(),
        w => vec![(w.clone(), got.clone(), conf.as_f64().unwrap_or(0.0))],
    }
}

/// Prints filled forms (model id, values) and simulates scanning them: a
/// clean 200-dpi scan, or with `seed`, a random scanner degradation (skew,
/// quarter turns, noise...) for every page. Every page goes into one PDF of
/// JPEG page images, as a sheet-fed scanner writes a batch.
pub fn scan_forms(
    models: &ModelSet,
    forms: &[(&str, &Value)],
    seed: Option<u64>,
) -> Result<Vec<u8>> {
    let mut rng = fastrand::Rng::with_seed(seed.unwrap_or(0));
    let mut out = vec![];
    for (form, values) in forms {
        for page in &layout(models.get(form)?, values)? {
            let mut d = match seed {
                Some(_) => Degradation::random(&mut rng),
                None => Degradation::clean(),
            };
            d.bilevel = false;
            let img = scan(page, &d, &mut rng);
            let ppm = d.dpi / 25.4;
            out.push(ScanPage {
                width_mm: f64::from(img.width()) / ppm,
                height_mm: f64::from(img.height()) / ppm,
                px_w: img.width(),
                px_h: img.height(),
                encoding: ScanEncoding::Jpeg(jpeg(&img, d.jpeg_quality.max(75))?),
            });
        }
    }
    scans_to_pdf(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar() -> GrayImage {
        let mut img = GrayImage::from_pixel(200, 300, image::Luma([255]));
        for y in 0..300 {
            for x in 90..110 {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
        img
    }

    #[test]
    fn the_stress_recipe_lights_a_bilevel_scan_evenly() {
        let mut rng = fastrand::Rng::with_seed(3);
        let drawn: Vec<Degradation> = (0..2000).map(|_| Degradation::stress(&mut rng)).collect();
        let count = |f: &dyn Fn(&Degradation) -> bool| drawn.iter().filter(|d| f(d)).count();
        // Both kinds are drawn, never together.
        assert!(count(&|d| d.bilevel) > 100);
        assert!(count(&|d| d.uneven > 0.0) > 100);
        assert_eq!(count(&|d| d.bilevel && d.uneven > 0.0), 0);
    }

    #[test]
    fn a_keystone_narrows_the_top_and_keeps_the_bottom() {
        let img = keystone(&bar(), 0.2);
        // The bar stays in the middle; the page's top corners are beyond
        // the paper (white), its bottom row is the page's own.
        assert_eq!(img.get_pixel(100, 2).0[0], 0);
        let row = |y: u32| {
            (0..200)
                .map(|x| img.get_pixel(x, y).0[0])
                .collect::<Vec<_>>()
        };
        let bottom = row(299);
        assert_eq!(
            bottom,
            (0..200)
                .map(|x| bar().get_pixel(x, 299).0[0])
                .collect::<Vec<_>>()
        );
        // At the top the bar is narrower: the page is seen from further.
        let dark = |r: &[u8]| r.iter().filter(|&&v| v == 0).count();
        assert!(
            dark(&row(1)) < dark(&bottom),
            "{} {}",
            dark(&row(1)),
            dark(&bottom)
        );
    }

    #[test]
    fn motion_blur_smears_along_its_direction_only() {
        let img = motion_blur(&bar(), 8.0, 0.0);
        // Across the bar (horizontal shake) its edges turn grey...
        let edge = img.get_pixel(90, 150).0[0];
        assert!(edge > 40 && edge < 215, "{edge}");
        // ...a shake along the bar (vertical) leaves them sharp.
        let along = motion_blur(&bar(), 8.0, 90.0);
        assert_eq!(along.get_pixel(90, 150).0[0], 0);
        assert_eq!(along.get_pixel(89, 150).0[0], 255);
    }
}
