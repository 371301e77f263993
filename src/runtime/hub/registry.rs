//! The hub's map of live connections, with their counts per status kept as they change, and
//! memory given back after a peak.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::SocketAddr;

use super::{Side, StatusCounts};
use crate::supervisor::WeakSender;
use crate::Status;

pub(super) struct Entry {
    pub(super) sender: WeakSender,
    pub(super) peer: Option<SocketAddr>,
    pub(super) side: Side,
    pub(super) status: Status,
}

/// Live connections by id, and how many are at each status: updated on an open, a status
/// change and a close, so that counting is no walk over every entry.
#[derive(Default)]
pub(super) struct Registry {
    entries: HashMap<u64, Entry>,
    counts: StatusCounts,
}

impl Registry {
    pub(super) fn insert(&mut self, id: u64, entry: Entry) {
        self.counts.add(entry.status);
        // Ids are unique: nothing is replaced, but the counts must stay right if one were.
        if let Some(old) = self.entries.insert(id, entry) {
            self.counts.sub(old.status);
        }
    }

    /// Sets connection `id`'s status; its peer address, or `None` if it is not here.
    pub(super) fn set_status(&mut self, id: u64, status: Status) -> Option<Option<SocketAddr>> {
        let entry = self.entries.get_mut(&id)?;
        self.counts.sub(entry.status);
        self.counts.add(status);
        entry.status = status;
        Some(entry.peer)
    }

    pub(super) fn remove(&mut self, id: u64) -> Option<Entry> {
        let entry = self.entries.remove(&id)?;
        self.counts.sub(entry.status);
        shrink_if_mostly_empty(&mut self.entries);
        Some(entry)
    }

    pub(super) fn get(&self, id: u64) -> Option<&Entry> {
        self.entries.get(&id)
    }

    pub(super) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn counts(&self) -> StatusCounts {
        self.counts
    }

    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
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
fn shrink_if_mostly_empty<K: Eq + Hash, V>(map: &mut HashMap<K, V>) -> bool {
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
}
