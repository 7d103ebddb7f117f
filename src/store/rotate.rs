//! Rotation: the active segment becomes `archive/audit_<UTC time>.jsonl.gz`, recorded in the
//! manifest, and a fresh active segment continues the same chain (seq and hash go on).
//!
//! Order of steps, each durable before the next, and what a crash after each leaves:
//!
//! ```text
//! 1. gzip active -> archive/.tmp-<name>, fsync   crash: stale tmp, removed by the next rotate
//! 2. append `rotate` record to manifest, fsync   crash: record names a missing archive;
//!                                                recover() renames the tmp (checked by SHA-256)
//! 3. rename tmp -> <name>, fsync dir             crash: active duplicates the archive;
//!                                                recover() truncates active (last hash matches)
//! 4. truncate active to 0, fsync                 done
//! ```
//!
//! A final archive name is never reused: the name is checked against the manifest and the
//! directory, and the rename only happens under the lock.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use chrono::Utc;
use flate2::write::GzEncoder;
use flate2::Compression;
use sha2::{Digest, Sha256};

use super::entry::format_timestamp;
use super::manifest::{self, Manifest, Record, RotateRecord};
use super::segment::{LineReader, Tail};
use super::writer::{parse_meta, scan_segment};
use super::{fsio, lock::StoreLock, Layout, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotated {
    /// The active segment held no entries.
    Nothing,
    Archived(RotateRecord),
}

const TMP_PREFIX: &str = ".tmp-";

/// Rotates the active segment. Takes the store lock.
pub fn rotate(store: &Store) -> Result<Rotated, StoreError> {
    store.ensure_exists()?;
    let layout = &store.layout;
    let _lock = StoreLock::acquire(layout)?;
    let path = layout.active();
    let active = fsio::open_append(&path)?;
    // Bring the store to a clean state first (torn tail, interrupted rotation).
    super::writer::position_under_lock(store, &active, &mut manifest::Cached::default())?;
    let manifest = Manifest::load(layout)?;
    remove_stale_tmp(layout, &manifest)?;
    if active
        .metadata()
        .map_err(StoreError::io("stat", &path))?
        .len()
        == 0
    {
        return Ok(Rotated::Nothing);
    }

    // 1. Compress to a temporary name, hashing the gzip bytes as they are written.
    let name = unique_name(layout, &manifest);
    let archive_dir = layout.archive_dir();
    fsio::create_dir_all(&archive_dir)?;
    let tmp_path = archive_dir.join(format!("{TMP_PREFIX}{name}"));
    let tmp = fsio::create_new(&tmp_path)?;
    let mut gz = GzEncoder::new(
        HashingWriter {
            inner: tmp,
            hasher: Sha256::new(),
        },
        Compression::default(),
    );
    let mut reader = LineReader::open(&path).map_err(StoreError::io("read", &path))?;
    let mut stats = SegmentStats::default();
    while let Some(line) = reader.next_line().map_err(StoreError::io("read", &path))? {
        if !line.bytes.is_empty() {
            stats.add(line.bytes);
        }
        gz.write_all(line.bytes)
            .and_then(|_| gz.write_all(b"\n"))
            .map_err(StoreError::io("write", &tmp_path))?;
    }
    let hw = gz.finish().map_err(StoreError::io("write", &tmp_path))?;
    fsio::sync(&hw.inner, &tmp_path)?;
    let sha256 = hex::encode(hw.hasher.finalize());

    // 2. Record it.
    let record = RotateRecord {
        timestamp: format_timestamp(&Utc::now()),
        archive: name.clone(),
        sha256,
        entries: stats.entries,
        first_seq: stats.first_seq,
        last_seq: stats.last_seq,
        first_previous_hash: stats.first_previous_hash,
        last_hash: stats.last_hash,
        last_timestamp: stats.last_timestamp,
    };
    manifest::append(layout, &manifest, &Record::Rotate(record.clone()))?;

    // 3. Give it its name. 4. Start afresh.
    finish(layout, &name, &active)?;
    tracing::info!(archive = %name, entries = record.entries, "rotated the active segment");
    Ok(Rotated::Archived(record))
}

/// Steps 3 and 4.
fn finish(layout: &Layout, name: &str, active: &File) -> Result<(), StoreError> {
    let archive_dir = layout.archive_dir();
    let tmp_path = archive_dir.join(format!("{TMP_PREFIX}{name}"));
    let final_path = archive_dir.join(name);
    std::fs::rename(&tmp_path, &final_path).map_err(StoreError::io("rename", &tmp_path))?;
    fsio::sync_dir(&archive_dir)?;
    let active_path = layout.active();
    active
        .set_len(0)
        .map_err(StoreError::io("truncate", &active_path))?;
    fsio::sync(active, &active_path)
}

/// Completes a rotation a crash interrupted (see the module doc). Lock held. Returns true
/// when it changed the active segment.
pub fn recover(
    layout: &Layout,
    manifest: &Manifest,
    active: &File,
    tail: &Tail,
) -> Result<bool, StoreError> {
    let Some(last) = manifest.last_archive() else {
        return Ok(false);
    };
    let Some(r) = last.rotate.as_ref() else {
        return Ok(false);
    };
    if last.deleted.is_some() {
        return Ok(false);
    }
    let archive_dir = layout.archive_dir();
    let final_path = archive_dir.join(&r.archive);
    let tmp_path = archive_dir.join(format!("{TMP_PREFIX}{}", r.archive));
    if !final_path.exists() {
        if !tmp_path.exists()
            || sha256_file(&tmp_path).map_err(StoreError::io("read", &tmp_path))? != r.sha256
        {
            // Not ours to repair: verify reports the archive missing.
            return Ok(false);
        }
        tracing::warn!(archive = %r.archive, "completing an interrupted rotation");
        std::fs::rename(&tmp_path, &final_path).map_err(StoreError::io("rename", &tmp_path))?;
        fsio::sync_dir(&archive_dir)?;
    }
    let Some(line) = &tail.last_line else {
        return Ok(false);
    };
    let meta = parse_meta(line).unwrap_or_default();
    if meta.hash.is_some() && meta.hash == r.last_hash && meta.seq == r.last_seq {
        tracing::warn!(archive = %r.archive, "active segment still held the archived entries; truncating it");
        let path = layout.active();
        active
            .set_len(0)
            .map_err(StoreError::io("truncate", &path))?;
        fsio::sync(active, &path)?;
        return Ok(true);
    }
    Ok(false)
}

/// Removes temporary archives left by a crash before their manifest record was written: their
/// entries are still in the active segment.
fn remove_stale_tmp(layout: &Layout, manifest: &Manifest) -> Result<(), StoreError> {
    let dir = layout.archive_dir();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(base) = name.strip_prefix(TMP_PREFIX) {
            if !manifest.contains_archive(base) {
                tracing::warn!(file = %name, "removing an incomplete archive left by an interrupted rotation");
                std::fs::remove_file(e.path()).map_err(StoreError::io("remove", e.path()))?;
            }
        }
    }
    Ok(())
}

/// `audit_YYYYmmdd_HHMMSS.jsonl.gz` (the seed's form), with `_2`, `_3`, ... when several
/// rotations fall in one second. Never a name the manifest or the directory already has.
fn unique_name(layout: &Layout, manifest: &Manifest) -> String {
    let stamp = Utc::now().format("%Y%m%d_%H%M%S").to_string();
    let taken = |n: &str| {
        manifest.contains_archive(n)
            || layout.archive_dir().join(n).exists()
            || layout
                .archive_dir()
                .join(format!("{TMP_PREFIX}{n}"))
                .exists()
    };
    let mut name = format!("audit_{stamp}.jsonl.gz");
    let mut i = 2;
    while taken(&name) {
        name = format!("audit_{stamp}_{i}.jsonl.gz");
        i += 1;
    }
    name
}

pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

#[derive(Default)]
struct SegmentStats {
    entries: u64,
    first_seq: Option<u64>,
    last_seq: Option<u64>,
    first_previous_hash: Option<String>,
    last_hash: Option<String>,
    last_timestamp: Option<String>,
}

impl SegmentStats {
    fn add(&mut self, line: &[u8]) {
        let meta = parse_meta(line).unwrap_or_default();
        if self.entries == 0 {
            self.first_seq = meta.seq;
            self.first_previous_hash = meta.previous_hash;
        }
        self.entries += 1;
        self.last_seq = meta.seq;
        self.last_hash = meta.hash;
        if meta.timestamp.is_some() {
            self.last_timestamp = meta.timestamp;
        }
    }
}

struct HashingWriter {
    inner: File,
    hasher: Sha256,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Newest entry timestamp of an archive (for archives the seed rotated, whose manifest line
/// does not say).
pub fn archive_last_timestamp(path: &Path) -> io::Result<Option<String>> {
    Ok(scan_segment(path)?.1.and_then(|m| m.timestamp))
}
