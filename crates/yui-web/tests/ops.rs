//! Health, readiness and metrics endpoints.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::StatusCode;
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;

async fn health_readiness_and_metrics_answer(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    client
        .get(format!("{base}/oguni/staff/login"))
        .send()
        .await
        .unwrap();
    client
        .get(format!("{base}/nowhere/staff/login"))
        .send()
        .await
        .unwrap();
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"yui_http_requests_total{route="/{town}/staff/login",method="GET",status="200"}"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains(r#"status="404""#), "{metrics}");
    assert!(
        metrics.contains("yui_http_request_duration_seconds_bucket"),
        "latency histogram"
    );
    assert!(
        !metrics.contains("nowhere"),
        "raw paths never become labels"
    );
}

async fn readiness_fails_when_the_database_is_gone(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    db.store.close().await;
    let ready = support::client()
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health = support::client()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "liveness does not depend on the database"
    );
}

async fn every_response_carries_a_request_id(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    let base = support::serve(&app).await;
    let r = support::client()
        .get(format!("{base}/oguni"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("x-request-id").is_some());
}

on_both_backends!(
    health_readiness_and_metrics_answer,
    readiness_fails_when_the_database_is_gone,
    every_response_carries_a_request_id,
);
