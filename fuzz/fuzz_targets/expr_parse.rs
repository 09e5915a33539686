//! Expression text from anywhere (a builder's form, an imported XLSForm, a package from another
//! town) must never crash the parser, and whatever parses must print back to text that parses
//! to the same tree and evaluates without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yui_domain::expr::{
    self, EvalContext, JsonEnv, Property, Schema, SchemaField, Scope, ValueKind,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tree) = expr::parse(text) else {
        return;
    };
    let printed = tree.to_string();
    let reparsed = expr::parse(&printed).expect("printed expressions parse");
    assert_eq!(reparsed, tree, "printing changed the tree: {printed:?}");
    let _ = tree.to_json();

    let schema = Schema::new(vec![
        SchemaField {
            name: "a".into(),
            kind: ValueKind::Text,
            repeat: None,
        },
        SchemaField {
            name: "n".into(),
            kind: ValueKind::Number,
            repeat: None,
        },
        SchemaField {
            name: "r".into(),
            kind: ValueKind::Repeat,
            repeat: None,
        },
        SchemaField {
            name: "x".into(),
            kind: ValueKind::Number,
            repeat: Some(2),
        },
    ]);
    let scope = Scope {
        field: Some(3),
        property: Property::Constraint,
        choice_props: &[],
    };
    if let Ok(program) = expr::compile(&tree, &schema, scope) {
        let answers = serde_json::json!({
            "a": "テキスト", "n": 3, "r": [{ "x": 1 }, { "x": "2" }, {}]
        });
        let answers = answers.as_object().expect("an object");
        let ctx = EvalContext::at(time::OffsetDateTime::UNIX_EPOCH);
        let _ = expr::eval(&program, &JsonEnv::new(&schema, answers), &[1], &ctx);
    }
});
