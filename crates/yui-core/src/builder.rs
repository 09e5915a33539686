//! The app builder's use cases: a new app from a shipped template or from blank, the YAML
//! view's save, field-editor changes to the draft, the guided condition editor, what publishing
//! would change, and duplicating an app. Every one requires [`Permission::BuildApps`].
//!
//! - [`edit`]: pure operations on a definition (edit, add, move, duplicate, delete fields);
//! - [`condition`]: rows of field / operator / value to and from an XLSForm expression.

pub mod condition;
pub mod edit;

#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use yui_domain::definition::{
    AppDefinition, Audience, DefinitionError, DefinitionErrors, Field, FieldType, Form, Text,
};
use yui_domain::diff::words::{ChangeNote, describe};

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::apps::PublishImpact;
use crate::error::CoreError;
use crate::model::TenantId;
use crate::records::{AppId, AppRecord};

/// The templates shipped in `templates/*.yaml` (file name and text), embedded at build time.
pub const APP_TEMPLATE_FILES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/app_templates.rs"));

/// A shipped template a builder can start from.
#[derive(Debug, Clone)]
pub struct AppTemplate {
    pub file: &'static str,
    pub source: &'static str,
    pub definition: AppDefinition,
}

static TEMPLATES: LazyLock<Vec<AppTemplate>> = LazyLock::new(|| {
    APP_TEMPLATE_FILES
        .iter()
        .filter_map(|(file, source)| {
            AppDefinition::from_yaml(source)
                .ok()
                .map(|definition| AppTemplate {
                    file,
                    source,
                    definition,
                })
        })
        .collect()
});

/// Every shipped template that reads, in file-name order.
pub fn app_templates() -> &'static [AppTemplate] {
    &TEMPLATES
}

/// A shipped template by its definition id.
pub fn app_template(id: &str) -> Option<&'static AppTemplate> {
    TEMPLATES.iter().find(|t| t.definition.id == id)
}

/// What the "new app" form posts.
#[derive(Debug, Clone, Default)]
pub struct NewAppInput {
    /// A template id, or empty for a blank app.
    pub template: String,
    pub slug: String,
    pub title: String,
}

/// What publishing the draft would change, for the publish page.
#[derive(Debug, Clone)]
pub struct PublishPreview {
    pub app: AppRecord,
    /// The changes against the version in force, in words (empty for a first version).
    pub changes: Vec<ChangeNote>,
    /// Changes that orphan stored answers, with how many submissions hold such answers.
    pub impacts: Vec<PublishImpact>,
    /// What must be corrected before the draft can be published.
    pub errors: DefinitionErrors,
}

/// The smallest definition that checks: one page with one question.
fn blank(slug: &str, title: &str) -> AppDefinition {
    let question =
        Field::new("q1", FieldType::Text).with_label(Text::new("新しい質問", "New question"));
    let mut page =
        Field::new("page1", FieldType::Group).with_label(Text::new("1ページ目", "Page 1"));
    page.fields.push(question);
    AppDefinition {
        yui: 1,
        id: slug.to_owned(),
        title: Text::from(title),
        description: None,
        audience: Audience::Public,
        category: None,
        keywords: Vec::new(),
        start: None,
        display: yui_domain::definition::Display::default(),
        fields: vec![page],
        choices: std::collections::BTreeMap::new(),
        workflow: None,
        notifications: None,
    }
}

fn check_slug(slug: &str) -> Result<(), CoreError> {
    let ok = (2..=63).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "slug",
            "builder.slug_invalid",
            "URL名は半角英小文字で始め、半角英小文字・数字・ハイフン（-）で2〜63文字にしてください（例：kosodate-shien）。".into(),
            "Start the URL name with a lowercase letter and use 2–63 lowercase letters, digits and hyphens (e.g. childcare-support).".into(),
        ))
    }
}

fn check_title(title: &str) -> Result<(), CoreError> {
    let n = title.trim().chars().count();
    if n == 0 {
        return Err(CoreError::invalid(
            "title",
            "builder.title_missing",
            "アプリの名前を入力してください。".into(),
            "Enter the app's name.".into(),
        ));
    }
    if n > 100 {
        return Err(CoreError::invalid(
            "title",
            "builder.title_too_long",
            "アプリの名前は100文字以内にしてください。".into(),
            "Keep the app's name to 100 characters.".into(),
        ));
    }
    Ok(())
}

fn slug_taken(e: CoreError) -> CoreError {
    match e {
        CoreError::Conflict { field: "slug" } => CoreError::invalid(
            "slug",
            "builder.slug_taken",
            "このURL名は既に使われています。別の名前にしてください。".into(),
            "This URL name is already used. Choose another.".into(),
        ),
        other => other,
    }
}

/// The errors of a definition, as text-free keys (code and path) for comparing two checks.
fn error_keys(errors: &[DefinitionError]) -> Vec<(&'static str, String, String)> {
    errors
        .iter()
        .map(|e| (e.code, e.path.clone(), e.message_en.clone()))
        .collect()
}

fn problems_of(def: &AppDefinition) -> Vec<DefinitionError> {
    match Form::from_definition(def.clone()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.0,
    }
}

impl Yui {
    /// An app and its draft definition, for the builder's pages.
    pub async fn builder_app(
        &self,
        actor: &Actor,
        tenant: TenantId,
        slug: &str,
    ) -> Result<(AppRecord, AppDefinition), CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app_by_slug(tenant, slug)
            .await?
            .ok_or(CoreError::NotFound)?;
        let def =
            AppDefinition::from_yaml(&record.draft_definition).map_err(CoreError::Definition)?;
        Ok((record, def))
    }

    /// Creates an app from a shipped template (or blank) under the slug and title chosen.
    pub async fn new_app(
        &self,
        actor: &Actor,
        tenant: TenantId,
        input: &NewAppInput,
    ) -> Result<AppRecord, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let slug = input.slug.trim();
        let title = input.title.trim();
        let mut problems = Vec::new();
        for check in [check_slug(slug), check_title(title)] {
            if let Err(CoreError::Invalid(p)) = check {
                problems.extend(p.problems);
            }
        }
        let def = if input.template.is_empty() {
            Some(blank(slug, title))
        } else {
            app_template(&input.template).map(|t| {
                let mut def = t.definition.clone();
                def.id = slug.to_owned();
                if def.title.ja != title {
                    def.title = Text::from(title);
                }
                def
            })
        };
        let Some(def) = def else {
            problems.push(crate::error::FieldProblem {
                field: "template".into(),
                code: "builder.template_unknown",
                message_ja: "そのテンプレートはありません。一覧から選んでください。".into(),
                message_en: "There is no such template. Choose one from the list.".into(),
            });
            return Err(CoreError::Invalid(crate::error::InvalidInput { problems }));
        };
        if !problems.is_empty() {
            return Err(CoreError::Invalid(crate::error::InvalidInput { problems }));
        }
        self.create_app(actor, tenant, &def.to_yaml())
            .await
            .map_err(slug_taken)
    }

    /// Saves the YAML view. Only a definition that reads and passes every check is saved, so
    /// nothing half-correct replaces the draft; otherwise every error comes back with its line.
    pub async fn save_app_yaml(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
        source: &str,
    ) -> Result<(), CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        Form::from_yaml(source).map_err(CoreError::Definition)?;
        let left = self.save_app_draft(actor, tenant, app, source).await?;
        if left.0.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Internal("a checked draft has errors".into()))
        }
    }

    /// Changes the draft with `change` and saves it. A change that adds problems the draft did
    /// not have (a deleted question still used in a condition, an empty label…) is refused with
    /// those problems and nothing is saved.
    pub async fn edit_app<T>(
        &self,
        actor: &Actor,
        tenant: TenantId,
        slug: &str,
        change: impl FnOnce(&mut AppDefinition) -> Result<T, CoreError>,
    ) -> Result<T, CoreError> {
        let (record, mut def) = self.builder_app(actor, tenant, slug).await?;
        let before = error_keys(&problems_of(&def));
        let out = change(&mut def)?;
        let added: Vec<DefinitionError> = problems_of(&def)
            .into_iter()
            .filter(|e| !before.contains(&(e.code, e.path.clone(), e.message_en.clone())))
            .collect();
        if !added.is_empty() {
            return Err(CoreError::Definition(DefinitionErrors(added)));
        }
        self.save_app_draft(actor, tenant, record.id, &def.to_yaml())
            .await?;
        Ok(out)
    }

    /// Sets the condition under which a field is shown. The expression is checked by the
    /// engine first; its errors come back as they are, and nothing is saved.
    pub async fn set_field_condition(
        &self,
        actor: &Actor,
        tenant: TenantId,
        slug: &str,
        field: &str,
        expression: Option<String>,
    ) -> Result<(), CoreError> {
        self.edit_app(actor, tenant, slug, |def| {
            let path = edit::field_path(&def.fields, field).ok_or(CoreError::NotFound)?;
            edit::set_relevant(def, field, expression)?;
            let own = format!("{path}.relevant");
            let errors: Vec<DefinitionError> = problems_of(def)
                .into_iter()
                .filter(|e| e.path == own)
                .collect();
            if errors.is_empty() {
                Ok(())
            } else {
                Err(CoreError::Definition(DefinitionErrors(errors)))
            }
        })
        .await
    }

    /// What publishing the draft would change, for the publish page.
    pub async fn publish_preview(
        &self,
        actor: &Actor,
        tenant: TenantId,
        slug: &str,
    ) -> Result<PublishPreview, CoreError> {
        let (app, draft) = self.builder_app(actor, tenant, slug).await?;
        let errors = match Form::from_yaml(&app.draft_definition) {
            Ok(_) => DefinitionErrors(Vec::new()),
            Err(e) => e,
        };
        let mut changes = Vec::new();
        if let Some(number) = app.published_version {
            let live = self
                .store()
                .app_version_number(tenant, app.id, number)
                .await?
                .ok_or(CoreError::NotFound)?;
            let live = AppDefinition::from_yaml(&live.definition).map_err(CoreError::Definition)?;
            changes = describe(&yui_domain::diff::diff(&live, &draft), &live, &draft);
        }
        let impacts = if errors.0.is_empty() {
            self.publish_impact(actor, tenant, app.id).await?
        } else {
            Vec::new()
        };
        Ok(PublishPreview {
            app,
            changes,
            impacts,
            errors,
        })
    }

    /// Copies an app's draft as a new app under another slug and title (never published).
    pub async fn duplicate_app(
        &self,
        actor: &Actor,
        tenant: TenantId,
        slug: &str,
        new_slug: &str,
        new_title: &str,
    ) -> Result<AppRecord, CoreError> {
        let (_, mut def) = self.builder_app(actor, tenant, slug).await?;
        let (new_slug, new_title) = (new_slug.trim(), new_title.trim());
        let mut problems = Vec::new();
        for check in [check_slug(new_slug), check_title(new_title)] {
            if let Err(CoreError::Invalid(p)) = check {
                problems.extend(p.problems);
            }
        }
        if !problems.is_empty() {
            return Err(CoreError::Invalid(crate::error::InvalidInput { problems }));
        }
        def.id = new_slug.to_owned();
        if def.title.ja != new_title {
            def.title = Text::from(new_title);
        }
        self.create_app(actor, tenant, &def.to_yaml())
            .await
            .map_err(slug_taken)
    }
}
