//! A small frame parser, the oracle for what a server wrote and for when a stream may sleep.

/// The frames a server wrote, unmasked: `(first byte, payload)`; a rest that is no whole
/// frame comes last, with first byte 0.
pub fn frames_written(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let Some((frame, used)) = first_frame(bytes) else {
            frames.push((0, bytes.to_vec()));
            break;
        };
        frames.push(frame);
        bytes = &bytes[used..];
    }
    frames
}

/// Whether `bytes`, frames tungstenite took without fault from a frame boundary on, end at a
/// frame boundary with no message half read: the model of when a stream may sleep.
pub fn ends_between_messages(mut bytes: &[u8]) -> bool {
    let mut open = false;
    while !bytes.is_empty() {
        let Some((first, _, at, len)) = header(bytes) else {
            return false;
        };
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| at.checked_add(len));
        let Some(rest) = end.and_then(|end| bytes.get(end..)) else {
            return false;
        };
        if first & 0x08 == 0 {
            open = first & 0x80 == 0; // a data frame without FIN leaves its message open
        }
        bytes = rest;
    }
    !open
}

/// The first frame of `bytes`, unmasked, and its length on the wire; `None` if not whole.
fn first_frame(bytes: &[u8]) -> Option<((u8, Vec<u8>), usize)> {
    let (first, key, at, len) = header(bytes)?;
    let end = at.checked_add(usize::try_from(len).ok()?)?;
    let mask = |i: usize| key.map_or(0, |k| k[i % 4]);
    let payload = bytes.get(at..end)?.iter().enumerate();
    Some(((first, payload.map(|(i, b)| b ^ mask(i)).collect()), end))
}

/// The first frame header of `bytes`: its first byte, masking key, where its payload starts
/// and how long it says it is; `None` if not whole.
fn header(bytes: &[u8]) -> Option<(u8, Option<[u8; 4]>, usize, u64)> {
    let (&first, &second) = (bytes.first()?, bytes.get(1)?);
    let (len, at) = match second & 0x7F {
        126 => (
            u64::from(u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?)),
            4,
        ),
        127 => (u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?), 10),
        n => (u64::from(n), 2),
    };
    match second & 0x80 {
        0 => Some((first, None, at, len)),
        _ => Some((
            first,
            Some(bytes.get(at..at + 4)?.try_into().ok()?),
            at + 4,
            len,
        )),
    }
}
