//! The command line's contract: exit codes, messages that say what to do, help that names the
//! options, and the configuration file.

use std::process::{Command, Output};

use crate::support::{describe, TestStore, BIN};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the binary in `store`'s temporary directory without adding `--log-dir`.
fn run_bare(store: &TestStore, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(store.tmp.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("run hipaa-audit")
}

fn assert_missing_store(args: &[&str]) {
    let store = TestStore::empty();
    let out = store.run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
    let err = stderr(&out);
    let dir = store.dir().display().to_string();
    assert!(
        err.contains(&dir),
        "{args:?}: message does not name {dir}: {err}"
    );
    assert!(
        err.contains("init"),
        "{args:?}: message does not mention init: {err}"
    );
    assert!(!store.dir().exists(), "{args:?} created the store");
}

#[test]
fn verify_without_a_store_exits_2_naming_the_directory_and_init() {
    assert_missing_store(&["verify"]);
    assert_missing_store(&["verify", "--json"]);
}

#[test]
fn log_without_a_store_exits_2_naming_the_directory_and_init() {
    assert_missing_store(&["log", "access", "--user", "u", "--action", "a"]);
}

#[test]
fn report_without_a_store_exits_2_naming_the_directory_and_init() {
    assert_missing_store(&["report"]);
}

#[test]
fn rotate_and_cleanup_without_a_store_exit_2() {
    assert_missing_store(&["rotate"]);
    assert_missing_store(&["cleanup"]);
}

#[test]
fn bad_outcome_exits_2_and_names_the_value() {
    let store = TestStore::new();
    let out = store.run(&[
        "log",
        "access",
        "--user",
        "u",
        "--action",
        "a",
        "--outcome",
        "maybe",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = stderr(&out);
    assert!(err.contains("maybe"), "{err}");
    assert!(err.contains("success") && err.contains("failure"), "{err}");
    assert!(store.active_lines().is_empty(), "nothing may be logged");
}

#[test]
fn other_bad_arguments_exit_2() {
    let store = TestStore::new();
    for args in [
        &["log", "access", "--action", "a"][..],      // no --user
        &["log", "access", "--user", "u"][..],        // no --action
        &["log", "--user", "u", "--action", "a"][..], // no event type
        &[
            "log", "access", "--user", "u", "--action", "a", "--detail", "novalue",
        ][..],
        &["cleanup", "--retention-days", "-1"][..],
        &["cleanup", "--retention-days", "many"][..],
        &["frobnicate"][..],
        &["verify", "--jsn"][..],
    ] {
        let out = store.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", describe(&out));
        assert!(!stderr(&out).is_empty(), "{args:?}: no message");
    }
    assert!(store.active_lines().is_empty());
}

#[test]
fn help_of_each_subcommand_mentions_its_key_options() {
    let store = TestStore::new();
    let cases: [(&str, &[&str]); 6] = [
        ("init", &["--log-dir", "--config"]),
        (
            "log",
            &[
                "--user",
                "--action",
                "--resource",
                "--outcome",
                "--detail",
                "success",
                "failure",
                "unknown",
            ],
        ),
        ("verify", &["--json", "Exit codes"]),
        ("rotate", &["--log-dir"]),
        ("cleanup", &["--retention-days", "--dry-run"]),
        ("report", &["--log-dir", "--config"]),
    ];
    for (sub, options) in cases {
        let out = run_bare(&store, &[sub, "--help"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{sub} --help: {}",
            describe(&out)
        );
        let text = stdout(&out);
        for o in options {
            assert!(
                text.contains(o),
                "`{sub} --help` does not mention {o}:\n{text}"
            );
        }
    }
    let out = run_bare(&store, &["--help"]);
    let text = stdout(&out);
    for sub in ["init", "log", "verify", "rotate", "cleanup", "report"] {
        assert!(text.contains(sub), "--help does not list {sub}:\n{text}");
    }
}

#[test]
fn unknown_config_key_exits_2_and_names_it() {
    let store = TestStore::new();
    let cfg = store.tmp.path().join("bad.toml");
    std::fs::write(&cfg, "[store]\nlog_dri = \"/tmp/x\"\n").unwrap();
    let out = store.run(&["--config", cfg.to_str().unwrap(), "verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let err = stderr(&out);
    assert!(err.contains("log_dri"), "{err}");
    assert!(err.contains("bad.toml"), "{err}");

    std::fs::write(&cfg, "[retension]\ndays = 5\n").unwrap();
    let out = store.run(&["--config", cfg.to_str().unwrap(), "verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(stderr(&out).contains("retension"), "{}", stderr(&out));
}

#[test]
fn missing_config_file_exits_2_and_names_it() {
    let store = TestStore::new();
    let out = store.run(&["--config", "does-not-exist.toml", "verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        stderr(&out).contains("does-not-exist.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn config_log_dir_is_used_when_log_dir_is_absent() {
    let store = TestStore::empty();
    let configured = store.tmp.path().join("from-config");
    let cfg = store.tmp.path().join("hipaa-audit.toml");
    std::fs::write(
        &cfg,
        format!("[store]\nlog_dir = {:?}\n", configured.to_str().unwrap()),
    )
    .unwrap();
    let cfg = cfg.to_str().unwrap();

    let out = run_bare(&store, &["--config", cfg, "init"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(
        stdout(&out).contains(configured.to_str().unwrap()),
        "{}",
        stdout(&out)
    );
    assert!(configured.join("audit.jsonl").is_file());
    assert!(
        !store.dir().exists(),
        "the default ./hipaa_audit_logs was used"
    );

    let out = run_bare(
        &store,
        &[
            "log", "access", "--user", "u", "--action", "a", "--config", cfg,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(
        crate::support::read_lines(&configured.join("audit.jsonl")).len(),
        1
    );
    let out = run_bare(&store, &["--config", cfg, "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(stdout(&out).contains("checked 1 entry"), "{}", stdout(&out));

    // --log-dir overrides the file.
    let out = run_bare(
        &store,
        &[
            "--config",
            cfg,
            "--log-dir",
            store.dir().to_str().unwrap(),
            "verify",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        stderr(&out).contains(store.dir().to_str().unwrap()),
        "{}",
        stderr(&out)
    );
}

#[test]
fn without_log_dir_or_config_the_default_directory_is_used() {
    let store = TestStore::empty();
    let out = run_bare(&store, &["init"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert!(store.path("audit.jsonl").is_file());
    let out = run_bare(&store, &["log", "access", "--user", "u", "--action", "a"]);
    assert_eq!(out.status.code(), Some(0), "{}", describe(&out));
    assert_eq!(store.active_lines().len(), 1);
}

#[test]
fn verify_exit_code_is_1_on_damage() {
    let store = TestStore::new();
    store.log_n(2);
    let mut lines = store.active_lines();
    lines[0] = lines[0].replace("viewed chart", "viewed CHART");
    store.write_active_lines(&lines);
    let out = store.run(&["verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    assert!(stdout(&out).starts_with("FAIL\n"));
    let out = store.run(&["verify", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["verdict"].as_str(), v["valid"].as_bool()),
        (Some("FAIL"), Some(false))
    );
}
