//! Metrics through the [`metrics`](https://docs.rs/metrics) facade (feature `metrics`).
//!
//! ws-health records into whatever recorder the application installs (Prometheus,
//! StatsD, ...), and installs none itself. Without the feature every call here is an empty
//! inline function.
//!
//! | metric | kind | labels | meaning |
//! |---|---|---|---|
//! | `ws_health_connections` | gauge | `side`, `status` | live supervised connections by status |
//! | `ws_health_connections_opened_total` | counter | `side` | connections supervised |
//! | `ws_health_connections_closed_total` | counter | `side`, `initiator`, `code` | connections ended, by who (`policy`, `application`, `peer`, `network`, `protocol`) and close code (`1000`–`1015` as themselves; `3xxx`, `4xxx` or `other` for the rest, so that peers cannot mint label values) |
//! | `ws_health_connections_refused_total` | counter | `answer` | connections over `server.max_connections`, counted as they are accepted, before their request is read: handed to the refusal (`503`: an upgrade request is answered HTTP 503, any other request the 400 the handshake gives it or, if it is plain, the application's HTTP fallback's answer, a peer that sends nothing in time no answer), or dropped unanswered while 256 refusals are in progress (`none`) |
//! | `ws_health_connections_dropped_total` | counter | `reason` | accepted connections dropped before supervision: `socket_options` (an option the OS refused), `filtered` (the accept filter said no, or panicked), `no_request` (the peer closed or reset the connection before its request was whole, also during the TLS handshake without a TLS alert: a load balancer's TCP check, a port scan), `tls` (the TLS handshake failed otherwise: an alert, such as a client refusing the certificate, or plain HTTP to a TLS port), `handshake_failed` (a request that is no WebSocket upgrade: answered 400, 405, 426 or 431, unless the application's HTTP fallback answered it; or a `101` the socket would not take), `handshake_refused` (the application's handshake hook refused it, or it or the connection state factory panicked: answered 500), `handshake_hook_timeout` (`with_handshake_async`'s hook did not answer within `server.handshake_timeout`: answered 503), `peer_left` (the peer closed or reset the connection while `with_handshake_async`'s hook decided: the hook was dropped), `handshake_timeout` (the peer did not complete its part within `server.handshake_timeout`; a slowloris shows here), `worker_handoff` (moving the socket to a worker's runtime, or registering it there, failed: logged at warn), `shutdown` (the server shut down during the handshake). Handshakes and the filter's refusals are logged at debug only, so the count is what an operator watches |
//! | `ws_health_status_changes_total` | counter | `side`, `check`, `to` | connection status changes, by the check that caused them |
//! | `ws_health_pings_missed_total` | counter | `side` | pings unanswered within their timeout |
//! | `ws_health_rtt_seconds` | histogram | `side` | round-trip time of every answered ping |
//!
//! Every supervised connection counts, and `side` says which end this process is: `server`
//! for the runtime's [`Server`](crate::Server), `client` for its [`Client`](crate::Client), and
//! for a connection supervised directly what
//! [`ConnectionInfo::with_side`](crate::supervisor::ConnectionInfo::with_side) says, else
//! `other`. A gateway with upstream clients reads its two sides apart.
//!
//! The histogram is the only per-ping record; the rest happen on changes. With a recorder
//! installed it costs one histogram update per pong. [`describe`] gives the recorder each
//! metric's description and unit (Prometheus' `# HELP`). A recorder that panics loses only the
//! update it panicked in: the panic is caught and logged at error, the connection goes on,
//! and the `ws_health_connections` gauge is still taken off the status it was put on.

use std::time::Duration;

use crate::supervisor::{Disconnect, Side};
use crate::Status;

/// Describes every metric of the table above to the installed recorder: its description
/// and unit, which a Prometheus exporter shows as `# HELP` and in the metric's name. Call it
/// once, after installing the recorder (each recorder keeps what it was told). Without the
/// feature it does nothing.
///
/// ```
/// // metrics_exporter_prometheus::PrometheusBuilder::new().install()?; then:
/// ws_health::metrics::describe();
/// ```
pub fn describe() {
    #[cfg(feature = "metrics")]
    {
        use ::metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
        describe_gauge!(
            "ws_health_connections",
            Unit::Count,
            "Live supervised connections, by status."
        );
        describe_counter!(
            "ws_health_connections_opened_total",
            Unit::Count,
            "Connections supervised."
        );
        describe_counter!(
            "ws_health_connections_closed_total",
            Unit::Count,
            "Connections ended, by who ended them and close code."
        );
        describe_counter!(
            "ws_health_connections_refused_total",
            Unit::Count,
            "Connections over server.max_connections, by the answer they got."
        );
        describe_counter!(
            "ws_health_connections_dropped_total",
            Unit::Count,
            "Accepted connections dropped before supervision, by reason."
        );
        describe_counter!(
            "ws_health_status_changes_total",
            Unit::Count,
            "Connection status changes, by the check that caused them and the new status."
        );
        describe_counter!(
            "ws_health_pings_missed_total",
            Unit::Count,
            "Pings unanswered within their timeout."
        );
        describe_histogram!(
            "ws_health_rtt_seconds",
            Unit::Seconds,
            "Round-trip time of every answered ping."
        );
    }
}

/// Holds a connection's place in the `ws_health_connections` gauge; leaves it when dropped,
/// however the connection's task ends.
#[derive(Debug)]
pub(crate) struct ConnectionGauge {
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    status: Status,
    /// A byte, not the label: the gauge lives in every connection's driver.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    side: Option<Side>,
}

impl ConnectionGauge {
    pub(crate) fn opened(side: Option<Side>) -> Self {
        #[cfg(feature = "metrics")]
        {
            record(|| {
                let label = side_label(side);
                ::metrics::counter!("ws_health_connections_opened_total", "side" => label)
                    .increment(1)
            });
            gauge(side, Status::Healthy, 1.0);
        }
        ConnectionGauge {
            status: Status::Healthy,
            side,
        }
    }

    pub(crate) fn status_changed(&mut self, check: &str, to: Status) {
        // The status first, and each call into the recorder on its own: one that panics
        // loses only its own update, and the drop takes off the status the gauge was given.
        let from = std::mem::replace(&mut self.status, to);
        #[cfg(feature = "metrics")]
        {
            gauge(self.side, from, -1.0);
            gauge(self.side, to, 1.0);
            record(|| {
                ::metrics::counter!(
                    "ws_health_status_changes_total",
                    "side" => side_label(self.side),
                    "check" => check.to_owned(),
                    "to" => to.as_str()
                )
                .increment(1)
            });
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (check, from);
    }
}

impl Drop for ConnectionGauge {
    fn drop(&mut self) {
        // Contained: this drop may run while a panic unwinds the connection's task, where
        // a second panic would abort the process.
        #[cfg(feature = "metrics")]
        gauge(self.side, self.status, -1.0);
    }
}

#[cfg(feature = "metrics")]
fn gauge(side: Option<Side>, status: Status, delta: f64) {
    record(|| {
        let side = side_label(side);
        ::metrics::gauge!("ws_health_connections", "side" => side, "status" => status.as_str())
            .increment(delta)
    });
}

/// The `side` label's value.
#[cfg(feature = "metrics")]
fn side_label(side: Option<Side>) -> &'static str {
    match side {
        Some(Side::Server) => "server",
        Some(Side::Client) => "client",
        None => "other",
    }
}

/// One call into the recorder, the application's code: its panic is caught and logged at
/// error, so that it neither ends the task it runs on (a connection's, the server's) nor
/// cuts the gauge's bookkeeping short. Free when the recorder does not panic.
#[cfg(feature = "metrics")]
#[inline]
fn record(call: impl FnOnce()) {
    crate::error::contain_panic("the metrics recorder", call);
}

#[inline]
pub(crate) fn closed(side: Option<Side>, end: &Disconnect) {
    #[cfg(feature = "metrics")]
    {
        ::metrics::counter!(
            "ws_health_connections_closed_total",
            "side" => side_label(side),
            "initiator" => end.initiator.as_str(),
            "code" => code_label(end.code)
        )
        .increment(1);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (side, end);
}

/// A close code as a label value: the peer chooses it, and each of the 2,000 codes it may
/// send in the registered and private ranges would be a series of its own.
#[cfg(feature = "metrics")]
fn code_label(code: u16) -> String {
    match code {
        1000..=1015 => code.to_string(),
        3000..=3999 => "3xxx".to_owned(),
        4000..=4999 => "4xxx".to_owned(),
        _ => "other".to_owned(),
    }
}

#[inline]
pub(crate) fn refused(answered: bool) {
    #[cfg(feature = "metrics")]
    record(|| {
        ::metrics::counter!(
            "ws_health_connections_refused_total",
            "answer" => if answered { "503" } else { "none" }
        )
        .increment(1)
    });
    #[cfg(not(feature = "metrics"))]
    let _ = answered;
}

/// Why an accepted connection was dropped before supervision.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dropped {
    SocketOptions,
    Filtered,
    /// The peer closed or reset the connection before its request was whole.
    NoRequest,
    /// The TLS handshake failed.
    Tls,
    /// A request that is no WebSocket upgrade, answered with why.
    HandshakeFailed,
    HandshakeTimeout,
    /// The application's handshake hook refused the upgrade.
    HandshakeRefused,
    /// The application's handshake hook did not answer within the handshake timeout.
    HandshakeHookTimeout,
    /// The peer closed or reset the connection while the handshake hook decided.
    PeerLeft,
    /// Moving the socket to a worker's runtime, or registering it there, failed.
    WorkerHandoff,
    /// The server shut down during the handshake.
    Shutdown,
}

#[inline]
pub(crate) fn dropped(reason: Dropped) {
    #[cfg(feature = "metrics")]
    record(|| {
        ::metrics::counter!(
        "ws_health_connections_dropped_total",
        "reason" => match reason {
            Dropped::SocketOptions => "socket_options",
            Dropped::Filtered => "filtered",
            Dropped::NoRequest => "no_request",
            Dropped::Tls => "tls",
            Dropped::HandshakeFailed => "handshake_failed",
            Dropped::HandshakeTimeout => "handshake_timeout",
            Dropped::HandshakeRefused => "handshake_refused",
            Dropped::HandshakeHookTimeout => "handshake_hook_timeout",
            Dropped::PeerLeft => "peer_left",
            Dropped::WorkerHandoff => "worker_handoff",
            Dropped::Shutdown => "shutdown",
        }
        )
        .increment(1)
    });
    #[cfg(not(feature = "metrics"))]
    let _ = reason;
}

/// `$metric!($name, "side" => …)` with the side as a literal in each arm, so that each key is
/// a static one: a label value known only at run time would make the key, an allocation, on
/// every call.
#[cfg(feature = "metrics")]
macro_rules! per_side {
    ($side:expr, $metric:ident!($name:literal).$call:ident($($arg:expr),*)) => {
        match $side {
            Some(Side::Server) => ::metrics::$metric!($name, "side" => "server").$call($($arg),*),
            Some(Side::Client) => ::metrics::$metric!($name, "side" => "client").$call($($arg),*),
            None => ::metrics::$metric!($name, "side" => "other").$call($($arg),*),
        }
    };
}

/// A miss per connection per interval where pongs come late: a static key, as for [`rtt`].
#[inline]
pub(crate) fn ping_missed(side: Option<Side>) {
    #[cfg(feature = "metrics")]
    record(|| per_side!(side, counter!("ws_health_pings_missed_total").increment(1)));
    #[cfg(not(feature = "metrics"))]
    let _ = side;
}

/// The one record per pong, with a static key (see `per_side!`).
#[inline]
pub(crate) fn rtt(side: Option<Side>, rtt: Duration) {
    #[cfg(feature = "metrics")]
    record(|| {
        per_side!(
            side,
            histogram!("ws_health_rtt_seconds").record(rtt.as_secs_f64())
        )
    });
    #[cfg(not(feature = "metrics"))]
    let _ = (side, rtt);
}

#[cfg(all(test, feature = "metrics"))]
mod tests {
    use super::code_label;

    #[test]
    fn close_codes_from_peers_fall_into_a_few_label_values() {
        assert_eq!(code_label(1011), "1011");
        assert_eq!(code_label(3000), "3xxx");
        assert_eq!(code_label(4999), "4xxx");
        assert_eq!(code_label(2999), "other");
        assert_eq!(code_label(u16::MAX), "other");
    }
}
