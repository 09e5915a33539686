//! What this instance offers other towns: apps marked as shared, the signed catalog feed, the
//! package file of each published version, and adoption reports received from installers.

use serde::Serialize;
use time::macros::offset;
use yui_domain::japan::LgCode;

use super::{
    ADOPTION_FORMAT, AdoptionReport, CATALOG_FORMAT, CatalogDocument, CatalogEntry,
    NewSharedPackage, SharedPackage, parse_licence, rfc3339,
};
use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::error::CoreError;
use crate::model::{Tenant, TenantId, UserId};
use crate::packages::{Author, ChangelogEntry, PackageManifest, fingerprint, verify_document};
use crate::records::{AppId, AppRecord, AppVersionRecord};

/// An app's sharing as its builder sees it.
#[derive(Debug, Clone, Serialize)]
pub struct SharingStatus {
    pub app: AppRecord,
    pub shared: Option<SharedPackage>,
    /// `<town code>/<app id>`.
    pub package_id: String,
    pub adoptions: u64,
    /// This instance's catalog feed.
    pub catalog_url: String,
    /// The package file of the published version (when shared and published).
    pub download_url: Option<String>,
    /// The versions, newest first, as the changelog shows them.
    pub changelog: Vec<ChangelogEntry>,
}

/// The changelog of an app's versions up to `upto`, oldest first; `note` replaces the last
/// entry's summary.
pub(crate) fn changelog(
    versions: &[AppVersionRecord],
    upto: u32,
    note: Option<&str>,
) -> Vec<ChangelogEntry> {
    let mut entries: Vec<ChangelogEntry> = versions
        .iter()
        .filter(|v| v.version <= upto)
        .map(|v| ChangelogEntry {
            version: v.version,
            date: v.published_at.to_offset(offset!(+9)).date().to_string(),
            summary: v.change_summary.clone(),
        })
        .collect();
    entries.sort_by_key(|e| e.version);
    if let (Some(note), Some(last)) = (
        note.map(str::trim).filter(|n| !n.is_empty()),
        entries.last_mut(),
    ) {
        note.clone_into(&mut last.summary);
    }
    entries
}

/// The manifest of version `version` of an app.
pub(crate) fn manifest(
    tenant: &Tenant,
    app: &AppRecord,
    versions: &[AppVersionRecord],
    version: u32,
    licence: &str,
    note: Option<&str>,
    catalog: Option<String>,
) -> Result<PackageManifest, CoreError> {
    let record = versions
        .iter()
        .find(|v| v.version == version)
        .ok_or(CoreError::NotFound)?;
    let definition: serde_json::Value = serde_json::from_str(&record.definition)
        .map_err(|e| CoreError::Internal(format!("stored version does not parse: {e}")))?;
    let title = definition
        .get("title")
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    Ok(PackageManifest {
        id: package_id(tenant, &app.slug),
        version,
        title,
        author: Author {
            town: tenant.name.as_str().to_owned(),
            code: tenant.code.to_string(),
            catalog,
        },
        licence: licence.to_owned(),
        changelog: changelog(versions, version, note),
        published_at: rfc3339(record.published_at),
        definition,
    })
}

pub(crate) fn package_id(tenant: &Tenant, slug: &str) -> String {
    format!("{}/{slug}", tenant.code)
}

impl Yui {
    /// This instance's catalog feed URL.
    pub fn catalog_url(&self) -> String {
        format!(
            "{}/catalog.json",
            self.settings().public_url.trim_end_matches('/')
        )
    }

    fn package_file_url(&self, package_id: &str, version: u32) -> String {
        format!(
            "{}/catalog/packages/{package_id}/{version}.yuipkg",
            self.settings().public_url.trim_end_matches('/')
        )
    }

    pub(crate) async fn tenant_record(&self, tenant: TenantId) -> Result<Tenant, CoreError> {
        self.store()
            .tenant(tenant)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// Offers a published app in this instance's catalog under a licence (or changes the
    /// licence). Each version published from now on is a new package version there.
    pub async fn share_app(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
        licence: &str,
    ) -> Result<SharedPackage, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let licence = parse_licence(licence)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        if record.published_version.is_none() {
            return Err(not_published());
        }
        let town = self.tenant_record(tenant).await?;
        let (_, by, _) = actor.audit_identity();
        let new = NewSharedPackage {
            tenant_id: tenant,
            app_id: app,
            package_id: package_id(&town, &record.slug),
            licence: licence.clone(),
            shared_by: by.map(UserId),
        };
        let audit = actor
            .audit(Some(tenant), "package.share")
            .subject("app", &record.slug)
            .detail(&serde_json::json!({ "licence": licence }));
        Ok(self
            .store()
            .share_app(&new, self.clock().now(), &audit)
            .await?)
    }

    /// Takes an app out of the catalog. Towns that installed it keep their copy.
    pub async fn unshare_app(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
    ) -> Result<(), CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        let audit = actor
            .audit(Some(tenant), "package.unshare")
            .subject("app", &record.slug);
        Ok(self
            .store()
            .unshare_app(tenant, app, self.clock().now(), &audit)
            .await?)
    }

    /// Whether and how an app is shared.
    pub async fn sharing_status(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
    ) -> Result<SharingStatus, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        let town = self.tenant_record(tenant).await?;
        let shared = self.store().shared_package(tenant, app).await?;
        let id = package_id(&town, &record.slug);
        let adoptions = self
            .store()
            .catalog_rows()
            .await?
            .into_iter()
            .find(|r| r.shared.package_id == id)
            .map_or(0, |r| r.adoptions);
        let versions = self.store().app_versions(tenant, app).await?;
        let mut log = changelog(&versions, u32::MAX, None);
        log.reverse();
        let download_url = match (&shared, record.published_version) {
            (Some(_), Some(v)) => Some(self.package_file_url(&id, v)),
            _ => None,
        };
        Ok(SharingStatus {
            app: record,
            shared,
            package_id: id,
            adoptions,
            catalog_url: self.catalog_url(),
            download_url,
            changelog: log,
        })
    }

    /// The signed catalog feed: every shared, published app of every town on this instance.
    /// Public: it holds definitions and provenance, never personal data.
    pub async fn catalog_document(&self) -> Result<String, CoreError> {
        let key = self.instance_key().await?;
        let mut packages = Vec::new();
        for row in self.store().catalog_rows().await? {
            let Some(version) = row.published_version else {
                continue;
            };
            let versions = self
                .store()
                .app_versions(row.shared.tenant_id, row.shared.app_id)
                .await?;
            let Some(latest) = versions.iter().find(|v| v.version == version) else {
                continue;
            };
            let definition: serde_json::Value =
                serde_json::from_str(&latest.definition).unwrap_or_default();
            packages.push(CatalogEntry {
                id: row.shared.package_id.clone(),
                version,
                title: definition
                    .get("title")
                    .cloned()
                    .unwrap_or(serde_json::Value::Null),
                description: definition.get("description").cloned(),
                town: row.town_name.clone(),
                town_code: row.town_code.clone(),
                licence: row.shared.licence.clone(),
                changelog: changelog(&versions, version, None),
                adoptions: row.adoptions,
                download: self.package_file_url(&row.shared.package_id, version),
                published_at: rfc3339(latest.published_at),
            });
        }
        let document = CatalogDocument {
            url: self.catalog_url(),
            adoptions: super::adoptions_url_for(&self.catalog_url()),
            public_key: key.public_key_base64(),
            generated_at: rfc3339(self.clock().now()),
            packages,
        };
        let body =
            serde_json::to_value(&document).map_err(|e| CoreError::Internal(e.to_string()))?;
        key.sign_document(CATALOG_FORMAT, "catalog", body)
    }

    /// The signed package file of one published version of a shared app, by the town's code,
    /// the app's id and the version. Unknown, unshared or unpublished: not found.
    pub async fn catalog_package_file(
        &self,
        town_code: &str,
        slug: &str,
        version: u32,
    ) -> Result<String, CoreError> {
        let code = LgCode::parse(town_code).map_err(|_| CoreError::NotFound)?;
        let town = self
            .store()
            .tenants()
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .ok_or(CoreError::NotFound)?;
        let app = self
            .store()
            .app_by_slug(town.id, slug)
            .await?
            .ok_or(CoreError::NotFound)?;
        let shared = self
            .store()
            .shared_package(town.id, app.id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if app.published_version.is_none_or(|p| version > p) || version == 0 {
            return Err(CoreError::NotFound);
        }
        let versions = self.store().app_versions(town.id, app.id).await?;
        let manifest = manifest(
            &town,
            &app,
            &versions,
            version,
            &shared.licence,
            None,
            Some(self.catalog_url()),
        )?;
        self.instance_key().await?.sign(&manifest)
    }

    /// Records an adoption notice sent by another instance after installing one of this
    /// instance's packages. The notice is signed by its sender; each town counts once.
    pub async fn receive_adoption(&self, body: &str) -> Result<(), CoreError> {
        let (notice, key) = verify_document(body, ADOPTION_FORMAT, "notice")
            .map_err(|e| super::package_error(&e))?;
        let field = |name: &str| notice.get(name).and_then(serde_json::Value::as_str);
        let package = field("package").unwrap_or_default().to_owned();
        let code = LgCode::parse(field("town_code").unwrap_or_default()).map_err(|_| {
            CoreError::invalid(
                "town_code",
                "adoption.bad_town_code",
                "団体コードが正しくありません。".into(),
                "The municipality code is not valid.".into(),
            )
        })?;
        let version = notice
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0)
            .ok_or_else(|| {
                CoreError::invalid(
                    "version",
                    "adoption.bad_version",
                    "版の番号が正しくありません。".into(),
                    "The version number is not valid.".into(),
                )
            })?;
        let known = self
            .store()
            .catalog_rows()
            .await?
            .into_iter()
            .any(|r| r.shared.package_id == package && r.published_version.is_some());
        if !known {
            return Err(CoreError::NotFound);
        }
        let report = AdoptionReport {
            package_id: package,
            town_code: code.to_string(),
            key_fingerprint: fingerprint(&key),
            version,
        };
        self.store()
            .record_adoption(&report, self.clock().now())
            .await?;
        tracing::info!(package.id = %report.package_id, town.code = %report.town_code, "adoption reported");
        Ok(())
    }
}

pub(crate) fn not_published() -> CoreError {
    CoreError::invalid(
        "app",
        "package.not_published",
        "まだ公開していないアプリは共有・書き出しできません。先に公開してください。".into(),
        "An app that was never published cannot be shared or exported. Publish it first.".into(),
    )
}
