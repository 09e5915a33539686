//! One error type for pages. Use-case errors become status codes and friendly pages in the
//! visitor's language; internal causes are logged (with the request id) and never shown.

use std::any::Any;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_http::csrf::ProtectionError;
use yui_core::CoreError;

use crate::i18n::Lang;
use crate::templates::render_error_page;

/// An error that ends a page request.
#[derive(Debug)]
pub enum AppError {
    NotFound(Lang),
    Forbidden(Lang),
    Throttled { lang: Lang, retry_after_secs: u64 },
    Unavailable(Lang),
    Internal { lang: Lang, cause: String },
}

impl AppError {
    pub fn from_core(lang: Lang, e: CoreError) -> Self {
        match e {
            CoreError::NotFound => AppError::NotFound(lang),
            CoreError::Forbidden => AppError::Forbidden(lang),
            CoreError::Throttled { retry_after_secs } => AppError::Throttled {
                lang,
                retry_after_secs,
            },
            CoreError::Unavailable(_) => AppError::Unavailable(lang),
            other => AppError::Internal {
                lang,
                cause: other.to_string(),
            },
        }
    }

    pub fn internal(lang: Lang, cause: impl std::fmt::Display) -> Self {
        AppError::Internal {
            lang,
            cause: cause.to_string(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, lang, kind) = match &self {
            AppError::NotFound(l) => (StatusCode::NOT_FOUND, *l, "not-found"),
            AppError::Forbidden(l) => (StatusCode::FORBIDDEN, *l, "forbidden"),
            AppError::Throttled { lang, .. } => (StatusCode::TOO_MANY_REQUESTS, *lang, "throttled"),
            AppError::Unavailable(l) => (StatusCode::SERVICE_UNAVAILABLE, *l, "unavailable"),
            AppError::Internal { lang, cause } => {
                tracing::error!(error.cause = %cause, "internal error while serving a page");
                (StatusCode::INTERNAL_SERVER_ERROR, *lang, "internal")
            }
        };
        let mut response = (status, render_error_page(lang, kind)).into_response();
        let retry = match &self {
            AppError::Throttled {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            AppError::Unavailable(_) => Some(30),
            _ => None,
        };
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// The answer to a state-changing request that came from another site.
pub fn cross_origin_rejection(error: ProtectionError) -> Response<Body> {
    tracing::warn!(csrf.error = ?error.kind(), "rejected a cross-origin state-changing request");
    (
        StatusCode::FORBIDDEN,
        render_error_page(Lang::Ja, "cross-origin"),
    )
        .into_response()
}

/// The answer when a handler panicked: a plain 500 page; the panic itself is logged.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %detail, "a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        render_error_page(Lang::Ja, "internal"),
    )
        .into_response()
}
