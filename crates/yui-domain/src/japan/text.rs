//! Text helpers shared by the Japanese data parsers: NFKC, kana folding, search keys, checks
//! for characters a form should refuse (private use, control) and the half-width kana that
//! bank transfer (全銀) files still require.
//!
//! Nothing here is applied to names or free text for storage: NFKC and even NFC change some
//! kanji (`神` U+FA19 becomes U+795E), so those are stored as typed and only their
//! [`search_key`] is normalised (see `docs/reference/japanese-data.md`).

use unicode_normalization::UnicodeNormalization;

/// Applies Unicode NFKC: full-width Latin letters and digits become ASCII, half-width katakana
/// become full-width (composing `ｶﾞ` into `ガ`), and square signs such as `㋿` expand (`令和`).
pub fn nfkc(text: &str) -> String {
    // ASCII is already in every normal form (the common case: digits, e-mail addresses).
    if text.is_ascii() {
        return text.to_owned();
    }
    text.nfkc().collect()
}

/// Whether the text holds a Private Use Area code point (U+E000–U+F8FF, or planes 15–16).
///
/// Vendor 外字 live there; they show as a different glyph, or nothing, on every other system.
pub fn has_private_use(text: &str) -> bool {
    text.chars().any(is_private_use)
}

/// Whether the text holds a control character other than line feed, carriage return and tab,
/// which multi-line answers legitimately contain.
///
/// Besides the C0/C1 controls and DEL this counts the bidirectional embedding, override and
/// isolate controls (U+202A–U+202E, U+2066–U+2069): they can make text read differently on a
/// reviewer's screen than what was stored. Joiners used by emoji are not controls.
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| is_refused_control(c) && !matches!(c, '\n' | '\r' | '\t'))
}

/// A key for matching what a resident types against procedure names and synonyms:
/// NFKC, hiragana folded to katakana, ASCII lower-cased, and spaces and hyphen-like characters
/// (including the long vowel mark `ー`) removed.
///
/// Both sides of a comparison must go through this function; dropping `ー` lets `コ-ヒ-`
/// typed on a PC keyboard find `コーヒー`.
pub fn search_key(text: &str) -> String {
    let folded: String = nfkc(text)
        .chars()
        .filter(|c| !c.is_whitespace() && !is_hyphen_like(*c))
        .map(|c| hiragana_to_katakana_char(c).to_ascii_lowercase())
        .collect();
    // Removing a space can bring a kana next to a voiced mark it now composes with; a second
    // pass makes the key the same however often it is computed.
    nfkc(&folded)
}

/// Converts full-width katakana (and hiragana) to half-width katakana for exports to systems
/// that still demand it, such as bank transfer (全銀) files.
///
/// Voiced kana split into a base and `ﾞ`/`ﾟ` (`ガ` → `ｶﾞ`); the full-width space, Latin letters,
/// digits and symbols become ASCII. Characters without a half-width form (`ヰ`, `ヱ`, `ヮ`, `ヵ`,
/// `ヶ`, `ヸ`, `ヹ`, `ヽ`, `ヾ`, kanji…) are kept as they are rather than replaced by a guess,
/// so that an export check can name them.
pub fn to_halfwidth_kana(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = hiragana_to_katakana_char(c);
        match c {
            '\u{3000}' => out.push(' '),
            '\u{FF01}'..='\u{FF5E}' => out.push(shift(c, -0xFEE0)),
            _ => match HALF_WIDTH.binary_search_by_key(&c, |(full, _)| *full) {
                Ok(index) => out.push_str(HALF_WIDTH[index].1),
                Err(_) => out.push(c),
            },
        }
    }
    out
}

/// Hiragana to katakana, character by character: ぁ–ゖ (U+3041–U+3096, including ゔ) move up by
/// 0x60 and the iteration marks ゝゞ become ヽヾ. Anything else is returned unchanged.
pub fn hiragana_to_katakana_char(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => shift(c, 0x60),
        _ => c,
    }
}

/// Hyphens, dashes and minus signs people type between digits, plus the long vowel marks that
/// Japanese keyboards produce in the same position (`０３ー１２３４ー５６７８`).
///
/// NFKC turns `－` and `ｰ` into `-` and `ー` but leaves `‐` U+2010 and `−` U+2212 alone, so
/// they are listed here explicitly.
pub fn is_hyphen_like(c: char) -> bool {
    HYPHEN_LIKE.contains(&c)
}

const HYPHEN_LIKE: &[char] = &[
    '-',        // hyphen-minus
    '\u{2010}', // hyphen
    '\u{2011}', // non-breaking hyphen
    '\u{2012}', // figure dash
    '\u{2013}', // en dash
    '\u{2014}', // em dash
    '\u{2015}', // horizontal bar
    '\u{2043}', // hyphen bullet
    '\u{2212}', // minus sign
    '\u{2E3A}', // two-em dash
    '\u{2E3B}', // three-em dash
    '\u{30FC}', // katakana long vowel mark
    '\u{FE58}', // small em dash
    '\u{FE63}', // small hyphen-minus
    '\u{FF0D}', // full-width hyphen-minus
    '\u{FF70}', // half-width long vowel mark
];

/// A character as it can be quoted in a message: itself if visible, else its code point.
pub(crate) fn quote_char(c: char) -> String {
    match c {
        // NFKC turns a lone `゛`/`ﾞ` into a combining mark, which cannot be shown by itself.
        '\u{3099}' => "゛".to_owned(),
        '\u{309A}' => "゜".to_owned(),
        _ if c.is_whitespace() || is_refused_control(c) || is_private_use(c) => {
            format!("U+{:04X}", u32::from(c))
        }
        _ => c.to_string(),
    }
}

fn is_private_use(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
}

fn is_refused_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Moves a character by a fixed offset inside a block where every target is a valid `char`.
fn shift(c: char, offset: i64) -> char {
    u32::try_from(i64::from(u32::from(c)) + offset)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or(c)
}

/// Full-width katakana and punctuation to their half-width forms, sorted by the full-width
/// character for binary search. A test checks every row against NFKC, which maps each
/// half-width form back to exactly its full-width character.
const HALF_WIDTH: &[(char, &str)] = &[
    ('、', "､"),
    ('。', "｡"),
    ('「', "｢"),
    ('」', "｣"),
    ('\u{3099}', "ﾞ"),
    ('\u{309A}', "ﾟ"),
    ('゛', "ﾞ"),
    ('゜', "ﾟ"),
    ('ァ', "ｧ"),
    ('ア', "ｱ"),
    ('ィ', "ｨ"),
    ('イ', "ｲ"),
    ('ゥ', "ｩ"),
    ('ウ', "ｳ"),
    ('ェ', "ｪ"),
    ('エ', "ｴ"),
    ('ォ', "ｫ"),
    ('オ', "ｵ"),
    ('カ', "ｶ"),
    ('ガ', "ｶﾞ"),
    ('キ', "ｷ"),
    ('ギ', "ｷﾞ"),
    ('ク', "ｸ"),
    ('グ', "ｸﾞ"),
    ('ケ', "ｹ"),
    ('ゲ', "ｹﾞ"),
    ('コ', "ｺ"),
    ('ゴ', "ｺﾞ"),
    ('サ', "ｻ"),
    ('ザ', "ｻﾞ"),
    ('シ', "ｼ"),
    ('ジ', "ｼﾞ"),
    ('ス', "ｽ"),
    ('ズ', "ｽﾞ"),
    ('セ', "ｾ"),
    ('ゼ', "ｾﾞ"),
    ('ソ', "ｿ"),
    ('ゾ', "ｿﾞ"),
    ('タ', "ﾀ"),
    ('ダ', "ﾀﾞ"),
    ('チ', "ﾁ"),
    ('ヂ', "ﾁﾞ"),
    ('ッ', "ｯ"),
    ('ツ', "ﾂ"),
    ('ヅ', "ﾂﾞ"),
    ('テ', "ﾃ"),
    ('デ', "ﾃﾞ"),
    ('ト', "ﾄ"),
    ('ド', "ﾄﾞ"),
    ('ナ', "ﾅ"),
    ('ニ', "ﾆ"),
    ('ヌ', "ﾇ"),
    ('ネ', "ﾈ"),
    ('ノ', "ﾉ"),
    ('ハ', "ﾊ"),
    ('バ', "ﾊﾞ"),
    ('パ', "ﾊﾟ"),
    ('ヒ', "ﾋ"),
    ('ビ', "ﾋﾞ"),
    ('ピ', "ﾋﾟ"),
    ('フ', "ﾌ"),
    ('ブ', "ﾌﾞ"),
    ('プ', "ﾌﾟ"),
    ('ヘ', "ﾍ"),
    ('ベ', "ﾍﾞ"),
    ('ペ', "ﾍﾟ"),
    ('ホ', "ﾎ"),
    ('ボ', "ﾎﾞ"),
    ('ポ', "ﾎﾟ"),
    ('マ', "ﾏ"),
    ('ミ', "ﾐ"),
    ('ム', "ﾑ"),
    ('メ', "ﾒ"),
    ('モ', "ﾓ"),
    ('ャ', "ｬ"),
    ('ヤ', "ﾔ"),
    ('ュ', "ｭ"),
    ('ユ', "ﾕ"),
    ('ョ', "ｮ"),
    ('ヨ', "ﾖ"),
    ('ラ', "ﾗ"),
    ('リ', "ﾘ"),
    ('ル', "ﾙ"),
    ('レ', "ﾚ"),
    ('ロ', "ﾛ"),
    ('ワ', "ﾜ"),
    ('ヲ', "ｦ"),
    ('ン', "ﾝ"),
    ('ヴ', "ｳﾞ"),
    ('ヷ', "ﾜﾞ"),
    ('ヺ', "ｦﾞ"),
    ('・', "･"),
    ('ー', "ｰ"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nfkc_widens_half_width_kana_and_narrows_full_width_latin() {
        let cases = [
            ("ｶﾞｷﾞ", "ガギ"),
            ("ﾜﾞ", "ヷ"),
            ("Ａｂｃ１２３", "Abc123"),
            ("㋿", "令和"),
            ("㍻", "平成"),
            ("　", " "),
        ];
        for (input, expected) in cases {
            assert_eq!(nfkc(input), expected, "{input}");
        }
    }

    #[test]
    fn private_use_characters_are_found_in_both_areas() {
        assert!(has_private_use("山\u{E000}田"));
        assert!(has_private_use("\u{F8FF}"));
        assert!(has_private_use("\u{F0000}"));
        assert!(has_private_use("\u{10FFFD}"));
        assert!(
            !has_private_use("髙﨑 葛\u{E0100}"),
            "variation selectors are not private use"
        );
        assert!(!has_private_use("𠮷野"));
    }

    #[test]
    fn line_breaks_and_tabs_are_not_controls_but_others_are() {
        assert!(!has_control("一行目\r\n二行目\tです"));
        assert!(
            !has_control("👨\u{200D}👩\u{200D}👧"),
            "emoji joiners are allowed"
        );
        for text in [
            "a\u{0}b",
            "\u{7}",
            "\u{1B}[0m",
            "\u{7F}",
            "\u{85}",
            "\u{202E}txt",
            "\u{2066}",
        ] {
            assert!(has_control(text), "{text:?}");
        }
    }

    #[test]
    fn search_keys_ignore_script_width_case_spaces_and_hyphens() {
        let cases = [
            ("じゅうみんひょう", "ジュウミンヒョウ"),
            ("ｼﾞｭｳﾐﾝﾋｮｳ", "ジュウミンヒョウ"),
            ("住民票 の 写し", "住民票ノ写シ"),
            ("マイナンバー　カード", "マイナンバカド"),
            ("まいなんばーかーど", "マイナンバカド"),
            ("ＰＤＦ申請", "pdf申請"),
            ("Wi-Fi", "wifi"),
            ("0120‐123−456", "0120123456"),
            ("いすゞ", "イスヾ"),
        ];
        for (input, expected) in cases {
            assert_eq!(search_key(input), expected, "{input}");
        }
    }

    #[test]
    fn the_same_words_typed_differently_share_a_search_key() {
        assert_eq!(search_key("ごみ　しゅうしゅう"), search_key("ｺﾞﾐｼｭｳｼｭｳ"));
        assert_eq!(search_key("コーヒー"), search_key("コ-ヒ-"));
        assert_eq!(search_key("まいなんばー　かーど"), search_key("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ"));
    }

    #[test]
    fn full_width_kana_become_half_width_with_separate_voiced_marks() {
        let cases = [
            ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
            ("パピプペポ", "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"),
            ("ヴァイオリン", "ｳﾞｧｲｵﾘﾝ"),
            ("ヷヺ", "ﾜﾞｦﾞ"),
            ("キャッシュ・カード", "ｷｬｯｼｭ･ｶｰﾄﾞ"),
            ("やまだ", "ﾔﾏﾀﾞ"),
            ("カ)ヤマダ（１２３）", "ｶ)ﾔﾏﾀﾞ(123)"),
            ("「テスト」、。", "｢ﾃｽﾄ｣､｡"),
            ("カ\u{3099}", "ｶﾞ"),
        ];
        for (input, expected) in cases {
            assert_eq!(to_halfwidth_kana(input), expected, "{input}");
        }
    }

    #[test]
    fn kana_without_a_half_width_form_are_kept_for_the_export_check_to_name() {
        assert_eq!(
            to_halfwidth_kana("ヰヱヮヵヶヸヹヽヾ山"),
            "ヰヱヮヵヶヸヹヽヾ山"
        );
    }

    #[test]
    fn the_half_width_table_is_sorted_and_agrees_with_nfkc() {
        assert!(HALF_WIDTH.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (full, half) in HALF_WIDTH {
            let expected = match full {
                // NFKC keeps the lone marks as combining characters.
                '゛' => "\u{3099}".to_owned(),
                '゜' => "\u{309A}".to_owned(),
                _ => full.to_string(),
            };
            assert_eq!(nfkc(half), expected, "{full}");
        }
    }

    #[test]
    fn every_half_width_katakana_is_produced_by_the_table() {
        let produced: String = HALF_WIDTH.iter().map(|(_, half)| *half).collect();
        for c in '\u{FF61}'..='\u{FF9F}' {
            assert!(produced.contains(c), "U+{:04X}", u32::from(c));
        }
    }

    #[test]
    fn hiragana_fold_to_katakana_but_other_characters_do_not() {
        let cases = [
            ('ぁ', 'ァ'),
            ('ゖ', 'ヶ'),
            ('ゔ', 'ヴ'),
            ('ゝ', 'ヽ'),
            ('ゞ', 'ヾ'),
            ('ア', 'ア'),
        ];
        for (input, expected) in cases {
            assert_eq!(hiragana_to_katakana_char(input), expected, "{input}");
        }
        assert_eq!(hiragana_to_katakana_char('゛'), '゛');
        assert_eq!(hiragana_to_katakana_char('漢'), '漢');
    }

    #[test]
    fn quoted_characters_are_visible() {
        assert_eq!(quote_char('漢'), "漢");
        assert_eq!(quote_char('\u{3099}'), "゛");
        assert_eq!(quote_char('\u{7}'), "U+0007");
        assert_eq!(quote_char('\u{3000}'), "U+3000");
    }

    proptest! {
        #[test]
        fn text_helpers_never_panic(text in any::<String>()) {
            let _ = nfkc(&text);
            let _ = has_private_use(&text);
            let _ = has_control(&text);
            let _ = to_halfwidth_kana(&text);
            let key = search_key(&text);
            prop_assert!(!key.chars().any(char::is_whitespace));
        }

        #[test]
        fn search_keys_are_stable_under_a_second_pass(text in any::<String>()) {
            let key = search_key(&text);
            prop_assert_eq!(search_key(&key), key);
        }

        #[test]
        fn half_width_kana_widen_back_to_the_original(text in "[ァ-ヶー・ 　]{0,20}") {
            let widened = nfkc(&to_halfwidth_kana(&text));
            let expected: String = nfkc(&text);
            prop_assert_eq!(widened, expected);
        }
    }
}
