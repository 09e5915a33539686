//! `yui-bench export`: where an export's time goes, without HTTP. Two passes over every
//! submission of the play-room app as a reviewer:
//!
//! 1. `read`: only the keyset pages the export reads (the store's inbox query, 1,000 rows a
//!    page, one after another);
//! 2. `export`: the whole export use case (the same pages, the cells, the encoder and the
//!    audit record) into `/dev/null`.
//!
//! Prints one JSON line per pass with seconds and rows per second.

use std::time::Instant;

use yui_core::Yui;
use yui_core::export::{
    CsvEncoding, CsvWriter, EXPORT_PAGE_ROWS, ExportFormat, ExportOptions, JsonLinesWriter,
    RowWriter,
};
use yui_core::review::InboxQuery;

/// CPU seconds this process has used (user + system), from /proc (Linux); 0 elsewhere.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    (ticks(11) + ticks(12)) / 100.0
}

fn rate(rows: u64, seconds: f64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let r = rows as f64 / seconds.max(1e-9);
    r.round()
}

pub async fn run(yui: &Yui, backend: &str, town: &str, format: &str) -> anyhow::Result<()> {
    let format = ExportFormat::parse(format)
        .ok_or_else(|| anyhow::anyhow!("unknown format {format}: csv, csv-cp932 or json"))?;
    let (tenant, actor, app) = crate::inbox::as_reviewer(yui, town).await?;

    // Pass 1: the pages alone.
    let mut query = InboxQuery {
        apps: vec![app.id],
        limit: EXPORT_PAGE_ROWS,
        ..InboxQuery::default()
    };
    let started = Instant::now();
    let cpu = cpu_seconds();
    let mut rows = 0u64;
    loop {
        let page = yui.store().inbox(tenant.id, &query).await?;
        rows += page.len() as u64;
        if page.len() < EXPORT_PAGE_ROWS as usize {
            break;
        }
        query.after = page.last().map(yui_core::review::InboxRow::cursor);
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    println!(
        "{}",
        serde_json::json!({
            "backend": backend, "label": "export-read-pages", "rows": rows,
            "seconds": (seconds * 100.0).round() / 100.0, "rows_per_s": rate(rows, seconds),
            "cpu_seconds": (cpu * 100.0).round() / 100.0,
        })
    );

    // Pass 2: the whole use case.
    let scope = yui
        .export_scope(&actor, tenant.id, Some("play-room-booking"))
        .await?;
    let options = ExportOptions {
        format,
        ..ExportOptions::default()
    };
    let query = InboxQuery {
        apps: vec![app.id],
        ..InboxQuery::default()
    };
    let plan = yui
        .prepare_export(
            &actor,
            tenant.id,
            scope,
            query,
            options,
            serde_json::json!({}),
        )
        .await?;
    let mut writer: Box<dyn RowWriter> = match format {
        ExportFormat::Csv => Box::new(CsvWriter::new(CsvEncoding::Utf8Bom)),
        ExportFormat::CsvCp932 => Box::new(CsvWriter::new(CsvEncoding::Cp932 { geta: true })),
        ExportFormat::Json => Box::new(JsonLinesWriter::default()),
        ExportFormat::Xlsx => {
            anyhow::bail!("the XLSX export is timed over HTTP (bench/inbox-export.sh)")
        }
    };
    let mut sink = tokio::fs::File::create("/dev/null").await?;
    let started = Instant::now();
    let cpu = cpu_seconds();
    let summary = yui.run_export(&plan, writer.as_mut(), &mut sink).await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    println!(
        "{}",
        serde_json::json!({
            "backend": backend, "label": format!("export-{}-use-case", format.as_str()),
            "rows": summary.rows, "seconds": (seconds * 100.0).round() / 100.0,
            "rows_per_s": rate(summary.rows, seconds),
            "cpu_seconds": (cpu * 100.0).round() / 100.0,
        })
    );
    Ok(())
}
