//! The configuration: a set of state indices, one bit each.
//!
//! The first 64 states' bits live inline, so a chart of up to 64 states
//! (nearly every chart) keeps its configuration without a heap block, and
//! the generated code's `enter_state(3)` is one `or` on a field.

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
        Members { set: self, word, bits: self.word(word) & (!0u64 << (lo % 64)), hi: usize::from(hi) }
    }
}

/// Iterates the members of a configuration's bit set, a word at a time.
pub struct Members<'a> {
    set: &'a StateSet,
    word: usize,
    bits: u64,
    hi: usize,
}

impl Iterator for Members<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        loop {
            if self.bits != 0 {
                let i = self.word * 64 + self.bits.trailing_zeros() as usize;
                self.bits &= self.bits - 1;
                return (i <= self.hi).then_some(i as u16);
            }
            self.word += 1;
            if self.word >= self.set.words() || self.word * 64 > self.hi {
                return None;
            }
            self.bits = self.set.word(self.word);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StateSet;

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
