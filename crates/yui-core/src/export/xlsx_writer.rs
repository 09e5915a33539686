//! XLSX for Excel: a bold, frozen header row; dates as real dates, numbers as numbers and text
//! as text (so postal codes and phone numbers keep their leading zeros). Text that looks like a
//! formula is written with Excel's own quote prefix (the style Excel gives `'=...` typed into a
//! cell): it shows as typed, without a visible `'`, and stays text when edited. The worksheet is
//! written in constant-memory mode: each finished row goes to a temporary file, so memory
//! stays flat however many rows there are. The workbook is assembled at [`XlsxWriter::save`].

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use super::table::{Cell, ExportTable, formula_like};
use super::{ExportError, RowWriter};
use crate::review::InboxRow;

/// Rows in one Excel worksheet, the header included.
pub const MAX_XLSX_ROWS: u32 = 1_048_576;

/// Writes rows into a workbook.
pub struct XlsxWriter {
    workbook: Workbook,
    next_row: u32,
    header: Format,
    date: Format,
    datetime: Format,
    quoted: Format,
    cells: Vec<Cell>,
}

fn xlsx_error(e: &XlsxError) -> ExportError {
    ExportError::Write(format!("xlsx: {e}"))
}

impl XlsxWriter {
    /// A workbook whose worksheet data goes to temporary files in `temp_dir`.
    pub fn new(temp_dir: &Path) -> Result<Self, ExportError> {
        let mut workbook = Workbook::new();
        workbook.set_tempdir(temp_dir).map_err(|e| xlsx_error(&e))?;
        // Level 1 compresses a large export several times faster than the default 6 for a
        // file about a fifth larger; staff wait for the download, not for the bytes.
        workbook.set_zip_compression_level(1);
        workbook
            .add_worksheet_with_constant_memory()
            .map_err(|e| xlsx_error(&e))?;
        Ok(Self {
            workbook,
            next_row: 0,
            header: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            quoted: Format::new().set_quote_prefix(),
            cells: Vec::new(),
        })
    }

    /// Assembles the workbook into `path`. Slow for large exports (it compresses everything):
    /// call it off the async runtime's threads.
    pub fn save(mut self, path: &Path) -> Result<(), ExportError> {
        self.workbook.save(path).map_err(|e| xlsx_error(&e))
    }
}

impl RowWriter for XlsxWriter {
    fn begin(&mut self, table: &ExportTable) -> Result<(), ExportError> {
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(|e| xlsx_error(&e))?;
        sheet.set_name("申請一覧").map_err(|e| xlsx_error(&e))?;
        for (col, header) in table.headers().enumerate() {
            let col =
                u16::try_from(col).map_err(|_| ExportError::Write("too many columns".into()))?;
            sheet
                .write_string_with_format(0, col, header, &self.header)
                .map_err(|e| xlsx_error(&e))?;
            let width = if col == 1 { 20 } else { 16 };
            sheet
                .set_column_width(col, width)
                .map_err(|e| xlsx_error(&e))?;
        }
        sheet.set_freeze_panes(1, 0).map_err(|e| xlsx_error(&e))?;
        self.next_row = 1;
        Ok(())
    }

    fn row(&mut self, table: &ExportTable, row: &InboxRow) -> Result<(), ExportError> {
        if self.next_row >= MAX_XLSX_ROWS {
            return Err(ExportError::TooManyRows {
                limit: MAX_XLSX_ROWS - 1,
            });
        }
        table.fill(row, &mut self.cells);
        let sheet = self
            .workbook
            .worksheet_from_index(0)
            .map_err(|e| xlsx_error(&e))?;
        let r = self.next_row;
        for (col, cell) in self.cells.iter().enumerate() {
            let col =
                u16::try_from(col).map_err(|_| ExportError::Write("too many columns".into()))?;
            let written = match cell {
                Cell::Empty => Ok(&mut *sheet),
                Cell::Text(s) if formula_like(s) => {
                    sheet.write_string_with_format(r, col, s, &self.quoted)
                }
                Cell::Text(s) => sheet.write_string(r, col, s),
                Cell::Number(n) => sheet.write_number(r, col, *n),
                Cell::Date(d) => match excel_date(*d) {
                    Some(x) => sheet.write_datetime_with_format(r, col, &x, &self.date),
                    None => sheet.write_string(r, col, d.to_string()),
                },
                Cell::DateTime(t) => match excel_date(t.date()).and_then(|x| {
                    x.and_hms(u16::from(t.hour()), t.minute(), f64::from(t.second()))
                        .ok()
                }) {
                    Some(x) => sheet.write_datetime_with_format(r, col, &x, &self.datetime),
                    None => sheet.write_string(r, col, t.to_string()),
                },
            };
            written.map_err(|e| xlsx_error(&e))?;
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        Ok(())
    }

    fn take_bytes(&mut self) -> Result<Vec<u8>, ExportError> {
        Ok(Vec::new())
    }
}

/// Excel counts dates from 1900; earlier ones stay text.
fn excel_date(d: time::Date) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok().filter(|y| *y >= 1900)?;
    ExcelDateTime::from_ymd(year, u8::from(d.month()), d.day()).ok()
}
