//! Concurrent writers: separate `hipaa-audit log` processes appending at once (and `rotate`
//! running among them) never lose, duplicate or fork an entry.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::{describe, TestStore};
use crate::trail::{all_entries, records, s, seqs};

const WRITERS: usize = 4;
const PER_WRITER: usize = 200;
const TOTAL: usize = WRITERS * PER_WRITER;

/// One appender: `PER_WRITER` processes in a row, each logging one entry tagged with the
/// writer and its number.
fn appender(store: &TestStore, writer: usize) {
    for i in 0..PER_WRITER {
        let user = format!("writer{writer}");
        let resource = format!("w{writer}/{i}");
        let out = store.run(&[
            "log",
            "access",
            "--user",
            &user,
            "--action",
            "concurrent append",
            "--resource",
            &resource,
        ]);
        assert!(
            out.status.success(),
            "writer {writer} append {i} failed: {}",
            describe(&out)
        );
    }
}

/// Every (writer, number) pair appears exactly once, and seqs are 0..TOTAL in order.
fn assert_all_entries_once(store: &TestStore) {
    let entries = all_entries(store);
    assert_eq!(entries.len(), TOTAL, "expected {TOTAL} entries");
    assert_eq!(seqs(&entries), (0..TOTAL as u64).collect::<Vec<_>>());
    let tags: BTreeSet<&str> = entries.iter().map(|e| s(e, "resource")).collect();
    assert_eq!(tags.len(), TOTAL, "some entry was written twice or lost");
    for w in 0..WRITERS {
        for i in 0..PER_WRITER {
            assert!(
                tags.contains(format!("w{w}/{i}").as_str()),
                "w{w}/{i} missing"
            );
        }
    }
    // Each entry chains to the one before it, across segments.
    for pair in entries.windows(2) {
        assert_eq!(s(&pair[1], "previous_hash"), s(&pair[0], "hash"));
    }
    assert_eq!(s(&entries[0], "previous_hash"), "0".repeat(64));
}

#[test]
fn four_processes_appending_at_once_keep_one_chain_of_800() {
    let store = TestStore::new();
    std::thread::scope(|scope| {
        for w in 0..WRITERS {
            let store = &store;
            scope.spawn(move || appender(store, w));
        }
    });
    assert_eq!(store.active_lines().len(), TOTAL);
    assert!(store.archives().is_empty());
    assert_all_entries_once(&store);
    let text = store.assert_pass();
    assert!(
        text.contains(&format!("checked {TOTAL} entries (seq 0..{})", TOTAL - 1)),
        "{text}"
    );
}

#[test]
fn rotating_while_four_processes_append_loses_nothing() {
    let store = TestStore::new();
    let done = AtomicBool::new(false);
    let archived = std::thread::scope(|scope| {
        let rotator = scope.spawn(|| {
            let mut archived = 0;
            let mut runs = 0;
            // Several rotations spread over the appends, at least three whatever the timing.
            while runs < 3 || (runs < 12 && !done.load(Ordering::SeqCst)) {
                std::thread::sleep(Duration::from_millis(150));
                let out = store.ok(&["rotate"]);
                if out.starts_with("Rotated: ") {
                    archived += 1;
                }
                runs += 1;
            }
            archived
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let store = &store;
                scope.spawn(move || appender(store, w))
            })
            .collect();
        for h in writers {
            h.join().expect("appender thread");
        }
        done.store(true, Ordering::SeqCst);
        rotator.join().expect("rotator thread")
    });
    assert!(archived >= 1, "no rotation happened while appending");
    assert_eq!(store.archives().len(), archived);
    assert_eq!(records(&store, "rotate").len(), archived);
    assert_all_entries_once(&store);
    let text = store.assert_pass();
    assert!(
        text.contains(&format!("checked {TOTAL} entries (seq 0..{})", TOTAL - 1)),
        "{text}"
    );
}

/// The collector's appender keeps the lock between batches and remembers where the chain
/// ends, so it reads nothing back from the disk while nobody else writes. Whatever others
/// do while it has let the lock go (a `log`, a rotation, a torn line left by a crash), its
/// next batch must chain onto the real end.
#[test]
fn an_appender_that_kept_its_place_follows_what_others_did_meanwhile() {
    use hipaa_audit::store::{writer::Appender, FsyncPolicy, NewEntry, Store};
    let store = TestStore::new();
    let lib = Store::new(store.dir(), FsyncPolicy::Always);
    let mut ours = Appender::open(&lib).unwrap();
    let batch = |tag: &str, n: usize| -> Vec<hipaa_audit::store::entry::Prepared> {
        (0..n)
            .map(|i| NewEntry::new("access", format!("{tag} {i}")).prepare())
            .collect()
    };
    let mut expected = 0;
    // Several batches while holding the lock: none waits for the disk.
    for round in 0..3 {
        ours.enqueue(batch(&format!("pipelined {round}"), 400))
            .unwrap();
        expected += 400;
    }
    assert!(
        ours.held_for().is_some(),
        "the lock is held between batches"
    );
    let mut durable = ours.durable().unwrap();
    durable += ours.release().unwrap();
    assert_eq!(
        durable, expected as u64,
        "every batch is reported durable once"
    );
    assert!(ours.held_for().is_none());
    assert_eq!(ours.not_durable(), 0);

    type Other<'a> = (&'a str, &'a dyn Fn(&TestStore));
    let others: [Other; 3] = [
        ("log", &|s| s.log_n(2)),
        ("rotate", &|s| {
            assert!(s.ok(&["rotate"]).starts_with("Rotated: "));
        }),
        ("torn line", &|s| {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(s.path("audit.jsonl"))
                .unwrap();
            f.write_all(b"{\"action\": \"half an en").unwrap();
        }),
    ];
    for (what, other) in others {
        other(&store);
        if what == "log" {
            expected += 2;
        }
        ours.append_prepared(batch(&format!("after {what}"), 5))
            .unwrap_or_else(|e| panic!("after {what}: {e}"));
        expected += 5;
        let entries = all_entries(&store);
        let seqs = seqs(&entries);
        assert_eq!(seqs.len(), expected, "after {what}");
        let gap = seqs.iter().enumerate().find(|(i, s)| **s != *i as u64);
        assert_eq!(gap, None, "after {what}: seqs not 0..{expected}");
        for pair in entries.windows(2) {
            assert_eq!(
                s(&pair[1], "previous_hash"),
                s(&pair[0], "hash"),
                "after {what}"
            );
        }
    }
    let text = store.assert_pass();
    assert!(
        text.contains(&format!("checked {expected} entries")),
        "{text}"
    );
}
