//! RFC 5424 structured data written by applications: an EHR or in-house system that logs
//! its own audit events as an SD-ELEMENT, e.g.
//!
//! ```text
//! <86>1 2026-01-02T03:04:05Z ehr01.example.org ehr 4242 - [audit@32473 user="alice"
//!   action="patient record read" resource="Patient/123" outcome="success" src="198.51.100.7"] ...
//! ```
//!
//! (one line on the wire). The format for application authors is in `docs/app-logging.md`.
//!
//! # Which element is an audit event
//!
//! Any SD-ID (`audit@32473`, `ehr`, `myapp@99999`) except the IANA-registered `timeQuality`,
//! `origin` and `meta`, when the element has a user parameter (`user`, `userid`, `user_id`,
//! `usr`) or both `action` and `outcome`. Elements without those (`[exampleSDID@32473
//! iut="3"]`, VMware's `[Originator@6876 ...]`, F5's, Juniper's `username=`) are not claimed
//! and go on to the other families. The first such element wins. Parameter names are
//! compared without regard to ASCII case. Cheap check: a message without structured data is
//! declined at once.
//!
//! # Parameters read
//!
//! | field | parameters (first present, non-empty, `-` counts as absent) |
//! |---|---|
//! | user_id | `user`, `userid`, `user_id`, `usr`, then `username` |
//! | action | `action` (ASCII lower-cased) |
//! | resource | `resource`, `res`, `object`, `record` |
//! | outcome | `outcome`, `result`, `status`: `success`, `succeeded`, `ok`, `true`, `allowed`, `granted`, `pass`, `1`... success; `failure`, `failed`, `fail`, `error`, `denied`, `false`, `blocked`, `0`... failure; anything else unknown |
//! | event_type | `event_type`, `eventType`: one of `access`, `security`, `admin`, `system`, `network`, `unclassified`; otherwise inferred from the action (below) |
//! | source_address | `src`, `ip`, `src_ip`, `srcip`, `client_ip`, `source_address`, `source`: the first that is an IP address; a host name only from `src`/`ip`/`client_ip` (a `source` of `web` is not an address) |
//! | severity | `severity` = `high` or `critical` gives `high` |
//!
//! Inferred event_type: `security` when the action speaks of an alert, break-glass,
//! emergency access, override or lockout; `admin` for password, account, role, permission,
//! group or configuration changes; otherwise `access` (what applications audit is mostly
//! logins and record access).
//!
//! Rule: `sd.<SD-ID>`, e.g. `sd.audit@32473`.

use super::{text, EventType, Mapped};
use crate::parse::{Parsed, SdElement};
use crate::store::Outcome;

// The parameters read, as places in [`NAMES`] (found when compiling), in the order tried.
const USER: &[usize] = &at(["user", "userid", "user_id", "usr"]);
const USERNAME: &[usize] = &at(["username"]);
const ACTION: &[usize] = &at(["action"]);
const RESOURCE: &[usize] = &at(["resource", "res", "object", "record"]);
const OUTCOME: &[usize] = &at(["outcome", "result", "status"]);
const OUTCOME_ONLY: &[usize] = &at(["outcome"]);
const EVENT_TYPE: &[usize] = &at(["event_type", "eventtype"]);
const SEVERITY: &[usize] = &at(["severity"]);
const ADDR: &[usize] = &at([
    "src",
    "ip",
    "src_ip",
    "srcip",
    "client_ip",
    "source_address",
    "source",
]);
/// Of [`ADDR`], the ones that name an address even when the value is a host name.
const HOST_OK: &[usize] = &at(["src", "ip", "client_ip"]);

/// SD-IDs registered with IANA (RFC 5424 section 7): never an application's audit event.
const REGISTERED: &[&str] = &["timeQuality", "origin", "meta"];

pub fn map(p: &Parsed) -> Option<Mapped> {
    if p.structured_data.is_empty() {
        return None;
    }
    let (el, params) = p
        .structured_data
        .iter()
        .filter(|e| !REGISTERED.contains(&&*e.id))
        .map(|e| (e, Params::of(e)))
        .find(|(_, params)| params.is_audit())?;

    let action = params.get(ACTION).map(str::to_ascii_lowercase);
    let event_type = params
        .get(EVENT_TYPE)
        .and_then(|t| EventType::parse(&t.to_ascii_lowercase()))
        .unwrap_or_else(|| infer(action.as_deref().unwrap_or("")));
    let mut m = Mapped::new(event_type, format!("sd.{}", el.id))
        .outcome(params.get(OUTCOME).map_or(Outcome::Unknown, outcome));
    if let Some(u) = params.get(USER).or_else(|| params.get(USERNAME)) {
        m = m.user(u);
    }
    if let Some(a) = action {
        m = m.action(a);
    }
    if let Some(r) = params.get(RESOURCE) {
        m = m.resource(r);
    }
    if let Some(a) = address(&params) {
        m = m.source(a);
    }
    if params
        .get(SEVERITY)
        .is_some_and(|s| s.eq_ignore_ascii_case("high") || s.eq_ignore_ascii_case("critical"))
    {
        m.severity = Some("high");
    }
    Some(m)
}

/// Every parameter name read above, lower case (at most 32 of them, each at most
/// [`LONGEST`] bytes).
const NAMES: &[&str] = &[
    "user",
    "userid",
    "user_id",
    "usr",
    "username",
    "action",
    "resource",
    "res",
    "object",
    "record",
    "outcome",
    "result",
    "status",
    "event_type",
    "eventtype",
    "src",
    "ip",
    "src_ip",
    "srcip",
    "client_ip",
    "source_address",
    "source",
    "severity",
];
const LONGEST: usize = 14;

/// The places of `names` in [`NAMES`]; a name that is not there fails the build.
const fn at<const N: usize>(names: [&str; N]) -> [usize; N] {
    let mut places = [0; N];
    let mut i = 0;
    while i < N {
        places[i] = place(names[i].as_bytes());
        i += 1;
    }
    places
}

const fn place(name: &[u8]) -> usize {
    let mut i = 0;
    'names: while i < NAMES.len() {
        let known = NAMES[i].as_bytes();
        i += 1;
        if known.len() != name.len() {
            continue;
        }
        let mut j = 0;
        while j < name.len() {
            if known[j] != name[j] {
                continue 'names;
            }
            j += 1;
        }
        return i - 1;
    }
    panic!("a parameter name read by the mapping is missing from NAMES");
}

/// The parameters of one element as the mapping reads them, gathered in one pass over the
/// element: for each of [`NAMES`], whether it occurs, and its first value that says
/// something (trimmed, not empty, not `-`). Names compare without regard to ASCII case.
struct Params<'a> {
    present: u32,
    first: [Option<&'a str>; NAMES.len()],
}

impl<'a> Params<'a> {
    fn of(e: &'a SdElement) -> Params<'a> {
        let mut params = Params {
            present: 0,
            first: [None; NAMES.len()],
        };
        for (k, v) in &e.params {
            let Some(i) = index(k) else { continue };
            params.present |= 1 << i;
            let v = v.trim();
            if params.first[i].is_none() && !v.is_empty() && v != "-" {
                params.first[i] = Some(v);
            }
        }
        params
    }

    /// An audit event: a user parameter, or both `action` and `outcome` (values or not).
    fn is_audit(&self) -> bool {
        self.has(USER) || (self.has(ACTION) && self.has(OUTCOME_ONLY))
    }

    /// Whether any of the names at `places` occurs.
    fn has(&self, places: &[usize]) -> bool {
        places.iter().any(|&i| self.present & (1 << i) != 0)
    }

    /// The value of the first of the names at `places` (in that order) that has one.
    fn get(&self, places: &[usize]) -> Option<&'a str> {
        places.iter().find_map(|&i| self.first[i])
    }
}

/// Where `name` is in [`NAMES`], in any ASCII case.
fn index(name: &str) -> Option<usize> {
    if name.len() > LONGEST {
        return None;
    }
    let mut buf = [0u8; LONGEST];
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    NAMES.iter().position(|n| n.as_bytes() == &*lower)
}

fn outcome(v: &str) -> Outcome {
    const OK: &[&str] = &[
        "success",
        "succeeded",
        "successful",
        "ok",
        "true",
        "yes",
        "1",
        "pass",
        "passed",
        "allow",
        "allowed",
        "granted",
        "accepted",
    ];
    const FAIL: &[&str] = &[
        "failure", "failed", "fail", "error", "false", "no", "0", "deny", "denied", "rejected",
        "blocked", "refused",
    ];
    if OK.iter().any(|o| v.eq_ignore_ascii_case(o)) {
        Outcome::Success
    } else if FAIL.iter().any(|f| v.eq_ignore_ascii_case(f)) {
        Outcome::Failure
    } else {
        Outcome::Unknown
    }
}

fn address(params: &Params) -> Option<String> {
    for &i in ADDR {
        if let Some(v) = params.get(&[i]) {
            if let Some(ip) = text::ip(v) {
                return Some(ip.to_string());
            }
        }
    }
    HOST_OK.iter().find_map(|&i| {
        params
            .get(&[i])
            .filter(|v| !v.contains(char::is_whitespace))
            .map(str::to_owned)
    })
}

fn infer(action: &str) -> EventType {
    let any = |words: &[&str]| words.iter().any(|w| action.contains(w));
    if any(&[
        "alert",
        "break-glass",
        "break glass",
        "breakglass",
        "emergency",
        "override",
        "locked out",
        "lockout",
    ]) {
        EventType::Security
    } else if any(&[
        "password",
        "account",
        "role",
        "permission",
        "group",
        "config",
        "setting",
    ]) {
        EventType::Admin
    } else {
        EventType::Access
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, ParseOptions};
    use chrono::{TimeZone, Utc};

    fn p(sd: &str) -> Parsed<'static> {
        let line = format!("<86>1 2026-01-02T03:04:05Z app.example.org app 1 - {sd} text");
        parse(
            &line,
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 6).unwrap(),
            &ParseOptions::default(),
        )
        .into_owned()
    }

    #[test]
    fn claims_only_elements_with_audit_params() {
        assert_eq!(map(&p("-")), None);
        assert_eq!(
            map(&p("[meta sequenceId=\"1\"][origin ip=\"192.0.2.1\"]")),
            None
        );
        assert_eq!(map(&p("[meta user=\"x\"]")), None);
        assert_eq!(
            map(&p("[exampleSDID@32473 iut=\"3\" eventID=\"1011\"]")),
            None
        );
        assert_eq!(
            map(&p("[junos@2636.1 username=\"N/A\" action=\"permit\"]")),
            None
        );
        let m = map(&p(
            "[meta sequenceId=\"1\"][app@32473 action=\"Export\" outcome=\"ok\"]",
        ))
        .unwrap();
        assert_eq!(m.rule, "sd.app@32473");
        assert_eq!(m.action.as_deref(), Some("export"));
        assert_eq!(m.outcome, Outcome::Success);
        assert_eq!(m.user_id, None);
    }

    #[test]
    fn event_type_given_or_inferred() {
        let m = map(&p("[a USER=\"bob\" action=\"password changed\"]")).unwrap();
        assert_eq!(
            (m.event_type, m.user_id.as_deref()),
            (EventType::Admin, Some("bob"))
        );
        let m = map(&p(
            "[a user=\"bob\" action=\"break-glass access\" severity=\"high\"]",
        ))
        .unwrap();
        assert_eq!(
            (m.event_type, m.severity),
            (EventType::Security, Some("high"))
        );
        let m = map(&p(
            "[a user=\"bob\" event_type=\"System\" action=\"login\"]",
        ))
        .unwrap();
        assert_eq!(m.event_type, EventType::System);
        let m = map(&p(
            "[a user=\"bob\" event_type=\"weird\" action=\"login\" source=\"web\"]",
        ))
        .unwrap();
        assert_eq!((m.event_type, m.source_address), (EventType::Access, None));
        let m = map(&p("[a user=\"-\" src=\"ws-12.example.org\"]")).unwrap();
        assert_eq!(
            (m.user_id, m.source_address.as_deref()),
            (None, Some("ws-12.example.org"))
        );
    }

    #[test]
    fn names_fit_the_lookup() {
        assert!(NAMES.len() <= 32 && NAMES.iter().all(|n| n.len() <= LONGEST));
        for (i, n) in NAMES.iter().enumerate() {
            assert_eq!(index(&n.to_ascii_uppercase()), Some(i));
        }
    }

    /// The lookup the one pass replaced: name by name over all parameters.
    fn reference_get<'a>(e: &'a SdElement, names: &[&str]) -> Option<&'a str> {
        names.iter().find_map(|n| {
            e.params
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.trim())
                .find(|v| !v.is_empty() && *v != "-")
        })
    }

    fn reference_has(e: &SdElement, names: &[&str]) -> bool {
        e.params
            .iter()
            .any(|(k, _)| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
    }

    proptest::proptest! {
        #[test]
        fn one_pass_reads_what_name_by_name_lookup_reads(
            params in proptest::collection::vec((
                proptest::sample::select(vec![
                    "user", "USER", "User", "userid", "usr", "username", "action", "Action",
                    "outcome", "result", "status", "eventType", "event_type", "src", "ip",
                    "client_ip", "Source", "source_address", "severity", "res", "record",
                    "iut", "eventID", "sourceaddress", "user_name",
                ]),
                proptest::sample::select(vec![
                    "", " ", "-", " - ", "alice", " bob ", "192.0.2.7", "ws-1.example.org",
                    "web app", "success", "denied", "high",
                ]),
            ), 0..8),
        ) {
            let el = SdElement {
                id: "app@32473".into(),
                params: params.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
            };
            let one = Params::of(&el);
            let lists = [USER, USERNAME, ACTION, RESOURCE, OUTCOME, OUTCOME_ONLY, EVENT_TYPE,
                SEVERITY, ADDR, HOST_OK];
            for places in lists {
                let names: Vec<&str> = places.iter().map(|&i| NAMES[i]).collect();
                proptest::prop_assert_eq!(one.get(places), reference_get(&el, &names), "{:?}", names);
                proptest::prop_assert_eq!(one.has(places), reference_has(&el, &names), "{:?}", names);
            }
        }

        #[test]
        fn never_panics_on_any_params(id in "[a-z@0-9]{1,12}", k in "[a-zA-Z_]{1,10}", v in "\\PC{0,40}") {
            let el = SdElement { id: id.into(), params: vec![("user".into(), v.clone().into()), (k.into(), v.clone().into()), ("src".into(), v.into())] };
            let mut parsed = p("-");
            parsed.structured_data = vec![el];
            let _ = map(&parsed);
        }
    }
}
