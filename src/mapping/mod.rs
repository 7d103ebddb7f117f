//! Mapping: from a parsed syslog message to the audit entry's who / what / resource /
//! outcome. Pure (no I/O, no clock) and total: every message gets a mapping, at worst
//! `unclassified` with nothing read from it.
//!
//! Order: the sysadmin's rules from the config first ([`user`]), then the built-in families
//! in [`BUILTINS`] order; the first that recognises the message wins. Each family is a plain
//! function `fn(&Parsed) -> Option<Mapped>` that must decline fast (a cheap check of
//! app_name or a prefix before any scanning): mapping runs on every message the collector
//! takes in.
//!
//! Every mapping names the rule that produced it (`linux.sshd.failed_password`,
//! `user:ehr-logins`), so `hipaa-audit map` can show why a line mapped as it did.

pub mod atna;
pub mod cef;
pub mod linux;
pub mod network;
pub mod sd;
pub mod text;
pub mod user;
pub mod windows;
mod xml;

use crate::parse::Parsed;
use crate::store::Outcome;

/// What kind of event an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// Logins, logouts, access to records and systems.
    Access,
    /// Security-relevant events: lockouts, privilege use, audit log cleared, alerts.
    Security,
    /// Account and group administration, configuration changes.
    Admin,
    /// Service and system events.
    System,
    /// Network events: VPN tunnels, firewall decisions.
    Network,
    /// Nothing recognised.
    Unclassified,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Access => "access",
            EventType::Security => "security",
            EventType::Admin => "admin",
            EventType::System => "system",
            EventType::Network => "network",
            EventType::Unclassified => "unclassified",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        Some(match s {
            "access" => EventType::Access,
            "security" => EventType::Security,
            "admin" => EventType::Admin,
            "system" => EventType::System,
            "network" => EventType::Network,
            "unclassified" => EventType::Unclassified,
            _ => return None,
        })
    }
}

/// The audit fields read from one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub event_type: EventType,
    /// Who acted (the account name as the sender writes it, `DOMAIN\user` kept whole).
    pub user_id: Option<String>,
    /// What was done, short and stable across senders: `login`, `logout`, `sudo`,
    /// `account created`, `password changed`, `vpn login`, `patient record accessed`, ...
    /// `None`: the message text is used.
    pub action: Option<String>,
    /// What it was done to: a host or service for logins (`ssh`, `vpn`), a record for
    /// applications (`Patient/123`), the target account for account administration.
    pub resource: Option<String>,
    pub outcome: Outcome,
    /// The address the message itself names as the origin (`from 203.0.113.9`), kept apart
    /// from the network peer that delivered the message.
    pub source_address: Option<String>,
    /// Set for events an auditor must look at first (`high`: e.g. audit log cleared).
    pub severity: Option<&'static str>,
    /// Which rule produced this mapping.
    pub rule: String,
}

impl Mapped {
    /// A mapping with the given type and rule name and nothing else known.
    pub fn new(event_type: EventType, rule: impl Into<String>) -> Mapped {
        Mapped {
            event_type,
            user_id: None,
            action: None,
            resource: None,
            outcome: Outcome::Unknown,
            source_address: None,
            severity: None,
            rule: rule.into(),
        }
    }

    pub fn unclassified() -> Mapped {
        Mapped::new(EventType::Unclassified, "none")
    }

    pub fn user(mut self, u: impl Into<String>) -> Mapped {
        self.user_id = Some(u.into());
        self
    }
    pub fn action(mut self, a: impl Into<String>) -> Mapped {
        self.action = Some(a.into());
        self
    }
    pub fn resource(mut self, r: impl Into<String>) -> Mapped {
        self.resource = Some(r.into());
        self
    }
    pub fn outcome(mut self, o: Outcome) -> Mapped {
        self.outcome = o;
        self
    }
    pub fn source(mut self, a: impl Into<String>) -> Mapped {
        self.source_address = Some(a.into());
        self
    }
}

/// The concatenation of `parts`, allocated once: rule names and resources are built on every
/// mapped message, and `format!` costs several times more for these simple joins.
pub(crate) fn join(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// A built-in rule family.
pub type Family = fn(&Parsed) -> Option<Mapped>;

/// The built-in families, in the order they are tried. Structured formats first (their
/// markers are unambiguous), then the families keyed on app_name or message shape.
pub const BUILTINS: &[(&str, Family)] = &[
    ("atna", atna::map),
    ("sd", sd::map),
    ("cef", cef::map),
    ("windows", windows::map),
    ("linux", linux::map),
    ("network", network::map),
];

/// The configured mapper: user rules, then the built-in families.
#[derive(Debug, Default)]
pub struct Mapper {
    rules: Vec<user::UserRule>,
}

impl Mapper {
    /// Only the built-in rules.
    pub fn builtin() -> Mapper {
        Mapper::default()
    }

    /// The sysadmin's rules (from `[[mapping.rules]]`), checked; an error names the rule.
    pub fn with_rules(configs: &[user::RuleConfig]) -> Result<Mapper, user::RuleError> {
        let rules = configs
            .iter()
            .map(user::UserRule::compile)
            .collect::<Result<_, _>>()?;
        Ok(Mapper { rules })
    }

    /// The mapping of `p`. Never panics: should a rule have a bug, the message is kept as
    /// unclassified under the rule name `internal.mapping_failed` ([`crate::guard`]).
    pub fn map(&self, p: &Parsed) -> Mapped {
        crate::guard::or_on_panic(
            || self.map_any(p),
            || Mapped::new(EventType::Unclassified, "internal.mapping_failed"),
        )
    }

    fn map_any(&self, p: &Parsed) -> Mapped {
        for r in &self.rules {
            if let Some(m) = r.apply(p) {
                return m;
            }
        }
        for (_, family) in BUILTINS {
            if let Some(m) = family(p) {
                return m;
            }
        }
        Mapped::unclassified()
    }
}
