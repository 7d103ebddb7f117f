//! Fuzzes the intake path from bytes to audit entries: framing, syslog parsing, mapping and
//! the pipeline that fills an entry's fields, then the canonical serialization the store hashes.
//! Invariants: nothing panics, every frame becomes exactly one entry, and the entry keeps
//! the frame's text (lossily decoded) in `details.raw`.

#![no_main]

use std::net::SocketAddr;

use chrono::{TimeZone, Utc};
use hipaa_audit::ingest::framing::Framer;
use hipaa_audit::ingest::{RawMessage, Transport};
use hipaa_audit::mapping::Mapper;
use hipaa_audit::parse::ParseOptions;
use hipaa_audit::pipeline;
use hipaa_audit::store::canonical;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut framer = Framer::new(4096);
    let mut frames = Vec::new();
    framer.push(data, &mut frames);
    framer.finish(&mut frames);
    let peer: SocketAddr = "127.0.0.1:5514".parse().unwrap();
    let received = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 30).unwrap();
    let opts = ParseOptions { timezone: "America/New_York".parse().unwrap() };
    let mapper = Mapper::builtin();
    for frame in frames {
        let text = String::from_utf8_lossy(&frame.bytes).into_owned();
        let raw = RawMessage { bytes: frame.bytes, peer, transport: Transport::Tcp, received, truncated_from: frame.truncated_from };
        let (entry, _) = pipeline::to_entry(raw, &opts, &mapper);
        assert_eq!(entry.details.get("raw").and_then(|v| v.as_str()), Some(text.as_str()));
        let obj = entry.into_object(0);
        let mut out = Vec::new();
        canonical::write_object_except(&mut out, &obj, &[]);
        assert!(out.is_ascii());
    }
});
