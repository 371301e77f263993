//! ws-health under load: every accepted connection supervised by one `Supervisor` with the
//! default ping check at the given interval and timeout, default policy (close 1011 on an
//! unanswered ping), stats and health watch as always, and an echo handler.
//!
//! The driver and the echo handler are joined into one task per connection through
//! [`Supervisor::attach`], as the baseline has one task per connection. Same runtime,
//! listener and 4 KiB tungstenite buffers as `server_handwritten` (see `server_common.rs`).
//!
//! This stands in for `ws-health serve` until the runtime lands; docs/performance.md says
//! which server each figure came from.

#[path = "server_common.rs"]
mod common;

use std::time::Duration;

use futures_util::FutureExt;
use ws_health::policy::Policy;
use ws_health::{CheckSettings, Connection, Supervisor};

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
    common::run(args, move |ws| {
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
