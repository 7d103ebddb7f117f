//! Datagrams the kernel dropped before the collector could read them: a UDP socket whose
//! receive buffer is full drops what arrives and counts it per socket. Linux shows that count
//! in the `drops` column of `/proc/net/udp` and `/proc/net/udp6`, by socket inode; this reads
//! it for the collector's own sockets, so a loss that UDP makes silent still gets counted.
//!
//! Elsewhere than Linux, or without /proc, there is no figure (`None`), never a wrong one.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;

/// The collector's UDP sockets, by inode. It holds a duplicate of each socket's descriptor,
/// so a socket stays in the kernel's table (and its count readable) until the watch is
/// dropped, even after its listener has stopped: the exit counters need it.
#[derive(Debug, Clone)]
pub struct DropWatch {
    inodes: Vec<u64>,
    _keep_open: Arc<Vec<OwnedFd>>,
}

impl DropWatch {
    /// Watches these sockets; one whose inode cannot be read (no /proc) is left out.
    pub fn new<S: AsFd>(sockets: &[S]) -> DropWatch {
        let fds: Vec<OwnedFd> = sockets
            .iter()
            .filter_map(|s| s.as_fd().try_clone_to_owned().ok())
            .collect();
        let inodes = fds
            .iter()
            .filter_map(|fd| socket_inode(fd.as_raw_fd()))
            .collect();
        DropWatch {
            inodes,
            _keep_open: Arc::new(fds),
        }
    }

    /// Datagrams dropped so far on the watched sockets, since they were opened.
    pub fn total(&self) -> Option<u64> {
        if self.inodes.is_empty() {
            return None;
        }
        ["/proc/net/udp", "/proc/net/udp6"]
            .iter()
            .filter_map(|table| drops_in(&std::fs::read_to_string(table).ok()?, &self.inodes))
            .reduce(|a, b| a + b)
    }
}

/// `socket:[12345]` -> 12345, from the fd's link in /proc.
fn socket_inode(fd: i32) -> Option<u64> {
    let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
    let link = link.to_str()?;
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The sum of the `drops` column over the rows of a /proc/net/udp table whose inode is one
/// of `inodes`; `None` if none of them is there.
fn drops_in(table: &str, inodes: &[u64]) -> Option<u64> {
    // Columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid
    // timeout inode ref pointer drops.
    const INODE: usize = 9;
    const DROPS: usize = 12;
    let mut found = None;
    for row in table.lines().skip(1) {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let (Some(inode), Some(drops)) = (cols.get(INODE), cols.get(DROPS)) else {
            continue;
        };
        if inode.parse().is_ok_and(|i: u64| inodes.contains(&i)) {
            if let Ok(d) = drops.parse::<u64>() {
                *found.get_or_insert(0) += d;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "   \
   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 0100007F:157A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41577 2 0000000000000000 17
  456: 00000000:0044 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 901 2 0000000000000000 0
  789: 0100007F:157B 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 41578 2 0000000000000000 5
";

    #[test]
    fn sums_the_drops_of_our_sockets_only() {
        assert_eq!(drops_in(TABLE, &[41577]), Some(17));
        assert_eq!(drops_in(TABLE, &[41577, 41578]), Some(22));
        assert_eq!(drops_in(TABLE, &[901]), Some(0));
        assert_eq!(drops_in(TABLE, &[7]), None);
        assert_eq!(drops_in("", &[41577]), None);
        assert_eq!(drops_in("header\n  1: short row\n", &[1]), None);
    }

    #[test]
    fn reads_a_real_socket() {
        // A fresh socket on loopback has dropped nothing; where /proc is missing there is
        // no figure at all.
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let watch = DropWatch::new(std::slice::from_ref(&sock));
        if std::path::Path::new("/proc/net/udp").exists() {
            assert_eq!(watch.total(), Some(0));
        } else {
            assert_eq!(watch.total(), None);
        }
    }
}
