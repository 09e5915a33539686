//! The API's one error shape, `{ "error": { "code", "message_ja", "message_en", "fields" } }`,
//! with the HTTP status that fits. Codes are stable: integrators match on them.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use yui_core::CoreError;
use yui_core::resident::SubmitError;

/// An error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `not_found`, `invalid`, `conflict`, `unauthorized`.
    #[schema(example = "not_found")]
    pub code: String,
    pub message_ja: String,
    pub message_en: String,
    /// Problems by input field (for `invalid`; empty otherwise).
    pub fields: Vec<FieldError>,
}

/// One problem with one input.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The input at fault: a query parameter, a body field, or an answer path (`children[0].child_birth`).
    pub field: String,
    pub code: String,
    pub message_ja: String,
    pub message_en: String,
}

/// An error ending an API request.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, ja: &str, en: &str) -> Self {
        Self {
            status,
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.to_owned(),
                    message_ja: ja.to_owned(),
                    message_en: en.to_owned(),
                    fields: Vec::new(),
                },
            },
        }
    }

    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.body.error.fields = fields;
        self
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "有効な API トークンを Authorization: Bearer … で送ってください。",
            "Send a valid API token as Authorization: Bearer ….",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "見つかりません。",
            "Not found.",
        )
    }

    /// Input that does not read.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "入力に誤りがあります。fields をご確認ください。",
            "Some input is not valid; see fields.",
        )
        .with_fields(fields)
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error.cause = %cause, "internal error while serving the API");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "システムでエラーが発生しました。時間をおいてもう一度お試しください。",
            "Something went wrong on our side. Please try again later.",
        )
    }
}

pub fn field(field: &str, code: &str, ja: &str, en: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message_ja: ja.to_owned(),
        message_en: en.to_owned(),
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound => ApiError::not_found(),
            CoreError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "このトークンの役割ではこの操作はできません。",
                "This token's role may not do this.",
            ),
            CoreError::Conflict { field: name } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "ほかの変更と重なりました。最新の状態を読み直してください。",
                "This clashes with another change; read the current state again.",
            )
            .with_fields(vec![field(
                name,
                "conflict",
                "この値は変わっています。",
                "This value has changed.",
            )]),
            CoreError::Invalid(input) => ApiError::invalid(
                input
                    .problems
                    .into_iter()
                    .map(|p| FieldError {
                        field: p.field,
                        code: p.code.to_owned(),
                        message_ja: p.message_ja,
                        message_en: p.message_en,
                    })
                    .collect(),
            ),
            CoreError::Throttled { .. } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "リクエストが多すぎます。少し待ってからもう一度お試しください。",
                "Too many requests; wait a moment and try again.",
            ),
            CoreError::Unavailable(cause) => {
                tracing::warn!(error.cause = %cause, "API request while the store is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "ただいま利用できません。しばらくしてからもう一度お試しください。",
                    "Temporarily unavailable; try again shortly.",
                )
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Core(e) => e.into(),
            SubmitError::Invalid(evaluation) => {
                let mut fields = Vec::new();
                for (path, violations) in &evaluation.report().violations {
                    for v in violations {
                        fields.push(FieldError {
                            field: format!("answers.{path}"),
                            code: v.code.to_owned(),
                            message_ja: v.message_ja.clone(),
                            message_en: v.message_en.clone(),
                        });
                    }
                }
                ApiError::invalid(fields)
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (self.status, Json(self.body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if unauthorized {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"yui\""),
            );
        }
        response
    }
}
