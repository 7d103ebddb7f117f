//! UDP syslog (RFC 5426): one datagram, one message. The receive buffer holds any datagram
//! whole, so a message over the configured maximum is detected, kept truncated and counted.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use chrono::Utc;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;

use super::inflight::{InFlight, Ready};
use super::{RawMessage, Transport};
use crate::serve::budget::Budget;
use crate::serve::intake::Intake;
use crate::serve::stats::Stats;

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

/// Receives until `stop`, then takes what the kernel already holds and returns.
///
/// UDP has no backpressure: whatever the kernel's receive buffer cannot hold is lost. So
/// receiving does nothing else: it copies bursts of datagrams into a backlog in memory
/// (`backlog_bytes`, limits.udp_backlog_bytes), and a second task takes them from there,
/// prepares them in parallel ([`InFlight`]) and hands them to the writer in the order they
/// arrived. A burst faster than the collector waits in the backlog instead of being
/// dropped; only when the backlog is full does receiving wait, and the kernel buffer (then
/// the kernel's drop counter, see [`super::udp_drops`]) takes over.
pub async fn run(
    sock: UdpSocket,
    intake: Intake,
    max_message: usize,
    backlog_bytes: usize,
    stop: CancellationToken,
) {
    let backlog = Budget::bytes(backlog_bytes);
    let (tx, rx) = mpsc::unbounded_channel();
    let processor = tokio::spawn(process(rx, intake));
    receive(&sock, max_message, &backlog, &tx, &stop).await;
    drop(tx); // the processor ends once it has handed on everything received
    if let Err(e) = processor.await {
        tracing::error!(error = %e, "the UDP processing task failed");
    }
}

/// What one message costs in the backlog beyond its bytes (its `RawMessage`, allocator
/// overhead), so that a flood of tiny datagrams is bounded too.
const PER_MESSAGE: usize = std::mem::size_of::<RawMessage>() + 32;

type Received = (Vec<RawMessage>, Option<OwnedSemaphorePermit>);

/// The receiving half: socket to backlog, nothing else.
async fn receive(
    sock: &UdpSocket,
    max_message: usize,
    backlog: &Budget,
    tx: &mpsc::UnboundedSender<Received>,
    stop: &CancellationToken,
) {
    // Into the backlog, waiting for room when it is full; false once the processor is gone
    // (the writer failed).
    let hand_over = |raws: Vec<RawMessage>| async move {
        let bytes = raws.iter().map(|r| r.bytes.len() + PER_MESSAGE).sum();
        let room = backlog.take(bytes).await;
        tx.send((raws, room)).is_ok()
    };
    let mut buf = vec![0u8; 65536];
    loop {
        let received = tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            r = sock.recv_from(&mut buf) => r,
        };
        let first = match received {
            Ok((n, peer)) => message(&buf[..n], peer, max_message),
            Err(e) => {
                tracing::warn!(error = %e, "udp receive failed");
                continue;
            }
        };
        let mut raws: Vec<RawMessage> = first.into_iter().collect();
        burst(sock, &mut buf, max_message, &mut raws);
        if !raws.is_empty() && !hand_over(raws).await {
            return;
        }
    }
    // Shutdown: what already arrived is not lost. Bounded, so a sender still flooding
    // cannot hold the shutdown up (256 bursts are more than a receive buffer holds).
    for _ in 0..256 {
        let mut raws = Vec::new();
        burst(sock, &mut buf, max_message, &mut raws);
        if raws.is_empty() || !hand_over(raws).await {
            return;
        }
    }
}

/// The processing half: backlog to writer, in arrival order.
async fn process(mut rx: mpsc::UnboundedReceiver<Received>, intake: Intake) {
    let stats = intake.stats.clone();
    let mut in_flight = InFlight::new(intake);
    loop {
        let step = tokio::select! {
            biased;
            ready = in_flight.next(), if !in_flight.is_empty() => Step::Ready(ready),
            got = rx.recv() => Step::Received(got),
        };
        let handed_on = match step {
            Step::Ready(ready) => in_flight.deliver(ready).await,
            Step::Received(Some((raws, room))) => {
                // Once preparing, the messages count against the preparing budget instead.
                let started = in_flight.start(raws).await;
                drop(room);
                match started {
                    Ok(()) => in_flight.throttle().await,
                    Err(closed) => Err(closed),
                }
            }
            Step::Received(None) => break,
        };
        if handed_on.is_err() {
            // The writer is gone (it failed; the collector is stopping loudly): what is
            // still in the backlog cannot be written, and is counted as dropped.
            rx.close();
            while let Ok((raws, _)) = rx.try_recv() {
                Stats::add(&stats.dropped, raws.len() as u64);
            }
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

/// What woke the processing loop.
enum Step {
    Ready(Ready),
    Received(Option<Received>),
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
