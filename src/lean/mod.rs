//! [`LeanStream`]: a WebSocket stream that gives back tungstenite's buffers while its
//! connection is idle.
//!
//! Most supervised connections are idle most of the time: a ping goes out, a pong comes
//! back, nothing else. Yet a tungstenite stream holds its read buffer (4 KiB with
//! ws-health's `[socket]` defaults, zero-filled by its first read, so resident for good) and
//! its own state for the whole life of the connection, which is most of what a connection
//! costs a server.
//!
//! A `LeanStream` puts the tungstenite stream to sleep once tungstenite holds no unread byte and no
//! half-read message, nothing waits to be flushed (its own last ping included), no close frame went
//! either way, and a whole ping interval went by without a data message. Asleep it keeps only the
//! byte stream: it writes small pings itself and reads a pong that comes alone itself. Anything
//! else (a data message, a ping from the peer, a close, a partial frame, an unusual pong) wakes the
//! tungstenite stream, rebuilt with the bytes already read, and tungstenite handles it as it would
//! have. The choices and their limits are in `docs/architecture.md`.
//!
//! | file | what it holds |
//! |---|---|
//! | `stream.rs` | [`LeanStream`]: the `Stream` and `Sink`, asleep or awake, and when it sleeps |
//! | `open.rs` | its constructors: the server's and the client's handshakes, a stream upgraded elsewhere |
//! | `tap.rs` | the byte stream under tungstenite: follows each frame read, writes our ping first |
//! | `control.rs` | the two frames a sleeping stream handles itself: its ping, and the pong |
//! | `progress.rs` | [`WriteProgress`]: the bytes the socket took; [`Counted`] counts them |

mod control;
mod open;
mod progress;
mod stream;
mod tap;

pub use progress::{Counted, WriteProgress};
pub use stream::LeanStream;
