//! The HTTP listener: an accept loop in front of hyper, with what `axum::serve` lacked
//! (reliability study 2026-12, defects 2 and 12):
//!
//! - at most `max_connections` open connections; one more is answered at once with a 503,
//!   `Retry-After` and the envelope, then closed, so a full server says so instead of
//!   leaving clients hanging;
//! - a deadline for each request head (`header_read_timeout`, from the connection's opening
//!   or from the first byte of a later request) and for a keep-alive connection idle
//!   between requests (`idle_timeout`). hyper's own header timeout is not used: it starts
//!   counting when the previous answer ends, so it bounds idle time too, and an idle timeout
//!   longer than it could not be configured;
//! - hyper's own refusals of requests it cannot parse (400, 414, 431), which it writes with
//!   an empty body, are replaced by the same status with the Work API envelope;
//! - accept errors (EMFILE when the process is out of file descriptors) back off briefly and
//!   are logged once per interval, not in a tight loop.
//!
//! The body's progress timeout and the configured header limits belong to the router
//! (`dossier_api::limits`): only a handler knows when it waits for body bytes, and only a
//! route knows its surface's error format.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::Request;
use dossier_api::limits::{TransportRefusal, raw_refusal};
use dossier_service::repeated::RepeatedWarning;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, oneshot, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::Config;

/// `Retry-After` of the answer to a connection over the limit.
const RETRY_AFTER_SECS: u64 = 2;
/// Connections over the limit being answered at once; beyond that they are closed
/// unanswered, since each answer holds a descriptor for a moment.
const TURNED_AWAY_AT_ONCE: usize = 64;
/// How long a turned-away connection's request head is waited for; how long its answer may
/// take to send; how much of what the client sent is read.
const TURN_AWAY_HEAD_TIME: Duration = Duration::from_secs(1);
const TURN_AWAY_TIME: Duration = Duration::from_secs(2);
const TURN_AWAY_READ_BYTES: usize = 64 * 1024;
/// The pause after an accept error that is not one connection's (out of descriptors or
/// memory): retrying at once would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// While the server stops, how long a connection that is not answering a request is kept.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// A warning that can recur many times a second is logged at most this often.
const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The listener's settings.
#[derive(Clone, Debug)]
pub struct Transport {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// hyper's own ceilings: twice the router's limits, so that a request somewhat over them
    /// reaches the router and is refused in its surface's format; hyper refuses the rest.
    pub parser_max_headers: usize,
    pub parser_max_head_bytes: usize,
}

impl Transport {
    pub fn from_config(config: &Config) -> Transport {
        Transport {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_seconds),
            idle_timeout: Duration::from_secs(config.idle_timeout_seconds),
            max_connections: config.max_connections,
            parser_max_headers: config.max_header_count.saturating_mul(2),
            parser_max_head_bytes: config
                .max_uri_bytes
                .saturating_add(config.max_header_bytes)
                .saturating_mul(2),
        }
    }
}

struct Shared {
    app: Router,
    http: http1::Builder,
    transport: Transport,
}

/// Serves `app` on `listener` until `stop` fires (or its sender is dropped), then lets the
/// requests in progress finish and returns when every connection is closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    transport: Transport,
    mut stop: oneshot::Receiver<()>,
) {
    let mut http = http1::Builder::new();
    http.max_headers(transport.parser_max_headers)
        .max_header_size(transport.parser_max_head_bytes);
    let open = Arc::new(Semaphore::new(transport.max_connections));
    let shared = Arc::new(Shared {
        app,
        http,
        transport,
    });
    let turning_away = Arc::new(Semaphore::new(TURNED_AWAY_AT_ONCE));
    let busy: Arc<[u8]> = raw_refusal(TransportRefusal::Busy {
        retry_after_secs: RETRY_AFTER_SECS,
    })
    .into();
    // Every connection holds a receiver: the sender learns when the last one has closed.
    let (closing, closing_rx) = watch::channel(false);
    let mut accept_failures = RepeatedWarning::new("cannot accept a connection", LOG_INTERVAL);
    let mut turned_away =
        RepeatedWarning::new("every connection is taken; answered 503", LOG_INTERVAL);
    loop {
        let accepted = tokio::select! {
            biased;
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => match open.clone().try_acquire_owned() {
                Ok(permit) => {
                    tokio::spawn(connection(
                        stream,
                        peer,
                        shared.clone(),
                        permit,
                        closing_rx.clone(),
                    ));
                }
                Err(_) => {
                    turned_away.note(format_args!(
                        "max_connections is {}",
                        shared.transport.max_connections
                    ));
                    turn_away(stream, &turning_away, &busy);
                }
            },
            // One client's connection failed before it was accepted: nothing to wait for.
            Err(e) if concerns_one_connection(&e) => {}
            Err(e) => {
                accept_failures.note(&e);
                tokio::select! {
                    biased;
                    _ = &mut stop => break,
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                }
            }
        }
    }
    drop(listener);
    drop(closing_rx);
    let _ = closing.send(true);
    closing.closed().await;
}

fn concerns_one_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// Answers a connection over the limit with the 503 and closes it. The request's head is
/// read first (for a moment at most): an HTTP client that gets an answer before it has sent
/// its request drops it as unsolicited. What follows is read too, a little: closing a socket
/// with unread bytes sends a reset, which can destroy the answer before the client reads it.
fn turn_away(stream: TcpStream, at_once: &Arc<Semaphore>, answer: &Arc<[u8]>) {
    let Ok(permit) = at_once.clone().try_acquire_owned() else {
        return;
    };
    let answer = answer.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let mut stream = stream;
        let mut received = Vec::new();
        let _ = tokio::time::timeout(TURN_AWAY_HEAD_TIME, async {
            let mut buf = [0u8; 4096];
            while received.len() < TURN_AWAY_READ_BYTES
                && !received.windows(4).any(|w| w == b"\r\n\r\n")
            {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => received.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await;
        let _ = tokio::time::timeout(TURN_AWAY_TIME, async {
            stream.write_all(&answer).await?;
            stream.shutdown().await?;
            let mut buf = [0u8; 4096];
            let mut drained = 0;
            while drained < TURN_AWAY_READ_BYTES {
                match stream.read(&mut buf).await? {
                    0 => break,
                    n => drained += n,
                }
            }
            Ok::<_, io::Error>(())
        })
        .await;
    });
}

/// One connection: hyper serves it while its deadline (`Activity::deadline`) is watched.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
    mut closing: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
        replacement: None,
    });
    let service = {
        let activity = activity.clone();
        let app = shared.app.clone();
        hyper::service::service_fn(move |mut request: Request<Incoming>| {
            // Handlers read the client's address from here (sign-in throttling, audit).
            request.extensions_mut().insert(ConnectInfo(peer));
            let answering = activity.request_started();
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await?;
                Ok::<_, Infallible>(response.map(|body| Answer {
                    body,
                    _answering: answering,
                }))
            }
        })
    };
    let conn = shared.http.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    // When the server began stopping: hyper then closes the connection after the request it
    // is answering, or at once if idle; one in the middle of a head gets a short grace.
    let mut stopping: Option<Instant> = None;
    let deadline = |stopping: Option<Instant>| {
        let due = activity.deadline(&shared.transport);
        match stopping {
            Some(at) => due.map(|due| due.min(at + SHUTDOWN_GRACE)),
            None => due,
        }
    };
    loop {
        let due = deadline(stopping);
        tokio::select! {
            finished = conn.as_mut() => {
                if let Err(e) = finished {
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                break;
            }
            _ = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                if deadline(stopping).is_some_and(|due| due <= Instant::now()) {
                    tracing::debug!(%peer, "connection closed: no complete request in time");
                    break;
                }
            }
            _ = activity.changed.notified() => {}
            _ = closing.changed(), if stopping.is_none() => {
                stopping = Some(Instant::now());
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// What a connection is doing, as far as its deadline goes.
struct Activity {
    phase: Mutex<Phase>,
    /// Woken when an answer ends, so the idle deadline starts being watched.
    changed: Notify,
}

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// Waiting for a request head since `since`: the connection is new (`served` false) or
    /// its previous answer ended then. `first_byte`: when a byte of the next head arrived.
    Waiting {
        since: Instant,
        served: bool,
        first_byte: Option<Instant>,
    },
    /// Requests being answered: hyper answers one at a time, but an answer's end and the
    /// next request's start are told by different parties, so they are counted.
    Answering(usize),
}

impl Activity {
    fn new() -> Activity {
        Activity {
            phase: Mutex::new(Phase::Waiting {
                since: Instant::now(),
                served: false,
                first_byte: None,
            }),
            changed: Notify::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        // The lock guards plain data, left consistent by every holder.
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bytes_arrived(&self) {
        if let Phase::Waiting {
            first_byte: first @ None,
            ..
        } = &mut *self.phase()
        {
            *first = Some(Instant::now());
        }
    }

    fn request_started(self: &Arc<Self>) -> Answering {
        let mut phase = self.phase();
        *phase = match *phase {
            Phase::Answering(n) => Phase::Answering(n + 1),
            Phase::Waiting { .. } => Phase::Answering(1),
        };
        Answering(self.clone())
    }

    /// When the connection is closed if nothing changes; none while a request is answered
    /// (its body has its own timeout, and a handler may take its time).
    fn deadline(&self, transport: &Transport) -> Option<Instant> {
        match *self.phase() {
            Phase::Answering(_) => None,
            Phase::Waiting {
                since,
                served: false,
                ..
            } => Some(since + transport.header_read_timeout),
            Phase::Waiting {
                first_byte: Some(first),
                ..
            } => Some(first + transport.header_read_timeout),
            Phase::Waiting {
                since,
                first_byte: None,
                ..
            } => Some(since + transport.idle_timeout),
        }
    }
}

/// A request's place in its connection's `Activity`, given up when its answer has been sent
/// (or abandoned).
struct Answering(Arc<Activity>);

impl Drop for Answering {
    fn drop(&mut self) {
        {
            let mut phase = self.0.phase();
            *phase = match *phase {
                Phase::Answering(n) if n > 1 => Phase::Answering(n - 1),
                _ => Phase::Waiting {
                    since: Instant::now(),
                    served: true,
                    first_byte: None,
                },
            };
        }
        self.0.changed.notify_one();
    }
}

/// An answer's body, holding its request's `Answering` until hyper is done with it.
struct Answer {
    body: Body,
    _answering: Answering,
}

impl HttpBody for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The socket as hyper sees it: reads tell the connection's `Activity` that bytes arrived,
/// and hyper's own refusals are replaced on their way out (`hyper_refusal`).
struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
    /// The answer written instead of hyper's, and how much of it is written.
    replacement: Option<(Vec<u8>, usize)>,
}

impl<S: AsyncWrite + Unpin> Watched<S> {
    /// Writes the rest of the replacement answer, if there is one.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some((bytes, written)) = &mut self.replacement else {
            return Poll::Ready(Ok(()));
        };
        while *written < bytes.len() {
            match ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*written..]))? {
                0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                n => *written += n,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `written` from hyper: when it is hyper's own refusal (or anything after it),
    /// the replacement goes out instead and hyper is told its bytes were written.
    fn poll_replacing(
        &mut self,
        cx: &mut Context<'_>,
        written: &[u8],
        claimed: usize,
    ) -> Option<Poll<io::Result<usize>>> {
        if self.replacement.is_none() {
            let refusal = hyper_refusal(written)?;
            self.replacement = Some((raw_refusal(refusal), 0));
        }
        Some(self.poll_replacement(cx).map_ok(|()| claimed))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.bytes_arrived();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if let Some(polled) = this.poll_replacing(cx, buf, buf.len()) {
            return polled;
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // hyper writes a head without a body as one slice.
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next()) {
            if let Some(polled) = this.poll_replacing(cx, only, only.len()) {
                return polled;
            }
        } else if this.replacement.is_some() {
            let claimed = bufs.iter().map(|b| b.len()).sum();
            return this.poll_replacement(cx).map_ok(|()| claimed);
        }
        Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// hyper refuses a request it cannot parse by itself, before any route sees it
/// (`role::Server::on_error` in hyper 1.x), with a head of a status line, `content-length:
/// 0` and `date`, written alone. The application never sends these statuses without a body
/// and a content type (every refusal of `dossier_api` carries its surface's error), so such
/// a head can only be hyper's. The unit tests below check it against hyper itself.
fn hyper_refusal(written: &[u8]) -> Option<TransportRefusal> {
    const STATUS_LINES: [(&str, TransportRefusal); 3] = [
        ("HTTP/1.1 400 Bad Request\r\n", TransportRefusal::Malformed),
        (
            "HTTP/1.1 414 URI Too Long\r\n",
            TransportRefusal::UriTooLong,
        ),
        (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n",
            TransportRefusal::HeadTooLarge,
        ),
    ];
    let text = std::str::from_utf8(written).ok()?;
    let (line, refusal) = STATUS_LINES
        .iter()
        .find(|(line, _)| text.starts_with(line))?;
    let fields = text[line.len()..].strip_suffix("\r\n\r\n")?;
    let mut empty = false;
    for field in fields.split("\r\n") {
        let (name, value) = field.split_once(':')?;
        match (name.to_ascii_lowercase().as_str(), value.trim()) {
            ("content-length", "0") => empty = true,
            ("date" | "connection", _) => {}
            _ => return None,
        }
    }
    empty.then_some(*refusal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Response;

    /// What hyper itself writes for a request it cannot parse, through `Watched`.
    async fn answer_to(request: &[u8], builder: &http1::Builder) -> String {
        let (client, server) = tokio::io::duplex(1 << 20);
        let io = TokioIo::new(Watched {
            inner: server,
            activity: Arc::new(Activity::new()),
            replacement: None,
        });
        let service = hyper::service::service_fn(|_: Request<Incoming>| async {
            Ok::<_, Infallible>(Response::new(Body::from("routed")))
        });
        let served = tokio::spawn(builder.serve_connection(io, service));
        let (mut read, mut write) = tokio::io::split(client);
        write.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        read.read_to_end(&mut answer).await.unwrap();
        let _ = served.await;
        String::from_utf8(answer).unwrap()
    }

    fn body_of(answer: &str) -> serde_json::Value {
        let (_, body) = answer.split_once("\r\n\r\n").unwrap();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
    }

    #[tokio::test]
    async fn hyper_refusals_get_the_envelope() {
        let mut builder = http1::Builder::new();
        builder.max_headers(10).max_header_size(4096);

        let answer = answer_to(b"GARBAGE\r\n\r\n", &builder).await;
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
        assert_eq!(body_of(&answer)["error"]["code"], "NRC_INVALID_INPUT");

        let headers: String = (0..20).map(|i| format!("x-{i}: y\r\n")).collect();
        let answer = answer_to(
            format!("GET / HTTP/1.1\r\nhost: x\r\n{headers}\r\n").as_bytes(),
            &builder,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        assert_eq!(body_of(&answer)["error"]["messages"][0]["field"], "headers");

        let answer = answer_to(
            format!(
                "GET / HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
                "y".repeat(8192)
            )
            .as_bytes(),
            &builder,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        assert!(
            answer.contains("content-type: application/json"),
            "{answer}"
        );

        let mut roomy = http1::Builder::new();
        roomy.max_header_size(1 << 20);
        let answer = answer_to(
            format!("GET /{} HTTP/1.1\r\nhost: x\r\n\r\n", "a".repeat(70_000)).as_bytes(),
            &roomy,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 414 "), "{answer}");
        assert_eq!(body_of(&answer)["error"]["messages"][0]["field"], "uri");

        let answer = answer_to(
            b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 12abc\r\n\r\n",
            &builder,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    }

    #[tokio::test]
    async fn answers_of_the_application_pass_untouched() {
        let builder = http1::Builder::new();
        let answer = answer_to(
            b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
            &builder,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\nrouted"), "{answer}");
        assert_eq!(
            hyper_refusal(
                b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"
            ),
            None
        );
        assert_eq!(
            hyper_refusal(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}"),
            None
        );
    }

    #[test]
    fn deadlines_follow_the_connection() {
        let transport = Transport {
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1,
            parser_max_headers: 100,
            parser_max_head_bytes: 1 << 16,
        };
        let header = transport.header_read_timeout;
        let idle = transport.idle_timeout;
        let activity = Arc::new(Activity::new());
        let Phase::Waiting { since: opened, .. } = *activity.phase() else {
            panic!("a new connection waits for a request");
        };
        // A new connection has the header timeout from its opening, bytes or not.
        assert_eq!(activity.deadline(&transport), Some(opened + header));
        activity.bytes_arrived();
        assert_eq!(activity.deadline(&transport), Some(opened + header));
        // None while a request is answered.
        let answering = activity.request_started();
        assert_eq!(activity.deadline(&transport), None);
        drop(answering);
        // Between requests: the idle timeout from the answer's end, then the header timeout
        // from the next request's first byte.
        let Phase::Waiting {
            since: answered, ..
        } = *activity.phase()
        else {
            panic!("the answer ended");
        };
        assert_eq!(activity.deadline(&transport), Some(answered + idle));
        activity.bytes_arrived();
        let Phase::Waiting {
            first_byte: Some(first),
            ..
        } = *activity.phase()
        else {
            panic!("a byte arrived");
        };
        assert_eq!(activity.deadline(&transport), Some(first + header));
    }
}
