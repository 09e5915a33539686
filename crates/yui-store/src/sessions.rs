//! Staff sessions: looked up by token hash, joined with their user so that a disabled user's
//! session is dead even before the sweep deletes it.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::audit::AuditEntry;
use yui_core::model::{SessionRecord, StaffUser, UserId};
use yui_core::ports::{SessionStore, StoreResult};

use crate::audit::append_audit;
use crate::error::map;
use crate::rows::{SessionRow, UserRow, ms, user_columns};
use crate::{SqlStore, with_pool};

#[async_trait]
impl SessionStore for SqlStore {
    async fn create_session(&self, s: &SessionRecord, audit: &AuditEntry) -> StoreResult<()> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            sqlx::query(
                "INSERT INTO staff_session (token_hash, user_id, tenant_id, csrf_token, created_at, \
                 last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&s.token_hash)
            .bind(s.user_id.0)
            .bind(s.tenant_id.0)
            .bind(&s.csrf_token)
            .bind(ms(s.created_at))
            .bind(ms(s.last_seen_at))
            .bind(ms(s.expires_at))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            append_audit!(tx, audit, s.created_at, head_sql);
            tx.commit().await.map_err(map)
        })
    }

    async fn live_session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        idle_since: OffsetDateTime,
    ) -> StoreResult<Option<(SessionRecord, StaffUser)>> {
        let session: Option<SessionRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT s.token_hash, s.user_id, s.tenant_id, s.csrf_token, s.created_at, \
                 s.last_seen_at, s.expires_at FROM staff_session s \
                 JOIN staff_user u ON u.user_id = s.user_id AND u.tenant_id = s.tenant_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
                 AND NOT u.disabled",
            )
            .bind(token_hash)
            .bind(ms(now))
            .bind(ms(idle_since))
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        let Some(session) = session else {
            return Ok(None);
        };
        let session = SessionRecord::try_from(session)?;
        let sql = concat!(
            "SELECT ",
            user_columns!(),
            " FROM staff_user WHERE user_id = $1"
        );
        let user: UserRow = with_pool!(self, read, |pool| {
            sqlx::query_as(sql)
                .bind(session.user_id.0)
                .fetch_one(pool)
                .await
        })
        .map_err(map)?;
        Ok(Some((session, StaffUser::try_from(&user)?)))
    }

    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query("UPDATE staff_session SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(ms(now))
                .bind(token_hash)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }

    async fn delete_session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let deleted = sqlx::query("DELETE FROM staff_session WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut *tx)
                .await
                .map_err(map)?
                .rows_affected();
            if let (Some(entry), 1..) = (audit, deleted) {
                append_audit!(tx, entry, now, head_sql);
            }
            tx.commit().await.map_err(map)
        })
    }

    async fn delete_expired_sessions(
        &self,
        now: OffsetDateTime,
        idle_since: OffsetDateTime,
    ) -> StoreResult<u64> {
        let done = with_pool!(self, write, |pool| {
            sqlx::query("DELETE FROM staff_session WHERE expires_at <= $1 OR last_seen_at <= $2")
                .bind(ms(now))
                .bind(ms(idle_since))
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(done)
    }

    async fn session_count(&self, user: UserId) -> StoreResult<u64> {
        let n: i64 = with_pool!(self, read, |pool| {
            sqlx::query_scalar("SELECT COUNT(*) FROM staff_session WHERE user_id = $1")
                .bind(user.0)
                .fetch_one(pool)
                .await
        })
        .map_err(map)?;
        Ok(n.unsigned_abs())
    }
}
