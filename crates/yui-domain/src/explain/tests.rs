//! Tests of plain-language explanations: the sentences staff read in the handover manual.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use super::*;
use crate::definition::Form;
use crate::expr::Func;

const PLAY_ROOM: &str = include_str!("../../../../templates/play-room-booking.yaml");
const MOVING_IN: &str = include_str!("../../../../templates/moving-in-notice.yaml");
const EVACUEES: &str = include_str!("../../../../templates/evacuee-count.yaml");
const CASES: &str = include_str!("../../../../spec/expression-cases.json");

fn form(src: &str) -> Form {
    Form::from_yaml(src).unwrap()
}

/// The sentence for one property of one field.
fn say(form: &Form, field: &str, property: Property) -> Sentence {
    let f = form.field(field).unwrap();
    let def = &f.definition;
    let text = match property {
        Property::Relevant => def.relevant.clone(),
        Property::Constraint => def.constraint.clone(),
        Property::Calculation => def.calculation.clone(),
        Property::ChoiceFilter => def.choice_filter.clone(),
        Property::Required => def
            .required
            .as_ref()
            .and_then(|r| r.expr().map(str::to_owned)),
        Property::ReadOnly => def
            .read_only
            .as_ref()
            .and_then(|r| r.expr().map(str::to_owned)),
        Property::Default => match &def.default {
            Some(DefaultValue::Expr(e)) => Some(e.clone()),
            _ => None,
        },
        Property::Label => None,
    };
    explain_source(form, Some(f), property, &text.unwrap()).unwrap()
}

fn guide_of<'g>(guide: &'g FormGuide, name: &str) -> &'g FieldGuide {
    guide
        .pages
        .iter()
        .flat_map(|p| &p.fields)
        .chain(&guide.calculations)
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the guide"))
}

#[test]
fn a_yes_no_condition_names_the_question_and_the_answer() {
    let f = form(PLAY_ROOM);
    let s = say(&f, "allergy_detail", Property::Relevant);
    assert_eq!(s.ja, "『食物アレルギーはありますか』が「はい」のとき");
    assert_eq!(s.en, "when “Any food allergies?” is “Yes”");
}

#[test]
fn a_number_range_reads_as_one_range() {
    let f = form(PLAY_ROOM);
    let s = say(&f, "adults", Property::Constraint);
    assert_eq!(s.ja, "1以上4以下");
    assert_eq!(s.en, "at least 1 and at most 4");
}

#[test]
fn dates_read_as_before_and_after_today() {
    let f = form(PLAY_ROOM);
    let s = say(&f, "use_date", Property::Constraint);
    assert_eq!(s.ja, "今日より後、かつ今日から60日後まで");
    assert_eq!(
        s.en,
        "later than today and no later than 60 days after today"
    );
    let f = form(MOVING_IN);
    assert_eq!(say(&f, "birth_date", Property::Constraint).ja, "今日より前");
    assert_eq!(
        say(&f, "moved_on", Property::Constraint).ja,
        "今日の14日前以降、かつ今日から14日後まで"
    );
}

#[test]
fn weekdays_are_named_in_words() {
    let f = form(MOVING_IN);
    let s = say(&f, "visit_date", Property::Constraint);
    assert_eq!(s.ja, "今日以降、かつ土曜日以外、かつ日曜日以外");
    assert_eq!(
        s.en,
        "on or after today and not a Saturday and not a Sunday"
    );
}

#[test]
fn choosing_from_a_multiple_choice_names_the_choice_label() {
    let f = form(EVACUEES);
    let s = say(&f, "urgent", Property::Calculation);
    assert_eq!(
        s.ja,
        "『不足している物資』で「飲料水」を選んだ、または『不足している物資』で「医薬品」を選んだかどうか"
    );
    assert!(
        s.en.contains("“Drinking water” is chosen in “Supplies needed”"),
        "{}",
        s.en
    );
}

#[test]
fn counting_a_repeat_of_people_says_how_many_people() {
    let f = form(PLAY_ROOM);
    let s = say(&f, "total_people", Property::Calculation);
    assert_eq!(s.ja, "『大人の人数』と『利用するお子さん』の人数の合計");
    assert_eq!(
        s.en,
        "the sum of “Number of adults” and the number of “Children”"
    );
}

#[test]
fn an_unlabelled_calculation_is_explained_where_it_is_used() {
    let f = form(PLAY_ROOM);
    let s = say(&f, "over_capacity", Property::Relevant);
    assert_eq!(
        s.ja,
        "『大人の人数』と『利用するお子さん』の人数の合計が6より大きいとき"
    );
    let note = field_label(&f, f.field("child_age_note").unwrap());
    assert_eq!(
        note.ja,
        "［お子さんのお名前］さんは ［『生年月日』から数えた今日の年齢（満年齢）］ 歳です"
    );
    assert!(!note.en.contains("${"), "{}", note.en);
}

#[test]
fn if_reads_as_when_otherwise() {
    let f = form(MOVING_IN);
    let s = say(&f, "household_size", Property::Calculation);
    assert_eq!(
        s.ja,
        "1と（『一緒に引っ越す家族はいますか』が「はい」のときは『一緒に引っ越す人』の人数、そうでなければ0）の合計"
    );
    assert_eq!(
        s.en,
        "the sum of 1 and (the number of “People moving with you” when “Is anyone moving with you?” is “Yes”, otherwise 0)"
    );
}

#[test]
fn a_choice_filter_says_which_choices_are_offered() {
    let f = form(PLAY_ROOM);
    let s = say(&f, "slot", Property::ChoiceFilter);
    assert_eq!(
        s.ja,
        "選択肢の「saturday」欄が「yes」、または『利用日』が土曜日以外のものだけ"
    );
    let f = form(EVACUEES);
    let s = say(&f, "shelter", Property::ChoiceFilter);
    assert_eq!(s.ja, "選択肢の「area」欄が『地区』と同じものだけ");
    assert_eq!(
        s.en,
        "only those where the choice's “area” column is “Area”"
    );
}

#[test]
fn text_tests_name_the_text_searched_for() {
    let f = form(MOVING_IN);
    let s = say(&f, "new_address", Property::Constraint);
    assert_eq!(
        s.ja,
        "『新しい住所（小国町）』が「869」で始まる、または『新しい住所（小国町）』に「小国町」が含まれる"
    );
}

#[test]
fn negation_turns_the_comparison_around() {
    let f = form(PLAY_ROOM);
    let e = crate::expr::parse("not(${adults} > 2) and not(${allergy} = 'yes' or ${adults} = 1)")
        .unwrap();
    let s = explain(&f, f.field("allergy_detail"), Property::Relevant, &e);
    assert_eq!(
        s.ja,
        "『大人の人数』が2以下、かつ（『食物アレルギーはありますか』が「はい」以外、かつ『大人の人数』が1以外）のとき"
    );
}

#[test]
fn expressions_too_long_for_a_sentence_fall_back_to_the_formula_with_labels() {
    let f = form(PLAY_ROOM);
    let long = (0..40)
        .map(|i| format!("${{adults}} * {i}"))
        .collect::<Vec<_>>()
        .join(" + ");
    let e = crate::expr::parse(&long).unwrap();
    let s = explain(&f, None, Property::Calculation, &e);
    assert!(s.ja.starts_with("次の計算: "), "{}", s.ja);
    assert!(s.ja.contains("『大人の人数』 × 39"), "{}", s.ja);
    assert!(s.en.starts_with("the formula: "), "{}", s.en);
    assert!(!s.ja.contains("${") && !s.en.contains("${"));
}

#[test]
fn field_types_are_described_in_plain_words() {
    let f = form(PLAY_ROOM);
    let g = form_guide(&f);
    assert_eq!(guide_of(&g, "adults").kind.ja, "数値（整数）");
    assert_eq!(guide_of(&g, "use_date").kind.ja, "日付（和暦で表示）");
    assert_eq!(
        guide_of(&g, "slot").kind.ja,
        "選択（1つ）: 午前（9:00〜12:00）, 午後（13:00〜16:00）"
    );
    assert_eq!(
        guide_of(&g, "slot").kind.en,
        "Choice (one): Morning (9:00–12:00), Afternoon (13:00–16:00)"
    );
    let e = form(EVACUEES);
    let g = form_guide(&e);
    assert_eq!(guide_of(&g, "photo").kind.ja, "写真（位置情報は削除）");
    assert!(
        guide_of(&g, "needs")
            .rules
            .iter()
            .any(|r| r.ja.starts_with("「その他」を選ぶと"))
    );
    assert_eq!(
        guide_of(&g, "photo").rules,
        vec![
            Sentence::new(
                "ファイルの種類: JPEG, PNG, HEIC, WebP",
                "File types: JPEG, PNG, HEIC, WebP"
            ),
            Sentence::new("大きさ: 15MBまで", "Size: up to 15 MB"),
        ]
    );
}

#[test]
fn requirements_limits_and_rules_are_listed_per_field() {
    let f = form(PLAY_ROOM);
    let g = form_guide(&f);
    let adults = guide_of(&g, "adults");
    assert_eq!(adults.required.ja, "必須");
    assert_eq!(
        adults.rules,
        vec![
            Sentence::new(
                "入力できる値: 1以上4以下",
                "Accepted: at least 1 and at most 4"
            ),
            Sentence::new(
                "合わないときの表示: 「1〜4 人で入力してください」",
                "Message when not met: “Enter 1 to 4”"
            ),
            Sentence::new("初期値: 1", "Starts as: 1"),
        ]
    );
    let detail = guide_of(&g, "allergy_detail");
    assert_eq!(detail.depth, 1, "inside the children repeat");
    assert_eq!(
        detail.shown_when.as_ref().unwrap().ja,
        "『食物アレルギーはありますか』が「はい」のとき"
    );
    assert!(detail.rules.contains(&Sentence::new(
        "文字数: 200文字以内",
        "Length: at most 200 characters"
    )));
    let children = guide_of(&g, "children");
    assert!(
        children
            .rules
            .contains(&Sentence::new("件数: 1件以上5件まで", "Entries: 1 to 5"))
    );
    assert_eq!(guide_of(&g, "email").required.en, "Required");
    assert_eq!(guide_of(&g, "over_capacity").required.ja, "―");
    assert_eq!(guide_of(&g, "agree").required.ja, "必須");
    let m = form(MOVING_IN);
    let g = form_guide(&m);
    let certificate = guide_of(&g, "certificate");
    assert_eq!(certificate.required.ja, "任意");
    assert_eq!(
        certificate.rules[0].ja,
        "ファイルの種類: PDF, 画像（すべての形式）"
    );
    assert_eq!(certificate.rules[1].ja, "大きさ: 10MBまで");
}

#[test]
fn a_conditional_requirement_says_when() {
    let src = PLAY_ROOM.replace(
        "        relevant: \"${allergy} = 'yes'\"\n        required: true\n",
        "        required: \"${allergy} = 'yes'\"\n",
    );
    let f = form(&src);
    let g = form_guide(&f);
    let detail = guide_of(&g, "allergy_detail");
    assert_eq!(
        detail.required.ja,
        "『食物アレルギーはありますか』が「はい」のとき必須"
    );
    assert_eq!(
        detail.required.en,
        "Required when “Any food allergies?” is “Yes”"
    );
}

#[test]
fn pages_keep_the_forms_order_and_calculations_come_last() {
    let f = form(PLAY_ROOM);
    let g = form_guide(&f);
    let titles: Vec<Option<&str>> = g
        .pages
        .iter()
        .map(|p| p.title.as_ref().map(|t| t.ja.as_str()))
        .collect();
    assert_eq!(
        titles,
        vec![
            Some("申込者"),
            Some("利用日時"),
            Some("利用するお子さん"),
            None
        ]
    );
    let children: Vec<&str> = g.pages[2].fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        children,
        vec![
            "children",
            "child_name",
            "child_birth",
            "child_age",
            "child_age_note",
            "allergy",
            "allergy_detail"
        ]
    );
    let calculations: Vec<&str> = g.calculations.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(calculations, vec!["total_people"]);
}

/// Everything a guide says, in both languages.
fn sentences(guide: &FormGuide) -> Vec<String> {
    let json = serde_json::to_value(guide).unwrap();
    let mut out = Vec::new();
    collect_strings(&json, &mut out);
    out
}

fn collect_strings(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::String(s) => out.push(s.clone()),
        Json::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Json::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

#[test]
fn no_template_shows_a_raw_field_reference_in_either_language() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        // Whether each template is valid is `tests/templates.rs`'s business.
        let Ok(form) = Form::from_yaml(&std::fs::read_to_string(&path).unwrap()) else {
            continue;
        };
        let guide = form_guide(&form);
        for text in sentences(&guide) {
            assert!(!text.contains("${"), "{}: {text}", path.display());
        }
        // Every expression of every field, both languages, never empty.
        for field in form.fields() {
            let d = &field.definition;
            let expressions = [
                (Property::Relevant, d.relevant.clone()),
                (Property::Constraint, d.constraint.clone()),
                (Property::Calculation, d.calculation.clone()),
                (Property::ChoiceFilter, d.choice_filter.clone()),
                (
                    Property::Required,
                    d.required
                        .as_ref()
                        .and_then(|r| r.expr().map(str::to_owned)),
                ),
                (
                    Property::ReadOnly,
                    d.read_only
                        .as_ref()
                        .and_then(|r| r.expr().map(str::to_owned)),
                ),
            ];
            for (property, text) in expressions {
                let Some(text) = text else { continue };
                let s = explain_source(&form, Some(field), property, &text).unwrap();
                assert!(
                    !s.ja.is_empty() && !s.en.is_empty(),
                    "{}: {text}",
                    field.name
                );
                assert!(
                    !s.ja.contains("${") && !s.en.contains("${"),
                    "{text}: {s:?}"
                );
                assert!(
                    !s.ja.starts_with("次の計算"),
                    "{text} has no sentence: {}",
                    s.ja
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} expressions in the templates");
}

/// The fields of `fields` whose enclosing repeat is `at`, with their children.
fn build(
    at: Option<&str>,
    parent: &BTreeMap<String, Option<String>>,
    types: &BTreeMap<String, String>,
) -> Vec<Json> {
    parent
        .iter()
        .filter(|(_, p)| p.as_deref() == at)
        .map(|(name, _)| {
            let t = types[name].as_str();
            let mut field = json!({ "name": name, "type": t, "label": format!("{name}のラベル") });
            match t {
                "select_one" | "select_multiple" => field["choices"] = json!("list"),
                "calculate" => field["calculation"] = json!("1"),
                "repeat" => field["fields"] = Json::Array(build(Some(name), parent, types)),
                _ => {}
            }
            field
        })
        .collect()
}

/// A form holding the fields a case of `spec/expression-cases.json` names, each labelled
/// 「<name>のラベル」, select lists with choices a, b and c.
fn case_form(fields: &serde_json::Map<String, Json>) -> Option<Form> {
    let mut parent: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    for (name, spec) in fields {
        let (t, repeat) = match spec {
            Json::String(t) => (t.clone(), None),
            Json::Object(o) => (
                o.get("type")?.as_str()?.to_owned(),
                o.get("repeat").and_then(Json::as_str).map(str::to_owned),
            ),
            _ => return None,
        };
        if let Some(r) = &repeat {
            types.entry(r.clone()).or_insert_with(|| "repeat".into());
            parent.entry(r.clone()).or_insert(None);
        }
        types.insert(name.clone(), t);
        parent.insert(name.clone(), repeat);
    }
    let mut fields = build(None, &parent, &types);
    fields.push(json!({ "name": "zz_filler", "type": "text", "label": "x" }));
    let definition = json!({
        "yui": 1, "id": "cases", "title": "cases", "audience": "public",
        "fields": fields,
        "choices": { "list": [
            { "name": "a", "label": "エー" },
            { "name": "b", "label": "ビー" },
            { "name": "c", "label": "シー" }
        ]}
    });
    Form::from_yaml(&definition.to_string()).ok()
}

#[test]
fn every_case_of_the_shared_table_reads_as_a_sentence_in_both_languages() {
    let cases: Vec<Json> = serde_json::from_str(CASES).unwrap();
    let empty = case_form(&serde_json::Map::new()).unwrap();
    let mut used: BTreeSet<&'static str> = BTreeSet::new();
    let mut explained = 0;
    for case in &cases {
        if case.get("error").is_some() {
            continue;
        }
        let source = case["expr"].as_str().unwrap();
        let Ok(expr) = crate::expr::parse(source) else {
            continue;
        };
        expr.walk(&mut |node| {
            if let ExprKind::Call(func, _) = &node.kind {
                used.insert(func.name());
            }
        });
        let fields = case.get("fields").and_then(Json::as_object);
        let built = fields.and_then(case_form);
        let form = built.as_ref().unwrap_or(&empty);
        let current = case
            .get("current")
            .and_then(Json::as_str)
            .and_then(|name| form.field(name));
        let properties: &[Property] = if case.get("item").is_some() {
            &[Property::ChoiceFilter]
        } else if current.is_some() {
            &[Property::Constraint, Property::Calculation]
        } else {
            &[Property::Calculation, Property::Relevant]
        };
        for &property in properties {
            let s = explain(form, current, property, &expr);
            for text in [&s.ja, &s.en] {
                assert!(!text.trim().is_empty(), "{source}: empty sentence");
                assert!(!text.contains("${"), "{source}: {text}");
            }
            assert!(
                !s.ja.starts_with("次の計算"),
                "{source} fell back to the formula: {}",
                s.ja
            );
            explained += 1;
        }
        if fields.is_some() {
            // Labels, never names, stand for fields that the case's form has.
            let s = explain(form, current, Property::Calculation, &expr);
            for name in expr.field_refs() {
                if let Some(field) = form.field(name) {
                    // Counting a repeat's field counts the repeat's entries.
                    let repeat = field.repeat.map(|r| form.fields()[r].name.clone());
                    let named = |n: &str| s.ja.contains(&format!("{n}のラベル"));
                    assert!(
                        named(name) || repeat.as_deref().is_some_and(named),
                        "{source}: {} does not name {name} by its label",
                        s.ja
                    );
                }
            }
        }
    }
    assert!(explained > 250, "only {explained} explanations");
    let missing: Vec<&str> = Func::ALL
        .iter()
        .map(|f| f.name())
        .filter(|name| !used.contains(name))
        .collect();
    assert!(missing.is_empty(), "functions never explained: {missing:?}");
}

#[test]
fn every_function_has_its_own_words() {
    // Each function's sentence differs from a bare call: no function name leaks through.
    let f = form(PLAY_ROOM);
    let adults = f.field("adults");
    for func in Func::ALL {
        let (min, _) = func.arity();
        let args: Vec<&str> = match func {
            Func::Selected | Func::SelectedAt | Func::CountSelected => {
                vec!["${slot}", "'am'"]
            }
            Func::Count => vec!["${children}"],
            Func::Sum | Func::Min | Func::Max | Func::CountNonEmpty => vec!["${child_age}"],
            Func::Join => vec!["', '", "${child_name}"],
            Func::Position => vec![],
            Func::Regex => vec![".", "'^[0-9]+$'"],
            _ => ["${adults}", "2", "3"]
                .into_iter()
                .take(min.max(1))
                .collect(),
        };
        let (min, max) = func.arity();
        let args: Vec<&str> = args.into_iter().take(max.unwrap_or(usize::MAX)).collect();
        if args.len() < min {
            continue;
        }
        let source = format!("{}({})", func.name(), args.join(", "));
        let Ok(expr) = crate::expr::parse(&source) else {
            panic!("{source} does not parse");
        };
        let s = explain(&f, adults, Property::Calculation, &expr);
        assert!(
            !s.ja.contains(&format!("{}(", func.name())),
            "{source}: {}",
            s.ja
        );
        assert!(
            !s.en.contains(&format!("{}(", func.name())),
            "{source}: {}",
            s.en
        );
    }
}
