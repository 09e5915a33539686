//! `/{town}/staff`: the staff home page, showing who is signed in, for which town, in which role.

use axum::extract::State;
use axum::response::Html;
use minijinja::context;

use crate::AppState;
use crate::error::AppError;
use crate::session::StaffContext;
use crate::templates::render;

pub async fn get_staff_home(
    State(state): State<AppState>,
    ctx: StaffContext,
) -> Result<Html<String>, AppError> {
    let s = &ctx.session;
    let departments = state
        .yui
        .departments(&s.actor(), s.tenant.id)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let department = s
        .user
        .department_id
        .and_then(|id| departments.iter().find(|d| d.id == id))
        .map(|d| d.name.as_str().to_owned());
    render(
        ctx.lang,
        "staff/home.html",
        context! { department => department, ..ctx.page_context("home") },
    )
}
