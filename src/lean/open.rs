//! Opening a [`LeanStream`]: the server's and the client's handshakes, or a stream upgraded
//! elsewhere.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Response;
use tokio_tungstenite::tungstenite::handshake::server::{Callback, NoCallback};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Error;
use tokio_tungstenite::WebSocketStream;

use super::tap::Tap;
use super::LeanStream;

impl<S: AsyncRead + AsyncWrite + Unpin> LeanStream<S> {
    /// Accepts a WebSocket connection on `stream` (the server's opening handshake).
    pub async fn accept(stream: S) -> Result<Self, Error> {
        Self::accept_hdr_with_config(stream, NoCallback, None).await
    }

    /// Accepts a WebSocket connection on `stream`, with tungstenite's header `callback` and
    /// configuration, as `tokio_tungstenite::accept_hdr_async_with_config`.
    pub async fn accept_hdr_with_config<C>(
        stream: S,
        callback: C,
        config: Option<WebSocketConfig>,
    ) -> Result<Self, Error>
    where
        C: Callback + Unpin,
    {
        let ws =
            tokio_tungstenite::accept_hdr_async_with_config(Tap::new(stream), callback, config)
                .await?;
        Ok(Self::new(ws, Role::Server))
    }

    /// Takes a stream whose opening handshake is already done (hyper's `Upgraded` through
    /// `hyper_util::rt::TokioIo`, or your own code), as
    /// `tokio_tungstenite::WebSocketStream::from_raw_socket`: its next byte must be the first
    /// of the peer's first frame (hyper's `Upgraded` replays what it read ahead).
    pub async fn from_raw_socket(stream: S, role: Role, config: Option<WebSocketConfig>) -> Self {
        let mut tap = Tap::new(stream);
        // Nothing of the handshake passes here: the stream may sleep from the first frame.
        tap.boundary.head_read_elsewhere();
        let ws = WebSocketStream::from_raw_socket(tap, role, config).await;
        Self::new(ws, role)
    }

    /// Opens a WebSocket connection on `stream` (the client's opening handshake), as
    /// `tokio_tungstenite::client_async_with_config`.
    pub async fn client_with_config<R>(
        request: R,
        stream: S,
        config: Option<WebSocketConfig>,
    ) -> Result<(Self, Response), Error>
    where
        R: IntoClientRequest + Unpin,
    {
        let (ws, response) =
            tokio_tungstenite::client_async_with_config(request, Tap::new(stream), config).await?;
        Ok((Self::new(ws, Role::Client), response))
    }
}
