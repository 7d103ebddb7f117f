//! The collector's counters, shared by every listener and the writer, logged periodically
//! and at exit. Counts only: never message contents.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::ingest::udp_drops::DropWatch;

#[derive(Debug, Default)]
pub struct Stats {
    /// Messages taken in (after framing), on any transport.
    pub received: AtomicU64,
    /// Entries appended to the store (fsynced per policy).
    pub written: AtomicU64,
    /// Messages that did not parse as RFC 5424 or 3164 (kept, marked unparsed).
    pub unparsed: AtomicU64,
    /// Messages longer than the maximum (kept truncated, with their length).
    pub truncated: AtomicU64,
    /// Bytes of oversize messages skipped after their kept part.
    pub skipped_bytes: AtomicU64,
    /// Messages lost: received but not written because the writer failed.
    pub dropped: AtomicU64,
    /// TCP and TLS connections accepted.
    pub connections: AtomicU64,
    /// TLS handshakes that failed or timed out.
    pub tls_failures: AtomicU64,
    /// UDP datagrams the kernel dropped because a listener's receive buffer was full (read
    /// from the kernel when the counters are logged; Linux only).
    pub udp_kernel_drops: AtomicU64,
}

impl Stats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    /// Reads the kernel's count of dropped UDP datagrams, warning when it has grown.
    fn refresh_udp_drops(&self, watch: &DropWatch) {
        let Some(now) = watch.total() else { return };
        let before = self.udp_kernel_drops.swap(now, Ordering::Relaxed);
        if now > before {
            tracing::warn!(
                dropped = now - before,
                total = now,
                "the kernel dropped UDP datagrams: the receive buffer was full. Raise \
                 limits.udp_recv_buffer (and net.core.rmem_max), or have senders use TCP"
            );
        }
    }

    /// One structured log line with every counter, the kernel's UDP drops read just now.
    pub fn log(&self, when: &'static str, udp: &DropWatch) {
        self.refresh_udp_drops(udp);
        tracing::info!(
            when,
            received = Self::get(&self.received),
            written = Self::get(&self.written),
            unparsed = Self::get(&self.unparsed),
            truncated = Self::get(&self.truncated),
            skipped_bytes = Self::get(&self.skipped_bytes),
            dropped = Self::get(&self.dropped),
            connections = Self::get(&self.connections),
            tls_failures = Self::get(&self.tls_failures),
            udp_kernel_drops = Self::get(&self.udp_kernel_drops),
            "counters"
        );
    }
}
