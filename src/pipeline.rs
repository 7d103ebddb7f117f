//! From a received message to an audit entry: parse, map (who / what / resource /
//! outcome), then fill the entry's fields. Pure: no I/O, no clock (the receive time comes
//! with the message), never fails: a message that does not parse still becomes an entry,
//! marked `unparsed`, with its raw text; a message no rule recognises is `unclassified`,
//! with the message text as its action.

use base64::Engine;
use serde_json::{Map, Value};

use crate::ingest::RawMessage;
use crate::mapping::Mapper;
use crate::parse::{self, Format, ParseOptions, Parsed};
use crate::store::entry::{format_timestamp, Prepared, LOGGER_VERSION};
use crate::store::NewEntry;
use crate::store::{canonical, chain};

/// Longest `action` taken from a message, in characters (the whole text is in details.raw).
pub const MAX_ACTION_CHARS: usize = 200;

/// What the pipeline learned about a message, for the collector's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    pub unparsed: bool,
    pub truncated: bool,
}

pub fn to_entry(raw: RawMessage, opts: &ParseOptions, mapper: &Mapper) -> (NewEntry, Flags) {
    let text = lossy(&raw.bytes);
    let invalid_utf8 = matches!(text, std::borrow::Cow::Owned(_));
    let parsed = parse::parse(&text, raw.received, opts);
    let flags = Flags {
        unparsed: parsed.format == Format::Unparsed,
        truncated: raw.truncated_from.is_some(),
    };
    let m = mapper.map(&parsed);

    let action = m
        .action
        .unwrap_or_else(|| action_of(&parsed.message).into_owned());
    // Built directly: `NewEntry::new` would ask the clock and this host's name.
    let mut e = NewEntry {
        timestamp: raw.received,
        event_type: m.event_type.as_str().to_owned(),
        user_id: m.user_id,
        action,
        resource: m.resource,
        outcome: m.outcome.as_str().to_owned(),
        hostname: parsed
            .hostname
            .as_deref()
            .map_or_else(|| raw.peer.ip().to_string(), str::to_owned),
        details: Map::new(),
        extra: Map::new(),
    };
    // The address the message names as the origin, apart from the peer that delivered it.
    if let Some(addr) = m.source_address {
        e.extra.insert("claimed_source".into(), addr.into());
    }
    if let Some(sev) = m.severity {
        e.extra.insert("alert".into(), sev.into());
    }
    e.details.insert("mapping_rule".into(), m.rule.into());
    e.extra
        .insert("source_ip".into(), raw.peer.ip().to_string().into());
    e.extra.insert("source_port".into(), raw.peer.port().into());
    e.extra
        .insert("transport".into(), raw.transport.as_str().into());
    e.extra
        .insert("syslog".into(), Value::Object(header(&parsed)));

    e.details
        .insert("raw".into(), Value::String(text.into_owned()));
    if invalid_utf8 {
        e.details.insert(
            "raw_base64".into(),
            base64::engine::general_purpose::STANDARD
                .encode(&raw.bytes)
                .into(),
        );
    }
    if let Some(len) = raw.truncated_from {
        e.details.insert("truncated_from".into(), len.into());
    }
    (e, flags)
}

/// The collector's hot path: the same entry as [`to_entry`] followed by
/// [`NewEntry::prepare`], byte for byte, but written straight into canonical JSON in the
/// fixed key order of collector entries, without building JSON maps (they cost about half
/// of the per-message work). `to_entry` stays the reference; a test holds the two equal.
pub fn to_prepared(raw: RawMessage, opts: &ParseOptions, mapper: &Mapper) -> (Prepared, Flags) {
    let text = lossy(&raw.bytes);
    let invalid_utf8 = matches!(text, std::borrow::Cow::Owned(_));
    let parsed = parse::parse(&text, raw.received, opts);
    let flags = Flags {
        unparsed: parsed.format == Format::Unparsed,
        truncated: raw.truncated_from.is_some(),
    };
    let m = mapper.map(&parsed);
    let action = match &m.action {
        Some(a) => std::borrow::Cow::Borrowed(a.as_str()),
        None => action_of(&parsed.message),
    };
    let mut ip_buf = [0u8; 15];
    let peer_ip = ip_text(raw.peer.ip(), &mut ip_buf);

    // Room for the whole entry (the raw text appears twice, once as action) so that it is
    // written without growing the buffer.
    let mut o = Vec::with_capacity(768 + 2 * text.len());
    let mut at = [None; 3];
    let s = |o: &mut Vec<u8>, v: &str| canonical::write_str(o, v);
    let opt = |o: &mut Vec<u8>, v: Option<&str>| match v {
        Some(v) => canonical::write_str(o, v),
        None => o.extend_from_slice(b"null"),
    };
    // Keys in code-point order; `hash`, `previous_hash` and `seq` are left to the writer.
    o.extend_from_slice(b"{\"action\": ");
    let quote = o.len();
    s(&mut o, &action);
    // The action's escaped text, between its quotes.
    let escaped_action = quote + 1..o.len() - 1;
    if let Some(sev) = m.severity {
        o.extend_from_slice(b", \"alert\": ");
        s(&mut o, sev);
    }
    if let Some(addr) = &m.source_address {
        o.extend_from_slice(b", \"claimed_source\": ");
        s(&mut o, addr);
    }
    o.extend_from_slice(b", \"details\": {\"mapping_rule\": ");
    s(&mut o, &m.rule);
    o.extend_from_slice(b", \"raw\": ");
    match text.strip_suffix(&*action) {
        // Most often the action is the message, and the message ends the raw text: its
        // escaped bytes are written already (escaping goes character by character).
        Some(before) if !action.is_empty() => {
            o.push(b'"');
            canonical::write_escaped(&mut o, before);
            o.extend_from_within(escaped_action);
            o.push(b'"');
        }
        _ => s(&mut o, &text),
    }
    if invalid_utf8 {
        o.extend_from_slice(b", \"raw_base64\": ");
        s(
            &mut o,
            &base64::engine::general_purpose::STANDARD.encode(&raw.bytes),
        );
    }
    if let Some(len) = raw.truncated_from {
        o.extend_from_slice(format!(", \"truncated_from\": {len}").as_bytes());
    }
    o.extend_from_slice(b"}, \"event_type\": ");
    s(&mut o, m.event_type.as_str());
    o.extend_from_slice(b", ");
    at[0] = Some(o.len());
    o.extend_from_slice(b"\"hostname\": ");
    s(&mut o, parsed.hostname.as_deref().unwrap_or(&peer_ip));
    o.extend_from_slice(b", \"logger_version\": ");
    s(&mut o, LOGGER_VERSION);
    o.extend_from_slice(b", \"outcome\": ");
    s(&mut o, m.outcome.as_str());
    o.extend_from_slice(b", ");
    at[1] = Some(o.len());
    o.extend_from_slice(b"\"resource\": ");
    opt(&mut o, m.resource.as_deref());
    o.extend_from_slice(b", ");
    at[2] = Some(o.len());
    o.extend_from_slice(b"\"source_ip\": ");
    s(&mut o, &peer_ip);
    o.extend_from_slice(b", \"source_port\": ");
    o.extend_from_slice(chain::decimal(raw.peer.port().into(), &mut [0; 20]));
    o.extend_from_slice(b", \"syslog\": {\"app_name\": ");
    let p = &parsed;
    opt(&mut o, p.app_name.as_deref());
    o.extend_from_slice(b", \"facility\": ");
    opt(&mut o, p.facility.map(parse::facility_name));
    o.extend_from_slice(b", \"format\": ");
    s(&mut o, p.format.as_str());
    o.extend_from_slice(b", \"hostname\": ");
    opt(&mut o, p.hostname.as_deref());
    o.extend_from_slice(b", \"msgid\": ");
    opt(&mut o, p.msgid.as_deref());
    o.extend_from_slice(b", \"procid\": ");
    opt(&mut o, p.procid.as_deref());
    o.extend_from_slice(b", \"severity\": ");
    opt(&mut o, p.severity.map(parse::severity_name));
    if !p.structured_data.is_empty() {
        o.extend_from_slice(b", \"structured_data\": ");
        write_structured_data(&mut o, p);
    }
    o.extend_from_slice(b", \"timestamp\": ");
    match &p.timestamp {
        Some(t) => write_rfc3339(&mut o, t),
        None => o.extend_from_slice(b"null"),
    }
    o.extend_from_slice(b"}, \"timestamp\": ");
    s(&mut o, &format_timestamp(&raw.received));
    o.extend_from_slice(b", \"transport\": ");
    s(&mut o, raw.transport.as_str());
    o.extend_from_slice(b", \"user_id\": ");
    opt(&mut o, m.user_id.as_deref());
    o.push(b'}');
    (Prepared { bytes: o, at }, flags)
}

/// `t.to_rfc3339()` as a JSON string (it needs no escaping), without the formatting
/// machinery or an allocation: the message's own timestamp, once per message. What chrono
/// writes is the reference; cases this does not write by hand (years outside 0-9999, a leap
/// second, an offset with seconds) go through chrono, and a test holds the two equal.
fn write_rfc3339(o: &mut Vec<u8>, t: &chrono::DateTime<chrono::FixedOffset>) {
    use chrono::{Datelike, Timelike};
    let offset = t.offset().local_minus_utc();
    let nanos = t.nanosecond();
    let year = t.year();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 || offset % 60 != 0 {
        canonical::write_str(o, &t.to_rfc3339());
        return;
    }
    let digits = |o: &mut Vec<u8>, n: u32, width: u32| {
        for i in (0..width).rev() {
            o.push(b'0' + (n / 10u32.pow(i) % 10) as u8);
        }
    };
    o.push(b'"');
    digits(o, year as u32, 4);
    o.push(b'-');
    digits(o, t.month(), 2);
    o.push(b'-');
    digits(o, t.day(), 2);
    o.push(b'T');
    digits(o, t.hour(), 2);
    o.push(b':');
    digits(o, t.minute(), 2);
    o.push(b':');
    digits(o, t.second(), 2);
    // chrono's AutoSi: no fraction, or milli-, micro- or nanoseconds, whichever is exact.
    if nanos != 0 {
        o.push(b'.');
        if nanos.is_multiple_of(1_000_000) {
            digits(o, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            digits(o, nanos / 1_000, 6);
        } else {
            digits(o, nanos, 9);
        }
    }
    o.push(if offset < 0 { b'-' } else { b'+' });
    let minutes = offset.unsigned_abs() / 60;
    digits(o, minutes / 60, 2);
    o.push(b':');
    digits(o, minutes % 60, 2);
    o.push(b'"');
}

/// The peer's address as text: IPv4 formatted by hand into `buf` (`Ipv4Addr`'s `Display`
/// goes through the formatting machinery, a visible cost per message), IPv6 by `Display`.
fn ip_text(ip: std::net::IpAddr, buf: &mut [u8; 15]) -> std::borrow::Cow<'_, str> {
    let std::net::IpAddr::V4(v4) = ip else {
        return ip.to_string().into();
    };
    let mut n = 0;
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        if octet >= 100 {
            buf[n] = b'0' + octet / 100;
            n += 1;
        }
        if octet >= 10 {
            buf[n] = b'0' + octet / 10 % 10;
            n += 1;
        }
        buf[n] = b'0' + octet % 10;
        n += 1;
    }
    std::str::from_utf8(&buf[..n])
        .expect("digits and dots")
        .into()
}

/// The frame as text, invalid UTF-8 replaced. `str::from_utf8` first: its ASCII fast path
/// is several times quicker than the lossy decoder on the valid text nearly all senders send.
fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// [`structured_data`] in canonical JSON, written without building the map: SD-IDs and
/// parameter names sorted, the last element of a repeated SD-ID kept, the values of a
/// repeated parameter in an array in the order sent.
fn write_structured_data(o: &mut Vec<u8>, p: &Parsed) {
    let mut elements: Vec<&parse::SdElement> = Vec::with_capacity(p.structured_data.len());
    for el in p.structured_data.iter().rev() {
        if !elements.iter().any(|e| e.id == el.id) {
            elements.push(el);
        }
    }
    elements.sort_by(|a, b| a.id.cmp(&b.id));
    o.push(b'{');
    for (i, el) in elements.iter().enumerate() {
        if i > 0 {
            o.extend_from_slice(b", ");
        }
        canonical::write_str(o, &el.id);
        o.extend_from_slice(b": {");
        let mut params: Vec<_> = el.params.iter().collect();
        params.sort_by(|a, b| a.0.cmp(&b.0)); // stable: repeated names keep their order
        let mut k = 0;
        while k < params.len() {
            let name = &params[k].0;
            let run = params[k..].iter().take_while(|(n, _)| n == name).count();
            if k > 0 {
                o.extend_from_slice(b", ");
            }
            canonical::write_str(o, name);
            o.extend_from_slice(b": ");
            if run == 1 {
                canonical::write_str(o, &params[k].1);
            } else {
                o.push(b'[');
                for (j, (_, value)) in params[k..k + run].iter().enumerate() {
                    if j > 0 {
                        o.extend_from_slice(b", ");
                    }
                    canonical::write_str(o, value);
                }
                o.push(b']');
            }
            k += run;
        }
        o.push(b'}');
    }
    o.push(b'}');
}

/// Structured data as one object: SD-ID -> params; a repeated parameter keeps every value.
fn structured_data(p: &Parsed) -> Value {
    let mut sd = Map::new();
    for el in &p.structured_data {
        let mut params = Map::new();
        for (k, v) in &el.params {
            let v = Value::String(v.to_string());
            match params.get_mut(&**k) {
                Some(Value::Array(vs)) => vs.push(v),
                Some(prev) => *prev = Value::Array(vec![prev.clone(), v]),
                None => {
                    params.insert(k.to_string(), v);
                }
            }
        }
        sd.insert(el.id.to_string(), Value::Object(params));
    }
    Value::Object(sd)
}

/// The syslog header fields, as one object; absent fields are null.
fn header(p: &Parsed) -> Map<String, Value> {
    let s = |v: &Option<std::borrow::Cow<str>>| v.as_deref().map_or(Value::Null, Value::from);
    let mut h = Map::new();
    h.insert("format".into(), p.format.as_str().into());
    h.insert(
        "facility".into(),
        p.facility
            .map_or(Value::Null, |f| parse::facility_name(f).into()),
    );
    h.insert(
        "severity".into(),
        p.severity
            .map_or(Value::Null, |f| parse::severity_name(f).into()),
    );
    h.insert("hostname".into(), s(&p.hostname));
    h.insert("app_name".into(), s(&p.app_name));
    h.insert("procid".into(), s(&p.procid));
    h.insert("msgid".into(), s(&p.msgid));
    h.insert(
        "timestamp".into(),
        p.timestamp.map_or(Value::Null, |t| t.to_rfc3339().into()),
    );
    if !p.structured_data.is_empty() {
        h.insert("structured_data".into(), structured_data(p));
    }
    h
}

/// The first line of the message, trimmed, at most [`MAX_ACTION_CHARS`] characters.
fn action_of(message: &str) -> std::borrow::Cow<'_, str> {
    let line = message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.is_empty() {
        return "(empty message)".into();
    }
    if line.len() <= MAX_ACTION_CHARS {
        return line.into(); // no more characters than bytes
    }
    match line.char_indices().nth(MAX_ACTION_CHARS) {
        Some((i, _)) => format!("{}…", &line[..i]).into(),
        None => line.into(),
    }
}

#[cfg(test)]
mod equivalence {
    use super::*;
    use crate::ingest::Transport;
    use chrono::{DateTime, Utc};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn message_timestamps_are_written_as_chrono_writes_them(
            secs in -70_000_000_000i64..300_000_000_000,
            nanos in prop_oneof![
                Just(0u32),
                (0u32..1000).prop_map(|n| n * 1_000_000),
                (0u32..1_000_000).prop_map(|n| n * 1_000),
                0u32..1_000_000_000,
                1_000_000_000u32..2_000_000_000,
            ],
            offset in prop_oneof![
                (-1439i32..1440).prop_map(|m| m * 60),
                -86_399i32..86_400,
            ],
        ) {
            let zone = chrono::FixedOffset::east_opt(offset).unwrap();
            let Some(t) = DateTime::from_timestamp(secs, nanos) else {
                return Ok(());
            };
            let t = t.with_timezone(&zone);
            let mut ours = Vec::new();
            write_rfc3339(&mut ours, &t);
            let mut theirs = Vec::new();
            canonical::write_str(&mut theirs, &t.to_rfc3339());
            prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }

    fn raw(
        bytes: Vec<u8>,
        v6: bool,
        transport: Transport,
        truncated_from: Option<usize>,
    ) -> RawMessage {
        let peer = if v6 {
            "[2001:db8::7]:6514"
        } else {
            "192.0.2.9:51514"
        };
        RawMessage {
            bytes,
            peer: peer.parse().unwrap(),
            transport,
            received: DateTime::parse_from_rfc3339("2026-06-15T12:00:00.123456Z")
                .unwrap()
                .with_timezone(&Utc),
            truncated_from,
        }
    }

    fn same(r: RawMessage) {
        let (opts, mapper) = (
            ParseOptions {
                timezone: "UTC".parse().unwrap(),
            },
            Mapper::builtin(),
        );
        let (direct, f1) = to_prepared(r.clone(), &opts, &mapper);
        let (entry, f2) = to_entry(r, &opts, &mapper);
        let reference = entry.prepare();
        assert_eq!(f1, f2);
        assert_eq!(
            String::from_utf8_lossy(&direct.bytes),
            String::from_utf8_lossy(&reference.bytes),
            "direct rendering differs from the map path"
        );
        assert_eq!(direct.at, reference.at);
    }

    #[test]
    fn ip_text_is_display() {
        let mut buf = [0u8; 15];
        for ip in [
            "0.0.0.0",
            "255.255.255.255",
            "10.0.100.9",
            "192.168.1.10",
            "1.20.3.40",
            "2001:db8::7",
            "::ffff:10.0.0.1",
        ] {
            let ip: std::net::IpAddr = ip.parse().unwrap();
            assert_eq!(ip_text(ip, &mut buf), ip.to_string());
        }
        for o in 0..=255u8 {
            let ip = std::net::IpAddr::from([o, 255 - o, o / 2, o / 3]);
            assert_eq!(ip_text(ip, &mut buf), ip.to_string());
        }
    }

    #[test]
    fn every_fixture_line_renders_the_same_both_ways() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mapping");
        let mut n = 0;
        for f in std::fs::read_dir(dir).unwrap().flatten() {
            for line in std::fs::read_to_string(f.path()).unwrap().lines() {
                let msg = line.rsplit('\t').next().unwrap_or(line);
                same(raw(
                    msg.as_bytes().to_vec(),
                    n % 2 == 0,
                    Transport::Tcp,
                    None,
                ));
                n += 1;
            }
        }
        assert!(n > 200, "{n} lines");
        let sd = "<134>1 2026-06-15T12:00:07Z h app 1 ID [b@1 k=\"1\" k=\"2\" k=\"3\"][a@1 z=\"\\\"q\\\"\" y=\"\"] hi";
        same(raw(
            sd.as_bytes().to_vec(),
            true,
            Transport::Tls,
            Some(9999),
        ));
        same(raw(
            b"<13>\xff\xfe invalid utf-8 \x00 nul".to_vec(),
            false,
            Transport::Udp,
            None,
        ));
        same(raw(Vec::new(), false, Transport::Udp, None));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn any_message_renders_the_same_both_ways(
            prefix in prop::sample::select(vec!["", "<13>", "<38>Jun 15 11:58:01 h sshd[1]: ", "<134>1 2026-06-15T12:00:07Z h app 1 - [x@1 a=\"b\"] ", "<189>date=1 user=\"u\" "]),
            body in prop::collection::vec(any::<u8>(), 0..200),
            text in "\\PC{0,80}",
            v6: bool,
            t in 0..3u8,
            truncated in prop::option::of(0usize..100_000),
        ) {
            let mut bytes = prefix.as_bytes().to_vec();
            bytes.extend_from_slice(text.as_bytes());
            bytes.extend_from_slice(&body);
            let transport = [Transport::Udp, Transport::Tcp, Transport::Tls][t as usize];
            same(raw(bytes, v6, transport, truncated));
        }

        #[test]
        fn any_structured_data_renders_the_same_both_ways(
            elements in prop::collection::vec(
                (
                    prop::sample::select(vec!["b@1", "a@1", "c@9", "origin"]),
                    prop::collection::vec(
                        (prop::sample::select(vec!["k", "j", "z", "ip"]), "[a-z\"\\\\\\]é ]{0,4}"),
                        0..5,
                    ),
                ),
                1..5,
            ),
        ) {
            let mut sd = String::new();
            for (id, params) in &elements {
                sd.push('[');
                sd.push_str(id);
                for (name, value) in params {
                    let escaped = value
                        .replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace(']', "\\]");
                    sd.push_str(&format!(" {name}=\"{escaped}\""));
                }
                sd.push(']');
            }
            let line = format!("<134>1 2026-06-15T12:00:07Z h app 1 ID {sd} text");
            same(raw(line.into_bytes(), false, Transport::Tcp, None));
        }
    }
}
