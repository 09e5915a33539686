//! The pure parts of the function library: string, number and date helpers that take plain
//! values. Argument evaluation and laziness live in the evaluator.
//!
//! Strings are measured in Unicode scalar values (what a resident sees as characters, and what
//! JavaScript's `[...s]` counts), never in bytes or UTF-16 units.

use time::Date;

use super::value::{DateTimeParts, Value, date_from_days, is_xml_space, str_to_number};

/// The space-separated items of a select_multiple value.
pub(crate) fn tokens(list: &str) -> impl Iterator<Item = &str> {
    list.split(is_xml_space).filter(|t| !t.is_empty())
}

/// A number as a 0-based index, if it is one.
pub(crate) fn index(n: f64) -> Option<usize> {
    if n.is_nan() || !(0.0..=1e9).contains(&n) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(n.trunc() as usize)
}

/// Index clamped into `0..=len`: truncated toward zero; NaN reads as 0.
fn clamp_index(n: f64, len: usize) -> usize {
    if n.is_nan() || n <= 0.0 {
        return 0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = n.trunc().min(len as f64) as usize;
    i
}

/// ODK `substr(s, start, end)`: characters from 0-based `start` up to (not including) `end`.
pub(crate) fn substr(text: &str, start: f64, end: Option<f64>) -> String {
    let len = text.chars().count();
    let from = clamp_index(start, len);
    let to = end.map_or(len, |e| clamp_index(e, len));
    if to <= from {
        return String::new();
    }
    text.chars().skip(from).take(to - from).collect()
}

pub(crate) fn substring_before<'s>(a: &'s str, b: &str) -> &'s str {
    if b.is_empty() {
        return "";
    }
    a.find(b).map_or("", |i| &a[..i])
}

pub(crate) fn substring_after<'s>(a: &'s str, b: &str) -> &'s str {
    if b.is_empty() {
        return a;
    }
    a.find(b).map_or("", |i| &a[i + b.len()..])
}

/// XPath `translate()`: each character of `from` becomes the character at the same position
/// of `to`, or is removed when `to` is shorter. The first occurrence in `from` wins.
pub(crate) fn translate(text: &str, from: &str, to: &str) -> String {
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    text.chars()
        .filter_map(|c| match from.iter().position(|&f| f == c) {
            Some(i) => to.get(i).copied(),
            None => Some(c),
        })
        .collect()
}

pub(crate) fn normalize_space(text: &str) -> String {
    tokens(text).collect::<Vec<_>>().join(" ")
}

/// `date()`: a date or date-time string gives its date; anything else is read as a number of
/// days since 1970-01-01 (fractions dropped).
pub(crate) fn to_date(value: &Value<'_>) -> Option<Date> {
    if let Value::Str(s) = value {
        let t = s.trim_matches(is_xml_space);
        if let Some(parts) = DateTimeParts::parse(t) {
            return Some(parts.date);
        }
        return days_to_date(str_to_number(t));
    }
    days_to_date(value.to_num())
}

fn days_to_date(days: f64) -> Option<Date> {
    if !days.is_finite() || days.abs() > 3_000_000.0 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    date_from_days(days.floor() as i64)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// ODK `format-date()` / `format-date-time()` codes. Unknown codes are copied as they are.
pub(crate) fn format_date(parts: &DateTimeParts, format: &str) -> String {
    let date = parts.date;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let millis = (parts.seconds * 1000.0).round().max(0.0) as u64;
    let (hour, minute, second, milli) = (
        millis / 3_600_000 % 24,
        millis / 60_000 % 60,
        millis / 1000 % 60,
        millis % 1000,
    );
    let month = u8::from(date.month());
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(code) = chars.next() else {
            out.push('%');
            break;
        };
        let piece = match code {
            'Y' => format!("{:04}", date.year()),
            'y' => format!("{:02}", date.year().rem_euclid(100)),
            'm' => format!("{month:02}"),
            'n' => month.to_string(),
            'b' => MONTHS[usize::from(month - 1)].to_owned(),
            'd' => format!("{:02}", date.day()),
            'e' => date.day().to_string(),
            'a' => WEEKDAYS[usize::from(date.weekday().number_days_from_sunday())].to_owned(),
            'H' => format!("{hour:02}"),
            'h' => hour.to_string(),
            'M' => format!("{minute:02}"),
            'S' => format!("{second:02}"),
            '3' => format!("{milli:03}"),
            '%' => "%".to_owned(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    out
}

/// Exact powers of ten up to 10^22 by repeated multiplication, as the browser computes them.
fn power_of_ten(exponent: u32) -> f64 {
    let mut p = 1.0;
    for _ in 0..exponent {
        p *= 10.0;
    }
    p
}

/// `round(x, places)`: half away from zero (四捨五入), at `places` decimals (negative: tens,
/// hundreds…).
pub(crate) fn round(x: f64, places: f64) -> f64 {
    if x.is_nan() || places.is_nan() || x.is_infinite() {
        return if places.is_nan() { f64::NAN } else { x };
    }
    let places = places.trunc();
    if places == 0.0 {
        return x.round();
    }
    if places.abs() > 15.0 {
        return if places > 0.0 { x } else { 0.0 * x.signum() };
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let factor = power_of_ten(places.abs() as u32);
    if places > 0.0 {
        (x * factor).round() / factor
    } else {
        (x / factor).round() * factor
    }
}

/// `pow()` with JavaScript's answers where IEEE 754 and `Math.pow` disagree.
pub(crate) fn pow(base: f64, exponent: f64) -> f64 {
    if exponent.is_nan() || (base.abs() == 1.0 && exponent.is_infinite()) {
        return f64::NAN;
    }
    base.powf(exponent)
}

/// `min()` / `max()`: NaN if there are no values or any is not a number.
pub(crate) fn extreme(items: &[Value<'_>], max: bool) -> f64 {
    let mut result: Option<f64> = None;
    for item in items {
        let n = item.to_num();
        if n.is_nan() {
            return f64::NAN;
        }
        result = Some(match result {
            Some(r) if max => r.max(n),
            Some(r) => r.min(n),
            None => n,
        });
    }
    result.unwrap_or(f64::NAN)
}
