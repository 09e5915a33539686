//! `yui admin …`: the operator manages towns and staff accounts from the server's shell.

use std::io::Read as _;
use std::sync::Arc;

use yui_core::clock::SystemClock;
use yui_core::staff::NewStaffInput;
use yui_core::token::new_password;
use yui_core::{Actor, CoreSettings, Yui};

use crate::cli::{AdminCommand, DbArgs};
use crate::config::{FileConfig, resolve_core, resolve_db};
use crate::error::CliError;
use crate::serve::open_store;

pub(crate) async fn yui_for(
    db: &DbArgs,
    file: &FileConfig,
) -> Result<(Yui, yui_store::SqlStore), CliError> {
    let settings = resolve_db(db, file, std::path::Path::new(crate::DEFAULT_DATA_DIR))?;
    let store = open_store(&settings, true).await?;
    let core = resolve_core(file).unwrap_or_else(|_| CoreSettings::default());
    Ok((
        Yui::new(
            Arc::new(store.clone()),
            Arc::new(yui_store::LocalBlobs::new(&settings.data_dir)),
            Arc::new(SystemClock),
            core,
        ),
        store,
    ))
}

fn read_password_stdin() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| {
        CliError::Runtime(format!("cannot read the password from standard input: {e}"))
    })?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

fn password(from_stdin: bool) -> Result<(String, bool), CliError> {
    if from_stdin {
        Ok((read_password_stdin()?, false))
    } else {
        Ok((new_password().map_err(CliError::from_core)?, true))
    }
}

pub async fn run(command: AdminCommand, file: &FileConfig) -> Result<(), CliError> {
    let op = Actor::Operator;
    match command {
        AdminCommand::CreateTenant {
            db,
            slug,
            code,
            name,
        } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .create_tenant(&op, &slug, &code, &name)
                .await
                .map_err(CliError::from_core)?;
            println!(
                "created municipality {} ({}, code {})",
                t.name, t.slug, t.code
            );
            store.close().await;
        }
        AdminCommand::ListTenants { db } => {
            let (yui, store) = yui_for(&db, file).await?;
            for t in yui.tenants().await.map_err(CliError::from_core)? {
                println!("{}\t{}\t{}", t.slug, t.code, t.name);
            }
            store.close().await;
        }
        AdminCommand::InstallApp {
            db,
            tenant,
            file: path,
            publish,
            summary,
        } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .tenant_by_slug(&tenant)
                .await
                .map_err(|_| unknown_town(&tenant))?;
            install_app(&yui, &t, &path, publish, &summary).await?;
            store.close().await;
        }
        AdminCommand::CreateDepartment { db, tenant, name } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .tenant_by_slug(&tenant)
                .await
                .map_err(|_| unknown_town(&tenant))?;
            let d = yui
                .create_department(&op, t.id, &name)
                .await
                .map_err(CliError::from_core)?;
            println!("created department {} in {}", d.name, t.name);
            store.close().await;
        }
        AdminCommand::CreateUser {
            db,
            tenant,
            login,
            name,
            role,
            department,
            password_stdin,
        } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .tenant_by_slug(&tenant)
                .await
                .map_err(|_| unknown_town(&tenant))?;
            let (password, generated) = password(password_stdin)?;
            let input = NewStaffInput {
                login,
                display_name: name,
                role,
                department,
                password: password.clone(),
            };
            let u = yui
                .create_staff_user(&op, t.id, &input)
                .await
                .map_err(CliError::from_core)?;
            println!("created {} account {} in {}", u.role, u.login, t.name);
            if generated {
                println!("password: {password}");
                println!("(shown once; give it to the person by a safe channel)");
            }
            store.close().await;
        }
        AdminCommand::ListUsers { db, tenant } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .tenant_by_slug(&tenant)
                .await
                .map_err(|_| unknown_town(&tenant))?;
            for u in yui
                .staff_users(&op, t.id)
                .await
                .map_err(CliError::from_core)?
            {
                let state = if u.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{}\t{}", u.login, u.role, state, u.display_name);
            }
            store.close().await;
        }
        AdminCommand::ResetPassword {
            db,
            tenant,
            login,
            password_stdin,
        } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .tenant_by_slug(&tenant)
                .await
                .map_err(|_| unknown_town(&tenant))?;
            let (password, generated) = password(password_stdin)?;
            yui.reset_password(&op, t.id, &login, &password)
                .await
                .map_err(|e| no_such_user(e, &login))?;
            println!("password of {login} reset; their sessions have ended");
            if generated {
                println!("password: {password}");
            }
            store.close().await;
        }
        AdminCommand::DisableUser { db, tenant, login } => {
            set_disabled(file, &db, &tenant, &login, true).await?;
        }
        AdminCommand::EnableUser { db, tenant, login } => {
            set_disabled(file, &db, &tenant, &login, false).await?;
        }
        AdminCommand::CreateApiToken {
            db,
            tenant,
            name,
            role,
        } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .tenant_by_slug(&tenant)
                .await
                .map_err(|_| unknown_town(&tenant))?;
            let created = yui
                .create_api_token(&op, t.id, &name, &role)
                .await
                .map_err(CliError::from_core)?;
            println!(
                "created API token {} ({}) for {}",
                created.record.name, created.record.role, t.name
            );
            println!("token: {}", created.token);
            println!("(shown once; store it in the calling system's secret store)");
            store.close().await;
        }
        AdminCommand::ListApiTokens { db, tenant } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .tenant_by_slug(&tenant)
                .await
                .map_err(|_| unknown_town(&tenant))?;
            for token in yui
                .api_tokens(&op, t.id)
                .await
                .map_err(CliError::from_core)?
            {
                let state = if token.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let used = token
                    .last_used_at
                    .map_or_else(|| "never used".to_owned(), |at| format!("last used {at}"));
                println!("{}\t{}\t{state}\t{used}", token.name, token.role);
            }
            store.close().await;
        }
        AdminCommand::RevokeApiToken { db, tenant, name } => {
            let (yui, store) = yui_for(&db, file).await?;
            let t = yui
                .tenant_by_slug(&tenant)
                .await
                .map_err(|_| unknown_town(&tenant))?;
            let token = yui
                .api_tokens(&op, t.id)
                .await
                .map_err(CliError::from_core)?
                .into_iter()
                .find(|k| k.name == name && k.revoked_at.is_none())
                .ok_or_else(|| {
                    CliError::Config(format!(
                        "no active API token {name:?} in {} (see `yui admin list-api-tokens`)",
                        t.slug
                    ))
                })?;
            yui.revoke_api_token(&op, t.id, token.id)
                .await
                .map_err(CliError::from_core)?;
            println!("revoked API token {name}; it stops working at once");
            store.close().await;
        }
    }
    Ok(())
}

async fn set_disabled(
    file: &FileConfig,
    db: &DbArgs,
    tenant: &str,
    login: &str,
    disabled: bool,
) -> Result<(), CliError> {
    let (yui, store) = yui_for(db, file).await?;
    let t = yui
        .tenant_by_slug(tenant)
        .await
        .map_err(|_| unknown_town(tenant))?;
    yui.set_staff_disabled(&Actor::Operator, t.id, login, disabled)
        .await
        .map_err(|e| no_such_user(e, login))?;
    if disabled {
        println!("disabled {login}; their sessions have ended");
    } else {
        println!("enabled {login}");
    }
    store.close().await;
    Ok(())
}

/// Creates the app (or replaces its draft) and optionally publishes it.
pub async fn install_app(
    yui: &Yui,
    tenant: &yui_core::model::Tenant,
    path: &std::path::Path,
    publish: bool,
    summary: &str,
) -> Result<(), CliError> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display())))?;
    let located = |e: yui_core::CoreError| match e {
        yui_core::CoreError::Definition(errors) => CliError::Config(
            errors
                .0
                .iter()
                .map(|d| {
                    format!(
                        "{}:{}:{}: {}",
                        path.display(),
                        d.line.unwrap_or(0),
                        d.column.unwrap_or(0),
                        d.message_en
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => CliError::from_core(other),
    };
    let op = Actor::Operator;
    let def = yui_domain::definition::AppDefinition::from_yaml(&source)
        .map_err(|e| located(yui_core::CoreError::Definition(e)))?;
    let app = match yui.staff_app(&op, tenant.id, &def.id).await {
        Ok(existing) => {
            let problems = yui
                .save_app_draft(&op, tenant.id, existing.id, &source)
                .await
                .map_err(located)?;
            if publish && !problems.0.is_empty() {
                return Err(located(yui_core::CoreError::Definition(problems)));
            }
            existing
        }
        Err(yui_core::CoreError::NotFound) => yui
            .create_app(&op, tenant.id, &source)
            .await
            .map_err(located)?,
        Err(e) => return Err(CliError::from_core(e)),
    };
    if publish {
        let v = yui
            .publish_app(&op, tenant.id, app.id, summary)
            .await
            .map_err(located)?;
        println!(
            "published {} version {} in {}",
            app.slug, v.version, tenant.name
        );
    } else {
        println!("saved the draft of {} in {}", app.slug, tenant.name);
    }
    Ok(())
}

fn unknown_town(slug: &str) -> CliError {
    CliError::Config(format!(
        "no municipality with slug {slug:?} (see `yui admin list-tenants`)"
    ))
}

fn no_such_user(e: yui_core::CoreError, login: &str) -> CliError {
    match e {
        yui_core::CoreError::NotFound => {
            CliError::Config(format!("no staff account {login:?} in that municipality"))
        }
        other => CliError::from_core(other),
    }
}
