//! `parse::parse` on lines shaped like what real senders put on the wire, one test per
//! sender family, plus malformed input, New Year, and time zone settings. Every fixture is
//! written for this file (documentation address ranges, invented users and hosts).

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, Utc};
use hipaa_audit::parse::{
    facility_name, parse, resolve_year, severity_name, Format, ParseOptions, Parsed, SdElement,
    TimeZoneSetting,
};

fn received(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Same instant *and* same offset (chrono's `==` compares instants only).
#[track_caller]
fn assert_ts(actual: Option<DateTime<FixedOffset>>, expected: &str) {
    let expected = DateTime::parse_from_rfc3339(expected).unwrap();
    let pair = |t: DateTime<FixedOffset>| (t, t.offset().local_minus_utc());
    assert_eq!(actual.map(pair), Some(pair(expected)));
}

fn in_zone(tz: &str) -> ParseOptions {
    ParseOptions {
        timezone: tz.parse().unwrap(),
    }
}

/// Received shortly after the fixtures' own times, read in UTC.
fn utc(text: &str) -> Parsed<'static> {
    parse(text, received("2024-03-05T14:30:00Z"), &in_zone("UTC")).into_owned()
}

fn s(v: Option<&str>) -> Option<Cow<'_, str>> {
    v.map(Cow::Borrowed)
}

#[track_caller]
fn header(
    p: &Parsed,
    format: Format,
    pri: (u8, u8),
    host: Option<&str>,
    app: Option<&str>,
    procid: Option<&str>,
    msgid: Option<&str>,
) {
    assert_eq!(p.format, format, "{p:#?}");
    assert_eq!(
        (p.facility, p.severity),
        (Some(pri.0), Some(pri.1)),
        "{p:#?}"
    );
    assert_eq!(p.hostname, s(host), "{p:#?}");
    assert_eq!(p.app_name, s(app), "{p:#?}");
    assert_eq!(p.procid, s(procid), "{p:#?}");
    assert_eq!(p.msgid, s(msgid), "{p:#?}");
}

fn params<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    pairs
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), Cow::Borrowed(*v)))
        .collect()
}

#[test]
fn rsyslog_rfc5424_with_structured_data() {
    let line = "<86>1 2024-03-05T14:22:31.402715+01:00 ehr-app01.clinic.example sshd 48213 - \
                [meta sequenceId=\"1742\" sysUpTime=\"88123\"][origin ip=\"192.0.2.15\" \
                software=\"rsyslogd\" swVersion=\"8.2312.0\"] pam_unix(sshd:session): session \
                opened for user dr_quill(uid=1003) by (uid=0)";
    let p = utc(line);
    header(
        &p,
        Format::Rfc5424,
        (10, 6),
        Some("ehr-app01.clinic.example"),
        Some("sshd"),
        Some("48213"),
        None,
    );
    assert_eq!(facility_name(10), "authpriv");
    assert_eq!(severity_name(6), "info");
    assert_ts(p.timestamp, "2024-03-05T14:22:31.402715+01:00");
    assert_eq!(
        p.structured_data,
        vec![
            SdElement {
                id: "meta".into(),
                params: params(&[("sequenceId", "1742"), ("sysUpTime", "88123")]),
            },
            SdElement {
                id: "origin".into(),
                params: params(&[
                    ("ip", "192.0.2.15"),
                    ("software", "rsyslogd"),
                    ("swVersion", "8.2312.0")
                ]),
            },
        ]
    );
    assert_eq!(
        p.message,
        "pam_unix(sshd:session): session opened for user dr_quill(uid=1003) by (uid=0)"
    );

    // The RFC's own shape: NIL procid, a msgid, escapes in SD values, a BOM before MSG.
    let p = utc(
        "<165>1 2024-03-05T13:22:31.003Z lab-02.clinic.example evntslog - ID47 \
                 [exampleSDID@32473 iut=\"3\" note=\"say \\\"hi\\\" \\] done\"] \u{feff}An \
                 application event log entry",
    );
    header(
        &p,
        Format::Rfc5424,
        (20, 5),
        Some("lab-02.clinic.example"),
        Some("evntslog"),
        None,
        Some("ID47"),
    );
    assert_ts(p.timestamp, "2024-03-05T13:22:31.003Z");
    assert_eq!(
        p.structured_data[0].params,
        params(&[("iut", "3"), ("note", "say \"hi\" ] done")])
    );
    assert_eq!(p.message, "An application event log entry");

    // All NILVALUE.
    let p = utc("<14>1 - - - - - -");
    header(&p, Format::Rfc5424, (1, 6), None, None, None, None);
    assert_eq!((p.timestamp, &*p.message), (None, ""));
    assert!(p.structured_data.is_empty());
}

#[test]
fn linux_sshd_rfc3164() {
    let line = "<38>Mar  5 09:07:44 ehr-db02 sshd[20417]: Failed password for invalid user \
                nurse_vale from 203.0.113.77 port 52144 ssh2";
    let p = utc(line);
    header(
        &p,
        Format::Rfc3164,
        (4, 6),
        Some("ehr-db02"),
        Some("sshd"),
        Some("20417"),
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T09:07:44Z");
    assert_eq!(
        p.message,
        "Failed password for invalid user nurse_vale from 203.0.113.77 port 52144 ssh2"
    );
    assert!(p.structured_data.is_empty());

    // The same line from a sender configured for US Central time.
    let p = parse(
        line,
        received("2024-03-05T15:10:00Z"),
        &in_zone("America/Chicago"),
    );
    assert_ts(p.timestamp, "2024-03-05T09:07:44-06:00");

    // Two-digit day, tag with a parenthesised module, no pid.
    let p = utc(
        "<86>Mar 15 11:02:09 ehr-db02 sshd(pam_unix)[881]: session opened for user \
                 r.ibarra by (uid=0)",
    );
    header(
        &p,
        Format::Rfc3164,
        (10, 6),
        Some("ehr-db02"),
        Some("sshd(pam_unix)"),
        Some("881"),
        None,
    );
    // 15 March is nearer to 5 March 2024 than 15 March 2023 is.
    assert_ts(p.timestamp, "2024-03-15T11:02:09Z");

    // No hostname at all (a local /dev/log writer relayed as is).
    let p = utc(
        "<85>Mar  5 09:10:02 sudo[3122]: pam_unix(sudo:auth): authentication failure; \
                 logname=o.frey uid=1007 euid=0 tty=/dev/pts/1 ruser=o.frey rhost=  user=o.frey",
    );
    header(
        &p,
        Format::Rfc3164,
        (10, 5),
        None,
        Some("sudo"),
        Some("3122"),
        None,
    );
    assert!(p
        .message
        .starts_with("pam_unix(sudo:auth): authentication failure;"));

    // A tag without a pid; upper-case month, ISO timestamp with an offset.
    let p = utc(
        "<38>2024-03-05T09:07:44.250+01:00 ehr-db02.clinic.example su: FAILED su for \
                 root by p.adebayo",
    );
    header(
        &p,
        Format::Rfc3164,
        (4, 6),
        Some("ehr-db02.clinic.example"),
        Some("su"),
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T09:07:44.250+01:00");
    assert_eq!(p.message, "FAILED su for root by p.adebayo");
    let p = utc("<38>MAR  5 09:07:44 ehr-db02 login[77]: ROOT LOGIN ON tty1");
    assert_ts(p.timestamp, "2024-03-05T09:07:44Z");
    assert_eq!(p.app_name.as_deref(), Some("login"));
}

#[test]
fn cisco_asa() {
    // Default ASA logging with `logging timestamp`: year, trailing colon, no device id.
    let p = utc(
        "<166>Mar 05 2024 14:22:31: %ASA-6-113004: AAA user authentication Successful \
                 : server =  198.51.100.20 : user = k.ashdown",
    );
    header(&p, Format::Rfc3164, (20, 6), None, None, None, None);
    assert_eq!(facility_name(20), "local4");
    assert_ts(p.timestamp, "2024-03-05T14:22:31Z");
    assert_eq!(
        p.message,
        "%ASA-6-113004: AAA user authentication Successful : server =  198.51.100.20 : user \
         = k.ashdown"
    );

    // With `logging device-id hostname`, read in the clinic's zone.
    let p = parse(
        "<166>Mar 05 2024 14:22:31 asa-edge01 : %ASA-6-605005: Login permitted from \
         192.0.2.44/51234 to inside:198.51.100.1/ssh for user \"m.thorne\"",
        received("2024-03-05T13:30:00Z"),
        &in_zone("Europe/Berlin"),
    );
    header(
        &p,
        Format::Rfc3164,
        (20, 6),
        Some("asa-edge01"),
        None,
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31+01:00");
    assert!(p
        .message
        .starts_with("%ASA-6-605005: Login permitted from 192.0.2.44/51234"));

    // Host followed directly by a colon.
    let p = utc(
        "<164>Mar  5 14:22:31 asa-edge01: %ASA-4-106023: Deny tcp src \
                 outside:203.0.113.5/4431 dst inside:192.0.2.25/3389 by access-group \"out_in\"",
    );
    header(
        &p,
        Format::Rfc3164,
        (20, 4),
        Some("asa-edge01"),
        None,
        None,
        None,
    );
    assert!(p.message.starts_with("%ASA-4-106023: Deny tcp"));

    // EMBLEM-less, timestamp-less: only a PRI. All of it is content.
    let p = utc("<166>%ASA-6-302013: Built inbound TCP connection 1187 for \
                 outside:203.0.113.5/4431 (203.0.113.5/4431) to inside:192.0.2.25/443");
    header(&p, Format::Rfc3164, (20, 6), None, None, None, None);
    assert_eq!(p.timestamp, None);
    assert!(p
        .message
        .starts_with("%ASA-6-302013: Built inbound TCP connection 1187"));
}

#[test]
fn cisco_ios() {
    // `service sequence-numbers` and an unsynchronised clock (`*`): no header we can use.
    let p = utc(
        "<189>48213: ehr-rtr01: *Mar  5 14:22:31.118: %SEC_LOGIN-5-LOGIN_SUCCESS: \
                 Login Success [user: j.okafor] [Source: 192.0.2.9] [localport: 22]",
    );
    header(&p, Format::Rfc3164, (23, 5), None, None, None, None);
    assert_eq!(p.timestamp, None);
    assert_eq!(
        p.message,
        "48213: ehr-rtr01: *Mar  5 14:22:31.118: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success \
         [user: j.okafor] [Source: 192.0.2.9] [localport: 22]"
    );

    // `service timestamps log datetime msec`: milliseconds are kept, nothing is misread.
    let p = utc(
        "<189>Mar  5 14:22:31.118: %SYS-5-CONFIG_I: Configured from console by \
                 j.okafor on vty0 (192.0.2.9)",
    );
    header(&p, Format::Rfc3164, (23, 5), None, None, None, None);
    assert_ts(p.timestamp, "2024-03-05T14:22:31.118Z");
    assert!(p
        .message
        .starts_with("%SYS-5-CONFIG_I: Configured from console"));

    // Relayed by a syslog server that adds its own header: the sequence number stays text.
    let p = utc(
        "<189>Mar  5 14:22:32 192.0.2.1 48214: Mar  5 2024 14:22:31.900 UTC: \
                 %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down",
    );
    header(
        &p,
        Format::Rfc3164,
        (23, 5),
        Some("192.0.2.1"),
        None,
        None,
        None,
    );
    assert!(p
        .message
        .starts_with("48214: Mar  5 2024 14:22:31.900 UTC: %LINK-3-UPDOWN"));
}

#[test]
fn fortigate_kv() {
    let body = "date=2024-03-05 time=14:22:31 devname=\"FGT-CLINIC-01\" \
                devid=\"FGT60FTK00000000\" eventtime=1709648551000000000 tz=\"+0100\" \
                logid=\"0100032001\" type=\"event\" subtype=\"system\" level=\"information\" \
                vd=\"root\" logdesc=\"Admin login successful\" user=\"it_mara\" \
                ui=\"https(192.0.2.30)\" srcip=192.0.2.30 action=\"login\" status=\"success\"";
    // FortiOS default: the PRI, then the key=value body, no timestamp or host.
    let p = utc(&format!("<189>{body}"));
    header(&p, Format::Rfc3164, (23, 5), None, None, None, None);
    assert_eq!(p.timestamp, None);
    assert_eq!(p.message, body);

    // Relayed through a syslog server that prepends a BSD header.
    let p = utc(&format!(
        "<189>Mar  5 14:22:31 fgt-clinic-01.example.net {body}"
    ));
    header(
        &p,
        Format::Rfc3164,
        (23, 5),
        Some("fgt-clinic-01.example.net"),
        None,
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31Z");
    assert_eq!(p.message, body);

    // devname first (newer FortiOS), PRI straight before it.
    let p = utc(
        "<190>devname=\"FGT-CLINIC-01\" devid=\"FGT60FTK00000000\" vd=\"root\" \
                 date=2024-03-05 time=14:22:31 logid=\"0000000013\" type=\"traffic\"",
    );
    header(&p, Format::Rfc3164, (23, 6), None, None, None, None);
    assert!(p.message.starts_with("devname=\"FGT-CLINIC-01\""));
}

#[test]
fn paloalto() {
    let csv = "1,2024/03/05 14:22:31,012801000000,THREAT,vulnerability,2561,2024/03/05 \
               14:22:31,203.0.113.50,192.0.2.10,0.0.0.0,0.0.0.0,block-rdp,,,ms-rdp,vsys1,untrust,\
               trust,ethernet1/1,ethernet1/2,log-fwd,2024/03/05 14:22:31,48812,1,50112,3389";
    let p = utc(&format!("<14>Mar  5 14:22:31 pa-edge01 {csv}"));
    header(
        &p,
        Format::Rfc3164,
        (1, 6),
        Some("pa-edge01"),
        None,
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31Z");
    assert_eq!(p.message, csv);

    // PAN-OS "BSD with ISO timestamp" format.
    let p = utc(&format!(
        "<14>2024-03-05T14:22:31+01:00 pa-edge01.clinic.example {csv}"
    ));
    header(
        &p,
        Format::Rfc3164,
        (1, 6),
        Some("pa-edge01.clinic.example"),
        None,
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31+01:00");
    assert_eq!(p.message, csv);

    // LEEF 1.0 over BSD syslog.
    let leef = "LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|10.2.4|allow|\
                cat=TRAFFIC|src=192.0.2.10|dst=198.51.100.80|usrName=clinic\\h.moreau";
    let p = utc(&format!(
        "<14>Mar  5 14:22:31 pa-edge01.clinic.example {leef}"
    ));
    header(
        &p,
        Format::Rfc3164,
        (1, 6),
        Some("pa-edge01.clinic.example"),
        None,
        None,
        None,
    );
    assert_eq!(p.message, leef);
}

#[test]
fn pfsense_filterlog() {
    let csv = "5,,,1000000103,igb1,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,203.0.113.9,\
               192.0.2.25,51515,3389,0,S,1234567890,,64240,,mss;sackOK;TS;nop;wscale";
    let p = utc(&format!(
        "<134>Mar  5 14:22:31 pfsense filterlog[41234]: {csv}"
    ));
    header(
        &p,
        Format::Rfc3164,
        (16, 6),
        Some("pfsense"),
        Some("filterlog"),
        Some("41234"),
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31Z");
    assert_eq!(p.message, csv);

    // pfSense 2.6+ / OPNsense: RFC 5424 with a meta element.
    let p = utc(&format!(
        "<134>1 2024-03-05T14:22:31.561204+00:00 fw.clinic.example filterlog 41234 - \
         [meta sequenceId=\"5531\"] {csv}"
    ));
    header(
        &p,
        Format::Rfc5424,
        (16, 6),
        Some("fw.clinic.example"),
        Some("filterlog"),
        Some("41234"),
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31.561204Z");
    assert_eq!(
        p.structured_data[0].params,
        params(&[("sequenceId", "5531")])
    );
    assert_eq!(p.message, csv);

    // Web GUI login failure.
    let p = utc(
        "<35>1 2024-03-05T14:22:31+00:00 fw.clinic.example audit 24409 - \
                 [meta sequenceId=\"4\"] /index.php: Web GUI authentication error for \
                 'b.szabo' from 198.51.100.71",
    );
    header(
        &p,
        Format::Rfc5424,
        (4, 3),
        Some("fw.clinic.example"),
        Some("audit"),
        Some("24409"),
        None,
    );
    assert!(p
        .message
        .starts_with("/index.php: Web GUI authentication error"));
}

#[test]
fn windows_snare() {
    let record = "MSWinEventLog\t1\tSecurity\t120044\tTue Mar 05 14:22:31 2024\t4625\t\
                  Microsoft-Windows-Security-Auditing\tCLINIC\\r.fenwick\tN/A\tFailure Audit\t\
                  WS-RECEPT-04\tLogon\t\tAn account failed to log on.    Subject:   Security \
                  ID:  S-1-0-0    Account Name:  r.fenwick    Source Network Address: \
                  192.0.2.61\t98765";
    // Snare's RFC 3164 wrapping: the record is the message, not a tag named MSWinEventLog.
    let p = utc(&format!("<14>Mar  5 14:22:31 WS-RECEPT-04 {record}"));
    header(
        &p,
        Format::Rfc3164,
        (1, 6),
        Some("WS-RECEPT-04"),
        None,
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31Z");
    assert_eq!(p.message, record);
    assert_eq!(p.message.split('\t').nth(5), Some("4625"));

    // A tab instead of a space after the host.
    let p = utc(&format!("<14>Mar  5 14:22:31 WS-RECEPT-04\t{record}"));
    assert_eq!(p.hostname.as_deref(), Some("WS-RECEPT-04"));
    assert_eq!(p.message, record);

    // Snare's RFC 5424 wrapping.
    let p = utc(&format!(
        "<13>1 2024-03-05T14:22:31.118000Z WS-RECEPT-04 - - - - {record}"
    ));
    header(
        &p,
        Format::Rfc5424,
        (1, 5),
        Some("WS-RECEPT-04"),
        None,
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31.118Z");
    assert_eq!(p.message, record);

    // Relayed by an rsyslog that escaped the tabs as #011.
    let escaped = record.replace('\t', "#011");
    let p = utc(&format!("<14>Mar  5 14:22:31 WS-RECEPT-04 {escaped}"));
    assert_eq!(
        (p.hostname.as_deref(), p.app_name.as_deref()),
        (Some("WS-RECEPT-04"), None)
    );
    assert_eq!(p.message, escaped);
}

#[test]
fn windows_nxlog_json() {
    let json = r#"{"EventTime":"2024-03-05 14:22:31","Hostname":"WS-LAB-07.clinic.example","Keywords":-9214364837600034816,"EventType":"AUDIT_SUCCESS","SeverityValue":2,"Severity":"INFO","EventID":4624,"SourceName":"Microsoft-Windows-Security-Auditing","TargetUserName":"t.birch","TargetDomainName":"CLINIC","LogonType":"10","IpAddress":"192.0.2.61","Message":"An account was successfully logged on.\r\n\r\nSubject: ..."}"#;
    let p = utc(&format!(
        "<14>Mar  5 14:22:31 WS-LAB-07.clinic.example nxWinEvt[2231]: {json}"
    ));
    header(
        &p,
        Format::Rfc3164,
        (1, 6),
        Some("WS-LAB-07.clinic.example"),
        Some("nxWinEvt"),
        Some("2231"),
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31Z");
    assert_eq!(p.message, json);
    let v: serde_json::Value = serde_json::from_str(&p.message).unwrap();
    assert_eq!(v["EventID"], 4624);
    assert_eq!(v["TargetUserName"], "t.birch");

    // Without a pid.
    let p = utc(&format!("<14>Mar  5 14:22:31 WS-LAB-07 nxWinEvt: {json}"));
    assert_eq!(
        (p.app_name.as_deref(), p.procid.as_deref()),
        (Some("nxWinEvt"), None)
    );
    assert_eq!(p.message, json);

    // Host name and JSON separated by two spaces, no tag.
    let p = utc(&format!("<14>Mar  5 14:22:31 WS-LAB-07  {json}"));
    assert_eq!(
        (p.hostname.as_deref(), p.app_name.as_deref()),
        (Some("WS-LAB-07"), None)
    );
    assert_eq!(p.message, json);
}

#[test]
fn cef_body() {
    let cef = "CEF:0|Ubiquiti|UniFi Network|8.0.26|544|Admin Accessed UniFi Network|1|\
               UNIFIcategory=System UNIFIsubCategory=Admin src=192.0.2.80 suser=admin.lund \
               msg=admin.lund accessed UniFi Network using the web.";
    // After a BSD header: CEF is the body, not a tag named "CEF".
    let p = utc(&format!("<134>Mar  5 14:22:31 unifi-gw01 {cef}"));
    header(
        &p,
        Format::Rfc3164,
        (16, 6),
        Some("unifi-gw01"),
        None,
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31Z");
    assert_eq!(p.message, cef);

    // The malformed "CEF: 0|" some firmware sends.
    let odd = cef.replacen("CEF:0", "CEF: 0", 1);
    let p = utc(&format!("<134>Mar  5 14:22:31 unifi-gw01 {odd}"));
    assert_eq!(p.app_name, None);
    assert_eq!(p.message, odd);

    // Right after the PRI.
    let p = utc(&format!("<134>{cef}"));
    header(&p, Format::Rfc3164, (16, 6), None, None, None, None);
    assert_eq!(p.timestamp, None);
    assert_eq!(p.message, cef);

    // A real tag before CEF (ArcSight connectors, Snare) stays a tag.
    let p = utc(&format!(
        "<13>Mar  5 14:22:31 dc01.clinic.example MSWinEventLog: {cef}"
    ));
    assert_eq!(p.app_name.as_deref(), Some("MSWinEventLog"));
    assert_eq!(p.message, cef);
}

#[test]
fn ihe_atna_xml_in_rfc5424() {
    let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AuditMessage>\n  \
               <EventIdentification EventActionCode=\"E\" \
               EventDateTime=\"2024-03-05T14:22:31.118+01:00\" EventOutcomeIndicator=\"0\">\n    \
               <EventID csd-code=\"110112\" codeSystemName=\"DCM\" originalText=\"Query\"/>\n  \
               </EventIdentification>\n  <ActiveParticipant UserID=\"dr.quill\" \
               UserIsRequestor=\"true\" NetworkAccessPointID=\"192.0.2.40\" \
               NetworkAccessPointTypeCode=\"2\"/>\n</AuditMessage>";
    // RFC 5425 / IHE ATNA: MSGID IHE+RFC-3881, BOM before the XML.
    let line = format!(
        "<85>1 2024-03-05T14:22:31.118+01:00 pacs01.clinic.example IPF 1 IHE+RFC-3881 - \
         \u{feff}{xml}"
    );
    let p = utc(&line);
    header(
        &p,
        Format::Rfc5424,
        (10, 5),
        Some("pacs01.clinic.example"),
        Some("IPF"),
        Some("1"),
        Some("IHE+RFC-3881"),
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31.118+01:00");
    assert!(p.structured_data.is_empty());
    assert_eq!(p.message, xml);
    assert!(p.message.starts_with("<?xml"));
    assert!(p.message.ends_with("</AuditMessage>"));

    // Without the BOM (as some senders and some copies of such frames have it).
    let p = utc(&line.replace('\u{feff}', ""));
    assert_eq!(p.message, xml);

    // DICOM's MSGID spelling, with a trailing newline from the sender.
    let p = utc(&format!(
        "<86>1 2024-03-05T13:22:31Z archive.clinic.example dcm4chee-arc 3117 DICOM+RFC3881 - \
         \u{feff}{xml}\n"
    ));
    header(
        &p,
        Format::Rfc5424,
        (10, 6),
        Some("archive.clinic.example"),
        Some("dcm4chee-arc"),
        Some("3117"),
        Some("DICOM+RFC3881"),
    );
    assert_eq!(p.message, xml);
}

#[test]
fn juniper() {
    // SRX in structured-data mode: RFC 5424 with a junos@2636 element.
    let p = utc("<14>1 2024-03-05T14:22:31.118+01:00 srx-edge01 RT_FLOW - \
                 RT_FLOW_SESSION_DENY [junos@2636.1.1.1.2.129 source-address=\"203.0.113.14\" \
                 source-port=\"50112\" destination-address=\"192.0.2.25\" \
                 destination-port=\"3389\" service-name=\"junos-rdp\" protocol-id=\"6\" \
                 policy-name=\"deny-rdp\" source-zone-name=\"untrust\" \
                 destination-zone-name=\"trust\" username=\"N/A\"] session denied \
                 203.0.113.14/50112->192.0.2.25/3389 junos-rdp(6) deny-rdp untrust trust");
    header(
        &p,
        Format::Rfc5424,
        (1, 6),
        Some("srx-edge01"),
        Some("RT_FLOW"),
        None,
        Some("RT_FLOW_SESSION_DENY"),
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31.118+01:00");
    assert_eq!(p.structured_data.len(), 1);
    assert_eq!(p.structured_data[0].id, "junos@2636.1.1.1.2.129");
    assert_eq!(
        p.structured_data[0].params[0],
        ("source-address".into(), "203.0.113.14".into())
    );
    assert_eq!(p.structured_data[0].params.len(), 10);
    assert!(p.message.starts_with("session denied 203.0.113.14/50112"));

    // A logical system: the app name carries a colon.
    let p = utc(
        "<28>1 2024-03-05T14:22:31.250-03:00 mx-core01 ls-clinic:rpd 6589 - - \
                 bgp_listen_accept: %DAEMON-4: Connection attempt from unconfigured neighbor: \
                 198.51.100.7+179",
    );
    header(
        &p,
        Format::Rfc5424,
        (3, 4),
        Some("mx-core01"),
        Some("ls-clinic:rpd"),
        Some("6589"),
        None,
    );
    assert!(p.message.starts_with("bgp_listen_accept: %DAEMON-4:"));

    // Relayed by a BSD syslog server: the inner 5424-looking text is the message.
    let p = utc(
        "<14>Mar  5 14:22:31 192.0.2.1 junos-ids: 2024-03-05T14:22:31.724Z srx-edge01 \
                 RT_IDS - RT_SCREEN_IP [junos@2636.1.1.1.2.39 attack-name=\"IP spoofing!\" \
                 source-address=\"203.0.113.66\" action=\"drop\"]",
    );
    header(
        &p,
        Format::Rfc3164,
        (1, 6),
        Some("192.0.2.1"),
        Some("junos-ids"),
        None,
        None,
    );
    assert!(p
        .message
        .starts_with("2024-03-05T14:22:31.724Z srx-edge01 RT_IDS"));
    assert!(p.message.ends_with("action=\"drop\"]"));
}

#[test]
fn sonicwall() {
    let kv = "id=firewall sn=0040100A0B0C time=\"2024-03-05 14:22:31 UTC\" fw=198.51.100.2 \
              pri=1 c=32 m=30 msg=\"Administrator login denied due to bad credentials\" n=7 \
              src=203.0.113.31:50411:X1 dst=198.51.100.2:443:X1 user=\"a.kowal\"";
    // SonicOS default: PRI, then key=value.
    let p = utc(&format!("<129>{kv}"));
    header(&p, Format::Rfc3164, (16, 1), None, None, None, None);
    assert_eq!(p.timestamp, None);
    assert_eq!(p.message, kv);

    // With a BSD header (syslog relay or "Syslog format: Default" + server timestamp).
    let p = utc(&format!("<129>Mar  5 14:22:31 192.0.2.1 {kv}"));
    header(
        &p,
        Format::Rfc3164,
        (16, 1),
        Some("192.0.2.1"),
        None,
        None,
        None,
    );
    assert_ts(p.timestamp, "2024-03-05T14:22:31Z");
    assert_eq!(p.message, kv);
}

// ---- malformed input ----

#[track_caller]
fn unparsed(text: &str) {
    let p = utc(text);
    assert_eq!(p.format, Format::Unparsed, "{text:?}");
    assert_eq!(p.message, text);
    assert_eq!((p.facility, p.severity, p.timestamp), (None, None, None));
    assert_eq!(
        (p.hostname, p.app_name, p.procid, p.msgid),
        (None, None, None, None)
    );
    assert!(p.structured_data.is_empty());
}

#[test]
fn malformed_input_is_unparsed_or_parsed_honestly() {
    for text in [
        "",
        "<",
        ">",
        "<>",
        "<<>>",
        "   ",
        "\n",
        "<999>Mar  5 14:22:31 host app: msg",
        "<192>Mar  5 14:22:31 host app: msg",
        "<abc>Mar  5 14:22:31 host app: msg",
        "<013>Mar  5 14:22:31 host app: msg",
        "<00>1 - - - - - -",
        "<-1>x",
        "<13",
        "13>Mar  5 14:22:31 host app: msg",
        "Mar  5 14:22:31 ehr-db02 sshd[20417]: Accepted publickey for a.lind",
        "1 2024-03-05T14:22:31Z host app - - - no PRI",
        "{\"EventID\":4624}",
        "\u{feff}<14>Mar  5 14:22:31 host app: BOM before the PRI",
        "\0<14>x",
    ] {
        unparsed(text);
    }

    // PRI only, or PRI and a lone NUL: honest 3164 with nothing but the PRI.
    let p = utc("<14>");
    assert_eq!(
        (p.format, p.facility, p.severity),
        (Format::Rfc3164, Some(1), Some(6))
    );
    assert_eq!((p.timestamp, &*p.message), (None, ""));
    let p = utc("<0>\0");
    assert_eq!(
        (p.format, p.facility, p.severity),
        (Format::Rfc3164, Some(0), Some(0))
    );
    assert_eq!(p.message, "\0");

    // NUL inside a message is kept as it came.
    let p = utc("<38>Mar  5 14:22:31 ehr-db02 sshd[1]: before\0after");
    assert_eq!(p.app_name.as_deref(), Some("sshd"));
    assert_eq!(p.message, "before\0after");
    let p = utc("<38>Mar  5 14:22:31 ehr\0db02 sshd[1]: x");
    assert_eq!(p.format, Format::Rfc3164);
    assert_eq!(p.hostname, None);
    assert_eq!(p.message, "ehr\0db02 sshd[1]: x");

    // Replacement characters (what the caller's lossy UTF-8 decoding leaves).
    let p = utc("<7>1 - bzorp openvpn 2499 - - PTHREAD \u{fffd}(\u{fffd}( initialized");
    assert_eq!(p.format, Format::Rfc5424);
    assert_eq!(p.message, "PTHREAD \u{fffd}(\u{fffd}( initialized");
}

#[test]
fn random_bytes_never_panic() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet: &[u8] = b"<>0123456789 :-[]=\"\\TZ.+\tMarJnOcDe\x00\xff\xfe\xef\xbb\xbf";
    for round in 0..3000 {
        let len = (next() % 120) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|i| {
                let r = next();
                if round % 2 == 0 {
                    alphabet[(r % alphabet.len() as u64) as usize]
                } else if i == 0 {
                    b'<'
                } else {
                    r as u8
                }
            })
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        let p = utc(&text);
        match p.format {
            Format::Unparsed => assert_eq!(p.message, text),
            _ => {
                assert!(p.facility.is_some_and(|f| f <= 23), "{text:?}");
                assert!(p.severity.is_some_and(|s| s <= 7), "{text:?}");
            }
        }
    }
    // Mutations of real-looking lines: every prefix and every single-byte deletion.
    let line = "<165>1 2024-03-05T14:22:31.003Z h.example app 12 ID47 [a@1 k=\"v\\\"\"][b] \
                \u{feff}msg";
    for cut in (0..=line.len()).filter(|i| line.is_char_boundary(*i)) {
        let _ = utc(&line[..cut]);
        let mut mutated = line.to_string();
        if cut < line.len() {
            mutated.remove(cut);
            let _ = utc(&mutated);
        }
    }
    let line = "<38>Mar  5 09:07:44.5 ehr-db02 sshd[20417]: Failed password";
    for cut in 0..=line.len() {
        let _ = utc(&line[..cut]);
    }
}

#[test]
fn very_long_lines() {
    let body = "x".repeat(300 * 1024);
    let p = utc(&format!("<38>Mar  5 14:22:31 ehr-db02 sshd[1]: {body}"));
    assert_eq!(p.app_name.as_deref(), Some("sshd"));
    assert_eq!(p.message.len(), body.len());

    let p = utc(&format!("<14>1 2024-03-05T14:22:31Z h app - - - {body}"));
    assert_eq!(p.format, Format::Rfc5424);
    assert_eq!(p.message.len(), body.len());

    // 300 KB of SD-like brackets, of unmatched '[', of one header-less word, of spaces.
    let brackets = "[a b=\"c\"]".repeat(30 * 1024);
    let p = utc(&format!(
        "<14>1 2024-03-05T14:22:31Z h app - - {brackets} end"
    ));
    assert_eq!(p.structured_data.len(), 30 * 1024);
    assert_eq!(p.message, "end");
    let open = "[a".repeat(150 * 1024);
    let p = utc(&format!("<14>1 - h app - - {open}"));
    assert_eq!(
        p.format,
        Format::Rfc3164,
        "no readable STRUCTURED-DATA: PRI only"
    );
    assert!(p.message.ends_with("[a[a"));
    let p = utc(&format!("<14>{body}"));
    assert_eq!(p.message.len(), body.len());
    let spaces = format!("<14>Mar  5 14:22:31 {} host app: m", " ".repeat(300 * 1024));
    let p = utc(&spaces);
    assert_eq!(p.format, Format::Rfc3164);
    let p = utc(&body);
    assert_eq!(p.format, Format::Unparsed);
}

// ---- year and zone ----

#[test]
fn new_year_resolution() {
    let ny = in_zone("America/New_York");
    let utc_opts = in_zone("UTC");

    // 30 s into 2025 (UTC): a December 31 stamp is last year's.
    let at = received("2025-01-01T00:00:30Z");
    let p = parse("<13>Dec 31 23:59:58 h app: m", at, &utc_opts);
    assert_ts(p.timestamp, "2024-12-31T23:59:58Z");
    let p = parse("<13>Jan  1 00:00:29 h app: m", at, &utc_opts);
    assert_ts(p.timestamp, "2025-01-01T00:00:29Z");

    // 30 s before 2025 (UTC): a sender whose clock runs ahead has already reached January.
    let at = received("2024-12-31T23:59:30Z");
    let p = parse("<13>Jan  1 00:00:10 h app: m", at, &utc_opts);
    assert_ts(p.timestamp, "2025-01-01T00:00:10Z");
    let p = parse("<13>Dec 31 23:59:29 h app: m", at, &utc_opts);
    assert_ts(p.timestamp, "2024-12-31T23:59:29Z");

    // Still 2024 in New York when it is 2025 in UTC: the zone decides.
    let at = received("2025-01-01T02:00:00Z");
    let p = parse("<13>Dec 31 20:59:00 h app: m", at, &ny);
    assert_ts(p.timestamp, "2024-12-31T20:59:00-05:00");
    let p = parse("<13>Jan  1 00:01:00 h app: m", at, &ny);
    assert_ts(p.timestamp, "2025-01-01T00:01:00-05:00");

    // A message buffered over the holidays.
    let p = parse(
        "<13>Dec 20 08:00:00 h app: m",
        received("2025-01-06T09:00:00Z"),
        &utc_opts,
    );
    assert_ts(p.timestamp, "2024-12-20T08:00:00Z");

    // The explicit year form is never second-guessed.
    let p = parse(
        "<166>Dec 31 2023 23:59:58: %ASA-6-1: x",
        received("2025-01-01T00:00:30Z"),
        &utc_opts,
    );
    assert_ts(p.timestamp, "2023-12-31T23:59:58Z");

    assert_eq!(
        resolve_year(12, 31, received("2025-01-01T00:00:30Z").naive_utc()),
        2024
    );
    assert_eq!(
        resolve_year(1, 1, received("2024-12-31T23:59:30Z").naive_utc()),
        2025
    );
}

#[test]
fn leap_day() {
    let p = utc("<13>Feb 29 23:59:59 h app: leap");
    assert_ts(p.timestamp, "2024-02-29T23:59:59Z");
    // Received on 1 March of a common year: the leap day was last year's.
    let p = parse(
        "<13>Feb 29 12:00:00 h app: leap",
        received("2025-03-01T00:00:05Z"),
        &in_zone("UTC"),
    );
    assert_ts(p.timestamp, "2024-02-29T12:00:00Z");
    assert_eq!(p.message, "leap");
}

#[test]
fn dst_changes_in_the_configured_zone() {
    let berlin = in_zone("Europe/Berlin");
    // 31 March 2024 02:30 does not exist in Berlin: the offset before the change (CET).
    let p = parse(
        "<13>Mar 31 02:30:00 h app: gap",
        received("2024-03-31T06:00:00Z"),
        &berlin,
    );
    assert_ts(p.timestamp, "2024-03-31T02:30:00+01:00");
    assert_eq!(p.message, "gap");
    // 27 October 2024 02:30 happens twice: the first one (CEST).
    let p = parse(
        "<13>Oct 27 02:30:00 h app: twice",
        received("2024-10-27T06:00:00Z"),
        &berlin,
    );
    assert_ts(p.timestamp, "2024-10-27T02:30:00+02:00");
    // A fixed offset.
    let p = parse(
        "<13>Mar  5 19:52:31 h app: m",
        received("2024-03-05T14:30:00Z"),
        &in_zone("+05:30"),
    );
    assert_ts(p.timestamp, "2024-03-05T19:52:31+05:30");
}

#[test]
fn timezone_setting_parsing() {
    assert_eq!("local".parse(), Ok(TimeZoneSetting::Local));
    assert_eq!("UTC".parse(), Ok(TimeZoneSetting::Utc));
    assert_eq!("utc".parse(), Ok(TimeZoneSetting::Utc));
    assert!(matches!(
        "+05:30".parse::<TimeZoneSetting>(),
        Ok(TimeZoneSetting::Fixed(o)) if o.local_minus_utc() == 19_800
    ));
    assert!(matches!(
        "-0800".parse::<TimeZoneSetting>(),
        Ok(TimeZoneSetting::Fixed(o)) if o.local_minus_utc() == -28_800
    ));
    assert_eq!(
        "America/New_York".parse(),
        Ok(TimeZoneSetting::Named(chrono_tz::America::New_York))
    );
    assert_eq!(ParseOptions::default().timezone, TimeZoneSetting::Local);

    let err = |s: &str| s.parse::<TimeZoneSetting>().unwrap_err();
    let e = err("America/New_Yrok");
    assert!(e.contains("unknown time zone \"America/New_Yrok\""), "{e}");
    assert!(e.contains("\"local\"") && e.contains("\"UTC\""), "{e}");
    assert!(
        e.contains("\"America/New_York\"") && e.contains("\"+05:30\""),
        "{e}"
    );
    let e = err("+25:00");
    assert!(e.contains("invalid UTC offset \"+25:00\""), "{e}");
    assert!(e.contains("hours 00-23"), "{e}");
    let e = err("-8");
    assert!(e.contains("invalid UTC offset \"-8\""), "{e}");
    let e = err("");
    assert!(e.contains("empty time zone"), "{e}");
    let e = err("Eastern Time");
    assert!(e.contains("unknown time zone \"Eastern Time\""), "{e}");
}
