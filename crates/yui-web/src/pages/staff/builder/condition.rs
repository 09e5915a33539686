//! `/{town}/staff/apps/{app}/edit/fields/{field}/condition`: when a question (or a page) is
//! shown. A guided editor of rows (question / operator / value, joined by "and" or "or") and an
//! expression box for power users; the engine checks the result and its message is shown when
//! it does not compile. "Add a row" re-renders the form with one more row (no JavaScript).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Serialize;
use yui_core::CoreError;
use yui_core::builder::condition::{Condition, Join, Op, Row, from_expression, to_expression};
use yui_core::builder::edit;
use yui_domain::definition::{AppDefinition, Field};

use super::fields::{NoticeQuery, type_label};
use super::{app_view, field, load, problems};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::session::StaffContext;
use crate::templates::{render, ser};

#[derive(Serialize, Clone, Default)]
struct RowForm {
    field: String,
    op: String,
    value: String,
}

/// What the page shows in its inputs.
struct Typed {
    join: Join,
    rows: Vec<RowForm>,
    expression: String,
    /// The current expression cannot be shown as rows.
    complex: bool,
}

fn row_form(r: &Row) -> RowForm {
    RowForm {
        field: r.field.clone(),
        op: r.op.as_str().to_owned(),
        value: r.value.clone(),
    }
}

fn posted(pairs: &[(String, String)]) -> Typed {
    let count: usize = field(pairs, "rows").parse().unwrap_or(1).min(20);
    let rows = (0..count)
        .map(|i| RowForm {
            field: field(pairs, &format!("row-{i}-field")).to_owned(),
            op: field(pairs, &format!("row-{i}-op")).to_owned(),
            value: field(pairs, &format!("row-{i}-value")).to_owned(),
        })
        .collect();
    Typed {
        join: if field(pairs, "join") == "or" {
            Join::Or
        } else {
            Join::And
        },
        rows,
        expression: field(pairs, "expression").to_owned(),
        complex: false,
    }
}

fn condition_of(typed: &Typed) -> Condition {
    Condition {
        join: typed.join,
        rows: typed
            .rows
            .iter()
            .map(|r| Row {
                field: r.field.clone(),
                op: Op::parse(&r.op).unwrap_or(Op::Eq),
                value: r.value.clone(),
            })
            .collect(),
    }
}

/// Questions a condition may look at: every field with an answer, except this one and what
/// is inside it.
fn candidates(def: &AppDefinition, own: &str, lang: Lang) -> Vec<minijinja::Value> {
    fn walk(fields: &[Field], own: &str, lang: Lang, out: &mut Vec<minijinja::Value>) {
        for f in fields {
            if f.name == own {
                continue;
            }
            if f.field_type.stores_value() && !f.field_type.is_container() {
                let label = f
                    .label
                    .as_ref()
                    .map_or_else(|| f.name.clone(), |l| l.get(lang.code()).to_owned());
                out.push(context! {
                    name => &f.name,
                    label => format!("{label}（{}）", type_label(f.field_type, lang)),
                });
            }
            walk(&f.fields, own, lang, out);
        }
    }
    let mut out = Vec::new();
    walk(&def.fields, own, lang, &mut out);
    out
}

async fn show(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    name: &str,
    typed: Option<Typed>,
    errors: &[(String, String)],
    notice: Option<&str>,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let (record, def) = load(state, ctx, slug).await?;
    let f = edit::find(&def.fields, name).ok_or(AppError::NotFound(lang))?;
    let mut typed = typed.unwrap_or_else(|| {
        let current = f.relevant.clone().unwrap_or_default();
        let parsed = (!current.is_empty())
            .then(|| from_expression(&def, &current))
            .flatten();
        Typed {
            join: parsed.as_ref().map_or(Join::And, |c| c.join),
            rows: parsed
                .as_ref()
                .map(|c| c.rows.iter().map(row_form).collect())
                .unwrap_or_default(),
            complex: !current.is_empty() && parsed.is_none(),
            expression: current,
        }
    });
    if typed.rows.is_empty() {
        typed.rows.push(RowForm::default());
    }
    let ops: Vec<minijinja::Value> = Op::ALL
        .iter()
        .map(|o| context! { value => o.as_str(), label => lang.t(&format!("builder-op-{}", o.as_str())) })
        .collect();
    let label = f
        .label
        .as_ref()
        .map_or_else(|| f.name.clone(), |l| l.get(lang.code()).to_owned());
    render(
        lang,
        "staff/builder/condition.html",
        context! {
            app => app_view(&record, &def, lang),
            field => context! { name => &f.name, label => label, relevant => &f.relevant },
            candidates => candidates(&def, name, lang),
            ops => ops,
            rows => ser(&typed.rows),
            join => if typed.join == Join::Or { "or" } else { "and" },
            expression => &typed.expression,
            complex => typed.complex,
            errors => ser(errors),
            notice => notice,
            ..ctx.page_context("apps")
        },
    )
}

pub async fn get_condition(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug, name)): Path<(String, String, String)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let notice = super::notice(query.notice.as_deref(), &["condition-saved"]);
    show(&state, &ctx, &slug, &name, None, &[], notice).await
}

pub async fn post_condition(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug, name)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let mut typed = posted(&pairs);
    let action = field(&pairs, "action");
    if action == "add" {
        typed.rows.push(RowForm::default());
        return Ok(show(&state, &ctx, &slug, &name, Some(typed), &[], None)
            .await?
            .into_response());
    }
    let s = &ctx.session;
    let (_, def) = load(&state, &ctx, &slug).await?;
    let (expression, place) = match action {
        "clear" => (Ok(None), "expression"),
        "expression" => (Ok(Some(typed.expression.trim().to_owned())), "expression"),
        _ => (to_expression(&def, &condition_of(&typed)), "row-0-field"),
    };
    let result = match expression {
        Ok(expression) => {
            state
                .yui
                .set_field_condition(&s.actor(), s.tenant.id, &slug, &name, expression)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/{}/staff/apps/{slug}/edit/fields/{name}/condition?notice=condition-saved",
            ctx.town()
        ))
        .into_response()),
        Err(e @ (CoreError::Invalid(_) | CoreError::Definition(_))) => {
            let errors = problems(ctx.lang, e, |_| place.to_owned())?;
            let page = show(&state, &ctx, &slug, &name, Some(typed), &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(AppError::from_core(ctx.lang, e)),
    }
}
