//! `tests/fixtures/store_v1/`: a store written once by hipaa-audit 0.1.0 and committed. Every
//! build must verify it, read it and report on it with the same figures, and continue it.
//! Never regenerate the fixture (tests/fixtures/README.md).

use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{describe, python3, seed_script, TestStore};
use crate::trail::{all_entries, gz_lines, s, seqs};

const ARCHIVE_1: &str = "audit_20261203_172122.jsonl.gz";
const ARCHIVE_2: &str = "audit_20261203_172122_2.jsonl.gz";
const LAST_HASH: &str = "ff952b53d488f6b2e948b3c0dfdf1ee0ece5e5ad65d3e78857e38ddedfbc7ba8";

/// SHA-256 of every fixture file as committed: a change means the fixture was edited,
/// regenerated, or rewritten by git.
const FILES: [(&str, &str); 5] = [
    (
        "audit.jsonl",
        "2eda67a92840ffa31f8f419d8c5720fd306df8ee977e033df3546f652656e944",
    ),
    (
        "audit.head",
        "ed8eb39d0a63caf2ce5162b09c74c1c318d01da4be20d8088b0ee612dccc4fd9",
    ),
    (
        "archive/manifest.jsonl",
        "f15c2a645f97ac0e00505afae536de678666322411a551b0a64b9c9d62d6071a",
    ),
    (
        "archive/audit_20261203_172122.jsonl.gz",
        "dd3d128f44bb871c4c42fe168f454e45036d3229939cf047dd9af556d7422c1a",
    ),
    (
        "archive/audit_20261203_172122_2.jsonl.gz",
        "2e910025919d8dc33e1da5fe27f253d9de5d1e5917f1f4164c10a527a752bd8e",
    ),
];

fn fixture_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store_v1")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A temporary copy of the fixture, so no test can change the committed files.
fn fixture_copy() -> TestStore {
    let store = TestStore::empty();
    copy_dir(&fixture_dir(), &store.dir());
    store
}

#[test]
fn fixture_files_are_byte_exact() {
    let dir = fixture_dir();
    for (rel, want) in FILES {
        let bytes = std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let got = hex::encode(Sha256::digest(&bytes));
        assert_eq!(
            got, want,
            "tests/fixtures/store_v1/{rel} changed: the fixture must never be edited or regenerated"
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.join("archive"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec![ARCHIVE_1, ARCHIVE_2, "manifest.jsonl"]);
}

#[test]
fn fixture_store_v1_verifies() {
    let store = fixture_copy();
    let text = store.assert_pass();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        vec![
            "PASS",
            "checked 20 entries (seq 0..19) in 3 segments and 2 manifest records"
        ],
        "{text}"
    );

    let out = store.run(&["verify", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "PASS");
    assert_eq!(v["entries_checked"], 20);
    assert_eq!(v["segments_checked"], 3);
    assert_eq!(v["manifest_records"], 2);
    assert_eq!(
        (v["first_seq"].as_u64(), v["last_seq"].as_u64()),
        (Some(0), Some(19))
    );
    assert_eq!(v["last_hash"], LAST_HASH);
    assert_eq!(v["findings"], json!([]));
    assert_eq!(v["warnings"], json!([]));
}

#[test]
fn fixture_store_v1_holds_20_entries_seq_0_to_19() {
    let store = fixture_copy();
    let entries = all_entries(&store);
    assert_eq!(entries.len(), 20);
    assert_eq!(seqs(&entries), (0..20).collect::<Vec<u64>>());
    assert_eq!(gz_lines(&store.path("archive").join(ARCHIVE_1)).len(), 12);
    assert_eq!(gz_lines(&store.path("archive").join(ARCHIVE_2)).len(), 5);
    assert_eq!(store.active_lines().len(), 3);
    assert_eq!(s(&entries[19], "hash"), LAST_HASH);

    let e = &entries[14];
    assert_eq!(s(e, "user_id"), "drmüller");
    assert_eq!(s(e, "action"), "Befund geprüft — Ärztin 🩺");
    assert_eq!(e["details"], json!({"note": "café ☕ résumé"}));
}

#[test]
fn fixture_store_v1_report_counts() {
    let store = fixture_copy();
    let out = store.ok(&["report"]);
    let r: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(r["total_entries"], 20);
    assert_eq!(
        r["by_type"],
        json!({"access": 14, "admin": 2, "security": 2, "system": 2})
    );
    assert_eq!(
        r["by_user"],
        json!({"admin1": 3, "backup": 1, "collector": 1, "drjones": 4, "drmüller": 1,
               "mallory": 6, "nurse_kim": 4})
    );
    assert_eq!(
        r["by_outcome"],
        json!({"failure": 7, "success": 12, "unknown": 1})
    );
    let failed: Vec<&str> = r["failed_access"]
        .as_array()
        .expect("failed_access")
        .iter()
        .map(|f| s(f, "user"))
        .collect();
    assert_eq!(
        failed,
        vec![
            "mallory",
            "mallory",
            "mallory",
            "mallory",
            "mallory",
            "nurse_kim"
        ]
    );
    assert_eq!(
        r["anomalies"],
        json!([{"type": "excessive_failed_access", "user": "mallory", "count": 5,
                "severity": "HIGH"}])
    );
    assert_eq!(r["after_hours"], json!([]));
    assert_eq!(r["unreadable_lines"], 0);
}

#[test]
fn fixture_store_v1_whole_trail_passes_the_seed_verify_chain() {
    // Archives and active segment, concatenated in order, are one chain from the genesis
    // hash, which the blog post's verify_chain accepts.
    let store = fixture_copy();
    let mut lines = gz_lines(&store.path("archive").join(ARCHIVE_1));
    lines.extend(gz_lines(&store.path("archive").join(ARCHIVE_2)));
    lines.extend(store.active_lines());
    let plain = store.tmp.path().join("whole_trail.jsonl");
    std::fs::write(&plain, lines.join("\n") + "\n").unwrap();
    let out = python3()
        .arg(seed_script())
        .arg("verify")
        .arg(&plain)
        .output()
        .expect("run seed_audit.py");
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["valid"].as_bool(), v["entries_checked"].as_u64()),
        (Some(true), Some(20))
    );
}

#[test]
fn fixture_store_v1_can_be_continued() {
    let store = fixture_copy();
    let out = store.ok(&[
        "log",
        "access",
        "--user",
        "drjones",
        "--action",
        "viewed chart",
    ]);
    assert!(out.starts_with("logged seq 20 "), "{out}");
    let entries = all_entries(&store);
    assert_eq!(s(&entries[20], "previous_hash"), LAST_HASH);
    let out = store.ok(&["rotate"]);
    assert!(out.contains("4 entries, seq 17..20"), "{out}");
    store.log_n(1);
    let text = store.assert_pass();
    assert!(
        text.contains("checked 22 entries (seq 0..21) in 4 segments and 3 manifest records"),
        "{text}"
    );
}
