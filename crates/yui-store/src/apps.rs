//! Apps and their immutable published versions.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::audit::AuditEntry;
use yui_core::model::{DepartmentId, TenantId, UserId};
use yui_core::ports::{AppStore, StoreError, StoreResult};
use yui_core::records::{
    AppId, AppRecord, AppState, AppSummary, AppVersionId, AppVersionRecord, NewApp, NewVersion,
};

use crate::audit::append_audit;
use crate::error::map;
use crate::rows::{from_ms, ms};
use crate::{SqlStore, with_pool};

macro_rules! app_columns {
    () => {
        "app_id, tenant_id, slug, department_id, state, draft_definition, draft_updated_at, \
         published_version, title_ja, title_en, category, search_text, created_at, updated_at"
    };
}

macro_rules! version_columns {
    () => {
        "app_version_id, tenant_id, app_id, version, definition, change_summary, published_by, \
         published_at"
    };
}

#[derive(sqlx::FromRow)]
struct AppRow {
    app_id: i64,
    tenant_id: i64,
    slug: String,
    department_id: Option<i64>,
    state: String,
    draft_definition: String,
    draft_updated_at: i64,
    published_version: Option<i32>,
    title_ja: String,
    title_en: Option<String>,
    category: Option<String>,
    search_text: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<AppRow> for AppRecord {
    type Error = StoreError;
    fn try_from(r: AppRow) -> Result<Self, StoreError> {
        Ok(AppRecord {
            id: AppId(r.app_id),
            tenant_id: TenantId(r.tenant_id),
            slug: r.slug,
            department_id: r.department_id.map(DepartmentId),
            state: AppState::parse(&r.state)
                .ok_or_else(|| StoreError::Internal(format!("unknown app state {:?}", r.state)))?,
            draft_definition: r.draft_definition,
            draft_updated_at: from_ms(r.draft_updated_at)?,
            published_version: r.published_version.map(i32::unsigned_abs),
            summary: AppSummary {
                title_ja: r.title_ja,
                title_en: r.title_en,
                category: r.category,
                search_text: r.search_text,
            },
            created_at: from_ms(r.created_at)?,
            updated_at: from_ms(r.updated_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    app_version_id: i64,
    tenant_id: i64,
    app_id: i64,
    version: i32,
    definition: String,
    change_summary: String,
    published_by: Option<i64>,
    published_at: i64,
}

impl TryFrom<VersionRow> for AppVersionRecord {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<Self, StoreError> {
        Ok(AppVersionRecord {
            id: AppVersionId(r.app_version_id),
            tenant_id: TenantId(r.tenant_id),
            app_id: AppId(r.app_id),
            version: r.version.unsigned_abs(),
            definition: r.definition,
            change_summary: r.change_summary,
            published_by: r.published_by.map(UserId),
            published_at: from_ms(r.published_at)?,
        })
    }
}

#[async_trait]
impl AppStore for SqlStore {
    async fn create_app(
        &self,
        new: &NewApp,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<AppRecord> {
        let head_sql = self.audit_head_sql();
        let row: AppRow = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let row: AppRow = sqlx::query_as(concat!(
                "INSERT INTO app (tenant_id, slug, department_id, state, draft_definition, \
                 draft_updated_at, draft_updated_by, published_version, title_ja, title_en, \
                 category, search_text, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'draft', $4, $5, $6, NULL, $7, $8, $9, $10, $5, $5) RETURNING ",
                app_columns!()
            ))
            .bind(new.tenant_id.0)
            .bind(&new.slug)
            .bind(new.department_id.map(|d| d.0))
            .bind(&new.draft_definition)
            .bind(ms(now))
            .bind(new.created_by.map(|u| u.0))
            .bind(&new.summary.title_ja)
            .bind(&new.summary.title_en)
            .bind(&new.summary.category)
            .bind(&new.summary.search_text)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match map(e) {
                StoreError::Conflict { field: "reference" } => StoreError::Conflict { field: "department" },
                StoreError::Conflict { field: "unique" } => StoreError::Conflict { field: "slug" },
                other => other,
            })?;
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok::<_, StoreError>(row)
        })?;
        row.try_into()
    }

    async fn app(&self, tenant: TenantId, id: AppId) -> StoreResult<Option<AppRecord>> {
        let row: Option<AppRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                app_columns!(),
                " FROM app WHERE tenant_id = $1 AND app_id = $2"
            ))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(AppRecord::try_from).transpose()
    }

    async fn app_by_slug(&self, tenant: TenantId, slug: &str) -> StoreResult<Option<AppRecord>> {
        let row: Option<AppRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                app_columns!(),
                " FROM app WHERE tenant_id = $1 AND slug = $2"
            ))
            .bind(tenant.0)
            .bind(slug)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(AppRecord::try_from).transpose()
    }

    async fn apps(&self, tenant: TenantId) -> StoreResult<Vec<AppRecord>> {
        let rows: Vec<AppRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                app_columns!(),
                " FROM app WHERE tenant_id = $1 ORDER BY app_id"
            ))
            .bind(tenant.0)
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter().map(AppRecord::try_from).collect()
    }

    async fn save_app_draft(
        &self,
        tenant: TenantId,
        id: AppId,
        definition: &str,
        summary: &AppSummary,
        by: Option<UserId>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let updated = with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE app SET draft_definition = $1, draft_updated_at = $2, draft_updated_by = $3, \
                 updated_at = $2 WHERE tenant_id = $4 AND app_id = $5",
            )
            .bind(definition)
            .bind(ms(now))
            .bind(by.map(|u| u.0))
            .bind(tenant.0)
            .bind(id.0)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        // Listings show the published title; a never-published app shows its draft's.
        with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE app SET title_ja = $1, title_en = $2, category = $3, search_text = $4 \
                 WHERE tenant_id = $5 AND app_id = $6 AND published_version IS NULL",
            )
            .bind(&summary.title_ja)
            .bind(&summary.title_en)
            .bind(&summary.category)
            .bind(&summary.search_text)
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

    async fn publish_version(
        &self,
        tenant: TenantId,
        id: AppId,
        version: &NewVersion,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<AppVersionRecord> {
        let head_sql = self.audit_head_sql();
        let row: VersionRow = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            // Taking the next number and writing the app row in one statement serialises
            // concurrent publishes of the same app.
            let next: Option<i32> = sqlx::query_scalar(
                "UPDATE app SET published_version = COALESCE(published_version, 0) + 1, \
                 state = CASE WHEN state = 'draft' THEN 'open' ELSE state END, \
                 title_ja = $1, title_en = $2, category = $3, search_text = $4, updated_at = $5 \
                 WHERE tenant_id = $6 AND app_id = $7 RETURNING published_version",
            )
            .bind(&version.summary.title_ja)
            .bind(&version.summary.title_en)
            .bind(&version.summary.category)
            .bind(&version.summary.search_text)
            .bind(ms(now))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
            let Some(next) = next else {
                return Err(StoreError::NotFound);
            };
            let row: VersionRow = sqlx::query_as(concat!(
                "INSERT INTO app_version (tenant_id, app_id, version, definition, change_summary, \
                 published_by, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
                version_columns!()
            ))
            .bind(tenant.0)
            .bind(id.0)
            .bind(next)
            .bind(&version.definition)
            .bind(&version.change_summary)
            .bind(version.published_by.map(|u| u.0))
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

    async fn set_app_state(
        &self,
        tenant: TenantId,
        id: AppId,
        state: AppState,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let updated = sqlx::query(
                "UPDATE app SET state = $1, updated_at = $2 WHERE tenant_id = $3 AND app_id = $4",
            )
            .bind(state.as_str())
            .bind(ms(now))
            .bind(tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map)?
            .rows_affected();
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)
        })
    }

    async fn app_version(
        &self,
        tenant: TenantId,
        id: AppVersionId,
    ) -> StoreResult<Option<AppVersionRecord>> {
        let row: Option<VersionRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                version_columns!(),
                " FROM app_version WHERE tenant_id = $1 AND app_version_id = $2"
            ))
            .bind(tenant.0)
            .bind(id.0)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(AppVersionRecord::try_from).transpose()
    }

    async fn app_version_number(
        &self,
        tenant: TenantId,
        app: AppId,
        version: u32,
    ) -> StoreResult<Option<AppVersionRecord>> {
        let row: Option<VersionRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                version_columns!(),
                " FROM app_version WHERE tenant_id = $1 AND app_id = $2 AND version = $3"
            ))
            .bind(tenant.0)
            .bind(app.0)
            .bind(i64::from(version))
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(AppVersionRecord::try_from).transpose()
    }

    async fn app_versions(
        &self,
        tenant: TenantId,
        app: AppId,
    ) -> StoreResult<Vec<AppVersionRecord>> {
        let rows: Vec<VersionRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                version_columns!(),
                " FROM app_version WHERE tenant_id = $1 AND app_id = $2 ORDER BY version DESC"
            ))
            .bind(tenant.0)
            .bind(app.0)
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter().map(AppVersionRecord::try_from).collect()
    }
}
