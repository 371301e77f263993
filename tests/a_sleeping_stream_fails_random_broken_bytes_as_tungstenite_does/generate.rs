//! What the seeded peer sends: the read limits, valid frames, payloads and where chunks end.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use rand::rngs::StdRng;
use rand::Rng;
use ws_health::config::SocketConfig;
use ws_health::tungstenite::protocol::{Role, WebSocketConfig};

use crate::support::raw_peer::{self, PING, PONG, TEXT};

/// Codes a close may carry: those an endpoint may send, and those it may not.
const CODES: [u16; 24] = [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 0, 999, 1004, 1005,
    1006, 1015, 1016, 2999, 3000, 4999, 5000, 65535,
];

/// Byte sequences that are not UTF-8: a bad continuation, a byte never used, a sequence cut
/// short, an overlong encoding, a surrogate, a code point past U+10FFFF, a lone continuation.
const NOT_UTF8: [&[u8]; 7] = [
    &[0xC3, 0x28],
    &[0xFF],
    &[0xE2, 0x82],
    &[0xC0, 0xAF],
    &[0xED, 0xA0, 0x80],
    &[0xF4, 0x90, 0x80, 0x80],
    &[0x80],
];

/// The read limits of one run: tight ones too, so that frames and messages go over them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_frame: usize,
    pub max_message: usize,
    accept_unmasked: bool,
}

impl Limits {
    pub fn new(rng: &mut StdRng) -> Limits {
        let default = 16 << 20;
        Limits {
            // Always some: with none, tungstenite reserves what a length says, up to 2^64.
            max_frame: match rng.random_range(0..10) {
                0..=5 => default,
                6..=7 => rng.random_range(0..=140),
                _ => rng.random_range(126..=4096),
            },
            max_message: match rng.random_range(0..10) {
                0..=5 => default,
                _ => rng.random_range(0..=300),
            },
            accept_unmasked: rng.random_bool(0.1),
        }
    }

    pub fn config(self) -> WebSocketConfig {
        SocketConfig::default()
            .websocket_config()
            .max_frame_size(Some(self.max_frame))
            .max_message_size(Some(self.max_message))
            .accept_unmasked_frames(self.accept_unmasked)
    }
}

/// Random bytes, as many as `len` picks.
pub fn bytes(rng: &mut StdRng, len: RangeInclusive<usize>) -> Vec<u8> {
    let mut out = vec![0; rng.random_range(len)];
    rng.fill(&mut out[..]);
    out
}

/// Text of about `len` bytes, characters of 1 to 4 bytes.
pub fn text(rng: &mut StdRng, len: RangeInclusive<usize>) -> Vec<u8> {
    const CHARS: [char; 6] = ['a', 'Z', ' ', 'é', '€', '😀'];
    let len = rng.random_range(len);
    let mut out = String::new();
    loop {
        let c = CHARS[rng.random_range(0..CHARS.len())];
        if out.len() + c.len_utf8() > len {
            return out.into_bytes();
        }
        out.push(c);
    }
}

/// `text` with a sequence that is not UTF-8 between two of its characters.
pub fn not_utf8(rng: &mut StdRng, len: RangeInclusive<usize>) -> Vec<u8> {
    let text = String::from_utf8(text(rng, len)).unwrap();
    let mut at = rng.random_range(0..=text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut out = text.into_bytes();
    let bad = NOT_UTF8[rng.random_range(0..NOT_UTF8.len())];
    out.splice(at..at, bad.iter().copied());
    out
}

/// A valid frame as the peer sends it: masked if the server reads it.
fn peer_frame(rng: &mut StdRng, role: Role, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = (role == Role::Server).then(|| rng.random());
    raw_peer::frame(true, opcode, payload, mask)
}

/// A ping, a pong or a short text, within `limits`.
pub fn valid_frame(rng: &mut StdRng, role: Role, limits: Limits) -> Vec<u8> {
    let control = 125.min(limits.max_frame);
    let (opcode, payload) = match rng.random_range(0..3) {
        0 => (PING, bytes(rng, 0..=control)),
        1 => (PONG, bytes(rng, 0..=control)),
        _ => (
            TEXT,
            text(rng, 0..=20.min(limits.max_frame).min(limits.max_message)),
        ),
    };
    peer_frame(rng, role, opcode, &payload)
}

/// A control frame's payload: around the 125-byte limit often.
pub fn control_payload(rng: &mut StdRng) -> Vec<u8> {
    let len = match rng.random_range(0..10) {
        0 => 0,
        1 => rng.random_range(1..=8),
        2 => 124,
        3 => 125,
        4 => 126,
        5 => 127,
        6 => rng.random_range(128..=300),
        _ => rng.random_range(0..=125),
    };
    bytes(rng, len..=len)
}

/// A close's payload: 0, 1, 2 or more bytes; any code; a reason that may be too long or not
/// UTF-8.
pub fn close_payload(rng: &mut StdRng) -> Vec<u8> {
    let code = if rng.random_bool(0.8) {
        CODES[rng.random_range(0..CODES.len())]
    } else {
        rng.random()
    };
    let mut out = code.to_be_bytes().to_vec();
    match rng.random_range(0..6) {
        0 => out.clear(),
        1 => out.truncate(1),
        2 => {}
        3 => out.extend(not_utf8(rng, 0..=30)),
        4 => out.extend(text(rng, 118..=130)),
        _ => out.extend(text(rng, 0..=30)),
    }
    out
}

/// Where chunks of `len` bytes end, the first `broken` of them the broken frame: it comes
/// byte by byte at its start, whole and alone (the likeliest), with the rest, or cut anywhere.
pub fn cuts(rng: &mut StdRng, len: usize, broken: usize) -> Vec<usize> {
    let mut cuts = BTreeSet::new();
    match rng.random_range(0..20) {
        0..=4 => cuts.extend(1..len.min(16)),
        5..=11 => _ = cuts.insert(broken),
        12..=14 => {}
        _ => cuts.extend((0..rng.random_range(1..=4)).map(|_| rng.random_range(1..len.max(2)))),
    }
    cuts.retain(|&c| c > 0 && c < len);
    cuts.insert(len);
    cuts.into_iter().collect()
}

/// 4 bytes as ws-health's own pings, sometimes more than a sleeping stream writes itself.
pub fn server_ping(rng: &mut StdRng) -> Vec<u8> {
    match rng.random_range(0..10) {
        0..=6 => bytes(rng, 4..=4),
        7..=8 => bytes(rng, 0..=8),
        _ => bytes(rng, 9..=20),
    }
}
