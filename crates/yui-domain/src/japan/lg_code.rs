//! 全国地方公共団体コード: the 6-digit code that identifies a municipality.
//!
//! Five digits (2 for the prefecture, JIS X 0401, and 3 for the municipality, JIS X 0402)
//! followed by a check digit: weight digits 1–5 by 6, 5, 4, 3, 2, take the sum modulo 11,
//! and the check digit is the last digit of `11 - remainder`
//! (see `docs/reference/japanese-data.md`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A municipality code whose check digit has been verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LgCode([u8; 6]);

/// Why a text is not a valid municipality code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LgCodeError {
    #[error("a municipality code has 6 digits; got {0} characters")]
    Length(usize),
    #[error("a municipality code has only digits 0-9")]
    NotDigits,
    #[error("the check digit of {code} should be {expected}")]
    CheckDigit { code: String, expected: u8 },
    #[error("prefecture part {0:02} is not between 01 and 47")]
    Prefecture(u8),
}

impl LgCode {
    /// Parses a 6-digit code, accepting full-width digits (`４３４２４８`) as typed on
    /// Japanese keyboards, and verifies the check digit.
    pub fn parse(text: &str) -> Result<Self, LgCodeError> {
        let digits: Vec<u8> = text
            .trim()
            .chars()
            .map(|c| match c {
                '0'..='9' => Ok(c as u8 - b'0'),
                '０'..='９' => Ok((c as u32 - '０' as u32) as u8),
                _ => Err(LgCodeError::NotDigits),
            })
            .collect::<Result<_, _>>()?;
        let Ok(digits) = <[u8; 6]>::try_from(digits.as_slice()) else {
            return Err(LgCodeError::Length(text.trim().chars().count()));
        };
        let prefecture = digits[0] * 10 + digits[1];
        if !(1..=47).contains(&prefecture) {
            return Err(LgCodeError::Prefecture(prefecture));
        }
        let mut first5 = [0u8; 5];
        first5.copy_from_slice(&digits[..5]);
        let expected = check_digit(&first5);
        if digits[5] != expected {
            return Err(LgCodeError::CheckDigit {
                code: text.trim().to_owned(),
                expected,
            });
        }
        Ok(Self(digits))
    }

    /// The JIS X 0401 prefecture number (1 = 北海道 … 47 = 沖縄県).
    pub fn prefecture(self) -> u8 {
        self.0[0] * 10 + self.0[1]
    }

    /// The 5-digit form without check digit, as used by Japan Post's KEN_ALL data.
    pub fn without_check_digit(self) -> String {
        self.0[..5].iter().map(|d| char::from(b'0' + d)).collect()
    }
}

/// The check digit for the first five digits of a municipality code.
pub fn check_digit(first5: &[u8; 5]) -> u8 {
    let sum: u32 = first5
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    ((11 - sum % 11) % 10) as u8
}

impl fmt::Display for LgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0 {
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl FromStr for LgCode {
    type Err = LgCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for LgCode {
    type Error = LgCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LgCode> for String {
    fn from(value: LgCode) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_are_accepted() {
        for code in [
            "131016", "011002", "271004", "141003", "401307", "472107", "010006", "130001",
            "434248",
        ] {
            assert_eq!(
                LgCode::parse(code).map(|c| c.to_string()),
                Ok(code.to_owned()),
                "{code}"
            );
        }
    }

    #[test]
    fn a_wrong_check_digit_names_the_right_one() {
        assert_eq!(
            LgCode::parse("131017"),
            Err(LgCodeError::CheckDigit {
                code: "131017".into(),
                expected: 6
            })
        );
    }

    #[test]
    fn full_width_digits_are_read_as_digits() {
        assert_eq!(
            LgCode::parse("４３４２４８").map(|c| c.to_string()),
            Ok("434248".to_owned())
        );
    }

    #[test]
    fn malformed_codes_are_rejected_with_a_reason() {
        assert_eq!(LgCode::parse("13101"), Err(LgCodeError::Length(5)));
        assert_eq!(LgCode::parse("13101a"), Err(LgCodeError::NotDigits));
        assert_eq!(LgCode::parse("481001"), Err(LgCodeError::Prefecture(48)));
    }

    #[test]
    fn remainder_zero_and_one_follow_the_rule() {
        // sum % 11 == 0 → check digit 1; sum % 11 == 1 → 0.
        assert_eq!(check_digit(&[0, 0, 0, 0, 0]), 1);
        assert_eq!(check_digit(&[0, 0, 0, 0, 6]), 0); // 12 % 11 == 1
    }

    #[test]
    fn prefecture_and_short_form() {
        let c = LgCode::parse("434248").unwrap();
        assert_eq!(c.prefecture(), 43);
        assert_eq!(c.without_check_digit(), "43424");
    }
}
