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
use crate::sql::{Arg, Builder, bind_all};
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

/// Rows per multi-row statement (well under both backends' parameter limits).
const ROWS_PER_STATEMENT: usize = 200;

/// Writes a whole batch inside `$tx` with one statement per table (and per town for the
/// audit chain), so the cost per submission stays small however many arrive together.
/// Evaluates to `Result<Vec<StoreResult<SubmissionReceipt>>, StoreError>`; any error fails the
/// whole attempt (the caller then retries submission by submission to isolate the culprit).
macro_rules! write_batch_together {
    ($tx:expr, $batch:expr, $head_sql:expr) => {
        async {
            use std::collections::{BTreeMap, HashMap};
            let batch: &[Request] = $batch;
            let mut results: Vec<Option<SubmissionReceipt>> = vec![None; batch.len()];

            // 1. Keys already stored (retries, double clicks in earlier batches).
            let mut by_tenant: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
            for (i, r) in batch.iter().enumerate() {
                by_tenant.entry(r.new.tenant_id.0).or_default().push(i);
            }
            let mut stored: HashMap<(i64, String), SubmissionReceipt> = HashMap::new();
            for (tenant, idxs) in &by_tenant {
                for chunk in idxs.chunks(ROWS_PER_STATEMENT) {
                    let mut b = Builder::new("SELECT idempotency_key, submission_id, receipt_number, submitted_at FROM submission WHERE tenant_id = ");
                    b.push("?", [Arg::Int(*tenant)]);
                    b.push(
                        &format!(" AND idempotency_key IN ({})", Builder::placeholders(chunk.len())),
                        chunk.iter().map(|&i| Arg::Text(batch[i].new.idempotency_key.clone())),
                    );
                    let rows: Vec<(String, i64, String, i64)> =
                        bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(b.sql.clone())), &b.args)
                            .fetch_all(&mut *$tx)
                            .await
                            .map_err(map)?;
                    for (key, id, receipt_number, at) in rows {
                        stored.insert(
                            (*tenant, key),
                            SubmissionReceipt { id: SubmissionId(id), receipt_number, submitted_at: from_ms(at)?, duplicate: true },
                        );
                    }
                }
            }
            // 2. New submissions: the first of each key; later ones in the batch repeat it.
            let mut first: HashMap<(i64, &str), usize> = HashMap::new();
            let mut fresh: Vec<usize> = Vec::new();
            let mut repeats: Vec<(usize, usize)> = Vec::new();
            for (i, r) in batch.iter().enumerate() {
                let key = (r.new.tenant_id.0, r.new.idempotency_key.as_str());
                if let Some(existing) = stored.get(&(key.0, key.1.to_owned())) {
                    results[i] = Some(existing.clone());
                } else if let Some(&j) = first.get(&key) {
                    repeats.push((i, j));
                } else {
                    first.insert(key, i);
                    fresh.push(i);
                }
            }
            // 3. Receipt numbers, a block per town and Japanese year.
            let mut groups: BTreeMap<(i64, i32), Vec<usize>> = BTreeMap::new();
            for &i in &fresh {
                let year = batch[i].now.to_offset(JST).year();
                groups.entry((batch[i].new.tenant_id.0, year)).or_default().push(i);
            }
            let mut receipts: HashMap<usize, String> = HashMap::new();
            for ((tenant, year), idxs) in &groups {
                let count = i64::try_from(idxs.len()).unwrap_or(i64::MAX);
                let last: i64 = sqlx::query_scalar(
                    "INSERT INTO receipt_counter (tenant_id, year, last_seq) VALUES ($1, $2, $3) \
                     ON CONFLICT (tenant_id, year) DO UPDATE SET last_seq = receipt_counter.last_seq + $3 \
                     RETURNING last_seq",
                )
                .bind(*tenant)
                .bind(*year)
                .bind(count)
                .fetch_one(&mut *$tx)
                .await
                .map_err(map)?;
                for (k, &i) in idxs.iter().enumerate() {
                    let seq = last - count + 1 + i64::try_from(k).unwrap_or(0);
                    receipts.insert(i, receipt_number(*year, seq));
                }
            }
            // 4. The submissions, mapped back to their ids by receipt number.
            let mut ids: HashMap<usize, i64> = HashMap::new();
            for chunk in fresh.chunks(ROWS_PER_STATEMENT) {
                let mut b = Builder::new(
                    "INSERT INTO submission (tenant_id, app_id, app_version_id, receipt_number, idempotency_key, \
                     status, channel, answers, contact_email, person_key, search_text, revision, submitted_at, \
                     updated_at) VALUES ",
                );
                for (k, &i) in chunk.iter().enumerate() {
                    let n = &batch[i].new;
                    let at = ms(batch[i].now);
                    b.push(if k == 0 { "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)" } else { ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)" }, [
                        Arg::Int(n.tenant_id.0),
                        Arg::Int(n.app_id.0),
                        Arg::Int(n.app_version_id.0),
                        Arg::Text(receipts[&i].clone()),
                        Arg::Text(n.idempotency_key.clone()),
                        Arg::Text(n.status.clone()),
                        Arg::Text(n.channel.clone()),
                        Arg::Text(n.answers.clone()),
                        Arg::OptText(n.contact_email.clone()),
                        Arg::OptText(n.person_key.clone()),
                        Arg::Text(n.search_text.clone()),
                        Arg::Int(at),
                        Arg::Int(at),
                    ]);
                }
                b.push(" RETURNING submission_id, tenant_id, receipt_number", []);
                let rows: Vec<(i64, i64, String)> = bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(b.sql.clone())), &b.args)
                    .fetch_all(&mut *$tx)
                    .await
                    .map_err(map)?;
                let by_receipt: HashMap<(i64, String), i64> = rows.into_iter().map(|(id, t, r)| ((t, r), id)).collect();
                for &i in chunk {
                    let key = (batch[i].new.tenant_id.0, receipts[&i].clone());
                    let id = *by_receipt
                        .get(&key)
                        .ok_or_else(|| StoreError::Internal("a submission row was not returned".into()))?;
                    ids.insert(i, id);
                }
            }
            // 5. Files, filterable values, status counts, jobs and drafts.
            let mut file_rows = Builder::new(
                "INSERT INTO submission_file (tenant_id, submission_id, field_path, blob_key, name, content_type, size, sha256) VALUES ",
            );
            let mut value_rows = Builder::new(
                "INSERT INTO submission_value (submission_id, tenant_id, app_id, field, text_value, num_value) VALUES ",
            );
            let mut job_rows = Builder::new(
                "INSERT INTO job (tenant_id, kind, payload, idempotency_key, status, attempts, max_attempts, run_at, created_at, updated_at) VALUES ",
            );
            let (mut files, mut values, mut jobs) = (0usize, 0usize, 0usize);
            let mut counts: BTreeMap<(i64, i64, String), i64> = BTreeMap::new();
            let mut drafts: Vec<String> = Vec::new();
            let mut audits: BTreeMap<i64, Vec<(usize, yui_core::audit::AuditEntry)>> = BTreeMap::new();
            for &i in &fresh {
                let n = &batch[i].new;
                let id = ids[&i];
                let receipt = &receipts[&i];
                let fill = |s: &str| s.replace(RECEIPT_PLACEHOLDER, receipt).replace(SUBMISSION_PLACEHOLDER, &id.to_string());
                for f in &n.files {
                    file_rows.push(if files == 0 { "(?, ?, ?, ?, ?, ?, ?, ?)" } else { ", (?, ?, ?, ?, ?, ?, ?, ?)" }, [
                        Arg::Int(n.tenant_id.0),
                        Arg::Int(id),
                        Arg::Text(f.field_path.clone()),
                        Arg::Text(f.blob_key.clone()),
                        Arg::Text(f.name.clone()),
                        Arg::Text(f.content_type.clone()),
                        Arg::Int(i64::try_from(f.size).unwrap_or(i64::MAX)),
                        Arg::Text(f.sha256.clone()),
                    ]);
                    files += 1;
                }
                for v in &n.values {
                    value_rows.push(if values == 0 { "(?, ?, ?, ?, ?, ?)" } else { ", (?, ?, ?, ?, ?, ?)" }, [
                        Arg::Int(id),
                        Arg::Int(n.tenant_id.0),
                        Arg::Int(n.app_id.0),
                        Arg::Text(v.field.clone()),
                        Arg::OptText(v.text.clone()),
                        Arg::OptFloat(v.num),
                    ]);
                    values += 1;
                }
                *counts.entry((n.tenant_id.0, n.app_id.0, n.status.clone())).or_default() += 1;
                for j in &n.jobs {
                    let at = ms(batch[i].now);
                    job_rows.push(if jobs == 0 { "(?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)" } else { ", (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)" }, [
                        Arg::OptInt(j.tenant_id.map(|t| t.0)),
                        Arg::Text(j.kind.to_owned()),
                        Arg::Text(fill(&j.payload.to_string())),
                        Arg::Text(fill(&j.idempotency_key)),
                        Arg::Int(i64::from(j.max_attempts)),
                        Arg::Int(at),
                        Arg::Int(at),
                        Arg::Int(at),
                    ]);
                    jobs += 1;
                }
                let mut audit = n.audit.clone();
                audit.subject_id = audit.subject_id.map(|s| fill(&s));
                audit.detail = fill(&audit.detail);
                audits.entry(audit.chain_key()).or_default().push((i, audit));
                if let Some(h) = &n.draft_token_hash {
                    drafts.push(h.clone());
                }
            }
            for (rows, count) in [(file_rows, files), (value_rows, values)] {
                if count > 0 {
                    bind_all!(sqlx::query(sqlx::AssertSqlSafe(rows.sql.clone())), &rows.args)
                        .execute(&mut *$tx)
                        .await
                        .map_err(map)?;
                }
            }
            if jobs > 0 {
                let mut rows = job_rows;
                rows.push(" ON CONFLICT (idempotency_key) DO NOTHING", []);
                bind_all!(sqlx::query(sqlx::AssertSqlSafe(rows.sql.clone())), &rows.args)
                    .execute(&mut *$tx)
                    .await
                    .map_err(map)?;
            }
            for ((tenant, app, status), delta) in &counts {
                crate::review::count_status!($tx, *tenant, *app, status, *delta);
            }
            if !drafts.is_empty() {
                let mut b = Builder::new("UPDATE draft SET submitted = TRUE WHERE token_hash IN (");
                b.push(&Builder::placeholders(drafts.len()), drafts.iter().map(|d| Arg::Text(d.clone())));
                b.push(")", []);
                bind_all!(sqlx::query(sqlx::AssertSqlSafe(b.sql.clone())), &b.args)
                    .execute(&mut *$tx)
                    .await
                    .map_err(map)?;
            }
            // 6. The audit trail: each town's chain head read (and locked) once.
            for (key, entries) in &audits {
                sqlx::query(
                    "INSERT INTO audit_chain (chain_key, seq, head_hash) VALUES ($1, 0, $2) ON CONFLICT (chain_key) DO NOTHING",
                )
                .bind(*key)
                .bind(yui_core::audit::GENESIS_HASH)
                .execute(&mut *$tx)
                .await
                .map_err(map)?;
                let (mut seq, mut prev): (i64, String) =
                    sqlx::query_as($head_sql).bind(*key).fetch_one(&mut *$tx).await.map_err(map)?;
                for chunk in entries.chunks(ROWS_PER_STATEMENT) {
                    let mut b = Builder::new(
                        "INSERT INTO audit_event (chain_key, seq, tenant_id, at, actor_kind, actor_id, actor_label, action, \
                         subject_kind, subject_id, person_key, client_addr, detail, prev_hash, hash) VALUES ",
                    );
                    for (k, (i, e)) in chunk.iter().enumerate() {
                        seq += 1;
                        let at = ms(batch[*i].now);
                        let hash = yui_core::audit::event_hash(&prev, seq, at, e);
                        b.push(if k == 0 { "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" } else { ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" }, [
                            Arg::Int(*key),
                            Arg::Int(seq),
                            Arg::OptInt(e.tenant_id.map(|t| t.0)),
                            Arg::Int(at),
                            Arg::Text(e.actor_kind.as_str().to_owned()),
                            Arg::OptInt(e.actor_id),
                            Arg::Text(e.actor_label.clone()),
                            Arg::Text(e.action.clone()),
                            Arg::OptText(e.subject_kind.clone()),
                            Arg::OptText(e.subject_id.clone()),
                            Arg::OptText(e.person_key.clone()),
                            Arg::OptText(e.client_addr.clone()),
                            Arg::Text(e.detail.clone()),
                            Arg::Text(prev.clone()),
                            Arg::Text(hash.clone()),
                        ]);
                        prev = hash;
                    }
                    bind_all!(sqlx::query(sqlx::AssertSqlSafe(b.sql.clone())), &b.args)
                        .execute(&mut *$tx)
                        .await
                        .map_err(map)?;
                }
                sqlx::query("UPDATE audit_chain SET seq = $1, head_hash = $2 WHERE chain_key = $3")
                    .bind(seq)
                    .bind(&prev)
                    .bind(*key)
                    .execute(&mut *$tx)
                    .await
                    .map_err(map)?;
            }
            for &i in &fresh {
                results[i] = Some(SubmissionReceipt {
                    id: SubmissionId(ids[&i]),
                    receipt_number: receipts[&i].clone(),
                    submitted_at: from_ms(ms(batch[i].now))?,
                    duplicate: false,
                });
            }
            for (i, j) in repeats {
                results[i] = results[j].clone().map(|r| SubmissionReceipt { duplicate: true, ..r });
            }
            Ok::<_, StoreError>(
                results
                    .into_iter()
                    .map(|r| r.ok_or_else(|| StoreError::Internal("a submission of the batch got no result".into())))
                    .collect::<Vec<_>>(),
            )
        }
    };
}

/// Writes batches on one backend's pool until the queue closes.
macro_rules! batch_writer {
    ($name:ident, $pool:ty) => {
        async fn $name(pool: $pool, queue: Queue, head_sql: &'static str) {
            while let Some(batch) = next_batch(&queue).await {
                let size = batch.len();
                // First the whole batch together; if anything in it fails, once more one by
                // one under savepoints, so that a single bad submission fails alone.
                let together: Result<Vec<StoreResult<SubmissionReceipt>>, StoreError> = async {
                    let mut tx = pool.begin().await.map_err(map)?;
                    let results = write_batch_together!(tx, &batch, head_sql).await?;
                    tx.commit().await.map_err(map)?;
                    Ok(results)
                }
                .await;
                let outcome = match together {
                    Ok(results) => Ok(results),
                    Err(StoreError::Unavailable(m)) => Err(StoreError::Unavailable(m)),
                    Err(_) => async {
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
                    .await,
                };
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
