//! `/{town}`: a municipality's front page for residents.

use axum::extract::{Path, State};
use axum::response::Html;
use minijinja::context;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::templates::{render, ser};

pub async fn get_town_home(
    State(state): State<AppState>,
    Path(town): Path<String>,
    lang: Lang,
) -> Result<Html<String>, AppError> {
    let tenant = state
        .yui
        .tenant_by_slug(&town)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    render(lang, "town_home.html", context! { town => ser(&tenant) })
}
