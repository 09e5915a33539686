//! `/{town}/staff/apps/{app}/edit`: the field editor. The overview lists pages and their
//! questions in order with buttons to move, duplicate and delete (after a confirmation page)
//! and forms to add a question or a page; `…/edit/fields/{field}` edits one question's texts,
//! rules and choices.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yui_core::builder::edit::{
    self, ADDABLE_TYPES, Direction, FieldEdit, Required, choice_lines, choice_list_sharers,
};
use yui_domain::definition::{AppDefinition, DefinitionError, Field, FieldType, Flag, Text};
use yui_domain::diff::words::type_words;

use super::{app_view, field, is_autosave, load, notice, problems};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::session::StaffContext;
use crate::templates::{render, ser};

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    pub notice: Option<String>,
}

const NOTICES: &[&str] = &[
    "created",
    "added",
    "page-added",
    "moved",
    "duplicated",
    "deleted",
    "saved",
    "condition-saved",
    "duplicated-app",
];

pub fn type_label(t: FieldType, lang: Lang) -> &'static str {
    let (ja, en) = type_words(t);
    match lang {
        Lang::Ja => ja,
        Lang::En => en,
    }
}

fn label_of(f: &Field, lang: Lang) -> String {
    f.label
        .as_ref()
        .map_or_else(|| f.name.clone(), |l| l.get(lang.code()).to_owned())
}

#[derive(Serialize)]
struct RowView {
    name: String,
    label: String,
    kind: &'static str,
    depth: usize,
    required: bool,
    condition: bool,
    first: bool,
    last: bool,
}

#[derive(Serialize)]
struct PageView {
    /// The group's name; `None` for questions outside any page.
    name: Option<String>,
    title: String,
    rows: Vec<RowView>,
}

fn rows(fields: &[Field], depth: usize, lang: Lang, out: &mut Vec<RowView>) {
    for (i, f) in fields.iter().enumerate() {
        out.push(RowView {
            name: f.name.clone(),
            label: label_of(f, lang),
            kind: type_label(f.field_type, lang),
            depth,
            required: matches!(f.required, Some(Flag::Bool(true) | Flag::Expr(_))),
            condition: f.relevant.is_some(),
            first: i == 0,
            last: i + 1 == fields.len(),
        });
        rows(&f.fields, depth + 1, lang, out);
    }
}

/// Top-level groups as pages; consecutive questions outside groups as one unnamed page.
fn pages(def: &AppDefinition, lang: Lang) -> Vec<PageView> {
    let mut out: Vec<PageView> = Vec::new();
    let mut loose: Vec<Field> = Vec::new();
    let flush = |loose: &mut Vec<Field>, out: &mut Vec<PageView>| {
        if !loose.is_empty() {
            let mut r = Vec::new();
            rows(loose, 0, lang, &mut r);
            out.push(PageView {
                name: None,
                title: lang.t("builder-loose-questions"),
                rows: r,
            });
            loose.clear();
        }
    };
    for f in &def.fields {
        if f.field_type == FieldType::Group {
            flush(&mut loose, &mut out);
            let mut r = Vec::new();
            rows(&f.fields, 0, lang, &mut r);
            out.push(PageView {
                name: Some(f.name.clone()),
                title: label_of(f, lang),
                rows: r,
            });
        } else {
            loose.push(f.clone());
        }
    }
    flush(&mut loose, &mut out);
    out
}

fn addable(lang: Lang) -> Vec<Value> {
    ADDABLE_TYPES
        .iter()
        .map(|t| context! { value => t.as_str(), label => type_label(*t, lang) })
        .collect()
}

async fn show_edit(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    errors: &[(String, String)],
    notice: Option<&str>,
) -> Result<Html<String>, AppError> {
    let (record, def) = load(state, ctx, slug).await?;
    render(
        ctx.lang,
        "staff/builder/edit.html",
        context! {
            app => app_view(&record, &def, ctx.lang),
            tab => "edit",
            pages => ser(pages(&def, ctx.lang)),
            types => addable(ctx.lang),
            errors => ser(errors),
            notice => notice,
            ..ctx.page_context("apps")
        },
    )
}

pub async fn get_edit(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let notice = notice(query.notice.as_deref(), NOTICES);
    show_edit(&state, &ctx, &slug, &[], notice).await
}

fn edit_url(ctx: &StaffContext, slug: &str, notice: &str, anchor: &str) -> String {
    format!(
        "/{}/staff/apps/{slug}/edit?notice={notice}{anchor}",
        ctx.town()
    )
}

/// Runs one change of the draft and redirects to `to`, or shows the overview with the problems.
async fn change<T>(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    pairs: &[(String, String)],
    op: impl FnOnce(&mut AppDefinition) -> Result<T, yui_core::CoreError>,
    to: impl FnOnce(T) -> String,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(pairs, "_csrf"))?;
    let s = &ctx.session;
    match state.yui.edit_app(&s.actor(), s.tenant.id, slug, op).await {
        Ok(out) => Ok(Redirect::to(&to(out)).into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e, |_| "pages".to_owned())?;
            let page = show_edit(state, ctx, slug, &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

pub async fn post_add_field(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kind = field(&pairs, "type");
    let field_type = FieldType::ALL
        .into_iter()
        .find(|t| t.as_str() == kind)
        .unwrap_or(FieldType::Text);
    let page = Some(field(&pairs, "page")).filter(|p| !p.is_empty());
    let base = format!("/{}/staff/apps/{slug}/edit/fields", ctx.town());
    change(
        &state,
        &ctx,
        &slug,
        &pairs,
        |def| edit::add_field(def, page, field_type),
        |name| format!("{base}/{name}?notice=added"),
    )
    .await
}

pub async fn post_add_page(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let url = edit_url(&ctx, &slug, "page-added", "");
    change(
        &state,
        &ctx,
        &slug,
        &pairs,
        |def| Ok(edit::add_page(def)),
        |name| format!("{url}#page-{name}"),
    )
    .await
}

pub async fn post_move(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug, name)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let direction = if field(&pairs, "direction") == "up" {
        Direction::Up
    } else {
        Direction::Down
    };
    let url = edit_url(&ctx, &slug, "moved", &format!("#f-{name}"));
    change(
        &state,
        &ctx,
        &slug,
        &pairs,
        |def| edit::move_field(def, &name, direction),
        |()| url,
    )
    .await
}

pub async fn post_duplicate(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug, name)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let url = edit_url(&ctx, &slug, "duplicated", "");
    change(
        &state,
        &ctx,
        &slug,
        &pairs,
        |def| edit::duplicate_field(def, &name),
        |copy| format!("{url}#f-{copy}"),
    )
    .await
}

pub async fn get_delete(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug, name)): Path<(String, String, String)>,
) -> Result<Html<String>, AppError> {
    let (record, def) = load(&state, &ctx, &slug).await?;
    let f = edit::find(&def.fields, &name).ok_or(AppError::NotFound(ctx.lang))?;
    let mut inside = Vec::new();
    rows(&f.fields, 0, ctx.lang, &mut inside);
    render(
        ctx.lang,
        "staff/builder/delete.html",
        context! {
            app => app_view(&record, &def, ctx.lang),
            field => context! {
                name => &f.name,
                label => label_of(f, ctx.lang),
                kind => type_label(f.field_type, ctx.lang),
                page => f.field_type == FieldType::Group,
            },
            inside => ser(inside),
            ..ctx.page_context("apps")
        },
    )
}

pub async fn post_delete(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug, name)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let url = edit_url(&ctx, &slug, "deleted", "");
    change(
        &state,
        &ctx,
        &slug,
        &pairs,
        |def| edit::delete_field(def, &name),
        |()| url,
    )
    .await
}

/// The field form's values: from the definition, or as posted.
#[derive(Serialize, Default)]
struct FieldForm {
    label_ja: String,
    label_en: String,
    hint_ja: String,
    hint_en: String,
    required: &'static str,
    choices: String,
    constraint: String,
    constraint_message_ja: String,
    constraint_message_en: String,
    calculation: String,
}

fn ja(t: Option<&Text>) -> String {
    t.map(|t| t.ja.clone()).unwrap_or_default()
}

fn en(t: Option<&Text>) -> String {
    t.and_then(|t| t.en.clone()).unwrap_or_default()
}

impl FieldForm {
    fn of(def: &AppDefinition, f: &Field) -> Self {
        FieldForm {
            label_ja: ja(f.label.as_ref()),
            label_en: en(f.label.as_ref()),
            hint_ja: ja(f.hint.as_ref()),
            hint_en: en(f.hint.as_ref()),
            required: match &f.required {
                Some(Flag::Bool(true)) => "yes",
                Some(Flag::Expr(_)) => "keep",
                _ => "no",
            },
            choices: f
                .choices
                .as_ref()
                .and_then(|l| def.choices.get(l))
                .map(|c| choice_lines(c))
                .unwrap_or_default(),
            constraint: f.constraint.clone().unwrap_or_default(),
            constraint_message_ja: ja(f.constraint_message.as_ref()),
            constraint_message_en: en(f.constraint_message.as_ref()),
            calculation: f.calculation.clone().unwrap_or_default(),
        }
    }

    fn posted(pairs: &[(String, String)]) -> Self {
        let v = |k: &str| field(pairs, k).to_owned();
        FieldForm {
            label_ja: v("label_ja"),
            label_en: v("label_en"),
            hint_ja: v("hint_ja"),
            hint_en: v("hint_en"),
            required: match field(pairs, "required") {
                "yes" => "yes",
                "keep" => "keep",
                _ => "no",
            },
            choices: v("choices"),
            constraint: v("constraint"),
            constraint_message_ja: v("constraint_message_ja"),
            constraint_message_en: v("constraint_message_en"),
            calculation: v("calculation"),
        }
    }

    fn edit(&self, select: bool) -> FieldEdit {
        FieldEdit {
            label_ja: self.label_ja.clone(),
            label_en: self.label_en.clone(),
            hint_ja: self.hint_ja.clone(),
            hint_en: self.hint_en.clone(),
            required: Some(match self.required {
                "yes" => Required::Yes,
                "keep" => Required::Keep,
                _ => Required::No,
            }),
            choices: select.then(|| self.choices.clone()),
            constraint: self.constraint.clone(),
            constraint_message_ja: self.constraint_message_ja.clone(),
            constraint_message_en: self.constraint_message_en.clone(),
            calculation: self.calculation.clone(),
        }
    }
}

/// The input a definition error belongs to, from the part of its path after the field's.
fn input_of(field_path: &str, e: &DefinitionError) -> String {
    let rest = e.path.strip_prefix(field_path).unwrap_or(&e.path);
    let input = if e.path.starts_with("choices") || rest.starts_with(".choices") {
        "choices"
    } else if rest.starts_with(".constraint_message") {
        "constraint_message_ja"
    } else if rest.starts_with(".constraint") {
        "constraint"
    } else if rest.starts_with(".calculation") {
        "calculation"
    } else if rest.starts_with(".hint") {
        "hint_ja"
    } else if rest.starts_with(".required") {
        "required-no"
    } else {
        "label_ja"
    };
    input.to_owned()
}

async fn show_field(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    name: &str,
    posted: Option<FieldForm>,
    errors: &[(String, String)],
    notice: Option<&str>,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let (record, def) = load(state, ctx, slug).await?;
    let f = edit::find(&def.fields, name).ok_or(AppError::NotFound(lang))?;
    let values = posted.unwrap_or_else(|| FieldForm::of(&def, f));
    let t = f.field_type;
    render(
        lang,
        "staff/builder/field.html",
        context! {
            app => app_view(&record, &def, lang),
            field => context! {
                name => &f.name,
                label => label_of(f, lang),
                kind => type_label(t, lang),
                input => t.is_input(),
                select => t.is_select(),
                calculate => t == FieldType::Calculate,
                container => t.is_container(),
                required_expr => f.required.as_ref().and_then(Flag::expr),
                relevant => &f.relevant,
                shared => choice_list_sharers(&def, name),
            },
            values => ser(values),
            errors => ser(errors),
            notice => notice,
            ..ctx.page_context("apps")
        },
    )
}

pub async fn get_field(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug, name)): Path<(String, String, String)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let notice = notice(query.notice.as_deref(), NOTICES);
    show_field(&state, &ctx, &slug, &name, None, &[], notice).await
}

pub async fn post_field(
    State(state): State<AppState>,
    ctx: StaffContext,
    headers: HeaderMap,
    Path((_, slug, name)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let posted = FieldForm::posted(&pairs);
    let s = &ctx.session;
    let mut path = String::new();
    let result = state
        .yui
        .edit_app(&s.actor(), s.tenant.id, &slug, |def| {
            let f = edit::find(&def.fields, &name).ok_or(yui_core::CoreError::NotFound)?;
            let select = f.field_type.is_select();
            path = edit::field_path(&def.fields, &name).unwrap_or_default();
            edit::edit_field(def, &name, &posted.edit(select))
        })
        .await;
    match result {
        Ok(()) if is_autosave(&headers) => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(()) => Ok(Redirect::to(&format!(
            "/{}/staff/apps/{slug}/edit/fields/{name}?notice=saved",
            ctx.town()
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e, |d| input_of(&path, d))?;
            let page = show_field(&state, &ctx, &slug, &name, Some(posted), &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
