//! TCP and TLS syslog (RFC 6587 framing, RFC 5425): an accept loop capped by a semaphore,
//! one task per connection reading frames until the sender closes, goes idle, or the drain
//! deadline after SIGTERM passes. A sender's last frame without a trailing LF is kept.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use chrono::Utc;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::framing::{Frame, Framer};
use super::inflight::{InFlight, Ready};
use super::{RawMessage, Transport};
use crate::serve::intake::Intake;
use crate::serve::stats::Stats;

pub async fn bind(addr: SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = super::bind_hint(&e);
        anyhow::Error::new(e).context(format!("cannot listen on {what} {addr}{hint}"))
    })
}

/// What every connection of a listener shares.
#[derive(Clone)]
pub struct Connections {
    pub intake: Intake,
    pub max_message: usize,
    pub idle_timeout: Duration,
    pub handshake_timeout: Duration,
    /// Caps open connections across all TCP and TLS listeners.
    pub slots: Arc<Semaphore>,
    pub tracker: TaskTracker,
    /// Cancelled when the drain deadline passes: open connections stop reading.
    pub hard_stop: CancellationToken,
}

/// Accepts until `stop_accept`; each connection runs in its own tracked task.
pub async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    conns: Connections,
    stop_accept: CancellationToken,
) {
    let transport = if tls.is_some() {
        Transport::Tls
    } else {
        Transport::Tcp
    };
    loop {
        let permit = tokio::select! {
            p = conns.slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = stop_accept.cancelled() => return,
        };
        let (sock, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stop_accept.cancelled() => return,
        };
        Stats::add(&conns.intake.stats.connections, 1);
        let _ = sock.set_nodelay(true);
        let conns2 = conns.clone();
        let tls = tls.clone();
        let span = tracing::info_span!("conn", %peer, transport = transport.as_str());
        conns.tracker.spawn(
            async move {
                let _permit = permit;
                match tls {
                    None => read_stream(sock, peer, Transport::Tcp, &conns2).await,
                    Some(acceptor) => {
                        match tokio::time::timeout(conns2.handshake_timeout, acceptor.accept(sock))
                            .await
                        {
                            Ok(Ok(stream)) => {
                                read_stream(stream, peer, Transport::Tls, &conns2).await
                            }
                            Ok(Err(e)) => {
                                Stats::add(&conns2.intake.stats.tls_failures, 1);
                                tracing::warn!(error = %e, "tls handshake failed");
                            }
                            Err(_) => {
                                Stats::add(&conns2.intake.stats.tls_failures, 1);
                                tracing::warn!("tls handshake timed out");
                            }
                        }
                    }
                }
            }
            .instrument(span),
        );
    }
}

/// Bytes read from a connection at a time. Each read becomes a chunk being prepared, so
/// memory per busy connection grows with it: at 64 KiB, 1,000 connections flooding at once
/// took 216 MB; at 8 KiB, 60 MB, with the same rate for one connection (bench/README.md).
const READ_BUF: usize = 8 * 1024;

/// Reads frames from one connection until it ends; everything framed is submitted, in order.
/// Reading and framing go on while earlier chunks are prepared in parallel ([`InFlight`]).
pub async fn read_stream<S: AsyncRead + Unpin>(
    mut stream: S,
    peer: SocketAddr,
    transport: Transport,
    conns: &Connections,
) {
    let mut framer = Framer::new(conns.max_message);
    let mut buf = vec![0u8; READ_BUF];
    let mut frames: Vec<Frame> = Vec::new();
    let mut in_flight = InFlight::new(conns.intake.clone());
    loop {
        // Whichever comes first: the drain deadline, the oldest chunk being ready (so a
        // quiet connection's last messages are not held back), or more bytes.
        let step = tokio::select! {
            biased;
            _ = conns.hard_stop.cancelled() => Step::Stop,
            ready = in_flight.next(), if !in_flight.is_empty() => Step::Ready(ready),
            r = tokio::time::timeout(conns.idle_timeout, stream.read(&mut buf)) => Step::Read(r),
        };
        let n = match step {
            Step::Stop => {
                tracing::info!("drain deadline passed; closing the connection");
                break;
            }
            Step::Ready(ready) => {
                if in_flight.deliver(ready).await.is_err() {
                    return;
                }
                continue;
            }
            Step::Read(Err(_)) => {
                tracing::info!("idle timeout; closing the connection");
                break;
            }
            Step::Read(Ok(Ok(0))) => break,
            Step::Read(Ok(Ok(n))) => n,
            Step::Read(Ok(Err(e))) => {
                // A TLS peer that closes without close_notify lands here too.
                tracing::debug!(error = %e, "connection read ended");
                break;
            }
        };
        framer.push(&buf[..n], &mut frames);
        let raws = raw_messages(&mut frames, peer, transport);
        if in_flight.start(raws).await.is_err() || in_flight.throttle().await.is_err() {
            return;
        }
    }
    framer.finish(&mut frames);
    let raws = raw_messages(&mut frames, peer, transport);
    if in_flight.start(raws).await.is_ok() {
        let _ = in_flight.drain().await;
    }
    Stats::add(
        &conns.intake.stats.skipped_bytes,
        framer.stats().skipped_bytes,
    );
}

/// The frames read so far, as messages received now.
fn raw_messages(
    frames: &mut Vec<Frame>,
    peer: SocketAddr,
    transport: Transport,
) -> Vec<RawMessage> {
    let received = Utc::now();
    frames
        .drain(..)
        .map(|f| RawMessage {
            bytes: f.bytes,
            peer,
            transport,
            received,
            truncated_from: f.truncated_from,
        })
        .collect()
}

/// What woke a connection's loop.
enum Step {
    Stop,
    Ready(Ready),
    Read(Result<std::io::Result<usize>, tokio::time::error::Elapsed>),
}
