//! `/{town}/staff/apps/{app}/preview`: the draft as a resident would see it, at phone (375px)
//! and desktop widths, each an iframe of `…/preview/frame`. The frame is the resident
//! renderer's one-shot form of the draft; sending it stores nothing and says so.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde_json::Value;
use yui_domain::definition::Form;

use super::{app_view, definition_message, load};
use crate::AppState;
use crate::error::AppError;
use crate::pages::resident::render::{FormPage, SectionSpec, ensure_rows};
use crate::pages::resident::view::{ErrorLink, ErrorMode, Localised};
use crate::session::StaffContext;
use crate::templates::render;

pub async fn get_preview(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let (record, def) = load(&state, &ctx, &slug).await?;
    let problems: Vec<String> = match Form::from_yaml(&record.draft_definition) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| definition_message(ctx.lang, e))
            .collect(),
    };
    render(
        ctx.lang,
        "staff/builder/preview.html",
        context! {
            app => app_view(&record, &def, ctx.lang),
            tab => "preview",
            problems => problems,
            ..ctx.page_context("apps")
        },
    )
}

/// The draft's form, rendered as residents get it; `sent` adds the note that nothing was sent.
async fn frame(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    sent: bool,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let (record, _) = load(state, ctx, slug).await?;
    let form = Form::from_yaml(&record.draft_definition).map_err(|_| AppError::NotFound(lang))?;
    let pages = form.pages();
    let all: Vec<String> = pages.iter().flat_map(|p| p.fields.clone()).collect();
    let eval = state.yui.eval_context();
    let mut raw = form.initial_answers(&eval);
    ensure_rows(&form, &mut raw, &all);
    let evaluation = form.evaluate(&Value::Object(raw.clone()), &eval);
    let notices = if sent {
        vec![ErrorLink {
            href: "#main".into(),
            message: lang.t("builder-preview-not-sent"),
        }]
    } else {
        Vec::new()
    };
    let url = format!("/{}/staff/apps/{slug}/preview/frame", ctx.town());
    let page = FormPage {
        tenant: &ctx.session.tenant,
        form: &form,
        raw: &raw,
        evaluation: &evaluation,
        ctx: &eval,
        lang,
        sections: pages
            .iter()
            .map(|p| SectionSpec {
                title: p.title.as_ref().map(|t| Localised::of(t, lang)),
                fields: p.fields.clone(),
            })
            .collect(),
        errors: ErrorMode::Hidden,
        upload_errors: &[],
        notices: &notices,
        counter: false,
        heading: false,
        title: Localised::of(&form.definition().title, lang),
        action: url,
        back: None,
        progress: None,
        submit_label: lang.t("builder-preview-submit"),
        save: false,
        key: None,
    }
    .render()?;
    let mut response = page.html.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'self'; form-action 'self'"),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn get_frame(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Response, AppError> {
    frame(&state, &ctx, &slug, false).await
}

/// A preview that was "sent": nothing is stored; the form comes back with a note.
pub async fn post_frame(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Response, AppError> {
    frame(&state, &ctx, &slug, true).await
}
