//! 郵便番号: the 7-digit Japanese postal code, read however it was typed (`〒869-4401`,
//! `８６９４４０１`, `869ー4401`) and written as `869-4401`.
//!
//! A postal code does not identify one address (some span two prefectures), so this module
//! only checks the shape; looking up 町域 candidates belongs elsewhere.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::japan::text::{is_hyphen_like, nfkc, quote_char};

/// A postal code of exactly seven digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode([u8; 7]);

/// Why a text is not a postal code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostalError {
    #[error("no postal code was given")]
    Empty,
    #[error("a postal code has digits and one hyphen only; {character:?} is neither")]
    InvalidCharacter { character: char },
    #[error("a postal code has 7 digits, not {actual}")]
    WrongLength { actual: usize },
}

impl PostalError {
    /// A stable code that support desks can quote.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "postal.empty",
            Self::InvalidCharacter { .. } => "postal.invalid",
            Self::WrongLength { .. } => "postal.length",
        }
    }

    /// The message shown to a resident, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Self::Empty => "郵便番号を入力してください。".to_owned(),
            Self::InvalidCharacter { character } => format!(
                "郵便番号は「869-4401」のように数字7桁で入力してください。「{}」は使えません。",
                quote_char(*character)
            ),
            Self::WrongLength { actual } => format!(
                "郵便番号は「869-4401」のように数字7桁で入力してください（{actual}桁入力されています）。"
            ),
        }
    }

    /// The message shown to a resident, in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Empty => "Please enter a postal code.".to_owned(),
            Self::InvalidCharacter { character } => format!(
                "Please enter the postal code as 7 digits, like 869-4401. \
                 \u{201C}{}\u{201D} cannot be used.",
                quote_char(*character)
            ),
            Self::WrongLength { actual } => format!(
                "Please enter the postal code as 7 digits, like 869-4401 ({actual} digits were \
                 entered)."
            ),
        }
    }
}

impl PostalCode {
    /// Reads a postal code: NFKC (full-width digits), an optional leading `〒`, and hyphens
    /// of any kind or spaces anywhere; exactly seven digits must remain.
    pub fn parse(input: &str) -> Result<Self, PostalError> {
        let text = nfkc(input);
        let text = text.trim();
        let text = text.strip_prefix('〒').unwrap_or(text);
        let mut digits = Vec::with_capacity(7);
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c as u8 - b'0');
            } else if !(is_hyphen_like(c) || c.is_whitespace()) {
                return Err(PostalError::InvalidCharacter { character: c });
            }
        }
        if digits.is_empty() {
            return Err(PostalError::Empty);
        }
        <[u8; 7]>::try_from(digits.as_slice())
            .map(Self)
            .map_err(|_| PostalError::WrongLength {
                actual: digits.len(),
            })
    }

    /// The seven digits, `8694401`.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The written form, `869-4401`.
    pub fn display(&self) -> String {
        let digits = self.digits();
        let (first, last) = digits.split_at(3);
        format!("{first}-{last}")
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl FromStr for PostalCode {
    type Err = PostalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for PostalCode {
    type Error = PostalError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PostalCode> for String {
    fn from(value: PostalCode) -> Self {
        value.display()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn postal_codes_are_read_however_they_are_typed() {
        let inputs = [
            "869-4401",
            "8694401",
            "〒869-4401",
            "〒 869-4401",
            "〶869-4401",
            "８６９－４４０１",
            "８６９ー４４０１",
            "８６９４４０１",
            "869−4401",
            "869‐4401",
            "869 4401",
            "　〒８６９ー４４０１　",
        ];
        for input in inputs {
            let code = PostalCode::parse(input);
            assert_eq!(
                code.as_ref().map(PostalCode::display),
                Ok("869-4401".to_owned()),
                "{input}"
            );
            assert_eq!(
                code.as_ref().map(PostalCode::digits),
                Ok("8694401".to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn anything_but_seven_digits_is_refused() {
        let cases = [
            ("", PostalError::Empty),
            ("〒", PostalError::Empty),
            ("-", PostalError::Empty),
            ("869-440", PostalError::WrongLength { actual: 6 }),
            ("869-44011", PostalError::WrongLength { actual: 8 }),
            ("869", PostalError::WrongLength { actual: 3 }),
            ("869-440a", PostalError::InvalidCharacter { character: 'a' }),
            ("869_4401", PostalError::InvalidCharacter { character: '_' }),
            (
                "869-4401〒",
                PostalError::InvalidCharacter { character: '〒' },
            ),
            ("٨٦٩٤٤٠١", PostalError::InvalidCharacter { character: '٨' }),
        ];
        for (input, expected) in cases {
            assert_eq!(PostalCode::parse(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn a_postal_code_serialises_as_its_written_form() -> Result<(), serde_json::Error> {
        let code: PostalCode = serde_json::from_str("\"8694401\"")?;
        assert_eq!(serde_json::to_string(&code)?, "\"869-4401\"");
        assert!(serde_json::from_str::<PostalCode>("\"86944\"").is_err());
        Ok(())
    }

    #[test]
    fn every_error_has_a_code_and_both_messages() {
        let errors = [
            PostalError::Empty,
            PostalError::InvalidCharacter { character: 'a' },
            PostalError::WrongLength { actual: 6 },
        ];
        for error in errors {
            assert!(error.code().starts_with("postal."));
            assert!(!error.message_ja().is_empty() && !error.message_en().is_empty());
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in any::<String>()) {
            let _ = PostalCode::parse(&text);
        }

        #[test]
        fn seven_digits_always_read_back_from_the_written_form(digits in "[0-9]{7}") {
            let code = PostalCode::parse(&digits);
            prop_assert_eq!(code.as_ref().map(PostalCode::digits), Ok(digits.clone()));
            let written = code.as_ref().map(PostalCode::display).unwrap_or_default();
            prop_assert_eq!(PostalCode::parse(&written), code);
        }
    }
}
