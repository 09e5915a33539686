//! Exports over HTTP: `GET /{town}/staff/inbox/export` with the inbox's filters answers with a
//! streamed download named after the app, a page listing every character CP932 cannot hold,
//! or a clear refusal; viewers may not export, and other towns do not exist.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use yui_core::Actor;
use yui_core::resident::{Channel, MailLanguage};
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");

fn answers(family: &str, slot: &str) -> Map<String, Value> {
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
    .as_object()
    .unwrap()
    .clone()
}

/// The app served with three submissions (two in the morning, one of them by 𠮷田).
async fn served(db: &TestDb) -> (support::App, String) {
    let app = support::app(db, WebConfig::default()).await;
    let town = &app.towns.a;
    let record = app
        .yui
        .create_app(&Actor::Operator, town.id, PLAY_ROOM)
        .await
        .unwrap();
    app.yui
        .publish_app(&Actor::Operator, town.id, record.id, "")
        .await
        .unwrap();
    let published = app
        .yui
        .resident_app(town.id, "play-room-booking")
        .await
        .unwrap();
    for (i, (family, slot)) in [("山田", "am"), ("佐藤", "pm"), ("𠮷田", "am")]
        .into_iter()
        .enumerate()
    {
        app.yui
            .submit_answers(
                town,
                &published,
                answers(family, slot),
                vec![],
                &format!("http-export-{i}-0123456789"),
                Channel::Web,
                MailLanguage::Ja,
                None,
            )
            .await
            .unwrap();
    }
    let base = support::serve(&app).await;
    (app, base)
}

async fn signed_in(base: &str, login: &str) -> reqwest::Client {
    let client = support::client();
    let r = support::sign_in(&client, base, "oguni", login, support::PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    client
}

async fn a_reviewer_downloads_exactly_the_filtered_inbox_as_csv(db: &TestDb) {
    let (_app, base) = served(db).await;
    let client = signed_in(&base, "reviewer").await;
    let r = client
        .get(format!(
            "{base}/oguni/staff/inbox/export?app=play-room-booking&f.slot=am&status=received"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let headers = r.headers().clone();
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.contains("filename=\"play-room-booking_20260401.csv\""),
        "{disposition}"
    );
    assert!(
        disposition.contains(
            "filename*=UTF-8''%E3%83%97%E3%83%AC%E3%82%A4%E3%83%AB%E3%83%BC%E3%83%A0%E5%88%A9%E7%94%A8%E7%94%B3%E8%BE%BC_20260401.csv"
        ),
        "プレイルーム利用申込_20260401.csv: {disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let rows: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 3, "header and the two morning bookings: {text}");
    assert!(rows[1].starts_with("2026-000003,") && rows[1].contains("𠮷田"));
    assert!(rows[2].starts_with("2026-000001,") && rows[2].contains("山田"));
    assert!(!text.contains("佐藤"));
}

async fn cp932_lists_each_unencodable_character_and_offers_geta_or_utf8(db: &TestDb) {
    let (_app, base) = served(db).await;
    let client = signed_in(&base, "reviewer").await;
    let url = format!("{base}/oguni/staff/inbox/export?app=play-room-booking&format=csv-cp932");
    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    for expected in [
        "2026-000003",
        "保護者の氏名（姓）",
        "𠮷",
        "U+20BB7",
        "replace=geta",
        "format=csv\"",
    ] {
        assert!(html.contains(expected), "{expected}: {html}");
    }
    assert!(
        !html.contains("2026-000001"),
        "only rows with problems are listed"
    );
    let r = client
        .get(format!("{url}&replace=geta"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=Shift_JIS");
    let bytes = r.bytes().await.unwrap();
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!errors);
    assert!(decoded.starts_with("受付番号,"), "no BOM in CP932");
    assert!(decoded.contains("〓田"), "{decoded}");
    assert!(decoded.contains("\r\n2026-000001,"), "{decoded}");
}

async fn xlsx_and_ndjson_are_offered_too(db: &TestDb) {
    use calamine::Reader as _;
    let (_app, base) = served(db).await;
    let client = signed_in(&base, "admin").await;
    let r = client
        .get(format!(
            "{base}/oguni/staff/inbox/export?app=play-room-booking&format=xlsx&labels=codes"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.unwrap();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("申請一覧").unwrap();
    assert_eq!(sheet.height(), 4);
    assert_eq!(
        sheet.get_value((1, 11)),
        Some(&calamine::Data::String("am".into()))
    );
    let r = client
        .get(format!(
            "{base}/oguni/staff/inbox/export?app=play-room-booking&format=json"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 3);
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["receipt"], "2026-000003");
    assert_eq!(first["answers"]["slot"], "am");
}

async fn exports_need_an_app_the_export_role_and_the_own_town(db: &TestDb) {
    let (app, base) = served(db).await;
    let reviewer = signed_in(&base, "reviewer").await;
    let r = reviewer
        .get(format!("{base}/oguni/staff/inbox/export?status=received"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("書き出すアプリを1つ選んでください")
    );
    let r = reviewer
        .get(format!(
            "{base}/oguni/staff/inbox/export?app=play-room-booking&from=4/1"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "a filter that does not read"
    );
    let r = reviewer
        .get(format!(
            "{base}/oguni/staff/inbox/export?app=play-room-booking&format=pdf"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let viewer = signed_in(&base, "viewer").await;
    let r = viewer
        .get(format!(
            "{base}/oguni/staff/inbox/export?app=play-room-booking"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = reviewer
        .get(format!(
            "{base}/chiyoda/staff/inbox/export?app=play-room-booking"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let events = app
        .yui
        .store()
        .audit_events(
            app.towns.a.id,
            &yui_core::ports::AuditQuery {
                action_prefix: Some("submission.export".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(events.is_empty(), "refused exports read nothing");
    let r = reviewer
        .get(format!(
            "{base}/oguni/staff/inbox/export?app=play-room-booking&f.slot=pm"
        ))
        .send()
        .await
        .unwrap();
    r.bytes().await.unwrap();
    // The audit event is written when the stream ends; give the export task a moment.
    let mut events = Vec::new();
    for _ in 0..50 {
        events = app
            .yui
            .store()
            .audit_events(
                app.towns.a.id,
                &yui_core::ports::AuditQuery {
                    action_prefix: Some("submission.export".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if !events.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(events.len(), 1);
    let detail: Value = serde_json::from_str(&events[0].entry.detail).unwrap();
    assert_eq!(detail["rows"], 1);
    assert_eq!(detail["filter"], "app=play-room-booking&f.slot=pm");
}

on_both_backends!(
    a_reviewer_downloads_exactly_the_filtered_inbox_as_csv,
    cp932_lists_each_unencodable_character_and_offers_geta_or_utf8,
    xlsx_and_ndjson_are_offered_too,
    exports_need_an_app_the_export_role_and_the_own_town,
);
