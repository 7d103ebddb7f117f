//! Mapping across every family: accuracy over the labelled auth lines, a snapshot of a
//! mixed corpus, and `hipaa-audit map` with user rules from a config.

use std::path::Path;

use chrono::{DateTime, Utc};
use hipaa_audit::mapping::Mapper;
use hipaa_audit::parse::{parse, ParseOptions};

use crate::support::{describe, BIN};

fn received() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-15T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mapping")
}

/// `(file, line number, expected user, expected outcome, syslog line)` of every labelled row.
fn labelled() -> Vec<(String, usize, String, String, String)> {
    let mut rows = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("labelled_")
        })
        .collect();
    files.sort();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, '\t');
            let (Some(user), Some(outcome), Some(msg)) = (parts.next(), parts.next(), parts.next())
            else {
                panic!("{name}:{}: expected USER<TAB>OUTCOME<TAB>LINE", i + 1);
            };
            rows.push((
                name.clone(),
                i + 1,
                user.to_owned(),
                outcome.to_owned(),
                msg.to_owned(),
            ));
        }
    }
    rows
}

#[test]
fn labelled_auth_lines_map_to_the_right_user_and_outcome() {
    let rows = labelled();
    assert!(
        rows.len() >= 100,
        "the labelled set must hold at least 100 lines, has {}",
        rows.len()
    );
    let mapper = Mapper::builtin();
    let opts = ParseOptions {
        timezone: "UTC".parse().unwrap(),
    };
    let mut misses = Vec::new();
    for (file, n, user, outcome, msg) in &rows {
        let m = mapper.map(&parse(msg, received(), &opts));
        let got_user = m.user_id.clone().unwrap_or_else(|| "-".into());
        if &got_user != user || m.outcome.as_str() != outcome {
            misses.push(format!(
                "{file}:{n}: expected {user}/{outcome}, got {got_user}/{} (rule {})\n    {msg}",
                m.outcome.as_str(),
                m.rule
            ));
        }
    }
    let accuracy = 100.0 * (rows.len() - misses.len()) as f64 / rows.len() as f64;
    println!(
        "mapping accuracy: {accuracy:.1}% of {} labelled lines",
        rows.len()
    );
    assert!(
        accuracy >= 95.0,
        "accuracy {accuracy:.1}% is below 95%; misses:\n{}",
        misses.join("\n")
    );
}

#[test]
fn map_command_shows_the_rule_and_uses_user_rules_first() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        r#"
[[mapping.rules]]
name = "ehr-chart"
app_name = "ehr"
regex = 'opened chart (?P<resource>Patient/\d+) user=(?P<user_id>\S+)'
event_type = "access"
action = "chart opened"
outcome = "success"
"#,
    )
    .unwrap();
    let input = tmp.path().join("in.log");
    std::fs::write(&input, "<134>1 2026-06-15T12:00:00Z ehr01 ehr 4242 - - opened chart Patient/77 user=drkim\n\nnot a syslog line at all\n").unwrap();
    let out = std::process::Command::new(BIN)
        .args(["map", "--config"])
        .arg(&config)
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", describe(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "blank lines are skipped: {text}");
    assert_eq!(
        lines[0],
        "line 1: rule user:ehr-chart -> access success user=drkim action=\"chart opened\" resource=Patient/77 source=-"
    );
    assert!(lines[1].starts_with("line 3: rule "), "{text}");

    let out = std::process::Command::new(BIN)
        .args(["map", "--json", "--config"])
        .arg(&config)
        .arg(&input)
        .output()
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["rule"], "user:ehr-chart");
    assert_eq!(first["user_id"], "drkim");
}

#[test]
fn a_bad_user_rule_stops_the_start_and_names_the_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        "[[mapping.rules]]\nname = \"vpn-logins\"\nregex = '(?P<user_id>[a-z+'\n",
    )
    .unwrap();
    for cmd in [
        &["map", "/dev/null"][..],
        &["serve", "--tcp", "127.0.0.1:0"][..],
    ] {
        let out = std::process::Command::new(BIN)
            .args(cmd)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("mapping rule \"vpn-logins\": invalid regex"),
            "{err}"
        );
    }
    std::fs::write(
        &config,
        "[[mapping.rules]]\nname = \"x\"\napp_nmae = \"ehr\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(BIN)
        .args(["map", "/dev/null", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("app_nmae"),
        "{}",
        describe(&out)
    );
}

/// Every line of the mixed corpus with the fields it maps to. A change in any rule shows up
/// here as a diff to review (`INSTA_UPDATE=always cargo test` rewrites the snapshot).
#[test]
fn mixed_corpus_snapshot() {
    let text = std::fs::read_to_string(fixtures().join("mixed.log")).unwrap();
    let mapper = Mapper::builtin();
    let opts = ParseOptions {
        timezone: "UTC".parse().unwrap(),
    };
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let p = parse(line, received(), &opts);
        let m = mapper.map(&p);
        let short: String = line.chars().take(110).collect();
        out.push_str(&format!(
            "{short}\n  -> {} | {} | {} | user={} | action={} | resource={} | source={}{}\n",
            m.rule,
            m.event_type.as_str(),
            m.outcome.as_str(),
            m.user_id.as_deref().unwrap_or("-"),
            m.action.as_deref().unwrap_or("(message text)"),
            m.resource.as_deref().unwrap_or("-"),
            m.source_address.as_deref().unwrap_or("-"),
            m.severity
                .map_or(String::new(), |s| format!(" | alert={s}")),
        ));
    }
    insta::assert_snapshot!("mixed_corpus", out);
}
