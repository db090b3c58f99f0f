//! A printed page as a list of shapes in millimetres (origin top-left, y down).
//!
//! Layout produces a `Drawing`; the PDF writer and the rasteriser both take it,
//! so the PDF we print and the pixels our sample scans start from are the same
//! page. Nothing here knows about forms.

use image::GrayImage;

use super::font::{self, Glyph, Run};

/// Horizontal anchoring of a text line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// One thing drawn on a page.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A line of text; `y` is the baseline.
    Text {
        x: f64,
        y: f64,
        size_pt: f64,
        text: String,
        align: Align,
    },
    /// Shaped Devanagari glyphs (`font::Glyph`) from `x` on the baseline
    /// `y`, drawn left-aligned in the embedded Devanagari font.
    Glyphs {
        x: f64,
        y: f64,
        size_pt: f64,
        glyphs: Vec<Glyph>,
    },
    /// A rectangle, filled or stroked with `stroke` mm lines.
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: bool,
        stroke: f64,
    },
    /// A stroked open path (rules, signatures).
    Path {
        points: Vec<(f64, f64)>,
        stroke: f64,
    },
    /// A grey image stretched over the box, drawn with hard pixel edges.
    Image {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        image: GrayImage,
    },
}

/// A page to print.
#[derive(Debug, Clone)]
pub struct Drawing {
    pub width_mm: f64,
    pub height_mm: f64,
    pub shapes: Vec<Shape>,
}

impl Drawing {
    /// An empty page.
    pub fn new(width_mm: f64, height_mm: f64) -> Drawing {
        Drawing {
            width_mm,
            height_mm,
            shapes: Vec::new(),
        }
    }

    /// Adds a text line. A line holding Hindi is shaped here, into Latin
    /// runs and runs of Devanagari glyphs placed one after the other.
    pub fn text(&mut self, x: f64, y: f64, size_pt: f64, text: impl Into<String>, align: Align) {
        let text = text.into();
        if !text.chars().any(font::is_devanagari) {
            self.shapes.push(Shape::Text {
                x,
                y,
                size_pt,
                text,
                align,
            });
            return;
        }
        let runs = font::runs(&text);
        let mm = |thousandths: f64| thousandths / 1000.0 * size_pt * 25.4 / 72.0;
        let width = mm(runs.iter().map(Run::width_1000).sum());
        let mut caret = match align {
            Align::Left => x,
            Align::Center => x - width / 2.0,
            Align::Right => x - width,
        };
        for run in runs {
            let advance = mm(run.width_1000());
            self.shapes.push(match run {
                Run::Latin(text) => Shape::Text {
                    x: caret,
                    y,
                    size_pt,
                    text,
                    align: Align::Left,
                },
                Run::Devanagari(glyphs, _) => Shape::Glyphs {
                    x: caret,
                    y,
                    size_pt,
                    glyphs,
                },
            });
            caret += advance;
        }
    }
}
