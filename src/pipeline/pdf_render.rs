//! PDF pages that are not one page-sized image — born-digital forms (ours or
//! another program's), a scanner's strips, an image with text or other
//! images beside it, an image in an encoding the fast path does not read —
//! are drawn by hayro, a PDF renderer (fonts of every kind, vector paths,
//! inline images, every image filter and colour space, masks, `/Rotate`,
//! crop boxes), at the resolution the reader needs. Why hayro: README,
//! "Five first questions"; where it sits: docs/design.md, "A page flows one
//! way".
//!
//! The renderer reports no errors of its own: what it cannot draw it leaves
//! out. Its time and memory are bounded by the reader process it runs in
//! (`sandbox`), and a page's size is checked before a pixel is allocated.

use std::sync::Arc;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};
use image::GrayImage;

use super::pages::{MAX_PIXELS, check_dims};
use crate::error::{Error, Result};

/// Largest decoded content of one drawn page (our own forms write about
/// 40 KB, a page printed by Chromium 10 KB).
pub const MAX_PAGE_CONTENT: usize = 4 << 20;
/// Largest decoded content of all the drawn pages of one file together:
/// pages that share one content stream each draw it again.
pub const MAX_FILE_CONTENT: usize = 64 << 20;

/// Takes a page's drawing (its content, decoded) from what the file's
/// pages may still draw between them, `left`; refuses a page, or a file
/// (`left` is then 0), whose drawing is past its bound, before anything is
/// drawn.
pub fn charge_content(
    doc: &lopdf::Document,
    page: lopdf::ObjectId,
    left: &mut usize,
) -> Result<()> {
    let content = doc
        .get_page_content_with_limit(page, MAX_PAGE_CONTENT)
        .map_err(|e| match e {
            lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
                Error::TooLarge {
                    reason: format!(
                        "the page's drawing inflates to more than {} MB",
                        MAX_PAGE_CONTENT >> 20
                    ),
                }
            }
            e => Error::MalformedPdf {
                reason: format!("page content: {e}"),
            },
        })?;
    match left.checked_sub(content.len()) {
        Some(rest) => {
            *left = rest;
            Ok(())
        }
        None => {
            *left = 0;
            Err(Error::TooLarge {
                reason: format!(
                    "the pages' drawings inflate to more than {} MB together",
                    MAX_FILE_CONTENT >> 20
                ),
            })
        }
    }
}

/// Opens a PDF for drawing. A file that needs a password is
/// `encrypted-pdf`; one the renderer cannot parse is `malformed-pdf`.
pub fn open(bytes: &Arc<Vec<u8>>) -> Result<Pdf> {
    Pdf::new(bytes.clone()).map_err(|e| match e {
        LoadPdfError::Decryption(_) => Error::EncryptedPdf,
        LoadPdfError::Invalid => Error::MalformedPdf {
            reason: "the renderer cannot parse the file".into(),
        },
    })
}

/// A page's size as drawn (crop box, turned by `/Rotate`) in points.
pub fn page_points(pdf: &Pdf, index: usize) -> Result<(f64, f64)> {
    let page = pdf.pages().get(index).ok_or_else(|| Error::MalformedPdf {
        reason: format!("page {} is not in the page tree", index + 1),
    })?;
    let (w, h) = page.render_dimensions();
    let (w, h) = (f64::from(w), f64::from(h));
    if !(10.0..=15_000.0).contains(&w) || !(10.0..=15_000.0).contains(&h) {
        return Err(Error::MalformedPdf {
            reason: format!("page size {w:.0} × {h:.0} pt"),
        });
    }
    Ok((w, h))
}

/// The resolution a page of `points` is drawn at: `dpi`, lowered so that the
/// page stays within the pixels one page may have.
pub fn fitting_dpi(points: (f64, f64), dpi: f64) -> f64 {
    let square_inches = points.0 * points.1 / (72.0 * 72.0);
    dpi.min((MAX_PIXELS as f64 / square_inches).sqrt())
}

/// The pixel size of a page of `points` drawn at `dpi`.
pub fn pixels(points: (f64, f64), dpi: f64) -> (u32, u32) {
    let px = |pt: f64| (pt * dpi / 72.0).round().max(1.0) as u32;
    (px(points.0), px(points.1))
}

/// Draws page `index` (from 0) of `bytes` at `dpi`, in grey on white paper.
pub fn render(bytes: &Arc<Vec<u8>>, index: usize, dpi: f64) -> Result<GrayImage> {
    let pdf = open(bytes)?;
    let points = page_points(&pdf, index)?;
    let (w, h) = pixels(points, dpi);
    check_dims(w, h)?;
    let Some(page) = pdf.pages().get(index) else {
        return Err(Error::MalformedPdf {
            reason: format!("page {} is not in the page tree", index + 1),
        });
    };
    // The scale that makes the drawn page exactly `w × h`.
    let scale = |px: u32, pt: f64| (f64::from(px) / pt) as f32;
    let pixmap = hayro::render(
        page,
        &RenderCache::new(),
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &PixmapSettings {
            x_scale: scale(w, points.0),
            y_scale: scale(h, points.1),
            bg_color: WHITE,
        },
    );
    let (pw, ph) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    // Premultiplied RGBA over an opaque white background: alpha is 255.
    let grey = pixmap
        .data_as_u8_slice()
        .chunks_exact(4)
        .map(super::pages::luma)
        .collect();
    GrayImage::from_raw(pw, ph, grey).ok_or_else(|| Error::MalformedPdf {
        reason: "the renderer drew a page of the wrong size".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_too_large_for_its_resolution_is_drawn_coarser() {
        // A0 at 600 dpi is 19,866 × 28,087 pixels: more than one page may
        // have; it is drawn at the resolution that fits.
        let a0 = (2384.0, 3370.0);
        let dpi = fitting_dpi(a0, 600.0);
        assert!(dpi < 600.0 && dpi > 100.0, "{dpi}");
        let (w, h) = pixels(a0, dpi);
        assert!(u64::from(w) * u64::from(h) <= MAX_PIXELS, "{w} × {h}");
        assert!(check_dims(w, h).is_ok());
        // A4 at 200 dpi is kept as asked.
        assert_eq!(fitting_dpi((595.0, 842.0), 200.0), 200.0);
        assert_eq!(pixels((595.0, 842.0), 200.0), (1653, 2339));
    }

    #[test]
    fn a_file_the_renderer_cannot_parse_is_malformed() {
        let err = open(&Arc::new(b"%PDF-1.4\nnot a pdf at all".to_vec()))
            .err()
            .map(|e| e.code());
        assert_eq!(err, Some("malformed-pdf"));
    }
}
