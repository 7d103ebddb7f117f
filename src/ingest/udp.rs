//! UDP syslog (RFC 5426): one datagram, one message. The receive buffer holds any datagram
//! whole, so a message over the configured maximum is detected, kept truncated and counted.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use chrono::Utc;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

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
    }
    s.set_nonblocking(true)?;
    s.bind(&addr.into())
        .with_context(|| format!("cannot listen on udp {addr}"))?;
    UdpSocket::from_std(s.into()).with_context(|| format!("cannot listen on udp {addr}"))
}

/// Receives until `stop`, then takes what the kernel already holds and returns.
pub async fn run(sock: UdpSocket, intake: Intake, max_message: usize, stop: CancellationToken) {
    let mut buf = vec![0u8; 65536];
    loop {
        let first = tokio::select! {
            r = sock.recv_from(&mut buf) => r,
            _ = stop.cancelled() => break,
        };
        let mut raws = Vec::new();
        match first {
            Ok((n, peer)) => raws.extend(message(&buf[..n], peer, max_message)),
            Err(e) => {
                tracing::warn!(error = %e, "udp receive failed");
                continue;
            }
        }
        while raws.len() < BURST {
            match sock.try_recv_from(&mut buf) {
                Ok((n, peer)) => raws.extend(message(&buf[..n], peer, max_message)),
                Err(_) => break,
            }
        }
        if intake.submit(raws).await.is_err() {
            return;
        }
    }
    // Shutdown: what already arrived is not lost.
    loop {
        let mut raws = Vec::new();
        while raws.len() < BURST {
            match sock.try_recv_from(&mut buf) {
                Ok((n, peer)) => raws.extend(message(&buf[..n], peer, max_message)),
                Err(_) => break,
            }
        }
        let done = raws.len() < BURST;
        if intake.submit(raws).await.is_err() || done {
            return;
        }
    }
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
