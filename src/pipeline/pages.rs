//! From uploaded bytes to page images.
//!
//! `sniff` says what a file is from its first bytes (never its name);
//! `split` lists its pages cheaply (compressed bytes, not pixels), and
//! `decode` turns one page into grey pixels on a worker thread. Every size is
//! checked before anything is decompressed, so a bomb is refused, not
//! inflated. Nothing here knows about forms.

use std::io::Cursor;
use std::sync::Arc;

use image::GrayImage;
use lopdf::{Document, Object, ObjectId};

use super::pdf_bounds;
use crate::error::{Error, Result};

/// Largest page image we decode, in pixels (A3 at 500 dpi is 48 MP).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Largest side of a page image, in pixels.
pub const MAX_SIDE: u32 = 20_000;
/// Most pages in one file.
pub const MAX_PAGES: usize = 10_000;
/// Least resolution at which the renderer draws a page (born-digital pages
/// are drawn at it).
pub const BORN_DIGITAL_DPI: f64 = 200.0;

/// What a file is, from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Tiff,
}

impl FileType {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Tiff => "image/tiff",
        }
    }
}

/// Says what a file is from its first bytes.
pub fn sniff(bytes: &[u8]) -> Result<FileType> {
    let head = &bytes[..bytes.len().min(1024)];
    if head.starts_with(b"\xff\xd8\xff") {
        Ok(FileType::Jpeg)
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(FileType::Png)
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Ok(FileType::Tiff)
    } else if head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .filter(|start| *start <= 8)
        .is_some_and(|start| head[start..].starts_with(b"%PDF-"))
    {
        // At the very start (a few bytes of whitespace at most): a file
        // that only holds `%PDF-` further in is something else (an HTML or
        // ZIP polyglot), not a PDF.
        Ok(FileType::Pdf)
    } else {
        Err(Error::UnsupportedType {
            seems: what_it_seems(head),
        })
    }
}

/// What a refused file seems to be, in words for the person who sent it:
/// the common mistakes by name, else its first bytes.
fn what_it_seems(head: &[u8]) -> String {
    let starts = |m: &[u8]| head.starts_with(m);
    let text = head
        .iter()
        .take(512)
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    let lower = String::from_utf8_lossy(&head[..head.len().min(512)]).to_ascii_lowercase();
    let named = if head.is_empty() {
        "an empty file"
    } else if starts(b"PK\x03\x04") {
        "a ZIP archive or an office document (Word, Excel): save or print it as PDF"
    } else if starts(b"\xd0\xcf\x11\xe0") {
        "an old office document (Word, Excel): save or print it as PDF"
    } else if starts(b"GIF8") {
        "a GIF image: scan again as JPEG, PNG, TIFF or PDF"
    } else if starts(b"BM") {
        "a BMP image: scan again as JPEG, PNG, TIFF or PDF"
    } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        "a WebP image: scan again as JPEG, PNG, TIFF or PDF"
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        "a HEIC photo or a video: set the phone to take JPEG photos"
    } else if text && (lower.contains("<html") || lower.contains("<!doctype")) {
        "a web page (HTML), not the scan"
    } else if text {
        "a text file, not a scan"
    } else {
        ""
    };
    if !named.is_empty() {
        return named.to_string();
    }
    let bytes: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "a file of a kind Scrutiny does not know (it starts with the bytes {})",
        bytes.join(" ")
    )
}

/// How one PDF page image is compressed.
#[derive(Debug, Clone)]
pub enum PdfFilter {
    Dct,
    /// A JPEG inside Flate (`[/FlateDecode /DCTDecode]`, as OCRmyPDF writes).
    FlateDct,
    /// Flate, with PNG row predictors when `png_predictor` (as img2pdf and
    /// many scanners write).
    Flate {
        png_predictor: bool,
    },
    None,
    /// CCITT fax, Group 3 (one- or two-dimensional) or Group 4.
    Ccitt(super::codecs::Fax),
    /// LZW (`LZWDecode`), with PNG row predictors when `png_predictor`.
    Lzw {
        early_change: bool,
        png_predictor: bool,
    },
    /// JBIG2 (`JBIG2Decode`), with the symbols it shares with other pages.
    Jbig2 {
        globals: Option<Vec<u8>>,
    },
    /// JPEG 2000 (`JPXDecode`).
    Jpx,
}

/// One page, not yet decoded.
#[derive(Debug, Clone)]
pub enum PageSource {
    /// A whole image file (JPEG or PNG).
    Image(Arc<Vec<u8>>),
    /// Page `index` of a TIFF file.
    Tiff { bytes: Arc<Vec<u8>>, index: usize },
    /// A PDF page image (the largest image on the page).
    PdfImage {
        data: Vec<u8>,
        filter: PdfFilter,
        width: u32,
        height: u32,
        bpc: u8,
        comps: u8,
        invert: bool,
        /// For an indexed-colour image: the grey of each index.
        palette: Option<Vec<u8>>,
        /// The page's `/Rotate`: quarter turns clockwise, 0–3.
        quarter_turns: u8,
        /// The image's soft mask (`/SMask`, as img2pdf writes a PNG's
        /// transparency): where it is clear, the paper shows, white.
        soft_mask: Option<Box<PageSource>>,
    },
    /// Page `index` (from 0) of a PDF that is not one page-sized image
    /// (a born-digital form, a scanner's strips, an image among others):
    /// drawn by the renderer at `dpi`, `width × height` pixels.
    Rendered {
        pdf: Arc<Vec<u8>>,
        index: usize,
        dpi: f64,
        width: u32,
        height: u32,
    },
}

/// Lists a file's pages without decoding pixels. A file that cannot be split
/// at all (not a PDF, truncated, too many pages) is an error for the whole
/// file; a page that is bad on its own becomes an error for that page only.
pub fn split(bytes: Arc<Vec<u8>>) -> Result<Vec<Result<PageSource>>> {
    match sniff(&bytes)? {
        FileType::Jpeg => {
            jpeg_is_whole(&bytes)?;
            Ok(vec![Ok(PageSource::Image(bytes))])
        }
        FileType::Png => {
            png_is_whole(&bytes)?;
            Ok(vec![Ok(PageSource::Image(bytes))])
        }
        FileType::Tiff => {
            let mut dec =
                tiff::decoder::Decoder::new(Cursor::new(bytes.as_slice())).map_err(|e| {
                    Error::MalformedImage {
                        reason: format!("TIFF: {e}"),
                    }
                })?;
            let mut n = 1;
            while dec.more_images() {
                dec.next_image().map_err(|e| Error::MalformedImage {
                    reason: format!("TIFF page {}: {e}", n + 1),
                })?;
                n += 1;
                if n > MAX_PAGES {
                    return Err(Error::TooLarge {
                        reason: format!("more than {MAX_PAGES} pages"),
                    });
                }
            }
            Ok((0..n)
                .map(|index| {
                    Ok(PageSource::Tiff {
                        bytes: bytes.clone(),
                        index,
                    })
                })
                .collect())
        }
        FileType::Pdf => split_pdf(&bytes),
    }
}

fn cut_short(what: &str, detail: String) -> Error {
    Error::MalformedImage {
        reason: format!("{what} is cut short or damaged: {detail}"),
    }
}

/// A PNG's chunks run, each within the file, up to `IEND`: a file cut
/// short (an interrupted copy) is refused at upload, not in the worker.
fn png_is_whole(bytes: &[u8]) -> Result<()> {
    let mut at = 8usize;
    while let Some(head) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let end = at
            .checked_add(12 + len)
            .filter(|e| *e <= bytes.len())
            .ok_or_else(|| {
                let kind = String::from_utf8_lossy(&head[4..8]).into_owned();
                cut_short("the PNG", format!("its {kind} chunk runs past the end"))
            })?;
        if &head[4..8] == b"IEND" {
            return Ok(());
        }
        at = end;
    }
    Err(cut_short("the PNG", "it has no IEND chunk".into()))
}

/// A JPEG's segments and entropy-coded data run up to its end-of-image
/// marker (after every scan, so an embedded thumbnail's does not count).
fn jpeg_is_whole(bytes: &[u8]) -> Result<()> {
    let short = |what: &str| cut_short("the JPEG", what.to_string());
    let mut at = 2usize;
    loop {
        // Fill bytes before a marker are allowed.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return Err(short("a segment is missing where one must start"));
        };
        at += 2;
        match marker {
            0xD9 => return Ok(()),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = bytes
            .get(at..at + 2)
            .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize)
            .filter(|l| *l >= 2)
            .ok_or_else(|| short("a segment header runs past the end"))?;
        at += len;
        if at > bytes.len() {
            return Err(short("a segment runs past the end"));
        }
        if marker == 0xDA {
            // Entropy-coded data: up to the next marker that is not a
            // stuffed byte (FF 00) or a restart (FF D0–D7).
            loop {
                let i = bytes[at..]
                    .iter()
                    .position(|b| *b == 0xFF)
                    .ok_or_else(|| short("the image data stops before its end marker"))?;
                at += i;
                match bytes.get(at + 1) {
                    Some(0x00 | 0xD0..=0xD7 | 0xFF) => at += 1,
                    Some(_) => break,
                    None => return Err(short("the image data stops before its end marker")),
                }
            }
        }
    }
}

fn split_pdf(bytes: &Arc<Vec<u8>>) -> Result<Vec<Result<PageSource>>> {
    pdf_bounds::check(bytes)?;
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(pdf_bounds::MAX_STREAM as usize),
        ..Default::default()
    };
    let doc = Document::load_mem_with_options(bytes, options);
    // A file encrypted with a user password opens with no objects (or not
    // at all): say so, not that it is broken. One encrypted with an owner
    // password only is decrypted with the empty password and read.
    let locked = |doc: Option<&Document>| {
        doc.is_none_or(|d| d.trailer.get(b"Encrypt").is_ok() && d.get_pages().is_empty())
            && pdf_bounds::names_encryption(bytes)
    };
    let doc = match doc {
        Ok(d) if locked(Some(&d)) => return Err(Error::EncryptedPdf),
        Ok(d) => d,
        Err(_) if locked(None) => return Err(Error::EncryptedPdf),
        Err(e) => {
            return Err(Error::MalformedPdf {
                reason: e.to_string(),
            });
        }
    };
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(Error::MalformedPdf {
            reason: "the document has no pages".into(),
        });
    }
    if pages.len() > MAX_PAGES {
        return Err(Error::TooLarge {
            reason: format!(
                "{} pages; at most {MAX_PAGES} are read from one file",
                pages.len()
            ),
        });
    }
    let mut drawn = Drawn {
        pdf: None,
        content_left: super::pdf_render::MAX_FILE_CONTENT,
    };
    let mut sources = Vec::with_capacity(pages.len());
    for (index, &id) in pages.values().enumerate() {
        match pdf_page(&doc, id, bytes, index, &mut drawn) {
            // The file's drawing budget is spent: the whole file is refused.
            Err(e) if drawn.content_left == 0 => return Err(e),
            page => sources.push(page),
        }
    }
    Ok(sources)
}

fn name_of(obj: &Object) -> Option<&[u8]> {
    obj.as_name().ok()
}

/// A page's `/Rotate` (inherited from the page tree) in quarter turns
/// clockwise.
fn quarter_turns(doc: &Document, page: ObjectId) -> u8 {
    let mut node = doc.get_dictionary(page).ok();
    for _ in 0..32 {
        let Some(dict) = node else { break };
        if let Ok(r) = dict.get(b"Rotate").and_then(|r| r.as_i64()) {
            return (r.rem_euclid(360) / 90) as u8;
        }
        node = dict
            .get(b"Parent")
            .and_then(|p| p.as_reference())
            .and_then(|p| doc.get_dictionary(p))
            .ok();
    }
    0
}

/// Components of a (non-indexed) colour space: names, `[/ICCBased s]` by
/// its `/N`, `[/CalRGB …]`, `[/DeviceN names …]`; grey when unknown.
fn colour_components(doc: &Document, cs: &Object) -> u8 {
    match cs {
        Object::Name(n) => match n.as_slice() {
            b"DeviceRGB" | b"CalRGB" | b"RGB" | b"Lab" => 3,
            b"DeviceCMYK" | b"CMYK" => 4,
            _ => 1,
        },
        Object::Array(a) => match a.first().and_then(name_of) {
            Some(b"ICCBased") => a
                .get(1)
                .and_then(|r| r.as_reference().ok())
                .and_then(|r| doc.get_object(r).ok())
                .and_then(|o| o.as_stream().ok())
                .and_then(|s| s.dict.get(b"N").ok())
                .and_then(|n| n.as_i64().ok())
                .map_or(1, |n| n.clamp(1, 4) as u8),
            Some(b"CalRGB" | b"Lab") => 3,
            Some(b"CalGray") => 1,
            Some(b"DeviceN") => a
                .get(1)
                .and_then(|n| n.as_array().ok())
                .map_or(1, |n| n.len().clamp(1, 4) as u8),
            _ => 1,
        },
        Object::Reference(r) => doc.get_object(*r).map_or(1, |o| colour_components(doc, o)),
        _ => 1,
    }
}

/// The grey of each index of `[/Indexed base hival lookup]`.
fn indexed_palette(doc: &Document, cs: &[Object]) -> std::result::Result<Vec<u8>, String> {
    let [_, base, hival, lookup] = cs else {
        return Err("an indexed colour space needs a base, a top index and a table".into());
    };
    let base = match base {
        Object::Reference(r) => doc.get_object(*r).map_err(|e| e.to_string())?,
        o => o,
    };
    let comps = usize::from(colour_components(doc, base));
    let hival = hival
        .as_i64()
        .ok()
        .filter(|h| (0..=255).contains(h))
        .ok_or("an indexed colour space's top index is not 0–255")? as usize;
    let lookup = match lookup {
        Object::Reference(r) => doc.get_object(*r).map_err(|e| e.to_string())?,
        o => o,
    };
    let table: Vec<u8> = match lookup {
        Object::String(bytes, _) => bytes.clone(),
        Object::Stream(s) => s
            .decompressed_content()
            .unwrap_or_else(|_| s.content.clone()),
        _ => return Err("an indexed colour space's table is not a string or a stream".into()),
    };
    let entries = hival + 1;
    if table.len() < entries * comps {
        return Err(format!(
            "an indexed colour table of {} bytes for {entries} colours",
            table.len()
        ));
    }
    Ok(table
        .chunks_exact(comps)
        .take(entries)
        .map(|c| match c {
            [g] => *g,
            [_, _, _] => luma(c),
            [c0, m, y, k] => cmyk_grey(*c0, *m, *y, *k),
            _ => c[0],
        })
        .chain(std::iter::repeat(255))
        .take(256)
        .collect())
}

/// The grey of a CMYK colour (no inversion: 0 is no ink).
pub(super) fn cmyk_grey(c: u8, m: u8, y: u8, k: u8) -> u8 {
    let ink = |v: u8| 255 - u32::from(v);
    let (r, g, b) = (
        ink(c) * ink(k) / 255,
        ink(m) * ink(k) / 255,
        ink(y) * ink(k) / 255,
    );
    ((r * 299 + g * 587 + b * 114) / 1000) as u8
}

/// What a file's pages drawn by the renderer share: the renderer's view of
/// the file (opened for the first of them) and the drawing they may still
/// decode between them.
struct Drawn {
    pdf: Option<hayro::hayro_syntax::Pdf>,
    content_left: usize,
}

/// A PDF page: its one page-sized image, decoded directly (the fast path:
/// what scanners and OCR tools write), or else drawn by the renderer.
fn pdf_page(
    doc: &Document,
    page: ObjectId,
    bytes: &Arc<Vec<u8>>,
    index: usize,
    drawn: &mut Drawn,
) -> Result<PageSource> {
    let images = doc.get_page_images(page).map_err(|e| Error::MalformedPdf {
        reason: format!("page images: {e}"),
    })?;
    check_images(doc, &images)?;
    let area = |i: &lopdf::xobject::PdfImage| i.width.saturating_mul(i.height);
    let parts: Vec<_> = images.iter().filter(|i| area(i) >= MIN_PART).collect();
    let total: i64 = parts.iter().map(|i| area(i)).sum();
    let largest = parts.iter().copied().max_by_key(|i| area(i));
    if let Some(img) = largest
        && area(img) >= 250_000
        && area(img) * 10 >= total * 9
        && fills(img, media_box(doc, page)?)
        && !is_stencil(img)
    {
        match image_source(doc, page, img) {
            // Read by the renderer instead.
            Err(Error::UnsupportedEncoding { .. }) => {}
            source => return source,
        }
    }
    rendered(doc, page, bytes, index, drawn, largest)
}

/// Whoever draws them, no image of a page may be larger than a page may
/// be, and a filter PDF does not have makes a broken file.
fn check_images(doc: &Document, images: &[lopdf::xobject::PdfImage]) -> Result<()> {
    for img in images {
        if img.width > i64::from(MAX_SIDE)
            || img.height > i64::from(MAX_SIDE)
            || img.width.saturating_mul(img.height) as u64 > MAX_PIXELS
        {
            return Err(Error::TooLarge {
                reason: format!(
                    "an image of {} × {} pixels (at most {MAX_PIXELS} pixels)",
                    img.width, img.height
                ),
            });
        }
        if let Err(e @ Error::MalformedPdf { .. }) = image_filter(doc, img.origin_dict) {
            return Err(e);
        }
    }
    Ok(())
}

/// A stencil mask (`/ImageMask`) is paint in the page's fill colour where
/// its bits say: the renderer draws it.
fn is_stencil(img: &lopdf::xobject::PdfImage) -> bool {
    img.origin_dict
        .get(b"ImageMask")
        .and_then(Object::as_bool)
        .unwrap_or(false)
}

/// A page for the renderer, at the resolution of its largest image (a
/// scanner's strips), at least that of a born-digital page, its drawing
/// charged to the file's budget.
fn rendered(
    doc: &Document,
    page: ObjectId,
    bytes: &Arc<Vec<u8>>,
    index: usize,
    drawn: &mut Drawn,
    largest: Option<&lopdf::xobject::PdfImage>,
) -> Result<PageSource> {
    super::pdf_render::charge_content(doc, page, &mut drawn.content_left)?;
    let pdf = match &mut drawn.pdf {
        Some(pdf) => pdf,
        None => drawn.pdf.insert(super::pdf_render::open(bytes)?),
    };
    let points = super::pdf_render::page_points(pdf, index)?;
    let ppi = largest.map_or(0.0, |img| {
        (img.width as f64 / (points.0 / 72.0)).max(img.height as f64 / (points.1 / 72.0))
    });
    let dpi = super::pdf_render::fitting_dpi(points, ppi.clamp(BORN_DIGITAL_DPI, 600.0));
    let (width, height) = super::pdf_render::pixels(points, dpi);
    check_dims(width, height)?;
    Ok(PageSource::Rendered {
        pdf: bytes.clone(),
        index,
        dpi,
        width,
        height,
    })
}

/// The smallest image counted as part of a page (a logo is not).
const MIN_PART: i64 = 10_000;

/// Whether an image has the page's shape (either way round: a page may be
/// turned), as a scan that is the whole page has.
fn fills(img: &lopdf::xobject::PdfImage, media: [f64; 4]) -> bool {
    let (w_pt, h_pt) = ((media[2] - media[0]).abs(), (media[3] - media[1]).abs());
    let page = w_pt / h_pt;
    let image = img.width as f64 / img.height as f64;
    (image / page - 1.0).abs() < 0.03 || (image * page - 1.0).abs() < 0.03
}

/// The page's media box in points (`[x0, y0, x1, y1]`), inherited from the
/// page tree, A4 when absent.
fn media_box(doc: &Document, page: ObjectId) -> Result<[f64; 4]> {
    let num = |o: &Object| {
        o.as_float()
            .map(f64::from)
            .or_else(|_| o.as_i64().map(|v| v as f64))
            .unwrap_or(0.0)
    };
    let mut media = None;
    let mut node = doc.get_dictionary(page).ok();
    for _ in 0..32 {
        let Some(dict) = node else { break };
        if let Ok(m) = dict
            .get(b"MediaBox")
            .and_then(|m| doc.dereference(m))
            .map(|(_, m)| m)
        {
            media = m
                .as_array()
                .ok()
                .map(|a| a.iter().map(num).collect::<Vec<_>>())
                .and_then(|a| <[f64; 4]>::try_from(a).ok());
            break;
        }
        node = dict
            .get(b"Parent")
            .and_then(|p| p.as_reference())
            .and_then(|p| doc.get_dictionary(p))
            .ok();
    }
    let media = media.unwrap_or([0.0, 0.0, 595.0, 842.0]);
    let (w_pt, h_pt) = ((media[2] - media[0]).abs(), (media[3] - media[1]).abs());
    if !(10.0..=15_000.0).contains(&w_pt) || !(10.0..=15_000.0).contains(&h_pt) {
        return Err(Error::MalformedPdf {
            reason: format!("page size {w_pt:.0} × {h_pt:.0} pt"),
        });
    }
    Ok(media)
}

/// One page image, not yet decoded, with what it takes to decode it.
fn image_source(
    doc: &Document,
    page: ObjectId,
    img: &lopdf::xobject::PdfImage,
) -> Result<PageSource> {
    stream_source(doc, page, img.origin_dict, img.content, true)
}

/// How a page image's stream is encoded: its filter chain and their
/// parameters. An encoding PDF has but we do not read is
/// `unsupported-encoding`, naming it; a filter PDF does not have is a
/// malformed file.
fn image_filter(doc: &Document, dict: &lopdf::Dictionary) -> Result<PdfFilter> {
    let bad = |reason: String| Error::MalformedPdf { reason };
    let filters: Vec<String> = match dict.get(b"Filter") {
        Ok(Object::Name(n)) => vec![String::from_utf8_lossy(n).into_owned()],
        Ok(Object::Array(a)) => a
            .iter()
            .filter_map(|f| f.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect(),
        _ => vec![],
    };
    let parms = dict.get(b"DecodeParms").ok().and_then(|p| match p {
        Object::Dictionary(d) => Some(d.clone()),
        Object::Array(a) => a.first().and_then(|o| o.as_dict().ok()).cloned(),
        Object::Reference(r) => doc.get_dictionary(*r).ok().cloned(),
        _ => None,
    });
    let parm = |key: &[u8]| {
        parms
            .as_ref()
            .and_then(|p| p.get(key).ok())
            .and_then(|v| v.as_i64().ok())
    };
    // Whether Flate or LZW data carries PNG row predictors (10–15; none is
    // 1); any other predictor is refused, named.
    let png_predictor = |of: &str| match parm(b"Predictor").unwrap_or(1) {
        1 => Ok(false),
        10..=15 => Ok(true),
        p => Err(Error::UnsupportedEncoding {
            encoding: format!("{of} with predictor {p}"),
        }),
    };
    Ok(
        match filters
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [] => PdfFilter::None,
            ["DCTDecode"] | ["DCT"] => PdfFilter::Dct,
            ["FlateDecode", "DCTDecode"] | ["Fl", "DCT"] => PdfFilter::FlateDct,
            ["FlateDecode"] | ["Fl"] => PdfFilter::Flate {
                png_predictor: png_predictor("Flate")?,
            },
            ["CCITTFaxDecode"] | ["CCF"] => {
                let flag = |key: &[u8]| {
                    parms
                        .as_ref()
                        .and_then(|p| p.get(key).ok())
                        .and_then(|b| b.as_bool().ok())
                        .unwrap_or(false)
                };
                PdfFilter::Ccitt(super::codecs::Fax {
                    k: parm(b"K").unwrap_or(0),
                    black_is_1: flag(b"BlackIs1"),
                    byte_align: flag(b"EncodedByteAlign"),
                    end_of_line: flag(b"EndOfLine"),
                })
            }
            ["LZWDecode"] | ["LZW"] => PdfFilter::Lzw {
                early_change: parm(b"EarlyChange").unwrap_or(1) != 0,
                png_predictor: png_predictor("LZW")?,
            },
            ["JBIG2Decode"] => PdfFilter::Jbig2 {
                globals: match parms.as_ref().and_then(|p| p.get(b"JBIG2Globals").ok()) {
                    Some(Object::Reference(r)) => Some(
                        doc.get_object(*r)
                            .and_then(|o| o.as_stream())
                            .map_err(|e| bad(format!("JBIG2 globals: {e}")))?
                            .decompressed_content_with_limit(16 << 20)
                            .map_err(|e| bad(format!("JBIG2 globals: {e}")))?,
                    ),
                    _ => None,
                },
            },
            ["JPXDecode"] => PdfFilter::Jpx,
            other => {
                let known = [
                    "ASCIIHexDecode",
                    "ASCII85Decode",
                    "LZWDecode",
                    "FlateDecode",
                    "RunLengthDecode",
                    "CCITTFaxDecode",
                    "JBIG2Decode",
                    "DCTDecode",
                    "JPXDecode",
                    "Crypt",
                    "AHx",
                    "A85",
                    "LZW",
                    "Fl",
                    "RL",
                    "CCF",
                    "DCT",
                ];
                let named = other.join(" + ");
                return Err(if other.iter().all(|f| known.contains(f)) {
                    Error::UnsupportedEncoding { encoding: named }
                } else {
                    bad(format!("page image filter {named} is not a PDF filter"))
                });
            }
        },
    )
}

/// An image stream (its dictionary and bytes) as a page image source;
/// `with_mask`: with its soft mask (not for a mask itself).
fn stream_source(
    doc: &Document,
    page: ObjectId,
    dict: &lopdf::Dictionary,
    content: &[u8],
    with_mask: bool,
) -> Result<PageSource> {
    let bad = |reason: String| Error::MalformedPdf { reason };
    let int = |key: &[u8]| dict.get(key).and_then(|v| v.as_i64()).ok();
    let (w, h) = (int(b"Width").unwrap_or(0), int(b"Height").unwrap_or(0));
    if w <= 0
        || h <= 0
        || w > i64::from(MAX_SIDE)
        || h > i64::from(MAX_SIDE)
        || (w * h) as u64 > MAX_PIXELS
    {
        return Err(Error::TooLarge {
            reason: format!("page image of {w} × {h} pixels (at most {MAX_PIXELS} pixels)"),
        });
    }
    let filter = image_filter(doc, dict)?;
    let resolve = |o: &Object| match o {
        Object::Reference(r) => doc.get_object(*r).ok().cloned().unwrap_or(Object::Null),
        other => other.clone(),
    };
    let cs = dict.get(b"ColorSpace").ok().map(resolve);
    let (comps, palette) = match &cs {
        Some(Object::Array(a)) if a.first().and_then(name_of) == Some(b"Indexed") => {
            (1, Some(indexed_palette(doc, a).map_err(bad)?))
        }
        Some(other) => (colour_components(doc, other), None),
        None => (1, None),
    };
    let bilevel = matches!(filter, PdfFilter::Ccitt(_) | PdfFilter::Jbig2 { .. });
    let bpc = if bilevel {
        1
    } else if matches!(filter, PdfFilter::Jpx) {
        // JPEG 2000 carries its own depth; the PDF's is only a hint.
        8
    } else {
        int(b"BitsPerComponent").unwrap_or(8)
    };
    let allowed: &[i64] = if palette.is_some() {
        &[1, 2, 4, 8]
    } else {
        &[1, 8]
    };
    if !allowed.contains(&bpc) {
        return Err(Error::UnsupportedEncoding {
            encoding: format!("{bpc}-bit samples"),
        });
    }
    // `/Decode [1 0 …]` swaps dark and light. A JPEG's decoder has
    // already undone the inversion Adobe writes in CMYK JPEGs, which
    // is what such an array compensates for: it is not applied twice.
    let inverted = matches!(dict.get(b"Decode"), Ok(Object::Array(a)) if a.first().and_then(|o| o.as_float().ok().or_else(|| o.as_i64().ok().map(|v| v as f32))).is_some_and(|v| v > 0.5));
    let jpeg = matches!(filter, PdfFilter::Dct | PdfFilter::FlateDct);
    let invert = inverted && palette.is_none() && !(jpeg && comps == 4);
    let soft_mask = match dict.get(b"SMask").and_then(|m| m.as_reference()) {
        Ok(id) if with_mask => {
            let mask = doc
                .get_object(id)
                .and_then(|o| o.as_stream())
                .map_err(|e| bad(format!("soft mask: {e}")))?;
            Some(Box::new(stream_source(
                doc,
                page,
                &mask.dict,
                &mask.content,
                false,
            )?))
        }
        _ => None,
    };
    Ok(PageSource::PdfImage {
        data: content.to_vec(),
        filter,
        width: w as u32,
        height: h as u32,
        bpc: bpc as u8,
        comps,
        invert,
        palette,
        quarter_turns: if with_mask {
            quarter_turns(doc, page)
        } else {
            0
        },
        soft_mask,
    })
}

/// Decodes one page into grey pixels, refusing oversized images before
/// their pixels are allocated.
pub fn decode(src: &PageSource) -> Result<GrayImage> {
    match src {
        PageSource::Image(bytes) => decode_image(bytes),
        PageSource::Tiff { bytes, index } => decode_tiff(bytes, *index),
        PageSource::PdfImage {
            data,
            filter,
            width,
            height,
            bpc,
            comps,
            invert,
            palette,
            quarter_turns,
            soft_mask,
        } => {
            let mut img = match palette {
                Some(p) => decode_indexed(data, filter, *width, *height, *bpc, p)?,
                None => decode_pdf_image(data, filter, *width, *height, *bpc, *comps)?,
            };
            if *invert {
                image::imageops::invert(&mut img);
            }
            if let Some(mask) = soft_mask {
                let mut alpha = decode(mask)?;
                if alpha.dimensions() != img.dimensions() {
                    alpha = image::imageops::resize(
                        &alpha,
                        img.width(),
                        img.height(),
                        image::imageops::FilterType::Triangle,
                    );
                }
                for (p, a) in img.pixels_mut().zip(alpha.pixels()) {
                    p.0[0] = on_white(p.0[0], a.0[0]);
                }
            }
            Ok(turn(img, *quarter_turns))
        }
        PageSource::Rendered {
            pdf, index, dpi, ..
        } => super::pdf_render::render(pdf, *index, *dpi),
    }
}

/// A page turned `quarter_turns` quarters clockwise.
fn turn(img: GrayImage, quarter_turns: u8) -> GrayImage {
    match quarter_turns {
        1 => image::imageops::rotate90(&img),
        2 => image::imageops::rotate180(&img),
        3 => image::imageops::rotate270(&img),
        _ => img,
    }
}

pub(super) fn check_dims(w: u32, h: u32) -> Result<()> {
    if w == 0 || h == 0 {
        return Err(Error::MalformedImage {
            reason: "image has no pixels".into(),
        });
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Error::TooLarge {
            reason: format!(
                "image of {w} × {h} pixels (at most {MAX_PIXELS} pixels, {MAX_SIDE} a side)"
            ),
        });
    }
    Ok(())
}

/// A whole image file (JPEG, PNG) as a page: grey, transparent parts
/// white, and turned upright as its EXIF orientation says (phone photos).
fn decode_image(bytes: &[u8]) -> Result<GrayImage> {
    decode_image_as(bytes, true)
}

/// An image in grey; `orient`: apply its EXIF orientation (not for a JPEG
/// inside a PDF, which viewers draw as stored).
fn decode_image_as(bytes: &[u8], orient: bool) -> Result<GrayImage> {
    let bad = |e: image::ImageError| Error::MalformedImage {
        reason: e.to_string(),
    };
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::io("<upload>", e))?;
    let (w, h) = reader.into_dimensions().map_err(bad)?;
    check_dims(w, h)?;
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::io("<upload>", e))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(bad)?;
    let orientation = if orient {
        image::ImageDecoder::orientation(&mut decoder).ok()
    } else {
        None
    };
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(bad)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(over_white(img))
}

/// Grey pixels of an image, transparent parts on white paper (a PNG whose
/// paper is transparent is not a black page).
fn over_white(img: image::DynamicImage) -> GrayImage {
    if !img.color().has_alpha() {
        return img.to_luma8();
    }
    let la = img.to_luma_alpha8();
    GrayImage::from_fn(la.width(), la.height(), |x, y| {
        let [l, a] = la.get_pixel(x, y).0;
        image::Luma([on_white(l, a)])
    })
}

/// A grey `l` of opacity `a` on white paper.
pub(super) fn on_white(l: u8, a: u8) -> u8 {
    let (l, a) = (u32::from(l), u32::from(a));
    ((l * a + 255 * (255 - a)) / 255) as u8
}

fn decode_tiff(bytes: &[u8], index: usize) -> Result<GrayImage> {
    use tiff::decoder::{Decoder, DecodingResult, Limits};
    let bad = |e: tiff::TiffError| Error::MalformedImage {
        reason: format!("TIFF page {}: {e}", index + 1),
    };
    let mut limits = Limits::default();
    limits.decoding_buffer_size = (MAX_PIXELS * 4) as usize;
    limits.intermediate_buffer_size = (MAX_PIXELS * 4) as usize;
    let mut dec = Decoder::new(Cursor::new(bytes))
        .map_err(bad)?
        .with_limits(limits);
    dec.seek_to_image(index).map_err(bad)?;
    let (w, h) = dec.dimensions().map_err(bad)?;
    check_dims(w, h)?;
    use tiff::tags::Tag;
    // Group 3 fax (what fax-mode scanners and `tiffcp -c g3` write) is
    // decoded here; the tiff crate reads Group 4 itself.
    match dec
        .find_tag_unsigned::<u16>(Tag::Compression)
        .ok()
        .flatten()
    {
        Some(3) => return decode_tiff_g3(&mut dec, bytes, w, h, index),
        // LZW tiles, as `tiffcp -c lzw -t` writes them: each tile's data
        // ends without an end code, which the tiff crate refuses.
        Some(5)
            if dec
                .find_tag_unsigned::<u32>(Tag::TileWidth)
                .ok()
                .flatten()
                .is_some() =>
        {
            return decode_tiff_lzw_tiles(&mut dec, bytes, w, h, index);
        }
        Some(2) => {
            return Err(Error::UnsupportedEncoding {
                encoding: "CCITT modified Huffman (TIFF compression 2)".into(),
            });
        }
        _ => {}
    }
    let color = dec.colortype().map_err(bad)?;
    let data = dec.read_image().map_err(bad)?;
    let px: Vec<u8> = match data {
        DecodingResult::U8(px) => px,
        DecodingResult::U16(px) => px.iter().map(|v| (v >> 8) as u8).collect(),
        _ => {
            return Err(Error::UnsupportedEncoding {
                encoding: "TIFF samples of more than 16 bits".into(),
            });
        }
    };
    use tiff::ColorType;
    let (w_us, h_us) = (w as usize, h as usize);
    // Transparent parts are white paper (`on_white`).
    let gray: Vec<u8> = match color {
        ColorType::Gray(8 | 16) => px,
        ColorType::Gray(1) => unpack_bits(&px, w_us, h_us, false),
        // Grey or RGB with an extra (alpha) sample, as ImageMagick writes
        // them, are read the same way.
        ColorType::GrayA(8 | 16)
        | ColorType::Multiband {
            bit_depth: 8 | 16,
            num_samples: 2,
        } => px.chunks_exact(2).map(|p| on_white(p[0], p[1])).collect(),
        ColorType::RGB(8 | 16) => px.chunks_exact(3).map(luma).collect(),
        ColorType::RGBA(8 | 16)
        | ColorType::Multiband {
            bit_depth: 8 | 16,
            num_samples: 4,
        } => px
            .chunks_exact(4)
            .map(|p| on_white(luma(p), p[3]))
            .collect(),
        ColorType::CMYK(8 | 16) => px
            .chunks_exact(4)
            .map(|p| cmyk_grey(p[0], p[1], p[2], p[3]))
            .collect(),
        other => {
            return Err(Error::UnsupportedEncoding {
                encoding: format!("TIFF colour type {other:?}"),
            });
        }
    };
    GrayImage::from_raw(w, h, gray).ok_or_else(|| Error::MalformedImage {
        reason: "TIFF data is shorter than its size".into(),
    })
}

/// What is wrong with page `index` (from 0) of a TIFF, said as its reason.
fn tiff_page_error(index: usize) -> impl Fn(&str) -> Error {
    move |what| Error::MalformedImage {
        reason: format!("TIFF page {}: {what}", index + 1),
    }
}

/// A strip's or tile's bytes in the file, if they are in it.
fn chunk(bytes: &[u8], offset: u64, count: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    bytes.get(start..start.checked_add(usize::try_from(count).ok()?)?)
}

/// A tiled LZW TIFF page of 8-bit samples, stored pixel by pixel (grey,
/// grey and alpha, RGB, RGBA or CMYK), with or without the horizontal
/// predictor, tile by tile.
fn decode_tiff_lzw_tiles(
    dec: &mut tiff::decoder::Decoder<Cursor<&[u8]>>,
    bytes: &[u8],
    w: u32,
    h: u32,
    index: usize,
) -> Result<GrayImage> {
    use tiff::tags::Tag;
    let bad = tiff_page_error(index);
    let unsupported = |what: String| Error::UnsupportedEncoding {
        encoding: format!("LZW TIFF tiles of {what}"),
    };
    let mut tag = |t: Tag| dec.find_tag_unsigned::<u32>(t).ok().flatten();
    let spp = tag(Tag::SamplesPerPixel).unwrap_or(1) as usize;
    let bits = tag(Tag::BitsPerSample).unwrap_or(1);
    let photometric = tag(Tag::PhotometricInterpretation).unwrap_or(1);
    if bits != 8 || !(1..=4).contains(&spp) {
        return Err(unsupported(format!("{spp} samples of {bits} bits")));
    }
    if spp > 1 && tag(Tag::PlanarConfiguration) == Some(2) {
        return Err(unsupported("samples in separate planes".into()));
    }
    let predictor = tag(Tag::Predictor).unwrap_or(1);
    if predictor > 2 {
        return Err(unsupported(format!("predictor {predictor}")));
    }
    let (tw, th) = (
        tag(Tag::TileWidth).unwrap_or(0) as usize,
        tag(Tag::TileLength).unwrap_or(0) as usize,
    );
    if tw == 0 || th == 0 || tw > MAX_SIDE as usize || th > MAX_SIDE as usize {
        return Err(bad("tiles without a size"));
    }
    let offsets = dec
        .get_tag_u64_vec(Tag::TileOffsets)
        .map_err(|_| bad("tiles without offsets"))?;
    let counts = dec
        .get_tag_u64_vec(Tag::TileByteCounts)
        .map_err(|_| bad("tiles without sizes"))?;
    let (wu, hu) = (w as usize, h as usize);
    let across = wu.div_ceil(tw);
    if offsets.len() < across * hu.div_ceil(th) || counts.len() < offsets.len() {
        return Err(bad("fewer tiles than the page needs"));
    }
    let grey_of = |p: &[u8]| -> u8 {
        match (spp, photometric) {
            (1, 0) => 255 - p[0],
            (1, _) => p[0],
            (2, _) => on_white(p[0], p[1]),
            (3, _) => luma(p),
            (4, 5) => cmyk_grey(p[0], p[1], p[2], p[3]),
            _ => on_white(luma(p), p[3]),
        }
    };
    let mut out = vec![255u8; wu * hu];
    let tile_bytes = tw * th * spp;
    for (i, (offset, count)) in offsets.iter().zip(&counts).enumerate() {
        let (tx, ty) = ((i % across) * tw, (i / across) * th);
        if ty >= hu {
            break;
        }
        let data = chunk(bytes, *offset, *count)
            .ok_or_else(|| bad("a tile runs past the end of the file"))?;
        let mut px = super::codecs::lzw(data, true, tile_bytes)?;
        px.resize(tile_bytes, 0);
        if predictor == 2 {
            for row in px.chunks_exact_mut(tw * spp) {
                for x in spp..row.len() {
                    row[x] = row[x].wrapping_add(row[x - spp]);
                }
            }
        }
        for y in 0..th.min(hu - ty) {
            for x in 0..tw.min(wu - tx) {
                let at = (y * tw + x) * spp;
                out[(ty + y) * wu + tx + x] = grey_of(&px[at..at + spp]);
            }
        }
    }
    GrayImage::from_raw(w, h, out).ok_or_else(|| bad("tile size"))
}

/// A Group 3 (T.4, one- or two-dimensional) fax TIFF page, strip by strip.
fn decode_tiff_g3(
    dec: &mut tiff::decoder::Decoder<Cursor<&[u8]>>,
    bytes: &[u8],
    w: u32,
    h: u32,
    index: usize,
) -> Result<GrayImage> {
    use tiff::tags::Tag;
    let bad = tiff_page_error(index);
    // T4Options: bit 0 two-dimensional coding, bit 2 rows padded to a byte.
    let t4 = dec
        .find_tag_unsigned::<u32>(Tag::Unknown(292))
        .ok()
        .flatten()
        .unwrap_or(0);
    let lsb_first = dec.find_tag_unsigned::<u16>(Tag::FillOrder).ok().flatten() == Some(2);
    // The codes' black runs are 1 bits; the photometric says what a 1 is
    // (white when black is zero).
    let black_is_zero = dec
        .find_tag_unsigned::<u16>(Tag::PhotometricInterpretation)
        .ok()
        .flatten()
        == Some(1);
    let how = super::codecs::Fax {
        k: if t4 & 1 != 0 { 1 } else { 0 },
        black_is_1: black_is_zero,
        byte_align: t4 & 4 != 0,
        end_of_line: true,
    };
    let offsets = dec
        .get_tag_u64_vec(Tag::StripOffsets)
        .map_err(|_| bad("a fax image without strips"))?;
    let counts = dec
        .get_tag_u64_vec(Tag::StripByteCounts)
        .map_err(|_| bad("a fax image without strip sizes"))?;
    let rows_per_strip = dec
        .find_tag_unsigned::<u32>(Tag::RowsPerStrip)
        .ok()
        .flatten()
        .unwrap_or(h)
        .clamp(1, h);
    let (wu, hu) = (w as usize, h as usize);
    let mut out = Vec::with_capacity(wu * hu);
    let mut decoded = false;
    for (offset, count) in offsets.iter().zip(&counts) {
        let data = chunk(bytes, *offset, *count)
            .ok_or_else(|| bad("a fax strip runs past the end of the file"))?;
        let bits: std::borrow::Cow<[u8]> = if lsb_first {
            data.iter().map(|b| b.reverse_bits()).collect()
        } else {
            data.into()
        };
        let stop = (out.len() / wu.max(1) + rows_per_strip as usize).min(hu) * wu;
        // A strip that does not decode, or ends early, leaves its rows white.
        decoded |= super::codecs::fax_rows(&bits, w, rows_per_strip, how, &mut out, stop).is_ok();
        out.resize(stop, 255);
    }
    if !decoded {
        return Err(bad("the fax data does not decode"));
    }
    out.resize(wu * hu, 255);
    GrayImage::from_raw(w, h, out).ok_or_else(|| bad("fax size"))
}

pub(super) fn luma(px: &[u8]) -> u8 {
    ((u32::from(px[0]) * 299 + u32::from(px[1]) * 587 + u32::from(px[2]) * 114) / 1000) as u8
}

/// Expands 1-bit rows (each padded to a byte) to grey; a 1 bit is white
/// unless `one_is_black`.
fn unpack_bits(px: &[u8], w: usize, h: usize, one_is_black: bool) -> Vec<u8> {
    let stride = w.div_ceil(8);
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = px.get(y * stride..(y + 1) * stride).unwrap_or(&[]);
        for x in 0..w {
            let bit = row.get(x / 8).is_some_and(|b| b & (0x80 >> (x % 8)) != 0);
            out.push(if bit != one_is_black { 255 } else { 0 });
        }
    }
    out
}

/// Inflates Flate data, never more than `most` bytes: a bomb stops here.
fn inflate(data: &[u8], most: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(most + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::MalformedImage {
            reason: format!("Flate data: {e}"),
        })?;
    Ok(out)
}

/// An indexed-colour page image (1, 2, 4 or 8 bits an index, rows padded
/// to a byte) through its palette of greys.
fn decode_indexed(
    data: &[u8],
    filter: &PdfFilter,
    w: u32,
    h: u32,
    bpc: u8,
    palette: &[u8],
) -> Result<GrayImage> {
    let (wu, hu, bits) = (w as usize, h as usize, usize::from(bpc));
    let stride = (wu * bits).div_ceil(8);
    let raw = match filter {
        PdfFilter::None => data.to_vec(),
        PdfFilter::Flate { png_predictor } | PdfFilter::Lzw { png_predictor, .. } => {
            let want = stride * hu + if *png_predictor { hu } else { 0 };
            let out = match filter {
                PdfFilter::Lzw { early_change, .. } => {
                    super::codecs::lzw(data, *early_change, want)?
                }
                _ => inflate(data, want as u64)?,
            };
            if *png_predictor {
                unpredict_png(&out, stride, 1)?
            } else {
                out
            }
        }
        _ => {
            return Err(Error::UnsupportedEncoding {
                encoding: "indexed colour in a JPEG or fax image".into(),
            });
        }
    };
    if raw.len() < stride * hu {
        return Err(Error::MalformedImage {
            reason: format!(
                "page image holds {} bytes, {} expected",
                raw.len(),
                stride * hu
            ),
        });
    }
    let mask = ((1u16 << bits) - 1) as u8;
    let mut grey = Vec::with_capacity(wu * hu);
    for row in raw.chunks_exact(stride).take(hu) {
        for x in 0..wu {
            let bit = x * bits;
            let index = (row[bit / 8] >> (8 - bits - bit % 8)) & mask;
            grey.push(palette[usize::from(index)]);
        }
    }
    GrayImage::from_raw(w, h, grey).ok_or_else(|| Error::MalformedImage {
        reason: "image size".into(),
    })
}

fn decode_pdf_image(
    data: &[u8],
    filter: &PdfFilter,
    w: u32,
    h: u32,
    bpc: u8,
    comps: u8,
) -> Result<GrayImage> {
    let (wu, hu) = (w as usize, h as usize);
    let raw_len = if bpc == 1 {
        wu.div_ceil(8) * hu
    } else {
        wu * hu * comps as usize
    };
    let raw = match filter {
        PdfFilter::Dct | PdfFilter::FlateDct => {
            let inflated;
            let jpeg = if matches!(filter, PdfFilter::FlateDct) {
                // A JPEG is smaller than its pixels: inflate no more than that.
                inflated = inflate(
                    data,
                    (wu * hu * usize::from(comps.max(1))) as u64 + (1 << 20),
                )?;
                &inflated[..]
            } else {
                data
            };
            let img = decode_image_as(jpeg, false)?;
            if img.dimensions() != (w, h) {
                return Err(Error::MalformedImage {
                    reason: "JPEG size differs from the PDF's image size".into(),
                });
            }
            return Ok(img);
        }
        PdfFilter::Ccitt(how) => return super::codecs::fax(data, w, h, *how),
        PdfFilter::Jbig2 { globals } => {
            return super::codecs::jbig2(data, globals.as_deref(), w, h);
        }
        PdfFilter::Jpx => return super::codecs::jpx(data, w, h),
        PdfFilter::Flate { png_predictor } | PdfFilter::Lzw { png_predictor, .. } => {
            let row_bytes = raw_len / hu.max(1);
            let want = if *png_predictor {
                raw_len + hu
            } else {
                raw_len
            };
            let out = match filter {
                PdfFilter::Lzw { early_change, .. } => {
                    super::codecs::lzw(data, *early_change, want)?
                }
                _ => inflate(data, want as u64)?,
            };
            if *png_predictor {
                let bpp = (usize::from(comps) * usize::from(bpc)).div_ceil(8).max(1);
                unpredict_png(&out, row_bytes, bpp)?
            } else {
                out
            }
        }
        PdfFilter::None => data.to_vec(),
    };
    if raw.len() < raw_len {
        return Err(Error::MalformedImage {
            reason: format!("page image holds {} bytes, {raw_len} expected", raw.len()),
        });
    }
    let gray = match (bpc, comps) {
        (1, _) => unpack_bits(&raw, wu, hu, false),
        (8, 1) => raw[..raw_len].to_vec(),
        (8, 3) => raw[..raw_len].chunks_exact(3).map(luma).collect(),
        (8, 4) => raw[..raw_len]
            .chunks_exact(4)
            .map(|p| cmyk_grey(p[0], p[1], p[2], p[3]))
            .collect(),
        _ => {
            return Err(Error::MalformedImage {
                reason: format!("{comps}-component page images are not supported"),
            });
        }
    };
    GrayImage::from_raw(w, h, gray).ok_or_else(|| Error::MalformedImage {
        reason: "image size".into(),
    })
}

/// Undoes PNG row filters (each row starts with its filter type byte).
fn unpredict_png(data: &[u8], row_bytes: usize, bpp: usize) -> Result<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row_bytes];
    for row in data.chunks(row_bytes + 1) {
        if row.len() < row_bytes + 1 {
            break;
        }
        let (kind, src) = (row[0], &row[1..]);
        let mut cur = vec![0u8; row_bytes];
        for i in 0..row_bytes {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev[i];
            let c = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = src[i].wrapping_add(match kind {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => {
                    return Err(Error::MalformedImage {
                        reason: format!("PNG row filter {other} in a Flate image"),
                    });
                }
            });
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_sniffed_from_bytes_not_names() {
        assert_eq!(sniff(b"%PDF-1.5\n...").unwrap(), FileType::Pdf);
        assert_eq!(sniff(b"\r\n %PDF-1.7\n").unwrap(), FileType::Pdf);
        for polyglot in [
            &b"<html><body>%PDF-1.4 hello</body></html>"[..],
            b"PK\x03\x04....%PDF-1.4",
            b"          x %PDF-1.4",
        ] {
            assert_eq!(sniff(polyglot).unwrap_err().code(), "unsupported-type");
        }
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nxxxx").unwrap(), FileType::Png);
        assert_eq!(sniff(b"\xff\xd8\xff\xe0").unwrap(), FileType::Jpeg);
        assert_eq!(sniff(b"II*\0abcd").unwrap(), FileType::Tiff);
        let err = sniff(b"GIF89a....").unwrap_err();
        assert_eq!(err.code(), "unsupported-type");
        assert_eq!(sniff(b"").unwrap_err().code(), "unsupported-type");
    }

    #[test]
    fn png_row_filters_are_undone() {
        // Two rows of three grey pixels: row 1 with Sub, row 2 with Up.
        let data = [1, 10, 5, 5, 2, 1, 1, 1];
        assert_eq!(
            unpredict_png(&data, 3, 1).unwrap(),
            [10, 15, 20, 11, 16, 21]
        );
        assert!(unpredict_png(&[9, 1, 2, 3], 3, 1).is_err());
    }

    #[test]
    fn a_png_or_jpeg_cut_short_is_refused_before_it_is_stored() {
        let mut png = vec![];
        image::GrayImage::from_pixel(40, 30, image::Luma([200]))
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let mut jpeg = vec![];
        let noise =
            image::GrayImage::from_fn(64, 48, |x, y| image::Luma([((x * 7 + y * 13) % 251) as u8]));
        image::DynamicImage::ImageLuma8(noise)
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        for whole in [&png, &jpeg] {
            assert_eq!(split(Arc::new(whole.clone())).unwrap().len(), 1);
            for cut in [whole.len() - 1, whole.len() - 3, whole.len() / 2] {
                let err = split(Arc::new(whole[..cut].to_vec())).unwrap_err();
                assert_eq!(err.code(), "malformed-image", "{err}");
            }
        }
    }

    #[test]
    fn a_truncated_pdf_is_a_clear_error() {
        let err = split(Arc::new(b"%PDF-1.5\n1 0 obj << /Type /Catalog".to_vec())).unwrap_err();
        assert_eq!(err.code(), "malformed-pdf", "{err}");
    }
}

/// What an upload holds, found without decoding a pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Inspection {
    pub file_type: FileType,
    pub pages: usize,
}

/// Checks a whole file before it is accepted: its type from the bytes, that
/// it splits into pages (not truncated, not too many), and that every
/// page's declared size is within the limits, so a decompression bomb is
/// refused before anything is decoded. Fails on the first bad page, naming it.
pub fn inspect(bytes: Arc<Vec<u8>>) -> Result<Inspection> {
    let file_type = sniff(&bytes)?;
    let pages = split(bytes)?;
    if pages.is_empty() {
        return Err(Error::MalformedPdf {
            reason: "the document has no pages".into(),
        });
    }
    let count = pages.len();
    for (i, page) in pages.into_iter().enumerate() {
        let on_page = |e: Error| match e {
            Error::TooLarge { reason } => Error::TooLarge {
                reason: format!("page {}: {reason}", i + 1),
            },
            Error::MalformedImage { reason } => Error::MalformedImage {
                reason: format!("page {}: {reason}", i + 1),
            },
            Error::MalformedPdf { reason } => Error::MalformedPdf {
                reason: format!("page {}: {reason}", i + 1),
            },
            other => other,
        };
        match page {
            Err(e) => return Err(on_page(e)),
            Ok(src) => dimensions(&src).map_err(on_page).map(|_| ())?,
        }
    }
    Ok(Inspection {
        file_type,
        pages: count,
    })
}

/// A page's pixel size as declared by its headers, checked against the
/// limits; nothing is decoded.
pub fn dimensions(src: &PageSource) -> Result<(u32, u32)> {
    let (w, h) = match src {
        PageSource::Image(bytes) => image::ImageReader::new(Cursor::new(bytes.as_slice()))
            .with_guessed_format()
            .map_err(|e| Error::io("<upload>", e))?
            .into_dimensions()
            .map_err(|e| Error::MalformedImage {
                reason: e.to_string(),
            })?,
        PageSource::Tiff { bytes, index } => {
            let bad = |e: tiff::TiffError| Error::MalformedImage {
                reason: format!("TIFF page {}: {e}", index + 1),
            };
            let mut dec =
                tiff::decoder::Decoder::new(Cursor::new(bytes.as_slice())).map_err(bad)?;
            dec.seek_to_image(*index).map_err(bad)?;
            dec.dimensions().map_err(bad)?
        }
        PageSource::PdfImage { width, height, .. } | PageSource::Rendered { width, height, .. } => {
            (*width, *height)
        }
    };
    check_dims(w, h)?;
    Ok((w, h))
}
