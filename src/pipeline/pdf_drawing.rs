//! Born-digital PDF pages (no page image, such as the forms we print) turned
//! back into a `Drawing`, which the rasteriser then draws, so they go through
//! the same reading stages as scans.
//!
//! It understands the plain operator set our own writer emits (`Tf Td Tm Tj
//! TJ re f S m l w cm q Q Do`) and the WinAnsi-encoded embedded font; other
//! operators are skipped. It never decodes page-sized images (those pages are
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

/// The page as shapes in millimetres (origin top-left).
pub fn page_drawing(doc: &Document, page: ObjectId) -> Result<Drawing> {
    let bad = |reason: String| Error::MalformedPdf { reason };
    let page_dict = doc.get_dictionary(page).map_err(|e| bad(e.to_string()))?;
    let media = page_dict
        .get(b"MediaBox")
        .ok()
        .and_then(|m| m.as_array().ok())
        .map(|a| a.iter().map(num).collect::<Vec<_>>())
        .filter(|a| a.len() == 4)
        .unwrap_or_else(|| vec![0.0, 0.0, 595.0, 842.0]);
    let (w_pt, h_pt) = ((media[2] - media[0]).abs(), (media[3] - media[1]).abs());
    if !(10.0..=5000.0).contains(&w_pt) || !(10.0..=5000.0).contains(&h_pt) {
        return Err(bad(format!("page size {w_pt} × {h_pt} pt")));
    }
    let bytes = doc
        .get_page_content_with_limit(page, 16 << 20)
        .map_err(|e| bad(format!("page content: {e}")))?;
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
    let mut d = Drawing::new(w_pt * MM_PER_PT, h_pt * MM_PER_PT);
    // PDF user space (pt, y up) to drawing space (mm, y down).
    let to_mm = |x: f64, y: f64| {
        (
            (x - media[0]) * MM_PER_PT,
            (h_pt - (y - media[1])) * MM_PER_PT,
        )
    };
    let mut ctm: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut stack: Vec<(Matrix, f64)> = Vec::new();
    let mut line_w = 1.0;
    let mut font_size = 12.0;
    let mut text_pos = (0.0, 0.0);
    let mut path: Vec<(f64, f64)> = Vec::new();
    let mut rects: Vec<[f64; 4]> = Vec::new();
    let apply =
        |m: &Matrix, x: f64, y: f64| (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]);
    for op in &content.operations {
        let a = &op.operands;
        match op.operator.as_str() {
            "q" => stack.push((ctm, line_w)),
            "Q" => (ctm, line_w) = stack.pop().unwrap_or((ctm, line_w)),
            "cm" if a.len() == 6 => {
                let m = [
                    num(&a[0]),
                    num(&a[1]),
                    num(&a[2]),
                    num(&a[3]),
                    num(&a[4]),
                    num(&a[5]),
                ];
                ctm = mul(&m, &ctm);
            }
            "w" if !a.is_empty() => line_w = num(&a[0]),
            "BT" => text_pos = (0.0, 0.0),
            "Tf" if a.len() == 2 => font_size = num(&a[1]),
            "Td" | "TD" if a.len() == 2 => {
                text_pos = (text_pos.0 + num(&a[0]), text_pos.1 + num(&a[1]))
            }
            "Tm" if a.len() == 6 => text_pos = (num(&a[4]), num(&a[5])),
            "Tj" | "TJ" | "'" => {
                let mut text = String::new();
                let mut collect = |o: &Object| {
                    if let Object::String(s, _) = o {
                        text.extend(s.iter().map(|&b| font::from_win_ansi(b)));
                    }
                };
                match a.first() {
                    Some(Object::Array(items)) => items.iter().for_each(&mut collect),
                    Some(o) => collect(o),
                    None => {}
                }
                let (x, y) = apply(&ctm, text_pos.0, text_pos.1);
                let (x, y) = to_mm(x, y);
                d.text(x, y, font_size * ctm[3].abs().max(1e-6), text, Align::Left);
            }
            "m" if a.len() == 2 => {
                path.clear();
                path.push(apply(&ctm, num(&a[0]), num(&a[1])));
            }
            "l" if a.len() == 2 => path.push(apply(&ctm, num(&a[0]), num(&a[1]))),
            "re" if a.len() == 4 => {
                let (x, y) = apply(&ctm, num(&a[0]), num(&a[1]));
                rects.push([x, y, num(&a[2]) * ctm[0], num(&a[3]) * ctm[3]]);
            }
            "f" | "F" | "f*" | "S" | "s" | "B" | "b" => {
                let fill = matches!(op.operator.as_str(), "f" | "F" | "f*" | "B" | "b");
                for [x, y, w, h] in rects.drain(..) {
                    let (x0, y0) = to_mm(x, y + h);
                    d.shapes.push(Shape::Rect {
                        x: x0,
                        y: y0,
                        w: w * MM_PER_PT,
                        h: h * MM_PER_PT,
                        fill,
                        stroke: line_w * MM_PER_PT,
                    });
                }
                if path.len() >= 2 {
                    let points = path.drain(..).map(|(x, y)| to_mm(x, y)).collect();
                    d.shapes.push(Shape::Path {
                        points,
                        stroke: line_w * MM_PER_PT,
                    });
                }
                path.clear();
            }
            "n" => {
                path.clear();
                rects.clear();
            }
            "Do" => {
                let Some(name) = a.first().and_then(|o| o.as_name().ok()) else {
                    continue;
                };
                let Some(stream) = xobjects
                    .and_then(|x| x.get(name).ok())
                    .and_then(|o| o.as_reference().ok())
                    .and_then(|id| doc.get_object(id).ok())
                    .and_then(|o| o.as_stream().ok())
                else {
                    continue;
                };
                if let Some(image) = small_gray_image(stream) {
                    let (x0, y0) = to_mm(ctm[4], ctm[5] + ctm[3]);
                    d.shapes.push(Shape::Image {
                        x: x0,
                        y: y0,
                        w: ctm[0] * MM_PER_PT,
                        h: ctm[3] * MM_PER_PT,
                        image,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(d)
}

/// Decodes a small 8-bit grey or 1-bit image XObject (a QR code).
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
        .decompressed_content_with_limit((w * h) as usize + 1)
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
