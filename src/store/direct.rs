//! Appending to the active segment from a disk thread of its own, without the page cache
//! where the file system allows it.
//!
//! A buffered `write` copies every byte into the page cache, and the fsync then writes it
//! out: on the virtual machines clinics run this on, that copy was 40% of the collector's
//! CPU time, and it halves the durable write bandwidth. With `O_DIRECT` the disk reads the
//! bytes from our buffer instead. `O_DIRECT` needs whole blocks at block-aligned offsets
//! from a block-aligned buffer, and a JSONL file ends wherever its last line ends, so:
//!
//! - the buffer starts at the block the file ends in, so new bytes keep the file's
//!   alignment (the bytes of that block already in the file are never written again);
//! - every whole block after it is written with `O_DIRECT`;
//! - what is left at the end of a batch, less than a block, is written through an ordinary
//!   descriptor, so the file's length is always exactly the end of the last whole line and
//!   no padding is ever visible to a reader; the next batch fills the rest of that block
//!   the same way (a direct write over a page in the page cache would wait for its
//!   writeback).
//!
//! Every write is made by the disk thread (`hipaa-audit-disk`), in the order the writer
//! asked for them, so the writer goes on chaining the next batch while the disk takes the
//! previous one. A batch ends with a *commit*: its last partial block, then the fsync, then
//! the head, and only then is it reported durable. The fsync and the head are the syncer's
//! (`hipaa-audit-sync`): an fsync takes a disk's cache flush (tens of milliseconds on the
//! virtual disks seen here), and while it runs the disk thread writes the next batches,
//! which the next fsync covers together. Up to [`BUFFERS`] megabytes are on their way at a
//! time. After a failed write or fsync nothing more is written; the caller cuts the file
//! back to the end of the last durable batch ([`BlockWriter::durable_end`]).
//!
//! The kernel keeps the page cache coherent with direct writes (it writes back and drops the
//! cached pages of the range), so readers such as `verify` see the same bytes either way. A
//! file system that refuses `O_DIRECT` (tmpfs on older kernels, some network file systems)
//! gets buffered writes, decided when the file is opened or at the first refused write;
//! the bytes on disk are the same in both modes.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// Alignment of direct writes: offsets, lengths and the buffer. 4 KiB is a multiple of the
/// logical block size of common disks (512 B or 4 KiB) and of ext4's and xfs's usual block.
pub const BLOCK: usize = 4096;

/// Bytes gathered before a direct write: large enough that the disk sees big requests.
const BUF: usize = 1024 * 1024;

/// Buffers of [`BUF`] bytes: the one being filled, the others on their way to the disk.
const BUFFERS: usize = 4;

/// Jobs waiting for the disk thread before the writer waits too (commits carry no buffer,
/// so this bounds them).
const QUEUE: usize = 16;

/// Batches the disk has made durable since the last look ([`BlockWriter::poll`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Durable {
    /// What the commits said they held (the caller's entries).
    pub count: u64,
    /// Commits among them.
    pub batches: u64,
}

/// Appends batches of bytes to one file through the disk thread.
pub struct BlockWriter {
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Done>,
    thread: Option<JoinHandle<()>>,
    /// The bytes from `start` on, not yet handed to the disk thread (but for `old`).
    cur: Aligned,
    /// Buffers back from the disk thread.
    spare: Vec<Aligned>,
    /// Buffers made so far, `cur` included.
    buffers: usize,
    /// File offset of `cur`'s first byte (a multiple of `BLOCK` while direct).
    start: u64,
    /// Bytes at the start of `cur` that are on disk or on their way (the part of the block
    /// the file ended in): their place in `cur` is never read.
    old: usize,
    /// Bytes in `cur`.
    fill: usize,
    /// Jobs sent and not yet back.
    in_flight: usize,
    /// Durable since the last `poll`/`drain`.
    newly: Durable,
    /// The end of the last durable batch: every byte below it is on disk.
    durable_end: u64,
    /// Whether the disk thread still writes directly (as of its last answer).
    direct: bool,
    /// A write failed: nothing more is accepted.
    failed: bool,
    /// Tests: the next whole-block write fails with this errno (`EINVAL`: as a file system
    /// that refuses O_DIRECT would; `ENOSPC`: as a full disk would).
    #[cfg(test)]
    inject_next: Option<i32>,
    /// Tests: the fsync that covers the next commit fails with this errno.
    #[cfg(test)]
    inject_sync: Option<i32>,
}

impl BlockWriter {
    /// Starts the disk thread for `path`, writing directly when `direct` and the file system
    /// accepts it. Each commit rewrites `head` (when given) with the line the commit carries.
    pub fn open(path: &Path, direct: bool, head: Option<File>) -> io::Result<BlockWriter> {
        let plain = OpenOptions::new().write(true).open(path)?;
        let direct_fd = if direct { open_direct(path) } else { None };
        let is_direct = direct_fd.is_some();
        let (jobs, inbox) = sync_channel::<Job>(QUEUE);
        let (outbox, done) = channel::<Done>();
        let disk = DiskThread::start(direct_fd, plain, head, outbox.clone())?;
        let thread = std::thread::Builder::new()
            .name("hipaa-audit-disk".into())
            .spawn(move || disk.run(inbox, outbox))?;
        Ok(BlockWriter {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
            cur: Aligned::new(),
            spare: Vec::new(),
            buffers: 1,
            start: 0,
            old: 0,
            fill: 0,
            in_flight: 0,
            newly: Durable::default(),
            durable_end: 0,
            direct: is_direct,
            failed: false,
            #[cfg(test)]
            inject_next: None,
            #[cfg(test)]
            inject_sync: None,
        })
    }

    /// True while writes go to the disk directly.
    pub fn is_direct(&self) -> bool {
        self.direct
    }

    /// Starts again at the end of the file, which is `len` bytes long (at the first batch,
    /// or after another process changed the file). Nothing may be in flight
    /// ([`Self::drain`] first).
    pub fn begin(&mut self, len: u64) {
        assert_eq!(self.in_flight, 0, "begin with writes in flight");
        let start = len - len % BLOCK as u64;
        let tail = (len - start) as usize;
        self.start = start;
        self.old = tail;
        self.fill = tail;
        self.durable_end = len;
    }

    /// Where the file ends once everything handed on so far is written.
    pub fn end(&self) -> u64 {
        self.start + self.fill as u64
    }

    /// Every byte below this is durable (as far as the fsync policy makes anything durable):
    /// where to cut the file back after a failure.
    pub fn durable_end(&self) -> u64 {
        self.durable_end
    }

    /// Appends `bytes` (whole or part of a batch); every full buffer goes to the disk
    /// thread as it fills. Waits only when all buffers are on their way.
    pub fn write(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        self.check()?;
        while !bytes.is_empty() {
            let n = (BUF - self.fill).min(bytes.len());
            self.cur.bytes_mut()[self.fill..self.fill + n].copy_from_slice(&bytes[..n]);
            self.fill += n;
            bytes = &bytes[n..];
            if self.fill == BUF {
                self.hand_off()?;
            }
        }
        Ok(())
    }

    /// Ends a batch of `count` entries: its whole blocks, then its last partial block, an
    /// fsync when `sync`, then `head_line` into the head file. Returns at once; the batch
    /// shows up in [`Self::poll`] or [`Self::drain`] once all of that is done.
    pub fn commit(&mut self, sync: bool, head_line: Vec<u8>, count: u64) -> io::Result<()> {
        self.check()?;
        self.hand_off()?;
        let tail = self.cur.bytes()[self.old..self.fill].to_vec();
        let at = self.start + self.old as u64;
        #[cfg(test)]
        let inject = self.inject_sync.take();
        self.send(Job::Commit {
            tail,
            at,
            sync,
            head_line,
            count,
            #[cfg(test)]
            inject,
        })?;
        self.old = self.fill;
        Ok(())
    }

    /// What became durable since the last look, without waiting.
    pub fn poll(&mut self) -> io::Result<Durable> {
        while let Ok(done) = self.done.try_recv() {
            self.take(done)?;
        }
        Ok(std::mem::take(&mut self.newly))
    }

    /// Waits until everything handed on is written; returns what became durable since the
    /// last look.
    pub fn drain(&mut self) -> io::Result<Durable> {
        while self.in_flight > 0 {
            let done = self.recv()?;
            self.take(done)?;
        }
        Ok(std::mem::take(&mut self.newly))
    }

    /// After a failure: waits until the disk thread has answered every job (it writes
    /// nothing after the failure), so the file can be cut back safely. Returns what was
    /// reported durable since the last look, the batches answered after the failure
    /// included (made durable by an fsync that had begun before it): the head may already
    /// name them, so they count and [`Self::durable_end`] keeps them.
    pub fn abandon(&mut self) -> Durable {
        self.failed = true;
        while self.in_flight > 0 {
            let Ok(done) = self.recv() else { break };
            self.in_flight -= 1;
            if done.result.is_ok() {
                self.book(done.back);
            }
        }
        std::mem::take(&mut self.newly)
    }

    fn check(&self) -> io::Result<()> {
        if self.failed {
            return Err(io::Error::other("an earlier write to this file failed"));
        }
        Ok(())
    }

    /// Hands the whole blocks of `cur` to the disk thread and keeps the rest in a fresh
    /// buffer.
    fn hand_off(&mut self) -> io::Result<()> {
        let whole = self.fill - self.fill % BLOCK;
        if whole == 0 {
            return Ok(());
        }
        let mut next = self.buffer()?;
        let rest = self.fill - whole;
        next.bytes_mut()[..rest].copy_from_slice(&self.cur.bytes()[whole..self.fill]);
        let buf = std::mem::replace(&mut self.cur, next);
        let job = Job::Blocks {
            buf,
            start: self.start,
            old: self.old,
            len: whole,
            #[cfg(test)]
            inject: self.inject_next.take(),
        };
        self.send(job)?;
        // `old` is always less than a block, so none of the rest is on its way yet.
        self.start += whole as u64;
        self.old = 0;
        self.fill = rest;
        Ok(())
    }

    /// A free buffer: a spare one, a new one while fewer than `BUFFERS` exist, or the next
    /// one the disk thread gives back.
    fn buffer(&mut self) -> io::Result<Aligned> {
        loop {
            if let Some(b) = self.spare.pop() {
                return Ok(b);
            }
            if self.buffers < BUFFERS {
                self.buffers += 1;
                return Ok(Aligned::new());
            }
            let done = self.recv()?;
            self.take(done)?;
        }
    }

    fn send(&mut self, job: Job) -> io::Result<()> {
        let sent = self.jobs.as_ref().map(|jobs| jobs.send(job).is_ok());
        if sent != Some(true) {
            self.failed = true;
            return Err(io::Error::other("the disk thread has stopped"));
        }
        self.in_flight += 1;
        Ok(())
    }

    fn recv(&mut self) -> io::Result<Done> {
        let done = self.done.recv().map_err(|_| {
            self.failed = true;
            io::Error::other("the disk thread has stopped")
        })?;
        Ok(done)
    }

    /// Books one answer of the disk thread.
    fn take(&mut self, done: Done) -> io::Result<()> {
        self.in_flight -= 1;
        self.direct = done.direct;
        if let Err(e) = done.result {
            self.failed = true;
            return Err(e);
        }
        self.book(done.back);
        Ok(())
    }

    fn book(&mut self, back: Back) {
        match back {
            Back::Buffer(b) => self.spare.push(b),
            Back::Committed { count, end } => {
                self.newly.count += count;
                self.newly.batches += 1;
                self.durable_end = self.durable_end.max(end);
            }
        }
    }
}

impl Drop for BlockWriter {
    /// Lets the jobs in flight end before the descriptors close, so nothing is written
    /// after the writer is gone.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
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

/// `BUF` block-aligned bytes inside a `Vec` one block longer (no allocator tricks).
struct Aligned {
    mem: Vec<u8>,
    at: usize,
}

impl Aligned {
    fn new() -> Aligned {
        let mem = vec![0u8; BUF + BLOCK];
        let at = mem.as_ptr().align_offset(BLOCK);
        Aligned { mem, at }
    }

    fn bytes(&self) -> &[u8] {
        &self.mem[self.at..self.at + BUF]
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.mem[self.at..self.at + BUF]
    }
}

/// What the disk thread is asked to do, in order.
enum Job {
    /// `buf[..len]` (whole blocks) are the file's bytes from offset `start`; the first
    /// `old` of them were written by an earlier job.
    Blocks {
        buf: Aligned,
        start: u64,
        old: usize,
        len: usize,
        #[cfg(test)]
        inject: Option<i32>,
    },
    /// The end of a batch: `tail` at offset `at`, the fsync, the head.
    Commit {
        tail: Vec<u8>,
        at: u64,
        sync: bool,
        head_line: Vec<u8>,
        count: u64,
        #[cfg(test)]
        inject: Option<i32>,
    },
}

/// What comes back from a job.
enum Back {
    Buffer(Aligned),
    Committed { count: u64, end: u64 },
}

struct Done {
    back: Back,
    result: io::Result<()>,
    /// Whether writes were still direct after this job.
    direct: bool,
}

/// Commits written and waiting for the syncer at most: it takes all that wait at once, so
/// this only bounds how far the disk thread may run ahead of a stuck fsync.
const SYNC_QUEUE: usize = 64;

/// The disk thread: its descriptors (the `O_DIRECT` one, opened without `O_APPEND` so
/// offsets hold, while the file system takes it; an ordinary one) and the way to the
/// syncer, which gets every commit once its bytes are written.
struct DiskThread {
    direct: Option<File>,
    plain: File,
    /// A write failed: every later job is answered with an error and not done.
    failed: bool,
    /// Set by the syncer when an fsync failed: nothing more is written either.
    sync_failed: Arc<AtomicBool>,
    to_syncer: Option<SyncSender<Written>>,
    syncer: Option<JoinHandle<()>>,
    /// Tests: the next direct write is refused (`EINVAL`), as by a file system without it.
    #[cfg(test)]
    refuse_direct: bool,
}

/// A commit whose bytes the disk thread has written (or failed to write), on its way to
/// the syncer.
struct Written {
    count: u64,
    end: u64,
    sync: bool,
    head_line: Vec<u8>,
    result: io::Result<()>,
    direct: bool,
    #[cfg(test)]
    inject: Option<i32>,
}

impl DiskThread {
    fn start(
        direct: Option<File>,
        plain: File,
        head: Option<File>,
        outbox: Sender<Done>,
    ) -> io::Result<DiskThread> {
        let sync_failed = Arc::new(AtomicBool::new(false));
        let (to_syncer, inbox) = sync_channel::<Written>(SYNC_QUEUE);
        let syncer = Syncer {
            file: plain.try_clone()?,
            head,
            failed: None,
            flag: sync_failed.clone(),
        };
        let syncer = std::thread::Builder::new()
            .name("hipaa-audit-sync".into())
            .spawn(move || syncer.run(inbox, outbox))?;
        Ok(DiskThread {
            direct,
            plain,
            failed: false,
            sync_failed,
            to_syncer: Some(to_syncer),
            syncer: Some(syncer),
            #[cfg(test)]
            refuse_direct: false,
        })
    }

    fn run(mut self, inbox: Receiver<Job>, outbox: Sender<Done>) {
        while let Ok(job) = inbox.recv() {
            if !self.handle(job, &outbox) {
                break;
            }
        }
        // The writer is gone: the syncer makes durable what was written, then ends.
        self.to_syncer = None;
        if let Some(syncer) = self.syncer.take() {
            let _ = syncer.join();
        }
    }

    /// Does one job: answers a block write, or hands a commit on to the syncer. False when
    /// the writer is gone.
    fn handle(&mut self, job: Job, outbox: &Sender<Done>) -> bool {
        let result = if self.failed {
            Err(io::Error::other("not written: an earlier write failed"))
        } else if self.sync_failed.load(Ordering::Acquire) {
            Err(io::Error::other("not written: an earlier fsync failed"))
        } else {
            self.work(&job)
        };
        if result.is_err() {
            // Whatever fails (a write, or the syncer's fsync), nothing more is written.
            self.failed = true;
        }
        let direct = self.direct.is_some();
        match job {
            Job::Blocks { buf, .. } => outbox
                .send(Done {
                    back: Back::Buffer(buf),
                    result,
                    direct,
                })
                .is_ok(),
            Job::Commit {
                tail,
                at,
                count,
                sync,
                head_line,
                #[cfg(test)]
                inject,
            } => {
                let written = Written {
                    count,
                    end: at + tail.len() as u64,
                    sync,
                    head_line,
                    result,
                    direct,
                    #[cfg(test)]
                    inject,
                };
                self.to_syncer
                    .as_ref()
                    .is_some_and(|s| s.send(written).is_ok())
            }
        }
    }

    /// The writing part of a job (a commit's fsync and head are the syncer's).
    fn work(&mut self, job: &Job) -> io::Result<()> {
        match job {
            Job::Blocks {
                buf,
                start,
                old,
                len,
                #[cfg(test)]
                inject,
            } => {
                #[cfg(test)]
                match inject {
                    Some(libc::EINVAL) => self.refuse_direct = true,
                    Some(errno) => {
                        return Err(context("write", io::Error::from_raw_os_error(*errno)))
                    }
                    None => {}
                }
                let bytes = buf.bytes();
                let plain = |from: usize, to: usize| {
                    self.plain
                        .write_all_at(&bytes[from..to], start + from as u64)
                        .map_err(|e| context("write", e))
                };
                let Some(direct) = &self.direct else {
                    return plain(*old, *len);
                };
                // The block the file ended in (`old` > 0) went through the page cache (the
                // last commit's tail, or another process's append): its rest goes the same
                // way. A direct write over a cached page would first wait for that page's
                // writeback, which the syncer's fsync may have under way.
                let first = if *old > 0 { BLOCK.min(*len) } else { 0 };
                if first > *old {
                    plain(*old, first)?;
                }
                if *len == first {
                    return Ok(());
                }
                #[cfg(test)]
                let written = if std::mem::take(&mut self.refuse_direct) {
                    Err(io::Error::from_raw_os_error(libc::EINVAL))
                } else {
                    direct.write_all_at(&bytes[first..*len], start + first as u64)
                };
                #[cfg(not(test))]
                let written = direct.write_all_at(&bytes[first..*len], start + first as u64);
                match written {
                    Ok(()) => Ok(()),
                    Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                        // The file system (or the device's alignment) does not take these
                        // writes: this one and all later ones go through the page cache.
                        tracing::info!(
                            "direct I/O refused by the file system; writing through the page cache"
                        );
                        plain(first, *len)?;
                        self.direct = None;
                        Ok(())
                    }
                    Err(e) => Err(context("write", e)),
                }
            }
            Job::Commit { tail, at, .. } => self
                .plain
                .write_all_at(tail, *at)
                .map_err(|e| context("write", e)),
        }
    }
}

/// The syncer thread (`hipaa-audit-sync`): fsyncs while the disk thread goes on writing.
///
/// An fsync makes durable every byte written before it starts, so one fsync covers all the
/// commits waiting when it starts (group commit once more, one level down), and the disk
/// keeps taking the next batches' blocks during it. Then the newest head, then the answers,
/// in the order the commits were made.
struct Syncer {
    /// The active segment (a second descriptor of the disk thread's ordinary one).
    file: File,
    head: Option<File>,
    /// The first fsync that failed. After it no later fsync is trusted (the kernel may
    /// have dropped the pages it could not write and report the next fsync clean), so
    /// every later commit fails with it.
    failed: Option<(io::ErrorKind, String)>,
    /// Tells the disk thread to write nothing more.
    flag: Arc<AtomicBool>,
}

impl Syncer {
    fn run(mut self, inbox: Receiver<Written>, outbox: Sender<Done>) {
        while let Ok(first) = inbox.recv() {
            let mut group = vec![first];
            while let Ok(more) = inbox.try_recv() {
                group.push(more);
            }
            if !self.settle(group, &outbox) {
                break;
            }
        }
    }

    /// One fsync for the group (when any commit asks for it), the newest head, the answers.
    /// False when the writer is gone.
    fn settle(&mut self, group: Vec<Written>, outbox: &Sender<Done>) -> bool {
        let wants_sync = group.iter().any(|w| w.sync && w.result.is_ok());
        if wants_sync && self.failed.is_none() {
            #[cfg(test)]
            let synced = match group.iter().find_map(|w| w.inject) {
                Some(errno) => Err(io::Error::from_raw_os_error(errno)),
                None => self.file.sync_data(),
            };
            #[cfg(not(test))]
            let synced = self.file.sync_data();
            if let Err(e) = synced {
                let e = context("fsync", e);
                self.failed = Some((e.kind(), e.to_string()));
                self.flag.store(true, Ordering::Release);
            }
        }
        if self.failed.is_none() {
            // Written commits come first in a group: after a failed write every later one
            // failed too. The last written one's head covers them all.
            if let Some(w) = group.iter().rev().find(|w| w.result.is_ok()) {
                self.write_head(&w.head_line);
            }
        }
        for w in group {
            let result = match (w.result, &self.failed) {
                (Err(e), _) => Err(e),
                (Ok(()), Some((kind, text))) => Err(io::Error::new(*kind, text.clone())),
                (Ok(()), None) => Ok(()),
            };
            let done = Done {
                back: Back::Committed {
                    count: w.count,
                    end: w.end,
                },
                result,
                direct: w.direct,
            };
            if outbox.send(done).is_err() {
                return false;
            }
        }
        true
    }

    fn write_head(&self, line: &[u8]) {
        let (Some(head), false) = (&self.head, line.is_empty()) else {
            return;
        };
        let written = head
            .write_all_at(line, 0)
            .and_then(|()| head.set_len(line.len() as u64));
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not update audit.head; verify can then not detect a truncation of the newest entries");
        }
    }
}

/// Names the step that failed, keeping the kind (and so `ENOSPC` and the like readable).
fn context(what: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{what}: {e}"))
}
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn append_file(path: &Path) -> File {
        OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .unwrap()
    }

    /// The head file as the store opens it (read-write, not appending: each head is
    /// written at offset 0).
    fn head_file(path: &Path) -> File {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .unwrap()
    }

    /// A directory on the build disk, not a tmpfs `/tmp`.
    fn disk_tempdir() -> tempfile::TempDir {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        std::fs::create_dir_all(&target).unwrap();
        tempfile::tempdir_in(target).unwrap()
    }

    /// Appends each batch (a list of writes) and checks the file against the concatenation;
    /// returns whether the writes were still direct at the end.
    fn run(direct: bool, start: &[u8], batches: &[Vec<Vec<u8>>]) -> bool {
        let dir = disk_tempdir();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, start).unwrap();
        let file = append_file(&path);
        let mut w = BlockWriter::open(&path, direct, None).unwrap();
        let mut expect = start.to_vec();
        w.begin(file.metadata().unwrap().len());
        for (i, batch) in batches.iter().enumerate() {
            for part in batch {
                w.write(part).unwrap();
                expect.extend_from_slice(part);
            }
            w.commit(i % 2 == 0, Vec::new(), batch.len() as u64)
                .unwrap();
            if i % 3 == 2 {
                // Sometimes wait, as the writer does when its queue is empty.
                w.drain().unwrap();
                // Never longer than what was appended: no padding is ever visible.
                assert_eq!(file.metadata().unwrap().len(), expect.len() as u64);
            }
        }
        let durable = w.drain().unwrap();
        assert_eq!(file.metadata().unwrap().len(), expect.len() as u64);
        assert_eq!(w.durable_end(), expect.len() as u64);
        assert_eq!(w.end(), expect.len() as u64);
        assert!(durable.batches <= batches.len() as u64);
        assert!(std::fs::read(&path).unwrap() == expect, "file differs");
        w.is_direct()
    }

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| seed.wrapping_add(i as u8)).collect()
    }

    /// Whether the disk under target/ takes an aligned O_DIRECT write, asked directly.
    fn disk_takes_direct_writes() -> bool {
        let dir = disk_tempdir();
        let path = dir.path().join("probe");
        let Ok(file) = OpenOptions::new()
            .write(true)
            .create(true)
            .custom_flags(libc::O_DIRECT)
            .open(&path)
        else {
            return false;
        };
        let mut buf = Aligned::new();
        buf.bytes_mut()[..BLOCK].fill(b'x');
        file.write_all_at(&buf.bytes()[..BLOCK], 0).is_ok()
    }

    #[test]
    fn direct_io_is_used_where_the_disk_takes_it() {
        let supported = disk_takes_direct_writes();
        let used = run(
            true,
            b"",
            &[vec![bytes(3 * BLOCK + 5, 1)], vec![bytes(9, 2)]],
        );
        assert_eq!(used, supported, "O_DIRECT supported here: {supported}");
        if !supported {
            // The other tests then exercise only the buffered path (and the fallback).
            eprintln!("the disk under target/ refuses O_DIRECT: only the fallback was tested");
        }
        assert!(!run(false, b"", &[vec![bytes(3 * BLOCK + 5, 1)]]));
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
        let file = append_file(&path);
        let mut other = append_file(&path);
        let mut w = BlockWriter::open(&path, true, None).unwrap();
        let mut expect = Vec::new();
        for i in 0..5u8 {
            w.begin(file.metadata().unwrap().len());
            let ours = bytes(1000 + 2000 * i as usize, i);
            w.write(&ours).unwrap();
            w.commit(true, Vec::new(), 1).unwrap();
            w.drain().unwrap();
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
        if !disk_takes_direct_writes() {
            // Nothing to refuse: `direct_io_is_used_where_the_disk_takes_it` says so.
            return;
        }
        // Refused in the middle of a batch (the buffer filled), and at its end.
        for sizes in [[3 * BUF / 2, 11_000, 100], [11_000, 3 * BUF / 2, 100]] {
            let dir = disk_tempdir();
            let path = dir.path().join("audit.jsonl");
            std::fs::write(&path, bytes(5000, 9)).unwrap();
            let file = append_file(&path);
            let mut w = BlockWriter::open(&path, true, None).unwrap();
            assert!(w.is_direct());
            let mut expect = bytes(5000, 9);
            w.begin(file.metadata().unwrap().len());
            for (i, n) in sizes.into_iter().enumerate() {
                if i == 0 {
                    w.inject_next = Some(libc::EINVAL);
                }
                let ours = bytes(n, i as u8);
                w.write(&ours[..n / 2]).unwrap();
                w.write(&ours[n / 2..]).unwrap();
                w.commit(true, Vec::new(), 1).unwrap();
                w.drain().unwrap();
                expect.extend_from_slice(&ours);
                assert!(!w.is_direct());
            }
            assert!(std::fs::read(&path).unwrap() == expect, "file differs");
        }
    }

    #[test]
    fn commits_update_the_head_in_order_and_are_counted() {
        let dir = disk_tempdir();
        let path = dir.path().join("audit.jsonl");
        let head_path = dir.path().join("audit.head");
        append_file(&path);
        let head = head_file(&head_path);
        let mut w = BlockWriter::open(&path, true, Some(head)).unwrap();
        w.begin(0);
        let mut total = Durable::default();
        for i in 0..40u64 {
            w.write(&bytes(70_000, i as u8)).unwrap();
            // Heads of decreasing length: each must fully replace the one before.
            let line = format!("{{\"seq\": {i}}}{}\n", " ".repeat(40 - i as usize));
            w.commit(true, line.into_bytes(), i).unwrap();
            let d = w.poll().unwrap();
            total.count += d.count;
            total.batches += d.batches;
        }
        let d = w.drain().unwrap();
        total.count += d.count;
        total.batches += d.batches;
        assert_eq!(total.batches, 40);
        assert_eq!(total.count, (0..40).sum::<u64>());
        assert_eq!(w.durable_end(), 40 * 70_000);
        let head = std::fs::read_to_string(&head_path).unwrap();
        assert_eq!(head, format!("{{\"seq\": 39}}{}\n", " "));
    }

    #[test]
    fn after_a_failed_write_nothing_more_is_written() {
        for direct in [true, false] {
            let dir = disk_tempdir();
            let path = dir.path().join("audit.jsonl");
            append_file(&path);
            let mut w = BlockWriter::open(&path, direct, None).unwrap();
            w.begin(0);
            w.write(&bytes(10_000, 1)).unwrap();
            w.commit(true, Vec::new(), 3).unwrap();
            assert_eq!(w.drain().unwrap().count, 3);
            // The disk fills up in the middle of the next batch; two more batches follow
            // before the writer hears of it.
            w.inject_next = Some(libc::ENOSPC);
            w.write(&bytes(BUF + 5000, 2)).unwrap();
            w.commit(true, Vec::new(), 5).unwrap();
            let more = w
                .write(&bytes(7000, 3))
                .and_then(|()| w.commit(true, Vec::new(), 2));
            let err = more.and_then(|()| w.drain().map(|_| ())).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::StorageFull, "{err}");
            assert!(err.to_string().starts_with("write: "), "{err}");
            assert!(w.write(b"x").is_err(), "nothing is taken after a failure");
            w.abandon();
            assert_eq!(w.durable_end(), 10_000);
            // Neither the failed batch's tail nor the next batch reached the file.
            assert_eq!(std::fs::read(&path).unwrap(), bytes(10_000, 1));
        }
    }

    #[test]
    fn after_a_failed_fsync_no_later_commit_is_durable() {
        let dir = disk_tempdir();
        let path = dir.path().join("audit.jsonl");
        let head_path = dir.path().join("audit.head");
        append_file(&path);
        let head = head_file(&head_path);
        let mut w = BlockWriter::open(&path, true, Some(head)).unwrap();
        w.begin(0);
        w.write(&bytes(6000, 1)).unwrap();
        w.commit(true, b"first\n".to_vec(), 4).unwrap();
        assert_eq!(w.drain().unwrap().count, 4);
        // The fsync of the next batch fails (as after a disk error); two more batches
        // follow. Linux may report a later fsync clean after dropping the pages it could
        // not write: none of them may be reported durable or named in the head.
        w.inject_sync = Some(libc::EIO);
        w.write(&bytes(BUF + 3000, 2)).unwrap();
        w.commit(true, b"second\n".to_vec(), 5).unwrap();
        let err = w.drain().unwrap_err();
        assert!(err.to_string().starts_with("fsync: "), "{err}");
        assert!(
            w.write(&bytes(100, 3)).is_err(),
            "nothing is taken after a failure"
        );
        let late = w.abandon();
        assert_eq!(late.count, 0);
        assert_eq!(w.durable_end(), 6000);
        assert_eq!(std::fs::read(&head_path).unwrap(), b"first\n");
    }

    #[test]
    fn many_small_batches_in_a_row_are_each_counted_once() {
        // The syncer takes the commits written while it fsyncs in one go: every one of
        // them is answered, once, whatever groups they fell into.
        let dir = disk_tempdir();
        let path = dir.path().join("audit.jsonl");
        let file = append_file(&path);
        let mut w = BlockWriter::open(&path, true, None).unwrap();
        w.begin(0);
        let mut total = Durable::default();
        for i in 0..300u64 {
            w.write(&bytes(900, i as u8)).unwrap();
            w.commit(true, Vec::new(), 1).unwrap();
            let d = w.poll().unwrap();
            total.count += d.count;
            total.batches += d.batches;
        }
        let d = w.drain().unwrap();
        assert_eq!(total.count + d.count, 300);
        assert_eq!(total.batches + d.batches, 300);
        assert_eq!(file.metadata().unwrap().len(), 300 * 900);
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
