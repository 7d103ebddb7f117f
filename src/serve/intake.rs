//! Where listeners hand what they read. `prepare` runs the pipeline (parse, map, canonical
//! bytes) in a task of its own ([`crate::ingest::inflight`]), so that work spreads over the
//! runtime's threads while the writer thread only chains and writes; `send` queues the
//! result for the writer and waits when the queue is full: that is the backpressure a slow
//! disk puts on TCP senders.
use std::sync::Arc;

use tokio::sync::{mpsc, Semaphore};

use super::stats::Stats;
use super::writer::Batch;
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
    slots: Arc<Semaphore>,
    capacity: usize,
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
        capacity: usize,
    ) -> Intake {
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
        Intake {
            tx,
            stats,
            parse: Arc::new(parse),
            mapper: Arc::new(mapper),
            slots: Arc::new(Semaphore::new(capacity)),
            capacity,
        }
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

    /// Queues prepared entries for the writer, waiting for room in the queue (a batch
    /// larger than the whole queue takes all of it).
    pub async fn send(&self, batch: Vec<Prepared>) -> Result<(), Closed> {
        if batch.is_empty() {
            return Ok(());
        }
        let n = batch.len() as u64;
        let want = (batch.len().min(self.capacity)) as u32;
        let slots = self.slots.clone().acquire_many_owned(want).await.ok();
        let batch = Batch {
            entries: batch,
            slots,
        };
        self.tx.send(batch).await.map_err(|_| {
            Stats::add(&self.stats.dropped, n);
            Closed
        })
    }
}
