//! Fuzzes the intake path from bytes to stored lines: framing, syslog parsing (the fast RFC
//! 5424 reader and the general one), mapping (ATNA XML included) and both renderings of an
//! entry, then the writer's chaining and the verifier's fast path.
//!
//! Invariants:
//! - nothing panics, and every frame becomes exactly one entry that keeps the frame's text
//!   (lossily decoded) in `details.raw`;
//! - the collector's direct rendering (`pipeline::to_prepared`) is byte-equal to the
//!   reference path (`to_entry` then `prepare`), flags included;
//! - the chained line is ASCII, parses as JSON, carries the seq and previous hash it was
//!   given, and the verifier's fast path (`rawline`) finds the same hash the writer wrote.

#![no_main]

use hipaa_audit::ingest::framing::Framer;
use libfuzzer_sys::fuzz_target;

// The per-frame checks, shared with the stable test `tests/it/mutations.rs`.
#[path = "../../tests/it/pipeline_check.rs"]
mod pipeline_check;

use pipeline_check::PipelineCheck;

fuzz_target!(|data: &[u8]| {
    static PIPELINE: std::sync::OnceLock<PipelineCheck> = std::sync::OnceLock::new();
    let pipeline = PIPELINE.get_or_init(PipelineCheck::new);
    let mut framer = Framer::new(4096);
    let mut frames = Vec::new();
    framer.push(data, &mut frames);
    framer.finish(&mut frames);
    for (seq, frame) in frames.into_iter().enumerate() {
        pipeline.frame(frame.bytes, frame.truncated_from, seq as u64);
    }
});
