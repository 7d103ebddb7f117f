//! The `windows` mapping family: Windows Security events as Snare, NXLog (JSON and
//! key=value), QRadar WinCollect and plain text, one test per sender. Every line is written
//! for this file (invented accounts, example hosts, documentation addresses).

use hipaa_audit::mapping::{windows, EventType, Mapped, Mapper};
use hipaa_audit::store::Outcome;

use crate::support::parsed_utc as parsed;

fn map(line: &str) -> Mapped {
    windows::map(&parsed(line)).unwrap_or_else(|| panic!("windows family declined: {line}"))
}

/// The fields every test checks, in the order of the brief.
#[allow(clippy::too_many_arguments)]
#[track_caller]
fn check(
    m: &Mapped,
    event_type: EventType,
    user: Option<&str>,
    action: &str,
    resource: Option<&str>,
    outcome: Outcome,
    source: Option<&str>,
    rule: &str,
) {
    assert_eq!(m.event_type, event_type, "event_type of {m:?}");
    assert_eq!(m.user_id.as_deref(), user, "user_id of {m:?}");
    assert_eq!(m.action.as_deref(), Some(action), "action of {m:?}");
    assert_eq!(m.resource.as_deref(), resource, "resource of {m:?}");
    assert_eq!(m.outcome, outcome, "outcome of {m:?}");
    assert_eq!(
        m.source_address.as_deref(),
        source,
        "source_address of {m:?}"
    );
    assert_eq!(m.rule, rule, "rule of {m:?}");
}

/// A Snare line: `MSWinEventLog` and its TAB-separated fields.
fn snare(id: u32, user: &str, audit: &str, category: &str, description: &str) -> String {
    format!(
        "MSWinEventLog\t1\tSecurity\t4410\tMon Jun 15 09:12:44 2026\t{id}\t\
         Microsoft-Windows-Security-Auditing\t{user}\tN/A\t{audit}\tdc01.example.com\t{category}\t\t\
         {description}\t4410"
    )
}

const LOGON_4624: &str = "An account was successfully logged on.    Subject:   Security ID:  S-1-5-18   \
    Account Name:  DC01$   Account Domain:  EXAMPLE   Logon ID:  0x3E7    Logon Information:   \
    Logon Type:  10   Restricted Admin Mode: -   Virtual Account:  No   Elevated Token:  Yes    \
    New Logon:   Security ID:  S-1-5-21-1-2-3-1105   Account Name:  alice.nguyen   Account Domain:  \
    EXAMPLE   Logon ID:  0x8A1F2   Linked Logon ID:  0x0   Network Account Name: -   Network Account \
    Domain: -    Process Information:   Process ID:  0x4c8   Process Name:  C:\\Windows\\System32\\svchost.exe    \
    Network Information:   Workstation Name:  WS-104   Source Network Address: 198.51.100.24   Source Port:  50312    \
    Detailed Authentication Information:   Logon Process:  User32    Authentication Package: Negotiate";

const FAILED_4625: &str = "An account failed to log on.    Subject:   Security ID:  S-1-0-0   Account Name:  -   \
    Account Domain:  -   Logon ID:  0x0    Logon Type:   3    Account For Which Logon Failed:   Security ID:  \
    S-1-0-0   Account Name:  bob.kowalski   Account Domain:  EXAMPLE    Failure Information:   Failure Reason:  \
    Unknown user name or bad password.   Status:   0xc000006d   Sub Status:  0xc000006a    Network Information:   \
    Workstation Name: KIOSK-3   Source Network Address: 203.0.113.45   Source Port:  49822";

#[test]
fn snare_rfc3164_4624() {
    let line = format!(
        "<14>Jun 15 09:12:44 dc01.example.com {}",
        snare(4624, "N/A", "Success Audit", "Logon", LOGON_4624)
    );
    let m = map(&line);
    check(
        &m,
        EventType::Access,
        Some("EXAMPLE\\alice.nguyen"),
        "login",
        Some("windows logon type 10"),
        Outcome::Success,
        Some("198.51.100.24"),
        "windows.4624",
    );
    assert_eq!(m.severity, None);
}

#[test]
fn snare_rfc5424_4625() {
    let line = format!(
        "<13>1 2026-06-15T09:13:02.120000Z fs02.example.com - - - - {}",
        snare(4625, "N/A", "Failure Audit", "Logon", FAILED_4625)
    );
    check(
        &map(&line),
        EventType::Access,
        Some("EXAMPLE\\bob.kowalski"),
        "login",
        Some("windows logon type 3"),
        Outcome::Failure,
        Some("203.0.113.45"),
        "windows.4625",
    );
}

#[test]
fn snare_native_without_header_4634() {
    let d = "An account was logged off.    Subject:   Security ID:  S-1-5-21-1-2-3-1201   Account Name:  \
             carol.ortiz   Account Domain:  EXAMPLE   Logon ID:  0x5D21A    Logon Type:   3    This event is \
             generated when a logon session is destroyed.";
    let line = snare(4634, "EXAMPLE\\carol.ortiz", "Success Audit", "Logoff", d);
    check(
        &map(&line),
        EventType::Access,
        Some("EXAMPLE\\carol.ortiz"),
        "logout",
        Some("windows logon type 3"),
        Outcome::Success,
        None,
        "windows.4634",
    );
}

#[test]
fn snare_relayed_with_escaped_tabs_4625() {
    let line = format!(
        "<13>Jun 15 10:11:00 oldrelay.example.net {}",
        snare(4625, "N/A", "Failure Audit", "Logon", FAILED_4625)
    )
    .replace('\t', "#011");
    check(
        &map(&line),
        EventType::Access,
        Some("EXAMPLE\\bob.kowalski"),
        "login",
        Some("windows logon type 3"),
        Outcome::Failure,
        Some("203.0.113.45"),
        "windows.4625",
    );
}

#[test]
fn snare_single_space_description_4624() {
    let d = "An account was successfully logged on. Subject: Security ID: SYSTEM Account Name: WS-104$ Account \
             Domain: EXAMPLE Logon ID: 0x3E7 Logon Information: Logon Type: 7 Virtual Account: No New Logon: \
             Security ID: EXAMPLE\\gina.m Account Name: gina.m Account Domain: EXAMPLE Logon ID: 0xFD5113F \
             Network Account Name: - Network Information: Workstation Name: WS-104 Source Network Address: - \
             Source Port: -";
    let line = format!(
        "<14>Jun 15 10:12:00 ws-104.example.com {}",
        snare(4624, "N/A", "Success Audit", "Logon", d)
    );
    check(
        &map(&line),
        EventType::Access,
        Some("EXAMPLE\\gina.m"),
        "login",
        Some("windows logon type 7"),
        Outcome::Success,
        None,
        "windows.4624",
    );
}

#[test]
fn snare_4720_account_created() {
    let d = "A user account was created.    Subject:   Security ID:  S-1-5-21-1-2-3-1500   Account Name:  \
             it-admin1   Account Domain:  EXAMPLE   Logon ID:  0x77AB1    New Account:   Security ID:  \
             S-1-5-21-1-2-3-1901   Account Name:  nurse.jpatel   Account Domain:  EXAMPLE    Attributes:   SAM \
             Account Name: nurse.jpatel   Display Name:  J Patel";
    let line = format!(
        "<14>Jun 15 09:30:00 dc01.example.com {}",
        snare(4720, "N/A", "Success Audit", "User Account Management", d)
    );
    check(
        &map(&line),
        EventType::Admin,
        Some("EXAMPLE\\it-admin1"),
        "account created",
        Some("account:EXAMPLE\\nurse.jpatel"),
        Outcome::Success,
        None,
        "windows.4720",
    );
}

#[test]
fn snare_4723_failure_audit() {
    let d = "An attempt was made to change an account's password.    Subject:   Security ID:  S-1-5-21-1-2-3-1601   \
             Account Name:  erin.lee   Account Domain:  EXAMPLE   Logon ID:  0x5e425880    Target Account:   \
             Security ID:  S-1-5-21-1-2-3-1601   Account Name:  erin.lee   Account Domain:  EXAMPLE    Additional \
             Information:   Privileges  -";
    let line = format!(
        "<14>Jun 15 09:31:10 dc01.example.com {}",
        snare(
            4723,
            "erin.lee",
            "Failure Audit",
            "User Account Management",
            d
        )
    );
    check(
        &map(&line),
        EventType::Admin,
        Some("EXAMPLE\\erin.lee"),
        "password changed",
        Some("account:EXAMPLE\\erin.lee"),
        Outcome::Failure,
        None,
        "windows.4723",
    );
}

#[test]
fn snare_4728_and_4732_group_member_added() {
    let d = "A member was added to a security-enabled global group.    Subject:   Security ID:  S-1-5-21-1-2-3-500   \
             Account Name:  it-admin2   Account Domain:  EXAMPLE   Logon ID:  0x3a341e9b    Member:   Security ID:  \
             S-1-5-21-1-2-3-1901   Account Name:  CN=Patel\\, J,OU=Nursing,DC=example,DC=com    Group:   Security ID:  \
             S-1-5-21-1-2-3-1120   Group Name:  EHR-Clinicians   Group Domain:  EXAMPLE    Additional Information:   \
             Privileges:  -";
    let line = format!(
        "<14>Jun 15 09:41:00 dc01.example.com {}",
        snare(
            4728,
            "it-admin2",
            "Success Audit",
            "Security Group Management",
            d
        )
    );
    check(
        &map(&line),
        EventType::Admin,
        Some("EXAMPLE\\it-admin2"),
        "group member added",
        Some("group:EHR-Clinicians"),
        Outcome::Success,
        None,
        "windows.4728",
    );
    // Windows 2008 names the group with `Account Name:` inside `Group:`.
    let d = "A member was added to a security-enabled local group.    Subject:   Security ID:  S-1-5-21-1-2-3-500   \
             Account Name:  it-admin2   Account Domain:  EXAMPLE   Logon ID:  0x3a341e9b    Member:   Security ID:  \
             S-1-5-21-1-2-3-1901   Account Name:  -    Group:   Security ID:  S-1-5-32-544   Account Name:  \
             Administrators   Account Domain:  Builtin    Additional Information:   Privileges:  -";
    let line = snare(
        4732,
        "Builtin\\Administrators",
        "Success Audit",
        "Security Group Management",
        d,
    );
    check(
        &map(&line),
        EventType::Admin,
        Some("EXAMPLE\\it-admin2"),
        "group member added",
        Some("group:Administrators"),
        Outcome::Success,
        None,
        "windows.4732",
    );
}

#[test]
fn snare_4740_account_locked_out() {
    let d = "A user account was locked out.    Subject:   Security ID:  S-1-5-18   Account Name:  DC01$   Account \
             Domain:  EXAMPLE   Logon ID:  0x3E7    Account That Was Locked Out:   Security ID:  S-1-5-21-1-2-3-1888   \
             Account Name:  frank.moss    Additional Information:   Caller Computer Name:  WS-330";
    let line = format!(
        "<14>Jun 15 09:50:00 dc01.example.com {}",
        snare(4740, "N/A", "Success Audit", "User Account Management", d)
    );
    let m = map(&line);
    check(
        &m,
        EventType::Security,
        Some("frank.moss"),
        "account locked out",
        Some("account:frank.moss"),
        Outcome::Success,
        None,
        "windows.4740",
    );
    assert_eq!(m.severity, None);
}

#[test]
fn snare_1102_audit_log_cleared() {
    let d = "The audit log was cleared.    Subject:   Security ID:  S-1-5-21-1-2-3-500   Account Name:  it-admin2   \
             Domain Name:  EXAMPLE   Logon ID:  0x1A2B3";
    let line = format!(
        "<14>Jun 15 10:10:00 srv-db1.example.com {}",
        snare(1102, "N/A", "Success Audit", "Log clear", d)
    )
    .replace(
        "Microsoft-Windows-Security-Auditing",
        "Microsoft-Windows-Eventlog",
    );
    let m = map(&line);
    check(
        &m,
        EventType::Security,
        Some("EXAMPLE\\it-admin2"),
        "audit log cleared",
        Some("security log"),
        Outcome::Success,
        None,
        "windows.1102",
    );
    assert_eq!(m.severity, Some("high"));
}

#[test]
fn snare_other_channel_is_claimed_but_unclassified() {
    let line = "<14>Jun 15 10:15:00 ws-104.example.com MSWinEventLog\t1\tMicrosoft-Windows-Sysmon/Operational\t77\t\
                Mon Jun 15 10:15:00 2026\t1\tMicrosoft-Windows-Sysmon\tSYSTEM\tUser\tInformation\tws-104.example.com\t\
                Process creation\t\tProcess Create:  Image: C:\\Windows\\System32\\notepad.exe\t77";
    let m = map(line);
    assert_eq!(m.event_type, EventType::Unclassified);
    assert_eq!(m.rule, "windows.event");
    assert_eq!(m.user_id.as_deref(), Some("SYSTEM"));
    assert_eq!(m.action, None);
}

#[test]
fn nxlog_json_4625() {
    let line = r#"<11>Jun 15 10:20:00 dc01.example.com nxWinEvt[780]: {"EventTime":"2026-06-15 10:20:00","Hostname":"dc01.example.com","EventType":"AUDIT_FAILURE","EventID":4625,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","SubjectUserName":"DC01$","SubjectDomainName":"EXAMPLE","TargetUserSid":"S-1-0-0","TargetUserName":"grace.holt","TargetDomainName":"EXAMPLE","Status":"0xc000006d","SubStatus":"0xc000006a","LogonType":"3","IpAddress":"198.51.100.61","IpPort":"50121","Message":"An account failed to log on."}"#;
    check(
        &map(line),
        EventType::Access,
        Some("EXAMPLE\\grace.holt"),
        "login",
        Some("windows logon type 3"),
        Outcome::Failure,
        Some("198.51.100.61"),
        "windows.4625",
    );
}

#[test]
fn nxlog_json_4624_bare_line_with_ipv6_source() {
    let line = r#"{"EventTime":"2026-06-15T10:21:00.1234567Z","Hostname":"ws-221.clinic.example","EventType":"AUDIT_SUCCESS","EventID":4624,"SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security","SubjectUserName":"WS-221$","SubjectDomainName":"CLINIC","TargetUserName":"henry.tan","TargetDomainName":"CLINIC","LogonType":"10","IpAddress":"2001:db8:10::25","IpPort":"3389"}"#;
    check(
        &map(line),
        EventType::Access,
        Some("CLINIC\\henry.tan"),
        "login",
        Some("windows logon type 10"),
        Outcome::Success,
        Some("2001:db8:10::25"),
        "windows.4624",
    );
}

#[test]
fn nxlog_json_1102_subject_from_user_data() {
    let line = r#"<14>Jun 15 10:27:00 srv-db1.example.com nxWinEvt: {"EventTime":"2026-06-15 10:27:00","EventType":"AUDIT_SUCCESS","EventID":1102,"SourceName":"Microsoft-Windows-Eventlog","Channel":"Security","UserData":"<LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'><SubjectUserSid>S-1-5-21-1-2-3-500</SubjectUserSid><SubjectUserName>it-admin2</SubjectUserName><SubjectDomainName>EXAMPLE</SubjectDomainName></LogFileCleared>"}"#;
    let m = map(line);
    check(
        &m,
        EventType::Security,
        Some("EXAMPLE\\it-admin2"),
        "audit log cleared",
        Some("security log"),
        Outcome::Success,
        None,
        "windows.1102",
    );
    assert_eq!(m.severity, Some("high"));
}

#[test]
fn nxlog_json_4648_explicit_credentials() {
    let line = r#"{"EventID":4648,"EventType":"AUDIT_SUCCESS","Channel":"Security","SubjectUserName":"svc-sched","SubjectDomainName":"EXAMPLE","TargetUserName":"report.runner","TargetDomainName":"EXAMPLE","TargetServerName":"db02.example.com","IpAddress":"192.0.2.77","IpPort":"445"}"#;
    check(
        &map(line),
        EventType::Access,
        Some("EXAMPLE\\svc-sched"),
        "explicit credentials login",
        Some("account:EXAMPLE\\report.runner"),
        Outcome::Success,
        Some("192.0.2.77"),
        "windows.4648",
    );
}

#[test]
fn nxlog_json_4740_ignores_caller_computer_as_domain() {
    let line = r#"<14>Jun 15 10:28:00 dc01.example.com nxWinEvt: {"EventID":4740,"EventType":"AUDIT_SUCCESS","Channel":"Security","TargetUserName":"irene.v","TargetDomainName":"WS-412","SubjectUserName":"DC01$","SubjectDomainName":"EXAMPLE"}"#;
    check(
        &map(line),
        EventType::Security,
        Some("irene.v"),
        "account locked out",
        Some("account:irene.v"),
        Outcome::Success,
        None,
        "windows.4740",
    );
}

#[test]
fn nxlog_kv_4624() {
    let line = r#"<14>Jun 15 10:30:00 ws-330.example.com nxlog: EventTime="2026-06-15 10:30:00" Hostname=ws-330.example.com EventType=AUDIT_SUCCESS EventID=4624 SourceName="Microsoft-Windows-Security-Auditing" Channel=Security SubjectUserName=WS-330$ SubjectDomainName=EXAMPLE TargetUserName=jack.b TargetDomainName=EXAMPLE LogonType=11 IpAddress=203.0.113.12 IpPort=-"#;
    check(
        &map(line),
        EventType::Access,
        Some("EXAMPLE\\jack.b"),
        "login",
        Some("windows logon type 11"),
        Outcome::Success,
        Some("203.0.113.12"),
        "windows.4624",
    );
}

#[test]
fn qradar_wincollect_4625() {
    let line = format!(
        "AgentDevice=WindowsLog\tAgentLogFile=Security\tSource=Microsoft-Windows-Security-Auditing\t\
         Computer=fs02.example.com\tUser=\tDomain=\tEventID=4625\tEventIDCode=4625\tEventType=16\t\
         EventCategory=12544\tRecordNumber=227137904\tMessage={FAILED_4625}"
    );
    check(
        &map(&line),
        EventType::Access,
        Some("EXAMPLE\\bob.kowalski"),
        "login",
        Some("windows logon type 3"),
        Outcome::Failure,
        Some("203.0.113.45"),
        "windows.4625",
    );
}

#[test]
fn plain_eventid_4625() {
    let line = "<13>Jun 15 10:34:00 winlog-relay.example.com winevt: EventID 4625: An account failed to log on. \
                Account Name: mike.d Source Network Address: 198.51.100.4";
    check(
        &map(line),
        EventType::Access,
        Some("mike.d"),
        "login",
        Some("windows logon"),
        Outcome::Failure,
        Some("198.51.100.4"),
        "windows.4625",
    );
}

#[test]
fn plain_security_auditing_4624() {
    let line = "<13>Jun 15 10:35:00 ws-104.example.com evtsys: Security-Auditing 4624 AUDIT_SUCCESS An account was \
                successfully logged on. Subject: Account Name: - Account Domain: - New Logon: Account Name: nina.r \
                Account Domain: EXAMPLE Logon Type: 3 Source Network Address: 192.0.2.15";
    check(
        &map(line),
        EventType::Access,
        Some("EXAMPLE\\nina.r"),
        "login",
        Some("windows logon type 3"),
        Outcome::Success,
        Some("192.0.2.15"),
        "windows.4624",
    );
}

#[test]
fn security_auditing_tag_4624() {
    let line = "<13>Jun 15 10:36:00 ws-104 Microsoft-Windows-Security-Auditing: 4624: AUDIT_SUCCESS An account was \
                successfully logged on. Subject: Account Name: WS-104$ Account Domain: EXAMPLE New Logon: Account \
                Name: oscar.p Account Domain: EXAMPLE Logon Type: 2 Source Network Address: 127.0.0.1";
    check(
        &map(line),
        EventType::Access,
        Some("EXAMPLE\\oscar.p"),
        "login",
        Some("windows logon type 2"),
        Outcome::Success,
        Some("127.0.0.1"),
        "windows.4624",
    );
}

#[test]
fn eventid_colon_pairs_4726() {
    let line = "<14>Jun 15 10:37:00 collector.example.com winrelay: EventID: 4726, SubjectUserName: it-admin2, \
                SubjectDomainName: EXAMPLE, TargetUserName: temp.contractor, TargetDomainName: EXAMPLE";
    check(
        &map(line),
        EventType::Admin,
        Some("EXAMPLE\\it-admin2"),
        "account deleted",
        Some("account:EXAMPLE\\temp.contractor"),
        Outcome::Success,
        None,
        "windows.4726",
    );
}

#[test]
fn snare_4776_and_4771_domain_controller_failures() {
    let d = "The computer attempted to validate the credentials for an account.    Authentication Package: \
             MICROSOFT_AUTHENTICATION_PACKAGE_V1_0   Logon Account:  paul.q   Source Workstation: WS-330   Error Code:  \
             0xc000006a";
    check(
        &map(&snare(
            4776,
            "paul.q",
            "Failure Audit",
            "Credential Validation",
            d,
        )),
        EventType::Access,
        Some("paul.q"),
        "credential validation",
        Some("ntlm"),
        Outcome::Failure,
        None,
        "windows.4776",
    );
    let d = "Kerberos pre-authentication failed.    Account Information:   Security ID:  S-1-5-21-1-2-3-2400   Account \
             Name:  quinn.s    Service Information:   Service Name:  krbtgt/EXAMPLE.COM    Network Information:   \
             Client Address:  ::ffff:198.51.100.77   Client Port:  51234    Additional Information:   Failure Code:  0x18";
    check(
        &map(&snare(
            4771,
            "quinn.s",
            "Failure Audit",
            "Kerberos Authentication Service",
            d,
        )),
        EventType::Access,
        Some("quinn.s"),
        "kerberos authentication",
        Some("kerberos"),
        Outcome::Failure,
        Some("198.51.100.77"),
        "windows.4771",
    );
}

#[test]
fn builtin_mapper_dispatches_windows_lines_to_the_windows_family() {
    let mapper = Mapper::builtin();
    let lines = [
        format!("<14>Jun 15 09:12:44 dc01.example.com {}", snare(4624, "N/A", "Success Audit", "Logon", LOGON_4624)),
        snare(4625, "N/A", "Failure Audit", "Logon", FAILED_4625),
        r#"<11>Jun 15 10:20:00 dc01.example.com nxWinEvt: {"EventType":"AUDIT_FAILURE","EventID":4625,"Channel":"Security","TargetUserName":"grace.holt","TargetDomainName":"EXAMPLE","IpAddress":"198.51.100.61"}"#.to_owned(),
        "<13>Jun 15 10:34:00 winlog-relay.example.com winevt: EventID 4625: An account failed to log on. Account Name: mike.d Source Network Address: 198.51.100.4".to_owned(),
        format!("AgentDevice=WindowsLog\tAgentLogFile=Security\tEventID=4625\tEventType=16\tMessage={FAILED_4625}"),
    ];
    for line in &lines {
        let m = mapper.map(&parsed(line));
        assert!(m.rule.starts_with("windows.4"), "{} took {line}", m.rule);
        assert!(m.user_id.is_some(), "{line}");
    }
}

#[test]
fn cef_and_unrelated_lines_are_declined() {
    for line in [
        "<134>CEF:0|Microsoft|Microsoft Windows||Microsoft-Windows-Security-Auditing:4625|An account failed to log on|5|externalId=4625 duser=bob",
        "Jun 15 10:00:00 dc01 CEF:0|Windows|EventLog|unknown|unknown|unknown|5|externalId=4624 duser=alice",
        "<38>Jun 15 11:00:00 web01 sshd[42]: Accepted password for alice from 203.0.113.9 port 4242 ssh2",
        "<13>Jun 15 11:00:00 app01 scheduler: Event 4624 queued for replay",
        "<13>Jun 15 11:00:00 app01 scheduler: EventID=77 state=done",
    ] {
        assert_eq!(windows::map(&parsed(line)), None, "{line}");
    }
}

#[test]
fn describe_event_gives_the_table_for_the_cef_family() {
    assert!(matches!(
        windows::describe_event(4624),
        Some((EventType::Access, "login", Outcome::Success))
    ));
    assert!(matches!(
        windows::describe_event(4625),
        Some((EventType::Access, "login", Outcome::Failure))
    ));
    assert!(matches!(
        windows::describe_event(4647),
        Some((EventType::Access, "logout", Outcome::Success))
    ));
    assert!(matches!(
        windows::describe_event(4672),
        Some((EventType::Security, "special privileges assigned", _))
    ));
    assert!(matches!(
        windows::describe_event(4728),
        Some((EventType::Admin, "group member added", _))
    ));
    assert!(matches!(
        windows::describe_event(4740),
        Some((EventType::Security, "account locked out", _))
    ));
    assert!(matches!(
        windows::describe_event(1102),
        Some((EventType::Security, "audit log cleared", _))
    ));
    assert_eq!(windows::describe_event(5156), None);
}
