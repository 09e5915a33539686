//! Taking an upstream update of an installed app: what changed upstream (in words), the
//! three-way merge with the town's own draft, and saving the merged draft with the
//! builder's decisions. Publishing stays the normal step afterwards.

use sha2::{Digest, Sha256};
use yui_domain::definition::AppDefinition;
use yui_domain::diff::diff;
use yui_domain::diff::words::{ChangeNote, describe};
use yui_domain::merge::{MergeResult, Side, merge_with};

use super::{InstalledPackage, TakenUpdate, inspect_package};
use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::apps::summarise;
use crate::error::CoreError;
use crate::model::{TenantId, UserId};
use crate::packages::PackageManifest;
use crate::records::{AppId, AppRecord};

/// An installed app and its upstream: local changes, and a waiting update if any.
#[derive(Debug, Clone)]
pub struct UpdateView {
    pub app: AppRecord,
    pub installed: InstalledPackage,
    /// The town's changes to the upstream version it has (base → draft).
    pub local_changes: Vec<ChangeNote>,
    pub pending: Option<PendingUpdate>,
    /// Identifies the draft the view was made from; taking the update checks it.
    pub draft_hash: String,
}

/// A newer upstream version waiting for the builder.
#[derive(Debug, Clone)]
pub struct PendingUpdate {
    pub manifest: PackageManifest,
    /// What changed upstream (base → new version).
    pub upstream_changes: Vec<ChangeNote>,
    /// The merge with the town's draft; conflicts keep the town's version until decided.
    pub merge: MergeResult,
}

/// A short hash of a draft, to notice that it changed between viewing and taking.
pub fn draft_hash(draft: &str) -> String {
    crate::token::hex(&Sha256::digest(draft.as_bytes())[..12])
}

fn definition(text: &str) -> Result<AppDefinition, CoreError> {
    AppDefinition::from_yaml(text).map_err(CoreError::Definition)
}

impl Yui {
    /// The update view of an installed app.
    pub async fn update_view(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
    ) -> Result<UpdateView, CoreError> {
        self.update_view_with(actor, tenant, app, &[]).await
    }

    async fn update_view_with(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
        choices: &[(String, Side)],
    ) -> Result<UpdateView, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        let installed = self
            .store()
            .installed_package(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        let base = definition(&installed.base_definition)?;
        let ours = definition(&record.draft_definition)?;
        let local_changes = describe(&diff(&base, &ours), &base, &ours);
        let pending = match &installed.pending_package {
            Some(text) => {
                let info = inspect_package(text)?;
                let theirs = info.definition;
                Some(PendingUpdate {
                    upstream_changes: describe(&diff(&base, &theirs), &base, &theirs),
                    merge: merge_with(&base, &ours, &theirs, choices),
                    manifest: info.manifest,
                })
            }
            None => None,
        };
        Ok(UpdateView {
            draft_hash: draft_hash(&record.draft_definition),
            app: record,
            installed,
            local_changes,
            pending,
        })
    }

    /// Takes the waiting upstream `version` into the app's draft: the three-way merge with
    /// the builder's `choices` (conflicts not named keep the town's version). The upstream
    /// version becomes the base of the next merge. Fails with a conflict when the waiting
    /// version or the draft changed since the builder looked (`draft_hash`).
    pub async fn take_update(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
        version: u32,
        draft_hash: &str,
        choices: &[(String, Side)],
    ) -> Result<UpdateView, CoreError> {
        let view = self.update_view_with(actor, tenant, app, choices).await?;
        let Some(pending) = &view.pending else {
            return Err(CoreError::Conflict { field: "version" });
        };
        if pending.manifest.version != version {
            return Err(CoreError::Conflict { field: "version" });
        }
        if view.draft_hash != draft_hash {
            return Err(CoreError::Conflict { field: "draft" });
        }
        let merged = &pending.merge.merged;
        let (_, by, _) = actor.audit_identity();
        let update = TakenUpdate {
            tenant_id: tenant,
            app_id: app,
            version,
            base_definition: pending.merge.theirs().to_json(),
            draft_definition: merged.to_yaml(),
            summary: summarise(merged),
            by: by.map(UserId),
        };
        let decisions: Vec<serde_json::Value> = pending
            .merge
            .decisions()
            .map(|c| {
                let side = choices
                    .iter()
                    .find(|(id, _)| *id == c.id)
                    .map_or(Side::Ours, |(_, s)| *s);
                serde_json::json!({ "conflict": c.id, "side": side.as_str() })
            })
            .collect();
        let audit = actor
            .audit(Some(tenant), "package.update")
            .subject("app", &view.app.slug)
            .detail(&serde_json::json!({
                "package": view.installed.package_id,
                "from": view.installed.installed_version,
                "to": version,
                "decisions": decisions,
            }));
        self.store()
            .take_update(&update, self.clock().now(), &audit)
            .await?;
        self.update_view(actor, tenant, app).await
    }
}
