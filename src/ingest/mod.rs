//! Network intake: listeners for UDP, TCP and TLS that turn bytes from senders into
//! [`RawMessage`]s. Framing (how a byte stream splits into messages) is pure and lives in
//! [`framing`]; nothing here touches files or parses syslog.

pub mod framing;
pub mod inflight;
pub mod tcp;
pub mod tls;
pub mod udp;

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
