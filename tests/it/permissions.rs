//! The store's permissions: directories 0750, files 0640, under the default umask 022.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{describe, TestStore, BIN};

/// Runs the binary under `umask 022` (set explicitly, so the test does not depend on the
/// umask it was started with).
fn run_umask_022(store: &TestStore, args: &[&str]) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$@\"")
        .arg("sh")
        .arg(BIN)
        .args(args)
        .arg("--log-dir")
        .arg(store.dir())
        .current_dir(store.tmp.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("run sh");
    assert!(out.status.success(), "{args:?}: {}", describe(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// Every path under `dir` (not `dir` itself).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        out.push(p.clone());
        if p.is_dir() {
            walk(&p, out);
        }
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

fn assert_store_modes(store: &TestStore) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    walk(&store.dir(), &mut paths);
    assert_eq!(mode(&store.dir()), 0o750, "{:?}", store.dir());
    for p in &paths {
        let want = if p.is_dir() { 0o750 } else { 0o640 };
        assert_eq!(mode(p), want, "{p:?} has mode {:o}", mode(p));
    }
    paths
}

#[test]
fn directories_are_0750_and_files_0640_after_init_log_rotate() {
    let store = TestStore::empty();
    run_umask_022(&store, &["init"]);
    run_umask_022(&store, &["log", "access", "--user", "u", "--action", "a"]);
    let out = run_umask_022(&store, &["rotate"]);
    assert!(out.starts_with("Rotated: "), "{out}");
    run_umask_022(&store, &["log", "access", "--user", "u", "--action", "b"]);

    let paths = assert_store_modes(&store);
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.strip_prefix(store.dir()).unwrap().display().to_string())
        .collect();
    for expected in [
        "audit.jsonl",
        "audit.head",
        "audit.lock",
        "archive",
        "archive/manifest.jsonl",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing: {names:?}"
        );
    }
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("archive/audit_") && n.ends_with(".jsonl.gz")),
        "{names:?}"
    );
}

#[test]
fn quarantine_directory_and_files_have_the_store_modes() {
    let store = TestStore::empty();
    run_umask_022(&store, &["init"]);
    run_umask_022(&store, &["log", "access", "--user", "u", "--action", "a"]);
    std::fs::OpenOptions::new()
        .append(true)
        .open(store.path("audit.jsonl"))
        .unwrap()
        .write_all(b"{\"torn")
        .unwrap();
    run_umask_022(&store, &["log", "access", "--user", "u", "--action", "b"]);
    let paths = assert_store_modes(&store);
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with(store.path("quarantine")) && p.is_file()),
        "{paths:?}"
    );
}
