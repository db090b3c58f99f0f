//! What reading a page gives, as types: a value read from one box
//! ([`Reading`]), a row or a grid of figures ([`RowReading`],
//! [`GridReading`]), an ink box ([`InkReading`]), and the whole page
//! ([`PageReading`]). They serialise to the JSON that `extract --json`
//! prints and the API shows (`docs/api.md`): a field is
//! `{"value": …, "confidence": …}`, a grid's value an array of rows with
//! `null` where a cell cannot be read, its confidence an array of rows.
//!
//! This module holds data only: it never reads pixels.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::locate::Transform;
use crate::forms::FormKind;
use crate::forms::payload::Payload;

/// One value, as read or as entered: a count, a text or a yes/no.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Count(u64),
    Text(String),
}

impl Scalar {
    /// The value as a whole number: a count, or a text of digits ("71").
    pub fn as_count(&self) -> Option<u64> {
        match self {
            Scalar::Count(n) => Some(*n),
            Scalar::Text(s) => s.trim().parse().ok(),
            Scalar::Bool(_) => None,
        }
    }

    /// The value as text, when it is a text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Scalar::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Whether both are the same whole number (a count 71 and a text "71" are).
    pub fn same_number(&self, other: &Scalar) -> bool {
        self.as_count().is_some() && self.as_count() == other.as_count()
    }

    /// Whether both are the same identifier (a ballot id, a serial number):
    /// the same characters once case and spacing are folded, so a count 42
    /// and a text "42" are, a text "0042" is not.
    pub fn same_ident(&self, other: &Scalar) -> bool {
        let text = |v: &Scalar| match v {
            Scalar::Text(s) => s.clone(),
            other => other.to_string(),
        };
        crate::forms::ident::same(&text(self), &text(other))
    }

    /// Whether both are the same text, ignoring case, spacing and
    /// punctuation; Unicode-normalised (NFC), keeping the vowel signs and
    /// viramas of Devanagari, which are letters' parts, not punctuation.
    pub fn same_text(&self, other: &Scalar) -> bool {
        self.folded() == other.folded()
    }

    fn folded(&self) -> String {
        use unicode_normalization::UnicodeNormalization;
        use unicode_normalization::char::is_combining_mark;
        let text = match self {
            Scalar::Text(s) => s.clone(),
            other => other.to_string(),
        };
        text.nfc()
            .filter(|c| c.is_alphanumeric() || is_combining_mark(*c))
            .flat_map(char::to_uppercase)
            .collect()
    }
}

impl std::fmt::Display for Scalar {
    /// As JSON writes it: `71`, `"Rewa"`, `true`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Count(n) => write!(f, "{n}"),
            Scalar::Text(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
        }
    }
}

impl From<u64> for Scalar {
    fn from(n: u64) -> Scalar {
        Scalar::Count(n)
    }
}

impl From<u32> for Scalar {
    fn from(n: u32) -> Scalar {
        Scalar::Count(u64::from(n))
    }
}

impl From<usize> for Scalar {
    fn from(n: usize) -> Scalar {
        Scalar::Count(n as u64)
    }
}

impl From<bool> for Scalar {
    fn from(b: bool) -> Scalar {
        Scalar::Bool(b)
    }
}

impl From<&str> for Scalar {
    fn from(s: &str) -> Scalar {
        Scalar::Text(s.to_string())
    }
}

impl From<String> for Scalar {
    fn from(s: String) -> Scalar {
        Scalar::Text(s)
    }
}

/// A value read from one box, and how sure the reader is (0 to 1); `None`
/// when nothing could be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub value: Option<Scalar>,
    pub confidence: f64,
}

impl Reading {
    /// A value read with this confidence.
    pub fn new(value: impl Into<Scalar>, confidence: f64) -> Reading {
        Reading {
            value: Some(value.into()),
            confidence,
        }
    }

    /// Nothing could be read.
    pub fn none() -> Reading {
        Reading {
            value: None,
            confidence: 0.0,
        }
    }

    /// The value when it was read at or above `threshold`.
    pub fn sure(&self, threshold: f64) -> Option<&Scalar> {
        self.value.as_ref().filter(|_| self.confidence >= threshold)
    }
}

/// A list of figures read (a grid's totals row, or one of its label
/// columns such as the table numbers), one confidence each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowReading {
    pub value: Vec<Option<u64>>,
    pub confidence: Vec<f64>,
}

impl RowReading {
    /// The figure at `i`, as a reading (`None` past the end).
    pub fn cell(&self, i: usize) -> Option<Reading> {
        let value = *self.value.get(i)?;
        Some(Reading {
            value: value.map(Scalar::Count),
            confidence: self.confidence.get(i).copied().unwrap_or(0.0),
        })
    }
}

/// A table of figures read (the round sheet's table × candidate grid): rows
/// of figures, `None` where a cell cannot be read, and a confidence each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GridReading {
    pub value: Vec<Vec<Option<u64>>>,
    pub confidence: Vec<Vec<f64>>,
}

impl GridReading {
    /// The cell at row `r`, column `c`, as a reading.
    pub fn cell(&self, r: usize, c: usize) -> Option<Reading> {
        let value = *self.value.get(r)?.get(c)?;
        Some(Reading {
            value: value.map(Scalar::Count),
            confidence: self
                .confidence
                .get(r)
                .and_then(|row| row.get(c))
                .copied()
                .unwrap_or(0.0),
        })
    }

    /// Rows read.
    pub fn rows(&self) -> usize {
        self.value.len()
    }

    /// Columns of the first row.
    pub fn cols(&self) -> usize {
        self.value.first().map_or(0, Vec::len)
    }
}

/// What was read for one field of a model: one value, a list or a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldReading {
    Grid(GridReading),
    Row(RowReading),
    One(Reading),
}

impl FieldReading {
    /// The value as JSON (what the QR digest is computed over).
    pub fn value_json(&self) -> serde_json::Value {
        let v = match self {
            FieldReading::Grid(g) => serde_json::to_value(&g.value),
            FieldReading::Row(r) => serde_json::to_value(&r.value),
            FieldReading::One(r) => serde_json::to_value(&r.value),
        };
        v.unwrap_or(serde_json::Value::Null)
    }

    /// Every confidence set to at most `cap`.
    pub fn cap_confidence(&mut self, cap: f64) {
        self.map_confidence(|c| c.min(cap));
    }

    /// Every confidence set to `to`.
    pub fn set_confidence(&mut self, to: f64) {
        self.map_confidence(|_| to);
    }

    /// Every confidence rounded to three decimals (as printed).
    pub fn round_confidence(&mut self) {
        self.map_confidence(|c| (c * 1000.0).round() / 1000.0);
    }

    fn map_confidence(&mut self, f: impl Fn(f64) -> f64) {
        match self {
            FieldReading::Grid(g) => g.confidence.iter_mut().flatten().for_each(|c| *c = f(*c)),
            FieldReading::Row(r) => r.confidence.iter_mut().for_each(|c| *c = f(*c)),
            FieldReading::One(r) => r.confidence = f(r.confidence),
        }
    }
}

/// An ink box (a signature, an attestation): inked or not, and how sure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InkReading {
    pub value: bool,
    pub confidence: f64,
}

/// Everything read from one page: which form (the model id its QR code
/// names, `None` for a page that is none of ours), the QR text, every field
/// and ink box of the model, and where the model landed on the page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageReading {
    pub form: Option<String>,
    /// The model read, when it is another printer's layout of `form`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    pub qr: Option<String>,
    /// Every QR code the model prints, found or not, with what its payload
    /// holds; given for a model of several codes or of another printer's
    /// payload (ours, single, is all in `qr`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<CodeReading>,
    pub fields: BTreeMap<String, FieldReading>,
    pub marks: BTreeMap<String, InkReading>,
    /// Model millimetres → page pixels (for cut-outs and debug pictures).
    pub transform: Option<Transform>,
    /// Why the page was not placed on a model, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unplaced: Option<Unplaced>,
}

/// One QR code a model prints, as found on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CodeReading {
    /// The code's name in the model (`top`, `bottom`).
    pub name: String,
    /// Its decoded text; `None` when it was not found.
    pub text: Option<String>,
    /// Its payload's parts as the model parses them, with the ballot or
    /// certificate id under `id` and the AC under `ac`.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

/// Why a page could not be placed on one of our forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unplaced {
    /// No QR code was found on the page.
    NoQr,
    /// A QR code was found, but it names none of our forms.
    ForeignQr,
    /// The QR code names a form, but the page could not be registered on
    /// it (its marks were not found, or did not fit).
    NotRegistered,
}

impl Unplaced {
    /// The reason as a sentence for a person.
    pub fn sentence(self) -> &'static str {
        match self {
            Unplaced::NoQr => "no QR code was found on it",
            Unplaced::ForeignQr => "its QR code is not one of the forms Scrutiny reads",
            Unplaced::NotRegistered => {
                "its QR code was read, but the page could not be lined up with the form (registration marks not found)"
            }
        }
    }
}

impl PageReading {
    /// The form, when it is one whose checks Scrutiny knows.
    pub fn kind(&self) -> Option<FormKind> {
        self.form.as_deref().and_then(FormKind::from_id)
    }

    /// The model that was read: its layout, else the form's own.
    pub fn model_id(&self) -> Option<&str> {
        self.layout.as_deref().or(self.form.as_deref())
    }

    /// The first code's payload: its parsed parts when the model parsed
    /// them (several codes, another printer's format), else ours from `qr`.
    pub fn payload(&self) -> Option<Payload> {
        match self.codes.iter().find(|c| c.text.is_some()) {
            Some(c) => Some(Payload {
                form: self.model_id()?.to_string(),
                pairs: c
                    .values
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            }),
            None => self.qr.as_deref().and_then(Payload::parse),
        }
    }

    /// The postal ballot this page belongs to: the id in its QR code, or
    /// else the id printed on it; None when neither can be read.
    pub fn ballot_id(&self) -> Option<String> {
        self.payload()
            .and_then(|p| p.get("id").map(str::to_string))
            .or_else(|| {
                self.field("ballot_id")
                    .and_then(|r| r.value.as_ref())
                    .and_then(Scalar::as_text)
                    .map(str::to_string)
            })
            .filter(|s| !s.is_empty())
    }

    /// A one-value field, if the page has it.
    pub fn field(&self, name: &str) -> Option<&Reading> {
        match self.fields.get(name)? {
            FieldReading::One(r) => Some(r),
            _ => None,
        }
    }

    /// A list field (a grid's totals or label column), if the page has it.
    pub fn row(&self, name: &str) -> Option<&RowReading> {
        match self.fields.get(name)? {
            FieldReading::Row(r) => Some(r),
            _ => None,
        }
    }

    /// A grid field, if the page has it.
    pub fn grid(&self, name: &str) -> Option<&GridReading> {
        match self.fields.get(name)? {
            FieldReading::Grid(g) => Some(g),
            _ => None,
        }
    }

    /// An ink box, if the page has it.
    pub fn mark(&self, name: &str) -> Option<&InkReading> {
        self.marks.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readings_serialise_to_the_extract_json_and_back() {
        let mut page = PageReading {
            form: Some("round-sheet".into()),
            ..PageReading::default()
        };
        page.fields
            .insert("ac_no".into(), FieldReading::One(Reading::new(71u64, 0.97)));
        page.fields.insert(
            "ac_name".into(),
            FieldReading::One(Reading::new("Rewa", 0.9)),
        );
        page.fields
            .insert("round".into(), FieldReading::One(Reading::none()));
        page.fields.insert(
            "totals".into(),
            FieldReading::Row(RowReading {
                value: vec![Some(3), None],
                confidence: vec![1.0, 0.0],
            }),
        );
        page.fields.insert(
            "votes".into(),
            FieldReading::Grid(GridReading {
                value: vec![vec![Some(1), Some(2)]],
                confidence: vec![vec![0.9, 0.8]],
            }),
        );
        page.marks.insert(
            "ro_signed".into(),
            InkReading {
                value: true,
                confidence: 0.99,
            },
        );
        let j = serde_json::to_value(&page).unwrap();
        assert_eq!(
            j["fields"]["ac_no"],
            json!({"value": 71, "confidence": 0.97})
        );
        assert_eq!(j["fields"]["ac_name"]["value"], json!("Rewa"));
        assert_eq!(
            j["fields"]["round"],
            json!({"value": null, "confidence": 0.0})
        );
        assert_eq!(j["fields"]["totals"]["value"], json!([3, null]));
        assert_eq!(j["fields"]["votes"]["confidence"], json!([[0.9, 0.8]]));
        assert_eq!(j["marks"]["ro_signed"]["value"], json!(true));
        let back: PageReading = serde_json::from_value(j).unwrap();
        assert_eq!(back, page);
        assert_eq!(
            back.grid("votes").and_then(|g| g.cell(0, 1)),
            Some(Reading::new(2u64, 0.8))
        );
        assert_eq!(
            back.row("totals").and_then(|r| r.cell(1)),
            Some(Reading::none())
        );
    }

    #[test]
    fn numbers_and_texts_compare_as_people_read_them() {
        assert!(Scalar::Count(71).same_number(&Scalar::from("71")));
        assert!(!Scalar::Count(71).same_number(&Scalar::from("seventy-one")));
        assert!(Scalar::from("D. P. Chaudhary").same_text(&Scalar::from("dp chaudhary")));
        assert_eq!(Scalar::from("Rewa").to_string(), "\"Rewa\"");
        assert_eq!(Scalar::Count(7).to_string(), "7");
    }
}
