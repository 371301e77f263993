//! What a read error of the WebSocket says: a frame that broke a rule of the protocol (the
//! close code and reason to fail the connection with), or a stream that ended without a
//! close frame.

/// The reason of an end without a close frame, which tungstenite calls a "reset".
pub(super) const ENDED_WITHOUT_CLOSE: &str = "stream ended without a close frame";

/// tungstenite's error, also behind a transport's own error type that wraps it.
fn tungstenite_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a tokio_tungstenite::tungstenite::Error> {
    std::iter::successors(Some(err), |e| e.source()).find_map(|e| e.downcast_ref())
}

/// Whether `err` is tungstenite's for a stream that ended without a close frame.
pub(super) fn ended_without_close(err: &(dyn std::error::Error + 'static)) -> bool {
    use tokio_tungstenite::tungstenite::error::{Error, ProtocolError};
    matches!(
        tungstenite_error(err),
        Some(Error::Protocol(ProtocolError::ResetWithoutClosingHandshake))
    )
}

/// The close code and reason for a received frame that broke the protocol or a limit
/// (RFC 6455 §7.4.1), if `err` is tungstenite's error for one; `None` for a failure of the
/// transport itself, which ends the connection without a close frame. The reason names the
/// rule, then what broke it as tungstenite tells (not the bytes of a text that is not UTF-8,
/// which are the peer's), so that the peer and `Disconnect` see more than "protocol error".
pub(super) fn broken_rule(err: &(dyn std::error::Error + 'static)) -> Option<(u16, String)> {
    use tokio_tungstenite::tungstenite::error::{CapacityError, Error, ProtocolError};
    match tungstenite_error(err)? {
        Error::Capacity(CapacityError::MessageTooLong { size, max_size }) => Some((
            1009,
            format!("message too big: {size} bytes, over {max_size}"),
        )),
        Error::Capacity(_) => Some((1009, "message too big".to_owned())),
        Error::Utf8(_) => Some((1007, "invalid UTF-8".to_owned())),
        Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        Error::Protocol(broken) => Some((1002, format!("protocol error: {broken}"))),
        Error::AttackAttempt => Some((1002, "protocol error".to_owned())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use tokio_tungstenite::tungstenite::error::{CapacityError, Error};

    use super::broken_rule;

    /// A transport's own error, wrapping tungstenite's.
    #[derive(Debug)]
    struct Wrapped(Error);

    impl fmt::Display for Wrapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "transport: {}", self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_broken_rule_is_found_behind_a_transports_own_error() {
        let too_big = || {
            Error::Capacity(CapacityError::MessageTooLong {
                size: 2,
                max_size: 1,
            })
        };
        let too_big_rule = Some((1009, "message too big: 2 bytes, over 1".to_owned()));
        assert_eq!(broken_rule(&too_big()), too_big_rule);
        assert_eq!(broken_rule(&Wrapped(too_big())), too_big_rule);
        let utf8 = Wrapped(Error::Utf8("bad".into()));
        assert_eq!(broken_rule(&utf8), Some((1007, "invalid UTF-8".to_owned())));
        let io = Wrapped(Error::Io(std::io::ErrorKind::BrokenPipe.into()));
        assert_eq!(broken_rule(&io), None);
    }

    /// tungstenite 0.30 raises these two only in its handshake; the mapping holds for a
    /// transport of one's own that returns them from a read.
    #[test]
    fn another_capacity_error_is_1009_and_an_attack_attempt_1002() {
        let headers = Wrapped(Error::Capacity(CapacityError::TooManyHeaders));
        assert_eq!(
            broken_rule(&headers),
            Some((1009, "message too big".to_owned()))
        );
        let attack = Wrapped(Error::AttackAttempt);
        assert_eq!(
            broken_rule(&attack),
            Some((1002, "protocol error".to_owned()))
        );
    }
}
