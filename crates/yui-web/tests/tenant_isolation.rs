//! A staff member of one town gets "not found" on every staff URL of another town, whatever
//! their role, for reading and for writing. The list of staff routes is read from the router's
//! source, so a new staff page is covered without anyone remembering to add it here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::StatusCode;
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;

/// Every `/{town}/staff…` route pattern registered in `src/lib.rs`, with its methods.
fn staff_routes() -> Vec<(String, Vec<&'static str>)> {
    let source = include_str!("../src/lib.rs");
    let mut routes = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        let Some(rest) = chunk.trim_start().strip_prefix("\"/{town}/staff") else {
            continue;
        };
        let tail = rest.split('"').next().unwrap_or_default();
        let handlers = chunk.split(".fallback(").next().unwrap_or_default();
        let mut methods = Vec::new();
        if handlers.contains("get(") {
            methods.push("GET");
        }
        if handlers.contains("post(") {
            methods.push("POST");
        }
        routes.push((format!("/{{town}}/staff{tail}"), methods));
    }
    routes
}

/// A concrete path for a route pattern in `town`, with placeholder ids.
fn concrete(pattern: &str, town: &str) -> String {
    let mut path = pattern.replace("{town}", town);
    while let Some(start) = path.find('{') {
        let end = path[start..].find('}').unwrap() + start;
        path.replace_range(start..=end, "1");
    }
    path
}

#[test]
fn the_route_list_is_read_from_the_router() {
    let routes = staff_routes();
    assert!(
        routes.contains(&("/{town}/staff".to_owned(), vec!["GET"])),
        "{routes:?}"
    );
    assert!(
        routes.contains(&("/{town}/staff/logout".to_owned(), vec!["POST"])),
        "{routes:?}"
    );
    assert!(
        routes.contains(&("/{town}/staff/login".to_owned(), vec!["GET", "POST"])),
        "{routes:?}"
    );
}

async fn staff_of_one_town_get_not_found_on_every_staff_url_of_another(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    for role in ["admin", "builder", "reviewer", "viewer"] {
        let client = support::client();
        let r = support::sign_in(&client, &base, "oguni", role, support::PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{role} signs in to oguni"
        );
        let home = client
            .get(format!("{base}/oguni/staff"))
            .send()
            .await
            .unwrap();
        assert_eq!(home.status(), StatusCode::OK);
        let csrf = support::csrf_token(&home.text().await.unwrap());
        for (route, methods) in staff_routes() {
            if route.ends_with("/login") {
                continue; // the sign-in page of every town is public by design
            }
            let url = format!("{base}{}", concrete(&route, "chiyoda"));
            for method in methods {
                let response = match method {
                    "GET" => client.get(&url).send().await.unwrap(),
                    _ => client
                        .post(&url)
                        .form(&[("_csrf", csrf.as_str())])
                        .send()
                        .await
                        .unwrap(),
                };
                assert_eq!(
                    response.status(),
                    StatusCode::NOT_FOUND,
                    "{role} {method} {url}"
                );
                let body = response.text().await.unwrap();
                assert!(
                    !body.contains("千代田区"),
                    "nothing of the other town leaks: {url}"
                );
            }
        }
        // Still signed in to the own town afterwards: the cross-town POSTs changed nothing.
        let again = client
            .get(format!("{base}/oguni/staff"))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::OK, "{role}");
    }
}

async fn a_session_cookie_of_one_town_does_not_sign_in_to_another(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    // The other town's sign-in page stays a sign-in page; signing in there with oguni's
    // password for a same-named account fails only if the password differs, so use a wrong one.
    let r = support::sign_in(
        &client,
        &base,
        "chiyoda",
        "admin",
        "not the password at all",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let home_b = client
        .get(format!("{base}/chiyoda/staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(home_b.status(), StatusCode::NOT_FOUND);
}

on_both_backends!(
    staff_of_one_town_get_not_found_on_every_staff_url_of_another,
    a_session_cookie_of_one_town_does_not_sign_in_to_another,
);
