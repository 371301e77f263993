//! TCP options from the `[socket]` table, applied with socket2 to every connection the
//! runtime accepts or makes.

use socket2::{SockRef, TcpKeepalive};
use tokio::net::TcpStream;

use crate::config::SocketConfig;
use crate::{Error, ErrorKind, Result, Supervisor};

/// Applies `TCP_NODELAY`, TCP keepalive (idle, interval, retries) and, on Linux,
/// `TCP_USER_TIMEOUT` and `TCP_NOTSENT_LOWAT` from `config` to `stream`.
///
/// The server calls it on each accepted socket and the client on each socket it connects,
/// before the handshake. Options are per socket: set on the side whose writes and dead-peer
/// detection they should govern (both sides, for ws-health's own server and client).
///
/// # Errors
/// The option the operating system refused, with its cause.
///
/// ```no_run
/// # async fn run() -> ws_health::Result<()> {
/// let stream = tokio::net::TcpStream::connect("127.0.0.1:8765").await?;
/// ws_health::runtime::configure_socket(&stream, &ws_health::config::SocketConfig::default())?;
/// # Ok(()) }
/// ```
pub fn configure_socket(stream: &TcpStream, config: &SocketConfig) -> Result<()> {
    let sock = SockRef::from(stream);
    let failed = |option: &'static str| {
        move |err: std::io::Error| {
            Error::new(
                ErrorKind::Io,
                format!("could not set {option} on the socket: {err}"),
            )
            .with_source(err)
        }
    };
    sock.set_tcp_nodelay(config.nodelay)
        .map_err(failed("TCP_NODELAY"))?;
    let keepalive = &config.keepalive;
    if keepalive.enabled {
        let params = TcpKeepalive::new()
            .with_time(keepalive.idle)
            .with_interval(keepalive.interval)
            .with_retries(keepalive.retries);
        sock.set_tcp_keepalive(&params).map_err(failed(
            "TCP keepalive (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT)",
        ))?;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Some(timeout) = config.user_timeout {
        sock.set_tcp_user_timeout(Some(timeout))
            .map_err(failed("TCP_USER_TIMEOUT"))?;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if config.notsent_lowat > 0 {
        sock.set_tcp_notsent_lowat(config.notsent_lowat)
            .map_err(failed("TCP_NOTSENT_LOWAT"))?;
    }
    Ok(())
}

/// Checks `config` as a configuration file is checked, and that its write buffer holds the
/// largest message `supervisor` lets the application send: `send` accepts such a message,
/// and tungstenite refusing it mid-write would end the connection with the message lost.
/// Warns when the two limits differ: the supervisor's bounds what we send, the socket's what
/// the peer may, and a limit set on the supervisor alone leaves the peer at the default.
pub(crate) fn validate(config: &SocketConfig, supervisor: &Supervisor) -> Result<()> {
    config.validate()?;
    let largest = supervisor.max_message_size();
    if largest != config.max_message_size {
        let shown = |size: Option<usize>| size.map_or_else(|| "none".into(), |s| s.to_string());
        tracing::warn!(
            send = %shown(largest),
            receive = %shown(config.max_message_size),
            "the supervisor's send limit is not `socket.max_message_size`, which bounds what \
             the peer may send: set both (`with_socket_config`), or build both from one \
             configuration (`with_config`)"
        );
    }
    // Without a send limit, any message must fit: only an unbounded write buffer holds it.
    let fits = match largest {
        Some(_) => config.max_write_buffer_size > config.write_room(largest),
        None => config.max_write_buffer_size == usize::MAX,
    };
    if !fits {
        let shown = |size: Option<usize>| size.map_or_else(|| "none".into(), |s| s.to_string());
        return Err(Error::invalid(format!(
            "the supervisor lets the application send messages of {}, more than \
             `socket.max_write_buffer_size` ({}) holds beside `socket.write_buffer_size` ({}) \
             and a frame header ({}): give the supervisor the socket's limit, \
             `socket.max_message_size` ({}), with `SupervisorBuilder::with_config` or \
             `with_max_message_size`, or raise `socket.max_write_buffer_size`",
            largest.map_or_else(|| "any size".into(), |m| format!("up to {m} bytes")),
            config.max_write_buffer_size,
            config.write_buffer_size,
            crate::config::FRAME_HEADER,
            shown(config.max_message_size),
        )));
    }
    Ok(())
}
