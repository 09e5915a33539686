//! `yui serve`: open the store, apply migrations on SQLite (check them on PostgreSQL), listen,
//! sweep expired sessions in the background, and stop gracefully on SIGTERM or Ctrl-C,
//! finishing requests already in flight.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;
use yui_core::Yui;
use yui_core::clock::SystemClock;
use yui_store::{DatabaseTarget, SqlStore};

use crate::config::{DbSettings, ServeSettings};
use crate::error::CliError;

/// Opens the store for a command. SQLite is migrated on open when `migrate_sqlite` is set;
/// PostgreSQL must already be migrated (with `yui migrate`).
pub async fn open_store(db: &DbSettings, migrate_sqlite: bool) -> Result<SqlStore, CliError> {
    let store = SqlStore::open(&db.target, &db.options)
        .await
        .map_err(CliError::from_open)?;
    match &db.target {
        DatabaseTarget::Sqlite { .. } if migrate_sqlite => {
            let applied = store.migrate().await.map_err(CliError::from_open)?;
            if !applied.is_empty() {
                tracing::info!(versions = ?applied, "applied database migrations");
            }
        }
        _ => store
            .ensure_schema_current()
            .await
            .map_err(CliError::from_open)?,
    }
    Ok(store)
}

/// Binds the listening socket, explaining the usual failure.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, CliError> {
    TcpListener::bind(addr).await.map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                " (another program, perhaps another Yui, uses this port; choose another with --listen)"
            }
            std::io::ErrorKind::PermissionDenied => " (ports below 1024 need privileges; use e.g. 8080)",
            _ => "",
        };
        CliError::Runtime(format!("cannot listen on {addr}: {e}{hint}"))
    })
}

/// Runs the server until SIGTERM or Ctrl-C.
pub async fn run(
    settings: ServeSettings,
    store: SqlStore,
    listener: TcpListener,
) -> Result<(), CliError> {
    let yui = Yui::new(
        Arc::new(store.clone()),
        Arc::new(yui_store::LocalBlobs::new(&settings.db.data_dir)),
        Arc::new(SystemClock),
        settings.core.clone(),
    );
    let remote: Arc<dyn yui_core::ports::Remote> = Arc::new(
        yui_channels::HttpRemote::new()
            .map_err(|e| CliError::Runtime(format!("cannot set up outbound HTTP: {e}")))?,
    );
    let yui = yui.with_remote(remote.clone());
    let state = yui_web::AppState::new(yui.clone(), settings.web.clone())
        .with_manual_printer(Arc::new(manual_printer(settings.font_dir.as_deref())));
    let app = yui_web::router(state).into_make_service_with_connect_info::<SocketAddr>();

    let sweeper = tokio::spawn(sweep_sessions(yui.clone()));
    let channels = match &settings.email {
        Some(config) => yui_channels::Channels {
            email: Some(
                yui_channels::SmtpMailer::new(config)
                    .map_err(|e| CliError::Config(format!("e-mail: {e}")))?,
            ),
            remote: Some(remote.clone()),
        },
        None => {
            tracing::warn!(
                "no SMTP server configured (email.smtp_url): e-mails will wait in the queue"
            );
            yui_channels::Channels {
                remote: Some(remote.clone()),
                ..yui_channels::Channels::default()
            }
        }
    };
    let worker = tokio::spawn(run_jobs(yui.clone(), channels));
    tracing::info!(
        listen = %settings.listen,
        url = %settings.web.public_url,
        database = %settings.db.target,
        version = env!("CARGO_PKG_VERSION"),
        "Yui is serving"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server stopped with an error")
        .map_err(|e| CliError::Runtime(format!("{e:#}")))?;
    sweeper.abort();
    worker.abort();
    store.close().await;
    tracing::info!("Yui stopped");
    Ok(())
}

/// The PDF printer for handover manuals. Fonts are read when the first PDF is asked for (they
/// are several megabytes a server that never prints need not hold). Without Japanese fonts
/// Yui still serves; the PDF link then tells staff what to install.
fn manual_printer(font_dir: Option<&std::path::Path>) -> yui_pdf::TypstPrinter {
    yui_pdf::TypstPrinter::on_first_use(font_dir.map(std::path::Path::to_owned))
}

/// Runs due jobs one after another; when none is due, checks again a second later. Publishes
/// the queue's size as the `yui_jobs` gauge.
async fn run_jobs(yui: Yui, channels: yui_channels::Channels) {
    let mut idle_rounds: u32 = 0;
    loop {
        match yui.run_next_job(&channels).await {
            Ok(Some(_)) => {
                idle_rounds = 0;
                continue;
            }
            Ok(None) => idle_rounds = idle_rounds.saturating_add(1),
            Err(e) => {
                tracing::warn!(error = %e, "job worker could not reach the queue");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
        if idle_rounds % 15 == 1
            && let Ok(c) = yui.job_counts().await
        {
            for (status, n) in [
                ("pending", c.pending),
                ("running", c.running),
                ("failed", c.failed),
            ] {
                metrics::gauge!("yui_jobs", "status" => status).set(n as f64);
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn sweep_sessions(yui: Yui) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match yui.sweep_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "removed expired staff sessions"),
            Err(e) => tracing::warn!(error = %e, "could not sweep expired sessions"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
