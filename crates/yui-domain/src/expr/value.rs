//! Runtime values and the XPath 1.0 conversions between them, with ODK's extension that
//! dates, date-times and times convert to numbers (days since 1970-01-01).
//!
//! Every rule here is mirrored in `yui-expr.js`; the shared case table checks both.

use std::borrow::Cow;

use time::{Date, Month};

/// A value during evaluation. Strings borrow from the answers where they can.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Str(Cow<'a, str>),
    Num(f64),
    Bool(bool),
    /// A node-set: the values of one field across repeat rows, only seen by aggregates.
    Set(Vec<Value<'a>>),
}

impl<'a> Value<'a> {
    pub const EMPTY: Value<'static> = Value::Str(Cow::Borrowed(""));

    pub fn string(s: impl Into<Cow<'a, str>>) -> Self {
        Value::Str(s.into())
    }

    /// XPath `string()`.
    pub fn to_str(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s.as_ref()),
            Value::Num(n) => Cow::Owned(format_number(*n)),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            // The string value of a node-set is that of its first node.
            Value::Set(items) => items.first().map_or(Cow::Borrowed(""), Value::to_str),
        }
    }

    /// XPath `number()`, extended so dates and times count in days.
    pub fn to_num(&self) -> f64 {
        match self {
            Value::Str(s) => str_to_number(s),
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Set(items) => items.first().map_or(f64::NAN, Value::to_num),
        }
    }

    /// XPath `boolean()`.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Str(s) => !s.is_empty(),
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Bool(b) => *b,
            Value::Set(items) => !items.is_empty(),
        }
    }

    /// Whether the value is the empty string (how an unanswered field reads).
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Str(s) => s.is_empty(),
            Value::Set(items) => items.is_empty(),
            Value::Num(_) | Value::Bool(_) => false,
        }
    }

    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Num(n) => Value::Num(n),
            Value::Bool(b) => Value::Bool(b),
            Value::Set(items) => Value::Set(items.into_iter().map(Value::into_owned).collect()),
        }
    }

    /// The value as JSON: strings, finite numbers and booleans map directly; `NaN` and the
    /// infinities, which JSON cannot hold, become `null`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::Num(n) => {
                serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, |n| {
                    // Whole numbers become JSON integers so `3` does not read back as `3.0`.
                    number_to_json(n)
                })
            }
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Set(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
        }
    }
}

fn number_to_json(n: serde_json::Number) -> serde_json::Value {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
            #[allow(clippy::cast_possible_truncation)]
            let i = f as i64;
            serde_json::Value::from(i)
        }
        _ => serde_json::Value::Number(n),
    }
}

/// Formats a number as ECMAScript's `Number.prototype.toString` does, so the server and the
/// browser print identical text: `1`, `0.5`, `1e+21`, `1e-7`, `NaN`, `Infinity`.
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if n == 0.0 {
        return "0".to_owned();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // `{:e}` gives the shortest digits that round-trip, e.g. "1.2345e-7".
    let scientific = format!("{:e}", n.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let k = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let point = exponent + 1;
    let body = if k <= point && point <= 21 {
        let zeros = usize::try_from(point - k).unwrap_or(0);
        format!("{digits}{}", "0".repeat(zeros))
    } else if 0 < point && point <= 21 {
        let split = usize::try_from(point).unwrap_or(0);
        format!("{}.{}", &digits[..split], &digits[split..])
    } else if -6 < point && point <= 0 {
        let zeros = usize::try_from(-point).unwrap_or(0);
        format!("0.{}{digits}", "0".repeat(zeros))
    } else {
        let e = point - 1;
        let e_sign = if e >= 0 { "+" } else { "-" };
        if digits.len() == 1 {
            format!("{digits}e{e_sign}{}", e.abs())
        } else {
            format!("{}.{}e{e_sign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    format!("{sign}{body}")
}

/// XPath whitespace: only space, tab, CR and LF (not the ideographic space).
pub(crate) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// String to number: an XPath number (`-12.5`; no exponent, no `+`), else a date, date-time
/// or time in ISO form (counted in days), else NaN.
pub(crate) fn str_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_xml_space);
    if is_xpath_number(t) {
        return t.parse().unwrap_or(f64::NAN);
    }
    temporal_days(t).unwrap_or(f64::NAN)
}

fn is_xpath_number(t: &str) -> bool {
    let body = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let has_point = body.contains('.');
    !body.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (!int.is_empty() || (has_point && !frac.is_empty()))
}

/// Days since 1970-01-01 for `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` (wall-clock
/// time; the offset is ignored) and `HH:MM[:SS]` (a fraction of one day).
pub(crate) fn temporal_days(t: &str) -> Option<f64> {
    if let Some(parts) = DateTimeParts::parse(t) {
        return Some(parts.days());
    }
    parse_time_of_day(t)
}

/// A calendar date with an optional wall-clock time, as read from ISO text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DateTimeParts {
    pub date: Date,
    /// Seconds since midnight, with fractions.
    pub seconds: f64,
}

impl DateTimeParts {
    pub(crate) fn parse(t: &str) -> Option<Self> {
        let b = t.as_bytes();
        if b.len() < 10 || !t.is_char_boundary(10) {
            return None;
        }
        let date = parse_iso_date(&t[..10])?;
        if b.len() == 10 {
            return Some(DateTimeParts { date, seconds: 0.0 });
        }
        if b[10] != b'T' && b[10] != b' ' {
            return None;
        }
        let rest = &t[11..];
        // Strip a trailing zone: Z or ±HH:MM.
        let clock = if let Some(stripped) = rest.strip_suffix('Z') {
            stripped
        } else if rest.len() > 6 && matches!(rest.as_bytes()[rest.len() - 6], b'+' | b'-') {
            let zone = &rest[rest.len() - 6..];
            let zb = zone.as_bytes();
            if !(zb[1].is_ascii_digit()
                && zb[2].is_ascii_digit()
                && zb[3] == b':'
                && zb[4].is_ascii_digit()
                && zb[5].is_ascii_digit())
            {
                return None;
            }
            &rest[..rest.len() - 6]
        } else {
            rest
        };
        let seconds = parse_clock(clock)?;
        Some(DateTimeParts { date, seconds })
    }

    pub(crate) fn days(&self) -> f64 {
        days_from_date(self.date) as f64 + self.seconds / 86_400.0
    }

    pub(crate) fn from_days(days: f64) -> Option<Self> {
        if !days.is_finite() {
            return None;
        }
        let whole = days.floor();
        if whole.abs() > 3_000_000.0 {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        let date = date_from_days(whole as i64)?;
        let seconds = ((days - whole) * 86_400_000.0).round() / 1000.0;
        Some(DateTimeParts { date, seconds })
    }
}

fn parse_time_of_day(t: &str) -> Option<f64> {
    parse_clock(t).map(|seconds| seconds / 86_400.0)
}

/// `HH:MM[:SS[.fff]]` as seconds since midnight.
fn parse_clock(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    if b.len() < 5 || b[2] != b':' {
        return None;
    }
    let hour = two_digits(&b[0..2])?;
    let minute = two_digits(&b[3..5])?;
    let mut second = 0.0;
    if b.len() > 5 {
        if b[5] != b':' || b.len() < 8 {
            return None;
        }
        second = f64::from(two_digits(&b[6..8])?);
        if b.len() > 8 {
            if b[8] != b'.' || b.len() == 9 || !b[9..].iter().all(u8::is_ascii_digit) {
                return None;
            }
            second += t[8..].parse::<f64>().ok()?;
        }
    }
    if hour > 23 || minute > 59 || second >= 60.0 {
        return None;
    }
    Some(f64::from(hour) * 3600.0 + f64::from(minute) * 60.0 + second)
}

fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(c - b'0'))
        }
        _ => None,
    }
}

/// Strict `YYYY-MM-DD` with a real calendar date.
pub(crate) fn parse_iso_date(t: &str) -> Option<Date> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if !b[0..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year = i32::from(b[0] - b'0') * 1000
        + i32::from(b[1] - b'0') * 100
        + i32::from(b[2] - b'0') * 10
        + i32::from(b[3] - b'0');
    if year == 0 {
        return None;
    }
    let month = u8::try_from(two_digits(&b[5..7])?).ok()?;
    let day = u8::try_from(two_digits(&b[8..10])?).ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

pub(crate) fn days_from_date(date: Date) -> i64 {
    i64::from(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY)
}

pub(crate) fn date_from_days(days: i64) -> Option<Date> {
    let julian = i32::try_from(days + i64::from(UNIX_EPOCH_JULIAN_DAY)).ok()?;
    let date = Date::from_julian_day(julian).ok()?;
    // Only years that print as four digits; the browser evaluator shares this range.
    (1..=9999).contains(&date.year()).then_some(date)
}

pub fn format_iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}
