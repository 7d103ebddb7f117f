//! Syslog text -> [`Parsed`]: the one place that decides what a received message *says*
//! (format, facility, severity, the sender's own timestamp, host, app, procid, msgid,
//! structured data, MSG). Framing happens before this ([`crate::ingest::framing`]); mapping
//! the result onto audit entries happens after it.
//!
//! # Pure
//!
//! [`parse`] does no I/O, never reads the clock (the receive time comes in as an argument),
//! never panics and never fails: every input gives a [`Parsed`]. The caller always keeps the
//! raw bytes as well, so parsing can afford to be honest rather than clever: when a part of
//! the text cannot be read as a header field it stays in [`Parsed::message`].
//!
//! # What is read how
//!
//! Detection is `syslog_loose` (`Variant::Either`: RFC 5424 first, then RFC 3164), with the
//! corrections below; every one of them is pinned by a test in this file.
//!
//! * **PRI.** A message must start (after leading white space, which `syslog_loose` trims
//!   too) with a valid PRI: `<`, 1 to 3 digits in canonical form (`<0>`, never `<00>` or
//!   `<013>`), a value 0..=191, `>`. Anything else is [`Format::Unparsed`], with the whole
//!   text as `message` and every other field `None`. Reason: `syslog_loose` reads no PRI, a
//!   PRI over 255 or a non-numeric one as "no PRI" and then goes on to read the rest as a
//!   PRI-less RFC 3164 header, guessing a host and tag out of free text; `<192>`..`<255>`
//!   silently lose the facility. RFC 3164 section 4.3.3 says a relay must treat a packet
//!   without a recognisable PRI as pure content, and that is what `Unparsed` is. A log file
//!   line (`Oct 11 22:14:15 host sshd[1]: ...`) replayed without PRI is therefore
//!   `Unparsed` too: nothing is lost, the text is all there, but we do not pretend to know
//!   its facility or that its header is a header.
//! * **PRI but no header.** A valid PRI followed by something `syslog_loose` cannot read
//!   (FortiGate's `<189>date=... time=...`, `<134>CEF:0|...`, Cisco IOS `<189>52: *Mar ...`)
//!   is [`Format::Rfc3164`] with facility and severity from the PRI, no timestamp, no host,
//!   and everything after the PRI as `message`: RFC 3164 section 4.3.2 treats a packet whose
//!   TIMESTAMP is missing or invalid exactly so (the whole remainder is CONTENT). The same
//!   holds for an impossible date (`Feb 30`, `25:14:15`), for an RFC 5424 header with a
//!   VERSION other than `1`, for an RFC 5424 header that breaks the RFC (a TIMESTAMP without
//!   offset, no STRUCTURED-DATA field), and for a header that `syslog_loose` would only
//!   accept by swallowing a leading `-` as a "NIL timestamp" (`<13>-5 degrees`).
//! * **RFC 5424.** NILVALUE (`-`) fields are `None`; a UTF-8 BOM at the start of MSG is
//!   removed. PROCID is taken verbatim (`syslog_loose` turns `0123` or `+5` into a number).
//!   SD-PARAM values are unescaped per RFC 5424 section 6.3.3 (`\"`, `\\`, `\]`; a backslash
//!   before anything else stays). `syslog_loose` silently drops an SD-ELEMENT it cannot read
//!   (e.g. Check Point's `[action:"Drop"; ...]`); when that happened, the well-formed
//!   elements are still returned and the whole raw STRUCTURED-DATA text is kept at the start
//!   of `message`, so the dropped part is not lost from the parsed view.
//! * **RFC 3164 host and tag.** `syslog_loose` guesses them; we keep its guess except where
//!   it is clearly wrong for real senders:
//!   - a "hostname" that cannot be a host name or address (only letters, digits, `-`, `.`,
//!     `_`, `:` qualify, and digits alone do not) is not one: Cisco ASA's
//!     `Oct 11 2024 22:14:15: %ASA-6-113004: ...` would otherwise get host
//!     `%ASA-6-113004`. Host, tag and procid are then `None` and the message starts where
//!     the "hostname" did;
//!   - a "tag" must look like a program name (letters, digits, `-_./()@+~#`, not digits
//!     alone) and be followed by `:` or be in `name[pid]` form: otherwise it is the first
//!     word of the message (Cisco sequence numbers relayed as `host 3890188: ...`, Palo
//!     Alto's `pa-fw01 1,2024/...,THREAT,...`, Snare's `MSWinEventLog<TAB>...`, FortiGate
//!     relayed as `host date=...`, MikroTik topics `system,info,account ...`);
//!   - `CEF:<digit>` and `LEEF:<digit>` are the start of an ArcSight CEF / IBM LEEF body, not
//!     a tag named `CEF`.
//!
//!   - a `-` right after the tag is text: `syslog_loose` takes it for an empty
//!     STRUCTURED-DATA field, which RFC 3164 does not have (shadow's `su[9]: - pts/1
//!     bob:root` marks a failed su with it).
//!
//!   A single word before the colon (`<13>Oct 11 22:14:15 su: ...`) stays what
//!   `syslog_loose` makes of it, a hostname: the two readings are equally plausible and this
//!   one keeps the word in a field.
//! * **RFC 3164 timestamps** (`Mmm dd hh:mm:ss`, no year, no zone) are read in the configured
//!   [`TimeZoneSetting`] (default: the machine's zone via `chrono::Local`). The year is the
//!   one that puts the date nearest to the receive time in that zone ([`resolve_year`]):
//!   a December message received on 1 January belongs to the old year, a January message
//!   received on 31 December (a sender whose clock runs ahead) to the new one, and 29
//!   February always gets a leap year. `Mmm dd yyyy hh:mm:ss` (Cisco) keeps its year.
//!   Fractional seconds (`22:14:15.123`, Cisco IOS `msec`) and ISO timestamps without an
//!   offset (`2024-10-11T22:14:15`, `2024-10-11 22:14:15`) are accepted and read in the
//!   configured zone too; ISO timestamps with an offset keep it. A wall-clock time that a
//!   DST change makes ambiguous takes the earlier instant; one that falls into a DST gap
//!   takes the offset in force before the gap. (`syslog_loose` itself would reject the
//!   whole message for a gap or for 29 February in a year it guessed, and reads
//!   `Mmm dd yyyy` as UTC whatever zone it is given; we hand it UTC and apply the zone
//!   ourselves.)
//! * White space around the message is trimmed (as `syslog_loose` does); `Unparsed` keeps
//!   the text exactly as given.

mod strict5424;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta,
    TimeZone, Timelike, Utc,
};
use syslog_loose::{Message, ProcId, Protocol, StructuredElement, Variant};

/// Which syslog format a message was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rfc5424,
    Rfc3164,
    /// No valid PRI: the text is kept whole in [`Parsed::message`], nothing else is set.
    Unparsed,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Rfc5424 => "rfc5424",
            Format::Rfc3164 => "rfc3164",
            Format::Unparsed => "unparsed",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One SD-ELEMENT: its SD-ID and its parameters in order, values unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdElement<'a> {
    pub id: Cow<'a, str>,
    pub params: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// A received message as read by [`parse`].
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<'a> {
    pub format: Format,
    /// 0..=23.
    pub facility: Option<u8>,
    /// 0..=7.
    pub severity: Option<u8>,
    /// The message's own time, as the sender wrote it (not the receive time).
    pub timestamp: Option<DateTime<FixedOffset>>,
    pub hostname: Option<Cow<'a, str>>,
    pub app_name: Option<Cow<'a, str>>,
    pub procid: Option<Cow<'a, str>>,
    pub msgid: Option<Cow<'a, str>>,
    pub structured_data: Vec<SdElement<'a>>,
    /// The MSG part (a leading BOM removed); for [`Format::Unparsed`], the whole text.
    pub message: Cow<'a, str>,
}

impl Parsed<'_> {
    /// The same, owning its text (the parsed fields borrow from the received text where
    /// they can).
    pub fn into_owned(self) -> Parsed<'static> {
        let own = |v: Option<Cow<str>>| v.map(|v| Cow::Owned(v.into_owned()));
        Parsed {
            format: self.format,
            facility: self.facility,
            severity: self.severity,
            timestamp: self.timestamp,
            hostname: own(self.hostname),
            app_name: own(self.app_name),
            procid: own(self.procid),
            msgid: own(self.msgid),
            structured_data: self
                .structured_data
                .into_iter()
                .map(|e| SdElement {
                    id: Cow::Owned(e.id.into_owned()),
                    params: e
                        .params
                        .into_iter()
                        .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                        .collect(),
                })
                .collect(),
            message: Cow::Owned(self.message.into_owned()),
        }
    }
}

/// The keyword of a facility code (RFC 5424 table 1, the usual short names); `"unknown"`
/// above 23.
pub fn facility_name(code: u8) -> &'static str {
    match code {
        0 => "kern",
        1 => "user",
        2 => "mail",
        3 => "daemon",
        4 => "auth",
        5 => "syslog",
        6 => "lpr",
        7 => "news",
        8 => "uucp",
        9 => "cron",
        10 => "authpriv",
        11 => "ftp",
        12 => "ntp",
        13 => "audit",
        14 => "alert",
        15 => "clock",
        16 => "local0",
        17 => "local1",
        18 => "local2",
        19 => "local3",
        20 => "local4",
        21 => "local5",
        22 => "local6",
        23 => "local7",
        _ => "unknown",
    }
}

/// The keyword of a severity code (RFC 5424 table 2); `"unknown"` above 7.
pub fn severity_name(code: u8) -> &'static str {
    match code {
        0 => "emerg",
        1 => "alert",
        2 => "crit",
        3 => "err",
        4 => "warning",
        5 => "notice",
        6 => "info",
        7 => "debug",
        _ => "unknown",
    }
}

/// How RFC 3164 timestamps (no zone, no year) are read.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TimeZoneSetting {
    /// The machine's zone (`chrono::Local`, i.e. `TZ` or `/etc/localtime`).
    #[default]
    Local,
    Utc,
    Fixed(FixedOffset),
    Named(chrono_tz::Tz),
}

const TZ_EXPECTED: &str = "expected \"local\", \"UTC\", a UTC offset like \"+05:30\" or \
                           \"-0800\", or an IANA time zone name like \"America/New_York\"";

impl FromStr for TimeZoneSetting {
    type Err = String;

    /// `"local"`, `"UTC"` (any case), `"+05:30"` / `"-0800"` / `"+01"`, or an IANA name
    /// (`"America/New_York"`, exact spelling).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(format!("empty time zone setting: {TZ_EXPECTED}"));
        }
        if s.eq_ignore_ascii_case("local") {
            return Ok(TimeZoneSetting::Local);
        }
        if s.eq_ignore_ascii_case("utc") {
            return Ok(TimeZoneSetting::Utc);
        }
        if s.starts_with('+') || s.starts_with('-') {
            return parse_offset(s).map(TimeZoneSetting::Fixed).ok_or_else(|| {
                format!(
                    "invalid UTC offset {s:?}: expected +HH:MM, +HHMM or +HH (or with -), \
                     hours 00-23, minutes 00-59"
                )
            });
        }
        s.parse::<chrono_tz::Tz>()
            .map(TimeZoneSetting::Named)
            .map_err(|_| format!("unknown time zone {s:?}: {TZ_EXPECTED}"))
    }
}

impl fmt::Display for TimeZoneSetting {
    /// The spelling [`FromStr`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeZoneSetting::Local => f.write_str("local"),
            TimeZoneSetting::Utc => f.write_str("UTC"),
            TimeZoneSetting::Fixed(offset) => write!(f, "{offset}"),
            TimeZoneSetting::Named(tz) => f.write_str(tz.name()),
        }
    }
}

/// `±HH:MM`, `±HHMM` or `±HH`.
fn parse_offset(s: &str) -> Option<FixedOffset> {
    if !s.is_ascii() {
        return None;
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &s[1..];
    let (hh, mm) = match rest.len() {
        2 => (rest, "00"),
        4 => (&rest[..2], &rest[2..]),
        5 if rest.as_bytes()[2] == b':' => (&rest[..2], &rest[3..]),
        _ => return None,
    };
    if !hh.bytes().chain(mm.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (hh.parse().ok()?, mm.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

impl TimeZoneSetting {
    /// `received` as wall-clock time in this zone.
    fn wall_clock(&self, received: DateTime<Utc>) -> NaiveDateTime {
        match self {
            TimeZoneSetting::Local => received.with_timezone(&chrono::Local).naive_local(),
            TimeZoneSetting::Utc => received.naive_utc(),
            TimeZoneSetting::Fixed(offset) => received.with_timezone(offset).naive_local(),
            TimeZoneSetting::Named(tz) => received.with_timezone(tz).naive_local(),
        }
    }

    /// A wall-clock time in this zone as an instant with its offset.
    fn localize(&self, naive: NaiveDateTime) -> DateTime<FixedOffset> {
        match self {
            TimeZoneSetting::Local => localize_in(&chrono::Local, naive),
            TimeZoneSetting::Utc => naive.and_utc().fixed_offset(),
            TimeZoneSetting::Fixed(offset) => localize_in(offset, naive),
            TimeZoneSetting::Named(tz) => localize_in(tz, naive),
        }
    }
}

/// Ambiguous (DST ends): the earlier instant. Nonexistent (DST starts): the offset in force
/// before the gap, i.e. the clock of a sender that has not switched yet.
fn localize_in<Tz: TimeZone>(tz: &Tz, naive: NaiveDateTime) -> DateTime<FixedOffset> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => dt.fixed_offset(),
        LocalResult::Ambiguous(earlier, _) => earlier.fixed_offset(),
        LocalResult::None => {
            let before = naive
                .checked_sub_signed(TimeDelta::days(1))
                .unwrap_or(naive);
            let offset = tz.offset_from_utc_datetime(&before).fix();
            match offset.from_local_datetime(&naive) {
                LocalResult::Single(dt) => dt,
                _ => naive.and_utc().fixed_offset(),
            }
        }
    }
}

/// Options for [`parse`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParseOptions {
    pub timezone: TimeZoneSetting,
}

/// The year for an RFC 3164 timestamp: the one that puts it nearest to `received`
/// (a December message received on 1 January belongs to the year before; a January
/// message received on 31 December, e.g. a sender whose clock runs ahead, to the next).
///
/// Only years in which `month`/`day` exist are considered (29 February gets the nearest
/// leap year); on a tie the earlier year wins. A date that exists in no year (31 April)
/// gets `received`'s year.
pub fn resolve_year(month: u32, day: u32, received_local: NaiveDateTime) -> i32 {
    let today = received_local.date();
    let year = today.year();
    let mut best: Option<(i64, i32)> = None;
    // Leap years are at most 8 years apart, so +-4 always finds one for 29 February.
    for candidate in year.saturating_sub(4)..=year.saturating_add(4) {
        let Some(date) = NaiveDate::from_ymd_opt(candidate, month, day) else {
            continue;
        };
        let distance = (date - today).num_days().abs();
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map_or(year, |(_, y)| y)
}

/// Reads one message. See the module docs for every rule. Never panics: should a reader
/// have a bug, the message is kept as unparsed ([`crate::guard`]).
pub fn parse<'a>(text: &'a str, received: DateTime<Utc>, opts: &ParseOptions) -> Parsed<'a> {
    crate::guard::or_on_panic(|| parse_any(text, received, opts), || unparsed(text))
}

fn parse_any<'a>(text: &'a str, received: DateTime<Utc>, opts: &ParseOptions) -> Parsed<'a> {
    let body = text.trim();
    if let Some((pri, pri_len)) = split_pri(body) {
        if let Some(parsed) = strict5424::parse(pri, &body[pri_len..]) {
            return parsed;
        }
    }
    parse_general(text, received, opts)
}

/// [`parse`] without the fast path for strict RFC 5424 ([`strict5424`]).
fn parse_general<'a>(text: &'a str, received: DateTime<Utc>, opts: &ParseOptions) -> Parsed<'a> {
    let body = text.trim();
    let Some((pri, pri_len)) = split_pri(body) else {
        return unparsed(text);
    };
    let after_pri = &body[pri_len..];
    let ts_start = pri_len + (after_pri.len() - after_pri.trim_start().len());

    let header = prepare_3164_header(body, ts_start);
    let base: &str = header.text.as_deref().unwrap_or(body);

    let received_local = opts.timezone.wall_clock(received);
    let get_year = move |(month, day, _, _, _): syslog_loose::IncompleteDate| {
        resolve_year(month, day, received_local)
    };
    // UTC here, our zone later: see the module docs on timestamps.
    let message = match syslog_loose::parse_message_with_year_exact_tz(
        base,
        get_year,
        Some(Utc),
        Variant::Either,
    ) {
        Ok(message) => message,
        Err(_) => return pri_only(pri, after_pri),
    };

    match message.protocol {
        Protocol::RFC5424(1) if is_version_1(after_pri) => from_5424(pri, base, &message),
        Protocol::RFC5424(_) => pri_only(pri, after_pri),
        Protocol::RFC3164 => {
            let timestamp = match message.timestamp {
                Some(ts) if header.naive => {
                    let wall = ts.naive_utc();
                    let wall = match header.nanos {
                        Some(n) => wall.with_nanosecond(n).unwrap_or(wall),
                        None => wall,
                    };
                    Some(opts.timezone.localize(wall))
                }
                Some(ts) => Some(ts),
                None => {
                    // syslog_loose took a `-` as a NIL timestamp; only a lone `-` is one.
                    let rest = &base[ts_start..];
                    let nil = rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t");
                    if !nil {
                        return pri_only(pri, after_pri);
                    }
                    None
                }
            };
            from_3164(pri, base, &message, timestamp)
        }
    }
}

fn is_version_1(after_pri: &str) -> bool {
    after_pri.starts_with("1 ") || after_pri.starts_with("1\t")
}

/// `<PRIVAL>` at the start of `s`: the value and the PRI's length in bytes.
fn split_pri(s: &str) -> Option<(u8, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'<') {
        return None;
    }
    let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 3 || b.get(1 + digits) != Some(&b'>') {
        return None;
    }
    if digits > 1 && b[1] == b'0' {
        return None;
    }
    let value: u16 = s[1..1 + digits].parse().ok()?;
    let value = u8::try_from(value).ok().filter(|v| *v <= 191)?;
    Some((value, digits + 2))
}

fn empty(format: Format, pri: Option<u8>, message: Cow<'_, str>) -> Parsed<'_> {
    Parsed {
        format,
        facility: pri.map(|p| p >> 3),
        severity: pri.map(|p| p & 7),
        timestamp: None,
        hostname: None,
        app_name: None,
        procid: None,
        msgid: None,
        structured_data: Vec::new(),
        message,
    }
}

fn unparsed(text: &str) -> Parsed<'_> {
    empty(Format::Unparsed, None, text.into())
}

/// A valid PRI and no header we can read: RFC 3164 section 4.3.2, all of it is CONTENT.
fn pri_only(pri: u8, after_pri: &str) -> Parsed<'_> {
    empty(Format::Rfc3164, Some(pri), after_pri.trim_start().into())
}

/// Byte offset of `inner` in `outer` when `inner` is a sub-slice of it.
fn offset_in(outer: &str, inner: &str) -> Option<usize> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    let end = start.checked_add(inner.len())?;
    (end <= outer.len() && outer.is_char_boundary(start)).then_some(start)
}

/// Owned: `base` may be a header rewritten for `syslog_loose`, not the received text.
fn from_5424(pri: u8, base: &str, m: &Message<&str>) -> Parsed<'static> {
    let mut p = empty(Format::Rfc5424, Some(pri), Cow::Borrowed(""));
    p.timestamp = m.timestamp;
    p.hostname = m.hostname.map(owned);
    p.app_name = m.appname.map(owned);
    p.msgid = m.msgid.map(owned);
    p.structured_data = convert_sd(&m.structured_data);

    // PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID: a successful parse means
    // these are six runs of non-blanks separated by spaces or tabs.
    let tokens = header_tokens(base, 6);
    p.procid = match (&m.procid, tokens.get(4)) {
        (None, _) => None,
        (Some(_), Some((_, raw))) if *raw != "-" => Some(owned(raw)),
        (Some(procid), _) => Some(procid_string(procid).into()),
    };

    let msg = m.msg.strip_prefix('\u{feff}').unwrap_or(m.msg);
    let sd_start = tokens.get(5).map(|(at, tok)| at + tok.len());
    p.message = match (sd_start, offset_in(base, m.msg)) {
        (Some(start), Some(msg_at)) if start <= msg_at => {
            let region = base[start..msg_at].trim();
            if bracket_groups(region) > m.structured_data.len() {
                // syslog_loose dropped an element it could not read: keep the raw text.
                owned(base[start..].trim_start())
            } else {
                owned(msg)
            }
        }
        _ => owned(msg),
    };
    p
}

fn from_3164(
    pri: u8,
    base: &str,
    m: &Message<&str>,
    timestamp: Option<DateTime<FixedOffset>>,
) -> Parsed<'static> {
    let mut p = empty(Format::Rfc3164, Some(pri), Cow::Borrowed(""));
    p.timestamp = timestamp;

    if let Some(host) = m.hostname {
        if !plausible_hostname(host) {
            if let Some(at) = offset_in(base, host) {
                p.message = owned(&base[at..]);
                return p;
            }
        }
        p.hostname = Some(owned(host));
    }

    if let Some(app) = m.appname {
        match offset_in(base, app) {
            Some(at) => {
                let after_app = &base[at + app.len()..];
                let (pid, after_tag) = match after_app
                    .strip_prefix('[')
                    .and_then(|r| r.find(']').map(|end| (&r[..end], &r[end + 1..])))
                {
                    Some((pid, rest)) => (Some(pid), rest),
                    None => (None, after_app),
                };
                let is_tag = plausible_tag(app)
                    && (pid.is_some() || after_tag.starts_with(':'))
                    && !starts_cef_or_leef(app, after_tag);
                if !is_tag {
                    p.message = owned(&base[at..]);
                    return p;
                }
                p.app_name = Some(owned(app));
                p.procid = pid.filter(|s| !s.is_empty()).map(owned);
            }
            None => {
                p.app_name = Some(owned(app));
                p.procid = m.procid.as_ref().map(|p| procid_string(p).into());
            }
        }
    }

    p.structured_data = convert_sd(&m.structured_data);
    p.message = owned(m.msg);
    if m.structured_data.is_empty() {
        if let Some(dash) = eaten_nil_dash(base, m.msg) {
            p.message = owned(&base[dash..]);
        }
    }
    p
}

/// `syslog_loose` reads a `-` between the tag and MSG as an empty STRUCTURED-DATA
/// (NILVALUE) and drops it, but RFC 3164 has no such field: the dash is text (shadow's
/// `su[9]: - pts/1 bob:root` marks a failure with it). The offset of that dash in `base`.
fn eaten_nil_dash(base: &str, msg: &str) -> Option<usize> {
    let msg_at = offset_in(base, msg).or_else(|| msg.is_empty().then_some(base.len()))?;
    let before = base[..msg_at].trim_end_matches([' ', '\t']);
    let dash = before.strip_suffix('-')?.len();
    let preceded = base[..dash].ends_with([' ', '\t', ':']);
    preceded.then_some(dash)
}

/// Host names, IPv4 and IPv6 addresses; Unicode letters for IDN senders. Not digits alone
/// (a year, a sequence number).
fn plausible_hostname(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.bytes().all(|b| b.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'))
}

/// Program names as senders write them: `sshd`, `postfix/smtpd`, `sshd(pam_unix)`,
/// `org.gnome.Shell`, `junos-flow`. Not digits alone: that is a Cisco sequence number.
fn plausible_tag(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= 64
        && !s.bytes().all(|b| b.is_ascii_digit())
        && s.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | '(' | ')' | '@' | '+' | '~' | '#')
        })
}

/// `CEF:0|...` / `LEEF:1.0|...` (also the malformed `CEF: 0|`): a body, not a tag.
fn starts_cef_or_leef(tag: &str, after_tag: &str) -> bool {
    (tag.eq_ignore_ascii_case("CEF") || tag.eq_ignore_ascii_case("LEEF"))
        && after_tag
            .strip_prefix(':')
            .is_some_and(|r| r.trim_start().starts_with(|c: char| c.is_ascii_digit()))
}

fn procid_string(procid: &ProcId<&str>) -> String {
    match procid {
        ProcId::PID(n) => n.to_string(),
        ProcId::Name(s) => (*s).to_string(),
    }
}

/// The first `n` runs of characters other than space and tab, with their byte offsets.
fn header_tokens(s: &str, n: usize) -> Vec<(usize, &str)> {
    let b = s.as_bytes();
    let blank = |c: u8| c == b' ' || c == b'\t';
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while out.len() < n && i < b.len() {
        while i < b.len() && blank(b[i]) {
            i += 1;
        }
        let start = i;
        while i < b.len() && !blank(b[i]) {
            i += 1;
        }
        if start < i {
            out.push((start, &s[start..i]));
        }
    }
    out
}

/// Counts `[`...`]` groups the way a reader that ignores quoting would: each `[` outside a
/// group opens one, the next `]` closes it. Every SD-ELEMENT `syslog_loose` consumed, read or
/// dropped, contributes at least one group, so more groups than elements means a drop.
fn bracket_groups(region: &str) -> usize {
    let mut groups = 0;
    let mut open = false;
    for c in region.chars() {
        match (open, c) {
            (false, '[') => open = true,
            (true, ']') => {
                open = false;
                groups += 1;
            }
            _ => {}
        }
    }
    groups
}

fn convert_sd(elements: &[StructuredElement<&str>]) -> Vec<SdElement<'static>> {
    elements
        .iter()
        .map(|e| SdElement {
            id: owned(e.id),
            params: e
                .params
                .iter()
                .map(|(name, value)| (owned(name), unescape_param(value).into()))
                .collect(),
        })
        .collect()
}

fn owned(s: &str) -> Cow<'static, str> {
    Cow::Owned(s.to_owned())
}

/// RFC 5424 section 6.3.3: `\"`, `\\` and `\]` are escapes; a backslash before anything
/// else is kept with that character. (`syslog_loose`'s own `params()` also turns `\n`
/// into a newline, which the RFC does not.)
fn unescape_param(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(e @ ('"' | '\\' | ']')) => out.push(e),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// What [`parse`] changed in an RFC 3164 header before handing it to `syslog_loose`.
struct Header {
    /// The rewritten message, when something was rewritten.
    text: Option<String>,
    /// The timestamp carries no zone: read it in the configured one.
    naive: bool,
    /// Fractional seconds removed from a `Mmm dd hh:mm:ss.fff` timestamp.
    nanos: Option<u32>,
}

/// Rewrites the two timestamp forms `syslog_loose` misreads into ones it reads:
/// `Mmm dd [yyyy] hh:mm:ss.fff` (the fraction would become the start of the message and
/// hide host and tag) and ISO 8601 without an offset or with a space for `T` or a trailing
/// `:` (rejected). Everything else goes through untouched.
fn prepare_3164_header(body: &str, ts_start: usize) -> Header {
    let ts = &body[ts_start..];
    if ts.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let mut header = Header {
            text: None,
            naive: true,
            nanos: None,
        };
        if let Some((dot, end, nanos)) = scan_legacy_fraction(ts) {
            header.text = Some(format!(
                "{}{}",
                &body[..ts_start + dot],
                &body[ts_start + end..]
            ));
            header.nanos = Some(nanos);
        }
        return header;
    }
    let mut header = Header {
        text: None,
        naive: false,
        nanos: None,
    };
    if let Some(iso) = scan_iso(ts) {
        header.naive = !iso.has_offset;
        if iso.space_separator || !iso.has_offset || iso.trailing_colon {
            let mut text = String::with_capacity(body.len() + 1);
            text.push_str(&body[..ts_start]);
            text.push_str(&ts[..10]);
            text.push('T');
            text.push_str(&ts[11..iso.end]);
            if !iso.has_offset {
                text.push('Z');
            }
            let skip = usize::from(iso.trailing_colon);
            text.push_str(&ts[iso.end + skip..]);
            header.text = Some(text);
        }
    }
    header
}

/// `n` ASCII digits, `min <= n <= max`, at `i`, not followed by another digit.
fn digits_at(b: &[u8], i: usize, min: usize, max: usize) -> Option<usize> {
    let n = b
        .get(i..)?
        .iter()
        .take(max + 1)
        .take_while(|c| c.is_ascii_digit())
        .count();
    (min..=max).contains(&n).then_some(i + n)
}

fn byte_at(b: &[u8], i: usize, want: u8) -> Option<usize> {
    (b.get(i) == Some(&want)).then_some(i + 1)
}

fn spaces_at(b: &[u8], i: usize) -> Option<usize> {
    let n = b.get(i..)?.iter().take_while(|c| **c == b' ').count();
    (n > 0).then_some(i + n)
}

/// `Mmm dd [yyyy] hh:mm:ss.fff`: (offset of `.`, end of the fraction, nanoseconds).
fn scan_legacy_fraction(s: &str) -> Option<(usize, usize, u32)> {
    let b = s.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut i = spaces_at(b, 3)?;
    i = digits_at(b, i, 1, 2)?;
    i = spaces_at(b, i)?;
    if let Some(after_year) = digits_at(b, i, 4, 4) {
        i = spaces_at(b, after_year)?;
    }
    i = digits_at(b, i, 1, 2)?;
    i = byte_at(b, i, b':')?;
    i = digits_at(b, i, 2, 2)?;
    i = byte_at(b, i, b':')?;
    i = digits_at(b, i, 2, 2)?;
    let dot = i;
    i = byte_at(b, i, b'.')?;
    let frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if frac == 0 {
        return None;
    }
    let nanos = b[i..i + frac]
        .iter()
        .chain(std::iter::repeat(&b'0'))
        .take(9)
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    Some((dot, i + frac, nanos))
}

struct IsoTimestamp {
    end: usize,
    has_offset: bool,
    space_separator: bool,
    trailing_colon: bool,
}

/// `yyyy-mm-dd(T| )hh:mm:ss[.f+][Z|±hh:mm][:]` followed by a blank or the end.
fn scan_iso(s: &str) -> Option<IsoTimestamp> {
    let b = s.as_bytes();
    let mut i = digits_at(b, 0, 4, 4)?;
    i = byte_at(b, i, b'-')?;
    i = digits_at(b, i, 2, 2)?;
    i = byte_at(b, i, b'-')?;
    i = digits_at(b, i, 2, 2)?;
    let space_separator = match b.get(i)? {
        b'T' | b't' => false,
        b' ' => true,
        _ => return None,
    };
    i = digits_at(b, i + 1, 2, 2)?;
    i = byte_at(b, i, b':')?;
    i = digits_at(b, i, 2, 2)?;
    i = byte_at(b, i, b':')?;
    i = digits_at(b, i, 2, 2)?;
    if let Some(j) = byte_at(b, i, b'.') {
        let frac = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return None;
        }
        i = j + frac;
    }
    let has_offset = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            true
        }
        Some(b'+' | b'-') => {
            let mut j = digits_at(b, i + 1, 2, 2)?;
            j = byte_at(b, j, b':')?;
            i = digits_at(b, j, 2, 2)?;
            true
        }
        _ => false,
    };
    let end = i;
    let trailing_colon = b.get(i) == Some(&b':');
    if trailing_colon {
        i += 1;
    }
    match b.get(i) {
        None | Some(b' ' | b'\t') => Some(IsoTimestamp {
            end,
            has_offset,
            space_separator,
            trailing_colon,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Same instant *and* same offset (chrono's `==` compares instants only).
    #[track_caller]
    fn assert_ts(actual: Option<DateTime<FixedOffset>>, expected: &str) {
        let expected = DateTime::parse_from_rfc3339(expected).unwrap();
        let pair = |t: DateTime<FixedOffset>| (t, t.offset().local_minus_utc());
        assert_eq!(actual.map(pair), Some(pair(expected)));
    }

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn opts(tz: &str) -> ParseOptions {
        ParseOptions {
            timezone: tz.parse().unwrap(),
        }
    }

    fn p(text: &str) -> Parsed<'_> {
        parse(text, at("2024-06-15T12:00:00Z"), &opts("UTC"))
    }

    fn sl(text: &str) -> Result<Message<&str>, String> {
        syslog_loose::parse_message_with_year_exact_tz(text, |_| 2023, Some(Utc), Variant::Either)
    }

    // ---- what syslog_loose 0.23 does on its own (each one is corrected in parse) ----

    #[test]
    fn syslog_loose_reads_bad_pri_as_no_pri() {
        // <200>: facility 25 does not exist, so it is silently dropped.
        let m = sl("<200>Oct 11 22:14:15 host app: msg").unwrap();
        assert_eq!(m.facility, None);
        assert!(m.severity.is_some());
        // No PRI at all: a PRI-less 3164 with a guessed host and tag.
        let m = sl("Oct 11 22:14:15 host app: msg").unwrap();
        assert_eq!(
            (m.facility, m.hostname, m.appname),
            (None, Some("host"), Some("app"))
        );
        // Leading zeros are accepted.
        assert!(sl("<034>Oct 11 22:14:15 host app: msg")
            .unwrap()
            .facility
            .is_some());
        // Over 255 or not a number: no PRI, then nothing else fits either.
        assert!(sl("<999>Oct 11 22:14:15 host app: msg").is_err());
        assert!(sl("<abc>Oct 11 22:14:15 host app: msg").is_err());
    }

    #[test]
    fn syslog_loose_fails_on_feb_29_in_a_common_year() {
        let r = syslog_loose::parse_message_with_year_exact_tz(
            "<13>Feb 29 12:00:00 host app: msg",
            |_| 2023,
            Some(Utc),
            Variant::Either,
        );
        assert!(r.is_err());
    }

    #[test]
    fn syslog_loose_reads_3164_year_form_as_utc_and_rejects_dst_gaps() {
        let ny = chrono_tz::America::New_York;
        let m = syslog_loose::parse_message_with_year_exact_tz(
            "<13>Dec 28 2008 16:49:07 host app: m",
            |_| 2023,
            Some(ny),
            Variant::Either,
        )
        .unwrap();
        // 16:49:07 wall clock came out as 11:49:07 local: the naive time was taken as UTC.
        assert_ts(m.timestamp, "2008-12-28T11:49:07-05:00");
        let r = syslog_loose::parse_message_with_year_exact_tz(
            "<13>Mar 10 02:30:00 host app: m",
            |_| 2024,
            Some(ny),
            Variant::Either,
        );
        assert!(r.is_err());
    }

    #[test]
    fn syslog_loose_header_guesses() {
        let m = sl("<166>Oct 11 2024 22:14:15: %ASA-6-113004: AAA user").unwrap();
        assert_eq!(m.hostname, Some("%ASA-6-113004"));
        let m = sl("<14>Jul  6 08:11:40 pa-fw01 1,2023/07/06 08:11:40,0164,THREAT").unwrap();
        assert_eq!(m.appname, Some("1,2023/07/06"));
        let m = sl("<134>Oct 26 20:01:31 gw CEF:0|Vendor|Product|1|2|x|3|a=b").unwrap();
        assert_eq!(
            (m.appname, m.msg),
            (Some("CEF"), "0|Vendor|Product|1|2|x|3|a=b")
        );
        let m = sl("<13>Oct 11 22:14:15.123 host app: msg").unwrap();
        assert_eq!((m.hostname, m.msg), (None, ".123 host app: msg"));
        let m = sl("<13>-5 degrees").unwrap();
        assert_eq!((m.timestamp, m.msg), (None, "5 degrees"));
        let m = sl("<13>Oct 11 22:14:15 su: msg").unwrap();
        assert_eq!((m.hostname, m.appname), (Some("su"), None));
    }

    #[test]
    fn syslog_loose_5424_quirks() {
        let m = sl(r#"<34>1 2003-10-11T22:14:15.003Z h a +05 - [a b="x\ny"][bad:"1"; c:"2"] msg"#)
            .unwrap();
        assert!(matches!(m.procid, Some(ProcId::PID(5))));
        assert_eq!(m.structured_data.len(), 1);
        assert_eq!(m.msg, "msg");
        let unescaped: Vec<String> = m.structured_data[0].params().map(|(_, v)| v).collect();
        assert_eq!(unescaped, vec!["x\ny".to_string()]);
        assert!(matches!(
            sl("<34>2 2003-10-11T22:14:15Z h a - - - msg").map(|m| m.protocol),
            Ok(Protocol::RFC5424(2))
        ));
    }

    // ---- PRI ----

    #[test]
    fn pri_must_be_canonical_and_at_most_191() {
        assert_eq!(split_pri("<0>x"), Some((0, 3)));
        assert_eq!(split_pri("<13>x"), Some((13, 4)));
        assert_eq!(split_pri("<191>"), Some((191, 5)));
        for bad in [
            "", "<", "<>", "<192>", "<255>", "<999>", "<1000>", "<00>", "<013>", "<abc>", "<13",
            "13>", "< 13>", "<-1>", "<+1>", "x<13>", "<１３>",
        ] {
            assert_eq!(split_pri(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn invalid_pri_is_unparsed_with_the_whole_text() {
        for text in [
            "<200>Oct 11 22:14:15 host app: msg",
            "<034>Oct 11 22:14:15 host app: msg",
            "Oct 11 22:14:15 host sshd[1]: msg",
            " <999>1 2003-10-11T22:14:15Z h a - - - m ",
        ] {
            let r = p(text);
            assert_eq!(r, unparsed(text), "{text:?}");
            assert_eq!(r.message, text);
        }
    }

    #[test]
    fn leading_and_trailing_white_space_is_not_content() {
        let r = p("\r\n <13>Oct 11 22:14:15 host app: msg \n");
        assert_eq!(r.format, Format::Rfc3164);
        assert_eq!(r.message, "msg");
    }

    #[test]
    fn names() {
        assert_eq!(facility_name(0), "kern");
        assert_eq!(facility_name(4), "auth");
        assert_eq!(facility_name(10), "authpriv");
        assert_eq!(facility_name(13), "audit");
        assert_eq!(facility_name(14), "alert");
        assert_eq!(facility_name(15), "clock");
        assert_eq!(facility_name(16), "local0");
        assert_eq!(facility_name(23), "local7");
        assert_eq!(facility_name(24), "unknown");
        let sev: Vec<&str> = (0..=8).map(severity_name).collect();
        assert_eq!(
            sev,
            ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", "unknown"]
        );
        assert_eq!(Format::Rfc5424.as_str(), "rfc5424");
        assert_eq!(Format::Rfc3164.to_string(), "rfc3164");
        assert_eq!(Format::Unparsed.as_str(), "unparsed");
    }

    // ---- years and zones ----

    #[test]
    fn resolve_year_picks_the_nearest() {
        assert_eq!(resolve_year(6, 14, wall("2024-06-15 12:00:00")), 2024);
        assert_eq!(resolve_year(6, 16, wall("2024-06-15 12:00:00")), 2024);
        // Old year's December, received on New Year's Day.
        assert_eq!(resolve_year(12, 31, wall("2025-01-01 00:00:05")), 2024);
        assert_eq!(resolve_year(12, 20, wall("2025-01-03 08:00:00")), 2024);
        // A sender whose clock runs ahead: January received on 31 December.
        assert_eq!(resolve_year(1, 1, wall("2024-12-31 23:59:50")), 2025);
        // Half a year is the turning point, in both directions.
        assert_eq!(resolve_year(7, 1, wall("2025-01-02 00:00:00")), 2025); // 180 ahead, 185 back
        assert_eq!(resolve_year(7, 5, wall("2025-01-02 00:00:00")), 2024); // 184 ahead, 181 back
    }

    #[test]
    fn resolve_year_feb_29_gets_a_leap_year() {
        assert_eq!(resolve_year(2, 29, wall("2024-03-01 00:10:00")), 2024);
        assert_eq!(resolve_year(2, 29, wall("2025-03-01 00:10:00")), 2024);
        assert_eq!(resolve_year(2, 29, wall("2027-12-31 00:10:00")), 2028);
        assert_eq!(resolve_year(2, 29, wall("2026-08-01 00:00:00")), 2028);
        // 2100 is not a leap year: 2104 is two days further away than 2096.
        assert_eq!(resolve_year(2, 29, wall("2100-02-28 00:00:00")), 2096);
        // Dates that exist in no year fall back to the receive year.
        assert_eq!(resolve_year(4, 31, wall("2024-05-01 00:00:00")), 2024);
        assert_eq!(resolve_year(13, 1, wall("2024-05-01 00:00:00")), 2024);
        assert_eq!(resolve_year(0, 0, wall("2024-05-01 00:00:00")), 2024);
    }

    #[test]
    fn timezone_setting_parses_and_round_trips() {
        assert_eq!("local".parse(), Ok(TimeZoneSetting::Local));
        assert_eq!("LOCAL".parse(), Ok(TimeZoneSetting::Local));
        assert_eq!("UTC".parse(), Ok(TimeZoneSetting::Utc));
        assert_eq!(" utc ".parse(), Ok(TimeZoneSetting::Utc));
        let ist = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        assert_eq!("+05:30".parse(), Ok(TimeZoneSetting::Fixed(ist)));
        assert_eq!("+0530".parse(), Ok(TimeZoneSetting::Fixed(ist)));
        let pst = FixedOffset::west_opt(8 * 3600).unwrap();
        assert_eq!("-0800".parse(), Ok(TimeZoneSetting::Fixed(pst)));
        assert_eq!("-08".parse(), Ok(TimeZoneSetting::Fixed(pst)));
        assert_eq!(
            "America/New_York".parse(),
            Ok(TimeZoneSetting::Named(chrono_tz::America::New_York))
        );
        assert_eq!(TimeZoneSetting::default(), TimeZoneSetting::Local);
        assert_eq!(ParseOptions::default().timezone, TimeZoneSetting::Local);
        for s in [
            "local",
            "UTC",
            "+05:30",
            "-08:00",
            "+00:00",
            "Europe/Berlin",
        ] {
            let tz: TimeZoneSetting = s.parse().unwrap();
            assert_eq!(
                tz.to_string().parse::<TimeZoneSetting>(),
                Ok(tz.clone()),
                "{s}"
            );
        }
        assert_eq!(TimeZoneSetting::Fixed(pst).to_string(), "-08:00");
    }

    #[test]
    fn timezone_setting_errors_say_what_is_wrong() {
        let e = "".parse::<TimeZoneSetting>().unwrap_err();
        assert!(e.contains("empty"), "{e}");
        for bad in [
            "+24:00",
            "+05:60",
            "+5:30",
            "-08:0",
            "+05:30:00",
            "+ab:cd",
            "+０５:３０",
        ] {
            let e = bad.parse::<TimeZoneSetting>().unwrap_err();
            assert!(
                e.contains("invalid UTC offset") && e.contains(bad),
                "{bad}: {e}"
            );
        }
        for bad in [
            "America/New_Yrok",
            "Mars/Olympus_Mons",
            "EST5EDT7",
            "new york",
        ] {
            let e = bad.parse::<TimeZoneSetting>().unwrap_err();
            assert!(
                e.contains("unknown time zone") && e.contains(bad),
                "{bad}: {e}"
            );
            assert!(
                e.contains("America/New_York") && e.contains("+05:30"),
                "{e}"
            );
        }
    }

    #[test]
    fn localize_handles_dst_gap_and_overlap() {
        let ny = TimeZoneSetting::Named(chrono_tz::America::New_York);
        // 2024-03-10 02:30 does not exist in New York: read with EST, the offset before.
        assert_ts(
            Some(ny.localize(wall("2024-03-10 02:30:00"))),
            "2024-03-10T02:30:00-05:00",
        );
        // 2024-11-03 01:30 happens twice: the earlier one (EDT).
        assert_ts(
            Some(ny.localize(wall("2024-11-03 01:30:00"))),
            "2024-11-03T01:30:00-04:00",
        );
        assert_ts(
            Some(ny.localize(wall("2024-07-04 12:00:00"))),
            "2024-07-04T12:00:00-04:00",
        );
        let fixed: TimeZoneSetting = "+05:30".parse().unwrap();
        assert_ts(
            Some(fixed.localize(wall("2024-01-01 00:00:00"))),
            "2024-01-01T00:00:00+05:30",
        );
        assert_ts(
            Some(TimeZoneSetting::Utc.localize(wall("2024-01-01 00:00:00"))),
            "2024-01-01T00:00:00Z",
        );
    }

    #[test]
    fn local_setting_uses_the_machine_zone() {
        let naive = wall("2024-07-04 12:00:00");
        let expected = chrono::Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|d| d.fixed_offset());
        let r = parse(
            "<13>Jul  4 12:00:00 host app: m",
            at("2024-07-04T12:00:00Z"),
            &ParseOptions::default(),
        );
        assert_eq!(r.timestamp.map(|t| t.naive_local()), Some(naive));
        if let Some(expected) = expected {
            assert_eq!(r.timestamp, Some(expected));
        }
    }

    #[test]
    fn year_resolution_uses_the_configured_zone() {
        // 03:00 UTC on 1 January 2025 is still 31 December 2024 in New York.
        let received = at("2025-01-01T03:00:00Z");
        let ny = opts("America/New_York");
        let r = parse("<13>Dec 31 21:59:00 host app: m", received, &ny);
        assert_ts(r.timestamp, "2024-12-31T21:59:00-05:00");
        // A January stamp from a sender a few minutes ahead: next year.
        let r = parse("<13>Jan  1 00:05:00 host app: m", received, &ny);
        assert_ts(r.timestamp, "2025-01-01T00:05:00-05:00");
        // In UTC the same receive time is New Year's Day already.
        let r = parse("<13>Dec 31 23:59:59 host app: m", received, &opts("UTC"));
        assert_ts(r.timestamp, "2024-12-31T23:59:59Z");
        let r = parse("<13>Jan  1 02:59:00 host app: m", received, &opts("UTC"));
        assert_ts(r.timestamp, "2025-01-01T02:59:00Z");
    }

    #[test]
    fn feb_29_is_read_in_a_leap_year() {
        let r = parse(
            "<13>Feb 29 23:00:00 host app: m",
            at("2025-03-01T08:00:00Z"),
            &opts("UTC"),
        );
        assert_ts(r.timestamp, "2024-02-29T23:00:00Z");
        assert_eq!(r.hostname.as_deref(), Some("host"));
        let r = parse(
            "<13>Feb 29 23:00:00 host app: m",
            at("2024-03-01T08:00:00Z"),
            &opts("UTC"),
        );
        assert_ts(r.timestamp, "2024-02-29T23:00:00Z");
    }

    #[test]
    fn impossible_3164_dates_leave_the_header_in_the_message() {
        for text in [
            "<13>Feb 30 12:00:00 host app: m",
            "<13>Oct 11 25:14:15 host app: m",
        ] {
            let r = p(text);
            assert_eq!(r.format, Format::Rfc3164);
            assert_eq!((r.facility, r.severity), (Some(1), Some(5)));
            assert_eq!(r.timestamp, None);
            assert_eq!(r.message, &text[4..]);
        }
    }

    #[test]
    fn year_form_and_dst_are_read_in_the_configured_zone() {
        let ny = opts("America/New_York");
        let received = at("2024-06-15T12:00:00Z");
        let r = parse("<13>Dec 28 2008 16:49:07 host app: m", received, &ny);
        assert_ts(r.timestamp, "2008-12-28T16:49:07-05:00");
        let r = parse(
            "<13>Mar 10 02:30:00 host app: m",
            at("2024-03-10T12:00:00Z"),
            &ny,
        );
        assert_ts(r.timestamp, "2024-03-10T02:30:00-05:00");
        assert_eq!(r.app_name.as_deref(), Some("app"));
        // An explicit offset wins over the setting.
        let r = parse("<13>2024-06-15T10:00:00+02:00 host app: m", received, &ny);
        assert_ts(r.timestamp, "2024-06-15T10:00:00+02:00");
    }

    // ---- header rewrites ----

    #[test]
    fn fractional_seconds_in_3164() {
        let r = p("<189>Jun 15 11:54:08.123456789123: %SYS-5-CONFIG_I: Configured from console");
        assert_ts(r.timestamp, "2024-06-15T11:54:08.123456789Z");
        assert_eq!(r.hostname, None);
        assert_eq!(r.message, "%SYS-5-CONFIG_I: Configured from console");
        let r = p("<13>Jun 14 22:14:15.5 host app[7]: msg");
        assert_ts(r.timestamp, "2024-06-14T22:14:15.5Z");
        assert_eq!(r.hostname.as_deref(), Some("host"));
        assert_eq!(r.app_name.as_deref(), Some("app"));
        assert_eq!(r.procid.as_deref(), Some("7"));
        assert_eq!(r.message, "msg");
    }

    #[test]
    fn iso_timestamps_in_3164() {
        let ny = opts("America/New_York");
        let received = at("2024-06-15T12:00:00Z");
        let r = parse("<190>2018-06-19 02:13:38 fw01 app: m", received, &ny);
        assert_ts(r.timestamp, "2018-06-19T02:13:38-04:00");
        assert_eq!(
            (r.hostname.as_deref(), r.app_name.as_deref()),
            (Some("fw01"), Some("app"))
        );
        let r = parse("<190>2018-06-19T02:13:38.25 fw01 app: m", received, &ny);
        assert_ts(r.timestamp, "2018-06-19T02:13:38.25-04:00");
        let r = parse("<190>2024-02-25T11:07:33+01:00: fw01 app: m", received, &ny);
        assert_ts(r.timestamp, "2024-02-25T11:07:33+01:00");
        assert_eq!(r.hostname.as_deref(), Some("fw01"));
        let r = parse(
            "<7>2006-11-10T10:43:21.156000000000000+01:00 h app: m",
            received,
            &ny,
        );
        assert_ts(r.timestamp, "2006-11-10T10:43:21.156+01:00");
    }

    #[test]
    fn scanners_reject_near_misses() {
        assert!(scan_legacy_fraction("Oct 11 22:14:15 host").is_none());
        assert!(scan_legacy_fraction("Oct 11 22:14:15. host").is_none());
        assert!(scan_legacy_fraction("Oct 111 22:14:15.1 host").is_none());
        assert_eq!(
            scan_legacy_fraction("Oct 11 2024 22:14:15.1 h"),
            Some((20, 22, 100_000_000))
        );
        assert!(scan_iso("2024-06-15T12:00:00Zfoo").is_none());
        assert!(scan_iso("2024-06-15X12:00:00").is_none());
        assert!(scan_iso("2024-06-15T12:00:00+0100 h").is_none());
        assert!(scan_iso("2024-6-15T12:00:00Z").is_none());
        assert!(scan_iso("2024-06-15T12:00:00.Z").is_none());
        assert!(scan_iso("2024-06-15T12:00:00").is_some_and(|i| !i.has_offset));
    }

    // ---- 3164 host and tag ----

    #[test]
    fn rfc3164_message_keeps_a_leading_dash() {
        // syslog_loose takes the dash for an empty STRUCTURED-DATA; in RFC 3164 it is text.
        let r = p("<38>Jun 15 11:58:01 host su[123]: - pts/1 bob:root");
        assert_eq!(
            (r.app_name.as_deref(), r.procid.as_deref()),
            (Some("su"), Some("123"))
        );
        assert_eq!(r.message, "- pts/1 bob:root");
        assert_eq!(
            p("<38>Jun 15 11:58:01 host su: - pts/1 bob:root").message,
            "- pts/1 bob:root"
        );
        assert_eq!(
            p("<38>Jun 15 11:58:01 host su[1]: -- marker --").message,
            "-- marker --"
        );
        assert_eq!(p("<38>Jun 15 11:58:01 host su[1]: -").message, "-");
        assert_eq!(p("<38>Jun 15 11:58:01 host app: a - b").message, "a - b");
        assert_eq!(
            p("<38>Jun 15 11:58:01 host app: -5 degrees").message,
            "-5 degrees"
        );
        let r = p("<38>Jun 15 11:58:01 host app: [x@1 a=\"b\"] text");
        assert_eq!(r.message, "text");
    }

    #[test]
    fn nil_timestamp_only_when_it_is_a_lone_dash() {
        let r = p("<13>-5 degrees");
        assert_eq!((r.format, r.timestamp), (Format::Rfc3164, None));
        assert_eq!(r.message, "-5 degrees");
        let r = p("<13>- host app: msg");
        assert_eq!(r.timestamp, None);
        assert_eq!(r.hostname.as_deref(), Some("host"));
        assert_eq!(r.message, "msg");
    }

    #[test]
    fn tag_needs_a_colon_or_a_pid() {
        let r = p("<13>Feb  5 17:32:18 192.0.2.9 Use the force");
        assert_eq!(r.hostname.as_deref(), Some("192.0.2.9"));
        assert_eq!(r.app_name, None);
        assert_eq!(r.message, "Use the force");
        let r = p("<13>Feb  5 17:32:18 host app[42] no colon");
        assert_eq!(
            (r.app_name.as_deref(), r.procid.as_deref()),
            (Some("app"), Some("42"))
        );
        assert_eq!(r.message, "no colon");
        let r = p("<13>Feb  5 17:32:18 host [42]: empty name");
        assert_eq!((r.app_name, r.procid), (None, None));
        assert_eq!(r.message, "[42]: empty name");
        let r = p("<13>Oct 11 22:14:15 sshd[0123]: msg");
        assert_eq!(r.hostname, None);
        assert_eq!(
            (r.app_name.as_deref(), r.procid.as_deref()),
            (Some("sshd"), Some("0123"))
        );
        // Digits alone are neither a host nor a tag.
        let r = p("<6>Aug 10 22:18:24 2009  warden [audit] user=x");
        assert_eq!(r.hostname, None);
        assert_eq!(r.message, "2009  warden [audit] user=x");
        let r =
            p("<189>Jun 14 23:33:18 192.0.2.8 3890188: Jun 14 2024 23:33:17.792 UTC: %ADJ-5-X: y");
        assert_eq!(
            (r.hostname.as_deref(), r.app_name.as_deref()),
            (Some("192.0.2.8"), None)
        );
        assert_eq!(
            r.message,
            "3890188: Jun 14 2024 23:33:17.792 UTC: %ADJ-5-X: y"
        );
        // One word and a colon: syslog_loose's reading (a host) is kept.
        let r = p("<13>Oct 11 22:14:15 su: msg");
        assert_eq!(
            (r.hostname.as_deref(), r.app_name.as_deref()),
            (Some("su"), None)
        );
        assert_eq!(r.message, "msg");
    }

    #[test]
    fn structured_data_in_3164_is_kept_unless_the_tag_is_dropped() {
        let r = p(r#"<13>Oct 11 22:14:15 host app: [x@1 y="a\"b"] msg"#);
        assert_eq!(
            r.structured_data,
            vec![SdElement {
                id: "x@1".into(),
                params: vec![("y".into(), "a\"b".into())]
            }]
        );
        assert_eq!(r.message, "msg");
        let r = p(r#"<13>Oct 11 22:14:15 host word [x@1 y="1"] msg"#);
        assert!(r.structured_data.is_empty());
        assert_eq!(r.message, r#"word [x@1 y="1"] msg"#);
    }

    // ---- 5424 ----

    #[test]
    fn rfc5424_nil_fields_bom_and_verbatim_procid() {
        let r = p("<165>1 2003-10-11T22:14:15.003Z - - 0123 - - \u{feff}hello");
        assert_eq!(r.format, Format::Rfc5424);
        assert_eq!((r.facility, r.severity), (Some(20), Some(5)));
        assert_eq!((r.hostname, r.app_name, r.msgid), (None, None, None));
        assert_eq!(r.procid.as_deref(), Some("0123"));
        assert_eq!(r.message, "hello");
        let r = p("<165>1 - - - +5 - -");
        assert_eq!((r.timestamp, r.procid.as_deref()), (None, Some("+5")));
        assert_eq!(r.message, "");
        // A BOM that is not at the start of MSG stays.
        let r = p("<165>1 - h a - - - x\u{feff}y");
        assert_eq!(r.message, "x\u{feff}y");
    }

    #[test]
    fn rfc5424_other_versions_are_content() {
        let r = p("<34>2 2003-10-11T22:14:15Z h a - - - msg");
        assert_eq!(r.format, Format::Rfc3164);
        assert_eq!(r.facility, Some(4));
        assert_eq!(r.message, "2 2003-10-11T22:14:15Z h a - - - msg");
        // RFC 5424 headers that break the RFC: no offset, no STRUCTURED-DATA field.
        for text in [
            "<34>1 2003-10-11T22:14:15 h a - - - msg",
            "<34>1 2003-10-11T22:14:15Z h a - ID47 last message repeated 5 times",
        ] {
            let r = p(text);
            assert_eq!(
                (r.format, r.facility, r.timestamp),
                (Format::Rfc3164, Some(4), None)
            );
            assert_eq!(r.message, &text[4..]);
        }
        let r = p("<34>01 2003-10-11T22:14:15Z h a - - - msg");
        assert_eq!(r.format, Format::Rfc3164);
        assert_eq!(r.timestamp, None);
    }

    #[test]
    fn sd_values_are_unescaped_per_rfc_5424() {
        assert_eq!(unescape_param(r#"a\"b\\c\]d\ne\"#), "a\"b\\c]d\\ne\\");
        let r = p(r#"<14>1 - h a - - [id@1 k="x\]y" e="" n="l\nm"][id@2] m"#);
        assert_eq!(
            r.structured_data,
            vec![
                SdElement {
                    id: "id@1".into(),
                    params: vec![
                        ("k".into(), "x]y".into()),
                        ("e".into(), "".into()),
                        ("n".into(), "l\\nm".into()),
                    ],
                },
                SdElement {
                    id: "id@2".into(),
                    params: vec![]
                },
            ]
        );
        assert_eq!(r.message, "m");
    }

    #[test]
    fn dropped_sd_elements_stay_in_the_message() {
        let r = p(r#"<14>1 - h a - - [ok@1 a="1"][bad:"1"; c:"2"] the msg"#);
        assert_eq!(r.structured_data.len(), 1);
        assert_eq!(r.message, r#"[ok@1 a="1"][bad:"1"; c:"2"] the msg"#);
        // A ']' inside a quoted value is not a drop.
        let r = p(r#"<14>1 - h a - - [ok@1 a="x]y"][ok@2 b="z"] msg"#);
        assert_eq!(r.structured_data.len(), 2);
        assert_eq!(r.structured_data[0].params[0].1, "x]y");
        assert_eq!(r.message, "msg");
        assert_eq!(bracket_groups(r#"[a b="x]y"][c]"#), 2);
        assert_eq!(bracket_groups("-"), 0);
    }

    #[test]
    fn offset_in_only_accepts_sub_slices() {
        let s = "hello world";
        assert_eq!(offset_in(s, &s[6..]), Some(6));
        assert_eq!(offset_in(s, &s[11..]), Some(11));
        assert_eq!(offset_in(s, "world"), None);
    }

    #[test]
    fn header_tokens_split_on_space_and_tab() {
        let t = header_tokens("<1>1  a\tb c d e f g", 6);
        let words: Vec<&str> = t.iter().map(|(_, w)| *w).collect();
        assert_eq!(words, ["<1>1", "a", "b", "c", "d", "e"]);
        assert_eq!(t[1].0, 6);
    }
}
