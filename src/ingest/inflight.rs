//! Chunks of messages being prepared (parsed, mapped, serialized) in parallel tasks while
//! their reader goes on reading; handed to the writer in the order they were read. The
//! TCP/TLS connection readers and the UDP listener use it, so one busy sender keeps both
//! cores working.

use std::collections::VecDeque;

use tokio::task::{JoinError, JoinHandle};

use super::RawMessage;
use crate::serve::intake::{Closed, Intake};
use crate::serve::stats::Stats;
use crate::store::entry::Prepared;

/// Chunks prepared at once per reader; beyond this the reader waits for the oldest.
pub const LIMIT: usize = 4;

type Chunk = (usize, JoinHandle<Vec<Prepared>>);

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

    /// Starts preparing `raws` on any runtime thread.
    pub fn start(&mut self, raws: Vec<RawMessage>) {
        if raws.is_empty() {
            return;
        }
        let intake = self.intake.clone();
        self.queue.push_back((
            raws.len(),
            tokio::spawn(async move { intake.prepare(raws) }),
        ));
    }

    /// The oldest chunk, once it is prepared. Cancel-safe: a chunk leaves the queue only
    /// when it has completed (no await between completion and removal).
    pub async fn next(&mut self) -> (usize, Result<Vec<Prepared>, JoinError>) {
        let Some((_, handle)) = self.queue.front_mut() else {
            return std::future::pending().await;
        };
        let result = handle.await;
        let (count, _) = self.queue.pop_front().expect("the chunk just awaited");
        (count, result)
    }

    /// Queues a prepared chunk for the writer.
    pub async fn deliver(
        &self,
        count: usize,
        prepared: Result<Vec<Prepared>, JoinError>,
    ) -> Result<(), Closed> {
        match prepared {
            Ok(batch) => self.intake.send(batch).await,
            Err(e) => {
                // A panic while preparing would be a bug; the chunk's messages are lost:
                // count and log it, loudly, rather than take the collector down.
                tracing::error!(error = %e, messages = count, "preparing messages failed");
                Stats::add(&self.intake.stats.dropped, count as u64);
                Ok(())
            }
        }
    }

    /// Hands on the oldest chunks until at most [`LIMIT`] are in flight.
    pub async fn throttle(&mut self) -> Result<(), Closed> {
        while self.queue.len() > LIMIT {
            let (count, r) = self.next().await;
            self.deliver(count, r).await?;
        }
        Ok(())
    }

    /// Hands on everything, in order.
    pub async fn drain(&mut self) -> Result<(), Closed> {
        while !self.queue.is_empty() {
            let (count, r) = self.next().await;
            self.deliver(count, r).await?;
        }
        Ok(())
    }
}
