//! Durable background jobs: e-mails now, LINE messages and webhooks later.
//!
//! A job is written in the same transaction as the change that causes it (a submission, a
//! status change), so it is never lost and never sent for a change that rolled back. Workers
//! claim one due job at a time with a lease; a crashed worker's lease runs out and the job is
//! claimed again. Failures are retried with exponential backoff up to `max_attempts`; each job
//! has an idempotency key so that enqueueing twice does nothing.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::Yui;
use crate::error::CoreError;
use crate::model::TenantId;

/// A job's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct JobId(pub i64);

/// What kind of work a job is; decides which handler runs it.
pub const KIND_EMAIL: &str = "email";

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub tenant_id: Option<TenantId>,
    pub kind: &'static str,
    pub payload: serde_json::Value,
    /// Enqueueing a second job with the same key does nothing.
    pub idempotency_key: String,
    pub max_attempts: u32,
}

/// A claimed job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub tenant_id: Option<TenantId>,
    pub kind: String,
    pub payload: serde_json::Value,
    pub idempotency_key: String,
    /// Attempts so far, including the current one.
    pub attempts: u32,
    pub max_attempts: u32,
}

/// Jobs by state, for `/metrics` and for tests that check the queue drained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub pending: u64,
    pub running: u64,
    pub done: u64,
    pub failed: u64,
}

/// An e-mail, fully composed when enqueued so that later template edits do not change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub to: String,
    pub subject: String,
    pub body_text: String,
    /// Stable per job, so a re-sent message can be recognised as the same one.
    pub message_id: String,
}

/// Why running a job failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Worth retrying later (network, temporary SMTP refusal, service not configured yet).
    #[error("temporary failure: {0}")]
    Retry(String),
    /// Retrying will not help (bad address, payload that does not parse).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Runs jobs of the kinds it knows.
#[async_trait]
pub trait JobHandler: Send + Sync {
    async fn handle(&self, job: &Job) -> Result<(), JobError>;
}

/// What happened to the job a worker ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done(JobId),
    WillRetry { id: JobId, at: OffsetDateTime },
    Failed(JobId),
}

/// How long a worker may hold a job before another may claim it.
pub const LEASE: Duration = Duration::minutes(5);

/// The delay before retry number `attempt` (1-based): 30 s, 1 min, 2 min … capped at 1 hour.
pub fn backoff(attempt: u32) -> Duration {
    let exp = attempt.saturating_sub(1).min(7);
    (Duration::seconds(30) * (1u32 << exp)).min(Duration::hours(1))
}

impl Yui {
    /// Claims and runs one due job, if there is one.
    pub async fn run_next_job(
        &self,
        handler: &dyn JobHandler,
    ) -> Result<Option<JobOutcome>, CoreError> {
        let now = self.clock().now();
        let Some(job) = self.store().claim_job(now, LEASE).await? else {
            return Ok(None);
        };
        // A job whose worker keeps dying (its lease ran out every time) is not tried forever.
        let result = if job.attempts > job.max_attempts {
            Err(JobError::Permanent(
                "gave up: no worker finished this job".into(),
            ))
        } else {
            handler.handle(&job).await
        };
        let now = self.clock().now();
        let outcome = match result {
            Ok(()) => {
                self.store().complete_job(job.id, now).await?;
                JobOutcome::Done(job.id)
            }
            Err(JobError::Retry(reason)) if job.attempts < job.max_attempts => {
                let at = now + backoff(job.attempts);
                self.store()
                    .fail_job(job.id, now, &reason, Some(at))
                    .await?;
                tracing::warn!(job.id = job.id.0, job.kind = %job.kind, attempt = job.attempts, error = %reason, "job failed; will retry");
                JobOutcome::WillRetry { id: job.id, at }
            }
            Err(e) => {
                self.store()
                    .fail_job(job.id, now, &e.to_string(), None)
                    .await?;
                tracing::error!(job.id = job.id.0, job.kind = %job.kind, attempt = job.attempts, error = %e, "job failed for good");
                JobOutcome::Failed(job.id)
            }
        };
        Ok(Some(outcome))
    }

    /// Enqueues jobs on their own (most jobs are enqueued by the use case whose change causes
    /// them, in the same transaction). Returns how many were new.
    pub async fn enqueue_jobs(&self, jobs: &[NewJob]) -> Result<u64, CoreError> {
        Ok(self.store().enqueue_jobs(jobs, self.clock().now()).await?)
    }

    pub async fn job_counts(&self) -> Result<JobCounts, CoreError> {
        Ok(self.store().job_counts().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_and_stops_at_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::minutes(1));
        assert_eq!(backoff(3), Duration::minutes(2));
        assert_eq!(backoff(8), Duration::hours(1));
        assert_eq!(backoff(30), Duration::hours(1));
    }
}
