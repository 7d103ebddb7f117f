//! The TOML configuration: raw structs with `deny_unknown_fields` (an unknown key is an error
//! that names it), defaults for every key, then `validate()`. `conf/hipaa-audit.toml`
//! documents every key; a test keeps the two in step.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::store::{retention::DEFAULT_RETENTION_DAYS, FsyncPolicy, DEFAULT_LOG_DIR};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub store: StoreConfig,
    pub retention: RetentionConfig,
    pub report: ReportConfig,
    pub listen: ListenConfig,
    pub tls: TlsConfig,
    pub limits: LimitsConfig,
    pub parse: ParseConfig,
    pub mapping: MappingConfig,
}

/// The sysadmin's own mapping rules (`[[mapping.rules]]`), tried before the built-in ones.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MappingConfig {
    pub rules: Vec<crate::mapping::user::RuleConfig>,
}

/// Where `serve` listens. Empty lists with no `--udp/--tcp/--tls` flags mean the embedded
/// default: UDP and TCP on 127.0.0.1:5514.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ListenConfig {
    pub udp: Vec<SocketAddr>,
    pub tcp: Vec<SocketAddr>,
    pub tls: Vec<SocketAddr>,
}

/// TLS (RFC 5425) certificate and key, and optionally the CA that client certificates must
/// chain to (then only senders with such a certificate get in).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub client_ca: Option<PathBuf>,
    pub handshake_timeout_secs: u64,
}

/// The smallest `limits.queue_bytes` and `limits.udp_backlog_bytes` accepted.
pub const MIN_QUEUE_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Open TCP and TLS connections at once; further ones wait in the kernel's backlog.
    pub max_connections: usize,
    /// Largest message kept whole; longer ones are kept truncated, with their length.
    pub max_message_size: usize,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout_secs: u64,
    /// On SIGTERM, how long open connections may go on sending before they are closed.
    pub drain_timeout_secs: u64,
    /// UDP socket receive buffer (SO_RCVBUF) in bytes; 0 keeps the system default.
    pub udp_recv_buffer: usize,
    /// Bytes of UDP datagrams received and waiting to be parsed: holds bursts faster than
    /// the collector, which the kernel buffer alone would drop.
    pub udp_backlog_bytes: usize,
    /// Entries waiting for the writer; when full, TCP readers wait (backpressure).
    pub queue_capacity: usize,
    /// Bytes of serialized entries waiting for the writer: the same backpressure, so a
    /// flood of large messages takes no more memory than one of small ones.
    pub queue_bytes: usize,
    /// Most entries appended (and fsynced) as one batch.
    pub batch_max: usize,
    /// Seconds between the collector's counter lines in its log; 0 turns them off.
    pub stats_interval_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParseConfig {
    /// Zone of RFC 3164 timestamps, which carry none: "local", "UTC", "+05:30" or an IANA
    /// name such as "America/New_York".
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The store directory.
    pub log_dir: PathBuf,
    /// `always` or `never`.
    pub fsync: FsyncPolicy,
    /// Write the active segment with `O_DIRECT` (past the page cache) where the file system
    /// allows it; `false` writes through the page cache. The bytes on disk are the same.
    pub direct_io: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    pub days: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// Failed access events by one user at which `excessive_failed_access` is flagged.
    pub failed_access_threshold: u64,
    /// After-hours window, hours 0-23 (UTC for now): start inclusive, end exclusive.
    pub after_hours_start: u32,
    pub after_hours_end: u32,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            cert: None,
            key: None,
            client_ca: None,
            handshake_timeout_secs: 10,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_connections: 1024,
            max_message_size: 64 * 1024,
            idle_timeout_secs: 600,
            drain_timeout_secs: 5,
            udp_recv_buffer: 8 * 1024 * 1024,
            udp_backlog_bytes: 16 * 1024 * 1024,
            queue_capacity: 2 * 1024,
            queue_bytes: 16 * 1024 * 1024,
            batch_max: 4096,
            stats_interval_secs: 300,
        }
    }
}

impl Default for ParseConfig {
    fn default() -> Self {
        ParseConfig {
            timezone: "local".into(),
        }
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            log_dir: PathBuf::from(DEFAULT_LOG_DIR),
            fsync: FsyncPolicy::Always,
            direct_io: true,
        }
    }
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            days: DEFAULT_RETENTION_DAYS,
        }
    }
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            failed_access_threshold: 5,
            after_hours_start: 22,
            after_hours_end: 6,
        }
    }
}

impl Config {
    /// Parses and validates TOML text; `path` is for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let config: Config =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_owned()))?;
        config
            .validate()
            .map_err(|problems| invalid(problems.join("; ")))?;
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Every problem at once, each naming its key.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if self.store.log_dir.as_os_str().is_empty() {
            problems.push("store.log_dir must not be empty".to_owned());
        }
        for (key, h) in [
            ("report.after_hours_start", self.report.after_hours_start),
            ("report.after_hours_end", self.report.after_hours_end),
        ] {
            if h > 23 {
                problems.push(format!("{key} must be an hour from 0 to 23, not {h}"));
            }
        }
        if let Err(e) = self.parse.timezone.parse::<crate::parse::TimeZoneSetting>() {
            problems.push(format!("parse.timezone: {e}"));
        }
        let l = &self.limits;
        for (key, v) in [
            ("limits.max_connections", l.max_connections),
            ("limits.max_message_size", l.max_message_size),
            ("limits.queue_capacity", l.queue_capacity),
            ("limits.batch_max", l.batch_max),
        ] {
            if v == 0 {
                problems.push(format!("{key} must be at least 1"));
            }
        }
        for (key, v) in [
            ("limits.queue_bytes", l.queue_bytes),
            ("limits.udp_backlog_bytes", l.udp_backlog_bytes),
        ] {
            if v < MIN_QUEUE_BYTES {
                problems.push(format!(
                    "{key} must be at least {MIN_QUEUE_BYTES} (64 KiB), not {v}"
                ));
            }
        }
        if !self.listen.tls.is_empty() && (self.tls.cert.is_none() || self.tls.key.is_none()) {
            problems.push("listen.tls needs tls.cert and tls.key".to_owned());
        }
        if let Err(e) = crate::mapping::Mapper::with_rules(&self.mapping.rules) {
            problems.push(e.to_string());
        }
        let mut names = std::collections::HashSet::new();
        for r in &self.mapping.rules {
            if !names.insert(r.name.as_str()) {
                problems.push(format!("mapping rule {:?} is defined twice", r.name));
            }
        }
        if self.report.failed_access_threshold == 0 {
            problems.push("report.failed_access_threshold must be at least 1".to_owned());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_the_defaults() {
        assert_eq!(
            Config::parse("", Path::new("x.toml")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::parse("[store]\nlog_dri = \"/x\"\n", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("log_dri"), "{e}");
        let e = Config::parse("[stroe]\n", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("stroe"), "{e}");
    }

    #[test]
    fn bad_values_are_named_all_at_once() {
        let e = Config::parse(
            "[report]\nafter_hours_start = 24\nafter_hours_end = 30\n",
            Path::new("x.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("report.after_hours_start") && e.contains("report.after_hours_end"),
            "{e}"
        );
    }

    #[test]
    fn a_queue_smaller_than_one_large_message_is_refused() {
        let e = Config::parse("[limits]\nqueue_bytes = 1000\n", Path::new("x.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("limits.queue_bytes must be at least 65536"),
            "{e}"
        );
        assert!(Config::parse("[limits]\nqueue_bytes = 65536\n", Path::new("x.toml")).is_ok());
    }

    #[test]
    fn documented_example_parses_to_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("conf/hipaa-audit.toml");
        let mut c = Config::load(&path).unwrap();
        // The example shows the production directory; everything else is the default.
        assert_eq!(c.store.log_dir, PathBuf::from("/var/log/hipaa"));
        c.store.log_dir = PathBuf::from(DEFAULT_LOG_DIR);
        // ... and the production listeners and TLS files.
        assert_eq!(c.listen.udp, vec!["0.0.0.0:514".parse().unwrap()]);
        assert_eq!(c.listen.tls, vec!["0.0.0.0:6514".parse().unwrap()]);
        assert!(c.tls.cert.is_some() && c.tls.key.is_some());
        c.listen = ListenConfig::default();
        c.tls.cert = None;
        c.tls.key = None;
        assert_eq!(c, Config::default());
    }
}
