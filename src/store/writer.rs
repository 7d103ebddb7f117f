//! The one append path. Every entry, from `hipaa-audit log` or from the collector, is chained
//! and written here, under the store lock, with the chain's tail re-read from disk under that
//! lock, so concurrent writers (several `log` processes, a running collector, `rotate` from
//! cron) never interleave or fork the chain. An appender that finds the file exactly as it
//! left it (same file, same length, same manifest) keeps the tail it knows instead.
//!
//! A batch is handed to the disk thread as it is chained ([`super::direct`]): whole blocks
//! straight to the disk where the file system allows it, then the fsync per
//! [`FsyncPolicy`], then `audit.head`. `hipaa-audit log` waits for that
//! ([`Appender::append`]); the collector chains its next batch meanwhile and keeps the lock
//! ([`Appender::enqueue`], [`Appender::release`]). If a write or fsync fails, the file is
//! cut back to the end of the last durable batch and the appender is poisoned: it refuses
//! further appends, so the process exits and recovery runs at the next start (a failed
//! fsync leaves the page cache in an unknown state).

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::time::Instant;

use serde::Deserialize;
use serde_json::Value;

use super::entry::Prepared;
use super::manifest::{self, Manifest};
use super::{
    canonical, chain, direct::BlockWriter, fsio, head, lock::StoreLock, rotate, segment,
    FsyncPolicy, NewEntry, Store, StoreError,
};

/// Where the chain stands: what the next entry gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub next_seq: u64,
    pub previous_hash: String,
}

impl Position {
    pub fn genesis() -> Position {
        Position {
            next_seq: 0,
            previous_hash: chain::GENESIS.to_owned(),
        }
    }
}

/// What one append wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub first_seq: u64,
    pub last_seq: u64,
    pub last_hash: String,
    pub count: usize,
}

/// The few fields of an entry the writer and rotation need.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct EntryMeta {
    pub seq: Option<u64>,
    pub hash: Option<String>,
    pub previous_hash: Option<String>,
    pub timestamp: Option<String>,
}

/// Bytes of chained entries gathered before each write(2) within a batch.
const CHUNK: usize = 128 * 1024;

pub struct Appender {
    store: Store,
    file: File,
    ino: u64,
    /// Writes the batches to `file` from the disk thread, directly to the disk where it
    /// can. Declared before `lock`, so its jobs end before the lock is let go.
    blocks: BlockWriter,
    head: File,
    manifest: manifest::Cached,
    out: Vec<u8>,
    /// Held from the first batch after a [`Appender::release`] until the next one.
    lock: Option<StoreLock>,
    locked_at: Instant,
    /// The chain's end after everything handed to the disk thread (valid under the lock).
    pos: Position,
    /// The file's length when the lock was last let go: if it is the same when the lock is
    /// taken again (same file, same manifest), nobody wrote in between, and `pos` and the
    /// disk thread's tail block still hold, so nothing is read back from the disk.
    left_at: Option<u64>,
    /// Entries handed to the disk thread and not yet reported durable.
    pending: u64,
    /// See [`Appender::durable_at_failure`].
    durable_at_failure: u64,
    poisoned: bool,
}

impl Appender {
    /// Opens the store for appending. The store directory must exist (`init`).
    pub fn open(store: &Store) -> Result<Appender, StoreError> {
        store.ensure_exists()?;
        let path = store.layout.active();
        let file = fsio::open_append(&path)?;
        let ino = file
            .metadata()
            .map_err(StoreError::io("stat", &path))?
            .ino();
        let head = head::open(&store.layout)?;
        let blocks = Self::block_writer(store, &head)?;
        Ok(Appender {
            store: store.clone(),
            file,
            ino,
            blocks,
            head,
            manifest: manifest::Cached::default(),
            out: Vec::with_capacity(CHUNK + 64 * 1024),
            lock: None,
            locked_at: Instant::now(),
            pos: Position::genesis(),
            left_at: None,
            pending: 0,
            durable_at_failure: 0,
            poisoned: false,
        })
    }

    fn block_writer(store: &Store, head: &File) -> Result<BlockWriter, StoreError> {
        let path = store.layout.active();
        let head = head
            .try_clone()
            .map_err(StoreError::io("open", store.layout.head_file()))?;
        BlockWriter::open(&path, store.direct_io, Some(head))
            .map_err(StoreError::io("open for writing", &path))
    }

    /// Chains and appends `entries` as one write. Returns `None` for an empty batch.
    pub fn append(&mut self, entries: Vec<NewEntry>) -> Result<Option<Appended>, StoreError> {
        self.append_prepared(entries.into_iter().map(NewEntry::prepare).collect())
    }

    /// Chains and appends entries already serialized ([`NewEntry::prepare`]), waits until
    /// they are written (and fsynced per the policy), and lets the lock go. Returns `None`
    /// for an empty batch.
    pub fn append_prepared(
        &mut self,
        entries: Vec<Prepared>,
    ) -> Result<Option<Appended>, StoreError> {
        let appended = self.enqueue(entries)?;
        self.release()?;
        Ok(appended)
    }

    /// The one append path. Takes the store lock (if not held yet), gives the entries their
    /// seq and hashes, and hands them to the disk thread, which writes them, fsyncs (per
    /// the policy) and then updates `audit.head`. Returns without waiting for the disk: the
    /// collector chains the next batch meanwhile. [`Appender::durable`] says what has
    /// reached the disk, and [`Appender::release`] waits for the rest and lets the lock go.
    /// Returns `None` for an empty batch.
    pub fn enqueue(&mut self, entries: Vec<Prepared>) -> Result<Option<Appended>, StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        if entries.is_empty() {
            return Ok(None);
        }
        self.take_lock()?;
        // Handed on in chunks of about CHUNK bytes while the batch is chained: the bytes are
        // still in the CPU cache when they are copied.
        self.out.clear();
        let first_seq = self.pos.next_seq;
        let count = entries.len();
        for e in &entries {
            let hash =
                chain::write_prepared(e, self.pos.next_seq, &self.pos.previous_hash, &mut self.out);
            self.out.push(b'\n');
            self.pos.previous_hash.clear();
            self.pos
                .previous_hash
                .push_str(std::str::from_utf8(&hash).expect("hex digits"));
            self.pos.next_seq += 1;
            if self.out.len() >= CHUNK {
                if let Err(e) = self.blocks.write(&self.out) {
                    return Err(self.fail(e));
                }
                self.out.clear();
            }
        }
        let last_seq = self.pos.next_seq - 1;
        let head_line = head::render(&head::Head {
            seq: last_seq,
            hash: self.pos.previous_hash.clone(),
        });
        let sync = self.store.fsync == FsyncPolicy::Always;
        let handed = self
            .blocks
            .write(&self.out)
            .and_then(|()| self.blocks.commit(sync, head_line, count as u64));
        if let Err(e) = handed {
            return Err(self.fail(e));
        }
        self.pending += count as u64;
        Ok(Some(Appended {
            first_seq,
            last_seq,
            last_hash: self.pos.previous_hash.clone(),
            count,
        }))
    }

    /// How many more entries are durable since the last call, without waiting.
    pub fn durable(&mut self) -> Result<u64, StoreError> {
        match self.blocks.poll() {
            Ok(d) => {
                self.pending -= d.count;
                Ok(d.count)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Waits until everything handed on is written, then lets the store lock go (for
    /// `log`, `rotate` and `cleanup` from cron). Returns how many more entries are durable.
    pub fn release(&mut self) -> Result<u64, StoreError> {
        if self.lock.is_none() {
            return Ok(0);
        }
        let d = match self.blocks.drain() {
            Ok(d) => d,
            Err(e) => return Err(self.fail(e)),
        };
        self.pending -= d.count;
        self.left_at = Some(self.blocks.end());
        self.lock = None;
        Ok(d.count)
    }

    /// How long the store lock has been held, `None` when it is not.
    pub fn held_for(&self) -> Option<std::time::Duration> {
        self.lock.as_ref().map(|_| self.locked_at.elapsed())
    }

    /// Entries handed to the disk thread that have not been reported durable: after a
    /// failure, the ones that were lost.
    pub fn not_durable(&self) -> u64 {
        self.pending
    }

    /// Entries that turned out durable while the appender was failing (an fsync begun
    /// before the failure covered them) and that no call has returned: written, not lost.
    pub fn durable_at_failure(&self) -> u64 {
        self.durable_at_failure
    }

    /// Takes the store lock and finds where the chain ends: from what this appender left
    /// when nothing changed since, otherwise from the disk (finishing an interrupted
    /// rotation and moving a torn tail aside first).
    fn take_lock(&mut self) -> Result<(), StoreError> {
        if self.lock.is_some() {
            return Ok(());
        }
        let layout = self.store.layout.clone();
        let path = layout.active();
        let lock = StoreLock::acquire(&layout)?;
        let reopened = self.reopen_if_replaced()?;
        let len = self
            .file
            .metadata()
            .map_err(StoreError::io("stat", &path))?
            .len();
        let unchanged = !reopened && self.left_at == Some(len) && self.manifest.is_current(&layout);
        if !unchanged {
            self.left_at = None;
            self.pos = position_under_lock(&self.store, &self.file, &mut self.manifest)?;
            // Recovery may have moved a torn tail aside: start from the length now.
            let len = self
                .file
                .metadata()
                .map_err(StoreError::io("stat", &path))?
                .len();
            self.blocks.begin(len);
        }
        self.lock = Some(lock);
        self.locked_at = Instant::now();
        Ok(())
    }

    /// A failed write or fsync: waits for the disk thread to stop, cuts the file back to
    /// the end of the last durable batch (no part of a later one stays), refuses further
    /// appends and lets the lock go. The process should exit and recover at the next start
    /// (after a failed fsync the page cache is in an unknown state).
    fn fail(&mut self, e: std::io::Error) -> StoreError {
        self.poisoned = true;
        let late = self.blocks.abandon();
        self.pending -= late.count;
        self.durable_at_failure += late.count;
        let _ = self.file.set_len(self.blocks.durable_end());
        self.left_at = None;
        self.lock = None;
        StoreError::io("append to", self.store.layout.active())(e)
    }

    /// A rotation truncates the active file in place (same inode), but an operator may have
    /// moved or deleted it: then follow the path. True when it reopened.
    fn reopen_if_replaced(&mut self) -> Result<bool, StoreError> {
        let path = self.store.layout.active();
        let same = std::fs::metadata(&path)
            .map(|m| m.ino() == self.ino)
            .unwrap_or(false);
        if same {
            return Ok(false);
        }
        self.file = fsio::open_append(&path)?;
        self.blocks = Self::block_writer(&self.store, &self.head)?;
        self.ino = self
            .file
            .metadata()
            .map_err(StoreError::io("stat", &path))?
            .ino();
        tracing::warn!(file = %path.display(), "active segment was replaced or removed; reopened it");
        Ok(true)
    }
}

/// Where the chain stands, read from disk. Lock held: finishes an interrupted rotation and
/// moves a torn tail aside first.
pub fn position_under_lock(
    store: &Store,
    file: &File,
    cache: &mut manifest::Cached,
) -> Result<Position, StoreError> {
    let layout = &store.layout;
    let path = layout.active();
    let manifest = cache.get(layout)?;
    let mut tail = segment::scan_tail(file).map_err(StoreError::io("read", &path))?;
    if segment::recover_torn_tail(layout, &path, file, &tail)?.is_some() {
        tail = segment::scan_tail(file).map_err(StoreError::io("read", &path))?;
    }
    if rotate::recover(layout, manifest, file, &tail)? {
        tail = segment::scan_tail(file).map_err(StoreError::io("read", &path))?;
    }
    match &tail.last_line {
        Some(line) => {
            let corrupt = |reason: String| StoreError::CorruptTail {
                path: path.clone(),
                line: count_lines(&path).unwrap_or(0),
                reason,
            };
            let meta = parse_meta(line).map_err(corrupt)?;
            let hash = meta
                .hash
                .filter(|h| chain::is_hash(h))
                .ok_or_else(|| corrupt("no valid hash".into()))?;
            let next_seq = match meta.seq {
                Some(s) => s + 1,
                // A log the seed's script wrote: number ours after its entries.
                None => {
                    base_seq(store, manifest)?
                        + count_lines(&path).map_err(StoreError::io("read", &path))?
                }
            };
            Ok(Position {
                next_seq,
                previous_hash: hash,
            })
        }
        None => position_after_archives(store, manifest),
    }
}

/// The position after the newest archive (the active segment is empty).
fn position_after_archives(store: &Store, manifest: &Manifest) -> Result<Position, StoreError> {
    let Some(last) = manifest.last_archive() else {
        return Ok(Position::genesis());
    };
    if let Some(r) = &last.rotate {
        if let (Some(seq), Some(hash)) = (r.last_seq, &r.last_hash) {
            return Ok(Position {
                next_seq: seq + 1,
                previous_hash: hash.clone(),
            });
        }
    }
    // An archive the seed rotated: its last entry holds the hash to chain to.
    let path = store.layout.archive_dir().join(&last.name);
    let (count, meta) = scan_segment(&path).map_err(StoreError::io("read", &path))?;
    let hash = meta
        .and_then(|m| m.hash)
        .unwrap_or_else(|| chain::GENESIS.to_owned());
    Ok(Position {
        next_seq: base_seq(store, manifest)?.max(count),
        previous_hash: hash,
    })
}

/// The first seq after all archives, for numbering after seed-written segments.
fn base_seq(store: &Store, manifest: &Manifest) -> Result<u64, StoreError> {
    let mut base = 0;
    for a in manifest.archives() {
        match a.rotate.as_ref().and_then(|r| r.last_seq) {
            Some(s) => base = s + 1,
            None => {
                let path = store.layout.archive_dir().join(&a.name);
                if let Ok((count, _)) = scan_segment(&path) {
                    base += count;
                }
            }
        }
    }
    Ok(base)
}

pub(crate) fn parse_meta(line: &[u8]) -> Result<EntryMeta, String> {
    serde_json::from_slice::<EntryMeta>(line).map_err(|e| e.to_string())
}

fn count_lines(path: &std::path::Path) -> std::io::Result<u64> {
    let mut r = segment::LineReader::open(path)?;
    let mut n = 0;
    while let Some(l) = r.next_line()? {
        if l.terminated && !l.bytes.is_empty() {
            n += 1;
        }
    }
    Ok(n)
}

/// Entry count and last entry's fields of a segment (plain or gzipped).
pub(crate) fn scan_segment(path: &std::path::Path) -> std::io::Result<(u64, Option<EntryMeta>)> {
    let mut r = segment::LineReader::open(path)?;
    let mut n = 0;
    let mut last = None;
    while let Some(l) = r.next_line()? {
        if l.bytes.is_empty() {
            continue;
        }
        n += 1;
        last = parse_meta(l.bytes).ok();
    }
    Ok((n, last))
}

/// A canonical rendering helper for tests and tools: the line an object is written as.
pub fn render(obj: &serde_json::Map<String, Value>) -> String {
    let mut out = Vec::new();
    canonical::write_object_except(&mut out, obj, &[]);
    String::from_utf8(out).expect("canonical JSON is ASCII")
}
