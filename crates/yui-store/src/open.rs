//! Opening a store: where the data lives, which durability Yui insists on, and migrations.
//!
//! Yui refuses to run with settings that can lose an acknowledged submission: SQLite must be in
//! WAL mode with `synchronous=FULL` (or `EXTRA`) and foreign keys on; PostgreSQL must have
//! `fsync`, `full_page_writes` and `synchronous_commit` on.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};

use crate::{Db, SqlStore};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The name of the SQLite database file inside the data directory.
pub const SQLITE_FILE: &str = "yui.sqlite3";

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// Embedded SQLite in this data directory.
    Sqlite { data_dir: PathBuf },
    /// A PostgreSQL database URL (`postgres://user@host:port/db`).
    Postgres { url: String },
}

impl DatabaseTarget {
    /// PostgreSQL if `url` is given, else SQLite in `data_dir`.
    pub fn choose(url: Option<&str>, data_dir: &Path) -> Result<Self, OpenError> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(DatabaseTarget::Sqlite {
                data_dir: data_dir.to_owned(),
            }),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(DatabaseTarget::Postgres { url: u.to_owned() })
            }
            Some(u) if u.starts_with("sqlite:") => Err(OpenError::Config(
                "use --data-dir for SQLite; --database-url is for postgres:// URLs".into(),
            )),
            Some(_) => Err(OpenError::Config(
                "the database URL must start with postgres:// (leave it unset for embedded SQLite)"
                    .into(),
            )),
        }
    }
}

/// Shows where the data is without any password in the URL.
impl fmt::Display for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseTarget::Sqlite { data_dir } => {
                write!(f, "SQLite in {}", data_dir.join(SQLITE_FILE).display())
            }
            DatabaseTarget::Postgres { url } => match PgConnectOptions::from_str(url) {
                Ok(o) => write!(
                    f,
                    "PostgreSQL at {}:{}/{}",
                    o.get_host(),
                    o.get_port(),
                    o.get_database().unwrap_or("")
                ),
                Err(_) => f.write_str("PostgreSQL (unparseable URL)"),
            },
        }
    }
}

impl fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// SQLite's `synchronous` setting. Only `Full` and `Extra` survive power loss in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqliteSynchronous {
    Off,
    Normal,
    Full,
    Extra,
}

impl FromStr for SqliteSynchronous {
    type Err = OpenError;
    fn from_str(s: &str) -> Result<Self, OpenError> {
        match s.to_ascii_lowercase().as_str() {
            "off" | "0" => Ok(Self::Off),
            "normal" | "1" => Ok(Self::Normal),
            "full" | "2" => Ok(Self::Full),
            "extra" | "3" => Ok(Self::Extra),
            other => Err(OpenError::Config(format!(
                "sqlite synchronous must be full or extra, not {other:?}"
            ))),
        }
    }
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub sqlite_synchronous: SqliteSynchronous,
    /// Connections for reading (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            sqlite_synchronous: SqliteSynchronous::Full,
            max_connections: 8,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Why a store could not be opened; each reads as one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{0}")]
    Config(String),
    #[error("unsafe durability setting: {0}")]
    UnsafeDurability(String),
    #[error("cannot reach the database ({target}): {reason}")]
    Unreachable { target: String, reason: String },
    #[error("data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error(
        "the database schema is at version {applied} but this Yui needs version {required}: run `yui migrate` first"
    )]
    SchemaBehind { applied: i64, required: i64 },
    #[error(
        "the database schema is at version {applied}, newer than this Yui knows ({known}): upgrade Yui"
    )]
    SchemaAhead { applied: i64, known: i64 },
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Database(String),
}

fn db_err(e: sqlx::Error) -> OpenError {
    OpenError::Database(e.to_string())
}

impl SqlStore {
    fn new(db: Db) -> Self {
        // SQLite has one writer; PostgreSQL commits batches from a few connections at once.
        let writers = match db {
            Db::Sqlite { .. } => 1,
            Db::Postgres(_) => 4,
        };
        let head_sql = match db {
            Db::Sqlite { .. } => crate::audit::HEAD_SQLITE,
            Db::Postgres(_) => crate::audit::HEAD_POSTGRES,
        };
        let batcher = crate::submissions::Batcher::start(&db, writers, head_sql);
        Self { db, batcher }
    }

    /// Opens (and for SQLite creates) the store, and checks its durability settings.
    pub async fn open(target: &DatabaseTarget, options: &StoreOptions) -> Result<Self, OpenError> {
        match target {
            DatabaseTarget::Sqlite { data_dir } => open_sqlite(data_dir, options).await,
            DatabaseTarget::Postgres { url } => open_postgres(target, url, options).await,
        }
    }

    fn migrator(&self) -> &'static Migrator {
        match self.db {
            Db::Sqlite { .. } => &SQLITE_MIGRATIONS,
            Db::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations; returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>, OpenError> {
        let before = self.applied_versions().await?;
        let migrator = self.migrator();
        match &self.db {
            Db::Sqlite { writer, .. } => migrator.run(writer).await,
            Db::Postgres(pool) => migrator.run(pool).await,
        }
        .map_err(|e| OpenError::Migration(e.to_string()))?;
        let after = self.applied_versions().await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    /// Versions recorded as applied in the database (empty for a new database).
    pub async fn applied_versions(&self) -> Result<Vec<i64>, OpenError> {
        let exists_sql = match self.db {
            Db::Sqlite { .. } => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Db::Postgres(_) => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let exists: i64 = crate::with_pool!(self, read, |pool| {
            sqlx::query_scalar(exists_sql).fetch_one(pool).await
        })
        .map_err(db_err)?;
        if exists == 0 {
            return Ok(Vec::new());
        }
        crate::with_pool!(self, read, |pool| {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(db_err)
    }

    /// Fails unless every migration this binary knows has been applied (PostgreSQL deployments
    /// migrate explicitly with `yui migrate`, so that several nodes never race to migrate).
    pub async fn ensure_schema_current(&self) -> Result<(), OpenError> {
        let applied = self.applied_versions().await?;
        let known: Vec<i64> = self.migrator().iter().map(|m| m.version).collect();
        let applied_max = applied.last().copied().unwrap_or(0);
        let known_max = known.last().copied().unwrap_or(0);
        if applied_max > known_max {
            return Err(OpenError::SchemaAhead {
                applied: applied_max,
                known: known_max,
            });
        }
        if known.iter().any(|v| !applied.contains(v)) {
            return Err(OpenError::SchemaBehind {
                applied: applied_max,
                required: known_max,
            });
        }
        Ok(())
    }

    /// Closes every connection, flushing SQLite's WAL.
    pub async fn close(&self) {
        match &self.db {
            Db::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// The migrations compiled into this binary for a backend, as (version, description).
pub fn embedded_migrations(backend: &str) -> Vec<(i64, String)> {
    let migrator = if backend == "postgres" {
        &POSTGRES_MIGRATIONS
    } else {
        &SQLITE_MIGRATIONS
    };
    migrator
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}

async fn open_sqlite(data_dir: &Path, options: &StoreOptions) -> Result<SqlStore, OpenError> {
    let sync = match options.sqlite_synchronous {
        SqliteSynchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
        SqliteSynchronous::Extra => sqlx::sqlite::SqliteSynchronous::Extra,
        weak => {
            return Err(OpenError::UnsafeDurability(format!(
                "sqlite synchronous={} can lose acknowledged submissions after a power failure; \
                 Yui requires full or extra",
                format!("{weak:?}").to_lowercase()
            )));
        }
    };
    let path_text = data_dir.display().to_string();
    std::fs::create_dir_all(data_dir).map_err(|e| OpenError::DataDir {
        path: path_text.clone(),
        reason: e.to_string(),
    })?;
    if !data_dir.is_dir() {
        return Err(OpenError::DataDir {
            path: path_text,
            reason: "not a directory".into(),
        });
    }
    let file = data_dir.join(SQLITE_FILE);
    let base = SqliteConnectOptions::new()
        .filename(&file)
        .foreign_keys(true)
        .synchronous(sync)
        .busy_timeout(Duration::from_secs(10));
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(options.connect_timeout * 6)
        .after_release(|conn, _| Box::pin(writer_is_clean(conn)))
        .connect_with(
            base.clone()
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal),
        )
        .await
        .map_err(|e| OpenError::DataDir {
            path: file.display().to_string(),
            reason: e.to_string(),
        })?;
    let reader = SqlitePoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .acquire_timeout(options.connect_timeout * 6)
        .connect_with(base.read_only(true))
        .await
        .map_err(|e| OpenError::DataDir {
            path: file.display().to_string(),
            reason: e.to_string(),
        })?;
    verify_sqlite_durability(&writer, options.sqlite_synchronous).await?;
    Ok(SqlStore::new(Db::Sqlite { writer, reader }))
}

/// Whether the writer connection may go back to the pool: only when it is outside any
/// transaction, in SQLite's view as well as in the driver's.
///
/// When a disk fills up, SQLite may roll a transaction back by itself (a failed COMMIT with
/// SQLITE_FULL, say). The driver's own bookkeeping then no longer matches the database, and a
/// later "transaction" could run as a savepoint inside a stray transaction that never commits:
/// the caller would hand out a receipt for data that is not on disk. A connection in any
/// doubt is closed instead (closing rolls back whatever is open) and the pool opens a fresh one.
async fn writer_is_clean(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::{Connection as _, Executor as _};
    // A dropped transaction has only queued its rollback; wait until the connection has run it.
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("closing the database writer connection: a transaction was left open");
        return Ok(false);
    }
    // A deferred BEGIN takes no lock; it fails only if SQLite is inside a transaction.
    if conn.execute("BEGIN DEFERRED").await.is_err() {
        tracing::warn!(
            "closing the database writer connection: SQLite was left inside a transaction"
        );
        return Ok(false);
    }
    conn.execute("ROLLBACK").await?;
    Ok(true)
}

async fn verify_sqlite_durability(
    pool: &SqlitePool,
    wanted: SqliteSynchronous,
) -> Result<(), OpenError> {
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    if !journal.eq_ignore_ascii_case("wal") {
        return Err(OpenError::UnsafeDurability(format!(
            "SQLite journal_mode is {journal}, not wal (is the data directory on a network or \
             unusual filesystem?)"
        )));
    }
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    let expected = if wanted == SqliteSynchronous::Extra {
        3
    } else {
        2
    };
    if sync != expected {
        return Err(OpenError::UnsafeDurability(format!(
            "SQLite synchronous is {sync}, expected {expected}"
        )));
    }
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    if fk != 1 {
        return Err(OpenError::UnsafeDurability(
            "SQLite foreign keys are off".into(),
        ));
    }
    Ok(())
}

async fn open_postgres(
    target: &DatabaseTarget,
    url: &str,
    options: &StoreOptions,
) -> Result<SqlStore, OpenError> {
    let connect = PgConnectOptions::from_str(url)
        .map_err(|e| OpenError::Config(format!("invalid PostgreSQL URL: {e}")))?;
    let pool = PgPoolOptions::new()
        .max_connections(options.max_connections.max(2))
        .acquire_timeout(options.connect_timeout)
        .connect_with(connect)
        .await
        .map_err(|e| OpenError::Unreachable {
            target: target.to_string(),
            reason: short_reason(&e),
        })?;
    verify_postgres_durability(&pool).await?;
    Ok(SqlStore::new(Db::Postgres(pool)))
}

fn short_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "timed out connecting".into(),
        sqlx::Error::Database(d) => d.message().to_owned(),
        other => other.to_string(),
    }
}

async fn verify_postgres_durability(pool: &PgPool) -> Result<(), OpenError> {
    for (setting, unsafe_values) in [
        ("fsync", &["off"][..]),
        ("full_page_writes", &["off"][..]),
        ("synchronous_commit", &["off"][..]),
    ] {
        let value: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
            .fetch_one(pool)
            .await
            .map_err(db_err)?;
        if unsafe_values.contains(&value.as_str()) {
            return Err(OpenError::UnsafeDurability(format!(
                "PostgreSQL has {setting}={value}, which can lose acknowledged submissions; \
                 Yui requires {setting}=on"
            )));
        }
    }
    Ok(())
}
