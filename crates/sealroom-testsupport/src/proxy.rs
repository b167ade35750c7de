//! A TCP proxy that injects faults between a client under test and a real server
//! ([`FaultProxy`]), for the tests of what an act does when its server fails part-way.
//!
//! A real server does not fail on demand: moto answers every request it can, and the
//! only way to make it fail is to kill it, which cannot be timed to land in the middle
//! of an upload, cannot be undone for the retry, and never produces a server error or a
//! server that accepts a request and then says nothing. The proxy sits on a loopback
//! port in front of the server, passes bytes both ways while told to, and on
//! [`FaultProxy::set`] starts to break them in one of the ways a network or an
//! overloaded store does ([`Fault`]): a connection cut after so many bytes, an HTTP
//! error answer, or silence.
//!
//! HTTP clients keep connections open between requests, so a fault that applied only
//! to new connections would miss a client that keeps reusing one. The proxy therefore
//! looks at the fault again at the start of each request on a connection it forwards:
//! the first bytes from the client after bytes came back from the server (clients that
//! wait for each answer before the next request, as ureq does, never pipeline). From
//! then on that connection follows the new fault, as a new connection would.
//!
//! Plain threads and blocking sockets: one thread accepts, each connection has a
//! thread (and, while forwarding, a second one for the server's answers). Dropping the
//! proxy stops accepting, shuts every socket it holds down (which ends the blocked
//! reads and writes) and joins its threads, so a test never hangs at its end.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How often the accepting thread looks whether the proxy was dropped.
const POLL: Duration = Duration::from_millis(10);
/// Bytes read from a socket at a time.
const CHUNK: usize = 64 * 1024;
/// The most bytes of a request's head read by [`Fault::Error`] before it gives up
/// looking for its end.
const HEAD_LIMIT: usize = 64 * 1024;
/// The body of a [`Fault::Error`] answer: an S3-style error, as a store that failed
/// inside would send.
const ERROR_BODY: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>injected</Message></Error>";

/// What the proxy does to the connections (and requests) that begin from when it is
/// set on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forward bytes both ways, unchanged.
    Pass,
    /// Forward the first `after` bytes the client sends on a connection (from when the
    /// fault took hold of it), and the server's answers meanwhile, then close both
    /// sides: a network that breaks during a request (a short request passes whole).
    Cut {
        /// Bytes of the client's requests forwarded before the cut.
        after: u64,
    },
    /// Read the whole request (its head, then `Content-Length` bytes of body) without
    /// forwarding it, answer `status` with an S3-style XML error
    /// (`InternalError`, `injected`) and `Connection: close`: a store failing inside.
    Error {
        /// The HTTP status answered, such as 500 or 503.
        status: u16,
    },
    /// Accept and read everything, never answer: a store that hangs, until the client
    /// gives up (its time-out) or the proxy is dropped.
    Stall,
}

/// A fault-injecting TCP proxy on `127.0.0.1`, in front of a server on another
/// loopback port (see the module's doc). Dropping it stops it.
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

/// What the proxy's threads share.
struct Shared {
    upstream: SocketAddr,
    fault: Mutex<Fault>,
    accepted: AtomicU64,
    stopping: AtomicBool,
    /// Every socket open now (clones, to shut them down when the proxy is dropped).
    sockets: Mutex<Sockets>,
    /// The connections' threads, joined when the proxy is dropped.
    threads: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Default)]
struct Sockets {
    next: u64,
    open: HashMap<u64, TcpStream>,
}

impl FaultProxy {
    /// A proxy on a free port of 127.0.0.1, forwarding to `127.0.0.1:upstream_port`,
    /// with [`Fault::Pass`] set. Panics if it cannot listen (a test's setup failing).
    pub fn start(upstream_port: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the fault proxy cannot listen");
        let port = listener
            .local_addr()
            .expect("the fault proxy has no address")
            .port();
        listener
            .set_nonblocking(true)
            .expect("the fault proxy cannot poll its listener");
        let shared = Arc::new(Shared {
            upstream: SocketAddr::from(([127, 0, 0, 1], upstream_port)),
            fault: Mutex::new(Fault::Pass),
            accepted: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            sockets: Mutex::new(Sockets::default()),
            threads: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = shared.clone();
            thread::Builder::new()
                .name("fault-proxy-accept".to_owned())
                .spawn(move || accept(&listener, &shared))
                .expect("the fault proxy cannot start a thread")
        };
        FaultProxy {
            port,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, the endpoint to give the client under test.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// From now on, do `fault` to new connections and to the requests that begin on
    /// open ones (a request already under way keeps the fault it started with).
    pub fn set(&self, fault: Fault) {
        *lock(&self.shared.fault) = fault;
    }

    /// The fault set now.
    pub fn fault(&self) -> Fault {
        self.shared.fault()
    }

    /// How many connections it has accepted so far.
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        {
            // Under the lock that registers sockets: none is added after the sweep.
            let sockets = lock(&self.shared.sockets);
            self.shared.stopping.store(true, Ordering::SeqCst);
            for socket in sockets.open.values() {
                let _ = socket.shutdown(Shutdown::Both);
            }
        }
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let threads = std::mem::take(&mut *lock(&self.shared.threads));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("port", &self.port)
            .field("upstream", &self.shared.upstream)
            .field("fault", &self.fault())
            .field("accepted", &self.accepted())
            .finish()
    }
}

/// A mutex's value, even if a thread holding it panicked (the values stay valid).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn fault(&self) -> Fault {
        *lock(&self.fault)
    }

    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Keep a clone of `socket` to shut down when the proxy is dropped; `None` if it is
    /// being dropped already. The clone is closed when the guard is dropped.
    fn track(self: &Arc<Self>, socket: &TcpStream) -> Option<Tracked> {
        let clone = socket.try_clone().ok()?;
        let mut sockets = lock(&self.sockets);
        if self.stopping() {
            return None;
        }
        let id = sockets.next;
        sockets.next += 1;
        sockets.open.insert(id, clone);
        Some(Tracked {
            shared: self.clone(),
            id,
        })
    }

    /// A new connection to the server, tracked.
    fn connect_upstream(self: &Arc<Self>) -> Option<(TcpStream, Tracked)> {
        let upstream = TcpStream::connect_timeout(&self.upstream, Duration::from_secs(5)).ok()?;
        let _ = upstream.set_nodelay(true);
        let tracked = self.track(&upstream)?;
        Some((upstream, tracked))
    }
}

/// A socket's place among those the proxy shuts down when dropped; removed (and its
/// clone closed) when this is dropped.
struct Tracked {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        lock(&self.shared.sockets).open.remove(&self.id);
    }
}

/// The accepting thread: a thread per connection, until the proxy is dropped.
fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    while !shared.stopping() {
        let client = match listener.accept() {
            Ok((client, _)) => client,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(POLL);
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                thread::sleep(POLL);
                continue;
            }
        };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        // The listener polls; the connection blocks.
        if client.set_nonblocking(false).is_err() {
            continue;
        }
        let _ = client.set_nodelay(true);
        let Some(tracked) = shared.track(&client) else {
            break;
        };
        let handle = {
            let shared = shared.clone();
            thread::Builder::new()
                .name("fault-proxy-conn".to_owned())
                .spawn(move || {
                    serve(client, &shared);
                    drop(tracked);
                })
        };
        if let Ok(handle) = handle {
            let mut threads = lock(&shared.threads);
            threads.retain(|t| !t.is_finished());
            threads.push(handle);
        }
    }
}

/// One client connection, under the fault set when it began, then under the one set
/// when each of its later requests begins.
fn serve(mut client: TcpStream, shared: &Arc<Shared>) {
    let mut fault = shared.fault();
    // The bytes of a request already read when its fault was looked at.
    let mut pending = Vec::new();
    loop {
        let next = match fault {
            Fault::Pass => forward(&mut client, shared, fault, &pending, None),
            Fault::Cut { after } => forward(&mut client, shared, fault, &pending, Some(after)),
            Fault::Error { status } => {
                answer_error(&mut client, &pending, status);
                None
            }
            Fault::Stall => {
                stall(&mut client);
                None
            }
        };
        match next {
            Some((changed, request)) => {
                fault = changed;
                pending = request;
            }
            None => break,
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}

/// Forward the client's bytes (beginning with `pending`) to a new connection to the
/// server and its answers back, the client's bytes up to `limit` if given (then both
/// sides are closed). `Some((fault, request))` when a request begins after the fault
/// changed from `under`: the new fault and the bytes of that request read so far, the
/// connection to the server closed. `None` when the connection ended.
fn forward(
    client: &mut TcpStream,
    shared: &Arc<Shared>,
    under: Fault,
    pending: &[u8],
    limit: Option<u64>,
) -> Option<(Fault, Vec<u8>)> {
    let (mut upstream, tracked) = shared.connect_upstream()?;
    let (Ok(mut to_client), Ok(mut from_upstream)) = (client.try_clone(), upstream.try_clone())
    else {
        return None;
    };
    // Set when the server's bytes reached the client: the client's next bytes begin a
    // request. `switched`: the connection to the server is closed on purpose, and the
    // client must not see that as the server's end.
    let answered = Arc::new(AtomicBool::new(false));
    let switched = Arc::new(AtomicBool::new(false));
    let answers = {
        let (answered, switched) = (answered.clone(), switched.clone());
        thread::Builder::new()
            .name("fault-proxy-answers".to_owned())
            .spawn(move || {
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = match from_upstream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    // Before the client can have the answer and send its next
                    // request.
                    answered.store(true, Ordering::SeqCst);
                    if to_client.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                if !switched.load(Ordering::SeqCst) {
                    // The server closed (or broke): so does the proxy, to the client.
                    let _ = to_client.shutdown(Shutdown::Write);
                }
            })
    };
    let Ok(answers) = answers else {
        return None;
    };
    let mut left = limit;
    let mut buf = vec![0u8; CHUNK];
    let mut first = Some(pending);
    let outcome = loop {
        let chunk: &[u8] = match first.take() {
            Some(p) if !p.is_empty() => p,
            _ => match client.read(&mut buf) {
                Ok(0) | Err(_) => {
                    // The client is done (or gone): let the server finish its answer.
                    let _ = upstream.shutdown(Shutdown::Write);
                    break None;
                }
                Ok(n) => {
                    if answered.swap(false, Ordering::SeqCst) {
                        let now = shared.fault();
                        if now != under {
                            switched.store(true, Ordering::SeqCst);
                            let _ = upstream.shutdown(Shutdown::Both);
                            break Some((now, buf[..n].to_vec()));
                        }
                    }
                    &buf[..n]
                }
            },
        };
        let take = match left {
            Some(l) => chunk.len().min(usize::try_from(l).unwrap_or(usize::MAX)),
            None => chunk.len(),
        };
        if upstream.write_all(&chunk[..take]).is_err() {
            let _ = client.shutdown(Shutdown::Both);
            let _ = upstream.shutdown(Shutdown::Both);
            break None;
        }
        if let Some(l) = &mut left {
            *l -= take as u64;
            if *l == 0 {
                // The cut: both sides closed, whatever was under way.
                switched.store(true, Ordering::SeqCst);
                let _ = client.shutdown(Shutdown::Both);
                let _ = upstream.shutdown(Shutdown::Both);
                break None;
            }
        }
    };
    let _ = answers.join();
    drop(upstream);
    drop(tracked);
    outcome
}

/// Read the request that begins with `pending` (its head, then its `Content-Length`
/// bytes of body), and answer `status` with an S3-style error, closing the connection.
fn answer_error(client: &mut TcpStream, pending: &[u8], status: u16) {
    let mut head = pending.to_vec();
    let mut buf = vec![0u8; CHUNK];
    let end = loop {
        if let Some(at) = find(&head, b"\r\n\r\n") {
            break at + 4;
        }
        if head.len() > HEAD_LIMIT {
            return;
        }
        match client.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    };
    let body_len = content_length(&head[..end]).unwrap_or(0);
    let mut left = body_len.saturating_sub((head.len() - end) as u64);
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        match client.read(&mut buf[..want]) {
            Ok(0) | Err(_) => return,
            Ok(n) => left -= n as u64,
        }
    }
    let answer = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{ERROR_BODY}",
        reason(status),
        ERROR_BODY.len()
    );
    let _ = client.write_all(answer.as_bytes());
    let _ = client.flush();
    let _ = client.shutdown(Shutdown::Write);
}

/// Read and drop everything the client sends, never answering, until it closes or the
/// proxy is dropped.
fn stall(client: &mut TcpStream) {
    let mut buf = vec![0u8; CHUNK];
    while let Ok(n) = client.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The `Content-Length` of a request's head.
fn content_length(head: &[u8]) -> Option<u64> {
    String::from_utf8_lossy(head).lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

/// The reason phrase of the statuses a test is likely to inject.
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Injected",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers each request line of a kept-alive connection with `ok`.
    fn echo_server() -> (u16, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = thread::spawn(move || {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let mut buf = [0u8; 4096];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 || conn.write_all(b"ok").is_err() {
                    break;
                }
            }
        });
        (port, handle)
    }

    fn exchange(conn: &mut TcpStream, request: &[u8]) -> Vec<u8> {
        conn.write_all(request).unwrap();
        let mut answer = vec![0u8; 4096];
        let n = conn.read(&mut answer).unwrap_or(0);
        answer.truncate(n);
        answer
    }

    #[test]
    fn a_fault_set_later_takes_hold_of_the_next_request_on_an_open_connection() {
        let (port, server) = echo_server();
        let proxy = FaultProxy::start(port);
        let mut conn = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        assert_eq!(exchange(&mut conn, b"one"), b"ok");
        proxy.set(Fault::Error { status: 503 });
        conn.write_all(b"PUT /b/k HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody")
            .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
        assert!(answer.contains("<Code>InternalError</Code>"), "{answer}");
        assert_eq!(proxy.accepted(), 1);
        drop(proxy);
        server.join().unwrap();
    }

    #[test]
    fn a_stalled_connection_ends_when_the_proxy_is_dropped() {
        let (port, _server) = echo_server();
        let proxy = FaultProxy::start(port);
        proxy.set(Fault::Stall);
        let mut conn = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        conn.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 16];
            conn.read(&mut buf)
        });
        thread::sleep(Duration::from_millis(200));
        drop(proxy);
        // Closed by the drop, not by the time-out.
        assert!(matches!(reader.join().unwrap(), Ok(0) | Err(_)));
    }

    #[test]
    fn a_cut_forwards_that_many_bytes_then_closes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            let _ = conn.read_to_end(&mut got);
            got.len()
        });
        let proxy = FaultProxy::start(port);
        proxy.set(Fault::Cut { after: 10 });
        let mut conn = TcpStream::connect(("127.0.0.1", proxy.port())).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let _ = conn.write_all(&[7u8; 100]);
        let mut buf = [0u8; 16];
        assert!(matches!(conn.read(&mut buf), Ok(0) | Err(_)));
        assert_eq!(server.join().unwrap(), 10);
    }
}
