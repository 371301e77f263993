//! At most one log line per period for a condition that repeats, standing for every
//! occurrence since the last line: a server under pressure must not flood its logs too.

use std::time::Duration;

use tokio::time::Instant;

/// One line a second.
pub(super) const PERIOD: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub(super) struct LogThrottle {
    last: Option<Instant>,
    /// Occurrences since the last line, this one included once counted.
    since: u64,
}

impl LogThrottle {
    /// Counts one occurrence at `now`; `Some(n)` if it is to be logged, standing for `n`
    /// occurrences: this one and those held back since the last line.
    pub(super) fn occurred(&mut self, now: Instant) -> Option<u64> {
        self.since = self.since.saturating_add(1);
        self.due(now)
    }

    /// `Some(n)` if a line held back is due at `now`, standing for the `n` occurrences
    /// counted since the last line: for a condition that lasts past its last occurrence.
    pub(super) fn due(&mut self, now: Instant) -> Option<u64> {
        if self.since == 0 || self.last.is_some_and(|last| now < last + PERIOD) {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_a_second_counts_what_it_held_back() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut throttle = LogThrottle::default();
        assert_eq!(throttle.occurred(at(0)), Some(1));
        // Every 20 ms for a second: held back.
        for ms in (20..1000).step_by(20) {
            assert_eq!(throttle.occurred(at(ms)), None, "{ms} ms");
        }
        assert_eq!(throttle.occurred(at(1000)), Some(50));
        // After a quiet spell, at once.
        assert_eq!(throttle.occurred(at(5000)), Some(1));
        // One held back is due once the second has passed; nothing is due twice.
        assert_eq!(throttle.occurred(at(5500)), None);
        assert_eq!(throttle.due(at(5900)), None);
        assert_eq!(throttle.due(at(6000)), Some(1));
        assert_eq!(throttle.due(at(9000)), None);
    }
}
