//! `yui demo`: a demo municipality (小国町, code 434248) with departments, one staff account
//! per role and every app template shipped in `templates/` installed and published, in a data
//! directory of its own, served at once. Running it again reuses the data, resets the demo
//! passwords (so the printed logins always work) and republishes a template only when its
//! text changed.

use yui_core::staff::NewStaffInput;
use yui_core::{Actor, CoreError, Yui};

use crate::error::CliError;

pub const DEMO_DATA_DIR: &str = "./yui-demo";
pub const TOWN_SLUG: &str = "oguni";
pub const TOWN_CODE: &str = "434248";
pub const TOWN_NAME: &str = "小国町";
const DEPARTMENTS: &[&str] = &["総務課", "住民課", "子育て支援課", "防災課", "健康福祉課"];

/// One demo login.
pub struct DemoLogin {
    pub role: &'static str,
    pub login: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub department: Option<&'static str>,
}

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin {
        role: "admin",
        login: "admin",
        password: "oguni-admin-demo",
        name: "管理 太郎",
        department: Some("総務課"),
    },
    DemoLogin {
        role: "builder",
        login: "builder",
        password: "oguni-builder-demo",
        name: "作成 花子",
        department: Some("総務課"),
    },
    DemoLogin {
        role: "reviewer",
        login: "reviewer",
        password: "oguni-reviewer-demo",
        name: "審査 一郎",
        department: Some("子育て支援課"),
    },
    DemoLogin {
        role: "viewer",
        login: "viewer",
        password: "oguni-viewer-demo",
        name: "閲覧 次郎",
        department: Some("住民課"),
    },
];

/// The app templates shipped with Yui (`templates/*.yaml`, file name and text), embedded by
/// yui-core at build time so the demo works from any directory.
pub const APP_TEMPLATES: &[(&str, &str)] = yui_core::builder::APP_TEMPLATE_FILES;

/// Installs and publishes every template that loads as an app of the demo town. An app already
/// there is left alone unless its template changed, which then becomes its next version.
async fn install_templates(yui: &Yui, town: &yui_core::model::Tenant) -> Result<(), CliError> {
    let op = Actor::Operator;
    for (file, source) in APP_TEMPLATES {
        let form = match yui_domain::definition::Form::from_yaml(source) {
            Ok(form) => form,
            Err(e) => {
                tracing::warn!(template = file, error = %e, "demo: skipping a template that does not load");
                continue;
            }
        };
        let slug = form.definition().id.clone();
        let app = match yui.staff_app(&op, town.id, &slug).await {
            Ok(existing) => {
                if existing.draft_definition == *source && existing.published_version.is_some() {
                    continue;
                }
                yui.save_app_draft(&op, town.id, existing.id, source)
                    .await
                    .map_err(CliError::from_core)?;
                existing
            }
            Err(CoreError::NotFound) => yui
                .create_app(&op, town.id, source)
                .await
                .map_err(CliError::from_core)?,
            Err(e) => return Err(CliError::from_core(e)),
        };
        let summary = if app.published_version.is_some() {
            "デモ用テンプレートの更新"
        } else {
            ""
        };
        yui.publish_app(&op, town.id, app.id, summary)
            .await
            .map_err(CliError::from_core)?;
    }
    Ok(())
}

/// Creates whatever of the demo town is missing; resets demo passwords.
pub async fn seed(yui: &Yui) -> Result<(), CliError> {
    let op = Actor::Operator;
    let town = match yui.tenant_by_slug(TOWN_SLUG).await {
        Ok(t) => t,
        Err(CoreError::NotFound) => yui
            .create_tenant(&op, TOWN_SLUG, TOWN_CODE, TOWN_NAME)
            .await
            .map_err(CliError::from_core)?,
        Err(e) => return Err(CliError::from_core(e)),
    };
    let existing = yui
        .departments(&op, town.id)
        .await
        .map_err(CliError::from_core)?;
    for name in DEPARTMENTS {
        if !existing.iter().any(|d| d.name.as_str() == *name) {
            yui.create_department(&op, town.id, name)
                .await
                .map_err(CliError::from_core)?;
        }
    }
    let users = yui
        .staff_users(&op, town.id)
        .await
        .map_err(CliError::from_core)?;
    for l in LOGINS {
        if users.iter().any(|u| u.login.as_str() == l.login) {
            yui.reset_password(&op, town.id, l.login, l.password)
                .await
                .map_err(CliError::from_core)?;
            yui.set_staff_disabled(&op, town.id, l.login, false)
                .await
                .map_err(CliError::from_core)?;
        } else {
            let input = NewStaffInput {
                login: l.login.into(),
                display_name: l.name.into(),
                role: l.role.into(),
                department: l.department.map(Into::into),
                password: l.password.into(),
            };
            yui.create_staff_user(&op, town.id, &input)
                .await
                .map_err(CliError::from_core)?;
        }
    }
    install_templates(yui, &town).await
}

/// The banner printed before serving.
pub fn banner(public_url: &str) -> String {
    let mut out = String::new();
    out.push_str("\n  Yui demo is running.\n\n");
    out.push_str(&format!("  Residents' page:  {public_url}/{TOWN_SLUG}\n"));
    out.push_str(&format!(
        "  Staff sign-in:    {public_url}/{TOWN_SLUG}/staff/login\n\n"
    ));
    out.push_str("  Logins (demo only; passwords reset each time the demo starts):\n");
    for l in LOGINS {
        out.push_str(&format!(
            "    {:<9} login: {:<9} password: {}\n",
            l.role, l.login, l.password
        ));
    }
    out.push_str("\n  Stop with Ctrl-C.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_template_is_installed_by_the_demo() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".yaml"))
            .collect();
        files.sort();
        let listed: Vec<&str> = APP_TEMPLATES.iter().map(|(name, _)| *name).collect();
        assert_eq!(files, listed, "the build script embeds every template");
        assert!(listed.contains(&"play-room-booking.yaml"));
    }
}
