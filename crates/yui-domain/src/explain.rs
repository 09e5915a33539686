//! Plain-language explanations of an app's logic, for the handover manual (引き継ぎ書) and
//! anyone else who must understand an app without reading expressions.
//!
//! Every expression (`relevant`, `required`, `constraint`, `calculation`, `choice_filter`,
//! `default`, `read_only`) becomes a Japanese and an English sentence that names fields by
//! their labels and choices by their labels: `${allergy} = 'yes'` reads
//! 「『食物アレルギーはありますか』が「はい」のとき」, `. >= 1 and . <= 4` reads 「1以上4以下」.
//! A calculated field without a label is explained in place where it is referred to. When an
//! expression is too tangled for a sentence, the fallback is the expression itself with labels
//! in place of `${…}` (「次の計算: …」); `${` never appears in what this module returns.
//!
//! [`form_guide`] walks a whole form page by page and summarises each field: its type in plain
//! words, whether it is required, when it is shown, its limits and rules.

use serde::Serialize;

use crate::definition::{DefaultValue, FieldType, Flag, Form, FormField, Text};
use crate::expr::{BinOp, Expr, ExprKind, Func, Property, Span, format_number, parse};
use crate::validate::{DEFAULT_MAX_SIZE_MB, DEFAULT_TEXT_CHARS};

/// A sentence in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sentence {
    pub ja: String,
    pub en: String,
}

impl Sentence {
    pub fn new(ja: impl Into<String>, en: impl Into<String>) -> Self {
        Sentence {
            ja: ja.into(),
            en: en.into(),
        }
    }

    /// A definition text in both languages (English falls back to Japanese when not written).
    pub fn from_text(text: &Text) -> Self {
        Sentence::new(text.get("ja"), text.get("en"))
    }

    /// The text in `lang` (`"en"` or anything else for Japanese).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.ja }
    }
}

/// One field as the manual describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldGuide {
    pub name: String,
    /// The question as shown (placeholders written as ［…］).
    pub label: Sentence,
    /// 0 for fields directly on a page, 1 inside a repeat or group shown on it, …
    pub depth: usize,
    /// The type in plain words: 「数値（整数）」, 「選択（1つ）: 午前, 午後」.
    pub kind: Sentence,
    /// 「必須」, 「任意」, 「…のとき必須」, or 「―」 for fields without an answer.
    pub required: Sentence,
    /// When the field is shown, if not always.
    pub shown_when: Option<Sentence>,
    /// Limits and rules, each a complete line: 「入力できる値: 1以上4以下」.
    pub rules: Vec<Sentence>,
    pub hint: Option<Sentence>,
}

/// One page of the resident form, as the manual describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageGuide {
    /// 1-based.
    pub number: usize,
    pub title: Option<Sentence>,
    pub fields: Vec<FieldGuide>,
}

/// A whole form: its pages with their fields, then the hidden calculations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormGuide {
    pub pages: Vec<PageGuide>,
    /// Calculated values outside repeats (never shown on a page).
    pub calculations: Vec<FieldGuide>,
}

/// The language a sentence is built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Ja,
    En,
}

/// Calculated fields referred to by other calculations are explained in place; this bounds
/// how deep that goes (definitions have no cycles, but sentences must stay readable).
const MAX_INLINE_DEPTH: u8 = 2;

/// Past this many characters a Japanese sentence helps nobody; the fallback is shown instead.
/// English takes about twice the characters for the same sentence.
const MAX_SENTENCE_CHARS: usize = 320;

/// A calculated field is explained in place only when that stays short; a longer one is
/// named and explained in its own row of the manual.
const MAX_INLINE_CHARS: usize = 48;

/// Most choices listed by name in a field's type before 「ほか N 件」.
const MAX_LISTED_CHOICES: usize = 12;

/// Explains one expression of `field` (or of no field, e.g. in a test) as the property reads
/// it: conditions as 「…のとき」 / "when …", constraints and filters as bare conditions,
/// calculations and defaults as values.
pub fn explain(
    form: &Form,
    field: Option<&FormField>,
    property: Property,
    expr: &Expr,
) -> Sentence {
    Sentence {
        ja: Ex::new(form, field, property, Lang::Ja).top(expr),
        en: Ex::new(form, field, property, Lang::En).top(expr),
    }
}

/// Like [`explain`], for expression text; `None` when the text does not parse.
pub fn explain_source(
    form: &Form,
    field: Option<&FormField>,
    property: Property,
    source: &str,
) -> Option<Sentence> {
    parse(source)
        .ok()
        .map(|expr| explain(form, field, property, &expr))
}

/// The label of a field with `${…}` placeholders written as ［label］; a calculated field
/// without a label is described by its calculation.
pub fn field_label(form: &Form, field: &FormField) -> Sentence {
    Sentence {
        ja: Ex::new(form, Some(field), Property::Label, Lang::Ja).field_name(field, false),
        en: Ex::new(form, Some(field), Property::Label, Lang::En).field_name(field, false),
    }
}

/// The whole form, page by page, every field summarised.
pub fn form_guide(form: &Form) -> FormGuide {
    let mut pages = Vec::new();
    for (i, page) in form.pages().iter().enumerate() {
        let mut fields = Vec::new();
        for name in &page.fields {
            if let Some(field) = form.field(name) {
                guide_tree(form, field, 0, &mut fields);
            }
        }
        pages.push(PageGuide {
            number: i + 1,
            title: page.title.as_ref().map(Sentence::from_text),
            fields,
        });
    }
    let calculations = form
        .fields()
        .iter()
        .filter(|f| f.field_type == FieldType::Calculate && f.repeat.is_none())
        .map(|f| field_guide(form, f, 0))
        .collect();
    FormGuide {
        pages,
        calculations,
    }
}

/// A field and, for repeats and groups, everything inside, in order. Implicit 「その他」 text
/// boxes are described with their select instead.
fn guide_tree(form: &Form, field: &FormField, depth: usize, out: &mut Vec<FieldGuide>) {
    if field.other_of.is_some() {
        return;
    }
    out.push(field_guide(form, field, depth));
    if field.field_type.is_container() {
        for &child in &field.children {
            if let Some(child) = form.fields().get(child) {
                guide_tree(form, child, depth + 1, out);
            }
        }
    }
}

/// One field summarised: type, requirement, visibility, limits and rules.
pub fn field_guide(form: &Form, field: &FormField, depth: usize) -> FieldGuide {
    let def = &field.definition;
    let say = |property: Property, text: &str| explain_source(form, Some(field), property, text);
    let required = if !field.field_type.is_input() {
        Sentence::new("―", "–")
    } else if field.field_type == FieldType::Consent {
        Sentence::new("必須", "Required")
    } else {
        match &def.required {
            Some(Flag::Bool(true)) => Sentence::new("必須", "Required"),
            Some(Flag::Expr(e)) => match say(Property::Required, e) {
                Some(s) => Sentence::new(format!("{}必須", s.ja), format!("Required {}", s.en)),
                None => Sentence::new("条件によって必須", "Required under a condition"),
            },
            None | Some(Flag::Bool(false)) => Sentence::new("任意", "Optional"),
        }
    };
    let mut rules = Vec::new();
    limits(field, &mut rules);
    if let Some(c) = def
        .constraint
        .as_deref()
        .and_then(|c| say(Property::Constraint, c))
    {
        rules.push(Sentence::new(
            format!("入力できる値: {}", c.ja),
            format!("Accepted: {}", c.en),
        ));
    }
    if let Some(m) = &def.constraint_message {
        rules.push(Sentence::new(
            format!("合わないときの表示: 「{}」", m.get("ja")),
            format!("Message when not met: “{}”", m.get("en")),
        ));
    }
    if let Some(m) = &def.required_message {
        rules.push(Sentence::new(
            format!("未入力のときの表示: 「{}」", m.get("ja")),
            format!("Message when missing: “{}”", m.get("en")),
        ));
    }
    if let Some(c) = def
        .calculation
        .as_deref()
        .and_then(|c| say(Property::Calculation, c))
    {
        rules.push(Sentence::new(
            format!("計算: {}", c.ja),
            format!("Calculated: {}", c.en),
        ));
    }
    if let Some(c) = def
        .choice_filter
        .as_deref()
        .and_then(|c| say(Property::ChoiceFilter, c))
    {
        rules.push(Sentence::new(
            format!("表示する選択肢: {}", c.ja),
            format!("Choices offered: {}", c.en),
        ));
    }
    match &def.default {
        Some(DefaultValue::Expr(e)) => {
            if let Some(d) = say(Property::Default, e) {
                rules.push(Sentence::new(
                    format!("初期値: {}", d.ja),
                    format!("Starts as: {}", d.en),
                ));
            }
        }
        Some(DefaultValue::Value(v)) => {
            let d = literal_default(field, v);
            rules.push(Sentence::new(
                format!("初期値: {}", d.ja),
                format!("Starts as: {}", d.en),
            ));
        }
        None => {}
    }
    match &def.read_only {
        Some(Flag::Bool(true)) => rules.push(Sentence::new(
            "変更できません（初期値のまま）",
            "Cannot be changed (keeps its starting value)",
        )),
        Some(Flag::Expr(e)) => {
            if let Some(s) = say(Property::ReadOnly, e) {
                rules.push(Sentence::new(
                    format!("{}変更できません", s.ja),
                    format!("Cannot be changed {}", s.en),
                ));
            }
        }
        None | Some(Flag::Bool(false)) => {}
    }
    if def.other {
        rules.push(Sentence::new(
            "「その他」を選ぶと、内容を書く欄が表示されます（必須）",
            "Choosing “Other” shows a box to describe it (required)",
        ));
    }
    // An unlabelled calculation goes by its name here: its row explains what it calculates.
    let label = if def.label.is_none() && field.field_type == FieldType::Calculate {
        Sentence::new(field.name.clone(), field.name.clone())
    } else {
        field_label(form, field)
    };
    FieldGuide {
        name: field.name.clone(),
        label,
        depth,
        kind: kind(field),
        required,
        shown_when: def
            .relevant
            .as_deref()
            .and_then(|r| say(Property::Relevant, r)),
        rules,
        hint: def.hint.as_ref().map(|h| placeholder_text(form, field, h)),
    }
}

/// The type of a field in plain words.
fn kind(field: &FormField) -> Sentence {
    let def = &field.definition;
    let (ja, en) = match field.field_type {
        FieldType::Text => ("文字（1行）", "Text (one line)"),
        FieldType::Textarea => ("文章（複数行）", "Text (several lines)"),
        FieldType::Integer => ("数値（整数）", "Number (whole)"),
        FieldType::Decimal => ("数値（小数も可）", "Number (decimals allowed)"),
        FieldType::Date if def.appearance.as_deref() == Some("wareki") => (
            "日付（和暦で表示）",
            "Date (shown in the Japanese calendar)",
        ),
        FieldType::Date => ("日付", "Date"),
        FieldType::Time => ("時刻", "Time of day"),
        FieldType::Datetime => ("日時", "Date and time"),
        FieldType::SelectOne | FieldType::SelectMultiple => {
            return select_kind(field);
        }
        FieldType::YesNo => ("はい／いいえ", "Yes / No"),
        FieldType::Email => ("メールアドレス", "E-mail address"),
        FieldType::Phone => ("電話番号", "Phone number"),
        FieldType::PostalCode => ("郵便番号", "Postal code"),
        FieldType::Address => (
            "住所（郵便番号・住所・建物名）",
            "Address (postal code, address, building)",
        ),
        FieldType::Name => ("氏名（姓・名）", "Name (family, given)"),
        FieldType::NameKana => (
            "氏名のフリガナ（姓・名、カタカナ）",
            "Name in katakana (family, given)",
        ),
        FieldType::Kana => ("カタカナ", "Katakana"),
        FieldType::File => ("ファイル", "File"),
        FieldType::Image if def.keep_location == Some(true) => {
            ("写真（位置情報を保持）", "Photo (location kept)")
        }
        FieldType::Image => ("写真（位置情報は削除）", "Photo (location removed)"),
        FieldType::Geopoint => ("位置（緯度・経度）", "Location (latitude, longitude)"),
        FieldType::Note => ("説明文（回答なし）", "Note (no answer)"),
        FieldType::Calculate => (
            "自動計算（画面には表示されません）",
            "Calculated (not shown on the form)",
        ),
        FieldType::Consent => ("同意（チェックが必要）", "Consent (must be ticked)"),
        FieldType::Group => ("グループ", "Group"),
        FieldType::Repeat => (
            "繰り返し（何件でも入力）",
            "Repeated (any number of entries)",
        ),
    };
    Sentence::new(ja, en)
}

fn select_kind(field: &FormField) -> Sentence {
    let choices = field.choices();
    let list = |lang: &str| {
        let names: Vec<&str> = choices
            .iter()
            .take(MAX_LISTED_CHOICES)
            .map(|c| c.label.get(lang))
            .collect();
        let rest = choices.len().saturating_sub(MAX_LISTED_CHOICES);
        let mut text = names.join(", ");
        if rest > 0 {
            text.push_str(&if lang == "en" {
                format!(" and {rest} more")
            } else {
                format!(" ほか{rest}件")
            });
        }
        text
    };
    if field.field_type == FieldType::SelectOne {
        Sentence::new(
            format!("選択（1つ）: {}", list("ja")),
            format!("Choice (one): {}", list("en")),
        )
    } else {
        Sentence::new(
            format!("選択（複数可）: {}", list("ja")),
            format!("Choice (any number): {}", list("en")),
        )
    }
}

/// Lengths, upload limits and repeat counts.
fn limits(field: &FormField, rules: &mut Vec<Sentence>) {
    let def = &field.definition;
    match (def.min_length, def.max_length) {
        (Some(min), Some(max)) => rules.push(Sentence::new(
            format!("文字数: {min}文字以上{max}文字以内"),
            format!("Length: {min} to {max} characters"),
        )),
        (Some(min), None) => rules.push(Sentence::new(
            format!("文字数: {min}文字以上"),
            format!("Length: at least {min} characters"),
        )),
        (None, Some(max)) => rules.push(Sentence::new(
            format!("文字数: {max}文字以内"),
            format!("Length: at most {max} characters"),
        )),
        (None, None) if field.field_type == FieldType::Text => rules.push(Sentence::new(
            format!("文字数: {DEFAULT_TEXT_CHARS}文字以内"),
            format!("Length: at most {DEFAULT_TEXT_CHARS} characters"),
        )),
        (None, None) => {}
    }
    if field.field_type.is_upload() {
        let types = field.accepted_types();
        let ja = media_names(&types, "ja");
        let en = media_names(&types, "en");
        rules.push(Sentence::new(
            format!("ファイルの種類: {ja}"),
            format!("File types: {en}"),
        ));
        let mb = def.max_size_mb.unwrap_or(DEFAULT_MAX_SIZE_MB);
        rules.push(Sentence::new(
            format!("大きさ: {mb}MBまで"),
            format!("Size: up to {mb} MB"),
        ));
    }
    if field.field_type == FieldType::Repeat {
        let (ja, en) = match (def.min_count, def.max_count) {
            (Some(min), Some(max)) => (
                format!("件数: {min}件以上{max}件まで"),
                format!("Entries: {min} to {max}"),
            ),
            (Some(min), None) => (
                format!("件数: {min}件以上"),
                format!("Entries: at least {min}"),
            ),
            (None, Some(max)) => (
                format!("件数: {max}件まで"),
                format!("Entries: at most {max}"),
            ),
            (None, None) => ("件数: 制限なし".to_owned(), "Entries: no limit".to_owned()),
        };
        rules.push(Sentence::new(ja, en));
    }
}

/// MIME types as people name them, without repeats: 「PDF, 画像（JPEG）」.
fn media_names(types: &[&str], lang: &str) -> String {
    let en = lang == "en";
    let mut names: Vec<String> = Vec::new();
    for t in types {
        let name = match *t {
            "application/pdf" => "PDF".to_owned(),
            "image/*" => if en {
                "images (any kind)"
            } else {
                "画像（すべての形式）"
            }
            .to_owned(),
            "image/jpeg" => "JPEG".to_owned(),
            "image/png" => "PNG".to_owned(),
            "image/heic" | "image/heif" => "HEIC".to_owned(),
            "image/webp" => "WebP".to_owned(),
            "image/gif" => "GIF".to_owned(),
            "text/plain" => if en { "plain text" } else { "テキスト" }.to_owned(),
            "text/csv" => "CSV".to_owned(),
            "application/msword"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                "Word".to_owned()
            }
            "application/vnd.ms-excel"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                "Excel".to_owned()
            }
            other => other.to_owned(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(", ")
}

/// A literal default as a person reads it: choice labels, はい／いいえ, numbers.
fn literal_default(field: &FormField, value: &serde_json::Value) -> Sentence {
    use serde_json::Value;
    let one = |v: &Value, lang: &str| -> String {
        match v {
            Value::Bool(true) => if lang == "en" { "Yes" } else { "はい" }.to_owned(),
            Value::Bool(false) => if lang == "en" { "No" } else { "いいえ" }.to_owned(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => match field.field_type {
                FieldType::YesNo => yes_no_label(s, lang).unwrap_or(s).to_owned(),
                _ => field
                    .choices()
                    .iter()
                    .find(|c| c.name == *s)
                    .map_or(s.as_str(), |c| c.label.get(lang))
                    .to_owned(),
            },
            _ => String::new(),
        }
    };
    let text = |lang: &str| match value {
        Value::Array(items) => items
            .iter()
            .map(|v| one(v, lang))
            .collect::<Vec<_>>()
            .join(if lang == "en" { ", " } else { "、" }),
        v => one(v, lang),
    };
    let quote = |s: String, lang: &str| {
        if lang == "en" {
            format!("“{s}”")
        } else {
            format!("「{s}」")
        }
    };
    let is_number = value.is_number();
    Sentence::new(
        if is_number {
            text("ja")
        } else {
            quote(text("ja"), "ja")
        },
        if is_number {
            text("en")
        } else {
            quote(text("en"), "en")
        },
    )
}

fn yes_no_label(name: &str, lang: &str) -> Option<&'static str> {
    match (name.trim(), lang) {
        ("yes", "en") => Some("Yes"),
        ("no", "en") => Some("No"),
        ("yes", _) => Some("はい"),
        ("no", _) => Some("いいえ"),
        _ => None,
    }
}

/// A label or hint with its `${…}` placeholders written as ［…］.
fn placeholder_text(form: &Form, field: &FormField, text: &Text) -> Sentence {
    Sentence {
        ja: Ex::new(form, Some(field), Property::Label, Lang::Ja).fill(text.get("ja"), 0),
        en: Ex::new(form, Some(field), Property::Label, Lang::En).fill(text.get("en"), 0),
    }
}

/// A condition in words. `noun` says whether the Japanese ends in a noun, which decides how
/// 「とき」 attaches: 「『X』が「はい」のとき」 but 「『X』で「Y」を選んだとき」.
#[derive(Debug, Clone)]
struct Pred {
    text: String,
    noun: bool,
    /// Built from `and` / `or` chains: needs parentheses inside another chain.
    chain: bool,
}

impl Pred {
    fn new(text: String, noun: bool) -> Self {
        Pred {
            text,
            noun,
            chain: false,
        }
    }
}

/// A value in words. `compound` values (sums, choices between values) get parentheses when
/// they are parts of a larger phrase.
#[derive(Debug, Clone)]
struct Phrase {
    text: String,
    compound: bool,
}

impl Phrase {
    fn simple(text: impl Into<String>) -> Self {
        Phrase {
            text: text.into(),
            compound: false,
        }
    }

    fn compound(text: impl Into<String>) -> Self {
        Phrase {
            text: text.into(),
            compound: true,
        }
    }
}

/// The explainer for one language, one field and one property.
struct Ex<'a> {
    form: &'a Form,
    current: Option<&'a FormField>,
    property: Property,
    lang: Lang,
    /// How many calculated fields deep the explanation already is.
    depth: u8,
}

impl<'a> Ex<'a> {
    fn new(form: &'a Form, current: Option<&'a FormField>, property: Property, lang: Lang) -> Self {
        Ex {
            form,
            current,
            property,
            lang,
            depth: 0,
        }
    }

    fn ja(&self) -> bool {
        self.lang == Lang::Ja
    }

    /// Picks the Japanese or the English text.
    fn t<T>(&self, ja: T, en: T) -> T {
        if self.ja() { ja } else { en }
    }

    fn lang_code(&self) -> &'static str {
        self.t("ja", "en")
    }

    /// The sentence for the property, or the fallback when it would be unreadable.
    fn top(&self, expr: &Expr) -> String {
        let text = match self.property {
            Property::Relevant | Property::Required | Property::ReadOnly => {
                self.when(&self.pred(expr, false))
            }
            Property::Constraint => self.pred(expr, false).text,
            Property::ChoiceFilter => {
                let p = self.pred(expr, false);
                if self.ja() {
                    format!("{}{}ものだけ", p.text, if p.noun { "の" } else { "" })
                } else {
                    format!("only those where {}", p.text)
                }
            }
            Property::Calculation | Property::Default | Property::Label => self.value(expr).text,
        };
        let limit = self.t(MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS * 2);
        if text.chars().count() > limit || text.contains("${") {
            self.fallback(expr)
        } else {
            text
        }
    }

    /// 「…のとき」 / "when …".
    fn when(&self, p: &Pred) -> String {
        if self.ja() {
            if p.noun {
                format!("{}のとき", p.text)
            } else {
                format!("{}とき", p.text)
            }
        } else {
            format!("when {}", p.text)
        }
    }

    fn quote(&self, s: &str) -> String {
        self.t(format!("「{s}」"), format!("“{s}”"))
    }

    fn field_quote(&self, s: &str) -> String {
        self.t(format!("『{s}』"), format!("“{s}”"))
    }

    // ---- names -------------------------------------------------------------------------

    /// How a field is named in a sentence: its label in 『』, or for an unlabelled
    /// calculation, what it calculates.
    fn field_name(&self, field: &FormField, quoted: bool) -> String {
        if let Some(label) = &field.definition.label {
            let text = self.fill(label.get(self.lang_code()), self.depth);
            return if quoted {
                self.field_quote(&text)
            } else {
                text
            };
        }
        if field.field_type == FieldType::Calculate
            && self.depth < MAX_INLINE_DEPTH
            && let Some(expr) = field
                .definition
                .calculation
                .as_deref()
                .and_then(|c| parse(c).ok())
        {
            let inner = self.nested(field);
            let text = inner.value(&expr).text;
            if !text.contains("${") && text.chars().count() <= MAX_INLINE_CHARS {
                return text;
            }
        }
        // A field without a label and no calculation to describe: its name is all there is.
        if quoted {
            self.field_quote(&field.name)
        } else {
            field.name.clone()
        }
    }

    /// The explainer for a calculated field's own expression, one level deeper.
    fn nested(&self, field: &'a FormField) -> Ex<'a> {
        Ex {
            form: self.form,
            current: Some(field),
            property: Property::Calculation,
            lang: self.lang,
            depth: self.depth + 1,
        }
    }

    /// Replaces `${name}` placeholders in a label with ［label］.
    fn fill(&self, text: &str, depth: u8) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let name = rest[start + 2..start + len].trim();
            let shown = match self.form.field(name) {
                Some(f) if depth < MAX_INLINE_DEPTH => {
                    let inner = Ex {
                        depth: depth + 1,
                        ..self.shallow()
                    };
                    inner.field_name(f, false)
                }
                _ => name.to_owned(),
            };
            out.push('［');
            out.push_str(&shown);
            out.push('］');
            rest = &rest[start + len + 1..];
        }
        // An unclosed `${` is kept as text but must not look like a placeholder.
        out.push_str(&rest.replace("${", "$ {"));
        out
    }

    fn shallow(&self) -> Ex<'a> {
        Ex {
            form: self.form,
            current: self.current,
            property: self.property,
            lang: self.lang,
            depth: self.depth,
        }
    }

    fn field_of(&self, expr: &Expr) -> Option<&'a FormField> {
        match &expr.kind {
            ExprKind::Ref(name) => self.form.field(name),
            ExprKind::Current => self.current,
            _ => None,
        }
    }

    /// A choice's label when `expr` is a select or yes/no field and `value` one of its names.
    fn choice_label(&self, expr: &Expr, value: &str) -> Option<String> {
        let field = self.field_of(expr)?;
        match field.field_type {
            FieldType::YesNo | FieldType::Consent => {
                yes_no_label(value, self.lang_code()).map(str::to_owned)
            }
            t if t.is_select() => field
                .choices()
                .iter()
                .find(|c| c.name == value.trim())
                .map(|c| c.label.get(self.lang_code()).to_owned()),
            _ => None,
        }
    }

    // ---- kinds of values -------------------------------------------------------------------

    /// Whether an expression is a date (or date-time): comparisons then read 「より後」.
    fn is_date(&self, expr: &Expr) -> bool {
        match &expr.kind {
            ExprKind::Ref(_) | ExprKind::Current => self
                .field_of(expr)
                .is_some_and(|f| matches!(f.field_type, FieldType::Date | FieldType::Datetime)),
            ExprKind::Call(Func::Today | Func::Now | Func::Date, _) => true,
            // A date plus or minus days is a date; a date minus a date is a number of days.
            ExprKind::Binary(BinOp::Add, a, b) => self.is_date(a) != self.is_date(b),
            ExprKind::Binary(BinOp::Sub, a, b) => self.is_date(a) && !self.is_date(b),
            _ => false,
        }
    }

    /// Whether an expression is a time of day (a `time` field).
    fn is_time(&self, expr: &Expr) -> bool {
        self.field_of(expr)
            .is_some_and(|f| f.field_type == FieldType::Time)
    }

    fn is_empty_string(expr: &Expr) -> bool {
        matches!(&expr.kind, ExprKind::String(s) if s.is_empty())
    }

    // ---- conditions --------------------------------------------------------------------

    fn pred(&self, expr: &Expr, negated: bool) -> Pred {
        match &expr.kind {
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), _, _) => {
                // De Morgan: "not (a and b)" reads better as "not a, or not b".
                let joined = match (op, negated) {
                    (BinOp::And, false) | (BinOp::Or, true) => BinOp::And,
                    _ => BinOp::Or,
                };
                let mut parts = Vec::new();
                collect_chain(expr, *op, &mut parts);
                self.chain(&parts, joined, negated)
            }
            ExprKind::Binary(op, a, b) if is_comparison(*op) => {
                let op = if negated { negate(*op) } else { *op };
                self.compare(op, a, b)
            }
            ExprKind::Call(func, args) => self.pred_call(*func, args, negated),
            ExprKind::Ref(_) => {
                let field = self.field_of(expr);
                if let Some(f) = field
                    && f.field_type == FieldType::Calculate
                    && f.definition.label.is_none()
                    && self.depth < MAX_INLINE_DEPTH
                    && let Some(calc) = f
                        .definition
                        .calculation
                        .as_deref()
                        .and_then(|c| parse(c).ok())
                {
                    return self.nested(f).pred(&calc, negated);
                }
                self.truthy(expr, negated)
            }
            _ => self.truthy(expr, negated),
        }
    }

    /// A value used as a condition: true when not empty (and not zero).
    fn truthy(&self, expr: &Expr, negated: bool) -> Pred {
        let v = self.value(expr).text;
        match (self.ja(), negated) {
            (true, false) => Pred::new(format!("{v}が空欄・0・「いいえ」以外"), true),
            (true, true) => Pred::new(format!("{v}が空欄・0"), true),
            (false, false) => Pred::new(format!("{v} is not empty, zero or false"), false),
            (false, true) => Pred::new(format!("{v} is empty, zero or false"), false),
        }
    }

    fn chain(&self, parts: &[&Expr], joined: BinOp, negated: bool) -> Pred {
        let mut items: Vec<Pred> = Vec::new();
        let mut i = 0;
        while i < parts.len() {
            // 「1以上4以下」: a lower and an upper bound on the same thing read as one range.
            if joined == BinOp::And
                && !negated
                && let Some(next) = parts.get(i + 1)
                && let Some(range) = self.range(parts[i], next)
            {
                items.push(range);
                i += 2;
                continue;
            }
            let mut p = self.pred(parts[i], negated);
            if p.chain {
                p.text = self.t(format!("（{}）", p.text), format!("({})", p.text));
                p.noun = true;
            }
            items.push(p);
            i += 1;
        }
        let noun = items.last().is_some_and(|p| p.noun);
        let sep = match (self.ja(), joined) {
            (true, BinOp::And) => "、かつ",
            (true, _) => "、または",
            (false, BinOp::And) => " and ",
            (false, _) => " or ",
        };
        let text = items
            .into_iter()
            .map(|p| p.text)
            .collect::<Vec<_>>()
            .join(sep);
        Pred {
            text,
            noun,
            chain: parts.len() > 1,
        }
    }

    /// `x >= a and x <= b` as 「a以上b以下」 (numbers only; dates read better apart).
    fn range(&self, low: &Expr, high: &Expr) -> Option<Pred> {
        let (ExprKind::Binary(op1, s1, a), ExprKind::Binary(op2, s2, b)) = (&low.kind, &high.kind)
        else {
            return None;
        };
        if s1 != s2 || *op1 != BinOp::Ge || !matches!(op2, BinOp::Le | BinOp::Lt) {
            return None;
        }
        if self.is_date(s1) || self.is_time(s1) || self.is_date(a) || self.is_date(b) || !self.ja()
        {
            return None;
        }
        let a = self.operand(a);
        let b = self.operand(b);
        let upper = if *op2 == BinOp::Le {
            "以下"
        } else {
            "未満"
        };
        let text = match self.subject(s1) {
            Some(s) => format!("{s}が{a}以上{b}{upper}"),
            None => format!("{a}以上{b}{upper}"),
        };
        Some(Pred::new(text, true))
    }

    /// The subject of a comparison; `None` for the answer itself in a constraint, where
    /// 「1以上」 needs no subject.
    fn subject(&self, expr: &Expr) -> Option<String> {
        if matches!(expr.kind, ExprKind::Current) && self.property == Property::Constraint {
            return None;
        }
        Some(self.value(expr).text)
    }

    /// A value inside a larger phrase, in parentheses when it is itself compound.
    fn operand(&self, expr: &Expr) -> String {
        let p = self.value(expr);
        if p.compound {
            self.t(format!("（{}）", p.text), format!("({})", p.text))
        } else {
            p.text
        }
    }

    /// The right-hand side of a comparison: a choice label when the left is a select.
    fn compared_value(&self, subject: &Expr, value: &Expr) -> (String, bool) {
        if let ExprKind::String(s) = &value.kind
            && let Some(label) = self.choice_label(subject, s)
        {
            return (self.quote(&label), true);
        }
        let literal = matches!(value.kind, ExprKind::String(_) | ExprKind::Number(_));
        (self.operand(value), literal)
    }

    fn compare(&self, op: BinOp, a: &Expr, b: &Expr) -> Pred {
        // A literal on the left reads backwards: `'yes' = ${x}` is `${x} = 'yes'`.
        let literal = |e: &Expr| matches!(e.kind, ExprKind::String(_) | ExprKind::Number(_));
        if literal(a) && !literal(b) {
            return self.compare(flip(op), b, a);
        }
        if let Some(p) = self.weekday(op, a, b) {
            return p;
        }
        let subject = self.subject(a);
        if Self::is_empty_string(b) && matches!(op, BinOp::Eq | BinOp::Ne) {
            let s = subject.unwrap_or_else(|| self.t("この項目", "this answer").to_owned());
            return match (self.ja(), op) {
                (true, BinOp::Eq) => Pred::new(format!("{s}が未入力"), true),
                (true, _) => Pred::new(format!("{s}が入力されている"), false),
                (false, BinOp::Eq) => Pred::new(format!("{s} is not answered"), false),
                (false, _) => Pred::new(format!("{s} is answered"), false),
            };
        }
        let date = self.is_date(a) || self.is_date(b) || self.is_time(a) || self.is_time(b);
        let (v, is_literal) = match &b.kind {
            // 「8:30以降」 and 「2024-04-01まで」 read better without quotes.
            ExprKind::String(s) if date && looks_chronological(s) => (s.clone(), true),
            _ => self.compared_value(a, b),
        };
        if self.ja() {
            let (tail, noun) = match op {
                BinOp::Eq if subject.is_none() => (format!("{v}と同じ"), false),
                BinOp::Eq if is_literal => (v, true),
                BinOp::Eq => (format!("{v}と同じ"), false),
                BinOp::Ne => (format!("{v}以外"), true),
                BinOp::Gt if date => (format!("{v}より後"), true),
                BinOp::Gt => (format!("{v}より大きい"), false),
                BinOp::Ge if date => (format!("{v}以降"), true),
                BinOp::Ge => (format!("{v}以上"), true),
                BinOp::Lt if date => (format!("{v}より前"), true),
                BinOp::Lt => (format!("{v}未満"), true),
                BinOp::Le if date => (format!("{v}まで"), true),
                _ => (format!("{v}以下"), true),
            };
            match subject {
                Some(s) => Pred::new(format!("{s}が{tail}"), noun),
                None => Pred::new(tail, noun),
            }
        } else {
            let tail = match op {
                BinOp::Eq if subject.is_none() => format!("equal to {v}"),
                BinOp::Eq => v,
                BinOp::Ne => format!("other than {v}"),
                BinOp::Gt if date => format!("later than {v}"),
                BinOp::Gt => format!("greater than {v}"),
                BinOp::Ge if date => format!("on or after {v}"),
                BinOp::Ge => format!("at least {v}"),
                BinOp::Lt if date => format!("earlier than {v}"),
                BinOp::Lt => format!("less than {v}"),
                BinOp::Le if date => format!("no later than {v}"),
                _ => format!("at most {v}"),
            };
            match subject {
                Some(s) => Pred::new(format!("{s} is {tail}"), false),
                None => Pred::new(tail, false),
            }
        }
    }

    /// `format-date(d, '%a') != 'Sat'` as 「dが土曜日以外」.
    fn weekday(&self, op: BinOp, a: &Expr, b: &Expr) -> Option<Pred> {
        let ExprKind::Call(Func::FormatDate | Func::FormatDateTime, args) = &a.kind else {
            return None;
        };
        let (Some(date), Some(fmt)) = (args.first(), args.get(1)) else {
            return None;
        };
        if !matches!(&fmt.kind, ExprKind::String(f) if f == "%a") {
            return None;
        }
        let ExprKind::String(day) = &b.kind else {
            return None;
        };
        let (ja, en) = weekday_name(day)?;
        let subject = self.subject(date);
        Some(match (self.ja(), op, subject) {
            (true, BinOp::Eq, Some(s)) => Pred::new(format!("{s}が{ja}"), true),
            (true, BinOp::Eq, None) => Pred::new(ja.to_owned(), true),
            (true, BinOp::Ne, Some(s)) => Pred::new(format!("{s}が{ja}以外"), true),
            (true, BinOp::Ne, None) => Pred::new(format!("{ja}以外"), true),
            (false, BinOp::Eq, Some(s)) => Pred::new(format!("{s} is a {en}"), false),
            (false, BinOp::Eq, None) => Pred::new(format!("a {en}"), false),
            (false, BinOp::Ne, Some(s)) => Pred::new(format!("{s} is not a {en}"), false),
            (false, BinOp::Ne, None) => Pred::new(format!("not a {en}"), false),
            _ => return None,
        })
    }

    fn pred_call(&self, func: Func, args: &[Expr], negated: bool) -> Pred {
        let arg = |i: usize| args.get(i);
        let subject_of = |i: usize| arg(i).and_then(|e| self.subject(e));
        let v = |i: usize| arg(i).map(|e| self.operand(e)).unwrap_or_default();
        let ja = self.ja();
        match func {
            Func::Not => match arg(0) {
                Some(inner) => self.pred(inner, !negated),
                None => self.truthy_literal(negated),
            },
            Func::True => self.truthy_literal(negated),
            Func::False => self.truthy_literal(!negated),
            Func::Selected => {
                let (Some(list), Some(choice)) = (arg(0), arg(1)) else {
                    return self.truthy_literal(negated);
                };
                let field = self.field_of(list);
                let shown = match &choice.kind {
                    ExprKind::String(s) => self
                        .choice_label(list, s)
                        .map_or_else(|| self.quote(s.trim()), |l| self.quote(&l)),
                    _ => self.operand(choice),
                };
                let subject = subject_of(0);
                let yes_no = field
                    .is_some_and(|f| matches!(f.field_type, FieldType::YesNo | FieldType::Consent));
                match (ja, yes_no, negated, subject) {
                    (true, true, false, Some(s)) => Pred::new(format!("{s}が{shown}"), true),
                    (true, true, true, Some(s)) => Pred::new(format!("{s}が{shown}以外"), true),
                    (true, false, false, Some(s)) => {
                        Pred::new(format!("{s}で{shown}を選んだ"), false)
                    }
                    (true, false, true, Some(s)) => {
                        Pred::new(format!("{s}で{shown}を選んでいない"), false)
                    }
                    (true, _, false, None) => Pred::new(format!("{shown}を選んでいる"), false),
                    (true, _, true, None) => Pred::new(format!("{shown}を選んでいない"), false),
                    (false, true, false, Some(s)) => Pred::new(format!("{s} is {shown}"), false),
                    (false, true, true, Some(s)) => Pred::new(format!("{s} is not {shown}"), false),
                    (false, false, false, Some(s)) => {
                        Pred::new(format!("{shown} is chosen in {s}"), false)
                    }
                    (false, false, true, Some(s)) => {
                        Pred::new(format!("{shown} is not chosen in {s}"), false)
                    }
                    (false, _, false, None) => Pred::new(format!("{shown} is chosen"), false),
                    (false, _, true, None) => Pred::new(format!("{shown} is not chosen"), false),
                }
            }
            Func::Regex => {
                let pattern = match arg(1).map(|e| &e.kind) {
                    Some(ExprKind::String(p)) => p.clone(),
                    _ => v(1),
                };
                let form = regex_in_words(&pattern, ja);
                match (ja, negated, subject_of(0)) {
                    (true, false, Some(s)) => Pred::new(format!("{s}が{form}に合う"), false),
                    (true, true, Some(s)) => Pred::new(format!("{s}が{form}に合わない"), false),
                    (true, false, None) => Pred::new(format!("{form}に合う"), false),
                    (true, true, None) => Pred::new(format!("{form}に合わない"), false),
                    (false, false, Some(s)) => Pred::new(format!("{s} matches {form}"), false),
                    (false, true, Some(s)) => {
                        Pred::new(format!("{s} does not match {form}"), false)
                    }
                    (false, false, None) => Pred::new(format!("matches {form}"), false),
                    (false, true, None) => Pred::new(format!("does not match {form}"), false),
                }
            }
            Func::Contains | Func::StartsWith | Func::EndsWith => {
                let t = v(1);
                let (ja_yes, ja_no, en_yes, en_no) = match func {
                    Func::Contains => {
                        ("が含まれる", "が含まれない", "contains", "does not contain")
                    }
                    Func::StartsWith => (
                        "で始まる",
                        "で始まらない",
                        "starts with",
                        "does not start with",
                    ),
                    _ => ("で終わる", "で終わらない", "ends with", "does not end with"),
                };
                let subject = subject_of(0);
                if ja {
                    let tail = format!("{t}{}", if negated { ja_no } else { ja_yes });
                    match (func, subject) {
                        (Func::Contains, Some(s)) => Pred::new(format!("{s}に{tail}"), false),
                        (_, Some(s)) => Pred::new(format!("{s}が{tail}"), false),
                        (_, None) => Pred::new(tail, false),
                    }
                } else {
                    let verb = if negated { en_no } else { en_yes };
                    match subject {
                        Some(s) => Pred::new(format!("{s} {verb} {t}"), false),
                        None => Pred::new(format!("{verb} {t}"), false),
                    }
                }
            }
            Func::BooleanFromString => {
                let s =
                    subject_of(0).unwrap_or_else(|| self.t("この項目", "this answer").to_owned());
                match (ja, negated) {
                    (true, false) => Pred::new(format!("{s}が「true」か「1」"), true),
                    (true, true) => Pred::new(format!("{s}が「true」「1」以外"), true),
                    (false, false) => Pred::new(format!("{s} is “true” or “1”"), false),
                    (false, true) => Pred::new(format!("{s} is neither “true” nor “1”"), false),
                }
            }
            Func::Boolean => match arg(0) {
                Some(inner) => self.truthy(inner, negated),
                None => self.truthy_literal(negated),
            },
            _ => {
                let call = Expr::new(ExprKind::Call(func, args.to_vec()), Span::default());
                self.truthy(&call, negated)
            }
        }
    }

    fn truthy_literal(&self, negated: bool) -> Pred {
        match (self.ja(), negated) {
            (true, false) => Pred::new("常に".to_owned(), false),
            (true, true) => Pred::new("どんな場合も当てはまらない".to_owned(), false),
            (false, false) => Pred::new("always".to_owned(), false),
            (false, true) => Pred::new("never".to_owned(), false),
        }
    }

    // ---- values ------------------------------------------------------------------------

    fn value(&self, expr: &Expr) -> Phrase {
        let ja = self.ja();
        match &expr.kind {
            ExprKind::Number(n) => Phrase::simple(format_number(*n)),
            ExprKind::String(s) if s.is_empty() => Phrase::simple(self.t("空欄", "empty")),
            ExprKind::String(s) => Phrase::simple(self.quote(s)),
            ExprKind::Ref(name) => match self.form.field(name) {
                Some(f) => {
                    let text = self.field_name(f, true);
                    let compound = f.definition.label.is_none();
                    Phrase { text, compound }
                }
                None => Phrase::simple(self.field_quote(name)),
            },
            ExprKind::Current => Phrase::simple(self.t("この項目", "this answer")),
            ExprKind::Parent => Phrase::simple(self.t("この行", "this row")),
            ExprKind::Prop(name) => Phrase::simple(match (ja, name.as_str()) {
                (true, "name") => "選択肢の内部名".to_owned(),
                (true, "label") => "選択肢の表示名".to_owned(),
                (true, other) => format!("選択肢の「{other}」欄"),
                (false, "name") => "the choice's internal name".to_owned(),
                (false, "label") => "the choice's label".to_owned(),
                (false, other) => format!("the choice's “{other}” column"),
            }),
            ExprKind::Neg(inner) => {
                let v = self.operand(inner);
                Phrase::simple(self.t(format!("マイナス{v}"), format!("minus {v}")))
            }
            ExprKind::Binary(op, a, b) => self.arithmetic(expr, *op, a, b),
            ExprKind::Call(func, args) => self.call(*func, args),
        }
    }

    fn arithmetic(&self, expr: &Expr, op: BinOp, a: &Expr, b: &Expr) -> Phrase {
        let ja = self.ja();
        match op {
            BinOp::And
            | BinOp::Or
            | BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge => {
                let p = self.pred(expr, false);
                Phrase::compound(
                    self.t(format!("{}かどうか", p.text), format!("whether {}", p.text)),
                )
            }
            BinOp::Add if self.is_date(a) && !self.is_date(b) => self.date_offset(a, b, true),
            BinOp::Add if self.is_date(b) && !self.is_date(a) => self.date_offset(b, a, true),
            BinOp::Add => {
                let mut parts = Vec::new();
                collect_chain(expr, BinOp::Add, &mut parts);
                let items: Vec<String> = parts.iter().map(|p| self.operand(p)).collect();
                Phrase::compound(if ja {
                    format!("{}の合計", list_ja(&items))
                } else {
                    format!("the sum of {}", list_en(&items))
                })
            }
            BinOp::Sub if self.is_date(a) && self.is_date(b) => {
                let (a, b) = (self.operand(a), self.operand(b));
                Phrase::compound(self.t(
                    format!("{b}から{a}までの日数"),
                    format!("the number of days from {b} to {a}"),
                ))
            }
            BinOp::Sub if self.is_date(a) => self.date_offset(a, b, false),
            BinOp::Sub => {
                let (a, b) = (self.operand(a), self.operand(b));
                Phrase::compound(self.t(format!("{a}から{b}を引いた数"), format!("{a} minus {b}")))
            }
            BinOp::Mul => {
                let (a, b) = (self.operand(a), self.operand(b));
                Phrase::compound(self.t(format!("{a}に{b}を掛けた数"), format!("{a} times {b}")))
            }
            BinOp::Div => {
                let (a, b) = (self.operand(a), self.operand(b));
                Phrase::compound(
                    self.t(format!("{a}を{b}で割った数"), format!("{a} divided by {b}")),
                )
            }
            BinOp::Mod => {
                let (a, b) = (self.operand(a), self.operand(b));
                Phrase::compound(self.t(
                    format!("{a}を{b}で割った余り"),
                    format!("the remainder of {a} divided by {b}"),
                ))
            }
        }
    }

    /// `today() + 60` as 「今日から60日後」, `today() - 14` as 「今日の14日前」.
    fn date_offset(&self, date: &Expr, days: &Expr, later: bool) -> Phrase {
        let d = self.operand(date);
        let n = self.operand(days);
        Phrase::simple(match (self.ja(), later) {
            (true, true) => format!("{d}から{n}日後"),
            (true, false) => format!("{d}の{n}日前"),
            (false, true) => format!("{n} days after {d}"),
            (false, false) => format!("{n} days before {d}"),
        })
    }

    fn call(&self, func: Func, args: &[Expr]) -> Phrase {
        let ja = self.ja();
        let arg = |i: usize| args.get(i);
        let v = |i: usize| arg(i).map(|e| self.operand(e)).unwrap_or_default();
        // Functions that read `.` when called without an argument.
        let v_or_current = |i: usize| match arg(i) {
            Some(e) => self.operand(e),
            None => self.t("この項目", "this answer").to_owned(),
        };
        match func {
            Func::Not
            | Func::Selected
            | Func::Regex
            | Func::Contains
            | Func::StartsWith
            | Func::EndsWith
            | Func::Boolean
            | Func::BooleanFromString => {
                let p = self.pred_call(func, args, false);
                Phrase::compound(
                    self.t(format!("{}かどうか", p.text), format!("whether {}", p.text)),
                )
            }
            Func::True => Phrase::simple(self.t("はい（真）", "true")),
            Func::False => Phrase::simple(self.t("いいえ（偽）", "false")),
            Func::If => self.if_chain(args),
            Func::Coalesce => {
                let items: Vec<String> = args.iter().map(|a| self.operand(a)).collect();
                let (first, rest) = items
                    .split_first()
                    .map_or((String::new(), &[][..]), |(f, r)| (f.clone(), r));
                let mut text = first;
                for r in rest {
                    text = if ja {
                        format!("{text}（空欄なら{r}）")
                    } else {
                        format!("{text} (or {r} when empty)")
                    };
                }
                Phrase::compound(text)
            }
            Func::CountSelected => Phrase::simple(self.t(
                format!("{}で選んだ数", v(0)),
                format!("the number of choices picked in {}", v(0)),
            )),
            Func::SelectedAt => {
                let n = match arg(1).map(|e| &e.kind) {
                    Some(ExprKind::Number(n)) => format_number(n + 1.0),
                    _ => self.t(format!("{}+1", v(1)), format!("{} + 1", v(1))),
                };
                Phrase::simple(self.t(
                    format!("{}で{n}番目に選んだもの", v(0)),
                    format!("choice number {n} picked in {}", v(0)),
                ))
            }
            Func::StringLength => {
                Phrase::simple(match (ja, arg(0).and_then(|e| self.subject(e))) {
                    (true, Some(s)) => format!("{s}の文字数"),
                    (true, None) => "文字数".to_owned(),
                    (false, Some(s)) => format!("the number of characters in {s}"),
                    (false, None) => "the number of characters".to_owned(),
                })
            }
            Func::Concat => {
                let items: Vec<String> = args.iter().map(|a| self.operand(a)).collect();
                Phrase::compound(if ja {
                    format!("{}をつなげた文字", list_ja(&items))
                } else {
                    format!("{} joined together", list_en(&items))
                })
            }
            Func::Substr => {
                let from = match arg(1).map(|e| &e.kind) {
                    Some(ExprKind::Number(n)) => Some(format_number(n.trunc() + 1.0)),
                    _ => None,
                };
                let to = match arg(2).map(|e| &e.kind) {
                    Some(ExprKind::Number(n)) => Some(format_number(n.trunc())),
                    Some(_) => None,
                    None => Some(String::new()),
                };
                let s = v(0);
                Phrase::simple(match (ja, from, to) {
                    (true, Some(f), Some(t)) if t.is_empty() => format!("{s}の{f}文字目以降"),
                    (true, Some(f), Some(t)) => format!("{s}の{f}文字目から{t}文字目まで"),
                    (true, _, _) => {
                        format!("{s}の一部（{}文字目の次から{}文字目まで）", v(1), v(2))
                    }
                    (false, Some(f), Some(t)) if t.is_empty() => {
                        format!("{s} from character {f} on")
                    }
                    (false, Some(f), Some(t)) => format!("characters {f} to {t} of {s}"),
                    (false, _, _) => {
                        format!("part of {s} (after character {} up to {})", v(1), v(2))
                    }
                })
            }
            Func::SubstringBefore => Phrase::simple(self.t(
                format!("{}のうち{}より前の部分", v(0), v(1)),
                format!("the part of {} before {}", v(0), v(1)),
            )),
            Func::SubstringAfter => Phrase::simple(self.t(
                format!("{}のうち{}より後の部分", v(0), v(1)),
                format!("the part of {} after {}", v(0), v(1)),
            )),
            Func::Translate => Phrase::simple(self.t(
                format!("{}の文字{}を{}に置き換えたもの", v(0), v(1), v(2)),
                format!("{} with the characters {} replaced by {}", v(0), v(1), v(2)),
            )),
            Func::NormalizeSpace => Phrase::simple(self.t(
                format!("{}（余分な空白を除いたもの）", v_or_current(0)),
                format!("{} without extra spaces", v_or_current(0)),
            )),
            Func::String => Phrase::simple(v_or_current(0)),
            Func::Number => Phrase::simple(self.t(
                format!("{}の数値", v_or_current(0)),
                format!("{} as a number", v_or_current(0)),
            )),
            Func::Today => Phrase::simple(self.t("今日", "today")),
            Func::Now => Phrase::simple(self.t("現在の日時", "now")),
            Func::Date => match arg(0) {
                Some(inner) if self.is_date(inner) => self.value(inner),
                _ => Phrase::simple(self.t(
                    format!("{}を日付にしたもの", v(0)),
                    format!("{} as a date", v(0)),
                )),
            },
            Func::DecimalDateTime => Phrase::simple(self.t(
                format!("{}を日数（1970年1月1日から）に直した値", v(0)),
                format!("{} as days since 1 January 1970", v(0)),
            )),
            Func::FormatDate | Func::FormatDateTime => {
                let d = v(0);
                match arg(1).map(|e| &e.kind) {
                    Some(ExprKind::String(f)) if date_part(f).is_some() => {
                        let (ja_part, en_part) = date_part(f).unwrap_or_default();
                        Phrase::simple(
                            self.t(format!("{d}の{ja_part}"), format!("the {en_part} of {d}")),
                        )
                    }
                    Some(ExprKind::String(f)) => {
                        let sample = format_sample(f);
                        Phrase::simple(self.t(
                            format!("{d}を「{sample}」のような形で書いたもの"),
                            format!("{d} written like “{sample}”"),
                        ))
                    }
                    _ => Phrase::simple(self.t(
                        format!("{d}を{}の形で書いたもの", v(1)),
                        format!("{d} written in the format {}", v(1)),
                    )),
                }
            }
            Func::Round => {
                let x = v(0);
                Phrase::simple(match (ja, arg(1).map(|e| &e.kind)) {
                    (true, Some(ExprKind::Number(n))) if *n > 0.0 => {
                        format!("{x}を小数点以下{}桁に四捨五入した数", format_number(*n))
                    }
                    (true, Some(_)) => format!("{x}を{}桁で四捨五入した数", v(1)),
                    (true, None) => format!("{x}を四捨五入した整数"),
                    (false, Some(ExprKind::Number(n))) if *n > 0.0 => {
                        format!("{x} rounded to {} decimal places", format_number(*n))
                    }
                    (false, Some(_)) => format!("{x} rounded at {} places", v(1)),
                    (false, None) => format!("{x} rounded to a whole number"),
                })
            }
            Func::Int => {
                if let Some(age) = arg(0).and_then(|e| self.age(e)) {
                    return age;
                }
                Phrase::simple(self.t(
                    format!("{}の整数部分", v(0)),
                    format!("the whole-number part of {}", v(0)),
                ))
            }
            Func::Floor => {
                if let Some(age) = arg(0).and_then(|e| self.age(e)) {
                    return age;
                }
                Phrase::simple(self.t(
                    format!("{}を切り捨てた整数", v(0)),
                    format!("{} rounded down", v(0)),
                ))
            }
            Func::Ceiling => Phrase::simple(self.t(
                format!("{}を切り上げた整数", v(0)),
                format!("{} rounded up", v(0)),
            )),
            Func::Abs => Phrase::simple(self.t(
                format!("{}の絶対値", v(0)),
                format!("the absolute value of {}", v(0)),
            )),
            Func::Pow => Phrase::simple(self.t(
                format!("{}の{}乗", v(0), v(1)),
                format!("{} to the power of {}", v(0), v(1)),
            )),
            Func::Min | Func::Max => {
                let smallest = func == Func::Min;
                if let [only] = args
                    && let Some((repeat, field)) = self.repeat_field(only)
                {
                    return Phrase::simple(match (ja, smallest) {
                        (true, true) => format!("{repeat}ごとの{field}のうち最も小さい値"),
                        (true, false) => format!("{repeat}ごとの{field}のうち最も大きい値"),
                        (false, true) => format!("the smallest {field} over all {repeat}"),
                        (false, false) => format!("the largest {field} over all {repeat}"),
                    });
                }
                let items: Vec<String> = args.iter().map(|a| self.operand(a)).collect();
                Phrase::simple(match (ja, smallest) {
                    (true, true) => format!("{}のうち最も小さい値", list_ja(&items)),
                    (true, false) => format!("{}のうち最も大きい値", list_ja(&items)),
                    (false, true) => format!("the smallest of {}", list_en(&items)),
                    (false, false) => format!("the largest of {}", list_en(&items)),
                })
            }
            Func::Sum => match arg(0).and_then(|e| self.repeat_field(e)) {
                Some((repeat, field)) => Phrase::simple(self.t(
                    format!("{repeat}ごとの{field}の合計"),
                    format!("the total of {field} over all {repeat}"),
                )),
                None => Phrase::simple(
                    self.t(format!("{}の合計", v(0)), format!("the total of {}", v(0))),
                ),
            },
            Func::Count => {
                let Some(target) = arg(0) else {
                    return Phrase::simple(self.t("件数", "the number of entries"));
                };
                let repeat = self.field_of(target).and_then(|f| match f.field_type {
                    FieldType::Repeat => Some(f),
                    _ => f.repeat.and_then(|r| self.form.fields().get(r)),
                });
                match repeat {
                    Some(r) => {
                        let name = self.field_name(r, true);
                        let people = counts_people(&r.label().ja);
                        Phrase::simple(match (ja, people) {
                            (true, true) => format!("{name}の人数"),
                            (true, false) => format!("{name}の件数"),
                            (false, _) => format!("the number of {name}"),
                        })
                    }
                    None => Phrase::simple(
                        self.t(format!("{}の件数", v(0)), format!("the number of {}", v(0))),
                    ),
                }
            }
            Func::CountNonEmpty => Phrase::simple(self.t(
                format!("{}が入力されている件数", v(0)),
                format!("the number of entries where {} is answered", v(0)),
            )),
            Func::Join => {
                let sep = v(0);
                let items: Vec<String> = args.iter().skip(1).map(|a| self.operand(a)).collect();
                Phrase::simple(self.t(
                    format!("{}を{sep}で区切って並べたもの", list_ja(&items)),
                    format!("{} listed with {sep} between them", list_en(&items)),
                ))
            }
            Func::Position => match arg(0).map(|e| (&e.kind, self.field_of(e))) {
                Some((ExprKind::Ref(_), Some(r))) => {
                    let name = self.field_name(r, true);
                    Phrase::simple(self.t(
                        format!("{name}の何件目か"),
                        format!("the entry number in {name}"),
                    ))
                }
                _ => Phrase::simple(self.t("何件目か（行の番号）", "the entry number")),
            },
        }
    }

    /// `if(c1, a, if(c2, b, z))` as 「c1のときはa、c2のときはb、それ以外はz」; a chain that
    /// looks one answer up (`if(${item} = 'sofa', 500, if(${item} = 'bed', 1500, 0))`) as a
    /// table: 「『品目』に応じて、「ソファ」は500、「ベッド」は1500、それ以外は0」.
    fn if_chain(&self, args: &[Expr]) -> Phrase {
        let mut arms: Vec<(&Expr, &Expr)> = Vec::new();
        let mut rest = args;
        let otherwise = loop {
            let [cond, then, other] = rest else {
                return Phrase::simple(String::new());
            };
            arms.push((cond, then));
            match &other.kind {
                ExprKind::Call(Func::If, inner) if inner.len() == 3 => rest = inner,
                _ => break other,
            }
        };
        let z = self.operand(otherwise);
        if arms.len() >= 2
            && let Some(table) = self.lookup_table(&arms, &z)
        {
            return table;
        }
        let ja = self.ja();
        let mut parts: Vec<String> = arms
            .iter()
            .map(|(cond, then)| {
                let when = self.when(&self.pred(cond, false));
                let value = self.operand(then);
                if ja {
                    format!("{when}は{value}")
                } else {
                    format!("{value} {when}")
                }
            })
            .collect();
        parts.push(match (ja, arms.len()) {
            (true, 1) => format!("そうでなければ{z}"),
            (true, _) => format!("それ以外は{z}"),
            (false, _) => format!("otherwise {z}"),
        });
        Phrase::compound(parts.join(self.t("、", ", ")))
    }

    /// The table form of an `if` chain whose every condition compares one subject with
    /// literals (`${item} = 'a'` or `${item} = 'a' or ${item} = 'b'`).
    fn lookup_table(&self, arms: &[(&Expr, &Expr)], otherwise: &str) -> Option<Phrase> {
        let mut subject: Option<&Expr> = None;
        let mut rows = Vec::new();
        for (cond, then) in arms {
            let mut alternatives = Vec::new();
            collect_chain(cond, BinOp::Or, &mut alternatives);
            let mut keys = Vec::new();
            for alternative in alternatives {
                let ExprKind::Binary(BinOp::Eq, s, value) = &alternative.kind else {
                    return None;
                };
                if !matches!(value.kind, ExprKind::String(_) | ExprKind::Number(_)) {
                    return None;
                }
                match subject {
                    Some(known) if known != s.as_ref() => return None,
                    _ => subject = Some(s),
                }
                keys.push(self.compared_value(s, value).0);
            }
            let keys = keys.join(self.t("・", " or "));
            let value = self.operand(then);
            rows.push(self.t(format!("{keys}は{value}"), format!("{keys} {value}")));
        }
        let s = self.value(subject?).text;
        Some(Phrase::compound(if self.ja() {
            format!("{s}に応じて、{}、それ以外は{otherwise}", rows.join("、"))
        } else {
            format!("by {s}: {}, otherwise {otherwise}", rows.join(", "))
        }))
    }

    /// `int((today() - ${birth}) div 365.25)` is the usual way to say "age in years".
    fn age(&self, expr: &Expr) -> Option<Phrase> {
        let ExprKind::Binary(BinOp::Div, days, year) = &expr.kind else {
            return None;
        };
        let ExprKind::Number(n) = year.kind else {
            return None;
        };
        if !(365.0..=365.25).contains(&n) {
            return None;
        }
        let ExprKind::Binary(BinOp::Sub, to, from) = &days.kind else {
            return None;
        };
        if !(self.is_date(to) && self.is_date(from)) {
            return None;
        }
        let from = self.operand(from);
        let to_today = matches!(to.kind, ExprKind::Call(Func::Today, _));
        Some(Phrase::simple(match (self.ja(), to_today) {
            (true, true) => format!("{from}から数えた今日の年齢（満年齢）"),
            (true, false) => format!("{from}から{}までの満年数", self.operand(to)),
            (false, true) => format!("the age in years today, counted from {from}"),
            (false, false) => {
                format!("the whole years from {from} to {}", self.operand(to))
            }
        }))
    }

    /// For a field inside a repeat seen from outside: the repeat's and the field's names.
    fn repeat_field(&self, expr: &Expr) -> Option<(String, String)> {
        let field = self.field_of(expr)?;
        let repeat = self.form.fields().get(field.repeat?)?;
        Some((self.field_name(repeat, true), self.field_name(field, true)))
    }

    // ---- fallback ----------------------------------------------------------------------

    /// The expression itself, with labels for fields: 「次の計算: 『A』 + 『B』 × 2」.
    fn fallback(&self, expr: &Expr) -> String {
        let mut out = String::new();
        self.print(expr, &mut out);
        self.t(format!("次の計算: {out}"), format!("the formula: {out}"))
    }

    fn print(&self, expr: &Expr, out: &mut String) {
        match &expr.kind {
            ExprKind::Number(n) => out.push_str(&format_number(*n)),
            ExprKind::String(s) => out.push_str(&self.quote(s)),
            ExprKind::Ref(name) => {
                let label = self
                    .form
                    .field(name)
                    .and_then(|f| f.definition.label.as_ref())
                    .map_or_else(
                        || name.clone(),
                        |l| l.get(self.lang_code()).replace("${", "$ {"),
                    );
                out.push_str(&self.field_quote(&label));
            }
            ExprKind::Current => out.push_str(self.t("この項目", "this answer")),
            ExprKind::Parent => out.push_str(self.t("この行", "this row")),
            ExprKind::Prop(name) => out.push_str(name),
            ExprKind::Neg(inner) => {
                out.push('-');
                self.print_operand(inner, out);
            }
            ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) if matches!(&b.kind, ExprKind::String(v) if self.choice_label(a, v).is_some()) =>
            {
                self.print_operand(a, out);
                out.push_str(if *op == BinOp::Eq { " = " } else { " ≠ " });
                out.push_str(&self.compared_value(a, b).0);
            }
            ExprKind::Binary(op, a, b) => {
                self.print_operand(a, out);
                let symbol = match (self.ja(), op) {
                    (_, BinOp::Mul) => " × ",
                    (_, BinOp::Div) => " ÷ ",
                    (true, BinOp::And) => " かつ ",
                    (true, BinOp::Or) => " または ",
                    (true, BinOp::Mod) => " の余り ",
                    (false, BinOp::Mod) => " mod ",
                    (_, BinOp::Ne) => " ≠ ",
                    (_, BinOp::Le) => " ≦ ",
                    (_, BinOp::Ge) => " ≧ ",
                    (_, other) => match other.symbol() {
                        "and" => " and ",
                        "or" => " or ",
                        "=" => " = ",
                        "<" => " < ",
                        ">" => " > ",
                        "+" => " + ",
                        _ => " - ",
                    },
                };
                out.push_str(symbol);
                self.print_operand(b, out);
            }
            ExprKind::Call(func, args) => {
                out.push_str(func.name());
                out.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.print(a, out);
                }
                out.push(')');
            }
        }
    }

    fn print_operand(&self, expr: &Expr, out: &mut String) {
        if matches!(expr.kind, ExprKind::Binary(..)) {
            out.push('(');
            self.print(expr, out);
            out.push(')');
        } else {
            self.print(expr, out);
        }
    }
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    )
}

/// The comparison that is true exactly when `op` is false.
fn negate(op: BinOp) -> BinOp {
    match op {
        BinOp::Eq => BinOp::Ne,
        BinOp::Ne => BinOp::Eq,
        BinOp::Lt => BinOp::Ge,
        BinOp::Ge => BinOp::Lt,
        BinOp::Gt => BinOp::Le,
        BinOp::Le => BinOp::Gt,
        other => other,
    }
}

/// The comparison with its operands swapped: `a < b` is `b > a`.
fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Gt => BinOp::Lt,
        BinOp::Le => BinOp::Ge,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

/// The operands of a left-nested chain of one operator: `a + b + c` → [a, b, c].
fn collect_chain<'e>(expr: &'e Expr, op: BinOp, out: &mut Vec<&'e Expr>) {
    match &expr.kind {
        ExprKind::Binary(o, a, b) if *o == op => {
            collect_chain(a, op, out);
            collect_chain(b, op, out);
        }
        _ => out.push(expr),
    }
}

/// 「A」, 「AとB」, 「A、B、C」.
fn list_ja(items: &[String]) -> String {
    match items {
        [a, b] => format!("{a}と{b}"),
        _ => items.join("、"),
    }
}

/// "A", "A and B", "A, B and C".
fn list_en(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Whether a repeat's rows are people, so its count reads 「人数」 rather than 「件数」.
fn counts_people(label: &str) -> bool {
    ["人", "子", "者", "方", "員", "家族", "児", "メンバー"]
        .iter()
        .any(|w| label.contains(w))
}

/// A `format-date` pattern of one code: the part of the date it gives.
fn date_part(pattern: &str) -> Option<(&'static str, &'static str)> {
    Some(match pattern {
        "%a" => ("曜日", "day of the week"),
        "%Y" | "%y" => ("年", "year"),
        "%m" | "%n" | "%b" => ("月", "month"),
        "%d" | "%e" => ("日", "day of the month"),
        "%H" | "%h" => ("時", "hour"),
        "%M" => ("分", "minutes"),
        _ => return None,
    })
}

/// `08:30`, `2024-04-01` and the like: literals that are dates or times.
fn looks_chronological(s: &str) -> bool {
    let digits_and = |extra: char| s.chars().all(|c| c.is_ascii_digit() || c == extra);
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_digit())
        && ((s.contains(':') && digits_and(':'))
            || (s.matches('-').count() == 2 && digits_and('-')))
}

fn weekday_name(day: &str) -> Option<(&'static str, &'static str)> {
    Some(match day {
        "Mon" => ("月曜日", "Monday"),
        "Tue" => ("火曜日", "Tuesday"),
        "Wed" => ("水曜日", "Wednesday"),
        "Thu" => ("木曜日", "Thursday"),
        "Fri" => ("金曜日", "Friday"),
        "Sat" => ("土曜日", "Saturday"),
        "Sun" => ("日曜日", "Sunday"),
        _ => return None,
    })
}

/// A `format-date` pattern shown with the date 2024-04-01 09:05:07: `%Y年%n月%e日` →
/// 「2024年4月1日」.
fn format_sample(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str("2024"),
            Some('y') => out.push_str("24"),
            Some('m') => out.push_str("04"),
            Some('n') => out.push('4'),
            Some('b') => out.push_str("Apr"),
            Some('d') => out.push_str("01"),
            Some('e') => out.push('1'),
            Some('a') => out.push_str("Mon"),
            Some('H') => out.push_str("09"),
            Some('h') => out.push('9'),
            Some('M') => out.push_str("05"),
            Some('S') => out.push_str("07"),
            Some('3') => out.push_str("000"),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// A few patterns builders use again and again, in words; others are shown as written.
fn regex_in_words(pattern: &str, ja: bool) -> String {
    let known: Option<(&str, &str)> = match pattern {
        "^[0-9]+$" | r"^\d+$" => Some(("数字だけの形", "digits only")),
        "^[0-9]{7}$" | r"^\d{7}$" => Some(("7桁の数字", "seven digits")),
        r"^\p{Script=Katakana}+$" | "^[ァ-ヶー]+$" => {
            Some(("カタカナだけの形", "katakana only"))
        }
        "^[A-Za-z0-9]+$" => Some(("英数字だけの形", "letters and digits only")),
        _ => None,
    };
    match (known, ja) {
        (Some((j, _)), true) => j.to_owned(),
        (Some((_, e)), false) => e.to_owned(),
        (None, true) => format!("決められた形（正規表現 {pattern}）"),
        (None, false) => format!("the pattern {pattern}"),
    }
}

#[cfg(test)]
mod tests;
