//! With the `rustls` feature, the server serves `wss://` from a PEM certificate and key,
//! and the client connects to it trusting that certificate.
#![cfg(feature = "rustls")]

mod support;

use std::time::Duration;

use tokio_tungstenite::tungstenite::Message;
use ws_health::runtime::{tls, Client, ClientEvent};

#[tokio::test]
async fn server_and_client_speak_wss_with_rustls() {
    support::trace();
    let (dir, cert_pem, key_pem) = support::self_signed_pem("tls");

    let server = support::runtime::wss_echo_server(&cert_pem, &key_pem).await;
    let url = format!("wss://localhost:{}", server.local_addr().port());
    let mut client = Client::builder(url)
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_tls_config(tls::client_config_with_roots(&cert_pem).unwrap())
        .connect()
        .unwrap();
    let mut events = client.events();
    client.send(Message::text("over tls")).await.unwrap();
    let echoed = tokio::time::timeout(Duration::from_secs(5), client.recv())
        .await
        .expect("no echo over wss");
    assert_eq!(echoed, Some(Message::text("over tls")));
    assert!(matches!(
        support::within("the connected event", events.recv())
            .await
            .unwrap(),
        ClientEvent::Connected { .. }
    ));

    // A file with no certificate is refused with its name.
    let err = tls::acceptor_from_pem(&key_pem, &key_pem).err().unwrap();
    assert!(err.to_string().contains("key.pem"), "{err}");
    // A key of another certificate: refused with both files' names.
    let (other_dir, _, other_key) = support::self_signed_pem("rustls-other");
    let err = tls::acceptor_from_pem(&cert_pem, &other_key).err().unwrap();
    let err = err.to_string();
    let (cert_name, key_name) = (
        cert_pem.display().to_string(),
        other_key.display().to_string(),
    );
    assert!(err.contains(&cert_name) && err.contains(&key_name), "{err}");
    // The certificate given as the key, an encrypted key, an empty file: each said plainly.
    let err = tls::acceptor_from_pem(&cert_pem, &cert_pem).err().unwrap();
    assert!(
        err.to_string()
            .contains("are the certificate and the key swapped?"),
        "{err}"
    );
    let encrypted = other_dir.join("encrypted.pem");
    std::fs::write(
        &encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHzBJBgkqhkiG9w0BBQ0wPDAbBgkqhkiG9w0BBQwwDgQI\n\
         -----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    let err = tls::acceptor_from_pem(&cert_pem, &encrypted).err().unwrap();
    assert!(err.to_string().contains("the key is encrypted"), "{err}");
    let empty = other_dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let err = tls::acceptor_from_pem(&cert_pem, &empty).err().unwrap();
    assert!(err.to_string().contains("no private key"), "{err}");
    let _ = std::fs::remove_dir_all(&other_dir);
    let _ = std::fs::remove_dir_all(&dir);
    client.close();
    server.shutdown().await;
}
