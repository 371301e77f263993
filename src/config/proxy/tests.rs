use super::*;

#[test]
fn a_url_is_read_into_host_port_and_basic_credentials() {
    let url = ProxyUrl::parse("http://alice:p%40ss%3Aw0rd@proxy.example:3128/", false).unwrap();
    assert_eq!(url.address(), "proxy.example:3128");
    // RFC 7617's own example encodes "Aladdin:open sesame".
    let aladdin = ProxyUrl::parse("HTTP://Aladdin:open%20sesame@[::1]", false).unwrap();
    assert_eq!(
        aladdin.authorization.as_deref(),
        Some("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==")
    );
    assert_eq!(aladdin.address(), "[::1]:80");
    assert_eq!(
        url.authorization.as_deref(),
        Some(&*format!(
            "Basic {}",
            data_encoding::BASE64.encode(b"alice:p@ss:w0rd")
        ))
    );
    let shown = format!("{url} {url:?}");
    assert!(
        !shown.contains("alice") && !shown.contains("Basic"),
        "{shown}"
    );
    assert_eq!(ProxyUrl::parse("proxy:8080", true).unwrap().port, 8080);
    // A password with a `/` not percent-encoded is still a password.
    let slash = ProxyUrl::parse("http://u:pa/ss?#@proxy:3128/", false).unwrap();
    assert_eq!(slash.address(), "proxy:3128");
    let expected = format!("Basic {}", data_encoding::BASE64.encode(b"u:pa/ss?#"));
    assert_eq!(slash.authorization, Some(expected));
    let bare = ProxyUrl::parse("u:pa://ss@proxy:3128", true).unwrap();
    let expected = format!("Basic {}", data_encoding::BASE64.encode(b"u:pa://ss"));
    assert_eq!(
        (bare.address(), bare.authorization),
        ("proxy:3128".into(), Some(expected))
    );
    // A user without a password is `user:` (RFC 7617).
    let user = ProxyUrl::parse("http://u@proxy:3128", false).unwrap();
    let expected = format!("Basic {}", data_encoding::BASE64.encode(b"u:"));
    assert_eq!(user.authorization, Some(expected));
}

#[test]
fn what_cannot_be_a_proxy_is_refused_without_repeating_the_credentials() {
    for (text, expected) in [
        (
            "https://proxy:443",
            "HTTPS proxies (TLS to the proxy) are not supported",
        ),
        (
            "socks5://u:SECRET@proxy:1080",
            "SOCKS proxies are not supported",
        ),
        ("socks5h://proxy:1080", "SOCKS proxies are not supported"),
        ("ftp://proxy", "`ftp://` proxies are not supported"),
        ("proxy:3128", "must be \"env\", \"none\" or a proxy URL"),
        (
            "http://proxy:99999",
            "the port must be a number from 1 to 65535",
        ),
        (
            "http://proxy:0",
            "the port must be a number from 1 to 65535",
        ),
        ("http://:3128", "no host"),
        ("http://u:p@/", "no host"),
        ("http://pro xy:3128", "neither a name nor an IP address"),
        ("http://[::1:3128", "without its `]`"),
        ("http://::1:3128", "an IPv6 address is written in brackets"),
        ("http://[::1]x", "text after the `]` that is no port"),
        ("http://proxy:3128/path", "no path nor query"),
        // A `://` in a password is no scheme's.
        (
            "u:SECRET://x@proxy:3128",
            "must be \"env\", \"none\" or a proxy URL",
        ),
        (
            "http://u:SECRET%zz@proxy:3128",
            "not followed by two hex digits",
        ),
        (
            "http://u:SECRET%+1@proxy:3128",
            "not followed by two hex digits",
        ),
        ("http://u:SE/CRET@proxy:3128/path", "no path nor query"),
    ] {
        let err = ProxyUrl::parse(text, false).expect_err(text);
        assert!(err.contains(expected), "{text}: {err}");
        assert!(!err.contains("SECRET"), "{text}: {err}");
    }
}

/// Odd ports, hosts, schemes and user information: each read as the docs say, or refused
/// with the reason.
#[test]
fn odd_urls_are_read_as_documented_or_refused_with_the_reason() {
    let ok = |text: &str, address: &str| {
        let url = ProxyUrl::parse(text, false).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(url.address(), address, "{text}");
    };
    ok("HTTP://PROXY:3128", "PROXY:3128");
    ok("http://proxy:", "proxy:80");
    ok("http://proxy:3128/", "proxy:3128");
    ok("http://proxy:65535", "proxy:65535");
    ok("  http://proxy:1  ", "proxy:1");
    ok("http://a@b@c@proxy:2", "proxy:2");
    ok("http://[fe80::1]:3", "[fe80::1]:3");
    let port = "the port must be a number from 1 to 65535";
    for (text, expected) in [
        ("http://proxy:65536", port),
        ("http://proxy:+1", port),
        ("http://proxy:-1", port),
        ("http://proxy: 1", port),
        ("http://proxy:0x50", port),
        ("http://proxy:٣", port),
        ("http://[::1]:+80", port),
        ("http://", "no host"),
        ("http://[]:1", "`[]` is not an IPv6 address"),
        ("http://[fe80::1%25eth0]:1", "is not an IPv6 address"),
        ("http://fe80::1:1", "in brackets"),
        ("http://prox\u{e9}:1", "neither a name nor an IP address"),
        ("http://pro\0xy:1", "neither a name nor an IP address"),
        ("http://proxy\r\nX:1", "neither a name nor an IP address"),
        ("http://proxy:1?x", "no path nor query"),
        ("http://proxy:1#", "no path nor query"),
        ("http://proxy:1//", "no path nor query"),
        ("http://u:p%@proxy:1", "not followed by two hex digits"),
        ("http://u:p%4@proxy:1", "not followed by two hex digits"),
        (
            "http://u:p%\u{e9}\u{e9}@proxy:1",
            "not followed by two hex digits",
        ),
    ] {
        let err = ProxyUrl::parse(text, false).expect_err(text);
        assert!(err.contains(expected), "{text:?}: {err}");
    }
}

/// Random URLs made of the pieces that trip parsers: never a panic; what is read has a
/// host, a port from 1 and reads back from its address; an error never shows the password.
#[test]
fn random_urls_never_panic_nor_show_the_password() {
    use crate::fuzz::{no_panic, Rng};
    let schemes = [
        "",
        "http://",
        "HTTP://",
        "https://",
        "socks5://",
        "://",
        "h",
    ];
    let secrets = [
        "SECRET", "%", "%2", "%zz", "%41", "@", ":", "/", "?", "#", "://", "[", "\u{e9}",
    ];
    let hosts = [
        "proxy",
        "p.example",
        "[::1]",
        "[fe80::1%25eth0]",
        "::1",
        "[",
        "]",
        "",
        "10.0.0.1",
        "é",
        " ",
        "\0",
        "-",
        "_",
        ".",
    ];
    let ports = [
        "",
        ":",
        ":0",
        ":1",
        ":80",
        ":65535",
        ":65536",
        ":+1",
        ":-1",
        ":99999999999",
        "::",
        ":a",
    ];
    let tails = ["", "/", "/x", "?q", "#f", "//", "@", "%"];
    let mut rng = Rng::new(0x5eed_0001);
    for _ in 0..100_000 {
        let userinfo = match rng.below(3) {
            0 => String::new(),
            _ => format!(
                "u:{}SECRET{}@",
                rng.text(&secrets, 3),
                rng.text(&secrets, 3)
            ),
        };
        let text = format!(
            "{}{userinfo}{}{}{}",
            rng.pick(&schemes),
            rng.text(&hosts, 2),
            rng.pick(&ports),
            rng.pick(&tails)
        );
        for bare_is_http in [false, true] {
            match no_panic(&text, || ProxyUrl::parse(&text, bare_is_http)) {
                Ok(url) => {
                    assert!(url.port > 0 && !url.host.is_empty(), "{text:?}");
                    let again = ProxyUrl::parse(&format!("http://{}", url.address()), false);
                    assert_eq!(again.as_ref().map(ProxyUrl::address), Ok(url.address()));
                }
                Err(err) => assert!(!err.contains("SECRET"), "{text:?}: {err}"),
            }
        }
        let shown = no_panic(&text, || format!("{:?}", Proxy::Url(text.clone())));
        assert!(!shown.contains("SECRET"), "{text:?}: {shown}");
    }
}

#[test]
#[allow(clippy::result_large_err)]
fn the_setting_reads_env_none_or_a_url_and_shows_no_credentials() {
    use figment::providers::{Format, Toml};
    #[derive(Deserialize, Serialize)]
    struct T {
        proxy: Proxy,
    }
    let read = |text: &str| figment::Figment::from(Toml::string(text)).extract::<T>();
    assert_eq!(read("proxy = \"env\"").unwrap().proxy, Proxy::Env);
    assert_eq!(read("proxy = \"none\"").unwrap().proxy, Proxy::None);
    let url = read("proxy = \"http://u:SECRET@p:1\"").unwrap().proxy;
    assert_eq!(format!("{url:?}"), "Url(\"http://***@p:1\")");
    // A password with a `/`, `?` or `#` (a generated one) is hidden as well.
    for text in [
        "http://u:SE/CRET@p:1",
        "u:SE?CRET@p:1/",
        "http://u:SE#CRET@p:1/x",
    ] {
        let shown = format!("{:?}", Proxy::Url(text.into()));
        assert!(
            !shown.contains("CRET") && shown.contains("***@p:1"),
            "{shown}"
        );
    }
    assert_eq!(
        serde_json::to_string(&T { proxy: url }).unwrap(),
        r#"{"proxy":"http://u:SECRET@p:1"}"#
    );
    let err = read("proxy = true").err().unwrap().to_string();
    assert!(err.contains("\"env\", \"none\" or a proxy URL"), "{err}");
}
