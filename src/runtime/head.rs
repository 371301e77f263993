//! Where an HTTP head ends: the server reading an upgrade request, the client reading a
//! proxy's answer to `CONNECT`, each in pieces as the socket gives them.

/// The index just past the empty line that ends the head in `bytes` (`\r\n` or, as httparse
/// also takes, a bare `\n`), if one ends past `from`, where the bytes not yet looked at
/// begin: the search starts two bytes before, for an end split across reads.
pub(crate) fn head_end(bytes: &[u8], from: usize) -> Option<usize> {
    let start = from.saturating_sub(2);
    (start..bytes.len()).find_map(|i| {
        let end = match &bytes[i..] {
            [b'\n', b'\n', ..] => i + 2,
            [b'\n', b'\r', b'\n', ..] => i + 3,
            _ => return None,
        };
        (end > from).then_some(end)
    })
}

#[cfg(test)]
mod tests {
    use super::head_end;

    /// Every end of a head httparse takes is found, however the reads split it.
    #[test]
    fn the_end_of_a_head_is_found_however_it_is_split() {
        for end in ["\r\n\r\n", "\n\n", "\r\n\n", "\n\r\n"] {
            let head = format!("GET / HTTP/1.1\r\nHost: x{end}AFTER");
            let head = head.as_bytes();
            let whole = head.len() - "AFTER".len();
            for split in 1..whole {
                // The last read is `head[split..]`: it ends the head, at the same place.
                assert_eq!(
                    head_end(head, split),
                    Some(whole),
                    "{end:?} split at {split}"
                );
                // A read that stops before the end's last byte does not.
                assert_eq!(head_end(&head[..whole - 1], split.min(whole - 2)), None);
            }
        }
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n", 5), None);
        assert_eq!(head_end(b"HTTP/1.0 200 OK\n\nx", 0), Some(17));
    }

    /// Random bytes, rich in CR and LF, read in random pieces: the end found is the first
    /// place a head ends (`\n\n` or `\n\r\n`), found in the read that brings it.
    #[test]
    fn random_heads_in_random_pieces_end_where_the_first_empty_line_does() {
        use crate::fuzz::{no_panic, Rng};
        let first_end = |bytes: &[u8]| {
            (0..bytes.len()).find_map(|i| match &bytes[i..] {
                [b'\n', b'\n', ..] => Some(i + 2),
                [b'\n', b'\r', b'\n', ..] => Some(i + 3),
                _ => None,
            })
        };
        let mut rng = Rng::new(0x5eed_0004);
        for _ in 0..200_000 {
            let bytes: Vec<u8> = (0..rng.below(24))
                .map(|_| *rng.pick(b"\r\n\r\na:\0\xff"))
                .collect();
            let expected = first_end(&bytes);
            let (mut from, mut found) = (0, None);
            while from < bytes.len() && found.is_none() {
                let to = from + 1 + rng.below(bytes.len() - from);
                found = no_panic(&(&bytes, from, to), || head_end(&bytes[..to], from));
                if let Some(end) = found {
                    assert!(end > from && end <= to, "{bytes:?} read {from}..{to}");
                }
                from = to;
            }
            assert_eq!(found, expected, "{bytes:?}");
        }
    }
}
