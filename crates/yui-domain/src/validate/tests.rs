//! Tests of submission validation: normalisation of every field type, relevance,
//! calculations, repeats, rules and the bounds on work.

use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::{date, datetime};

use super::*;
use crate::definition::Form;

fn ctx() -> EvalContext {
    EvalContext {
        today: date!(2024 - 04 - 01),
        now: datetime!(2024-04-01 10:30:00 +09:00),
    }
}

/// A form with one field of every kind, for type-by-type checks.
const ALL_TYPES: &str = r#"
yui: 1
id: all-types
title: すべての型
audience: staff
fields:
  - { name: text, type: text, label: T, max_length: 10 }
  - { name: short, type: text, label: S, min_length: 2 }
  - { name: area, type: textarea, label: A }
  - { name: int, type: integer, label: I }
  - { name: dec, type: decimal, label: D }
  - { name: day, type: date, label: D }
  - { name: clock, type: time, label: T }
  - { name: moment, type: datetime, label: M }
  - { name: one, type: select_one, label: O, choices: abc }
  - { name: many, type: select_multiple, label: M, choices: abc }
  - { name: yn, type: yes_no, label: Y }
  - { name: mail, type: email, label: E }
  - { name: tel, type: phone, label: P }
  - { name: zip, type: postal_code, label: Z }
  - { name: addr, type: address, label: A }
  - { name: person, type: name, label: N }
  - { name: reading, type: name_kana, label: R }
  - { name: kana, type: kana, label: K }
  - { name: doc, type: file, label: F, max_size_mb: 1 }
  - { name: photo, type: image, label: P, accept: [image/*] }
  - { name: where, type: geopoint, label: G }
  - { name: ok, type: consent, label: C }
choices:
  abc: [ { name: a, label: A }, { name: b, label: B }, { name: c, label: C } ]
"#;

fn all_types() -> Form {
    Form::from_yaml(ALL_TYPES).unwrap()
}

/// The normalised value of `field` for `raw`, or the violation code.
fn norm(form: &Form, field: &str, raw: Value) -> Result<Option<Value>, &'static str> {
    let mut answers = json!({ "ok": true });
    answers[field] = raw;
    let evaluation = form.evaluate(&answers, &ctx());
    let state = evaluation.field(field).unwrap();
    match state.violations.first() {
        Some(v) => Err(v.code),
        None => Ok(state.value),
    }
}

#[test]
fn text_is_trimmed_but_otherwise_kept_as_typed() {
    let form = all_types();
    assert_eq!(
        norm(&form, "text", json!("\u{3000} 神﨑 髙 ")),
        Ok(Some(json!("神﨑 髙")))
    );
    // U+FA19 (a compatibility ideograph) must not become U+795E.
    assert_eq!(
        norm(&form, "text", json!("\u{FA19}")),
        Ok(Some(json!("\u{FA19}")))
    );
    assert_eq!(
        norm(&form, "text", json!("葛\u{E0100}")),
        Ok(Some(json!("葛\u{E0100}")))
    );
    assert_eq!(norm(&form, "text", json!("  ")), Ok(None));
    assert_eq!(norm(&form, "text", json!(42)), Ok(Some(json!("42"))));
}

#[test]
fn text_refuses_what_other_systems_cannot_show() {
    let form = all_types();
    assert_eq!(
        norm(&form, "text", json!("a\u{E000}")),
        Err("text.private_use")
    );
    assert_eq!(
        norm(&form, "text", json!("a\u{0007}b")),
        Err("text.control_character")
    );
    assert_eq!(
        norm(&form, "text", json!("a\u{202E}b")),
        Err("text.control_character")
    );
    assert_eq!(norm(&form, "text", json!("a\nb")), Err("text.newline"));
    assert_eq!(norm(&form, "text", json!([1])), Err("text.invalid"));
}

#[test]
fn text_length_counts_characters() {
    let form = all_types();
    assert_eq!(
        norm(&form, "text", json!("あいうえおかきくけこ")),
        Ok(Some(json!("あいうえおかきくけこ")))
    );
    assert_eq!(
        norm(&form, "text", json!("あいうえおかきくけこさ")),
        Err("text.too_long")
    );
    assert_eq!(norm(&form, "short", json!("a")), Err("text.too_short"));
    let evaluation = form.evaluate(&json!({ "text": "x".repeat(11), "ok": true }), &ctx());
    let report = evaluation.report();
    let violation = &report.get("text").unwrap()[0];
    assert_eq!(violation.params["max"], json!(10));
    assert!(violation.message_ja.contains("10 文字"));
}

#[test]
fn textarea_keeps_line_breaks_and_unifies_crlf() {
    let form = all_types();
    assert_eq!(
        norm(&form, "area", json!("一行目\r\n二行目\r\n")),
        Ok(Some(json!("一行目\n二行目")))
    );
}

#[test]
fn a_huge_string_is_refused_without_being_examined() {
    let form = all_types();
    let huge = "あ".repeat(5_000_000);
    let started = std::time::Instant::now();
    assert_eq!(norm(&form, "area", json!(huge)), Err("text.too_long"));
    assert_eq!(
        norm(&form, "kana", json!("ア".repeat(1_000_000))),
        Err("text.too_long")
    );
    assert_eq!(
        norm(&form, "int", json!("1".repeat(1_000_000))),
        Err("integer.invalid")
    );
    // Generous bound: the point is that it does not scale with a quadratic or worse cost.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn integers_accept_full_width_digits_and_grouping() {
    let form = all_types();
    assert_eq!(norm(&form, "int", json!("１２")), Ok(Some(json!(12))));
    assert_eq!(norm(&form, "int", json!(" 1,234 ")), Ok(Some(json!(1234))));
    assert_eq!(norm(&form, "int", json!("－３")), Ok(Some(json!(-3))));
    assert_eq!(norm(&form, "int", json!(7.0)), Ok(Some(json!(7))));
    assert_eq!(norm(&form, "int", json!("")), Ok(None));
    assert_eq!(norm(&form, "int", json!("12.5")), Err("integer.invalid"));
    assert_eq!(norm(&form, "int", json!("1,23")), Err("integer.invalid"));
    assert_eq!(norm(&form, "int", json!("十二")), Err("integer.invalid"));
    assert_eq!(norm(&form, "int", json!(true)), Err("integer.invalid"));
    assert_eq!(
        norm(&form, "int", json!("99999999999999999")),
        Err("number.out_of_range")
    );
}

#[test]
fn the_integer_message_says_what_is_expected_without_demanding_half_width() {
    let form = all_types();
    let evaluation = form.evaluate(&json!({ "int": "abc", "ok": true }), &ctx());
    let report = evaluation.report();
    let violation = &report.get("int").unwrap()[0];
    assert!(!violation.message_ja.contains("半角"));
    assert!(violation.message_ja.contains("整数"));
}

#[test]
fn decimals_accept_full_width_numbers() {
    let form = all_types();
    assert_eq!(norm(&form, "dec", json!("１．５")), Ok(Some(json!(1.5))));
    assert_eq!(norm(&form, "dec", json!("-0.25")), Ok(Some(json!(-0.25))));
    assert_eq!(norm(&form, "dec", json!(".5")), Ok(Some(json!(0.5))));
    assert_eq!(norm(&form, "dec", json!("1e3")), Err("decimal.invalid"));
    assert_eq!(norm(&form, "dec", json!(".")), Err("decimal.invalid"));
}

#[test]
fn dates_are_read_in_western_and_japanese_forms() {
    let form = all_types();
    for raw in [
        "令和6年4月1日",
        "R6.4.1",
        "2024/4/1",
        "2024-04-01",
        "２０２４年４月１日",
    ] {
        assert_eq!(
            norm(&form, "day", json!(raw)),
            Ok(Some(json!("2024-04-01"))),
            "{raw}"
        );
    }
    assert_eq!(
        norm(&form, "day", json!("令和元年5月1日")),
        Ok(Some(json!("2019-05-01")))
    );
    assert_eq!(
        norm(&form, "day", json!("2023-02-29")),
        Err("wareki.no_such_date")
    );
    assert_eq!(norm(&form, "day", json!("someday")), Err("wareki.invalid"));
}

#[test]
fn times_are_read_with_colons_or_japanese_units() {
    let form = all_types();
    assert_eq!(
        norm(&form, "clock", json!("9:05")),
        Ok(Some(json!("09:05")))
    );
    assert_eq!(
        norm(&form, "clock", json!("９時５分")),
        Ok(Some(json!("09:05")))
    );
    assert_eq!(
        norm(&form, "clock", json!("13時")),
        Ok(Some(json!("13:00")))
    );
    assert_eq!(
        norm(&form, "clock", json!("09:05:59")),
        Ok(Some(json!("09:05")))
    );
    assert_eq!(norm(&form, "clock", json!("25:00")), Err("time.invalid"));
    assert_eq!(norm(&form, "clock", json!("9:5")), Err("time.invalid"));
}

#[test]
fn date_times_are_normalised_to_japan_time() {
    let form = all_types();
    let cases = [
        ("2024-04-01T10:00", "2024-04-01T10:00:00+09:00"),
        ("2024-04-01 10:00:30", "2024-04-01T10:00:30+09:00"),
        ("2024-04-01T01:00:00Z", "2024-04-01T10:00:00+09:00"),
        ("2024-03-31T20:00:00-05:00", "2024-04-01T10:00:00+09:00"),
        ("令和6年4月1日 9:30", "2024-04-01T09:30:00+09:00"),
        ("2024-04-01T10:00:00.123+09:00", "2024-04-01T10:00:00+09:00"),
    ];
    for (raw, normalised) in cases {
        assert_eq!(
            norm(&form, "moment", json!(raw)),
            Ok(Some(json!(normalised))),
            "{raw}"
        );
    }
    assert_eq!(
        norm(&form, "moment", json!("2024-04-01")),
        Err("datetime.invalid")
    );
}

#[test]
fn selects_keep_choice_names_in_list_order() {
    let form = all_types();
    assert_eq!(norm(&form, "one", json!(" b ")), Ok(Some(json!("b"))));
    assert_eq!(norm(&form, "one", json!("z")), Err("choice.unknown"));
    assert_eq!(
        norm(&form, "many", json!("c a")),
        Ok(Some(json!(["a", "c"])))
    );
    assert_eq!(
        norm(&form, "many", json!(["b", "a", "b"])),
        Ok(Some(json!(["a", "b"])))
    );
    assert_eq!(norm(&form, "many", json!([])), Ok(None));
    assert_eq!(
        norm(&form, "many", json!(["a", "zz"])),
        Err("choice.unknown")
    );
    let evaluation = form.evaluate(&json!({ "one": "zz", "ok": true }), &ctx());
    assert_eq!(
        evaluation.report().get("one").unwrap()[0].params["value"],
        json!("zz")
    );
}

#[test]
fn yes_no_reads_form_values() {
    let form = all_types();
    for (raw, value) in [
        ("yes", true),
        ("はい", true),
        ("true", true),
        ("no", false),
        ("いいえ", false),
        ("0", false),
    ] {
        assert_eq!(
            norm(&form, "yn", json!(raw)),
            Ok(Some(json!(value))),
            "{raw}"
        );
    }
    assert_eq!(norm(&form, "yn", json!(false)), Ok(Some(json!(false))));
    assert_eq!(norm(&form, "yn", json!("maybe")), Err("yes_no.invalid"));
}

#[test]
fn contact_details_are_normalised_by_the_japanese_parsers() {
    let form = all_types();
    assert_eq!(
        norm(&form, "mail", json!(" Taro@Example.JP ")),
        Ok(Some(json!("Taro@example.jp")))
    );
    assert_eq!(
        norm(&form, "tel", json!("０９６７－４６－１１１１")),
        Ok(Some(json!("0967461111")))
    );
    assert_eq!(
        norm(&form, "zip", json!("〒869-4401")),
        Ok(Some(json!("8694401")))
    );
    assert!(norm(&form, "zip", json!("12345")).is_err());
    assert!(norm(&form, "mail", json!("not an address")).is_err());
    assert!(norm(&form, "tel", json!("12")).is_err());
}

#[test]
fn addresses_take_parts_or_one_string() {
    let form = all_types();
    assert_eq!(
        norm(
            &form,
            "addr",
            json!({ "postal_code": "869-4401", "address": " 小国町宮原1567-1 ", "building": "" })
        ),
        Ok(Some(
            json!({ "postal_code": "8694401", "address": "小国町宮原1567-1" })
        ))
    );
    assert_eq!(
        norm(&form, "addr", json!("小国町宮原")),
        Ok(Some(json!({ "address": "小国町宮原" })))
    );
    assert_eq!(
        norm(&form, "addr", json!({ "postal_code": "8694401" })),
        Err("address.incomplete")
    );
    assert_eq!(
        norm(&form, "addr", json!({ "street": "x" })),
        Err("address.invalid")
    );
    assert_eq!(
        norm(&form, "addr", json!({ "address": "", "building": "" })),
        Ok(None)
    );
}

#[test]
fn names_are_split_but_never_normalised() {
    let form = all_types();
    assert_eq!(
        norm(&form, "person", json!("髙橋\u{3000}\u{FA19}一")),
        Ok(Some(json!({ "family": "髙橋", "given": "\u{FA19}一" })))
    );
    assert_eq!(
        norm(&form, "person", json!({ "family": "Smith", "given": "" })),
        Ok(Some(json!({ "family": "Smith", "given": "" })))
    );
    assert_eq!(
        norm(&form, "person", json!({ "given": "太郎" })),
        Err("name.family_missing")
    );
    assert_eq!(
        norm(&form, "reading", json!("やまだ ﾀﾛｳ")),
        Ok(Some(json!({ "family": "ヤマダ", "given": "タロウ" })))
    );
    assert_eq!(
        norm(&form, "reading", json!({ "family": "山田" })),
        Err("kana.invalid")
    );
    assert_eq!(
        norm(&form, "kana", json!("がっこう")),
        Ok(Some(json!("ガッコウ")))
    );
}

#[test]
fn uploads_are_checked_against_the_fields_limits() {
    let form = all_types();
    let file = |size: u64, content_type: &str| json!({ "id": "f-1", "name": "a.pdf", "size": size, "content_type": content_type });
    assert_eq!(
        norm(&form, "doc", file(1000, "Application/PDF")),
        Ok(Some(file(1000, "application/pdf")))
    );
    assert_eq!(
        norm(&form, "doc", file(2 * 1024 * 1024, "application/pdf")),
        Err("file.too_large")
    );
    assert_eq!(
        norm(&form, "doc", file(10, "application/x-msdownload")),
        Err("file.type_not_allowed")
    );
    assert_eq!(
        norm(&form, "photo", file(10, "image/gif")).map(|v| v.is_some()),
        Ok(true)
    );
    assert_eq!(
        norm(&form, "photo", file(10, "text/plain")),
        Err("file.type_not_allowed")
    );
    assert_eq!(
        norm(
            &form,
            "doc",
            json!({ "id": "../etc", "name": "a", "size": 1, "content_type": "application/pdf" })
        ),
        Err("file.invalid")
    );
    assert_eq!(norm(&form, "doc", json!("a.pdf")), Err("file.invalid"));
}

#[test]
fn geopoints_take_objects_or_odk_strings() {
    let form = all_types();
    assert_eq!(
        norm(&form, "where", json!("33.12 131.07 450 12")),
        Ok(Some(
            json!({ "lat": 33.12, "lon": 131.07, "accuracy": 12.0 })
        ))
    );
    assert_eq!(
        norm(&form, "where", json!({ "lat": "33.1", "lon": 131 })),
        Ok(Some(json!({ "lat": 33.1, "lon": 131.0 })))
    );
    assert_eq!(norm(&form, "where", json!("91 0")), Err("geopoint.invalid"));
    assert_eq!(
        norm(&form, "where", json!({ "lat": 1 })),
        Err("geopoint.invalid")
    );
}

#[test]
fn consent_must_be_given() {
    let form = all_types();
    let evaluation = form.evaluate(&json!({}), &ctx());
    assert_eq!(evaluation.report().codes(), vec!["ok: consent.required"]);
    let evaluation = form.evaluate(&json!({ "ok": "on" }), &ctx());
    assert!(evaluation.is_valid());
    assert_eq!(evaluation.answers()["ok"], json!(true));
}

const LOGIC: &str = r#"
yui: 1
id: logic
title: 条件
audience: public
fields:
  - { name: age, type: integer, label: 年齢, required: true, required_message: { ja: 年齢は必須です, en: Age is required },
      constraint: ". >= 0 and . <= 120", constraint_message: 0〜120 で入力してください }
  - { name: guardian, type: text, label: 保護者, relevant: "${age} < 18", required: true }
  - name: school
    type: group
    label: 学校
    relevant: "${age} >= 6 and ${age} <= 15"
    fields:
      - { name: school_name, type: text, label: 学校名, required: true }
  - { name: pref, type: select_one, label: 県, choices: prefs }
  - { name: town, type: select_one, label: 町, choices: towns, choice_filter: "pref = ${pref}" }
  - { name: double, type: calculate, calculation: "${age} * 2" }
  - { name: bad, type: calculate, calculation: "${age} div 0 - ${age} div 0" }
  - { name: label, type: calculate, calculation: "concat('age:', ${age})" }
  - { name: fixed, type: text, label: 固定, read_only: true, default: 固定値 }
  - { name: opened, type: date, label: 受付日, read_only: true, default: { expr: "today()" } }
  - name: kids
    type: repeat
    label: 子
    min_count: 1
    max_count: 3
    relevant: "${age} >= 18"
    fields:
      - { name: kid_age, type: integer, label: 年齢, required: true, constraint: ". < ${age}" }
      - { name: kid_school, type: text, label: 学校, relevant: "${kid_age} >= 6" }
      - { name: kid_double, type: calculate, calculation: "${kid_age} * 2 + position(..)" }
  - { name: kid_total, type: calculate, calculation: "sum(${kid_age})" }
choices:
  prefs: [ { name: kumamoto, label: 熊本 }, { name: oita, label: 大分 } ]
  towns: [ { name: oguni, label: 小国, pref: kumamoto }, { name: hita, label: 日田, pref: oita } ]
"#;

fn logic() -> Form {
    Form::from_yaml(LOGIC).unwrap()
}

#[test]
fn required_and_constraint_use_the_builders_messages() {
    let form = logic();
    let evaluation = form.evaluate(&json!({}), &ctx());
    let report = evaluation.report();
    let violation = &report.get("age").unwrap()[0];
    assert_eq!(
        (violation.code, violation.message_ja.as_str()),
        ("required", "年齢は必須です")
    );
    let evaluation = form.evaluate(&json!({ "age": "130" }), &ctx());
    let report = evaluation.report();
    let violation = &report.get("age").unwrap()[0];
    assert_eq!(violation.code, "constraint");
    assert_eq!(violation.message_en, "0〜120 で入力してください");
}

#[test]
fn irrelevant_answers_are_dropped_and_not_checked() {
    let form = logic();
    let evaluation = form.evaluate(
        &json!({ "age": 40, "guardian": "someone", "school_name": "", "kids": [{ "kid_age": "10", "kid_school": "小国小" }] }),
        &ctx(),
    );
    assert!(evaluation.is_valid(), "{:#?}", evaluation.report());
    let answers = evaluation.answers();
    assert!(answers.get("guardian").is_none());
    assert!(answers.get("school_name").is_none());
    assert!(!evaluation.field("guardian").unwrap().relevant);
    assert!(!evaluation.field("school_name").unwrap().relevant);
}

#[test]
fn a_group_shows_its_fields_only_when_relevant() {
    let form = logic();
    let evaluation = form.evaluate(&json!({ "age": 10, "guardian": "母" }), &ctx());
    assert_eq!(evaluation.report().codes(), vec!["school_name: required"]);
    let state = evaluation.field("school_name").unwrap();
    assert!(state.relevant && state.required);
}

#[test]
fn calculations_are_computed_and_typed() {
    let form = logic();
    let evaluation = form.evaluate(
        &json!({ "age": "２１", "kids": [{ "kid_age": 3 }] }),
        &ctx(),
    );
    let answers = evaluation.answers();
    assert_eq!(answers["double"], json!(42));
    assert_eq!(answers["label"], json!("age:21"));
    assert!(answers.get("bad").is_none(), "NaN is stored as empty");
    assert_eq!(answers["kid_total"], json!(3));
    assert_eq!(answers["kids"][0]["kid_double"], json!(7));
}

#[test]
fn read_only_fields_keep_their_default_whatever_is_sent() {
    let form = logic();
    let evaluation = form.evaluate(
        &json!({ "age": 30, "fixed": "changed", "opened": "2000-01-01", "kids": [{"kid_age": 1}] }),
        &ctx(),
    );
    assert_eq!(evaluation.answers()["fixed"], json!("固定値"));
    assert_eq!(evaluation.answers()["opened"], json!("2024-04-01"));
    assert!(evaluation.field("fixed").unwrap().read_only);
}

#[test]
fn repeat_rows_are_validated_with_paths() {
    let form = logic();
    let evaluation = form.evaluate(
        &json!({ "age": 30, "kids": [{ "kid_age": 5 }, { "kid_age": "40" }, {}] }),
        &ctx(),
    );
    assert_eq!(
        evaluation.report().codes(),
        vec!["kids[1].kid_age: constraint", "kids[2].kid_age: required"]
    );
    assert_eq!(
        evaluation.field("kids[0].kid_age").unwrap().value,
        Some(json!(5))
    );
    assert!(!evaluation.field("kids[0].kid_school").unwrap().relevant);
    assert!(evaluation.field("kids[5].kid_age").is_none());
}

#[test]
fn repeat_counts_are_checked() {
    let form = logic();
    let evaluation = form.evaluate(&json!({ "age": 30 }), &ctx());
    assert_eq!(evaluation.report().codes(), vec!["kids: repeat.too_few"]);
    let rows: Vec<Value> = (0..4).map(|_| json!({ "kid_age": 1 })).collect();
    let evaluation = form.evaluate(&json!({ "age": 30, "kids": rows }), &ctx());
    assert_eq!(evaluation.report().codes(), vec!["kids: repeat.too_many"]);
}

#[test]
fn thousands_of_rows_are_refused_quickly() {
    let form = logic();
    let rows: Vec<Value> = (0..20_000).map(|i| json!({ "kid_age": i % 20 })).collect();
    let evaluation = form.evaluate(&json!({ "age": 30, "kids": rows }), &ctx());
    assert!(
        evaluation
            .report()
            .codes()
            .contains(&"kids: repeat.too_many".to_owned())
    );
    // Only the first thousand rows are kept.
    assert_eq!(evaluation.answers()["kids"].as_array().unwrap().len(), 1000);
}

#[test]
fn a_filtered_out_choice_is_refused() {
    let form = logic();
    let evaluation = form.evaluate(
        &json!({ "age": 5, "guardian": "父", "pref": "oita", "town": "oguni" }),
        &ctx(),
    );
    assert_eq!(
        evaluation.report().codes(),
        vec!["town: choice.unavailable"]
    );
    let evaluation = form.evaluate(
        &json!({ "age": 5, "guardian": "父", "pref": "kumamoto", "town": "oguni" }),
        &ctx(),
    );
    assert!(evaluation.is_valid());
}

#[test]
fn answers_that_are_not_an_object_are_reported() {
    let form = logic();
    let evaluation = form.evaluate(&json!([1, 2]), &ctx());
    assert!(!evaluation.is_valid());
    assert!(
        evaluation
            .report()
            .codes()
            .contains(&": answers.invalid".to_owned())
    );
    let evaluation = form.evaluate(&json!({ "kids": "not a list", "age": 30 }), &ctx());
    assert_eq!(evaluation.report().codes(), vec!["kids: repeat.invalid"]);
}

#[test]
fn unknown_answer_keys_are_ignored() {
    let form = logic();
    let evaluation = form.evaluate(
        &json!({ "age": 5, "guardian": "父", "csrf": "x", "double": 99 }),
        &ctx(),
    );
    assert!(evaluation.is_valid());
    assert!(evaluation.answers().get("csrf").is_none());
    assert_eq!(
        evaluation.answers()["double"],
        json!(10),
        "calculations ignore what is sent"
    );
}

#[test]
fn a_runaway_expression_is_reported_not_hung() {
    let src = format!(
        "yui: 1\nid: heavy\ntitle: 重い\naudience: staff\nfields:\n  - name: r\n    type: repeat\n    fields: [ {{ name: x, type: textarea, label: X }} ]\n  - {{ name: c, type: calculate, calculation: \"{}\" }}\n",
        vec!["string-length(join('', ${x}))"; 30].join(" + ")
    );
    let form = Form::from_yaml(&src).unwrap();
    let rows: Vec<Value> = (0..1000)
        .map(|_| json!({ "x": "あ".repeat(5000) }))
        .collect();
    let evaluation = form.evaluate(&json!({ "r": rows }), &ctx());
    assert_eq!(evaluation.report().codes(), vec!["c: logic.too_complex"]);
}

#[test]
fn initial_answers_hold_the_defaults() {
    let form = logic();
    let initial = form.initial_answers(&ctx());
    assert_eq!(initial["fixed"], json!("固定値"));
    assert_eq!(initial["opened"], json!("2024-04-01"));
}

#[test]
fn paths_work_with_dotted_names() {
    let src = "yui: 1\nid: dots\ntitle: 点\naudience: staff\nfields:\n  - name: r.s\n    type: repeat\n    fields: [ { name: a.b, type: integer, label: A } ]\n  - { name: c.d, type: text, label: C }\n";
    let form = Form::from_yaml(src).unwrap();
    let evaluation = form.evaluate(&json!({ "r.s": [{ "a.b": "7" }], "c.d": "x" }), &ctx());
    assert_eq!(
        evaluation.field("r.s[0].a.b").unwrap().value,
        Some(json!(7))
    );
    assert_eq!(evaluation.field("c.d").unwrap().value, Some(json!("x")));
    assert!(evaluation.field("r.s[1].a.b").is_none());
}

#[test]
fn field_states_are_listed_in_document_order() {
    let form = logic();
    let evaluation = form.evaluate(&json!({ "age": 30, "kids": [{ "kid_age": 1 }] }), &ctx());
    let paths: Vec<String> = evaluation.fields().map(|(path, _)| path).take(4).collect();
    assert_eq!(paths, vec!["age", "guardian", "school", "school_name"]);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let names = prop_oneof![
        Just("age"),
        Just("guardian"),
        Just("school_name"),
        Just("pref"),
        Just("town"),
        Just("kids"),
        Just("kid_age"),
        Just("kid_school"),
        Just("fixed"),
        Just("opened"),
        Just("double"),
        Just("x"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[0-9０-９,.\\-]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..8).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

proptest! {
    #[test]
    fn evaluation_never_panics_on_arbitrary_json(raw in arb_json()) {
        let form = logic();
        let evaluation = form.evaluate(&raw, &ctx());
        // Whatever came in, what is stored is valid for its field when the submission is.
        if evaluation.is_valid() {
            let again = form.evaluate(&Value::Object(evaluation.answers().clone()), &ctx());
            prop_assert!(again.is_valid(), "{:?}", again.report());
            prop_assert_eq!(again.answers(), evaluation.answers());
        }
    }

    #[test]
    fn every_type_survives_arbitrary_values(raw in arb_json()) {
        let form = all_types();
        let answers: serde_json::Map<String, Value> = form
            .fields()
            .iter()
            .map(|f| (f.name.clone(), raw.clone()))
            .collect();
        let evaluation = form.evaluate(&Value::Object(answers), &ctx());
        if evaluation.is_valid() {
            let again = form.evaluate(&Value::Object(evaluation.answers().clone()), &ctx());
            prop_assert_eq!(again.answers(), evaluation.answers());
        }
    }
}
