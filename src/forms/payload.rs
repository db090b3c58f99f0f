//! QR payloads: the one printed on every form of ours, the ones other
//! printers write (described by a model's [`PayloadSpec`]), and the digest
//! that binds printed figures to ours.
//!
//! Our format: `SCR1|<form id>|key=value|key=value...`. Keys and values never
//! hold `|` or `=`. The digest `d` is the first 16 hex digits of the SHA-256
//! of the canonical text of the digested fields (see [`digest`]), so a reader
//! can prove that what it read is what was printed.
//!
//! A foreign payload (ETPBMS prints its own) is parsed as the model says:
//! parts split by a delimiter, named groups of a pattern, or key=value
//! pairs. Whatever the format, the parsed [`Payload`] names the ballot or
//! certificate id `id` and the AC `ac`, so the checks never see a format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The fixed first element of every payload we print.
pub const MAGIC: &str = "SCR1";

/// A parsed QR payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Model id of the form (`form-13a`).
    pub form: String,
    /// The key/value pairs in printed order.
    pub pairs: Vec<(String, String)>,
}

impl Payload {
    /// A payload for a form with no pairs yet.
    pub fn new(form: &str) -> Payload {
        Payload {
            form: form.to_string(),
            pairs: Vec::new(),
        }
    }

    /// Appends a pair.
    pub fn push(&mut self, key: &str, value: impl ToString) {
        self.pairs.push((key.to_string(), value.to_string()));
    }

    /// The printed text.
    pub fn encode(&self) -> String {
        let mut s = format!("{MAGIC}|{}", self.form);
        for (k, v) in &self.pairs {
            s.push('|');
            s.push_str(k);
            s.push('=');
            s.push_str(v);
        }
        s
    }

    /// Parses a decoded QR text; `None` when it is not one of ours.
    pub fn parse(text: &str) -> Option<Payload> {
        let mut parts = text.split('|');
        if parts.next()? != MAGIC {
            return None;
        }
        let form = parts.next()?.to_string();
        if form.is_empty() {
            return None;
        }
        let mut pairs = Vec::new();
        for part in parts {
            let (k, v) = part.split_once('=')?;
            pairs.push((k.to_string(), v.to_string()));
        }
        Some(Payload { form, pairs })
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a key as a whole number.
    pub fn get_usize(&self, key: &str) -> Option<usize> {
        self.get(key)?.parse().ok()
    }
}

/// How a payload is written: ours, or one of the shapes other printers use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PayloadFormat {
    /// `SCR1|<form id>|key=value...`, what Scrutiny prints.
    #[default]
    Scr1,
    /// Parts split by `delimiter`, named by `parts` in order.
    Delimited,
    /// The named groups of `pattern`, which must match the whole text.
    Regex,
    /// `key<assign>value` pairs split by `delimiter`.
    Pairs,
}

/// How one QR code of a model is parsed (and, for ours, printed), and which
/// of its parts identify the form, the ballot and the AC. A model file's
/// `[qr.payload]` (see `models/README.md`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadSpec {
    #[serde(default)]
    pub format: PayloadFormat,
    /// Between parts (`delimited`) or between pairs (`pairs`).
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The parts' names in order (`delimited`); an empty name skips a part.
    #[serde(default)]
    pub parts: Vec<String>,
    /// A pattern with named groups (`regex`), anchored at both ends.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Between a key and its value (`pairs`; default `=`).
    #[serde(default)]
    pub assign: Option<String>,
    /// Parts that must hold exactly these values for a code to be this one:
    /// what tells this form (and which of its codes) from any other.
    #[serde(default, rename = "match")]
    pub expect: BTreeMap<String, String>,
    /// The part holding the ballot (or certificate) id, reported as `id`.
    #[serde(default)]
    pub id: Option<String>,
    /// The part holding the AC number, reported as `ac`.
    #[serde(default)]
    pub ac: Option<String>,
}

impl PayloadSpec {
    /// Why this spec cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let needs = |what: &str| Some(format!("a {:?} payload needs {what}", self.format));
        match self.format {
            PayloadFormat::Scr1 => None,
            PayloadFormat::Delimited if self.delimiter.as_deref().is_none_or(str::is_empty) => {
                needs("a delimiter")
            }
            PayloadFormat::Delimited if self.parts.is_empty() => needs("parts"),
            PayloadFormat::Pairs if self.delimiter.as_deref().is_none_or(str::is_empty) => {
                needs("a delimiter")
            }
            PayloadFormat::Regex => match &self.pattern {
                None => needs("a pattern"),
                Some(p) => regex_lite::Regex::new(p)
                    .err()
                    .map(|e| format!("payload pattern does not compile: {e}")),
            },
            _ => None,
        }
    }

    /// How sure a match of this spec is that a code is this one: the more
    /// parts it must hold, the more specific. Picks between models whose
    /// specs both accept a text.
    pub fn specificity(&self) -> usize {
        self.expect.len() + usize::from(self.format == PayloadFormat::Regex)
    }

    /// Parses a decoded text as this spec says, for the model `form`;
    /// `None` when the text is not this code.
    pub fn parse(&self, form: &str, text: &str) -> Option<Payload> {
        let mut pairs: Vec<(String, String)> = match self.format {
            PayloadFormat::Scr1 => {
                let p = Payload::parse(text)?;
                if p.form != form {
                    return None;
                }
                p.pairs
            }
            PayloadFormat::Delimited => {
                let values: Vec<&str> = text.split(self.delimiter.as_deref()?).collect();
                if values.len() != self.parts.len() {
                    return None;
                }
                self.parts
                    .iter()
                    .zip(values)
                    .filter(|(name, _)| !name.is_empty())
                    .map(|(name, v)| (name.clone(), v.trim().to_string()))
                    .collect()
            }
            PayloadFormat::Regex => {
                let re =
                    regex_lite::Regex::new(&format!("^(?:{})$", self.pattern.as_deref()?)).ok()?;
                let caps = re.captures(text.trim())?;
                re.capture_names()
                    .flatten()
                    .filter_map(|name| {
                        Some((name.to_string(), caps.name(name)?.as_str().to_string()))
                    })
                    .collect()
            }
            PayloadFormat::Pairs => {
                let assign = self.assign.as_deref().unwrap_or("=");
                text.split(self.delimiter.as_deref()?)
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once(assign)?;
                        Some((k.trim().to_string(), v.trim().to_string()))
                    })
                    .collect::<Option<_>>()?
            }
        };
        let get = |pairs: &[(String, String)], k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        if self
            .expect
            .iter()
            .any(|(k, v)| get(&pairs, k).as_deref() != Some(v.as_str()))
        {
            return None;
        }
        for (canonical, part) in [("id", &self.id), ("ac", &self.ac)] {
            if let Some(part) = part.as_deref().filter(|p| *p != canonical) {
                let v = get(&pairs, part)?;
                pairs.retain(|(k, _)| k != canonical);
                pairs.push((canonical.to_string(), v));
            }
        }
        Some(Payload {
            form: form.to_string(),
            pairs,
        })
    }

    /// The text to print for `payload` (whose pairs use the canonical `id`
    /// and `ac`), with this spec's matching parts added. Only ours and the
    /// `delimited` and `pairs` formats can be printed; a pattern cannot.
    pub fn encode(&self, payload: &Payload) -> Result<String, String> {
        let value = |part: &str| -> Option<String> {
            if let Some(v) = self.expect.get(part) {
                return Some(v.clone());
            }
            let key = if self.id.as_deref() == Some(part) {
                "id"
            } else if self.ac.as_deref() == Some(part) {
                "ac"
            } else {
                part
            };
            payload.get(key).map(str::to_string)
        };
        match self.format {
            PayloadFormat::Scr1 => {
                let mut p = Payload::new(&payload.form);
                for (k, v) in &self.expect {
                    p.push(k, v);
                }
                p.pairs.extend(payload.pairs.iter().cloned());
                Ok(p.encode())
            }
            PayloadFormat::Delimited => {
                let d = self.delimiter.as_deref().unwrap_or("|");
                let parts = self
                    .parts
                    .iter()
                    .map(|name| match name.as_str() {
                        "" => Ok(String::new()),
                        _ => value(name)
                            .ok_or_else(|| format!("the payload part {name} has no value")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(parts.join(d))
            }
            PayloadFormat::Pairs => {
                let d = self.delimiter.as_deref().unwrap_or(";");
                let a = self.assign.as_deref().unwrap_or("=");
                let mut keys: Vec<String> = self.expect.keys().cloned().collect();
                for (k, _) in &payload.pairs {
                    let named = match k.as_str() {
                        "id" => self.id.clone().unwrap_or_else(|| k.clone()),
                        "ac" => self.ac.clone().unwrap_or_else(|| k.clone()),
                        _ => k.clone(),
                    };
                    if !keys.contains(&named) {
                        keys.push(named);
                    }
                }
                Ok(keys
                    .iter()
                    .filter_map(|k| Some(format!("{k}{a}{}", value(k)?)))
                    .collect::<Vec<_>>()
                    .join(d))
            }
            PayloadFormat::Regex => {
                Err("a payload described by a pattern can be read but not printed".into())
            }
        }
    }
}

/// Whether a value can be carried in a payload.
pub fn is_payload_safe(value: &str) -> bool {
    !value.is_empty() && !value.contains(['|', '=', '\n', '\r'])
}

/// The digest of named values, as printed in a payload's `d`.
///
/// `values` yields `(name, value)` in the order the model lists them; the
/// canonical text is `name=<compact JSON>` joined by `|`.
pub fn digest<'a>(values: impl IntoIterator<Item = (&'a str, &'a Value)>) -> String {
    let mut hasher = Sha256::new();
    for (i, (name, value)) in values.into_iter().enumerate() {
        if i > 0 {
            hasher.update(b"|");
        }
        hasher.update(name.as_bytes());
        hasher.update(b"=");
        hasher.update(value.to_string().as_bytes());
    }
    let out = hasher.finalize();
    crate::hex(&out[..8])
}

/// The digest of the fields `names` (a model's `[qr] digest` list) taken
/// from `values`; `None` when one of them is missing.
pub fn digest_of(names: &[String], values: &serde_json::Map<String, Value>) -> Option<String> {
    let named = names
        .iter()
        .map(|n| values.get(n).map(|v| (n.as_str(), v)))
        .collect::<Option<Vec<_>>>()?;
    Some(digest(named))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_foreign_codes_are_not_ours() {
        let mut p = Payload::new("round-sheet");
        p.push("ac", 71);
        p.push("rows", 14);
        let text = p.encode();
        assert_eq!(text, "SCR1|round-sheet|ac=71|rows=14");
        assert_eq!(Payload::parse(&text), Some(p));
        assert_eq!(Payload::parse("https://example.org"), None);
        assert_eq!(Payload::parse("SCR1|form-13a|broken"), None);
    }

    #[test]
    fn foreign_payloads_are_parsed_as_their_model_says() {
        let delimited = PayloadSpec {
            format: PayloadFormat::Delimited,
            delimiter: Some("|".into()),
            parts: vec!["kind".into(), "acno".into(), "".into(), "ballot".into()],
            expect: [("kind".to_string(), "13A".to_string())].into(),
            id: Some("ballot".into()),
            ac: Some("acno".into()),
            ..PayloadSpec::default()
        };
        let p = delimited
            .parse("etpb-13a", "13A|071|x|KL/071/00042-B")
            .unwrap();
        assert_eq!(p.form, "etpb-13a");
        assert_eq!(p.get("id"), Some("KL/071/00042-B"));
        assert_eq!(p.get("ac"), Some("071"));
        assert_eq!(
            delimited.parse("etpb-13a", "13B|071|x|KL/071/00042-B"),
            None
        );
        assert_eq!(delimited.parse("etpb-13a", "13A|071|KL/071/00042-B"), None);
        // A skipped part prints empty.
        assert_eq!(delimited.encode(&p).unwrap(), "13A|071||KL/071/00042-B");

        let regex = PayloadSpec {
            format: PayloadFormat::Regex,
            pattern: Some(r"ETPB:(?P<ac>[0-9]+):(?P<ballot>[A-Z0-9/-]+)".into()),
            id: Some("ballot".into()),
            ..PayloadSpec::default()
        };
        assert_eq!(regex.problem(), None);
        let p = regex.parse("x", "ETPB:71:AB/12-3").unwrap();
        assert_eq!((p.get("id"), p.get("ac")), (Some("AB/12-3"), Some("71")));
        assert_eq!(regex.parse("x", "ETPB:71:AB/12-3 trailing"), None);
        assert!(regex.encode(&p).is_err());

        let pairs = PayloadSpec {
            format: PayloadFormat::Pairs,
            delimiter: Some(";".into()),
            assign: Some(":".into()),
            id: Some("BID".into()),
            ..PayloadSpec::default()
        };
        let p = pairs.parse("y", "BID:Z-9; AC:71").unwrap();
        assert_eq!(p.get("id"), Some("Z-9"));
        assert_eq!(pairs.parse("y", "BID Z-9"), None);
        assert_eq!(
            pairs
                .parse("y", &pairs.encode(&p).unwrap())
                .unwrap()
                .get("id"),
            Some("Z-9")
        );

        let broken = PayloadSpec {
            format: PayloadFormat::Regex,
            pattern: Some("(?P<a".into()),
            ..PayloadSpec::default()
        };
        assert!(broken.problem().unwrap().contains("does not compile"));
    }

    #[test]
    fn our_second_code_is_told_from_the_first_by_its_match() {
        let second = PayloadSpec {
            expect: [("code".to_string(), "2".to_string())].into(),
            ..PayloadSpec::default()
        };
        let mut p = Payload::new("form-13a");
        p.push("id", "B-1");
        let text = second.encode(&p).unwrap();
        assert_eq!(text, "SCR1|form-13a|code=2|id=B-1");
        assert_eq!(
            second.parse("form-13a", &text).unwrap().get("id"),
            Some("B-1")
        );
        assert_eq!(second.parse("form-13a", &p.encode()), None);
        assert_eq!(second.parse("form-13b", &text), None);
    }

    #[test]
    fn digest_changes_with_any_figure() {
        let a = serde_json::json!([[1, 2], [3, 4]]);
        let b = serde_json::json!([[1, 2], [3, 5]]);
        assert_ne!(digest([("votes", &a)]), digest([("votes", &b)]));
        assert_eq!(digest([("votes", &a)]).len(), 16);
    }
}
