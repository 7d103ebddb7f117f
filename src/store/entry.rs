//! Audit entries: what a caller hands to the writer ([`NewEntry`]) and the seed-compatible
//! object it becomes. The writer adds `seq`, `previous_hash` and `hash`.
//!
//! Numbers in entries are integers only: a float from the input is kept as its decimal
//! string, so the hash never depends on how a float is printed.

use chrono::{DateTime, SecondsFormat, Utc};

use super::canonical;
use serde_json::{Map, Value};

/// Written into every entry's `logger_version` (the seed wrote "1.0.0").
pub const LOGGER_VERSION: &str = concat!("hipaa-audit ", env!("CARGO_PKG_VERSION"));

/// Whether the audited action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Outcome {
    Success,
    Failure,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Unknown => "unknown",
        }
    }
}

/// One audit event before it is chained.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// When the event was recorded (the collector: when the message was received).
    pub timestamp: DateTime<Utc>,
    pub event_type: String,
    pub user_id: Option<String>,
    pub action: String,
    pub resource: Option<String>,
    pub outcome: String,
    /// The host the event is about (for `log`, this machine).
    pub hostname: String,
    pub details: Map<String, Value>,
    /// Further top-level fields (the collector's source address, syslog header, ...).
    /// `seq`, `hash` and `previous_hash` are the writer's and are replaced.
    pub extra: Map<String, Value>,
}

impl NewEntry {
    /// An entry stamped now, on this host, with outcome `success` (the seed's defaults).
    pub fn new(event_type: impl Into<String>, action: impl Into<String>) -> NewEntry {
        NewEntry {
            timestamp: Utc::now(),
            event_type: event_type.into(),
            user_id: None,
            action: action.into(),
            resource: None,
            outcome: Outcome::Success.as_str().to_owned(),
            hostname: local_hostname(),
            details: Map::new(),
            extra: Map::new(),
        }
    }

    /// The entry as a JSON object with the seed's fields plus `seq` (no hashes yet).
    pub fn into_object(self, seq: u64) -> Map<String, Value> {
        let mut obj = Map::new();
        for (k, v) in self.extra {
            obj.insert(k, integers_only(v));
        }
        obj.insert("timestamp".into(), format_timestamp(&self.timestamp).into());
        obj.insert("event_type".into(), self.event_type.into());
        obj.insert("user_id".into(), opt(self.user_id));
        obj.insert("action".into(), self.action.into());
        obj.insert("resource".into(), opt(self.resource));
        obj.insert("outcome".into(), self.outcome.into());
        obj.insert("hostname".into(), self.hostname.into());
        let details = self
            .details
            .into_iter()
            .map(|(k, v)| (k, integers_only(v)))
            .collect();
        obj.insert("details".into(), Value::Object(details));
        obj.insert("logger_version".into(), LOGGER_VERSION.into());
        obj.insert("seq".into(), seq.into());
        obj
    }

    /// Serializes the entry ahead of the writer (on the collector's I/O threads): its
    /// canonical form without `seq`, `hash` and `previous_hash`, and where each goes.
    pub fn prepare(self) -> Prepared {
        let mut obj = self.into_object(0);
        for k in ["seq", "hash", "previous_hash"] {
            obj.remove(k);
        }
        let mut bytes = Vec::with_capacity(768);
        let at = canonical::write_object_marking(&mut bytes, &obj, &[], Prepared::SLOTS);
        Prepared { bytes, at }
    }
}

/// An entry in canonical form but for the three fields only the writer knows. `hash` <
/// `previous_hash` < `seq` in key order, so the writer splices them in at the recorded
/// offsets ([`chain::write_prepared`](super::chain::write_prepared)) without parsing or
/// re-serializing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub(crate) bytes: Vec<u8>,
    /// Offsets where the `hash`, `previous_hash` and `seq` members start (`None`: at the end).
    pub(crate) at: [Option<usize>; 3],
}

impl Prepared {
    pub(crate) const SLOTS: [&'static str; 3] = ["hash", "previous_hash", "seq"];

    /// Memory it holds (its buffer's capacity), for the collector's queue bound.
    pub fn footprint(&self) -> usize {
        self.bytes.capacity() + std::mem::size_of::<Prepared>()
    }
}

fn opt(s: Option<String>) -> Value {
    s.map(Value::String).unwrap_or(Value::Null)
}

/// UTC ISO 8601 with microseconds and `Z`, as the seed writes (`2026-12-03T17:08:27.123456Z`).
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses an entry timestamp; accepts any RFC 3339 time and the seed's form (which omits the
/// fraction when the microseconds are zero).
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Replaces every non-integer number, at any depth, by its decimal string. Values without
/// a float (nearly all) are returned as they are, without rebuilding them.
pub fn integers_only(v: Value) -> Value {
    if !has_float(&v) {
        return v;
    }
    rebuild_floats(v)
}

fn has_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(a) => a.iter().any(has_float),
        Value::Object(o) => o.values().any(has_float),
        _ => false,
    }
}

fn rebuild_floats(v: Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => Value::String(n.to_string()),
        Value::Array(a) => Value::Array(a.into_iter().map(rebuild_floats).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, rebuild_floats(v))).collect())
        }
        other => other,
    }
}

/// This machine's host name, as the seed records it (`os.uname().nodename`).
pub fn local_hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_become_strings_at_any_depth() {
        let v = serde_json::json!({"a": 1.5, "b": [2, 0.25], "c": {"d": -3}});
        assert_eq!(
            integers_only(v),
            serde_json::json!({"a": "1.5", "b": [2, "0.25"], "c": {"d": -3}})
        );
    }

    #[test]
    fn timestamp_has_micros_and_z() {
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_timestamp(&t), "2026-01-02T03:04:05.000000Z");
        assert_eq!(parse_timestamp("2026-01-02T03:04:05Z"), Some(t));
    }

    #[test]
    fn object_has_seed_fields_and_seq() {
        let mut e = NewEntry::new("access", "viewed chart");
        e.user_id = Some("drjones".into());
        e.extra.insert("seq".into(), 99.into());
        let obj = e.into_object(7);
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "action",
                "details",
                "event_type",
                "hostname",
                "logger_version",
                "outcome",
                "resource",
                "seq",
                "timestamp",
                "user_id"
            ]
        );
        assert_eq!(obj["seq"], 7);
        assert_eq!(obj["resource"], Value::Null);
    }
}
