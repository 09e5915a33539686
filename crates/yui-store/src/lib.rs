//! Yui's storage on embedded SQLite (the default: one data directory, WAL, `synchronous=FULL`)
//! or PostgreSQL (many nodes, many towns). One [`SqlStore`] implements every port of
//! `yui-core`; the SQL text is shared between the backends wherever both dialects agree, and a
//! single contract test suite runs on both.
//!
//! Times are stored as Unix epoch milliseconds and ids as 64-bit integers on both backends, so
//! rows decode the same way from either.
#![forbid(unsafe_code)]

mod api_tokens;
mod apps;
mod audit;
mod drafts;
mod error;
mod jobs;
pub mod open;
mod review;
mod rows;
mod sessions;
mod sharing;
mod sql;
mod submissions;
mod tenants;
mod throttle;
mod uploads;
mod users;

use async_trait::async_trait;
use sqlx::{PgPool, SqlitePool};
use yui_core::ports::{Store, StoreResult};

pub use open::{DatabaseTarget, OpenError, SqliteSynchronous, StoreOptions};
pub use uploads::LocalBlobs;

/// The store, holding the connection pools of whichever backend was configured.
#[derive(Clone, Debug)]
pub struct SqlStore {
    db: Db,
    batcher: submissions::Batcher,
}

#[derive(Clone, Debug)]
enum Db {
    /// SQLite allows one writer at a time; a one-connection writer pool serialises writes in
    /// Yui instead of making them wait on file locks, and readers use their own pool.
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the pool for reading (`read`) or writing (`write`) of
/// whichever backend is in use. The body is compiled once per backend, so it must use SQL that
/// both dialects accept.
macro_rules! with_pool {
    ($store:expr, read, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { reader: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
    ($store:expr, write, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::Db::Sqlite { writer: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        with_pool!(self, read, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .map_err(error::map)?;
        with_pool!(self, write, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .map_err(error::map)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}
