//! Load generator for `bench/collector-vs-rsyslog.sh` (std only, loopback targets only).
//!
//! ```text
//! loadgen gen N FILE                      N RFC 5424 messages, ~250 bytes, LF-framed
//! loadgen tcp ADDR FILE [--conns K] [--wait-head DIR | --wait-lines FILE] [--count N] [--timeout S]
//!     sends FILE over K connections (split on line boundaries), then waits until the
//!     hipaa-audit store's audit.head says N entries are durable, or until FILE has N lines
//! loadgen udp ADDR FILE --rate R --seconds S | --count N
//!     one datagram per line; paced at R per second for S seconds (R=0: unthrottled)
//! loadgen wait-head DIR N TIMEOUT_S      wait-lines FILE N TIMEOUT_S   (standalone waits)
//! loadgen head-count DIR                  entries in the store per audit.head (0 if none)
//! loadgen line-count FILE
//! loadgen free-port                       a loopback port free for both TCP and UDP now
//! loadgen wait-bound tcp|udp PORT TIMEOUT_S   until a server holds 127.0.0.1:PORT
//! ```
//!
//! Output is `key=value` lines on stdout; times are Unix epoch seconds with nanoseconds, so
//! the script can subtract them from each other and from its own `date +%s.%N`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

type Res<T> = Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let r = match args.first().map(String::as_str) {
        Some("gen") => gen(&args[1..]),
        Some("tcp") => tcp(&args[1..]),
        Some("udp") => udp(&args[1..]),
        Some("wait-head") => wait_cmd(&args[1..], true),
        Some("wait-lines") => wait_cmd(&args[1..], false),
        Some("head-count") => one_arg(&args[1..]).map(|d| {
            println!("count={}", head_count(Path::new(&d)));
        }),
        Some("line-count") => one_arg(&args[1..]).map(|f| {
            let mut c = LineCounter::new(PathBuf::from(f));
            println!("count={}", c.poll());
        }),
        Some("free-port") => free_port().map(|p| println!("{p}")),
        Some("wait-bound") => wait_bound(&args[1..]),
        _ => Err("usage: loadgen gen|tcp|udp|wait-head|wait-lines|head-count|line-count ... (see the source)".into()),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn one_arg(a: &[String]) -> Res<String> {
    a.first().cloned().ok_or_else(|| "missing argument".into())
}

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Res<T> {
    s.parse().map_err(|_| format!("{what}: not a number: {s}"))
}

/// Only loopback addresses are targets.
fn loopback(addr: &str) -> Res<SocketAddr> {
    let a: SocketAddr = addr
        .parse()
        .map_err(|_| format!("not an address: {addr}"))?;
    let ok = match a.ip() {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => ip.is_loopback(),
    };
    if ok {
        Ok(a)
    } else {
        Err(format!("refusing non-loopback target {a}"))
    }
}

/// `--key value` options after the positional arguments.
fn opt<'a>(a: &'a [String], key: &str) -> Option<&'a str> {
    a.iter()
        .position(|x| x == key)
        .and_then(|i| a.get(i + 1))
        .map(String::as_str)
}

// ---- gen ------------------------------------------------------------------------------

const LINE_LEN: usize = 250; // bytes per message, LF included

fn gen(a: &[String]) -> Res<()> {
    if a.len() < 2 {
        return Err("usage: loadgen gen N FILE".into());
    }
    let n: u64 = num(&a[0], "N")?;
    let f = File::create(&a[1]).map_err(|e| format!("{}: {e}", a[1]))?;
    let mut w = io::BufWriter::with_capacity(1 << 20, f);
    let users = [
        "drjones", "nsmith", "admin", "rlee", "kpatel", "mgarcia", "tnguyen", "backup",
    ];
    let actions = [
        "viewed-chart",
        "updated-chart",
        "login",
        "logout",
        "export-record",
        "print-record",
    ];
    let mut line = String::with_capacity(LINE_LEN + 16);
    for seq in 0..n {
        let user = users[(seq % users.len() as u64) as usize];
        let action = actions[(seq % actions.len() as u64) as usize];
        let (ms, s) = (seq % 1000, (seq / 1000) % 60);
        line.clear();
        line.push_str(&format!(
            "<134>1 2026-01-15T10:{:02}:{:02}.{:03}Z ehr-host-{:02}.example.org ehr-app {} AUDIT \
             [audit@32473 seq=\"{:010}\" user=\"{}\" outcome=\"success\"] seq={:010} user={} action={} \
             resource=Patient/{:06} ",
            (seq / 60_000) % 60,
            s,
            ms,
            seq % 16,
            1000 + seq % 9000,
            seq,
            user,
            seq,
            user,
            action,
            seq % 1_000_000,
        ));
        let mut pad = b"abcdefghijklmnopqrstuvwxyz0123456789".iter().cycle();
        while line.len() < LINE_LEN - 1 {
            line.push(char::from(*pad.next().expect("cycle")));
        }
        line.truncate(LINE_LEN - 1);
        line.push('\n');
        w.write_all(line.as_bytes()).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())?;
    println!("messages={n} bytes={}", n * LINE_LEN as u64);
    Ok(())
}

// ---- tcp ------------------------------------------------------------------------------

fn connect_retry(addr: SocketAddr, within: Duration) -> Res<TcpStream> {
    let until = Instant::now() + within;
    loop {
        match TcpStream::connect(addr) {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() >= until => return Err(format!("connect {addr}: {e}")),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Splits `data` into `k` parts on line boundaries.
fn split_lines(data: &[u8], k: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(k);
    let mut start = 0;
    for i in 1..=k {
        if start >= data.len() {
            break;
        }
        let mut end = if i == k {
            data.len()
        } else {
            (data.len() * i / k).max(start)
        };
        while end < data.len() && end > 0 && data[end - 1] != b'\n' {
            end += 1;
        }
        parts.push(&data[start..end]);
        start = end;
    }
    parts
}

fn tcp(a: &[String]) -> Res<()> {
    if a.len() < 2 {
        return Err("usage: loadgen tcp ADDR FILE [--conns K] [--wait-head DIR | --wait-lines FILE] [--count N] [--timeout S]".into());
    }
    let addr = loopback(&a[0])?;
    let mut data = Vec::new();
    File::open(&a[1])
        .and_then(|mut f| f.read_to_end(&mut data))
        .map_err(|e| format!("{}: {e}", a[1]))?;
    let conns: usize = opt(a, "--conns")
        .map(|s| num(s, "--conns"))
        .transpose()?
        .unwrap_or(1)
        .max(1);
    let count: u64 = match opt(a, "--count") {
        Some(s) => num(s, "--count")?,
        None => data.iter().filter(|&&b| b == b'\n').count() as u64,
    };
    let timeout = Duration::from_secs_f64(
        opt(a, "--timeout")
            .map(|s| num(s, "--timeout"))
            .transpose()?
            .unwrap_or(600.0),
    );

    // Connect everything first, so connection setup is not in the measured time.
    let mut streams = Vec::with_capacity(conns);
    for _ in 0..conns {
        streams.push(connect_retry(addr, Duration::from_secs(20))?);
    }
    let parts = split_lines(&data, conns);
    let t_first = now();
    let started = Instant::now();
    std::thread::scope(|sc| -> Res<()> {
        let hs: Vec<_> = streams
            .into_iter()
            .zip(parts)
            .map(|(mut s, part)| {
                sc.spawn(move || -> Res<()> {
                    for chunk in part.chunks(256 * 1024) {
                        s.write_all(chunk).map_err(|e| format!("send: {e}"))?;
                    }
                    s.shutdown(std::net::Shutdown::Write)
                        .map_err(|e| format!("shutdown: {e}"))?;
                    // Wait for the server to close its side (it read everything).
                    let mut b = [0u8; 64];
                    let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
                    while matches!(s.read(&mut b), Ok(n) if n > 0) {}
                    Ok(())
                })
            })
            .collect();
        for h in hs {
            h.join()
                .map_err(|_| "sender thread panicked".to_string())??;
        }
        Ok(())
    })?;
    let t_sent = now();
    println!("t_first_byte={t_first:.6}");
    println!("t_sent={t_sent:.6}");
    println!("sent={count}");

    let waited = if let Some(dir) = opt(a, "--wait-head") {
        Some(wait_until(
            count,
            timeout.saturating_sub(started.elapsed()),
            || head_count(Path::new(dir)),
        ))
    } else if let Some(f) = opt(a, "--wait-lines") {
        let mut c = LineCounter::new(PathBuf::from(f));
        Some(wait_until(
            count,
            timeout.saturating_sub(started.elapsed()),
            || c.poll(),
        ))
    } else {
        None
    };
    if let Some((t_done, got)) = waited {
        println!("t_done={t_done:.6}");
        println!("stored={got}");
        let secs = t_done - t_first;
        println!("seconds={secs:.6}");
        println!("rate={:.0}", got as f64 / secs);
        if got < count {
            return Err(format!("timed out: {got} of {count} stored"));
        }
    }
    Ok(())
}

/// Polls `f` every 2 ms until it reaches `target` or `timeout` passes; (time, last value).
fn wait_until(target: u64, timeout: Duration, mut f: impl FnMut() -> u64) -> (f64, u64) {
    let until = Instant::now() + timeout;
    loop {
        let got = f();
        if got >= target || Instant::now() >= until {
            return (now(), got);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn wait_cmd(a: &[String], head: bool) -> Res<()> {
    if a.len() < 3 {
        return Err(
            "usage: loadgen wait-head DIR N TIMEOUT_S | wait-lines FILE N TIMEOUT_S".into(),
        );
    }
    let n: u64 = num(&a[1], "N")?;
    let timeout = Duration::from_secs_f64(num(&a[2], "TIMEOUT_S")?);
    let (t, got) = if head {
        wait_until(n, timeout, || head_count(Path::new(&a[0])))
    } else {
        let mut c = LineCounter::new(PathBuf::from(&a[0]));
        wait_until(n, timeout, || c.poll())
    };
    println!("t_done={t:.6}");
    println!("count={got}");
    Ok(())
}

/// Entries durable in a fresh hipaa-audit store: audit.head holds the seq of the newest
/// fsynced entry (written after each batch's fsync), so entries = seq + 1. Cheap to poll.
fn head_count(dir: &Path) -> u64 {
    let Ok(text) = std::fs::read_to_string(dir.join("audit.head")) else {
        return 0;
    };
    let Some(i) = text.find("\"seq\":") else {
        return 0;
    };
    let digits: String = text[i + 6..]
        .chars()
        .skip_while(|c| *c == ' ')
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<u64>().map_or(0, |s| s + 1)
}

/// Counts LF in a growing file, reading only what was added since the last poll.
struct LineCounter {
    path: PathBuf,
    file: Option<File>,
    pos: u64,
    lines: u64,
    buf: Vec<u8>,
}

impl LineCounter {
    fn new(path: PathBuf) -> LineCounter {
        LineCounter {
            path,
            file: None,
            pos: 0,
            lines: 0,
            buf: vec![0; 1 << 20],
        }
    }

    fn poll(&mut self) -> u64 {
        if self.file.is_none() {
            self.file = File::open(&self.path).ok();
        }
        let Some(f) = self.file.as_mut() else {
            return 0;
        };
        if f.seek(SeekFrom::Start(self.pos)).is_err() {
            return self.lines;
        }
        loop {
            match f.read(&mut self.buf) {
                Ok(0) | Err(_) => return self.lines,
                Ok(n) => {
                    self.pos += n as u64;
                    self.lines += self.buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
                }
            }
        }
    }
}

// ---- ports --------------------------------------------------------------------------

fn free_port() -> Res<u16> {
    for _ in 0..100 {
        let t = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = t.local_addr().map_err(|e| e.to_string())?.port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no free port".into())
}

/// Waits until a socket is bound to PORT, as /proc/net/{tcp,udp} show (reading them never
/// races with the server's own bind, unlike trying to bind the port ourselves).
fn wait_bound(a: &[String]) -> Res<()> {
    if a.len() < 3 {
        return Err("usage: loadgen wait-bound tcp|udp PORT TIMEOUT_S".into());
    }
    let port: u16 = num(&a[1], "PORT")?;
    let until = Instant::now() + Duration::from_secs_f64(num(&a[2], "TIMEOUT_S")?);
    let tables: &[&str] = match a[0].as_str() {
        "udp" => &["/proc/net/udp", "/proc/net/udp6"],
        _ => &["/proc/net/tcp", "/proc/net/tcp6"],
    };
    let want = format!(":{port:04X}");
    loop {
        let bound = tables.iter().any(|t| {
            std::fs::read_to_string(t).is_ok_and(|text| {
                text.lines().skip(1).any(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    // local_address ends in :PORT; for TCP the state must be LISTEN (0A).
                    f.len() > 3 && f[1].ends_with(&want) && (a[0] == "udp" || f[3] == "0A")
                })
            })
        });
        if bound {
            return Ok(());
        }
        if Instant::now() >= until {
            return Err(format!("nothing listens on {} port {port}", a[0]));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---- udp ------------------------------------------------------------------------------

fn udp(a: &[String]) -> Res<()> {
    if a.len() < 2 {
        return Err("usage: loadgen udp ADDR FILE --rate R (--seconds S | --count N)".into());
    }
    let addr = loopback(&a[0])?;
    let rate: f64 = opt(a, "--rate")
        .map(|s| num(s, "--rate"))
        .transpose()?
        .unwrap_or(0.0);
    let lines: Vec<Vec<u8>> =
        BufReader::new(File::open(&a[1]).map_err(|e| format!("{}: {e}", a[1]))?)
            .split(b'\n')
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
    if lines.is_empty() {
        return Err("no messages in the file".into());
    }
    let count: u64 = match (opt(a, "--count"), opt(a, "--seconds")) {
        (Some(c), _) => num(c, "--count")?,
        (None, Some(s)) if rate > 0.0 => (num::<f64>(s, "--seconds")? * rate) as u64,
        _ => return Err("give --count N, or --seconds S with --rate R".into()),
    };
    // Hard bound: never more than 10 million datagrams or 120 s.
    let count = count.min(10_000_000);
    let deadline = Instant::now() + Duration::from_secs(120);

    let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    sock.connect(addr)
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let t_first = now();
    let start = Instant::now();
    let (mut sent, mut errors) = (0u64, 0u64);
    let mut i = 0usize;
    while sent + errors < count && Instant::now() < deadline {
        // Pacing: every tick, send what is due by now (a steady rate at 1 ms granularity,
        // without spinning a core the servers need).
        let due = if rate > 0.0 {
            ((start.elapsed().as_secs_f64() * rate) as u64 + 1).min(count)
        } else {
            count
        };
        while sent + errors < due {
            match sock.send(&lines[i]) {
                Ok(_) => sent += 1,
                // ENOBUFS / ECONNREFUSED: counted, not retried.
                Err(_) => errors += 1,
            }
            i = (i + 1) % lines.len();
        }
        if rate > 0.0 && sent + errors < count {
            std::thread::sleep(Duration::from_micros(500));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("t_first_byte={t_first:.6}");
    println!("sent={sent}");
    println!("send_errors={errors}");
    println!("seconds={secs:.6}");
    println!("rate={:.0}", sent as f64 / secs);
    Ok(())
}
