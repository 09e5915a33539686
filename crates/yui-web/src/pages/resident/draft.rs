//! A draft's form pages: `GET /{town}/apps/{app}/d/{token}` (the resume link: to the first
//! page with something left to do) and `GET|POST …/d/{token}/p/{n}`.
//!
//! Posting a page always saves what was typed, then: Continue goes to the next page that
//! applies (or back to the check page after a change link), or shows the page again with its
//! errors (422); add/remove a row shows the same page again; "save and come back later" shows
//! the resume link.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use yui_core::error::FieldProblem;
use yui_domain::definition::{DisplayMode, FieldType};

use super::answers::{Action, Controls, apply_row_action, drop_empty_rows, parse_answers};
use super::body::{BodyError, read_form};
use super::flow::{first_unfinished, next_after, previous_before, progress};
use super::render::{FormPage, RenderedPage, SectionSpec, body_limit, ensure_rows};
use super::view::{ErrorMode, Localised, html_id};
use super::{Draft, load_draft, see_other};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// `check` when the resident came from a change link on the check page.
    #[serde(rename = "return")]
    back_to: Option<String>,
}

impl PageQuery {
    fn returning(&self) -> bool {
        self.back_to.as_deref() == Some("check")
    }
}

pub async fn get_resume(
    State(state): State<AppState>,
    Path((town, app, token)): Path<(String, String, String)>,
    lang: Lang,
) -> Response {
    let draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let base = draft.base();
    if draft.session.record.submitted {
        return see_other(&format!("{base}/done"));
    }
    let form = &draft.session.form;
    let evaluation = form.evaluate(
        &Value::Object(draft.session.answers.clone()),
        &state.yui.eval_context(),
    );
    match first_unfinished(&evaluation, &form.pages()) {
        Some(n) => see_other(&format!("{base}/p/{n}")),
        None => see_other(&format!("{base}/check")),
    }
}

pub async fn get_page(
    State(state): State<AppState>,
    Path((town, app, token, n)): Path<(String, String, String, usize)>,
    Query(query): Query<PageQuery>,
    lang: Lang,
) -> Response {
    let draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    if draft.session.record.submitted {
        return see_other(&format!("{}/done", draft.base()));
    }
    if n == 0 || n > draft.session.form.pages().len() {
        return AppError::NotFound(lang).into_response();
    }
    let raw = draft.session.answers.clone();
    match page(
        &state,
        &draft,
        n,
        raw,
        ErrorMode::Hidden,
        &[],
        query.returning(),
        lang,
    ) {
        Ok(p) => p.html.into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn post_page(
    State(state): State<AppState>,
    Path((town, app, token, n)): Path<(String, String, String, usize)>,
    Query(query): Query<PageQuery>,
    lang: Lang,
    request: Request,
) -> Response {
    let mut draft = match load_draft(&state, &town, &app, &token, lang).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let base = draft.base();
    if draft.session.record.submitted {
        return see_other(&format!("{base}/done"));
    }
    let form = draft.session.form.clone();
    let pages = form.pages();
    let Some(this) = n.checked_sub(1).and_then(|i| pages.get(i)).cloned() else {
        return AppError::NotFound(lang).into_response();
    };
    let returning = query.returning();
    let here = format!(
        "{base}/p/{n}{}",
        if returning { "?return=check" } else { "" }
    );
    let names: Vec<&String> = this.fields.iter().collect();
    let posted = match read_form(request, body_limit(&form, &names)).await {
        Ok(p) => p,
        Err(e) => return refused_body(&state, &draft, n, &e, returning, lang),
    };
    let controls = Controls::from_pairs(&posted.pairs);
    let mut raw = parse_answers(&form, &posted.pairs);
    raw.retain(|k, _| this.fields.contains(k));
    match &controls.action {
        Action::Add(_) | Action::Remove(..) => apply_row_action(&mut raw, &controls.action),
        Action::Continue => drop_empty_rows(&form, &mut raw),
        Action::Save => {}
    }
    let files = posted
        .files
        .into_iter()
        .filter(|f| this.fields.contains(&f.field))
        .collect();
    let outcome = match state
        .yui
        .save_draft_page(&mut draft.session, &this.fields, raw, files)
        .await
    {
        Ok(o) => o,
        Err(e) => return AppError::from_core(lang, e).into_response(),
    };
    match controls.action {
        Action::Save if !draft.counter() => see_other(&format!("{base}/save")),
        Action::Add(path) => {
            let rows = rows_of(&draft.session.answers, &path);
            let anchor = html_id(&format!("{path}[{}]", rows.saturating_sub(1)));
            see_other(&format!("{here}#{anchor}"))
        }
        Action::Remove(..) | Action::Save => see_other(&here),
        Action::Continue if outcome.page_ok => {
            let next = if returning {
                None
            } else {
                next_after(&outcome.evaluation, &pages, n)
            };
            match next {
                Some(m) => see_other(&format!("{base}/p/{m}")),
                None => see_other(&format!("{base}/check")),
            }
        }
        Action::Continue => {
            let raw = draft.session.answers.clone();
            let shown = controls.shown;
            let rendered = page(
                &state,
                &draft,
                n,
                raw,
                ErrorMode::Shown(&shown),
                &outcome.upload_errors,
                returning,
                lang,
            );
            match rendered {
                // Only questions that have just appeared are unanswered: show them, no errors.
                Ok(p) if p.errors.is_empty() => see_other(&here),
                Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, p.html).into_response(),
                Err(e) => e.into_response(),
            }
        }
    }
}

/// How many rows the repeat at `path` (top level) has.
fn rows_of(answers: &Map<String, Value>, path: &str) -> usize {
    answers
        .get(path)
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

/// Renders page `n` of a draft with `raw` answers.
#[allow(clippy::too_many_arguments)]
fn page(
    state: &AppState,
    draft: &Draft,
    n: usize,
    mut raw: Map<String, Value>,
    errors: ErrorMode<'_>,
    upload_errors: &[FieldProblem],
    returning: bool,
    lang: Lang,
) -> Result<RenderedPage, AppError> {
    let form = &draft.session.form;
    let pages = form.pages();
    let this = pages
        .get(n.saturating_sub(1))
        .ok_or(AppError::NotFound(lang))?;
    ensure_rows(form, &mut raw, &this.fields);
    let ctx = state.yui.eval_context();
    let evaluation = form.evaluate(&Value::Object(raw.clone()), &ctx);
    let base = draft.base();
    let back = if returning {
        format!("{base}/check")
    } else {
        match previous_before(&evaluation, &pages, n) {
            Some(p) => format!("{base}/p/{p}"),
            None => format!("/{}/apps/{}", draft.tenant.slug, form.definition().id),
        }
    };
    let def = form.definition();
    let one_per_page = def.display.mode == DisplayMode::OnePerPage
        && this
            .fields
            .first()
            .and_then(|f| form.field(f))
            .is_some_and(|f| f.field_type != FieldType::Repeat);
    let title = this
        .title
        .as_ref()
        .map_or_else(|| draft.app_title(lang), |t| Localised::of(t, lang));
    FormPage {
        tenant: &draft.tenant,
        form,
        raw: &raw,
        evaluation: &evaluation,
        ctx: &ctx,
        lang,
        sections: vec![SectionSpec {
            title: None,
            fields: this.fields.clone(),
        }],
        errors,
        upload_errors,
        notices: &[],
        counter: draft.counter(),
        heading: one_per_page,
        title,
        action: format!(
            "{base}/p/{n}{}",
            if returning { "?return=check" } else { "" }
        ),
        back: Some(back),
        progress: Some(progress(&evaluation, &pages, n)),
        submit_label: lang.t("resident-continue"),
        save: !draft.counter(),
        key: None,
    }
    .render()
}

/// A page whose body was too large (or unreadable): shown again, nothing saved, with the
/// reason next to its file questions.
fn refused_body(
    state: &AppState,
    draft: &Draft,
    n: usize,
    error: &BodyError,
    returning: bool,
    lang: Lang,
) -> Response {
    let form = &draft.session.form;
    let fields = form
        .pages()
        .get(n.saturating_sub(1))
        .map(|p| p.fields.clone())
        .unwrap_or_default();
    let problems: Vec<FieldProblem> = fields
        .iter()
        .filter(|f| form.field(f).is_some_and(|f| f.field_type.is_upload()))
        .map(|f| FieldProblem {
            field: f.clone(),
            code: "file.too_large",
            message_ja: Lang::Ja.t("resident-body-too-large"),
            message_en: Lang::En.t("resident-body-too-large"),
        })
        .collect();
    let raw = draft.session.answers.clone();
    match page(
        state,
        draft,
        n,
        raw,
        ErrorMode::Hidden,
        &problems,
        returning,
        lang,
    ) {
        Ok(p) => (error.status(), p.html).into_response(),
        Err(e) => e.into_response(),
    }
}
