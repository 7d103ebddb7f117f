//! Typed errors of the store. Callers tell "could not run" (I/O, missing store) apart from
//! verify's findings, which are data, not errors.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot {op} {}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("no audit store at {} (run `hipaa-audit init --log-dir {}` first)", .0.display(), .0.display())]
    NotInitialized(PathBuf),
    #[error("{}: the last entry (line {line}) cannot be read ({reason}); the chain cannot be continued safely. Run `hipaa-audit verify` to see the damage", path.display())]
    CorruptTail {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("the writer stopped after an earlier write failure; restart it so that recovery runs")]
    Poisoned,
}

impl StoreError {
    /// The message with its causes, for logs: `cannot append to X: No space left on device`.
    pub fn with_causes(&self) -> String {
        let mut s = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(e) = source {
            s.push_str(": ");
            s.push_str(&e.to_string());
            source = e.source();
        }
        s
    }

    /// Builds a closure for `map_err` that names the operation and the file.
    pub fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { op, path, source }
    }
}
