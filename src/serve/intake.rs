//! Where listeners hand what they read. `prepare` runs the pipeline (parse, map, canonical
//! bytes) in a task of its own ([`crate::ingest::inflight`]), so that work spreads over the
//! runtime's threads while the writer thread only chains and writes; `send` queues the
//! result for the writer and waits when the queue is full (in entries or in bytes): that is
//! the backpressure a slow disk puts on TCP senders.
use std::sync::Arc;

use tokio::sync::{mpsc, OwnedSemaphorePermit};

use super::budget::Budget;
use super::stats::Stats;
use super::writer::{Batch, QueueSlots};
use crate::ingest::RawMessage;
use crate::mapping::Mapper;
use crate::parse::ParseOptions;
use crate::pipeline;
use crate::store::entry::Prepared;

#[derive(Clone)]
pub struct Intake {
    tx: mpsc::Sender<Batch>,
    pub stats: Arc<Stats>,
    parse: Arc<ParseOptions>,
    mapper: Arc<Mapper>,
    /// Entries the queue may hold (limits.queue_capacity).
    entries: Budget,
    /// Bytes of serialized entries the queue may hold (limits.queue_bytes).
    bytes: Budget,
    /// Bytes of messages being prepared over all readers ([`PREPARING_SHARE`] of the above).
    preparing: Budget,
}

/// Messages being prepared may take this fraction of `limits.queue_bytes` (in message
/// bytes; an entry is the message plus about 1 KB, up to 8 times the message when it is
/// made of control characters or invalid UTF-8, which JSON escapes byte by byte).
pub const PREPARING_SHARE: usize = 8;

/// How much the queue to the writer may hold: whichever bound is reached first.
#[derive(Debug, Clone, Copy)]
pub struct QueueBound {
    pub entries: usize,
    pub bytes: usize,
}

/// The writer is gone (it failed, or the collector is stopping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl Intake {
    pub fn new(
        tx: mpsc::Sender<Batch>,
        stats: Arc<Stats>,
        parse: ParseOptions,
        mapper: Mapper,
        bound: QueueBound,
    ) -> Intake {
        Intake {
            tx,
            stats,
            parse: Arc::new(parse),
            mapper: Arc::new(mapper),
            entries: Budget::entries(bound.entries),
            bytes: Budget::bytes(bound.bytes),
            preparing: Budget::bytes(bound.bytes / PREPARING_SHARE),
        }
    }

    /// A share of the budget of bytes being prepared for messages of `bytes`, if there is
    /// room now.
    pub fn try_reserve_preparing(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        self.preparing.try_take(bytes)
    }

    /// The same, waiting for room. Call it holding no share of that budget.
    pub async fn reserve_preparing(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        self.preparing.take(bytes).await
    }

    /// Parses, maps and serializes messages (CPU only; runs on any runtime thread).
    pub fn prepare(&self, raws: Vec<RawMessage>) -> Vec<Prepared> {
        let mut batch = Vec::with_capacity(raws.len());
        let (mut unparsed, mut truncated) = (0, 0);
        for raw in raws {
            // Serialized here, on the I/O threads; the writer only chains and writes.
            let (entry, flags) = pipeline::to_prepared(raw, &self.parse, &self.mapper);
            unparsed += u64::from(flags.unparsed);
            truncated += u64::from(flags.truncated);
            batch.push(entry);
        }
        Stats::add(&self.stats.received, batch.len() as u64);
        Stats::add(&self.stats.unparsed, unparsed);
        Stats::add(&self.stats.truncated, truncated);
        batch
    }

    /// Queues prepared entries for the writer, waiting for room in the queue, in entries
    /// and in bytes (always in that order, so two senders never hold one bound each).
    pub async fn send(&self, batch: Vec<Prepared>) -> Result<(), Closed> {
        if batch.is_empty() {
            return Ok(());
        }
        let n = batch.len() as u64;
        let bytes: usize = batch.iter().map(Prepared::footprint).sum();
        let entries = self.entries.take(batch.len()).await;
        let bytes = self.bytes.take(bytes).await;
        let batch = Batch {
            entries: batch,
            slots: QueueSlots { entries, bytes },
        };
        self.tx.send(batch).await.map_err(|_| {
            Stats::add(&self.stats.dropped, n);
            Closed
        })
    }
}
