//! Residents' drafts, found by the hash of their secret resume token.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::model::TenantId;
use yui_core::ports::{DraftStore, StoreError, StoreResult};
use yui_core::records::{AppId, AppVersionId, DraftRecord};

use crate::error::map;
use crate::rows::{from_ms, ms};
use crate::{SqlStore, with_pool};

#[derive(sqlx::FromRow)]
struct DraftRow {
    tenant_id: i64,
    channel: String,
    app_id: i64,
    app_version_id: i64,
    answers: String,
    email: Option<String>,
    submitted: bool,
    created_at: i64,
    updated_at: i64,
    expires_at: i64,
}

#[async_trait]
impl DraftStore for SqlStore {
    async fn create_draft(&self, token_hash: &str, d: &DraftRecord) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query(
                "INSERT INTO draft (tenant_id, app_id, token_hash, app_version_id, answers, email, \
                 submitted, created_at, updated_at, expires_at, channel) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(d.tenant_id.0)
            .bind(d.app_id.0)
            .bind(token_hash)
            .bind(d.app_version_id.0)
            .bind(&d.answers)
            .bind(&d.email)
            .bind(d.submitted)
            .bind(ms(d.created_at))
            .bind(ms(d.updated_at))
            .bind(ms(d.expires_at))
            .bind(&d.channel)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }

    async fn draft(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<DraftRecord>> {
        let row: Option<DraftRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT tenant_id, channel, app_id, app_version_id, answers, email, submitted, \
                 created_at, updated_at, expires_at FROM draft WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(ms(now))
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(|r| {
            Ok(DraftRecord {
                tenant_id: TenantId(r.tenant_id),
                channel: r.channel,
                app_id: AppId(r.app_id),
                app_version_id: AppVersionId(r.app_version_id),
                answers: r.answers,
                email: r.email,
                submitted: r.submitted,
                created_at: from_ms(r.created_at)?,
                updated_at: from_ms(r.updated_at)?,
                expires_at: from_ms(r.expires_at)?,
            })
        })
        .transpose()
    }

    async fn save_draft(
        &self,
        token_hash: &str,
        answers: &str,
        email: Option<&str>,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        let updated = with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE draft SET answers = $1, email = COALESCE($2, email), updated_at = $3, \
                 expires_at = $4 WHERE token_hash = $5 AND expires_at > $3 AND NOT submitted",
            )
            .bind(answers)
            .bind(email)
            .bind(ms(now))
            .bind(ms(expires_at))
            .bind(token_hash)
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

    async fn delete_expired_drafts(&self, now: OffsetDateTime) -> StoreResult<u64> {
        with_pool!(self, write, |pool| {
            sqlx::query("DELETE FROM draft WHERE expires_at <= $1")
                .bind(ms(now))
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(map)
    }
}
