//! The QR payload printed on every form and the digest that binds printed
//! figures to it.
//!
//! Format: `SCR1|<form id>|key=value|key=value...`. Keys and values never hold
//! `|` or `=`. The digest `d` is the first 16 hex digits of the SHA-256 of the
//! canonical text of the digested fields (see [`digest`]), so a reader can
//! prove that what it read is what was printed.

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
    fn digest_changes_with_any_figure() {
        let a = serde_json::json!([[1, 2], [3, 4]]);
        let b = serde_json::json!([[1, 2], [3, 5]]);
        assert_ne!(digest([("votes", &a)]), digest([("votes", &b)]));
        assert_eq!(digest([("votes", &a)]).len(), 16);
    }
}
