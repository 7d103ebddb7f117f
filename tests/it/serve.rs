//! `hipaa-audit serve` end to end: the real binary on loopback ports, fed by real senders
//! (util-linux `logger`, rsyslog's omfwd, `openssl s_client`) and by raw sockets, stopped
//! with real signals. After every test the store must `verify` PASS.
//!
//! Harness: `serve_support.rs`. Only loopback addresses are used; every loop is bounded.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use hipaa_audit::ingest::framing::Framer;
use serde_json::Value;

use crate::serve_support::{
    connect, from_port, logger_send, noise, ptr, raw_bytes, rsyslogd, run_bounded, run_with_input,
    send_tcp, send_udp, with_action, Launch, Pki, Proc, Server,
};
use crate::support::{describe, TestStore, BIN};
use crate::trail::{all_entries, gz_lines, rotated_names, seqs};

/// Ordinary wait for a handful of entries.
const WAIT: Duration = Duration::from_secs(15);
/// Wait for bulk traffic (tests run in parallel on 2 cores).
const BULK_WAIT: Duration = Duration::from_secs(45);

fn udp_and_tcp() -> [&'static str; 4] {
    ["--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0"]
}

/// The one entry whose action is `text`, after waiting for it.
fn wait_one(server: &Server, text: &str) -> Value {
    let entries = server.wait_for(&format!("an entry {text:?}"), WAIT, |es| {
        !with_action(es, text).is_empty()
    });
    let found = with_action(&entries, text);
    assert_eq!(found.len(), 1, "expected one entry {text:?}: {found:#?}");
    found[0].clone()
}

/// Format, app name, transport and source of an entry a local sender sent.
#[track_caller]
fn assert_header(e: &Value, format: &str, app: &str, transport: &str) {
    assert_eq!(ptr(e, "/syslog/format"), Some(format), "{e:#}");
    assert_eq!(ptr(e, "/syslog/app_name"), Some(app), "{e:#}");
    assert_eq!(ptr(e, "/transport"), Some(transport), "{e:#}");
    assert_eq!(ptr(e, "/source_ip"), Some("127.0.0.1"), "{e:#}");
    assert!(e["source_port"].as_u64().is_some_and(|p| p > 0), "{e:#}");
}

/// Stops the collector (exit 0) and checks the store verifies.
fn finish(mut server: Server) {
    server.stop();
    server.verify();
}

// ---------------------------------------------------------------------------------------
// util-linux logger

#[test]
fn logger_udp_rfc5424() {
    let server = Server::start(&udp_and_tcp(), None);
    let port = server.udp().port().to_string();
    let text = "logger udp rfc5424 audit message";
    logger_send(&[
        "-d",
        "-n",
        "127.0.0.1",
        "-P",
        &port,
        "--rfc5424",
        "-t",
        "ehr-udp5424",
        "-p",
        "local3.warning",
        "--msgid",
        "LOGIN",
        "--sd-id",
        "ehr@32473",
        "--sd-param",
        "user=\"drjones\"",
        "--sd-param",
        "patient=\"P-0001\"",
        text,
    ]);
    let e = wait_one(&server, text);
    assert_header(&e, "rfc5424", "ehr-udp5424", "udp");
    assert_eq!(ptr(&e, "/syslog/facility"), Some("local3"), "{e:#}");
    assert_eq!(ptr(&e, "/syslog/severity"), Some("warning"), "{e:#}");
    assert_eq!(ptr(&e, "/syslog/msgid"), Some("LOGIN"), "{e:#}");
    assert_eq!(
        e.pointer("/syslog/structured_data/ehr@32473"),
        Some(&serde_json::json!({"user": "drjones", "patient": "P-0001"})),
        "{e:#}"
    );
    assert!(ptr(&e, "/syslog/timestamp").is_some(), "{e:#}");
    finish(server);
}

#[test]
fn logger_udp_rfc3164() {
    let server = Server::start(&udp_and_tcp(), None);
    let port = server.udp().port().to_string();
    let text = "logger udp rfc3164 audit message";
    logger_send(&[
        "-d",
        "-n",
        "127.0.0.1",
        "-P",
        &port,
        "--rfc3164",
        "-t",
        "ehr-udp3164",
        text,
    ]);
    let e = wait_one(&server, text);
    assert_header(&e, "rfc3164", "ehr-udp3164", "udp");
    assert_eq!(ptr(&e, "/syslog/facility"), Some("user"), "{e:#}");
    assert_eq!(ptr(&e, "/syslog/severity"), Some("notice"), "{e:#}");
    assert!(ptr(&e, "/syslog/hostname").is_some(), "{e:#}");
    assert!(ptr(&e, "/syslog/timestamp").is_some(), "{e:#}");
    finish(server);
}

#[test]
fn logger_tcp_rfc5424() {
    let server = Server::start(&udp_and_tcp(), None);
    let port = server.tcp().port().to_string();
    let text = "logger tcp rfc5424 audit message";
    logger_send(&[
        "-T",
        "-n",
        "127.0.0.1",
        "-P",
        &port,
        "--rfc5424",
        "-t",
        "ehr-tcp5424",
        "--id=4242",
        "--msgid",
        "CHART",
        text,
    ]);
    let e = wait_one(&server, text);
    assert_header(&e, "rfc5424", "ehr-tcp5424", "tcp");
    assert_eq!(ptr(&e, "/syslog/procid"), Some("4242"), "{e:#}");
    assert_eq!(ptr(&e, "/syslog/msgid"), Some("CHART"), "{e:#}");
    finish(server);
}

#[test]
fn logger_tcp_rfc3164() {
    let server = Server::start(&udp_and_tcp(), None);
    let port = server.tcp().port().to_string();
    let text = "logger tcp rfc3164 audit message";
    logger_send(&[
        "-T",
        "-n",
        "127.0.0.1",
        "-P",
        &port,
        "--rfc3164",
        "-t",
        "ehr-tcp3164",
        "-p",
        "auth.err",
        text,
    ]);
    let e = wait_one(&server, text);
    assert_header(&e, "rfc3164", "ehr-tcp3164", "tcp");
    assert_eq!(ptr(&e, "/syslog/facility"), Some("auth"), "{e:#}");
    assert_eq!(ptr(&e, "/syslog/severity"), Some("err"), "{e:#}");
    finish(server);
}

#[test]
fn logger_tcp_octet_counted() {
    let server = Server::start(&udp_and_tcp(), None);
    let port = server.tcp().port().to_string();
    // Three lines on stdin: three octet-counted frames back to back on one connection.
    let texts = [
        "octet counted first",
        "octet counted second, with [brackets] and \"quotes\"",
        "octet counted third",
    ];
    let mut cmd = crate::serve_support::logger();
    cmd.args([
        "-T",
        "-n",
        "127.0.0.1",
        "-P",
        &port,
        "--octet-count",
        "--rfc5424",
        "-t",
        "ehr-octet",
    ]);
    let input = texts.join("\n") + "\n";
    let out = run_with_input(
        cmd,
        "logger",
        Some(input.as_bytes()),
        Duration::from_secs(10),
    );
    assert!(out.status.success(), "logger failed: {}", describe(&out));
    let entries = server.wait_for("three octet-counted messages", WAIT, |es| {
        texts.iter().all(|t| !with_action(es, t).is_empty())
    });
    let found: Vec<&Value> = texts
        .iter()
        .map(|t| {
            let v = with_action(&entries, t);
            assert_eq!(v.len(), 1, "{t:?}: {v:#?}");
            v[0]
        })
        .collect();
    for e in &found {
        assert_header(e, "rfc5424", "ehr-octet", "tcp");
        let raw = ptr(e, "/details/raw").unwrap();
        assert!(
            raw.starts_with("<13>1 "),
            "octet prefix or LF leaked: {raw:?}"
        );
        assert!(!raw.ends_with('\n'), "{raw:?}");
    }
    // One connection, in order.
    assert!(found
        .windows(2)
        .all(|w| w[0]["source_port"] == w[1]["source_port"]));
    assert!(found
        .windows(2)
        .all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64()));
    finish(server);
}

// ---------------------------------------------------------------------------------------
// rsyslog

/// A loopback UDP port that was free a moment ago (never the quick start's 5514).
fn free_udp_port() -> u16 {
    for _ in 0..10 {
        let s = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let port = s.local_addr().unwrap().port();
        if port != 5514 {
            return port;
        }
    }
    panic!("no free UDP port");
}

#[test]
fn rsyslog_forwarder_octet_counted_rfc5424() {
    let rsyslogd = rsyslogd();
    let server = Server::start(&["--tcp", "127.0.0.1:0"], None);
    let work = tempfile::tempdir().expect("tempdir");
    let udp_port = free_udp_port();
    let conf_path = work.path().join("rsyslog.conf");
    let pid_path = work.path().join("rsyslogd.pid");
    let conf = format!(
        "global(workDirectory=\"{work}\")\n\
         module(load=\"imudp\")\n\
         input(type=\"imudp\" address=\"127.0.0.1\" port=\"{udp_port}\")\n\
         action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{tcp_port}\" protocol=\"tcp\"\n\
         \x20      TCP_Framing=\"octet-counted\" template=\"RSYSLOG_SyslogProtocol23Format\")\n",
        work = work.path().display(),
        tcp_port = server.tcp().port(),
    );
    std::fs::write(&conf_path, &conf).unwrap();

    let mut check = Command::new(&rsyslogd);
    check.arg("-N1").arg("-f").arg(&conf_path);
    let out = run_bounded(check, "rsyslogd -N1", Duration::from_secs(20));
    assert!(
        out.status.success(),
        "rsyslogd -N1 rejects the config:\n{conf}\n{}",
        describe(&out)
    );

    let log_path = work.path().join("rsyslogd.out");
    let log_file = std::fs::File::create(&log_path).unwrap();
    let child = Command::new(&rsyslogd)
        .arg("-n")
        .arg("-f")
        .arg(&conf_path)
        .arg("-i")
        .arg(&pid_path)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .spawn()
        .expect("spawn rsyslogd");
    let mut rsyslog = Proc {
        child,
        name: "rsyslogd",
    };
    let rsyslog_log = || std::fs::read_to_string(&log_path).unwrap_or_default();

    // rsyslog's UDP input is up once a probe makes it through to us (UDP sent before it
    // binds is lost, so probe until one arrives).
    let udp = udp_port.to_string();
    let mut ready = false;
    for k in 0..50 {
        if let Ok(Some(status)) = rsyslog.child.try_wait() {
            panic!("rsyslogd exited ({status}):\n{}", rsyslog_log());
        }
        logger_send(&[
            "-d",
            "-n",
            "127.0.0.1",
            "-P",
            &udp,
            "-t",
            "probe",
            &format!("rsyslog probe {k}"),
        ]);
        let deadline = Instant::now() + Duration::from_millis(200);
        while Instant::now() < deadline && !ready {
            ready = server
                .entries()
                .iter()
                .any(|e| ptr(e, "/action").is_some_and(|a| a.starts_with("rsyslog probe")));
            thread::sleep(Duration::from_millis(20));
        }
        if ready {
            break;
        }
    }
    assert!(
        ready,
        "nothing forwarded by rsyslogd within 10 s; its output:\n{}\ncollector log:\n{}",
        rsyslog_log(),
        server.log.text()
    );

    let texts: Vec<String> = (0..3)
        .map(|i| format!("forwarded by rsyslog {i}"))
        .collect();
    for (i, t) in texts.iter().enumerate() {
        // The sender's format does not matter: rsyslog re-emits RFC 5424.
        let fmt = if i == 1 { "--rfc3164" } else { "--rfc5424" };
        logger_send(&[
            "-d",
            "-n",
            "127.0.0.1",
            "-P",
            &udp,
            fmt,
            "-t",
            "ehr-relay",
            t,
        ]);
    }
    let entries = server.wait_for("3 forwarded messages", WAIT, |es| {
        texts.iter().all(|t| !with_action(es, t).is_empty())
    });
    for t in &texts {
        let found = with_action(&entries, t);
        assert_eq!(found.len(), 1, "{t:?}: {found:#?}");
        let e = found[0];
        assert_header(e, "rfc5424", "ehr-relay", "tcp");
        let raw = ptr(e, "/details/raw").unwrap();
        assert!(raw.starts_with("<13>1 "), "{raw:?}");
        assert!(
            !raw.ends_with('\n') && !raw.ends_with('\r'),
            "rsyslog's framing LF kept in the message: {raw:?}"
        );
        assert!(raw.ends_with(t.as_str()), "{raw:?}");
    }
    assert!(
        rsyslog.terminate(Duration::from_secs(5)).is_some(),
        "rsyslogd ignored SIGTERM for 5 s"
    );
    finish(server);
}

// ---------------------------------------------------------------------------------------
// TLS

fn tls_server(pki: &Pki, client_ca: bool) -> Server {
    let (cert, key, ca) = (
        pki.path("server.pem"),
        pki.path("server.key"),
        pki.path("ca.pem"),
    );
    let mut args = vec![
        "--tls",
        "127.0.0.1:0",
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
    ];
    if client_ca {
        args.extend(["--tls-client-ca", &ca]);
    }
    Server::start(&args, None)
}

#[test]
fn tls_with_openssl_s_client() {
    let pki = Pki::new();
    let server = tls_server(&pki, false);
    let texts = ["over tls one", "over tls two", "over tls three"];
    let input: String = texts
        .iter()
        .map(|t| format!("<86>1 - tls-host ehr-tls 77 - - {t}\n"))
        .collect();
    let out = pki.s_client(server.tls(), input.as_bytes(), false);
    assert!(
        out.status.success(),
        "openssl s_client failed: {}",
        describe(&out)
    );
    let entries = server.wait_for("3 TLS messages", WAIT, |es| {
        texts.iter().all(|t| !with_action(es, t).is_empty())
    });
    for t in texts {
        let found = with_action(&entries, t);
        assert_eq!(found.len(), 1, "{t:?}: {found:#?}");
        assert_header(found[0], "rfc5424", "ehr-tls", "tls");
        assert_eq!(ptr(found[0], "/syslog/facility"), Some("authpriv"));
        assert_eq!(ptr(found[0], "/syslog/procid"), Some("77"));
    }
    finish(server);
}

#[test]
fn tls_client_certificate_required() {
    let pki = Pki::new();
    let mut server = tls_server(&pki, true);
    // No client certificate: the handshake fails, nothing gets in.
    let refused = "<13>1 - h ehr-tls - - - sent without a client certificate\n";
    let out = pki.s_client(server.tls(), refused.as_bytes(), false);
    server.wait_log("tls handshake failed", WAIT);
    assert!(
        matches!(server.proc.child.try_wait(), Ok(None)),
        "collector died after a refused client: {}\n{}",
        describe(&out),
        server.log.text()
    );
    // A client with a certificate from the CA still gets in.
    let texts = ["authorized sender one", "authorized sender two"];
    let input: String = texts
        .iter()
        .map(|t| format!("<13>1 - h ehr-tls - - - {t}\n"))
        .collect();
    let out = pki.s_client(server.tls(), input.as_bytes(), true);
    assert!(
        out.status.success(),
        "openssl s_client with a certificate failed: {}",
        describe(&out)
    );
    let entries = server.wait_for("2 TLS messages", WAIT, |es| {
        texts.iter().all(|t| !with_action(es, t).is_empty())
    });
    for t in texts {
        let found = with_action(&entries, t);
        assert_eq!(found.len(), 1, "{t:?}: {found:#?}");
        assert_header(found[0], "rfc5424", "ehr-tls", "tls");
    }
    server.stop();
    let all = server.entries();
    assert_eq!(
        all.len(),
        2,
        "only the authorized sender's messages: {all:#?}"
    );
    assert!(with_action(&all, "sent without a client certificate").is_empty());
    server.verify();
}

// ---------------------------------------------------------------------------------------
// Shutdown, crashes, rotation

/// LF-framed messages `from..to` as one buffer.
fn numbered(prefix: &str, from: usize, to: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity((to - from) * 48);
    for i in from..to {
        writeln!(buf, "<13>1 - loadhost ehr-load - - - {prefix} {i}").unwrap();
    }
    buf
}

/// The numbers of the `prefix N` actions among `entries`, in entry order.
fn numbers(entries: &[Value], prefix: &str) -> Vec<usize> {
    let p = format!("{prefix} ");
    entries
        .iter()
        .filter_map(|e| ptr(e, "/action")?.strip_prefix(p.as_str())?.parse().ok())
        .collect()
}

#[test]
fn sigterm_drains_everything_sent() {
    const N: usize = 20_000;
    /// The client pauses here until SIGTERM has been handled, so that the second half is
    /// sent while the collector drains.
    const GATE: usize = 10_000;
    const CHUNK: usize = 500;
    let mut server = Server::start(&["--tcp", "127.0.0.1:0"], None);
    let addr = server.tcp();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let client = thread::spawn(move || -> Result<usize, String> {
        let mut s = connect(addr);
        let mut sent = 0;
        while sent < N {
            if sent == GATE {
                gate_rx
                    .recv_timeout(Duration::from_secs(30))
                    .map_err(|e| format!("gate never opened: {e}"))?;
            }
            let end = (sent + CHUNK).min(N);
            s.write_all(&numbered("drain", sent, end))
                .map_err(|e| format!("write failed after {sent} messages: {e}"))?;
            sent = end;
        }
        s.shutdown(Shutdown::Write).map_err(|e| e.to_string())?;
        // The collector closes its side once it has read our end of stream.
        let mut b = [0u8; 16];
        match s.read(&mut b) {
            Ok(0) => Ok(sent),
            other => Err(format!("expected the collector to close, got {other:?}")),
        }
    });
    server.wait_entries(2000, BULK_WAIT);
    server.proc.signal("TERM");
    server.wait_log("shutting down", WAIT);
    gate_tx.send(()).expect("client gone before the gate");
    let took = server.wait_exit();
    let sent = client.join().expect("client thread panicked");
    assert_eq!(
        sent,
        Ok(N),
        "the client could not send everything; log:\n{}",
        server.log.text()
    );
    assert!(
        !server.log.contains("drain deadline passed"),
        "the 5 s drain deadline cut the connection (exit took {took:?}): the machine was too slow \
         to take 20,000 messages in 5 s; log:\n{}",
        server.log.text()
    );
    let entries = server.entries();
    assert_eq!(
        numbers(&entries, "drain"),
        (0..N).collect::<Vec<_>>(),
        "every message sent, once, in order ({} entries)",
        entries.len()
    );
    assert_eq!(entries.len(), N);
    server.verify();
}

#[test]
fn large_messages_from_many_connections_fit_the_smallest_queue() {
    // The queue to the writer is bounded in bytes too, and so are the messages being
    // prepared (an eighth of it: 8 KiB here). Each message below is larger than either
    // bound (30 KB of control characters, which JSON escapes to 180 KB in the entry), so
    // every chunk takes a whole budget: the readers must take turns, not stall each other,
    // and lose nothing.
    const CONNS: usize = 6;
    const PER_CONN: usize = 15;
    let config = "[limits]\nqueue_bytes = 65536\nqueue_capacity = 4\n";
    let mut server = Server::start(&["--tcp", "127.0.0.1:0"], Some(config));
    let addr = server.tcp();
    let filler = "\u{1}".repeat(30_000);
    let clients: Vec<_> = (0..CONNS)
        .map(|c| {
            let filler = filler.clone();
            thread::spawn(move || {
                let mut s = connect(addr);
                for i in 0..PER_CONN {
                    let line = format!("<13>1 - bighost big - - - big {c} {i} {filler}\n");
                    s.write_all(line.as_bytes()).expect("send");
                }
            })
        })
        .collect();
    for c in clients {
        c.join().expect("client thread panicked");
    }
    let entries = server.wait_entries(CONNS * PER_CONN, BULK_WAIT);
    server.stop();
    for c in 0..CONNS {
        let got: Vec<usize> = entries
            .iter()
            .filter_map(|e| {
                let mut words = ptr(e, "/action")?.split(' ');
                (words.next()? == "big" && words.next()? == c.to_string())
                    .then(|| words.next()?.parse().ok())?
            })
            .collect();
        assert_eq!(
            got,
            (0..PER_CONN).collect::<Vec<_>>(),
            "connection {c}: every message, once, in order"
        );
    }
    assert!(
        entries
            .iter()
            .all(|e| raw_bytes(e).ends_with(filler.as_bytes())),
        "every message kept whole in details.raw"
    );
    server.verify();
}

#[test]
fn udp_datagrams_the_kernel_drops_are_counted() {
    // UDP has no backpressure: with the collector stopped (SIGSTOP) and a small receive
    // buffer, the kernel drops most of a burst. Nothing is silent: every datagram sent is
    // either an entry or in the exit counters' udp_kernel_drops, and a warning says so.
    const N: usize = 2000;
    let config = "[limits]\nudp_recv_buffer = 16384\n";
    let mut server = Server::start(&["--udp", "127.0.0.1:0"], Some(config));
    let addr = server.udp();
    server.proc.signal("STOP");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..N {
        let line = format!("<13>1 - udphost burst - - - burst {i} {}", "x".repeat(150));
        sock.send_to(line.as_bytes(), addr).expect("send datagram");
    }
    server.proc.signal("CONT");
    server.stop();
    let entries = server.entries();
    let log = server.log.text();
    let exit = log
        .lines()
        .find(|l| l.contains("counters") && l.contains("when=\"exit\""))
        .unwrap_or_else(|| panic!("no exit counters in the log:\n{log}"));
    let counter = |key: &str| -> usize {
        exit.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {exit}"))
    };
    let drops = counter("udp_kernel_drops");
    assert_eq!(counter("written"), entries.len(), "{exit}");
    assert!(
        drops > 0,
        "a 16 KiB buffer cannot hold {N} datagrams: {exit}"
    );
    assert_eq!(
        entries.len() + drops,
        N,
        "every datagram is an entry or a counted drop: {exit}"
    );
    assert!(
        log.contains("the kernel dropped UDP datagrams"),
        "the loss is warned about:\n{log}"
    );
    server.verify();
}

#[test]
fn kill_9_under_load_then_restart_verifies() {
    let server = Server::start(&["--tcp", "127.0.0.1:0"], None);
    let addr = server.tcp();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let client = thread::spawn(move || {
        let mut s = connect(addr);
        let started = Instant::now();
        let mut sent = 0;
        // Until the collector dies under us (bounded in count and time).
        while sent < 2_000_000 && started.elapsed() < Duration::from_secs(60) {
            if stop2.load(Ordering::Relaxed) {
                break;
            }
            if s.write_all(&numbered("crash", sent, sent + 100)).is_err() {
                break;
            }
            sent += 100;
        }
        sent
    });
    server.wait_entries(1000, BULK_WAIT);
    let store = server.kill_9();
    stop.store(true, Ordering::Relaxed);
    let sent = client.join().expect("client thread panicked");
    assert!(sent >= 1000, "sent {sent}");

    let mut server = Server::start_on(store, &["--tcp", "127.0.0.1:0"], None);
    let after: Vec<String> = (0..5).map(|i| format!("after restart {i}")).collect();
    let mut buf = Vec::new();
    for t in &after {
        writeln!(buf, "<13>1 - h ehr-load - - - {t}").unwrap();
    }
    send_tcp(server.tcp(), &buf);
    server.wait_for("the messages sent after the restart", WAIT, |es| {
        after.iter().all(|t| !with_action(es, t).is_empty())
    });
    server.stop();
    let text = server.verify();
    let entries = server.entries();
    let n = entries.len() as u64;
    assert_eq!(seqs(&entries), (0..n).collect::<Vec<_>>(), "{text}");
    let crash = numbers(&entries, "crash");
    assert!(
        crash.len() >= 1000,
        "{} entries from before the crash",
        crash.len()
    );
    assert_eq!(
        crash,
        (0..crash.len()).collect::<Vec<_>>(),
        "a prefix of what was sent"
    );
    for t in &after {
        assert_eq!(with_action(&entries, t).len(), 1, "{t}");
    }
}

#[test]
fn rotation_while_messages_flow() {
    const N: usize = 5_000;
    const CHUNK: usize = 100;
    /// Rotation k starts once the client has sent `AT[k]` messages.
    const AT: [usize; 3] = [1000, 2500, 4000];
    /// How far the client may run ahead of a rotation that has not finished: messages keep
    /// flowing during each rotation, and some always come after it for the next one.
    const AHEAD: usize = 700;
    let mut server = Server::start(&["--tcp", "127.0.0.1:0"], None);
    let addr = server.tcp();
    let sent = Arc::new(AtomicUsize::new(0));
    let rotated = Arc::new(AtomicUsize::new(0));
    let (sent2, rotated2) = (sent.clone(), rotated.clone());
    let client = thread::spawn(move || {
        let mut s = connect(addr);
        for c in 0..N / CHUNK {
            let from = c * CHUNK;
            let deadline = Instant::now() + BULK_WAIT;
            loop {
                let done = rotated2.load(Ordering::SeqCst);
                if done == AT.len() || from < AT[done] + AHEAD {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "rotation {} never finished",
                    done + 1
                );
                thread::sleep(Duration::from_millis(5));
            }
            s.write_all(&numbered("rotating", from, from + CHUNK))
                .unwrap_or_else(|e| panic!("write after {from} messages: {e}"));
            sent2.store(from + CHUNK, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(5));
        }
        s.shutdown(Shutdown::Write).unwrap();
    });

    let mut during = Vec::new();
    for (k, at) in AT.into_iter().enumerate() {
        let deadline = Instant::now() + BULK_WAIT;
        while sent.load(Ordering::SeqCst) < at {
            assert!(
                Instant::now() < deadline,
                "the client stalled at {}",
                sent.load(Ordering::SeqCst)
            );
            thread::sleep(Duration::from_millis(5));
        }
        // Something to rotate: at least one entry since the last rotation.
        server.wait_entries(1, BULK_WAIT);
        let before = sent.load(Ordering::SeqCst);
        let out = server.store.ok(&["rotate"]);
        during.push((before, sent.load(Ordering::SeqCst)));
        rotated.store(k + 1, Ordering::SeqCst);
        assert!(out.starts_with("Rotated: "), "rotate {}: {out}", k + 1);
    }
    client.join().expect("client thread panicked");

    let archived = |store: &TestStore| -> usize {
        rotated_names(store)
            .iter()
            .map(|n| gz_lines(&store.path("archive").join(n)).len())
            .sum()
    };
    let base = archived(&server.store);
    server.wait_entries(N.saturating_sub(base), BULK_WAIT);
    server.stop();

    let entries = all_entries(&server.store);
    assert_eq!(rotated_names(&server.store).len(), 3);
    assert_eq!(
        seqs(&entries),
        (0..N as u64).collect::<Vec<_>>(),
        "rotations at {during:?}"
    );
    assert_eq!(numbers(&entries, "rotating"), (0..N).collect::<Vec<_>>());
    let report: Value = serde_json::from_str(&server.store.ok(&["report"])).unwrap();
    assert_eq!(report["total_entries"], N as u64, "{report:#}");
    server.verify();
}

/// `hipaa-audit log` from cron while a sender streams into the collector: both append
/// through the store lock, so every entry is there once, the chain has no fork or gap, and
/// the sender's messages keep their order. The sender streams its first half while the
/// `log` commands run, and holds its second half (connection open) until they are done.
/// `config` chooses the write mode.
fn log_from_cron_while_messages_flow(config: Option<&str>) {
    const N: usize = 20_000;
    const CHUNK: usize = 250;
    const LOGS: usize = 12;
    let mut server = Server::start(&["--tcp", "127.0.0.1:0"], config);
    let addr = server.tcp();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let client = thread::spawn(move || {
        let mut s = connect(addr);
        for from in (0..N).step_by(CHUNK) {
            if from == N / 2 {
                gate_rx
                    .recv_timeout(BULK_WAIT)
                    .expect("the log commands never finished");
            }
            s.write_all(&numbered("streamed", from, from + CHUNK))
                .unwrap_or_else(|e| panic!("write after {from} messages: {e}"));
            thread::sleep(Duration::from_millis(2));
        }
        s.shutdown(Shutdown::Write).unwrap();
    });
    server.wait_entries(1, BULK_WAIT);
    for k in 0..LOGS {
        server.store.ok(&[
            "log",
            "access",
            "--user",
            "cron",
            "--action",
            &format!("cron job {k}"),
        ]);
    }
    gate_tx.send(()).expect("client gone before the gate");
    client.join().expect("client thread panicked");
    server.wait_entries(N + LOGS, BULK_WAIT);
    server.stop();

    let entries = all_entries(&server.store);
    assert_eq!(entries.len(), N + LOGS);
    assert_eq!(seqs(&entries), (0..(N + LOGS) as u64).collect::<Vec<_>>());
    assert_eq!(numbers(&entries, "streamed"), (0..N).collect::<Vec<_>>());
    assert_eq!(numbers(&entries, "cron job"), (0..LOGS).collect::<Vec<_>>());
    // Interleaved: streamed entries before the first `log` entry and after the last.
    let cron_at: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| ptr(e, "/user_id") == Some("cron"))
        .map(|(i, _)| i)
        .collect();
    assert!(
        cron_at[0] > 0 && cron_at[LOGS - 1] < N / 2 + LOGS,
        "log entries at {cron_at:?}"
    );
    server.verify();
}

#[test]
fn log_from_cron_while_messages_flow_direct_io() {
    // The default: whole blocks with O_DIRECT where the disk takes it (store/direct.rs).
    log_from_cron_while_messages_flow(None);
}

#[test]
fn log_from_cron_while_messages_flow_through_the_page_cache() {
    log_from_cron_while_messages_flow(Some("[store]\ndirect_io = false\n"));
}

// ---------------------------------------------------------------------------------------
// Malformed input, idle connections

#[test]
fn malformed_input_is_recorded_and_server_stays_up() {
    let mut server = Server::start(&udp_and_tcp(), Some("[limits]\ndrain_timeout_secs = 1\n"));
    let tcp = server.tcp();
    let max = 64 * 1024;

    // Random bytes: whatever framing makes of them, entry for entry.
    let junk = noise(0x5eed, 4096);
    let p_junk = send_tcp(tcp, &junk);
    let mut framer = Framer::new(max);
    let mut junk_frames = Vec::new();
    framer.push(&junk, &mut junk_frames);
    framer.finish(&mut junk_frames);
    assert!(!junk_frames.is_empty());

    let bad_utf8: &[u8] = b"<13>1 - h ehr-bad - - - caf\xe9 \xff\xfe not utf-8";
    let p_utf8 = send_tcp(tcp, &[bad_utf8, b"\n"].concat());
    let p_nul = send_tcp(tcp, b"<13>first nul-terminated\0<13>after the nul\n");
    let big_len = 300 * 1024;
    let mut big = vec![b'x'; big_len];
    big.extend_from_slice(b"\n<13>1 - h ehr-big - - - right after the big line\n");
    let p_big = send_tcp(tcp, &big);
    let p_pri = send_tcp(tcp, b"<999>hello\n");
    let p_empty_then = send_tcp(tcp, b"\n<13>1 - h ehr-empty - - - after an empty line\n");
    let p_only_empty = send_tcp(tcp, b"\n\r\n\0\n");
    let mut datagram = noise(0xd06, 512);
    *datagram.last_mut().unwrap() = b'A';
    let p_udp = send_udp(server.udp(), &datagram);

    let expect = [
        ("tcp", p_junk, junk_frames.len()),
        ("tcp", p_utf8, 1),
        ("tcp", p_nul, 2),
        ("tcp", p_big, 2),
        ("tcp", p_pri, 1),
        ("tcp", p_empty_then, 1),
        ("udp", p_udp, 1),
    ];
    let entries = server.wait_for("an entry for every malformed input", WAIT, |es| {
        expect
            .iter()
            .all(|&(t, p, n)| from_port(es, t, p).len() >= n)
    });
    for &(t, p, n) in &expect {
        assert_eq!(from_port(&entries, t, p).len(), n, "{t} port {p}");
    }

    let got: Vec<Vec<u8>> = from_port(&entries, "tcp", p_junk)
        .into_iter()
        .map(raw_bytes)
        .collect();
    let want: Vec<Vec<u8>> = junk_frames.iter().map(|f| f.bytes.clone()).collect();
    assert_eq!(got, want, "random bytes framed as the framer frames them");

    let e = from_port(&entries, "tcp", p_utf8)[0];
    assert!(ptr(e, "/details/raw_base64").is_some(), "{e:#}");
    assert_eq!(raw_bytes(e), bad_utf8);
    assert!(
        ptr(e, "/details/raw").unwrap().contains('\u{fffd}'),
        "{e:#}"
    );

    let nul = from_port(&entries, "tcp", p_nul);
    assert_eq!(raw_bytes(nul[0]), b"<13>first nul-terminated");
    assert_eq!(raw_bytes(nul[1]), b"<13>after the nul");

    let bigs = from_port(&entries, "tcp", p_big);
    assert_eq!(
        bigs[0]["details"]["truncated_from"], big_len as u64,
        "{:#}",
        bigs[0]["details"]["truncated_from"]
    );
    assert_eq!(raw_bytes(bigs[0]), vec![b'x'; max]);
    assert_eq!(
        ptr(bigs[1], "/action"),
        Some("right after the big line"),
        "{:#}",
        bigs[1]
    );
    assert!(
        bigs[1]["details"].get("truncated_from").is_none(),
        "{:#}",
        bigs[1]
    );

    let pri = from_port(&entries, "tcp", p_pri)[0];
    assert_eq!(ptr(pri, "/syslog/format"), Some("unparsed"), "{pri:#}");
    assert_eq!(pri["syslog"]["facility"], Value::Null, "{pri:#}");
    assert_eq!(ptr(pri, "/details/raw"), Some("<999>hello"), "{pri:#}");

    let after_empty = from_port(&entries, "tcp", p_empty_then)[0];
    assert_eq!(ptr(after_empty, "/action"), Some("after an empty line"));

    let udp = from_port(&entries, "udp", p_udp)[0];
    assert_eq!(raw_bytes(udp), datagram);

    // Half an octet-counted frame, then silence, on a connection kept open.
    let partial = b"<13>1 - h ehr-stall - - - the first half of a frame";
    let mut stalled = connect(tcp);
    let p_stalled = stalled.local_addr().unwrap().port();
    stalled
        .write_all(&[b"100 ".as_slice(), partial].concat())
        .unwrap();
    // Meanwhile another sender still gets in.
    send_tcp(tcp, b"<13>1 - h ehr-ok - - - still serving\n");
    wait_one(&server, "still serving");

    let took = server.stop();
    assert!(
        took >= Duration::from_millis(900),
        "stopped in {took:?}, before the drain deadline"
    );
    assert!(
        server.log.contains("drain deadline passed"),
        "{}",
        server.log.text()
    );
    let entries = server.entries();
    let stall = from_port(&entries, "tcp", p_stalled);
    assert_eq!(
        stall.len(),
        1,
        "the stalled partial frame is recorded: {stall:#?}"
    );
    assert_eq!(raw_bytes(stall[0]), partial);
    assert_eq!(stall[0]["details"]["truncated_from"], 100, "{:#}", stall[0]);
    assert!(from_port(&entries, "tcp", p_only_empty).is_empty());
    // The collector closed the stalled connection.
    let mut b = [0u8; 8];
    assert!(
        matches!(stalled.read(&mut b), Ok(0)),
        "stalled connection still open"
    );
    server.verify();
}

#[test]
fn idle_connection_is_closed() {
    let server = Server::start(
        &["--tcp", "127.0.0.1:0"],
        Some("[limits]\nidle_timeout_secs = 1\n"),
    );
    let mut s = connect(server.tcp());
    let t0 = Instant::now();
    s.write_all(b"<13>1 - h ehr-idle - - - one message, then silence\n")
        .unwrap();
    let mut b = [0u8; 8];
    let read = s.read(&mut b);
    let took = t0.elapsed();
    assert!(
        matches!(read, Ok(0)),
        "expected the collector to close the idle connection: {read:?}"
    );
    // Not before the timeout; the upper bound is loose (a loaded test machine can be slow to
    // schedule the timer), the log line below is what says the idle timeout closed it.
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(30),
        "closed after {took:?} with idle_timeout_secs = 1"
    );
    wait_one(&server, "one message, then silence");
    server.wait_log("idle timeout", WAIT);
    finish(server);
}

// ---------------------------------------------------------------------------------------
// The README's quick start. The only test that uses port 5514.

#[test]
fn serve_with_no_arguments_uses_the_default() {
    let taken = |what: &str, e: std::io::Error| -> ! {
        panic!(
            "port 5514 ({what}) on 127.0.0.1 is in use on this machine ({e}); this test runs the \
             README's quick start, which listens there: stop whatever holds it and run again"
        )
    };
    drop(TcpListener::bind("127.0.0.1:5514").unwrap_or_else(|e| taken("tcp", e)));
    drop(UdpSocket::bind("127.0.0.1:5514").unwrap_or_else(|e| taken("udp", e)));

    let store = TestStore::empty();
    let server = Server::launch(
        store,
        Launch {
            args: &[],
            config: None,
            log_dir_flag: false,
        },
    );
    let default: std::net::SocketAddr = "127.0.0.1:5514".parse().unwrap();
    assert_eq!(
        (server.udp.clone(), server.tcp.clone()),
        (vec![default], vec![default])
    );
    assert!(server.tls.is_empty());
    logger_send(&["-n", "127.0.0.1", "-P", "5514", "-T", "hello"]);
    let e = wait_one(&server, "hello");
    assert_eq!(ptr(&e, "/transport"), Some("tcp"));
    let mut server = server;
    server.stop();
    // `hipaa-audit verify` with no --log-dir, from the same directory.
    let out = Command::new(BIN)
        .arg("verify")
        .current_dir(server.store.tmp.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("run verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.starts_with("PASS\n"),
        "{}",
        describe(&out)
    );
    assert!(server.store.dir().join("audit.jsonl").exists());
}

#[test]
fn disk_full_stops_intake_loudly() {
    // /dev/full answers every write with ENOSPC: a full disk, without needing a mount.
    let store = TestStore::new();
    std::fs::remove_file(store.path("audit.jsonl")).unwrap();
    std::os::unix::fs::symlink("/dev/full", store.path("audit.jsonl")).unwrap();
    let mut server = Server::start_on(
        store,
        &["--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0"],
        None,
    );
    send_tcp(
        server.tcp(),
        b"<13>1 - host app - - - written to a full disk\n",
    );
    let status = server
        .proc
        .wait_timeout(Duration::from_secs(10))
        .expect("the collector must stop by itself after a write error");
    assert_eq!(
        status.code(),
        Some(2),
        "non-zero exit: {}",
        server.log.text()
    );
    server.wait_log("No space left on device", Duration::from_secs(5));
    let log = server.log.text();
    assert!(log.contains("append failed; stopping intake"), "{log}");
    assert!(log.contains("dropped=1"), "the loss is counted: {log}");
}

#[test]
fn a_quiet_open_connection_is_not_held_back() {
    // Senders like rsyslog keep their connection open: a message must reach the disk
    // without waiting for more input or for the connection to close.
    let mut server = Server::start(&["--tcp", "127.0.0.1:0"], None);
    let mut conn = connect(server.tcp());
    conn.write_all(b"<13>1 - host app - - - the only message on a connection that stays open\n")
        .unwrap();
    let entries = server.wait_for("the message, connection still open", WAIT, |es| {
        es.len() == 1
    });
    assert_eq!(
        entries[0]["action"],
        "the only message on a connection that stays open"
    );
    drop(conn);
    server.stop();
    server.verify();
}
