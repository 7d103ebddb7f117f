//! The sysadmin's own rules, from `[[mapping.rules]]` in the config: teach hipaa-audit a
//! sender without writing code. A rule matches on any of app_name, hostname, msgid,
//! facility (all given must match) and a regex over the message; the regex's named
//! captures `user_id`, `resource` and `source_address` fill those fields; fixed values set
//! `event_type`, `action` and `outcome`. User rules run before the built-in ones.
//!
//! ```toml
//! [[mapping.rules]]
//! name = "ehr-logins"
//! app_name = "ehr"
//! regex = 'login (?P<outcome_word>ok|failed) user=(?P<user_id>\S+) from (?P<source_address>\S+)'
//! event_type = "access"
//! action = "login"
//! outcome = "success"
//! ```

use regex::Regex;
use serde::Deserialize;

use super::{EventType, Mapped};
use crate::parse::{facility_name, Parsed};
use crate::store::Outcome;

/// Named captures a rule's regex may use.
pub const CAPTURES: [&str; 3] = ["user_id", "resource", "source_address"];

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    pub app_name: Option<String>,
    pub hostname: Option<String>,
    pub msgid: Option<String>,
    pub facility: Option<String>,
    pub regex: Option<String>,
    pub event_type: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("mapping rule {name:?}: {problem}")]
pub struct RuleError {
    pub name: String,
    pub problem: String,
}

#[derive(Debug)]
pub struct UserRule {
    config: RuleConfig,
    regex: Option<Regex>,
    event_type: EventType,
    outcome: Outcome,
}

impl UserRule {
    /// Checks and compiles a rule; every problem names the rule.
    pub fn compile(c: &RuleConfig) -> Result<UserRule, RuleError> {
        let err = |problem: String| RuleError {
            name: c.name.clone(),
            problem,
        };
        if c.name.trim().is_empty() {
            return Err(err("a rule needs a name".into()));
        }
        if c.app_name.is_none()
            && c.hostname.is_none()
            && c.msgid.is_none()
            && c.facility.is_none()
            && c.regex.is_none()
        {
            return Err(err(
                "give at least one of app_name, hostname, msgid, facility, regex to match on"
                    .into(),
            ));
        }
        if let Some(f) = &c.facility {
            if !(0..24).any(|code| facility_name(code) == f) {
                return Err(err(format!(
                    "unknown facility {f:?} (use a name such as auth, authpriv, local0)"
                )));
            }
        }
        let regex = match &c.regex {
            None => None,
            Some(r) => {
                let re = Regex::new(r).map_err(|e| err(format!("invalid regex: {e}")))?;
                for name in re.capture_names().flatten() {
                    if !CAPTURES.contains(&name) {
                        return Err(err(format!(
                            "unknown capture name {name:?} (named captures may be {})",
                            CAPTURES.join(", ")
                        )));
                    }
                }
                Some(re)
            }
        };
        let event_type = match &c.event_type {
            None => EventType::Unclassified,
            Some(t) => EventType::parse(t).ok_or_else(|| {
                err(format!("unknown event_type {t:?} (access, security, admin, system, network, unclassified)"))
            })?,
        };
        let outcome = match c.outcome.as_deref() {
            None | Some("unknown") => Outcome::Unknown,
            Some("success") => Outcome::Success,
            Some("failure") => Outcome::Failure,
            Some(o) => {
                return Err(err(format!(
                    "unknown outcome {o:?} (success, failure, unknown)"
                )))
            }
        };
        Ok(UserRule {
            config: c.clone(),
            regex,
            event_type,
            outcome,
        })
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The mapping when the rule matches `p`.
    pub fn apply(&self, p: &Parsed) -> Option<Mapped> {
        let c = &self.config;
        let same = |want: &Option<String>, have: &Option<std::borrow::Cow<str>>| {
            want.as_deref().is_none_or(|w| have.as_deref() == Some(w))
        };
        if !same(&c.app_name, &p.app_name)
            || !same(&c.hostname, &p.hostname)
            || !same(&c.msgid, &p.msgid)
        {
            return None;
        }
        if let Some(f) = &c.facility {
            if p.facility.map(facility_name) != Some(f.as_str()) {
                return None;
            }
        }
        let mut m = Mapped::new(self.event_type, format!("user:{}", c.name)).outcome(self.outcome);
        if let Some(a) = &c.action {
            m = m.action(a.clone());
        }
        if let Some(re) = &self.regex {
            let caps = re.captures(&p.message)?;
            if let Some(u) = caps.name("user_id") {
                m.user_id = Some(u.as_str().to_owned());
            }
            if let Some(r) = caps.name("resource") {
                m.resource = Some(r.as_str().to_owned());
            }
            if let Some(s) = caps.name("source_address") {
                m.source_address = Some(s.as_str().to_owned());
            }
        }
        Some(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, ParseOptions};
    use chrono::Utc;

    fn rule(toml_text: &str) -> Result<UserRule, RuleError> {
        UserRule::compile(&toml::from_str::<RuleConfig>(toml_text).unwrap())
    }

    #[test]
    fn regex_captures_fill_fields_and_fixed_values_set_the_rest() {
        let r = rule(
            r#"name = "ehr"
               app_name = "ehr"
               regex = 'login user=(?P<user_id>\S+) patient=(?P<resource>\S+) from (?P<source_address>\S+)'
               event_type = "access"
               action = "chart opened"
               outcome = "success""#,
        )
        .unwrap();
        let p = parse("<134>1 2026-01-02T03:04:05Z h1 ehr 77 - - login user=drkim patient=Patient/42 from 192.0.2.5", Utc::now(), &ParseOptions::default());
        let m = r.apply(&p).expect("matches");
        assert_eq!(m.rule, "user:ehr");
        assert_eq!(
            (
                m.user_id.as_deref(),
                m.resource.as_deref(),
                m.source_address.as_deref()
            ),
            (Some("drkim"), Some("Patient/42"), Some("192.0.2.5"))
        );
        assert_eq!(
            (m.event_type, m.action.as_deref(), m.outcome),
            (EventType::Access, Some("chart opened"), Outcome::Success)
        );
        let other = parse(
            "<134>1 2026-01-02T03:04:05Z h1 other 77 - - login user=drkim patient=P from x",
            Utc::now(),
            &ParseOptions::default(),
        );
        assert!(r.apply(&other).is_none());
    }

    #[test]
    fn bad_rules_name_the_rule_and_the_problem() {
        let e = rule("name = \"r1\"\nregex = '(unclosed'")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("mapping rule \"r1\": invalid regex"), "{e}");
        let e = rule("name = \"r2\"\nregex = '(?P<who>x)'")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"r2\"") && e.contains("unknown capture name \"who\""),
            "{e}"
        );
        let e = rule("name = \"r3\"\napp_name = \"x\"\nevent_type = \"login\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown event_type"), "{e}");
        let e = rule("name = \"r4\"\nfacility = \"auht\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown facility"), "{e}");
        let e = rule("name = \"r5\"\naction = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least one of"), "{e}");
        assert!(toml::from_str::<RuleConfig>("name = \"r6\"\napp = \"x\"")
            .unwrap_err()
            .to_string()
            .contains("app"));
    }
}
