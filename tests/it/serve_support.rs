//! Harness for the `hipaa-audit serve` tests: runs the real collector on loopback ports it
//! picks itself (port 0), reads the addresses it really bound from its startup log line,
//! and stops it with a real SIGTERM. Also the external senders these tests drive (util-linux
//! `logger`, `openssl`, `rsyslogd`) and small TCP/UDP clients.
//!
//! Every wait here is bounded in time; a timeout fails the test with the collector's log.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

use crate::support::{describe, TestStore, BIN};
use crate::trail::parse_lines;

/// How long the collector may take to print its listening line.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a SIGTERM'd collector may take to exit (drain deadline 5 s by default, plus
/// writing what is queued).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// Polling interval of every wait loop.
const POLL: Duration = Duration::from_millis(20);

/// The text of the collector's startup line.
const LISTENING: &str = "hipaa-audit collector listening";

/// A child process that is killed (SIGKILL, by its own pid) and reaped if still running when
/// dropped, so a failing test leaves nothing behind.
pub struct Proc {
    pub child: Child,
    pub name: &'static str,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
                Ok(None) => return None,
                Err(e) => panic!("waiting for {}: {e}", self.name),
            }
        }
    }

    /// Sends `signal` (e.g. "TERM", "KILL") with the `kill` command.
    pub fn signal(&self, signal: &str) {
        let out = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .output()
            .expect("run kill (procps)");
        assert!(
            out.status.success(),
            "kill -{signal} {} ({}) failed: {}",
            self.pid(),
            self.name,
            describe(&out)
        );
    }

    /// SIGTERM, then SIGKILL if still running after `grace`; reaps the process.
    pub fn terminate(&mut self, grace: Duration) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        self.signal("TERM");
        if let Some(status) = self.wait_timeout(grace) {
            return Some(status);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Collects a child's stderr (stripped of ANSI colour codes) on a thread, so the pipe never
/// fills and the text can be searched while the process runs.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<String>>);

impl LogBuffer {
    /// Starts the reader thread; it ends when the child closes its stderr (it exited).
    fn follow(stream: impl Read + Send + 'static) -> (LogBuffer, JoinHandle<()>) {
        let buf = LogBuffer::default();
        let b = buf.clone();
        let reader = std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            // Ends when the child closes its stderr (it exited).
            while let Ok(n) = reader.read_until(b'\n', &mut line) {
                if n == 0 {
                    break;
                }
                let text = strip_ansi(&String::from_utf8_lossy(&line));
                b.0.lock().unwrap().push_str(&text);
                line.clear();
            }
        });
        (buf, reader)
    }

    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.0.lock().unwrap().contains(needle)
    }
}

/// Removes ANSI escape sequences (`ESC [ ... letter`), in case colour is on despite NO_COLOR.
pub fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The addresses inside `key=[a, b]` of the listening line.
fn addrs(line: &str, key: &str) -> Vec<SocketAddr> {
    let start = line
        .find(&format!("{key}=["))
        .unwrap_or_else(|| panic!("no {key}=[..] in the listening line: {line}"))
        + key.len()
        + 2;
    let end = start
        + line[start..]
            .find(']')
            .unwrap_or_else(|| panic!("unterminated {key}=[..]: {line}"));
    line[start..end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .unwrap_or_else(|e| panic!("bad address {s:?} ({e}): {line}"))
        })
        .collect()
}

/// How to run the collector.
pub struct Launch<'a> {
    /// Arguments after `serve` (listen flags, TLS files).
    pub args: &'a [&'a str],
    /// Contents of a config file passed with `--config`.
    pub config: Option<&'a str>,
    /// Pass `--log-dir <store>` (false: the collector's default, `./hipaa_audit_logs` in
    /// the store's temporary directory, which is the same place).
    pub log_dir_flag: bool,
}

/// A running `hipaa-audit serve` over a store in a temporary directory.
pub struct Server {
    pub store: TestStore,
    pub proc: Proc,
    pub log: LogBuffer,
    log_reader: Option<JoinHandle<()>>,
    pub udp: Vec<SocketAddr>,
    pub tcp: Vec<SocketAddr>,
    pub tls: Vec<SocketAddr>,
}

impl Server {
    /// Starts the collector with `serve <extra_args>` (and `--config` when `config_toml`
    /// is given) on a fresh store.
    pub fn start(extra_args: &[&str], config_toml: Option<&str>) -> Server {
        Server::start_on(TestStore::empty(), extra_args, config_toml)
    }

    /// The same on an existing store (a restart).
    pub fn start_on(store: TestStore, extra_args: &[&str], config_toml: Option<&str>) -> Server {
        Server::launch(
            store,
            Launch {
                args: extra_args,
                config: config_toml,
                log_dir_flag: true,
            },
        )
    }

    pub fn launch(store: TestStore, how: Launch<'_>) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve").args(how.args);
        if how.log_dir_flag {
            cmd.arg("--log-dir").arg(store.dir());
        }
        if let Some(toml) = how.config {
            let path = store.tmp.path().join("serve-test.toml");
            std::fs::write(&path, toml).expect("write config");
            cmd.arg("--config").arg(path);
        }
        cmd.current_dir(store.tmp.path())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn hipaa-audit serve");
        let (log, log_reader) = LogBuffer::follow(child.stderr.take().expect("stderr"));
        let mut proc = Proc {
            child,
            name: "hipaa-audit serve",
        };

        let deadline = Instant::now() + START_TIMEOUT;
        let line = loop {
            if let Some(line) = log.text().lines().find(|l| l.contains(LISTENING)) {
                break line.to_owned();
            }
            if let Ok(Some(status)) = proc.child.try_wait() {
                // Let the reader thread take the last of stderr (bounded).
                let until = Instant::now() + Duration::from_secs(2);
                while !log_reader.is_finished() && Instant::now() < until {
                    std::thread::sleep(POLL);
                }
                panic!(
                    "hipaa-audit serve {:?} exited ({status}) before listening:\n{}",
                    how.args,
                    log.text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "hipaa-audit serve {:?} printed no listening line within {START_TIMEOUT:?}:\n{}",
                how.args,
                log.text()
            );
            std::thread::sleep(POLL);
        };
        Server {
            udp: addrs(&line, "udp"),
            tcp: addrs(&line, "tcp"),
            tls: addrs(&line, "tls"),
            store,
            proc,
            log,
            log_reader: Some(log_reader),
        }
    }

    pub fn udp(&self) -> SocketAddr {
        *self.udp.first().expect("a UDP listener")
    }

    pub fn tcp(&self) -> SocketAddr {
        *self.tcp.first().expect("a TCP listener")
    }

    pub fn tls(&self) -> SocketAddr {
        *self.tls.first().expect("a TLS listener")
    }

    pub fn active_path(&self) -> PathBuf {
        self.store.path("audit.jsonl")
    }

    /// Lines in the active segment (0 while it does not exist yet).
    pub fn active_count(&self) -> usize {
        std::fs::read(self.active_path())
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0)
    }

    /// The active segment's entries (its complete lines: the collector may be in the middle
    /// of appending a batch while we read).
    pub fn entries(&self) -> Vec<Value> {
        let mut bytes = std::fs::read(self.active_path()).unwrap_or_default();
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(complete);
        let text = String::from_utf8(bytes).expect("the active segment is UTF-8");
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        parse_lines(&lines)
    }

    /// Polls until the active segment holds at least `n` lines; returns its entries.
    pub fn wait_entries(&self, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let have = self.active_count();
            if have >= n {
                return self.entries();
            }
            assert!(
                Instant::now() < deadline,
                "waited {timeout:?} for {n} entries, the store holds {have}; collector log:\n{}",
                self.log.text()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Polls until `pred` holds for the active segment's entries; returns them.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        let mut last_len = usize::MAX;
        let mut entries = Vec::new();
        loop {
            // Parse again only when the file grew.
            let len = std::fs::metadata(self.active_path()).map_or(0, |m| m.len() as usize);
            if len != last_len {
                last_len = len;
                entries = self.entries();
                if pred(&entries) {
                    return entries;
                }
            }
            assert!(
                Instant::now() < deadline,
                "waited {timeout:?} for {what}; the store holds {} entries; collector log:\n{}",
                entries.len(),
                self.log.text()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Polls the collector's log for `needle`.
    pub fn wait_log(&self, needle: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.log.contains(needle) {
            assert!(
                Instant::now() < deadline,
                "waited {timeout:?} for {needle:?} in the collector log:\n{}",
                self.log.text()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Sends SIGTERM and waits (bounded) for the collector to exit; asserts exit code 0.
    /// Returns how long the exit took.
    pub fn stop(&mut self) -> Duration {
        let t0 = Instant::now();
        self.proc.signal("TERM");
        self.wait_exit();
        t0.elapsed()
    }

    /// Waits (bounded) for the collector to exit after a signal; asserts exit code 0.
    /// Returns how long the wait took.
    pub fn wait_exit(&mut self) -> Duration {
        let t0 = Instant::now();
        let status = self.proc.wait_timeout(STOP_TIMEOUT);
        let took = t0.elapsed();
        if status.is_some() {
            self.finish_log();
        }
        match status {
            Some(s) => assert_eq!(
                s.code(),
                Some(0),
                "hipaa-audit serve exited with {s} after SIGTERM; log:\n{}",
                self.log.text()
            ),
            None => panic!(
                "hipaa-audit serve still running {STOP_TIMEOUT:?} after SIGTERM; log:\n{}",
                self.log.text()
            ),
        }
        took
    }

    /// Waits (bounded) until the log reader has taken everything the exited collector wrote.
    fn finish_log(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        if let Some(reader) = self.log_reader.take() {
            while !reader.is_finished() && Instant::now() < deadline {
                std::thread::sleep(POLL);
            }
            if reader.is_finished() {
                let _ = reader.join();
            }
        }
    }

    /// `kill -9`s the collector and gives its store back (for a restart).
    pub fn kill_9(self) -> TestStore {
        let Server {
            store, mut proc, ..
        } = self;
        proc.signal("KILL");
        let status = proc
            .wait_timeout(Duration::from_secs(10))
            .expect("hipaa-audit serve survived kill -9");
        assert_eq!(
            status.code(),
            None,
            "expected death by signal, got {status}"
        );
        store
    }

    /// `hipaa-audit verify` must PASS; returns its output.
    pub fn verify(&self) -> String {
        self.store.assert_pass()
    }
}

// ---------------------------------------------------------------------------------------
// Entries

/// A string field at a JSON pointer (`/syslog/app_name`), `None` if absent or not a string.
pub fn ptr<'a>(e: &'a Value, pointer: &str) -> Option<&'a str> {
    e.pointer(pointer).and_then(Value::as_str)
}

/// The bytes a message arrived as: `details.raw_base64` decoded when present (invalid
/// UTF-8), else `details.raw`.
pub fn raw_bytes(e: &Value) -> Vec<u8> {
    match ptr(e, "/details/raw_base64") {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap_or_else(|err| panic!("bad raw_base64 ({err}) in {e}")),
        None => ptr(e, "/details/raw")
            .unwrap_or_else(|| panic!("no details.raw in {e}"))
            .as_bytes()
            .to_vec(),
    }
}

/// Entries whose `action` is `text`.
pub fn with_action<'a>(entries: &'a [Value], text: &str) -> Vec<&'a Value> {
    entries
        .iter()
        .filter(|e| e["action"].as_str() == Some(text))
        .collect()
}

/// Entries from one client socket (transport and source port).
pub fn from_port<'a>(entries: &'a [Value], transport: &str, port: u16) -> Vec<&'a Value> {
    entries
        .iter()
        .filter(|e| {
            e["transport"].as_str() == Some(transport)
                && e["source_port"].as_u64() == Some(port.into())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Clients

/// Connects over TCP (bounded).
pub fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Sends `bytes` on a new TCP connection and closes it; returns the client's port.
pub fn send_tcp(addr: SocketAddr, bytes: &[u8]) -> u16 {
    let mut s = connect(addr);
    let port = s.local_addr().unwrap().port();
    s.write_all(bytes)
        .unwrap_or_else(|e| panic!("write to {addr}: {e}"));
    s.shutdown(Shutdown::Write).unwrap();
    port
}

/// Sends one UDP datagram from a fresh socket; returns the client's port.
pub fn send_udp(addr: SocketAddr, bytes: &[u8]) -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind udp client");
    s.send_to(bytes, addr)
        .unwrap_or_else(|e| panic!("send to {addr}: {e}"));
    s.local_addr().unwrap().port()
}

/// Deterministic pseudo-random bytes (xorshift64).
pub fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// External tools

/// Runs a tool to completion with a time limit; returns its output.
pub fn run_bounded(mut cmd: Command, what: &str, timeout: Duration) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_with_input(cmd, what, None, timeout)
}

/// Runs a tool with `input` on its stdin (then closed), with a time limit.
pub fn run_with_input(
    mut cmd: Command,
    what: &str,
    input: Option<&[u8]>,
    timeout: Duration,
) -> Output {
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if let Some(input) = input {
        // A tool that quits early (a refused TLS handshake) may not read all of it: not
        // an error here, its exit status and output tell.
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(input);
        drop(stdin);
    }
    // Drain stdout/stderr on threads so a chatty tool cannot block on a full pipe.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let mut proc = Proc {
        child,
        name: "tool",
    };
    let status = proc.wait_timeout(timeout);
    let status = match status {
        Some(s) => s,
        None => {
            let _ = proc.child.kill();
            let _ = proc.child.wait();
            panic!("{what} did not finish within {timeout:?}");
        }
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

/// True when `cmd --version`-style probing runs.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// util-linux `logger`; a missing one fails the test with how to install it.
pub fn logger() -> Command {
    assert!(
        runs("logger", &["--version"]),
        "util-linux `logger` is needed for the serve tests: apt-get install -y bsdutils"
    );
    Command::new("logger")
}

/// Runs `logger <args>` (bounded) and asserts it succeeded.
pub fn logger_send(args: &[&str]) {
    let mut cmd = logger();
    cmd.args(args);
    let out = run_bounded(cmd, "logger", Duration::from_secs(10));
    assert!(
        out.status.success(),
        "logger {args:?} failed: {}",
        describe(&out)
    );
}

/// The `openssl` command; a missing one fails the test with how to install it.
pub fn openssl() -> Command {
    assert!(
        runs("openssl", &["version"]),
        "the openssl CLI is needed for the TLS serve tests: apt-get install -y openssl"
    );
    Command::new("openssl")
}

/// Runs `openssl <args>` in `dir` (bounded) and asserts it succeeded.
pub fn openssl_ok(dir: &Path, args: &[&str]) {
    let mut cmd = openssl();
    cmd.args(args).current_dir(dir);
    let out = run_bounded(cmd, "openssl", Duration::from_secs(30));
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        describe(&out)
    );
}

/// The rsyslogd binary (on PATH or in /usr/sbin); a missing one fails the test with how to
/// install it.
pub fn rsyslogd() -> PathBuf {
    for candidate in ["rsyslogd", "/usr/sbin/rsyslogd"] {
        if runs(candidate, &["-v"]) {
            return PathBuf::from(candidate);
        }
    }
    panic!("rsyslogd is needed for the rsyslog forwarding test: apt-get install -y rsyslog");
}

/// A CA, a server certificate for IP 127.0.0.1 and a client certificate (EC P-256), made
/// with the openssl CLI.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=hipaa-audit test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl_ok(d, &ca);
        for (name, cn, ext) in [
            (
                "server",
                "/CN=127.0.0.1",
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                 extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n",
            ),
            (
                "client",
                "/CN=test-sender",
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                 extendedKeyUsage=clientAuth\n",
            ),
        ] {
            let key = format!("{name}.key");
            let csr = format!("{name}.csr");
            let pem = format!("{name}.pem");
            let extfile = format!("{name}.ext");
            std::fs::write(d.join(&extfile), ext).unwrap();
            let mut req = vec!["req"];
            req.extend(ec);
            req.extend(["-keyout", &key, "-out", &csr, "-subj", cn]);
            openssl_ok(d, &req);
            openssl_ok(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &pem,
                    "-days",
                    "2",
                    "-extfile",
                    &extfile,
                ],
            );
        }
        Pki { dir }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir
            .path()
            .join(name)
            .to_str()
            .expect("utf-8 path")
            .to_owned()
    }

    /// Sends `input` with `openssl s_client` (checking the server's certificate against our
    /// CA and its IP SAN); `client_cert` adds `-cert/-key`. Returns the tool's output.
    pub fn s_client(&self, addr: SocketAddr, input: &[u8], client_cert: bool) -> Output {
        let mut cmd = openssl();
        cmd.args([
            "s_client",
            "-connect",
            &addr.to_string(),
            "-quiet",
            "-no_ign_eof",
        ])
        .args(["-CAfile", &self.path("ca.pem"), "-verify_return_error"])
        .args(["-verify_ip", &addr.ip().to_string()]);
        if client_cert {
            cmd.args([
                "-cert",
                &self.path("client.pem"),
                "-key",
                &self.path("client.key"),
            ]);
        }
        run_with_input(
            cmd,
            "openssl s_client",
            Some(input),
            Duration::from_secs(20),
        )
    }
}
