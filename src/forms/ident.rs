//! Identifiers as identifiers: ballot ids, postal ballot serial numbers and
//! certificate ids hold letters, digits, `/` and `-`. They are compared
//! after folding case and spacing (Unicode-normalised), never as numbers:
//! `0042` is not `42`, and `kl/71-a` is `KL/71-A`. The letters O and I
//! fold into the digits 0 and 1: printed, they look alike (to a reader as
//! to a person), so two identifiers that differ only there are one. They
//! are also stored so. When two identifiers are compared, Z, S and B are
//! also taken for the 2, 5 and 8 they are read as (a worn `Z/9116` read
//! `2/9116` is the same serial); what is stored keeps them.

use unicode_normalization::UnicodeNormalization;

/// Longest identifier accepted.
pub const MAX_LEN: usize = 64;

/// The identifier as it is compared and stored: NFKC, upper case, with no
/// spaces, O and I as 0 and 1.
pub fn normalize(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .map(|c| match c {
            'O' => '0',
            'I' => '1',
            c => c,
        })
        .collect()
}

/// The normalised identifier, or why `s` is not one (`what` names it in
/// the message): 1 to 64 letters, digits, `/` and `-`.
pub fn parse(s: &str, what: &str) -> Result<String, String> {
    let id = normalize(s);
    if id.is_empty() || id.chars().count() > MAX_LEN {
        return Err(format!("{what} {s:?} must hold 1 to {MAX_LEN} characters"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '/' || *c == '-'))
    {
        return Err(format!(
            "{what} {s:?} holds {c:?}; an identifier holds letters, digits, '/' and '-'"
        ));
    }
    Ok(id)
}

/// Whether two texts are the same identifier.
pub fn same(a: &str, b: &str) -> bool {
    let folded = |s: &str| -> String {
        normalize(s)
            .chars()
            .map(|c| match c {
                'Z' => '2',
                'S' => '5',
                'B' => '8',
                c => c,
            })
            .collect()
    };
    folded(a) == folded(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_fold_case_and_spacing_but_keep_leading_zeros() {
        assert_eq!(parse(" kl/071-a ", "ballot id").unwrap(), "KL/071-A");
        // O and I print like 0 and 1: one identifier.
        assert_eq!(parse("PO/I7", "ballot id").unwrap(), "P0/17");
        assert!(same("ab 12", "AB12"));
        assert!(!same("0042", "42"));
        // Z, S and B are read as 2, 5 and 8: compared as them, kept as written.
        assert!(same("Z/9116-B", "2/9116-8"));
        assert!(same("KS-1", "K5-1"));
        assert!(!same("Z/9116", "Z/9117"));
        assert_eq!(parse("z/9116", "serial").unwrap(), "Z/9116");
        // Full-width forms (a phone keyboard) fold to ASCII.
        assert_eq!(parse("ＡＢ１２", "id").unwrap(), "AB12");
        assert!(parse("A|B", "ballot id").unwrap_err().contains("'|'"));
        assert!(parse("", "ballot id").is_err());
        assert!(parse(&"9".repeat(65), "ballot id").is_err());
    }
}
