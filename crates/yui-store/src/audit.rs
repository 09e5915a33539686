//! The audit trail. Appends lock the chain's head row (PostgreSQL `FOR UPDATE`; SQLite has a
//! single writer), so concurrent appends on several nodes still form one unbroken chain.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_core::audit::{ActorKind, AuditEntry, AuditEvent, ChainHead, GENESIS_HASH};
use yui_core::model::TenantId;
use yui_core::ports::{AuditQuery, AuditStore, StoreError, StoreResult};

use crate::error::map;
use crate::rows::{from_ms, ms};
use crate::{Db, SqlStore, with_pool};

pub(crate) const HEAD_SQLITE: &str = "SELECT seq, head_hash FROM audit_chain WHERE chain_key = $1";
pub(crate) const HEAD_POSTGRES: &str =
    "SELECT seq, head_hash FROM audit_chain WHERE chain_key = $1 FOR UPDATE";

/// Appends `$entry` inside the transaction `$tx`, locking its chain with `$head_sql`;
/// evaluates to the recorded [`AuditEvent`].
macro_rules! append_audit {
    ($tx:expr, $entry:expr, $now:expr, $head_sql:expr) => {{
        let entry: &yui_core::audit::AuditEntry = $entry;
        let key = entry.chain_key();
        sqlx::query(
            "INSERT INTO audit_chain (chain_key, seq, head_hash) VALUES ($1, 0, $2) \
             ON CONFLICT (chain_key) DO NOTHING",
        )
        .bind(key)
        .bind(yui_core::audit::GENESIS_HASH)
        .execute(&mut *$tx)
        .await
        .map_err($crate::error::map)?;
        let (seq, prev_hash): (i64, String) =
            sqlx::query_as($head_sql).bind(key).fetch_one(&mut *$tx).await.map_err($crate::error::map)?;
        let seq = seq + 1;
        let at_ms = $crate::rows::ms($now);
        let hash = yui_core::audit::event_hash(&prev_hash, seq, at_ms, entry);
        sqlx::query(
            "INSERT INTO audit_event (chain_key, seq, tenant_id, at, actor_kind, actor_id, \
             actor_label, action, subject_kind, subject_id, person_key, client_addr, detail, \
             prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(key)
        .bind(seq)
        .bind(entry.tenant_id.map(|t| t.0))
        .bind(at_ms)
        .bind(entry.actor_kind.as_str())
        .bind(entry.actor_id)
        .bind(&entry.actor_label)
        .bind(&entry.action)
        .bind(&entry.subject_kind)
        .bind(&entry.subject_id)
        .bind(&entry.person_key)
        .bind(&entry.client_addr)
        .bind(&entry.detail)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *$tx)
        .await
        .map_err($crate::error::map)?;
        sqlx::query("UPDATE audit_chain SET seq = $1, head_hash = $2 WHERE chain_key = $3")
            .bind(seq)
            .bind(&hash)
            .bind(key)
            .execute(&mut *$tx)
            .await
            .map_err($crate::error::map)?;
        yui_core::audit::AuditEvent {
            chain_key: key,
            seq,
            at: $crate::rows::from_ms(at_ms)?,
            entry: entry.clone(),
            prev_hash,
            hash,
        }
    }};
}
pub(crate) use append_audit;

impl SqlStore {
    /// The statement that reads and locks a chain head in this backend.
    pub(crate) fn audit_head_sql(&self) -> &'static str {
        match self.db {
            Db::Sqlite { .. } => HEAD_SQLITE,
            Db::Postgres(_) => HEAD_POSTGRES,
        }
    }
}

macro_rules! event_columns {
    () => {
        "chain_key, seq, tenant_id, at, actor_kind, actor_id, actor_label, action, subject_kind, \
         subject_id, person_key, client_addr, detail, prev_hash, hash"
    };
}

#[derive(sqlx::FromRow)]
struct EventRow {
    chain_key: i64,
    seq: i64,
    tenant_id: Option<i64>,
    at: i64,
    actor_kind: String,
    actor_id: Option<i64>,
    actor_label: String,
    action: String,
    subject_kind: Option<String>,
    subject_id: Option<String>,
    person_key: Option<String>,
    client_addr: Option<String>,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl TryFrom<EventRow> for AuditEvent {
    type Error = StoreError;
    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        // An unknown actor kind is kept visible (it will fail verification) rather than hidden.
        let actor_kind = ActorKind::parse(&r.actor_kind).unwrap_or(ActorKind::System);
        Ok(AuditEvent {
            chain_key: r.chain_key,
            seq: r.seq,
            at: from_ms(r.at)?,
            entry: AuditEntry {
                tenant_id: r.tenant_id.map(TenantId),
                actor_kind,
                actor_id: r.actor_id,
                actor_label: r.actor_label,
                action: r.action,
                subject_kind: r.subject_kind,
                subject_id: r.subject_id,
                person_key: r.person_key,
                client_addr: r.client_addr,
                detail: r.detail,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        })
    }
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(
        &self,
        entry: &AuditEntry,
        now: OffsetDateTime,
    ) -> StoreResult<AuditEvent> {
        let head_sql = self.audit_head_sql();
        with_pool!(self, write, |pool| {
            let mut tx = pool.begin().await.map_err(map)?;
            let event = append_audit!(tx, entry, now, head_sql);
            tx.commit().await.map_err(map)?;
            Ok(event)
        })
    }

    async fn audit_chains(&self) -> StoreResult<Vec<ChainHead>> {
        let rows: Vec<(i64, i64, String)> = with_pool!(self, read, |pool| {
            sqlx::query_as("SELECT chain_key, seq, head_hash FROM audit_chain ORDER BY chain_key")
                .fetch_all(pool)
                .await
        })
        .map_err(map)?;
        let mut heads: Vec<ChainHead> = rows
            .into_iter()
            .map(|(chain_key, seq, head_hash)| ChainHead {
                chain_key,
                seq,
                head_hash,
            })
            .collect();
        // Events whose chain head was deleted are still verified (and reported).
        let orphan_keys: Vec<i64> = with_pool!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT DISTINCT chain_key FROM audit_event \
                 WHERE chain_key NOT IN (SELECT chain_key FROM audit_chain)",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        heads.extend(orphan_keys.into_iter().map(|chain_key| ChainHead {
            chain_key,
            seq: 0,
            head_hash: GENESIS_HASH.to_owned(),
        }));
        Ok(heads)
    }

    async fn audit_page(
        &self,
        chain_key: i64,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>> {
        let rows: Vec<EventRow> = with_pool!(self, read, |pool| {
            sqlx::query_as(concat!(
                "SELECT ",
                event_columns!(),
                " FROM audit_event WHERE chain_key = $1 AND seq > $2 ORDER BY seq LIMIT $3"
            ))
            .bind(chain_key)
            .bind(after_seq)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await
        })
        .map_err(map)?;
        rows.into_iter().map(AuditEvent::try_from).collect()
    }

    async fn audit_events(&self, tenant: TenantId, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        // Conditions are fixed fragments; every value is a bound parameter.
        let mut sql = String::from(concat!(
            "SELECT ",
            event_columns!(),
            " FROM audit_event WHERE chain_key = $1"
        ));
        let mut n = 1;
        let mut next = |sql: &mut String, fragment: &str| {
            n += 1;
            sql.push_str(&fragment.replace('?', &format!("${n}")));
        };
        if q.actor_id.is_some() {
            next(&mut sql, " AND actor_id = ?");
        }
        if q.action_prefix.is_some() {
            next(&mut sql, " AND action LIKE ? ESCAPE '\\'");
        }
        if q.person_key.is_some() {
            next(&mut sql, " AND person_key = ?");
        }
        if q.subject.is_some() {
            next(&mut sql, " AND subject_kind = ?");
            next(&mut sql, " AND subject_id = ?");
        }
        if q.from.is_some() {
            next(&mut sql, " AND at >= ?");
        }
        if q.until.is_some() {
            next(&mut sql, " AND at < ?");
        }
        if q.before_seq.is_some() {
            next(&mut sql, " AND seq < ?");
        }
        next(&mut sql, " ORDER BY seq DESC LIMIT ?");
        let rows: Vec<EventRow> = with_pool!(self, read, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(tenant.0);
            if let Some(a) = q.actor_id {
                query = query.bind(a);
            }
            if let Some(p) = &q.action_prefix {
                // Escaped, not stripped: action names such as `api_token.create` contain `_`.
                let escaped = p
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                query = query.bind(format!("{escaped}%"));
            }
            if let Some(p) = &q.person_key {
                query = query.bind(p.clone());
            }
            if let Some((kind, id)) = &q.subject {
                query = query.bind(kind.clone()).bind(id.clone());
            }
            if let Some(t) = q.from {
                query = query.bind(ms(t));
            }
            if let Some(t) = q.until {
                query = query.bind(ms(t));
            }
            if let Some(s) = q.before_seq {
                query = query.bind(s);
            }
            query
                .bind(i64::from(q.limit.clamp(1, 1000)))
                .fetch_all(pool)
                .await
        })
        .map_err(map)?;
        rows.into_iter().map(AuditEvent::try_from).collect()
    }
}
