//! `yui audit verify`: recompute every audit chain and report tampering.

use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use yui_core::Yui;
use yui_core::clock::SystemClock;

use crate::cli::DbArgs;
use crate::config::{FileConfig, resolve_core, resolve_db};
use crate::error::CliError;
use crate::serve::open_store;

pub async fn verify(db: &DbArgs, file: &FileConfig) -> Result<(), CliError> {
    let settings = resolve_db(db, file, std::path::Path::new(crate::DEFAULT_DATA_DIR))?;
    let store = open_store(&settings, false).await?;
    let yui = Yui::new(
        Arc::new(store.clone()),
        Arc::new(yui_store::LocalBlobs::new(&settings.data_dir)),
        Arc::new(SystemClock),
        resolve_core(file)?,
    );
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} verifying the audit trail: {pos} events ({per_sec})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let progress_bar = bar.clone();
    let report = yui
        .verify_audit(&move |n| progress_bar.set_position(n))
        .await
        .map_err(|e| CliError::Runtime(format!("cannot read the audit trail: {e}")))?;
    bar.finish_and_clear();
    store.close().await;
    if report.is_intact() {
        println!(
            "audit trail intact: {} events in {} chains ({})",
            report.events, report.chains, settings.target
        );
        return Ok(());
    }
    for p in &report.problems {
        let chain = if p.chain_key == 0 {
            "instance".to_owned()
        } else {
            format!("municipality {}", p.chain_key)
        };
        println!("TAMPERED  {chain}, event {}: {}", p.seq, p.what);
    }
    Err(CliError::Runtime(format!(
        "the audit trail has {} problem(s) in {} events checked",
        report.problems.len(),
        report.events
    )))
}
