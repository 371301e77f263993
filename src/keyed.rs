//! Collections of what lives as long as a connection, which give memory back after a peak:
//! [`Keyed`] (the server's shutdown waiters, a supervisor's live drivers) and
//! [`shrink_if_mostly_empty`] (the hub's map). A `Slab` would keep its largest size for good,
//! as its keys are indices into it: a peak of 100,000 connections would hold each table's
//! 1.6 MB until the process ends.

use std::collections::HashMap;
use std::hash::Hash;

/// Values under keys it hands out, never reused; under a quarter full, it shrinks.
pub(crate) struct Keyed<V> {
    next: u64,
    entries: HashMap<u64, V>,
}

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed {
            next: 0,
            entries: HashMap::new(),
        }
    }
}

impl<V> Keyed<V> {
    /// Holds `value`; the key to reach it by.
    pub(crate) fn insert(&mut self, value: V) -> u64 {
        let key = self.next;
        self.next += 1;
        self.entries.insert(key, value);
        key
    }

    pub(crate) fn get_mut(&mut self, key: u64) -> Option<&mut V> {
        self.entries.get_mut(&key)
    }

    /// Takes the value under `key` out, if it is there, and gives memory back once mostly
    /// empty.
    pub(crate) fn remove(&mut self, key: u64) -> Option<V> {
        let value = self.entries.remove(&key)?;
        shrink_if_mostly_empty(&mut self.entries);
        Some(value)
    }

    /// Takes every value out, and the table's memory with them.
    pub(crate) fn take_all(&mut self) -> Vec<V> {
        std::mem::take(&mut self.entries).into_values().collect()
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.entries.capacity()
    }
}

/// The capacity a map keeps however empty: below it, shrinking saves less than it costs.
const KEPT: usize = 64;

/// Gives memory back once the map is under a quarter full, shrinking it to about twice its
/// length (a peak of 100,000 connections would otherwise keep its table of several MB for
/// good); whether it did. After a shrink the map is at most half full: it grows again only
/// once its length has about doubled, and shrinks again only once it has at least halved, so
/// a connection that comes and goes at the same length does not reallocate each time.
pub(crate) fn shrink_if_mostly_empty<K: Eq + Hash, V>(map: &mut HashMap<K, V>) -> bool {
    // `capacity` is what the map can take before it must grow or rehash: a removal may
    // lower it by one (a tombstone), never raise it.
    let capacity = map.capacity();
    let shrink = capacity > 2 * KEPT && map.len() < capacity / 4;
    if shrink {
        map.shrink_to((2 * map.len()).max(KEPT));
    }
    shrink
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills a map to `peak`, then empties it one entry at a time, one more entry coming and
    /// going three times at each length; how many shrinks it made.
    fn drain_from(peak: u64) -> u32 {
        let mut map: HashMap<u64, ()> = (0..peak).map(|k| (k, ())).collect();
        let mut shrinks = 0;
        for k in (0..peak).rev() {
            map.remove(&k);
            shrinks += u32::from(shrink_if_mostly_empty(&mut map));
            for cycle in 0..3 {
                map.insert(u64::MAX, ());
                map.remove(&u64::MAX);
                // A rehash in place may undo the tombstones a first cycle met: one shrink
                // then, never more at the same length.
                let shrunk = shrink_if_mostly_empty(&mut map);
                assert!(!shrunk || cycle == 0, "churn at length {k} of {peak}");
                shrinks += u32::from(shrunk);
            }
        }
        assert!(map.capacity() <= 2 * KEPT, "{peak}: {}", map.capacity());
        shrinks
    }

    #[test]
    fn a_map_gives_memory_back_after_a_peak_in_a_few_steps() {
        assert_eq!(drain_from(100), 0, "a small map is left as it is");
        for peak in [1000u64, 5000, 100_000] {
            let shrinks = drain_from(peak);
            // About one per halving of the length, not one per removal.
            let halvings = (peak as f64 / KEPT as f64).log2().ceil() as u32;
            assert!(
                (1..=2 * halvings).contains(&shrinks),
                "{peak}: {shrinks} shrinks"
            );
        }
    }

    #[test]
    fn keyed_gives_memory_back_whichever_values_outlive_the_peak() {
        let mut keyed = Keyed::default();
        let keys: Vec<u64> = (0..10_000).map(|v| keyed.insert(v)).collect();
        // The ones that stay are spread over the whole peak, as long-lived connections are.
        for (i, key) in keys.iter().enumerate() {
            if i % 1000 != 0 {
                assert_eq!(keyed.remove(*key), Some(i));
            }
        }
        assert_eq!(keyed.len(), 10);
        assert!(keyed.capacity() <= 2 * KEPT, "{}", keyed.capacity());
        // Keys are not reused: a removed key finds nothing, even after new insertions.
        let new = keyed.insert(7);
        assert!(!keys.contains(&new));
        assert_eq!(keyed.remove(keys[1]), None);
        *keyed.get_mut(new).unwrap() = 8;
        let mut all = keyed.take_all();
        all.sort_unstable();
        assert_eq!(all.len(), 11);
        assert_eq!(all.last(), Some(&9000));
        assert_eq!(keyed.capacity(), 0);
    }
}
