//! `/{town}/staff/apps/{app}/share`: offer an app to other towns in this instance's catalog
//! under a licence (or stop), see how many towns adopted it, and download its package file.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use yui_core::sharing::{DEFAULT_LICENCE, LICENCES};

use crate::AppState;
use crate::error::AppError;
use crate::pages::staff::sharing::{field, problems};
use crate::session::StaffContext;
use crate::templates::render;

#[derive(Deserialize, Default)]
pub struct ShareQuery {
    #[serde(default)]
    notice: Option<String>,
}

async fn show(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    errors: Vec<(String, String)>,
    notice: Option<&str>,
    licence: Option<&str>,
) -> Result<Html<String>, AppError> {
    let s = &ctx.session;
    let actor = s.actor();
    let app = state
        .yui
        .staff_app(&actor, s.tenant.id, slug)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let status = state
        .yui
        .sharing_status(&actor, s.tenant.id, app.id)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let current = licence
        .map(str::to_owned)
        .or_else(|| status.shared.as_ref().map(|p| p.licence.clone()))
        .unwrap_or_else(|| DEFAULT_LICENCE.to_owned());
    let title = match (&app.summary.title_en, ctx.lang) {
        (Some(en), crate::i18n::Lang::En) if !en.is_empty() => en.clone(),
        _ => app.summary.title_ja.clone(),
    };
    let changelog: Vec<minijinja::Value> = status
        .changelog
        .iter()
        .map(|c| context! { version => c.version, date => &c.date, summary => &c.summary })
        .collect();
    let is_known = LICENCES.contains(&current.as_str());
    render(
        ctx.lang,
        "staff/sharing/share.html",
        context! {
            app => context! { slug => &app.slug, title => title, version => app.published_version },
            shared => status.shared.is_some(),
            package_id => &status.package_id,
            adoptions => status.adoptions,
            catalog_url => &status.catalog_url,
            download_url => &status.download_url,
            changelog => changelog,
            licences => LICENCES.to_vec(),
            licence => current,
            other_licence => !is_known,
            errors => errors,
            notice => notice,
            ..ctx.page_context("sharing")
        },
    )
}

pub async fn get_share(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Query(query): Query<ShareQuery>,
) -> Result<Html<String>, AppError> {
    let notice = query
        .notice
        .as_deref()
        .filter(|n| matches!(*n, "shared" | "unshared"));
    show(&state, &ctx, &slug, Vec::new(), notice, None).await
}

pub async fn post_share(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let s = &ctx.session;
    let actor = s.actor();
    let app = state
        .yui
        .staff_app(&actor, s.tenant.id, &slug)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let chosen = match field(&pairs, "licence") {
        "other" => field(&pairs, "licence_other"),
        l => l,
    };
    let (result, notice) = if field(&pairs, "action") == "unshare" {
        (
            state.yui.unshare_app(&actor, s.tenant.id, app.id).await,
            "unshared",
        )
    } else {
        (
            state
                .yui
                .share_app(&actor, s.tenant.id, app.id, chosen)
                .await
                .map(|_| ()),
            "shared",
        )
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!(
            "/{}/staff/apps/{slug}/share?notice={notice}",
            ctx.town()
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e)?;
            let page = show(&state, &ctx, &slug, errors, None, Some(chosen)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The app's package file, signed by this instance (for sending by e-mail or on a USB stick
/// to a town without network access to this instance).
pub async fn get_package(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let s = &ctx.session;
    let actor = s.actor();
    let app = state
        .yui
        .staff_app(&actor, s.tenant.id, &slug)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let text = match state
        .yui
        .export_package(&actor, s.tenant.id, app.id, None, None)
        .await
    {
        Ok(text) => text,
        Err(e) => {
            let errors = problems(ctx.lang, e)?;
            let page = show(&state, &ctx, &slug, errors, None, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut response = (
        [(
            header::CONTENT_TYPE,
            crate::pages::catalog::PACKAGE_MEDIA_TYPE,
        )],
        text,
    )
        .into_response();
    let name = format!(
        "attachment; filename=\"{}-{}-{}.yuipkg\"",
        s.tenant.code,
        app.slug,
        app.published_version.unwrap_or(0)
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
