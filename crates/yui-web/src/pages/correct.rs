//! `/{town}/correct/{token}`: the resident corrects a submission staff returned. The link
//! comes in the e-mail; it shows the staff member's reason and the whole form filled with the
//! answers given before, rendered and read exactly as the resident form renders and reads
//! them (`pages::resident`: the same field macros, the same raw-answer parser, the same error
//! pattern; JavaScript optional). Sending it stores the corrected answers as the next revision
//! of the same submission and confirms with the receipt number. A link that expired or was
//! used is a friendly "not found" that says links last 14 days and work once.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use serde_json::{Map, Value};
use yui_core::CoreError;
use yui_core::error::FieldProblem;
use yui_core::model::Tenant;
use yui_core::processing::{CORRECTION_LINK_LIFETIME, CorrectionSession};
use yui_core::resident::SubmitError;
use yui_domain::definition::Form;
use yui_domain::validate::Evaluation;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::resident::answers::{
    Action, Controls, apply_row_action, drop_empty_rows, parse_answers,
};
use crate::pages::resident::body::{MAX_UPLOAD_BODY, read_form};
use crate::pages::resident::view::{ErrorLink, ErrorMode, FieldView, Localised, Renderer};
use crate::templates::{render, ser};

/// One page of the form with its questions rendered.
#[derive(Serialize)]
struct SectionView {
    title: Option<Localised>,
    fields: Vec<FieldView>,
}

/// How the form is shown: fresh, after an add/remove-row button, or with the problems found.
enum Mode<'a> {
    Fresh,
    Rows,
    Problems {
        evaluation: &'a Evaluation,
        uploads: &'a [FieldProblem],
    },
}

pub async fn get_correction(
    State(state): State<AppState>,
    Path((town, token)): Path<(String, String)>,
    lang: Lang,
) -> Result<Response, AppError> {
    let (tenant, session) = match open(&state, &town, &token, lang).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    let raw: Map<String, Value> = serde_json::from_str(&session.record.answers).unwrap_or_default();
    form_page(&state, &tenant, &session, &raw, Mode::Fresh, lang)
}

pub async fn post_correction(
    State(state): State<AppState>,
    Path((town, token)): Path<(String, String)>,
    lang: Lang,
    request: Request,
) -> Result<Response, AppError> {
    let (tenant, session) = match open(&state, &town, &token, lang).await? {
        Ok(found) => found,
        Err(gone) => return Ok(gone),
    };
    let posted = match read_form(request, MAX_UPLOAD_BODY).await {
        Ok(posted) => posted,
        Err(e) => {
            tracing::info!(error = %e, "a correction form could not be read");
            let raw: Map<String, Value> =
                serde_json::from_str(&session.record.answers).unwrap_or_default();
            let evaluation = session
                .form
                .evaluate(&Value::Object(raw.clone()), &state.yui.eval_context());
            let problem = FieldProblem {
                field: "form".into(),
                code: "form.unreadable",
                message_ja: Lang::Ja.t("correct-unreadable"),
                message_en: Lang::En.t("correct-unreadable"),
            };
            let mode = Mode::Problems {
                evaluation: &evaluation,
                uploads: std::slice::from_ref(&problem),
            };
            return form_page(&state, &tenant, &session, &raw, mode, lang);
        }
    };
    let controls = Controls::from_pairs(&posted.pairs);
    let mut raw = parse_answers(&session.form, &posted.pairs);
    keep_earlier_files(&session, &mut raw, &posted.files);
    if matches!(controls.action, Action::Add(_) | Action::Remove(..)) {
        apply_row_action(&mut raw, &controls.action);
        return form_page(&state, &tenant, &session, &raw, Mode::Rows, lang);
    }
    drop_empty_rows(&session.form, &mut raw);
    let result = state
        .yui
        .apply_resident_correction(&session, &token, raw.clone(), posted.files)
        .await;
    match result {
        Ok(revision) => done_page(&tenant, &session, revision, lang),
        Err(SubmitError::Invalid(evaluation)) => {
            let mode = Mode::Problems {
                evaluation: &evaluation,
                uploads: &[],
            };
            form_page(&state, &tenant, &session, &raw, mode, lang)
        }
        Err(SubmitError::Core(CoreError::Invalid(input))) => {
            let evaluation = session
                .form
                .evaluate(&Value::Object(raw.clone()), &state.yui.eval_context());
            let mode = Mode::Problems {
                evaluation: &evaluation,
                uploads: &input.problems,
            };
            form_page(&state, &tenant, &session, &raw, mode, lang)
        }
        // Used meanwhile (another tab), or staff took it back: the link no longer applies.
        Err(SubmitError::Core(CoreError::NotFound | CoreError::Conflict { .. })) => {
            gone_page(Some(&tenant), lang)
        }
        Err(SubmitError::Core(e)) => Err(AppError::from_core(lang, e)),
    }
}

/// The town and the returned submission behind a link, or the page saying the link is gone.
async fn open(
    state: &AppState,
    town: &str,
    token: &str,
    lang: Lang,
) -> Result<Result<(Tenant, CorrectionSession), Response>, AppError> {
    let tenant = state
        .yui
        .tenant_by_slug(town)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    match state.yui.correction_session(&tenant, token).await {
        Ok(session) => Ok(Ok((tenant, session))),
        Err(CoreError::NotFound) => Ok(Err(gone_page(Some(&tenant), lang)?)),
        Err(e) => Err(AppError::from_core(lang, e)),
    }
}

/// Files the resident did not replace stay as they were: the browser cannot send a file it
/// does not have, so the earlier answer is taken from the stored submission, never from the
/// request.
fn keep_earlier_files(
    session: &CorrectionSession,
    raw: &mut Map<String, Value>,
    files: &[yui_core::resident::IncomingFile],
) {
    let stored: Map<String, Value> =
        serde_json::from_str(&session.record.answers).unwrap_or_default();
    for field in session.form.fields() {
        if !field.field_type.is_upload() {
            continue;
        }
        match field.repeat {
            None => {
                let replaced = files.iter().any(|f| f.field == field.name);
                if !replaced && let Some(earlier) = stored.get(&field.name) {
                    raw.insert(field.name.clone(), earlier.clone());
                }
            }
            Some(repeat) => {
                // Rows keep their files by position (only top-level files can be replaced).
                let Some(name) = session.form.fields().get(repeat).map(|r| r.name.clone()) else {
                    continue;
                };
                let earlier_rows = stored.get(&name).and_then(Value::as_array);
                if let (Some(Value::Array(rows)), Some(earlier_rows)) =
                    (raw.get_mut(&name), earlier_rows)
                {
                    for (row, earlier) in rows.iter_mut().zip(earlier_rows) {
                        if let (Some(row), Some(value)) =
                            (row.as_object_mut(), earlier.get(&field.name))
                        {
                            row.entry(field.name.clone()).or_insert(value.clone());
                        }
                    }
                }
            }
        }
    }
}

/// Whether any top-level question takes a file (the form is then sent as multipart).
fn has_upload(form: &Form) -> bool {
    form.fields()
        .iter()
        .any(|f| f.field_type.is_upload() && f.repeat.is_none())
}

fn form_page(
    state: &AppState,
    tenant: &Tenant,
    session: &CorrectionSession,
    raw: &Map<String, Value>,
    mode: Mode<'_>,
    lang: Lang,
) -> Result<Response, AppError> {
    let ctx = state.yui.eval_context();
    let fresh;
    let (evaluation, errors, uploads, status) = match mode {
        Mode::Fresh | Mode::Rows => {
            fresh = session.form.evaluate(&Value::Object(raw.clone()), &ctx);
            (&fresh, ErrorMode::Hidden, &[][..], StatusCode::OK)
        }
        Mode::Problems {
            evaluation,
            uploads,
        } => (
            evaluation,
            ErrorMode::All,
            uploads,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let renderer = Renderer {
        form: &session.form,
        evaluation,
        raw,
        ctx: &ctx,
        lang,
        errors,
        upload_errors: uploads,
        counter: false,
        heading: false,
    };
    let mut sections = Vec::new();
    let mut error_links: Vec<ErrorLink> = Vec::new();
    let mut shown = Vec::new();
    for page in session.form.pages() {
        let rendered = renderer.render(&page.fields);
        error_links.extend(rendered.errors);
        shown.extend(rendered.shown);
        sections.push(SectionView {
            title: page.title.as_ref().map(|t| Localised::of(t, lang)),
            fields: rendered.fields,
        });
    }
    // Problems with the request as a whole (not one question) still reach the summary.
    for p in uploads
        .iter()
        .filter(|p| session.form.field(&p.field).is_none())
    {
        error_links.push(ErrorLink {
            href: "#correct-form".into(),
            message: match lang {
                Lang::Ja => p.message_ja.clone(),
                Lang::En => p.message_en.clone(),
            },
        });
    }
    let definition = session.form.definition();
    let html = render(
        lang,
        "correct/form.html",
        context! {
            town => ser(tenant),
            app_title => ser(Localised::of(&definition.title, lang)),
            receipt => &session.record.receipt_number,
            reason => &session.reason,
            sections => ser(&sections),
            errors => ser(&error_links),
            shown => shown.join(" "),
            multipart => has_upload(&session.form),
        },
    )?;
    Ok(private((status, html).into_response()))
}

fn done_page(
    tenant: &Tenant,
    session: &CorrectionSession,
    revision: u32,
    lang: Lang,
) -> Result<Response, AppError> {
    let html = render(
        lang,
        "correct/done.html",
        context! {
            town => ser(tenant),
            app_title => ser(Localised::of(&session.form.definition().title, lang)),
            receipt => &session.record.receipt_number,
            revision => revision,
            emailed => session.record.contact_email.is_some(),
        },
    )?;
    Ok(private(html.into_response()))
}

/// The friendly "not found" for an expired, used or mistyped link.
fn gone_page(tenant: Option<&Tenant>, lang: Lang) -> Result<Response, AppError> {
    let html: Html<String> = render(
        lang,
        "correct/gone.html",
        context! {
            town => ser(tenant),
            days => CORRECTION_LINK_LIFETIME.whole_days(),
        },
    )?;
    Ok(private((StatusCode::NOT_FOUND, html).into_response()))
}

/// The link in the address bar is a secret: never sent on to other sites, never cached.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
             frame-ancestors 'none'; form-action 'self'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_with_a_top_level_photo_is_sent_as_multipart() {
        let with = Form::from_yaml(
            "yui: 1\nid: a-b\ntitle: t\naudience: public\nfields:\n  - { name: p, type: image, label: 写真 }\n",
        )
        .unwrap();
        let without = Form::from_yaml(
            "yui: 1\nid: a-b\ntitle: t\naudience: public\nfields:\n  - { name: p, type: text, label: 名前 }\n",
        )
        .unwrap();
        assert!(has_upload(&with));
        assert!(!has_upload(&without));
    }
}
