//! Evaluates a [`Program`] against answers supplied by an [`Env`].
//!
//! Evaluation never fails on odd answers: as in XPath, an unusable value becomes `''` or
//! `NaN`. The only error is running out of the step budget, which bounds the work any
//! expression can do on any input.

use std::borrow::Cow;

use serde_json::Map;
use time::{Date, OffsetDateTime, UtcOffset};

use super::STEP_BUDGET;
use super::ast::{BinOp, Func};
use super::check::{FieldId, Node, Program, Schema, ValueKind};
use super::functions;
use super::value::{DateTimeParts, Value, format_iso_date, is_xml_space};

/// The moment of evaluation, injected: the domain never reads the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalContext {
    /// `today()`: the date in Japan.
    pub today: Date,
    /// `now()`; shown in Japan time (+09:00).
    pub now: OffsetDateTime,
}

/// Japan Standard Time; Yui's local time for dates without an offset.
pub const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

impl EvalContext {
    /// A context for the instant `now`, with `today` being that instant's date in Japan.
    pub fn at(now: OffsetDateTime) -> Self {
        let now = now.to_offset(JST);
        EvalContext {
            today: now.date(),
            now,
        }
    }

    pub(crate) fn now_text(&self) -> String {
        let now = self.now.to_offset(JST);
        format!(
            "{}T{:02}:{:02}:{:02}+09:00",
            format_iso_date(now.date()),
            now.hour(),
            now.minute(),
            now.second()
        )
    }
}

/// Why an evaluation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("expression needed more than {STEP_BUDGET} steps")]
    BudgetExceeded,
}

/// Supplies answers to the evaluator.
pub trait Env {
    /// The value of field `id` in the row given by the first `chain(id).len()` entries of
    /// `rows` (one row index per enclosing repeat, outermost first). Unanswered: `''`.
    fn value(&self, id: FieldId, rows: &[usize]) -> Value<'_>;

    /// How many rows repeat `id` has, inside the rows of its own enclosing repeats.
    fn row_count(&self, id: FieldId, rows: &[usize]) -> usize;

    /// A property of the choice being filtered (`choice_filter` only).
    fn prop(&self, _name: &str) -> Value<'_> {
        Value::EMPTY
    }
}

/// Evaluates `program` in the context row `rows` (one index per repeat enclosing the
/// program's field, outermost first).
pub fn eval<'a, E: Env + ?Sized>(
    program: &'a Program,
    env: &'a E,
    rows: &[usize],
    ctx: &EvalContext,
) -> Result<Value<'a>, EvalError> {
    let mut evaluator = Evaluator {
        env,
        rows,
        ctx,
        steps: 0,
    };
    evaluator.eval(&program.root)
}

struct Evaluator<'a, 'r, E: Env + ?Sized> {
    env: &'a E,
    rows: &'r [usize],
    ctx: &'r EvalContext,
    steps: u64,
}

impl<'a, E: Env + ?Sized> Evaluator<'a, '_, E> {
    fn charge(&mut self, units: u64) -> Result<(), EvalError> {
        self.steps += units;
        if self.steps > STEP_BUDGET {
            return Err(EvalError::BudgetExceeded);
        }
        Ok(())
    }

    fn charge_text(&mut self, text: &str) -> Result<(), EvalError> {
        self.charge(1 + text.len() as u64 / 64)
    }

    fn eval(&mut self, node: &'a Node) -> Result<Value<'a>, EvalError> {
        self.charge(1)?;
        Ok(match node {
            Node::Num(n) => Value::Num(*n),
            Node::Str(s) => Value::Str(Cow::Borrowed(s)),
            Node::Field(id) | Node::Current(id) => self.env.value(*id, self.rows),
            Node::FieldSet { id, chain, shared } => {
                let mut items = Vec::new();
                let mut prefix: Vec<usize> = self.rows.iter().take(*shared).copied().collect();
                self.collect(*id, chain, *shared, &mut prefix, &mut items)?;
                Value::Set(items)
            }
            Node::Rows { id, chain, shared } => {
                let mut prefix: Vec<usize> = self.rows.iter().take(*shared).copied().collect();
                let count = self.count_rows(*id, chain, *shared, &mut prefix)?;
                Value::Set(vec![Value::EMPTY; count])
            }
            Node::Position(depth) => {
                Value::Num(self.rows.get(*depth).map_or(f64::NAN, |&i| i as f64 + 1.0))
            }
            Node::Prop(name) => self.env.prop(name),
            Node::Neg(inner) => Value::Num(-self.eval(inner)?.to_num()),
            Node::Bin(op, a, b) => self.binary(*op, a, b)?,
            Node::Regex(subject, re) => {
                let subject = self.eval(subject)?;
                let text = subject.to_str();
                self.charge_text(&text)?;
                Value::Bool(re.is_match(&text))
            }
            Node::Call(func, args) => self.call(*func, args)?,
        })
    }

    /// Gathers field `id`'s values over all rows of `chain[level..]` under `prefix`.
    fn collect(
        &mut self,
        id: FieldId,
        chain: &[FieldId],
        level: usize,
        prefix: &mut Vec<usize>,
        items: &mut Vec<Value<'a>>,
    ) -> Result<(), EvalError> {
        if level == chain.len() {
            self.charge(1)?;
            items.push(self.env.value(id, prefix));
            return Ok(());
        }
        let rows = self.env.row_count(chain[level], prefix);
        for row in 0..rows {
            prefix.push(row);
            self.collect(id, chain, level + 1, prefix, items)?;
            prefix.pop();
        }
        Ok(())
    }

    fn count_rows(
        &mut self,
        id: FieldId,
        chain: &[FieldId],
        level: usize,
        prefix: &mut Vec<usize>,
    ) -> Result<usize, EvalError> {
        self.charge(1)?;
        if level == chain.len() {
            return Ok(self.env.row_count(id, prefix));
        }
        let mut total = 0;
        for row in 0..self.env.row_count(chain[level], prefix) {
            prefix.push(row);
            total += self.count_rows(id, chain, level + 1, prefix)?;
            prefix.pop();
        }
        Ok(total)
    }

    fn binary(&mut self, op: BinOp, a: &'a Node, b: &'a Node) -> Result<Value<'a>, EvalError> {
        Ok(match op {
            BinOp::Or => Value::Bool(self.eval(a)?.to_bool() || self.eval(b)?.to_bool()),
            BinOp::And => Value::Bool(self.eval(a)?.to_bool() && self.eval(b)?.to_bool()),
            BinOp::Eq | BinOp::Ne => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                Value::Bool(equals(&x, &y) == (op == BinOp::Eq))
            }
            _ => {
                let x = self.eval(a)?.to_num();
                let y = self.eval(b)?.to_num();
                match op {
                    BinOp::Lt => Value::Bool(x < y),
                    BinOp::Le => Value::Bool(x <= y),
                    BinOp::Gt => Value::Bool(x > y),
                    BinOp::Ge => Value::Bool(x >= y),
                    BinOp::Add => Value::Num(x + y),
                    BinOp::Sub => Value::Num(x - y),
                    BinOp::Mul => Value::Num(x * y),
                    BinOp::Div => Value::Num(x / y),
                    // Truncating remainder, as XPath and JavaScript's `%`.
                    _ => Value::Num(x % y),
                }
            }
        })
    }

    /// Evaluates the optional single argument of `string()`-like functions. The checker
    /// supplies `.` explicitly when the argument was left out.
    fn arg_or_current(&mut self, args: &'a [Node]) -> Result<Value<'a>, EvalError> {
        match args.first() {
            Some(arg) => self.eval(arg),
            None => Ok(Value::EMPTY),
        }
    }

    fn text(&mut self, node: &'a Node) -> Result<String, EvalError> {
        let value = self.eval(node)?;
        let text = value.to_str().into_owned();
        self.charge_text(&text)?;
        Ok(text)
    }

    fn num(&mut self, node: &'a Node) -> Result<f64, EvalError> {
        Ok(self.eval(node)?.to_num())
    }

    /// All values of the arguments, node-sets flattened.
    fn flatten(&mut self, args: &'a [Node]) -> Result<Vec<Value<'a>>, EvalError> {
        let mut out = Vec::new();
        for arg in args {
            match self.eval(arg)? {
                Value::Set(items) => out.extend(items),
                other => out.push(other),
            }
        }
        Ok(out)
    }

    fn call(&mut self, func: Func, args: &'a [Node]) -> Result<Value<'a>, EvalError> {
        let owned = |s: String| Value::Str(Cow::Owned(s));
        Ok(match func {
            Func::Not => Value::Bool(!self.eval(&args[0])?.to_bool()),
            Func::True => Value::Bool(true),
            Func::False => Value::Bool(false),
            Func::Boolean => Value::Bool(self.eval(&args[0])?.to_bool()),
            Func::BooleanFromString => {
                let text = self.text(&args[0])?;
                let t = text.trim_matches(is_xml_space);
                Value::Bool(t.eq_ignore_ascii_case("true") || t == "1")
            }
            Func::If => {
                if self.eval(&args[0])?.to_bool() {
                    self.eval(&args[1])?
                } else {
                    self.eval(&args[2])?
                }
            }
            Func::Coalesce => {
                for arg in args {
                    let value = self.eval(arg)?;
                    if !value.to_str().is_empty() {
                        return Ok(value);
                    }
                }
                Value::EMPTY
            }
            Func::Selected => {
                let list = self.text(&args[0])?;
                let wanted = self.text(&args[1])?;
                let wanted = wanted.trim_matches(is_xml_space);
                Value::Bool(functions::tokens(&list).any(|t| t == wanted))
            }
            Func::CountSelected => {
                let list = self.text(&args[0])?;
                Value::Num(functions::tokens(&list).count() as f64)
            }
            Func::SelectedAt => {
                let list = self.text(&args[0])?;
                let index = self.num(&args[1])?;
                let item = functions::index(index)
                    .and_then(|i| functions::tokens(&list).nth(i))
                    .unwrap_or("");
                owned(item.to_owned())
            }
            Func::Regex => Value::Bool(false),
            Func::Contains => {
                let (a, b) = (self.text(&args[0])?, self.text(&args[1])?);
                Value::Bool(a.contains(b.as_str()))
            }
            Func::StartsWith => {
                let (a, b) = (self.text(&args[0])?, self.text(&args[1])?);
                Value::Bool(a.starts_with(b.as_str()))
            }
            Func::EndsWith => {
                let (a, b) = (self.text(&args[0])?, self.text(&args[1])?);
                Value::Bool(a.ends_with(b.as_str()))
            }
            Func::StringLength => {
                let value = self.arg_or_current(args)?;
                Value::Num(value.to_str().chars().count() as f64)
            }
            Func::Concat => {
                let mut out = String::new();
                for arg in args {
                    let value = self.eval(arg)?;
                    out.push_str(&value.to_str());
                    self.charge_text(&out)?;
                }
                owned(out)
            }
            Func::Substr => {
                let text = self.text(&args[0])?;
                let start = self.num(&args[1])?;
                let end = match args.get(2) {
                    Some(arg) => Some(self.num(arg)?),
                    None => None,
                };
                owned(functions::substr(&text, start, end))
            }
            Func::SubstringBefore => {
                let (a, b) = (self.text(&args[0])?, self.text(&args[1])?);
                owned(functions::substring_before(&a, &b).to_owned())
            }
            Func::SubstringAfter => {
                let (a, b) = (self.text(&args[0])?, self.text(&args[1])?);
                owned(functions::substring_after(&a, &b).to_owned())
            }
            Func::Translate => {
                let text = self.text(&args[0])?;
                let from = self.text(&args[1])?;
                let to = self.text(&args[2])?;
                owned(functions::translate(&text, &from, &to))
            }
            Func::NormalizeSpace => {
                let value = self.arg_or_current(args)?;
                let text = value.to_str();
                self.charge_text(&text)?;
                owned(functions::normalize_space(&text))
            }
            Func::String => {
                let value = self.arg_or_current(args)?;
                owned(value.to_str().into_owned())
            }
            Func::Number => Value::Num(self.arg_or_current(args)?.to_num()),
            Func::Today => owned(format_iso_date(self.ctx.today)),
            Func::Now => owned(self.ctx.now_text()),
            Func::Date => {
                let value = self.eval(&args[0])?;
                owned(
                    functions::to_date(&value)
                        .map(format_iso_date)
                        .unwrap_or_default(),
                )
            }
            Func::DecimalDateTime => Value::Num(self.eval(&args[0])?.to_num()),
            Func::FormatDate | Func::FormatDateTime => {
                let value = self.eval(&args[0])?;
                let format = self.text(&args[1])?;
                let parts = match &value {
                    Value::Str(s) => DateTimeParts::parse(s.trim_matches(is_xml_space)),
                    other => DateTimeParts::from_days(other.to_num()),
                };
                owned(
                    parts
                        .map(|p| functions::format_date(&p, &format))
                        .unwrap_or_default(),
                )
            }
            Func::Round => {
                let x = self.num(&args[0])?;
                let places = match args.get(1) {
                    Some(arg) => self.num(arg)?,
                    None => 0.0,
                };
                Value::Num(functions::round(x, places))
            }
            Func::Int => Value::Num(self.num(&args[0])?.trunc()),
            Func::Floor => Value::Num(self.num(&args[0])?.floor()),
            Func::Ceiling => Value::Num(self.num(&args[0])?.ceil()),
            Func::Abs => Value::Num(self.num(&args[0])?.abs()),
            Func::Pow => {
                let (base, exponent) = (self.num(&args[0])?, self.num(&args[1])?);
                Value::Num(functions::pow(base, exponent))
            }
            Func::Min | Func::Max => {
                let items = self.flatten(args)?;
                Value::Num(functions::extreme(&items, func == Func::Max))
            }
            Func::Sum => {
                let items = self.flatten(args)?;
                Value::Num(items.iter().map(Value::to_num).sum())
            }
            Func::Count => {
                let items = self.flatten(args)?;
                Value::Num(items.len() as f64)
            }
            Func::CountNonEmpty => {
                let items = self.flatten(args)?;
                Value::Num(items.iter().filter(|v| !v.to_str().is_empty()).count() as f64)
            }
            Func::Join => {
                let separator = self.text(&args[0])?;
                let items = self.flatten(&args[1..])?;
                let mut out = String::new();
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&separator);
                    }
                    out.push_str(&item.to_str());
                    self.charge_text(&out)?;
                }
                owned(out)
            }
            Func::Position => Value::Num(self.rows.last().map_or(f64::NAN, |&i| i as f64 + 1.0)),
        })
    }
}

/// XPath 1.0 `=` for single values: booleans if either is boolean, else numbers if either is a
/// number, else strings.
pub(crate) fn equals(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Bool(_), _) | (_, Value::Bool(_)) => a.to_bool() == b.to_bool(),
        (Value::Num(_), _) | (_, Value::Num(_)) => a.to_num() == b.to_num(),
        _ => a.to_str() == b.to_str(),
    }
}

/// An [`Env`] over normalised answers held as JSON: one object keyed by field name, repeats as
/// arrays of such objects. Used by the form evaluator and by the shared case table.
#[derive(Debug, Clone, Copy)]
pub struct JsonEnv<'a> {
    pub schema: &'a Schema,
    pub answers: &'a Map<String, serde_json::Value>,
    /// The choice being filtered, for bare names in `choice_filter`.
    pub item: Option<&'a Map<String, serde_json::Value>>,
}

impl<'a> JsonEnv<'a> {
    pub fn new(schema: &'a Schema, answers: &'a Map<String, serde_json::Value>) -> Self {
        JsonEnv {
            schema,
            answers,
            item: None,
        }
    }

    /// The answers object of the row `rows` of the repeats `chain`.
    fn row(&self, chain: &[FieldId], rows: &[usize]) -> Option<&'a Map<String, serde_json::Value>> {
        let mut map = self.answers;
        for (&repeat, &row) in chain.iter().zip(rows) {
            let name = &self.schema.field(repeat).name;
            map = map.get(name)?.as_array()?.get(row)?.as_object()?;
        }
        Some(map)
    }
}

impl Env for JsonEnv<'_> {
    fn value(&self, id: FieldId, rows: &[usize]) -> Value<'_> {
        let chain = self.schema.chain(id);
        if rows.len() < chain.len() {
            return Value::EMPTY;
        }
        let field = self.schema.field(id);
        self.row(chain, rows)
            .and_then(|map| map.get(&field.name))
            .map_or(Value::EMPTY, |json| json_value(field.kind, json))
    }

    fn row_count(&self, id: FieldId, rows: &[usize]) -> usize {
        let chain = self.schema.chain(id);
        if rows.len() < chain.len() {
            return 0;
        }
        let name = &self.schema.field(id).name;
        self.row(chain, rows)
            .and_then(|map| map.get(name))
            .and_then(serde_json::Value::as_array)
            .map_or(0, Vec::len)
    }

    fn prop(&self, name: &str) -> Value<'_> {
        self.item
            .and_then(|item| item.get(name))
            .map_or(Value::EMPTY, |json| json_value(ValueKind::Text, json))
    }
}

/// How a normalised answer reads in an expression.
pub(crate) fn json_value(kind: ValueKind, json: &serde_json::Value) -> Value<'_> {
    use serde_json::Value as J;
    match json {
        J::Null => Value::EMPTY,
        J::String(s) => Value::Str(Cow::Borrowed(s)),
        J::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
        J::Bool(b) if kind == ValueKind::YesNo => {
            Value::Str(Cow::Borrowed(if *b { "yes" } else { "no" }))
        }
        J::Bool(b) => Value::Bool(*b),
        J::Array(items) => {
            let parts: Vec<Cow<'_, str>> = items
                .iter()
                .map(|item| match item {
                    J::String(s) => Cow::Borrowed(s.as_str()),
                    J::Number(n) => {
                        Cow::Owned(super::value::format_number(n.as_f64().unwrap_or(f64::NAN)))
                    }
                    _ => Cow::Borrowed(""),
                })
                .filter(|s| !s.is_empty())
                .collect();
            Value::Str(Cow::Owned(parts.join(" ")))
        }
        J::Object(map) => {
            let keys: &[&str] = match kind {
                ValueKind::PersonName => &["family", "given"],
                ValueKind::Address => &["postal_code", "address", "building"],
                ValueKind::Geopoint => &["lat", "lon"],
                ValueKind::File => &["name"],
                _ => &[],
            };
            let parts: Vec<String> = keys
                .iter()
                .filter_map(|k| match map.get(*k) {
                    Some(J::String(s)) if !s.is_empty() => Some(s.clone()),
                    Some(J::Number(n)) => {
                        Some(super::value::format_number(n.as_f64().unwrap_or(f64::NAN)))
                    }
                    _ => None,
                })
                .collect();
            Value::Str(Cow::Owned(parts.join(" ")))
        }
    }
}
