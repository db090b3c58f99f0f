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
    let area = match (&f.field, &reading.form, transform) {
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
        png(&cut)
    })
    .await
}

/// The PNG of a whole stored page, cleaned and at most 1200 px wide: what
/// the operator opens beside a cut-out, and the picture of an archived
/// certificate.
pub async fn page_png(
    db: &Db,
    store: &BlobStore,
    user: &User,
    doc_id: i64,
    page_no: u32,
) -> Result<Vec<u8>> {
    let doc = db::document(&mut db.read().await?, doc_id).await?;
    user.require_read(doc.ac_no)?;
    if page_no == 0 || page_no > doc.page_count {
        return Err(Error::not_found(format!(
            "page {page_no} of document {doc_id} (it has {})",
            doc.page_count
        )));
    }
    let bytes = store.read(&doc.sha256).await?;
    let img = sandbox::picture(bytes, page_no).await?;
    blocking(move || png(&fit(img))).await
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

fn png(img: &image::GrayImage) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::MalformedImage {
            reason: format!("cannot encode the picture: {e}"),
        })?;
    Ok(out.into_inner())
}

/// The box (mm, with context) of a finding's field: a model field, or a
/// grid cell such as `votes[2][5]`, `table[2]`, `ps_no[2]`, `totals[5]`.
pub fn field_box(form: &str, field: &str, qr: Option<&str>) -> Option<BoxMm> {
    let model = ModelSet::shared().get(form).ok()?;
    let widen = |b: BoxMm| BoxMm {
        x: b.x - MARGIN,
        y: b.y - MARGIN,
        w: b.w + 2.0 * MARGIN,
        h: b.h + 2.0 * MARGIN,
    };
    if let Some(f) = model.field(field) {
        return Some(widen(f.area));
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
        (n, [r]) => {
            let k = layout.label_names.iter().position(|l| l == n)?;
            g.label_cell(*r, k)
        }
        _ => return None,
    };
    Some(BoxMm {
        x: b.x - 1.0,
        y: b.y - 1.0,
        w: b.w + 2.0,
        h: b.h + 2.0,
    })
}
