//! The store: an append-only, hash-chained JSONL audit trail on local disk.
//!
//! This module owns every byte under the store directory. Nothing else in the crate opens
//! these files; the collector and the CLI go through [`writer::Appender`] to append and
//! through [`reader`] to read.
//!
//! ```text
//! <log_dir>/                                  0750
//!   audit.jsonl                               active segment, one canonical JSON entry per line (0640)
//!   audit.lock                                flock'ed by every writer: log, serve, rotate, cleanup
//!   audit.head                                {"hash", "seq"} of the newest durable entry
//!   quarantine/torn_<UTC time>_<n>.bin        torn tails moved aside by recovery, bytes kept
//!   archive/audit_<YYYYmmdd_HHMMSS>[_n].jsonl.gz   rotated segments, never overwritten
//!   archive/manifest.jsonl                    chained records: `rotate` (one per archive), `delete` (retention)
//! ```
//!
//! # The chain
//! Every entry carries `seq` (0, 1, 2, ... across all segments, never reset), `previous_hash`
//! and `hash`, where
//!
//! ```text
//! hash = sha256_hex(previous_hash + ":" + C(entry without hash and previous_hash))
//! ```
//!
//! and `C` is Python's `json.dumps(obj, sort_keys=True)` ([`canonical`]); each line is written
//! as `C(entry)`. The first entry ever has `previous_hash` = 64 zeros ([`chain::GENESIS`]).
//! This is the blog post's format, so its `verify_chain` accepts our first segment. Unlike the
//! post, the chain does not restart at rotation: a segment's first `previous_hash` is the last
//! `hash` of the segment before, and the manifest records both ends of every archive.
//!
//! # Invariants
//! - One append path ([`writer::Appender::append`]) under one lock ([`lock::StoreLock`]),
//!   with the tail re-read under the lock: concurrent writers never fork the chain.
//! - An append writes whole lines (in whole blocks with `O_DIRECT` where possible, so the
//!   bytes skip the page cache, [`direct`]), then fsyncs per [`FsyncPolicy`]. The file never
//!   holds padding: its length is always the end of the last line written. If a write
//!   fails, the file is cut back to its previous length; a crash mid-write leaves at most a
//!   torn last line, which the next writer moves into `quarantine/` (never discarded) before
//!   it continues the chain from the last whole entry ([`segment::recover_torn_tail`]).
//! - Rotation and retention take the same lock and record what they did in the manifest
//!   before the change becomes visible, so every state a crash can leave is recoverable
//!   ([`rotate::recover`]) and explainable by `verify`.
//! - `audit.head` is rewritten after every durable append: a store whose newest entry is older
//!   than the head was truncated. It lives on the same disk, so it catches careless or
//!   accidental truncation, not a rollback of the whole directory (signed checkpoints kept
//!   off the host are the answer to that, later).

pub mod canonical;
pub mod chain;
pub mod direct;
pub mod entry;
pub mod error;
pub mod fsio;
pub mod head;
pub mod lock;
pub mod manifest;
pub mod rawline;
pub mod reader;
pub mod retention;
pub mod rotate;
pub mod segment;
pub mod verify;
pub mod writer;

use std::path::{Path, PathBuf};

pub use entry::{NewEntry, Outcome};
pub use error::StoreError;

/// File name of the active segment (the seed's name).
pub const ACTIVE_FILE: &str = "audit.jsonl";
/// Default store directory, relative to the working directory (the seed's default).
pub const DEFAULT_LOG_DIR: &str = "./hipaa_audit_logs";

/// When an append is forced to stable storage. Each variant says what survives power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FsyncPolicy {
    /// Every append call (one entry from `log`, or one batch from the collector) is fsynced
    /// before it returns: whatever was acknowledged survives power loss.
    #[default]
    Always,
    /// Leave flushing to the operating system: a power loss can lose the last seconds of
    /// entries (the chain still verifies up to what survived, but `audit.head` may then report
    /// a truncation). For benchmarks and throwaway stores only.
    Never,
}

/// Where each file of a store lives.
#[derive(Debug, Clone)]
pub struct Layout {
    dir: PathBuf,
}

impl Layout {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Layout { dir: dir.into() }
    }
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn active(&self) -> PathBuf {
        self.dir.join(ACTIVE_FILE)
    }
    pub fn lock_file(&self) -> PathBuf {
        self.dir.join("audit.lock")
    }
    pub fn head_file(&self) -> PathBuf {
        self.dir.join("audit.head")
    }
    pub fn archive_dir(&self) -> PathBuf {
        self.dir.join("archive")
    }
    pub fn manifest(&self) -> PathBuf {
        self.archive_dir().join("manifest.jsonl")
    }
    pub fn quarantine_dir(&self) -> PathBuf {
        self.dir.join("quarantine")
    }
    /// A path relative to the store directory, for messages (`archive/audit_....jsonl.gz`).
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.dir)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// A store directory and how it is written.
#[derive(Debug, Clone)]
pub struct Store {
    pub layout: Layout,
    pub fsync: FsyncPolicy,
    /// Append with `O_DIRECT` where the file system allows it ([`direct`]); on by default.
    pub direct_io: bool,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>, fsync: FsyncPolicy) -> Self {
        Store {
            layout: Layout::new(dir),
            fsync,
            direct_io: true,
        }
    }

    /// Creates the store directories (0750) and an empty active segment (0640). Idempotent:
    /// an existing store is left as it is. Returns true when anything was created.
    pub fn init(&self) -> Result<bool, StoreError> {
        let existed = self.layout.active().exists();
        fsio::create_dir_all(self.layout.dir())?;
        fsio::create_dir_all(&self.layout.archive_dir())?;
        fsio::open_append(&self.layout.active())?;
        fsio::open_append(&self.layout.lock_file())?;
        fsio::sync_dir(self.layout.dir())?;
        Ok(!existed)
    }

    /// Fails with [`StoreError::NotInitialized`] when the directory holds no store.
    pub fn ensure_exists(&self) -> Result<(), StoreError> {
        if self.layout.dir().is_dir() {
            Ok(())
        } else {
            Err(StoreError::NotInitialized(self.layout.dir().to_path_buf()))
        }
    }
}
