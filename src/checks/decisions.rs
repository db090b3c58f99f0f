//! Which decisions fit a finding, and who may take them
//! (`docs/design.md`, "Review"). A pure function of the finding: the review
//! queue, the API and the page ask it, the outcome of a ballot follows it.
//!
//! - a figure or text that disagrees or could not be read: scan correct,
//!   entry correct, or rescan;
//! - an ink box (signature, attestation): signed or not signed. On a postal
//!   declaration "signed" reverses a Rule 54A rejection, which only the RO
//!   may do: an operator's "signed" is kept as a recommendation to the RO;
//! - a duplicate cover, a ballot not in the register, serial numbers that
//!   differ: the RO accepts or rejects, with a note saying why;
//! - a missing 13A/13B, a stale sheet, a page surely of another AC (a place
//!   read at low confidence is a figure like any other): no decision, it
//!   settles when the right document arrives (on a postal ballot the RO may
//!   still reject the cover, with a note);
//! - the AC-wide rules (reconciliation, margin): no decision, they settle
//!   when the entries or the result change;
//! - a VVPAT difference: the slips prevail (the result counts them); the RO
//!   accepts that, with a note, before the result is declared.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Decision, Kind};

/// The ink boxes the checks look at, with the finding each one's absence
/// makes.
pub const INK: &[(&str, Kind)] = &[
    ("elector_signed", Kind::Unsigned),
    ("attested", Kind::Unattested),
    ("ro_signed", Kind::Unsigned),
];

/// Fields that place a page (its AC, round, revision, certificate): a
/// disagreement there means the page is another document, not a misread
/// figure.
const PLACING: &[&str] = &["ac_no", "ac_name", "round", "revision", "certificate_id"];

/// How a finding can be settled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Choices {
    /// The decisions that fit, in the order the page offers them; empty
    /// when the finding settles by itself.
    pub decisions: Vec<Decision>,
    /// Only the RO of the AC may decide.
    pub ro_decides: bool,
    /// Decisions someone other than the RO may only recommend: the finding
    /// stays open, with the recommendation, until the RO decides.
    pub recommend_only: Vec<Decision>,
    /// A decision needs a note saying why.
    pub note_required: bool,
}

impl Choices {
    fn of(decisions: &[Decision]) -> Choices {
        Choices {
            decisions: decisions.to_vec(),
            ro_decides: false,
            recommend_only: vec![],
            note_required: false,
        }
    }

    fn ro(decisions: &[Decision]) -> Choices {
        Choices {
            ro_decides: true,
            note_required: true,
            ..Choices::of(decisions)
        }
    }
}

/// The ink box a field names, if it is one.
pub fn ink_box(field: Option<&str>) -> bool {
    field.is_some_and(|f| INK.iter().any(|(name, _)| *name == f))
}

/// The decisions that fit a finding of `kind` on `field`, on a postal
/// ballot's page or not.
pub fn choices(kind: Kind, field: Option<&str>, ballot: bool) -> Choices {
    use Decision::*;
    let placing = field.is_some_and(|f| PLACING.contains(&f));
    match kind {
        Kind::Unsigned | Kind::Unattested if ballot => Choices {
            recommend_only: vec![Signed],
            ..Choices::of(&[Signed, NotSigned])
        },
        Kind::Unsigned | Kind::Unattested => Choices::of(&[Signed, NotSigned]),
        Kind::Unreadable if ink_box(field) => Choices {
            recommend_only: if ballot { vec![Signed] } else { vec![] },
            ..Choices::of(&[Signed, NotSigned, Rescan])
        },
        // A page whose form or ballot id could not be read: only a new
        // scan helps.
        Kind::Unreadable if field.is_none() || field == Some("ballot_id") => Choices::of(&[Rescan]),
        Kind::Mismatch if placing && ballot => Choices::ro(&[Reject]),
        Kind::Mismatch if placing => Choices::of(&[]),
        Kind::Mismatch | Kind::Unreadable => Choices::of(&[ScanCorrect, EntryCorrect, Rescan]),
        Kind::Duplicate | Kind::NotInRegister | Kind::SerialMismatch | Kind::QrMismatch => {
            Choices::ro(&[Accept, Reject])
        }
        Kind::MissingPair => Choices::ro(&[Reject]),
        // The slips prevail; the RO records that with a note.
        Kind::VvpatMismatch => Choices::ro(&[Accept]),
        Kind::Stale | Kind::Reconciliation | Kind::MarginBelowRejected => Choices::of(&[]),
    }
}

/// How a finding with no decision settles, in a sentence.
pub fn settles_by_itself(kind: Kind) -> &'static str {
    match kind {
        Kind::MissingPair => "it settles when the other form of the ballot is uploaded",
        Kind::Stale => "it settles when the signed sheet of the current revision is uploaded",
        Kind::Reconciliation => "it settles when the postal tally or the ballots agree",
        Kind::MarginBelowRejected => {
            "it settles when every rejected postal ballot has been verified again"
        }
        _ => "it settles when the right document is uploaded to this AC",
    }
}

/// What a decision does to a finding once taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The finding no longer counts (a misread, a signature found, a cover
    /// the RO accepts).
    Clears,
    /// What the finding says stands (a breach of Rule 54A, a rejected
    /// cover, an entry to edit).
    Stands,
    /// Still to be settled: a new scan is asked for.
    Waits,
}

impl Decision {
    /// What this decision does to the finding it settles.
    pub fn effect(self) -> Effect {
        match self {
            Decision::EntryCorrect | Decision::Signed | Decision::Accept => Effect::Clears,
            Decision::ScanCorrect | Decision::NotSigned | Decision::Reject => Effect::Stands,
            Decision::Rescan => Effect::Waits,
        }
    }

    /// Whether the finding no longer counts after this decision.
    pub fn clears(self) -> bool {
        self.effect() == Effect::Clears
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsigned_declaration_is_signed_or_not_and_only_the_ro_reverses_it() {
        let c = choices(Kind::Unsigned, Some("elector_signed"), true);
        assert_eq!(c.decisions, [Decision::Signed, Decision::NotSigned]);
        assert_eq!(c.recommend_only, [Decision::Signed]);
        assert!(!c.decisions.contains(&Decision::EntryCorrect));
        // An unsigned round sheet is not a Rule 54A ground: anyone decides.
        let sheet = choices(Kind::Unsigned, Some("ro_signed"), false);
        assert!(sheet.recommend_only.is_empty());
    }

    #[test]
    fn the_ro_decides_register_questions_with_a_note() {
        for kind in [Kind::Duplicate, Kind::NotInRegister, Kind::SerialMismatch] {
            let c = choices(kind, Some("ballot_id"), true);
            assert_eq!(c.decisions, [Decision::Accept, Decision::Reject], "{kind}");
            assert!(c.ro_decides && c.note_required, "{kind}");
        }
    }

    #[test]
    fn missing_stale_and_wrong_ac_settle_by_themselves() {
        assert!(
            choices(Kind::Stale, Some("revision"), false)
                .decisions
                .is_empty()
        );
        assert!(
            choices(Kind::Mismatch, Some("ac_no"), false)
                .decisions
                .is_empty()
        );
        assert!(
            choices(Kind::Reconciliation, None, false)
                .decisions
                .is_empty()
        );
        // On a postal ballot the RO may still reject the cover.
        assert_eq!(
            choices(Kind::MissingPair, Some("form-13b"), true).decisions,
            [Decision::Reject]
        );
        assert_eq!(
            choices(Kind::Mismatch, Some("ac_no"), true).decisions,
            [Decision::Reject]
        );
    }

    #[test]
    fn figures_keep_the_three_decisions() {
        for kind in [Kind::Mismatch, Kind::Unreadable] {
            let c = choices(kind, Some("votes[2][1]"), false);
            assert_eq!(
                c.decisions,
                [
                    Decision::ScanCorrect,
                    Decision::EntryCorrect,
                    Decision::Rescan
                ]
            );
            assert!(!c.ro_decides);
        }
        assert_eq!(
            choices(Kind::Unreadable, None, false).decisions,
            [Decision::Rescan]
        );
    }
}
