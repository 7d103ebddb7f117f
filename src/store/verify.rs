//! Verification: walks the whole trail in chain order (manifest, every archive, the active
//! segment, the head) and reports each kind of damage at the place it is found, by file,
//! line and seq. Read-only and lock-free; streams, so memory stays constant for any size
//! (findings past [`MAX_FINDINGS`] are counted, not kept).
//!
//! Per entry it checks, in one finding per line:
//! - the stored `hash` against its content and `previous_hash` (edit -> `entry_modified`);
//! - `previous_hash` against the previous entry's `hash`, and `seq` against the previous
//!   seq + 1 (deletion, insertion, reordering -> `entry_deleted_or_reordered`), across
//!   archive boundaries too, and across archives that retention deleted (the manifest keeps
//!   their first and last hash).
//!
//! Per archive: its SHA-256 against the manifest (`archive_modified`), its presence
//! (`archive_missing`, unless a `delete` record accounts for it), and that the manifest's
//! facts (count, seq range, first and last hash) match what it holds. The manifest is a
//! chain of its own (`manifest_modified`). `audit.head` catches a trail that ends before the
//! newest entry ever written (`truncated`).
//!
//! Crash leftovers are warnings, not failures: a torn last line, quarantined bytes, an
//! incomplete temporary archive.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::manifest::{ArchiveInfo, Content, Manifest};
use super::reader::{segments, Segment, SegmentKind};
use super::segment::LineReader;
use super::{chain, head, rawline, rotate, Layout, StoreError};

/// Findings kept in memory; more are counted.
pub const MAX_FINDINGS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    // Damage: makes the verdict FAIL.
    EntryModified,
    EntryDeletedOrReordered,
    ArchiveModified,
    ArchiveMissing,
    ArchiveUnrecorded,
    ManifestModified,
    Truncated,
    // Warnings: explained, not tampering.
    TornTail,
    Quarantined,
    TemporaryArchive,
    NoSeq,
    SeedManifest,
    DeletedByRetention,
    HeadUnreadable,
    RotationIncomplete,
}

impl Kind {
    pub fn is_damage(self) -> bool {
        matches!(
            self,
            Kind::EntryModified
                | Kind::EntryDeletedOrReordered
                | Kind::ArchiveModified
                | Kind::ArchiveMissing
                | Kind::ArchiveUnrecorded
                | Kind::ManifestModified
                | Kind::Truncated
        )
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::EntryModified => "entry_modified",
            Kind::EntryDeletedOrReordered => "entry_deleted_or_reordered",
            Kind::ArchiveModified => "archive_modified",
            Kind::ArchiveMissing => "archive_missing",
            Kind::ArchiveUnrecorded => "archive_unrecorded",
            Kind::ManifestModified => "manifest_modified",
            Kind::Truncated => "truncated",
            Kind::TornTail => "torn_tail",
            Kind::Quarantined => "quarantined",
            Kind::TemporaryArchive => "temporary_archive",
            Kind::NoSeq => "no_seq",
            Kind::SeedManifest => "seed_manifest",
            Kind::DeletedByRetention => "deleted_by_retention",
            Kind::HeadUnreadable => "head_unreadable",
            Kind::RotationIncomplete => "rotation_incomplete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    /// Relative to the store directory.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.as_str())?;
        if !self.file.is_empty() {
            write!(f, " {}", self.file)?;
        }
        if let Some(l) = self.line {
            write!(f, " line {l}")?;
        }
        if let Some(s) = self.seq {
            write!(f, " seq {s}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Verification {
    pub entries_checked: u64,
    pub segments_checked: u64,
    pub manifest_records: u64,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    pub last_hash: Option<String>,
    pub findings: Vec<Finding>,
    pub findings_omitted: u64,
    pub warnings: Vec<Finding>,
}

impl Verification {
    pub fn passed(&self) -> bool {
        self.findings.is_empty() && self.findings_omitted == 0
    }

    fn report(&mut self, f: Finding) {
        if f.kind.is_damage() {
            if self.findings.len() < MAX_FINDINGS {
                self.findings.push(f);
            } else {
                self.findings_omitted += 1;
            }
        } else if self.warnings.len() < MAX_FINDINGS {
            self.warnings.push(f);
        }
    }

    /// `PASS` or `FAIL`, then one finding per line, then warnings, then a summary.
    pub fn to_text(&self) -> String {
        let mut s = String::from(if self.passed() { "PASS\n" } else { "FAIL\n" });
        for f in &self.findings {
            s.push_str(&format!("{f}\n"));
        }
        if self.findings_omitted > 0 {
            s.push_str(&format!(
                "... and {} more findings\n",
                self.findings_omitted
            ));
        }
        for w in &self.warnings {
            s.push_str(&format!("warning {w}\n"));
        }
        let range = match (self.first_seq, self.last_seq) {
            (Some(a), Some(b)) => format!(" (seq {a}..{b})"),
            _ => String::new(),
        };
        s.push_str(&format!(
            "checked {}{range} in {} and {}\n",
            count(self.entries_checked, "entry", "entries"),
            count(self.segments_checked, "segment", "segments"),
            count(self.manifest_records, "manifest record", "manifest records"),
        ));
        s
    }

    /// One JSON object: the same verdict and findings.
    pub fn to_json(&self) -> String {
        let mut v = serde_json::to_value(self).expect("verification serializes");
        let obj = v.as_object_mut().expect("object");
        obj.insert(
            "verdict".into(),
            if self.passed() { "PASS" } else { "FAIL" }.into(),
        );
        obj.insert("valid".into(), self.passed().into());
        serde_json::to_string(&v).expect("json")
    }
}

/// The recorded head, and whether the walk has reached its seq.
struct HeadCheck {
    head: Option<head::Head>,
    seen: bool,
}

/// Where the chain is expected to continue.
#[derive(Debug, Clone, Default)]
struct Expect {
    /// `None`: unknown (after a gap that the manifest cannot bridge), accept any.
    previous_hash: Option<String>,
    /// A hash also accepted (the seed restarted its chain at each rotation).
    also: Option<&'static str>,
    seq: Option<u64>,
    /// Seq and hash of the entry before, for messages.
    last_seq: Option<u64>,
}

/// Verifies the store in `layout`. `Err` only when it could not run.
pub fn verify(layout: &Layout) -> Result<Verification, StoreError> {
    if !layout.dir().is_dir() {
        return Err(StoreError::NotInitialized(layout.dir().to_path_buf()));
    }
    let mut v = Verification::default();
    let manifest = Manifest::load(layout)?;
    check_manifest_chain(&manifest, &mut v);
    let archives = manifest.archives();
    let head = match head::read(layout) {
        Ok(h) => h,
        Err(e) => {
            v.report(warn(
                Kind::HeadUnreadable,
                "audit.head",
                format!("cannot read it ({e}); truncation of the newest entries cannot be checked"),
            ));
            None
        }
    };
    let mut head = HeadCheck { head, seen: false };

    let segs = segments(layout, &archives);
    let mut exp = Expect {
        previous_hash: Some(chain::GENESIS.into()),
        seq: Some(0),
        ..Default::default()
    };
    let mut next_archive = 0; // archives[..next_archive] are accounted for
    let mut no_seq = 0u64;
    for seg in &segs {
        if let SegmentKind::Archive(i) = seg.kind {
            // Bridge over archives that are deleted or missing before this one.
            for a in &archives[next_archive..i] {
                bridge(layout, a, &mut exp, &mut head, &mut v);
            }
            next_archive = i + 1;
            let a = &archives[i];
            check_archive_hash(layout, a, &mut v);
            if a.rotate.is_none() {
                exp.also = Some(chain::GENESIS);
            }
        } else {
            for a in &archives[next_archive..] {
                bridge(layout, a, &mut exp, &mut head, &mut v);
            }
            next_archive = archives.len();
            if seg.kind == SegmentKind::Unrecorded {
                v.report(damage(
                    Kind::ArchiveUnrecorded,
                    &seg.name,
                    None,
                    None,
                    "this archive is not in the manifest (added by hand, or the manifest lost its record)".into(),
                ));
                exp.previous_hash = None;
                exp.seq = None;
            }
        }
        if seg.kind == SegmentKind::Active {
            if let Some(a) = duplicated_archive(layout, seg, &archives) {
                // The crash window between step 3 and 4 of a rotation (see `rotate`): the
                // archive, checked above, is the trail; this copy goes at the next write.
                v.report(warn(
                    Kind::RotationIncomplete,
                    &seg.name,
                    format!(
                        "it still holds exactly the entries archived in {} (a rotation was interrupted before it emptied this file); the next `hipaa-audit log`, `rotate` or `serve` start completes it",
                        a.name
                    ),
                ));
                continue;
            }
        }
        let facts = check_segment(seg, &mut exp, &mut v, &mut no_seq, &mut head)?;
        v.segments_checked += 1;
        if let SegmentKind::Archive(i) = seg.kind {
            check_record_facts(&archives[i], seg, &facts, &mut v);
            if archives[i].rotate.is_none() {
                // The blog post's script restarted the chain after each rotation.
                exp.also = Some(chain::GENESIS);
            }
        }
    }
    for a in &archives[next_archive..] {
        bridge(layout, a, &mut exp, &mut head, &mut v);
    }
    if no_seq > 0 {
        v.report(warn(
            Kind::NoSeq,
            "",
            format!("{no_seq} entries have no seq (written by the blog post's script); their order is checked by the hash chain only"),
        ));
    }
    if let Some(h) = head.head {
        if !head.seen {
            // The trail's end: the last seq read, or bridged over deleted archives.
            let end_seq = exp.last_seq;
            let end = match end_seq {
                Some(s) => format!("ends at seq {s}"),
                None => "holds no entries".into(),
            };
            let missing = end_seq.map_or(h.seq + 1, |s| h.seq.saturating_sub(s));
            if end_seq.is_none_or(|s| s < h.seq) {
                v.report(damage(
                    Kind::Truncated,
                    "audit.head",
                    None,
                    Some(h.seq),
                    format!(
                        "the newest entry written was seq {}, but the trail {end}: {} removed from the end (truncation or rollback)",
                        h.seq,
                        count(missing, "entry was", "entries were")
                    ),
                ));
            }
        }
    }
    check_leftovers(layout, &manifest, &mut v);
    Ok(v)
}

/// The newest archive, when the active segment `seg` is a byte-for-byte copy of its
/// content: what a crash between a rotation's rename and its truncation leaves, and what
/// [`rotate::recover`] repairs under the lock. Only then: any other content is checked as
/// entries, and a difference is reported as such.
fn duplicated_archive<'a>(
    layout: &Layout,
    seg: &Segment,
    archives: &'a [ArchiveInfo],
) -> Option<&'a ArchiveInfo> {
    use std::io::Read;
    let a = archives.last().filter(|a| a.deleted.is_none())?;
    let r = a.rotate.as_ref()?;
    let active = std::fs::File::open(&seg.path).ok()?;
    if active.metadata().ok()?.len() == 0 || r.entries == 0 {
        return None;
    }
    let archive = std::fs::File::open(layout.archive_dir().join(&a.name)).ok()?;
    let mut archived = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(
        std::io::BufReader::new(archive),
    ));
    let mut active = std::io::BufReader::new(active);
    let (mut x, mut y) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    loop {
        let n = read_full(&mut active, &mut x).ok()?;
        let m = read_full(&mut archived, &mut y).ok()?;
        if n != m || x[..n] != y[..m] {
            return None;
        }
        if n == 0 {
            return Some(a);
        }
    }
    fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut got = 0;
        while got < buf.len() {
            match r.read(&mut buf[got..])? {
                0 => break,
                n => got += n,
            }
        }
        Ok(got)
    }
}

/// `1 entry`, `2 entries`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn damage(kind: Kind, file: &str, line: Option<u64>, seq: Option<u64>, message: String) -> Finding {
    Finding {
        kind,
        file: file.to_owned(),
        line,
        seq,
        message,
    }
}

fn warn(kind: Kind, file: &str, message: String) -> Finding {
    Finding {
        kind,
        file: file.to_owned(),
        line: None,
        seq: None,
        message,
    }
}

fn check_manifest_chain(manifest: &Manifest, v: &mut Verification) {
    const FILE: &str = "archive/manifest.jsonl";
    let mut prev = chain::GENESIS.to_owned();
    let mut scratch = Vec::new();
    let mut seed_lines = 0;
    for line in &manifest.lines {
        v.manifest_records += 1;
        match &line.content {
            Content::Chained { obj, .. } => {
                let stored = obj.get("hash").and_then(Value::as_str).unwrap_or("");
                let stored_prev = obj
                    .get("previous_hash")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let mut problems = Vec::new();
                if chain::object_hash(obj, stored_prev, &mut scratch) != stored {
                    problems.push("record content does not match its hash (edited)");
                }
                if stored_prev != prev {
                    problems.push("previous_hash does not match the record before (a record was removed, inserted or reordered)");
                }
                if !problems.is_empty() {
                    v.report(damage(
                        Kind::ManifestModified,
                        FILE,
                        Some(line.number),
                        None,
                        problems.join("; "),
                    ));
                }
                prev = stored.to_owned();
            }
            Content::Legacy(_) => seed_lines += 1,
            Content::Unreadable(e) => v.report(damage(
                Kind::ManifestModified,
                FILE,
                Some(line.number),
                None,
                format!("not a manifest record ({e})"),
            )),
        }
    }
    if seed_lines > 0 {
        v.report(warn(
            Kind::SeedManifest,
            FILE,
            format!("{seed_lines} records were written by the blog post's script: unchained, their archives are checked by SHA-256 only"),
        ));
    }
    if manifest.torn_bytes > 0 {
        v.report(warn(
            Kind::TornTail,
            FILE,
            format!("{} bytes after the last newline (a crash mid-write, not tampering); the next rotate or cleanup moves them to quarantine/", manifest.torn_bytes),
        ));
    }
}

/// An archive that is not read (deleted by retention, or missing): report it, and carry the
/// chain over it using the manifest's record of its last entry.
fn bridge(
    layout: &Layout,
    a: &ArchiveInfo,
    exp: &mut Expect,
    head: &mut HeadCheck,
    v: &mut Verification,
) {
    let file = format!("archive/{}", a.name);
    match &a.deleted {
        Some((line, d)) => v.report(warn(
            Kind::DeletedByRetention,
            &file,
            format!(
                "deleted by retention ({} days) on {}, manifest line {line}: accounted for",
                d.retention_days, d.timestamp
            ),
        )),
        None => {
            let tmp = layout.archive_dir().join(format!(".tmp-{}", a.name));
            let hint = if tmp.exists() {
                "; an interrupted rotation left its temporary copy: the next `hipaa-audit rotate` or append completes it"
            } else {
                ""
            };
            v.report(damage(
                Kind::ArchiveMissing,
                &file,
                None,
                a.rotate.as_ref().and_then(|r| r.first_seq),
                format!(
                    "the manifest records it (line {}) but the file is gone{hint}",
                    a.line
                ),
            ));
        }
    }
    if let (Some(r), Some(h)) = (&a.rotate, &head.head) {
        if let (Some(first), Some(last)) = (r.first_seq, r.last_seq) {
            if (first..=last).contains(&h.seq) {
                head.seen = true;
                if h.seq == last && r.last_hash.as_deref() != Some(h.hash.as_str()) {
                    v.report(damage(
                        Kind::Truncated,
                        "audit.head",
                        None,
                        Some(h.seq),
                        format!("audit.head and the manifest's record of archive/{} disagree on the hash of seq {}: the trail was rewritten (rollback)", a.name, h.seq),
                    ));
                }
            }
        }
    }
    match a.rotate.as_ref().map(|r| (r.last_hash.clone(), r.last_seq)) {
        Some((Some(h), seq)) => {
            exp.previous_hash = Some(h);
            exp.seq = seq.map(|s| s + 1);
            exp.last_seq = seq;
        }
        _ => {
            exp.previous_hash = None;
            exp.seq = None;
        }
    }
    exp.also = None;
}

fn check_archive_hash(layout: &Layout, a: &ArchiveInfo, v: &mut Verification) {
    let path = layout.archive_dir().join(&a.name);
    match rotate::sha256_file(&path) {
        Ok(h) if h == a.sha256 => {}
        Ok(h) => v.report(damage(
            Kind::ArchiveModified,
            &format!("archive/{}", a.name),
            None,
            None,
            format!(
                "SHA-256 is {}…, the manifest (line {}) recorded {}…",
                &h[..16],
                a.line,
                a.sha256.get(..16).unwrap_or(&a.sha256)
            ),
        )),
        Err(e) => v.report(damage(
            Kind::ArchiveModified,
            &format!("archive/{}", a.name),
            None,
            None,
            format!("cannot be read: {e}"),
        )),
    }
}

/// What a segment held, to compare with its manifest record.
#[derive(Debug, Default)]
struct Facts {
    entries: u64,
    first_seq: Option<u64>,
    last_seq: Option<u64>,
    first_previous_hash: Option<String>,
    last_hash: Option<String>,
}

fn check_segment(
    seg: &Segment,
    exp: &mut Expect,
    v: &mut Verification,
    no_seq: &mut u64,
    head: &mut HeadCheck,
) -> Result<Facts, StoreError> {
    let mut facts = Facts::default();
    let mut reader = match LineReader::open(&seg.path) {
        Ok(r) => r,
        Err(e) => {
            v.report(damage(
                Kind::ArchiveModified,
                &seg.name,
                None,
                None,
                format!("cannot be read: {e}"),
            ));
            return Ok(facts);
        }
    };
    let mut scratch = Vec::with_capacity(1024);
    loop {
        let line = match reader.next_line() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                let kind = if seg.kind == SegmentKind::Active {
                    Kind::EntryModified
                } else {
                    Kind::ArchiveModified
                };
                v.report(damage(
                    kind,
                    &seg.name,
                    None,
                    None,
                    format!("reading stopped: {e}"),
                ));
                break;
            }
        };
        if line.bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if !line.terminated {
            if seg.kind == SegmentKind::Active {
                v.report(Finding {
                    kind: Kind::TornTail,
                    file: seg.name.clone(),
                    line: Some(line.number),
                    seq: None,
                    message: format!(
                        "{} bytes after the last newline (a crash mid-write, not tampering); the next write moves them to quarantine/",
                        line.bytes.len()
                    ),
                });
            } else {
                v.report(damage(
                    Kind::ArchiveModified,
                    &seg.name,
                    Some(line.number),
                    None,
                    "last line is cut off".into(),
                ));
            }
            continue;
        }
        let entry = match read_entry(line.bytes, &mut scratch) {
            Ok(e) => e,
            Err(why) => {
                v.report(damage(
                    Kind::EntryModified,
                    &seg.name,
                    Some(line.number),
                    exp.seq,
                    format!("not a readable entry ({why})"),
                ));
                exp.previous_hash = None;
                exp.seq = exp.seq.map(|s| s + 1);
                continue;
            }
        };
        let stored_hash = entry.hash.as_deref();
        let stored_prev = entry.previous_hash.as_deref();
        let seq = match entry.seq {
            SeqField::Absent => {
                *no_seq += 1;
                None
            }
            SeqField::Number(n) => Some(n),
            SeqField::Invalid => {
                v.report(damage(
                    Kind::EntryModified,
                    &seg.name,
                    Some(line.number),
                    None,
                    "seq is not a whole number".into(),
                ));
                None
            }
        };
        let mut modified = Vec::new();
        let mut moved = Vec::new();
        match entry.content {
            LineState::Intact => {}
            LineState::Edited => modified
                .push("its content does not match its hash (edited after it was written)".to_owned()),
            LineState::Reformatted => modified.push(
                "the line is not in the form it was written in (reformatted, or a key added twice), \
                 though its parsed content matches its hash"
                    .to_owned(),
            ),
            LineState::NoHash => modified.push("it has no hash or previous_hash".to_owned()),
        }
        if let (Some(expected), Some(p)) = (&exp.previous_hash, stored_prev) {
            if p != expected && exp.also != Some(p) {
                let before = exp.last_seq.map_or(String::from("the entry before"), |s| {
                    format!("entry seq {s}")
                });
                moved.push(format!("previous_hash does not match {before}"));
            }
        }
        if let (Some(e), Some(s)) = (exp.seq, seq) {
            if s > e {
                moved.push(format!(
                    "seq jumps to {s} where {e} was due ({} missing)",
                    count(s - e, "entry", "entries")
                ));
            } else if s < e {
                moved.push(format!(
                    "seq {s} where {e} was due (reordered or duplicated)"
                ));
            }
        }
        if !modified.is_empty() || !moved.is_empty() {
            let kind = if modified.is_empty() {
                Kind::EntryDeletedOrReordered
            } else {
                Kind::EntryModified
            };
            if kind == Kind::EntryDeletedOrReordered {
                moved.push("an entry was deleted, inserted or reordered here".into());
            }
            modified.extend(moved);
            v.report(damage(
                kind,
                &seg.name,
                Some(line.number),
                seq,
                modified.join("; "),
            ));
        }
        if let (Some(h), Some(s)) = (&head.head, seq) {
            if s == h.seq {
                head.seen = true;
                if stored_hash != Some(h.hash.as_str()) {
                    v.report(damage(
                        Kind::Truncated,
                        &seg.name,
                        Some(line.number),
                        seq,
                        "this is not the entry audit.head recorded for this seq: the trail was cut back and rewritten from here (rollback)".into(),
                    ));
                }
            }
        }
        // Continue from what this entry claims, so one edit is one finding.
        exp.previous_hash = stored_hash.map(str::to_owned);
        exp.also = None;
        exp.seq = seq.map(|s| s + 1);
        exp.last_seq = seq;
        v.entries_checked += 1;
        if seq.is_some() {
            v.first_seq = v.first_seq.or(seq);
            v.last_seq = seq;
        }
        v.last_hash = stored_hash.map(str::to_owned);
        if facts.entries == 0 {
            facts.first_seq = seq;
            facts.first_previous_hash = stored_prev.map(str::to_owned);
        }
        facts.entries += 1;
        facts.last_seq = seq;
        facts.last_hash = stored_hash.map(str::to_owned);
    }
    Ok(facts)
}

/// What one line says, as far as the chain checks need it.
struct EntryRead {
    hash: Option<String>,
    previous_hash: Option<String>,
    seq: SeqField,
    content: LineState,
}

enum SeqField {
    Absent,
    Number(u64),
    Invalid,
}

enum LineState {
    /// The line is exactly what was hashed.
    Intact,
    /// Its content does not match its hash.
    Edited,
    /// Parsed, it matches its hash, but the line's bytes are not the canonical form.
    Reformatted,
    NoHash,
}

/// Reads a line: from its raw bytes when it is canonical and its hash matches (the common
/// case, no JSON tree built), else by parsing it, to tell an edit from a rewrite.
fn read_entry(line: &[u8], scratch: &mut Vec<u8>) -> Result<EntryRead, String> {
    if let Some(sc) = rawline::scan(line) {
        if let (Some(h), Some(p)) = (sc.hash, sc.previous_hash) {
            if sc.content_hash(p).as_slice() == h.as_bytes() {
                let seq = match sc.seq {
                    None => SeqField::Absent,
                    Some(_) => sc.seq_number().map_or(SeqField::Invalid, SeqField::Number),
                };
                return Ok(EntryRead {
                    hash: Some(h.to_owned()),
                    previous_hash: Some(p.to_owned()),
                    seq,
                    content: LineState::Intact,
                });
            }
        }
    }
    let obj = match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err("not a JSON object".into()),
        Err(e) => return Err(e.to_string()),
    };
    let hash = obj.get("hash").and_then(Value::as_str).map(str::to_owned);
    let previous_hash = obj
        .get("previous_hash")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let seq = match obj.get("seq") {
        None => SeqField::Absent,
        Some(s) => s.as_u64().map_or(SeqField::Invalid, SeqField::Number),
    };
    let content = match (&hash, &previous_hash) {
        (Some(h), Some(p)) if &chain::object_hash(&obj, p, scratch) == h => LineState::Reformatted,
        (Some(_), Some(_)) => LineState::Edited,
        _ => LineState::NoHash,
    };
    Ok(EntryRead {
        hash,
        previous_hash,
        seq,
        content,
    })
}

/// The manifest's record of an archive must match what the archive holds.
fn check_record_facts(a: &ArchiveInfo, seg: &Segment, facts: &Facts, v: &mut Verification) {
    let Some(r) = &a.rotate else { return };
    let mut diffs = Vec::new();
    if r.entries != facts.entries {
        diffs.push(format!(
            "{} entries recorded, {} found",
            r.entries, facts.entries
        ));
    }
    if r.first_seq != facts.first_seq || r.last_seq != facts.last_seq {
        diffs.push(format!(
            "seq range recorded {:?}..{:?}, found {:?}..{:?}",
            r.first_seq, r.last_seq, facts.first_seq, facts.last_seq
        ));
    }
    if r.first_previous_hash != facts.first_previous_hash || r.last_hash != facts.last_hash {
        diffs.push("first or last hash differs from the record".into());
    }
    if !diffs.is_empty() {
        v.report(damage(
            Kind::ArchiveModified,
            &seg.name,
            None,
            None,
            format!(
                "does not hold what the manifest (line {}) recorded: {}",
                a.line,
                diffs.join("; ")
            ),
        ));
    }
}

/// Quarantined bytes and temporary archives: explained, not failures.
fn check_leftovers(layout: &Layout, manifest: &Manifest, v: &mut Verification) {
    let mut q: Vec<(String, u64)> = std::fs::read_dir(layout.quarantine_dir())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                e.metadata().map(|m| m.len()).unwrap_or(0),
            )
        })
        .collect();
    q.sort();
    for (name, len) in q {
        v.report(warn(
            Kind::Quarantined,
            &format!("quarantine/{name}"),
            format!("{len} bytes of a torn last line, moved aside by crash recovery and kept (not part of the chain)"),
        ));
    }
    for e in std::fs::read_dir(layout.archive_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(base) = name.strip_prefix(".tmp-") {
            if !manifest.contains_archive(base) || layout.archive_dir().join(base).exists() {
                v.report(warn(
                    Kind::TemporaryArchive,
                    &format!("archive/{name}"),
                    "an incomplete archive from an interrupted rotation; its entries are still in the active segment and the next rotate removes it".into(),
                ));
            }
        }
    }
}
