//! The one-shot form: `GET /{town}/apps/{app}/form` (every question on one page, no draft),
//! `POST /{town}/apps/{app}/submit` (all answers in one request, made idempotent by the
//! random `_key` the form carries, or `?k=`), and `GET /{town}/apps/{app}/k/{key}/done`.
//!
//! The submit endpoint is also what the load benchmark posts to, so its success path only
//! parses, submits and redirects: nothing is rendered.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;
use serde_json::{Map, Value};
use yui_core::CoreError;
use yui_core::apps::PublishedApp;
use yui_core::error::FieldProblem;
use yui_core::model::Tenant;
use yui_core::records::AppState as AppOpenState;
use yui_core::resident::{Channel, SubmitError};
use yui_core::token::new_token;

use super::answers::{Action, Controls, apply_row_action, drop_empty_rows, parse_answers};
use super::body::read_form;
use super::render::{FormPage, SectionSpec, body_limit, ensure_rows};
use super::view::{ErrorLink, ErrorMode, Localised};
use super::{closed, mail_language, see_other};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::session::{ClientAddr, urlencode};
use crate::templates::{render, render_error_page, ser};

#[derive(Debug, Default, Deserialize)]
pub struct SubmitQuery {
    /// The idempotency key, for clients that put it in the URL.
    k: Option<String>,
}

async fn app_of(
    state: &AppState,
    town: &str,
    app: &str,
    lang: Lang,
) -> Result<(Tenant, PublishedApp), AppError> {
    let tenant = super::town(state, town, lang).await?;
    let published = state
        .yui
        .resident_app(tenant.id, app)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    Ok((tenant, published))
}

pub async fn get_form(
    State(state): State<AppState>,
    Path((town, app)): Path<(String, String)>,
    lang: Lang,
) -> Response {
    let (tenant, published) = match app_of(&state, &town, &app, lang).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    if published.app.state != AppOpenState::Open {
        return closed(lang, &tenant);
    }
    let key = match new_token() {
        Ok(k) => k,
        Err(e) => return AppError::from_core(lang, e).into_response(),
    };
    let raw = published.form.initial_answers(&state.yui.eval_context());
    form_page(
        &state,
        &tenant,
        &published,
        raw,
        &key,
        ErrorMode::Hidden,
        &[],
        &[],
        lang,
    )
}

pub async fn post_submit(
    State(state): State<AppState>,
    Path((town, app)): Path<(String, String)>,
    Query(query): Query<SubmitQuery>,
    lang: Lang,
    ClientAddr(client): ClientAddr,
    request: Request,
) -> Response {
    let (tenant, published) = match app_of(&state, &town, &app, lang).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let form = &published.form;
    let pages = form.pages();
    let names: Vec<&String> = pages.iter().flat_map(|p| &p.fields).collect();
    let posted = match read_form(request, body_limit(form, &names)).await {
        Ok(p) => p,
        Err(e) => return (e.status(), render_error_page(lang, "unavailable")).into_response(),
    };
    let controls = Controls::from_pairs(&posted.pairs);
    let key = controls.key.clone().or(query.k).unwrap_or_default();
    let mut raw = parse_answers(form, &posted.pairs);
    if let Action::Add(_) | Action::Remove(..) = controls.action {
        apply_row_action(&mut raw, &controls.action);
        return form_page(
            &state,
            &tenant,
            &published,
            raw,
            &key,
            ErrorMode::Hidden,
            &[],
            &[],
            lang,
        );
    }
    drop_empty_rows(form, &mut raw);
    let result = state
        .yui
        .submit_answers(
            &tenant,
            &published,
            raw.clone(),
            posted.files,
            &key,
            Channel::Web,
            mail_language(lang),
            client,
        )
        .await;
    let (uploads, notices) = match result {
        Ok(_) => {
            return see_other(&format!(
                "/{}/apps/{}/k/{}/done",
                tenant.slug,
                published.app.slug,
                urlencode(&key)
            ));
        }
        Err(SubmitError::Invalid(_)) => (Vec::new(), Vec::new()),
        Err(SubmitError::Core(CoreError::Invalid(input))) => {
            if input.problems.iter().any(|p| p.code == "app.closed") {
                return closed(lang, &tenant);
            }
            let (fields, others): (Vec<FieldProblem>, Vec<FieldProblem>) = input
                .problems
                .into_iter()
                .partition(|p| form.field(&p.field).is_some());
            let notices = others
                .into_iter()
                .map(|p| ErrorLink {
                    href: "#main".into(),
                    message: match lang {
                        Lang::Ja => p.message_ja,
                        Lang::En => p.message_en,
                    },
                })
                .collect();
            (fields, notices)
        }
        Err(SubmitError::Core(e)) => return AppError::from_core(lang, e).into_response(),
    };
    // A key that core refused is replaced, so sending again can work.
    let key = if key.len() < 16 || key.len() > 128 {
        new_token().unwrap_or_default()
    } else {
        key
    };
    let mut response = form_page(
        &state,
        &tenant,
        &published,
        raw,
        &key,
        ErrorMode::All,
        &uploads,
        &notices,
        lang,
    );
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    tenant: &Tenant,
    published: &PublishedApp,
    mut raw: Map<String, Value>,
    key: &str,
    errors: ErrorMode<'_>,
    uploads: &[FieldProblem],
    notices: &[ErrorLink],
    lang: Lang,
) -> Response {
    let form = &published.form;
    let pages = form.pages();
    let all: Vec<String> = pages.iter().flat_map(|p| p.fields.clone()).collect();
    ensure_rows(form, &mut raw, &all);
    let ctx = state.yui.eval_context();
    let evaluation = form.evaluate(&Value::Object(raw.clone()), &ctx);
    let sections = pages
        .iter()
        .map(|p| SectionSpec {
            title: p.title.as_ref().map(|t| Localised::of(t, lang)),
            fields: p.fields.clone(),
        })
        .collect();
    let page = FormPage {
        tenant,
        form,
        raw: &raw,
        evaluation: &evaluation,
        ctx: &ctx,
        lang,
        sections,
        errors,
        upload_errors: uploads,
        notices,
        counter: false,
        heading: false,
        title: Localised::of(&form.definition().title, lang),
        action: format!("/{}/apps/{}/submit", tenant.slug, published.app.slug),
        back: Some(format!("/{}/apps/{}", tenant.slug, published.app.slug)),
        progress: None,
        submit_label: lang.t("resident-submit"),
        save: false,
        key: Some(key.to_owned()),
    }
    .render();
    match page {
        Ok(p) => p.html.into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn get_done(
    State(state): State<AppState>,
    Path((town, app, key)): Path<(String, String, String)>,
    lang: Lang,
) -> Response {
    let (tenant, published) = match app_of(&state, &town, &app, lang).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let submission = match state.yui.submission_by_key(tenant.id, &key).await {
        Ok(Some(s)) if s.app_id == published.app.id => s,
        Ok(_) => return AppError::NotFound(lang).into_response(),
        Err(e) => return AppError::from_core(lang, e).into_response(),
    };
    let def = published.form.definition();
    let start = def.start.as_ref();
    match render(
        lang,
        "resident/done.html",
        context! {
            town => ser(&tenant),
            app_title => ser(Localised::of(&def.title, lang)),
            receipt => &submission.receipt_number,
            email => &submission.contact_email,
            after_submit => start.and_then(|s| s.after_submit.as_ref()).map(|t| ser(Localised::of(t, lang))),
            contact => start.and_then(|s| s.contact.as_ref()).map(|t| ser(Localised::of(t, lang))),
            print => None::<String>,
            counter => false,
        },
    ) {
        Ok(html) => html.into_response(),
        Err(e) => e.into_response(),
    }
}
