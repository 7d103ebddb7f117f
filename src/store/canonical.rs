//! Canonical JSON: the exact bytes that every audit entry's hash is computed over.
//!
//! The hash chain was born in a Python script (`json.dumps(entry, sort_keys=True)` fed to
//! SHA-256), and logs written by that script, or verified by it, must keep working. So the
//! hash input is not "some stable JSON" but byte-for-byte what CPython 3 produces for
//! `json.dumps(obj, sort_keys=True)` with its defaults:
//!
//! * separators `", "` and `": "`, object keys sorted by code point, recursively;
//! * `ensure_ascii=True`: `"` and `\` escaped, `\n \r \t \b \f` as short escapes, every other
//!   char outside printable ASCII (`0x20..=0x7E`, so `0x7F` too) as `\uXXXX` with lowercase
//!   hex, chars above U+FFFF as a UTF-16 surrogate pair;
//! * integers in decimal, floats as `float.__repr__` (shortest round-trip digits, exponent
//!   form `1e+16` / `1.5e-05` when the decimal exponent is `< -4` or `>= 16`, else fixed
//!   notation with at least one fractional digit, `1.0`, `-0.0`).
//!
//! This module owns that serialization and nothing else. It writes into a caller-provided
//! buffer and allocates nothing per value, because the store runs it for every entry it
//! appends or verifies. The integration tests in `tests/it/canonical.rs` compare it with a
//! real Python interpreter.

use serde_json::{Map, Number, Value};

/// Writes the canonical form of `value` (Python's `json.dumps(value, sort_keys=True)`) to
/// the end of `out`.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(obj) => write_object_except(out, obj, &[]),
    }
}

/// Writes `obj` as an object, leaving out the keys in `skip` (used to hash an entry without
/// its `hash` and `previous_hash`).
///
/// The output equals `write_value` of a copy of `obj` with those keys removed.
pub fn write_object_except(out: &mut Vec<u8>, obj: &Map<String, Value>, skip: &[&str]) {
    // serde_json's default `Map` is a `BTreeMap<String, _>`, and `String`'s byte order is
    // code-point order, which is what Python's `sorted()` uses on `str` keys. If some crate
    // in the build ever turns on serde_json's `preserve_order`, the map iterates in
    // insertion order instead; the single comparison per key below detects that and falls
    // back to sorting, so the output stays canonical either way.
    let mut prev: Option<&str> = None;
    let sorted = obj.keys().all(|k| {
        let ok = prev.is_none_or(|p| p < k.as_str());
        prev = Some(k);
        ok
    });
    if sorted {
        write_entries(out, obj.iter(), skip);
    } else {
        let mut entries: Vec<(&String, &Value)> = obj.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        write_entries(out, entries.into_iter(), skip);
    }
}

fn write_entries<'a>(
    out: &mut Vec<u8>,
    entries: impl Iterator<Item = (&'a String, &'a Value)>,
    skip: &[&str],
) {
    out.push(b'{');
    let mut first = true;
    for (key, value) in entries {
        if skip.contains(&key.as_str()) {
            continue;
        }
        if !first {
            out.extend_from_slice(b", ");
        }
        first = false;
        write_str(out, key);
        out.extend_from_slice(b": ");
        write_value(out, value);
    }
    out.push(b'}');
}

/// Writes `obj` like [`write_object_except`] and returns, for each of `markers` (sorted
/// ascending), the offset in `out` where a member with that key would start in canonical
/// order: the start of the first written member whose key sorts after the marker, or
/// `None` when it would come last. Lets the writer hash an entry and then splice its
/// `hash` and `previous_hash` in, with one serialization.
pub fn write_object_marking<const N: usize>(
    out: &mut Vec<u8>,
    obj: &Map<String, Value>,
    skip: &[&str],
    markers: [&str; N],
) -> [Option<usize>; N] {
    let mut at = [None; N];
    let mut entries: Vec<(&String, &Value)> = obj.iter().collect();
    if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    }
    out.push(b'{');
    let mut first = true;
    for (key, value) in entries {
        if skip.contains(&key.as_str()) {
            continue;
        }
        if !first {
            out.extend_from_slice(b", ");
        }
        first = false;
        for (i, m) in markers.iter().enumerate() {
            if at[i].is_none() && key.as_str() > *m {
                at[i] = Some(out.len());
            }
        }
        write_str(out, key);
        out.extend_from_slice(b": ");
        write_value(out, value);
    }
    out.push(b'}');
    at
}

/// Returns the canonical form of `value` as a `String` (always pure ASCII).
pub fn to_string(value: &Value) -> String {
    let mut out = Vec::with_capacity(128);
    write_value(&mut out, value);
    String::from_utf8(out).expect("canonical JSON is pure ASCII")
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `true` for the bytes that can be copied verbatim: printable ASCII except `"` and `\`.
/// Every byte of a multi-byte UTF-8 sequence is `>= 0x80`, so it is never plain.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b <= 0x7E {
        table[b] = b != b'"' as usize && b != b'\\' as usize;
        b += 1;
    }
    table
};

pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    write_escaped(out, s);
    out.push(b'"');
}

/// `s` as inside a JSON string, without the quotes. Escaping goes character by character,
/// so the escaping of `a + b` is the escaping of `a` followed by that of `b`.
pub(crate) fn write_escaped(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0; // first byte not yet written
    let mut i = 0;
    loop {
        // Plain runs are skipped eight bytes at a time, up to the next special byte; only
        // a short tail is walked byte by byte.
        while let Some(word) = bytes.get(i..i + 8) {
            let special = specials(u64::from_le_bytes(word.try_into().expect("8 bytes")));
            if special != 0 {
                i += (special.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        while i < bytes.len() && PLAIN[bytes[i] as usize] {
            i += 1;
        }
        let Some(&b) = bytes.get(i) else { break };
        out.extend_from_slice(&bytes[start..i]);
        if b < 0x80 {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0C => out.extend_from_slice(b"\\f"),
                _ => write_u_escape(out, u16::from(b)),
            }
            i += 1;
        } else {
            // `i` is on a char boundary: every earlier byte was ASCII or a whole char.
            let c = s[i..].chars().next().expect("non-empty tail");
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write_u_escape(out, *unit);
            }
            i += c.len_utf8();
        }
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The high bit of each of the eight bytes of `x` (little-endian) that is not [`PLAIN`]:
/// below 0x20, `"`, `\`, 0x7F or above. A borrow in the subtractions below only runs
/// upward from a byte that is itself special, so a byte above a special one may be marked
/// wrongly, but the lowest mark is always right: zero means none, and
/// `trailing_zeros() / 8` is the first special byte.
fn specials(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    let non_ascii = x & HIGH;
    below_space
        | non_ascii
        | has_zero(x ^ (ONES * u64::from(b'"')))
        | has_zero(x ^ (ONES * u64::from(b'\\')))
        | has_zero(x ^ (ONES * 0x7F))
}

fn write_u_escape(out: &mut Vec<u8>, unit: u16) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        HEX[usize::from(unit >> 12)],
        HEX[usize::from((unit >> 8) & 0xF)],
        HEX[usize::from((unit >> 4) & 0xF)],
        HEX[usize::from(unit & 0xF)],
    ]);
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(u) = n.as_u64() {
        write_u64(out, u);
    } else if let Some(i) = n.as_i64() {
        // Only negative values get here: non-negative ones fit in u64.
        out.push(b'-');
        write_u64(out, i.unsigned_abs());
    } else if let Some(f) = n.as_f64() {
        write_f64(out, f);
    } else {
        // Unreachable without serde_json's `arbitrary_precision`; fall back to its text.
        out.extend_from_slice(n.to_string().as_bytes());
    }
}

fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[pos..]);
}

/// A fixed stack buffer that `core::fmt` can write into, so formatting a float does not
/// allocate. 40 bytes is ample for `{:e}` of any f64 (at most 24 bytes, e.g.
/// `-2.2250738585072014e-308`).
struct StackBuf {
    buf: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes `f` the way Python's `float.__repr__` does.
///
/// Both use the shortest digit string that round-trips, the nearest such one (on a tie,
/// Python takes the even digit: see below). Then the layout: with decimal exponent
/// `e` (value = d.ddd × 10^e), Python uses `d.ddde+XX` (sign always, at least two exponent
/// digits, no `.0` when there is a single digit) if `e < -4 || e >= 16`, else fixed
/// notation with at least one digit after the point.
fn write_f64(out: &mut Vec<u8>, f: f64) {
    use std::fmt::Write as _;

    if !f.is_finite() {
        // serde_json cannot hold these; match Python's spelling (`float('nan')` dumps as
        // `NaN`) rather than panic.
        let text: &[u8] = if f.is_nan() {
            b"NaN"
        } else if f > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        };
        out.extend_from_slice(text);
        return;
    }

    let mut sci = StackBuf {
        buf: [0; 40],
        len: 0,
    };
    write!(sci, "{f:e}").expect("{:e} of an f64 fits in 40 bytes");
    // `{:e}` gives the shortest digits that read back as `f`, but when two such strings are
    // equally near (`-0.92566680908203125` at 16 digits: ...312 or ...313) it rounds the
    // tie up, where Python's repr takes the nearest and on a tie the even digit. Rust's
    // fixed-precision formatting rounds exactly, half to even: at the same number of
    // digits it gives Python's choice whenever that reads back as `f` (near a power of
    // two the nearest may not, and then the shortest is the only candidate).
    let shortest_digits = sci.buf[..sci.len]
        .iter()
        .take_while(|&&b| b != b'e')
        .filter(|b| b.is_ascii_digit())
        .count();
    let mut nearest = StackBuf {
        buf: [0; 40],
        len: 0,
    };
    write!(nearest, "{f:.*e}", shortest_digits.saturating_sub(1))
        .expect("{:e} of an f64 fits in 40 bytes");
    let reads_back = std::str::from_utf8(&nearest.buf[..nearest.len])
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        == Some(f);
    let sci = if reads_back {
        &nearest.buf[..nearest.len]
    } else {
        &sci.buf[..sci.len]
    };

    // `sci` looks like `-1.2345e-7`, `5e300`, `0e0`.
    let (negative, sci) = match sci.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, sci),
    };
    let e_pos = sci
        .iter()
        .position(|&b| b == b'e')
        .expect("{:e} output has an exponent");
    let (mantissa, exp_text) = (&sci[..e_pos], &sci[e_pos + 1..]);
    let (exp_negative, exp_digits) = match exp_text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, exp_text),
    };
    let exp_abs = exp_digits
        .iter()
        .fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'));
    let exp = if exp_negative { -exp_abs } else { exp_abs };

    // Significant digits without the point: `1.2345` -> `12345`, `5` -> `5`.
    let mut digits_buf = [0u8; 24];
    let mut ndigits = 0;
    for &b in mantissa {
        if b != b'.' {
            digits_buf[ndigits] = b;
            ndigits += 1;
        }
    }
    let digits = &digits_buf[..ndigits];

    if negative {
        out.push(b'-');
    }
    if !(-4..16).contains(&exp) {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        if exp_abs < 10 {
            out.push(b'0');
        }
        write_u64(out, u64::from(exp_abs.unsigned_abs()));
    } else if exp < 0 {
        // 0.000ddd
        out.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend_from_slice(digits);
    } else {
        // `exp + 1` digits before the point, padded with zeros; at least `.0` after it.
        let int_len = exp as usize + 1;
        if digits.len() > int_len {
            out.extend_from_slice(&digits[..int_len]);
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..]);
        } else {
            out.extend_from_slice(digits);
            for _ in digits.len()..int_len {
                out.push(b'0');
            }
            out.extend_from_slice(b".0");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where [`specials`] says the first special byte of `w` is (8: none).
    fn first_special(w: [u8; 8]) -> u32 {
        specials(u64::from_le_bytes(w)).trailing_zeros() / 8
    }

    #[test]
    fn specials_finds_the_first_special_byte() {
        // Every byte value at every position of an otherwise plain word, then words of
        // two arbitrary bytes, where borrows between neighbours can mark a byte wrongly:
        // the first mark must still be the first special byte.
        let plain = u64::from_le_bytes(*b"abcdefgh");
        for pos in 0..8 {
            for b in 0..=255u8 {
                let mut w = plain.to_le_bytes();
                w[pos] = b;
                let expected = if PLAIN[b as usize] { 8 } else { pos as u32 };
                assert_eq!(first_special(w), expected, "{w:?}");
            }
        }
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for w in [
                    [a, b, b'x', a, b'y', b, a, b],
                    [b'x', b'y', a, b, a, b, b, a],
                ] {
                    let expected = w.iter().position(|&c| !PLAIN[c as usize]).unwrap_or(8);
                    assert_eq!(first_special(w), expected as u32, "{w:?}");
                }
            }
        }
    }
    use serde_json::json;

    fn canon(v: Value) -> String {
        to_string(&v)
    }

    fn float(f: f64) -> String {
        canon(Value::from(f))
    }

    #[test]
    fn literals() {
        assert_eq!(canon(json!(null)), "null");
        assert_eq!(canon(json!(true)), "true");
        assert_eq!(canon(json!(false)), "false");
    }

    #[test]
    fn objects_sorted_with_python_separators() {
        assert_eq!(
            canon(json!({"b": [1, 2], "a": 1})),
            r#"{"a": 1, "b": [1, 2]}"#
        );
        assert_eq!(canon(json!({})), "{}");
        assert_eq!(canon(json!([])), "[]");
        assert_eq!(canon(json!([{}, []])), "[{}, []]");
        assert_eq!(
            canon(json!({"z": {"y": 1, "x": {"b": null, "a": true}}, "a": []})),
            r#"{"a": [], "z": {"x": {"a": true, "b": null}, "y": 1}}"#
        );
    }

    #[test]
    fn keys_sorted_by_code_point() {
        // Uppercase before lowercase, shorter prefix first, non-ASCII after ASCII,
        // astral (U+1F600) after U+FFFD (Python compares code points, not UTF-16 units).
        let v =
            json!({"b": 1, "B": 2, "ab": 3, "a": 4, "\u{e9}": 5, "\u{1F600}": 6, "\u{FFFD}": 7});
        assert_eq!(
            canon(v),
            r#"{"B": 2, "a": 4, "ab": 3, "b": 1, "\u00e9": 5, "\ufffd": 7, "\ud83d\ude00": 6}"#
        );
    }

    #[test]
    fn object_except_skips_keys() {
        let v = json!({"hash": "h", "action": "x", "previous_hash": "p", "z": 1});
        let mut out = Vec::new();
        write_object_except(&mut out, v.as_object().unwrap(), &["hash", "previous_hash"]);
        assert_eq!(out, br#"{"action": "x", "z": 1}"#);

        let mut out = Vec::new();
        write_object_except(&mut out, v.as_object().unwrap(), &["action", "hash", "z"]);
        assert_eq!(out, br#"{"previous_hash": "p"}"#);

        let mut out = b"prefix:".to_vec();
        write_object_except(
            &mut out,
            v.as_object().unwrap(),
            &["hash", "action", "previous_hash", "z"],
        );
        assert_eq!(out, b"prefix:{}");
    }

    #[test]
    fn string_short_escapes() {
        assert_eq!(canon(json!("a\"b\\c")), r#""a\"b\\c""#);
        assert_eq!(canon(json!("\n\r\t\u{8}\u{c}")), r#""\n\r\t\b\f""#);
        assert_eq!(canon(json!("plain / text ~")), r#""plain / text ~""#);
        assert_eq!(canon(json!("")), r#""""#);
    }

    #[test]
    fn string_control_and_del_as_u_escapes() {
        assert_eq!(canon(json!("\u{0}\u{1}\u{1f}")), r#""\u0000\u0001\u001f""#);
        assert_eq!(canon(json!("\u{b}")), r#""\u000b""#);
        assert_eq!(canon(json!("a\u{7f}b")), r#""a\u007fb""#);
    }

    #[test]
    fn string_non_ascii_lowercase_hex() {
        assert_eq!(canon(json!("caf\u{e9}")), r#""caf\u00e9""#);
        assert_eq!(canon(json!("\u{80}\u{ff}")), r#""\u0080\u00ff""#);
        assert_eq!(
            canon(json!("\u{20ac}\u{fffd}\u{abcd}")),
            r#""\u20ac\ufffd\uabcd""#
        );
    }

    #[test]
    fn string_astral_as_surrogate_pair() {
        assert_eq!(canon(json!("\u{1F600}")), r#""\ud83d\ude00""#);
        assert_eq!(canon(json!("x\u{10000}y")), r#""x\ud800\udc00y""#);
        assert_eq!(canon(json!("\u{10FFFF}")), r#""\udbff\udfff""#);
    }

    #[test]
    fn integers() {
        assert_eq!(canon(json!(0)), "0");
        assert_eq!(canon(json!(-1)), "-1");
        assert_eq!(canon(json!(i64::MIN)), "-9223372036854775808");
        assert_eq!(canon(json!(i64::MAX)), "9223372036854775807");
        assert_eq!(canon(json!(u64::MAX)), "18446744073709551615");
    }

    #[test]
    fn floats_fixed_notation() {
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(0.0), "0.0");
        assert_eq!(float(-0.0), "-0.0");
        assert_eq!(float(1234.5), "1234.5");
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(-2.5), "-2.5");
        assert_eq!(float(0.0001), "0.0001");
        assert_eq!(float(0.00012345), "0.00012345");
        assert_eq!(float(100.0), "100.0");
        assert_eq!(float(1e15), "1000000000000000.0");
        assert_eq!(float(9999999999999998.0), "9999999999999998.0");
        assert_eq!(float(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn floats_exponent_notation() {
        assert_eq!(float(1e16), "1e+16");
        assert_eq!(float(1.5e16), "1.5e+16");
        assert_eq!(float(1.5e-5), "1.5e-05");
        assert_eq!(float(0.00001), "1e-05");
        assert_eq!(float(-1e-7), "-1e-07");
        assert_eq!(float(1e100), "1e+100");
        assert_eq!(float(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(float(f64::MIN_POSITIVE), "2.2250738585072014e-308");
        assert_eq!(float(5e-324), "5e-324");
        assert_eq!(float(12345678901234567890.0), "1.2345678901234567e+19");
    }

    #[test]
    fn audit_entry_shape() {
        let v = json!({
            "timestamp": "2024-01-02T03:04:05.123456Z",
            "event_type": "access",
            "user_id": "dr_smith",
            "action": "view",
            "resource": null,
            "outcome": "success",
            "hostname": "h\u{f6}st",
            "details": {"n": 3, "r": 0.5},
            "logger_version": "1.0.0"
        });
        assert_eq!(
            canon(v),
            r#"{"action": "view", "details": {"n": 3, "r": 0.5}, "event_type": "access", "hostname": "h\u00f6st", "logger_version": "1.0.0", "outcome": "success", "resource": null, "timestamp": "2024-01-02T03:04:05.123456Z", "user_id": "dr_smith"}"#
        );
    }

    #[test]
    fn appends_to_existing_buffer() {
        let mut out = b"0000:".to_vec();
        write_value(&mut out, &json!([1, "a"]));
        assert_eq!(out, br#"0000:[1, "a"]"#);
    }
}
