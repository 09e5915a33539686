//! Kana readings (氏カナ・名カナ): converting what residents type into full-width katakana,
//! the form the 戸籍 振り仮名 uses since 2025, and refusing anything that is not kana.
//!
//! The conversion order matters (see `docs/reference/japanese-data.md`): NFKC first, so that
//! half-width `ｶﾞ` becomes `ガ` in one character; then hiragana to katakana; then spaces.

use crate::japan::text::{hiragana_to_katakana_char, nfkc, quote_char};

/// The separator between family and given name readings once normalised.
const IDEOGRAPHIC_SPACE: char = '\u{3000}';

/// Why a text cannot be read as katakana.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KanaError {
    /// The first character, after conversion, that is neither katakana nor a space.
    #[error("only katakana are accepted; {character:?} is not katakana")]
    Invalid { character: char },
}

impl KanaError {
    /// A stable code that support desks can quote.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "kana.invalid",
        }
    }

    /// The message shown to a resident, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Self::Invalid { character } => format!(
                "カタカナで入力してください（ひらがなは自動でカタカナに変換されます）。「{}」は使えません。",
                quote_char(*character)
            ),
        }
    }

    /// The message shown to a resident, in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Invalid { character } => format!(
                "Please enter the reading in katakana (hiragana are converted automatically). \
                 \u{201C}{}\u{201D} cannot be used.",
                quote_char(*character)
            ),
        }
    }
}

/// Converts a kana reading to full-width katakana and checks it.
///
/// Half-width katakana become full-width (`ｶﾞ` → `ガ`, `ﾜﾞ` → `ヷ`), hiragana become katakana
/// (`ゔ` → `ヴ`, `ゝゞ` → `ヽヾ`), a spacing `゛`/`゜` typed after a kana joins it (`か゛` →
/// `ガ`), runs of spaces become one full-width space and the ends are trimmed. What remains
/// must be katakana (ァ–ヺ), `ー`, `・`, `ヽ`, `ヾ` or spaces; otherwise the error names the first
/// character that is not. Empty input gives an empty reading: whether one is required is the
/// form's business.
pub fn normalize_katakana(input: &str) -> Result<String, KanaError> {
    // NFKC turns a spacing `゛` into a space and a combining mark, which would then never
    // join the kana before it; making it combining first lets `か゛` compose into `ガ`.
    let marks_joined: String = input
        .chars()
        .map(|c| match c {
            '\u{309B}' => '\u{3099}',
            '\u{309C}' => '\u{309A}',
            _ => c,
        })
        .collect();
    let katakana: String = nfkc(&marks_joined)
        .chars()
        .map(hiragana_to_katakana_char)
        .collect();
    let mut out = String::with_capacity(katakana.len());
    for word in katakana.split_whitespace() {
        if !out.is_empty() {
            out.push(IDEOGRAPHIC_SPACE);
        }
        if let Some(character) = word.chars().find(|c| !is_katakana_char(*c)) {
            return Err(KanaError::Invalid { character });
        }
        out.push_str(word);
    }
    Ok(out)
}

/// Whether the text, as it stands, is a non-empty katakana reading: katakana (ァ–ヺ), `ー`,
/// `・`, `ヽ`, `ヾ` and full- or half-width spaces only. No conversion is applied.
pub fn is_katakana(text: &str) -> bool {
    !text.trim().is_empty()
        && text
            .chars()
            .all(|c| is_katakana_char(c) || c == ' ' || c == IDEOGRAPHIC_SPACE)
}

/// ァ (U+30A1) to ヾ (U+30FE): the letters including ヴヵヶ and ヷ–ヺ, then ・ ー ヽ ヾ.
/// ゠ (U+30A0) and ヿ (U+30FF) are not readings.
fn is_katakana_char(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FE}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn readings_are_converted_to_full_width_katakana() {
        let cases = [
            ("ｶﾞ", "ガ"),
            ("ﾜﾞ", "ヷ"),
            ("ｳﾞｧｲｵﾘﾝ", "ヴァイオリン"),
            ("ﾊﾟｰｸ", "パーク"),
            ("ゔ", "ヴ"),
            ("ゝゞ", "ヽヾ"),
            ("いすゞ", "イスヾ"),
            ("やまだ　たろう", "ヤマダ　タロウ"),
            ("ヤマダ タロウ", "ヤマダ　タロウ"),
            ("  ﾔﾏﾀﾞ   ﾀﾛｳ  ", "ヤマダ　タロウ"),
            ("ヤマダ\t\u{3000} タロウ", "ヤマダ　タロウ"),
            ("か゛", "ガ"),
            ("は゜ん", "パン"),
            ("ぁぃぅぇぉっゃゅょゎゕゖ", "ァィゥェォッャュョヮヵヶ"),
            ("ヸヹヺ", "ヸヹヺ"),
            ("ジョン・スミス", "ジョン・スミス"),
            ("ｼﾞｮﾝ･ｽﾐｽ", "ジョン・スミス"),
            // NFKC spells out the digraphs ヿ and ゟ.
            ("ヿ", "コト"),
            ("ゟ", "ヨリ"),
            ("", ""),
            ("\u{3000}", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalize_katakana(input),
                Ok(expected.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn anything_but_kana_is_rejected_naming_the_first_offender() {
        let cases = [
            ("山田", '山'),
            ("yamada", 'y'),
            ("ヤマダ1", '1'),
            ("ＹＡＭＡＤＡ", 'Y'),
            ("タロウ!", '!'),
            ("゠", '゠'),
            ("゛", '\u{3099}'),
            ("ﾞ", '\u{3099}'),
            ("ア゛", '\u{3099}'),
            ("カ ゛", '\u{3099}'),
            ("ｶﾞ\u{3099}", '\u{3099}'),
            ("ア\u{E000}", '\u{E000}'),
            ("ア\u{7}", '\u{7}'),
        ];
        for (input, character) in cases {
            assert_eq!(
                normalize_katakana(input),
                Err(KanaError::Invalid { character }),
                "{input}"
            );
        }
    }

    #[test]
    fn a_lone_voiced_mark_is_quoted_as_the_mark_people_typed() {
        let Err(error) = normalize_katakana("゛") else {
            unreachable!("a lone voiced mark is not a reading");
        };
        assert_eq!(error.code(), "kana.invalid");
        assert!(
            error.message_ja().contains("「゛」は使えません"),
            "{}",
            error.message_ja()
        );
        assert!(
            error.message_en().contains("\u{201C}゛\u{201D}"),
            "{}",
            error.message_en()
        );
    }

    #[test]
    fn messages_explain_that_hiragana_are_converted() {
        let error = KanaError::Invalid { character: '山' };
        assert_eq!(
            error.message_ja(),
            "カタカナで入力してください（ひらがなは自動でカタカナに変換されます）。「山」は使えません。"
        );
        assert!(
            error
                .message_en()
                .starts_with("Please enter the reading in katakana")
        );
    }

    #[test]
    fn katakana_is_recognised_without_conversion() {
        for text in [
            "ヤマダ　タロウ",
            "ヤマダ タロウ",
            "ヴ",
            "ヷ",
            "ヶ",
            "ー",
            "・",
            "ヽヾ",
        ] {
            assert!(is_katakana(text), "{text}");
        }
        for text in [
            "",
            " ",
            "\u{3000}",
            "やまだ",
            "ﾔﾏﾀﾞ",
            "山田",
            "ヤマダ1",
            "ヿ",
            "ヤマダ\t",
        ] {
            assert!(!is_katakana(text), "{text}");
        }
    }

    proptest! {
        #[test]
        fn normalizing_never_panics_and_yields_katakana(text in any::<String>()) {
            if let Ok(reading) = normalize_katakana(&text) {
                prop_assert!(reading.is_empty() || is_katakana(&reading));
                prop_assert_eq!(normalize_katakana(&reading), Ok(reading.clone()));
            }
        }

        #[test]
        fn hiragana_and_katakana_readings_are_always_accepted(
            text in "[ぁ-ゖァ-ヺー・ 　ｦ-ﾝ]{1,20}"
        ) {
            let reading = normalize_katakana(&text);
            prop_assert!(reading.is_ok(), "{:?} -> {:?}", text, reading);
        }
    }
}
