//! Crash recovery: a torn last line is a warning, then moved to quarantine/ by the next
//! writer; every state an interrupted rotation can leave is completed by the next append
//! (or rotate) and verifies.

use std::io::Write;
use std::path::PathBuf;

use crate::support::{read_lines, TestStore};
use crate::trail::{active_entries, archive_entries, records, s, seqs, warnings};

fn quarantine_files(store: &TestStore) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(store.path("quarantine"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn append_bytes(store: &TestStore, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(store.path("audit.jsonl"))
        .expect("open active");
    f.write_all(bytes).expect("append");
}

#[test]
fn torn_tail_is_a_warning_and_the_next_log_quarantines_it() {
    let store = TestStore::new();
    store.log_n(3);
    let first = store.active_lines().remove(0);
    let torn = first.as_bytes()[..40].to_vec();
    append_bytes(&store, &torn);

    let (code, text) = store.verify();
    assert_eq!(code, 0, "a torn tail is not damage:\n{text}");
    assert!(text.starts_with("PASS\n"), "{text}");
    let torn_warnings = warnings(&text, "torn_tail");
    assert_eq!(torn_warnings.len(), 1, "{text}");
    assert!(
        torn_warnings[0].starts_with("warning torn_tail audit.jsonl line 4"),
        "{text}"
    );
    assert!(torn_warnings[0].contains("40 bytes"), "{text}");
    assert!(quarantine_files(&store).is_empty());

    let out = store.ok(&[
        "log",
        "access",
        "--user",
        "u",
        "--action",
        "after the crash",
    ]);
    assert!(out.starts_with("logged seq 3 "), "{out}");

    let q = quarantine_files(&store);
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(
        std::fs::read(&q[0]).unwrap(),
        torn,
        "quarantine holds the torn bytes"
    );
    let lines = store.active_lines();
    assert_eq!(lines.len(), 4);
    assert!(std::fs::read(store.path("audit.jsonl"))
        .unwrap()
        .ends_with(b"}\n"));
    let entries = active_entries(&store);
    assert_eq!(seqs(&entries), vec![0, 1, 2, 3]);
    assert_eq!(s(&entries[3], "previous_hash"), s(&entries[2], "hash"));

    let text = store.assert_pass();
    assert!(warnings(&text, "torn_tail").is_empty(), "{text}");
    let q_warnings = warnings(&text, "quarantined");
    assert_eq!(q_warnings.len(), 1, "{text}");
    let qname = q[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        q_warnings[0].contains(&format!("quarantine/{qname}"))
            && q_warnings[0].contains("40 bytes"),
        "{text}"
    );
}

#[test]
fn torn_tail_without_any_newline_is_quarantined_and_chain_starts_at_genesis() {
    let store = TestStore::new();
    append_bytes(&store, b"{\"action\": \"half an ent");
    let (code, text) = store.verify();
    assert_eq!(code, 0, "{text}");
    assert_eq!(warnings(&text, "torn_tail").len(), 1, "{text}");
    store.log_n(1);
    let entries = active_entries(&store);
    assert_eq!(seqs(&entries), vec![0]);
    assert_eq!(s(&entries[0], "previous_hash"), "0".repeat(64));
    assert_eq!(quarantine_files(&store).len(), 1);
    store.assert_pass();
}

/// Logs 3 entries and rotates, keeping a copy of the active segment as it was before the
/// rotation; returns (that copy, the archive's name).
fn rotate_keeping_active(store: &TestStore) -> (Vec<u8>, String) {
    store.log_n(3);
    let before = std::fs::read(store.path("audit.jsonl")).unwrap();
    let out = store.ok(&["rotate"]);
    assert!(out.starts_with("Rotated: "), "{out}");
    let names = store.archives();
    assert_eq!(names.len(), 1);
    (before, names[0].clone())
}

/// After recovery and one more `log`: the archive holds seq 0..2, the active segment only the
/// new entry, seq 3, chained to the archive's last hash; verify passes.
fn assert_completed(store: &TestStore, name: &str) {
    let out = store.ok(&[
        "log",
        "access",
        "--user",
        "u",
        "--action",
        "after the crash",
    ]);
    assert!(out.starts_with("logged seq 3 "), "{out}");
    let archived = archive_entries(store, name);
    assert_eq!(seqs(&archived), vec![0, 1, 2]);
    let active = active_entries(store);
    assert_eq!(seqs(&active), vec![3], "active holds only the new entry");
    assert_eq!(s(&active[0], "previous_hash"), s(&archived[2], "hash"));
    assert_eq!(store.archives(), vec![name.to_owned()]);
    let text = store.assert_pass();
    assert!(text.contains("checked 4 entries (seq 0..3)"), "{text}");
    assert!(warnings(&text, "temporary_archive").is_empty(), "{text}");
}

#[test]
fn crash_after_rename_before_truncate_is_completed_by_the_next_log() {
    let store = TestStore::new();
    let (before, name) = rotate_keeping_active(&store);
    // Step 4 never happened: the active segment still holds the archived entries.
    std::fs::write(store.path("audit.jsonl"), &before).unwrap();
    assert_eq!(store.active_lines().len(), 3);
    // Until a writer completes it, verify explains it and passes: the archive is the trail.
    let text = store.assert_pass();
    let w = warnings(&text, "rotation_incomplete");
    assert_eq!(w.len(), 1, "{text}");
    assert!(w[0].contains(&name), "{text}");
    assert!(text.contains("checked 3 entries (seq 0..2)"), "{text}");
    assert_completed(&store, &name);
}

#[test]
fn active_copy_of_the_archive_that_differs_is_not_excused() {
    let store = TestStore::new();
    let (before, _) = rotate_keeping_active(&store);
    // The same entries, one of them edited: not what an interrupted rotation leaves.
    let edited =
        String::from_utf8(before)
            .unwrap()
            .replacen("\"user_id\": \"u", "\"user_id\": \"x", 1);
    std::fs::write(store.path("audit.jsonl"), edited).unwrap();
    let lines = store.assert_fail();
    assert!(
        lines.iter().all(|l| !l.contains("rotation_incomplete")),
        "{lines:#?}"
    );
}

#[test]
fn crash_after_manifest_record_before_rename_is_completed_by_the_next_log() {
    let store = TestStore::new();
    let (before, name) = rotate_keeping_active(&store);
    // Steps 3 and 4 never happened: the archive still has its temporary name.
    let archive = store.path("archive").join(&name);
    let tmp = store.path("archive").join(format!(".tmp-{name}"));
    std::fs::rename(&archive, &tmp).unwrap();
    std::fs::write(store.path("audit.jsonl"), &before).unwrap();

    // Until a writer completes it, verify explains it.
    let lines = store.assert_fail();
    assert!(
        lines.iter().any(
            |l| l.starts_with(&format!("archive_missing archive/{name}"))
                && l.contains("interrupted rotation")
        ),
        "{lines:?}"
    );

    assert_completed(&store, &name);
    assert!(!tmp.exists());
}

#[test]
fn crash_before_manifest_record_leaves_a_temporary_archive_that_rotate_removes() {
    let store = TestStore::new();
    let (before, name) = rotate_keeping_active(&store);
    // Only step 1 happened: a temporary archive, no record, the active segment untouched.
    let archive = store.path("archive").join(&name);
    let tmp = store.path("archive").join(format!(".tmp-{name}"));
    std::fs::rename(&archive, &tmp).unwrap();
    std::fs::write(store.path("audit.jsonl"), &before).unwrap();
    std::fs::write(store.path("archive/manifest.jsonl"), b"").unwrap();

    let text = store.assert_pass();
    assert_eq!(warnings(&text, "temporary_archive").len(), 1, "{text}");
    assert!(text.contains("checked 3 entries (seq 0..2)"), "{text}");

    // The next append continues the active segment as if nothing happened.
    let out = store.ok(&[
        "log",
        "access",
        "--user",
        "u",
        "--action",
        "after the crash",
    ]);
    assert!(out.starts_with("logged seq 3 "), "{out}");
    assert_eq!(seqs(&active_entries(&store)), vec![0, 1, 2, 3]);
    store.assert_pass();

    // The next rotation removes the leftover and archives all four.
    let out = store.ok(&["rotate"]);
    assert!(out.starts_with("Rotated: "), "{out}");
    assert!(!tmp.exists(), "stale temporary archive left in place");
    let names = store.archives();
    assert_eq!(names.len(), 1);
    assert_eq!(seqs(&archive_entries(&store, &names[0])), vec![0, 1, 2, 3]);
    assert_eq!(records(&store, "rotate").len(), 1);
    assert!(store.active_lines().is_empty());
    let text = store.assert_pass();
    assert!(warnings(&text, "temporary_archive").is_empty(), "{text}");
}

#[test]
fn interrupted_rotation_is_also_completed_by_the_next_rotate() {
    let store = TestStore::new();
    let (before, name) = rotate_keeping_active(&store);
    std::fs::write(store.path("audit.jsonl"), &before).unwrap();
    // Nothing new to archive once the leftover is cleared.
    let out = store.ok(&["rotate"]);
    assert!(out.starts_with("nothing to rotate"), "{out}");
    assert!(store.active_lines().is_empty());
    assert_eq!(store.archives(), vec![name.clone()]);
    assert_eq!(read_lines(&store.path("archive/manifest.jsonl")).len(), 1);
    store.assert_pass();
    assert_completed(&store, &name);
}
