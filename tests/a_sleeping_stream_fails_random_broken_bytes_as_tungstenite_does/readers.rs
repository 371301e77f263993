//! The two servers compared, tungstenite alone and a `LeanStream`, and the pair that feeds both.

use std::io;
use std::task::{Context, Poll, Waker};

use futures_util::{SinkExt, StreamExt};
use ws_health::tungstenite::error::ProtocolError;
use ws_health::tungstenite::handshake::server::NoCallback;
use ws_health::tungstenite::protocol::{Role, WebSocket, WebSocketConfig};
use ws_health::tungstenite::{Error, Message};
use ws_health::LeanStream;

use crate::frames::frames_written;
use crate::wire::{ready, End, Wire};

/// What a server hands out, or how its reading ends.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Message(Message),
    /// A failed read, with the close code the supervisor fails the connection with.
    Failed {
        code: Option<u16>,
        error: String,
    },
    /// The stream ended (tokio-tungstenite's `None`; tungstenite's `ConnectionClosed`).
    Ended,
    /// Waiting for bytes with some still unread: a connection that would hang.
    Stalled(usize),
    /// A flush after a ping, or a ping of the server's, failed.
    WriteFailed(String),
}

impl Event {
    fn failed(err: &Error) -> Event {
        Event::Failed {
            code: close_code(err),
            error: format!("{err:?}"),
        }
    }
}

/// The close code the supervisor fails a connection with after `err` (RFC 6455 §7.4.1), as
/// `broken_rule` in `src/supervisor/driver/inbound.rs`; `None`: no close frame.
fn close_code(err: &Error) -> Option<u16> {
    match err {
        Error::Capacity(_) => Some(1009),
        Error::Utf8(_) => Some(1007),
        Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        Error::Protocol(_) | Error::AttackAttempt => Some(1002),
        _ => None,
    }
}

/// One of the two servers under comparison.
trait Reader {
    fn wire(&self) -> &Wire;
    /// The next message or end, `None` while it waits for bytes.
    fn next(&mut self) -> Option<Event>;
    fn flush(&mut self) -> Result<(), Error>;
    fn ping(&mut self, payload: &[u8]) -> Result<(), Error>;
}

/// tungstenite alone, read as tokio-tungstenite reads it.
struct Plain {
    ws: WebSocket<Wire>,
    wire: Wire,
}

impl Reader for Plain {
    fn wire(&self) -> &Wire {
        &self.wire
    }

    fn next(&mut self) -> Option<Event> {
        match self.ws.read() {
            Ok(message) => Some(Event::Message(message)),
            Err(Error::Io(err)) if err.kind() == io::ErrorKind::WouldBlock => None,
            Err(Error::ConnectionClosed | Error::AlreadyClosed) => Some(Event::Ended),
            Err(err) => Some(Event::failed(&err)),
        }
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.ws.flush()
    }

    fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.ws.send(Message::Ping(payload.to_vec().into()))
    }
}

/// A `LeanStream`, asleep from its handshake on.
pub struct Lean {
    pub ws: LeanStream<Wire>,
    wire: Wire,
    /// Pongs handed out by the sleeping stream itself, without waking tungstenite.
    pub pongs_read_asleep: usize,
}

impl Lean {
    fn new(role: Role, config: WebSocketConfig) -> Lean {
        let wire = Wire::default();
        let ws = match role {
            Role::Server => {
                wire.push(
                    b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
                      Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                      Sec-WebSocket-Version: 13\r\n\r\n",
                );
                let accept =
                    LeanStream::accept_hdr_with_config(wire.clone(), NoCallback, Some(config));
                let ws = ready(accept).expect("the server's handshake");
                wire.clear_written(); // the 101
                ws
            }
            Role::Client => ready(LeanStream::from_raw_socket(
                wire.clone(),
                role,
                Some(config),
            )),
        };
        assert!(ws.is_asleep(), "not asleep after the handshake");
        Lean {
            ws,
            wire,
            pongs_read_asleep: 0,
        }
    }
}

impl Reader for Lean {
    fn wire(&self) -> &Wire {
        &self.wire
    }

    fn next(&mut self) -> Option<Event> {
        let cx = &mut Context::from_waker(Waker::noop());
        match self.ws.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(message))) => {
                // Still asleep: the sleeping stream read it itself (a message out of
                // tungstenite leaves it awake at least until the next poll).
                if matches!(message, Message::Pong(_)) && self.ws.is_asleep() {
                    self.pongs_read_asleep += 1;
                }
                Some(Event::Message(message))
            }
            Poll::Ready(Some(Err(err))) => Some(Event::failed(&err)),
            Poll::Ready(None) => Some(Event::Ended),
            Poll::Pending => None,
        }
    }

    fn flush(&mut self) -> Result<(), Error> {
        ready(self.ws.flush())
    }

    fn ping(&mut self, payload: &[u8]) -> Result<(), Error> {
        ready(self.ws.send(Message::Ping(payload.to_vec().into())))
    }
}

/// What one server did: the events, each with the step that brought it.
#[derive(Debug, Default)]
pub struct Track {
    pub events: Vec<(usize, Event)>,
    /// It failed or ended: it is read no more.
    done: bool,
}

impl Track {
    /// Reads all `r` hands out now, flushing after each ping as the supervisor's driver does.
    fn pump(&mut self, r: &mut dyn Reader, step: usize) {
        for _ in 0..10_000 {
            if self.done {
                return;
            }
            let Some(event) = r.next() else {
                let unread = r.wire().unread();
                if unread > 0 {
                    self.events.push((step, Event::Stalled(unread)));
                }
                return;
            };
            self.done = matches!(event, Event::Failed { .. } | Event::Ended);
            let ping = matches!(event, Event::Message(Message::Ping(_)));
            self.events.push((step, event));
            if ping {
                if let Err(err) = r.flush() {
                    self.events
                        .push((step, Event::WriteFailed(format!("{err:?}"))));
                }
            }
        }
        panic!("step {step}: still handing out messages after 10,000");
    }

    pub fn closed(&self) -> bool {
        let close = |(_, e): &(usize, Event)| matches!(e, Event::Message(Message::Close(_)));
        self.done || self.events.iter().any(close)
    }
}

/// The two servers, fed in lockstep.
pub struct Pair {
    plain: Plain,
    pub lean: Lean,
    pub tracks: [Track; 2],
    pub step: usize,
    /// What happened, step by step, for the report.
    pub log: Vec<String>,
}

impl Pair {
    /// Both servers in `role`, reading with `config`; `heading` opens the log.
    pub fn new(role: Role, config: WebSocketConfig, heading: String) -> Pair {
        let wire = Wire::default();
        Pair {
            plain: Plain {
                ws: WebSocket::from_raw_socket(wire.clone(), role, Some(config)),
                wire,
            },
            lean: Lean::new(role, config),
            tracks: Default::default(),
            step: 0,
            log: vec![heading],
        }
    }

    fn each(&mut self, f: impl Fn(&mut dyn Reader, &mut Track, usize)) {
        self.step += 1;
        let [plain, lean] = &mut self.tracks;
        f(&mut self.plain, plain, self.step);
        f(&mut self.lean, lean, self.step);
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        let asleep = if self.lean.ws.is_asleep() {
            ", asleep"
        } else {
            ""
        };
        self.log.push(format!(
            "{}: {} bytes{asleep}: {bytes:02x?}",
            self.step + 1,
            bytes.len()
        ));
        self.each(|r, track, step| {
            r.wire().push(bytes);
            track.pump(r, step);
        });
    }

    pub fn end(&mut self, end: End) {
        self.log.push(format!("{}: {end:?}", self.step + 1));
        self.each(|r, track, step| {
            r.wire().set_end(end);
            track.pump(r, step);
        });
    }

    /// The server pings, unless either has closed or stopped reading.
    pub fn ping(&mut self, payload: &[u8]) {
        if self.tracks.iter().any(Track::closed) {
            return;
        }
        self.log.push(format!(
            "{}: the server pings {payload:02x?}",
            self.step + 1
        ));
        self.each(|r, track, step| {
            if let Err(err) = r.ping(payload) {
                track
                    .events
                    .push((step, Event::WriteFailed(format!("{err:?}"))));
            }
        });
    }

    /// Fails, with all that happened, if the two servers differ or `wrong` names something.
    pub fn check(&self, seed: u64, verbose: bool, mut wrong: Vec<&str>) {
        let [plain, lean] = &self.tracks;
        let written = [&self.plain.wire, &self.lean.wire].map(|w| frames_written(&w.written()));
        if plain.events != lean.events {
            wrong.push("handed out other messages or ended otherwise than tungstenite");
        }
        if written[0] != written[1] {
            wrong.push("wrote other frames than tungstenite");
        }
        if wrong.is_empty() && !verbose {
            return;
        }
        let events = |t: &Track| {
            let lines = t.events.iter().map(|(step, e)| format!("  {step}: {e:?}"));
            lines.collect::<Vec<_>>().join("\n")
        };
        let report = format!(
            "{}\ntungstenite:\n{}\n  wrote {:02x?}\nLeanStream:\n{}\n  wrote {:02x?}",
            self.log.join("\n"),
            events(plain),
            written[0],
            events(lean),
            written[1]
        );
        assert!(
            wrong.is_empty(),
            "seed {seed}: a sleeping LeanStream {} (rerun with WS_HEALTH_SEED={seed}):\n{report}",
            wrong.join(", and ")
        );
        println!("{report}");
    }
}
