//! Export downloads over HTTP, shared by the staff console and the API: runs a prepared export
//! ([`yui_core::export`]) and answers with a streamed body, so the server's memory stays flat
//! however many rows there are.
//!
//! - CSV (UTF-8) and NDJSON stream as they are written: each page of rows goes out as soon as
//!   it is encoded, and a slow client slows the export down instead of filling memory.
//! - CP932 CSV is written to a temporary file first, because every character must be checked
//!   before anything is handed over: if one cannot be encoded, the caller gets the list.
//! - XLSX is assembled in a temporary file (a workbook is a zip that is complete only at the
//!   end) and then streamed. If that takes long, the response starts anyway and its body
//!   waits, so no proxy or request timeout cuts a large export off.
//!
//! A failure after the response has started aborts the body, so a client never mistakes a
//! truncated file for a complete one.

use std::path::PathBuf;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::io::AsyncReadExt as _;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use yui_core::Yui;
use yui_core::clock::JST;
use yui_core::export::{
    ByteSink, CsvEncoding, CsvWriter, ExportError, ExportFormat, ExportPlan, JsonLinesWriter,
    Unencodable, XlsxWriter, export_file_names,
};

/// Pages of bytes buffered between the export and a slow client.
const CHANNEL_PAGES: usize = 4;
/// Bytes read from a temporary file at a time.
const FILE_CHUNK: usize = 256 * 1024;
/// How long an XLSX export may take before the response starts without it.
const XLSX_WAIT: Duration = Duration::from_secs(10);

/// What became of an export request.
pub enum Delivery {
    /// The download, ready to return.
    File(Response),
    /// CP932 was asked for without replacement and these characters cannot be encoded.
    Unencodable {
        problems: Vec<Unencodable>,
        total: u64,
    },
    /// The export could not be made (nothing was sent yet).
    Failed(ExportError),
}

/// Runs `plan` and delivers the result.
pub async fn deliver(yui: &Yui, plan: ExportPlan) -> Delivery {
    match plan.options.format {
        ExportFormat::Csv => streamed(yui, plan, CsvWriter::new(CsvEncoding::Utf8Bom)),
        ExportFormat::Json => streamed(yui, plan, JsonLinesWriter::default()),
        ExportFormat::CsvCp932 => cp932(yui, plan).await,
        ExportFormat::Xlsx => xlsx(yui, plan).await,
    }
}

/// Hands pages to the response body; fails once the client has gone.
struct ChannelSink(mpsc::Sender<Result<Bytes, std::io::Error>>);

#[async_trait::async_trait]
impl ByteSink for ChannelSink {
    async fn write(&mut self, bytes: Vec<u8>) -> Result<(), ExportError> {
        self.0
            .send(Ok(Bytes::from(bytes)))
            .await
            .map_err(|_| ExportError::Closed)
    }
}

fn streamed(
    yui: &Yui,
    plan: ExportPlan,
    mut writer: impl yui_core::export::RowWriter + 'static,
) -> Delivery {
    let (tx, rx) = mpsc::channel(CHANNEL_PAGES);
    let head = Head::of(yui, &plan);
    let yui = yui.clone();
    let pages = tx.clone();
    spawn_export(tx, async move {
        let mut sink = ChannelSink(pages.clone());
        match yui.run_export(&plan, &mut writer, &mut sink).await {
            Ok(_) | Err(ExportError::Closed) => {}
            Err(e) => {
                tracing::error!(app.id = %plan.app.id, error = %e, "export failed while streaming");
                let _ = pages.send(Err(std::io::Error::other(e.to_string()))).await;
            }
        }
    });
    let body = Body::from_stream(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    Delivery::File(head.respond(body))
}

/// Runs `export`, which sends a streamed body's pages, so that a panic in it ends the body with
/// an error too: a body that simply ended would look like a complete file to the client.
fn spawn_export(
    body: mpsc::Sender<Result<Bytes, std::io::Error>>,
    export: impl Future<Output = ()> + Send + 'static,
) {
    let job = tokio::spawn(export);
    tokio::spawn(async move {
        if let Err(e) = job.await {
            tracing::error!(error = %e, "export stopped while streaming");
            let _ = body
                .send(Err(std::io::Error::other("the export stopped")))
                .await;
        }
    });
}

async fn cp932(yui: &Yui, plan: ExportPlan) -> Delivery {
    let geta = plan.options.replace_with_geta;
    let (dir, path) = match temp_file_path("export.csv") {
        Ok(p) => p,
        Err(e) => return Delivery::Failed(e),
    };
    let mut file = match tokio::fs::File::create(&path).await {
        Ok(f) => f,
        Err(e) => return Delivery::Failed(ExportError::Write(format!("temporary file: {e}"))),
    };
    let mut writer = CsvWriter::new(CsvEncoding::Cp932 { geta });
    let summary = match yui.run_export(&plan, &mut writer, &mut file).await {
        Ok(s) => s,
        Err(e) => return Delivery::Failed(e),
    };
    if let Err(e) = tokio::io::AsyncWriteExt::flush(&mut file).await {
        return Delivery::Failed(ExportError::Write(format!("temporary file: {e}")));
    }
    drop(file);
    if summary.unencodable > 0 && !geta {
        return Delivery::Unencodable {
            problems: writer.problems().to_vec(),
            total: summary.unencodable,
        };
    }
    Delivery::File(Head::of(yui, &plan).respond(file_body(None, dir, path)))
}

async fn xlsx(yui: &Yui, plan: ExportPlan) -> Delivery {
    let (dir, path) = match temp_file_path("export.xlsx") {
        Ok(p) => p,
        Err(e) => return Delivery::Failed(e),
    };
    let mut writer = match XlsxWriter::new(dir.path()) {
        Ok(w) => w,
        Err(e) => return Delivery::Failed(e),
    };
    let head = Head::of(yui, &plan);
    let yui = yui.clone();
    let target = path.clone();
    let mut build: JoinHandle<Result<(), ExportError>> = tokio::spawn(async move {
        // Rows go to the worksheet's temporary file; only empty pages reach this sink.
        let mut nothing: Vec<u8> = Vec::new();
        yui.run_export(&plan, &mut writer, &mut nothing).await?;
        tokio::task::spawn_blocking(move || writer.save(&target))
            .await
            .map_err(|e| ExportError::Write(format!("xlsx task: {e}")))?
    });
    match tokio::time::timeout(XLSX_WAIT, &mut build).await {
        Ok(Ok(Ok(()))) => Delivery::File(head.respond(file_body(None, dir, path))),
        Ok(Ok(Err(e))) => Delivery::Failed(e),
        Ok(Err(e)) => Delivery::Failed(ExportError::Write(format!("xlsx task: {e}"))),
        Err(_) => Delivery::File(head.respond(file_body(Some(build), dir, path))),
    }
}

fn temp_file_path(name: &str) -> Result<(tempfile::TempDir, PathBuf), ExportError> {
    let dir = tempfile::Builder::new()
        .prefix("yui-export-")
        .tempdir()
        .map_err(|e| ExportError::Write(format!("temporary directory: {e}")))?;
    let path = dir.path().join(name);
    Ok((dir, path))
}

/// What a file body is doing.
enum FileState {
    /// Waiting for the file to be finished.
    Waiting(JoinHandle<Result<(), ExportError>>),
    Open(Option<tokio::fs::File>),
    Done,
}

/// The file at `path` as a body, after `pending` finished; the temporary directory goes
/// when the body is dropped (sent, or abandoned by the client).
fn file_body(
    pending: Option<JoinHandle<Result<(), ExportError>>>,
    dir: tempfile::TempDir,
    path: PathBuf,
) -> Body {
    let state = match pending {
        Some(handle) => FileState::Waiting(handle),
        None => FileState::Open(None),
    };
    Body::from_stream(stream::unfold(
        (state, dir, path),
        |(mut state, dir, path)| async move {
            loop {
                match state {
                    FileState::Done => return None,
                    FileState::Waiting(handle) => match handle.await {
                        Ok(Ok(())) => state = FileState::Open(None),
                        Ok(Err(e)) => {
                            tracing::error!(error = %e, "export failed after the response started");
                            let err = std::io::Error::other(e.to_string());
                            return Some((Err(err), (FileState::Done, dir, path)));
                        }
                        Err(e) => {
                            let err = std::io::Error::other(e.to_string());
                            return Some((Err(err), (FileState::Done, dir, path)));
                        }
                    },
                    FileState::Open(None) => match tokio::fs::File::open(&path).await {
                        Ok(f) => state = FileState::Open(Some(f)),
                        Err(e) => return Some((Err(e), (FileState::Done, dir, path))),
                    },
                    FileState::Open(Some(mut file)) => {
                        let mut buf = vec![0u8; FILE_CHUNK];
                        return match file.read(&mut buf).await {
                            Ok(0) => None,
                            Ok(n) => {
                                buf.truncate(n);
                                Some((
                                    Ok::<_, std::io::Error>(Bytes::from(buf)),
                                    (FileState::Open(Some(file)), dir, path),
                                ))
                            }
                            Err(e) => Some((Err(e), (FileState::Done, dir, path))),
                        };
                    }
                }
            }
        },
    ))
}

/// The response head of a download: its type and `Content-Disposition` with the UTF-8 file
/// name (RFC 6266 / RFC 8187) and an ASCII fallback.
struct Head {
    content_type: &'static str,
    disposition: HeaderValue,
}

impl Head {
    fn of(yui: &Yui, plan: &ExportPlan) -> Self {
        let today = yui.clock().now().to_offset(JST).date();
        let (utf8, ascii) = export_file_names(&plan.app, today, plan.options.format);
        let disposition = format!(
            "attachment; filename=\"{}\"; filename*=UTF-8''{}",
            ascii.replace(['"', '\\'], "_"),
            rfc8187(&utf8)
        );
        Self {
            content_type: plan.options.format.content_type(),
            disposition: HeaderValue::from_str(&disposition)
                .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
        }
    }

    /// The response; personal data is never cached.
    fn respond(self, body: Body) -> Response {
        (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type),
                ),
                (header::CONTENT_DISPOSITION, self.disposition),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
            body,
        )
            .into_response()
    }
}

/// Percent-encodes a value for `filename*=UTF-8''…` (RFC 8187 `attr-char` kept as is).
pub fn rfc8187(value: &str) -> String {
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

    #[tokio::test]
    async fn an_export_that_panics_ends_its_body_with_an_error_not_as_a_complete_file() {
        let (tx, mut rx) = mpsc::channel(CHANNEL_PAGES);
        let pages = tx.clone();
        spawn_export(tx, async move {
            pages
                .send(Ok(Bytes::from_static(b"first page")))
                .await
                .unwrap();
            panic!("an encoder bug");
        });
        assert_eq!(rx.recv().await.unwrap().unwrap(), "first page");
        assert!(rx.recv().await.unwrap().is_err(), "the body fails");
        assert!(rx.recv().await.is_none());
    }

    #[test]
    fn file_names_are_percent_encoded_for_filename_star() {
        assert_eq!(
            rfc8187("プレイ 申込_20260401.csv"),
            "%E3%83%97%E3%83%AC%E3%82%A4%20%E7%94%B3%E8%BE%BC_20260401.csv"
        );
    }
}
