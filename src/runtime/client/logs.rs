//! What the client logs about its attempts, thinned out for a fleet, and how its warnings
//! name the client where a filter dropped its span.

use tracing::field::{display, DisplayValue};
use tracing::{info, warn};

/// The client's URL (without its query or user information), as a field of an event about
/// the client, only where its `ws_health.client` span is off (`span_off`): a filter that keeps
/// warnings but not the span (`RUST_LOG=warn`) would print nothing to tell clients apart. With
/// the span on, `None` records nothing, so the line does not repeat the span's field.
pub(super) fn unspanned_url(
    span_off: bool,
    url: impl FnOnce() -> String,
) -> Option<DisplayValue<String>> {
    span_off.then(|| display(url()))
}

/// Logs the `failures`-th failed attempt in a row (`what` happened, for `error`): at warn the
/// 1st, 10th, 100th, ... time, at info the others, so that a fleet waiting out an outage does
/// not warn on every retry.
pub(super) fn failed_attempt(
    failures: u32,
    url: Option<DisplayValue<String>>,
    error: &str,
    what: &'static str,
) {
    if is_power_of_ten(failures) {
        warn!(url, error, failures, "{what}");
    } else {
        info!(url, error, failures, "{what}");
    }
}

/// 1, 10, 100, ...: the failures in a row a client warns of.
fn is_power_of_ten(mut n: u32) -> bool {
    while n >= 10 && n % 10 == 0 {
        n /= 10;
    }
    n == 1
}

#[cfg(test)]
mod tests {
    use super::is_power_of_ten;

    #[test]
    fn warns_of_the_1st_10th_and_100th() {
        let warned: Vec<u32> = (0..=1000).filter(|&n| is_power_of_ten(n)).collect();
        assert_eq!(warned, [1, 10, 100, 1000]);
    }
}
