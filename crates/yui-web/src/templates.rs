//! Page templates (minijinja), compiled into the binary. Every template is HTML-escaped by
//! default and reaches translated text through `t(key)`, which uses the page's `lang`.

use std::sync::LazyLock;

use axum::response::Html;
use minijinja::value::{Kwargs, Serde};
use minijinja::{AutoEscape, Environment, State, Value, context};

use crate::error::AppError;
use crate::i18n::Lang;

macro_rules! embedded_templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),+]
    };
}

/// Every template, by name.
pub const TEMPLATES: &[(&str, &str)] = embedded_templates![
    "base.html",
    "error.html",
    "towns.html",
    "staff/login.html",
    "staff/layout.html",
    "staff/home.html",
    "staff/apps/index.html",
    "staff/apps/manual.html",
    "staff/export_problem.html",
    "staff/export_unencodable.html",
    "staff/inbox/index.html",
    "staff/inbox/bulk.html",
    "staff/submissions/answers.html",
    "staff/submissions/show.html",
    "staff/submissions/print.html",
    "staff/audit/events.html",
    "staff/audit/index.html",
    "staff/audit/person.html",
    "staff/sharing/macros.html",
    "staff/sharing/share.html",
    "staff/sharing/import.html",
    "staff/sharing/catalogs.html",
    "staff/sharing/catalog.html",
    "staff/sharing/update.html",
    "correct/form.html",
    "correct/done.html",
    "correct/gone.html",
    "macros.html",
    "resident/fields.html",
    "resident/page.html",
    "resident/answers.html",
    "resident/check.html",
    "resident/done.html",
    "resident/print.html",
    "resident/save.html",
    "resident/expired.html",
    "resident/closed.html",
    "resident/home.html",
    "resident/start.html",
    "resident/counter.html",
    "staff/builder/tabs.html",
    "staff/builder/new.html",
    "staff/builder/yaml.html",
    "staff/builder/edit.html",
    "staff/builder/field.html",
    "staff/builder/delete.html",
    "staff/builder/condition.html",
    "staff/builder/publish.html",
    "staff/builder/duplicate.html",
    "staff/builder/preview.html",
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(build_environment);

fn build_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "embedded template does not compile");
        }
    }
    env.add_function("t", translate);
    env.add_function("asset", |name: &str| crate::assets::url(name));
    env
}

fn page_lang(state: &State<'_, '_>) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

/// `t("key", name="value")` in templates.
fn translate(state: &State<'_, '_>, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let lang = page_lang(state);
    let mut args = Vec::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        let key: &'static str = match name {
            "name" => "name",
            "town" => "town",
            "role" => "role",
            "count" => "count",
            "minutes" => "minutes",
            "field" => "field",
            "number" => "number",
            "date" => "date",
            "app" => "app",
            "size" => "size",
            "from" => "from",
            "to" => "to",
            "status" => "status",
            "receipt" => "receipt",
            "revision" => "revision",
            "days" => "days",
            "page" => "page",
            "expr" => "expr",
            "version" => "version",
            _ => {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("unknown message argument {name:?}"),
                ));
            }
        };
        args.push((key, value.to_string()));
    }
    Ok(if args.is_empty() {
        lang.t(key)
    } else {
        lang.t_args(key, &args)
    })
}

/// Renders `name` with `ctx` plus the page language.
pub fn render(lang: Lang, name: &str, ctx: Value) -> Result<Html<String>, AppError> {
    let ctx = context! {
        lang => lang.code(),
        lang_switch_ja => crate::i18n::switch_query(Lang::Ja),
        lang_switch_en => crate::i18n::switch_query(Lang::En),
        ..ctx
    };
    ENV.get_template(name)
        .and_then(|t| t.render(ctx))
        .map(Html)
        .map_err(|e| AppError::internal(lang, format!("rendering {name}: {e:#}")))
}

/// Wraps any serialisable value for a template context.
pub fn ser<T: serde::Serialize>(value: T) -> Value {
    Value::from(Serde(value))
}

/// The page for an error; rendering it must not fail, so it falls back to plain text.
pub fn render_error_page(lang: Lang, kind: &str) -> Html<String> {
    render(
        lang,
        "error.html",
        context! { kind => kind, town => Value::UNDEFINED },
    )
    .unwrap_or_else(|_| Html(format!("<!doctype html><title>{kind}</title><p>{kind}</p>")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_template_compiles() {
        for (name, _) in TEMPLATES {
            assert!(ENV.get_template(name).is_ok(), "{name} does not compile");
        }
    }

    #[test]
    fn error_pages_render_in_both_languages() {
        for kind in [
            "not-found",
            "forbidden",
            "throttled",
            "unavailable",
            "internal",
            "cross-origin",
        ] {
            let ja = render_error_page(Lang::Ja, kind).0;
            let en = render_error_page(Lang::En, kind).0;
            assert!(ja.contains("lang=\"ja\""), "{kind}: {ja}");
            assert!(en.contains("lang=\"en\""), "{kind}");
            assert!(
                !ja.contains(&format!("error-{kind}-title")),
                "{kind}: untranslated"
            );
        }
    }
}
