//! What residents of a town see: the front page, an app's start page, its form page by page
//! (drafts saved on the server at every step), check your answers, submission and receipt,
//! "save and come back later", the one-shot form, and counter mode started by staff.
//!
//! URL map (all under `/{town}`):
//!
//! | URL | module |
//! |---|---|
//! | `GET /{town}` | [`home`] |
//! | `GET /apps/{app}`, `POST /apps/{app}/start` | [`start`] |
//! | `GET /apps/{app}/d/{token}` (resume), `GET\|POST …/p/{n}` | [`draft`] |
//! | `GET …/check`, `POST …/submit`, `GET …/done`, `GET …/print` | [`check`] |
//! | `GET\|POST …/save` | [`save`] |
//! | `GET /apps/{app}/form`, `POST /apps/{app}/submit`, `GET /apps/{app}/k/{key}/done` | [`oneshot`] |
//! | `GET\|POST /staff/counter` | [`counter`] |
//!
//! Every response here carries a strict Content-Security-Policy and `nosniff`; pages that
//! show a resident's answers are `no-store` and never send a referrer (the draft token is in
//! the URL and is the key to the answers).

pub mod answers;
pub mod body;
pub mod check;
pub mod counter;
pub mod draft;
pub mod flow;
pub mod home;
pub mod oneshot;
pub mod render;
pub mod save;
pub mod start;
pub mod summary;
pub mod view;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use yui_core::CoreError;
use yui_core::model::Tenant;
use yui_core::resident::{Channel, DraftSession};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::templates::{render, ser};

/// The resident routes, with their security headers and the larger body limit of the routes
/// that take uploads.
pub fn routes() -> Router<AppState> {
    let uploads = DefaultBodyLimit::max(body::MAX_UPLOAD_BODY);
    Router::new()
        .route("/{town}", get(home::get_town_home))
        .route("/{town}/apps/{app}", get(start::get_start))
        .route("/{town}/apps/{app}/start", post(start::post_start))
        .route("/{town}/apps/{app}/form", get(oneshot::get_form))
        .route(
            "/{town}/apps/{app}/submit",
            post(oneshot::post_submit).layer(uploads),
        )
        .route("/{town}/apps/{app}/k/{key}/done", get(oneshot::get_done))
        .route("/{town}/apps/{app}/d/{token}", get(draft::get_resume))
        .route(
            "/{town}/apps/{app}/d/{token}/p/{n}",
            get(draft::get_page).post(draft::post_page).layer(uploads),
        )
        .route("/{town}/apps/{app}/d/{token}/check", get(check::get_check))
        .route(
            "/{town}/apps/{app}/d/{token}/submit",
            post(check::post_submit),
        )
        .route("/{town}/apps/{app}/d/{token}/done", get(check::get_done))
        .route("/{town}/apps/{app}/d/{token}/print", get(check::get_print))
        .route(
            "/{town}/apps/{app}/d/{token}/save",
            get(save::get_save).post(save::post_save),
        )
        .route(
            "/{town}/staff/counter",
            get(counter::get_counter).post(counter::post_counter),
        )
        .layer(axum::middleware::from_fn(security_headers))
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
                   frame-ancestors 'none'; form-action 'self'";

/// Headers of every resident response. Only the town's front page and start pages may be
/// kept by a browser or proxy: everything else shows or changes a resident's answers.
async fn security_headers(request: Request, next: Next) -> Response {
    let cacheable = request.method() == Method::GET && is_public_page(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `/{town}` and `/{town}/apps/{app}`.
fn is_public_page(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(segments.as_slice(), [_] | [_, "apps", _])
}

/// The town named in the URL.
pub(crate) async fn town(state: &AppState, slug: &str, lang: Lang) -> Result<Tenant, AppError> {
    state
        .yui
        .tenant_by_slug(slug)
        .await
        .map_err(|e| AppError::from_core(lang, e))
}

/// A draft reached through its secret link, with its town.
pub(crate) struct Draft {
    pub tenant: Tenant,
    pub session: DraftSession,
}

impl Draft {
    /// Started at the town-hall counter by staff.
    pub fn counter(&self) -> bool {
        self.session.record.channel == Channel::Counter.as_str()
    }

    pub fn channel(&self) -> Channel {
        if self.counter() {
            Channel::Counter
        } else {
            Channel::Web
        }
    }

    /// `/{town}/apps/{app}/d/{token}`: the base of the draft's pages.
    pub fn base(&self) -> String {
        format!(
            "/{}/apps/{}/d/{}",
            self.tenant.slug,
            self.session.form.definition().id,
            self.session.token
        )
    }

    pub fn app_title(&self, lang: Lang) -> view::Localised {
        view::Localised::of(&self.session.form.definition().title, lang)
    }
}

/// Loads the draft behind `token` for the town and app in the URL. An unknown or expired
/// token, or one of another town or app, gets the same friendly page.
pub(crate) async fn load_draft(
    state: &AppState,
    town_slug: &str,
    app: &str,
    token: &str,
    lang: Lang,
) -> Result<Draft, Response> {
    let tenant = town(state, town_slug, lang)
        .await
        .map_err(IntoResponse::into_response)?;
    match state.yui.draft(tenant.id, token).await {
        Ok(session) if session.form.definition().id == app => Ok(Draft { tenant, session }),
        Ok(_) | Err(CoreError::NotFound) => Err(draft_gone(state, lang, Some(&tenant))),
        Err(e) => Err(AppError::from_core(lang, e).into_response()),
    }
}

/// The page for a resume link that no longer works.
pub(crate) fn draft_gone(state: &AppState, lang: Lang, town: Option<&Tenant>) -> Response {
    let days = state.yui.settings().draft_lifetime.whole_days();
    match render(
        lang,
        "resident/expired.html",
        context! { town => town.map(ser), days => days },
    ) {
        Ok(page) => (StatusCode::NOT_FOUND, page).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The page for an app that is not accepting applications.
pub(crate) fn closed(lang: Lang, town: &Tenant) -> Response {
    match render(lang, "resident/closed.html", context! { town => ser(town) }) {
        Ok(page) => (StatusCode::CONFLICT, page).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `303 See Other` to `to`.
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The language of the resident's e-mails: the page language.
pub(crate) fn mail_language(lang: Lang) -> yui_core::resident::MailLanguage {
    match lang {
        Lang::Ja => yui_core::resident::MailLanguage::Ja,
        Lang::En => yui_core::resident::MailLanguage::En,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_front_and_start_pages_may_be_cached() {
        assert!(is_public_page("/oguni"));
        assert!(is_public_page("/oguni/apps/play-room-booking"));
        assert!(!is_public_page("/oguni/apps/play-room-booking/d/abc/p/1"));
        assert!(!is_public_page("/oguni/apps/play-room-booking/form"));
        assert!(!is_public_page("/oguni/staff/counter"));
    }
}
