//! Splits expression text into tokens with character spans.
//!
//! Hand-written rather than generated: the token set is tiny, and doing it by hand lets every
//! error name the exact column and say in plain words what was expected.

use super::ExprError;
use super::ast::Span;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Number(f64),
    Str(String),
    /// `${name}`
    Ref(String),
    /// An XPath NCName: a function name, an operator word (`and`, `div`…) or a choice property.
    Name(String),
    Dot,
    DotDot,
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Whether `c` may start a field name or XPath name (XLSForm rule: a letter or `_`).
pub(crate) fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Whether `c` may continue a field name: letters, digits, `-`, `_` and `.`.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0usize;
    let at = |start: usize, end: usize| Span::new(to_u32(start), to_u32(end));
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let simple = match c {
            ' ' | '\t' | '\r' | '\n' | '\u{3000}' => {
                i += 1;
                continue;
            }
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            '+' => Some(Tok::Plus),
            '-' => Some(Tok::Minus),
            '*' => Some(Tok::Star),
            '=' => Some(Tok::Eq),
            _ => None,
        };
        if let Some(tok) = simple {
            i += 1;
            tokens.push(Token {
                tok,
                span: at(start, i),
            });
            continue;
        }
        let tok = match c {
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 2;
                Tok::Ne
            }
            '<' | '>' => {
                let or_equal = chars.get(i + 1) == Some(&'=');
                i += if or_equal { 2 } else { 1 };
                match (c, or_equal) {
                    ('<', false) => Tok::Lt,
                    ('<', true) => Tok::Le,
                    ('>', false) => Tok::Gt,
                    _ => Tok::Ge,
                }
            }
            '\'' | '"' => {
                let close = chars[i + 1..].iter().position(|&q| q == c).ok_or_else(|| {
                    ExprError::new(
                        "expr.unterminated_string",
                        at(start, chars.len()),
                        format!("文字列が閉じられていません（{c} が必要です）"),
                        format!("string is not closed (expected {c})"),
                    )
                })?;
                let text: String = chars[i + 1..i + 1 + close].iter().collect();
                i += close + 2;
                Tok::Str(text)
            }
            '$' => {
                if chars.get(i + 1) != Some(&'{') {
                    return Err(ExprError::new(
                        "expr.syntax",
                        at(start, start + 1),
                        "$ の後には {項目名} が必要です（例: ${age}）",
                        "$ must be followed by {field name} (e.g. ${age})",
                    ));
                }
                let close = chars[i + 2..]
                    .iter()
                    .position(|&q| q == '}')
                    .ok_or_else(|| {
                        ExprError::new(
                            "expr.syntax",
                            at(start, chars.len()),
                            "${ が } で閉じられていません",
                            "${ is not closed with }",
                        )
                    })?;
                let name: String = chars[i + 2..i + 2 + close].iter().collect();
                let valid = name.chars().next().is_some_and(is_name_start)
                    && name.chars().all(is_name_char);
                if !valid {
                    return Err(ExprError::new(
                        "expr.invalid_field_name",
                        at(start, i + close + 3),
                        format!("「{name}」は項目名として使えません"),
                        format!("{name:?} is not a valid field name"),
                    ));
                }
                i += close + 3;
                Tok::Ref(name)
            }
            '.' => {
                if chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                    let (n, end) = number(&chars, i, start)?;
                    i = end;
                    Tok::Number(n)
                } else if chars.get(i + 1) == Some(&'.') {
                    i += 2;
                    Tok::DotDot
                } else {
                    i += 1;
                    Tok::Dot
                }
            }
            c if c.is_ascii_digit() => {
                let (n, end) = number(&chars, i, start)?;
                i = end;
                Tok::Number(n)
            }
            c if is_name_start(c) => {
                let end = chars[i..]
                    .iter()
                    .position(|&ch| !is_name_char(ch))
                    .map_or(chars.len(), |p| i + p);
                let name: String = chars[i..end].iter().collect();
                i = end;
                Tok::Name(name)
            }
            other => {
                let (ja, en) = match other {
                    '/' | '[' | ']' | '@' | '|' => (
                        format!(
                            "「{other}」（XPath のパス）は使えません。項目は ${{項目名}} で参照します"
                        ),
                        format!(
                            "{other:?} (XPath paths) is not supported; refer to fields as ${{name}}"
                        ),
                    ),
                    '＝' | '＜' | '＞' | '（' | '）' | '，' | '＋' | '－' | '＊' => (
                        format!("全角の「{other}」は使えません。半角の記号を使ってください"),
                        format!("full-width {other:?} is not allowed; use the ASCII symbol"),
                    ),
                    _ => (
                        format!("「{other}」はここでは使えません"),
                        format!("unexpected character {other:?}"),
                    ),
                };
                return Err(ExprError::new("expr.syntax", at(start, start + 1), ja, en));
            }
        };
        tokens.push(Token {
            tok,
            span: at(start, i),
        });
    }
    Ok(tokens)
}

/// Reads an XPath number (`12`, `1.5`, `1.`, `.5`; no exponent) starting at `i`.
fn number(chars: &[char], mut i: usize, start: usize) -> Result<(f64, usize), ExprError> {
    let mut text = String::new();
    while let Some(&c) = chars.get(i) {
        if c.is_ascii_digit() || (c == '.' && !text.contains('.')) {
            // `1..` is `1` followed by `..`, not a malformed number.
            if c == '.' && chars.get(i + 1) == Some(&'.') {
                break;
            }
            text.push(c);
            i += 1;
        } else {
            break;
        }
    }
    let span = Span::new(to_u32(start), to_u32(i));
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((n, i)),
        _ => Err(ExprError::new(
            "expr.number_too_large",
            span,
            "数値が大きすぎます",
            "number is too large",
        )),
    }
}

pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
