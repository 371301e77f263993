//! Who an event is about, for a subscriber whose filter dropped the span that says it.

use std::net::SocketAddr;

use tracing::field::{display, DisplayValue};

use super::shared::Shared;

impl Shared {
    /// The connection's `id` and `peer`, as fields of an event about it, only where its span
    /// is off: a filter that keeps warnings but not the info-level `ws_health.connection` span
    /// (`RUST_LOG=warn`, which saves a span's memory per connection) would print the event
    /// with nothing to tell which connection it is about. With the span on, both are `None`,
    /// which records nothing, so the line does not repeat the span's fields. The span's own
    /// state, taken when it was made, not the current span's: the driver may be polled in a
    /// span of the application's.
    pub(crate) fn unspanned(&self) -> (Option<u64>, Option<DisplayValue<SocketAddr>>) {
        if self.span_off {
            (Some(self.id), self.peer.map(display))
        } else {
            (None, None)
        }
    }
}
