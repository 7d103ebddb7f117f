//! Fuzzing on stable Rust, in every test run: the repo's sender lines (every family), mutated
//! the way damaged or hostile input is (bytes inserted, removed or replaced, multi-byte and
//! broken UTF-8, quotes and separators, truncation, repeated pieces), through the collector's
//! whole per-message path. cargo-fuzz (`fuzz/`) searches far deeper, but needs nightly; this
//! keeps its invariants ([`PipelineCheck`], the same file the fuzz target uses) checked on
//! every commit, plus one more: no panic in parsing or mapping, not even one that
//! `guard::or_on_panic` would contain (a panic hook counts them per thread).

use std::cell::Cell;
use std::path::Path;
use std::sync::Once;

use proptest::prelude::*;

use crate::pipeline_check::PipelineCheck;

thread_local! {
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts panics on the current thread (also those caught further up), then lets the
/// previous hook print them as usual.
fn count_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            previous(info);
        }));
    });
}

/// Every sender line of the mapping fixtures.
fn corpus() -> &'static [Vec<u8>] {
    static LINES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    LINES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mapping");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("tests/fixtures/mapping")
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        let mut lines = Vec::new();
        for f in files {
            let labelled = f.extension().is_some_and(|e| e == "tsv");
            for l in std::fs::read_to_string(&f).expect("read fixture").lines() {
                if l.trim().is_empty() || l.starts_with('#') {
                    continue;
                }
                let line = if labelled {
                    l.splitn(3, '\t').nth(2)
                } else {
                    Some(l)
                };
                if let Some(line) = line {
                    lines.push(line.as_bytes().to_vec());
                }
            }
        }
        assert!(lines.len() > 150, "the fixtures hold {} lines", lines.len());
        lines
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    /// At a position (a fraction of the length), insert these bytes.
    Insert(f64, Vec<u8>),
    /// Remove up to n bytes there.
    Delete(f64, usize),
    /// Overwrite one byte there.
    Replace(f64, u8),
    /// Repeat the piece between two positions right after itself.
    Repeat(f64, f64),
    /// Keep only what comes before.
    Truncate(f64),
}

fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "é",
            "\u{fffd}",
            "\u{1f600}",
            "€",
            "\u{2028}",
            "\u{feff}",
            "\"",
            "\\",
            "]",
            "[",
            "=",
            ":",
            ": ",
            " ",
            "\t",
            "\n",
            "\r",
            "\0",
            "-",
            "<",
            ">",
            "/",
            "@",
            "%",
            ",",
            "'",
            "{",
            "}",
            "<134>",
            "1 ",
            "- ",
            "Account Name:",
            "Logon Type:",
            "user=",
            "suser=",
            "for ",
            "from ",
            "|",
            "CEF:0|",
            "\\\"",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        // Broken UTF-8: lone continuation or lead bytes, an overlong form, a surrogate.
        prop::sample::select(vec![
            vec![0x80],
            vec![0xc3],
            vec![0xe2, 0x82],
            vec![0xc0, 0xaf],
            vec![0xed, 0xa0, 0x80],
            vec![0xff],
        ]),
        prop::collection::vec(any::<u8>(), 1..6),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0f64;
    prop_oneof![
        4 => (at.clone(), piece()).prop_map(|(a, p)| Mutation::Insert(a, p)),
        2 => (at.clone(), 1usize..8).prop_map(|(a, n)| Mutation::Delete(a, n)),
        2 => (at.clone(), any::<u8>()).prop_map(|(a, b)| Mutation::Replace(a, b)),
        1 => (at.clone(), at.clone()).prop_map(|(a, b)| Mutation::Repeat(a, b)),
        1 => at.prop_map(Mutation::Truncate),
    ]
}

fn apply(line: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = line.to_vec();
    let pos = |b: &Vec<u8>, f: f64| ((b.len() as f64) * f) as usize;
    for m in mutations {
        match m {
            Mutation::Insert(a, p) => {
                let i = pos(&b, *a);
                b.splice(i..i, p.iter().copied());
            }
            Mutation::Delete(a, n) => {
                let i = pos(&b, *a);
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Mutation::Replace(a, x) => {
                let i = pos(&b, *a);
                if i < b.len() {
                    b[i] = *x;
                }
            }
            Mutation::Repeat(a, c) => {
                let (i, j) = (pos(&b, a.min(*c)), pos(&b, a.max(*c)));
                let piece = b[i..j].to_vec();
                b.splice(j..j, piece);
            }
            Mutation::Truncate(a) => {
                let i = pos(&b, *a);
                b.truncate(i);
            }
        }
    }
    b
}

/// The shared checks for one frame, plus: no panic on the way, not even a contained one.
fn check(bytes: Vec<u8>, seq: u64) {
    static PIPELINE: std::sync::OnceLock<PipelineCheck> = std::sync::OnceLock::new();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    PANICS.with(|p| p.set(0));
    PIPELINE
        .get_or_init(PipelineCheck::new)
        .frame(bytes, None, seq);
    assert_eq!(
        PANICS.with(Cell::get),
        0,
        "parsing or mapping panicked (contained by the guard) on {text:?}"
    );
}

#[test]
fn every_fixture_line_unmutated() {
    count_panics();
    for (i, line) in corpus().iter().enumerate() {
        check(line.clone(), i as u64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn mutated_sender_lines_keep_every_invariant(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
        seq in any::<u32>(),
    ) {
        count_panics();
        let lines = corpus();
        let line = apply(&lines[which.index(lines.len())], &mutations);
        check(line, u64::from(seq));
    }
}
