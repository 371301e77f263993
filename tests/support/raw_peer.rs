//! A WebSocket peer that speaks the wire itself, so a test controls every pong and every
//! byte: a client, or a server ([`RawPeer::accept_sending`]).
//!
//! tungstenite answers pings on its own; a test of keepalive needs a peer that can stay
//! silent, answer late, or send data without ever answering.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One frame as read off the wire (unfragmented frames only; tests send no fragments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub opcode: u8,
    pub payload: Vec<u8>,
}

pub const CONTINUATION: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

impl Frame {
    /// The close code of a close frame (1005 if it carried none).
    pub fn close_code(&self) -> u16 {
        assert_eq!(self.opcode, CLOSE, "not a close frame: {self:?}");
        if self.payload.len() >= 2 {
            u16::from_be_bytes([self.payload[0], self.payload[1]])
        } else {
            1005
        }
    }

    /// The close reason of a close frame.
    pub fn close_reason(&self) -> String {
        String::from_utf8_lossy(self.payload.get(2..).unwrap_or_default()).into_owned()
    }
}

pub struct RawPeer {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Masks what it sends: it plays the client.
    client: bool,
}

/// How long a read may wait before the test fails instead of stalling CI.
const PATIENCE: Duration = Duration::from_secs(60);

impl RawPeer {
    /// Connects and performs the opening handshake by hand.
    pub async fn connect(addr: SocketAddr) -> RawPeer {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        let request = format!(
            "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let response = read_head(&mut stream).await;
        assert!(response.starts_with("HTTP/1.1 101"), "{response}");
        RawPeer {
            stream,
            buf: Vec::new(),
            client: true,
        }
    }

    /// Accepts `stream` as a server, the opening handshake by hand, and sends `early`
    /// (unmasked frames, say) in the same write as the response. What it sends is unmasked.
    pub async fn accept_sending(mut stream: TcpStream, early: &[u8]) -> RawPeer {
        stream.set_nodelay(true).unwrap();
        let request = read_head(&mut stream).await;
        let key = request
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("sec-websocket-key")
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| panic!("no Sec-WebSocket-Key in {request}"));
        let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
        let mut first = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {accept}\r\n\r\n"
        )
        .into_bytes();
        first.extend_from_slice(early);
        stream.write_all(&first).await.unwrap();
        RawPeer {
            stream,
            buf: Vec::new(),
            client: false,
        }
    }

    /// Reads the next frame; `None` at end of stream or on a reset.
    pub async fn read_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some((frame, used)) = parse(&self.buf) {
                self.buf.drain(..used);
                return Some(frame);
            }
            let mut chunk = [0u8; 4096];
            let read = tokio::time::timeout(PATIENCE, self.stream.read(&mut chunk));
            match read.await.expect("no frame came for 60 s") {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Sends one frame, masked if it plays the client.
    pub async fn send(&mut self, opcode: u8, payload: &[u8]) {
        self.stream
            .write_all(&frame(
                true,
                opcode,
                payload,
                self.client.then(rand::random),
            ))
            .await
            .unwrap();
    }

    /// The socket, for a peer that writes on where a write may fail (`send` panics then).
    pub fn into_stream(self) -> TcpStream {
        self.stream
    }

    /// Writes `bytes` as they are: frames built with [`frame`], or any part of them.
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
        self.stream.flush().await.unwrap();
    }

    /// Ends the stream in this direction (a FIN), still reading.
    pub async fn shutdown_write(&mut self) {
        self.stream.shutdown().await.unwrap();
    }

    /// Drops the connection with a TCP reset (`SO_LINGER` 0) instead of a FIN.
    pub fn reset(self) {
        socket2::SockRef::from(&self.stream)
            .set_linger(Some(std::time::Duration::ZERO))
            .unwrap();
    }

    pub async fn pong(&mut self, payload: &[u8]) {
        self.send(PONG, payload).await;
    }

    pub async fn text(&mut self, text: &str) {
        self.send(TEXT, text.as_bytes()).await;
    }

    pub async fn ping(&mut self, payload: &[u8]) {
        self.send(PING, payload).await;
    }

    pub async fn close(&mut self, code: u16, reason: &str) {
        let mut payload = code.to_be_bytes().to_vec();
        payload.extend_from_slice(reason.as_bytes());
        self.send(CLOSE, &payload).await;
    }

    /// Reads frames, answering pings, until a non-control frame or a close; returns it.
    pub async fn next_answering_pings(&mut self) -> Option<Frame> {
        loop {
            let frame = self.read_frame().await?;
            if frame.opcode == PING {
                self.pong(&frame.payload).await;
            } else {
                return Some(frame);
            }
        }
    }
}

fn parse(buf: &[u8]) -> Option<(Frame, usize)> {
    if buf.len() < 2 {
        return None;
    }
    let opcode = buf[0] & 0x0F;
    let masked = buf[1] & 0x80 != 0;
    let (len, mut at) = match buf[1] & 0x7F {
        126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
        127 if buf.len() >= 10 => (
            u64::from_be_bytes(buf[2..10].try_into().unwrap()) as usize,
            10,
        ),
        126 | 127 => return None,
        n => (n as usize, 2),
    };
    let mask = if masked {
        let m: [u8; 4] = buf.get(at..at + 4)?.try_into().unwrap();
        at += 4;
        Some(m)
    } else {
        None
    };
    let mut payload = buf.get(at..at + len)?.to_vec();
    if let Some(m) = mask {
        payload
            .iter_mut()
            .enumerate()
            .for_each(|(i, b)| *b ^= m[i % 4]);
    }
    Some((Frame { opcode, payload }, at + len))
}

/// Reads an HTTP head byte by byte, so that not one byte past it is taken from `stream`.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(PATIENCE, stream.read(&mut byte));
        let n = read.await.expect("no handshake for 60 s").unwrap();
        assert_eq!(n, 1, "the connection ended during the handshake");
        buf.push(byte[0]);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// One frame: masked with `mask` as a client sends it, unmasked as a server does;
/// `fin: false` for all but the last frame of a fragmented message.
pub fn frame(fin: bool, opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
    match payload.len() {
        n if n < 126 => out.push(mask_bit | n as u8),
        n if n <= u16::MAX as usize => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(mask) => {
            out.extend_from_slice(&mask);
            out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        }
        None => out.extend_from_slice(payload),
    }
    out
}
