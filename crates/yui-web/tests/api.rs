//! `/api/v1` over HTTP with API tokens: bearer tokens only (never cookies), what each role may
//! do, another town's objects as 404, errors in one JSON shape, keyset pages, audited reads,
//! transitions with conflicts, assignment, delivering submissions with an idempotency key,
//! the export, and the OpenAPI document (snapshot).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::StatusCode;
use serde_json::{Value, json};
use yui_core::Actor;
use yui_core::ports::AuditQuery;
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");

struct Api {
    app: support::App,
    base: String,
    reviewer: String,
    viewer: String,
    stranger: String,
}

fn answers(family: &str, slot: &str) -> Value {
    json!({
        "applicant_name": { "family": family, "given": "花子" },
        "applicant_kana": { "family": "ヤマダ", "given": "ハナコ" },
        "phone": "090-1234-5678",
        "email": "hanako@example.jp",
        "use_date": "2026-04-10",
        "slot": slot,
        "adults": "1",
        "children": [{ "child_name": "太郎", "child_birth": "2022-05-05", "allergy": "no" }],
        "agree": "on"
    })
}

async fn served(db: &TestDb) -> Api {
    let app = support::app(db, WebConfig::default()).await;
    let (a, b) = (&app.towns.a, &app.towns.b);
    for town in [a, b] {
        let record = app
            .yui
            .create_app(&Actor::Operator, town.id, PLAY_ROOM)
            .await
            .unwrap();
        app.yui
            .publish_app(&Actor::Operator, town.id, record.id, "")
            .await
            .unwrap();
    }
    let token = |town, name: &'static str, role: &'static str| {
        let yui = app.yui.clone();
        async move {
            yui.create_api_token(&Actor::Operator, town, name, role)
                .await
                .unwrap()
                .token
        }
    };
    let reviewer = token(a.id, "文書管理システム", "reviewer").await;
    let viewer = token(a.id, "集計", "viewer").await;
    let stranger = token(b.id, "千代田の連携", "admin").await;
    let base = support::serve(&app).await;
    Api {
        app,
        base,
        reviewer,
        viewer,
        stranger,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

impl Api {
    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        client()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        client()
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }

    async fn submit(&self, token: &str, key: &str, body: Value) -> reqwest::Response {
        client()
            .post(format!(
                "{}/api/v1/apps/play-room-booking/submissions",
                self.base
            ))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }
}

async fn error_code(r: reqwest::Response) -> String {
    let body: Value = r.text().await.unwrap().parse::<Value>().unwrap();
    body["error"]["code"].as_str().unwrap().to_owned()
}

async fn only_bearer_tokens_are_accepted_and_cookies_never(db: &TestDb) {
    let api = served(db).await;
    let r = client()
        .get(format!("{}/api/v1/apps", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"yui\"");
    let body: Value = r.text().await.unwrap().parse::<Value>().unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(
        body["error"]["message_ja"]
            .as_str()
            .unwrap()
            .contains("トークン")
    );
    assert!(body["error"]["fields"].as_array().unwrap().is_empty());
    // A signed-in staff browser is not an API client.
    let browser = support::client();
    support::sign_in(&browser, &api.base, "oguni", "admin", support::PASSWORD).await;
    let r = browser
        .get(format!("{}/api/v1/apps", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = api.get("yui_not-a-real-token", "/api/v1/apps").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = api.get(&api.viewer, "/api/v1/apps").await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.text().await.unwrap().parse::<Value>().unwrap();
    let app = &body["apps"][0];
    assert_eq!(app["slug"], "play-room-booking");
    assert_eq!(app["statuses"][0]["name"], "received");
    assert!(
        app["questions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["name"] == "slot" && q["choices"][0]["name"] == "am")
    );
    // Revoked tokens stop working at once.
    let tokens = api
        .app
        .yui
        .api_tokens(&Actor::Operator, api.app.towns.a.id)
        .await
        .unwrap();
    let viewer = tokens.iter().find(|t| t.name == "集計").unwrap();
    assert!(viewer.last_used_at.is_some(), "use is recorded");
    api.app
        .yui
        .revoke_api_token(&Actor::Operator, api.app.towns.a.id, viewer.id)
        .await
        .unwrap();
    let r = api.get(&api.viewer, "/api/v1/apps").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn a_reviewer_token_delivers_lists_reads_and_processes_submissions(db: &TestDb) {
    let api = served(db).await;
    let r = api
        .submit(
            &api.reviewer,
            "short",
            json!({ "answers": answers("山田", "am") }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.text().await.unwrap().parse::<Value>().unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "Idempotency-Key");
    let mut ids = Vec::new();
    for (i, (family, slot)) in [("山田", "am"), ("佐藤", "pm"), ("鈴木", "am")]
        .into_iter()
        .enumerate()
    {
        let key = format!("api-test-key-{i:04}-abcdef");
        let r = api
            .submit(
                &api.reviewer,
                &key,
                json!({ "answers": answers(family, slot) }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let receipt: Value = r.text().await.unwrap().parse::<Value>().unwrap();
        assert_eq!(receipt["duplicate"], false);
        ids.push(receipt["id"].as_i64().unwrap());
        if i == 0 {
            let again = api
                .submit(
                    &api.reviewer,
                    &key,
                    json!({ "answers": answers(family, slot) }),
                )
                .await;
            assert_eq!(
                again.status(),
                StatusCode::OK,
                "a retry returns the first receipt"
            );
            let again: Value = again.text().await.unwrap().parse::<Value>().unwrap();
            assert_eq!(again["receipt"], receipt["receipt"]);
            assert_eq!(again["duplicate"], true);
        }
    }
    let bad = api
        .submit(
            &api.reviewer,
            "api-test-key-bad-abcdef",
            json!({ "answers": { "slot": "night" } }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad: Value = bad.text().await.unwrap().parse::<Value>().unwrap();
    let fields: Vec<&str> = bad["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"answers.slot"), "{fields:?}");

    let page: Value = api
        .get(
            &api.reviewer,
            "/api/v1/submissions?app=play-room-booking&f.slot=am&limit=1",
        )
        .await
        .text()
        .await
        .unwrap()
        .parse::<Value>()
        .unwrap();
    assert_eq!(page["submissions"].as_array().unwrap().len(), 1);
    assert_eq!(page["submissions"][0]["receipt"], "2026-000003");
    assert_eq!(page["submissions"][0]["status_label"], "受付");
    assert_eq!(page["submissions"][0]["answers"]["slot"], "am");
    assert_eq!(page["counts"]["received"], 3);
    let next = page["next"].as_str().unwrap();
    let page: Value = api
        .get(
            &api.reviewer,
            &format!("/api/v1/submissions?app=play-room-booking&f.slot=am&limit=1&after={next}"),
        )
        .await
        .text()
        .await
        .unwrap()
        .parse::<Value>()
        .unwrap();
    assert_eq!(page["submissions"][0]["receipt"], "2026-000001");
    assert!(page["next"].is_null(), "the last page");
    let r = api
        .get(&api.reviewer, "/api/v1/submissions?from=4/1&limit=999")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.text().await.unwrap().parse::<Value>().unwrap();
    assert_eq!(body["error"]["fields"].as_array().unwrap().len(), 2);

    let id = ids[0];
    let one: Value = api
        .get(&api.viewer, &format!("/api/v1/submissions/{id}"))
        .await
        .text()
        .await
        .unwrap()
        .parse::<Value>()
        .unwrap();
    assert_eq!(one["receipt"], "2026-000001");
    assert_eq!(one["channel"], "api");
    let views = api
        .app
        .yui
        .store()
        .audit_events(
            api.app.towns.a.id,
            &AuditQuery {
                action_prefix: Some("submission.view".into()),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(
        views[0].entry.actor_label, "集計",
        "audited under the token's name"
    );
    assert_eq!(views[0].entry.actor_kind.as_str(), "api");

    let path = format!("/api/v1/submissions/{id}/transitions");
    let r = api
        .post(
            &api.viewer,
            &path,
            json!({ "from": "received", "to": "reviewing" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(r).await, "forbidden");
    let r = api
        .post(
            &api.reviewer,
            &path,
            json!({ "from": "received", "to": "reviewing" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = api
        .post(
            &api.reviewer,
            &path,
            json!({ "from": "received", "to": "completed" }),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "someone moved it meanwhile"
    );
    let body: Value = r.text().await.unwrap().parse::<Value>().unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "status");
    let r = api
        .post(&api.reviewer, &path, json!({ "from": "reviewing" }))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "body without `to`"
    );

    let staff = api
        .app
        .yui
        .staff_users(&Actor::Operator, api.app.towns.a.id)
        .await
        .unwrap();
    let reviewer_id = staff
        .iter()
        .find(|u| u.login.as_str() == "reviewer")
        .unwrap()
        .id
        .0;
    let r = api
        .post(
            &api.reviewer,
            &format!("/api/v1/submissions/{id}/assignee"),
            json!({ "assignee_id": reviewer_id }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let one: Value = api
        .get(&api.reviewer, &format!("/api/v1/submissions/{id}"))
        .await
        .text()
        .await
        .unwrap()
        .parse::<Value>()
        .unwrap();
    assert_eq!(one["status"], "reviewing");
    assert_eq!(one["assignee_id"], reviewer_id);
    let kinds: Vec<&str> = one["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["status", "assigned"]);
    assert_eq!(one["history"][0]["actor"], "文書管理システム");

    let export = api
        .get(
            &api.reviewer,
            "/api/v1/export?app=play-room-booking&format=json&f.slot=am",
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(export.headers()["content-type"], "application/x-ndjson");
    assert_eq!(export.text().await.unwrap().lines().count(), 2);
    let r = api
        .get(&api.viewer, "/api/v1/export?app=play-room-booking")
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "viewers do not export");
    let r = api.get(&api.reviewer, "/api/v1/export").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.text().await.unwrap().parse::<Value>().unwrap();
    assert_eq!(body["error"]["fields"][0]["code"], "export.app_required");
    // A token is nobody's self: "my" submissions is refused, in the list and in the export,
    // rather than dropped (which would hand over everyone's).
    for path in [
        "/api/v1/submissions?assignee=me",
        "/api/v1/export?app=play-room-booking&format=json&assignee=me",
    ] {
        let r = api.get(&api.reviewer, path).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        let body: Value = r.text().await.unwrap().parse::<Value>().unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], "assignee", "{path}");
    }
}

async fn another_towns_submissions_do_not_exist_for_a_token(db: &TestDb) {
    let api = served(db).await;
    let r = api
        .submit(
            &api.reviewer,
            "oguni-submission-0001",
            json!({ "answers": answers("山田", "am") }),
        )
        .await;
    let id = r.text().await.unwrap().parse::<Value>().unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = api
        .get(&api.stranger, &format!("/api/v1/submissions/{id}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "not_found");
    let r = api
        .post(
            &api.stranger,
            &format!("/api/v1/submissions/{id}/transitions"),
            json!({ "from": "received", "to": "reviewing" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let list: Value = api
        .get(&api.stranger, "/api/v1/submissions")
        .await
        .text()
        .await
        .unwrap()
        .parse::<Value>()
        .unwrap();
    assert!(list["submissions"].as_array().unwrap().is_empty());
    let r = api
        .get(&api.stranger, "/api/v1/submissions/not-a-number")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = api.get(&api.stranger, "/api/v1/no-such-endpoint").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(r).await, "not_found");
}

on_both_backends!(
    only_bearer_tokens_are_accepted_and_cookies_never,
    a_reviewer_token_delivers_lists_reads_and_processes_submissions,
    another_towns_submissions_do_not_exist_for_a_token,
);

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let db = yui_testkit::sqlite().await;
    let app = support::app(&db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let r = client()
        .get(format!("{base}/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.text().await.unwrap().parse::<Value>().unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", doc);
}
