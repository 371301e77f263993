//! `client.proxy`: how the client reaches its server, directly or through an HTTP proxy; and
//! a proxy's URL read into host, port and credentials, without ever showing the credentials.

use std::fmt;
use std::net::Ipv6Addr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether and through which HTTP proxy the client connects: `client.proxy`.
///
/// # Default
/// [`Proxy::Env`]: the proxy the environment names, as Python `websockets` (15.0 on), curl
/// and Go do.
///
/// ```toml
/// [client]
/// proxy = "http://user:secret@proxy.example:3128"   # or "env" (the default), or "none"
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Proxy {
    /// `"env"`: `ws_proxy`, then `http_proxy` for `ws://`; `wss_proxy`, then `https_proxy`
    /// for `wss://` (each read lower case first, then upper case: `HTTP_PROXY`, but not in a
    /// CGI program); hosts that `no_proxy` (`NO_PROXY`) names and loopback targets
    /// (`localhost`, 127.0.0.0/8, `::1`) are reached directly. `all_proxy` is not read. The
    /// environment is read when the client is built.
    #[default]
    Env,
    /// `"none"`: always connect directly.
    None,
    /// A proxy URL, `http://[user:password@]host[:port]` (port 80 when absent), for every
    /// target. Only `http://` proxies (HTTP `CONNECT`) are supported: not `https://` nor
    /// SOCKS ones.
    Url(String),
}

impl fmt::Debug for Proxy {
    /// A URL without its credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proxy::Env => f.write_str("Env"),
            Proxy::None => f.write_str("None"),
            Proxy::Url(url) => f
                .debug_tuple("Url")
                .field(&without_credentials(url))
                .finish(),
        }
    }
}

impl Serialize for Proxy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            Proxy::Env => "env",
            Proxy::None => "none",
            Proxy::Url(url) => url,
        })
    }
}

impl<'de> Deserialize<'de> for Proxy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(ProxyVisitor)
    }
}

/// A text: `env`, `none`, or else a URL, which validation reads (to name the key's source).
struct ProxyVisitor;

impl Visitor<'_> for ProxyVisitor {
    type Value = Proxy;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"env\", \"none\" or a proxy URL such as \"http://proxy.example:3128\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Proxy, E> {
        Ok(match text {
            "env" => Proxy::Env,
            "none" => Proxy::None,
            url => Proxy::Url(url.to_owned()),
        })
    }
}

/// A proxy's URL, read: where to connect, and the `Proxy-Authorization` its credentials make.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ProxyUrl {
    /// A name or an IP address (IPv6 without brackets).
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `Basic …` from the percent-decoded user information, if the URL has one.
    pub(crate) authorization: Option<String>,
}

impl ProxyUrl {
    /// Reads `text`, `http://[user:password@]host[:port][/]`; without a scheme, `http://` is
    /// taken only if `bare_is_http` (as curl and Go take an environment variable's value).
    /// The error says what is wrong without repeating `text`, which may hold credentials.
    pub(crate) fn parse(text: &str, bare_is_http: bool) -> Result<ProxyUrl, String> {
        let text = text.trim();
        let rest = match scheme_and_rest(text) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => return Err(unsupported(scheme)),
            None if bare_is_http => text,
            None => {
                return Err("must be \"env\", \"none\" or a proxy URL such as \
                     \"http://proxy.example:3128\""
                    .into())
            }
        };
        // The user information runs to the last `@`, so that a password with a `/`, `?` or `#`
        // not percent-encoded (a generated one) is still read as a password.
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((userinfo, rest)) => (Some(userinfo), rest),
            None => (None, rest),
        };
        let (host_port, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        if !matches!(path, "" | "/") {
            return Err(
                "a proxy URL has no path nor query: write http://[user:password@]host:port".into(),
            );
        }
        let (host, port) = host_and_port(host_port)?;
        let authorization = userinfo.map(basic).transpose()?;
        Ok(ProxyUrl {
            host,
            port,
            authorization,
        })
    }

    /// `host:port`, an IPv6 address in brackets: the proxy as errors and logs name it.
    pub(crate) fn address(&self) -> String {
        host_port(&self.host, self.port)
    }
}

impl fmt::Display for ProxyUrl {
    /// `proxy host:port`, never its credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "proxy {}", self.address())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyUrl")
            .field("address", &self.address())
            .field("credentials", &self.authorization.is_some())
            .finish()
    }
}

/// `host:port`, an IPv6 address (a host with a `:`) in brackets, as a URL writes it.
pub(crate) fn host_port(host: &str, port: u16) -> String {
    match host.contains(':') {
        true => format!("[{host}]:{port}"),
        false => format!("{host}:{port}"),
    }
}

/// Why a proxy of `scheme` is refused.
fn unsupported(scheme: &str) -> String {
    let lower = scheme.to_ascii_lowercase();
    let what = match lower.as_str() {
        "https" => "HTTPS proxies (TLS to the proxy) are not supported".to_owned(),
        s if s.starts_with("socks") => "SOCKS proxies are not supported".to_owned(),
        _ => format!("`{}://` proxies are not supported", scheme.escape_debug()),
    };
    format!(
        "{what}: only http:// proxies, which the client asks for a tunnel with HTTP CONNECT \
         (wss:// stays encrypted end to end through them)"
    )
}

/// The host (IPv6 without brackets) and port (80 when absent) of `host[:port]`.
fn host_and_port(text: &str) -> Result<(String, u16), String> {
    let (host, port) = match text.strip_prefix('[') {
        Some(v6) => {
            let (address, after) = v6
                .split_once(']')
                .ok_or("an IPv6 address without its `]`")?;
            address
                .parse::<Ipv6Addr>()
                .map_err(|_| format!("`[{address}]` is not an IPv6 address"))?;
            let port = match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or("text after the `]` that is no port")?,
                ),
            };
            (address, port)
        }
        None => {
            let (host, port) = match text.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            };
            let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
            if port.is_some_and(|p| p.contains(':')) {
                return Err("an IPv6 address is written in brackets: http://[::1]:3128".into());
            }
            if !host.chars().all(is_name) {
                return Err("the host is neither a name nor an IP address".into());
            }
            (host, port)
        }
    };
    if host.is_empty() {
        return Err("no host: write http://[user:password@]host:port".into());
    }
    let port = match port {
        None | Some("") => 80,
        Some(digits) => match digits.parse::<u16>() {
            // Digits alone: `parse` takes `+1` for 1, where a URL has no sign.
            Ok(port) if port > 0 && !digits.starts_with('+') => port,
            _ => return Err("the port must be a number from 1 to 65535".into()),
        },
    };
    Ok((host.to_owned(), port))
}

/// `Basic base64(user:password)` (RFC 7617), each percent-decoded; a user without a password
/// is `user:`, as curl sends it (RFC 7617 requires the `:`).
fn basic(userinfo: &str) -> Result<String, String> {
    let mut decoded = percent_decoded(userinfo)?;
    if !userinfo.contains(':') {
        decoded.push(b':');
    }
    Ok(format!("Basic {}", data_encoding::BASE64.encode(&decoded)))
}

/// `text` with each `%XX` as its byte (RFC 3986 2.1); the `:` between user and password is
/// kept, and so is one written `%3A` within either (RFC 7617 forbids it in the user).
fn percent_decoded(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or(
                "the credentials have a `%` not followed by two hex digits (write `%25` for `%`)",
            )?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// `text` split at its `://` if what comes before is a scheme (RFC 3986 3.1: a letter, then
/// letters, digits, `+`, `-` and `.`): in `user:pa://ss@proxy:3128` it is a password's.
fn scheme_and_rest(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let is_scheme =
        first_is_letter && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme.then_some((scheme, rest))
}

/// `text` with its user information, if any, written `***`: a URL fit for messages. As
/// [`ProxyUrl::parse`] reads it, everything up to the last `@` is user information, a `/`,
/// `?` or `#` in a password included (a path is refused anyway).
pub(crate) fn without_credentials(text: &str) -> String {
    let (scheme, rest) = match scheme_and_rest(text) {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), text),
    };
    match rest.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}***@{host}"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
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
}
