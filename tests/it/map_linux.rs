//! `mapping::linux` on lines shaped like what Linux hosts send: one test per sender (sshd,
//! sudo, su, login, systemd-logind, shadow-utils, PAM from other programs, cron), each
//! checked through `linux::map` and through the whole built-in mapper (no family before
//! `linux` may take these lines). Every fixture is written for this file (documentation
//! addresses, invented users and hosts).

use chrono::{TimeZone, Utc};
use hipaa_audit::mapping::{linux, EventType, Mapped, Mapper};
use hipaa_audit::parse::{parse, ParseOptions, Parsed};
use hipaa_audit::store::Outcome;

fn parsed(line: &str) -> Parsed<'_> {
    let received = Utc.with_ymd_and_hms(2026, 3, 14, 12, 0, 0).unwrap();
    parse(line, received, &ParseOptions::default())
}

/// What a line must map to.
struct Want<'a> {
    event: EventType,
    user: Option<&'a str>,
    action: &'a str,
    resource: Option<&'a str>,
    outcome: Outcome,
    source: Option<&'a str>,
    rule: &'a str,
}

#[track_caller]
fn check(line: &str, w: Want) {
    let p = parsed(line);
    let m: Mapped = linux::map(&p).unwrap_or_else(|| panic!("linux::map declined: {line}"));
    assert_eq!(m.rule, w.rule, "{line}");
    assert_eq!(m.event_type, w.event, "{line}");
    assert_eq!(m.user_id.as_deref(), w.user, "{line}");
    assert_eq!(m.action.as_deref(), Some(w.action), "{line}");
    assert_eq!(m.resource.as_deref(), w.resource, "{line}");
    assert_eq!(m.outcome, w.outcome, "{line}");
    assert_eq!(m.source_address.as_deref(), w.source, "{line}");
    assert_eq!(m.severity, None, "{line}");
    assert_eq!(Mapper::builtin().map(&p), m, "another family took: {line}");
}

#[track_caller]
fn declined(line: &str) {
    assert!(
        linux::map(&parsed(line)).is_none(),
        "should decline: {line}"
    );
}

#[test]
fn sshd_accepted_publickey() {
    check(
        "<38>Mar 14 09:12:01 web01 sshd[4121]: Accepted publickey for alice from 203.0.113.9 port 51514 ssh2: ED25519 SHA256:Zm9vYmFyYmF6cXV4",
        Want {
            event: EventType::Access,
            user: Some("alice"),
            action: "login",
            resource: Some("ssh"),
            outcome: Outcome::Success,
            source: Some("203.0.113.9"),
            rule: "linux.sshd.accepted_publickey",
        },
    );
}

#[test]
fn sshd_accepted_password_keyboard_interactive_and_gssapi() {
    for (line, rule, user, src) in [
        (
            "<38>Mar 14 09:12:01 web01 sshd[4122]: Accepted password for bob from 198.51.100.20 port 40022 ssh2",
            "linux.sshd.accepted_password",
            "bob",
            "198.51.100.20",
        ),
        (
            "<38>Mar 14 09:12:02 web01 sshd-session[4123]: Accepted keyboard-interactive/pam for carol from 2001:db8::15 port 40100 ssh2",
            "linux.sshd.accepted_keyboard_interactive",
            "carol",
            "2001:db8::15",
        ),
        (
            "<38>1 2026-03-14T09:12:03.120Z ehr-db01.example.org sshd 4124 - - Accepted gssapi-with-mic for dave@EXAMPLE.ORG from 192.0.2.44 port 50210 ssh2",
            "linux.sshd.accepted_gssapi",
            "dave@EXAMPLE.ORG",
            "192.0.2.44",
        ),
    ] {
        check(
            line,
            Want {
                event: EventType::Access,
                user: Some(user),
                action: "login",
                resource: Some("ssh"),
                outcome: Outcome::Success,
                source: Some(src),
                rule,
            },
        );
    }
}

#[test]
fn sshd_failed_password() {
    for (line, rule, user) in [
        (
            "<38>Mar 14 09:13:10 web01 sshd[4130]: Failed password for root from 203.0.113.77 port 33412 ssh2",
            "linux.sshd.failed_password",
            "root",
        ),
        (
            "<38>Mar 14 09:13:11 web01 sshd[4131]: Failed password for invalid user oracle from 203.0.113.77 port 33420 ssh2",
            "linux.sshd.failed_password",
            "oracle",
        ),
        (
            "<38>Mar 14 09:13:12 web01 sshd[4132]: Failed publickey for alice from 203.0.113.77 port 33430 ssh2: RSA SHA256:YmFyYmF6",
            "linux.sshd.failed_publickey",
            "alice",
        ),
        (
            "<38>Mar 14 09:13:13 web01 sshd[4133]: message repeated 3 times: [ Failed password for root from 203.0.113.77 port 33412 ssh2]",
            "linux.sshd.failed_password",
            "root",
        ),
        (
            "<38>Mar 14 09:13:14 web01 sshd[4134]: [ID 800047 auth.notice] Failed none for guest from 203.0.113.77 port 33440 ssh2",
            "linux.sshd.failed_none",
            "guest",
        ),
    ] {
        check(
            line,
            Want {
                event: EventType::Access,
                user: Some(user),
                action: "login",
                resource: Some("ssh"),
                outcome: Outcome::Failure,
                source: Some("203.0.113.77"),
                rule,
            },
        );
    }
}

#[test]
fn sshd_invalid_user_and_not_allowed() {
    let failed_login = |user, source, rule| Want {
        event: EventType::Access,
        user: Some(user),
        action: "login",
        resource: Some("ssh"),
        outcome: Outcome::Failure,
        source,
        rule,
    };
    check(
        "<38>Mar 14 09:14:00 web01 sshd[4140]: Invalid user deploy from 198.51.100.66 port 52000",
        failed_login("deploy", Some("198.51.100.66"), "linux.sshd.invalid_user"),
    );
    check(
        "<38>Mar 14 09:14:00 web01 sshd[4140]: input_userauth_request: invalid user deploy [preauth]",
        failed_login("deploy", None, "linux.sshd.invalid_user"),
    );
    check(
        "<38>Mar 14 09:14:01 web01 sshd[4141]: User mallory from 198.51.100.66 not allowed because not listed in AllowUsers",
        failed_login("mallory", Some("198.51.100.66"), "linux.sshd.user_not_allowed"),
    );
    check(
        "<38>Mar 14 09:14:02 web01 sshd[4142]: ROOT LOGIN REFUSED FROM 198.51.100.66 port 52010",
        failed_login(
            "root",
            Some("198.51.100.66"),
            "linux.sshd.root_login_refused",
        ),
    );
    check(
        "<38>Mar 14 09:14:03 web01 sshd[4143]: error: PAM: Authentication failure for illegal user test from 198.51.100.66",
        failed_login("test", Some("198.51.100.66"), "linux.sshd.pam_error"),
    );
    declined("<38>Mar 14 09:14:04 web01 sshd[4144]: Server listening on 0.0.0.0 port 22.");
    declined("<38>Mar 14 09:14:05 web01 sshd[4145]: Did not receive identification string from 198.51.100.66 port 52020");
}

#[test]
fn sshd_disconnects_and_logout() {
    let ssh = |user, action, outcome, source, rule| Want {
        event: EventType::Access,
        user,
        action,
        resource: Some("ssh"),
        outcome,
        source,
        rule,
    };
    check(
        "<38>Mar 14 09:15:00 web01 sshd[4150]: Connection closed by authenticating user erin 192.0.2.31 port 41800 [preauth]",
        ssh(Some("erin"), "disconnected", Outcome::Failure, Some("192.0.2.31"), "linux.sshd.connection_closed"),
    );
    check(
        "<38>Mar 14 09:15:01 web01 sshd[4151]: Connection closed by 192.0.2.32 port 41810 [preauth]",
        ssh(None, "disconnected", Outcome::Unknown, Some("192.0.2.32"), "linux.sshd.connection_closed"),
    );
    check(
        "<38>Mar 14 09:15:02 web01 sshd[4152]: Disconnected from user frank 192.0.2.33 port 41820",
        ssh(
            Some("frank"),
            "logout",
            Outcome::Success,
            Some("192.0.2.33"),
            "linux.sshd.logout",
        ),
    );
    check(
        "<38>Mar 14 09:15:03 web01 sshd[4153]: Disconnected from invalid user admin 192.0.2.34 port 41830 [preauth]",
        ssh(Some("admin"), "disconnected", Outcome::Failure, Some("192.0.2.34"), "linux.sshd.disconnected"),
    );
    check(
        "<38>Mar 14 09:15:04 web01 sshd[4154]: Received disconnect from 192.0.2.35 port 41840:11: disconnected by user",
        ssh(None, "logout", Outcome::Success, Some("192.0.2.35"), "linux.sshd.logout"),
    );
    check(
        "<38>Mar 14 09:15:05 web01 sshd[4155]: Received disconnect from 192.0.2.36: 11: Bye Bye [preauth]",
        ssh(None, "disconnected", Outcome::Unknown, Some("192.0.2.36"), "linux.sshd.received_disconnect"),
    );
}

#[test]
fn sshd_too_many_authentication_failures() {
    let storm = |user, source, rule| Want {
        event: EventType::Security,
        user,
        action: "too many authentication failures",
        resource: Some("ssh"),
        outcome: Outcome::Failure,
        source,
        rule,
    };
    check(
        "<38>Mar 14 09:16:00 web01 sshd[4160]: error: maximum authentication attempts exceeded for invalid user pi from 203.0.113.50 port 60122 ssh2 [preauth]",
        storm(Some("pi"), Some("203.0.113.50"), "linux.sshd.max_auth_attempts"),
    );
    check(
        "<38>Mar 14 09:16:01 web01 sshd[4161]: Disconnecting authenticating user root 203.0.113.50 port 60130: Too many authentication failures [preauth]",
        storm(Some("root"), Some("203.0.113.50"), "linux.sshd.too_many_failures"),
    );
    check(
        "<38>Mar 14 09:16:02 web01 sshd[4162]: Disconnecting: Too many authentication failures for root [preauth]",
        storm(Some("root"), None, "linux.sshd.too_many_failures"),
    );
    check(
        "<38>Mar 14 09:16:03 web01 sshd[4163]: PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.50  user=root",
        storm(Some("root"), Some("203.0.113.50"), "linux.pam.more_failures"),
    );
}

#[test]
fn sshd_pam_unix_lines() {
    check(
        "<86>Mar 14 09:17:00 web01 sshd[4170]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.81  user=grace",
        Want {
            event: EventType::Access,
            user: Some("grace"),
            action: "authentication failed",
            resource: Some("ssh"),
            outcome: Outcome::Failure,
            source: Some("198.51.100.81"),
            rule: "linux.pam.auth_failure",
        },
    );
    check(
        "<86>Mar 14 09:17:01 web01 sshd[4171]: pam_unix(sshd:session): session opened for user grace(uid=1003) by (uid=0)",
        Want {
            event: EventType::Access,
            user: Some("grace"),
            action: "session opened",
            resource: Some("ssh"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.pam.session_opened",
        },
    );
    check(
        "<86>Mar 14 09:40:00 web01 sshd[4171]: pam_unix(sshd:session): session closed for user grace",
        Want {
            event: EventType::Access,
            user: Some("grace"),
            action: "session closed",
            resource: Some("ssh"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.pam.session_closed",
        },
    );
    // Red Hat before PAM 0.99 put the module in the tag.
    check(
        "<86>Mar 14 09:17:02 web01 sshd(pam_unix)[4172]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=ws7.example.net  user=heidi",
        Want {
            event: EventType::Access,
            user: Some("heidi"),
            action: "authentication failed",
            resource: Some("ssh"),
            outcome: Outcome::Failure,
            source: Some("ws7.example.net"),
            rule: "linux.pam.auth_failure",
        },
    );
    declined("<86>Mar 14 09:17:03 web01 sshd[4173]: pam_systemd(sshd:session): Failed to create session: Access denied");
}

#[test]
fn sshd_header_less_and_relayed_lines() {
    // A log file line replayed without PRI is `Unparsed`; the tag is still found.
    check(
        "Mar 14 09:18:00 web01 sshd[4180]: Failed password for ivan from 192.0.2.90 port 40500 ssh2",
        Want {
            event: EventType::Access,
            user: Some("ivan"),
            action: "login",
            resource: Some("ssh"),
            outcome: Outcome::Failure,
            source: Some("192.0.2.90"),
            rule: "linux.sshd.failed_password",
        },
    );
    // A relay that doubled the host name.
    check(
        "<38>Mar 14 09:18:01 gw01 gw01 sshd[4181]: Accepted password for judy from 192.0.2.91 port 40510 ssh2",
        Want {
            event: EventType::Access,
            user: Some("judy"),
            action: "login",
            resource: Some("ssh"),
            outcome: Outcome::Success,
            source: Some("192.0.2.91"),
            rule: "linux.sshd.accepted_password",
        },
    );
}

#[test]
fn sudo_command() {
    check(
        "<85>Mar 14 10:00:00 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
        Want {
            event: EventType::Security,
            user: Some("alice"),
            action: "sudo",
            resource: Some("/usr/bin/systemctl restart nginx"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.sudo.command",
        },
    );
    check(
        "<85>Mar 14 10:00:01 web01 sudo[5100]: alice : TTY=pts/0 ; PWD=/srv/app ; USER=postgres ; COMMAND=/usr/bin/psql -c select\\x201",
        Want {
            event: EventType::Security,
            user: Some("alice"),
            action: "sudo",
            resource: Some("/usr/bin/psql -c select\\x201 (as postgres)"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.sudo.command",
        },
    );
}

#[test]
fn sudo_failures() {
    for (line, rule, user, resource) in [
        (
            "<85>Mar 14 10:01:00 web01 sudo:      bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/cat /etc/shadow",
            "linux.sudo.incorrect_password",
            "bob",
            Some("/bin/cat /etc/shadow"),
        ),
        (
            "<85>Mar 14 10:01:01 web01 sudo:  mallory : user NOT in sudoers ; TTY=pts/2 ; PWD=/tmp ; USER=root ; COMMAND=/bin/bash",
            "linux.sudo.not_in_sudoers",
            "mallory",
            Some("/bin/bash"),
        ),
        (
            "<85>Mar 14 10:01:02 web01 sudo:      bob : command not allowed ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/sbin/visudo",
            "linux.sudo.command_not_allowed",
            "bob",
            Some("/usr/sbin/visudo"),
        ),
    ] {
        check(
            line,
            Want {
                event: EventType::Security,
                user: Some(user),
                action: "sudo",
                resource,
                outcome: Outcome::Failure,
                source: None,
                rule,
            },
        );
    }
}

#[test]
fn sudo_pam_lines() {
    check(
        "<85>Mar 14 10:02:00 web01 sudo: pam_unix(sudo:auth): authentication failure; logname=bob uid=1002 euid=0 tty=/dev/pts/1 ruser=bob rhost=  user=bob",
        Want {
            event: EventType::Security,
            user: Some("bob"),
            action: "authentication failed",
            resource: Some("sudo"),
            outcome: Outcome::Failure,
            source: None,
            rule: "linux.pam.auth_failure",
        },
    );
    check(
        "<85>Mar 14 10:02:01 web01 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
        Want {
            event: EventType::Security,
            user: Some("alice"),
            action: "session opened",
            resource: Some("root"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.pam.session_opened",
        },
    );
    check(
        "<85>Mar 14 10:02:02 web01 sudo: pam_tally2(sudo:auth): user bob (1002) tally 6, deny 5",
        Want {
            event: EventType::Security,
            user: Some("bob"),
            action: "account locked out",
            resource: Some("sudo"),
            outcome: Outcome::Failure,
            source: None,
            rule: "linux.pam.locked_out",
        },
    );
}

#[test]
fn su_switch_user() {
    let su = |user, target, outcome, rule| Want {
        event: EventType::Security,
        user: Some(user),
        action: "su",
        resource: Some(target),
        outcome,
        source: None,
        rule,
    };
    check(
        "<85>Mar 14 10:10:00 web01 su[5200]: (to root) alice on pts/0",
        su("alice", "root", Outcome::Success, "linux.su.to_user"),
    );
    check(
        "<85>Mar 14 10:10:01 web01 su[5201]: FAILED SU (to root) bob on pts/1",
        su("bob", "root", Outcome::Failure, "linux.su.failed"),
    );
    check(
        "<85>Mar 14 10:10:02 web01 su[5202]: Successful su for postgres by alice",
        su("alice", "postgres", Outcome::Success, "linux.su.to_user"),
    );
    check(
        "<85>Mar 14 10:10:03 web01 su[5203]: + pts/1 carol:postgres",
        su("carol", "postgres", Outcome::Success, "linux.su.to_user"),
    );
    // RFC 3164 reads the single word before the colon as the host.
    check(
        "<34>Mar 14 10:10:04 su: 'su root' failed for bob on /dev/pts/8",
        su("bob", "root", Outcome::Failure, "linux.su.failed"),
    );
    check(
        "<85>Mar 14 10:10:05 web01 su[5205]: pam_unix(su:auth): authentication failure; logname=bob uid=1002 euid=0 tty=pts/1 ruser=bob rhost=  user=root",
        Want {
            event: EventType::Security,
            user: Some("bob"),
            action: "authentication failed",
            resource: Some("root"),
            outcome: Outcome::Failure,
            source: None,
            rule: "linux.pam.auth_failure",
        },
    );
    check(
        "<85>Mar 14 10:10:06 web01 su[5206]: pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)",
        Want {
            event: EventType::Security,
            user: Some("alice"),
            action: "session opened",
            resource: Some("root"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.pam.session_opened",
        },
    );
}

#[test]
fn login_console() {
    let console = |user, action, outcome, event, rule| Want {
        event,
        user: Some(user),
        action,
        resource: Some("console"),
        outcome,
        source: None,
        rule,
    };
    check(
        "<38>Mar 14 10:20:00 kiosk3 login[812]: pam_unix(login:session): session opened for user nurse_kim(uid=1010) by LOGIN(uid=0)",
        console("nurse_kim", "session opened", Outcome::Success, EventType::Access, "linux.pam.session_opened"),
    );
    check(
        "<38>Mar 14 10:20:01 kiosk3 login[813]: FAILED LOGIN (1) on '/dev/tty1' FOR 'nurse_kim', Authentication failure",
        console("nurse_kim", "login", Outcome::Failure, EventType::Access, "linux.login.failed_login"),
    );
    check(
        "<38>Mar 14 10:20:02 kiosk3 login[814]: ROOT LOGIN ON tty1",
        console(
            "root",
            "login",
            Outcome::Success,
            EventType::Access,
            "linux.login.root_login",
        ),
    );
    check(
        "<38>Mar 14 10:20:03 kiosk3 login[815]: TOO MANY LOGIN TRIES (5) on '/dev/tty2' FOR 'drjones'",
        console(
            "drjones",
            "too many authentication failures",
            Outcome::Failure,
            EventType::Security,
            "linux.login.too_many_tries",
        ),
    );
    check(
        "<38>Mar 14 10:20:04 kiosk3 login[816]: FAILED LOGIN 2 FROM 192.0.2.140 FOR drjones, Authentication failure",
        Want {
            event: EventType::Access,
            user: Some("drjones"),
            action: "login",
            resource: Some("console"),
            outcome: Outcome::Failure,
            source: Some("192.0.2.140"),
            rule: "linux.login.failed_login",
        },
    );
}

#[test]
fn systemd_logind_sessions() {
    let session = |user, action, rule| Want {
        event: EventType::Access,
        user,
        action,
        resource: Some("session 42"),
        outcome: Outcome::Success,
        source: None,
        rule,
    };
    check(
        "<38>Mar 14 10:30:00 web01 systemd-logind[611]: New session 42 of user alice.",
        session(Some("alice"), "session opened", "linux.logind.new_session"),
    );
    check(
        "<38>Mar 14 11:30:00 web01 systemd-logind[611]: Session 42 logged out. Waiting for processes to exit.",
        session(None, "logout", "linux.logind.logged_out"),
    );
    check(
        "<38>Mar 14 11:30:01 web01 systemd-logind[611]: Removed session 42.",
        session(None, "session closed", "linux.logind.removed_session"),
    );
    declined("<38>Mar 14 11:30:02 web01 systemd-logind[611]: Watching system buttons on /dev/input/event0 (Power Button)");
}

#[test]
fn shadow_utils_account_administration() {
    let admin = |user, action, resource, rule| Want {
        event: EventType::Admin,
        user,
        action,
        resource: Some(resource),
        outcome: Outcome::Success,
        source: None,
        rule,
    };
    check(
        "<86>Mar 14 11:00:00 web01 useradd[6001]: new user: name=bob, UID=1001, GID=1001, home=/home/bob, shell=/bin/bash, from=/dev/pts/0",
        admin(None, "account created", "account:bob", "linux.useradd.new_user"),
    );
    check(
        "<86>Mar 14 11:00:00 web01 useradd[6001]: new group: name=bob, GID=1001",
        admin(
            None,
            "group created",
            "group:bob",
            "linux.useradd.new_group",
        ),
    );
    check(
        "<86>Mar 14 11:00:01 web01 usermod[6002]: add 'bob' to group 'sudo'",
        admin(
            None,
            "group member added",
            "group:sudo account:bob",
            "linux.usermod.add_to_group",
        ),
    );
    check(
        "<86>Mar 14 11:00:02 web01 usermod[6003]: change user 'bob' password",
        admin(
            None,
            "password changed",
            "account:bob",
            "linux.usermod.change_password",
        ),
    );
    check(
        "<86>Mar 14 11:00:03 web01 usermod[6004]: lock user 'bob' password",
        admin(
            None,
            "account disabled",
            "account:bob",
            "linux.usermod.lock_user",
        ),
    );
    check(
        "<86>Mar 14 11:00:04 web01 passwd[6005]: password for 'bob' changed by 'root'",
        admin(
            Some("root"),
            "password changed",
            "account:bob",
            "linux.passwd.password_changed",
        ),
    );
    check(
        "<86>Mar 14 11:00:05 web01 passwd[6006]: pam_unix(passwd:chauthtok): password changed for bob",
        admin(None, "password changed", "account:bob", "linux.pam.password_changed"),
    );
    check(
        "<86>Mar 14 11:00:06 web01 groupadd[6007]: group added to /etc/group: name=devs, GID=1002",
        admin(
            None,
            "group created",
            "group:devs",
            "linux.groupadd.new_group",
        ),
    );
    check(
        "<86>Mar 14 11:00:07 web01 gpasswd[6008]: user carol added by root to group devs",
        admin(
            Some("root"),
            "group member added",
            "group:devs account:carol",
            "linux.gpasswd.user_added",
        ),
    );
    check(
        "<86>Mar 14 11:00:08 web01 userdel[6009]: delete user 'bob'",
        admin(
            None,
            "account deleted",
            "account:bob",
            "linux.userdel.delete_user",
        ),
    );
    check(
        "<86>Mar 14 11:00:09 web01 groupdel[6010]: group 'devs' removed from /etc/group",
        admin(
            None,
            "group deleted",
            "group:devs",
            "linux.groupdel.group_removed",
        ),
    );
    check(
        "<86>Mar 14 11:00:10 web01 useradd[6011]: failed adding user 'svc_backup', data deleted",
        Want {
            event: EventType::Admin,
            user: None,
            action: "account created",
            resource: Some("account:svc_backup"),
            outcome: Outcome::Failure,
            source: None,
            rule: "linux.useradd.failed_adding_user",
        },
    );
}

#[test]
fn pam_from_other_programs() {
    check(
        "<38>Mar 14 12:00:00 files01 vsftpd[7001]: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=ftpuser1 rhost=198.51.100.120",
        Want {
            event: EventType::Access,
            user: Some("ftpuser1"),
            action: "authentication failed",
            resource: Some("vsftpd"),
            outcome: Outcome::Failure,
            source: Some("198.51.100.120"),
            rule: "linux.pam.auth_failure",
        },
    );
    check(
        "<38>Mar 14 12:00:01 mail01 auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=nurse_kim rhost=2001:db8:1::9  user=nurse_kim",
        Want {
            event: EventType::Access,
            user: Some("nurse_kim"),
            action: "authentication failed",
            resource: Some("dovecot"),
            outcome: Outcome::Failure,
            source: Some("2001:db8:1::9"),
            rule: "linux.pam.auth_failure",
        },
    );
    check(
        "<38>Mar 14 12:00:02 web01 sshd[7003]: pam_sss(sshd:auth): authentication success; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.60 user=alice",
        Want {
            event: EventType::Access,
            user: Some("alice"),
            action: "authenticated",
            resource: Some("ssh"),
            outcome: Outcome::Success,
            source: Some("192.0.2.60"),
            rule: "linux.pam.auth_success",
        },
    );
}

#[test]
fn cron_is_system() {
    check(
        "<78>Mar 14 12:05:01 web01 CRON[7100]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        Want {
            event: EventType::System,
            user: Some("root"),
            action: "session opened",
            resource: Some("cron"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.pam.session_opened",
        },
    );
    check(
        "<78>Mar 14 12:05:01 web01 crond[7101]: pam_unix(crond:session): session closed for user backup",
        Want {
            event: EventType::System,
            user: Some("backup"),
            action: "session closed",
            resource: Some("crond"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.pam.session_closed",
        },
    );
    check(
        "<78>Mar 14 12:05:01 web01 CRON[7102]: (backup) CMD (/usr/local/bin/nightly-dump.sh)",
        Want {
            event: EventType::System,
            user: Some("backup"),
            action: "cron job",
            resource: Some("/usr/local/bin/nightly-dump.sh"),
            outcome: Outcome::Success,
            source: None,
            rule: "linux.cron.cmd",
        },
    );
}

#[test]
fn dropbear_and_proxmox() {
    check(
        "<38>Mar 14 12:10:00 ap01 dropbear[900]: Bad password attempt for 'admin' from 192.0.2.200:50123",
        Want {
            event: EventType::Access,
            user: Some("admin"),
            action: "login",
            resource: Some("ssh"),
            outcome: Outcome::Failure,
            source: Some("192.0.2.200"),
            rule: "linux.dropbear.bad_password",
        },
    );
    check(
        "<38>Mar 14 12:10:01 pve01 pvedaemon[901]: authentication failure; rhost=2001:db8::77 user=alice@pve msg=Authentication failure",
        Want {
            event: EventType::Access,
            user: Some("alice@pve"),
            action: "login",
            resource: Some("proxmox"),
            outcome: Outcome::Failure,
            source: Some("2001:db8::77"),
            rule: "linux.proxmox.auth_failure",
        },
    );
}

#[test]
fn other_senders_are_declined() {
    declined(
        "<134>Mar 14 12:20:00 fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.5 DST=192.0.2.1",
    );
    declined("<189>date=2026-03-14 time=12:20:00 devname=\"fg01\" type=\"event\" subtype=\"vpn\" user=\"bob\"");
    declined("<166>%ASA-6-605005: Login permitted from 192.0.2.10/5000 to inside:192.0.2.1/ssh for user \"bob\"");
    declined("<14>Mar 14 12:20:01 web01 nginx[300]: 192.0.2.5 - - \"GET / HTTP/1.1\" 200");
    declined("<38>Mar 14 12:20:02 web01 sudo[301]: no user here");
    declined("");
}

/// Every row of the labelled set (`EXPECTED_USER<TAB>EXPECTED_OUTCOME<TAB>LINE`) maps to
/// its user and outcome through the built-in mapper.
#[test]
fn labelled_linux_rows_all_map() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mapping/labelled_linux.tsv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mapper = Mapper::builtin();
    let mut rows = 0;
    for row in text.lines().filter(|l| !l.is_empty()) {
        let mut cols = row.splitn(3, '\t');
        let (user, outcome, line) = (
            cols.next().unwrap(),
            cols.next().unwrap(),
            cols.next().unwrap(),
        );
        let m = mapper.map(&parsed(line));
        let want_user = (user != "-").then_some(user);
        assert_eq!(m.user_id.as_deref(), want_user, "{line}");
        assert_eq!(m.outcome.as_str(), outcome, "{line}");
        assert!(m.rule.starts_with("linux."), "{line}: {}", m.rule);
        rows += 1;
    }
    assert!(rows >= 30, "{rows} rows");
}
