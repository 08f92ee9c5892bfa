//! When to try a failed delivery again: exponential backoff with jitter (1 s, 2 s, 4 s, …
//! capped at an hour between attempts) until `give_up_after` has passed since the first
//! failure, then the delivery is dead-lettered. Jitter spreads the retries of many queues
//! that failed together (a receiver that was down for everyone).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

const FIRST_PAUSE_SECONDS: i64 = 1;
const LONGEST_PAUSE_SECONDS: i64 = 3600;

/// The retry policy.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    /// How long after the first failed attempt a delivery is given up (a day by default).
    pub give_up_after: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            give_up_after: Duration::hours(24),
        }
    }
}

/// What follows a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    RetryAt(DateTime<Utc>),
    /// Dead-letter it: retried long enough.
    GiveUp,
}

impl Retry {
    /// After the `failures`-th failed attempt (1 for the first) of a delivery whose first
    /// failure was at `first_failure`.
    pub fn after(&self, failures: u32, first_failure: DateTime<Utc>, now: DateTime<Utc>) -> Next {
        if now - first_failure >= self.give_up_after {
            return Next::GiveUp;
        }
        let exponent = failures.saturating_sub(1).min(20);
        let pause = (FIRST_PAUSE_SECONDS << exponent).min(LONGEST_PAUSE_SECONDS);
        // ±20 %, in milliseconds.
        let millis = pause * 1000;
        let jitter = rand::rng().random_range(-(millis / 5)..=millis / 5);
        Next::RetryAt(now + Duration::milliseconds(millis + jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_and_gives_up_after_a_day() {
        let retry = Retry::default();
        let start = DateTime::<Utc>::UNIX_EPOCH;
        let pause = |failures| match retry.after(failures, start, start) {
            Next::RetryAt(at) => (at - start).num_milliseconds(),
            Next::GiveUp => panic!("gave up early"),
        };
        assert!((800..=1200).contains(&pause(1)));
        assert!((1600..=2400).contains(&pause(2)));
        assert!((2_880_000..=4_320_000).contains(&pause(30)));
        assert_eq!(
            retry.after(99, start, start + Duration::hours(24)),
            Next::GiveUp
        );
    }
}
