//! Submissions, written by group commit.
//!
//! One fsync per submission would cap SQLite near 2,000 submissions a second on ordinary
//! disks. Instead, every submission waiting when a batch starts is written in one
//! transaction, each under its own savepoint (a failing one is rolled back alone), and the
//! transaction commits once. Each caller gets its receipt only after that commit returned,
//! so no receipt is ever shown for data that is not durable. With nothing else waiting, a
//! batch is one submission and costs what a plain transaction costs.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use tokio::sync::{Mutex, mpsc, oneshot};
use yui_core::clock::JST;
use yui_core::model::{TenantId, UserId};
use yui_core::ports::{StoreError, StoreResult, SubmissionStore};
use yui_core::records::{
    AppId, AppVersionId, NewSubmission, SubmissionFile, SubmissionId, SubmissionReceipt,
    SubmissionRecord, receipt_number,
};

use crate::error::map;
use crate::rows::{from_ms, ms};
use crate::{Db, SqlStore, with_pool};

/// In a job's payload or idempotency key, or in the audit entry's subject, these are replaced
/// by the receipt number and the submission id once they are known.
pub use yui_core::records::{RECEIPT_PLACEHOLDER, SUBMISSION_PLACEHOLDER};

/// The most submissions written in one transaction.
const MAX_BATCH: usize = 256;

struct Request {
    new: NewSubmission,
    now: OffsetDateTime,
    reply: oneshot::Sender<StoreResult<SubmissionReceipt>>,
}

type Queue = Arc<Mutex<mpsc::Receiver<Request>>>;

/// Hands submissions to the batch writers.
#[derive(Clone, Debug)]
pub(crate) struct Batcher {
    sender: mpsc::Sender<Request>,
}

impl Batcher {
    /// Starts `writers` batch writers over `db` (SQLite: one; it has a single writer anyway).
    pub(crate) fn start(db: &Db, writers: usize, head_sql: &'static str) -> Self {
        let (sender, receiver) = mpsc::channel::<Request>(MAX_BATCH * 8);
        let queue: Queue = Arc::new(Mutex::new(receiver));
        for _ in 0..writers.max(1) {
            match db {
                Db::Sqlite { writer, .. } => {
                    tokio::spawn(write_batches_sqlite(
                        writer.clone(),
                        queue.clone(),
                        head_sql,
                    ));
                }
                Db::Postgres(pool) => {
                    tokio::spawn(write_batches_postgres(
                        pool.clone(),
                        queue.clone(),
                        head_sql,
                    ));
                }
            }
        }
        Self { sender }
    }

    async fn submit(
        &self,
        new: NewSubmission,
        now: OffsetDateTime,
    ) -> StoreResult<SubmissionReceipt> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request { new, now, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the submission writer has stopped".into()))?;
        answer.await.map_err(|_| {
            StoreError::Unavailable("the submission writer stopped before answering".into())
        })?
    }
}

/// Takes the next batch: waits for one request, then everything already waiting.
async fn next_batch(queue: &Queue) -> Option<Vec<Request>> {
    let mut receiver = queue.lock().await;
    let first = receiver.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match receiver.try_recv() {
            Ok(r) => batch.push(r),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Inserts one submission inside `$tx`; evaluates to `Result<SubmissionReceipt, StoreError>`.
macro_rules! insert_one {
    ($tx:expr, $new:expr, $now:expr, $head_sql:expr) => {
        async {
            let new: &NewSubmission = $new;
            let now: OffsetDateTime = $now;
            let existing: Option<(i64, String, i64)> = sqlx::query_as(
                "SELECT submission_id, receipt_number, submitted_at FROM submission \
                 WHERE tenant_id = $1 AND idempotency_key = $2",
            )
            .bind(new.tenant_id.0)
            .bind(&new.idempotency_key)
            .fetch_optional(&mut *$tx)
            .await
            .map_err(map)?;
            if let Some((id, receipt_number, at)) = existing {
                return Ok(SubmissionReceipt {
                    id: SubmissionId(id),
                    receipt_number,
                    submitted_at: from_ms(at)?,
                    duplicate: true,
                });
            }
            let year = now.to_offset(JST).year();
            let seq: i64 = sqlx::query_scalar(
                "INSERT INTO receipt_counter (tenant_id, year, last_seq) VALUES ($1, $2, 1) \
                 ON CONFLICT (tenant_id, year) DO UPDATE SET last_seq = receipt_counter.last_seq + 1 \
                 RETURNING last_seq",
            )
            .bind(new.tenant_id.0)
            .bind(year)
            .fetch_one(&mut *$tx)
            .await
            .map_err(map)?;
            let receipt = receipt_number(year, seq);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO submission (tenant_id, app_id, app_version_id, receipt_number, \
                 idempotency_key, status, channel, answers, contact_email, person_key, search_text, \
                 revision, submitted_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING submission_id",
            )
            .bind(new.tenant_id.0)
            .bind(new.app_id.0)
            .bind(new.app_version_id.0)
            .bind(&receipt)
            .bind(&new.idempotency_key)
            .bind(&new.status)
            .bind(&new.channel)
            .bind(&new.answers)
            .bind(&new.contact_email)
            .bind(&new.person_key)
            .bind(&new.search_text)
            .bind(ms(now))
            .fetch_one(&mut *$tx)
            .await
            .map_err(map)?;
            for f in &new.files {
                sqlx::query(
                    "INSERT INTO submission_file (tenant_id, submission_id, field_path, blob_key, name, \
                     content_type, size, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(new.tenant_id.0)
                .bind(id)
                .bind(&f.field_path)
                .bind(&f.blob_key)
                .bind(&f.name)
                .bind(&f.content_type)
                .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
                .bind(&f.sha256)
                .execute(&mut *$tx)
                .await
                .map_err(map)?;
            }
            let fill = |s: &str| s.replace(RECEIPT_PLACEHOLDER, &receipt).replace(SUBMISSION_PLACEHOLDER, &id.to_string());
            let jobs: Vec<yui_core::jobs::NewJob> = new
                .jobs
                .iter()
                .map(|j| {
                    let payload = serde_json::from_str(&fill(&j.payload.to_string())).unwrap_or_else(|_| j.payload.clone());
                    yui_core::jobs::NewJob { payload, idempotency_key: fill(&j.idempotency_key), ..j.clone() }
                })
                .collect();
            let values: &[yui_core::review::IndexedValue] = &new.values;
            crate::review::insert_values!($tx, new.tenant_id.0, new.app_id.0, id, values);
            crate::review::count_status!($tx, new.tenant_id.0, new.app_id.0, &new.status, 1);
            crate::jobs::insert_jobs!($tx, &jobs, now);
            let mut audit = new.audit.clone();
            audit.subject_id = audit.subject_id.map(|s| fill(&s));
            audit.detail = fill(&audit.detail);
            crate::audit::append_audit!($tx, &audit, now, $head_sql);
            if let Some(token_hash) = &new.draft_token_hash {
                sqlx::query("UPDATE draft SET submitted = TRUE, updated_at = $1 WHERE token_hash = $2")
                    .bind(ms(now))
                    .bind(token_hash)
                    .execute(&mut *$tx)
                    .await
                    .map_err(map)?;
            }
            Ok::<_, StoreError>(SubmissionReceipt {
                id: SubmissionId(id),
                receipt_number: receipt,
                submitted_at: from_ms(ms(now))?,
                duplicate: false,
            })
        }
    };
}

/// Writes batches on one backend's pool until the queue closes.
macro_rules! batch_writer {
    ($name:ident, $pool:ty) => {
        async fn $name(pool: $pool, queue: Queue, head_sql: &'static str) {
            while let Some(batch) = next_batch(&queue).await {
                let size = batch.len();
                let outcome: Result<Vec<StoreResult<SubmissionReceipt>>, StoreError> = async {
                    let mut tx = pool.begin().await.map_err(map)?;
                    let mut results = Vec::with_capacity(size);
                    for request in &batch {
                        sqlx::query("SAVEPOINT one_submission").execute(&mut *tx).await.map_err(map)?;
                        let result = insert_one!(tx, &request.new, request.now, head_sql).await;
                        let end = if result.is_ok() {
                            "RELEASE SAVEPOINT one_submission"
                        } else {
                            "ROLLBACK TO SAVEPOINT one_submission"
                        };
                        sqlx::query(end).execute(&mut *tx).await.map_err(map)?;
                        results.push(result);
                    }
                    tx.commit().await.map_err(map)?;
                    Ok(results)
                }
                .await;
                metrics::histogram!("yui_submission_batch_size").record(size as f64);
                match outcome {
                    Ok(results) => {
                        for (request, result) in batch.into_iter().zip(results) {
                            let _ = request.reply.send(result);
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, batch = size, "a submission batch failed to commit; no receipts were issued");
                        for request in batch {
                            let _ = request.reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        }
    };
}

batch_writer!(write_batches_sqlite, sqlx::SqlitePool);
batch_writer!(write_batches_postgres, sqlx::PgPool);

macro_rules! submission_columns {
    () => {
        "submission_id, tenant_id, app_id, app_version_id, receipt_number, status, channel, answers, \
         contact_email, person_key, assignee_id, revision, submitted_at, updated_at"
    };
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    submission_id: i64,
    tenant_id: i64,
    app_id: i64,
    app_version_id: i64,
    receipt_number: String,
    status: String,
    channel: String,
    answers: String,
    contact_email: Option<String>,
    person_key: Option<String>,
    assignee_id: Option<i64>,
    revision: i32,
    submitted_at: i64,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    field_path: String,
    blob_key: String,
    name: String,
    content_type: String,
    size: i64,
    sha256: String,
}

impl SqlStore {
    async fn submission_where(
        &self,
        tenant: TenantId,
        sql: &'static str,
        key: SubmissionKey<'_>,
    ) -> StoreResult<Option<SubmissionRecord>> {
        let row: Option<SubmissionRow> = with_pool!(self, read, |pool| {
            let q = sqlx::query_as(sql).bind(tenant.0);
            match key {
                SubmissionKey::Id(id) => q.bind(id.0).fetch_optional(pool).await,
                SubmissionKey::Text(r) => q.bind(r).fetch_optional(pool).await,
            }
        })
        .map_err(map)?;
        let Some(r) = row else { return Ok(None) };
        let files: Vec<FileRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT field_path, blob_key, name, content_type, size, sha256 FROM submission_file \
                 WHERE tenant_id = $1 AND submission_id = $2 ORDER BY file_id",
            )
            .bind(tenant.0)
            .bind(r.submission_id)
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        Ok(Some(SubmissionRecord {
            id: SubmissionId(r.submission_id),
            tenant_id: TenantId(r.tenant_id),
            app_id: AppId(r.app_id),
            app_version_id: AppVersionId(r.app_version_id),
            receipt_number: r.receipt_number,
            status: r.status,
            channel: r.channel,
            answers: r.answers,
            contact_email: r.contact_email,
            person_key: r.person_key,
            assignee_id: r.assignee_id.map(UserId),
            revision: r.revision.unsigned_abs(),
            submitted_at: from_ms(r.submitted_at)?,
            updated_at: from_ms(r.updated_at)?,
            files: files
                .into_iter()
                .map(|f| SubmissionFile {
                    field_path: f.field_path,
                    blob_key: f.blob_key,
                    name: f.name,
                    content_type: f.content_type,
                    size: f.size.unsigned_abs(),
                    sha256: f.sha256,
                })
                .collect(),
        }))
    }
}

#[derive(Clone, Copy)]
enum SubmissionKey<'a> {
    Id(SubmissionId),
    Text(&'a str),
}

#[async_trait]
impl SubmissionStore for SqlStore {
    async fn insert_submission(
        &self,
        new: NewSubmission,
        now: OffsetDateTime,
    ) -> StoreResult<SubmissionReceipt> {
        self.batcher.submit(new, now).await
    }

    async fn submission(
        &self,
        tenant: TenantId,
        id: SubmissionId,
    ) -> StoreResult<Option<SubmissionRecord>> {
        self.submission_where(
            tenant,
            concat!(
                "SELECT ",
                submission_columns!(),
                " FROM submission WHERE tenant_id = $1 AND submission_id = $2"
            ),
            SubmissionKey::Id(id),
        )
        .await
    }

    async fn submission_by_receipt(
        &self,
        tenant: TenantId,
        receipt: &str,
    ) -> StoreResult<Option<SubmissionRecord>> {
        self.submission_where(
            tenant,
            concat!(
                "SELECT ",
                submission_columns!(),
                " FROM submission WHERE tenant_id = $1 AND receipt_number = $2"
            ),
            SubmissionKey::Text(receipt),
        )
        .await
    }

    async fn submission_by_idempotency_key(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> StoreResult<Option<SubmissionRecord>> {
        self.submission_where(
            tenant,
            concat!(
                "SELECT ",
                submission_columns!(),
                " FROM submission WHERE tenant_id = $1 AND idempotency_key = $2"
            ),
            SubmissionKey::Text(key),
        )
        .await
    }

    async fn submission_count(&self, tenant: TenantId, app: AppId) -> StoreResult<u64> {
        let n: i64 = with_pool!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM submission WHERE tenant_id = $1 AND app_id = $2",
            )
            .bind(tenant.0)
            .bind(app.0)
            .fetch_one(pool)
            .await
        })
        .map_err(map)?;
        Ok(n.unsigned_abs())
    }

    async fn submission_answers(
        &self,
        tenant: TenantId,
        app: AppId,
        after: Option<SubmissionId>,
        limit: u32,
    ) -> StoreResult<Vec<(SubmissionId, String)>> {
        let rows: Vec<(i64, String)> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT submission_id, answers FROM submission WHERE tenant_id = $1 AND app_id = $2 \
                 AND submission_id > $3 ORDER BY submission_id LIMIT $4",
            )
            .bind(tenant.0)
            .bind(app.0)
            .bind(after.map_or(0, |s| s.0))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        Ok(rows
            .into_iter()
            .map(|(id, a)| (SubmissionId(id), a))
            .collect())
    }
}
