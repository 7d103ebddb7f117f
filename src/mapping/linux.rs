//! Linux authentication and account administration: OpenSSH `sshd`, Dropbear, `sudo`,
//! `su`, `login`, `systemd-logind`, cron, Proxmox VE/Backup Server logins, the shadow-utils
//! tools (`useradd`, `userdel`, `usermod`, `passwd`, `chpasswd`, `chage`, `groupadd`,
//! `groupdel`, `groupmod`, `gpasswd`, `newusers`) and PAM module lines
//! (`pam_unix(SERVICE:KIND): ...`, `pam_sss`, `pam_tally2`, `pam_faillock`, and the old
//! Red Hat `sshd(pam_unix)[pid]:` tag) whatever program writes them.
//!
//! # Keyed on
//!
//! The tag: `app_name`. Without one: the host field when it holds one of our tags (RFC 3164
//! reads the single word of `<13>Oct 11 22:14:15 su: ...` as the host), else the
//! `tag[pid]:` found in the first 200 bytes of the message (a line without PRI, which the
//! parser keeps whole as `Unparsed`; a relay that doubled the host name). PAM lines are
//! recognised by their message starting with `pam_` whatever the tag. Everything else is
//! declined after one `match` on the tag and two `starts_with`.
//!
//! # Conventions
//!
//! * event_type: `access` for logins, logouts, sessions and authentication results;
//!   `security` for privilege use (sudo, su and their PAM lines), too many authentication
//!   failures and lockouts; `admin` for account, group and password administration;
//!   `system` for cron (and other scheduled PAM services: `crond`, `atd`, `systemd-user`).
//! * A login attempt as sshd reports it (`Accepted ...`, `Failed ...`, `Invalid user`) is
//!   action `login`; the PAM line that accompanies it is `authentication failed`, so that
//!   a count of failed logins does not count one attempt twice.
//! * user_id is the acting account. For su/sudo PAM lines that is `ruser=` or the `by NAME`
//!   of a session line when present, else the account the line names. Account
//!   administration names its actor only in `passwd`'s `changed by 'root'` and gpasswd's
//!   `added by root`; otherwise user_id is `None` and the target is in resource
//!   (`account:NAME`, `group:NAME`, `group:NAME account:MEMBER` for membership).
//! * resource: `ssh` for sshd, `console` for login, the command for sudo (with
//!   ` (as USER)` when the target is not root), the target account for su, `session N` for
//!   systemd-logind, the PAM service name otherwise.
//! * source_address: `from ADDR`, `rhost=`; an address is normalised (`[v6]`, `a.b.c.d:`),
//!   a host name (sshd with `UseDNS`, PAM `rhost=` of a resolved peer) is kept as written.

use std::borrow::Cow;

use super::text::{ip, kv, word_after};
use super::{EventType, Mapped};
use crate::parse::Parsed;
use crate::store::Outcome;

pub fn map(p: &Parsed) -> Option<Mapped> {
    let (tag, msg) = tag_and_message(p);
    let msg = strip_prefixes(msg);
    if let Some(service) = legacy_pam_tag(tag) {
        return pam_result(service, "", msg);
    }
    if msg.starts_with("pam_") {
        return pam_line(msg);
    }
    let found = match tag {
        "" => None,
        "sshd" | "sshd-session" | "sshd-auth" => sshd(msg),
        "dropbear" => dropbear(msg),
        "sudo" => sudo(msg),
        "su" => su(msg),
        "login" => login(msg),
        "systemd-logind" => logind(msg),
        "cron" | "CRON" | "crond" | "CROND" => cron(msg),
        "pvedaemon" | "pveproxy" | "proxmox-backup-proxy" => proxmox(msg),
        t => shadow_tool(t).and_then(|tool| shadow(tool, msg)),
    };
    found.or_else(|| root_login(msg))
}

// ---------------------------------------------------------------------------------------
// Tag and message
// ---------------------------------------------------------------------------------------

/// The tag and the program's text. Without an app_name: the host field if it holds one of
/// our tags (`<13>Oct 11 22:14:15 su: ...`), else the `tag[pid]:` found in the message (a
/// line without PRI, a relay that doubled the host), else no tag at all.
fn tag_and_message<'a>(p: &'a Parsed) -> (&'a str, &'a str) {
    let msg: &str = &p.message;
    if let Some(app) = p.app_name.as_deref() {
        return (app, msg);
    }
    if let Some(host) = p.hostname.as_deref().filter(|h| known_tag(h)) {
        return (host, msg);
    }
    header_less(msg).unwrap_or(("", msg))
}

fn known_tag(t: &str) -> bool {
    matches!(
        t,
        "sshd"
            | "sshd-session"
            | "sshd-auth"
            | "dropbear"
            | "sudo"
            | "su"
            | "login"
            | "systemd-logind"
            | "cron"
            | "CRON"
            | "crond"
            | "CROND"
            | "pvedaemon"
            | "pveproxy"
            | "proxmox-backup-proxy"
    ) || shadow_tool(t).is_some()
}

/// shadow-utils programs, as `&'static str` for rule names.
fn shadow_tool(t: &str) -> Option<&'static str> {
    Some(match t {
        "useradd" => "useradd",
        "userdel" => "userdel",
        "usermod" => "usermod",
        "passwd" => "passwd",
        "chpasswd" => "chpasswd",
        "chage" => "chage",
        "groupadd" => "groupadd",
        "groupdel" => "groupdel",
        "groupmod" => "groupmod",
        "gpasswd" => "gpasswd",
        "newusers" => "newusers",
        _ => return None,
    })
}

/// `... host tag[pid]: message` in a line without PRI: the word before the first `": "`
/// within the first 200 bytes, if it looks like a program name and something (a header)
/// stands before it.
fn header_less(text: &str) -> Option<(&str, &str)> {
    let b = text.as_bytes();
    let head = &b[..b.len().min(200)];
    let colon = memchr::memchr_iter(b':', head).find(|&i| head.get(i + 1) == Some(&b' '))?;
    let head = &text[..colon];
    let start = head.rfind(' ')? + 1;
    let mut tag = &head[start..];
    if let Some(open) = tag.strip_suffix(']').and_then(|t| t.rfind('[')) {
        tag = &tag[..open];
    }
    let plausible = tag
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphanumeric)
        && tag.bytes().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/' | b'(' | b')')
        });
    plausible.then(|| (tag, text[colon + 2..].trim_start()))
}

/// Removes what relays and some systems put before the program's own text:
/// rsyslog/journald's `message repeated N times: [ ... ]`, Solaris's
/// `[ID 800047 auth.notice] `.
fn strip_prefixes(msg: &str) -> &str {
    let mut msg = msg;
    if let Some(r) = msg.strip_prefix("message repeated ") {
        if let Some(at) = r.find("times: [") {
            msg = r[at + 8..].trim().trim_end_matches(']').trim_end();
        }
    }
    if msg.starts_with("[ID ") {
        if let Some(at) = msg.find("] ") {
            msg = &msg[at + 2..];
        }
    }
    msg
}

/// `sshd(pam_unix)` -> `sshd`: the PAM module in the tag, Red Hat before PAM 0.99.
fn legacy_pam_tag(tag: &str) -> Option<&str> {
    let (app, module) = tag.strip_suffix(')')?.split_once('(')?;
    (module.starts_with("pam_") && !app.is_empty()).then_some(app)
}

// ---------------------------------------------------------------------------------------
// Small text helpers (private: text.rs is shared)
// ---------------------------------------------------------------------------------------

/// An address as written: an IP normalised, else a host name kept as is. `None` for
/// empty or obviously-not-an-address words.
fn addr(w: &str) -> Option<String> {
    let w = w.trim_end_matches([',', ';']);
    if let Some(a) = ip(w).or_else(|| w.strip_suffix(':').and_then(ip)) {
        return Some(a.to_string());
    }
    let w = w.trim_end_matches([':', '.']);
    let host = !w.is_empty()
        && w.len() <= 255
        && w.bytes().any(|c| c.is_ascii_alphabetic())
        && w.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'));
    host.then(|| w.to_string())
}

fn addr_after(s: &str, marker: &str) -> Option<String> {
    word_after(s, marker).and_then(addr)
}

/// A non-empty `key=value` value.
fn kv_nonempty<'a>(body: &'a str, key: &str) -> Option<Cow<'a, str>> {
    kv(body, key).filter(|v| !v.is_empty())
}

/// The text inside the first pair of single quotes and what follows the closing quote.
fn quoted(s: &str) -> Option<(&str, &str)> {
    let open = s.find('\'')? + 1;
    let len = s[open..].find('\'')?;
    Some((&s[open..open + len], &s[open + len + 1..]))
}

/// `USER from ADDR ...` (after `for `): the user (without `invalid user `/`illegal user `)
/// and the address.
fn user_from(r: &str) -> (Option<&str>, Option<String>) {
    let (user, src) = match r.rfind(" from ") {
        Some(at) => (&r[..at], addr_after(&r[at..], " from ")),
        None => (r, None),
    };
    (nonempty(strip_invalid(user)), src)
}

fn strip_invalid(u: &str) -> &str {
    u.strip_prefix("invalid user ")
        .or_else(|| u.strip_prefix("illegal user "))
        .unwrap_or(u)
}

fn nonempty(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// sshd's `[KIND ]user U ADDR port N` / `ADDR port N` (after `Connection closed by `,
/// `Disconnected from ` ...): (kind, user, address). kind is `authenticating`, `invalid`,
/// `` for an authenticated user; `None` when the text names no user.
fn user_addr_port(r: &str) -> (Option<&str>, Option<&str>, Option<String>) {
    let r = r.trim_end_matches("[preauth]").trim_end();
    let head = match r.rfind(" port ") {
        Some(at) => &r[..at],
        None => r,
    };
    let (who, a) = match head.rsplit_once(' ') {
        Some((who, a)) => (who, a),
        None => ("", head),
    };
    let src = addr(a);
    if let Some(at) = who.find("user ") {
        let kind = who[..at].trim();
        return (Some(kind), nonempty(&who[at + 5..]), src);
    }
    (None, None, src)
}

// ---------------------------------------------------------------------------------------
// sshd
// ---------------------------------------------------------------------------------------

fn ssh(event_type: EventType, rule: &str, action: &str, outcome: Outcome) -> Mapped {
    Mapped::new(event_type, super::join(&["linux.sshd.", rule]))
        .action(action)
        .resource("ssh")
        .outcome(outcome)
}

fn with(mut m: Mapped, user: Option<&str>, src: Option<String>) -> Mapped {
    m.user_id = user.map(str::to_string);
    m.source_address = src;
    m
}

fn sshd(msg: &str) -> Option<Mapped> {
    let msg = msg.strip_prefix("error: ").unwrap_or(msg);
    if let Some(r) = msg.strip_prefix("Accepted ") {
        let (method, r) = r.split_once(" for ")?;
        let rule = match method {
            "password" => "accepted_password",
            "publickey" => "accepted_publickey",
            "gssapi-with-mic" | "gssapi-keyex" | "gssapi" => "accepted_gssapi",
            "hostbased" => "accepted_hostbased",
            m if m.starts_with("keyboard-interactive") => "accepted_keyboard_interactive",
            _ => "accepted",
        };
        let (user, src) = user_from(r);
        return Some(with(
            ssh(EventType::Access, rule, "login", Outcome::Success),
            user,
            src,
        ));
    }
    if let Some(r) = msg.strip_prefix("Failed ") {
        let (method, r) = r.split_once(" for ")?;
        let rule = match method {
            "password" => "failed_password",
            "publickey" => "failed_publickey",
            "none" => "failed_none",
            "gssapi-with-mic" | "gssapi-keyex" | "gssapi" => "failed_gssapi",
            "hostbased" => "failed_hostbased",
            m if m.starts_with("keyboard-interactive") => "failed_keyboard_interactive",
            _ => "failed",
        };
        let (user, src) = user_from(r);
        return Some(with(
            ssh(EventType::Access, rule, "login", Outcome::Failure),
            user,
            src,
        ));
    }
    if let Some(r) = msg
        .strip_prefix("Invalid user ")
        .or_else(|| msg.strip_prefix("Illegal user "))
    {
        let (user, src) = match r.rfind(" from ") {
            Some(at) => (nonempty(&r[..at]), addr_after(&r[at..], " from ")),
            None => (nonempty(r), None),
        };
        let m = ssh(EventType::Access, "invalid_user", "login", Outcome::Failure);
        return Some(with(m, user, src));
    }
    if let Some(r) = msg.strip_prefix("input_userauth_request: invalid user ") {
        let user = nonempty(r.trim_end_matches("[preauth]"));
        let m = ssh(EventType::Access, "invalid_user", "login", Outcome::Failure);
        return Some(with(m, user, None));
    }
    if let Some(r) = msg
        .strip_prefix("Connection closed by ")
        .or_else(|| msg.strip_prefix("Connection reset by "))
    {
        return Some(ssh_disconnect(
            r,
            msg.ends_with("[preauth]"),
            "connection_closed",
        ));
    }
    if let Some(r) = msg.strip_prefix("Disconnected from ") {
        return Some(ssh_disconnect(
            r,
            msg.ends_with("[preauth]"),
            "disconnected",
        ));
    }
    if msg.starts_with("Disconnecting") {
        return ssh_disconnecting(msg);
    }
    if let Some(r) = msg.strip_prefix("Received disconnect from ") {
        let preauth = msg.ends_with("[preauth]");
        let src = r.split_whitespace().next().and_then(addr);
        let (rule, action, outcome) = if preauth
            && (r.contains("Auth fail") || r.contains("No more user authentication methods"))
        {
            ("received_disconnect", "disconnected", Outcome::Failure)
        } else if !preauth && r.contains("disconnected by user") {
            ("logout", "logout", Outcome::Success)
        } else {
            ("received_disconnect", "disconnected", Outcome::Unknown)
        };
        return Some(with(
            ssh(EventType::Access, rule, action, outcome),
            None,
            src,
        ));
    }
    if let Some(r) = msg.strip_prefix("maximum authentication attempts exceeded for ") {
        let (user, src) = user_from(r);
        let m = ssh(
            EventType::Security,
            "max_auth_attempts",
            "too many authentication failures",
            Outcome::Failure,
        );
        return Some(with(m, user, src));
    }
    if let Some(r) = msg.strip_prefix("PAM: ") {
        // `error: PAM: Authentication failure for [illegal user] U from ADDR`
        let at = r.rfind(" for ")?;
        let (user, src) = user_from(&r[at + 5..]);
        let m = ssh(EventType::Access, "pam_error", "login", Outcome::Failure);
        return Some(with(m, user, src));
    }
    if let Some(r) = msg.strip_prefix("PAM ") {
        return more_failures(r).map(|m| m.resource("ssh"));
    }
    if let Some(r) = msg.strip_prefix("User ") {
        if !r.contains(" not allowed because ") {
            return None;
        }
        let (user, src) = match r.find(" from ") {
            Some(at) => (nonempty(&r[..at]), addr_after(&r[at..], " from ")),
            None => (r.split_whitespace().next(), None),
        };
        let m = ssh(
            EventType::Access,
            "user_not_allowed",
            "login",
            Outcome::Failure,
        );
        return Some(with(m, user, src));
    }
    if let Some(r) = msg.strip_prefix("ROOT LOGIN REFUSED") {
        let src = addr_after(r, "FROM ");
        let m = ssh(
            EventType::Access,
            "root_login_refused",
            "login",
            Outcome::Failure,
        );
        return Some(with(m, Some("root"), src));
    }
    None
}

/// `Connection closed by ...`, `Disconnected from ...`: before authentication a
/// failure when a user was being authenticated, after it a logout.
fn ssh_disconnect(r: &str, preauth: bool, rule: &str) -> Mapped {
    let (kind, user, src) = user_addr_port(r);
    let (rule, action, outcome) = match kind {
        Some("") if !preauth => ("logout", "logout", Outcome::Success),
        Some(_) => (rule, "disconnected", Outcome::Failure),
        None => (rule, "disconnected", Outcome::Unknown),
    };
    with(ssh(EventType::Access, rule, action, outcome), user, src)
}

/// `Disconnecting authenticating user U ADDR port N: Too many authentication failures`,
/// `Disconnecting: Too many authentication failures for U [preauth]`.
fn ssh_disconnecting(msg: &str) -> Option<Mapped> {
    let too_many = msg.contains("Too many authentication failures");
    if let Some(r) = msg.strip_prefix("Disconnecting: ") {
        if !too_many {
            return None;
        }
        let user = r.find(" for ").and_then(|at| {
            nonempty(strip_invalid(
                r[at + 5..].trim_end_matches("[preauth]").trim(),
            ))
        });
        let m = ssh(
            EventType::Security,
            "too_many_failures",
            "too many authentication failures",
            Outcome::Failure,
        );
        return Some(with(m, user, None));
    }
    let r = msg.strip_prefix("Disconnecting ")?;
    let head = &r[..r.find(": ").unwrap_or(r.len())];
    let (kind, user, src) = user_addr_port(head);
    kind?;
    let m = if too_many {
        ssh(
            EventType::Security,
            "too_many_failures",
            "too many authentication failures",
            Outcome::Failure,
        )
    } else {
        ssh(
            EventType::Access,
            "disconnecting",
            "disconnected",
            Outcome::Failure,
        )
    };
    Some(with(m, user, src))
}

/// `N more authentication failures; logname= ... rhost=ADDR  user=U` (sshd's `PAM N more`,
/// the legacy `sshd(pam_unix)` line).
fn more_failures(r: &str) -> Option<Mapped> {
    let (n, rest) = r.split_once(' ')?;
    if n.is_empty()
        || !n.bytes().all(|c| c.is_ascii_digit())
        || !rest.starts_with("more authentication failure")
    {
        return None;
    }
    let mut m = Mapped::new(EventType::Security, "linux.pam.more_failures")
        .action("too many authentication failures")
        .outcome(Outcome::Failure);
    m.user_id = kv_nonempty(rest, "user").map(Cow::into_owned);
    m.source_address = kv_nonempty(rest, "rhost").and_then(|h| addr(&h));
    Some(m)
}

// ---------------------------------------------------------------------------------------
// PAM
// ---------------------------------------------------------------------------------------

/// `pam_unix(sshd:auth): rest`, `pam_sss(sudo:auth): rest`, `pam_tally2(sudo:auth): ...`.
fn pam_line(msg: &str) -> Option<Mapped> {
    let open = msg.find('(')?;
    let close = open + msg[open..].find("):")?;
    let inner = &msg[open + 1..close];
    let service = inner.split_once(':').map_or(inner, |(s, _)| s);
    pam_result(
        service,
        inner.split_once(':').map_or("", |(_, k)| k),
        msg[close + 2..].trim_start(),
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Privilege change: su, sudo and friends.
    Privileged,
    /// Scheduled jobs: cron, at, the systemd user manager.
    Scheduled,
    /// Everything else: logins to a service.
    Login,
}

fn class_of(service: &str) -> Class {
    match service {
        "su" | "su-l" | "sudo" | "sudo-i" | "runuser" | "runuser-l" | "doas" | "pkexec"
        | "polkit-1" => Class::Privileged,
        "cron" | "crond" | "atd" | "systemd-user" => Class::Scheduled,
        _ => Class::Login,
    }
}

fn service_resource(service: &str) -> Option<&str> {
    match service {
        "" => None,
        "sshd" => Some("ssh"),
        "login" => Some("console"),
        s => Some(s),
    }
}

/// What a PAM module said, for `service` (`kind`: auth, account, session, password or
/// chauthtok; empty for the legacy tag).
fn pam_result(service: &str, kind: &str, rest: &str) -> Option<Mapped> {
    let class = class_of(service);
    let event = match class {
        Class::Privileged => EventType::Security,
        Class::Scheduled => EventType::System,
        Class::Login => EventType::Access,
    };
    let base = |rule: &str, event: EventType, action: &str, outcome: Outcome| {
        let m = Mapped::new(event, super::join(&["linux.pam.", rule]))
            .action(action)
            .outcome(outcome);
        match service_resource(service) {
            Some(r) => m.resource(r),
            None => m,
        }
    };

    if let Some(r) = rest.strip_prefix("authentication failure") {
        let user = kv_nonempty(r, "user");
        let ruser = kv_nonempty(r, "ruser");
        let (user_id, resource) = match class {
            Class::Privileged => {
                let switches_user = matches!(service, "su" | "su-l" | "runuser" | "runuser-l");
                (ruser.or(user.clone()), user.filter(|_| switches_user))
            }
            _ => (user.or(ruser), None),
        };
        let mut m = if kind == "chauthtok" {
            base(
                "password_change_failed",
                EventType::Admin,
                "password changed",
                Outcome::Failure,
            )
        } else {
            base(
                "auth_failure",
                event,
                "authentication failed",
                Outcome::Failure,
            )
        };
        m.user_id = user_id.map(Cow::into_owned);
        if let Some(t) = resource {
            m.resource = Some(t.into_owned());
        }
        m.source_address = kv_nonempty(r, "rhost").and_then(|h| addr(&h));
        return Some(m);
    }
    if rest.starts_with("check pass; user unknown") {
        return Some(base(
            "user_unknown",
            event,
            "authentication failed",
            Outcome::Failure,
        ));
    }
    if let Some(r) = rest.strip_prefix("authentication success") {
        let mut m = base("auth_success", event, "authenticated", Outcome::Success);
        m.user_id = kv_nonempty(r, "user")
            .or(kv_nonempty(r, "ruser"))
            .map(Cow::into_owned);
        m.source_address = kv_nonempty(r, "rhost").and_then(|h| addr(&h));
        return Some(m);
    }
    if let Some(r) = rest.strip_prefix("session opened for user ") {
        // `root(uid=0) by bob(uid=1000)`, `fztu by (uid=0)`, `root by LOGIN(uid=0)`.
        let target = session_user(r);
        let by = r
            .find(" by ")
            .map(|at| &r[at + 4..])
            .and_then(|b| nonempty(&b[..b.find('(').unwrap_or(b.len())]));
        let mut m = base("session_opened", event, "session opened", Outcome::Success);
        if class == Class::Privileged {
            m.user_id = by.or(target).map(str::to_string);
            m.resource = target.map(str::to_string);
        } else {
            m.user_id = target.map(str::to_string);
        }
        return Some(m);
    }
    if let Some(r) = rest.strip_prefix("session closed for user ") {
        let target = session_user(r);
        let mut m = base("session_closed", event, "session closed", Outcome::Success);
        m.user_id = target.map(str::to_string);
        if class == Class::Privileged {
            m.resource = target.map(str::to_string);
        }
        return Some(m);
    }
    if let Some(r) = rest.strip_prefix("password changed for ") {
        let user = nonempty(r)?;
        return Some(
            Mapped::new(EventType::Admin, "linux.pam.password_changed")
                .action("password changed")
                .resource(super::join(&["account:", user]))
                .outcome(Outcome::Success),
        );
    }
    if let Some(m) = more_failures(rest) {
        let mut m = match service_resource(service) {
            Some(r) => m.resource(r),
            None => m,
        };
        if class == Class::Privileged {
            m.user_id = kv_nonempty(rest, "ruser")
                .map(Cow::into_owned)
                .or(m.user_id);
        }
        return Some(m);
    }
    if let Some(r) = rest.strip_prefix("received for user ") {
        // pam_sss: `received for user bob: 7 (Authentication failure)`
        let user = nonempty(r.split_once(':').map_or(r, |(u, _)| u));
        let mut m = base(
            "auth_failure",
            event,
            "authentication failed",
            Outcome::Failure,
        );
        m.user_id = user.map(str::to_string);
        return Some(m);
    }
    if let Some(r) = rest.strip_prefix("auth could not identify password for [") {
        let mut m = base(
            "auth_failure",
            event,
            "authentication failed",
            Outcome::Failure,
        );
        m.user_id = nonempty(r.split(']').next().unwrap_or("")).map(str::to_string);
        return Some(m);
    }
    if let Some(r) = rest.strip_prefix("account ") {
        // pam_unix(account): `account bob has expired (account expired)`
        let (user, tail) = r.split_once(' ')?;
        if !tail.starts_with("has expired") {
            return None;
        }
        let mut m = base(
            "account_expired",
            event,
            "authentication failed",
            Outcome::Failure,
        );
        m.user_id = nonempty(user).map(str::to_string);
        return Some(m);
    }
    if let Some(r) = rest.strip_prefix("user ") {
        // pam_tally2: `user bob (1001) tally 6, deny 5`
        if !r.contains(" tally ") || !r.contains("deny ") {
            return None;
        }
        let mut m = base(
            "locked_out",
            EventType::Security,
            "account locked out",
            Outcome::Failure,
        );
        m.user_id = r.split_whitespace().next().map(str::to_string);
        return Some(m);
    }
    if let Some(r) = rest.strip_prefix("Consecutive login failures for user ") {
        // pam_faillock: `Consecutive login failures for user bob account temporarily locked`
        let mut m = base(
            "locked_out",
            EventType::Security,
            "account locked out",
            Outcome::Failure,
        );
        m.user_id = r.split_whitespace().next().map(str::to_string);
        return Some(m);
    }
    None
}

/// `root(uid=0) by ...` / `fztu by (uid=0)` / `bob` -> the account name.
fn session_user(r: &str) -> Option<&str> {
    let end = r.find([' ', '(']).unwrap_or(r.len());
    nonempty(&r[..end])
}

// ---------------------------------------------------------------------------------------
// sudo, su, login, systemd-logind, cron
// ---------------------------------------------------------------------------------------

/// `bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/id -u`,
/// `bob : 3 incorrect password attempts ; TTY=... ; COMMAND=...`,
/// `bob : user NOT in sudoers ; TTY=... ; COMMAND=...`.
fn sudo(msg: &str) -> Option<Mapped> {
    let (user, rest) = msg.split_once(" : ")?;
    let user = user.trim();
    if user.is_empty() || user.contains(' ') {
        return None;
    }
    let first = rest.split(" ; ").next().unwrap_or(rest).trim();
    let (rule, outcome) = if first.contains('=') {
        ("command", Outcome::Success)
    } else if first.contains("incorrect password attempt") {
        ("incorrect_password", Outcome::Failure)
    } else if first.starts_with("user NOT in sudoers") {
        ("not_in_sudoers", Outcome::Failure)
    } else if first.starts_with("command not allowed") {
        ("command_not_allowed", Outcome::Failure)
    } else if first.starts_with("user NOT authorized on host") {
        ("not_authorized_on_host", Outcome::Failure)
    } else {
        ("denied", Outcome::Failure)
    };
    let mut m = Mapped::new(EventType::Security, super::join(&["linux.sudo.", rule]))
        .user(user)
        .action("sudo")
        .outcome(outcome);
    if let Some(at) = rest.find("COMMAND=") {
        let cmd = rest[at + 8..].trim();
        let target = rest.find("USER=").and_then(|u| {
            let v = &rest[u + 5..];
            nonempty(&v[..v.find([' ', ';']).unwrap_or(v.len())])
        });
        m.resource = Some(match target {
            Some(t) if t != "root" => format!("{cmd} (as {t})"),
            _ => cmd.to_string(),
        });
    }
    Some(m)
}

fn su_mapped(rule: &str, user: Option<&str>, target: Option<&str>, outcome: Outcome) -> Mapped {
    let mut m = Mapped::new(EventType::Security, super::join(&["linux.su.", rule]))
        .action("su")
        .outcome(outcome);
    m.user_id = user.map(str::to_string);
    m.resource = target.map(str::to_string);
    m
}

/// util-linux: `(to root) bob on pts/0`, `FAILED SU (to root) bob on pts/0`; shadow:
/// `Successful su for root by bob`, `FAILED su for root by bob`, `+ pts/0 bob:root`,
/// `- pts/0 bob:root`; old BSD: `bob to root on /dev/ttyp1`, `BAD SU bob to root on ...`.
fn su(msg: &str) -> Option<Mapped> {
    let (failed, r) = match msg
        .strip_prefix("FAILED SU ")
        .or_else(|| msg.strip_prefix("BAD SU "))
    {
        Some(r) => (true, r),
        None => (false, msg),
    };
    let outcome = if failed {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    let rule = if failed { "failed" } else { "to_user" };
    if let Some(r) = r.strip_prefix("(to ") {
        let (target, r) = r.split_once(") ")?;
        let user = nonempty(r.split(" on ").next().unwrap_or(r));
        return Some(su_mapped(rule, user, nonempty(target), outcome));
    }
    for (prefix, outcome, rule) in [
        ("Successful su for ", Outcome::Success, "to_user"),
        ("FAILED su for ", Outcome::Failure, "failed"),
    ] {
        if let Some(r) = msg.strip_prefix(prefix) {
            let (target, user) = r.split_once(" by ")?;
            return Some(su_mapped(rule, nonempty(user), nonempty(target), outcome));
        }
    }
    if let Some((sign, r)) = msg
        .split_at_checked(2)
        .filter(|(s, _)| *s == "+ " || *s == "- ")
    {
        let pair = r.split_whitespace().nth(1)?;
        let (user, target) = pair.split_once(':')?;
        let (rule, outcome) = if sign == "+ " {
            ("to_user", Outcome::Success)
        } else {
            ("failed", Outcome::Failure)
        };
        return Some(su_mapped(rule, nonempty(user), nonempty(target), outcome));
    }
    if let Some((what, r)) = msg.split_once(" failed for ") {
        // RFC 3164/5424 examples: `'su root' failed for lonvick on /dev/pts/8`
        let target = what.trim_matches('\'').strip_prefix("su ").map(str::trim);
        if let Some(target) = target {
            let user = nonempty(r.split(" on ").next().unwrap_or(r));
            return Some(su_mapped(
                "failed",
                user,
                nonempty(target),
                Outcome::Failure,
            ));
        }
    }
    if let Some(r) = msg.strip_prefix("failed: ") {
        // `failed: ttyq4 changing from bob to root`
        let r = r.split_once(" changing from ")?.1;
        let (user, target) = r.split_once(" to ")?;
        return Some(su_mapped(
            "failed",
            nonempty(user),
            nonempty(target),
            Outcome::Failure,
        ));
    }
    // `bob to root on /dev/ttyp1`
    let (user, r) = r.split_once(" to ")?;
    let (target, _) = r.split_once(" on ")?;
    if user.contains(' ') || target.contains(' ') {
        return None;
    }
    Some(su_mapped(rule, nonempty(user), nonempty(target), outcome))
}

fn console(rule: &str, event_type: EventType, action: &str, outcome: Outcome) -> Mapped {
    Mapped::new(event_type, super::join(&["linux.login.", rule]))
        .action(action)
        .resource("console")
        .outcome(outcome)
}

/// shadow: `FAILED LOGIN (1) on '/dev/tty1' [from 'host'] FOR 'bob', Authentication failure`,
/// `TOO MANY LOGIN TRIES (5) on '/dev/tty1' FOR 'bob'`; util-linux:
/// `FAILED LOGIN 1 FROM host FOR bob, Authentication failure`, `LOGIN ON tty1 BY bob`.
fn login(msg: &str) -> Option<Mapped> {
    let (rule, event, action) = if msg.starts_with("FAILED LOGIN") {
        ("failed_login", EventType::Access, "login")
    } else if msg.starts_with("TOO MANY LOGIN TRIES") {
        (
            "too_many_tries",
            EventType::Security,
            "too many authentication failures",
        )
    } else if let Some(r) = msg.strip_prefix("LOGIN ON ") {
        let user = word_after(r, " BY ").map(|u| u.trim_matches('\''));
        let src = from_host(r);
        let m = console("login", EventType::Access, "login", Outcome::Success);
        return Some(with(m, user, src));
    } else {
        return None;
    };
    let at = msg.find(" FOR ")?;
    let r = &msg[at + 5..];
    let user = match r.strip_prefix('\'') {
        Some(q) => q.split('\'').next(),
        None => r.split(',').next(),
    };
    let src = from_host(&msg[..at]);
    Some(with(
        console(rule, event, action, Outcome::Failure),
        user.and_then(nonempty),
        src,
    ))
}

/// `from 'host'` / `FROM host` in a login line.
fn from_host(s: &str) -> Option<String> {
    let at = s.find(" from ").or_else(|| s.find(" FROM "))?;
    let w = word_after(
        &s[at..],
        if s[at..].starts_with(" from ") {
            " from "
        } else {
            " FROM "
        },
    )?;
    addr(w.trim_matches('\''))
}

/// Dropbear: `Password auth succeeded for 'root' from 192.0.2.1:5555`,
/// `Pubkey auth succeeded for 'root' with key ... from ...`,
/// `Bad password attempt for 'root' from ...`, `Login attempt for nonexistent user from ...`,
/// `Exit before auth (user 'root', 10 fails): Max auth tries reached - user 'root' from ...`.
fn dropbear(msg: &str) -> Option<Mapped> {
    let m = |rule: &str, event: EventType, action: &str, outcome: Outcome| {
        Mapped::new(event, super::join(&["linux.dropbear.", rule]))
            .action(action)
            .resource("ssh")
            .outcome(outcome)
    };
    let (rule, event, action, outcome) = if msg.contains(" auth succeeded for ") {
        (
            "auth_succeeded",
            EventType::Access,
            "login",
            Outcome::Success,
        )
    } else if msg.starts_with("Bad password attempt for ")
        || msg.starts_with("Bad PAM password attempt for ")
    {
        ("bad_password", EventType::Access, "login", Outcome::Failure)
    } else if msg.starts_with("Login attempt for nonexistent user") {
        (
            "nonexistent_user",
            EventType::Access,
            "login",
            Outcome::Failure,
        )
    } else if msg.starts_with("Exit before auth") && msg.contains("Max auth tries reached") {
        (
            "max_auth_tries",
            EventType::Security,
            "too many authentication failures",
            Outcome::Failure,
        )
    } else {
        return None;
    };
    let user = quoted(msg).map(|(u, _)| u).and_then(nonempty);
    let src = msg
        .rfind(" from ")
        .and_then(|at| addr_after(&msg[at..], " from "));
    Some(with(m(rule, event, action, outcome), user, src))
}

/// Proxmox VE / Backup Server: `authentication failure; rhost=ADDR user=root@pam msg=...`,
/// `<root@pam> successful auth for user 'root@pam'`.
fn proxmox(msg: &str) -> Option<Mapped> {
    let m = |rule: &str, outcome: Outcome| {
        Mapped::new(EventType::Access, super::join(&["linux.proxmox.", rule]))
            .action("login")
            .resource("proxmox")
            .outcome(outcome)
    };
    if let Some(r) = msg.strip_prefix("authentication failure;") {
        let user = kv_nonempty(r, "user").map(Cow::into_owned);
        let src = kv_nonempty(r, "rhost").and_then(|h| addr(&h));
        let mut out = m("auth_failure", Outcome::Failure);
        out.user_id = user;
        out.source_address = src;
        return Some(out);
    }
    let at = msg.find("successful auth for user ")?;
    let user = quoted(&msg[at..]).map(|(u, _)| u).and_then(nonempty);
    Some(with(m("auth_success", Outcome::Success), user, None))
}

/// `ROOT LOGIN ON tty1 [FROM host]` (util-linux), `ROOT LOGIN  on '/dev/tty1'` (shadow):
/// recognised whatever the tag (old Red Hat wrote it as `-- root[pid]:`).
fn root_login(msg: &str) -> Option<Mapped> {
    let r = msg.strip_prefix("ROOT LOGIN ")?;
    if !r.trim_start().to_ascii_lowercase().starts_with("on ") {
        return None;
    }
    let src = from_host(r);
    Some(with(
        console("root_login", EventType::Access, "login", Outcome::Success),
        Some("root"),
        src,
    ))
}

/// `New session 42 of user bob.`, `Session 42 logged out. Waiting for processes to exit.`,
/// `Removed session 42.`
fn logind(msg: &str) -> Option<Mapped> {
    let m = |rule: &str, action: &str, id: &str| {
        Mapped::new(EventType::Access, super::join(&["linux.logind.", rule]))
            .action(action)
            .resource(super::join(&["session ", id]))
            .outcome(Outcome::Success)
    };
    if let Some(r) = msg.strip_prefix("New session ") {
        let (id, r) = r.split_once(" of user ")?;
        let user = nonempty(r.trim_end_matches('.'));
        return Some(with(m("new_session", "session opened", id), user, None));
    }
    if let Some(r) = msg.strip_prefix("Session ") {
        let (id, _) = r.split_once(" logged out.")?;
        return Some(m("logged_out", "logout", id));
    }
    let id = msg.strip_prefix("Removed session ")?.trim_end_matches('.');
    Some(m("removed_session", "session closed", id))
}

/// `(root) CMD (/usr/local/bin/backup.sh)`.
fn cron(msg: &str) -> Option<Mapped> {
    let r = msg.strip_prefix('(')?;
    let (user, r) = r.split_once(") CMD ")?;
    let cmd = r.trim();
    let cmd = cmd
        .strip_prefix('(')
        .and_then(|c| c.strip_suffix(')'))
        .unwrap_or(cmd);
    let mut m = Mapped::new(EventType::System, "linux.cron.cmd")
        .action("cron job")
        .outcome(Outcome::Success)
        .resource(cmd);
    m.user_id = nonempty(user).map(str::to_string);
    Some(m)
}

// ---------------------------------------------------------------------------------------
// shadow-utils account administration
// ---------------------------------------------------------------------------------------

fn admin(tool: &str, rule: &str, action: &str, resource: String) -> Mapped {
    Mapped::new(EventType::Admin, format!("linux.{tool}.{rule}"))
        .action(action)
        .resource(resource)
        .outcome(Outcome::Success)
}

/// The strings shadow-utils writes to syslog (`SYSLOG((LOG_INFO, ...))`).
fn shadow(tool: &str, msg: &str) -> Option<Mapped> {
    let name = |key: &str| {
        kv(msg, key)
            .map(|v| v.trim_end_matches(',').to_string())
            .filter(|v| !v.is_empty())
    };
    if msg.starts_with("new user: ") {
        return Some(admin(
            tool,
            "new_user",
            "account created",
            format!("account:{}", name("name")?),
        ));
    }
    if msg.starts_with("new group: ") || msg.starts_with("group added to ") {
        return Some(admin(
            tool,
            "new_group",
            "group created",
            format!("group:{}", name("name")?),
        ));
    }
    if let Some(r) = msg.strip_prefix("failed adding user ") {
        let (user, _) = quoted(r)?;
        let m = admin(
            tool,
            "failed_adding_user",
            "account created",
            super::join(&["account:", user]),
        );
        return Some(m.outcome(Outcome::Failure));
    }
    if let Some(r) = msg.strip_prefix("add ") {
        // `add 'bob' to group 'sudo'`, `add 'bob' to shadow group 'sudo'`
        let (user, r) = quoted(r)?;
        let (group, _) = quoted(r)?;
        return Some(admin(
            tool,
            "add_to_group",
            "group member added",
            format!("group:{group} account:{user}"),
        ));
    }
    if let Some(r) = msg.strip_prefix("delete user ") {
        let (user, _) = quoted(r)?;
        return Some(admin(
            tool,
            "delete_user",
            "account deleted",
            super::join(&["account:", user]),
        ));
    }
    if let Some(r) = msg.strip_prefix("delete ") {
        // `delete 'bob' from group 'sudo'`
        let (user, r) = quoted(r)?;
        let (group, _) = quoted(r)?;
        return Some(admin(
            tool,
            "delete_from_group",
            "group member removed",
            format!("group:{group} account:{user}"),
        ));
    }
    if msg.starts_with("removed group ") || msg.starts_with("removed shadow group ") {
        let (group, _) = quoted(msg)?;
        return Some(admin(
            tool,
            "removed_group",
            "group deleted",
            super::join(&["group:", group]),
        ));
    }
    if let Some(r) = msg.strip_prefix("group ") {
        // groupdel: `group 'devs' removed`, `group 'devs' removed from /etc/group`
        let (group, r) = quoted(r)?;
        if !r.trim_start().starts_with("removed") {
            return None;
        }
        return Some(admin(
            tool,
            "group_removed",
            "group deleted",
            super::join(&["group:", group]),
        ));
    }
    if let Some(r) = msg.strip_prefix("group changed in ") {
        // groupmod: `group changed in /etc/group (group devs/1002, new name: ops)`
        let r = r.split_once("(group ")?.1;
        let group = r.split(['/', ',', ')']).next().and_then(nonempty)?;
        return Some(admin(
            tool,
            "group_changed",
            "group changed",
            super::join(&["group:", group]),
        ));
    }
    if let Some(r) = msg.strip_prefix("change user ") {
        let (user, r) = quoted(r)?;
        let r = r.trim();
        let (rule, action) = if r == "password" {
            ("change_password", "password changed")
        } else {
            ("change_user", "account changed")
        };
        // `change user name 'old' to 'new'` quotes the old name first, as wanted.
        return Some(admin(tool, rule, action, super::join(&["account:", user])));
    }
    for (prefix, rule, action) in [
        ("lock user ", "lock_user", "account disabled"),
        ("unlock user ", "unlock_user", "account enabled"),
    ] {
        if let Some(r) = msg.strip_prefix(prefix) {
            let (user, _) = quoted(r)?;
            return Some(admin(tool, rule, action, super::join(&["account:", user])));
        }
    }
    if let Some(r) = msg.strip_prefix("password for ") {
        // passwd: `password for 'bob' changed by 'root'`
        let (user, r) = quoted(r)?;
        let by = r
            .split_once(" by ")
            .and_then(|(_, b)| nonempty(b.trim_matches(|c| c == '\'' || c == ' ')));
        let mut m = admin(
            tool,
            "password_changed",
            "password changed",
            super::join(&["account:", user]),
        );
        m.user_id = by.map(str::to_string);
        return Some(m);
    }
    if let Some(r) = msg.strip_prefix("changed password expiry for ") {
        let user = nonempty(r.trim_matches('\''))?;
        return Some(admin(
            tool,
            "password_expiry",
            "account changed",
            super::join(&["account:", user]),
        ));
    }
    if let Some(r) = msg.strip_prefix("user ") {
        // gpasswd: `user bob added by root to group sudo`, `user bob removed by root from group sudo`
        let (user, r) = r.split_once(' ')?;
        let (rule, action, r) = if let Some(r) = r.strip_prefix("added by ") {
            ("user_added", "group member added", r)
        } else if let Some(r) = r.strip_prefix("removed by ") {
            ("user_removed", "group member removed", r)
        } else {
            return None;
        };
        let (by, r) = r.split_once(' ')?;
        let group = word_after(r, "group ")?;
        let mut m = admin(tool, rule, action, format!("group:{group} account:{user}"));
        m.user_id = nonempty(by).map(str::to_string);
        return Some(m);
    }
    for (prefix, rule, action) in [
        ("password of group ", "group_password", "group changed"),
        ("members of group ", "members_set", "group changed"),
        (
            "administrators of group ",
            "administrators_set",
            "group changed",
        ),
    ] {
        if let Some(r) = msg.strip_prefix(prefix) {
            // gpasswd: `members of group devs set by root to bob,carol`
            let (group, r) = r.split_once(' ')?;
            let mut m = admin(tool, rule, action, super::join(&["group:", group]));
            m.user_id = word_after(r, "by ").map(str::to_string);
            return Some(m);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn p(line: &str) -> Parsed<'_> {
        let received = Utc.with_ymd_and_hms(2026, 3, 14, 12, 0, 0).unwrap();
        crate::parse::parse(line, received, &crate::parse::ParseOptions::default())
    }

    #[test]
    fn header_less_finds_the_tag() {
        assert_eq!(
            header_less("Dec 10 06:55:46 host sshd[24200]: Invalid user x from 192.0.2.1"),
            Some(("sshd", "Invalid user x from 192.0.2.1"))
        );
        assert_eq!(
            header_less("2020-03-23 06:47:42.801612-0700  localhost su(pam_unix)[3]: session closed for user x"),
            Some(("su(pam_unix)", "session closed for user x"))
        );
        assert_eq!(
            header_less("2026-02-25T11:07:18+01:00: authentication failure"),
            None
        );
        assert_eq!(header_less("Exit (root): Disconnect received"), None);
        assert_eq!(header_less("no colon here"), None);
    }

    #[test]
    fn legacy_tag_and_prefixes() {
        assert_eq!(legacy_pam_tag("sshd(pam_unix)"), Some("sshd"));
        assert_eq!(legacy_pam_tag("sshd"), None);
        assert_eq!(legacy_pam_tag("(pam_unix)"), None);
        assert_eq!(
            strip_prefixes(
                "message repeated 5 times: [ Failed password for root from 192.0.2.1 port 1 ssh2]"
            ),
            "Failed password for root from 192.0.2.1 port 1 ssh2"
        );
        assert_eq!(
            strip_prefixes("[ID 800047 auth.notice] Failed none for root"),
            "Failed none for root"
        );
    }

    #[test]
    fn addresses_and_hosts() {
        assert_eq!(addr("192.0.2.7:").as_deref(), Some("192.0.2.7"));
        assert_eq!(addr("2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(
            addr("host.example.com").as_deref(),
            Some("host.example.com")
        );
        assert_eq!(addr(""), None);
        assert_eq!(addr("12345"), None);
        assert_eq!(
            user_addr_port("authenticating user root 198.51.100.4 port 4 [preauth]"),
            (
                Some("authenticating"),
                Some("root"),
                Some("198.51.100.4".to_string())
            )
        );
        assert_eq!(
            user_addr_port("198.51.100.4 port 4"),
            (None, None, Some("198.51.100.4".to_string()))
        );
    }

    #[test]
    fn declines_other_senders_and_junk() {
        for line in [
            "<134>Oct 11 22:14:15 host kernel: eth0 link up",
            "<189>date=2026-01-02 time=10:00:00 devname=fw01 type=event",
            "<13>Oct 11 22:14:15 host sshd[1]: Server listening on 0.0.0.0 port 22.",
            "<13>Oct 11 22:14:15 host sudo[1]: no colon space here",
            "<13>Oct 11 22:14:15 host useradd[1]: something else",
            "",
            "pam_",
            "x: pam_(",
        ] {
            assert!(map(&p(line)).is_none(), "{line}");
        }
    }

    #[test]
    fn total_on_truncated_lines() {
        let lines = [
            "<38>Oct 11 22:14:15 h sshd[1]: Accepted password for bob from 192.0.2.1 port 22 ssh2",
            "<38>Oct 11 22:14:15 h sshd[1]: Disconnecting authenticating user bob 192.0.2.1 port 2: Too many authentication failures [preauth]",
            "<38>Oct 11 22:14:15 h sudo: bob : TTY=pts/0 ; PWD=/ ; USER=www-data ; COMMAND=/bin/ls",
            "<38>Oct 11 22:14:15 h su: FAILED SU (to root) bob on pts/0",
            "<38>Oct 11 22:14:15 h useradd[1]: add 'bob' to group 'sudo'",
            "<38>Oct 11 22:14:15 h sshd[1]: pam_unix(sshd:session): session opened for user root(uid=0) by bob(uid=1000)",
            "<38>Oct 11 22:14:15 h login[1]: FAILED LOGIN (1) on '/dev/tty1' FOR 'bob', Authentication failure",
            "<38>Oct 11 22:14:15 h gpasswd[1]: user bob added by root to group sudo",
        ];
        for line in lines {
            for end in 0..=line.len() {
                if line.is_char_boundary(end) {
                    let _ = map(&p(&line[..end]));
                }
            }
        }
    }

    #[test]
    fn sudo_target_other_than_root_goes_into_resource() {
        let m = map(&p("<85>Oct 11 22:14:15 h sudo: bob : TTY=pts/0 ; PWD=/ ; USER=www-data ; COMMAND=/bin/ls -l")).unwrap();
        assert_eq!(m.resource.as_deref(), Some("/bin/ls -l (as www-data)"));
        assert_eq!(m.user_id.as_deref(), Some("bob"));
    }
}
