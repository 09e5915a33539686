//! App definitions: the data a builder writes (YAML or JSON, one model), the checks it must
//! pass, and the compiled [`Form`] the rest of Yui works with.
//!
//! - [`model`]: the Rust types of the format (`AppDefinition`, `Field`, …);
//! - `yaml` and `de`: reading text while remembering line and column of every value;
//! - `check`: everything a definition must satisfy, compiled into a [`Form`];
//! - `emit`: writing a definition back out as clean YAML;
//! - `schema`: the JSON Schema of the format (`docs/definition.schema.json`).
//!
//! The format is documented in `docs/definition-format.md`.

mod check;
mod de;
mod emit;
mod error;
mod form;
mod model;
mod present;
mod schema;
mod text;
mod yaml;

#[cfg(test)]
mod tests;

use serde::Deserialize;

pub use check::{
    MAX_FIELD_DEPTH, MAX_FIELDS, MAX_NAME_CHARS, MAX_REPEAT_ROWS, MAX_UPLOAD_MB, PLACEHOLDERS,
    is_valid_name,
};
pub use error::{DefinitionError, DefinitionErrors};
pub(crate) use form::{Cond, DefaultLogic};
pub use form::{Form, FormField, Page};
pub use model::{
    AppDefinition, Audience, Choice, ChoiceProp, Display, DisplayMode, Field, FieldType, Message,
    Notifications, StartPage,
};
pub use schema::json_schema;
pub use text::{DefaultValue, Flag, Text};
pub use yaml::Position;

impl AppDefinition {
    /// Reads a definition from YAML or JSON text without checking it beyond its shape (for
    /// the builder, which shows a definition while it is still being corrected). Errors carry
    /// line and column.
    pub fn from_yaml(src: &str) -> Result<AppDefinition, DefinitionErrors> {
        let root = yaml::load(src).map_err(|e| {
            DefinitionErrors(vec![DefinitionError {
                code: e.code,
                message_ja: e.message_ja,
                message_en: e.message_en,
                path: String::new(),
                line: Some(e.at.line),
                column: Some(e.at.column),
                expr_column: None,
            }])
        })?;
        deserialize(&root)
    }

    /// The definition as YAML, in the format's key order, quoting only where needed.
    pub fn to_yaml(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        match yaml::load(&json) {
            Ok(root) => emit::to_yaml(&root),
            Err(_) => json,
        }
    }

    /// The definition as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn deserialize(root: &yaml::Node) -> Result<AppDefinition, DefinitionErrors> {
    AppDefinition::deserialize(de::NodeDe(root)).map_err(|e| {
        let path = e.path_string();
        let at = e.at.unwrap_or(root.start);
        DefinitionErrors(vec![DefinitionError {
            code: e.code,
            message_ja: e.message_ja,
            message_en: e.message_en,
            path,
            line: Some(at.line),
            column: Some(at.column),
            expr_column: None,
        }])
    })
}

impl Form {
    /// Reads, checks and compiles a definition from YAML or JSON text. Every error carries
    /// the path and the line and column of the offending value; expression errors also point
    /// inside the expression.
    pub fn from_yaml(src: &str) -> Result<Form, DefinitionErrors> {
        let root = yaml::load(src).map_err(|e| {
            DefinitionErrors(vec![DefinitionError {
                code: e.code,
                message_ja: e.message_ja,
                message_en: e.message_en,
                path: String::new(),
                line: Some(e.at.line),
                column: Some(e.at.column),
                expr_column: None,
            }])
        })?;
        let definition = deserialize(&root)?;
        check::compile(definition).map_err(|errors| {
            DefinitionErrors(errors.into_iter().map(|e| locate(e, &root)).collect())
        })
    }

    /// Checks and compiles a definition already in memory (errors have paths but no lines).
    pub fn from_definition(definition: AppDefinition) -> Result<Form, DefinitionErrors> {
        check::compile(definition).map_err(DefinitionErrors)
    }
}

/// Adds the line and column of the value at the error's path.
fn locate(mut error: DefinitionError, root: &yaml::Node) -> DefinitionError {
    let node = root.nearest(&error.path);
    error.line = Some(node.start.line);
    error.column = Some(node.start.column);
    let exact = root.at_path(&error.path).and_then(|n| n.exact_column);
    if let (Some(inside), Some(value_column)) = (error.expr_column, exact) {
        error.column = Some(value_column + inside - 1);
    }
    error
}

/// Fills `{placeholder}`s of a notification text; `{{` and `}}` give literal braces.
/// Unknown placeholders are left as written (definitions are checked before use).
pub fn fill_placeholders(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == '}' {
                        closed = true;
                        break;
                    }
                    name.push(n);
                }
                match values.iter().find(|(k, _)| *k == name) {
                    Some((_, value)) if closed => out.push_str(value),
                    _ => {
                        out.push('{');
                        out.push_str(&name);
                        if closed {
                            out.push('}');
                        }
                    }
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match word.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters; inputs are short names, so the quadratic table is
/// fine (and long inputs are cut off before they cost anything).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}
