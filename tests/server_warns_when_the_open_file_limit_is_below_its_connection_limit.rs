//! A server whose process cannot open `server.max_connections` sockets warns when it starts:
//! past the open-file limit, accept fails (EMFILE) and clients wait unanswered where the
//! connection limit promises a 503. Counted with the connections: the 256 refusals answered
//! over the limit, 64 for the server's own, 4 for each worker thread. (A process of its own:
//! the limit is lowered for it.)
#![cfg(unix)]

mod support;

use support::config::{record, warnings};
use ws_health::config::ServerConfig;

#[tokio::test]
async fn server_warns_when_the_open_file_limit_is_below_its_connection_limit() {
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
    rlimit::setrlimit(rlimit::Resource::NOFILE, 1024, hard).unwrap();
    let serve = |max_connections, workers| async move {
        let (recording, _guard) = record();
        let server = ws_health::runtime::Server::builder(support::runtime::quiet_supervisor())
            .with_server_config(ServerConfig {
                max_connections,
                workers,
                ..support::runtime::server_config()
            })
            .serve("127.0.0.1:0", support::runtime::echo)
            .await
            .unwrap();
        server.shutdown().await;
        recording.events()
    };

    let events = serve(10_000, 0).await;
    let warned = warnings(&events);
    assert_eq!(warned.len(), 1, "{events:?}");
    assert!(
        warned[0].message.contains("open-file limit (1024)"),
        "{warned:?}"
    );
    assert!(
        warned[0].message.contains("server.max_connections (10000)"),
        "{warned:?}"
    );

    // 700 + 256 + 64 fit in 1024; 900 does not, nor 700 with 8 workers (32 more).
    let events = serve(700, 0).await;
    assert!(warnings(&events).is_empty(), "{events:?}");
    for (max_connections, workers) in [(900, 0), (700, 8)] {
        let events = serve(max_connections, workers).await;
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{max_connections}, {workers}: {events:?}");
        assert!(warned[0].message.contains("refusals"), "{warned:?}");
    }
}
