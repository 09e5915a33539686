//! Workbook bytes from anywhere (a clerk's upload, a file handed to `yui import xlsform`) must
//! never crash or exhaust the importer, and whatever imports must pass Yui's own checks and
//! survive writing and reading back as YAML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yui_domain::definition::{AppDefinition, Form};

fuzz_target!(|data: &[u8]| {
    let Ok(imported) = yui_xlsform::import(data) else {
        return;
    };
    let yaml = imported.definition.to_yaml();
    let again = AppDefinition::from_yaml(&yaml).expect("written YAML reads back");
    assert_eq!(again, imported.definition, "round trip changed:\n{yaml}");
    Form::from_definition(imported.definition).expect("an imported definition checks");
});
