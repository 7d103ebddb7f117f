//! The mapping issue's acceptance, end to end through the real collector: the auth lines
//! of sshd, sudo, Windows 4624/4625 via NXLog and a FortiGate VPN login become entries whose
//! user_id and outcome `hipaa-audit report` counts correctly.

use std::time::Duration;

use serde_json::Value;

use crate::serve_support::{logger_send, send_tcp, send_udp, Server};

const NXLOG_4624: &str = r#"<14>Jun 15 09:00:01 dc01 Security-Auditing: {"EventTime":"2026-06-15 09:00:01","Hostname":"DC01.clinic.example","EventID":4624,"SourceName":"Microsoft-Windows-Security-Auditing","TargetUserName":"dr.lee","TargetDomainName":"CLINIC","LogonType":"2","IpAddress":"192.0.2.58","Channel":"Security"}"#;
const NXLOG_4625: &str = r#"<14>Jun 15 09:00:02 dc01 Security-Auditing: {"EventTime":"2026-06-15 09:00:02","Hostname":"DC01.clinic.example","EventID":4625,"SourceName":"Microsoft-Windows-Security-Auditing","TargetUserName":"dr.lee","TargetDomainName":"CLINIC","LogonType":"3","IpAddress":"203.0.113.40","Status":"0xc000006d","Channel":"Security"}"#;
const FORTIGATE_VPN: &str = r#"<189>date=2026-06-15 time=09:00:03 devname="fw-clinic" devid="FG100F0000000001" logid="0101039424" type="event" subtype="vpn" level="information" vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" remip=203.0.113.12 user="alice" group="staff" reason="tunnel established" msg="SSL tunnel established""#;

#[test]
fn real_sender_auth_lines_are_counted_by_report() {
    let mut server = Server::start(&["--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0"], None);
    let port = server.tcp().port().to_string();
    // sshd and sudo as a Linux host's rsyslog/logger sends them (RFC 3164 over TCP).
    for (tag, msg) in [
        ("sshd[4242]", "Failed password for root from 203.0.113.9 port 50022 ssh2"),
        ("sshd[4242]", "Failed password for root from 203.0.113.9 port 50022 ssh2"),
        ("sshd[4250]", "Accepted publickey for deploy from 198.51.100.23 port 50122 ssh2"),
        ("sudo", "   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart ehr"),
    ] {
        logger_send(&["-n", "127.0.0.1", "-P", &port, "-T", "--rfc3164", "-p", "authpriv.info", "-t", tag, msg]);
    }
    // Windows via NXLog (TCP, LF-framed) and a FortiGate (UDP).
    send_tcp(
        server.tcp(),
        format!("{NXLOG_4624}\n{NXLOG_4625}\n").as_bytes(),
    );
    send_udp(server.udp(), FORTIGATE_VPN.as_bytes());
    server.wait_for("7 entries", Duration::from_secs(20), |es| es.len() >= 7);
    server.stop();
    server.verify();

    let entries = server.entries();
    let by_rule = |rule: &str| -> Vec<&Value> {
        entries
            .iter()
            .filter(|e| e["details"]["mapping_rule"] == rule)
            .collect()
    };
    let ssh_fail = by_rule("linux.sshd.failed_password");
    assert_eq!(ssh_fail.len(), 2, "{entries:#?}");
    assert_eq!(
        (
            ssh_fail[0]["user_id"].as_str(),
            ssh_fail[0]["outcome"].as_str()
        ),
        (Some("root"), Some("failure"))
    );
    assert_eq!(ssh_fail[0]["claimed_source"], "203.0.113.9");
    assert_eq!(
        ssh_fail[0]["source_ip"], "127.0.0.1",
        "the peer is kept apart from the claimed source"
    );
    let win_fail = by_rule("windows.4625");
    assert_eq!(
        (
            win_fail[0]["user_id"].as_str(),
            win_fail[0]["outcome"].as_str()
        ),
        (Some("CLINIC\\dr.lee"), Some("failure"))
    );
    let vpn = by_rule("network.fortigate.vpn_login");
    assert_eq!(
        (
            vpn[0]["user_id"].as_str(),
            vpn[0]["outcome"].as_str(),
            vpn[0]["action"].as_str()
        ),
        (Some("alice"), Some("success"), Some("vpn login"))
    );

    let report: Value = serde_json::from_str(&server.store.ok(&["report"])).unwrap();
    assert_eq!(report["total_entries"], 7);
    assert_eq!(
        report["by_user"],
        serde_json::json!({"CLINIC\\dr.lee": 2, "alice": 1, "deploy": 2, "root": 2})
    );
    assert_eq!(
        report["by_outcome"],
        serde_json::json!({"failure": 3, "success": 4})
    );
    assert_eq!(report["by_type"]["access"], 6);
    assert_eq!(report["by_type"]["security"], 1, "sudo is privilege use");
    // Failed access: the two sshd failures and the Windows 4625.
    let mut failed: Vec<&str> = report["failed_access"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["user"].as_str().unwrap())
        .collect();
    failed.sort_unstable(); // separate connections: arrival order may vary
    assert_eq!(failed, ["CLINIC\\dr.lee", "root", "root"]);
}
