//! A general limit on how fast one user, or one address, may call the APIs: a script that
//! loops without pause, or a client that retries at once forever, would otherwise take the
//! whole server from everyone else. A signed-in caller is counted as their user (whatever
//! the token or the address: a firm's users share a proxy, one integration may hold several
//! tokens); a request without a valid token as its client address (the real one behind a
//! trusted proxy, `crate::proxies`).
//!
//! Each key has a token bucket (the `governor` crate's GCRA): `rate` requests a second on
//! average and bursts of ten seconds' worth. Every answer says where the caller stands in
//! the headers iManage's clients read, `x-ratelimit-remaining` and `x-ratelimit-reset`
//! (seconds until the bucket is full again), with `x-ratelimit-limit`; a request over the
//! limit is a 429 with `Retry-After`, in the format of the surface it was sent to. The
//! buckets live in this node's memory: behind a load balancer each node counts alone.
//!
//! Sign-in failures have their own, stricter limits (`dossier_service::throttle`).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use dossier_core::DomainError;
use dossier_service::Caller;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::AppState;

/// A bucket holds this many seconds' worth of requests.
const BURST_SECONDS: u32 = 10;
/// Buckets that have filled up again are forgotten this often, so the table holds only the
/// keys seen lately.
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// Paths that are never limited: what orchestrators and scrapers poll.
const UNLIMITED: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// The two limits (the `rate_limit_per_user` and `rate_limit_per_address` settings).
#[derive(Debug)]
pub struct RateLimits {
    users: Option<Bucket<String>>,
    addresses: Option<Bucket<IpAddr>>,
    started: Instant,
    forgotten_at: AtomicU64,
}

#[derive(Debug)]
struct Bucket<K: std::hash::Hash + Eq + Clone> {
    /// Keyed buckets that report where a key stands after each request.
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>,
    per_second: u32,
    burst: u32,
}

impl<K: std::hash::Hash + Eq + Clone> Bucket<K> {
    /// `None` for a rate of 0: no limit.
    fn new(per_second: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = rate.saturating_mul(NonZeroU32::new(BURST_SECONDS)?);
        Some(Bucket {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
                .with_middleware::<StateInformationMiddleware>(),
            per_second,
            burst: burst.get(),
        })
    }

    /// Counts one request of `key`: the headers to answer with, or the seconds to wait.
    fn count(&self, key: &K) -> Result<Standing, u64> {
        match self.limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let used = self.burst.saturating_sub(remaining);
                Ok(Standing {
                    limit: self.burst,
                    remaining,
                    reset_secs: u64::from(used.div_ceil(self.per_second)),
                })
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
            }
        }
    }
}

/// Where a key stands after a request.
struct Standing {
    limit: u32,
    remaining: u32,
    reset_secs: u64,
}

impl RateLimits {
    pub fn new(per_user: u32, per_address: u32) -> RateLimits {
        RateLimits {
            users: Bucket::new(per_user),
            addresses: Bucket::new(per_address),
            started: Instant::now(),
            forgotten_at: AtomicU64::new(0),
        }
    }

    /// Drops the buckets that are full again, at most once per `FORGET_EVERY`.
    fn forget_idle(&self) {
        let now = self.started.elapsed().as_secs();
        let last = self.forgotten_at.load(Ordering::Relaxed);
        if now >= last + FORGET_EVERY.as_secs()
            && self
                .forgotten_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            if let Some(b) = &self.users {
                b.limiter.retain_recent();
            }
            if let Some(b) = &self.addresses {
                b.limiter.retain_recent();
            }
        }
    }
}

/// The middleware. A signed-in caller is authenticated here once and handed to the handler
/// (the `Caller` extractor takes it from the request's extensions), so limiting by user
/// costs no second token lookup.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limits = state.rate_limits.clone();
    let path = request.uri().path();
    if (limits.users.is_none() && limits.addresses.is_none()) || UNLIMITED.contains(&path) {
        return next.run(request).await;
    }
    limits.forget_idle();
    let path = path.to_string();
    let (mut parts, body) = request.into_parts();
    let caller = match crate::extract::token_of(&parts) {
        Some(_) => Caller::from_request_parts(&mut parts, &state).await.ok(),
        None => None,
    };
    let standing = match &caller {
        Some(caller) => limits.users.as_ref().map(|b| b.count(&caller.user_id)),
        None => {
            let address = crate::extract::ClientAddress::from_request_parts(&mut parts, &state)
                .await
                .ok()
                .and_then(|a| a.0)
                .and_then(|a| a.parse::<IpAddr>().ok());
            match (&limits.addresses, address) {
                (Some(b), Some(address)) => Some(b.count(&address)),
                _ => None,
            }
        }
    };
    if let Some(caller) = caller {
        parts.extensions.insert(caller);
    }
    match standing {
        None => next.run(Request::from_parts(parts, body)).await,
        Some(Ok(standing)) => {
            let mut response = next.run(Request::from_parts(parts, body)).await;
            let headers = response.headers_mut();
            for (name, value) in [
                ("x-ratelimit-limit", u64::from(standing.limit)),
                ("x-ratelimit-remaining", u64::from(standing.remaining)),
                ("x-ratelimit-reset", standing.reset_secs),
            ] {
                headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
            }
            response
        }
        Some(Err(retry_after_secs)) => too_many(&path, retry_after_secs),
    }
}

/// The 429, in the format of the surface `path` belongs to.
fn too_many(path: &str, retry_after_secs: u64) -> Response {
    let limited = DomainError::RateLimited { retry_after_secs };
    let mut response = match crate::limits::Surface::of(path) {
        crate::limits::Surface::OAuth => crate::oauth::oauth_error(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "temporarily_unavailable",
            &format!("too many requests; try again in {retry_after_secs} seconds"),
        ),
        crate::limits::Surface::Scim => {
            crate::scim::error::ScimError::from(limited).into_response()
        }
        crate::limits::Surface::Automate => {
            crate::automate::error::AutomateError::from(limited).into_response()
        }
        crate::limits::Surface::Work => crate::error::ApiError(limited).into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    headers.insert(
        HeaderName::from_static("x-ratelimit-remaining"),
        HeaderValue::from(0u32),
    );
    headers.insert(
        HeaderName::from_static("x-ratelimit-reset"),
        HeaderValue::from(retry_after_secs),
    );
    response
}
