//! The syntax tree of an expression and its compact JSON form.
//!
//! The JSON form is a contract with the browser evaluator and is documented in
//! `docs/expressions.md`; change both together.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::regex_portable::portable_regex;

/// A range of characters (Unicode scalar values, 0-based, end exclusive) in expression text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    pub(crate) fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end,
        }
    }
}

/// One node of the syntax tree. Equality ignores spans, so trees parsed from differently
/// spaced text compare equal.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number literal; always finite and not negative (a minus sign is [`ExprKind::Neg`]).
    Number(f64),
    /// A string literal.
    String(String),
    /// `${name}`: a field's value (or, for repeat fields seen from outside, all of its rows).
    Ref(String),
    /// `.`: the field the expression belongs to.
    Current,
    /// `..`: only meaningful as the argument of `position()`.
    Parent,
    /// A bare name: a property of the choice being filtered, only inside `choice_filter`.
    Prop(String),
    /// Unary minus.
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

impl Expr {
    pub(crate) fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    /// Visits this node and all nodes below it, parents first.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Neg(inner) => inner.walk(visit),
            ExprKind::Binary(_, a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            ExprKind::Call(_, args) => {
                for arg in args {
                    arg.walk(visit);
                }
            }
            ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Ref(_)
            | ExprKind::Current
            | ExprKind::Parent
            | ExprKind::Prop(_) => {}
        }
    }

    /// The names of all fields referenced with `${…}`, in order of appearance, repeated as often
    /// as they appear.
    pub fn field_refs(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.walk(&mut |node| {
            if let ExprKind::Ref(name) = &node.kind {
                names.push(name.as_str());
            }
        });
        names
    }

    /// The compact JSON form evaluated by the browser.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

/// Binary operators, lowest precedence first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "div",
            BinOp::Mod => "mod",
        }
    }

    /// Binding strength; all binary operators are left-associative (XPath 1.0).
    pub(crate) fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne => 3,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 5,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 6,
        }
    }
}

/// Precedence of unary minus: tighter than every binary operator.
pub(crate) const UNARY_PRECEDENCE: u8 = 7;

macro_rules! functions {
    ($( $variant:ident => $name:literal, $min:literal, $max:expr; )*) => {
        /// The functions Yui understands. Names follow ODK's function library.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Func { $( $variant, )* }

        impl Func {
            pub const ALL: &'static [Func] = &[ $( Func::$variant, )* ];

            pub fn name(self) -> &'static str {
                match self { $( Func::$variant => $name, )* }
            }

            /// Minimum and maximum (None: unbounded) number of arguments.
            pub fn arity(self) -> (usize, Option<usize>) {
                match self { $( Func::$variant => ($min, $max), )* }
            }

            pub fn from_name(name: &str) -> Option<Func> {
                match name { $( $name => Some(Func::$variant), )* _ => None }
            }
        }
    };
}

functions! {
    Not => "not", 1, Some(1);
    Selected => "selected", 2, Some(2);
    CountSelected => "count-selected", 1, Some(1);
    SelectedAt => "selected-at", 2, Some(2);
    If => "if", 3, Some(3);
    Coalesce => "coalesce", 2, None;
    Regex => "regex", 2, Some(2);
    Contains => "contains", 2, Some(2);
    StartsWith => "starts-with", 2, Some(2);
    EndsWith => "ends-with", 2, Some(2);
    StringLength => "string-length", 0, Some(1);
    Concat => "concat", 1, None;
    Substr => "substr", 2, Some(3);
    SubstringBefore => "substring-before", 2, Some(2);
    SubstringAfter => "substring-after", 2, Some(2);
    Translate => "translate", 3, Some(3);
    NormalizeSpace => "normalize-space", 0, Some(1);
    String => "string", 0, Some(1);
    Number => "number", 0, Some(1);
    Boolean => "boolean", 1, Some(1);
    BooleanFromString => "boolean-from-string", 1, Some(1);
    True => "true", 0, Some(0);
    False => "false", 0, Some(0);
    Today => "today", 0, Some(0);
    Now => "now", 0, Some(0);
    Date => "date", 1, Some(1);
    DecimalDateTime => "decimal-date-time", 1, Some(1);
    FormatDate => "format-date", 2, Some(2);
    FormatDateTime => "format-date-time", 2, Some(2);
    Round => "round", 1, Some(2);
    Int => "int", 1, Some(1);
    Floor => "floor", 1, Some(1);
    Ceiling => "ceiling", 1, Some(1);
    Abs => "abs", 1, Some(1);
    Pow => "pow", 2, Some(2);
    Min => "min", 1, None;
    Max => "max", 1, None;
    Sum => "sum", 1, Some(1);
    Count => "count", 1, Some(1);
    CountNonEmpty => "count-non-empty", 1, Some(1);
    Join => "join", 2, None;
    Position => "position", 0, Some(1);
}

impl Func {
    /// Functions whose arguments may be node-sets (all rows of a repeat field).
    pub fn is_aggregate(self) -> bool {
        matches!(
            self,
            Func::Sum | Func::Count | Func::CountNonEmpty | Func::Min | Func::Max | Func::Join
        )
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.kind {
            ExprKind::Number(n) => single(serializer, "num", n),
            ExprKind::String(s) => single(serializer, "lit", s),
            ExprKind::Ref(name) => single(serializer, "ref", name),
            ExprKind::Current => single(serializer, "dot", &true),
            ExprKind::Parent => single(serializer, "parent", &true),
            ExprKind::Prop(name) => single(serializer, "prop", name),
            ExprKind::Neg(inner) => single(serializer, "neg", inner),
            ExprKind::Binary(op, a, b) => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("op", op.symbol())?;
                map.serialize_entry("a", a)?;
                map.serialize_entry("b", b)?;
                map.end()
            }
            ExprKind::Call(func, args) => {
                // A regex carries the pattern rewritten to the portable dialect both evaluators
                // run identically; the original stays in `args` for printing.
                let portable = match (func, args.get(1).map(|a| &a.kind)) {
                    (Func::Regex, Some(ExprKind::String(p))) => portable_regex(p).ok(),
                    _ => None,
                };
                let mut map =
                    serializer.serialize_map(Some(if portable.is_some() { 3 } else { 2 }))?;
                map.serialize_entry("fn", func.name())?;
                map.serialize_entry("args", &Args(args))?;
                if let Some(p) = portable {
                    map.serialize_entry("re", &p.js)?;
                }
                map.end()
            }
        }
    }
}

struct Args<'a>(&'a [Expr]);

impl Serialize for Args<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for arg in self.0 {
            seq.serialize_element(arg)?;
        }
        seq.end()
    }
}

fn single<S: Serializer, T: Serialize + ?Sized>(
    serializer: S,
    key: &str,
    value: &T,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(key, value)?;
    map.end()
}
