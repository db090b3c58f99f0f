//! The cut-out shown beside a finding: the field's box (with a margin of
//! context) cut upright from the cleaned page through the transform that
//! reading found, as a PNG. A finding about a whole page shows the page.
//! The file is fetched from the blob store and decoded in a reader process
//! (`crate::sandbox`); the cut is made on a blocking thread; nothing is
//! cached.

use crate::accounts::User;
use crate::db::{self, Db};
use crate::documents::store::BlobStore;
use crate::error::{Error, Result};
use crate::forms::grid::GridGeometry;
use crate::forms::payload::Payload;
use crate::forms::{BoxMm, ModelSet};
use crate::pipeline::extract;
use crate::sandbox;
use crate::tasks::blocking;

/// Pixels per millimetre of a cut-out (about 250 dpi).
const PPM: f64 = 10.0;
/// Context around a box (mm).
const MARGIN: f64 = 3.0;
/// Widest whole-page picture (px).
const PAGE_PX: u32 = 1200;

/// The PNG of a finding's box.
pub async fn finding_png(db: &Db, store: &BlobStore, user: &User, id: i64) -> Result<Vec<u8>> {
    let mut c = db.read().await?;
    let f = db::finding_by_id(&mut c, id).await?;
    user.require_read(f.ac_no)?;
    let (Some(doc_id), Some(page_no)) = (f.document, f.page) else {
        return Err(Error::not_found(format!(
            "a scan for finding {id} (it concerns the whole AC)"
        )));
    };
    let doc = db::document(&mut c, doc_id).await?;
    let pages = db::pages_of_document(&mut c, doc_id).await?;
    drop(c);
    let (_, page) = pages
        .into_iter()
        .find(|(_, p)| p.page_no == page_no)
        .ok_or_else(|| Error::not_found(format!("page {page_no} of document {doc_id}")))?;
    let reading = page.reading;
    let transform = reading.transform;
    let area = match (&f.field, reading.model_id(), transform) {
        (Some(field), Some(form), Some(_)) => field_box(form, field, reading.qr.as_deref()),
        _ => None,
    };
    let bytes = store.read(&doc.sha256).await?;
    let img = sandbox::picture(bytes, page_no).await?;
    blocking(move || {
        let cut = match (area, transform) {
            (Some(b), Some(t)) => extract::crop(&img, &t, b, PPM),
            _ => fit(img),
        };
        png(cut)
    })
    .await
}

/// The PNG of a whole stored page, cleaned and at most 1200 px wide: what
/// the operator opens beside a cut-out, and the picture of an archived
/// certificate. With `boxes`, every box the reader read is drawn on it in
/// the colour of what became of it ([`Drawn`]).
pub async fn page_png(
    db: &Db,
    store: &BlobStore,
    user: &User,
    doc_id: i64,
    page_no: u32,
    boxes: bool,
) -> Result<Vec<u8>> {
    let mut c = db.read().await?;
    let doc = db::document(&mut c, doc_id).await?;
    user.require_read(doc.ac_no)?;
    if page_no == 0 || page_no > doc.page_count {
        return Err(Error::not_found(format!(
            "page {page_no} of document {doc_id} (it has {})",
            doc.page_count
        )));
    }
    let drawn = if boxes {
        boxes_of_page(&mut c, doc_id, page_no).await?
    } else {
        None
    };
    drop(c);
    let bytes = store.read(&doc.sha256).await?;
    let img = sandbox::picture(bytes, page_no).await?;
    blocking(move || match drawn {
        Some((t, boxes)) => {
            let scale = f64::from(PAGE_PX) / f64::from(img.width().max(1));
            let small = fit(img);
            let scale = scale.min(1.0);
            png(draw_boxes(&small, &t, scale, &boxes))
        }
        None => png(fit(img)),
    })
    .await
}

/// What became of a box the reader read, as drawn on the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Drawn {
    /// Read at or over its threshold (or a whole grid with no finding).
    Verified,
    /// Read under its threshold but equal to an independent figure.
    Agreed,
    /// A finding (open, or decided) is on it.
    Finding,
}

impl Drawn {
    fn colour(self) -> [u8; 3] {
        match self {
            Drawn::Verified => [22, 128, 60],
            Drawn::Agreed => [176, 112, 0],
            Drawn::Finding => [200, 30, 30],
        }
    }
}

/// The boxes of what was read on a page, in model millimetres, each with
/// what became of it, and the page's transform; `None` for a page placed
/// on no model.
async fn boxes_of_page(
    c: &mut db::Conn,
    doc_id: i64,
    page_no: u32,
) -> Result<Option<(crate::pipeline::locate::Transform, Vec<(BoxMm, Drawn)>)>> {
    let pages = db::pages_of_document(&mut *c, doc_id).await?;
    let Some((_, page)) = pages.into_iter().find(|(_, p)| p.page_no == page_no) else {
        return Ok(None);
    };
    let r = page.reading;
    let (Some(form), Some(t)) = (r.model_id(), r.transform) else {
        return Ok(None);
    };
    let findings: Vec<String> = db::findings_of_document(&mut *c, doc_id)
        .await?
        .into_iter()
        .filter(|f| f.page == Some(page_no) && f.status != crate::checks::FindingStatus::Resolved)
        .filter_map(|f| f.field)
        .collect();
    let agreed: Vec<String> = db::agreements_of_document(&mut *c, doc_id)
        .await?
        .into_iter()
        .filter(|a| a.page_no == page_no)
        .map(|a| a.field)
        .collect();
    let state = |name: &str| {
        if findings.iter().any(|f| f == name) {
            Drawn::Finding
        } else if agreed.iter().any(|a| a == name) {
            Drawn::Agreed
        } else {
            Drawn::Verified
        }
    };
    let qr = r.qr.as_deref();
    let mut boxes = vec![];
    for name in r.fields.keys().chain(r.marks.keys()) {
        if let Some((b, _)) = area(form, name, qr) {
            boxes.push((b, state(name)));
        }
    }
    // A grid is drawn whole; the cells with a finding on top of it.
    for f in findings.iter().filter(|f| f.contains('[')) {
        if let Some((b, _)) = area(form, f, qr) {
            boxes.push((b, Drawn::Finding));
        }
    }
    Ok(Some((t, boxes)))
}

/// The page with each box drawn as its outline (the transform maps model
/// millimetres to the full-size page; `scale` to this picture).
fn draw_boxes(
    img: &image::GrayImage,
    t: &crate::pipeline::locate::Transform,
    scale: f64,
    boxes: &[(BoxMm, Drawn)],
) -> image::RgbImage {
    let mut out = image::RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let v = img.get_pixel(x, y).0[0];
        image::Rgb([v, v, v])
    });
    let thick = (f64::from(img.width()) / 500.0).max(1.5);
    for (b, drawn) in boxes {
        let corner = |u: f64, v: f64| {
            let (x, y) = t.apply(u, v);
            (x * scale, y * scale)
        };
        let c = [
            corner(b.x, b.y),
            corner(b.x + b.w, b.y),
            corner(b.x + b.w, b.y + b.h),
            corner(b.x, b.y + b.h),
        ];
        for i in 0..4 {
            line(&mut out, c[i], c[(i + 1) % 4], thick, drawn.colour());
        }
    }
    out
}

/// A straight line of width `thick` from `a` to `b`.
fn line(img: &mut image::RgbImage, a: (f64, f64), b: (f64, f64), thick: f64, colour: [u8; 3]) {
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    let steps = (len * 2.0).ceil().max(1.0) as u32;
    let half = thick / 2.0;
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    for s in 0..=steps {
        let f = f64::from(s) / f64::from(steps);
        let (x, y) = (a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f);
        for yy in (y - half).floor() as i64..=(y + half).floor() as i64 {
            for xx in (x - half).floor() as i64..=(x + half).floor() as i64 {
                if (0..w).contains(&xx) && (0..h).contains(&yy) {
                    img.put_pixel(xx as u32, yy as u32, image::Rgb(colour));
                }
            }
        }
    }
}

/// Shrinks a page to at most [`PAGE_PX`] wide.
fn fit(img: image::GrayImage) -> image::GrayImage {
    let scale = f64::from(PAGE_PX) / f64::from(img.width().max(1));
    if scale < 1.0 {
        image::imageops::resize(
            &img,
            PAGE_PX,
            (f64::from(img.height()) * scale).round().max(1.0) as u32,
            image::imageops::FilterType::Triangle,
        )
    } else {
        img
    }
}

/// A picture, grey or in colour, as PNG bytes.
fn png(img: impl Into<image::DynamicImage>) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.into()
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::MalformedImage {
            reason: format!("cannot encode the picture: {e}"),
        })?;
    Ok(out.into_inner())
}

/// The box (mm, with context) of a finding's field: a model field, or a
/// grid cell such as `votes[2][5]`, `table[2]`, `ps_no[2]`, `totals[5]`,
/// `evm[5]` (a given row).
pub fn field_box(form: &str, field: &str, qr: Option<&str>) -> Option<BoxMm> {
    let (b, margin) = area(form, field, qr)?;
    Some(BoxMm {
        x: b.x - margin,
        y: b.y - margin,
        w: b.w + 2.0 * margin,
        h: b.h + 2.0 * margin,
    })
}

/// The box (mm) of a model field, ink box or grid cell, and the context a
/// cut-out of it takes around it.
fn area(form: &str, field: &str, qr: Option<&str>) -> Option<(BoxMm, f64)> {
    let model = ModelSet::shared().get(form).ok()?;
    if let Some(f) = model.field(field) {
        return Some((f.area, MARGIN));
    }
    let (name, idx) = field.split_once('[')?;
    let idx: Vec<usize> = idx
        .split('[')
        .map(|p| p.trim_end_matches(']').parse().ok())
        .collect::<Option<_>>()?;
    let grid_field = model.fields.iter().find(|f| f.grid.is_some())?;
    let layout = grid_field.grid.as_ref()?;
    let payload = qr.and_then(Payload::parse)?;
    let rows = payload.get_usize(&layout.rows_key)?;
    let cols = payload.get_usize(&layout.cols_key)?;
    let col0 = layout
        .first_col_key
        .as_ref()
        .and_then(|k| payload.get_usize(k))
        .unwrap_or(0);
    let g = GridGeometry::new(grid_field.area, layout, rows, cols);
    let b = match (name, idx.as_slice()) {
        (n, [r, c]) if n == grid_field.name => g.cell(*r, c.checked_sub(col0)?),
        (n, [c]) if n == layout.totals_name => g.cell(rows, c.checked_sub(col0)?),
        (n, [c]) if layout.given_rows.iter().any(|g| g.name == n) => {
            let i = layout.given_rows.iter().position(|g| g.name == n)?;
            g.cell(rows + 1 + i, c.checked_sub(col0)?)
        }
        (n, [r]) => {
            let k = layout.label_names.iter().position(|l| l == n)?;
            g.label_cell(*r, k)
        }
        _ => return None,
    };
    Some((b, 1.0))
}
