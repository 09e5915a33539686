//! A serde `Deserializer` over the position-keeping YAML tree, so the derived model types
//! deserialize from YAML and JSON text alike and every error knows its path and position.
//!
//! Errors carry a stable code and Japanese and English messages; unknown keys and values get
//! a "did you mean" from the list serde already knows.

use std::fmt::{self, Display};

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::did_you_mean;
use super::yaml::{Node, NodeKind, Position, Resolved, resolve_plain};

/// A deserialization error with where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeError {
    pub code: &'static str,
    pub message_ja: String,
    pub message_en: String,
    pub at: Option<Position>,
    /// Path segments, outermost first: `fields`, `[3]`, `label`.
    pub path: Vec<String>,
}

impl DeError {
    fn new(code: &'static str, ja: String, en: String) -> Self {
        DeError {
            code,
            message_ja: ja,
            message_en: en,
            at: None,
            path: Vec::new(),
        }
    }

    fn at(mut self, node: &Node) -> Self {
        if self.at.is_none() {
            self.at = Some(node.start);
        }
        self
    }

    fn within(mut self, segment: String) -> Self {
        self.path.insert(0, segment);
        self
    }

    /// The path in the usual form: `fields[3].label`.
    pub fn path_string(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            if !segment.starts_with('[') && !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
        out
    }
}

impl Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en)
    }
}

impl std::error::Error for DeError {}

/// Serde's English names for what it expected, in Japanese.
fn expected_ja(expected: &str) -> String {
    let e = expected.trim();
    let ja = if e.contains("boolean") || e.contains("bool") {
        "true か false"
    } else if e.starts_with("u32") || e.starts_with("u64") || e.starts_with("u8") {
        "0 以上の整数"
    } else if e.starts_with("i64") || e.contains("integer") {
        "整数"
    } else if e.contains("sequence") || e.contains("Vec") || e.contains("list") {
        "リスト（- で始まる行）"
    } else if e.starts_with("struct") || e.contains("map") || e.contains("mapping") {
        "キーと値の組（key: value）"
    } else if e.contains("string") || e.contains("text") {
        "文字列"
    } else {
        e
    };
    ja.to_owned()
}

impl de::Error for DeError {
    fn custom<T: Display>(msg: T) -> Self {
        let msg = msg.to_string();
        DeError::new(
            "definition.invalid",
            format!("値が正しくありません（{msg}）"),
            msg,
        )
    }

    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        let expected = expected.to_string();
        let found = match unexpected {
            de::Unexpected::Unit => "nothing (an empty value)".to_owned(),
            other => other.to_string(),
        };
        DeError::new(
            "definition.invalid_type",
            format!("{}を書いてください", expected_ja(&expected)),
            format!("expected {expected}, found {found}"),
        )
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        let expected = expected.to_string();
        DeError::new(
            "definition.invalid_value",
            format!(
                "値が正しくありません（{}が必要です）",
                expected_ja(&expected)
            ),
            format!("invalid value {unexpected}, expected {expected}"),
        )
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let suggestion = did_you_mean(field, expected.iter().copied());
        let (ja, en) = match suggestion {
            Some(s) => (
                format!("（{s} のことですか）"),
                format!(" (did you mean {s}?)"),
            ),
            None => (String::new(), String::new()),
        };
        DeError::new(
            "definition.unknown_key",
            format!("「{field}」というキーはありません{ja}"),
            format!("unknown key {field:?}{en}"),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let suggestion = did_you_mean(variant, expected.iter().copied());
        let (ja, en) = match suggestion {
            Some(s) => (
                format!("（{s} のことですか）"),
                format!(" (did you mean {s}?)"),
            ),
            None => (String::new(), String::new()),
        };
        let list = expected.join(", ");
        DeError::new(
            "definition.unknown_value",
            format!("「{variant}」は使えません{ja}。使える値: {list}"),
            format!("unknown value {variant:?}{en}; expected one of {list}"),
        )
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::new(
            "definition.missing_key",
            format!("「{field}」が必要です"),
            format!("missing key {field:?}"),
        )
    }

    fn duplicate_field(field: &'static str) -> Self {
        DeError::new(
            "definition.duplicate_key",
            format!("キー「{field}」が 2 回書かれています"),
            format!("key {field:?} appears twice"),
        )
    }
}

/// Deserializes one node.
pub(crate) struct NodeDe<'a>(pub &'a Node);

impl NodeDe<'_> {
    fn scalar(&self) -> Option<(&str, bool)> {
        match &self.0.kind {
            NodeKind::Scalar { text, plain } => Some((text, *plain)),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.scalar(), Some((text, true)) if resolve_plain(text) == Resolved::Null)
    }

    fn unexpected(&self) -> de::Unexpected<'_> {
        match &self.0.kind {
            NodeKind::Scalar { text, plain } => {
                if *plain && resolve_plain(text) == Resolved::Null {
                    de::Unexpected::Unit
                } else {
                    de::Unexpected::Str(text)
                }
            }
            NodeKind::Seq(_) => de::Unexpected::Seq,
            NodeKind::Map(_) => de::Unexpected::Map,
        }
    }
}

impl<'de> Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let node = self.0;
        let result = match &node.kind {
            NodeKind::Scalar { text, plain: false } => visitor.visit_str(text),
            NodeKind::Scalar { text, plain: true } => match resolve_plain(text) {
                Resolved::Null => visitor.visit_unit(),
                Resolved::Bool(b) => visitor.visit_bool(b),
                Resolved::Int(n) => visitor.visit_i64(n),
                Resolved::UInt(n) => visitor.visit_u64(n),
                Resolved::Float(n) => visitor.visit_f64(n),
                Resolved::Str => visitor.visit_str(text),
            },
            NodeKind::Seq(items) => visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
            }),
            NodeKind::Map(entries) => visitor.visit_map(Map {
                entries: entries.iter(),
                key: None,
            }),
        };
        result.map_err(|e| e.at(node))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        // Any written scalar is text when text is wanted (`label: 2024`), except an empty value.
        match self.scalar() {
            Some((text, _)) if !self.is_null() => {
                visitor.visit_str(text).map_err(|e: DeError| e.at(self.0))
            }
            _ => Err(<DeError as de::Error>::invalid_type(self.unexpected(), &visitor).at(self.0)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.kind {
            NodeKind::Seq(_) => self.deserialize_any(visitor),
            _ => Err(<DeError as de::Error>::invalid_type(self.unexpected(), &visitor).at(self.0)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.kind {
            NodeKind::Map(_) => self.deserialize_any(visitor),
            _ => Err(<DeError as de::Error>::invalid_type(self.unexpected(), &visitor).at(self.0)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.scalar() {
            Some((text, _)) if !self.is_null() => visitor
                .visit_enum(UnitVariant(text))
                .map_err(|e: DeError| e.at(self.0)),
            _ => Err(<DeError as de::Error>::invalid_type(self.unexpected(), &visitor).at(self.0)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
        bytes byte_buf unit unit_struct tuple tuple_struct
    }
}

struct Seq<'a> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Seq<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(NodeDe(item))
            .map(Some)
            .map_err(|e| e.at(item).within(format!("[{index}]")))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    key: Option<(&'a str, &'a Node)>,
}

impl<'de> MapAccess<'de> for Map<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        let name = match &key.kind {
            NodeKind::Scalar { text, .. } => text.as_str(),
            _ => "",
        };
        self.key = Some((name, value));
        seed.deserialize(NodeDe(key))
            .map(Some)
            .map_err(|e| e.at(key).within(name.to_owned()))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((name, value)) = self.key.take() else {
            return Err(de::Error::custom("value without a key"));
        };
        seed.deserialize(NodeDe(value))
            .map_err(|e| e.at(value).within(name.to_owned()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct UnitVariant<'a>(&'a str);

impl<'de> EnumAccess<'de> for UnitVariant<'_> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let de: de::value::StrDeserializer<'_, DeError> = self.0.into_deserializer();
        Ok((seed.deserialize(de)?, self))
    }
}

impl<'de> VariantAccess<'de> for UnitVariant<'_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, DeError> {
        Err(de::Error::custom("expected a plain value"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, DeError> {
        Err(de::Error::custom("expected a plain value"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, DeError> {
        Err(de::Error::custom("expected a plain value"))
    }
}
