//! Overload: when one town's capacity is used up, its next visitors get 503 with Retry-After
//! and a waiting page at once, and another town on the same instance is served normally.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write as _;
use std::net::TcpStream;

use reqwest::StatusCode;
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;
use yui_web::admission::AdmissionLimits;

/// Opens a POST whose body never arrives: the request holds its place until the socket closes.
fn stalled_post(base: &str, path: &str) -> TcpStream {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nlogin="
    )
    .unwrap();
    s
}

async fn one_towns_rush_gets_a_fast_busy_page_and_leaves_the_other_town_alone(db: &TestDb) {
    let config = WebConfig {
        admission: AdmissionLimits {
            global: 100,
            per_town: 4,
            retry_after_secs: 7,
        },
        ..WebConfig::default()
    };
    let app = support::app(db, config).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let rush: Vec<TcpStream> = (0..4)
        .map(|_| stalled_post(&base, "/oguni/staff/login"))
        .collect();
    // Give the server a moment to admit the stalled requests.
    let mut busy = None;
    for _ in 0..100 {
        let r = client.get(format!("{base}/oguni")).send().await.unwrap();
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            busy = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let busy = busy.expect("the saturated town answers 503");
    assert_eq!(busy.headers()["retry-after"], "7");
    let page = busy.text().await.unwrap();
    assert!(
        page.contains("ただいま混み合っています") && page.contains("lang=\"en\""),
        "{page}"
    );
    assert!(page.contains("送信済みの申請は受け付けられています"));

    let other = client.get(format!("{base}/chiyoda")).send().await.unwrap();
    assert_eq!(other.status(), StatusCode::OK, "another town is served");
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "operations endpoints stay reachable"
    );

    drop(rush);
    let mut recovered = false;
    for _ in 0..100 {
        if client
            .get(format!("{base}/oguni"))
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::OK
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(recovered, "capacity returns when the rush ends");
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("yui_http_rejected_busy_total"),
        "rejections are counted"
    );
}

on_both_backends!(one_towns_rush_gets_a_fast_busy_page_and_leaves_the_other_town_alone);
