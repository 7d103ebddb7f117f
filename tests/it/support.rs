//! Shared helpers for the integration tests: run the real binary against a real store in a
//! temporary directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_hipaa-audit");

/// A temporary working directory holding a store at `<tmp>/hipaa_audit_logs`.
pub struct TestStore {
    pub tmp: tempfile::TempDir,
}

impl TestStore {
    /// A fresh, initialized store.
    pub fn new() -> TestStore {
        let s = TestStore {
            tmp: tempfile::tempdir().expect("tempdir"),
        };
        s.ok(&["init"]);
        s
    }

    /// A directory without a store.
    pub fn empty() -> TestStore {
        TestStore {
            tmp: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn dir(&self) -> PathBuf {
        self.tmp.path().join("hipaa_audit_logs")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir().join(rel)
    }

    /// Runs the binary in the temporary directory, with `--log-dir` pointing at the store.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .arg("--log-dir")
            .arg(self.dir())
            .current_dir(self.tmp.path())
            .env_remove("RUST_LOG")
            .output()
            .expect("run hipaa-audit")
    }

    /// Runs and asserts exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "hipaa-audit {args:?} failed: {}",
            describe(&out)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Appends `n` entries through the CLI.
    pub fn log_n(&self, n: usize) {
        for i in 0..n {
            self.ok(&[
                "log",
                "access",
                "--user",
                &format!("user{}", i % 3),
                "--action",
                "viewed chart",
                "--resource",
                &format!("Patient/{i:03}"),
            ]);
        }
    }

    /// Runs `verify`; returns (exit code, stdout).
    pub fn verify(&self) -> (i32, String) {
        let out = self.run(&["verify"]);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// Asserts verify passes and returns its output.
    pub fn assert_pass(&self) -> String {
        let (code, text) = self.verify();
        assert_eq!(code, 0, "verify should pass:\n{text}");
        assert!(text.starts_with("PASS\n"), "{text}");
        text
    }

    /// Asserts verify fails with exit 1 and returns the finding lines.
    pub fn assert_fail(&self) -> Vec<String> {
        let (code, text) = self.verify();
        assert_eq!(code, 1, "verify should fail:\n{text}");
        assert!(text.starts_with("FAIL\n"), "{text}");
        text.lines()
            .skip(1)
            .filter(|l| !l.starts_with("warning ") && !l.starts_with("checked "))
            .map(str::to_owned)
            .collect()
    }

    /// The active segment's lines.
    pub fn active_lines(&self) -> Vec<String> {
        read_lines(&self.path("audit.jsonl"))
    }

    pub fn write_active_lines(&self, lines: &[String]) {
        let mut s = lines.join("\n");
        if !s.is_empty() {
            s.push('\n');
        }
        std::fs::write(self.path("audit.jsonl"), s).expect("write active");
    }

    /// Archive file names, sorted.
    pub fn archives(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.path("archive"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".jsonl.gz"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

pub fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(str::to_owned)
        .collect()
}

pub fn describe(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The python3 interpreter; a missing one fails the test with how to install it.
pub fn python3() -> Command {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "python3 is needed for the seed interop tests: apt-get install -y python3"
    );
    Command::new("python3")
}

/// Path of the seed reproduction script.
pub fn seed_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/seed/seed_audit.py")
}

/// `line` parsed as received at 2026-06-15T12:00:00Z, RFC 3164 times read as UTC.
pub fn parsed_utc(line: &str) -> hipaa_audit::parse::Parsed<'_> {
    let received = chrono::DateTime::parse_from_rfc3339("2026-06-15T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let opts = hipaa_audit::parse::ParseOptions {
        timezone: "UTC".parse().unwrap(),
    };
    hipaa_audit::parse::parse(line, received, &opts)
}
