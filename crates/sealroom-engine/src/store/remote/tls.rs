//! The server's TLS key, pinned: a client trusts exactly the public key its pin names
//! (`sha256//BASE64` of the certificate's SubjectPublicKeyInfo, the form `curl
//! --pinnedpubkey` takes), not whichever certificate authority signed a certificate.
//! The pin comes from an invitation, from the operator (`sealroom serve` prints it), or
//! from the member's state for that server.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::error::{Error, Result};

/// The pin of a certificate's public key, or `None` when it is not a certificate.
pub fn pin_of(cert_der: &[u8]) -> Option<String> {
    let der = CertificateDer::from(cert_der);
    let cert = webpki::EndEntityCert::try_from(&der).ok()?;
    let spki = cert.subject_public_key_info();
    let digest = ring::digest::digest(&ring::digest::SHA256, spki.as_ref());
    Some(format!("sha256//{}", B64.encode(digest.as_ref())))
}

/// Check that a pin is written as this module writes them.
pub fn parse_pin(text: &str) -> Result<String> {
    let text = text.trim();
    let ok = text
        .strip_prefix("sha256//")
        .and_then(|b| B64.decode(b).ok())
        .is_some_and(|b| b.len() == 32);
    if ok {
        Ok(text.to_owned())
    } else {
        Err(Error::usage(format!(
            "`{text}` is not a server key pin; a pin reads sha256//BASE64 (as `sealroom serve` prints it)"
        )))
    }
}

/// A client TLS configuration that accepts only a server whose key has `pin`.
pub fn pinned_config(pin: &str) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinVerifier {
        pin: pin.to_owned(),
        provider: provider.clone(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth()
        });
    // The ring provider supports TLS 1.3; the builder cannot fail with it.
    Arc::new(config.unwrap_or_else(|_| unreachable!("ring supports TLS 1.3")))
}

#[derive(Debug)]
struct PinVerifier {
    pin: String,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        // The pin is the trust: the name and the issuer do not matter, the key does.
        match pin_of(end_entity) {
            Some(pin) if pin == self.pin => Ok(ServerCertVerified::assertion()),
            _ => Err(rustls::Error::General(
                "the server's key is not the one pinned for this vault".into(),
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
