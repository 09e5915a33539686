//! `/api/v1`: JSON for other systems, authenticated by a town's API token
//! (`Authorization: Bearer yui_…`, see `yui admin create-api-token`). What a token may do
//! follows its role, with the staff permission matrix; another town's objects do not exist
//! (404). Errors have one shape ([`error::ErrorBody`]). The OpenAPI 3.1 document is generated
//! from these handlers and served at `GET /api/v1/openapi.json`.

pub mod apps;
pub mod auth;
pub mod error;
pub mod export;
pub mod submissions;

use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use yui_core::clock::JST;

use crate::AppState;
use error::{ApiError, field};

/// The API's routes, to be nested under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(get_openapi))
        .route("/apps", get(apps::get_apps))
        .route("/apps/{app}/submissions", post(apps::post_submission))
        .route("/submissions", get(submissions::get_submissions))
        .route("/submissions/{id}", get(submissions::get_submission))
        .route(
            "/submissions/{id}/transitions",
            post(submissions::post_transition),
        )
        .route(
            "/submissions/{id}/assignee",
            post(submissions::post_assignee),
        )
        .route("/export", get(export::get_export))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// The query string as ordered pairs (repeated keys kept, as filters need).
pub(crate) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

/// A JSON request body, or a 422 saying what is wrong with it.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid(vec![field(
            "body",
            "body.invalid",
            "リクエスト本文の JSON を読めません。",
            &format!("The JSON body does not read: {e}"),
        )])
    })
}

/// A time in Japan, RFC 3339 (`2026-04-01T09:00:00+09:00`).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(JST)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Adds the bearer-token scheme the operations refer to.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("yui_…")
                    .description(Some(
                        "An API token of the municipality, created with `yui admin create-api-token`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yui API",
        version = "1",
        description = "Read and process a municipality's submissions, export them, and deliver \
                       applications received elsewhere. Authenticate with a bearer API token of \
                       the municipality; what a token may do follows its role (admin, builder, \
                       reviewer, viewer). Errors are `{\"error\": {\"code\", \"message_ja\", \
                       \"message_en\", \"fields\"}}`.",
        license(name = "MIT OR Apache-2.0")
    ),
    paths(
        apps::get_apps,
        apps::post_submission,
        submissions::get_submissions,
        submissions::get_submission,
        submissions::post_transition,
        submissions::post_assignee,
        export::get_export,
    ),
    modifiers(&BearerToken),
    tags(
        (name = "apps", description = "The apps of the municipality"),
        (name = "submissions", description = "The inbox, one submission, status changes, assignment, delivering submissions"),
        (name = "export", description = "CSV, XLSX and NDJSON exports of one app's filtered submissions"),
    )
)]
pub struct ApiDoc;

/// The OpenAPI document (public: it describes the API, not any data).
pub async fn get_openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
