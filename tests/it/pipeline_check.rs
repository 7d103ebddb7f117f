//! The invariants of one frame's trip through the collector, from its bytes to a chained
//! line: shared by `tests/it/mutations.rs` (stable, every test run) and the `parse` fuzz
//! target (`fuzz/fuzz_targets/parse.rs` includes this file by path).
//!
//! - the frame becomes one entry that keeps its text (lossily decoded) in `details.raw`;
//! - the collector's direct rendering (`pipeline::to_prepared`) is byte-equal to the
//!   reference path (`to_entry` then `prepare`), flags included;
//! - the chained line is ASCII, parses as JSON, carries the seq and previous hash it was
//!   given, and the verifier's fast path (`rawline`) finds the hash the writer wrote.

use std::net::SocketAddr;

use chrono::{DateTime, TimeZone, Utc};
use hipaa_audit::ingest::{RawMessage, Transport};
use hipaa_audit::mapping::Mapper;
use hipaa_audit::parse::ParseOptions;
use hipaa_audit::pipeline;
use hipaa_audit::store::{chain, rawline};

const PREVIOUS: &str = "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b";

/// What every frame is checked with: the built-in rules, a zone with daylight saving for
/// RFC 3164 times, a receive time just after New Year (the year guess at its hardest).
pub struct PipelineCheck {
    opts: ParseOptions,
    mapper: Mapper,
    peer: SocketAddr,
    received: DateTime<Utc>,
}

impl PipelineCheck {
    pub fn new() -> PipelineCheck {
        PipelineCheck {
            opts: ParseOptions {
                timezone: "America/New_York".parse().unwrap(),
            },
            mapper: Mapper::builtin(),
            peer: "192.0.2.10:51514".parse().unwrap(),
            received: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 30).unwrap(),
        }
    }

    /// Checks one frame (its bytes without framing) as entry number `seq`.
    pub fn frame(&self, bytes: Vec<u8>, truncated_from: Option<usize>, seq: u64) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let raw = RawMessage {
            bytes,
            peer: self.peer,
            transport: Transport::Tcp,
            received: self.received,
            truncated_from,
        };
        let (direct, direct_flags) = pipeline::to_prepared(raw.clone(), &self.opts, &self.mapper);
        let (entry, flags) = pipeline::to_entry(raw, &self.opts, &self.mapper);
        assert_eq!(
            entry.details.get("raw").and_then(|v| v.as_str()),
            Some(text.as_str())
        );
        assert_eq!(direct_flags, flags, "{text:?}");
        assert!(
            direct == entry.prepare(),
            "the direct rendering differs from the reference path for {text:?}"
        );

        let mut line = Vec::new();
        let hash = chain::write_prepared(&direct, seq, PREVIOUS, &mut line);
        assert!(line.is_ascii());
        let value: serde_json::Value =
            serde_json::from_slice(&line).expect("a stored line is JSON");
        assert_eq!(value["seq"].as_u64(), Some(seq));
        assert_eq!(value["previous_hash"].as_str(), Some(PREVIOUS));
        assert_eq!(value["hash"].as_str().map(str::as_bytes), Some(&hash[..]));
        let scanned = rawline::scan(&line).expect("the verifier reads the line");
        assert_eq!(scanned.content_hash(PREVIOUS), hash);
    }
}
