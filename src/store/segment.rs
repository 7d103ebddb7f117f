//! Segments on disk: reading lines from the active file or a gzipped archive, finding the
//! last whole entry from the end of a file, and moving a torn tail aside.
//!
//! A *torn tail* is what a crash can leave: bytes after the last `\n`. It is never part of the
//! chain and never discarded: recovery copies it into `quarantine/` and fsyncs that copy
//! before cutting the active file back to its last whole line.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::os::unix::fs::FileExt;
use std::path::Path;

use chrono::Utc;
use flate2::read::MultiGzDecoder;

use super::{fsio, Layout, StoreError};

/// What the end of a file looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// File length.
    pub len: u64,
    /// Length up to and including the last `\n` (0 when there is none).
    pub whole_len: u64,
    /// The last whole line, without its `\n`.
    pub last_line: Option<Vec<u8>>,
}

impl Tail {
    pub fn is_torn(&self) -> bool {
        self.len > self.whole_len
    }
}

/// Reads the end of `file` backwards, in blocks, until it has the last whole line.
pub fn scan_tail(file: &File) -> io::Result<Tail> {
    const BLOCK: u64 = 64 * 1024;
    let len = file.metadata()?.len();
    let mut buf: Vec<u8> = Vec::new(); // bytes [pos, end) of the file, read so far
    let mut pos = len;
    let mut whole_len: Option<u64> = None;
    loop {
        // Look for newlines in what we have, from the end.
        if let Some(wl) = whole_len {
            let upto = (wl - 1 - pos) as usize; // index of the last newline in buf
            if let Some(i) = buf[..upto].iter().rposition(|&b| b == b'\n') {
                return Ok(Tail {
                    len,
                    whole_len: wl,
                    last_line: Some(buf[i + 1..upto].to_vec()),
                });
            }
        } else if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            whole_len = Some(pos + i as u64 + 1);
            continue;
        }
        if pos == 0 {
            return Ok(match whole_len {
                None => Tail {
                    len,
                    whole_len: 0,
                    last_line: None,
                },
                Some(wl) => Tail {
                    len,
                    whole_len: wl,
                    last_line: Some(buf[..(wl - 1) as usize].to_vec()),
                },
            });
        }
        let start = pos.saturating_sub(BLOCK);
        let mut block = vec![0u8; (pos - start) as usize];
        file.read_exact_at(&mut block, start)?;
        block.extend_from_slice(&buf);
        buf = block;
        pos = start;
    }
}

/// Moves the torn tail of `path` (if any) into `quarantine/`, then cuts the file back to its
/// last whole line. Returns the quarantine file's path relative to the store, if it made one.
/// Call with the store lock held.
pub fn recover_torn_tail(
    layout: &Layout,
    path: &Path,
    file: &File,
    tail: &Tail,
) -> Result<Option<String>, StoreError> {
    if !tail.is_torn() {
        return Ok(None);
    }
    let mut torn = vec![0u8; (tail.len - tail.whole_len) as usize];
    file.read_exact_at(&mut torn, tail.whole_len)
        .map_err(StoreError::io("read torn tail of", path))?;
    let qdir = layout.quarantine_dir();
    fsio::create_dir_all(&qdir)?;
    let stem = path
        .file_name()
        .map(|n| n.to_string_lossy().replace('.', "_"))
        .unwrap_or_default();
    let stamp = Utc::now().format("%Y%m%d_%H%M%S");
    let mut n = 0u32;
    let (qpath, mut qfile) = loop {
        let name = format!("torn_{stem}_{stamp}_{n}.bin");
        let candidate = qdir.join(&name);
        match fsio::create_new(&candidate) {
            Ok(f) => break (candidate, f),
            Err(StoreError::Io { source, .. }) if source.kind() == io::ErrorKind::AlreadyExists => {
                n += 1
            }
            Err(e) => return Err(e),
        }
    };
    use std::io::Write;
    qfile
        .write_all(&torn)
        .map_err(StoreError::io("write", &qpath))?;
    fsio::sync(&qfile, &qpath)?;
    fsio::sync_dir(&qdir)?;
    file.set_len(tail.whole_len)
        .map_err(StoreError::io("truncate torn tail of", path))?;
    fsio::sync(file, path)?;
    tracing::warn!(file = %path.display(), bytes = torn.len(), quarantine = %qpath.display(), "moved a torn last line aside");
    Ok(Some(layout.relative(&qpath)))
}

/// One line of a segment.
#[derive(Debug)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// The line without its `\n`.
    pub bytes: &'a [u8],
    /// False for a last line without `\n` (a torn tail not yet moved aside).
    pub terminated: bool,
}

/// Streams the lines of a plain or gzipped segment with one reused buffer: constant memory
/// for any file size (a line is as long as the longest entry).
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    number: u64,
}

impl LineReader {
    /// Opens `path`; a name ending in `.gz` is decompressed on the fly.
    pub fn open(path: &Path) -> io::Result<LineReader> {
        let file = File::open(path)?;
        Ok(Self::from_file(
            file,
            path.extension().is_some_and(|e| e == "gz"),
        ))
    }

    pub fn from_file(file: File, gzipped: bool) -> LineReader {
        let inner: Box<dyn BufRead + Send> = if gzipped {
            Box::new(BufReader::with_capacity(
                256 * 1024,
                MultiGzDecoder::new(BufReader::with_capacity(64 * 1024, file)),
            ))
        } else {
            Box::new(BufReader::with_capacity(256 * 1024, file))
        };
        LineReader {
            inner,
            buf: Vec::with_capacity(4096),
            number: 0,
        }
    }

    /// The next line, or `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let n = self.inner.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.number += 1;
        let terminated = self.buf.last() == Some(&b'\n');
        let end = if terminated {
            self.buf.len() - 1
        } else {
            self.buf.len()
        };
        Ok(Some(Line {
            number: self.number,
            bytes: &self.buf[..end],
            terminated,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tail_of(content: &[u8]) -> Tail {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(content).unwrap();
        scan_tail(&f).unwrap()
    }

    #[test]
    fn tail_of_empty_file() {
        assert_eq!(
            tail_of(b""),
            Tail {
                len: 0,
                whole_len: 0,
                last_line: None
            }
        );
    }

    #[test]
    fn tail_finds_last_whole_line() {
        let t = tail_of(b"a\nbb\n");
        assert_eq!(
            (t.len, t.whole_len, t.last_line.as_deref()),
            (5, 5, Some(&b"bb"[..]))
        );
        let t = tail_of(b"only\n");
        assert_eq!(t.last_line.as_deref(), Some(&b"only"[..]));
    }

    #[test]
    fn tail_sees_torn_line() {
        let t = tail_of(b"a\nbb\ncc");
        assert!(t.is_torn());
        assert_eq!((t.whole_len, t.last_line.as_deref()), (5, Some(&b"bb"[..])));
        let t = tail_of(b"no newline at all");
        assert_eq!((t.whole_len, t.last_line), (0, None));
    }

    #[test]
    fn tail_spans_blocks() {
        let long = vec![b'x'; 200_000];
        let mut content = b"first\n".to_vec();
        content.extend_from_slice(&long);
        content.push(b'\n');
        content.extend_from_slice(&long[..100_000]);
        let t = tail_of(&content);
        assert_eq!(t.whole_len, 200_007);
        assert_eq!(t.last_line.as_ref().map(Vec::len), Some(200_000));
    }
}
