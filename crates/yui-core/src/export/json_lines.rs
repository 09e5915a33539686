//! NDJSON (`application/x-ndjson`): one submission per line, its answers exactly as stored
//! (normalised, choices as codes), for other systems to read.

use std::io::Write as _;

use super::table::ExportTable;
use super::{ExportError, RowWriter};
use crate::clock::JST;
use crate::review::InboxRow;

/// Writes one JSON object per submission and line.
#[derive(Debug, Default)]
pub struct JsonLinesWriter {
    out: Vec<u8>,
}

impl RowWriter for JsonLinesWriter {
    fn begin(&mut self, _table: &ExportTable) -> Result<(), ExportError> {
        Ok(())
    }

    fn row(&mut self, table: &ExportTable, row: &InboxRow) -> Result<(), ExportError> {
        let submitted_at = row
            .submitted_at
            .to_offset(JST)
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| ExportError::Write(e.to_string()))?;
        let head = serde_json::json!({
            "id": row.id,
            "receipt": row.receipt_number,
            "app": table.app_slug(),
            "status": row.status,
            "submitted_at": submitted_at,
            "assignee_id": row.assignee_id,
            "revision": row.revision,
        })
        .to_string();
        // The stored answers are already compact JSON (no raw newlines): they go in as they
        // are instead of being parsed and printed again.
        let answers = if row.answers.trim().is_empty() {
            "{}"
        } else {
            row.answers.as_str()
        };
        let body = head.strip_suffix('}').unwrap_or(&head);
        writeln!(self.out, "{body},\"answers\":{answers}}}")
            .map_err(|e| ExportError::Write(e.to_string()))
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        Ok(())
    }

    fn take_bytes(&mut self) -> Result<Vec<u8>, ExportError> {
        Ok(std::mem::take(&mut self.out))
    }
}
