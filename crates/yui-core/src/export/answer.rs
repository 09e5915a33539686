//! A stored answer (JSON) as the export reads it: text is borrowed from the stored JSON unless
//! it holds escapes, and objects are short lists of names and values. Reading a million rows
//! into `serde_json::Value` cost an allocation for every name and every piece of text.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// One answer, or a part of one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Text(Cow<'a, str>),
    List(Vec<Answer<'a>>),
    /// Names and values in the order stored.
    Object(Vec<(Cow<'a, str>, Answer<'a>)>),
}

impl<'a> Answer<'a> {
    /// The value under `key` of an object (the last one, as JSON readers keep the last of a
    /// repeated name).
    pub(crate) fn get(&self, key: &str) -> Option<&Answer<'a>> {
        match self {
            Answer::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|e| &e.1),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Answer::Text(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Answer::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The answer as a JSON value (for the rare answers shown as JSON text).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Answer::Null => Value::Null,
            Answer::Bool(b) => Value::Bool(*b),
            Answer::Number(n) => Value::Number(n.clone()),
            Answer::Text(s) => Value::String(s.to_string()),
            Answer::List(items) => Value::Array(items.iter().map(Answer::to_value).collect()),
            Answer::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

/// JSON text, exactly as `serde_json::Value` prints it.
impl fmt::Display for Answer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Null => f.write_str("null"),
            Answer::Bool(b) => write!(f, "{b}"),
            Answer::Number(n) => write!(f, "{n}"),
            other => write!(f, "{}", other.to_value()),
        }
    }
}

/// An object key, borrowed from the JSON text unless it holds escapes.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor).map(Key)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

impl<'de> Deserialize<'de> for Answer<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnswerVisitor)
    }
}

struct AnswerVisitor;

impl<'de> Visitor<'de> for AnswerVisitor {
    type Value = Answer<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an answer")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Answer::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Answer::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Answer::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Answer::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Answer::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(v).map_or(Answer::Null, Answer::Number))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Answer::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Answer::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Answer::Text(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Answer::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(4));
        while let Some(Key(name)) = map.next_key()? {
            entries.push((name, map.next_value()?));
        }
        Ok(Answer::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Answer<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn text_without_escapes_is_borrowed_and_with_escapes_is_read_right() {
        let a = read(r#"{"family":"山田","given":"花\"子\n","n":[1,-2,2.5,true,null]}"#);
        assert!(matches!(
            a.get("family"),
            Some(Answer::Text(Cow::Borrowed("山田")))
        ));
        assert_eq!(a.get("given").and_then(Answer::as_str), Some("花\"子\n"));
        assert_eq!(a.get("missing"), None);
        assert_eq!(read("2.5").as_f64(), Some(2.5));
    }

    #[test]
    fn prints_json_exactly_as_serde_json_values_do() {
        for json in [
            r#"{"b":[1,-2,2.5,1e300,18446744073709551615,true,null],"a":"x\"y","a":"z"}"#,
            "12345678901234567890",
            "-0.0",
            "0.1",
            r#"["\u0001",{}]"#,
            "null",
            "false",
        ] {
            let value: Value = serde_json::from_str(json).unwrap();
            assert_eq!(read(json).to_string(), value.to_string(), "{json}");
            assert_eq!(read(json).to_value(), value, "{json}");
        }
    }

    #[test]
    fn a_repeated_name_reads_as_its_last_value() {
        assert_eq!(
            read(r#"{"a":"1","a":"2"}"#)
                .get("a")
                .and_then(Answer::as_str),
            Some("2")
        );
    }
}
