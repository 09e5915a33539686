//! Turns one raw answer (whatever JSON a web form, LINE or the API sent) into the normalised
//! value of its field type, or says precisely why it cannot.
//!
//! Web forms send strings for everything, so every type reads strings ("12", "yes",
//! "令和6年4月1日"); full-width digits and hiragana are converted rather than refused. Names,
//! addresses and free text are stored exactly as typed, only trimmed. Work is bounded: long
//! strings are refused by byte length before any character is examined.

use serde_json::{Map, Number, Value};
use time::{PrimitiveDateTime, Time, UtcOffset};

use super::violation::Violation;
use crate::definition::{FieldType, FormField};
use crate::expr::JST;
use crate::japan;

/// Longest text any answer may have, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Default longest one-line text.
pub const DEFAULT_TEXT_CHARS: usize = 1_000;
const MAX_NAME_PART_CHARS: usize = 100;
const MAX_ADDRESS_CHARS: usize = 300;
const MAX_BUILDING_CHARS: usize = 200;
const MAX_KANA_CHARS: usize = 200;
/// Largest integer answer: what a browser's JavaScript holds exactly.
const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;
/// Default largest upload, in MB.
pub const DEFAULT_MAX_SIZE_MB: u32 = 10;

/// MIME types accepted when a field names none.
pub const DEFAULT_IMAGE_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/heic",
    "image/heif",
    "image/webp",
];
pub const DEFAULT_FILE_TYPES: &[&str] = &[
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/heic",
    "image/heif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/msword",
    "application/vnd.ms-excel",
];

type Normalized = Result<Option<Value>, Violation>;

/// Normalises `raw` for `field`. `Ok(None)` is an empty answer.
pub(crate) fn normalize(field: &FormField, raw: &Value) -> Normalized {
    if raw.is_null() {
        return Ok(None);
    }
    let def = &field.definition;
    match field.field_type {
        FieldType::Text | FieldType::Textarea => {
            let multiline = field.field_type == FieldType::Textarea
                || def.appearance.as_deref() == Some("multiline");
            let default_max = if multiline {
                MAX_TEXT_CHARS
            } else {
                DEFAULT_TEXT_CHARS
            };
            let max = def
                .max_length
                .map_or(default_max, |m| m as usize)
                .min(MAX_TEXT_CHARS);
            let min = def.min_length.map_or(0, |m| m as usize);
            let text = scalar_text(raw).ok_or_else(text_invalid)?;
            Ok(check_text(&text, multiline, min, max)?.map(Value::String))
        }
        FieldType::Integer => integer(raw),
        FieldType::Decimal => decimal(raw),
        FieldType::Date => date(raw),
        FieldType::Time => time_of_day(raw),
        FieldType::Datetime => datetime(raw),
        FieldType::SelectOne => select_one(field, raw),
        FieldType::SelectMultiple => select_multiple(field, raw),
        FieldType::YesNo => yes_no(raw),
        FieldType::Consent => consent(raw),
        FieldType::Email => parsed(raw, 254, |s| {
            japan::normalize_email(s)
                .map(Value::String)
                .map_err(|e| Violation::from_parser(e.code(), e.message_ja(), e.message_en()))
        }),
        FieldType::Phone => parsed(raw, 24, |s| {
            japan::PhoneNumber::parse(s)
                .map(|p| Value::String(p.digits().to_owned()))
                .map_err(|e| Violation::from_parser(e.code(), e.message_ja(), e.message_en()))
        }),
        FieldType::PostalCode => parsed(raw, 16, postal_code),
        FieldType::Kana => parsed(raw, MAX_KANA_CHARS, |s| kana(s).map(Value::String)),
        FieldType::Address => address(raw),
        FieldType::Name => person_name(raw, false),
        FieldType::NameKana => person_name(raw, true),
        FieldType::File | FieldType::Image => upload(field, raw),
        FieldType::Geopoint => geopoint(raw),
        FieldType::Note | FieldType::Calculate | FieldType::Group | FieldType::Repeat => Ok(None),
    }
}

fn text_invalid() -> Violation {
    Violation::invalid("text.invalid", "文字で入力してください", "Enter text")
}

/// A string, or a number written as one.
fn scalar_text(raw: &Value) -> Option<String> {
    match raw {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Trims, refuses control and private-use characters, counts characters.
pub(crate) fn check_text(
    text: &str,
    multiline: bool,
    min: usize,
    max: usize,
) -> Result<Option<String>, Violation> {
    // A character is at most 4 bytes: anything longer cannot fit, whatever it holds.
    if text.len() > max.saturating_mul(4).saturating_add(64) {
        return Err(Violation::too_long(max));
    }
    let unified;
    let text = if multiline && text.contains('\r') {
        // Browsers send textarea line breaks as CRLF.
        unified = text.replace("\r\n", "\n").replace('\r', "\n");
        unified.as_str()
    } else {
        text
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if !multiline && trimmed.contains(['\n', '\r']) {
        return Err(Violation::newline());
    }
    if japan::text::has_control(trimmed) || trimmed.contains(['\u{FFFE}', '\u{FFFF}']) {
        return Err(Violation::control_character());
    }
    if japan::text::has_private_use(trimmed) {
        return Err(Violation::private_use());
    }
    let count = trimmed.chars().count();
    if count > max {
        return Err(Violation::too_long(max));
    }
    if count < min {
        return Err(Violation::too_short(min));
    }
    Ok(Some(trimmed.to_owned()))
}

/// Runs a parser on the trimmed text of a short answer of at most `max_chars` characters.
fn parsed(
    raw: &Value,
    max_chars: usize,
    parse: impl Fn(&str) -> Result<Value, Violation>,
) -> Normalized {
    let Some(text) = scalar_text(raw) else {
        return Err(text_invalid());
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.len() > max_chars * 4 || trimmed.chars().count() > max_chars {
        return Err(Violation::too_long(max_chars));
    }
    parse(trimmed).map(Some)
}

fn postal_code(s: &str) -> Result<Value, Violation> {
    japan::PostalCode::parse(s)
        .map(|p| Value::String(p.digits()))
        .map_err(|e| Violation::from_parser(e.code(), e.message_ja(), e.message_en()))
}

fn kana(s: &str) -> Result<String, Violation> {
    let kana = japan::normalize_katakana(s)
        .map_err(|e| Violation::from_parser(e.code(), e.message_ja(), e.message_en()))?;
    if kana.chars().count() > MAX_KANA_CHARS {
        return Err(Violation::too_long(MAX_KANA_CHARS));
    }
    Ok(kana)
}

/// Full-width digits and signs to ASCII, without touching anything else.
fn ascii_number_text(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - 0xFF10 + u32::from('0')).unwrap_or(c),
            '－' | '−' | '‐' | '‑' | '–' => '-',
            '＋' => '+',
            '．' => '.',
            '，' => ',',
            other => other,
        })
        .collect()
}

/// Removes `,` digit grouping if it is well formed (`1,234,567`).
fn ungroup(s: &str) -> Option<String> {
    if !s.contains(',') {
        return Some(s.to_owned());
    }
    let (sign, body) = match s.strip_prefix(['-', '+']) {
        Some(rest) => (&s[..1], rest),
        None => ("", s),
    };
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    let groups: Vec<&str> = int.split(',').collect();
    let well_formed = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && frac.is_none_or(|f| !f.contains(','));
    well_formed.then(|| {
        let mut out = format!("{sign}{}", groups.concat());
        if let Some(f) = frac {
            out.push('.');
            out.push_str(f);
        }
        out
    })
}

fn integer_invalid() -> Violation {
    Violation::invalid(
        "integer.invalid",
        "整数を入力してください（例: 12）",
        "Enter a whole number, like 12",
    )
}

fn out_of_range() -> Violation {
    Violation::invalid(
        "number.out_of_range",
        "数値が大きすぎます",
        "The number is too large",
    )
}

fn integer(raw: &Value) -> Normalized {
    let n = match raw {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i
            } else {
                let f = n.as_f64().ok_or_else(integer_invalid)?;
                if f.fract() != 0.0 {
                    return Err(integer_invalid());
                }
                if f.abs() > MAX_SAFE_INTEGER as f64 {
                    return Err(out_of_range());
                }
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                i
            }
        }
        Value::String(s) => {
            if s.len() > 64 {
                return Err(integer_invalid());
            }
            let text = ascii_number_text(s);
            if text.is_empty() {
                return Ok(None);
            }
            let text = ungroup(&text).ok_or_else(integer_invalid)?;
            let digits = text.strip_prefix(['-', '+']).unwrap_or(&text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(integer_invalid());
            }
            text.trim_start_matches('+')
                .parse::<i64>()
                .map_err(|_| out_of_range())?
        }
        _ => return Err(integer_invalid()),
    };
    if n.abs() > MAX_SAFE_INTEGER {
        return Err(out_of_range());
    }
    Ok(Some(Value::from(n)))
}

fn decimal_invalid() -> Violation {
    Violation::invalid(
        "decimal.invalid",
        "数値を入力してください（例: 1.5）",
        "Enter a number, like 1.5",
    )
}

fn decimal(raw: &Value) -> Normalized {
    let f = match raw {
        Value::Number(n) => n.as_f64().ok_or_else(decimal_invalid)?,
        Value::String(s) => {
            if s.len() > 64 {
                return Err(decimal_invalid());
            }
            let text = ascii_number_text(s);
            if text.is_empty() {
                return Ok(None);
            }
            let text = ungroup(&text).ok_or_else(decimal_invalid)?;
            let body = text.strip_prefix(['-', '+']).unwrap_or(&text);
            let (int, frac) = body.split_once('.').unwrap_or((body, ""));
            let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
                return Err(decimal_invalid());
            }
            text.trim_start_matches('+')
                .parse::<f64>()
                .map_err(|_| decimal_invalid())?
        }
        _ => return Err(decimal_invalid()),
    };
    if !f.is_finite() || f.abs() > 1e15 {
        return Err(out_of_range());
    }
    Ok(Number::from_f64(f).map(Value::Number))
}

fn date(raw: &Value) -> Normalized {
    parsed(raw, 32, |s| {
        let date = japan::parse_date(s)
            .map_err(|e| Violation::from_parser(e.code(), e.message_ja(), e.message_en()))?;
        if !(1..=9999).contains(&date.year()) {
            return Err(Violation::from_parser(
                "wareki.invalid",
                "日付をご確認ください。".into(),
                "Please check the date.".into(),
            ));
        }
        Ok(Value::String(crate::expr::format_iso_date(date)))
    })
}

fn time_invalid() -> Violation {
    Violation::invalid(
        "time.invalid",
        "時刻を入力してください（例: 9:30）",
        "Enter a time, like 9:30",
    )
}

/// `9:30`, `09:30:15`, `9時30分`, `9時`, with full-width digits.
fn parse_time(s: &str) -> Option<Time> {
    let text = ascii_number_text(s).replace('：', ":");
    let (h, m, sec) = if let Some(rest) = text.strip_suffix('分') {
        let (h, m) = rest.split_once('時')?;
        (h, m, "0")
    } else if let Some(h) = text.strip_suffix('時') {
        (h, "0", "0")
    } else {
        let mut parts = text.split(':');
        let h = parts.next()?;
        let m = parts.next()?;
        let sec = parts.next().unwrap_or("0");
        if parts.next().is_some() || m.len() != 2 {
            return None;
        }
        (h, m, sec)
    };
    let number = |t: &str| -> Option<u8> {
        (!t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    Time::from_hms(number(h)?, number(m)?, number(sec)?).ok()
}

fn time_of_day(raw: &Value) -> Normalized {
    parsed(raw, 16, |s| {
        let t = parse_time(s).ok_or_else(time_invalid)?;
        Ok(Value::String(format!("{:02}:{:02}", t.hour(), t.minute())))
    })
}

fn datetime_invalid() -> Violation {
    Violation::invalid(
        "datetime.invalid",
        "日時を入力してください（例: 2024-04-01 9:30）",
        "Enter a date and time, like 2024-04-01 9:30",
    )
}

/// `2024-04-01T09:30`, `2024-04-01 09:30:00+09:00`, `令和6年4月1日 9:30`, …; without an offset
/// the time is Japan time. Normalised to Japan time with an explicit offset.
fn datetime(raw: &Value) -> Normalized {
    parsed(raw, 48, |s| {
        let s = s.trim();
        let (date_part, time_part) = match s.find(['T', ' ', '\u{3000}']) {
            Some(i) => (&s[..i], s[i..].trim_start_matches(['T', ' ', '\u{3000}'])),
            None => return Err(datetime_invalid()),
        };
        let date = japan::parse_date(date_part).map_err(|_| datetime_invalid())?;
        let (clock, offset) = split_offset(time_part).ok_or_else(datetime_invalid)?;
        let clock = clock.split_once('.').map_or(clock, |(c, _)| c);
        let time = parse_time(clock).ok_or_else(datetime_invalid)?;
        let local = PrimitiveDateTime::new(date, time).assume_offset(offset.unwrap_or(JST));
        let jst = local.to_offset(JST);
        if !(1..=9999).contains(&jst.year()) {
            return Err(datetime_invalid());
        }
        Ok(Value::String(format!(
            "{}T{:02}:{:02}:{:02}+09:00",
            crate::expr::format_iso_date(jst.date()),
            jst.hour(),
            jst.minute(),
            jst.second()
        )))
    })
}

/// Splits a trailing `Z` or `±HH:MM` off a time.
fn split_offset(t: &str) -> Option<(&str, Option<UtcOffset>)> {
    if let Some(clock) = t.strip_suffix('Z') {
        return Some((clock, Some(UtcOffset::UTC)));
    }
    let b = t.as_bytes();
    if b.len() > 6 && matches!(b[b.len() - 6], b'+' | b'-') && b[b.len() - 3] == b':' {
        let zone = &t[t.len() - 6..];
        let sign: i8 = if zone.starts_with('-') { -1 } else { 1 };
        let hours: i8 = zone[1..3].parse().ok()?;
        let minutes: i8 = zone[4..6].parse().ok()?;
        let offset = UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()?;
        return Some((&t[..t.len() - 6], Some(offset)));
    }
    Some((t, None))
}

fn choice_name(raw: &Value) -> Option<String> {
    match raw {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn select_one(field: &FormField, raw: &Value) -> Normalized {
    let Some(name) = choice_name(raw) else {
        return Err(Violation::unknown_choice(""));
    };
    if name.is_empty() {
        return Ok(None);
    }
    if name.len() > 200 || !field.has_choice(&name) {
        return Err(Violation::unknown_choice(&truncate(&name)));
    }
    Ok(Some(Value::String(name)))
}

fn truncate(s: &str) -> String {
    s.chars().take(50).collect()
}

fn select_multiple(field: &FormField, raw: &Value) -> Normalized {
    let names: Vec<String> = match raw {
        Value::Array(items) => {
            if items.len() > field.choice_count() + 8 {
                return Err(Violation::unknown_choice(""));
            }
            let mut names = Vec::with_capacity(items.len());
            for item in items {
                names.push(choice_name(item).ok_or_else(|| Violation::unknown_choice(""))?);
            }
            names
        }
        Value::String(s) => {
            if s.len() > 64 * (field.choice_count() + 8) {
                return Err(Violation::unknown_choice(""));
            }
            s.split_whitespace().map(str::to_owned).collect()
        }
        _ => return Err(Violation::unknown_choice("")),
    };
    let mut chosen: Vec<(usize, String)> = Vec::new();
    for name in names.into_iter().filter(|n| !n.is_empty()) {
        let Some(position) = field.choice_position(&name) else {
            return Err(Violation::unknown_choice(&truncate(&name)));
        };
        if !chosen.iter().any(|(p, _)| *p == position) {
            chosen.push((position, name));
        }
    }
    if chosen.is_empty() {
        return Ok(None);
    }
    // Stored in the list's order, so equal answers are equal values.
    chosen.sort_by_key(|(p, _)| *p);
    Ok(Some(Value::Array(
        chosen.into_iter().map(|(_, n)| Value::String(n)).collect(),
    )))
}

fn yes_no(raw: &Value) -> Normalized {
    let invalid = || {
        Violation::invalid(
            "yes_no.invalid",
            "「はい」か「いいえ」を選んでください",
            "Choose yes or no",
        )
    };
    match raw {
        Value::Bool(b) => Ok(Some(Value::Bool(*b))),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Ok(Some(Value::Bool(true))),
            Some(0) => Ok(Some(Value::Bool(false))),
            _ => Err(invalid()),
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "yes" | "true" | "1" | "on" | "はい" => Ok(Some(Value::Bool(true))),
            "no" | "false" | "0" | "off" | "いいえ" => Ok(Some(Value::Bool(false))),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

fn consent(raw: &Value) -> Normalized {
    let invalid = || Violation::consent();
    match raw {
        Value::Bool(true) => Ok(Some(Value::Bool(true))),
        Value::Bool(false) => Ok(None),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "はい" => Ok(Some(Value::Bool(true))),
            "" | "false" | "no" | "off" | "0" => Ok(None),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

fn object_keys_ok(map: &Map<String, Value>, allowed: &[&str]) -> bool {
    map.keys().all(|k| allowed.contains(&k.as_str()))
}

fn part_text(map: &Map<String, Value>, key: &str, max: usize) -> Result<Option<String>, Violation> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let text = scalar_text(value).ok_or_else(text_invalid)?;
            check_text(&text, false, 0, max)
        }
    }
}

fn address(raw: &Value) -> Normalized {
    let invalid = || {
        Violation::invalid(
            "address.invalid",
            "住所を入力してください",
            "Enter an address",
        )
    };
    let map = match raw {
        Value::String(s) => {
            return Ok(check_text(s, false, 0, MAX_ADDRESS_CHARS)?
                .map(|a| serde_json::json!({ "address": a })));
        }
        Value::Object(map) if object_keys_ok(map, &["postal_code", "address", "building"]) => map,
        _ => return Err(invalid()),
    };
    let postal = match map.get("postal_code") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let text = scalar_text(value).ok_or_else(invalid)?;
            let text = text.trim();
            if text.is_empty() {
                None
            } else if text.len() > 64 {
                return Err(invalid());
            } else {
                Some(postal_code(text)?)
            }
        }
    };
    let address = part_text(map, "address", MAX_ADDRESS_CHARS)?;
    let building = part_text(map, "building", MAX_BUILDING_CHARS)?;
    let Some(address) = address else {
        if postal.is_none() && building.is_none() {
            return Ok(None);
        }
        return Err(Violation::invalid(
            "address.incomplete",
            "住所（市区町村・番地）を入力してください",
            "Enter the address (town and street number)",
        ));
    };
    let mut out = Map::new();
    if let Some(postal) = postal {
        out.insert("postal_code".into(), postal);
    }
    out.insert("address".into(), Value::String(address));
    if let Some(building) = building {
        out.insert("building".into(), Value::String(building));
    }
    Ok(Some(Value::Object(out)))
}

/// `{family, given}` or one string split at the first space (`山田 太郎`, `山田　太郎`).
fn person_name(raw: &Value, kana_only: bool) -> Normalized {
    let invalid = || Violation::invalid("name.invalid", "氏名を入力してください", "Enter a name");
    let (family, given) = match raw {
        Value::String(s) => {
            let s = s.trim();
            match s.split_once([' ', '\u{3000}']) {
                Some((f, g)) => (f.to_owned(), g.trim().to_owned()),
                None => (s.to_owned(), String::new()),
            }
        }
        Value::Object(map) if object_keys_ok(map, &["family", "given"]) => {
            let part = |key: &str| -> Result<String, Violation> {
                match map.get(key) {
                    None | Some(Value::Null) => Ok(String::new()),
                    Some(value) => scalar_text(value).ok_or_else(invalid),
                }
            };
            (part("family")?, part("given")?)
        }
        _ => return Err(invalid()),
    };
    let clean = |text: &str| -> Result<String, Violation> {
        if kana_only {
            if text.len() > MAX_NAME_PART_CHARS * 4 {
                return Err(Violation::too_long(MAX_NAME_PART_CHARS));
            }
            kana(text.trim())
        } else {
            Ok(check_text(text, false, 0, MAX_NAME_PART_CHARS)?.unwrap_or_default())
        }
    };
    let family = clean(&family)?;
    let given = clean(&given)?;
    if family.is_empty() && given.is_empty() {
        return Ok(None);
    }
    if family.is_empty() {
        return Err(Violation::invalid(
            "name.family_missing",
            "姓（名字）を入力してください",
            "Enter the family name",
        ));
    }
    Ok(Some(
        serde_json::json!({ "family": family, "given": given }),
    ))
}

fn upload(field: &FormField, raw: &Value) -> Normalized {
    let invalid = || {
        Violation::invalid(
            "file.invalid",
            "ファイルをもう一度選んでください",
            "Choose the file again",
        )
    };
    let Value::Object(map) = raw else {
        return match raw {
            Value::String(s) if s.trim().is_empty() => Ok(None),
            _ => Err(invalid()),
        };
    };
    if !object_keys_ok(map, &["id", "name", "size", "content_type"]) {
        return Err(invalid());
    }
    let id = map.get("id").and_then(Value::as_str).unwrap_or_default();
    let id_ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let name = map.get("name").and_then(Value::as_str).unwrap_or_default();
    let name_ok = !name.trim().is_empty()
        && name.chars().count() <= 255
        && !japan::text::has_control(name)
        && !name.contains(['\n', '\r']);
    let size = map.get("size").and_then(Value::as_u64);
    let content_type = map
        .get("content_type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (Some(size), true, true) = (size, id_ok, name_ok) else {
        return Err(invalid());
    };
    let max_mb = field.definition.max_size_mb.unwrap_or(DEFAULT_MAX_SIZE_MB);
    if size > u64::from(max_mb) * 1024 * 1024 {
        return Err(Violation::new(
            "file.too_large",
            format!("ファイルが大きすぎます（{max_mb} MB まで）"),
            format!("The file is too large (at most {max_mb} MB)"),
        )
        .with("max_mb", max_mb));
    }
    if !field.accepts(&content_type) {
        let list = field.accepted_types().join(", ");
        return Err(Violation::new(
            "file.type_not_allowed",
            format!("この種類のファイルは受け付けていません（{list}）"),
            format!("This type of file is not accepted ({list})"),
        )
        .with("content_type", content_type));
    }
    Ok(Some(serde_json::json!({
        "id": id,
        "name": name.trim(),
        "size": size,
        "content_type": content_type,
    })))
}

fn geopoint(raw: &Value) -> Normalized {
    let invalid = || {
        Violation::invalid(
            "geopoint.invalid",
            "位置情報を取得し直してください",
            "Get the location again",
        )
    };
    let number = |v: Option<&Value>| -> Option<f64> {
        match v? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if s.len() < 40 => s.trim().parse().ok(),
            _ => None,
        }
    };
    let (lat, lon, accuracy) = match raw {
        Value::String(s) => {
            if s.trim().is_empty() {
                return Ok(None);
            }
            if s.len() > 200 {
                return Err(invalid());
            }
            let parts: Vec<&str> = s.split_whitespace().collect();
            if !(2..=4).contains(&parts.len()) {
                return Err(invalid());
            }
            let parse = |t: &str| t.parse::<f64>().ok();
            (
                parse(parts[0]),
                parse(parts[1]),
                parts.get(3).map(|t| parse(t)),
            )
        }
        Value::Object(map) if object_keys_ok(map, &["lat", "lon", "accuracy"]) => (
            number(map.get("lat")),
            number(map.get("lon")),
            map.get("accuracy")
                .filter(|v| !v.is_null())
                .map(|v| number(Some(v))),
        ),
        _ => return Err(invalid()),
    };
    let (Some(lat), Some(lon)) = (lat, lon) else {
        return Err(invalid());
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(invalid());
    }
    let mut out = Map::new();
    out.insert(
        "lat".into(),
        Number::from_f64(lat).map_or(Value::Null, Value::Number),
    );
    out.insert(
        "lon".into(),
        Number::from_f64(lon).map_or(Value::Null, Value::Number),
    );
    match accuracy {
        Some(Some(a)) if a.is_finite() && a >= 0.0 => {
            out.insert(
                "accuracy".into(),
                Number::from_f64(a).map_or(Value::Null, Value::Number),
            );
        }
        Some(_) => return Err(invalid()),
        None => {}
    }
    Ok(Some(Value::Object(out)))
}
