//! [`Form`]: a checked, compiled definition. Expressions are parsed once and resolved to field
//! ids, fields are flattened with their nesting, and the order in which relevance and
//! calculations are evaluated is fixed. Everything that renders or validates a submission
//! works from a `Form`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::model::{AppDefinition, Choice, DisplayMode, Field, FieldType};
use super::text::Text;
use crate::expr::{Expr, FieldId, Program, Schema};
use crate::workflow::Workflow;

/// A checked definition, ready to render and validate submissions.
#[derive(Debug, Clone)]
pub struct Form {
    pub(crate) definition: AppDefinition,
    pub(crate) fields: Vec<FormField>,
    /// Shared with evaluations, which name fields by path long after the form is gone.
    pub(crate) schema: Arc<Schema>,
    /// Order in which relevance and values are worked out: every field after what it reads.
    pub(crate) order: Vec<FieldId>,
    /// Per level (0 = top, then one per repeat): the fields whose nearest repeat it is.
    pub(crate) levels: Vec<Level>,
    pub(crate) workflow: Workflow,
}

#[derive(Debug, Clone)]
pub(crate) struct Level {
    /// Fields directly at this level (groups are transparent; nested repeats included).
    pub members: Vec<FieldId>,
}

/// One field of a form, with its place in the nesting.
#[derive(Debug, Clone)]
pub struct FormField {
    pub id: FieldId,
    pub name: String,
    pub field_type: FieldType,
    /// 0 for top-level fields, 1 inside one group or repeat, …
    pub depth: usize,
    /// The enclosing group or repeat.
    pub parent: Option<FieldId>,
    /// The nearest enclosing repeat.
    pub repeat: Option<FieldId>,
    pub children: Vec<FieldId>,
    /// Where the field is written in the definition: `fields[2].fields[0]`.
    pub path: String,
    /// For the implicit `<name>_other` text field: the select it belongs to.
    pub other_of: Option<FieldId>,
    /// The field as written (children left out); made up for implicit fields.
    pub definition: Field,
    pub(crate) level: usize,
    /// For repeats: the level of their rows.
    pub(crate) own_level: Option<usize>,
    pub(crate) logic: Logic,
    pub(crate) choices: Option<Arc<ChoiceSet>>,
}

/// Compiled expressions of one field.
#[derive(Debug, Clone, Default)]
pub(crate) struct Logic {
    pub relevant: Option<Program>,
    pub required: Cond,
    pub read_only: Cond,
    pub constraint: Option<Program>,
    pub calculation: Option<Program>,
    pub choice_filter: Option<Program>,
    pub default: Option<DefaultLogic>,
    /// The syntax trees by property, for the browser bundle.
    pub trees: BTreeMap<&'static str, Expr>,
}

#[derive(Debug, Clone, Default)]
pub(crate) enum Cond {
    #[default]
    Never,
    Always,
    When(Program),
}

#[derive(Debug, Clone)]
pub(crate) enum DefaultLogic {
    /// A literal, already normalised.
    Value(Value),
    Expr(Program),
}

/// A choice list as a select field uses it (with `other` added when asked for).
#[derive(Debug, Clone)]
pub(crate) struct ChoiceSet {
    pub items: Vec<Choice>,
    pub index: HashMap<String, usize>,
    /// Each choice as an object (`name`, `label` in Japanese, extra columns) for
    /// `choice_filter`.
    pub objects: Vec<Map<String, Value>>,
}

impl ChoiceSet {
    pub(crate) fn new(items: Vec<Choice>) -> Self {
        let index = items
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        let objects = items
            .iter()
            .map(|c| {
                let mut object = Map::new();
                for (key, value) in &c.props {
                    object.insert(key.clone(), value.to_json());
                }
                object.insert("name".into(), Value::String(c.name.clone()));
                object.insert("label".into(), Value::String(c.label.ja.clone()));
                object
            })
            .collect();
        ChoiceSet {
            items,
            index,
            objects,
        }
    }
}

impl FormField {
    /// Whether `name` is one of this select's choices.
    pub fn has_choice(&self, name: &str) -> bool {
        self.choice_position(name).is_some()
    }

    pub(crate) fn choice_position(&self, name: &str) -> Option<usize> {
        self.choices
            .as_ref()
            .and_then(|c| c.index.get(name).copied())
    }

    pub(crate) fn choice_count(&self) -> usize {
        self.choices.as_ref().map_or(0, |c| c.items.len())
    }

    /// The choices of a select (with `other` when the field asks for it).
    pub fn choices(&self) -> &[Choice] {
        self.choices.as_ref().map_or(&[], |c| c.items.as_slice())
    }

    /// The MIME types a file or image field accepts.
    pub fn accepted_types(&self) -> Vec<&str> {
        if !self.definition.accept.is_empty() {
            return self.definition.accept.iter().map(String::as_str).collect();
        }
        let defaults = if self.field_type == FieldType::Image {
            crate::validate::DEFAULT_IMAGE_TYPES
        } else {
            crate::validate::DEFAULT_FILE_TYPES
        };
        defaults.to_vec()
    }

    /// Whether an upload of `content_type` is accepted (`image/*` patterns allowed).
    pub fn accepts(&self, content_type: &str) -> bool {
        self.accepted_types()
            .iter()
            .any(|accepted| match accepted.strip_suffix("/*") {
                Some(kind) => content_type
                    .split_once('/')
                    .is_some_and(|(k, sub)| k == kind && !sub.is_empty()),
                None => *accepted == content_type,
            })
    }

    /// The question as shown, falling back to the name.
    pub fn label(&self) -> Text {
        self.definition
            .label
            .clone()
            .unwrap_or_else(|| Text::from(self.name.clone()))
    }
}

/// One page of the resident form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// Stable within a version: the group's name, or the first field's.
    pub name: String,
    /// The group's label, when the page is a group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Text>,
    /// Fields shown on the page, in order; a repeat appears once (its rows render inside it).
    pub fields: Vec<String>,
}

impl Form {
    /// The definition as written.
    pub fn definition(&self) -> &AppDefinition {
        &self.definition
    }

    /// All fields in document order (groups before their children; each implicit
    /// `<name>_other` right after its select).
    pub fn fields(&self) -> &[FormField] {
        &self.fields
    }

    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.schema.id(name).map(|id| &self.fields[id])
    }

    /// The workflow in force: the definition's own, or Yui's default.
    pub fn workflow(&self) -> &Workflow {
        &self.workflow
    }

    /// The names of the repeats enclosing `field`, outermost first.
    pub fn repeat_chain(&self, field: FieldId) -> Vec<&str> {
        self.schema
            .chain(field)
            .iter()
            .map(|&r| self.fields[r].name.as_str())
            .collect()
    }

    /// The pages of the resident form for the definition's display mode.
    pub fn pages(&self) -> Vec<Page> {
        let top: Vec<&FormField> = self.fields.iter().filter(|f| f.parent.is_none()).collect();
        let mut pages: Vec<Page> = Vec::new();
        match self.definition.display.mode {
            DisplayMode::Pages => {
                let mut loose: Vec<String> = Vec::new();
                for field in top {
                    match field.field_type {
                        FieldType::Group => {
                            flush(&mut loose, &mut pages);
                            let mut fields = Vec::new();
                            self.page_items(field.id, &mut fields);
                            pages.push(Page {
                                name: field.name.clone(),
                                title: field.definition.label.clone(),
                                fields,
                            });
                        }
                        FieldType::Repeat => {
                            flush(&mut loose, &mut pages);
                            pages.push(Page {
                                name: field.name.clone(),
                                title: field.definition.label.clone(),
                                fields: vec![field.name.clone()],
                            });
                        }
                        FieldType::Calculate => {}
                        _ => loose.push(field.name.clone()),
                    }
                }
                flush(&mut loose, &mut pages);
            }
            DisplayMode::OnePerPage => {
                for field in &self.fields {
                    let shown = field.field_type != FieldType::Calculate
                        && field.field_type != FieldType::Group
                        && field.repeat.is_none()
                        && field.other_of.is_none();
                    if !shown {
                        continue;
                    }
                    let mut fields = vec![field.name.clone()];
                    // The "please specify" box belongs with its select.
                    fields.extend(
                        self.fields
                            .iter()
                            .filter(|f| f.other_of == Some(field.id))
                            .map(|f| f.name.clone()),
                    );
                    pages.push(Page {
                        name: field.name.clone(),
                        title: None,
                        fields,
                    });
                }
            }
        }
        pages
    }

    /// Fields of a group page: nested groups flattened, repeats as one entry.
    fn page_items(&self, group: FieldId, out: &mut Vec<String>) {
        for &child in &self.fields[group].children {
            let field = &self.fields[child];
            match field.field_type {
                FieldType::Group => self.page_items(child, out),
                FieldType::Calculate => {}
                _ => out.push(field.name.clone()),
            }
        }
        // Implicit `_other` fields are not children in the definition; keep them by their select.
        let extra: Vec<(usize, String)> = out
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                let id = self.schema.id(name)?;
                let other = self.fields.iter().find(|f| f.other_of == Some(id))?;
                (!out.contains(&other.name)).then(|| (i + 1, other.name.clone()))
            })
            .collect();
        for (offset, (at, name)) in extra.into_iter().enumerate() {
            out.insert(at + offset, name);
        }
    }

    /// The logic the browser needs for live show/hide, calculations and hints: per field its
    /// type, parent repeat and expression trees (JSON form), the evaluation order, and the
    /// choices of filtered selects. See `docs/expressions.md`.
    pub fn client_logic(&self) -> Value {
        let mut fields = Map::new();
        let mut choices = Map::new();
        for field in &self.fields {
            let mut entry = Map::new();
            entry.insert("type".into(), json!(field.field_type.as_str()));
            if let Some(repeat) = field.repeat {
                entry.insert("repeat".into(), json!(self.fields[repeat].name));
            }
            if let Some(parent) = field.parent {
                entry.insert("parent".into(), json!(self.fields[parent].name));
            }
            for (key, cond) in [
                ("required", &field.logic.required),
                ("read_only", &field.logic.read_only),
            ] {
                match cond {
                    Cond::Never => {}
                    Cond::Always => {
                        entry.insert(key.into(), json!(true));
                    }
                    Cond::When(_) => {
                        if let Some(tree) = field.logic.trees.get(key) {
                            entry.insert(key.into(), tree.to_json());
                        }
                    }
                }
            }
            for key in ["relevant", "constraint", "calculation", "choice_filter"] {
                if let Some(tree) = field.logic.trees.get(key) {
                    entry.insert(key.into(), tree.to_json());
                }
            }
            match &field.logic.default {
                Some(DefaultLogic::Value(v)) => {
                    entry.insert("default".into(), json!({ "value": v }));
                }
                Some(DefaultLogic::Expr(_)) => {
                    if let Some(tree) = field.logic.trees.get("default") {
                        entry.insert("default".into(), json!({ "expr": tree.to_json() }));
                    }
                }
                None => {}
            }
            if field.logic.choice_filter.is_some()
                && let Some(set) = &field.choices
            {
                choices.insert(
                    field.name.clone(),
                    Value::Array(set.objects.iter().cloned().map(Value::Object).collect()),
                );
            }
            fields.insert(field.name.clone(), Value::Object(entry));
        }
        let order: Vec<&str> = self
            .order
            .iter()
            .map(|&id| self.fields[id].name.as_str())
            .collect();
        json!({ "version": 1, "fields": fields, "order": order, "choices": choices })
    }
}

fn flush(loose: &mut Vec<String>, pages: &mut Vec<Page>) {
    if loose.is_empty() {
        return;
    }
    let fields = std::mem::take(loose);
    pages.push(Page {
        name: fields[0].clone(),
        title: None,
        fields,
    });
}
