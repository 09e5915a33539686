//! The `survey` sheet: one row per question, `begin`/`end` rows nesting groups and repeats.
//!
//! Each row becomes a Yui [`Field`]; where each field came from (its row and the column of
//! each key) is remembered under the field's definition path (`fields[2].fields[0]`), so the
//! definition checker's findings can be put back on the cell a clerk has to change.

use std::collections::HashMap;

use serde_json::Value;
use yui_domain::definition::{DefaultValue, Field, FieldType, Flag};

use crate::columns::{Bound, Role, bind};
use crate::expression::{self, ExprProblem};
use crate::issue::{Findings, ImportIssue};
use crate::table::{Lang, Row, Table};
use crate::types::{self, RowType};

/// Where each field came from, by definition path.
#[derive(Debug, Default)]
pub(crate) struct SurveyRows {
    pub sheet: String,
    pub rows: HashMap<String, RowSource>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct RowSource {
    pub row: u32,
    /// Column letter by definition key (`type`, `name`, `label`, `relevant`, …).
    pub columns: HashMap<&'static str, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Type,
    Name,
    Label,
    Hint,
    Required,
    RequiredMessage,
    Relevant,
    Constraint,
    ConstraintMessage,
    Calculation,
    Default,
    ReadOnly,
    ChoiceFilter,
    Appearance,
    RepeatCount,
}

impl Key {
    const ALL: [Key; 15] = [
        Key::Type,
        Key::Name,
        Key::Label,
        Key::Hint,
        Key::Required,
        Key::RequiredMessage,
        Key::Relevant,
        Key::Constraint,
        Key::ConstraintMessage,
        Key::Calculation,
        Key::Default,
        Key::ReadOnly,
        Key::ChoiceFilter,
        Key::Appearance,
        Key::RepeatCount,
    ];

    /// The definition key the column fills.
    fn definition_key(self) -> &'static str {
        match self {
            Key::Type => "type",
            Key::Name => "name",
            Key::Label => "label",
            Key::Hint => "hint",
            Key::Required => "required",
            Key::RequiredMessage => "required_message",
            Key::Relevant => "relevant",
            Key::Constraint => "constraint",
            Key::ConstraintMessage => "constraint_message",
            Key::Calculation => "calculation",
            Key::Default => "default",
            Key::ReadOnly => "read_only",
            Key::ChoiceFilter => "choice_filter",
            Key::Appearance => "appearance",
            Key::RepeatCount => "repeat_count",
        }
    }

    fn translated(self) -> bool {
        matches!(
            self,
            Key::Label | Key::Hint | Key::RequiredMessage | Key::ConstraintMessage
        )
    }
}

const KNOWN: &[&str] = &[
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "read_only",
    "choice_filter",
    "appearance",
    "repeat_count",
];

fn classify(key: &str) -> Role<Key> {
    let key = match key {
        "type" => Key::Type,
        "name" => Key::Name,
        "label" | "caption" => Key::Label,
        "hint" => Key::Hint,
        "required" => Key::Required,
        "required_message" | "required message" | "jr:requiredmsg" => Key::RequiredMessage,
        "relevant" | "relevance" => Key::Relevant,
        "constraint" => Key::Constraint,
        "constraint_message" | "constraint message" | "jr:constraintmsg" => Key::ConstraintMessage,
        "calculation" | "calculate" => Key::Calculation,
        "default" => Key::Default,
        "read_only" | "readonly" => Key::ReadOnly,
        "choice_filter" => Key::ChoiceFilter,
        "appearance" => Key::Appearance,
        "repeat_count" | "count" | "jr:count" => Key::RepeatCount,
        other => return unsupported_column(other),
    };
    Role::Known {
        key,
        translated: key.translated(),
    }
}

fn unsupported_column(key: &str) -> Role<Key> {
    let (ja, en) = match key {
        "guidance_hint" => ("印刷用の補足説明", "guidance hints"),
        "parameters" => ("種類ごとのパラメーター", "type parameters"),
        "trigger" => ("値の変化をきっかけにした再計算", "recalculation triggers"),
        "image" | "big-image" | "audio" | "video" | "media" => {
            ("質問の画像・音声・動画", "media on questions")
        }
        "save_to" => ("エンティティへの保存", "saving to entities"),
        "autoplay" => ("メディアの自動再生", "media autoplay"),
        "intent" => ("外部アプリの呼び出し", "external app intents"),
        "body" | "bind" | "instance" => ("XForm の属性の直接指定", "raw XForm attributes"),
        "rows" => ("入力欄の行数", "text box rows"),
        _ => return Role::Unknown,
    };
    Role::Unsupported { ja, en }
}

/// A container being filled while its rows are read.
struct Open {
    field: Field,
    path: String,
    repeat: bool,
    row: u32,
    type_column: String,
}

/// Reads the survey sheet into fields.
pub(crate) fn read(
    table: &Table,
    default_lang: Lang,
    findings: &mut Findings,
) -> (Vec<Field>, SurveyRows) {
    let bound = bind(table, default_lang, classify, KNOWN, findings);
    let mut sources = SurveyRows {
        sheet: table.sheet.clone(),
        rows: HashMap::new(),
    };
    let Some(type_column) = bound.column(Key::Type).cloned() else {
        findings.error(missing_column(table, "type"));
        return (Vec::new(), sources);
    };
    if !bound.has(Key::Name) {
        findings.error(missing_column(table, "name"));
    }
    let mut reader = SurveyReader {
        table,
        bound: &bound,
        findings,
        stack: Vec::new(),
        top: Vec::new(),
        sources: &mut sources,
    };
    for row in &table.rows {
        reader.row(row, &type_column);
    }
    while let Some(open) = reader.stack.pop() {
        let kind = if open.repeat { "repeat" } else { "group" };
        reader.findings.error(
            ImportIssue::new(
                "xlsform.unclosed_group",
                format!("begin {kind} に対応する end {kind} がありません"),
                format!("this begin {kind} has no matching end {kind}"),
            )
            .at(&table.sheet, open.row, Some(&open.type_column)),
        );
        reader.attach(open.field);
    }
    let fields = std::mem::take(&mut reader.top);
    (fields, sources)
}

struct SurveyReader<'a> {
    table: &'a Table,
    bound: &'a Bound<Key>,
    findings: &'a mut Findings,
    stack: Vec<Open>,
    top: Vec<Field>,
    sources: &'a mut SurveyRows,
}

impl SurveyReader<'_> {
    fn issue_at(&mut self, row: u32, column: Option<&str>, issue: ImportIssue) {
        self.findings
            .error(issue.at(&self.table.sheet, row, column));
    }

    fn problem_at(&mut self, row: u32, column: &str, problem: ExprProblem) {
        self.issue_at(
            row,
            Some(column),
            ImportIssue::new(problem.code, problem.message_ja, problem.message_en),
        );
    }

    /// Puts a finished field into its container (or the top level).
    fn attach(&mut self, field: Field) {
        match self.stack.last_mut() {
            Some(open) => open.field.fields.push(field),
            None => self.top.push(field),
        }
    }

    fn next_path(&self) -> String {
        match self.stack.last() {
            Some(open) => format!("{}.fields[{}]", open.path, open.field.fields.len()),
            None => format!("fields[{}]", self.top.len()),
        }
    }

    fn row(&mut self, row: &Row, type_column: &crate::table::Column) {
        let Some(type_text) = row.get(type_column.index) else {
            // A row with content but no type would be lost: say so.
            let has_content = Key::ALL
                .iter()
                .any(|&k| k != Key::Type && self.has_value(row, k));
            if has_content {
                self.issue_at(
                    row.number,
                    Some(&type_column.letter),
                    ImportIssue::new(
                        "xlsform.type_missing",
                        "この行に type（質問の種類）がありません",
                        "this row has no type",
                    ),
                );
            }
            return;
        };
        let row_type = match types::parse(type_text) {
            Ok(t) => t,
            Err(p) => {
                self.issue_at(
                    row.number,
                    Some(&type_column.letter),
                    ImportIssue::new(p.code, p.message_ja, p.message_en),
                );
                return;
            }
        };
        match row_type {
            RowType::EndGroup | RowType::EndRepeat => {
                self.close(row, &type_column.letter, row_type == RowType::EndRepeat);
            }
            RowType::Skipped(name) => self.findings.warn(
                ImportIssue::new(
                    "xlsform.metadata_skipped",
                    format!(
                        "メタデータ「{name}」は読み込みません。Yui は申請ごとに日時や送信者を自分で記録します"
                    ),
                    format!(
                        "the metadata {name:?} is not imported: Yui records times and submitters of every submission itself"
                    ),
                )
                .at(&self.table.sheet, row.number, Some(&type_column.letter)),
            ),
            other => self.open_or_add(row, other, &type_column.letter),
        }
    }

    fn has_value(&self, row: &Row, key: Key) -> bool {
        self.bound
            .bindings
            .iter()
            .any(|b| b.key == key && row.get(b.column.index).is_some())
    }

    fn close(&mut self, row: &Row, type_letter: &str, repeat: bool) {
        let kind = if repeat { "repeat" } else { "group" };
        match self.stack.last() {
            Some(open) if open.repeat == repeat => {
                if let Some(open) = self.stack.pop() {
                    self.attach(open.field);
                }
            }
            Some(open) => {
                let (open_kind, open_row) =
                    (if open.repeat { "repeat" } else { "group" }, open.row);
                self.issue_at(
                    row.number,
                    Some(type_letter),
                    ImportIssue::new(
                        "xlsform.unmatched_end",
                        format!(
                            "end {kind} がありますが、閉じていないのは {open_row} 行目の begin {open_kind} です"
                        ),
                        format!(
                            "end {kind} found, but the open container is the begin {open_kind} in row {open_row}"
                        ),
                    ),
                );
            }
            None => self.issue_at(
                row.number,
                Some(type_letter),
                ImportIssue::new(
                    "xlsform.unmatched_end",
                    format!("end {kind} に対応する begin {kind} がありません"),
                    format!("end {kind} has no matching begin {kind}"),
                ),
            ),
        }
    }

    fn open_or_add(&mut self, row: &Row, row_type: RowType, type_letter: &str) {
        let path = self.next_path();
        let mut source = RowSource {
            row: row.number,
            columns: HashMap::new(),
        };
        source.columns.insert("type", type_letter.to_owned());
        source.columns.insert("other", type_letter.to_owned());
        source.columns.insert("choices", type_letter.to_owned());
        source.columns.insert("fields", type_letter.to_owned());
        for key in Key::ALL {
            let column = if key.translated() {
                self.bound.text_locator(key)
            } else {
                self.bound.column(key)
            };
            if let Some(column) = column {
                source
                    .columns
                    .insert(key.definition_key(), column.letter.clone());
            }
        }
        if let Some(letter) = source.columns.get("repeat_count").cloned() {
            source.columns.insert("min_count", letter.clone());
            source.columns.insert("max_count", letter);
        }
        let name = match self.bound.value(row, Key::Name) {
            Some((name, _)) => name.to_owned(),
            None => {
                let column = source
                    .columns
                    .get("name")
                    .cloned()
                    .unwrap_or_else(|| type_letter.to_owned());
                self.issue_at(
                    row.number,
                    Some(&column),
                    ImportIssue::new(
                        "xlsform.name_missing",
                        "この行に name（項目名）がありません。英字で始まる名前を付けてください",
                        "this row has no name; give it one starting with a letter",
                    ),
                );
                String::new()
            }
        };
        let field = self.build(row, &row_type, name, &source);
        self.sources.rows.insert(path.clone(), source);
        match row_type {
            RowType::BeginGroup | RowType::BeginRepeat => self.stack.push(Open {
                field,
                path,
                repeat: row_type == RowType::BeginRepeat,
                row: row.number,
                type_column: type_letter.to_owned(),
            }),
            _ => self.attach(field),
        }
    }

    fn build(&mut self, row: &Row, row_type: &RowType, name: String, source: &RowSource) -> Field {
        let field_type = match row_type {
            RowType::Field(t) => *t,
            RowType::Select { multiple: true, .. } => FieldType::SelectMultiple,
            RowType::Select { .. } => FieldType::SelectOne,
            RowType::BeginRepeat => FieldType::Repeat,
            _ => FieldType::Group,
        };
        let mut field = Field::new(name, field_type);
        if let RowType::Select { list, other, .. } = row_type {
            field.choices = Some(list.clone());
            field.other = *other;
        }
        field.label = self.bound.text(row, Key::Label);
        field.hint = self.bound.text(row, Key::Hint);
        field.required_message = self.bound.text(row, Key::RequiredMessage);
        field.constraint_message = self.bound.text(row, Key::ConstraintMessage);
        field.appearance = self
            .bound
            .value(row, Key::Appearance)
            .map(|(v, _)| v.to_owned());
        field.relevant = self.expr(row, Key::Relevant);
        field.constraint = self.expr(row, Key::Constraint);
        field.calculation = self.expr(row, Key::Calculation);
        field.choice_filter = self.expr(row, Key::ChoiceFilter);
        field.read_only = self.flag(row, Key::ReadOnly);
        field.required = self.flag(row, Key::Required);
        if field_type == FieldType::Consent {
            self.consent_is_always_required(row, &mut field);
        }
        if field_type == FieldType::Email && field.label.is_none() {
            // XLSForm's `email` type is device metadata (no label); Yui's is a question.
            let letter = source.columns.get("type").cloned();
            self.issue_at(
                row.number,
                letter.as_deref(),
                ImportIssue::new(
                    "xlsform.unsupported_type",
                    "種類「email」（ラベルのない端末のメールアドレス: メタデータ）には対応していません。メールアドレスを尋ねる質問なら label を書いてください",
                    "the type \"email\" without a label (the device's e-mail address, metadata) is not supported; give it a label to ask for an e-mail address",
                ),
            );
        }
        if let Some((text, column)) = self.bound.value(row, Key::Default) {
            let letter = column.letter.clone();
            match default_value(text, field_type) {
                Ok(value) => field.default = Some(value),
                Err(p) => self.problem_at(row.number, &letter, p),
            }
        }
        if let Some((count, column)) = self.bound.value(row, Key::RepeatCount) {
            let letter = column.letter.clone();
            self.repeat_count(row, &mut field, count, &letter);
        }
        field
    }

    fn consent_is_always_required(&mut self, row: &Row, field: &mut Field) {
        let always = matches!(field.required, Some(Flag::Bool(true)));
        field.required = None;
        if !always {
            let letter = self
                .bound
                .column(Key::Required)
                .or_else(|| self.bound.column(Key::Type))
                .map(|c| c.letter.clone());
            self.findings.warn(
                ImportIssue::new(
                    "xlsform.consent_always_required",
                    "acknowledge は Yui では同意欄（consent）になり、必ずチェックが必要になります",
                    "acknowledge becomes a consent box in Yui, which must always be ticked",
                )
                .at(&self.table.sheet, row.number, letter.as_deref()),
            );
        }
    }

    fn repeat_count(&mut self, row: &Row, field: &mut Field, count: &str, letter: &str) {
        if field.field_type != FieldType::Repeat {
            self.issue_at(
                row.number,
                Some(letter),
                ImportIssue::new(
                    "xlsform.repeat_count_outside_repeat",
                    "repeat_count は begin repeat の行にだけ書けます",
                    "repeat_count can only be used on a begin repeat row",
                ),
            );
            return;
        }
        match count.trim().parse::<u32>() {
            Ok(n) => {
                field.min_count = Some(n);
                field.max_count = Some(n);
            }
            Err(_) => self.issue_at(
                row.number,
                Some(letter),
                ImportIssue::new(
                    "xlsform.unsupported_repeat_count",
                    format!(
                        "repeat_count「{count}」: 式で回数を決める繰り返しにはまだ対応していません。0 以上の整数を書いてください"
                    ),
                    format!(
                        "repeat_count {count:?}: repeats counted by an expression are not supported yet; write a whole number"
                    ),
                ),
            ),
        }
    }

    fn expr(&mut self, row: &Row, key: Key) -> Option<String> {
        let (text, column) = self.bound.value(row, key)?;
        let letter = column.letter.clone();
        match expression::import(text) {
            Ok(e) => Some(e),
            Err(p) => {
                self.problem_at(row.number, &letter, p);
                None
            }
        }
    }

    fn flag(&mut self, row: &Row, key: Key) -> Option<Flag> {
        let (text, column) = self.bound.value(row, key)?;
        let letter = column.letter.clone();
        match text.trim().to_lowercase().as_str() {
            "yes" | "true" | "true()" => Some(Flag::Bool(true)),
            "no" | "false" | "false()" => None,
            _ => match expression::import(text) {
                Ok(e) => Some(Flag::Expr(e)),
                Err(p) => {
                    self.problem_at(row.number, &letter, p);
                    None
                }
            },
        }
    }
}

/// A `default` cell: an expression when it refers to fields or calls functions, else a literal
/// typed for the field (numbers for numeric fields, a list for select_multiple).
fn default_value(text: &str, field_type: FieldType) -> Result<DefaultValue, ExprProblem> {
    if expression::is_dynamic_default(text) {
        return expression::import(text).map(DefaultValue::Expr);
    }
    let value = match field_type {
        FieldType::Integer | FieldType::Decimal => text
            .parse::<f64>()
            .ok()
            .and_then(|n| {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    #[allow(clippy::cast_possible_truncation)]
                    Some(Value::from(n as i64))
                } else {
                    serde_json::Number::from_f64(n).map(Value::Number)
                }
            })
            .unwrap_or_else(|| Value::String(text.to_owned())),
        FieldType::SelectMultiple => Value::Array(
            text.split_whitespace()
                .map(|t| Value::String(t.to_owned()))
                .collect(),
        ),
        _ => Value::String(text.to_owned()),
    };
    Ok(DefaultValue::Value(value))
}

fn missing_column(table: &Table, name: &str) -> ImportIssue {
    ImportIssue::new(
        "xlsform.missing_column",
        format!("{} シートに「{name}」列がありません", table.sheet),
        format!("the {} sheet has no {name} column", table.sheet),
    )
    .at(&table.sheet, table.header_row.max(1), None)
}
