//! The JSON Schema of the definition format, generated from the Rust types so editors can
//! offer completion and validation. The checked-in copy is `docs/definition.schema.json`; a
//! test fails when it differs from what the types generate.

use super::model::AppDefinition;

/// The JSON Schema (draft 2020-12) of [`AppDefinition`].
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<AppDefinition>();
    serde_json::to_value(schema).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn the_checked_in_schema_matches_the_types() {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/definition.schema.json");
        let generated = format!("{:#}\n", super::json_schema());
        if std::env::var_os("YUI_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "docs/definition.schema.json is out of date; regenerate it with\n    \
             YUI_UPDATE_SCHEMA=1 cargo test -p yui-domain the_checked_in_schema_matches_the_types"
        );
    }
}
