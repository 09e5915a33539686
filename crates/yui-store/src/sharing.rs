//! Sharing between towns: shared packages, installed packages with their merge base and any
//! waiting update, followed catalogs and adoption reports.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::audit::AuditEntry;
use yui_core::jobs::NewJob;
use yui_core::model::{TenantId, UserId};
use yui_core::ports::{SharingStore, StoreError, StoreResult};
use yui_core::records::{AppId, AppRecord, NewApp};
use yui_core::sharing::{
    AdoptionReport, CatalogRow, FollowedCatalog, FollowedCatalogId, InstalledPackage,
    InstalledPackageId, NewFollowedCatalog, NewInstalledPackage, NewSharedPackage, SharedPackage,
    TakenUpdate,
};

use crate::audit::append_audit;
use crate::error::map;
use crate::jobs::insert_jobs;
use crate::rows::{from_ms, ms};
use crate::{SqlStore, with_pool};

fn version(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Internal(format!("stored version {v} out of range")))
}

macro_rules! shared_columns {
    () => {
        "tenant_id, app_id, package_id, licence, shared_by, created_at, updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct SharedRow {
    tenant_id: i64,
    app_id: i64,
    package_id: String,
    licence: String,
    shared_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<SharedRow> for SharedPackage {
    type Error = StoreError;
    fn try_from(r: SharedRow) -> Result<Self, StoreError> {
        Ok(SharedPackage {
            tenant_id: TenantId(r.tenant_id),
            app_id: AppId(r.app_id),
            package_id: r.package_id,
            licence: r.licence,
            shared_by: r.shared_by.map(UserId),
            created_at: from_ms(r.created_at)?,
            updated_at: from_ms(r.updated_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CatalogRowRow {
    #[sqlx(flatten)]
    shared: SharedRow,
    town_name: String,
    town_code: String,
    app_slug: String,
    published_version: Option<i64>,
    adoptions: i64,
}

macro_rules! installed_columns {
    () => {
        "installed_package_id, tenant_id, app_id, package_id, source_fingerprint, \
         source_public_key, author_town, author_code, catalog_url, licence, installed_version, \
         base_definition, pending_version, pending_package, installed_at, updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct InstalledRow {
    installed_package_id: i64,
    tenant_id: i64,
    app_id: i64,
    package_id: String,
    source_fingerprint: String,
    source_public_key: String,
    author_town: String,
    author_code: String,
    catalog_url: Option<String>,
    licence: String,
    installed_version: i64,
    base_definition: String,
    pending_version: Option<i64>,
    pending_package: Option<String>,
    installed_at: i64,
    updated_at: i64,
}

impl TryFrom<InstalledRow> for InstalledPackage {
    type Error = StoreError;
    fn try_from(r: InstalledRow) -> Result<Self, StoreError> {
        Ok(InstalledPackage {
            id: InstalledPackageId(r.installed_package_id),
            tenant_id: TenantId(r.tenant_id),
            app_id: AppId(r.app_id),
            package_id: r.package_id,
            source_fingerprint: r.source_fingerprint,
            source_public_key: r.source_public_key,
            author_town: r.author_town,
            author_code: r.author_code,
            catalog_url: r.catalog_url,
            licence: r.licence,
            installed_version: version(r.installed_version)?,
            base_definition: r.base_definition,
            pending_version: r.pending_version.map(version).transpose()?,
            pending_package: r.pending_package,
            installed_at: from_ms(r.installed_at)?,
            updated_at: from_ms(r.updated_at)?,
        })
    }
}

macro_rules! followed_columns {
    () => {
        "followed_catalog_id, tenant_id, url, key_fingerprint, public_key, document, \
         last_fetched_at, last_error, created_at"
    };
}

#[derive(sqlx::FromRow)]
struct FollowedRow {
    followed_catalog_id: i64,
    tenant_id: i64,
    url: String,
    key_fingerprint: String,
    public_key: String,
    document: Option<String>,
    last_fetched_at: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
}

impl TryFrom<FollowedRow> for FollowedCatalog {
    type Error = StoreError;
    fn try_from(r: FollowedRow) -> Result<Self, StoreError> {
        Ok(FollowedCatalog {
            id: FollowedCatalogId(r.followed_catalog_id),
            tenant_id: TenantId(r.tenant_id),
            url: r.url,
            key_fingerprint: r.key_fingerprint,
            public_key: r.public_key,
            document: r.document,
            last_fetched_at: r.last_fetched_at.map(from_ms).transpose()?,
            last_error: r.last_error,
            created_at: from_ms(r.created_at)?,
        })
    }
}

#[async_trait]
impl SharingStore for SqlStore {
    async fn share_app(
        &self,
        new: &NewSharedPackage,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<SharedPackage> {
        let head_sql = self.audit_head_sql();
        let row: SharedRow = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let row: SharedRow = sqlx::query_as(concat!(
                "INSERT INTO shared_package (tenant_id, app_id, package_id, licence, \
                 shared_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (tenant_id, app_id) DO UPDATE SET licence = excluded.licence, \
                 package_id = excluded.package_id, updated_at = excluded.updated_at RETURNING ",
                shared_columns!()
            ))
            .bind(new.tenant_id.0)
            .bind(new.app_id.0)
            .bind(&new.package_id)
            .bind(&new.licence)
            .bind(new.shared_by.map(|u| u.0))
            .bind(ms(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok::<_, StoreError>(row)
        })?;
        row.try_into()
    }

    async fn unshare_app(
        &self,
        tenant: TenantId,
        app: AppId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let gone =
                sqlx::query("DELETE FROM shared_package WHERE tenant_id = $1 AND app_id = $2")
                    .bind(tenant.0)
                    .bind(app.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?
                    .rows_affected();
            if gone == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)
        })
    }

    async fn shared_package(
        &self,
        tenant: TenantId,
        app: AppId,
    ) -> StoreResult<Option<SharedPackage>> {
        let row: Option<SharedRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                shared_columns!(),
                " FROM shared_package WHERE tenant_id = $1 AND app_id = $2"
            ))
            .bind(tenant.0)
            .bind(app.0)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(SharedPackage::try_from).transpose()
    }

    async fn catalog_rows(&self) -> StoreResult<Vec<CatalogRow>> {
        let rows: Vec<CatalogRowRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT s.tenant_id, s.app_id, s.package_id, s.licence, s.shared_by, \
                 s.created_at, s.updated_at, t.name AS town_name, t.code AS town_code, \
                 a.slug AS app_slug, \
                 CAST(a.published_version AS BIGINT) AS published_version, \
                 (SELECT COUNT(*) FROM adoption d WHERE d.package_id = s.package_id) AS adoptions \
                 FROM shared_package s \
                 JOIN app a ON a.tenant_id = s.tenant_id AND a.app_id = s.app_id \
                 JOIN tenant t ON t.tenant_id = s.tenant_id \
                 ORDER BY t.code, a.slug",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter()
            .map(|r| {
                Ok(CatalogRow {
                    shared: r.shared.try_into()?,
                    town_name: r.town_name,
                    town_code: r.town_code,
                    app_slug: r.app_slug,
                    published_version: r.published_version.map(version).transpose()?,
                    adoptions: u64::try_from(r.adoptions).unwrap_or(0),
                })
            })
            .collect()
    }

    async fn record_adoption(
        &self,
        report: &AdoptionReport,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO adoption (package_id, town_code, key_fingerprint, version, \
                 first_seen_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (package_id, town_code) DO UPDATE SET \
                 key_fingerprint = excluded.key_fingerprint, version = excluded.version, \
                 last_seen_at = excluded.last_seen_at",
            )
            .bind(&report.package_id)
            .bind(&report.town_code)
            .bind(&report.key_fingerprint)
            .bind(i64::from(report.version))
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(map)
    }

    async fn install_package(
        &self,
        app: &NewApp,
        installed: &NewInstalledPackage,
        jobs: &[NewJob],
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<(AppRecord, InstalledPackage)> {
        let head_sql = self.audit_head_sql();
        let (app_id, row): (i64, InstalledRow) = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let app_id: i64 = sqlx::query_scalar(
                "INSERT INTO app (tenant_id, slug, department_id, state, draft_definition, \
                 draft_updated_at, draft_updated_by, published_version, title_ja, title_en, \
                 category, search_text, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'draft', $4, $5, $6, NULL, $7, $8, $9, $10, $5, $5) \
                 RETURNING app_id",
            )
            .bind(app.tenant_id.0)
            .bind(&app.slug)
            .bind(app.department_id.map(|d| d.0))
            .bind(&app.draft_definition)
            .bind(ms(now))
            .bind(app.created_by.map(|u| u.0))
            .bind(&app.summary.title_ja)
            .bind(&app.summary.title_en)
            .bind(&app.summary.category)
            .bind(&app.summary.search_text)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match map(e) {
                StoreError::Conflict { field: "unique" } => StoreError::Conflict { field: "slug" },
                other => other,
            })?;
            let row: InstalledRow = sqlx::query_as(concat!(
                "INSERT INTO installed_package (tenant_id, app_id, package_id, \
                 source_fingerprint, source_public_key, author_town, author_code, catalog_url, \
                 licence, installed_version, base_definition, pending_version, pending_package, \
                 installed_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, $12, $12) \
                 RETURNING ",
                installed_columns!()
            ))
            .bind(installed.tenant_id.0)
            .bind(app_id)
            .bind(&installed.package_id)
            .bind(&installed.source_fingerprint)
            .bind(&installed.source_public_key)
            .bind(&installed.author_town)
            .bind(&installed.author_code)
            .bind(&installed.catalog_url)
            .bind(&installed.licence)
            .bind(i64::from(installed.installed_version))
            .bind(&installed.base_definition)
            .bind(ms(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match map(e) {
                StoreError::Conflict { field: "unique" } => {
                    StoreError::Conflict { field: "package" }
                }
                other => other,
            })?;
            insert_jobs!(tx, jobs, now);
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok::<_, StoreError>((app_id, row))
        })?;
        let record = yui_core::ports::AppStore::app(self, app.tenant_id, AppId(app_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((record, row.try_into()?))
    }

    async fn installed_package(
        &self,
        tenant: TenantId,
        app: AppId,
    ) -> StoreResult<Option<InstalledPackage>> {
        let row: Option<InstalledRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                installed_columns!(),
                " FROM installed_package WHERE tenant_id = $1 AND app_id = $2"
            ))
            .bind(tenant.0)
            .bind(app.0)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(InstalledPackage::try_from).transpose()
    }

    async fn installed_package_by_package(
        &self,
        tenant: TenantId,
        package_id: &str,
    ) -> StoreResult<Option<InstalledPackage>> {
        let row: Option<InstalledRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                installed_columns!(),
                " FROM installed_package WHERE tenant_id = $1 AND package_id = $2"
            ))
            .bind(tenant.0)
            .bind(package_id)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(InstalledPackage::try_from).transpose()
    }

    async fn installed_packages(&self, tenant: TenantId) -> StoreResult<Vec<InstalledPackage>> {
        let rows: Vec<InstalledRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                installed_columns!(),
                " FROM installed_package WHERE tenant_id = $1 ORDER BY installed_package_id"
            ))
            .bind(tenant.0)
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter().map(InstalledPackage::try_from).collect()
    }

    async fn set_pending_update(
        &self,
        tenant: TenantId,
        app: AppId,
        version: u32,
        package: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let updated = with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE installed_package SET pending_version = $1, pending_package = $2, \
                 updated_at = $3 WHERE tenant_id = $4 AND app_id = $5 \
                 AND installed_version < $1 AND (pending_version IS NULL OR pending_version < $1)",
            )
            .bind(i64::from(version))
            .bind(package)
            .bind(ms(now))
            .bind(tenant.0)
            .bind(app.0)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        if updated == 0 {
            return Err(StoreError::Conflict { field: "version" });
        }
        Ok(())
    }

    async fn take_update(
        &self,
        update: &TakenUpdate,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let moved = sqlx::query(
                "UPDATE installed_package SET installed_version = $1, base_definition = $2, \
                 pending_version = NULL, pending_package = NULL, updated_at = $3 \
                 WHERE tenant_id = $4 AND app_id = $5 AND pending_version = $1",
            )
            .bind(i64::from(update.version))
            .bind(&update.base_definition)
            .bind(ms(now))
            .bind(update.tenant_id.0)
            .bind(update.app_id.0)
            .execute(&mut *tx)
            .await
            .map_err(map)?
            .rows_affected();
            if moved == 0 {
                return Err(StoreError::Conflict { field: "version" });
            }
            sqlx::query(
                "UPDATE app SET draft_definition = $1, draft_updated_at = $2, \
                 draft_updated_by = $3, updated_at = $2 WHERE tenant_id = $4 AND app_id = $5",
            )
            .bind(&update.draft_definition)
            .bind(ms(now))
            .bind(update.by.map(|u| u.0))
            .bind(update.tenant_id.0)
            .bind(update.app_id.0)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            // Listings show the published title; a never-published app shows its draft's.
            sqlx::query(
                "UPDATE app SET title_ja = $1, title_en = $2, category = $3, search_text = $4 \
                 WHERE tenant_id = $5 AND app_id = $6 AND published_version IS NULL",
            )
            .bind(&update.summary.title_ja)
            .bind(&update.summary.title_en)
            .bind(&update.summary.category)
            .bind(&update.summary.search_text)
            .bind(update.tenant_id.0)
            .bind(update.app_id.0)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)
        })
    }

    async fn follow_catalog(
        &self,
        new: &NewFollowedCatalog,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<FollowedCatalog> {
        let head_sql = self.audit_head_sql();
        let row: FollowedRow = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let row: FollowedRow = sqlx::query_as(concat!(
                "INSERT INTO followed_catalog (tenant_id, url, key_fingerprint, public_key, \
                 document, last_fetched_at, last_error, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, $6) RETURNING ",
                followed_columns!()
            ))
            .bind(new.tenant_id.0)
            .bind(&new.url)
            .bind(&new.key_fingerprint)
            .bind(&new.public_key)
            .bind(&new.document)
            .bind(ms(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok::<_, StoreError>(row)
        })?;
        row.try_into()
    }

    async fn followed_catalogs(&self, tenant: TenantId) -> StoreResult<Vec<FollowedCatalog>> {
        let rows: Vec<FollowedRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                followed_columns!(),
                " FROM followed_catalog WHERE tenant_id = $1 ORDER BY followed_catalog_id"
            ))
            .bind(tenant.0)
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter().map(FollowedCatalog::try_from).collect()
    }

    async fn followed_catalog(
        &self,
        tenant: TenantId,
        id: FollowedCatalogId,
    ) -> StoreResult<Option<FollowedCatalog>> {
        let row: Option<FollowedRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                followed_columns!(),
                " FROM followed_catalog WHERE tenant_id = $1 AND followed_catalog_id = $2"
            ))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(FollowedCatalog::try_from).transpose()
    }

    async fn record_catalog_fetch(
        &self,
        tenant: TenantId,
        id: FollowedCatalogId,
        document: Option<&str>,
        error: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        // A failed fetch keeps the last good document; only the error and time change.
        let updated = with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE followed_catalog SET document = COALESCE($1, document), \
                 last_fetched_at = $2, last_error = $3 \
                 WHERE tenant_id = $4 AND followed_catalog_id = $5",
            )
            .bind(document)
            .bind(ms(now))
            .bind(error)
            .bind(tenant.0)
            .bind(id.0)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn unfollow_catalog(
        &self,
        tenant: TenantId,
        id: FollowedCatalogId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let gone = sqlx::query(
                "DELETE FROM followed_catalog WHERE tenant_id = $1 AND followed_catalog_id = $2",
            )
            .bind(tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map)?
            .rows_affected();
            if gone == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)
        })
    }
}
