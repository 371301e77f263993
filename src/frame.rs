//! Limits RFC 6455 puts on control frames, checked before anything is sent.
//!
//! tungstenite enforces them only on receive; ws-health refuses bad values on send with an
//! error that says which limit was broken.

use bytes::Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::{Error, Result};

/// The largest ping or pong payload (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;
/// The largest close reason: 125 bytes less the 2-byte code (RFC 6455 §5.5.1).
pub const MAX_CLOSE_REASON: usize = 123;

/// Checks that `payload` fits in a ping frame.
pub fn check_ping_payload(payload: &[u8]) -> Result<()> {
    if payload.len() > MAX_CONTROL_PAYLOAD {
        return Err(Error::invalid(format!(
            "ping payload is {} bytes; a control frame carries at most {MAX_CONTROL_PAYLOAD}",
            payload.len()
        )));
    }
    Ok(())
}

/// Checks that `code` may be sent on the wire: 1000–1003, 1007–1013 or 3000–4999. The
/// reserved codes 1005, 1006 and 1015 only ever describe a close locally. 1014 "bad gateway"
/// (in IANA's registry, sent by Python `websockets` and browsers) is refused too: tungstenite
/// 0.30 does not know it, so a ws-health or other tungstenite peer reads it as a protocol
/// error and answers 1002.
pub fn check_close_code(code: u16) -> Result<()> {
    if may_send_close_code(code) {
        Ok(())
    } else if code == 1014 {
        Err(Error::invalid(
            "close code 1014 may not be sent: tungstenite, which ws-health speaks WebSocket \
             with, does not know it, and a peer on it reads 1014 as a protocol error (1002); \
             use 1011, or a code of 4000-4999 of the application's",
        ))
    } else {
        Err(Error::invalid(format!(
            "close code {code} may not be sent: use 1000-1003, 1007-1013 or 3000-4999 \
             (1004, 1005, 1006 and 1015 are reserved)"
        )))
    }
}

/// Whether `code` may be sent on the wire (see [`check_close_code`]).
pub(crate) fn may_send_close_code(code: u16) -> bool {
    CloseCode::from(code).is_allowed() && code != 1004
}

/// Checks that `reason` fits in a close frame.
pub fn check_close_reason(reason: &str) -> Result<()> {
    if reason.len() > MAX_CLOSE_REASON {
        return Err(Error::invalid(format!(
            "close reason is {} bytes; a close frame carries at most {MAX_CLOSE_REASON}: {reason:?}",
            reason.len()
        )));
    }
    Ok(())
}

/// Cuts a reason the library builds itself to [`MAX_CLOSE_REASON`] bytes, on a char boundary.
pub fn truncate_reason(reason: &str) -> &str {
    if reason.len() <= MAX_CLOSE_REASON {
        return reason;
    }
    let mut end = MAX_CLOSE_REASON;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// A validated close frame.
pub(crate) fn close_frame(code: u16, reason: &str) -> Result<CloseFrame> {
    check_close_code(code)?;
    check_close_reason(reason)?;
    Ok(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    })
}

/// The close an application's `Message::Close` asks for: its own frame, validated, or 1000
/// without one (the supervisor always says why it closes).
pub(crate) fn requested_close(frame: Option<&CloseFrame>) -> Result<CloseFrame> {
    frame.map_or_else(
        || close_frame(1000, ""),
        |f| close_frame(u16::from(f.code), &f.reason),
    )
}

/// Checks that the application may hand `message` to a connection. A Pong or a raw Frame
/// would go around the supervisor: a Pong takes the place of tungstenite's answer to the
/// peer's ping, a raw Frame can break the framing. A Close must be one that may be sent.
pub(crate) fn check_sendable(message: &Message) -> Result<()> {
    match message {
        Message::Pong(_) => Err(Error::invalid(
            "a Pong may not be sent: the supervisor answers pings itself",
        )),
        Message::Frame(_) => Err(Error::invalid(
            "a raw Frame may not be sent: send Text or Binary messages",
        )),
        Message::Close(frame) => requested_close(frame.as_ref()).map(drop),
        Message::Ping(payload) => check_ping_payload(payload),
        Message::Text(_) | Message::Binary(_) => Ok(()),
    }
}

/// Checks that `message` may be queued for a connection: sendable, and no Close, which goes
/// through `Sender::close` (a client's `Client::close_with`) rather than the queue.
pub(crate) fn check_queueable(message: &Message) -> Result<()> {
    check_sendable(message)?;
    if message.is_close() {
        return Err(Error::invalid(
            "a Close may not be sent here: close with Sender::close \
             (a client with Client::close_with)",
        ));
    }
    Ok(())
}

/// A validated ping payload.
pub(crate) fn ping_payload(payload: Bytes) -> Result<Bytes> {
    check_ping_payload(&payload)?;
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_out_of_range_codes_are_refused() {
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, u16::MAX] {
            let err = check_close_code(code).unwrap_err();
            assert!(err.is_invalid_input());
            assert!(err.to_string().contains(&code.to_string()), "{err}");
        }
        for code in [1000, 1001, 1008, 1011, 1013, 3000, 4000, 4999] {
            check_close_code(code).unwrap();
        }
    }

    /// Python `websockets` sends 1014 "bad gateway"; ws-health refuses it, saying why rather
    /// than leaving it out of a list of ranges.
    #[test]
    fn bad_gateway_is_refused_with_the_reason() {
        let err = check_close_code(1014).unwrap_err();
        assert!(err.is_invalid_input());
        let message = err.to_string();
        assert!(
            message.contains("1014") && message.contains("(1002)"),
            "{err}"
        );
    }

    #[test]
    fn payload_and_reason_limits_are_exact() {
        check_ping_payload(&[0; 125]).unwrap();
        let err = check_ping_payload(&[0; 126]).unwrap_err();
        assert!(err.to_string().contains("126 bytes"), "{err}");
        check_close_reason(&"a".repeat(123)).unwrap();
        assert!(check_close_reason(&"a".repeat(124)).is_err());
    }

    #[test]
    fn truncation_keeps_whole_chars() {
        let reason = "é".repeat(100); // 200 bytes
        let cut = truncate_reason(&reason);
        assert!(cut.len() <= MAX_CLOSE_REASON);
        assert_eq!(cut.len(), 122);
        assert_eq!(truncate_reason("short"), "short");
    }
}
