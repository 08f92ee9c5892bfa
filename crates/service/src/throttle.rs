//! In-memory throttling of sign-in attempts, per account and per client address. Lockout
//! (in the database) stops guessing at one account for a while; this stops a burst against
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

    /// Takes one attempt's place against the account and the address, or `Err(seconds)`
    /// when either must wait. The check and the count are one step under one lock, so
    /// attempts sent together each take a place: at most the limit pass, whatever the
    /// concurrency. The place counts as a failure until `release` takes it back.
    pub fn reserve(
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
        if wait > 0 {
            return Err(wait as u64);
        }
        if map.len() >= MAX_KEYS {
            let horizon = now - self.limits.window;
            map.retain(|_, times| times.back().is_some_and(|t| *t > horizon));
        }
        for (key, _) in Self::keys(account, address) {
            if let Some(key) = key {
                map.entry(key).or_default().push_back(now);
            }
        }
        Ok(())
    }

    /// Takes back the place `reserve` took at `at`: the attempt succeeded.
    pub fn release(&self, account: &str, address: Option<&str>, at: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for (key, _) in Self::keys(account, address) {
            let Some(key) = key else { continue };
            if let Some(times) = map.get_mut(&key)
                && let Some(i) = times.iter().rposition(|t| *t == at)
            {
                times.remove(i);
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
        assert!(t.reserve("bob", Some("1.2.3.4"), now).is_ok());
        assert!(t.reserve("bob", Some("1.2.3.4"), now).is_ok());
        let wait = t.reserve("bob", Some("9.9.9.9"), now).unwrap_err();
        assert!((59..=61).contains(&wait), "{wait}");
        // Another account from the same address has one place left there.
        assert!(t.reserve("amy", Some("1.2.3.4"), now).is_ok());
        assert!(t.reserve("carl", Some("1.2.3.4"), now).is_err());
        // After the window everything is forgiven.
        assert!(
            t.reserve("bob", Some("1.2.3.4"), now + Duration::seconds(61))
                .is_ok()
        );
    }

    #[test]
    fn attempts_from_many_threads_take_at_most_the_limit() {
        let t = std::sync::Arc::new(Throttle::new(Limits {
            per_account: 10,
            per_address: 0,
            window: Duration::seconds(300),
        }));
        let now = Utc::now();
        let passed: usize = (0..40)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || t.reserve("bob", None, now).is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum();
        assert_eq!(passed, 10);
    }

    #[test]
    fn a_released_place_is_free_again() {
        let t = Throttle::new(Limits {
            per_account: 1,
            per_address: 0,
            window: Duration::seconds(300),
        });
        let now = Utc::now();
        t.reserve("bob", None, now).unwrap();
        assert!(t.reserve("bob", None, now).is_err());
        t.release("bob", None, now);
        assert!(t.reserve("bob", None, now).is_ok());
    }
}
