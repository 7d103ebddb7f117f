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

use std::net::SocketAddr;

use chrono::{TimeZone, Utc};
use hipaa_audit::ingest::framing::Framer;
use hipaa_audit::ingest::{RawMessage, Transport};
use hipaa_audit::mapping::Mapper;
use hipaa_audit::parse::ParseOptions;
use hipaa_audit::pipeline;
use hipaa_audit::store::{chain, rawline};
use libfuzzer_sys::fuzz_target;

const PREVIOUS: &str = "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b";

fuzz_target!(|data: &[u8]| {
    let mut framer = Framer::new(4096);
    let mut frames = Vec::new();
    framer.push(data, &mut frames);
    framer.finish(&mut frames);
    let peer: SocketAddr = "127.0.0.1:5514".parse().unwrap();
    let received = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 30).unwrap();
    let opts = ParseOptions {
        timezone: "America/New_York".parse().unwrap(),
    };
    let mapper = Mapper::builtin();
    for (seq, frame) in frames.into_iter().enumerate() {
        let text = String::from_utf8_lossy(&frame.bytes).into_owned();
        let raw = RawMessage {
            bytes: frame.bytes,
            peer,
            transport: Transport::Tcp,
            received,
            truncated_from: frame.truncated_from,
        };
        let (direct, direct_flags) = pipeline::to_prepared(raw.clone(), &opts, &mapper);
        let (entry, flags) = pipeline::to_entry(raw, &opts, &mapper);
        assert_eq!(
            entry.details.get("raw").and_then(|v| v.as_str()),
            Some(text.as_str())
        );
        assert_eq!(direct_flags, flags);
        assert_eq!(direct, entry.prepare(), "direct rendering differs from the map path");

        let seq = seq as u64;
        let mut line = Vec::new();
        let hash = chain::write_prepared(&direct, seq, PREVIOUS, &mut line);
        assert!(line.is_ascii());
        let value: serde_json::Value = serde_json::from_slice(&line).expect("a stored line is JSON");
        assert_eq!(value["seq"].as_u64(), Some(seq));
        assert_eq!(value["previous_hash"].as_str(), Some(PREVIOUS));
        assert_eq!(value["hash"].as_str().map(str::as_bytes), Some(&hash[..]));
        let scanned = rawline::scan(&line).expect("the verifier reads the line");
        assert_eq!(scanned.content_hash(PREVIOUS), hash);
    }
});
