//! The one append path. Every entry, from `hipaa-audit log` or from the collector, is chained
//! and written here, under the store lock, with the chain's tail re-read from disk under that
//! lock, so concurrent writers (several `log` processes, a running collector, `rotate` from
//! cron) never interleave or fork the chain.
//!
//! A batch is written as it is chained, in whole blocks straight to the disk where the file
//! system allows it ([`super::direct`]), then fsynced per [`FsyncPolicy`]. If a write fails the file
//! is cut back to its length before the batch and the appender is poisoned: it refuses
//! further appends, so the process exits and recovery runs at the next start (a failed fsync
//! leaves the page cache in an unknown state).

use std::fs::File;
use std::os::unix::fs::MetadataExt;

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
    /// Writes the batches to `file`, directly to the disk where it can.
    blocks: BlockWriter,
    head: File,
    manifest: manifest::Cached,
    out: Vec<u8>,
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
        let blocks = BlockWriter::open(&path, store.direct_io);
        Ok(Appender {
            store: store.clone(),
            file,
            ino,
            blocks,
            head,
            manifest: manifest::Cached::default(),
            out: Vec::with_capacity(CHUNK + 64 * 1024),
            poisoned: false,
        })
    }

    /// Chains and appends `entries` as one write. Returns `None` for an empty batch.
    pub fn append(&mut self, entries: Vec<NewEntry>) -> Result<Option<Appended>, StoreError> {
        self.append_prepared(entries.into_iter().map(NewEntry::prepare).collect())
    }

    /// The one append path: entries already serialized ([`NewEntry::prepare`], done by
    /// the collector on its I/O threads) get their seq and hashes and are written as one
    /// write. Returns `None` for an empty batch.
    pub fn append_prepared(
        &mut self,
        entries: Vec<Prepared>,
    ) -> Result<Option<Appended>, StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let layout = self.store.layout.clone();
        let path = layout.active();
        let _lock = StoreLock::acquire(&layout)?;
        self.reopen_if_replaced()?;
        let pos = position_under_lock(&self.store, &self.file, &mut self.manifest)?;
        let before = self
            .file
            .metadata()
            .map_err(StoreError::io("stat", &path))?
            .len();

        // Handed on in chunks of about CHUNK bytes while the batch is chained: the bytes are
        // still in the CPU cache when they are copied. A failed write truncates the file back
        // to where this batch began, so no part of it stays.
        let fail = |this: &mut Self, e: std::io::Error| {
            this.poisoned = true;
            let _ = this.file.set_len(before);
            StoreError::io("append to", &path)(e)
        };
        if let Err(e) = self.blocks.begin(&self.file, before) {
            return Err(fail(self, e));
        }
        self.out.clear();
        let first_seq = pos.next_seq;
        let mut seq = pos.next_seq;
        let mut prev = pos.previous_hash;
        let count = entries.len();
        for e in &entries {
            let hash = chain::write_prepared(e, seq, &prev, &mut self.out);
            self.out.push(b'\n');
            prev.clear();
            prev.push_str(std::str::from_utf8(&hash).expect("hex digits"));
            seq += 1;
            if self.out.len() >= CHUNK {
                if let Err(e) = self.blocks.write(&mut self.file, &self.out) {
                    return Err(fail(self, e));
                }
                self.out.clear();
            }
        }
        let written = self
            .blocks
            .write(&mut self.file, &self.out)
            .and_then(|()| self.blocks.finish(&mut self.file));
        if let Err(e) = written {
            return Err(fail(self, e));
        }
        if self.store.fsync == FsyncPolicy::Always {
            if let Err(e) = self.file.sync_data() {
                self.poisoned = true;
                return Err(StoreError::io("fsync", &path)(e));
            }
        }
        let last_seq = seq - 1;
        if let Err(e) = head::write(
            &self.head,
            &layout,
            &head::Head {
                seq: last_seq,
                hash: prev.clone(),
            },
        ) {
            tracing::warn!(error = %e.with_causes(), "could not update audit.head; verify can then not detect a truncation of the newest entries");
        }
        Ok(Some(Appended {
            first_seq,
            last_seq,
            last_hash: prev,
            count,
        }))
    }

    /// A rotation truncates the active file in place (same inode), but an operator may have
    /// moved or deleted it: then follow the path.
    fn reopen_if_replaced(&mut self) -> Result<(), StoreError> {
        let path = self.store.layout.active();
        let same = std::fs::metadata(&path)
            .map(|m| m.ino() == self.ino)
            .unwrap_or(false);
        if !same {
            self.file = fsio::open_append(&path)?;
            self.blocks = BlockWriter::open(&path, self.store.direct_io);
            self.ino = self
                .file
                .metadata()
                .map_err(StoreError::io("stat", &path))?
                .ino();
            tracing::warn!(file = %path.display(), "active segment was replaced or removed; reopened it");
        }
        Ok(())
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
