use proptest::prelude::*;

use super::*;
use crate::definition::{Choice, Field, FieldType, Flag, Text};

const BASE: &str = r"
yui: 1
id: sample
title: 申請
audience: public
fields:
  - { name: a, type: text, label: A }
  - { name: b, type: integer, label: B }
  - name: g
    type: group
    label: G
    fields:
      - { name: c, type: text, label: C }
      - { name: d, type: text, label: D }
  - { name: s, type: select_one, label: S, choices: l }
choices:
  l: [ { name: x, label: X }, { name: y, label: Y } ]
";

fn load(src: &str) -> AppDefinition {
    AppDefinition::from_yaml(src).unwrap()
}

fn names(def: &AppDefinition) -> Vec<String> {
    fn walk(fields: &[Field], out: &mut Vec<String>) {
        for f in fields {
            out.push(f.name.clone());
            walk(&f.fields, out);
        }
    }
    let mut out = Vec::new();
    walk(&def.fields, &mut out);
    out
}

fn field<'a>(def: &'a AppDefinition, name: &str) -> &'a Field {
    fn find<'a>(fields: &'a [Field], name: &str) -> Option<&'a Field> {
        fields.iter().find_map(|f| {
            (f.name == name)
                .then_some(f)
                .or_else(|| find(&f.fields, name))
        })
    }
    find(&def.fields, name).unwrap_or_else(|| panic!("no field {name}"))
}

fn label(def: &AppDefinition, name: &str) -> String {
    field(def, name).label.as_ref().unwrap().ja.clone()
}

fn ids(result: &MergeResult) -> Vec<&str> {
    result.conflicts.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn a_property_changed_only_upstream_is_taken_and_one_changed_only_here_is_kept() {
    let ours = load(&BASE.replace("label: A }", "label: AA }"));
    let theirs = load(&BASE.replace("label: B }", "label: BB }"));
    let result = merge(&load(BASE), &ours, &theirs);
    assert!(result.is_clean(), "{:?}", result.conflicts);
    assert_eq!(label(&result.merged, "a"), "AA");
    assert_eq!(label(&result.merged, "b"), "BB");
}

#[test]
fn the_same_change_on_both_sides_is_no_conflict() {
    let both = load(&BASE.replace("label: A }", "label: AA, required: true }"));
    let result = merge(&load(BASE), &both, &both);
    assert!(result.is_clean());
    assert_eq!(result.merged, both);
}

#[test]
fn different_changes_to_one_property_are_a_conflict_that_keeps_mine_until_decided() {
    let ours = load(&BASE.replace("label: A }", "label: 私の A }"));
    let theirs = load(&BASE.replace("label: A }", "label: 提供元の A }"));
    let result = merge(&load(BASE), &ours, &theirs);
    assert_eq!(ids(&result), ["field:a:label"]);
    let c = &result.conflicts[0];
    assert_eq!(c.kind, ConflictKind::BothChanged);
    assert_eq!(c.path, "fields.a.label");
    assert_eq!(
        (&c.base, &c.ours, &c.theirs),
        (
            &Value::from("A"),
            &Value::from("私の A"),
            &Value::from("提供元の A")
        )
    );
    assert!(c.message_ja.contains("「私の A」"), "{}", c.message_ja);
    assert!(c.message_en.contains("upstream"), "{}", c.message_en);
    assert_eq!(label(&result.merged, "a"), "私の A");
    let taken = resolve(&result, &[("field:a:label".into(), Side::Theirs)]);
    assert_eq!(label(&taken, "a"), "提供元の A");
    let kept = resolve(&result, &[("field:a:label".into(), Side::Ours)]);
    assert_eq!(kept, result.merged);
}

#[test]
fn a_field_added_upstream_lands_after_the_field_it_follows_there() {
    let theirs = load(&BASE.replace(
        "  - { name: b, type: integer, label: B }\n",
        "  - { name: b, type: integer, label: B }\n  - { name: new, type: text, label: New }\n",
    ));
    let ours = load(&BASE.replace(
        "  - { name: a, type: text, label: A }\n",
        "  - { name: mine, type: text, label: Mine }\n  - { name: a, type: text, label: A }\n",
    ));
    let result = merge(&load(BASE), &ours, &theirs);
    assert!(result.is_clean(), "{:?}", result.conflicts);
    assert_eq!(
        names(&result.merged),
        ["mine", "a", "b", "new", "g", "c", "d", "s"]
    );
}

#[test]
fn a_field_added_upstream_inside_a_group_stays_inside_it() {
    let theirs = load(&BASE.replace(
        "      - { name: c, type: text, label: C }\n",
        "      - { name: c, type: text, label: C }\n      - { name: c2, type: text, label: C2 }\n",
    ));
    let ours = load(&BASE.replace("label: D }", "label: DD }"));
    let result = merge(&load(BASE), &ours, &theirs);
    assert!(result.is_clean());
    let g = field(&result.merged, "g");
    let kids: Vec<&str> = g.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(kids, ["c", "c2", "d"]);
    assert_eq!(label(&result.merged, "d"), "DD");
}

#[test]
fn a_field_removed_upstream_and_untouched_here_goes() {
    let theirs = load(&BASE.replace("  - { name: b, type: integer, label: B }\n", ""));
    let result = merge(&load(BASE), &load(BASE), &theirs);
    assert!(result.is_clean());
    assert!(!names(&result.merged).contains(&"b".to_owned()));
}

#[test]
fn a_field_removed_upstream_but_edited_here_is_a_conflict() {
    let theirs = load(&BASE.replace("  - { name: b, type: integer, label: B }\n", ""));
    let ours = load(&BASE.replace("label: B }", "label: 私の B }"));
    let result = merge(&load(BASE), &ours, &theirs);
    assert_eq!(ids(&result), ["field:b"]);
    assert_eq!(result.conflicts[0].kind, ConflictKind::RemovedUpstream);
    assert!(
        names(&result.merged).contains(&"b".to_owned()),
        "kept by default"
    );
    let taken = resolve(&result, &[("field:b".into(), Side::Theirs)]);
    assert!(!names(&taken).contains(&"b".to_owned()));
}

#[test]
fn a_field_removed_here_but_changed_upstream_is_a_conflict_that_stays_removed_by_default() {
    let ours = load(&BASE.replace("  - { name: b, type: integer, label: B }\n", ""));
    let theirs = load(&BASE.replace("label: B }", "label: 新しい B }"));
    let result = merge(&load(BASE), &ours, &theirs);
    assert_eq!(ids(&result), ["field:b"]);
    assert_eq!(result.conflicts[0].kind, ConflictKind::RemovedLocally);
    assert!(!names(&result.merged).contains(&"b".to_owned()));
    let taken = resolve(&result, &[("field:b".into(), Side::Theirs)]);
    assert_eq!(names(&taken), ["a", "b", "g", "c", "d", "s"]);
    assert_eq!(label(&taken, "b"), "新しい B");
}

#[test]
fn a_group_removed_upstream_with_a_question_added_inside_it_here_is_one_conflict() {
    let theirs = load(&BASE.replace(
        "  - name: g\n    type: group\n    label: G\n    fields:\n      - { name: c, type: text, label: C }\n      - { name: d, type: text, label: D }\n",
        "",
    ));
    let ours = load(&BASE.replace(
        "      - { name: d, type: text, label: D }\n",
        "      - { name: d, type: text, label: D }\n      - { name: e, type: text, label: E }\n",
    ));
    let result = merge(&load(BASE), &ours, &theirs);
    assert_eq!(ids(&result), ["field:g"]);
    assert_eq!(names(&result.merged), ["a", "b", "g", "c", "d", "e", "s"]);
    let taken = resolve(&result, &[("field:g".into(), Side::Theirs)]);
    assert_eq!(names(&taken), ["a", "b", "s"]);
}

#[test]
fn a_field_moved_upstream_keeps_the_label_changed_here() {
    let theirs = load(
        &BASE
            .replace("  - { name: a, type: text, label: A }\n", "")
            .replace(
                "      - { name: d, type: text, label: D }\n",
                "      - { name: d, type: text, label: D }\n      - { name: a, type: text, label: A }\n",
            ),
    );
    let ours = load(&BASE.replace("label: A }", "label: AA }"));
    let result = merge(&load(BASE), &ours, &theirs);
    assert!(result.is_clean(), "{:?}", result.conflicts);
    assert_eq!(names(&result.merged), ["b", "g", "c", "d", "a", "s"]);
    assert_eq!(label(&result.merged, "a"), "AA");
}

#[test]
fn reordering_upstream_is_taken_when_nothing_moved_here() {
    let theirs = load(&BASE.replace(
        "  - { name: a, type: text, label: A }\n  - { name: b, type: integer, label: B }\n",
        "  - { name: b, type: integer, label: B }\n  - { name: a, type: text, label: A }\n",
    ));
    let ours = load(&BASE.replace("label: S,", "label: SS,"));
    let result = merge(&load(BASE), &ours, &theirs);
    assert!(result.is_clean());
    assert_eq!(names(&result.merged), ["b", "a", "g", "c", "d", "s"]);
}

#[test]
fn moving_one_field_to_two_different_places_is_a_conflict() {
    let into_group = |src: &str| {
        src.replace("  - { name: a, type: text, label: A }\n", "")
            .replace(
                "      - { name: c, type: text, label: C }\n",
                "      - { name: c, type: text, label: C }\n      - { name: a, type: text, label: A }\n",
            )
    };
    let ours = load(&into_group(BASE));
    let theirs = load(&BASE.replace(
        "  - { name: a, type: text, label: A }\n",
        "",
    ).replace(
        "  - { name: s, type: select_one, label: S, choices: l }\n",
        "  - { name: s, type: select_one, label: S, choices: l }\n  - name: h\n    type: group\n    label: H\n    fields:\n      - { name: a, type: text, label: A }\n",
    ));
    let result = merge(&load(BASE), &ours, &theirs);
    let decisions: Vec<&str> = result.decisions().map(|c| c.id.as_str()).collect();
    assert_eq!(decisions, ["field:a:parent"]);
    // Upstream's new group is left empty while "a" stays here: the checks say so.
    assert!(
        result
            .problems()
            .any(|p| p.id.starts_with("problem:field.no_children"))
    );
    assert_eq!(field(&result.merged, "g").fields[1].name, "a");
    let taken = resolve(&result, &[("field:a:parent".into(), Side::Theirs)]);
    assert_eq!(field(&taken, "h").fields[0].name, "a");
}

#[test]
fn crossing_moves_never_lose_a_field_in_a_loop() {
    let src = r"
yui: 1
id: sample
title: 申請
audience: public
fields:
  - { name: p, type: group, label: P, fields: [ { name: p1, type: text, label: P1 } ] }
  - { name: q, type: group, label: Q, fields: [ { name: q1, type: text, label: Q1 } ] }
";
    let base = load(src);
    let mut ours = base.clone();
    let p = ours.fields.remove(0);
    ours.fields[0].fields.push(p);
    let mut theirs = base.clone();
    let q = theirs.fields.remove(1);
    theirs.fields[0].fields.push(q);
    let result = merge(&base, &ours, &theirs);
    let mut all = names(&result.merged);
    all.sort();
    assert_eq!(all, ["p", "p1", "q", "q1"]);
}

#[test]
fn choices_merge_one_by_one() {
    let ours = load(&BASE.replace("{ name: x, label: X }", "{ name: x, label: XX }"));
    let theirs = load(&BASE.replace(
        "{ name: y, label: Y } ]",
        "{ name: y, label: Y }, { name: z, label: Z } ]",
    ));
    let result = merge(&load(BASE), &ours, &theirs);
    assert!(result.is_clean());
    let list: Vec<(String, String)> = result.merged.choices["l"]
        .iter()
        .map(|c| (c.name.clone(), c.label.ja.clone()))
        .collect();
    assert_eq!(
        list,
        [
            ("x".to_owned(), "XX".to_owned()),
            ("y".into(), "Y".into()),
            ("z".into(), "Z".into())
        ]
    );
}

#[test]
fn a_choice_relabelled_on_both_sides_names_the_choice() {
    let ours = load(&BASE.replace("{ name: x, label: X }", "{ name: x, label: 午前 }"));
    let theirs = load(&BASE.replace("{ name: x, label: X }", "{ name: x, label: 朝 }"));
    let result = merge(&load(BASE), &ours, &theirs);
    assert_eq!(ids(&result), ["choice:l:x:label"]);
    assert!(result.conflicts[0].message_ja.contains("選択肢リスト「l」"));
}

#[test]
fn top_level_settings_merge_key_by_key() {
    let ours = load(
        &BASE
            .replace("id: sample", "id: sample-2")
            .replace("title: 申請", "title: 私の申請"),
    );
    let theirs = load(
        &BASE
            .replace("title: 申請", "title: 提供元の申請")
            .replace("audience: public", "audience: public\ncategory: childcare"),
    );
    let result = merge(&load(BASE), &ours, &theirs);
    assert_eq!(ids(&result), ["setting:title"]);
    assert_eq!(result.conflicts[0].path, "title");
    assert_eq!(result.merged.id, "sample-2", "the local app id stays");
    assert_eq!(result.merged.category.as_deref(), Some("childcare"));
}

#[test]
fn workflow_states_and_notification_texts_merge_item_by_item() {
    let with = |states: &str, subject: &str, body: &str| {
        load(&format!(
            "{BASE}workflow:\n  states:\n{states}  transitions:\n    - {{ from: open, to: done }}\nnotifications:\n  confirmation: {{ subject: '{subject}', body: '{body}' }}\n"
        ))
    };
    let states =
        "    - { name: open, label: 受付 }\n    - { name: done, label: 完了, final: true }\n";
    let base = with(states, "受付", "{receipt_number}");
    let ours = with(
        &states.replace("label: 受付 }", "label: 受付済み }"),
        "受付",
        "本文 {receipt_number}",
    );
    let theirs = with(
        &format!("{states}    - {{ name: gone, label: 取下げ, final: true }}\n"),
        "【受付】",
        "{receipt_number}",
    );
    let result = merge(&base, &ours, &theirs);
    assert!(
        result.decisions().next().is_none(),
        "{:?}",
        result.conflicts
    );
    let w = result.merged.workflow.as_ref().unwrap();
    let states: Vec<(&str, &str)> = w
        .states
        .iter()
        .map(|s| (s.name.as_str(), s.label.ja.as_str()))
        .collect();
    assert_eq!(
        states,
        [("open", "受付済み"), ("done", "完了"), ("gone", "取下げ")]
    );
    let c = result
        .merged
        .notifications
        .as_ref()
        .unwrap()
        .confirmation
        .as_ref()
        .unwrap();
    assert_eq!(
        (c.subject.ja.as_str(), c.body.ja.as_str()),
        ("【受付】", "本文 {receipt_number}")
    );
}

#[test]
fn a_merge_that_breaks_a_reference_reports_the_problem() {
    let ours = load(&BASE.replace("label: A }", "label: A, relevant: \"${b} > 1\" }"));
    let theirs = load(&BASE.replace("  - { name: b, type: integer, label: B }\n", ""));
    let result = merge(&load(BASE), &ours, &theirs);
    assert!(result.decisions().next().is_none());
    let problems: Vec<&Conflict> = result.problems().collect();
    assert!(!problems.is_empty());
    assert!(
        problems
            .iter()
            .all(|p| p.kind == ConflictKind::Invalid && !p.preexisting)
    );
    assert!(problems[0].id.starts_with("problem:"), "{}", problems[0].id);
}

#[test]
fn the_play_room_template_takes_an_upstream_improvement_and_keeps_a_local_label() {
    let src = include_str!("../../../../templates/play-room-booking.yaml");
    let base = load(src);
    let ours = load(&src.replace("ja: 保護者の氏名", "ja: 保護者のお名前"));
    let theirs = load(
        &src.replace("ja: 大人の人数", "ja: 大人（保護者）の人数").replace(
            "saturday: \"no\" }\n",
            "saturday: \"no\" }\n    - { name: eve, label: { ja: 夕方（16:00〜18:00）, en: Evening (16:00–18:00) }, saturday: \"no\" }\n",
        ),
    );
    let result = merge(&base, &ours, &theirs);
    assert!(result.is_clean(), "{:?}", result.conflicts);
    assert_eq!(label(&result.merged, "applicant_name"), "保護者のお名前");
    assert_eq!(label(&result.merged, "adults"), "大人（保護者）の人数");
    assert_eq!(result.merged.choices["slots"].len(), 3);
    assert!(Form::from_definition(result.merged).is_ok());
}

// --- properties -------------------------------------------------------------------------

/// One edit a builder might make.
#[derive(Debug, Clone)]
enum Edit {
    Relabel(usize, u8),
    ToggleRequired(usize),
    SetRelevant(usize),
    Remove(usize),
    Add(usize, u8),
    MoveInto(usize, usize),
    AddChoice(u8),
    RemoveChoice(usize),
    RelabelChoice(usize, u8),
    Title(u8),
    AddState(u8),
    Subject(u8),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, s)| Edit::Relabel(i, s)),
        any::<usize>().prop_map(Edit::ToggleRequired),
        any::<usize>().prop_map(Edit::SetRelevant),
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), any::<u8>()).prop_map(|(i, s)| Edit::Add(i, s)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::MoveInto(i, j)),
        any::<u8>().prop_map(Edit::AddChoice),
        any::<usize>().prop_map(Edit::RemoveChoice),
        (any::<usize>(), any::<u8>()).prop_map(|(i, s)| Edit::RelabelChoice(i, s)),
        any::<u8>().prop_map(Edit::Title),
        any::<u8>().prop_map(Edit::AddState),
        any::<u8>().prop_map(Edit::Subject),
    ]
}

fn arb_definition() -> impl Strategy<Value = AppDefinition> {
    let entry = (0u8..4, 0usize..3);
    (
        prop::collection::vec(entry, 1..7),
        1usize..4,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(entries, choices, workflow, notifications)| {
            let mut n = 0;
            let mut next = |prefix: &str| {
                n += 1;
                format!("{prefix}{n}")
            };
            let plain = |name: String, kind: u8| {
                let t = match kind {
                    0 => FieldType::Text,
                    1 => FieldType::Integer,
                    _ => FieldType::SelectOne,
                };
                let mut f = Field::new(name.clone(), t).with_label(format!("L {name}"));
                if t == FieldType::SelectOne {
                    f.choices = Some("l".into());
                }
                f
            };
            let mut fields = Vec::new();
            for (kind, kids) in entries {
                if kind == 3 {
                    let mut g = Field::new(next("g"), FieldType::Group).with_label("G");
                    for k in 0..kids {
                        g.fields
                            .push(plain(next("f"), u8::try_from(k % 3).unwrap_or(0)));
                    }
                    fields.push(g);
                } else {
                    fields.push(plain(next("f"), kind));
                }
            }
            let mut def = load("yui: 1\nid: sample\ntitle: T\naudience: public\nfields: []\n");
            def.fields = fields;
            def.choices.insert(
                "l".into(),
                (0..choices)
                    .map(|i| Choice::new(format!("c{i}"), format!("C{i}")))
                    .collect(),
            );
            if workflow {
                def.workflow = Some(Workflow::default());
            }
            if notifications {
                def.notifications = Some(crate::definition::Notifications {
                    confirmation: Some(crate::definition::Message {
                        subject: Text::from("受付"),
                        body: Text::from("{receipt_number}"),
                    }),
                    status_changed: None,
                });
            }
            def
        })
}

fn all_names(def: &AppDefinition) -> Vec<String> {
    names(def)
}

fn with_field(fields: &mut [Field], name: &str, edit: &mut dyn FnMut(&mut Field)) -> bool {
    for f in fields.iter_mut() {
        if f.name == name {
            edit(f);
            return true;
        }
        if with_field(&mut f.fields, name, edit) {
            return true;
        }
    }
    false
}

fn take_field(fields: &mut Vec<Field>, name: &str) -> Option<Field> {
    if let Some(i) = fields.iter().position(|f| f.name == name) {
        return Some(fields.remove(i));
    }
    fields
        .iter_mut()
        .find_map(|f| take_field(&mut f.fields, name))
}

fn apply(def: &mut AppDefinition, edit: &Edit, tag: &str) {
    let names = all_names(def);
    let pick = |i: usize| names.get(i % names.len().max(1)).cloned();
    match edit {
        Edit::Relabel(i, s) => {
            if let Some(name) = pick(*i) {
                with_field(&mut def.fields, &name, &mut |f| {
                    f.label = Some(Text::from(format!("{tag} {s}")));
                });
            }
        }
        Edit::ToggleRequired(i) => {
            if let Some(name) = pick(*i) {
                with_field(&mut def.fields, &name, &mut |f| {
                    f.required = match f.required {
                        Some(Flag::Bool(true)) => None,
                        _ => Some(Flag::Bool(true)),
                    };
                });
            }
        }
        Edit::SetRelevant(i) => {
            if let Some(name) = pick(*i) {
                with_field(&mut def.fields, &name, &mut |f| {
                    f.relevant = Some(format!("'{tag}' = '{tag}'"));
                });
            }
        }
        Edit::Remove(i) => {
            if names.len() > 1
                && let Some(name) = pick(*i)
            {
                take_field(&mut def.fields, &name);
            }
        }
        Edit::Add(i, s) => {
            let new = Field::new(format!("{tag}{s}"), FieldType::Text).with_label("new");
            if names.contains(&new.name) {
                return;
            }
            let at = i % (def.fields.len() + 1);
            def.fields.insert(at, new);
        }
        Edit::MoveInto(i, j) => {
            let Some(name) = pick(*i) else { return };
            let groups: Vec<String> = def
                .fields
                .iter()
                .filter(|f| f.field_type == FieldType::Group && f.name != name)
                .map(|f| f.name.clone())
                .collect();
            let is_group = def
                .fields
                .iter()
                .any(|f| f.name == name && f.field_type == FieldType::Group);
            if is_group {
                return;
            }
            let Some(moved) = take_field(&mut def.fields, &name) else {
                return;
            };
            match groups.get(j % (groups.len() + 1)) {
                Some(g) => {
                    let mut moved = Some(moved);
                    with_field(&mut def.fields, g, &mut |f| {
                        if let Some(m) = moved.take() {
                            let at = j % (f.fields.len() + 1);
                            f.fields.insert(at, m);
                        }
                    });
                }
                None => {
                    let at = j % (def.fields.len() + 1);
                    def.fields.insert(at, moved);
                }
            }
        }
        Edit::AddChoice(s) => {
            let list = def.choices.entry("l".into()).or_default();
            let name = format!("{tag}{s}");
            if !list.iter().any(|c| c.name == name) {
                list.push(Choice::new(name, "new"));
            }
        }
        Edit::RemoveChoice(i) => {
            let list = def.choices.entry("l".into()).or_default();
            if list.len() > 1 {
                let at = i % list.len();
                list.remove(at);
            }
        }
        Edit::RelabelChoice(i, s) => {
            let list = def.choices.entry("l".into()).or_default();
            if !list.is_empty() {
                let at = i % list.len();
                list[at].label = Text::from(format!("{tag} {s}"));
            }
        }
        Edit::Title(s) => def.title = Text::from(format!("{tag} {s}")),
        Edit::AddState(s) => {
            let mut w = def.workflow.clone().unwrap_or_default();
            let name = format!("{tag}{s}");
            if !w.states.iter().any(|st| st.name == name) {
                w.states.push(crate::workflow::WorkflowState {
                    name,
                    label: Text::from("state"),
                    is_final: true,
                });
            }
            def.workflow = Some(w);
        }
        Edit::Subject(s) => {
            let n = def.notifications.get_or_insert_with(Default::default);
            n.confirmation = Some(crate::definition::Message {
                subject: Text::from(format!("{tag} {s}")),
                body: Text::from("{receipt_number}"),
            });
        }
    }
}

fn edited(base: &AppDefinition, edits: &[Edit], tag: &str) -> AppDefinition {
    let mut def = base.clone();
    for e in edits {
        apply(&mut def, e, tag);
    }
    def
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merging_into_an_untouched_copy_gives_upstream(
        base in arb_definition(),
        edits in prop::collection::vec(arb_edit(), 0..8),
    ) {
        let theirs = edited(&base, &edits, "t");
        let result = merge(&base, &base, &theirs);
        prop_assert!(result.decisions().next().is_none(), "{:?}", result.conflicts);
        prop_assert_eq!(result.merged, theirs);
    }

    #[test]
    fn an_unchanged_upstream_keeps_the_local_copy(
        base in arb_definition(),
        edits in prop::collection::vec(arb_edit(), 0..8),
    ) {
        let ours = edited(&base, &edits, "o");
        let result = merge(&base, &ours, &base);
        prop_assert!(result.decisions().next().is_none(), "{:?}", result.conflicts);
        prop_assert_eq!(result.merged, ours);
    }

    #[test]
    fn the_same_edits_on_both_sides_merge_to_themselves(
        base in arb_definition(),
        edits in prop::collection::vec(arb_edit(), 0..8),
    ) {
        let both = edited(&base, &edits, "x");
        let result = merge(&base, &both, &both);
        prop_assert!(result.decisions().next().is_none());
        prop_assert_eq!(result.merged, both);
    }

    #[test]
    fn any_two_edit_sequences_merge_without_losing_or_duplicating_fields(
        base in arb_definition(),
        ours_edits in prop::collection::vec(arb_edit(), 0..8),
        theirs_edits in prop::collection::vec(arb_edit(), 0..8),
    ) {
        let ours = edited(&base, &ours_edits, "o");
        let theirs = edited(&base, &theirs_edits, "t");
        let result = merge(&base, &ours, &theirs);
        let merged = names(&result.merged);
        let unique: BTreeSet<&String> = merged.iter().collect();
        prop_assert_eq!(unique.len(), merged.len(), "no field twice: {:?}", merged);
        // A field both sides kept is still there.
        for name in names(&ours) {
            if names(&theirs).contains(&name) {
                prop_assert!(merged.contains(&name), "{} lost", name);
            }
        }
        // Choosing every side explicitly is deterministic and keeps mine by default.
        let all_ours: Vec<(String, Side)> =
            result.decisions().map(|c| (c.id.clone(), Side::Ours)).collect();
        prop_assert_eq!(&resolve(&result, &all_ours), &result.merged);
        let all_theirs: Vec<(String, Side)> =
            result.decisions().map(|c| (c.id.clone(), Side::Theirs)).collect();
        let taken = resolve(&result, &all_theirs);
        let again = resolve(&result, &all_theirs);
        prop_assert_eq!(taken, again);
    }

    #[test]
    fn edits_to_different_fields_never_conflict(
        base in arb_definition(),
        labels in prop::collection::vec(any::<u8>(), 1..4),
    ) {
        let names = names(&base);
        prop_assume!(names.len() >= 2);
        let half = names.len() / 2;
        let mut ours = base.clone();
        let mut theirs = base.clone();
        for (i, s) in labels.iter().enumerate() {
            apply(&mut ours, &Edit::Relabel(i % half, *s), "o");
            apply(&mut theirs, &Edit::Relabel(half + i % (names.len() - half), *s), "t");
        }
        let result = merge(&base, &ours, &theirs);
        prop_assert!(result.decisions().next().is_none(), "{:?}", result.conflicts);
        for name in &names {
            let expected = if field(&ours, name).label != field(&base, name).label {
                field(&ours, name).label.clone()
            } else {
                field(&theirs, name).label.clone()
            };
            prop_assert_eq!(&field(&result.merged, name).label, &expected);
        }
    }
}
