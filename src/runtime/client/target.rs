//! Where a client connects: the URL read into scheme, host and port, refused at once where
//! no attempt could succeed, and written without its credentials for logs and errors.

use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http;
use tokio_tungstenite::tungstenite::http::header::SEC_WEBSOCKET_EXTENSIONS;

use super::request::NO_EXTENSION;
use crate::config::{host_port, ProxyUrl};

pub(crate) struct Target {
    pub(crate) request: Request,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) tls: bool,
    /// The HTTP proxy to reach it through (`proxy.rs`), set when the client is built.
    pub(crate) proxy: Option<ProxyUrl>,
}

impl Target {
    /// Reads scheme, host and port from the request's URI; refuses a request that offers an
    /// extension.
    pub(crate) fn new(request: Request) -> Result<Target, String> {
        let uri = request.uri();
        // Errors are logged and printed: the URL without its credentials.
        let shown = shown(uri);
        if request.headers().contains_key(SEC_WEBSOCKET_EXTENSIONS) {
            return Err(format!("{shown}: {NO_EXTENSION}"));
        }
        // Case-insensitive, as RFC 3986 (3.1) has it: `WS://` is `ws://`.
        let tls = match uri.scheme_str() {
            Some(ws) if ws.eq_ignore_ascii_case("ws") => false,
            Some(wss) if wss.eq_ignore_ascii_case("wss") => true,
            Some(other) => {
                return Err(format!(
                    "{shown}: the scheme must be ws:// or wss://, not {other:?}"
                ))
            }
            None => {
                return Err(format!(
                    "{shown}: no scheme: write ws://{shown} (or wss://)"
                ))
            }
        };
        if tls && !cfg!(feature = "rustls") {
            return Err(format!(
                "{shown}: wss:// needs ws-health's `rustls` feature"
            ));
        }
        let host = uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        // `http` reads `ws://:8765` and `ws://[]/` as an empty host: no lookup finds it.
        if host.is_empty() {
            return Err(format!("{shown}: no host"));
        }
        // `http` reads a port it cannot parse as no port: 99999 would mean port 80.
        let port = match uri.port_u16() {
            Some(port) => port,
            None if port_text(uri).is_some_and(|p| !p.is_empty()) => {
                return Err(format!("{shown}: the port must be a number up to 65535"))
            }
            None if tls => 443,
            None => 80,
        };
        // Refused now, not after a connect: retrying would never make it a valid name.
        #[cfg(feature = "rustls")]
        if tls && rustls::pki_types::ServerName::try_from(host.as_str()).is_err() {
            return Err(format!(
                "{shown}: {host:?} is neither a DNS name nor an IP address, which wss:// needs \
                 to check the server's certificate"
            ));
        }
        Ok(Target {
            request: in_lower_case(request, if tls { "wss" } else { "ws" }),
            host,
            port,
            tls,
            proxy: None,
        })
    }

    /// The URL to log: scheme, host, port and path, without the user information or the
    /// query, either of which may carry a credential.
    pub(crate) fn loggable(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        let path = self.request.uri().path();
        format!("{scheme}://{}{path}", self.address())
    }

    /// `host:port`, an IPv6 address in brackets.
    pub(crate) fn address(&self) -> String {
        host_port(&self.host, self.port)
    }
}

/// `uri` without its user information and query, which may carry credentials.
fn shown(uri: &http::Uri) -> String {
    let mut out = String::new();
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(scheme);
        out.push_str("://");
    }
    if let Some(authority) = uri.authority() {
        let authority = authority.as_str();
        out.push_str(
            authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host),
        );
    }
    out.push_str(uri.path());
    out
}

/// The text after the authority's last `:` outside an IPv6 address, if any.
fn port_text(uri: &http::Uri) -> Option<&str> {
    let authority = uri.authority()?.as_str();
    let host_port = authority
        .rsplit_once('@')
        .map_or(authority, |(_, rest)| rest);
    let after_host = host_port
        .rsplit_once(']')
        .map_or(host_port, |(_, rest)| rest);
    after_host.rsplit_once(':').map(|(_, port)| port)
}

/// The request with its scheme spelled `scheme`: tungstenite's handshake takes only the
/// lower-case spelling ("URL scheme not supported").
fn in_lower_case(mut request: Request, scheme: &str) -> Request {
    if request.uri().scheme_str() != Some(scheme) {
        let mut parts = request.uri().clone().into_parts();
        parts.scheme = scheme.parse().ok();
        if let Ok(uri) = http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    use super::Target;

    fn target(url: &str) -> Result<Target, String> {
        Target::new(url.into_client_request().unwrap())
    }

    #[test]
    fn a_port_that_is_no_number_up_to_65535_is_refused() {
        for url in [
            "ws://127.0.0.1:99999/",
            "ws://127.0.0.1:65536",
            "ws://127.0.0.1:abc/",
            "ws://[::1]:70000/",
            "ws://user:pw@host:x/",
        ] {
            let err = target(url)
                .err()
                .unwrap_or_else(|| panic!("{url} accepted"));
            assert!(
                err.contains("the port must be a number up to 65535"),
                "{url}: {err}"
            );
        }
        let err = target("ws://user:PASSWORD@host:99999/x?token=SECRET")
            .err()
            .unwrap();
        assert!(
            !err.contains("PASSWORD") && !err.contains("SECRET"),
            "{err}"
        );
        let port = |url| target(url).unwrap().port;
        assert_eq!(port("ws://127.0.0.1:9000/"), 9000);
        assert_eq!(port("ws://[::1]/"), 80);
        assert_eq!(port("ws://user:pw@host/"), 80);
        assert_eq!(port("ws://host:/"), 80);
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn a_wss_host_no_certificate_can_name_is_refused_at_once() {
        let err = target("wss://127.1:8443/").err().unwrap();
        assert!(
            err.contains("neither a DNS name nor an IP address"),
            "{err}"
        );
        target("wss://[::1]:8443/").unwrap();
        target("wss://feed.example./").unwrap();
    }

    #[test]
    fn the_logged_url_has_no_query_and_no_user_information() {
        let url = "ws://user:secret@feed.example:8080/stream?access_token=SECRET";
        assert_eq!(
            target(url).unwrap().loggable(),
            "ws://feed.example:8080/stream"
        );
        assert_eq!(
            target("ws://[::1]/x?t=1").unwrap().loggable(),
            "ws://[::1]:80/x"
        );
    }
}
