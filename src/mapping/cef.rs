//! ArcSight CEF and IBM QRadar LEEF bodies, from any vendor.
//!
//! ```text
//! CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|suser=alice src=203.0.113.9 outcome=success
//! LEEF:1.0|Vendor|Product|Version|EventID|usrName=alice<TAB>src=203.0.113.9
//! LEEF:2.0|Vendor|Product|Version|EventID|^|usrName=alice^src=203.0.113.9
//! ```
//!
//! # Recognising one
//!
//! Cheap check first: one `memmem` search for `EF:` (it finds both `CEF:` and `LEEF:`);
//! nothing else runs for a message without it, except a look at its first two bytes for
//! the header-less `0|Vendor|...` some relays send. The marker may follow a prefix (a syslog
//! header the parser left in the message, `host CEF:0|...`) within the first 512 bytes;
//! `CEF: 0` with a space is accepted. A body with fewer header fields than the format has is declined.
//!
//! Header fields are unescaped (`\|`, `\\`); CEF extension values too (`\=`, `\\`, `\n`,
//! `\r`). An extension value runs up to the next ` key=` (so values may hold spaces, and an
//! unescaped `=` inside a value, as in a URL, stays in it). LEEF 1.0 attributes are split on
//! TAB, or on `|` when the sender used that (PAN-OS does); LEEF 2.0 names its delimiter in
//! the header (`^`, `x5E`, `0x5E`, or a space, which is read the CEF way).
//!
//! # Windows events
//!
//! A Windows Security event in CEF / LEEF (vendor `Microsoft` with a numeric SignatureID,
//! a SignatureID `Microsoft-Windows-Security-Auditing:4625`, or a Windows / Snare product
//! with `externalId=4625`) is mapped with the windows family's table
//! ([`super::windows::describe_event`]) as `cef.windows.<id>`, with the same choices as that
//! family: the target account (`duser`, qualified with `dntdom` as `DOMAIN\user`) for
//! logons, the acting account (`suser`, or the first of a multi-valued `duser`) with
//! `account:`/`group:` resources for account administration. Multi-valued fields as some
//! forwarders write them (`duser=W2K8R2-AD$\nalice`: subject, then target) are split.
//!
//! # Any other event
//!
//! | field | read from (first present; `-` and empty count as absent) |
//! |---|---|
//! | user_id | `suser`, `sourceUserName`, `duser`, `destinationUserName`, `usrName`, `userName`, `user`, `accountName`, `PanOSSourceUserName`, `UNIFIadmin` |
//! | source_address | `src`, `sourceAddress`, `srcIP`, `PanOSPublicIPv4`, `PublicIPv4`, then a custom string labelled as an address (`cs3Label=Client Address`), `c6a2` |
//! | outcome | `outcome`, `eventOutcome`, `categoryOutcome` (`/Success`), `PanOSEventStatus`, `EventStatus`, `result`, a custom field labelled outcome / result / status; else the words of the name and `act` (`failed`, `denied`, `blocked`... failure; `success`, `allowed`... success) |
//! | event_type, action | the name, `act`, `cat` and SignatureID read as words: logout / logoff → `logout` (`vpn logout`); lockout → `account locked out` (security); password change / reset, account created / deleted → admin; login / logon / sign-in / authentication / an admin accessing → `login`, `admin login` or `vpn login` (access); configuration changes → `configuration changed` (admin); threat / intrusion / malware / attack → security; traffic / connection / firewall / allow / deny → network; anything else system, with the name as action |
//! | resource | logins: `vpn` for VPN logins, else `dhost`, `destinationHostName`, `dst`, `destinationServiceName`, the product; file events `fname`, `filePath`; web `request`; otherwise `dhost`, `fname`, `request`, `dst` |
//!
//! Rules: `cef.windows.<id>`, `cef.arcsight.<case>` and `cef.leef.<case>` with case one of
//! `login`, `admin_login`, `vpn_login`, `logout`, `lockout`, `account`, `config`,
//! `security`, `network`, `event`.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::{text, EventType, Mapped};
use crate::parse::Parsed;
use crate::store::Outcome;

static EF: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("EF:"));

/// How far into the message the `CEF:` / `LEEF:` marker is looked for.
const HEAD: usize = 512;

pub fn map(p: &Parsed) -> Option<Mapped> {
    let msg: &str = &p.message;
    let b = msg.as_bytes();
    // The header starts the body, after at most a relay's prefix: look in the head only.
    let head = &b[..b.len().min(HEAD)];
    let ev = if let Some(at) = EF.find(head) {
        if at >= 1 && b[at - 1] == b'C' && (at == 1 || !b[at - 2].is_ascii_alphanumeric()) {
            parse_cef(&msg[at + 3..])?
        } else if at >= 2
            && &b[at - 2..at] == b"LE"
            && (at == 2 || !b[at - 3].is_ascii_alphanumeric())
        {
            parse_leef(&msg[at + 3..])?
        } else {
            return None;
        }
    } else if b.starts_with(b"0|") {
        parse_cef(msg)?
    } else {
        return None;
    };
    Some(build(&ev))
}

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cef,
    Leef,
}

#[derive(Debug)]
struct Event<'a> {
    kind: Kind,
    vendor: Cow<'a, str>,
    product: Cow<'a, str>,
    signature: Cow<'a, str>,
    /// CEF's Name; LEEF has none (its EventID is the signature).
    name: Cow<'a, str>,
    ext: Vec<(&'a str, Cow<'a, str>)>,
}

impl Event<'_> {
    /// The first of `keys` present with a value other than empty or `-`.
    fn get(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| {
            self.ext
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty() && *v != "-")
        })
    }

    /// The value of a custom field (`cs1`..`cs6`, `cn1`..`cn3`, `c6a1`..`c6a4`, `flexString1`...)
    /// whose label (`cs1Label`) satisfies `pred`.
    /// The label is given to `pred` in lower case without `_` and spaces (`Logon_Type`,
    /// `Logon Type` and `LogonType` all read `logontype`); labels over 64 bytes are skipped.
    fn labelled(&self, pred: impl Fn(&str) -> bool) -> Option<&str> {
        self.ext.iter().find_map(|(key, label)| {
            let field = key.strip_suffix("Label")?;
            let mut buf = [0u8; 64];
            let mut n = 0;
            for c in label.bytes().filter(|c| !matches!(c, b'_' | b' ')) {
                *buf.get_mut(n)? = c.to_ascii_lowercase();
                n += 1;
            }
            let norm = std::str::from_utf8(&buf[..n]).ok()?;
            if !pred(norm) {
                return None;
            }
            self.get(&[field])
        })
    }
}

/// Splits off `n` fields separated by unescaped `|`; the rest after the last separator.
fn split_header(s: &str, n: usize) -> Option<(Vec<Cow<'_, str>>, &str)> {
    let b = s.as_bytes();
    let mut fields = Vec::with_capacity(n);
    let mut start = 0;
    let mut i = 0;
    while fields.len() < n {
        match b.get(i) {
            None => return None,
            Some(b'\\') => i += 2,
            Some(b'|') => {
                fields.push(unescape_header(&s[start..i]));
                i += 1;
                start = i;
            }
            Some(_) => i += 1,
        }
    }
    Some((fields, &s[start.min(s.len())..]))
}

fn unescape_header(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s.trim());
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('|' | '\\')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out.trim().to_owned())
}

fn unescape_value(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('=' | '\\' | '|')) => out.push(n),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 128
        && k.bytes().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'_' | b'.' | b'-' | b'[' | b']' | b':' | b',' | b'+' | b'~'
                )
        })
}

/// CEF extension (and space-delimited LEEF 2.0): `k1=v 1 k2=v2`, a value running to the
/// next ` key=`.
fn parse_extension(ext: &str) -> Vec<(&str, Cow<'_, str>)> {
    let b = ext.as_bytes();
    let mut pairs: Vec<(&str, Cow<'_, str>)> = Vec::new();
    // (key, value start) of the pair being read
    let mut current: Option<(&str, usize)> = None;
    let mut value_floor = 0; // a key must start after the current value's start
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'=' => {
                let key_start = ext[..i].rfind([' ', '\t']).map_or(0, |s| s + 1);
                let key = &ext[key_start..i];
                if key_start >= value_floor && valid_key(key) {
                    if let Some((k, vs)) = current.take() {
                        let end = key_start.saturating_sub(1).max(vs);
                        pairs.push((k, unescape_value(ext[vs..end].trim())));
                    }
                    current = Some((key, i + 1));
                    value_floor = i + 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if let Some((k, vs)) = current {
        pairs.push((k, unescape_value(ext[vs.min(ext.len())..].trim())));
    }
    pairs
}

/// `CEF:` already consumed: `0|Vendor|Product|Version|Sig|Name|Severity|ext`.
fn parse_cef(s: &str) -> Option<Event<'_>> {
    let s = s.trim_start();
    let (h, ext) = split_header(s, 7)?;
    if !h[0].bytes().all(|c| c.is_ascii_digit() || c == b'.') || h[0].is_empty() {
        return None;
    }
    let mut h = h.into_iter();
    let _version = h.next()?;
    let vendor = h.next()?;
    let product = h.next()?;
    let _dev_version = h.next()?;
    let signature = h.next()?;
    let name = h.next()?;
    Some(Event {
        kind: Kind::Cef,
        vendor,
        product,
        signature,
        name,
        ext: parse_extension(ext),
    })
}

/// The LEEF 2.0 delimiter field: a character, `xHH` / `0xHH`, or `\t`.
fn leef_delimiter(spec: &str) -> Option<char> {
    let hex = spec
        .strip_prefix("0x")
        .or_else(|| spec.strip_prefix("x"))
        .or_else(|| spec.strip_prefix("0X"));
    if let Some(h) = hex {
        if !h.is_empty() && h.len() <= 4 {
            return u32::from_str_radix(h, 16).ok().and_then(char::from_u32);
        }
    }
    if spec == "\\t" {
        return Some('\t');
    }
    let mut chars = spec.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// `LEEF:` already consumed: `1.0|Vendor|Product|Version|EventID|attrs` or
/// `2.0|Vendor|Product|Version|EventID|delimiter|attrs`.
fn parse_leef(s: &str) -> Option<Event<'_>> {
    let s = s.trim_start();
    let (h, rest) = split_header(s, 5)?;
    let version = h[0].to_string();
    if !version.starts_with('1') && !version.starts_with('2') {
        return None;
    }
    let mut attrs = rest;
    let mut delim: Option<char> = None;
    if version.starts_with('2') {
        if let Some((spec, after)) = rest.split_once('|') {
            if spec.len() <= 6 && !spec.contains('=') {
                // `| |` is a space delimiter: keep it untrimmed
                delim = leef_delimiter(spec).or(Some(' '));
                attrs = after;
            }
        }
    }
    let delim = delim.unwrap_or_else(|| {
        if attrs.contains('\t') {
            '\t'
        } else if attrs.contains('|') {
            '|'
        } else {
            ' '
        }
    });
    let ext = if delim == ' ' {
        parse_extension(attrs)
    } else {
        attrs
            .split(delim)
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                let k = k.trim();
                valid_key(k).then(|| (k, Cow::Borrowed(v.trim())))
            })
            .collect()
    };
    let mut h = h.into_iter();
    let _version = h.next()?;
    let vendor = h.next()?;
    let product = h.next()?;
    let _dev_version = h.next()?;
    let signature = h.next()?;
    Some(Event {
        kind: Kind::Leef,
        vendor,
        product,
        signature,
        name: Cow::Borrowed(""),
        ext,
    })
}

// ---------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------

fn build(ev: &Event) -> Mapped {
    if let Some(id) = windows_id(ev) {
        if let Some(m) = windows(ev, id) {
            return m;
        }
    }
    generic(ev)
}

/// An address as written, IPv4-mapped IPv6 as IPv4; `None` if it is not an address.
fn addr(s: &str) -> Option<String> {
    let s = s.trim();
    if s.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(s.to_owned()); // already canonical: no formatting
    }
    let a = text::ip(s)?;
    Some(match a {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    })
}

fn outcome_word(s: &str) -> Outcome {
    let l = s.trim().trim_start_matches('/').to_ascii_lowercase();
    match l.as_str() {
        "success" | "successful" | "succeeded" | "ok" | "allow" | "allowed" | "accept"
        | "accepted" | "permit" | "permitted" | "pass" | "passed" | "audit success" | "true"
        | "0" => Outcome::Success,
        "failure" | "failed" | "fail" | "deny" | "denied" | "block" | "blocked" | "drop"
        | "dropped" | "reject" | "rejected" | "refuse" | "refused" | "error" | "audit failure"
        | "false" | "reset-both" | "reset-client" | "reset-server" | "discard" | "discarded" => {
            Outcome::Failure
        }
        _ if l.contains("fail") || l.contains("denied") => Outcome::Failure,
        _ if l.starts_with("success") => Outcome::Success,
        _ => Outcome::Unknown,
    }
}

/// The outcome the event states in a field, if any.
fn stated_outcome(ev: &Event) -> Option<Outcome> {
    let o = ev
        .get(&[
            "outcome",
            "eventOutcome",
            "categoryOutcome",
            "PanOSEventStatus",
            "EventStatus",
            "result",
        ])
        .map(outcome_word)
        .filter(|o| *o != Outcome::Unknown);
    o.or_else(|| {
        ev.labelled(|l| {
            l.contains("outcome") || l == "result" || l == "status" || l.contains("auditresult")
        })
        .map(outcome_word)
        .filter(|o| *o != Outcome::Unknown)
    })
    .or_else(|| {
        ev.ext.iter().find_map(|(_, v)| match v.trim() {
            "Audit Success" => Some(Outcome::Success),
            "Audit Failure" => Some(Outcome::Failure),
            _ => None,
        })
    })
}

/// The values of a multi-valued field (`a\nb`), in order; `-` and empty ones kept in place
/// (so that `duser` and `dntdom` values stay paired) but never chosen.
fn values(s: &str) -> Vec<&str> {
    s.split(['\n', '\r']).map(str::trim).collect()
}

fn present(v: &str) -> bool {
    !v.is_empty() && v != "-"
}

fn source(ev: &Event) -> Option<String> {
    ev.get(&[
        "src",
        "sourceAddress",
        "srcIP",
        "PanOSPublicIPv4",
        "PublicIPv4",
        "e8ClientAddress",
        "e8SrcAddr",
    ])
    .and_then(addr)
    .or_else(|| {
        ev.labelled(|l| l.contains("address") || l.contains("ipaddr"))
            .and_then(addr)
    })
    .or_else(|| ev.get(&["c6a2", "sourceTranslatedAddress"]).and_then(addr))
}

// ----- Windows -----

fn windows_id(ev: &Event) -> Option<u32> {
    let sig = ev.signature.trim();
    let sig_id = sig.rsplit(':').next().unwrap_or(sig);
    let numeric = |s: &str| s.parse::<u32>().ok().filter(|n| (1..=65535).contains(n));
    let (vendor, product) = (&*ev.vendor, &*ev.product);
    let ms = text::contains_ci(vendor, "microsoft");
    if ms || sig.starts_with("Microsoft-Windows-") || sig.starts_with("Security:") {
        if let Some(id) = numeric(sig_id) {
            return Some(id);
        }
    }
    let windowsish = ms
        || vendor.eq_ignore_ascii_case("windows")
        || text::contains_ci(product, "windows")
        || product.eq_ignore_ascii_case("eventlog")
        || text::contains_ci(product, "snare")
        || ev
            .get(&["deviceFacility"])
            .is_some_and(|f| f.contains("Windows"));
    if windowsish {
        if let Some(id) = ev
            .get(&["externalId", "EventID", "eventId"])
            .and_then(numeric)
        {
            return Some(id);
        }
        return numeric(sig_id);
    }
    None
}

fn qualified(name: &str, domain: Option<&str>) -> String {
    match domain {
        Some(d) if !name.contains(['\\', '@']) => format!("{d}\\{name}"),
        _ => name.to_owned(),
    }
}

fn windows(ev: &Event, id: u32) -> Option<Mapped> {
    let Some((event_type, action, usual)) = super::windows::describe_event(id) else {
        // A Windows event the table does not know: like the windows family, unclassified
        // with the acting account and the audit result.
        let mut m = Mapped::new(EventType::Unclassified, "cef.windows.event");
        let user = ev
            .get(&["suser", "sourceUserName", "duser", "destinationUserName"])
            .and_then(|u| {
                let v = values(u);
                v.into_iter().find(|n| present(n)).map(str::to_owned)
            });
        if let Some(u) = user {
            m = m.user(u);
        }
        if let Some(o) = stated_outcome(ev) {
            m = m.outcome(o);
        }
        return Some(m);
    };
    let outcome = match (usual, stated_outcome(ev)) {
        (Outcome::Failure, _) => Outcome::Failure,
        (_, Some(o)) => o,
        (u, None) => u,
    };
    let mut m = Mapped::new(event_type, ["cef.windows.", &id.to_string()].concat())
        .action(action)
        .outcome(outcome);

    let dusers = ev
        .get(&["duser", "destinationUserName"])
        .map(values)
        .unwrap_or_default();
    let ddoms = ev
        .get(&["dntdom", "destinationNtDomain"])
        .map(values)
        .unwrap_or_default();
    let susers = ev
        .get(&["suser", "sourceUserName"])
        .map(values)
        .unwrap_or_default();
    let sdoms = ev
        .get(&["sntdom", "sourceNtDomain"])
        .map(values)
        .unwrap_or_default();
    // The first (or last) name present, with the domain at the same position.
    let pick = |names: &[&str], doms: &[&str], first: bool| -> Option<String> {
        let mut idx = names
            .iter()
            .enumerate()
            .filter(|(_, n)| present(n))
            .map(|(i, _)| i);
        let i = if first { idx.next()? } else { idx.next_back()? };
        let dom = doms.get(i).copied().filter(|d| present(d));
        Some(qualified(names[i], dom))
    };
    // The acting account: `suser`, else the first value of `duser` (Subject, Target order).
    let subject = || pick(&susers, &sdoms, true).or_else(|| pick(&dusers, &ddoms, true));
    // The account acted on: the last value of `duser`.
    let target = || pick(&dusers, &ddoms, false);
    let logon_type = ev
        .labelled(|l| l.contains("logontype"))
        .filter(|t| t.bytes().all(|c| c.is_ascii_digit()));
    let (user, resource) = match id {
        4624 | 4625 | 4634 => (
            target(),
            Some(logon_type.map_or_else(
                || "windows logon".to_owned(),
                |t| super::join(&["windows logon type ", t]),
            )),
        ),
        4647 => (target(), None),
        4648 => (subject(), target().map(|t| super::join(&["account:", &t]))),
        4727..=4737 | 4754..=4758 => {
            let group = ev
                .get(&["e8GroupName", "dgroup"])
                .map(str::to_owned)
                .or_else(|| ev.labelled(|l| l.contains("groupname")).map(str::to_owned));
            (subject(), group.map(|g| super::join(&["group:", &g])))
        }
        4720..=4726 | 4738 | 4741..=4743 | 4767 => {
            (subject(), target().map(|t| super::join(&["account:", &t])))
        }
        4740 => {
            let t = target();
            (t.clone(), t.map(|t| super::join(&["account:", &t])))
        }
        4768 | 4771 | 4776 => {
            let t = target().or_else(|| ev.get(&["e8SrcAcc"]).map(str::to_owned));
            (
                t,
                Some(if id == 4776 { "ntlm" } else { "kerberos" }.to_owned()),
            )
        }
        4769 => (
            target(),
            ev.get(&["destinationServiceName", "e8ServiceName"])
                .map(str::to_owned),
        ),
        1102 => (subject(), Some("security log".to_owned())),
        _ => (subject(), None),
    };
    if let Some(u) = user {
        m = m.user(u);
    }
    if let Some(r) = resource {
        m = m.resource(r);
    }
    if event_type == EventType::Access {
        if let Some(s) = source(ev) {
            m = m.source(s);
        }
    }
    if matches!(id, 1102 | 4719) {
        m.severity = Some("high");
    }
    Some(m)
}

// ----- Anything else -----

/// Whether `t` (lower case) holds any of `words`.
fn any(t: &str, words: &[&str]) -> bool {
    words.iter().any(|w| t.contains(w))
}

fn generic(ev: &Event) -> Mapped {
    let act = ev.get(&["act", "deviceAction", "action"]).unwrap_or("");
    let cat = ev.get(&["cat", "deviceEventCategory"]).unwrap_or("");
    let sig = if ev.signature.bytes().all(|c| c.is_ascii_digit()) {
        ""
    } else {
        &*ev.signature
    };
    // name, act, cat and a non-numeric signature as lower-case words, in one buffer
    let mut words = String::with_capacity(ev.name.len() + act.len() + cat.len() + sig.len() + 4);
    for part in [&*ev.name, act, cat, sig] {
        words.extend(part.chars().map(|c| match c {
            '_' | '-' => ' ',
            c => c.to_ascii_lowercase(),
        }));
        words.push(' ');
    }
    let t = words.as_str();
    let vpn = t.contains("vpn") || t.contains("globalprotect") || t.contains("anyconnect");
    let admin = any(t, &["admin", "administrator", "management"]);
    let (event_type, action, case): (EventType, String, &str) = if any(
        t,
        &[
            "logout",
            "logoff",
            "log off",
            "log out",
            "signed out",
            "sign out",
            "signout",
        ],
    ) {
        (
            EventType::Access,
            if vpn { "vpn logout" } else { "logout" }.into(),
            "logout",
        )
    } else if any(t, &["lockout", "locked out", "account locked"]) {
        (EventType::Security, "account locked out".into(), "lockout")
    } else if any(
        t,
        &["password change", "password changed", "changed password"],
    ) {
        (EventType::Admin, "password changed".into(), "account")
    } else if t.contains("password reset") {
        (EventType::Admin, "password reset".into(), "account")
    } else if any(
        t,
        &[
            "account created",
            "user created",
            "user added",
            "account added",
            "new user",
        ],
    ) {
        (EventType::Admin, "account created".into(), "account")
    } else if any(
        t,
        &[
            "account deleted",
            "user deleted",
            "user removed",
            "account removed",
        ],
    ) {
        (EventType::Admin, "account deleted".into(), "account")
    } else if any(
        t,
        &[
            "login",
            "logon",
            "log in",
            "log on",
            "sign in",
            "signin",
            "sign on",
            "authenticat",
        ],
    ) || (admin && t.contains("accessed"))
    {
        if vpn {
            (EventType::Access, "vpn login".into(), "vpn_login")
        } else if admin {
            (EventType::Access, "admin login".into(), "admin_login")
        } else {
            (EventType::Access, "login".into(), "login")
        }
    } else if any(
        t,
        &[
            "config",
            "policy changed",
            "settings changed",
            "setting changed",
            "policy modified",
        ],
    ) {
        (EventType::Admin, "configuration changed".into(), "config")
    } else if any(
        t,
        &[
            "threat",
            "intrusion",
            "attack",
            "malware",
            "virus",
            "exploit",
            "spyware",
            "botnet",
            "ips ",
            "ids ",
            "signature",
            "vulnerability",
        ],
    ) {
        (EventType::Security, short_action(act, &ev.name), "security")
    } else if any(
        t,
        &[
            "traffic",
            "connection",
            "firewall",
            "flow",
            "session",
            " allow",
            " deny",
            " drop",
            " block",
            " accept",
            "permit",
        ],
    ) || matches!(
        act.to_ascii_lowercase().as_str(),
        "allow"
            | "allowed"
            | "deny"
            | "denied"
            | "drop"
            | "block"
            | "blocked"
            | "accept"
            | "permit"
            | "reject"
    ) {
        (EventType::Network, short_action(act, &ev.name), "network")
    } else {
        (EventType::System, short_action(act, &ev.name), "event")
    };
    let outcome = stated_outcome(ev).unwrap_or_else(|| {
        let o = outcome_word(act);
        if o != Outcome::Unknown {
            return o;
        }
        let n = ev.name.to_ascii_lowercase();
        if any(
            &n,
            &[
                "fail",
                "denied",
                "reject",
                "invalid",
                "bad password",
                "blocked",
                "unsuccessful",
                "discarded",
                "refused",
            ],
        ) {
            Outcome::Failure
        } else if any(
            &n,
            &[
                "success",
                "succeeded",
                "accepted",
                "allowed",
                "granted",
                "accessed",
            ],
        ) || (event_type == EventType::Access && case == "logout")
        {
            Outcome::Success
        } else {
            Outcome::Unknown
        }
    });
    let kind = match ev.kind {
        Kind::Cef => "arcsight",
        Kind::Leef => "leef",
    };
    let mut m = Mapped::new(event_type, ["cef.", kind, ".", case].concat())
        .action(action)
        .outcome(outcome);
    let user = ev
        .get(&[
            "suser",
            "sourceUserName",
            "duser",
            "destinationUserName",
            "usrName",
            "userName",
            "user",
            "accountName",
            "PanOSSourceUserName",
            "UNIFIadmin",
        ])
        .and_then(|u| {
            values(u)
                .into_iter()
                .rev()
                .find(|v| present(v))
                .map(str::to_owned)
        });
    if let Some(u) = user {
        m = m.user(u);
    }
    let resource = if event_type == EventType::Access {
        if vpn {
            Some("vpn".to_owned())
        } else {
            ev.get(&[
                "dhost",
                "destinationHostName",
                "dst",
                "destinationAddress",
                "destinationServiceName",
            ])
            .map(str::to_owned)
            .or_else(|| (!ev.product.is_empty()).then(|| ev.product.to_ascii_lowercase()))
        }
    } else if event_type == EventType::Network {
        ev.get(&["dst", "destinationAddress", "dhost"])
            .map(str::to_owned)
    } else {
        ev.get(&["dhost", "fname", "filePath", "request", "dst"])
            .map(str::to_owned)
    };
    if let Some(r) = resource {
        m = m.resource(r);
    }
    if let Some(s) = source(ev) {
        m = m.source(s);
    }
    m
}

/// `act` in lower case, else the name in lower case (`_` as spaces), else `event`.
fn short_action(act: &str, name: &str) -> String {
    let a = if !act.is_empty() { act } else { name };
    let a = a.trim().to_ascii_lowercase().replace('_', " ");
    if a.is_empty() {
        "event".to_owned()
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_escapes_and_extension_values() {
        let e = parse_cef(r"0|Ex\|ample|Pro\\duct|1|100|Login \| web|5|suser=al\=ice msg=two words here src=192.0.2.1 request=https://x/?a=1&b=2").unwrap();
        assert_eq!(e.vendor, "Ex|ample");
        assert_eq!(e.product, r"Pro\duct");
        assert_eq!(e.name, "Login | web");
        assert_eq!(e.get(&["suser"]), Some("al=ice"));
        assert_eq!(e.get(&["msg"]), Some("two words here"));
        assert_eq!(e.get(&["src"]), Some("192.0.2.1"));
        assert_eq!(e.get(&["request"]), Some("https://x/?a=1&b=2"));
    }

    #[test]
    fn multi_valued_fields_and_labels() {
        let e = parse_cef(r"0|Microsoft|Windows|1|4625|x|5|duser=HOST$\nbob cs3Label=Client Address cs3=::ffff:198.51.100.4 cn2Label=Logon_Type cn2=10").unwrap();
        assert_eq!(values(e.get(&["duser"]).unwrap()), vec!["HOST$", "bob"]);
        assert_eq!(values("-\nbob"), vec!["-", "bob"]);
        assert_eq!(source(&e).as_deref(), Some("198.51.100.4"));
        assert_eq!(e.labelled(|l| l.contains("logontype")), Some("10"));
    }

    #[test]
    fn leef_delimiters() {
        let tab = parse_leef("1.0|V|P|1|42|usrName=alice\tsrc=192.0.2.5").unwrap();
        assert_eq!(tab.get(&["usrName"]), Some("alice"));
        let pipe = parse_leef("1.0|V|P|1|42|usrName=bob|src=192.0.2.6").unwrap();
        assert_eq!(pipe.get(&["src"]), Some("192.0.2.6"));
        let caret = parse_leef("2.0|V|P|1|42|^|usrName=carol^src=192.0.2.7").unwrap();
        assert_eq!(caret.get(&["usrName"]), Some("carol"));
        let hex = parse_leef("2.0|V|P|1|42|x5E|usrName=dave^src=192.0.2.8").unwrap();
        assert_eq!(hex.get(&["src"]), Some("192.0.2.8"));
        let space =
            parse_leef("2.0|V|P|1|42| |usrName=erin OS=Ubuntu 24.04 LTS src=192.0.2.9").unwrap();
        assert_eq!(space.get(&["OS"]), Some("Ubuntu 24.04 LTS"));
        assert_eq!(space.get(&["src"]), Some("192.0.2.9"));
    }

    #[test]
    fn short_or_broken_headers_are_declined() {
        assert!(parse_cef("0|a|b|c").is_none());
        assert!(parse_cef("x|a|b|c|d|e|f|g").is_none());
        assert!(parse_leef("1.0|a|b").is_none());
        assert!(parse_extension("").is_empty());
        assert_eq!(parse_extension("=x").len(), 0);
        assert_eq!(parse_extension("a=\\").len(), 1);
    }

    #[test]
    fn never_panics_on_fragments() {
        let opts = crate::parse::ParseOptions::default();
        let now = chrono::Utc::now();
        for s in [
            "CEF:",
            "CEF:0|",
            "CEF:0|||||||",
            "CEF:0|a|b|c|d|e|f|=",
            "CEF:0|a|b|c|d|e|f|k=\\",
            "LEEF:",
            "LEEF:2.0|a|b|c|d|",
            "LEEF:2.0|a|b|c|d|x|",
            "LEEF:2.0|a|b|c|d|0x|k=v",
            "LEEF:2.0|a|b|c|d|xFFFFFFFF|k=v",
            "0|",
            "EF:",
            "xCEF:0|",
            "CEF:0|Microsoft|Windows|1|4625|n|1|duser=\\n\\n",
            "é CEF:0|ü|ö|1|2|3|4|k=é",
        ] {
            for framed in [
                s.to_owned(),
                format!("<13>{s}"),
                format!("<13>Jan  2 10:00:00 h {s}"),
            ] {
                let p = crate::parse::parse(&framed, now, &opts);
                let _ = map(&p);
            }
        }
    }
}
