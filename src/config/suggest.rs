//! "Did you mean …?": the known name nearest to a misspelt one.

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely
/// typo: at most one edit for short words, at most a third of the word's length otherwise.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (distance(&word, &c.to_ascii_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: Levenshtein plus transposition of two adjacent
/// characters, the commonest typo (`intreval`).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: distance between a[..i] and b[..j]; three rows are enough.
    let mut before = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_transpositions() {
        assert_eq!(distance("interval", "interval"), 0);
        assert_eq!(distance("intreval", "interval"), 1);
        assert_eq!(distance("intervl", "interval"), 1);
        assert_eq!(distance("timeout", "timeouts"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn nearest_suggests_only_likely_typos() {
        let keys = ["enabled", "interval", "timeout", "jitter"];
        assert_eq!(nearest("intreval", keys), Some("interval"));
        assert_eq!(nearest("Timeout", keys), Some("timeout"));
        assert_eq!(nearest("colour", keys), None);
        assert_eq!(nearest("mobil", ["datacenter", "mobile"]), Some("mobile"));
    }
}
