//! Staff accounts. Changing a password or disabling an account deletes the account's sessions
//! in the same transaction, so the change takes effect on the very next request.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::audit::AuditEntry;
use yui_core::model::{DepartmentId, NewStaffUser, StaffUser, TenantId, UserId};
use yui_core::ports::{StoreError, StoreResult, UserStore};
use yui_domain::tenant::LoginName;

use crate::audit::append_audit;
use crate::error::map;
use crate::rows::{UserRow, ms, user_columns};
use crate::{SqlStore, with_pool};

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(
        &self,
        new: &NewStaffUser,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<StaffUser> {
        let sql = concat!(
            "INSERT INTO staff_user (tenant_id, login, display_name, role, department_id, \
             password_hash, disabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $7) RETURNING ",
            user_columns!()
        );
        let head_sql = self.audit_head_sql();
        let row: UserRow = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let row: UserRow = sqlx::query_as(sql)
                .bind(new.tenant_id.0)
                .bind(new.login.as_str())
                .bind(new.display_name.as_str())
                .bind(new.role.as_str())
                .bind(new.department_id.map(|d| d.0))
                .bind(&new.password_hash)
                .bind(ms(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match map(e) {
                    // SQLite does not name the violated foreign key; the department is the
                    // only reference the caller chooses.
                    StoreError::Conflict { field: "reference" } => StoreError::Conflict {
                        field: "department",
                    },
                    other => other,
                })?;
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok::<_, StoreError>(row)
        })?;
        StaffUser::try_from(&row)
    }

    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<StaffUser>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM staff_user WHERE tenant_id = $1 AND user_id = $2"
        );
        let row: Option<UserRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(sql)
                .bind(tenant.0)
                .bind(id.0)
                .fetch_optional(pool)
                .await
        })
        .map_err(map)?;
        row.as_ref().map(StaffUser::try_from).transpose()
    }

    async fn user_credentials(
        &self,
        tenant: TenantId,
        login: &LoginName,
    ) -> StoreResult<Option<(StaffUser, String)>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM staff_user WHERE tenant_id = $1 AND login = $2"
        );
        let row: Option<UserRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(sql)
                .bind(tenant.0)
                .bind(login.as_str())
                .fetch_optional(pool)
                .await
        })
        .map_err(map)?;
        row.map(|r| Ok((StaffUser::try_from(&r)?, r.password_hash)))
            .transpose()
    }

    async fn users(&self, tenant: TenantId) -> StoreResult<Vec<StaffUser>> {
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM staff_user WHERE tenant_id = $1 ORDER BY login"
        );
        let rows: Vec<UserRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(sql).bind(tenant.0).fetch_all(pool).await
        })
        .map_err(map)?;
        rows.iter().map(StaffUser::try_from).collect()
    }

    async fn set_password_hash(
        &self,
        tenant: TenantId,
        id: UserId,
        hash: &str,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let at = now;
        let head_sql = self.audit_head_sql();
        let now = ms(now);
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let updated = sqlx::query(
                "UPDATE staff_user SET password_hash = $1, updated_at = $2 \
                 WHERE tenant_id = $3 AND user_id = $4",
            )
            .bind(hash)
            .bind(now)
            .bind(tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map(|r| r.rows_affected())
            .map_err(map)?;
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM staff_session WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map(|r| r.rows_affected())
                .map_err(map)?;
            append_audit!(tx, audit, at, head_sql);
            tx.commit().await.map_err(map)
        })
    }

    async fn set_user_disabled(
        &self,
        tenant: TenantId,
        id: UserId,
        disabled: bool,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let at = now;
        let head_sql = self.audit_head_sql();
        let now = ms(now);
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let updated = sqlx::query(
                "UPDATE staff_user SET disabled = $1, updated_at = $2 \
                 WHERE tenant_id = $3 AND user_id = $4",
            )
            .bind(disabled)
            .bind(now)
            .bind(tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map(|r| r.rows_affected())
            .map_err(map)?;
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            if disabled {
                sqlx::query("DELETE FROM staff_session WHERE user_id = $1")
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(map)?;
            }
            append_audit!(tx, audit, at, head_sql);
            tx.commit().await.map_err(map)
        })
    }

    async fn set_user_department(
        &self,
        tenant: TenantId,
        id: UserId,
        department: Option<DepartmentId>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let updated = with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE staff_user SET department_id = $1, updated_at = $2 \
                 WHERE tenant_id = $3 AND user_id = $4",
            )
            .bind(department.map(|d| d.0))
            .bind(ms(now))
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
}
