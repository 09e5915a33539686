//! XLSForm import: turns a workbook designed in Excel or LibreOffice (`survey`, `choices` and
//! `settings` sheets, as <https://xlsform.org> describes them) into a Yui [`AppDefinition`].
//!
//! The crate is pure: it reads only the bytes it is given. The way through:
//! 1. `workbook` reads .xlsx, .xls or .ods bytes into sheets of text cells (after `guard`
//!    has bounded what a hostile file could make the reader allocate);
//! 2. `table` and `columns` find each sheet's header and bind its columns (translations
//!    like `label::日本語 (ja)` included);
//! 3. `settings`, `choices` and `survey` build the definition, naming every feature Yui does
//!    not support yet instead of dropping it (`types` and `expression` know which);
//! 4. the definition goes through Yui's own checker, whose findings `locate` puts back on the
//!    sheet, row and column they concern.
//!
//! See `docs/xlsform-import.md` for what is supported.
#![forbid(unsafe_code)]

mod choices;
mod columns;
mod expression;
mod guard;
mod issue;
mod locate;
mod settings;
mod survey;
mod table;
mod types;
mod workbook;

use yui_domain::definition::{AppDefinition, Display, Form};

pub use issue::ImportIssue;
pub use workbook::MAX_WORKBOOK_BYTES;

use crate::issue::Findings;
use crate::table::{Table, did_you_mean};

/// A successfully imported workbook: a definition that passes every check of
/// `Form::from_definition`, and what the importer left out or changed on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    pub definition: AppDefinition,
    pub warnings: Vec<ImportIssue>,
}

/// Imports an XLSForm workbook (.xlsx, .xls or .ods, recognised from its bytes).
///
/// On failure, every problem found is returned at once, each placed on its sheet, row and
/// column. Problems in the workbook's structure are reported first; the definition checker
/// runs only once those are fixed, so one misnamed sheet does not bury the report under its
/// consequences.
pub fn import(bytes: &[u8]) -> Result<Imported, Vec<ImportIssue>> {
    let mut findings = Findings::default();
    let workbook = workbook::read(bytes, &mut findings).map_err(|e| vec![e])?;
    let sheets = classify_sheets(&workbook, &mut findings);
    let tables = |name: &str| workbook.sheets.iter().find(|s| s.name == name).cloned();
    let settings_table = tables(SETTINGS).map(|s| Table::from_sheet(&s, &mut findings));
    let settings = settings::read(settings_table.as_ref(), &mut findings);
    let (choice_lists, choice_rows) = match tables(CHOICES) {
        Some(sheet) => {
            let table = Table::from_sheet(&sheet, &mut findings);
            choices::read(&table, settings.default_lang, &mut findings)
        }
        None => (
            std::collections::BTreeMap::new(),
            choices::ChoiceRows {
                sheet: CHOICES.to_owned(),
                ..Default::default()
            },
        ),
    };
    let (fields, survey_rows) = match tables(SURVEY) {
        Some(sheet) => {
            let table = Table::from_sheet(&sheet, &mut findings);
            survey::read(&table, settings.default_lang, &mut findings)
        }
        None => {
            if !sheets.survey_misnamed {
                findings.error(ImportIssue::new(
                    "xlsform.no_survey_sheet",
                    "survey シートがありません。質問を書くシートの名前を「survey」（小文字）にしてください",
                    "the workbook has no survey sheet; name the sheet with the questions \"survey\" (lowercase)",
                ));
            }
            (
                Vec::new(),
                survey::SurveyRows {
                    sheet: SURVEY.to_owned(),
                    ..Default::default()
                },
            )
        }
    };
    if !findings.errors.is_empty() {
        return Err(sorted(findings.errors, &workbook));
    }
    let definition = AppDefinition {
        yui: 1,
        id: settings.id.clone(),
        title: settings.title.clone(),
        description: None,
        audience: settings.audience,
        category: None,
        keywords: Vec::new(),
        start: None,
        display: Display::default(),
        fields,
        choices: choice_lists,
        workflow: None,
        notifications: None,
    };
    if let Err(errors) = Form::from_definition(definition.clone()) {
        let sources = locate::Sources {
            survey: &survey_rows,
            choices: &choice_rows,
            settings: &settings,
            settings_sheet: SETTINGS,
        };
        let issues = errors
            .into_iter()
            .map(|e| locate::locate(e, &sources))
            .collect();
        return Err(sorted(issues, &workbook));
    }
    Ok(Imported {
        definition,
        warnings: sorted(findings.warnings, &workbook),
    })
}

const SURVEY: &str = "survey";
const CHOICES: &str = "choices";
const SETTINGS: &str = "settings";

struct SheetFindings {
    survey_misnamed: bool,
}

/// Checks sheet names: XLSForm's are exact, so `Choices` or `setting` would silently lose a
/// whole sheet. Sheets for features Yui lacks are errors; other sheets are noted.
fn classify_sheets(workbook: &workbook::Workbook, findings: &mut Findings) -> SheetFindings {
    let mut result = SheetFindings {
        survey_misnamed: false,
    };
    for sheet in &workbook.sheets {
        let name = sheet.name.as_str();
        if matches!(name, SURVEY | CHOICES | SETTINGS) || sheet.cells.is_empty() {
            continue;
        }
        let lower = name.trim().to_lowercase();
        let unsupported = match lower.as_str() {
            "external_choices" => Some(("外部ファイルの選択肢", "external choices")),
            "entities" => Some(("エンティティ", "entities")),
            "osm" => Some(("OpenStreetMap の項目", "OpenStreetMap tags")),
            _ => None,
        };
        if let Some((ja, en)) = unsupported {
            findings.error(
                ImportIssue::new(
                    "xlsform.unsupported_sheet",
                    format!("シート「{name}」（{ja}）にはまだ対応していません"),
                    format!("the sheet {name:?} ({en}) is not supported yet"),
                )
                .in_sheet(name),
            );
            continue;
        }
        let close = [SURVEY, CHOICES, SETTINGS]
            .into_iter()
            .find(|s| *s == lower)
            .or_else(|| did_you_mean(&lower, [SURVEY, CHOICES, SETTINGS]));
        match close {
            Some(proper) => {
                let present = workbook.sheets.iter().any(|s| s.name == proper);
                if proper == SURVEY && !present {
                    result.survey_misnamed = true;
                }
                findings.error(
                    ImportIssue::new(
                        "xlsform.misnamed_sheet",
                        format!(
                            "シート名「{name}」は読み込めません。XLSForm のシート名は正確に「{proper}」（小文字）にしてください"
                        ),
                        format!(
                            "the sheet {name:?} is not read: XLSForm sheet names are exact; name it \"{proper}\" (lowercase)"
                        ),
                    )
                    .in_sheet(name),
                );
            }
            None => findings.warn(
                ImportIssue::new(
                    "xlsform.unknown_sheet",
                    format!("シート「{name}」は XLSForm のシートではないため読み込みません"),
                    format!("the sheet {name:?} is not an XLSForm sheet and is not imported"),
                )
                .in_sheet(name),
            ),
        }
    }
    result
}

/// Issues in the order a clerk reads the workbook: by sheet, row, then column.
fn sorted(mut issues: Vec<ImportIssue>, workbook: &workbook::Workbook) -> Vec<ImportIssue> {
    let rank = |sheet: &Option<String>| match sheet.as_deref() {
        None => 0,
        Some(SURVEY) => 1,
        Some(CHOICES) => 2,
        Some(SETTINGS) => 3,
        Some(other) => {
            4 + workbook
                .sheets
                .iter()
                .position(|s| s.name == other)
                .unwrap_or(0)
        }
    };
    issues.sort_by_key(|i| {
        (
            rank(&i.sheet),
            i.row.unwrap_or(0),
            i.column.as_ref().map_or(0, String::len),
            i.column.clone(),
        )
    });
    issues
}
