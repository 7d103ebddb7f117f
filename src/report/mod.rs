//! Reports over the whole trail (archives and active segment, in chain order).
//!
//! [`summary`] gives the blog post's JSON summary (its analyzer's fields and key order) with
//! correct counts across every segment. Deeper analysis (per-hour thresholds, local time,
//! HTML) builds on the same streaming pass later.

use std::collections::BTreeMap;

use chrono::Timelike;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::ReportConfig;
use crate::store::entry::parse_timestamp;
use crate::store::{reader, Layout, StoreError};

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub total_entries: u64,
    pub anomalies: Vec<Anomaly>,
    pub by_type: BTreeMap<String, u64>,
    pub by_user: BTreeMap<String, u64>,
    pub by_outcome: BTreeMap<String, u64>,
    pub failed_access: Vec<FailedAccess>,
    pub after_hours: Vec<AfterHours>,
    /// Lines that are not entries (damage or a torn tail); `verify` says which.
    pub unreadable_lines: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Anomaly {
    #[serde(rename = "type")]
    pub kind: String,
    pub user: String,
    pub count: u64,
    pub severity: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FailedAccess {
    pub timestamp: Value,
    pub user: Value,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AfterHours {
    pub timestamp: Value,
    pub user: Value,
    pub action: Value,
}

/// The key an entry is counted under: its string value, `null` when absent or null.
fn key(obj: &Map<String, Value>, field: &str) -> String {
    match obj.get(field) {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => "null".into(),
        Some(other) => other.to_string(),
    }
}

fn field(obj: &Map<String, Value>, name: &str) -> Value {
    obj.get(name).cloned().unwrap_or(Value::Null)
}

/// True when `hour` falls in the window `[start, end)`, which may wrap midnight.
pub fn in_window(hour: u32, start: u32, end: u32) -> bool {
    if start <= end {
        hour >= start && hour < end
    } else {
        hour >= start || hour < end
    }
}

/// Streams the trail once and builds the summary.
pub fn summary(layout: &Layout, cfg: &ReportConfig) -> Result<Summary, StoreError> {
    if !layout.dir().is_dir() {
        return Err(StoreError::NotInitialized(layout.dir().to_path_buf()));
    }
    let mut s = Summary::default();
    let mut fails_by_user: BTreeMap<String, u64> = BTreeMap::new();
    let mut unreadable = 0;
    reader::for_each_entry(
        layout,
        |e| {
            let o = &e.object;
            s.total_entries += 1;
            *s.by_type.entry(key(o, "event_type")).or_default() += 1;
            *s.by_user.entry(key(o, "user_id")).or_default() += 1;
            *s.by_outcome.entry(key(o, "outcome")).or_default() += 1;
            if o.get("outcome").and_then(Value::as_str) == Some("failure")
                && o.get("event_type").and_then(Value::as_str) == Some("access")
            {
                *fails_by_user.entry(key(o, "user_id")).or_default() += 1;
                s.failed_access.push(FailedAccess {
                    timestamp: field(o, "timestamp"),
                    user: field(o, "user_id"),
                });
            }
            let ts = o
                .get("timestamp")
                .and_then(Value::as_str)
                .and_then(parse_timestamp);
            if let Some(ts) = ts {
                if in_window(ts.hour(), cfg.after_hours_start, cfg.after_hours_end) {
                    s.after_hours.push(AfterHours {
                        timestamp: field(o, "timestamp"),
                        user: field(o, "user_id"),
                        action: field(o, "action"),
                    });
                }
            }
        },
        |_, _, _| unreadable += 1,
    )
    .map_err(StoreError::io("read", layout.dir()))?;
    s.unreadable_lines = unreadable;
    for (user, count) in fails_by_user {
        if count >= cfg.failed_access_threshold {
            s.anomalies.push(Anomaly {
                kind: "excessive_failed_access".into(),
                user,
                count,
                severity: "HIGH".into(),
            });
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::in_window;

    #[test]
    fn window_wraps_midnight() {
        assert!(
            in_window(22, 22, 6)
                && in_window(23, 22, 6)
                && in_window(0, 22, 6)
                && in_window(5, 22, 6)
        );
        assert!(!in_window(6, 22, 6) && !in_window(21, 22, 6) && !in_window(12, 22, 6));
        assert!(in_window(13, 12, 14) && !in_window(14, 12, 14));
    }
}
