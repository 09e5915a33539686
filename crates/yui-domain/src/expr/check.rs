//! Checks an expression against the form's fields and resolves it into a [`Program`].
//!
//! Everything a builder can get wrong that does not depend on answers is caught here, at
//! definition load, with the column inside the expression: unknown fields, `selected()` on a
//! field that is not a select, repeat fields used outside their repeat without an aggregate,
//! `.` where there is no current field, invalid regular expressions.

use std::collections::HashMap;

use super::ExprError;
use super::ast::{BinOp, Expr, ExprKind, Func, Span};
use super::regex_portable::compile_regex;

/// Index of a field in a [`Schema`].
pub type FieldId = usize;

/// How a field's answer reads inside expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// Text of any kind (also dates, times, e-mail, phone, postal code, kana, select_one).
    Text,
    /// integer, decimal.
    Number,
    /// select_one: a choice name.
    Select,
    /// select_multiple: choice names, reading as one space-separated string.
    MultiSelect,
    /// yes_no and consent: JSON booleans reading as `'yes'` / `'no'`.
    YesNo,
    /// name, name_kana: `{family, given}` reading as `"family given"`.
    PersonName,
    /// address: reading as `"postal_code address building"`.
    Address,
    /// geopoint: reading as `"lat lon"`.
    Geopoint,
    /// file, image: reading as the file name.
    File,
    /// calculate: whatever JSON value the calculation stored.
    Calculated,
    /// group: no value of its own.
    Group,
    /// repeat: a list of rows; only `count()` and `position()` take it.
    Repeat,
    /// note: display only, no value.
    Note,
}

impl ValueKind {
    /// The type names used in the case table and the browser bundle map to kinds this way.
    pub fn from_type_name(name: &str) -> Option<ValueKind> {
        Some(match name {
            "text" | "textarea" | "date" | "time" | "datetime" | "email" | "phone"
            | "postal_code" | "kana" => ValueKind::Text,
            "integer" | "decimal" => ValueKind::Number,
            "select_one" => ValueKind::Select,
            "select_multiple" => ValueKind::MultiSelect,
            "yes_no" | "consent" => ValueKind::YesNo,
            "name" | "name_kana" => ValueKind::PersonName,
            "address" => ValueKind::Address,
            "geopoint" => ValueKind::Geopoint,
            "file" | "image" => ValueKind::File,
            "calculate" => ValueKind::Calculated,
            "group" => ValueKind::Group,
            "repeat" => ValueKind::Repeat,
            "note" => ValueKind::Note,
            _ => return None,
        })
    }

    fn is_select(self) -> bool {
        matches!(
            self,
            ValueKind::Select | ValueKind::MultiSelect | ValueKind::YesNo
        )
    }

    fn has_value(self) -> bool {
        !matches!(self, ValueKind::Group | ValueKind::Repeat | ValueKind::Note)
    }
}

/// One field as the expression checker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaField {
    pub name: String,
    pub kind: ValueKind,
    /// The nearest enclosing repeat, if any.
    pub repeat: Option<FieldId>,
}

/// The fields expressions may refer to, with their repeat nesting.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    fields: Vec<SchemaField>,
    by_name: HashMap<String, FieldId>,
    /// Per field: its enclosing repeats, outermost first.
    chains: Vec<Vec<FieldId>>,
}

impl Schema {
    /// Builds a schema. A field's `repeat` must point to an earlier field of kind `Repeat`;
    /// otherwise it is treated as top level. Later duplicates of a name are ignored (the
    /// definition checker reports them).
    pub fn new(fields: Vec<SchemaField>) -> Self {
        let mut by_name = HashMap::with_capacity(fields.len());
        let mut chains: Vec<Vec<FieldId>> = Vec::with_capacity(fields.len());
        for (id, field) in fields.iter().enumerate() {
            by_name.entry(field.name.clone()).or_insert(id);
            let chain = match field.repeat {
                Some(r) if r < id && fields[r].kind == ValueKind::Repeat => {
                    let mut chain = chains[r].clone();
                    chain.push(r);
                    chain
                }
                _ => Vec::new(),
            };
            chains.push(chain);
        }
        Schema {
            fields,
            by_name,
            chains,
        }
    }

    pub fn field(&self, id: FieldId) -> &SchemaField {
        &self.fields[id]
    }

    pub fn fields(&self) -> &[SchemaField] {
        &self.fields
    }

    pub fn id(&self, name: &str) -> Option<FieldId> {
        self.by_name.get(name).copied()
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The repeats enclosing `id`, outermost first.
    pub fn chain(&self, id: FieldId) -> &[FieldId] {
        &self.chains[id]
    }
}

/// Which property an expression belongs to; decides what `.` and bare names may mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Property {
    Relevant,
    Required,
    Constraint,
    Calculation,
    ReadOnly,
    ChoiceFilter,
    Default,
    /// A `${…}` placeholder in a label or hint.
    Label,
}

impl Property {
    pub fn key(self) -> &'static str {
        match self {
            Property::Relevant => "relevant",
            Property::Required => "required",
            Property::Constraint => "constraint",
            Property::Calculation => "calculation",
            Property::ReadOnly => "read_only",
            Property::ChoiceFilter => "choice_filter",
            Property::Default => "default",
            Property::Label => "label",
        }
    }

    /// `.` (the field itself) is meaningless where the expression decides the field's value
    /// or whether it exists: it would depend on itself.
    fn allows_current(self) -> bool {
        matches!(
            self,
            Property::Constraint | Property::Required | Property::ReadOnly
        )
    }
}

/// Where an expression is evaluated.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The field the expression belongs to; its repeat nesting is the evaluation context.
    pub field: Option<FieldId>,
    pub property: Property,
    /// Property names of the choice list, for bare names in `choice_filter`.
    pub choice_props: &'a [String],
}

/// A checked expression, ready to evaluate.
#[derive(Debug, Clone)]
pub struct Program {
    pub(crate) root: Node,
    /// Fields whose values the result depends on (without duplicates, in order of appearance).
    pub deps: Vec<FieldId>,
}

impl Program {
    /// Whether the expression mentions `today()` or `now()`.
    pub fn uses_clock(&self) -> bool {
        let mut found = false;
        self.root.walk(&mut |n| {
            if let Node::Call(Func::Today | Func::Now, _) = n {
                found = true;
            }
        });
        found
    }
}

/// A resolved expression node.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Num(f64),
    Str(Box<str>),
    /// A single value: the field's rows are the first `chain.len()` rows of the context.
    Field(FieldId),
    /// All values of a field across the rows of the repeats below the shared context.
    FieldSet {
        id: FieldId,
        chain: Box<[FieldId]>,
        shared: usize,
    },
    /// The rows of a repeat (a node-set for `count()`).
    Rows {
        id: FieldId,
        chain: Box<[FieldId]>,
        shared: usize,
    },
    Current(FieldId),
    /// 1-based index of the context row at this depth of the context's repeat chain.
    Position(usize),
    Prop(Box<str>),
    Neg(Box<Node>),
    Bin(BinOp, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
    Regex(Box<Node>, Box<regex::Regex>),
}

impl Node {
    fn walk(&self, visit: &mut impl FnMut(&Node)) {
        visit(self);
        match self {
            Node::Neg(a) | Node::Regex(a, _) => a.walk(visit),
            Node::Bin(_, a, b) => {
                a.walk(visit);
                b.walk(visit);
            }
            Node::Call(_, args) => {
                for arg in args {
                    arg.walk(visit);
                }
            }
            _ => {}
        }
    }
}

/// Checks `expr` for use in `scope` and resolves it. Reports every problem found, in order.
pub fn compile(expr: &Expr, schema: &Schema, scope: Scope<'_>) -> Result<Program, Vec<ExprError>> {
    let context: &[FieldId] = match scope.field {
        Some(id) if id < schema.len() => schema.chain(id),
        _ => &[],
    };
    let mut checker = Checker {
        schema,
        scope,
        context,
        errors: Vec::new(),
        deps: Vec::new(),
    };
    let root = checker.node(expr, Place::Scalar);
    if checker.errors.is_empty() {
        Ok(Program {
            root,
            deps: checker.deps,
        })
    } else {
        Err(checker.errors)
    }
}

/// What the surrounding syntax allows at a position.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Scalar,
    /// Argument of an aggregate: node-sets allowed.
    Aggregate,
    /// Argument of `count()`: node-sets and repeats allowed.
    Count,
}

struct Checker<'a> {
    schema: &'a Schema,
    scope: Scope<'a>,
    context: &'a [FieldId],
    errors: Vec<ExprError>,
    deps: Vec<FieldId>,
}

impl Checker<'_> {
    fn error(&mut self, code: &'static str, span: Span, ja: String, en: String) -> Node {
        self.errors.push(ExprError::new(code, span, ja, en));
        Node::Str("".into())
    }

    fn node(&mut self, expr: &Expr, place: Place) -> Node {
        match &expr.kind {
            ExprKind::Number(n) => Node::Num(*n),
            ExprKind::String(s) => Node::Str(s.as_str().into()),
            ExprKind::Ref(name) => self.reference(name, expr.span, place),
            ExprKind::Current => self.current(expr.span),
            ExprKind::Parent => self.error(
                "expr.parent_not_allowed",
                expr.span,
                ".. は position(..) の中でだけ使えます".into(),
                ".. is only allowed as position(..)".into(),
            ),
            ExprKind::Prop(name) => self.prop(name, expr.span),
            ExprKind::Neg(inner) => Node::Neg(Box::new(self.node(inner, Place::Scalar))),
            ExprKind::Binary(op, a, b) => Node::Bin(
                *op,
                Box::new(self.node(a, Place::Scalar)),
                Box::new(self.node(b, Place::Scalar)),
            ),
            ExprKind::Call(func, args) => self.call(*func, args, expr.span),
        }
    }

    fn current(&mut self, span: Span) -> Node {
        match self.scope.field {
            Some(id) if self.scope.property.allows_current() => {
                if self.schema.field(id).kind.has_value() {
                    Node::Current(id)
                } else {
                    self.error(
                        "expr.dot_without_value",
                        span,
                        "この項目には値がないので . は使えません".into(),
                        "this field has no value, so . cannot be used".into(),
                    )
                }
            }
            Some(_) => {
                let key = self.scope.property.key();
                self.error(
                    "expr.dot_not_allowed",
                    span,
                    format!("{key} では . は使えません（項目は ${{項目名}} で参照します）"),
                    format!("{key} cannot use . (refer to fields as ${{name}})"),
                )
            }
            None => self.error(
                "expr.dot_without_field",
                span,
                ". を使える項目がありません".into(),
                "there is no current field for .".into(),
            ),
        }
    }

    fn prop(&mut self, name: &str, span: Span) -> Node {
        if self.scope.property != Property::ChoiceFilter {
            let hint = if self.schema.id(name).is_some() {
                format!("${{{name}}}")
            } else {
                "${項目名}".to_owned()
            };
            let hint_en = if self.schema.id(name).is_some() {
                format!("${{{name}}}")
            } else {
                "${name}".to_owned()
            };
            return self.error(
                "expr.bare_name",
                span,
                format!("「{name}」は使えません。項目は {hint} と書いて参照します"),
                format!("bare name {name:?} is not allowed; refer to fields as {hint_en}"),
            );
        }
        let known =
            name == "name" || name == "label" || self.scope.choice_props.iter().any(|p| p == name);
        if !known {
            return self.error(
                "expr.unknown_choice_property",
                span,
                format!("選択肢に「{name}」という列がありません"),
                format!("the choices have no property {name:?}"),
            );
        }
        Node::Prop(name.into())
    }

    fn reference(&mut self, name: &str, span: Span, place: Place) -> Node {
        let Some(id) = self.schema.id(name) else {
            let suggestion = crate::definition::did_you_mean(
                name,
                self.schema.fields().iter().map(|f| f.name.as_str()),
            );
            let (ja, en) = match suggestion {
                Some(s) => (
                    format!("（{s} のことですか）"),
                    format!(" (did you mean {s}?)"),
                ),
                None => (String::new(), String::new()),
            };
            return self.error(
                "expr.unknown_field",
                span,
                format!("項目「{name}」はありません{ja}"),
                format!("unknown field {name:?}{en}"),
            );
        };
        let kind = self.schema.field(id).kind;
        let chain = self.schema.chain(id);
        let shared = chain
            .iter()
            .zip(self.context)
            .take_while(|(a, b)| a == b)
            .count();
        if !self.deps.contains(&id) {
            self.deps.push(id);
        }
        match kind {
            ValueKind::Group => {
                return self.error(
                    "expr.group_reference",
                    span,
                    format!("「{name}」はグループなので値がありません"),
                    format!("{name:?} is a group and has no value"),
                );
            }
            ValueKind::Note => {
                return self.error(
                    "expr.note_reference",
                    span,
                    format!("「{name}」は説明文なので値がありません"),
                    format!("{name:?} is a note and has no value"),
                );
            }
            ValueKind::Repeat => {
                if place != Place::Count {
                    return self.error(
                        "expr.repeat_reference",
                        span,
                        format!("繰り返し「{name}」は count() の中でだけ使えます"),
                        format!("repeat {name:?} can only be used inside count()"),
                    );
                }
                return Node::Rows {
                    id,
                    chain: chain.into(),
                    shared,
                };
            }
            _ => {}
        }
        if shared == chain.len() {
            return Node::Field(id);
        }
        if place == Place::Scalar {
            let repeat = self.schema.field(chain[shared]).name.clone();
            return self.error(
                "expr.nodeset_outside_aggregate",
                span,
                format!(
                    "「{name}」は繰り返し「{repeat}」の中の項目です。外からは sum() や count() などの集計関数の中でだけ使えます"
                ),
                format!(
                    "{name:?} is inside repeat {repeat:?}; outside it, use it only inside an aggregate such as sum() or count()"
                ),
            );
        }
        Node::FieldSet {
            id,
            chain: chain.into(),
            shared,
        }
    }

    fn call(&mut self, func: Func, args: &[Expr], span: Span) -> Node {
        match func {
            Func::Selected | Func::CountSelected | Func::SelectedAt => {
                let first = &args[0];
                let kind = match &first.kind {
                    ExprKind::Ref(name) => {
                        self.schema.id(name).map(|id| self.schema.field(id).kind)
                    }
                    ExprKind::Current => self.scope.field.map(|id| self.schema.field(id).kind),
                    _ => None,
                };
                if kind.is_some_and(|k| !k.is_select()) {
                    let name = func.name();
                    self.errors.push(ExprError::new(
                        "expr.not_select",
                        first.span,
                        format!("{name}() の最初の引数には選択式の項目を指定してください"),
                        format!("the first argument of {name}() must be a select field"),
                    ));
                }
            }
            Func::Regex => {
                let ExprKind::String(pattern) = &args[1].kind else {
                    return self.error(
                        "expr.regex_not_literal",
                        args[1].span,
                        "regex() の 2 番目の引数は '…' で囲んだ正規表現にしてください".into(),
                        "the second argument of regex() must be a quoted pattern".into(),
                    );
                };
                let subject = self.node(&args[0], Place::Scalar);
                return match compile_regex(pattern) {
                    Ok(re) => Node::Regex(Box::new(subject), Box::new(re)),
                    Err(problem) => self.error(
                        "expr.regex_invalid",
                        args[1].span,
                        problem.message_ja,
                        problem.message_en,
                    ),
                };
            }
            Func::Position => return self.position(args, span),
            Func::StringLength | Func::NormalizeSpace | Func::String | Func::Number
                if args.is_empty() =>
            {
                // Without an argument these read the current field, like `string(.)`.
                let current = self.current(span);
                return Node::Call(func, vec![current]);
            }
            Func::Sum | Func::Count | Func::CountNonEmpty => {
                let place = if func == Func::Count {
                    Place::Count
                } else {
                    Place::Aggregate
                };
                let errors_before = self.errors.len();
                let arg = self.node(&args[0], place);
                let resolved = self.errors.len() == errors_before;
                if resolved && !matches!(arg, Node::FieldSet { .. } | Node::Rows { .. }) {
                    let name = func.name();
                    let (ja, en) = if matches!(arg, Node::Field(id) if !self.schema.chain(id).is_empty())
                    {
                        (
                            format!(
                                "繰り返しの中では ${{…}} はその行の値です。{name}() で全行を集計するには、繰り返しの外に calculate 項目を置いてください"
                            ),
                            format!(
                                "inside its repeat, ${{…}} is this row's value; to aggregate all rows with {name}(), use a calculate field outside the repeat"
                            ),
                        )
                    } else {
                        (
                            format!(
                                "{name}() には繰り返しの中の項目（または繰り返しそのもの）を指定してください"
                            ),
                            format!(
                                "{name}() needs a field inside a repeat (or the repeat itself)"
                            ),
                        )
                    };
                    self.errors.push(ExprError::new(
                        "expr.aggregate_needs_repeat",
                        args[0].span,
                        ja,
                        en,
                    ));
                }
                return Node::Call(func, vec![arg]);
            }
            _ => {}
        }
        let place = if func.is_aggregate() {
            Place::Aggregate
        } else {
            Place::Scalar
        };
        let nodes = args
            .iter()
            .enumerate()
            .map(|(i, arg)| {
                // join's separator is a plain value.
                let place = if func == Func::Join && i == 0 {
                    Place::Scalar
                } else {
                    place
                };
                self.node(arg, place)
            })
            .collect();
        Node::Call(func, nodes)
    }

    fn position(&mut self, args: &[Expr], span: Span) -> Node {
        if self.context.is_empty() {
            return self.error(
                "expr.position_outside_repeat",
                span,
                "position() は繰り返しの中でだけ使えます".into(),
                "position() can only be used inside a repeat".into(),
            );
        }
        let depth = match args.first().map(|a| &a.kind) {
            None | Some(ExprKind::Parent) => self.context.len() - 1,
            Some(ExprKind::Ref(name)) => {
                let found = self
                    .schema
                    .id(name)
                    .and_then(|id| self.context.iter().position(|&r| r == id));
                match found {
                    Some(depth) => depth,
                    None => {
                        return self.error(
                            "expr.position_not_ancestor",
                            args[0].span,
                            format!("position() には、この項目を囲む繰り返しを指定してください（「{name}」は違います）"),
                            format!("position() takes a repeat that encloses this field ({name:?} does not)"),
                        );
                    }
                }
            }
            Some(_) => {
                return self.error(
                    "expr.position_argument",
                    args[0].span,
                    "position() の引数は .. か繰り返しの項目名です".into(),
                    "position() takes .. or a repeat".into(),
                );
            }
        };
        Node::Position(depth)
    }
}
