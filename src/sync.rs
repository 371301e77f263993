//! Locks that a panic elsewhere does not poison.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex` whatever a panic while it was held left behind. Only for data that stays
/// consistent however a critical section ends: every lock in the crate is held for a few
/// field or collection updates, none of which a panic can leave half done, and a panic is
/// contained (a check's, an observer's, a hook's) rather than allowed to wedge the connection.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
