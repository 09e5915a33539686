//! `/{town}/staff/catalogs`: the sharing hub of a town. Follow other instances' catalogs (the
//! catalog's key is pinned on first fetch), browse and install their packages, check installed
//! apps for upstream updates, and reach each app's sharing page and the file import.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use yui_core::sharing::{FollowedCatalogId, InstallOutcome, text_of};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::staff::sharing::{date, field, problems};
use crate::session::StaffContext;
use crate::templates::render;

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

fn time(t: Option<time::OffsetDateTime>) -> Option<String> {
    t.map(|t| {
        t.to_offset(time::macros::offset!(+9))
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]"
            ))
            .unwrap_or_default()
    })
}

fn catalog_id(lang: Lang, raw: &str) -> Result<FollowedCatalogId, AppError> {
    raw.parse()
        .map(FollowedCatalogId)
        .map_err(|_| AppError::NotFound(lang))
}

async fn show_list(
    state: &AppState,
    ctx: &StaffContext,
    errors: Vec<(String, String)>,
    notice: Option<&str>,
    url: &str,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let s = &ctx.session;
    let actor = s.actor();
    let core = |e| AppError::from_core(lang, e);
    let followed = state
        .yui
        .followed_catalogs(&actor, s.tenant.id)
        .await
        .map_err(core)?;
    let apps = state
        .yui
        .staff_apps(&actor, s.tenant.id)
        .await
        .map_err(core)?;
    let installed = state
        .yui
        .installed_packages(&actor, s.tenant.id)
        .await
        .map_err(core)?;
    let title = |app: &yui_core::records::AppRecord| match (&app.summary.title_en, lang) {
        (Some(en), Lang::En) if !en.is_empty() => en.clone(),
        _ => app.summary.title_ja.clone(),
    };
    let catalogs: Vec<Value> = followed
        .iter()
        .map(|c| {
            context! {
                id => c.id.0,
                url => &c.url,
                fingerprint => &c.key_fingerprint,
                fetched => time(c.last_fetched_at),
                error => &c.last_error,
            }
        })
        .collect();
    let installed_rows: Vec<Value> = installed
        .iter()
        .filter_map(|p| {
            let app = apps.iter().find(|a| a.id == p.app_id)?;
            Some(context! {
                slug => &app.slug,
                title => title(app),
                town => &p.author_town,
                version => p.installed_version,
                pending => p.pending_version,
            })
        })
        .collect();
    let mut own: Vec<Value> = Vec::new();
    for app in &apps {
        if installed.iter().any(|p| p.app_id == app.id) {
            continue;
        }
        let status = state
            .yui
            .sharing_status(&actor, s.tenant.id, app.id)
            .await
            .map_err(core)?;
        own.push(context! {
            slug => &app.slug,
            title => title(app),
            published => app.published_version.is_some(),
            shared => status.shared.is_some(),
            adoptions => status.adoptions,
        });
    }
    render(
        lang,
        "staff/sharing/catalogs.html",
        context! {
            catalogs => catalogs,
            installed => installed_rows,
            own => own,
            own_catalog => state.yui.catalog_url(),
            url => url,
            errors => errors,
            notice => notice,
            ..ctx.page_context("sharing")
        },
    )
}

pub async fn get_catalogs(
    State(state): State<AppState>,
    ctx: StaffContext,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let notice = query
        .notice
        .as_deref()
        .filter(|n| matches!(*n, "checked" | "found" | "unfollowed"));
    show_list(&state, &ctx, Vec::new(), notice, "").await
}

/// Follows a catalog by URL.
pub async fn post_follow(
    State(state): State<AppState>,
    ctx: StaffContext,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let s = &ctx.session;
    let url = field(&pairs, "url");
    match state.yui.follow_catalog(&s.actor(), s.tenant.id, url).await {
        Ok(c) => Ok(Redirect::to(&format!(
            "/{}/staff/catalogs/{}?notice=followed",
            ctx.town(),
            c.id
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e)?;
            let page = show_list(&state, &ctx, errors, None, url).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Checks every installed app for a newer upstream version.
pub async fn post_check(
    State(state): State<AppState>,
    ctx: StaffContext,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let s = &ctx.session;
    let outcome = state
        .yui
        .check_updates(&s.actor(), s.tenant.id)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let notice = if outcome.updates.is_empty() {
        "checked"
    } else {
        "found"
    };
    if outcome.problems.is_empty() {
        return Ok(
            Redirect::to(&format!("/{}/staff/catalogs?notice={notice}", ctx.town()))
                .into_response(),
        );
    }
    let errors = outcome
        .problems
        .into_iter()
        .map(|(ja, en)| {
            (
                "check".to_owned(),
                if ctx.lang == Lang::En { en } else { ja },
            )
        })
        .collect();
    let page = show_list(&state, &ctx, errors, Some(notice), "").await?;
    Ok((StatusCode::BAD_GATEWAY, page).into_response())
}

async fn show_catalog(
    state: &AppState,
    ctx: &StaffContext,
    id: FollowedCatalogId,
    errors: Vec<(String, String)>,
    notice: Option<&str>,
    retry: Option<(&str, &str)>,
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let s = &ctx.session;
    let actor = s.actor();
    let view = state
        .yui
        .catalog_view(&actor, s.tenant.id, id)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let apps = state
        .yui
        .staff_apps(&actor, s.tenant.id)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let packages: Vec<Value> = view
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let e = &p.entry;
            let installed_as = p
                .installed
                .as_ref()
                .and_then(|ip| apps.iter().find(|a| a.id == ip.app_id))
                .map(|a| a.slug.clone());
            let latest = e.changelog.iter().max_by_key(|c| c.version);
            let retry_slug = retry.filter(|(pid, _)| *pid == e.id).map(|(_, s)| s);
            context! {
                n => i + 1,
                id => &e.id,
                title => e.title_in(lang.code()),
                description => e.description.as_ref().map(|d| text_of(d, lang.code())),
                town => &e.town,
                code => &e.town_code,
                version => e.version,
                licence => &e.licence,
                adoptions => e.adoptions,
                published => date(&e.published_at),
                latest => latest.map(|c| context! { version => c.version, summary => &c.summary }),
                installed_as => installed_as,
                installed_version => p.installed.as_ref().map(|ip| ip.installed_version),
                retry_slug => retry_slug,
            }
        })
        .collect();
    render(
        lang,
        "staff/sharing/catalog.html",
        context! {
            catalog => context! {
                id => view.catalog.id.0,
                url => &view.catalog.url,
                fingerprint => &view.catalog.key_fingerprint,
                fetched => time(view.catalog.last_fetched_at),
                error => &view.catalog.last_error,
            },
            packages => packages,
            errors => errors,
            notice => notice,
            ..ctx.page_context("sharing")
        },
    )
}

pub async fn get_catalog(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<NoticeQuery>,
) -> Result<Html<String>, AppError> {
    let id = catalog_id(ctx.lang, &id)?;
    let notice = query
        .notice
        .as_deref()
        .filter(|n| matches!(*n, "followed" | "refreshed"));
    show_catalog(&state, &ctx, id, Vec::new(), notice, None).await
}

/// Fetches the catalog again (refusing a changed key) and looks for updates from it.
pub async fn post_refresh(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let id = catalog_id(ctx.lang, &id)?;
    let s = &ctx.session;
    match state.yui.refresh_catalog(&s.actor(), s.tenant.id, id).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/{}/staff/catalogs/{id}?notice=refreshed",
            ctx.town()
        ))
        .into_response()),
        Err(e) => {
            let errors = problems(ctx.lang, e)?;
            let page = show_catalog(&state, &ctx, id, errors, None, None).await?;
            Ok((StatusCode::BAD_GATEWAY, page).into_response())
        }
    }
}

/// Installs one package of the catalog.
pub async fn post_install(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let id = catalog_id(ctx.lang, &id)?;
    let s = &ctx.session;
    let package = field(&pairs, "package");
    let slug = field(&pairs, "slug").trim();
    match state
        .yui
        .install_from_catalog(
            &s.actor(),
            s.tenant.id,
            id,
            package,
            (!slug.is_empty()).then(|| slug.to_owned()),
        )
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
            let taken = matches!(&e, yui_core::CoreError::Invalid(i)
                if i.problems.iter().any(|p| p.code == "package.slug_taken" || p.code == "package.bad_slug"));
            let errors = problems(ctx.lang, e)?;
            let suggested = if slug.is_empty() {
                package
                    .split_once('/')
                    .map(|(_, s)| format!("{s}-2"))
                    .unwrap_or_default()
            } else {
                slug.to_owned()
            };
            let retry = taken.then_some((package, suggested.as_str()));
            let page = show_catalog(&state, &ctx, id, errors, None, retry).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Stops following a catalog (installed apps stay).
pub async fn post_unfollow(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(field(&pairs, "_csrf"))?;
    let id = catalog_id(ctx.lang, &id)?;
    let s = &ctx.session;
    state
        .yui
        .unfollow_catalog(&s.actor(), s.tenant.id, id)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    Ok(Redirect::to(&format!("/{}/staff/catalogs?notice=unfollowed", ctx.town())).into_response())
}
