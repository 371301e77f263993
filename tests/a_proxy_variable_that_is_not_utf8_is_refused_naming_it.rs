//! An `http_proxy` whose value is not UTF-8 is refused by `connect()`, naming the variable:
//! read as unset, it sent the client direct, past the proxy it names. Its own test binary:
//! the one test here sets the process's environment.
#![cfg(unix)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use ws_health::runtime::Client;

#[tokio::test]
async fn a_proxy_variable_that_is_not_utf8_is_refused_naming_it() {
    for name in ["ws_proxy", "WS_PROXY", "HTTP_PROXY", "no_proxy", "NO_PROXY"] {
        std::env::remove_var(name);
    }
    std::env::remove_var("REQUEST_METHOD");
    let value = OsStr::from_bytes(b"http://user:p\xffss@proxy.invalid:3128");
    std::env::set_var("http_proxy", value);
    let err = Client::builder("ws://backend.invalid:8080/")
        .connect()
        .expect_err("a client that would go past the proxy")
        .to_string();
    assert!(
        err.contains("environment variable `http_proxy` is not UTF-8"),
        "{err}"
    );
    assert!(!err.contains("p\u{fffd}ss"), "{err}");
}
