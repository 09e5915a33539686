//! What the importer reports: one [`ImportIssue`] per problem (or warning), placed on the
//! sheet, row and column a clerk sees in Excel, with a stable code and a message in Japanese
//! and English.

use std::fmt;

use serde::Serialize;

/// One problem (or warning) found while importing a workbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportIssue {
    /// The sheet (`survey`, `choices`, `settings`, or the misnamed sheet); `None` for the
    /// workbook as a whole.
    pub sheet: Option<String>,
    /// The row as Excel numbers it (1-based); `None` for a sheet-wide problem.
    pub row: Option<u32>,
    /// The column letter as Excel shows it (`D`, `AA`); `None` for a whole row or sheet.
    pub column: Option<String>,
    /// Stable code: `xlsform.*` for the importer's own findings, or the definition checker's
    /// code (`field.duplicate_name`, `expr.unknown_field`, …) translated back to the cell.
    pub code: &'static str,
    pub message_ja: String,
    pub message_en: String,
}

impl ImportIssue {
    pub(crate) fn new(
        code: &'static str,
        message_ja: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        ImportIssue {
            sheet: None,
            row: None,
            column: None,
            code,
            message_ja: message_ja.into(),
            message_en: message_en.into(),
        }
    }

    pub(crate) fn in_sheet(mut self, sheet: &str) -> Self {
        self.sheet = Some(sheet.to_owned());
        self
    }

    pub(crate) fn at(mut self, sheet: &str, row: u32, column: Option<&str>) -> Self {
        self.sheet = Some(sheet.to_owned());
        self.row = Some(row);
        self.column = column.map(str::to_owned);
        self
    }

    /// The message in `lang` (`"ja"` or anything else for English).
    pub fn message(&self, lang: &str) -> &str {
        if lang == "ja" {
            &self.message_ja
        } else {
            &self.message_en
        }
    }

    /// Where the issue is, in words: `sheet survey, row 5, column D` or
    /// `シート survey、5 行目、D 列`. Empty for workbook-wide issues.
    pub fn location(&self, lang: &str) -> String {
        let mut parts = Vec::new();
        let ja = lang == "ja";
        if let Some(sheet) = &self.sheet {
            parts.push(if ja {
                format!("シート {sheet}")
            } else {
                format!("sheet {sheet}")
            });
        }
        if let Some(row) = self.row {
            parts.push(if ja {
                format!("{row} 行目")
            } else {
                format!("row {row}")
            });
        }
        if let Some(column) = &self.column {
            parts.push(if ja {
                format!("{column} 列")
            } else {
                format!("column {column}")
            });
        }
        parts.join(if ja { "、" } else { ", " })
    }
}

impl fmt::Display for ImportIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location("en");
        if !location.is_empty() {
            write!(f, "{location}: ")?;
        }
        write!(f, "{} [{}]", self.message_en, self.code)
    }
}

impl std::error::Error for ImportIssue {}

/// Errors and warnings collected while importing; errors stop the import, warnings travel
/// with the result.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub errors: Vec<ImportIssue>,
    pub warnings: Vec<ImportIssue>,
}

impl Findings {
    pub fn error(&mut self, issue: ImportIssue) {
        self.errors.push(issue);
    }

    pub fn warn(&mut self, issue: ImportIssue) {
        self.warnings.push(issue);
    }
}

/// The Excel column letter of a 0-based column index: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub(crate) fn column_letter(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(3), "D");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16_383), "XFD");
    }

    #[test]
    fn an_issue_reads_as_sheet_row_column_and_message() {
        let issue = ImportIssue::new("xlsform.test", "テスト", "a test").at("survey", 5, Some("D"));
        assert_eq!(
            issue.to_string(),
            "sheet survey, row 5, column D: a test [xlsform.test]"
        );
        assert_eq!(issue.location("ja"), "シート survey、5 行目、D 列");
    }
}
