//! The election definition loaded before counting day: constituencies,
//! candidates in ballot order, tables and rounds. It arrives as JSON
//! (`scrutiny election load FILE.json`, or built by the demo) and is checked
//! whole before anything is stored.

use serde::Deserialize;

use super::{Ac, Candidate, NOTA, PollingStation};
use crate::error::{Error, Result};
use crate::forms::payload;
use crate::render::MAX_ROWS;

/// Most candidates an AC may have (Nizamabad 2019 had 185).
pub const MAX_CANDIDATES: usize = 250;
/// Most rounds an AC may have.
pub const MAX_ROUNDS: u32 = 100;

/// An election as loaded: `{"name", "state", "acs": [...]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionSetup {
    pub name: String,
    pub state: String,
    pub acs: Vec<AcSetup>,
}

/// One AC of the election definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcSetup {
    pub ac_no: u32,
    pub name: String,
    pub district: String,
    /// The Returning Officer's name as printed on the certificate.
    pub ro: String,
    pub tables: u32,
    pub rounds: u32,
    /// In ballot order; NOTA is added last when not given.
    pub candidates: Vec<CandidateSetup>,
    /// The AC's polling stations with their electors (optional): with
    /// them, an entry names one of them and holds no more votes than it
    /// has electors.
    #[serde(default)]
    pub polling_stations: Vec<PollingStationSetup>,
}

/// A polling station as defined: `{"ps_no", "name", "electors"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollingStationSetup {
    pub ps_no: u32,
    pub name: String,
    pub electors: u64,
}

/// Most electors a polling station's definition may give (ECI's limit is
/// 1,500; the bound only catches a mistyped definition).
pub const MAX_ELECTORS: u64 = 10_000;

/// Checks an AC's polling stations: numbers unique from 1, a name, 1 to
/// [`MAX_ELECTORS`] electors.
pub fn polling_stations(a: &AcSetup) -> Result<Vec<PollingStation>> {
    let at = |m: String| Error::bad_input(format!("AC {}: {m}", a.ac_no));
    let mut seen = std::collections::BTreeSet::new();
    a.polling_stations
        .iter()
        .map(|p| {
            if p.ps_no == 0 || !seen.insert(p.ps_no) {
                return Err(at(format!(
                    "polling station numbers are unique and start at 1 ({})",
                    p.ps_no
                )));
            }
            if p.electors == 0 || p.electors > MAX_ELECTORS {
                return Err(at(format!(
                    "polling station {} has {} electors; a station has 1 to {MAX_ELECTORS}",
                    p.ps_no, p.electors
                )));
            }
            Ok(PollingStation {
                ps_no: p.ps_no,
                name: printable("a polling station's name", &p.name)
                    .map_err(|e| at(e.to_string()))?,
                electors: p.electors,
            })
        })
        .collect()
}

/// A contesting candidate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateSetup {
    pub name: String,
    pub party: String,
}

fn printable(what: &str, s: &str) -> Result<String> {
    let s = crate::render::normalize_text(s);
    if s.is_empty() || s.chars().count() > 80 {
        return Err(Error::bad_input(format!(
            "{what} must be 1 to 80 characters"
        )));
    }
    if !payload::is_payload_safe(&s) {
        return Err(Error::bad_input(format!("{what} may not hold '|' or '='")));
    }
    Ok(s)
}

/// Checks every AC and turns it into what counting uses (NOTA appended
/// where missing). Fails on the first problem, naming the AC.
pub fn validate(setup: &ElectionSetup) -> Result<Vec<Ac>> {
    printable("the election name", &setup.name)?;
    printable("the state", &setup.state)?;
    if setup.acs.is_empty() {
        return Err(Error::bad_input("the election has no AC"));
    }
    let mut seen = std::collections::BTreeSet::new();
    setup
        .acs
        .iter()
        .map(|a| {
            let at = |m: &str| Error::bad_input(format!("AC {}: {m}", a.ac_no));
            if a.ac_no == 0 || !seen.insert(a.ac_no) {
                return Err(at("AC numbers are unique and start at 1"));
            }
            if a.tables == 0 || a.tables as usize > MAX_ROWS {
                return Err(at(&format!("tables must be 1 to {MAX_ROWS}")));
            }
            if a.rounds == 0 || a.rounds > MAX_ROUNDS {
                return Err(at(&format!("rounds must be 1 to {MAX_ROUNDS}")));
            }
            polling_stations(a)?;
            let mut candidates: Vec<Candidate> = vec![];
            for c in &a.candidates {
                candidates.push(Candidate {
                    serial: candidates.len() as u32 + 1,
                    name: printable("a candidate's name", &c.name)
                        .map_err(|e| at(&e.to_string()))?,
                    party: printable("a party", &c.party).map_err(|e| at(&e.to_string()))?,
                });
            }
            if let Some(i) = candidates.iter().position(|c| c.name == NOTA)
                && i + 1 != candidates.len()
            {
                return Err(at("NOTA must be the last candidate"));
            }
            if candidates.last().is_none_or(|c| c.name != NOTA) {
                candidates.push(Candidate {
                    serial: candidates.len() as u32 + 1,
                    name: NOTA.into(),
                    party: "None of the Above".into(),
                });
            }
            if candidates.len() < 3 || candidates.len() > MAX_CANDIDATES {
                return Err(at(&format!(
                    "an AC has 2 to {} candidates besides NOTA",
                    MAX_CANDIDATES - 1
                )));
            }
            Ok(Ac {
                ac_no: a.ac_no,
                name: printable("the AC name", &a.name).map_err(|e| at(&e.to_string()))?,
                district: printable("the district", &a.district).map_err(|e| at(&e.to_string()))?,
                ro: printable("the RO's name", &a.ro).map_err(|e| at(&e.to_string()))?,
                tables: a.tables,
                rounds: a.rounds,
                candidates,
                declared_at: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(cands: &[&str]) -> ElectionSetup {
        ElectionSetup {
            name: "Test".into(),
            state: "MP".into(),
            acs: vec![AcSetup {
                ac_no: 1,
                name: "One".into(),
                district: "D".into(),
                ro: "R O".into(),
                tables: 14,
                rounds: 10,
                candidates: cands
                    .iter()
                    .map(|n| CandidateSetup {
                        name: n.to_string(),
                        party: "IND".into(),
                    })
                    .collect(),
                polling_stations: vec![],
            }],
        }
    }

    #[test]
    fn nota_is_appended_last() {
        let acs = validate(&setup(&["A", "B"])).unwrap();
        let names: Vec<_> = acs[0].candidates.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "NOTA"]);
        assert_eq!(acs[0].candidates[2].serial, 3);
        assert!(validate(&setup(&["A", "NOTA", "B"])).is_err());
        assert!(validate(&setup(&["A"])).is_err());
        assert!(validate(&setup(&["A|B", "C"])).is_err());
    }
}
