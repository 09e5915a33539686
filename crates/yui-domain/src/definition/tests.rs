//! Tests of reading, checking, compiling and writing definitions. The shipped templates are
//! tested in `tests/templates.rs`.

use std::path::PathBuf;

use proptest::prelude::*;
use serde_json::json;

use super::*;

const MINIMAL: &str = "\
yui: 1
id: sample
title: 申請
audience: public
fields:
  - name: age
    type: integer
    label: 年齢
";

fn errors_of(src: &str) -> DefinitionErrors {
    match Form::from_yaml(src) {
        Ok(_) => panic!("expected errors for:\n{src}"),
        Err(errors) => errors,
    }
}

fn first(src: &str) -> DefinitionError {
    errors_of(src).0.remove(0)
}

#[test]
fn a_form_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Form>();
    shareable::<crate::validate::Evaluation>();
}

#[test]
fn a_minimal_definition_compiles() {
    let form = Form::from_yaml(MINIMAL).unwrap();
    assert_eq!(form.definition().id, "sample");
    assert_eq!(form.fields().len(), 1);
    assert_eq!(form.workflow(), &crate::workflow::Workflow::default());
}

#[test]
fn json_text_is_read_like_yaml() {
    let src = r#"{"yui": 1, "id": "sample", "title": {"ja": "申請", "en": "Application"},
        "audience": "staff", "fields": [{"name": "age", "type": "integer", "label": "年齢"}]}"#;
    let form = Form::from_yaml(src).unwrap();
    assert_eq!(form.definition().title.get("en"), "Application");
}

#[test]
fn a_yaml_syntax_error_has_its_line_and_column() {
    let error = first("yui: 1\nid: x\nfields: [1, 2\n");
    assert_eq!(error.code, "definition.syntax");
    assert!(error.line.is_some() && error.column.is_some(), "{error}");
}

#[test]
fn an_unknown_key_is_an_error_with_a_suggestion_and_position() {
    let src = MINIMAL.replace("    label: 年齢", "    labl: 年齢");
    let error = first(&src);
    assert_eq!(error.code, "definition.unknown_key");
    assert_eq!(error.path, "fields[0].labl");
    assert_eq!((error.line, error.column), (Some(8), Some(5)));
    assert!(
        error.message_en.contains("did you mean label"),
        "{}",
        error.message_en
    );
    assert!(error.message_ja.contains("label"));
}

#[test]
fn an_unknown_field_type_suggests_the_closest() {
    let src = MINIMAL.replace("type: integer", "type: interger");
    let error = first(&src);
    assert_eq!(error.code, "definition.unknown_value");
    assert_eq!(error.path, "fields[0].type");
    assert_eq!((error.line, error.column), (Some(7), Some(11)));
    assert!(error.message_en.contains("did you mean integer"));
}

#[test]
fn a_missing_key_and_a_wrong_type_are_reported_where_they_are() {
    let error = first(&MINIMAL.replace("audience: public\n", ""));
    assert_eq!(
        (error.code, error.path.as_str()),
        ("definition.missing_key", "")
    );
    let error = first(&MINIMAL.replace("yui: 1", "yui: one"));
    assert_eq!(
        (error.code, error.path.as_str()),
        ("definition.invalid_type", "yui")
    );
    assert_eq!((error.line, error.column), (Some(1), Some(6)));
    assert!(error.message_ja.contains("整数"), "{}", error.message_ja);
}

#[test]
fn an_expression_error_points_into_the_expression() {
    let src = format!("{MINIMAL}    relevant: \"${{agee}} > 3\"\n");
    let error = first(&src);
    assert_eq!(error.code, "expr.unknown_field");
    assert_eq!(error.path, "fields[0].relevant");
    assert_eq!(error.expr_column, Some(1));
    // Line 9 is `    relevant: "${agee} > 3"`; the value's first character is column 16.
    assert_eq!((error.line, error.column), (Some(9), Some(16)));
    let src = format!("{MINIMAL}    constraint: . > 3 and ${{x}} < 2\n");
    let error = first(&src);
    assert_eq!(error.expr_column, Some(11));
    assert_eq!((error.line, error.column), (Some(9), Some(27)));
}

#[test]
fn all_semantic_errors_are_reported_together() {
    let src = "\
yui: 2
id: Bad_ID
title: 申請
audience: public
fields:
  - { name: a, type: integer, label: A }
  - { name: a, type: text, label: B }
  - { name: 1b, type: text, label: C }
  - { name: s, type: select_one, label: D, choices: colour }
  - { name: t, type: text }
  - { name: n, type: integer, label: N, choices: colors, min_count: 2 }
choices:
  colors: [ { name: red, label: 赤 }, { name: red, label: 赤 } ]
";
    let errors = errors_of(src);
    let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.code, e.path.as_str())).collect();
    for expected in [
        ("definition.unsupported_version", "yui"),
        ("definition.invalid_id", "id"),
        ("field.duplicate_name", "fields[1].name"),
        ("field.invalid_name", "fields[2].name"),
        ("field.unknown_choice_list", "fields[3].choices"),
        ("field.label_missing", "fields[4]"),
        ("field.key_not_allowed", "fields[5].choices"),
        ("field.key_not_allowed", "fields[5].min_count"),
        ("choices.duplicate_name", "choices.colors[1].name"),
    ] {
        assert!(
            found.contains(&expected),
            "missing {expected:?} in {found:#?}"
        );
    }
    let unknown_list = errors
        .iter()
        .find(|e| e.code == "field.unknown_choice_list")
        .unwrap();
    assert!(unknown_list.message_en.contains("did you mean colors"));
    assert!(errors.iter().all(|e| e.line.is_some()));
}

#[test]
fn a_calculation_cycle_names_the_fields() {
    let src = "\
yui: 1
id: sample
title: 申請
audience: staff
fields:
  - { name: a, type: calculate, calculation: '${b} + 1' }
  - { name: b, type: calculate, calculation: '${c} + 1' }
  - { name: c, type: calculate, calculation: '${a} + 1' }
";
    let error = first(src);
    assert_eq!(error.code, "expr.cycle");
    assert!(
        error.message_en.contains("a → b → c → a"),
        "{}",
        error.message_en
    );
}

#[test]
fn a_group_relevant_on_its_own_child_is_a_cycle() {
    let src = "\
yui: 1
id: sample
title: 申請
audience: staff
fields:
  - name: g
    type: group
    relevant: \"${x} = 1\"
    fields:
      - { name: x, type: integer, label: X }
";
    assert_eq!(first(src).code, "expr.cycle");
}

#[test]
fn yaml_features_a_definition_never_needs_are_refused() {
    assert_eq!(first("a: &x 1\nb: *x\n").code, "definition.alias");
    assert_eq!(first("yui: 1\nyui: 1\n").code, "definition.duplicate_key");
    assert_eq!(
        first("yui: 1\n---\nyui: 1\n").code,
        "definition.multiple_documents"
    );
    assert_eq!(first("yui: !custom 1\n").code, "definition.tag");
    assert_eq!(first("").code, "definition.empty");
    assert_eq!(first(&"[".repeat(100)).code, "definition.too_deep");
}

#[test]
fn a_forced_string_tag_is_accepted() {
    let src = MINIMAL.replace("title: 申請", "title: !!str 2024");
    let form = Form::from_yaml(&src).unwrap();
    assert_eq!(form.definition().title.ja, "2024");
}

#[test]
fn xlsform_yes_and_no_are_read_as_booleans_for_required() {
    let src = format!("{MINIMAL}    required: yes\n");
    let form = Form::from_yaml(&src).unwrap();
    assert_eq!(form.fields()[0].definition.required, Some(Flag::Bool(true)));
}

#[test]
fn keys_that_do_not_fit_the_type_are_errors() {
    let src = "\
yui: 1
id: sample
title: 申請
audience: staff
fields:
  - { name: a, type: text, label: A, calculation: '1', accept: [image/png] }
  - { name: b, type: consent, label: B, required: false }
  - { name: c, type: repeat, fields: [ { name: d, type: text, label: D, max_count: 3 } ] }
";
    let found: Vec<String> = errors_of(src).iter().map(|e| e.path.clone()).collect();
    assert_eq!(
        found,
        vec![
            "fields[0].calculation",
            "fields[0].accept",
            "fields[1].required",
            "fields[2].fields[0].max_count"
        ]
    );
}

#[test]
fn notification_placeholders_are_checked() {
    let src = format!(
        "{MINIMAL}notifications:\n  confirmation:\n    subject: \"{{app_titel}} を受け付けました\"\n    body: \"{{{{ok}}}} {{link}}\"\n"
    );
    let error = first(&src);
    assert_eq!(error.code, "notification.unknown_placeholder");
    assert_eq!(error.path, "notifications.confirmation.subject");
    assert!(
        error.message_en.contains("did you mean {app_title}"),
        "{}",
        error.message_en
    );
}

#[test]
fn placeholders_are_filled_and_braces_escaped() {
    let text = fill_placeholders(
        "{{受付}} {receipt_number}: {status} {unknown}",
        &[("receipt_number", "A-0001"), ("status", "完了")],
    );
    assert_eq!(text, "{受付} A-0001: 完了 {unknown}");
}

#[test]
fn workflow_problems_are_reported_with_their_path() {
    let src = format!(
        "{MINIMAL}workflow:\n  states:\n    - {{ name: open, label: 受付 }}\n    - {{ name: done, label: 完了, final: true }}\n  transitions:\n    - {{ from: open, to: dne }}\n"
    );
    let error = first(&src);
    assert_eq!(error.code, "workflow.unknown_state");
    assert_eq!(error.path, "workflow.transitions[0].to");
    assert_eq!(error.line, Some(14));
}

#[test]
fn an_invalid_literal_default_is_an_error() {
    let src = format!("{MINIMAL}    default: abc\n");
    let error = first(&src);
    assert_eq!(error.code, "field.invalid_default");
    assert_eq!(error.path, "fields[0].default");
}

#[test]
fn label_placeholders_must_name_fields() {
    let src = MINIMAL.replace("label: 年齢", "label: \"${agee} 歳\"");
    let error = first(&src);
    assert_eq!(error.code, "expr.unknown_field");
    assert_eq!(error.path, "fields[0].label");
}

#[test]
fn other_adds_a_choice_and_a_please_specify_field() {
    let src = "\
yui: 1
id: sample
title: 申請
audience: staff
fields:
  - { name: s, type: select_multiple, label: S, choices: l, other: true }
  - { name: t, type: text, label: T }
choices:
  l: [ { name: a, label: A } ]
";
    let form = Form::from_yaml(src).unwrap();
    let names: Vec<&str> = form.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["s", "s_other", "t"]);
    assert!(form.fields()[0].has_choice("other"));
    assert_eq!(form.fields()[1].other_of, Some(0));
    let clash = src.replace("name: t,", "name: s_other,");
    assert_eq!(first(&clash).code, "field.duplicate_name");
}

#[test]
fn written_yaml_is_clean() {
    let definition = AppDefinition::from_yaml(MINIMAL).unwrap();
    assert_eq!(
        definition.to_yaml(),
        "yui: 1\nid: sample\ntitle: 申請\naudience: public\nfields:\n  - { name: age, type: integer, label: 年齢 }\n"
    );
}

#[test]
fn pages_follow_the_display_mode() {
    let src = "\
yui: 1
id: sample
title: 申請
audience: staff
fields:
  - { name: intro, type: note, label: はじめに }
  - { name: a, type: text, label: A }
  - name: g
    type: group
    label: 詳細
    fields:
      - { name: b, type: select_one, label: B, choices: l, other: true }
      - name: inner
        type: group
        fields: [ { name: c, type: text, label: C } ]
      - { name: hidden, type: calculate, calculation: '1' }
  - name: r
    type: repeat
    fields: [ { name: d, type: text, label: D } ]
  - { name: e, type: text, label: E }
choices:
  l: [ { name: x, label: X } ]
";
    let form = Form::from_yaml(src).unwrap();
    let pages: Vec<(String, Vec<String>)> = form
        .pages()
        .into_iter()
        .map(|p| (p.name, p.fields))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        pages,
        vec![
            ("intro".to_owned(), s(&["intro", "a"])),
            ("g".to_owned(), s(&["b", "b_other", "c"])),
            ("r".to_owned(), s(&["r"])),
            ("e".to_owned(), s(&["e"])),
        ]
    );
    let one = src.replace(
        "audience: staff",
        "audience: staff\ndisplay: { mode: one_per_page }",
    );
    let form = Form::from_yaml(&one).unwrap();
    let names: Vec<Vec<String>> = form.pages().into_iter().map(|p| p.fields).collect();
    assert_eq!(
        names,
        vec![
            s(&["intro"]),
            s(&["a"]),
            s(&["b", "b_other"]),
            s(&["c"]),
            s(&["r"]),
            s(&["e"])
        ]
    );
}

#[test]
fn client_logic_carries_trees_order_and_filtered_choices() {
    let src = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../templates/evacuee-count.yaml"),
    )
    .unwrap();
    let form = Form::from_yaml(&src).unwrap();
    let logic = form.client_logic();
    assert_eq!(logic["fields"]["needs_care"]["relevant"]["op"], json!(">"));
    assert_eq!(logic["fields"]["needs_care"]["required"], json!(true));
    assert_eq!(
        logic["fields"]["needs_other"]["relevant"]["fn"],
        json!("selected")
    );
    assert_eq!(
        logic["fields"]["reported_at"]["default"]["expr"]["fn"],
        json!("now")
    );
    assert_eq!(logic["choices"]["shelter"][2]["area"], json!("kitazato"));
    let order: Vec<&str> = logic["order"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let position = |name: &str| order.iter().position(|n| *n == name).unwrap();
    assert!(position("needs") < position("urgent"));
    assert!(position("evacuees") < position("needs_care"));
}

#[test]
fn the_json_schema_describes_the_format() {
    let schema = json_schema();
    assert_eq!(schema["title"], json!("Yui app definition"));
    assert!(schema["properties"]["fields"].is_object());
    assert!(schema["$defs"]["FieldType"].is_object());
}

// --- round trip of arbitrary texts -----------------------------------------------------------

fn text_strategy() -> impl Strategy<Value = Text> {
    let s = prop_oneof![
        "\\PC{0,20}",
        Just("yes".to_owned()),
        Just("1.0".to_owned()),
        Just("null".to_owned()),
        Just("- a".to_owned()),
        Just("a: b".to_owned()),
        Just("# x".to_owned()),
        Just(" lead".to_owned()),
        Just("trail ".to_owned()),
        Just("行1\n行2\n".to_owned()),
        Just("a\n\n b\n\n".to_owned()),
        Just("'\"{}[],&*!|>%@`".to_owned()),
        "[a-z \\n\\t'\":#{}-]{0,30}",
    ];
    (
        s.clone()
            .prop_filter("ja must be non-empty", |s| !s.is_empty()),
        proptest::option::of(s),
    )
        .prop_map(|(ja, en)| Text { ja, en })
}

fn definition_strategy() -> impl Strategy<Value = AppDefinition> {
    (
        text_strategy(),
        proptest::collection::vec(
            (text_strategy(), proptest::option::of(text_strategy())),
            1..5,
        ),
        proptest::collection::vec(("[a-z][a-z0-9_]{0,6}", text_strategy(), any::<i32>()), 0..4),
    )
        .prop_map(|(title, labels, choices)| {
            let mut definition = AppDefinition::from_yaml(MINIMAL).unwrap();
            definition.title = title;
            definition.fields = labels
                .into_iter()
                .enumerate()
                .map(|(i, (label, hint))| {
                    let mut field = Field::new(format!("f{i}"), FieldType::Text).with_label(label);
                    field.hint = hint;
                    field.default = Some(DefaultValue::Value(json!(i)));
                    field
                })
                .collect();
            let items: Vec<Choice> = choices
                .into_iter()
                .map(|(name, label, n)| {
                    let mut choice = Choice::new(name, label);
                    choice
                        .props
                        .insert("n".into(), ChoiceProp::Number(n.into()));
                    choice
                })
                .collect();
            if !items.is_empty() {
                definition.choices.insert("list".into(), items);
            }
            definition
        })
}

proptest! {
    #[test]
    fn reading_written_yaml_gives_back_the_definition(definition in definition_strategy()) {
        let yaml = definition.to_yaml();
        let again = AppDefinition::from_yaml(&yaml)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(again, definition, "{}", yaml);
    }

    #[test]
    fn reading_arbitrary_text_never_panics(src in "\\PC{0,200}") {
        let _ = Form::from_yaml(&src);
    }

    #[test]
    fn reading_yaml_like_text_never_panics(src in "[a-z:{}\\[\\]&*!|>'\"#, \\n-]{0,200}") {
        let _ = Form::from_yaml(&src);
    }
}
