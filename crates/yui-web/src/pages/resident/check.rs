//! The end of a draft: `GET …/d/{token}/check` (check your answers), `POST …/submit` (submit
//! exactly once: the draft's token is the idempotency key), `GET …/done` (the receipt, shown
//! only from the stored submission) and `GET …/print` (a printable summary).

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use yui_core::CoreError;
use yui_core::resident::SubmitError;

use super::flow::applicable;
use super::summary::{ChangeLinks, summarise};
use super::view::{ErrorLink, Localised, html_id};
use super::{Draft, load_draft, mail_language, see_other};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::session::ClientAddr;
use crate::templates::{render, ser};

pub async fn get_check(
    State(state): State<AppState>,
    Path((town, app, token)): Path<(String, String, String)>,
    lang: Lang,
) -> Response {
    let draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if draft.session.record.submitted {
        return see_other(&format!("{}/done", draft.base()));
    }
    match check_page(&state, &draft, &[], lang) {
        Ok((page, _)) => page,
        Err(e) => e.into_response(),
    }
}

/// The check page; `extra` are problems core found beyond the answers (a file to choose again,
/// an app that closed). Returns whether anything stops the submission.
fn check_page(
    state: &AppState,
    draft: &Draft,
    extra: &[ErrorLink],
    lang: Lang,
) -> Result<(Response, bool), AppError> {
    let form = &draft.session.form;
    let evaluation = form.evaluate(
        &Value::Object(draft.session.answers.clone()),
        &state.yui.eval_context(),
    );
    let base = draft.base();
    let summary = summarise(
        form,
        &evaluation,
        &draft.session.answers,
        lang,
        Some(&ChangeLinks { base: &base }),
    );
    let mut errors = summary.errors;
    errors.extend(extra.iter().cloned());
    let last = applicable(&evaluation, &form.pages())
        .last()
        .copied()
        .unwrap_or(1);
    let page = render(
        lang,
        "resident/check.html",
        context! {
            town => ser(&draft.tenant),
            app_title => ser(draft.app_title(lang)),
            sections => ser(&summary.sections),
            errors => ser(&errors),
            back => format!("{base}/p/{last}"),
            submit => format!("{base}/submit"),
        },
    )?;
    Ok((page.into_response(), !errors.is_empty()))
}

pub async fn post_submit(
    State(state): State<AppState>,
    Path((town, app, token)): Path<(String, String, String)>,
    lang: Lang,
    ClientAddr(client): ClientAddr,
) -> Response {
    let draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let done = format!("{}/done", draft.base());
    if draft.session.record.submitted {
        return see_other(&done);
    }
    let result = state
        .yui
        .submit_draft(
            &draft.tenant,
            &draft.session,
            draft.channel(),
            mail_language(lang),
            client,
        )
        .await;
    let extra = match result {
        Ok(receipt) => {
            tracing::info!(
                tenant.id = %draft.tenant.id,
                submission.id = %receipt.id,
                submission.duplicate = receipt.duplicate,
                "draft submitted"
            );
            return see_other(&done);
        }
        Err(SubmitError::Invalid(_)) => Vec::new(),
        Err(SubmitError::Core(CoreError::Invalid(input))) => input
            .problems
            .iter()
            .map(|p| ErrorLink {
                href: problem_link(&draft, &p.field),
                message: match lang {
                    Lang::Ja => p.message_ja.clone(),
                    Lang::En => p.message_en.clone(),
                },
            })
            .collect(),
        Err(SubmitError::Core(e)) => return AppError::from_core(lang, e).into_response(),
    };
    match check_page(&state, &draft, &extra, lang) {
        Ok((page, _)) => {
            let mut response = page;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(e) => e.into_response(),
    }
}

/// A link to the page holding the question at `path` (top-level name or `repeat[i].name`).
fn problem_link(draft: &Draft, path: &str) -> String {
    let name = path.split('[').next().unwrap_or(path);
    let page = draft
        .session
        .form
        .pages()
        .iter()
        .position(|p| p.fields.iter().any(|f| f == name))
        .map_or(1, |i| i + 1);
    format!("{}/p/{page}?return=check#{}", draft.base(), html_id(path))
}

pub async fn get_done(
    State(state): State<AppState>,
    Path((town, app, token)): Path<(String, String, String)>,
    lang: Lang,
) -> Response {
    let draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let submission = match state
        .yui
        .draft_submission(draft.tenant.id, &draft.session)
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => return see_other(&format!("{}/check", draft.base())),
        Err(e) => return AppError::from_core(lang, e).into_response(),
    };
    let def = draft.session.form.definition();
    let start = def.start.as_ref();
    let page = render(
        lang,
        "resident/done.html",
        context! {
            town => ser(&draft.tenant),
            app_title => ser(draft.app_title(lang)),
            receipt => &submission.receipt_number,
            email => &submission.contact_email,
            after_submit => start.and_then(|s| s.after_submit.as_ref()).map(|t| ser(Localised::of(t, lang))),
            contact => start.and_then(|s| s.contact.as_ref()).map(|t| ser(Localised::of(t, lang))),
            print => (!draft.counter()).then(|| format!("{}/print", draft.base())),
            counter => draft.counter(),
        },
    );
    match page {
        Ok(html) => {
            let mut response = html.into_response();
            if draft.counter() {
                // The tablet is shared: forget this resident's pages and anything stored.
                response.headers_mut().insert(
                    "clear-site-data",
                    HeaderValue::from_static("\"cache\", \"storage\""),
                );
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

pub async fn get_print(
    State(state): State<AppState>,
    Path((town, app, token)): Path<(String, String, String)>,
    lang: Lang,
) -> Response {
    let draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let submission = match state
        .yui
        .draft_submission(draft.tenant.id, &draft.session)
        .await
    {
        Ok(Some(s)) => s,
        Ok(None) => return see_other(&format!("{}/check", draft.base())),
        Err(e) => return AppError::from_core(lang, e).into_response(),
    };
    let answers: Map<String, Value> = match serde_json::from_str(&submission.answers) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let form = &draft.session.form;
    let evaluation = form.evaluate(&Value::Object(answers.clone()), &state.yui.eval_context());
    let summary = summarise(form, &evaluation, &answers, lang, None);
    let submitted_at = submission
        .submitted_at
        .to_offset(yui_domain::expr::JST)
        .format(&Rfc3339)
        .map(|s| s.replace('T', " ").chars().take(16).collect::<String>())
        .unwrap_or_default();
    match render(
        lang,
        "resident/print.html",
        context! {
            town => ser(&draft.tenant),
            app_title => ser(draft.app_title(lang)),
            receipt => &submission.receipt_number,
            submitted_at => submitted_at,
            sections => ser(&summary.sections),
            back => format!("{}/done", draft.base()),
        },
    ) {
        Ok(html) => html.into_response(),
        Err(e) => e.into_response(),
    }
}
