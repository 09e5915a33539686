//! Reading a posted resident form: URL-encoded (pages without files) or multipart (pages with
//! a file or photo question), into name–value pairs and the files that were chosen.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use yui_core::resident::IncomingFile;

/// The most name–value pairs a form may post; far above any real form, it bounds the work a
/// hostile request can cause.
const MAX_PAIRS: usize = 5_000;

/// The most bytes a resident form may post at all (files included).
pub const MAX_UPLOAD_BODY: usize = 31 * 1024 * 1024;

/// A posted form.
#[derive(Debug, Default)]
pub struct PostedForm {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<IncomingFile>,
}

/// Why a posted form could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the form is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the form could not be read: {0}")]
    Malformed(String),
}

impl BodyError {
    pub fn status(&self) -> StatusCode {
        match self {
            BodyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Malformed(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// Reads the body of `request`, refusing more than `limit` bytes.
pub async fn read_form(request: Request, limit: usize) -> Result<PostedForm, BodyError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(BodyError::TooLarge { limit });
    }
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        read_multipart(request, limit).await
    } else {
        let bytes = Bytes::from_request(request, &())
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => BodyError::TooLarge { limit },
                _ => BodyError::Malformed(e.body_text()),
            })?;
        if bytes.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| BodyError::Malformed(e.to_string()))?;
        if pairs.len() > MAX_PAIRS {
            return Err(BodyError::Malformed("too many fields".into()));
        }
        Ok(PostedForm {
            pairs,
            files: Vec::new(),
        })
    }
}

async fn read_multipart(request: Request, limit: usize) -> Result<PostedForm, BodyError> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| BodyError::Malformed(e.body_text()))?;
    let mut form = PostedForm::default();
    let mut total = 0usize;
    let too_large_or = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            BodyError::TooLarge { limit }
        } else {
            BodyError::Malformed(e.body_text())
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(too_large_or)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(too_large_or)? {
            total += chunk.len();
            if total > limit {
                return Err(BodyError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        match file_name {
            // A file input left empty still sends a part, with no name and no bytes.
            Some(file_name) if file_name.is_empty() && bytes.is_empty() => {}
            Some(file_name) => form.files.push(IncomingFile {
                field: name,
                name: file_name,
                bytes,
            }),
            None => {
                let value = String::from_utf8(bytes)
                    .map_err(|_| BodyError::Malformed("a field is not UTF-8".into()))?;
                form.pairs.push((name, value));
            }
        }
        if form.pairs.len() + form.files.len() > MAX_PAIRS {
            return Err(BodyError::Malformed("too many fields".into()));
        }
    }
    Ok(form)
}
