//! Where each cell of a grid field sits, for a given number of rows and
//! candidate columns. Printing and reading both call this, so they agree.

use super::{BoxMm, GridLayout};

/// The cells of one printed grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridGeometry {
    pub area: BoxMm,
    /// Printed table rows (the totals row comes after them).
    pub rows: usize,
    /// Candidate columns on this page.
    pub cols: usize,
    pub header_h: f64,
    pub row_h: f64,
    pub label_w: Vec<f64>,
    pub col_w: f64,
}

impl GridGeometry {
    /// Lays out `rows` table rows plus a totals row and `cols` candidate columns.
    pub fn new(area: BoxMm, layout: &GridLayout, rows: usize, cols: usize) -> GridGeometry {
        let label_total: f64 = layout.label_cols.iter().sum();
        let col_w = ((area.w - label_total) / cols.max(1) as f64).min(layout.max_col_w);
        let row_h = ((area.h - layout.header_h) / (rows + 1) as f64).min(layout.max_row_h);
        GridGeometry {
            area,
            rows,
            cols,
            header_h: layout.header_h,
            row_h,
            label_w: layout.label_cols.clone(),
            col_w,
        }
    }

    /// Top of row `r` (0-based; `r == rows` is the totals row).
    pub fn row_y(&self, r: usize) -> f64 {
        self.area.y + self.header_h + r as f64 * self.row_h
    }

    /// Left edge of the candidate columns.
    pub fn cands_x(&self) -> f64 {
        self.area.x + self.label_w.iter().sum::<f64>()
    }

    /// The box of label column `k` in row `r`.
    pub fn label_cell(&self, r: usize, k: usize) -> BoxMm {
        let x = self.area.x + self.label_w[..k].iter().sum::<f64>();
        BoxMm {
            x,
            y: self.row_y(r),
            w: self.label_w[k],
            h: self.row_h,
        }
    }

    /// The box of candidate column `c` in row `r`.
    pub fn cell(&self, r: usize, c: usize) -> BoxMm {
        BoxMm {
            x: self.cands_x() + c as f64 * self.col_w,
            y: self.row_y(r),
            w: self.col_w,
            h: self.row_h,
        }
    }

    /// The box spanning every candidate cell of row `r`.
    pub fn cands_span(&self, r: usize) -> BoxMm {
        BoxMm {
            x: self.cands_x(),
            y: self.row_y(r),
            w: self.cols as f64 * self.col_w,
            h: self.row_h,
        }
    }

    /// Font size (pt) of the figures in a row whose numbers have up to
    /// `digits` digits: as large as the row height and the narrowest column
    /// allow. Printing and reading both use it, so the reader knows how tall
    /// the figures are without measuring them.
    pub fn font_pt(&self, layout: &GridLayout, digits: usize) -> f64 {
        const MM_PER_PT: f64 = 25.4 / 72.0;
        // DejaVu Sans digits are 0.636 em wide.
        let narrowest = self
            .col_w
            .min(self.label_w.iter().copied().fold(f64::MAX, f64::min));
        let by_width = (narrowest - 0.8) / (digits as f64 * 0.636) / MM_PER_PT;
        let by_height = self.row_h * 0.62 / MM_PER_PT;
        layout.max_font_pt.min(by_width).min(by_height).max(4.0)
    }

    /// Digits a table row is sized for (one EVM never holds more than 9,999 votes).
    pub const ROW_DIGITS: usize = 4;
    /// Digits the totals row is sized for.
    pub const TOTAL_DIGITS: usize = 5;

    /// Right edge of the last column.
    pub fn right(&self) -> f64 {
        self.cands_x() + self.cols as f64 * self.col_w
    }

    /// Bottom of the totals row.
    pub fn bottom(&self) -> f64 {
        self.row_y(self.rows + 1)
    }
}
