//! Package files: exporting a published app, reading a file with its provenance, and
//! installing it into a town as a new app — or, when the town already has that package,
//! keeping the newer version waiting as an update.

use serde::Serialize;
use yui_domain::definition::{AppDefinition, Form};

use super::{
    ADOPTION_FORMAT, DEFAULT_LICENCE, InstalledPackage, KIND_ADOPTION, NewInstalledPackage,
    adoptions_url_for, package_error, parse_licence, publish, rfc3339, valid_slug,
};
use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::apps::summarise;
use crate::error::CoreError;
use crate::jobs::NewJob;
use crate::model::{TenantId, UserId};
use crate::packages::{PackageManifest, VerifiedPackage, verify};
use crate::records::{AppId, AppRecord, NewApp};

/// A verified package file and what it holds.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    pub manifest: PackageManifest,
    pub key_fingerprint: String,
    /// The signer's public key, base64.
    pub public_key: String,
    /// The app definition inside, checked to compile.
    pub definition: AppDefinition,
    /// The file as given.
    pub text: String,
}

/// Reads a package file: checks its signature and that the app inside passes every check.
pub fn inspect_package(text: &str) -> Result<PackageInfo, CoreError> {
    if text.len() > super::MAX_PACKAGE_BYTES {
        return Err(CoreError::invalid(
            "package",
            "package.too_large",
            "パッケージファイルが大きすぎます（1 MB まで）。".into(),
            "The package file is too large (at most 1 MB).".into(),
        ));
    }
    let verified: VerifiedPackage = verify(text).map_err(|e| package_error(&e))?;
    let definition: AppDefinition = serde_json::from_value(verified.manifest.definition.clone())
        .map_err(|e| invalid_definition(&e.to_string()))?;
    if let Err(errors) = Form::from_definition(definition.clone()) {
        let first = errors
            .0
            .first()
            .map(|e| e.message_en.clone())
            .unwrap_or_default();
        return Err(invalid_definition(&first));
    }
    let id_ok = verified
        .manifest
        .id
        .split_once('/')
        .is_some_and(|(code, slug)| code == verified.manifest.author.code && !slug.is_empty());
    if !id_ok || verified.manifest.version == 0 {
        return Err(package_error(&crate::packages::PackageError::Malformed(
            "id or version".into(),
        )));
    }
    Ok(PackageInfo {
        key_fingerprint: verified.key_fingerprint(),
        public_key: base64_key(&verified.public_key),
        manifest: verified.manifest,
        definition,
        text: text.to_owned(),
    })
}

fn base64_key(key: &[u8; 32]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(key)
}

fn invalid_definition(detail: &str) -> CoreError {
    CoreError::invalid(
        "package",
        "package.invalid_definition",
        format!("パッケージの中のアプリ定義に誤りがあります（{detail}）。"),
        format!("The app definition in the package has errors ({detail})."),
    )
}

/// What installing a file would do in a town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportAction {
    /// A new app.
    Install,
    /// The town has this package at an older version: the file becomes an update to review.
    Update { app: String, from: u32, to: u32 },
    /// The town has this version (or a newer one) already.
    UpToDate { app: String, installed: u32 },
}

/// A file's provenance and what installing it would do, shown before the builder confirms.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    pub info: PackageInfo,
    pub action: ImportAction,
    /// The app id in the package is used by another app of the town.
    pub slug_taken: bool,
    /// A free app id to offer instead.
    pub suggested_slug: String,
    /// A catalog the town follows whose pinned key signed this file.
    pub known_catalog: Option<String>,
}

/// Choices made when installing.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// The new app's id (default: the id in the package).
    pub slug: Option<String>,
    /// The catalog the file came from (default: the one the package names).
    pub catalog_url: Option<String>,
}

/// What installing did.
#[derive(Debug, Clone)]
pub enum InstallOutcome {
    /// A new app (a draft: the builder reviews and publishes it).
    Installed {
        app: AppRecord,
        installed: InstalledPackage,
    },
    /// The town already had the package: the newer version waits as an update of this app.
    UpdateOffered {
        app: AppRecord,
        installed: InstalledPackage,
        version: u32,
    },
}

impl InstallOutcome {
    pub fn app(&self) -> &AppRecord {
        match self {
            InstallOutcome::Installed { app, .. } | InstallOutcome::UpdateOffered { app, .. } => {
                app
            }
        }
    }
}

impl Yui {
    /// The signed package file of an app's published version: definition with workflow and
    /// notification texts, and metadata (town and code, version, changelog, licence). Never
    /// any submission.
    pub async fn export_package(
        &self,
        actor: &Actor,
        tenant: TenantId,
        app: AppId,
        licence: Option<&str>,
        changelog: Option<&str>,
    ) -> Result<String, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let record = self
            .store()
            .app(tenant, app)
            .await?
            .ok_or(CoreError::NotFound)?;
        let version = record
            .published_version
            .ok_or_else(publish::not_published)?;
        let shared = self.store().shared_package(tenant, app).await?;
        let licence = match (licence, &shared) {
            (Some(l), _) => parse_licence(l)?,
            (None, Some(s)) => s.licence.clone(),
            (None, None) => DEFAULT_LICENCE.to_owned(),
        };
        let town = self.tenant_record(tenant).await?;
        let versions = self.store().app_versions(tenant, app).await?;
        let catalog = shared.as_ref().map(|_| self.catalog_url());
        let manifest = publish::manifest(
            &town, &record, &versions, version, &licence, changelog, catalog,
        )?;
        let file = self.instance_key().await?.sign(&manifest)?;
        let audit = actor
            .audit(Some(tenant), "package.export")
            .subject("app", &record.slug)
            .detail(&serde_json::json!({ "version": version, "licence": licence }));
        self.store()
            .append_audit(&audit, self.clock().now())
            .await?;
        Ok(file)
    }

    /// Reads a file and says what installing it into the town would do.
    pub async fn preview_import(
        &self,
        actor: &Actor,
        tenant: TenantId,
        text: &str,
    ) -> Result<ImportPreview, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let info = inspect_package(text)?;
        let action = self.import_action(tenant, &info).await?;
        let slug = info.definition.id.clone();
        let slug_taken = self.store().app_by_slug(tenant, &slug).await?.is_some();
        let suggested_slug = self.free_slug(tenant, &slug).await?;
        let known_catalog = self
            .store()
            .followed_catalogs(tenant)
            .await?
            .into_iter()
            .find(|c| c.key_fingerprint == info.key_fingerprint)
            .map(|c| c.url);
        Ok(ImportPreview {
            info,
            action,
            slug_taken,
            suggested_slug,
            known_catalog,
        })
    }

    async fn import_action(
        &self,
        tenant: TenantId,
        info: &PackageInfo,
    ) -> Result<ImportAction, CoreError> {
        let Some(installed) = self
            .store()
            .installed_package_by_package(tenant, &info.manifest.id)
            .await?
        else {
            return Ok(ImportAction::Install);
        };
        let app = self
            .store()
            .app(tenant, installed.app_id)
            .await?
            .map(|a| a.slug)
            .unwrap_or_default();
        let newest = installed
            .installed_version
            .max(installed.pending_version.unwrap_or(0));
        Ok(if info.manifest.version > newest {
            ImportAction::Update {
                app,
                from: installed.installed_version,
                to: info.manifest.version,
            }
        } else {
            ImportAction::UpToDate {
                app,
                installed: newest,
            }
        })
    }

    /// `slug`, or `slug-2`, `slug-3`… whichever no app of the town uses.
    async fn free_slug(&self, tenant: TenantId, slug: &str) -> Result<String, CoreError> {
        if self.store().app_by_slug(tenant, slug).await?.is_none() {
            return Ok(slug.to_owned());
        }
        for n in 2..100 {
            let suffix = format!("-{n}");
            let stem: String = slug.chars().take(63 - suffix.len()).collect();
            let candidate = format!("{}{suffix}", stem.trim_end_matches('-'));
            if self
                .store()
                .app_by_slug(tenant, &candidate)
                .await?
                .is_none()
            {
                return Ok(candidate);
            }
        }
        Ok(format!("{slug}-copy"))
    }

    /// Installs a package file into the town as a new app (a draft), recording where it came
    /// from and the upstream definition for later merges, and reporting the adoption to the
    /// package's catalog in the background. If the town already has the package, a newer
    /// version is kept as an update to review instead.
    pub async fn install_package(
        &self,
        actor: &Actor,
        tenant: TenantId,
        text: &str,
        options: &InstallOptions,
    ) -> Result<InstallOutcome, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let info = inspect_package(text)?;
        if let Some(installed) = self
            .store()
            .installed_package_by_package(tenant, &info.manifest.id)
            .await?
        {
            return self.offer_update(tenant, installed, &info).await;
        }
        let slug = options
            .slug
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(&info.definition.id)
            .to_owned();
        if !valid_slug(&slug) {
            return Err(CoreError::invalid(
                "slug",
                "package.bad_slug",
                "アプリのIDは英小文字で始まり、英小文字・数字・ハイフンで 2〜63 文字にしてください。"
                    .into(),
                "An app id starts with a lowercase letter and has 2–63 lowercase letters, digits or hyphens."
                    .into(),
            ));
        }
        if self.store().app_by_slug(tenant, &slug).await?.is_some() {
            let free = self.free_slug(tenant, &slug).await?;
            return Err(slug_taken(&slug, &free));
        }
        let mut draft = info.definition.clone();
        draft.id.clone_from(&slug);
        let (_, by, _) = actor.audit_identity();
        let town = self.tenant_record(tenant).await?;
        let catalog_url = options
            .catalog_url
            .clone()
            .or_else(|| info.manifest.author.catalog.clone());
        let mut jobs = Vec::new();
        if let Some(url) = &catalog_url {
            jobs.push(
                self.adoption_job(tenant, &town, url, &info.manifest)
                    .await?,
            );
        }
        let new_app = NewApp {
            tenant_id: tenant,
            slug: slug.clone(),
            department_id: None,
            draft_definition: draft.to_yaml(),
            summary: summarise(&draft),
            created_by: by.map(UserId),
        };
        let installed = NewInstalledPackage {
            tenant_id: tenant,
            package_id: info.manifest.id.clone(),
            source_fingerprint: info.key_fingerprint.clone(),
            source_public_key: info.public_key.clone(),
            author_town: info.manifest.author.town.clone(),
            author_code: info.manifest.author.code.clone(),
            catalog_url,
            licence: info.manifest.licence.clone(),
            installed_version: info.manifest.version,
            base_definition: info.definition.to_json(),
        };
        let audit = actor
            .audit(Some(tenant), "package.install")
            .subject("app", &slug)
            .detail(&serde_json::json!({
                "package": info.manifest.id,
                "version": info.manifest.version,
                "key": info.key_fingerprint,
            }));
        let (app, installed) = self
            .store()
            .install_package(&new_app, &installed, &jobs, self.clock().now(), &audit)
            .await
            .map_err(|e| match e {
                crate::ports::StoreError::Conflict { field: "slug" } => slug_taken(&slug, &slug),
                other => other.into(),
            })?;
        Ok(InstallOutcome::Installed { app, installed })
    }

    /// Keeps a newer version of an installed package waiting as an update (it must be signed
    /// with the key the package was installed from).
    pub(crate) async fn offer_update(
        &self,
        tenant: TenantId,
        installed: InstalledPackage,
        info: &PackageInfo,
    ) -> Result<InstallOutcome, CoreError> {
        let app = self
            .store()
            .app(tenant, installed.app_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if info.key_fingerprint != installed.source_fingerprint {
            return Err(CoreError::invalid(
                "package",
                "package.key_changed",
                format!(
                    "このパッケージは、インストール元（{}）とは別の鍵で署名されています（インストール時: {}、このファイル: {}）。提供元に確認してください。",
                    installed.author_town, installed.source_fingerprint, info.key_fingerprint
                ),
                format!(
                    "This package is signed with another key than the one it was installed from ({}: {} then, {} now). Check with the publisher.",
                    installed.author_town, installed.source_fingerprint, info.key_fingerprint
                ),
            ));
        }
        let newest = installed
            .installed_version
            .max(installed.pending_version.unwrap_or(0));
        if info.manifest.version <= newest {
            return Err(CoreError::invalid(
                "package",
                "package.already_installed",
                format!(
                    "このパッケージは「{}」としてインストール済みです（第{newest}版）。新しい版ではありません。",
                    app.slug
                ),
                format!(
                    "This package is already installed as {} (version {newest}); this file is not newer.",
                    app.slug
                ),
            ));
        }
        self.store()
            .set_pending_update(
                tenant,
                installed.app_id,
                info.manifest.version,
                &info.text,
                self.clock().now(),
            )
            .await?;
        let version = info.manifest.version;
        let installed = self
            .store()
            .installed_package(tenant, installed.app_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(InstallOutcome::UpdateOffered {
            app,
            installed,
            version,
        })
    }

    /// A job that tells the package's catalog this town installed it, signed by this instance.
    async fn adoption_job(
        &self,
        tenant: TenantId,
        town: &crate::model::Tenant,
        catalog_url: &str,
        manifest: &PackageManifest,
    ) -> Result<NewJob, CoreError> {
        let notice = serde_json::json!({
            "package": manifest.id,
            "version": manifest.version,
            "town": town.name.as_str(),
            "town_code": town.code.to_string(),
            "reported_at": rfc3339(self.clock().now()),
        });
        let signed = self
            .instance_key()
            .await?
            .sign_document(ADOPTION_FORMAT, "notice", notice)?;
        let body: serde_json::Value =
            serde_json::from_str(&signed).map_err(|e| CoreError::Internal(e.to_string()))?;
        Ok(NewJob {
            tenant_id: Some(tenant),
            kind: KIND_ADOPTION,
            payload: serde_json::json!({
                "url": adoptions_url_for(catalog_url),
                "notice": body,
            }),
            idempotency_key: format!("adoption:{}:{}:{catalog_url}", manifest.id, town.code),
            max_attempts: 8,
        })
    }
}

fn slug_taken(slug: &str, free: &str) -> CoreError {
    CoreError::invalid(
        "slug",
        "package.slug_taken",
        format!(
            "この町にはすでに「{slug}」というIDのアプリがあります。別のIDを入力してください（例: {free}）。"
        ),
        format!(
            "This town already has an app with the id {slug}. Enter another id (for example {free})."
        ),
    )
}
