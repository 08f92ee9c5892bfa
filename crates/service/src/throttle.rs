//! In-memory throttling of failed sign-ins, per account and per client address. Lockout
//! (in the database) stops guessing at one account for good; this stops a burst against
//! one account before it locks, and a spray of guesses across many accounts from one
//! address, which lockout never sees. State is per node, as the design accepts.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How many failures are tolerated in a sliding window (0 disables a limit).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub per_account: usize,
    pub per_address: usize,
    pub window: Duration,
}

/// Beyond this many tracked keys, stale ones are dropped so memory stays bounded.
const MAX_KEYS: usize = 100_000;

#[derive(Debug)]
pub struct Throttle {
    limits: Limits,
    failures: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl Throttle {
    pub fn new(limits: Limits) -> Self {
        Throttle {
            limits,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(account: &str, address: Option<&str>) -> [(Option<String>, usize); 2] {
        [
            (Some(format!("account:{}", account.to_uppercase())), 0),
            (address.map(|a| format!("address:{a}")), 1),
        ]
    }

    fn limit(&self, which: usize) -> usize {
        if which == 0 {
            self.limits.per_account
        } else {
            self.limits.per_address
        }
    }

    /// `Err(seconds)` when this account or address must wait before trying again.
    pub fn check(
        &self,
        account: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0i64;
        for (key, which) in Self::keys(account, address) {
            let (Some(key), limit) = (key, self.limit(which)) else {
                continue;
            };
            if limit == 0 {
                continue;
            }
            if let Some(times) = map.get_mut(&key) {
                while times
                    .front()
                    .is_some_and(|t| *t <= now - self.limits.window)
                {
                    times.pop_front();
                }
                if times.len() >= limit
                    && let Some(oldest) = times.front()
                {
                    wait = wait.max((*oldest + self.limits.window - now).num_seconds() + 1);
                }
            }
        }
        if wait > 0 { Err(wait as u64) } else { Ok(()) }
    }

    /// Counts one failed sign-in against the account and the address.
    pub fn record_failure(&self, account: &str, address: Option<&str>, now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let horizon = now - self.limits.window;
            map.retain(|_, times| times.back().is_some_and(|t| *t > horizon));
        }
        for (key, _) in Self::keys(account, address) {
            if let Some(key) = key {
                map.entry(key).or_default().push_back(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_limit_wait_for_the_window() {
        let t = Throttle::new(Limits {
            per_account: 2,
            per_address: 3,
            window: Duration::seconds(60),
        });
        let now = Utc::now();
        assert!(t.check("bob", Some("1.2.3.4"), now).is_ok());
        t.record_failure("bob", Some("1.2.3.4"), now);
        t.record_failure("bob", Some("1.2.3.4"), now);
        let wait = t.check("bob", Some("9.9.9.9"), now).unwrap_err();
        assert!((59..=61).contains(&wait), "{wait}");
        // Another account from the same address has one failure left there.
        assert!(t.check("amy", Some("1.2.3.4"), now).is_ok());
        t.record_failure("amy", Some("1.2.3.4"), now);
        assert!(t.check("carl", Some("1.2.3.4"), now).is_err());
        // After the window everything is forgiven.
        assert!(
            t.check("bob", Some("1.2.3.4"), now + Duration::seconds(61))
                .is_ok()
        );
    }
}
