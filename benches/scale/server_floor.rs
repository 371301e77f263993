//! The floor: what a keepalive ping costs below any runtime or WebSocket library.
//!
//! One thread, one `mio` poll, no tokio, no tungstenite on the hot path, no task or timer
//! per connection: the connections' ping times in one queue, each ping a 6-byte frame
//! written with one `send`, each pong read with one `recv` into a buffer on the stack and
//! matched against the ping's counter. What is left is the kernel's part of a ping (TCP send
//! and receive on loopback, epoll) and next to nothing of user space, so its CPU per ping
//! bounds from below what any server can reach, ws-health or hand-written.
//!
//! A measuring tool, not a server to copy: it expects the load generator's whole, masked
//! control frames, judges the pong deadline when the next ping is due (so it runs only with
//! the timeout equal to the interval, as in run B, where that is exact), and drops a
//! connection it cannot write to.

#[allow(dead_code)]
#[path = "server_common.rs"]
mod common;
#[path = "raw_wire.rs"]
mod raw_wire;

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::Instant;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

const LISTENER: Token = Token(usize::MAX);

struct Conn {
    /// Tells this connection's queue entries from those of an earlier one in its slot.
    id: u64,
    stream: TcpStream,
    /// The opening request, until the handshake is done.
    request: Option<Vec<u8>>,
    seq: u32,
    awaiting: bool,
    pinged_at: Instant,
}

fn main() {
    let args = common::args("server_floor");
    common::require_timeout_equal_to_interval("server_floor", &args);
    common::bounded(args.max_secs);
    let mut poll = Poll::new().expect("mio poll");
    let mut listener = listen(args.port);
    let port = listener.local_addr().expect("local address").port();
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .expect("register the listener");
    println!("LISTENING {port}");

    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    // Every connection pings at the same interval: kept in order of due time, the queue is
    // the whole timer.
    let mut due: VecDeque<(Instant, usize, u64)> = VecDeque::new();
    let mut next_id = 0u64;
    let mut events = Events::with_capacity(1024);
    loop {
        let timeout = due
            .front()
            .map(|&(at, ..)| at.saturating_duration_since(Instant::now()));
        if let Err(err) = poll.poll(&mut events, timeout) {
            assert_eq!(err.kind(), ErrorKind::Interrupted, "poll: {err}");
        }
        for event in &events {
            if event.token() == LISTENER {
                accept(&listener, &poll, &mut conns, &mut free, &mut next_id);
                continue;
            }
            let i = event.token().0;
            let Some(conn) = conns[i].as_mut() else {
                continue;
            };
            let keep = if conn.request.is_some() {
                let open = handshake(conn);
                if open == Some(true) {
                    let at = Instant::now() + args.interval;
                    due.push_back((at.max(due.back().map_or(at, |b| b.0)), i, conn.id));
                }
                open.is_some()
            } else {
                read_pongs(conn)
            };
            if !keep {
                drop_conn(&poll, &mut conns, &mut free, i);
            }
        }
        let now = Instant::now();
        while let Some(&(at, i, id)) = due.front() {
            if at > now {
                break;
            }
            due.pop_front();
            let Some(conn) = conns[i].as_mut().filter(|c| c.id == id) else {
                continue; // closed since
            };
            if conn.awaiting && now >= conn.pinged_at + args.timeout {
                let _ = conn.stream.write(b"\x88\x18\x03\xf3keepalive ping timeout");
                drop_conn(&poll, &mut conns, &mut free, i);
                continue;
            }
            conn.seq = conn.seq.wrapping_add(1);
            let [a, b, c, d] = conn.seq.to_be_bytes();
            if !matches!(conn.stream.write(&[0x89, 4, a, b, c, d]), Ok(6)) {
                drop_conn(&poll, &mut conns, &mut free, i);
                continue;
            }
            conn.awaiting = true;
            // From the due time: the next due time has passed the deadline when the timeout
            // equals the interval.
            conn.pinged_at = at;
            let next = at + args.interval;
            due.push_back((next.max(due.back().map_or(next, |b| b.0)), i, id));
        }
    }
}

fn listen(port: u16) -> TcpListener {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket.set_reuse_address(true).expect("SO_REUSEADDR");
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], port)).into())
        .expect("bind the listener");
    // A deep backlog: the load generator opens thousands of connections at once.
    socket.listen(4096).expect("listen");
    socket.set_nonblocking(true).expect("non-blocking");
    TcpListener::from_std(socket.into())
}

fn accept(
    listener: &TcpListener,
    poll: &Poll,
    conns: &mut Vec<Option<Conn>>,
    free: &mut Vec<usize>,
    next_id: &mut u64,
) {
    loop {
        let mut stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(err) if err.kind() == ErrorKind::WouldBlock => return,
            Err(err) => {
                eprintln!("accept: {err}"); // out of file descriptors, most likely
                return;
            }
        };
        let _ = stream.set_nodelay(true);
        let i = free.pop().unwrap_or_else(|| {
            conns.push(None);
            conns.len() - 1
        });
        if poll
            .registry()
            .register(&mut stream, Token(i), Interest::READABLE)
            .is_err()
        {
            free.push(i);
            continue;
        }
        *next_id += 1;
        conns[i] = Some(Conn {
            id: *next_id,
            stream,
            request: Some(Vec::new()),
            seq: 0,
            awaiting: false,
            pinged_at: Instant::now(),
        });
    }
}

/// Reads the opening request and answers it: `Some(true)` once open, `Some(false)` while
/// the request is incomplete, `None` to drop the connection.
fn handshake(conn: &mut Conn) -> Option<bool> {
    let request = conn.request.as_mut()?;
    let mut buf = [0u8; 1024];
    loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => request.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == ErrorKind::WouldBlock => break,
            Err(_) => return None,
        }
        if request.len() > 8192 {
            return None;
        }
    }
    if !request.ends_with(b"\r\n\r\n") {
        return Some(false);
    }
    let response = raw_wire::upgrade_response(request)?;
    conn.stream.write_all(response.as_bytes()).ok()?;
    conn.request = None;
    Some(true)
}

/// Reads what arrived (edge-triggered: until a short read); false when the peer is gone.
fn read_pongs(conn: &mut Conn) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        let n = match conn.stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => n,
            Err(err) if err.kind() == ErrorKind::WouldBlock => return true,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return false,
        };
        match raw_wire::pong_for(&buf[..n], conn.seq) {
            None => return false,
            Some(answered) => conn.awaiting &= !answered,
        }
        if n < buf.len() {
            return true;
        }
    }
}

fn drop_conn(poll: &Poll, conns: &mut [Option<Conn>], free: &mut Vec<usize>, i: usize) {
    if let Some(mut conn) = conns[i].take() {
        let _ = poll.registry().deregister(&mut conn.stream);
        free.push(i);
    }
}
