//! A frame written field by field, and the ways the generator breaks it.

use rand::rngs::StdRng;
use rand::Rng;
use ws_health::tungstenite::protocol::Role;

use crate::generate::{bytes, close_payload, control_payload, not_utf8, text, Limits};
use crate::support::raw_peer::{BINARY, CLOSE, CONTINUATION, PING, PONG, TEXT};

/// How a frame's length is written: in the 7-bit field, or in 16 or 64 bits after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Width {
    Seven,
    Sixteen,
    SixtyFour,
}

impl Width {
    fn minimal(len: u64) -> Width {
        match len {
            0..=125 => Width::Seven,
            126..=0xFFFF => Width::Sixteen,
            _ => Width::SixtyFour,
        }
    }

    /// The minimal width for `len`, or a wider one.
    fn any(rng: &mut StdRng, len: u64) -> Width {
        let widths = [Width::Seven, Width::Sixteen, Width::SixtyFour];
        let fits: Vec<_> = widths
            .into_iter()
            .filter(|&w| w >= Width::minimal(len))
            .collect();
        fits[rng.random_range(0..fits.len())]
    }
}

/// A frame written field by field, each free to break the rules.
#[derive(Debug)]
pub struct Raw {
    /// FIN, RSV1-3, opcode.
    first: u8,
    mask_bit: bool,
    /// The 7-bit length field, and the bytes after it.
    length: u8,
    extended: Vec<u8>,
    /// A masking key on the wire (whatever the mask bit says).
    key: Option<[u8; 4]>,
    /// Unmasked; masked on the wire with `key`.
    payload: Vec<u8>,
}

impl Raw {
    fn proper(rng: &mut StdRng, role: Role, opcode: u8, payload: Vec<u8>) -> Raw {
        let key = (role == Role::Server).then(|| rng.random());
        let mut raw = Raw {
            first: 0x80 | opcode,
            mask_bit: key.is_some(),
            length: 0,
            extended: Vec::new(),
            key,
            payload,
        };
        let len = raw.payload.len() as u64;
        raw.declare(len, Width::minimal(len));
        raw
    }

    fn declare(&mut self, len: u64, width: Width) {
        (self.length, self.extended) = match width {
            Width::Seven => (len as u8 & 0x7F, Vec::new()),
            Width::Sixteen => (126, (len as u16).to_be_bytes().to_vec()),
            Width::SixtyFour => (127, len.to_be_bytes().to_vec()),
        };
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut out = vec![self.first, u8::from(self.mask_bit) << 7 | self.length];
        out.extend_from_slice(&self.extended);
        out.extend(self.key.iter().flatten());
        let mask = |i: usize| self.key.map_or(0, |k| k[i % 4]);
        out.extend(self.payload.iter().enumerate().map(|(i, b)| b ^ mask(i)));
        out
    }

    /// A valid frame of any kind, as the peer in front of `role` sends it: the start.
    pub fn any(rng: &mut StdRng, role: Role, limits: Limits) -> (Raw, String) {
        let small_limit = limits.max_message.min(300);
        // Lone pongs above all, the one frame a sleeping stream reads itself.
        let (what, opcode, payload) = match rng.random_range(0..20) {
            0..=8 => ("pong", PONG, control_payload(rng)),
            9..=10 => ("ping", PING, control_payload(rng)),
            11..=13 => ("close", CLOSE, close_payload(rng)),
            14..=16 if rng.random_bool(0.4) => ("text, not UTF-8", TEXT, not_utf8(rng, 0..=40)),
            14..=16 => ("text", TEXT, text(rng, 0..=small_limit + 2)),
            17..=18 => ("binary", BINARY, bytes(rng, 0..=small_limit + 2)),
            _ => ("continuation", CONTINUATION, bytes(rng, 0..=20)),
        };
        let raw = Raw::proper(rng, role, opcode, payload);
        let what = format!("{what} of {} bytes", raw.payload.len());
        (raw, what)
    }

    /// Breaks one thing at random; what it broke.
    pub fn mutate(&mut self, rng: &mut StdRng, limits: Limits) -> &'static str {
        let len = self.payload.len() as u64;
        match rng.random_range(0..13) {
            0 => {
                self.first ^= 0x80;
                "FIN flipped"
            }
            1 => {
                self.first ^= rng.random_range(1..8u8) << 4;
                "RSV bits flipped"
            }
            2 => {
                self.first = self.first & 0xF0 | rng.random_range(0..16u8);
                "opcode replaced"
            }
            3 => {
                self.mask_bit = !self.mask_bit;
                "MASK bit flipped, key left as it was"
            }
            4 => {
                self.key = match self.key {
                    Some(_) => None,
                    None => Some(rng.random()),
                };
                self.mask_bit = self.key.is_some();
                "masking turned around"
            }
            5 => {
                let width = match Width::minimal(len) {
                    Width::Seven if rng.random_bool(0.5) => Width::Sixteen,
                    _ => Width::SixtyFour,
                };
                self.declare(len, width);
                "length not minimal"
            }
            6 => {
                let off = len.saturating_add_signed(rng.random_range(-3..=3));
                self.declare(off, Width::any(rng, off));
                "length off by a few"
            }
            7 => {
                let low = if rng.random_bool(0.5) {
                    len
                } else {
                    rng.random()
                };
                self.declare(1 << 63 | low, Width::SixtyFour);
                "64-bit length with the top bit set"
            }
            8 => {
                let at = (limits.max_frame as u64 + rng.random_range(0..=4)).saturating_sub(2);
                self.declare(at, Width::any(rng, at));
                "length at the frame limit"
            }
            9 => {
                self.length = rng.random_range(0..128);
                "7-bit length replaced, extended length left as it was"
            }
            10 => {
                self.declare(len, Width::Seven);
                "length in the 7-bit field alone, its low bits (126, 127: no extended length)"
            }
            11 => {
                self.payload
                    .truncate(rng.random_range(0..self.payload.len().max(1)));
                "payload cut short"
            }
            _ => {
                if !self.payload.is_empty() {
                    let at = rng.random_range(0..self.payload.len());
                    self.payload[at] ^= rng.random_range(1..=255u8);
                }
                "a payload byte flipped"
            }
        }
    }
}
