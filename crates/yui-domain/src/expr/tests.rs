//! Tests of the expression language: parser, printer, checker, evaluator and the shared case
//! table `spec/expression-cases.json`.

use std::path::PathBuf;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use time::macros::{date, datetime};

use super::*;

fn ctx() -> EvalContext {
    EvalContext {
        today: date!(2024 - 04 - 01),
        now: datetime!(2024-04-01 10:30:00 +09:00),
    }
}

fn eval_str(src: &str) -> Value<'static> {
    let schema = Schema::default();
    let expr = parse(src).unwrap();
    let program = compile(&expr, &schema, scope(None, Property::Calculation)).unwrap();
    let answers = Map::new();
    let env = JsonEnv::new(&schema, &answers);
    eval(&program, &env, &[], &ctx()).unwrap().into_owned()
}

fn scope(field: Option<FieldId>, property: Property) -> Scope<'static> {
    Scope {
        field,
        property,
        choice_props: &[],
    }
}

#[test]
fn operators_follow_xpath_precedence() {
    let expr = parse("1 + 2 * 3 = 7 and not(false()) or 0").unwrap();
    assert_eq!(expr.to_string(), "1 + 2 * 3 = 7 and not(false()) or 0");
    let ExprKind::Binary(BinOp::Or, lhs, _) = &expr.kind else {
        panic!("or must be the root: {expr:?}");
    };
    assert!(matches!(lhs.kind, ExprKind::Binary(BinOp::And, _, _)));
}

#[test]
fn printing_adds_only_the_parentheses_precedence_needs() {
    let cases = [
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("1 + (2 * 3)", "1 + 2 * 3"),
        ("10 - (4 - 3)", "10 - (4 - 3)"),
        ("(10 - 4) - 3", "10 - 4 - 3"),
        ("-(1 + 2)", "-(1 + 2)"),
        ("- - 2", "- -2"),
        ("${a}>=3   and\n${b}!='x'", "${a} >= 3 and ${b} != 'x'"),
        ("\"it's\"", "\"it's\""),
        ("concat( 'a' ,\"b\" )", "concat('a', 'b')"),
        (".5", "0.5"),
        ("position(..)", "position(..)"),
    ];
    for (src, printed) in cases {
        assert_eq!(parse(src).unwrap().to_string(), printed, "printing {src:?}");
    }
}

#[test]
fn a_string_with_both_quote_kinds_prints_as_a_concat() {
    let expr = Expr::new(ExprKind::String("it's \"x\"".into()), Span::default());
    let printed = expr.to_string();
    assert_eq!(printed, "concat('it', \"'\", 's \"x\"')");
    assert_eq!(eval_str(&printed), Value::string("it's \"x\""));
}

#[test]
fn syntax_errors_name_the_column() {
    let cases = [
        ("1 +", "expr.syntax", 4),
        ("(1", "expr.unclosed_paren", 1),
        ("'abc", "expr.unterminated_string", 1),
        ("${a", "expr.syntax", 1),
        ("${1a}", "expr.invalid_field_name", 1),
        ("1 2", "expr.syntax", 3),
        ("foo(1)", "expr.unknown_function", 1),
        ("not(1, 2)", "expr.arity", 1),
        ("1 ＝ 1", "expr.syntax", 3),
        ("", "expr.empty", 1),
        ("and", "expr.syntax", 1),
        ("$x", "expr.syntax", 1),
        ("1 | 2", "expr.syntax", 3),
    ];
    for (src, code, column) in cases {
        let error = parse(src).unwrap_err();
        assert_eq!(
            (error.code, error.column()),
            (code, column),
            "parsing {src:?}"
        );
        assert!(!error.message_ja.is_empty() && !error.message_en.is_empty());
    }
}

#[test]
fn an_unknown_function_suggests_a_close_name() {
    let error = parse("coalese(1, 2)").unwrap_err();
    assert!(
        error.message_en.contains("did you mean coalesce"),
        "{error}"
    );
    assert!(error.message_ja.contains("coalesce"));
}

#[test]
fn columns_count_characters_not_bytes() {
    let error = parse("'日本語' +").unwrap_err();
    assert_eq!(error.column(), 8);
}

#[test]
fn too_long_and_too_deep_expressions_are_refused() {
    let long = "1 + ".repeat(MAX_EXPR_CHARS) + "1";
    assert_eq!(parse(&long).unwrap_err().code, "expr.too_long");
    let deep = "(".repeat(100) + "1" + &")".repeat(100);
    assert_eq!(parse(&deep).unwrap_err().code, "expr.too_deep");
    let chain = vec!["1"; 400].join(" + ");
    assert_eq!(parse(&chain).unwrap_err().code, "expr.too_deep");
    let negations = "-".repeat(200) + "1";
    assert_eq!(parse(&negations).unwrap_err().code, "expr.too_deep");
}

#[test]
fn huge_number_literals_are_refused() {
    let huge = "9".repeat(400);
    assert_eq!(parse(&huge).unwrap_err().code, "expr.number_too_large");
}

#[test]
fn the_json_form_is_compact() {
    let expr = parse("selected(${a}, 'x') and -. > 1.5").unwrap();
    assert_eq!(
        expr.to_json(),
        json!({"op": "and",
            "a": {"fn": "selected", "args": [{"ref": "a"}, {"lit": "x"}]},
            "b": {"op": ">", "a": {"neg": {"dot": true}}, "b": {"num": 1.5}}})
    );
    let regex = parse(r"regex(., '^\d+$')").unwrap();
    assert_eq!(
        regex.to_json(),
        json!({"fn": "regex", "args": [{"dot": true}, {"lit": r"^\d+$"}], "re": "^[0-9]+$"})
    );
    assert_eq!(parse("name").unwrap().to_json(), json!({"prop": "name"}));
    assert_eq!(
        parse("position(..)").unwrap().to_json(),
        json!({"fn": "position", "args": [{"parent": true}]})
    );
}

#[test]
fn field_refs_lists_referenced_names() {
    let expr = parse("${a} + sum(${b}) + ${a}").unwrap();
    assert_eq!(expr.field_refs(), vec!["a", "b", "a"]);
}

#[test]
fn numbers_print_like_javascript() {
    let cases = [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (123_456_789.0, "123456789"),
        (1e21, "1e+21"),
        (1.5e21, "1.5e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (1.25e-7, "1.25e-7"),
        (0.000_001, "0.000001"),
        (0.1 + 0.2, "0.30000000000000004"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (5e-324, "5e-324"),
        (f64::MAX, "1.7976931348623157e+308"),
    ];
    for (n, text) in cases {
        assert_eq!(format_number(n), text);
    }
}

#[test]
fn portable_regex_spells_out_classes_that_differ_between_engines() {
    let p = portable_regex(r"^\d{3}-\w+\s.$").unwrap();
    assert!(p.rust.starts_with("^[0-9]{3}-[0-9A-Za-z_]+["));
    assert_eq!(p.rust, p.js);
    let b = portable_regex(r"\bx").unwrap();
    assert_eq!(b.rust, r"(?-u:\b)x");
    assert_eq!(b.js, r"\bx");
    for bad in [
        "(?=a)", "(?i)a", r"\1", "[[a]]", "[a&&b]", "a{,3}", "a}", "]", r"\p{Han}", r"\k<x>",
        "[]a]", "[a", r"\",
    ] {
        assert!(portable_regex(bad).is_err(), "{bad:?} should be refused");
    }
    for good in [
        r"\p{Script=Han}",
        r"\p{L}+",
        r"[\-a]",
        r"\-",
        r"\u{1F600}",
        r"\x41",
        "(?<y>a)",
    ] {
        assert!(portable_regex(good).is_ok(), "{good:?} should be accepted");
    }
}

#[test]
fn regex_size_is_bounded() {
    assert!(portable_regex(r"\w{1000}{1000}").is_err());
}

#[test]
fn checking_reports_every_problem() {
    let schema = Schema::new(vec![SchemaField {
        name: "age".into(),
        kind: ValueKind::Number,
        repeat: None,
    }]);
    let expr = parse("${agee} + ${x} + selected(${age}, 'a')").unwrap();
    let errors = compile(&expr, &schema, scope(None, Property::Relevant)).unwrap_err();
    let codes: Vec<_> = errors.iter().map(|e| (e.code, e.column())).collect();
    assert_eq!(
        codes,
        vec![
            ("expr.unknown_field", 1),
            ("expr.unknown_field", 11),
            ("expr.not_select", 27)
        ]
    );
    assert!(errors[0].message_en.contains("did you mean age"));
}

#[test]
fn dot_is_refused_where_it_would_refer_to_itself() {
    let schema = Schema::new(vec![SchemaField {
        name: "age".into(),
        kind: ValueKind::Number,
        repeat: None,
    }]);
    let expr = parse(". > 3").unwrap();
    for property in [Property::Relevant, Property::Calculation, Property::Default] {
        let errors = compile(&expr, &schema, scope(Some(0), property)).unwrap_err();
        assert_eq!(errors[0].code, "expr.dot_not_allowed");
    }
    assert!(compile(&expr, &schema, scope(Some(0), Property::Constraint)).is_ok());
    let expr = parse("string-length() > 3").unwrap();
    assert_eq!(
        compile(&expr, &schema, scope(Some(0), Property::Relevant)).unwrap_err()[0].code,
        "expr.dot_not_allowed"
    );
}

#[test]
fn program_dependencies_list_each_field_once() {
    let schema = Schema::new(vec![
        SchemaField {
            name: "a".into(),
            kind: ValueKind::Number,
            repeat: None,
        },
        SchemaField {
            name: "b".into(),
            kind: ValueKind::Number,
            repeat: None,
        },
    ]);
    let expr = parse("${b} + ${a} + ${b}").unwrap();
    let program = compile(&expr, &schema, scope(None, Property::Calculation)).unwrap();
    assert_eq!(program.deps, vec![1, 0]);
    assert!(!program.uses_clock());
    let expr = parse("today() > ${a}").unwrap();
    assert!(
        compile(&expr, &schema, scope(None, Property::Calculation))
            .unwrap()
            .uses_clock()
    );
}

#[test]
fn the_step_budget_stops_runaway_work() {
    // A large repeat aggregated many times over exceeds the budget rather than running long.
    let schema = Schema::new(vec![
        SchemaField {
            name: "r".into(),
            kind: ValueKind::Repeat,
            repeat: None,
        },
        SchemaField {
            name: "x".into(),
            kind: ValueKind::Text,
            repeat: Some(0),
        },
    ]);
    let rows: Vec<Json> = (0..5000)
        .map(|i| json!({"x": "y".repeat(i % 50)}))
        .collect();
    let answers = json!({"r": rows});
    let answers = answers.as_object().unwrap();
    let sum = vec!["string-length(join('', ${x}))"; 40].join(" + ");
    let expr = parse(&sum).unwrap();
    let program = compile(&expr, &schema, scope(None, Property::Calculation)).unwrap();
    let env = JsonEnv::new(&schema, answers);
    assert_eq!(
        eval(&program, &env, &[], &ctx()),
        Err(EvalError::BudgetExceeded)
    );
}

#[test]
fn eval_context_at_uses_the_date_in_japan() {
    let ctx = EvalContext::at(datetime!(2024-03-31 20:00:00 UTC));
    assert_eq!(ctx.today, date!(2024 - 04 - 01));
    assert_eq!(ctx.now_text(), "2024-04-01T05:00:00+09:00");
}

// --- the shared case table -------------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    expr: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    fields: Map<String, Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answers: Option<Map<String, Json>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<CaseContext>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    current: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    row: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    item: Option<Map<String, Json>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect: Option<Json>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ast: Option<Json>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct CaseContext {
    today: String,
    now: String,
}

fn cases_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/expression-cases.json")
}

fn case_schema(fields: &Map<String, Json>) -> Schema {
    // Fields may be listed in any order; a repeat must come before its members.
    let mut pending: Vec<(&String, &Json)> = fields.iter().collect();
    let mut ordered: Vec<SchemaField> = Vec::new();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|(name, spec)| {
            let (type_name, parent) = match spec {
                Json::String(t) => (t.as_str(), None),
                other => (
                    other["type"].as_str().unwrap_or("text"),
                    other.get("repeat").and_then(Json::as_str),
                ),
            };
            let repeat = match parent {
                Some(p) => match ordered.iter().position(|f| f.name == p) {
                    Some(id) => Some(id),
                    None => return true,
                },
                None => None,
            };
            ordered.push(SchemaField {
                name: (*name).clone(),
                kind: ValueKind::from_type_name(type_name).unwrap(),
                repeat,
            });
            false
        });
        assert!(
            pending.len() < before,
            "repeat parents must exist: {pending:?}"
        );
    }
    Schema::new(ordered)
}

fn case_context(case: &Case) -> EvalContext {
    match &case.context {
        None => ctx(),
        Some(c) => {
            let today = value::parse_iso_date(&c.today).unwrap();
            let now =
                time::OffsetDateTime::parse(&c.now, &time::format_description::well_known::Rfc3339)
                    .unwrap();
            EvalContext { today, now }
        }
    }
}

fn run_case(case: &Case) -> Result<Json, String> {
    let schema = case_schema(&case.fields);
    let expr = parse(&case.expr).map_err(|e| format!("{}@{}", e.code, e.column()))?;
    let current = case
        .current
        .as_ref()
        .map(|name| schema.id(name).ok_or(format!("unknown current {name}")))
        .transpose()?;
    let props: Vec<String> = case
        .item
        .as_ref()
        .map(|item| item.keys().cloned().collect())
        .unwrap_or_default();
    let property = if case.item.is_some() {
        Property::ChoiceFilter
    } else {
        Property::Constraint
    };
    let program = compile(
        &expr,
        &schema,
        Scope {
            field: current,
            property,
            choice_props: &props,
        },
    )
    .map_err(|errors| format!("{}@{}", errors[0].code, errors[0].column()))?;
    let rows: Vec<usize> = match &case.row {
        None => Vec::new(),
        Some(Json::Array(items)) => items.iter().map(|i| i.as_u64().unwrap() as usize).collect(),
        Some(n) => vec![n.as_u64().unwrap() as usize],
    };
    let empty = Map::new();
    let env = JsonEnv {
        schema: &schema,
        answers: case.answers.as_ref().unwrap_or(&empty),
        item: case.item.as_ref(),
    };
    let value = eval(&program, &env, &rows, &case_context(case)).map_err(|e| e.to_string())?;
    Ok(match value {
        Value::Num(n) if !n.is_finite() => json!({"number": format_number(n)}),
        Value::Num(n) => Json::from(n),
        other => other.to_json(),
    })
}

fn same(expect: &Json, got: &Json) -> bool {
    match (expect, got) {
        (Json::Number(a), Json::Number(b)) => a.as_f64() == b.as_f64(),
        _ => expect == got,
    }
}

#[test]
fn every_case_in_the_shared_table_passes() {
    let path = cases_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    let update = std::env::var_os("YUI_UPDATE_CASES").is_some();
    let mut failures = Vec::new();
    let mut names = std::collections::HashSet::new();
    for case in &mut cases {
        assert!(
            names.insert(case.name.clone()),
            "duplicate case name {:?}",
            case.name
        );
        let result = run_case(case);
        match (&case.error, &case.expect) {
            (Some(code), None) => {
                let expected = format!("{code}@{}", case.column.unwrap_or(0));
                if result.as_ref().err() != Some(&expected) {
                    failures.push(format!(
                        "{}: expected {expected}, got {result:?}",
                        case.name
                    ));
                }
            }
            (None, Some(expect)) => match &result {
                Ok(got) if same(expect, got) => {}
                _ => failures.push(format!(
                    "{}: {} expected {expect}, got {result:?}",
                    case.name, case.expr
                )),
            },
            _ => failures.push(format!(
                "{}: needs exactly one of expect and error",
                case.name
            )),
        }
        let ast = parse(&case.expr)
            .ok()
            .filter(|_| case.error.is_none())
            .map(|e| e.to_json());
        if update {
            case.ast = ast;
        } else if case.ast != ast {
            failures.push(format!(
                "{}: stored ast differs from the parser's; run YUI_UPDATE_CASES=1 cargo test -p yui-domain every_case",
                case.name
            ));
        }
    }
    if update {
        let lines: Vec<String> = cases
            .iter()
            .map(|c| serde_json::to_string(c).unwrap())
            .collect();
        std::fs::write(&path, format!("[\n{}\n]\n", lines.join(",\n"))).unwrap();
    }
    let evaluated = cases.iter().filter(|c| c.expect.is_some()).count();
    assert!(
        evaluated >= 150,
        "the table needs at least 150 evaluated cases"
    );
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// --- properties ------------------------------------------------------------------------------

fn name_strategy() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_.-]{0,8}".prop_filter("operator words are not names", |n| {
        !matches!(n.as_str(), "and" | "or" | "div" | "mod")
    })
}

fn leaf() -> impl Strategy<Value = ExprKind> {
    prop_oneof![
        (0u32..100_000).prop_map(|n| ExprKind::Number(f64::from(n))),
        (0.0f64..1e6).prop_map(ExprKind::Number),
        "[^']{0,12}".prop_map(ExprKind::String),
        "[^\"]{0,12}".prop_map(ExprKind::String),
        name_strategy().prop_map(ExprKind::Ref),
        name_strategy().prop_map(ExprKind::Prop),
        Just(ExprKind::Current),
        Just(ExprKind::Parent),
    ]
}

const OPS: [BinOp; 13] = [
    BinOp::Or,
    BinOp::And,
    BinOp::Eq,
    BinOp::Ne,
    BinOp::Lt,
    BinOp::Le,
    BinOp::Gt,
    BinOp::Ge,
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Mod,
];

fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaf = leaf().prop_map(|kind| Expr::new(kind, Span::default()));
    leaf.prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            inner
                .clone()
                .prop_map(|e| Expr::new(ExprKind::Neg(Box::new(e)), Span::default())),
            (0..OPS.len(), inner.clone(), inner.clone()).prop_map(|(op, a, b)| Expr::new(
                ExprKind::Binary(OPS[op], Box::new(a), Box::new(b)),
                Span::default()
            )),
            (0..Func::ALL.len(), prop::collection::vec(inner, 0..4)).prop_map(|(f, mut args)| {
                let func = Func::ALL[f];
                let (min, max) = func.arity();
                while args.len() < min {
                    args.push(Expr::new(ExprKind::Number(1.0), Span::default()));
                }
                args.truncate(max.unwrap_or(usize::MAX));
                Expr::new(ExprKind::Call(func, args), Span::default())
            }),
        ]
    })
}

proptest! {
    #[test]
    fn printing_then_parsing_gives_the_same_tree(expr in arb_expr()) {
        let printed = expr.to_string();
        let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        prop_assert_eq!(&reparsed, &expr, "printed as {:?}", printed);
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn parsing_never_panics(src in "\\PC{0,80}") {
        let _ = parse(&src);
    }

    #[test]
    fn parsing_expression_like_text_never_panics(
        src in "[ ${}().,'\"a-z0-9+*=!<>-]{0,60}"
    ) {
        if let Ok(expr) = parse(&src) {
            let printed = expr.to_string();
            prop_assert_eq!(parse(&printed).ok(), Some(expr));
        }
    }

    #[test]
    fn number_text_reads_back_as_the_same_number(n in proptest::num::f64::NORMAL) {
        let text = format_number(n);
        let back: f64 = text.parse().unwrap();
        prop_assert_eq!(back, n);
    }
}
