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
    // In u64 nanoseconds (584 years), not u128: this runs on every poll of the driver.
    let Ok(slack) = u64::try_from(slack.as_nanos()) else {
        return at;
    };
    if slack == 0 {
        return at;
    }
    // tokio's clock: a test's paused clock may start before or after the epoch another
    // runtime of the process set, so instants on both sides are put on the grid.
    let epoch = *EPOCH.get_or_init(Instant::now);
    let nanos = |d: Duration| u64::try_from(d.as_nanos()).ok();
    if let Some(after) = at.checked_duration_since(epoch).and_then(nanos) {
        after
            .div_ceil(slack)
            .checked_mul(slack)
            .and_then(|grid| epoch.checked_add(Duration::from_nanos(grid)))
            .unwrap_or(at)
    } else if let Some(before) = epoch.checked_duration_since(at).and_then(nanos) {
        // The multiple of `slack` at or after `at`, counting back from the epoch.
        epoch - Duration::from_nanos(before / slack * slack)
    } else {
        at
    }
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
        // Before the epoch, on the same grid.
        let early = round_up(first - Duration::from_millis(25), slack);
        assert_eq!(first - early, Duration::from_millis(20));
        // No slack: exact.
        let exact = Instant::now() + Duration::from_millis(3);
        assert_eq!(round_up(exact, Duration::ZERO), exact);
    }
}
