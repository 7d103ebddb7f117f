//! The hash chain formula, shared by the writer, the manifest and the verifier:
//! `hash = sha256_hex(previous_hash + ":" + C(object without hash and previous_hash))`.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::canonical;

/// `previous_hash` of the first entry ever (and of the first manifest record).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The two fields the hash does not cover (sorted).
pub const UNHASHED: [&str; 2] = ["hash", "previous_hash"];

/// `sha256_hex(previous_hash + ":" + content)`.
pub fn link_hash(previous_hash: &str, content: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(previous_hash.as_bytes());
    h.update(b":");
    h.update(content);
    hex::encode(h.finalize())
}

/// The hash an object should carry given `previous_hash`; `scratch` is reused between calls.
pub fn object_hash(obj: &Map<String, Value>, previous_hash: &str, scratch: &mut Vec<u8>) -> String {
    scratch.clear();
    canonical::write_object_except(scratch, obj, &UNHASHED);
    link_hash(previous_hash, scratch)
}

/// Adds `previous_hash` and `hash` to `obj` and returns the new hash.
pub fn seal(obj: &mut Map<String, Value>, previous_hash: &str, scratch: &mut Vec<u8>) -> String {
    obj.remove("hash");
    obj.remove("previous_hash");
    let hash = object_hash(obj, previous_hash, scratch);
    obj.insert("hash".into(), Value::String(hash.clone()));
    obj.insert(
        "previous_hash".into(),
        Value::String(previous_hash.to_owned()),
    );
    hash
}

/// Appends the sealed line `C(obj + hash + previous_hash)` (no newline) to `out` and returns
/// the hash, serializing `obj` once: the content is written and hashed, then the two
/// members are spliced in at their sorted places. Same bytes as [`seal`] then `C(obj)`.
pub fn write_sealed(obj: &Map<String, Value>, previous_hash: &str, out: &mut Vec<u8>) -> String {
    let start = out.len();
    let [at_hash, at_prev] = canonical::write_object_marking(out, obj, &UNHASHED, UNHASHED);
    let hash = link_hash(previous_hash, &out[start..]);
    let member = |k: &str, v: &str| format!("\"{k}\": \"{v}\"");
    let end = out.len() - 1; // the closing brace
    let empty = end == start + 1;
    match (at_hash, at_prev) {
        (Some(h), Some(p)) => {
            splice(
                out,
                p,
                format!("{}, ", member("previous_hash", previous_hash)),
            );
            splice(out, h, format!("{}, ", member("hash", &hash)));
        }
        (Some(h), None) => {
            splice(
                out,
                end,
                format!(", {}", member("previous_hash", previous_hash)),
            );
            splice(out, h, format!("{}, ", member("hash", &hash)));
        }
        (None, _) => {
            let sep = if empty { "" } else { ", " };
            let both = format!(
                "{sep}{}, {}",
                member("hash", &hash),
                member("previous_hash", previous_hash)
            );
            splice(out, end, both);
        }
    }
    hash
}

fn splice(out: &mut Vec<u8>, at: usize, text: String) {
    out.splice(at..at, text.into_bytes());
}

/// True for a 64-character lowercase hex string.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn write_sealed_equals_seal_then_serialize() {
        for v in [
            json!({}),
            json!({"a": 1}),
            json!({"zzz": 1}),
            json!({"a": 1, "i": 2}),
            json!({"action": "x", "details": {"hash": "n"}, "hostname": "h", "outcome": "o", "resource": null, "seq": 3}),
            json!({"p": 1}),
            json!({"hash": "stale", "previous_hash": "stale", "x": 1}),
        ] {
            let obj = v.as_object().unwrap();
            let mut sealed = obj.clone();
            let expected_hash = seal(&mut sealed, GENESIS, &mut Vec::new());
            let mut expected = Vec::new();
            canonical::write_object_except(&mut expected, &sealed, &[]);
            let mut out = b"prefix".to_vec();
            let hash = write_sealed(obj, GENESIS, &mut out);
            assert_eq!(hash, expected_hash, "{v}");
            assert_eq!(
                String::from_utf8(out[6..].to_vec()).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{v}"
            );
        }
    }
}
