//! `/{town}/staff/submissions/{id}`: one submission for staff — the answers under the labels of
//! the version the resident saw, attachments, earlier revisions, the history timeline — with
//! forms for the workflow steps the staff member's role may take, assignment and internal
//! comments; `…/print` (an A4 page without the console around it) and `…/files/{blob}`
//! (attachments). Every view and download is recorded in the audit trail by the use cases.

pub mod display;
pub mod files;
pub mod history;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use yui_core::CoreError;
use yui_core::console::Colleague;
use yui_core::model::UserId;
use yui_core::processing::SubmissionView;
use yui_core::records::SubmissionId;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::session::{ClientAddr, StaffContext};
use crate::templates::{render, ser};

/// The id in a submission URL; anything but a number is a page that does not exist.
fn submission_id(lang: Lang, raw: &str) -> Result<SubmissionId, AppError> {
    raw.parse()
        .map(SubmissionId)
        .map_err(|_| AppError::NotFound(lang))
}

fn page_url(ctx: &StaffContext, id: SubmissionId) -> String {
    format!("/{}/staff/submissions/{id}", ctx.town())
}

/// What a page shows besides the submission: a notice after a change, or what went wrong.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    notice: Option<String>,
    conflict: bool,
    errors: Vec<(String, String)>,
    /// What was typed, kept when a form comes back with errors.
    typed: Vec<(&'static str, String)>,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    notice: Option<String>,
}

pub async fn get_submission(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<ShowQuery>,
    ClientAddr(client): ClientAddr,
) -> Result<Response, AppError> {
    let id = submission_id(ctx.lang, &id)?;
    let notice = query
        .notice
        .filter(|n| matches!(n.as_str(), "status" | "assigned" | "commented"));
    let outcome = Outcome {
        notice,
        ..Outcome::default()
    };
    show(&state, &ctx, id, client, outcome).await
}

/// Loads (and thereby audits) the submission and renders its page.
async fn show(
    state: &AppState,
    ctx: &StaffContext,
    id: SubmissionId,
    client: Option<std::net::IpAddr>,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let (actor, tenant) = (ctx.session.actor(), ctx.session.tenant.id);
    let view = state
        .yui
        .view_submission(&actor, tenant, id, client)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let colleagues = state
        .yui
        .colleagues(&actor, tenant)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let model = SubmissionModel::build(state, ctx, &view, &colleagues);
    // Every form's text box reads its key, typed or not.
    let mut typed: Map<String, Value> = ["comment", "reason", "body", "assignee"]
        .into_iter()
        .map(|k| (k.to_owned(), Value::String(String::new())))
        .collect();
    typed.extend(
        outcome
            .typed
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v))),
    );
    let html = render(
        lang,
        "staff/submissions/show.html",
        context! {
            notice => outcome.notice,
            conflict => outcome.conflict,
            errors => ser(&outcome.errors),
            typed => ser(&typed),
            ..context! { ..ctx.page_context("inbox"), ..ser(&model) },
        },
    )?;
    Ok((outcome.status.unwrap_or(StatusCode::OK), html).into_response())
}

#[derive(Serialize)]
struct Assignable {
    value: String,
    label: String,
    selected: bool,
}

/// Everything the submission page and its print view show.
#[derive(Serialize)]
struct SubmissionModel {
    id: SubmissionId,
    receipt: String,
    status: String,
    status_label: String,
    app_title: String,
    version: u32,
    revision: u32,
    channel: String,
    submitted_at: String,
    updated_at: String,
    assignee: Option<String>,
    sections: Vec<display::Section>,
    revisions: Vec<history::Revision>,
    timeline: Vec<history::Entry>,
    steps: Vec<history::Step>,
    /// Whether the applicant gave an e-mail address (a correction link can be sent).
    has_email: bool,
    colleagues: Vec<Assignable>,
    printed_at: String,
}

impl SubmissionModel {
    fn build(
        state: &AppState,
        ctx: &StaffContext,
        view: &SubmissionView,
        colleagues: &[Colleague],
    ) -> Self {
        let lang = ctx.lang;
        let record = &view.record;
        let workflow = view.form.workflow();
        let eval = state.yui.eval_context();
        let answers: Map<String, Value> = serde_json::from_str(&record.answers).unwrap_or_default();
        let mut assignable: Vec<Assignable> = colleagues
            .iter()
            .filter(|c| !c.disabled || Some(c.id) == record.assignee_id)
            .map(|c| Assignable {
                value: c.id.to_string(),
                label: c.display_name.clone(),
                selected: Some(c.id) == record.assignee_id,
            })
            .collect();
        assignable.insert(
            0,
            Assignable {
                value: String::new(),
                label: lang.t("submission-unassigned"),
                selected: record.assignee_id.is_none(),
            },
        );
        Self {
            id: record.id,
            receipt: record.receipt_number.clone(),
            status: record.status.clone(),
            status_label: workflow.state(&record.status).map_or_else(
                || record.status.clone(),
                |s| s.label.get(lang.code()).to_owned(),
            ),
            app_title: view.form.definition().title.get(lang.code()).to_owned(),
            version: view.version.version,
            revision: record.revision,
            channel: lang.t(&format!("submission-channel-{}", record.channel)),
            submitted_at: display::jst(record.submitted_at),
            updated_at: display::jst(record.updated_at),
            assignee: record
                .assignee_id
                .map(|u| history::person(colleagues, u.0).unwrap_or_else(|| u.to_string())),
            sections: display::sections(&view.form, &answers, lang, &eval),
            revisions: history::revisions(view, lang, &eval),
            timeline: history::timeline(view, colleagues, lang),
            steps: history::steps(workflow, &record.status, ctx.session.user.role, lang),
            has_email: record.contact_email.is_some(),
            colleagues: assignable,
            printed_at: display::jst(state.yui.clock().now()),
        }
    }
}

pub async fn get_print(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    ClientAddr(client): ClientAddr,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let id = submission_id(lang, &id)?;
    let (actor, tenant) = (ctx.session.actor(), ctx.session.tenant.id);
    let view = state
        .yui
        .view_submission(&actor, tenant, id, client)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let colleagues = state
        .yui
        .colleagues(&actor, tenant)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let model = SubmissionModel::build(&state, &ctx, &view, &colleagues);
    Ok(render(
        lang,
        "staff/submissions/print.html",
        context! { ..ctx.page_context("inbox"), ..ser(&model) },
    )?
    .into_response())
}

pub async fn get_file(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id, blob)): Path<(String, String, String)>,
    ClientAddr(client): ClientAddr,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let id = submission_id(lang, &id)?;
    let (file, bytes) = state
        .yui
        .submission_file(
            &ctx.session.actor(),
            ctx.session.tenant.id,
            id,
            &blob,
            client,
        )
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    Ok(files::file_response(&file, bytes))
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    expected: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    comment: String,
    /// `return` when sent from the return-for-correction form.
    #[serde(default)]
    kind: String,
}

pub async fn post_status(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    ClientAddr(client): ClientAddr,
    Form(form): Form<StatusForm>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(&form.csrf)?;
    let id = submission_id(ctx.lang, &id)?;
    let comment = Some(form.comment.as_str()).filter(|c| !c.trim().is_empty());
    let result = state
        .yui
        .transition_submission(
            &ctx.session.actor(),
            &ctx.session.tenant,
            id,
            &form.expected,
            &form.to,
            comment,
        )
        .await;
    let (field, typed) = if form.kind == "return" {
        ("return-reason", "reason")
    } else {
        ("status-comment", "comment")
    };
    after_change(
        &state,
        &ctx,
        id,
        client,
        result,
        "status",
        field,
        (typed, form.comment),
    )
    .await
}

/// Where a change goes next: back to the page with a notice, or the page again with the
/// conflict or the problem next to the form it came from.
#[allow(clippy::too_many_arguments)]
async fn after_change(
    state: &AppState,
    ctx: &StaffContext,
    id: SubmissionId,
    client: Option<std::net::IpAddr>,
    result: Result<(), CoreError>,
    notice: &str,
    field: &str,
    typed: (&'static str, String),
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let outcome = match result {
        Ok(()) => {
            let url = format!("{}?notice={notice}", page_url(ctx, id));
            return Ok(Redirect::to(&url).into_response());
        }
        Err(CoreError::Conflict { .. }) => Outcome {
            status: Some(StatusCode::CONFLICT),
            conflict: true,
            ..Outcome::default()
        },
        Err(CoreError::Invalid(input)) => Outcome {
            status: Some(StatusCode::UNPROCESSABLE_ENTITY),
            errors: input
                .problems
                .into_iter()
                .map(|p| {
                    let message = match lang {
                        Lang::Ja => p.message_ja,
                        Lang::En => p.message_en,
                    };
                    (field.to_owned(), message)
                })
                .collect(),
            typed: vec![typed],
            ..Outcome::default()
        },
        Err(e) => return Err(AppError::from_core(lang, e)),
    };
    show(state, ctx, id, client, outcome).await
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    assignee: String,
}

pub async fn post_assign(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    ClientAddr(client): ClientAddr,
    Form(form): Form<AssignForm>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(&form.csrf)?;
    let id = submission_id(ctx.lang, &id)?;
    let assignee = match form.assignee.trim() {
        "" => None,
        other => Some(UserId(other.parse().unwrap_or(-1))),
    };
    let result = state
        .yui
        .assign_submission(&ctx.session.actor(), ctx.session.tenant.id, id, assignee)
        .await;
    let typed = ("assignee", form.assignee);
    after_change(
        &state, &ctx, id, client, result, "assigned", "assignee", typed,
    )
    .await
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

pub async fn post_comment(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    ClientAddr(client): ClientAddr,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(&form.csrf)?;
    let id = submission_id(ctx.lang, &id)?;
    let result = state
        .yui
        .comment_submission(&ctx.session.actor(), ctx.session.tenant.id, id, &form.body)
        .await;
    let typed = ("body", form.body);
    after_change(
        &state,
        &ctx,
        id,
        client,
        result,
        "commented",
        "comment-body",
        typed,
    )
    .await
}
