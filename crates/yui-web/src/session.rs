//! Staff sessions on the web: the session cookie, the [`StaffContext`] extractor that every
//! staff page takes, and the per-session CSRF token that every staff form carries (on top of
//! the cross-origin check applied to all requests).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use yui_core::auth::StaffSession;
use yui_core::token::constant_time_eq;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;

/// The cookie holding the staff session token. With HTTPS the `__Host-` prefix pins it to this
/// host and path `/`.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-yui_session"
    } else {
        "yui_session"
    }
}

/// A cookie that carries a new session token.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((session_cookie_name(secure), token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .build()
}

/// A cookie that removes the session cookie.
pub fn cleared_session_cookie(secure: bool) -> Cookie<'static> {
    let mut c = session_cookie(String::new(), secure);
    c.make_removal();
    c
}

/// The signed-in staff member of the town named in the URL.
pub struct StaffContext {
    pub session: StaffSession,
    pub lang: Lang,
    /// The session cookie's token, needed to sign out.
    pub token: String,
}

impl StaffContext {
    /// Checks the CSRF token submitted with a form.
    pub fn verify_csrf(&self, submitted: &str) -> Result<(), AppError> {
        if constant_time_eq(submitted, &self.session.csrf_token) {
            Ok(())
        } else {
            tracing::warn!(user.id = %self.session.user.id, "staff form with a wrong CSRF token");
            Err(AppError::Forbidden(self.lang))
        }
    }

    pub fn town(&self) -> &str {
        self.session.tenant.slug.as_str()
    }

    /// What every staff page's layout needs: town, user, role label, CSRF token, which
    /// sections the role may use, and the current section (`nav`). Merge page values into it
    /// with `context! { ..ctx.page_context("inbox"), rows => … }`.
    pub fn page_context(&self, nav: &str) -> minijinja::Value {
        use yui_core::actor::{Permission, allows};
        let s = &self.session;
        let role = s.user.role;
        let role_label = match self.lang {
            Lang::Ja => role.label_ja(),
            Lang::En => role.label_en(),
        };
        minijinja::context! {
            town => crate::templates::ser(&s.tenant),
            user => crate::templates::ser(&s.user),
            role_label => role_label,
            csrf => &s.csrf_token,
            nav => nav,
            can => minijinja::context! {
                view => allows(role, Permission::ViewSubmissions),
                review => allows(role, Permission::ReviewSubmissions),
                export => allows(role, Permission::ExportSubmissions),
                build => allows(role, Permission::BuildApps),
                audit => allows(role, Permission::ViewAudit),
                manage => allows(role, Permission::ManageStaff),
            },
        }
    }
}

fn town_param(params: &RawPathParams) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| *k == "town")
        .map(|(_, v)| v.to_owned())
}

impl FromRequestParts<AppState> for StaffContext {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound(lang).into_response())?;
        let town = town_param(&params).ok_or_else(|| AppError::NotFound(lang).into_response())?;
        let secure = state.config.secure_cookies();
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(session_cookie_name(secure))
            .map(|c| c.value().to_owned());
        let session = match &token {
            Some(t) => state
                .yui
                .session(t)
                .await
                .map_err(|e| AppError::from_core(lang, e).into_response())?,
            None => None,
        };
        let (Some(session), Some(token)) = (session, token) else {
            // Not signed in: the town must exist before we offer its sign-in page.
            state
                .yui
                .tenant_by_slug(&town)
                .await
                .map_err(|e| AppError::from_core(lang, e).into_response())?;
            let next = parts.uri.path();
            let login = format!("/{town}/staff/login?next={}", urlencode(next));
            return Err(Redirect::to(&login).into_response());
        };
        if session.tenant.slug.as_str() != town {
            // Signed in to another town: this town's staff pages do not exist for this user.
            return Err(AppError::NotFound(lang).into_response());
        }
        Ok(StaffContext {
            session,
            lang,
            token,
        })
    }
}

/// The client's address: the TCP peer, or the last `X-Forwarded-For` hop when configured to
/// trust a reverse proxy.
pub fn client_addr(
    parts_headers: &axum::http::HeaderMap,
    connect: Option<&ConnectInfo<SocketAddr>>,
    trust_forwarded: bool,
) -> Option<IpAddr> {
    if trust_forwarded
        && let Some(ip) = parts_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    connect.map(|c| c.0.ip())
}

/// The client's address as an extractor (see [`client_addr`]).
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let connect = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddr(client_addr(
            &parts.headers,
            connect,
            state.config.trust_forwarded_for,
        )))
    }
}

/// Percent-encodes a path for use in a query string.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `next` target after sign-in: only a path inside this town's staff console.
pub fn safe_next(town: &str, next: Option<&str>) -> String {
    let home = format!("/{town}/staff");
    match next {
        Some(n)
            if (n == home || n.starts_with(&format!("{home}/")))
                && !n.contains("//")
                && !n.contains('\\')
                && !n.contains("/../") =>
        {
            n.to_owned()
        }
        _ => home,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_targets_stay_inside_the_towns_console() {
        assert_eq!(
            safe_next("oguni", Some("/oguni/staff/apps")),
            "/oguni/staff/apps"
        );
        assert_eq!(safe_next("oguni", Some("/oguni/staff")), "/oguni/staff");
        assert_eq!(safe_next("oguni", Some("//evil.example/")), "/oguni/staff");
        assert_eq!(
            safe_next("oguni", Some("https://evil.example/")),
            "/oguni/staff"
        );
        assert_eq!(safe_next("oguni", Some("/chiyoda/staff")), "/oguni/staff");
        assert_eq!(safe_next("oguni", Some("/oguni/staffx")), "/oguni/staff");
        assert_eq!(
            safe_next("oguni", Some("/oguni/staff/../../x")),
            "/oguni/staff"
        );
        assert_eq!(safe_next("oguni", None), "/oguni/staff");
    }

    #[test]
    fn paths_are_encoded_for_query_strings() {
        assert_eq!(
            urlencode("/oguni/staff/a b?c=d&e"),
            "/oguni/staff/a%20b%3Fc%3Dd%26e"
        );
    }

    #[test]
    fn forwarded_addresses_are_trusted_only_when_configured() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
        let peer = ConnectInfo("127.0.0.1:5000".parse::<SocketAddr>().unwrap());
        assert_eq!(
            client_addr(&h, Some(&peer), false),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            client_addr(&h, Some(&peer), true),
            Some("10.0.0.2".parse().unwrap())
        );
    }
}
