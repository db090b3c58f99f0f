//! The one font Scrutiny prints with (DejaVu Sans, embedded in the binary),
//! so a PDF looks the same in every viewer and our own rasteriser draws
//! exactly the glyphs a viewer would.

use ab_glyph::{Font, FontRef};

/// The TrueType file embedded in every PDF we print.
pub const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The embedded font, parsed once.
pub fn font() -> &'static FontRef<'static> {
    static FONT: std::sync::OnceLock<FontRef<'static>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| {
        // The bytes are compiled in and checked by a unit test.
        #[allow(clippy::expect_used)]
        FontRef::try_from_slice(FONT_BYTES).expect("embedded font parses")
    })
}

/// Maps a character to its byte in the PDF's WinAnsi encoding, or `?`.
pub fn win_ansi(c: char) -> u8 {
    match c as u32 {
        0x20..=0x7e | 0xa0..=0xff => c as u32 as u8,
        _ => b'?',
    }
}

/// The character a WinAnsi byte stands for (the inverse of [`win_ansi`]).
pub fn from_win_ansi(b: u8) -> char {
    char::from(b)
}

/// Glyph advance of a WinAnsi byte, in thousandths of the font size (PDF `Widths`).
pub fn width_1000(b: u8) -> f64 {
    let f = font();
    let id = f.glyph_id(from_win_ansi(b));
    f64::from(f.h_advance_unscaled(id)) * 1000.0 / f64::from(f.units_per_em().unwrap_or(2048.0))
}

/// Width of a text line in millimetres at `size_pt`.
pub fn text_width_mm(text: &str, size_pt: f64) -> f64 {
    let thousandths: f64 = text.chars().map(|c| width_1000(win_ansi(c))).sum();
    thousandths / 1000.0 * size_pt * 25.4 / 72.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_have_one_width_and_text_is_measured() {
        let w0 = width_1000(b'0');
        assert!((500.0..700.0).contains(&w0), "{w0}");
        assert!((0..10u8).all(|d| (width_1000(b'0' + d) - w0).abs() < 1e-9));
        assert!(text_width_mm("Rewa", 12.0) > text_width_mm("Re", 12.0));
    }
}
