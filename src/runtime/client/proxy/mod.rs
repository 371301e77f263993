//! The client's route through an HTTP proxy: which proxy, if any (`client.proxy`, or the
//! environment's `http_proxy`, `https_proxy` and `no_proxy`), and the `CONNECT`
//! tunnel through it (`tunnel.rs`).

mod no_proxy; // the hosts `no_proxy` names, and loopback targets: reached directly
mod tunnel; // CONNECT host:port, the proxy's answer

pub(crate) use tunnel::tunnel;

use std::ffi::OsString;

use super::target::Target;
use crate::config::{without_credentials, Proxy, ProxyUrl};

/// The proxy `setting` sends `target` through, if any; `lookup` reads an environment
/// variable (`std::env::var_os` but in tests). An error names the key or the variable.
pub(crate) fn route(
    setting: &Proxy,
    target: &Target,
    lookup: impl Fn(&str) -> Option<OsString>,
) -> Result<Option<ProxyUrl>, String> {
    match setting {
        Proxy::None => Ok(None),
        Proxy::Url(url) => ProxyUrl::parse(url, false)
            .map(Some)
            .map_err(|reason| format!("`client.proxy` = {:?}: {reason}", without_credentials(url))),
        Proxy::Env => from_env(target.tls, &target.host, target.port, lookup),
    }
}

/// The proxy the environment names for `host`:`port` (`wss://` if `tls`): `http_proxy` then
/// `HTTP_PROXY` for `ws://`, `https_proxy` then `HTTPS_PROXY` for `wss://`, after Python
/// `websockets`' `ws_proxy` and `wss_proxy` (`WS_PROXY`, `WSS_PROXY`); none for a host
/// `no_proxy` (then `NO_PROXY`) names, nor, as Go has it, for a loopback target (a
/// developer's shell proxy would break local tests). A variable set empty is unset; a value
/// without a scheme is an `http://` URL; one that is not UTF-8 is an error, not unset. Not
/// read, as neither Go nor Python `websockets`
/// reads them: `all_proxy`, most often a SOCKS proxy, which the client cannot use; and
/// `HTTP_PROXY` in a CGI program (`REQUEST_METHOD` set), where a request's `Proxy:` header
/// arrives by that name ("httpoxy").
pub(crate) fn from_env(
    tls: bool,
    host: &str,
    port: u16,
    lookup: impl Fn(&str) -> Option<OsString>,
) -> Result<Option<ProxyUrl>, String> {
    // Always direct, whatever the variables hold: none is read.
    if no_proxy::is_loopback(host) {
        return Ok(None);
    }
    let cgi = lookup("REQUEST_METHOD").is_some();
    // The first of `names` set and not empty. One that is not UTF-8 is refused: taken as
    // unset, it would send the client direct, past the proxy it names.
    let first_set = |names: &[&'static str]| -> Result<Option<(&'static str, String)>, String> {
        for &name in names {
            if cgi && name == "HTTP_PROXY" {
                continue;
            }
            let Some(value) = lookup(name) else { continue };
            let value = value.into_string().map_err(|_| {
                format!(
                    "environment variable `{name}` is not UTF-8 text; to connect directly, set \
                     `client.proxy = \"none\"` (WS_HEALTH_CLIENT__PROXY=none)"
                )
            })?;
            if !value.trim().is_empty() {
                return Ok(Some((name, value)));
            }
        }
        Ok(None)
    };
    // Python `websockets`' own variables first: a proxy for WebSocket connections alone.
    let for_scheme = match tls {
        true => ["wss_proxy", "WSS_PROXY", "https_proxy", "HTTPS_PROXY"],
        false => ["ws_proxy", "WS_PROXY", "http_proxy", "HTTP_PROXY"],
    };
    let Some((name, value)) = first_set(&for_scheme)? else {
        return Ok(None);
    };
    let listed = first_set(&["no_proxy", "NO_PROXY"])?
        .is_some_and(|(_, list)| no_proxy::lists(&list, host, port));
    if listed {
        return Ok(None);
    }
    ProxyUrl::parse(&value, true).map(Some).map_err(|reason| {
        format!(
            "environment variable `{name}` = {:?}: {reason}; to connect directly, set \
             `client.proxy = \"none\"` (WS_HEALTH_CLIENT__PROXY=none) or list the host in \
             `no_proxy`",
            without_credentials(&value)
        )
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::from_env;

    /// The proxy's address for `url`'s host and port under `vars`, `None` for direct.
    fn resolved(vars: &[(&str, &str)], tls: bool, host: &str, port: u16) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_env(tls, host, port, |name| vars.get(name).map(Into::into))
            .unwrap()
            .map(|proxy| proxy.address())
    }

    #[test]
    fn each_scheme_takes_its_variable_lower_case_first() {
        let p = |s: &str| Some(s.to_owned());
        let ws = |vars: &[(&str, &str)]| resolved(vars, false, "feed.example", 80);
        let wss = |vars: &[(&str, &str)]| resolved(vars, true, "feed.example", 443);
        assert_eq!(ws(&[]), None);
        assert_eq!(ws(&[("http_proxy", "http://a:1")]), p("a:1"));
        assert_eq!(ws(&[("HTTP_PROXY", "http://b:2")]), p("b:2"));
        assert_eq!(
            ws(&[("http_proxy", "a:1"), ("HTTP_PROXY", "b:2")]),
            p("a:1")
        );
        assert_eq!(ws(&[("https_proxy", "http://s:3")]), None);
        assert_eq!(wss(&[("http_proxy", "http://a:1")]), None);
        assert_eq!(wss(&[("https_proxy", "http://s:3")]), p("s:3"));
        assert_eq!(wss(&[("HTTPS_PROXY", "http://S:4")]), p("S:4"));
        // all_proxy is not read (most often SOCKS, as from `ssh -D`).
        assert_eq!(ws(&[("all_proxy", "http://all:5")]), None);
        assert_eq!(wss(&[("ALL_PROXY", "socks5://ALL:6")]), None);
        // Nor HTTP_PROXY in a CGI program, where it is a request's `Proxy:` header.
        let cgi = ("REQUEST_METHOD", "GET");
        assert_eq!(ws(&[cgi, ("HTTP_PROXY", "http://evil:1")]), None);
        assert_eq!(ws(&[cgi, ("http_proxy", "http://a:1")]), p("a:1"));
        // Python `websockets`' variables come first.
        assert_eq!(ws(&[("http_proxy", "a:1"), ("ws_proxy", "w:8")]), p("w:8"));
        assert_eq!(
            wss(&[("https_proxy", "s:3"), ("WSS_PROXY", "W:9")]),
            p("W:9")
        );
        assert_eq!(ws(&[("wss_proxy", "W:9")]), None);
        // Set empty is unset; no port is port 80.
        assert_eq!(ws(&[("http_proxy", ""), ("HTTP_PROXY", "b")]), p("b:80"));
    }

    #[test]
    fn no_proxy_and_loopback_targets_go_direct() {
        let proxy = [("http_proxy", "http://proxy:3128")];
        let with = |no_proxy: &str, host: &str, port: u16| {
            let vars = [proxy[0], ("no_proxy", no_proxy)];
            resolved(&vars, false, host, port).is_none()
        };
        for host in ["localhost", "LOCALHOST.", "127.0.0.1", "127.8.9.10", "::1"] {
            assert_eq!(resolved(&proxy, false, host, 80), None, "{host}");
        }
        assert!(resolved(&proxy, false, "localhost.example", 80).is_some());
        assert!(resolved(&proxy, false, "10.0.0.1", 80).is_some());
        assert!(with("*", "feed.example", 80));
        assert!(with("feed.example", "feed.example", 80));
        assert!(with("example", "feed.example", 80));
        assert!(with(".example", "feed.example", 80));
        assert!(with(".example", "example", 80));
        assert!(with("*.example", "a.b.example", 80));
        assert!(with("other, Feed.Example ,x", "feed.example.", 80));
        assert!(!with("eed.example", "feed.example", 80));
        assert!(!with("feed.example.org", "feed.example", 80));
        assert!(with("feed.example:80", "feed.example", 80));
        assert!(!with("feed.example:8080", "feed.example", 80));
        assert!(with("10.1.2.3", "10.1.2.3", 80));
        assert!(!with("10.1.2.3", "10.1.2.4", 80));
        assert!(with("10.0.0.0/8", "10.1.2.3", 80));
        assert!(!with("10.0.0.0/8", "11.1.2.3", 80));
        assert!(with("fd00::/8", "fd12::1", 80));
        assert!(with("[fd12::1]:80", "fd12::1", 80));
        assert!(with("fd12::1", "fd12::1", 80));
        assert!(!with("[fd12::1]:81", "fd12::1", 80));
        // NO_PROXY when no_proxy is not set.
        let upper = [proxy[0], ("NO_PROXY", "feed.example")];
        assert_eq!(resolved(&upper, false, "feed.example", 80), None);
    }

    #[test]
    fn an_unsupported_proxy_is_refused_naming_its_variable_only_where_it_applies() {
        let vars = [
            ("https_proxy", "socks5://user:SECRET@proxy:1080"),
            ("no_proxy", "near"),
        ];
        let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.into());
        let err = from_env(true, "feed.example", 443, lookup).unwrap_err();
        assert!(err.contains("environment variable `https_proxy`"), "{err}");
        assert!(err.contains("SOCKS proxies are not supported"), "{err}");
        assert!(
            err.contains("socks5://***@proxy:1080") && !err.contains("SECRET"),
            "{err}"
        );
        // Direct targets never read it.
        assert!(from_env(true, "near", 443, lookup).unwrap().is_none());
        assert!(from_env(true, "127.0.0.1", 443, lookup).unwrap().is_none());
    }

    /// A variable the client reads that is not UTF-8 is refused, named: not taken as unset,
    /// which would go past the proxy it names.
    #[cfg(unix)]
    #[test]
    fn a_variable_that_is_not_utf8_is_refused_naming_it() {
        use std::os::unix::ffi::OsStringExt;
        let bad = || std::ffi::OsString::from_vec(b"http://u:p\xffss@proxy:3128".to_vec());
        let err = from_env(false, "feed.example", 80, |name| match name {
            "http_proxy" => Some(bad()),
            _ => None,
        })
        .unwrap_err();
        assert!(
            err.starts_with("environment variable `http_proxy` is not UTF-8"),
            "{err}"
        );
        let err = from_env(true, "feed.example", 443, |name| match name {
            "https_proxy" => Some("proxy:3128".into()),
            "no_proxy" => Some(bad()),
            _ => None,
        })
        .unwrap_err();
        assert!(
            err.starts_with("environment variable `no_proxy` is not UTF-8"),
            "{err}"
        );
        // One the target does not read is not looked at; a loopback target reads none.
        let https_only = |name: &str| (name == "https_proxy").then(bad);
        assert_eq!(from_env(false, "feed.example", 80, https_only), Ok(None));
        let no_proxy_bad = |name: &str| match name {
            "http_proxy" => Some("proxy:3128".into()),
            "no_proxy" => Some(bad()),
            _ => None,
        };
        assert_eq!(from_env(false, "127.0.0.1", 80, no_proxy_bad), Ok(None));
        assert_eq!(from_env(false, "localhost", 80, |_| Some(bad())), Ok(None));
    }

    /// Random environments, values not UTF-8 included: never a panic; a proxy only if a
    /// proxy variable is set; an error names a variable.
    #[cfg(unix)]
    #[test]
    fn random_environments_never_panic_and_errors_name_the_variable() {
        use crate::fuzz::{no_panic, Rng};
        use std::os::unix::ffi::OsStringExt;
        let names = [
            "ws_proxy",
            "WS_PROXY",
            "http_proxy",
            "HTTP_PROXY",
            "wss_proxy",
            "https_proxy",
            "no_proxy",
            "NO_PROXY",
            "REQUEST_METHOD",
            "all_proxy",
        ];
        let tokens: [&[u8]; 16] = [
            b"http://",
            b"socks5://",
            b"proxy",
            b":3128",
            b":0",
            b":+1",
            b"@",
            b"u:p",
            b"%",
            b"[::1]",
            b" ",
            b",",
            b"*",
            b"\xff",
            b"\0",
            b"feed.example",
        ];
        let mut rng = Rng::new(0x5eed_0002);
        for _ in 0..50_000 {
            let vars: Vec<(&str, Vec<u8>)> = (0..rng.below(5))
                .map(|_| {
                    let value = (0..rng.below(5))
                        .flat_map(|_| rng.pick(&tokens).to_vec())
                        .collect();
                    (*rng.pick(&names), value)
                })
                .collect();
            let lookup = |name: &str| {
                let found = vars.iter().find(|(n, _)| *n == name);
                found.map(|(_, v)| std::ffi::OsString::from_vec(v.clone()))
            };
            let tls = rng.below(2) == 0;
            let host = *rng.pick(&["feed.example", "127.0.0.1", "::1", "10.0.0.1", "proxy"]);
            match no_panic(&vars, || from_env(tls, host, 80, lookup)) {
                Ok(Some(_)) => assert!(
                    vars.iter().any(|(n, _)| {
                        let n = n.to_ascii_lowercase();
                        n.ends_with("_proxy") && n != "no_proxy" && n != "all_proxy"
                    }),
                    "{vars:?}"
                ),
                Ok(None) => {}
                Err(err) => assert!(err.starts_with("environment variable `"), "{vars:?}: {err}"),
            }
        }
    }
}
