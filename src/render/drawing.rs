//! A printed page as a list of shapes in millimetres (origin top-left, y down).
//!
//! Layout produces a `Drawing`; the PDF writer and the rasteriser both take it,
//! so the PDF we print and the pixels our sample scans start from are the same
//! page. Nothing here knows about forms.

use image::GrayImage;

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

    /// Adds a text line.
    pub fn text(&mut self, x: f64, y: f64, size_pt: f64, text: impl Into<String>, align: Align) {
        self.shapes.push(Shape::Text {
            x,
            y,
            size_pt,
            text: text.into(),
            align,
        });
    }
}
