//! [`WriteProgress`]: how many bytes the byte stream under a WebSocket stream has taken.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A count of the bytes a connection's byte stream (the socket) has taken from its writer,
/// shared between the stream that counts and the supervisor that reads it.
///
/// It lets the supervisor tell a peer that drains its socket slowly from one that does not
/// drain it at all: a ping queued behind our own large message cannot leave until the
/// message has, and over a slow link that takes longer than any ping timeout. Given a
/// `WriteProgress` ([`ConnectionInfo::with_write_progress`]), the supervisor misses such a
/// ping only once the socket stops taking bytes: none between the flush's stall and the
/// ping's deadline, or between two deadlines; without one, when the ping is not out by its
/// deadline. [`LeanStream::write_progress`] gives one that the stream keeps up to date (the
/// runtime's server and client use it); a transport of your own can count with
/// [`add`](Self::add).
///
/// [`ConnectionInfo::with_write_progress`]: crate::supervisor::ConnectionInfo::with_write_progress
/// [`LeanStream::write_progress`]: crate::LeanStream::write_progress
#[derive(Debug, Clone, Default)]
pub struct WriteProgress(Arc<AtomicU64>);

impl WriteProgress {
    /// A count at zero.
    pub fn new() -> Self {
        WriteProgress::default()
    }

    /// Counts `n` more bytes taken by the byte stream.
    pub fn add(&self, n: usize) {
        self.0.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The bytes taken so far.
    pub fn bytes(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}
