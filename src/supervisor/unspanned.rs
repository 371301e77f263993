//! Who an event is about, for a subscriber whose filter dropped the span that says it.

use std::net::SocketAddr;

use tracing::field::DisplayValue;

/// The connection's `id` and `peer`, as fields of an event about it, only where no span gives
/// them: a filter that keeps warnings but not the info-level `ws_health.connection` span
/// (`RUST_LOG=warn`, which saves a span's memory per connection) would print the event with
/// nothing to tell which connection it is about. With a span recorded, both are `None`, which
/// records nothing, so the line does not repeat the span's fields.
pub(crate) fn unspanned(
    id: u64,
    peer: Option<SocketAddr>,
) -> (Option<u64>, Option<DisplayValue<SocketAddr>>) {
    if tracing::Span::current().is_disabled() {
        (Some(id), peer.map(tracing::field::display))
    } else {
        (None, None)
    }
}

/// The client's URL (without its query or user information), as a field of an event about
/// the client, only where the filter dropped its `ws_health.client` span: as
/// [`unspanned`].
pub(crate) fn unspanned_url(url: impl FnOnce() -> String) -> Option<DisplayValue<String>> {
    tracing::Span::current()
        .is_disabled()
        .then(|| tracing::field::display(url()))
}
