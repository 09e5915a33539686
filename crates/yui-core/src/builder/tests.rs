#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yui_domain::definition::{Choice, FieldType, Form};

use super::condition::{Condition, Join, Op, Row, from_expression, to_expression};
use super::edit::{
    ADDABLE_TYPES, Direction, FieldEdit, add_field, add_page, delete_field, duplicate_field,
    edit_field, find, move_field, parse_choices,
};
use super::{app_template, app_templates, blank};

fn names(def: &yui_domain::definition::AppDefinition, page: usize) -> Vec<String> {
    def.fields[page]
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect()
}

#[test]
fn every_shipped_template_is_offered() {
    assert!(app_templates().len() >= 30, "{}", app_templates().len());
    assert!(app_template("play-room-booking").is_some());
}

#[test]
fn a_blank_app_and_every_addable_question_type_still_check() {
    let mut def = blank("test-app", "テスト");
    Form::from_definition(def.clone()).unwrap();
    for t in ADDABLE_TYPES {
        add_field(&mut def, Some("page1"), t).unwrap();
    }
    add_page(&mut def);
    Form::from_definition(def).unwrap();
}

#[test]
fn choices_pasted_from_one_excel_column_get_numbered_codes() {
    let existing = vec![Choice::new("east", "東地区")];
    let parsed = parse_choices("東地区\r\n西地区\r\n\r\n南地区\r\n", &existing).unwrap();
    let codes: Vec<_> = parsed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(codes, ["east", "1", "2"]);
    assert_eq!(parsed[1].label.ja, "西地区");
}

#[test]
fn choices_pasted_from_two_excel_columns_keep_their_codes() {
    let parsed = parse_choices("a\tはい\nb\tいいえ", &[]).unwrap();
    assert_eq!(parsed[1].name, "b");
    assert_eq!(parsed[1].label.ja, "いいえ");
    assert!(parse_choices("\n \n", &[]).is_err());
    assert!(parse_choices("a\tはい\na\tいいえ", &[]).is_err());
}

#[test]
fn editing_a_select_field_replaces_its_choice_list() {
    let mut def = blank("test-app", "テスト");
    let name = add_field(&mut def, Some("page1"), FieldType::SelectOne).unwrap();
    let edit = FieldEdit {
        label_ja: "地区".into(),
        choices: Some("東\n西".into()),
        ..FieldEdit::default()
    };
    edit_field(&mut def, &name, &edit).unwrap();
    let list = find(&def.fields, &name).unwrap().choices.clone().unwrap();
    assert_eq!(def.choices[&list].len(), 2);
    assert_eq!(def.choices[&list][1].label.ja, "西");
    Form::from_definition(def).unwrap();
}

#[test]
fn moving_past_the_edge_of_a_page_moves_into_the_next_page() {
    let mut def = blank("test-app", "テスト");
    let second = add_field(&mut def, Some("page1"), FieldType::Text).unwrap();
    let page2 = add_page(&mut def);
    move_field(&mut def, "q1", Direction::Down).unwrap();
    assert_eq!(names(&def, 0), [second.clone(), "q1".to_owned()]);
    move_field(&mut def, "q1", Direction::Down).unwrap();
    assert_eq!(names(&def, 0), [second]);
    assert_eq!(def.fields[1].name, page2);
    assert_eq!(names(&def, 1)[0], "q1");
}

#[test]
fn duplicating_and_deleting_fields() {
    let mut def = blank("test-app", "テスト");
    let copy = duplicate_field(&mut def, "q1").unwrap();
    assert_eq!(names(&def, 0), ["q1".to_owned(), copy.clone()]);
    assert!(
        find(&def.fields, &copy)
            .unwrap()
            .label
            .as_ref()
            .unwrap()
            .ja
            .contains("コピー")
    );
    let select = add_field(&mut def, Some("page1"), FieldType::SelectOne).unwrap();
    delete_field(&mut def, &select).unwrap();
    assert!(
        def.choices.is_empty(),
        "the deleted question's own list goes too"
    );
    Form::from_definition(def).unwrap();
}

#[test]
fn condition_rows_become_an_expression_and_back() {
    let mut def = blank("test-app", "テスト");
    let kind = add_field(&mut def, Some("page1"), FieldType::SelectOne).unwrap();
    let count = add_field(&mut def, Some("page1"), FieldType::Integer).unwrap();
    let condition = Condition {
        join: Join::And,
        rows: vec![
            Row {
                field: kind.clone(),
                op: Op::Eq,
                value: "選択肢2".into(),
            },
            Row {
                field: count.clone(),
                op: Op::Gt,
                value: "3".into(),
            },
            Row {
                field: String::new(),
                op: Op::Eq,
                value: String::new(),
            },
        ],
    };
    let expr = to_expression(&def, &condition).unwrap().unwrap();
    assert_eq!(expr, format!("${{{kind}}} = '2' and ${{{count}}} > 3"));
    let back = from_expression(&def, &expr).unwrap();
    assert_eq!(
        back.rows[0].value, "選択肢2",
        "codes read back as their labels"
    );
    assert_eq!(back.rows[1], condition.rows[1]);
    assert!(from_expression(&def, "if(${q1} = 'a', 1, 0) > 0").is_none());
    let bad = Condition {
        join: Join::Or,
        rows: vec![Row {
            field: count,
            op: Op::Gt,
            value: "many".into(),
        }],
    };
    assert!(to_expression(&def, &bad).is_err());
}

#[test]
fn yes_no_rows_use_yes_and_no_and_calculations_compare_as_numbers() {
    let mut def = blank("test-app", "テスト");
    let yes_no = add_field(&mut def, Some("page1"), FieldType::YesNo).unwrap();
    let total = add_field(&mut def, Some("page1"), FieldType::Calculate).unwrap();
    let condition = Condition {
        join: Join::And,
        rows: vec![
            Row {
                field: yes_no.clone(),
                op: Op::Eq,
                value: "はい".into(),
            },
            Row {
                field: total.clone(),
                op: Op::Le,
                value: "5".into(),
            },
        ],
    };
    let expr = to_expression(&def, &condition).unwrap().unwrap();
    assert_eq!(expr, format!("${{{yes_no}}} = 'yes' and ${{{total}}} <= 5"));
    assert_eq!(from_expression(&def, &expr).unwrap(), condition);
}
