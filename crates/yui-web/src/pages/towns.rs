//! `/`: the municipalities on this instance, and `/staff/login`: which town to sign in to.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::templates::{render, ser};

pub async fn get_towns(State(state): State<AppState>, lang: Lang) -> Result<Response, AppError> {
    let towns = state
        .yui
        .tenants()
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    if let [only] = towns.as_slice() {
        return Ok(Redirect::to(&format!("/{}", only.slug)).into_response());
    }
    Ok(render(
        lang,
        "towns.html",
        context! { towns => ser(&towns), staff => false },
    )?
    .into_response())
}

pub async fn get_staff_login_picker(
    State(state): State<AppState>,
    lang: Lang,
) -> Result<Response, AppError> {
    let towns = state
        .yui
        .tenants()
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    if let [only] = towns.as_slice() {
        return Ok(Redirect::to(&format!("/{}/staff/login", only.slug)).into_response());
    }
    Ok(render(
        lang,
        "towns.html",
        context! { towns => ser(&towns), staff => true },
    )?
    .into_response())
}
