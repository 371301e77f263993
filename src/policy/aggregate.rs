//! The aggregation rule: the worst critical status; non-critical checks cap at Degraded.

use crate::Status;

/// The connection's status from its checks' `(effective status, critical)` pairs.
///
/// ```
/// use ws_health::{policy::aggregate, Status};
///
/// assert_eq!(aggregate([(Status::Unhealthy, false)]), Status::Degraded);
/// assert_eq!(aggregate([(Status::Unhealthy, true), (Status::Healthy, true)]), Status::Unhealthy);
/// assert_eq!(aggregate([]), Status::Healthy);
/// ```
pub fn aggregate(checks: impl IntoIterator<Item = (Status, bool)>) -> Status {
    checks
        .into_iter()
        .map(|(status, critical)| {
            if critical {
                status
            } else {
                status.min(Status::Degraded)
            }
        })
        .max()
        .unwrap_or(Status::Healthy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn aggregation_table() {
        // (checks, expected), one row per line of the table in the policy module docs.
        let table: &[(&[(Status, bool)], Status)] = &[
            (&[], Healthy),
            (&[(Healthy, true)], Healthy),
            (&[(Degraded, true)], Degraded),
            (&[(Unhealthy, true)], Unhealthy),
            (&[(Healthy, false)], Healthy),
            (&[(Degraded, false)], Degraded),
            (&[(Unhealthy, false)], Degraded),
            (&[(Healthy, true), (Unhealthy, false)], Degraded),
            (&[(Degraded, true), (Unhealthy, false)], Degraded),
            (&[(Unhealthy, true), (Healthy, false)], Unhealthy),
            (
                &[(Healthy, true), (Healthy, false), (Degraded, true)],
                Degraded,
            ),
            (&[(Unhealthy, false), (Unhealthy, false)], Degraded),
            (
                &[(Healthy, true), (Unhealthy, true), (Degraded, false)],
                Unhealthy,
            ),
        ];
        for (checks, expected) in table {
            assert_eq!(aggregate(checks.iter().copied()), *expected, "{checks:?}");
        }
    }
}
