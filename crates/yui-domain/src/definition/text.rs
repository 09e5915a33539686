//! Small definition values with more than one written form, and their hand-written serde and
//! schema implementations: [`Text`] (`"…"` or `{ja, en}`), [`Flag`] (`true` or an
//! expression), [`DefaultValue`] (a literal or `{expr: …}`) and [`Choice`] (fixed keys plus
//! free columns).
//!
//! Derived untagged enums would accept the same input but report "did not match any variant";
//! these visitors say what was expected.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::{Choice, ChoiceProp};

/// User-facing text in Japanese (required) and English (optional). Written as a plain string
/// (Japanese) or as `{ ja: …, en: … }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Text {
    pub ja: String,
    pub en: Option<String>,
}

impl Text {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            ja: ja.into(),
            en: Some(en.into()),
        }
    }

    /// The text in `lang` (`"en"` falls back to Japanese when missing).
    pub fn get(&self, lang: &str) -> &str {
        match (lang, &self.en) {
            ("en", Some(en)) if !en.is_empty() => en,
            _ => &self.ja,
        }
    }

    /// Both languages' texts, Japanese first.
    pub fn texts(&self) -> impl Iterator<Item = (&'static str, &str)> {
        std::iter::once(("ja", self.ja.as_str())).chain(self.en.as_deref().map(|en| ("en", en)))
    }
}

impl From<&str> for Text {
    fn from(ja: &str) -> Self {
        Text {
            ja: ja.to_owned(),
            en: None,
        }
    }
}

impl From<String> for Text {
    fn from(ja: String) -> Self {
        Text { ja, en: None }
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.en {
            None => serializer.serialize_str(&self.ja),
            Some(en) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("ja", &self.ja)?;
                map.serialize_entry("en", en)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text (a string, or a mapping with ja and en)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text::from(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text::from(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text::from(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text::from(crate::expr::format_number(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let mut ja: Option<String> = None;
                let mut en: Option<String> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "ja" if ja.is_none() => ja = Some(map.next_value::<TextString>()?.0),
                        "en" if en.is_none() => en = Some(map.next_value::<TextString>()?.0),
                        "ja" | "en" => return Err(de::Error::duplicate_field("ja")),
                        other => return Err(de::Error::unknown_field(other, &["ja", "en"])),
                    }
                }
                let ja = ja.ok_or_else(|| de::Error::missing_field("ja"))?;
                Ok(Text { ja, en })
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// A string that also accepts numbers (`label: 2024`).
struct TextString(String);

impl<'de> Deserialize<'de> for TextString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(deserializer)?;
        if text.en.is_some() {
            return Err(de::Error::custom("expected a string"));
        }
        Ok(TextString(text.ja))
    }
}

fn schema(value: serde_json::Value) -> Schema {
    Schema::try_from(value).unwrap_or_default()
}

impl JsonSchema for Text {
    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(serde_json::json!({
            "description": "Japanese text as a string, or {ja, en}.",
            "oneOf": [
                {"type": "string"},
                {"type": "object", "additionalProperties": false, "required": ["ja"],
                 "properties": {"ja": {"type": "string"}, "en": {"type": "string"}}}
            ]
        }))
    }
}

/// `true`, `false` or an expression (as for `required` and `read_only`). XLSForm's `yes` and
/// `no` read as booleans.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag {
    Bool(bool),
    Expr(String),
}

impl Flag {
    /// The expression text, if this flag is one.
    pub fn expr(&self) -> Option<&str> {
        match self {
            Flag::Expr(e) => Some(e),
            Flag::Bool(_) => None,
        }
    }
}

impl Serialize for Flag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Flag::Bool(b) => serializer.serialize_bool(*b),
            Flag::Expr(e) => serializer.serialize_str(e),
        }
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FlagVisitor;
        impl Visitor<'_> for FlagVisitor {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false or an expression")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag::Bool(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                Ok(match v.trim() {
                    "yes" | "Yes" | "YES" | "true()" => Flag::Bool(true),
                    "no" | "No" | "NO" | "false()" => Flag::Bool(false),
                    _ => Flag::Expr(v.to_owned()),
                })
            }
        }
        deserializer.deserialize_any(FlagVisitor)
    }
}

impl JsonSchema for Flag {
    fn schema_name() -> Cow<'static, str> {
        "Flag".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(serde_json::json!({
            "description": "true, false, or an expression.",
            "oneOf": [{"type": "boolean"}, {"type": "string"}]
        }))
    }
}

/// A field's initial answer: a literal (string, number, boolean, or a list for
/// select_multiple) or an expression written as `{expr: "today()"}`.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    Value(serde_json::Value),
    Expr(String),
}

impl Serialize for DefaultValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            DefaultValue::Value(v) => v.serialize(serializer),
            DefaultValue::Expr(e) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("expr", e)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for DefaultValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        let value = Value::deserialize(deserializer)?;
        let scalar = |v: &Value| matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_));
        match value {
            Value::Object(map) => match (map.len(), map.get("expr")) {
                (1, Some(Value::String(e))) => Ok(DefaultValue::Expr(e.clone())),
                _ => Err(de::Error::custom(
                    "a default is a literal value or {expr: \"…\"}",
                )),
            },
            Value::Array(items) if items.iter().all(scalar) => {
                Ok(DefaultValue::Value(Value::Array(items)))
            }
            v if scalar(&v) => Ok(DefaultValue::Value(v)),
            _ => Err(de::Error::custom(
                "a default is a literal value or {expr: \"…\"}",
            )),
        }
    }
}

impl JsonSchema for DefaultValue {
    fn schema_name() -> Cow<'static, str> {
        "DefaultValue".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schema(serde_json::json!({
            "description": "A literal answer, or {expr} for an expression evaluated when the form opens.",
            "oneOf": [
                {"type": ["string", "number", "boolean"]},
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}},
                {"type": "object", "additionalProperties": false, "required": ["expr"],
                 "properties": {"expr": {"type": "string"}}}
            ]
        }))
    }
}

impl Serialize for Choice {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2 + self.props.len()))?;
        map.serialize_entry("name", &self.name)?;
        map.serialize_entry("label", &self.label)?;
        for (key, value) in &self.props {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Choice {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ChoiceVisitor;
        impl<'de> Visitor<'de> for ChoiceVisitor {
            type Value = Choice;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a choice (a mapping with name and label)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Choice, A::Error> {
                let mut name: Option<String> = None;
                let mut label: Option<Text> = None;
                let mut props = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "name" if name.is_none() => name = Some(map.next_value::<TextString>()?.0),
                        "label" if label.is_none() => label = Some(map.next_value()?),
                        "name" | "label" => return Err(de::Error::duplicate_field("name")),
                        _ => {
                            let value: serde_json::Value = map.next_value()?;
                            let prop = match value {
                                serde_json::Value::Bool(b) => ChoiceProp::Bool(b),
                                serde_json::Value::Number(n) => ChoiceProp::Number(n),
                                serde_json::Value::String(s) => ChoiceProp::Text(s),
                                _ => {
                                    return Err(de::Error::custom(format!(
                                        "choice property {key} must be a string, number or boolean"
                                    )));
                                }
                            };
                            props.insert(key, prop);
                        }
                    }
                }
                Ok(Choice {
                    name: name.ok_or_else(|| de::Error::missing_field("name"))?,
                    label: label.ok_or_else(|| de::Error::missing_field("label"))?,
                    props,
                })
            }
        }
        deserializer.deserialize_map(ChoiceVisitor)
    }
}

impl JsonSchema for Choice {
    fn schema_name() -> Cow<'static, str> {
        "Choice".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let text = generator.subschema_for::<Text>();
        schema(serde_json::json!({
            "description": "A choice: name (stored), label (shown) and any further columns for choice_filter.",
            "type": "object",
            "required": ["name", "label"],
            "properties": {"name": {"type": "string"}, "label": text},
            "additionalProperties": {"type": ["string", "number", "boolean"]}
        }))
    }
}
