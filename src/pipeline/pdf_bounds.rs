//! Bounds on what opening a PDF may build, checked on the raw bytes before
//! the parser sees them (`docs/design.md`, "Hostile files").
//!
//! A PDF parser builds, for every object it meets, a value in memory many
//! times larger than the bytes that wrote it: a 98 KB object stream that
//! inflates to an array of 50 million zeros is 8 GB of parsed values. So
//! before `lopdf` opens a file, one pass over its bytes counts the objects,
//! measures the longest array, and inflates every compressed stream that is
//! not a page image into a counter (not into memory) to learn its decoded
//! size. Object streams are scanned the same way once inflated. Anything
//! beyond the limits below is refused as too large; page images are bounded
//! by their declared pixels elsewhere. What slips between these bounds is
//! caught by the reader's memory limit (`crate::sandbox`).

use std::io::Read;

use crate::error::{Error, Result};

/// Most objects in one file (a 10,000-page scan batch has about 40,000).
pub const MAX_OBJECTS: usize = 1_000_000;
/// Most elements in one array (a page tree's `/Kids` of every page is the
/// longest a real file holds).
pub const MAX_ARRAY: usize = 100_000;
/// Largest decoded object stream.
pub const MAX_OBJECT_STREAM: u64 = 8 << 20;
/// Largest decoded stream that is not a page image (content, fonts, ICC
/// profiles, cross-reference streams).
pub const MAX_STREAM: u64 = 16 << 20;
/// Largest decoded size of all such streams together.
pub const MAX_DECODED: u64 = 64 << 20;
/// Deepest nesting of arrays and dictionaries.
pub const MAX_DEPTH: usize = 64;

fn too_large(reason: String) -> Error {
    Error::TooLarge { reason }
}

/// What the pass has counted so far.
#[derive(Default)]
struct Tally {
    objects: usize,
    decoded: u64,
}

/// Fails, naming the limit, when opening `bytes` as a PDF would build more
/// than the bounds above allow. A file this pass cannot make sense of is
/// left to the parser, which says what is wrong with it.
pub fn check(bytes: &[u8]) -> Result<()> {
    let mut tally = Tally::default();
    scan(bytes, true, &mut tally)?;
    Ok(())
}

/// Whether the file names an encryption dictionary (`/Encrypt` in a
/// trailer or cross-reference stream).
pub fn names_encryption(bytes: &[u8]) -> bool {
    has_name(bytes, b"/Encrypt")
}

/// PDF white space.
pub(super) fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// Walks PDF syntax: comments, strings, arrays, dictionaries and tokens;
/// at each `stream` keyword (only `top` level: object streams hold no
/// streams) the stream's data is measured and stepped over.
fn scan(bytes: &[u8], top: bool, tally: &mut Tally) -> Result<()> {
    // Elements in each open array, innermost last (dictionaries push None).
    let mut open: Vec<Option<usize>> = Vec::new();
    // Where the current object's text starts (after `obj`).
    let mut object_start = 0usize;
    let mut at = 0usize;
    let count = |open: &mut Vec<Option<usize>>| -> Result<()> {
        if let Some(Some(n)) = open.last_mut() {
            *n += 1;
            if *n > MAX_ARRAY {
                return Err(too_large(format!(
                    "the PDF holds an array of more than {MAX_ARRAY} elements"
                )));
            }
        }
        Ok(())
    };
    while at < bytes.len() {
        let b = bytes[at];
        match b {
            _ if is_white(b) => at += 1,
            b'%' => {
                while at < bytes.len() && !matches!(bytes[at], b'\r' | b'\n') {
                    at += 1;
                }
            }
            b'(' => {
                count(&mut open)?;
                at = skip_string(bytes, at);
            }
            b'<' if bytes.get(at + 1) == Some(&b'<') => {
                count(&mut open)?;
                open.push(None);
                at += 2;
            }
            b'>' if bytes.get(at + 1) == Some(&b'>') => {
                open.pop();
                at += 2;
            }
            b'<' => {
                count(&mut open)?;
                at = bytes[at..]
                    .iter()
                    .position(|c| *c == b'>')
                    .map_or(bytes.len(), |i| at + i + 1);
            }
            b'[' => {
                count(&mut open)?;
                open.push(Some(0));
                at += 1;
            }
            b']' => {
                open.pop();
                at += 1;
            }
            _ => {
                let start = at;
                at += 1;
                while at < bytes.len() && !is_white(bytes[at]) && !is_delimiter(bytes[at]) {
                    at += 1;
                }
                let token = &bytes[start..at];
                match token {
                    // `1 0 R` is one element of an array, not three.
                    b"R" => {
                        if let Some(Some(n)) = open.last_mut() {
                            *n = n.saturating_sub(1);
                        }
                    }
                    b"obj" if top => {
                        tally.objects += 1;
                        if tally.objects > MAX_OBJECTS {
                            return Err(too_large(format!(
                                "the PDF holds more than {MAX_OBJECTS} objects"
                            )));
                        }
                        object_start = at;
                        open.clear();
                    }
                    b"endobj" => open.clear(),
                    b"stream" if top => {
                        at = stream(bytes, object_start, start, at, tally)?;
                        open.clear();
                    }
                    _ => count(&mut open)?,
                }
            }
        }
        if open.len() > MAX_DEPTH {
            return Err(too_large(format!(
                "the PDF nests arrays or dictionaries more than {MAX_DEPTH} deep"
            )));
        }
    }
    Ok(())
}

/// The position after a literal string starting at `at` (nested
/// parentheses and backslash escapes).
fn skip_string(bytes: &[u8], mut at: usize) -> usize {
    let mut depth = 0usize;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A name followed by a delimiter or white space in the dictionary text.
fn has_name(dict: &[u8], name: &[u8]) -> bool {
    let mut from = 0;
    while let Some(i) = find(&dict[from..], name) {
        let end = from + i + name.len();
        if dict
            .get(end)
            .is_none_or(|b| is_white(*b) || is_delimiter(*b))
        {
            return true;
        }
        from = end;
    }
    false
}

/// The direct integer after `key` in the dictionary text (`/Length 123`,
/// not `/Length 12 0 R`).
fn direct_int(dict: &[u8], key: &[u8]) -> Option<u64> {
    let mut from = 0;
    while let Some(i) = find(&dict[from..], key) {
        let after = from + i + key.len();
        from = after;
        if dict.get(after).is_some_and(|b| !is_white(*b)) {
            continue;
        }
        let rest = &dict[after..];
        let words: Vec<&[u8]> = rest
            .split(|b| is_white(*b) || is_delimiter(*b))
            .filter(|w| !w.is_empty())
            .take(3)
            .collect();
        let n = std::str::from_utf8(words.first()?).ok()?.parse().ok()?;
        return match words.get(2) {
            Some(w) if *w == b"R" => None,
            _ => Some(n),
        };
    }
    None
}

/// Measures the stream whose keyword spans `keyword..after`, with its
/// dictionary in `bytes[object_start..keyword]`; returns where scanning
/// goes on (after `endstream`).
fn stream(
    bytes: &[u8],
    object_start: usize,
    keyword: usize,
    after: usize,
    tally: &mut Tally,
) -> Result<usize> {
    let dict = &bytes[object_start.min(keyword)..keyword];
    let mut start = after;
    if bytes.get(start) == Some(&b'\r') {
        start += 1;
    }
    if bytes.get(start) == Some(&b'\n') {
        start += 1;
    }
    let declared = direct_int(dict, b"/Length")
        .and_then(|n| usize::try_from(n).ok())
        .map(|n| start.saturating_add(n))
        .filter(|end| {
            *end <= bytes.len() && {
                let tail = &bytes[*end..bytes.len().min(end + 16)];
                let word = tail.iter().position(|b| !is_white(*b)).unwrap_or(0);
                tail[word..].starts_with(b"endstream")
            }
        });
    let end = declared.unwrap_or_else(|| {
        find(&bytes[start.min(bytes.len())..], b"endstream").map_or(bytes.len(), |i| start + i)
    });
    let data = &bytes[start.min(end)..end];
    let image = has_name(dict, b"/Image");
    let object_stream = has_name(dict, b"/ObjStm");
    let flate = has_name(dict, b"/FlateDecode") || has_name(dict, b"/Fl");
    if flate && !image {
        let limit = if object_stream {
            MAX_OBJECT_STREAM
        } else {
            MAX_STREAM
        };
        let what = if object_stream {
            "an object stream"
        } else {
            "a stream"
        };
        if let Some(n) = direct_int(dict, b"/N").filter(|_| object_stream) {
            tally.objects = tally.objects.saturating_add(n as usize);
            if tally.objects > MAX_OBJECTS {
                return Err(too_large(format!(
                    "the PDF holds more than {MAX_OBJECTS} objects"
                )));
            }
        }
        let mut inflated = Vec::new();
        let mut reader = flate2::read::ZlibDecoder::new(data).take(limit + 1);
        let size = if object_stream {
            // Kept to scan its objects (at most the limit).
            let _ = reader.read_to_end(&mut inflated);
            inflated.len() as u64
        } else {
            std::io::copy(&mut reader, &mut std::io::sink()).unwrap_or(0)
        };
        if size > limit {
            return Err(too_large(format!(
                "{what} inflates to more than {} MB (at most {} MB)",
                limit >> 20,
                limit >> 20
            )));
        }
        tally.decoded += size;
        if tally.decoded > MAX_DECODED {
            return Err(too_large(format!(
                "the PDF's streams inflate to more than {} MB together (at most {} MB)",
                MAX_DECODED >> 20,
                MAX_DECODED >> 20
            )));
        }
        if object_stream {
            scan(&inflated, false, tally)?;
        }
    }
    Ok(end + find(&bytes[end..bytes.len().min(end + 64)], b"endstream").map_or(0, |i| i + 9))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    fn pdf_with_stream(dict: &str, data: &[u8]) -> Vec<u8> {
        let mut f = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
        f.extend(format!("2 0 obj\n<< {dict} /Length {} >>\nstream\n", data.len()).as_bytes());
        f.extend(data);
        f.extend(b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        f
    }

    #[test]
    fn an_object_stream_of_zeros_is_refused_before_it_is_parsed() {
        let zeros = "0 ".repeat(5_000_000);
        let data = deflate(format!("3 0 [{zeros}]").as_bytes());
        let file = pdf_with_stream("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", &data);
        let err = check(&file).unwrap_err();
        assert_eq!(err.code(), "too-large");
        assert!(err.to_string().contains("object stream"), "{err}");
    }

    #[test]
    fn a_long_array_in_a_small_object_stream_is_refused() {
        let data = deflate(format!("3 0 [{}]", "0 ".repeat(MAX_ARRAY + 1)).as_bytes());
        let file = pdf_with_stream("/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", &data);
        let err = check(&file).unwrap_err();
        assert!(err.to_string().contains("array"), "{err}");
    }

    #[test]
    fn a_content_stream_that_inflates_past_the_limit_is_refused() {
        let data = deflate(&vec![b' '; (MAX_STREAM + 1) as usize]);
        let err = check(&pdf_with_stream("/Filter /FlateDecode", &data)).unwrap_err();
        assert!(err.to_string().contains("inflates"), "{err}");
        // The same bytes as a page image are left to the image limits.
        check(&pdf_with_stream(
            "/Type /XObject /Subtype /Image /Filter /FlateDecode",
            &data,
        ))
        .unwrap();
    }

    #[test]
    fn references_and_ordinary_files_pass() {
        let kids: String = (0..50_000).map(|i| format!("{} 0 R ", i + 10)).collect();
        let mut f = format!("%PDF-1.7\n1 0 obj << /Kids [{kids}] /Note (a ) string [) >> endobj\n")
            .into_bytes();
        f.extend(pdf_with_stream("/Filter /FlateDecode", &deflate(b"BT ET")));
        check(&f).unwrap();
        let nested = format!("%PDF-1.7\n1 0 obj {} endobj", "[".repeat(MAX_DEPTH + 1));
        assert!(check(nested.as_bytes()).is_err());
    }
}
