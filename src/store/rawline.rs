//! Reading a stored line without building a JSON tree: the verifier's fast path.
//!
//! Every line is written as `C(entry)`, the canonical form, so `C(entry without hash and
//! previous_hash)` is the same line with those two top-level members cut out. [`scan`] finds
//! the top-level members of a line (tracking strings and nesting, validating nothing else),
//! and [`Scanned::content_hash`] hashes the line minus those two members, straight from the
//! line's bytes. When that matches the stored hash, the entry is exactly what was written.
//! When it does not, the verifier falls back to parsing the line, to tell an edited entry
//! from a line that was merely rewritten into another form (which it also reports: stored
//! lines are never reformatted).

use sha2::{Digest, Sha256};

/// The parts of a line the chain checks need, borrowed from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned<'a> {
    pub hash: Option<&'a str>,
    pub previous_hash: Option<&'a str>,
    /// The raw text of the `seq` value, if there is one.
    pub seq: Option<&'a [u8]>,
    /// Byte ranges of the line that remain once `hash` and `previous_hash` are cut out.
    kept: [(usize, usize); 3],
    line: &'a [u8],
}

impl Scanned<'_> {
    /// `sha256(previous_hash + ":" + line without the two hash members)`, as lowercase hex.
    pub fn content_hash(&self, previous_hash: &str) -> [u8; 64] {
        let mut h = Sha256::new();
        h.update(previous_hash.as_bytes());
        h.update(b":");
        for &(a, b) in &self.kept {
            h.update(&self.line[a..b]);
        }
        let mut out = [0u8; 64];
        hex::encode_to_slice(h.finalize(), &mut out).expect("64 hex digits");
        out
    }

    /// `seq` as a whole number, when it is one written plainly.
    pub fn seq_number(&self) -> Option<u64> {
        let s = self.seq?;
        if s.is_empty()
            || s.len() > 20
            || !s.iter().all(u8::is_ascii_digit)
            || (s.len() > 1 && s[0] == b'0')
        {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    }
}

/// Finds the top-level members of a canonical object line. `None` when the line is not in
/// the canonical layout (`{"k": v, "k2": v2}`), which sends the caller to the slow path.
pub fn scan(line: &[u8]) -> Option<Scanned<'_>> {
    let n = line.len();
    if n < 2 || line[0] != b'{' || line[n - 1] != b'}' {
        return None;
    }
    // (member start, member end, is one of the two cut members)
    let mut cut: [(usize, usize); 2] = [(0, 0); 2];
    let mut ncut = 0;
    let mut hash = None;
    let mut prev = None;
    let mut seq = None;
    let mut prev_end = 1; // end of the previous member (or just after '{')
    let mut i = 1;
    if line[i] == b'}' {
        return (i + 1 == n).then_some(Scanned {
            hash,
            previous_hash: prev,
            seq,
            kept: [(0, n), (n, n), (n, n)],
            line,
        });
    }
    loop {
        let start = i;
        let key_end = skip_string(line, i)?;
        let key = &line[i + 1..key_end - 1];
        i = key_end;
        if line.get(i..i + 2)? != b": " {
            return None;
        }
        i += 2;
        let value_start = i;
        i = skip_value(line, i)?;
        let value = &line[value_start..i];
        match key {
            b"hash" | b"previous_hash" => {
                let s = hash_value(value)?;
                if key == b"hash" {
                    hash = Some(s);
                } else {
                    prev = Some(s);
                }
                if ncut == 2 {
                    return None; // a duplicated key
                }
                // Cut ", member" (or "member, " when it is the first one).
                cut[ncut] = if start == 1 {
                    (start, 0)
                } else {
                    (prev_end, i)
                };
                ncut += 1;
            }
            b"seq" => seq = Some(value),
            _ => {}
        }
        prev_end = i;
        match line.get(i)? {
            b',' if line.get(i + 1) == Some(&b' ') => i += 2,
            b'}' if i + 1 == n => break,
            _ => return None,
        }
        // A cut first member also takes the ", " after it.
        for c in cut.iter_mut().take(ncut) {
            if c.1 == 0 {
                c.1 = i;
            }
        }
    }
    for c in cut.iter_mut().take(ncut) {
        if c.1 == 0 {
            c.1 = n - 1; // the only member
        }
    }
    // Two adjacent cuts can overlap (the first member's trailing ", " is the second's
    // leading one): merge them, then keep the complement.
    if ncut == 2 && cut[1].0 < cut[0].1 {
        cut[0].1 = cut[0].1.max(cut[1].1);
        ncut = 1;
    }
    let mut kept = [(n, n); 3];
    let mut at = 0;
    for (k, &(a, b)) in cut.iter().take(ncut).enumerate() {
        kept[k] = (at, a);
        at = b;
    }
    kept[ncut] = (at, n);
    Some(Scanned {
        hash,
        previous_hash: prev,
        seq,
        kept,
        line,
    })
}

/// A hash member's value: a quoted string without escapes.
fn hash_value(v: &[u8]) -> Option<&str> {
    if v.len() < 2 || v[0] != b'"' || v[v.len() - 1] != b'"' || v.contains(&b'\\') {
        return None;
    }
    std::str::from_utf8(&v[1..v.len() - 1]).ok()
}

/// `line[i]` opens a string; returns the index just after its closing quote.
fn skip_string(line: &[u8], mut i: usize) -> Option<usize> {
    if *line.get(i)? != b'"' {
        return None;
    }
    i += 1;
    loop {
        let off = line[i..].iter().position(|&b| b == b'"' || b == b'\\')?;
        i += off;
        if line[i] == b'\\' {
            i += 2;
        } else {
            return Some(i + 1);
        }
    }
}

/// Skips one JSON value starting at `i`; returns the index just after it.
fn skip_value(line: &[u8], mut i: usize) -> Option<usize> {
    match *line.get(i)? {
        b'"' => skip_string(line, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            loop {
                match *line.get(i)? {
                    b'"' => {
                        i = skip_string(line, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let off = line[i..]
                .iter()
                .position(|&b| b == b',' || b == b'}' || b == b']')?;
            (off > 0).then_some(i + off)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{chain, writer::render};
    use serde_json::{json, Value};

    fn sealed(v: Value) -> String {
        let mut obj = v.as_object().unwrap().clone();
        chain::seal(&mut obj, chain::GENESIS, &mut Vec::new());
        render(&obj)
    }

    fn fast_ok(line: &str) -> bool {
        let s = scan(line.as_bytes()).expect("scans");
        s.content_hash(s.previous_hash.unwrap()) == s.hash.unwrap().as_bytes()
    }

    #[test]
    fn canonical_lines_hash_the_same_as_the_slow_path() {
        for v in [
            json!({"action": "a", "details": {"hash": "nested", "x": [1, {"y": "}\""}]}, "seq": 7, "user_id": null}),
            json!({"a": 1}),
            json!({"zzz": "last", "aaa": "first"}),
            json!({}),
            json!({"details": {"k": "v, \"hash\": \"x\""}, "seq": 0}),
        ] {
            let line = sealed(v);
            assert!(fast_ok(&line), "{line}");
        }
    }

    #[test]
    fn finds_seq_and_hashes() {
        let line = sealed(json!({"action": "a", "seq": 42}));
        let s = scan(line.as_bytes()).unwrap();
        assert_eq!(s.seq_number(), Some(42));
        assert_eq!(s.previous_hash, Some(chain::GENESIS));
        assert_eq!(s.hash.map(str::len), Some(64));
    }

    #[test]
    fn edits_and_other_layouts_are_not_fast_ok() {
        let line = sealed(json!({"action": "a", "seq": 1}));
        assert!(!fast_ok(&line.replace("\"a\"", "\"b\"")));
        // Another layout of the same object: not canonical, so the fast path declines.
        assert!(scan(line.replace(", ", ",").as_bytes()).is_none());
        assert!(scan(format!(" {line}").as_bytes()).is_none());
        // A duplicated key changes the bytes, so the hash no longer matches.
        let dup = line.replacen(
            "{\"action\": \"a\"",
            "{\"action\": \"x\", \"action\": \"a\"",
            1,
        );
        assert!(!fast_ok(&dup));
    }

    #[test]
    fn never_panics_on_junk() {
        for s in [
            "",
            "{",
            "}",
            "{}",
            "{\"",
            "{\"a\"",
            "{\"a\": ",
            "{\"a\": \"\\",
            "{\"a\": [}",
            "{\"a\": 1,}",
            "{\"a\": {\"b\": [1, 2}",
        ] {
            let _ = scan(s.as_bytes());
        }
    }
}
