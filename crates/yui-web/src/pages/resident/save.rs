//! `GET|POST /{town}/apps/{app}/d/{token}/save`: "save and come back later". Shows the resume
//! link to copy and sends it by e-mail on request. Counter drafts have no resume link.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;
use yui_core::CoreError;

use super::view::ErrorLink;
use super::{Draft, load_draft, mail_language, see_other};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::templates::{render, ser};

#[derive(Debug, Default, Deserialize)]
pub struct SaveQuery {
    #[serde(default)]
    sent: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    email: String,
}

pub async fn get_save(
    State(state): State<AppState>,
    Path((town, app, token)): Path<(String, String, String)>,
    Query(query): Query<SaveQuery>,
    lang: Lang,
) -> Response {
    let draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if draft.counter() {
        return AppError::NotFound(lang).into_response();
    }
    if draft.session.record.submitted {
        return see_other(&format!("{}/done", draft.base()));
    }
    save_page(&state, &draft, query.sent, "", &[], lang)
}

pub async fn post_save(
    State(state): State<AppState>,
    Path((town, app, token)): Path<(String, String, String)>,
    lang: Lang,
    Form(form): Form<SaveForm>,
) -> Response {
    let draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if draft.counter() {
        return AppError::NotFound(lang).into_response();
    }
    let email = form.email.trim();
    let result = if email.is_empty() {
        Err(vec![ErrorLink {
            href: "#email".into(),
            message: lang.t("resident-save-email-required"),
        }])
    } else {
        match state
            .yui
            .email_resume_link(&draft.tenant, &draft.session, email, mail_language(lang))
            .await
        {
            Ok(()) => Ok(()),
            Err(CoreError::Invalid(input)) => Err(input
                .problems
                .iter()
                .map(|p| ErrorLink {
                    href: "#email".into(),
                    message: match lang {
                        Lang::Ja => p.message_ja.clone(),
                        Lang::En => p.message_en.clone(),
                    },
                })
                .collect()),
            Err(e) => return AppError::from_core(lang, e).into_response(),
        }
    };
    match result {
        Ok(()) => see_other(&format!("{}/save?sent=true", draft.base())),
        Err(errors) => {
            let mut response = save_page(&state, &draft, false, email, &errors, lang);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
    }
}

fn save_page(
    state: &AppState,
    draft: &Draft,
    sent: bool,
    email: &str,
    errors: &[ErrorLink],
    lang: Lang,
) -> Response {
    let base = draft.base();
    let page = render(
        lang,
        "resident/save.html",
        context! {
            town => ser(&draft.tenant),
            app_title => ser(draft.app_title(lang)),
            link => format!("{}{base}", state.config.public_url.trim_end_matches('/')),
            resume => &base,
            action => format!("{base}/save"),
            days => state.yui.settings().draft_lifetime.whole_days(),
            sent => sent,
            email => email,
            errors => ser(errors),
        },
    );
    match page {
        Ok(html) => html.into_response(),
        Err(e) => e.into_response(),
    }
}
