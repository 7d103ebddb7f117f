//! IHE ATNA audit messages: the DICOM PS3.15 A.5 / RFC 3881 XML `AuditMessage` that health
//! IT systems (PACS, EHR, HIE gateways) send to an Audit Record Repository as the MSG of a
//! syslog message (RFC 5424 over TLS with octet counting, per IHE ITI-20; UDP too).
//!
//! # Recognising one
//!
//! Cheap check first: one `memmem` search for `AuditMessage` in the MSG; nothing else runs
//! for the millions of lines that are not ATNA. Then the XML is cut out of the MSG (from a
//! `<?xml` declaration before the tag, or from the tag itself; up to the closing tag) and
//! parsed with `roxmltree` (no DTD allowed, so no entity expansion tricks; node count
//! capped). Element names are compared without namespace prefix.
//!
//! Both spellings are read: DICOM's attribute style (`<EventID csd-code="110110"
//! originalText="Patient Record"/>`) and RFC 3881's (`code=` / `displayName=`); a field
//! written as a child element (`<EventActionCode>R</EventActionCode>`) is read too.
//!
//! # What is read how
//!
//! * **action / event_type** from `EventID` (its code first, its name when the code is not
//!   one of DICOM CID 400's), `EventTypeCode` and `EventActionCode` (C create, R read,
//!   U update, D delete, E execute):
//!
//!   | EventID | action | event_type |
//!   |---|---|---|
//!   | 110114 User Authentication | `login` (type 110122), `logout` (110123), else `authentication` | access |
//!   | 110122 Login / 110123 Logout as EventID (dcm4chee) | `login` / `logout` | access |
//!   | 110110 Patient Record, 110109 Order Record, 110111 Procedure Record | `patient record created/read/updated/deleted/accessed` | access |
//!   | 110103 DICOM Instances Accessed | `dicom instances accessed` (R, E), `... created/updated/deleted` (C, U, D) | access |
//!   | 110102, 110104 | `dicom transfer started`, `dicom instances transferred` | access |
//!   | 110105 DICOM Study Deleted | `study deleted` | access |
//!   | 110106 Export, 110107 Import | `export`, `import` | access |
//!   | 110112 Query | `query` | access |
//!   | 110113 Security Alert | `security alert` | security, severity `high` |
//!   | 110101 Audit Log Used | `audit log used` | security |
//!   | 110100 Application Activity | `application start` / `application stop` / `application activity` | system |
//!   | 110108 Network Entry | `network attach` / `network detach` / `network entry` | system |
//!   | anything else | its name in lower case (`audit event CODE` without one) | access with a patient or study object, else system |
//!
//!   A study deletion is `access`, not `admin`: it is an operation on patient data, like a
//!   patient record deletion, while `admin` is for accounts and configuration. A Security
//!   Alert is `high`: DICOM raises it for node authentication failures, emergency override
//!   (break-glass), changes to security configuration or roles: what an auditor looks at
//!   first.
//! * **outcome** from `EventOutcomeIndicator`: 0 success; 4, 8, 12 (minor, serious, major
//!   failure) failure; anything else unknown.
//! * **user_id**: the `ActiveParticipant` with `UserIsRequestor="true"`. When several are
//!   requestors (IHE: the Source application *and* the Human Requestor), the first that is
//!   not a machine is taken: a machine is a participant whose RoleIDCode is an application or
//!   source/destination role (110150..110155), whose UserIDTypeCode is 110182 Node ID, or
//!   whose UserID is an address, path or URI. The value is `UserID` as written: it is the
//!   identity the system authenticated. `AlternativeUserID` is usually a process id or AE
//!   title and `UserName` a display name (or XUA's `alias<user@issuer>`); they are used only
//!   when `UserID` is empty (`UserName` first).
//! * **source_address**: that participant's `NetworkAccessPointID` when its
//!   `NetworkAccessPointTypeCode` is 2 (IP address), else the first requestor's that is;
//!   Java's `/127.0.0.1:54404` spelling is read as `127.0.0.1`.
//! * **resource** from `ParticipantObjectIdentification`: a patient (ID type code 2, or
//!   type 1 role 1) as `Patient/<id>` with the HL7 CX assigning authority
//!   (`^^^Site&1.2.3&ISO`) cut off; else a study (ID type code 110180) as `Study/<uid>`; else
//!   the first object's ID as written; without objects the `AuditSourceID` (for a login:
//!   the system logged into).
//!
//! Rules: `atna.<EventID code>` (`atna.110110`, `atna.110113`), `atna.110114.login` /
//! `.logout` for the authentication subtypes, `atna.other` for EventIDs outside CID 400, and
//! `atna.malformed` for a message that is clearly an audit message (the MSG starts with the
//! XML, or holds the whole element up to its closing tag) but is not well-formed XML:
//! unclassified, action `malformed audit message`, outcome unknown; the raw text stays in
//! the entry. A mention of `<AuditMessage` in ordinary text is not claimed.

use std::sync::LazyLock;

use memchr::memmem::Finder;
use roxmltree::{Document, ParsingOptions};

use super::xml::{self, Node, Tree};
use super::{text, EventType, Mapped};
use crate::parse::Parsed;
use crate::store::Outcome;

static TAG: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"AuditMessage"));

const ROOT: &str = "AuditMessage";

/// Bound on the nodes a message may make `roxmltree` allocate (a 64 KiB message has far
/// fewer; this only matters for hostile input).
const NODES_LIMIT: u32 = 100_000;

pub fn map(p: &Parsed) -> Option<Mapped> {
    let msg: &str = &p.message;
    let tag_at = TAG.find(msg.as_bytes())?;
    let open = open_tag_start(msg, tag_at)?;
    let start = msg[..open].rfind("<?xml").unwrap_or(open);
    let close = closing_end(msg, open);
    let end = close.unwrap_or(msg.len());
    // The common case: plain XML the fast reader vouches for (see `xml` for why that gives
    // what roxmltree would).
    if let Some(tree) = xml::parse_fast(&msg[start..end]) {
        return audit_message(&tree);
    }
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
    };
    // A declaration before a wrapper element (`<?xml ...?><Envelope><AuditMessage>`): the
    // audit message alone is well-formed.
    let parsed = Document::parse_with_options(&msg[start..end], opts).or_else(|e| match start {
        s if s == open => Err(e),
        _ => Document::parse_with_options(&msg[open..end], opts),
    });
    match parsed {
        Ok(doc) => audit_message(&xml::from_dom(&doc)),
        Err(_) => {
            let lead = msg.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
            let at_start = lead.len() == msg.len() - start;
            (at_start || close.is_some()).then(malformed)
        }
    }
}

/// The mapping of a well-formed document whose root is the audit message.
fn audit_message(tree: &Tree<'_>) -> Option<Mapped> {
    let root = tree.root()?;
    (root.name() == ROOT).then(|| read(root))
}

fn malformed() -> Mapped {
    Mapped::new(EventType::Unclassified, "atna.malformed").action("malformed audit message")
}

/// The `<` opening the element named at `tag_at` (`<AuditMessage`, `<ns:AuditMessage`), if
/// the name found is one.
fn open_tag_start(msg: &str, tag_at: usize) -> Option<usize> {
    let b = msg.as_bytes();
    let mut i = tag_at;
    if i > 0 && b[i - 1] == b':' {
        i -= 1;
        while i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b'-' | b'.'))
        {
            i -= 1;
        }
    }
    let after = b.get(tag_at + ROOT.len()).copied();
    let name_ends = matches!(
        after,
        None | Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
    );
    (i > 0 && b[i - 1] == b'<' && name_ends).then(|| i - 1)
}

/// The end of the last closing tag `</AuditMessage>` (or `</ns:AuditMessage>`) after `open`.
fn closing_end(msg: &str, open: usize) -> Option<usize> {
    let end_tag = "AuditMessage>";
    let at = msg[open..].rfind(end_tag)? + open;
    let before =
        msg[..at].trim_end_matches(|c: char| c.is_ascii_alphanumeric() || "_-.:".contains(c));
    before.ends_with("</").then_some(at + end_tag.len())
}

/// A child element by local name.
fn child<'t, 'a>(n: Node<'t, 'a>, name: &str) -> Option<Node<'t, 'a>> {
    n.children().find(|c| c.name() == name)
}

fn children<'t, 'a: 't>(n: Node<'t, 'a>, name: &'t str) -> impl Iterator<Item = Node<'t, 'a>> + 't {
    n.children().filter(move |c| c.name() == name)
}

/// An attribute, or the text of a child element of that name; trimmed, never empty.
fn field<'t>(n: Node<'t, '_>, name: &str) -> Option<&'t str> {
    let v = n
        .attribute(name)
        .or_else(|| child(n, name).and_then(|c| c.text()))?;
    let v = v.trim();
    (!v.is_empty()).then_some(v)
}

/// A coded value: DICOM `csd-code`/`originalText` or RFC 3881 `code`/`displayName`.
#[derive(Default)]
struct Code<'a> {
    code: Option<&'a str>,
    name: Option<&'a str>,
}

fn code_of<'a>(n: Option<Node<'a, '_>>) -> Code<'a> {
    let Some(n) = n else { return Code::default() };
    Code {
        code: field(n, "csd-code").or_else(|| field(n, "code")),
        name: field(n, "originalText").or_else(|| field(n, "displayName")),
    }
}

impl Code<'_> {
    fn is(&self, code: &str, name: &str) -> bool {
        self.code == Some(code) || self.name.is_some_and(|n| n.eq_ignore_ascii_case(name))
    }
}

fn read(root: Node<'_, '_>) -> Mapped {
    let ei = child(root, "EventIdentification");
    let event_id = code_of(ei.and_then(|e| child(e, "EventID")));
    let types: Vec<Code> = ei
        .map(|e| {
            children(e, "EventTypeCode")
                .map(|c| code_of(Some(c)))
                .collect()
        })
        .unwrap_or_default();
    let action_code = ei.and_then(|e| field(e, "EventActionCode"));
    let outcome = match ei.and_then(|e| field(e, "EventOutcomeIndicator")) {
        Some("0") => Outcome::Success,
        Some("4" | "8" | "12") => Outcome::Failure,
        _ => Outcome::Unknown,
    };

    let objects: Vec<Node> = children(root, "ParticipantObjectIdentification").collect();
    let resource = resource(&objects).or_else(|| {
        child(root, "AuditSourceIdentification")
            .and_then(|a| field(a, "AuditSourceID"))
            .map(str::to_owned)
    });
    let has_record = resource
        .as_deref()
        .is_some_and(|r| r.starts_with("Patient/") || r.starts_with("Study/"));

    let (event_type, action, rule) = classify(&event_id, &types, action_code, has_record);
    let mut m = Mapped::new(event_type, rule)
        .action(action)
        .outcome(outcome);
    if m.rule == "atna.110113" {
        m.severity = Some("high");
    }
    if let Some(r) = resource {
        m = m.resource(r);
    }

    let participants: Vec<Node> = children(root, "ActiveParticipant").collect();
    let requestors: Vec<Node> = participants
        .iter()
        .copied()
        .filter(|a| {
            field(*a, "UserIsRequestor").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
        })
        .collect();
    let actor = requestors
        .iter()
        .copied()
        .find(|a| !is_machine(*a))
        .or_else(|| requestors.first().copied());
    if let Some(a) = actor {
        let name = field(a, "UserID")
            .or_else(|| field(a, "UserName"))
            .or_else(|| field(a, "AlternativeUserID"));
        if let Some(name) = name {
            m = m.user(name);
        }
    }
    let addr = actor
        .and_then(address)
        .or_else(|| requestors.iter().copied().find_map(address));
    if let Some(addr) = addr {
        m = m.source(addr);
    }
    m
}

/// The participant's network access point when it is an IP address (type code 2).
fn address(a: Node<'_, '_>) -> Option<String> {
    if field(a, "NetworkAccessPointTypeCode") != Some("2") {
        return None;
    }
    let nap = field(a, "NetworkAccessPointID")?;
    let bare = nap.trim_start_matches('/');
    Some(text::ip(bare).map_or_else(|| bare.to_owned(), |ip| ip.to_string()))
        .filter(|s| !s.is_empty())
}

/// An application, a node, a source/destination role: not a person.
fn is_machine(a: Node<'_, '_>) -> bool {
    let role = children(a, "RoleIDCode").any(|r| {
        code_of(Some(r)).code.is_some_and(|c| {
            matches!(
                c,
                "110150" | "110151" | "110152" | "110153" | "110154" | "110155"
            )
        })
    });
    let node_id = code_of(child(a, "UserIDTypeCode")).code == Some("110182");
    let uid = field(a, "UserID").unwrap_or("");
    let looks_machine = uid.starts_with('/') || uid.contains("://") || text::ip(uid).is_some();
    role || node_id || looks_machine
}

/// Patient first, then study, then the first object as written.
fn resource(objects: &[Node<'_, '_>]) -> Option<String> {
    fn id_type<'a>(o: Node<'a, '_>) -> Option<&'a str> {
        code_of(child(o, "ParticipantObjectIDTypeCode")).code
    }
    fn id<'a>(o: Node<'a, '_>) -> Option<&'a str> {
        field(o, "ParticipantObjectID")
    }
    let patient = objects.iter().copied().find(|o| {
        id_type(*o) == Some("2")
            || (field(*o, "ParticipantObjectTypeCode") == Some("1")
                && field(*o, "ParticipantObjectTypeCodeRole") == Some("1"))
    });
    if let Some(pid) = patient.and_then(id) {
        // HL7 CX: the ID is the first component; `^^^Site&OID&ISO` names who assigned it.
        let bare = pid.split('^').next().unwrap_or("").trim();
        return Some(format!(
            "Patient/{}",
            if bare.is_empty() { pid } else { bare }
        ));
    }
    let study = objects
        .iter()
        .copied()
        .find(|o| id_type(*o) == Some("110180"));
    if let Some(uid) = study.and_then(id) {
        return Some(format!("Study/{uid}"));
    }
    objects.iter().copied().find_map(id).map(str::to_owned)
}

fn verb(action_code: Option<&str>) -> &'static str {
    match action_code {
        Some("C") => "created",
        Some("R") => "read",
        Some("U") => "updated",
        Some("D") => "deleted",
        _ => "accessed",
    }
}

/// (event_type, action, rule) from the EventID, its EventTypeCodes and the action code.
fn classify(
    id: &Code<'_>,
    types: &[Code<'_>],
    action_code: Option<&str>,
    has_record: bool,
) -> (EventType, String, String) {
    let typed = |code: &str, name: &str| types.iter().any(|t| t.is(code, name));
    let fixed =
        |t: EventType, a: &str, code: &str| (t, a.to_owned(), super::join(&["atna.", code]));
    let record = |what: &str, code: &str| {
        (
            EventType::Access,
            format!("{what} {}", verb(action_code)),
            super::join(&["atna.", code]),
        )
    };
    use EventType::*;
    if id.is("110114", "User Authentication") {
        return if typed("110122", "Login") {
            (Access, "login".into(), "atna.110114.login".into())
        } else if typed("110123", "Logout") {
            (Access, "logout".into(), "atna.110114.logout".into())
        } else {
            fixed(Access, "authentication", "110114")
        };
    }
    if id.is("110122", "Login") {
        return fixed(Access, "login", "110122");
    }
    if id.is("110123", "Logout") {
        return fixed(Access, "logout", "110123");
    }
    if id.is("110110", "Patient Record") {
        return record("patient record", "110110");
    }
    if id.is("110109", "Order Record") {
        return record("order record", "110109");
    }
    if id.is("110111", "Procedure Record") {
        return record("procedure record", "110111");
    }
    if id.is("110103", "DICOM Instances Accessed") {
        let v = match action_code {
            Some("C") => "created",
            Some("U") => "updated",
            Some("D") => "deleted",
            _ => "accessed",
        };
        return (
            Access,
            super::join(&["dicom instances ", v]),
            "atna.110103".into(),
        );
    }
    if id.is("110102", "Begin Transferring DICOM Instances") {
        return fixed(Access, "dicom transfer started", "110102");
    }
    if id.is("110104", "DICOM Instances Transferred") {
        return fixed(Access, "dicom instances transferred", "110104");
    }
    if id.is("110105", "DICOM Study Deleted") {
        return fixed(Access, "study deleted", "110105");
    }
    if id.is("110106", "Export") {
        return fixed(Access, "export", "110106");
    }
    if id.is("110107", "Import") {
        return fixed(Access, "import", "110107");
    }
    if id.is("110112", "Query") {
        return fixed(Access, "query", "110112");
    }
    if id.is("110113", "Security Alert") {
        return fixed(Security, "security alert", "110113");
    }
    if id.is("110101", "Audit Log Used") {
        return fixed(Security, "audit log used", "110101");
    }
    if id.is("110100", "Application Activity") {
        let a = if typed("110120", "Application Start") {
            "application start"
        } else if typed("110121", "Application Stop") {
            "application stop"
        } else {
            "application activity"
        };
        return fixed(System, a, "110100");
    }
    if id.is("110108", "Network Entry") {
        let a = if typed("110124", "Attach") {
            "network attach"
        } else if typed("110125", "Detach") {
            "network detach"
        } else {
            "network entry"
        };
        return fixed(System, a, "110108");
    }
    let action = match (id.name, id.code) {
        (Some(n), _) => n.to_lowercase(),
        (None, Some(c)) => super::join(&["audit event ", c]),
        (None, None) => "audit event".to_owned(),
    };
    let t = if has_record { Access } else { System };
    (t, action, "atna.other".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, ParseOptions};
    use chrono::{TimeZone, Utc};

    fn p(msg: &str) -> Parsed<'static> {
        let line =
            format!("<85>1 2026-01-02T03:04:05Z pacs.example.org ARR 1 IHE+RFC-3881 - {msg}");
        parse(
            &line,
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 6).unwrap(),
            &ParseOptions::default(),
        )
        .into_owned()
    }

    #[test]
    fn declines_ordinary_lines_and_mentions() {
        assert_eq!(map(&p("user alice logged in")), None);
        assert_eq!(map(&p("could not send AuditMessage to repository")), None);
        assert_eq!(
            map(&p("queue holds <AuditMessage fragments, retrying")),
            None
        );
        assert_eq!(
            map(&p("<?xml version=\"1.0\"?><EPOevent><x/></EPOevent>")),
            None
        );
        assert_eq!(map(&p("<AuditMessages><a/></AuditMessages>")), None);
    }

    #[test]
    fn wrapped_after_a_declaration() {
        let xml = "<?xml version=\"1.0\"?><Envelope><AuditMessage><EventIdentification \
                   EventActionCode=\"E\" EventOutcomeIndicator=\"0\"><EventID csd-code=\"110112\"/>\
                   </EventIdentification></AuditMessage></Envelope>";
        assert_eq!(map(&p(xml)).unwrap().rule, "atna.110112");
    }

    #[test]
    fn element_style_and_namespace_prefix() {
        let xml = "<a:AuditMessage xmlns:a=\"urn:x\"><a:EventIdentification>\
                   <a:EventActionCode>R</a:EventActionCode><a:EventOutcomeIndicator>0</a:EventOutcomeIndicator>\
                   <a:EventID code=\"110110\" displayName=\"Patient Record\"/></a:EventIdentification>\
                   <a:ActiveParticipant UserID=\"jdoe\" UserIsRequestor=\"true\"/>\
                   <a:ParticipantObjectIdentification ParticipantObjectID=\"77\" ParticipantObjectTypeCode=\"1\" ParticipantObjectTypeCodeRole=\"1\"/>\
                   </a:AuditMessage>";
        let m = map(&p(xml)).unwrap();
        assert_eq!(m.action.as_deref(), Some("patient record read"));
        assert_eq!(m.user_id.as_deref(), Some("jdoe"));
        assert_eq!(m.resource.as_deref(), Some("Patient/77"));
        assert_eq!(m.outcome, Outcome::Success);
    }

    #[test]
    fn garbage_after_the_tag_never_panics() {
        for s in [
            "<AuditMessage",
            "<AuditMessage>",
            "<AuditMessage></AuditMessage>",
            "x</AuditMessage><AuditMessage ",
            "<AuditMessage/>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><AuditMessage>&x;</AuditMessage>",
            "\u{feff}<AuditMessage><EventIdentification EventOutcomeIndicator=\"99\"/></AuditMessage>",
        ] {
            let _ = map(&p(s));
        }
        let m = map(&p("<AuditMessage></AuditMessage>")).unwrap();
        assert_eq!(m.rule, "atna.other");
        assert_eq!(map(&p("<AuditMessage")).unwrap().rule, "atna.malformed");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(prefix in "\\PC{0,30}", body in "\\PC{0,300}") {
            let _ = map(&p(&format!("{prefix}<AuditMessage{body}")));
            let _ = map(&p(&format!("<?xml{prefix}<x:AuditMessage>{body}</x:AuditMessage>{prefix}")));
            let _ = map(&p(&format!("{body}AuditMessage>{prefix}")));
        }
    }
}
