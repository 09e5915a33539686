//! The `yui` binary: parses the command line, loads settings, and runs one subcommand.
#![forbid(unsafe_code)]

mod admin;
mod audit;
mod cli;
mod config;
mod definitions;
mod demo;
mod error;
mod logging;
mod package;
mod serve;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use yui_core::Yui;
use yui_core::clock::SystemClock;

use crate::cli::{AuditCommand, Cli, Command, ConfigCommand, LogFormat};
use crate::config::{FileConfig, load_file, resolve_db, resolve_serve};
use crate::error::CliError;

/// Where `yui serve` keeps its data unless told otherwise.
pub const DEFAULT_DATA_DIR: &str = "./yui-data";

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Definition commands touch no database: no configuration, logging or runtime needed.
    if let Some(code) = definitions::run(&cli.command) {
        return code;
    }
    let file = match load_file(cli.config.as_deref()) {
        Ok(f) => f,
        Err(e) => return fail(&CliError::from(e)),
    };
    let format = cli
        .log_format
        .or(file.log.format)
        .unwrap_or(LogFormat::Text);
    let level = cli
        .log_level
        .clone()
        .or_else(|| file.log.level.clone())
        .unwrap_or_else(|| match cli.command {
            // The server reports what it does; one-shot commands print their results instead.
            Command::Serve(_) | Command::Demo(_) => "info,sqlx=warn,tower_http=warn".into(),
            _ => "warn".into(),
        });
    logging::init(format, &level);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return fail(&CliError::Runtime(format!(
                "cannot start the async runtime: {e}"
            )));
        }
    };
    match runtime.block_on(run(cli.command, &file)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("yui: error: {e}");
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
}

async fn run(command: Command, file: &FileConfig) -> Result<(), CliError> {
    match command {
        Command::Serve(args) => {
            let settings = resolve_serve(&args, file, Path::new(DEFAULT_DATA_DIR))?;
            let store = serve::open_store(&settings.db, true).await?;
            let listener = serve::bind(settings.listen).await?;
            serve::run(settings, store, listener).await
        }
        Command::Demo(args) => {
            let settings = resolve_serve(&args, file, Path::new(demo::DEMO_DATA_DIR))?;
            let store = serve::open_store(&settings.db, true).await?;
            let listener = serve::bind(settings.listen).await?;
            let yui = Yui::new(
                Arc::new(store.clone()),
                Arc::new(yui_store::LocalBlobs::new(&settings.db.data_dir)),
                Arc::new(SystemClock),
                settings.core.clone(),
            );
            demo::seed(&yui).await?;
            println!("{}", demo::banner(&settings.web.public_url));
            serve::run(settings, store, listener).await
        }
        Command::Migrate(db) => {
            let settings = resolve_db(&db, file, Path::new(DEFAULT_DATA_DIR))?;
            let store = yui_store::SqlStore::open(&settings.target, &settings.options)
                .await
                .map_err(CliError::from_open)?;
            let applied = store.migrate().await.map_err(CliError::from_open)?;
            if applied.is_empty() {
                println!("{}: schema is up to date", settings.target);
            } else {
                println!("{}: applied migrations {applied:?}", settings.target);
            }
            store.close().await;
            Ok(())
        }
        Command::Admin(cmd) => admin::run(cmd, file).await,
        Command::Package(cmd) => package::run(cmd, file).await,
        Command::Audit(AuditCommand::Verify(db)) => audit::verify(&db, file).await,
        // Handled in main before the runtime starts.
        Command::Check(_) | Command::Validate(_) | Command::Import(_) => Ok(()),
        Command::Config(ConfigCommand::PrintDefault) => {
            print!("{}", config::DEFAULT_TOML);
            Ok(())
        }
    }
}
