//! From a posted form to the raw answers core validates: the one place that knows how answers
//! are named in HTML.
//!
//! - simple fields: `name`;
//! - compound fields: `name.family`, `name.given` (names), `name.postal_code`, `name.address`,
//!   `name.building` (addresses), `name.lat`, `name.lon` (locations);
//! - dates: `name.era`, `name.year`, `name.month`, `name.day`, composed into `令和6年4月1日` or
//!   `2024-4-1` (the engine reads both);
//! - repeats: `children[0].child_name`, plus a `children[0]._row` marker so a row whose
//!   questions are all unanswered radios still exists;
//! - select_multiple: the checkbox `name` repeated, always an array;
//! - anything starting with `_` is a control (`_action`, `_shown`, `_key`), never an answer.
//!
//! Field names may contain `.`, so keys are matched against the form's own field names
//! (longest first) rather than split blindly.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use yui_domain::definition::{FieldType, Form, FormField, MAX_REPEAT_ROWS};

/// The parts a compound field is posted in.
pub fn parts_of(field_type: FieldType) -> &'static [&'static str] {
    match field_type {
        FieldType::Name | FieldType::NameKana => &["family", "given"],
        FieldType::Address => &["postal_code", "address", "building"],
        FieldType::Geopoint => &["lat", "lon"],
        FieldType::Date => &["era", "year", "month", "day"],
        _ => &[],
    }
}

/// The eras a date can be entered in, as offered in the era select: the value posted and the
/// English label. `西暦` is the Western calendar.
pub const ERAS: &[(&str, &str)] = &[
    ("令和", "Reiwa"),
    ("平成", "Heisei"),
    ("昭和", "Showa"),
    ("大正", "Taisho"),
    ("西暦", "Western (AD)"),
];

/// What the resident asked the page to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Save and go on (the default, also when Enter is pressed in a text box).
    Continue,
    /// Save and show the resume link.
    Save,
    /// Save and add a row to the repeat at this path.
    Add(String),
    /// Save and remove row `n` of the repeat at this path.
    Remove(String, usize),
}

impl Action {
    pub fn parse(value: Option<&str>) -> Action {
        let Some(value) = value else {
            return Action::Continue;
        };
        if value == "save" {
            return Action::Save;
        }
        if let Some(path) = value.strip_prefix("add:") {
            return Action::Add(path.to_owned());
        }
        if let Some(rest) = value.strip_prefix("remove:")
            && let Some((path, row)) = rest.rsplit_once(':')
            && let Ok(row) = row.parse()
        {
            return Action::Remove(path.to_owned(), row);
        }
        Action::Continue
    }
}

/// The control values of a posted form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controls {
    pub action: Action,
    /// Paths of the questions that were visible when the resident sent the page.
    pub shown: Vec<String>,
    /// The one-shot form's idempotency key.
    pub key: Option<String>,
}

impl Controls {
    pub fn from_pairs(pairs: &[(String, String)]) -> Controls {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        Controls {
            action: Action::parse(get("_action")),
            shown: get("_shown")
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            key: get("_key").map(str::to_owned),
        }
    }
}

/// Parses posted pairs into raw answers for `form`: only fields the form has, in the shapes
/// the engine reads. Keys that name no field are ignored; row numbers beyond the engine's row
/// cap are dropped, and rows are renumbered in order (so removing row 1 of 3 leaves 0 and 1).
pub fn parse_answers(form: &Form, pairs: &[(String, String)]) -> Map<String, Value> {
    let top: Vec<&FormField> = form
        .fields()
        .iter()
        .filter(|f| f.repeat.is_none() && posts_answer(f))
        .collect();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    parse_level(form, &top, &refs)
}

/// Whether a field is posted (inputs and repeats; notes, calculations and groups are not).
fn posts_answer(field: &FormField) -> bool {
    field.field_type.is_input() || field.field_type == FieldType::Repeat
}

/// The fields answered directly in a row of `repeat`.
fn row_members<'f>(form: &'f Form, repeat: &FormField) -> Vec<&'f FormField> {
    form.fields()
        .iter()
        .filter(|f| f.repeat == Some(repeat.id) && posts_answer(f))
        .collect()
}

/// Repeat rows as posted: field index → row index → the row's pairs.
type Rows<'a> = BTreeMap<usize, BTreeMap<usize, Vec<(&'a str, &'a str)>>>;

fn parse_level(form: &Form, fields: &[&FormField], pairs: &[(&str, &str)]) -> Map<String, Value> {
    let mut out = Map::new();
    let mut rows: Rows<'_> = BTreeMap::new();
    let mut dates: BTreeMap<usize, Map<String, Value>> = BTreeMap::new();
    for &(key, value) in pairs {
        let Some((index, rest)) = match_field(fields, key) else {
            continue;
        };
        let field = fields[index];
        match field.field_type {
            FieldType::Repeat => {
                let Some((row, sub)) = split_row(rest) else {
                    continue;
                };
                if row < MAX_REPEAT_ROWS as usize {
                    rows.entry(index)
                        .or_default()
                        .entry(row)
                        .or_default()
                        .push((sub, value));
                }
            }
            FieldType::Date if !rest.is_empty() => {
                if let Some(part) = part_name(field.field_type, rest) {
                    dates
                        .entry(index)
                        .or_default()
                        .insert(part.to_owned(), Value::String(value.to_owned()));
                }
            }
            FieldType::SelectMultiple if rest.is_empty() => {
                let entry = out
                    .entry(field.name.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry
                    && !value.is_empty()
                {
                    items.push(Value::String(value.to_owned()));
                }
            }
            t if !parts_of(t).is_empty() => {
                let Some(part) = part_name(t, rest) else {
                    continue;
                };
                let entry = out
                    .entry(field.name.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = entry {
                    map.insert(part.to_owned(), Value::String(value.to_owned()));
                }
            }
            _ if rest.is_empty() => {
                out.insert(field.name.clone(), Value::String(value.to_owned()));
            }
            _ => {}
        }
    }
    for (index, parts) in dates {
        let field = fields[index];
        out.insert(
            field.name.clone(),
            Value::String(DateParts::from_map(&parts).compose()),
        );
    }
    for (index, by_row) in rows {
        let repeat = fields[index];
        let members = row_members(form, repeat);
        let list: Vec<Value> = by_row
            .into_values()
            .map(|row_pairs| Value::Object(parse_level(form, &members, &row_pairs)))
            .collect();
        out.insert(repeat.name.clone(), Value::Array(list));
    }
    out
}

/// The field `key` starts with (the longest name followed by the end, `.` or `[`), and the
/// rest of the key after the name.
fn match_field<'k>(fields: &[&FormField], key: &'k str) -> Option<(usize, &'k str)> {
    fields
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            key.strip_prefix(f.name.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .max_by_key(|(_, f)| f.name.len())
        .map(|(i, f)| (i, &key[f.name.len()..]))
}

/// `[3].child_name` → (3, `child_name`); `[3]._row` → (3, `_row`).
fn split_row(rest: &str) -> Option<(usize, &str)> {
    let inner = rest.strip_prefix('[')?;
    let close = inner.find(']')?;
    let row = inner[..close].parse().ok()?;
    let sub = inner[close + 1..].strip_prefix('.')?;
    Some((row, sub))
}

fn part_name(field_type: FieldType, rest: &str) -> Option<&str> {
    let part = rest.strip_prefix('.')?;
    parts_of(field_type).contains(&part).then_some(part)
}

/// A date as entered in the era select and three boxes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateParts {
    pub era: String,
    pub year: String,
    pub month: String,
    pub day: String,
}

impl DateParts {
    fn from_map(map: &Map<String, Value>) -> DateParts {
        let get = |k: &str| {
            map.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        DateParts {
            era: get("era"),
            year: get("year"),
            month: get("month"),
            day: get("day"),
        }
    }

    /// `令和6年4月1日`, `2024-4-1`, or empty when no box was filled in.
    pub fn compose(&self) -> String {
        if self.year.is_empty() && self.month.is_empty() && self.day.is_empty() {
            return String::new();
        }
        match ERAS.iter().find(|(name, _)| *name == self.era) {
            Some((name, _)) if *name != "西暦" => {
                format!("{name}{}年{}月{}日", self.year, self.month, self.day)
            }
            _ => format!("{}-{}-{}", self.year, self.month, self.day),
        }
    }

    /// Splits a stored raw date back into the boxes: what `compose` wrote, or any date the
    /// engine reads (then shown in `era`, or in 西暦 when `era` is empty).
    pub fn decompose(raw: &str, default_era: &str) -> DateParts {
        let raw = raw.trim();
        if raw.is_empty() {
            return DateParts {
                era: default_era.to_owned(),
                ..DateParts::default()
            };
        }
        if let Some((name, _)) = ERAS.iter().find(|(name, _)| raw.starts_with(name)) {
            let body = &raw[name.len()..];
            let mut pieces = body.split(['年', '月', '日']);
            let mut next = || pieces.next().unwrap_or_default().trim().to_owned();
            let (year, month, day) = (next(), next(), next());
            if *name != "西暦" {
                return DateParts {
                    era: (*name).to_owned(),
                    year,
                    month,
                    day,
                };
            }
        }
        if let Ok(date) = yui_domain::japan::parse_date(raw) {
            let era = yui_domain::japan::era_of(date).filter(|e| {
                default_era != "西暦"
                    && !default_era.is_empty()
                    && ERAS.iter().any(|(n, _)| *n == e.name_ja)
            });
            return match era {
                Some(e) => DateParts {
                    era: e.name_ja.to_owned(),
                    year: e.year_of(date).to_string(),
                    month: u8::from(date.month()).to_string(),
                    day: date.day().to_string(),
                },
                None => DateParts {
                    era: "西暦".to_owned(),
                    year: date.year().to_string(),
                    month: u8::from(date.month()).to_string(),
                    day: date.day().to_string(),
                },
            };
        }
        let mut pieces = raw.split(['-', '/', '.']);
        let mut next = || pieces.next().unwrap_or_default().trim().to_owned();
        DateParts {
            era: "西暦".to_owned(),
            year: next(),
            month: next(),
            day: next(),
        }
    }
}

/// Applies an add or remove action to the answers: a new empty row at the end, or the row
/// taken out. `path` is the repeat's answer path (`children`, `children[0].toys`).
pub fn apply_row_action(answers: &mut Map<String, Value>, action: &Action) {
    match action {
        Action::Add(path) => {
            if let Some(rows) = rows_at(answers, path, true)
                && rows.len() < MAX_REPEAT_ROWS as usize
            {
                rows.push(Value::Object(Map::new()));
            }
        }
        Action::Remove(path, row) => {
            if let Some(rows) = rows_at(answers, path, false)
                && *row < rows.len()
            {
                rows.remove(*row);
            }
        }
        Action::Continue | Action::Save => {}
    }
}

/// The rows array at `a[1].b`, created when `create` and missing.
fn rows_at<'m>(
    answers: &'m mut Map<String, Value>,
    path: &str,
    create: bool,
) -> Option<&'m mut Vec<Value>> {
    let mut map = answers;
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        let close = open + rest[open..].find(']')?;
        let name = &rest[..open];
        let row: usize = rest[open + 1..close].parse().ok()?;
        map = map
            .get_mut(name)?
            .as_array_mut()?
            .get_mut(row)?
            .as_object_mut()?;
        rest = rest[close + 1..].strip_prefix('.')?;
    }
    if create && !map.get(rest).is_some_and(Value::is_array) {
        map.insert(rest.to_owned(), Value::Array(Vec::new()));
    }
    map.get_mut(rest)?.as_array_mut()
}

/// Drops rows the resident left completely empty from each repeat, keeping at least the
/// repeat's `min_count` rows (their empty questions then get their own messages).
pub fn drop_empty_rows(form: &Form, answers: &mut Map<String, Value>) {
    for field in form.fields() {
        if field.field_type != FieldType::Repeat || field.repeat.is_some() {
            continue;
        }
        let min = field.definition.min_count.unwrap_or(0) as usize;
        if let Some(Value::Array(rows)) = answers.get_mut(&field.name) {
            let filled = rows.iter().filter(|r| !is_empty_answer(r)).count();
            let mut empty_kept = min.saturating_sub(filled);
            rows.retain(|row| {
                if !is_empty_answer(row) {
                    return true;
                }
                let keep = empty_kept > 0;
                empty_kept = empty_kept.saturating_sub(1);
                keep
            });
        }
    }
}

/// Whether a raw answer holds nothing typed.
pub fn is_empty_answer(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.iter().all(is_empty_answer),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "era")
            .all(|(_, v)| is_empty_answer(v)),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const FORM: &str = r"
yui: 1
id: sample
title: 申請
audience: public
fields:
  - { name: who, type: name, label: 氏名 }
  - { name: where, type: address, label: 住所 }
  - { name: when, type: date, label: 日, appearance: wareki }
  - { name: a.b, type: text, label: ドット入りの名前 }
  - { name: a, type: text, label: 短い名前 }
  - { name: pets, type: select_multiple, label: ペット, choices: pets }
  - { name: ok, type: consent, label: 同意 }
  - { name: spot, type: geopoint, label: 場所 }
  - name: children
    type: repeat
    label: お子さん
    min_count: 1
    fields:
      - { name: child_name, type: text, label: 名前 }
      - { name: child_birth, type: date, label: 生年月日 }
      - { name: allergy, type: yes_no, label: アレルギー }
choices:
  pets: [ { name: dog, label: 犬 }, { name: cat, label: 猫 } ]
";

    fn form() -> Form {
        Form::from_yaml(FORM).unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn compound_fields_become_objects_of_their_parts() {
        let answers = parse_answers(
            &form(),
            &pairs(&[
                ("who.family", "山田"),
                ("who.given", "花子"),
                ("where.postal_code", "869-2501"),
                ("where.address", "小国町宮原1"),
                ("where.building", ""),
                ("spot.lat", "33.1"),
                ("spot.lon", "131.0"),
                ("who.nickname", "ignored: not a part"),
            ]),
        );
        assert_eq!(answers["who"], json!({ "family": "山田", "given": "花子" }));
        assert_eq!(
            answers["where"],
            json!({ "postal_code": "869-2501", "address": "小国町宮原1", "building": "" })
        );
        assert_eq!(answers["spot"], json!({ "lat": "33.1", "lon": "131.0" }));
    }

    #[test]
    fn date_boxes_are_composed_in_era_or_western_form() {
        let answers = parse_answers(
            &form(),
            &pairs(&[
                ("when.era", "令和"),
                ("when.year", "6"),
                ("when.month", "4"),
                ("when.day", "1"),
                ("children[0].child_birth.era", "西暦"),
                ("children[0].child_birth.year", "2022"),
                ("children[0].child_birth.month", "5"),
                ("children[0].child_birth.day", "5"),
            ]),
        );
        assert_eq!(answers["when"], "令和6年4月1日");
        assert_eq!(answers["children"][0]["child_birth"], "2022-5-5");
        let empty = parse_answers(
            &form(),
            &pairs(&[("when.era", "令和"), ("when.year", " "), ("when.month", "")]),
        );
        assert_eq!(empty["when"], "", "an era alone is no answer");
    }

    #[test]
    fn composed_dates_read_back_into_their_boxes() {
        let parts = DateParts::decompose("令和6年4月1日", "令和");
        assert_eq!(
            (
                parts.era.as_str(),
                parts.year.as_str(),
                parts.month.as_str(),
                parts.day.as_str()
            ),
            ("令和", "6", "4", "1")
        );
        let western = DateParts::decompose("2024-4-1", "西暦");
        assert_eq!(
            (western.era.as_str(), western.year.as_str()),
            ("西暦", "2024")
        );
        let iso_in_wareki = DateParts::decompose("2019-05-01", "令和");
        assert_eq!(
            (iso_in_wareki.era.as_str(), iso_in_wareki.year.as_str()),
            ("令和", "1")
        );
        let half = DateParts::decompose("令和6年月1日", "令和");
        assert_eq!(
            (half.year.as_str(), half.month.as_str(), half.day.as_str()),
            ("6", "", "1")
        );
        assert_eq!(DateParts::decompose("", "令和").era, "令和");
        assert_eq!(half.compose(), "令和6年月1日", "what was typed is kept");
    }

    #[test]
    fn repeated_checkboxes_are_an_array_and_names_with_dots_match_whole() {
        let answers = parse_answers(
            &form(),
            &pairs(&[
                ("pets", "dog"),
                ("pets", "cat"),
                ("a.b", "long"),
                ("a", "short"),
                ("ok", "yes"),
                ("_action", "continue"),
                ("unknown", "x"),
            ]),
        );
        assert_eq!(answers["pets"], json!(["dog", "cat"]));
        assert_eq!(answers["a.b"], "long");
        assert_eq!(answers["a"], "short");
        assert_eq!(answers["ok"], "yes");
        assert!(!answers.contains_key("_action") && !answers.contains_key("unknown"));
        let one = parse_answers(&form(), &pairs(&[("pets", "dog")]));
        assert_eq!(
            one["pets"],
            json!(["dog"]),
            "one ticked box is still a list"
        );
    }

    #[test]
    fn repeat_rows_are_renumbered_in_order_and_markers_keep_empty_rows() {
        let answers = parse_answers(
            &form(),
            &pairs(&[
                ("children[2].child_name", "三郎"),
                ("children[0].child_name", "太郎"),
                ("children[0].allergy", "no"),
                ("children[1]._row", ""),
                ("children[999999].child_name", "too far"),
            ]),
        );
        assert_eq!(
            answers["children"],
            json!([
                { "child_name": "太郎", "allergy": "no" },
                {},
                { "child_name": "三郎" }
            ])
        );
    }

    #[test]
    fn actions_are_read_from_the_pressed_button() {
        assert_eq!(Action::parse(None), Action::Continue);
        assert_eq!(Action::parse(Some("save")), Action::Save);
        assert_eq!(
            Action::parse(Some("add:children")),
            Action::Add("children".into())
        );
        assert_eq!(
            Action::parse(Some("remove:children:2")),
            Action::Remove("children".into(), 2)
        );
        assert_eq!(Action::parse(Some("remove:children:x")), Action::Continue);
        let controls = Controls::from_pairs(&pairs(&[
            ("_shown", "a children[0].child_name"),
            ("_key", "k-123"),
        ]));
        assert_eq!(controls.shown, ["a", "children[0].child_name"]);
        assert_eq!(controls.key.as_deref(), Some("k-123"));
    }

    #[test]
    fn rows_are_added_and_removed_by_path() {
        let mut answers =
            json!({ "children": [{ "child_name": "太郎" }, { "child_name": "次郎" }] })
                .as_object()
                .unwrap()
                .clone();
        apply_row_action(&mut answers, &Action::Remove("children".into(), 0));
        assert_eq!(answers["children"], json!([{ "child_name": "次郎" }]));
        apply_row_action(&mut answers, &Action::Add("children".into()));
        assert_eq!(answers["children"][1], json!({}));
        apply_row_action(&mut answers, &Action::Remove("children".into(), 9));
        assert_eq!(answers["children"].as_array().unwrap().len(), 2);
        let mut none = Map::new();
        apply_row_action(&mut none, &Action::Add("children".into()));
        assert_eq!(
            none["children"],
            json!([{}]),
            "the first row of an empty repeat"
        );
    }

    #[test]
    fn empty_rows_are_dropped_but_the_minimum_is_kept() {
        let form = form();
        let mut answers = json!({ "children": [
            { "child_name": "", "child_birth": "" },
            { "child_name": "太郎" },
            { "child_name": " " }
        ] })
        .as_object()
        .unwrap()
        .clone();
        drop_empty_rows(&form, &mut answers);
        assert_eq!(
            answers["children"],
            json!([{ "child_name": "太郎" }]),
            "one filled row meets min_count 1"
        );
        let mut only_empty = json!({ "children": [{}, {}] }).as_object().unwrap().clone();
        drop_empty_rows(&form, &mut only_empty);
        assert_eq!(
            only_empty["children"],
            json!([{}]),
            "min_count 1 keeps one empty row, whose questions then ask to be answered"
        );
    }
}
