//! Per-caller rate limiting: a token bucket per caller, in this replica's memory (each replica
//! counts on its own, so behind a load balancer a caller gets up to the limit from each).
//!
//! The caller is the verified token's `sub`; without a token that verifies, the client's address
//! (the peer of the connection: behind a proxy, the proxy's, shared by everyone it forwards;
//! `X-Forwarded-For` is not trusted, since any client can write it). The operational endpoints
//! are never limited, so probes and scrapes keep working while a caller is throttled.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{Authenticator, Caller, bearer_token};
use super::problem::ApiError;
use crate::config::RateLimit;

/// Paths that are never limited: liveness, readiness, metrics and the contract.
const EXEMPT: [&str; 4] = ["/healthz", "/readyz", "/metrics", "/openapi.json"];

/// More buckets than this and the full ones are dropped (a full bucket is what a new one would
/// be, so forgetting it changes nothing); a bucket is a key and 16 bytes, so this bounds the
/// memory to a few MiB whatever the number of distinct callers.
const MAX_BUCKETS: usize = 10_000;

/// The state of the middleware: the buckets and what names the caller.
#[derive(Clone)]
pub struct Limits {
    limiter: Arc<RateLimiter>,
    auth: Arc<Authenticator>,
}

impl Limits {
    pub fn new(limit: RateLimit, auth: Arc<Authenticator>) -> Limits {
        Limits { limiter: Arc::new(RateLimiter::new(limit, MAX_BUCKETS)), auth }
    }
}

/// Answers `429 rate_limited` with `Retry-After` when the caller's bucket is empty.
pub async fn limit(State(limits): State<Limits>, mut request: Request, next: Next) -> Response {
    if EXEMPT.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let (key, caller) = identify(&limits.auth, request.headers(), request.extensions()).await;
    match limits.limiter.take(&key, Instant::now()) {
        Ok(()) => {
            // Handed to the handler's `Caller` extractor, which then does not verify it again.
            if let Some(caller) = caller {
                request.extensions_mut().insert(caller);
            }
            next.run(request).await
        }
        Err(wait) => {
            let limit = limits.limiter.limit;
            let mut response = ApiError::rate_limited(format!(
                "too many requests from this caller: at most {} per second, bursts of {}; try again in {wait} s",
                limit.per_second, limit.burst
            ))
            .into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            response
        }
    }
}

/// The caller's key, `sub:<sub>` for a token that verifies (with the verified caller), else
/// `ip:<address>`, else `anonymous` (no connection info: the router driven in-process, as tests
/// do). Takes the headers, not the request, which cannot be held across an await (its body is
/// not `Sync`).
async fn identify(auth: &Authenticator, headers: &HeaderMap, extensions: &Extensions) -> (String, Option<Caller>) {
    let address = match extensions.get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(address)) => format!("ip:{}", address.ip()),
        None => "anonymous".to_string(),
    };
    let Ok(token) = bearer_token(headers) else { return (address, None) };
    match auth.verify(token).await {
        Ok(caller) => (format!("sub:{}", caller.sub), Some(caller)),
        Err(_) => (address, None),
    }
}

/// Token buckets by caller key.
pub struct RateLimiter {
    limit: RateLimit,
    max_buckets: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(limit: RateLimit, max_buckets: usize) -> RateLimiter {
        RateLimiter { limit, max_buckets, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token from `key`'s bucket; when it is empty, the whole seconds (at least 1) until
    /// a token is back.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !buckets.contains_key(key) {
            if buckets.len() >= self.max_buckets {
                self.evict(&mut buckets, now);
            }
            buckets.insert(key.to_string(), Bucket { tokens: f64::from(self.limit.burst), at: now });
        }
        let bucket = buckets.get_mut(key).expect("inserted above");
        bucket.tokens = self.level(bucket, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / f64::from(self.limit.per_second);
        Err((wait.ceil() as u64).max(1))
    }

    /// The tokens in `bucket` at `now`.
    fn level(&self, bucket: &Bucket, now: Instant) -> f64 {
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * f64::from(self.limit.per_second);
        (bucket.tokens + refill).min(f64::from(self.limit.burst))
    }

    /// Drops the full buckets. When every caller is active at once (more than `max_buckets` of
    /// them), all are dropped: memory stays bounded, at the price of a fresh burst for each.
    fn evict(&self, buckets: &mut HashMap<String, Bucket>, now: Instant) {
        let burst = f64::from(self.limit.burst);
        buckets.retain(|_, b| self.level(b, now) < burst);
        if buckets.len() >= self.max_buckets {
            tracing::warn!(buckets = buckets.len(), "rate limiter: too many active callers; their buckets are reset");
            buckets.clear();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let limiter = RateLimiter::new(RateLimit { per_second: 2, burst: 3 }, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take("a", t0), Ok(()));
        }
        assert_eq!(limiter.take("a", t0), Err(1), "empty: a token is back within a second");
        assert_eq!(limiter.take("b", t0), Ok(()), "another caller has a bucket of its own");
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(limiter.take("a", t1), Ok(()), "2 per second: one token after 500 ms");
        assert!(limiter.take("a", t1).is_err());
        let later = t1 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(limiter.take("a", later), Ok(()), "refilled, but never above the burst");
        }
        assert!(limiter.take("a", later).is_err());
    }

    #[test]
    fn retry_after_is_the_wait_for_one_token() {
        let slow = RateLimiter { limit: RateLimit { per_second: 1, burst: 1 }, max_buckets: 10, buckets: Default::default() };
        let t0 = Instant::now();
        assert_eq!(slow.take("a", t0), Ok(()));
        assert_eq!(slow.take("a", t0 + Duration::from_millis(100)), Err(1));
        assert_eq!(slow.take("a", t0 + Duration::from_millis(1100)), Ok(()));
    }

    #[test]
    fn idle_buckets_are_evicted_when_the_map_is_full() {
        let limiter = RateLimiter::new(RateLimit { per_second: 1, burst: 2 }, 3);
        let t0 = Instant::now();
        limiter.take("busy", t0).unwrap();
        limiter.take("busy", t0).unwrap();
        limiter.take("idle-1", t0).unwrap();
        limiter.take("idle-2", t0).unwrap();
        let t1 = t0 + Duration::from_millis(1500);
        limiter.take("busy", t1).unwrap();
        // At 2.1 s the idle ones are full again; "busy" spent more and holds 1.1 tokens.
        let t2 = t0 + Duration::from_millis(2100);
        limiter.take("new", t2).unwrap();
        assert_eq!(limiter.len(), 2, "the full buckets went, the busy one stayed");
        assert_eq!(limiter.take("busy", t2), Ok(()));
        assert!(limiter.take("busy", t2).is_err(), "the busy caller kept its count, not a fresh burst");
    }

    #[test]
    fn all_active_callers_beyond_the_bound_are_reset() {
        let limiter = RateLimiter::new(RateLimit { per_second: 1, burst: 1 }, 2);
        let t0 = Instant::now();
        limiter.take("a", t0).unwrap();
        limiter.take("b", t0).unwrap();
        limiter.take("c", t0).unwrap();
        assert_eq!(limiter.len(), 1);
    }
}
