//! The collector's single writer: a dedicated thread that owns the [`Appender`], takes
//! entries from a bounded channel and appends them in batches, one write and one fsync per
//! batch (group commit). Listeners wait when the channel is full, so a slow disk slows TCP
//! senders instead of growing memory.
//!
//! The writer keeps the store lock while batches keep coming, so the disk thread writes and
//! fsyncs one batch while the next is chained; it lets the lock go whenever the queue is
//! empty, and at least every [`HOLD`].
//!
//! A failed append is fatal: the thread stops, the queued entries are counted as dropped,
//! and `fatal` is cancelled so the collector stops intake and exits non-zero (its service
//! manager restarts it, and the store's recovery runs at the next open).

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc::{self, error::TryRecvError};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::sync::CancellationToken;

use super::stats::Stats;
use crate::store::entry::Prepared;
use crate::store::writer::Appender;
use crate::store::{Store, StoreError};

/// What listeners send: the entries of one read (one TCP chunk, a burst of datagrams),
/// with the queue slots they hold until the writer takes them. The slots bound the queue
/// in entries and in bytes, whatever the size of each batch. The writer frees them as it
/// takes the entries into its batch, so the queue fills again while the batch is chained:
/// memory is bounded by the queue plus the one batch being chained.
pub struct Batch {
    pub entries: Vec<Prepared>,
    pub slots: QueueSlots,
}

/// A batch's share of the queue's two bounds; dropping it gives the room back.
pub struct QueueSlots {
    pub entries: Option<OwnedSemaphorePermit>,
    pub bytes: Option<OwnedSemaphorePermit>,
}

/// Longest the writer keeps the store lock while entries keep coming: then it waits for
/// the disk, lets the lock go and pauses for [`YIELD`], so `log`, `rotate` and `cleanup`
/// from cron get their turn under any load.
const HOLD: Duration = Duration::from_millis(100);

/// The pause after a [`HOLD`]: long enough for a process waiting on the lock to be woken
/// and take it. The queue takes what arrives meanwhile.
const YIELD: Duration = Duration::from_millis(1);

pub fn spawn(
    store: &Store,
    rx: mpsc::Receiver<Batch>,
    batch_max: usize,
    stats: Arc<Stats>,
    fatal: CancellationToken,
) -> Result<JoinHandle<Result<(), StoreError>>, StoreError> {
    let appender = Appender::open(store)?;
    let handle = std::thread::Builder::new()
        .name("hipaa-audit-writer".into())
        .spawn(move || run(appender, rx, batch_max, &stats, &fatal))
        .map_err(StoreError::io("start writer thread", store.layout.dir()))?;
    Ok(handle)
}

/// Takes batches while there are any, chaining each while the disk thread writes and
/// fsyncs the ones before (the lock stays held meanwhile). When the queue runs empty it
/// waits for the disk and lets the lock go before it sleeps on the queue.
fn run(
    mut appender: Appender,
    mut rx: mpsc::Receiver<Batch>,
    batch_max: usize,
    stats: &Stats,
    fatal: &CancellationToken,
) -> Result<(), StoreError> {
    let mut batch: Vec<Prepared> = Vec::with_capacity(batch_max);
    loop {
        let first = match rx.try_recv() {
            Ok(first) => first,
            Err(TryRecvError::Empty) => {
                // Nothing to chain: wait for the disk now, and let cron in.
                let_go(&mut appender, &mut rx, stats, fatal)?;
                match rx.blocking_recv() {
                    Some(first) => first,
                    None => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        // Taking the entries frees their queue slots (`slots` dropped here).
        batch.extend(first.entries);
        while batch.len() < batch_max {
            match rx.try_recv() {
                Ok(more) => batch.extend(more.entries),
                Err(_) => break,
            }
        }
        let n = batch.len() as u64;
        if let Err(e) = appender.enqueue(std::mem::take(&mut batch)) {
            return Err(stop(e, &mut appender, &mut rx, stats, fatal, n));
        }
        let durable = appender.durable();
        written(&mut appender, durable, &mut rx, stats, fatal)?;
        if appender.held_for().is_some_and(|t| t >= HOLD) {
            let_go(&mut appender, &mut rx, stats, fatal)?;
            std::thread::sleep(YIELD);
        }
    }
    let_go(&mut appender, &mut rx, stats, fatal)
}

/// Waits for the disk, counts what became durable and lets the store lock go.
fn let_go(
    appender: &mut Appender,
    rx: &mut mpsc::Receiver<Batch>,
    stats: &Stats,
    fatal: &CancellationToken,
) -> Result<(), StoreError> {
    let durable = appender.release();
    written(appender, durable, rx, stats, fatal)
}

/// Counts what became durable, or stops on the error.
fn written(
    appender: &mut Appender,
    durable: Result<u64, StoreError>,
    rx: &mut mpsc::Receiver<Batch>,
    stats: &Stats,
    fatal: &CancellationToken,
) -> Result<(), StoreError> {
    match durable {
        Ok(n) => {
            Stats::add(&stats.written, n);
            Ok(())
        }
        Err(e) => Err(stop(e, appender, rx, stats, fatal, 0)),
    }
}

/// A failed append is fatal: what was handed on but is not durable, `lost` more, and
/// everything still queued are counted as dropped (what the failure's last fsync still
/// made durable as written), and intake stops.
fn stop(
    e: StoreError,
    appender: &mut Appender,
    rx: &mut mpsc::Receiver<Batch>,
    stats: &Stats,
    fatal: &CancellationToken,
    lost: u64,
) -> StoreError {
    let lost = lost + appender.not_durable();
    Stats::add(&stats.written, appender.durable_at_failure());
    tracing::error!(error = %e.with_causes(), entries = lost, "append failed; stopping intake");
    Stats::add(&stats.dropped, lost);
    fatal.cancel();
    rx.close();
    while let Ok(rest) = rx.try_recv() {
        Stats::add(&stats.dropped, rest.entries.len() as u64);
    }
    e
}
