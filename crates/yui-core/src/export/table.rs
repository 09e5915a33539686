//! The table every tabular export writes: which columns an app's current version gives and
//! what each submission puts in them. Compound answers are split into columns a clerk can sort
//! (氏名（姓）/ 氏名（名）, postal code / address / building), a repeat's rows are joined into
//! one readable cell, files appear by name, and choices by label or by code.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use time::{Date, PrimitiveDateTime};
use yui_domain::definition::{FieldType, Form, FormField};
use yui_domain::expr::FieldId;
use yui_domain::japan::{PhoneNumber, PostalCode};

use super::answer::{Answer, Key};
use crate::clock::JST;
use crate::model::UserId;
use crate::review::InboxRow;

/// How choices appear in tabular exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChoiceStyle {
    /// The label residents saw (Japanese): 午前（9:00〜12:00）.
    #[default]
    Labels,
    /// The stored code: `am`.
    Codes,
}

impl ChoiceStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            ChoiceStyle::Labels => "labels",
            ChoiceStyle::Codes => "codes",
        }
    }
}

/// One cell of an exported row. Spreadsheet formats keep the kind (real numbers and dates,
/// text stays text); CSV writes them as text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(Date),
    /// A local date and time in Japan.
    DateTime(PrimitiveDateTime),
}

impl Cell {
    /// The cell as CSV text, neutralised against formula injection.
    pub fn write_text(&self, out: &mut String) {
        out.clear();
        match self {
            Cell::Empty => {}
            Cell::Text(s) => out.push_str(&neutralise(s)),
            Cell::Number(n) => write_number(*n, out),
            Cell::Date(d) => write_date(*d, out),
            Cell::DateTime(t) => {
                write_date(t.date(), out);
                out.push(' ');
                push_padded(out, u32::from(t.hour()), 2);
                out.push(':');
                push_padded(out, u32::from(t.minute()), 2);
                out.push(':');
                push_padded(out, u32::from(t.second()), 2);
            }
        }
    }
}

/// Whether a spreadsheet could read `text` as a formula (or a formula hidden behind a tab or
/// carriage return).
pub fn formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A text that a spreadsheet would read as a formula gets a leading `'` in CSV, so that opening
/// an export never runs what a resident typed.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn write_number(n: f64, out: &mut String) {
    // Integers are written without a fractional part; 2^53 is where f64 stops being exact.
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        #[allow(clippy::cast_possible_truncation)]
        let _ = write!(out, "{}", n as i64);
    } else {
        let _ = write!(out, "{n}");
    }
}

/// Appends `n` with at least `width` digits (leading zeros); a million rows of dates are
/// written faster this way than through `format!`.
fn push_padded(out: &mut String, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        // n % 10 < 10: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (n % 10) as u8;
        digits[i] = b'0' + digit;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(digits.len().saturating_sub(width));
    for &b in &digits[start..] {
        out.push(char::from(b));
    }
}

fn write_date(d: Date, out: &mut String) {
    match u32::try_from(d.year()) {
        Ok(year) => push_padded(out, year, 4),
        Err(_) => {
            let _ = write!(out, "{:04}", d.year());
        }
    }
    out.push('-');
    push_padded(out, u32::from(u8::from(d.month())), 2);
    out.push('-');
    push_padded(out, u32::from(d.day()), 2);
}

/// Which part of an answer a column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Whole,
    Family,
    Given,
    Postal,
    Address,
    Building,
    Latitude,
    Longitude,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Receipt,
    SubmittedAt,
    Status,
    Assignee,
    /// An answer: the field's index in the form and the part shown.
    Answer(usize, Part),
    /// An answer to a question that only older versions asked: its index in `older` and the
    /// part shown.
    Older(usize, Part),
}

#[derive(Debug, Clone)]
struct Column {
    header: String,
    source: Source,
}

/// The columns of an app's export and how to fill them.
#[derive(Debug, Clone)]
pub struct ExportTable {
    form: Arc<Form>,
    app_slug: String,
    columns: Vec<Column>,
    choices: ChoiceStyle,
    assignees: HashMap<UserId, String>,
    /// For each repeat (by its field id): the questions read in each of its rows (field index
    /// and label), worked out once rather than for every submission.
    repeat_members: HashMap<FieldId, Vec<(usize, String)>>,
    /// The names of the questions that have columns, and where their answer is kept while a
    /// row is filled: the field index in the form, or the form's field count plus the index in
    /// `older`.
    answer_fields: Vec<(String, usize)>,
    /// Questions that older versions asked and the current one no longer does, so that answers
    /// given to them still reach the export.
    older: Vec<FormField>,
}

impl ExportTable {
    /// The table for `form` (the app's current version). `assignees` names the town's staff.
    pub fn new(
        form: Arc<Form>,
        app_slug: &str,
        choices: ChoiceStyle,
        assignees: HashMap<UserId, String>,
    ) -> Self {
        let mut columns = vec![
            column("受付番号", Source::Receipt),
            column("受付日時", Source::SubmittedAt),
            column("状況", Source::Status),
            column("担当者", Source::Assignee),
        ];
        for (index, field) in form.fields().iter().enumerate() {
            if field.repeat.is_none() {
                let label = header_label(&form, field);
                push_columns(&mut columns, field, &label, |part| {
                    Source::Answer(index, part)
                });
            }
        }
        let repeat_members = form
            .fields()
            .iter()
            .filter(|f| f.field_type == FieldType::Repeat)
            .map(|repeat| (repeat.id, members_of(&form, repeat)))
            .collect();
        let mut answer_fields: Vec<(String, usize)> = columns
            .iter()
            .filter_map(|c| match c.source {
                Source::Answer(index, _) => Some((form.fields()[index].name.clone(), index)),
                _ => None,
            })
            .collect();
        // A name or an address has several columns, all read from one answer.
        answer_fields.dedup();
        Self {
            form,
            app_slug: app_slug.to_owned(),
            columns,
            choices,
            assignees,
            repeat_members,
            answer_fields,
            older: Vec::new(),
        }
    }

    /// Adds columns, after the current version's, for the questions that `older` versions
    /// (newest first, with their version numbers) asked and the current one does not, so a
    /// month that spans a new version loses no answers. Their headers say which version last
    /// asked them. Questions inside repeats are left out: their rows cannot be read without
    /// the repeat.
    #[must_use]
    pub fn with_older_versions(mut self, older: &[(u32, Arc<Form>)]) -> Self {
        let base = self.form.fields().len();
        for (version, form) in older {
            for field in form.fields() {
                let known = self
                    .answer_fields
                    .iter()
                    .any(|(name, _)| *name == field.name);
                if known
                    || field.repeat.is_some()
                    || !field.field_type.stores_value()
                    || field.field_type == FieldType::Repeat
                {
                    continue;
                }
                let index = self.older.len();
                let label = format!("{}（第{version}版まで）", header_label(form, field));
                push_columns(&mut self.columns, field, &label, |part| {
                    Source::Older(index, part)
                });
                self.answer_fields.push((field.name.clone(), base + index));
                self.older.push(field.clone());
            }
        }
        self
    }

    pub fn form(&self) -> &Form {
        &self.form
    }

    pub fn app_slug(&self) -> &str {
        &self.app_slug
    }

    pub fn choices(&self) -> ChoiceStyle {
        self.choices
    }

    /// The header row.
    pub fn headers(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.header.as_str())
    }

    pub fn header(&self, column: usize) -> &str {
        self.columns.get(column).map_or("", |c| c.header.as_str())
    }

    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The label of a workflow state (its name when the current version does not know it).
    pub fn status_label<'a>(&'a self, status: &'a str) -> &'a str {
        self.form
            .workflow()
            .state(status)
            .map_or(status, |s| s.label.ja.as_str())
    }

    /// Puts `row`'s cells into `out`. Answers given against an older version fill the columns
    /// whose questions still exist. Text cells left in `out` by the previous row lend their
    /// strings to this row's text, so a long export does not allocate for every cell.
    pub fn fill(&self, row: &InboxRow, out: &mut Vec<Cell>) {
        let base = self.form.fields().len();
        let mut answers: Vec<Option<Answer<'_>>> = vec![None; base + self.older.len()];
        let wanted = Wanted {
            fields: &self.answer_fields,
            out: &mut answers,
        };
        let mut json = serde_json::Deserializer::from_str(&row.answers);
        if wanted.deserialize(&mut json).is_err() {
            // Unreadable answers (never written by Yui) export as empty cells, like before.
            answers.iter_mut().for_each(|a| *a = None);
        }
        out.truncate(self.columns.len());
        out.resize(self.columns.len(), Cell::Empty);
        for (column, cell) in self.columns.iter().zip(out.iter_mut()) {
            match column.source {
                Source::Receipt => set_text(cell, Keep, |s| s.push_str(&row.receipt_number)),
                Source::SubmittedAt => {
                    let local = row.submitted_at.to_offset(JST);
                    *cell = Cell::DateTime(PrimitiveDateTime::new(local.date(), local.time()));
                }
                Source::Status => {
                    set_text(cell, Keep, |s| s.push_str(self.status_label(&row.status)));
                }
                Source::Assignee => match row.assignee_id.and_then(|id| self.assignees.get(&id)) {
                    Some(name) => set_text(cell, Keep, |s| s.push_str(name)),
                    None => *cell = Cell::Empty,
                },
                Source::Answer(index, part) => match &answers[index] {
                    Some(value) => self.answer_cell(&self.form.fields()[index], part, value, cell),
                    None => *cell = Cell::Empty,
                },
                Source::Older(index, part) => match &answers[base + index] {
                    Some(value) => self.answer_cell(&self.older[index], part, value, cell),
                    None => *cell = Cell::Empty,
                },
            }
        }
    }

    fn answer_cell(&self, field: &FormField, part: Part, value: &Answer<'_>, cell: &mut Cell) {
        let text_part = |key: &str, cell: &mut Cell| match value.get(key).and_then(Answer::as_str) {
            Some(s) => set_text(cell, EmptyIsEmpty, |out| out.push_str(s)),
            None => *cell = Cell::Empty,
        };
        match part {
            Part::Family => text_part("family", cell),
            Part::Given => text_part("given", cell),
            Part::Address => text_part("address", cell),
            Part::Building => text_part("building", cell),
            Part::Postal => match value.get("postal_code").and_then(Answer::as_str) {
                Some(p) => set_text(cell, Keep, |out| out.push_str(&postal_display(p))),
                None => *cell = Cell::Empty,
            },
            Part::Latitude => *cell = number_cell(value.get("lat")),
            Part::Longitude => *cell = number_cell(value.get("lon")),
            Part::Whole => match field.field_type {
                FieldType::Integer | FieldType::Decimal => *cell = number_cell(Some(value)),
                FieldType::Date => match value.as_str().and_then(parse_date) {
                    Some(d) => *cell = Cell::Date(d),
                    None => plain_cell(value, cell),
                },
                FieldType::Datetime => match value.as_str().and_then(parse_datetime) {
                    Some(t) => *cell = Cell::DateTime(t),
                    None => plain_cell(value, cell),
                },
                FieldType::Calculate => match value {
                    Answer::Number(_) => *cell = number_cell(Some(value)),
                    _ => plain_cell(value, cell),
                },
                _ => set_text(cell, EmptyIsEmpty, |out| {
                    self.answer_text(field, value, out);
                }),
            },
        }
    }

    /// Appends an answer as one piece of text (for single cells and inside repeat rows).
    fn answer_text(&self, field: &FormField, value: &Answer<'_>, out: &mut String) {
        let codes = self.choices == ChoiceStyle::Codes;
        let text = |key: &str| value.get(key).and_then(Answer::as_str);
        match (field.field_type, value) {
            (FieldType::SelectOne, Answer::Text(code)) => self.push_choice(field, code, out),
            (FieldType::SelectMultiple, Answer::List(items)) => {
                let separator = if codes { " " } else { "、" };
                for (i, code) in items.iter().filter_map(Answer::as_str).enumerate() {
                    if i > 0 {
                        out.push_str(separator);
                    }
                    self.push_choice(field, code, out);
                }
            }
            (FieldType::YesNo, Answer::Bool(b)) => out.push_str(match (codes, b) {
                (true, true) => "yes",
                (true, false) => "no",
                (false, true) => "はい",
                (false, false) => "いいえ",
            }),
            (FieldType::Consent, Answer::Bool(true)) => {
                out.push_str(if codes { "yes" } else { "同意する" });
            }
            (FieldType::Consent, Answer::Bool(false)) => {}
            (FieldType::Phone, Answer::Text(s)) => match PhoneNumber::parse(s) {
                Ok(p) => out.push_str(&p.display()),
                Err(_) => out.push_str(s),
            },
            (FieldType::PostalCode, Answer::Text(s)) => out.push_str(&postal_display(s)),
            (FieldType::Name | FieldType::NameKana, Answer::Object(_)) => {
                let parts = [text("family"), text("given")];
                for (i, part) in parts
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .enumerate()
                {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(part);
                }
            }
            (FieldType::Address, Answer::Object(_)) => {
                let postal = text("postal_code").map(|p| format!("〒{}", postal_display(p)));
                let parts = [postal.as_deref(), text("address"), text("building")];
                for (i, part) in parts.into_iter().flatten().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(part);
                }
            }
            (FieldType::File | FieldType::Image, Answer::Object(_)) => {
                out.push_str(text("name").unwrap_or_default());
            }
            (FieldType::Geopoint, Answer::Object(_)) => {
                let n = |k: &str| value.get(k).map(Answer::to_string).unwrap_or_default();
                let _ = write!(out, "{}, {}", n("lat"), n("lon"));
            }
            (FieldType::Repeat, _) => self.repeat_text(field, value, out),
            (_, Answer::Text(s)) => out.push_str(s),
            (_, Answer::Null) => {}
            (_, other) => {
                let _ = write!(out, "{other}");
            }
        }
    }

    /// Appends a repeat's rows, one line each:
    /// `1) お子さんのお名前: 山田 太郎 / 生年月日: 2020-05-05`.
    fn repeat_text(&self, repeat: &FormField, value: &Answer<'_>, out: &mut String) {
        let Answer::List(rows) = value else {
            return;
        };
        let fields = self.form.fields();
        let members = self
            .repeat_members
            .get(&repeat.id)
            .map_or(&[][..], Vec::as_slice);
        let start = out.len();
        for (i, row) in rows.iter().enumerate() {
            if !matches!(row, Answer::Object(_)) {
                continue;
            }
            if out.len() > start {
                out.push('\n');
            }
            let _ = write!(out, "{}) ", i + 1);
            let mut first = true;
            for (index, label) in members {
                let field = &fields[*index];
                let Some(value) = row.get(&field.name) else {
                    continue;
                };
                let mark = out.len();
                if !first {
                    out.push_str(" / ");
                }
                out.push_str(label);
                out.push_str(": ");
                let before = out.len();
                self.answer_text(field, value, out);
                if out.len() == before {
                    // Nothing to read: no label either.
                    out.truncate(mark);
                    continue;
                }
                first = false;
            }
        }
    }

    /// Appends a choice's label, or its code when codes were asked for (or it has no label).
    fn push_choice(&self, field: &FormField, code: &str, out: &mut String) {
        if self.choices == ChoiceStyle::Codes {
            out.push_str(code);
            return;
        }
        match field.choices().iter().find(|c| c.name == code) {
            Some(choice) => out.push_str(&choice.label.ja),
            None => out.push_str(code),
        }
    }
}

/// Whether text that comes out empty makes an empty cell.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IfEmpty {
    /// An empty text cell (the row's own fields: receipt, status, assignee).
    Keep,
    /// No cell at all (answers with nothing to show).
    EmptyIsEmpty,
}
use IfEmpty::{EmptyIsEmpty, Keep};

/// Makes `cell` the text `write` appends to an empty string, reusing the string `cell` held.
fn set_text(cell: &mut Cell, if_empty: IfEmpty, write: impl FnOnce(&mut String)) {
    let mut text = match std::mem::replace(cell, Cell::Empty) {
        Cell::Text(mut s) => {
            s.clear();
            s
        }
        _ => String::new(),
    };
    write(&mut text);
    if !(text.is_empty() && if_empty == EmptyIsEmpty) {
        *cell = Cell::Text(text);
    }
}

/// Reads a submission's answers (a JSON object) keeping only the questions that have columns,
/// each at its field index in `out`: no map of every answer is built for every row.
struct Wanted<'t, 'de> {
    fields: &'t [(String, usize)],
    out: &'t mut Vec<Option<Answer<'de>>>,
}

impl<'de> DeserializeSeed<'de> for Wanted<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Wanted<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answers of a submission")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(name)) = map.next_key::<Key<'de>>()? {
            // A form has tens of questions: a scan beats hashing the name.
            match self.fields.iter().find(|(n, _)| *n == name) {
                Some(&(_, index)) => self.out[index] = Some(map.next_value::<Answer<'de>>()?),
                None => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// The questions read in each row of `repeat` (field index and label), in form order.
fn members_of(form: &Form, repeat: &FormField) -> Vec<(usize, String)> {
    form.fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.repeat == Some(repeat.id) && f.field_type.stores_value())
        // Inner calculations without a label are plumbing, not something to read.
        .filter(|(_, f)| f.field_type != FieldType::Calculate || f.definition.label.is_some())
        .map(|(index, f)| (index, header_label(form, f)))
        .collect()
}

/// The columns of one question: one, or one per part of a name, address or location.
fn push_columns(
    columns: &mut Vec<Column>,
    field: &FormField,
    label: &str,
    answer: impl Fn(Part) -> Source,
) {
    match field.field_type {
        FieldType::Group | FieldType::Note => {}
        FieldType::Name | FieldType::NameKana => {
            columns.push(column(&format!("{label}（姓）"), answer(Part::Family)));
            columns.push(column(&format!("{label}（名）"), answer(Part::Given)));
        }
        FieldType::Address => {
            columns.push(column(
                &format!("{label}（郵便番号）"),
                answer(Part::Postal),
            ));
            columns.push(column(&format!("{label}（住所）"), answer(Part::Address)));
            columns.push(column(
                &format!("{label}（建物名）"),
                answer(Part::Building),
            ));
        }
        FieldType::Geopoint => {
            columns.push(column(&format!("{label}（緯度）"), answer(Part::Latitude)));
            columns.push(column(&format!("{label}（経度）"), answer(Part::Longitude)));
        }
        _ => columns.push(column(label, answer(Part::Whole))),
    }
}

fn column(header: &str, source: Source) -> Column {
    Column {
        header: header.to_owned(),
        source,
    }
}

/// The Japanese label of a question; the "please specify" box of a select is named after it.
fn header_label(form: &Form, field: &FormField) -> String {
    match field.other_of {
        Some(select) => format!("{}（その他の内容）", form.fields()[select].label().ja),
        None => field.label().ja,
    }
}

fn number_cell(value: Option<&Answer<'_>>) -> Cell {
    value
        .and_then(Answer::as_f64)
        .map_or(Cell::Empty, Cell::Number)
}

/// An answer that did not read as its question's kind, as text.
fn plain_cell(value: &Answer<'_>, cell: &mut Cell) {
    match value {
        Answer::Null => *cell = Cell::Empty,
        Answer::Text(s) => set_text(cell, EmptyIsEmpty, |out| out.push_str(s)),
        other => set_text(cell, Keep, |out| {
            let _ = write!(out, "{other}");
        }),
    }
}

fn postal_display(digits: &str) -> String {
    PostalCode::parse(digits).map_or_else(|_| digits.to_owned(), |p| p.display())
}

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn parse_datetime(s: &str) -> Option<PrimitiveDateTime> {
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()?
        .to_offset(JST);
    Some(PrimitiveDateTime::new(t.date(), t.time()))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::records::{AppId, AppVersionId, SubmissionId};

    fn form() -> Arc<Form> {
        Arc::new(
            Form::from_yaml(include_str!("../../../../templates/play-room-booking.yaml")).unwrap(),
        )
    }

    fn row(answers: Value) -> InboxRow {
        InboxRow {
            id: SubmissionId(1),
            app_id: AppId(1),
            app_version_id: AppVersionId(1),
            receipt_number: "2026-000001".into(),
            status: "received".into(),
            submitted_at: time::macros::datetime!(2026-04-01 00:30 UTC),
            submitted_at_ms: 0,
            assignee_id: Some(UserId(7)),
            revision: 1,
            answers: answers.to_string(),
        }
    }

    fn answers() -> Value {
        serde_json::json!({
            "applicant_name": { "family": "山田", "given": "花子" },
            "applicant_kana": { "family": "ヤマダ", "given": "ハナコ" },
            "phone": "09012345678",
            "email": "hanako@example.jp",
            "use_date": "2026-04-06",
            "slot": "am",
            "adults": 2,
            "children": [
                { "child_name": "山田 太郎", "child_birth": "2020-05-05", "child_age": 5, "allergy": false },
                { "child_name": "=HYPERLINK(\"x\")", "child_birth": "2022-08-01", "allergy": true, "allergy_detail": "卵" }
            ],
            "total_people": 4,
            "agree": true
        })
    }

    fn table(style: ChoiceStyle) -> ExportTable {
        let names = HashMap::from([(UserId(7), "佐藤 一郎".to_owned())]);
        ExportTable::new(form(), "play-room-booking", style, names)
    }

    #[test]
    fn names_are_split_and_groups_are_transparent() {
        let t = table(ChoiceStyle::Labels);
        let headers: Vec<&str> = t.headers().collect();
        assert_eq!(
            headers,
            [
                "受付番号",
                "受付日時",
                "状況",
                "担当者",
                "保護者の氏名（姓）",
                "保護者の氏名（名）",
                "氏名（フリガナ）（姓）",
                "氏名（フリガナ）（名）",
                "日中に連絡がつく電話番号",
                "メールアドレス",
                "利用日",
                "時間帯",
                "大人の人数",
                "利用するお子さん",
                "total_people",
                "利用のきまり（飲食禁止・保護者同伴）に同意します",
            ]
        );
    }

    #[test]
    fn cells_keep_their_kinds_and_choices_show_labels() {
        let t = table(ChoiceStyle::Labels);
        let mut cells = Vec::new();
        t.fill(&row(answers()), &mut cells);
        assert_eq!(cells[0], Cell::Text("2026-000001".into()));
        assert_eq!(
            cells[1],
            Cell::DateTime(time::macros::datetime!(2026-04-01 09:30)),
            "submitted at in Japan time"
        );
        assert_eq!(cells[2], Cell::Text("受付".into()));
        assert_eq!(cells[3], Cell::Text("佐藤 一郎".into()));
        assert_eq!(cells[4], Cell::Text("山田".into()));
        assert_eq!(cells[8], Cell::Text("090-1234-5678".into()));
        assert_eq!(cells[10], Cell::Date(time::macros::date!(2026 - 04 - 06)));
        assert_eq!(cells[11], Cell::Text("午前（9:00〜12:00）".into()));
        assert_eq!(cells[12], Cell::Number(2.0));
        assert_eq!(
            cells[13],
            Cell::Text(
                "1) お子さんのお名前: 山田 太郎 / 生年月日: 2020-05-05 / 食物アレルギーはありますか: いいえ\n\
                 2) お子さんのお名前: =HYPERLINK(\"x\") / 生年月日: 2022-08-01 / 食物アレルギーはありますか: はい / アレルギーの内容: 卵"
                    .into()
            )
        );
        assert_eq!(cells[14], Cell::Number(4.0));
        assert_eq!(cells[15], Cell::Text("同意する".into()));
    }

    #[test]
    fn codes_are_kept_when_asked_for() {
        let t = table(ChoiceStyle::Codes);
        let mut cells = Vec::new();
        t.fill(&row(answers()), &mut cells);
        assert_eq!(cells[11], Cell::Text("am".into()));
        assert_eq!(cells[15], Cell::Text("yes".into()));
    }

    #[test]
    fn missing_answers_and_unknown_assignees_are_empty() {
        let t = table(ChoiceStyle::Labels);
        let mut r = row(serde_json::json!({ "slot": "pm" }));
        r.assignee_id = Some(UserId(99));
        let mut cells = Vec::new();
        t.fill(&r, &mut cells);
        assert_eq!(cells[3], Cell::Empty);
        assert_eq!(cells[4], Cell::Empty);
        assert_eq!(cells[11], Cell::Text("午後（13:00〜16:00）".into()));
    }

    #[test]
    fn a_row_filled_after_another_keeps_nothing_of_it() {
        let t = table(ChoiceStyle::Labels);
        let mut reused = Vec::new();
        t.fill(&row(answers()), &mut reused);
        let mut r = row(serde_json::json!({ "slot": "pm", "applicant_name": { "family": "" } }));
        r.receipt_number = "2026-000002".into();
        r.assignee_id = None;
        t.fill(&r, &mut reused);
        let mut fresh = Vec::new();
        t.fill(&r, &mut fresh);
        assert_eq!(reused, fresh);
        assert_eq!(reused[0], Cell::Text("2026-000002".into()));
        assert_eq!(reused[3], Cell::Empty, "no assignee");
        assert_eq!(reused[4], Cell::Empty, "an empty family name is no text");
        assert_eq!(reused[11], Cell::Text("午後（13:00〜16:00）".into()));
        assert_eq!(reused[13], Cell::Empty, "no children this time");
        assert_eq!(reused.len(), t.width());
    }

    #[test]
    fn answers_of_unexpected_kinds_are_shown_as_they_are() {
        let t = table(ChoiceStyle::Labels);
        let mut cells = Vec::new();
        t.fill(
            &row(serde_json::json!({
                "use_date": "来週",
                "slot": ["am"],
                "adults": "2人",
                "applicant_name": "山田",
                "children": [
                    "not a row",
                    { "child_name": "花子", "child_age": 3.5, "allergy": null },
                    { "allergy": false, "child_birth": { "y": 2020 } }
                ],
            })),
            &mut cells,
        );
        assert_eq!(
            cells[10],
            Cell::Text("来週".into()),
            "a date that is not one"
        );
        assert_eq!(cells[11], Cell::Text(r#"["am"]"#.into()));
        assert_eq!(cells[12], Cell::Empty, "a number that is not one");
        assert_eq!(cells[4], Cell::Empty, "a name that is not an object");
        assert_eq!(
            cells[13],
            Cell::Text(
                "2) お子さんのお名前: 花子
3) 生年月日: {\"y\":2020} / 食物アレルギーはありますか: いいえ"
                    .into()
            )
        );
    }

    #[test]
    fn text_that_looks_like_a_formula_is_neutralised() {
        for bad in ["=1+1", "+81", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        assert_eq!(neutralise("山田"), "山田");
        let mut out = String::new();
        Cell::Number(-5.0).write_text(&mut out);
        assert_eq!(out, "-5", "numbers are not text");
        Cell::Number(1.5).write_text(&mut out);
        assert_eq!(out, "1.5");
        Cell::DateTime(time::macros::datetime!(2026-04-01 09:05:07)).write_text(&mut out);
        assert_eq!(out, "2026-04-01 09:05:07");
        Cell::Date(time::macros::date!(0987 - 01 - 02)).write_text(&mut out);
        assert_eq!(out, "0987-01-02", "years keep four digits");
        Cell::DateTime(time::macros::datetime!(2026-12-31 23:59:59)).write_text(&mut out);
        assert_eq!(out, "2026-12-31 23:59:59");
    }
}
