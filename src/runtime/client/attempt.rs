//! One connection attempt, under `client.connect_timeout`: the handshake headers hook, the
//! connect and handshakes (`connect.rs`), then the connection's state.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::time::Instant;

use super::connect::{connect, ClientStream, Failed, Step};
use super::manager::Manager;
use super::request::handshake_request;
use crate::error::{contain_panics, Who};
use crate::lean::WriteProgress;

/// What a successful attempt opened: the stream, the server's address, and the state made
/// for the connection, if the application gives connections state.
pub(super) struct Opened {
    pub(super) ws: ClientStream,
    /// The bytes its socket takes.
    pub(super) progress: WriteProgress,
    pub(super) peer: SocketAddr,
    pub(super) state: Option<Arc<dyn Any + Send + Sync>>,
}

impl Manager {
    /// One attempt up to the WebSocket handshake, under `client.connect_timeout`: the
    /// handshake headers hook first, then the connect and handshakes with what is left; then
    /// the connection's state, whose factory's panic fails the attempt (it would end the
    /// client's task; the stream is dropped without a close frame).
    pub(super) async fn attempt(&self, started: Instant) -> Result<Opened, Failed> {
        let timeout = self.client.connect_timeout;
        let headers = handshake_request(&self.target, self.headers.as_ref(), self.unspanned_url());
        let request = tokio::time::timeout(timeout, headers).await.map_err(|_| {
            Failed::retry(format!(
                "the handshake headers hook did not finish within the connect timeout \
                 ({timeout:?})"
            ))
        })??;
        // A duration, not an instant: `Duration::MAX` ("never") would overflow one.
        let left = timeout.saturating_sub(started.elapsed());
        // Fresh credentials each attempt: a 401 or 403 may be a token that just expired.
        let fresh_credentials = self.headers.is_some();
        let mut step = Step::default();
        let connect = connect(
            &self.target,
            request,
            fresh_credentials,
            &self.socket,
            &self.tls,
            &mut step,
            left,
        );
        let connected = tokio::time::timeout(left, connect).await;
        let (ws, progress, peer) =
            connected.map_err(|_| Failed::retry(step.timed_out(&self.target, timeout)))??;
        let state = match &self.state {
            Some(make) => {
                let who = Who::client(self.unspanned_url());
                let made = contain_panics("connection state factory", who, || {
                    std::future::ready(make(peer))
                });
                Some(made.await.map_err(Failed::retry)?)
            }
            None => None,
        };
        Ok(Opened {
            ws,
            progress,
            peer,
            state,
        })
    }
}
