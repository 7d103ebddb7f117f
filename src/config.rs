//! The TOML configuration: raw structs with `deny_unknown_fields` (an unknown key is an error
//! that names it), defaults for every key, then `validate()`. `conf/hipaa-audit.toml`
//! documents every key; a test keeps the two in step.

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
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// The store directory.
    pub log_dir: PathBuf,
    /// `always` or `never`.
    pub fsync: FsyncPolicy,
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

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            log_dir: PathBuf::from(DEFAULT_LOG_DIR),
            fsync: FsyncPolicy::Always,
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
    fn documented_example_parses_to_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("conf/hipaa-audit.toml");
        let mut c = Config::load(&path).unwrap();
        // The example shows the production directory; everything else is the default.
        assert_eq!(c.store.log_dir, PathBuf::from("/var/log/hipaa"));
        c.store.log_dir = PathBuf::from(DEFAULT_LOG_DIR);
        assert_eq!(c, Config::default());
    }
}
