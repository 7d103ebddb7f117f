//! Network appliances: firewalls, VPN concentrators and routers whose logins, admin sessions,
//! VPN sessions and configuration changes an auditor has to see, plus their firewall and
//! system events (claimed as `network` / `system` so they do not end up unclassified).
//!
//! Most of these senders do not write an RFC 3164 tag (see [`crate::parse`]): the body
//! (`%ASA-6-605005: ...`, `date=... logid=...`, `id=firewall sn=...`, `1,2026/01/02 ...`) is
//! in `message` with `app_name` `None`, often after a relay's `Mmm dd hh:mm:ss host` prefix.
//! So each sender is recognised by a marker of its own body, searched once with a prebuilt
//! `memmem` finder in the message's head (its first 256 bytes, 640 for the key=value
//! senders whose marker key may follow others); only a line that has the marker is read
//! further. A few senders are keyed
//! on the tag (`php-fpm`, `openvpn`, `Hostd`), also when the tag is inside an unparsed line.
//!
//! # Senders and rules
//!
//! | sender | marker | rules (`network.<sender>.<case>`) |
//! |---|---|---|
//! | Cisco ASA / PIX / FTD | `%ASA-n-NNNNNN:` | `asa.<id>` for 113004/113012 (AAA login), 113005/113015 (AAA rejected), 113006 (lockout), 113007 (unlock), 113019 (VPN session end), 113039, 716001, 716038/716039 (VPN login), 716002 (VPN logout), 722022/722023/722037/722051 (AnyConnect tunnel), 605004/605005 (admin login), 611101/611102/611103 (admin login / logout), 109005/109006 (cut-through auth), 315011 (SSH session end), 502101/502102 (local user added / deleted), 502103 (privilege level), 111008/111009/111010 (commands), 308001 (enable password), 409023; `asa.event` for every other id |
//! | Cisco IOS / IOS-XE | `%FAC-n-MNEMONIC:` | `ios.login_success`, `ios.login_failed`, `ios.quiet_mode`, `ios.ssh_userauth`, `ios.ssh_close`, `ios.logout`, `ios.config`, `ios.command`, `ios.reload`, `ios.acl`, `ios.event` |
//! | Fortinet FortiGate | `logid=` | `fortigate.vpn_login`, `fortigate.vpn_logout`, `fortigate.vpn`, `fortigate.admin_login`, `fortigate.admin_logout`, `fortigate.lockout`, `fortigate.config`, `fortigate.user_login`, `fortigate.user_logout`, `fortigate.traffic`, `fortigate.utm`, `fortigate.event` |
//! | Palo Alto PAN-OS (CSV) | `1,YYYY/MM/DD hh:mm:ss,SERIAL,TYPE,` | `paloalto.auth`, `paloalto.admin_login`, `paloalto.admin_logout`, `paloalto.globalprotect`, `paloalto.config`, `paloalto.traffic`, `paloalto.threat`, `paloalto.system` |
//! | pfSense / OPNsense web GUI | `.php: ` | `pfsense.webgui_login`, `pfsense.webgui_failed`, `pfsense.webgui_logout` |
//! | OpenVPN (pfSense auth script and the server itself) | tag `openvpn` | `openvpn.auth`, `openvpn.auth_failed`, `openvpn.peer_connected`, `openvpn.client_exit`, `openvpn.event` |
//! | SonicWall | `id=... sn=...` | `sonicwall.admin_login`, `sonicwall.vpn_login`, `sonicwall.user_login`, `sonicwall.logout`, `sonicwall.lockout`, `sonicwall.event` |
//! | Sophos XG / SFOS | `log_component=` | `sophos.vpn_login`, `sophos.login`, `sophos.logout`, `sophos.admin_login`, `sophos.config`, `sophos.event` |
//! | Juniper Junos | tag `UI_*`, `SSHD_LOGIN_FAILED`, `LOGIN_*`, `RT_*` (also as RFC 5424 MSGID) | `junos.login`, `junos.logout`, `junos.auth`, `junos.login_failed`, `junos.commit`, `junos.config`, `junos.command`, `junos.ui`, `junos.flow`, `junos.ids` |
//! | Juniper ScreenOS (NetScreen) | `NetScreen device_id=` | `netscreen.admin_login`, `netscreen.admin_logout`, `netscreen.config`, `netscreen.traffic`, `netscreen.event` |
//! | MikroTik RouterOS | topics `system,...` / `firewall,...` | `mikrotik.login`, `mikrotik.logout`, `mikrotik.login_failed`, `mikrotik.config`, `mikrotik.firewall` |
//! | Citrix NetScaler / ADC | ` : default ` | `netscaler.vpn_login`, `netscaler.login_failed`, `netscaler.vpn_logout`, `netscaler.admin_login`, `netscaler.command`, `netscaler.event` |
//! | Cisco ISE | `CISE_` | `ise.passed`, `ise.failed`, `ise.admin_login`, `ise.event` |
//! | VMware ESXi / vCenter | tag `Hostd` / `hostd` / `vpxd` | `vmware.login`, `vmware.login_failed`, `vmware.logout` |
//! | Check Point (Log Exporter) | `action:"` with `origin:"`, `product:"` or ` CheckPoint ` | `checkpoint.login`, `checkpoint.logout`, `checkpoint.firewall`, `checkpoint.security` |
//! | pfSense / OPNsense `filterlog` | tag `filterlog` | `pfsense.filterlog` |
//! | UniFi gateway firewall | `DESCR="` with `IN=` / `SRC=` | `unifi.firewall` |
//! | strongSwan | tag `charon` | `strongswan.auth`, `strongswan.auth_failed`, `strongswan.eap_identity`, `strongswan.ike_established`, `strongswan.event` |
//!
//! # Vocabulary
//!
//! VPN logins and logouts are `access` with action `vpn login` / `vpn logout` and resource
//! `vpn`; VPN tunnels without a login (AnyConnect SVC channels, site-to-site IPsec) are
//! `network`. Logins to the appliance's management (SSH, HTTPS, console) are `access` with
//! action `admin login` and the management protocol as resource (`ssh`, `https`,
//! `console`); logins of users authenticating *through* the firewall are `login`.
//! Configuration changes and commands are `admin`; lockouts, privilege level changes and
//! repeated failures `security`; traffic decisions `network` (allow: success, deny / drop:
//! failure); IPS / threat events `security`. A masked user (`*****`, `N/A`) is no user.
//! The source address is the client's address as the message names it, never the
//! appliance's own.
//!
//! Not claimed: `sshd` lines of pfSense / OPNsense / UniFi (they are OpenSSH, the linux
//! family's; Junos' `sshd` tag is read only for its `SSHD_LOGIN_FAILED` event) and Linux
//! kernel netfilter lines without a UniFi `DESCR`.

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use super::{text, EventType, Mapped};
use crate::parse::{Format, Parsed};
use crate::store::Outcome;

pub fn map(p: &Parsed) -> Option<Mapped> {
    let msg: &str = &p.message;
    // The tag: the parsed one, or the one inside an unparsed `Mmm dd hh:mm:ss host tag: ` line.
    let (app, body) = match p.app_name.as_deref() {
        Some(a) => (Some(a), msg),
        None if p.format == Format::Unparsed => match unparsed_tag(msg) {
            Some((a, b)) => (Some(a), b),
            None => (None, msg),
        },
        None => (None, msg),
    };
    if let Some(app) = app {
        if let Some(m) = by_app(app, body) {
            return Some(m);
        }
    }
    if let Some(id) = p.msgid.as_deref() {
        if is_junos_tag(id) {
            if let Some(m) = junos(id, msg.trim_start_matches(": "), msg) {
                return Some(m);
            }
        }
    }
    by_body(msg)
}

// ---------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------

fn by_app(app: &str, body: &str) -> Option<Mapped> {
    match app {
        "php-fpm" | "php" | "php-cgi" | "audit" | "lighttpd" => pfsense(body),
        "openvpn" | "openvpn-server" | "ovpn-server" => Some(openvpn(body)),
        "Hostd" | "hostd" | "vpxd" | "hostd-probe" | "Vpxd" => vmware(body),
        "filterlog" => filterlog(body),
        "charon" | "charon-systemd" | "ipsec" | "strongswan" => Some(strongswan(body)),
        _ => None,
    }
}

struct Markers {
    logid: Finder<'static>,
    sn: Finder<'static>,
    sophos: Finder<'static>,
    pa: Finder<'static>,
    php: Finder<'static>,
    netscreen: Finder<'static>,
    ise: Finder<'static>,
    netscaler: Finder<'static>,
    checkpoint: Finder<'static>,
    descr: Finder<'static>,
    ui: Finder<'static>,
    login: Finder<'static>,
    rt: Finder<'static>,
}

static MARKERS: LazyLock<Markers> = LazyLock::new(|| Markers {
    logid: Finder::new("logid="),
    sn: Finder::new(" sn="),
    sophos: Finder::new("log_component="),
    pa: Finder::new("1,20"),
    php: Finder::new(".php: "),
    netscreen: Finder::new("NetScreen device_id="),
    ise: Finder::new("CISE_"),
    netscaler: Finder::new(" : default "),
    checkpoint: Finder::new("action:\""),
    descr: Finder::new("DESCR=\""),
    ui: Finder::new("UI_"),
    login: Finder::new("LOGIN_"),
    rt: Finder::new("RT_"),
});

/// How far into a message a sender's marker is looked for. The markers of these senders
/// stand at the start of their body, after at most a relay's syslog header; searching only
/// the head keeps the decline cost flat for long messages of other families.
const HEAD: usize = 256;
/// Key=value senders whose marker key may come after a few others.
const KV_HEAD: usize = 640;

/// The first `n` bytes of `s` (shortened to a character boundary).
fn head(s: &str, n: usize) -> &str {
    let mut n = n.min(s.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

fn by_body(msg: &str) -> Option<Mapped> {
    let h = head(msg, HEAD);
    let hb = h.as_bytes();
    let kb = head(msg, KV_HEAD).as_bytes();
    let mk = &*MARKERS;
    if memchr::memchr(b'%', hb).is_some() {
        if let Some(m) = cisco(msg) {
            return Some(m);
        }
    }
    if memchr::memchr(b'=', kb).is_some() {
        if mk.logid.find(kb).is_some() {
            if let Some(m) = fortigate(msg) {
                return Some(m);
            }
        }
        if mk.sn.find(hb).is_some() {
            if let Some(m) = sonicwall(msg) {
                return Some(m);
            }
        }
        if mk.sophos.find(kb).is_some() {
            if let Some(m) = sophos(msg) {
                return Some(m);
            }
        }
        if mk.descr.find(hb).is_some() {
            if let Some(m) = unifi_firewall(msg) {
                return Some(m);
            }
        }
    }
    if let Some(at) = mk.pa.find(hb) {
        if let Some(m) = paloalto(msg, at) {
            return Some(m);
        }
    }
    if memchr::memchr(b'_', hb).is_some() {
        if let Some((tag, rest)) = find_junos_tag(h) {
            // `rest` ends where the head does: take the same text up to the message's end
            let rest_start = h.len() - rest.len();
            if let Some(m) = junos(tag, &msg[rest_start..], msg) {
                return Some(m);
            }
        }
        if mk.ise.find(hb).is_some() {
            if let Some(m) = ise(msg) {
                return Some(m);
            }
        }
    }
    if let Some(at) = mk.php.find(hb) {
        if let Some(m) = pfsense(&msg[at..]) {
            return Some(m);
        }
    }
    if let Some(at) = mk.netscreen.find(hb) {
        return Some(netscreen(&msg[at..]));
    }
    if let Some(at) = mk.netscaler.find(hb) {
        if let Some(m) = netscaler(&msg[at + 11..]) {
            return Some(m);
        }
    }
    if mk.checkpoint.find(kb).is_some() {
        if let Some(m) = checkpoint(msg) {
            return Some(m);
        }
    }
    if memchr::memchr(b',', hb).is_some() {
        if let Some(m) = mikrotik(msg) {
            return Some(m);
        }
    }
    None
}

/// `Mmm dd hh:mm:ss host tag[pid]: body` or `ISO-TIME host tag: body` at the start of an
/// unparsed line: `(tag, body)`.
fn unparsed_tag(msg: &str) -> Option<(&str, &str)> {
    let s = msg.trim_start();
    let first = s.as_bytes().first()?;
    let rest = if first.is_ascii_uppercase() {
        // Mmm dd hh:mm:ss
        if !s.get(..3)?.bytes().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        let rest = s.get(3..)?.trim_start();
        let rest = rest.split_once(' ')?.1.trim_start(); // day
        let (time, rest) = rest.split_once(' ')?;
        if time.len() < 8 || time.as_bytes()[2] != b':' {
            return None;
        }
        rest
    } else if first.is_ascii_digit() {
        let (ts, rest) = s.split_once(' ')?;
        if !ts.contains('T') && !ts.contains(':') {
            return None;
        }
        rest
    } else {
        return None;
    };
    let (_host, rest) = rest.trim_start().split_once(' ')?;
    // `tag:` or `tag[pid]:` as the next word
    let (word, body) = rest.split_once(' ')?;
    let tag = word.strip_suffix(':')?.split('[').next()?;
    let ok = !tag.is_empty()
        && tag
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'));
    ok.then_some((tag, body))
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// A user name as written, or `None` for the placeholders senders use for "no user".
fn user_name(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches([',', ';', '.']).trim();
    let placeholder = s.is_empty()
        || s == "-"
        || s.eq_ignore_ascii_case("n/a")
        || s.eq_ignore_ascii_case("(null)")
        || s.eq_ignore_ascii_case("undef")
        || s.eq_ignore_ascii_case("<unknown>")
        || s.bytes().all(|c| c == b'*');
    (!placeholder).then(|| s.to_owned())
}

/// An address as the message writes it: `203.0.113.5`, `203.0.113.5/51234` (ASA),
/// `outside:203.0.113.5/22`, `203.0.113.5:51234`, `[2001:db8::1]:22`, `(203.0.113.5)`,
/// `[AF_INET]203.0.113.5:1194`; IPv4-mapped IPv6 becomes IPv4.
fn addr(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s
        .strip_prefix("[AF_INET]")
        .or_else(|| s.strip_prefix("[AF_INET6]"))
        .unwrap_or(s);
    let s = s.trim_matches(|c| matches!(c, '\'' | '"' | '<' | '>' | '(' | ')' | ',' | ';'));
    let s = s.split('/').next().unwrap_or(s);
    if s.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(s.to_owned()); // already canonical: no formatting
    }
    let ip = text::ip(s).or_else(|| {
        // `interface:address`
        let (_, after) = s.split_once(':')?;
        text::ip(after)
    })?;
    Some(norm_ip(ip))
}

fn norm_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// The address written right after `marker`.
fn addr_after(s: &str, marker: &str) -> Option<String> {
    let rest = &s[s.find(marker)? + marker.len()..];
    token(rest).and_then(addr)
}

/// The next token of `s`: the content of a quoted (`'x'`, `"x"`, `<x>`, `[x]`, `“x”`) value,
/// else the word up to white space or a comma.
fn token(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let close = match s.chars().next()? {
        '\'' => '\'',
        '"' => '"',
        '<' => '>',
        '[' => ']',
        '“' => '”',
        _ => {
            let end = s
                .find(|c: char| c.is_whitespace() || c == ',')
                .unwrap_or(s.len());
            let w = &s[..end];
            return (!w.is_empty()).then_some(w);
        }
    };
    let open_len = s.chars().next()?.len_utf8();
    let rest = &s[open_len..];
    let end = rest.find(close).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The token right after `marker`.
fn token_after<'a>(s: &'a str, marker: &str) -> Option<&'a str> {
    token(&s[s.find(marker)? + marker.len()..])
}

/// Case-insensitive ASCII `find`.
fn find_ci(h: &str, n: &str) -> Option<usize> {
    let (hb, nb) = (h.as_bytes(), n.as_bytes());
    let first = *nb.first()?;
    if nb.len() > hb.len() {
        return None;
    }
    let last_start = hb.len() - nb.len();
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        &hb[..=last_start],
    )
    .find(|&i| hb[i..i + nb.len()].eq_ignore_ascii_case(nb))
}

/// Text after the first case-insensitive `marker`.
fn after_ci<'a>(h: &'a str, n: &str) -> Option<&'a str> {
    find_ci(h, n).map(|i| &h[i + n.len()..])
}

fn with_user(m: Mapped, u: Option<String>) -> Mapped {
    match u {
        Some(u) => m.user(u),
        None => m,
    }
}

fn with_source(m: Mapped, a: Option<String>) -> Mapped {
    match a {
        Some(a) => m.source(a),
        None => m,
    }
}

fn with_resource(m: Mapped, r: Option<String>) -> Mapped {
    match r {
        Some(r) => m.resource(r),
        None => m,
    }
}

fn rule(sender: &str, case: &str) -> String {
    ["network.", sender, ".", case].concat()
}

/// A login-shaped mapping.
fn login(
    sender: &str,
    case: &str,
    action: &str,
    resource: Option<&str>,
    outcome: Outcome,
) -> Mapped {
    let m = Mapped::new(EventType::Access, rule(sender, case))
        .action(action)
        .outcome(outcome);
    with_resource(m, resource.map(str::to_owned))
}

/// Outcome words used by many senders.
fn outcome_word(s: &str) -> Outcome {
    let l = s.trim().to_ascii_lowercase();
    match l.as_str() {
        "success" | "successful" | "succeeded" | "succeed" | "ok" | "accept" | "accepted"
        | "allow" | "allowed" | "permit" | "permitted" | "pass" | "passed" | "logon" | "login"
        | "connected" | "established" | "true" => Outcome::Success,
        "fail" | "failed" | "failure" | "error" | "deny" | "denied" | "drop" | "dropped"
        | "block" | "blocked" | "reject" | "rejected" | "reset-both" | "reset-client"
        | "reset-server" | "refuse" | "refused" | "discard" | "false" | "timeout" => {
            Outcome::Failure
        }
        _ => {
            if l.contains("fail")
                || l.contains("error")
                || l.contains("denied")
                || l.contains("reject")
            {
                Outcome::Failure
            } else if l.starts_with("success") {
                Outcome::Success
            } else {
                Outcome::Unknown
            }
        }
    }
}

/// The management protocol a local port number stands for.
fn port_service(port: &str) -> String {
    match port.trim() {
        "22" => "ssh".into(),
        "23" => "telnet".into(),
        "80" => "http".into(),
        "443" => "https".into(),
        "" => "vty".into(),
        p => super::join(&["port ", p]),
    }
}

// ---------------------------------------------------------------------------------------
// Cisco ASA / IOS
// ---------------------------------------------------------------------------------------

/// `%FACILITY-SEVERITY-MNEMONIC:` at `s` (after the `%`): (facility, mnemonic, body).
fn cisco_tag(s: &str) -> Option<(&str, &str, &str)> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_uppercase() {
        return None;
    }
    let fac_end = b
        .iter()
        .position(|&c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'))?;
    if b.get(fac_end) != Some(&b'-')
        || !b.get(fac_end + 1)?.is_ascii_digit()
        || b.get(fac_end + 2) != Some(&b'-')
    {
        return None;
    }
    let mn_start = fac_end + 3;
    let mn_len = b[mn_start..]
        .iter()
        .position(|&c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'))
        .unwrap_or(b.len() - mn_start);
    if mn_len == 0 {
        return None;
    }
    let after = mn_start + mn_len;
    match b.get(after) {
        Some(b':') | Some(b' ') | None => {}
        _ => return None,
    }
    let body = s[after..].trim_start_matches(':').trim();
    Some((&s[..fac_end], &s[mn_start..after], body))
}

fn cisco(msg: &str) -> Option<Mapped> {
    for pos in memchr::memchr_iter(b'%', msg.as_bytes()) {
        if let Some((fac, mnemonic, body)) = cisco_tag(&msg[pos + 1..]) {
            return Some(match fac {
                "ASA" | "PIX" | "FTD" | "FWSM" => match mnemonic.parse::<u32>() {
                    Ok(id) => asa(id, body),
                    Err(_) => ios(fac, mnemonic, body),
                },
                _ => ios(fac, mnemonic, body),
            });
        }
    }
    None
}

/// `Group <g> User <u> IP <a>` (or without angle brackets): (user, address).
fn asa_group_user_ip(body: &str) -> (Option<String>, Option<String>) {
    let user = token_after(body, "User ").and_then(user_name);
    let ip = addr_after(body, " IP ");
    (user, ip)
}

/// The value after `key` up to `:` / `,` / end, e.g. `user = alice : ...`.
fn asa_value(body: &str, key: &str) -> Option<String> {
    let rest = after_ci(body, key)?.trim_start();
    let end = rest.find([':', ',']).unwrap_or(rest.len());
    user_name(&rest[..end])
}

fn asa(id: u32, body: &str) -> Mapped {
    let idr = || format!("network.asa.{id}");
    match id {
        113004 | 113012 | 113008 => {
            let action = if contains_ci(body, "authorization") {
                "authorization"
            } else {
                "login"
            };
            let m = Mapped::new(EventType::Access, idr())
                .action(action)
                .resource("aaa")
                .outcome(Outcome::Success);
            with_source(
                with_user(m, asa_value(body, "user = ")),
                addr_after(body, "user IP = "),
            )
        }
        113005 | 113015 => {
            let m = Mapped::new(EventType::Access, idr())
                .action("login")
                .resource("aaa")
                .outcome(Outcome::Failure);
            with_source(
                with_user(m, asa_value(body, "user = ")),
                addr_after(body, "user IP = "),
            )
        }
        113006 => {
            let u = token_after(body, "User ").and_then(user_name);
            let m = Mapped::new(EventType::Security, idr())
                .action("account locked out")
                .outcome(Outcome::Failure);
            let res = u.as_ref().map(|u| super::join(&["account:", u]));
            with_resource(with_user(m, u), res)
        }
        113007 => {
            let target = token_after(body, "User ").and_then(user_name);
            let by = token_after(body, " by ").and_then(user_name);
            let m = Mapped::new(EventType::Admin, idr())
                .action("account unlocked")
                .outcome(Outcome::Success);
            with_resource(
                with_user(m, by),
                target.map(|t| super::join(&["account:", &t])),
            )
        }
        113019 => {
            let m = login(
                "asa",
                &id.to_string(),
                "vpn logout",
                Some("vpn"),
                Outcome::Success,
            );
            with_source(
                with_user(m, asa_value(body, "Username = ")),
                addr_after(body, " IP = "),
            )
        }
        113039 | 716001 => {
            let (u, ip) = asa_group_user_ip(body);
            with_source(
                with_user(
                    login(
                        "asa",
                        &id.to_string(),
                        "vpn login",
                        Some("vpn"),
                        Outcome::Success,
                    ),
                    u,
                ),
                ip,
            )
        }
        716002 => {
            let (u, ip) = asa_group_user_ip(body);
            with_source(
                with_user(
                    login(
                        "asa",
                        &id.to_string(),
                        "vpn logout",
                        Some("vpn"),
                        Outcome::Success,
                    ),
                    u,
                ),
                ip,
            )
        }
        716038 | 716039 => {
            let (u, ip) = asa_group_user_ip(body);
            let o = if id == 716038 {
                Outcome::Success
            } else {
                Outcome::Failure
            };
            with_source(
                with_user(
                    login("asa", &id.to_string(), "vpn login", Some("vpn"), o),
                    u,
                ),
                ip,
            )
        }
        722022 | 722023 | 722037 | 722051 => {
            let (u, ip) = asa_group_user_ip(body);
            let (action, res) = match id {
                722022 => ("vpn tunnel up", None),
                722051 => ("vpn address assigned", addr_after(body, "IPv4 Address ")),
                _ => ("vpn tunnel down", None),
            };
            let m = Mapped::new(EventType::Network, idr())
                .action(action)
                .outcome(Outcome::Success);
            with_resource(with_source(with_user(m, u), ip), res)
        }
        605004 | 605005 => {
            // Login denied from 198.51.100.7/52000 to outside:192.0.2.1/ssh for user "alice"
            let o = if id == 605005 {
                Outcome::Success
            } else {
                Outcome::Failure
            };
            let service = body
                .split(" for user")
                .next()
                .and_then(|s| s.rsplit_once('/'))
                .map(|(_, svc)| svc.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty() && !s.contains(' '));
            let m = Mapped::new(EventType::Access, idr())
                .action("admin login")
                .outcome(o);
            let m = with_resource(m, service);
            let m = with_user(m, token_after(body, "for user ").and_then(user_name));
            with_source(m, addr_after(body, "from "))
        }
        611101 | 611102 => {
            let o = if id == 611101 {
                Outcome::Success
            } else {
                Outcome::Failure
            };
            let m = Mapped::new(EventType::Access, idr())
                .action("admin login")
                .resource("management")
                .outcome(o);
            with_source(
                with_user(m, asa_value(body, "Uname: ")),
                addr_after(body, "IP address: "),
            )
        }
        611103 => {
            let m = Mapped::new(EventType::Access, idr())
                .action("logout")
                .resource("management")
                .outcome(Outcome::Success);
            with_user(m, asa_value(body, "Uname: "))
        }
        109005 | 109006 => {
            let o = if id == 109005 {
                Outcome::Success
            } else {
                Outcome::Failure
            };
            let m = Mapped::new(EventType::Access, idr())
                .action("login")
                .resource("aaa")
                .outcome(o);
            with_source(
                with_user(m, token_after(body, "for user ").and_then(user_name)),
                addr_after(body, " from "),
            )
        }
        315011 => {
            let m = Mapped::new(EventType::Access, idr())
                .action("logout")
                .resource("ssh")
                .outcome(Outcome::Success);
            with_source(
                with_user(m, token_after(body, "for user ").and_then(user_name)),
                addr_after(body, "from "),
            )
        }
        502101 | 502102 => {
            let action = if id == 502101 {
                "account created"
            } else {
                "account deleted"
            };
            let target = token_after(body, "Uname: ").and_then(user_name);
            let m = Mapped::new(EventType::Admin, idr())
                .action(action)
                .outcome(Outcome::Success);
            with_resource(m, target.map(|t| super::join(&["account:", &t])))
        }
        502103 => {
            let level = token_after(body, "To: ").map(|l| super::join(&["privilege level ", l]));
            let m = Mapped::new(EventType::Security, idr())
                .action("privilege level changed")
                .outcome(Outcome::Success);
            with_resource(
                with_user(m, token_after(body, "Uname: ").and_then(user_name)),
                level,
            )
        }
        111008..=111010 => {
            // User 'alice' executed the 'enable' command. / User 'alice' executed cmd: show run
            // / User 'alice', running 'CLI' from IP 192.0.2.4, executed 'write memory'
            let user = token_after(body, "User ")
                .map(|u| u.trim_end_matches(','))
                .and_then(user_name);
            let cmd = if let Some(rest) = body.split_once("executed cmd:").map(|(_, r)| r) {
                Some(rest.trim().trim_end_matches('.').to_owned())
            } else if let Some(rest) = body.split_once("executed the ").map(|(_, r)| r) {
                token(rest).map(str::to_owned)
            } else {
                body.split_once("executed ")
                    .and_then(|(_, r)| token(r))
                    .map(str::to_owned)
            };
            let m = Mapped::new(EventType::Admin, idr())
                .action("command executed")
                .outcome(Outcome::Success);
            with_source(
                with_resource(with_user(m, user), cmd),
                addr_after(body, "from IP "),
            )
        }
        308001 => {
            let src = addr_after(body, "(remote ").or_else(|| addr_after(body, "(from "));
            let m = Mapped::new(EventType::Security, idr())
                .action("authentication failed")
                .resource("enable")
                .outcome(Outcome::Failure);
            with_source(m, src)
        }
        409023 => {
            let m = Mapped::new(EventType::System, idr()).action("aaa fallback");
            with_user(m, token_after(body, "for user ").and_then(user_name))
        }
        _ => asa_generic(id, body),
    }
}

fn asa_generic(id: u32, body: &str) -> Mapped {
    let class = id / 1000;
    let event_type = match class {
        105 | 199 | 211 | 321 | 323 | 405 | 411 | 444 | 505 | 711 | 718 | 747 | 771 => {
            EventType::System
        }
        338 | 400 | 401 | 420 | 434 | 733 => EventType::Security,
        111 | 502 => EventType::Admin,
        113 | 605 | 611 | 716 => EventType::Access,
        _ => EventType::Network,
    };
    let outcome = if event_type == EventType::Network {
        let l = body.get(..40).unwrap_or(body);
        if contains_ci(l, "deny")
            || contains_ci(l, "denied")
            || contains_ci(l, "drop")
            || contains_ci(l, "discard")
        {
            Outcome::Failure
        } else if l.starts_with("Built") || l.starts_with("Teardown") || contains_ci(l, "permitted")
        {
            Outcome::Success
        } else {
            Outcome::Unknown
        }
    } else {
        Outcome::Unknown
    };
    let m = Mapped::new(event_type, rule("asa", "event")).outcome(outcome);
    let user =
        asa_value(body, "username = ").or_else(|| token_after(body, "Uname: ").and_then(user_name));
    let src = if event_type == EventType::Network {
        addr_after(body, "from ").or_else(|| addr_after(body, "src "))
    } else {
        None
    };
    with_source(with_user(m, user), src)
}

/// Case-insensitive ASCII `contains` (a `memchr2` for the first byte, then a compare).
fn contains_ci(h: &str, n: &str) -> bool {
    n.is_empty() || find_ci(h, n).is_some()
}

/// `[key: value]` of IOS SEC_LOGIN messages.
fn bracket_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    let rest = &body[body.find(key)? + key.len()..];
    let end = rest.find(']')?;
    Some(rest[..end].trim())
}

fn ios(fac: &str, mnemonic: &str, body: &str) -> Mapped {
    let r = |case: &str| rule("ios", case);
    match (fac, mnemonic) {
        ("SEC_LOGIN", "LOGIN_SUCCESS")
        | ("SEC_LOGIN", "LOGIN_FAILED")
        | ("SEC_LOGIN", "QUIET_MODE_ON") => {
            let user = bracket_value(body, "[user: ").and_then(user_name);
            let src = bracket_value(body, "[Source: ").and_then(addr);
            let service = bracket_value(body, "[localport: ").map(port_service);
            let m = match mnemonic {
                "LOGIN_SUCCESS" => Mapped::new(EventType::Access, r("login_success"))
                    .action("login")
                    .outcome(Outcome::Success),
                "LOGIN_FAILED" => Mapped::new(EventType::Access, r("login_failed"))
                    .action("login")
                    .outcome(Outcome::Failure),
                _ => Mapped::new(EventType::Security, r("quiet_mode"))
                    .action("too many authentication failures")
                    .outcome(Outcome::Failure),
            };
            with_resource(with_source(with_user(m, user), src), service)
        }
        ("SSH", "SSH2_USERAUTH") => {
            let o = if contains_ci(body, "Succeeded") {
                Outcome::Success
            } else if contains_ci(body, "Failed") {
                Outcome::Failure
            } else {
                Outcome::Unknown
            };
            let m = Mapped::new(EventType::Access, r("ssh_userauth"))
                .action("login")
                .resource("ssh")
                .outcome(o);
            with_source(
                with_user(m, token_after(body, "User ").and_then(user_name)),
                addr_after(body, " from "),
            )
        }
        ("SSH", "SSH2_CLOSE") => {
            let m = Mapped::new(EventType::Access, r("ssh_close"))
                .action("logout")
                .resource("ssh")
                .outcome(Outcome::Success);
            with_source(
                with_user(m, token_after(body, "for user ").and_then(user_name)),
                addr_after(body, " from "),
            )
        }
        ("SYS", "LOGOUT") => {
            // User bob has exited tty session 2(192.0.2.9)
            let src = body.rfind('(').and_then(|i| addr(&body[i..]));
            let m = Mapped::new(EventType::Access, r("logout"))
                .action("logout")
                .outcome(Outcome::Success);
            with_source(
                with_user(m, token_after(body, "User ").and_then(user_name)),
                src,
            )
        }
        ("SYS", "CONFIG_I") => {
            // Configured from console by bob on vty0 (192.0.2.9)
            let by = token_after(body, " by ")
                .and_then(user_name)
                .filter(|u| u != "console" && u != "vty0");
            let src = body.rfind('(').and_then(|i| addr(&body[i..]));
            let m = Mapped::new(EventType::Admin, r("config"))
                .action("configuration changed")
                .resource("running-config")
                .outcome(Outcome::Success);
            with_source(with_user(m, by), src)
        }
        ("SYS", "RELOAD") => {
            let m = Mapped::new(EventType::System, r("reload"))
                .action("reload")
                .resource("device");
            with_user(m, token_after(body, " by ").and_then(user_name))
        }
        ("PARSER", "CFGLOG_LOGGEDCMD") => {
            // User:bob  logged command:interface GigabitEthernet0/1
            let user = body
                .strip_prefix("User:")
                .and_then(token)
                .and_then(user_name);
            let cmd = body
                .split_once("logged command:")
                .map(|(_, c)| c.trim().to_owned())
                .filter(|c| !c.is_empty());
            let m = Mapped::new(EventType::Admin, r("command"))
                .action("command executed")
                .outcome(Outcome::Success);
            with_resource(with_user(m, user), cmd)
        }
        ("SEC", m) if m.starts_with("IPACCESSLOG") => {
            let o = if body.contains(" denied ") {
                Outcome::Failure
            } else if body.contains(" permitted ") {
                Outcome::Success
            } else {
                Outcome::Unknown
            };
            // list 102 denied tcp 10.0.6.56(3067) -> 172.36.4.7(139), 1 packet
            let src = body
                .split(" -> ")
                .next()
                .and_then(|s| s.rsplit(' ').next())
                .and_then(|s| addr(s.split('(').next().unwrap_or(s)));
            with_source(
                Mapped::new(EventType::Network, r("acl"))
                    .action("acl match")
                    .outcome(o),
                src,
            )
        }
        (f, _) if f == "IPS" || f.starts_with("IDS") => {
            Mapped::new(EventType::Security, r("event"))
        }
        _ => Mapped::new(EventType::System, r("event")),
    }
}

// ---------------------------------------------------------------------------------------
// Fortinet FortiGate
// ---------------------------------------------------------------------------------------

/// The `key=value` pairs of a body read in one pass (a double-quoted value may hold
/// spaces and `\"`); the first of a repeated key wins on lookup. FortiGate lines carry
/// dozens of pairs and are looked up a dozen times: one pass beats a scan per key.
struct KvPairs<'a>(Vec<(&'a str, &'a str, bool)>);

impl<'a> KvPairs<'a> {
    fn read(s: &'a str) -> KvPairs<'a> {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(48);
        let mut i = 0;
        while let Some(off) = memchr::memchr(b'=', &b[i..]) {
            let eq = i + off;
            // the key: the word before `=` (words without `=` in between are skipped)
            let key_start = memchr::memrchr2(b' ', b'\t', &b[i..eq]).map_or(i, |p| i + p + 1);
            let key = &s[key_start..eq];
            let v = eq + 1;
            if b.get(v) == Some(&b'"') {
                let start = v + 1;
                let mut j = start;
                let mut escaped = false;
                let end = loop {
                    match memchr::memchr2(b'"', b'\\', &b[j.min(b.len())..]) {
                        None => break b.len(),
                        Some(o) if b[j + o] == b'"' => break j + o,
                        Some(o) => {
                            escaped = true;
                            j += o + 2;
                        }
                    }
                };
                out.push((key, &s[start.min(end)..end], escaped));
                i = (end + 1).min(b.len());
            } else {
                let end = memchr::memchr2(b' ', b'\t', &b[v..]).map_or(b.len(), |o| v + o);
                out.push((key, &s[v..end], false));
                i = end;
            }
        }
        KvPairs(out)
    }

    fn get(&self, key: &str) -> Option<Cow<'a, str>> {
        let &(_, v, escaped) = self.0.iter().find(|(k, _, _)| *k == key)?;
        Some(if escaped {
            Cow::Owned(v.replace("\\\"", "\"").replace("\\\\", "\\"))
        } else {
            Cow::Borrowed(v)
        })
    }
}

fn fortigate(msg: &str) -> Option<Mapped> {
    let pairs = KvPairs::read(msg);
    let kv = |k: &str| pairs.get(k);
    let ty = kv("type")?;
    let sub = kv("subtype").unwrap_or_default();
    let action = kv("action")
        .map(|a| a.to_ascii_lowercase())
        .unwrap_or_default();
    let status = kv("status").unwrap_or_default();
    let logdesc = kv("logdesc").unwrap_or_default();
    let user = kv("user")
        .and_then(|u| user_name(&u))
        .or_else(|| kv("xauthuser").and_then(|u| user_name(&u)));
    let src = kv("remip")
        .and_then(|a| addr(&a))
        .or_else(|| kv("srcip").and_then(|a| addr(&a)));
    let r = |case: &str| rule("fortigate", case);
    let m = match (&*ty, &*sub) {
        ("event", "vpn") => match action.as_str() {
            "tunnel-up" if user.is_some() => login(
                "fortigate",
                "vpn_login",
                "vpn login",
                Some("vpn"),
                Outcome::Success,
            ),
            "tunnel-down" if user.is_some() => login(
                "fortigate",
                "vpn_logout",
                "vpn logout",
                Some("vpn"),
                Outcome::Success,
            ),
            "ssl-login-fail" => login(
                "fortigate",
                "vpn_login",
                "vpn login",
                Some("vpn"),
                Outcome::Failure,
            ),
            a => {
                let act = match a {
                    "tunnel-up" => "vpn tunnel up".to_owned(),
                    "tunnel-down" => "vpn tunnel down".to_owned(),
                    "" => "vpn event".to_owned(),
                    other => super::join(&["vpn ", other]),
                };
                let o = if status.is_empty() {
                    Outcome::Unknown
                } else {
                    outcome_word(&status)
                };
                Mapped::new(EventType::Network, r("vpn"))
                    .action(act)
                    .outcome(o)
            }
        },
        ("event", "system") | ("event", "admin") => {
            let service = kv("method")
                .map(|m| m.to_ascii_lowercase())
                .or_else(|| {
                    kv("ui").map(|u| u.split('(').next().unwrap_or("").to_ascii_lowercase())
                })
                .filter(|s| !s.is_empty());
            let ui_addr = kv("ui").and_then(|u| {
                let inner = u.split_once('(')?.1;
                addr(inner.trim_end_matches(')'))
            });
            let src = kv("srcip").and_then(|a| addr(&a)).or(ui_addr);
            let m = if action == "login" {
                if contains_ci(&logdesc, "disabled")
                    || kv("reason").is_some_and(|r| r.contains("exceed"))
                {
                    Mapped::new(EventType::Security, r("lockout"))
                        .action("account locked out")
                        .outcome(Outcome::Failure)
                } else {
                    let o = outcome_word(&status);
                    let o = if o == Outcome::Unknown && contains_ci(&logdesc, "fail") {
                        Outcome::Failure
                    } else {
                        o
                    };
                    with_resource(
                        Mapped::new(EventType::Access, r("admin_login"))
                            .action("admin login")
                            .outcome(o),
                        service,
                    )
                }
            } else if action == "logout" {
                with_resource(
                    Mapped::new(EventType::Access, r("admin_logout"))
                        .action("logout")
                        .outcome(Outcome::Success),
                    service,
                )
            } else if let Some(path) = kv("cfgpath") {
                let res = match kv("cfgobj") {
                    Some(obj) if !obj.is_empty() => format!("{path} {obj}"),
                    _ => path.into_owned(),
                };
                Mapped::new(EventType::Admin, r("config"))
                    .action("configuration changed")
                    .resource(res)
                    .outcome(if status.is_empty() {
                        Outcome::Success
                    } else {
                        outcome_word(&status)
                    })
            } else {
                Mapped::new(EventType::System, r("event")).outcome(outcome_word(&status))
            };
            return Some(with_source(with_user(m, user), src));
        }
        ("event", "user") => {
            let l = logdesc.to_ascii_lowercase();
            if l.contains("lockout") {
                Mapped::new(EventType::Security, r("lockout"))
                    .action("account locked out")
                    .outcome(Outcome::Failure)
            } else {
                match action.as_str() {
                    "authentication" | "auth-logon" | "fsso-logon" | "auth-failed" => {
                        let res = if action.starts_with("fsso") {
                            "fsso"
                        } else {
                            "firewall"
                        };
                        let o = if action == "auth-failed" {
                            Outcome::Failure
                        } else if action == "fsso-logon" {
                            Outcome::Success
                        } else {
                            outcome_word(&status)
                        };
                        login("fortigate", "user_login", "login", Some(res), o)
                    }
                    "auth-logout" | "fsso-logoff" | "auth-timeout" => {
                        let res = if action.starts_with("fsso") {
                            "fsso"
                        } else {
                            "firewall"
                        };
                        login(
                            "fortigate",
                            "user_logout",
                            "logout",
                            Some(res),
                            Outcome::Success,
                        )
                    }
                    _ => Mapped::new(EventType::System, r("event")).outcome(outcome_word(&status)),
                }
            }
        }
        ("traffic", _) => {
            let dst = kv("dstip").and_then(|a| addr(&a));
            let m = Mapped::new(EventType::Network, r("traffic"))
                .action(if action.is_empty() {
                    "traffic".to_owned()
                } else {
                    action.clone()
                })
                .outcome(fortigate_traffic_outcome(&action));
            let src = kv("srcip").and_then(|a| addr(&a));
            return Some(with_source(with_resource(with_user(m, user), dst), src));
        }
        ("utm", _) => {
            let m = Mapped::new(EventType::Security, r("utm"))
                .outcome(fortigate_traffic_outcome(&action));
            let m = if action.is_empty() {
                m
            } else {
                m.action(action.clone())
            };
            let src = kv("srcip").and_then(|a| addr(&a));
            return Some(with_source(with_user(m, user), src));
        }
        _ => Mapped::new(EventType::System, r("event")).outcome(if status.is_empty() {
            Outcome::Unknown
        } else {
            outcome_word(&status)
        }),
    };
    Some(with_source(with_user(m, user), src))
}

fn fortigate_traffic_outcome(action: &str) -> Outcome {
    match action {
        "accept" | "close" | "client-rst" | "server-rst" | "timeout" | "start" | "passthrough"
        | "allow" | "pass" => Outcome::Success,
        "deny" | "dropped" | "blocked" | "block" | "drop" | "reset" => Outcome::Failure,
        _ => Outcome::Unknown,
    }
}

// ---------------------------------------------------------------------------------------
// Palo Alto PAN-OS CSV
// ---------------------------------------------------------------------------------------

/// Splits a PAN-OS CSV record (double quotes around fields holding commas).
fn csv_fields(s: &str, max: usize) -> Vec<&str> {
    let mut out = Vec::with_capacity(max.min(64));
    let b = s.as_bytes();
    let mut i = 0;
    while i <= b.len() && out.len() < max {
        if b.get(i) == Some(&b'"') {
            let start = i + 1;
            let mut j = start;
            loop {
                match b.get(j) {
                    None => break,
                    Some(b'"') if b.get(j + 1) == Some(&b'"') => j += 2,
                    Some(b'"') => break,
                    _ => j += 1,
                }
            }
            out.push(&s[start..j.min(b.len())]);
            // skip to the comma after the closing quote
            let next = b[j.min(b.len())..]
                .iter()
                .position(|&c| c == b',')
                .map(|p| j + p);
            match next {
                Some(c) => i = c + 1,
                None => break,
            }
        } else {
            let end = b[i..].iter().position(|&c| c == b',').map(|p| i + p);
            match end {
                Some(e) => {
                    out.push(&s[i..e]);
                    i = e + 1;
                }
                None => {
                    out.push(&s[i..]);
                    break;
                }
            }
        }
    }
    out
}

fn paloalto(msg: &str, at: usize) -> Option<Mapped> {
    // `1,2026/06/15 12:00:05,SERIAL,TYPE,...` at the start or after a space.
    if at > 0 && !matches!(msg.as_bytes()[at - 1], b' ' | b'\t') {
        return None;
    }
    let rec = &msg[at..];
    let rb = rec.as_bytes();
    if rb.len() < 24 || rb[6] != b'/' || rb[9] != b'/' || rb[12] != b' ' || rb[15] != b':' {
        return None;
    }
    let f = csv_fields(rec, 40);
    let field = |i: usize| f.get(i).map_or("", |v| v.trim());
    let r = |case: &str| rule("paloalto", case);
    match field(3) {
        "SYSTEM" => {
            let subtype = field(4);
            let eventid = field(8);
            let desc = field(14);
            if subtype == "globalprotect" || eventid.starts_with("globalprotect") {
                return Some(pa_gp_system(eventid, desc));
            }
            if eventid == "auth-success" || eventid == "auth-fail" {
                let o = if eventid == "auth-success" {
                    Outcome::Success
                } else {
                    Outcome::Failure
                };
                let m = login("paloalto", "auth", "login", Some("firewall"), o);
                let user = token_after(desc, "for user ").and_then(user_name);
                let src = addr_after(desc, "From: ").or_else(|| addr_after(desc, "Client '"));
                return Some(with_source(with_user(m, user), src));
            }
            // general: `User admin logged in via Web from 192.0.2.4 using https`
            if let Some(rest) = desc.strip_prefix("User ") {
                let user = token(rest).and_then(user_name);
                let via = token_after(desc, " via ").map(|v| v.to_ascii_lowercase());
                let src = addr_after(desc, " from ");
                let m = if desc.contains(" logged in") {
                    Some(
                        Mapped::new(EventType::Access, r("admin_login"))
                            .action("admin login")
                            .outcome(Outcome::Success),
                    )
                } else if desc.contains(" logged out") {
                    Some(
                        Mapped::new(EventType::Access, r("admin_logout"))
                            .action("logout")
                            .outcome(Outcome::Success),
                    )
                } else {
                    None
                };
                if let Some(m) = m {
                    return Some(with_source(with_resource(with_user(m, user), via), src));
                }
            }
            if let Some(rest) = desc.strip_prefix("Session for user ") {
                let m = Mapped::new(EventType::Access, r("admin_logout"))
                    .action("logout")
                    .outcome(Outcome::Success);
                return Some(with_source(
                    with_user(m, token(rest).and_then(user_name)),
                    addr_after(desc, " from "),
                ));
            }
            if desc.contains("failed authentication for user")
                || desc.contains("authenticated for user")
            {
                let o = if desc.contains("failed") {
                    Outcome::Failure
                } else {
                    Outcome::Success
                };
                let m = Mapped::new(EventType::Access, r("admin_login"))
                    .action("admin login")
                    .outcome(o);
                let user = token_after(desc, "for user ").and_then(user_name);
                return Some(with_source(with_user(m, user), addr_after(desc, "From: ")));
            }
            Some(Mapped::new(EventType::System, r("system")))
        }
        "GLOBALPROTECT" => {
            // Event ID 8, Stage 9, Source User 12, Public IP 15, Status 28
            let eventid = field(8);
            let o = match field(28) {
                "" => Outcome::Unknown,
                s => outcome_word(s),
            };
            let (et, action) = if eventid.contains("logout") {
                (EventType::Access, "vpn logout")
            } else if eventid.contains("auth") || eventid.contains("login") {
                (EventType::Access, "vpn login")
            } else {
                (EventType::Network, "vpn event")
            };
            let m = Mapped::new(et, r("globalprotect"))
                .action(action)
                .resource("vpn")
                .outcome(o);
            Some(with_source(
                with_user(m, user_name(field(12))),
                addr(field(15)),
            ))
        }
        "CONFIG" => {
            // Host 7, Command 9, Admin 10, Client 11, Result 12, Path 13
            let o = match field(12) {
                "Succeeded" | "Submitted" => Outcome::Success,
                "Failed" => Outcome::Failure,
                s => outcome_word(s),
            };
            let cmd = field(9);
            let action = if cmd.is_empty() {
                "configuration changed".to_owned()
            } else {
                super::join(&["configuration ", cmd])
            };
            let path = field(13);
            let m = Mapped::new(EventType::Admin, r("config"))
                .action(action)
                .outcome(o);
            let m = with_resource(m, (!path.is_empty()).then(|| path.to_owned()));
            Some(with_source(
                with_user(m, user_name(field(10))),
                addr(field(7)),
            ))
        }
        "TRAFFIC" | "THREAT" => {
            // Source 7, Destination 8, Source User 12, Action 30
            let threat = field(3) == "THREAT";
            let action = field(30);
            let (et, case) = if threat {
                (EventType::Security, "threat")
            } else {
                (EventType::Network, "traffic")
            };
            let o = if action.is_empty() {
                Outcome::Unknown
            } else {
                outcome_word(action)
            };
            let m = Mapped::new(et, r(case)).outcome(o);
            let m = if action.is_empty() {
                m
            } else {
                m.action(action.to_ascii_lowercase())
            };
            let m = with_resource(m, addr(field(8)));
            Some(with_source(
                with_user(m, user_name(field(12))),
                addr(field(7)),
            ))
        }
        "USERID" | "HIPMATCH" | "AUTH" | "DECRYPTION" | "TUNNEL" | "SCTP" | "IPTAG"
        | "CORRELATION" => Some(Mapped::new(EventType::Network, r("event"))),
        _ => None,
    }
}

/// SYSTEM log, subtype `globalprotect`: the description says what happened.
fn pa_gp_system(eventid: &str, desc: &str) -> Mapped {
    let e = eventid.to_ascii_lowercase();
    let o = if e.ends_with("-succ") || contains_ci(desc, "succeeded") {
        Outcome::Success
    } else if e.ends_with("-fail") || contains_ci(desc, " failed") {
        Outcome::Failure
    } else {
        Outcome::Unknown
    };
    let (et, action) = if e.contains("logout") || contains_ci(desc, "logout") {
        (EventType::Access, "vpn logout")
    } else if e.contains("auth") || contains_ci(desc, "authentication") {
        (EventType::Access, "vpn login")
    } else {
        (EventType::Network, "vpn event")
    };
    let m = Mapped::new(et, rule("paloalto", "globalprotect"))
        .action(action)
        .resource("vpn")
        .outcome(o);
    let user = desc.split_once("User name: ").and_then(|(_, r)| {
        let end = r.find(',').unwrap_or(r.len());
        user_name(&r[..end])
    });
    with_source(with_user(m, user), addr_after(desc, "Login from: "))
}

// ---------------------------------------------------------------------------------------
// pfSense / OPNsense web GUI, OpenVPN
// ---------------------------------------------------------------------------------------

fn pfsense(body: &str) -> Option<Mapped> {
    // `/index.php: Successful login for user 'admin' from: 192.0.2.4 (Local Database)`
    let text = body.split_once(".php: ").map_or(body, |(_, t)| t);
    let (case, action, o) = if text.starts_with("Successful login for user") {
        ("webgui_login", "admin login", Outcome::Success)
    } else if text.contains("authentication error for") {
        ("webgui_failed", "admin login", Outcome::Failure)
    } else if text.starts_with("User logged out for user")
        || text.starts_with("Session timed out for user")
    {
        ("webgui_logout", "logout", Outcome::Success)
    } else {
        return None;
    };
    let user = token_after(text, "for user ")
        .or_else(|| token_after(text, " for "))
        .and_then(user_name);
    let src = addr_after(text, "from: ").or_else(|| addr_after(text, " from "));
    let m = login("pfsense", case, action, Some("webgui"), o);
    Some(with_source(with_user(m, user), src))
}

fn openvpn(body: &str) -> Mapped {
    let r = |case: &str| rule("openvpn", case);
    // pfSense's auth script
    if let Some(rest) = body.strip_prefix("user ") {
        let user = token(rest).and_then(user_name);
        if rest.contains("' authenticated") {
            return with_user(
                login(
                    "openvpn",
                    "auth",
                    "vpn login",
                    Some("vpn"),
                    Outcome::Success,
                ),
                user,
            );
        }
        if rest.contains("could not authenticate") {
            return with_user(
                login(
                    "openvpn",
                    "auth_failed",
                    "vpn login",
                    Some("vpn"),
                    Outcome::Failure,
                ),
                user,
            );
        }
    }
    if body.starts_with("Username does not match certificate common name") {
        let user = token_after(body, "name (")
            .and_then(|s| s.split(" != ").next())
            .and_then(user_name);
        return with_user(
            login(
                "openvpn",
                "auth_failed",
                "vpn login",
                Some("vpn"),
                Outcome::Failure,
            ),
            user,
        );
    }
    if body.starts_with("Incorrect password supplied for LDAP DN") {
        let user = token_after(body, "LDAP DN ").and_then(user_name);
        return with_user(
            login(
                "openvpn",
                "auth_failed",
                "vpn login",
                Some("vpn"),
                Outcome::Failure,
            ),
            user,
        );
    }
    if body.starts_with("LDAP bind failed") {
        return login(
            "openvpn",
            "auth_failed",
            "vpn login",
            Some("vpn"),
            Outcome::Failure,
        );
    }
    // The server: `[cn/]ip:port message`
    let (peer, text) = body.split_once(' ').unwrap_or(("", body));
    let (cn, peer_addr) = match peer.rsplit_once('/') {
        Some((cn, a)) => (user_name(cn), addr(a)),
        None => (None, addr(peer)),
    };
    if peer_addr.is_some() {
        if text.contains("Peer Connection Initiated") {
            let user = text
                .starts_with('[')
                .then(|| token(text))
                .flatten()
                .and_then(user_name)
                .or(cn);
            let m = login(
                "openvpn",
                "peer_connected",
                "vpn login",
                Some("vpn"),
                Outcome::Success,
            );
            return with_source(with_user(m, user), peer_addr);
        }
        if text.contains("Auth Username/Password verification failed")
            || text.contains("AUTH_FAILED")
        {
            let user = token_after(text, "username '")
                .or_else(|| token_after(text, "for peer "))
                .and_then(user_name)
                .or(cn);
            let m = login(
                "openvpn",
                "auth_failed",
                "vpn login",
                Some("vpn"),
                Outcome::Failure,
            );
            return with_source(with_user(m, user), peer_addr);
        }
        if text.contains("client-instance exiting") {
            let m = login(
                "openvpn",
                "client_exit",
                "vpn logout",
                Some("vpn"),
                Outcome::Success,
            );
            return with_source(with_user(m, cn), peer_addr);
        }
        let o = if text.contains("Error") || text.contains("failed") {
            Outcome::Failure
        } else {
            Outcome::Unknown
        };
        return with_source(
            with_user(Mapped::new(EventType::Network, r("event")).outcome(o), cn),
            peer_addr,
        );
    }
    if body.contains("AUTH_FAILED") {
        return login(
            "openvpn",
            "auth_failed",
            "vpn login",
            Some("vpn"),
            Outcome::Failure,
        );
    }
    Mapped::new(EventType::System, r("event"))
}

// ---------------------------------------------------------------------------------------
// SonicWall
// ---------------------------------------------------------------------------------------

/// SonicWall's `src=203.0.113.5:51234:X1` (or `:X1:host`).
fn sonic_addr(v: &str) -> Option<String> {
    if let Some(a) = text::ip(v) {
        return Some(norm_ip(a));
    }
    let head = v.split(':').next().unwrap_or(v);
    text::ip(head).map(norm_ip)
}

fn sonicwall(msg: &str) -> Option<Mapped> {
    // `id=firewall sn=C0EAE4599999 time="..." fw=... pri=5 c=0 m=1197 msg="..."`
    let kv = KvPairs::read(msg);
    let id = kv.get("id")?;
    if id.is_empty() || (kv.get("m").is_none() && kv.get("msg").is_none()) {
        return None;
    }
    let text_msg = kv.get("msg").unwrap_or_default();
    let l = text_msg.to_ascii_lowercase();
    let user = kv
        .get("usr")
        .or_else(|| kv.get("user"))
        .and_then(|u| user_name(&u));
    let src = kv
        .get("src")
        .and_then(|s| sonic_addr(&s))
        .or_else(|| kv.get("srcV6").and_then(|s| sonic_addr(&s)));
    let r = |case: &str| rule("sonicwall", case);
    let loginish =
        l.contains("login") || l.contains("logged") || l.contains("logout") || l.contains("log in");
    let m = if l.contains("lockout") || l.contains("locked out") {
        Mapped::new(EventType::Security, r("lockout"))
            .action("account locked out")
            .outcome(Outcome::Failure)
    } else if loginish {
        let admin = l.contains("administrator") || l.contains("admin ");
        let vpn = l.contains("vpn");
        let logout = l.contains("logged out") || l.contains("logout") || l.contains("log out");
        let o = if l.contains("denied")
            || l.contains("fail")
            || l.contains("bad credentials")
            || l.contains("invalid")
        {
            Outcome::Failure
        } else if logout
            || l.contains("allowed")
            || l.contains("successful")
            || l.contains("logged in")
            || l.contains("success")
        {
            Outcome::Success
        } else {
            Outcome::Unknown
        };
        if logout {
            let res = if vpn {
                "vpn"
            } else if admin {
                "management"
            } else {
                "firewall"
            };
            let action = if vpn { "vpn logout" } else { "logout" };
            login("sonicwall", "logout", action, Some(res), Outcome::Success)
        } else if vpn {
            login("sonicwall", "vpn_login", "vpn login", Some("vpn"), o)
        } else if admin {
            login(
                "sonicwall",
                "admin_login",
                "admin login",
                Some("management"),
                o,
            )
        } else {
            login("sonicwall", "user_login", "login", Some("firewall"), o)
        }
    } else {
        let o = if l.contains("dropped")
            || l.contains("denied")
            || l.contains("blocked")
            || l.contains("failed")
        {
            Outcome::Failure
        } else if l.contains("opened") || l.contains("allowed") {
            Outcome::Success
        } else {
            Outcome::Unknown
        };
        Mapped::new(EventType::Network, r("event")).outcome(o)
    };
    Some(with_source(with_user(m, user), src))
}

// ---------------------------------------------------------------------------------------
// Sophos XG / SFOS
// ---------------------------------------------------------------------------------------

fn sophos(msg: &str) -> Option<Mapped> {
    let kv = KvPairs::read(msg);
    let component = kv.get("log_component")?;
    let subtype = kv.get("log_subtype").unwrap_or_default();
    let status = kv.get("status").unwrap_or_default();
    let message = kv.get("message").unwrap_or_default();
    let user = kv.get("user_name").and_then(|u| user_name(&u));
    let src = kv.get("src_ip").and_then(|a| addr(&a));
    let c = component.to_ascii_lowercase();
    let ml = message.to_ascii_lowercase();
    let o = outcome_word(&status);
    let r = |case: &str| rule("sophos", case);
    let m = match &*subtype {
        "Authentication" => {
            if ml.contains("logged out") {
                let (action, res) = if c.contains("vpn") {
                    ("vpn logout", "vpn")
                } else {
                    ("logout", "firewall")
                };
                login("sophos", "logout", action, Some(res), Outcome::Success)
            } else if c.contains("vpn") {
                login("sophos", "vpn_login", "vpn login", Some("vpn"), o)
            } else {
                let res = if c.contains("my account") {
                    "myaccount"
                } else if c.contains("firewall") {
                    "firewall"
                } else {
                    "authentication"
                };
                login("sophos", "login", "login", Some(res), o)
            }
        }
        "Admin" => {
            if ml.contains("login") || ml.contains("logged in") {
                let res = c.split_whitespace().next().unwrap_or("admin").to_owned();
                let res = if ml.contains("using ssh") {
                    "ssh".to_owned()
                } else {
                    res
                };
                login("sophos", "admin_login", "admin login", Some(&res), o)
            } else if ml.contains("logged out") {
                login("sophos", "logout", "logout", None, Outcome::Success)
            } else {
                Mapped::new(EventType::Admin, r("config"))
                    .action("configuration changed")
                    .outcome(o)
            }
        }
        _ => {
            let et = if c.contains("ipsec") || c.contains("vpn") || c.contains("red") {
                EventType::Network
            } else {
                EventType::System
            };
            Mapped::new(et, r("event")).outcome(o)
        }
    };
    Some(with_source(with_user(m, user), src))
}

// ---------------------------------------------------------------------------------------
// Juniper Junos and ScreenOS
// ---------------------------------------------------------------------------------------

fn is_junos_tag(t: &str) -> bool {
    t.len() >= 6
        && (t.starts_with("UI_") || t.starts_with("RT_") || t.contains("LOGIN_"))
        && t.bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

/// A Junos event tag in the text (`UI_LOGIN_EVENT: ...`, `RT_FLOW - RT_FLOW_SESSION_DENY
/// [...]`): (tag, the text after it).
fn find_junos_tag(msg: &str) -> Option<(&str, &str)> {
    let b = msg.as_bytes();
    let mk = &*MARKERS;
    for (finder, marker_len) in [(&mk.ui, 3), (&mk.login, 6), (&mk.rt, 3)] {
        for hit in finder.find_iter(b) {
            let mut start = hit;
            while start > 0 && (b[start - 1].is_ascii_uppercase() || b[start - 1] == b'_') {
                start -= 1;
            }
            let mut end = hit + marker_len;
            while end < b.len()
                && (b[end].is_ascii_uppercase() || b[end].is_ascii_digit() || b[end] == b'_')
            {
                end += 1;
            }
            // `TAG:` (syslog text); `RT_FLOW - ...` (structured-data style) for RT_* only
            let before_ok = start == 0 || matches!(b[start - 1], b' ' | b':');
            let after_ok = match b.get(end) {
                Some(b':') => true,
                Some(b' ') => b[start..].starts_with(b"RT_"),
                _ => false,
            };
            let tag = &msg[start..end];
            if before_ok && after_ok && is_junos_tag(tag) {
                let rest = msg[end..].trim_start_matches(':').trim_start();
                return Some((tag, rest));
            }
        }
    }
    None
}

/// `'alice'` after `User ` / `user `.
fn junos_user(body: &str) -> Option<String> {
    token_after(body, "User ")
        .or_else(|| token_after(body, "user "))
        .map(|u| u.trim_end_matches(','))
        .and_then(user_name)
}

fn junos(tag: &str, body: &str, whole: &str) -> Option<Mapped> {
    let r = |case: &str| rule("junos", case);
    let m = match tag {
        "UI_LOGIN_EVENT" => {
            // User 'alice' login, class 'j-super-user' [1234], ssh-connection '198.51.100.7 50000 192.0.2.1 22', client-mode 'cli'
            let conn = token_after(body, "ssh-connection ");
            let src = conn.and_then(|c| c.split(' ').next()).and_then(addr);
            let res = if conn.is_some() {
                "ssh"
            } else if body.contains("telnet-connection") {
                "telnet"
            } else {
                "cli"
            };
            let m = login("junos", "login", "login", Some(res), Outcome::Success);
            with_source(with_user(m, junos_user(body)), src)
        }
        "UI_LOGOUT_EVENT" => with_user(
            login("junos", "logout", "logout", None, Outcome::Success),
            junos_user(body),
        ),
        "UI_AUTH_EVENT" => {
            // Authenticated user 'alice' at permission level 'j-super-user'
            with_user(
                login("junos", "auth", "login", None, Outcome::Success),
                junos_user(body),
            )
        }
        "SSHD_LOGIN_FAILED"
        | "LOGIN_FAILED"
        | "UI_AUTH_INVALID_CHALLENGE"
        | "LOGIN_PAM_AUTHENTICATION_ERROR" => {
            // Login failed for user 'root' from host '198.51.100.7'
            let res = if tag.starts_with("SSHD") {
                Some("ssh")
            } else {
                None
            };
            let m = login("junos", "login_failed", "login", res, Outcome::Failure);
            with_source(
                with_user(m, junos_user(body)),
                addr_after(body, "from host "),
            )
        }
        "LOGIN_INFORMATION" => {
            // User alice logged in from host 198.51.100.7 on device ttyp0
            let m = login("junos", "login", "login", None, Outcome::Success);
            with_source(
                with_user(m, junos_user(body)),
                addr_after(body, "from host "),
            )
        }
        "UI_COMMIT" | "UI_COMMIT_CONFIRMED" | "UI_COMMIT_PROGRESS" => {
            let m = Mapped::new(EventType::Admin, r("commit"))
                .action("configuration committed")
                .resource("configuration")
                .outcome(Outcome::Success);
            with_user(m, junos_user(body))
        }
        t if t.starts_with("UI_CFG_AUDIT") => {
            // User 'alice' set: [system syslog] ...
            let res = body
                .split_once('[')
                .and_then(|(_, r)| r.split(']').next())
                .map(str::to_owned);
            let m = Mapped::new(EventType::Admin, r("config"))
                .action("configuration changed")
                .outcome(Outcome::Success);
            with_resource(with_user(m, junos_user(body)), res)
        }
        "UI_CMDLINE_READ_LINE" => {
            let m = Mapped::new(EventType::Admin, r("command"))
                .action("command executed")
                .outcome(Outcome::Success);
            let cmd = token_after(body, "command ").map(|c| c.trim().to_owned());
            with_resource(with_user(m, junos_user(body)), cmd)
        }
        t if t.starts_with("UI_") => {
            with_user(Mapped::new(EventType::System, r("ui")), junos_user(body))
        }
        t if t.starts_with("RT_FLOW") || t.starts_with("FLOW_") => {
            let w = whole;
            let (action, o) = if w.contains("SESSION_DENY") {
                ("session denied", Outcome::Failure)
            } else if w.contains("SESSION_CREATE") {
                ("session created", Outcome::Success)
            } else if w.contains("SESSION_CLOSE") {
                ("session closed", Outcome::Success)
            } else {
                ("flow", Outcome::Unknown)
            };
            let src = text::kv(w, "source-address")
                .and_then(|a| addr(&a))
                .or_else(|| {
                    // session denied 10.0.0.1/54924->192.168.1.1/53
                    let arrow = w.find("->")?;
                    let left = &w[..arrow];
                    addr(left.rsplit(' ').next()?)
                });
            let user = text::kv(w, "username").and_then(|u| user_name(&u));
            let m = Mapped::new(EventType::Network, r("flow"))
                .action(action)
                .outcome(o);
            with_source(with_user(m, user), src)
        }
        t if t.starts_with("RT_IDS") || t.starts_with("RT_SCREEN") => {
            let src = text::kv(whole, "source-address").and_then(|a| addr(&a));
            with_source(Mapped::new(EventType::Security, r("ids")), src)
        }
        _ => return None,
    };
    Some(m)
}

fn netscreen(body: &str) -> Mapped {
    let r = |case: &str| rule("netscreen", case);
    let text = body.split_once("]system-").map_or(body, |(_, t)| t);
    let text = text.split_once(": ").map_or(text, |(_, t)| t);
    if let Some(rest) = text.strip_prefix("Admin user ") {
        let user = token(rest).and_then(user_name);
        let src = addr_after(text, " from ");
        let via = token_after(text, " via ")
            .or_else(|| token_after(text, " for "))
            .map(|v| {
                let v = v.split('(').next().unwrap_or(v);
                v.to_ascii_lowercase()
            });
        let m = if text.contains("logged out") || text.contains("logged off") {
            Mapped::new(EventType::Access, r("admin_logout"))
                .action("logout")
                .outcome(Outcome::Success)
        } else {
            let o =
                if text.contains("failed") || text.contains("refused") || text.contains("rejected")
                {
                    Outcome::Failure
                } else {
                    Outcome::Success
                };
            Mapped::new(EventType::Access, r("admin_login"))
                .action("admin login")
                .outcome(o)
        };
        return with_source(with_resource(with_user(m, user), via), src);
    }
    if text.starts_with("Management session via ") && text.contains("for admin ") {
        let m = Mapped::new(EventType::Access, r("admin_logout"))
            .action("logout")
            .outcome(Outcome::Success);
        let via = token_after(text, "via ").map(|v| v.to_ascii_lowercase());
        let user = token_after(text, "for admin ").and_then(user_name);
        return with_source(
            with_resource(with_user(m, user), via),
            addr_after(text, " from "),
        );
    }
    if text.contains(" saved by ")
        || text.contains(" modified by ")
        || text.contains(" added by ")
        || text.contains(" deleted by ")
    {
        let user = ["saved by ", "modified by ", "added by ", "deleted by "]
            .iter()
            .find_map(|k| token_after(text, k))
            .and_then(user_name);
        let m = Mapped::new(EventType::Admin, r("config"))
            .action("configuration changed")
            .outcome(Outcome::Success);
        return with_source(with_user(m, user), addr_after(text, "from host "));
    }
    if body.contains("(traffic)") {
        let action = text::kv(body, "action").unwrap_or_default();
        let o = if action.is_empty() {
            Outcome::Unknown
        } else {
            outcome_word(&action)
        };
        let m = Mapped::new(EventType::Network, r("traffic")).outcome(o);
        let m = if action.is_empty() {
            m
        } else {
            m.action(action.to_ascii_lowercase())
        };
        return with_source(m, text::kv(body, "src").and_then(|a| addr(&a)));
    }
    Mapped::new(EventType::System, r("event"))
}

// ---------------------------------------------------------------------------------------
// MikroTik RouterOS
// ---------------------------------------------------------------------------------------

fn mikrotik(msg: &str) -> Option<Mapped> {
    // topics then text: `system,info,account user admin logged in from 192.0.2.4 via winbox`
    let h = head(msg, 128);
    let (pos, topics) = ["system,", "firewall,"].iter().find_map(|t| {
        let i = h.find(t)?;
        (i == 0 || msg.as_bytes()[i - 1] == b' ').then_some((i, *t))
    })?;
    let rest = &msg[pos..];
    let (word, text) = rest.split_once(' ')?;
    // a topics word: `system,info,account`, never a sentence's `firewall, ...`
    if word.ends_with(',') || !word.bytes().all(|c| c.is_ascii_lowercase() || c == b',') {
        return None;
    }
    let r = |case: &str| rule("mikrotik", case);
    if topics == "firewall," {
        let src = text.find("->").and_then(|a| {
            let left = &text[..a];
            addr(left.rsplit([' ', ',']).next()?)
        });
        let o = if text.starts_with("drop") || text.starts_with("reject") {
            Outcome::Failure
        } else {
            Outcome::Unknown
        };
        return Some(with_source(
            Mapped::new(EventType::Network, r("firewall")).outcome(o),
            src,
        ));
    }
    let via = token_after(text, " via ").map(str::to_owned);
    let src = addr_after(text, " from ");
    if let Some(u) = text.strip_prefix("user ") {
        let user = token(u).and_then(user_name);
        let m = if text.contains(" logged in") {
            login("mikrotik", "login", "login", None, Outcome::Success)
        } else if text.contains(" logged out") {
            login("mikrotik", "logout", "logout", None, Outcome::Success)
        } else {
            return None;
        };
        return Some(with_source(with_resource(with_user(m, user), via), src));
    }
    if text.starts_with("login failure for user ") {
        let user = token_after(text, "for user ").and_then(user_name);
        let m = login("mikrotik", "login_failed", "login", None, Outcome::Failure);
        return Some(with_source(with_resource(with_user(m, user), via), src));
    }
    for k in [" changed by ", " added by ", " removed by "] {
        if let Some((what, by)) = text.split_once(k) {
            let m = Mapped::new(EventType::Admin, r("config"))
                .action("configuration changed")
                .outcome(Outcome::Success);
            let m = with_resource(m, (!what.is_empty()).then(|| what.trim().to_owned()));
            return Some(with_user(m, token(by).and_then(user_name)));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// Citrix NetScaler, Cisco ISE, VMware, Check Point
// ---------------------------------------------------------------------------------------

fn netscaler(rest: &str) -> Option<Mapped> {
    // `SSLVPN LOGIN 1234 0 : Context alice@203.0.113.5 - SessionId: 7 - User alice - Client_ip 203.0.113.5 - ...`
    let mut words = rest.split_whitespace();
    let module = words.next()?;
    let event = words.next()?;
    if !module.bytes().all(|c| c.is_ascii_uppercase() || c == b'_') {
        return None;
    }
    let detail = rest.split_once(" : ").map_or(rest, |(_, d)| d);
    let user = token_after(detail, "User ").and_then(user_name);
    let src = addr_after(detail, "Client_ip ").or_else(|| addr_after(detail, "Remote_ip "));
    let m = match (module, event) {
        ("SSLVPN" | "AAATM" | "AAA", "LOGIN") => login(
            "netscaler",
            "vpn_login",
            "vpn login",
            Some("vpn"),
            Outcome::Success,
        ),
        (_, "LOGIN_FAILED") => login(
            "netscaler",
            "login_failed",
            "vpn login",
            Some("vpn"),
            Outcome::Failure,
        ),
        ("SSLVPN" | "AAATM" | "AAA", "LOGOUT") => login(
            "netscaler",
            "vpn_logout",
            "vpn logout",
            Some("vpn"),
            Outcome::Success,
        ),
        ("UI", "CMD_EXECUTED") => {
            let cmd = token_after(detail, "Command ").unwrap_or("");
            let status = token_after(detail, "Status ").unwrap_or("");
            let o = if status.eq_ignore_ascii_case("success") {
                Outcome::Success
            } else if status.is_empty() {
                Outcome::Unknown
            } else {
                Outcome::Failure
            };
            if cmd.starts_with("login ") {
                login(
                    "netscaler",
                    "admin_login",
                    "admin login",
                    Some("management"),
                    o,
                )
            } else if cmd.starts_with("logout ") {
                login("netscaler", "admin_login", "logout", Some("management"), o)
            } else {
                let m = Mapped::new(EventType::Admin, rule("netscaler", "command"))
                    .action("command executed")
                    .outcome(o);
                with_resource(m, (!cmd.is_empty()).then(|| cmd.to_owned()))
            }
        }
        _ => Mapped::new(EventType::System, rule("netscaler", "event")),
    };
    Some(with_source(with_user(m, user), src))
}

fn ise(msg: &str) -> Option<Mapped> {
    let at = msg.find("CISE_")?;
    let category = msg[at + 5..].split_whitespace().next()?;
    let val = |k: &str| text::kv(msg, k).map(|v| v.trim_end_matches(',').to_owned());
    let r = |case: &str| rule("ise", case);
    let m = match category {
        "Passed_Authentications" | "Failed_Attempts" => {
            let o = if category.starts_with("Passed") {
                Outcome::Success
            } else {
                Outcome::Failure
            };
            let res = val("NetworkDeviceName")
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "network access".to_owned());
            let case = if o == Outcome::Success {
                "passed"
            } else {
                "failed"
            };
            let m = Mapped::new(EventType::Access, r(case))
                .action("login")
                .resource(res)
                .outcome(o);
            let src = val("Remote-Address")
                .and_then(|a| addr(&a))
                .or_else(|| val("Calling-Station-ID").and_then(|a| addr(&a)));
            with_source(
                with_user(m, val("UserName").and_then(|u| user_name(&u))),
                src,
            )
        }
        "Administrative_and_Operational_Audit"
            if msg.contains("Administrator-Login")
                || msg.contains("Administrator authentication") =>
        {
            let o = if contains_ci(msg, "authentication succeeded")
                || contains_ci(msg, "authentication successful")
            {
                Outcome::Success
            } else if contains_ci(msg, "failed") {
                Outcome::Failure
            } else {
                Outcome::Unknown
            };
            let m = Mapped::new(EventType::Access, r("admin_login"))
                .action("admin login")
                .resource("ise")
                .outcome(o);
            let src = val("AdminIPAddress").and_then(|a| addr(&a));
            with_source(
                with_user(m, val("AdminName").and_then(|u| user_name(&u))),
                src,
            )
        }
        _ => Mapped::new(EventType::System, r("event")),
    };
    Some(m)
}

fn vmware(body: &str) -> Option<Mapped> {
    // `Accepted password for user root from 192.0.2.4` / `Rejected password for user ...`
    for (marker, case, o) in [
        ("Accepted password for user ", "login", Outcome::Success),
        (
            "Rejected password for user ",
            "login_failed",
            Outcome::Failure,
        ),
    ] {
        if let Some(rest) = body.split_once(marker).map(|(_, r)| r) {
            let m = login("vmware", case, "login", Some("esxi"), o);
            return Some(with_source(
                with_user(m, token(rest).and_then(user_name)),
                addr_after(rest, " from "),
            ));
        }
    }
    // `User root@192.0.2.4 logged in as VMware-client/6.5.0` / `logged out` / `Cannot login root@192.0.2.4`
    let (who, case, action, o) = if let Some((_, rest)) = body.split_once("Cannot login ") {
        (token(rest)?, "login_failed", "login", Outcome::Failure)
    } else if let Some((before, _)) = body.split_once(" logged in") {
        (
            before.rsplit_once("User ")?.1,
            "login",
            "login",
            Outcome::Success,
        )
    } else if let Some((before, _)) = body.split_once(" logged out") {
        (
            before.rsplit_once("User ")?.1,
            "logout",
            "logout",
            Outcome::Success,
        )
    } else {
        return None;
    };
    let (user, src) = match who.rsplit_once('@') {
        Some((u, a)) => match addr(a) {
            Some(a) => (user_name(u), Some(a)),
            None => (user_name(who), None),
        },
        None => (user_name(who), None),
    };
    let m = login("vmware", case, action, Some("esxi"), o);
    Some(with_source(with_user(m, user), src))
}

/// `key:"value"` of Check Point's Log Exporter.
fn cp_value<'a>(msg: &'a str, key: &str) -> Option<&'a str> {
    let b = msg.as_bytes();
    let pat = format!("{key}:\"");
    let mut from = 0;
    while let Some(off) = msg[from..].find(&pat) {
        let at = from + off;
        if at == 0 || matches!(b[at - 1], b' ' | b'[' | b';' | b'|') {
            let start = at + pat.len();
            let end = msg[start..].find('"').map_or(msg.len(), |e| start + e);
            let v = msg[start..end].trim();
            return (!v.is_empty()).then_some(v);
        }
        from = at + pat.len();
    }
    None
}

fn checkpoint(msg: &str) -> Option<Mapped> {
    if !(msg.contains("origin:\"") || msg.contains("product:\"") || msg.contains(" CheckPoint ")) {
        return None;
    }
    let action = cp_value(msg, "action").unwrap_or("");
    let al = action.to_ascii_lowercase();
    let user = cp_value(msg, "user")
        .or_else(|| cp_value(msg, "administrator"))
        .or_else(|| cp_value(msg, "src_user_name"))
        .and_then(user_name);
    let src = cp_value(msg, "client_ip")
        .and_then(addr)
        .or_else(|| cp_value(msg, "src").and_then(addr));
    let r = |case: &str| rule("checkpoint", case);
    let product = cp_value(msg, "product");
    let m = if al.contains("log in") || al == "login" || al.contains("failed log") {
        let status = cp_value(msg, "auth_status").unwrap_or("");
        let o = if al.contains("fail") || contains_ci(status, "fail") {
            Outcome::Failure
        } else if contains_ci(status, "success") || al == "log in" || al == "login" {
            Outcome::Success
        } else {
            Outcome::Unknown
        };
        let vpn = product.is_some_and(|p| contains_ci(p, "vpn") || contains_ci(p, "mobile access"));
        if vpn {
            login("checkpoint", "login", "vpn login", Some("vpn"), o)
        } else {
            login("checkpoint", "login", "login", product, o)
        }
    } else if al.contains("log out") || al == "logout" || al == "deauthorize" {
        login("checkpoint", "logout", "logout", product, Outcome::Success)
    } else if matches!(
        al.as_str(),
        "accept"
            | "allow"
            | "encrypt"
            | "decrypt"
            | "drop"
            | "reject"
            | "block"
            | "key install"
            | "authorize"
    ) {
        Mapped::new(EventType::Network, r("firewall"))
            .action(al.clone())
            .outcome(outcome_word(&al))
    } else {
        let m = Mapped::new(EventType::Security, r("security"));
        if al.is_empty() {
            m
        } else {
            m.action(al.clone())
        }
    };
    Some(with_source(with_user(m, user), src))
}

// ---------------------------------------------------------------------------------------
// pf filterlog, UniFi firewall, strongSwan
// ---------------------------------------------------------------------------------------

/// pfSense / OPNsense `filterlog` CSV: `rule,sub,anchor,tracker,iface,reason,action,dir,
/// ipver,...` with the addresses at 18/19 (IPv4) or 15/16 (IPv6).
fn filterlog(body: &str) -> Option<Mapped> {
    let f: Vec<&str> = body.trim().splitn(21, ',').collect();
    if f.len() < 17 {
        return None;
    }
    let (src, dst) = match f[8] {
        "4" if f.len() >= 20 => (f[18], f[19]),
        "6" => (f[15], f[16]),
        _ => return None,
    };
    let action = f[6];
    let o = match action {
        "pass" => Outcome::Success,
        "block" | "reject" => Outcome::Failure,
        _ => Outcome::Unknown,
    };
    let m = Mapped::new(EventType::Network, rule("pfsense", "filterlog"))
        .action(action.to_ascii_lowercase())
        .outcome(o);
    Some(with_source(with_resource(m, addr(dst)), addr(src)))
}

/// UniFi gateways' netfilter lines: `[WAN_LOCAL-D-2147483647] DESCR="[WAN_LOCAL]Block All
/// Traffic" IN=eth8 OUT= ... SRC=192.0.2.1 DST=...`.
fn unifi_firewall(msg: &str) -> Option<Mapped> {
    if !msg.contains(" SRC=") || !msg.contains("IN=") {
        return None;
    }
    let descr = text::kv(msg, "DESCR").unwrap_or_default();
    let tag = msg
        .split_once('[')
        .and_then(|(_, r)| r.split(']').next())
        .unwrap_or("");
    let o = if tag.contains("-D-")
        || tag.contains("-R-")
        || contains_ci(&descr, "block")
        || contains_ci(&descr, "drop")
    {
        Outcome::Failure
    } else if tag.contains("-A-") {
        Outcome::Success
    } else {
        Outcome::Unknown
    };
    let m = Mapped::new(EventType::Network, rule("unifi", "firewall")).outcome(o);
    let m = with_resource(m, text::kv(msg, "DST").and_then(|a| addr(&a)));
    Some(with_source(m, text::kv(msg, "SRC").and_then(|a| addr(&a))))
}

/// strongSwan's `charon`: EAP and IKE authentication results.
fn strongswan(body: &str) -> Mapped {
    // `06[IKE] <conn|83> authentication of 'alice' with EAP successful`
    let text = body.rsplit_once("> ").map_or(body, |(_, t)| t);
    let text = text.trim();
    if let Some(rest) = text.strip_prefix("authentication of ") {
        let user = token(rest).and_then(user_name);
        if !rest.contains("(myself)") {
            let o = if rest.contains(" successful") {
                Outcome::Success
            } else if rest.contains("failed") {
                Outcome::Failure
            } else {
                Outcome::Unknown
            };
            return with_user(
                login("strongswan", "auth", "vpn login", Some("vpn"), o),
                user,
            );
        }
    }
    if text.contains("verification failed")
        || text.starts_with("EAP method") && text.contains("failed")
    {
        return login(
            "strongswan",
            "auth_failed",
            "vpn login",
            Some("vpn"),
            Outcome::Failure,
        );
    }
    if let Some(rest) = text
        .strip_prefix("EAP-MS-CHAPv2 username: ")
        .or_else(|| text.strip_prefix("EAP-Identity: "))
    {
        let m = Mapped::new(EventType::Network, rule("strongswan", "eap_identity"))
            .action("vpn authentication started");
        return with_user(m, token(rest).and_then(user_name));
    }
    if text.starts_with("IKE_SA ") && text.contains(" established between ") {
        return Mapped::new(EventType::Network, rule("strongswan", "ike_established"))
            .action("vpn tunnel up")
            .outcome(Outcome::Success);
    }
    Mapped::new(EventType::Network, rule("strongswan", "event"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cisco_tags_are_read_strictly() {
        assert_eq!(
            cisco_tag("ASA-6-605005: Login permitted"),
            Some(("ASA", "605005", "Login permitted"))
        );
        assert_eq!(
            cisco_tag("SEC_LOGIN-5-LOGIN_SUCCESS: Login Success").map(|t| t.1),
            Some("LOGIN_SUCCESS")
        );
        assert_eq!(
            cisco_tag("ASA-4-401004 Shunned packet").map(|t| t.2),
            Some("Shunned packet")
        );
        assert_eq!(cisco_tag("%1840"), None);
        assert_eq!(cisco_tag("1840 x"), None);
        assert_eq!(cisco_tag("CPU-x-Y:"), None);
        assert_eq!(cisco_tag("A-1-"), None);
    }

    #[test]
    fn addresses_in_the_shapes_senders_write_them() {
        assert_eq!(addr("198.51.100.7/52000").as_deref(), Some("198.51.100.7"));
        assert_eq!(addr("outside:192.0.2.1/22").as_deref(), Some("192.0.2.1"));
        assert_eq!(addr("(192.0.2.9)").as_deref(), Some("192.0.2.9"));
        assert_eq!(
            addr("[AF_INET]203.0.113.5:1194").as_deref(),
            Some("203.0.113.5")
        );
        assert_eq!(addr("::ffff:198.51.100.3").as_deref(), Some("198.51.100.3"));
        assert_eq!(addr("2001:db8::7").as_deref(), Some("2001:db8::7"));
        assert_eq!(addr("console"), None);
        assert_eq!(
            sonic_addr("203.0.113.9:36701:X1").as_deref(),
            Some("203.0.113.9")
        );
    }

    #[test]
    fn tokens_and_placeholder_users() {
        assert_eq!(token(" 'alice' login"), Some("alice"));
        assert_eq!(token("<bob> IP"), Some("bob"));
        assert_eq!(token("\"carol\""), Some("carol"));
        assert_eq!(token("dave, next"), Some("dave"));
        assert_eq!(token("'unterminated"), Some("unterminated"));
        assert_eq!(token("   "), None);
        assert_eq!(user_name("*****"), None);
        assert_eq!(user_name("N/A"), None);
        assert_eq!(user_name("erin"), Some("erin".into()));
    }

    #[test]
    fn kv_pairs_read_quoted_and_bare_values() {
        let p = KvPairs::read(
            r#"date=2026-06-15 devname="fw 1" user="a\"b" x y=1 logid="01" user="second" k= z"#,
        );
        assert_eq!(p.get("devname").as_deref(), Some("fw 1"));
        assert_eq!(p.get("user").as_deref(), Some("a\"b"));
        assert_eq!(p.get("y").as_deref(), Some("1"));
        assert_eq!(p.get("logid").as_deref(), Some("01"));
        assert_eq!(p.get("k").as_deref(), Some(""));
        assert_eq!(p.get("x"), None);
        assert_eq!(KvPairs::read("a=\"open").get("a").as_deref(), Some("open"));
        assert_eq!(KvPairs::read("a=\"x\\").get("a").as_deref(), Some("x\\"));
    }

    #[test]
    fn csv_fields_honour_quotes() {
        let f = csv_fields(r#"1,a,"x, y",,"q""q",end"#, 10);
        assert_eq!(f, vec!["1", "a", "x, y", "", r#"q""q"#, "end"]);
        assert!(csv_fields("", 5).len() <= 1);
        assert_eq!(csv_fields("\"open", 5), vec!["open"]);
    }

    #[test]
    fn unparsed_lines_give_their_tag() {
        assert_eq!(
            unparsed_tag("Oct 26 14:50:21 fw01 php-fpm[374]: /index.php: x"),
            Some(("php-fpm", "/index.php: x"))
        );
        assert_eq!(
            unparsed_tag("2024-12-15T14:12:12Z vpn01 openvpn: user 'a' authenticated").map(|t| t.0),
            Some("openvpn")
        );
        assert_eq!(unparsed_tag("id=firewall sn=1"), None);
        assert_eq!(unparsed_tag("Oct"), None);
    }

    #[test]
    fn never_panics_on_fragments() {
        let opts = crate::parse::ParseOptions::default();
        let now = chrono::Utc::now();
        let pieces = [
            "%",
            "%ASA-6-",
            "%ASA-6-605004:",
            "%ASA-6-605004: Login denied from",
            "logid=",
            "type=event logid=1 subtype=vpn",
            "1,2026/01/02 10:00:00,",
            "1,2026/01/02 10:00:00,S,SYSTEM",
            "1,2026/01/02 10:00:00,S,GLOBALPROTECT,,,,,,,",
            "id= sn= m=",
            "log_component=",
            "UI_LOGIN_EVENT:",
            "UI_ ",
            "RT_FLOW",
            "x.php: ",
            "NetScreen device_id=",
            "CISE_",
            " : default ",
            " : default UI CMD_EXECUTED",
            "action:\"",
            "action:\"Log In\"; origin:\"",
            "system, ",
            "system,info user",
            "firewall,info ->",
            "Group <",
            "é%ASA-6-113004: ü",
            "%SEC_LOGIN-5-LOGIN_SUCCESS: [user: ",
        ];
        for p in pieces {
            for framed in [
                p.to_owned(),
                format!("<14>{p}"),
                format!("<14>Jan  2 10:00:00 h {p}"),
                format!("Jan  2 10:00:00 h openvpn: {p}"),
            ] {
                let parsed = crate::parse::parse(&framed, now, &opts);
                let _ = map(&parsed);
            }
        }
    }
}
