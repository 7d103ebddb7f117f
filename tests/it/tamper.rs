//! Named tamper cases: each makes verify exit 1 and name the place (file, line, seq) and the
//! kind of damage. Plus a property test: any deletion, swap, edit or truncation is reported.

use std::io::{Read, Write};

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use proptest::prelude::*;
use serde_json::Value;

use crate::support::TestStore;

fn edit_field(line: &str, field: &str, value: Value) -> String {
    let mut v: serde_json::Map<String, Value> = serde_json::from_str(line).unwrap();
    v.insert(field.into(), value);
    hipaa_audit::store::writer::render(&v)
}

#[test]
fn modified_entry_is_reported() {
    let s = TestStore::new();
    s.log_n(5);
    let mut lines = s.active_lines();
    lines[2] = edit_field(&lines[2], "user_id", "mallory".into());
    s.write_active_lines(&lines);
    let findings = s.assert_fail();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("entry_modified audit.jsonl line 3 seq 2: "),
        "{findings:?}"
    );
    assert!(
        findings[0].contains("does not match its hash"),
        "{findings:?}"
    );
}

#[test]
fn edit_with_a_text_editor_is_reported() {
    // The blog post's test: change one character of any entry.
    let s = TestStore::new();
    s.log_n(3);
    let text = std::fs::read_to_string(s.path("audit.jsonl")).unwrap();
    std::fs::write(
        s.path("audit.jsonl"),
        text.replacen("Patient/001", "Patient/009", 1),
    )
    .unwrap();
    let findings = s.assert_fail();
    assert!(
        findings[0].starts_with("entry_modified audit.jsonl line 2 seq 1"),
        "{findings:?}"
    );
}

#[test]
fn deleted_entry_is_reported() {
    let s = TestStore::new();
    s.log_n(5);
    let mut lines = s.active_lines();
    lines.remove(2);
    s.write_active_lines(&lines);
    let findings = s.assert_fail();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("entry_deleted_or_reordered audit.jsonl line 3 seq 3: "),
        "{findings:?}"
    );
    assert!(findings[0].contains("1 entry missing"), "{findings:?}");
}

#[test]
fn swapped_entries_are_reported() {
    let s = TestStore::new();
    s.log_n(5);
    let mut lines = s.active_lines();
    lines.swap(1, 2);
    s.write_active_lines(&lines);
    let findings = s.assert_fail();
    assert!(
        findings[0].starts_with("entry_deleted_or_reordered audit.jsonl line 2 seq 2: "),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.contains("line 3 seq 1") && f.contains("reordered")),
        "{findings:?}"
    );
}

#[test]
fn inserted_entry_is_reported() {
    let s = TestStore::new();
    s.log_n(3);
    let mut lines = s.active_lines();
    let forged = edit_field(&lines[1], "action", "nothing to see".into());
    lines.insert(2, forged);
    s.write_active_lines(&lines);
    let findings = s.assert_fail();
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("entry_modified audit.jsonl line 3")),
        "{findings:?}"
    );
}

fn gunzip(path: &std::path::Path) -> String {
    let mut s = String::new();
    GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut s)
        .unwrap();
    s
}

fn gzip(path: &std::path::Path, text: &str) {
    let mut e = GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::default(),
    );
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap();
}

#[test]
fn modified_archive_is_reported() {
    let s = TestStore::new();
    s.log_n(4);
    s.ok(&["rotate"]);
    s.log_n(2);
    let name = s.archives().remove(0);
    let path = s.path(&format!("archive/{name}"));
    let text = gunzip(&path);
    let lines: Vec<String> = text.lines().map(|l| l.to_owned()).collect();
    let mut changed = lines.clone();
    changed[1] = edit_field(&lines[1], "outcome", "failure".into());
    gzip(&path, &(changed.join("\n") + "\n"));
    let findings = s.assert_fail();
    let file = format!("archive/{name}");
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with(&format!("archive_modified {file}: SHA-256"))),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with(&format!("entry_modified {file} line 2 seq 1"))),
        "{findings:?}"
    );
}

#[test]
fn recompressed_archive_with_same_content_is_still_reported() {
    // Even a byte-identical payload recompressed differently no longer matches the manifest.
    let s = TestStore::new();
    s.log_n(2);
    s.ok(&["rotate"]);
    let name = s.archives().remove(0);
    let path = s.path(&format!("archive/{name}"));
    let text = gunzip(&path);
    let mut e = GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::best(),
    );
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap();
    let findings = s.assert_fail();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with(&format!("archive_modified archive/{name}: SHA-256")),
        "{findings:?}"
    );
}

#[test]
fn deleted_archive_is_reported() {
    let s = TestStore::new();
    s.log_n(3);
    s.ok(&["rotate"]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    s.log_n(3);
    s.ok(&["rotate"]);
    s.log_n(1);
    let first = s.archives().remove(0);
    std::fs::remove_file(s.path(&format!("archive/{first}"))).unwrap();
    let findings = s.assert_fail();
    assert_eq!(
        findings.len(),
        1,
        "the chain is bridged by the manifest: {findings:?}"
    );
    assert!(
        findings[0].starts_with(&format!("archive_missing archive/{first} seq 0: ")),
        "{findings:?}"
    );
}

#[test]
fn modified_manifest_is_reported() {
    let s = TestStore::new();
    s.log_n(3);
    s.ok(&["rotate"]);
    let path = s.path("archive/manifest.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"entries\": 3", "\"entries\": 2")).unwrap();
    let findings = s.assert_fail();
    assert!(
        findings
            .iter()
            .any(|f| f.starts_with("manifest_modified archive/manifest.jsonl line 1: ")),
        "{findings:?}"
    );
}

#[test]
fn truncated_tail_is_reported() {
    let s = TestStore::new();
    s.log_n(5);
    let mut lines = s.active_lines();
    lines.truncate(3);
    s.write_active_lines(&lines);
    let findings = s.assert_fail();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("truncated audit.head seq 4: "),
        "{findings:?}"
    );
    assert!(
        findings[0].contains("2 entries were removed"),
        "{findings:?}"
    );
}

#[test]
fn emptied_store_is_reported() {
    let s = TestStore::new();
    s.log_n(2);
    s.write_active_lines(&[]);
    let findings = s.assert_fail();
    assert!(
        findings[0].starts_with("truncated audit.head seq 1"),
        "{findings:?}"
    );
}

#[test]
fn verify_json_holds_the_same_verdict_and_findings() {
    let s = TestStore::new();
    s.log_n(3);
    let mut lines = s.active_lines();
    lines[1] = edit_field(&lines[1], "resource", "Patient/999".into());
    s.write_active_lines(&lines);
    let out = s.run(&["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "one JSON object: {text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["verdict"], "FAIL");
    assert_eq!(v["valid"], false);
    assert_eq!(v["entries_checked"], 3);
    let f = &v["findings"][0];
    assert_eq!(
        (
            f["kind"].as_str(),
            f["file"].as_str(),
            f["line"].as_u64(),
            f["seq"].as_u64()
        ),
        (
            Some("entry_modified"),
            Some("audit.jsonl"),
            Some(2),
            Some(1)
        )
    );
}

// --- property: every tampering is reported --------------------------------------------

#[derive(Debug, Clone)]
enum Tamper {
    Delete(usize),
    Swap(usize),
    Edit(usize, &'static str),
    TruncateEnd(usize),
    Duplicate(usize),
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        (0..12usize).prop_map(Tamper::Delete),
        (0..11usize).prop_map(Tamper::Swap),
        (
            0..12usize,
            prop::sample::select(vec![
                "user_id",
                "action",
                "resource",
                "outcome",
                "timestamp",
                "seq",
                "details"
            ])
        )
            .prop_map(|(i, f)| Tamper::Edit(i, f)),
        (1..12usize).prop_map(Tamper::TruncateEnd),
        (0..12usize).prop_map(Tamper::Duplicate),
    ]
}

fn build_store(dir: &std::path::Path) {
    use hipaa_audit::store::{writer::Appender, FsyncPolicy, NewEntry, Store};
    let store = Store::new(dir, FsyncPolicy::Never);
    store.init().unwrap();
    let mut a = Appender::open(&store).unwrap();
    for i in 0..12 {
        let mut e = NewEntry::new("access", format!("action {i}"));
        e.user_id = Some(format!("u{i}"));
        e.resource = Some(format!("Patient/{i}"));
        e.details.insert("n".into(), i.into());
        a.append(vec![e]).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn any_tampering_is_reported(t in tamper()) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("s");
        build_store(&dir);
        let path = dir.join("audit.jsonl");
        let mut lines: Vec<String> = std::fs::read_to_string(&path).unwrap().lines().map(str::to_owned).collect();
        match &t {
            Tamper::Delete(i) => { lines.remove(*i); }
            Tamper::Swap(i) => lines.swap(*i, i + 1),
            Tamper::Edit(i, f) => {
                let new = match *f { "seq" => Value::from(100), "details" => serde_json::json!({"n": 99}), _ => Value::from("forged") };
                lines[*i] = edit_field(&lines[*i], f, new);
            }
            Tamper::TruncateEnd(n) => lines.truncate(12 - n),
            Tamper::Duplicate(i) => { let l = lines[*i].clone(); lines.insert(*i, l); }
        }
        let mut text = lines.join("\n");
        if !text.is_empty() { text.push('\n'); }
        std::fs::write(&path, text).unwrap();
        let v = hipaa_audit::store::verify::verify(&hipaa_audit::store::Layout::new(&dir)).unwrap();
        prop_assert!(!v.passed(), "{t:?} went unnoticed:\n{}", v.to_text());
    }
}

#[test]
fn reformatted_line_is_reported() {
    // Same content, another layout: stored lines are never rewritten, so this is damage.
    let s = TestStore::new();
    s.log_n(3);
    let mut lines = s.active_lines();
    lines[1] = lines[1].replace(", \"", ",\"");
    s.write_active_lines(&lines);
    let findings = s.assert_fail();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].starts_with("entry_modified audit.jsonl line 2 seq 1: the line is not in the form it was written in"), "{findings:?}");
}

#[test]
fn duplicated_key_is_reported() {
    // A JSON parser keeps the last of two equal keys; a reader that keeps the first would
    // see the forged value. The line no longer matches what was hashed.
    let s = TestStore::new();
    s.log_n(3);
    let mut lines = s.active_lines();
    lines[1] = lines[1].replacen(
        "{\"action\": ",
        "{\"action\": \"deleted nothing\", \"action\": ",
        1,
    );
    s.write_active_lines(&lines);
    let findings = s.assert_fail();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].starts_with("entry_modified audit.jsonl line 2 seq 1"),
        "{findings:?}"
    );
}
