//! Test-side readers of a store's files (independent of the crate's reader): the manifest's
//! records, archive contents, and every entry of the trail in chain order.

#![allow(dead_code)]

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::support::{read_lines, TestStore};

/// Parses one JSON object per non-empty line.
pub fn parse_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The lines of a gzipped archive.
pub fn gz_lines(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("open {path:?}: {e}"));
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("gunzip {path:?}: {e}"));
    text.lines().map(str::to_owned).collect()
}

/// The entries of an archive, by file name.
pub fn archive_entries(store: &TestStore, name: &str) -> Vec<Value> {
    parse_lines(&gz_lines(&store.path("archive").join(name)))
}

/// The manifest's records (empty when there is no manifest yet).
pub fn manifest(store: &TestStore) -> Vec<Value> {
    let path = store.path("archive/manifest.jsonl");
    if !path.exists() {
        return Vec::new();
    }
    parse_lines(&read_lines(&path))
}

/// Records of one kind (`rotate` or `delete`).
pub fn records(store: &TestStore, kind: &str) -> Vec<Value> {
    manifest(store)
        .into_iter()
        .filter(|r| r["record"] == kind)
        .collect()
}

/// Names of the archives the manifest recorded, in rotation order.
pub fn rotated_names(store: &TestStore) -> Vec<String> {
    records(store, "rotate")
        .iter()
        .map(|r| r["archive"].as_str().expect("archive name").to_owned())
        .collect()
}

/// The active segment's entries.
pub fn active_entries(store: &TestStore) -> Vec<Value> {
    parse_lines(&store.active_lines())
}

/// Every entry still on disk: archives in rotation order, then the active segment.
pub fn all_entries(store: &TestStore) -> Vec<Value> {
    let mut out = Vec::new();
    for name in rotated_names(store) {
        if store.path("archive").join(&name).exists() {
            out.extend(archive_entries(store, &name));
        }
    }
    out.extend(active_entries(store));
    out
}

/// The `seq` of each entry (panics on an entry without one).
pub fn seqs(entries: &[Value]) -> Vec<u64> {
    entries
        .iter()
        .map(|e| e["seq"].as_u64().unwrap_or_else(|| panic!("no seq: {e}")))
        .collect()
}

/// A string field of a JSON object.
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

/// The verify output's warning lines of one kind.
pub fn warnings<'a>(text: &'a str, kind: &str) -> Vec<&'a str> {
    // `warning KIND FILE ...: message`, or `warning KIND: message` when no file applies.
    let with_file = format!("warning {kind} ");
    let without = format!("warning {kind}:");
    text.lines()
        .filter(|l| l.starts_with(&with_file) || l.starts_with(&without))
        .collect()
}
