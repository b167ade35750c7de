//! The service's TLS key and certificate: the operator's (`--tls-cert`, `--tls-key`),
//! or a self-signed one the service makes once and keeps, so that its key pin (which
//! members hold) stays the same across restarts.

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The folder inside the vault folder where a self-signed certificate is kept.
pub const SERVICE_DIR: &str = "service";

/// A TLS acceptor and the pin of its key.
pub struct Tls {
    /// The server configuration.
    pub config: Arc<rustls::ServerConfig>,
    /// `sha256//BASE64` of the certificate's public key.
    pub pin: String,
}

/// Load the operator's certificate and key.
pub fn load(cert: &Path, key: &Path) -> Result<Tls, String> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut &read(cert)?[..])
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{} is not a PEM certificate chain: {e}", cert.display()))?;
    let key = rustls_pemfile::private_key(&mut &read(key)?[..])
        .map_err(|e| format!("{} is not a PEM private key: {e}", key.display()))?
        .ok_or_else(|| format!("{} holds no private key", key.display()))?;
    build(certs, key)
}

/// The self-signed certificate kept in `vault/service/`, made on first use.
pub fn self_signed(vault: &Path) -> Result<Tls, String> {
    let dir = vault.join(SERVICE_DIR);
    let (cert_path, key_path) = (dir.join("tls-cert.pem"), dir.join("tls-key.pem"));
    if !cert_path.exists() {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
            .map_err(|e| format!("making a self-signed certificate failed: {e}"))?;
        write_private(&key_path, made.signing_key.serialize_pem().as_bytes())?;
        write_private(&cert_path, made.cert.pem().as_bytes())?;
    }
    load(&cert_path, &key_path)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn build(certs: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Result<Tls, String> {
    let leaf = certs
        .first()
        .ok_or("the certificate file holds no certificate")?;
    let pin = sealroom_engine::store::remote::tls::pin_of(leaf)
        .ok_or("the certificate cannot be parsed")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate and key do not go together: {e}"))?;
    Ok(Tls {
        config: Arc::new(config),
        pin,
    })
}
