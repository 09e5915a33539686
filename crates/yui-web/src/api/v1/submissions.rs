//! Submissions through the API: the inbox (`GET /api/v1/submissions`, the same filters as the
//! staff inbox, keyset pages), one submission with its history (audited like a view), status
//! transitions and assignment.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use yui_core::model::UserId;
use yui_core::records::{AppId, SubmissionId};
use yui_domain::definition::Form;

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody, FieldError, field};
use super::{parse_json, query_pairs, rfc3339};
use crate::AppState;
use crate::inbox_query;
use crate::session::ClientAddr;

/// Rows per page unless `limit` says otherwise.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 200;

/// One page of the inbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    pub submissions: Vec<ApiSubmissionSummary>,
    /// Pass as `after=` for the next page; absent on the last page.
    pub next: Option<String>,
    /// Submissions per status over the apps in view (ignoring the other filters).
    pub counts: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiSubmissionSummary {
    pub id: i64,
    #[schema(example = "2026-000123")]
    pub receipt: String,
    /// The app's URL name.
    pub app: String,
    #[schema(example = "received")]
    pub status: String,
    #[schema(example = "受付")]
    pub status_label: String,
    /// Japan time, RFC 3339.
    #[schema(example = "2026-04-01T09:00:00+09:00")]
    pub submitted_at: String,
    pub assignee_id: Option<i64>,
    /// 1 for the first answers, one more for each correction.
    pub revision: u32,
    /// The normalised answers (choices as codes).
    #[schema(value_type = Object)]
    pub answers: Value,
}

/// A submission in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiSubmission {
    #[serde(flatten)]
    pub summary: ApiSubmissionSummary,
    /// The published version the answers were given against.
    pub app_version: u32,
    /// `web`, `counter` or `api`.
    pub channel: String,
    pub updated_at: String,
    pub files: Vec<ApiFile>,
    /// The timeline, oldest first.
    pub history: Vec<ApiEvent>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiFile {
    /// Where in the answers: `certificate`, `children[0].photo`.
    pub field: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiEvent {
    pub at: String,
    /// `status`, `assigned`, `comment`, `returned` or `corrected`.
    pub kind: String,
    /// `staff`, `resident`, `operator`, `system` or `api`.
    pub actor_kind: String,
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub assignee_id: Option<i64>,
    /// A comment, or the reason given when returning a submission.
    pub body: Option<String>,
}

fn limit(pairs: &[(String, String)]) -> Result<u32, FieldError> {
    match pairs.iter().find(|(k, _)| k == "limit") {
        None => Ok(DEFAULT_LIMIT),
        Some((_, v)) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                field(
                    "limit",
                    "limit.invalid",
                    "limit は 1〜200 の整数です。",
                    "limit must be a whole number from 1 to 200.",
                )
            }),
    }
}

/// What the list needs of each app: its URL name and current form (for status labels).
type AppsById = HashMap<AppId, (String, Option<Arc<Form>>)>;

fn summary(apps: &AppsById, row: &yui_core::review::InboxRow) -> ApiSubmissionSummary {
    let (slug, form) = apps
        .get(&row.app_id)
        .map_or(("", None), |(s, f)| (s.as_str(), f.as_ref()));
    let status_label = form
        .and_then(|f| f.workflow().state(&row.status))
        .map_or_else(|| row.status.clone(), |s| s.label.ja.clone());
    ApiSubmissionSummary {
        id: row.id.0,
        receipt: row.receipt_number.clone(),
        app: slug.to_owned(),
        status: row.status.clone(),
        status_label,
        submitted_at: rfc3339(row.submitted_at),
        assignee_id: row.assignee_id.map(|u| u.0),
        revision: row.revision,
        answers: serde_json::from_str(&row.answers).unwrap_or(Value::Null),
    }
}

/// List submissions
///
/// The inbox: newest first unless `order=oldest`, 50 per page (`limit` up to 200), the next
/// page through `after=<next>`. Filters are the staff inbox's: `app`, `status` (repeatable),
/// `assignee` (`none` or a staff user id), `from`/`to` (dates, Japan time), `q` (text),
/// `receipt`, and with one `app`: `f.<question>=<choice>`, `min.<question>`, `max.<question>`.
#[utoipa::path(
    get,
    path = "/api/v1/submissions",
    tag = "submissions",
    params(
        ("app" = Option<String>, Query, description = "An app's URL name (needed for answer filters)"),
        ("status" = Option<Vec<String>>, Query, description = "Workflow states; repeat for several"),
        ("assignee" = Option<String>, Query, description = "`none` or a staff user id"),
        ("from" = Option<String>, Query, description = "Submitted on or after (YYYY-MM-DD, Japan time)"),
        ("to" = Option<String>, Query, description = "Submitted on or before (YYYY-MM-DD, Japan time)"),
        ("q" = Option<String>, Query, description = "Words anywhere in the answers"),
        ("receipt" = Option<String>, Query, description = "One receipt number"),
        ("order" = Option<String>, Query, description = "`newest` (default) or `oldest`"),
        ("after" = Option<String>, Query, description = "The `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "Rows per page, 1–200 (default 50)"),
    ),
    responses(
        (status = 200, description = "One page", body = SubmissionList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's role may not read submissions", body = ErrorBody),
        (status = 422, description = "A filter does not read; `fields` says which", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_submissions(
    State(state): State<AppState>,
    caller: ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Json<SubmissionList>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let mut problems = Vec::new();
    let limit = limit(&pairs).unwrap_or_else(|problem| {
        problems.push(problem);
        DEFAULT_LIMIT
    });
    let apps = state
        .yui
        .inbox_apps(&caller.actor, caller.tenant.id)
        .await?;
    let chosen = pairs
        .iter()
        .find(|(k, _)| k == "app")
        .and_then(|(_, slug)| apps.iter().find(|a| a.record.slug == slug.trim()))
        .and_then(|a| a.current.as_ref().map(|(_, f)| f.clone()));
    let records: Vec<_> = apps.iter().map(|a| a.record.clone()).collect();
    let filters = inbox_query::parse(&pairs, &records, chosen.as_deref(), None, limit);
    problems.extend(filters.problems.into_iter().map(|p| FieldError {
        field: p.param,
        code: "filter.invalid".into(),
        message_ja: p.message_ja,
        message_en: p.message_en,
    }));
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let page = state
        .yui
        .inbox(&caller.actor, caller.tenant.id, filters.query)
        .await?;
    let by_id: AppsById = apps
        .into_iter()
        .map(|a| {
            (
                a.record.id,
                (a.record.slug, a.current.map(|(_, form)| form)),
            )
        })
        .collect();
    Ok(Json(SubmissionList {
        submissions: page.rows.iter().map(|r| summary(&by_id, r)).collect(),
        next: page.next.map(yui_core::review::InboxCursor::encode),
        counts: page.counts.into_iter().collect(),
    }))
}

fn submission_id(text: &str) -> Result<SubmissionId, ApiError> {
    text.parse::<i64>()
        .map(SubmissionId)
        .map_err(|_| ApiError::not_found())
}

/// Read a submission
///
/// One submission with its files and history. Every read is recorded in the audit trail as a
/// view by the token.
#[utoipa::path(
    get,
    path = "/api/v1/submissions/{id}",
    tag = "submissions",
    params(("id" = i64, Path, description = "The submission's id")),
    responses(
        (status = 200, description = "The submission", body = ApiSubmission),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such submission in this town", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_submission(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(client): ClientAddr,
    Path(id): Path<String>,
) -> Result<Json<ApiSubmission>, ApiError> {
    let id = submission_id(&id)?;
    let view = state
        .yui
        .view_submission(&caller.actor, caller.tenant.id, id, client)
        .await?;
    let r = &view.record;
    let row = yui_core::review::InboxRow {
        id: r.id,
        app_id: r.app_id,
        app_version_id: r.app_version_id,
        receipt_number: r.receipt_number.clone(),
        status: r.status.clone(),
        submitted_at: r.submitted_at,
        submitted_at_ms: 0,
        assignee_id: r.assignee_id,
        revision: r.revision,
        answers: r.answers.clone(),
    };
    let apps: AppsById = HashMap::from([(
        view.app.id,
        (view.app.slug.clone(), Some(view.form.clone())),
    )]);
    Ok(Json(ApiSubmission {
        summary: summary(&apps, &row),
        app_version: view.version.version,
        channel: r.channel.clone(),
        updated_at: rfc3339(r.updated_at),
        files: r
            .files
            .iter()
            .map(|f| ApiFile {
                field: f.field_path.clone(),
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                size: f.size,
                sha256: f.sha256.clone(),
            })
            .collect(),
        history: view
            .events
            .iter()
            .map(|e| ApiEvent {
                at: rfc3339(e.at),
                kind: e.kind.as_str().to_owned(),
                actor_kind: e.actor_kind.as_str().to_owned(),
                actor: e.actor_label.clone(),
                from_status: e.from_status.clone(),
                to_status: e.to_status.clone(),
                assignee_id: e.assignee.map(|u| u.0),
                body: e.body.clone(),
            })
            .collect(),
    }))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransitionBody {
    /// The status the caller saw; if it changed meanwhile the answer is 409.
    #[schema(example = "received")]
    pub from: String,
    #[schema(example = "reviewing")]
    pub to: String,
    /// Required when returning for correction (it is sent to the applicant).
    pub comment: Option<String>,
}

/// A submission's status after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiStatusChange {
    pub id: i64,
    pub status: String,
}

/// Change the status
///
/// Moves a submission along its app's workflow, if the token's role may take that step.
/// Returning it for correction (差戻し) needs a `comment` and e-mails the applicant a link.
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/transitions",
    tag = "submissions",
    params(("id" = i64, Path, description = "The submission's id")),
    request_body = TransitionBody,
    responses(
        (status = 200, description = "Changed", body = ApiStatusChange),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "No such step, or not for this role", body = ErrorBody),
        (status = 404, description = "No such submission in this town", body = ErrorBody),
        (status = 409, description = "The status is no longer `from`", body = ErrorBody),
        (status = 422, description = "A comment is required", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn post_transition(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ApiStatusChange>, ApiError> {
    let id = submission_id(&id)?;
    let body: TransitionBody = parse_json(&body)?;
    state
        .yui
        .transition_submission(
            &caller.actor,
            &caller.tenant,
            id,
            body.from.trim(),
            body.to.trim(),
            body.comment.as_deref(),
        )
        .await?;
    Ok(Json(ApiStatusChange {
        id: id.0,
        status: body.to.trim().to_owned(),
    }))
}

/// An assignment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssigneeBody {
    /// A staff user of the town, or null to unassign.
    pub assignee_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiAssignment {
    pub id: i64,
    pub assignee_id: Option<i64>,
}

/// Assign
///
/// Assigns the submission to a staff member of the town, or unassigns it (`null`).
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/assignee",
    tag = "submissions",
    params(("id" = i64, Path, description = "The submission's id")),
    request_body = AssigneeBody,
    responses(
        (status = 200, description = "Assigned", body = ApiAssignment),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's role may not assign", body = ErrorBody),
        (status = 404, description = "No such submission in this town", body = ErrorBody),
        (status = 422, description = "Not an active staff member of the town", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn post_assignee(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<ApiAssignment>, ApiError> {
    let id = submission_id(&id)?;
    let body: AssigneeBody = parse_json(&body)?;
    state
        .yui
        .assign_submission(
            &caller.actor,
            caller.tenant.id,
            id,
            body.assignee_id.map(UserId),
        )
        .await?;
    Ok(Json(ApiAssignment {
        id: id.0,
        assignee_id: body.assignee_id,
    }))
}
