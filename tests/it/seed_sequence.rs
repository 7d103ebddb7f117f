//! The blog post's five-minute test sequence, run as printed (the seed's flag spellings).

use serde_json::Value;

use crate::support::TestStore;

#[test]
fn seed_test_sequence_runs_as_printed() {
    let s = TestStore::empty();
    s.ok(&["--init"]);
    s.ok(&[
        "--log",
        "access",
        "--user",
        "drjones",
        "--action",
        "viewed patient chart",
        "--resource",
        "Patient/001",
    ]);
    s.ok(&[
        "--log",
        "access",
        "--user",
        "frontdesk",
        "--action",
        "checked in patient",
        "--resource",
        "Patient/002",
    ]);
    s.ok(&[
        "--log",
        "security",
        "--user",
        "admin",
        "--action",
        "changed password policy",
        "--outcome",
        "success",
    ]);
    s.ok(&[
        "--log",
        "access",
        "--user",
        "unknown",
        "--action",
        "login attempt",
        "--outcome",
        "failure",
    ]);
    let verify = s.ok(&["--verify"]);
    assert!(verify.starts_with("PASS\n"), "{verify}");
    assert!(verify.contains("checked 4 entries (seq 0..3)"), "{verify}");

    let report: Value = serde_json::from_str(&s.ok(&["--report"])).unwrap();
    assert_eq!(report["total_entries"], 4);
    assert_eq!(
        report["by_type"],
        serde_json::json!({"access": 3, "security": 1})
    );
    assert_eq!(
        report["by_user"],
        serde_json::json!({"admin": 1, "drjones": 1, "frontdesk": 1, "unknown": 1})
    );
    assert_eq!(
        report["by_outcome"],
        serde_json::json!({"failure": 1, "success": 3})
    );
    assert_eq!(report["failed_access"].as_array().unwrap().len(), 1);
    assert_eq!(report["failed_access"][0]["user"], "unknown");
    assert_eq!(report["anomalies"], serde_json::json!([]));

    let rotated = s.ok(&["--rotate"]);
    assert!(rotated.starts_with("Rotated: audit_"), "{rotated}");
    assert_eq!(s.archives().len(), 1);
    assert_eq!(std::fs::metadata(s.path("audit.jsonl")).unwrap().len(), 0);

    // The post's rotation recovery test: log more after rotating, verify again.
    s.ok(&[
        "--log",
        "access",
        "--user",
        "drjones",
        "--action",
        "viewed patient chart",
    ]);
    let verify = s.ok(&["--verify"]);
    assert!(
        verify.starts_with("PASS\n") && verify.contains("seq 0..4"),
        "{verify}"
    );
    // The report still counts the archived entries.
    let report: Value = serde_json::from_str(&s.ok(&["--report"])).unwrap();
    assert_eq!(report["total_entries"], 5);
}

#[test]
fn report_flags_excessive_failed_access() {
    let s = TestStore::new();
    for _ in 0..5 {
        s.ok(&[
            "log",
            "access",
            "--user",
            "mallory",
            "--action",
            "login attempt",
            "--outcome",
            "failure",
        ]);
    }
    s.ok(&[
        "log",
        "access",
        "--user",
        "bob",
        "--action",
        "login attempt",
        "--outcome",
        "failure",
    ]);
    let report: Value = serde_json::from_str(&s.ok(&["report"])).unwrap();
    assert_eq!(
        report["anomalies"],
        serde_json::json!([{"type": "excessive_failed_access", "user": "mallory", "count": 5, "severity": "HIGH"}])
    );
}
