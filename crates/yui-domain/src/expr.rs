//! Yui's expression language: the XLSForm/ODK XPath subset used in `relevant`, `constraint`,
//! `calculation`, `required`, `read_only`, `choice_filter` and dynamic defaults.
//!
//! An expression goes through three stages, each its own submodule:
//! 1. [`parse`] turns text into an [`Expr`] (syntax tree with character spans); the lexer and
//!    Pratt parser are hand-written so errors point at the exact column and nothing is
//!    allocated per token beyond the tree itself.
//! 2. [`compile`] checks the tree against a [`Schema`] (known fields, their kinds and repeat
//!    nesting) and resolves names into a [`Program`] whose references are field ids.
//! 3. [`eval`] runs a program against an [`Env`] that supplies answers, under a step budget.
//!
//! The tree prints back to canonical text ([`Expr`]'s `Display`) and serialises to the compact
//! JSON form the browser evaluator (`yui-expr.js`) understands. Both evaluators are held to the
//! same behaviour by `spec/expression-cases.json` (see `docs/expressions.md`).

mod ast;
mod check;
mod eval;
mod functions;
mod lexer;
mod parser;
mod print;
mod regex_portable;
mod value;

#[cfg(test)]
mod tests;

pub use ast::{BinOp, Expr, ExprKind, Func, Span};
pub use check::{FieldId, Program, Property, Schema, SchemaField, Scope, ValueKind, compile};
pub use eval::{Env, EvalContext, EvalError, JST, JsonEnv, eval};
pub use parser::parse;
pub use regex_portable::{PortableRegex, portable_regex};
pub use value::{Value, format_iso_date, format_number};

/// Longest expression text accepted, in characters. Real form logic is far shorter; the cap
/// keeps parsing and printing of hostile input bounded.
pub const MAX_EXPR_CHARS: usize = 4_000;

/// Deepest nesting of parentheses, operators and calls accepted by the parser. The evaluator
/// recurses over the tree, so this also bounds its stack use.
pub const MAX_DEPTH: usize = 48;

/// Work units one evaluation may spend before it gives up with [`EvalError::BudgetExceeded`].
/// A unit is one visited node, one aggregated row or 64 characters of string work.
pub const STEP_BUDGET: u64 = 200_000;

/// An error in an expression, found while parsing or checking it.
///
/// `span` counts characters (Unicode scalar values) from the start of the expression text, so
/// `span.start + 1` is the 1-based column a builder sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} at column {}: {message_en}", span.start + 1)]
pub struct ExprError {
    /// Stable code, e.g. `expr.unknown_field`.
    pub code: &'static str,
    pub span: Span,
    pub message_ja: String,
    pub message_en: String,
}

impl ExprError {
    pub(crate) fn new(
        code: &'static str,
        span: Span,
        message_ja: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        ExprError {
            code,
            span,
            message_ja: message_ja.into(),
            message_en: message_en.into(),
        }
    }

    /// The 1-based column of the error inside the expression.
    pub fn column(&self) -> u32 {
        self.span.start + 1
    }
}
