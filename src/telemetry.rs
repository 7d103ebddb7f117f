//! The only place a tracing subscriber is installed: the program's own diagnostics go to
//! stderr (stdout carries command output), filtered by `RUST_LOG` (default: warnings for
//! the maintenance commands, info for `serve`). Colour only on a terminal, never in
//! journald or a log file. Nothing here ever logs entry contents (possible PHI).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init(default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}
