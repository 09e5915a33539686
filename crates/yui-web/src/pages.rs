//! Page handlers, one module per part of the URL space.

pub mod catalog;
pub mod correct;
pub mod ops;
pub mod resident;
pub mod staff;
pub mod towns;

use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::i18n::Lang;

/// Anything no route matches.
pub async fn not_found(lang: Lang) -> Response {
    AppError::NotFound(lang).into_response()
}
