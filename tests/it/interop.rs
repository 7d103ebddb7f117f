//! Interoperability with the blog post's Python script (tests/seed/seed_audit.py): its
//! `verify_chain` accepts what we write, and our `verify` accepts what it wrote (a plain log,
//! and a store it rotated), continuing its chain.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support::{describe, python3, seed_script, TestStore};
use crate::trail::{parse_lines, s, warnings};

/// Runs the seed script with `args` in `cwd`.
fn seed(cwd: &Path, args: &[&str]) -> Output {
    python3()
        .arg(seed_script())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run seed_audit.py")
}

fn seed_ok(cwd: &Path, args: &[&str]) {
    let out = seed(cwd, args);
    assert!(
        out.status.success(),
        "seed_audit.py {args:?} failed: {}",
        describe(&out)
    );
}

/// The seed's `verify_chain` result for `file`, and its exit code.
fn seed_verify(file: &Path) -> (i32, Value) {
    let out = seed(
        file.parent().expect("parent"),
        &["verify", &file.to_string_lossy()],
    );
    let result: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("seed verify printed no JSON ({e}): {}", describe(&out)));
    (out.status.code().unwrap_or(-1), result)
}

/// `python3 seed_audit.py log DIR ...` for the store's directory.
fn seed_log(store: &TestStore, user: &str, action: &str, resource: &str, outcome: &str) {
    let dir = store.dir();
    seed_ok(
        store.tmp.path(),
        &[
            "log",
            &dir.to_string_lossy(),
            "access",
            user,
            action,
            resource,
            outcome,
        ],
    );
}

#[test]
fn seed_verify_chain_accepts_a_store_we_wrote() {
    let store = TestStore::new();
    store.log_n(4);
    store.ok(&[
        "log",
        "security",
        "--user",
        "admin",
        "--action",
        "changed password",
        "--outcome",
        "failure",
        "--detail",
        "ip=10.0.0.5",
    ]);
    store.ok(&[
        "log",
        "access",
        "--user",
        "dr_müller",
        "--action",
        "Befund geprüft — 🩺",
        "--detail",
        "note=café ☕",
    ]);
    let (code, result) = seed_verify(&store.path("audit.jsonl"));
    assert_eq!(code, 0, "seed's verify_chain rejected our log: {result}");
    assert_eq!(result["valid"], true, "{result}");
    assert_eq!(result["entries_checked"], 6, "{result}");
    assert_eq!(result["errors"], serde_json::json!([]), "{result}");
    store.assert_pass();
}

#[test]
fn our_verify_accepts_a_log_the_seed_wrote_and_continues_it() {
    let store = TestStore::empty();
    for i in 0..4 {
        seed_log(
            &store,
            &format!("user{i}"),
            "viewed patient chart",
            &format!("Patient/{i:03}"),
            "success",
        );
    }
    let (code, text) = store.verify();
    assert_eq!(code, 0, "{text}");
    assert!(text.starts_with("PASS\n"), "{text}");
    let no_seq = warnings(&text, "no_seq");
    assert_eq!(no_seq.len(), 1, "{text}");
    assert!(no_seq[0].contains("4 entries have no seq"), "{text}");
    assert!(text.contains("checked 4 entries"), "{text}");

    let seed_last_hash = s(&parse_lines(&store.active_lines())[3], "hash").to_owned();
    let out = store.ok(&[
        "log",
        "access",
        "--user",
        "drjones",
        "--action",
        "viewed chart",
    ]);
    assert!(out.starts_with("logged seq 4 "), "{out}");

    let entries = parse_lines(&store.active_lines());
    assert_eq!(entries.len(), 5);
    assert!(entries[..4].iter().all(|e| e.get("seq").is_none()));
    assert_eq!(entries[4]["seq"], 4);
    assert_eq!(s(&entries[4], "previous_hash"), seed_last_hash);

    let text = store.assert_pass();
    assert_eq!(warnings(&text, "no_seq").len(), 1, "{text}");
    assert!(text.contains("checked 5 entries (seq 4..4)"), "{text}");
    // And the seed's own verify still accepts the mixed file.
    let (code, result) = seed_verify(&store.path("audit.jsonl"));
    assert_eq!(
        (code, &result["valid"]),
        (0, &Value::Bool(true)),
        "{result}"
    );
}

/// Three entries, a rotation and two more entries, all by the seed's script, with the store
/// directory given as `dir_arg` (relative to the temporary directory, or absolute).
fn seed_rotated_store(store: &TestStore, dir_arg: &str) {
    for i in 0..3 {
        seed_ok(
            store.tmp.path(),
            &[
                "log",
                dir_arg,
                "access",
                &format!("user{i}"),
                "viewed chart",
            ],
        );
    }
    seed_ok(store.tmp.path(), &["rotate", dir_arg]);
    for i in 3..5 {
        seed_ok(
            store.tmp.path(),
            &[
                "log",
                dir_arg,
                "access",
                &format!("user{i}"),
                "viewed chart",
            ],
        );
    }
    assert_eq!(store.archives().len(), 1);
    assert_eq!(store.active_lines().len(), 2);
}

/// What our verify must say about a store the seed rotated (3 archived, 2 active entries),
/// then after one append of ours.
fn assert_seed_rotated_store_verifies(store: &TestStore) {
    let (code, text) = store.verify();
    assert_eq!(code, 0, "a store the seed rotated must verify:\n{text}");
    assert!(text.starts_with("PASS\n"), "{text}");
    assert_eq!(warnings(&text, "seed_manifest").len(), 1, "{text}");
    assert!(text.contains("checked 5 entries in 2 segments"), "{text}");

    let out = store.ok(&[
        "log",
        "access",
        "--user",
        "drjones",
        "--action",
        "viewed chart",
    ]);
    assert!(out.starts_with("logged seq 5 "), "{out}");
    let text = store.assert_pass();
    assert!(text.contains("checked 6 entries (seq 5..5)"), "{text}");
}

#[test]
fn our_verify_accepts_a_store_the_seed_rotated() {
    let store = TestStore::empty();
    let dir = store.dir().to_string_lossy().into_owned();
    seed_rotated_store(&store, &dir);
    seed_verify_each_segment_is_valid(&store);
    assert_seed_rotated_store_verifies(&store);
}

/// The seed considers each of its segments valid on its own (its chain restarts).
fn seed_verify_each_segment_is_valid(store: &TestStore) {
    let (code, result) = seed_verify(&store.path("audit.jsonl"));
    assert_eq!(
        (code, &result["valid"]),
        (0, &Value::Bool(true)),
        "{result}"
    );
    let name = store.archives().remove(0);
    let plain = store.tmp.path().join("archived.jsonl");
    std::fs::write(
        &plain,
        crate::trail::gz_lines(&store.path("archive").join(name)).join("\n") + "\n",
    )
    .unwrap();
    let (code, result) = seed_verify(&plain);
    assert_eq!(
        (code, &result["valid"]),
        (0, &Value::Bool(true)),
        "{result}"
    );
}

#[test]
fn seed_log_command_writes_what_seed_verify_accepts() {
    // Guards the other tests: the reproduction script itself is consistent.
    let store = TestStore::empty();
    for i in 0..3 {
        seed_log(&store, &format!("u{i}"), "viewed", "Patient/1", "failure");
    }
    let (code, result) = seed_verify(&store.path("audit.jsonl"));
    assert_eq!(code, 0, "{result}");
    assert_eq!(result["entries_checked"], 3, "{result}");
}
