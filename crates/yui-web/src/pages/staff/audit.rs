//! `/{town}/staff/audit` (admins): the town's audit trail, newest first, filtered by kind of
//! action, staff member and date range, paged with `before`; and `/{town}/staff/audit/person`,
//! the per-resident report — everyone who accessed one resident's data (`?email=`) or one
//! submission (`?receipt=`). Actions are written in plain words, times in Japan time. Reading
//! the trail is itself recorded by the use case.

use axum::extract::{RawQuery, State};
use axum::response::Html;
use minijinja::context;
use serde::Serialize;
use serde_json::Value;
use time::macros::format_description;
use yui_core::audit::{ActorKind, AuditEvent};
use yui_core::clock::JST;
use yui_core::console::{AuditFilter, AuditPage, Colleague, PersonRef};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::staff::inbox::query_pairs;
use crate::pages::staff::submissions::display::jst;
use crate::session::{ClientAddr, StaffContext};
use crate::templates::{render, ser};

/// Events per page.
const PAGE_SIZE: u32 = 100;

/// The action filters offered, as prefixes of action codes. (Prefixes stop before `_`,
/// which the store does not accept in a prefix.)
const ACTION_FILTERS: &[&str] = &[
    "submission.",
    "submission.view",
    "submission.list",
    "submission.file",
    "submission.export",
    "submission.status",
    "submission.assign",
    "submission.comment",
    "submission.create",
    "submission.correct",
    "staff.sign",
    "user.",
    "app.",
    "audit.view",
];

/// The message key naming an action (`submission.file_view` → `audit-action-submission-file-view`).
fn action_key(action: &str) -> String {
    format!("audit-action-{}", action.replace(['.', '_'], "-"))
}

/// An action in plain words; unknown codes are shown as they are.
pub fn action_label(action: &str, lang: Lang) -> String {
    let key = action_key(action);
    if lang.has(&key) {
        lang.t(&key)
    } else {
        action.to_owned()
    }
}

#[derive(Serialize)]
struct EventRow {
    seq: i64,
    at: String,
    actor: String,
    actor_login: Option<String>,
    action: String,
    action_code: String,
    submission: Option<String>,
    details: Vec<(String, String)>,
    client: Option<String>,
}

fn actor_name(
    event: &AuditEvent,
    colleagues: &[Colleague],
    lang: Lang,
) -> (String, Option<String>) {
    let e = &event.entry;
    match e.actor_kind {
        ActorKind::Staff => {
            let name = e
                .actor_id
                .and_then(|id| colleagues.iter().find(|c| c.id.0 == id))
                .map_or_else(|| e.actor_label.clone(), |c| c.display_name.clone());
            (name, Some(e.actor_label.clone()))
        }
        ActorKind::Api => (
            lang.t_args("console-actor-api", &[("name", e.actor_label.clone())]),
            None,
        ),
        ActorKind::Resident => (lang.t("console-actor-resident"), None),
        ActorKind::Operator => (lang.t("console-actor-operator"), None),
        ActorKind::System => (lang.t("console-actor-system"), None),
    }
}

/// The detail's facts worth reading (receipt, file, rows, status change, format…).
fn details(detail: &str, lang: Lang) -> Vec<(String, String)> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(detail) else {
        return Vec::new();
    };
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let key = format!("audit-detail-{}", k.replace('_', "-"));
            let label = if lang.has(&key) {
                lang.t(&key)
            } else {
                k.clone()
            };
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Array(items) if items.iter().all(Value::is_string) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (label, value)
        })
        .collect()
}

fn rows(page: &AuditPage, colleagues: &[Colleague], lang: Lang) -> Vec<EventRow> {
    page.events
        .iter()
        .map(|ev| {
            let e = &ev.entry;
            let (actor, actor_login) = actor_name(ev, colleagues, lang);
            EventRow {
                seq: ev.seq,
                at: jst(ev.at),
                actor,
                actor_login,
                action: action_label(&e.action, lang),
                action_code: e.action.clone(),
                submission: match (&e.subject_kind, &e.subject_id) {
                    (Some(kind), Some(id)) if kind == "submission" => Some(id.clone()),
                    _ => None,
                },
                details: details(&e.detail, lang),
                client: e.client_addr.clone(),
            }
        })
        .collect()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.trim())
}

fn jst_day(text: &str) -> Option<time::OffsetDateTime> {
    time::Date::parse(text, format_description!("[year]-[month]-[day]"))
        .ok()
        .map(|d| d.midnight().assume_offset(JST))
}

/// Reads the browse filters; problems are reported next to their inputs.
fn parse_filter(pairs: &[(String, String)], lang: Lang) -> (AuditFilter, Vec<(String, String)>) {
    let mut errors = Vec::new();
    let mut date = |key: &str| {
        let text = first(pairs, key);
        if text.is_empty() {
            return None;
        }
        let parsed = jst_day(text);
        if parsed.is_none() {
            errors.push((format!("audit-{key}"), lang.t("audit-error-date")));
        }
        parsed
    };
    let from = date("from");
    let until = date("to").map(|t| t + time::Duration::days(1));
    let action = first(pairs, "action");
    let filter = AuditFilter {
        action_prefix: ACTION_FILTERS.contains(&action).then(|| action.to_owned()),
        actor_id: first(pairs, "actor").parse().ok(),
        from,
        until,
        before_seq: first(pairs, "before").parse().ok(),
        limit: PAGE_SIZE,
    };
    (filter, errors)
}

/// The current query string with `before` replaced, for the next page.
fn older_url(path: &str, pairs: &[(String, String)], older: Option<i64>) -> Option<String> {
    let older = older?;
    let mut kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, v)| k != "before" && k != "lang" && !v.trim().is_empty())
        .cloned()
        .collect();
    kept.push(("before".to_owned(), older.to_string()));
    let qs = serde_urlencoded::to_string(&kept).unwrap_or_default();
    Some(format!("{path}?{qs}"))
}

pub async fn get_audit(
    State(state): State<AppState>,
    ctx: StaffContext,
    RawQuery(raw): RawQuery,
    ClientAddr(client): ClientAddr,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let pairs = query_pairs(raw.as_deref());
    let (filter, errors) = parse_filter(&pairs, lang);
    let (actor, tenant) = (ctx.session.actor(), ctx.session.tenant.id);
    let core = |e| AppError::from_core(lang, e);
    let page = state
        .yui
        .browse_audit(&actor, tenant, &filter, client)
        .await
        .map_err(core)?;
    let colleagues = state.yui.colleagues(&actor, tenant).await.map_err(core)?;
    let path = format!("/{}/staff/audit", ctx.town());
    let actions: Vec<(&str, String)> = ACTION_FILTERS
        .iter()
        .map(|a| {
            (
                *a,
                lang.t(&format!(
                    "audit-filter-{}",
                    a.trim_end_matches('.').replace(['.', '_'], "-")
                )),
            )
        })
        .collect();
    render(
        lang,
        "staff/audit/index.html",
        context! {
            events => ser(rows(&page, &colleagues, lang)),
            older_url => older_url(&path, &pairs, page.older),
            actions => ser(&actions),
            colleagues => ser(&colleagues),
            action => first(&pairs, "action"),
            actor => first(&pairs, "actor"),
            from => first(&pairs, "from"),
            to => first(&pairs, "to"),
            paged => filter.before_seq.is_some(),
            errors => ser(&errors),
            ..ctx.page_context("audit"),
        },
    )
}

pub async fn get_person_report(
    State(state): State<AppState>,
    ctx: StaffContext,
    RawQuery(raw): RawQuery,
    ClientAddr(client): ClientAddr,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let pairs = query_pairs(raw.as_deref());
    let (email, receipt) = (first(&pairs, "email"), first(&pairs, "receipt"));
    let person = match (email, receipt) {
        ("", "") => None,
        ("", receipt) => Some(PersonRef::Receipt(receipt.to_owned())),
        (email, _) => Some(PersonRef::Email(email.to_owned())),
    };
    let (actor, tenant) = (ctx.session.actor(), ctx.session.tenant.id);
    let core = |e| AppError::from_core(lang, e);
    // Only admins may even see the empty form.
    actor
        .require(yui_core::Permission::ViewAudit, tenant)
        .map_err(core)?;
    let before = first(&pairs, "before").parse().ok();
    let report = match &person {
        Some(p) => Some(
            state
                .yui
                .person_access_report(&actor, tenant, p, before, PAGE_SIZE, client)
                .await
                .map_err(core)?,
        ),
        None => None,
    };
    let page = report.as_ref().map(|r| &r.page);
    let exports = report.as_ref().map(|r| AuditPage {
        events: r.exports.clone(),
        older: None,
    });
    let colleagues = state.yui.colleagues(&actor, tenant).await.map_err(core)?;
    let path = format!("/{}/staff/audit/person", ctx.town());
    render(
        lang,
        "staff/audit/person.html",
        context! {
            email => email,
            receipt => receipt,
            searched => person.is_some(),
            events => ser(page.map(|p| rows(p, &colleagues, lang)).unwrap_or_default()),
            exports => ser(exports.as_ref().map(|p| rows(p, &colleagues, lang)).unwrap_or_default()),
            older_url => page.and_then(|p| older_url(&path, &pairs, p.older)),
            paged => before.is_some(),
            errors => ser(Vec::<(String, String)>::new()),
            ..ctx.page_context("audit"),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_in_plain_japanese_and_unknown_codes_stay_as_written() {
        assert_eq!(action_label("submission.view", Lang::Ja), "閲覧");
        assert_eq!(
            action_label("submission.file_view", Lang::Ja),
            "添付ファイル閲覧"
        );
        assert_eq!(action_label("submission.export", Lang::Ja), "エクスポート");
        assert_eq!(action_label("submission.view", Lang::En), "Viewed");
        assert_eq!(action_label("something.new", Lang::Ja), "something.new");
    }

    #[test]
    fn every_offered_action_filter_has_a_label_in_both_languages() {
        for a in ACTION_FILTERS {
            let key = format!(
                "audit-filter-{}",
                a.trim_end_matches('.').replace(['.', '_'], "-")
            );
            assert!(Lang::Ja.has(&key) && Lang::En.has(&key), "{key}");
        }
    }

    #[test]
    fn details_name_their_facts() {
        let d = details(r#"{"receipt":"2026-000001","rows":3,"x":null}"#, Lang::Ja);
        assert_eq!(
            d,
            vec![
                ("受付番号".to_owned(), "2026-000001".to_owned()),
                ("件数".to_owned(), "3".to_owned())
            ]
        );
    }

    #[test]
    fn the_next_page_keeps_the_filters() {
        let pairs = vec![
            ("action".to_owned(), "submission.view".to_owned()),
            ("before".to_owned(), "90".to_owned()),
        ];
        assert_eq!(
            older_url("/oguni/staff/audit", &pairs, Some(40)).as_deref(),
            Some("/oguni/staff/audit?action=submission.view&before=40")
        );
        assert_eq!(older_url("/x", &pairs, None), None);
    }
}
