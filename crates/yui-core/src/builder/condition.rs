//! The guided condition editor: rows of field / operator / value joined by "and" or "or",
//! turned into an XLSForm expression (`${a} = 'yes' and ${b} > 3`), and an expression read
//! back into rows when it has that shape. Anything else stays an expression for the box.

use yui_domain::definition::{AppDefinition, Field, FieldType};
use yui_domain::expr::{BinOp, Expr, ExprKind, Func, format_number, parse};

use super::edit::find;
use crate::error::CoreError;

/// What a row tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// A choice of a multiple-choice question is ticked.
    Selected,
    NotSelected,
    /// Any answer was given.
    Answered,
    Unanswered,
}

impl Op {
    pub const ALL: [Op; 10] = [
        Op::Eq,
        Op::Ne,
        Op::Gt,
        Op::Ge,
        Op::Lt,
        Op::Le,
        Op::Selected,
        Op::NotSelected,
        Op::Answered,
        Op::Unanswered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Selected => "selected",
            Op::NotSelected => "not_selected",
            Op::Answered => "answered",
            Op::Unanswered => "unanswered",
        }
    }

    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether the row needs a value.
    pub fn takes_value(self) -> bool {
        !matches!(self, Op::Answered | Op::Unanswered)
    }

    fn binop(self) -> Option<BinOp> {
        match self {
            Op::Eq => Some(BinOp::Eq),
            Op::Ne => Some(BinOp::Ne),
            Op::Gt => Some(BinOp::Gt),
            Op::Ge => Some(BinOp::Ge),
            Op::Lt => Some(BinOp::Lt),
            Op::Le => Some(BinOp::Le),
            _ => None,
        }
    }
}

/// One row: `field` `op` `value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub field: String,
    pub op: Op,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub join: Join,
    pub rows: Vec<Row>,
}

fn row_problem(n: usize, ja: &str, en: &str) -> CoreError {
    CoreError::invalid(
        &format!("row-{}-value", n.saturating_sub(1)),
        "builder.condition_row",
        format!("{n}行目：{ja}"),
        format!("Row {n}: {en}"),
    )
}

/// A string literal in whichever quotes the text does not contain.
fn quote(value: &str) -> Option<String> {
    if !value.contains('\'') {
        Some(format!("'{value}'"))
    } else if !value.contains('"') {
        Some(format!("\"{value}\""))
    } else {
        None
    }
}

/// The choice code a builder meant: the code itself, or the code of a choice with that label.
fn choice_code(def: &AppDefinition, field: &Field, value: &str) -> String {
    let list = field.choices.as_ref().and_then(|l| def.choices.get(l));
    match list {
        Some(list) if !list.iter().any(|c| c.name == value) => list
            .iter()
            .find(|c| c.label.ja == value || c.label.en.as_deref() == Some(value))
            .map_or_else(|| value.to_owned(), |c| c.name.clone()),
        _ => value.to_owned(),
    }
}

/// The expression of a row set. Rows without a field are skipped; no rows gives `None`.
pub fn to_expression(
    def: &AppDefinition,
    condition: &Condition,
) -> Result<Option<String>, CoreError> {
    let mut parts = Vec::new();
    for (i, row) in condition.rows.iter().enumerate() {
        let n = i + 1;
        if row.field.is_empty() {
            continue;
        }
        let field = find(&def.fields, &row.field).ok_or_else(|| {
            row_problem(n, "その質問はありません。", "there is no such question.")
        })?;
        let value = row.value.trim();
        if row.op.takes_value() && value.is_empty() {
            return Err(row_problem(n, "値を入力してください。", "enter a value."));
        }
        let r = format!("${{{}}}", field.name);
        let literal = || -> Result<String, CoreError> {
            match field.field_type {
                FieldType::Integer | FieldType::Decimal | FieldType::Calculate
                    if value.parse::<f64>().is_ok_and(f64::is_finite) =>
                {
                    Ok(value.to_owned())
                }
                FieldType::Integer | FieldType::Decimal => Err(row_problem(
                    n,
                    "数値を入力してください。",
                    "enter a number.",
                )),
                FieldType::YesNo | FieldType::Consent => match value {
                    "はい" | "yes" => Ok("'yes'".to_owned()),
                    "いいえ" | "no" => Ok("'no'".to_owned()),
                    _ => Err(row_problem(
                        n,
                        "「はい」か「いいえ」を入力してください。",
                        "enter yes or no.",
                    )),
                },
                t if t.is_select() => quote(&choice_code(def, field, value)).ok_or_else(|| {
                    row_problem(
                        n,
                        "値に ' と \" の両方は使えません。",
                        "a value cannot hold both ' and \".",
                    )
                }),
                _ => quote(value).ok_or_else(|| {
                    row_problem(
                        n,
                        "値に ' と \" の両方は使えません。",
                        "a value cannot hold both ' and \".",
                    )
                }),
            }
        };
        let part = match row.op {
            Op::Answered => format!("{r} != ''"),
            Op::Unanswered => format!("{r} = ''"),
            Op::Selected => format!("selected({r}, {})", literal()?),
            Op::NotSelected => format!("not(selected({r}, {}))", literal()?),
            op => format!(
                "{r} {} {}",
                op.binop().map_or("=", BinOp::symbol),
                literal()?
            ),
        };
        parts.push(part);
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let join = match condition.join {
        Join::And => " and ",
        Join::Or => " or ",
    };
    Ok(Some(parts.join(join)))
}

/// Reads an expression back into rows, when it is rows of the editor's kinds joined by only
/// "and" or only "or".
pub fn from_expression(def: &AppDefinition, text: &str) -> Option<Condition> {
    let tree = parse(text).ok()?;
    let mut leaves = Vec::new();
    let join = match &tree.kind {
        ExprKind::Binary(BinOp::Or, _, _) => Join::Or,
        _ => Join::And,
    };
    let op = match join {
        Join::And => BinOp::And,
        Join::Or => BinOp::Or,
    };
    flatten(&tree, op, &mut leaves);
    let rows = leaves
        .into_iter()
        .map(|leaf| row_of(def, leaf))
        .collect::<Option<Vec<_>>>()?;
    Some(Condition { join, rows })
}

fn flatten<'a>(e: &'a Expr, op: BinOp, out: &mut Vec<&'a Expr>) {
    match &e.kind {
        ExprKind::Binary(o, a, b) if *o == op => {
            flatten(a, op, out);
            flatten(b, op, out);
        }
        _ => out.push(e),
    }
}

fn label_of(def: &AppDefinition, field: &Field, code: &str) -> String {
    field
        .choices
        .as_ref()
        .and_then(|l| def.choices.get(l))
        .and_then(|list| list.iter().find(|c| c.name == code))
        .map_or_else(|| code.to_owned(), |c| c.label.ja.clone())
}

fn value_of(def: &AppDefinition, field: &Field, e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::String(s) if field.field_type.is_select() => Some(label_of(def, field, s)),
        ExprKind::String(s)
            if matches!(field.field_type, FieldType::YesNo | FieldType::Consent) =>
        {
            Some(match s.as_str() {
                "yes" => "はい".to_owned(),
                "no" => "いいえ".to_owned(),
                other => other.to_owned(),
            })
        }
        ExprKind::String(s) => Some(s.clone()),
        ExprKind::Number(n) => Some(format_number(*n)),
        _ => None,
    }
}

fn row_of(def: &AppDefinition, e: &Expr) -> Option<Row> {
    let field_of = |name: &str| find(&def.fields, name);
    match &e.kind {
        ExprKind::Binary(op, a, b) => {
            let ExprKind::Ref(name) = &a.kind else {
                return None;
            };
            let field = field_of(name)?;
            let op = Op::ALL.into_iter().find(|o| o.binop() == Some(*op))?;
            if let ExprKind::String(s) = &b.kind
                && s.is_empty()
            {
                return match op {
                    Op::Ne => Some(Row {
                        field: name.clone(),
                        op: Op::Answered,
                        value: String::new(),
                    }),
                    Op::Eq => Some(Row {
                        field: name.clone(),
                        op: Op::Unanswered,
                        value: String::new(),
                    }),
                    _ => None,
                };
            }
            Some(Row {
                field: name.clone(),
                op,
                value: value_of(def, field, b)?,
            })
        }
        ExprKind::Call(Func::Selected, args) => selected_row(def, args, Op::Selected),
        ExprKind::Call(Func::Not, args) => match args.as_slice() {
            [
                Expr {
                    kind: ExprKind::Call(Func::Selected, inner),
                    ..
                },
            ] => selected_row(def, inner, Op::NotSelected),
            _ => None,
        },
        _ => None,
    }
}

fn selected_row(def: &AppDefinition, args: &[Expr], op: Op) -> Option<Row> {
    let [a, b] = args else { return None };
    let ExprKind::Ref(name) = &a.kind else {
        return None;
    };
    let field = find(&def.fields, name)?;
    Some(Row {
        field: name.clone(),
        op,
        value: value_of(def, field, b)?,
    })
}
