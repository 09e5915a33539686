//! Migrations: the SQLite and PostgreSQL folders must hold the same versions with the same
//! names, and opening a store enforces durability and schema versions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

use yui_store::open::embedded_migrations;
use yui_store::{DatabaseTarget, OpenError, SqlStore, SqliteSynchronous, StoreOptions};

fn migration_files(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_versions_and_names() {
    let sqlite = migration_files("sqlite");
    let postgres = migration_files("postgres");
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must stay in step"
    );
    assert_eq!(
        embedded_migrations("sqlite"),
        embedded_migrations("postgres")
    );
}

#[tokio::test]
async fn sqlite_refuses_weak_synchronous_settings_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let target = DatabaseTarget::Sqlite {
        data_dir: dir.path().to_owned(),
    };
    for weak in [SqliteSynchronous::Normal, SqliteSynchronous::Off] {
        let opts = StoreOptions {
            sqlite_synchronous: weak,
            ..StoreOptions::default()
        };
        let err = SqlStore::open(&target, &opts).await.unwrap_err();
        assert!(matches!(err, OpenError::UnsafeDurability(_)), "{err}");
        assert!(err.to_string().contains("power failure"), "{err}");
    }
    assert!(
        !dir.path().join("yui.sqlite3").exists(),
        "nothing created before refusing"
    );
}

#[tokio::test]
async fn a_new_sqlite_database_is_behind_until_migrated_and_reports_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let target = DatabaseTarget::Sqlite {
        data_dir: dir.path().join("nested/data"),
    };
    let store = SqlStore::open(&target, &StoreOptions::default())
        .await
        .unwrap();
    let err = store.ensure_schema_current().await.unwrap_err();
    assert!(err.to_string().contains("yui migrate"), "{err}");
    let applied = store.migrate().await.unwrap();
    assert_eq!(applied.len(), embedded_migrations("sqlite").len());
    store.ensure_schema_current().await.unwrap();
    assert!(
        store.migrate().await.unwrap().is_empty(),
        "migrating twice applies nothing"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_is_reported_in_one_line_without_the_password() {
    let target = DatabaseTarget::Postgres {
        url: "postgres://yui:secret@127.0.0.1:1/yui".into(),
    };
    let err = SqlStore::open(&target, &StoreOptions::default())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, OpenError::Unreachable { .. }), "{text}");
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("secret"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn the_database_url_chooses_the_backend() {
    let dir = Path::new("/var/lib/yui");
    assert!(matches!(
        DatabaseTarget::choose(None, dir),
        Ok(DatabaseTarget::Sqlite { .. })
    ));
    assert!(matches!(
        DatabaseTarget::choose(Some(""), dir),
        Ok(DatabaseTarget::Sqlite { .. })
    ));
    assert!(matches!(
        DatabaseTarget::choose(Some("postgres://h/db"), dir),
        Ok(DatabaseTarget::Postgres { .. })
    ));
    assert!(DatabaseTarget::choose(Some("mysql://h/db"), dir).is_err());
}

#[tokio::test]
async fn postgres_serve_refuses_an_unmigrated_database() {
    let Some(db) = yui_testkit::postgres().await else {
        return;
    };
    db.store.ensure_schema_current().await.unwrap();
    // A second, empty database on the same server is behind.
    let admin = yui_testkit::postgres_url();
    let name = format!("yui_test_empty_{}", std::process::id());
    let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut c)
        .await
        .unwrap();
    let target = DatabaseTarget::Postgres {
        url: yui_testkit::replace_database(&admin, &name),
    };
    let store = SqlStore::open(&target, &StoreOptions::default())
        .await
        .unwrap();
    let err = store.ensure_schema_current().await.unwrap_err();
    assert!(matches!(err, OpenError::SchemaBehind { .. }), "{err}");
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut c)
    .await
    .unwrap();
}
