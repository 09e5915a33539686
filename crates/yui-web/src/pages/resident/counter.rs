//! `GET|POST /{town}/staff/counter`: counter mode. Signed-in staff list the open apps and start
//! one for the resident at the counter; the resident then fills the ordinary draft pages,
//! which in counter mode offer no resume link, let the browser remember nothing, and end with
//! "next resident" after clearing what the browser kept.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::see_other;
use super::view::Localised;
use crate::AppState;
use crate::error::AppError;
use crate::session::StaffContext;
use crate::templates::{render, ser};

#[derive(Serialize)]
struct CounterApp {
    slug: String,
    title: Localised,
}

pub async fn get_counter(
    State(state): State<AppState>,
    ctx: StaffContext,
) -> Result<Response, AppError> {
    let s = &ctx.session;
    let apps = state
        .yui
        .counter_apps(&s.actor(), s.tenant.id)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let apps: Vec<CounterApp> = apps
        .iter()
        .map(|a| CounterApp {
            slug: a.app.slug.clone(),
            title: Localised::of(&a.form.definition().title, ctx.lang),
        })
        .collect();
    Ok(render(
        ctx.lang,
        "resident/counter.html",
        context! { apps => ser(&apps), ..ctx.page_context("counter") },
    )?
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct CounterForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    app: String,
}

pub async fn post_counter(
    State(state): State<AppState>,
    ctx: StaffContext,
    Form(form): Form<CounterForm>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(&form.csrf)?;
    let s = &ctx.session;
    let draft = state
        .yui
        .start_counter_draft(&s.actor(), s.tenant.id, &form.app)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    Ok(see_other(&format!(
        "/{}/apps/{}/d/{}/p/1",
        ctx.town(),
        draft.form.definition().id,
        draft.token
    )))
}
