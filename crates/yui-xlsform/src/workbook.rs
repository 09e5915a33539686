//! Reads a workbook's bytes into plain sheets of text cells, whatever the file format.
//!
//! The format is recognised from the bytes (zip: .xlsx or .ods; compound file: .xls), checked
//! by [`crate::guard`], then read with calamine. Sheets of .xlsx files are streamed cell by
//! cell; every cell becomes the text Excel shows for it (whole numbers without `.0`, dates as
//! ISO dates), so the importer never deals with cell types again.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, ExcelDateTime, Ods, Reader, Xls, Xlsx};

use crate::guard::{self, CFB_MAGIC, ZipKind, unreadable};
use crate::issue::{Findings, ImportIssue, column_letter};

/// Largest workbook accepted, in bytes.
pub const MAX_WORKBOOK_BYTES: usize = 10 * 1024 * 1024;
/// Most non-empty cells in a whole workbook.
const MAX_CELLS: usize = 200_000;
/// Excel's own limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// One sheet: its name and its non-empty cells by 0-based (row, column).
#[derive(Debug, Clone, Default)]
pub(crate) struct Sheet {
    pub name: String,
    pub cells: BTreeMap<(u32, u32), String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Workbook {
    pub sheets: Vec<Sheet>,
}

enum CellText {
    Text(String),
    Error(String),
    Empty,
}

/// Reads every sheet. Cells showing an Excel error (`#REF!`, …) are reported in `findings`.
pub(crate) fn read(bytes: &[u8], findings: &mut Findings) -> Result<Workbook, ImportIssue> {
    if bytes.len() > MAX_WORKBOOK_BYTES {
        return Err(ImportIssue::new(
            "xlsform.too_large",
            format!(
                "ファイルが大きすぎます（{} MB まで）",
                MAX_WORKBOOK_BYTES / 1024 / 1024
            ),
            format!(
                "the file is too large (at most {} MB)",
                MAX_WORKBOOK_BYTES / 1024 / 1024
            ),
        ));
    }
    let mut reader = CellSink::default();
    // The readers are third-party parsers fed untrusted bytes: a panic inside one becomes an
    // "unreadable" error for this file rather than taking the process down.
    let outcome = catch_unwind(AssertUnwindSafe(|| read_format(bytes, &mut reader)));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(issue)) => return Err(issue),
        Err(_) => return Err(unreadable("reader failure")),
    }
    for (sheet, row, col, text) in reader.errors {
        findings.error(
            ImportIssue::new(
                "xlsform.cell_error",
                format!(
                    "セルが Excel のエラー {text} を表示しています。式を直すか値を入力してください"
                ),
                format!("the cell shows the Excel error {text}; fix the formula or enter a value"),
            )
            .at(&sheet, row + 1, Some(&column_letter(col))),
        );
    }
    Ok(Workbook {
        sheets: reader.sheets,
    })
}

fn read_format(bytes: &[u8], sink: &mut CellSink) -> Result<(), ImportIssue> {
    if bytes.starts_with(b"PK\x03\x04") {
        match guard::check_zip(bytes)? {
            ZipKind::Xlsx => read_xlsx(bytes, sink),
            ZipKind::Ods => {
                let mut book =
                    Ods::new(Cursor::new(bytes)).map_err(|e| unreadable(&format!("ods: {e}")))?;
                read_ranges(&mut book, sink)
            }
        }
    } else if bytes.starts_with(&CFB_MAGIC) {
        guard::check_xls(bytes)?;
        let mut book =
            Xls::new(Cursor::new(bytes)).map_err(|e| unreadable(&format!("xls: {e}")))?;
        read_ranges(&mut book, sink)
    } else {
        Err(ImportIssue::new(
            "xlsform.not_a_spreadsheet",
            "このファイルは Excel ブック（.xlsx / .xls）でも OpenDocument スプレッドシート（.ods）でもありません。CSV は読み込めません",
            "the file is not an Excel workbook (.xlsx, .xls) or an OpenDocument spreadsheet (.ods); CSV cannot be imported",
        ))
    }
}

fn read_xlsx(bytes: &[u8], sink: &mut CellSink) -> Result<(), ImportIssue> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&format!("xlsx: {e}")))?;
    for name in book.sheet_names() {
        sink.start(&name);
        let mut cells = book
            .worksheet_cells_reader(&name)
            .map_err(|e| unreadable(&format!("xlsx: {e}")))?;
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| unreadable(&format!("xlsx: {e}")))?
        {
            let (row, col) = cell.get_position();
            sink.put(row, col, text_of_ref(cell.get_value()))?;
        }
    }
    Ok(())
}

fn read_ranges<RS: std::io::Read + std::io::Seek, R: Reader<RS>>(
    book: &mut R,
    sink: &mut CellSink,
) -> Result<(), ImportIssue>
where
    R::Error: std::fmt::Display,
{
    for name in book.sheet_names() {
        sink.start(&name);
        let range = book
            .worksheet_range(&name)
            .map_err(|e| unreadable(&e.to_string()))?;
        let (top, left) = range.start().unwrap_or((0, 0));
        for (row, col, value) in range.used_cells() {
            let (row, col) = (u32::try_from(row), u32::try_from(col));
            if let (Ok(row), Ok(col)) = (row, col) {
                sink.put(
                    top.saturating_add(row),
                    left.saturating_add(col),
                    text_of(value),
                )?;
            }
        }
    }
    Ok(())
}

#[derive(Default)]
struct CellSink {
    sheets: Vec<Sheet>,
    count: usize,
    errors: Vec<(String, u32, u32, String)>,
}

impl CellSink {
    fn start(&mut self, name: &str) {
        self.sheets.push(Sheet {
            name: name.to_owned(),
            cells: BTreeMap::new(),
        });
    }

    fn put(&mut self, row: u32, col: u32, text: CellText) -> Result<(), ImportIssue> {
        let Some(sheet) = self.sheets.last_mut() else {
            return Ok(());
        };
        match text {
            CellText::Empty => {}
            CellText::Error(e) => self.errors.push((sheet.name.clone(), row, col, e)),
            CellText::Text(text) => {
                let text = text.trim();
                if text.is_empty() {
                    return Ok(());
                }
                self.count += 1;
                if self.count > MAX_CELLS || text.chars().count() > MAX_CELL_CHARS {
                    return Err(ImportIssue::new(
                        "xlsform.too_large",
                        format!(
                            "ブックのセルが多すぎるか、長すぎるセルがあります（{MAX_CELLS} セル、1 セル {MAX_CELL_CHARS} 文字まで）"
                        ),
                        format!(
                            "the workbook has too many cells or a cell is too long (at most {MAX_CELLS} cells of {MAX_CELL_CHARS} characters)"
                        ),
                    ));
                }
                sheet.cells.insert((row, col), text.to_owned());
            }
        }
        Ok(())
    }
}

fn text_of(value: &Data) -> CellText {
    match value {
        Data::Int(i) => CellText::Text(i.to_string()),
        Data::Float(f) => CellText::Text(number_text(*f)),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => CellText::Text(s.clone()),
        Data::Bool(b) => CellText::Text(bool_text(*b)),
        Data::DateTime(d) => CellText::Text(date_text(d)),
        Data::Error(e) => CellText::Error(e.to_string()),
        Data::Empty => CellText::Empty,
    }
}

fn text_of_ref(value: &DataRef<'_>) -> CellText {
    match value {
        DataRef::Int(i) => CellText::Text(i.to_string()),
        DataRef::Float(f) => CellText::Text(number_text(*f)),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            CellText::Text(s.clone())
        }
        DataRef::SharedString(s) => CellText::Text((*s).to_owned()),
        DataRef::Bool(b) => CellText::Text(bool_text(*b)),
        DataRef::DateTime(d) => CellText::Text(date_text(d)),
        DataRef::Error(e) => CellText::Error(e.to_string()),
        DataRef::Empty => CellText::Empty,
    }
}

/// Excel's TRUE and FALSE, as XLSForm writes them in `required`.
fn bool_text(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_owned()
}

/// A number as Excel shows it: `3`, not `3.0`.
pub(crate) fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        let whole = f as i64;
        whole.to_string()
    } else {
        f.to_string()
    }
}

/// A date cell as an ISO date (`2024-04-01`), a time (`09:30`), or both.
fn date_text(d: &ExcelDateTime) -> String {
    let (year, month, day, hour, minute, second, _) = d.to_ymd_hms_milli();
    let serial = d.as_f64();
    let time = if second == 0 {
        format!("{hour:02}:{minute:02}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}")
    };
    if d.is_duration() || (0.0..1.0).contains(&serial) {
        time
    } else if serial.fract() == 0.0 {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{time}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_lose_their_decimal_point() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(-12.0), "-12");
        assert_eq!(number_text(0.5), "0.5");
    }

    #[test]
    fn text_that_is_no_workbook_is_refused_with_a_clear_code() {
        let mut findings = Findings::default();
        let error = read(b"type,name,label\ntext,a,A\n", &mut findings).map(|_| ());
        assert_eq!(error.map_err(|e| e.code), Err("xlsform.not_a_spreadsheet"));
    }

    #[test]
    fn a_truncated_zip_is_unreadable_not_a_crash() {
        let mut findings = Findings::default();
        let error = read(b"PK\x03\x04garbage", &mut findings).map(|_| ());
        assert_eq!(error.map_err(|e| e.code), Err("xlsform.unreadable"));
    }
}
