//! A sheet seen as an XLSForm table: the first non-empty row names the columns (a name, and
//! for texts an optional `::language`), the rows below hold the data. Also the helpers every
//! sheet shares: languages of translated columns and "did you mean" suggestions.

use std::collections::BTreeMap;

use crate::issue::{Findings, ImportIssue, column_letter};
use crate::workbook::Sheet;

/// A language Yui keeps texts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Lang {
    Ja,
    En,
}

/// One named column.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub index: u32,
    pub letter: String,
    /// The header as written.
    pub header: String,
    /// The part before `::`, trimmed and lowercased: `label`, `list_name`, `jr:count`.
    pub key: String,
    /// The part after `::`, as written (`日本語 (ja)`), for translated columns.
    pub language: Option<String>,
}

/// One data row with at least one non-empty cell.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// As Excel numbers it (1-based).
    pub number: u32,
    /// Non-empty cells by 0-based column index.
    pub cells: BTreeMap<u32, String>,
}

impl Row {
    pub fn get(&self, column: u32) -> Option<&str> {
        self.cells.get(&column).map(String::as_str)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub sheet: String,
    /// 1-based row of the header; 0 when the sheet is empty.
    pub header_row: u32,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Splits a sheet into header and rows. Data in a column without a header would be lost,
    /// so it is reported (as a warning: it may be a note beside the table).
    pub fn from_sheet(sheet: &Sheet, findings: &mut Findings) -> Table {
        let mut rows: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
        for (&(row, col), text) in &sheet.cells {
            rows.entry(row).or_default().insert(col, text.clone());
        }
        let mut iter = rows.into_iter();
        let Some((header_index, header_cells)) = iter.next() else {
            return Table {
                sheet: sheet.name.clone(),
                header_row: 0,
                columns: Vec::new(),
                rows: Vec::new(),
            };
        };
        let columns: Vec<Column> = header_cells
            .into_iter()
            .map(|(index, header)| {
                let (key, language) = match header.split_once("::") {
                    Some((key, language)) => (key, Some(language.trim().to_owned())),
                    None => (header.as_str(), None),
                };
                Column {
                    index,
                    letter: column_letter(index),
                    key: key.trim().to_lowercase(),
                    language,
                    header: header.clone(),
                }
            })
            .collect();
        let mut headless_reported = Vec::new();
        let rows = iter
            .map(|(index, cells)| {
                for &col in cells.keys() {
                    if !columns.iter().any(|c| c.index == col) && !headless_reported.contains(&col)
                    {
                        headless_reported.push(col);
                        findings.warn(
                            ImportIssue::new(
                                "xlsform.data_without_header",
                                "見出し（1 行目）のない列に値があります。この列は読み込まれません",
                                "this column has values but no header; it is not imported",
                            )
                            .at(
                                &sheet.name,
                                index + 1,
                                Some(&column_letter(col)),
                            ),
                        );
                    }
                }
                Row {
                    number: index + 1,
                    cells,
                }
            })
            .collect();
        Table {
            sheet: sheet.name.clone(),
            header_row: header_index + 1,
            columns,
            rows,
        }
    }

    /// Whether any data row has a value in the column.
    pub fn has_data(&self, column: u32) -> bool {
        self.rows.iter().any(|r| r.cells.contains_key(&column))
    }

    /// An issue placed on a column's header cell.
    pub fn at_header(&self, column: &Column, issue: ImportIssue) -> ImportIssue {
        issue.at(&self.sheet, self.header_row, Some(&column.letter))
    }
}

/// The language of a translated column's suffix (`日本語 (ja)`, `English (en)`, `Japanese`),
/// or `Err` with the language as written when Yui does not keep texts in it.
pub(crate) fn parse_language(text: &str) -> Result<Lang, String> {
    let text = text.trim();
    let code = match (text.rfind('('), text.ends_with(')')) {
        (Some(open), true) => text[open + 1..text.len() - 1].trim(),
        _ => text,
    };
    let primary = code
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    match primary.as_str() {
        "ja" | "jpn" | "japanese" | "日本語" => Ok(Lang::Ja),
        "en" | "eng" | "english" | "英語" => Ok(Lang::En),
        _ => Err(text.to_owned()),
    }
}

/// The issue for a translated column in a language Yui does not keep.
pub(crate) fn unsupported_language(language: &str) -> ImportIssue {
    ImportIssue::new(
        "xlsform.unsupported_language",
        format!(
            "言語「{language}」の列には対応していません。Yui の文は日本語（ja）と英語（en）です。列名を「label::日本語 (ja)」「label::English (en)」のようにするか、この列を削除してください"
        ),
        format!(
            "the language {language:?} is not supported: Yui keeps texts in Japanese (ja) and English (en); name the column like label::日本語 (ja) or label::English (en), or remove it"
        ),
    )
}

/// The candidate closest to `word`, if near enough to be a typo: the definition loader's own
/// suggestion, so a workbook and a YAML file suggest the same names.
pub(crate) use yui_domain::definition::did_you_mean;

/// The suggestion as a message tail in both languages (empty when there is none).
pub(crate) fn suggestion(word: Option<&str>) -> (String, String) {
    word.map_or((String::new(), String::new()), |w| {
        (
            format!("（{w} のことですか）"),
            format!(" (did you mean {w}?)"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_read_from_the_code_or_the_name() {
        assert_eq!(parse_language("日本語 (ja)"), Ok(Lang::Ja));
        assert_eq!(parse_language("English (en)"), Ok(Lang::En));
        assert_eq!(parse_language("Japanese"), Ok(Lang::Ja));
        assert_eq!(parse_language("日本語"), Ok(Lang::Ja));
        assert_eq!(parse_language("English"), Ok(Lang::En));
        assert_eq!(parse_language("English (en-GB)"), Ok(Lang::En));
        assert_eq!(
            parse_language("Français (fr)"),
            Err("Français (fr)".to_owned())
        );
        assert_eq!(parse_language("Tiếng Việt"), Err("Tiếng Việt".to_owned()));
    }

    #[test]
    fn near_misses_get_a_suggestion() {
        assert_eq!(
            did_you_mean("requried", ["required", "relevant"]),
            Some("required")
        );
        assert_eq!(did_you_mean("備考", ["required", "relevant"]), None);
    }
}
