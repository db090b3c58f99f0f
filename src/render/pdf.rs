//! Writing PDFs with lopdf: the forms we print (text in the embedded font,
//! the QR code as an image) and scan-like PDFs (one page image per page, as
//! a scanner writes them).
//!
//! The content streams are deliberately plain (`Tf`, `Td`, `Tj`, `re`, `m`,
//! `l`, `cm`, `Do`) so `pipeline::pdf` can read our own born-digital PDFs
//! back. Nothing here reads PDFs.

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, dictionary};

use super::drawing::{Align, Drawing, Shape};
use super::font;
use crate::error::{Error, Result};

const PT_PER_MM: f64 = 72.0 / 25.4;

/// How a scan page's pixels are encoded in the PDF.
#[derive(Debug, Clone)]
pub enum ScanEncoding {
    /// JPEG bytes (`DCTDecode`), grey.
    Jpeg(Vec<u8>),
    /// 8-bit grey pixels, Flate-compressed here.
    Gray(Vec<u8>),
    /// 1-bit CCITT Group 4 data (`K -1`, black is 0 bits... see `BlackIs1 false`).
    G4(Vec<u8>),
}

/// One page image of a scan-like PDF.
#[derive(Debug, Clone)]
pub struct ScanPage {
    pub width_mm: f64,
    pub height_mm: f64,
    pub px_w: u32,
    pub px_h: u32,
    pub encoding: ScanEncoding,
}

fn n(v: f64) -> Object {
    Object::Real((v * 1000.0).round() as f32 / 1000.0)
}

fn new_doc() -> (Document, ObjectId) {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    (doc, pages_id)
}

fn finish(mut doc: Document, pages_id: ObjectId, kids: Vec<ObjectId>) -> Result<Vec<u8>> {
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids.into_iter().map(Object::Reference).collect::<Vec<_>>(),
            "Count" => count,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| Error::io("<pdf>", e))?;
    Ok(out)
}

fn flate(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

fn add_font(doc: &mut Document) -> ObjectId {
    let f = font::font();
    use ab_glyph::Font;
    let upm = f64::from(f.units_per_em().unwrap_or(2048.0));
    let scale = |v: f32| (f64::from(v) * 1000.0 / upm).round() as i64;
    let file = Stream::new(
        dictionary! { "Length1" => font::FONT_BYTES.len() as i64, "Filter" => "FlateDecode" },
        flate(font::FONT_BYTES),
    );
    let file_id = doc.add_object(file);
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => "DejaVuSans",
        "Flags" => 32,
        "FontBBox" => vec![(-1021).into(), (-463).into(), 1793.into(), 1232.into()],
        "ItalicAngle" => 0,
        "Ascent" => scale(f.ascent_unscaled()),
        "Descent" => scale(f.descent_unscaled()),
        "CapHeight" => 729,
        "StemV" => 80,
        "FontFile2" => file_id,
    });
    let widths: Vec<Object> = (32u8..=255)
        .map(|b| Object::Integer(font::width_1000(b).round() as i64))
        .collect();
    doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "TrueType",
        "BaseFont" => "DejaVuSans",
        "FirstChar" => 32,
        "LastChar" => 255,
        "Widths" => widths,
        "Encoding" => "WinAnsiEncoding",
        "FontDescriptor" => descriptor,
    })
}

/// The Devanagari font as a composite (Type0) font whose codes are glyph
/// ids (`Identity-H`), the shaped glyphs being what is shown; `used`
/// glyphs get their widths.
fn add_devanagari_font(doc: &mut Document, used: &std::collections::BTreeSet<u16>) -> ObjectId {
    let file = Stream::new(
        dictionary! { "Length1" => font::DEVANAGARI_BYTES.len() as i64, "Filter" => "FlateDecode" },
        flate(font::DEVANAGARI_BYTES),
    );
    let file_id = doc.add_object(file);
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => DEVANAGARI_NAME,
        "Flags" => 32,
        "FontBBox" => vec![(-800).into(), (-500).into(), 1600.into(), 1100.into()],
        "ItalicAngle" => 0,
        "Ascent" => 1069,
        "Descent" => -293,
        "CapHeight" => 714,
        "StemV" => 80,
        "FontFile2" => file_id,
    });
    let mut widths: Vec<Object> = Vec::with_capacity(used.len() * 2);
    for &id in used {
        widths.push(i64::from(id).into());
        widths.push(
            vec![Object::Integer(
                font::devanagari_width_1000(id).round() as i64
            )]
            .into(),
        );
    }
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => DEVANAGARI_NAME,
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "CIDToGIDMap" => "Identity",
        "DW" => 1000,
        "W" => widths,
    });
    doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => DEVANAGARI_NAME,
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![cid_font.into()],
    })
}

/// The name our Devanagari font goes by in the PDFs we print.
const DEVANAGARI_NAME: &str = "NotoSansDevanagari";

/// Writes printed pages as one PDF, fonts embedded.
pub fn drawings_to_pdf(pages: &[&Drawing]) -> Result<Vec<u8>> {
    let (mut doc, pages_id) = new_doc();
    let font_id = add_font(&mut doc);
    let used: std::collections::BTreeSet<u16> = pages
        .iter()
        .flat_map(|d| &d.shapes)
        .flat_map(|s| match s {
            Shape::Glyphs { glyphs, .. } => glyphs.iter().map(|g| g.id).collect(),
            _ => vec![],
        })
        .collect();
    let mut fonts = dictionary! { "F1" => font_id };
    if !used.is_empty() {
        fonts.set("F2", add_devanagari_font(&mut doc, &used));
    }
    let mut kids = Vec::new();
    for d in pages {
        let h_pt = d.height_mm * PT_PER_MM;
        let mut ops = Vec::new();
        let mut xobjects = Dictionary::new();
        for shape in &d.shapes {
            match shape {
                Shape::Text {
                    x,
                    y,
                    size_pt,
                    text,
                    align,
                } => {
                    let bytes: Vec<u8> = text.chars().map(font::win_ansi).collect();
                    let width = font::text_width_mm(text, *size_pt);
                    let x = match align {
                        Align::Left => *x,
                        Align::Center => x - width / 2.0,
                        Align::Right => x - width,
                    };
                    ops.push(Operation::new("BT", vec![]));
                    ops.push(Operation::new("Tf", vec!["F1".into(), n(*size_pt)]));
                    ops.push(Operation::new(
                        "Td",
                        vec![n(x * PT_PER_MM), n(h_pt - y * PT_PER_MM)],
                    ));
                    ops.push(Operation::new(
                        "Tj",
                        vec![Object::String(bytes, StringFormat::Literal)],
                    ));
                    ops.push(Operation::new("ET", vec![]));
                }
                Shape::Glyphs {
                    x,
                    y,
                    size_pt,
                    glyphs,
                } => {
                    // Each glyph where shaping put it: conjuncts, matras
                    // and their offsets exactly as the shaper placed them.
                    ops.push(Operation::new("BT", vec![]));
                    ops.push(Operation::new("Tf", vec!["F2".into(), n(*size_pt)]));
                    for g in glyphs {
                        let gx = x * PT_PER_MM + g.x / 1000.0 * size_pt;
                        let gy = h_pt - y * PT_PER_MM + g.y / 1000.0 * size_pt;
                        let tm = vec![n(1.0), n(0.0), n(0.0), n(1.0), n(gx), n(gy)];
                        ops.push(Operation::new("Tm", tm));
                        ops.push(Operation::new(
                            "Tj",
                            vec![Object::String(
                                g.id.to_be_bytes().to_vec(),
                                StringFormat::Hexadecimal,
                            )],
                        ));
                    }
                    ops.push(Operation::new("ET", vec![]));
                }
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    if !fill {
                        ops.push(Operation::new("w", vec![n(stroke * PT_PER_MM)]));
                    }
                    let (px, py) = (x * PT_PER_MM, h_pt - (y + h) * PT_PER_MM);
                    ops.push(Operation::new(
                        "re",
                        vec![n(px), n(py), n(w * PT_PER_MM), n(h * PT_PER_MM)],
                    ));
                    ops.push(Operation::new(if *fill { "f" } else { "S" }, vec![]));
                }
                Shape::Path { points, stroke } => {
                    ops.push(Operation::new("w", vec![n(stroke * PT_PER_MM)]));
                    ops.push(Operation::new("J", vec![1.into()]));
                    ops.push(Operation::new("j", vec![1.into()]));
                    for (i, (px, py)) in points.iter().enumerate() {
                        let op = if i == 0 { "m" } else { "l" };
                        ops.push(Operation::new(
                            op,
                            vec![n(px * PT_PER_MM), n(h_pt - py * PT_PER_MM)],
                        ));
                    }
                    ops.push(Operation::new("S", vec![]));
                }
                Shape::Image { x, y, w, h, image } => {
                    let name = format!("Im{}", xobjects.len());
                    let stream = Stream::new(
                        dictionary! {
                            "Type" => "XObject", "Subtype" => "Image",
                            "Width" => image.width() as i64, "Height" => image.height() as i64,
                            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                            "Interpolate" => false, "Filter" => "FlateDecode",
                        },
                        flate(image.as_raw()),
                    );
                    let id = doc.add_object(stream);
                    xobjects.set(name.as_bytes(), id);
                    ops.push(Operation::new("q", vec![]));
                    let cm = vec![
                        n(w * PT_PER_MM),
                        n(0.0),
                        n(0.0),
                        n(h * PT_PER_MM),
                        n(x * PT_PER_MM),
                        n(h_pt - (y + h) * PT_PER_MM),
                    ];
                    ops.push(Operation::new("cm", cm));
                    ops.push(Operation::new("Do", vec![Object::Name(name.into_bytes())]));
                    ops.push(Operation::new("Q", vec![]));
                }
            }
        }
        let content = Content { operations: ops }
            .encode()
            .map_err(|e| Error::MalformedPdf {
                reason: e.to_string(),
            })?;
        let content_id = doc.add_object(Stream::new(
            dictionary! { "Filter" => "FlateDecode" },
            flate(&content),
        ));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), n(d.width_mm * PT_PER_MM), n(h_pt)],
            "Resources" => dictionary! { "Font" => fonts.clone(), "XObject" => xobjects },
            "Contents" => content_id,
        });
        kids.push(page);
    }
    finish(doc, pages_id, kids)
}

/// Writes scan pages as one PDF, each page one full-page image.
pub fn scans_to_pdf(pages: &[ScanPage]) -> Result<Vec<u8>> {
    let (mut doc, pages_id) = new_doc();
    let mut kids = Vec::new();
    for p in pages {
        let mut dict = dictionary! {
            "Type" => "XObject", "Subtype" => "Image",
            "Width" => p.px_w as i64, "Height" => p.px_h as i64,
            "ColorSpace" => "DeviceGray",
        };
        let data = match &p.encoding {
            ScanEncoding::Jpeg(b) => {
                dict.set("BitsPerComponent", 8);
                dict.set("Filter", "DCTDecode");
                b.clone()
            }
            ScanEncoding::Gray(px) => {
                dict.set("BitsPerComponent", 8);
                dict.set("Filter", "FlateDecode");
                flate(px)
            }
            ScanEncoding::G4(b) => {
                dict.set("BitsPerComponent", 1);
                dict.set("Filter", "CCITTFaxDecode");
                dict.set("DecodeParms", dictionary! { "K" => -1, "Columns" => p.px_w as i64, "Rows" => p.px_h as i64, "BlackIs1" => false });
                b.clone()
            }
        };
        let image_id = doc.add_object(Stream::new(dict, data).with_compression(false));
        let (w, h) = (p.width_mm * PT_PER_MM, p.height_mm * PT_PER_MM);
        let ops = vec![
            Operation::new("q", vec![]),
            Operation::new("cm", vec![n(w), n(0.0), n(0.0), n(h), n(0.0), n(0.0)]),
            Operation::new("Do", vec![Object::Name(b"Im0".to_vec())]),
            Operation::new("Q", vec![]),
        ];
        let content = Content { operations: ops }
            .encode()
            .map_err(|e| Error::MalformedPdf {
                reason: e.to_string(),
            })?;
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), n(w), n(h)],
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
            "Contents" => content_id,
        });
        kids.push(page);
    }
    finish(doc, pages_id, kids)
}
