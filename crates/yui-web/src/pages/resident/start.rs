//! `GET /{town}/apps/{app}`: an app's start page, and `POST /{town}/apps/{app}/start`, which
//! starts a draft and sends the resident to its first page. The draft's secret token in that
//! URL is the resident's resume link.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use yui_core::CoreError;
use yui_core::records::AppState as AppOpenState;
use yui_core::resident::Channel;

use super::view::Localised;
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::templates::{render, ser};

#[derive(Serialize)]
struct InfoRow {
    key: String,
    value: Localised,
}

pub async fn get_start(
    State(state): State<AppState>,
    Path((town, app)): Path<(String, String)>,
    lang: Lang,
) -> Result<Response, AppError> {
    let tenant = super::town(&state, &town, lang).await?;
    let published = state
        .yui
        .resident_app(tenant.id, &app)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let def = published.form.definition();
    let mut rows = Vec::new();
    if let Some(start) = &def.start {
        let mut row = |key: &str, value: Localised| {
            rows.push(InfoRow {
                key: lang.t(key),
                value,
            });
        };
        if let Some(t) = &start.what_you_need {
            row("resident-start-need", Localised::of(t, lang));
        }
        if let Some(minutes) = start.duration_minutes {
            row(
                "resident-start-duration",
                Localised {
                    text: lang.t_args("resident-minutes", &[("count", minutes.to_string())]),
                    lang: None,
                },
            );
        }
        if let Some(t) = &start.deadline {
            row("resident-start-deadline", Localised::of(t, lang));
        }
        if let Some(t) = &start.contact {
            row("resident-contact", Localised::of(t, lang));
        }
    }
    Ok(render(
        lang,
        "resident/start.html",
        context! {
            town => ser(&tenant),
            slug => &published.app.slug,
            app_title => ser(Localised::of(&def.title, lang)),
            description => def.description.as_ref().map(|d| ser(Localised::of(d, lang))),
            rows => ser(&rows),
            open => published.app.state == AppOpenState::Open,
            days => state.yui.settings().draft_lifetime.whole_days(),
        },
    )?
    .into_response())
}

pub async fn post_start(
    State(state): State<AppState>,
    Path((town, app)): Path<(String, String)>,
    lang: Lang,
) -> Result<Response, AppError> {
    let tenant = super::town(&state, &town, lang).await?;
    let published = state
        .yui
        .resident_app(tenant.id, &app)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    match state.yui.start_draft(&published, Channel::Web).await {
        Ok(draft) => Ok(super::see_other(&format!(
            "/{}/apps/{}/d/{}/p/1",
            tenant.slug, published.app.slug, draft.token
        ))),
        Err(CoreError::Invalid(_)) => Ok(super::closed(lang, &tenant)),
        Err(e) => Err(AppError::from_core(lang, e)),
    }
}
