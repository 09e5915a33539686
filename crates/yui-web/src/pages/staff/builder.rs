//! The app builder under `/{town}/staff/apps`: a new app (`/new`), and for each app its
//! field editor (`/{app}/edit`, one page per field and per condition), the YAML view
//! (`/{app}/yaml`), the resident preview (`/{app}/preview`), publishing, opening and closing
//! (`/{app}/publish`, `/{app}/state`) and duplicating (`/{app}/duplicate`).
//!
//! Every change is a plain POST form with the CSRF token that redirects back with a notice, so
//! the builder works without JavaScript; `yui-builder.js` only saves field forms as you type.
//! Permissions are the use cases' (`BuildApps`): other roles get 403, other towns 404.

pub mod condition;
pub mod fields;
pub mod new;
pub mod preview;
pub mod publish;
pub mod yaml;

use axum::Router;
use axum::routing::{get, post};
use minijinja::{Value, context};
use yui_core::CoreError;
use yui_core::records::AppRecord;
use yui_domain::definition::{AppDefinition, DefinitionError};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::session::StaffContext;

/// The builder's routes (merged into the application router).
pub fn routes() -> Router<AppState> {
    let app = "/{town}/staff/apps/{app}";
    Router::new()
        .route(
            "/{town}/staff/apps/new",
            get(new::get_new).post(new::post_new),
        )
        .route(
            &format!("{app}/yaml"),
            get(yaml::get_yaml).post(yaml::post_yaml),
        )
        .route(&format!("{app}/edit"), get(fields::get_edit))
        .route(
            &format!("{app}/edit/add-field"),
            post(fields::post_add_field),
        )
        .route(&format!("{app}/edit/add-page"), post(fields::post_add_page))
        .route(
            &format!("{app}/edit/fields/{{field}}"),
            get(fields::get_field).post(fields::post_field),
        )
        .route(
            &format!("{app}/edit/fields/{{field}}/move"),
            post(fields::post_move),
        )
        .route(
            &format!("{app}/edit/fields/{{field}}/duplicate"),
            post(fields::post_duplicate),
        )
        .route(
            &format!("{app}/edit/fields/{{field}}/delete"),
            get(fields::get_delete).post(fields::post_delete),
        )
        .route(
            &format!("{app}/edit/fields/{{field}}/condition"),
            get(condition::get_condition).post(condition::post_condition),
        )
        .route(&format!("{app}/preview"), get(preview::get_preview))
        .route(
            &format!("{app}/preview/frame"),
            get(preview::get_frame).post(preview::post_frame),
        )
        .route(
            &format!("{app}/publish"),
            get(publish::get_publish).post(publish::post_publish),
        )
        .route(&format!("{app}/state"), post(publish::post_state))
        .route(
            &format!("{app}/duplicate"),
            get(publish::get_duplicate).post(publish::post_duplicate),
        )
}

/// The app as the builder's pages show it in their heading and tabs.
pub fn app_view(record: &AppRecord, def: &AppDefinition, lang: Lang) -> Value {
    context! {
        slug => &record.slug,
        title => def.title.get(lang.code()),
        state => record.state.as_str(),
        version => record.published_version,
    }
}

/// The app and its draft, or the page's error (403 for roles that do not build, 404 for
/// another town's or a missing app).
pub async fn load(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
) -> Result<(AppRecord, AppDefinition), AppError> {
    let s = &ctx.session;
    state
        .yui
        .builder_app(&s.actor(), s.tenant.id, slug)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))
}

/// One definition error in words, with its place in the YAML text when known.
pub fn definition_message(lang: Lang, e: &DefinitionError) -> String {
    let message = match lang {
        Lang::Ja => &e.message_ja,
        Lang::En => &e.message_en,
    };
    match (e.line, e.column) {
        (Some(line), Some(column)) => lang.t_args(
            "builder-error-at",
            &[
                ("line", line.to_string()),
                ("column", column.to_string()),
                ("message", message.clone()),
            ],
        ),
        _ => message.clone(),
    }
}

/// A use case's complaint as `(input id, message)` pairs; `place` names the input a
/// definition error belongs to (from its path). Anything else ends the request.
pub fn problems(
    lang: Lang,
    e: CoreError,
    place: impl Fn(&DefinitionError) -> String,
) -> Result<Vec<(String, String)>, AppError> {
    match e {
        CoreError::Invalid(input) => Ok(input
            .problems
            .into_iter()
            .map(|p| {
                let message = match lang {
                    Lang::Ja => p.message_ja,
                    Lang::En => p.message_en,
                };
                (p.field, message)
            })
            .collect()),
        CoreError::Definition(errors) => Ok(errors
            .0
            .iter()
            .map(|d| (place(d), definition_message(lang, d)))
            .collect()),
        other => Err(AppError::from_core(lang, other)),
    }
}

/// Reads one value of a form posted as pairs.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The notice named in `?notice=`, if it is one of `known`.
pub fn notice(query: Option<&str>, known: &[&'static str]) -> Option<&'static str> {
    query.and_then(|q| known.iter().copied().find(|k| *k == q))
}

/// Whether a request came from the autosave script (answered with 204 instead of a redirect).
pub fn is_autosave(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key("x-yui-autosave")
}
