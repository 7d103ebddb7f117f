//! `ingest::framing` properties: chunk boundaries never change the result, streams built
//! from known messages frame back into exactly those messages (octet counting, LF framing
//! and both mixed, with truncation at small maxima), arbitrary bytes never panic and keep
//! the buffer bounded, and everything agrees with a one-shot reference model of the
//! RFC 6587 rules written independently of the state machine.

use hipaa_audit::ingest::framing::{Frame, Framer, FramingStats};
use proptest::prelude::*;
use proptest::sample::Index;

/// Slack over `max_frame` that `pending_len` may show (a length prefix being read).
const PENDING_SLACK: usize = 16;

/// Feeds `chunks` one after the other, checking the pending bound after each, then finishes.
fn feed<'a>(max: usize, chunks: impl IntoIterator<Item = &'a [u8]>) -> (Vec<Frame>, FramingStats) {
    let mut framer = Framer::new(max);
    let mut out = Vec::new();
    for chunk in chunks {
        framer.push(chunk, &mut out);
        assert!(
            framer.pending_len() <= max.max(1) + PENDING_SLACK,
            "pending {} over max {max}",
            framer.pending_len()
        );
    }
    framer.finish(&mut out);
    assert_eq!(framer.pending_len(), 0);
    assert_eq!(framer.stats().frames, out.len() as u64);
    (out, framer.stats())
}

fn whole(max: usize, stream: &[u8]) -> (Vec<Frame>, FramingStats) {
    feed(max, [stream])
}

/// `stream` cut at `cuts` (positions taken modulo its length + 1, in any order).
fn split_at<'a>(stream: &'a [u8], cuts: &[Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
    at.push(0);
    at.push(stream.len());
    at.sort_unstable();
    // Equal cuts are kept on purpose: they make empty pushes.
    at.windows(2).map(|w| &stream[w[0]..w[1]]).collect()
}

// ---- the reference model -------------------------------------------------------------

/// The framing rules applied to a complete stream at once, by index arithmetic, with no
/// state carried between calls. Deliberately written without looking at the state machine.
fn model(max: usize, input: &[u8]) -> (Vec<Frame>, FramingStats) {
    let max = max.max(1);
    let mut frames = Vec::new();
    let mut stats = FramingStats::default();
    let mut i = 0;
    while i < input.len() {
        let rest = &input[i..];
        if let Some((declared, prefix_len)) = octet_prefix(rest) {
            let body = &rest[prefix_len..];
            if (body.len() as u64) >= declared {
                let body = &body[..declared as usize];
                let msg = body.strip_suffix(b"\n").unwrap_or(body);
                model_emit(max, msg, true, &mut frames, &mut stats);
                i += prefix_len + declared as usize;
            } else {
                // The stream ends inside the frame: what arrived, marked incomplete.
                stats.frames += 1;
                if body.len() > max {
                    stats.truncated += 1;
                    stats.skipped_bytes += (body.len() - max) as u64;
                }
                frames.push(Frame {
                    bytes: body[..body.len().min(max)].to_vec(),
                    truncated_from: Some(declared as usize),
                    incomplete: true,
                    octet_counted: true,
                });
                i = input.len();
            }
        } else {
            let (line, used) = match rest.iter().position(|&b| b == b'\n' || b == 0) {
                Some(p) => (&rest[..p], p + 1),
                None => (rest, rest.len()),
            };
            let msg = line.strip_suffix(b"\r").unwrap_or(line);
            model_emit(max, msg, false, &mut frames, &mut stats);
            i += used;
        }
    }
    (frames, stats)
}

/// The model's frame for a complete message: nothing if empty, cut at `max` if longer.
fn model_emit(
    max: usize,
    msg: &[u8],
    octet_counted: bool,
    frames: &mut Vec<Frame>,
    stats: &mut FramingStats,
) {
    if msg.is_empty() {
        stats.empty_frames += 1;
        return;
    }
    stats.frames += 1;
    let truncated_from = (msg.len() > max).then(|| {
        stats.truncated += 1;
        stats.skipped_bytes += (msg.len() - max) as u64;
        msg.len()
    });
    frames.push(Frame {
        bytes: msg[..msg.len().min(max)].to_vec(),
        truncated_from,
        incomplete: false,
        octet_counted,
    });
}

/// `Some((MSG-LEN, length of "MSG-LEN SP"))` when `rest` starts an octet-counted frame.
fn octet_prefix(rest: &[u8]) -> Option<(u64, usize)> {
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let ok = (1..=10).contains(&digits) && rest[0] != b'0' && rest.get(digits) == Some(&b' ');
    ok.then(|| {
        let text = std::str::from_utf8(&rest[..digits]).unwrap();
        (text.parse().unwrap(), digits + 1)
    })
}

// ---- generators ------------------------------------------------------------------------

/// Bytes that exercise the framer: framing bytes, digits, spaces and high bytes often.
/// (One random byte mapped through a table: proptest's RNG dominates debug-build run time.)
fn any_byte() -> impl Strategy<Value = u8> {
    any::<u8>().prop_map(|b| match b >> 4 {
        0 => b'\n',
        1 => b'\r',
        2 => b' ',
        3 => [0, b'<', b'>', b'-'][usize::from(b & 3)],
        4 | 5 => b'0' + (b & 15) % 10,
        6..=10 => b'a' + (b & 15),
        _ => b, // 0xb0..=0xff
    })
}

fn bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any_byte(), 0..max_len)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Lf,
    CrLf,
    Nul,
}

impl Term {
    fn bytes(self) -> &'static [u8] {
        match self {
            Term::Lf => b"\n",
            Term::CrLf => b"\r\n",
            Term::Nul => b"\0",
        }
    }
}

fn term() -> impl Strategy<Value = Term> {
    prop_oneof![3 => Just(Term::Lf), 2 => Just(Term::CrLf), 1 => Just(Term::Nul)]
}

/// A piece of a stream.
#[derive(Debug, Clone)]
enum Piece {
    /// `MSG-LEN SP msg`, with rsyslog's extra LF counted in when `rsyslog_lf`.
    Octet { msg: Vec<u8>, rsyslog_lf: bool },
    /// `msg` and a terminator.
    Lf { msg: Vec<u8>, term: Term },
    /// A frame with an empty message: `\n`, `\r\n`, `\0`, or `1 \n`.
    Blank(&'static [u8]),
    /// Anything at all.
    Junk(Vec<u8>),
}

impl Piece {
    fn encode(&self, stream: &mut Vec<u8>) {
        match self {
            Piece::Octet { msg, rsyslog_lf } => {
                let len = msg.len() + usize::from(*rsyslog_lf);
                stream.extend_from_slice(format!("{len} ").as_bytes());
                stream.extend_from_slice(msg);
                if *rsyslog_lf {
                    stream.push(b'\n');
                }
            }
            Piece::Lf { msg, term } => {
                stream.extend_from_slice(msg);
                stream.extend_from_slice(term.bytes());
            }
            Piece::Blank(b) => stream.extend_from_slice(b),
            Piece::Junk(b) => stream.extend_from_slice(b),
        }
    }
}

fn blank() -> impl Strategy<Value = Piece> {
    prop_oneof![
        Just(Piece::Blank(b"\n")),
        Just(Piece::Blank(b"\r\n")),
        Just(Piece::Blank(b"\0")),
        Just(Piece::Blank(b"1 \n")),
    ]
}

/// Pieces with unconstrained contents (an octet-counted frame may well be 0 bytes, an LF
/// message may contain LFs or look like a length prefix): for properties that compare
/// feeding strategies or check against the model, not for round trips.
fn raw_piece(msg_len: usize) -> impl Strategy<Value = Piece> {
    prop_oneof![
        4 => (bytes(msg_len), any::<bool>())
            .prop_map(|(msg, rsyslog_lf)| Piece::Octet { msg, rsyslog_lf }),
        4 => (bytes(msg_len), term()).prop_map(|(msg, term)| Piece::Lf { msg, term }),
        2 => (digit_led(msg_len), term()).prop_map(|(msg, term)| Piece::Lf { msg, term }),
        1 => blank(),
        1 => bytes(msg_len).prop_map(Piece::Junk),
    ]
}

/// A message that starts with 1 to 14 digits and a space: a length prefix only when the
/// digits are at most ten and do not start with `0`.
fn digit_led(msg_len: usize) -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(b'0'..=b'9', 1..15), bytes(msg_len)).prop_map(|(mut d, rest)| {
        d.push(b' ');
        d.extend_from_slice(&rest);
        d
    })
}

fn encode(pieces: &[Piece]) -> Vec<u8> {
    let mut stream = Vec::new();
    for p in pieces {
        p.encode(&mut stream);
    }
    stream
}

/// A stream: framed pieces (some over the maximum), or plain junk.
fn stream(msg_len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(raw_piece(msg_len), 0..24).prop_map(|p| encode(&p)),
        1 => prop::collection::vec(any::<u8>(), 0..2048),
        1 => prop::collection::vec(
            prop_oneof![b'0'..=b'9', Just(b' '), Just(b'\n'), Just(b'\r'), Just(0u8)],
            0..512
        ),
    ]
}

/// Which framings a round-trip stream uses.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Octet,
    Lf,
    Mixed,
}

/// A non-empty message that frames back into itself as `piece`: LF messages get no LF or
/// NUL, no trailing CR unless a CRLF follows, and no start that reads as a length prefix;
/// octet-counted messages do not end in LF unless rsyslog's LF follows.
fn round_trip_piece(mode: Mode, msg_len: usize) -> impl Strategy<Value = Piece> {
    let octet = match mode {
        Mode::Octet => true,
        Mode::Lf => false,
        Mode::Mixed => {
            return any::<bool>()
                .prop_flat_map(move |o| {
                    round_trip_piece(if o { Mode::Octet } else { Mode::Lf }, msg_len)
                })
                .boxed()
        }
    };
    let msg = prop_oneof![
        3 => prop::collection::vec(any_byte(), 1..msg_len),
        1 => digit_led(msg_len),
    ];
    (msg, any::<bool>(), term())
        .prop_map(move |(mut msg, rsyslog_lf, term)| {
            if octet {
                if !rsyslog_lf && msg.last() == Some(&b'\n') {
                    msg.push(b'.');
                }
                Piece::Octet { msg, rsyslog_lf }
            } else {
                for b in &mut msg {
                    if *b == b'\n' || *b == 0 {
                        *b = b'_';
                    }
                }
                if octet_prefix(&msg).is_some() {
                    msg.insert(0, b'<');
                }
                if term != Term::CrLf && msg.last() == Some(&b'\r') {
                    msg.push(b'.');
                }
                Piece::Lf { msg, term }
            }
        })
        .boxed()
}

fn round_trip_stream(mode: Mode, msg_len: usize) -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec(
        prop_oneof![6 => round_trip_piece(mode, msg_len), 1 => blank()],
        0..24,
    )
}

// ---- properties ------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any split into chunks, and byte-at-a-time feeding, give exactly the frames and stats
    /// of feeding the stream in one piece.
    #[test]
    fn chunk_boundaries_do_not_matter(
        max in prop_oneof![1usize..48, Just(256usize), Just(65536usize)],
        stream in stream(160),
        cuts in prop::collection::vec(any::<Index>(), 0..32),
    ) {
        let one = whole(max, &stream);
        let chunked = feed(max, split_at(&stream, &cuts));
        prop_assert_eq!(&chunked, &one);
        let bytewise = feed(max, stream.chunks(1));
        prop_assert_eq!(&bytewise, &one);
    }

    /// Frames and stats agree with the reference model, whatever the bytes.
    #[test]
    fn agrees_with_reference_model(
        max in prop_oneof![1usize..48, Just(256usize)],
        stream in stream(160),
    ) {
        prop_assert_eq!(whole(max, &stream), model(max, &stream));
    }

    /// Streams of known messages frame back into those messages; messages over the maximum
    /// come back as their first `max` bytes with their length, and blank lines only count.
    #[test]
    fn mixed_messages_round_trip(
        max in prop_oneof![1usize..64, Just(65536usize)],
        pieces in round_trip_stream(Mode::Mixed, 96),
        cuts in prop::collection::vec(any::<Index>(), 0..16),
    ) {
        check_round_trip(max, &pieces, &cuts)?;
    }

    #[test]
    fn octet_counted_messages_round_trip(
        max in prop_oneof![1usize..64, Just(65536usize)],
        pieces in round_trip_stream(Mode::Octet, 96),
        cuts in prop::collection::vec(any::<Index>(), 0..16),
    ) {
        check_round_trip(max, &pieces, &cuts)?;
    }

    #[test]
    fn lf_framed_messages_round_trip(
        max in prop_oneof![1usize..64, Just(65536usize)],
        pieces in round_trip_stream(Mode::Lf, 96),
        cuts in prop::collection::vec(any::<Index>(), 0..16),
    ) {
        check_round_trip(max, &pieces, &cuts)?;
    }

    /// Arbitrary bytes in arbitrary chunks never panic, and the buffer stays bounded
    /// (checked after every push inside `feed`).
    #[test]
    fn random_bytes_never_panic_and_stay_bounded(
        max in 1usize..300,
        data in prop::collection::vec(any::<u8>(), 0..4096),
        cuts in prop::collection::vec(any::<Index>(), 0..64),
    ) {
        let (frames, stats) = feed(max, split_at(&data, &cuts));
        for f in &frames {
            prop_assert!(f.bytes.len() <= max);
            prop_assert!(f.truncated_from.is_none_or(|n| n > f.bytes.len()));
        }
        prop_assert!(stats.truncated <= stats.frames);
    }
}

fn check_round_trip(max: usize, pieces: &[Piece], cuts: &[Index]) -> Result<(), TestCaseError> {
    let stream = encode(pieces);
    let mut expected = Vec::new();
    let mut stats = FramingStats::default();
    for p in pieces {
        let (msg, octet_counted) = match p {
            Piece::Octet { msg, .. } => (msg, true),
            Piece::Lf { msg, .. } => (msg, false),
            Piece::Blank(_) => {
                stats.empty_frames += 1;
                continue;
            }
            Piece::Junk(_) => unreachable!("no junk in round-trip streams"),
        };
        stats.frames += 1;
        let truncated_from = (msg.len() > max).then(|| {
            stats.truncated += 1;
            stats.skipped_bytes += (msg.len() - max) as u64;
            msg.len()
        });
        expected.push(Frame {
            bytes: msg[..msg.len().min(max)].to_vec(),
            truncated_from,
            incomplete: false,
            octet_counted,
        });
    }
    let got = feed(max, split_at(&stream, cuts));
    prop_assert_eq!(got, (expected, stats));
    Ok(())
}

// ---- a few fixed streams through the same helpers --------------------------------------

#[test]
fn model_and_framer_agree_on_fixed_streams() {
    let streams: [&[u8]; 8] = [
        b"11 <13>1 hello<14>plain\r\n\n3 abc",
        b"12345678901234 hello\n",
        b"0 zero\n1 \n\r\n\0",
        b"9999999999 short",
        b"123",
        b"24 <13>1 - - - - - - hello\n",
        b"\r",
        b"",
    ];
    for s in streams {
        for max in [1, 4, 16, 65536] {
            assert_eq!(whole(max, s), model(max, s), "max {max}, stream {s:?}");
        }
    }
}

#[test]
fn mixed_stream_round_trips_in_every_two_way_split() {
    let pieces = vec![
        Piece::Octet {
            msg: b"<13>1 - - - - - - hello".to_vec(),
            rsyslog_lf: true,
        },
        Piece::Lf {
            msg: b"<14>plain text".to_vec(),
            term: Term::CrLf,
        },
        Piece::Blank(b"\n"),
        Piece::Octet {
            msg: b"a\nb\0c\r".to_vec(),
            rsyslog_lf: false,
        },
        Piece::Lf {
            msg: b"12345678901 not a length".to_vec(),
            term: Term::Nul,
        },
    ];
    let stream = encode(&pieces);
    let one = whole(65536, &stream);
    assert_eq!(one.0.len(), 4);
    assert!(matches!(
        one.1,
        FramingStats {
            frames: 4,
            empty_frames: 1,
            ..
        }
    ));
    for at in 0..=stream.len() {
        let (a, b) = stream.split_at(at);
        assert_eq!(feed(65536, [a, b]), one, "split at {at}");
    }
}
