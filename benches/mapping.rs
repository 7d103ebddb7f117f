//! Mapping throughput over a mixed corpus (the labelled auth lines of every sender family
//! plus the mixed fixture): messages parsed once outside the timing, then
//! `Mapper::builtin().map` per message. Goal: at least 1,000,000 lines/s on one core.
//! A second benchmark times parse + map, and a third `to_prepared`: parse, map and the
//! entry's canonical bytes, all the collector's I/O threads do per message.
//!
//! `MAPPING_BENCH_FILE=FILE[:FILE...] cargo bench --bench mapping` measures the same over
//! your own syslog lines instead (one message per line, blank and `#` lines skipped).
//! The `family/...` benchmarks then show where their time goes.

use std::path::Path;

use chrono::{DateTime, Utc};
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use hipaa_audit::ingest::{RawMessage, Transport};
use hipaa_audit::mapping::Mapper;
use hipaa_audit::parse::{parse, ParseOptions};
use hipaa_audit::pipeline::to_prepared;

fn corpus() -> Vec<String> {
    if let Some(files) = std::env::var_os("MAPPING_BENCH_FILE") {
        return std::env::split_paths(&files)
            .flat_map(|f| {
                let bytes = std::fs::read(&f)
                    .unwrap_or_else(|e| panic!("MAPPING_BENCH_FILE {}: {e}", f.display()));
                // Real logs hold invalid UTF-8; the collector replaces it the same way.
                let text = String::from_utf8_lossy(&bytes);
                text.lines()
                    .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mapping");
    let mut lines = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&f).expect("read fixture");
        for l in text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            if name.starts_with("labelled_") {
                if let Some(msg) = l.splitn(3, '\t').nth(2) {
                    lines.push(msg.to_owned());
                }
            } else if name.ends_with(".log") {
                lines.push(l.to_owned());
            }
        }
    }
    lines
}

fn bench(c: &mut Criterion) {
    let lines = corpus();
    let received: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-06-15T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let opts = ParseOptions {
        timezone: "UTC".parse().unwrap(),
    };
    let parsed: Vec<_> = lines.iter().map(|l| parse(l, received, &opts)).collect();
    let mapper = Mapper::builtin();
    let mut g = c.benchmark_group("mapping");
    g.throughput(Throughput::Elements(parsed.len() as u64));
    g.bench_function(format!("map/{}_mixed_lines", parsed.len()), |b| {
        b.iter(|| {
            for p in &parsed {
                black_box(mapper.map(black_box(p)));
            }
        })
    });
    g.bench_function(format!("parse_and_map/{}_mixed_lines", lines.len()), |b| {
        b.iter(|| {
            for l in &lines {
                black_box(mapper.map(&parse(black_box(l), received, &opts)));
            }
        })
    });
    // The whole per-message work of the collector's I/O threads: parse, map and the entry's
    // canonical bytes, from the bytes a connection read (`pipeline::to_prepared`).
    let raws: Vec<RawMessage> = lines
        .iter()
        .map(|l| RawMessage {
            bytes: l.as_bytes().to_vec(),
            peer: "192.0.2.10:51514".parse().unwrap(),
            transport: Transport::Tcp,
            received,
            truncated_from: None,
        })
        .collect();
    g.bench_function(format!("to_prepared/{}_mixed_lines", raws.len()), |b| {
        b.iter_batched(
            || raws.clone(),
            |raws| {
                for raw in raws {
                    black_box(to_prepared(raw, &opts, &mapper));
                }
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
    by_family(c, &mapper, &parsed);
}

/// Per-family breakdown (not part of the goal): the same parsed corpus split by the family
/// that maps each line (the rule's first segment), so a change can be measured where it
/// lands. Named `family/...` so that `-- map/` does not select it.
fn by_family(c: &mut Criterion, mapper: &Mapper, parsed: &[hipaa_audit::parse::Parsed]) {
    let mut families: std::collections::BTreeMap<String, Vec<_>> = Default::default();
    for p in parsed {
        let rule = mapper.map(p).rule;
        let family = rule.split(['.', ':']).next().unwrap_or("").to_owned();
        families.entry(family).or_default().push(p);
    }
    let mut g = c.benchmark_group("mapping");
    for (family, ps) in &families {
        g.throughput(Throughput::Elements(ps.len() as u64));
        g.bench_function(format!("family/{family}/{}_lines", ps.len()), |b| {
            b.iter(|| {
                for p in ps {
                    black_box(mapper.map(black_box(p)));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
