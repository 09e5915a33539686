//! Other instances' catalogs: following one (its key pinned on the first fetch — trust on
//! first use), browsing it, installing from it, and finding newer versions of installed
//! packages. Everything fetched is verified before it is used; nothing is fetched while a
//! page renders except on the builder's request.

use std::collections::BTreeMap;

use super::{
    CATALOG_FORMAT, CatalogDocument, CatalogEntry, FollowedCatalog, FollowedCatalogId,
    InstallOptions, InstallOutcome, InstalledPackage, MAX_CATALOG_BYTES, MAX_PACKAGE_BYTES,
    NewFollowedCatalog, inspect_package, normalise_catalog_url, origin,
};
use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::error::CoreError;
use crate::model::TenantId;
use crate::packages::{fingerprint, public_key_from_base64, verify_document};
use crate::ports::RemoteError;
use crate::records::AppId;

/// A followed catalog with its packages as last fetched.
#[derive(Debug, Clone)]
pub struct CatalogView {
    pub catalog: FollowedCatalog,
    pub packages: Vec<CatalogPackage>,
}

/// One package of a followed catalog, with the town's copy if it has one.
#[derive(Debug, Clone)]
pub struct CatalogPackage {
    pub entry: CatalogEntry,
    pub installed: Option<InstalledPackage>,
}

/// What checking catalogs found.
#[derive(Debug, Clone, Default)]
pub struct RefreshOutcome {
    /// Apps that now have a newer upstream version waiting, with that version.
    pub updates: Vec<(AppId, u32)>,
    /// What could not be checked, in both languages.
    pub problems: Vec<(String, String)>,
}

fn unreachable(url: &str, e: &RemoteError) -> CoreError {
    let (ja, en) = match e {
        RemoteError::NotConfigured => (
            "このサーバーからは他のサーバーへ接続できない設定です。".to_owned(),
            "This server is not set up to reach other servers.".to_owned(),
        ),
        RemoteError::TooLarge { limit } => (
            format!("{url} の応答が大きすぎます（{limit} バイトまで）。"),
            format!("The answer from {url} is too large (at most {limit} bytes)."),
        ),
        RemoteError::Redirected(to) => (
            format!("{url} が別のサーバー（{to}）へ転送しようとしたため、中止しました。"),
            format!("{url} redirected to another server ({to}); stopped."),
        ),
        other => (
            format!("{url} に接続できませんでした（{other}）。"),
            format!("Could not fetch {url} ({other})."),
        ),
    };
    CoreError::invalid("url", "catalog.unreachable", ja, en)
}

fn not_a_catalog(url: &str) -> CoreError {
    CoreError::invalid(
        "url",
        "catalog.not_a_catalog",
        format!("{url} は Yui のカタログではないか、署名が正しくありません。"),
        format!("{url} is not a Yui catalog, or its signature does not verify."),
    )
}

fn key_changed(url: &str, pinned: &str, now: &str) -> CoreError {
    CoreError::invalid(
        "url",
        "catalog.key_changed",
        format!(
            "カタログ {url} の署名鍵が、フォローしたときと変わっています（登録時: {pinned}、今回: {now}）。提供元に電話などで確認し、正しければフォローをやめてから登録し直してください。"
        ),
        format!(
            "The signing key of the catalog {url} changed since it was followed ({pinned} then, {now} now). Confirm with the publisher by phone or similar; if it is right, stop following and follow again."
        ),
    )
}

/// Reads and verifies a catalog document; returns it with its signer's key.
pub(crate) fn read_catalog(
    url: &str,
    text: &str,
) -> Result<(CatalogDocument, [u8; 32]), CoreError> {
    let (body, key) =
        verify_document(text, CATALOG_FORMAT, "catalog").map_err(|_| not_a_catalog(url))?;
    let document: CatalogDocument = serde_json::from_value(body).map_err(|_| not_a_catalog(url))?;
    if public_key_from_base64(&document.public_key) != Some(key) {
        return Err(not_a_catalog(url));
    }
    Ok((document, key))
}

impl Yui {
    async fn fetch_text(&self, url: &str, limit: usize) -> Result<String, CoreError> {
        let bytes = self
            .remote()
            .get(url, limit)
            .await
            .map_err(|e| unreachable(url, &e))?;
        String::from_utf8(bytes).map_err(|_| not_a_catalog(url))
    }

    /// Fetches a catalog and checks it is signed (and, when given, by the pinned key).
    async fn fetch_catalog(
        &self,
        url: &str,
        pinned: Option<&str>,
    ) -> Result<(String, CatalogDocument, [u8; 32]), CoreError> {
        let text = self.fetch_text(url, MAX_CATALOG_BYTES).await?;
        let (document, key) = read_catalog(url, &text)?;
        if let Some(pinned) = pinned
            && fingerprint(&key) != pinned
        {
            return Err(key_changed(url, pinned, &fingerprint(&key)));
        }
        Ok((text, document, key))
    }

    /// Follows another instance's catalog: fetches it, checks its signature, and pins its
    /// key, so that a later change of key is refused.
    pub async fn follow_catalog(
        &self,
        actor: &Actor,
        tenant: TenantId,
        url: &str,
    ) -> Result<FollowedCatalog, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let url = normalise_catalog_url(url)?;
        if self
            .store()
            .followed_catalogs(tenant)
            .await?
            .iter()
            .any(|c| c.url == url)
        {
            return Err(already_followed(&url));
        }
        let (text, document, key) = self.fetch_catalog(&url, None).await?;
        let new = NewFollowedCatalog {
            tenant_id: tenant,
            url: url.clone(),
            key_fingerprint: fingerprint(&key),
            public_key: document.public_key.clone(),
            document: text,
        };
        let audit = actor
            .audit(Some(tenant), "catalog.follow")
            .subject("catalog", &url)
            .detail(&serde_json::json!({ "key": new.key_fingerprint }));
        self.store()
            .follow_catalog(&new, self.clock().now(), &audit)
            .await
            .map_err(|e| match e {
                crate::ports::StoreError::Conflict { .. } => already_followed(&url),
                other => other.into(),
            })
    }

    pub async fn followed_catalogs(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<FollowedCatalog>, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        Ok(self.store().followed_catalogs(tenant).await?)
    }

    pub async fn unfollow_catalog(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: FollowedCatalogId,
    ) -> Result<(), CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let catalog = self
            .store()
            .followed_catalog(tenant, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let audit = actor
            .audit(Some(tenant), "catalog.unfollow")
            .subject("catalog", &catalog.url);
        Ok(self
            .store()
            .unfollow_catalog(tenant, id, self.clock().now(), &audit)
            .await?)
    }

    /// A followed catalog's packages as last fetched, with the town's installed copies.
    pub async fn catalog_view(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: FollowedCatalogId,
    ) -> Result<CatalogView, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let catalog = self
            .store()
            .followed_catalog(tenant, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let installed: BTreeMap<String, InstalledPackage> = self
            .store()
            .installed_packages(tenant)
            .await?
            .into_iter()
            .map(|p| (p.package_id.clone(), p))
            .collect();
        let packages = match &catalog.document {
            Some(text) => read_catalog(&catalog.url, text)?
                .0
                .packages
                .into_iter()
                .map(|entry| CatalogPackage {
                    installed: installed.get(&entry.id).cloned(),
                    entry,
                })
                .collect(),
            None => Vec::new(),
        };
        Ok(CatalogView { catalog, packages })
    }

    /// Fetches a followed catalog again (refusing a changed key) and keeps any newer version
    /// of the town's packages from it waiting as an update.
    pub async fn refresh_catalog(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: FollowedCatalogId,
    ) -> Result<RefreshOutcome, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let catalog = self
            .store()
            .followed_catalog(tenant, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let now = self.clock().now();
        let (text, document, key) = match self
            .fetch_catalog(&catalog.url, Some(&catalog.key_fingerprint))
            .await
        {
            Ok(fetched) => fetched,
            Err(e) => {
                let reason = match &e {
                    CoreError::Invalid(i) => i
                        .problems
                        .first()
                        .map(|p| p.message_ja.clone())
                        .unwrap_or_default(),
                    other => other.to_string(),
                };
                self.store()
                    .record_catalog_fetch(tenant, id, None, Some(&reason), now)
                    .await?;
                return Err(e);
            }
        };
        self.store()
            .record_catalog_fetch(tenant, id, Some(&text), None, now)
            .await?;
        Ok(self
            .take_newer_versions(tenant, &catalog.url, &document, &key)
            .await)
    }

    /// Looks for newer versions of every installed package: in the catalogs the town
    /// follows, and in the catalogs packages name that it does not follow (there the
    /// package's own key is the pin).
    pub async fn check_updates(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<RefreshOutcome, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let mut outcome = RefreshOutcome::default();
        let followed = self.store().followed_catalogs(tenant).await?;
        for catalog in &followed {
            match self.refresh_catalog(actor, tenant, catalog.id).await {
                Ok(found) => {
                    outcome.updates.extend(found.updates);
                    outcome.problems.extend(found.problems);
                }
                Err(e) => outcome.problems.push(problem_words(&e)),
            }
        }
        let mut others: BTreeMap<String, String> = BTreeMap::new();
        for p in self.store().installed_packages(tenant).await? {
            if let Some(url) = p.catalog_url
                && !followed.iter().any(|c| c.url == url)
            {
                others.entry(url).or_insert(p.source_fingerprint);
            }
        }
        for (url, pin) in others {
            match self.fetch_catalog(&url, Some(&pin)).await {
                Ok((_, document, key)) => {
                    let found = self
                        .take_newer_versions(tenant, &url, &document, &key)
                        .await;
                    outcome.updates.extend(found.updates);
                    outcome.problems.extend(found.problems);
                }
                Err(e) => outcome.problems.push(problem_words(&e)),
            }
        }
        Ok(outcome)
    }

    /// For each installed package from `url` with a newer version in `document`: downloads,
    /// verifies (same key) and keeps it waiting.
    async fn take_newer_versions(
        &self,
        tenant: TenantId,
        url: &str,
        document: &CatalogDocument,
        key: &[u8; 32],
    ) -> RefreshOutcome {
        let mut outcome = RefreshOutcome::default();
        let installed = match self.store().installed_packages(tenant).await {
            Ok(list) => list,
            Err(e) => {
                outcome.problems.push(problem_words(&e.into()));
                return outcome;
            }
        };
        for package in installed {
            if package.catalog_url.as_deref() != Some(url) {
                continue;
            }
            let Some(entry) = document
                .packages
                .iter()
                .find(|e| e.id == package.package_id)
            else {
                continue;
            };
            let newest = package
                .installed_version
                .max(package.pending_version.unwrap_or(0));
            if entry.version <= newest {
                continue;
            }
            match self.download_entry(url, entry, key).await {
                Ok(info) => match self.offer_update(tenant, package, &info).await {
                    Ok(InstallOutcome::UpdateOffered { app, version, .. }) => {
                        outcome.updates.push((app.id, version));
                    }
                    Ok(InstallOutcome::Installed { .. }) => {}
                    Err(e) => outcome.problems.push(problem_words(&e)),
                },
                Err(e) => outcome.problems.push(problem_words(&e)),
            }
        }
        outcome
    }

    /// Downloads a catalog entry's file and checks it is what the catalog says, signed with
    /// the catalog's key.
    async fn download_entry(
        &self,
        catalog_url: &str,
        entry: &CatalogEntry,
        key: &[u8; 32],
    ) -> Result<super::PackageInfo, CoreError> {
        if origin(&entry.download) != origin(catalog_url) {
            return Err(CoreError::invalid(
                "package",
                "catalog.foreign_download",
                format!(
                    "パッケージの取得先（{}）がカタログと別のサーバーです。",
                    entry.download
                ),
                format!(
                    "The package's address ({}) is on another server than the catalog.",
                    entry.download
                ),
            ));
        }
        let text = self.fetch_text(&entry.download, MAX_PACKAGE_BYTES).await?;
        let info = inspect_package(&text)?;
        if info.key_fingerprint != fingerprint(key)
            || info.manifest.id != entry.id
            || info.manifest.version != entry.version
        {
            return Err(CoreError::invalid(
                "package",
                "catalog.package_mismatch",
                format!(
                    "カタログの「{}」第{}版と、取得したファイルの内容または署名が一致しません。",
                    entry.id, entry.version
                ),
                format!(
                    "The file fetched for {} version {} does not match the catalog (contents or signature).",
                    entry.id, entry.version
                ),
            ));
        }
        Ok(info)
    }

    /// Installs a package of a followed catalog (or offers it as an update when the town has
    /// it already). The file must be signed with the catalog's pinned key.
    pub async fn install_from_catalog(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: FollowedCatalogId,
        package_id: &str,
        slug: Option<String>,
    ) -> Result<InstallOutcome, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        let view = self.catalog_view(actor, tenant, id).await?;
        let entry = view
            .packages
            .iter()
            .find(|p| p.entry.id == package_id)
            .map(|p| p.entry.clone())
            .ok_or(CoreError::NotFound)?;
        let key = public_key_from_base64(&view.catalog.public_key)
            .ok_or_else(|| CoreError::Internal("stored catalog key does not parse".into()))?;
        let info = self.download_entry(&view.catalog.url, &entry, &key).await?;
        self.install_package(
            actor,
            tenant,
            &info.text,
            &InstallOptions {
                slug,
                catalog_url: Some(view.catalog.url.clone()),
            },
        )
        .await
    }

    /// The town's installed packages.
    pub async fn installed_packages(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<InstalledPackage>, CoreError> {
        actor.require(Permission::BuildApps, tenant)?;
        Ok(self.store().installed_packages(tenant).await?)
    }
}

fn already_followed(url: &str) -> CoreError {
    CoreError::invalid(
        "url",
        "catalog.already_followed",
        format!("カタログ {url} はすでにフォローしています。"),
        format!("The catalog {url} is already followed."),
    )
}

/// An error as a pair of sentences for a list of problems.
fn problem_words(e: &CoreError) -> (String, String) {
    match e {
        CoreError::Invalid(i) => i
            .problems
            .first()
            .map(|p| (p.message_ja.clone(), p.message_en.clone()))
            .unwrap_or_default(),
        other => (
            format!("確認できませんでした（{}）。", other.code()),
            format!("Could not be checked ({}).", other.code()),
        ),
    }
}
