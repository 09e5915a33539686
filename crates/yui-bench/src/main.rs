//! `yui-bench`: tools for Yui's benchmarks (see `bench/README.md`).
//!
//! - `seed`: fills a fresh database with one town, the play-room booking app and any number of
//!   realistic submissions, written directly in large transactions (a million in minutes).
//! - `inbox`: times the inbox's first page and a filtered page through the use case, as the
//!   server runs it, and prints p50/p99.
#![forbid(unsafe_code)]

mod data;
mod export;
mod inbox;
mod seed;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use yui_core::clock::SystemClock;
use yui_core::{CoreSettings, Store as _, Yui};
use yui_store::{DatabaseTarget, SqlStore, StoreOptions};

/// Benchmark tools for Yui.
#[derive(Debug, Parser)]
#[command(name = "yui-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a town with the play-room booking app, staff (password below) and N submissions.
    Seed(SeedArgs),
    /// Time the inbox's first page and a filtered page (status + choice + date range).
    Inbox(InboxArgs),
    /// Time an export of every submission through the use case (no HTTP), and the page reads
    /// alone.
    Export(ExportArgs),
}

/// Where the data lives: the same options as `yui serve`.
#[derive(Debug, Clone, Args)]
struct Db {
    /// SQLite data directory.
    #[arg(long, value_name = "DIR", conflicts_with = "database_url")]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Debug, Args)]
struct SeedArgs {
    #[command(flatten)]
    db: Db,
    /// How many submissions to write.
    #[arg(long, default_value_t = 1_000_000)]
    submissions: u64,
    /// The town's URL name.
    #[arg(long, default_value = "bench")]
    town: String,
    /// Submissions per transaction.
    #[arg(long, default_value_t = 20_000)]
    batch: u64,
}

#[derive(Debug, Args)]
struct InboxArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long, default_value = "bench")]
    town: String,
    /// Requests per page kind (after 10 warm-up requests).
    #[arg(long, default_value_t = 200)]
    requests: u32,
}

#[derive(Debug, Args)]
struct ExportArgs {
    #[command(flatten)]
    db: Db,
    #[arg(long, default_value = "bench")]
    town: String,
    /// csv, csv-cp932 or json.
    #[arg(long, default_value = "csv")]
    format: String,
}

impl Db {
    fn target(&self) -> anyhow::Result<DatabaseTarget> {
        match (&self.data_dir, &self.database_url) {
            (_, Some(url)) => Ok(DatabaseTarget::Postgres { url: url.clone() }),
            (Some(dir), None) => Ok(DatabaseTarget::Sqlite {
                data_dir: dir.clone(),
            }),
            (None, None) => anyhow::bail!("give --data-dir DIR or --database-url URL"),
        }
    }
}

/// The store (migrated) and Yui over it.
async fn open(db: &Db) -> anyhow::Result<(Yui, SqlStore, DatabaseTarget)> {
    let target = db.target()?;
    if let DatabaseTarget::Sqlite { data_dir } = &target {
        std::fs::create_dir_all(data_dir)?;
    }
    let store = SqlStore::open(&target, &StoreOptions::default()).await?;
    store.migrate().await?;
    let blobs_dir = match &target {
        DatabaseTarget::Sqlite { data_dir } => data_dir.clone(),
        DatabaseTarget::Postgres { .. } => std::env::temp_dir().join("yui-bench-blobs"),
    };
    let yui = Yui::new(
        Arc::new(store.clone()),
        Arc::new(yui_store::LocalBlobs::new(&blobs_dir)),
        Arc::new(SystemClock),
        CoreSettings::default(),
    );
    Ok((yui, store, target))
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Seed(args) => {
                let (yui, store, target) = open(&args.db).await?;
                seed::run(&yui, &target, &args.town, args.submissions, args.batch).await?;
                store.close().await;
            }
            Command::Inbox(args) => {
                let (yui, store, _) = open(&args.db).await?;
                inbox::run(&yui, store.backend(), &args.town, args.requests).await?;
                store.close().await;
            }
            Command::Export(args) => {
                let (yui, store, _) = open(&args.db).await?;
                export::run(&yui, store.backend(), &args.town, &args.format).await?;
                store.close().await;
            }
        }
        Ok(())
    })
}
