//! Bounded retries with exponential backoff and jitter.
//!
//! The policy is applied by the `exec` hook of every generated client (see
//! [`crate::runtime`]): each attempt sends a clone of the request (`Request::try_clone`), so a
//! request with a streaming body is sent once.
//!
//! What is retried:
//! - a response whose status is in [`RetryPolicy::retry_on_statuses`] (default 429, 502, 503,
//!   504), after the delay named by `Retry-After` (delta-seconds or an HTTP date) or, without
//!   that header, after an exponential backoff with jitter;
//! - a transport error (connection refused or reset, timeout).
//!
//! Non-idempotent requests (POST, PATCH) are never retried blindly: only when the connection
//! could not be established (the request never left this process), or when the caller opted in
//! with [`RetryPolicy::retry_non_idempotent`] or
//! [`RequestOptions::retry_non_idempotent`](crate::RequestOptions::retry_non_idempotent).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// How often and how patiently a request is retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    statuses: Vec<StatusCode>,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    /// Four attempts in all, backoff from 250 ms doubling up to 8 s, `Retry-After` honoured up
    /// to 60 s, on 429/502/503/504, idempotent requests only.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            statuses: vec![
                StatusCode::TOO_MANY_REQUESTS,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::GATEWAY_TIMEOUT,
            ],
            retry_non_idempotent: false,
        }
    }
}

/// What one attempt produced, as far as the retry decision is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attempt<'a> {
    /// The server answered.
    Response(StatusCode, &'a HeaderMap),
    /// The connection could not be established: nothing was sent.
    ConnectFailed,
    /// The request may have reached the server (reset, timeout, closed mid-response).
    TransportFailed,
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total number of attempts, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff before the first retry; it doubles on every further retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Upper bound of the computed backoff (before jitter).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Longest `Retry-After` that is waited for; a longer one ends the retries and the response
    /// is returned to the caller.
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// Response statuses that are retried.
    pub fn retry_on_statuses(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Also retry non-idempotent requests (POST, PATCH) on retryable statuses and transport
    /// errors. Only safe when the server deduplicates them.
    pub fn retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    /// Total number of attempts, the first included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Whether non-idempotent requests are retried.
    pub fn retries_non_idempotent(&self) -> bool {
        self.retry_non_idempotent
    }

    /// The backoff before retry number `retry` (1 for the first retry): exponential, capped at
    /// `max_backoff`, with "equal jitter" (a uniformly random point in the upper half).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let half = base / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(fastrand::u64(0..=jitter_nanos))
    }

    /// Decides whether attempt number `attempt` (1-based) is followed by another one, and after
    /// which delay. `allow_non_idempotent` is the caller's opt-in for POST/PATCH.
    pub(crate) fn next_delay(
        &self,
        method: &Method,
        attempt: u32,
        outcome: Attempt<'_>,
        allow_non_idempotent: bool,
        now: SystemTime,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let may_resend = is_idempotent(method) || allow_non_idempotent;
        match outcome {
            Attempt::Response(status, headers) => {
                if !may_resend || !self.statuses.contains(&status) {
                    return None;
                }
                match headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, now))
                {
                    Some(delay) if delay > self.max_retry_after => None,
                    Some(delay) => Some(delay),
                    None => Some(self.backoff(attempt)),
                }
            }
            // Nothing was sent: resending cannot duplicate anything, whatever the method.
            Attempt::ConnectFailed => Some(self.backoff(attempt)),
            Attempt::TransportFailed => may_resend.then(|| self.backoff(attempt)),
        }
    }
}

/// Whether a method is idempotent per RFC 9110 §9.2.2 (POST and PATCH are not).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Parses a `Retry-After` value: delta-seconds (`120`) or an HTTP date in any of RFC 9110
/// §5.6.7's three forms (`Wed, 21 Oct 2015 07:28:00 GMT`, `Wednesday, 21-Oct-15 07:28:00 GMT`,
/// `Wed Oct 21 07:28:00 2015`), relative to `now`. A date in the past is a zero delay.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry_after: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = retry_after {
            h.insert(RETRY_AFTER, HeaderValue::from_static(v));
        }
        h
    }

    fn epoch_plus(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = epoch_plus(1_445_412_400); // Wed, 21 Oct 2015 07:26:40 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(80))
        );
        // The obsolete forms a recipient must still accept (RFC 9110 §5.6.7).
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now),
            Some(Duration::from_secs(80))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:00 2015", now),
            Some(Duration::from_secs(80))
        );
        assert_eq!(parse_retry_after("tomorrow", now), None);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn backoff_grows_exponentially_within_jitter_bounds() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        for _ in 0..50 {
            let b1 = policy.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b3 = policy.backoff(3);
            assert!(b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400));
            let b9 = policy.backoff(9);
            assert!(b9 >= Duration::from_millis(500) && b9 <= Duration::from_millis(1000));
        }
        // Far retries do not overflow.
        assert!(policy.backoff(u32::MAX) <= Duration::from_millis(1000));
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(30));
        let now = SystemTime::now();
        let h = headers(Some("7"));
        let out = Attempt::Response(StatusCode::TOO_MANY_REQUESTS, &h);
        assert_eq!(
            policy.next_delay(&Method::GET, 1, out, false, now),
            Some(Duration::from_secs(7))
        );
        let h = headers(Some("31"));
        let out = Attempt::Response(StatusCode::TOO_MANY_REQUESTS, &h);
        assert_eq!(policy.next_delay(&Method::GET, 1, out, false, now), None);
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy::default().max_attempts(3);
        let h = headers(Some("0"));
        let out = Attempt::Response(StatusCode::SERVICE_UNAVAILABLE, &h);
        let now = SystemTime::now();
        assert!(
            policy
                .next_delay(&Method::GET, 1, out, false, now)
                .is_some()
        );
        assert!(
            policy
                .next_delay(&Method::GET, 2, out, false, now)
                .is_some()
        );
        assert!(
            policy
                .next_delay(&Method::GET, 3, out, false, now)
                .is_none()
        );
        assert!(
            RetryPolicy::none()
                .next_delay(&Method::GET, 1, out, false, now)
                .is_none()
        );
    }

    #[test]
    fn non_idempotent_requests_are_resent_only_when_nothing_was_sent_or_opted_in() {
        let policy = RetryPolicy::default();
        let now = SystemTime::now();
        let h = headers(None);
        let too_many = Attempt::Response(StatusCode::TOO_MANY_REQUESTS, &h);
        for method in [Method::POST, Method::PATCH] {
            assert!(
                policy
                    .next_delay(&method, 1, too_many, false, now)
                    .is_none()
            );
            assert!(
                policy
                    .next_delay(&method, 1, Attempt::TransportFailed, false, now)
                    .is_none()
            );
            assert!(
                policy
                    .next_delay(&method, 1, Attempt::ConnectFailed, false, now)
                    .is_some()
            );
            assert!(policy.next_delay(&method, 1, too_many, true, now).is_some());
            assert!(
                policy
                    .next_delay(&method, 1, Attempt::TransportFailed, true, now)
                    .is_some()
            );
        }
        for method in [Method::GET, Method::PUT, Method::DELETE] {
            assert!(
                policy
                    .next_delay(&method, 1, too_many, false, now)
                    .is_some()
            );
            assert!(
                policy
                    .next_delay(&method, 1, Attempt::TransportFailed, false, now)
                    .is_some()
            );
        }
    }

    #[test]
    fn only_configured_statuses_are_retried() {
        let now = SystemTime::now();
        let h = headers(None);
        let server_error = Attempt::Response(StatusCode::INTERNAL_SERVER_ERROR, &h);
        assert!(
            RetryPolicy::default()
                .next_delay(&Method::GET, 1, server_error, false, now)
                .is_none()
        );
        let policy = RetryPolicy::default().retry_on_statuses([StatusCode::INTERNAL_SERVER_ERROR]);
        assert!(
            policy
                .next_delay(&Method::GET, 1, server_error, false, now)
                .is_some()
        );
        assert!(
            policy
                .next_delay(&Method::POST, 1, server_error, false, now)
                .is_none()
        );
    }
}
