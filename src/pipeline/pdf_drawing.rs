//! Born-digital PDF pages (no page image, such as the forms we print) turned
//! back into a `Drawing`, which the rasteriser then draws, so they go through
//! the same reading stages as scans.
//!
//! It understands the plain operator set our own writer emits (`Tf Td Tm Tj
//! TJ re f S m l w cm q Q Do`), what Ghostscript rewrites them into (inline
//! images, `TL T* '`, a table's figures as one `TJ` line whose gaps place
//! each figure) and the WinAnsi-encoded embedded font; other operators are
//! skipped. It never decodes page-sized images (those pages are
//! scans, handled by `pages`).

use image::GrayImage;
use lopdf::content::Content;
use lopdf::{Document, Object, ObjectId};

use crate::error::{Error, Result};
use crate::render::drawing::{Align, Drawing, Shape};
use crate::render::font;

const MM_PER_PT: f64 = 25.4 / 72.0;
/// Largest inline image (QR code) decoded from a born-digital page.
const MAX_SMALL_IMAGE: i64 = 4_000_000;
/// Largest decoded content of one page (our own forms write about 40 KB).
pub const MAX_PAGE_CONTENT: usize = 4 << 20;
/// Largest decoded content of all the pages of one file together: pages
/// that share one content stream each draw it again.
pub const MAX_FILE_CONTENT: usize = 64 << 20;
/// Most shapes drawn on one page.
pub const MAX_SHAPES: usize = 200_000;
/// Deepest `q` nesting kept (PDF readers allow 28; more is ignored).
const MAX_SAVED_STATES: usize = 256;

type Matrix = [f64; 6];

fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn num(o: &Object) -> f64 {
    o.as_float()
        .map(f64::from)
        .or_else(|_| o.as_i64().map(|v| v as f64))
        .unwrap_or(0.0)
}

/// The page's media box in points (`[x0, y0, x1, y1]`), A4 when absent.
pub fn media_box(doc: &Document, page: ObjectId) -> Result<[f64; 4]> {
    let bad = |reason: String| Error::MalformedPdf { reason };
    let page_dict = doc.get_dictionary(page).map_err(|e| bad(e.to_string()))?;
    let media = page_dict
        .get(b"MediaBox")
        .ok()
        .and_then(|m| m.as_array().ok())
        .map(|a| a.iter().map(num).collect::<Vec<_>>())
        .and_then(|a| <[f64; 4]>::try_from(a).ok())
        .unwrap_or([0.0, 0.0, 595.0, 842.0]);
    let (w_pt, h_pt) = ((media[2] - media[0]).abs(), (media[3] - media[1]).abs());
    if !(10.0..=5000.0).contains(&w_pt) || !(10.0..=5000.0).contains(&h_pt) {
        return Err(bad(format!("page size {w_pt} × {h_pt} pt")));
    }
    Ok(media)
}

/// The page as shapes in millimetres (origin top-left). `content_left` is
/// what the file's pages may still decode between them; this page's content
/// is taken from it, and it is 0 after a page that would overdraw it.
pub fn page_drawing(doc: &Document, page: ObjectId, content_left: &mut usize) -> Result<Drawing> {
    paint(doc, page, content_left).map(|p| p.drawing)
}

/// Where each image XObject of a page is drawn: its object and the
/// rectangle it fills, in points from the media box's lower left
/// (`[x, y, w, h]`), or `None` when it is turned or skewed.
pub type Placement = (ObjectId, Option<[f64; 4]>);

/// The images a page draws, in the order it draws them.
pub fn image_placements(
    doc: &Document,
    page: ObjectId,
    content_left: &mut usize,
) -> Result<Vec<Placement>> {
    let painter = paint(doc, page, content_left)?;
    Ok(painter.placed)
}

/// Runs a page's content through a [`Painter`].
fn paint(doc: &Document, page: ObjectId, content_left: &mut usize) -> Result<Painter> {
    let bad = |reason: String| Error::MalformedPdf { reason };
    let media = media_box(doc, page)?;
    let bytes = doc
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
            e => bad(format!("page content: {e}")),
        })?;
    let Some(left) = content_left.checked_sub(bytes.len()) else {
        *content_left = 0;
        return Err(Error::TooLarge {
            reason: format!(
                "the pages' drawings inflate to more than {} MB together",
                MAX_FILE_CONTENT >> 20
            ),
        });
    };
    *content_left = left;
    let content = Content::decode(&bytes).map_err(|e| bad(format!("page content: {e}")))?;
    let (res, _) = doc
        .get_page_resources(page)
        .map_err(|e| bad(e.to_string()))?;
    let xobjects = res
        .and_then(|r| r.get(b"XObject").ok())
        .and_then(|x| match x {
            Object::Reference(id) => doc.get_dictionary(*id).ok(),
            Object::Dictionary(d) => Some(d),
            _ => None,
        });
    let mut painter = Painter::new(media);
    painter.devanagari_fonts = devanagari_fonts(doc, res);
    // lopdf skips inline images it cannot size (any with a filter): they
    // are taken from the bytes, in order, for its `BI` operations.
    let mut inline = inline_images(&bytes).into_iter();
    for op in &content.operations {
        if op.operator == "BI" {
            let own = inline.next();
            if op.operands.is_empty() {
                if let Some(stream) = own {
                    painter.run(doc, xobjects, "BI", &[Object::Stream(stream)]);
                }
                continue;
            }
        }
        painter.run(doc, xobjects, op.operator.as_str(), &op.operands);
        if painter.drawing.shapes.len() > MAX_SHAPES {
            return Err(Error::TooLarge {
                reason: format!("the page draws more than {MAX_SHAPES} shapes"),
            });
        }
    }
    Ok(painter)
}

/// The names under which a page's resources hold our own Devanagari font
/// (a composite font whose codes are its glyph ids): its text is drawn
/// from those glyphs. Another program's copy of it (a subset, renumbered)
/// is not ours.
fn devanagari_fonts(doc: &Document, res: Option<&lopdf::Dictionary>) -> Vec<Vec<u8>> {
    fn deref<'a>(doc: &'a Document, o: &'a Object) -> Option<&'a lopdf::Dictionary> {
        match o {
            Object::Reference(id) => doc.get_dictionary(*id).ok(),
            Object::Dictionary(d) => Some(d),
            _ => None,
        }
    }
    let Some(fonts) = res
        .and_then(|r| r.get(b"Font").ok())
        .and_then(|f| deref(doc, f))
    else {
        return vec![];
    };
    fonts
        .iter()
        .filter(|(_, f)| {
            deref(doc, f).is_some_and(|f| {
                f.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0")
                    && f.get(b"BaseFont").and_then(Object::as_name).ok()
                        == Some(crate::render::pdf::DEVANAGARI_NAME.as_bytes())
                    && f.get(b"Encoding").and_then(Object::as_name).ok() == Some(b"Identity-H")
            })
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The graphics state while a page's operators run, and what they drew.
struct Painter {
    drawing: Drawing,
    media: [f64; 4],
    ctm: Matrix,
    stack: Vec<(Matrix, f64)>,
    line_w: f64,
    font_size: f64,
    /// Text leading (`TL`), for `T*`, `'` and `"`.
    leading: f64,
    /// The start of the current text line (the line matrix's origin).
    text_pos: (f64, f64),
    /// How far the text shown since the line started has advanced, in
    /// text space.
    text_advance: f64,
    path: Vec<(f64, f64)>,
    rects: Vec<[f64; 4]>,
    /// Every image XObject drawn, where (see [`Placement`]).
    placed: Vec<Placement>,
    /// Resource names of our Devanagari font, and whether it is the
    /// current one.
    devanagari_fonts: Vec<Vec<u8>>,
    devanagari: bool,
}

impl Painter {
    fn new(media: [f64; 4]) -> Painter {
        let (w_pt, h_pt) = ((media[2] - media[0]).abs(), (media[3] - media[1]).abs());
        Painter {
            drawing: Drawing::new(w_pt * MM_PER_PT, h_pt * MM_PER_PT),
            media,
            ctm: [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            stack: Vec::new(),
            line_w: 1.0,
            font_size: 12.0,
            leading: 0.0,
            text_pos: (0.0, 0.0),
            text_advance: 0.0,
            path: Vec::new(),
            rects: Vec::new(),
            placed: Vec::new(),
            devanagari_fonts: Vec::new(),
            devanagari: false,
        }
    }

    /// PDF user space (pt, y up) to drawing space (mm, y down).
    fn to_mm(&self, x: f64, y: f64) -> (f64, f64) {
        let h_pt = (self.media[3] - self.media[1]).abs();
        (
            (x - self.media[0]) * MM_PER_PT,
            (h_pt - (y - self.media[1])) * MM_PER_PT,
        )
    }

    /// A point through the current transformation matrix.
    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let m = &self.ctm;
        (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
    }

    /// Runs one content-stream operator; unknown ones are skipped.
    fn run(
        &mut self,
        doc: &Document,
        xobjects: Option<&lopdf::Dictionary>,
        operator: &str,
        a: &[Object],
    ) {
        if matches!(operator, "BT" | "Td" | "TD" | "Tm" | "T*" | "'" | "\"") {
            self.text_advance = 0.0;
        }
        match operator {
            "q" if self.stack.len() < MAX_SAVED_STATES => self.stack.push((self.ctm, self.line_w)),
            "Q" => (self.ctm, self.line_w) = self.stack.pop().unwrap_or((self.ctm, self.line_w)),
            "cm" if a.len() == 6 => {
                let m = [
                    num(&a[0]),
                    num(&a[1]),
                    num(&a[2]),
                    num(&a[3]),
                    num(&a[4]),
                    num(&a[5]),
                ];
                self.ctm = mul(&m, &self.ctm);
            }
            "w" if !a.is_empty() => self.line_w = num(&a[0]),
            "BT" => self.text_pos = (0.0, 0.0),
            "Tf" if a.len() == 2 => {
                self.font_size = num(&a[1]);
                self.devanagari = a[0]
                    .as_name()
                    .is_ok_and(|n| self.devanagari_fonts.iter().any(|f| f == n));
            }
            "Td" | "TD" if a.len() == 2 => {
                if operator == "TD" {
                    self.leading = -num(&a[1]);
                }
                self.text_pos = (self.text_pos.0 + num(&a[0]), self.text_pos.1 + num(&a[1]))
            }
            "Tm" if a.len() == 6 => self.text_pos = (num(&a[4]), num(&a[5])),
            "TL" if !a.is_empty() => self.leading = num(&a[0]),
            "T*" => self.text_pos.1 -= self.leading,
            "Tj" | "TJ" => self.show_text(a.first()),
            // Next line, then show (`"` also sets the spacing, ignored).
            "'" | "\"" => {
                self.text_pos.1 -= self.leading;
                self.show_text(a.last());
            }
            "m" if a.len() == 2 => {
                self.path.clear();
                let p = self.apply(num(&a[0]), num(&a[1]));
                self.path.push(p);
            }
            "l" if a.len() == 2 => {
                let p = self.apply(num(&a[0]), num(&a[1]));
                self.path.push(p);
            }
            "re" if a.len() == 4 => {
                let (x, y) = self.apply(num(&a[0]), num(&a[1]));
                self.rects
                    .push([x, y, num(&a[2]) * self.ctm[0], num(&a[3]) * self.ctm[3]]);
            }
            "f" | "F" | "f*" | "S" | "s" | "B" | "b" => {
                self.paint(matches!(operator, "f" | "F" | "f*" | "B" | "b"))
            }
            "n" => {
                self.path.clear();
                self.rects.clear();
            }
            "Do" => self.draw_xobject(doc, xobjects, a.first()),
            // An inline image (`BI … ID … EI`), as Ghostscript writes a
            // small image such as a QR code.
            "BI" => {
                if let Some(image) = a.first().and_then(|o| match o {
                    Object::Stream(s) => small_gray_image(&expand_inline(s)),
                    _ => None,
                }) {
                    self.place_image(image);
                }
            }
            _ => {}
        }
    }

    /// A string (or a `TJ` array of strings) in the embedded WinAnsi font,
    /// from where the text shown on this line so far ended. A `TJ` gap
    /// wider than a third of an em (how Ghostscript lays out a table's
    /// figures on one line) starts a new run where the gap ends.
    fn show_text(&mut self, operand: Option<&Object>) {
        let items: Vec<&Object> = match operand {
            Some(Object::Array(items)) => items.iter().collect(),
            Some(o) => vec![o],
            None => vec![],
        };
        if self.devanagari {
            return self.show_glyphs(&items);
        }
        let mut run = String::new();
        let mut run_at = self.text_advance;
        for item in items {
            match item {
                Object::String(bytes, _) => {
                    for &b in bytes {
                        run.push(font::from_win_ansi(b));
                        self.text_advance += font::width_1000(b) / 1000.0 * self.font_size;
                    }
                }
                other => {
                    let gap = -num(other) / 1000.0 * self.font_size;
                    if gap.abs() > self.font_size / 3.0 {
                        self.draw_run(run_at, std::mem::take(&mut run));
                        run_at = self.text_advance + gap;
                    }
                    self.text_advance += gap;
                }
            }
        }
        self.draw_run(run_at, run);
    }

    /// Codes of our Devanagari font (two bytes each, the glyph id), each
    /// glyph drawn where the text position has reached.
    fn show_glyphs(&mut self, items: &[&Object]) {
        for item in items {
            match item {
                Object::String(bytes, _) => {
                    for code in bytes.chunks_exact(2) {
                        let id = u16::from_be_bytes([code[0], code[1]]);
                        let (x, y) =
                            self.apply(self.text_pos.0 + self.text_advance, self.text_pos.1);
                        let (x, y) = self.to_mm(x, y);
                        let size = self.font_size * self.ctm[3].abs().max(1e-6);
                        let glyphs = vec![font::Glyph { id, x: 0.0, y: 0.0 }];
                        self.drawing.shapes.push(Shape::Glyphs {
                            x,
                            y,
                            size_pt: size,
                            glyphs,
                        });
                        self.text_advance +=
                            font::devanagari_width_1000(id) / 1000.0 * self.font_size;
                    }
                }
                other => self.text_advance -= num(other) / 1000.0 * self.font_size,
            }
        }
    }

    /// One run of text starting `advance` along the current line.
    fn draw_run(&mut self, advance: f64, text: String) {
        if text.is_empty() {
            return;
        }
        let (x, y) = self.apply(self.text_pos.0 + advance, self.text_pos.1);
        let (x, y) = self.to_mm(x, y);
        let size = self.font_size * self.ctm[3].abs().max(1e-6);
        self.drawing.text(x, y, size, text, Align::Left);
    }

    /// Fills or strokes the rectangles and the path built so far.
    fn paint(&mut self, fill: bool) {
        // The width is in user space: through the matrix (its mean scale).
        let scale = (self.ctm[0] * self.ctm[3] - self.ctm[1] * self.ctm[2])
            .abs()
            .sqrt();
        let stroke = self.line_w * scale * MM_PER_PT;
        for [x, y, w, h] in std::mem::take(&mut self.rects) {
            let (x0, y0) = self.to_mm(x, y + h);
            self.drawing.shapes.push(Shape::Rect {
                x: x0,
                y: y0,
                w: w * MM_PER_PT,
                h: h * MM_PER_PT,
                fill,
                stroke,
            });
        }
        let path = std::mem::take(&mut self.path);
        if path.len() >= 2 {
            let points = path.into_iter().map(|(x, y)| self.to_mm(x, y)).collect();
            self.drawing.shapes.push(Shape::Path { points, stroke });
        }
    }

    /// A small image XObject (the QR code) drawn where the matrix puts it.
    fn draw_xobject(
        &mut self,
        doc: &Document,
        xobjects: Option<&lopdf::Dictionary>,
        operand: Option<&Object>,
    ) {
        let Some(name) = operand.and_then(|o| o.as_name().ok()) else {
            return;
        };
        let Some((id, stream)) = xobjects
            .and_then(|x| x.get(name).ok())
            .and_then(|o| o.as_reference().ok())
            .and_then(|id| Some((id, doc.get_object(id).ok()?.as_stream().ok()?)))
        else {
            return;
        };
        if stream.dict.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Image")
            && self.placed.len() < MAX_SHAPES
        {
            let m = self.ctm;
            let upright = m[1].abs() < 1e-9 && m[2].abs() < 1e-9 && m[0] > 0.0 && m[3] > 0.0;
            let rect = upright.then(|| [m[4] - self.media[0], m[5] - self.media[1], m[0], m[3]]);
            self.placed.push((id, rect));
        }
        if let Some(image) = small_gray_image(stream) {
            self.place_image(image);
        }
    }

    /// Draws an image in the unit square of the current matrix.
    fn place_image(&mut self, image: GrayImage) {
        let ctm = self.ctm;
        let (x0, y0) = self.to_mm(ctm[4], ctm[5] + ctm[3]);
        self.drawing.shapes.push(Shape::Image {
            x: x0,
            y: y0,
            w: ctm[0] * MM_PER_PT,
            h: ctm[3] * MM_PER_PT,
            image,
        });
    }
}

/// Decodes a small 8-bit grey or 1-bit image XObject (a QR code).
/// Every inline image (`BI dict ID data EI`) of a content stream, in
/// order, as a stream with its dictionary as written. The data ends at the
/// first `EI` between white space, as readers find it.
fn inline_images(content: &[u8]) -> Vec<lopdf::Stream> {
    let white = super::pdf_bounds::is_white;
    let at_token = |i: usize, word: &[u8]| {
        content[i..].starts_with(word)
            && (i == 0 || white(content[i - 1]))
            && content
                .get(i + word.len())
                .is_none_or(|b| white(*b) || *b == b'/')
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 <= content.len() && out.len() < MAX_SHAPES {
        if !at_token(i, b"BI") {
            i += 1;
            continue;
        }
        let dict_start = i + 2;
        let Some(id) = (dict_start..content.len().saturating_sub(1)).find(|&j| at_token(j, b"ID"))
        else {
            break;
        };
        let data_start = (id + 3).min(content.len());
        let Some(ei) = (data_start..content.len().saturating_sub(2)).find(|&j| {
            white(content[j])
                && content[j + 1..].starts_with(b"EI")
                && content.get(j + 3).is_none_or(|b| white(*b))
        }) else {
            break;
        };
        // The dictionary, parsed as an operand of a made-up operator.
        let mut text = b"<<".to_vec();
        text.extend(&content[dict_start..id]);
        text.extend(b">> inline");
        let dict = Content::decode(&text)
            .ok()
            .and_then(|c| c.operations.into_iter().next())
            .and_then(|op| op.operands.into_iter().next())
            .and_then(|o| o.as_dict().ok().cloned())
            .unwrap_or_default();
        out.push(lopdf::Stream::new(dict, content[data_start..ei].to_vec()));
        i = ei + 3;
    }
    out
}

/// An inline image's stream with the abbreviated keys and names of
/// `BI … ID` spelt out, as an image XObject's would be.
fn expand_inline(s: &lopdf::Stream) -> lopdf::Stream {
    let long = |key: &[u8]| -> Vec<u8> {
        match key {
            b"W" => b"Width".to_vec(),
            b"H" => b"Height".to_vec(),
            b"BPC" => b"BitsPerComponent".to_vec(),
            b"CS" => b"ColorSpace".to_vec(),
            b"F" => b"Filter".to_vec(),
            b"DP" => b"DecodeParms".to_vec(),
            b"IM" => b"ImageMask".to_vec(),
            b"D" => b"Decode".to_vec(),
            b"I" => b"Interpolate".to_vec(),
            other => other.to_vec(),
        }
    };
    let name = |o: &Object| -> Object {
        match o {
            Object::Array(items) => Object::Array(items.iter().map(spelt_out).collect()),
            other => spelt_out(other),
        }
    };
    let mut dict = lopdf::Dictionary::new();
    dict.set("Subtype", Object::Name(b"Image".to_vec()));
    for (k, v) in s.dict.iter() {
        dict.set(long(k), name(v));
    }
    lopdf::Stream::new(dict, s.content.clone())
}

/// An inline image's abbreviated name (colour space, filter) spelt out.
fn spelt_out(o: &Object) -> Object {
    let long: &[u8] = match o.as_name() {
        Ok(b"G") => b"DeviceGray",
        Ok(b"RGB") => b"DeviceRGB",
        Ok(b"CMYK") => b"DeviceCMYK",
        Ok(b"Fl") => b"FlateDecode",
        Ok(b"AHx") => b"ASCIIHexDecode",
        Ok(b"A85") => b"ASCII85Decode",
        Ok(b"LZW") => b"LZWDecode",
        Ok(b"RL") => b"RunLengthDecode",
        Ok(b"CCF") => b"CCITTFaxDecode",
        Ok(b"DCT") => b"DCTDecode",
        _ => return o.clone(),
    };
    Object::Name(long.to_vec())
}

fn small_gray_image(stream: &lopdf::Stream) -> Option<GrayImage> {
    let dict = &stream.dict;
    if dict.get(b"Subtype").ok()?.as_name().ok()? != b"Image" {
        return None;
    }
    let w = dict.get(b"Width").ok()?.as_i64().ok()?;
    let h = dict.get(b"Height").ok()?.as_i64().ok()?;
    if w <= 0 || h <= 0 || w * h > MAX_SMALL_IMAGE {
        return None;
    }
    let bpc = dict
        .get(b"BitsPerComponent")
        .ok()
        .and_then(|b| b.as_i64().ok())
        .unwrap_or(8);
    let data = stream
        // Room for PNG predictor bytes (a tag byte a row) and samples.
        .decompressed_content_with_limit((w * h * 4 + h) as usize + 1)
        .ok()
        .unwrap_or_else(|| stream.content.clone());
    let (wu, hu) = (w as usize, h as usize);
    let px: Vec<u8> = match bpc {
        8 if data.len() >= wu * hu => data[..wu * hu].to_vec(),
        1 => {
            let stride = wu.div_ceil(8);
            (0..hu)
                .flat_map(|y| {
                    let data = &data;
                    (0..wu).map(move |x| {
                        if data
                            .get(y * stride + x / 8)
                            .is_some_and(|b| b & (0x80 >> (x % 8)) != 0)
                        {
                            255
                        } else {
                            0
                        }
                    })
                })
                .collect()
        }
        _ => return None,
    };
    GrayImage::from_raw(w as u32, h as u32, px)
}
