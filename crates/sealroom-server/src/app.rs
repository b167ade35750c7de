//! The service's requests: the vault's public facts, records reads, commits, and blob
//! uploads and downloads, each signed by a member and answered by the engine on a
//! blocking thread (the engine is synchronous; the network side is not).

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use sealroom_engine::store::remote::signing::{self, Received, Signer};
use sealroom_engine::store::remote::wire::{self, path, Commit, Problem, ReadCall, CARD_HEADER};
use sealroom_engine::{Fingerprint, Vault};

use crate::auth::{Gate, Turned};
use crate::config::Limits;

/// What every request shares.
pub struct App {
    /// The vault folder.
    pub vault_dir: std::path::PathBuf,
    /// A scale-out vault's backends, when given apart from the folder.
    backends: Option<sealroom_engine::store::scaleout::Backends>,
    /// Open vaults, reused across requests.
    pool: Mutex<Vec<Vault>>,
    /// The institution's registrars.
    pub registrars: Vec<Fingerprint>,
    /// Signatures, nonces, rates.
    pub gate: Gate,
    /// Limits.
    pub limits: Limits,
    /// Writer leases.
    leases: Leases,
    /// Each case as the service last verified it.
    cases: Arc<sealroom_engine::vault::ServiceCache>,
}

/// The writer lease of each case: one holder at a time, the others queued in turn.
/// Waiters of this process queue on its own lock first; the lease the records share
/// with other service processes (PostgreSQL's) is then taken too.
#[derive(Default)]
struct Leases {
    cases: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// By lease id: its holder's fingerprint and what it holds.
    held: Mutex<HashMap<String, (Fingerprint, Held)>>,
}

/// A granted lease: this process's lock of the case and the records' shared lease.
struct Held {
    _local: tokio::sync::OwnedMutexGuard<()>,
    shared: Option<Box<dyn sealroom_engine::store::records::Lease>>,
}

impl Held {
    /// Give it back. The shared lease's release is a database call, so it runs off
    /// the async workers.
    fn release(mut self) {
        if let Some(shared) = self.shared.take() {
            tokio::task::spawn_blocking(move || drop(shared));
        }
    }
}

impl Leases {
    fn case(&self, reference: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.cases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(reference.to_owned())
            .or_default()
            .clone()
    }

    /// Take back lease `id` if `who` holds it (releasing it frees the case).
    fn take(&self, id: &str, who: &Fingerprint) -> Option<Held> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        match held.get(id) {
            Some((holder, _)) if holder == who => held.remove(id).map(|(_, g)| g),
            _ => None,
        }
    }
}

impl App {
    /// The service for the vault in `vault_dir` (on `backends`, if given).
    pub fn new(
        vault_dir: std::path::PathBuf,
        backends: Option<sealroom_engine::store::scaleout::Backends>,
        registrars: Vec<Fingerprint>,
        limits: Limits,
    ) -> App {
        App {
            vault_dir,
            backends,
            pool: Mutex::new(Vec::new()),
            registrars,
            gate: Gate::new(limits.requests_per_minute),
            limits,
            leases: Leases::default(),
            cases: Arc::default(),
        }
    }

    /// Run `f` on an open vault on a blocking thread.
    pub async fn with_vault<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Vault) -> sealroom_engine::Result<T> + Send + 'static,
    ) -> Result<T, Problem> {
        let app = self.clone();
        tokio::task::spawn_blocking(move || {
            let taken = app.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let vault = match taken {
                Some(v) => v,
                None => app.open_vault().map_err(|e| Problem::of(&e))?,
            };
            let out = f(&vault).map_err(|e| Problem::of(&e));
            let mut pool = app.pool.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < 16 {
                pool.push(vault);
            }
            out
        })
        .await
        .unwrap_or_else(|_| Err(problem("io", "the service failed while answering")))
    }

    /// Open the vault anew (the pool keeps opened ones).
    pub fn open_vault(&self) -> sealroom_engine::Result<Vault> {
        match &self.backends {
            Some(b) => Vault::open_scaleout(&self.vault_dir, b),
            None => Vault::open(&self.vault_dir),
        }
    }

    fn is_registrar(&self, signer: &Signer) -> bool {
        self.registrars.contains(&signer.card.fingerprint())
    }
}

fn problem(kind: &str, message: &str) -> Problem {
    Problem {
        kind: kind.to_owned(),
        message: message.to_owned(),
    }
}

fn respond(p: Problem) -> Response {
    let status = StatusCode::from_u16(p.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [("content-type", "application/json")],
        wire::encode(&p),
    )
        .into_response()
}

fn json(bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        bytes,
    )
        .into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The one entry point: dispatch on method and path.
pub async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let method = parts.method.as_str().to_owned();
    let result = match (method.as_str(), path.as_str()) {
        ("GET", path::VAULT) => app
            .with_vault(|v| v.service_facts())
            .await
            .map(|f| json(wire::encode(&f))),
        ("POST", path::READ)
        | ("POST", path::COMMIT)
        | ("POST", path::LOCK)
        | ("POST", path::UNLOCK) => records(&app, &method, &path, &parts.headers, body).await,
        ("PUT", path::BLOBS) => put_blob(&app, &method, &path, &parts.headers, body).await,
        ("GET", p) if p.starts_with("/v1/blobs/") => {
            get_blob(&app, &method, &path, &parts.headers).await
        }
        _ => Err(problem(
            "not-found",
            "the vault service has no such endpoint",
        )),
    };
    result.unwrap_or_else(respond)
}

fn admit(
    app: &App,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    with_digest: bool,
) -> Result<Signer, Problem> {
    let received = Received {
        method,
        path,
        content_digest: header(headers, signing::CONTENT_DIGEST),
        card: header(headers, CARD_HEADER),
        signature_input: header(headers, signing::SIGNATURE_INPUT),
        signature: header(headers, signing::SIGNATURE),
    };
    app.gate.admit(&received, with_digest).map_err(|t| match t {
        Turned::Unauthorized(why) => problem(
            "unauthorized",
            &format!("the request was not accepted: {why}"),
        ),
        Turned::TooMany => problem(
            "too-many",
            "too many requests from this identity; wait a minute and try again",
        ),
    })
}

/// A records read or a commit: a signed JSON body within the size limit, its digest
/// checked.
async fn records(
    app: &Arc<App>,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let signer = admit(app, method, path, headers, true)?;
    let limit = app.limits.max_request_bytes;
    let collected = tokio::time::timeout(
        Duration::from_secs(app.limits.idle_timeout_secs.max(1) * 4),
        http_body_util::Limited::new(body, limit).collect(),
    )
    .await
    .map_err(|_| problem("usage", "the request's body came too slowly"))?
    .map_err(|_| {
        problem(
            "too-large",
            &format!("the request is larger than the service accepts ({limit} bytes)"),
        )
    })?
    .to_bytes();
    let digest = ring::digest::digest(&ring::digest::SHA256, &collected);
    let mut sha = [0u8; 32];
    sha.copy_from_slice(digest.as_ref());
    if header(headers, signing::CONTENT_DIGEST) != Some(signing::content_digest(&sha).as_str()) {
        return Err(problem(
            "unauthorized",
            "the request's body does not match its signed digest",
        ));
    }
    let registrar = app.is_registrar(&signer);
    let card = signer.card;
    let who = card.fingerprint();
    let cases = app.cases.clone();
    match path {
        path::READ => {
            let call: ReadCall = serde_json::from_slice(&collected)
                .map_err(|e| problem("usage", &format!("the read is malformed: {e}")))?;
            app.with_vault(move |v| v.service_read(&card, &call, &cases))
                .await
                .map(json)
        }
        path::LOCK => {
            let asked: wire::LockRequest = serde_json::from_slice(&collected)
                .map_err(|e| problem("usage", &format!("the lock is malformed: {e}")))?;
            let reference = asked.reference.clone();
            if !app
                .with_vault(move |v| v.service_may_lock(&card, registrar, &reference, &cases))
                .await?
            {
                return Err(problem(
                    "not-found",
                    "no such case among the requester's cases",
                ));
            }
            let lock = app.leases.case(&asked.reference);
            let guard =
                tokio::time::timeout(Duration::from_secs(2 * wire::LEASE_SECS), lock.lock_owned())
                    .await
                    .map_err(|_| problem("io", "the case is busy; try again in a minute"))?;
            let wait = Duration::from_secs(2 * wire::LEASE_SECS);
            let reference = asked.reference.clone();
            let shared = app
                .with_vault(move |v| v.service_lease(&reference, wait))
                .await?;
            let guard = Held {
                _local: guard,
                shared,
            };
            let mut id = [0u8; 16];
            ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut id)
                .map_err(|_| problem("io", "the service's random number generator failed"))?;
            let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
            app.leases
                .held
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.clone(), (who, guard));
            // A holder that never commits or gives it back (a client that died) loses it.
            let (expiring, expired) = (app.clone(), id.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(wire::LEASE_SECS)).await;
                let gone = expiring
                    .leases
                    .held
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&expired);
                if let Some((_, held)) = gone {
                    held.release();
                }
            });
            Ok(json(wire::encode(&wire::Lease { lease: id })))
        }
        path::UNLOCK => {
            let lease: wire::Lease = serde_json::from_slice(&collected)
                .map_err(|e| problem("usage", &format!("the unlock is malformed: {e}")))?;
            if let Some(held) = app.leases.take(&lease.lease, &who) {
                held.release();
            }
            Ok(json(b"{}".to_vec()))
        }
        _ => {
            let commit: Commit = serde_json::from_slice(&collected)
                .map_err(|e| problem("usage", &format!("the commit is malformed: {e}")))?;
            // The lease is held until the commit is decided, then freed either way.
            let lease = commit
                .lease
                .as_deref()
                .and_then(|id| app.leases.take(id, &who));
            let done = app
                .with_vault(move |v| v.service_commit(&card, registrar, commit, &cases))
                .await
                .map(|c| json(wire::encode(&c)));
            if let Some(held) = lease {
                held.release();
            }
            done
        }
    }
}

/// A new blob, streamed to the store as it arrives: nothing is visible until the whole
/// body has landed and been hashed; a body that stops midway leaves nothing.
async fn put_blob(
    app: &Arc<App>,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let signer = admit(app, method, path, headers, false)?;
    let registrar = app.is_registrar(&signer);
    let card = signer.card.clone();
    let cases = app.cases.clone();
    if !app
        .with_vault(move |v| v.service_knows(&card, registrar, &cases))
        .await?
    {
        return Err(problem(
            "refused",
            "only members of a case on this vault may upload",
        ));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(4);
    let stored = app.with_vault(move |v| {
        v.service_store_blob(&mut ChannelRead {
            rx,
            chunk: Bytes::new(),
        })
    });
    let feed = async {
        let max = app.limits.max_blob_bytes;
        let idle = Duration::from_secs(app.limits.idle_timeout_secs.max(1));
        let mut stream = body.into_data_stream();
        let mut total: u64 = 0;
        let mut too_large = None;
        loop {
            let next = match tokio::time::timeout(idle, stream.next()).await {
                Ok(Some(Ok(bytes))) => {
                    total += bytes.len() as u64;
                    if total > max {
                        too_large = Some(max);
                        Err(format!(
                            "the document is larger than the service accepts ({max} bytes)"
                        ))
                    } else {
                        Ok(bytes)
                    }
                }
                Ok(Some(Err(e))) => Err(format!("the upload broke off: {e}")),
                Err(_) => Err("the upload stalled".to_owned()),
                Ok(None) => break,
            };
            let stop = next.is_err();
            if tx.send(next).await.is_err() || stop {
                break;
            }
        }
        drop(tx);
        if too_large.is_some() {
            // Read on (and discard) a little more of a body that is too large, so the
            // client, still sending, gets the refusal rather than a broken connection;
            // beyond that the connection is closed.
            let mut drained: u64 = 0;
            while let Ok(Some(Ok(bytes))) = tokio::time::timeout(idle, stream.next()).await {
                drained += bytes.len() as u64;
                if drained > DRAIN_LIMIT {
                    break;
                }
            }
        }
        too_large
    };
    let (stored, too_large) = tokio::join!(stored, feed);
    if let Some(max) = too_large {
        return Err(problem(
            "too-large",
            &format!(
                "the document is larger than this service accepts ({max} bytes of ciphertext)"
            ),
        ));
    }
    let stored = stored?;
    Ok(json(wire::encode(&wire::BlobPut {
        sha256: stored.sha256,
        size: stored.size,
    })))
}

/// How much of a too-large upload is read on before it is refused.
const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// The blocking side of an upload.
struct ChannelRead {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, String>>,
    chunk: Bytes,
}

impl Read for ChannelRead {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(bytes)) => self.chunk = bytes,
                Some(Err(why)) => return Err(std::io::Error::other(why)),
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len());
        out[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// A blob, streamed from the store.
async fn get_blob(
    app: &Arc<App>,
    method: &str,
    path: &str,
    headers: &HeaderMap,
) -> Result<Response, Problem> {
    let signer = admit(app, method, path, headers, false)?;
    let sha = path.trim_start_matches("/v1/blobs/").to_owned();
    let card = signer.card;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<u64, Problem>>();
    let app2 = app.clone();
    tokio::task::spawn_blocking(move || {
        let opened = app2
            .open_vault()
            .and_then(|v| v.service_open_blob(&card, &sha, &app2.cases));
        let mut blob = match opened {
            Ok(b) => b,
            Err(e) => {
                let _ = ready_tx.send(Err(Problem::of(&e)));
                return;
            }
        };
        let size = blob.size().unwrap_or(0);
        if ready_tx.send(Ok(size)).is_err() {
            return;
        }
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match blob.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        break;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let size = ready_rx
        .await
        .unwrap_or_else(|_| Err(problem("io", "the service failed while opening the blob")))?;
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok((
        StatusCode::OK,
        [
            ("content-type", "application/octet-stream".to_owned()),
            ("content-length", size.to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
