//! One client connection speaking the WebSocket wire by hand, so that it decides about every
//! pong: answer at once, answer after a delay, or (once frozen) never.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::stats::{ms, CloseRecord, Recorder};

const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;
const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// The switch the runner flips to make a connection stop answering.
#[derive(Debug, Default)]
pub struct Freeze {
    frozen: AtomicBool,
    at: Mutex<Option<Instant>>,
}

impl Freeze {
    pub fn freeze(&self, now: Instant) {
        *self.at.lock().unwrap() = Some(now);
        self.frozen.store(true, Ordering::Release);
    }

    fn at(&self) -> Option<Instant> {
        if self.frozen.load(Ordering::Acquire) {
            *self.at.lock().unwrap()
        } else {
            None
        }
    }
}

/// Connects from `source` and performs the opening handshake.
pub async fn connect(source: IpAddr, server: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    let mut stream = socket.connect(server).await?;
    stream.set_nodelay(true)?;
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {server}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !response.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 || response.len() > 4096 {
            return Err(std::io::Error::other("handshake: bad or missing response"));
        }
        response.push(byte[0]);
    }
    if !response.starts_with(b"HTTP/1.1 101") {
        return Err(std::io::Error::other("handshake refused"));
    }
    Ok(stream)
}

/// A client frame: masked, as RFC 6455 requires.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(6 + payload.len());
    out.push(0x80 | opcode);
    out.push(0x80 | u8::try_from(payload.len()).expect("control payload ≤ 125 bytes"));
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
    out
}

enum Writer {
    Direct(OwnedWriteHalf),
    Delayed(mpsc::UnboundedSender<(Instant, Vec<u8>)>),
}

impl Writer {
    async fn send(&mut self, bytes: Vec<u8>, due: Instant) -> std::io::Result<()> {
        match self {
            Writer::Direct(w) => w.write_all(&bytes).await,
            Writer::Delayed(tx) => tx
                .send((due, bytes))
                .map_err(|_| std::io::Error::other("writer gone")),
        }
    }
}

/// Reads frames until the connection ends; answers pings unless frozen; records the end.
pub async fn run(
    id: usize,
    stream: TcpStream,
    pong_delay: Duration,
    freeze: Arc<Freeze>,
    recorder: Arc<Mutex<Recorder>>,
) {
    let (read, write) = stream.into_split();
    let mut writer = if pong_delay.is_zero() {
        Writer::Direct(write)
    } else {
        let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
        tokio::spawn(async move {
            let mut write = write;
            while let Some((due, bytes)) = rx.recv().await {
                tokio::time::sleep_until(due).await;
                if write.write_all(&bytes).await.is_err() {
                    break;
                }
            }
        });
        Writer::Delayed(tx)
    };
    let mut read = BufReader::with_capacity(256, read);
    let mut last_ping: Option<Instant> = None;
    let mut unanswered: Option<Instant> = None;
    let mut payload = Vec::with_capacity(128);
    let (code, reason) = loop {
        let Ok(opcode) = read_frame(&mut read, &mut payload).await else {
            break (1006, String::from("connection ended without a close frame"));
        };
        let now = Instant::now();
        match opcode {
            PING => {
                recorder.lock().unwrap().ping(last_ping, now);
                last_ping = Some(now);
                if freeze.at().is_some() {
                    unanswered.get_or_insert(now);
                    continue;
                }
                recorder.lock().unwrap().answered += 1;
                if writer
                    .send(frame(PONG, &payload), now + pong_delay)
                    .await
                    .is_err()
                {
                    break (1006, String::from("write failed"));
                }
            }
            CLOSE => {
                let code = match payload.as_slice() {
                    [a, b, ..] => u16::from_be_bytes([*a, *b]),
                    _ => 1005,
                };
                let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
                let reply = frame(CLOSE, &payload[..payload.len().min(2)]);
                let _ = writer.send(reply, now).await;
                break (code, reason.into_owned());
            }
            _ => {}
        }
    };
    let now = Instant::now();
    let frozen_at = freeze.at();
    let mut recorder = recorder.lock().unwrap();
    let record = CloseRecord {
        conn: id,
        frozen: frozen_at.is_some(),
        code,
        reason,
        at_ms: ms(now - recorder.started),
        since_freeze_ms: frozen_at.map(|t| ms(now - t)),
        since_unanswered_ping_ms: unanswered.map(|t| ms(now - t)),
    };
    recorder.closes.push(record);
}

/// Reads one unmasked server frame (fragments are not expected) into `payload`.
async fn read_frame(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    payload: &mut Vec<u8>,
) -> std::io::Result<u8> {
    let mut head = [0u8; 2];
    read.read_exact(&mut head).await?;
    let opcode = head[0] & 0x0f;
    let len = match head[1] & 0x7f {
        126 => u64::from(read.read_u16().await?),
        127 => read.read_u64().await?,
        n => u64::from(n),
    };
    if head[1] & 0x80 != 0 {
        let mut mask = [0u8; 4];
        read.read_exact(&mut mask).await?;
    }
    let len = usize::try_from(len).map_err(std::io::Error::other)?;
    if len > 1 << 20 {
        return Err(std::io::Error::other(
            "frame too large for the load generator",
        ));
    }
    payload.resize(len, 0);
    read.read_exact(payload).await?;
    Ok(opcode)
}
