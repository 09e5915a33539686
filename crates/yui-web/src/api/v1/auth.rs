//! Who is calling the API: the bearer token in `Authorization`, and nothing else. Session
//! cookies are never accepted here, so a browser tab signed in to the staff console cannot be
//! used to call the API (and CSRF does not apply).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use yui_core::Actor;
use yui_core::model::Tenant;

use super::error::ApiError;
use crate::AppState;

/// The token's actor and its town.
pub struct ApiCaller {
    pub actor: Actor,
    pub tenant: Tenant,
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        match state.yui.authenticate_api_token(token).await {
            Ok((actor, tenant)) => Ok(ApiCaller { actor, tenant }),
            Err(yui_core::CoreError::NotFound) => Err(ApiError::unauthorized()),
            Err(e) => Err(e.into()),
        }
    }
}
