//! The accept loop: hyper's HTTP/1.1 and HTTP/2 (prior knowledge) connections with timeouts,
//! a cap on open connections, and graceful shutdown.
//!
//! Timeouts of one connection (settings in [`ConnectionSettings`]):
//! - header: a new connection must deliver its first request head within `header_timeout`
//!   of being accepted; on a kept-alive HTTP/1.1 connection, the clock starts at the first
//!   byte of the next request. A client that sends nothing, or half a head, is closed.
//! - idle: a connection with no request in progress is closed after `idle_timeout`.
//! - body: a handler that waits longer than `body_timeout` for the next piece of its request
//!   body gets an error, and the request is answered `408 Request Timeout` with
//!   `Connection: close`. The clock restarts with every piece, so a slow upload that keeps
//!   coming is not cut. A connection whose client stops reading an answer (a write waiting
//!   longer than `body_timeout`) is closed.
//! - none while a handler runs, and none once a connection is upgraded: a WebSocket leaves
//!   hyper and these timeouts behind (it has its own `connection_init` timeout), but counts
//!   against the cap until it closes. WebSockets are HTTP/1.1 upgrades (no RFC 8441 CONNECT).
//!
//! Cap: at most `max_connections` connections are open at once. One more is still accepted,
//! answered `503 Service Unavailable` with `Retry-After` and `Connection: close` once its
//! request head has come (or after half of [`REFUSAL_TIME`]), and closed once the client has
//! closed its side or [`REFUSAL_TIME`] has passed (so the answer is not lost to a reset). Clients and load balancers get a clear answer rather than a hang in the
//! listen backlog, the process keeps file descriptors in reserve, and `/readyz` answers again
//! as soon as connections close. At most [`REFUSING`] refusals are in progress at once; past
//! that a connection is closed without an answer.
//!
//! Default cap: the open-file soft limit is raised to the hard limit at start (see
//! [`raise_open_file_limit`]) and the cap is sized below it ([`default_max_connections`]).
//!
//! Metrics: `chorus_http_connections_open` (gauge), `chorus_http_connections_refused_total`
//! and `chorus_http_timeouts_total{kind}` (`header`, `idle`, `body`, `write`).

use std::{
    convert::Infallible,
    future::Future,
    io,
    net::SocketAddr,
    pin::{Pin, pin},
    sync::{
        Arc, Mutex, MutexGuard, OnceLock, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes, HttpBody},
    extract::ConnectInfo,
    http::{Request, Response, StatusCode, Version, header},
    middleware::AddExtension,
    response::IntoResponse,
};
use http_body::{Frame, SizeHint};
use hyper_util::{
    rt::{TokioExecutor, TokioIo},
    server::conn::auto,
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{Notify, OwnedSemaphorePermit, Semaphore, watch},
    time::{Instant, Sleep},
};
use tower::{Service, ServiceExt};

use crate::config::{ConnectionSettings, Settings};

/// Refusals (503 answers) in progress at once; each holds a socket for at most
/// [`REFUSAL_TIME`].
pub const REFUSING: usize = 64;
/// Longest a refused connection is kept to deliver its answer.
pub const REFUSAL_TIME: Duration = Duration::from_secs(2);
/// The whole answer to a connection over the cap.
pub const REFUSAL: &str = concat!(
    "HTTP/1.1 503 Service Unavailable\r\n",
    "Retry-After: 5\r\n",
    "Connection: close\r\n",
    "Content-Type: text/plain; charset=utf-8\r\n",
    "Content-Length: 43\r\n",
    "\r\n",
    "too many connections: try again in a while\n",
);
/// Largest default cap: beyond it an instance is better scaled out than up.
pub const MAX_DEFAULT_CONNECTIONS: usize = 8_192;
/// Smallest default cap, whatever the open-file limit says.
const MIN_DEFAULT_CONNECTIONS: usize = 16;
/// The default cap where the open-file limit is unknown.
const UNKNOWN_LIMIT_CONNECTIONS: usize = 1_024;
/// How long the accept loop pauses after an error such as `EMFILE`.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// Least time between two log lines about refused connections or accept errors.
const LOG_EVERY: Duration = Duration::from_secs(10);

type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// The router with the client's address, as each connection's handlers see it.
type Routed = AddExtension<Router, ConnectInfo<SocketAddr>>;

/// Raises the open-file soft limit to the hard limit, once per process, and logs the result.
/// Returns the soft limit in force afterwards; None where it cannot be read.
pub fn raise_open_file_limit() -> Option<u64> {
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    *LIMIT.get_or_init(raise)
}

#[cfg(unix)]
fn raise() -> Option<u64> {
    let (soft, hard) = match rlimit::Resource::NOFILE.get() {
        Ok(limits) => limits,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the open-file limit");
            return None;
        }
    };
    match rlimit::increase_nofile_limit(hard) {
        Ok(now) if now > soft => {
            tracing::info!(from = soft, to = now, hard, "raised the open-file limit");
            Some(now)
        }
        Ok(now) => {
            tracing::info!(limit = now, hard, "open-file limit");
            Some(now)
        }
        Err(e) => {
            tracing::warn!(error = %e, limit = soft, hard, "cannot raise the open-file limit");
            Some(soft)
        }
    }
}

#[cfg(not(unix))]
fn raise() -> Option<u64> {
    None
}

/// Files kept for everything but client connections: the database pool, the SQLite file,
/// blobs being read or written, refusals in progress, logs, and an eighth of the limit.
pub fn reserved_files(open_files: u64, db_connections: u32) -> u64 {
    open_files / 8 + u64::from(db_connections) + REFUSING as u64 + 64
}

/// The cap on open connections when `CHORUS_MAX_CONNECTIONS` is not set: below the open-file
/// limit by [`reserved_files`], and at most [`MAX_DEFAULT_CONNECTIONS`].
pub fn default_max_connections(open_files: Option<u64>, db_connections: u32) -> usize {
    let Some(limit) = open_files else {
        return UNKNOWN_LIMIT_CONNECTIONS;
    };
    let room = limit.saturating_sub(reserved_files(limit, db_connections));
    usize::try_from(room)
        .unwrap_or(usize::MAX)
        .clamp(MIN_DEFAULT_CONNECTIONS, MAX_DEFAULT_CONNECTIONS)
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, lets
/// every connection finish its requests in flight and returns when all have closed
/// (upgraded WebSockets are not waited for).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let open_files = raise_open_file_limit();
    let timeouts = settings.connections.clone();
    let cap = match timeouts.max_connections {
        Some(cap) => {
            if let Some(limit) = open_files
                && (cap as u64).saturating_add(reserved_files(limit, settings.db_max_connections))
                    > limit
            {
                tracing::warn!(
                    max_connections = cap,
                    open_file_limit = limit,
                    "CHORUS_MAX_CONNECTIONS leaves few files for anything else: at the cap, \
                     accepting may fail with `Too many open files`"
                );
            }
            cap
        }
        None => default_max_connections(open_files, settings.db_max_connections),
    };
    tracing::info!(
        max_connections = cap,
        open_file_limit = ?open_files,
        header_timeout_s = timeouts.header_timeout.as_secs(),
        body_timeout_s = timeouts.body_timeout.as_secs(),
        idle_timeout_s = timeouts.idle_timeout.as_secs(),
        "accepting connections"
    );

    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Our own header timeout applies (see `Tracker`); hyper's needs a timer and would also
    // cut idle kept-alive connections at the header timeout.
    builder.http1().header_read_timeout(None);
    let shared = Arc::new(Shared { builder, timeouts });
    let slots = Arc::new(Semaphore::new(cap));
    let refusals = Arc::new(Semaphore::new(REFUSING));
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    // Dropped to tell connections to shut down gracefully.
    let (stop_tx, stop_rx) = watch::channel(());
    // Every connection task holds a receiver; `closed` resolves when the last has ended.
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    let mut refused = Quiet::default();
    let mut failed = Quiet::default();

    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // EMFILE, ENFILE, ENOBUFS: wait rather than spin; the connection stays in
                    // the backlog until then.
                    if let Some(more) = failed.note() {
                        tracing::error!(error = %e, more, "cannot accept connections; pausing");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(ACCEPT_PAUSE) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            // Without TCP_NODELAY a streamed body's last small write waits for the client's
            // delayed ACK (40 ms) on keep-alive connections: audio downloads crawled.
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            metrics::counter!("chorus_http_connections_refused_total").increment(1);
            if let Some(more) = refused.note() {
                tracing::warn!(
                    max_connections = cap,
                    more,
                    "connection cap reached: answering 503"
                );
            }
            if let Ok(permit) = refusals.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(permit);
                });
            }
            continue;
        };
        let slot = Slot::new(permit);
        let service = match ServiceExt::<SocketAddr>::ready(&mut make_service).await {
            Ok(make) => make.call(remote).await,
            Err(e) => match e {},
        };
        let service = match service {
            Ok(service) => service,
            Err(e) => match e {},
        };
        tokio::spawn(connection(
            stream,
            remote,
            slot,
            service,
            shared.clone(),
            stop_rx.clone(),
            done_rx.clone(),
        ));
    }

    drop(listener);
    drop(stop_rx);
    drop(stop_tx);
    drop(done_rx);
    tracing::debug!("waiting for open connections to finish");
    done_tx.closed().await;
    Ok(())
}

/// What every connection task shares.
struct Shared {
    builder: auto::Builder<TokioExecutor>,
    timeouts: ConnectionSettings,
}

/// Serves one connection until it ends, times out, or has shut down gracefully.
async fn connection(
    stream: TcpStream,
    remote: SocketAddr,
    slot: Slot,
    service: Routed,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
    _done: watch::Receiver<()>,
) {
    let tracker = Arc::new(Tracker::new());
    let io = TokioIo::new(TrackedIo {
        stream,
        tracker: tracker.clone(),
        _slot: slot,
    });
    let service = TowerToHyperService::new(Guarded {
        inner: service,
        tracker: tracker.clone(),
        body_timeout: shared.timeouts.body_timeout,
    });
    let mut conn = pin!(shared.builder.serve_connection_with_upgrades(io, service));
    let mut stopping = false;
    loop {
        let due = tracker.due(&shared.timeouts);
        if let Some((at, kind)) = due
            && at <= Instant::now()
        {
            metrics::counter!("chorus_http_timeouts_total", "kind" => kind.label()).increment(1);
            tracing::debug!(%remote, kind = kind.label(), "connection timed out; closing it");
            return;
        }
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::trace!(%remote, error = %e, "connection ended with an error");
                }
                return;
            }
            () = until(due.map(|(at, _)| at)) => {}
            () = tracker.changed.notified() => {}
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

async fn until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Answers a connection over the cap with [`REFUSAL`] and closes it.
async fn refuse(mut stream: TcpStream) {
    let _ = tokio::time::timeout(REFUSAL_TIME, async {
        // Answer after the request's head, or after half the time without one: a client
        // such as hyper drops an answer that comes before its request.
        let mut head = Vec::new();
        let _ = tokio::time::timeout(REFUSAL_TIME / 2, async {
            let mut buf = [0u8; 2048];
            while head.len() < 16 << 10 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await;
        stream.write_all(REFUSAL.as_bytes()).await?;
        stream.shutdown().await?;
        // Read the rest the client sends: closing with unread data would reset the
        // connection, and the client could lose the answer before reading it.
        let mut sink = [0u8; 2048];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Rate limit of a repeated log line: `note` says when to log, and how many were skipped.
#[derive(Default)]
struct Quiet {
    last: Option<Instant>,
    skipped: u64,
}

impl Quiet {
    fn note(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < LOG_EVERY) {
            self.skipped += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.skipped))
    }
}

/// One place under the cap; counted in `chorus_http_connections_open` while held.
struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Slot {
    fn new(permit: OwnedSemaphorePermit) -> Self {
        metrics::gauge!("chorus_http_connections_open").increment(1.0);
        Self { _permit: permit }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        metrics::gauge!("chorus_http_connections_open").decrement(1.0);
    }
}

/// Why a connection was closed by its watchdog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expiry {
    Header,
    Idle,
    Write,
}

impl Expiry {
    fn label(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Idle => "idle",
            Self::Write => "write",
        }
    }
}

/// What a connection is doing, as far as its timeouts are concerned.
struct Tracker {
    state: Mutex<State>,
    /// Woken when a deadline may have come closer.
    changed: Notify,
}

struct State {
    /// Requests between their dispatch and the end of their answer.
    in_flight: usize,
    /// Whether a request has been answered (the wait for the next is then an idle wait).
    answered: bool,
    /// An HTTP/2 connection: reads while idle are control frames, not a request head.
    http2: bool,
    /// When the connection was accepted, or last finished answering.
    idle_since: Instant,
    /// The first byte of the next request, on a kept-alive connection.
    head_since: Option<Instant>,
    /// Since when a write has waited for the client to read.
    write_blocked_since: Option<Instant>,
}

impl Tracker {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                in_flight: 0,
                answered: false,
                http2: false,
                idle_since: Instant::now(),
                head_since: None,
                write_blocked_since: None,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The client sent bytes.
    fn read(&self) {
        let mut state = self.lock();
        if state.answered && !state.http2 && state.in_flight == 0 && state.head_since.is_none() {
            state.head_since = Some(Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    /// A write could not go out: the client is not reading.
    fn write_blocked(&self) {
        let mut state = self.lock();
        if state.write_blocked_since.is_none() {
            state.write_blocked_since = Some(Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    /// A write went out.
    fn written(&self) {
        self.lock().write_blocked_since = None;
    }

    /// A request was dispatched; its answer ends when the returned guard is dropped.
    fn begin(self: &Arc<Self>, http2: bool) -> InFlight {
        let mut state = self.lock();
        state.in_flight += 1;
        state.head_since = None;
        state.http2 |= http2;
        InFlight(self.clone())
    }

    fn end(&self) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.answered = true;
            state.idle_since = Instant::now();
            state.head_since = None;
            drop(state);
            self.changed.notify_one();
        }
    }

    /// When the connection must be closed unless something happens first, and why.
    fn due(&self, timeouts: &ConnectionSettings) -> Option<(Instant, Expiry)> {
        let state = self.lock();
        let write = state
            .write_blocked_since
            .map(|since| (since + timeouts.body_timeout, Expiry::Write));
        if state.in_flight > 0 {
            return write;
        }
        let wait = match state.head_since {
            Some(since) => (since + timeouts.header_timeout, Expiry::Header),
            None if !state.answered => (state.idle_since + timeouts.header_timeout, Expiry::Header),
            None => (state.idle_since + timeouts.idle_timeout, Expiry::Idle),
        };
        Some(match write {
            Some(write) if write.0 < wait.0 => write,
            _ => wait,
        })
    }
}

/// A request in progress, from its dispatch to the end (or drop) of its answer.
struct InFlight(Arc<Tracker>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// The client's socket, telling the tracker about reads and blocked writes. Holds the
/// connection's slot, so an upgraded WebSocket keeps it until it closes.
struct TrackedIo {
    stream: TcpStream,
    tracker: Arc<Tracker>,
    _slot: Slot,
}

impl TrackedIo {
    fn note_write<T>(&self, poll: &Poll<T>) {
        match poll {
            Poll::Pending => self.tracker.write_blocked(),
            Poll::Ready(_) => self.tracker.written(),
        }
    }
}

impl AsyncRead for TrackedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.tracker.read();
        }
        poll
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, data);
        self.note_write(&poll);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, data);
        self.note_write(&poll);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The router behind the request-level guards: the in-flight count and the body timeout.
#[derive(Clone)]
struct Guarded {
    inner: Routed,
    tracker: Arc<Tracker>,
    body_timeout: Duration,
}

impl<B> Service<Request<B>> for Guarded
where
    B: HttpBody<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Answer>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Answer>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let in_flight = self.tracker.begin(request.version() == Version::HTTP_2);
        let timed_out = Arc::new(AtomicBool::new(false));
        let request = request.map(|body| {
            Body::new(FrameTimeout {
                inner: body,
                timeout: self.body_timeout,
                sleep: None,
                waiting: false,
                timed_out: timed_out.clone(),
            })
        });
        let inner = self.inner.clone();
        Box::pin(async move {
            let response = match inner.oneshot(request).await {
                Ok(response) => response,
                Err(e) => match e {},
            };
            let response = if timed_out.load(Ordering::Relaxed) {
                (
                    StatusCode::REQUEST_TIMEOUT,
                    [
                        (header::CONNECTION, "close"),
                        (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    ],
                    "the request body stopped arriving\n",
                )
                    .into_response()
            } else {
                response
            };
            Ok(response.map(|body| Answer {
                body,
                _in_flight: in_flight,
            }))
        })
    }
}

/// An answer's body; the request counts as in flight until hyper drops it.
struct Answer {
    body: Body,
    _in_flight: InFlight,
}

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A request body that fails when its next piece takes longer than `timeout` to arrive.
/// The clock runs only while the handler waits for a piece.
struct FrameTimeout<B> {
    inner: B,
    timeout: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
    /// Whether the clock is running (the last poll found nothing).
    waiting: bool,
    timed_out: Arc<AtomicBool>,
}

impl<B> HttpBody for FrameTimeout<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.timed_out.load(Ordering::Relaxed) {
            return Poll::Ready(Some(Err(body_timed_out())));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.waiting = false;
                Poll::Ready(frame.map(|r| r.map_err(Into::into)))
            }
            Poll::Pending => {
                if !this.waiting {
                    this.waiting = true;
                    let deadline = Instant::now() + this.timeout;
                    match &mut this.sleep {
                        Some(sleep) => sleep.as_mut().reset(deadline),
                        None => this.sleep = Some(Box::pin(tokio::time::sleep_until(deadline))),
                    }
                }
                if let Some(sleep) = &mut this.sleep
                    && sleep.as_mut().poll(cx).is_ready()
                {
                    this.timed_out.store(true, Ordering::Relaxed);
                    metrics::counter!("chorus_http_timeouts_total", "kind" => "body").increment(1);
                    return Poll::Ready(Some(Err(body_timed_out())));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn body_timed_out() -> BoxError {
    Box::new(io::Error::new(
        io::ErrorKind::TimedOut,
        "the request body stopped arriving",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_is_a_complete_http_answer() {
        let (head, body) = REFUSAL.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains("\r\nRetry-After: "));
        assert!(head.contains("\r\nConnection: close"));
        assert!(head.contains(&format!("\r\nContent-Length: {}", body.len())));
    }

    #[test]
    fn the_default_cap_stays_below_the_open_file_limit() {
        for limit in [256_u64, 1_024, 4_096, 65_536, 1 << 20] {
            let cap = default_max_connections(Some(limit), 16) as u64;
            assert!(
                cap + reserved_files(limit, 16) <= limit,
                "{limit}: {cap} leaves no reserve"
            );
            assert!(cap >= MIN_DEFAULT_CONNECTIONS as u64);
        }
        assert_eq!(default_max_connections(Some(1_024), 16), 752);
        assert_eq!(
            default_max_connections(Some(1 << 20), 16),
            MAX_DEFAULT_CONNECTIONS
        );
        assert_eq!(default_max_connections(None, 16), UNKNOWN_LIMIT_CONNECTIONS);
    }

    #[test]
    fn deadlines_follow_the_connection_state() {
        let timeouts = ConnectionSettings::default();
        let tracker = Arc::new(Tracker::new());
        let accepted = tracker.lock().idle_since;
        // A new connection: the header timeout from its start, bytes or not.
        assert_eq!(
            tracker.due(&timeouts),
            Some((accepted + timeouts.header_timeout, Expiry::Header))
        );
        tracker.read();
        assert_eq!(tracker.due(&timeouts).map(|d| d.1), Some(Expiry::Header));
        // A request in progress: no deadline, unless the client stops reading.
        let request = tracker.begin(false);
        assert_eq!(tracker.due(&timeouts), None);
        tracker.write_blocked();
        assert_eq!(tracker.due(&timeouts).map(|d| d.1), Some(Expiry::Write));
        tracker.written();
        drop(request);
        // Answered: idle until the next request's first byte, then the header timeout.
        assert_eq!(tracker.due(&timeouts).map(|d| d.1), Some(Expiry::Idle));
        tracker.read();
        assert_eq!(tracker.due(&timeouts).map(|d| d.1), Some(Expiry::Header));
    }
}
