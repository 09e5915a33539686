//! Puts the definition checker's findings back on the workbook: an error at
//! `fields[2].fields[0].relevant` becomes "sheet survey, row 7, column F", using the rows and
//! columns the sheet readers remembered.

use yui_domain::definition::DefinitionError;

use crate::choices::ChoiceRows;
use crate::issue::ImportIssue;
use crate::settings::{Cell, Settings};
use crate::survey::SurveyRows;

pub(crate) struct Sources<'a> {
    pub survey: &'a SurveyRows,
    pub choices: &'a ChoiceRows,
    pub settings: &'a Settings,
    pub settings_sheet: &'a str,
}

/// The checker's error as an import issue on the cell it concerns.
pub(crate) fn locate(error: DefinitionError, sources: &Sources<'_>) -> ImportIssue {
    let (message_ja, message_en) = match error.expr_column {
        Some(at) => (
            format!("{}（式の {at} 文字目）", error.message_ja),
            format!("{} (at character {at} of the expression)", error.message_en),
        ),
        None => (error.message_ja.clone(), error.message_en.clone()),
    };
    let issue = ImportIssue::new(error.code, message_ja, message_en);
    let path = error.path.as_str();
    if path == "title" || path.starts_with("title.") {
        return at_cell(
            issue,
            sources.settings_sheet,
            sources.settings.title_cell.as_ref(),
        );
    }
    if path == "id" {
        return at_cell(
            issue,
            sources.settings_sheet,
            sources.settings.id_cell.as_ref(),
        );
    }
    if let Some(rest) = path.strip_prefix("choices.") {
        return locate_choice(issue, rest, sources.choices);
    }
    if path.starts_with("fields") {
        return locate_field(issue, path, error.code, sources.survey);
    }
    issue
}

fn at_cell(issue: ImportIssue, sheet: &str, cell: Option<&Cell>) -> ImportIssue {
    match cell {
        Some(cell) => issue.at(sheet, cell.row, Some(&cell.column)),
        None => issue.in_sheet(sheet),
    }
}

/// `list[3].name`, `list[3].label` or `list` (the whole list).
fn locate_choice(issue: ImportIssue, rest: &str, choices: &ChoiceRows) -> ImportIssue {
    let (list, index, key) = match rest.split_once('[') {
        Some((list, tail)) => {
            let (index, key) = tail.split_once(']').unwrap_or((tail, ""));
            (
                list,
                index.parse::<usize>().ok(),
                key.trim_start_matches('.'),
            )
        }
        None => (rest, None, ""),
    };
    let source = choices.rows.get(&(list.to_owned(), index.unwrap_or(0)));
    match source {
        Some(source) => {
            let column = source
                .columns
                .get(if key.is_empty() { "list_name" } else { key })
                .or_else(|| source.columns.get("name"));
            issue.at(&choices.sheet, source.row, column.map(String::as_str))
        }
        None => issue.in_sheet(&choices.sheet),
    }
}

/// The longest field path the survey knows, then the column of the key after it.
fn locate_field(issue: ImportIssue, path: &str, code: &str, survey: &SurveyRows) -> ImportIssue {
    let mut cut = path.len();
    loop {
        let prefix = &path[..cut];
        if let Some(source) = survey.rows.get(prefix) {
            let rest = path[cut..].trim_start_matches('.');
            let key = rest.split(['.', '[']).next().unwrap_or_default();
            let key = if key.is_empty() {
                match code {
                    "field.label_missing" => "label",
                    "field.calculation_missing" => "calculation",
                    "field.choices_missing" | "field.no_children" | "field.too_deep" => "type",
                    _ => "name",
                }
            } else {
                key
            };
            let column = source
                .columns
                .get(key)
                .or_else(|| source.columns.get("type"));
            return issue.at(&survey.sheet, source.row, column.map(String::as_str));
        }
        match prefix.rfind('.') {
            Some(dot) => cut = dot,
            None => return issue.in_sheet(&survey.sheet),
        }
    }
}
