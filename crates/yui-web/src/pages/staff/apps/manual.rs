//! `/{town}/staff/apps/{app}/manual` and `…/manual.pdf`: an app's handover manual (引き継ぎ書)
//! as a printable page and as a PDF, for any staff member of the town. The PDF is typeset by
//! the [`ManualPrinter`](yui_core::manual::ManualPrinter) the server was started with, off the
//! async threads.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use yui_core::manual::PrintError;

use crate::AppState;
use crate::error::AppError;
use crate::session::StaffContext;
use crate::templates::{render, render_error_page, ser};

pub async fn get_manual(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_town, app)): Path<(String, String)>,
) -> Result<Html<String>, AppError> {
    let s = &ctx.session;
    let manual = state
        .yui
        .handover_manual(&s.actor(), s.tenant.id, &app)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    render(
        ctx.lang,
        "staff/apps/manual.html",
        context! { manual => ser(&manual), ..ctx.page_context("apps") },
    )
}

pub async fn get_manual_pdf(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_town, app)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let s = &ctx.session;
    let manual = state
        .yui
        .handover_manual(&s.actor(), s.tenant.id, &app)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let Some(printer) = state.manual_printer.clone() else {
        return Ok(no_fonts(lang));
    };
    let file_name = manual.file_name();
    let ascii_name = match manual.version.number {
        Some(n) if !manual.version.is_draft => format!("manual-{}-v{n}.pdf", manual.app.slug),
        _ => format!("manual-{}-draft.pdf", manual.app.slug),
    };
    // Typesetting takes a fraction of a second of CPU: keep it off the async workers.
    let printed = tokio::task::spawn_blocking(move || printer.print(&manual, lang.code()))
        .await
        .map_err(|e| AppError::internal(lang, format!("manual PDF task: {e}")))?;
    match printed {
        Ok(pdf) => Ok(pdf_response(pdf, &file_name, &ascii_name)),
        Err(PrintError::NoJapaneseFont { searched }) => {
            tracing::warn!(fonts.searched = %searched, "no Japanese font for the manual PDF");
            Ok(no_fonts(lang))
        }
        Err(e) => Err(AppError::internal(lang, e)),
    }
}

/// 503 with a page telling staff to ask the operator for Japanese fonts.
fn no_fonts(lang: crate::i18n::Lang) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        render_error_page(lang, "no-fonts"),
    )
        .into_response()
}

fn pdf_response(pdf: Vec<u8>, file_name: &str, ascii: &str) -> Response {
    // An ASCII name for old clients, the real one (引き継ぎ書_…) in `filename*` (RFC 6266).
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encode(file_name)
    );
    let mut response = (StatusCode::OK, pdf).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// RFC 8187 `value-chars`: attr-chars as they are, everything else percent-encoded.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_travels_as_utf8_with_an_ascii_fallback() {
        let r = pdf_response(
            b"%PDF-".to_vec(),
            "引き継ぎ書_プレイルーム利用申込_v2.pdf",
            "manual-play-room-booking-v2.pdf",
        );
        let d = r.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(
            d.starts_with("attachment; filename=\"manual-play-room-booking-v2.pdf\"; "),
            "{d}"
        );
        assert!(
            d.ends_with("filename*=UTF-8''%E5%BC%95%E3%81%8D%E7%B6%99%E3%81%8E%E6%9B%B8_%E3%83%97%E3%83%AC%E3%82%A4%E3%83%AB%E3%83%BC%E3%83%A0%E5%88%A9%E7%94%A8%E7%94%B3%E8%BE%BC_v2.pdf"),
            "{d}"
        );
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pdf");
    }
}
