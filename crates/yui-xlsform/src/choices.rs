//! The `choices` sheet: choice lists by `list_name`, each choice with its `name`, translated
//! `label`, and any further columns (kept as choice properties for `choice_filter`).

use std::collections::{BTreeMap, HashMap};

use yui_domain::definition::{Choice, ChoiceProp, Text};

use crate::columns::{Role, bind};
use crate::issue::{Findings, ImportIssue};
use crate::table::{Lang, Table};

/// Where each choice came from: `(list, index)` → row and the columns of its keys.
#[derive(Debug, Default)]
pub(crate) struct ChoiceRows {
    pub rows: HashMap<(String, usize), RowSource>,
    pub sheet: String,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct RowSource {
    pub row: u32,
    /// Column letter by key (`name`, `label`, or an extra column's header).
    pub columns: HashMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    ListName,
    Name,
    Label,
}

const KNOWN: &[&str] = &["list_name", "name", "label"];

fn classify(key: &str) -> Role<Key> {
    match key {
        "list_name" | "list name" => Role::Known {
            key: Key::ListName,
            translated: false,
        },
        "name" | "value" => Role::Known {
            key: Key::Name,
            translated: false,
        },
        "label" => Role::Known {
            key: Key::Label,
            translated: true,
        },
        "image" | "big-image" | "audio" | "video" | "media" => Role::Unsupported {
            ja: "選択肢の画像・音声・動画",
            en: "media on choices",
        },
        _ => Role::Extra,
    }
}

/// Reads every list. Lists keep the order of their first row; choices keep row order.
pub(crate) fn read(
    table: &Table,
    default_lang: Lang,
    findings: &mut Findings,
) -> (BTreeMap<String, Vec<Choice>>, ChoiceRows) {
    let bound = bind(table, default_lang, classify, KNOWN, findings);
    let mut lists: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
    let mut sources = ChoiceRows {
        rows: HashMap::new(),
        sheet: table.sheet.clone(),
    };
    for (key, name) in [(Key::ListName, "list_name"), (Key::Name, "name")] {
        if !bound.has(key) && !table.rows.is_empty() {
            findings.error(missing_column(table, name));
        }
    }
    if !bound.has(Key::Label) && !table.rows.is_empty() {
        findings.error(missing_column(table, "label"));
    }
    for extra in &bound.extras {
        if extra.language.is_some() && table.has_data(extra.index) {
            findings.error(table.at_header(
                extra,
                ImportIssue::new(
                    "xlsform.untranslatable_column",
                    format!(
                        "列「{}」は言語ごとに分けられません（言語別にできるのは label だけです）",
                        extra.header
                    ),
                    format!(
                        "the column {:?} cannot be translated (only label can)",
                        extra.header
                    ),
                ),
            ));
        }
    }
    for row in &table.rows {
        let list = bound.value(row, Key::ListName);
        let name = bound.value(row, Key::Name);
        let at = |column: Option<&str>| (row.number, column.map(str::to_owned));
        let Some((list, _)) = list else {
            let column = bound.column(Key::ListName).map(|c| c.letter.as_str());
            let (r, c) = at(column);
            findings.error(
                ImportIssue::new(
                    "xlsform.choice_list_missing",
                    "この選択肢に list_name（リスト名）がありません",
                    "this choice has no list_name",
                )
                .at(&table.sheet, r, c.as_deref()),
            );
            continue;
        };
        let Some((name, name_column)) = name else {
            let column = bound.column(Key::Name).map(|c| c.letter.as_str());
            findings.error(
                ImportIssue::new(
                    "xlsform.choice_name_missing",
                    format!("リスト「{list}」の選択肢に name（保存される値）がありません"),
                    format!("a choice of the list {list:?} has no name (the stored value)"),
                )
                .at(&table.sheet, row.number, column),
            );
            continue;
        };
        let label = bound
            .text(row, Key::Label)
            .unwrap_or_else(|| Text::from(""));
        let mut columns = HashMap::new();
        columns.insert("name".to_owned(), name_column.letter.clone());
        if let Some(c) = bound.column(Key::ListName) {
            columns.insert("list_name".to_owned(), c.letter.clone());
        }
        if let Some(c) = bound.text_locator(Key::Label) {
            columns.insert("label".to_owned(), c.letter.clone());
        }
        let mut props = BTreeMap::new();
        for extra in bound.extras.iter().filter(|c| c.language.is_none()) {
            if let Some(value) = row.get(extra.index) {
                // Kept as written: `choice_filter` names the column exactly.
                let key = extra.header.trim().to_owned();
                columns.insert(key.clone(), extra.letter.clone());
                props.insert(key, ChoiceProp::Text(value.to_owned()));
            }
        }
        let choices = lists.entry(list.to_owned()).or_default();
        sources.rows.insert(
            (list.to_owned(), choices.len()),
            RowSource {
                row: row.number,
                columns,
            },
        );
        choices.push(Choice {
            name: name.to_owned(),
            label,
            props,
        });
    }
    (lists, sources)
}

fn missing_column(table: &Table, name: &str) -> ImportIssue {
    ImportIssue::new(
        "xlsform.missing_column",
        format!("{} シートに「{name}」列がありません", table.sheet),
        format!("the {} sheet has no {name} column", table.sheet),
    )
    .at(&table.sheet, table.header_row, None)
}
