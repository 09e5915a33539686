//! Answers as a resident reads them back: the check-your-answers page, the printable summary
//! and the confirmation. Values are shown the way they were asked for (choice labels, 和暦
//! for wareki dates, phone numbers with hyphens, file names with sizes), skipped optional
//! questions say so, and every answer can link back to its question.

use serde::Serialize;
use serde_json::{Map, Value};
use yui_domain::definition::{FieldType, Form, FormField};
use yui_domain::japan::{PhoneNumber, PostalCode, format_wareki, parse_date};
use yui_domain::validate::Evaluation;

use super::flow::page_applies;
use super::view::{ErrorLink, Localised, html_id, human_size, scalar_text};
use crate::i18n::Lang;

/// One page's answers.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub page: usize,
    pub title: Option<Localised>,
    pub rows: Vec<SummaryRow>,
}

/// One line of a summary list: a question and its answer, or a repeat row's heading.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryRow {
    pub heading: bool,
    pub key: Localised,
    /// The answer, one entry per line.
    pub lines: Vec<String>,
    /// The question was skipped.
    pub missing: bool,
    /// Where the change link goes.
    pub change: Option<String>,
}

pub struct Summary {
    pub sections: Vec<Section>,
    /// Answers that would stop the submission, with links back to their questions.
    pub errors: Vec<ErrorLink>,
}

/// Where change links lead: `{base}/p/{n}?return=check#{anchor}`.
pub struct ChangeLinks<'a> {
    pub base: &'a str,
}

/// Summarises every question that applies, page by page.
pub fn summarise(
    form: &Form,
    evaluation: &Evaluation,
    raw: &Map<String, Value>,
    lang: Lang,
    links: Option<&ChangeLinks<'_>>,
) -> Summary {
    let mut summary = Summary {
        sections: Vec::new(),
        errors: Vec::new(),
    };
    for (i, page) in form.pages().iter().enumerate() {
        if !page_applies(evaluation, page) {
            continue;
        }
        let n = i + 1;
        let mut section = Section {
            page: n,
            title: page.title.as_ref().map(|t| Localised::of(t, lang)),
            rows: Vec::new(),
        };
        let mut walker = Walker {
            form,
            evaluation,
            lang,
            page: n,
            links,
            rows: &mut section.rows,
            errors: &mut summary.errors,
        };
        for name in &page.fields {
            if let Some(field) = form.field(name) {
                walker.field(field, name.clone(), raw, None);
            }
        }
        if !section.rows.is_empty() {
            summary.sections.push(section);
        }
    }
    summary
}

struct Walker<'a, 'b> {
    form: &'a Form,
    evaluation: &'a Evaluation,
    lang: Lang,
    page: usize,
    links: Option<&'a ChangeLinks<'a>>,
    rows: &'b mut Vec<SummaryRow>,
    errors: &'b mut Vec<ErrorLink>,
}

impl Walker<'_, '_> {
    fn field(
        &mut self,
        field: &FormField,
        path: String,
        raw_row: &Map<String, Value>,
        legend: Option<&str>,
    ) {
        let t = field.field_type;
        if matches!(t, FieldType::Calculate | FieldType::Group | FieldType::Note) {
            return;
        }
        let Some(state) = self.evaluation.field(&path) else {
            return;
        };
        if !state.relevant {
            return;
        }
        let anchor = anchor_of(field, &path, self.evaluation);
        let change = self
            .links
            .map(|l| format!("{}/p/{}?return=check#{anchor}", l.base, self.page));
        let label = Localised::of(&field.label(), self.lang);
        if let Some(v) = state.violations.first() {
            let message = match self.lang {
                Lang::Ja => &v.message_ja,
                Lang::En => &v.message_en,
            };
            let name = match legend {
                Some(legend) => format!("{}（{legend}）", label.text),
                None => label.text.clone(),
            };
            self.errors.push(ErrorLink {
                href: change.clone().unwrap_or_else(|| format!("#{anchor}")),
                message: format!("{name}：{message}"),
            });
        }
        if t == FieldType::Repeat {
            let rows = raw_row
                .get(&field.name)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let members: Vec<&FormField> = self
                .form
                .fields()
                .iter()
                .filter(|f| f.repeat == Some(field.id))
                .collect();
            let empty = Map::new();
            for i in 0..rows {
                let legend = format!("{} {}", field.label().get(self.lang.code()), i + 1);
                self.rows.push(SummaryRow {
                    heading: true,
                    key: Localised {
                        text: legend.clone(),
                        lang: label.lang,
                    },
                    lines: Vec::new(),
                    missing: false,
                    change: None,
                });
                let row_raw = raw_row
                    .get(&field.name)
                    .and_then(|r| r.get(i))
                    .and_then(Value::as_object)
                    .unwrap_or(&empty);
                for member in &members {
                    self.field(
                        member,
                        format!("{path}[{i}].{}", member.name),
                        row_raw,
                        Some(&legend),
                    );
                }
            }
            return;
        }
        let lines = match &state.value {
            Some(value) if t == FieldType::Phone => phone_as_typed(value, raw_row.get(&field.name))
                .unwrap_or_else(|| display(field, value, self.lang)),
            Some(value) => display(field, value, self.lang),
            // Typed but not readable: show what was typed next to its error.
            None => raw_row
                .get(&field.name)
                .map(scalar_text)
                .filter(|s| !s.trim().is_empty())
                .into_iter()
                .collect(),
        };
        self.rows.push(SummaryRow {
            heading: false,
            missing: lines.is_empty(),
            key: label,
            lines,
            change,
        });
    }
}

/// A phone number with its hyphens where the resident typed them (`0967-46-1234`), when
/// what was typed is the same number as the answer. The answer keeps only the digits, and
/// where a fixed line's hyphens go depends on its area code, which Yui cannot always tell.
fn phone_as_typed(value: &Value, typed: Option<&Value>) -> Option<Vec<String>> {
    let typed = PhoneNumber::parse(&scalar_text(typed?)).ok()?;
    let answer = PhoneNumber::parse(&scalar_text(value)).ok()?;
    (typed == answer).then(|| vec![typed.display()])
}

/// The element a link to the question at `path` should focus: its first input.
pub fn anchor_of(field: &FormField, path: &str, evaluation: &Evaluation) -> String {
    let id = html_id(path);
    match field.field_type {
        FieldType::Date => format!("{id}-era"),
        FieldType::SelectOne if field.definition.appearance.as_deref() == Some("minimal") => id,
        FieldType::SelectOne | FieldType::SelectMultiple | FieldType::YesNo => format!("{id}-0"),
        FieldType::Name | FieldType::NameKana => format!("{id}-family"),
        FieldType::Address => format!("{id}-postal_code"),
        FieldType::Geopoint => format!("{id}-lat"),
        FieldType::Repeat => {
            if evaluation
                .field(&format!("{path}[0].{}", first_member(field)))
                .is_some()
            {
                html_id(&format!("{path}[0]"))
            } else {
                format!("{id}-add")
            }
        }
        _ => id,
    }
}

fn first_member(field: &FormField) -> String {
    field
        .definition
        .fields
        .first()
        .map(|f| f.name.clone())
        .unwrap_or_default()
}

/// A normalised answer as the resident reads it, one string per line.
pub fn display(field: &FormField, value: &Value, lang: Lang) -> Vec<String> {
    let text = |v: &Value| scalar_text(v);
    let label_of = |name: &str| -> String {
        field
            .choices()
            .iter()
            .find(|c| c.name == name)
            .map_or_else(|| name.to_owned(), |c| c.label.get(lang.code()).to_owned())
    };
    match field.field_type {
        FieldType::SelectOne => vec![label_of(&text(value))],
        FieldType::SelectMultiple => {
            let labels: Vec<String> = value
                .as_array()
                .map(|items| items.iter().map(|i| label_of(&text(i))).collect())
                .unwrap_or_default();
            labels
        }
        FieldType::YesNo => vec![lang.t(if value.as_bool() == Some(true) {
            "answer-yes"
        } else {
            "answer-no"
        })],
        FieldType::Consent => vec![lang.t("answer-agreed")],
        FieldType::Date => vec![date_text(field, &text(value), lang)],
        FieldType::Datetime => {
            let s = text(value);
            match (s.get(..10), s.get(11..16)) {
                (Some(d), Some(t)) => vec![format!("{} {t}", date_text(field, d, lang))],
                _ => vec![s],
            }
        }
        FieldType::Phone => {
            vec![PhoneNumber::parse(&text(value)).map_or_else(|_| text(value), |p| p.display())]
        }
        FieldType::PostalCode => vec![postal(&text(value))],
        FieldType::Name | FieldType::NameKana => {
            let part = |k: &str| value.get(k).map(text).unwrap_or_default();
            vec![
                format!("{} {}", part("family"), part("given"))
                    .trim()
                    .to_owned(),
            ]
        }
        FieldType::Address => {
            let mut lines = Vec::new();
            if let Some(p) = value.get("postal_code") {
                lines.push(postal(&text(p)));
            }
            for k in ["address", "building"] {
                if let Some(v) = value.get(k) {
                    lines.push(text(v));
                }
            }
            lines
        }
        FieldType::File | FieldType::Image => {
            let name = value.get("name").map(text).unwrap_or_default();
            let size = human_size(value.get("size").and_then(Value::as_u64).unwrap_or(0));
            vec![format!("{name}（{size}）")]
        }
        FieldType::Geopoint => {
            let part = |k: &str| value.get(k).map(text).unwrap_or_default();
            vec![format!("{}, {}", part("lat"), part("lon"))]
        }
        FieldType::Textarea | FieldType::Text => text(value).lines().map(str::to_owned).collect(),
        _ => vec![text(value)],
    }
}

fn postal(digits: &str) -> String {
    PostalCode::parse(digits).map_or_else(|_| digits.to_owned(), |p| format!("〒{}", p.display()))
}

/// A date in the style it was asked in: 和暦 for wareki questions.
fn date_text(field: &FormField, iso: &str, lang: Lang) -> String {
    let Ok(date) = parse_date(iso) else {
        return iso.to_owned();
    };
    let wareki = field.definition.appearance.as_deref() == Some("wareki");
    match (lang, wareki) {
        (Lang::Ja, true) => format_wareki(date),
        (Lang::Ja, false) => format!(
            "{}年{}月{}日",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
        (Lang::En, true) => format!(
            "{} ({} {} {})",
            format_wareki(date),
            date.day(),
            date.month(),
            date.year()
        ),
        (Lang::En, false) => format!("{} {} {}", date.day(), date.month(), date.year()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::{date, datetime};
    use yui_domain::validate::EvalContext;

    use super::*;

    const PLAY_ROOM: &str = include_str!("../../../../../templates/play-room-booking.yaml");

    fn summary(raw: &Value, lang: Lang) -> Summary {
        let form = Form::from_yaml(PLAY_ROOM).unwrap();
        let ctx = EvalContext {
            today: date!(2026 - 04 - 01),
            now: datetime!(2026-04-01 09:00:00 +09:00),
        };
        let evaluation = form.evaluate(raw, &ctx);
        summarise(
            &form,
            &evaluation,
            raw.as_object().unwrap(),
            lang,
            Some(&ChangeLinks {
                base: "/oguni/apps/play-room-booking/d/t",
            }),
        )
    }

    fn row<'s>(s: &'s Summary, key: &str) -> &'s SummaryRow {
        s.sections
            .iter()
            .flat_map(|sec| &sec.rows)
            .find(|r| r.key.text == key)
            .unwrap_or_else(|| panic!("no row {key}"))
    }

    #[test]
    fn answers_read_as_they_were_asked_with_change_links() {
        let raw = json!({
            "applicant_name": { "family": "山田", "given": "花子" },
            "phone": "09012345678",
            "use_date": "令和8年4月10日",
            "slot": "pm",
            "children": [{ "child_name": "太郎", "child_birth": "2022-05-05", "allergy": "no" }],
            "agree": "yes"
        });
        let s = summary(&raw, Lang::Ja);
        assert_eq!(row(&s, "保護者の氏名").lines, ["山田 花子"]);
        assert_eq!(row(&s, "日中に連絡がつく電話番号").lines, ["090-1234-5678"]);
        let typed = summary(&json!({ "phone": "0967-46-1234" }), Lang::Ja);
        assert_eq!(
            row(&typed, "日中に連絡がつく電話番号").lines,
            ["0967-46-1234"],
            "a fixed line keeps the hyphens as typed"
        );
        assert_eq!(row(&s, "利用日").lines, ["令和8年4月10日"]);
        assert_eq!(row(&s, "時間帯").lines, ["午後（13:00〜16:00）"]);
        assert_eq!(row(&s, "食物アレルギーはありますか").lines, ["いいえ"]);
        assert!(row(&s, "利用するお子さん 1").heading);
        assert_eq!(
            row(&s, "利用日").change.as_deref(),
            Some("/oguni/apps/play-room-booking/d/t/p/2?return=check#f-use_date-era")
        );
        assert!(
            s.sections
                .iter()
                .flat_map(|x| &x.rows)
                .all(|r| r.key.text != "アレルギーの内容"),
            "questions that do not apply are left out"
        );
        assert!(!s.errors.is_empty(), "missing kana and e-mail are listed");
        assert!(
            s.errors
                .iter()
                .any(|e| e.href.ends_with("p/1?return=check#f-applicant_kana-family")),
            "{:?}",
            s.errors
        );
    }

    #[test]
    fn english_dates_and_unanswered_optional_questions() {
        let raw =
            json!({ "use_date": "2026-04-10", "children": [{ "child_birth": "2022-05-05" }] });
        let s = summary(&raw, Lang::En);
        assert_eq!(row(&s, "Date").lines, ["令和8年4月10日 (10 April 2026)"]);
        assert!(row(&s, "Child's name").missing);
    }
}
