//! Helpers for the resident HTTP tests: installing apps, walking a draft through its pages,
//! posting forms (URL-encoded and multipart) and reading pages.

#![allow(dead_code)]

use reqwest::StatusCode;
use reqwest::header::LOCATION;
use yui_core::Actor;

use crate::support::App;

pub const PLAY_ROOM: &str = include_str!("../../../../templates/play-room-booking.yaml");
pub const MOVING_IN: &str = include_str!("../../../../templates/moving-in-notice.yaml");

/// A small report with a photo, for uploads.
pub const REPORT: &str = r#"
yui: 1
id: road-report
title: { ja: 道路の不具合通報, en: Report a road problem }
audience: public
category: infrastructure
fields:
  - { name: place, type: text, label: { ja: 場所, en: Place }, required: true }
  - { name: photo, type: image, label: { ja: 写真, en: Photo }, required: true, max_size_mb: 2 }
"#;

/// One question per page, with a question that applies only after a yes.
pub const CAR: &str = r#"
yui: 1
id: parking-permit
title: { ja: 駐車許可申請, en: Parking permit }
audience: public
display: { mode: one_per_page }
fields:
  - { name: has_car, type: yes_no, label: { ja: 車をお持ちですか, en: Do you have a car? }, required: true }
  - name: plate
    type: text
    label: { ja: ナンバー, en: Number plate }
    required: true
    relevant: "${has_car} = 'yes'"
  - { name: note, type: text, label: { ja: 備考, en: Notes } }
"#;

/// Creates and publishes an app in town A (小国町).
pub async fn install(app: &App, source: &str) {
    let record = app
        .yui
        .create_app(&Actor::Operator, app.towns.a.id, source)
        .await
        .unwrap();
    app.yui
        .publish_app(&Actor::Operator, app.towns.a.id, record.id, "")
        .await
        .unwrap();
}

/// Starts a draft of `app` in 小国町 and returns the base of its pages (`/oguni/apps/…/d/…`).
pub async fn start(client: &reqwest::Client, base: &str, app: &str) -> String {
    let r = client
        .post(format!("{base}/oguni/apps/{app}/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.ends_with("/p/1"), "{to}");
    to.trim_end_matches("/p/1").to_owned()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub async fn post(
    client: &reqwest::Client,
    url: &str,
    pairs: &[(&str, &str)],
) -> reqwest::Response {
    client.post(url).form(pairs).send().await.unwrap()
}

pub async fn get(client: &reqwest::Client, url: &str) -> reqwest::Response {
    client.get(url).send().await.unwrap()
}

pub async fn text(client: &reqwest::Client, url: &str) -> String {
    let r = get(client, url).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {url}");
    page_html(r).await
}

/// A page's HTML, with the escaped `/` that templates write (`&#x2f;`) read back.
pub async fn page_html(r: reqwest::Response) -> String {
    r.text().await.unwrap().replace("&#x2f;", "/")
}

/// A multipart body by hand: text fields, then files as `(field, file name, content type, bytes)`.
pub fn multipart(texts: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----yui-test-boundary-7d93";
    let mut body = Vec::new();
    for (name, value) in texts {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small JPEG photo, made for the test.
pub fn jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(32, 24, |x, y| {
        image::Rgb([(x * 8) as u8, (y * 10) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// The play-room answers page by page (pages mode: applicant, booking, children, consent),
/// valid for the test clock (2026-04-01).
pub fn play_room_pages() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![
            ("applicant_name.family", "山田"),
            ("applicant_name.given", "花子"),
            ("applicant_kana.family", "やまだ"),
            ("applicant_kana.given", "はなこ"),
            ("phone", "090-1234-5678"),
            ("email", "hanako@example.jp"),
        ],
        vec![
            ("use_date.era", "令和"),
            ("use_date.year", "8"),
            ("use_date.month", "4"),
            ("use_date.day", "10"),
            ("slot", "pm"),
            ("adults", "1"),
        ],
        vec![
            ("children[0]._row", "1"),
            ("children[0].child_name", "山田 太郎"),
            ("children[0].child_birth.era", "令和"),
            ("children[0].child_birth.year", "4"),
            ("children[0].child_birth.month", "5"),
            ("children[0].child_birth.day", "5"),
            ("children[0].allergy", "no"),
            ("children[0].allergy_detail", ""),
        ],
        vec![("agree", "yes")],
    ]
}

/// Fills every page of a play-room draft and returns the redirect after the last one.
pub async fn fill_play_room(client: &reqwest::Client, base: &str, draft: &str) -> String {
    let mut last = String::new();
    for (i, pairs) in play_room_pages().iter().enumerate() {
        let r = post(client, &format!("{base}{draft}/p/{}", i + 1), pairs).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "page {}", i + 1);
        last = location(&r);
    }
    last
}

/// The text between `start` and the next `end` after it.
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in page"))
        + start.len();
    let to = html[from..].find(end).unwrap() + from;
    &html[from..to]
}
