//! The `--tls-*` flags: wss:// for `serve` and `probe`, with the `rustls` feature.

use std::path::Path;

use ws_health::runtime::{ClientBuilder, ServerBuilder};

use crate::Failure;

/// Serves wss:// when given a certificate and its key (clap makes them come together).
pub(crate) fn server(
    builder: ServerBuilder,
    cert_and_key: Option<(&Path, &Path)>,
) -> Result<ServerBuilder, Failure> {
    let Some((cert, key)) = cert_and_key else {
        return Ok(builder);
    };
    #[cfg(feature = "rustls")]
    {
        let acceptor =
            ws_health::runtime::tls::acceptor_from_pem(cert, key).map_err(Failure::usage)?;
        Ok(builder.with_tls(acceptor))
    }
    #[cfg(not(feature = "rustls"))]
    {
        let _ = (builder, cert, key);
        Err(without_rustls("--tls-cert"))
    }
}

/// Trusts the certificates in `roots` besides the webpki roots.
pub(crate) fn client(
    builder: ClientBuilder,
    roots: Option<&Path>,
) -> Result<ClientBuilder, Failure> {
    let Some(roots) = roots else {
        return Ok(builder);
    };
    #[cfg(feature = "rustls")]
    {
        let config =
            ws_health::runtime::tls::client_config_with_roots(roots).map_err(Failure::usage)?;
        Ok(builder.with_tls_config(config))
    }
    #[cfg(not(feature = "rustls"))]
    {
        let _ = (builder, roots);
        Err(without_rustls("--tls-ca"))
    }
}

#[cfg(not(feature = "rustls"))]
fn without_rustls(flag: &str) -> Failure {
    Failure::usage(format!(
        "{flag} needs TLS, and this ws-health was built without it \
         (build it with `--features rustls`)"
    ))
}
