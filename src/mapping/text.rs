//! Small text helpers the rule families share: `key=value` bodies (FortiGate, SonicWall,
//! CEF extensions, NXLog), words after a marker (`for USER from ADDR`), and addresses.
//! All borrow from the message; none allocates unless a value needs unquoting.

use std::borrow::Cow;
use std::net::IpAddr;

/// The value of `key=value` in a body of space-separated pairs. The key must stand at the
/// start or after a space, tab, comma or semicolon. A value in double quotes may hold
/// spaces (`\"` inside is unescaped); a bare value ends at white space.
pub fn kv<'a>(body: &'a str, key: &str) -> Option<Cow<'a, str>> {
    let bytes = body.as_bytes();
    let mut from = 0;
    while let Some(off) = body[from..].find(key) {
        let at = from + off;
        let end = at + key.len();
        let boundary = at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b',' | b';' | b'|');
        if boundary && bytes.get(end) == Some(&b'=') {
            return Some(value_at(body, end + 1));
        }
        from = at + key.len().max(1);
        if from >= body.len() {
            break;
        }
    }
    None
}

fn value_at(body: &str, start: usize) -> Cow<'_, str> {
    let rest = &body[start..];
    if let Some(q) = rest.strip_prefix('"') {
        let mut end = None;
        let b = q.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    end = Some(i);
                    break;
                }
                _ => i += 1,
            }
        }
        let inner = &q[..end.unwrap_or(q.len()).min(q.len())];
        if inner.contains('\\') {
            Cow::Owned(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
        } else {
            Cow::Borrowed(inner)
        }
    } else {
        let end = rest.find([' ', '\t']).unwrap_or(rest.len());
        Cow::Borrowed(&rest[..end])
    }
}

/// The word right after the first `marker` (up to white space), e.g.
/// `word_after("Failed password for root from 1.2.3.4", "for ") == Some("root")`.
pub fn word_after<'a>(s: &'a str, marker: &str) -> Option<&'a str> {
    let at = s.find(marker)? + marker.len();
    let rest = &s[at..];
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let w = &rest[..end];
    (!w.is_empty()).then_some(w)
}

/// `s` as an IP address, accepting `[v6]`, `addr:port` (v4) and a trailing `,`/`;`/`.`.
pub fn ip(s: &str) -> Option<IpAddr> {
    let s = s
        .trim_end_matches([',', ';', '.', ')'])
        .trim_start_matches('(');
    if let Ok(a) = s.parse() {
        return Some(a);
    }
    if let Some(inner) = s.strip_prefix('[').and_then(|r| r.split(']').next()) {
        return inner.parse().ok();
    }
    match s.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && host.contains('.') => {
            host.parse().ok()
        }
        _ => None,
    }
}

/// The address after `marker` (e.g. `"from "`, `"rhost="`), if it is one.
pub fn ip_after(s: &str, marker: &str) -> Option<String> {
    word_after(s, marker).and_then(ip).map(|a| a.to_string())
}

/// Case-insensitive ASCII `contains`.
pub fn contains_ci(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_reads_bare_and_quoted_values_at_word_boundaries() {
        let body = r#"date=2026-01-02 devname="fw 01" user="alice" srcip=203.0.113.9 xuser=bob msg="say \"hi\"""#;
        assert_eq!(kv(body, "user").as_deref(), Some("alice"));
        assert_eq!(kv(body, "devname").as_deref(), Some("fw 01"));
        assert_eq!(kv(body, "srcip").as_deref(), Some("203.0.113.9"));
        assert_eq!(kv(body, "msg").as_deref(), Some(r#"say "hi""#));
        assert_eq!(kv(body, "date").as_deref(), Some("2026-01-02"));
        assert_eq!(kv(body, "missing"), None);
        assert_eq!(kv("suser=x|duser=y", "duser").as_deref(), Some("y"));
        assert_eq!(kv("a=", "a").as_deref(), Some(""));
        assert_eq!(kv("k=\"unterminated", "k").as_deref(), Some("unterminated"));
    }

    #[test]
    fn word_after_and_ip_after() {
        let m = "Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2";
        assert_eq!(word_after(m, "invalid user "), Some("admin"));
        assert_eq!(ip_after(m, "from ").as_deref(), Some("203.0.113.9"));
        assert_eq!(
            ip_after("rhost=2001:db8::1 user=x", "rhost=").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            ip_after("from 198.51.100.7:51234", "from ").as_deref(),
            Some("198.51.100.7")
        );
        assert_eq!(
            ip_after("from [2001:db8::2]:22", "from ").as_deref(),
            Some("2001:db8::2")
        );
        assert_eq!(ip_after("from somewhere", "from "), None);
        assert_eq!(word_after("ends with for ", "for "), None);
    }

    #[test]
    fn contains_ci_ignores_ascii_case() {
        assert!(contains_ci("Login FAILED for user", "failed"));
        assert!(!contains_ci("ok", "failed"));
    }
}
