//! Municipalities and their departments.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::audit::AuditEntry;
use yui_core::model::{Department, NewTenant, Tenant, TenantId};
use yui_core::ports::{StoreResult, TenantStore};
use yui_domain::tenant::TenantSlug;

use crate::audit::append_audit;
use crate::error::map;
use crate::rows::{DepartmentRow, TenantRow, ms};
use crate::{SqlStore, with_pool};

macro_rules! tenant_columns {
    () => {
        "tenant_id, slug, code, name, created_at"
    };
}

#[async_trait]
impl TenantStore for SqlStore {
    async fn create_tenant(
        &self,
        new: &NewTenant,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<Tenant> {
        let sql = concat!(
            "INSERT INTO tenant (slug, code, name, created_at) VALUES ($1, $2, $3, $4) RETURNING ",
            tenant_columns!()
        );
        let head_sql = self.audit_head_sql();
        let row: TenantRow = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let row: TenantRow = sqlx::query_as(sql)
                .bind(new.slug.as_str())
                .bind(new.code.to_string())
                .bind(new.name.as_str())
                .bind(ms(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(map)?;
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok::<_, yui_core::ports::StoreError>(row)
        })?;
        row.try_into()
    }

    async fn tenant_by_slug(&self, slug: &TenantSlug) -> StoreResult<Option<Tenant>> {
        let sql = concat!("SELECT ", tenant_columns!(), " FROM tenant WHERE slug = $1");
        let row: Option<TenantRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(sql)
                .bind(slug.as_str())
                .fetch_optional(pool)
                .await
        })
        .map_err(map)?;
        row.map(Tenant::try_from).transpose()
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        let sql = concat!(
            "SELECT ",
            tenant_columns!(),
            " FROM tenant WHERE tenant_id = $1"
        );
        let row: Option<TenantRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(sql).bind(id.0).fetch_optional(pool).await
        })
        .map_err(map)?;
        row.map(Tenant::try_from).transpose()
    }

    async fn tenants(&self) -> StoreResult<Vec<Tenant>> {
        let sql = concat!("SELECT ", tenant_columns!(), " FROM tenant ORDER BY code");
        let rows: Vec<TenantRow> =
            with_pool!(self, read, |pool| sqlx::query_as(sql).fetch_all(pool).await)
                .map_err(map)?;
        rows.into_iter().map(Tenant::try_from).collect()
    }

    async fn create_department(
        &self,
        tenant: TenantId,
        name: &str,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<Department> {
        let head_sql = self.audit_head_sql();
        let row: DepartmentRow = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let row: DepartmentRow = sqlx::query_as(
                "INSERT INTO department (tenant_id, name, created_at) VALUES ($1, $2, $3) \
                 RETURNING department_id, tenant_id, name",
            )
            .bind(tenant.0)
            .bind(name)
            .bind(ms(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok::<_, yui_core::ports::StoreError>(row)
        })?;
        row.try_into()
    }

    async fn departments(&self, tenant: TenantId) -> StoreResult<Vec<Department>> {
        let rows: Vec<DepartmentRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT department_id, tenant_id, name FROM department WHERE tenant_id = $1 \
                 ORDER BY department_id",
            )
            .bind(tenant.0)
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter().map(Department::try_from).collect()
    }

    async fn department_by_name(
        &self,
        tenant: TenantId,
        name: &str,
    ) -> StoreResult<Option<Department>> {
        let row: Option<DepartmentRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT department_id, tenant_id, name FROM department \
                 WHERE tenant_id = $1 AND name = $2",
            )
            .bind(tenant.0)
            .bind(name)
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(Department::try_from).transpose()
    }
}

#[async_trait]
impl yui_core::ports::InstanceKeyStore for SqlStore {
    async fn instance_key_secret(&self) -> StoreResult<Option<String>> {
        with_pool!(self, read, |pool| {
            sqlx::query_scalar("SELECT secret_key FROM instance_key WHERE key_id = 1")
                .fetch_optional(pool)
                .await
        })
        .map_err(map)
    }

    async fn save_instance_key_secret(&self, secret: &str, now: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO instance_key (key_id, secret_key, created_at) VALUES (1, $1, $2) \
                 ON CONFLICT (key_id) DO NOTHING",
            )
            .bind(secret)
            .bind(ms(now))
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }
}
