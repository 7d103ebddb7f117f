//! `archive/manifest.jsonl`: what happened to the archives, as a hash chain of its own
//! (same formula as entries, starting from [`GENESIS`](super::chain::GENESIS)).
//!
//! - `rotate`: one per archive, written before the archive gets its final name: file name,
//!   SHA-256 of the gzip file, entry count, first and last seq, the first `previous_hash` and
//!   the last `hash` (so the chain across archives can be checked without trusting them), and
//!   the newest entry's timestamp (for retention).
//! - `delete`: an archive removed by retention, written before the file is removed, so an
//!   archive that is gone is either accounted for or reported missing.
//!
//! Lines the blog post's script wrote (`{"timestamp", "archive", "sha256"}`, unchained) are
//! read as legacy rotate records.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{canonical, chain, fsio, segment, Layout, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateRecord {
    pub timestamp: String,
    pub archive: String,
    pub sha256: String,
    pub entries: u64,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub first_previous_hash: Option<String>,
    pub last_hash: Option<String>,
    pub last_timestamp: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteRecord {
    pub timestamp: String,
    pub archive: String,
    pub reason: String,
    pub retention_days: u64,
    pub last_timestamp: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    Rotate(RotateRecord),
    Delete(DeleteRecord),
}

/// The seed's manifest line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LegacyRecord {
    pub timestamp: String,
    pub archive: String,
    pub sha256: String,
}

#[derive(Debug, Clone)]
pub enum Content {
    /// A chained record, with the object as read (for checking its hash).
    Chained {
        obj: Map<String, Value>,
        record: Record,
    },
    Legacy(LegacyRecord),
    /// A whole line that is not a record: damage.
    Unreadable(String),
}

#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number in the manifest.
    pub number: u64,
    pub content: Content,
}

/// An archive as the manifest knows it.
#[derive(Debug, Clone)]
pub struct ArchiveInfo {
    pub name: String,
    /// Manifest line of its rotate record.
    pub line: u64,
    pub sha256: String,
    /// `None` for an archive the seed's script rotated.
    pub rotate: Option<RotateRecord>,
    /// Set when retention removed it: the delete record's line and the record.
    pub deleted: Option<(u64, DeleteRecord)>,
}

#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub lines: Vec<Line>,
    /// Bytes after the last newline (a torn record not yet moved aside).
    pub torn_bytes: u64,
}

impl Manifest {
    /// Reads the manifest; a missing file is an empty manifest.
    pub fn load(layout: &Layout) -> Result<Manifest, StoreError> {
        let path = layout.manifest();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(e) => return Err(StoreError::io("read", &path)(e)),
        };
        let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut lines = Vec::new();
        for (i, raw) in bytes[..whole].split(|&b| b == b'\n').enumerate() {
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            lines.push(Line {
                number: i as u64 + 1,
                content: parse_line(raw),
            });
        }
        Ok(Manifest {
            lines,
            torn_bytes: (bytes.len() - whole) as u64,
        })
    }

    /// Loads the manifest for a writer: first moves a torn last record aside. Lock held.
    pub fn load_for_write(layout: &Layout) -> Result<Manifest, StoreError> {
        let path = layout.manifest();
        if path.exists() {
            let file = fsio::open_append(&path)?;
            let tail = segment::scan_tail(&file).map_err(StoreError::io("read", &path))?;
            segment::recover_torn_tail(layout, &path, &file, &tail)?;
        }
        Manifest::load(layout)
    }

    /// The hash the next record chains to.
    pub fn last_hash(&self) -> String {
        self.lines
            .iter()
            .rev()
            .find_map(|l| match &l.content {
                Content::Chained { obj, .. } => {
                    obj.get("hash").and_then(Value::as_str).map(str::to_owned)
                }
                _ => None,
            })
            .unwrap_or_else(|| chain::GENESIS.to_owned())
    }

    /// Every archive ever rotated, in rotation order, with its deletion if any.
    pub fn archives(&self) -> Vec<ArchiveInfo> {
        let mut out: Vec<ArchiveInfo> = Vec::new();
        for line in &self.lines {
            match &line.content {
                Content::Chained {
                    record: Record::Rotate(r),
                    ..
                } => out.push(ArchiveInfo {
                    name: r.archive.clone(),
                    line: line.number,
                    sha256: r.sha256.clone(),
                    rotate: Some(r.clone()),
                    deleted: None,
                }),
                Content::Legacy(r) => out.push(ArchiveInfo {
                    name: r.archive.clone(),
                    line: line.number,
                    sha256: r.sha256.clone(),
                    rotate: None,
                    deleted: None,
                }),
                Content::Chained {
                    record: Record::Delete(d),
                    ..
                } => {
                    if let Some(a) = out
                        .iter_mut()
                        .rev()
                        .find(|a| a.name == d.archive && a.deleted.is_none())
                    {
                        a.deleted = Some((line.number, d.clone()));
                    }
                }
                Content::Unreadable(_) => {}
            }
        }
        out
    }

    /// The newest archive's record, if the newest archive was written by us.
    pub fn last_archive(&self) -> Option<ArchiveInfo> {
        self.archives().pop()
    }

    pub fn contains_archive(&self, name: &str) -> bool {
        self.archives().iter().any(|a| a.name == name)
    }
}

fn parse_line(raw: &[u8]) -> Content {
    let obj: Map<String, Value> = match serde_json::from_slice(raw) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Content::Unreadable("not a JSON object".into()),
        Err(e) => return Content::Unreadable(e.to_string()),
    };
    if obj.contains_key("record") {
        let mut fields = obj.clone();
        for k in chain::UNHASHED {
            fields.remove(k);
        }
        match serde_json::from_value::<Record>(Value::Object(fields)) {
            Ok(record) => Content::Chained { obj, record },
            Err(e) => Content::Unreadable(e.to_string()),
        }
    } else {
        match serde_json::from_value::<LegacyRecord>(Value::Object(obj)) {
            Ok(r) => Content::Legacy(r),
            Err(e) => Content::Unreadable(e.to_string()),
        }
    }
}

/// The manifest as a writer last read it, reloaded only when the file changed (rotate and
/// cleanup append to it; appends of entries never do), so the collector's writer does not
/// re-read it for every batch.
#[derive(Debug, Default)]
pub struct Cached {
    /// Whether `manifest` was loaded at all (`stamp` is `None` for a missing manifest).
    loaded: bool,
    stamp: Option<Stamp>,
    manifest: Manifest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    ino: u64,
    modified: Option<std::time::SystemTime>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: m.len(),
        ino: m.ino(),
        modified: m.modified().ok(),
    })
}

impl Cached {
    /// True when the manifest on disk is still the one loaded last (one `stat`).
    pub fn is_current(&self, layout: &Layout) -> bool {
        self.loaded && stamp(&layout.manifest()) == self.stamp
    }

    /// The current manifest (torn tail moved aside first). Lock held.
    pub fn get(&mut self, layout: &Layout) -> Result<&Manifest, StoreError> {
        let now = stamp(&layout.manifest());
        if now.is_none() || now != self.stamp {
            self.manifest = Manifest::load_for_write(layout)?;
            self.stamp = stamp(&layout.manifest());
            self.loaded = true;
        }
        Ok(&self.manifest)
    }
}

/// Appends a chained record and fsyncs it. Lock held; `manifest` freshly loaded under it.
pub fn append(layout: &Layout, manifest: &Manifest, record: &Record) -> Result<(), StoreError> {
    let mut obj = match serde_json::to_value(record).expect("records serialize") {
        Value::Object(o) => o,
        _ => unreachable!("records are objects"),
    };
    let mut scratch = Vec::new();
    chain::seal(&mut obj, &manifest.last_hash(), &mut scratch);
    let mut line = Vec::with_capacity(512);
    canonical::write_object_except(&mut line, &obj, &[]);
    line.push(b'\n');
    let path = layout.manifest();
    fsio::create_dir_all(&layout.archive_dir())?;
    let created = !path.exists();
    let mut file = fsio::open_append(&path)?;
    write_whole(&mut file, &path, &line)?;
    fsio::sync(&file, &path)?;
    if created {
        fsio::sync_dir(&layout.archive_dir())?;
    }
    Ok(())
}

/// Writes `bytes` at the end in one call; on failure cuts the file back so no half line stays.
pub fn write_whole(file: &mut std::fs::File, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let before = file.metadata().map_err(StoreError::io("stat", path))?.len();
    if let Err(e) = file.write_all(bytes) {
        let _ = file.set_len(before);
        return Err(StoreError::io("append to", path)(e));
    }
    Ok(())
}
