//! Apps as builders make them and residents see them: creating an app from a definition,
//! saving the builder's draft, publishing immutable versions, opening and closing, and
//! loading the compiled [`Form`] of a published version (cached: versions never change).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;
use yui_domain::definition::{AppDefinition, Audience, DefinitionErrors, Form, Text};
use yui_domain::diff::BreakingChange;
use yui_domain::japan::text::search_key;

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::error::CoreError;
use crate::model::TenantId;
use crate::records::{
    AppId, AppRecord, AppState, AppSummary, AppVersionId, AppVersionRecord, NewApp, NewVersion,
};

/// Compiled forms by version. Versions are immutable, so entries never go stale; the cache
/// only bounds how many are kept.
#[derive(Default)]
pub struct FormCache {
    forms: Mutex<HashMap<AppVersionId, Arc<Form>>>,
}

const FORM_CACHE_SIZE: usize = 512;

impl FormCache {
    fn get(&self, id: AppVersionId) -> Option<Arc<Form>> {
        self.forms
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned()
    }

    fn put(&self, id: AppVersionId, form: Arc<Form>) {
        let mut forms = self.forms.lock().unwrap_or_else(PoisonError::into_inner);
        if forms.len() >= FORM_CACHE_SIZE {
            forms.clear();
        }
        forms.insert(id, form);
    }
}

impl std::fmt::Debug for FormCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormCache")
    }
}

/// A published app as residents reach it: its record, the version in force and its form.
#[derive(Debug, Clone)]
pub struct PublishedApp {
    pub app: AppRecord,
    pub version: AppVersionRecord,
    pub form: Arc<Form>,
}

/// The listing columns of a definition.
pub fn summarise(def: &AppDefinition) -> AppSummary {
    let title_ja = def.title.ja.clone();
    let title_en = def.title.en.clone();
    let mut words = vec![title_ja.clone()];
    words.extend(title_en.clone());
    words.extend(def.keywords.iter().cloned());
    if let Some(d) = &def.description {
        words.push(d.ja.clone());
    }
    AppSummary {
        title_ja,
        title_en,
        category: def.category.clone(),
        search_text: words
            .iter()
            .map(|w| search_key(w))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A definition's text as staff see it: `Text` in the chosen language.
pub fn text_in(text: &Text, english: bool) -> String {
    text.get(if english { "en" } else { "ja" }).to_owned()
}

/// A change of the draft that would orphan stored answers, with how many submissions hold
/// such answers.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishImpact {
    pub change: BreakingChange,
    pub affected: u64,
}

/// Whether a stored answer set holds data the change would orphan.
fn holds(answers: &Value, change: &BreakingChange) -> bool {
    let rows: Vec<&Value> = match &change.repeat {
        Some(repeat) => answers
            .get(repeat)
            .and_then(Value::as_array)
            .map(|r| r.iter().collect())
            .unwrap_or_default(),
        None => vec![answers],
    };
    rows.iter()
        .any(|row| match (row.get(&change.field), &change.choice) {
            (None | Some(Value::Null), _) => false,
            (Some(_), None) => true,
            (Some(Value::String(s)), Some(choice)) => s == choice,
            (Some(Value::Array(items)), Some(choice)) => {
                items.iter().any(|i| i.as_str() == Some(choice))
            }
            (Some(_), Some(_)) => false,
        })
}

impl Yui {
    /// What publishing the draft would orphan: each breaking change against the version in
    /// force (a removed field or choice, a changed type) with the number of stored
    /// submissions holding such answers. Builders see this before they publish.
    pub async fn publish_impact(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
    ) -> Result<Vec<PublishImpact>, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        let Some(number) = record.published_version else {
            return Ok(Vec::new());
        };
        let draft =
            AppDefinition::from_yaml(&record.draft_definition).map_err(CoreError::Definition)?;
        let live = self
            .store()
            .app_version_number(tenant, app, number)
            .await?
            .ok_or(CoreError::NotFound)?;
        let live = AppDefinition::from_yaml(&live.definition).map_err(CoreError::Definition)?;
        let changes = yui_domain::diff::diff(&live, &draft)
            .breaking_changes()
            .to_vec();
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let mut affected = vec![0u64; changes.len()];
        let mut after = None;
        loop {
            let page = self
                .store()
                .submission_answers(tenant, app, after, 1000)
                .await?;
            let Some((last, _)) = page.last() else { break };
            after = Some(*last);
            for (_, text) in &page {
                let Ok(answers) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                for (i, change) in changes.iter().enumerate() {
                    if holds(&answers, change) {
                        affected[i] += 1;
                    }
                }
            }
        }
        Ok(changes
            .into_iter()
            .zip(affected)
            .map(|(change, affected)| PublishImpact { change, affected })
            .collect())
    }

    /// Creates an app from a definition (YAML or JSON). The definition must read; it need not
    /// pass every check yet (the builder keeps working on it), but its id becomes the app's
    /// URL name.
    pub async fn create_app(
        &self,
        actor: &Actor,
        tenant: TenantId,
        source: &str,
    ) -> Result<AppRecord, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let def = AppDefinition::from_yaml(source).map_err(CoreError::Definition)?;
        let (kind, id, label) = actor.audit_identity();
        let new = NewApp {
            tenant_id: tenant,
            slug: def.id.clone(),
            department_id: None,
            draft_definition: source.to_owned(),
            summary: summarise(&def),
            created_by: id.map(crate::model::UserId),
        };
        let audit = crate::audit::AuditEntry::new(Some(tenant), kind, id, &label, "app.create")
            .subject("app", &def.id);
        Ok(self
            .store()
            .create_app(&new, self.clock().now(), &audit)
            .await?)
    }

    /// Saves the builder's working copy as written. Returns the problems it still has (an
    /// empty list means it could be published).
    pub async fn save_app_draft(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
        source: &str,
    ) -> Result<DefinitionErrors, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        let def = AppDefinition::from_yaml(source).map_err(CoreError::Definition)?;
        if def.id != record.slug {
            return Err(CoreError::invalid(
                "id",
                "app.id_changed",
                format!("アプリのID（{}）は変更できません。", record.slug),
                format!("The app's id ({}) cannot be changed.", record.slug),
            ));
        }
        let (_, by, _) = actor.audit_identity();
        self.store()
            .save_app_draft(
                tenant,
                app,
                source,
                &summarise(&def),
                by.map(crate::model::UserId),
                self.clock().now(),
            )
            .await?;
        Ok(match Form::from_yaml(source) {
            Ok(_) => DefinitionErrors(Vec::new()),
            Err(errors) => errors,
        })
    }

    /// Publishes the draft as the next immutable version. The draft must pass every check.
    pub async fn publish_app(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
        change_summary: &str,
    ) -> Result<AppVersionRecord, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        let form = Form::from_yaml(&record.draft_definition).map_err(CoreError::Definition)?;
        let summary = change_summary.trim();
        if summary.is_empty() && record.published_version.is_some() {
            return Err(CoreError::invalid(
                "change_summary",
                "app.change_summary_required",
                "何を変更したかを入力してください。".into(),
                "Describe what changed.".into(),
            ));
        }
        let def = form.definition();
        let (kind, by, label) = actor.audit_identity();
        let audit = crate::audit::AuditEntry::new(Some(tenant), kind, by, &label, "app.publish")
            .subject("app", &record.slug)
            .detail(&serde_json::json!({ "summary": summary }));
        let version = NewVersion {
            definition: def.to_json(),
            change_summary: if summary.is_empty() {
                "初版".to_owned()
            } else {
                summary.to_owned()
            },
            summary: summarise(def),
            published_by: by.map(crate::model::UserId),
        };
        let published = self
            .store()
            .publish_version(tenant, app, &version, self.clock().now(), &audit)
            .await?;
        self.forms().put(published.id, Arc::new(form));
        Ok(published)
    }

    /// Opens or closes a published app for submissions.
    pub async fn set_app_open(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
        open: bool,
    ) -> Result<(), CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        if record.published_version.is_none() {
            return Err(CoreError::invalid(
                "state",
                "app.not_published",
                "公開されていないアプリは受付を開始できません。".into(),
                "An app that was never published cannot be opened.".into(),
            ));
        }
        let state = if open {
            AppState::Open
        } else {
            AppState::Closed
        };
        let audit = actor
            .audit(Some(tenant), if open { "app.open" } else { "app.close" })
            .subject("app", &record.slug);
        Ok(self
            .store()
            .set_app_state(tenant, app, state, self.clock().now(), &audit)
            .await?)
    }

    /// Every app of a town, for staff.
    pub async fn staff_apps(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<AppRecord>, CoreError> {
        actor.require(Permission::UseConsole, tenant)?;
        Ok(self.store().apps(tenant).await?)
    }

    pub async fn staff_app(
        &self,
        actor: &Actor,
        tenant: TenantId,
        slug: &str,
    ) -> Result<AppRecord, CoreError> {
        actor.require(Permission::UseConsole, tenant)?;
        self.store()
            .app_by_slug(tenant, slug)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The apps residents can use now: open and public, newest version.
    pub async fn open_apps(&self, tenant: TenantId) -> Result<Vec<PublishedApp>, CoreError> {
        let mut out = Vec::new();
        for app in self.store().apps(tenant).await? {
            if app.state != AppState::Open {
                continue;
            }
            let published = self.latest_version(&app).await?;
            if published.form.definition().audience == Audience::Public {
                out.push(published);
            }
        }
        Ok(out)
    }

    /// An open, public app by its URL name, for residents.
    pub async fn resident_app(
        &self,
        tenant: TenantId,
        slug: &str,
    ) -> Result<PublishedApp, CoreError> {
        let app = self
            .store()
            .app_by_slug(tenant, slug)
            .await?
            .ok_or(CoreError::NotFound)?;
        if app.state == AppState::Draft {
            return Err(CoreError::NotFound);
        }
        let published = self.latest_version(&app).await?;
        if published.form.definition().audience != Audience::Public {
            return Err(CoreError::NotFound);
        }
        Ok(published)
    }

    async fn latest_version(&self, app: &AppRecord) -> Result<PublishedApp, CoreError> {
        let number = app.published_version.ok_or(CoreError::NotFound)?;
        let version = self
            .store()
            .app_version_number(app.tenant_id, app.id, number)
            .await?
            .ok_or(CoreError::NotFound)?;
        let form = self.form_of(&version)?;
        Ok(PublishedApp {
            app: app.clone(),
            version,
            form,
        })
    }

    /// The compiled form of a version (from the cache when possible).
    pub fn form_of(&self, version: &AppVersionRecord) -> Result<Arc<Form>, CoreError> {
        if let Some(form) = self.forms().get(version.id) {
            return Ok(form);
        }
        let form = Arc::new(Form::from_yaml(&version.definition).map_err(|e| {
            CoreError::Internal(format!(
                "published version {} no longer compiles: {e}",
                version.id
            ))
        })?);
        self.forms().put(version.id, form.clone());
        Ok(form)
    }

    /// The version a submission or draft was made against, with its form.
    pub async fn version_form(
        &self,
        tenant: TenantId,
        id: AppVersionId,
    ) -> Result<(AppVersionRecord, Arc<Form>), CoreError> {
        let version = self
            .store()
            .app_version(tenant, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let form = self.form_of(&version)?;
        Ok((version, form))
    }
}
