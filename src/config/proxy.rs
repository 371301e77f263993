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
mod tests;
