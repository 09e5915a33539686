//! Canonical text of a syntax tree: single spaces around binary operators, `, ` between
//! arguments, single quotes for strings, and only the parentheses precedence requires.
//!
//! `parse(&expr.to_string())` gives back an equal tree (a property test holds us to it), so the
//! builder can reformat what a clerk typed and the XLSForm export can write it out.

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::{Expr, ExprKind, UNARY_PRECEDENCE};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(self, f)
    }
}

fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Binary(op, _, _) => op.precedence(),
        ExprKind::Neg(_) => UNARY_PRECEDENCE,
        _ => u8::MAX,
    }
}

fn write_expr(expr: &Expr, f: &mut Formatter<'_>) -> fmt::Result {
    match &expr.kind {
        ExprKind::Number(n) => write!(f, "{n}"),
        ExprKind::String(s) => write_string(s, f),
        ExprKind::Ref(name) => write!(f, "${{{name}}}"),
        ExprKind::Current => f.write_char('.'),
        ExprKind::Parent => f.write_str(".."),
        ExprKind::Prop(name) => f.write_str(name),
        ExprKind::Neg(inner) => {
            f.write_char('-')?;
            // `- -1` rather than `--1` keeps the output readable; both parse the same.
            if matches!(inner.kind, ExprKind::Neg(_)) {
                f.write_char(' ')?;
            }
            write_operand(inner, precedence(inner) < UNARY_PRECEDENCE, f)
        }
        ExprKind::Binary(op, a, b) => {
            let p = op.precedence();
            write_operand(a, precedence(a) < p, f)?;
            write!(f, " {} ", op.symbol())?;
            // Left-associative: an equal-precedence right operand needs parentheses.
            write_operand(b, precedence(b) <= p, f)
        }
        ExprKind::Call(func, args) => {
            f.write_str(func.name())?;
            f.write_char('(')?;
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_expr(arg, f)?;
            }
            f.write_char(')')
        }
    }
}

fn write_operand(expr: &Expr, parenthesize: bool, f: &mut Formatter<'_>) -> fmt::Result {
    if parenthesize {
        f.write_char('(')?;
        write_expr(expr, f)?;
        f.write_char(')')
    } else {
        write_expr(expr, f)
    }
}

/// XPath 1.0 strings have no escapes: a string holding both quote kinds (possible only in
/// trees not parsed from text) is written as a `concat()` of quotable pieces.
fn write_string(s: &str, f: &mut Formatter<'_>) -> fmt::Result {
    if !s.contains('\'') {
        return write!(f, "'{s}'");
    }
    if !s.contains('"') {
        return write!(f, "\"{s}\"");
    }
    f.write_str("concat(")?;
    for (i, piece) in s.split('\'').enumerate() {
        if i > 0 {
            f.write_str(", \"'\", ")?;
        }
        write!(f, "'{piece}'")?;
    }
    f.write_char(')')
}
