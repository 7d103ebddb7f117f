//! TLS for syslog (RFC 5425) with rustls: TLS 1.2 and 1.3, the server's certificate and key
//! from PEM files, and optionally client-certificate authentication against a CA bundle, so
//! that only known senders get in. Key material never appears in logs or errors.

use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio_rustls::TlsAcceptor;

pub fn acceptor(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<TlsAcceptor> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| anyhow!("cannot read the TLS certificate {}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(anyhow!("no certificate found in {}", cert.display()));
    }
    // The key's own error could echo key material: name the file only.
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|_| {
        anyhow!(
            "cannot read a private key (PEM: PKCS#8, PKCS#1 or SEC1) from {}",
            key.display()
        )
    })?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS setup")?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            let cas = CertificateDer::pem_file_iter(ca)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| anyhow!("cannot read the client CA bundle {}: {e}", ca.display()))?;
            for c in cas {
                roots
                    .add(c)
                    .with_context(|| format!("bad CA certificate in {}", ca.display()))?;
            }
            if roots.is_empty() {
                return Err(anyhow!("no CA certificate found in {}", ca.display()));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .context("TLS client verification setup")?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder.with_single_cert(certs, key_der).map_err(|e| {
        anyhow!(
            "the TLS certificate and key in {} and {} do not fit together: {e}",
            cert.display(),
            key.display()
        )
    })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
