//! Japanese telephone numbers: reading what residents type (full-width digits, any kind of
//! hyphen, `+81`), checking the number of digits against the kind of number, and writing
//! it back with hyphens.
//!
//! Lengths follow 総務省's numbering plan: fixed lines 10 digits; 060/070/080/090 mobile,
//! 050 IP phone and 020 M2M 11 digits; 0120 10, 0800 11, 0570 10 (see
//! `docs/reference/japanese-data.md`).
//!
//! Where the hyphens of a fixed line go depends on its area code (市外局番, 2 to 5 digits),
//! which only 総務省's full table settles. Yui does not ship that table: it keeps the
//! grouping the resident typed when it has the shape of one (area 2–5 digits, local 1–4,
//! subscriber 4), and otherwise writes 03 and 06 numbers 2-4-4 and all others 3-3-4.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::japan::text::{is_hyphen_like, nfkc, quote_char};

/// What kind of service a number reaches, read from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// A fixed line or 光IP line with an area code (10 digits).
    Fixed,
    /// A mobile phone or PHS: 060, 070, 080, 090 (11 digits).
    Mobile,
    /// 050 特定IP電話 (11 digits).
    IpPhone,
    /// Free dial: 0120 (10 digits) and 0800 (11 digits).
    TollFree,
    /// 0570 ナビダイヤル (10 digits).
    Navi,
    /// 020, used for M2M and pagers (11 digits).
    Other,
}

/// A telephone number in Japan, kept as its national digits (`09012345678`).
///
/// Two numbers are equal when their digits are, whatever grouping they were typed with.
/// It serialises as its hyphenated form, which reads back to the same grouping.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber {
    digits: String,
    kind: PhoneKind,
    /// Lengths of the three hyphenated groups; they add up to the number of digits. A fixed
    /// line typed without its grouping is `[len, 0, 0]`: shown as plain digits, since where
    /// its area code ends cannot be told from the digits alone (0967-46-… and 096-746-… are
    /// both real shapes) and a wrong grouping would mislead.
    groups: [usize; 3],
}

/// Why a text is not a usable Japanese telephone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no phone number was given")]
    Empty,
    #[error("a phone number has digits, hyphens, spaces and brackets only; {character:?} is none")]
    InvalidCharacter { character: char },
    #[error("only Japanese numbers (+81) are accepted")]
    Foreign,
    #[error("the number does not start with a Japanese prefix in use")]
    Invalid,
    #[error("this kind of number has {expected} digits, not {actual}")]
    WrongLength { expected: usize, actual: usize },
}

impl PhoneError {
    /// A stable code that support desks can quote.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "phone.empty",
            Self::InvalidCharacter { .. } => "phone.invalid_character",
            Self::Foreign => "phone.foreign",
            Self::Invalid => "phone.invalid",
            Self::WrongLength { .. } => "phone.length",
        }
    }

    /// The message shown to a resident, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Self::Empty => "電話番号を入力してください。".to_owned(),
            Self::InvalidCharacter { character } => format!(
                "電話番号は数字とハイフンで入力してください。「{}」は使えません。",
                quote_char(*character)
            ),
            Self::Foreign => "日本国内の電話番号を入力してください。".to_owned(),
            Self::Invalid => {
                "電話番号を市外局番から入力してください（例：0967-46-2111、090-1234-5678）。"
                    .to_owned()
            }
            Self::WrongLength { expected, actual } => format!(
                "電話番号の桁数が正しくありません。この番号は{expected}桁ですが、{actual}桁入力されています。"
            ),
        }
    }

    /// The message shown to a resident, in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Empty => "Please enter a phone number.".to_owned(),
            Self::InvalidCharacter { character } => format!(
                "Please enter the phone number with digits and hyphens only. \
                 \u{201C}{}\u{201D} cannot be used.",
                quote_char(*character)
            ),
            Self::Foreign => "Please enter a phone number in Japan.".to_owned(),
            Self::Invalid => "Please enter the phone number starting with its area code \
                              (for example 0967-46-2111 or 090-1234-5678)."
                .to_owned(),
            Self::WrongLength { expected, actual } => format!(
                "The phone number has the wrong number of digits: this kind of number has \
                 {expected} digits, but {actual} were entered."
            ),
        }
    }
}

impl PhoneNumber {
    /// Reads a number as typed: NFKC first (full-width digits and `－`), then hyphens of every
    /// kind (`-`, `‐`, `−`, `ー`, `–`, `—`…), spaces and brackets are dropped, and a leading
    /// `+81` (with or without a following `(0)`) becomes `0`.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let text = nfkc(input);
        let text = text.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (international, rest) = match text.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut runs = digit_runs(rest)?;
        if international {
            runs = national_runs(runs)?;
        }
        let digits: String = runs.concat();
        if digits.is_empty() {
            return Err(PhoneError::Invalid);
        }
        let (kind, expected) = classify(&digits).ok_or(PhoneError::Invalid)?;
        if digits.len() != expected {
            return Err(PhoneError::WrongLength {
                expected,
                actual: digits.len(),
            });
        }
        let groups = grouping(&digits, kind, &runs);
        Ok(Self {
            digits,
            kind,
            groups,
        })
    }

    /// The national digits, `09012345678`.
    pub fn digits(&self) -> &str {
        &self.digits
    }

    /// What kind of service the number reaches.
    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// The number with hyphens, `090-1234-5678`, `0120-123-456`, `03-1234-5678`; a fixed line
    /// whose grouping is unknown as plain digits, `0967462111`.
    pub fn display(&self) -> String {
        let [first, second, _] = self.groups;
        if second == 0 {
            return self.digits.clone();
        }
        let digits = self.digits.as_str();
        match (
            digits.get(..first),
            digits.get(first..first + second),
            digits.get(first + second..),
        ) {
            (Some(a), Some(b), Some(c)) => format!("{a}-{b}-{c}"),
            _ => self.digits.clone(),
        }
    }

    /// The international form, `+819012345678`.
    pub fn e164(&self) -> String {
        format!("+81{}", self.digits.get(1..).unwrap_or_default())
    }
}

/// Splits the text into runs of digits at hyphens, spaces and brackets.
fn digit_runs(text: &str) -> Result<Vec<String>, PhoneError> {
    let mut runs: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
        } else if is_hyphen_like(c) || c.is_whitespace() || matches!(c, '(' | ')') {
            if !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
        } else {
            return Err(PhoneError::InvalidCharacter { character: c });
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    Ok(runs)
}

/// Turns the runs after `+` into national form: `81` is removed, an optional `0` written
/// after it (`+81 (0)3…`) is dropped, and the trunk prefix `0` is put back in front.
fn national_runs(mut runs: Vec<String>) -> Result<Vec<String>, PhoneError> {
    let Some(first) = runs.first_mut() else {
        return Err(PhoneError::Invalid);
    };
    let Some(rest) = first.strip_prefix("81") else {
        return Err(PhoneError::Foreign);
    };
    *first = rest.to_owned();
    runs.retain(|run| !run.is_empty());
    if let Some(first) = runs.first_mut()
        && let Some(rest) = first.strip_prefix('0')
    {
        *first = rest.to_owned();
    }
    runs.retain(|run| !run.is_empty());
    match runs.first_mut() {
        Some(first) => first.insert(0, '0'),
        None => return Err(PhoneError::Invalid),
    }
    Ok(runs)
}

/// The kind of number and how many digits it has, from its prefix; `None` for prefixes not in
/// use (`00`, `010`, `030`, `040`) or digits that do not start with `0`.
fn classify(digits: &str) -> Option<(PhoneKind, usize)> {
    let bytes = digits.as_bytes();
    if bytes.first() != Some(&b'0') {
        return None;
    }
    if digits.starts_with("0800") {
        return Some((PhoneKind::TollFree, 11));
    }
    if digits.starts_with("0120") {
        return Some((PhoneKind::TollFree, 10));
    }
    if digits.starts_with("0570") {
        return Some((PhoneKind::Navi, 10));
    }
    match (bytes.get(1), bytes.get(2)) {
        (Some(b'0') | None, _) => None,
        (Some(b'5'), Some(b'0')) => Some((PhoneKind::IpPhone, 11)),
        (Some(b'6'..=b'9'), Some(b'0')) => Some((PhoneKind::Mobile, 11)),
        (Some(b'2'), Some(b'0')) => Some((PhoneKind::Other, 11)),
        (Some(_), Some(b'0')) => None,
        (Some(_), _) => Some((PhoneKind::Fixed, 10)),
    }
}

/// Where the hyphens go: fixed places for every kind but fixed lines (see the module doc).
fn grouping(digits: &str, kind: PhoneKind, runs: &[String]) -> [usize; 3] {
    match kind {
        PhoneKind::Mobile | PhoneKind::IpPhone | PhoneKind::Other => [3, 4, 4],
        PhoneKind::TollFree if digits.len() == 11 => [4, 3, 4],
        PhoneKind::TollFree | PhoneKind::Navi => [4, 3, 3],
        PhoneKind::Fixed => match runs {
            [area, local, subscriber]
                if (2..=5).contains(&area.len())
                    && (1..=4).contains(&local.len())
                    && subscriber.len() == 4 =>
            {
                [area.len(), local.len(), 4]
            }
            _ if digits.starts_with("03") || digits.starts_with("06") => [2, 4, 4],
            _ => [digits.len(), 0, 0],
        },
    }
}

impl PartialEq for PhoneNumber {
    fn eq(&self, other: &Self) -> bool {
        self.digits == other.digits
    }
}

impl Eq for PhoneNumber {}

impl Hash for PhoneNumber {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.digits.hash(state);
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.display()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_are_read_classified_and_hyphenated() {
        use PhoneKind::*;
        let cases = [
            ("090-1234-5678", "09012345678", Mobile, "090-1234-5678"),
            ("09012345678", "09012345678", Mobile, "090-1234-5678"),
            ("080 1234 5678", "08012345678", Mobile, "080-1234-5678"),
            ("070(1234)5678", "07012345678", Mobile, "070-1234-5678"),
            ("060-1234-5678", "06012345678", Mobile, "060-1234-5678"),
            ("050-1234-5678", "05012345678", IpPhone, "050-1234-5678"),
            ("020-1234-5678", "02012345678", Other, "020-1234-5678"),
            ("0120-123-456", "0120123456", TollFree, "0120-123-456"),
            ("0120123456", "0120123456", TollFree, "0120-123-456"),
            ("0800-123-4567", "08001234567", TollFree, "0800-123-4567"),
            ("08001234567", "08001234567", TollFree, "0800-123-4567"),
            ("0570-123-456", "0570123456", Navi, "0570-123-456"),
            ("03-1234-5678", "0312345678", Fixed, "03-1234-5678"),
            ("0312345678", "0312345678", Fixed, "03-1234-5678"),
            ("0612345678", "0612345678", Fixed, "06-1234-5678"),
            ("0967-46-2111", "0967462111", Fixed, "0967-46-2111"),
            ("(0967)46-2111", "0967462111", Fixed, "0967-46-2111"),
            ("01267-2-1234", "0126721234", Fixed, "01267-2-1234"),
            ("096-746-2111", "0967462111", Fixed, "096-746-2111"),
            ("0967462111", "0967462111", Fixed, "0967462111"),
            ("0967-462111", "0967462111", Fixed, "0967462111"),
            ("0572-12-3456", "0572123456", Fixed, "0572-12-3456"),
            ("0123-45-6789", "0123456789", Fixed, "0123-45-6789"),
        ];
        for (input, digits, kind, display) in cases {
            let number = PhoneNumber::parse(input);
            assert_eq!(
                number.as_ref().map(PhoneNumber::digits),
                Ok(digits),
                "{input}"
            );
            assert_eq!(number.as_ref().map(PhoneNumber::kind), Ok(kind), "{input}");
            assert_eq!(
                number.as_ref().map(PhoneNumber::display).as_deref(),
                Ok(display),
                "{input}"
            );
        }
    }

    #[test]
    fn every_way_of_typing_a_hyphen_and_full_width_digits_are_accepted() {
        let inputs = [
            "０９０－１２３４－５６７８",
            "０９０ー１２３４ー５６７８",
            "090ｰ1234ｰ5678",
            "090−1234−5678",
            "090‐1234‐5678",
            "090‑1234‑5678",
            "090–1234–5678",
            "090—1234—5678",
            "090―1234―5678",
            "　０９０　１２３４　５６７８　",
            "（090）1234-5678",
        ];
        for input in inputs {
            assert_eq!(
                PhoneNumber::parse(input).map(|n| n.display()),
                Ok("090-1234-5678".to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn the_country_code_81_becomes_the_trunk_prefix() {
        let cases = [
            ("+81 90-1234-5678", "090-1234-5678"),
            ("+819012345678", "090-1234-5678"),
            ("+81-90-1234-5678", "090-1234-5678"),
            ("+81 (0)90 1234 5678", "090-1234-5678"),
            ("+81 3-1234-5678", "03-1234-5678"),
            ("＋８１ ３ １２３４ ５６７８", "03-1234-5678"),
            ("+81 967-46-2111", "0967-46-2111"),
            ("+81-120-123-456", "0120-123-456"),
        ];
        for (input, display) in cases {
            assert_eq!(
                PhoneNumber::parse(input).map(|n| n.display()),
                Ok(display.to_owned()),
                "{input}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("+1 212 555 0100"),
            Err(PhoneError::Foreign)
        );
        assert_eq!(PhoneNumber::parse("+8"), Err(PhoneError::Foreign));
        assert_eq!(PhoneNumber::parse("+81"), Err(PhoneError::Invalid));
        assert_eq!(PhoneNumber::parse("+"), Err(PhoneError::Invalid));
    }

    #[test]
    fn the_international_form_drops_the_trunk_prefix() {
        let cases = [
            ("090-1234-5678", "+819012345678"),
            ("03-1234-5678", "+81312345678"),
            ("0120-123-456", "+81120123456"),
        ];
        for (input, e164) in cases {
            assert_eq!(
                PhoneNumber::parse(input).map(|n| n.e164()),
                Ok(e164.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn numbers_of_the_wrong_length_say_how_long_they_should_be() {
        let cases = [
            ("090-1234-567", 11, 10),
            ("090-1234-56789", 11, 12),
            ("050-1234-567", 11, 10),
            ("03-1234-567", 10, 9),
            ("03-1234-56789", 10, 11),
            ("0120-123-4567", 10, 11),
            ("0800-123-456", 11, 10),
            ("0570-123-4567", 10, 11),
            ("031234567890123", 10, 15),
        ];
        for (input, expected, actual) in cases {
            assert_eq!(
                PhoneNumber::parse(input),
                Err(PhoneError::WrongLength { expected, actual }),
                "{input}"
            );
        }
    }

    #[test]
    fn prefixes_not_in_use_are_refused() {
        for input in [
            "0",
            "9012345678",
            "00-1234-5678",
            "010-1234-5678",
            "030-1234-5678",
            "040-1234-5678",
        ] {
            assert_eq!(
                PhoneNumber::parse(input),
                Err(PhoneError::Invalid),
                "{input}"
            );
        }
        assert_eq!(PhoneNumber::parse("---"), Err(PhoneError::Invalid));
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(PhoneNumber::parse("　"), Err(PhoneError::Empty));
    }

    #[test]
    fn letters_and_symbols_are_named() {
        let cases = [
            ("090-1234-5678 内線12", '内'),
            ("tel:0312345678", 't'),
            ("090+1234+5678", '+'),
            ("03.1234.5678", '.'),
        ];
        for (input, character) in cases {
            assert_eq!(
                PhoneNumber::parse(input),
                Err(PhoneError::InvalidCharacter { character }),
                "{input}"
            );
        }
    }

    #[test]
    fn numbers_typed_with_different_grouping_are_equal() {
        assert_eq!(
            PhoneNumber::parse("0967-46-2111"),
            PhoneNumber::parse("096-746-2111")
        );
    }

    #[test]
    fn a_number_serialises_as_its_hyphenated_form_and_reads_back() -> Result<(), serde_json::Error>
    {
        let number = PhoneNumber::parse("0967-46-2111");
        let json = number.as_ref().map(serde_json::to_string);
        assert!(
            matches!(&json, Ok(Ok(text)) if text == "\"0967-46-2111\""),
            "{json:?}"
        );
        let read: PhoneNumber = serde_json::from_str("\"0967-46-2111\"")?;
        assert_eq!(read.display(), "0967-46-2111");
        assert!(serde_json::from_str::<PhoneNumber>("\"123\"").is_err());
        Ok(())
    }

    #[test]
    fn every_error_has_a_code_and_both_messages() {
        let errors = [
            PhoneError::Empty,
            PhoneError::InvalidCharacter { character: 'a' },
            PhoneError::Foreign,
            PhoneError::Invalid,
            PhoneError::WrongLength {
                expected: 11,
                actual: 10,
            },
        ];
        for error in errors {
            assert!(error.code().starts_with("phone."));
            assert!(!error.message_ja().is_empty() && !error.message_en().is_empty());
        }
        assert_eq!(
            PhoneError::WrongLength {
                expected: 11,
                actual: 10
            }
            .message_ja(),
            "電話番号の桁数が正しくありません。この番号は11桁ですが、10桁入力されています。"
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in any::<String>()) {
            let _ = PhoneNumber::parse(&text);
        }

        #[test]
        fn parsing_phone_like_text_never_panics(text in "[+0-9０-９()（）\\- ー−‐]{0,20}") {
            let _ = PhoneNumber::parse(&text);
        }

        #[test]
        fn valid_numbers_read_back_from_their_display_and_e164(
            number in "(0[5-9]0[1-9][0-9]{7}|0[1-9][1-9][0-9]{7}|0120[0-9]{6}|0800[0-9]{7})"
        ) {
            let parsed = PhoneNumber::parse(&number);
            prop_assert!(parsed.is_ok(), "{} -> {:?}", number, parsed);
            if let Ok(parsed) = parsed {
                prop_assert_eq!(parsed.digits(), number.as_str());
                let again = PhoneNumber::parse(&parsed.display());
                prop_assert_eq!(again.as_ref().map(PhoneNumber::display), Ok(parsed.display()));
                prop_assert_eq!(PhoneNumber::parse(&parsed.e164()), Ok(parsed));
            }
        }
    }
}
