//! Syslog framing over TCP and TLS (RFC 6587): splitting a byte stream into frames.
//!
//! This module owns the byte-level rules that turn what a stream socket delivers into
//! messages, and nothing else: it does no I/O, keeps no clock and does not parse syslog.
//! A [`Framer`] is an explicit state machine fed with whatever chunks the socket returns
//! ([`Framer::push`]) and told when the stream ends ([`Framer::finish`]). Where the chunk
//! boundaries fall never changes the result: any split of a stream gives the same frames
//! and the same [`FramingStats`] as feeding it in one piece.
//!
//! # Rules
//!
//! - **Detection per frame.** A frame is *octet-counted* (`MSG-LEN SP SYSLOG-MSG`, RFC 6587
//!   §3.4.1) when it starts with a digit `1`-`9`, has at most ten digits in all, and the
//!   digits are followed by one space; `MSG-LEN` bytes after the space are the frame.
//!   Anything else is *non-transparent* framing (§3.4.2): the frame ends at the first LF or
//!   NUL, and one CR right before that terminator is dropped. So a prefix of eleven or more
//!   digits, digits followed by anything but a space, or a leading `0` mean the frame is
//!   LF-framed, and those digits are part of its message (`12345678901234 hello\n` is the
//!   message `12345678901234 hello`). Both framings may alternate on one stream.
//! - **rsyslog's trailing LF.** When the last byte of an octet-counted frame is an LF it is
//!   framing, not message, and is dropped (rsyslog's forwarding template adds it and counts
//!   it in `MSG-LEN`). Only that one byte: a CR before it stays.
//! - **Empty frames** (a blank line, `\r\n` alone, a lone NUL, `1 \n`) produce no [`Frame`];
//!   they are counted in [`FramingStats::empty_frames`]. This also absorbs the stray LF some
//!   senders put *after* an octet-counted frame.
//! - **Maximum frame size.** A frame whose message is longer than `max_frame` bytes yields a
//!   frame of its first `max_frame` bytes with `truncated_from = Some(original length)`; the
//!   rest of it is skipped up to the frame's end (the declared length for octet counting,
//!   the next LF or NUL otherwise) and counted in [`FramingStats::skipped_bytes`] when the
//!   frame ends. The original length and the skipped count are of the message, so they
//!   exclude the dropped CR or trailing LF. At most `max_frame` bytes (plus the ten digits
//!   of a length prefix still being read) are ever buffered, whatever arrives.
//! - **Always advancing.** Every step consumes input or moves to a state that will, so no
//!   input can make the framer loop or stall. A declared length can be as large as
//!   9 999 999 999: such a frame is skipped (counted, not buffered) until it ends.
//! - **End of stream.** [`Framer::finish`] flushes what is pending: an LF-framed message
//!   without terminator becomes a normal frame (end of stream ends it, so a trailing CR is
//!   dropped as before a LF, and it is *not* marked incomplete: closing the connection is
//!   how some senders end their last message); digits of a length prefix that never got
//!   their space are such a message too. An octet-counted frame that got fewer bytes than
//!   declared becomes a frame of what arrived, with `incomplete = true` and
//!   `truncated_from = Some(declared length)` (its bytes are only the first part of the
//!   frame; no trailing LF is dropped, since its last byte never came). That holds even
//!   when nothing arrived after the prefix: nothing accepted is dropped silently.
//!   [`FramingStats::truncated`] counts only frames cut at `max_frame`, not incomplete ones.
//!   After `finish` the framer starts over, as for a new stream.

/// Default maximum frame size: 64 KiB.
pub const DEFAULT_MAX_FRAME: usize = 64 * 1024;

/// Most digits an octet-counting `MSG-LEN` may have.
const MAX_LEN_DIGITS: usize = 10;

/// One message as cut from the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The message without framing (at most `max_frame` bytes).
    pub bytes: Vec<u8>,
    /// `Some(original length)` when `bytes` holds only the first part of the message: it
    /// was longer than `max_frame`, or (with `incomplete`) the stream ended before it did;
    /// for an incomplete octet-counted frame this is the declared length.
    pub truncated_from: Option<usize>,
    /// The stream ended before the frame did (an octet-counted frame short of its length).
    pub incomplete: bool,
    /// The frame was octet-counted (`MSG-LEN SP SYSLOG-MSG`), not LF/NUL-terminated.
    pub octet_counted: bool,
}

/// Counters over everything a [`Framer`] has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FramingStats {
    /// Frames emitted (including truncated and incomplete ones; not empty ones).
    pub frames: u64,
    /// Frames cut at `max_frame`.
    pub truncated: u64,
    /// Message bytes that arrived but were dropped because their frame was over `max_frame`.
    pub skipped_bytes: u64,
    /// Frames with an empty message, which produce no [`Frame`].
    pub empty_frames: u64,
}

/// Where the framer is inside the current frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames: the next byte starts a frame.
    Start,
    /// Reading a possible `MSG-LEN`: `n` digits (`1..=10`, the first non-zero) so far.
    Prefix { digits: [u8; MAX_LEN_DIGITS], n: u8 },
    /// Inside an octet-counted frame of `declared` bytes, `got` of them consumed.
    Octet { declared: u64, got: u64 },
    /// Inside an LF/NUL-terminated frame: `len` bytes consumed, the last of them a CR when
    /// `last_cr` (it is dropped if the frame ends right after it).
    Lf { len: u64, last_cr: bool },
}

/// RFC 6587 framing state machine; see the module documentation for the rules.
#[derive(Debug, Clone)]
pub struct Framer {
    max: usize,
    state: State,
    /// The first `max` bytes of the current frame (never more).
    buf: Vec<u8>,
    stats: FramingStats,
}

impl Default for Framer {
    fn default() -> Framer {
        Framer::new(DEFAULT_MAX_FRAME)
    }
}

impl Framer {
    /// A framer that keeps at most `max_frame` bytes of a frame (a value of 0 is taken as 1).
    pub fn new(max_frame: usize) -> Framer {
        Framer {
            max: max_frame.max(1),
            state: State::Start,
            buf: Vec::new(),
            stats: FramingStats::default(),
        }
    }

    /// The maximum frame size in force.
    pub fn max_frame(&self) -> usize {
        self.max
    }

    /// Feeds bytes as they arrive; appends every completed frame to `out`.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<Frame>) {
        let mut i = 0;
        while i < data.len() {
            // Each arm either consumes at least one byte or moves to a state that consumes
            // on the next turn (Start -> Prefix/Lf, Prefix -> Octet/Lf); Octet and Lf always
            // consume, so the loop ends.
            match self.state {
                State::Start => {
                    self.state = if matches!(data[i], b'1'..=b'9') {
                        State::Prefix {
                            digits: [0; MAX_LEN_DIGITS],
                            n: 0,
                        }
                    } else {
                        State::Lf {
                            len: 0,
                            last_cr: false,
                        }
                    };
                }
                State::Prefix { mut digits, mut n } => {
                    while i < data.len()
                        && usize::from(n) < MAX_LEN_DIGITS
                        && data[i].is_ascii_digit()
                    {
                        digits[usize::from(n)] = data[i];
                        n += 1;
                        i += 1;
                    }
                    let digits_seen = &digits[..usize::from(n)];
                    match data.get(i) {
                        None => self.state = State::Prefix { digits, n },
                        Some(b' ') => {
                            i += 1;
                            let declared = parse_len(digits_seen);
                            let keep =
                                usize::try_from(declared).map_or(self.max, |d| d.min(self.max));
                            self.buf.reserve_exact(keep);
                            self.state = State::Octet { declared, got: 0 };
                        }
                        // An eleventh digit or any other byte: not octet counting. The
                        // digits start an LF-framed message; the byte is looked at again.
                        Some(_) => {
                            self.state = State::Lf {
                                len: 0,
                                last_cr: false,
                            };
                            self.append_lf(digits_seen);
                        }
                    }
                }
                State::Octet { declared, got } => {
                    let rest = &data[i..];
                    let want = declared - got;
                    let take = usize::try_from(want).map_or(rest.len(), |w| w.min(rest.len()));
                    append_capped(&mut self.buf, self.max, &rest[..take]);
                    i += take;
                    let got = got + take as u64;
                    if got == declared {
                        // `take` >= 1 here (declared >= 1), so the frame's last byte is
                        // `data[i - 1]`.
                        let framing = u64::from(data[i - 1] == b'\n');
                        self.end_frame(declared, declared - framing, true, out);
                    } else {
                        self.state = State::Octet { declared, got };
                    }
                }
                State::Lf { .. } => {
                    let rest = &data[i..];
                    match find_terminator(rest) {
                        Some(p) => {
                            self.append_lf(&rest[..p]);
                            i += p + 1;
                            self.end_lf_frame(out);
                        }
                        None => {
                            self.append_lf(rest);
                            i = data.len();
                        }
                    }
                }
            }
        }
    }

    /// End of stream: flushes what is pending (see the module documentation), then starts
    /// over as for a new stream.
    pub fn finish(&mut self, out: &mut Vec<Frame>) {
        match self.state {
            State::Start => {}
            State::Prefix { digits, n } => {
                self.state = State::Lf {
                    len: 0,
                    last_cr: false,
                };
                self.append_lf(&digits[..usize::from(n)]);
                self.end_lf_frame(out);
            }
            State::Lf { .. } => self.end_lf_frame(out),
            State::Octet { declared, got } => {
                if got > self.max as u64 {
                    self.stats.truncated += 1;
                    self.stats.skipped_bytes += got - self.max as u64;
                }
                self.stats.frames += 1;
                out.push(Frame {
                    bytes: std::mem::take(&mut self.buf),
                    truncated_from: Some(to_usize(declared)),
                    incomplete: true,
                    octet_counted: true,
                });
                self.state = State::Start;
            }
        }
        debug_assert!(self.state == State::Start && self.buf.is_empty());
    }

    /// Counters so far. A frame's truncation and skipped bytes are counted when it ends.
    pub fn stats(&self) -> FramingStats {
        self.stats
    }

    /// Bytes buffered for an unfinished frame (for diagnostics): at most `max_frame`, plus
    /// up to ten digits of a length prefix being read.
    pub fn pending_len(&self) -> usize {
        match self.state {
            State::Prefix { n, .. } => usize::from(n),
            _ => self.buf.len(),
        }
    }

    /// Adds bytes of an LF-framed frame (no terminator among them).
    fn append_lf(&mut self, seg: &[u8]) {
        let State::Lf { len, last_cr } = &mut self.state else {
            unreachable!("append_lf outside an LF-framed frame");
        };
        if let Some(&last) = seg.last() {
            *len += seg.len() as u64;
            *last_cr = last == b'\r';
            append_capped(&mut self.buf, self.max, seg);
        }
    }

    /// Ends the current LF-framed frame (at its terminator or at end of stream).
    fn end_lf_frame(&mut self, out: &mut Vec<Frame>) {
        let State::Lf { len, last_cr } = self.state else {
            unreachable!("end_lf_frame outside an LF-framed frame");
        };
        self.end_frame(len, len - u64::from(last_cr), false, out);
    }

    /// Ends a complete frame of `raw_len` bytes whose message is its first `msg_len` bytes
    /// (the rest is a dropped CR or trailing LF); `buf` holds its first `max` bytes.
    fn end_frame(&mut self, raw_len: u64, msg_len: u64, octet_counted: bool, out: &mut Vec<Frame>) {
        debug_assert!(msg_len <= raw_len && raw_len - msg_len <= 1);
        self.state = State::Start;
        if msg_len == 0 {
            self.stats.empty_frames += 1;
            self.buf.clear();
            return;
        }
        let truncated_from = if msg_len > self.max as u64 {
            self.stats.truncated += 1;
            self.stats.skipped_bytes += msg_len - self.max as u64;
            Some(to_usize(msg_len))
        } else {
            // `buf` holds all `raw_len` bytes, or exactly the `max` = `msg_len` message bytes.
            self.buf.truncate(msg_len as usize);
            None
        };
        self.stats.frames += 1;
        out.push(Frame {
            bytes: std::mem::take(&mut self.buf),
            truncated_from,
            incomplete: false,
            octet_counted,
        });
    }
}

/// Appends to `buf` what fits below `max` bytes, growing its capacity by doubling but never
/// past `max`, so a frame's buffer stays bounded by `max` however it arrives.
fn append_capped(buf: &mut Vec<u8>, max: usize, seg: &[u8]) {
    let room = max - buf.len();
    let seg = &seg[..seg.len().min(room)];
    if seg.is_empty() {
        return;
    }
    let needed = buf.len() + seg.len();
    if needed > buf.capacity() {
        let target = needed.max(buf.capacity().saturating_mul(2)).min(max);
        buf.reserve_exact(target - buf.len());
    }
    buf.extend_from_slice(seg);
}

/// Position of the first LF or NUL in `hay` (SIMD through `memchr`: this scans every byte
/// a connection sends).
#[inline]
fn find_terminator(hay: &[u8]) -> Option<usize> {
    memchr::memchr2(b'\n', 0, hay)
}

/// The value of 1 to 10 ASCII digits (at most 9 999 999 999, so it fits a `u64`).
fn parse_len(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'))
}

/// A length for [`Frame::truncated_from`]; saturates where `usize` is narrower than 64 bits.
fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames and stats of `input` fed in one piece, then `finish`.
    fn run(max: usize, input: &[u8]) -> (Vec<Frame>, FramingStats) {
        let mut framer = Framer::new(max);
        let mut out = Vec::new();
        framer.push(input, &mut out);
        framer.finish(&mut out);
        (out, framer.stats())
    }

    /// Like `run`, but also checks that byte-at-a-time feeding gives the same result.
    fn frames(input: &[u8]) -> (Vec<Frame>, FramingStats) {
        frames_max(DEFAULT_MAX_FRAME, input)
    }

    fn frames_max(max: usize, input: &[u8]) -> (Vec<Frame>, FramingStats) {
        let whole = run(max, input);
        let mut framer = Framer::new(max);
        let mut out = Vec::new();
        for b in input {
            framer.push(std::slice::from_ref(b), &mut out);
            assert!(framer.pending_len() <= max.max(1) + MAX_LEN_DIGITS);
        }
        framer.finish(&mut out);
        assert_eq!((out, framer.stats()), whole, "byte-wise feeding differs");
        whole
    }

    fn msg(bytes: &[u8], octet_counted: bool) -> Frame {
        Frame {
            bytes: bytes.to_vec(),
            truncated_from: None,
            incomplete: false,
            octet_counted,
        }
    }

    fn stats(frames: u64, truncated: u64, skipped_bytes: u64, empty_frames: u64) -> FramingStats {
        FramingStats {
            frames,
            truncated,
            skipped_bytes,
            empty_frames,
        }
    }

    #[test]
    fn octet_counted_frame() {
        let (out, st) = frames(b"11 <13>1 hello");
        assert_eq!(out, vec![msg(b"<13>1 hello", true)]);
        assert_eq!(st, stats(1, 0, 0, 0));
    }

    #[test]
    fn octet_counted_frames_back_to_back_keep_inner_bytes() {
        let (out, _) = frames(b"5 a\nb\0c3 x y3  \r\n");
        assert_eq!(
            out,
            vec![msg(b"a\nb\0c", true), msg(b"x y", true), msg(b" \r", true)]
        );
    }

    #[test]
    fn octet_count_of_ten_digits_is_accepted() {
        let mut framer = Framer::new(16);
        let mut out = Vec::new();
        framer.push(b"9999999999 abc", &mut out);
        assert!(out.is_empty());
        assert_eq!(framer.pending_len(), 3);
        framer.finish(&mut out);
        assert_eq!(
            out,
            vec![Frame {
                bytes: b"abc".to_vec(),
                truncated_from: Some(9_999_999_999),
                incomplete: true,
                octet_counted: true,
            }]
        );
    }

    #[test]
    fn lf_framed_with_crlf() {
        let (out, st) = frames(b"<13>hi\r\n");
        assert_eq!(out, vec![msg(b"<13>hi", false)]);
        assert_eq!(st, stats(1, 0, 0, 0));
    }

    #[test]
    fn only_one_cr_is_dropped() {
        let (out, _) = frames(b"a\r\r\nb\rc\n");
        assert_eq!(out, vec![msg(b"a\r", false), msg(b"b\rc", false)]);
    }

    #[test]
    fn nul_terminates_like_lf() {
        let (out, st) = frames(b"a\0b\0");
        assert_eq!(out, vec![msg(b"a", false), msg(b"b", false)]);
        assert_eq!(st, stats(2, 0, 0, 0));
        let (out, _) = frames(b"x\r\0");
        assert_eq!(out, vec![msg(b"x", false)]);
    }

    #[test]
    fn rsyslog_trailing_lf_inside_octet_frame_is_stripped() {
        let input = b"24 <13>1 - - - - - - hello\n";
        assert_eq!(input.len(), 3 + 24);
        let (out, st) = frames(input);
        assert_eq!(out, vec![msg(b"<13>1 - - - - - - hello", true)]);
        assert_eq!(st, stats(1, 0, 0, 0));
    }

    #[test]
    fn only_the_last_lf_of_an_octet_frame_is_stripped() {
        let (out, _) = frames(b"4 a\n\n\n3 b\r\n");
        assert_eq!(out, vec![msg(b"a\n\n", true), msg(b"b\r", true)]);
    }

    #[test]
    fn empty_frames_are_counted_not_emitted() {
        let (out, st) = frames(b"\n\r\n\0\n1 \nx\n\r");
        assert_eq!(out, vec![msg(b"x", false)]);
        assert_eq!(st, stats(1, 0, 0, 6));
    }

    #[test]
    fn lf_after_an_octet_frame_is_an_empty_frame() {
        let (out, st) = frames(b"2 ab\n3 cde\r\n");
        assert_eq!(out, vec![msg(b"ab", true), msg(b"cde", true)]);
        assert_eq!(st, stats(2, 0, 0, 2));
    }

    #[test]
    fn mixed_framings_on_one_stream() {
        let (out, st) = frames(b"11 <13>1 hello<14>plain\n3 abc<15>crlf\r\n5 four\n0 zero\0");
        assert_eq!(
            out,
            vec![
                msg(b"<13>1 hello", true),
                msg(b"<14>plain", false),
                msg(b"abc", true),
                msg(b"<15>crlf", false),
                msg(b"four", true),
                msg(b"0 zero", false),
            ]
        );
        assert_eq!(st, stats(6, 0, 0, 0));
    }

    #[test]
    fn eleven_digit_prefix_is_lf_framing() {
        let (out, _) = frames(b"12345678901 hello\n");
        assert_eq!(out, vec![msg(b"12345678901 hello", false)]);
        let (out, _) = frames(b"12345678901234 hello\n");
        assert_eq!(out, vec![msg(b"12345678901234 hello", false)]);
    }

    #[test]
    fn zero_prefix_is_lf_framing() {
        let (out, _) = frames(b"0 hello\n");
        assert_eq!(out, vec![msg(b"0 hello", false)]);
        let (out, _) = frames(b"05 hello\n");
        assert_eq!(out, vec![msg(b"05 hello", false)]);
    }

    #[test]
    fn digits_not_followed_by_space_are_lf_framing() {
        let (out, st) = frames(b"123abc\n42\n7\r\n99\t9\n");
        assert_eq!(
            out,
            vec![
                msg(b"123abc", false),
                msg(b"42", false),
                msg(b"7", false),
                msg(b"99\t9", false),
            ]
        );
        assert_eq!(st, stats(4, 0, 0, 0));
    }

    #[test]
    fn leading_space_is_lf_framing() {
        let (out, _) = frames(b" 5 abcde\n");
        assert_eq!(out, vec![msg(b" 5 abcde", false)]);
    }

    #[test]
    fn oversize_octet_frame_is_truncated_and_rest_skipped() {
        let (out, st) = frames_max(4, b"10 01234567892 ok");
        assert_eq!(
            out,
            vec![
                Frame {
                    bytes: b"0123".to_vec(),
                    truncated_from: Some(10),
                    incomplete: false,
                    octet_counted: true,
                },
                msg(b"ok", true),
            ]
        );
        assert_eq!(st, stats(2, 1, 6, 0));
    }

    #[test]
    fn oversize_lf_frame_is_truncated_up_to_next_lf() {
        let (out, st) = frames_max(4, b"abcdefgh\r\nxy\n");
        assert_eq!(
            out,
            vec![
                Frame {
                    bytes: b"abcd".to_vec(),
                    truncated_from: Some(8),
                    incomplete: false,
                    octet_counted: false,
                },
                msg(b"xy", false),
            ]
        );
        assert_eq!(st, stats(2, 1, 4, 0));
    }

    #[test]
    fn dropped_framing_byte_does_not_make_a_frame_oversize() {
        // max + CR, max + trailing LF: exactly max message bytes, not truncated.
        let (out, st) = frames_max(4, b"abcd\r\n5 wxyz\n");
        assert_eq!(out, vec![msg(b"abcd", false), msg(b"wxyz", true)]);
        assert_eq!(st, stats(2, 0, 0, 0));
        // One more byte and both are truncated by one.
        let (out, st) = frames_max(4, b"abcde\r\n6 vwxyz\n");
        assert_eq!(out[0].truncated_from, Some(5));
        assert_eq!(out[1].truncated_from, Some(5));
        assert_eq!(out[1].bytes, b"vwxy");
        assert_eq!(st, stats(2, 2, 2, 0));
    }

    #[test]
    fn octet_frame_with_huge_declared_length_is_skipped_in_bounded_memory() {
        let mut framer = Framer::new(8);
        let mut out = Vec::new();
        framer.push(b"100000 ", &mut out);
        let chunk = [b'x'; 1000];
        for _ in 0..100 {
            framer.push(&chunk, &mut out);
            assert!(framer.pending_len() <= 8);
            assert!(framer.buf.capacity() <= 8);
        }
        framer.push(b"<1>next\n", &mut out);
        framer.finish(&mut out);
        assert_eq!(
            out,
            vec![
                Frame {
                    bytes: b"xxxxxxxx".to_vec(),
                    truncated_from: Some(100_000),
                    incomplete: false,
                    octet_counted: true,
                },
                msg(b"<1>next", false),
            ]
        );
        assert_eq!(framer.stats(), stats(2, 1, 100_000 - 8, 0));
    }

    #[test]
    fn endless_junk_without_terminator_stays_bounded() {
        let mut framer = Framer::new(16);
        let mut out = Vec::new();
        let junk: Vec<u8> = (0..4096u32).map(|i| b'a' + (i % 26) as u8).collect();
        for _ in 0..64 {
            framer.push(&junk, &mut out);
            assert!(framer.pending_len() <= 16);
            assert!(framer.buf.capacity() <= 16);
        }
        assert!(out.is_empty());
        framer.finish(&mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].bytes, &junk[..16]);
        assert_eq!(out[0].truncated_from, Some(64 * 4096));
        assert_eq!(framer.stats(), stats(1, 1, 64 * 4096 - 16, 0));
    }

    #[test]
    fn eof_flushes_unterminated_lf_message() {
        let (out, st) = frames(b"<13>first\n<13>last words");
        assert_eq!(
            out,
            vec![msg(b"<13>first", false), msg(b"<13>last words", false)]
        );
        assert_eq!(st, stats(2, 0, 0, 0));
        let (out, _) = frames(b"<13>cr at eof\r");
        assert_eq!(out, vec![msg(b"<13>cr at eof", false)]);
        let (out, st) = frames(b"\r");
        assert!(out.is_empty());
        assert_eq!(st, stats(0, 0, 0, 1));
    }

    #[test]
    fn eof_flushes_pending_digits_as_lf_message() {
        let (out, _) = frames(b"12");
        assert_eq!(out, vec![msg(b"12", false)]);
        let (out, _) = frames(b"1234567890");
        assert_eq!(out, vec![msg(b"1234567890", false)]);
    }

    #[test]
    fn eof_flushes_short_octet_frame_as_incomplete() {
        let (out, st) = frames(b"3 ab920 <13>1 hel");
        assert_eq!(
            out,
            vec![
                msg(b"ab9", true),
                Frame {
                    bytes: b"<13>1 hel".to_vec(),
                    truncated_from: Some(20),
                    incomplete: true,
                    octet_counted: true,
                },
            ]
        );
        assert_eq!(st, stats(2, 0, 0, 0));
    }

    #[test]
    fn eof_right_after_octet_prefix_is_an_incomplete_empty_frame() {
        let (out, st) = frames(b"11 ");
        assert_eq!(
            out,
            vec![Frame {
                bytes: Vec::new(),
                truncated_from: Some(11),
                incomplete: true,
                octet_counted: true,
            }]
        );
        assert_eq!(st, stats(1, 0, 0, 0));
    }

    #[test]
    fn eof_in_oversize_octet_frame_counts_truncation() {
        let (out, st) = frames_max(4, b"10 abcdef");
        assert_eq!(
            out,
            vec![Frame {
                bytes: b"abcd".to_vec(),
                truncated_from: Some(10),
                incomplete: true,
                octet_counted: true,
            }]
        );
        assert_eq!(st, stats(1, 1, 2, 0));
    }

    #[test]
    fn incomplete_octet_frame_keeps_its_last_lf() {
        let (out, _) = frames(b"5 ab\n");
        assert_eq!(out[0].bytes, b"ab\n");
        assert!(out[0].incomplete);
    }

    #[test]
    fn finish_resets_for_a_new_stream() {
        let mut framer = Framer::new(64);
        let mut out = Vec::new();
        framer.push(b"30 partial", &mut out);
        framer.finish(&mut out);
        assert_eq!(framer.pending_len(), 0);
        framer.push(b"<13>again\n", &mut out);
        framer.finish(&mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1], msg(b"<13>again", false));
        framer.finish(&mut out);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn zero_max_frame_is_taken_as_one() {
        let framer = Framer::new(0);
        assert_eq!(framer.max_frame(), 1);
        let (out, st) = frames_max(0, b"ab\n");
        assert_eq!(out[0].bytes, b"a");
        assert_eq!(out[0].truncated_from, Some(2));
        assert_eq!(st, stats(1, 1, 1, 0));
    }

    #[test]
    fn default_uses_64_kib() {
        assert_eq!(DEFAULT_MAX_FRAME, 65536);
        assert_eq!(Framer::default().max_frame(), DEFAULT_MAX_FRAME);
        let big = vec![b'a'; DEFAULT_MAX_FRAME];
        let mut input = big.clone();
        input.extend_from_slice(b"\n");
        let (out, st) = run(DEFAULT_MAX_FRAME, &input);
        assert_eq!(out, vec![msg(&big, false)]);
        assert_eq!(st, stats(1, 0, 0, 0));
    }

    #[test]
    fn empty_push_is_a_no_op() {
        let mut framer = Framer::default();
        let mut out = Vec::new();
        framer.push(b"", &mut out);
        framer.push(b"1", &mut out);
        framer.push(b"", &mut out);
        framer.push(b" x", &mut out);
        assert_eq!(out, vec![msg(b"x", true)]);
    }
}
