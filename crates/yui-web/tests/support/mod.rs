//! Helpers for HTTP tests: a fresh database with two towns and staff of every role, the app
//! served in-process or on a real port, and a cookie-keeping client.

#![allow(dead_code)]

use std::net::SocketAddr;

use yui_core::clock::ManualClock;
use yui_core::model::Tenant;
use yui_core::staff::NewStaffInput;
use yui_core::{Actor, Yui};
use yui_testkit::TestDb;
use yui_web::{AppState, WebConfig};

pub const PASSWORD: &str = "correct horse battery";

pub struct Towns {
    pub a: Tenant,
    pub b: Tenant,
}

/// Two towns, each with one account per role (`admin`, `builder`, `reviewer`, `viewer`).
pub async fn seed(yui: &Yui) -> Towns {
    let op = Actor::Operator;
    let a = yui
        .create_tenant(&op, "oguni", "434248", "小国町")
        .await
        .unwrap();
    let b = yui
        .create_tenant(&op, "chiyoda", "131016", "千代田区")
        .await
        .unwrap();
    for town in [&a, &b] {
        yui.create_department(&op, town.id, "総務課").await.unwrap();
        for role in ["admin", "builder", "reviewer", "viewer"] {
            let input = NewStaffInput {
                login: role.into(),
                display_name: format!("{role} さん"),
                role: role.into(),
                department: Some("総務課".into()),
                password: PASSWORD.into(),
            };
            yui.create_staff_user(&op, town.id, &input).await.unwrap();
        }
    }
    Towns { a, b }
}

pub struct App {
    pub yui: Yui,
    pub clock: ManualClock,
    pub towns: Towns,
    pub state: AppState,
}

pub async fn app(db: &TestDb, config: WebConfig) -> App {
    let (yui, clock) = db.yui();
    let towns = seed(&yui).await;
    let state = AppState::new(yui.clone(), config);
    App {
        yui,
        clock,
        towns,
        state,
    }
}

/// Serves the app on a free loopback port; returns its base URL.
pub async fn serve(app: &App) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router =
        yui_web::router(app.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}")
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in and returns the response of the sign-in POST.
pub async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    town: &str,
    login: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(format!("{base}/{town}/staff/login"))
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// The value of `name="_csrf"` in a page.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}
