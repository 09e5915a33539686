//! `/{town}/staff/login` and `/{town}/staff/logout`: staff sign-in and sign-out.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use yui_core::CoreError;

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::session::{ClientAddr, StaffContext, cleared_session_cookie, safe_next, session_cookie};
use crate::templates::{render, ser};

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    #[serde(default)]
    signed_out: bool,
}

pub async fn get_login(
    State(state): State<AppState>,
    Path(town): Path<String>,
    Query(query): Query<LoginQuery>,
    lang: Lang,
) -> Result<Response, AppError> {
    let tenant = state
        .yui
        .tenant_by_slug(&town)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let next = safe_next(tenant.slug.as_str(), query.next.as_deref());
    Ok(render(
        lang,
        "staff/login.html",
        context! {
            town => ser(&tenant),
            next => next,
            login => "",
            errors => ser(Vec::<(String, String)>::new()),
            signed_out => query.signed_out,
        },
    )?
    .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn post_login(
    State(state): State<AppState>,
    Path(town): Path<String>,
    lang: Lang,
    ClientAddr(client): ClientAddr,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let tenant = state
        .yui
        .tenant_by_slug(&town)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let next = safe_next(tenant.slug.as_str(), form.next.as_deref());
    let mut errors: Vec<(&str, String)> = Vec::new();
    if form.login.trim().is_empty() {
        errors.push(("login", lang.t("error-login-required")));
    }
    if form.password.is_empty() {
        errors.push(("password", lang.t("error-password-required")));
    }
    if errors.is_empty() {
        match state
            .yui
            .sign_in(&town, &form.login, &form.password, client)
            .await
        {
            Ok(signed_in) => {
                let secure = state.config.secure_cookies();
                let jar = jar.add(session_cookie(signed_in.token, secure));
                return Ok((jar, Redirect::to(&next)).into_response());
            }
            Err(CoreError::Invalid(_)) => errors.push(("password", lang.t("error-sign-in-failed"))),
            Err(CoreError::Throttled { retry_after_secs }) => {
                let minutes = retry_after_secs.div_ceil(60).to_string();
                errors.push((
                    "login",
                    lang.t_args("error-throttled", &[("minutes", minutes)]),
                ));
                let page = login_page(lang, &tenant, &next, &form.login, &errors)?;
                let mut response = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
                if let Ok(v) = retry_after_secs.to_string().parse() {
                    response
                        .headers_mut()
                        .insert(axum::http::header::RETRY_AFTER, v);
                }
                return Ok(response);
            }
            Err(e) => return Err(AppError::from_core(lang, e)),
        }
    }
    let page = login_page(lang, &tenant, &next, &form.login, &errors)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn login_page(
    lang: Lang,
    tenant: &yui_core::model::Tenant,
    next: &str,
    login: &str,
    errors: &[(&str, String)],
) -> Result<axum::response::Html<String>, AppError> {
    render(
        lang,
        "staff/login.html",
        context! {
            town => ser(tenant),
            next => next,
            login => login,
            errors => ser(errors),
            signed_out => false,
        },
    )
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

pub async fn post_logout(
    State(state): State<AppState>,
    ctx: StaffContext,
    jar: CookieJar,
    Form(form): Form<LogoutForm>,
) -> Result<Response, AppError> {
    ctx.verify_csrf(&form.csrf)?;
    state
        .yui
        .sign_out(&ctx.session, &ctx.token)
        .await
        .map_err(|e| AppError::from_core(ctx.lang, e))?;
    let secure = state.config.secure_cookies();
    let jar = jar.add(cleared_session_cookie(secure));
    Ok((
        jar,
        Redirect::to(&format!("/{}/staff/login?signed_out=true", ctx.town())),
    )
        .into_response())
}
