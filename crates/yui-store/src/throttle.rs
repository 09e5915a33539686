//! Counters of failed sign-ins per key (an account or a client address) in fixed windows.
//! Kept in the database, not in memory, so limits hold across restarts and across nodes.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::ports::{StoreResult, ThrottleStore};

use crate::error::map;
use crate::rows::{from_ms, ms};
use crate::{SqlStore, with_pool};

#[async_trait]
impl ThrottleStore for SqlStore {
    async fn record_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        window_start: OffsetDateTime,
    ) -> StoreResult<u32> {
        let failures: i32 = with_pool!(self, write, |pool| {
            sqlx::query_scalar(
                "INSERT INTO login_throttle (throttle_key, failures, window_started_at) \
                 VALUES ($1, 1, $2) \
                 ON CONFLICT (throttle_key) DO UPDATE SET \
                   failures = CASE WHEN login_throttle.window_started_at < $3 THEN 1 \
                                   ELSE login_throttle.failures + 1 END, \
                   window_started_at = CASE WHEN login_throttle.window_started_at < $3 THEN $2 \
                                   ELSE login_throttle.window_started_at END \
                 RETURNING failures",
            )
            .bind(key)
            .bind(ms(now))
            .bind(ms(window_start))
            .fetch_one(pool)
            .await
        })
        .map_err(map)?;
        Ok(failures.unsigned_abs())
    }

    async fn failures(
        &self,
        key: &str,
        window_start: OffsetDateTime,
    ) -> StoreResult<Option<(u32, OffsetDateTime)>> {
        let row: Option<(i32, i64)> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT failures, window_started_at FROM login_throttle \
                 WHERE throttle_key = $1 AND window_started_at >= $2",
            )
            .bind(key)
            .bind(ms(window_start))
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        row.map(|(n, started)| Ok((n.unsigned_abs(), from_ms(started)?)))
            .transpose()
    }

    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
                .bind(key)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }
}
