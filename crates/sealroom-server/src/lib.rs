//! The sealroom vault service (`sealroom serve`): one vault's records and blobs over
//! HTTPS for members who reach it across the network. It is trusted for availability
//! only: members encrypt, sign and verify on their own machines; the service checks
//! each act's signatures and the case's rules in one transaction, appends, signs the
//! checkpoint, and serves a case's data only to that case's members.

pub mod app;
pub mod auth;
pub mod config;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Serialize;

pub use config::{Config, Limits};

/// What the service says when it has started (the `--json` status line).
#[derive(Clone, Debug, Serialize)]
pub struct Started {
    /// The address it listens on.
    pub listen: SocketAddr,
    /// The address members use (`https://…`, or `http://` to loopback).
    pub url: String,
    /// The pin of its TLS key (`sha256//…`), which members must hold.
    pub pin: Option<String>,
    /// The vault folder.
    pub vault: std::path::PathBuf,
    /// The vault's identifier.
    pub vault_id: String,
    /// The vault's log verifier (what members pin).
    pub log_verifier: String,
    /// How many registrars may open cases.
    pub registrars: usize,
}

/// Serve until interrupted (SIGINT or SIGTERM). `on_start` is told the address and pin
/// once the socket is listening.
pub fn run(config: Config, on_start: impl FnOnce(&Started)) -> Result<(), String> {
    run_until(config, on_start, shutdown())
}

/// A service running on its own thread (for the demo and embedders), stopped when
/// dropped.
pub struct Running {
    /// What it said when it started.
    pub started: Started,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start the service on a thread of its own; returns once it listens.
pub fn spawn(config: Config) -> Result<Running, String> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        run_until(
            config,
            |s| {
                let _ = ready_tx.send(s.clone());
            },
            async {
                let _ = stop_rx.await;
            },
        )
    });
    match ready_rx.recv() {
        Ok(started) => Ok(Running {
            started,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Err(_) => Err(thread
            .join()
            .unwrap_or_else(|_| Err("the service failed to start".to_owned()))
            .err()
            .unwrap_or_else(|| "the service stopped at once".to_owned())),
    }
}

fn run_until(
    config: Config,
    on_start: impl FnOnce(&Started),
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let app = Arc::new(app::App::new(
        config.vault.clone(),
        config.backends.clone(),
        config.registrars.clone(),
        config.limits.clone(),
    ));
    // Fail at start, not at the first act: the vault opens, and its log key is here.
    let vault = app.open_vault().map_err(|e| e.message().to_owned())?;
    let facts = vault.service_facts().map_err(|e| e.message().to_owned())?;
    vault.service_check().map_err(|e| e.message().to_owned())?;
    drop(vault);
    let tls = match (&config.tls, config.plain_http) {
        (_, true) => None,
        (Some((cert, key)), false) => Some(tls::load(cert, key)?),
        (None, false) => Some(tls::self_signed(&config.vault)?),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the service failed: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        if config.plain_http && !local.ip().is_loopback() {
            return Err(
                "plain HTTP is served only on a loopback address (127.0.0.1 or ::1); give a certificate or let the service make one".to_owned(),
            );
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        on_start(&Started {
            listen: local,
            url: format!("{scheme}://{local}"),
            pin: tls.as_ref().map(|t| t.pin.clone()),
            vault: config.vault.clone(),
            vault_id: facts.vault_id.clone(),
            log_verifier: facts.log_verifier.clone(),
            registrars: config.registrars.len(),
        });
        let router = axum::Router::new().fallback(app::handle).with_state(app);
        let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));
        let slots = Arc::new(tokio::sync::Semaphore::new(config.limits.max_connections.max(1)));
        let idle = Duration::from_secs(config.limits.idle_timeout_secs.max(1));
        tokio::pin!(stop);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(a) => a,
                    Err(_) => continue,
                },
                () = &mut stop => return Ok(()),
            };
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                // Full: close at once rather than queue without bound.
                drop(stream);
                continue;
            };
            let router = router.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let _ = stream.set_nodelay(true);
                let service = hyper_util::service::TowerToHyperService::new(router);
                let mut http = hyper::server::conn::http1::Builder::new();
                http.timer(TokioTimer::new()).header_read_timeout(idle);
                match acceptor {
                    Some(acceptor) => {
                        let Ok(Ok(tls)) = tokio::time::timeout(idle, acceptor.accept(stream)).await else {
                            return;
                        };
                        let _ = http.serve_connection(TokioIo::new(tls), service).await;
                    }
                    None => {
                        let _ = http.serve_connection(TokioIo::new(stream), service).await;
                    }
                }
            });
        }
    })
}

async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
