//! Reads YAML (and therefore JSON, a subset of YAML 1.2) into a tree that remembers where
//! every node came from, so errors found later can point at a line and column.
//!
//! Built on the event stream of `saphyr-parser` rather than a ready-made document type: that
//! lets us refuse what a definition never needs and an attacker might use (aliases, which can
//! multiply a small document into a huge one; custom tags; several documents; duplicate keys)
//! and bound size and depth while reading.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Largest definition text accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 2 * 1024 * 1024;
/// Deepest nesting of mappings and sequences.
pub const MAX_NESTING: usize = 64;
/// Most nodes in one document.
pub const MAX_NODES: usize = 200_000;

/// A position in the source: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub start: Position,
    /// For scalars written on one line without escapes: the column of the value's first
    /// character, so a position inside the value can be reported exactly.
    pub exact_column: Option<u32>,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    Scalar { text: String, plain: bool },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A problem reading the YAML itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub code: &'static str,
    pub message_ja: String,
    pub message_en: String,
    pub at: Position,
}

impl YamlError {
    fn new(code: &'static str, at: Position, ja: impl Into<String>, en: impl Into<String>) -> Self {
        YamlError {
            code,
            message_ja: ja.into(),
            message_en: en.into(),
            at,
        }
    }
}

fn position(span: &Span) -> Position {
    Position {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    }
}

enum Frame {
    Seq(Position, Vec<Node>),
    Map(Position, Vec<(Node, Node)>, Option<Node>),
}

/// Parses one YAML document.
pub(crate) fn load(src: &str) -> Result<Node, YamlError> {
    let origin = Position { line: 1, column: 1 };
    if src.len() > MAX_SOURCE_BYTES {
        return Err(YamlError::new(
            "definition.too_large",
            origin,
            format!(
                "定義が大きすぎます（{} MB まで）",
                MAX_SOURCE_BYTES / 1024 / 1024
            ),
            format!(
                "definition is too large (at most {} MB)",
                MAX_SOURCE_BYTES / 1024 / 1024
            ),
        ));
    }
    // Columns of scalars are checked against the source, which is indexed by characters.
    let chars: Vec<char> = src.chars().collect();
    let mut parser = Parser::new_from_str(src);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut nodes = 0usize;
    // The parser keeps yielding after the end or an error; the loop stops at either.
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let at = Position {
                line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX),
                column: u32::try_from(e.marker().col() + 1).unwrap_or(u32::MAX),
            };
            YamlError::new(
                "definition.syntax",
                at,
                format!("YAML の書き方に誤りがあります（{}）", e.info()),
                format!("YAML syntax error: {}", e.info()),
            )
        })?;
        let at = position(&span);
        let node = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::DocumentStart(_) => {
                if root.is_some() {
                    return Err(YamlError::new(
                        "definition.multiple_documents",
                        at,
                        "定義は 1 つの YAML 文書にしてください（--- で区切らない）",
                        "a definition is a single YAML document (no --- separators)",
                    ));
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(anchor_error(at));
            }
            Event::Scalar(text, style, anchor, tag) => {
                if anchor != 0 {
                    return Err(anchor_error(at));
                }
                let forced_string = match tag {
                    None => false,
                    Some(tag) if tag.handle == "tag:yaml.org,2002:" && tag.suffix == "str" => true,
                    Some(tag) => {
                        return Err(tag_error(at, &format!("{}{}", tag.handle, tag.suffix)));
                    }
                };
                let plain = style == ScalarStyle::Plain && !forced_string;
                let quote = match style {
                    ScalarStyle::Plain => Some(0),
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Some(1),
                    _ => None,
                };
                let exact_column = quote.and_then(|q| {
                    let from = span.start.index() + q;
                    let written = chars.get(from..from + text.chars().count())?;
                    let same = written.iter().copied().eq(text.chars()) && !text.contains('\n');
                    same.then(|| u32::try_from(span.start.col() + q + 1).ok())?
                });
                Node {
                    kind: NodeKind::Scalar {
                        text: text.into_owned(),
                        plain,
                    },
                    start: at,
                    exact_column,
                }
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                if anchor != 0 {
                    return Err(anchor_error(at));
                }
                if let Some(tag) = tag {
                    return Err(tag_error(at, &format!("{}{}", tag.handle, tag.suffix)));
                }
                if stack.len() >= MAX_NESTING {
                    return Err(YamlError::new(
                        "definition.too_deep",
                        at,
                        format!("入れ子が深すぎます（{MAX_NESTING} 段まで）"),
                        format!("nested too deeply (at most {MAX_NESTING} levels)"),
                    ));
                }
                let is_seq = matches!(event, Event::SequenceStart(..));
                stack.push(if is_seq {
                    Frame::Seq(at, Vec::new())
                } else {
                    Frame::Map(at, Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(start, items)) => Node {
                    kind: NodeKind::Seq(items),
                    start,
                    exact_column: None,
                },
                Some(Frame::Map(start, entries, _)) => Node {
                    kind: NodeKind::Map(entries),
                    start,
                    exact_column: None,
                },
                None => continue,
            },
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(YamlError::new(
                "definition.too_large",
                node.start,
                "定義の要素が多すぎます",
                "definition has too many elements",
            ));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, entries, pending_key)) => match pending_key.take() {
                None => {
                    let NodeKind::Scalar { text, .. } = &node.kind else {
                        return Err(YamlError::new(
                            "definition.complex_key",
                            node.start,
                            "キーには文字列を書いてください",
                            "mapping keys must be plain strings",
                        ));
                    };
                    let duplicate = entries.iter().any(
                        |(k, _)| matches!(&k.kind, NodeKind::Scalar { text: t, .. } if t == text),
                    );
                    if duplicate {
                        return Err(YamlError::new(
                            "definition.duplicate_key",
                            node.start,
                            format!("キー「{text}」が 2 回書かれています"),
                            format!("key {text:?} appears twice"),
                        ));
                    }
                    *pending_key = Some(node);
                }
                Some(key) => entries.push((key, node)),
            },
        }
    }
    root.ok_or_else(|| {
        YamlError::new(
            "definition.empty",
            origin,
            "定義が空です",
            "definition is empty",
        )
    })
}

fn anchor_error(at: Position) -> YamlError {
    YamlError::new(
        "definition.alias",
        at,
        "YAML のアンカーとエイリアス（& と *）は使えません",
        "YAML anchors and aliases (& and *) are not supported",
    )
}

fn tag_error(at: Position, tag: &str) -> YamlError {
    YamlError::new(
        "definition.tag",
        at,
        format!("YAML のタグ（{tag}）は使えません"),
        format!("YAML tags ({tag}) are not supported"),
    )
}

/// The value of a plain scalar under the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str,
}

pub(crate) fn resolve_plain(text: &str) -> Resolved {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<u64>() {
            return Resolved::UInt(n);
        }
        if let Ok(n) = text.parse::<i64>() {
            return Resolved::Int(n);
        }
        return text.parse().map_or(Resolved::Str, Resolved::Float);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).map_or(Resolved::Str, Resolved::UInt);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return u64::from_str_radix(octal, 8).map_or(Resolved::Str, Resolved::UInt);
    }
    if is_core_float(unsigned) {
        return text.parse().map_or(Resolved::Str, Resolved::Float);
    }
    Resolved::Str
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
fn is_core_float(t: &str) -> bool {
    let (mantissa, exponent) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int)
        && digits(frac)
        && (!int.is_empty() || !frac.is_empty())
        && (mantissa.contains('.') || !int.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

impl Node {
    /// The node at a path like `fields[3].relevant` or `choices.shelters[0].name`.
    pub(crate) fn at_path(&self, path: &str) -> Option<&Node> {
        let mut node = self;
        for segment in path_segments(path) {
            node = match (segment, &node.kind) {
                (Segment::Key(key), NodeKind::Map(entries)) => entries
                    .iter()
                    .find(|(k, _)| matches!(&k.kind, NodeKind::Scalar { text, .. } if text == key))
                    .map(|(_, v)| v)?,
                (Segment::Index(i), NodeKind::Seq(items)) => items.get(i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The deepest node along `path` that exists (the document itself at worst).
    pub(crate) fn nearest(&self, path: &str) -> &Node {
        let mut node = self;
        let mut walked = String::new();
        for segment in path_segments(path) {
            match segment {
                Segment::Key(key) => {
                    if !walked.is_empty() {
                        walked.push('.');
                    }
                    walked.push_str(key);
                }
                Segment::Index(i) => walked.push_str(&format!("[{i}]")),
            }
            match self.at_path(&walked) {
                Some(found) => node = found,
                None => break,
            }
        }
        node
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `a.b[2].c` into segments. Keys holding `.` or `[` cannot be addressed; field names
/// never need to be, because fields are addressed by index.
fn path_segments(path: &str) -> impl Iterator<Item = Segment<'_>> {
    path.split('.').filter(|s| !s.is_empty()).flat_map(|part| {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        let indexes = rest
            .split('[')
            .filter_map(|i| i.trim_end_matches(']').parse::<usize>().ok())
            .map(Segment::Index);
        (!key.is_empty())
            .then_some(Segment::Key(key))
            .into_iter()
            .chain(indexes.collect::<Vec<_>>())
    })
}
