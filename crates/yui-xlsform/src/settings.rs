//! The `settings` sheet: the app's title and id, the language of untranslated columns, and the
//! XLSForm settings Yui has no use for (reported, never silently dropped).

use yui_domain::definition::{Audience, Text};

use crate::columns::{Role, bind};
use crate::issue::{Findings, ImportIssue};
use crate::table::{Lang, Table, parse_language};

/// The app id used when the workbook gives none.
pub(crate) const FALLBACK_ID: &str = "imported-form";

/// Where a setting was written, for pointing errors back at it.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub row: u32,
    pub column: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub id: String,
    pub id_cell: Option<Cell>,
    pub title: Text,
    pub title_cell: Option<Cell>,
    pub default_lang: Lang,
    pub audience: Audience,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    FormTitle,
    FormId,
    DefaultLanguage,
    Version,
    Style,
    Audience,
    AllowChoiceDuplicates,
}

const KNOWN: &[&str] = &[
    "form_title",
    "form_id",
    "default_language",
    "version",
    "style",
    "audience",
    "allow_choice_duplicates",
    "instance_name",
    "public_key",
    "submission_url",
];

fn classify(key: &str) -> Role<Key> {
    let known = |key, translated| Role::Known { key, translated };
    match key {
        "form_title" | "title" => known(Key::FormTitle, true),
        "form_id" | "id_string" => known(Key::FormId, false),
        "default_language" => known(Key::DefaultLanguage, false),
        "version" => known(Key::Version, false),
        "style" => known(Key::Style, false),
        "audience" => known(Key::Audience, false),
        "allow_choice_duplicates" => known(Key::AllowChoiceDuplicates, false),
        "public_key" => Role::Unsupported {
            ja: "送信データの暗号化",
            en: "encrypted submissions",
        },
        "instance_name" => Role::Ignored {
            ja: "Yui は受付番号で申請を識別します",
            en: "Yui identifies submissions by their receipt number",
        },
        "submission_url" => Role::Ignored {
            ja: "申請は Yui に保存されます",
            en: "submissions are kept in Yui",
        },
        "name" | "namespaces" | "clean_text_values" | "attribute" | "omit_instanceid"
        | "auto_send" | "auto_delete" | "sms_keyword" => Role::Ignored {
            ja: "XForm の出力や ODK Collect 用の設定です",
            en: "a setting for XForm output or ODK Collect",
        },
        _ => Role::Unknown,
    }
}

/// Reads the settings sheet (absent: everything defaults). The default language comes first:
/// the other sheets need it to read their untranslated columns.
pub(crate) fn read(table: Option<&Table>, findings: &mut Findings) -> Settings {
    let mut settings = Settings {
        id: FALLBACK_ID.to_owned(),
        id_cell: None,
        title: Text::default(),
        title_cell: None,
        default_lang: Lang::Ja,
        audience: Audience::Public,
    };
    let Some(table) = table else {
        missing_id_and_title(&mut settings, None, findings);
        return settings;
    };
    // The default language decides what the untranslated title column is.
    let default_lang = table
        .columns
        .iter()
        .find(|c| c.key == "default_language" && c.language.is_none())
        .and_then(|c| Some((c, table.rows.first()?.get(c.index)?)));
    if let Some((column, value)) = default_lang {
        match parse_language(value) {
            Ok(lang) => settings.default_lang = lang,
            Err(language) => findings.error(crate::table::unsupported_language(&language).at(
                &table.sheet,
                table.rows.first().map_or(table.header_row, |r| r.number),
                Some(&column.letter),
            )),
        }
    }
    let bound = bind(table, settings.default_lang, classify, KNOWN, findings);
    if let Some(extra) = table.rows.get(1) {
        findings.warn(
            ImportIssue::new(
                "xlsform.extra_settings_row",
                "settings シートは 2 行目の値だけを読みます。この行は読み込みません",
                "only the first row under the settings header is read; this row is not imported",
            )
            .at(&table.sheet, extra.number, None),
        );
    }
    let Some(row) = table.rows.first() else {
        missing_id_and_title(&mut settings, Some(table), findings);
        return settings;
    };
    let cell = |column: &crate::table::Column| Cell {
        row: row.number,
        column: column.letter.clone(),
    };
    if let Some(title) = bound.text(row, Key::FormTitle) {
        settings.title = title;
        settings.title_cell = bound.text_locator(Key::FormTitle).map(cell);
    }
    if let Some((form_id, column)) = bound.value(row, Key::FormId) {
        settings.id_cell = Some(cell(column));
        let at = |issue: ImportIssue| issue.at(&table.sheet, row.number, Some(&column.letter));
        match app_id(form_id) {
            Some(id) => {
                if id != form_id {
                    findings.warn(at(ImportIssue::new(
                        "xlsform.form_id_changed",
                        format!("form_id「{form_id}」をアプリ ID「{id}」に変えました"),
                        format!("form_id {form_id:?} became the app id {id:?}"),
                    )));
                }
                settings.id = id;
            }
            None => findings.error(at(ImportIssue::new(
                "xlsform.invalid_form_id",
                format!(
                    "form_id「{form_id}」からアプリ ID を作れません。英字で始まる英数字・-・_ の 2〜63 文字にしてください（例: evacuee-count）"
                ),
                format!(
                    "form_id {form_id:?} cannot become an app id: use 2–63 letters, digits, - or _, starting with a letter (e.g. evacuee-count)"
                ),
            ))),
        }
    }
    if let Some((version, column)) = bound.value(row, Key::Version) {
        findings.warn(
            ImportIssue::new(
                "xlsform.version_ignored",
                format!("version「{version}」は読み込みません。Yui は公開するたびに版を付けます"),
                format!(
                    "version {version:?} is not imported: Yui numbers versions itself on each publish"
                ),
            )
            .at(&table.sheet, row.number, Some(&column.letter)),
        );
    }
    if let Some((style, column)) = bound.value(row, Key::Style)
        && style != "pages"
    {
        findings.warn(
            ImportIssue::new(
                "xlsform.setting_ignored",
                format!("style「{style}」は読み込みません（Yui はグループごとにページを分けます）"),
                format!("style {style:?} is not imported (Yui puts each group on its own page)"),
            )
            .at(&table.sheet, row.number, Some(&column.letter)),
        );
    }
    if let Some((audience, column)) = bound.value(row, Key::Audience) {
        match audience.to_lowercase().as_str() {
            "public" => settings.audience = Audience::Public,
            "staff" => settings.audience = Audience::Staff,
            _ => findings.error(
                ImportIssue::new(
                    "xlsform.invalid_setting",
                    format!(
                        "audience は public（住民）か staff（職員）にしてください（「{audience}」）"
                    ),
                    format!("audience must be public (residents) or staff ({audience:?})"),
                )
                .at(&table.sheet, row.number, Some(&column.letter)),
            ),
        }
    }
    if let Some((allow, column)) = bound.value(row, Key::AllowChoiceDuplicates)
        && matches!(allow.to_lowercase().as_str(), "yes" | "true" | "true()")
    {
        findings.error(
            ImportIssue::new(
                "xlsform.unsupported_setting",
                "allow_choice_duplicates には対応していません。リスト内の選択肢の name は重複できません",
                "allow_choice_duplicates is not supported: choice names must be unique within a list",
            )
            .at(&table.sheet, row.number, Some(&column.letter)),
        );
    }
    missing_id_and_title(&mut settings, Some(table), findings);
    settings
}

/// Fills in what the workbook left out, with a warning for each.
fn missing_id_and_title(settings: &mut Settings, table: Option<&Table>, findings: &mut Findings) {
    let sheet = table.map_or("settings", |t| t.sheet.as_str());
    if settings.id_cell.is_none() {
        findings.warn(
            ImportIssue::new(
                "xlsform.no_form_id",
                format!(
                    "settings シートに form_id がないため、アプリ ID を「{FALLBACK_ID}」にしました。公開する前に変えてください"
                ),
                format!(
                    "the settings sheet has no form_id, so the app id is {FALLBACK_ID:?}; change it before publishing"
                ),
            )
            .in_sheet(sheet),
        );
    }
    if settings.title_cell.is_none() {
        settings.title = Text::from(settings.id.clone());
        findings.warn(
            ImportIssue::new(
                "xlsform.no_title",
                format!(
                    "settings シートに form_title がないため、タイトルを「{}」にしました",
                    settings.id
                ),
                format!(
                    "the settings sheet has no form_title, so the title is {:?}",
                    settings.id
                ),
            )
            .in_sheet(sheet),
        );
    }
}

/// An XLSForm `form_id` as a Yui app id: lowercase, with `_`, spaces and `.` as `-`. `None`
/// when that still is not a valid id (other characters, no leading letter, wrong length).
pub(crate) fn app_id(form_id: &str) -> Option<String> {
    let mut id = String::new();
    for c in form_id.trim().chars() {
        let c = match c {
            '_' | ' ' | '.' => '-',
            c => c.to_ascii_lowercase(),
        };
        if c == '-' && (id.is_empty() || id.ends_with('-')) {
            continue;
        }
        if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return None;
        }
        id.push(c);
    }
    while id.ends_with('-') {
        id.pop();
    }
    let valid = id.starts_with(|c: char| c.is_ascii_lowercase()) && (2..=63).contains(&id.len());
    valid.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_ids_become_lowercase_slugs() {
        assert_eq!(app_id("Evacuee_Count"), Some("evacuee-count".into()));
        assert_eq!(
            app_id("moving-in notice.v2"),
            Some("moving-in-notice-v2".into())
        );
        assert_eq!(app_id("survey"), Some("survey".into()));
    }

    #[test]
    fn form_ids_that_cannot_be_slugs_are_refused() {
        assert_eq!(app_id("避難者数"), None);
        assert_eq!(app_id("2024survey"), None);
        assert_eq!(app_id("a"), None);
        assert_eq!(app_id(&"a".repeat(64)), None);
    }
}
