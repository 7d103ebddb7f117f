//! A bound on what the collector holds in memory, as permits of a semaphore: the queue to
//! the writer (entries and bytes), the messages being prepared, the UDP backlog. Taking a
//! share waits until there is room; dropping the permit gives it back.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Clone)]
pub struct Budget {
    permits: Arc<Semaphore>,
    /// Permits in all.
    capacity: usize,
    /// What one permit stands for: 1 (entries) or 1024 (bytes, counted in KiB so that
    /// any size fits a semaphore's u32 requests).
    unit: usize,
}

impl Budget {
    /// A budget of `n` entries.
    pub fn entries(n: usize) -> Budget {
        Budget::new(n, 1)
    }

    /// A budget of `n` bytes (rounded up to KiB).
    pub fn bytes(n: usize) -> Budget {
        Budget::new(n.div_ceil(1024), 1024)
    }

    fn new(capacity: usize, unit: usize) -> Budget {
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        Budget {
            permits: Arc::new(Semaphore::new(capacity)),
            capacity,
            unit,
        }
    }

    /// Waits for room for `amount` (entries or bytes); more than the whole budget takes
    /// all of it. `None` only if the semaphore was closed, which it never is.
    pub async fn take(&self, amount: usize) -> Option<OwnedSemaphorePermit> {
        let n = self.permits_for(amount);
        self.permits.clone().acquire_many_owned(n).await.ok()
    }

    /// `take` without waiting: `None` when there is no room now.
    pub fn try_take(&self, amount: usize) -> Option<OwnedSemaphorePermit> {
        let n = self.permits_for(amount);
        self.permits.clone().try_acquire_many_owned(n).ok()
    }

    fn permits_for(&self, amount: usize) -> u32 {
        amount.div_ceil(self.unit).clamp(1, self.capacity) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_are_counted_in_kib_and_capped_at_the_whole_budget() {
        let b = Budget::bytes(4 * 1024);
        let one = b.try_take(1).expect("1 byte takes 1 KiB");
        let rest = b.try_take(3 * 1024).expect("3 KiB left");
        assert!(b.try_take(1).is_none(), "full");
        drop((one, rest));
        let all = b
            .take(1 << 30)
            .await
            .expect("more than the budget takes all of it");
        assert!(b.try_take(1).is_none());
        drop(all);
        assert!(Budget::entries(2).try_take(2).is_some());
    }
}
