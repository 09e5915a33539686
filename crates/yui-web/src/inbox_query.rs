//! The inbox's filters as a query string, both ways: the inbox page, its pagination links,
//! the export links and the API all read the same parameters, so an export always contains
//! exactly what the filtered inbox shows.
//!
//! | parameter | meaning |
//! |---|---|
//! | `app` | an app's URL name (filters on answers need one app) |
//! | `status` | a workflow state name; repeat for several |
//! | `assignee` | `me`, `none`, or a staff user id |
//! | `from`, `to` | submitted on or after / on or before a date (Japan time, `YYYY-MM-DD`) |
//! | `q` | words anywhere in the answers |
//! | `receipt` | one receipt number |
//! | `f.<field>` | a choice answer (select fields, yes/no as `yes`/`no`); repeat for several |
//! | `min.<field>`, `max.<field>` | a number, or a date (`YYYY-MM-DD`) |
//! | `order` | `newest` (default) or `oldest` |
//! | `after` | the cursor of the next page |

use time::macros::format_description;
use yui_core::clock::JST;
use yui_core::model::UserId;
use yui_core::records::AppRecord;
use yui_core::review::{AssigneeFilter, InboxCursor, InboxOrder, InboxQuery, ValueFilter};
use yui_domain::definition::{FieldType, Form};

/// A filter that could not be read, for an error message next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterProblem {
    pub param: String,
    pub message_ja: String,
    pub message_en: String,
}

/// The parsed filters, and the app they are about (when one is chosen).
#[derive(Debug, Clone)]
pub struct InboxFilters {
    pub query: InboxQuery,
    pub app: Option<AppRecord>,
    pub problems: Vec<FilterProblem>,
}

fn problem(param: &str, ja: &str, en: &str) -> FilterProblem {
    FilterProblem {
        param: param.to_owned(),
        message_ja: ja.to_owned(),
        message_en: en.to_owned(),
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
fn epoch_days(text: &str) -> Option<f64> {
    let date = time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
    Some(f64::from(
        date.to_julian_day() - time::macros::date!(1970 - 01 - 01).to_julian_day(),
    ))
}

fn jst_midnight(text: &str) -> Option<time::OffsetDateTime> {
    let date = time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_offset(JST))
}

/// Reads the inbox parameters. `apps` are the apps the staff member may see; `form` is the
/// chosen app's current form (needed for answer filters); `me` is the staff member.
pub fn parse(
    pairs: &[(String, String)],
    apps: &[AppRecord],
    form: Option<&Form>,
    me: Option<UserId>,
    limit: u32,
) -> InboxFilters {
    let mut q = InboxQuery {
        limit,
        ..InboxQuery::default()
    };
    let mut problems = Vec::new();
    let mut app = None;
    for (key, value) in pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "app" => match apps.iter().find(|a| a.slug == value) {
                Some(a) => {
                    q.apps = vec![a.id];
                    app = Some(a.clone());
                }
                None => problems.push(problem(
                    "app",
                    "そのアプリは見つかりません。",
                    "No such app.",
                )),
            },
            "status" => q.statuses.push(value.to_owned()),
            "assignee" => {
                q.assignee = match value {
                    "me" => match me {
                        Some(user) => Some(AssigneeFilter::User(user)),
                        None => {
                            // An API token is nobody's self; dropping the filter would
                            // answer with (or export) everyone's submissions.
                            problems.push(problem(
                                "assignee",
                                "API トークンには「自分」がありません。職員の ID を指定してください。",
                                "A token is nobody's self: give a staff user id.",
                            ));
                            None
                        }
                    },
                    "none" => Some(AssigneeFilter::Unassigned),
                    id => match id.parse::<i64>() {
                        Ok(n) => Some(AssigneeFilter::User(UserId(n))),
                        Err(_) => {
                            problems.push(problem(
                                "assignee",
                                "担当者の指定が正しくありません。",
                                "Unknown assignee.",
                            ));
                            None
                        }
                    },
                }
            }
            "from" | "to" => match jst_midnight(value) {
                Some(t) if key == "from" => q.submitted_from = Some(t),
                Some(t) => q.submitted_until = Some(t + time::Duration::days(1)),
                None => problems.push(problem(
                    key,
                    "日付は 2026-04-01 の形で入力してください。",
                    "Enter a date like 2026-04-01.",
                )),
            },
            "q" => q.text = Some(value.to_owned()),
            "receipt" => q.receipt = Some(value.to_owned()),
            "order" => {
                q.order = if value == "oldest" {
                    InboxOrder::OldestFirst
                } else {
                    InboxOrder::NewestFirst
                }
            }
            "after" => match InboxCursor::decode(value) {
                Some(c) => q.after = Some(c),
                None => problems.push(problem(
                    "after",
                    "ページの指定が正しくありません。",
                    "Invalid page.",
                )),
            },
            other => answer_filter(other, value, form, &mut q, &mut problems),
        }
    }
    if form.is_none() && !q.values.is_empty() {
        q.values.clear();
    }
    InboxFilters {
        query: q,
        app,
        problems,
    }
}

fn answer_filter(
    key: &str,
    value: &str,
    form: Option<&Form>,
    q: &mut InboxQuery,
    problems: &mut Vec<FilterProblem>,
) {
    let Some((kind, field)) = key.split_once('.') else {
        return;
    };
    let Some(form) = form else { return };
    let Some(f) = form.field(field).filter(|f| f.repeat.is_none()) else {
        problems.push(problem(
            key,
            "その項目では絞り込めません。",
            "That question cannot be filtered.",
        ));
        return;
    };
    match kind {
        "f" => {
            if let Some(ValueFilter::OneOf { values, .. }) = q
                .values
                .iter_mut()
                .find(|v| matches!(v, ValueFilter::OneOf { field: name, .. } if name == field))
            {
                values.push(value.to_owned());
            } else {
                q.values.push(ValueFilter::OneOf {
                    field: field.to_owned(),
                    values: vec![value.to_owned()],
                });
            }
        }
        "min" | "max" => {
            let number = match f.field_type {
                FieldType::Date | FieldType::Datetime => epoch_days(value),
                _ => value.parse::<f64>().ok().filter(|n| n.is_finite()),
            };
            let Some(n) = number else {
                problems.push(problem(
                    key,
                    "数値または日付（2026-04-01）で入力してください。",
                    "Enter a number or a date (2026-04-01).",
                ));
                return;
            };
            let existing = q
                .values
                .iter_mut()
                .find(|v| matches!(v, ValueFilter::Range { field: name, .. } if name == field));
            match (existing, kind) {
                (Some(ValueFilter::Range { min, .. }), "min") => *min = Some(n),
                (Some(ValueFilter::Range { max, .. }), _) => *max = Some(n),
                (_, "min") => q.values.push(ValueFilter::Range {
                    field: field.to_owned(),
                    min: Some(n),
                    max: None,
                }),
                _ => q.values.push(ValueFilter::Range {
                    field: field.to_owned(),
                    min: None,
                    max: Some(n),
                }),
            }
        }
        _ => {}
    }
}

/// The query string for the same filters (without `after`), for pagination and export links.
pub fn query_string(pairs: &[(String, String)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, v)| k != "after" && k != "format" && !v.trim().is_empty())
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn form() -> Form {
        Form::from_yaml(include_str!("../../../templates/play-room-booking.yaml")).unwrap()
    }

    #[test]
    fn statuses_assignee_dates_and_text_are_read() {
        let f = parse(
            &pairs(&[
                ("status", "received"),
                ("status", "reviewing"),
                ("assignee", "me"),
                ("from", "2026-04-01"),
                ("to", "2026-04-30"),
                ("q", "山田"),
            ]),
            &[],
            None,
            Some(UserId(7)),
            50,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.query.statuses, vec!["received", "reviewing"]);
        assert_eq!(f.query.assignee, Some(AssigneeFilter::User(UserId(7))));
        assert_eq!(
            f.query
                .submitted_from
                .unwrap()
                .to_offset(JST)
                .date()
                .to_string(),
            "2026-04-01"
        );
        assert_eq!(
            f.query
                .submitted_until
                .unwrap()
                .to_offset(JST)
                .date()
                .to_string(),
            "2026-05-01",
            "to is inclusive"
        );
        assert_eq!(f.query.text.as_deref(), Some("山田"));
    }

    #[test]
    fn answer_filters_need_the_form_and_a_top_level_field() {
        let form = form();
        let f = parse(
            &pairs(&[
                ("f.slot", "am"),
                ("f.slot", "pm"),
                ("min.adults", "2"),
                ("max.use_date", "2026-05-01"),
            ]),
            &[],
            Some(&form),
            None,
            50,
        );
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert!(f.query.values.contains(&ValueFilter::OneOf {
            field: "slot".into(),
            values: vec!["am".into(), "pm".into()]
        }));
        assert!(f.query.values.contains(&ValueFilter::Range {
            field: "adults".into(),
            min: Some(2.0),
            max: None
        }));
        assert!(f.query.values.iter().any(
            |v| matches!(v, ValueFilter::Range { field, max: Some(_), .. } if field == "use_date")
        ));
        let bad = parse(
            &pairs(&[
                ("f.child_name", "x"),
                ("min.adults", "many"),
                ("from", "4/1"),
            ]),
            &[],
            Some(&form),
            None,
            50,
        );
        assert_eq!(bad.problems.len(), 3, "{:?}", bad.problems);
    }

    #[test]
    fn the_query_string_round_trips_without_the_page() {
        let p = pairs(&[
            ("status", "received"),
            ("q", "山田 花子"),
            ("after", "1-2"),
            ("format", "csv"),
            ("x", ""),
        ]);
        let qs = query_string(&p);
        assert_eq!(
            qs,
            "status=received&q=%E5%B1%B1%E7%94%B0+%E8%8A%B1%E5%AD%90"
        );
    }
}
