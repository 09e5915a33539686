//! Writes a definition (as a JSON value) back out as clean YAML: block style, two-space
//! indentation, short mappings like `{ ja: …, en: … }` on one line, multi-line texts as `|`
//! blocks, and quotes only where YAML needs them.
//!
//! Written by hand because the output is read by clerks in the builder's YAML view, and must
//! load back into an equal definition (a round-trip test holds us to it). It works on the
//! position-keeping tree of [`super::yaml`], read from serde's JSON output: that keeps the
//! model's key order without switching serde_json to ordered maps for the whole workspace.

use super::yaml::{Node, NodeKind, Resolved, resolve_plain};

/// How the emitter sees a node: JSON scalars arrive as plain (numbers, booleans, null) or
/// quoted (strings) YAML scalars.
enum Value<'a> {
    Literal(&'a str),
    String(&'a str),
    Array(&'a [Node]),
    Object(&'a [(Node, Node)]),
}

fn view(node: &Node) -> Value<'_> {
    match &node.kind {
        NodeKind::Scalar { text, plain: true } => Value::Literal(text),
        NodeKind::Scalar { text, plain: false } => Value::String(text),
        NodeKind::Seq(items) => Value::Array(items),
        NodeKind::Map(entries) => Value::Object(entries),
    }
}

fn key_text(key: &Node) -> &str {
    match &key.kind {
        NodeKind::Scalar { text, .. } => text,
        _ => "",
    }
}

impl Value<'_> {
    fn is_collection(&self) -> bool {
        matches!(self, Value::Array(_) | Value::Object(_))
    }
}

/// Widest one-line mapping written in flow style.
const FLOW_WIDTH: usize = 100;

pub(crate) fn to_yaml(node: &Node) -> String {
    let mut out = String::new();
    match view(node) {
        Value::Object(map) if !map.is_empty() => write_map(map, 0, &mut out),
        other => {
            out.push_str(&inline(&other, false).unwrap_or_else(|| "null".to_owned()));
            out.push('\n');
        }
    }
    out
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_map(map: &[(Node, Node)], level: usize, out: &mut String) {
    for (key, value) in map {
        indent(level, out);
        out.push_str(&scalar(key_text(key), false));
        out.push(':');
        write_value_after_key(&view(value), level, out);
    }
}

fn write_value_after_key(value: &Value<'_>, level: usize, out: &mut String) {
    if let Some(flow) = inline(value, false) {
        out.push(' ');
        out.push_str(&flow);
        out.push('\n');
        return;
    }
    match value {
        Value::String(s) => {
            out.push(' ');
            write_block_text(s, level + 1, out);
        }
        Value::Object(map) => {
            out.push('\n');
            write_map(map, level + 1, out);
        }
        Value::Array(items) => {
            out.push('\n');
            write_seq(items, level + 1, out);
        }
        Value::Literal(_) => out.push('\n'),
    }
}

fn write_seq(items: &[Node], level: usize, out: &mut String) {
    for item in items {
        let item = view(item);
        indent(level, out);
        out.push('-');
        match item {
            Value::Object(map) if inline(&item, false).is_none() => {
                // `- key: value` with the following keys aligned under the first.
                let mut first = true;
                for (key, value) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(level + 1, out);
                    }
                    out.push_str(&scalar(key_text(key), false));
                    out.push(':');
                    write_value_after_key(&view(value), level + 1, out);
                }
            }
            Value::Array(inner) if inline(&item, false).is_none() => {
                out.push('\n');
                write_seq(inner, level + 1, out);
            }
            Value::String(s) if inline(&item, false).is_none() => {
                out.push(' ');
                write_block_text(s, level + 1, out);
            }
            _ => {
                out.push(' ');
                out.push_str(&inline(&item, false).unwrap_or_default());
                out.push('\n');
            }
        }
    }
}

/// A multi-line string as a literal block, or double-quoted when a block cannot hold it.
fn write_block_text(s: &str, level: usize, out: &mut String) {
    let blockable = !s.contains('\r')
        && !s.starts_with([' ', '\n'])
        && s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control());
    if !blockable {
        out.push_str(&double_quoted(s));
        out.push('\n');
        return;
    }
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(level, out);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// The value on one line, if it fits there.
fn inline(value: &Value<'_>, in_flow: bool) -> Option<String> {
    match value {
        Value::Literal(text) => Some((*text).to_owned()),
        Value::String(s) => (!s.contains('\n')).then(|| scalar(s, in_flow)),
        Value::Array(items) => {
            if items.is_empty() {
                return Some("[]".to_owned());
            }
            if items.iter().any(|v| view(v).is_collection()) {
                return None;
            }
            let parts: Option<Vec<String>> = items.iter().map(|v| inline(&view(v), true)).collect();
            let text = format!("[{}]", parts?.join(", "));
            (text.chars().count() <= FLOW_WIDTH).then_some(text)
        }
        Value::Object(map) => {
            if map.is_empty() {
                return Some("{}".to_owned());
            }
            if map.iter().any(|(_, v)| view(v).is_collection()) {
                return None;
            }
            let parts: Option<Vec<String>> = map
                .iter()
                .map(|(k, v)| {
                    Some(format!(
                        "{}: {}",
                        scalar(key_text(k), true),
                        inline(&view(v), true)?
                    ))
                })
                .collect();
            let text = format!("{{ {} }}", parts?.join(", "));
            (text.chars().count() <= FLOW_WIDTH).then_some(text)
        }
    }
}

/// A one-line string: plain when YAML reads it back as the same string, else quoted.
fn scalar(s: &str, in_flow: bool) -> String {
    if is_plain_safe(s, in_flow) {
        return s.to_owned();
    }
    if s.chars().any(char::is_control) {
        return double_quoted(s);
    }
    format!("'{}'", s.replace('\'', "''"))
}

fn is_plain_safe(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let indicator = "-?:,[]{}#&*!|>'\"%@`";
    if indicator.contains(first) || first.is_whitespace() {
        return false;
    }
    if s.ends_with(|c: char| c.is_whitespace() || c == ':') {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.chars().any(char::is_control) {
        return false;
    }
    if in_flow && s.contains([',', '[', ']', '{', '}', ':']) {
        return false;
    }
    // YAML 1.1 readers (still common) take these for booleans; quote them for everyone.
    let yaml11_bool = matches!(
        s.to_ascii_lowercase().as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off"
    );
    // Anything YAML would read as null, a boolean or a number must be quoted to stay text.
    !yaml11_bool
        && resolve_plain(s) == Resolved::Str
        && !s.starts_with("0x")
        && !s.starts_with("0o")
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
