//! Containment for bugs in the pure stages (parsing and mapping): a panic there must cost
//! one message some of its fields, never the message itself (the collector would otherwise
//! lose the whole chunk it was preparing), and its text must not reach the daemon's logs.

use std::panic::{self, AssertUnwindSafe};

/// `f()`, or `fallback()` if `f` panics. Only for pure functions: whatever `f` was
/// building is dropped, and nothing it touched is shared.
pub fn or_on_panic<T>(f: impl FnOnce() -> T, fallback: impl FnOnce() -> T) -> T {
    panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| fallback())
}

/// For the daemon: a panic is logged through tracing with where it happened, but without
/// its message, which can quote the log line being read (PHI). Set once at start.
pub fn log_panics_without_their_text() {
    panic::set_hook(Box::new(|info| {
        let location = info.location().map_or_else(
            || "unknown".to_owned(),
            |l| format!("{}:{}", l.file(), l.line()),
        );
        let thread = std::thread::current();
        tracing::error!(
            %location,
            thread = thread.name().unwrap_or("unnamed"),
            "internal error (a bug; please report it with this location). Its text is not \
             logged because it may quote log content. A message being parsed or mapped is \
             kept with its raw text and fewer fields"
        );
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_replaces_a_panic_and_only_a_panic() {
        // The two panics below print their messages to the test output: expected.
        assert_eq!(or_on_panic(|| -> u32 { panic!("a bug") }, || 7), 7);
        let s = std::hint::black_box("é");
        assert_eq!(or_on_panic(|| s[1..].len(), || 0), 0);
        assert_eq!(or_on_panic(|| 3, || 7), 3);
    }
}
