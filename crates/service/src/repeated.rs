//! Warnings that can recur many times a second while something outside the server is wrong
//! (accept failing while the process is out of file descriptors, the indexer's disk reads
//! failing for the same reason): logged at most once per interval, with the count of those
//! left unlogged, so the log says what happened without drowning in it.

use std::fmt::Display;
use std::time::{Duration, Instant};

pub struct RepeatedWarning {
    what: &'static str,
    every: Duration,
    last: Option<Instant>,
    unlogged: u64,
}

impl RepeatedWarning {
    /// `what` says what failed; at most one line per `every`.
    pub fn new(what: &'static str, every: Duration) -> RepeatedWarning {
        RepeatedWarning {
            what,
            every,
            last: None,
            unlogged: 0,
        }
    }

    /// Notes one more occurrence, logging it unless one was logged within the interval.
    pub fn note(&mut self, detail: impl Display) {
        let now = Instant::now();
        if self.last.is_some_and(|last| now < last + self.every) {
            self.unlogged += 1;
            return;
        }
        tracing::warn!(
            unlogged_since_last = self.unlogged,
            "{}: {detail}",
            self.what
        );
        self.last = Some(now);
        self.unlogged = 0;
    }
}
