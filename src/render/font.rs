//! The fonts Scrutiny prints with, embedded in the binary, so a PDF looks
//! the same in every viewer and our own rasteriser draws exactly the glyphs
//! a viewer would: DejaVu Sans for Latin text (WinAnsi), Noto Sans
//! Devanagari for Hindi, shaped with rustybuzz (conjuncts, matras and
//! reordered vowel signs as the script writes them, not glyph by glyph).

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

/// The Devanagari font embedded in PDFs that print Hindi.
pub const DEVANAGARI_BYTES: &[u8] =
    include_bytes!("../../assets/fonts/NotoSansDevanagari-Regular.ttf");

/// The Devanagari font, parsed once (for drawing its glyphs).
pub fn devanagari() -> &'static FontRef<'static> {
    static FONT: std::sync::OnceLock<FontRef<'static>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| {
        // The bytes are compiled in and checked by a unit test.
        #[allow(clippy::expect_used)]
        FontRef::try_from_slice(DEVANAGARI_BYTES).expect("embedded Devanagari font parses")
    })
}

fn devanagari_face() -> &'static rustybuzz::Face<'static> {
    static FACE: std::sync::OnceLock<rustybuzz::Face<'static>> = std::sync::OnceLock::new();
    FACE.get_or_init(|| {
        // The same compiled-in bytes as `devanagari`.
        #[allow(clippy::expect_used)]
        rustybuzz::Face::from_slice(DEVANAGARI_BYTES, 0).expect("embedded Devanagari font shapes")
    })
}

/// Whether a character is written in the Devanagari script (or joins it).
pub fn is_devanagari(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{200C}' | '\u{200D}')
}

/// A shaped glyph of the Devanagari font: its id, and where it sits from
/// the start of its run, in thousandths of the font size (x right, y up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    pub id: u16,
    pub x: f64,
    pub y: f64,
}

/// A piece of a text line in one font.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    /// Latin text, drawn character by character in DejaVu Sans.
    Latin(String),
    /// Devanagari shaped into glyphs, and the run's advance (thousandths).
    Devanagari(Vec<Glyph>, f64),
}

impl Run {
    /// The run's advance, in thousandths of the font size.
    pub fn width_1000(&self) -> f64 {
        match self {
            Run::Latin(t) => t.chars().map(|c| width_1000(win_ansi(c))).sum(),
            Run::Devanagari(_, w) => *w,
        }
    }
}

/// A text line cut into runs of one script each; a space or a mark of
/// punctuation stays with the run it follows (a Hindi name keeps its
/// spaces), digits are Latin.
pub fn runs(text: &str) -> Vec<Run> {
    let mut pieces: Vec<(bool, String)> = vec![];
    for c in text.chars() {
        let deva = if is_devanagari(c) {
            true
        } else if c.is_whitespace() || c.is_ascii_punctuation() {
            pieces.last().is_some_and(|(d, _)| *d)
        } else {
            false
        };
        match pieces.last_mut() {
            Some((d, s)) if *d == deva => s.push(c),
            _ => pieces.push((deva, c.to_string())),
        }
    }
    pieces
        .into_iter()
        .map(|(deva, s)| {
            if deva {
                shape_devanagari(&s)
            } else {
                Run::Latin(s)
            }
        })
        .collect()
}

/// Shapes a Devanagari run with rustybuzz.
fn shape_devanagari(text: &str) -> Run {
    let face = devanagari_face();
    let upm = f64::from(face.units_per_em());
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    let shaped = rustybuzz::shape(face, &[], buffer);
    let mut caret = 0.0;
    let mut glyphs = Vec::with_capacity(shaped.len());
    for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
        let k = 1000.0 / upm;
        glyphs.push(Glyph {
            id: u16::try_from(info.glyph_id).unwrap_or(0),
            x: caret + f64::from(pos.x_offset) * k,
            y: f64::from(pos.y_offset) * k,
        });
        caret += f64::from(pos.x_advance) * k;
    }
    Run::Devanagari(glyphs, caret)
}

/// Advance of a Devanagari glyph, in thousandths of the font size (PDF `W`).
pub fn devanagari_width_1000(id: u16) -> f64 {
    let f = devanagari();
    f64::from(f.h_advance_unscaled(ab_glyph::GlyphId(id))) * 1000.0
        / f64::from(f.units_per_em().unwrap_or(1000.0))
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

/// Width of a text line in millimetres at `size_pt` (Hindi shaped).
pub fn text_width_mm(text: &str, size_pt: f64) -> f64 {
    let thousandths: f64 = if text.chars().any(is_devanagari) {
        runs(text).iter().map(Run::width_1000).sum()
    } else {
        text.chars().map(|c| width_1000(win_ansi(c))).sum()
    };
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

    #[test]
    fn hindi_is_shaped_into_conjuncts_and_reordered_matras() {
        // क्ष is one conjunct glyph, not क + ् + ष side by side.
        let glyphs = |t: &str| match &runs(t)[..] {
            [Run::Devanagari(g, _)] => g.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(glyphs("क्ष").len(), 1);
        // The short i matra is drawn before the consonant it follows in text.
        let ki = glyphs("कि");
        let ka = glyphs("क")[0].id;
        assert_eq!(ki.len(), 2);
        assert_eq!(ki[1].id, ka);
        assert!(ki[0].x < ki[1].x, "{ki:?}");
        // A line of both scripts: Latin, then Hindi with its spaces, then digits.
        let r = runs("Form 13A / प्रपत्र संख्या 13क");
        assert!(
            matches!(&r[0], Run::Latin(t) if t == "Form 13A / "),
            "{r:?}"
        );
        assert!(matches!(&r[1], Run::Devanagari(..)), "{r:?}");
        assert!(text_width_mm("प्रपत्र", 10.0) > 5.0);
    }
}
