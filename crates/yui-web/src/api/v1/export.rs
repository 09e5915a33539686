//! `GET /api/v1/export?format=…&<inbox filters>`: the same export as the staff console's, for
//! systems that take the data on (one app, its filtered inbox, streamed).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use yui_core::export::{EXPORT_PAGE_ROWS, ExportError};

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody, FieldError, field};
use super::query_pairs;
use crate::AppState;
use crate::download::{self, Delivery};
use crate::inbox_query;
use crate::pages::staff::inbox_export::export_options;

/// Export submissions
///
/// One app's submissions matching the inbox filters (the parameters of
/// `GET /api/v1/submissions`, `app` required), streamed as `csv` (UTF-8 with BOM, the
/// default), `csv-cp932`, `xlsx` or `json` (NDJSON, one submission per line, answers as
/// codes). `labels=codes` writes choice codes instead of labels in CSV and XLSX. When CP932
/// cannot hold a character the answer is 422 listing each one; `replace=geta` replaces them
/// with 〓. Each export is recorded in the audit trail with its filter and row count.
#[utoipa::path(
    get,
    path = "/api/v1/export",
    tag = "export",
    params(
        ("app" = String, Query, description = "The app's URL name"),
        ("format" = Option<String>, Query, description = "`csv` (default), `csv-cp932`, `xlsx` or `json`"),
        ("labels" = Option<String>, Query, description = "`codes` for choice codes instead of labels"),
        ("replace" = Option<String>, Query, description = "`geta`: replace characters CP932 cannot hold with 〓"),
    ),
    responses(
        (status = 200, description = "The file, streamed", content(
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "application/x-ndjson"),
        )),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's role may not export", body = ErrorBody),
        (status = 422, description = "No app, a filter that does not read, or characters CP932 cannot hold", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get_export(
    State(state): State<AppState>,
    caller: ApiCaller,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let options = export_options(&pairs)
        .map_err(|(ja, en)| ApiError::invalid(vec![field("format", "format.invalid", &ja, &en)]))?;
    let app = pairs
        .iter()
        .find(|(k, v)| k == "app" && !v.trim().is_empty())
        .map(|(_, v)| v.trim());
    let scope = state
        .yui
        .export_scope(&caller.actor, caller.tenant.id, app)
        .await?;
    let form = scope.chosen.as_ref().map(|(_, f)| f.clone());
    let filters = inbox_query::parse(&pairs, &scope.apps, form.as_deref(), None, EXPORT_PAGE_ROWS);
    if !filters.problems.is_empty() {
        return Err(ApiError::invalid(
            filters
                .problems
                .into_iter()
                .map(|p| FieldError {
                    field: p.param,
                    code: "filter.invalid".into(),
                    message_ja: p.message_ja,
                    message_en: p.message_en,
                })
                .collect(),
        ));
    }
    let filter = serde_json::Value::String(inbox_query::query_string(&pairs));
    let plan = state
        .yui
        .prepare_export(
            &caller.actor,
            caller.tenant.id,
            scope,
            filters.query,
            options,
            filter,
        )
        .await?;
    match download::deliver(&state.yui, plan).await {
        Delivery::File(response) => Ok(response),
        Delivery::Unencodable { problems, total } => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "export.unencodable",
            &format!(
                "{total}文字が Shift_JIS（CP932）にありません。replace=geta で〓に置き換えるか、format=csv（UTF-8）を選んでください。"
            ),
            &format!(
                "{total} characters do not exist in Shift_JIS (CP932). Use replace=geta to replace them with 〓, or format=csv (UTF-8)."
            ),
        )
        .with_fields(
            problems
                .iter()
                .map(|p| FieldError {
                    field: format!("{}/{}", p.receipt_number, p.column),
                    code: "unencodable".into(),
                    message_ja: format!("「{}」（{}）は CP932 にありません。", p.character, p.code_point()),
                    message_en: format!("{} ({}) is not in CP932.", p.character, p.code_point()),
                })
                .collect(),
        )),
        Delivery::Failed(ExportError::Core(e)) => Err(e.into()),
        Delivery::Failed(e @ ExportError::TooManyRows { .. }) => {
            let (ja, en) = e.messages();
            Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "export.too_many_rows", &ja, &en))
        }
        Delivery::Failed(e) => Err(ApiError::internal(e)),
    }
}
