//! Evaluates a submission against a form, in three passes:
//!
//! 1. **normalise**: every raw answer becomes its type's normalised value, or a violation;
//!    repeats become arrays of row objects (capped);
//! 2. **compute**: in the form's evaluation order, relevance and calculations are worked out
//!    row by row; an irrelevant field's answer is dropped at once, so nothing after it can
//!    read it (ODK semantics);
//! 3. **check**: in document order, each relevant field gets its violations (required,
//!    constraint, filtered choices, repeat counts) and its state for rendering.
//!
//! Nothing here panics on any JSON, and every expression runs under the step budget.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::normalize::normalize;
use super::violation::{ValidationReport, Violation};
use crate::definition::{Cond, DefaultLogic, FieldType, Form, FormField, MAX_REPEAT_ROWS};
use crate::expr::{self, EvalContext, FieldId, JsonEnv, Program, Schema};

/// What a page needs to render one field: whether it is shown, required and read-only, its
/// normalised value and its violations.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldState {
    pub relevant: bool,
    pub required: bool,
    pub read_only: bool,
    pub value: Option<Value>,
    pub violations: Vec<Violation>,
}

/// The outcome of evaluating one submission.
#[derive(Debug, Clone)]
pub struct Evaluation {
    answers: Map<String, Value>,
    records: Vec<Record>,
    /// Names and repeat nesting of the form's fields, to spell paths only when asked.
    schema: Arc<Schema>,
    valid: bool,
}

#[derive(Debug, Clone)]
struct Record {
    /// `None` for the submission as a whole.
    field: Option<FieldId>,
    rows: Vec<usize>,
    relevant: bool,
    required: bool,
    read_only: bool,
    violations: Vec<Violation>,
}

impl Evaluation {
    /// The normalised answers of relevant fields, calculations included: one object keyed
    /// by field name, repeats as arrays of such objects. Empty answers are left out.
    pub fn answers(&self) -> &Map<String, Value> {
        &self.answers
    }

    pub fn into_answers(self) -> Map<String, Value> {
        self.answers
    }

    /// Whether no relevant field has a violation.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Every violation, by field path (`child_age`, `children[0].age`).
    pub fn report(&self) -> ValidationReport {
        let mut report = ValidationReport::default();
        for record in &self.records {
            if !record.violations.is_empty() {
                report
                    .violations
                    .entry(self.path(record))
                    .or_default()
                    .extend(record.violations.iter().cloned());
            }
        }
        report
    }

    /// The state of the field at `path` (`name`, `children[1].age`); `None` for paths that
    /// do not exist in this submission (unknown fields, rows not given, rows of an
    /// irrelevant repeat).
    pub fn field(&self, path: &str) -> Option<FieldState> {
        let (name, rows) = parse_path(path)?;
        let id = self.schema.id(name)?;
        let record = self
            .records
            .iter()
            .find(|r| r.field == Some(id) && r.rows == rows)?;
        Some(self.state(record))
    }

    /// All fields of this submission in document order (rows of repeats included), with
    /// their paths and states.
    pub fn fields(&self) -> impl Iterator<Item = (String, FieldState)> + '_ {
        self.records
            .iter()
            .filter(|r| r.field.is_some())
            .map(|r| (self.path(r), self.state(r)))
    }

    fn state(&self, record: &Record) -> FieldState {
        FieldState {
            relevant: record.relevant,
            required: record.required,
            read_only: record.read_only,
            value: value_at(&self.answers, &self.path(record)).cloned(),
            violations: record.violations.clone(),
        }
    }

    /// `children[0].age`: the enclosing repeats with their row indexes, then the name.
    fn path(&self, record: &Record) -> String {
        let Some(id) = record.field else {
            return String::new();
        };
        let mut path = String::new();
        for (&repeat, row) in self.schema.chain(id).iter().zip(&record.rows) {
            path.push_str(&self.schema.field(repeat).name);
            path.push('[');
            path.push_str(&row.to_string());
            path.push_str("].");
        }
        path.push_str(&self.schema.field(id).name);
        path
    }
}

/// Splits `a[1].b[0].c` into its repeat steps (`a`, 1), (`b`, 0) and the name `c`. Names may
/// contain `.` but never `[`, so only `[n].` separates steps.
fn split_path(path: &str) -> Option<(Vec<(&str, usize)>, &str)> {
    let mut steps = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        let close = open + rest[open..].find(']')?;
        steps.push((&rest[..open], rest[open + 1..close].parse().ok()?));
        rest = rest[close + 1..].strip_prefix('.')?;
    }
    Some((steps, rest))
}

/// `a[1].b[0].c` → (`c`, `[1, 0]`).
fn parse_path(path: &str) -> Option<(&str, Vec<usize>)> {
    let (steps, name) = split_path(path)?;
    Some((name, steps.into_iter().map(|(_, row)| row).collect()))
}

/// The value at `a[1].b` in an answers object.
fn value_at<'a>(answers: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let (steps, name) = split_path(path)?;
    let mut map = answers;
    for (repeat, row) in steps {
        map = map.get(repeat)?.as_array()?.get(row)?.as_object()?;
    }
    map.get(name)
}

type RowKey = (FieldId, Vec<usize>);

/// The single row path of top-level fields.
const TOP: &[Vec<usize>] = &[Vec::new()];

/// Relevance per field and row: dense for top-level fields (most of a form), hashed for rows
/// of repeats.
struct Relevance {
    top: Vec<Option<bool>>,
    rows: HashMap<FieldId, HashMap<Vec<usize>, bool>>,
}

impl Relevance {
    fn get(&self, id: FieldId, rows: &[usize]) -> bool {
        if rows.is_empty() {
            return self.top.get(id).copied().flatten().unwrap_or(false);
        }
        self.rows
            .get(&id)
            .and_then(|m| m.get(rows))
            .copied()
            .unwrap_or(false)
    }

    fn set(&mut self, id: FieldId, rows: &[usize], relevant: bool) {
        if rows.is_empty() {
            if let Some(slot) = self.top.get_mut(id) {
                *slot = Some(relevant);
            }
        } else {
            self.rows
                .entry(id)
                .or_default()
                .insert(rows.to_vec(), relevant);
        }
    }
}

struct Engine<'f, 'c> {
    form: &'f Form,
    ctx: &'c EvalContext,
    tree: Map<String, Value>,
    input_errors: HashMap<RowKey, Violation>,
    relevance: Relevance,
    logic_errors: HashMap<RowKey, Violation>,
}

impl Form {
    /// Validates one submission: normalises the raw answers (strings from web forms, typed
    /// JSON from the API), works out relevance and calculations, and checks every relevant
    /// answer. Never panics; work is bounded for any input.
    pub fn evaluate(&self, raw: &Value, ctx: &EvalContext) -> Evaluation {
        let mut engine = Engine {
            form: self,
            ctx,
            tree: Map::new(),
            input_errors: HashMap::new(),
            relevance: Relevance {
                top: vec![None; self.fields.len()],
                rows: HashMap::new(),
            },
            logic_errors: HashMap::new(),
        };
        let empty = Map::new();
        let mut records = Vec::new();
        let raw_map = match raw {
            Value::Object(map) => map,
            Value::Null => &empty,
            _ => {
                records.push(Record {
                    field: None,
                    rows: Vec::new(),
                    relevant: true,
                    required: false,
                    read_only: false,
                    violations: vec![Violation::new(
                        "answers.invalid",
                        "回答の形式が正しくありません",
                        "The answers are not an object keyed by field name",
                    )],
                });
                &empty
            }
        };
        engine.tree = engine.normalize_level(0, raw_map, &mut Vec::new());
        engine.compute();
        engine.check(&mut records);
        let valid = records.iter().all(|r| r.violations.is_empty());
        Evaluation {
            answers: engine.tree,
            records,
            schema: Arc::clone(&self.schema),
            valid,
        }
    }

    /// The answers a new, empty form starts with: the defaults of top-level fields.
    pub fn initial_answers(&self, ctx: &EvalContext) -> Map<String, Value> {
        let mut answers = Map::new();
        for field in self.fields.iter().filter(|f| f.repeat.is_none()) {
            let value = match &field.logic.default {
                Some(DefaultLogic::Value(v)) => Some(v.clone()),
                Some(DefaultLogic::Expr(program)) => {
                    let env = JsonEnv::new(&self.schema, &answers);
                    expr::eval(program, &env, &[], ctx)
                        .ok()
                        .map(|v| v.to_json())
                        .and_then(|json| normalize(field, &json).ok().flatten())
                }
                None => None,
            };
            if let Some(value) = value {
                answers.insert(field.name.clone(), value);
            }
        }
        answers
    }
}

impl Engine<'_, '_> {
    fn normalize_level(
        &mut self,
        level: usize,
        raw: &Map<String, Value>,
        rows: &mut Vec<usize>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        let form = self.form;
        for &id in &form.levels[level].members {
            let field = &form.fields[id];
            let Some(raw_value) = raw.get(&field.name) else {
                continue;
            };
            match field.field_type {
                FieldType::Repeat => {
                    let items = match raw_value {
                        Value::Array(items) => items,
                        Value::Null => continue,
                        Value::String(s) if s.trim().is_empty() => continue,
                        _ => {
                            self.input_errors.insert(
                                (id, rows.clone()),
                                Violation::new(
                                    "repeat.invalid",
                                    "繰り返しの回答の形式が正しくありません",
                                    "The answers of this repeat are not a list",
                                ),
                            );
                            continue;
                        }
                    };
                    let own_level = field.own_level.unwrap_or(0);
                    let cap = MAX_REPEAT_ROWS as usize;
                    if items.len() > cap {
                        self.input_errors.insert(
                            (id, rows.clone()),
                            Violation::too_many_rows(max_rows(field)),
                        );
                    }
                    let mut out_rows = Vec::with_capacity(items.len().min(cap));
                    for (i, item) in items.iter().take(cap).enumerate() {
                        rows.push(i);
                        let row = match item {
                            Value::Object(map) => self.normalize_level(own_level, map, rows),
                            _ => Map::new(),
                        };
                        rows.pop();
                        out_rows.push(Value::Object(row));
                    }
                    if !out_rows.is_empty() {
                        out.insert(field.name.clone(), Value::Array(out_rows));
                    }
                }
                FieldType::Calculate | FieldType::Note | FieldType::Group => {}
                _ => {
                    if matches!(field.logic.read_only, Cond::Always) {
                        continue;
                    }
                    match normalize(field, raw_value) {
                        Ok(Some(value)) => {
                            out.insert(field.name.clone(), value);
                        }
                        Ok(None) => {}
                        Err(violation) => {
                            self.input_errors.insert((id, rows.clone()), violation);
                        }
                    }
                }
            }
        }
        out
    }

    /// All row paths of the rows that hold fields of `chain`'s innermost repeat.
    fn row_paths(&self, chain: &[FieldId]) -> Vec<Vec<usize>> {
        let mut paths = vec![Vec::new()];
        for (depth, &repeat) in chain.iter().enumerate() {
            let mut next = Vec::new();
            for path in &paths {
                let count = self.row_map(&chain[..depth], path).map_or(0, |map| {
                    map.get(&self.form.fields[repeat].name)
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                });
                for row in 0..count {
                    let mut extended = path.clone();
                    extended.push(row);
                    next.push(extended);
                }
            }
            paths = next;
        }
        paths
    }

    fn row_map(&self, chain: &[FieldId], rows: &[usize]) -> Option<&Map<String, Value>> {
        let mut map = &self.tree;
        for (&repeat, &row) in chain.iter().zip(rows) {
            map = map
                .get(&self.form.fields[repeat].name)?
                .as_array()?
                .get(row)?
                .as_object()?;
        }
        Some(map)
    }

    fn row_map_mut(
        &mut self,
        chain: &[FieldId],
        rows: &[usize],
    ) -> Option<&mut Map<String, Value>> {
        let fields = &self.form.fields;
        let mut map = &mut self.tree;
        for (&repeat, &row) in chain.iter().zip(rows) {
            map = map
                .get_mut(&fields[repeat].name)?
                .as_array_mut()?
                .get_mut(row)?
                .as_object_mut()?;
        }
        Some(map)
    }

    fn set(&mut self, field: &FormField, rows: &[usize], value: Option<Value>) {
        let chain = self.form.schema.chain(field.id);
        if let Some(map) = self.row_map_mut(chain, rows) {
            match value {
                Some(value) => {
                    map.insert(field.name.clone(), value);
                }
                None => {
                    map.remove(&field.name);
                }
            }
        }
    }

    fn get(&self, field: &FormField, rows: &[usize]) -> Option<&Value> {
        let chain = self.form.schema.chain(field.id);
        self.row_map(chain, rows)?.get(&field.name)
    }

    /// Runs a program; a program out of budget gives `None` and marks the field.
    fn run(&mut self, program: &Program, field: FieldId, rows: &[usize]) -> Option<Value> {
        let env = JsonEnv::new(&self.form.schema, &self.tree);
        match expr::eval(program, &env, rows, self.ctx) {
            Ok(value) => Some(json_of(&value)),
            Err(_) => {
                self.logic_errors
                    .insert((field, rows.to_vec()), Violation::logic_too_complex());
                None
            }
        }
    }

    fn truth(&mut self, program: &Program, field: FieldId, rows: &[usize]) -> bool {
        let env = JsonEnv::new(&self.form.schema, &self.tree);
        match expr::eval(program, &env, rows, self.ctx) {
            Ok(value) => value.to_bool(),
            Err(_) => {
                self.logic_errors
                    .insert((field, rows.to_vec()), Violation::logic_too_complex());
                false
            }
        }
    }

    fn cond(&mut self, cond: &Cond, field: FieldId, rows: &[usize]) -> bool {
        match cond {
            Cond::Never => false,
            Cond::Always => true,
            Cond::When(program) => self.truth(program, field, rows),
        }
    }

    fn parent_relevant(&self, field: &FormField, rows: &[usize]) -> bool {
        let Some(parent) = field.parent else {
            return true;
        };
        let depth = self.form.schema.chain(parent).len();
        self.relevance.get(parent, &rows[..depth.min(rows.len())])
    }

    /// Row paths of `chain`, without allocating for top-level fields.
    fn rows_of(&self, chain: &[FieldId]) -> Cow<'static, [Vec<usize>]> {
        if chain.is_empty() {
            Cow::Borrowed(TOP)
        } else {
            Cow::Owned(self.row_paths(chain))
        }
    }

    /// Pass 2: relevance and values, in evaluation order.
    fn compute(&mut self) {
        let form = self.form;
        for &id in &form.order {
            let field = &form.fields[id];
            let chain = form.schema.chain(id);
            for rows in self.rows_of(chain).iter() {
                let rows = rows.as_slice();
                let relevant = self.parent_relevant(field, rows)
                    && match &field.logic.relevant {
                        None => true,
                        Some(program) => self.truth(program, id, rows),
                    };
                self.relevance.set(id, rows, relevant);
                if !relevant {
                    if field.field_type != FieldType::Group {
                        self.set(field, rows, None);
                    }
                    continue;
                }
                if let Some(program) = &field.logic.calculation {
                    let value = self.run(program, id, rows).filter(|v| !is_empty_json(v));
                    self.set(field, rows, value);
                } else if field.field_type.is_input() && self.cond(&field.logic.read_only, id, rows)
                {
                    let value = self.default_value(field, rows);
                    self.set(field, rows, value);
                }
            }
        }
    }

    fn default_value(&mut self, field: &FormField, rows: &[usize]) -> Option<Value> {
        match &field.logic.default {
            Some(DefaultLogic::Value(v)) => Some(v.clone()),
            Some(DefaultLogic::Expr(program)) => {
                let json = self.run(program, field.id, rows)?;
                normalize(field, &json).ok().flatten()
            }
            None => None,
        }
    }

    /// Pass 3: violations and states, in document order.
    fn check(&mut self, records: &mut Vec<Record>) {
        let form = self.form;
        for field in &form.fields {
            let id = field.id;
            let chain = form.schema.chain(id);
            for rows in self.rows_of(chain).iter() {
                let rows = rows.as_slice();
                if !self.relevance.get(id, rows) {
                    records.push(Record {
                        field: Some(id),
                        rows: rows.to_vec(),
                        relevant: false,
                        required: false,
                        read_only: false,
                        violations: Vec::new(),
                    });
                    continue;
                }
                let mut violations = Vec::new();
                let mut required = false;
                let mut read_only = false;
                let input_error = if self.input_errors.is_empty() {
                    None
                } else {
                    self.input_errors.remove(&(id, rows.to_vec()))
                };
                match field.field_type {
                    FieldType::Repeat => {
                        if let Some(v) = input_error {
                            violations.push(v);
                        } else {
                            let count = self
                                .get(field, rows)
                                .and_then(Value::as_array)
                                .map_or(0, Vec::len);
                            let min = field.definition.min_count.unwrap_or(0);
                            if count < min as usize {
                                violations.push(Violation::too_few_rows(min));
                            } else if count > max_rows(field) as usize {
                                violations.push(Violation::too_many_rows(max_rows(field)));
                            }
                        }
                    }
                    FieldType::Group | FieldType::Note | FieldType::Calculate => {}
                    _ => {
                        required = self.cond(&field.logic.required, id, rows);
                        read_only = self.cond(&field.logic.read_only, id, rows);
                        if let Some(v) = input_error {
                            violations.push(v);
                        } else {
                            self.check_answer(field, rows, required, &mut violations);
                        }
                    }
                }
                if !self.logic_errors.is_empty()
                    && let Some(v) = self.logic_errors.remove(&(id, rows.to_vec()))
                {
                    violations.push(v);
                }
                records.push(Record {
                    field: Some(id),
                    rows: rows.to_vec(),
                    relevant: true,
                    required,
                    read_only,
                    violations,
                });
            }
        }
    }

    fn check_answer(
        &mut self,
        field: &FormField,
        rows: &[usize],
        required: bool,
        violations: &mut Vec<Violation>,
    ) {
        let id = field.id;
        let Some(value) = self.get(field, rows).cloned() else {
            if field.field_type == FieldType::Consent {
                violations.push(Violation::consent());
            } else if required {
                violations.push(Violation::required(
                    field.definition.required_message.as_ref(),
                ));
            }
            return;
        };
        if let Some(program) = &field.logic.constraint
            && !self.truth(program, id, rows)
        {
            violations.push(Violation::constraint(
                field.definition.constraint_message.as_ref(),
            ));
        }
        if let (Some(program), Some(set)) = (&field.logic.choice_filter, &field.choices) {
            let chosen: Vec<&str> = match &value {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for name in chosen {
                let Some(&position) = set.index.get(name) else {
                    continue;
                };
                let env = JsonEnv {
                    schema: &self.form.schema,
                    answers: &self.tree,
                    item: set.objects.get(position),
                };
                let shown = match expr::eval(program, &env, rows, self.ctx) {
                    Ok(v) => v.to_bool(),
                    Err(_) => false,
                };
                if !shown {
                    violations.push(Violation::unavailable_choice(name));
                    break;
                }
            }
        }
    }
}

fn max_rows(field: &FormField) -> u32 {
    field
        .definition
        .max_count
        .unwrap_or(MAX_REPEAT_ROWS)
        .min(MAX_REPEAT_ROWS)
}

/// A calculation's result as stored: numbers (integers when whole), strings, booleans;
/// `NaN` and the infinities read as empty.
fn json_of(value: &expr::Value<'_>) -> Value {
    match value {
        expr::Value::Num(n) if !n.is_finite() => Value::Null,
        other => other.to_json(),
    }
}

fn is_empty_json(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}
