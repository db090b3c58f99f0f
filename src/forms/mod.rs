//! Form models: the data that says where everything sits on a printed form.
//!
//! One TOML file per form under `models/` (see `models/README.md`). The same
//! model drives printing (`render`) and reading (`pipeline`), so what is
//! printed is what is read. This module only parses and validates models; it
//! never touches pixels or PDFs.

pub mod grid;
pub mod ident;
pub mod payload;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A rectangle on the page, in millimetres from the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoxMm {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl BoxMm {
    /// The same box shrunk by `d` millimetres on every side.
    pub fn inset(&self, d: f64) -> BoxMm {
        BoxMm {
            x: self.x + d,
            y: self.y + d,
            w: (self.w - 2.0 * d).max(0.1),
            h: (self.h - 2.0 * d).max(0.1),
        }
    }
}

/// The forms whose checks Scrutiny knows, by the model id that names them.
/// Other models (from `--models DIR`) are printed and read like these, but
/// an upload of one is "none of our forms" to the checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FormKind {
    #[serde(rename = "form-13a")]
    Form13A,
    #[serde(rename = "form-13b")]
    Form13B,
    #[serde(rename = "form-13c")]
    Form13C,
    #[serde(rename = "round-sheet")]
    RoundSheet,
    #[serde(rename = "certificate")]
    Certificate,
    #[serde(rename = "form-20")]
    Form20,
    #[serde(rename = "form-21c")]
    Form21C,
    #[serde(rename = "form-21e")]
    Form21E,
}

impl FormKind {
    /// Every known form.
    pub const ALL: [FormKind; 8] = [
        FormKind::Form13A,
        FormKind::Form13B,
        FormKind::Form13C,
        FormKind::RoundSheet,
        FormKind::Certificate,
        FormKind::Form20,
        FormKind::Form21C,
        FormKind::Form21E,
    ];

    /// The model id (and the form name in the QR payload).
    pub const fn id(self) -> &'static str {
        match self {
            FormKind::Form13A => "form-13a",
            FormKind::Form13B => "form-13b",
            FormKind::Form13C => "form-13c",
            FormKind::RoundSheet => "round-sheet",
            FormKind::Certificate => "certificate",
            FormKind::Form20 => "form-20",
            FormKind::Form21C => "form-21c",
            FormKind::Form21E => "form-21e",
        }
    }

    /// The form a model id names, if Scrutiny checks it.
    pub fn from_id(id: &str) -> Option<FormKind> {
        FormKind::ALL.into_iter().find(|k| k.id() == id)
    }

    /// Its name for people ("Form 13A").
    pub const fn title(self) -> &'static str {
        match self {
            FormKind::Form13A => "Form 13A",
            FormKind::Form13B => "Form 13B",
            FormKind::Form13C => "Form 13C",
            FormKind::RoundSheet => "round sheet",
            FormKind::Certificate => "certificate of election (Form 22)",
            FormKind::Form20 => "final result sheet (Form 20)",
            FormKind::Form21C => "declaration of the result (Form 21C)",
            FormKind::Form21E => "return of election (Form 21E)",
        }
    }

    /// Form 13A, 13B or 13C: the declaration and the two covers of a
    /// postal ballot.
    pub const fn is_postal(self) -> bool {
        matches!(
            self,
            FormKind::Form13A | FormKind::Form13B | FormKind::Form13C
        )
    }
}

impl std::fmt::Display for FormKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// The kind of a field: how it is printed and how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// A whole number, printed and read as decimal digits.
    Digits,
    /// One line of Latin text.
    Text,
    /// An identifier (a postal ballot serial number): letters, digits, `/`
    /// and `-`, read as text and given normalised (`ident`).
    Ident,
    /// A box that is either inked (signed, attested) or empty.
    Ink,
    /// A table of whole numbers whose size comes from the QR payload.
    Grid,
}

/// Tesseract settings for one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcrSettings {
    #[serde(default = "default_lang")]
    pub lang: String,
    /// Characters Tesseract may answer with; empty means any.
    #[serde(default)]
    pub whitelist: String,
    /// Tesseract page-segmentation mode (7 = one text line).
    #[serde(default = "default_psm")]
    pub psm: u8,
    /// A second language the box is read in when the first does not read
    /// it surely (`hin`: a name that may be written in Devanagari), with
    /// no whitelist; the surer of the two readings stands.
    #[serde(default)]
    pub second_lang: Option<String>,
}

fn default_lang() -> String {
    "eng".into()
}
fn default_psm() -> u8 {
    7
}

impl Default for OcrSettings {
    fn default() -> Self {
        OcrSettings {
            lang: default_lang(),
            whitelist: String::new(),
            psm: default_psm(),
            second_lang: None,
        }
    }
}

/// The layout of a grid field (the round sheet's table × candidate figures).
///
/// Rows are the printed tables, then one totals row; columns are a table
/// number column, a polling-station column, then one column per candidate.
/// How many rows and candidate columns a page has is carried by the QR
/// payload under the keys named here, so reading needs nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridLayout {
    /// QR key giving the number of printed table rows.
    pub rows_key: String,
    /// QR key giving the number of candidate columns on this page.
    pub cols_key: String,
    /// QR key giving the index of the first candidate on this page.
    #[serde(default)]
    pub first_col_key: Option<String>,
    /// Width of the table-number and polling-station columns (mm).
    pub label_cols: Vec<f64>,
    /// Names under which the label columns are reported (e.g. `table`, `ps_no`).
    pub label_names: Vec<String>,
    /// Name under which the totals row is reported.
    pub totals_name: String,
    /// Height of the header row (mm).
    pub header_h: f64,
    /// Largest row height and column width (mm).
    pub max_row_h: f64,
    pub max_col_w: f64,
    /// Largest font size (pt).
    pub max_font_pt: f64,
    /// Where the candidates' names are listed for people (not read).
    #[serde(default)]
    pub legend: Option<BoxMm>,
    /// The values key holding the columns' names (`candidates`).
    #[serde(default = "default_cols_from")]
    pub cols_from: String,
    /// Whether the header row prints the columns' names (else their
    /// numbers, which the legend explains).
    #[serde(default)]
    pub named_columns: bool,
    /// A key of each row object whose text is printed after the row's last
    /// column, for people (not read): Form 21E's candidate names.
    #[serde(default)]
    pub row_text: Option<String>,
    /// Digits the rows and the totals row are sized for.
    #[serde(default = "default_row_digits")]
    pub row_digits: usize,
    #[serde(default = "default_total_digits")]
    pub total_digits: usize,
    /// The values key holding the rows (`tables`: a list of objects with
    /// the label names and the grid field's counts).
    #[serde(default = "default_rows_from")]
    pub rows_from: String,
    /// Most rows a page prints; more continue on further pages only when
    /// `first_row_key` is set (otherwise more rows are refused).
    #[serde(default = "default_max_rows")]
    pub max_rows: usize,
    /// QR key giving the index of the first row on this page.
    #[serde(default)]
    pub first_row_key: Option<String>,
    /// Most columns a page prints; more continue on further pages.
    #[serde(default = "default_max_cols")]
    pub max_cols: usize,
    /// How the totals row (the sum of the rows on the page) is labelled.
    #[serde(default = "default_totals_label")]
    pub totals_label: String,
    /// Rows printed after the totals row whose figures are given, one per
    /// column, rather than summed from the page (Form 20's EVM, postal and
    /// grand total rows). Every page prints them.
    #[serde(default)]
    pub given_rows: Vec<GivenRow>,
}

/// A row of a grid whose figures are given (see [`GridLayout::given_rows`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GivenRow {
    /// The values key (one count per column) and the name it is read under.
    pub name: String,
    /// Printed at the row's start for people.
    pub label: String,
}

fn default_cols_from() -> String {
    "candidates".into()
}
fn default_row_digits() -> usize {
    4
}
fn default_total_digits() -> usize {
    5
}
fn default_rows_from() -> String {
    "tables".into()
}
fn default_max_rows() -> usize {
    36
}
fn default_max_cols() -> usize {
    40
}
fn default_totals_label() -> String {
    "Total".into()
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The name under which `render` takes the value and `extract` reports it.
    pub name: String,
    pub kind: FieldKind,
    /// Printed label for people.
    #[serde(default)]
    pub label: String,
    /// The label in Hindi, printed under the English one (ECI's forms are
    /// bilingual).
    #[serde(default)]
    pub label_hi: String,
    /// Where the label is printed; left of the box when absent.
    #[serde(default)]
    pub label_at: Option<[f64; 2]>,
    /// The box the value is printed in and read from.
    #[serde(rename = "box")]
    pub area: BoxMm,
    /// Printed in capitals (a name): read with capitals only, no letter
    /// can be taken for its other case.
    #[serde(default)]
    pub upper: bool,
    /// Font size of the printed value (pt).
    #[serde(default = "default_font")]
    pub font_pt: f64,
    #[serde(default)]
    pub ocr: OcrSettings,
    /// A value read with a lower confidence is flagged, never trusted.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// The agreement floor: a value read under `threshold` but at or over
    /// this that equals a figure from an independent source (the ETPBS
    /// register, the AC it was uploaded to) is verified, the evidence kept.
    /// None: only `threshold` verifies.
    #[serde(default)]
    pub agree_from: Option<f64>,
    /// When set, the value is not printed as text but carried in the QR
    /// payload under this key.
    #[serde(default)]
    pub qr_key: Option<String>,
    /// Grid layout (kind `grid` only).
    #[serde(default)]
    pub grid: Option<GridLayout>,
}

fn default_font() -> f64 {
    12.0
}
fn default_threshold() -> f64 {
    0.75
}

/// Where a QR code is printed, and what its payload carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrSpec {
    /// Which code of the form this is (a form may print several).
    #[serde(default = "default_qr_name")]
    pub name: String,
    /// How its text is parsed (and printed): ours by default.
    #[serde(default)]
    pub payload: payload::PayloadSpec,
    /// Top-left corner of the symbol's modules (mm); a quiet zone of four
    /// modules around it is kept free by the layout.
    pub x: f64,
    pub y: f64,
    /// Side of the symbol (mm), quiet zone excluded.
    pub size: f64,
    /// Fields whose printed values are covered by the payload's digest `d`.
    #[serde(default)]
    pub digest: Vec<String>,
    /// Payload key → printed field whose value the payload carries as well
    /// (so that a checker knows AC, round and revision from the QR alone).
    #[serde(default)]
    pub carry: std::collections::BTreeMap<String, String>,
}

fn default_qr_name() -> String {
    "qr".into()
}

/// A model's `[qr]` table, or its `[[qr]]` list when it prints several.
fn one_or_many<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<QrSpec>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Box<QrSpec>),
        Many(Vec<QrSpec>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(q) => vec![*q],
        OneOrMany::Many(v) => v,
    })
}

/// A line of fixed text printed on every copy of the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedText {
    pub x: f64,
    pub y: f64,
    #[serde(default = "default_font")]
    pub font_pt: f64,
    pub text: String,
    #[serde(default)]
    pub center: bool,
}

/// A form model, as loaded from `models/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// The model id, also the form name in our QR payload (`form-13a`).
    pub id: String,
    /// The form this layout is of (`form-13a`), when the model is another
    /// printer's layout of it; the id itself when absent.
    #[serde(default)]
    pub form: Option<String>,
    /// Page size (mm).
    pub page: [f64; 2],
    /// Its QR codes, the first one first: it names the form, and it is
    /// where reading starts.
    #[serde(rename = "qr", deserialize_with = "one_or_many")]
    pub qrs: Vec<QrSpec>,
    /// Registration marks: filled squares, top-left corners (mm); none when
    /// the page is placed from its QR codes alone.
    #[serde(default)]
    pub marks: Vec<[f64; 2]>,
    #[serde(default = "default_mark_size")]
    pub mark_size: f64,
    /// A ruled frame printed on the form (its border, mm): its four
    /// corners place the page like registration marks do, for a layout
    /// that prints no marks of ours.
    #[serde(default)]
    pub frame: Option<BoxMm>,
    #[serde(default)]
    pub text: Vec<FixedText>,
    pub fields: Vec<Field>,
}

fn default_mark_size() -> f64 {
    5.0
}

impl Model {
    /// The first QR code: it names the form.
    pub fn qr(&self) -> &QrSpec {
        &self.qrs[0]
    }

    /// The form this model reads (its `form`, else its id).
    pub fn form_id(&self) -> &str {
        self.form.as_deref().unwrap_or(&self.id)
    }

    /// Which of this model's codes a decoded text is (the most specific
    /// spec that accepts it: our second code also parses as a first one),
    /// with its parsed payload.
    pub fn code_of(&self, text: &str) -> Option<(usize, payload::Payload)> {
        let mut best: Option<(usize, usize, payload::Payload)> = None;
        for (i, q) in self.qrs.iter().enumerate() {
            if let Some(p) = q.payload.parse(&self.id, text) {
                let s = q.payload.specificity();
                if best.as_ref().is_none_or(|b| s > b.0) {
                    best = Some((s, i, p));
                }
            }
        }
        best.map(|(_, i, p)| (i, p))
    }

    /// Parses and checks one model file's text.
    pub fn from_toml(text: &str) -> Result<Model> {
        let model: Model = toml::from_str(text).map_err(|e| Error::Model {
            reason: e.to_string(),
        })?;
        model.validate()?;
        Ok(model)
    }

    fn validate(&self) -> Result<()> {
        let bad = |reason: String| {
            Err(Error::Model {
                reason: format!("{}: {reason}", self.id),
            })
        };
        if self.id.is_empty() || self.id.contains(['|', '=']) {
            return bad("id must be non-empty without '|' or '='".into());
        }
        let [w, h] = self.page;
        if !(50.0..=600.0).contains(&w) || !(50.0..=600.0).contains(&h) {
            return bad(format!("page size {w}×{h} mm is not a paper size"));
        }
        if self.qrs.is_empty() {
            return bad("a model prints at least one QR code".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for q in &self.qrs {
            if !names.insert(&q.name) {
                return bad(format!("two QR codes are named {}", q.name));
            }
            if q.size <= 0.0 || q.x < 0.0 || q.y < 0.0 || q.x + q.size > w || q.y + q.size > h {
                return bad(format!("QR code {} lies outside the page", q.name));
            }
            if let Some(p) = q.payload.problem() {
                return bad(format!("QR code {}: {p}", q.name));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &self.fields {
            if !seen.insert(&f.name) {
                return bad(format!("field {} appears twice", f.name));
            }
            let b = f.area;
            if b.w <= 0.0 || b.h <= 0.0 || b.x < 0.0 || b.y < 0.0 || b.x + b.w > w || b.y + b.h > h
            {
                return bad(format!("field {} has its box outside the page", f.name));
            }
            if f.kind == FieldKind::Grid && f.grid.is_none() {
                return bad(format!("grid field {} has no [fields.grid] layout", f.name));
            }
            if f.grid.as_ref().is_some_and(|g| {
                !(1..=200).contains(&g.max_rows) || !(1..=400).contains(&g.max_cols)
            }) {
                return bad(format!(
                    "grid field {} must print 1 to 200 rows and 1 to 400 columns a page",
                    f.name
                ));
            }
            if !(0.0..=1.0).contains(&f.threshold) {
                return bad(format!("field {} threshold must be within 0..1", f.name));
            }
            if let Some(a) = f.agree_from
                && !(0.0..=f.threshold).contains(&a)
            {
                return bad(format!(
                    "field {} agree_from must be within 0..threshold ({})",
                    f.name, f.threshold
                ));
            }
        }
        for name in &self.qr().digest {
            if !self.fields.iter().any(|f| &f.name == name)
                && !self.fields.iter().any(|f| {
                    f.grid.as_ref().is_some_and(|g| {
                        g.label_names.contains(name)
                            || &g.totals_name == name
                            || g.given_rows.iter().any(|r| &r.name == name)
                    })
                })
            {
                return bad(format!("digest names unknown field {name}"));
            }
        }
        for (key, name) in &self.qr().carry {
            if !self.fields.iter().any(|f| {
                &f.name == name
                    && matches!(
                        f.kind,
                        FieldKind::Digits | FieldKind::Text | FieldKind::Ident
                    )
            }) {
                return bad(format!(
                    "[qr] carry {key} names {name}, which is not a digits or text field"
                ));
            }
        }
        Ok(())
    }

    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Every model the program knows, by id.
#[derive(Debug, Clone, Default)]
pub struct ModelSet {
    models: BTreeMap<String, Model>,
}

static SHARED: std::sync::OnceLock<ModelSet> = std::sync::OnceLock::new();
static SHARED_FOLDER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The models shipped with Scrutiny, compiled into the binary.
const BUILTIN: [&str; 8] = [
    include_str!("../../models/form-13a.toml"),
    include_str!("../../models/form-13b.toml"),
    include_str!("../../models/form-13c.toml"),
    include_str!("../../models/round-sheet.toml"),
    include_str!("../../models/certificate.toml"),
    include_str!("../../models/form-20.toml"),
    include_str!("../../models/form-21c.toml"),
    include_str!("../../models/form-21e.toml"),
];

impl ModelSet {
    /// The models of the whole process (the server and its checks use
    /// these): the shipped ones, and those of the folder given to
    /// [`ModelSet::share_folder`] at start.
    pub fn shared() -> &'static ModelSet {
        SHARED.get_or_init(ModelSet::builtin)
    }

    /// Adds the model files of `dir` to the shared models (`serve` and
    /// `worker --models DIR`: another printer's layouts). Fails on a bad
    /// model file, or when the shared models were already in use.
    pub fn share_folder(dir: &Path) -> Result<usize> {
        let mut set = ModelSet::builtin();
        let n = set.load_dir(dir)?;
        SHARED
            .set(set)
            .map_err(|_| Error::internal("the models were in use before --models was read"))?;
        let _ = SHARED_FOLDER.set(dir.to_path_buf());
        Ok(n)
    }

    /// The folder whose models were added to the shared ones, if any (the
    /// reader processes are given it too).
    pub fn shared_folder() -> Option<&'static Path> {
        SHARED_FOLDER.get().map(PathBuf::as_path)
    }

    /// The shipped models.
    pub fn builtin() -> ModelSet {
        let mut set = ModelSet::default();
        for text in BUILTIN {
            // The shipped models are checked by a unit test; a broken one is a build defect.
            #[allow(clippy::expect_used)]
            set.add(Model::from_toml(text).expect("shipped model parses"));
        }
        set
    }

    /// Adds (or replaces) a model.
    pub fn add(&mut self, model: Model) {
        self.models.insert(model.id.clone(), model);
    }

    /// Adds every `*.toml` model in a folder.
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize> {
        let mut n = 0;
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(dir, e))?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                self.add(Model::from_toml(&text)?);
                n += 1;
            }
        }
        Ok(n)
    }

    /// The model with this id.
    pub fn get(&self, id: &str) -> Result<&Model> {
        self.models.get(id).ok_or_else(|| Error::UnknownForm {
            form: id.to_string(),
        })
    }

    /// Every model.
    pub fn iter(&self) -> impl Iterator<Item = &Model> {
        self.models.values()
    }

    /// Every model id.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.models.keys().map(String::as_str)
    }

    /// Which model and which of its codes a decoded QR text is, with its
    /// parsed payload: the most specific spec that accepts the text (ours
    /// name their model; another printer's are told apart by the parts
    /// their spec must match). `None` for a code that is none of ours.
    pub fn identify(&self, text: &str) -> Option<(&Model, usize, payload::Payload)> {
        let mut best: Option<(usize, &Model, usize, payload::Payload)> = None;
        for model in self.iter() {
            if let Some((i, p)) = model.code_of(text) {
                let s = model.qrs[i].payload.specificity();
                if best.as_ref().is_none_or(|b| s > b.0) {
                    best = Some((s, model, i, p));
                }
            }
        }
        best.map(|(_, m, i, p)| (m, i, p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_models_parse_and_validate() {
        let set = ModelSet::builtin();
        let ids: Vec<_> = set.ids().collect();
        assert_eq!(
            ids,
            [
                "certificate",
                "form-13a",
                "form-13b",
                "form-13c",
                "form-20",
                "form-21c",
                "form-21e",
                "round-sheet"
            ]
        );
    }

    #[test]
    fn each_code_of_a_form_of_two_is_told_apart() {
        let set = ModelSet::builtin();
        let a = set.get("form-13a").unwrap();
        // The second code's text parses as a first one too: the more
        // specific spec takes it.
        assert_eq!(
            a.code_of("SCR1|form-13a|code=2|id=PB1").map(|c| c.0),
            Some(1)
        );
        assert_eq!(a.code_of("SCR1|form-13a|id=PB1").map(|c| c.0), Some(0));
        let (m, i, p) = set.identify("SCR1|form-13a|code=2|id=PB1").unwrap();
        assert_eq!(
            (m.id.as_str(), i, p.get("id")),
            ("form-13a", 1, Some("PB1"))
        );
        assert!(set.identify("SCR1|form-99|id=PB1").is_none());
        let two_named_alike = include_str!("../../models/form-13a.toml")
            .replace("name = \"bottom\"", "name = \"top\"");
        assert!(
            Model::from_toml(&two_named_alike)
                .unwrap_err()
                .to_string()
                .contains("two QR codes")
        );
    }

    #[test]
    fn a_field_outside_the_page_is_refused() {
        let text = include_str!("../../models/form-13b.toml").replace("x = 95.0", "x = 195.0");
        let err = Model::from_toml(&text).unwrap_err();
        assert!(err.to_string().contains("outside the page"), "{err}");
    }
}
