//! The store lock: an exclusive `flock` on `audit.lock`, taken by every writer (`log`,
//! `serve`'s writer, `rotate`, `cleanup`) around each change. Readers (`verify`, `report`)
//! do not take it: appends only add whole lines at the end, which a streaming reader
//! tolerates.

use std::fs::File;

use super::{fsio, Layout, StoreError};

/// Held while it lives; dropping it (or the process dying) releases the lock.
#[derive(Debug)]
pub struct StoreLock {
    file: File,
}

impl StoreLock {
    /// Blocks until the lock is ours.
    pub fn acquire(layout: &Layout) -> Result<StoreLock, StoreError> {
        let path = layout.lock_file();
        let file = fsio::open_append(&path)?;
        file.lock().map_err(StoreError::io("lock", &path))?;
        Ok(StoreLock { file })
    }
}

impl Drop for StoreLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
