//! The handover manual over HTTP: staff of the town read it as a page (Japanese first,
//! `?lang=en` English) and download it as a PDF with a UTF-8 file name; staff of another town
//! get 404; a server without Japanese fonts says what to install.
//!
//! The PDF itself is typeset by `yui-pdf` (tested there with real fonts); here a stand-in
//! printer keeps this crate's tests free of the typesetting engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use support::{PASSWORD, app, client, serve, sign_in};
use yui_core::Actor;
use yui_core::manual::{ManualDocument, ManualPrinter, PrintError};
use yui_web::WebConfig;

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");

/// Remembers what it was asked to print and answers with a tiny PDF.
#[derive(Default)]
struct FakePrinter {
    printed: Mutex<Vec<(String, String)>>,
}

impl ManualPrinter for FakePrinter {
    fn print(&self, manual: &ManualDocument, lang: &str) -> Result<Vec<u8>, PrintError> {
        self.printed
            .lock()
            .unwrap()
            .push((manual.app.slug.clone(), lang.to_owned()));
        Ok(b"%PDF-1.7 stand-in".to_vec())
    }
}

struct NoFonts;

impl ManualPrinter for NoFonts {
    fn print(&self, _: &ManualDocument, _: &str) -> Result<Vec<u8>, PrintError> {
        Err(PrintError::NoJapaneseFont {
            searched: "/usr/share/fonts".into(),
        })
    }
}

async fn started(
    db: &yui_testkit::TestDb,
    printer: Option<Arc<dyn ManualPrinter>>,
) -> (String, support::App) {
    let mut a = app(db, WebConfig::default()).await;
    let created = a
        .yui
        .create_app(&Actor::Operator, a.towns.a.id, PLAY_ROOM)
        .await
        .unwrap();
    a.yui
        .publish_app(&Actor::Operator, a.towns.a.id, created.id, "")
        .await
        .unwrap();
    if let Some(p) = printer {
        a.state = a.state.clone().with_manual_printer(p);
    }
    let base = serve(&a).await;
    (base, a)
}

#[tokio::test]
async fn a_reviewer_of_the_town_reads_the_manual_in_japanese_and_english() {
    let db = yui_testkit::sqlite().await;
    let (base, _app) = started(&db, None).await;
    let c = client();
    sign_in(&c, &base, "oguni", "reviewer", PASSWORD).await;

    let list = c
        .get(format!("{base}/oguni/staff/apps"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let html = list.text().await.unwrap();
    assert!(html.contains("プレイルーム利用申込"), "{html}");
    assert!(html.contains("受付中"));
    assert!(html.contains("第1版"));
    assert!(html.contains("href=\"/oguni/staff/apps/play-room-booking/manual\""));

    let page = c
        .get(format!("{base}/oguni/staff/apps/play-room-booking/manual"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"ja\">"));
    for phrase in [
        "引き継ぎ書",
        "子育て支援センターのプレイルームを",
        "『食物アレルギーはありますか』が「はい」のとき",
        "入力できる値: 1以上4以下",
        "差し戻す",
        "運用担当者",
        "href=\"/oguni/staff/apps/play-room-booking/manual.pdf\"",
    ] {
        let escaped = phrase.replace('"', "&quot;");
        assert!(
            html.contains(phrase) || html.contains(&escaped),
            "{phrase:?} missing from the manual page"
        );
    }
    assert!(!html.contains("${"), "a raw expression on the page");

    let english = c
        .get(format!(
            "{base}/oguni/staff/apps/play-room-booking/manual?lang=en"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("Handover manual"));
    assert!(english.contains("Play room booking"));
    assert!(english.contains("Accepted: at least 1 and at most 4"));
}

#[tokio::test]
async fn staff_of_another_town_get_not_found() {
    let db = yui_testkit::sqlite().await;
    let (base, _app) = started(&db, Some(Arc::new(FakePrinter::default()))).await;
    let c = client();
    sign_in(&c, &base, "chiyoda", "admin", PASSWORD).await;
    for path in [
        "/oguni/staff/apps/play-room-booking/manual",
        "/oguni/staff/apps/play-room-booking/manual.pdf",
        "/chiyoda/staff/apps/play-room-booking/manual",
        "/chiyoda/staff/apps/play-room-booking/manual.pdf",
    ] {
        let r = c.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let own = c
        .get(format!("{base}/chiyoda/staff/apps"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert!(!own.text().await.unwrap().contains("プレイルーム利用申込"));
}

#[tokio::test]
async fn the_pdf_downloads_with_a_japanese_file_name() {
    let db = yui_testkit::sqlite().await;
    let printer = Arc::new(FakePrinter::default());
    let (base, _app) = started(&db, Some(printer.clone())).await;
    let c = client();
    sign_in(&c, &base, "oguni", "viewer", PASSWORD).await;
    let r = c
        .get(format!(
            "{base}/oguni/staff/apps/play-room-booking/manual.pdf"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("filename=\"manual-play-room-booking-v1.pdf\""),
        "{disposition}"
    );
    let encoded = "引き継ぎ書_プレイルーム利用申込_v1.pdf"
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect::<String>();
    assert!(
        disposition.ends_with(&format!("filename*=UTF-8''{encoded}")),
        "{disposition}"
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.7 stand-in");
    // The PDF follows the page's language.
    c.get(format!(
        "{base}/oguni/staff/apps/play-room-booking/manual.pdf?lang=en"
    ))
    .send()
    .await
    .unwrap();
    let printed = printer.printed.lock().unwrap().clone();
    assert_eq!(
        printed,
        vec![
            ("play-room-booking".to_owned(), "ja".to_owned()),
            ("play-room-booking".to_owned(), "en".to_owned())
        ]
    );
}

#[tokio::test]
async fn without_japanese_fonts_the_pdf_link_says_what_to_install() {
    for printer in [None, Some(Arc::new(NoFonts) as Arc<dyn ManualPrinter>)] {
        // The towns are seeded anew for each server: each needs a database of its own.
        let db = yui_testkit::sqlite().await;
        let (base, _app) = started(&db, printer).await;
        let c = client();
        sign_in(&c, &base, "oguni", "reviewer", PASSWORD).await;
        let r = c
            .get(format!(
                "{base}/oguni/staff/apps/play-room-booking/manual.pdf"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        let html = r.text().await.unwrap();
        assert!(html.contains("fonts-ipaexfont"), "{html}");
        assert!(html.contains("YUI_FONT_DIR"));
    }
}
