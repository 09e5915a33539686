//! Test support: XLSForms written as Markdown tables (the way the XLSForm community writes
//! them in tests), turned into real .xlsx bytes in memory.
//!
//! A table row whose first cell is not empty starts a sheet (`| survey |`); the following rows
//! with an empty first cell are that sheet's rows, the first of them its header. Cells that
//! read as numbers are written as numbers and `TRUE`/`FALSE` as booleans, as Excel stores
//! what a clerk types; a leading `'` keeps a cell as text (Excel's own convention), and
//! `#date 2024-04-01` writes a date cell. `\|` is a literal `|`.

#![allow(dead_code)]

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use yui_domain::definition::{AppDefinition, Form};
use yui_xlsform::{ImportIssue, import};

/// One sheet: its name and rows of cells (empty strings for empty cells).
#[derive(Debug, Clone, Default)]
pub struct SheetSpec {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

/// Reads every Markdown table row (`| … |`) of `text` into sheets.
pub fn sheets_from_markdown(text: &str) -> Vec<SheetSpec> {
    let mut sheets: Vec<SheetSpec> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('|') {
            continue;
        }
        let cells = split_row(line);
        if cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':')))
        {
            continue;
        }
        let Some((first, rest)) = cells.split_first() else {
            continue;
        };
        if first.is_empty() {
            if let Some(sheet) = sheets.last_mut() {
                let mut row = rest.to_vec();
                while row.last().is_some_and(String::is_empty) {
                    row.pop();
                }
                sheet.rows.push(row);
            }
        } else {
            sheets.push(SheetSpec {
                name: first.clone(),
                rows: Vec::new(),
            });
        }
    }
    sheets
}

/// The cells of one `| a | b |` line, trimmed, with `\|` unescaped.
pub fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current).trim().to_owned()),
            c => current.push(c),
        }
    }
    cells.push(current.trim().to_owned());
    cells
}

/// An .xlsx workbook holding the sheets, built in memory.
pub fn xlsx(sheets: &[SheetSpec]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 1, 1).unwrap();
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name).unwrap();
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
                if cell.is_empty() {
                    continue;
                }
                if let Some(text) = cell.strip_prefix('\'') {
                    worksheet.write_string(r, c, text).unwrap();
                } else if let Some(date) = cell.strip_prefix("#date ") {
                    let date = ExcelDateTime::parse_from_str(date).unwrap();
                    worksheet
                        .write_datetime_with_format(r, c, &date, &date_format)
                        .unwrap();
                } else if cell == "TRUE" || cell == "FALSE" {
                    worksheet.write_boolean(r, c, cell == "TRUE").unwrap();
                } else if let Some(n) = cell.parse::<f64>().ok().filter(|n| n.is_finite()) {
                    worksheet.write_number(r, c, n).unwrap();
                } else {
                    worksheet.write_string(r, c, cell).unwrap();
                }
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// An OpenDocument spreadsheet (.ods) holding the sheets, built in memory: the parts a
/// spreadsheet application writes that matter to a reader (mimetype first and stored,
/// manifest, content). Numbers become float cells, everything else strings.
pub fn ods(sheets: &[SheetSpec]) -> Vec<u8> {
    use std::io::Write as _;
    use zip::write::SimpleFileOptions;

    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut content = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>"#,
    );
    for sheet in sheets {
        content.push_str(&format!(
            r#"<table:table table:name="{}">"#,
            escape(&sheet.name)
        ));
        for row in &sheet.rows {
            content.push_str("<table:table-row>");
            for cell in row {
                let text = cell.strip_prefix('\'').unwrap_or(cell);
                if cell.is_empty() {
                    content.push_str("<table:table-cell/>");
                } else if let Some(n) = cell.parse::<f64>().ok().filter(|n| n.is_finite()) {
                    content.push_str(&format!(
                        r#"<table:table-cell office:value-type="float" office:value="{n}"><text:p>{n}</text:p></table:table-cell>"#
                    ));
                } else {
                    content.push_str(&format!(
                        r#"<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>"#,
                        escape(text)
                    ));
                }
            }
            content.push_str("</table:table-row>");
        }
        content.push_str("</table:table>");
    }
    content.push_str("</office:spreadsheet></office:body></office:document-content>");
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let deflated = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(manifest.as_bytes()).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

/// An .xlsx workbook from a Markdown XLSForm.
pub fn xlsx_from_markdown(text: &str) -> Vec<u8> {
    xlsx(&sheets_from_markdown(text))
}

pub struct Case {
    pub tables: String,
    pub definition: Option<String>,
    pub errors: Option<Vec<String>>,
    pub warnings: Option<Vec<String>>,
}

pub fn parse_case(text: &str) -> Case {
    let mut sections: Vec<(String, String)> = vec![(String::new(), String::new())];
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            sections.push((title.trim().to_lowercase(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let mut case = Case {
        tables: sections[0].1.clone(),
        definition: None,
        errors: None,
        warnings: None,
    };
    for (title, body) in &sections[1..] {
        match title.as_str() {
            "expected definition" => {
                let yaml = body
                    .split("```yaml")
                    .nth(1)
                    .and_then(|rest| rest.split("```").next())
                    .expect("a ```yaml block");
                case.definition = Some(yaml.to_owned());
            }
            "expected errors" => case.errors = Some(issue_table(body)),
            "expected warnings" => case.warnings = Some(issue_table(body)),
            other => panic!("unknown section {other:?}"),
        }
    }
    case
}

/// `| sheet | row | column | code |` rows as `sheet/row/column/code` strings.
fn issue_table(body: &str) -> Vec<String> {
    let mut rows: Vec<String> = body
        .lines()
        .filter(|l| l.trim().starts_with('|'))
        .map(split_row)
        .filter(|cells| {
            cells.first().is_some_and(|c| c != "sheet")
                && !cells
                    .iter()
                    .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':')))
        })
        .map(|cells| cells.join("/"))
        .collect();
    rows.sort();
    rows
}

fn issue_key(issue: &ImportIssue) -> String {
    format!(
        "{}/{}/{}/{}",
        issue.sheet.as_deref().unwrap_or("-"),
        issue.row.map_or("-".to_owned(), |r| r.to_string()),
        issue.column.as_deref().unwrap_or("-"),
        issue.code
    )
}

fn keys(issues: &[ImportIssue]) -> Vec<String> {
    let mut keys: Vec<String> = issues.iter().map(issue_key).collect();
    keys.sort();
    keys
}

fn describe(issues: &[ImportIssue]) -> String {
    issues
        .iter()
        .map(|i| format!("    {} — {}", issue_key(i), i.message_en))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level keys a YAML snippet sets.
fn top_level_keys(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_owned()))
        .collect()
}

fn compare_definition(actual: &AppDefinition, snippet: &str) -> Result<(), String> {
    let actual_json = serde_json::to_value(actual).unwrap();
    let keys = top_level_keys(snippet);
    let mut doc = String::new();
    for required in ["yui", "id", "title", "audience", "fields"] {
        if !keys.iter().any(|k| k == required) {
            doc.push_str(&format!("{required}: {}\n", actual_json[required]));
        }
    }
    doc.push_str(snippet);
    let expected = AppDefinition::from_yaml(&doc)
        .map_err(|e| format!("the expected definition does not load: {e}\n{doc}"))?;
    let expected_json = serde_json::to_value(&expected).unwrap();
    for key in &keys {
        if expected_json.get(key) != actual_json.get(key) {
            return Err(format!(
                "{key} differs.\n  expected:\n{}\n  imported:\n{}",
                expected.to_yaml(),
                actual.to_yaml()
            ));
        }
    }
    Ok(())
}

/// Imports `bytes` and checks the outcome against the case.
pub fn check(case: &Case, bytes: &[u8]) -> Result<(), String> {
    match (import(bytes), &case.errors) {
        (Ok(imported), None) => {
            // Whatever imports must pass Yui's own checks and survive a YAML round trip.
            Form::from_definition(imported.definition.clone())
                .map_err(|e| format!("the imported definition does not check: {e}"))?;
            let again = AppDefinition::from_yaml(&imported.definition.to_yaml())
                .map_err(|e| format!("the written YAML does not read back: {e}"))?;
            if again != imported.definition {
                return Err("the YAML round trip changed the definition".into());
            }
            if let Some(snippet) = &case.definition {
                compare_definition(&imported.definition, snippet)?;
            }
            if let Some(expected) = &case.warnings
                && keys(&imported.warnings) != *expected
            {
                return Err(format!(
                    "warnings differ.\n  expected: {expected:?}\n  got:\n{}",
                    describe(&imported.warnings)
                ));
            }
            Ok(())
        }
        (Ok(imported), Some(expected)) => Err(format!(
            "expected errors {expected:?}, but the import succeeded:\n{}",
            imported.definition.to_yaml()
        )),
        (Err(errors), None) => Err(format!("unexpected errors:\n{}", describe(&errors))),
        (Err(errors), Some(expected)) => {
            if keys(&errors) == *expected {
                // Every message says something in both languages.
                for e in &errors {
                    if e.message_ja.trim().is_empty() || e.message_en.trim().is_empty() {
                        return Err(format!("{} lacks a message", issue_key(e)));
                    }
                }
                Ok(())
            } else {
                Err(format!(
                    "errors differ.\n  expected: {expected:?}\n  got:\n{}",
                    describe(&errors)
                ))
            }
        }
    }
}
