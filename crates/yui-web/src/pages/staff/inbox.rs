//! `/{town}/staff/inbox`: the submissions a staff member may see, for one app or all of them,
//! filtered by a plain GET form (works without JavaScript) whose parameters are exactly those
//! of [`crate::inbox_query`] — so pagination and export links carry the same filters — and
//! `POST /{town}/staff/inbox/bulk`: one status change or assignment for the checked rows,
//! answered with a page saying what was done and what was skipped, and why.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{RawQuery, State};
use axum::response::Html;
use minijinja::context;
use serde::Serialize;
use serde_json::{Map, Value};
use yui_core::console::{Colleague, InboxApp};
use yui_core::model::UserId;
use yui_core::processing::{BulkOutcome, InboxPage};
use yui_core::records::{AppVersionId, SubmissionId};
use yui_core::review::{InboxQuery, InboxRow};
use yui_domain::definition::{FieldType, Form as AppForm};
use yui_domain::workflow::Workflow;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::inbox_query::{self, InboxFilters};
use crate::pages::staff::submissions::display::{jst, summary_fields, value_text};
use crate::session::StaffContext;
use crate::templates::{render, ser};

/// Rows per inbox page.
const PAGE_SIZE: u32 = 50;

/// Answer columns in the table when one app is chosen.
const ANSWER_COLUMNS: usize = 3;

/// The query string as ordered pairs (repeated keys kept, as filters need).
pub(crate) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

fn has(pairs: &[(String, String)], key: &str, value: &str) -> bool {
    pairs.iter().any(|(k, v)| k == key && v == value)
}

pub async fn get_inbox(
    State(state): State<AppState>,
    ctx: StaffContext,
    RawQuery(raw): RawQuery,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let pairs = query_pairs(raw.as_deref());
    let (actor, tenant) = (ctx.session.actor(), ctx.session.tenant.id);
    let core = |e| AppError::from_core(lang, e);
    let apps = state.yui.inbox_apps(&actor, tenant).await.map_err(core)?;
    let filters = parse_filters(&pairs, &apps, ctx.session.user.id);
    let page = state
        .yui
        .inbox(&actor, tenant, filters.query.clone())
        .await
        .map_err(core)?;
    let colleagues = state.yui.colleagues(&actor, tenant).await.map_err(core)?;
    let forms = row_forms(&state, tenant, &page.rows).await?;
    let model = InboxModel::build(&ctx, &pairs, &apps, &filters, &page, &colleagues, &forms);
    render(
        lang,
        "staff/inbox/index.html",
        context! { ..ctx.page_context("inbox"), ..ser(&model) },
    )
}

fn parse_filters(pairs: &[(String, String)], apps: &[InboxApp], me: UserId) -> InboxFilters {
    let records: Vec<_> = apps.iter().map(|a| a.record.clone()).collect();
    let chosen = apps
        .iter()
        .find(|a| a.record.slug == first(pairs, "app"))
        .and_then(|a| a.current.as_ref().map(|(_, form)| form.clone()));
    inbox_query::parse(pairs, &records, chosen.as_deref(), Some(me), PAGE_SIZE)
}

/// The forms of the versions the rows were submitted against (a page has few distinct ones).
async fn row_forms(
    state: &AppState,
    tenant: yui_core::model::TenantId,
    rows: &[InboxRow],
) -> Result<HashMap<AppVersionId, Arc<AppForm>>, AppError> {
    let mut forms = HashMap::new();
    for row in rows {
        if forms.contains_key(&row.app_version_id) {
            continue;
        }
        let (_, form) = state
            .yui
            .version_form(tenant, row.app_version_id)
            .await
            .map_err(|e| AppError::internal(Lang::Ja, e))?;
        forms.insert(row.app_version_id, form);
    }
    Ok(forms)
}

#[derive(Serialize)]
struct SelectOption {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct StatusOption {
    name: String,
    label: String,
    count: u64,
    checked: bool,
}

#[derive(Serialize)]
struct ChoiceFilter {
    param: String,
    id: String,
    label: String,
    options: Vec<SelectOption>,
}

#[derive(Serialize)]
struct RangeFilter {
    field: String,
    label: String,
    input_type: &'static str,
    min: String,
    max: String,
}

#[derive(Serialize)]
struct Row {
    id: SubmissionId,
    receipt: String,
    submitted_at: String,
    app_title: String,
    status_label: String,
    assignee: Option<String>,
    cells: Vec<String>,
}

#[derive(Serialize)]
struct InboxModel {
    apps: Vec<SelectOption>,
    app: Option<String>,
    app_title: Option<String>,
    statuses: Vec<StatusOption>,
    /// How many submissions the list holds: `all` of the apps in view (no other filter),
    /// `exactly` (a filtered list that fits on this page), or `open` (a filtered list with more
    /// pages: `total` is the rows shown).
    total: u64,
    total_kind: &'static str,
    assignee: String,
    from: String,
    to: String,
    q: String,
    receipt: String,
    oldest: bool,
    choice_filters: Vec<ChoiceFilter>,
    range_filters: Vec<RangeFilter>,
    errors: Vec<(String, String)>,
    columns: Vec<String>,
    rows: Vec<Row>,
    filtered: bool,
    query: String,
    next_url: Option<String>,
    first_url: Option<String>,
    export_urls: Vec<(String, String)>,
    bulk_statuses: Vec<SelectOption>,
    colleagues: Vec<SelectOption>,
}

/// The workflows in view: the chosen app's, or every app's in the scope.
fn workflows<'a>(apps: &'a [InboxApp], chosen: Option<&'a InboxApp>) -> Vec<&'a Workflow> {
    let mut out: Vec<&Workflow> = match chosen {
        Some(app) => app.current.iter().map(|(_, f)| f.workflow()).collect(),
        None => apps
            .iter()
            .filter_map(|a| a.current.as_ref().map(|(_, f)| f.workflow()))
            .collect(),
    };
    if out.is_empty() {
        out.push(default_workflow());
    }
    out
}

fn default_workflow() -> &'static Workflow {
    static DEFAULT: std::sync::LazyLock<Workflow> = std::sync::LazyLock::new(Workflow::default);
    &DEFAULT
}

fn state_label(workflows: &[&Workflow], name: &str, lang: Lang) -> String {
    workflows
        .iter()
        .find_map(|w| w.state(name))
        .map_or_else(|| name.to_owned(), |s| s.label.get(lang.code()).to_owned())
}

/// What the heading can truthfully say about the number of submissions listed. The per-status
/// counts cover the apps in view without the other filters; counting every match of an
/// arbitrary filter over a million submissions would cost more than the page itself.
enum ResultSize {
    All(u64),
    Exactly(u64),
    MoreThanShown,
}

fn result_size(q: &InboxQuery, page: &InboxPage) -> ResultSize {
    let narrowed = !q.statuses.is_empty()
        || q.assignee.is_some()
        || q.submitted_from.is_some()
        || q.submitted_until.is_some()
        || !q.values.is_empty()
        || q.text.as_deref().is_some_and(|t| !t.trim().is_empty())
        || q.receipt.as_deref().is_some_and(|r| !r.trim().is_empty());
    if !narrowed {
        ResultSize::All(page.counts.iter().map(|(_, n)| n).sum())
    } else if q.after.is_none() && page.next.is_none() {
        ResultSize::Exactly(page.rows.len() as u64)
    } else {
        ResultSize::MoreThanShown
    }
}

impl InboxModel {
    fn build(
        ctx: &StaffContext,
        pairs: &[(String, String)],
        apps: &[InboxApp],
        filters: &InboxFilters,
        page: &InboxPage,
        colleagues: &[Colleague],
        forms: &HashMap<AppVersionId, Arc<AppForm>>,
    ) -> Self {
        let lang = ctx.lang;
        let chosen = filters
            .app
            .as_ref()
            .and_then(|a| apps.iter().find(|x| x.record.id == a.id));
        let chosen_form = chosen.and_then(|a| a.current.as_ref().map(|(_, f)| f.clone()));
        let flows = workflows(apps, chosen);
        let town = ctx.town();
        let query = inbox_query::query_string(pairs);
        let link = |extra: &str| {
            let joined = [query.as_str(), extra]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("&");
            if joined.is_empty() {
                format!("/{town}/staff/inbox")
            } else {
                format!("/{town}/staff/inbox?{joined}")
            }
        };
        let columns_from = chosen_form.as_deref();
        let columns = match columns_from {
            Some(form) => summary_fields(form, ANSWER_COLUMNS)
                .iter()
                .map(|f| f.label().get(lang.code()).to_owned())
                .collect(),
            None => vec![lang.t("inbox-column-summary")],
        };
        let column_names: Vec<String> = columns_from
            .map(|f| {
                summary_fields(f, ANSWER_COLUMNS)
                    .iter()
                    .map(|f| f.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let rows = page
            .rows
            .iter()
            .map(|row| row_model(row, apps, forms, &flows, &column_names, colleagues, lang))
            .collect();
        let mut statuses: Vec<StatusOption> = Vec::new();
        for flow in &flows {
            for s in &flow.states {
                if !statuses.iter().any(|o| o.name == s.name) {
                    statuses.push(StatusOption {
                        name: s.name.clone(),
                        label: s.label.get(lang.code()).to_owned(),
                        count: 0,
                        checked: has(pairs, "status", &s.name),
                    });
                }
            }
        }
        for (name, count) in &page.counts {
            match statuses.iter_mut().find(|o| &o.name == name) {
                Some(o) => o.count = *count,
                None => statuses.push(StatusOption {
                    name: name.clone(),
                    label: name.clone(),
                    count: *count,
                    checked: has(pairs, "status", name),
                }),
            }
        }
        let can_export = yui_core::actor::allows(
            ctx.session.user.role,
            yui_core::actor::Permission::ExportSubmissions,
        );
        let export_urls = if can_export && chosen.is_some() {
            ["csv", "csv-cp932", "xlsx", "json"]
                .into_iter()
                .map(|format| {
                    let url = format!("/{town}/staff/inbox/export?format={format}&{query}");
                    (lang.t(&format!("inbox-download-{format}")), url)
                })
                .collect()
        } else {
            Vec::new()
        };
        Self {
            apps: apps
                .iter()
                .map(|a| SelectOption {
                    value: a.record.slug.clone(),
                    label: app_title(a, lang),
                    selected: chosen.is_some_and(|c| c.record.id == a.record.id),
                })
                .collect(),
            app: chosen.map(|a| a.record.slug.clone()),
            app_title: chosen.map(|a| app_title(a, lang)),
            total: match result_size(&filters.query, page) {
                ResultSize::All(n) | ResultSize::Exactly(n) => n,
                ResultSize::MoreThanShown => page.rows.len() as u64,
            },
            total_kind: match result_size(&filters.query, page) {
                ResultSize::All(_) => "all",
                ResultSize::Exactly(_) => "exactly",
                ResultSize::MoreThanShown => "open",
            },
            statuses,
            assignee: first(pairs, "assignee").to_owned(),
            from: first(pairs, "from").to_owned(),
            to: first(pairs, "to").to_owned(),
            q: first(pairs, "q").to_owned(),
            receipt: first(pairs, "receipt").to_owned(),
            oldest: first(pairs, "order") == "oldest",
            choice_filters: columns_from
                .map(|f| choice_filters(f, pairs, lang))
                .unwrap_or_default(),
            range_filters: columns_from
                .map(|f| range_filters(f, pairs, lang))
                .unwrap_or_default(),
            errors: filters
                .problems
                .iter()
                .map(|p| {
                    let message = match lang {
                        Lang::Ja => p.message_ja.clone(),
                        Lang::En => p.message_en.clone(),
                    };
                    (filter_id(&p.param), message)
                })
                .collect(),
            columns,
            rows,
            filtered: !query.is_empty(),
            next_url: page.next.map(|c| link(&format!("after={}", c.encode()))),
            first_url: filters.query.after.map(|_| link("")),
            query,
            export_urls,
            bulk_statuses: bulk_statuses(&flows, ctx.session.user.role, lang),
            colleagues: colleagues
                .iter()
                .filter(|c| !c.disabled)
                .map(|c| SelectOption {
                    value: c.id.to_string(),
                    label: c.display_name.clone(),
                    selected: false,
                })
                .collect(),
        }
    }
}

/// The id of a filter's input, for error summary links (`min.adults` → `filter-min-adults`).
pub(crate) fn filter_id(param: &str) -> String {
    format!("filter-{}", param.replace(['.', '_'], "-"))
}

fn app_title(app: &InboxApp, lang: Lang) -> String {
    match (&app.current, lang) {
        (Some((_, form)), _) => form.definition().title.get(lang.code()).to_owned(),
        (None, Lang::En) => app
            .record
            .summary
            .title_en
            .clone()
            .unwrap_or_else(|| app.record.summary.title_ja.clone()),
        (None, Lang::Ja) => app.record.summary.title_ja.clone(),
    }
}

fn row_model(
    row: &InboxRow,
    apps: &[InboxApp],
    forms: &HashMap<AppVersionId, Arc<AppForm>>,
    flows: &[&Workflow],
    column_names: &[String],
    colleagues: &[Colleague],
    lang: Lang,
) -> Row {
    let form = forms.get(&row.app_version_id);
    let answers: Map<String, Value> = serde_json::from_str(&row.answers).unwrap_or_default();
    let cell = |field: &yui_domain::definition::FormField| {
        answers
            .get(&field.name)
            .map(|v| value_text(field, v, lang))
            .unwrap_or_default()
    };
    let cells = match form {
        Some(form) if !column_names.is_empty() => column_names
            .iter()
            .map(|name| form.field(name).map(cell).unwrap_or_default())
            .collect(),
        Some(form) => vec![
            summary_fields(form, 1)
                .first()
                .map(|f| cell(f))
                .unwrap_or_default(),
        ],
        None => vec![String::new(); column_names.len().max(1)],
    };
    let status_label = form
        .and_then(|f| f.workflow().state(&row.status))
        .map_or_else(
            || state_label(flows, &row.status, lang),
            |s| s.label.get(lang.code()).to_owned(),
        );
    Row {
        id: row.id,
        receipt: row.receipt_number.clone(),
        submitted_at: jst(row.submitted_at),
        app_title: apps
            .iter()
            .find(|a| a.record.id == row.app_id)
            .map(|a| app_title(a, lang))
            .unwrap_or_default(),
        status_label,
        assignee: row.assignee_id.map(|id| {
            colleagues
                .iter()
                .find(|c| c.id == id)
                .map_or_else(|| id.to_string(), |c| c.display_name.clone())
        }),
        cells,
    }
}

fn choice_filters(form: &AppForm, pairs: &[(String, String)], lang: Lang) -> Vec<ChoiceFilter> {
    form.fields()
        .iter()
        .filter(|f| f.repeat.is_none() && f.other_of.is_none())
        .filter_map(|f| {
            let param = format!("f.{}", f.name);
            let options: Vec<(String, String)> = match f.field_type {
                FieldType::SelectOne | FieldType::SelectMultiple => f
                    .choices()
                    .iter()
                    .map(|c| (c.name.clone(), c.label.get(lang.code()).to_owned()))
                    .collect(),
                FieldType::YesNo => vec![
                    ("yes".to_owned(), lang.t("staff-answer-yes")),
                    ("no".to_owned(), lang.t("staff-answer-no")),
                ],
                _ => return None,
            };
            Some(ChoiceFilter {
                id: filter_id(&param),
                label: f.label().get(lang.code()).to_owned(),
                options: options
                    .into_iter()
                    .map(|(value, label)| SelectOption {
                        selected: has(pairs, &param, &value),
                        value,
                        label,
                    })
                    .collect(),
                param,
            })
        })
        .collect()
}

fn range_filters(form: &AppForm, pairs: &[(String, String)], lang: Lang) -> Vec<RangeFilter> {
    form.fields()
        .iter()
        .filter(|f| f.repeat.is_none())
        .filter_map(|f| {
            let input_type = match f.field_type {
                FieldType::Integer | FieldType::Decimal => "number",
                FieldType::Date | FieldType::Datetime => "date",
                _ => return None,
            };
            Some(RangeFilter {
                field: f.name.clone(),
                label: f.label().get(lang.code()).to_owned(),
                input_type,
                min: first(pairs, &format!("min.{}", f.name)).to_owned(),
                max: first(pairs, &format!("max.{}", f.name)).to_owned(),
            })
        })
        .collect()
}

/// States the staff member can move submissions to in bulk. Returning for correction needs
/// a reason written for each resident, so it is done one submission at a time.
fn bulk_statuses(
    flows: &[&Workflow],
    role: yui_domain::tenant::Role,
    lang: Lang,
) -> Vec<SelectOption> {
    let mut out: Vec<SelectOption> = Vec::new();
    for flow in flows {
        for t in &flow.transitions {
            let returning = flow.resident_transition(&t.to).is_some();
            if t.resident || returning || !flow.can(&t.from, &t.to, role) {
                continue;
            }
            if out.iter().any(|o| o.value == t.to) {
                continue;
            }
            out.push(SelectOption {
                value: t.to.clone(),
                label: state_label(&[flow], &t.to, lang),
                selected: false,
            });
        }
    }
    out
}

/// What a bulk change asked for.
struct BulkRequest {
    csrf: String,
    ids: Vec<SubmissionId>,
    receipts: HashMap<i64, String>,
    action: String,
    to: String,
    assignee: String,
    back: String,
}

impl BulkRequest {
    fn parse(pairs: Vec<(String, String)>) -> Self {
        let mut r = BulkRequest {
            csrf: String::new(),
            ids: Vec::new(),
            receipts: HashMap::new(),
            action: String::new(),
            to: String::new(),
            assignee: String::new(),
            back: String::new(),
        };
        for (k, v) in pairs {
            match k.as_str() {
                "_csrf" => r.csrf = v,
                "ids" => r.ids.extend(v.parse().ok().map(SubmissionId)),
                "receipts" => {
                    if let Some((id, receipt)) = v.split_once(':')
                        && let Ok(id) = id.parse()
                    {
                        r.receipts.insert(id, receipt.to_owned());
                    }
                }
                "action" => r.action = v,
                "to" => r.to = v,
                "assignee" => r.assignee = v,
                "back" => r.back = v,
                _ => {}
            }
        }
        r
    }
}

#[derive(Serialize)]
struct Skipped {
    id: SubmissionId,
    receipt: String,
    reason: String,
}

pub async fn post_bulk(
    State(state): State<AppState>,
    ctx: StaffContext,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let request = BulkRequest::parse(pairs);
    ctx.verify_csrf(&request.csrf)?;
    let missing_status = request.action != "assign" && request.to.trim().is_empty();
    let outcome = if missing_status {
        BulkOutcome::default()
    } else {
        run_bulk(&state, &ctx, &request).await?
    };
    let skipped: Vec<Skipped> = outcome
        .skipped
        .iter()
        .map(|(id, code)| Skipped {
            id: *id,
            receipt: request.receipts.get(&id.0).cloned().unwrap_or_default(),
            reason: lang.t(&format!("bulk-skipped-{}", code.replace('_', "-"))),
        })
        .collect();
    // Only an inbox query string goes back into the link.
    let back = serde_urlencoded::from_str::<Vec<(String, String)>>(&request.back)
        .map(|p| inbox_query::query_string(&p))
        .unwrap_or_default();
    render(
        lang,
        "staff/inbox/bulk.html",
        context! {
            nothing_chosen => request.ids.is_empty(),
            missing_status => missing_status,
            done => outcome.done.len(),
            skipped => ser(&skipped),
            back => back,
            ..ctx.page_context("inbox"),
        },
    )
}

async fn run_bulk(
    state: &AppState,
    ctx: &StaffContext,
    request: &BulkRequest,
) -> Result<BulkOutcome, AppError> {
    let (actor, tenant) = (ctx.session.actor(), &ctx.session.tenant);
    if request.ids.is_empty() {
        return Ok(BulkOutcome::default());
    }
    let result = match request.action.as_str() {
        "assign" => {
            let assignee = match request.assignee.as_str() {
                "" | "none" => None,
                "me" => Some(ctx.session.user.id),
                id => Some(UserId(
                    id.parse().map_err(|_| AppError::Forbidden(ctx.lang))?,
                )),
            };
            state
                .yui
                .bulk_assign(&actor, tenant.id, &request.ids, assignee)
                .await
        }
        _ => {
            state
                .yui
                .bulk_transition(&actor, tenant, &request.ids, &request.to, None)
                .await
        }
    };
    result.map_err(|e| AppError::from_core(ctx.lang, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use yui_core::review::InboxCursor;

    fn page(rows: usize, next: bool) -> InboxPage {
        let row = InboxRow {
            id: SubmissionId(1),
            app_id: yui_core::records::AppId(1),
            app_version_id: AppVersionId(1),
            receipt_number: "2026-000001".into(),
            status: "received".into(),
            submitted_at: time::OffsetDateTime::UNIX_EPOCH,
            submitted_at_ms: 0,
            assignee_id: None,
            revision: 1,
            answers: "{}".into(),
        };
        InboxPage {
            rows: vec![row; rows],
            next: next.then_some(InboxCursor {
                submitted_at_ms: 0,
                id: SubmissionId(1),
            }),
            counts: vec![("received".into(), 70), ("completed".into(), 30)],
            apps: Vec::new(),
        }
    }

    #[test]
    fn the_heading_counts_only_what_it_knows() {
        let all = InboxQuery::default();
        assert!(matches!(
            result_size(&all, &page(50, true)),
            ResultSize::All(100)
        ));
        let narrowed = InboxQuery {
            statuses: vec!["received".into()],
            ..InboxQuery::default()
        };
        assert!(matches!(
            result_size(&narrowed, &page(12, false)),
            ResultSize::Exactly(12)
        ));
        assert!(matches!(
            result_size(&narrowed, &page(50, true)),
            ResultSize::MoreThanShown
        ));
        let later = InboxQuery {
            after: Some(InboxCursor {
                submitted_at_ms: 0,
                id: SubmissionId(9),
            }),
            ..narrowed
        };
        assert!(
            matches!(
                result_size(&later, &page(3, false)),
                ResultSize::MoreThanShown
            ),
            "the last of several pages does not know the earlier ones' rows"
        );
    }
}
