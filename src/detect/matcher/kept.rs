//! What the matcher keeps of a buffer's candidates, a priority at a time.

use std::collections::BTreeMap;

use super::Candidate;

/// The candidates kept so far, which never overlap, by start: one rule per stretch of text,
/// higher priority first, then the longer secret, then the leftmost.
#[derive(Debug, Default)]
pub(super) struct Kept(pub(super) BTreeMap<usize, Candidate>);

impl Kept {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn overlaps(&self, start: usize, end: usize) -> bool {
        let before = self
            .0
            .range(..=start)
            .next_back()
            .is_some_and(|(_, prev)| prev.end > start);
        let after = self
            .0
            .range(start..)
            .next()
            .is_some_and(|(_, next)| next.start < end);
        before || after
    }

    /// Keeps the candidates of one priority, lower than any kept so far: longer first, then
    /// leftmost, each unless it overlaps one kept.
    pub(super) fn add_level(&mut self, mut level: Vec<Candidate>) {
        level.sort_unstable_by(|a, b| {
            (b.end - b.start)
                .cmp(&(a.end - a.start))
                .then(a.start.cmp(&b.start))
                .then(a.rule.cmp(&b.rule))
        });
        for candidate in level {
            if !self.overlaps(candidate.start, candidate.end) {
                self.0.insert(candidate.start, candidate);
            }
        }
    }

    /// Whether every stretch of `span` outside the kept candidates is shorter than `min_len`:
    /// a secret of at least `min_len` bytes found in `span` overlaps one of them.
    pub(super) fn leaves_no_room(&self, span: std::ops::Range<usize>, min_len: usize) -> bool {
        let mut free_from = span.start;
        if let Some((_, prev)) = self.0.range(..span.start).next_back() {
            free_from = free_from.max(prev.end);
        }
        for (_, kept) in self.0.range(span.start..span.end) {
            if kept.start.saturating_sub(free_from) >= min_len {
                return false;
            }
            free_from = free_from.max(kept.end);
        }
        span.end.saturating_sub(free_from) < min_len
    }

    pub(super) fn into_candidates(self) -> Vec<Candidate> {
        self.0.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_for_a_secret_is_a_stretch_outside_the_kept_spans() {
        let mut kept = Kept::default();
        for (start, end) in [(10, 20), (25, 40)] {
            kept.0.insert(
                start,
                Candidate {
                    rule: 0,
                    start,
                    end,
                },
            );
        }
        // Stretches of 5 bytes before, between and after.
        assert!(kept.leaves_no_room(5..45, 6));
        assert!(!kept.leaves_no_room(5..45, 5));
        // Starting inside a kept span, ending inside the next.
        assert!(kept.leaves_no_room(15..30, 6));
        assert!(!kept.leaves_no_room(15..30, 5));
        // Nothing kept there at all.
        assert!(!kept.leaves_no_room(40..60, 16));
        assert!(kept.leaves_no_room(40..55, 16));
        assert!(!Kept::default().leaves_no_room(0..100, 16));
    }
}
