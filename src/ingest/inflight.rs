//! Chunks of messages being prepared (parsed, mapped, serialized) in parallel tasks while
//! their reader goes on reading; handed to the writer in the order they were read. The
//! TCP/TLS connection readers and the UDP listener use it, so one busy sender keeps both
//! cores working. The bytes being prepared, over all readers, are bounded (a share of
//! `limits.queue_bytes`), so many connections flooding large messages cannot grow memory
//! past what the queue to the writer allows.

use std::collections::VecDeque;

use tokio::sync::OwnedSemaphorePermit;
use tokio::task::{JoinError, JoinHandle};

use super::RawMessage;
use crate::serve::intake::{Closed, Intake};
use crate::serve::stats::Stats;
use crate::store::entry::Prepared;

/// Chunks prepared at once per reader; beyond this the reader waits for the oldest.
pub const LIMIT: usize = 4;

struct Chunk {
    count: usize,
    handle: JoinHandle<Vec<Prepared>>,
    /// The chunk's share of the collector-wide budget of bytes being prepared.
    budget: Option<OwnedSemaphorePermit>,
}

/// A chunk whose preparation has ended, to hand on with [`InFlight::deliver`].
pub struct Ready {
    count: usize,
    prepared: Result<Vec<Prepared>, JoinError>,
    budget: Option<OwnedSemaphorePermit>,
}

pub struct InFlight {
    queue: VecDeque<Chunk>,
    intake: Intake,
}

impl InFlight {
    pub fn new(intake: Intake) -> InFlight {
        InFlight {
            queue: VecDeque::new(),
            intake,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Starts preparing `raws` on any runtime thread, once the collector-wide budget of
    /// bytes being prepared has room for them. If it has none, this reader first hands on
    /// its own chunks (which gives back its share), so readers never wait on each other.
    pub async fn start(&mut self, raws: Vec<RawMessage>) -> Result<(), Closed> {
        if raws.is_empty() {
            return Ok(());
        }
        let bytes = raws.iter().map(|r| r.bytes.len()).sum();
        let budget = match self.intake.try_reserve_preparing(bytes) {
            Some(permit) => Some(permit),
            None => {
                self.drain().await?;
                self.intake.reserve_preparing(bytes).await
            }
        };
        let intake = self.intake.clone();
        self.queue.push_back(Chunk {
            count: raws.len(),
            handle: tokio::spawn(async move { intake.prepare(raws) }),
            budget,
        });
        Ok(())
    }

    /// The oldest chunk, once it is prepared. Cancel-safe: a chunk leaves the queue only
    /// when it has completed (no await between completion and removal).
    pub async fn next(&mut self) -> Ready {
        let Some(chunk) = self.queue.front_mut() else {
            return std::future::pending().await;
        };
        let prepared = (&mut chunk.handle).await;
        let chunk = self.queue.pop_front().expect("the chunk just awaited");
        Ready {
            count: chunk.count,
            prepared,
            budget: chunk.budget,
        }
    }

    /// Queues a prepared chunk for the writer; its share of the preparing budget is given
    /// back once the queue has taken it.
    pub async fn deliver(&self, ready: Ready) -> Result<(), Closed> {
        let Ready {
            count,
            prepared,
            budget,
        } = ready;
        let sent = match prepared {
            Ok(batch) => self.intake.send(batch).await,
            Err(e) => {
                // A panic while preparing would be a bug (parse and map contain their own);
                // the chunk's messages are lost: count and log it, loudly, rather than take
                // the collector down.
                tracing::error!(error = %e, messages = count, "preparing messages failed");
                Stats::add(&self.intake.stats.dropped, count as u64);
                Ok(())
            }
        };
        drop(budget);
        sent
    }

    /// Hands on the oldest chunks until at most [`LIMIT`] are in flight.
    pub async fn throttle(&mut self) -> Result<(), Closed> {
        while self.queue.len() > LIMIT {
            let ready = self.next().await;
            self.deliver(ready).await?;
        }
        Ok(())
    }

    /// Hands on everything, in order.
    pub async fn drain(&mut self) -> Result<(), Closed> {
        while !self.queue.is_empty() {
            let ready = self.next().await;
            self.deliver(ready).await?;
        }
        Ok(())
    }
}
