//! UDP syslog (RFC 5426): one datagram, one message. The receive buffer holds any datagram
//! whole, so a message over the configured maximum is detected, kept truncated and counted.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use chrono::Utc;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

use super::inflight::{InFlight, Ready};
use super::{RawMessage, Transport};
use crate::serve::intake::Intake;

/// Datagrams taken in one go before handing them on.
const BURST: usize = 256;

/// Binds a UDP socket with the given receive buffer (0: system default).
pub fn bind(addr: SocketAddr, recv_buffer: usize) -> Result<UdpSocket> {
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
        .context("cannot create a UDP socket")?;
    if recv_buffer > 0 {
        // The kernel caps this at net.core.rmem_max; not an error if it gives less.
        if let Err(e) = s.set_recv_buffer_size(recv_buffer) {
            tracing::warn!(%addr, error = %e, "cannot set the UDP receive buffer size");
        }
        // Linux reports twice what it grants (the other half is its bookkeeping).
        if let Ok(reported) = s.recv_buffer_size() {
            let granted = reported / 2;
            if granted < recv_buffer {
                tracing::warn!(
                    %addr,
                    asked = recv_buffer,
                    granted,
                    "the kernel capped the UDP receive buffer (net.core.rmem_max): bursts may \
                     be dropped; raise it, e.g. `sysctl -w net.core.rmem_max={recv_buffer}` \
                     (and in /etc/sysctl.d/ to keep it)"
                );
            } else {
                tracing::debug!(%addr, granted, "UDP receive buffer");
            }
        }
    }
    s.set_nonblocking(true)?;
    s.bind(&addr.into()).map_err(|e| {
        let hint = super::bind_hint(&e);
        anyhow::Error::new(e).context(format!("cannot listen on udp {addr}{hint}"))
    })?;
    UdpSocket::from_std(s.into()).with_context(|| format!("cannot listen on udp {addr}"))
}

/// Receives until `stop`, then takes what the kernel already holds and returns. Bursts of
/// datagrams are prepared in parallel ([`InFlight`]) while receiving goes on, and reach the
/// writer in the order they arrived.
pub async fn run(sock: UdpSocket, intake: Intake, max_message: usize, stop: CancellationToken) {
    let mut buf = vec![0u8; 65536];
    let mut in_flight = InFlight::new(intake);
    loop {
        let step = tokio::select! {
            biased;
            _ = stop.cancelled() => Step::Stop,
            ready = in_flight.next(), if !in_flight.is_empty() => Step::Ready(ready),
            r = sock.recv_from(&mut buf) => Step::Received(r),
        };
        let first = match step {
            Step::Stop => break,
            Step::Ready(ready) => {
                if in_flight.deliver(ready).await.is_err() {
                    return;
                }
                continue;
            }
            Step::Received(Ok((n, peer))) => message(&buf[..n], peer, max_message),
            Step::Received(Err(e)) => {
                tracing::warn!(error = %e, "udp receive failed");
                continue;
            }
        };
        let mut raws: Vec<RawMessage> = first.into_iter().collect();
        burst(&sock, &mut buf, max_message, &mut raws);
        if in_flight.start(raws).await.is_err() || in_flight.throttle().await.is_err() {
            return;
        }
    }
    // Shutdown: what already arrived is not lost. Bounded, so a sender still flooding
    // cannot hold the shutdown up (256 bursts are more than a receive buffer holds).
    for _ in 0..256 {
        let mut raws = Vec::new();
        burst(&sock, &mut buf, max_message, &mut raws);
        if raws.is_empty() {
            break;
        }
        if in_flight.start(raws).await.is_err() || in_flight.throttle().await.is_err() {
            return;
        }
    }
    let _ = in_flight.drain().await;
}

/// Takes, without waiting, what the kernel holds, up to [`BURST`] datagrams.
fn burst(sock: &UdpSocket, buf: &mut [u8], max_message: usize, raws: &mut Vec<RawMessage>) {
    while raws.len() < BURST {
        match sock.try_recv_from(buf) {
            Ok((n, peer)) => raws.extend(message(&buf[..n], peer, max_message)),
            Err(_) => break,
        }
    }
}

/// What woke the listener's loop.
enum Step {
    Stop,
    Ready(Ready),
    Received(std::io::Result<(usize, SocketAddr)>),
}

/// A datagram as a message: trailing LF, CR LF or NUL that some senders add are dropped;
/// an empty datagram carries nothing and yields nothing.
fn message(datagram: &[u8], peer: SocketAddr, max: usize) -> Option<RawMessage> {
    let mut end = datagram.len();
    while end > 0 && matches!(datagram[end - 1], b'\n' | b'\0') {
        end -= 1;
        if end > 0 && datagram[end - 1] == b'\r' {
            end -= 1;
        }
    }
    if end == 0 {
        return None;
    }
    let (bytes, truncated_from) = if end > max {
        (&datagram[..max], Some(end))
    } else {
        (&datagram[..end], None)
    };
    Some(RawMessage {
        bytes: bytes.to_vec(),
        peer,
        transport: Transport::Udp,
        received: Utc::now(),
        truncated_from,
    })
}
