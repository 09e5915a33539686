//! `/{town}/staff/apps/new`: start an app from a blank form or from one of the templates
//! shipped with Yui, under a URL name and a title the builder chooses.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use yui_core::Permission;
use yui_core::builder::{NewAppInput, app_templates};

use super::{field, problems};
use crate::AppState;
use crate::error::AppError;
use crate::session::StaffContext;
use crate::templates::{render, ser};

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    template: Option<String>,
}

fn show(
    ctx: &StaffContext,
    input: &NewAppInput,
    errors: &[(String, String)],
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang.code();
    let templates: Vec<minijinja::Value> = app_templates()
        .iter()
        .map(|t| {
            let d = &t.definition;
            context! {
                id => &d.id,
                title => d.title.get(lang),
                description => d.description.as_ref().map(|x| x.get(lang)),
                audience => if d.audience == yui_domain::definition::Audience::Staff { "staff" } else { "public" },
            }
        })
        .collect();
    render(
        ctx.lang,
        "staff/builder/new.html",
        context! {
            templates => templates,
            chosen => &input.template,
            slug => &input.slug,
            title_value => &input.title,
            errors => ser(errors),
            ..ctx.page_context("apps")
        },
    )
}

pub async fn get_new(
    ctx: StaffContext,
    Query(query): Query<NewQuery>,
) -> Result<Html<String>, AppError> {
    ctx.session
        .actor()
        .require(Permission::BuildApps, ctx.session.tenant.id)
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let input = NewAppInput {
        template: query.template.unwrap_or_default(),
        ..NewAppInput::default()
    };
    show(&ctx, &input, &[])
}

pub async fn post_new(
    State(state): State<AppState>,
    ctx: StaffContext,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let input = NewAppInput {
        template: field(&pairs, "template").to_owned(),
        slug: field(&pairs, "slug").trim().to_owned(),
        title: field(&pairs, "title").to_owned(),
    };
    let s = &ctx.session;
    match state.yui.new_app(&s.actor(), s.tenant.id, &input).await {
        Ok(app) => Ok(Redirect::to(&format!(
            "/{}/staff/apps/{}/edit?notice=created",
            ctx.town(),
            app.slug
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e, |_| "template".to_owned())?;
            let page = show(&ctx, &input, &errors)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
