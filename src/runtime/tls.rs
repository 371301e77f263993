//! TLS (wss) with rustls: the `rustls` feature.
//!
//! The server takes a [`TlsAcceptor`]; the client takes a rustls [`ClientConfig`] (by
//! default the webpki roots). These helpers load PEM files, the common case.
//!
//! [`ClientConfig`]: rustls::ClientConfig

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
pub use tokio_rustls::TlsAcceptor;
/// The TLS crates ws-health speaks; use these re-exports to match their versions.
pub use tokio_rustls::{self, rustls};

use crate::{Error, ErrorKind, Result};

/// A TLS acceptor for the server from a PEM certificate chain and a PEM private key.
///
/// # Errors
/// A file that cannot be read or holds no certificate or key, or a key that does not match;
/// the message names the file.
///
/// ```no_run
/// let tls = ws_health::runtime::tls::acceptor_from_pem("cert.pem", "key.pem")?;
/// # drop(tls);
/// # Ok::<_, ws_health::Error>(())
/// ```
pub fn acceptor_from_pem(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<TlsAcceptor> {
    let (cert, key) = (cert.as_ref(), key.as_ref());
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| tls_error(format!("TLS certificate {}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(tls_error(format!(
            "TLS certificate {}: no certificate in the file",
            cert.display()
        )));
    }
    let (cert_path, key_path) = (cert.display(), key.display());
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| key_error(key, &e))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| {
            tls_error(format!(
                "TLS certificate {cert_path} and private key {key_path}: {e} (a key that \
                 does not match the certificate, or of a type rustls cannot use)"
            ))
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Why `path` gave no private key, in terms an operator can act on: rustls skips sections it
/// does not read, so an encrypted key or a certificate in its place is "no items found".
fn key_error(path: &Path, e: &rustls::pki_types::pem::Error) -> Error {
    use rustls::pki_types::pem::Error as Pem;
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let why = if text.contains("ENCRYPTED") {
        "the key is encrypted, which rustls cannot read: decrypt it first \
         (`openssl pkey -in KEY -out PLAIN_KEY`)"
            .to_owned()
    } else if matches!(e, Pem::NoItemsFound) && text.contains("BEGIN CERTIFICATE") {
        "no private key, only a certificate: are the certificate and the key swapped?".into()
    } else if matches!(e, Pem::NoItemsFound) {
        "no private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) in the file".into()
    } else {
        e.to_string()
    };
    tls_error(format!("TLS private key {}: {why}", path.display()))
}

/// A client TLS configuration that trusts the webpki roots plus the PEM certificates in
/// `extra_roots` (e.g. a private CA, or a test server's self-signed certificate).
///
/// A self-signed server certificate must be an end entity (`basicConstraints=CA:FALSE`):
/// rustls refuses one marked as a CA (`CaUsedAsEndEntity`), which is `openssl req -x509`'s
/// default; give it `-addext basicConstraints=critical,CA:FALSE`.
///
/// # Errors
/// A file that cannot be read, holds no certificate or an invalid one.
pub fn client_config_with_roots(
    extra_roots: impl AsRef<Path>,
) -> Result<Arc<rustls::ClientConfig>> {
    let path = extra_roots.as_ref();
    let mut roots = webpki_root_store();
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| tls_error(format!("TLS roots {}: {e}", path.display())))?;
    // A file meant to add trust that adds none is a mistake (the wrong file), not a no-op.
    if certs.is_empty() {
        return Err(tls_error(format!(
            "TLS roots {}: no certificate in the file",
            path.display()
        )));
    }
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| tls_error(format!("TLS roots {}: {e}", path.display())))?;
    }
    Ok(client_config(roots))
}

/// The client's TLS configuration when none is given: the webpki roots. Built once per
/// process, not at every connection attempt, with the crypto provider installed then.
pub(crate) fn default_client_config() -> Arc<rustls::ClientConfig> {
    static DEFAULT: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| client_config(webpki_root_store()))
        .clone()
}

fn client_config(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            // ring does, and an installed provider without TLS 1.2 or 1.3 is no provider.
            .expect("the crypto provider supports TLS 1.2 or 1.3")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// The process's crypto provider if the application installed one, else ring (this crate's).
/// Not rustls's `builder()`, which panics when the process has both ring and aws-lc-rs
/// compiled in (another dependency's rustls features) and no default installed.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()))
}

fn webpki_root_store() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    roots
}

fn tls_error(message: String) -> Error {
    Error::new(ErrorKind::Config, message)
}
