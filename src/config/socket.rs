//! Socket settings the runtime applies to every connection it makes or accepts.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::validate::{Validate, Validator};
use super::written::duration;
use crate::Result;

/// TCP keepalive's idle time and interval, in the seconds the kernel accepts (Linux's
/// `MAX_TCP_KEEPIDLE` and `MAX_TCP_KEEPINTVL`).
const KEEPALIVE_SECONDS: std::ops::RangeInclusive<u64> = 1..=32767;
/// `TCP_USER_TIMEOUT`'s range on Linux, in milliseconds.
const USER_TIMEOUT_MILLIS: std::ops::RangeInclusive<u128> = 1..=i32::MAX as u128;

/// The largest WebSocket frame header (RFC 6455 §5.2): 2 + 8 length + 4 mask bytes.
pub(crate) const FRAME_HEADER: usize = 14;
/// The largest `read_buffer_size`: allocated for every awake connection, a larger one is a
/// typo (1 TiB would abort the process at the first connection), not a tuning.
const MAX_READ_BUFFER: usize = 64 << 20;
/// The largest `max_frame_size`: tungstenite reserves the length a frame's header claims
/// before its payload comes, so that a larger limit lets one peer make the process ask for
/// more memory than there is, which aborts it.
const MAX_FRAME: usize = 1 << 30;

/// TCP and WebSocket buffer settings: the `[socket]` table.
///
/// # Default
/// `TCP_NODELAY` on; TCP keepalive after 60 s idle, every 10 s, 5 probes; no
/// `TCP_USER_TIMEOUT`; `TCP_NOTSENT_LOWAT` 64 KiB; 4 KiB read and write buffers
/// (tungstenite's own default is a 128 KiB read buffer per connection: 12 GiB at 100k
/// connections); 16 MiB message and frame limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SocketConfig {
    /// Disable Nagle's algorithm, so pings and small messages leave at once.
    pub nodelay: bool,
    /// TCP keepalive probes; absent or `enabled = false` to leave the OS default.
    pub keepalive: TcpKeepalive,
    /// Linux `TCP_USER_TIMEOUT`: how long written data may stay unacknowledged before the
    /// kernel drops the connection (bounds the 13–30 minute stall on a dead peer).
    #[serde(with = "humantime_serde", skip_serializing_if = "Option::is_none")]
    pub user_timeout: Option<Duration>,
    /// Linux `TCP_NOTSENT_LOWAT`: the most bytes the kernel holds not yet sent, so that a
    /// ping written behind a large message waits behind at most this much in the kernel (at
    /// 1 Mbit/s, 64 KiB is 0.5 s). `0` leaves the OS default (no limit).
    pub notsent_lowat: u32,
    /// tungstenite's read buffer, allocated per connection.
    pub read_buffer_size: usize,
    /// Bytes tungstenite buffers before writing to the socket.
    pub write_buffer_size: usize,
    /// The most tungstenite buffers for writing before refusing more; must leave room for
    /// `write_buffer_size` plus the largest message (`max_message_size`). A limit, not an
    /// allocation: the buffer grows only as large as what is written.
    pub max_write_buffer_size: usize,
    /// The largest message accepted from the peer, and the largest the application may
    /// send (a larger one is refused by `send` with an error, not dropped).
    pub max_message_size: Option<usize>,
    /// The largest frame accepted from the peer, at most 1 GiB. `None` (in code only: a file
    /// cannot unset it) is no limit, for trusted peers alone: tungstenite reserves the length
    /// a frame's header claims before its payload comes, up to 2⁶³ bytes, and a failed
    /// allocation aborts the process.
    pub max_frame_size: Option<usize>,
    /// Let an idle connection's WebSocket stream sleep, its buffers released (see
    /// [`LeanStream`](crate::LeanStream)): about 4 KiB less per idle connection with the
    /// default `read_buffer_size`.
    pub sleep_when_idle: bool,
}

/// TCP keepalive settings: the `[socket.keepalive]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TcpKeepalive {
    /// Whether to turn TCP keepalive on.
    pub enabled: bool,
    /// Idle time before the first probe.
    #[serde(with = "humantime_serde")]
    pub idle: Duration,
    /// Time between probes.
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// Unanswered probes before the connection is dropped.
    pub retries: u32,
}

impl Default for TcpKeepalive {
    fn default() -> Self {
        TcpKeepalive {
            enabled: true,
            idle: Duration::from_secs(60),
            interval: Duration::from_secs(10),
            retries: 5,
        }
    }
}

impl Default for SocketConfig {
    fn default() -> Self {
        SocketConfig {
            nodelay: true,
            keepalive: TcpKeepalive::default(),
            user_timeout: None,
            notsent_lowat: 64 * 1024,
            read_buffer_size: 4 * 1024,
            write_buffer_size: 4 * 1024,
            max_write_buffer_size: 32 << 20,
            max_message_size: Some(16 << 20),
            max_frame_size: Some(16 << 20),
            sleep_when_idle: true,
        }
    }
}

impl SocketConfig {
    /// The tungstenite configuration these settings describe.
    pub fn websocket_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .read_buffer_size(self.read_buffer_size)
            .write_buffer_size(self.write_buffer_size)
            .max_write_buffer_size(self.max_write_buffer_size)
            .max_message_size(self.max_message_size)
            .max_frame_size(self.max_frame_size)
    }

    /// Checks every value, by the rules a configuration file is held to (the runtime's
    /// builders call it).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), naming every offending
    /// key: a zero read buffer, a write buffer too small for the largest message.
    ///
    /// ```
    /// use ws_health::config::SocketConfig;
    ///
    /// let too_small = SocketConfig { max_write_buffer_size: 8 << 20, ..SocketConfig::default() };
    /// assert!(too_small.validate().is_err()); // 16 MiB messages do not fit in 8 MiB
    /// ```
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::in_code(&["socket"]);
        self.report(&mut v);
        v.into_result()
    }

    /// What `max_write_buffer_size` must exceed for messages of up to `largest` bytes:
    /// tungstenite refuses a frame that does not fit beside what is already buffered, and
    /// that refusal ends the connection.
    pub(crate) fn write_room(&self, largest: Option<usize>) -> usize {
        let message = largest.map_or(0, |m| m.saturating_add(FRAME_HEADER));
        self.write_buffer_size.saturating_add(message)
    }
}

impl Validate for SocketConfig {
    fn report(&self, v: &mut Validator) {
        v.table("keepalive", &self.keepalive);
        // Linux takes whole milliseconds in a C int and refuses a negative one on every
        // socket; 0 means its default, which a sub-millisecond value would silently become.
        if let Some(timeout) = self.user_timeout {
            if !(USER_TIMEOUT_MILLIS.contains(&timeout.as_millis())) {
                v.error(
                    "user_timeout",
                    duration(timeout),
                    "must be from 1ms to 24days 20h 31m 23s 647ms (2³¹ − 1 ms), the kernel's \
                     range (remove the key to keep the OS default)",
                );
            }
        }
        if !(1..=MAX_READ_BUFFER).contains(&self.read_buffer_size) {
            v.error(
                "read_buffer_size",
                self.read_buffer_size,
                "must be from 1 to 67108864 (64 MiB): tungstenite allocates it for every \
                 connection that is awake",
            );
        }
        if self.max_write_buffer_size <= self.write_room(self.max_message_size) {
            let largest = self
                .max_message_size
                .map_or_else(|| "none".into(), |m| m.to_string());
            v.error_against(
                "max_write_buffer_size",
                &["write_buffer_size", "max_message_size"],
                self.max_write_buffer_size,
                format!(
                    "must be greater than `socket.write_buffer_size` ({}) plus \
                     `socket.max_message_size` ({largest}) plus a frame header \
                     ({FRAME_HEADER}), so that the largest message fits",
                    self.write_buffer_size
                ),
            );
        }
        for (key, size) in [
            ("max_message_size", self.max_message_size),
            ("max_frame_size", self.max_frame_size),
        ] {
            if size == Some(0) {
                v.error(key, 0, "must be greater than zero");
            }
        }
        if let Some(size) = self.max_frame_size.filter(|&size| size > MAX_FRAME) {
            v.error(
                "max_frame_size",
                size,
                "must be from 1 to 1073741824 (1 GiB): tungstenite reserves the length a \
                 frame's header claims before its payload comes, and with a larger limit one \
                 peer can make the process ask for more memory than there is, which aborts it \
                 (no limit at all is `None`, in code, for trusted peers only)",
            );
        }
    }
}

impl Validate for TcpKeepalive {
    fn report(&self, v: &mut Validator) {
        if self.enabled {
            // The kernel takes whole seconds, 1 to 32767 (Linux), and refuses the rest on
            // every socket: "500ms" would become 0 and drop each connection as it comes.
            for (key, value) in [("idle", self.idle), ("interval", self.interval)] {
                if !(KEEPALIVE_SECONDS.contains(&value.as_secs())) {
                    v.error(
                        key,
                        duration(value),
                        "must be from 1s to 32767s (9h 6m 7s) in whole seconds, the kernel's range \
                         (to leave TCP keepalive off, set `enabled = false`)",
                    );
                }
            }
            if !(1..=127).contains(&self.retries) {
                v.error(
                    "retries",
                    self.retries,
                    "must be from 1 to 127, the kernel's range",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_limit_near_usize_max_is_refused_not_an_overflow() {
        let huge = SocketConfig {
            max_message_size: Some(usize::MAX),
            ..SocketConfig::default()
        };
        let err = huge.validate().unwrap_err();
        assert!(
            err.to_string().contains("socket.max_write_buffer_size"),
            "{err}"
        );
        SocketConfig::default().validate().unwrap();
    }

    #[test]
    fn user_timeouts_outside_the_kernels_range_are_refused() {
        let with = |timeout| SocketConfig {
            user_timeout: Some(timeout),
            ..SocketConfig::default()
        };
        let limit = Duration::from_millis(i32::MAX as u64);
        for bad in [
            Duration::ZERO,
            Duration::from_micros(500),
            limit + Duration::from_millis(1),
            Duration::from_secs(25 * 86_400),
        ] {
            let err = with(bad).validate().unwrap_err().to_string();
            assert!(err.contains("`socket.user_timeout`"), "{err}");
            assert!(err.contains("the kernel's range"), "{err}");
        }
        with(Duration::from_millis(1)).validate().unwrap();
        with(limit).validate().unwrap();
        assert_eq!(
            super::duration(limit),
            "\"24days 20h 31m 23s 647ms\"",
            "the limit as the error names it"
        );
    }

    #[test]
    fn keepalive_timings_outside_the_kernels_range_are_refused() {
        let keepalive = |idle, interval, retries| SocketConfig {
            keepalive: TcpKeepalive {
                enabled: true,
                idle,
                interval,
                retries,
            },
            ..SocketConfig::default()
        };
        let secs = Duration::from_secs;
        for bad in [
            keepalive(Duration::from_millis(500), secs(10), 5),
            keepalive(secs(60), secs(32768), 5),
            keepalive(secs(60), secs(10), 128),
            keepalive(secs(60), secs(10), 0),
        ] {
            let err = bad.validate().unwrap_err().to_string();
            assert!(err.contains("socket.keepalive."), "{err}");
            assert!(err.contains("the kernel's range"), "{err}");
        }
        keepalive(secs(1), secs(32767), 127).validate().unwrap();
    }
}
