//! The open-file limit against `server.max_connections`: past the limit, accept fails with
//! EMFILE and clients wait in the backlog with no answer, where the connection limit promises
//! them a 503. Said once, when the server starts.

use tracing::warn;

use super::accept::MAX_REFUSING;

/// Descriptors a server needs besides its connections and refusals: the listener, the
/// runtime's epoll and wakers, log files.
const SPARE: u64 = 64;
/// A worker runtime's own descriptors: its epoll, its waker's eventfd, a signal pipe.
const PER_WORKER: u64 = 4;

/// Warns if the process's soft `RLIMIT_NOFILE` cannot hold `max_connections` sockets, the
/// refusals answered over the limit, and the runtimes' own descriptors.
pub(super) fn warn_if_short(max_connections: usize, workers: usize) {
    let Some(limit) = soft_limit() else { return };
    let extra = (MAX_REFUSING as u64)
        .saturating_add(SPARE)
        .saturating_add(PER_WORKER.saturating_mul(workers as u64));
    let needed = (max_connections as u64).saturating_add(extra);
    if limit < needed {
        warn!(
            open_files = limit,
            max_connections,
            "the open-file limit ({limit}) is below server.max_connections ({max_connections}) \
             plus {extra} (the refusals answered over the limit, the server's own, its \
             {workers} worker threads'): connections past about {} fail to be accepted \
             (EMFILE) instead of getting 503; raise the limit (ulimit -n, systemd \
             LimitNOFILE) or lower server.max_connections",
            limit.saturating_sub(extra)
        );
    }
}

#[cfg(unix)]
fn soft_limit() -> Option<u64> {
    let (soft, _hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).ok()?;
    (soft != rlimit::INFINITY).then_some(soft)
}

#[cfg(not(unix))]
fn soft_limit() -> Option<u64> {
    None
}
