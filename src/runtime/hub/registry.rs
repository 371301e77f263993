//! The hub's map of live connections, with their counts per status kept as they change, and
//! memory given back after a peak.

use std::collections::HashMap;
use std::net::SocketAddr;

use super::{Side, StatusCounts};
use crate::keyed::shrink_if_mostly_empty;
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
