//! Answers as staff read them: under the question labels of the version the resident saw,
//! grouped by the form's pages, each value written humanly (choice labels instead of codes,
//! 和暦 for dates asked in the Japanese calendar, hyphenated phone numbers, file names) and
//! times in Japan time. Pure functions over a [`Form`] and stored answers, shared by the
//! submission page, its print view and the inbox's answer columns.

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::macros::format_description;
use yui_core::clock::JST;
use yui_domain::definition::{FieldType, Form, FormField};
use yui_domain::japan::{PhoneNumber, PostalCode, format_wareki};
use yui_domain::validate::{EvalContext, Evaluation};

use crate::i18n::Lang;

/// A moment in Japan time, `2026-04-01 09:00`.
pub fn jst(at: OffsetDateTime) -> String {
    at.to_offset(JST)
        .format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
        .unwrap_or_default()
}

/// A stored file answer, with what its link and preview need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRef {
    pub blob: String,
    pub name: String,
    pub size: String,
    pub content_type: String,
    /// Shown inline as a preview (only JPEG and PNG are served inline).
    pub image: bool,
}

/// One answered (or unanswered but asked) question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub name: String,
    pub label: String,
    /// `text`, `multiline`, `file`, `repeat` or `empty` (asked, not answered).
    pub kind: &'static str,
    pub text: String,
    pub files: Vec<FileRef>,
    /// For repeats: each row's items.
    pub rows: Vec<Vec<Item>>,
}

/// The answers of one page of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub title: Option<String>,
    pub items: Vec<Item>,
}

/// Every page of `form` with the answers given, in the form's order. Questions that were
/// not asked (irrelevant) are left out; questions asked but not answered say so.
pub fn sections(
    form: &Form,
    answers: &Map<String, Value>,
    lang: Lang,
    ctx: &EvalContext,
) -> Vec<Section> {
    let evaluation = form.evaluate(&Value::Object(answers.clone()), ctx);
    let mut out: Vec<Section> = Vec::new();
    for page in form.pages() {
        let title = page.title.as_ref().map(|t| t.get(lang.code()).to_owned());
        let mut items = Vec::new();
        for name in &page.fields {
            if let Some(field) = form.field(name) {
                items.extend(item(form, field, answers, name, lang, &evaluation));
            }
        }
        // One question per page would give a heading per question: keep untitled pages
        // together instead.
        match out.last_mut() {
            Some(last) if title.is_none() && last.title.is_none() => last.items.extend(items),
            _ if items.is_empty() => {}
            _ => out.push(Section { title, items }),
        }
    }
    out.retain(|s| !s.items.is_empty());
    out
}

fn item(
    form: &Form,
    field: &FormField,
    answers: &Map<String, Value>,
    path: &str,
    lang: Lang,
    evaluation: &Evaluation,
) -> Option<Item> {
    let label = field.label().get(lang.code()).to_owned();
    let base = Item {
        name: field.name.clone(),
        label,
        kind: "text",
        text: String::new(),
        files: Vec::new(),
        rows: Vec::new(),
    };
    let shown = match field.field_type {
        FieldType::Note | FieldType::Group => false,
        // A calculation without a label is plumbing, not something the resident answered.
        FieldType::Calculate => field.definition.label.is_some(),
        _ => true,
    };
    if !shown {
        return None;
    }
    let Some(value) = answers.get(&field.name).filter(|v| !v.is_null()) else {
        let asked = evaluation.field(path).is_some_and(|s| s.relevant);
        return asked.then(|| Item {
            kind: "empty",
            text: lang.t("staff-answer-none"),
            ..base
        });
    };
    match field.field_type {
        FieldType::Repeat => {
            let children = repeat_children(form, field);
            let rows = value
                .as_array()
                .map(|rows| {
                    rows.iter()
                        .enumerate()
                        .filter_map(|(i, row)| row.as_object().map(|r| (i, r)))
                        .map(|(i, row)| {
                            children
                                .iter()
                                .filter_map(|child| {
                                    let path = format!("{path}[{i}].{}", child.name);
                                    item(form, child, row, &path, lang, evaluation)
                                })
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Item {
                kind: "repeat",
                rows,
                ..base
            })
        }
        FieldType::File | FieldType::Image => Some(Item {
            kind: "file",
            files: file_ref(value).into_iter().collect(),
            ..base
        }),
        FieldType::Textarea => Some(Item {
            kind: "multiline",
            text: value.as_str().unwrap_or_default().to_owned(),
            ..base
        }),
        _ => Some(Item {
            text: value_text(field, value, lang),
            ..base
        }),
    }
}

/// The fields inside a repeat's rows, groups flattened.
fn repeat_children<'a>(form: &'a Form, repeat: &FormField) -> Vec<&'a FormField> {
    fn walk<'a>(form: &'a Form, parent: &FormField, out: &mut Vec<&'a FormField>) {
        for &id in &parent.children {
            let Some(child) = form.fields().get(id) else {
                continue;
            };
            if child.field_type == FieldType::Group {
                walk(form, child, out);
            } else {
                out.push(child);
            }
            // The implicit "please specify" box follows its select.
            out.extend(
                form.fields()
                    .iter()
                    .filter(|f| f.other_of == Some(child.id)),
            );
        }
    }
    let mut out = Vec::new();
    walk(form, repeat, &mut out);
    out
}

fn file_ref(value: &Value) -> Option<FileRef> {
    let o = value.as_object()?;
    let blob = o.get("id")?.as_str()?.to_owned();
    let content_type = o
        .get("content_type")
        .and_then(Value::as_str)
        .unwrap_or("application/octet-stream")
        .to_owned();
    Some(FileRef {
        name: o
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&blob)
            .to_owned(),
        size: o
            .get("size")
            .and_then(Value::as_u64)
            .map_or_else(String::new, size_text),
        image: matches!(content_type.as_str(), "image/jpeg" | "image/png"),
        content_type,
        blob,
    })
}

/// `512 B`, `34 KB`, `1.2 MB`.
pub fn size_text(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{} KB", bytes.div_ceil(1024)),
        _ => {
            // Tenths of a megabyte, without floating point.
            let tenths = (bytes * 10).div_ceil(1_048_576);
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

fn str_of<'a>(o: &'a Map<String, Value>, key: &str) -> &'a str {
    o.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A single answer as one line of text (repeats and files are summarised by the caller).
pub fn value_text(field: &FormField, value: &Value, lang: Lang) -> String {
    let choice = |name: &str| {
        field
            .choices()
            .iter()
            .find(|c| c.name == name)
            .map_or_else(|| name.to_owned(), |c| c.label.get(lang.code()).to_owned())
    };
    match (field.field_type, value) {
        (FieldType::SelectOne, Value::String(s)) => choice(s),
        (FieldType::SelectMultiple, Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(choice)
            .collect::<Vec<_>>()
            .join("、"),
        (FieldType::YesNo, Value::Bool(b)) => lang.t(if *b {
            "staff-answer-yes"
        } else {
            "staff-answer-no"
        }),
        (FieldType::Consent, Value::Bool(true)) => lang.t("staff-answer-consented"),
        (FieldType::Date, Value::String(s)) => date_text(s, wareki(field), lang),
        (FieldType::Datetime, Value::String(s)) => datetime_text(s),
        (FieldType::Phone, Value::String(s)) => {
            PhoneNumber::parse(s).map_or_else(|_| s.clone(), |p| p.display())
        }
        (FieldType::PostalCode, Value::String(s)) => postal_text(s),
        (FieldType::Name | FieldType::NameKana, Value::Object(o)) => {
            format!("{} {}", str_of(o, "family"), str_of(o, "given"))
                .trim()
                .to_owned()
        }
        (FieldType::Address, Value::Object(o)) => {
            let parts = [
                postal_text(str_of(o, "postal_code")),
                str_of(o, "address").to_owned(),
                str_of(o, "building").to_owned(),
            ];
            parts
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        }
        (FieldType::Geopoint, Value::Object(o)) => {
            let n = |k: &str| o.get(k).and_then(Value::as_f64);
            match (n("lat"), n("lon"), n("accuracy")) {
                (Some(lat), Some(lon), Some(acc)) => {
                    format!(
                        "{lat}, {lon}（{} {acc} m）",
                        lang.t("staff-answer-accuracy")
                    )
                }
                (Some(lat), Some(lon), None) => format!("{lat}, {lon}"),
                _ => String::new(),
            }
        }
        (FieldType::File | FieldType::Image, v) => file_ref(v).map(|f| f.name).unwrap_or_default(),
        (FieldType::Repeat, Value::Array(rows)) => {
            lang.t_args("staff-answer-rows", &[("count", rows.len().to_string())])
        }
        (_, Value::String(s)) => s.clone(),
        (_, Value::Number(n)) => n.to_string(),
        (_, Value::Bool(b)) => lang.t(if *b {
            "staff-answer-yes"
        } else {
            "staff-answer-no"
        }),
        (_, Value::Null) => String::new(),
        (_, other) => other.to_string(),
    }
}

fn wareki(field: &FormField) -> bool {
    field.definition.appearance.as_deref() == Some("wareki")
}

fn postal_text(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    PostalCode::parse(s).map_or_else(|_| s.to_owned(), |p| format!("〒{}", p.display()))
}

/// `2026-04-10` as `令和8年4月10日（2026-04-10）` for a question asked in 和暦, as
/// `2026年4月10日` otherwise (English: the ISO date).
fn date_text(iso: &str, wareki: bool, lang: Lang) -> String {
    let Ok(date) = time::Date::parse(iso, format_description!("[year]-[month]-[day]")) else {
        return iso.to_owned();
    };
    match (wareki, lang) {
        (true, _) => format!("{}（{iso}）", format_wareki(date)),
        (false, Lang::Ja) => format!(
            "{}年{}月{}日",
            date.year(),
            u8::from(date.month()),
            date.day()
        ),
        (false, Lang::En) => iso.to_owned(),
    }
}

fn datetime_text(text: &str) -> String {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| text.to_owned(), jst)
}

/// The questions worth showing as inbox columns: the applicant's name first, then what the
/// application is about (dates, choices), then other short answers; at most `max`.
pub fn summary_fields(form: &Form, max: usize) -> Vec<&FormField> {
    let rank = |t: FieldType| match t {
        FieldType::Name => Some(0),
        FieldType::Date | FieldType::Datetime | FieldType::SelectOne => Some(1),
        FieldType::Text | FieldType::Integer | FieldType::Decimal | FieldType::YesNo => Some(2),
        FieldType::Kana | FieldType::Phone | FieldType::Email | FieldType::Address => Some(3),
        _ => None,
    };
    let mut candidates: Vec<(usize, &FormField)> = form
        .fields()
        .iter()
        .filter(|f| f.repeat.is_none() && f.other_of.is_none())
        .filter_map(|f| rank(f.field_type).map(|r| (r, f)))
        .collect();
    candidates.sort_by_key(|(r, _)| *r);
    candidates.into_iter().take(max).map(|(_, f)| f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Form {
        Form::from_yaml(include_str!(
            "../../../../../../templates/play-room-booking.yaml"
        ))
        .unwrap()
    }

    fn ctx() -> EvalContext {
        let now = time::macros::datetime!(2026-04-01 00:00 UTC);
        EvalContext {
            today: now.to_offset(JST).date(),
            now,
        }
    }

    fn answers() -> Map<String, Value> {
        json!({
            "applicant_name": { "family": "山田", "given": "花子" },
            "applicant_kana": { "family": "ヤマダ", "given": "ハナコ" },
            "phone": "09012345678",
            "email": "hanako@example.jp",
            "use_date": "2026-04-10",
            "slot": "pm",
            "adults": 1,
            "children": [
                { "child_name": "山田 太郎", "child_birth": "2022-05-05", "allergy": true,
                  "allergy_detail": "卵\n乳製品", "child_age": 3 }
            ],
            "agree": true
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn find<'a>(sections: &'a [Section], name: &str) -> &'a Item {
        sections
            .iter()
            .flat_map(|s| &s.items)
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no item {name}"))
    }

    #[test]
    fn answers_are_grouped_by_page_under_their_labels() {
        let s = sections(&form(), &answers(), Lang::Ja, &ctx());
        let titles: Vec<_> = s.iter().map(|s| s.title.clone()).collect();
        assert_eq!(titles[0].as_deref(), Some("申込者"));
        assert_eq!(titles[1].as_deref(), Some("利用日時"));
        let name = find(&s, "applicant_name");
        assert_eq!(name.label, "保護者の氏名");
        assert_eq!(name.text, "山田 花子");
        assert_eq!(find(&s, "phone").text, "090-1234-5678");
    }

    #[test]
    fn choices_show_labels_and_wareki_dates_show_the_era() {
        let s = sections(&form(), &answers(), Lang::Ja, &ctx());
        assert_eq!(find(&s, "slot").text, "午後（13:00〜16:00）");
        assert_eq!(find(&s, "use_date").text, "令和8年4月10日（2026-04-10）");
        assert_eq!(find(&s, "agree").text, "同意済み");
        let en = sections(&form(), &answers(), Lang::En, &ctx());
        assert_eq!(find(&en, "slot").text, "Afternoon (13:00–16:00)");
    }

    #[test]
    fn repeat_rows_list_their_own_answers_without_plumbing() {
        let s = sections(&form(), &answers(), Lang::Ja, &ctx());
        let children = find(&s, "children");
        assert_eq!(children.kind, "repeat");
        let row: Vec<(&str, &str)> = children.rows[0]
            .iter()
            .map(|i| (i.name.as_str(), i.text.as_str()))
            .collect();
        assert_eq!(
            row,
            vec![
                ("child_name", "山田 太郎"),
                ("child_birth", "令和4年5月5日（2022-05-05）"),
                ("allergy", "はい"),
                ("allergy_detail", "卵\n乳製品"),
            ],
            "the unlabelled calculation and the note are left out"
        );
    }

    #[test]
    fn unanswered_questions_that_were_asked_say_so_and_others_are_left_out() {
        let mut a = answers();
        a.remove("phone");
        let s = sections(&form(), &a, Lang::Ja, &ctx());
        assert_eq!(find(&s, "phone").kind, "empty");
        assert_eq!(find(&s, "phone").text, "未回答");
        let row = &find(&s, "children").rows[0];
        assert!(row.iter().any(|i| i.name == "allergy_detail"));
        let mut a = answers();
        a["children"][0]["allergy"] = json!(false);
        a["children"][0]
            .as_object_mut()
            .unwrap()
            .remove("allergy_detail");
        let s = sections(&form(), &a, Lang::Ja, &ctx());
        let row = &find(&s, "children").rows[0];
        assert!(
            !row.iter().any(|i| i.name == "allergy_detail"),
            "an irrelevant question is not shown as unanswered"
        );
    }

    #[test]
    fn files_keep_their_names_and_only_jpeg_and_png_preview() {
        let src = r"
yui: 1
id: road-report
title: 道路の不具合通報
audience: public
fields:
  - { name: photo, type: image, label: 写真 }
  - { name: doc, type: file, label: 書類 }
";
        let form = Form::from_yaml(src).unwrap();
        let a = json!({
            "photo": { "id": "b1", "name": "穴.jpg", "size": 2048, "content_type": "image/jpeg" },
            "doc": { "id": "b2", "name": "図面.pdf", "size": 3_000_000, "content_type": "application/pdf" }
        });
        let s = sections(&form, a.as_object().unwrap(), Lang::Ja, &ctx());
        let photo = &find(&s, "photo").files[0];
        assert_eq!((photo.name.as_str(), photo.image), ("穴.jpg", true));
        assert_eq!(photo.size, "2 KB");
        let doc = &find(&s, "doc").files[0];
        assert_eq!((doc.blob.as_str(), doc.image), ("b2", false));
        assert_eq!(doc.size, "2.9 MB");
    }

    #[test]
    fn times_are_written_in_japan_time() {
        assert_eq!(
            jst(time::macros::datetime!(2026-03-31 15:30 UTC)),
            "2026-04-01 00:30"
        );
        assert_eq!(
            datetime_text("2026-04-01T09:30:00+09:00"),
            "2026-04-01 09:30"
        );
    }

    #[test]
    fn postal_codes_and_addresses_read_naturally() {
        let src = r"
yui: 1
id: moving
title: 転入
audience: public
fields:
  - { name: addr, type: address, label: 住所 }
";
        let form = Form::from_yaml(src).unwrap();
        let field = form.field("addr").unwrap();
        let v = json!({ "postal_code": "8694401", "address": "熊本県阿蘇郡小国町宮原1567-1", "building": "役場" });
        assert_eq!(
            value_text(field, &v, Lang::Ja),
            "〒869-4401 熊本県阿蘇郡小国町宮原1567-1 役場"
        );
    }

    #[test]
    fn inbox_columns_prefer_the_name_then_what_was_applied_for() {
        let form = form();
        let names: Vec<_> = summary_fields(&form, 3)
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, vec!["applicant_name", "use_date", "slot"]);
    }
}
