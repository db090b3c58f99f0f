//! Where each cell of a grid field sits, for a given number of rows and
//! candidate columns. Printing and reading both call this, so they agree.

use super::{BoxMm, GridLayout};

/// The cells of one printed grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridGeometry {
    pub area: BoxMm,
    /// Printed table rows (the totals row, then the given rows, come
    /// after them).
    pub rows: usize,
    /// Given rows after the totals row.
    pub given: usize,
    row_digits: usize,
    total_digits: usize,
    /// Candidate columns on this page.
    pub cols: usize,
    pub header_h: f64,
    pub row_h: f64,
    pub label_w: Vec<f64>,
    pub col_w: f64,
}

impl GridGeometry {
    /// Lays out `rows` table rows plus a totals row (and the layout's given
    /// rows) and `cols` candidate columns.
    pub fn new(area: BoxMm, layout: &GridLayout, rows: usize, cols: usize) -> GridGeometry {
        let label_total: f64 = layout.label_cols.iter().sum();
        let col_w = ((area.w - label_total) / cols.max(1) as f64).min(layout.max_col_w);
        let given = layout.given_rows.len();
        let row_h = ((area.h - layout.header_h) / (rows + 1 + given) as f64).min(layout.max_row_h);
        GridGeometry {
            area,
            rows,
            given,
            row_digits: layout.row_digits,
            total_digits: layout.total_digits,
            cols,
            header_h: layout.header_h,
            row_h,
            label_w: layout.label_cols.clone(),
            col_w,
        }
    }

    /// Top of row `r` (0-based; `r == rows` is the totals row, the given
    /// rows follow it).
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

    /// Digits a given row is sized for (a constituency's votes).
    pub const GIVEN_DIGITS: usize = 7;

    /// Digits row `r` is sized for: the layout's `row_digits` (4 on a round
    /// sheet: one EVM never holds more than 9,999 votes), `total_digits` for
    /// the totals row, 7 for a given row.
    pub fn digits(&self, r: usize) -> usize {
        match r.cmp(&self.rows) {
            std::cmp::Ordering::Less => self.row_digits,
            std::cmp::Ordering::Equal => self.total_digits,
            std::cmp::Ordering::Greater => Self::GIVEN_DIGITS,
        }
    }

    /// Right edge of the last column.
    pub fn right(&self) -> f64 {
        self.cands_x() + self.cols as f64 * self.col_w
    }

    /// Bottom of the last row (the totals row or the last given row).
    pub fn bottom(&self) -> f64 {
        self.row_y(self.rows + 1 + self.given)
    }
}
