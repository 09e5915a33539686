//! `yui package …`: signed package files on the command line — export an app, inspect a file's
//! provenance, import one into a municipality after confirmation.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::Path;

use yui_core::sharing::{
    ImportAction, ImportPreview, InstallOptions, InstallOutcome, PackageInfo, inspect_package,
};
use yui_core::{Actor, CoreError};

use crate::admin::yui_for;
use crate::cli::PackageCommand;
use crate::config::FileConfig;
use crate::error::CliError;

pub async fn run(command: PackageCommand, file: &FileConfig) -> Result<(), CliError> {
    let op = Actor::Operator;
    match command {
        PackageCommand::Export {
            db,
            tenant,
            app,
            output,
            licence,
            changelog,
        } => {
            let (yui, store) = yui_for(&db, file).await?;
            let town = town(&yui, &tenant).await?;
            let record = yui
                .staff_app(&op, town.id, &app)
                .await
                .map_err(|e| not_found(e, &format!("no app {app:?} in {}", town.name)))?;
            let text = yui
                .export_package(
                    &op,
                    town.id,
                    record.id,
                    licence.as_deref(),
                    changelog.as_deref(),
                )
                .await
                .map_err(CliError::from_core)?;
            store.close().await;
            match output {
                Some(path) => {
                    std::fs::write(&path, text.as_bytes()).map_err(|e| {
                        CliError::Runtime(format!("cannot write {}: {e}", path.display()))
                    })?;
                    eprintln!(
                        "wrote {} (version {} of {}, signed)",
                        path.display(),
                        record.published_version.unwrap_or(0),
                        record.slug
                    );
                }
                None => println!("{text}"),
            }
        }
        PackageCommand::Inspect { file: path } => {
            let info = inspect_package(&read(&path)?).map_err(CliError::from_core)?;
            print!("{}", provenance(&info));
        }
        PackageCommand::Import {
            db,
            tenant,
            file: path,
            yes,
            slug,
            publish,
        } => {
            let text = read(&path)?;
            let (yui, store) = yui_for(&db, file).await?;
            let town = town(&yui, &tenant).await?;
            let preview = yui
                .preview_import(&op, town.id, &text)
                .await
                .map_err(CliError::from_core)?;
            print!("{}", provenance(&preview.info));
            if let Some(catalog) = &preview.known_catalog {
                println!(
                    "trusted:     signed with the pinned key of the followed catalog {catalog}"
                );
            }
            println!(
                "{}",
                plan(&preview, slug.as_deref(), &town.name.to_string())
            );
            if let ImportAction::UpToDate { .. } = preview.action {
                store.close().await;
                return Ok(());
            }
            if !yes && !confirm(&format!("Install into {}? [y/N] ", town.name))? {
                println!("cancelled: nothing was installed");
                store.close().await;
                return Ok(());
            }
            let outcome = yui
                .install_package(
                    &op,
                    town.id,
                    &text,
                    &InstallOptions {
                        slug,
                        catalog_url: None,
                    },
                )
                .await
                .map_err(CliError::from_core)?;
            match outcome {
                InstallOutcome::Installed { app, .. } => {
                    println!("installed {} in {} (a draft)", app.slug, town.name);
                    if publish {
                        let v = yui
                            .publish_app(&op, town.id, app.id, "")
                            .await
                            .map_err(CliError::from_core)?;
                        println!("published {} version {}", app.slug, v.version);
                    }
                }
                InstallOutcome::UpdateOffered { app, version, .. } => {
                    println!(
                        "version {version} waits as an update of {}: review it at /{}/staff/apps/{}/update",
                        app.slug, town.slug, app.slug
                    );
                }
            }
            store.close().await;
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| CliError::Config(format!("{} is not a Yui package file", path.display())))
}

async fn town(yui: &yui_core::Yui, slug: &str) -> Result<yui_core::model::Tenant, CliError> {
    yui.tenant_by_slug(slug).await.map_err(|_| {
        CliError::Config(format!(
            "no municipality with slug {slug:?} (see `yui admin list-tenants`)"
        ))
    })
}

fn not_found(e: CoreError, what: &str) -> CliError {
    match e {
        CoreError::NotFound => CliError::Config(what.to_owned()),
        other => CliError::from_core(other),
    }
}

/// Where a package comes from, as shown before installing.
fn provenance(info: &PackageInfo) -> String {
    let m = &info.manifest;
    let title = yui_core::sharing::text_in_both(&m.title);
    let mut out = String::new();
    out.push_str(&format!("package:     {} version {}\n", m.id, m.version));
    out.push_str(&format!("title:       {title}\n"));
    out.push_str(&format!(
        "from:        {} ({})\n",
        m.author.town, m.author.code
    ));
    out.push_str(&format!(
        "signed by:   {} (signature verified)\n",
        info.key_fingerprint
    ));
    out.push_str(&format!("licence:     {}\n", m.licence));
    out.push_str(&format!("published:   {}\n", m.published_at));
    if let Some(catalog) = &m.author.catalog {
        out.push_str(&format!("catalog:     {catalog}\n"));
    }
    out.push_str(&format!(
        "contents:    {} questions; no submissions\n",
        count_fields(&info.definition.fields)
    ));
    out.push_str("changelog:\n");
    for entry in &m.changelog {
        out.push_str(&format!(
            "  v{} {}  {}\n",
            entry.version, entry.date, entry.summary
        ));
    }
    out
}

fn count_fields(fields: &[yui_domain::definition::Field]) -> usize {
    fields
        .iter()
        .map(|f| usize::from(f.field_type.is_input()) + count_fields(&f.fields))
        .sum()
}

fn plan(preview: &ImportPreview, slug: Option<&str>, town: &str) -> String {
    match &preview.action {
        ImportAction::Install => {
            let id = slug.unwrap_or(&preview.info.definition.id);
            if preview.slug_taken && slug.is_none() {
                format!(
                    "{town} already has an app with the id {id}: choose another with --slug (for example --slug {})",
                    preview.suggested_slug
                )
            } else {
                format!("installs as a new app {id} in {town} (a draft to review and publish)")
            }
        }
        ImportAction::Update { app, from, to } => {
            format!(
                "{town} has this package as {app} (version {from}): version {to} will wait as an update to review"
            )
        }
        ImportAction::UpToDate { app, installed } => {
            format!("{town} already has this package as {app} (version {installed}); nothing to do")
        }
    }
}

/// Asks on the terminal (or reads one line of standard input when it is not a terminal).
fn confirm(question: &str) -> Result<bool, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        print!("{question}");
        let _ = std::io::stdout().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Runtime(format!("cannot read the answer: {e}")))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "はい"))
}
