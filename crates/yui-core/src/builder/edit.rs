//! Pure editing operations on a definition, as the field editor offers them: change one
//! field's texts, rules and choices; add a field or a page; move, duplicate and delete.
//! Fields are addressed by name (names are unique in a form, also inside groups).

use std::collections::BTreeSet;

use yui_domain::definition::{AppDefinition, Choice, Field, FieldType, Flag, Text};

use crate::error::CoreError;

/// The field types the editor offers for a new question (groups are added as pages).
pub const ADDABLE_TYPES: [FieldType; 21] = [
    FieldType::Text,
    FieldType::Textarea,
    FieldType::Integer,
    FieldType::Decimal,
    FieldType::Date,
    FieldType::Time,
    FieldType::Datetime,
    FieldType::SelectOne,
    FieldType::SelectMultiple,
    FieldType::YesNo,
    FieldType::Email,
    FieldType::Phone,
    FieldType::PostalCode,
    FieldType::Address,
    FieldType::Name,
    FieldType::NameKana,
    FieldType::File,
    FieldType::Image,
    FieldType::Note,
    FieldType::Consent,
    FieldType::Calculate,
];

/// Up or down among its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// `required` as the editor shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    No,
    Yes,
    /// Keep the expression already written (only offered when there is one).
    Keep,
}

/// What the field form posts. Empty strings mean "none".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldEdit {
    pub label_ja: String,
    pub label_en: String,
    pub hint_ja: String,
    pub hint_en: String,
    pub required: Option<Required>,
    /// One choice per line, `label` or `code<TAB>label`; `None` for fields without choices.
    pub choices: Option<String>,
    pub constraint: String,
    pub constraint_message_ja: String,
    pub constraint_message_en: String,
    pub calculation: String,
}

fn not_found() -> CoreError {
    CoreError::NotFound
}

fn text(ja: &str, en: &str) -> Option<Text> {
    let (ja, en) = (ja.trim(), en.trim());
    if ja.is_empty() && en.is_empty() {
        return None;
    }
    Some(Text {
        ja: ja.to_owned(),
        en: (!en.is_empty()).then(|| en.to_owned()),
    })
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The field called `name`, anywhere in the form.
pub fn find<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
    fields.iter().find_map(|f| {
        if f.name == name {
            Some(f)
        } else {
            find(&f.fields, name)
        }
    })
}

fn find_mut<'a>(fields: &'a mut [Field], name: &str) -> Option<&'a mut Field> {
    for f in fields.iter_mut() {
        if f.name == name {
            return Some(f);
        }
        if let Some(found) = find_mut(&mut f.fields, name) {
            return Some(found);
        }
    }
    None
}

/// The list holding the field called `name`, and its index there.
fn siblings_mut<'a>(fields: &'a mut Vec<Field>, name: &str) -> Option<(&'a mut Vec<Field>, usize)> {
    if let Some(i) = fields.iter().position(|f| f.name == name) {
        return Some((fields, i));
    }
    for f in fields.iter_mut() {
        if let Some(found) = siblings_mut(&mut f.fields, name) {
            return Some(found);
        }
    }
    None
}

/// The definition path of a field (`fields[2].fields[0]`), as definition errors name it.
pub fn field_path(fields: &[Field], name: &str) -> Option<String> {
    fn walk(fields: &[Field], name: &str, base: &str) -> Option<String> {
        fields.iter().enumerate().find_map(|(i, f)| {
            let path = format!("{base}[{i}]");
            if f.name == name {
                Some(path)
            } else {
                walk(&f.fields, name, &format!("{path}.fields"))
            }
        })
    }
    walk(fields, name, "fields")
}

/// Every name taken in the form (fields, and the `_other` text of fields with `other`).
pub fn taken_names(fields: &[Field]) -> BTreeSet<String> {
    fn walk(fields: &[Field], names: &mut BTreeSet<String>) {
        for f in fields {
            names.insert(f.name.clone());
            if f.other {
                names.insert(format!("{}_other", f.name));
            }
            walk(&f.fields, names);
        }
    }
    let mut names = BTreeSet::new();
    walk(fields, &mut names);
    names
}

fn fresh_name(taken: &BTreeSet<String>, stem: &str) -> String {
    (1..)
        .map(|n| format!("{stem}{n}"))
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| stem.to_owned())
}

/// Reads pasted choices: one per line; a line `code<TAB>label` (two Excel columns) sets the
/// code, a line with only a label keeps the code of an existing choice with that label or gets
/// the next free number. Blank lines are skipped; extra columns of existing choices are kept.
pub fn parse_choices(text: &str, existing: &[Choice]) -> Result<Vec<Choice>, CoreError> {
    let mut out: Vec<Choice> = Vec::new();
    let mut pending: Vec<(usize, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_matches(|c: char| c == '\r' || c == '\u{feff}');
        if line.trim().is_empty() {
            continue;
        }
        let (code, label) = match line.split_once('\t') {
            Some((code, label)) if !label.trim().is_empty() => {
                let label = label.split('\t').next().unwrap_or(label);
                (Some(code.trim().to_owned()), label.trim().to_owned())
            }
            Some((label, _)) => (None, label.trim().to_owned()),
            None => (None, line.trim().to_owned()),
        };
        let code = code.filter(|c| !c.is_empty()).or_else(|| {
            existing
                .iter()
                .find(|c| c.label.ja == label)
                .map(|c| c.name.clone())
        });
        if let Some(code) = &code
            && code.chars().any(char::is_whitespace)
        {
            return Err(CoreError::invalid(
                "choices",
                "builder.choice_code_space",
                format!("選択肢のコード「{code}」に空白は使えません。"),
                format!("The choice code \"{code}\" must not contain spaces."),
            ));
        }
        let props = code
            .as_ref()
            .and_then(|code| existing.iter().find(|c| &c.name == code))
            .map(|c| c.props.clone())
            .unwrap_or_default();
        let en = code
            .as_ref()
            .and_then(|code| existing.iter().find(|c| &c.name == code))
            .filter(|c| c.label.ja == label)
            .and_then(|c| c.label.en.clone());
        if code.is_none() {
            pending.push((out.len(), label.clone()));
        }
        out.push(Choice {
            name: code.unwrap_or_default(),
            label: Text { ja: label, en },
            props,
        });
    }
    if out.is_empty() {
        return Err(CoreError::invalid(
            "choices",
            "builder.choices_empty",
            "選択肢を1つ以上入力してください（1行に1つ）。".into(),
            "Enter at least one choice (one per line).".into(),
        ));
    }
    let mut next = out
        .iter()
        .chain(existing)
        .filter_map(|c| c.name.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    for (i, _) in pending {
        next += 1;
        if let Some(c) = out.get_mut(i) {
            c.name = next.to_string();
        }
    }
    let mut seen = BTreeSet::new();
    for c in &out {
        if !seen.insert(c.name.as_str()) {
            return Err(CoreError::invalid(
                "choices",
                "builder.choice_code_twice",
                format!("選択肢のコード「{}」が2回あります。", c.name),
                format!("The choice code \"{}\" appears twice.", c.name),
            ));
        }
    }
    Ok(out)
}

/// Choices as the editor's text box shows them: `code<TAB>label`, one per line.
pub fn choice_lines(choices: &[Choice]) -> String {
    choices
        .iter()
        .map(|c| format!("{}\t{}", c.name, c.label.ja))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Applies the field form to the field called `name`.
pub fn edit_field(def: &mut AppDefinition, name: &str, edit: &FieldEdit) -> Result<(), CoreError> {
    let field = find_mut(&mut def.fields, name).ok_or_else(not_found)?;
    field.label = text(&edit.label_ja, &edit.label_en);
    field.hint = text(&edit.hint_ja, &edit.hint_en);
    match edit.required {
        Some(Required::Yes) => field.required = Some(Flag::Bool(true)),
        Some(Required::No) => field.required = None,
        Some(Required::Keep) | None => {}
    }
    if field.field_type.is_input() {
        field.constraint = opt(&edit.constraint);
        field.constraint_message = text(&edit.constraint_message_ja, &edit.constraint_message_en);
    }
    if field.field_type == FieldType::Calculate {
        field.calculation = opt(&edit.calculation);
    }
    let list = field.choices.clone();
    if let (Some(typed), true) = (&edit.choices, field.field_type.is_select()) {
        let list = list.unwrap_or_else(|| name.to_owned());
        field.choices = Some(list.clone());
        let existing = def.choices.get(&list).cloned().unwrap_or_default();
        let parsed = parse_choices(typed, &existing)?;
        def.choices.insert(list, parsed);
    }
    Ok(())
}

/// Sets (or with `None` removes) the condition under which a field is shown.
pub fn set_relevant(
    def: &mut AppDefinition,
    name: &str,
    expression: Option<String>,
) -> Result<(), CoreError> {
    let field = find_mut(&mut def.fields, name).ok_or_else(not_found)?;
    field.relevant = expression.filter(|e| !e.trim().is_empty());
    Ok(())
}

/// A new question of `field_type` with placeholder texts (and a choice list of its own for
/// select fields), so the form still checks after adding it.
fn new_field(def: &mut AppDefinition, field_type: FieldType) -> Field {
    let taken = taken_names(&def.fields);
    let name = fresh_name(&taken, "q");
    let mut field = Field::new(name.clone(), field_type);
    field.label = Some(match field_type {
        FieldType::Note => Text::new("説明文", "Note"),
        FieldType::Consent => Text::new("内容に同意します", "I agree"),
        FieldType::Calculate => Text::new("計算結果", "Result"),
        _ => Text::new("新しい質問", "New question"),
    });
    if field_type == FieldType::Calculate {
        field.calculation = Some("0".into());
    }
    if field_type.is_select() {
        let mut list = name.clone();
        let mut n = 1;
        while def.choices.contains_key(&list) {
            n += 1;
            list = format!("{name}_{n}");
        }
        def.choices.insert(
            list.clone(),
            vec![
                Choice::new("1", Text::new("選択肢1", "Choice 1")),
                Choice::new("2", Text::new("選択肢2", "Choice 2")),
            ],
        );
        field.choices = Some(list);
    }
    field
}

/// Adds a question at the end of a page (`page`: a top-level group's name) or, without a page,
/// at the end of the form. Returns the new field's name.
pub fn add_field(
    def: &mut AppDefinition,
    page: Option<&str>,
    field_type: FieldType,
) -> Result<String, CoreError> {
    if !ADDABLE_TYPES.contains(&field_type) {
        return Err(CoreError::invalid(
            "type",
            "builder.type_not_addable",
            "この種類の質問はここでは追加できません。".into(),
            "This kind of question cannot be added here.".into(),
        ));
    }
    let field = new_field(def, field_type);
    let name = field.name.clone();
    match page {
        Some(page) => {
            let group = find_mut(&mut def.fields, page)
                .filter(|f| f.field_type.is_container())
                .ok_or_else(not_found)?;
            group.fields.push(field);
        }
        None => def.fields.push(field),
    }
    Ok(name)
}

/// Adds an empty page (a top-level group) at the end, with one question so it shows.
pub fn add_page(def: &mut AppDefinition) -> String {
    let taken = taken_names(&def.fields);
    let name = fresh_name(&taken, "page");
    let mut group = Field::new(name.clone(), FieldType::Group)
        .with_label(Text::new("新しいページ", "New page"));
    group.fields.push(new_field(def, FieldType::Text));
    def.fields.push(group);
    name
}

/// Moves a field one place up or down among its siblings; at the edge of a page it moves to
/// the end of the page before (or the start of the page after).
pub fn move_field(
    def: &mut AppDefinition,
    name: &str,
    direction: Direction,
) -> Result<(), CoreError> {
    let top = def.fields.iter().position(|f| f.name == name);
    if top.is_none() {
        // Inside a page: maybe cross into the neighbouring page.
        let page = def.fields.iter().position(|p| {
            p.field_type == FieldType::Group && p.fields.iter().any(|f| f.name == name)
        });
        if let Some(p) = page {
            let len = def.fields[p].fields.len();
            let i = def.fields[p]
                .fields
                .iter()
                .position(|f| f.name == name)
                .unwrap_or(0);
            let neighbour = match direction {
                Direction::Up if i == 0 => p.checked_sub(1),
                Direction::Down if i + 1 == len => Some(p + 1),
                _ => None,
            }
            .filter(|&n| {
                def.fields
                    .get(n)
                    .is_some_and(|f| f.field_type == FieldType::Group)
            });
            if let Some(n) = neighbour {
                let field = def.fields[p].fields.remove(i);
                match direction {
                    Direction::Up => def.fields[n].fields.push(field),
                    Direction::Down => def.fields[n].fields.insert(0, field),
                }
                return Ok(());
            }
        }
    }
    let (list, i) = siblings_mut(&mut def.fields, name).ok_or_else(not_found)?;
    let j = match direction {
        Direction::Up => i.checked_sub(1),
        Direction::Down => Some(i + 1).filter(|&j| j < list.len()),
    };
    if let Some(j) = j {
        list.swap(i, j);
    }
    Ok(())
}

/// Copies a field (with its children) right after it, under new names. Returns the copy's name.
pub fn duplicate_field(def: &mut AppDefinition, name: &str) -> Result<String, CoreError> {
    fn rename(field: &mut Field, taken: &mut BTreeSet<String>) {
        let stem = format!("{}_copy", field.name);
        let new = if taken.contains(&stem) {
            fresh_name(taken, &stem)
        } else {
            stem
        };
        taken.insert(new.clone());
        field.name = new;
        for child in &mut field.fields {
            rename(child, taken);
        }
    }
    let mut taken = taken_names(&def.fields);
    let (list, i) = siblings_mut(&mut def.fields, name).ok_or_else(not_found)?;
    let mut copy = list[i].clone();
    rename(&mut copy, &mut taken);
    if let Some(label) = &mut copy.label {
        label.ja.push_str("（コピー）");
        if let Some(en) = &mut label.en {
            en.push_str(" (copy)");
        }
    }
    let copied = copy.name.clone();
    list.insert(i + 1, copy);
    Ok(copied)
}

/// Removes a field (a page: with its questions). Choice lists no longer used are removed too.
pub fn delete_field(def: &mut AppDefinition, name: &str) -> Result<(), CoreError> {
    fn lists(fields: &[Field], used: &mut BTreeSet<String>) {
        for f in fields {
            if let Some(c) = &f.choices {
                used.insert(c.clone());
            }
            lists(&f.fields, used);
        }
    }
    let (list, i) = siblings_mut(&mut def.fields, name).ok_or_else(not_found)?;
    let removed = list.remove(i);
    let mut orphaned = BTreeSet::new();
    lists(std::slice::from_ref(&removed), &mut orphaned);
    let mut used = BTreeSet::new();
    lists(&def.fields, &mut used);
    for list in orphaned.difference(&used) {
        def.choices.remove(list);
    }
    Ok(())
}

/// How many fields (other than `name`) use the same choice list as `name`.
pub fn choice_list_sharers(def: &AppDefinition, name: &str) -> usize {
    fn count(fields: &[Field], list: &str, name: &str) -> usize {
        fields
            .iter()
            .map(|f| {
                usize::from(f.name != name && f.choices.as_deref() == Some(list))
                    + count(&f.fields, list, name)
            })
            .sum()
    }
    let Some(list) = find(&def.fields, name).and_then(|f| f.choices.clone()) else {
        return 0;
    };
    count(&def.fields, &list, name)
}
