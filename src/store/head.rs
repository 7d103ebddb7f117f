//! `audit.head`: the seq and hash of the newest durable entry, rewritten under the store lock
//! after every append (after the data's fsync, so it never runs ahead of what is on disk).
//! Verify compares it with the store's real end: an end older than the head means the store
//! was truncated or rolled back after that entry was written.

use std::fs::File;

use serde::{Deserialize, Serialize};

use super::{canonical, fsio, Layout, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// The head's line as it is written (canonical JSON and a newline). The appender hands it
/// to the disk thread with each batch; its syncer writes it after the batch's fsync.
pub fn render(head: &Head) -> Vec<u8> {
    let mut line = Vec::with_capacity(96);
    canonical::write_value(
        &mut line,
        &serde_json::to_value(head).expect("head serializes"),
    );
    line.push(b'\n');
    line
}

pub fn open(layout: &Layout) -> Result<File, StoreError> {
    fsio::open_rw(&layout.head_file())
}

/// The recorded head, `None` when there is none yet; `Err` text when the file is damaged.
pub fn read(layout: &Layout) -> Result<Option<Head>, String> {
    match std::fs::read(layout.head_file()) {
        Ok(bytes) if bytes.is_empty() => Ok(None),
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| e.to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}
