//! Appending to the active segment without the page cache, where the file system allows it.
//!
//! A buffered `write` copies every byte into the page cache, and the fsync then writes it
//! out: on the virtual machines clinics run this on, that copy was 40% of the collector's
//! CPU time, and it halves the durable write bandwidth. With `O_DIRECT` the disk reads the
//! bytes from our buffer instead. `O_DIRECT` needs whole blocks at block-aligned offsets
//! from a block-aligned buffer, and a JSONL file ends wherever its last line ends, so:
//!
//! - the block the file ends in (its partial tail) is read back into the buffer first, then
//!   the new bytes follow it;
//! - every whole block of that is written with `O_DIRECT` (the tail block is rewritten with
//!   the same bytes it held, plus new ones);
//! - what is left, less than a block, is written through the ordinary append descriptor, so
//!   the file's length is always exactly the end of the last whole line and no padding is
//!   ever visible to a reader.
//!
//! The kernel keeps the page cache coherent with direct writes (it writes back and drops the
//! cached pages of the range), so readers such as `verify` see the same bytes either way. A
//! file system that refuses `O_DIRECT` (tmpfs on older kernels, some network file systems)
//! gets buffered writes, decided when the file is opened or at the first refused write;
//! the bytes on disk are the same in both modes.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// Alignment of direct writes: offsets, lengths and the buffer. 4 KiB is a multiple of the
/// logical block size of common disks (512 B or 4 KiB) and of ext4's and xfs's usual block.
pub const BLOCK: usize = 4096;

/// Bytes gathered before a direct write: large enough that the disk sees big requests.
const BUF: usize = 1024 * 1024;

/// Writes a batch of appended bytes in whole blocks with `O_DIRECT`, the rest buffered.
pub struct BlockWriter {
    /// Opened with `O_DIRECT` (and without `O_APPEND`, so offsets hold); `None` when the
    /// file system refused it or direct I/O is turned off: then every byte goes through the
    /// append descriptor.
    direct: Option<File>,
    /// `BUF + BLOCK` bytes, of which `buf[align..align + BUF]` is block-aligned.
    mem: Vec<u8>,
    align: usize,
    /// File offset of the first byte in the buffer (a multiple of `BLOCK`).
    start: u64,
    /// Bytes in the buffer.
    fill: usize,
    /// The file's length: bytes below it are on disk (or in the page cache).
    end: u64,
    /// Tests: the next direct write fails as a file system that refuses O_DIRECT would.
    #[cfg(test)]
    refuse_next: bool,
}

impl BlockWriter {
    /// Opens the direct descriptor for `path` when `enabled` and the file system accepts it.
    pub fn open(path: &Path, enabled: bool) -> BlockWriter {
        let direct = if enabled { open_direct(path) } else { None };
        let mem = vec![0u8; BUF + BLOCK];
        let align = mem.as_ptr().align_offset(BLOCK);
        BlockWriter {
            direct,
            mem,
            align,
            start: 0,
            fill: 0,
            end: 0,
            #[cfg(test)]
            refuse_next: false,
        }
    }

    /// True while writes go to the disk directly.
    pub fn is_direct(&self) -> bool {
        self.direct.is_some()
    }

    /// Starts a batch at the end of `file`, which is `len` bytes long: reads back its
    /// partial tail block, which the first direct write rewrites.
    pub fn begin(&mut self, file: &File, len: u64) -> io::Result<()> {
        self.end = len;
        self.start = len;
        self.fill = 0;
        if self.direct.is_some() {
            let start = len - len % BLOCK as u64;
            let tail = (len - start) as usize;
            let align = self.align;
            file.read_exact_at(&mut self.mem[align..align + tail], start)?;
            self.start = start;
            self.fill = tail;
        }
        Ok(())
    }

    /// Appends `bytes` (whole or part of the batch); large runs reach the disk as they come.
    pub fn write(&mut self, file: &mut File, mut bytes: &[u8]) -> io::Result<()> {
        if self.direct.is_none() {
            file.write_all(bytes)?;
            self.end += bytes.len() as u64;
            return Ok(());
        }
        while !bytes.is_empty() {
            let room = BUF - self.fill;
            let n = room.min(bytes.len());
            let at = self.align + self.fill;
            self.mem[at..at + n].copy_from_slice(&bytes[..n]);
            self.fill += n;
            bytes = &bytes[n..];
            if self.fill == BUF {
                self.write_blocks(file)?;
                if self.direct.is_none() {
                    // Refused just now, and all of the buffer written: the rest follows it.
                    return self.write(file, bytes);
                }
            }
        }
        Ok(())
    }

    /// Ends the batch: the last whole blocks directly, the partial block through `file`.
    pub fn finish(&mut self, file: &mut File) -> io::Result<()> {
        if self.direct.is_none() {
            return Ok(());
        }
        self.write_blocks(file)?;
        if self.direct.is_none() {
            // Refused just now: `write_blocks` wrote everything buffered.
            return Ok(());
        }
        let from = (self.end - self.start) as usize;
        if self.fill > from {
            let a = self.align;
            file.write_all(&self.mem[a + from..a + self.fill])?;
            self.end = self.start + self.fill as u64;
        }
        Ok(())
    }

    /// Writes the whole blocks in the buffer with `O_DIRECT` and keeps the rest.
    fn write_blocks(&mut self, file: &mut File) -> io::Result<()> {
        let whole = self.fill - self.fill % BLOCK;
        if whole == 0 {
            return Ok(());
        }
        let a = self.align;
        let Some(direct) = &self.direct else {
            unreachable!("write_blocks runs only in direct mode")
        };
        #[cfg(test)]
        let refused = std::mem::take(&mut self.refuse_next);
        #[cfg(not(test))]
        let refused = false;
        let written = if refused {
            Err(io::Error::from_raw_os_error(libc::EINVAL))
        } else {
            direct.write_all_at(&self.mem[a..a + whole], self.start)
        };
        match written {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                // The file system (or the device's alignment) does not take these writes:
                // continue buffered from wherever the file ends now.
                tracing::info!(
                    "direct I/O refused by the file system; writing through the page cache"
                );
                self.direct = None;
                let len = file.metadata()?.len();
                let from = (len.max(self.end) - self.start) as usize;
                file.write_all(&self.mem[a + from..a + self.fill])?;
                self.end = self.start + self.fill as u64;
                self.start = self.end;
                self.fill = 0;
                return Ok(());
            }
            Err(e) => return Err(e),
        }
        let start = self.start + whole as u64;
        self.end = self.end.max(start);
        self.mem.copy_within(a + whole..a + self.fill, a);
        self.start = start;
        self.fill -= whole;
        Ok(())
    }
}

fn open_direct(path: &Path) -> Option<File> {
    match OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
    {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::info!(error = %e, "direct I/O not available for the active segment; writing through the page cache");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn append_file(path: &Path) -> File {
        OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .unwrap()
    }

    /// A directory on the build disk, not a tmpfs `/tmp`.
    fn disk_tempdir() -> tempfile::TempDir {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        std::fs::create_dir_all(&target).unwrap();
        tempfile::tempdir_in(target).unwrap()
    }

    /// Appends each batch (a list of writes) and checks the file against the concatenation.
    fn run(direct: bool, start: &[u8], batches: &[Vec<Vec<u8>>]) -> bool {
        let dir = disk_tempdir();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, start).unwrap();
        let mut file = append_file(&path);
        let mut w = BlockWriter::open(&path, direct);
        let used = w.is_direct();
        let mut expect = start.to_vec();
        for batch in batches {
            w.begin(&file, file.metadata().unwrap().len()).unwrap();
            for part in batch {
                w.write(&mut file, part).unwrap();
                expect.extend_from_slice(part);
            }
            w.finish(&mut file).unwrap();
            // Never longer than what was appended: no padding is ever visible.
            assert_eq!(file.metadata().unwrap().len(), expect.len() as u64);
        }
        assert!(std::fs::read(&path).unwrap() == expect, "file differs");
        used
    }

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| seed.wrapping_add(i as u8)).collect()
    }

    #[test]
    fn direct_io_is_used_on_the_build_disk() {
        // If this fails, the disk under target/ does not take O_DIRECT (tmpfs on an old
        // kernel?): the rest of these tests would then only exercise the buffered path.
        assert!(run(true, b"", &[vec![bytes(3 * BLOCK + 5, 1)]]));
    }

    #[test]
    fn batches_across_block_and_buffer_boundaries() {
        for direct in [true, false] {
            let batches = vec![
                vec![bytes(10, 0)],
                vec![bytes(BLOCK - 10, 1)],
                vec![bytes(1, 2), bytes(BLOCK, 3)],
                vec![bytes(BUF, 4), bytes(BUF + 17, 5), bytes(3, 6)],
                vec![bytes(BLOCK * 2, 7)],
                vec![],
            ];
            run(direct, b"{\"seq\": 0}\n", &batches);
        }
    }

    #[test]
    fn another_writer_between_batches_is_kept() {
        let dir = disk_tempdir();
        let path = dir.path().join("audit.jsonl");
        let mut file = append_file(&path);
        let mut other = append_file(&path);
        let mut w = BlockWriter::open(&path, true);
        let mut expect = Vec::new();
        for i in 0..5u8 {
            w.begin(&file, file.metadata().unwrap().len()).unwrap();
            let ours = bytes(1000 + 2000 * i as usize, i);
            w.write(&mut file, &ours).unwrap();
            w.finish(&mut file).unwrap();
            expect.extend_from_slice(&ours);
            // `hipaa-audit log` from cron, through its own descriptor and the page cache.
            let theirs = bytes(300, 100 + i);
            other.write_all(&theirs).unwrap();
            expect.extend_from_slice(&theirs);
        }
        assert!(std::fs::read(&path).unwrap() == expect, "file differs");
    }

    #[test]
    fn a_refused_direct_write_continues_buffered() {
        // Refused in the middle of a batch (the buffer filled), and at its end.
        for sizes in [[3 * BUF / 2, 7000, 100], [7000, 3 * BUF / 2, 100]] {
            let dir = disk_tempdir();
            let path = dir.path().join("audit.jsonl");
            std::fs::write(&path, bytes(5000, 9)).unwrap();
            let mut file = append_file(&path);
            let mut w = BlockWriter::open(&path, true);
            assert!(w.is_direct());
            let mut expect = bytes(5000, 9);
            for (i, n) in sizes.into_iter().enumerate() {
                w.begin(&file, file.metadata().unwrap().len()).unwrap();
                if i == 0 {
                    w.refuse_next = true;
                }
                let ours = bytes(n, i as u8);
                w.write(&mut file, &ours[..n / 2]).unwrap();
                w.write(&mut file, &ours[n / 2..]).unwrap();
                w.finish(&mut file).unwrap();
                expect.extend_from_slice(&ours);
                assert!(!w.is_direct());
            }
            assert!(std::fs::read(&path).unwrap() == expect, "file differs");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn any_sequence_of_writes_gives_the_same_file(
            start in 0usize..9000,
            batches in proptest::collection::vec(
                proptest::collection::vec(0usize..20_000, 0..6), 1..6),
        ) {
            let batches: Vec<Vec<Vec<u8>>> = batches
                .iter()
                .enumerate()
                .map(|(i, b)| b.iter().map(|&n| bytes(n, i as u8)).collect())
                .collect();
            run(true, &bytes(start, 200), &batches);
        }
    }
}
