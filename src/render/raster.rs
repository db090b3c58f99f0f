//! Drawing a page to grey pixels: the printer half of our simulated scans,
//! and how born-digital PDFs we printed are turned into page images.
//!
//! Text uses the embedded font through ab_glyph with the same advances the
//! PDF declares, so glyphs land where a PDF viewer puts them.

use ab_glyph::{Font, ScaleFont, point};
use image::{GrayImage, Luma};

use super::drawing::{Align, Drawing, Shape};
use super::font;

/// Draws `d` at `dpi` on white paper.
pub fn rasterize(d: &Drawing, dpi: f64) -> GrayImage {
    let s = dpi / 25.4;
    let w = (d.width_mm * s).round().max(1.0) as u32;
    let h = (d.height_mm * s).round().max(1.0) as u32;
    let mut img = GrayImage::from_pixel(w, h, Luma([255]));
    for shape in &d.shapes {
        match shape {
            Shape::Text {
                x,
                y,
                size_pt,
                text,
                align,
            } => {
                let width = font::text_width_mm(text, *size_pt);
                let x = match align {
                    Align::Left => *x,
                    Align::Center => x - width / 2.0,
                    Align::Right => x - width,
                };
                draw_text(&mut img, x * s, y * s, size_pt * dpi / 72.0, text);
            }
            Shape::Glyphs {
                x,
                y,
                size_pt,
                glyphs,
            } => draw_glyphs(&mut img, x * s, y * s, size_pt * dpi / 72.0, glyphs),
            Shape::Rect {
                x,
                y,
                w,
                h,
                fill: true,
                ..
            } => fill_rect(&mut img, x * s, y * s, w * s, h * s),
            Shape::Rect {
                x,
                y,
                w,
                h,
                fill: false,
                stroke,
            } => {
                let t = (stroke * s).max(1.0);
                fill_rect(&mut img, x * s, y * s, w * s, t);
                fill_rect(&mut img, x * s, (y + h) * s - t, w * s, t);
                fill_rect(&mut img, x * s, y * s, t, h * s);
                fill_rect(&mut img, (x + w) * s - t, y * s, t, h * s);
            }
            Shape::Path { points, stroke } => {
                let r = (stroke * s / 2.0).max(0.6);
                for seg in points.windows(2) {
                    draw_segment(
                        &mut img,
                        (seg[0].0 * s, seg[0].1 * s),
                        (seg[1].0 * s, seg[1].1 * s),
                        r,
                    );
                }
            }
            Shape::Image { x, y, w, h, image } => {
                draw_image(&mut img, x * s, y * s, w * s, h * s, image)
            }
        }
    }
    img
}

fn darken(img: &mut GrayImage, x: i64, y: i64, coverage: f32) {
    if x < 0 || y < 0 || x >= i64::from(img.width()) || y >= i64::from(img.height()) {
        return;
    }
    let p = img.get_pixel_mut(x as u32, y as u32);
    let v = f32::from(p.0[0]) * (1.0 - coverage.clamp(0.0, 1.0));
    p.0[0] = v.round() as u8;
}

fn draw_text(img: &mut GrayImage, x: f64, baseline: f64, px_per_em: f64, text: &str) {
    let f = font::font();
    // PxScale is the font's ascent-to-descent height in pixels, not its em.
    let Some(upm) = f.units_per_em() else { return };
    let scale = ab_glyph::PxScale::from(px_per_em as f32 * f.height_unscaled() / upm);
    let scaled = f.as_scaled(scale);
    let mut caret = x as f32;
    for c in text.chars() {
        let c = font::from_win_ansi(font::win_ansi(c));
        let id = f.glyph_id(c);
        let glyph = id.with_scale_and_position(scale, point(caret, baseline as f32));
        draw_glyph(img, f, glyph);
        caret += scaled.h_advance(id);
    }
}

/// One positioned glyph of a font, anti-aliased onto the page.
fn draw_glyph(img: &mut GrayImage, f: &ab_glyph::FontRef<'_>, glyph: ab_glyph::Glyph) {
    if let Some(outline) = f.outline_glyph(glyph) {
        let b = outline.px_bounds();
        outline.draw(|gx, gy, cov| {
            darken(
                img,
                b.min.x as i64 + i64::from(gx),
                b.min.y as i64 + i64::from(gy),
                cov,
            )
        });
    }
}

/// Shaped Devanagari glyphs from `x` on `baseline`, `px_per_em` pixels to
/// the em (glyph places in thousandths of it).
fn draw_glyphs(img: &mut GrayImage, x: f64, baseline: f64, px_per_em: f64, glyphs: &[font::Glyph]) {
    let f = font::devanagari();
    let Some(upm) = f.units_per_em() else { return };
    let scale = ab_glyph::PxScale::from(px_per_em as f32 * f.height_unscaled() / upm);
    for g in glyphs {
        let at = point(
            (x + g.x / 1000.0 * px_per_em) as f32,
            (baseline - g.y / 1000.0 * px_per_em) as f32,
        );
        let glyph = ab_glyph::GlyphId(g.id).with_scale_and_position(scale, at);
        draw_glyph(img, f, glyph);
    }
}

fn fill_rect(img: &mut GrayImage, x: f64, y: f64, w: f64, h: f64) {
    let (x0, y0) = (x.round().max(0.0) as u32, y.round().max(0.0) as u32);
    let (x1, y1) = (
        ((x + w).round() as u32).min(img.width()),
        ((y + h).round() as u32).min(img.height()),
    );
    for yy in y0..y1 {
        for xx in x0..x1 {
            img.put_pixel(xx, yy, Luma([0]));
        }
    }
}

fn draw_segment(img: &mut GrayImage, a: (f64, f64), b: (f64, f64), r: f64) {
    let (minx, maxx) = (a.0.min(b.0) - r - 1.0, a.0.max(b.0) + r + 1.0);
    let (miny, maxy) = (a.1.min(b.1) - r - 1.0, a.1.max(b.1) + r + 1.0);
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = (dx * dx + dy * dy).max(1e-9);
    for y in miny.floor() as i64..=maxy.ceil() as i64 {
        for x in minx.floor() as i64..=maxx.ceil() as i64 {
            let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
            let t = (((px - a.0) * dx + (py - a.1) * dy) / len2).clamp(0.0, 1.0);
            let (qx, qy) = (a.0 + t * dx - px, a.1 + t * dy - py);
            let dist = (qx * qx + qy * qy).sqrt();
            let cov = (r + 0.5 - dist).clamp(0.0, 1.0) as f32;
            if cov > 0.0 {
                let idx_ok =
                    x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height();
                if idx_ok {
                    // Overlapping segments must not darken twice past black.
                    let p = img.get_pixel_mut(x as u32, y as u32);
                    let target = (255.0 * (1.0 - cov)).round() as u8;
                    p.0[0] = p.0[0].min(target);
                }
            }
        }
    }
}

fn draw_image(img: &mut GrayImage, x: f64, y: f64, w: f64, h: f64, src: &GrayImage) {
    let (x0, y0) = (x.round().max(0.0) as u32, y.round().max(0.0) as u32);
    let (x1, y1) = (
        ((x + w).round() as u32).min(img.width()),
        ((y + h).round() as u32).min(img.height()),
    );
    for yy in y0..y1 {
        let sy = (((f64::from(yy) + 0.5 - y) / h * f64::from(src.height())) as u32)
            .min(src.height() - 1);
        for xx in x0..x1 {
            let sx = (((f64::from(xx) + 0.5 - x) / w * f64::from(src.width())) as u32)
                .min(src.width() - 1);
            img.put_pixel(xx, yy, *src.get_pixel(sx, sy));
        }
    }
}
