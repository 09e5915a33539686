//! `GET /{town}/staff/inbox/export?format=…&<inbox filters>`: the filtered inbox of one app as
//! a download (`csv`, `csv-cp932`, `xlsx`, `json`; `labels=codes` for choice codes). The
//! filters are the inbox's own ([`crate::inbox_query`]), so the file holds exactly the rows the
//! inbox shows. When CP932 cannot hold a character, the answer is a page listing each one,
//! offering to replace them with 〓 (`replace=geta`) or to download UTF-8 instead.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use yui_core::CoreError;
use yui_core::export::{ChoiceStyle, EXPORT_PAGE_ROWS, ExportError, ExportFormat, ExportOptions};

use crate::AppState;
use crate::download::{self, Delivery};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::inbox_query;
use crate::session::StaffContext;
use crate::templates::{render, ser};

/// A reason the export cannot be made, for the page that says so.
#[derive(Debug, Serialize)]
struct Problem {
    param: String,
    message: String,
}

fn problem(lang: Lang, param: &str, ja: &str, en: &str) -> Problem {
    Problem {
        param: param.to_owned(),
        message: match lang {
            Lang::Ja => ja.to_owned(),
            Lang::En => en.to_owned(),
        },
    }
}

/// The query string as ordered pairs (repeated keys kept, as filters need).
fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// Reads `format`, `labels` and `replace`.
pub fn export_options(pairs: &[(String, String)]) -> Result<ExportOptions, (String, String)> {
    let format = match param(pairs, "format") {
        None => ExportFormat::Csv,
        Some(f) => ExportFormat::parse(f).ok_or_else(|| {
            (
                "形式は csv、csv-cp932、xlsx、json のいずれかを指定してください。".to_owned(),
                "The format must be csv, csv-cp932, xlsx or json.".to_owned(),
            )
        })?,
    };
    let choices = match param(pairs, "labels") {
        Some("codes") => ChoiceStyle::Codes,
        _ => ChoiceStyle::Labels,
    };
    Ok(ExportOptions {
        format,
        choices,
        replace_with_geta: param(pairs, "replace") == Some("geta"),
    })
}

pub async fn get_inbox_export(
    State(state): State<AppState>,
    ctx: StaffContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let pairs = query_pairs(raw.as_deref());
    let options = match export_options(&pairs) {
        Ok(o) => o,
        Err((ja, en)) => {
            return problem_page(&ctx, &pairs, vec![problem(lang, "format", &ja, &en)]);
        }
    };
    let s = &ctx.session;
    let actor = s.actor();
    let scope = state
        .yui
        .export_scope(&actor, s.tenant.id, param(&pairs, "app"))
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let form = scope.chosen.as_ref().map(|(_, f)| f.clone());
    let filters = inbox_query::parse(
        &pairs,
        &scope.apps,
        form.as_deref(),
        Some(s.user.id),
        EXPORT_PAGE_ROWS,
    );
    if !filters.problems.is_empty() {
        let problems = filters
            .problems
            .iter()
            .map(|p| problem(lang, &p.param, &p.message_ja, &p.message_en))
            .collect();
        return problem_page(&ctx, &pairs, problems);
    }
    let filter = serde_json::Value::String(inbox_query::query_string(&pairs));
    let plan = match state
        .yui
        .prepare_export(&actor, s.tenant.id, scope, filters.query, options, filter)
        .await
    {
        Ok(p) => p,
        Err(CoreError::Invalid(input)) => {
            let problems = input
                .problems
                .iter()
                .map(|p| problem(lang, &p.field, &p.message_ja, &p.message_en))
                .collect();
            return problem_page(&ctx, &pairs, problems);
        }
        Err(e) => return Err(AppError::from_core(lang, e)),
    };
    match download::deliver(&state.yui, plan).await {
        Delivery::File(response) => Ok(response),
        Delivery::Unencodable { problems, total } => {
            unencodable_page(&ctx, &pairs, &problems, total)
        }
        Delivery::Failed(ExportError::Core(e)) => Err(AppError::from_core(lang, e)),
        Delivery::Failed(e @ ExportError::TooManyRows { .. }) => {
            let (ja, en) = e.messages();
            problem_page(&ctx, &pairs, vec![problem(lang, "format", &ja, &en)])
        }
        Delivery::Failed(e) => Err(AppError::internal(lang, e)),
    }
}

/// The inbox filters without the export's own parameters, for links back and onwards.
fn filters_only(pairs: &[(String, String)]) -> String {
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "replace" | "labels"))
        .cloned()
        .collect();
    inbox_query::query_string(&kept)
}

fn problem_page(
    ctx: &StaffContext,
    pairs: &[(String, String)],
    problems: Vec<Problem>,
) -> Result<Response, AppError> {
    let html = render(
        ctx.lang,
        "staff/export_problem.html",
        context! { problems => ser(problems), filters => filters_only(pairs), ..ctx.page_context("inbox") },
    )?;
    Ok((StatusCode::BAD_REQUEST, html).into_response())
}

#[derive(Debug, Serialize)]
struct Row<'a> {
    receipt: &'a str,
    column: &'a str,
    character: String,
    code_point: String,
}

fn unencodable_page(
    ctx: &StaffContext,
    pairs: &[(String, String)],
    problems: &[yui_core::export::Unencodable],
    total: u64,
) -> Result<Response, AppError> {
    let rows: Vec<Row<'_>> = problems
        .iter()
        .map(|p| Row {
            receipt: &p.receipt_number,
            column: &p.column,
            character: p.character.to_string(),
            code_point: p.code_point(),
        })
        .collect();
    let filters = filters_only(pairs);
    let labels = param(pairs, "labels").map_or(String::new(), |l| format!("&labels={l}"));
    let join = if filters.is_empty() { "" } else { "&" };
    let base = format!("/{}/staff/inbox/export?{filters}{join}", ctx.town());
    let html = render(
        ctx.lang,
        "staff/export_unencodable.html",
        context! {
            rows => ser(rows),
            total => total,
            more => total.saturating_sub(problems.len() as u64),
            filters => filters,
            geta_url => format!("{base}format=csv-cp932&replace=geta{labels}"),
            utf8_url => format!("{base}format=csv{labels}"),
            ..ctx.page_context("inbox")
        },
    )?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}
