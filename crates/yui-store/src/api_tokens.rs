//! API tokens of municipalities: stored as hashes, created and revoked with their audit
//! events in one transaction, looked up by hash on every API call.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::api_tokens::{ApiTokenId, ApiTokenRecord, NewApiToken};
use yui_core::audit::AuditEntry;
use yui_core::model::{Tenant, TenantId};
use yui_core::ports::{ApiTokenStore, StoreError, StoreResult, TenantStore};
use yui_domain::tenant::Role;

use crate::audit::append_audit;
use crate::error::map;
use crate::rows::{from_ms, ms};
use crate::{SqlStore, with_pool};

macro_rules! token_columns {
    () => {
        "api_token_id, tenant_id, name, role, created_at, last_used_at, revoked_at"
    };
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    api_token_id: i64,
    tenant_id: i64,
    name: String,
    role: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TryFrom<TokenRow> for ApiTokenRecord {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self, StoreError> {
        Ok(ApiTokenRecord {
            id: ApiTokenId(r.api_token_id),
            tenant_id: TenantId(r.tenant_id),
            name: r.name,
            role: r
                .role
                .parse::<Role>()
                .map_err(|e| StoreError::Internal(format!("stored token role: {e}")))?,
            created_at: from_ms(r.created_at)?,
            last_used_at: r.last_used_at.map(from_ms).transpose()?,
            revoked_at: r.revoked_at.map(from_ms).transpose()?,
        })
    }
}

#[async_trait]
impl ApiTokenStore for SqlStore {
    async fn create_api_token(
        &self,
        new: &NewApiToken,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<ApiTokenRecord> {
        let sql = concat!(
            "INSERT INTO api_token (tenant_id, token_hash, name, role, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING ",
            token_columns!()
        );
        let head_sql = self.audit_head_sql();
        let row: TokenRow = with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let row: TokenRow = sqlx::query_as(sql)
                .bind(new.tenant_id.0)
                .bind(&new.token_hash)
                .bind(&new.name)
                .bind(new.role.as_str())
                .bind(ms(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(map)?;
            let mut audit = audit.clone();
            audit.subject_kind = Some("api_token".into());
            audit.subject_id = Some(row.api_token_id.to_string());
            append_audit!(tx, &audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok::<_, StoreError>(row)
        })?;
        ApiTokenRecord::try_from(row)
    }

    async fn api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiTokenRecord>> {
        let sql = concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_token WHERE tenant_id = $1 ORDER BY api_token_id DESC"
        );
        let rows: Vec<TokenRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(sql).bind(tenant.0).fetch_all(pool).await
        })
        .map_err(map)?;
        rows.into_iter().map(ApiTokenRecord::try_from).collect()
    }

    async fn revoke_api_token(
        &self,
        tenant: TenantId,
        id: ApiTokenId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let done = sqlx::query(
                "UPDATE api_token SET revoked_at = $1 \
                 WHERE tenant_id = $2 AND api_token_id = $3 AND revoked_at IS NULL",
            )
            .bind(ms(now))
            .bind(tenant.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map)?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, audit, now, head_sql);
            tx.commit().await.map_err(map)
        })
    }

    async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(ApiTokenRecord, Tenant)>> {
        let sql = concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_token WHERE token_hash = $1"
        );
        let row: Option<TokenRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(sql)
                .bind(token_hash)
                .fetch_optional(pool)
                .await
        })
        .map_err(map)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let record = ApiTokenRecord::try_from(row)?;
        let tenant = self
            .tenant(record.tenant_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Some((record, tenant)))
    }

    async fn touch_api_token(&self, id: ApiTokenId, now: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE api_token_id = $2")
                .bind(ms(now))
                .bind(id.0)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }
}
