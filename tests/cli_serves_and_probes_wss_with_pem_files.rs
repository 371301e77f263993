//! `ws-health serve --tls-cert --tls-key` serves wss://, and `ws-health probe --tls-ca`
//! trusts it; a probe without the certificate is refused, and a bad key file or a roots
//! file with no certificate is an error that names it (exit 2).
#![cfg(all(feature = "cli", feature = "rustls"))]

mod support;

use support::cli::{run, Serve};

#[test]
fn cli_serves_and_probes_wss_with_pem_files() {
    let (dir, cert_pem, key_pem) = support::self_signed_pem("cli-tls");
    let (cert_arg, key_arg) = (cert_pem.to_str().unwrap(), key_pem.to_str().unwrap());

    let server = Serve::start(&["--tls-cert", cert_arg, "--tls-key", key_arg]);
    let url = format!("wss://localhost:{}", server.addr.port());

    let trusted = run(&[
        "probe",
        &url,
        "--once",
        "--tls-ca",
        cert_arg,
        "--ping-timeout",
        "2s",
    ]);
    assert!(trusted.status.success(), "{trusted:?}");
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert!(stdout.contains("answered a ping in"), "{stdout}");

    // Without the certificate the probe does not trust the server.
    let untrusted = run(&["probe", &url, "--once", "--ping-timeout", "2s"]);
    assert_eq!(untrusted.status.code(), Some(1), "{untrusted:?}");

    // A key file that is not there: exit 2, and the message names it.
    let missing = dir.join("missing-key.pem");
    let bad = run(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--tls-cert",
        cert_arg,
        "--tls-key",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("missing-key.pem"), "{stderr}");

    // A roots file with no certificate in it (the key, by mistake): exit 2, named.
    let wrong = run(&["probe", &url, "--once", "--tls-ca", key_arg]);
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("no certificate in the file"), "{stderr}");
    assert!(stderr.contains(key_arg), "{stderr}");

    // A certificate without its key is a usage error.
    let half = run(&["serve", "--bind", "127.0.0.1:0", "--tls-cert", cert_arg]);
    assert_eq!(half.status.code(), Some(2), "{half:?}");

    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
