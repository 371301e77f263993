//! A small HTTP `CONNECT` proxy on a loopback port, for the client's proxy tests: it records
//! each request's head, answers the statuses it is told to, may require credentials, and
//! tunnels every host to 127.0.0.1 at the requested port (so a name that resolves nowhere,
//! `backend.invalid`, is reached: proof the client did not look it up itself).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The proxy; it serves until the test's runtime ends.
#[derive(Clone)]
pub struct ConnectProxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    /// Each request's head, in order (without its blank line).
    heads: Mutex<Vec<String>>,
    /// Statuses to answer, one per request, before tunnelling again.
    answers: Mutex<VecDeque<u16>>,
    /// The `Proxy-Authorization` value required, if any: 407 without it.
    required: Mutex<Option<String>>,
}

impl ConnectProxy {
    /// A proxy on a free loopback port that tunnels every request.
    pub async fn start() -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let serving = shared.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(serve(tcp, serving.clone()));
            }
        });
        ConnectProxy { addr, shared }
    }

    /// `http://addr`, or with `userinfo@`.
    pub fn url(&self, userinfo: Option<&str>) -> String {
        match userinfo {
            Some(userinfo) => format!("http://{userinfo}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// Answers the next requests with `statuses`, one each, then tunnels again.
    pub fn answer(&self, statuses: &[u16]) {
        self.shared.answers.lock().unwrap().extend(statuses);
    }

    /// Answers 407 to a request without `Proxy-Authorization: {value}`.
    pub fn require(&self, value: &str) {
        *self.shared.required.lock().unwrap() = Some(value.to_owned());
    }

    /// The heads of the requests so far.
    pub fn heads(&self) -> Vec<String> {
        self.shared.heads.lock().unwrap().clone()
    }
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head[..head.len() - 4]).into_owned();
    let port = head
        .split(' ')
        .nth(1)
        .and_then(|authority| authority.rsplit_once(':'))
        .and_then(|(_, port)| port.parse::<u16>().ok());
    let authorization = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("proxy-authorization")
            .then(|| value.trim().to_owned())
    });
    shared.heads.lock().unwrap().push(head);
    let scripted = shared.answers.lock().unwrap().pop_front();
    let required = shared.required.lock().unwrap().clone();
    let status = match (scripted, required) {
        (Some(status), _) => status,
        (None, Some(required)) if authorization.as_deref() != Some(required.as_str()) => 407,
        _ => 200,
    };
    let server = match (status, port) {
        (200, Some(port)) => TcpStream::connect(("127.0.0.1", port)).await.ok(),
        _ => None,
    };
    let Some(mut server) = server else {
        let answer = match status {
            200 => "HTTP/1.1 502 Bad Gateway\r\n\r\n".to_owned(),
            407 => "HTTP/1.1 407 Proxy Authentication Required\r\n\
                    Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n"
                .to_owned(),
            status => format!("HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\n\r\n"),
        };
        let _ = client.write_all(answer.as_bytes()).await;
        return;
    };
    let established = b"HTTP/1.1 200 Connection established\r\n\r\n";
    if client.write_all(established).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}
