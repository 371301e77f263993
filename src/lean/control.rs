//! The frames a sleeping stream handles itself: its own small ping and the peer's pong to it,
//! and the peer's small ping and our pong to that. Anything else, or anything unusual about
//! these, is left to tungstenite.

use tokio_tungstenite::tungstenite::protocol::Role;

/// The longest ping or pong payload written without waking tungstenite (ws-health's own
/// pings carry 4 bytes).
pub(super) const SMALL_PING: usize = 8;

/// The control frames read while asleep.
pub(super) const PING: u8 = 0x9;
pub(super) const PONG: u8 = 0xa;

/// A small frame on its way out: header, mask and payload.
#[derive(Debug, Default)]
pub(super) struct Outgoing {
    bytes: [u8; 2 + 4 + SMALL_PING],
    start: u8,
    end: u8,
}

impl Outgoing {
    /// A ping frame, masked in the client's role (RFC 6455 §5.3); `None` if the payload is
    /// over [`SMALL_PING`].
    pub(super) fn ping(payload: &[u8], role: Role) -> Option<Outgoing> {
        Self::control(PING, payload, role)
    }

    /// A pong frame, likewise.
    pub(super) fn pong(payload: &[u8], role: Role) -> Option<Outgoing> {
        Self::control(PONG, payload, role)
    }

    fn control(opcode: u8, payload: &[u8], role: Role) -> Option<Outgoing> {
        if payload.len() > SMALL_PING {
            return None;
        }
        let mut out = Outgoing::default();
        out.bytes[0] = 0x80 | opcode; // FIN
        let mut at = 2;
        let mask = match role {
            Role::Server => None,
            Role::Client => {
                let mask: [u8; 4] = rand::random();
                out.bytes[2..6].copy_from_slice(&mask);
                at = 6;
                Some(mask)
            }
        };
        out.bytes[1] = payload.len() as u8 | if mask.is_some() { 0x80 } else { 0 };
        for (i, &b) in payload.iter().enumerate() {
            out.bytes[at + i] = b ^ mask.map_or(0, |m| m[i % 4]);
        }
        out.end = (at + payload.len()) as u8;
        Some(out)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub(super) fn remaining(&self) -> &[u8] {
        &self.bytes[usize::from(self.start)..usize::from(self.end)]
    }

    pub(super) fn advance(&mut self, n: usize) {
        self.start = (usize::from(self.start) + n).min(usize::from(self.end)) as u8;
    }
}

/// The opcode ([`PING`] or [`PONG`]) and payload of `bytes` if they are exactly one such
/// frame as the peer in front of `role` must send it: FIN, no reserved bits, masked from a
/// client and not from a server, and a payload of at most 125 bytes, unmasked into `payload`.
pub(super) fn ping_or_pong<'a>(
    bytes: &[u8],
    role: Role,
    payload: &'a mut [u8; 125],
) -> Option<(u8, &'a [u8])> {
    let (&first, rest) = bytes.split_first()?;
    let (&second, rest) = rest.split_first()?;
    let masked = second & 0x80 != 0;
    let len = usize::from(second & 0x7f);
    let opcode = first & 0x0f;
    let fin_only = first & 0xf0 == 0x80;
    if !fin_only || !matches!(opcode, PING | PONG) || len > 125 || masked != (role == Role::Server)
    {
        return None;
    }
    let (mask, body) = if masked {
        let (mask, body) = rest.split_at_checked(4)?;
        (Some(mask), body)
    } else {
        (None, rest)
    };
    if body.len() != len {
        return None;
    }
    for (i, (out, &b)) in payload.iter_mut().zip(body).enumerate() {
        *out = b ^ mask.map_or(0, |m| m[i % 4]);
    }
    Some((opcode, &payload[..len]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;

    /// A frame as a client sends it: masked.
    fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x12, 0x34, 0x56, 0x78];
        let mut bytes = vec![0x80 | opcode, 0x80 | payload.len() as u8];
        bytes.extend(mask);
        bytes.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        bytes
    }

    #[test]
    fn a_server_ping_is_what_tungstenite_writes() {
        let out = Outgoing::ping(b"abcd", Role::Server).unwrap();
        let mut expected = Vec::new();
        Frame::ping(&b"abcd"[..]).format(&mut expected).unwrap();
        assert_eq!(out.remaining(), &expected[..]);
    }

    #[test]
    fn a_client_ping_is_masked_and_reads_back() {
        let out = Outgoing::ping(b"abcd", Role::Client).unwrap();
        assert_eq!(out.remaining().len(), 10);
        let mut payload = [0; 125];
        let read = ping_or_pong(out.remaining(), Role::Server, &mut payload);
        assert_eq!(read, Some((PING, &b"abcd"[..])));
    }

    #[test]
    fn a_server_pong_is_what_tungstenite_writes() {
        let out = Outgoing::pong(b"ab", Role::Server).unwrap();
        let mut expected = Vec::new();
        Frame::pong(&b"ab"[..]).format(&mut expected).unwrap();
        assert_eq!(out.remaining(), &expected[..]);
    }

    #[test]
    fn a_long_ping_is_left_to_tungstenite() {
        assert!(Outgoing::ping(&[0; SMALL_PING + 1], Role::Server).is_none());
    }

    #[test]
    fn a_partly_written_frame_keeps_its_rest() {
        let mut out = Outgoing::ping(b"ab", Role::Server).unwrap();
        out.advance(3);
        assert_eq!(out.remaining(), b"b");
        out.advance(9);
        assert!(out.remaining().is_empty());
    }

    #[test]
    fn anything_but_exactly_one_proper_ping_or_pong_is_refused() {
        let mut payload = [0; 125];
        let good = masked(PONG, b"xy");
        let read = ping_or_pong(&good, Role::Server, &mut payload);
        assert_eq!(read, Some((PONG, &b"xy"[..])));
        let read = ping_or_pong(&masked(PING, b"xy"), Role::Server, &mut payload);
        assert_eq!(read, Some((PING, &b"xy"[..])));
        let mut two = good.clone();
        two.extend(&good);
        let mut rsv = good.clone();
        rsv[0] |= 0x40;
        let mut unfinished = good.clone();
        unfinished[0] &= 0x7f;
        let mut unmasked = Vec::new();
        Frame::pong(&b"xy"[..]).format(&mut unmasked).unwrap();
        let close = masked(0x8, b"xy");
        let text = masked(0x1, b"xy");
        for (what, bytes, role) in [
            ("two pongs", &two[..], Role::Server),
            ("a partial pong", &good[..good.len() - 1], Role::Server),
            ("reserved bits", &rsv[..], Role::Server),
            ("no FIN", &unfinished[..], Role::Server),
            ("unmasked from a client", &unmasked[..], Role::Server),
            ("masked from a server", &good[..], Role::Client),
            ("a close", &close[..], Role::Server),
            ("a text", &text[..], Role::Server),
            ("nothing", &[][..], Role::Server),
        ] {
            assert_eq!(ping_or_pong(bytes, role, &mut payload), None, "{what}");
        }
        let read = ping_or_pong(&unmasked, Role::Client, &mut payload);
        assert_eq!(read, Some((PONG, &b"xy"[..])));
    }
}
