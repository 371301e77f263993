//! A `LeanStream` hands out exactly the messages tungstenite would, whatever the peer sends
//! and wherever its bytes are split, while it sleeps and wakes along the way: texts,
//! binaries up to 70 KB, fragmented messages with pings and pongs between their fragments,
//! empty messages, pongs that answer the server's last ping and pongs that answer nothing,
//! written by a raw peer in chunks cut at pseudo-random offsets (around frame boundaries
//! most), each read whole by the server before the next is written; the server pings
//! (4 bytes, or over 8) between chunks and stretches of quiet.
//!
//! Each burst's expected messages are first checked against what a plain tungstenite reads from the
//! same bytes. After every step the server has handed out every message completed so far and no
//! other, and the peer has read the server's pings and the pongs to its own, no more. Each run must
//! have seen the server fall asleep and wake up. The failing seed is printed; rerun it with
//! `WS_HEALTH_SEED=<seed>`.

mod support;

use std::collections::BTreeSet;
use std::io;
use std::ops::RangeInclusive;

use bytes::Bytes;
use futures_util::SinkExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::fed_lean::FedLean;
use support::raw_peer::{self, frame};
use support::{next_message, within};
use ws_health::tungstenite::protocol::{Role, WebSocket};
use ws_health::tungstenite::{Error as TungsteniteError, Message};

const SEEDS: u64 = 12;
const EPISODES: usize = 15;

/// A peer's burst of frames: its bytes, and each message they make with the offset at
/// which its last frame ends.
struct Burst {
    rng: StdRng,
    last_ping: Vec<u8>,
    bytes: Vec<u8>,
    messages: Vec<(usize, Message)>,
}

impl Burst {
    fn new(rng: &mut StdRng, last_ping: &[u8]) -> Burst {
        Burst {
            rng: StdRng::seed_from_u64(rng.random()),
            last_ping: last_ping.to_vec(),
            bytes: Vec::new(),
            messages: Vec::new(),
        }
    }

    fn frame(&mut self, fin: bool, opcode: u8, payload: &[u8]) {
        let mask = self.rng.random();
        self.bytes.extend(frame(fin, opcode, payload, Some(mask)));
    }

    /// A ping, a pong for the server's last ping, or a pong for nothing.
    fn control(&mut self) {
        let (pong, payload) = match self.rng.random_range(0..3) {
            0 => (false, bytes(&mut self.rng, 0..=125)),
            1 => (true, self.last_ping.clone()),
            _ => (true, bytes(&mut self.rng, 0..=125)),
        };
        self.control_frame(pong, payload);
    }

    fn control_frame(&mut self, pong: bool, payload: Vec<u8>) {
        self.frame(true, if pong { 0xA } else { 0x9 }, &payload);
        let payload = Bytes::from(payload);
        let message = if pong {
            Message::Pong(payload)
        } else {
            Message::Ping(payload)
        };
        self.messages.push((self.bytes.len(), message));
    }

    /// A text (some characters of 2 to 4 bytes) or a binary, of `len` bytes or a little
    /// more, in 1 to 4 fragments (maybe empty), control frames between them.
    fn data(&mut self, text: bool, len: RangeInclusive<usize>) {
        const CHARS: [char; 6] = ['a', 'Z', ' ', 'é', '€', '😀'];
        let mut payload = bytes(&mut self.rng, len);
        if text {
            let mut chars = String::new();
            while chars.len() < payload.len() {
                chars.push(CHARS[self.rng.random_range(0..CHARS.len())]);
            }
            payload = chars.into_bytes();
        }
        let mut cuts: Vec<usize> = (1..self.rng.random_range(1..=4))
            .map(|_| self.rng.random_range(0..=payload.len()))
            .collect();
        cuts.sort();
        cuts.insert(0, 0);
        cuts.push(payload.len());
        for (i, piece) in cuts.windows(2).enumerate() {
            let last = i + 2 == cuts.len();
            let opcode = if i > 0 {
                0x0
            } else if text {
                0x1
            } else {
                0x2
            };
            self.frame(last, opcode, &payload[piece[0]..piece[1]]);
            if !last && self.rng.random_bool(0.5) {
                self.control();
            }
        }
        let message = match text {
            true => Message::text(String::from_utf8(payload).unwrap()),
            false => Message::binary(payload),
        };
        self.messages.push((self.bytes.len(), message));
    }

    /// One message of any kind.
    fn any(&mut self) {
        let text = self.rng.random_bool(0.5);
        match self.rng.random_range(0..20) {
            0..=8 => self.data(text, 0..=300),
            9..=10 => self.data(false, 65_536..=70_000),
            11 => self.data(text, 0..=0),
            _ => self.control(),
        }
    }

    /// Chunk ends: near frame ends mostly, a few anywhere, and every byte of the start.
    fn cuts(&mut self) -> Vec<usize> {
        let len = self.bytes.len();
        let rng = &mut self.rng;
        let mut cuts: BTreeSet<usize> = (0..rng.random_range(0..4))
            .map(|_| rng.random_range(1..len))
            .collect();
        for &(end, _) in &self.messages {
            if rng.random_bool(0.4) {
                cuts.insert((end + rng.random_range(0..=6)).saturating_sub(3));
            }
        }
        if rng.random_bool(0.2) {
            cuts.extend(1..len.min(16));
        }
        cuts.retain(|&c| c > 0 && c < len);
        cuts.insert(len);
        cuts.into_iter().collect()
    }
}

fn bytes(rng: &mut StdRng, len: RangeInclusive<usize>) -> Vec<u8> {
    let mut out = vec![0; rng.random_range(len)];
    rng.fill(&mut out[..]);
    out
}

/// The messages a plain tungstenite server reads from `bytes`: the oracle the expected
/// messages are checked against, so that they are tungstenite's, not only this test's idea.
fn plain_tungstenite_reads(bytes: &[u8]) -> Vec<Message> {
    /// Reads `bytes`, then would block; takes (and drops) the automatic pongs.
    struct Bytes<'a>(&'a [u8]);
    impl io::Read for Bytes<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.0.read(buf)
        }
    }
    impl io::Write for Bytes<'_> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut ws = WebSocket::from_raw_socket(Bytes(bytes), Role::Server, None);
    let mut messages = Vec::new();
    loop {
        match ws.read() {
            Ok(message) => messages.push(message),
            Err(TungsteniteError::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => {
                return messages
            }
            Err(e) => panic!("tungstenite refused the burst: {e}"),
        }
    }
}

/// Short and comparable: kind, length and a checksum of the payload.
fn describe(message: Option<&Message>) -> String {
    let (kind, data): (&str, &[u8]) = match message {
        Some(Message::Text(t)) => ("text", t.as_bytes()),
        Some(Message::Binary(b)) => ("binary", b),
        Some(Message::Ping(b)) => ("ping", b),
        Some(Message::Pong(b)) => ("pong", b),
        other => return format!("{other:?}"),
    };
    let sum = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{kind} of {} bytes, fnv {sum:016x}", data.len())
}

struct Run {
    lean: FedLean,
    got: Vec<Message>,
    expected: Vec<Message>,
    /// What the peer must read next: the server's pings and the pongs to its own.
    peer_expects: Vec<(u8, Vec<u8>)>,
    last_ping: Vec<u8>,
    asleep: bool,
    sleeps: usize,
    wakes: usize,
}

impl Run {
    /// The peer writes `burst` in chunks; the server reads each whole before the next.
    async fn burst(&mut self, rng: &mut StdRng, mut burst: Burst, step: &str) {
        let model: Vec<_> = burst
            .messages
            .iter()
            .map(|(_, m)| describe(Some(m)))
            .collect();
        let plain: Vec<_> = plain_tungstenite_reads(&burst.bytes)
            .iter()
            .map(|m| describe(Some(m)))
            .collect();
        assert_eq!(
            plain, model,
            "{step}: tungstenite itself reads the burst otherwise"
        );
        let mut from = 0;
        for end in burst.cuts() {
            let got = self.lean.feed(&burst.bytes[from..end]).await;
            self.got.extend(got);
            let done = burst
                .messages
                .iter()
                .filter(|(at, _)| (from + 1..=end).contains(at));
            for (_, message) in done {
                if let Message::Ping(payload) = message {
                    self.peer_expects.push((raw_peer::PONG, payload.to_vec()));
                }
                self.expected.push(message.clone());
            }
            from = end;
            self.check(&format!("{step}, chunk ending at {end}")).await;
            if end < burst.bytes.len() && rng.random_bool(0.1) {
                self.server_ping(rng, &format!("{step}, ping at {end}"))
                    .await;
            }
        }
    }

    /// 4 bytes as ws-health's own, or over the 8 a sleeping stream writes itself.
    async fn server_ping(&mut self, rng: &mut StdRng, step: &str) {
        let len = if rng.random_bool(0.8) { 4..=4 } else { 9..=20 };
        let payload = bytes(rng, len);
        self.last_ping = payload.clone();
        self.peer_expects.push((raw_peer::PING, payload.clone()));
        let ping = self.lean.ws.send(Message::Ping(payload.into()));
        within(step, ping).await.unwrap();
        self.check(step).await;
    }

    /// Every message so far and only those; the peer's frames; sleeps and wake-ups.
    async fn check(&mut self, step: &str) {
        let (got, expected) = (&self.got, &self.expected);
        if let Some(i) = (0..got.len().max(expected.len())).find(|&i| got.get(i) != expected.get(i))
        {
            panic!(
                "{step}: the server's message #{i} is {}, expected {} ({} handed out, {} expected)",
                describe(got.get(i)),
                describe(expected.get(i)),
                got.len(),
                expected.len()
            );
        }
        for (opcode, payload) in self.peer_expects.drain(..) {
            let frame = within(step, self.lean.peer.read_frame()).await;
            let frame = frame.expect("the peer's stream ended");
            assert_eq!(
                (frame.opcode, frame.payload),
                (opcode, payload),
                "the peer's frame after {step}"
            );
        }
        let asleep = self.lean.ws.is_asleep();
        self.sleeps += usize::from(asleep && !self.asleep);
        self.wakes += usize::from(!asleep && self.asleep);
        self.asleep = asleep;
    }
}

async fn run(seed: u64) {
    eprintln!("seed {seed}");
    let rng = &mut StdRng::seed_from_u64(seed);
    let lean = FedLean::connect().await;
    assert!(lean.ws.is_asleep(), "not asleep right after the handshake");
    let mut r = Run {
        lean,
        got: vec![],
        expected: vec![],
        peer_expects: vec![],
        last_ping: vec![],
        asleep: true,
        sleeps: 0,
        wakes: 0,
    };
    for episode in 0..EPISODES {
        let step = format!("seed {seed}, episode {episode}");
        if episode % 3 == 2 || rng.random_bool(0.1) {
            // Quiet: the server pings, the peer answers (and maybe pings, or pongs for nothing).
            for round in 0..rng.random_range(2..=3) {
                r.server_ping(rng, &format!("{step}, quiet ping {round}"))
                    .await;
                let mut burst = Burst::new(rng, &r.last_ping);
                burst.control_frame(true, r.last_ping.clone());
                if rng.random_bool(0.3) {
                    burst.control();
                }
                r.burst(rng, burst, &format!("{step}, quiet answer {round}"))
                    .await;
            }
        } else {
            let mut burst = Burst::new(rng, &r.last_ping);
            for _ in 0..rng.random_range(1..=6) {
                burst.any();
            }
            r.burst(rng, burst, &step).await;
        }
    }
    r.lean.peer.close(1000, "done").await;
    let close = next_message(&mut r.lean.ws, "the server's close").await;
    assert!(matches!(close, Message::Close(Some(_))), "{close:?}");
    within("server flush", r.lean.ws.flush()).await.unwrap();
    let echo = within("the echo", r.lean.peer.read_frame()).await;
    let echo = echo.expect("an echoed close");
    assert_eq!(
        echo.opcode,
        raw_peer::CLOSE,
        "seed {seed}: a frame nobody expected: {echo:?}"
    );
    assert!(
        r.sleeps > 0 && r.wakes > 0,
        "seed {seed}: slept {} times, woke {} times",
        r.sleeps,
        r.wakes
    );
}

#[tokio::test]
async fn lean_stream_delivers_what_tungstenite_delivers_however_the_bytes_are_split() {
    let seeds = match std::env::var("WS_HEALTH_SEED") {
        Ok(seed) => vec![seed.parse().expect("WS_HEALTH_SEED is a number")],
        Err(_) => (0..SEEDS).collect(),
    };
    for seed in seeds {
        run(seed).await;
    }
}
