//! The maintenance commands (init, log, verify, rotate, cleanup, report): synchronous code
//! over the store, with anyhow context at this edge. Each returns the process exit code:
//! 0 success, 1 verify found damage; errors become 2 in `main`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::Utc;
use serde_json::Value;

use crate::cli::{Cli, Command, LogArgs, MapArgs};
use crate::config::{Config, ListenConfig};
use crate::mapping::Mapper;
use crate::parse::{self, ParseOptions};
use crate::store::retention;
use crate::store::rotate::{self, Rotated};
use crate::store::verify;
use crate::store::writer::Appender;
use crate::store::{NewEntry, Store};

/// Exit code of a verify that found damage.
pub const EXIT_FINDINGS: u8 = 1;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let config = match &cli.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let dir = cli
        .log_dir
        .clone()
        .unwrap_or_else(|| config.store.log_dir.clone());
    let mut store = Store::new(dir, config.store.fsync);
    store.direct_io = config.store.direct_io;
    let shown = store.layout.dir().display().to_string();
    // Written, not printed: a closed pipe (`| head`) is an error `main` handles, not a panic.
    let mut out = std::io::stdout();
    match cli.command {
        Command::Init => {
            let created = store.init().context("init failed")?;
            if created {
                writeln!(out, "initialized audit store at {shown}")?;
            } else {
                writeln!(
                    out,
                    "audit store at {shown} already exists; nothing changed"
                )?;
            }
        }
        Command::Log(args) => {
            let appended = log(&store, args)?;
            writeln!(
                out,
                "logged seq {} (hash {})",
                appended.last_seq,
                &appended.last_hash[..16]
            )?;
        }
        Command::Verify { json } => {
            let v = verify::verify(&store.layout).context("verify could not run")?;
            if json {
                writeln!(out, "{}", v.to_json())?;
            } else {
                write!(out, "{}", v.to_text())?;
            }
            if !v.passed() {
                return Ok(ExitCode::from(EXIT_FINDINGS));
            }
        }
        Command::Rotate => match rotate::rotate(&store).context("rotate failed")? {
            Rotated::Nothing => writeln!(
                out,
                "nothing to rotate: {shown}/audit.jsonl holds no entries"
            )?,
            Rotated::Archived(r) => {
                let range = match (r.first_seq, r.last_seq) {
                    (Some(a), Some(b)) => format!(", seq {a}..{b}"),
                    _ => String::new(),
                };
                writeln!(
                    out,
                    "Rotated: {} ({} entries{range}, SHA-256: {}...)",
                    r.archive,
                    r.entries,
                    &r.sha256[..16]
                )?;
            }
        },
        Command::Cleanup {
            retention_days,
            dry_run,
        } => {
            let days = retention_days.unwrap_or(config.retention.days);
            let c =
                retention::cleanup(&store, days, dry_run, Utc::now()).context("cleanup failed")?;
            let verb = if dry_run { "would delete" } else { "deleted" };
            for e in &c.expired {
                writeln!(
                    out,
                    "{verb} archive/{} (newest entry {}, {} days old)",
                    e.archive, e.last_timestamp, e.age_days
                )?;
            }
            for (name, why) in &c.undated {
                eprintln!("warning: kept archive/{name}: {why}");
            }
            writeln!(
                out,
                "{} archives {verb}, {} kept (retention {days} days){}",
                c.expired.len(),
                c.kept + c.undated.len(),
                if dry_run {
                    "; dry run, nothing changed"
                } else {
                    ""
                }
            )?;
        }
        Command::Serve(args) => {
            let mut config = config;
            if let Some(c) = args.tls_cert {
                config.tls.cert = Some(c);
            }
            if let Some(k) = args.tls_key {
                config.tls.key = Some(k);
            }
            if let Some(ca) = args.tls_client_ca {
                config.tls.client_ca = Some(ca);
            }
            let cli_listen = ListenConfig {
                udp: args.udp,
                tcp: args.tcp,
                tls: args.tls,
            };
            let listen = crate::serve::effective_listen(&cli_listen, &config.listen);
            crate::serve::run(&config, listen, store)?;
        }
        Command::Map(args) => map_lines(&config, args)?,
        Command::Report => {
            let s = crate::report::summary(&store.layout, &config.report)
                .context("report could not run")?;
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&s).context("report")?
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `hipaa-audit map`: parse and map each input line, print the fields and the rule.
fn map_lines(config: &Config, args: MapArgs) -> Result<()> {
    use std::io::{BufRead, Write};
    let mapper = Mapper::with_rules(&config.mapping.rules)?;
    let opts = ParseOptions {
        timezone: config
            .parse
            .timezone
            .parse()
            .map_err(|e| anyhow::anyhow!("parse.timezone: {e}"))?,
    };
    let input: Box<dyn BufRead> = match args.input.as_deref() {
        None => Box::new(std::io::stdin().lock()),
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::stdin().lock()),
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).with_context(|| format!("cannot read {}", p.display()))?,
        )),
    };
    let now = Utc::now();
    let mut out = std::io::stdout().lock();
    for (i, line) in input.split(b'\n').enumerate() {
        let line = line.context("cannot read input")?;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() {
            continue;
        }
        let text = if text.starts_with('<') {
            text.to_owned()
        } else {
            format!("<13>{text}")
        };
        let parsed = parse::parse(&text, now, &opts);
        let m = mapper.map(&parsed);
        let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        if args.json {
            let v = serde_json::json!({
                "line": i + 1,
                "rule": m.rule,
                "format": parsed.format.as_str(),
                "event_type": m.event_type.as_str(),
                "user_id": m.user_id,
                "action": m.action,
                "resource": m.resource,
                "outcome": m.outcome.as_str(),
                "claimed_source": m.source_address,
                "alert": m.severity,
            });
            writeln!(out, "{v}")?;
        } else {
            writeln!(
                out,
                "line {}: rule {} -> {} {} user={} action={} resource={} source={}{}",
                i + 1,
                m.rule,
                m.event_type.as_str(),
                m.outcome.as_str(),
                shown(&m.user_id),
                m.action
                    .as_deref()
                    .map_or("(message text)".to_owned(), |a| format!("{a:?}")),
                shown(&m.resource),
                shown(&m.source_address),
                m.severity.map_or(String::new(), |s| format!(" alert={s}")),
            )?;
        }
    }
    Ok(())
}

fn log(store: &Store, args: LogArgs) -> Result<crate::store::writer::Appended> {
    let mut e = NewEntry::new(args.event_type, args.action);
    e.user_id = Some(args.user);
    e.resource = args.resource;
    e.outcome = args.outcome.as_str().to_owned();
    for (k, v) in args.details {
        e.details.insert(k, Value::String(v));
    }
    let mut appender = Appender::open(store)?;
    let appended = appender
        .append(vec![e])
        .context("could not append the entry")?;
    appended.context("nothing appended")
}
