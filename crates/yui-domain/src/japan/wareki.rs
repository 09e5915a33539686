//! 和暦 (Japanese era) dates: the era table, reading dates typed in era or Western form, and
//! writing a date the way a municipal document does (`令和6年4月1日`).
//!
//! The era table is data: when a new era is proclaimed, add a row and close the previous one.
//! Dates before 1873-01-01 are refused because Japan used a lunisolar calendar until
//! 明治5年12月2日, so earlier 明治 dates written in Gregorian months would be wrong
//! (see `docs/reference/japanese-data.md`).

use time::macros::date;
use time::{Date, Month};

use crate::japan::text::{is_hyphen_like, nfkc};

/// A Japanese era and the Gregorian days it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Era {
    /// `令和`
    pub name_ja: &'static str,
    /// `Reiwa`
    pub name_en: &'static str,
    /// `R`, as in `R6.4.1`.
    pub letter: char,
    /// The first day; year 1 of the era (元年) is this day's Gregorian year.
    pub first_day: Date,
    /// The last day, or `None` for the current era.
    pub last_day: Option<Date>,
}

impl Era {
    /// Whether the era covers this day.
    pub fn contains(&self, date: Date) -> bool {
        date >= self.first_day && self.last_day.is_none_or(|last| date <= last)
    }

    /// The era year of a date (1 is 元年), counted whether or not the era covers the date.
    pub fn year_of(&self, date: Date) -> i32 {
        date.year() - self.first_day.year() + 1
    }
}

/// The eras from 明治 on, oldest first. 明治 starts on 1868-01-01 by the same convention as
/// Java's `JapaneseEra` and .NET's `JapaneseCalendar`.
pub const ERAS: &[Era] = &[
    Era {
        name_ja: "明治",
        name_en: "Meiji",
        letter: 'M',
        first_day: date!(1868 - 01 - 01),
        last_day: Some(date!(1912 - 07 - 29)),
    },
    Era {
        name_ja: "大正",
        name_en: "Taisho",
        letter: 'T',
        first_day: date!(1912 - 07 - 30),
        last_day: Some(date!(1926 - 12 - 24)),
    },
    Era {
        name_ja: "昭和",
        name_en: "Showa",
        letter: 'S',
        first_day: date!(1926 - 12 - 25),
        last_day: Some(date!(1989 - 01 - 07)),
    },
    Era {
        name_ja: "平成",
        name_en: "Heisei",
        letter: 'H',
        first_day: date!(1989 - 01 - 08),
        last_day: Some(date!(2019 - 04 - 30)),
    },
    Era {
        name_ja: "令和",
        name_en: "Reiwa",
        letter: 'R',
        first_day: date!(2019 - 05 - 01),
        last_day: None,
    },
];

/// The first day Yui reads: 明治6年1月1日, when Japan adopted the Gregorian calendar.
pub const EARLIEST_DATE: Date = date!(1873 - 01 - 01);

/// Why a text is not a date Yui can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarekiError {
    #[error("no date was given")]
    Empty,
    #[error("the text is not a date in a form Yui reads")]
    Invalid,
    #[error("{year}{month}月{day}日 is not a day of the calendar")]
    NoSuchDate { year: String, month: u32, day: u32 },
    #[error("the {} era had already ended on this date", era.name_en)]
    AfterEraEnded { era: Era },
    #[error("the {} era had not yet begun on this date", era.name_en)]
    BeforeEraBegan { era: Era },
    #[error("dates before 1873-01-01 (the lunisolar calendar) are not accepted")]
    TooEarly,
}

impl WarekiError {
    /// A stable code that support desks can quote.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "wareki.empty",
            Self::Invalid => "wareki.invalid",
            Self::NoSuchDate { .. } => "wareki.no_such_date",
            Self::AfterEraEnded { .. } | Self::BeforeEraBegan { .. } => "wareki.out_of_era",
            Self::TooEarly => "wareki.too_early",
        }
    }

    /// The message shown to a resident, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            Self::Empty => "日付を入力してください。".to_owned(),
            Self::Invalid => {
                "日付は「令和6年4月1日」「R6.4.1」「2024/4/1」のように入力してください。".to_owned()
            }
            Self::NoSuchDate { year, month, day } => {
                format!("{year}{month}月{day}日という日付はありません。日付をご確認ください。")
            }
            Self::AfterEraEnded { era } => match era.last_day {
                Some(last) => format!(
                    "{}は{}（{}）までです。日付をご確認ください。",
                    era.name_ja,
                    era_day_ja(era, last),
                    western_ja(last)
                ),
                None => format!("{}の日付をご確認ください。", era.name_ja),
            },
            Self::BeforeEraBegan { era } => format!(
                "{}は{}（{}）からです。日付をご確認ください。",
                era.name_ja,
                era_day_ja(era, era.first_day),
                western_ja(era.first_day)
            ),
            Self::TooEarly => "1873年（明治6年）1月1日より前の日付は入力できません。".to_owned(),
        }
    }

    /// The message shown to a resident, in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Empty => "Please enter a date.".to_owned(),
            Self::Invalid => {
                "Please enter a date such as 2024-04-01, 2024/4/1 or 令和6年4月1日 (R6.4.1)."
                    .to_owned()
            }
            Self::NoSuchDate { year, month, day } => {
                format!("There is no such date as {year}{month}月{day}日. Please check the date.")
            }
            Self::AfterEraEnded { era } => match era.last_day {
                Some(last) => format!(
                    "The {} era ended on {} ({} {}). Please check the date.",
                    era.name_en,
                    last,
                    era.name_en,
                    era_day_en(era, last)
                ),
                None => format!("Please check the {} date.", era.name_en),
            },
            Self::BeforeEraBegan { era } => format!(
                "The {} era began on {} ({} {}). Please check the date.",
                era.name_en,
                era.first_day,
                era.name_en,
                era_day_en(era, era.first_day)
            ),
            Self::TooEarly => "Dates before 1 January 1873 cannot be entered.".to_owned(),
        }
    }
}

/// The era a day belongs to, or `None` before 明治.
pub fn era_of(date: Date) -> Option<Era> {
    ERAS.iter().find(|era| era.contains(date)).copied()
}

/// Writes a date as Japanese documents do: `令和6年4月1日`, `令和元年5月1日`. Days before 明治
/// have no era and are written `1850年1月1日`.
pub fn format_wareki(date: Date) -> String {
    match era_of(date) {
        Some(era) => format!("{}{}", era.name_ja, era_day_ja(&era, date)),
        None => western_ja(date),
    }
}

/// Reads a date typed in era or Western form.
///
/// Accepted: `令和6年4月1日`, `令和元年5月1日`, `令6.4.1`, `R6.4.1`, `R06/04/01`, `r6-4-1`,
/// `H.31.4.30`, `㋿6年4月1日`, `2024-04-01`, `2024/4/1`, `2024.4.1`, `2024年4月1日` and
/// `20240401`; full-width digits, letters and spaces; any hyphen-like character for `-`. An era
/// date must fall inside its era (平成31年5月1日 does not exist), and no date may be before
/// 1873-01-01.
pub fn parse_date(input: &str) -> Result<Date, WarekiError> {
    let text = nfkc(input);
    if text.trim().is_empty() {
        return Err(WarekiError::Empty);
    }
    let tokens = tokenize(&text).ok_or(WarekiError::Invalid)?;
    let written = read_tokens(&tokens).ok_or(WarekiError::Invalid)?;
    let date = written.to_date()?;
    if date < EARLIEST_DATE {
        return Err(WarekiError::TooEarly);
    }
    Ok(date)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Era(Era),
    Number {
        value: u32,
        digits: usize,
    },
    /// 元, as in 元年.
    First,
    /// 年, 月 or 日.
    Unit(char),
    /// `.`, `/` or `-` (every hyphen-like character reads as `-`).
    Separator(char),
}

/// Splits normalised text into tokens, skipping spaces; `None` for any other character.
fn tokenize(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let digits = chars[i..].iter().take_while(|d| d.is_ascii_digit()).count();
            // Eight digits is the longest form (20240401); more cannot be a date and could
            // overflow.
            if digits > 8 {
                return None;
            }
            let value = chars[i..i + digits]
                .iter()
                .filter_map(|d| d.to_digit(10))
                .fold(0, |acc, d| acc * 10 + d);
            tokens.push(Token::Number { value, digits });
            i += digits;
        } else if let Some((era, length)) = era_at(&chars[i..]) {
            tokens.push(Token::Era(era));
            i += length;
        } else {
            tokens.push(match c {
                '元' => Token::First,
                '年' | '月' | '日' => Token::Unit(c),
                '.' | '/' => Token::Separator(c),
                _ if is_hyphen_like(c) => Token::Separator('-'),
                _ => return None,
            });
            i += 1;
        }
    }
    Some(tokens)
}

/// The era named at the start of `chars`: its full name (`令和`), its first kanji (`令`) or
/// its letter in either case (`R`, `r`), with the number of characters used.
fn era_at(chars: &[char]) -> Option<(Era, usize)> {
    let first = *chars.first()?;
    ERAS.iter()
        .find_map(|era| {
            let name: Vec<char> = era.name_ja.chars().collect();
            chars.starts_with(&name).then_some((*era, name.len()))
        })
        .or_else(|| {
            ERAS.iter()
                .find(|era| era.name_ja.starts_with(first))
                .map(|era| (*era, 1))
        })
        .or_else(|| {
            ERAS.iter()
                .find(|era| era.letter.eq_ignore_ascii_case(&first))
                .map(|era| (*era, 1))
        })
}

/// A date as written, before calendar checks.
struct Written {
    year: WrittenYear,
    month: u32,
    day: u32,
}

enum WrittenYear {
    Era { era: Era, year: u32 },
    Western(u32),
}

fn read_tokens(tokens: &[Token]) -> Option<Written> {
    if let [Token::Number { value, digits: 8 }] = tokens {
        return Some(Written {
            year: WrittenYear::Western(value / 10_000),
            month: value / 100 % 100,
            day: value % 100,
        });
    }
    let (year, rest) = read_year(tokens)?;
    let (month, day) = read_month_and_day(rest)?;
    Some(Written { year, month, day })
}

/// A 4-digit Western year, or an era, an optional `.`, and a year number or 元.
fn read_year(tokens: &[Token]) -> Option<(WrittenYear, &[Token])> {
    match tokens {
        [Token::Number { value, digits: 4 }, rest @ ..] => {
            Some((WrittenYear::Western(*value), rest))
        }
        [Token::Era(era), rest @ ..] => {
            let rest = rest.strip_prefix(&[Token::Separator('.')]).unwrap_or(rest);
            let (year, rest) = match rest.split_first()? {
                (Token::First, rest) => (1, rest),
                (token, rest) => (short_number(token, 4)?, rest),
            };
            Some((WrittenYear::Era { era: *era, year }, rest))
        }
        _ => None,
    }
}

/// `年4月1日` (the 日 is optional) or the same separator twice: `.4.1`, `/4/1`, `-4-1`.
fn read_month_and_day(tokens: &[Token]) -> Option<(u32, u32)> {
    let [after_year, month, after_month, day, ending @ ..] = tokens else {
        return None;
    };
    let separated = match (after_year, after_month, ending) {
        (Token::Unit('年'), Token::Unit('月'), [] | [Token::Unit('日')]) => true,
        (Token::Separator(a), Token::Separator(b), []) => a == b,
        _ => false,
    };
    if !separated {
        return None;
    }
    Some((short_number(month, 2)?, short_number(day, 2)?))
}

fn short_number(token: &Token, max_digits: usize) -> Option<u32> {
    match token {
        Token::Number { value, digits } if *digits <= max_digits => Some(*value),
        _ => None,
    }
}

impl Written {
    fn to_date(&self) -> Result<Date, WarekiError> {
        let (gregorian_year, label) = match self.year {
            WrittenYear::Western(year) => (i64::from(year), format!("{year}年")),
            WrittenYear::Era { era, year } => (
                i64::from(era.first_day.year()) + i64::from(year) - 1,
                format!("{}{}年", era.name_ja, era_year_ja(i64::from(year))),
            ),
        };
        let no_such_date = || WarekiError::NoSuchDate {
            year: label.clone(),
            month: self.month,
            day: self.day,
        };
        if let WrittenYear::Era { era, year: 0 } = self.year {
            return Err(WarekiError::BeforeEraBegan { era });
        }
        let year = i32::try_from(gregorian_year).map_err(|_| no_such_date())?;
        let month = u8::try_from(self.month)
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .ok_or_else(no_such_date)?;
        let day = u8::try_from(self.day).map_err(|_| no_such_date())?;
        let date = Date::from_calendar_date(year, month, day).map_err(|_| no_such_date())?;
        if let WrittenYear::Era { era, .. } = self.year {
            if date < era.first_day {
                return Err(WarekiError::BeforeEraBegan { era });
            }
            if era.last_day.is_some_and(|last| date > last) {
                return Err(WarekiError::AfterEraEnded { era });
            }
        }
        Ok(date)
    }
}

/// `6年4月1日` or `元年5月1日`: the date within its era, without the era's name.
fn era_day_ja(era: &Era, date: Date) -> String {
    format!(
        "{}年{}月{}日",
        era_year_ja(i64::from(era.year_of(date))),
        u8::from(date.month()),
        date.day()
    )
}

/// `6/4/1` style for English messages: era year, month, day.
fn era_day_en(era: &Era, date: Date) -> String {
    format!(
        "{}/{}/{}",
        era.year_of(date),
        u8::from(date.month()),
        date.day()
    )
}

fn era_year_ja(year: i64) -> String {
    if year == 1 {
        "元".to_owned()
    } else {
        year.to_string()
    }
}

fn western_ja(date: Date) -> String {
    format!(
        "{}年{}月{}日",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn era(name_ja: &str) -> Era {
        ERAS.iter()
            .find(|era| era.name_ja == name_ja)
            .copied()
            .unwrap_or(ERAS[0])
    }

    #[test]
    fn the_era_table_has_no_gaps_or_overlaps() {
        for pair in ERAS.windows(2) {
            assert_eq!(
                pair[0].last_day.and_then(Date::next_day),
                Some(pair[1].first_day)
            );
        }
        assert_eq!(ERAS.last().and_then(|era| era.last_day), None);
        let letters: Vec<char> = ERAS.iter().map(|era| era.letter).collect();
        assert_eq!(letters, ['M', 'T', 'S', 'H', 'R']);
    }

    #[test]
    fn dates_in_every_accepted_form_are_read() {
        let cases = [
            ("令和6年4月1日", date!(2024 - 04 - 01)),
            ("令和6年4月1", date!(2024 - 04 - 01)),
            ("令和元年5月1日", date!(2019 - 05 - 01)),
            ("令和1年5月1日", date!(2019 - 05 - 01)),
            ("令6.4.1", date!(2024 - 04 - 01)),
            ("R6.4.1", date!(2024 - 04 - 01)),
            ("R.6.4.1", date!(2024 - 04 - 01)),
            ("R06/04/01", date!(2024 - 04 - 01)),
            ("r6-4-1", date!(2024 - 04 - 01)),
            ("R元.5.1", date!(2019 - 05 - 01)),
            ("H31.4.30", date!(2019 - 04 - 30)),
            ("平成31年4月30日", date!(2019 - 04 - 30)),
            ("平成元年1月8日", date!(1989 - 01 - 08)),
            ("昭和64年1月7日", date!(1989 - 01 - 07)),
            ("S64.1.7", date!(1989 - 01 - 07)),
            ("大正15年12月24日", date!(1926 - 12 - 24)),
            ("昭和元年12月25日", date!(1926 - 12 - 25)),
            ("明治45年7月29日", date!(1912 - 07 - 29)),
            ("大正元年7月30日", date!(1912 - 07 - 30)),
            ("明治6年1月1日", date!(1873 - 01 - 01)),
            ("㋿6年4月1日", date!(2024 - 04 - 01)),
            ("㍻31年4月30日", date!(2019 - 04 - 30)),
            ("㍼50年1月1日", date!(1975 - 01 - 01)),
            ("2024-04-01", date!(2024 - 04 - 01)),
            ("2024/4/1", date!(2024 - 04 - 01)),
            ("2024.4.1", date!(2024 - 04 - 01)),
            ("2024年4月1日", date!(2024 - 04 - 01)),
            ("20240401", date!(2024 - 04 - 01)),
            ("２０２４年４月１日", date!(2024 - 04 - 01)),
            ("令和６年４月１日", date!(2024 - 04 - 01)),
            ("Ｒ６．４．１", date!(2024 - 04 - 01)),
            ("２０２４／０４／０１", date!(2024 - 04 - 01)),
            ("２０２４－０４－０１", date!(2024 - 04 - 01)),
            ("2024−04−01", date!(2024 - 04 - 01)),
            ("2024‐04‐01", date!(2024 - 04 - 01)),
            ("2024ー04ー01", date!(2024 - 04 - 01)),
            ("　令和 6年 4月 1日　", date!(2024 - 04 - 01)),
            ("2024 / 4 / 1", date!(2024 - 04 - 01)),
            ("2024-02-29", date!(2024 - 02 - 29)),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_date(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn era_dates_outside_their_era_are_refused_naming_its_bounds() {
        let cases = [
            (
                "昭和64年1月8日",
                WarekiError::AfterEraEnded { era: era("昭和") },
            ),
            (
                "昭和65年1月1日",
                WarekiError::AfterEraEnded { era: era("昭和") },
            ),
            (
                "平成31年5月1日",
                WarekiError::AfterEraEnded { era: era("平成") },
            ),
            ("H32.1.1", WarekiError::AfterEraEnded { era: era("平成") }),
            (
                "令和元年4月30日",
                WarekiError::BeforeEraBegan { era: era("令和") },
            ),
            (
                "平成元年1月7日",
                WarekiError::BeforeEraBegan { era: era("平成") },
            ),
            (
                "令和0年5月1日",
                WarekiError::BeforeEraBegan { era: era("令和") },
            ),
            (
                "大正元年7月29日",
                WarekiError::BeforeEraBegan { era: era("大正") },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_date(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn the_out_of_era_message_names_the_last_day() {
        let error = parse_date("平成31年5月1日").err();
        assert_eq!(
            error.as_ref().map(WarekiError::code),
            Some("wareki.out_of_era")
        );
        assert_eq!(
            error.as_ref().map(WarekiError::message_ja).as_deref(),
            Some("平成は31年4月30日（2019年4月30日）までです。日付をご確認ください。")
        );
        assert_eq!(
            error.as_ref().map(WarekiError::message_en).as_deref(),
            Some("The Heisei era ended on 2019-04-30 (Heisei 31/4/30). Please check the date.")
        );
        let before = parse_date("令和元年4月1日").err();
        assert_eq!(
            before.as_ref().map(WarekiError::message_ja).as_deref(),
            Some("令和は元年5月1日（2019年5月1日）からです。日付をご確認ください。")
        );
    }

    #[test]
    fn days_that_do_not_exist_are_refused() {
        let cases = [
            ("2023-02-29", "2023年", 2, 29),
            ("令和5年2月29日", "令和5年", 2, 29),
            ("R6.13.1", "令和6年", 13, 1),
            ("2024/4/31", "2024年", 4, 31),
            ("20240400", "2024年", 4, 0),
            ("R9999.1.1", "令和9999年", 1, 1),
        ];
        for (input, year, month, day) in cases {
            assert_eq!(
                parse_date(input),
                Err(WarekiError::NoSuchDate {
                    year: year.to_owned(),
                    month,
                    day
                }),
                "{input}"
            );
        }
    }

    #[test]
    fn dates_before_the_solar_calendar_are_refused() {
        for input in [
            "明治5年12月2日",
            "明治元年1月1日",
            "1872-12-31",
            "1850/1/1",
            "00010101",
        ] {
            assert_eq!(parse_date(input), Err(WarekiError::TooEarly), "{input}");
        }
        assert_eq!(WarekiError::TooEarly.code(), "wareki.too_early");
    }

    #[test]
    fn unreadable_text_is_refused() {
        let cases = [
            "令和",
            "令和6年",
            "令和6年4月",
            "R6",
            "R6.4",
            "R6.4/1",
            "2024/04-01",
            "24/4/1",
            "2024 4 1",
            "4/1/2024",
            "令和六年四月一日",
            "2024年4月1日生",
            "X6.4.1",
            "202404011",
            "999999999999999999999",
            "R123.1.1.1",
            "2024-004-01",
        ];
        for input in cases {
            assert_eq!(parse_date(input), Err(WarekiError::Invalid), "{input}");
        }
        for input in ["", "   ", "\u{3000}"] {
            assert_eq!(parse_date(input), Err(WarekiError::Empty), "{input:?}");
        }
    }

    #[test]
    fn dates_are_written_with_their_era() {
        let cases = [
            (date!(2024 - 04 - 01), "令和6年4月1日"),
            (date!(2019 - 05 - 01), "令和元年5月1日"),
            (date!(2019 - 04 - 30), "平成31年4月30日"),
            (date!(1989 - 01 - 08), "平成元年1月8日"),
            (date!(1989 - 01 - 07), "昭和64年1月7日"),
            (date!(1926 - 12 - 25), "昭和元年12月25日"),
            (date!(1926 - 12 - 24), "大正15年12月24日"),
            (date!(1912 - 07 - 30), "大正元年7月30日"),
            (date!(1912 - 07 - 29), "明治45年7月29日"),
            (date!(1868 - 01 - 01), "明治元年1月1日"),
            (date!(1867 - 12 - 31), "1867年12月31日"),
        ];
        for (day, expected) in cases {
            assert_eq!(format_wareki(day), expected, "{day}");
        }
    }

    #[test]
    fn each_day_belongs_to_the_right_era() {
        assert_eq!(
            era_of(date!(1989 - 01 - 07)).map(|e| e.name_ja),
            Some("昭和")
        );
        assert_eq!(
            era_of(date!(1989 - 01 - 08)).map(|e| e.name_en),
            Some("Heisei")
        );
        assert_eq!(era_of(date!(2019 - 05 - 01)).map(|e| e.letter), Some('R'));
        assert_eq!(era_of(date!(9999 - 12 - 31)).map(|e| e.letter), Some('R'));
        assert_eq!(era_of(date!(1867 - 12 - 31)), None);
        assert_eq!(era("令和").year_of(date!(2024 - 04 - 01)), 6);
    }

    #[test]
    fn every_error_has_a_code_and_both_messages() {
        let errors = [
            WarekiError::Empty,
            WarekiError::Invalid,
            WarekiError::NoSuchDate {
                year: "2023年".into(),
                month: 2,
                day: 29,
            },
            WarekiError::AfterEraEnded { era: era("平成") },
            WarekiError::BeforeEraBegan { era: era("令和") },
            WarekiError::TooEarly,
        ];
        for error in errors {
            assert!(error.code().starts_with("wareki."));
            assert!(!error.message_ja().is_empty() && !error.message_en().is_empty());
        }
    }

    fn any_supported_date() -> impl Strategy<Value = Date> {
        let first = EARLIEST_DATE.to_julian_day();
        let last = date!(9999 - 12 - 31).to_julian_day();
        (first..=last).prop_filter_map("a valid day", |day| Date::from_julian_day(day).ok())
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in any::<String>()) {
            let _ = parse_date(&text);
        }

        #[test]
        fn parsing_date_like_text_never_panics(
            text in "[令和平成昭大正明治RrHSTM元年月日0-9０-９./\\- 　]{0,16}"
        ) {
            let _ = parse_date(&text);
        }

        #[test]
        fn written_dates_read_back_as_the_same_day(day in any_supported_date()) {
            prop_assert_eq!(parse_date(&format_wareki(day)), Ok(day));
            prop_assert_eq!(parse_date(&day.to_string()), Ok(day));
        }
    }
}
