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
use crate::store::NewEntry;

/// Longest `action` taken from a message, in characters (the whole text is in details.raw).
pub const MAX_ACTION_CHARS: usize = 200;

/// What the pipeline learned about a message, for the collector's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    pub unparsed: bool,
    pub truncated: bool,
}

pub fn to_entry(raw: RawMessage, opts: &ParseOptions, mapper: &Mapper) -> (NewEntry, Flags) {
    let text = String::from_utf8_lossy(&raw.bytes);
    let invalid_utf8 = matches!(text, std::borrow::Cow::Owned(_));
    let parsed = parse::parse(&text, raw.received, opts);
    let flags = Flags {
        unparsed: parsed.format == Format::Unparsed,
        truncated: raw.truncated_from.is_some(),
    };
    let m = mapper.map(&parsed);

    let action = m.action.unwrap_or_else(|| action_of(&parsed.message));
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
            .clone()
            .unwrap_or_else(|| raw.peer.ip().to_string()),
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

/// The syslog header fields, as one object; absent fields are null.
fn header(p: &Parsed) -> Map<String, Value> {
    let s = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
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
        let mut sd = Map::new();
        for el in &p.structured_data {
            let mut params = Map::new();
            for (k, v) in &el.params {
                match params.get_mut(k) {
                    // A repeated parameter name keeps every value, in order.
                    Some(Value::Array(vs)) => vs.push(v.clone().into()),
                    Some(prev) => *prev = Value::Array(vec![prev.clone(), v.clone().into()]),
                    None => {
                        params.insert(k.clone(), v.clone().into());
                    }
                }
            }
            sd.insert(el.id.clone(), Value::Object(params));
        }
        h.insert("structured_data".into(), Value::Object(sd));
    }
    h
}

/// The first line of the message, trimmed, at most [`MAX_ACTION_CHARS`] characters.
fn action_of(message: &str) -> String {
    let line = message
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.is_empty() {
        return "(empty message)".into();
    }
    match line.char_indices().nth(MAX_ACTION_CHARS) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}
