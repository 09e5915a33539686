//! Definition text (YAML or JSON, from builders, XLSForm import and other towns' packages)
//! must never crash loading; a definition that loads must survive writing and reading back,
//! and validating an answer set derived from the same bytes must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yui_domain::definition::{AppDefinition, Form};
use yui_domain::expr::EvalContext;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(definition) = AppDefinition::from_yaml(text) {
        let yaml = definition.to_yaml();
        let again = AppDefinition::from_yaml(&yaml).expect("written YAML reads back");
        assert_eq!(
            again, definition,
            "round trip changed the definition:\n{yaml}"
        );
    }
    if let Ok(form) = Form::from_yaml(text) {
        let ctx = EvalContext::at(time::OffsetDateTime::UNIX_EPOCH);
        let _ = form.pages();
        let _ = form.client_logic();
        // The same bytes as answers: JSON when they are, else every field gets the text.
        let answers = serde_json::from_str(text).unwrap_or_else(|_| {
            let map = form
                .fields()
                .iter()
                .map(|f| (f.name.clone(), serde_json::Value::String(text.to_owned())))
                .collect();
            serde_json::Value::Object(map)
        });
        let _ = form.evaluate(&answers, &ctx);
    }
});
