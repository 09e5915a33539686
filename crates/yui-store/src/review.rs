//! Processing submissions: the inbox (filters, text search, keyset pages), status counters,
//! status changes and assignments with their timeline events, and residents' corrections.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::audit::ActorKind;
use yui_core::model::{TenantId, UserId};
use yui_core::ports::{ReviewStore, StoreError, StoreResult};
use yui_core::records::{AppId, AppVersionId, SubmissionId};
use yui_core::review::{
    AssigneeFilter, Correction, EventKind, EventRecord, InboxOrder, InboxQuery, InboxRow,
    IndexedValue, NewEvent, RevisionRecord, SubmissionChange, ValueFilter,
};

use crate::error::map;
use crate::rows::{from_ms, ms};
use crate::sql::{Arg, Builder, bind_all};
use crate::{Db, SqlStore, with_pool};

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_contains(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The columns of [`InboxRowDb`] but the answers, in order, for SQLite's packed pages.
const PACKED_COLUMNS: &str = "submission_id, app_id, app_version_id, receipt_number, status, \
    submitted_at, assignee_id, revision";

/// Separates the answers of a packed page: a JSON text never holds a raw control character.
const RECORD_SEPARATOR: char = '\u{1e}';

/// One page of the inbox from SQLite, read as one row built inside SQLite: the short columns
/// as a JSON array of arrays, the answers (JSON texts) joined by [`RECORD_SEPARATOR`], so that
/// they are neither escaped nor unescaped on the way.
///
/// The SQLite driver hands each row from its own thread to the caller's, with a thread switch
/// and a copy of every value per row; for an export of a million rows that cost more than
/// everything else put together. One row per page costs one hand-over. Aggregates do not
/// promise an order, so the rows are put back in the page's order here. Should the answers
/// not split into one text per row (they always do for JSON), the page is read row by row.
async fn sqlite_page(
    reader: &sqlx::SqlitePool,
    b: &Builder,
    order: InboxOrder,
) -> StoreResult<Vec<InboxRowDb>> {
    let sql = format!(
        "SELECT json_group_array(json_array({PACKED_COLUMNS})), \
         group_concat(answers, char(30)) FROM ({}) AS page",
        b.sql
    );
    let (heads, answers): (String, Option<String>) =
        bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &b.args)
            .fetch_one(reader)
            .await
            .map_err(map)?;
    // Each head is a JSON array in the order of PACKED_COLUMNS, which is the order of
    // `InboxRowDb`'s fields; the answers come after.
    let heads: Vec<InboxRowDb> = serde_json::from_str(&heads)
        .map_err(|e| StoreError::Internal(format!("inbox page: {e}")))?;
    let answers = answers.unwrap_or_default();
    let texts: Vec<&str> = if heads.is_empty() {
        Vec::new()
    } else {
        answers.split(RECORD_SEPARATOR).collect()
    };
    if texts.len() != heads.len() {
        return bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(b.sql.clone())), &b.args)
            .fetch_all(reader)
            .await
            .map_err(map);
    }
    let mut rows: Vec<InboxRowDb> = heads
        .into_iter()
        .zip(texts)
        .map(|(head, answers)| InboxRowDb {
            answers: answers.to_owned(),
            ..head
        })
        .collect();
    rows.sort_unstable_by_key(|r| (r.submitted_at, r.submission_id));
    if order == InboxOrder::NewestFirst {
        rows.reverse();
    }
    Ok(rows)
}

/// An inbox row as stored. Read from a packed page, its fields come in the order of
/// PACKED_COLUMNS, without the answers.
#[derive(sqlx::FromRow, serde::Deserialize)]
struct InboxRowDb {
    submission_id: i64,
    app_id: i64,
    app_version_id: i64,
    receipt_number: String,
    status: String,
    submitted_at: i64,
    assignee_id: Option<i64>,
    revision: i32,
    #[serde(default)]
    answers: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: i64,
    kind: String,
    actor_kind: String,
    actor_id: Option<i64>,
    actor_label: String,
    from_status: Option<String>,
    to_status: Option<String>,
    assignee_id: Option<i64>,
    body: Option<String>,
}

/// Writes values for a submission inside `$tx`.
macro_rules! insert_values {
    ($tx:expr, $tenant:expr, $app:expr, $submission:expr, $values:expr) => {
        for v in $values {
            sqlx::query(
                "INSERT INTO submission_value (submission_id, tenant_id, app_id, field, text_value, \
                 num_value) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind($submission)
            .bind($tenant)
            .bind($app)
            .bind(&v.field)
            .bind(&v.text)
            .bind(v.num)
            .execute(&mut *$tx)
            .await
            .map_err(map)?;
        }
    };
}
pub(crate) use insert_values;

/// Adds `$delta` to a status counter inside `$tx`.
macro_rules! count_status {
    ($tx:expr, $tenant:expr, $app:expr, $status:expr, $delta:expr) => {
        sqlx::query(
            "INSERT INTO submission_status_count (tenant_id, app_id, status, n) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id, app_id, status) DO UPDATE SET n = submission_status_count.n + $4",
        )
        .bind($tenant)
        .bind($app)
        .bind($status)
        .bind($delta as i64)
        .execute(&mut *$tx)
        .await
        .map_err(map)?
    };
}
pub(crate) use count_status;

/// Writes a timeline event inside `$tx`.
macro_rules! insert_event {
    ($tx:expr, $tenant:expr, $submission:expr, $event:expr, $now:expr) => {{
        let e: &NewEvent = $event;
        sqlx::query(
            "INSERT INTO submission_event (tenant_id, submission_id, at, actor_kind, actor_id, \
             actor_label, kind, from_status, to_status, assignee_id, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind($tenant)
        .bind($submission)
        .bind(ms($now))
        .bind(e.actor_kind.as_str())
        .bind(e.actor_id)
        .bind(&e.actor_label)
        .bind(e.kind.as_str())
        .bind(&e.from_status)
        .bind(&e.to_status)
        .bind(e.assignee.map(|u| u.0))
        .bind(&e.body)
        .execute(&mut *$tx)
        .await
        .map_err(map)?
    }};
}

impl SqlStore {
    fn inbox_sql(&self, tenant: TenantId, q: &InboxQuery) -> Builder {
        // PACKED_COLUMNS and the answers.
        let mut b = Builder::new(
            "SELECT s.submission_id, s.app_id, s.app_version_id, s.receipt_number, s.status, \
             s.submitted_at, s.assignee_id, s.revision, s.answers FROM submission s WHERE s.tenant_id = ",
        );
        b.push("?", [Arg::Int(tenant.0)]);
        if !q.apps.is_empty() {
            b.push(
                &format!(" AND s.app_id IN ({})", Builder::placeholders(q.apps.len())),
                q.apps.iter().map(|a| Arg::Int(a.0)),
            );
        }
        if !q.statuses.is_empty() {
            b.push(
                &format!(
                    " AND s.status IN ({})",
                    Builder::placeholders(q.statuses.len())
                ),
                q.statuses.iter().map(|s| Arg::Text(s.clone())),
            );
        }
        match q.assignee {
            Some(AssigneeFilter::Unassigned) => b.push(" AND s.assignee_id IS NULL", []),
            Some(AssigneeFilter::User(u)) => b.push(" AND s.assignee_id = ?", [Arg::Int(u.0)]),
            None => {}
        }
        if let Some(t) = q.submitted_from {
            b.push(" AND s.submitted_at >= ?", [Arg::Int(ms(t))]);
        }
        if let Some(t) = q.submitted_until {
            b.push(" AND s.submitted_at < ?", [Arg::Int(ms(t))]);
        }
        for f in &q.values {
            let exists = " AND EXISTS (SELECT 1 FROM submission_value v WHERE v.submission_id = s.submission_id \
                          AND v.tenant_id = s.tenant_id AND v.app_id = s.app_id AND v.field = ?";
            match f {
                ValueFilter::OneOf { field, values } => {
                    let mut args = vec![Arg::Text(field.clone())];
                    args.extend(values.iter().map(|v| Arg::Text(v.clone())));
                    b.push(
                        &format!(
                            "{exists} AND v.text_value IN ({}))",
                            Builder::placeholders(values.len().max(1))
                        ),
                        args,
                    );
                    if values.is_empty() {
                        b.args.push(Arg::Text(String::new()));
                    }
                }
                ValueFilter::Range { field, min, max } => {
                    b.push(exists, [Arg::Text(field.clone())]);
                    if let Some(min) = min {
                        b.push(" AND v.num_value >= ?", [Arg::Float(*min)]);
                    }
                    if let Some(max) = max {
                        b.push(" AND v.num_value <= ?", [Arg::Float(*max)]);
                    }
                    b.push(")", []);
                }
            }
        }
        if let Some(receipt) = q
            .receipt
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            b.push(" AND s.receipt_number = ?", [Arg::Text(receipt.to_owned())]);
        }
        if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let trigram = text.chars().count() >= 3;
            match (&self.db, trigram) {
                (Db::Sqlite { .. }, true) => b.push(
                    " AND s.submission_id IN (SELECT rowid FROM submission_fts WHERE submission_fts MATCH ?)",
                    [Arg::Text(format!("\"{}\"", text.replace('"', "\"\"")))],
                ),
                _ => b.push(" AND s.search_text LIKE ? ESCAPE '\\'", [Arg::Text(like_contains(text))]),
            }
        }
        let (cmp, dir) = match q.order {
            InboxOrder::NewestFirst => ("<", "DESC"),
            InboxOrder::OldestFirst => (">", "ASC"),
        };
        if let Some(c) = q.after {
            // A plain range on submitted_at as well as the exact tie-break, so that PostgreSQL, like
            // SQLite, can start the index scan at the cursor rather than filter every row before it.
            b.push(
                &format!(
                    " AND s.submitted_at {cmp}= ? AND (s.submitted_at {cmp} ? OR s.submission_id {cmp} ?)"
                ),
                [Arg::Int(c.submitted_at_ms), Arg::Int(c.submitted_at_ms), Arg::Int(c.id.0)],
            );
        }
        b.push(
            &format!(" ORDER BY s.submitted_at {dir}, s.submission_id {dir} LIMIT ?"),
            [Arg::Int(i64::from(q.limit.clamp(1, 5000)))],
        );
        b
    }
}

#[async_trait]
impl ReviewStore for SqlStore {
    async fn inbox(&self, tenant: TenantId, query: &InboxQuery) -> StoreResult<Vec<InboxRow>> {
        let b = self.inbox_sql(tenant, query);
        let rows: Vec<InboxRowDb> = match &self.db {
            Db::Sqlite { reader, .. } => sqlite_page(reader, &b, query.order).await?,
            Db::Postgres(pool) => {
                bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(b.sql.clone())), &b.args)
                    .fetch_all(pool)
                    .await
                    .map_err(map)?
            }
        };
        rows.into_iter()
            .map(|r| {
                Ok(InboxRow {
                    id: SubmissionId(r.submission_id),
                    app_id: AppId(r.app_id),
                    app_version_id: AppVersionId(r.app_version_id),
                    receipt_number: r.receipt_number,
                    status: r.status,
                    submitted_at: from_ms(r.submitted_at)?,
                    submitted_at_ms: r.submitted_at,
                    assignee_id: r.assignee_id.map(UserId),
                    revision: r.revision.unsigned_abs(),
                    answers: r.answers,
                })
            })
            .collect()
    }

    async fn status_counts(
        &self,
        tenant: TenantId,
        apps: &[AppId],
    ) -> StoreResult<Vec<(String, u64)>> {
        let mut b = Builder::new(
            "SELECT status, CAST(SUM(n) AS BIGINT) FROM submission_status_count WHERE tenant_id = ",
        );
        b.push("?", [Arg::Int(tenant.0)]);
        if !apps.is_empty() {
            b.push(
                &format!(" AND app_id IN ({})", Builder::placeholders(apps.len())),
                apps.iter().map(|a| Arg::Int(a.0)),
            );
        }
        b.push(" GROUP BY status ORDER BY status", []);
        let rows: Vec<(String, Option<i64>)> = with_pool!(self, read, |pool| {
            bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(b.sql.clone())), &b.args)
                .fetch_all(pool)
                .await
        })
        .map_err(map)?;
        Ok(rows
            .into_iter()
            .filter_map(|(s, n)| n.filter(|n| *n > 0).map(|n| (s, n.unsigned_abs())))
            .collect())
    }

    async fn change_submission(
        &self,
        c: &SubmissionChange,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let current: Option<(i64, String)> = sqlx::query_as(
                "SELECT app_id, status FROM submission WHERE tenant_id = $1 AND submission_id = $2",
            )
            .bind(c.tenant_id.0)
            .bind(c.submission_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
            let Some((app_id, status)) = current else {
                return Err(StoreError::NotFound);
            };
            if let Some(expected) = &c.expected_status
                && *expected != status
            {
                return Err(StoreError::Conflict { field: "status" });
            }
            if let Some(new_status) = &c.new_status {
                let updated = sqlx::query(
                    "UPDATE submission SET status = $1, updated_at = $2 \
                     WHERE tenant_id = $3 AND submission_id = $4 AND status = $5",
                )
                .bind(new_status)
                .bind(ms(now))
                .bind(c.tenant_id.0)
                .bind(c.submission_id.0)
                .bind(&status)
                .execute(&mut *tx)
                .await
                .map_err(map)?
                .rows_affected();
                if updated == 0 {
                    return Err(StoreError::Conflict { field: "status" });
                }
                count_status!(tx, c.tenant_id.0, app_id, &status, -1);
                count_status!(tx, c.tenant_id.0, app_id, new_status, 1);
            }
            if let Some(assignee) = c.new_assignee {
                sqlx::query(
                    "UPDATE submission SET assignee_id = $1, updated_at = $2 WHERE tenant_id = $3 AND submission_id = $4",
                )
                .bind(assignee.map(|u| u.0))
                .bind(ms(now))
                .bind(c.tenant_id.0)
                .bind(c.submission_id.0)
                .execute(&mut *tx)
                .await
                .map_err(|e| match map(e) {
                    StoreError::Conflict { .. } => StoreError::Conflict { field: "assignee" },
                    other => other,
                })?;
            }
            insert_event!(tx, c.tenant_id.0, c.submission_id.0, &c.event, now);
            if let Some((token_hash, expires_at)) = &c.correction_link {
                sqlx::query(
                    "INSERT INTO correction_link (token_hash, tenant_id, submission_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token_hash)
                .bind(c.tenant_id.0)
                .bind(c.submission_id.0)
                .bind(ms(now))
                .bind(ms(*expires_at))
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            }
            crate::jobs::insert_jobs!(tx, &c.jobs, now);
            crate::audit::append_audit!(tx, &c.audit, now, head_sql);
            tx.commit().await.map_err(map)
        })
    }

    async fn submission_events(
        &self,
        tenant: TenantId,
        id: SubmissionId,
    ) -> StoreResult<Vec<EventRecord>> {
        let rows: Vec<EventRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT at, kind, actor_kind, actor_id, actor_label, from_status, to_status, assignee_id, body \
                 FROM submission_event WHERE tenant_id = $1 AND submission_id = $2 ORDER BY event_id",
            )
            .bind(tenant.0)
            .bind(id.0)
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter()
            .map(|r| {
                Ok(EventRecord {
                    at: from_ms(r.at)?,
                    kind: EventKind::parse(&r.kind).ok_or_else(|| {
                        StoreError::Internal(format!("unknown event kind {:?}", r.kind))
                    })?,
                    actor_kind: ActorKind::parse(&r.actor_kind).unwrap_or(ActorKind::System),
                    actor_id: r.actor_id,
                    actor_label: r.actor_label,
                    from_status: r.from_status,
                    to_status: r.to_status,
                    assignee: r.assignee_id.map(UserId),
                    body: r.body,
                })
            })
            .collect()
    }

    async fn submission_revisions(
        &self,
        tenant: TenantId,
        id: SubmissionId,
    ) -> StoreResult<Vec<RevisionRecord>> {
        let rows: Vec<(i32, i64, String, i64)> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT r.revision, r.app_version_id, r.answers, r.at FROM submission_revision r \
                 JOIN submission s ON s.submission_id = r.submission_id \
                 WHERE s.tenant_id = $1 AND r.submission_id = $2 ORDER BY r.revision",
            )
            .bind(tenant.0)
            .bind(id.0)
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter()
            .map(|(revision, v, answers, at)| {
                Ok(RevisionRecord {
                    revision: revision.unsigned_abs(),
                    app_version_id: AppVersionId(v),
                    answers,
                    at: from_ms(at)?,
                })
            })
            .collect()
    }

    async fn correction_link(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(TenantId, SubmissionId)>> {
        let row: Option<(i64, i64)> = with_pool!(self, read, |pool| {
            sqlx::query_as(
                "SELECT tenant_id, submission_id FROM correction_link \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(ms(now))
            .fetch_optional(pool)
            .await
        })
        .map_err(map)?;
        Ok(row.map(|(t, s)| (TenantId(t), SubmissionId(s))))
    }

    async fn apply_correction(&self, c: &Correction, now: OffsetDateTime) -> StoreResult<u32> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let link = sqlx::query(
                "UPDATE correction_link SET used_at = $1 WHERE token_hash = $2 AND tenant_id = $3 \
                 AND submission_id = $4 AND used_at IS NULL AND expires_at > $1",
            )
            .bind(ms(now))
            .bind(&c.link_hash)
            .bind(c.tenant_id.0)
            .bind(c.submission_id.0)
            .execute(&mut *tx)
            .await
            .map_err(map)?
            .rows_affected();
            if link == 0 {
                return Err(StoreError::NotFound);
            }
            let (app_id, status, revision, version, answers): (i64, String, i32, i64, String) =
                sqlx::query_as(
                    "SELECT app_id, status, revision, app_version_id, answers FROM submission \
                 WHERE tenant_id = $1 AND submission_id = $2",
                )
                .bind(c.tenant_id.0)
                .bind(c.submission_id.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(map)?;
            sqlx::query(
                "INSERT INTO submission_revision (submission_id, revision, app_version_id, answers, at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(c.submission_id.0)
            .bind(revision)
            .bind(version)
            .bind(&answers)
            .bind(ms(now))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            let next = revision + 1;
            sqlx::query(
                "UPDATE submission SET answers = $1, app_version_id = $2, revision = $3, search_text = $4, \
                 contact_email = $5, status = $6, updated_at = $7 WHERE tenant_id = $8 AND submission_id = $9",
            )
            .bind(&c.answers)
            .bind(c.app_version_id.0)
            .bind(next)
            .bind(&c.search_text)
            .bind(&c.contact_email)
            .bind(&c.new_status)
            .bind(ms(now))
            .bind(c.tenant_id.0)
            .bind(c.submission_id.0)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            sqlx::query("DELETE FROM submission_value WHERE submission_id = $1")
                .bind(c.submission_id.0)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            for f in &c.files {
                sqlx::query(
                    "INSERT INTO submission_file (tenant_id, submission_id, field_path, blob_key, name, \
                     content_type, size, sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(c.tenant_id.0)
                .bind(c.submission_id.0)
                .bind(&f.field_path)
                .bind(&f.blob_key)
                .bind(&f.name)
                .bind(&f.content_type)
                .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
                .bind(&f.sha256)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            }
            let values: &[IndexedValue] = &c.values;
            insert_values!(tx, c.tenant_id.0, app_id, c.submission_id.0, values);
            if status != c.new_status {
                count_status!(tx, c.tenant_id.0, app_id, &status, -1);
                count_status!(tx, c.tenant_id.0, app_id, &c.new_status, 1);
            }
            insert_event!(tx, c.tenant_id.0, c.submission_id.0, &c.event, now);
            crate::jobs::insert_jobs!(tx, &c.jobs, now);
            crate::audit::append_audit!(tx, &c.audit, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok(next.unsigned_abs())
        })
    }
}
