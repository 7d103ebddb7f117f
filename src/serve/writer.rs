//! The collector's single writer: a dedicated thread that owns the [`Appender`], takes
//! entries from a bounded channel and appends them in batches, one write and one fsync per
//! batch (group commit). Listeners wait when the channel is full, so a slow disk slows TCP
//! senders instead of growing memory.
//!
//! A failed append is fatal: the thread stops, the queued entries are counted as dropped,
//! and `fatal` is cancelled so the collector stops intake and exits non-zero (its service
//! manager restarts it, and the store's recovery runs at the next open).

use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::{mpsc, OwnedSemaphorePermit};
use tokio_util::sync::CancellationToken;

use super::stats::Stats;
use crate::store::entry::Prepared;
use crate::store::writer::Appender;
use crate::store::{Store, StoreError};

/// What listeners send: the entries of one read (one TCP chunk, a burst of datagrams),
/// with the queue slots they hold until the writer has appended them. The slots bound the
/// queue in entries and in bytes, whatever the size of each batch.
pub struct Batch {
    pub entries: Vec<Prepared>,
    pub slots: QueueSlots,
}

/// A batch's share of the queue's two bounds; dropping it gives the room back.
pub struct QueueSlots {
    pub entries: Option<OwnedSemaphorePermit>,
    pub bytes: Option<OwnedSemaphorePermit>,
}

pub fn spawn(
    store: &Store,
    mut rx: mpsc::Receiver<Batch>,
    batch_max: usize,
    stats: Arc<Stats>,
    fatal: CancellationToken,
) -> Result<JoinHandle<Result<(), StoreError>>, StoreError> {
    let mut appender = Appender::open(store)?;
    let handle = std::thread::Builder::new()
        .name("hipaa-audit-writer".into())
        .spawn(move || {
            let mut batch: Vec<Prepared> = Vec::with_capacity(batch_max);
            let mut held = Vec::new();
            while let Some(first) = rx.blocking_recv() {
                batch.extend(first.entries);
                held.push(first.slots);
                while batch.len() < batch_max {
                    match rx.try_recv() {
                        Ok(more) => {
                            batch.extend(more.entries);
                            held.push(more.slots);
                        }
                        Err(_) => break,
                    }
                }
                let n = batch.len() as u64;
                if let Err(e) = appender.append_prepared(std::mem::take(&mut batch)) {
                    tracing::error!(error = %e.with_causes(), entries = n, "append failed; stopping intake");
                    Stats::add(&stats.dropped, n);
                    fatal.cancel();
                    rx.close();
                    while let Ok(rest) = rx.try_recv() {
                        Stats::add(&stats.dropped, rest.entries.len() as u64);
                    }
                    return Err(e);
                }
                Stats::add(&stats.written, n);
                held.clear(); // frees the queue slots: listeners may go on
            }
            Ok(())
        })
        .map_err(StoreError::io("start writer thread", store.layout.dir()))?;
    Ok(handle)
}
