//! ws-health under load: every accepted connection supervised by one `Supervisor` with the
//! default ping check at the given interval and timeout, default policy (close 1011 on an
//! unanswered ping), stats and health watch as always, and an echo handler.
//!
//! The driver and the echo handler are joined into one task per connection through
//! [`Supervisor::attach`], as the baseline has one task per connection. Same runtime,
//! listener and 4 KiB tungstenite buffers as `server_handwritten` (see `server_common.rs`);
//! the stream is ws-health's `LeanStream`, as in `ws-health serve`, which sleeps while idle
//! unless `--awake` is given.
//!
//! The supervisor alone: `ws-health serve` adds the server runtime (hub, a span per
//! connection, a boxed handshake) and is measured beside it; docs/performance.md says which server
//! each figure came from.

#[path = "server_common.rs"]
mod common;

use std::time::Duration;

use futures_util::FutureExt;
use ws_health::policy::Policy;
use ws_health::tungstenite::handshake::server::NoCallback;
use ws_health::{CheckSettings, Connection, LeanStream, Supervisor};

fn main() {
    let args = common::args("server_ws_health");
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(args.interval, args.timeout))
        .with_policy(Policy {
            close_timeout: Duration::from_secs(1),
            ..Policy::default()
        })
        .build()
        .expect("valid bench configuration");
    // A combinator, not an async block: an async block would keep the WebSocket stream
    // twice, once as its argument and once inside the driver.
    // ws-health's own stream, as `ws-health serve` accepts: it sleeps while idle.
    let accept = move |tcp| async move {
        let config = Some(common::websocket_config());
        let mut ws = LeanStream::accept_hdr_with_config(tcp, NoCallback, config)
            .await
            .ok()?;
        ws.set_sleep_when_idle(!args.awake);
        Some(ws)
    };
    common::run(args, accept, move |ws| {
        let (conn, driver) = supervisor.attach(ws, None);
        futures_util::future::join(driver, echo(conn)).map(|_| ())
    });
}

async fn echo(mut conn: Connection) {
    while let Some(message) = conn.recv().await {
        if conn.send(message).await.is_err() {
            break;
        }
    }
}
