//! Test support: every test gets a fresh database. SQLite lives in a temporary data directory;
//! PostgreSQL gets a new database created on the server named by `YUI_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432/test`) and dropped afterwards.
//!
//! When PostgreSQL cannot be reached, PostgreSQL tests are skipped with a loud message — except
//! under `CI=true`, where an unreachable PostgreSQL fails the test, so CI never skips silently.
#![forbid(unsafe_code)]
// Test support: a failure to set up a test database should stop the test loudly.
#![allow(clippy::expect_used, clippy::panic)]

use std::sync::Arc;
pub mod smtp;

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use yui_core::clock::ManualClock;
use yui_core::{CoreSettings, Yui};
use yui_store::{DatabaseTarget, SqlStore, StoreOptions};

/// The server used for PostgreSQL tests.
pub fn postgres_url() -> String {
    std::env::var("YUI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh, migrated database that is removed when dropped.
pub struct TestDb {
    pub store: SqlStore,
    pub target: DatabaseTarget,
    /// Where uploaded files go (a fresh directory per test on both backends).
    pub blobs: yui_store::LocalBlobs,
    blob_dir: tempfile::TempDir,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A Yui over this database with a manual clock starting at 2026-04-01 09:00 JST.
    pub fn yui(&self) -> (Yui, ManualClock) {
        let clock = ManualClock::new(time::macros::datetime!(2026-04-01 00:00 UTC));
        let yui = Yui::new(
            Arc::new(self.store.clone()),
            Arc::new(self.blobs.clone()),
            Arc::new(clock.clone()),
            CoreSettings::default(),
        );
        (yui, clock)
    }

    /// Runs SQL on its own connection, bypassing the store: for tests that play an attacker
    /// with database access, or that corrupt data on purpose. Panics if the SQL fails.
    pub async fn raw_execute(&self, sql: &str) {
        self.try_raw_execute(sql).await.expect("raw SQL");
    }

    /// Like [`TestDb::raw_execute`], returning the database's error message.
    pub async fn try_raw_execute(&self, sql: &str) -> Result<(), String> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match &self.target {
            DatabaseTarget::Sqlite { data_dir } => {
                let url = format!(
                    "sqlite://{}",
                    data_dir.join(yui_store::open::SQLITE_FILE).display()
                );
                let mut c = sqlx::SqliteConnection::connect(&url)
                    .await
                    .map_err(|e| e.to_string())?;
                let result = sqlx::raw_sql(sql)
                    .execute(&mut c)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                let _ = c.close().await;
                result
            }
            DatabaseTarget::Postgres { url } => {
                let mut c = sqlx::PgConnection::connect(url)
                    .await
                    .map_err(|e| e.to_string())?;
                let result = sqlx::raw_sql(sql)
                    .execute(&mut c)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                let _ = c.close().await;
                result
            }
        }
    }

    /// Whether this database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.target, DatabaseTarget::Postgres { .. })
    }

    /// The directory holding this test's uploaded files.
    pub fn blob_dir(&self) -> &std::path::Path {
        self.blob_dir.path()
    }

    /// The SQLite data directory, if this is a SQLite database.
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => Some(dir.path()),
            Cleanup::Postgres { .. } => None,
        }
    }
}

/// A fresh SQLite store in a temporary data directory.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("create a temporary data directory");
    let target = DatabaseTarget::Sqlite {
        data_dir: dir.path().to_owned(),
    };
    let store = SqlStore::open(&target, &StoreOptions::default())
        .await
        .expect("open SQLite");
    store.migrate().await.expect("migrate SQLite");
    let (blobs, blob_dir) = blob_dir();
    TestDb {
        store,
        target,
        blobs,
        blob_dir,
        cleanup: Cleanup::Sqlite(dir),
    }
}

fn blob_dir() -> (yui_store::LocalBlobs, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("create a temporary blob directory");
    (yui_store::LocalBlobs::new(dir.path()), dir)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh PostgreSQL database, or `None` (after a loud message) when PostgreSQL is unreachable
/// outside CI.
pub async fn postgres() -> Option<TestDb> {
    let admin_url = postgres_url();
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) => {
            assert!(
                !in_ci(),
                "PostgreSQL at {admin_url} is unreachable in CI ({e}); PostgreSQL tests must run"
            );
            eprintln!(
                "\n!!!!!!!! SKIPPING a PostgreSQL test: {admin_url} is unreachable ({e}).\n\
                 !!!!!!!! Start PostgreSQL (see docs/development.md); CI=true makes this an error.\n"
            );
            return None;
        }
    };
    let name = format!(
        "yui_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    let _ = admin.close().await;
    let url = replace_database(&admin_url, &name);
    let target = DatabaseTarget::Postgres { url };
    let store = SqlStore::open(
        &target,
        &StoreOptions {
            max_connections: 4,
            ..StoreOptions::default()
        },
    )
    .await
    .expect("open PostgreSQL");
    store.migrate().await.expect("migrate PostgreSQL");
    let (blobs, blob_dir) = blob_dir();
    Some(TestDb {
        store,
        target,
        blobs,
        blob_dir,
        cleanup: Cleanup::Postgres { admin_url, name },
    })
}

/// `url` with its database name replaced.
pub fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; do the async cleanup on a thread of its own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Defines each listed async test function (taking a `&TestDb`) twice: once on SQLite and once
/// on PostgreSQL, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let db = $crate::sqlite().await;
                    super::$name(&db).await;
                }

                #[tokio::test]
                async fn postgres() {
                    let Some(db) = $crate::postgres().await else { return };
                    super::$name(&db).await;
                }
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_the_database_keeps_credentials_and_options() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u:p@h/db?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h", "z"), "postgres://h/z");
    }
}
