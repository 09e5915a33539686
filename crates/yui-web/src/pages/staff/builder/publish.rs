//! `/{town}/staff/apps/{app}/publish`: what publishing the draft changes against the version
//! in force (in words, breaking changes first with the submissions they touch) and the
//! publish form; opening and closing the app (`…/state`); and `…/duplicate`, a copy of the
//! draft under a new URL name.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use yui_core::records::AppState as OpenState;

use super::fields::NoticeQuery;
use super::{app_view, definition_message, field, load, notice, problems};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::staff::sharing::change_groups;
use crate::session::StaffContext;
use crate::templates::{render, ser};

async fn show(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    summary: &str,
    errors: &[(String, String)],
    notice: Option<&str>,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let s = &ctx.session;
    let preview = state
        .yui
        .publish_preview(&s.actor(), s.tenant.id, slug)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let (_, def) = load(state, ctx, slug).await?;
    let impacts: Vec<minijinja::Value> = preview
        .impacts
        .iter()
        .map(|i| {
            let message = match lang {
                Lang::Ja => &i.change.message_ja,
                Lang::En => &i.change.message_en,
            };
            context! { message => message, affected => i.affected }
        })
        .collect();
    let problems: Vec<String> = preview
        .errors
        .iter()
        .map(|e| definition_message(lang, e))
        .collect();
    render(
        lang,
        "staff/builder/publish.html",
        context! {
            app => app_view(&preview.app, &def, lang),
            tab => "publish",
            changes => change_groups(lang, &preview.changes),
            impacts => impacts,
            problems => problems,
            summary => summary,
            open => preview.app.state == OpenState::Open,
            errors => ser(errors),
            notice => notice,
            ..ctx.page_context("apps")
        },
    )
}

pub async fn get_publish(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let notice = notice(query.notice.as_deref(), &["published", "opened", "closed"]);
    show(&state, &ctx, &slug, "", &[], notice).await
}

pub async fn post_publish(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let (record, _) = load(&state, &ctx, &slug).await?;
    let summary = field(&pairs, "change_summary");
    let s = &ctx.session;
    match state
        .yui
        .publish_app(&s.actor(), s.tenant.id, record.id, summary)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/{}/staff/apps/{slug}/publish?notice=published",
            ctx.town()
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e, |_| "problems".to_owned())?;
            let page = show(&state, &ctx, &slug, summary, &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn post_state(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let (record, _) = load(&state, &ctx, &slug).await?;
    let open = field(&pairs, "open") == "1";
    let s = &ctx.session;
    match state
        .yui
        .set_app_open(&s.actor(), s.tenant.id, record.id, open)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/{}/staff/apps/{slug}/publish?notice={}",
            ctx.town(),
            if open { "opened" } else { "closed" }
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e, |_| "state".to_owned())?;
            let page = show(&state, &ctx, &slug, "", &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn show_duplicate(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    values: (&str, &str),
    errors: &[(String, String)],
) -> Result<Html<String>, AppError> {
    let (record, def) = load(state, ctx, slug).await?;
    render(
        ctx.lang,
        "staff/builder/duplicate.html",
        context! {
            app => app_view(&record, &def, ctx.lang),
            slug_value => values.0,
            title_value => values.1,
            errors => ser(errors),
            ..ctx.page_context("apps")
        },
    )
}

pub async fn get_duplicate(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let (_, def) = load(&state, &ctx, &slug).await?;
    let title = format!("{}{}", def.title.ja, ctx.lang.t("builder-copy-suffix"));
    show_duplicate(&state, &ctx, &slug, (&format!("{slug}-copy"), &title), &[]).await
}

pub async fn post_duplicate(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let (new_slug, title) = (field(&pairs, "slug"), field(&pairs, "title"));
    let s = &ctx.session;
    match state
        .yui
        .duplicate_app(&s.actor(), s.tenant.id, &slug, new_slug, title)
        .await
    {
        Ok(copy) => Ok(Redirect::to(&format!(
            "/{}/staff/apps/{}/edit?notice=duplicated-app",
            ctx.town(),
            copy.slug
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e, |_| "slug".to_owned())?;
            let page = show_duplicate(&state, &ctx, &slug, (new_slug, title), &errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
