//! Store benchmarks: append throughput (one fsync per batch, with O_DIRECT and through the
//! page cache, and one entry per call, as `hipaa-audit log` does) and verify throughput. Every figure is in entries per second
//! (`Throughput::Elements`).
//!
//! ```text
//! cargo bench --bench store                 # all of them, a few minutes on 2 cores
//! cargo bench --bench store -- verify       # only verify
//! cargo bench --bench store -- --test       # each benchmark once, small store (smoke test)
//! cargo test --benches                      # the same smoke test
//! ```
//!
//! Stores live in temporary directories (`$TMPDIR`, else `/tmp`): put that on the disk you
//! want to measure, since the append figures are fsync figures (tmpfs makes fsync free).
//!
//! Only the store's work is timed: building the `NewEntry` values, rotating to keep the
//! active segment bounded, and building the store that `verify` reads all happen outside the
//! measured time. Each timed append goes through [`Appender::append`] unchanged, so it pays
//! for everything a real append pays for: the lock, the manifest read, re-reading the chain's
//! tail from disk, hashing, one write, the fsync and the head update.

use std::hint::black_box;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use serde_json::{json, Value};
use tempfile::TempDir;

use hipaa_audit::store::rotate::{self, Rotated};
use hipaa_audit::store::writer::Appender;
use hipaa_audit::store::{verify, FsyncPolicy, NewEntry, Store};

/// Entries per batch in `append/batch_1000_fsync` (a busy collector's batch).
const BATCH: usize = 1000;
/// The append benchmarks rotate once the active segment holds this many entries, so the
/// store stays bounded however many iterations criterion asks for. Rotation is untimed; an
/// append's cost does not depend on the active segment's size (the tail is read backwards
/// from the end), so the threshold only bounds disk use.
const ROTATE_AFTER: u64 = 100_000;
/// Entries in the store `verify/N` reads, and how often it was rotated while being built:
/// two gzipped archives of 75,000 entries, then 50,000 in the active segment.
const VERIFY_ENTRIES: u64 = 200_000;
const VERIFY_ROTATE_EVERY: u64 = 75_000;
/// The same store, scaled down, for test mode (`--test`, `cargo test --benches`).
const VERIFY_ENTRIES_TEST: u64 = 2_000;
const VERIFY_ROTATE_EVERY_TEST: u64 = 750;

const ACTIONS: [&str; 6] = [
    "viewed chart",
    "updated medication list",
    "printed discharge summary",
    "exported lab results",
    "signed progress note",
    "searched patient index",
];
const EVENT_TYPES: [&str; 4] = ["access", "modification", "export", "authentication"];
const REASONS: [&str; 3] = ["treatment", "payment", "operations"];

/// A realistic entry: a clinician touching one patient's record, with two details. About
/// 300 bytes of its own fields; the line the writer renders, with `seq`, `hash` and
/// `previous_hash` added, is about 470 bytes (the verify store's build prints the figure).
fn realistic_entry(i: u64) -> NewEntry {
    let i_usize = i as usize;
    let mut e = NewEntry::new(
        EVENT_TYPES[i_usize % EVENT_TYPES.len()],
        ACTIONS[i_usize % ACTIONS.len()],
    );
    e.user_id = Some(format!("dr.user{:04}", i % 750));
    e.resource = Some(format!("Patient/{}", 10_000 + (i * 7_919) % 90_000));
    e.details.insert(
        "source_ip".into(),
        Value::String(format!("10.{}.{}.{}", i % 7, (i / 7) % 250, i % 251 + 1)),
    );
    e.details
        .insert("reason".into(), json!(REASONS[i_usize % REASONS.len()]));
    e
}

fn batch(next: &mut u64, n: usize) -> Vec<NewEntry> {
    let out = (*next..*next + n as u64).map(realistic_entry).collect();
    *next += n as u64;
    out
}

/// An initialized store in a fresh temporary directory (removed when dropped).
fn temp_store(fsync: FsyncPolicy) -> (TempDir, Store) {
    let dir = tempfile::Builder::new()
        .prefix("hipaa-audit-bench-")
        .tempdir()
        .expect("temporary directory");
    let store = Store::new(dir.path().join("logs"), fsync);
    store.init().expect("init store");
    (dir, store)
}

fn rotate_store(store: &Store) {
    match rotate::rotate(store).expect("rotate") {
        Rotated::Archived(_) => {}
        Rotated::Nothing => panic!("rotated an empty active segment"),
    }
}

/// A store being appended to across a benchmark's iterations.
struct AppendState {
    _dir: TempDir,
    store: Store,
    appender: Appender,
    /// Next entry number (for varied entry content).
    next: u64,
    /// Entries in the active segment.
    active: u64,
}

impl AppendState {
    fn new() -> AppendState {
        Self::with_direct_io(true)
    }

    fn with_direct_io(direct_io: bool) -> AppendState {
        let (dir, mut store) = temp_store(FsyncPolicy::Always);
        store.direct_io = direct_io;
        let appender = Appender::open(&store).expect("open appender");
        AppendState {
            _dir: dir,
            store,
            appender,
            next: 0,
            active: 0,
        }
    }

    /// Appends `iters` batches of `n` entries, timing only the `append` calls.
    fn run(&mut self, iters: u64, n: usize) -> Duration {
        let mut timed = Duration::ZERO;
        for _ in 0..iters {
            if self.active >= ROTATE_AFTER {
                rotate_store(&self.store);
                self.active = 0;
            }
            let entries = batch(&mut self.next, n);
            let start = Instant::now();
            let appended = self.appender.append(entries).expect("append");
            timed += start.elapsed();
            let appended = black_box(appended).expect("non-empty batch");
            assert_eq!(appended.count, n);
            self.active += n as u64;
        }
        timed
    }
}

fn bench_append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");

    // A few ms per batch: chaining (serialize + hash) 1000 entries, one write, one fsync.
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(15));
    let mut state = None;
    group.bench_function("batch_1000_fsync", |b| {
        let state = state.get_or_insert_with(AppendState::new);
        b.iter_custom(|iters| state.run(iters, BATCH));
    });
    drop(state);

    // The same through the page cache (`[store] direct_io = false`, or a file system that
    // refuses O_DIRECT): the difference is what O_DIRECT saves on this disk.
    let mut state = None;
    group.bench_function("batch_1000_fsync_buffered", |b| {
        let state = state.get_or_insert_with(|| AppendState::with_direct_io(false));
        b.iter_custom(|iters| state.run(iters, BATCH));
    });
    drop(state);

    // One entry per call, as `hipaa-audit log` appends: the fixed cost of a call (lock,
    // manifest read, tail re-read, fsync, head update) is all there is.
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    let mut state = None;
    group.bench_function("single_fsync", |b| {
        let state = state.get_or_insert_with(AppendState::new);
        b.iter_custom(|iters| state.run(iters, 1));
    });
    drop(state);

    group.finish();
}

/// Criterion's own rule: test mode unless `--bench` is given, or `--test` is given.
fn test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    !has("--bench") || has("--test")
}

/// Builds a store of `entries` entries quickly (batches of 1000, no fsync), rotating after
/// every `rotate_every` entries. Not timed.
fn build_store(dir: &Path, entries: u64, rotate_every: u64) -> Store {
    let store = Store::new(dir, FsyncPolicy::Never);
    store.init().expect("init store");
    let mut appender = Appender::open(&store).expect("open appender");
    let mut next = 0;
    let mut active = 0;
    while next < entries {
        if active >= rotate_every {
            rotate_store(&store);
            active = 0;
        }
        let n = (BATCH as u64)
            .min(entries - next)
            .min(rotate_every - active) as usize;
        appender.append(batch(&mut next, n)).expect("append");
        active += n as u64;
    }
    store
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn bench_verify(c: &mut Criterion) {
    let (entries, rotate_every) = if test_mode() {
        (VERIFY_ENTRIES_TEST, VERIFY_ROTATE_EVERY_TEST)
    } else {
        (VERIFY_ENTRIES, VERIFY_ROTATE_EVERY)
    };
    // Built on first use, so a filter that skips verify skips building it too.
    let built: OnceLock<(TempDir, Store)> = OnceLock::new();
    let get = || {
        built.get_or_init(|| {
            let dir = tempfile::Builder::new()
                .prefix("hipaa-audit-bench-verify-")
                .tempdir()
                .expect("temporary directory");
            let start = Instant::now();
            let store = build_store(&dir.path().join("logs"), entries, rotate_every);
            let active = std::fs::metadata(store.layout.active()).map_or(0, |m| m.len());
            let archive = dir_size(&store.layout.archive_dir());
            eprintln!(
                "verify store: {entries} entries built in {:.1?}; active segment {} entries, {:.1} MiB \
                 ({} bytes/line); archives {:.1} MiB gzipped",
                start.elapsed(),
                entries % rotate_every,
                active as f64 / (1 << 20) as f64,
                active / (entries % rotate_every).max(1),
                archive as f64 / (1 << 20) as f64,
            );
            let v = verify::verify(&store.layout).expect("verify runs");
            assert!(v.passed(), "freshly built store fails verify:\n{}", v.to_text());
            assert_eq!(v.entries_checked, entries);
            (dir, store)
        })
    };

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(entries));
    // One verify of 200,000 entries takes about a second: a few flat samples suffice.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(10));
    group.bench_with_input(BenchmarkId::from_parameter(entries), &entries, |b, &n| {
        let (_, store) = get();
        b.iter(|| {
            let v = verify::verify(black_box(&store.layout)).expect("verify runs");
            assert!(v.passed() && v.entries_checked == n);
            v
        });
    });
    group.finish();
}

criterion_group!(benches, bench_append, bench_verify);
criterion_main!(benches);
