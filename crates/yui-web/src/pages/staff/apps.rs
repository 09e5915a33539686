//! `/{town}/staff/apps`: the town's apps for staff — title, state and version in force — with
//! the pages under each app (today its handover manual).

pub mod manual;
pub mod share;
pub mod update;

use axum::extract::State;
use axum::response::Html;
use minijinja::context;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::session::StaffContext;
use crate::templates::render;

pub async fn get_apps(
    State(state): State<AppState>,
    ctx: StaffContext,
) -> Result<Html<String>, AppError> {
    let s = &ctx.session;
    let apps = state
        .yui
        .staff_apps(&s.actor(), s.tenant.id)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let english = ctx.lang == Lang::En;
    let rows: Vec<minijinja::Value> = apps
        .iter()
        .map(|app| {
            let title = match (&app.summary.title_en, english) {
                (Some(en), true) if !en.is_empty() => en.clone(),
                _ => app.summary.title_ja.clone(),
            };
            context! {
                slug => &app.slug,
                title => title,
                state => app.state.as_str(),
                version => app.published_version,
            }
        })
        .collect();
    render(
        ctx.lang,
        "staff/apps/index.html",
        context! { apps => rows, ..ctx.page_context("apps") },
    )
}
