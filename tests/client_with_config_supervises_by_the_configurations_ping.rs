//! `ClientBuilder::with_config(&config)` takes the whole configuration: without a supervisor
//! of the application's own, the client's connections are supervised by `config`'s `[ping]`,
//! `[checks]` and `[policy]` too, not by the defaults (a client built this way pinged every
//! 20 s whatever the file said). A supervisor the application passes wins.

mod support;

use std::time::Duration;

use support::raw_peer::{RawPeer, PING};
use tokio::net::TcpListener;
use ws_health::runtime::Client;
use ws_health::{CheckSettings, Config};

fn pinging_every(interval: Duration) -> Config {
    Config {
        ping: CheckSettings::every(interval, Duration::from_secs(5)),
        ..Config::default()
    }
}

#[tokio::test]
async fn client_with_config_supervises_by_the_configurations_ping() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let client = Client::builder(url.as_str())
        .with_config(&pinging_every(Duration::from_millis(200)))
        .connect()
        .unwrap();
    let (stream, _) = listener.accept().await.unwrap();
    let mut server = RawPeer::accept_sending(stream, b"").await;
    let frame = support::within("the configured ping (the default's is 20 s away)", async {
        server.read_frame().await
    })
    .await
    .expect("a frame");
    assert_eq!(frame.opcode, PING, "{frame:?}");
    client.close();

    // An application's supervisor wins, whichever is given first.
    let quiet = support::runtime::quiet_supervisor();
    let with_config = |builder: ws_health::runtime::ClientBuilder| {
        builder.with_config(&pinging_every(Duration::from_millis(200)))
    };
    for first in [true, false] {
        let builder = Client::builder(url.as_str());
        let builder = if first {
            with_config(builder.with_supervisor(quiet.clone()))
        } else {
            with_config(builder).with_supervisor(quiet.clone())
        };
        let client = builder.connect().unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        let mut server = RawPeer::accept_sending(stream, b"").await;
        let frame = tokio::time::timeout(Duration::from_secs(1), server.read_frame()).await;
        assert!(frame.is_err(), "pinged by the configuration: {frame:?}");
        client.close();
    }

    // A configuration the supervisor cannot be built from fails `connect`, named.
    let mut config = Config::default();
    config.policy.on_unhealthy = vec![ws_health::policy::Action::Custom {
        name: "page".into(),
    }];
    let err = Client::builder(url.as_str())
        .with_config(&config)
        .connect()
        .unwrap_err();
    assert!(err.to_string().contains("page"), "{err}");
}
