//! What the client logs about its attempts, thinned out for a fleet, and how its warnings
//! name the client where a filter dropped its span.

use tracing::field::{display, DisplayValue};
use tracing::{info, warn};

use crate::in_a_row::is_power_of_ten;

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
