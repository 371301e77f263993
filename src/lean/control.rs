//! The two frames a sleeping stream handles itself: the ping it writes and the pong it reads.
//! Anything else, or anything unusual about these, is left to tungstenite.

use tokio_tungstenite::tungstenite::protocol::Role;

/// The longest ping payload written without waking tungstenite (ws-health's own are 4 bytes).
pub(super) const SMALL_PING: usize = 8;

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
        if payload.len() > SMALL_PING {
            return None;
        }
        let mut out = Outgoing::default();
        out.bytes[0] = 0x89; // FIN, ping
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

    pub(super) fn remaining(&self) -> &[u8] {
        &self.bytes[usize::from(self.start)..usize::from(self.end)]
    }

    pub(super) fn advance(&mut self, n: usize) {
        self.start = (usize::from(self.start) + n).min(usize::from(self.end)) as u8;
    }
}

/// The payload of `bytes` if they are exactly one pong frame as the peer in front of `role`
/// must send it: FIN, no reserved bits, masked from a client and not from a server, and a
/// payload of at most 125 bytes, unmasked into `payload`.
pub(super) fn pong<'a>(bytes: &[u8], role: Role, payload: &'a mut [u8; 125]) -> Option<&'a [u8]> {
    let (&first, rest) = bytes.split_first()?;
    let (&second, rest) = rest.split_first()?;
    let masked = second & 0x80 != 0;
    let len = usize::from(second & 0x7f);
    if first != 0x8a || len > 125 || masked != (role == Role::Server) {
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
    Some(&payload[..len])
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
        let mut bytes = out.remaining().to_vec();
        bytes[0] = 0x8a; // read it back as a pong
        let mut payload = [0; 125];
        assert_eq!(pong(&bytes, Role::Server, &mut payload), Some(&b"abcd"[..]));
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
    fn anything_but_exactly_one_proper_pong_is_refused() {
        let mut payload = [0; 125];
        let good = masked(0xa, b"xy");
        assert_eq!(pong(&good, Role::Server, &mut payload), Some(&b"xy"[..]));
        let mut two = good.clone();
        two.extend(&good);
        let mut rsv = good.clone();
        rsv[0] |= 0x40;
        let mut unmasked = Vec::new();
        Frame::pong(&b"xy"[..]).format(&mut unmasked).unwrap();
        let ping = masked(0x9, b"xy");
        for (what, bytes, role) in [
            ("two pongs", &two[..], Role::Server),
            ("a partial pong", &good[..good.len() - 1], Role::Server),
            ("reserved bits", &rsv[..], Role::Server),
            ("unmasked from a client", &unmasked[..], Role::Server),
            ("masked from a server", &good[..], Role::Client),
            ("a ping", &ping[..], Role::Server),
            ("nothing", &[][..], Role::Server),
        ] {
            assert_eq!(pong(bytes, role, &mut payload), None, "{what}");
        }
        assert_eq!(
            pong(&unmasked, Role::Client, &mut payload),
            Some(&b"xy"[..])
        );
    }
}
