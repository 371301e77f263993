//! `ws-health serve` stopped by SIGTERM closes every connection with 1001 and prints every
//! one of those closes before it exits: its printer drains the last events instead of being
//! cut off, however many connections close at once.
#![cfg(all(feature = "cli", unix))]

mod support;

use std::io::Read;
use std::process::Command;

use futures_util::StreamExt;
use support::cli::Serve;

const CONNECTIONS: usize = 200;

#[test]
fn cli_serve_prints_the_closes_of_its_shutdown() {
    let mut serve = Serve::start(&[]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = format!("ws://{}", serve.addr);
    let clients = runtime.block_on(async {
        let mut clients = Vec::new();
        for _ in 0..CONNECTIONS {
            let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
                .await
                .unwrap();
            clients.push(ws);
        }
        clients
    });

    let pid = serve.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    // Reading answers the server's close; each stream then ends.
    runtime.block_on(support::within(
        "the server's closes",
        futures_util::future::join_all(
            clients
                .into_iter()
                .map(|mut ws| async move { while let Some(Ok(_)) = ws.next().await {} }),
        ),
    ));
    let status = serve.wait_within(support::cli::PATIENCE);
    assert!(status.success(), "{status:?}");
    let mut out = String::new();
    serve
        .child
        .stdout
        .as_mut()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out.matches(" opened").count(), CONNECTIONS, "{out}");
    let closed = out
        .matches("closed by application with 1001 \"going away\"")
        .count();
    assert_eq!(closed, CONNECTIONS, "{out}");
}
