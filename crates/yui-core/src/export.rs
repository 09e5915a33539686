//! Exporting submissions: the filtered inbox of one app, as CSV (UTF-8 with BOM or CP932),
//! XLSX or NDJSON. The export pages through the inbox with keyset pages of
//! [`EXPORT_PAGE_ROWS`] rows (fetching the next page while the current one is written), so
//! memory stays flat for a million rows; each page's bytes go to a [`ByteSink`] as soon as they
//! are written. Who may export is checked here ([`Permission::ExportSubmissions`]), and every
//! export is recorded in the audit trail with its filter, format and row count.
//!
//! - [`table`]: the columns of an app and each submission's cells;
//! - [`csv_writer`], [`xlsx_writer`], [`json_lines`]: one [`RowWriter`] per format.

mod answer;
pub mod csv_writer;
pub mod json_lines;
pub mod table;
pub mod xlsx_writer;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::FutureExt as _;
use serde_json::Value;
use yui_domain::definition::Form;

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::error::CoreError;
use crate::model::TenantId;
use crate::ports::Store;
use crate::records::AppRecord;
use crate::review::{InboxQuery, InboxRow};

pub use csv_writer::{CsvEncoding, CsvWriter, Unencodable};
pub use json_lines::JsonLinesWriter;
pub use table::{Cell, ChoiceStyle, ExportTable};
pub use xlsx_writer::XlsxWriter;

/// Rows fetched per page.
pub const EXPORT_PAGE_ROWS: u32 = 1000;

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV in UTF-8 with a byte order mark (the default).
    Csv,
    /// CSV in CP932 (Windows "Shift_JIS").
    CsvCp932,
    Xlsx,
    /// One JSON object per line.
    Json,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Csv,
        ExportFormat::CsvCp932,
        ExportFormat::Xlsx,
        ExportFormat::Json,
    ];

    /// The name used in URLs (`format=`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::CsvCp932 => "csv-cp932",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Json => "json",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv | ExportFormat::CsvCp932 => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Json => "ndjson",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::CsvCp932 => "text/csv; charset=Shift_JIS",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Json => "application/x-ndjson",
        }
    }
}

/// What the staff member asked for besides the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub choices: ChoiceStyle,
    /// CP932 only: replace characters CP932 cannot hold with 〓 instead of refusing.
    pub replace_with_geta: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            format: ExportFormat::Csv,
            choices: ChoiceStyle::Labels,
            replace_with_geta: false,
        }
    }
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Whoever was receiving the export went away (the download was cancelled).
    #[error("the receiver of the export went away")]
    Closed,
    /// More rows than one Excel worksheet holds.
    #[error("more than {limit} rows do not fit in one worksheet")]
    TooManyRows { limit: u32 },
    #[error("writing the export failed: {0}")]
    Write(String),
}

impl ExportError {
    /// Japanese and English messages for the person who asked for the export.
    pub fn messages(&self) -> (String, String) {
        match self {
            ExportError::TooManyRows { limit } => (
                format!(
                    "Excel の1シートに入る{limit}件を超えています。絞り込んでから書き出すか、CSV を選んでください。"
                ),
                format!(
                    "More than {limit} rows do not fit in one Excel sheet. Narrow the filter or choose CSV."
                ),
            ),
            _ => (
                "書き出しに失敗しました。もう一度お試しください。".to_owned(),
                "The export failed. Please try again.".to_owned(),
            ),
        }
    }
}

/// Turns submissions into bytes of one format. Writers are synchronous and keep what they
/// wrote in a buffer of their own; the export takes it ([`RowWriter::take_bytes`]) after every
/// page and hands it to its [`ByteSink`].
pub trait RowWriter: Send {
    fn begin(&mut self, table: &ExportTable) -> Result<(), ExportError>;
    fn row(&mut self, table: &ExportTable, row: &InboxRow) -> Result<(), ExportError>;
    /// Writes a page of rows in order. Formats whose rows are independent may share the work
    /// among threads, as long as the bytes come out as if written one row at a time.
    fn rows(&mut self, table: &ExportTable, rows: &[InboxRow]) -> Result<(), ExportError> {
        rows.iter().try_for_each(|row| self.row(table, row))
    }
    fn finish(&mut self) -> Result<(), ExportError>;
    /// The bytes written since the last call (empty for formats assembled at the end).
    fn take_bytes(&mut self) -> Result<Vec<u8>, ExportError>;
    /// Characters the format could not hold (CP932), for the audit trail.
    fn unencodable(&self) -> u64 {
        0
    }
}

/// Where an export's bytes go: an HTTP response body, a temporary file, a buffer in tests.
#[async_trait]
pub trait ByteSink: Send {
    async fn write(&mut self, bytes: Vec<u8>) -> Result<(), ExportError>;
}

#[async_trait]
impl ByteSink for Vec<u8> {
    async fn write(&mut self, mut bytes: Vec<u8>) -> Result<(), ExportError> {
        self.append(&mut bytes);
        Ok(())
    }
}

#[async_trait]
impl ByteSink for tokio::fs::File {
    async fn write(&mut self, bytes: Vec<u8>) -> Result<(), ExportError> {
        use tokio::io::AsyncWriteExt as _;
        self.write_all(&bytes)
            .await
            .map_err(|e| ExportError::Write(format!("temporary file: {e}")))
    }
}

/// The apps an actor may export, and the one chosen (with its current form), for reading the
/// filters of an export request.
#[derive(Debug, Clone)]
pub struct ExportScope {
    pub apps: Vec<AppRecord>,
    pub chosen: Option<(AppRecord, Arc<Form>)>,
}

/// A checked export, ready to run.
#[derive(Debug, Clone)]
pub struct ExportPlan {
    tenant: TenantId,
    actor: Actor,
    pub app: AppRecord,
    pub options: ExportOptions,
    pub table: ExportTable,
    query: InboxQuery,
    /// The filter as the staff member gave it, for the audit trail.
    filter: Value,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: u64,
    pub unencodable: u64,
}

fn app_required() -> CoreError {
    CoreError::invalid(
        "app",
        "export.app_required",
        "書き出すアプリを1つ選んでください（app=…）。書き出しの列はアプリの質問から作られます。"
            .to_owned(),
        "Choose one app to export (app=…): the columns come from the app's questions.".to_owned(),
    )
}

async fn fetch_page(
    store: Arc<dyn Store>,
    tenant: TenantId,
    query: InboxQuery,
) -> Result<Vec<InboxRow>, CoreError> {
    Ok(store.inbox(tenant, &query).await?)
}

impl Yui {
    /// The apps `actor` may export from, and `app_slug`'s current form when it is one of them.
    pub async fn export_scope(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app_slug: Option<&str>,
    ) -> Result<ExportScope, CoreError> {
        actor.require(Permission::ExportSubmissions, tenant)?;
        let apps = self.scoped_apps(actor, tenant).await?;
        let chosen = match app_slug.and_then(|s| apps.iter().find(|a| a.slug == s)) {
            Some(app) => match app.published_version {
                Some(n) => {
                    let version = self
                        .store()
                        .app_version_number(tenant, app.id, n)
                        .await?
                        .ok_or(CoreError::NotFound)?;
                    Some((app.clone(), self.form_of(&version)?))
                }
                None => None,
            },
            None => None,
        };
        Ok(ExportScope { apps, chosen })
    }

    /// Checks an export of the inbox filtered by `query` (which must name exactly the chosen
    /// app) and builds its table. Nothing is read or recorded yet.
    pub async fn prepare_export(
        &self,
        actor: &Actor,
        tenant: TenantId,
        scope: ExportScope,
        mut query: InboxQuery,
        options: ExportOptions,
        filter: Value,
    ) -> Result<ExportPlan, CoreError> {
        actor.require(Permission::ExportSubmissions, tenant)?;
        let (app, form) = scope.chosen.ok_or_else(app_required)?;
        if query.apps != [app.id] {
            return Err(app_required());
        }
        if let Some(text) = &query.text {
            query.text = Some(yui_domain::japan::text::search_key(text));
        }
        query.after = None;
        query.limit = EXPORT_PAGE_ROWS;
        let assignees: HashMap<_, _> = self
            .store()
            .users(tenant)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name.as_str().to_owned()))
            .collect();
        // Submissions given against earlier versions keep the answers to questions the current
        // version no longer asks: those get columns of their own.
        let current = app.published_version.unwrap_or(u32::MAX);
        let mut older = Vec::new();
        for version in self.store().app_versions(tenant, app.id).await? {
            if version.version < current {
                older.push((version.version, self.form_of(&version)?));
            }
        }
        let table = ExportTable::new(form, &app.slug, options.choices, assignees)
            .with_older_versions(&older);
        Ok(ExportPlan {
            tenant,
            actor: actor.clone(),
            app,
            options,
            table,
            query,
            filter,
        })
    }

    /// Runs a prepared export: pages through the filtered inbox, writes every row with
    /// `writer` and hands each page's bytes to `out`. The export is audited once, with its
    /// row count, also when it stops early (a cancelled download still read what it sent).
    pub async fn run_export(
        &self,
        plan: &ExportPlan,
        writer: &mut dyn RowWriter,
        out: &mut dyn ByteSink,
    ) -> Result<ExportSummary, ExportError> {
        let mut rows = 0u64;
        // A bug that panics part-way has still read and perhaps sent rows: it is caught here so
        // that the export is audited like any other that stopped early.
        let result = std::panic::AssertUnwindSafe(self.write_pages(plan, writer, out, &mut rows))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!(app.id = %plan.app.id, "export stopped by a panic");
                Err(ExportError::Core(CoreError::Internal(
                    "the export stopped unexpectedly".into(),
                )))
            });
        let summary = ExportSummary {
            rows,
            unencodable: writer.unencodable(),
        };
        let mut detail = serde_json::json!({
            "app": plan.app.slug,
            "format": plan.options.format.as_str(),
            "choices": plan.options.choices.as_str(),
            "filter": plan.filter,
            "rows": rows,
            "completed": result.is_ok(),
        });
        if plan.options.format == ExportFormat::CsvCp932 {
            detail["unencodable"] = summary.unencodable.into();
            detail["replaced_with_geta"] = plan.options.replace_with_geta.into();
        }
        let audit = plan
            .actor
            .audit(Some(plan.tenant), "submission.export")
            .subject("app", plan.app.id)
            .detail(&detail);
        self.store()
            .append_audit(&audit, self.clock().now())
            .await
            .map_err(CoreError::from)?;
        result.map(|()| summary)
    }

    async fn write_pages(
        &self,
        plan: &ExportPlan,
        writer: &mut dyn RowWriter,
        out: &mut dyn ByteSink,
        count: &mut u64,
    ) -> Result<(), ExportError> {
        let page = usize::try_from(EXPORT_PAGE_ROWS).unwrap_or(1000);
        writer.begin(&plan.table)?;
        out.write(writer.take_bytes()?).await?;
        let mut query = plan.query.clone();
        let mut next = Some(tokio::spawn(fetch_page(
            self.store().clone(),
            plan.tenant,
            query.clone(),
        )));
        while let Some(fetching) = next.take() {
            let rows = fetching
                .await
                .map_err(|e| CoreError::Internal(format!("export page task: {e}")))??;
            // The next page is read while this one is written: the database and the encoder
            // work at the same time.
            if rows.len() == page {
                query.after = rows.last().map(InboxRow::cursor);
                next = Some(tokio::spawn(fetch_page(
                    self.store().clone(),
                    plan.tenant,
                    query.clone(),
                )));
            }
            let bytes = off_the_runtime(|| {
                writer.rows(&plan.table, &rows)?;
                *count += rows.len() as u64;
                writer.take_bytes()
            })?;
            if !bytes.is_empty() {
                out.write(bytes).await?;
            }
        }
        writer.finish()?;
        let bytes = writer.take_bytes()?;
        if !bytes.is_empty() {
            out.write(bytes).await?;
        }
        Ok(())
    }
}

/// Runs `work` (a page of encoding: milliseconds of CPU) so that the async runtime's other
/// tasks keep running meanwhile. On a multi-threaded runtime the worker hands its queue to
/// another thread first; without that, the next page's read and the sending of this page's
/// bytes, woken on this worker, would wait until the page is encoded, and the export would use
/// one core where it could use two.
fn off_the_runtime<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// The download's file name: `<title>_<YYYYMMDD>.<ext>` (UTF-8, for `filename*`) and an ASCII
/// fallback from the app's URL name. Characters that file systems refuse become `_`.
pub fn export_file_names(
    app: &AppRecord,
    date: time::Date,
    format: ExportFormat,
) -> (String, String) {
    let stamp = format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    let clean: String = app
        .summary
        .title_ja
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let ext = format.extension();
    (
        format!("{clean}_{stamp}.{ext}"),
        format!("{}_{stamp}.{ext}", app.slug),
    )
}
