//! Binding a table's columns to what they mean on their sheet: each header is classified by
//! the sheet (a known key, a feature Yui lacks, or an extra column), translated columns get
//! their language, and every column whose data would be lost is reported.

use yui_domain::definition::Text;

use crate::issue::{Findings, ImportIssue};
use crate::table::{Column, Lang, Row, Table, did_you_mean, parse_language, suggestion};

/// What a sheet makes of one column header (its key, before any `::language`).
pub(crate) enum Role<K> {
    /// A column the importer reads. `translated` columns take `::language` suffixes.
    Known { key: K, translated: bool },
    /// A column for a feature Yui does not offer yet: any value in it is an error.
    Unsupported { ja: &'static str, en: &'static str },
    /// A column that does not change the imported app (reported as a warning when used).
    Ignored { ja: &'static str, en: &'static str },
    /// A free column (extra choice columns for `choice_filter`).
    Extra,
    /// Not a column of this sheet.
    Unknown,
}

#[derive(Debug, Clone)]
pub(crate) struct Binding<K> {
    pub key: K,
    pub lang: Option<Lang>,
    pub column: Column,
}

#[derive(Debug, Clone)]
pub(crate) struct Bound<K> {
    pub bindings: Vec<Binding<K>>,
    /// Free columns, by header.
    pub extras: Vec<Column>,
}

impl<K: Copy + PartialEq> Bound<K> {
    /// The column of an untranslated key.
    pub fn column(&self, key: K) -> Option<&Column> {
        self.bindings
            .iter()
            .find(|b| b.key == key && b.lang.is_none())
            .map(|b| &b.column)
    }

    /// The column of a translated key in one language.
    pub fn text_column(&self, key: K, lang: Lang) -> Option<&Column> {
        self.bindings
            .iter()
            .find(|b| b.key == key && b.lang == Some(lang))
            .map(|b| &b.column)
    }

    /// Whether the sheet has the key at all (in any language).
    pub fn has(&self, key: K) -> bool {
        self.bindings.iter().any(|b| b.key == key)
    }

    /// The value of an untranslated key in a row, with its column.
    pub fn value<'r>(&self, row: &'r Row, key: K) -> Option<(&'r str, &Column)> {
        let column = self.column(key)?;
        row.get(column.index).map(|v| (v, column))
    }

    /// A translated text of a row. Japanese may be missing while English is given: the
    /// checker then reports the empty Japanese text at [`Bound::text_locator`]'s column.
    pub fn text(&self, row: &Row, key: K) -> Option<Text> {
        let get = |lang| {
            self.text_column(key, lang)
                .and_then(|c| row.get(c.index))
                .map(str::to_owned)
        };
        let (ja, en) = (get(Lang::Ja), get(Lang::En));
        if ja.is_none() && en.is_none() {
            return None;
        }
        Some(Text {
            ja: ja.unwrap_or_default(),
            en,
        })
    }

    /// The column to point at for a text's problems: the Japanese one when there is one.
    pub fn text_locator(&self, key: K) -> Option<&Column> {
        self.text_column(key, Lang::Ja)
            .or_else(|| self.text_column(key, Lang::En))
    }
}

/// Binds every column of `table`. `known` lists the sheet's column names, for suggestions.
pub(crate) fn bind<K: Copy + PartialEq>(
    table: &Table,
    default_lang: Lang,
    classify: impl Fn(&str) -> Role<K>,
    known: &[&str],
    findings: &mut Findings,
) -> Bound<K> {
    let mut bound = Bound {
        bindings: Vec::new(),
        extras: Vec::new(),
    };
    for column in &table.columns {
        let used = table.has_data(column.index);
        match classify(&column.key) {
            Role::Known { key, translated } => {
                let lang = match (&column.language, translated) {
                    (None, true) => Some(default_lang),
                    (None, false) => None,
                    (Some(language), true) => match parse_language(language) {
                        Ok(lang) => Some(lang),
                        Err(language) => {
                            if used {
                                findings.error(table.at_header(
                                    column,
                                    crate::table::unsupported_language(&language),
                                ));
                            }
                            continue;
                        }
                    },
                    (Some(_), false) => {
                        findings.error(table.at_header(
                            column,
                            ImportIssue::new(
                                "xlsform.untranslatable_column",
                                format!(
                                    "列「{}」は言語ごとに分けられません（:: 以降を消してください）",
                                    column.header
                                ),
                                format!(
                                    "the column {:?} cannot be translated (remove the part from ::)",
                                    column.header
                                ),
                            ),
                        ));
                        continue;
                    }
                };
                if let Some(first) = bound
                    .bindings
                    .iter()
                    .find(|b| b.key == key && b.lang == lang)
                {
                    findings.error(table.at_header(
                        column,
                        ImportIssue::new(
                            "xlsform.duplicate_column",
                            format!(
                                "列「{}」は {} 列（{}）と同じ内容です。どちらか一方にしてください",
                                column.header, first.column.letter, first.column.header
                            ),
                            format!(
                                "the column {:?} means the same as column {} ({:?}); keep one of them",
                                column.header, first.column.letter, first.column.header
                            ),
                        ),
                    ));
                    continue;
                }
                bound.bindings.push(Binding {
                    key,
                    lang,
                    column: column.clone(),
                });
            }
            Role::Unsupported { ja, en } => {
                for row in table.rows.iter().filter(|r| r.get(column.index).is_some()) {
                    findings.error(
                        ImportIssue::new(
                            "xlsform.unsupported_column",
                            format!("列「{}」（{ja}）にはまだ対応していません", column.header),
                            format!("the column {:?} ({en}) is not supported yet", column.header),
                        )
                        .at(&table.sheet, row.number, Some(&column.letter)),
                    );
                }
            }
            Role::Ignored { ja, en } => {
                if used {
                    findings.warn(table.at_header(
                        column,
                        ImportIssue::new(
                            "xlsform.column_ignored",
                            format!("列「{}」は読み込みません（{ja}）", column.header),
                            format!("the column {:?} is not imported ({en})", column.header),
                        ),
                    ));
                }
            }
            Role::Extra => bound.extras.push(column.clone()),
            Role::Unknown => {
                if !used {
                    continue;
                }
                match did_you_mean(&column.key, known.iter().copied()) {
                    Some(close) => {
                        let (ja, en) = suggestion(Some(close));
                        findings.error(table.at_header(
                            column,
                            ImportIssue::new(
                                "xlsform.misspelled_column",
                                format!("列名「{}」は XLSForm の列ではありません{ja}", column.header),
                                format!("{:?} is not an XLSForm column{en}", column.header),
                            ),
                        ));
                    }
                    None => findings.warn(table.at_header(
                        column,
                        ImportIssue::new(
                            "xlsform.unknown_column",
                            format!(
                                "列「{}」は XLSForm の列ではないため読み込みません（メモ用の列なら問題ありません）",
                                column.header
                            ),
                            format!(
                                "the column {:?} is not an XLSForm column and is not imported (fine for a notes column)",
                                column.header
                            ),
                        ),
                    )),
                }
            }
        }
    }
    bound
}
