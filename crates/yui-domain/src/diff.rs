//! What changed between two versions of a definition, and which of those changes could orphan
//! answers already stored.
//!
//! Changes are listed at the grain a later three-way merge needs: one entry per field property
//! (`FieldChanged { field, property, old, new }`), per choice, per workflow item and per
//! notification text, each keyed by stable names rather than positions. Fields are identified
//! by name (names are unique in a form), so a renamed field shows as removed plus added.

pub mod words;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use crate::definition::{AppDefinition, Field, FieldType};
use crate::workflow::Workflow;

/// All changes from one definition to another, in a stable order, with the breaking ones
/// worked out from both versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DefinitionDiff {
    pub changes: Vec<Change>,
    breaking: Vec<BreakingChange>,
}

/// One change. `old`/`new` are JSON as the definition writes them (`null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A top-level setting: `title`, `description`, `audience`, `category`, `keywords`,
    /// `start`, `display`.
    Setting {
        key: &'static str,
        old: Value,
        new: Value,
    },
    FieldAdded {
        field: String,
        field_type: FieldType,
        parent: Option<String>,
        position: usize,
    },
    FieldRemoved {
        field: String,
        field_type: FieldType,
        parent: Option<String>,
        /// The repeat whose rows held the field's answers.
        repeat: Option<String>,
    },
    /// Moved to another group or repeat, or reordered among its siblings.
    FieldMoved {
        field: String,
        from_parent: Option<String>,
        to_parent: Option<String>,
        from_position: usize,
        to_position: usize,
    },
    /// One property (`label`, `type`, `required`, `relevant`, `constraint`, `choices`, …).
    FieldChanged {
        field: String,
        property: String,
        old: Value,
        new: Value,
    },
    ChoiceListAdded {
        list: String,
    },
    ChoiceListRemoved {
        list: String,
    },
    ChoiceAdded {
        list: String,
        choice: String,
        position: usize,
    },
    ChoiceRemoved {
        list: String,
        choice: String,
    },
    /// `label` or an extra column of a choice.
    ChoiceChanged {
        list: String,
        choice: String,
        property: String,
        old: Value,
        new: Value,
    },
    ChoicesReordered {
        list: String,
        old: Vec<String>,
        new: Vec<String>,
    },
    /// `initial`, `state:<name>` or `transition:<from>→<to>`; `null` when added or removed.
    WorkflowChanged {
        item: String,
        old: Value,
        new: Value,
    },
    /// `confirmation.subject`, `status_changed.body`, …
    NotificationChanged {
        text: String,
        old: Value,
        new: Value,
    },
}

/// A change that could leave stored answers without a home, named so the publish use case
/// can count the submissions it affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakingChange {
    /// `field.removed`, `field.type_changed`, `field.repeat_changed`, `choice.removed`.
    pub code: &'static str,
    /// The field whose stored answers are affected (its name in the old version).
    pub field: String,
    /// The repeat whose rows held the answers in the old version, if any.
    pub repeat: Option<String>,
    /// For `choice.removed`: the choice stored answers may hold.
    pub choice: Option<String>,
    pub message_ja: String,
    pub message_en: String,
}

impl DefinitionDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Changes that could orphan answers stored under the old version, each naming the
    /// field (and choice), so publishing can count the submissions affected.
    pub fn breaking_changes(&self) -> &[BreakingChange] {
        &self.breaking
    }
}

/// Compares two definitions.
pub fn diff(old: &AppDefinition, new: &AppDefinition) -> DefinitionDiff {
    let mut changes = Vec::new();
    settings(old, new, &mut changes);
    let old_fields = flatten(&old.fields);
    let new_fields = flatten(&new.fields);
    fields(&old_fields, &new_fields, &mut changes);
    choices(old, new, &mut changes);
    workflow(old, new, &mut changes);
    notifications(old, new, &mut changes);
    let breaking = breaking(old, new, &old_fields, &new_fields);
    DefinitionDiff { changes, breaking }
}

fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn settings(old: &AppDefinition, new: &AppDefinition, changes: &mut Vec<Change>) {
    let pairs: [(&'static str, Value, Value); 7] = [
        ("title", json(&old.title), json(&new.title)),
        (
            "description",
            json(&old.description),
            json(&new.description),
        ),
        ("audience", json(&old.audience), json(&new.audience)),
        ("category", json(&old.category), json(&new.category)),
        ("keywords", json(&old.keywords), json(&new.keywords)),
        ("start", json(&old.start), json(&new.start)),
        ("display", json(&old.display), json(&new.display)),
    ];
    for (key, old, new) in pairs {
        if old != new {
            changes.push(Change::Setting { key, old, new });
        }
    }
}

/// A field with its place in the tree.
struct Placed<'a> {
    field: &'a Field,
    parent: Option<&'a str>,
    repeat: Option<&'a str>,
    position: usize,
}

fn flatten(fields: &[Field]) -> Vec<Placed<'_>> {
    fn walk<'a>(
        list: &'a [Field],
        parent: Option<&'a str>,
        repeat: Option<&'a str>,
        out: &mut Vec<Placed<'a>>,
    ) {
        for (position, field) in list.iter().enumerate() {
            out.push(Placed {
                field,
                parent,
                repeat,
                position,
            });
            let child_repeat = if field.field_type == FieldType::Repeat {
                Some(field.name.as_str())
            } else {
                repeat
            };
            walk(&field.fields, Some(&field.name), child_repeat, out);
        }
    }
    let mut out = Vec::new();
    walk(fields, None, None, &mut out);
    out
}

/// A field's properties as written, without its name and children.
fn properties(field: &Field) -> BTreeMap<String, Value> {
    match json(field) {
        Value::Object(map) => map
            .into_iter()
            .filter(|(k, _)| k != "name" && k != "fields")
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn fields(old: &[Placed<'_>], new: &[Placed<'_>], changes: &mut Vec<Change>) {
    let old_by_name: HashMap<&str, &Placed<'_>> =
        old.iter().map(|p| (p.field.name.as_str(), p)).collect();
    let new_by_name: HashMap<&str, &Placed<'_>> =
        new.iter().map(|p| (p.field.name.as_str(), p)).collect();
    for placed in old {
        if !new_by_name.contains_key(placed.field.name.as_str()) {
            changes.push(Change::FieldRemoved {
                field: placed.field.name.clone(),
                field_type: placed.field.field_type,
                parent: placed.parent.map(str::to_owned),
                repeat: placed.repeat.map(str::to_owned),
            });
        }
    }
    for placed in new {
        if !old_by_name.contains_key(placed.field.name.as_str()) {
            changes.push(Change::FieldAdded {
                field: placed.field.name.clone(),
                field_type: placed.field.field_type,
                parent: placed.parent.map(str::to_owned),
                position: placed.position,
            });
        }
    }
    // Reordering: among fields kept under the same parent, those outside the longest common
    // subsequence of the two orders moved.
    let mut parents: BTreeSet<Option<&str>> = BTreeSet::new();
    parents.extend(new.iter().map(|p| p.parent));
    let mut reordered: BTreeSet<&str> = BTreeSet::new();
    for parent in parents {
        let kept = |list: &[Placed<'_>], other: &HashMap<&str, &Placed<'_>>| -> Vec<String> {
            list.iter()
                .filter(|p| p.parent == parent)
                .filter(|p| {
                    other
                        .get(p.field.name.as_str())
                        .is_some_and(|o| o.parent == parent)
                })
                .map(|p| p.field.name.clone())
                .collect()
        };
        let before = kept(old, &new_by_name);
        let after = kept(new, &old_by_name);
        let stable = lcs(&before, &after);
        for name in &after {
            if !stable.contains(name)
                && let Some(p) = new_by_name.get(name.as_str())
            {
                reordered.insert(p.field.name.as_str());
            }
        }
    }
    for placed in new {
        let name = placed.field.name.as_str();
        let Some(before) = old_by_name.get(name) else {
            continue;
        };
        if before.parent != placed.parent || reordered.contains(name) {
            changes.push(Change::FieldMoved {
                field: name.to_owned(),
                from_parent: before.parent.map(str::to_owned),
                to_parent: placed.parent.map(str::to_owned),
                from_position: before.position,
                to_position: placed.position,
            });
        }
        let old_props = properties(before.field);
        let new_props = properties(placed.field);
        let keys: BTreeSet<&String> = old_props.keys().chain(new_props.keys()).collect();
        for key in keys {
            let old_value = old_props.get(key).cloned().unwrap_or(Value::Null);
            let new_value = new_props.get(key).cloned().unwrap_or(Value::Null);
            if old_value != new_value {
                changes.push(Change::FieldChanged {
                    field: name.to_owned(),
                    property: key.clone(),
                    old: old_value,
                    new: new_value,
                });
            }
        }
    }
}

/// Longest common subsequence of two name lists.
fn lcs(a: &[String], b: &[String]) -> BTreeSet<String> {
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = BTreeSet::new();
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.insert(a[i].clone());
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn choices(old: &AppDefinition, new: &AppDefinition, changes: &mut Vec<Change>) {
    for list in old.choices.keys() {
        if !new.choices.contains_key(list) {
            changes.push(Change::ChoiceListRemoved { list: list.clone() });
        }
    }
    for (list, new_items) in &new.choices {
        let Some(old_items) = old.choices.get(list) else {
            changes.push(Change::ChoiceListAdded { list: list.clone() });
            continue;
        };
        let old_names: Vec<String> = old_items.iter().map(|c| c.name.clone()).collect();
        let new_names: Vec<String> = new_items.iter().map(|c| c.name.clone()).collect();
        for item in old_items {
            if !new_names.contains(&item.name) {
                changes.push(Change::ChoiceRemoved {
                    list: list.clone(),
                    choice: item.name.clone(),
                });
            }
        }
        for (position, item) in new_items.iter().enumerate() {
            let Some(before) = old_items.iter().find(|c| c.name == item.name) else {
                changes.push(Change::ChoiceAdded {
                    list: list.clone(),
                    choice: item.name.clone(),
                    position,
                });
                continue;
            };
            let props = |choice: &crate::definition::Choice| -> BTreeMap<String, Value> {
                match json(choice) {
                    Value::Object(map) => map.into_iter().filter(|(k, _)| k != "name").collect(),
                    _ => BTreeMap::new(),
                }
            };
            let (a, b) = (props(before), props(item));
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let old_value = a.get(key).cloned().unwrap_or(Value::Null);
                let new_value = b.get(key).cloned().unwrap_or(Value::Null);
                if old_value != new_value {
                    changes.push(Change::ChoiceChanged {
                        list: list.clone(),
                        choice: item.name.clone(),
                        property: key.clone(),
                        old: old_value,
                        new: new_value,
                    });
                }
            }
        }
        let kept_before: Vec<String> = old_names
            .iter()
            .filter(|n| new_names.contains(n))
            .cloned()
            .collect();
        let kept_after: Vec<String> = new_names
            .iter()
            .filter(|n| old_names.contains(n))
            .cloned()
            .collect();
        if kept_before != kept_after {
            changes.push(Change::ChoicesReordered {
                list: list.clone(),
                old: old_names,
                new: new_names,
            });
        }
    }
}

fn workflow(old: &AppDefinition, new: &AppDefinition, changes: &mut Vec<Change>) {
    let a = old.workflow.clone().unwrap_or_default();
    let b = new.workflow.clone().unwrap_or_default();
    let initial = |w: &Workflow| json(&w.initial_state().map(|s| s.name.clone()));
    if initial(&a) != initial(&b) {
        changes.push(Change::WorkflowChanged {
            item: "initial".into(),
            old: initial(&a),
            new: initial(&b),
        });
    }
    let states = |w: &Workflow| -> BTreeMap<String, Value> {
        w.states
            .iter()
            .map(|s| (format!("state:{}", s.name), json(s)))
            .collect()
    };
    let transitions = |w: &Workflow| -> BTreeMap<String, Value> {
        w.transitions
            .iter()
            .map(|t| (format!("transition:{}→{}", t.from, t.to), json(t)))
            .collect()
    };
    for (before, after) in [(states(&a), states(&b)), (transitions(&a), transitions(&b))] {
        let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for key in keys {
            let old_value = before.get(key).cloned().unwrap_or(Value::Null);
            let new_value = after.get(key).cloned().unwrap_or(Value::Null);
            if old_value != new_value {
                changes.push(Change::WorkflowChanged {
                    item: key.clone(),
                    old: old_value,
                    new: new_value,
                });
            }
        }
    }
}

fn notifications(old: &AppDefinition, new: &AppDefinition, changes: &mut Vec<Change>) {
    let texts = |d: &AppDefinition| -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        if let Some(n) = &d.notifications {
            for (name, message) in [
                ("confirmation", &n.confirmation),
                ("status_changed", &n.status_changed),
            ] {
                if let Some(m) = message {
                    out.insert(format!("{name}.subject"), json(&m.subject));
                    out.insert(format!("{name}.body"), json(&m.body));
                }
            }
        }
        out
    };
    let (a, b) = (texts(old), texts(new));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let old_value = a.get(key).cloned().unwrap_or(Value::Null);
        let new_value = b.get(key).cloned().unwrap_or(Value::Null);
        if old_value != new_value {
            changes.push(Change::NotificationChanged {
                text: key.clone(),
                old: old_value,
                new: new_value,
            });
        }
    }
}

/// Type changes that keep every stored value readable as the new type.
fn compatible(from: FieldType, to: FieldType) -> bool {
    use FieldType as T;
    from == to
        || matches!(
            (from, to),
            (T::Text, T::Textarea)
                | (T::Integer, T::Decimal)
                | (
                    T::Kana | T::Email | T::Phone | T::PostalCode,
                    T::Text | T::Textarea
                )
        )
}

/// The choice names a select field's answers may hold.
fn choice_names(definition: &AppDefinition, field: &Field) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = field
        .choices
        .as_ref()
        .and_then(|list| definition.choices.get(list))
        .map(|items| items.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    if field.other {
        names.insert("other".into());
    }
    names
}

fn breaking(
    old: &AppDefinition,
    new: &AppDefinition,
    old_fields: &[Placed<'_>],
    new_fields: &[Placed<'_>],
) -> Vec<BreakingChange> {
    let new_by_name: HashMap<&str, &Placed<'_>> = new_fields
        .iter()
        .map(|p| (p.field.name.as_str(), p))
        .collect();
    let mut out = Vec::new();
    for placed in old_fields {
        let field = placed.field;
        let stores = field.field_type.stores_value();
        let repeat = placed.repeat.map(str::to_owned);
        let name = field.name.clone();
        let Some(after) = new_by_name.get(field.name.as_str()) else {
            if stores {
                out.push(BreakingChange {
                    code: "field.removed",
                    field: name.clone(),
                    repeat,
                    choice: None,
                    message_ja: format!(
                        "項目「{name}」を削除すると、保存済みの回答が表示されなくなります"
                    ),
                    message_en: format!(
                        "removing field {name:?} leaves its stored answers without a field"
                    ),
                });
            }
            continue;
        };
        if !compatible(field.field_type, after.field.field_type) {
            let (from, to) = (field.field_type, after.field.field_type);
            out.push(BreakingChange {
                code: "field.type_changed",
                field: name.clone(),
                repeat: repeat.clone(),
                choice: None,
                message_ja: format!("項目「{name}」の型を {from} から {to} に変えると、保存済みの回答が読めなくなります"),
                message_en: format!("changing field {name:?} from {from} to {to} makes stored answers unreadable"),
            });
            continue;
        }
        if stores && placed.repeat != after.repeat {
            out.push(BreakingChange {
                code: "field.repeat_changed",
                field: name.clone(),
                repeat: repeat.clone(),
                choice: None,
                message_ja: format!("項目「{name}」を繰り返しの内外に移すと、保存済みの回答の置き場所が変わります"),
                message_en: format!("moving field {name:?} into or out of a repeat changes where its stored answers live"),
            });
        }
        if field.field_type.is_select() {
            let before = choice_names(old, field);
            let now = choice_names(new, after.field);
            for choice in before.difference(&now) {
                out.push(BreakingChange {
                    code: "choice.removed",
                    field: name.clone(),
                    repeat: repeat.clone(),
                    choice: Some(choice.clone()),
                    message_ja: format!("項目「{name}」の選択肢「{choice}」がなくなると、それを選んだ回答が読めなくなります"),
                    message_en: format!("removing choice {choice:?} of field {name:?} orphans answers that chose it"),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r"
yui: 1
id: sample
title: 申請
audience: public
fields:
  - { name: a, type: text, label: A }
  - { name: b, type: integer, label: B }
  - { name: s, type: select_one, label: S, choices: l }
  - name: r
    type: repeat
    fields:
      - { name: c, type: text, label: C }
  - { name: n, type: note, label: N }
choices:
  l: [ { name: x, label: X }, { name: y, label: Y } ]
";

    fn load(src: &str) -> AppDefinition {
        AppDefinition::from_yaml(src).unwrap()
    }

    #[test]
    fn identical_definitions_have_no_changes() {
        let d = diff(&load(BASE), &load(BASE));
        assert!(d.is_empty());
        assert!(d.breaking_changes().is_empty());
    }

    #[test]
    fn property_changes_are_listed_one_by_one() {
        let new = BASE
            .replace(
                "{ name: a, type: text, label: A }",
                "{ name: a, type: text, label: AA, required: true }",
            )
            .replace("title: 申請", "title: 新しい申請");
        let d = diff(&load(BASE), &load(&new));
        assert!(d.changes.contains(&Change::FieldChanged {
            field: "a".into(),
            property: "label".into(),
            old: Value::from("A"),
            new: Value::from("AA"),
        }));
        assert!(d.changes.contains(&Change::FieldChanged {
            field: "a".into(),
            property: "required".into(),
            old: Value::Null,
            new: Value::Bool(true),
        }));
        assert!(matches!(d.changes[0], Change::Setting { key: "title", .. }));
        assert!(d.breaking_changes().is_empty());
    }

    #[test]
    fn removing_a_field_with_answers_is_breaking_but_removing_a_note_is_not() {
        let new = BASE
            .replace("  - { name: b, type: integer, label: B }\n", "")
            .replace("  - { name: n, type: note, label: N }\n", "");
        let d = diff(&load(BASE), &load(&new));
        let breaking = d.breaking_changes();
        assert_eq!(breaking.len(), 1);
        assert_eq!(
            (breaking[0].code, breaking[0].field.as_str()),
            ("field.removed", "b")
        );
        assert!(
            d.changes
                .iter()
                .any(|c| matches!(c, Change::FieldRemoved { field, .. } if field == "n"))
        );
    }

    #[test]
    fn incompatible_type_changes_are_breaking_and_widening_is_not() {
        let widen = BASE.replace("name: b, type: integer", "name: b, type: decimal");
        assert!(
            diff(&load(BASE), &load(&widen))
                .breaking_changes()
                .is_empty()
        );
        let narrow = BASE.replace("name: a, type: text", "name: a, type: integer");
        let d = diff(&load(BASE), &load(&narrow));
        let breaking = d.breaking_changes();
        assert_eq!(breaking[0].code, "field.type_changed");
        assert_eq!(breaking[0].field, "a");
    }

    #[test]
    fn removed_choices_name_each_field_that_uses_them() {
        let new = BASE.replace(", { name: y, label: Y }", ", { name: z, label: Z }");
        let d = diff(&load(BASE), &load(&new));
        assert!(d.changes.contains(&Change::ChoiceRemoved {
            list: "l".into(),
            choice: "y".into()
        }));
        assert!(d.changes.contains(&Change::ChoiceAdded {
            list: "l".into(),
            choice: "z".into(),
            position: 1
        }));
        let breaking = d.breaking_changes();
        assert_eq!(breaking.len(), 1);
        assert_eq!(breaking[0].code, "choice.removed");
        assert_eq!(
            (breaking[0].field.as_str(), breaking[0].choice.as_deref()),
            ("s", Some("y"))
        );
    }

    #[test]
    fn moving_a_field_out_of_a_repeat_is_breaking() {
        let new = BASE
            .replace(
                "      - { name: c, type: text, label: C }\n",
                "      - { name: d, type: text, label: D }\n",
            )
            .replace(
                "  - { name: n, type: note",
                "  - { name: c, type: text, label: C }\n  - { name: n, type: note",
            );
        let d = diff(&load(BASE), &load(&new));
        assert!(d.changes.iter().any(|c| matches!(c, Change::FieldMoved { field, from_parent: Some(p), to_parent: None, .. } if field == "c" && p == "r")));
        let breaking = d.breaking_changes();
        assert_eq!(breaking[0].code, "field.repeat_changed");
        assert_eq!(breaking[0].repeat.as_deref(), Some("r"));
    }

    #[test]
    fn reordering_reports_only_the_moved_field() {
        let new = BASE.replace(
            "  - { name: a, type: text, label: A }\n  - { name: b, type: integer, label: B }\n",
            "  - { name: b, type: integer, label: B }\n  - { name: a, type: text, label: A }\n",
        );
        let d = diff(&load(BASE), &load(&new));
        let moved: Vec<&Change> = d
            .changes
            .iter()
            .filter(|c| matches!(c, Change::FieldMoved { .. }))
            .collect();
        assert_eq!(moved.len(), 1);
    }

    #[test]
    fn workflow_and_notification_changes_are_listed() {
        let new = format!(
            "{BASE}workflow:\n  states:\n    - {{ name: open, label: 受付 }}\n    - {{ name: done, label: 完了, final: true }}\n  transitions:\n    - {{ from: open, to: done }}\nnotifications:\n  confirmation: {{ subject: 受付, body: '{{receipt_number}}' }}\n"
        );
        let d = diff(&load(BASE), &load(&new));
        let items: Vec<String> = d
            .changes
            .iter()
            .filter_map(|c| match c {
                Change::WorkflowChanged { item, .. } => Some(item.clone()),
                Change::NotificationChanged { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert!(items.contains(&"initial".to_owned()));
        assert!(items.contains(&"state:open".to_owned()));
        assert!(items.contains(&"state:reviewing".to_owned()));
        assert!(items.contains(&"transition:open→done".to_owned()));
        assert!(items.contains(&"confirmation.subject".to_owned()));
    }

    #[test]
    fn changes_serialise_with_a_kind() {
        let new = BASE.replace("label: A }", "label: AA }");
        let d = diff(&load(BASE), &load(&new));
        let value = serde_json::to_value(&d.changes[0]).unwrap();
        assert_eq!(value["kind"], "field_changed");
        assert_eq!(value["property"], "label");
    }
}
