//! Small text helpers the rule families share: `key=value` bodies (FortiGate, SonicWall,
//! CEF extensions, NXLog), words after a marker (`for USER from ADDR`), and addresses.
//! All borrow from the message; none allocates unless a value needs unquoting.

use std::borrow::Cow;
use std::net::IpAddr;

use memchr::memmem;

/// The value of `key=value` in a body of space-separated pairs. The key must stand at the
/// start or after a space, tab, comma or semicolon. A value in double quotes may hold
/// spaces (`\"` inside is unescaped); a bare value ends at white space.
pub fn kv<'a>(body: &'a str, key: &str) -> Option<Cow<'a, str>> {
    let bytes = body.as_bytes();
    if key.is_empty() {
        return None;
    }
    memmem::find_iter(bytes, key.as_bytes())
        .find(|&at| {
            let boundary = at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b',' | b';' | b'|');
            boundary && bytes.get(at + key.len()) == Some(&b'=')
        })
        .map(|at| value_at(body, at + key.len() + 1))
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
    let at = memmem::find(s.as_bytes(), marker.as_bytes())? + marker.len();
    let rest = &s[at..];
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let w = &rest[..end];
    (!w.is_empty()).then_some(w)
}

/// `s` as an IP address, accepting `[v6]`, `addr:port` (v4) and a trailing `,`/`;`/`.`.
pub fn ip(s: &str) -> Option<IpAddr> {
    let s = trim_address(s);
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
    ip_text(word_after(s, marker)?)
}

/// [`ip`] of `s`, written back as text the way `Display` writes addresses.
pub fn ip_text(s: &str) -> Option<String> {
    let a = ip(s)?;
    // A bare dotted quad that parsed is already written the one way `Display` would write
    // it (the std parser refuses leading zeros): skip formatting it again.
    let t = trim_address(s);
    if a.is_ipv4() && is_plain_v4(t) {
        return Some(t.to_owned());
    }
    Some(a.to_string())
}

fn trim_address(s: &str) -> &str {
    s.trim_end_matches([',', ';', '.', ')'])
        .trim_start_matches('(')
}

fn is_plain_v4(w: &str) -> bool {
    w.len() <= 15 && w.bytes().all(|b| b.is_ascii_digit() || b == b'.')
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
        assert_eq!(
            ip_after("from (192.0.2.1).", "from ").as_deref(),
            Some("192.0.2.1")
        );
        assert_eq!(ip_after("from 192.0.2.01", "from "), None);
        assert_eq!(
            ip_text("2001:DB8:0:0::1").as_deref(),
            Some("2001:db8::1"),
            "v6 is written in its canonical form"
        );
        assert_eq!(word_after("ends with for ", "for "), None);
    }

    #[test]
    fn contains_ci_ignores_ascii_case() {
        assert!(contains_ci("Login FAILED for user", "failed"));
        assert!(!contains_ci("ok", "failed"));
    }
}
