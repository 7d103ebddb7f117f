//! The hash chain formula, shared by the writer, the manifest and the verifier:
//! `hash = sha256_hex(previous_hash + ":" + C(object without hash and previous_hash))`.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::canonical;
use super::entry::Prepared;

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

/// Appends the line of a prepared entry given its `seq` and `previous_hash` (no newline)
/// and returns its hash (lowercase hex): the content (the entry plus `seq`) is hashed piece
/// by piece, then written with `hash` and `previous_hash` spliced in. Same bytes as [`seal`]
/// of the entry's object with `seq`, then `C(obj)`. Allocates nothing: it runs once per
/// entry on the collector's single writer thread.
pub fn write_prepared(p: &Prepared, seq: u64, previous_hash: &str, out: &mut Vec<u8>) -> [u8; 64] {
    let [at_hash, at_prev, at_seq] = p.at;
    let mut digits = [0u8; 20];
    let seq_member: [&[u8]; 2] = [b"\"seq\": ", decimal(seq, &mut digits)];
    let mut h = Sha256::new();
    h.update(previous_hash.as_bytes());
    h.update(b":");
    emit(&p.bytes, &[(at_seq, &seq_member)], |piece| h.update(piece));
    let mut hash = [0u8; 64];
    hex::encode_to_slice(h.finalize(), &mut hash).expect("32 bytes make 64 hex digits");
    emit(
        &p.bytes,
        &[
            (at_hash, &[b"\"hash\": \"", &hash, b"\""]),
            (
                at_prev,
                &[b"\"previous_hash\": \"", previous_hash.as_bytes(), b"\""],
            ),
            (at_seq, &seq_member),
        ],
        |piece| out.extend_from_slice(piece),
    );
    hash
}

/// `n` in decimal, written into the end of `buf`.
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// Feeds `object` (canonical bytes) to `sink` with `inserts` (members, in key order, each
/// given as its pieces and placed at the offset of the member it goes before, or `None`
/// for the end) spliced in.
fn emit(object: &[u8], inserts: &[(Option<usize>, &[&[u8]])], mut sink: impl FnMut(&[u8])) {
    let close = object.len() - 1; // the closing brace
    let mut cursor = 0;
    let mut members = close > 1; // the object already has members
    for &(at, member) in inserts {
        match at {
            Some(pos) => {
                sink(&object[cursor..pos]);
                member.iter().for_each(|piece| sink(piece));
                sink(b", ");
                cursor = pos;
            }
            None => {
                sink(&object[cursor..close]);
                cursor = close;
                if members {
                    sink(b", ");
                }
                member.iter().for_each(|piece| sink(piece));
            }
        }
        members = true;
    }
    sink(&object[cursor..]);
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

    #[test]
    fn write_prepared_equals_seal_then_serialize() {
        use crate::store::NewEntry;
        let mut small = NewEntry::new("t", "a");
        small.extra.insert("zzz".into(), 1.into());
        small
            .extra
            .insert("aaa".into(), serde_json::json!({"seq": 9, "hash": "x"}));
        for e in [NewEntry::new("access", "viewed"), small] {
            for (seq, prev) in [(0, GENESIS), (12345, "ab".repeat(32).as_str())] {
                let mut obj = e.clone().into_object(seq);
                let expected_hash = seal(&mut obj, prev, &mut Vec::new());
                let mut expected = Vec::new();
                canonical::write_object_except(&mut expected, &obj, &[]);
                let mut out = Vec::new();
                let hash = write_prepared(&e.clone().prepare(), seq, prev, &mut out);
                assert_eq!(std::str::from_utf8(&hash).unwrap(), expected_hash);
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    String::from_utf8(expected).unwrap()
                );
            }
        }
    }

    #[test]
    fn decimal_writes_every_width() {
        let mut buf = [0u8; 20];
        for n in [0, 7, 10, 99, 1_000_000, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn emit_handles_every_insert_position() {
        let collect = |obj: &[u8], ins: &[(Option<usize>, &[u8])]| {
            // Each member in two pieces, to check that pieces are joined.
            let split: Vec<[&[u8]; 2]> = ins.iter().map(|(_, m)| [&m[..1], &m[1..]]).collect();
            let ins: Vec<(Option<usize>, &[&[u8]])> = ins
                .iter()
                .zip(&split)
                .map(|((at, _), pieces)| (*at, &pieces[..]))
                .collect();
            let mut v = Vec::new();
            emit(obj, &ins, |p| v.extend_from_slice(p));
            String::from_utf8(v).unwrap()
        };
        assert_eq!(
            collect(b"{}", &[(None, b"\"a\": 1"), (None, b"\"b\": 2")]),
            "{\"a\": 1, \"b\": 2}"
        );
        assert_eq!(
            collect(
                b"{\"z\": 0}",
                &[(Some(1), b"\"a\": 1"), (None, b"\"zz\": 2")]
            ),
            "{\"a\": 1, \"z\": 0, \"zz\": 2}"
        );
        assert_eq!(
            collect(b"{\"m\": 0, \"z\": 0}", &[(Some(9), b"\"n\": 1")]),
            "{\"m\": 0, \"n\": 1, \"z\": 0}"
        );
    }
}
