//! Windows Security events forwarded as syslog.
//!
//! Senders and body shapes recognised (the event itself is the same everywhere, only its
//! wrapping differs):
//!
//! * **NXLog JSON** (`im_msvistalog` + `to_json()`, OpenWEC's NXLog format): a JSON object
//!   with `"EventID"` and the event's XML data names at the top level (`TargetUserName`,
//!   `SubjectUserName`, `IpAddress`, `LogonType`, ...), possibly after a prefix (the RFC 3164
//!   tag `nxWinEvt:`). Parsed with `serde_json` only when the message contains `"EventID"`.
//! * **Snare** (`MSWinEventLog<TAB>criticality<TAB>log<TAB>counter<TAB>date<TAB>event id
//!   <TAB>source<TAB>user<TAB>SID type<TAB>audit type<TAB>computer<TAB>category<TAB>data
//!   <TAB>description<TAB>checksum`), TABs possibly relayed as `#011`. Who and where come
//!   from the description's `Account Name:` / `Source Network Address:` pairs.
//! * **Key=value** bodies: NXLog `to_kvp` / `EventID=4624 ... TargetUserName=x`, IBM QRadar
//!   WinCollect (`AgentDevice=WindowsLog<TAB>...<TAB>EventID=4625<TAB>...<TAB>Message=...`),
//!   or `EventID: 4624, TargetUserName: x`.
//! * **Plain text**: `EventID 4625: An account failed to log on. Account Name: x ...`,
//!   `Security-Auditing 4624 ...`, or a tag `Microsoft-Windows-Security-Auditing` with the
//!   event id first in the message.
//!
//! CEF / LEEF bodies carrying Windows events belong to the `cef` family; it can reuse
//! [`describe_event`] for the event table.
//!
//! Rules are named `windows.<event id>` (`windows.4625`); a recognised Windows body whose
//! event is not in the table (or comes from another channel than Security) maps as
//! `windows.event`, unclassified, with the subject account and the audit outcome when known.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::LazyLock;

use memchr::memmem;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::text::{ip, kv};
use super::{EventType, Mapped};
use crate::parse::Parsed;
use crate::store::Outcome;

/// Event type, action and usual outcome of a Windows event id (Security log and the
/// event log service's 1100/1102). `None` for ids this table does not know.
///
/// The outcome is what the event means when audited as success; a sender's own audit
/// result (`Failure Audit`, `AUDIT_FAILURE`) overrides it, except for events that are
/// failures by definition (4625, 4771).
pub fn describe_event(id: u32) -> Option<(EventType, &'static str, Outcome)> {
    use EventType::{Access, Admin, Security, System};
    use Outcome::{Failure, Success};
    Some(match id {
        1100 => (Security, "event logging stopped", Success),
        1102 => (Security, "audit log cleared", Success),
        4608 => (System, "system started", Success),
        4616 => (Security, "system time changed", Success),
        4624 => (Access, "login", Success),
        4625 => (Access, "login", Failure),
        4634 | 4647 => (Access, "logout", Success),
        4648 => (Access, "explicit credentials login", Success),
        4672 => (Security, "special privileges assigned", Success),
        4719 => (Security, "audit policy changed", Success),
        4720 => (Admin, "account created", Success),
        4722 => (Admin, "account enabled", Success),
        4723 => (Admin, "password changed", Success),
        4724 => (Admin, "password reset", Success),
        4725 => (Admin, "account disabled", Success),
        4726 => (Admin, "account deleted", Success),
        4727 | 4731 | 4754 => (Admin, "group created", Success),
        4728 | 4732 | 4756 => (Admin, "group member added", Success),
        4729 | 4733 | 4757 => (Admin, "group member removed", Success),
        4730 | 4734 | 4758 => (Admin, "group deleted", Success),
        4735 | 4737 | 4755 => (Admin, "group changed", Success),
        4738 => (Admin, "account changed", Success),
        4740 => (Security, "account locked out", Success),
        4741 => (Admin, "computer account created", Success),
        4742 => (Admin, "computer account changed", Success),
        4743 => (Admin, "computer account deleted", Success),
        4767 => (Admin, "account unlocked", Success),
        4768 => (Access, "kerberos authentication", Success),
        4769 => (Access, "kerberos service ticket", Success),
        4771 => (Access, "kerberos authentication", Failure),
        4776 => (Access, "credential validation", Success),
        _ => return None,
    })
}

/// Tags (RFC 3164) / APP-NAMEs (RFC 5424) Windows forwarders use.
const APPS: &[&str] = &[
    "MSWinEventLog",
    "Microsoft-Windows-Security-Auditing",
    "Security-Auditing",
    "Microsoft-Windows-Eventlog",
    "nxWinEvt",
    "EventLog",
];

static EVENT: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("Event"));
static AUDITING: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("Security-Auditing"));

pub fn map(p: &Parsed) -> Option<Mapped> {
    let msg: &str = &p.message;
    let app = p.app_name.as_deref();
    let app_hint = app.is_some_and(|a| APPS.contains(&a));
    if !app_hint && EVENT.find(msg.as_bytes()).is_none() && AUDITING.find(msg.as_bytes()).is_none()
    {
        return None;
    }
    if is_cef(msg) {
        return None;
    }
    let ev = snare(msg, app)
        .or_else(|| json(msg))
        .or_else(|| flat(msg, app))?;
    Some(build(&ev))
}

/// CEF / LEEF bodies belong to the `cef` family.
fn is_cef(msg: &str) -> bool {
    let head = &msg.as_bytes()[..msg.len().min(128)];
    find_bytes(head, b"CEF:").is_some() || find_bytes(head, b"LEEF:").is_some()
}

/// One Windows event read from a body, whatever the wrapping.
struct Event<'a> {
    id: u32,
    /// The sender's audit result (`Success Audit` / `Failure Audit`), when it says.
    audit: Option<Outcome>,
    /// Whether the event comes from the Security log (or the log is not named).
    security: bool,
    body: Body<'a>,
    /// Snare's user field (`DOMAIN\user`), a last resort for logons.
    snare_user: Option<&'a str>,
    /// NXLog JSON's `Message`, read at the first field missing from the JSON.
    message: OnceCell<Option<Cow<'a, str>>>,
}

enum Body<'a> {
    /// NXLog JSON: the fields read, and the JSON text (its `Message` is read only when a
    /// field is missing).
    Json(Box<NxFields<'a>>, &'a str),
    /// Key=value pairs and/or a description text with `Account Name:` labels.
    Flat(&'a str),
    /// Only a description text (Snare).
    Text(&'a str),
}

// ---------------------------------------------------------------------------------------
// Recognising the body shapes

fn snare<'a>(msg: &'a str, app: Option<&str>) -> Option<Event<'a>> {
    let rest = match find_str(msg, "MSWinEventLog") {
        Some(at) => &msg[at + "MSWinEventLog".len()..],
        None if app == Some("MSWinEventLog") => msg,
        None => return None,
    };
    // 0 criticality, 1 log, 2 counter, 3 date, 4 id, 5 source, 6 user, 7 SID type,
    // 8 audit type, 9 computer, 10 category, 11 data, 12 description (and the rest).
    let f: Vec<&str> = if rest.contains('\t') {
        let rest = rest.strip_prefix('\t').unwrap_or(rest);
        rest.strip_prefix(' ')
            .unwrap_or(rest)
            .splitn(13, '\t')
            .collect()
    } else if find_str(rest, "#011").is_some() {
        let rest = rest.strip_prefix("#011").unwrap_or(rest);
        rest.strip_prefix(' ')
            .unwrap_or(rest)
            .splitn(13, "#011")
            .collect()
    } else {
        return None;
    };
    let id: u32 = f.get(4)?.trim().parse().ok()?;
    let log = f.get(1).map_or("", |s| s.trim());
    let security = log.is_empty() || log.eq_ignore_ascii_case("Security") || log == "N/A";
    let audit = f.get(8).and_then(|s| audit_word(s.trim()));
    let snare_user = f
        .get(6)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && *s != "N/A");
    let description = f.get(12).copied().unwrap_or("");
    Some(Event {
        id,
        audit,
        security,
        body: Body::Text(description),
        snare_user,
        message: OnceCell::new(),
    })
}

fn json(msg: &str) -> Option<Event<'_>> {
    find_str(msg, "\"EventID\"")?;
    let start = msg.find('{')?;
    let text = &msg[start..];
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<NxFields>();
    let fields = stream.next()?.ok()?;
    let id = fields.event_id.0.as_deref()?.trim().parse().ok()?;
    let audit = fields.event_type.0.as_deref().and_then(audit_word);
    let security = fields
        .channel
        .0
        .as_deref()
        .is_none_or(|c| c.eq_ignore_ascii_case("Security"));
    Some(Event {
        id,
        audit,
        security,
        body: Body::Json(Box::new(fields), text),
        snare_user: None,
        message: OnceCell::new(),
    })
}

/// The NXLog JSON fields this family reads; every other field is skipped unread.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct NxFields<'a> {
    #[serde(rename = "EventID", borrow)]
    event_id: Scalar<'a>,
    #[serde(borrow)]
    event_type: Scalar<'a>,
    #[serde(borrow)]
    channel: Scalar<'a>,
    #[serde(borrow)]
    subject_user_name: Scalar<'a>,
    #[serde(borrow)]
    subject_domain_name: Scalar<'a>,
    #[serde(borrow)]
    target_user_name: Scalar<'a>,
    #[serde(borrow)]
    target_domain_name: Scalar<'a>,
    #[serde(borrow)]
    ip_address: Scalar<'a>,
    #[serde(borrow)]
    logon_type: Scalar<'a>,
    #[serde(borrow)]
    status: Scalar<'a>,
    #[serde(borrow)]
    service_name: Scalar<'a>,
    #[serde(borrow)]
    user_data: Scalar<'a>,
    /// Some forwarders nest the event data instead of flattening it.
    #[serde(borrow)]
    event_data: Option<Box<NxFields<'a>>>,
}

impl NxFields<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let v = match key {
            "SubjectUserName" => &self.subject_user_name,
            "SubjectDomainName" => &self.subject_domain_name,
            "TargetUserName" => &self.target_user_name,
            "TargetDomainName" => &self.target_domain_name,
            "IpAddress" => &self.ip_address,
            "LogonType" => &self.logon_type,
            "Status" => &self.status,
            "ServiceName" => &self.service_name,
            _ => return None,
        };
        v.0.as_deref()
            .or_else(|| self.event_data.as_ref().and_then(|d| d.get(key)))
            // NXLog leaves UserData (1102's LogFileCleared) as an XML string.
            .or_else(|| {
                self.user_data
                    .0
                    .as_deref()
                    .and_then(|x| xml_element(x, key))
            })
    }
}

/// Only the `Message` of an NXLog JSON event.
#[derive(Deserialize, Default)]
#[serde(default)]
struct NxMessage<'a> {
    #[serde(rename = "Message", borrow)]
    message: Scalar<'a>,
}

/// A JSON value read as text: strings (borrowed when they hold no escape), numbers and
/// booleans; `null`, objects and arrays are skipped and read as nothing.
#[derive(Default)]
struct Scalar<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'a>, E> {
                Ok(Scalar(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar<'a>, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Scalar<'a>, E> {
                Ok(Scalar(Some(Cow::Owned(v))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar<'a>, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar<'a>, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar<'a>, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar<'a>, E> {
                Ok(Scalar(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_unit<E>(self) -> Result<Scalar<'a>, E> {
                Ok(Scalar(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Scalar<'a>, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Scalar<'a>, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar(None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// Key=value, `EventID: n` and plain-text bodies.
fn flat<'a>(msg: &'a str, app: Option<&str>) -> Option<Event<'a>> {
    let (id, strong) = if let Some(v) = kv(msg, "EventID").or_else(|| kv(msg, "EventCode")) {
        // QRadar WinCollect and NXLog kvp name the log; other key=value senders may not.
        let strong = find_str(msg, "AgentDevice=WindowsLog").is_some()
            || find_str(msg, "SourceName=Microsoft-Windows").is_some();
        (v.trim_matches('"').parse::<u32>().ok()?, strong)
    } else if let Some(id) = number_after(msg, "EventID").or_else(|| number_after(msg, "Event ID"))
    {
        (id, false)
    } else if let Some(id) = number_after(msg, "Security-Auditing") {
        (id, false)
    } else if app.is_some_and(|a| APPS.contains(&a)) {
        (leading_number(msg)?, false)
    } else {
        return None;
    };
    if !strong && describe_event(id).is_none() {
        return None;
    }
    let log = kv(msg, "AgentLogFile").or_else(|| kv(msg, "Channel"));
    let security = log.is_none_or(|l| l.eq_ignore_ascii_case("Security"));
    let audit = kv(msg, "EventType")
        .and_then(|t| match t.as_ref() {
            // QRadar WinCollect: the EVENTLOG_AUDIT_* codes.
            "8" => Some(Outcome::Success),
            "16" => Some(Outcome::Failure),
            t => audit_word(t),
        })
        .or_else(|| audit_in_text(msg));
    Some(Event {
        id,
        audit,
        security,
        body: Body::Flat(msg),
        snare_user: None,
        message: OnceCell::new(),
    })
}

/// The number after `marker` and a few separators (`EventID 4625:`, `EventID: 4625`,
/// `Security-Auditing[4]: 4625`).
fn number_after(msg: &str, marker: &str) -> Option<u32> {
    let at = find_str(msg, marker)? + marker.len();
    let mut rest = &msg[at..];
    if let Some(pid) = rest.strip_prefix('[') {
        rest = pid.split_once(']').map_or("", |(_, r)| r);
    }
    leading_digits(rest.trim_start_matches([' ', ':', '=', '\t', '"', '#', ',']))
}

fn leading_number(msg: &str) -> Option<u32> {
    leading_digits(msg.trim_start_matches([' ', '[', '#']))
}

fn leading_digits(s: &str) -> Option<u32> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || n > 5 || s[n..].starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    s[..n].parse().ok()
}

fn audit_word(s: &str) -> Option<Outcome> {
    match s {
        "Success Audit" | "Audit Success" | "AUDIT_SUCCESS" | "SUCCESS_AUDIT" => {
            Some(Outcome::Success)
        }
        "Failure Audit" | "Audit Failure" | "AUDIT_FAILURE" | "FAILURE_AUDIT" => {
            Some(Outcome::Failure)
        }
        _ => None,
    }
}

fn audit_in_text(msg: &str) -> Option<Outcome> {
    if ["Failure Audit", "Audit Failure", "AUDIT_FAILURE"]
        .iter()
        .any(|w| find_str(msg, w).is_some())
    {
        Some(Outcome::Failure)
    } else if ["Success Audit", "Audit Success", "AUDIT_SUCCESS"]
        .iter()
        .any(|w| find_str(msg, w).is_some())
    {
        Some(Outcome::Success)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------
// Reading fields

/// Which account of an event.
#[derive(Clone, Copy, PartialEq)]
enum Who {
    /// The actor (`SubjectUserName`, the description's `Subject:` section).
    Subject,
    /// The account acted on / logged on (`TargetUserName`, `New Logon:`, `Target Account:`,
    /// the group for group events...).
    Target,
}

impl Event<'_> {
    /// An XML-named field (`TargetUserName`), or else the description's labelled value.
    /// Values are borrowed from the body while they are looked for; only the one returned
    /// is copied.
    fn field(&self, xml: &str, text: impl FnOnce(&str) -> Option<&str>) -> Option<String> {
        let v: Option<Cow<'_, str>> = match &self.body {
            Body::Json(fields, json) => match fields.get(xml) {
                Some(v) => Some(Cow::Borrowed(v)),
                // The description text, for events in the table only: reading it means
                // parsing the JSON again, and some events carry kilobytes of text.
                None if describe_event(self.id).is_some() => self
                    .message
                    .get_or_init(|| {
                        let mut s =
                            serde_json::Deserializer::from_str(json).into_iter::<NxMessage>();
                        s.next().and_then(Result::ok).and_then(|m| m.message.0)
                    })
                    .as_deref()
                    .and_then(text)
                    .map(Cow::Borrowed),
                None => None,
            },
            Body::Flat(body) => flat_field(body, xml).or_else(|| text(body).map(Cow::Borrowed)),
            Body::Text(body) => text(body).map(Cow::Borrowed),
        };
        v.as_deref().and_then(clean)
    }

    fn account(&self, who: Who) -> (Option<String>, Option<String>) {
        let id = self.id;
        match who {
            Who::Subject => {
                let name = self.field("SubjectUserName", |t| subject_text(t, "Account Name:"));
                let domain = self.field("SubjectDomainName", |t| {
                    subject_text(t, "Account Domain:").or_else(|| subject_text(t, "Domain Name:"))
                });
                (name, domain)
            }
            Who::Target => {
                let (name_label, domain_label) = match id {
                    4727..=4737 | 4754..=4758 => ("Group Name:", Some("Group Domain:")),
                    4768 => ("Account Name:", Some("Supplied Realm Name:")),
                    4776 => ("Logon Account:", None),
                    _ => ("Account Name:", Some("Account Domain:")),
                };
                let header = target_header(id);
                let name = self.field("TargetUserName", |t| {
                    let v = target_text(t, header, name_label);
                    if v.is_none() && name_label == "Group Name:" {
                        // Windows 2008: `Group:  Security ID: ...  Account Name: NAME`.
                        return t
                            .find("Group:")
                            .and_then(|h| first_label(t, h, "Account Name:"));
                    }
                    v
                });
                // 4740's TargetDomainName is the caller computer, not the account's domain.
                let domain = match (id, domain_label) {
                    (4740 | 4776, _) | (_, None) => None,
                    (_, Some(label)) => {
                        self.field("TargetDomainName", |t| target_text(t, header, label))
                    }
                };
                (name, domain)
            }
        }
    }

    fn source_address(&self) -> Option<String> {
        let v = self.field("IpAddress", |t| {
            [
                "Source Network Address:",
                "Client Address:",
                "Network Address:",
                "Source Address:",
            ]
            .iter()
            .find_map(|l| first_label(t, 0, l))
        })?;
        match ip(&v)? {
            IpAddr::V6(a) => Some(
                a.to_ipv4_mapped()
                    .map_or_else(|| a.to_string(), |v4| v4.to_string()),
            ),
            a => Some(a.to_string()),
        }
    }

    fn status(&self) -> Option<String> {
        self.field("Status", |t| {
            ["Status:", "Error Code:", "Result Code:", "Failure Code:"]
                .iter()
                .find_map(|l| first_label(t, 0, l))
        })
    }
}

/// `-`, `N/A` and empty values are no value.
fn clean(v: &str) -> Option<String> {
    let t = v.trim();
    if t.is_empty() || t == "-" || t == "N/A" {
        None
    } else {
        Some(t.to_owned())
    }
}

/// `<key>value</key>` in a small XML string.
fn xml_element<'a>(x: &'a str, key: &str) -> Option<&'a str> {
    let open = format!("<{key}>");
    let start = x.find(&open)? + open.len();
    let end = x[start..].find('<')?;
    Some(&x[start..start + end])
}

/// `Key=value`, `"Key":"value"` or `Key: value` in a flat body.
fn flat_field<'a>(body: &'a str, key: &str) -> Option<Cow<'a, str>> {
    find_str(body, key)?;
    if let Some(v) = kv(body, key) {
        return Some(v);
    }
    // A JSON body that did not parse (cut by a relay): read its string fields as text.
    let quoted = format!("\"{key}\":");
    if let Some(at) = find_str(body, &quoted) {
        let rest = body[at + quoted.len()..].trim_start();
        if let Some(s) = rest.strip_prefix('"') {
            let end = s.find('"').unwrap_or(s.len());
            let v = &s[..end];
            return Some(if v.contains("\\\\") {
                Cow::Owned(v.replace("\\\\", "\\"))
            } else {
                Cow::Borrowed(v)
            });
        }
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        return Some(Cow::Borrowed(rest[..end].trim()));
    }
    let colon = format!("{key}:");
    let bytes = body.as_bytes();
    let mut from = 0;
    while let Some(off) = find_str(&body[from..], &colon) {
        let at = from + off;
        from = at + colon.len();
        if at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b',' | b';') {
            let rest = body[from..].trim_start_matches([' ', '\t']);
            let end = rest
                .find([' ', '\t', ',', ';', '\r', '\n'])
                .unwrap_or(rest.len());
            return Some(Cow::Borrowed(&rest[..end]));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// The description text: `Section:  Label:  value  Label:  value ...`

/// Labels and section headers of the Security events' descriptions: a value ends where
/// one of them starts (the single-space layout has nothing else to go by).
const STOPS: &[&str] = &[
    "Security ID:",
    "Account Name:",
    "Account Domain:",
    "Logon ID:",
    "Logon GUID:",
    "Logon Type:",
    "Linked Logon ID:",
    "Network Account Name:",
    "Network Account Domain:",
    "Domain Name:",
    "Group Name:",
    "Group Domain:",
    "Status:",
    "Sub Status:",
    "Failure Reason:",
    "Error Code:",
    "Result Code:",
    "Failure Code:",
    "Source Workstation:",
    "Workstation Name:",
    "Source Network Address:",
    "Source Address:",
    "Source Port:",
    "Network Address:",
    "Port:",
    "Client Address:",
    "Client Port:",
    "Caller Computer Name:",
    "Supplied Realm Name:",
    "User ID:",
    "Service Name:",
    "Service ID:",
    "Process ID:",
    "Process Name:",
    "Caller Process ID:",
    "Caller Process Name:",
    "Logon Process:",
    "Logon Account:",
    "Authentication Package:",
    "Ticket Options:",
    "Impersonation Level:",
    "Restricted Admin Mode:",
    "Remote Credential Guard:",
    "Virtual Account:",
    "Elevated Token:",
    "Subject:",
    "New Logon:",
    "Logon Information:",
    "Account Information:",
    "Service Information:",
    "Network Information:",
    "Process Information:",
    "Failure Information:",
    "Additional Information:",
    "Detailed Authentication Information:",
    "Account For Which Logon Failed:",
    "Account Whose Credentials Were Used:",
    "Account That Was Locked Out:",
    "Target Account:",
    "New Account:",
    "Target Server:",
    "Target Server Name:",
    "Member:",
    "Group:",
    "Attributes:",
    "Changed Attributes:",
    "Privileges",
    "This event",
];

/// Words that make a longer label out of the one searched (`Network Account Name:` is not
/// `Account Name:`, `Sub Status:` is not `Status:`).
const LONGER: &[&str] = &["Network", "SAM", "Sub", "Source", "Old", "New", "Caller"];

/// Where `needle` first occurs in `t`. The needles are short and the texts a few KiB:
/// memchr on the first byte beats building a `memmem::Finder` per search.
fn find_str(t: &str, needle: &str) -> Option<usize> {
    find_bytes(t.as_bytes(), needle.as_bytes())
}

fn find_bytes(t: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut pos = 0;
    while let Some(off) = memchr::memchr(first, &t[pos..]) {
        let at = pos + off;
        let tail = &t[at + 1..];
        if tail.first() == rest.first() && tail.starts_with(rest) {
            return Some(at);
        }
        pos = at + 1;
    }
    None
}

/// Where the value of the first `label` at or after `from` starts.
fn find_label(t: &str, from: usize, label: &str) -> Option<usize> {
    let b = t.as_bytes();
    let mut pos = from.min(t.len());
    while let Some(off) = find_bytes(&b[pos..], label.as_bytes()) {
        let at = pos + off;
        pos = at + label.len();
        if at > 0 && !b[at - 1].is_ascii_whitespace() {
            continue;
        }
        if at >= 2 && b[at - 1] == b' ' && b[at - 2].is_ascii_alphabetic() {
            let before = &t[..at - 1];
            // By bytes: the byte after the last non-letter starts a run of ASCII letters, so
            // it is a char boundary even when that non-letter is a multi-byte char.
            let word_start = before
                .bytes()
                .rposition(|c| !c.is_ascii_alphabetic())
                .map_or(0, |i| i + 1);
            if LONGER.contains(&&before[word_start..]) {
                continue;
            }
        }
        return Some(pos);
    }
    None
}

/// The value that starts at `at` (after a label).
fn value_at(t: &str, at: usize) -> &str {
    let rest = t[at..].trim_start_matches([' ', '\t']);
    let b = rest.as_bytes();
    let stop_at = |i: usize| match b.get(i) {
        Some(c) if c.is_ascii_uppercase() => STOPS
            .iter()
            .any(|s| s.as_bytes()[0] == *c && b[i..].starts_with(s.as_bytes())),
        _ => false,
    };
    if stop_at(0) {
        return "";
    }
    // Ends at a TAB or line break, two spaces, or a space before the next label.
    let mut end = b.len();
    for (i, c) in b.iter().enumerate() {
        match c {
            b'\t' | b'\r' | b'\n' => {
                end = i;
                break;
            }
            b' ' if b.get(i + 1) == Some(&b' ') || stop_at(i + 1) => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    rest[..end].trim()
}

fn first_label<'t>(t: &'t str, from: usize, label: &str) -> Option<&'t str> {
    find_label(t, from, label).map(|at| value_at(t, at))
}

fn label_count_and_last(t: &str, label: &str) -> (usize, Option<usize>) {
    let (mut n, mut last, mut from) = (0, None, 0);
    while let Some(at) = find_label(t, from, label) {
        n += 1;
        last = Some(at);
        from = at;
    }
    (n, last)
}

/// The subject's value: in the `Subject:` section, or, without sections, the first of two
/// or more labelled values.
fn subject_text<'t>(t: &'t str, label: &str) -> Option<&'t str> {
    if let Some(h) = find_str(t, "Subject:") {
        return first_label(t, h + "Subject:".len(), label);
    }
    match label_count_and_last(t, label) {
        (n, _) if n >= 2 => first_label(t, 0, label),
        _ => None,
    }
}

/// The target's value: in the event's target section, or, without it, the last labelled
/// value.
fn target_text<'t>(t: &'t str, header: Option<&str>, label: &str) -> Option<&'t str> {
    if let Some(h) = header.and_then(|h| find_str(t, h).map(|at| at + h.len())) {
        if let Some(v) = first_label(t, h, label) {
            return Some(v);
        }
    }
    label_count_and_last(t, label).1.map(|at| value_at(t, at))
}

/// The description section naming the account an event is about.
fn target_header(id: u32) -> Option<&'static str> {
    Some(match id {
        4624 => "New Logon:",
        4625 => "Account For Which Logon Failed:",
        4634 | 4647 => "Subject:",
        4648 => "Account Whose Credentials Were Used:",
        4720 => "New Account:",
        4740 => "Account That Was Locked Out:",
        4741 => "New Computer Account:",
        4742 => "Computer Account That Was Changed:",
        4743 => "Target Computer:",
        4768 | 4769 | 4771 => "Account Information:",
        4722..=4726 | 4738 | 4767 => "Target Account:",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Building the mapping

/// `DOMAIN\user`, skipping `-` and empty parts; a name that already carries its domain
/// (`DOM\user`, `user@realm`) is kept as it is.
fn qualified(name: Option<String>, domain: Option<String>) -> Option<String> {
    let name = name?;
    match domain {
        Some(d) if !name.contains(['\\', '@']) => Some(format!("{d}\\{name}")),
        _ => Some(name),
    }
}

fn build(ev: &Event) -> Mapped {
    let described = if ev.security {
        describe_event(ev.id)
    } else {
        None
    };
    let Some((event_type, action, usual)) = described else {
        let mut m = Mapped::new(EventType::Unclassified, "windows.event");
        let (n, d) = ev.account(Who::Subject);
        if let Some(u) = qualified(n, d).or_else(|| ev.snare_user.map(str::to_owned)) {
            m = m.user(u);
        }
        if let Some(o) = ev.audit {
            m = m.outcome(o);
        }
        return m;
    };
    let mut outcome = match (usual, ev.audit) {
        (Outcome::Failure, _) => Outcome::Failure,
        (_, Some(a)) => a,
        (u, None) => u,
    };
    if matches!(ev.id, 4768 | 4776) {
        if let Some(s) = ev.status() {
            let ok = s
                .trim_start_matches("0x")
                .trim_start_matches('0')
                .is_empty();
            outcome = if ok {
                Outcome::Success
            } else {
                Outcome::Failure
            };
        }
    }
    let mut m = Mapped::new(event_type, format!("windows.{}", ev.id))
        .action(action)
        .outcome(outcome);
    let subject = || {
        let (n, d) = ev.account(Who::Subject);
        qualified(n, d)
    };
    let target = || {
        let (n, d) = ev.account(Who::Target);
        qualified(n, d)
    };
    let (user, resource, source) = match ev.id {
        4624 | 4625 => {
            let user = target().or_else(|| ev.snare_user.map(str::to_owned));
            let res = match ev.field("LogonType", |t| first_label(t, 0, "Logon Type:")) {
                Some(n) => super::join(&["windows logon type ", &n]),
                None => "windows logon".to_owned(),
            };
            (user, Some(res), ev.source_address())
        }
        4634 => {
            let res = ev
                .field("LogonType", |t| first_label(t, 0, "Logon Type:"))
                .map(|n| super::join(&["windows logon type ", &n]));
            (
                target().or_else(|| ev.snare_user.map(str::to_owned)),
                res,
                None,
            )
        }
        4647 => (
            target().or_else(|| ev.snare_user.map(str::to_owned)),
            None,
            None,
        ),
        4648 => (
            subject(),
            target().map(|t| super::join(&["account:", &t])),
            ev.source_address(),
        ),
        4727..=4737 | 4754..=4758 => {
            let (group, _) = ev.account(Who::Target);
            (subject(), group.map(|g| super::join(&["group:", &g])), None)
        }
        4720..=4726 | 4738 | 4741..=4743 | 4767 => (
            subject(),
            target().map(|t| super::join(&["account:", &t])),
            None,
        ),
        4740 => {
            let user = target();
            (
                user.clone(),
                user.map(|u| super::join(&["account:", &u])),
                None,
            )
        }
        4768 | 4771 | 4776 => {
            let res = if ev.id == 4776 { "ntlm" } else { "kerberos" };
            (target(), Some(res.to_owned()), ev.source_address())
        }
        4769 => {
            let service = ev.field("ServiceName", |t| first_label(t, 0, "Service Name:"));
            (target(), service, ev.source_address())
        }
        1102 => (subject(), Some("security log".to_owned()), None),
        _ => (subject(), None, None),
    };
    if let Some(u) = user {
        m = m.user(u);
    }
    if let Some(r) = resource {
        m = m.resource(r);
    }
    if let Some(s) = source {
        m = m.source(s);
    }
    if matches!(ev.id, 1102 | 4719) {
        m.severity = Some("high");
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, ParseOptions};
    use chrono::{DateTime, Utc};

    fn p(line: &str) -> Parsed<'_> {
        let received: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-06-15T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        parse(
            line,
            received,
            &ParseOptions {
                timezone: "UTC".parse().unwrap(),
            },
        )
    }

    #[test]
    fn declines_other_messages() {
        for line in [
            "<38>Jun 15 11:00:00 web01 sshd[42]: Accepted password for alice from 203.0.113.9 port 4242 ssh2",
            "<134>CEF:0|Microsoft|Microsoft Windows||Microsoft-Windows-Security-Auditing:4625|An account failed to log on|5|duser=bob",
            "<13>Jun 15 11:00:00 app01 job: Event 4624 queued",
            "",
            "{\"EventID\":",
            "MSWinEventLog",
            "MSWinEventLog\t1\tSecurity",
        ] {
            assert_eq!(map(&p(line)), None, "{line}");
        }
    }

    #[test]
    fn describe_event_table() {
        assert!(matches!(
            describe_event(4625),
            Some((EventType::Access, "login", Outcome::Failure))
        ));
        assert!(matches!(
            describe_event(1102),
            Some((EventType::Security, "audit log cleared", Outcome::Success))
        ));
        assert!(matches!(
            describe_event(4732),
            Some((EventType::Admin, "group member added", _))
        ));
        assert_eq!(describe_event(5156), None);
    }

    #[test]
    fn description_labels_in_every_spacing() {
        let three = "Subject:   Security ID:  S-1-5-18   Account Name:  SYSTEM   Account Domain:  NT AUTHORITY   Logon ID:  0x3E7    New Logon:   Security ID:  S-1-5-21-1   Account Name:  alice   Account Domain:     Logon ID:  0x1   Network Account Name: -";
        assert_eq!(subject_text(three, "Account Domain:"), Some("NT AUTHORITY"));
        assert_eq!(
            target_text(three, Some("New Logon:"), "Account Name:"),
            Some("alice")
        );
        assert_eq!(
            target_text(three, Some("New Logon:"), "Account Domain:"),
            Some("")
        );
        let one = "Subject: Security ID: SYSTEM Account Name: HOST-7$ Account Domain: NT AUTHORITY Logon ID: 0x3E7 New Logon: Security ID: X Account Name: bob@example.com Account Domain: EXAMPLE Logon ID: 0x2";
        assert_eq!(subject_text(one, "Account Domain:"), Some("NT AUTHORITY"));
        assert_eq!(
            target_text(one, Some("New Logon:"), "Account Name:"),
            Some("bob@example.com")
        );
        let crlf = "Subject:\r\n\tSecurity ID:\t\tS-1-5-18\r\n\tAccount Name:\t\tWS1$\r\n\tAccount Domain:\t\tEXAMPLE\r\n";
        assert_eq!(subject_text(crlf, "Account Name:"), Some("WS1$"));
        assert_eq!(
            first_label("Sub Status: 0xc000006a Status: 0xc000006d", 0, "Status:"),
            Some("0xc000006d")
        );
    }

    #[test]
    fn event_id_after_markers() {
        assert_eq!(
            number_after("Security-Auditing[4]: 4625: x", "Security-Auditing"),
            Some(4625)
        );
        assert_eq!(
            number_after("Security-Auditing 4624 x", "Security-Auditing"),
            Some(4624)
        );
        assert_eq!(number_after("EventID: 4740, x", "EventID"), Some(4740));
        assert_eq!(number_after("EventID 4625: x", "EventID"), Some(4625));
        assert_eq!(number_after("EventIDs 4625", "EventID"), None);
        assert_eq!(number_after("EventID 462500", "EventID"), None);
        assert_eq!(
            number_after("Security-Auditing[4", "Security-Auditing"),
            None
        );
    }

    #[test]
    fn json_nested_event_data_and_cut_json() {
        let nested = r#"<14>Jun 15 11:00:00 dc1 nxWinEvt: {"EventID":"4625","EventType":"AUDIT_FAILURE","Channel":"Security","EventData":{"TargetUserName":"bob","TargetDomainName":"EX","IpAddress":"198.51.100.9","LogonType":3}}"#;
        let m = map(&p(nested)).unwrap();
        assert_eq!(m.user_id.as_deref(), Some("EX\\bob"));
        assert_eq!(m.resource.as_deref(), Some("windows logon type 3"));
        assert_eq!(m.source_address.as_deref(), Some("198.51.100.9"));
        assert_eq!(m.outcome, Outcome::Failure);
        // Cut by a relay: no longer JSON, read as text.
        let cut = r#"<14>Jun 15 11:00:00 dc1 nxWinEvt: {"EventID":4624,"EventType":"AUDIT_SUCCESS","TargetUserName":"carol","TargetDomainName":"EX","LogonType":"2","IpAddress":"192.0.2.8","Message":"An account was succ"#;
        let m = map(&p(cut)).unwrap();
        assert_eq!(m.rule, "windows.4624");
        assert_eq!(m.user_id.as_deref(), Some("EX\\carol"));
        assert_eq!(m.source_address.as_deref(), Some("192.0.2.8"));
        assert_eq!(m.outcome, Outcome::Success);
        // Message text only (no event data fields).
        let text = r#"{"EventID":4634,"Channel":"Security","Message":"An account was logged off.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tS-1-5-21-1\r\n\tAccount Name:\t\tdave\r\n\tAccount Domain:\t\tEX\r\n\tLogon ID:\t\t0x1\r\n\r\nLogon Type:\t\t\t2\r\n"}"#;
        let m = map(&p(text)).unwrap();
        assert_eq!(m.user_id.as_deref(), Some("EX\\dave"));
        assert_eq!(m.resource.as_deref(), Some("windows logon type 2"));
    }

    #[test]
    fn never_panics_on_cut_bodies() {
        let base = "<14>Jun 15 11:00:00 dc1 MSWinEventLog\t1\tSecurity\t7\tMon Jun 15 11:00:00 2026\t4625\tMicrosoft-Windows-Security-Auditing\tN/A\tN/A\tFailure Audit\tdc1\tLogon\t\tAn account failed to log on.    Subject:   Account Name:  -    Account For Which Logon Failed:   Account Name:  bob   Account Domain:  EXAMPLE    Network Information:   Source Network Address: 203.0.113.7   Source Port:  1";
        let json = r#"<14>Jun 15 11:00:00 dc1 nxWinEvt: {"EventID":4624,"EventType":"AUDIT_SUCCESS","TargetUserName":"bob","TargetDomainName":"EX","IpAddress":"2001:db8::5","LogonType":"10"}"#;
        for line in [base, json] {
            for cut in 0..=line.len() {
                if line.is_char_boundary(cut) {
                    let _ = map(&p(&line[..cut]));
                }
            }
        }
        let m = map(&p(base)).unwrap();
        assert_eq!(m.user_id.as_deref(), Some("EXAMPLE\\bob"));
        assert_eq!(m.source_address.as_deref(), Some("203.0.113.7"));
        let m = map(&p(json)).unwrap();
        assert_eq!(m.user_id.as_deref(), Some("EX\\bob"));
        assert_eq!(m.resource.as_deref(), Some("windows logon type 10"));
        assert_eq!(m.source_address.as_deref(), Some("2001:db8::5"));
    }

    /// Found by the `parse` fuzz target: a multi-byte char (U+FFFD is what invalid UTF-8
    /// becomes) inside the word before a label made the word lookup slice inside that char.
    #[test]
    fn multi_byte_char_before_a_label_word() {
        for sep in ["\u{fffd}", "é", "\u{1f600}"] {
            let line = format!(
                "<13>Jun 14 10:35:00 ws-104.example.com evsys: Security-Auditing 4624 \
                 AUDIT_SUCCESS An account was successfully logged on. Subject: Account Name: - \
                 Account Domain: - New Logon: Account Name: nina.r Account Domain: EX{sep}MPLE \
                 Logon Type: 3 Source Network Address: 192.0.2.15"
            );
            let m = map(&p(&line)).expect("a 4624 in plain text");
            let user = format!("EX{sep}MPLE\\nina.r");
            assert_eq!(m.user_id.as_deref(), Some(user.as_str()), "{line}");
        }
    }
}
