//! The baseline: the keepalive loop a user would write instead of using ws-health.
//!
//! One task per connection, `tokio::select!` over the stream, a `tokio::time::interval`
//! ping timer and the pong deadline; close 1011 "keepalive ping timeout" when no pong came
//! within the timeout; echo for data. Same runtime, listener and 4 KiB tungstenite buffers
//! as `server_ws_health` (see `server_common.rs`).

#[path = "server_common.rs"]
mod common;
#[path = "handwritten_loop.rs"]
mod handwritten_loop;

use handwritten_loop::keepalive;

fn main() {
    let args = common::args("server_handwritten");
    common::run(args, common::handshake, move |ws| {
        keepalive(ws, args.interval, args.timeout)
    });
}
