//! Benchmarks of the definition engine: validating a realistic 50-field submission (relevance,
//! constraints, calculations and a repeat, answers sent as strings the way web forms send
//! them), and loading the definition itself.
//!
//! Run with `cargo bench -p yui-domain --bench validate`.

// A benchmark whose setup is broken must stop loudly rather than measure nonsense.
#![allow(clippy::expect_used)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use time::macros::{date, datetime};
use yui_domain::definition::Form;
use yui_domain::expr::EvalContext;

/// 40 questions, 3 calculations, a repeat with 4 fields, 2 groups and a note: 50 fields.
fn definition() -> String {
    let mut yaml = String::from(
        "yui: 1\nid: bench\ntitle: { ja: ベンチマーク, en: Benchmark }\naudience: public\nfields:\n",
    );
    yaml.push_str("  - name: applicant\n    type: group\n    label: 申請者\n    fields:\n");
    yaml.push_str("      - { name: full_name, type: name, label: 氏名, required: true }\n");
    yaml.push_str("      - { name: kana, type: name_kana, label: フリガナ, required: true }\n");
    yaml.push_str("      - { name: birth, type: date, label: 生年月日, required: true, constraint: '. < today()' }\n");
    yaml.push_str("      - { name: phone, type: phone, label: 電話, required: true }\n");
    yaml.push_str("      - { name: email, type: email, label: メール }\n");
    yaml.push_str("      - { name: address, type: address, label: 住所, required: true }\n");
    yaml.push_str("  - { name: intro, type: note, label: 以下の質問にお答えください }\n");
    yaml.push_str("  - name: details\n    type: group\n    label: 詳細\n    fields:\n");
    for i in 0..10 {
        let _ = writeln!(
            yaml,
            "      - {{ name: q{i}, type: integer, label: 質問{i}, required: true, constraint: '. >= 0 and . <= 100' }}"
        );
    }
    for i in 0..8 {
        let _ = writeln!(
            yaml,
            "      - {{ name: t{i}, type: text, label: 記述{i}, max_length: 200, relevant: '${{q{i}}} > 10' }}"
        );
    }
    for i in 0..6 {
        let _ = writeln!(
            yaml,
            "      - {{ name: s{i}, type: select_one, label: 選択{i}, choices: opts, required: true }}"
        );
    }
    yaml.push_str("  - { name: many, type: select_multiple, label: 複数, choices: opts }\n");
    yaml.push_str(
        "  - { name: detail, type: textarea, label: 詳細, relevant: \"selected(${many}, 'c')\" }\n",
    );
    yaml.push_str("  - { name: agree_terms, type: yes_no, label: 規約, required: true }\n");
    yaml.push_str("  - { name: visit, type: date, label: 来庁日, constraint: '. >= today()' }\n");
    yaml.push_str("  - { name: visit_time, type: time, label: 時刻 }\n");
    yaml.push_str("  - { name: zip, type: postal_code, label: 郵便番号 }\n");
    yaml.push_str("  - { name: weight, type: decimal, label: 重さ }\n");
    yaml.push_str("  - { name: vehicle, type: yes_no, label: 車で来ますか }\n");
    yaml.push_str(
        "  - { name: plate, type: text, label: ナンバー, relevant: \"${vehicle} = 'yes'\" }\n",
    );
    yaml.push_str(
        "  - name: members\n    type: repeat\n    min_count: 1\n    max_count: 10\n    fields:\n",
    );
    yaml.push_str("      - { name: m_name, type: text, label: 名前, required: true }\n");
    yaml.push_str("      - { name: m_age, type: integer, label: 年齢, required: true, constraint: '. >= 0 and . < 130' }\n");
    yaml.push_str("      - { name: m_school, type: text, label: 学校, relevant: '${m_age} >= 6 and ${m_age} <= 15' }\n");
    yaml.push_str("      - { name: m_note, type: calculate, calculation: \"concat(${m_name}, '(', ${m_age}, ')')\" }\n");
    yaml.push_str("  - { name: total, type: calculate, calculation: '${q0} + ${q1} + ${q2} + ${q3} + ${q4}' }\n");
    yaml.push_str("  - { name: ages, type: calculate, calculation: 'sum(${m_age})' }\n");
    yaml.push_str("  - { name: agree, type: consent, label: 同意します }\n");
    yaml.push_str("choices:\n  opts: [ { name: a, label: A }, { name: b, label: B }, { name: c, label: C } ]\n");
    yaml
}

fn answers() -> Value {
    let mut answers = json!({
        "full_name": "山田 太郎",
        "kana": "やまだ たろう",
        "birth": "昭和60年4月1日",
        "phone": "090-1234-5678",
        "email": "taro@example.jp",
        "address": { "postal_code": "869-4401", "address": "熊本県阿蘇郡小国町宮原1567-1" },
        "many": "a c",
        "detail": "詳細な説明です。\r\n二行目。",
        "agree_terms": "yes",
        "visit": "2024-04-10",
        "visit_time": "10:30",
        "zip": "８６９－４４０１",
        "weight": "12.5",
        "vehicle": "はい",
        "plate": "熊本 500 あ 12-34",
        "members": [
            { "m_name": "太郎", "m_age": "40" },
            { "m_name": "花子", "m_age": "38" },
            { "m_name": "一郎", "m_age": "9", "m_school": "小国小学校" }
        ],
        "agree": "on"
    });
    for i in 0..10 {
        answers[format!("q{i}")] = json!(format!("{}", i * 7));
    }
    for i in 0..8 {
        answers[format!("t{i}")] = json!(format!("記述の回答 {i}"));
    }
    for i in 0..6 {
        answers[format!("s{i}")] = json!(["a", "b", "c"][i % 3]);
    }
    answers
}

fn bench(c: &mut Criterion) {
    let source = definition();
    let form = Form::from_yaml(&source).expect("the benchmark definition is valid");
    assert_eq!(form.fields().len(), 50, "the benchmark form has 50 fields");
    let raw = answers();
    let ctx = EvalContext {
        today: date!(2024 - 04 - 01),
        now: datetime!(2024-04-01 10:30:00 +09:00),
    };
    let evaluation = form.evaluate(&raw, &ctx);
    assert!(evaluation.is_valid(), "{:?}", evaluation.report());

    c.bench_function("validate 50-field submission", |b| {
        b.iter(|| form.evaluate(black_box(&raw), black_box(&ctx)));
    });
    c.bench_function("load and check 50-field definition", |b| {
        b.iter(|| Form::from_yaml(black_box(&source)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
