//! Tesseract, one warm instance per worker thread and language.
//!
//! Starting Tesseract costs far more than reading a box, so each thread keeps
//! its instances for its whole life (`with_ocr`). OpenMP inside Tesseract must
//! be off (`OMP_THREAD_LIMIT=1`, set by `main` before the library loads): our
//! parallelism is one page per worker thread. This module reads pixels it is
//! given; it never decides what a value means.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;

use image::GrayImage;
use tesseract_plumbing::TessBaseApi;

use crate::error::{Error, Result};
use crate::forms::OcrSettings;

/// One word Tesseract read, with its confidence (0..1) and horizontal extent
/// in the image's pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub conf: f64,
    pub left: u32,
    pub width: u32,
}

/// A started Tesseract instance.
pub struct Ocr {
    api: TessBaseApi,
    whitelist: Option<String>,
    psm: Option<u8>,
}

fn cstring(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::Ocr {
        reason: format!("{s:?} holds a NUL byte"),
    })
}

impl Ocr {
    /// Starts Tesseract for a language (`eng`), from the system's tessdata.
    pub fn new(lang: &str) -> Result<Ocr> {
        let mut api = TessBaseApi::create();
        let lang_c = cstring(lang)?;
        api.init_2(None, Some(&lang_c)).map_err(|_| Error::Ocr {
            reason: format!(
                "cannot start Tesseract for language {lang:?}; is tesseract-ocr-{lang} installed?"
            ),
        })?;
        let mut ocr = Ocr {
            api,
            whitelist: None,
            psm: None,
        };
        // Forms hold names and numbers, not dictionary words.
        for (k, v) in [
            ("load_system_dawg", "0"),
            ("load_freq_dawg", "0"),
            ("debug_file", "/dev/null"),
            // Printed forms are dark on light: never retry a line inverted.
            ("tessedit_do_invert", "0"),
        ] {
            let _ = ocr.api.set_variable(&cstring(k)?, &cstring(v)?);
        }
        Ok(ocr)
    }

    /// Reads a grey image (one box) and returns its words in reading order.
    pub fn read(&mut self, img: &GrayImage, settings: &OcrSettings, ppi: u32) -> Result<Vec<Word>> {
        if self.whitelist.as_deref() != Some(settings.whitelist.as_str()) {
            self.api
                .set_variable(
                    &cstring("tessedit_char_whitelist")?,
                    &cstring(&settings.whitelist)?,
                )
                .map_err(|_| Error::Ocr {
                    reason: "cannot set the character whitelist".into(),
                })?;
            self.whitelist = Some(settings.whitelist.clone());
        }
        if self.psm != Some(settings.psm) {
            self.api.set_page_seg_mode(u32::from(settings.psm));
            self.psm = Some(settings.psm);
        }
        let (w, h) = (img.width() as i32, img.height() as i32);
        self.api
            .set_image(img.as_raw(), w, h, 1, w)
            .map_err(|e| Error::Ocr {
                reason: format!("image rejected: {e:?}"),
            })?;
        self.api.set_source_resolution(ppi as i32);
        self.api.recognize().map_err(|_| Error::Ocr {
            reason: "recognition failed".into(),
        })?;
        let tsv = self.api.get_tsv_text(0).map_err(|_| Error::Ocr {
            reason: "no TSV output".into(),
        })?;
        Ok(parse_tsv(&tsv.as_ref().to_string_lossy()))
    }
}

/// Words (level 5 rows) from Tesseract's TSV output.
fn parse_tsv(tsv: &str) -> Vec<Word> {
    tsv.lines()
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let text = cols[11].trim();
            if text.is_empty() {
                return None;
            }
            Some(Word {
                text: text.to_string(),
                conf: (cols[10].parse::<f64>().unwrap_or(0.0) / 100.0).clamp(0.0, 1.0),
                left: cols[6].parse().unwrap_or(0),
                width: cols[8].parse().unwrap_or(0),
            })
        })
        .collect()
}

thread_local! {
    static INSTANCES: RefCell<HashMap<String, Ocr>> = RefCell::new(HashMap::new());
}

/// Runs `f` with this thread's warm instance for `lang`, starting it once.
pub fn with_ocr<R>(lang: &str, f: impl FnOnce(&mut Ocr) -> Result<R>) -> Result<R> {
    INSTANCES.with(|cell| {
        let mut map = cell.borrow_mut();
        if !map.contains_key(lang) {
            map.insert(lang.to_string(), Ocr::new(lang)?);
        }
        match map.get_mut(lang) {
            Some(ocr) => f(ocr),
            None => Err(Error::Ocr {
                reason: "instance vanished".into(),
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_keep_confidence_and_position() {
        let tsv = "1\t1\t0\t0\t0\t0\t0\t0\t100\t20\t-1\t\n5\t1\t1\t1\t1\t1\t10\t2\t30\t15\t96.5\t1234\n5\t1\t1\t1\t1\t2\t50\t2\t20\t15\t40\tab\n";
        let words = parse_tsv(tsv);
        assert_eq!(words.len(), 2);
        assert_eq!(
            words[0],
            Word {
                text: "1234".into(),
                conf: 0.965,
                left: 10,
                width: 30
            }
        );
        assert!((words[1].conf - 0.4).abs() < 1e-9);
    }
}
