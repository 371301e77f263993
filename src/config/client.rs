//! Settings of the runtime's reconnecting client: the `[client]` table.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::proxy::{without_credentials, ProxyUrl};
use super::validate::{Validate, Validator};
use super::written::duration;
use super::Proxy;
use crate::Result;

/// tokio's bound on a channel's capacity (`mpsc::channel` panics above it).
const MAX_OFFLINE_QUEUE: usize = usize::MAX >> 3;

/// How the runtime's client connects and reconnects: the `[client]` table.
///
/// # Default
/// 10 s to connect (TCP, TLS and WebSocket handshakes and the on-connect hook together);
/// reconnect with full-jitter exponential backoff from 1 s, doubling, capped at 30 s
/// ([`Backoff`]); the backoff resets only once a connection has stayed Healthy for 30 s, so
/// a server that accepts and closes at once sees growing delays; close codes 1008 and
/// 4000–4999 are final; up to 64 messages and 8 MiB wait while disconnected; retry forever;
/// through the proxy the environment names, if any ([`Proxy::Env`]).
///
/// ```toml
/// [client]
/// connect_timeout = "5s"
/// stable_after = "1m"
/// final_close_codes = [1008, 1003, "4000-4999"]
/// offline_queue = 256
/// offline_queue_bytes = 1048576
/// backoff = { initial = "500ms", multiplier = 1.618, max = "90s" }
/// proxy = "http://proxy.example:3128"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientConfig {
    /// How long one connection attempt may take: the handshakes, then the on-connect hook
    /// with what is left.
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Delays between attempts.
    pub backoff: Backoff,
    /// How long a connection must stay Healthy, counted from the end of its on-connect hook
    /// to the last frame heard from the peer, before the backoff starts again from
    /// `backoff.initial`. A peer never heard (it answered no ping) never makes it stable.
    #[serde(with = "humantime_serde")]
    pub stable_after: Duration,
    /// Close codes (sent by the server, or by our own policy) after which the client stops
    /// instead of reconnecting, unless the policy asked to reconnect. Single codes or
    /// `"first-last"` ranges; 1005 is a close frame without a code. A code or range no close
    /// carries (1006, 1015, 1016–2999, …) is refused: it would never stop the client.
    pub final_close_codes: Vec<CodeRange>,
    /// Messages sent while disconnected that wait for the next connection; beyond it,
    /// `send` returns a queue-full error.
    pub offline_queue: usize,
    /// Bytes (the sum of the payloads) of the messages waiting in the same queue at which it
    /// is full, as at `offline_queue` messages: with the count alone, 64 messages of up to
    /// `socket.max_message_size` (16 MiB) could hold 1 GiB while disconnected. A message
    /// larger than the budget still passes alone, so the queue holds at most the budget and
    /// one message more, as a connection's queues (`queues.outbound_bytes`) do.
    pub offline_queue_bytes: usize,
    /// How many retries in a row may fail before the client stops (0: it never retries,
    /// not even after a lost connection); absent: never stop. An attempt succeeds once the
    /// connection is open and the on-connect hook has finished, however soon the connection
    /// closes after, and that starts the count again; a refused or timed-out attempt, a
    /// failed handshake and a failing hook count. (The backoff's growth is separate: it
    /// resets only after `stable_after`.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Whether and through which HTTP proxy to connect: `"env"` (the environment's
    /// `http_proxy`, `https_proxy`, `no_proxy`…), `"none"`, or a proxy URL.
    pub proxy: Proxy,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(10),
            backoff: Backoff::default(),
            stable_after: Duration::from_secs(30),
            final_close_codes: vec![CodeRange::single(1008), CodeRange::new(4000, 4999)],
            offline_queue: 64,
            offline_queue_bytes: 8 << 20,
            max_retries: None,
            proxy: Proxy::Env,
        }
    }
}

impl ClientConfig {
    /// Whether a close with `code` stops the client.
    pub fn is_final(&self, code: u16) -> bool {
        self.final_close_codes.iter().any(|r| r.contains(code))
    }

    /// Checks every value.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), naming every offending
    /// key (`client.backoff.multiplier`).
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::in_code(&["client"]);
        self.report(&mut v);
        v.into_result()
    }
}

impl Validate for ClientConfig {
    fn report(&self, v: &mut Validator) {
        v.millisecond_or_more("connect_timeout", self.connect_timeout, "");
        v.bounded("stable_after", self.stable_after, "");
        v.nonzero("offline_queue", self.offline_queue as u64);
        if self.offline_queue > MAX_OFFLINE_QUEUE {
            v.error(
                "offline_queue",
                self.offline_queue,
                format!("must be at most {MAX_OFFLINE_QUEUE}, the largest queue tokio makes"),
            );
        }
        v.nonzero("offline_queue_bytes", self.offline_queue_bytes as u64);
        v.scope("final_close_codes", |v| {
            for (i, range) in self.final_close_codes.iter().enumerate() {
                let shown = if range.start == range.end {
                    range.to_string()
                } else {
                    format!("\"{range}\"")
                };
                if range.start > range.end {
                    v.error(
                        &i.to_string(),
                        shown,
                        "an empty range: the first code is after the last",
                    );
                } else if !(range.start..=range.end).any(can_end_a_connection) {
                    v.error(
                        &i.to_string(),
                        shown,
                        "no close carries it, so it would never stop the client: a peer or a \
                         policy closes with 1000-1003, 1007-1013 or 3000-4999, and 1005 stands \
                         for a close without a code; a connection lost without a close (1006) \
                         is always retried",
                    );
                }
            }
        });
        v.table("backoff", &self.backoff);
        if let Proxy::Url(url) = &self.proxy {
            if let Err(reason) = ProxyUrl::parse(url, false) {
                v.error("proxy", format!("{:?}", without_credentials(url)), reason);
            }
        }
    }
}

/// Whether a close can end with `code`: one a peer or a policy may send, or 1005 for a close
/// frame without a code.
fn can_end_a_connection(code: u16) -> bool {
    code == 1005 || crate::frame::may_send_close_code(code)
}

/// Exponential backoff with full jitter: the delay before attempt *n* (counting from 0) is
/// uniform in `[0, min(max, initial × multiplierⁿ)]`. The `backoff` table of `[client]`.
///
/// # Default
/// `initial = "1s"`, `multiplier = 2.0`, `max = "30s"`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backoff {
    /// The cap of the first delay.
    #[serde(with = "humantime_serde")]
    pub initial: Duration,
    /// How much the cap grows per failed attempt; at least 1.
    pub multiplier: f64,
    /// The largest cap.
    #[serde(with = "humantime_serde")]
    pub max: Duration,
}

// `validate` refuses NaN, so equality is an equivalence relation for valid values.
impl Eq for Backoff {}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            multiplier: 2.0,
            max: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The largest delay before attempt `attempt` (0 for the first retry).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ws_health::config::Backoff;
    ///
    /// let b = Backoff::default();
    /// assert_eq!(b.cap(0), Duration::from_secs(1));
    /// assert_eq!(b.cap(3), Duration::from_secs(8));
    /// assert_eq!(b.cap(60), Duration::from_secs(30));
    /// ```
    pub fn cap(&self, attempt: u32) -> Duration {
        let max = self.max.as_secs_f64();
        let exp = i32::try_from(attempt).unwrap_or(i32::MAX);
        let cap = self.initial.as_secs_f64() * self.multiplier.powi(exp);
        if cap.is_finite() && cap < max {
            Duration::from_secs_f64(cap.max(0.0))
        } else {
            self.max
        }
    }
}

impl Validate for Backoff {
    fn report(&self, v: &mut Validator) {
        if !(self.multiplier.is_finite() && self.multiplier >= 1.0) {
            v.error(
                "multiplier",
                self.multiplier,
                "must be a number of at least 1 (1 keeps the delay constant)",
            );
        }
        if self.initial.is_zero() {
            v.error(
                "initial",
                "\"0s\"",
                "must be greater than zero: a zero delay never grows, and every retry would \
                 come at once",
            );
        }
        v.bounded("initial", self.initial, "");
        v.bounded("max", self.max, "");
        if self.max < self.initial {
            v.error_against(
                "max",
                &["initial"],
                duration(self.max),
                format!("must be at least `initial` ({})", duration(self.initial)),
            );
        }
    }
}

/// A close code or an inclusive range of them: `1008` or `"4000-4999"` in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRange {
    /// The first code of the range.
    pub start: u16,
    /// The last code of the range (inclusive).
    pub end: u16,
}

impl CodeRange {
    /// The codes `start..=end`.
    pub fn new(start: u16, end: u16) -> Self {
        CodeRange { start, end }
    }

    /// Just `code`.
    pub fn single(code: u16) -> Self {
        CodeRange::new(code, code)
    }

    /// Whether `code` is in the range.
    pub fn contains(&self, code: u16) -> bool {
        (self.start..=self.end).contains(&code)
    }
}

impl fmt::Display for CodeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

impl Serialize for CodeRange {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.start == self.end {
            s.serialize_u16(self.start)
        } else {
            s.collect_str(self)
        }
    }
}

impl<'de> Deserialize<'de> for CodeRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(CodeRangeVisitor)
    }
}

/// A code or a `"first-last"` text; a visitor rather than an untagged enum, whose error
/// says only that no variant matched.
struct CodeRangeVisitor;

impl Visitor<'_> for CodeRangeVisitor {
    type Value = CodeRange;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a close code such as 1008, or a range such as \"4000-4999\"")
    }

    fn visit_u64<E: de::Error>(self, code: u64) -> std::result::Result<CodeRange, E> {
        u16::try_from(code).map(CodeRange::single).map_err(|_| {
            E::custom(format!(
                "close code {code} is out of range: codes go up to 65535"
            ))
        })
    }

    fn visit_i64<E: de::Error>(self, code: i64) -> std::result::Result<CodeRange, E> {
        match u64::try_from(code) {
            Ok(code) => self.visit_u64(code),
            Err(_) => Err(E::invalid_value(Unexpected::Signed(code), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, text: &str) -> std::result::Result<CodeRange, E> {
        let bad = || E::invalid_value(Unexpected::Str(text), &self);
        let (a, b) = text.split_once('-').unwrap_or((text, text));
        let start = a.trim().parse().map_err(|_| bad())?;
        let end = b.trim().parse().map_err(|_| bad())?;
        Ok(CodeRange::new(start, end))
    }
}

#[cfg(test)]
mod tests;
