//! What can be wrong with one answer, as values to render: a stable code, parameters, and the
//! message in Japanese and English.
//!
//! Messages say what is expected, not what the resident did wrong, and never demand a
//! character width Yui converts anyway (full-width digits and hiragana are accepted).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::definition::Text;

/// One problem with one answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// Stable code support desks can quote: `required`, `constraint`, `integer.invalid`,
    /// `choice.unknown`, `kana.invalid`, `text.too_long`, `repeat.too_few`, …
    pub code: &'static str,
    /// Values the message mentions (`max`, `value`, …), for custom rendering.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    pub message_ja: String,
    pub message_en: String,
}

impl Violation {
    pub fn new(
        code: &'static str,
        message_ja: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Violation {
            code,
            params: BTreeMap::new(),
            message_ja: message_ja.into(),
            message_en: message_en.into(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.params.insert(key.to_owned(), value.into());
        self
    }

    /// A builder-written message (`required_message`, `constraint_message`) when there is one.
    fn custom(code: &'static str, text: Option<&Text>, ja: &str, en: &str) -> Self {
        match text {
            Some(text) => Violation::new(code, text.ja.clone(), text.get("en").to_owned()),
            None => Violation::new(code, ja, en),
        }
    }

    pub(crate) fn required(message: Option<&Text>) -> Self {
        Violation::custom("required", message, "入力してください", "Enter an answer")
    }

    pub(crate) fn constraint(message: Option<&Text>) -> Self {
        Violation::custom(
            "constraint",
            message,
            "入力内容を確認してください",
            "Check this answer",
        )
    }

    pub(crate) fn consent() -> Self {
        Violation::new(
            "consent.required",
            "内容を確認し、同意する場合はチェックを入れてください",
            "Tick the box to confirm you agree",
        )
    }

    pub(crate) fn invalid(code: &'static str, ja: &str, en: &str) -> Self {
        Violation::new(code, ja, en)
    }

    pub(crate) fn too_long(max: usize) -> Self {
        Violation::new(
            "text.too_long",
            format!("{max} 文字以内で入力してください"),
            format!("Enter {max} characters or fewer"),
        )
        .with("max", max)
    }

    pub(crate) fn too_short(min: usize) -> Self {
        Violation::new(
            "text.too_short",
            format!("{min} 文字以上で入力してください"),
            format!("Enter at least {min} characters"),
        )
        .with("min", min)
    }

    pub(crate) fn control_character() -> Self {
        Violation::new(
            "text.control_character",
            "使えない制御文字が含まれています",
            "The answer contains a control character that cannot be used",
        )
    }

    pub(crate) fn newline() -> Self {
        Violation::new(
            "text.newline",
            "改行せずに 1 行で入力してください",
            "Enter this on one line",
        )
    }

    pub(crate) fn private_use() -> Self {
        Violation::new(
            "text.private_use",
            "表示できない文字（外字）が含まれています。別の字体で入力し、必要なら備考に書いてください",
            "The answer contains a character other systems cannot show (a private-use character); use a standard character and explain in a note if needed",
        )
    }

    pub(crate) fn unknown_choice(value: &str) -> Self {
        Violation::new(
            "choice.unknown",
            "選択肢の中から選んでください",
            "Choose one of the options",
        )
        .with("value", value)
    }

    pub(crate) fn unavailable_choice(value: &str) -> Self {
        Violation::new(
            "choice.unavailable",
            "この選択肢は今の回答では選べません。選び直してください",
            "This option is not available with your other answers; choose again",
        )
        .with("value", value)
    }

    pub(crate) fn too_few_rows(min: u32) -> Self {
        Violation::new(
            "repeat.too_few",
            format!("{min} 件以上入力してください"),
            format!("Add at least {min}"),
        )
        .with("min", min)
    }

    pub(crate) fn too_many_rows(max: u32) -> Self {
        Violation::new(
            "repeat.too_many",
            format!("{max} 件までにしてください"),
            format!("Add no more than {max}"),
        )
        .with("max", max)
    }

    pub(crate) fn logic_too_complex() -> Self {
        Violation::new(
            "logic.too_complex",
            "この項目の条件を計算できませんでした。入力内容を短くしてお試しください",
            "The rules for this question could not be worked out; try a shorter answer",
        )
    }

    /// From a Japanese-data parser's error (kana, 和暦, phone, postal code, e-mail).
    pub(crate) fn from_parser(code: &'static str, message_ja: String, message_en: String) -> Self {
        Violation::new(code, message_ja, message_en)
    }
}

/// Every violation of a submission, keyed by field path (`child_age`, `children[0].age`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ValidationReport {
    pub violations: BTreeMap<String, Vec<Violation>>,
}

impl ValidationReport {
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// Number of fields with violations.
    pub fn len(&self) -> usize {
        self.violations.len()
    }

    pub fn get(&self, path: &str) -> Option<&[Violation]> {
        self.violations.get(path).map(Vec::as_slice)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Violation])> {
        self.violations
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// All codes, for tests and logs: `["children[0].age: required", …]`.
    pub fn codes(&self) -> Vec<String> {
        self.iter()
            .flat_map(|(path, list)| list.iter().map(move |v| format!("{path}: {}", v.code)))
            .collect()
    }
}
