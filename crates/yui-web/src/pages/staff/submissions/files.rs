//! Serving a submission's attachment to staff. Files come from residents, so the response can
//! never act as a page of this site: no type sniffing, a sandboxing content security policy,
//! never cached, and shown inline only when it is a JPEG or PNG (cleaned at upload); anything
//! else downloads, under its original name (RFC 6266 with a UTF-8 `filename*`).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use yui_core::records::SubmissionFile;

/// Types shown in the browser rather than downloaded.
const INLINE_TYPES: &[&str] = &["image/jpeg", "image/png"];

/// `Content-Disposition` for a file name: an ASCII fallback for old clients and the exact
/// name, percent-encoded as UTF-8 (RFC 6266 §4.3, RFC 8187).
pub fn content_disposition(inline: bool, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The response for an attachment's bytes.
pub fn file_response(file: &SubmissionFile, bytes: Vec<u8>) -> Response {
    let inline = INLINE_TYPES.contains(&file.content_type.as_str());
    let content_type = if inline {
        file.content_type.as_str()
    } else {
        // Downloads are never interpreted by the browser, whatever the stored type says.
        "application/octet-stream"
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, content_type);
    set(
        header::CONTENT_DISPOSITION,
        &content_disposition(inline, &file.name),
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::CONTENT_SECURITY_POLICY, "sandbox");
    set(header::CACHE_CONTROL, "private, no-store");
    set(header::REFERRER_POLICY, "no-referrer");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_file_names_are_sent_as_utf8_with_an_ascii_fallback() {
        assert_eq!(
            content_disposition(false, "申請書 (1).pdf"),
            "attachment; filename=\"___ (1).pdf\"; filename*=UTF-8''%E7%94%B3%E8%AB%8B%E6%9B%B8%20%281%29.pdf"
        );
        assert_eq!(
            content_disposition(true, "photo.jpg"),
            "inline; filename=\"photo.jpg\"; filename*=UTF-8''photo.jpg"
        );
    }

    #[test]
    fn quotes_and_separators_cannot_break_out_of_the_header_value() {
        let v = content_disposition(false, "a\"; filename=evil.html\\.pdf");
        assert!(
            v.starts_with("attachment; filename=\"a__ filename=evil.html_.pdf\";"),
            "{v}"
        );
        assert!(v.contains("filename*=UTF-8''a%22%3B%20filename%3Devil.html%5C.pdf"));
    }
}
