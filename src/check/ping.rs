//! The default ping/pong check, as free functions an override can call.

use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;

use super::{CheckContext, HealthCheck, ProbeError};
use crate::Health;

/// The default keepalive: the [`HealthCheck`] whose every method is the default.
///
/// The supervisor recognises it and runs it inline, so that a ping cycle allocates nothing.
/// A check that overrides a method runs as a boxed future instead (two small allocations
/// per run), with the same behaviour.
///
/// ```
/// use ws_health::check::PingCheck;
/// use ws_health::Supervisor;
///
/// // What `Supervisor::builder()` installs as the "ping" check unless told otherwise.
/// let supervisor = Supervisor::builder().with_ping(PingCheck).build().unwrap();
/// # drop(supervisor);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PingCheck;

impl HealthCheck for PingCheck {}

/// The default [`HealthCheck::check`]: sends a ping carrying `check.payload()`, waits for its
/// pong and returns `check.judge(rtt)`.
///
/// The round-trip time is measured on a monotonic clock from the moment the ping was flushed
/// to the socket. A pong for a later ping also answers earlier ones (RFC 6455 allows pongs to
/// be coalesced), even when the later ping's own check has stopped waiting (it was cut off:
/// the ping is kept, with no owner, while an earlier one awaits); unsolicited pongs are
/// ignored. The run's timeout is enforced by the
/// supervisor, which reports a ping left unanswered as "keepalive ping timeout".
pub async fn ping_pong<C: HealthCheck + ?Sized>(check: &C, ctx: &CheckContext) -> Health {
    match ctx.ping(check.payload()).await {
        Ok(rtt) => check.judge(rtt),
        Err(err) => unanswered(err),
    }
}

/// The health of a ping that got no pong.
pub(crate) fn unanswered(err: ProbeError) -> Health {
    match err {
        ProbeError::Invalid(err) => Health::unhealthy(format!("bad ping: {err}")),
        err => Health::unhealthy(err.to_string()),
    }
}

/// The default [`HealthCheck::payload`]: 4 bytes, a random one of the 65,536 windows of a
/// 64 KiB pool of random bytes made once per process, so that a ping allocates nothing.
///
/// Two pings thus repeat a payload with probability 1 in 65,536 (Python `websockets` draws 4
/// fresh random bytes, 1 in 2³²), and a late pong then passes for the newer ping's answer.
/// The built-in [`PingCheck`] does better: the supervisor takes its windows in turn, from a
/// random start per connection, so a connection's pings do not repeat a window within
/// 65,536 pings. A check that overrides `payload` and needs more can return its own bytes.
pub fn random_payload() -> Bytes {
    pooled_payload(rand::random())
}

/// The `index`-th 4-byte window of the pool. The pool is circular (its first 3 bytes repeat
/// after its end), so that every window, the last included, overlaps the next by 3 bytes,
/// and a wrapping `u16` counter runs through the windows without a seam.
pub(crate) fn pooled_payload(index: u16) -> Bytes {
    const WINDOWS: usize = 1 << 16;
    static POOL: OnceLock<&'static [u8]> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        let mut pool = vec![0u8; WINDOWS + 3];
        rand::fill(&mut pool[..WINDOWS]);
        pool.copy_within(..3, WINDOWS);
        Vec::leak(pool)
    });
    let at = usize::from(index);
    Bytes::from_static(&pool[at..at + 4])
}

/// The default [`HealthCheck::judge`]: any answered ping is healthy; the RTT is attached.
pub fn judge_rtt(rtt: Duration) -> Health {
    Health::healthy("pong received").with_rtt(rtt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;

    #[test]
    fn payload_is_four_random_bytes() {
        let a = random_payload();
        assert_eq!(a.len(), 4);
        // A 1 in 65,536 chance of a repeat per pair; three pairs make a false failure
        // negligible.
        let distinct = (0..3).any(|_| random_payload() != a);
        assert!(distinct);
    }

    #[test]
    fn the_last_window_overlaps_the_first_as_any_two_consecutive_ones() {
        // A wrapping u32 ticket goes from window 65,535 to window 0.
        assert_eq!(pooled_payload(u16::MAX)[1..], pooled_payload(0)[..3]);
        assert_eq!(pooled_payload(7)[1..], pooled_payload(8)[..3]);
    }

    #[test]
    fn default_judgement_is_healthy_with_rtt() {
        let h = PingCheck.judge(Duration::from_millis(7));
        assert_eq!(h.status(), Status::Healthy);
        assert_eq!(h.rtt(), Some(Duration::from_millis(7)));
    }
}
