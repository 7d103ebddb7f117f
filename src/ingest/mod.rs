//! Network intake: listeners for UDP, TCP and TLS that turn bytes from senders into
//! [`RawMessage`]s. Framing (how a byte stream splits into messages) is pure and lives in
//! [`framing`]; nothing here touches files or parses syslog.

pub mod framing;
pub mod inflight;
pub mod tcp;
pub mod tls;
pub mod udp;
pub mod udp_drops;

use std::io;
use std::net::SocketAddr;

use chrono::{DateTime, Utc};

/// How a message reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

/// One message as received, before parsing: the frame's bytes without framing.
#[derive(Debug, Clone)]
pub struct RawMessage {
    pub bytes: Vec<u8>,
    pub peer: SocketAddr,
    pub transport: Transport,
    pub received: DateTime<Utc>,
    /// Set when `bytes` holds only the first part of a longer frame: the frame's full length.
    pub truncated_from: Option<usize>,
}

/// What to do about a failed bind, for the error message.
pub fn bind_hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::AddrInUse => {
            " (another collector or syslog daemon holds it: stop that, or choose another address with --udp/--tcp/--tls or [listen])"
        }
        io::ErrorKind::PermissionDenied => {
            " (ports below 1024 need root or CAP_NET_BIND_SERVICE; or use a port above 1024)"
        }
        io::ErrorKind::AddrNotAvailable => " (this machine has no such address)",
        _ => "",
    }
}
