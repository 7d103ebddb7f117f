//! The command line (clap derive). Subcommands are the primary form; the blog post's flag
//! spellings (`--init`, `--log TYPE`, `--verify`, `--rotate`, `--cleanup`, `--report`) are
//! rewritten into them by [`rewrite_seed_flags`] before parsing, so existing cron lines and
//! the post's test sequence run unchanged.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::store::Outcome;

const AFTER_HELP: &str = "\
Exit codes: 0 success (verify: PASS), 1 verify found damage (FAIL), 2 could not run.

The blog post's spellings work too, so its cron lines run unchanged:
  hipaa-audit --init | --log TYPE --user U --action A | --verify | --rotate | --cleanup | --report
              [--log-dir DIR]

Typical cron (see README):
  0 2 * * 0  hipaa-audit rotate  --log-dir /var/log/hipaa
  0 3 1 * *  hipaa-audit cleanup --log-dir /var/log/hipaa
  0 4 * * *  hipaa-audit verify  --log-dir /var/log/hipaa >> /var/log/hipaa/verification.log 2>&1
  0 6 * * 1  hipaa-audit report  --log-dir /var/log/hipaa > /var/log/hipaa/weekly_report.json";

#[derive(Debug, Parser)]
#[command(
    name = "hipaa-audit",
    version,
    about = "Tamper-evident, hash-chained HIPAA audit trail (45 CFR 164.312(b))",
    long_about = "Keeps an append-only audit trail in which every entry is chained to the one before by \
SHA-256, so that later edits, deletions and reordering are detected by `verify`. The commands below \
are meant to run by hand or from cron / systemd timers.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Store directory [default: ./hipaa_audit_logs, or store.log_dir from --config]
    #[arg(long, global = true, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,

    /// TOML configuration file (conf/hipaa-audit.toml documents every key)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the store directory (0750) and an empty active segment; harmless if it exists
    Init,
    /// Append one audit entry
    #[command(
        after_help = "Example:\n  hipaa-audit log access --user drjones --action \"viewed patient chart\" --resource Patient/001"
    )]
    Log(LogArgs),
    /// Check every segment, archive and the manifest; prints PASS or FAIL, then one finding per line
    #[command(
        after_help = "Exit codes: 0 PASS, 1 FAIL (damage found), 2 could not run.\n\
Finding kinds: entry_modified, entry_deleted_or_reordered, archive_modified, archive_missing,\n\
archive_unrecorded, manifest_modified, truncated. Warnings (torn_tail, quarantined, ...) do not fail."
    )]
    Verify {
        /// Print one JSON object (verdict, findings, warnings, counts) instead of text
        #[arg(long)]
        json: bool,
    },
    /// Gzip the active segment into archive/, record it in the manifest, start a fresh segment
    Rotate,
    /// Delete archives whose newest entry is older than the retention period (recorded in the manifest)
    Cleanup {
        /// Retention in days [default: retention.days from --config, else 2190 (6 years)]
        #[arg(long, value_name = "N")]
        retention_days: Option<u64>,
        /// Only list what would be deleted
        #[arg(long)]
        dry_run: bool,
    },
    /// Print a JSON summary: totals by type, user and outcome, failed access, after-hours access, anomalies
    Report,
    /// Show how syslog lines map to who / what / resource / outcome, and which rule matched
    #[command(
        after_help = "Reads one syslog message per line from FILE (or standard input with - or no FILE),\n\
as the collector would receive it, and prints the entry fields it would get and the rule\n\
that produced them, without writing anything. Lines copied from a log file, without a\n\
<PRI> in front (e.g. from /var/log/auth.log), are read as if sent with <13>.\n\
User rules come from --config ([[mapping.rules]]) and are tried before the built-in ones.\n\
Example:  grep sshd /var/log/auth.log | hipaa-audit map --config /etc/hipaa-audit/hipaa-audit.toml"
    )]
    Map(MapArgs),
    /// Run the syslog collector: RFC 5424/3164 over UDP, TCP and TLS into the audit store
    #[command(
        after_help = "With no addresses here or in --config, listens on UDP and TCP 127.0.0.1:5514.\n\
Addresses on the command line replace the config's [listen] section.\n\
Try it:  hipaa-audit serve   then, in another shell:  logger -n 127.0.0.1 -P 5514 -T hello\n\
Stops on SIGTERM/SIGINT after draining open connections (limits.drain_timeout_secs)."
    )]
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct MapArgs {
    /// File of syslog lines; - or nothing for standard input
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Print one JSON object per line instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Listen for syslog over UDP on ADDR (repeatable), e.g. 0.0.0.0:514
    #[arg(long, value_name = "ADDR")]
    pub udp: Vec<std::net::SocketAddr>,
    /// Listen for syslog over TCP on ADDR (repeatable; LF and octet-counted framing)
    #[arg(long, value_name = "ADDR")]
    pub tcp: Vec<std::net::SocketAddr>,
    /// Listen for syslog over TLS (RFC 5425) on ADDR (repeatable); needs --tls-cert and --tls-key
    #[arg(long, value_name = "ADDR")]
    pub tls: Vec<std::net::SocketAddr>,
    /// PEM certificate chain for TLS
    #[arg(long, value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for TLS
    #[arg(long, value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA bundle: when given, TLS senders must present a certificate signed by it
    #[arg(long, value_name = "PEM")]
    pub tls_client_ca: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Event type, e.g. access, security, admin, system
    #[arg(value_name = "EVENT_TYPE")]
    pub event_type: String,
    /// Who acted (a user ID, never a patient's name)
    #[arg(long, value_name = "U")]
    pub user: String,
    /// What they did, e.g. "viewed patient chart"
    #[arg(long, value_name = "A")]
    pub action: String,
    /// What it was done to, e.g. Patient/12345 (an identifier, not PHI)
    #[arg(long, value_name = "R")]
    pub resource: Option<String>,
    /// Whether it succeeded
    #[arg(long, value_enum, default_value_t = Outcome::Success)]
    pub outcome: Outcome,
    /// Extra detail, repeatable: --detail ip=10.0.0.5 --detail reason=lockout
    #[arg(long = "detail", value_name = "KEY=VALUE", value_parser = parse_detail)]
    pub details: Vec<(String, String)>,
}

fn parse_detail(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

const SUBCOMMANDS: [&str; 7] = [
    "init", "log", "verify", "rotate", "cleanup", "report", "help",
];
/// Options that take a separate value, so that value is not mistaken for a flag.
const VALUE_OPTIONS: [&str; 8] = [
    "--log-dir",
    "--config",
    "--user",
    "--action",
    "--resource",
    "--outcome",
    "--detail",
    "--retention-days",
];

/// Rewrites the blog post's spelling (`--log TYPE ...`) into subcommand form (`log TYPE ...`).
/// Arguments already in subcommand form are returned unchanged.
pub fn rewrite_seed_flags(args: Vec<OsString>) -> Vec<OsString> {
    let mut i = 1;
    while i < args.len() {
        let Some(a) = args[i].to_str() else {
            i += 1;
            continue;
        };
        if VALUE_OPTIONS.contains(&a) {
            i += 2;
            continue;
        }
        if !a.starts_with('-') {
            // A positional first: already subcommand form (or an error clap will explain).
            if SUBCOMMANDS.contains(&a) {
                return args;
            }
            i += 1;
            continue;
        }
        let replacement: Option<Vec<OsString>> = match a {
            "--init" | "--verify" | "--rotate" | "--cleanup" | "--report" => {
                Some(vec![a[2..].into()])
            }
            "--log" => Some(match args.get(i + 1) {
                Some(t) => vec!["log".into(), t.clone()],
                None => vec!["log".into()],
            }),
            _ => a
                .strip_prefix("--log=")
                .map(|t| vec!["log".into(), t.into()]),
        };
        if let Some(rep) = replacement {
            let consumed = if a == "--log" && args.len() > i + 1 {
                2
            } else {
                1
            };
            let mut out = vec![args[0].clone()];
            out.extend(rep);
            out.extend(args[1..i].iter().cloned());
            out.extend(args[i + consumed..].iter().cloned());
            return out;
        }
        i += 1;
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(s: &str) -> String {
        let args: Vec<OsString> = s.split(' ').map(OsString::from).collect();
        rewrite_seed_flags(args)
            .iter()
            .map(|a| a.to_str().unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn seed_spellings_become_subcommands() {
        assert_eq!(rw("x --init"), "x init");
        assert_eq!(
            rw("x --verify --log-dir /var/log/hipaa"),
            "x verify --log-dir /var/log/hipaa"
        );
        assert_eq!(rw("x --log-dir /d --rotate"), "x rotate --log-dir /d");
        assert_eq!(
            rw("x --log access --user u --action a"),
            "x log access --user u --action a"
        );
        assert_eq!(rw("x --log=access --user u"), "x log access --user u");
        assert_eq!(
            rw("x --user u --log access --action a"),
            "x log access --user u --action a"
        );
    }

    #[test]
    fn subcommand_form_is_untouched() {
        assert_eq!(
            rw("x log access --user u --action --verify"),
            "x log access --user u --action --verify"
        );
        assert_eq!(
            rw("x --log-dir /d verify --json"),
            "x --log-dir /d verify --json"
        );
        // A value that looks like a seed flag is a value.
        assert_eq!(
            rw("x log access --action --rotate --user u"),
            "x log access --action --rotate --user u"
        );
    }

    #[test]
    fn cli_parses_both_forms() {
        use clap::Parser;
        let cli = Cli::try_parse_from(rewrite_seed_flags(
            "x --log security --user admin --action changed --outcome failure --log-dir d"
                .split(' ')
                .map(OsString::from)
                .collect(),
        ))
        .unwrap();
        match cli.command {
            Command::Log(l) => assert_eq!(
                (l.event_type.as_str(), l.outcome),
                ("security", Outcome::Failure)
            ),
            other => panic!("parsed as {other:?}"),
        }
        assert_eq!(cli.log_dir, Some(PathBuf::from("d")));
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
