//! The client's connection to a vault service: one HTTPS agent pinned to the server's
//! key, every request signed by the acting member (see [`super::signing`]), answers
//! decoded, refusals turned back into the engine's errors.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::signing;
use super::wire::{self, path, BlobPut, Commit, Committed, Problem, ReadCall, VaultFacts};
use crate::crypto::digest::hex;
use crate::error::{Error, Result};
use crate::identity::Identity;

/// Where a vault service is: `https://HOST[:PORT]`, or `http://` to a loopback
/// address (a TLS-terminating proxy on the same machine, or a test).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// `https://host:port` or `http://127.0.0.1:port`, without a trailing slash.
    pub url: String,
    /// Whether TLS is used (and a pin required).
    pub tls: bool,
}

impl Location {
    /// Whether `text` names a vault service rather than a folder.
    pub fn is_remote(text: &str) -> bool {
        text.starts_with("https://") || text.starts_with("http://")
    }

    /// Parse `https://HOST[:PORT]` (a path, query or user part is refused).
    pub fn parse(text: &str) -> Result<Location> {
        let bad = |why: &str| {
            Error::usage(format!(
                "`{text}` is not a vault service address ({why}); write https://HOST[:PORT]"
            ))
        };
        let (tls, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("it must begin with https://"));
        };
        let host_port = rest.strip_suffix('/').unwrap_or(rest);
        if host_port.is_empty()
            || host_port.contains(['/', '?', '#', '@', ' '])
            || !host_port.is_ascii()
        {
            return Err(bad("it must be a host and an optional port, nothing else"));
        }
        let host = match host_port.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                if p.parse::<u16>().is_err() && !host_port.ends_with(']') {
                    return Err(bad("the port is not a number"));
                }
                h
            }
            _ => host_port,
        };
        if !tls && !is_loopback(host) {
            return Err(bad(
                "plain http:// is allowed only to this machine (127.0.0.1, ::1, localhost); use https://",
            ));
        }
        Ok(Location {
            url: format!("{}://{host_port}", if tls { "https" } else { "http" }),
            tls,
        })
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A connection to a vault service, acting as one member.
pub struct Connection {
    location: Location,
    pin: Option<String>,
    agent: ureq::Agent,
    identity: Arc<Identity>,
}

impl Connection {
    /// Connect to `location` (its TLS key must have `pin`) as `identity`.
    pub fn new(location: Location, pin: Option<&str>, identity: Arc<Identity>) -> Result<Self> {
        let mut builder = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(15))
            .timeout_read(Duration::from_secs(120))
            .timeout_write(Duration::from_secs(120))
            .user_agent(concat!("sealroom/", env!("CARGO_PKG_VERSION")));
        if location.tls {
            let pin = pin.ok_or_else(|| {
                Error::usage(format!(
                    "no key pin for the vault service {}: give the pin the operator published with --server-pin (or SEALROOM_SERVER_PIN), or join a case from an invitation",
                    location.url
                ))
            })?;
            builder = builder.tls_config(super::tls::pinned_config(&super::tls::parse_pin(pin)?));
        }
        Ok(Connection {
            location,
            pin: pin.map(str::to_owned),
            agent: builder.build(),
            identity,
        })
    }

    /// The service's address.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The key pin in use.
    pub fn pin(&self) -> Option<&str> {
        self.pin.as_deref()
    }

    /// The acting member.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    fn request(&self, method: &str, path: &str, body_sha256: Option<&[u8; 32]>) -> ureq::Request {
        let created = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut nonce = [0u8; 16];
        // A failed random source leaves a nonce the server refuses as replayed.
        let _ = getrandom::fill(&mut nonce);
        let h = signing::sign(
            &self.identity,
            method,
            path,
            body_sha256,
            created,
            &hex(&nonce),
        );
        let mut r = self
            .agent
            .request(method, &format!("{}{path}", self.location.url))
            .set(wire::CARD_HEADER, &h.card)
            .set(signing::SIGNATURE_INPUT, &h.signature_input)
            .set(signing::SIGNATURE, &h.signature);
        if let Some(d) = &h.content_digest {
            r = r.set(signing::CONTENT_DIGEST, d);
        }
        r
    }

    fn answer(
        &self,
        result: std::result::Result<ureq::Response, ureq::Error>,
    ) -> Result<ureq::Response> {
        match result {
            Ok(r) => Ok(r),
            Err(ureq::Error::Status(status, response)) => {
                let mut body = Vec::new();
                let _ = response
                    .into_reader()
                    .take(64 * 1024)
                    .read_to_end(&mut body);
                Err(match serde_json::from_slice::<Problem>(&body) {
                    Ok(p) => p.into_error(),
                    Err(_) => Error::io(format!(
                        "the vault service at {} answered HTTP {status} without saying why",
                        self.location.url
                    )),
                })
            }
            Err(ureq::Error::Transport(t)) => Err(Error::io(format!(
                "cannot reach the vault service at {}: {t}",
                self.location.url
            ))),
        }
    }

    fn post<T: DeserializeOwned>(&self, path: &str, body: Vec<u8>, what: &str) -> Result<T> {
        let digest = crate::crypto::digest::sha256(&body);
        // A request that never got an answer is sent again (freshly signed): reads
        // change nothing, and the service answers a commit it already recorded as
        // done (a statement is identified by its hash).
        let mut tries = 0;
        let sent = loop {
            tries += 1;
            let sent = self
                .request("POST", path, Some(&digest))
                .set("content-type", "application/json")
                .send_bytes(&body);
            match sent {
                Err(ureq::Error::Transport(_)) if tries < 3 => {
                    std::thread::sleep(Duration::from_millis(200 * tries));
                }
                other => break other,
            }
        };
        let response = self.answer(sent)?;
        let mut bytes = Vec::new();
        response
            .into_reader()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("reading the vault service's answer to {what}: {e}")))?;
        wire::decode(&bytes, what)
    }

    /// The vault's public facts (not signed: anyone may ask, and the client checks
    /// them against its pins).
    pub fn facts(&self) -> Result<VaultFacts> {
        let response = self.answer(self.request("GET", path::VAULT, None).call())?;
        let mut bytes = Vec::new();
        response
            .into_reader()
            .take(64 * 1024)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(format!("reading the vault's facts: {e}")))?;
        wire::decode(&bytes, "the vault's facts")
    }

    /// One records read.
    pub fn read<T: DeserializeOwned>(&self, call: &ReadCall) -> Result<T> {
        self.post(path::READ, wire::encode(call), "a records read")
    }

    /// Wait for the writer lease of case `reference`.
    pub fn lock(&self, reference: &str) -> Result<String> {
        let lease: wire::Lease = self.post(
            path::LOCK,
            wire::encode(&wire::LockRequest {
                reference: reference.to_owned(),
            }),
            "a lock",
        )?;
        Ok(lease.lease)
    }

    /// Give a lease back unused (best effort: it expires anyway).
    pub fn unlock(&self, lease: &str) {
        let _: Result<serde_json::Value> = self.post(
            path::UNLOCK,
            wire::encode(&wire::Lease {
                lease: lease.to_owned(),
            }),
            "an unlock",
        );
    }

    /// The writes of one act.
    pub fn commit(&self, commit: &Commit) -> Result<Committed> {
        self.post(path::COMMIT, wire::encode(commit), "a commit")
    }

    /// Upload a new blob, streaming what `fill` writes (memory stays bounded: the
    /// upload runs on its own thread, fed through a small channel).
    pub fn put_blob(
        &self,
        fill: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
    ) -> Result<(BlobPut, [u8; 32], u64)> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(4);
        let request = self
            .request("PUT", path::BLOBS, None)
            .set("content-type", "application/octet-stream");
        let upload = std::thread::spawn(move || {
            request
                .send(ChannelReader {
                    rx,
                    chunk: Vec::new(),
                    at: 0,
                })
                .map_err(Box::new)
        });
        let mut writer = ChannelWriter {
            tx: Some(tx),
            ended: false,
            buf: Vec::with_capacity(CHUNK),
            hash: ring::digest::Context::new(&ring::digest::SHA256),
            size: 0,
        };
        let filled = fill(&mut writer).and_then(|()| {
            writer
                .finish()
                .map_err(|_| Error::io("the upload to the vault service stopped"))
        });
        if filled.is_err() {
            // Break the upload off: a body cut short must not be stored as if whole.
            writer.abort();
        }
        let (hash, size) = (writer.hash.clone().finish(), writer.size);
        let upload_ended = writer.ended;
        drop(writer);
        let sent = upload
            .join()
            .map_err(|_| Error::io("the upload to the vault service failed"))?
            .map_err(|e| *e);
        // The service's refusal, or the connection's failure, explains a stopped
        // producer; otherwise the producer's own failure is the one to report.
        if upload_ended && sent.is_err() {
            self.answer(sent)?;
            return Err(Error::io("the vault service refused the upload"));
        }
        filled?;
        let response = self.answer(sent)?;
        let mut bytes = Vec::new();
        response
            .into_reader()
            .take(64 * 1024)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Error::io(format!(
                    "reading the vault service's answer to an upload: {e}"
                ))
            })?;
        let put: BlobPut = wire::decode(&bytes, "an upload")?;
        let mut digest = [0u8; 32];
        digest.copy_from_slice(hash.as_ref());
        Ok((put, digest, size))
    }

    /// Download a blob (its bytes are checked by the caller against the hash a signed
    /// statement names).
    pub fn get_blob(&self, sha256: &str) -> Result<Box<dyn Read + Send + Sync>> {
        let path = format!("{}/{sha256}", path::BLOBS);
        Ok(self
            .answer(self.request("GET", &path, None).call())?
            .into_reader())
    }
}

const CHUNK: usize = 256 * 1024;

/// A piece of an upload, or the producer's failure (which breaks the upload off).
type Chunk = std::result::Result<Vec<u8>, ()>;

/// The producer's side of a streamed upload.
struct ChannelWriter {
    tx: Option<std::sync::mpsc::SyncSender<Chunk>>,
    /// The upload ended before the producer did (the service or the network failed).
    ended: bool,
    buf: Vec<u8>,
    hash: ring::digest::Context,
    size: u64,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let sent = self
            .tx
            .as_ref()
            .is_some_and(|tx| tx.send(Ok(chunk)).is_ok());
        if sent {
            Ok(())
        } else {
            self.ended = true;
            Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the upload stopped",
            ))
        }
    }

    fn abort(&mut self) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Err(()));
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.send()?;
        self.tx = None;
        Ok(())
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        self.hash.update(&data[..n]);
        self.size += n as u64;
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The upload's side: chunks as they come, end of stream when the producer is done.
struct ChannelReader {
    rx: std::sync::mpsc::Receiver<Chunk>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Err(())) => {
                    return Err(std::io::Error::other(
                        "the document could not be read whole",
                    ))
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_addresses_are_parsed_strictly() {
        let l = Location::parse("https://vault.example.org").unwrap();
        assert_eq!(l.url, "https://vault.example.org");
        assert!(l.tls);
        assert_eq!(
            Location::parse("https://vault.example.org:8443/")
                .unwrap()
                .url,
            "https://vault.example.org:8443"
        );
        assert!(!Location::parse("http://127.0.0.1:9000").unwrap().tls);
        assert!(Location::parse("http://[::1]:9000").is_ok());
        for bad in [
            "http://vault.example.org",
            "https://",
            "https://host/path",
            "https://user@host",
            "https://host:port",
            "ftp://host",
        ] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }
}
