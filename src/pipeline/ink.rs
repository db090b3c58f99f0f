//! Ink boxes (signatures, attestation): is there ink in the box or not.
//!
//! The box's inner area (its printed border left out) is sampled through the
//! page transform; the share of dark pixels decides, and the distance from the
//! decision line is the confidence.

use image::GrayImage;

/// Share of dark pixels above which a box counts as inked.
pub const INKED_SHARE: f64 = 0.012;

/// `(inked, confidence)` for a cut-out of the box's inner area.
pub fn judge(crop: &GrayImage) -> (bool, f64) {
    let total = crop.as_raw().len().max(1) as f64;
    let dark = crop.as_raw().iter().filter(|&&p| p < 128).count() as f64;
    let share = dark / total;
    let inked = share >= INKED_SHARE;
    // Empty boxes read ~0 %; the faintest generated signatures cover ~2 %
    // and real ones 3–15 %. Sure at half the decision share away from it
    // (under 0.6 % or over 1.8 %); a share near the line is doubtful.
    let confidence =
        ((share - INKED_SHARE).abs() / (0.5 * INKED_SHARE)).clamp(0.0, 1.0) * 0.5 + 0.5;
    (inked, confidence)
}
