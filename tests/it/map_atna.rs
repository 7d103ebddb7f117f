//! Mapping of health IT application events: IHE ATNA audit messages (DICOM PS3.15 A.5 /
//! RFC 3881 XML in a syslog message, `mapping::atna`) and RFC 5424 structured data written
//! by applications (`mapping::sd`), plus a 32 KiB ATNA message through the real collector
//! on every transport. Every fixture is written for this file (invented users, documentation
//! addresses, example hosts), shaped after dcm4chee-arc's and IHE's published samples.

use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hipaa_audit::ingest::framing::Framer;
use hipaa_audit::mapping::{atna, sd, EventType, Mapped, Mapper};
use hipaa_audit::parse::{parse, Format, ParseOptions, Parsed};
use hipaa_audit::store::Outcome;

use crate::serve_support::{
    logger_send, openssl, ptr, run_with_input, send_tcp, send_udp, Pki, Server,
};
use crate::support::{describe, python3};

fn received() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-04T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn parsed(line: &str) -> Parsed<'_> {
    parse(
        line,
        received(),
        &ParseOptions {
            timezone: "UTC".parse().unwrap(),
        },
    )
}

/// An ATNA message as an RFC 5424 MSG, the way IHE ITI-20 senders frame it (app name and
/// MSGID vary by product; the MSG is the XML, here after a UTF-8 BOM).
fn rfc5424(app: &str, xml: &str) -> String {
    format!(
        "<85>1 2026-03-04T08:59:58.120Z pacs01.example.org {app} 2716 IHE+RFC-3881 - \u{feff}{xml}"
    )
}

/// What one mapping must say.
struct Want<'a> {
    event_type: EventType,
    user: Option<&'a str>,
    action: &'a str,
    resource: Option<&'a str>,
    outcome: Outcome,
    source: Option<&'a str>,
    rule: &'a str,
}

#[track_caller]
fn check(m: &Mapped, w: &Want<'_>) {
    assert_eq!(m.event_type, w.event_type, "{m:#?}");
    assert_eq!(m.user_id.as_deref(), w.user, "{m:#?}");
    assert_eq!(m.action.as_deref(), Some(w.action), "{m:#?}");
    assert_eq!(m.resource.as_deref(), w.resource, "{m:#?}");
    assert_eq!(m.outcome, w.outcome, "{m:#?}");
    assert_eq!(m.source_address.as_deref(), w.source, "{m:#?}");
    assert_eq!(m.rule, w.rule, "{m:#?}");
}

/// The family's own answer, and the same through the whole built-in chain (no family
/// before it steals the line, none after it changes it).
#[track_caller]
fn map_atna(line: &str) -> Mapped {
    let p = parsed(line);
    let m = atna::map(&p).unwrap_or_else(|| panic!("atna declined: {p:#?}"));
    assert_eq!(Mapper::builtin().map(&p), m);
    m
}

#[track_caller]
fn map_sd(line: &str) -> Mapped {
    let p = parsed(line);
    assert_eq!(p.format, Format::Rfc5424, "{p:#?}");
    let m = sd::map(&p).unwrap_or_else(|| panic!("sd declined: {p:#?}"));
    assert_eq!(Mapper::builtin().map(&p), m);
    m
}

// ---------------------------------------------------------------------------------------
// IHE ATNA

const USER_AUTHENTICATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<AuditMessage xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <EventIdentification EventActionCode="E" EventDateTime="2026-03-04T08:59:58.101Z" EventOutcomeIndicator="0">
    <EventID csd-code="110114" codeSystemName="DCM" originalText="User Authentication"/>
    <EventTypeCode csd-code="110122" codeSystemName="DCM" originalText="Login"/>
  </EventIdentification>
  <ActiveParticipant UserID="drgreen" UserName="Green^Grace" UserIsRequestor="true" UserTypeCode="1" NetworkAccessPointID="198.51.100.41" NetworkAccessPointTypeCode="2">
    <UserIDTypeCode csd-code="Cp1640-1" codeSystemName="DCM" originalText="Local User ID"/>
  </ActiveParticipant>
  <ActiveParticipant UserID="pacs-viewer" AlternativeUserID="5120" UserIsRequestor="false" UserTypeCode="2" NetworkAccessPointID="viewer.example.org" NetworkAccessPointTypeCode="1">
    <UserIDTypeCode csd-code="110117" codeSystemName="DCM" originalText="Archive Device"/>
  </ActiveParticipant>
  <AuditSourceIdentification AuditSourceID="pacs-viewer">
    <AuditSourceTypeCode csd-code="4"/>
  </AuditSourceIdentification>
</AuditMessage>"#;

#[test]
fn atna_user_authentication_login() {
    let m = map_atna(&rfc5424("pacs-viewer", USER_AUTHENTICATION));
    check(
        &m,
        &Want {
            event_type: EventType::Access,
            user: Some("drgreen"),
            action: "login",
            resource: Some("pacs-viewer"),
            outcome: Outcome::Success,
            source: Some("198.51.100.41"),
            rule: "atna.110114.login",
        },
    );
    assert_eq!(m.severity, None);
}

/// RFC 3881 spelling (`code` / `displayName`, fields as child elements), a failed login,
/// sent by an older product as RFC 3164 with the XML on one line.
#[test]
fn atna_rfc3881_failed_login_in_rfc3164() {
    let xml = "<AuditMessage><EventIdentification><EventActionCode>E</EventActionCode>\
        <EventDateTime>2026-03-04T08:03:10Z</EventDateTime><EventOutcomeIndicator>4</EventOutcomeIndicator>\
        <EventID code=\"110114\" codeSystemName=\"DCM\" displayName=\"UserAuthenticated\"/>\
        <EventTypeCode code=\"110122\" codeSystemName=\"DCM\" displayName=\"Login\"/></EventIdentification>\
        <ActiveParticipant UserID=\"mkhan\" UserIsRequestor=\"true\" NetworkAccessPointID=\"203.0.113.77\" NetworkAccessPointTypeCode=\"2\"/>\
        <AuditSourceIdentification AuditSourceID=\"ehr-portal\"/></AuditMessage>";
    let line = format!("<38>Mar  4 08:03:10 portal01 ehr-portal[311]: {xml}");
    check(
        &map_atna(&line),
        &Want {
            event_type: EventType::Access,
            user: Some("mkhan"),
            action: "login",
            resource: Some("ehr-portal"),
            outcome: Outcome::Failure,
            source: Some("203.0.113.77"),
            rule: "atna.110114.login",
        },
    );
}

/// IHE shape: the Source application and the Human Requestor are both requestors; the
/// person is the user, the application's address the source. The patient ID's HL7
/// assigning authority is cut off.
#[test]
fn atna_patient_record_read() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<AuditMessage>
  <EventIdentification EventActionCode="R" EventDateTime="2026-03-04T08:59:57Z" EventOutcomeIndicator="0">
    <EventID csd-code="110110" codeSystemName="DCM" originalText="Patient Record"/>
  </EventIdentification>
  <ActiveParticipant UserID="ehr-app|MAIN_HOSPITAL" AlternativeUserID="8812" UserIsRequestor="true" NetworkAccessPointID="192.0.2.15" NetworkAccessPointTypeCode="2">
    <RoleIDCode csd-code="110153" codeSystemName="DCM" originalText="Source Role ID"/>
  </ActiveParticipant>
  <ActiveParticipant UserID="nurse.ortiz" UserName="Ortiz^Ana" UserIsRequestor="true">
    <RoleIDCode csd-code="224535009" codeSystemName="SNOMED-CT" originalText="Registered nurse"/>
  </ActiveParticipant>
  <ActiveParticipant UserID="records.example.org" UserIsRequestor="false" NetworkAccessPointID="records.example.org" NetworkAccessPointTypeCode="1">
    <RoleIDCode csd-code="110152" codeSystemName="DCM" originalText="Destination Role ID"/>
  </ActiveParticipant>
  <AuditSourceIdentification AuditSourceID="ehr-main"/>
  <ParticipantObjectIdentification ParticipantObjectID="MRN-004417^^^Example Hospital&amp;2.999.1.2.3&amp;ISO" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">
    <ParticipantObjectIDTypeCode csd-code="2" codeSystemName="RFC-3881" originalText="Patient Number"/>
    <ParticipantObjectName>DOE^JANE</ParticipantObjectName>
  </ParticipantObjectIdentification>
</AuditMessage>"#;
    check(
        &map_atna(&rfc5424("ehr", xml)),
        &Want {
            event_type: EventType::Access,
            user: Some("nurse.ortiz"),
            action: "patient record read",
            resource: Some("Patient/MRN-004417"),
            outcome: Outcome::Success,
            source: Some("192.0.2.15"),
            rule: "atna.110110",
        },
    );
}

/// A study object before the patient object: the patient is the resource.
#[test]
fn atna_dicom_instances_accessed() {
    let xml = r#"<AuditMessage>
  <EventIdentification EventActionCode="R" EventDateTime="2026-03-04T08:59:50Z" EventOutcomeIndicator="0">
    <EventID csd-code="110103" codeSystemName="DCM" originalText="DICOM Instances Accessed"/>
  </EventIdentification>
  <ActiveParticipant UserID="rad.lee" UserIsRequestor="true" UserTypeCode="1" NetworkAccessPointID="2001:db8::40" NetworkAccessPointTypeCode="2"/>
  <ActiveParticipant UserID="PACS01" AlternativeUserID="2716" UserIsRequestor="false" NetworkAccessPointID="pacs01.example.org" NetworkAccessPointTypeCode="1"/>
  <AuditSourceIdentification AuditSourceID="pacs01"/>
  <ParticipantObjectIdentification ParticipantObjectID="2.25.31415926535897932384626433" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3">
    <ParticipantObjectIDTypeCode csd-code="110180" codeSystemName="DCM" originalText="Study Instance UID"/>
    <ParticipantObjectDescription><SOPClass UID="1.2.840.10008.5.1.4.1.1.2" NumberOfInstances="120"/></ParticipantObjectDescription>
  </ParticipantObjectIdentification>
  <ParticipantObjectIdentification ParticipantObjectID="P-20931^^^PACS" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">
    <ParticipantObjectIDTypeCode csd-code="2" codeSystemName="RFC-3881" originalText="Patient Number"/>
  </ParticipantObjectIdentification>
</AuditMessage>"#;
    check(
        &map_atna(&rfc5424("pacs", xml)),
        &Want {
            event_type: EventType::Access,
            user: Some("rad.lee"),
            action: "dicom instances accessed",
            resource: Some("Patient/P-20931"),
            outcome: Outcome::Success,
            source: Some("2001:db8::40"),
            rule: "atna.110103",
        },
    );
}

/// Without a patient object the study is the resource; deletion is access (an operation on
/// patient data), and the retention job's node is the actor.
#[test]
fn atna_study_deleted() {
    let xml = r#"<AuditMessage><EventIdentification EventActionCode="D" EventDateTime="2026-03-04T02:00:00Z" EventOutcomeIndicator="0"><EventID csd-code="110105" codeSystemName="DCM" originalText="DICOM Study Deleted"/><EventOutcomeDescription>Data Retention Policy Expired</EventOutcomeDescription></EventIdentification><ActiveParticipant UserID="192.0.2.30" UserIsRequestor="true" NetworkAccessPointID="192.0.2.30" NetworkAccessPointTypeCode="2"><UserIDTypeCode csd-code="110182" codeSystemName="DCM" originalText="Node ID"/></ActiveParticipant><AuditSourceIdentification AuditSourceID="pacs01"/><ParticipantObjectIdentification ParticipantObjectID="2.25.27182818284590452353602874" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="3"><ParticipantObjectIDTypeCode csd-code="110180" codeSystemName="DCM" originalText="Study Instance UID"/></ParticipantObjectIdentification></AuditMessage>"#;
    check(
        &map_atna(&rfc5424("pacs", xml)),
        &Want {
            event_type: EventType::Access,
            user: Some("192.0.2.30"),
            action: "study deleted",
            resource: Some("Study/2.25.27182818284590452353602874"),
            outcome: Outcome::Success,
            source: Some("192.0.2.30"),
            rule: "atna.110105",
        },
    );
}

/// Break-glass: a Security Alert (subtype Emergency Override Started) is `security`,
/// severity high.
#[test]
fn atna_security_alert() {
    let xml = r#"<?xml version="1.0"?>
<AuditMessage>
  <EventIdentification EventActionCode="E" EventDateTime="2026-03-04T08:59:55Z" EventOutcomeIndicator="0">
    <EventID csd-code="110113" codeSystemName="DCM" originalText="Security Alert"/>
    <EventTypeCode csd-code="110127" codeSystemName="DCM" originalText="Emergency Override Started"/>
  </EventIdentification>
  <ActiveParticipant UserID="dr.patel" UserIsRequestor="true" NetworkAccessPointID="/198.51.100.88:50412" NetworkAccessPointTypeCode="2"/>
  <AuditSourceIdentification AuditSourceID="ehr-main"/>
  <ParticipantObjectIdentification ParticipantObjectID="MRN-118" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">
    <ParticipantObjectIDTypeCode csd-code="2" codeSystemName="RFC-3881" originalText="Patient Number"/>
  </ParticipantObjectIdentification>
</AuditMessage>"#;
    let m = map_atna(&rfc5424("ehr", xml));
    check(
        &m,
        &Want {
            event_type: EventType::Security,
            user: Some("dr.patel"),
            action: "security alert",
            resource: Some("Patient/MRN-118"),
            outcome: Outcome::Success,
            source: Some("198.51.100.88"),
            rule: "atna.110113",
        },
    );
    assert_eq!(m.severity, Some("high"));
}

/// An unescaped `&` in an attribute (a real product bug): not well-formed, still an entry.
#[test]
fn atna_malformed() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<AuditMessage>
  <EventIdentification EventActionCode="C" EventDateTime="2026-03-04T08:59:54Z" EventOutcomeIndicator="0">
    <EventID csd-code="110110" codeSystemName="DCM" originalText="Patient Record"/>
  </EventIdentification>
  <ActiveParticipant UserID="ADT_APP|EXAMPLE_HOSP" UserIsRequestor="true"/>
  <ParticipantObjectIdentification ParticipantObjectID="PID9^^^Site B&2.999.4&ISO" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1"/>
</AuditMessage>"#;
    let line = rfc5424("adt", xml);
    let m = map_atna(&line);
    assert_eq!(m.rule, "atna.malformed");
    assert_eq!(m.event_type, EventType::Unclassified);
    assert_eq!(m.action.as_deref(), Some("malformed audit message"));
    assert_eq!(m.outcome, Outcome::Unknown);
    assert_eq!(
        (m.user_id, m.resource, m.source_address),
        (None, None, None)
    );

    // Cut short (as a truncated 64 KiB message would be): malformed too.
    let cut = &line[..line.find("<ActiveParticipant").unwrap()];
    assert_eq!(map_atna(cut).rule, "atna.malformed");
}

/// The complete octet-counted syslog frame an IHE ITI sender puts on a TLS connection, with
/// the UTF-8 BOM before `<?xml`, through the collector's own framer.
#[test]
fn ihe_iti_query_octet_counted_frame() {
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><AuditMessage><EventIdentification EventActionCode=\"E\" EventDateTime=\"2026-03-04T08:59:59.000Z\" EventOutcomeIndicator=\"12\"><EventID csd-code=\"110112\" codeSystemName=\"DCM\" originalText=\"Query\" /><EventTypeCode csd-code=\"ITI-67\" codeSystemName=\"IHE Transactions\" originalText=\"Mobile Document Reference Query\" /></EventIdentification><ActiveParticipant UserID=\"/portal/fhir/DocumentReference\" UserIsRequestor=\"true\" NetworkAccessPointID=\"203.0.113.140\" NetworkAccessPointTypeCode=\"2\"><RoleIDCode csd-code=\"110153\" codeSystemName=\"DCM\" originalText=\"Source Role ID\" /></ActiveParticipant><ActiveParticipant UserID=\"https://hie.example.org/fhir/DocumentReference\" AlternativeUserID=\"1\" UserIsRequestor=\"false\" NetworkAccessPointID=\"192.0.2.200\" NetworkAccessPointTypeCode=\"2\"><RoleIDCode csd-code=\"110152\" codeSystemName=\"DCM\" originalText=\"Destination Role ID\" /></ActiveParticipant><AuditSourceIdentification AuditSourceID=\"HIE-GW\"><AuditSourceTypeCode csd-code=\"9\" /></AuditSourceIdentification><ParticipantObjectIdentification ParticipantObjectID=\"urn:oid:2.999.55|7d1f0c2e-0000-4000-8000-000000000001\" ParticipantObjectTypeCode=\"1\" ParticipantObjectTypeCodeRole=\"1\"><ParticipantObjectIDTypeCode csd-code=\"2\" codeSystemName=\"RFC-3881\" originalText=\"Patient Number\" /></ParticipantObjectIdentification><ParticipantObjectIdentification ParticipantObjectID=\"MobileDocumentReferenceQuery\" ParticipantObjectTypeCode=\"2\" ParticipantObjectTypeCodeRole=\"24\"><ParticipantObjectIDTypeCode csd-code=\"ITI-67\" codeSystemName=\"IHE Transactions\" /><ParticipantObjectQuery>c3RhdHVzPWN1cnJlbnQ=</ParticipantObjectQuery></ParticipantObjectIdentification></AuditMessage>";
    let msg =
        format!("<85>1 2026-03-04T08:59:59.010Z hie-gw-7f9c HIE-GW 1 IHE+RFC-3881 - \u{feff}{xml}");
    let wire = format!("{} {msg}", msg.len());
    let mut framer = Framer::new(64 * 1024);
    let mut frames = Vec::new();
    framer.push(wire.as_bytes(), &mut frames);
    framer.finish(&mut frames);
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].truncated_from, None);
    let text = String::from_utf8(frames[0].bytes.clone()).unwrap();
    let p = parsed(&text);
    assert_eq!(p.app_name.as_deref(), Some("HIE-GW"));
    assert_eq!(p.msgid.as_deref(), Some("IHE+RFC-3881"));
    // A machine requestor only: it is the actor, as written.
    check(
        &map_atna(&text),
        &Want {
            event_type: EventType::Access,
            user: Some("/portal/fhir/DocumentReference"),
            action: "query",
            resource: Some("Patient/urn:oid:2.999.55|7d1f0c2e-0000-4000-8000-000000000001"),
            outcome: Outcome::Failure,
            source: Some("203.0.113.140"),
            rule: "atna.110112",
        },
    );
}

#[test]
fn atna_declines_what_is_not_an_audit_message() {
    for line in [
        "<134>1 2026-03-04T09:00:00Z epo.example.org EPOEvents - EventFwd - <?xml version=\"1.0\"?><EPOevent><MachineInfo><MachineName>WS-12</MachineName></MachineInfo></EPOevent>",
        "<11>1 2026-03-04T09:00:00Z ehr01.example.org ehr 9 - - could not deliver <AuditMessage> to arr.example.org: connection refused",
        "<86>Mar  4 09:00:00 arr01 arr[77]: AuditMessage queue length 12",
        "<86>1 2026-03-04T09:00:00Z arr01 arr 77 - - <AuditMessages><Count>3</Count></AuditMessages>",
    ] {
        let p = parsed(line);
        assert_eq!(atna::map(&p), None, "{line}");
        assert!(!Mapper::builtin().map(&p).rule.starts_with("atna."), "{line}");
    }
}

// ---------------------------------------------------------------------------------------
// Application structured data

#[test]
fn ehr_sd_patient_record_read_success() {
    let line = "<86>1 2026-03-04T10:15:02.120Z ehr01.example.org ehr 4242 - [timeQuality tzKnown=\"1\" isSynced=\"1\"][audit@32473 user=\"alice\" action=\"patient record read\" resource=\"Patient/12345\" outcome=\"success\" src=\"198.51.100.23\"] Alice opened the chart of patient 12345";
    let m = map_sd(line);
    check(
        &m,
        &Want {
            event_type: EventType::Access,
            user: Some("alice"),
            action: "patient record read",
            resource: Some("Patient/12345"),
            outcome: Outcome::Success,
            source: Some("198.51.100.23"),
            rule: "sd.audit@32473",
        },
    );
    assert_eq!(m.severity, None);
}

#[test]
fn ehr_sd_login_failure() {
    let line = "<84>1 2026-03-04T10:16:40.002+01:00 ehr01.example.org ehr 4242 LOGIN [audit@32473 userid=\"bob\" action=\"Login\" resource=\"ehr\" outcome=\"failed\" ip=\"203.0.113.50\"] wrong password";
    check(
        &map_sd(line),
        &Want {
            event_type: EventType::Access,
            user: Some("bob"),
            action: "login",
            resource: Some("ehr"),
            outcome: Outcome::Failure,
            source: Some("203.0.113.50"),
            rule: "sd.audit@32473",
        },
    );
}

/// An explicit event_type and escaped characters in a value (RFC 5424 section 6.3.3).
#[test]
fn in_house_app_sd_admin_event() {
    let line = r#"<86>1 2026-03-04T10:20:00Z scheduler.example.org sched 88 - [sched@32473 usr="ops.kim" action="role granted" resource="account:\"temp\] staff\"" outcome="ok" event_type="admin" client_ip="192.0.2.77:51000"] role change"#;
    check(
        &map_sd(line),
        &Want {
            event_type: EventType::Admin,
            user: Some("ops.kim"),
            action: "role granted",
            resource: Some("account:\"temp] staff\""),
            outcome: Outcome::Success,
            source: Some("192.0.2.77"),
            rule: "sd.sched@32473",
        },
    );
}

#[test]
fn sd_without_audit_params_is_not_claimed() {
    for line in [
        "<165>1 2026-03-04T10:00:00.003Z host1.example.org evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] An application event log entry",
        "<13>1 2026-03-04T10:00:00Z host1.example.org app 8449 - [meta sequenceId=\"1\" sysUpTime=\"37\"][origin ip=\"192.0.2.1\" software=\"test\"] started",
        "<167>1 2026-03-04T10:00:00.790Z esx03.example.org vpxa 2356178 - [Originator@6876 sub=\"Vpxa\" opID=\"WFU-34799d2d\"] FetchingUpdatesDone",
        "<14>1 2026-03-04T10:00:00Z srx01.example.org RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.129 source-address=\"192.0.2.8\" username=\"N/A\" action=\"permit\"] session created",
    ] {
        let p = parsed(line);
        assert!(!p.structured_data.is_empty(), "{line}");
        assert_eq!(sd::map(&p), None, "{line}");
        assert!(!Mapper::builtin().map(&p).rule.starts_with("sd."), "{line}");
    }
}

/// The `logger` command of docs/app-logging.md, sent to a socket of ours, maps as the doc
/// says.
#[test]
fn logger_sd_example_from_docs() {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let port = sock.local_addr().unwrap().port().to_string();
    logger_send(&[
        "--rfc5424",
        "-d",
        "-n",
        "127.0.0.1",
        "-P",
        &port,
        "-t",
        "ehr",
        "--sd-id",
        "audit@32473",
        "--sd-param",
        "user=\"alice\"",
        "--sd-param",
        "action=\"patient record read\"",
        "--sd-param",
        "resource=\"Patient/12345\"",
        "--sd-param",
        "outcome=\"success\"",
        "--sd-param",
        "src=\"198.51.100.23\"",
        "Alice opened the chart of patient 12345",
    ]);
    let mut buf = vec![0u8; 65536];
    let n = sock.recv(&mut buf).expect("logger's datagram");
    let line = String::from_utf8(buf[..n].to_vec()).unwrap();
    check(
        &map_sd(line.trim_end()),
        &Want {
            event_type: EventType::Access,
            user: Some("alice"),
            action: "patient record read",
            resource: Some("Patient/12345"),
            outcome: Outcome::Success,
            source: Some("198.51.100.23"),
            rule: "sd.audit@32473",
        },
    );
}

/// The Python snippet of docs/app-logging.md, run as written (only the port changed).
#[test]
fn python_sd_example_from_docs() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/app-logging.md"))
        .unwrap();
    let start = doc.find("```python\n").expect("a python block") + "```python\n".len();
    let code = &doc[start..start + doc[start..].find("```").unwrap()];
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let port = sock.local_addr().unwrap().port();
    assert!(code.contains("(\"127.0.0.1\", 5140)"), "{code}");
    let code = code.replace("(\"127.0.0.1\", 5140)", &format!("(\"127.0.0.1\", {port})"));
    let mut cmd: Command = python3();
    cmd.arg("-c").arg(&code);
    let out = run_with_input(cmd, "python3", None, Duration::from_secs(20));
    assert!(out.status.success(), "{}", describe(&out));
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    for _ in 0..2 {
        let n = sock.recv(&mut buf).expect("a datagram from the example");
        got.push(map_sd(std::str::from_utf8(&buf[..n]).unwrap()));
    }
    let users: Vec<_> = got
        .iter()
        .map(|m| (m.user_id.as_deref(), m.outcome, m.source_address.as_deref()))
        .collect();
    assert_eq!(
        users,
        [
            (Some("alice"), Outcome::Success, Some("198.51.100.23")),
            (Some("bob"), Outcome::Failure, Some("203.0.113.50")),
        ]
    );
    assert_eq!(got[1].action.as_deref(), Some("login"));
}

// ---------------------------------------------------------------------------------------
// Labelled lines

#[test]
fn labelled_app_lines() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mapping/labelled_app.tsv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = 0;
    for (i, row) in text.lines().enumerate() {
        if row.trim().is_empty() || row.starts_with('#') {
            continue;
        }
        let mut parts = row.splitn(3, '\t');
        let (user, outcome, line) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let p = parsed(line);
        let m = Mapper::builtin().map(&p);
        assert!(
            m.rule.starts_with("atna.") || m.rule.starts_with("sd."),
            "row {}: rule {}",
            i + 1,
            m.rule
        );
        assert_eq!(
            m.user_id.as_deref().unwrap_or("-"),
            user,
            "row {}: {m:#?}",
            i + 1
        );
        assert_eq!(m.outcome.as_str(), outcome, "row {}: {m:#?}", i + 1);
        rows += 1;
    }
    assert!(rows >= 30, "{rows} rows");
}

// ---------------------------------------------------------------------------------------
// 32 KiB over every transport

/// A DICOM Instances Accessed message of one large study (one `Instance` element per image,
/// as archives list them), over 32 KiB. `sep` goes between elements ("" keeps it on one
/// line for LF framing).
fn big_atna(tag: &str, sep: &str) -> String {
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{sep}<AuditMessage>{sep}\
         <EventIdentification EventActionCode=\"R\" EventDateTime=\"2026-03-04T08:59:00Z\" EventOutcomeIndicator=\"0\">\
         <EventID csd-code=\"110103\" codeSystemName=\"DCM\" originalText=\"DICOM Instances Accessed\"/></EventIdentification>{sep}\
         <ActiveParticipant UserID=\"rad.{tag}\" UserIsRequestor=\"true\" NetworkAccessPointID=\"198.51.100.60\" NetworkAccessPointTypeCode=\"2\"/>{sep}\
         <AuditSourceIdentification AuditSourceID=\"pacs01\"/>{sep}\
         <ParticipantObjectIdentification ParticipantObjectID=\"2.25.4242\" ParticipantObjectTypeCode=\"2\" ParticipantObjectTypeCodeRole=\"3\">\
         <ParticipantObjectIDTypeCode csd-code=\"110180\" codeSystemName=\"DCM\" originalText=\"Study Instance UID\"/>\
         <ParticipantObjectDescription><SOPClass UID=\"1.2.840.10008.5.1.4.1.1.2\" NumberOfInstances=\"600\">{sep}"
    );
    let mut i = 0;
    while x.len() < 33 * 1024 {
        i += 1;
        x.push_str(&format!("<Instance UID=\"2.25.4242.{i}\"/>{sep}"));
    }
    x.push_str(&format!(
        "</SOPClass></ParticipantObjectDescription></ParticipantObjectIdentification>{sep}\
         <ParticipantObjectIdentification ParticipantObjectID=\"PAT-{tag}^^^&amp;2.999.7&amp;ISO\" ParticipantObjectTypeCode=\"1\" ParticipantObjectTypeCodeRole=\"1\">\
         <ParticipantObjectIDTypeCode csd-code=\"2\" codeSystemName=\"RFC-3881\" originalText=\"Patient Number\"/></ParticipantObjectIdentification>{sep}\
         </AuditMessage>"
    ));
    format!(
        "<85>1 2026-03-04T08:59:00.500Z pacs01.example.org pacs 2716 IHE+RFC-3881 - \u{feff}{x}"
    )
}

#[test]
fn atna_32k_message_on_every_transport() {
    let pki = Pki::new();
    let (cert, key) = (pki.path("server.pem"), pki.path("server.key"));
    let server = Server::start(
        &[
            "--udp",
            "127.0.0.1:0",
            "--tcp",
            "127.0.0.1:0",
            "--tls",
            "127.0.0.1:0",
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
        ],
        None,
    );
    // (tag, transport, message)
    let sent = [
        ("udp", "udp", big_atna("udp", "")),
        ("tcplf", "tcp", big_atna("tcplf", "")),
        ("tcpoc", "tcp", big_atna("tcpoc", "\n")),
        ("tls", "tls", big_atna("tls", "\n")),
    ];
    for (tag, _, msg) in &sent {
        assert!(msg.len() >= 32 * 1024, "{tag}: {} bytes", msg.len());
    }
    assert!(
        !sent[1].2.contains('\n'),
        "LF framing needs a one-line message"
    );

    send_udp(server.udp(), sent[0].2.as_bytes());
    send_tcp(server.tcp(), format!("{}\n", sent[1].2).as_bytes());
    send_tcp(
        server.tcp(),
        format!("{} {}", sent[2].2.len(), sent[2].2).as_bytes(),
    );
    // RFC 5425: octet counting over TLS. `-nocommands`: a chunk of stdin starting with `Q`
    // or `R` must not be taken as an s_client command.
    let tls = server.tls();
    let mut cmd = openssl();
    cmd.args([
        "s_client",
        "-connect",
        &tls.to_string(),
        "-quiet",
        "-no_ign_eof",
        "-nocommands",
    ])
    .args(["-CAfile", &pki.path("ca.pem"), "-verify_return_error"])
    .args(["-verify_ip", &tls.ip().to_string()]);
    let wire = format!("{} {}", sent[3].2.len(), sent[3].2);
    let out = run_with_input(
        cmd,
        "openssl s_client",
        Some(wire.as_bytes()),
        Duration::from_secs(20),
    );
    assert!(
        out.status.success(),
        "openssl s_client failed: {}",
        describe(&out)
    );

    let marker = |tag: &str| format!("PAT-{tag}^^^");
    let entries = server.wait_for(
        "the four 32 KiB ATNA messages",
        Duration::from_secs(30),
        |es| {
            sent.iter().all(|(tag, _, _)| {
                es.iter()
                    .any(|e| ptr(e, "/details/raw").is_some_and(|r| r.contains(&marker(tag))))
            })
        },
    );
    for (tag, transport, msg) in &sent {
        let found: Vec<_> = entries
            .iter()
            .filter(|e| ptr(e, "/details/raw").is_some_and(|r| r.contains(&marker(tag))))
            .collect();
        assert_eq!(found.len(), 1, "{tag}: {} entries", found.len());
        let e = found[0];
        assert_eq!(ptr(e, "/transport"), Some(*transport), "{tag}");
        assert_eq!(ptr(e, "/syslog/format"), Some("rfc5424"), "{tag}");
        let raw = ptr(e, "/details/raw").unwrap();
        assert_eq!(raw.len(), msg.len(), "{tag}");
        assert!(raw == msg.as_str(), "{tag}: raw differs from what was sent");
        assert!(
            e.pointer("/details/truncated_from").is_none(),
            "{tag}: {:?}",
            e["details"]["truncated_from"]
        );
        // Once the mapping is wired into the pipeline, the entry carries the ATNA fields.
        if ptr(e, "/event_type") != Some("unclassified") {
            let user = format!("rad.{tag}");
            let patient = format!("Patient/PAT-{tag}");
            assert_eq!(ptr(e, "/user_id"), Some(user.as_str()), "{tag}");
            assert_eq!(ptr(e, "/event_type"), Some("access"), "{tag}");
            assert_eq!(ptr(e, "/action"), Some("dicom instances accessed"), "{tag}");
            assert_eq!(ptr(e, "/resource"), Some(patient.as_str()), "{tag}");
            assert_eq!(ptr(e, "/outcome"), Some("success"), "{tag}");
        }
    }
    let mut server = server;
    server.stop();
    server.verify();
}
