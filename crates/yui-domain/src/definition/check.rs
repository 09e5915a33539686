//! Checks a definition and compiles it into a [`Form`]: names, which keys each field type
//! takes, choice lists, every expression (against the form's fields), the order of
//! calculations (naming any cycle), workflow and notification texts.
//!
//! All problems are collected, not just the first, each with the path of the offending value
//! so the loader can add its line and column.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::error::DefinitionError;
use super::form::{ChoiceSet, Cond, DefaultLogic, Form, FormField, Level, Logic};
use super::model::{AppDefinition, Choice, Field, FieldType, Message};
use super::text::{DefaultValue, Flag, Text};
use crate::expr::{self, FieldId, Property, Schema, SchemaField, Scope, ValueKind};

/// Most fields in one form, counting those inside groups and repeats.
pub const MAX_FIELDS: usize = 2_000;
/// Deepest nesting of groups and repeats.
pub const MAX_FIELD_DEPTH: usize = 8;
/// Most rows a repeat may allow.
pub const MAX_REPEAT_ROWS: u32 = 1_000;
/// Longest field name.
pub const MAX_NAME_CHARS: usize = 64;
/// Largest upload limit a field may set, in MB.
pub const MAX_UPLOAD_MB: u32 = 100;

/// Placeholders notification texts may use.
pub const PLACEHOLDERS: &[&str] = &["receipt_number", "app_title", "status", "town", "link"];

type Errors = Vec<DefinitionError>;

fn error(
    errors: &mut Errors,
    code: &'static str,
    path: impl Into<String>,
    ja: impl Into<String>,
    en: impl Into<String>,
) {
    errors.push(DefinitionError::new(code, path, ja, en));
}

/// Whether `name` is a valid field (or list) name: XLSForm's rule.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.chars().count() <= MAX_NAME_CHARS
}

fn is_slug(s: &str, max: usize) -> bool {
    s.len() <= max
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_text(errors: &mut Errors, path: &str, text: &Text) {
    if text.ja.trim().is_empty() {
        error(
            errors,
            "text.empty",
            path,
            "日本語の文を書いてください",
            "the Japanese text is empty",
        );
    }
    for (_, t) in text.texts() {
        if crate::japan::text::has_control(t) || crate::japan::text::has_private_use(t) {
            error(
                errors,
                "text.invalid_character",
                path,
                "制御文字や外字（私用領域の文字）は使えません",
                "control and private-use characters are not allowed",
            );
            break;
        }
    }
}

pub(crate) fn compile(definition: AppDefinition) -> Result<Form, Errors> {
    let mut errors = Errors::new();
    check_header(&definition, &mut errors);
    let lists = check_choice_lists(&definition, &mut errors);

    let mut flattener = Flattener {
        fields: Vec::new(),
        names: HashMap::new(),
        errors: &mut errors,
        levels: vec![Level {
            members: Vec::new(),
        }],
    };
    flattener.walk(&definition.fields, "fields", None, None, 0, 0);
    let Flattener {
        mut fields,
        mut levels,
        ..
    } = flattener;
    if definition.fields.is_empty() {
        error(
            &mut errors,
            "definition.no_fields",
            "fields",
            "項目が 1 つもありません",
            "the definition has no fields",
        );
    }
    if fields.len() > MAX_FIELDS {
        error(
            &mut errors,
            "definition.too_many_fields",
            "fields",
            format!("項目が多すぎます（{MAX_FIELDS} 個まで）"),
            format!("too many fields (at most {MAX_FIELDS})"),
        );
        return Err(errors);
    }
    // Level members in document order.
    for field in &fields {
        if field.field_type != FieldType::Group {
            levels[field.level].members.push(field.id);
        }
    }

    let schema = Schema::new(
        fields
            .iter()
            .map(|f| SchemaField {
                name: f.name.clone(),
                kind: ValueKind::from_type_name(f.field_type.as_str()).unwrap_or(ValueKind::Text),
                repeat: f.repeat,
            })
            .collect(),
    );

    for field in &mut fields {
        field.choices = select_choices(field, &lists, &mut errors);
    }
    for field in &mut fields {
        field.logic = compile_logic(field, &schema, &mut errors);
    }
    // Literal defaults go through the same normalisation as answers.
    for field in &mut fields {
        if let Some(DefaultValue::Value(literal)) = &field.definition.default {
            if field.other_of.is_some() {
                continue;
            }
            match crate::validate::normalize_value(field, literal) {
                Ok(Some(value)) => field.logic.default = Some(DefaultLogic::Value(value)),
                Ok(None) => {}
                Err(violation) => error(
                    &mut errors,
                    "field.invalid_default",
                    format!("{}.default", field.path),
                    format!("初期値が正しくありません: {}", violation.message_ja),
                    format!("invalid default: {}", violation.message_en),
                ),
            }
        }
    }

    let order = evaluation_order(&fields, &mut errors);

    let workflow = definition.workflow.clone().unwrap_or_default();
    for problem in workflow.check() {
        errors.push(DefinitionError::new(
            problem.code,
            format!("workflow.{}", problem.path),
            problem.message_ja,
            problem.message_en,
        ));
    }
    check_notifications(&definition, &mut errors);

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Form {
        definition,
        fields,
        schema: Arc::new(schema),
        order,
        levels,
        workflow,
    })
}

fn check_header(def: &AppDefinition, errors: &mut Errors) {
    if def.yui != 1 {
        error(
            errors,
            "definition.unsupported_version",
            "yui",
            format!(
                "形式のバージョン {} には対応していません（1 を指定してください）",
                def.yui
            ),
            format!("format version {} is not supported (use 1)", def.yui),
        );
    }
    if !is_slug(&def.id, 63) || def.id.len() < 2 {
        error(
            errors,
            "definition.invalid_id",
            "id",
            "id は英小文字で始まり、英小文字・数字・- の 2〜63 文字にしてください",
            "id must be 2–63 characters of lowercase letters, digits and -, starting with a letter",
        );
    }
    check_text(errors, "title", &def.title);
    if let Some(description) = &def.description {
        check_text(errors, "description", description);
    }
    if let Some(category) = &def.category
        && !is_slug(category, 40)
    {
        error(
            errors,
            "definition.invalid_category",
            "category",
            "category は英小文字・数字・- で書いてください",
            "category must be lowercase letters, digits and -",
        );
    }
    if def.keywords.len() > 50 {
        error(
            errors,
            "definition.too_many_keywords",
            "keywords",
            "keywords は 50 個までです",
            "at most 50 keywords",
        );
    }
    for (i, keyword) in def.keywords.iter().enumerate() {
        let length = keyword.trim().chars().count();
        if length == 0 || length > 50 || crate::japan::text::has_control(keyword) {
            error(
                errors,
                "definition.invalid_keyword",
                format!("keywords[{i}]"),
                "キーワードは 1〜50 文字にしてください",
                "a keyword must be 1–50 characters",
            );
        }
    }
    if let Some(start) = &def.start {
        for (key, text) in [
            ("what_you_need", &start.what_you_need),
            ("deadline", &start.deadline),
            ("contact", &start.contact),
            ("after_submit", &start.after_submit),
        ] {
            if let Some(text) = text {
                check_text(errors, &format!("start.{key}"), text);
            }
        }
    }
}

fn check_choice_lists(def: &AppDefinition, errors: &mut Errors) -> HashMap<String, Vec<Choice>> {
    let mut lists = HashMap::new();
    for (list, choices) in &def.choices {
        let path = format!("choices.{list}");
        if !is_valid_name(list) {
            error(
                errors,
                "choices.invalid_list_name",
                &path,
                format!(
                    "選択肢リスト名「{list}」は使えません（英字か _ で始め、英数字・-・_・. で書いてください）"
                ),
                format!(
                    "choice list name {list:?} is not valid (start with a letter or _, then letters, digits, -, _, .)"
                ),
            );
        }
        if choices.is_empty() {
            error(
                errors,
                "choices.empty_list",
                &path,
                "選択肢が 1 つもありません",
                "the list has no choices",
            );
        }
        let mut seen = BTreeSet::new();
        for (i, choice) in choices.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let name_ok = !choice.name.is_empty()
                && choice.name.chars().count() <= 100
                && !choice
                    .name
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control());
            if !name_ok {
                error(
                    errors,
                    "choices.invalid_name",
                    format!("{at}.name"),
                    "選択肢の name は空白を含まない 100 文字以内にしてください",
                    "a choice name must be 1–100 characters without spaces",
                );
            }
            if !seen.insert(choice.name.as_str()) {
                error(
                    errors,
                    "choices.duplicate_name",
                    format!("{at}.name"),
                    format!("選択肢「{}」が 2 回あります", choice.name),
                    format!("choice {:?} appears twice", choice.name),
                );
            }
            check_text(errors, &format!("{at}.label"), &choice.label);
            for key in choice.props.keys() {
                if !is_valid_name(key) {
                    error(
                        errors,
                        "choices.invalid_property",
                        format!("{at}.{key}"),
                        format!("列名「{key}」は使えません"),
                        format!("property name {key:?} is not valid"),
                    );
                }
            }
        }
        lists.insert(list.clone(), choices.clone());
    }
    lists
}

struct Flattener<'e> {
    fields: Vec<FormField>,
    names: HashMap<String, String>,
    errors: &'e mut Errors,
    levels: Vec<Level>,
}

impl Flattener<'_> {
    fn walk(
        &mut self,
        list: &[Field],
        base: &str,
        parent: Option<FieldId>,
        repeat: Option<FieldId>,
        level: usize,
        depth: usize,
    ) {
        for (i, field) in list.iter().enumerate() {
            if self.fields.len() > MAX_FIELDS {
                return;
            }
            let path = format!("{base}[{i}]");
            let id = self.fields.len();
            self.claim_name(&field.name, &format!("{path}.name"));
            let mut definition = field.clone();
            definition.fields = Vec::new();
            let own_level = (field.field_type == FieldType::Repeat).then(|| {
                self.levels.push(Level {
                    members: Vec::new(),
                });
                self.levels.len() - 1
            });
            self.fields.push(FormField {
                id,
                name: field.name.clone(),
                field_type: field.field_type,
                depth,
                parent,
                repeat,
                children: Vec::new(),
                path: path.clone(),
                other_of: None,
                definition,
                level,
                own_level,
                logic: Logic::default(),
                choices: None,
            });
            if let Some(p) = parent {
                self.fields[p].children.push(id);
            }
            check_field_keys(field, &path, self.errors);
            if field.field_type.is_container() {
                if depth + 1 > MAX_FIELD_DEPTH {
                    error(
                        self.errors,
                        "field.too_deep",
                        &path,
                        format!(
                            "グループや繰り返しの入れ子が深すぎます（{MAX_FIELD_DEPTH} 段まで）"
                        ),
                        format!(
                            "groups and repeats are nested too deeply (at most {MAX_FIELD_DEPTH})"
                        ),
                    );
                    continue;
                }
                let (child_repeat, child_level) = match own_level {
                    Some(l) => (Some(id), l),
                    None => (repeat, level),
                };
                self.walk(
                    &field.fields,
                    &format!("{path}.fields"),
                    Some(id),
                    child_repeat,
                    child_level,
                    depth + 1,
                );
            }
            if field.other && field.field_type.is_select() {
                self.add_other(id, &path, parent, repeat, level, depth);
            }
        }
    }

    fn claim_name(&mut self, name: &str, path: &str) {
        if !is_valid_name(name) {
            error(
                self.errors,
                "field.invalid_name",
                path,
                format!(
                    "項目名「{name}」は使えません（英字か _ で始め、英数字・-・_・. で {MAX_NAME_CHARS} 文字まで）"
                ),
                format!(
                    "field name {name:?} is not valid (start with a letter or _, then letters, digits, -, _, .; at most {MAX_NAME_CHARS})"
                ),
            );
        }
        if let Some(first) = self.names.get(name) {
            error(
                self.errors,
                "field.duplicate_name",
                path,
                format!(
                    "項目名「{name}」は {first} でも使われています（フォーム全体で重複できません）"
                ),
                format!(
                    "field name {name:?} is already used at {first} (names are unique in the whole form)"
                ),
            );
        } else {
            self.names
                .insert(name.to_owned(), path.trim_end_matches(".name").to_owned());
        }
    }

    /// The implicit "please specify" text field of a select with `other: true`.
    fn add_other(
        &mut self,
        select: FieldId,
        path: &str,
        parent: Option<FieldId>,
        repeat: Option<FieldId>,
        level: usize,
        depth: usize,
    ) {
        let select_name = self.fields[select].name.clone();
        let name = format!("{select_name}_other");
        self.claim_name(&name, &format!("{path}.other"));
        let mut definition = Field::new(name.clone(), FieldType::Text)
            .with_label(Text::new("その他（具体的に）", "Other (please specify)"));
        definition.relevant = Some(format!("selected(${{{select_name}}}, 'other')"));
        definition.required = Some(Flag::Bool(true));
        let id = self.fields.len();
        self.fields.push(FormField {
            id,
            name,
            field_type: FieldType::Text,
            depth,
            parent,
            repeat,
            children: Vec::new(),
            path: path.to_owned(),
            other_of: Some(select),
            definition,
            level,
            own_level: None,
            logic: Logic::default(),
            choices: None,
        });
        if let Some(p) = parent {
            self.fields[p].children.push(id);
        }
    }
}

/// Keys that make no sense for a field's type are errors: they would be silently ignored.
fn check_field_keys(field: &Field, path: &str, errors: &mut Errors) {
    let t = field.field_type;
    let input = t.is_input();
    let no_default = matches!(
        t,
        FieldType::Consent
            | FieldType::File
            | FieldType::Image
            | FieldType::Name
            | FieldType::NameKana
            | FieldType::Address
            | FieldType::Geopoint
    );
    let checks: [(&str, bool, bool); 20] = [
        ("hint", field.hint.is_some(), t != FieldType::Calculate),
        (
            "required",
            field.required.is_some(),
            input && t != FieldType::Consent,
        ),
        ("required_message", field.required_message.is_some(), input),
        ("constraint", field.constraint.is_some(), input),
        (
            "constraint_message",
            field.constraint_message.is_some(),
            input,
        ),
        (
            "calculation",
            field.calculation.is_some(),
            t == FieldType::Calculate,
        ),
        ("default", field.default.is_some(), input && !no_default),
        (
            "read_only",
            field.read_only.is_some(),
            input && t != FieldType::Consent,
        ),
        ("choices", field.choices.is_some(), t.is_select()),
        (
            "choice_filter",
            field.choice_filter.is_some(),
            t.is_select(),
        ),
        ("other", field.other, t.is_select()),
        ("fields", !field.fields.is_empty(), t.is_container()),
        (
            "min_count",
            field.min_count.is_some(),
            t == FieldType::Repeat,
        ),
        (
            "max_count",
            field.max_count.is_some(),
            t == FieldType::Repeat,
        ),
        (
            "repeat_label",
            field.repeat_label.is_some(),
            t == FieldType::Repeat,
        ),
        ("min_length", field.min_length.is_some(), t.is_text()),
        ("max_length", field.max_length.is_some(), t.is_text()),
        ("accept", !field.accept.is_empty(), t.is_upload()),
        ("max_size_mb", field.max_size_mb.is_some(), t.is_upload()),
        (
            "keep_location",
            field.keep_location.is_some(),
            t == FieldType::Image,
        ),
    ];
    for (key, present, allowed) in checks {
        if present && !allowed {
            error(
                errors,
                "field.key_not_allowed",
                format!("{path}.{key}"),
                format!("{t} の項目には {key} は書けません"),
                format!("{key} cannot be used on a {t} field"),
            );
        }
    }
    let needs_label = input || t == FieldType::Note;
    match &field.label {
        None if needs_label => error(
            errors,
            "field.label_missing",
            path,
            format!("項目「{}」に label（質問文）がありません", field.name),
            format!("field {:?} has no label", field.name),
        ),
        Some(label) => check_text(errors, &format!("{path}.label"), label),
        None => {}
    }
    for (key, text) in [
        ("hint", &field.hint),
        ("required_message", &field.required_message),
        ("constraint_message", &field.constraint_message),
        ("repeat_label", &field.repeat_label),
    ] {
        if let Some(text) = text {
            check_text(errors, &format!("{path}.{key}"), text);
        }
    }
    if t == FieldType::Calculate && field.calculation.is_none() {
        error(
            errors,
            "field.calculation_missing",
            path,
            "calculate の項目には calculation（計算式）が必要です",
            "a calculate field needs a calculation",
        );
    }
    if t.is_select() && field.choices.is_none() {
        error(
            errors,
            "field.choices_missing",
            path,
            "選択式の項目には choices（選択肢リスト名）が必要です",
            "a select field needs choices (the name of a choice list)",
        );
    }
    if t.is_container() && field.fields.is_empty() {
        error(
            errors,
            "field.no_children",
            path,
            format!("{t} の中に項目がありません"),
            format!("the {t} has no fields"),
        );
    }
    if field.required_message.is_some() && field.required.is_none() {
        error(
            errors,
            "field.message_without_rule",
            format!("{path}.required_message"),
            "required がないのに required_message があります",
            "required_message is set but required is not",
        );
    }
    if field.constraint_message.is_some() && field.constraint.is_none() {
        error(
            errors,
            "field.message_without_rule",
            format!("{path}.constraint_message"),
            "constraint がないのに constraint_message があります",
            "constraint_message is set but constraint is not",
        );
    }
    check_limits(field, path, errors);
}

fn check_limits(field: &Field, path: &str, errors: &mut Errors) {
    let mut limit = |key: &str, ja: String, en: String| {
        error(
            errors,
            "field.invalid_limit",
            format!("{path}.{key}"),
            ja,
            en,
        );
    };
    let max_text = crate::validate::MAX_TEXT_CHARS;
    if let Some(max) = field.max_length
        && (max == 0 || max as usize > max_text)
    {
        limit(
            "max_length",
            format!("max_length は 1〜{max_text} にしてください"),
            format!("max_length must be 1–{max_text}"),
        );
    }
    if let (Some(min), Some(max)) = (field.min_length, field.max_length)
        && min > max
    {
        limit(
            "min_length",
            "min_length が max_length より大きくなっています".into(),
            "min_length is greater than max_length".into(),
        );
    }
    if let Some(max) = field.max_count
        && (max == 0 || max > MAX_REPEAT_ROWS)
    {
        limit(
            "max_count",
            format!("max_count は 1〜{MAX_REPEAT_ROWS} にしてください"),
            format!("max_count must be 1–{MAX_REPEAT_ROWS}"),
        );
    }
    if let (Some(min), Some(max)) = (field.min_count, field.max_count)
        && min > max
    {
        limit(
            "min_count",
            "min_count が max_count より大きくなっています".into(),
            "min_count is greater than max_count".into(),
        );
    }
    if field.min_count.is_some_and(|m| m > MAX_REPEAT_ROWS) {
        limit(
            "min_count",
            format!("min_count は {MAX_REPEAT_ROWS} 以下にしてください"),
            format!("min_count must be at most {MAX_REPEAT_ROWS}"),
        );
    }
    if let Some(mb) = field.max_size_mb
        && (mb == 0 || mb > MAX_UPLOAD_MB)
    {
        limit(
            "max_size_mb",
            format!("max_size_mb は 1〜{MAX_UPLOAD_MB} にしてください"),
            format!("max_size_mb must be 1–{MAX_UPLOAD_MB}"),
        );
    }
    for (i, mime) in field.accept.iter().enumerate() {
        let valid = mime.split_once('/').is_some_and(|(kind, sub)| {
            let token = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
            };
            token(kind) && (sub == "*" || token(sub))
        });
        if !valid {
            error(
                errors,
                "field.invalid_mime",
                format!("{path}.accept[{i}]"),
                format!(
                    "「{mime}」はファイル形式（例: application/pdf, image/*）として正しくありません"
                ),
                format!("{mime:?} is not a MIME type like application/pdf or image/*"),
            );
        }
    }
}

fn select_choices(
    field: &FormField,
    lists: &HashMap<String, Vec<Choice>>,
    errors: &mut Errors,
) -> Option<Arc<ChoiceSet>> {
    if !field.field_type.is_select() || field.other_of.is_some() {
        return None;
    }
    let list_name = field.definition.choices.as_ref()?;
    let Some(list) = lists.get(list_name) else {
        let suggestion = super::did_you_mean(list_name, lists.keys().map(String::as_str));
        let (ja, en) = suggestion.map_or((String::new(), String::new()), |s| {
            (
                format!("（{s} のことですか）"),
                format!(" (did you mean {s}?)"),
            )
        });
        error(
            errors,
            "field.unknown_choice_list",
            format!("{}.choices", field.path),
            format!("選択肢リスト「{list_name}」がありません{ja}"),
            format!("there is no choice list {list_name:?}{en}"),
        );
        return None;
    };
    let mut items = list.clone();
    if field.definition.other && !items.iter().any(|c| c.name == "other") {
        items.push(Choice::new("other", Text::new("その他", "Other")));
    }
    Some(Arc::new(ChoiceSet::new(items)))
}

fn compile_logic(field: &FormField, schema: &Schema, errors: &mut Errors) -> Logic {
    let def = &field.definition;
    let mut logic = Logic::default();
    let path = &field.path;
    // Implicit fields' expressions are Yui's own; their errors would point at the select.
    let props: Vec<String> = field
        .choices
        .as_ref()
        .map(|set| {
            set.items
                .iter()
                .flat_map(|c| c.props.keys().cloned())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        })
        .unwrap_or_default();
    let mut compile = |property: Property, key: &'static str, text: &str| {
        let at = format!("{path}.{key}");
        let tree = match expr::parse(text) {
            Ok(tree) => tree,
            Err(e) => {
                errors.push(DefinitionError::from_expr(at, e));
                return None;
            }
        };
        let scope = Scope {
            field: Some(field.id),
            property,
            choice_props: &props,
        };
        match expr::compile(&tree, schema, scope) {
            Ok(program) => {
                logic.trees.insert(key, tree);
                Some(program)
            }
            Err(list) => {
                for e in list {
                    errors.push(DefinitionError::from_expr(at.clone(), e));
                }
                None
            }
        }
    };
    logic.relevant = def
        .relevant
        .as_deref()
        .and_then(|t| compile(Property::Relevant, "relevant", t));
    logic.constraint = def
        .constraint
        .as_deref()
        .and_then(|t| compile(Property::Constraint, "constraint", t));
    logic.calculation = def
        .calculation
        .as_deref()
        .and_then(|t| compile(Property::Calculation, "calculation", t));
    logic.choice_filter = def
        .choice_filter
        .as_deref()
        .and_then(|t| compile(Property::ChoiceFilter, "choice_filter", t));
    logic.required = match &def.required {
        None | Some(Flag::Bool(false)) => Cond::Never,
        Some(Flag::Bool(true)) => Cond::Always,
        Some(Flag::Expr(t)) => {
            compile(Property::Required, "required", t).map_or(Cond::Never, Cond::When)
        }
    };
    if field.field_type == FieldType::Consent {
        logic.required = Cond::Always;
    }
    logic.read_only = match &def.read_only {
        None | Some(Flag::Bool(false)) => Cond::Never,
        Some(Flag::Bool(true)) => Cond::Always,
        Some(Flag::Expr(t)) => {
            compile(Property::ReadOnly, "read_only", t).map_or(Cond::Never, Cond::When)
        }
    };
    if let Some(DefaultValue::Expr(t)) = &def.default {
        logic.default = compile(Property::Default, "default", t).map(DefaultLogic::Expr);
    }
    for (key, text) in [("label", &def.label), ("hint", &def.hint)] {
        if let Some(text) = text {
            check_placeholders_refs(field, schema, key, text, errors);
        }
    }
    logic
}

/// `${name}` placeholders in a label or hint must name fields readable from this field.
fn check_placeholders_refs(
    field: &FormField,
    schema: &Schema,
    key: &str,
    text: &Text,
    errors: &mut Errors,
) {
    for (_, t) in text.texts() {
        let mut rest = t;
        let mut offset = 0usize;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let reference = &rest[start..start + len + 1];
            let column = offset + rest[..start].chars().count();
            let result = expr::parse(reference)
                .map_err(|e| vec![e])
                .and_then(|tree| {
                    let scope = Scope {
                        field: Some(field.id),
                        property: Property::Label,
                        choice_props: &[],
                    };
                    expr::compile(&tree, schema, scope)
                });
            if let Err(list) = result {
                for mut e in list {
                    e.span.start += u32::try_from(column).unwrap_or(0);
                    errors.push(DefinitionError::from_expr(
                        format!("{}.{key}", field.path),
                        e,
                    ));
                }
            }
            offset += rest[..start + len + 1].chars().count();
            rest = &rest[start + len + 1..];
        }
    }
}

/// Orders fields so each comes after the fields its relevance, calculation, default and
/// read-only rule read, and after its enclosing group or repeat. A cycle is an error naming
/// its fields.
fn evaluation_order(fields: &[FormField], errors: &mut Errors) -> Vec<FieldId> {
    let deps: Vec<Vec<FieldId>> = fields
        .iter()
        .map(|f| {
            let mut deps: Vec<FieldId> = f.parent.into_iter().collect();
            let programs = [
                f.logic.relevant.as_ref(),
                f.logic.calculation.as_ref(),
                match &f.logic.default {
                    Some(DefaultLogic::Expr(p)) => Some(p),
                    _ => None,
                },
                match &f.logic.read_only {
                    Cond::When(p) => Some(p),
                    _ => None,
                },
            ];
            for program in programs.into_iter().flatten() {
                deps.extend(program.deps.iter().copied().filter(|&d| d != f.id));
            }
            deps
        })
        .collect();
    // Iterative depth-first search; `state`: 0 new, 1 on the stack, 2 done.
    let mut state = vec![0u8; fields.len()];
    let mut order = Vec::with_capacity(fields.len());
    let mut reported = false;
    for root in 0..fields.len() {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(FieldId, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dep) = deps[node].get(*next) {
                *next += 1;
                match state[dep] {
                    0 => {
                        state[dep] = 1;
                        stack.push((dep, 0));
                    }
                    1 if !reported => {
                        reported = true;
                        let from = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let mut cycle: Vec<&str> = stack[from..]
                            .iter()
                            .map(|(n, _)| fields[*n].name.as_str())
                            .collect();
                        cycle.push(&fields[dep].name);
                        let first = &fields[dep];
                        let key = if first.logic.calculation.is_some() {
                            "calculation"
                        } else if first.logic.relevant.is_some() {
                            "relevant"
                        } else {
                            "default"
                        };
                        let chain = cycle.join(" → ");
                        error(
                            errors,
                            "expr.cycle",
                            format!("{}.{key}", first.path),
                            format!("計算や表示条件が循環しています: {chain}"),
                            format!(
                                "calculations or conditions depend on each other in a cycle: {chain}"
                            ),
                        );
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                order.push(node);
                stack.pop();
            }
        }
    }
    order
}

fn check_notifications(def: &AppDefinition, errors: &mut Errors) {
    let Some(notifications) = &def.notifications else {
        return;
    };
    let messages: [(&str, &Option<Message>); 2] = [
        ("confirmation", &notifications.confirmation),
        ("status_changed", &notifications.status_changed),
    ];
    for (name, message) in messages {
        let Some(message) = message else {
            continue;
        };
        for (part, text) in [("subject", &message.subject), ("body", &message.body)] {
            let path = format!("notifications.{name}.{part}");
            if text.ja.trim().is_empty() {
                error(
                    errors,
                    "text.empty",
                    &path,
                    "日本語の文を書いてください",
                    "the Japanese text is empty",
                );
            }
            for (_, t) in text.texts() {
                if let Err((code, ja, en)) = check_placeholders(t) {
                    error(errors, code, &path, ja, en);
                }
            }
        }
    }
}

/// Checks `{placeholder}` use in a notification text.
pub(crate) fn check_placeholders(text: &str) -> Result<(), (&'static str, String, String)> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == '}' {
                        closed = true;
                        break;
                    }
                    name.push(n);
                }
                if !closed {
                    return Err((
                        "notification.unbalanced_brace",
                        "{ が } で閉じられていません（文字の { は {{ と書きます）".into(),
                        "a { is not closed with } (write a literal { as {{)".into(),
                    ));
                }
                if !PLACEHOLDERS.contains(&name.as_str()) {
                    let list = PLACEHOLDERS
                        .iter()
                        .map(|p| format!("{{{p}}}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let suggestion = super::did_you_mean(&name, PLACEHOLDERS.iter().copied());
                    let (ja, en) = suggestion.map_or((String::new(), String::new()), |s| {
                        (
                            format!("（{{{s}}} のことですか）"),
                            format!(" (did you mean {{{s}}}?)"),
                        )
                    });
                    return Err((
                        "notification.unknown_placeholder",
                        format!(
                            "差し込み「{{{name}}}」はありません{ja}。使えるもの: {list}（文字の {{ は {{{{ と書きます）"
                        ),
                        format!(
                            "unknown placeholder {{{name}}}{en}; available: {list} (write a literal {{ as {{{{)"
                        ),
                    ));
                }
            }
            '}' => {
                return Err((
                    "notification.unbalanced_brace",
                    "対応する { のない } があります（文字の } は }} と書きます）".into(),
                    "a } without a matching { (write a literal } as }})".into(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}
