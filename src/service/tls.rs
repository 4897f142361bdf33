//! HTTPS for the HTTP server: rustls (ring provider) with a certificate chain and key read
//! from PEM files, read again on SIGHUP. A reload that fails (a missing file, a key that does
//! not match) keeps the certificate in use and says why in the log.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio_rustls::rustls::crypto::{ring, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Why a certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} holds no PEM certificate", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{} is not a PEM certificate chain: {message}", path.display())]
    BadCertificate { path: PathBuf, message: String },
    #[error("{} holds no usable PEM private key: {message}", path.display())]
    BadKey { path: PathBuf, message: String },
    #[error("the key {} cannot serve the certificate {}: {message}", key.display(), cert.display())]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        message: String,
    },
    #[error("cannot set up TLS: {0}")]
    Setup(String),
}

/// The server's TLS: an acceptor whose certificate can be replaced while it serves.
#[derive(Clone)]
pub struct Tls {
    resolver: Arc<Reloadable>,
    acceptor: TlsAcceptor,
}

impl Tls {
    /// Reads the certificate chain at `cert` and the private key at `key` (PEM).
    pub fn load(cert: &Path, key: &Path) -> Result<Tls, TlsError> {
        let provider = Arc::new(ring::default_provider());
        let current = certified_key(cert, key, &provider)?;
        let resolver = Arc::new(Reloadable {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            provider: provider.clone(),
            current: RwLock::new(Arc::new(current)),
        });
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        // The server speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            resolver,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Reads the files again; on success new handshakes use the new certificate, on failure
    /// the one in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let r = &self.resolver;
        let fresh = certified_key(&r.cert, &r.key, &r.provider)?;
        *r.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        Ok(())
    }

    /// The certificate file (for the log).
    pub fn cert_file(&self) -> &Path {
        &self.resolver.cert
    }

    /// Reloads on every SIGHUP until `stop`, logging each outcome.
    #[cfg(unix)]
    pub fn reload_on_sighup(&self, stop: super::Shutdown) -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = signal(SignalKind::hangup())?;
        let tls = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.wait() => return,
                    got = hup.recv() => if got.is_none() { return },
                }
                match tls.reload() {
                    Ok(()) => tracing::info!(
                        cert = %tls.cert_file().display(),
                        "SIGHUP: reloaded the TLS certificate"
                    ),
                    Err(e) => tracing::error!(
                        error = %e,
                        "SIGHUP: cannot reload the TLS certificate; still serving the previous one"
                    ),
                }
            }
        });
        Ok(())
    }
}

/// The certificate in use, swapped by [`Tls::reload`].
struct Reloadable {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for Reloadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reloadable")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ResolvesServerCert for Reloadable {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn certified_key(
    cert: &Path,
    key: &Path,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
    let chain = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadCertificate {
            path: cert.to_path_buf(),
            message: e.to_string(),
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.to_path_buf(),
        });
    }
    let private = PrivateKeyDer::from_pem_slice(&read(key)?).map_err(|e| TlsError::BadKey {
        path: key.to_path_buf(),
        message: e.to_string(),
    })?;
    CertifiedKey::from_der(chain, private, provider).map_err(|e| TlsError::Mismatch {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let rcgen::CertifiedKey { cert, key_pair } =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let (c, k) = (
            dir.join(format!("{name}.crt")),
            dir.join(format!("{name}.key")),
        );
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key_pair.serialize_pem()).unwrap();
        (c, k)
    }

    #[test]
    fn a_key_of_another_certificate_is_refused_naming_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, _) = write_pair(dir.path(), "a");
        let (_, other_key) = write_pair(dir.path(), "b");
        let err = Tls::load(&cert, &other_key).err().expect("refused");
        assert!(matches!(err, TlsError::Mismatch { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("a.crt") && text.contains("b.key"), "{text}");
    }

    #[test]
    fn a_failed_reload_keeps_the_certificate_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = write_pair(dir.path(), "a");
        let tls = Tls::load(&cert, &key).unwrap();
        let before = tls.resolver.current.read().unwrap().cert.clone();
        std::fs::write(&cert, "not pem").unwrap();
        let err = tls.reload().unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate { .. }), "{err}");
        assert_eq!(tls.resolver.current.read().unwrap().cert, before);
    }
}
