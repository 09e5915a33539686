//! Admission control: when Yui is saturated it answers at once with 503, `Retry-After` and a
//! small, friendly waiting page, instead of letting requests queue until they time out.
//!
//! Two limits apply to requests in flight: one for the whole instance, and one per town (the
//! first path segment), so that one town's rush (a premium gift-certificate sale, say) cannot
//! starve the other towns on the same instance. Residents who are already part-way through a
//! form (POSTs) may use the whole town limit; new visitors (GETs) are turned away a little
//! earlier, so that applications already started can finish.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Limits on requests in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionLimits {
    pub global: usize,
    pub per_town: usize,
    /// Seconds suggested in `Retry-After`.
    pub retry_after_secs: u32,
}

impl Default for AdmissionLimits {
    fn default() -> Self {
        Self {
            global: 1024,
            per_town: 256,
            retry_after_secs: 10,
        }
    }
}

/// Shared state of the admission layer.
#[derive(Clone)]
pub struct Admission {
    limits: AdmissionLimits,
    global: Arc<Semaphore>,
    towns: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

/// Paths that are never refused: operations endpoints and static assets are cheap and must
/// stay reachable while the service is saturated.
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/static/")
}

impl Admission {
    pub fn new(limits: AdmissionLimits) -> Self {
        Self {
            limits,
            global: Arc::new(Semaphore::new(limits.global.max(1))),
            towns: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn town(&self, slug: &str) -> Arc<Semaphore> {
        let mut towns = self.towns.lock().unwrap_or_else(PoisonError::into_inner);
        towns
            .entry(slug.to_owned())
            .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_town.max(1))))
            .clone()
    }

    /// Permits for a request, or `None` when it must be turned away.
    fn admit(&self, path: &str, method: &Method) -> Option<Vec<OwnedSemaphorePermit>> {
        let global = self.global.clone().try_acquire_owned().ok()?;
        let mut permits = vec![global];
        let slug = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        if !slug.is_empty() {
            let town = self.town(slug);
            // New visitors leave a quarter of the town's capacity to those already applying.
            let reserve = if *method == Method::GET {
                self.limits.per_town / 4
            } else {
                0
            };
            if town.available_permits() <= reserve {
                return None;
            }
            permits.push(town.try_acquire_owned().ok()?);
        }
        Some(permits)
    }
}

/// The middleware: admit or answer 503 at once.
pub async fn admission_middleware(
    State(admission): State<Admission>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if exempt(&path) {
        return next.run(request).await;
    }
    let Some(permits) = admission.admit(&path, request.method()) else {
        metrics::counter!("yui_http_rejected_busy_total").increment(1);
        return busy_response(admission.limits.retry_after_secs);
    };
    let response = next.run(request).await;
    drop(permits);
    response
}

/// A page that costs almost nothing to serve, readable without CSS or JavaScript, in
/// Japanese and English, that says nothing was lost and when to try again.
const BUSY_PAGE: &str = r#"<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ただいま混み合っています | Yui</title>
<style>body{font-family:system-ui,sans-serif;line-height:1.7;margin:0;padding:1.5rem;max-width:40rem;color:#1b1b1b}h1{font-size:1.6rem}p{font-size:1.1rem}</style>
</head>
<body>
<main>
<h1>ただいま混み合っています</h1>
<p>アクセスが集中しているため、少し時間をおいてから、もう一度お試しください。入力中の内容は送信されていません。送信済みの申請は受け付けられています。</p>
<p>しばらく待ってからページを読み込み直してください。</p>
<section lang="en">
<h2>The service is busy</h2>
<p>Many people are using this service right now. Please wait a little and try again. Nothing you were entering has been sent; applications already sent have been received.</p>
</section>
</main>
</body>
</html>
"#;

pub fn busy_response(retry_after_secs: u32) -> Response {
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Body::from(BUSY_PAGE)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        headers.insert(header::RETRY_AFTER, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_visitors_leave_room_for_residents_already_applying() {
        let a = Admission::new(AdmissionLimits {
            global: 100,
            per_town: 8,
            retry_after_secs: 5,
        });
        let mut held = Vec::new();
        for _ in 0..6 {
            held.push(
                a.admit("/oguni/apps/x", &Method::GET)
                    .expect("room for visitors"),
            );
        }
        assert!(
            a.admit("/oguni/apps/x", &Method::GET).is_none(),
            "a quarter is kept back"
        );
        assert!(
            a.admit("/oguni/apps/x/submit", &Method::POST).is_some(),
            "submissions may use it"
        );
        assert!(
            a.admit("/chiyoda/apps/y", &Method::GET).is_some(),
            "another town is unaffected"
        );
        drop(held);
        assert!(
            a.admit("/oguni/apps/x", &Method::GET).is_some(),
            "permits come back"
        );
    }

    #[test]
    fn the_instance_limit_applies_across_towns() {
        let a = Admission::new(AdmissionLimits {
            global: 2,
            per_town: 10,
            retry_after_secs: 5,
        });
        let _one = a.admit("/a/x", &Method::POST).unwrap();
        let _two = a.admit("/b/x", &Method::POST).unwrap();
        assert!(a.admit("/c/x", &Method::POST).is_none());
    }

    #[test]
    fn operations_endpoints_are_never_refused() {
        for p in ["/healthz", "/readyz", "/metrics", "/static/yui.css"] {
            assert!(exempt(p));
        }
        assert!(!exempt("/oguni"));
    }
}
