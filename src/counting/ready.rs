//! What must hold before the RO validates the postal entry, and before the
//! result is declared (`docs/design.md`, "The end of the count"). Pure
//! functions of what is stored: each condition with whether it holds and a
//! sentence saying so, so that the API refuses with the list of what is
//! missing and the pages show the same list.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::{CountResult, Postal, RegisterBallot, Reverified, VvpatStation};
use crate::checks::{Ballot, Outcome};

crate::vocabulary! {
    /// A condition of the end of the count.
    pub enum Condition {
        /// The postal tally is entered.
        PostalEntered = "postal-entered",
        /// Every ballot of the ETPBS register has been scanned.
        BallotsUploaded = "ballots-uploaded",
        /// No postal ballot waits for a review decision.
        BallotsSettled = "ballots-settled",
        /// Covers accepted = valid votes + rejected papers; covers rejected
        /// as entered.
        PostalReconciles = "postal-reconciles",
        /// The RO validated the postal entry, and it still holds.
        PostalValidated = "postal-validated",
        /// Every round is published.
        RoundsPublished = "rounds-published",
        /// The polling stations drawn by lot for VVPAT verification are recorded.
        VvpatDrawn = "vvpat-drawn",
        /// The slips of every drawn station are counted.
        VvpatCounted = "vvpat-counted",
        /// Every difference between slips and EVM is settled by the RO.
        VvpatSettled = "vvpat-settled",
        /// Rejected postal ballots verified again where the margin requires it.
        Reverified = "reverified",
        /// The top two candidates are not tied.
        NoTie = "no-tie",
    }
}

/// One condition: whether it holds, in a sentence either way, in English
/// and in Hindi.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Check {
    pub condition: Condition,
    pub holds: bool,
    pub message: String,
    /// The same sentence in Hindi.
    pub message_hi: String,
}

fn check(condition: Condition, holds: bool, message: String, message_hi: String) -> Check {
    Check {
        condition,
        holds,
        message,
        message_hi,
    }
}

/// The checks that do not hold.
pub fn unmet(checks: &[Check]) -> Vec<Check> {
    checks.iter().filter(|c| !c.holds).cloned().collect()
}

/// How many polling stations are drawn by lot for VVPAT verification in
/// an AC (ECI's instructions since 2019).
pub const VVPAT_DRAW: usize = 5;

/// Names a few of `ids` ("PB1, PB2 and 3 more"; in Hindi "… और 3 अन्य").
fn some(ids: &[&str], hindi: bool) -> String {
    const SHOWN: usize = 10;
    let mut s = ids
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        let more = ids.len() - SHOWN;
        s.push_str(&if hindi {
            format!(" और {more} अन्य")
        } else {
            format!(" and {more} more")
        });
    }
    s
}

/// What the RO's validation of the postal entry waits for: the tally
/// entered, every register ballot scanned, none needing review, and the
/// reconciliation holding over the outcomes of the scanned ballots.
pub fn postal(
    register: &[RegisterBallot],
    ballots: &[Ballot],
    tally: Option<&Postal>,
) -> Vec<Check> {
    let outcome: HashMap<&str, Outcome> = ballots
        .iter()
        .map(|b| (b.ballot_id.as_str(), b.outcome))
        .collect();
    let not_uploaded: Vec<&str> = register
        .iter()
        .map(|r| r.ballot_id.as_str())
        .filter(|id| !outcome.contains_key(id))
        .collect();
    let review: Vec<&str> = ballots
        .iter()
        .filter(|b| b.outcome == Outcome::NeedsReview)
        .map(|b| b.ballot_id.as_str())
        .collect();
    let of = |o: Outcome| ballots.iter().filter(|b| b.outcome == o).count() as u64;
    let (accepted, rejected) = (of(Outcome::Accepted), of(Outcome::Rejected));
    let mut out = vec![
        match tally {
            Some(_) => check(
                Condition::PostalEntered,
                true,
                "the postal tally is entered".into(),
                "डाक मतों की गणना दर्ज है".into(),
            ),
            None => check(
                Condition::PostalEntered,
                false,
                "the postal tally is not entered yet".into(),
                "डाक मतों की गणना अभी दर्ज नहीं है".into(),
            ),
        },
        if not_uploaded.is_empty() {
            check(
                Condition::BallotsUploaded,
                true,
                format!(
                    "every ballot of the register ({}) is scanned",
                    register.len()
                ),
                format!("रजिस्टर के सभी मतपत्र ({}) स्कैन हो चुके हैं", register.len()),
            )
        } else {
            check(
                Condition::BallotsUploaded,
                false,
                format!(
                    "{} of the {} ballots of the register are not scanned yet: {}",
                    not_uploaded.len(),
                    register.len(),
                    some(&not_uploaded, false)
                ),
                format!(
                    "रजिस्टर के {} में से {} मतपत्र अभी स्कैन नहीं हुए: {}",
                    register.len(),
                    not_uploaded.len(),
                    some(&not_uploaded, true)
                ),
            )
        },
        if review.is_empty() {
            check(
                Condition::BallotsSettled,
                true,
                "no postal ballot needs review".into(),
                "किसी डाक मतपत्र की समीक्षा शेष नहीं है".into(),
            )
        } else {
            check(
                Condition::BallotsSettled,
                false,
                format!(
                    "{} postal ballots need review: {}",
                    review.len(),
                    some(&review, false)
                ),
                format!(
                    "{} डाक मतपत्रों की समीक्षा शेष है: {}",
                    review.len(),
                    some(&review, true)
                ),
            )
        },
    ];
    out.push(match tally {
        None => check(
            Condition::PostalReconciles,
            false,
            "the covers are reconciled once the postal tally is entered".into(),
            "डाक मतों की गणना दर्ज होने पर लिफ़ाफ़ों का मिलान होगा".into(),
        ),
        Some(p) => {
            let counted = p.votes.iter().sum::<u64>() + p.rejected_papers;
            let (mut wrong, mut wrong_hi) = (vec![], vec![]);
            if accepted != counted {
                wrong.push(format!(
                    "{accepted} covers were accepted from the scans, but the valid votes and rejected papers entered add up to {counted}"
                ));
                wrong_hi.push(format!(
                    "स्कैन से {accepted} लिफ़ाफ़े स्वीकृत हुए, पर दर्ज वैध मत और अस्वीकृत मतपत्र मिलकर {counted} हैं"
                ));
            }
            if rejected != p.rejected_covers {
                wrong.push(format!(
                    "{rejected} covers were rejected from the scans, but {} rejected covers were entered",
                    p.rejected_covers
                ));
                wrong_hi.push(format!(
                    "स्कैन से {rejected} लिफ़ाफ़े अस्वीकृत हुए, पर {} अस्वीकृत लिफ़ाफ़े दर्ज हैं",
                    p.rejected_covers
                ));
            }
            if wrong.is_empty() {
                let valid = counted - p.rejected_papers;
                check(
                    Condition::PostalReconciles,
                    true,
                    format!(
                        "{accepted} covers accepted = {valid} valid votes + {} rejected papers; {rejected} covers rejected, as entered",
                        p.rejected_papers
                    ),
                    format!(
                        "{accepted} स्वीकृत लिफ़ाफ़े = {valid} वैध मत + {} अस्वीकृत मतपत्र; {rejected} अस्वीकृत लिफ़ाफ़े, जैसा दर्ज है",
                        p.rejected_papers
                    ),
                )
            } else {
                check(
                    Condition::PostalReconciles,
                    false,
                    wrong.join("; "),
                    wrong_hi.join("; "),
                )
            }
        }
    });
    out
}

/// Where the re-verification of rejected postal ballots stands, when the
/// margin requires it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reverification {
    /// Rejected ballots the RO has confirmed or reversed.
    pub done: usize,
    /// Ballots rejected.
    pub rejected: usize,
}

/// The item of a re-verification that stands for the ballot papers
/// rejected at the count (Rule 56A): they are not scanned one by one, so
/// the RO confirms or reverses them together.
pub const REJECTED_PAPERS: &str = "rejected-papers";

/// What a re-verification covers: every ballot rejected from the scans,
/// those the RO reversed (counted now, verified all the same), and the
/// rejected ballot papers as one item when there are any.
pub fn to_reverify<'a>(
    result: &CountResult,
    ballots: &'a [Ballot],
    reverified: &'a [Reverified],
) -> Vec<&'a str> {
    let mut ids: Vec<&str> = ballots
        .iter()
        .filter(|b| b.outcome == Outcome::Rejected)
        .map(|b| b.ballot_id.as_str())
        .chain(reverified.iter().map(|r| r.ballot_id.as_str()))
        .chain((result.rejected_postal_papers > 0).then_some(REJECTED_PAPERS))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Where the re-verification stands, when the margin is smaller than the
/// rejected postal ballots (None when it is not required).
pub fn reverification(
    result: &CountResult,
    ballots: &[Ballot],
    reverified: &[Reverified],
) -> Option<Reverification> {
    if !result.margin_below_rejected {
        return None;
    }
    let ids = to_reverify(result, ballots, reverified);
    let done = ids
        .iter()
        .filter(|id| reverified.iter().any(|r| r.ballot_id == **id))
        .count();
    Some(Reverification {
        done,
        rejected: ids.len(),
    })
}

/// What the end of the count stands on, as stored.
#[derive(Debug, Clone)]
pub struct EndOfCount<'a> {
    pub result: &'a CountResult,
    /// The postal conditions ([`postal`]).
    pub postal: &'a [Check],
    /// The RO validated the postal entry (and no correction came after).
    pub validated: bool,
    pub vvpat: &'a [VvpatStation],
    /// Polling stations whose EVM is entered.
    pub stations_counted: usize,
    /// VVPAT differences not yet settled by the RO.
    pub vvpat_open: usize,
    /// Some when the margin requires rejected ballots to be verified again.
    pub reverification: Option<Reverification>,
}

/// Every condition of declaring the result, holding or not, in the order
/// the counting page lists them.
pub fn declaration(e: &EndOfCount) -> Vec<Check> {
    let r = e.result;
    let mut out = vec![if r.is_final {
        check(
            Condition::RoundsPublished,
            true,
            format!("all {} rounds are published", r.rounds),
            format!("सभी {} चक्र प्रकाशित हैं", r.rounds),
        )
    } else {
        check(
            Condition::RoundsPublished,
            false,
            format!(
                "{} of {} rounds are published",
                r.rounds_published, r.rounds
            ),
            format!("{} में से {} चक्र प्रकाशित हैं", r.rounds, r.rounds_published),
        )
    }];
    let broken = unmet(e.postal);
    out.push(match (e.validated, broken.first()) {
        (true, None) => check(
            Condition::PostalValidated,
            true,
            "the RO validated the postal entry".into(),
            "रिटर्निंग अधिकारी ने डाक प्रविष्टि का सत्यापन कर दिया है".into(),
        ),
        (false, None) => check(
            Condition::PostalValidated,
            false,
            "the postal entry waits for the RO's validation".into(),
            "डाक प्रविष्टि रिटर्निंग अधिकारी के सत्यापन की प्रतीक्षा में है".into(),
        ),
        (_, Some(first)) => check(
            Condition::PostalValidated,
            false,
            format!("the postal entry cannot be validated: {}", first.message),
            format!(
                "डाक प्रविष्टि का सत्यापन अभी नहीं हो सकता: {}",
                first.message_hi
            ),
        ),
    });
    let required = VVPAT_DRAW.min(e.stations_counted);
    out.push(if required > 0 && e.vvpat.len() >= required {
        check(
            Condition::VvpatDrawn,
            true,
            format!(
                "polling stations {} are drawn for VVPAT verification",
                stations(e.vvpat.iter())
            ),
            format!(
                "वीवीपैट सत्यापन के लिए मतदान केंद्र {} चुने गए हैं",
                stations(e.vvpat.iter())
            ),
        )
    } else {
        check(
            Condition::VvpatDrawn,
            false,
            format!(
                "{} polling stations are to be drawn by lot for VVPAT verification; {} recorded",
                required.max(1),
                e.vvpat.len()
            ),
            format!(
                "वीवीपैट सत्यापन के लिए {} मतदान केंद्र लॉटरी से चुने जाने हैं; {} दर्ज हैं",
                required.max(1),
                e.vvpat.len()
            ),
        )
    });
    let uncounted: Vec<&VvpatStation> = e.vvpat.iter().filter(|s| s.slips.is_none()).collect();
    out.push(if e.vvpat.is_empty() {
        check(
            Condition::VvpatCounted,
            false,
            "no VVPAT slips are counted yet".into(),
            "अभी कोई वीवीपैट पर्ची नहीं गिनी गई".into(),
        )
    } else if uncounted.is_empty() {
        check(
            Condition::VvpatCounted,
            true,
            "the slips of every drawn station are counted".into(),
            "चुने गए हर केंद्र की पर्चियाँ गिनी जा चुकी हैं".into(),
        )
    } else {
        check(
            Condition::VvpatCounted,
            false,
            format!(
                "the slips of polling stations {} are not counted yet",
                stations(uncounted.iter().copied())
            ),
            format!(
                "मतदान केंद्र {} की पर्चियाँ अभी नहीं गिनी गईं",
                stations(uncounted.into_iter())
            ),
        )
    });
    out.push(if e.vvpat_open == 0 {
        check(
            Condition::VvpatSettled,
            true,
            "no difference between slips and EVM waits for the RO".into(),
            "पर्चियों और ईवीएम का कोई अंतर रिटर्निंग अधिकारी के निर्णय की प्रतीक्षा में नहीं है".into(),
        )
    } else {
        check(
            Condition::VvpatSettled,
            false,
            format!(
                "{} differences between VVPAT slips and EVM figures wait for the RO's decision (the slips prevail)",
                e.vvpat_open
            ),
            format!(
                "वीवीपैट पर्चियों और ईवीएम आँकड़ों के {} अंतर रिटर्निंग अधिकारी के निर्णय की प्रतीक्षा में हैं (पर्चियाँ मान्य होती हैं)",
                e.vvpat_open
            ),
        )
    });
    out.push(match e.reverification {
        None => check(
            Condition::Reverified,
            true,
            "the margin is not smaller than the rejected postal ballots: no re-verification is needed"
                .into(),
            "जीत का अंतर अस्वीकृत डाक मतपत्रों से कम नहीं है: पुनः सत्यापन आवश्यक नहीं".into(),
        ),
        Some(v) if v.done >= v.rejected => check(
            Condition::Reverified,
            true,
            format!(
                "the {} rejected postal ballots are verified again",
                v.rejected
            ),
            format!(
                "{} अस्वीकृत डाक मतपत्रों का पुनः सत्यापन हो चुका है",
                v.rejected
            ),
        ),
        Some(v) => check(
            Condition::Reverified,
            false,
            format!(
                "the margin of {} is smaller than the rejected postal ballots: {} of {} are verified again",
                r.margin, v.done, v.rejected
            ),
            format!(
                "जीत का अंतर {} अस्वीकृत डाक मतपत्रों से कम है: {} में से {} का पुनः सत्यापन हुआ है",
                r.margin, v.rejected, v.done
            ),
        ),
    });
    out.push(if r.tie {
        check(
            Condition::NoTie,
            false,
            "the top two candidates are tied: the result is decided by lot (Section 65)".into(),
            "शीर्ष दो अभ्यर्थी बराबरी पर हैं: परिणाम लॉटरी से तय होगा (धारा 65)".into(),
        )
    } else {
        check(
            Condition::NoTie,
            true,
            "the top two candidates are not tied".into(),
            "शीर्ष दो अभ्यर्थी बराबरी पर नहीं हैं".into(),
        )
    });
    out
}

fn stations<'a>(s: impl Iterator<Item = &'a VvpatStation>) -> String {
    s.map(|s| s.ps_no.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(id: &str) -> RegisterBallot {
        RegisterBallot {
            ballot_id: id.into(),
            postal_ballot_serial_no: "1".into(),
            part_no: 1,
            elector_serial_no: 1,
        }
    }

    fn ballot(id: &str, outcome: Outcome) -> Ballot {
        Ballot {
            ballot_id: id.into(),
            outcome,
            reasons: vec![],
            has_13a: true,
            has_13b: true,
            has_13c: true,
            count_serial: None,
        }
    }

    fn holds(checks: &[Check]) -> Vec<(Condition, bool)> {
        checks.iter().map(|c| (c.condition, c.holds)).collect()
    }

    #[test]
    fn the_postal_entry_waits_for_scans_reviews_and_a_tally_that_reconciles() {
        use Condition::*;
        let register = [reg("A"), reg("B"), reg("C")];
        let tally = Postal {
            votes: vec![1, 0],
            rejected_papers: 1,
            rejected_covers: 1,
        };
        // C not scanned, B waiting for review, no tally.
        let ballots = [
            ballot("A", Outcome::Accepted),
            ballot("B", Outcome::NeedsReview),
        ];
        let c = postal(&register, &ballots, None);
        assert_eq!(
            holds(&c),
            [
                (PostalEntered, false),
                (BallotsUploaded, false),
                (BallotsSettled, false),
                (PostalReconciles, false)
            ]
        );
        assert!(c[1].message.contains(": C"), "{}", c[1].message);
        assert!(c[2].message.contains(": B"), "{}", c[2].message);
        // The same facts in Hindi.
        assert!(
            c[1].message_hi.contains("3 में से 1") && c[1].message_hi.ends_with(": C"),
            "{}",
            c[1].message_hi
        );
        assert!(c[2].message_hi.ends_with(": B"), "{}", c[2].message_hi);
        // All settled: two accepted, one rejected; 1 vote + 1 rejected paper.
        let ballots = [
            ballot("A", Outcome::Accepted),
            ballot("B", Outcome::Accepted),
            ballot("C", Outcome::Rejected),
        ];
        let c = postal(&register, &ballots, Some(&tally));
        assert!(unmet(&c).is_empty(), "{c:?}");
        // One vote too many typed: the reconciliation says by how much.
        let more = Postal {
            votes: vec![2, 0],
            ..tally
        };
        let c = unmet(&postal(&register, &ballots, Some(&more)));
        assert_eq!(holds(&c), [(PostalReconciles, false)]);
        assert!(c[0].message.contains("add up to 3"), "{}", c[0].message);
        assert!(c[0].message_hi.contains("मिलकर 3"), "{}", c[0].message_hi);
    }

    #[test]
    fn some_names_ten_and_counts_the_rest() {
        let ids: Vec<String> = (1..=12).map(|i| format!("B{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let s = some(&ids, false);
        assert!(
            s.starts_with("B1, B2") && s.ends_with("B10 and 2 more"),
            "{s}"
        );
        assert!(some(&ids, true).ends_with("B10 और 2 अन्य"));
    }
}
