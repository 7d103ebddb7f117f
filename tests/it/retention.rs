//! Rotation and retention through the CLI: the chain and seq continue across archives, also
//! across archives that retention deleted; archive names are never reused; deletions are
//! recorded and explained.

use std::collections::BTreeSet;

use crate::support::TestStore;
use crate::trail::{
    active_entries, archive_entries, manifest, records, rotated_names, s, seqs, warnings,
};

/// Logs `n`, rotates, and returns the new archive's name.
fn log_and_rotate(store: &TestStore, n: usize) -> String {
    store.log_n(n);
    let before: BTreeSet<String> = store.archives().into_iter().collect();
    let out = store.ok(&["rotate"]);
    assert!(out.starts_with("Rotated: "), "{out}");
    let new: Vec<String> = store
        .archives()
        .into_iter()
        .filter(|a| !before.contains(a))
        .collect();
    assert_eq!(new.len(), 1, "{out}");
    assert!(out.contains(&new[0]), "{out}");
    new[0].clone()
}

#[test]
fn cleanup_with_zero_days_deletes_both_archives_and_records_it() {
    let store = TestStore::new();
    let a1 = log_and_rotate(&store, 3);
    let a2 = log_and_rotate(&store, 2);
    let rotated = records(&store, "rotate");
    let last_hash = s(&rotated[1], "last_hash").to_owned();

    let out = store.ok(&["cleanup", "--retention-days", "0"]);
    for a in [&a1, &a2] {
        assert!(out.contains(&format!("deleted archive/{a}")), "{out}");
    }
    assert!(out.contains("2 archives deleted"), "{out}");
    assert!(store.archives().is_empty(), "{:?}", store.archives());

    let m = manifest(&store);
    assert_eq!(m.len(), 4, "{m:?}");
    let deleted = records(&store, "delete");
    assert_eq!(
        deleted.iter().map(|d| s(d, "archive")).collect::<Vec<_>>(),
        vec![a1.as_str(), a2.as_str()]
    );
    for d in &deleted {
        assert_eq!(d["retention_days"], 0);
        assert_eq!(s(d, "reason"), "retention");
    }

    // Appends continue the chain over the deleted archives.
    store.log_n(2);
    let active = active_entries(&store);
    assert_eq!(seqs(&active), vec![5, 6]);
    assert_eq!(s(&active[0], "previous_hash"), last_hash);
    let text = store.assert_pass();
    let w = warnings(&text, "deleted_by_retention");
    assert_eq!(w.len(), 2, "{text}");
    assert!(w[0].contains(&format!("archive/{a1}")) && w[1].contains(&format!("archive/{a2}")));
    assert!(text.contains("checked 2 entries (seq 5..6)"), "{text}");

    // A second cleanup finds nothing more to do.
    let out = store.ok(&["cleanup", "--retention-days", "0"]);
    assert!(out.contains("0 archives deleted"), "{out}");
    assert_eq!(manifest(&store).len(), 4);
}

/// Right after cleanup deleted every archive, the active segment is empty: the newest entry
/// ever written (audit.head) is in a deleted archive, which the manifest accounts for.
#[test]
fn verify_passes_right_after_cleanup_deleted_the_archive_holding_the_newest_entry() {
    let store = TestStore::new();
    let a1 = log_and_rotate(&store, 3);
    let a2 = log_and_rotate(&store, 2);
    let out = store.ok(&["cleanup", "--retention-days", "0"]);
    assert!(out.contains("2 archives deleted"), "{out}");
    assert!(store.active_lines().is_empty());
    let text = store.assert_pass();
    let w = warnings(&text, "deleted_by_retention");
    assert_eq!(w.len(), 2, "{text}");
    assert!(w[0].contains(&format!("archive/{a1}")) && w[1].contains(&format!("archive/{a2}")));
}

#[test]
fn cleanup_dry_run_deletes_nothing() {
    let store = TestStore::new();
    let a1 = log_and_rotate(&store, 2);
    let a2 = log_and_rotate(&store, 2);
    let manifest_before = std::fs::read(store.path("archive/manifest.jsonl")).unwrap();

    let out = store.ok(&["cleanup", "--retention-days", "0", "--dry-run"]);
    for a in [&a1, &a2] {
        assert!(out.contains(&format!("would delete archive/{a}")), "{out}");
    }
    assert!(out.contains("dry run, nothing changed"), "{out}");
    assert_eq!(store.archives(), vec![a1, a2]);
    assert_eq!(
        std::fs::read(store.path("archive/manifest.jsonl")).unwrap(),
        manifest_before
    );
    let text = store.assert_pass();
    assert!(warnings(&text, "deleted_by_retention").is_empty(), "{text}");
}

#[test]
fn cleanup_with_default_retention_keeps_fresh_archives() {
    let store = TestStore::new();
    let a1 = log_and_rotate(&store, 2);
    let a2 = log_and_rotate(&store, 1);
    let out = store.ok(&["cleanup"]);
    assert!(out.contains("0 archives deleted, 2 kept"), "{out}");
    assert!(out.contains("retention 2190 days"), "{out}");
    assert_eq!(store.archives(), vec![a1, a2]);
    assert!(records(&store, "delete").is_empty());
    store.assert_pass();
}

#[test]
fn rotation_then_appends_continue_seq_and_chain() {
    let store = TestStore::new();
    let name = log_and_rotate(&store, 3);
    assert!(store.active_lines().is_empty());
    let archived = archive_entries(&store, &name);
    assert_eq!(seqs(&archived), vec![0, 1, 2]);

    let r = &records(&store, "rotate")[0];
    assert_eq!(r["entries"], 3);
    assert_eq!(
        (r["first_seq"].as_u64(), r["last_seq"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(s(r, "last_hash"), s(&archived[2], "hash"));
    assert_eq!(s(r, "first_previous_hash"), "0".repeat(64));

    store.log_n(2);
    let active = active_entries(&store);
    assert_eq!(seqs(&active), vec![3, 4]);
    assert_eq!(s(&active[0], "previous_hash"), s(&archived[2], "hash"));
    let text = store.assert_pass();
    assert!(
        text.contains("checked 5 entries (seq 0..4) in 2 segments"),
        "{text}"
    );
}

#[test]
fn several_rotations_within_one_second_get_distinct_names() {
    let store = TestStore::new();
    // Rotate until two archives share a second (a `_2` name), at most 60 times.
    let mut names = Vec::new();
    let mut contents = Vec::new();
    for _ in 0..60 {
        let name = log_and_rotate(&store, 1);
        names.push(name);
        if names.iter().any(|n| n.ends_with("_2.jsonl.gz")) && names.len() >= 3 {
            break;
        }
    }
    assert!(
        names.iter().any(|n| n.ends_with("_2.jsonl.gz")),
        "no two rotations fell within one second: {names:?}"
    );
    for n in &names {
        let stem = n.trim_end_matches(".jsonl.gz");
        let parts: Vec<&str> = stem.split('_').collect();
        assert!(
            matches!(parts.len(), 3 | 4) && parts[0] == "audit",
            "unexpected archive name {n}"
        );
        contents.push(seqs(&archive_entries(&store, n)));
    }
    let distinct: BTreeSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), names.len(), "a name was reused: {names:?}");
    assert_eq!(store.archives().len(), names.len());
    assert_eq!(rotated_names(&store), names, "manifest order");
    // No archive was overwritten: archive i holds exactly seq i.
    let expected: Vec<Vec<u64>> = (0..names.len() as u64).map(|i| vec![i]).collect();
    assert_eq!(contents, expected);
    let text = store.assert_pass();
    assert!(
        text.contains(&format!("checked {} entries", names.len())),
        "{text}"
    );
}

#[test]
fn rotate_with_nothing_new_says_so_and_exits_0() {
    let store = TestStore::new();
    let out = store.ok(&["rotate"]);
    assert!(out.starts_with("nothing to rotate"), "{out}");
    assert!(store.archives().is_empty());
    assert!(manifest(&store).is_empty());

    let name = log_and_rotate(&store, 2);
    let out = store.ok(&["rotate"]);
    assert!(out.starts_with("nothing to rotate"), "{out}");
    assert!(out.contains("audit.jsonl"), "{out}");
    assert_eq!(store.archives(), vec![name]);
    assert_eq!(manifest(&store).len(), 1);
    store.assert_pass();
}
