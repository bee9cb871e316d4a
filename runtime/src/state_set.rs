//! The configuration: a set of state indices, one bit each, for charts
//! with parallel states; for the others, the chain from the root down to
//! the innermost active state (`Core::innermost`), walked by [`Members`].
//!
//! The first 64 states' bits live inline, so a chart of up to 64 states
//! (nearly every chart) keeps its configuration without a heap block, and
//! the generated code's `enter_state(3)` is one `or` on a field.

use crate::chart::{StateInfo, NO_STATE};

/// A set of state indices.
#[derive(Clone, Debug, Default)]
pub(crate) struct StateSet {
    first: u64,
    /// Words for states 64 and up; empty for charts of up to 64 states.
    rest: Box<[u64]>,
}

impl StateSet {
    /// An empty set with room for states `0..states`.
    pub(crate) fn with_states(states: usize) -> Self {
        StateSet { first: 0, rest: vec![0; states.div_ceil(64).saturating_sub(1)].into_boxed_slice() }
    }

    /// The number of 64-bit words.
    pub(crate) fn words(&self) -> usize {
        1 + self.rest.len()
    }

    /// Word `w`: the bits of states `64 * w .. 64 * w + 64`; zero past the end.
    #[inline(always)]
    pub(crate) fn word(&self, w: usize) -> u64 {
        if w == 0 {
            self.first
        } else {
            self.rest.get(w - 1).copied().unwrap_or(0)
        }
    }

    #[inline(always)]
    pub(crate) fn contains(&self, state: u16) -> bool {
        let i = usize::from(state);
        self.word(i / 64) & (1 << (i % 64)) != 0
    }

    /// Adds or removes `state`; an index past the set's room is ignored.
    #[inline(always)]
    pub(crate) fn set(&mut self, state: u16, on: bool) {
        let i = usize::from(state);
        let word = if i < 64 {
            &mut self.first
        } else {
            match self.rest.get_mut(i / 64 - 1) {
                Some(word) => word,
                None => return,
            }
        };
        if on {
            *word |= 1 << (i % 64);
        } else {
            *word &= !(1 << (i % 64));
        }
    }

    /// The members in `lo..=hi`, in increasing order.
    pub(crate) fn iter_in(&self, lo: u16, hi: u16) -> Members<'_> {
        let lo = usize::from(lo);
        let word = lo / 64;
        let bits = self.word(word) & (!0u64 << (lo % 64));
        Members(Walk::Bits { set: self, word, bits, hi: usize::from(hi) })
    }
}

/// Iterates the active states of a configuration in document order.
pub struct Members<'a>(Walk<'a>);

enum Walk<'a> {
    /// A bit set, a word at a time.
    Bits { set: &'a StateSet, word: usize, bits: u64, hi: usize },
    /// A chain, from below the root down to `innermost`: each next state
    /// is the child whose descendants hold `innermost`.
    Chain { states: &'static [StateInfo], next: u16, innermost: u16, lo: u16, hi: u16 },
}

impl Members<'_> {
    /// The states of the chain from below the root down to `innermost`
    /// (the root: none) with indices in `lo..=hi`, in document order.
    pub(crate) fn chain(states: &'static [StateInfo], innermost: u16, lo: u16, hi: u16) -> Self {
        // The walk starts at the root, which is never active.
        let next = if innermost == 0 { NO_STATE } else { 0 };
        Members(Walk::Chain { states, next, innermost, lo: lo.max(1), hi })
    }
}

impl Iterator for Members<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        match &mut self.0 {
            Walk::Bits { set, word, bits, hi } => loop {
                if *bits != 0 {
                    let i = *word * 64 + bits.trailing_zeros() as usize;
                    *bits &= *bits - 1;
                    return (i <= *hi).then_some(i as u16);
                }
                *word += 1;
                if *word >= set.words() || *word * 64 > *hi {
                    return None;
                }
                *bits = set.word(*word);
            },
            Walk::Chain { states, next, innermost, lo, hi } => loop {
                let s = *next;
                if s == NO_STATE || s > *hi {
                    return None;
                }
                *next = match states.get(usize::from(s)) {
                    // Children in document order partition their parent's
                    // descendants: the last one at or before `innermost`
                    // holds it.
                    Some(st) if s != *innermost => {
                        let i = st.children.partition_point(|&c| c <= *innermost);
                        i.checked_sub(1).and_then(|i| st.children.get(i)).copied().unwrap_or(NO_STATE)
                    }
                    _ => NO_STATE,
                };
                if s >= *lo {
                    return Some(s);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Members, StateSet};
    use crate::chart::{StateInfo, StateKind};

    /// `<scxml>` with `p` (children `p1`, `p2`) and `q` (child `q1`).
    const fn state(kind: StateKind, parent: u16, last_descendant: u16, children: &'static [u16]) -> StateInfo {
        StateInfo {
            id: "",
            kind,
            parent,
            last_descendant,
            children,
            history: &[],
            initial: &[],
            initial_exec: None,
            onentry: &[],
            onexit: &[],
            transitions: &[],
            has_donedata: false,
        }
    }
    static NESTED: [StateInfo; 6] = [
        state(StateKind::Root, u16::MAX, 5, &[1, 4]),
        state(StateKind::Compound, 0, 3, &[2, 3]),
        state(StateKind::Atomic, 1, 2, &[]),
        state(StateKind::Atomic, 1, 3, &[]),
        state(StateKind::Compound, 0, 5, &[5]),
        state(StateKind::Atomic, 4, 5, &[]),
    ];

    #[test]
    fn a_chain_walks_from_below_the_root_to_its_innermost_state() {
        let chain = |innermost, lo, hi| Members::chain(&NESTED, innermost, lo, hi).collect::<Vec<_>>();
        assert_eq!(chain(3, 0, u16::MAX), [1, 3]);
        assert_eq!(chain(5, 0, u16::MAX), [4, 5]);
        // Halfway through an exit: the compound state alone.
        assert_eq!(chain(1, 0, u16::MAX), [1]);
        // The root: nothing is active.
        assert!(chain(0, 0, u16::MAX).is_empty());
        assert_eq!(chain(3, 2, u16::MAX), [3]);
        assert_eq!(chain(3, 0, 2), [1]);
    }

    #[test]
    fn members_across_words_in_order() {
        let mut set = StateSet::with_states(200);
        for s in [0, 5, 63, 64, 130, 199] {
            set.set(s, true);
        }
        set.set(5, false);
        // Out of room: ignored, not a panic.
        set.set(300, true);
        assert_eq!(set.iter_in(0, u16::MAX).collect::<Vec<_>>(), [0, 63, 64, 130, 199]);
        assert_eq!(set.iter_in(1, 130).collect::<Vec<_>>(), [63, 64, 130]);
        assert!(set.contains(64) && !set.contains(5) && !set.contains(300));
        assert_eq!(set.word(2), 1 << 2);
    }

    #[test]
    fn small_charts_have_no_heap_words() {
        let mut set = StateSet::with_states(64);
        assert_eq!(set.words(), 1);
        set.set(63, true);
        assert_eq!(set.iter_in(0, u16::MAX).collect::<Vec<_>>(), [63]);
        assert_eq!(set.word(1), 0);
    }
}
