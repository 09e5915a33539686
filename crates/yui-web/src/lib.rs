//! Yui's HTTP surface (axum): resident pages, the staff console, health and metrics.
//!
//! Modules mirror the URL space (`pages/staff/login.rs` serves `/{town}/staff/login`). Handlers
//! parse input, call one use case on [`yui_core::Yui`] and render; everything they render goes
//! through the embedded templates and the i18n layer, Japanese first.
#![forbid(unsafe_code)]

pub mod admission;
pub mod api;
pub mod assets;
pub mod download;
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
    /// Typesets handover manuals as PDF (the `yui-pdf` crate); `None` answers PDF requests
    /// with a page saying which fonts to install.
    pub manual_printer: Option<Arc<dyn yui_core::manual::ManualPrinter>>,
}

impl AppState {
    pub fn new(yui: Yui, config: WebConfig) -> Self {
        let admission = admission::Admission::new(config.admission);
        Self {
            yui,
            config: Arc::new(config),
            admission,
            manual_printer: None,
        }
    }

    /// The same state, printing handover manuals with `printer`.
    pub fn with_manual_printer(
        mut self,
        printer: Arc<dyn yui_core::manual::ManualPrinter>,
    ) -> Self {
        self.manual_printer = Some(printer);
        self
    }
}

/// The largest request body Yui accepts outside upload endpoints (enforced by the body
/// extractors through `DefaultBodyLimit`; upload routes raise it for themselves).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The largest request body Yui reads at all: the most a resident form with uploads may post.
const HARD_BODY_LIMIT: usize = pages::resident::body::MAX_UPLOAD_BODY;

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
        .route("/{town}/staff", get(pages::staff::home::get_staff_home))
        .route("/{town}/staff/apps", get(pages::staff::apps::get_apps))
        .route(
            "/{town}/staff/apps/{app}/manual",
            get(pages::staff::apps::manual::get_manual),
        )
        .route(
            "/{town}/staff/apps/{app}/manual.pdf",
            get(pages::staff::apps::manual::get_manual_pdf),
        )
        .route("/catalog.json", get(pages::catalog::get_catalog))
        .route(
            "/catalog/packages/{code}/{app}/{file}",
            get(pages::catalog::get_package_file),
        )
        .route(
            "/catalog/adoptions",
            post(pages::catalog::post_adoption).layer(axum::extract::DefaultBodyLimit::max(
                yui_core::sharing::MAX_ADOPTION_BYTES,
            )),
        )
        .route(
            "/{town}/staff/apps/{app}/share",
            get(pages::staff::apps::share::get_share).post(pages::staff::apps::share::post_share),
        )
        .route(
            "/{town}/staff/apps/{app}/share/package",
            get(pages::staff::apps::share::get_package),
        )
        .route(
            "/{town}/staff/apps/{app}/update",
            get(pages::staff::apps::update::get_update)
                .post(pages::staff::apps::update::post_update),
        )
        .route(
            "/{town}/staff/apps/{app}/update/check",
            post(pages::staff::apps::update::post_check),
        )
        .route(
            "/{town}/staff/apps/{app}/update/publish",
            post(pages::staff::apps::update::post_publish),
        )
        .route(
            "/{town}/staff/packages/import",
            get(pages::staff::packages::get_import).post(pages::staff::packages::post_import),
        )
        .route(
            "/{town}/staff/packages/import/confirm",
            post(pages::staff::packages::post_confirm),
        )
        .route(
            "/{town}/staff/catalogs",
            get(pages::staff::catalogs::get_catalogs).post(pages::staff::catalogs::post_follow),
        )
        .route(
            "/{town}/staff/catalogs/check",
            post(pages::staff::catalogs::post_check),
        )
        .route(
            "/{town}/staff/catalogs/{id}",
            get(pages::staff::catalogs::get_catalog),
        )
        .route(
            "/{town}/staff/catalogs/{id}/refresh",
            post(pages::staff::catalogs::post_refresh),
        )
        .route(
            "/{town}/staff/catalogs/{id}/install",
            post(pages::staff::catalogs::post_install),
        )
        .route(
            "/{town}/staff/catalogs/{id}/unfollow",
            post(pages::staff::catalogs::post_unfollow),
        )
        .route(
            "/{town}/staff/inbox/export",
            get(pages::staff::inbox_export::get_inbox_export),
        )
        .route(
            "/{town}/staff/login",
            get(pages::staff::login::get_login).post(pages::staff::login::post_login),
        )
        .route(
            "/{town}/staff/logout",
            post(pages::staff::login::post_logout),
        )
        .route("/{town}/staff/inbox", get(pages::staff::inbox::get_inbox))
        .route(
            "/{town}/staff/inbox/bulk",
            post(pages::staff::inbox::post_bulk),
        )
        .route(
            "/{town}/staff/submissions/{id}",
            get(pages::staff::submissions::get_submission),
        )
        .route(
            "/{town}/staff/submissions/{id}/print",
            get(pages::staff::submissions::get_print),
        )
        .route(
            "/{town}/staff/submissions/{id}/files/{blob}",
            get(pages::staff::submissions::get_file),
        )
        .route(
            "/{town}/staff/submissions/{id}/status",
            post(pages::staff::submissions::post_status),
        )
        .route(
            "/{town}/staff/submissions/{id}/assign",
            post(pages::staff::submissions::post_assign),
        )
        .route(
            "/{town}/staff/submissions/{id}/comment",
            post(pages::staff::submissions::post_comment),
        )
        .route("/{town}/staff/audit", get(pages::staff::audit::get_audit))
        .route(
            "/{town}/staff/audit/person",
            get(pages::staff::audit::get_person_report),
        )
        .route(
            "/{town}/correct/{token}",
            get(pages::correct::get_correction)
                .post(pages::correct::post_correction)
                .layer(axum::extract::DefaultBodyLimit::max(HARD_BODY_LIMIT)),
        )
        .merge(pages::resident::routes())
        .merge(pages::staff::builder::routes())
        .nest("/api/v1", api::v1::router())
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(i18n::language_middleware))
        .layer(CsrfLayer::new().with_rejection_response(error::cross_origin_rejection))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(HARD_BODY_LIMIT))
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
