//! `/{town}/staff/apps/{app}/update`: an app installed from another town's package — where it
//! came from, what the town changed locally, and a waiting upstream version: what changed
//! upstream in plain words, the merge with the local draft, and a choice per conflict (keep
//! mine / take theirs). Taking the update saves the merged draft; publishing it (with the
//! orphaned-answers check) is the step after.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use yui_domain::diff::words::value_words;
use yui_domain::merge::{Conflict, ConflictKind, Side};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::staff::sharing::{change_groups, field, installed, manifest, problems};
use crate::session::StaffContext;
use crate::templates::render;

#[derive(Deserialize, Default)]
pub struct UpdateQuery {
    #[serde(default)]
    notice: Option<String>,
}

const NOTICES: [&str; 5] = ["found", "none", "taken", "published", "installed"];

fn side_words(lang: Lang, c: &Conflict) -> (String, String) {
    let english = lang == Lang::En;
    match c.kind {
        ConflictKind::RemovedUpstream => {
            (lang.t("sharing-keep-item"), lang.t("sharing-remove-item"))
        }
        ConflictKind::RemovedLocally => (
            lang.t("sharing-stay-removed"),
            lang.t("sharing-restore-item"),
        ),
        _ => (
            value_words(&c.ours, !english),
            value_words(&c.theirs, !english),
        ),
    }
}

fn message(lang: Lang, c: &Conflict) -> &str {
    match lang {
        Lang::Ja => &c.message_ja,
        Lang::En => &c.message_en,
    }
}

/// The choices posted as `c:<conflict id>` = `ours` | `theirs`.
fn choices(pairs: &[(String, String)]) -> Vec<(String, Side)> {
    pairs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("c:")?.to_owned(), Side::parse(v)?)))
        .collect()
}

async fn show(
    state: &AppState,
    ctx: &StaffContext,
    slug: &str,
    errors: Vec<(String, String)>,
    notice: Option<&str>,
    chosen: &[(String, Side)],
) -> Result<Html<String>, AppError> {
    let lang = ctx.lang;
    let s = &ctx.session;
    let actor = s.actor();
    let app = state
        .yui
        .staff_app(&actor, s.tenant.id, slug)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let view = state
        .yui
        .update_view(&actor, s.tenant.id, app.id)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let pending = view.pending.as_ref().map(|p| {
        let conflicts: Vec<Value> = p
            .merge
            .decisions()
            .enumerate()
            .map(|(i, c)| {
                let (mine, theirs) = side_words(lang, c);
                let side = chosen
                    .iter()
                    .find(|(id, _)| *id == c.id)
                    .map_or(Side::Ours, |(_, s)| *s);
                context! {
                    n => i + 1,
                    id => &c.id,
                    message => message(lang, c),
                    mine => mine,
                    theirs => theirs,
                    side => side.as_str(),
                }
            })
            .collect();
        let issues: Vec<Value> = p
            .merge
            .problems()
            .map(|c| context! { message => message(lang, c), preexisting => c.preexisting })
            .collect();
        let newer: Vec<Value> = p
            .manifest
            .changelog
            .iter()
            .filter(|e| e.version > view.installed.installed_version)
            .rev()
            .map(|e| context! { version => e.version, date => &e.date, summary => &e.summary })
            .collect();
        context! {
            package => manifest(lang, &p.manifest, &view.installed.source_fingerprint),
            newer => newer,
            upstream => change_groups(lang, &p.upstream_changes),
            conflicts => conflicts,
            issues => issues,
            clean => p.merge.is_clean(),
        }
    });
    // Publishing is offered once nothing is waiting: the merged draft goes live as usual,
    // after the builder sees which stored answers it would orphan.
    let impact: Vec<Value> = if view.pending.is_none() && app.published_version.is_some() {
        state
            .yui
            .publish_impact(&actor, s.tenant.id, app.id)
            .await
            .map_err(|e| AppError::from_core(lang, e))?
            .iter()
            .map(|i| {
                let text = match lang {
                    Lang::Ja => &i.change.message_ja,
                    Lang::En => &i.change.message_en,
                };
                context! { message => text, affected => i.affected }
            })
            .collect()
    } else {
        Vec::new()
    };
    let title = match (&app.summary.title_en, lang) {
        (Some(en), Lang::En) if !en.is_empty() => en.clone(),
        _ => app.summary.title_ja.clone(),
    };
    render(
        lang,
        "staff/sharing/update.html",
        context! {
            app => context! {
                slug => &app.slug,
                title => title,
                version => app.published_version,
            },
            installed => installed(&view.installed),
            local => change_groups(lang, &view.local_changes),
            pending => pending,
            draft_hash => &view.draft_hash,
            impact => impact,
            errors => errors,
            notice => notice,
            ..ctx.page_context("sharing")
        },
    )
}

pub async fn get_update(
    State(state): State<AppState>,
    ctx: StaffContext,
    Path((_, slug)): Path<(String, String)>,
    Query(query): Query<UpdateQuery>,
) -> Result<Html<String>, AppError> {
    let notice = query.notice.as_deref().filter(|n| NOTICES.contains(n));
    show(&state, &ctx, &slug, Vec::new(), notice, &[]).await
}

fn back(ctx: &StaffContext, slug: &str, notice: &str) -> Response {
    Redirect::to(&format!(
        "/{}/staff/apps/{slug}/update?notice={notice}",
        ctx.town()
    ))
    .into_response()
}

/// Takes the waiting version with the choices made.
pub async fn post_update(
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
    let chosen = choices(&pairs);
    let version = field(&pairs, "version").parse().unwrap_or(0);
    match state
        .yui
        .take_update(
            &actor,
            s.tenant.id,
            app.id,
            version,
            field(&pairs, "draft_hash"),
            &chosen,
        )
        .await
    {
        Ok(_) => Ok(back(&ctx, &slug, "taken")),
        Err(e) => {
            let errors = problems(ctx.lang, e)?;
            let page = show(&state, &ctx, &slug, errors, None, &chosen).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// Looks for a newer upstream version now.
pub async fn post_check(
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
    let outcome = state
        .yui
        .check_updates(&actor, s.tenant.id)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    if outcome.updates.iter().any(|(id, _)| *id == app.id) {
        return Ok(back(&ctx, &slug, "found"));
    }
    if outcome.problems.is_empty() {
        return Ok(back(&ctx, &slug, "none"));
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
    let page = show(&state, &ctx, &slug, errors, None, &[]).await?;
    Ok((StatusCode::BAD_GATEWAY, page).into_response())
}

/// Publishes the draft (after taking an update) as the next version.
pub async fn post_publish(
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
    match state
        .yui
        .publish_app(&actor, s.tenant.id, app.id, field(&pairs, "change_summary"))
        .await
    {
        Ok(_) => Ok(back(&ctx, &slug, "published")),
        Err(e) => {
            let errors = problems(ctx.lang, e)?
                .into_iter()
                .map(|(f, m)| {
                    (
                        if f == "definition" {
                            "change_summary".into()
                        } else {
                            f
                        },
                        m,
                    )
                })
                .collect();
            let page = show(&state, &ctx, &slug, errors, None, &[]).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
