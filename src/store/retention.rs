//! Retention: deletes archives whose newest entry is older than the retention period, and
//! records each deletion in the manifest first, so verify reports it as accounted for.
//!
//! An archive expires when `now - newest entry's timestamp > retention_days` (so 0 expires
//! every archive whose entries are in the past). The active segment is never deleted; rotate
//! first. An archive whose age cannot be told is kept and reported.

use chrono::{DateTime, Duration, Utc};

use super::entry::{format_timestamp, parse_timestamp};
use super::manifest::{self, DeleteRecord, Manifest, Record};
use super::{fsio, lock::StoreLock, rotate, Store, StoreError};

/// The seed's six years.
pub const DEFAULT_RETENTION_DAYS: u64 = 6 * 365;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    pub archive: String,
    pub last_timestamp: String,
    pub age_days: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Cleanup {
    /// Deleted (or, with dry run, would be).
    pub expired: Vec<Expired>,
    /// Archives kept because their age could not be told, with the reason.
    pub undated: Vec<(String, String)>,
    /// Live archives kept.
    pub kept: usize,
}

/// Applies retention at time `now`. Takes the store lock.
pub fn cleanup(
    store: &Store,
    retention_days: u64,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<Cleanup, StoreError> {
    store.ensure_exists()?;
    let layout = &store.layout;
    let _lock = StoreLock::acquire(layout)?;
    let mut manifest = Manifest::load_for_write(layout)?;
    let limit = Duration::days(retention_days.min(i64::MAX as u64 / 86_400_000) as i64);
    let mut result = Cleanup::default();
    for a in manifest.archives() {
        if a.deleted.is_some() {
            continue;
        }
        let path = layout.archive_dir().join(&a.name);
        let last = match a.rotate.as_ref().and_then(|r| r.last_timestamp.clone()) {
            Some(t) => Some(t),
            None => match rotate::archive_last_timestamp(&path) {
                Ok(t) => t,
                Err(e) => {
                    result
                        .undated
                        .push((a.name.clone(), format!("cannot read it: {e}")));
                    continue;
                }
            },
        };
        let Some(ts) = last.as_deref().and_then(parse_timestamp) else {
            result.undated.push((
                a.name.clone(),
                "its newest entry has no readable timestamp".into(),
            ));
            continue;
        };
        let age = now - ts;
        if age <= limit {
            result.kept += 1;
            continue;
        }
        let expired = Expired {
            archive: a.name.clone(),
            last_timestamp: last.unwrap_or_default(),
            age_days: age.num_days(),
        };
        if !dry_run {
            let record = DeleteRecord {
                timestamp: format_timestamp(&now),
                archive: a.name.clone(),
                reason: "retention".into(),
                retention_days,
                last_timestamp: Some(expired.last_timestamp.clone()),
            };
            manifest::append(layout, &manifest, &Record::Delete(record))?;
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io("remove", &path)(e)),
            }
            fsio::sync_dir(&layout.archive_dir())?;
            manifest = Manifest::load(layout)?;
            tracing::info!(archive = %a.name, age_days = expired.age_days, "deleted an expired archive");
        }
        result.expired.push(expired);
    }
    Ok(result)
}
