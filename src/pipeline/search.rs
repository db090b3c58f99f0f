//! Choosing among the values unsure figures may be, likeliest first, for a
//! check that proves a choice (a column's printed total, the QR digest).
//! Pure functions: the reader's choices in, orderings out.

/// How far from the likeliest choice a search goes: the sum of the choices'
/// places in their lists (0 is each one's first).
pub const MAX_RANK: usize = 3;
/// What working a figure out from its column's total costs, in ranks.
const DERIVED_RANK: usize = 2;
/// At most this many ways are kept for one column.
const MAX_WAYS: usize = 8;

/// Every way to pick one entry from each list whose places add up to
/// exactly `rank`, in a fixed order; calls `f` with the places.
pub fn with_rank(lens: &[usize], rank: usize, f: &mut impl FnMut(&[usize])) {
    fn go(
        lens: &[usize],
        left: usize,
        at: usize,
        picked: &mut Vec<usize>,
        f: &mut impl FnMut(&[usize]),
    ) {
        if at == lens.len() {
            if left == 0 {
                f(picked);
            }
            return;
        }
        for i in 0..lens[at].min(left + 1) {
            picked.push(i);
            go(lens, left - i, at + 1, picked, f);
            picked.pop();
        }
    }
    if lens.contains(&0) {
        return;
    }
    go(lens, rank, 0, &mut Vec::with_capacity(lens.len()), f);
}

/// One way a column's figures add up to its total.
#[derive(Debug, Clone, PartialEq)]
pub struct Way {
    pub figures: Vec<u64>,
    pub total: u64,
    /// Whether a figure (or the total) was worked out rather than read.
    pub derived: bool,
}

/// What one printed figure may be, likeliest first; a sure figure has its
/// one value.
#[derive(Debug, Clone, PartialEq)]
pub struct Choices {
    pub values: Vec<u64>,
    pub sure: bool,
}

impl Choices {
    pub fn sure(v: u64) -> Choices {
        Choices {
            values: vec![v],
            sure: true,
        }
    }

    pub fn unsure(values: Vec<u64>) -> Choices {
        Choices {
            values,
            sure: false,
        }
    }
}

/// The ways a column's figures add up to its total, likeliest first, up to
/// MAX_RANK and MAX_WAYS. An unsure figure may also be worked out from the
/// total and the others (at DERIVED_RANK), as an unsure total may from the
/// figures: one such per way.
pub fn ways_to_add_up(figures: &[Choices], total: &Choices) -> Vec<Way> {
    let mut out: Vec<Way> = Vec::new();
    let keep = |w: Way, out: &mut Vec<Way>| {
        if out.len() < MAX_WAYS && !out.contains(&w) {
            out.push(w);
        }
    };
    let lens: Vec<usize> = figures.iter().map(|f| f.values.len()).collect();
    let chosen = |picked: &[usize]| -> Vec<u64> {
        picked
            .iter()
            .zip(figures)
            .map(|(&i, f)| f.values.get(i).copied().unwrap_or(0))
            .collect()
    };
    for rank in 0..=MAX_RANK {
        // Every figure and the total chosen.
        for (ti, &t) in total.values.iter().enumerate().take(rank + 1) {
            with_rank(&lens, rank - ti, &mut |picked| {
                let figures = chosen(picked);
                if figures.iter().sum::<u64>() == t {
                    keep(
                        Way {
                            figures,
                            total: t,
                            derived: false,
                        },
                        &mut out,
                    );
                }
            });
        }
        let Some(rest) = rank.checked_sub(DERIVED_RANK) else {
            continue;
        };
        // An unsure total worked out from the figures.
        if !total.sure {
            with_rank(&lens, rest, &mut |picked| {
                let figures = chosen(picked);
                let total = figures.iter().sum();
                keep(
                    Way {
                        figures,
                        total,
                        derived: true,
                    },
                    &mut out,
                );
            });
        }
        // One unsure figure worked out from the total and the others.
        for j in (0..figures.len()).filter(|&j| !figures[j].sure) {
            for (ti, &t) in total.values.iter().enumerate().take(rest + 1) {
                let mut others = lens.clone();
                others[j] = 1;
                with_rank(&others, rest - ti, &mut |picked| {
                    let mut figures = chosen(picked);
                    figures[j] = 0;
                    if let Some(v) = t.checked_sub(figures.iter().sum()) {
                        figures[j] = v;
                        keep(
                            Way {
                                figures,
                                total: t,
                                derived: true,
                            },
                            &mut out,
                        );
                    }
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_enumerated_exactly_once_each() {
        let mut seen = Vec::new();
        with_rank(&[2, 3, 1], 2, &mut |p| seen.push(p.to_vec()));
        assert_eq!(seen, vec![vec![0, 2, 0], vec![1, 1, 0]]);
        let mut none = 0;
        with_rank(&[2, 0], 0, &mut |_| none += 1);
        assert_eq!(none, 0);
    }

    #[test]
    fn a_column_adds_up_with_the_likeliest_choices_first() {
        // 12 + 30 + 7 = 49: the first choices already add up.
        let (sure, unsure) = (Choices::sure, Choices::unsure);
        let ways = ways_to_add_up(
            &[sure(12), unsure(vec![30, 80]), unsure(vec![7, 1])],
            &sure(49),
        );
        assert_eq!(ways[0].figures, vec![12, 30, 7]);
        // A misread 3 → 8 in the second figure: its runner-up adds up.
        let ways = ways_to_add_up(
            &[sure(12), unsure(vec![80, 30]), unsure(vec![7, 1])],
            &sure(49),
        );
        assert_eq!(ways[0].figures, vec![12, 30, 7]);
        assert!(!ways[0].derived);
        // No choice of the last figure fits: worked out from the total.
        let ways = ways_to_add_up(&[sure(12), sure(30), unsure(vec![1, 4])], &sure(49));
        assert_eq!(
            ways[0],
            Way {
                figures: vec![12, 30, 7],
                total: 49,
                derived: true,
            }
        );
        assert!(
            ways.iter()
                .all(|w| w.total == 49 && w.figures[..2] == [12, 30])
        );
        // An unsure total, the figures sure: the total is their sum.
        let ways = ways_to_add_up(&[sure(12), sure(30)], &unsure(vec![48, 43]));
        assert_eq!(
            ways,
            vec![Way {
                figures: vec![12, 30],
                total: 42,
                derived: true,
            }]
        );
    }

    #[test]
    fn nothing_is_made_up_past_the_rank_searched() {
        // Two figures both wrong, with no right choice among theirs: only
        // ways that work one out from the total are offered, never more.
        let ways = ways_to_add_up(
            &[Choices::unsure(vec![1]), Choices::unsure(vec![2])],
            &Choices::sure(49),
        );
        assert_eq!(ways.len(), 2);
        assert!(
            ways.iter()
                .all(|w| w.figures == vec![1, 48] || w.figures == vec![47, 2])
        );
        // Sure figures are never worked out, whatever the total says.
        assert!(
            ways_to_add_up(&[Choices::sure(1), Choices::sure(2)], &Choices::sure(49)).is_empty()
        );
    }
}
