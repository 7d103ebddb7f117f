//! `hipaa-audit serve`: the collector daemon.
//!
//! ```text
//! udp/tcp/tls listeners (tokio, 2 worker threads)
//!   -> framing -> RawMessage -> Intake::prepare in parallel tasks (parse -> map -> canonical bytes)
//!   -> bounded channel -> writer thread (Appender: lock, chain, one write + fsync per batch)
//! ```
//!
//! Shutdown (SIGTERM/SIGINT): stop accepting; open connections go on until their senders
//! close or the drain deadline passes; UDP takes what the kernel already holds; the writer
//! writes everything queued, fsyncs, and the process exits 0. A write failure stops intake
//! and exits non-zero instead.

pub mod budget;
pub mod intake;
pub mod stats;
pub mod writer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, ListenConfig};
use crate::ingest::udp_drops::DropWatch;
use crate::ingest::{tcp, tls, udp};
use crate::parse::ParseOptions;
use crate::store::Store;
use intake::{Intake, QueueBound};
use stats::Stats;

/// The embedded default: UDP and TCP on loopback, a high port, no root needed.
pub const DEFAULT_ADDR: &str = "127.0.0.1:5514";

/// The listeners to open: the command line's if it names any, else the config's, else the
/// embedded default.
pub fn effective_listen(cli: &ListenConfig, config: &ListenConfig) -> ListenConfig {
    let empty = |l: &ListenConfig| l.udp.is_empty() && l.tcp.is_empty() && l.tls.is_empty();
    if !empty(cli) {
        cli.clone()
    } else if !empty(config) {
        config.clone()
    } else {
        let a: SocketAddr = DEFAULT_ADDR.parse().expect("valid default address");
        ListenConfig {
            udp: vec![a],
            tcp: vec![a],
            tls: vec![],
        }
    }
}

/// Runs the collector until SIGTERM/SIGINT (Ok) or a write failure (Err).
pub fn run(config: &Config, listen: ListenConfig, store: Store) -> Result<()> {
    crate::guard::log_panics_without_their_text();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hipaa-audit-io")
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(serve(config, listen, store))
}

async fn serve(config: &Config, listen: ListenConfig, store: Store) -> Result<()> {
    let limits = &config.limits;
    store.init().context("cannot open the store")?;
    let parse = ParseOptions {
        timezone: config
            .parse
            .timezone
            .parse()
            .map_err(|e| anyhow!("parse.timezone: {e}"))?,
    };

    // Bind everything first, so a taken port fails the start, before anything runs.
    let mut udp_socks = Vec::new();
    for a in &listen.udp {
        udp_socks.push(udp::bind(*a, limits.udp_recv_buffer)?);
    }
    let mut tcp_listeners = Vec::new();
    for a in &listen.tcp {
        tcp_listeners.push(tcp::bind(*a, "tcp").await?);
    }
    let mut tls_listeners = Vec::new();
    if !listen.tls.is_empty() {
        let (cert, key) = match (&config.tls.cert, &config.tls.key) {
            (Some(c), Some(k)) => (c, k),
            _ => return Err(anyhow!("listening for TLS needs a certificate and key (--tls-cert and --tls-key, or [tls] cert and key)")),
        };
        let acceptor = tls::acceptor(cert, key, config.tls.client_ca.as_deref())?;
        for a in &listen.tls {
            tls_listeners.push((tcp::bind(*a, "tls").await?, acceptor.clone()));
        }
    }

    // The addresses really bound (port 0 in the config picks a free port).
    let bound = ListenConfig {
        udp: udp_socks
            .iter()
            .filter_map(|s| s.local_addr().ok())
            .collect(),
        tcp: tcp_listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect(),
        tls: tls_listeners
            .iter()
            .filter_map(|(l, _)| l.local_addr().ok())
            .collect(),
    };
    let udp_watch = DropWatch::new(&udp_socks);
    let stats = Arc::new(Stats::default());
    let fatal = CancellationToken::new();
    // The queue is bounded in entries (and bytes) by Intake's budgets; the channel only
    // needs room for that many batches.
    let (tx, rx) = mpsc::channel(limits.queue_capacity.max(1));
    let writer = writer::spawn(&store, rx, limits.batch_max, stats.clone(), fatal.clone())?;
    let mapper = crate::mapping::Mapper::with_rules(&config.mapping.rules)?;
    let intake = Intake::new(
        tx,
        stats.clone(),
        parse,
        mapper,
        QueueBound {
            entries: limits.queue_capacity,
            bytes: limits.queue_bytes,
        },
    );

    let stop_accept = CancellationToken::new();
    let tracker = TaskTracker::new();
    let conns = tcp::Connections {
        intake: intake.clone(),
        max_message: limits.max_message_size,
        idle_timeout: Duration::from_secs(limits.idle_timeout_secs.max(1)),
        handshake_timeout: Duration::from_secs(config.tls.handshake_timeout_secs.max(1)),
        slots: Arc::new(Semaphore::new(limits.max_connections)),
        tracker: tracker.clone(),
        hard_stop: CancellationToken::new(),
    };
    for s in udp_socks {
        tracker.spawn(udp::run(
            s,
            intake.clone(),
            limits.max_message_size,
            limits.udp_backlog_bytes,
            stop_accept.clone(),
        ));
    }
    for l in tcp_listeners {
        tracker.spawn(tcp::accept_loop(
            l,
            None,
            conns.clone(),
            stop_accept.clone(),
        ));
    }
    for (l, acc) in tls_listeners {
        tracker.spawn(tcp::accept_loop(
            l,
            Some(acc),
            conns.clone(),
            stop_accept.clone(),
        ));
    }
    drop(intake);
    let hard_stop = conns.hard_stop.clone();
    drop(conns);

    tracing::info!(
        udp = ?bound.udp,
        tcp = ?bound.tcp,
        tls = ?bound.tls,
        store = %store.layout.dir().display(),
        "hipaa-audit collector listening"
    );
    if limits.stats_interval_secs > 0 {
        let (stats, stop, watch) = (stats.clone(), stop_accept.clone(), udp_watch.clone());
        let every = Duration::from_secs(limits.stats_interval_secs);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = tick.tick() => stats.log("periodic", &watch),
                    _ = stop.cancelled() => return,
                }
            }
        });
    }

    tokio::select! {
        sig = crate::shutdown::signal_received() => {
            tracing::info!(signal = sig?, "shutting down: no new connections; draining open ones");
        }
        _ = fatal.cancelled() => {}
    }
    stop_accept.cancel();
    tracker.close();
    let drain = Duration::from_secs(limits.drain_timeout_secs);
    if tokio::time::timeout(drain, tracker.wait()).await.is_err() {
        hard_stop.cancel();
        tracker.wait().await;
    }
    // Every sender is gone now: the writer drains the queue and ends.
    let result = tokio::task::spawn_blocking(move || writer.join())
        .await
        .context("writer thread")?;
    stats.log("exit", &udp_watch);
    match result {
        Ok(Ok(())) if !fatal.is_cancelled() => Ok(()),
        Ok(Ok(())) => Err(anyhow!("stopped after a write failure")),
        Ok(Err(e)) => Err(anyhow!(e).context("stopped: the store could not be written")),
        Err(_) => Err(anyhow!("the writer thread panicked")),
    }
}
