//! Decoders of the encodings scanners and PDF tools put page images in
//! beyond JPEG, PNG and Flate (`docs/design.md`, "Reading"): CCITT fax
//! (Group 3 one- and two-dimensional, Group 4), JBIG2 (what office
//! multifunction scanners write in black-and-white mode), JPEG 2000 and
//! LZW. Each returns grey pixels (ink dark, paper white) of the size the
//! container declares, and refuses a size over the reader's limits before
//! it allocates the pixels.

use image::GrayImage;

use super::pages::check_dims;
use crate::error::{Error, Result};

fn malformed(reason: String) -> Error {
    Error::MalformedImage { reason }
}

/// How a CCITT fax image is coded (the PDF filter's `DecodeParms`, or a
/// TIFF's compression and T4Options).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fax {
    /// PDF's `K`: negative for Group 4, 0 for Group 3 one-dimensional,
    /// positive for Group 3 two-dimensional.
    pub k: i64,
    /// Whether a 1 bit of the coded rows is black paper (`BlackIs1`; a
    /// TIFF whose photometric says black is zero). Ink is where the codes'
    /// black runs are unless this flips it.
    pub black_is_1: bool,
    /// Rows start on a byte (`EncodedByteAlign`; a TIFF's fill bits).
    pub byte_align: bool,
    /// The data carries end-of-line codes.
    pub end_of_line: bool,
}

struct Rows<'a> {
    out: &'a mut Vec<u8>,
    width: usize,
    stop: usize,
    ink: u8,
}

impl hayro_ccitt::Decoder for Rows<'_> {
    fn push_row(&mut self, changes: &[u32]) {
        if self.out.len() >= self.stop {
            return;
        }
        let start = self.out.len();
        self.out.resize(start + self.width, 255 - self.ink);
        let row = &mut self.out[start..];
        for run in changes.chunks(2) {
            let from = (run[0] as usize).min(self.width);
            let to = run
                .get(1)
                .map_or(self.width, |&t| (t as usize).min(self.width));
            row[from..to].fill(self.ink);
        }
    }
}

/// Decodes fax data of `w` pixels a row into `out`, at most up to `stop`
/// pixels in all; rows past the data's end are left for the caller.
pub fn fax_rows(
    data: &[u8],
    w: u32,
    rows: u32,
    how: Fax,
    out: &mut Vec<u8>,
    stop: usize,
) -> Result<()> {
    use hayro_ccitt::{DecodeSettings, DecoderContext, EncodingMode};
    let encoding = match how.k {
        k if k < 0 => EncodingMode::Group4,
        0 => EncodingMode::Group3_1D,
        _ => EncodingMode::Group3_2D,
    };
    let mut ctx = DecoderContext::new(DecodeSettings {
        columns: w,
        rows,
        end_of_block: true,
        end_of_line: how.end_of_line,
        rows_are_byte_aligned: how.byte_align,
        encoding,
        strict: false,
    });
    let before = out.len();
    let mut sink = Rows {
        out,
        width: w as usize,
        stop,
        ink: if how.black_is_1 { 255 } else { 0 },
    };
    let result = hayro_ccitt::decode(data, &mut sink, &mut ctx);
    // A damaged tail still leaves the rows decoded before it; nothing at
    // all is a broken image.
    if out.len() == before {
        return Err(malformed(match result {
            Err(e) => format!("CCITT fax data: {e}"),
            Ok(_) => "CCITT fax data holds no rows".into(),
        }));
    }
    Ok(())
}

/// A whole fax image of `w` × `h` pixels.
pub fn fax(data: &[u8], w: u32, h: u32, how: Fax) -> Result<GrayImage> {
    check_dims(w, h)?;
    let total = w as usize * h as usize;
    let mut out = Vec::with_capacity(total);
    fax_rows(data, w, h, how, &mut out, total)?;
    out.resize(total, 255);
    GrayImage::from_raw(w, h, out).ok_or_else(|| malformed("fax size".into()))
}

struct Bilevel {
    out: Vec<u8>,
    width: usize,
    x: usize,
}

impl Bilevel {
    fn push(&mut self, black: bool, n: usize) {
        // Pixels past the declared width (a JBIG2 page wider than its
        // PDF image) are dropped.
        let n = n.min(self.width.saturating_sub(self.x));
        self.out
            .extend(std::iter::repeat_n(if black { 0 } else { 255 }, n));
        self.x += n;
    }
}

impl hayro_jbig2::Decoder for Bilevel {
    fn push_pixel(&mut self, black: bool) {
        self.push(black, 1);
    }
    fn push_pixel_chunk(&mut self, black: bool, chunk_count: u32) {
        self.push(black, chunk_count as usize * 8);
    }
    fn next_line(&mut self) {
        let missing = self.width - self.x;
        self.push(false, missing);
        self.x = 0;
    }
}

/// A JBIG2 page image embedded in a PDF (`JBIG2Decode`, with its
/// `JBIG2Globals` when the producer shares symbols between pages), as the
/// PDF declares it `w` × `h`.
pub fn jbig2(data: &[u8], globals: Option<&[u8]>, w: u32, h: u32) -> Result<GrayImage> {
    use hayro_jbig2::{DecodeSettings, Globals, Page};
    check_dims(w, h)?;
    let settings = DecodeSettings::default();
    let bad = |e: hayro_jbig2::DecodeError| malformed(format!("JBIG2 data: {e}"));
    let globals = globals
        .map(|g| Globals::new(g, &settings))
        .transpose()
        .map_err(bad)?;
    let page = Page::new_embedded(data, globals.as_ref(), &settings).map_err(bad)?;
    check_dims(page.width(), page.height())?;
    let mut sink = Bilevel {
        out: Vec::with_capacity(w as usize * h as usize),
        width: page.width() as usize,
        x: 0,
    };
    page.decode(&mut sink).map_err(bad)?;
    let (pw, ph) = (page.width(), page.height());
    sink.out.resize(pw as usize * ph as usize, 255);
    let img =
        GrayImage::from_raw(pw, ph, sink.out).ok_or_else(|| malformed("JBIG2 size".into()))?;
    Ok(fit(img, w, h))
}

/// A JPEG 2000 image (`JPXDecode`: a JP2 file or a bare codestream) in
/// grey; its own colour space decides how (grey, RGB, CMYK; an alpha
/// channel is paper showing through).
pub fn jpx(data: &[u8], w: u32, h: u32) -> Result<GrayImage> {
    use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
    check_dims(w, h)?;
    let bad = |e: hayro_jpeg2000::DecodeError| malformed(format!("JPEG 2000 data: {e}"));
    let img = Image::new(data, &DecodeSettings::default()).map_err(bad)?;
    let (iw, ih) = (img.width(), img.height());
    check_dims(iw, ih)?;
    let colours = usize::from(img.color_space().num_channels());
    let cmyk = matches!(img.color_space(), ColorSpace::CMYK)
        || matches!(
            img.color_space(),
            ColorSpace::Icc {
                num_channels: 4,
                ..
            }
        );
    let alpha = img.has_alpha();
    let mut ctx = DecoderContext::default();
    let decoded = img.decode(&mut ctx).map_err(bad)?;
    let px = decoded.data_u8();
    let n = colours + usize::from(alpha);
    if n == 0 || px.len() < iw as usize * ih as usize * n {
        return Err(malformed(format!(
            "JPEG 2000 image decodes to {} samples, {} expected",
            px.len(),
            iw as usize * ih as usize * n
        )));
    }
    let grey: Vec<u8> = px
        .chunks_exact(n)
        .map(|p| {
            let l = match colours {
                3 => super::pages::luma(p),
                4 if cmyk => super::pages::cmyk_grey(p[0], p[1], p[2], p[3]),
                _ => p[0],
            };
            if alpha {
                super::pages::on_white(l, p[n - 1])
            } else {
                l
            }
        })
        .collect();
    let img =
        GrayImage::from_raw(iw, ih, grey).ok_or_else(|| malformed("JPEG 2000 size".into()))?;
    Ok(fit(img, w, h))
}

/// An image decoded at its own size, brought to the size its container
/// declares (they differ only when a producer wrote a reduced or padded
/// image).
fn fit(img: GrayImage, w: u32, h: u32) -> GrayImage {
    if img.dimensions() == (w, h) {
        img
    } else {
        image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle)
    }
}

/// LZW data (`LZWDecode`), never more than `most` bytes out: a bomb stops
/// here. `early_change` is PDF's `EarlyChange` (1 unless told otherwise).
pub fn lzw(data: &[u8], early_change: bool, most: usize) -> Result<Vec<u8>> {
    use weezl::{BitOrder, decode::Decoder};
    let mut dec = if early_change {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut input = data;
    loop {
        let r = dec.decode_bytes(input, &mut buf);
        input = &input[r.consumed_in..];
        out.extend_from_slice(&buf[..r.consumed_out]);
        if out.len() > most {
            out.truncate(most);
            return Ok(out);
        }
        match r.status {
            Ok(weezl::LzwStatus::Ok) if r.consumed_in > 0 || r.consumed_out > 0 => {}
            Ok(_) => return Ok(out),
            // Data after the end code, or a code out of range at the very
            // end, as some writers leave it: what came before stands.
            Err(e) if out.is_empty() => return Err(malformed(format!("LZW data: {e}"))),
            Err(_) => return Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lzw_round_trips_and_stops_at_its_limit() {
        let text: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8 * 30).collect();
        for early in [true, false] {
            let mut enc = if early {
                weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            } else {
                weezl::encode::Encoder::new(weezl::BitOrder::Msb, 8)
            };
            let coded = enc.encode(&text).unwrap();
            assert_eq!(lzw(&coded, early, 1 << 20).unwrap(), text, "early {early}");
            assert_eq!(lzw(&coded, early, 100).unwrap().len(), 100);
        }
        assert_eq!(
            lzw(&[0xff, 0xff, 0xff], true, 1 << 20).unwrap_err().code(),
            "malformed-image"
        );
    }

    #[test]
    fn fax_rows_put_ink_where_the_black_runs_are() {
        // Group 4 of a 16-pixel row: white 4, black 8, white 4, twice, by
        // the fax crate's encoder.
        let row: Vec<fax::Color> = (0..16)
            .map(|x| {
                if (4..12).contains(&x) {
                    fax::Color::Black
                } else {
                    fax::Color::White
                }
            })
            .collect();
        let mut enc = fax::encoder::Encoder::new(fax::VecWriter::new());
        for _ in 0..2 {
            enc.encode_line(row.iter().copied(), 16).unwrap();
        }
        let data = enc.finish().unwrap().finish();
        let how = Fax {
            k: -1,
            black_is_1: false,
            byte_align: false,
            end_of_line: false,
        };
        let img = fax(&data, 16, 2, how).unwrap();
        let first: Vec<u8> = (0..16).map(|x| img.get_pixel(x, 1).0[0]).collect();
        assert_eq!(first[..4], [255; 4]);
        assert_eq!(first[4..12], [0; 8]);
        assert_eq!(first[12..], [255; 4]);
        let flipped = fax(
            &data,
            16,
            2,
            Fax {
                black_is_1: true,
                ..how
            },
        )
        .unwrap();
        assert_eq!(flipped.get_pixel(5, 0).0[0], 255);
        assert_eq!(fax(b"", 16, 2, how).unwrap_err().code(), "malformed-image");
        assert_eq!(
            fax(&data, 70_000, 70_000, how).unwrap_err().code(),
            "too-large"
        );
    }
}
