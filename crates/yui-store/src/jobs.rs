//! The job queue. PostgreSQL claims with `FOR UPDATE SKIP LOCKED` so that workers on several
//! nodes never take the same job; SQLite serialises writers, so a plain update is enough.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::jobs::{Job, JobCounts, JobId, NewJob};
use yui_core::model::TenantId;
use yui_core::ports::{JobStore, StoreError, StoreResult};

use crate::error::map;
use crate::rows::ms;
use crate::{Db, SqlStore, with_pool};

/// Inserts jobs inside a transaction `$tx` (on either backend), skipping known idempotency
/// keys; evaluates to the number inserted. Use cases that cause jobs call this inside their
/// own transaction.
macro_rules! insert_jobs {
    ($tx:expr, $jobs:expr, $now:expr) => {{
        let mut inserted: u64 = 0;
        for job in $jobs {
            let done = sqlx::query(
                "INSERT INTO job (tenant_id, kind, payload, idempotency_key, status, attempts, \
                 max_attempts, run_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $6, $6) \
                 ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(job.tenant_id.map(|t| t.0))
            .bind(job.kind)
            .bind(job.payload.to_string())
            .bind(&job.idempotency_key)
            .bind(i64::from(job.max_attempts))
            .bind($crate::rows::ms($now))
            .execute(&mut *$tx)
            .await
            .map_err($crate::error::map)?;
            inserted += done.rows_affected();
        }
        inserted
    }};
}
pub(crate) use insert_jobs;

#[derive(sqlx::FromRow)]
struct JobRow {
    job_id: i64,
    tenant_id: Option<i64>,
    kind: String,
    payload: String,
    idempotency_key: String,
    attempts: i32,
    max_attempts: i32,
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Self, StoreError> {
        Ok(Job {
            id: JobId(r.job_id),
            tenant_id: r.tenant_id.map(TenantId),
            kind: r.kind,
            payload: serde_json::from_str(&r.payload).map_err(|e| {
                StoreError::Internal(format!("stored job payload does not parse: {e}"))
            })?,
            idempotency_key: r.idempotency_key,
            attempts: r.attempts.unsigned_abs(),
            max_attempts: r.max_attempts.unsigned_abs(),
        })
    }
}

const CLAIM_SQLITE: &str = "UPDATE job SET status = 'running', attempts = attempts + 1, \
     locked_until = $2, updated_at = $1 \
     WHERE job_id = (SELECT job_id FROM job \
        WHERE (status = 'pending' AND run_at <= $1) OR (status = 'running' AND locked_until < $1) \
        ORDER BY run_at, job_id LIMIT 1) \
     RETURNING job_id, tenant_id, kind, payload, idempotency_key, attempts, max_attempts";

const CLAIM_POSTGRES: &str = "UPDATE job SET status = 'running', attempts = attempts + 1, \
     locked_until = $2, updated_at = $1 \
     WHERE job_id = (SELECT job_id FROM job \
        WHERE (status = 'pending' AND run_at <= $1) OR (status = 'running' AND locked_until < $1) \
        ORDER BY run_at, job_id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     RETURNING job_id, tenant_id, kind, payload, idempotency_key, attempts, max_attempts";

#[async_trait]
impl JobStore for SqlStore {
    async fn enqueue_jobs(&self, jobs: &[NewJob], now: OffsetDateTime) -> StoreResult<u64> {
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let n = insert_jobs!(tx, jobs, now);
            tx.commit().await.map_err(map)?;
            Ok(n)
        })
    }

    async fn claim_job(
        &self,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> StoreResult<Option<Job>> {
        let sql = match self.db {
            Db::Sqlite { .. } => CLAIM_SQLITE,
            Db::Postgres(_) => CLAIM_POSTGRES,
        };
        let row: Option<JobRow> = with_pool!(self, write, |pool| {
            sqlx::query_as(sql)
                .bind(ms(now))
                .bind(ms(now + lease))
                .fetch_optional(pool)
                .await
        })
        .map_err(map)?;
        row.map(Job::try_from).transpose()
    }

    async fn complete_job(&self, id: JobId, now: OffsetDateTime) -> StoreResult<()> {
        with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE job SET status = 'done', locked_until = NULL, last_error = NULL, \
                 updated_at = $1 WHERE job_id = $2",
            )
            .bind(ms(now))
            .bind(id.0)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }

    async fn fail_job(
        &self,
        id: JobId,
        now: OffsetDateTime,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> StoreResult<()> {
        let (status, run_at) = match retry_at {
            Some(at) => ("pending", ms(at)),
            None => ("failed", ms(now)),
        };
        let error: String = error.chars().take(2000).collect();
        with_pool!(self, write, |pool| {
            sqlx::query(
                "UPDATE job SET status = $1, run_at = $2, locked_until = NULL, last_error = $3, \
                 updated_at = $4 WHERE job_id = $5",
            )
            .bind(status)
            .bind(run_at)
            .bind(&error)
            .bind(ms(now))
            .bind(id.0)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })
        .map_err(map)?;
        Ok(())
    }

    async fn job_counts(&self) -> StoreResult<JobCounts> {
        let rows: Vec<(String, i64)> = with_pool!(self, read, |pool| {
            sqlx::query_as("SELECT status, COUNT(*) FROM job GROUP BY status")
                .fetch_all(pool)
                .await
        })
        .map_err(map)?;
        let mut counts = JobCounts::default();
        for (status, n) in rows {
            let n = n.unsigned_abs();
            match status.as_str() {
                "pending" => counts.pending = n,
                "running" => counts.running = n,
                "done" => counts.done = n,
                "failed" => counts.failed = n,
                _ => {}
            }
        }
        Ok(counts)
    }
}
