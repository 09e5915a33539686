//! `GET /api/v1/apps`: the apps the token may see, with their workflow states and questions
//! (what a client needs to read submissions and build filters), and
//! `POST /api/v1/apps/{app}/submissions`: deliver an application received elsewhere.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use yui_domain::definition::{FieldType, Form};

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody, field};
use super::{parse_json, rfc3339};
use crate::AppState;
use crate::session::ClientAddr;

/// The apps a token may see.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppList {
    pub apps: Vec<ApiApp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiApp {
    /// The app's URL name, used as `app=` in filters.
    #[schema(example = "play-room-booking")]
    pub slug: String,
    pub title_ja: String,
    pub title_en: Option<String>,
    /// `draft` (never published), `open` or `closed`.
    pub state: String,
    /// The published version in force.
    pub version: Option<u32>,
    /// The workflow's states, in order.
    pub statuses: Vec<ApiStatus>,
    /// The questions of the version in force (groups and notes left out).
    pub questions: Vec<ApiQuestion>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiStatus {
    #[schema(example = "received")]
    pub name: String,
    #[schema(example = "受付")]
    pub label_ja: String,
    pub label_en: Option<String>,
    /// No transition leaves a final state.
    pub r#final: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiQuestion {
    /// The answer's key.
    pub name: String,
    /// The field type (`text`, `select_one`, `date`, `name`, `repeat`…).
    pub r#type: String,
    pub label_ja: String,
    pub label_en: Option<String>,
    /// The repeat this question belongs to, if any.
    pub repeat: Option<String>,
    /// The choices of a select, as codes and labels.
    pub choices: Vec<ApiChoice>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiChoice {
    pub name: String,
    pub label_ja: String,
    pub label_en: Option<String>,
}

fn questions(form: &Form) -> Vec<ApiQuestion> {
    form.fields()
        .iter()
        .filter(|f| !matches!(f.field_type, FieldType::Group | FieldType::Note))
        .map(|f| {
            let label = f.label();
            ApiQuestion {
                name: f.name.clone(),
                r#type: f.field_type.as_str().to_owned(),
                label_ja: label.ja,
                label_en: label.en,
                repeat: f.repeat.map(|r| form.fields()[r].name.clone()),
                choices: f
                    .choices()
                    .iter()
                    .map(|c| ApiChoice {
                        name: c.name.clone(),
                        label_ja: c.label.ja.clone(),
                        label_en: c.label.en.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// List apps
///
/// The apps whose submissions the token may see, with the workflow states and questions of
/// the version in force.
#[utoipa::path(
    get,
    path = "/api/v1/apps",
    tag = "apps",
    responses(
        (status = 200, description = "The apps", body = AppList),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's role may not read submissions", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_apps(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<AppList>, ApiError> {
    let apps = state
        .yui
        .inbox_apps(&caller.actor, caller.tenant.id)
        .await?
        .into_iter()
        .map(|a| {
            let (statuses, questions) = match &a.current {
                Some((_, form)) => (
                    form.workflow()
                        .states
                        .iter()
                        .map(|s| ApiStatus {
                            name: s.name.clone(),
                            label_ja: s.label.ja.clone(),
                            label_en: s.label.en.clone(),
                            r#final: s.is_final,
                        })
                        .collect(),
                    questions(form),
                ),
                None => (Vec::new(), Vec::new()),
            };
            ApiApp {
                slug: a.record.slug,
                title_ja: a.record.summary.title_ja,
                title_en: a.record.summary.title_en,
                state: a.record.state.as_str().to_owned(),
                version: a.record.published_version,
                statuses,
                questions,
            }
        })
        .collect();
    Ok(Json(AppList { apps }))
}

/// A submission to deliver.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitBody {
    /// The answers by question name, as a resident would give them (`"2026-04-10"`,
    /// `{"family": "山田", "given": "花子"}`…); they are normalised and validated.
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
}

/// The receipt of a delivered submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiReceipt {
    pub id: i64,
    #[schema(example = "2026-000123")]
    pub receipt: String,
    #[schema(example = "2026-04-01T09:00:00+09:00")]
    pub submitted_at: String,
    /// True when the `Idempotency-Key` was used before: nothing new was stored, and this is
    /// the first submission's receipt.
    pub duplicate: bool,
}

/// Submit answers
///
/// Delivers an application received elsewhere (a kiosk, a chat bot) as a submission of the
/// app. The answers are validated as a resident's; the channel is recorded as `api`. An
/// `Idempotency-Key` header (16–128 characters, unique per submission) is required: sending
/// the same key again returns the first receipt.
#[utoipa::path(
    post,
    path = "/api/v1/apps/{app}/submissions",
    tag = "submissions",
    params(
        ("app" = String, Path, description = "The app's URL name"),
        ("Idempotency-Key" = String, Header, description = "A unique key per submission (16–128 characters)"),
    ),
    request_body = SubmitBody,
    responses(
        (status = 201, description = "Stored", body = ApiReceipt),
        (status = 200, description = "Already stored under this key", body = ApiReceipt),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's role may not submit", body = ErrorBody),
        (status = 404, description = "No such app, or not published", body = ErrorBody),
        (status = 422, description = "Answers or key not valid; `fields` says which", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn post_submission(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(client): ClientAddr,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| (16..=128).contains(&k.len()))
        .ok_or_else(|| {
            ApiError::invalid(vec![field(
                "Idempotency-Key",
                "idempotency_key.required",
                "Idempotency-Key ヘッダー（16〜128文字、申請ごとに一意）が必要です。",
                "An Idempotency-Key header (16–128 characters, unique per submission) is required.",
            )])
        })?
        .to_owned();
    let body: SubmitBody = parse_json(&body)?;
    let receipt = state
        .yui
        .submit_through_api(
            &caller.actor,
            &caller.tenant,
            &app,
            body.answers,
            &key,
            client,
        )
        .await?;
    let status = if receipt.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let out = ApiReceipt {
        id: receipt.id.0,
        receipt: receipt.receipt_number,
        submitted_at: rfc3339(receipt.submitted_at),
        duplicate: receipt.duplicate,
    };
    Ok((status, Json(out)).into_response())
}
