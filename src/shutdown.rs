//! SIGTERM and SIGINT, as a future the collector waits on.

use anyhow::{Context, Result};
use tokio::signal::unix::{signal, SignalKind};

/// Resolves at the first SIGTERM or SIGINT; returns the signal's name.
pub async fn signal_received() -> Result<&'static str> {
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    Ok(tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    })
}
