//! Rendering a form page (a draft's page, or the one-shot form) from the answers so far: the
//! question views, the error summary, and the logic bundle the page script previews with.

use axum::response::Html;
use minijinja::context;
use serde::Serialize;
use serde_json::{Map, Value};
use yui_core::error::FieldProblem;
use yui_core::model::Tenant;
use yui_domain::definition::{FieldType, Form};
use yui_domain::validate::{EvalContext, Evaluation};

use super::view::{ErrorLink, ErrorMode, FieldView, Localised, Renderer};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::templates::{render, ser};

/// A group of questions under an optional heading (the one-shot form has one per page).
pub struct SectionSpec {
    pub title: Option<Localised>,
    pub fields: Vec<String>,
}

#[derive(Serialize)]
struct SectionView {
    title: Option<Localised>,
    fields: Vec<FieldView>,
}

/// Everything a form page shows.
pub struct FormPage<'a> {
    pub tenant: &'a Tenant,
    pub form: &'a Form,
    /// The answers as typed, with the rows repeats show.
    pub raw: &'a Map<String, Value>,
    pub evaluation: &'a Evaluation,
    pub ctx: &'a EvalContext,
    pub lang: Lang,
    pub sections: Vec<SectionSpec>,
    pub errors: ErrorMode<'a>,
    pub upload_errors: &'a [FieldProblem],
    /// Problems that belong to no question (listed after the questions' own).
    pub notices: &'a [ErrorLink],
    pub counter: bool,
    /// One question per page: its label is the heading.
    pub heading: bool,
    /// The page heading when no question is (group title or app title).
    pub title: Localised,
    pub action: String,
    pub back: Option<String>,
    pub progress: Option<(usize, usize)>,
    pub submit_label: String,
    pub save: bool,
    pub key: Option<String>,
}

/// The rendered page and its errors (empty when the page shows none).
pub struct RenderedPage {
    pub html: Html<String>,
    pub errors: Vec<ErrorLink>,
}

impl FormPage<'_> {
    pub fn render(&self) -> Result<RenderedPage, AppError> {
        let renderer = Renderer {
            form: self.form,
            evaluation: self.evaluation,
            raw: self.raw,
            ctx: self.ctx,
            lang: self.lang,
            errors: self.errors,
            upload_errors: self.upload_errors,
            counter: self.counter,
            heading: self.heading,
        };
        let mut errors = Vec::new();
        let mut shown = Vec::new();
        let mut sections = Vec::new();
        for spec in &self.sections {
            let rendered = renderer.render(&spec.fields);
            errors.extend(rendered.errors);
            shown.extend(rendered.shown);
            sections.push(SectionView {
                title: spec.title.clone(),
                fields: rendered.fields,
            });
        }
        errors.extend(self.notices.iter().cloned());
        let heading_field = self.heading
            && sections
                .first()
                .and_then(|s| s.fields.first())
                .is_some_and(|f| f.heading);
        let title = if heading_field {
            sections
                .first()
                .and_then(|s| s.fields.first())
                .map_or_else(|| self.title.text.clone(), |f| f.label.text.clone())
        } else {
            self.title.text.clone()
        };
        // A repeat that is the whole page or section (利用するお子さん under the heading
        // 利用するお子さん) is not given the same heading twice.
        for section in &mut sections {
            let over = section.title.as_ref().map_or(&title, |t| &t.text);
            for field in &mut section.fields {
                if field.kind == "repeat" && field.label.text == *over {
                    field.heading = true;
                }
            }
        }
        let names: Vec<&String> = self.sections.iter().flat_map(|s| &s.fields).collect();
        let html = render(
            self.lang,
            "resident/page.html",
            context! {
                town => ser(self.tenant),
                app_title => ser(Localised::of(&self.form.definition().title, self.lang)),
                title => title,
                heading => heading_field,
                sections => ser(&sections),
                errors => ser(&errors),
                action => &self.action,
                multipart => takes_files(self.form, &names),
                shown => shown.join(" "),
                back => &self.back,
                progress => self.progress.map(|(a, b)| vec![a, b]),
                submit_label => &self.submit_label,
                save => self.save,
                key => &self.key,
                logic => minijinja::Value::from_safe_string(logic_json(
                    self.form,
                    self.evaluation,
                    self.ctx,
                )),
            },
        )?;
        Ok(RenderedPage { html, errors })
    }
}

/// Whether any of the named questions (or a question inside them) takes a file.
pub fn takes_files(form: &Form, names: &[&String]) -> bool {
    form.fields().iter().any(|f| {
        f.field_type.is_upload()
            && names.iter().any(|n| {
                f.name == **n
                    || form
                        .repeat_chain(f.id)
                        .first()
                        .is_some_and(|outer| outer == n)
            })
    })
}

/// The most bytes a page with these questions may post: the upload limits of its file
/// questions plus 1 MB for everything else, at most the overall cap.
pub fn body_limit(form: &Form, names: &[&String]) -> usize {
    const MB: usize = 1024 * 1024;
    let files: usize = form
        .fields()
        .iter()
        .filter(|f| f.field_type.is_upload() && names.iter().any(|n| f.name == **n))
        .map(|f| {
            f.definition
                .max_size_mb
                .unwrap_or(yui_domain::validate::DEFAULT_MAX_SIZE_MB) as usize
                * MB
        })
        .sum();
    (files + MB).min(super::body::MAX_UPLOAD_BODY)
}

/// Gives every repeat among `names` the rows it shows: what was typed, and at least
/// `min_count` (one for a repeat never answered).
pub fn ensure_rows(form: &Form, raw: &mut Map<String, Value>, names: &[String]) {
    for name in names {
        let Some(field) = form.field(name) else {
            continue;
        };
        if field.field_type != FieldType::Repeat {
            continue;
        }
        let min = field.definition.min_count.unwrap_or(0) as usize;
        let entry = raw
            .entry(name.clone())
            .or_insert_with(|| Value::Array(vec![Value::Object(Map::new()); min.max(1)]));
        if let Value::Array(rows) = entry {
            while rows.len() < min {
                rows.push(Value::Object(Map::new()));
            }
        } else {
            *entry = Value::Array(vec![Value::Object(Map::new()); min.max(1)]);
        }
    }
}

/// The logic bundle for the page script: the form's expression trees, the answers so far
/// (normalised, as the trees read them), today's date and where the evaluator is. Escaped so
/// that it can sit inside a `<script type="application/json">` element.
fn logic_json(form: &Form, evaluation: &Evaluation, ctx: &EvalContext) -> String {
    let mut bundle = form.client_logic();
    if let Value::Object(map) = &mut bundle {
        map.insert(
            "answers".into(),
            Value::Object(evaluation.answers().clone()),
        );
        map.insert(
            "today".into(),
            Value::String(yui_domain::expr::format_iso_date(ctx.today)),
        );
        map.insert(
            "now".into(),
            Value::String(
                ctx.now
                    .to_offset(yui_domain::expr::JST)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            ),
        );
        map.insert(
            "expr".into(),
            Value::String(crate::assets::url("yui-expr.js")),
        );
    }
    let text = serde_json::to_string(&bundle).unwrap_or_else(|_| "{}".into());
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAY_ROOM: &str = include_str!("../../../../../templates/play-room-booking.yaml");

    #[test]
    fn repeats_start_with_their_minimum_rows_and_keep_what_was_typed() {
        let form = Form::from_yaml(PLAY_ROOM).unwrap();
        let mut raw = Map::new();
        ensure_rows(&form, &mut raw, &["children".to_owned()]);
        assert_eq!(raw["children"].as_array().unwrap().len(), 1);
        let mut typed = serde_json::json!({ "children": [{ "child_name": "a" }, {}] })
            .as_object()
            .unwrap()
            .clone();
        ensure_rows(&form, &mut typed, &["children".to_owned()]);
        assert_eq!(typed["children"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn the_logic_bundle_cannot_close_its_script_element() {
        let form = Form::from_yaml(PLAY_ROOM).unwrap();
        let ctx = yui_domain::validate::EvalContext::at(time::OffsetDateTime::UNIX_EPOCH);
        let raw = serde_json::json!({ "children": [{ "child_name": "</script><b>&" }] });
        let evaluation = form.evaluate(&raw, &ctx);
        let json = logic_json(&form, &evaluation, &ctx);
        assert!(!json.contains("</script>") && !json.contains('<') && !json.contains('&'));
        let back: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back["answers"]["children"][0]["child_name"],
            "</script><b>&"
        );
        assert_eq!(back["today"], "1970-01-01");
    }

    #[test]
    fn pages_with_file_questions_may_post_their_files() {
        let form = Form::from_yaml(
            "yui: 1\nid: report\ntitle: t\naudience: public\nfields:\n  - { name: a, type: text, label: a }\n  - { name: p, type: image, label: p, max_size_mb: 5 }\n",
        )
        .unwrap();
        let a = "a".to_owned();
        let p = "p".to_owned();
        assert!(!takes_files(&form, &[&a]));
        assert!(takes_files(&form, &[&a, &p]));
        assert_eq!(body_limit(&form, &[&a]), 1024 * 1024);
        assert_eq!(body_limit(&form, &[&p]), 6 * 1024 * 1024);
    }
}
