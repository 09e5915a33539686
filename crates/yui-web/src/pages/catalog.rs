//! The instance's public catalog for other Yui instances (no sign-in): `GET /catalog.json`
//! (the signed feed of shared apps), `GET /catalog/packages/{code}/{app}/{version}.yuipkg`
//! (one version's signed package file) and `POST /catalog/adoptions` (a signed notice that
//! a town installed a package). Answers are JSON; errors carry a stable code.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use yui_core::CoreError;

use crate::AppState;

/// The media type of package files.
pub const PACKAGE_MEDIA_TYPE: &str = "application/vnd.yui.package+json";

fn json_error(status: StatusCode, code: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "error": code }).to_string(),
    )
        .into_response()
}

fn failure(e: CoreError) -> Response {
    match e {
        CoreError::NotFound => json_error(StatusCode::NOT_FOUND, "not_found"),
        CoreError::Invalid(input) => json_error(
            StatusCode::BAD_REQUEST,
            input.problems.first().map_or("invalid", |p| p.code),
        ),
        CoreError::Unavailable(_) => json_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        other => {
            tracing::error!(error.cause = %other, "catalog request failed");
            json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
    }
}

pub async fn get_catalog(State(state): State<AppState>) -> Response {
    match state.yui.catalog_document().await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            text,
        )
            .into_response(),
        Err(e) => failure(e),
    }
}

pub async fn get_package_file(
    State(state): State<AppState>,
    Path((code, app, file)): Path<(String, String, String)>,
) -> Response {
    let Some(version) = file
        .strip_suffix(".yuipkg")
        .and_then(|v| v.parse::<u32>().ok())
    else {
        return json_error(StatusCode::NOT_FOUND, "not_found");
    };
    match state.yui.catalog_package_file(&code, &app, version).await {
        Ok(text) => {
            let mut response = ([(header::CONTENT_TYPE, PACKAGE_MEDIA_TYPE)], text).into_response();
            let disposition = format!("attachment; filename=\"{app}-{version}.yuipkg\"");
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, v);
            }
            response
        }
        Err(e) => failure(e),
    }
}

pub async fn post_adoption(State(state): State<AppState>, body: Bytes) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return json_error(StatusCode::BAD_REQUEST, "package.not_a_package");
    };
    match state.yui.receive_adoption(text).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failure(e),
    }
}
