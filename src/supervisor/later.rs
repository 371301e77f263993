//! Deadline arithmetic that cannot panic: `Duration::MAX` is how code says "never".

use std::time::Duration;

use tokio::time::Instant;

/// How far "never" lies: 30 years, as tokio's own far future (`sleep(Duration::MAX)`).
const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// `at + by`, or 30 years after `at` when the sum does not fit in an [`Instant`] (which
/// panics): a deadline of `Duration::MAX` is then met decades later, not at the first poll.
pub(crate) fn later(at: Instant, by: Duration) -> Instant {
    at.checked_add(by)
        .or_else(|| at.checked_add(FAR_FUTURE))
        // Only an instant within 30 years of the clock's end: keep it rather than panic.
        .unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_that_fit_are_exact_and_the_others_lie_30_years_on() {
        let now = Instant::now();
        assert_eq!(
            later(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert_eq!(later(now, Duration::MAX), now + FAR_FUTURE);
        let huge = Duration::from_secs(400_000_000_000 * 31_557_600);
        assert_eq!(later(now, huge), now + FAR_FUTURE);
    }
}
