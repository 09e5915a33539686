//! The regular-expression dialect of `regex()`: the common ground of Rust's `regex` crate and
//! JavaScript's `RegExp` with the `u` flag, so a pattern matches the same text on the server
//! and in the browser.
//!
//! A builder's pattern is checked and rewritten once, into one text for each engine. Classes
//! whose meaning differs between the engines are spelled out: `\d` is ASCII `[0-9]` (Rust's
//! would also match full-width ０-９), `\w` is ASCII, `\s` is JavaScript's whitespace set,
//! `.` excludes the four JavaScript line terminators. Constructs only one engine has
//! (look-around, back-references, inline flags, class set operations) are refused with a
//! message naming them.

/// A pattern rewritten for both engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortableRegex {
    /// For Rust's `regex` crate.
    pub rust: String,
    /// For JavaScript `new RegExp(js, "u")`.
    pub js: String,
}

/// Why a pattern is not accepted: `(ja, en)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexProblem {
    pub message_ja: String,
    pub message_en: String,
}

fn problem(ja: impl Into<String>, en: impl Into<String>) -> RegexProblem {
    RegexProblem {
        message_ja: ja.into(),
        message_en: en.into(),
    }
}

/// Longest pattern accepted, in characters.
pub const MAX_PATTERN_CHARS: usize = 1_000;

/// JavaScript's `\s`, written so both engines read it the same way.
const SPACE_CLASS_BODY: &str =
    r"\t\n\x0B\x0C\r \xA0\u{1680}\u{2000}-\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}";

const GENERAL_CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C",
    "Cc", "Cf", "Co", "Cn",
];

const PROPERTY_NAMES: &[&str] = &[
    "Script",
    "sc",
    "Script_Extensions",
    "scx",
    "General_Category",
    "gc",
];

/// Checks `pattern` and rewrites it for both engines.
pub fn portable_regex(pattern: &str) -> Result<PortableRegex, RegexProblem> {
    let chars: Vec<char> = pattern.chars().collect();
    if chars.len() > MAX_PATTERN_CHARS {
        return Err(problem(
            format!("正規表現が長すぎます（{MAX_PATTERN_CHARS} 文字まで）"),
            format!("pattern is too long (at most {MAX_PATTERN_CHARS} characters)"),
        ));
    }
    let mut out = Out::default();
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\\' => {
                let Some(&e) = chars.get(i) else {
                    return Err(problem(
                        "正規表現が \\ で終わっています",
                        "pattern ends with a backslash",
                    ));
                };
                i += 1;
                i = escape(e, &chars, i, in_class, &mut out)?;
            }
            '[' if in_class => {
                return Err(problem(
                    "[ ] の中の [ は \\[ と書いてください",
                    "write [ inside a character class as \\[",
                ));
            }
            '[' => {
                in_class = true;
                out.both("[");
                if chars.get(i) == Some(&'^') {
                    out.both("^");
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    return Err(problem(
                        "空の [ ] や [ の直後の ] は使えません（] は \\] と書いてください）",
                        "empty class or ] right after [ (write ] as \\])",
                    ));
                }
            }
            ']' if in_class => {
                in_class = false;
                out.both("]");
            }
            '&' | '~' | '-' if in_class && chars.get(i) == Some(&c) => {
                return Err(problem(
                    format!("[ ] の中の「{c}{c}」は使えません"),
                    format!("{c}{c} inside a character class is not supported"),
                ));
            }
            '.' if !in_class => out.both(r"[^\n\r\u{2028}\u{2029}]"),
            '(' if !in_class && chars.get(i) == Some(&'?') => {
                let named = chars.get(i + 1) == Some(&'<')
                    && chars.get(i + 2).is_some_and(char::is_ascii_alphabetic);
                if chars.get(i + 1) == Some(&':') {
                    out.both("(?:");
                    i += 2;
                } else if named {
                    out.both("(?<");
                    i += 2;
                } else {
                    return Err(problem(
                        "(?: 以外の (? 構文（先読み・後読み・フラグ）は使えません",
                        "(? constructs other than (?: and (?<name> (look-around, flags) are not supported",
                    ));
                }
            }
            '{' if !in_class => {
                let end = quantifier_end(&chars, i).ok_or_else(|| {
                    problem(
                        "{ は回数指定（{2} や {1,3}）にだけ使えます。文字の { は \\{ と書いてください",
                        "{ must start a repetition like {2} or {1,3}; write a literal { as \\{",
                    )
                })?;
                let text: String = chars[i - 1..end].iter().collect();
                out.both(&text);
                i = end;
            }
            '}' | ']' if !in_class => {
                return Err(problem(
                    format!("文字の「{c}」は \\{c} と書いてください"),
                    format!("write a literal {c} as \\{c}"),
                ));
            }
            other => out.push(other),
        }
    }
    if in_class {
        return Err(problem(
            "[ が ] で閉じられていません",
            "[ is not closed with ]",
        ));
    }
    let compiled = regex::RegexBuilder::new(&out.rust)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build();
    if let Err(error) = compiled {
        let detail = match error {
            regex::Error::CompiledTooBig(_) => "pattern is too large".to_owned(),
            other => other.to_string(),
        };
        return Err(problem(
            format!("正規表現に誤りがあります: {detail}"),
            format!("invalid pattern: {detail}"),
        ));
    }
    Ok(PortableRegex {
        rust: out.rust,
        js: out.js,
    })
}

/// Compiles a pattern for the server.
pub(crate) fn compile_regex(pattern: &str) -> Result<regex::Regex, RegexProblem> {
    let portable = portable_regex(pattern)?;
    regex::RegexBuilder::new(&portable.rust)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| problem(format!("正規表現に誤りがあります: {e}"), e.to_string()))
}

#[derive(Default)]
struct Out {
    rust: String,
    js: String,
}

impl Out {
    fn both(&mut self, s: &str) {
        self.rust.push_str(s);
        self.js.push_str(s);
    }

    fn push(&mut self, c: char) {
        self.rust.push(c);
        self.js.push(c);
    }
}

/// Handles `\e` (the backslash already consumed); returns the index after the escape.
fn escape(
    e: char,
    chars: &[char],
    mut i: usize,
    in_class: bool,
    out: &mut Out,
) -> Result<usize, RegexProblem> {
    let inside_only = |name: &str| {
        problem(
            format!("[ ] の中では {name} は使えません"),
            format!("{name} is not supported inside a character class"),
        )
    };
    match e {
        'd' if in_class => out.both("0-9"),
        'd' => out.both("[0-9]"),
        'w' if in_class => out.both("0-9A-Za-z_"),
        'w' => out.both("[0-9A-Za-z_]"),
        's' if in_class => out.both(SPACE_CLASS_BODY),
        's' => {
            out.both("[");
            out.both(SPACE_CLASS_BODY);
            out.both("]");
        }
        'D' | 'W' | 'S' | 'b' | 'B' if in_class => return Err(inside_only(&format!("\\{e}"))),
        'D' => out.both("[^0-9]"),
        'W' => out.both("[^0-9A-Za-z_]"),
        'S' => {
            out.both("[^");
            out.both(SPACE_CLASS_BODY);
            out.both("]");
        }
        'b' | 'B' => {
            // An ASCII word boundary, as JavaScript's.
            out.rust.push_str(&format!("(?-u:\\{e})"));
            out.js.push_str(&format!("\\{e}"));
        }
        'n' | 'r' | 't' | 'f' | 'v' => out.both(&format!("\\{e}")),
        'x' => {
            let hex: String = chars.iter().skip(i).take(2).collect();
            if hex.len() != 2 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(problem(
                    "\\x の後には 16 進数 2 桁が必要です",
                    "\\x must be followed by two hex digits",
                ));
            }
            out.both(&format!("\\x{hex}"));
            i += 2;
        }
        'u' => {
            let code = if chars.get(i) == Some(&'{') {
                let close = chars[i..].iter().position(|&c| c == '}');
                let hex: String = close
                    .map(|p| chars[i + 1..i + p].iter().collect())
                    .unwrap_or_default();
                i += close.map_or(0, |p| p + 1);
                hex
            } else {
                let hex: String = chars.iter().skip(i).take(4).collect();
                i += hex.chars().count();
                if hex.chars().count() == 4 {
                    hex
                } else {
                    String::new()
                }
            };
            let scalar = (!code.is_empty() && code.len() <= 6)
                .then(|| u32::from_str_radix(&code, 16).ok())
                .flatten()
                .and_then(char::from_u32);
            if scalar.is_none() {
                return Err(problem(
                    "\\u の後には \\u3042 や \\u{1F600} の形の文字コードが必要です",
                    "\\u must be followed by a code point like \\u3042 or \\u{1F600}",
                ));
            }
            out.both(&format!("\\u{{{code}}}"));
        }
        'p' | 'P' => {
            let close = (chars.get(i) == Some(&'{'))
                .then(|| chars[i..].iter().position(|&c| c == '}'))
                .flatten();
            let Some(close) = close else {
                return Err(problem(
                    "\\p の後には {Script=Katakana} のような指定が必要です",
                    "\\p must be followed by a property like {Script=Katakana}",
                ));
            };
            let body: String = chars[i + 1..i + close].iter().collect();
            let valid = match body.split_once('=') {
                Some((name, value)) => {
                    PROPERTY_NAMES.contains(&name)
                        && !value.is_empty()
                        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                }
                None => GENERAL_CATEGORIES.contains(&body.as_str()),
            };
            if !valid {
                return Err(problem(
                    format!(
                        "\\{e}{{{body}}} は使えません。文字種は \\p{{Script=Katakana}} や \\p{{L}} の形で書いてください"
                    ),
                    format!(
                        "\\{e}{{{body}}} is not supported; write properties as \\p{{Script=Katakana}} or \\p{{L}}"
                    ),
                ));
            }
            out.both(&format!("\\{e}{{{body}}}"));
            i += close + 1;
        }
        '-' if in_class => out.both("\\-"),
        '-' => out.both("-"),
        '\\' | '^' | '$' | '.' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}'
        | '/' => out.both(&format!("\\{e}")),
        other => {
            return Err(problem(
                format!("\\{other} は使えません"),
                format!("the escape \\{other} is not supported"),
            ));
        }
    }
    Ok(i)
}

/// If `chars[i..]` continues a `{` with `n}`, `n,}` or `n,m}`, the index after the `}`.
fn quantifier_end(chars: &[char], mut i: usize) -> Option<usize> {
    let start = i;
    while chars.get(i).is_some_and(char::is_ascii_digit) {
        i += 1;
    }
    if i == start {
        return None;
    }
    if chars.get(i) == Some(&',') {
        i += 1;
        while chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
    }
    (chars.get(i) == Some(&'}')).then_some(i + 1)
}
