//! `store::canonical` against a real Python 3: our output must equal
//! `json.dumps(obj, sort_keys=True)` byte for byte, because it is the hash input of every
//! audit entry and the chain has to verify with the seed's Python code.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use hipaa_audit::store::canonical;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Number, Value};
use sha2::{Digest, Sha256};

fn seed_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/seed/seed_audit.py")
}

/// Runs `seed_audit.py` with `args`, feeding it `stdin`; returns stdout. Panics (never
/// skips) when python3 is missing or the script fails.
fn run_python(args: &[&str], stdin: Vec<u8>) -> String {
    let mut child = match Command::new("python3")
        .arg(seed_script())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "python3 is required for the canonical JSON interop tests but was not found \
             on PATH; install it (e.g. `apt-get install python3`)"
        ),
        Err(e) => panic!("cannot start python3: {e}"),
    };
    // Feed stdin from another thread so a large batch cannot deadlock on full pipes.
    let mut child_stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || child_stdin.write_all(&stdin));
    let output = child.wait_with_output().expect("wait for python3");
    writer
        .join()
        .expect("stdin writer thread")
        .expect("write to python3 stdin");
    assert!(
        output.status.success(),
        "seed_audit.py {args:?} failed with {}:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("python3 output is UTF-8")
}

/// `json.dumps(json.loads(doc), sort_keys=True)` for every value, in one python3 process.
fn python_dumps(values: &[Value]) -> Vec<String> {
    let mut stdin = Vec::new();
    for value in values {
        // serde_json::to_string is valid JSON and escapes '\n', so one document per line.
        stdin.extend_from_slice(serde_json::to_string(value).unwrap().as_bytes());
        stdin.push(b'\n');
    }
    let stdout = run_python(&["dumps"], stdin);
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    assert_eq!(
        lines.len(),
        values.len(),
        "python3 printed one line per document"
    );
    lines
}

/// Compares `canonical::to_string` with Python for every value; reports all mismatches.
fn assert_matches_python(values: &[Value]) {
    let expected = python_dumps(values);
    let mut failures = Vec::new();
    for (value, python) in values.iter().zip(&expected) {
        let ours = canonical::to_string(value);
        if &ours != python {
            failures.push(format!(
                "input:  {}\npython: {python}\nrust:   {ours}",
                serde_json::to_string(value).unwrap()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} values differ from Python's json.dumps(sort_keys=True); first ones:\n\n{}",
        failures.len(),
        values.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------
// Strategies

/// Chars that exercise every escaping rule.
fn any_json_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => proptest::char::range(' ', '~'),
        2 => proptest::char::range('\u{0}', '\u{1f}'),
        1 => Just('\u{7f}'),
        1 => prop::sample::select(vec!['"', '\\', '/', '\n', '\r', '\t', '\u{8}', '\u{c}']),
        2 => proptest::char::range('\u{80}', '\u{ff}'),
        2 => proptest::char::range('\u{100}', '\u{d7ff}'),
        1 => proptest::char::range('\u{e000}', '\u{ffff}'),
        1 => prop::sample::select(vec!['\u{2028}', '\u{2029}', '\u{85}', '\u{feff}', '\u{fffd}']),
        1 => proptest::char::range('\u{1f300}', '\u{1faff}'),
        2 => proptest::char::range('\u{10000}', '\u{10ffff}'),
    ]
}

fn any_json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(any_json_char(), 0..16)
            .prop_map(|chars| chars.into_iter().collect::<String>()),
        1 => "[a-z]{0,4}",
    ]
}

/// Finite floats of every shape: arbitrary bit patterns, integral values, values around the
/// fixed/exponent switch points (1e-4, 1e16), tiny and huge exponents, subnormals.
fn any_finite_float() -> impl Strategy<Value = f64> {
    use proptest::num::f64 as f;
    prop_oneof![
        3 => f::POSITIVE | f::NEGATIVE | f::NORMAL | f::SUBNORMAL | f::ZERO,
        1 => any::<i64>().prop_map(|i| i as f64),
        1 => (-100_000i64..100_000).prop_map(|i| i as f64),
        2 => (1u64..100_000, -330i32..310).prop_map(|(m, e)| m as f64 * 10f64.powi(e)),
        1 => (-25i32..25).prop_map(|e| 10f64.powi(e)),
        1 => (-6i32..-2).prop_map(|e| 10f64.powi(e) * 0.99999),
        1 => (15i32..18).prop_map(|e| 10f64.powi(e) - 1.0),
        1 => any::<f64>().prop_map(|x| x.fract()),
        // Dyadic fractions: exact decimal expansions ending in 5, where rounding ties occur.
        2 => (any::<i64>(), 1i32..70).prop_map(|(m, k)| m as f64 / 2f64.powi(k)),
    ]
    .prop_filter("finite", |x| x.is_finite())
}

fn any_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        prop::sample::select(vec![i64::MIN, i64::MAX, 0, -1]).prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        any_finite_float().prop_map(|x| Value::Number(Number::from_f64(x).unwrap())),
    ]
}

fn any_json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any_number(),
        any_number(),
        any_json_string().prop_map(Value::String),
        any_json_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any_json_string(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn generate(runner: &mut TestRunner, n: usize) -> Vec<Value> {
    let strategy = any_json_value();
    (0..n)
        .map(|_| {
            strategy
                .new_tree(runner)
                .expect("generate a value")
                .current()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn canonical_random_values_match_python_json_dumps() {
    // One reproducible batch and one fresh batch; python3 runs once per batch.
    let mut fixed = TestRunner::deterministic();
    assert_matches_python(&generate(&mut fixed, 1000));
    let mut fresh = TestRunner::new(Config::default());
    assert_matches_python(&generate(&mut fresh, 1500));
}

#[test]
fn canonical_tricky_values_match_python_json_dumps() {
    let mut values = vec![
        json!(null),
        json!(true),
        json!({}),
        json!([]),
        json!([[], {}, [{}], {"": []}]),
        json!({"b": 1, "a": 2, "B": 3, "": 4, "aa": 5, "a\u{0}": 6}),
        json!({"\u{e9}": 1, "\u{ffff}": 2, "\u{10000}": 3, "\u{fffd}": 4, "z": 5}),
        json!("\u{0}\u{1}\u{1f}\u{7f}\u{80}\u{ff}\u{100}"),
        json!("\"\\/\n\r\t\u{8}\u{c}"),
        json!("\u{2028}\u{2029}\u{85}\u{feff}"),
        json!("\u{1f600}\u{10000}\u{10ffff}\u{d7ff}\u{e000}"),
        json!({"nested": {"z": [1, {"y": "\u{1f4a9}", "x": null}], "a": {"c": 1, "b": 2}}}),
        json!([i64::MIN, i64::MAX, u64::MAX, 0, -1]),
    ];
    for f in [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.1,
        0.5,
        1234.5,
        1e-4,
        9.999e-5,
        1e-5,
        1.5e-5,
        1e15,
        1e16,
        1.5e16,
        9999999999999998.0,
        1e17,
        123456789012345680.0,
        1e22,
        1e23,
        5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        0.30000000000000004,
        1e100,
        -1e-100,
        4.35,
        2.675,
        9007199254740993.0,
        // Two shortest strings equally near: Python takes the even last digit
        // (-0.92566680908203125 and 1794195122448248.25 exactly).
        -121_329.0 / 131_072.0,
        7_176_780_489_792_993.0 / 4.0,
        1.0 / 8192.0,
        // Powers of two: the nearest digits may not read back, the shortest must win.
        2f64.powi(-1022),
        2f64.powi(60),
        2f64.powi(-60),
    ] {
        values.push(Value::Number(Number::from_f64(f).unwrap()));
    }
    values.push(Value::Array(values.clone()));
    assert_matches_python(&values);
}

#[test]
fn canonical_object_except_matches_python_without_those_keys() {
    let entry = json!({
        "timestamp": "2024-05-06T07:08:09.123456Z",
        "event_type": "phi_access",
        "user_id": "dr_m\u{fc}ller",
        "action": "view",
        "resource": "patient/42",
        "outcome": "success",
        "hostname": "ward-3",
        "details": {"fields": ["name", "dob"], "count": 2, "ratio": 0.25},
        "logger_version": "1.0.0",
        "hash": "ab".repeat(32),
        "previous_hash": "0".repeat(64),
    });
    let mut stripped = entry.clone();
    let obj = stripped.as_object_mut().unwrap();
    obj.remove("hash");
    obj.remove("previous_hash");
    let python = python_dumps(&[stripped]);

    let mut out = Vec::new();
    canonical::write_object_except(
        &mut out,
        entry.as_object().unwrap(),
        &["hash", "previous_hash"],
    );
    assert_eq!(String::from_utf8(out).unwrap(), python[0]);
}

/// Entries written by the seed's own code: each line is our canonical form, and the stored
/// hash is sha256("{previous_hash}:{canonical entry without hash fields}").
#[test]
fn canonical_reproduces_seed_written_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    for (user, resource) in [
        ("alice", "patient/1"),
        ("b\u{f6}b", "r\u{e9}sum\u{e9} \u{1f600}"),
    ] {
        run_python(
            &["log", dir_arg, "phi_access", user, "view", resource],
            Vec::new(),
        );
    }
    run_python(&["log", dir_arg, "login", "carol", "login"], Vec::new());
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let verdict = run_python(
        &["verify", dir.path().join("audit.jsonl").to_str().unwrap()],
        Vec::new(),
    );
    assert!(
        verdict.contains("\"valid\": true"),
        "seed verify: {verdict}"
    );

    let mut expected_prev = "0".repeat(64);
    let mut n = 0;
    for line in log.lines() {
        let entry: Value = serde_json::from_str(line).unwrap();
        assert_eq!(canonical::to_string(&entry), line);
        let obj = entry.as_object().unwrap();
        assert_eq!(obj["previous_hash"], Value::String(expected_prev.clone()));

        let mut payload = format!("{expected_prev}:").into_bytes();
        canonical::write_object_except(&mut payload, obj, &["hash", "previous_hash"]);
        let hash = hex::encode(Sha256::digest(&payload));
        assert_eq!(obj["hash"], Value::String(hash.clone()), "line {line}");
        expected_prev = hash;
        n += 1;
    }
    assert_eq!(n, 3);
}
