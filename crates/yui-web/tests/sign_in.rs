//! Staff sign-in on a real port: cookies, redirects, CSRF, throttling and session expiry, with
//! a manual clock so that expiry is tested without waiting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::StatusCode;
use reqwest::header::{LOCATION, RETRY_AFTER, SET_COOKIE};
use time::Duration;
use yui_core::Actor;
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;

async fn signing_in_sets_a_protected_cookie_and_shows_town_and_role(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let r = support::sign_in(&client, &base, "oguni", "reviewer", support::PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/oguni/staff");
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("yui_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http public URL: {cookie}"
    );
    let home = client
        .get(format!("{base}/oguni/staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await.unwrap();
    assert!(html.contains("小国町"), "town shown");
    assert!(html.contains("担当職員"), "role shown in Japanese");
    let en = client
        .get(format!("{base}/oguni/staff?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        en.contains("Reviewer") && en.contains("lang=\"en\""),
        "English on request"
    );
}

async fn an_https_deployment_uses_a_secure_host_only_cookie(db: &TestDb) {
    let config = WebConfig {
        public_url: "https://yui.example.lg.jp".into(),
        ..WebConfig::default()
    };
    let app = support::app(db, config).await;
    let base = support::serve(&app).await;
    let r = support::sign_in(
        &support::client(),
        &base,
        "oguni",
        "admin",
        support::PASSWORD,
    )
    .await;
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-yui_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
}

async fn a_wrong_password_shows_the_error_and_keeps_the_login_name(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let r = support::sign_in(&client, &base, "oguni", "admin", "wrong password here").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.headers().get(SET_COOKIE).is_none(),
        "no session for a failed sign-in"
    );
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<title>エラー："),
        "title says there is an error"
    );
    assert!(
        html.contains("class=\"error-summary\""),
        "error summary at the top"
    );
    assert!(
        html.contains("href=\"#password\""),
        "summary links to the field"
    );
    assert!(html.contains("ログイン名またはパスワードが正しくありません"));
    assert!(html.contains("value=\"admin\""), "login name kept");
    let empty = support::sign_in(&client, &base, "oguni", "", "")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        empty.contains("ログイン名を入力してください")
            && empty.contains("パスワードを入力してください")
    );
}

async fn an_unknown_account_and_a_disabled_account_fail_like_a_wrong_password(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    app.yui
        .set_staff_disabled(&Actor::Operator, app.towns.a.id, "viewer", true)
        .await
        .unwrap();
    for login in ["nobody", "viewer"] {
        let r =
            support::sign_in(&support::client(), &base, "oguni", login, support::PASSWORD).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{login}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("ログイン名またはパスワードが正しくありません")
        );
    }
}

async fn repeated_failures_pause_an_account_until_the_window_passes(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    for _ in 0..5 {
        let r = support::sign_in(&client, &base, "oguni", "admin", "guess guess guess").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: u64 = r.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("一時的にログインできません")
    );
    // Another account from the same address is not affected by this account's lock.
    let other = support::sign_in(&client, &base, "oguni", "viewer", support::PASSWORD).await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    app.clock.advance(Duration::minutes(16));
    let r = support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "window over");
}

async fn many_failures_from_one_address_pause_that_address(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    // Spread over many login names so that no single account reaches its own limit.
    for i in 0..20 {
        let login = format!("user{i}");
        let r = support::sign_in(&client, &base, "oguni", &login, "wrong wrong wrong").await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn a_cross_site_post_is_rejected(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let r = client
        .post(format!("{base}/oguni/staff/login"))
        .header("Origin", "https://evil.example")
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("login", "admin"), ("password", support::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.headers().get(SET_COOKIE).is_none());
    // A same-origin POST (what a browser sends from our own page) passes.
    let r = client
        .post(format!("{base}/oguni/staff/login"))
        .header("Origin", &base)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("login", "admin"), ("password", support::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn signing_out_needs_the_csrf_token_and_ends_the_session(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    let home = client
        .get(format!("{base}/oguni/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = support::csrf_token(&home);

    let forged = client
        .post(format!("{base}/oguni/staff/logout"))
        .form(&[("_csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let missing = client
        .post(format!("{base}/oguni/staff/logout"))
        .send()
        .await
        .unwrap();
    assert_ne!(
        missing.status(),
        StatusCode::SEE_OTHER,
        "no token, no sign-out"
    );
    assert_eq!(
        client
            .get(format!("{base}/oguni/staff"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let out = client
        .post(format!("{base}/oguni/staff/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        out.headers()[LOCATION],
        "/oguni/staff/login?signed_out=true"
    );
    let after = client
        .get(format!("{base}/oguni/staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "signed out");
    assert!(
        after.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/oguni/staff/login")
    );
}

async fn a_stolen_cookie_stops_working_after_sign_out(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let r = support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    let cookie = r.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let home = client
        .get(format!("{base}/oguni/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = support::csrf_token(&home);
    client
        .post(format!("{base}/oguni/staff/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = replay
        .get(format!("{base}/oguni/staff"))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "revoked on the server, not just in the browser"
    );
}

async fn sessions_expire_after_idle_time_and_after_twelve_hours(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        client
            .get(format!("{base}/oguni/staff"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.clock.advance(Duration::minutes(31));
    let r = client
        .get(format!("{base}/oguni/staff"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "idle for 31 minutes");
    assert_eq!(
        r.headers()[LOCATION],
        "/oguni/staff/login?next=/oguni/staff"
    );

    support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    for _ in 0..35 {
        app.clock.advance(Duration::minutes(20));
        let r = client
            .get(format!("{base}/oguni/staff"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "active use keeps the session");
    }
    app.clock.advance(Duration::minutes(20)); // 12 hours after sign-in
    assert_eq!(
        client
            .get(format!("{base}/oguni/staff"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
}

async fn disabling_an_account_ends_its_session_on_the_next_request(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    support::sign_in(&client, &base, "oguni", "reviewer", support::PASSWORD).await;
    assert_eq!(
        client
            .get(format!("{base}/oguni/staff"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.yui
        .set_staff_disabled(&Actor::Operator, app.towns.a.id, "reviewer", true)
        .await
        .unwrap();
    assert_eq!(
        client
            .get(format!("{base}/oguni/staff"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
}

async fn unknown_towns_and_pages_are_not_found(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    for path in [
        "/nowhere/staff/login",
        "/nowhere/staff",
        "/oguni/no-such-page",
        "/UPPER",
    ] {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.text().await.unwrap().contains("ページが見つかりません"),
            "{path}"
        );
    }
}

async fn the_next_parameter_cannot_send_staff_elsewhere(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let r = client
        .post(format!("{base}/oguni/staff/login"))
        .form(&[
            ("login", "admin"),
            ("password", support::PASSWORD),
            ("next", "https://evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[LOCATION], "/oguni/staff");
}

async fn sign_ins_failures_and_sign_outs_are_in_the_audit_trail(db: &TestDb) {
    use yui_core::ports::{AuditQuery, AuditStore};
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    support::sign_in(&client, &base, "oguni", "admin", "wrong wrong wrong").await;
    support::sign_in(&client, &base, "oguni", "admin", support::PASSWORD).await;
    let home = client
        .get(format!("{base}/oguni/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = support::csrf_token(&home);
    client
        .post(format!("{base}/oguni/staff/logout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let q = AuditQuery {
        action_prefix: Some("staff.".into()),
        limit: 10,
        ..AuditQuery::default()
    };
    let events = db.store.audit_events(app.towns.a.id, &q).await.unwrap();
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.entry.action.as_str(), e.entry.actor_label.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("staff.sign_out", "admin"),
            ("staff.sign_in", "admin"),
            ("staff.sign_in_failed", "admin")
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e.entry.client_addr.as_deref() == Some("127.0.0.1")
                || e.entry.action == "staff.sign_out")
    );
    assert!(
        !events.iter().any(|e| e.entry.detail.contains("wrong")),
        "no password in the trail"
    );
    assert!(app.yui.verify_audit(&|_| {}).await.unwrap().is_intact());
}

on_both_backends!(
    sign_ins_failures_and_sign_outs_are_in_the_audit_trail,
    signing_in_sets_a_protected_cookie_and_shows_town_and_role,
    an_https_deployment_uses_a_secure_host_only_cookie,
    a_wrong_password_shows_the_error_and_keeps_the_login_name,
    an_unknown_account_and_a_disabled_account_fail_like_a_wrong_password,
    repeated_failures_pause_an_account_until_the_window_passes,
    many_failures_from_one_address_pause_that_address,
    a_cross_site_post_is_rejected,
    signing_out_needs_the_csrf_token_and_ends_the_session,
    a_stolen_cookie_stops_working_after_sign_out,
    sessions_expire_after_idle_time_and_after_twelve_hours,
    disabling_an_account_ends_its_session_on_the_next_request,
    unknown_towns_and_pages_are_not_found,
    the_next_parameter_cannot_send_staff_elsewhere,
);
