//! `/{town}/staff/apps/{app}/yaml`: the draft definition as text, editable. A save that does
//! not read or does not pass every check saves nothing and lists each problem with its line
//! and column, keeping the text as typed.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::{app_view, field, load, notice, problems};
use crate::AppState;
use crate::error::AppError;
use crate::session::StaffContext;
use crate::templates::{render, ser};

#[derive(Deserialize, Default)]
pub struct YamlQuery {
    #[serde(default)]
    notice: Option<String>,
}

async fn show(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    source: Option<&str>,
    errors: &[(String, String)],
    notice: Option<&str>,
) -> Result<Html<String>, AppError> {
    let (record, def) = load(state, ctx, slug).await?;
    render(
        ctx.lang,
        "staff/builder/yaml.html",
        context! {
            app => app_view(&record, &def, ctx.lang),
            tab => "yaml",
            source => source.unwrap_or(&record.draft_definition),
            errors => ser(errors),
            notice => notice,
            ..ctx.page_context("apps")
        },
    )
}

pub async fn get_yaml(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Query(query): Query<YamlQuery>,
) -> Result<Html<String>, AppError> {
    let notice = notice(query.notice.as_deref(), &["saved"]);
    show(&state, &ctx, &slug, None, &[], notice).await
}

pub async fn post_yaml(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let (record, _) = load(&state, &ctx, &slug).await?;
    let source = field(&pairs, "source").replace("\r\n", "\n");
    let s = &ctx.session;
    match state
        .yui
        .save_app_yaml(&s.actor(), s.tenant.id, record.id, &source)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/{}/staff/apps/{slug}/yaml?notice=saved",
            ctx.town()
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e, |_| "source".to_owned())?;
            let page = show(&state, &ctx, &slug, Some(&source), &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
