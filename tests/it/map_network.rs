//! The `network` family (firewalls, VPN concentrators, routers) and the `cef` family (CEF
//! and LEEF bodies): one test per sender, each asserting every audit field. All fixture
//! lines are written for this file from the vendors' documented formats (documentation
//! addresses, invented users and hosts).

use hipaa_audit::mapping::{cef, network, EventType, Mapped, Mapper};
use hipaa_audit::store::Outcome;

use crate::support::parsed_utc as p;

/// What a line must map to.
struct Want<'a> {
    rule: &'a str,
    event_type: EventType,
    user: Option<&'a str>,
    action: Option<&'a str>,
    resource: Option<&'a str>,
    outcome: Outcome,
    source: Option<&'a str>,
}

#[track_caller]
fn check(got: Option<Mapped>, want: Want) {
    let m = got.expect("the family should recognise this line");
    assert_eq!(m.rule, want.rule);
    assert_eq!(m.event_type, want.event_type, "event_type of {}", m.rule);
    assert_eq!(m.user_id.as_deref(), want.user, "user of {}", m.rule);
    assert_eq!(m.action.as_deref(), want.action, "action of {}", m.rule);
    assert_eq!(
        m.resource.as_deref(),
        want.resource,
        "resource of {}",
        m.rule
    );
    assert_eq!(m.outcome, want.outcome, "outcome of {}", m.rule);
    assert_eq!(
        m.source_address.as_deref(),
        want.source,
        "source of {}",
        m.rule
    );
}

#[track_caller]
fn net(line: &str, want: Want) {
    check(network::map(&p(line)), want);
}

#[track_caller]
fn cef_line(line: &str, want: Want) {
    check(cef::map(&p(line)), want);
}

use EventType::{Access, Admin, Network, Security};
use Outcome::{Failure, Success};

#[test]
fn cisco_asa_aaa_authentication() {
    net(
        "<166>Jun 15 2026 09:01:02: %ASA-6-113004: AAA user authentication Successful : server =  198.51.100.2 : user = alice",
        Want { rule: "network.asa.113004", event_type: Access, user: Some("alice"), action: Some("login"), resource: Some("aaa"), outcome: Success, source: None },
    );
    // A masked user name is no user; the client address is the `user IP`.
    net(
        "<166>Jun 15 2026 09:01:05: %ASA-6-113005: AAA user authentication Rejected : reason = AAA failure : server = 198.51.100.2 : user = ***** : user IP = 203.0.113.44",
        Want { rule: "network.asa.113005", event_type: Access, user: None, action: Some("login"), resource: Some("aaa"), outcome: Failure, source: Some("203.0.113.44") },
    );
    net(
        "<166>Jun 15 2026 09:02:00: %ASA-6-113015: AAA user authentication Rejected : reason = Invalid password : local database : user = bob : user IP = 203.0.113.45",
        Want { rule: "network.asa.113015", event_type: Access, user: Some("bob"), action: Some("login"), resource: Some("aaa"), outcome: Failure, source: Some("203.0.113.45") },
    );
    net(
        "<166>Jun 15 2026 09:04:50: %ASA-6-113006: User 'pavel' locked out on exceeding '3' successive failed authentication attempts",
        Want { rule: "network.asa.113006", event_type: Security, user: Some("pavel"), action: Some("account locked out"), resource: Some("account:pavel"), outcome: Failure, source: None },
    );
}

#[test]
fn cisco_asa_admin_logins_and_commands() {
    net(
        "<166>Jun 15 2026 09:03:00 asa01 : %ASA-6-605005: Login permitted from 192.0.2.50/51514 to inside:192.0.2.1/https for user \"carol\"",
        Want { rule: "network.asa.605005", event_type: Access, user: Some("carol"), action: Some("admin login"), resource: Some("https"), outcome: Success, source: Some("192.0.2.50") },
    );
    net(
        "<166>Jun 15 2026 09:03:30: %ASA-6-605004: Login denied from 203.0.113.60/40022 to outside:198.51.100.1/ssh for user \"dave\"",
        Want { rule: "network.asa.605004", event_type: Access, user: Some("dave"), action: Some("admin login"), resource: Some("ssh"), outcome: Failure, source: Some("203.0.113.60") },
    );
    net(
        "<166>Jun 15 2026 09:04:40: %ASA-6-611102: User authentication failed: IP address: 192.0.2.33, Uname: grace",
        Want { rule: "network.asa.611102", event_type: Access, user: Some("grace"), action: Some("admin login"), resource: Some("management"), outcome: Failure, source: Some("192.0.2.33") },
    );
    net(
        "<165>Jun 15 2026 09:05:00: %ASA-5-111010: User 'grace', running 'CLI' from IP 192.0.2.33, executed 'write memory'",
        Want { rule: "network.asa.111010", event_type: Admin, user: Some("grace"), action: Some("command executed"), resource: Some("write memory"), outcome: Success, source: Some("192.0.2.33") },
    );
    net(
        "<165>Jun 15 2026 09:05:10: %ASA-5-502103: User priv level changed: Uname: grace From: 1 To: 15",
        Want { rule: "network.asa.502103", event_type: Security, user: Some("grace"), action: Some("privilege level changed"), resource: Some("privilege level 15"), outcome: Success, source: None },
    );
    net(
        "<166>Jun 15 2026 09:04:55: %ASA-6-308001: console enable password incorrect for 3 tries (from 192.0.2.34)",
        Want { rule: "network.asa.308001", event_type: Security, user: None, action: Some("authentication failed"), resource: Some("enable"), outcome: Failure, source: Some("192.0.2.34") },
    );
}

#[test]
fn cisco_asa_webvpn_and_anyconnect() {
    net(
        "<166>Jun 15 2026 09:04:00: %ASA-6-716001: Group <GP-Clinic> User <erin> IP <203.0.113.71> WebVPN session started.",
        Want { rule: "network.asa.716001", event_type: Access, user: Some("erin"), action: Some("vpn login"), resource: Some("vpn"), outcome: Success, source: Some("203.0.113.71") },
    );
    net(
        "<164>Jun 15 2026 09:44:00: %ASA-4-716002: Group <GP-Clinic> User <erin> IP <203.0.113.71> WebVPN session terminated: User Requested.",
        Want { rule: "network.asa.716002", event_type: Access, user: Some("erin"), action: Some("vpn logout"), resource: Some("vpn"), outcome: Success, source: Some("203.0.113.71") },
    );
    net(
        "<164>Jun 15 2026 09:04:30: %ASA-4-722051: Group <GP-Clinic> User <frank> IP <203.0.113.72> IPv4 Address <10.20.0.15> IPv6 address <::> assigned to session",
        Want { rule: "network.asa.722051", event_type: Network, user: Some("frank"), action: Some("vpn address assigned"), resource: Some("10.20.0.15"), outcome: Success, source: Some("203.0.113.72") },
    );
    net(
        "<166>Jun 15 2026 09:45:00: %ASA-6-113019: Group = GP-Clinic, Username = frank, IP = 203.0.113.72, Session disconnected. Session Type: SSL, Duration: 0h:41m:02s, Bytes xmt: 1048576, Bytes rcv: 65536, Reason: User Requested",
        Want { rule: "network.asa.113019", event_type: Access, user: Some("frank"), action: Some("vpn logout"), resource: Some("vpn"), outcome: Success, source: Some("203.0.113.72") },
    );
}

#[test]
fn cisco_asa_firewall_events_are_network() {
    net(
        "<164>Jun 15 2026 12:00:03: %ASA-4-106023: Deny tcp src outside:203.0.113.50/4444 dst inside:192.0.2.20/445 by access-group \"outside_access_in\" [0x0, 0x0]",
        Want { rule: "network.asa.event", event_type: Network, user: None, action: None, resource: None, outcome: Failure, source: Some("203.0.113.50") },
    );
}

#[test]
fn cisco_ios_logins_and_config() {
    net(
        "<189>77: *Jun 15 09:05:00.123: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: heidi] [Source: 192.0.2.9] [localport: 22] at 09:05:00 UTC Mon Jun 15 2026",
        Want { rule: "network.ios.login_success", event_type: Access, user: Some("heidi"), action: Some("login"), resource: Some("ssh"), outcome: Success, source: Some("192.0.2.9") },
    );
    net(
        "<188>78: rtr-core-01: *Jun 15 09:05:10.456: %SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: ivan] [Source: 203.0.113.90] [localport: 23] [Reason: Login Authentication Failed] at 09:05:10 UTC Mon Jun 15 2026",
        Want { rule: "network.ios.login_failed", event_type: Access, user: Some("ivan"), action: Some("login"), resource: Some("telnet"), outcome: Failure, source: Some("203.0.113.90") },
    );
    net(
        "<185>79: *Jun 15 09:05:20.000: %SEC_LOGIN-1-QUIET_MODE_ON: Still timeleft for watching failures is 120 secs, [user: ivan] [Source: 203.0.113.90] [localport: 22] [Reason: Login Authentication Failed] [ACL: sl_def_acl] at 09:05:20 UTC Mon Jun 15 2026",
        Want { rule: "network.ios.quiet_mode", event_type: Security, user: Some("ivan"), action: Some("too many authentication failures"), resource: Some("ssh"), outcome: Failure, source: Some("203.0.113.90") },
    );
    net(
        "<189>Jun 15 09:06:00 rtr-core-01 79: %SYS-5-CONFIG_I: Configured from console by heidi on vty0 (192.0.2.9)",
        Want { rule: "network.ios.config", event_type: Admin, user: Some("heidi"), action: Some("configuration changed"), resource: Some("running-config"), outcome: Success, source: Some("192.0.2.9") },
    );
    net(
        "<189>80: Jun 15 09:07:00: %SSH-5-SSH2_USERAUTH: User 'judy' authentication for SSH2 Session from 203.0.113.91 (tty = 0) using crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256' Failed",
        Want { rule: "network.ios.ssh_userauth", event_type: Access, user: Some("judy"), action: Some("login"), resource: Some("ssh"), outcome: Failure, source: Some("203.0.113.91") },
    );
    net(
        "<189>81: Jun 15 09:08:00: %PARSER-5-CFGLOG_LOGGEDCMD: User:heidi  logged command:interface GigabitEthernet0/2",
        Want { rule: "network.ios.command", event_type: Admin, user: Some("heidi"), action: Some("command executed"), resource: Some("interface GigabitEthernet0/2"), outcome: Success, source: None },
    );
}

#[test]
fn fortigate_ssl_vpn_login() {
    net(
        r#"<190>date=2026-06-15 time=09:10:00 devname="fw-east" devid="FG100F0000000002" logid="0101039947" type="event" subtype="vpn" level="information" vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=11 remip=203.0.113.120 tunnelip=10.212.134.200 user="nina" group="clinic-vpn" dst_host="N/A" reason="tunnel established" msg="SSL tunnel established""#,
        Want {
            rule: "network.fortigate.vpn_login",
            event_type: Access,
            user: Some("nina"),
            action: Some("vpn login"),
            resource: Some("vpn"),
            outcome: Success,
            source: Some("203.0.113.120"),
        },
    );
    // Relayed with a header of its own; `N/A` is no user.
    net(
        r#"<185>Jun 15 09:11:05 fwlog01 date=2026-06-15 time=09:11:05 devname="fw-east" logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 remip=203.0.113.122 user="N/A" group="N/A" reason="sslvpn_login_unknown_user" msg="SSL user failed to logged in""#,
        Want {
            rule: "network.fortigate.vpn_login",
            event_type: Access,
            user: None,
            action: Some("vpn login"),
            resource: Some("vpn"),
            outcome: Failure,
            source: Some("203.0.113.122"),
        },
    );
}

#[test]
fn fortigate_admin_login_and_config() {
    net(
        r#"<188>date=2026-06-15 time=09:12:30 devname="fw-east" logid="0100032002" type="event" subtype="system" level="alert" vd="root" logdesc="Admin login failed" sn="0" user="root" ui="ssh(203.0.113.130)" method="ssh" srcip=203.0.113.130 dstip=198.51.100.1 action="login" status="failed" reason="passwd_invalid" msg="Administrator root login failed from ssh(203.0.113.130) because of invalid password""#,
        Want {
            rule: "network.fortigate.admin_login",
            event_type: Access,
            user: Some("root"),
            action: Some("admin login"),
            resource: Some("ssh"),
            outcome: Failure,
            source: Some("203.0.113.130"),
        },
    );
    net(
        r#"<189>date=2026-06-15 time=09:13:00 devname="fw-east" logid="0100044547" type="event" subtype="system" level="information" vd="root" logdesc="Object attribute configured" user="peggy" ui="GUI(192.0.2.15)" action="Edit" cfgtid=1234 cfgpath="firewall.policy" cfgobj="12" cfgattr="status[enable->disable]" msg="Edit firewall.policy 12""#,
        Want {
            rule: "network.fortigate.config",
            event_type: Admin,
            user: Some("peggy"),
            action: Some("configuration changed"),
            resource: Some("firewall.policy 12"),
            outcome: Success,
            source: Some("192.0.2.15"),
        },
    );
    net(
        r#"<189>date=2026-06-15 time=09:14:00 devname="fw-east" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=203.0.113.133 srcport=51000 dstip=192.0.2.80 dstport=3389 action="deny" policyid=0 service="RDP""#,
        Want {
            rule: "network.fortigate.traffic",
            event_type: Network,
            user: None,
            action: Some("deny"),
            resource: Some("192.0.2.80"),
            outcome: Failure,
            source: Some("203.0.113.133"),
        },
    );
}

#[test]
fn paloalto_globalprotect_and_auth() {
    net(
        r#"<14>Jun 15 09:15:00 pa-fw01 1,2026/06/15 09:15:00,013201009999,SYSTEM,globalprotect,0,2026/06/15 09:15:00,,globalprotectgateway-auth-succ,GP-Gateway,0,0,general,informational,"GlobalProtect gateway user authentication succeeded. Login from: 203.0.113.140, Source region: US, User name: quinn, Auth type: profile, Client OS version: Microsoft Windows 11 Pro , 64-bit.",7301,0x0,0,0,0,0,,pa-fw01"#,
        Want {
            rule: "network.paloalto.globalprotect",
            event_type: Access,
            user: Some("quinn"),
            action: Some("vpn login"),
            resource: Some("vpn"),
            outcome: Success,
            source: Some("203.0.113.140"),
        },
    );
    net(
        "<14>Jun 15 09:17:00 pa-fw01 1,2026/06/15 09:17:00,013201009999,GLOBALPROTECT,0,2817,2026/06/15 09:17:00,vsys1,gateway-auth,login,LDAP,,trent,US,LAPTOP-77,203.0.113.150,,10.20.0.31,,a1b2c3d4,PF0ABC12,6.2.1,Windows,\"Microsoft Windows 11 Pro , 64-bit\",1,,,,success,,0,,0,GP-Portal,7304,0x0",
        Want { rule: "network.paloalto.globalprotect", event_type: Access, user: Some("trent"), action: Some("vpn login"), resource: Some("vpn"), outcome: Success, source: Some("203.0.113.150") },
    );
    net(
        "<12>Jun 15 09:16:00 pa-fw01 1,2026/06/15 09:16:00,013201009999,SYSTEM,auth,0,2026/06/15 09:16:00,,auth-fail,,0,0,general,medium,failed authentication for user 'sybil'. Reason: Invalid username/password. From: 192.0.2.66.,7303,0x0,0,0,0,0,,pa-fw01",
        Want { rule: "network.paloalto.auth", event_type: Access, user: Some("sybil"), action: Some("login"), resource: Some("firewall"), outcome: Failure, source: Some("192.0.2.66") },
    );
    net(
        "<14>Jun 15 09:16:30 pa-fw01 1,2026/06/15 09:16:30,013201009999,SYSTEM,general,0,2026/06/15 09:16:30,,general,,0,0,general,informational,User uma logged in via Web from 192.0.2.15 using https,7306,0x0,0,0,0,0,,pa-fw01",
        Want { rule: "network.paloalto.admin_login", event_type: Access, user: Some("uma"), action: Some("admin login"), resource: Some("web"), outcome: Success, source: Some("192.0.2.15") },
    );
}

#[test]
fn paloalto_config_and_traffic() {
    net(
        "<14>Jun 15 09:18:00 pa-fw01 1,2026/06/15 09:18:00,013201009999,CONFIG,0,0,2026/06/15 09:18:00,192.0.2.15,,edit,uma,Web,Succeeded, vsys  vsys1 rulebase security rules allow-ehr,7305,0x0,0,0,0,0,,pa-fw01",
        Want { rule: "network.paloalto.config", event_type: Admin, user: Some("uma"), action: Some("configuration edit"), resource: Some("vsys  vsys1 rulebase security rules allow-ehr"), outcome: Success, source: Some("192.0.2.15") },
    );
    net(
        "<14>Jun 15 09:19:00 pa-fw01 1,2026/06/15 09:19:00,013201009999,TRAFFIC,drop,2561,2026/06/15 09:19:00,203.0.113.155,192.0.2.81,0.0.0.0,0.0.0.0,deny-inbound,,,not-applicable,vsys1,untrust,trust,ethernet1/1,,default,2026/06/15 09:19:00,0,1,51515,3389,0,0,0x0,tcp,deny,60,60,0,1,2026/06/15 09:19:00,0,any,0,7307,0x0",
        Want { rule: "network.paloalto.traffic", event_type: Network, user: None, action: Some("deny"), resource: Some("192.0.2.81"), outcome: Failure, source: Some("203.0.113.155") },
    );
}

#[test]
fn pfsense_and_opnsense_webgui() {
    net(
        "<38>Jun 15 09:20:00 pfsense01 php-fpm[41221]: /index.php: Successful login for user 'victor' from: 192.0.2.77 (Local Database)",
        Want { rule: "network.pfsense.webgui_login", event_type: Access, user: Some("victor"), action: Some("admin login"), resource: Some("webgui"), outcome: Success, source: Some("192.0.2.77") },
    );
    // Read from a file, without PRI: the tag is inside the unparsed line.
    net(
        "Jun 15 09:20:30 pfsense01 php-fpm[41221]: /index.php: webConfigurator authentication error for user 'admin' from: 203.0.113.160",
        Want { rule: "network.pfsense.webgui_failed", event_type: Access, user: Some("admin"), action: Some("admin login"), resource: Some("webgui"), outcome: Failure, source: Some("203.0.113.160") },
    );
    net(
        "<37>1 2026-06-15T09:21:00+00:00 opnsense01.example.net audit 22101 - [meta sequenceId=\"12\"] /index.php: Web GUI authentication error for 'walter' from 203.0.113.161",
        Want { rule: "network.pfsense.webgui_failed", event_type: Access, user: Some("walter"), action: Some("admin login"), resource: Some("webgui"), outcome: Failure, source: Some("203.0.113.161") },
    );
    net(
        "<134>Jun 15 09:21:30 pfsense01 filterlog[6231]: 5,,,1000000103,igb1,match,block,in,4,0x0,,51,0,0,DF,6,tcp,60,203.0.113.162,198.51.100.1,50123,22,0,S,3049575234,,64240,,mss;sackOK;TS;nop;wscale",
        Want { rule: "network.pfsense.filterlog", event_type: Network, user: None, action: Some("block"), resource: Some("198.51.100.1"), outcome: Failure, source: Some("203.0.113.162") },
    );
}

#[test]
fn openvpn_pfsense_auth_script_and_server() {
    net(
        "<37>Jun 15 09:22:00 pfsense01 openvpn[5501]: user 'xena' authenticated",
        Want {
            rule: "network.openvpn.auth",
            event_type: Access,
            user: Some("xena"),
            action: Some("vpn login"),
            resource: Some("vpn"),
            outcome: Success,
            source: None,
        },
    );
    net(
        "<36>Jun 15 09:22:10 pfsense01 openvpn[5501]: user 'yusuf' could not authenticate.",
        Want {
            rule: "network.openvpn.auth_failed",
            event_type: Access,
            user: Some("yusuf"),
            action: Some("vpn login"),
            resource: Some("vpn"),
            outcome: Failure,
            source: None,
        },
    );
    net(
        "<29>Jun 15 09:22:20 vpn01 openvpn[812]: 203.0.113.163:51234 [xena] Peer Connection Initiated with [AF_INET]203.0.113.163:51234",
        Want { rule: "network.openvpn.peer_connected", event_type: Access, user: Some("xena"), action: Some("vpn login"), resource: Some("vpn"), outcome: Success, source: Some("203.0.113.163") },
    );
}

#[test]
fn sonicwall_admin_and_vpn_logins() {
    net(
        r#"<129>id=firewall sn=0040100000AA time="2026-06-15 09:23:00 UTC" fw=198.51.100.1 pri=1 c=32 m=30 msg="Administrator login denied due to bad credentials" n=412 usr="zoe" src=203.0.113.170:51123:X1 dst=198.51.100.1:443:X1"#,
        Want {
            rule: "network.sonicwall.admin_login",
            event_type: Access,
            user: Some("zoe"),
            action: Some("admin login"),
            resource: Some("management"),
            outcome: Failure,
            source: Some("203.0.113.170"),
        },
    );
    net(
        r#"<134>id=firewall sn=0040100000AA time="2026-06-15 09:23:30 UTC" fw=198.51.100.1 pri=6 c=16 m=1080 msg="SSL VPN zone remote user login allowed" n=413 usr="abel" src=203.0.113.171:50123:X1 dst=198.51.100.1:4433:X1 proto=tcp/4433"#,
        Want {
            rule: "network.sonicwall.vpn_login",
            event_type: Access,
            user: Some("abel"),
            action: Some("vpn login"),
            resource: Some("vpn"),
            outcome: Success,
            source: Some("203.0.113.171"),
        },
    );
    net(
        r#"<134>id=firewall sn=0040100000AA time="2026-06-15 09:23:40 UTC" fw=198.51.100.1 pri=5 c=64 m=36 msg="TCP connection dropped" n=415 src=203.0.113.172:4507:X1 dst=198.51.100.1:445:X1 rule=0"#,
        Want {
            rule: "network.sonicwall.event",
            event_type: Network,
            user: None,
            action: None,
            resource: None,
            outcome: Failure,
            source: Some("203.0.113.172"),
        },
    );
}

#[test]
fn junos_ui_events() {
    net(
        "<37>Jun 15 09:25:00 srx01 mgd[4521]: UI_LOGIN_EVENT: User 'cyrus' login, class 'j-super-user' [4521], ssh-connection '198.51.100.200 52001 198.51.100.1 22', client-mode 'cli'",
        Want { rule: "network.junos.login", event_type: Access, user: Some("cyrus"), action: Some("login"), resource: Some("ssh"), outcome: Success, source: Some("198.51.100.200") },
    );
    net(
        "<37>1 2026-06-15T09:26:00.000Z srx01 mgd 4540 UI_LOGIN_EVENT [junos@2636.1.1.1.2.129 username=\"dora\" event-type=\"login\" class-name=\"j-operator\" pid=\"4540\" ssh-connection=\"198.51.100.202 52010 198.51.100.1 22\" client-mode=\"cli\"] User 'dora' login, class 'j-operator' [4540], ssh-connection '198.51.100.202 52010 198.51.100.1 22', client-mode 'cli'",
        Want { rule: "network.junos.login", event_type: Access, user: Some("dora"), action: Some("login"), resource: Some("ssh"), outcome: Success, source: Some("198.51.100.202") },
    );
    net(
        "<38>Jun 15 09:25:30 srx01 sshd[4530]: SSHD_LOGIN_FAILED: Login failed for user 'root' from host '203.0.113.201'",
        Want { rule: "network.junos.login_failed", event_type: Access, user: Some("root"), action: Some("login"), resource: Some("ssh"), outcome: Failure, source: Some("203.0.113.201") },
    );
    net(
        "<37>Jun 15 09:26:30 srx01 mgd[4521]: UI_COMMIT: User 'cyrus' requested 'commit' operation (comment: allow ehr subnet)",
        Want { rule: "network.junos.commit", event_type: Admin, user: Some("cyrus"), action: Some("configuration committed"), resource: Some("configuration"), outcome: Success, source: None },
    );
    net(
        "<14>Jun 15 09:27:00 srx01 RT_FLOW: RT_FLOW_SESSION_DENY: session denied 203.0.113.202/54924->192.0.2.53/53 junos-dns-udp 17(0) default-deny(global) untrust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 UNKNOWN policy deny",
        Want { rule: "network.junos.flow", event_type: Network, user: None, action: Some("session denied"), resource: None, outcome: Failure, source: Some("203.0.113.202") },
    );
}

#[test]
fn netscreen_admin_login() {
    net(
        "<134>Jun 15 09:38:00 ssg01 ssg01: NetScreen device_id=ssg01  [Root]system-warning-00515: Admin user \"quentin\" logged in for Web(https) management (port 443) from 192.0.2.160:51000",
        Want { rule: "network.netscreen.admin_login", event_type: Access, user: Some("quentin"), action: Some("admin login"), resource: Some("web"), outcome: Success, source: Some("192.0.2.160") },
    );
}

#[test]
fn sophos_xg_authentication() {
    net(
        r#"<30>device="SFW" date=2026-06-15 time=09:27:00 timezone="UTC" device_name="XG310" device_id=C01001ABCDEF123 log_id=063010517708 log_type="Event" log_component="SSL VPN Authentication" log_subtype="Authentication" status="Failed" priority=Notice user_name="emil" auth_mechanism="Local" reason="wrong credentials" src_ip=203.0.113.210 message="User emil failed to login to SSL VPN through Local authentication mechanism because of wrong credentials""#,
        Want {
            rule: "network.sophos.vpn_login",
            event_type: Access,
            user: Some("emil"),
            action: Some("vpn login"),
            resource: Some("vpn"),
            outcome: Failure,
            source: Some("203.0.113.210"),
        },
    );
    net(
        r#"<30>device="SFW" date=2026-06-15 time=09:27:30 timezone="UTC" device_name="XG310" log_id=062109517507 log_type="Event" log_component="CLI" log_subtype="Admin" status="Successful" priority=Information user_name="admin" src_ip=192.0.2.16 message="User 'admin' logged in from '192.0.2.16' using ssh""#,
        Want {
            rule: "network.sophos.admin_login",
            event_type: Access,
            user: Some("admin"),
            action: Some("admin login"),
            resource: Some("ssh"),
            outcome: Success,
            source: Some("192.0.2.16"),
        },
    );
}

#[test]
fn mikrotik_logins() {
    net(
        "<134>Jun 15 09:28:00 mt-edge01 system,info,account user fiona logged in from 192.0.2.90 via ssh",
        Want { rule: "network.mikrotik.login", event_type: Access, user: Some("fiona"), action: Some("login"), resource: Some("ssh"), outcome: Success, source: Some("192.0.2.90") },
    );
    net(
        "<131>Jun 15 09:28:30 mt-edge01 system,error,critical login failure for user admin from 203.0.113.211 via winbox",
        Want { rule: "network.mikrotik.login_failed", event_type: Access, user: Some("admin"), action: Some("login"), resource: Some("winbox"), outcome: Failure, source: Some("203.0.113.211") },
    );
}

#[test]
fn netscaler_sslvpn_login() {
    net(
        "<134> 06/15/2026:09:35:00 GMT adc01 0-PPE-0 : default SSLVPN LOGIN 5123 0 : Context noah@203.0.113.240 - SessionId: 42 - User noah - Client_ip 203.0.113.240 - Nat_ip \"Mapped Ip\" - Vserver 198.51.100.10:443 - SSLVPN_client_type ClientlessVPN - Group(s) \"N/A\"",
        Want { rule: "network.netscaler.vpn_login", event_type: Access, user: Some("noah"), action: Some("vpn login"), resource: Some("vpn"), outcome: Success, source: Some("203.0.113.240") },
    );
    net(
        "<134> 06/15/2026:09:35:30 GMT adc01 0-PPE-0 : default AAA LOGIN_FAILED 5124 0 : User noah - Client_ip 203.0.113.241 - Failure_reason \"Invalid credentials\"",
        Want { rule: "network.netscaler.login_failed", event_type: Access, user: Some("noah"), action: Some("vpn login"), resource: Some("vpn"), outcome: Failure, source: Some("203.0.113.241") },
    );
}

#[test]
fn cisco_ise_passed_authentication() {
    net(
        "<181>Jun 15 09:34:00 ise01 CISE_Passed_Authentications 0000123456 1 0 2026-06-15 09:34:00.123 +00:00 0012345678 5200 NOTICE Passed-Authentication: Authentication succeeded, ConfigVersionId=101, Device IP Address=192.0.2.2, UserName=maya, Protocol=Radius, NetworkDeviceName=sw-floor2, ",
        Want { rule: "network.ise.passed", event_type: Access, user: Some("maya"), action: Some("login"), resource: Some("sw-floor2"), outcome: Success, source: None },
    );
}

#[test]
fn vmware_hostd_login() {
    net(
        "<166>2026-06-15T09:36:00.000Z esx01.example.net Hostd: info hostd[2099546] [Originator@6876 sub=Vimsvc.ha-eventmgr] Event 4321 : User root@192.0.2.150 logged in as VMware-client/6.5.0",
        Want { rule: "network.vmware.login", event_type: Access, user: Some("root"), action: Some("login"), resource: Some("esxi"), outcome: Success, source: Some("192.0.2.150") },
    );
    net(
        "<166>2026-06-15T09:36:10.000Z esx01.example.net Hostd: info hostd[2099546] [Originator@6876 sub=Default] Rejected password for user root from 203.0.113.151",
        Want { rule: "network.vmware.login_failed", event_type: Access, user: Some("root"), action: Some("login"), resource: Some("esxi"), outcome: Failure, source: Some("203.0.113.151") },
    );
}

#[test]
fn checkpoint_mobile_access_login() {
    net(
        "<134>1 2026-06-15T09:37:00Z cpgw01 CheckPoint 12345 - [action:\"Log In\"; flags:\"0\"; origin:\"198.51.100.5\"; product:\"Mobile Access\"; user:\"olga\"; src:\"203.0.113.245\"; auth_status:\"Successful Login\"; auth_method:\"Password\"]",
        Want { rule: "network.checkpoint.login", event_type: Access, user: Some("olga"), action: Some("vpn login"), resource: Some("vpn"), outcome: Success, source: Some("203.0.113.245") },
    );
}

#[test]
fn strongswan_eap_authentication() {
    net(
        "<30>1 2026-06-15T09:39:00+00:00 vpn02 charon 1589 - - 07[IKE] <ikev2-eap|12> authentication of 'sasha' with EAP successful",
        Want { rule: "network.strongswan.auth", event_type: Access, user: Some("sasha"), action: Some("vpn login"), resource: Some("vpn"), outcome: Success, source: None },
    );
}

#[test]
fn unrelated_lines_are_declined() {
    for line in [
        "<38>Jun 15 11:58:01 web01 sshd[2211]: Accepted publickey for deploy from 198.51.100.23 port 50122 ssh2",
        "<30>Jun 15 11:59:03 web01 systemd[1]: Started Daily apt download activities (100% done).",
        "<13>1 2026-06-15T12:00:09Z app01 myapp - - - a plain message with no audit meaning, 1,2026 rows",
        "garbage without any header at all",
    ] {
        assert!(network::map(&p(line)).is_none(), "{line}");
        assert!(cef::map(&p(line)).is_none(), "{line}");
    }
}

// ----- CEF / LEEF -----

#[test]
fn cef_generic_vpn_vendor_login() {
    cef_line(
        "<134>CEF:0|Example Corp|SecureGate|4.2|1001|User login|3|suser=gina src=203.0.113.220 outcome=success dhost=gate.example.net",
        Want { rule: "cef.arcsight.login", event_type: Access, user: Some("gina"), action: Some("login"), resource: Some("gate.example.net"), outcome: Success, source: Some("203.0.113.220") },
    );
    // After a syslog prefix, `duser` when there is no `suser`, escaped `=` in a value.
    cef_line(
        r"<132>Jun 15 09:30:00 idp01 CEF:0|Example Corp|Identity Portal|2.0|AUTH_FAIL|Authentication failed|6|duser=hank src=198.51.100.230 outcome=Failure reason=Bad password request=https://portal.example.net/login?next\=/home",
        Want {
            rule: "cef.arcsight.login",
            event_type: Access,
            user: Some("hank"),
            action: Some("login"),
            resource: Some("identity portal"),
            outcome: Failure,
            source: Some("198.51.100.230"),
        },
    );
}

#[test]
fn cef_escaped_header_and_vpn_logout() {
    cef_line(
        r"CEF: 0|Example\|Corp|Remote \\ Access|1.0|42|VPN session logoff|2|suser=ivy src=2001:db8::42 act=logoff",
        Want {
            rule: "cef.arcsight.logout",
            event_type: Access,
            user: Some("ivy"),
            action: Some("vpn logout"),
            resource: Some("vpn"),
            outcome: Success,
            source: Some("2001:db8::42"),
        },
    );
}

#[test]
fn cef_firewall_and_threat_events() {
    cef_line(
        "<134>CEF:0|Example Corp|EdgeWall|7.1|70019|Connection_Discarded|0|src=203.0.113.99 dst=192.0.2.10 spt=51000 dpt=3389 proto=6 act=Discard",
        Want { rule: "cef.arcsight.network", event_type: Network, user: None, action: Some("discard"), resource: Some("192.0.2.10"), outcome: Failure, source: Some("203.0.113.99") },
    );
    cef_line(
        "<132>CEF:0|Example Corp|EdgeWall|7.1|201|Threat Detected and Blocked|8|src=203.0.113.98 dst=192.0.2.11 act=blocked cat=Intrusion Prevention",
        Want { rule: "cef.arcsight.security", event_type: Security, user: None, action: Some("blocked"), resource: Some("192.0.2.11"), outcome: Failure, source: Some("203.0.113.98") },
    );
}

#[test]
fn cef_windows_events_use_the_windows_table() {
    cef_line(
        "<13>Jun 15 09:31:00 wec01 CEF:0|Microsoft|Microsoft Windows||Microsoft-Windows-Security-Auditing:4625|An account failed to log on.|Low|eventId=812345 externalId=4625 cat=Security suser=- duser=irene dntdom=CLINIC src=203.0.113.231 dhost=EHR-APP01.clinic.example cn1Label=LogonType cn1=3 categoryOutcome=/Failure",
        Want { rule: "cef.windows.4625", event_type: Access, user: Some("CLINIC\\irene"), action: Some("login"), resource: Some("windows logon type 3"), outcome: Failure, source: Some("203.0.113.231") },
    );
    // Multi-valued fields (Subject, then Target): the actor is the first, the account the last.
    cef_line(
        r"<13>Jun 15 09:32:00 dc01 CEF:0|Windows|EventLog|unknown|unknown|unknown|5|cs1Label=eventOutcome cs1=Audit Success externalId=4724 duser=itadmin\njack dntdom=CLINIC\nCLINIC deviceFacility=Microsoft Windows security auditing.",
        Want {
            rule: "cef.windows.4724",
            event_type: Admin,
            user: Some("CLINIC\\itadmin"),
            action: Some("password reset"),
            resource: Some("account:CLINIC\\jack"),
            outcome: Success,
            source: None,
        },
    );
    let m = cef::map(&p("<13>CEF:0|Microsoft|Microsoft Windows|10.0|1102|The audit log was cleared.|High|suser=itadmin sntdom=CLINIC")).unwrap();
    assert_eq!(
        (m.rule.as_str(), m.severity, m.user_id.as_deref()),
        ("cef.windows.1102", Some("high"), Some("CLINIC\\itadmin"))
    );
}

#[test]
fn leef_tab_caret_and_pipe_delimiters() {
    cef_line(
        "<13>Jun 15 09:33:00 app01 LEEF:1.0|Example Corp|Records Gateway|3.1|UserLogin|cat=Authentication\tusrName=kara\tsrc=192.0.2.141\toutcome=success",
        Want { rule: "cef.leef.login", event_type: Access, user: Some("kara"), action: Some("login"), resource: Some("records gateway"), outcome: Success, source: Some("192.0.2.141") },
    );
    cef_line(
        "<13>LEEF:2.0|Example Corp|Records Gateway|3.1|UserLoginFailed|^|cat=Authentication^usrName=liam^src=203.0.113.232^result=failure",
        Want { rule: "cef.leef.login", event_type: Access, user: Some("liam"), action: Some("login"), resource: Some("records gateway"), outcome: Failure, source: Some("203.0.113.232") },
    );
    cef_line(
        "<14>Jun 15 09:34:00 pa-fw01 LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|11.1|deny|cat=TRAFFIC|src=203.0.113.233|dst=192.0.2.82|usrName=|action=deny|dstPort=3389",
        Want { rule: "cef.leef.network", event_type: Network, user: None, action: Some("deny"), resource: Some("192.0.2.82"), outcome: Failure, source: Some("203.0.113.233") },
    );
}

/// Through the whole built-in chain: no earlier family takes these lines.
#[test]
fn builtin_dispatch_reaches_network_and_cef() {
    let mapper = Mapper::builtin();
    for (line, rule) in [
        ("<166>Jun 15 2026 12:00:02: %ASA-6-113004: AAA user authentication Successful : server =  198.51.100.2 : user = erin", "network.asa.113004"),
        ("<189>42: *Jun 15 12:00:04.123: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: netops] [Source: 192.0.2.9] [localport: 22] at 12:00:04 UTC Mon Jun 15 2026", "network.ios.login_success"),
        ("<37>Jun 15 09:22:00 pfsense01 openvpn[5501]: user 'xena' authenticated", "network.openvpn.auth"),
        ("<38>Jun 15 09:20:00 pfsense01 php-fpm[41221]: /index.php: Successful login for user 'victor' from: 192.0.2.77 (Local Database)", "network.pfsense.webgui_login"),
        ("<37>1 2026-06-15T09:21:00+00:00 opnsense01 audit 22101 - [meta sequenceId=\"12\"] /index.php: Web GUI authentication error for 'walter' from 203.0.113.161", "network.pfsense.webgui_failed"),
        ("<166>2026-06-15T09:36:00.000Z esx01 Hostd: info hostd[2099546] [Originator@6876 sub=Vimsvc.ha-eventmgr] Event 4321 : User root@192.0.2.150 logged in as VMware-client/6.5.0", "network.vmware.login"),
        ("<134>CEF:0|ExampleVendor|ExampleVPN|2.1|300|User login|5|suser=heidi src=198.51.100.61 outcome=success dhost=vpn.clinic.example", "cef.arcsight.login"),
        ("<13>Jun 15 09:31:00 wec01 CEF:0|Microsoft|Microsoft Windows||Microsoft-Windows-Security-Auditing:4625|An account failed to log on.|Low|externalId=4625 duser=irene dntdom=CLINIC src=203.0.113.231", "cef.windows.4625"),
        ("<13>LEEF:2.0|Example Corp|Records Gateway|3.1|UserLoginFailed|^|usrName=liam^src=203.0.113.232^result=failure", "cef.leef.login"),
    ] {
        assert_eq!(mapper.map(&p(line)).rule, rule, "{line}");
    }
}
