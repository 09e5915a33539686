//! `/{town}/staff/packages/import`: install an app from a package file another town sent.
//! The upload is verified and its provenance shown (town, code, signing key, version,
//! licence, changelog) before anything is installed; the builder confirms in one step, and
//! picks another app id when the package's id is taken. A newer version of a package the
//! town has becomes an update to review instead.

use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use yui_core::sharing::{
    ImportAction, ImportPreview, InstallOptions, InstallOutcome, MAX_PACKAGE_BYTES,
};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::staff::sharing::{field, problems, provenance};
use crate::session::StaffContext;
use crate::templates::render;

fn upload_page(
    ctx: &StaffContext,
    errors: Vec<(String, String)>,
) -> Result<Html<String>, AppError> {
    render(
        ctx.lang,
        "staff/sharing/import.html",
        context! {
            preview => minijinja::Value::UNDEFINED,
            errors => errors,
            ..ctx.page_context("sharing")
        },
    )
}

fn preview_page(
    ctx: &StaffContext,
    preview: &ImportPreview,
    slug: Option<&str>,
    errors: Vec<(String, String)>,
) -> Result<Html<String>, AppError> {
    let (action, app, from, to) = match &preview.action {
        ImportAction::Install => ("install", String::new(), 0, preview.info.manifest.version),
        ImportAction::Update { app, from, to } => ("update", app.clone(), *from, *to),
        ImportAction::UpToDate { app, installed } => {
            ("up_to_date", app.clone(), *installed, *installed)
        }
    };
    let slug = slug.map_or_else(
        || {
            if preview.slug_taken {
                preview.suggested_slug.clone()
            } else {
                preview.info.definition.id.clone()
            }
        },
        str::to_owned,
    );
    render(
        ctx.lang,
        "staff/sharing/import.html",
        context! {
            preview => context! {
                package => provenance(ctx.lang, &preview.info),
                action => action,
                app => app,
                from => from,
                to => to,
                slug_taken => preview.slug_taken,
                original_slug => &preview.info.definition.id,
                slug => slug,
                known_catalog => &preview.known_catalog,
                text => &preview.info.text,
            },
            errors => errors,
            ..ctx.page_context("sharing")
        },
    )
}

pub async fn get_import(ctx: StaffContext) -> Result<Html<String>, AppError> {
    // Only builders get the form; others learn at once that they may not.
    if !yui_core::actor::allows(ctx.session.user.role, yui_core::Permission::BuildApps) {
        return Err(AppError::Forbidden(ctx.lang));
    }
    upload_page(&ctx, Vec::new())
}

fn no_file(lang: Lang) -> Vec<(String, String)> {
    vec![("file".to_owned(), lang.t("sharing-import-choose-file"))]
}

/// Reads the uploaded file and shows its provenance with a confirm button.
pub async fn post_import(
    State(state): State<AppState>,
    ctx: StaffContext,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(part) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::Forbidden(lang))?
    {
        match part.name() {
            Some("_csrf") => csrf = part.text().await.unwrap_or_default(),
            Some("file") => {
                let bytes = part.bytes().await.map_err(|_| AppError::Forbidden(lang))?;
                if !bytes.is_empty() {
                    file = Some(bytes.to_vec());
                }
            }
            _ => {}
        }
    }
    ctx.verify_csrf(&csrf)?;
    let errors = match file {
        None => no_file(lang),
        Some(bytes) if bytes.len() > MAX_PACKAGE_BYTES => {
            vec![("file".to_owned(), lang.t("sharing-import-too-large"))]
        }
        Some(bytes) => match String::from_utf8(bytes) {
            Err(_) => vec![("file".to_owned(), lang.t("sharing-import-not-a-package"))],
            Ok(text) => {
                let s = &ctx.session;
                match state
                    .yui
                    .preview_import(&s.actor(), s.tenant.id, &text)
                    .await
                {
                    Ok(preview) => {
                        return Ok(preview_page(&ctx, &preview, None, Vec::new())?.into_response());
                    }
                    Err(e) => problems(lang, e)?
                        .into_iter()
                        .map(|(_, m)| ("file".to_owned(), m))
                        .collect(),
                }
            }
        },
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, upload_page(&ctx, errors)?).into_response())
}

/// Installs the confirmed file.
pub async fn post_confirm(
    State(state): State<AppState>,
    ctx: StaffContext,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let lang = ctx.lang;
    let s = &ctx.session;
    let actor = s.actor();
    let text = field(&pairs, "package");
    let slug = field(&pairs, "slug").trim();
    let options = InstallOptions {
        slug: (!slug.is_empty()).then(|| slug.to_owned()),
        catalog_url: None,
    };
    match state
        .yui
        .install_package(&actor, s.tenant.id, text, &options)
        .await
    {
        Ok(outcome) => {
            let notice = match outcome {
                InstallOutcome::Installed { .. } => "installed",
                InstallOutcome::UpdateOffered { .. } => "found",
            };
            Ok(Redirect::to(&format!(
                "/{}/staff/apps/{}/update?notice={notice}",
                ctx.town(),
                outcome.app().slug
            ))
            .into_response())
        }
        Err(e) => {
            let errors = problems(lang, e)?;
            match state.yui.preview_import(&actor, s.tenant.id, text).await {
                Ok(preview) => Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    preview_page(&ctx, &preview, Some(slug), errors)?,
                )
                    .into_response()),
                Err(e) => {
                    let errors = problems(lang, e)?
                        .into_iter()
                        .map(|(_, m)| ("file".to_owned(), m))
                        .collect();
                    Ok(
                        (StatusCode::UNPROCESSABLE_ENTITY, upload_page(&ctx, errors)?)
                            .into_response(),
                    )
                }
            }
        }
    }
}
