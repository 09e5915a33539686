//! The view of a form page: each question of the page as a [`FieldView`] the templates render
//! with one macro per kind, built from the compiled form, the evaluation of the answers so far
//! and the answers as typed. Everything that depends on the answers is decided here, not in
//! templates: whether a question is shown (relevance), required (`(任意)` otherwise), which
//! choices it offers (`choice_filter`), its notes with `${field}` filled in, and its errors.
//!
//! Questions that are not relevant are still rendered, with `hidden`, so the page script can
//! show them the moment an answer makes them relevant; without JavaScript they stay hidden,
//! and the server shows them when the page comes back.

use serde::Serialize;
use serde_json::{Map, Value};
use yui_core::error::FieldProblem;
use yui_domain::definition::{FieldType, Flag, Form, FormField, MAX_REPEAT_ROWS, Text};
use yui_domain::validate::{EvalContext, Evaluation, FieldState};

use super::answers::{DateParts, ERAS, parts_of};
use crate::i18n::Lang;

/// Which errors a page shows.
#[derive(Debug, Clone, Copy)]
pub enum ErrorMode<'a> {
    /// A page as first shown: no errors yet.
    Hidden,
    /// Every error of the questions rendered.
    All,
    /// Errors of the questions the resident could see when sending the page (a question that
    /// has just become relevant is shown first, without complaint).
    Shown(&'a [String]),
}

/// An error summary entry: the link to the question and the message.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorLink {
    pub href: String,
    pub message: String,
}

/// Text from a definition with the `lang` attribute it needs: `ja` when an English page falls
/// back to the Japanese text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Localised {
    pub text: String,
    pub lang: Option<&'static str>,
}

impl Localised {
    pub fn of(text: &Text, lang: Lang) -> Localised {
        Localised {
            text: text.get(lang.code()).to_owned(),
            lang: fallback_lang(text, lang),
        }
    }
}

fn fallback_lang(text: &Text, lang: Lang) -> Option<&'static str> {
    (lang == Lang::En && text.en.as_deref().is_none_or(str::is_empty)).then_some("ja")
}

/// One question as rendered.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    /// The macro that renders it: `input`, `textarea`, `date`, `radios`, `select`,
    /// `checkboxes`, `consent`, `parts` (name, address, location), `file`, `note`, `repeat`.
    pub kind: &'static str,
    /// The answer path, also the HTML `name` of simple inputs.
    pub path: String,
    /// The HTML id of the question (of its input, or of its fieldset).
    pub id: String,
    /// What error links and change links point at: the first input.
    pub anchor: String,
    pub label: Localised,
    pub hint: Option<Localised>,
    pub optional: bool,
    pub hidden: bool,
    pub error: Option<String>,
    /// The answer as typed (simple inputs).
    pub value: String,
    pub input_type: &'static str,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
    /// Width class of a one-line input.
    pub width: &'static str,
    pub readonly: bool,
    /// The label is the page's heading (one question per page).
    pub heading: bool,
    pub parts: Vec<PartView>,
    pub choices: Vec<ChoiceView>,
    /// Radios side by side (yes/no, likert).
    pub inline: bool,
    /// A location: the page script offers "use my location".
    pub geo: bool,
    /// Choices depend on other answers; the page script re-filters them.
    pub filtered: bool,
    pub file: Option<FileView>,
    pub accept: String,
    /// A note's text with its `${field}` placeholders, for the page script to refill.
    pub template: Option<String>,
    pub rows: Vec<RowView>,
    pub add: Option<AddView>,
}

/// One box of a compound answer (family name, postal code, era…).
#[derive(Debug, Clone, Serialize)]
pub struct PartView {
    pub name: String,
    pub id: String,
    pub label: String,
    pub value: String,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
    pub width: &'static str,
    /// Options of a select part (the era).
    pub options: Vec<ChoiceView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceView {
    pub value: String,
    pub id: String,
    pub label: Localised,
    pub checked: bool,
    /// Not offered with the current answers (`choice_filter`).
    pub hidden: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub name: String,
    pub size: String,
}

/// One row of a repeat.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub index: usize,
    pub id: String,
    pub legend: Localised,
    pub fields: Vec<FieldView>,
    /// The `_action` value of its remove button, when rows may be removed.
    pub remove: Option<String>,
    /// The marker input that keeps an unanswered row.
    pub marker: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AddView {
    pub action: String,
    pub label: Localised,
}

/// Builds the views of a page's questions.
pub struct Renderer<'a> {
    pub form: &'a Form,
    pub evaluation: &'a Evaluation,
    /// The answers as typed (what inputs show).
    pub raw: &'a Map<String, Value>,
    pub ctx: &'a EvalContext,
    pub lang: Lang,
    pub errors: ErrorMode<'a>,
    /// Refused uploads, by field.
    pub upload_errors: &'a [FieldProblem],
    /// Counter mode: the browser must remember nothing (`autocomplete="off"`).
    pub counter: bool,
    /// One question per page: the first question's label is the page heading.
    pub heading: bool,
}

/// The rendered questions of a page and its error summary, in page order.
pub struct Rendered {
    pub fields: Vec<FieldView>,
    pub errors: Vec<ErrorLink>,
    /// Paths of the questions shown now (for `_shown`).
    pub shown: Vec<String>,
}

/// Whether a question may need an answer, so it must not say "(任意)". A question that does
/// not apply yet has no `required` state of its own (the engine leaves it false), yet the page
/// script can show it at once: then the definition decides, and `required` given as an
/// expression counts as required.
fn may_be_required(field: &FormField, state: &FieldState) -> bool {
    if state.relevant {
        return state.required;
    }
    match &field.definition.required {
        None | Some(Flag::Bool(false)) => false,
        Some(Flag::Bool(true) | Flag::Expr(_)) => true,
    }
}

/// An HTML id for an answer path: `children[0].child_name` → `f-children-0-child_name`.
pub fn html_id(path: &str) -> String {
    let mut id = String::with_capacity(path.len() + 2);
    id.push_str("f-");
    for c in path.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' => id.push(c),
            ']' => {}
            _ => id.push('-'),
        }
    }
    id
}

impl Renderer<'_> {
    /// The views of the named top-level questions (a page's fields).
    pub fn render(&self, names: &[String]) -> Rendered {
        let mut out = Rendered {
            fields: Vec::new(),
            errors: Vec::new(),
            shown: Vec::new(),
        };
        for (i, name) in names.iter().enumerate() {
            let Some(field) = self.form.field(name) else {
                continue;
            };
            let heading = self.heading && i == 0;
            if let Some(view) =
                self.field(field, &[], name.clone(), self.raw, None, heading, &mut out)
            {
                out.fields.push(view);
            }
        }
        out
    }

    fn state(&self, path: &str) -> FieldState {
        self.evaluation.field(path).unwrap_or(FieldState {
            relevant: true,
            required: false,
            read_only: false,
            value: None,
            violations: Vec::new(),
        })
    }

    fn error_for(&self, path: &str, state: &FieldState) -> Option<String> {
        if let Some(problem) = self.upload_errors.iter().find(|p| p.field == path) {
            return Some(match self.lang {
                Lang::Ja => problem.message_ja.clone(),
                Lang::En => problem.message_en.clone(),
            });
        }
        let allowed = match self.errors {
            ErrorMode::Hidden => false,
            ErrorMode::All => true,
            ErrorMode::Shown(shown) => shown.iter().any(|s| s == path),
        };
        if !allowed || !state.relevant {
            return None;
        }
        state.violations.first().map(|v| match self.lang {
            Lang::Ja => v.message_ja.clone(),
            Lang::En => v.message_en.clone(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        field: &FormField,
        rows: &[usize],
        path: String,
        raw_row: &Map<String, Value>,
        row_legend: Option<&Localised>,
        heading: bool,
        out: &mut Rendered,
    ) -> Option<FieldView> {
        let t = field.field_type;
        if matches!(t, FieldType::Calculate | FieldType::Group) {
            return None;
        }
        let state = self.state(&path);
        let id = html_id(&path);
        let label_text = field.label();
        let label = self.filled(field, &label_text, rows);
        let hint = field
            .definition
            .hint
            .as_ref()
            .map(|h| self.filled(field, h, rows))
            .or_else(|| self.default_hint(t));
        let raw = raw_row.get(&field.name);
        let error = self.error_for(&path, &state);
        let mut view = FieldView {
            kind: "input",
            path: path.clone(),
            anchor: id.clone(),
            id,
            label,
            hint,
            optional: t.is_input() && t != FieldType::Consent && !may_be_required(field, &state),
            hidden: !state.relevant,
            error: None,
            value: raw.map(scalar_text).unwrap_or_default(),
            input_type: "text",
            autocomplete: None,
            inputmode: None,
            width: "",
            readonly: state.read_only,
            heading,
            parts: Vec::new(),
            choices: Vec::new(),
            inline: false,
            geo: t == FieldType::Geopoint,
            filtered: false,
            file: None,
            accept: String::new(),
            template: None,
            rows: Vec::new(),
            add: None,
        };
        let top = rows.is_empty();
        match t {
            FieldType::Text if field.definition.appearance.as_deref() == Some("multiline") => {
                view.kind = "textarea";
            }
            FieldType::Textarea => view.kind = "textarea",
            FieldType::Text | FieldType::Kana => {}
            FieldType::Integer => {
                view.inputmode = Some("numeric");
                view.width = "input-short";
            }
            FieldType::Decimal => {
                view.inputmode = Some("decimal");
                view.width = "input-short";
            }
            FieldType::Time => view.width = "input-short",
            FieldType::Datetime => view.width = "input-mid",
            FieldType::Email => {
                view.input_type = "email";
                view.autocomplete = top.then_some("email");
            }
            FieldType::Phone => {
                view.input_type = "tel";
                view.autocomplete = top.then_some("tel");
                view.width = "input-mid";
            }
            FieldType::PostalCode => {
                view.inputmode = Some("numeric");
                view.autocomplete = top.then_some("postal-code");
                view.width = "input-short";
            }
            FieldType::Date => {
                view.kind = "date";
                self.date_parts(field, &mut view, raw);
            }
            FieldType::SelectOne | FieldType::SelectMultiple | FieldType::YesNo => {
                self.choices(field, rows, &mut view, raw);
            }
            FieldType::Consent => {
                view.kind = "consent";
                view.choices = vec![ChoiceView {
                    value: "yes".into(),
                    id: view.id.clone(),
                    label: view.label.clone(),
                    checked: raw.is_some_and(is_ticked),
                    hidden: false,
                }];
            }
            FieldType::Name | FieldType::NameKana | FieldType::Address | FieldType::Geopoint => {
                view.kind = "parts";
                self.compound_parts(field, &mut view, raw, top);
            }
            FieldType::File | FieldType::Image => {
                view.kind = "file";
                view.accept = field.accepted_types().join(",");
                view.file = state
                    .value
                    .as_ref()
                    .or(raw)
                    .and_then(Value::as_object)
                    .and_then(|o| {
                        Some(FileView {
                            name: o.get("name")?.as_str()?.to_owned(),
                            size: human_size(o.get("size").and_then(Value::as_u64).unwrap_or(0)),
                        })
                    });
            }
            FieldType::Note => {
                view.kind = "note";
                view.optional = false;
                let template = label_text.get(self.lang.code());
                if template.contains("${") {
                    view.template = Some(template.to_owned());
                }
            }
            FieldType::Repeat => {
                view.kind = "repeat";
                view.optional = false;
                self.repeat_rows(field, rows, &mut view, raw, out);
            }
            FieldType::Calculate | FieldType::Group => return None,
        }
        if self.counter {
            view.autocomplete = Some("off");
            for part in &mut view.parts {
                part.autocomplete = Some("off");
            }
        }
        if let Some(message) = error {
            let label = match row_legend {
                Some(legend) => format!("{}（{}）", view.label.text, legend.text),
                None => view.label.text.clone(),
            };
            let message = format!("{label}：{message}");
            out.errors.push(ErrorLink {
                href: format!("#{}", view.anchor),
                message: message.clone(),
            });
            view.error = Some(message);
        }
        if !view.hidden && t != FieldType::Note {
            out.shown.push(path);
        }
        Some(view)
    }

    /// A label or hint with its `${field}` placeholders filled from the answers.
    fn filled(&self, field: &FormField, text: &Text, rows: &[usize]) -> Localised {
        let written = text.get(self.lang.code());
        let filled = if written.contains("${") {
            self.form.fill_field_refs(
                &field.name,
                written,
                self.evaluation.answers(),
                rows,
                self.ctx,
            )
        } else {
            written.to_owned()
        };
        Localised {
            text: filled,
            lang: fallback_lang(text, self.lang),
        }
    }

    /// An example for types whose accepted forms are not obvious.
    fn default_hint(&self, t: FieldType) -> Option<Localised> {
        let key = match t {
            FieldType::Time => "resident-hint-time",
            FieldType::Datetime => "resident-hint-datetime",
            FieldType::Geopoint => "resident-hint-geopoint",
            _ => return None,
        };
        Some(Localised {
            text: self.lang.t(key),
            lang: None,
        })
    }

    fn date_parts(&self, field: &FormField, view: &mut FieldView, raw: Option<&Value>) {
        let wareki = field.definition.appearance.as_deref() == Some("wareki");
        let default_era = if wareki { "令和" } else { "西暦" };
        let parts =
            DateParts::decompose(raw.and_then(Value::as_str).unwrap_or_default(), default_era);
        let era_id = format!("{}-era", view.id);
        view.anchor.clone_from(&era_id);
        let options = ERAS
            .iter()
            .map(|(name, en)| ChoiceView {
                value: (*name).to_owned(),
                id: String::new(),
                label: Localised {
                    text: match self.lang {
                        Lang::Ja => (*name).to_owned(),
                        Lang::En => (*en).to_owned(),
                    },
                    lang: None,
                },
                checked: parts.era == *name,
                hidden: false,
            })
            .collect();
        let boxed = |part: &str, value: &str, width: &'static str| PartView {
            name: format!("{}.{part}", view.path),
            id: format!("{}-{part}", view.id),
            label: self.lang.t(&format!("resident-date-{part}")),
            value: value.to_owned(),
            autocomplete: None,
            inputmode: Some("numeric"),
            width,
            options: Vec::new(),
        };
        view.parts = vec![
            PartView {
                name: format!("{}.era", view.path),
                id: era_id,
                label: self.lang.t("resident-date-era"),
                value: parts.era.clone(),
                autocomplete: None,
                inputmode: None,
                width: "",
                options,
            },
            boxed("year", &parts.year, "input-year"),
            boxed("month", &parts.month, "input-2"),
            boxed("day", &parts.day, "input-2"),
        ];
    }

    fn choices(
        &self,
        field: &FormField,
        rows: &[usize],
        view: &mut FieldView,
        raw: Option<&Value>,
    ) {
        let chosen: Vec<String> = match raw {
            Some(Value::Array(items)) => items.iter().map(scalar_text).collect(),
            Some(Value::String(s)) if field.field_type == FieldType::SelectMultiple => {
                s.split_whitespace().map(str::to_owned).collect()
            }
            Some(Value::Bool(b)) => vec![if *b { "yes" } else { "no" }.to_owned()],
            Some(v) => vec![scalar_text(v).trim().to_owned()],
            None => Vec::new(),
        };
        let appearance = field.definition.appearance.as_deref();
        if field.field_type == FieldType::YesNo {
            view.kind = "radios";
            view.inline = true;
            view.choices = [("yes", "answer-yes"), ("no", "answer-no")]
                .iter()
                .enumerate()
                .map(|(i, (value, key))| ChoiceView {
                    value: (*value).to_owned(),
                    id: choice_id(&view.id, i),
                    label: Localised {
                        text: self.lang.t(key),
                        lang: None,
                    },
                    checked: chosen.iter().any(|c| c == value),
                    hidden: false,
                })
                .collect();
            view.anchor = choice_id(&view.id, 0);
            return;
        }
        view.kind = match (field.field_type, appearance) {
            (FieldType::SelectMultiple, _) => "checkboxes",
            (_, Some("minimal")) => "select",
            _ => "radios",
        };
        view.inline = appearance == Some("likert");
        view.filtered = field.definition.choice_filter.is_some();
        let offered: Vec<&str> = if view.filtered {
            self.form
                .offered_choices(&field.name, self.evaluation.answers(), rows, self.ctx)
                .iter()
                .map(|c| c.name.as_str())
                .collect()
        } else {
            Vec::new()
        };
        view.choices = field
            .choices()
            .iter()
            .enumerate()
            .map(|(i, c)| ChoiceView {
                value: c.name.clone(),
                id: choice_id(&view.id, i),
                label: Localised::of(&c.label, self.lang),
                checked: chosen.contains(&c.name),
                hidden: view.filtered && !offered.contains(&c.name.as_str()),
            })
            .collect();
        if view.kind != "select" {
            view.anchor = choice_id(&view.id, 0);
        }
    }

    fn compound_parts(
        &self,
        field: &FormField,
        view: &mut FieldView,
        raw: Option<&Value>,
        top: bool,
    ) {
        let t = field.field_type;
        let object = raw.and_then(Value::as_object);
        let part_value = |part: &str| -> String {
            match (object, raw) {
                (Some(o), _) => o.get(part).map(scalar_text).unwrap_or_default(),
                // A whole name typed in one string (from another channel) shows in the first box.
                (None, Some(Value::String(s))) if part == parts_of(t)[0] => s.clone(),
                _ => String::new(),
            }
        };
        view.parts = parts_of(t)
            .iter()
            .map(|part| {
                let (autocomplete, inputmode, width) = match (t, *part) {
                    (FieldType::Name, "family") => (Some("family-name"), None, "input-mid"),
                    (FieldType::Name, "given") => (Some("given-name"), None, "input-mid"),
                    (FieldType::NameKana, _) => (None, None, "input-mid"),
                    (_, "postal_code") => (Some("postal-code"), Some("numeric"), "input-short"),
                    (_, "address") => (Some("address-line1"), None, ""),
                    (_, "building") => (Some("address-line2"), None, ""),
                    (_, _) => (None, Some("decimal"), "input-mid"),
                };
                PartView {
                    name: format!("{}.{part}", view.path),
                    id: format!("{}-{part}", view.id),
                    label: self
                        .lang
                        .t(&format!("resident-part-{}-{part}", type_key(t))),
                    value: part_value(part),
                    autocomplete: autocomplete.filter(|_| top),
                    inputmode,
                    width,
                    options: Vec::new(),
                }
            })
            .collect();
        if let Some(first) = view.parts.first() {
            view.anchor.clone_from(&first.id);
        }
    }

    fn repeat_rows(
        &self,
        field: &FormField,
        rows: &[usize],
        view: &mut FieldView,
        raw: Option<&Value>,
        out: &mut Rendered,
    ) {
        let list: &[Value] = raw.and_then(Value::as_array).map_or(&[], Vec::as_slice);
        let members: Vec<&FormField> = self
            .form
            .fields()
            .iter()
            .filter(|f| f.repeat == Some(field.id))
            .collect();
        let min = field.definition.min_count.unwrap_or(0) as usize;
        let max = field
            .definition
            .max_count
            .unwrap_or(MAX_REPEAT_ROWS)
            .min(MAX_REPEAT_ROWS) as usize;
        let legend_base = field.label();
        let empty = Map::new();
        for (i, row) in list.iter().enumerate() {
            let row_map = row.as_object().unwrap_or(&empty);
            let mut row_index = rows.to_vec();
            row_index.push(i);
            let row_path = format!("{}[{i}]", view.path);
            let legend = Localised {
                text: format!("{} {}", legend_base.get(self.lang.code()), i + 1),
                lang: fallback_lang(&legend_base, self.lang),
            };
            let fields = members
                .iter()
                .filter_map(|member| {
                    self.field(
                        member,
                        &row_index,
                        format!("{row_path}.{}", member.name),
                        row_map,
                        Some(&legend),
                        false,
                        out,
                    )
                })
                .collect();
            view.rows.push(RowView {
                index: i,
                id: html_id(&row_path),
                legend,
                fields,
                remove: (list.len() > min).then(|| format!("remove:{}:{i}", view.path)),
                marker: format!("{row_path}._row"),
            });
        }
        if list.len() < max {
            view.add = Some(AddView {
                action: format!("add:{}", view.path),
                label: field.definition.repeat_label.as_ref().map_or_else(
                    || Localised {
                        text: self.lang.t("resident-add-another"),
                        lang: None,
                    },
                    |l| Localised::of(l, self.lang),
                ),
            });
        }
        view.anchor = match view.rows.first() {
            Some(row) => row.id.clone(),
            None => format!("{}-add", view.id),
        };
    }
}

fn type_key(t: FieldType) -> &'static str {
    match t {
        FieldType::Name => "name",
        FieldType::NameKana => "kana",
        FieldType::Address => "address",
        _ => "geo",
    }
}

fn choice_id(id: &str, i: usize) -> String {
    format!("{id}-{i}")
}

/// A raw answer as the text of an input.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        _ => String::new(),
    }
}

fn is_ticked(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(s.trim(), "yes" | "on" | "true" | "1" | "はい"),
        _ => false,
    }
}

/// `1.2 MB`, `340 KB`.
pub fn human_size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let b = bytes as f64;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::{date, datetime};

    use super::*;

    const PLAY_ROOM: &str = include_str!("../../../../../templates/play-room-booking.yaml");

    fn ctx() -> EvalContext {
        EvalContext {
            today: date!(2026 - 04 - 01),
            now: datetime!(2026-04-01 09:00:00 +09:00),
        }
    }

    fn render(raw: &Value, names: &[&str], errors: ErrorMode<'_>, lang: Lang) -> Rendered {
        let form = Form::from_yaml(PLAY_ROOM).unwrap();
        let ctx = ctx();
        let evaluation = form.evaluate(raw, &ctx);
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        Renderer {
            form: &form,
            evaluation: &evaluation,
            raw: raw.as_object().unwrap(),
            ctx: &ctx,
            lang,
            errors,
            upload_errors: &[],
            counter: false,
            heading: false,
        }
        .render(&names)
    }

    #[test]
    fn ids_are_safe_and_distinct_per_path() {
        assert_eq!(html_id("children[0].child_name"), "f-children-0-child_name");
        assert_eq!(html_id("a.b"), "f-a-b");
        assert_ne!(html_id("children[1].x"), html_id("children[0].x"));
    }

    #[test]
    fn names_have_two_boxes_with_autocomplete_and_required_questions_are_not_optional() {
        let raw = json!({ "applicant_name": { "family": "山田", "given": "" } });
        let r = render(
            &raw,
            &["applicant_name", "phone"],
            ErrorMode::Hidden,
            Lang::Ja,
        );
        let name = &r.fields[0];
        assert_eq!(name.kind, "parts");
        assert_eq!(name.parts[0].name, "applicant_name.family");
        assert_eq!(name.parts[0].value, "山田");
        assert_eq!(name.parts[0].autocomplete, Some("family-name"));
        assert_eq!(name.anchor, "f-applicant_name-family");
        assert!(!name.optional);
        assert_eq!(r.fields[1].input_type, "tel");
        assert!(r.errors.is_empty(), "no errors before the page is sent");
    }

    #[test]
    fn a_required_question_that_does_not_apply_yet_is_not_marked_optional() {
        let raw = json!({ "children": [{ "child_name": "太郎", "allergy": "no" }] });
        let r = render(&raw, &["children"], ErrorMode::Hidden, Lang::Ja);
        let detail = r.fields[0].rows[0]
            .fields
            .iter()
            .find(|f| f.path == "children[0].allergy_detail")
            .unwrap();
        assert!(detail.hidden, "it applies only after yes");
        assert!(
            !detail.optional,
            "the page script shows it at once, and it is required then"
        );
    }

    #[test]
    fn errors_carry_the_label_and_are_listed_in_page_order() {
        let raw = json!({ "phone": "123" });
        let r = render(&raw, &["applicant_name", "phone"], ErrorMode::All, Lang::Ja);
        assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
        assert_eq!(r.errors[0].href, "#f-applicant_name-family");
        assert!(
            r.errors[0].message.starts_with("保護者の氏名："),
            "{:?}",
            r.errors
        );
        assert_eq!(r.fields[1].value, "123", "what was typed is kept");
        assert_eq!(
            r.fields[1].error.as_deref(),
            Some(r.errors[1].message.as_str())
        );
    }

    #[test]
    fn only_questions_that_were_shown_complain() {
        let raw = json!({ "children": [{ "child_name": "太郎", "child_birth": "2022-05-05", "allergy": "yes" }] });
        let shown = [
            "children[0].child_name".to_owned(),
            "children[0].allergy".to_owned(),
        ];
        let r = render(&raw, &["children"], ErrorMode::Shown(&shown), Lang::Ja);
        let row = &r.fields[0].rows[0];
        let detail = row
            .fields
            .iter()
            .find(|f| f.path == "children[0].allergy_detail")
            .unwrap();
        assert!(!detail.hidden, "the allergy question became relevant");
        assert!(detail.error.is_none(), "it is shown first, not scolded");
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(r.shown.contains(&"children[0].allergy_detail".to_owned()));
    }

    #[test]
    fn irrelevant_questions_are_rendered_hidden_and_notes_are_filled() {
        let raw = json!({ "children": [{ "child_name": "太郎", "child_birth": "2022-05-05", "allergy": "no" }] });
        let r = render(&raw, &["children"], ErrorMode::Hidden, Lang::Ja);
        let row = &r.fields[0].rows[0];
        assert_eq!(row.legend.text, "利用するお子さん 1");
        let detail = row
            .fields
            .iter()
            .find(|f| f.path.ends_with("allergy_detail"))
            .unwrap();
        assert!(detail.hidden);
        let note = row.fields.iter().find(|f| f.kind == "note").unwrap();
        assert_eq!(note.label.text, "太郎さんは 3 歳です");
        assert!(note.template.as_deref().unwrap().contains("${child_age}"));
        assert!(
            row.fields.iter().all(|f| f.path != "children[0].child_age"),
            "calculations are not shown"
        );
        assert!(row.remove.is_none(), "min_count 1: the only row stays");
        assert_eq!(r.fields[0].add.as_ref().unwrap().action, "add:children");
    }

    #[test]
    fn filtered_choices_hide_what_the_answers_rule_out_and_dates_show_their_era() {
        // 2026-04-11 is a Saturday: only the morning slot.
        let raw = json!({ "use_date": "令和8年4月11日", "slot": "am" });
        let r = render(&raw, &["use_date", "slot"], ErrorMode::Hidden, Lang::En);
        let date = &r.fields[0];
        assert_eq!(date.kind, "date");
        assert_eq!(date.parts[0].value, "令和");
        assert_eq!(date.parts[1].value, "8");
        assert_eq!(date.parts[0].options[0].label.text, "Reiwa");
        let slot = &r.fields[1];
        assert!(slot.filtered);
        assert!(!slot.choices[0].hidden && slot.choices[0].checked);
        assert!(slot.choices[1].hidden);
        assert_eq!(slot.choices[0].label.text, "Morning (9:00–12:00)");
        assert_eq!(slot.label.lang, None, "the app has English text");
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(10), "1 KB");
        assert_eq!(human_size(2048), "2 KB");
        assert_eq!(human_size(3 * 1024 * 1024 + 1), "3.0 MB");
    }
}
