//! The wire by hand, for the bench servers that bypass tungstenite (the floor and the
//! keeper): the answer to an opening request, and the load generator's control frames.

use ws_health::tungstenite::handshake::derive_accept_key;

const OP_CLOSE: u8 = 0x8;
const OP_PONG: u8 = 0xA;

/// The 101 answer to a whole opening request; `None` without a `Sec-WebSocket-Key`.
pub fn upgrade_response(request: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(request);
    let key = text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("sec-websocket-key")
            .then(|| value.trim().to_owned())
    })?;
    Some(format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    ))
}

/// What the whole masked control frames in `bytes` say: `None` if one is a close, else
/// whether one is the pong to ping `seq` (its 4-byte big-endian payload).
pub fn pong_for(bytes: &[u8], seq: u32) -> Option<bool> {
    let mut answered = false;
    let mut frames = bytes;
    while let [head, len, rest @ ..] = frames {
        let len = usize::from(len & 0x7f);
        let Some((mask, rest)) = rest.split_first_chunk::<4>() else {
            break;
        };
        let Some((payload, rest)) = rest.split_at_checked(len) else {
            break;
        };
        match head & 0x0f {
            OP_CLOSE => return None,
            OP_PONG if payload.len() == 4 => {
                let unmasked: [u8; 4] = std::array::from_fn(|k| payload[k] ^ mask[k]);
                answered |= unmasked == seq.to_be_bytes();
            }
            _ => {}
        }
        frames = rest;
    }
    Some(answered)
}
