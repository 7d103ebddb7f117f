//! Fuzzes `ingest::framing::Framer`: the input, minus its first byte, is fed in two chunks
//! split at a position taken from that first byte, then the stream is finished. A small
//! maximum frame size makes the truncation and skipping paths run often.
//!
//! Invariants checked (all follow from the rules in `src/ingest/framing.rs`):
//! - the buffer stays bounded (`pending_len() <= MAX + 16` after every push, 0 after finish);
//! - the split gives exactly the frames and stats of feeding the input in one piece;
//! - `stats.frames` is the number of frames; no frame holds more than `MAX` bytes;
//! - only an incomplete frame may be empty; an incomplete frame is octet-counted and says
//!   how long it should have been (`truncated_from`); only the last frame can be incomplete;
//! - `truncated_from`, when set, is longer than what the frame holds;
//! - an LF-framed frame never contains LF or NUL (the first one ends it);
//! - no byte is counted twice: frame bytes plus skipped bytes never exceed the input.

#![no_main]

use hipaa_audit::ingest::framing::{Frame, Framer, FramingStats};
use libfuzzer_sys::fuzz_target;

const MAX: usize = 256;

fn run(chunks: &[&[u8]]) -> (Vec<Frame>, FramingStats) {
    let mut framer = Framer::new(MAX);
    let mut out = Vec::new();
    for chunk in chunks {
        framer.push(chunk, &mut out);
        assert!(
            framer.pending_len() <= MAX + 16,
            "pending {}",
            framer.pending_len()
        );
    }
    framer.finish(&mut out);
    assert_eq!(framer.pending_len(), 0);
    (out, framer.stats())
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let at = usize::from(first) % (stream.len() + 1);
    let (a, b) = stream.split_at(at);

    let (frames, stats) = run(&[a, b]);
    let (whole_frames, whole_stats) = run(&[stream]);
    assert_eq!(frames, whole_frames);
    assert_eq!(stats, whole_stats);

    assert_eq!(stats.frames, frames.len() as u64);
    assert!(stats.truncated <= stats.frames);
    let mut delivered = 0u64;
    let mut cut_complete = 0u64;
    for (i, f) in frames.iter().enumerate() {
        assert!(f.bytes.len() <= MAX);
        assert!(!f.bytes.is_empty() || f.incomplete);
        if f.incomplete {
            assert!(f.octet_counted);
            assert!(f.truncated_from.is_some());
            assert_eq!(i + 1, frames.len());
        }
        if let Some(n) = f.truncated_from {
            assert!(n > f.bytes.len());
            if !f.incomplete {
                assert_eq!(f.bytes.len(), MAX);
                cut_complete += 1;
            }
        }
        if !f.octet_counted {
            assert!(!f.bytes.iter().any(|&c| c == b'\n' || c == 0));
        }
        delivered += f.bytes.len() as u64;
    }
    assert!(stats.truncated >= cut_complete);
    assert!(delivered + stats.skipped_bytes <= stream.len() as u64);
});
