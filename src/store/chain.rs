//! The hash chain formula, shared by the writer, the manifest and the verifier:
//! `hash = sha256_hex(previous_hash + ":" + C(object without hash and previous_hash))`.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::canonical;

/// `previous_hash` of the first entry ever (and of the first manifest record).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The two fields the hash does not cover.
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

/// True for a 64-character lowercase hex string.
pub fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
