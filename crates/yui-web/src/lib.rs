//! Yui's HTTP surface (axum): resident pages, the staff console, health and metrics.
//!
//! Modules mirror the URL space (`pages/staff/login.rs` serves `/{town}/staff/login`). Handlers
//! parse input, call one use case on [`yui_core::Yui`] and render; everything they render goes
//! through the embedded templates and the i18n layer, Japanese first.
#![forbid(unsafe_code)]

pub mod admission;
pub mod assets;
pub mod error;
pub mod i18n;
pub mod inbox_query;
pub mod observability;
mod pages;
pub mod session;
pub mod templates;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use yui_core::Yui;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The URL residents and staff use to reach this instance, e.g. `https://yui.town.lg.jp`.
    /// Cookies are marked `Secure` when it is `https`.
    pub public_url: String,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// Requests taking longer than this are answered with 503.
    pub request_timeout: Duration,
    /// Requests in flight, for the instance and per town, before Yui answers 503 at once.
    pub admission: admission::AdmissionLimits,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            trust_forwarded_for: false,
            request_timeout: Duration::from_secs(30),
            admission: admission::AdmissionLimits::default(),
        }
    }
}

impl WebConfig {
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub yui: Yui,
    pub config: Arc<WebConfig>,
    pub admission: admission::Admission,
}

impl AppState {
    pub fn new(yui: Yui, config: WebConfig) -> Self {
        let admission = admission::Admission::new(config.admission);
        Self {
            yui,
            config: Arc::new(config),
            admission,
        }
    }
}

/// The largest request body Yui accepts outside upload endpoints.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The whole application router with its middleware.
pub fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    Router::new()
        .route("/healthz", get(pages::ops::get_healthz))
        .route("/readyz", get(pages::ops::get_readyz))
        .route("/metrics", get(pages::ops::get_metrics))
        .route("/static/{file}", get(assets::get_asset))
        .route("/", get(pages::towns::get_towns))
        .route("/staff/login", get(pages::towns::get_staff_login_picker))
        .route("/{town}", get(pages::town::get_town_home))
        .route("/{town}/staff", get(pages::staff::home::get_staff_home))
        .route(
            "/{town}/staff/login",
            get(pages::staff::login::get_login).post(pages::staff::login::post_login),
        )
        .route(
            "/{town}/staff/logout",
            post(pages::staff::login::post_logout),
        )
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(i18n::language_middleware))
        .layer(CsrfLayer::new().with_rejection_response(error::cross_origin_rejection))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(
            http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.admission.clone(),
            admission::admission_middleware,
        ))
        .layer(axum::middleware::from_fn(observability::track_request))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}
