//! The hub's registry over real connections: counts and memory after a peak.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Sink, Stream};
use tokio_tungstenite::tungstenite::Message;

use super::{Hub, Side};
use crate::supervisor::ConnectionInfo;
use crate::Supervisor;

/// A transport that never does anything: its drivers are never polled here.
struct Idle;

impl Stream for Idle {
    type Item = Result<Message, io::Error>;
    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Pending
    }
}

impl Sink<Message> for Idle {
    type Error = io::Error;
    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn start_send(self: Pin<&mut Self>, _: Message) -> io::Result<()> {
        Ok(())
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn a_hub_gives_memory_back_once_its_peak_has_gone() {
    let hub = Hub::new();
    let supervisor = Supervisor::new();
    let attach = || {
        let info = ConnectionInfo::new().with_observer(hub.observer(Side::Server));
        supervisor.attach_with(Idle, info)
    };
    // Registered as they are attached; a driver dropped unpolled ends its connection.
    let mut peak: Vec<_> = (0..2000).map(|_| attach()).collect();
    assert_eq!(hub.counts().healthy, 2000);
    let at_peak = hub.inner.lock().capacity();
    assert!(at_peak >= 2000, "{at_peak}");

    peak.truncate(10);
    assert_eq!(hub.len(), 10);
    assert_eq!(hub.counts().healthy, 10);
    let after = hub.inner.lock().capacity();
    assert!(
        after <= 128,
        "{at_peak} at the peak, {after} for 10 connections"
    );

    // One connection coming and going at this length reallocates nothing. (A table this
    // sparse keeps no tombstone, which would lower its capacity by one.)
    for _ in 0..100 {
        drop(attach());
        assert_eq!(hub.inner.lock().capacity(), after);
    }
    drop(peak);
    assert!(hub.is_empty());
    assert_eq!(hub.counts(), Default::default());
}
