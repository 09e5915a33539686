//! Pratt parser from tokens to an [`Expr`].
//!
//! Precedence climbing keeps the grammar in one small table ([`BinOp::precedence`]) instead of
//! one function per level, and the explicit depth counter bounds recursion for hostile input.

use super::ast::{BinOp, Expr, ExprKind, Func, Span, UNARY_PRECEDENCE};
use super::lexer::{Tok, Token, to_u32, tokenize};
use super::{ExprError, MAX_DEPTH, MAX_EXPR_CHARS};

/// Parses expression text into a syntax tree.
///
/// Checks only what the text alone decides (syntax, known function names, argument counts);
/// whether referenced fields exist is [`super::compile`]'s job.
pub fn parse(src: &str) -> Result<Expr, ExprError> {
    let length = src.chars().count();
    if length > MAX_EXPR_CHARS {
        return Err(ExprError::new(
            "expr.too_long",
            Span::new(0, to_u32(length)),
            format!("式が長すぎます（{MAX_EXPR_CHARS} 文字まで）"),
            format!("expression is too long (at most {MAX_EXPR_CHARS} characters)"),
        ));
    }
    let tokens = tokenize(src)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end: to_u32(length),
    };
    if parser.tokens.is_empty() {
        return Err(ExprError::new(
            "expr.empty",
            Span::new(0, 0),
            "式が空です",
            "expression is empty",
        ));
    }
    let (expr, _) = parser.expression(0)?;
    if let Some(token) = parser.peek() {
        return Err(ExprError::new(
            "expr.syntax",
            token.span,
            "式の終わりに余分なものがあります（演算子や , が抜けていませんか）",
            "unexpected text after the end of the expression (missing operator or comma?)",
        ));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    end: u32,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn end_span(&self) -> Span {
        Span::new(self.end, self.end)
    }

    fn enter(&mut self, span: Span) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep(span));
        }
        Ok(())
    }

    /// Parses an expression whose operators bind tighter than `min_precedence`; returns it with
    /// the height of its tree, which the evaluator's recursion depends on.
    fn expression(&mut self, min_precedence: u8) -> Result<(Expr, usize), ExprError> {
        let span = self.peek().map_or(self.end_span(), |t| t.span);
        self.enter(span)?;
        let (mut lhs, mut height) = self.prefix()?;
        while let Some(op) = self.peek().and_then(|t| binary_op(&t.tok)) {
            let precedence = op.precedence();
            if precedence <= min_precedence {
                break;
            }
            self.pos += 1;
            let (rhs, rhs_height) = self.expression(precedence)?;
            let span = lhs.span.to(rhs.span);
            height = height.max(rhs_height) + 1;
            if height > MAX_TREE_HEIGHT {
                return Err(too_deep(span));
            }
            lhs = Expr::new(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span);
        }
        self.depth -= 1;
        Ok((lhs, height))
    }

    fn prefix(&mut self) -> Result<(Expr, usize), ExprError> {
        let Some(token) = self.next() else {
            return Err(ExprError::new(
                "expr.syntax",
                self.end_span(),
                "式が途中で終わっています",
                "expression ends unexpectedly",
            ));
        };
        let span = token.span;
        let kind = match token.tok {
            Tok::Number(n) => ExprKind::Number(n),
            Tok::Str(s) => ExprKind::String(s),
            Tok::Ref(name) => ExprKind::Ref(name),
            Tok::Dot => ExprKind::Current,
            Tok::DotDot => ExprKind::Parent,
            Tok::Minus => {
                let (operand, height) = self.expression(UNARY_PRECEDENCE - 1)?;
                let span = span.to(operand.span);
                return Ok((
                    Expr::new(ExprKind::Neg(Box::new(operand)), span),
                    height + 1,
                ));
            }
            Tok::LParen => {
                let inner = self.expression(0)?;
                self.expect_close(span)?;
                // Parentheses only group; the tree keeps no trace of them.
                return Ok(inner);
            }
            Tok::Name(name) => {
                if self.peek().is_some_and(|t| t.tok == Tok::LParen) {
                    return self.call(name, span);
                }
                if binary_op(&Tok::Name(name.clone())).is_some() {
                    return Err(missing_operand(&name, span));
                }
                ExprKind::Prop(name)
            }
            Tok::RParen | Tok::Comma => {
                return Err(ExprError::new(
                    "expr.syntax",
                    span,
                    "値が必要な場所に ) または , があります",
                    "expected a value but found ) or ,",
                ));
            }
            other => {
                let symbol = token_text(&other);
                return Err(missing_operand(symbol, span));
            }
        };
        Ok((Expr::new(kind, span), 1))
    }

    fn call(&mut self, name: String, name_span: Span) -> Result<(Expr, usize), ExprError> {
        let Some(func) = Func::from_name(&name) else {
            let suggestion = closest_function(&name);
            let (hint_ja, hint_en) = match suggestion {
                Some(s) => (
                    format!("（{s} のことですか）"),
                    format!(" (did you mean {s}?)"),
                ),
                None => (String::new(), String::new()),
            };
            return Err(ExprError::new(
                "expr.unknown_function",
                name_span,
                format!("関数「{name}」はありません{hint_ja}"),
                format!("unknown function {name}(){hint_en}"),
            ));
        };
        let open = self.next().map_or(name_span, |t| t.span);
        let mut args = Vec::new();
        let mut height = 0;
        if self.peek().is_some_and(|t| t.tok == Tok::RParen) {
            self.pos += 1;
        } else {
            loop {
                let (arg, arg_height) = self.expression(0)?;
                height = height.max(arg_height);
                args.push(arg);
                match self.next() {
                    Some(Token {
                        tok: Tok::Comma, ..
                    }) => {}
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => break,
                    Some(token) => {
                        return Err(ExprError::new(
                            "expr.syntax",
                            token.span,
                            format!("{name}( の引数の後には , か ) が必要です"),
                            format!("expected , or ) after an argument of {name}("),
                        ));
                    }
                    None => return Err(unclosed(open, self.end_span())),
                }
            }
        }
        let close = self.tokens.get(self.pos - 1).map_or(name_span, |t| t.span);
        let span = name_span.to(close);
        let (min, max) = func.arity();
        if args.len() < min || max.is_some_and(|max| args.len() > max) {
            let expected = match max {
                Some(max) if max == min => format!("{min}"),
                Some(max) => format!("{min}〜{max}"),
                None => format!("{min} 個以上"),
            };
            let expected_en = match max {
                Some(max) if max == min => format!("{min}"),
                Some(max) => format!("{min} to {max}"),
                None => format!("at least {min}"),
            };
            return Err(ExprError::new(
                "expr.arity",
                span,
                format!(
                    "{name}() の引数は {expected} 個です（{} 個あります）",
                    args.len()
                ),
                format!(
                    "{name}() takes {expected_en} argument(s), found {}",
                    args.len()
                ),
            ));
        }
        Ok((Expr::new(ExprKind::Call(func, args), span), height + 1))
    }

    fn expect_close(&mut self, open: Span) -> Result<(), ExprError> {
        match self.next() {
            Some(Token {
                tok: Tok::RParen, ..
            }) => Ok(()),
            Some(token) => Err(ExprError::new(
                "expr.syntax",
                token.span,
                "ここには ) が必要です",
                "expected )",
            )),
            None => Err(unclosed(open, self.end_span())),
        }
    }
}

/// Highest tree the parser builds. Long chains like `${a} + ${b} + …` grow the tree without
/// nesting parentheses; this bounds them too.
const MAX_TREE_HEIGHT: usize = 160;

fn too_deep(span: Span) -> ExprError {
    ExprError::new(
        "expr.too_deep",
        span,
        format!("式の入れ子が深すぎます（{MAX_DEPTH} 段まで）"),
        format!("expression is nested too deeply (at most {MAX_DEPTH} levels)"),
    )
}

fn unclosed(open: Span, end: Span) -> ExprError {
    ExprError::new(
        "expr.unclosed_paren",
        open.to(end),
        "( が ) で閉じられていません",
        "( is not closed with )",
    )
}

fn missing_operand(symbol: &str, span: Span) -> ExprError {
    ExprError::new(
        "expr.syntax",
        span,
        format!("「{symbol}」の前に値が必要です"),
        format!("expected a value before {symbol:?}"),
    )
}

fn binary_op(tok: &Tok) -> Option<BinOp> {
    Some(match tok {
        Tok::Plus => BinOp::Add,
        Tok::Minus => BinOp::Sub,
        Tok::Star => BinOp::Mul,
        Tok::Eq => BinOp::Eq,
        Tok::Ne => BinOp::Ne,
        Tok::Lt => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Gt => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::Name(name) => match name.as_str() {
            "and" => BinOp::And,
            "or" => BinOp::Or,
            "div" => BinOp::Div,
            "mod" => BinOp::Mod,
            _ => return None,
        },
        _ => return None,
    })
}

fn token_text(tok: &Tok) -> &'static str {
    match tok {
        Tok::Plus => "+",
        Tok::Star => "*",
        Tok::Eq => "=",
        Tok::Ne => "!=",
        Tok::Lt => "<",
        Tok::Le => "<=",
        Tok::Gt => ">",
        Tok::Ge => ">=",
        _ => "?",
    }
}

fn closest_function(name: &str) -> Option<&'static str> {
    let names = Func::ALL.iter().map(|f| f.name());
    crate::definition::did_you_mean(name, names)
}
