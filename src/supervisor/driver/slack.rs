//! Timer slack: a check's deadlines are met at the next multiple of its `slack`, counted from
//! one instant shared by the whole process, so that the timers of every connection with the
//! same slack fall on the same instants and one wake-up of the thread serves them all.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::Instant;

/// The first multiple of `slack` (since the process's epoch) at or after `at`; `at` itself
/// when `slack` is zero.
pub(super) fn round_up(at: Instant, slack: Duration) -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let slack = slack.as_nanos();
    if slack == 0 {
        return at;
    }
    let epoch = *EPOCH.get_or_init(Instant::now);
    // A deadline before the epoch (none is: it is taken at the first deadline) stays as is.
    let Some(since) = at.checked_duration_since(epoch) else {
        return at;
    };
    let rounded = since.as_nanos().div_ceil(slack).saturating_mul(slack);
    u64::try_from(rounded).map_or(at, |nanos| epoch + Duration::from_nanos(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn deadlines_round_up_to_one_grid_for_every_connection() {
        let slack = Duration::from_millis(10);
        let first = round_up(Instant::now() + Duration::from_millis(3), slack);
        let second = round_up(Instant::now() + Duration::from_millis(7), slack);
        assert_eq!(
            first, second,
            "deadlines within one slack fall on one instant"
        );
        let later = round_up(Instant::now() + Duration::from_millis(13), slack);
        assert_eq!(later - first, slack);
        // On the grid already: unchanged.
        assert_eq!(round_up(first, slack), first);
        // No slack: exact.
        let exact = Instant::now() + Duration::from_millis(3);
        assert_eq!(round_up(exact, Duration::ZERO), exact);
    }
}
