//! Reading the whole trail: every segment in chain order (live archives in manifest order,
//! then archives the manifest does not know, by name, then the active segment), streamed
//! line by line in constant memory. `verify` and `report` build on it.

use std::io;
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::manifest::{ArchiveInfo, Manifest};
use super::segment::LineReader;
use super::Layout;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentKind {
    /// In the manifest (the index into [`Manifest::archives`]).
    Archive(usize),
    /// A `.jsonl.gz` file in `archive/` that the manifest does not name.
    Unrecorded,
    Active,
}

#[derive(Debug, Clone)]
pub struct Segment {
    /// Path relative to the store directory, for messages.
    pub name: String,
    pub path: PathBuf,
    pub kind: SegmentKind,
}

/// The segments to read, in chain order; archives the manifest lists as deleted are left out,
/// and so are archives that are missing (verify reports those from the manifest).
pub fn segments(layout: &Layout, archives: &[ArchiveInfo]) -> Vec<Segment> {
    let mut out = Vec::new();
    for (i, a) in archives.iter().enumerate() {
        let path = layout.archive_dir().join(&a.name);
        if a.deleted.is_none() && path.exists() {
            out.push(Segment {
                name: format!("archive/{}", a.name),
                path,
                kind: SegmentKind::Archive(i),
            });
        }
    }
    let mut unrecorded: Vec<String> = std::fs::read_dir(layout.archive_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.ends_with(".jsonl.gz")
                && !n.starts_with('.')
                && !archives.iter().any(|a| &a.name == n)
        })
        .collect();
    unrecorded.sort();
    for n in unrecorded {
        out.push(Segment {
            path: layout.archive_dir().join(&n),
            name: format!("archive/{n}"),
            kind: SegmentKind::Unrecorded,
        });
    }
    let active = layout.active();
    if active.exists() {
        out.push(Segment {
            name: super::ACTIVE_FILE.into(),
            path: active,
            kind: SegmentKind::Active,
        });
    }
    out
}

/// One entry as read: where it is and what it holds.
pub struct Entry<'a> {
    pub segment: &'a Segment,
    pub line: u64,
    pub object: Map<String, Value>,
}

/// Calls `f` for every entry of the trail in order. Lines that are not JSON objects and torn
/// last lines are passed to `bad` (verify reports them; a report counts them).
pub fn for_each_entry(
    layout: &Layout,
    mut f: impl FnMut(Entry<'_>),
    mut bad: impl FnMut(&Segment, u64, String),
) -> io::Result<()> {
    let manifest = Manifest::load(layout).map_err(io::Error::other)?;
    let archives = manifest.archives();
    for seg in segments(layout, &archives) {
        let mut r = LineReader::open(&seg.path)?;
        while let Some(line) = r.next_line()? {
            if line.bytes.is_empty() {
                continue;
            }
            if !line.terminated {
                bad(
                    &seg,
                    line.number,
                    "torn last line (a crash mid-write); the next writer moves it aside".into(),
                );
                continue;
            }
            match serde_json::from_slice::<Value>(line.bytes) {
                Ok(Value::Object(object)) => f(Entry {
                    segment: &seg,
                    line: line.number,
                    object,
                }),
                Ok(_) => bad(&seg, line.number, "not a JSON object".into()),
                Err(e) => bad(&seg, line.number, e.to_string()),
            }
        }
    }
    Ok(())
}
