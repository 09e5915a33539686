//! Sharing over HTTP on a real port: a builder shares an app and the public catalog lists it;
//! another town imports the package file through the upload page (provenance first, then one
//! confirm), takes a newer version on the update page with a conflict decided; adoption
//! notices are accepted once per town; forms need their CSRF token; only builders may share.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{PASSWORD, app, client, csrf_token, serve, sign_in};
use yui_core::Actor;
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");
const BOUNDARY: &str = "yui-test-boundary-7d1f";

fn multipart(csrf: &str, file: &str) -> String {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.yuipkg\"\r\n\
         Content-Type: application/json\r\n\r\n{file}\r\n--{BOUNDARY}--\r\n"
    )
}

async fn page(client: &reqwest::Client, url: &str) -> (u16, String) {
    let r = client.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The value of a hidden input in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name}")) + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

async fn a_builder_shares_and_another_town_imports_and_takes_an_update(db: &TestDb) {
    let app = app(db, WebConfig::default()).await;
    let op = Actor::Operator;
    let (a, b) = (&app.towns.a, &app.towns.b);
    let created = app.yui.create_app(&op, a.id, PLAY_ROOM).await.unwrap();
    app.yui
        .publish_app(&op, a.id, created.id, "")
        .await
        .unwrap();
    let base = serve(&app).await;

    // 小国町's builder shares the app.
    let oguni = client();
    sign_in(&oguni, &base, "oguni", "builder", PASSWORD).await;
    let share_url = format!("{base}/oguni/staff/apps/play-room-booking/share");
    let (status, html) = page(&oguni, &share_url).await;
    assert_eq!(status, 200);
    assert!(html.contains("共有していません"), "{html}");
    let csrf = csrf_token(&html);
    let r = oguni
        .post(&share_url)
        .form(&[
            ("_csrf", "wrong"),
            ("action", "share"),
            ("licence", "CC-BY-4.0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a wrong CSRF token is refused");
    let r = oguni
        .post(&share_url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("action", "share"),
            ("licence", "other"),
            ("licence_other", "not a licence"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("SPDX"));
    let r = oguni
        .post(&share_url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("action", "share"),
            ("licence", "CC-BY-4.0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = page(&oguni, &format!("{share_url}?notice=shared")).await;
    assert!(html.contains("共有中"), "{html}");

    // The public catalog lists it; its file downloads without signing in.
    let anonymous = client();
    let catalog = anonymous
        .get(format!("{base}/catalog.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(catalog.status(), 200);
    let catalog: serde_json::Value = serde_json::from_str(&catalog.text().await.unwrap()).unwrap();
    assert_eq!(catalog["format"], "yui-catalog");
    assert_eq!(
        catalog["catalog"]["packages"][0]["id"],
        "434248/play-room-booking"
    );
    let v1 = anonymous
        .get(format!(
            "{base}/catalog/packages/434248/play-room-booking/1.yuipkg"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(v1.status(), 200);
    assert!(
        v1.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("play-room-booking-1.yuipkg")
    );
    let v1 = v1.text().await.unwrap();
    let missing = anonymous
        .get(format!(
            "{base}/catalog/packages/434248/play-room-booking/9.yuipkg"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // 千代田区's builder uploads the file: provenance first, nothing installed yet.
    let chiyoda = client();
    sign_in(&chiyoda, &base, "chiyoda", "builder", PASSWORD).await;
    let import_url = format!("{base}/chiyoda/staff/packages/import");
    let (status, html) = page(&chiyoda, &import_url).await;
    assert_eq!(status, 200);
    let csrf = csrf_token(&html);
    let upload = |file: String| {
        chiyoda
            .post(&import_url)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(&csrf, &file))
            .send()
    };
    let r = upload(v1.replace("保護者の氏名", "保護者の名前"))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("署名が内容と一致しません"));
    let r = upload(v1.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("小国町") && html.contains("434248") && html.contains("CC-BY-4.0"));
    assert!(html.contains("ed25519:"), "the signing key is shown");
    assert!(app.yui.staff_apps(&op, b.id).await.unwrap().is_empty());
    let package = hidden(&html, "package");
    let r = chiyoda
        .post(format!("{import_url}/confirm"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("package", package.as_str()),
            ("slug", "play-room-booking"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        "/chiyoda/staff/apps/play-room-booking/update?notice=installed"
    );
    let mine = app
        .yui
        .staff_app(&op, b.id, "play-room-booking")
        .await
        .unwrap();

    // A local change, then upstream v2 changes the same label and another.
    let local = PLAY_ROOM.replace("ja: 大人の人数", "ja: 大人の数");
    app.yui
        .save_app_draft(&op, b.id, mine.id, &local)
        .await
        .unwrap();
    let v2_source = PLAY_ROOM
        .replace("ja: 大人の人数", "ja: 付き添いの大人")
        .replace("ja: 利用日, en: Date", "ja: 利用する日, en: Date");
    app.yui
        .save_app_draft(&op, a.id, created.id, &v2_source)
        .await
        .unwrap();
    app.yui
        .publish_app(&op, a.id, created.id, "文言の見直し")
        .await
        .unwrap();
    let v2 = anonymous
        .get(format!(
            "{base}/catalog/packages/434248/play-room-booking/2.yuipkg"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let html = upload(v2).await.unwrap().text().await.unwrap();
    assert!(html.contains("更新として保存する"), "{html}");
    let package = hidden(&html, "package");
    let r = chiyoda
        .post(format!("{import_url}/confirm"))
        .form(&[("_csrf", csrf.as_str()), ("package", package.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    let update_url = format!("{base}/chiyoda/staff/apps/play-room-booking/update");
    let (status, html) = page(&chiyoda, &update_url).await;
    assert_eq!(status, 200);
    assert!(html.contains("第2版が届いています"), "{html}");
    assert!(html.contains("利用する日"), "upstream change in words");
    assert!(
        html.contains("name=\"c:field:adults:label\""),
        "one conflict to decide"
    );
    let draft_hash = hidden(&html, "draft_hash");
    let r = chiyoda
        .post(&update_url)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", "2"),
            ("draft_hash", draft_hash.as_str()),
            ("c:field:adults:label", "theirs"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let draft = app
        .yui
        .staff_app(&op, b.id, "play-room-booking")
        .await
        .unwrap()
        .draft_definition;
    assert!(draft.contains("付き添いの大人") && draft.contains("利用する日"));
    let (_, html) = page(&chiyoda, &format!("{update_url}?notice=taken")).await;
    assert!(html.contains("下書きを公開する"));
    let r = chiyoda
        .post(format!("{update_url}/publish"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("change_summary", "小国町の第2版を取り込み"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let live = app
        .yui
        .staff_app(&op, b.id, "play-room-booking")
        .await
        .unwrap();
    assert_eq!(live.published_version, Some(1));

    // The hub lists the installed app; a reviewer may not use any of it.
    let (status, html) = page(&chiyoda, &format!("{base}/chiyoda/staff/catalogs")).await;
    assert_eq!(status, 200);
    assert!(html.contains("小国町の第2版から"), "{html}");
    let reviewer = client();
    sign_in(&reviewer, &base, "chiyoda", "reviewer", PASSWORD).await;
    let (status, _) = page(&reviewer, &update_url).await;
    assert_eq!(status, 403);
    let (status, _) = page(&reviewer, &import_url).await;
    assert_eq!(status, 403);
}

async fn adoption_notices_are_counted_once_per_town(db: &TestDb) {
    let app = app(db, WebConfig::default()).await;
    let op = Actor::Operator;
    let a = &app.towns.a;
    let created = app.yui.create_app(&op, a.id, PLAY_ROOM).await.unwrap();
    app.yui
        .publish_app(&op, a.id, created.id, "")
        .await
        .unwrap();
    app.yui
        .share_app(&op, a.id, created.id, "CC-BY-4.0")
        .await
        .unwrap();
    let base = serve(&app).await;
    let other = yui_core::packages::InstanceKey::generate().unwrap();
    let notice = other
        .sign_document(
            "yui-adoption",
            "notice",
            serde_json::json!({ "package": "434248/play-room-booking", "version": 1, "town_code": "434230" }),
        )
        .unwrap();
    let post = |body: String| {
        client()
            .post(format!("{base}/catalog/adoptions"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(post(notice.clone()).await.unwrap().status(), 204);
    assert_eq!(post(notice.clone()).await.unwrap().status(), 204);
    let forged = post(notice.replace("434230", "131016")).await.unwrap();
    assert_eq!(forged.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&forged.text().await.unwrap()).unwrap();
    assert_eq!(body["error"], "package.bad_signature");
    let huge = post("x".repeat(20_000)).await.unwrap();
    assert_eq!(huge.status(), 413);
    let text = client()
        .get(format!("{base}/catalog.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let catalog: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(catalog["catalog"]["packages"][0]["adoptions"], 1);
}

on_both_backends!(
    a_builder_shares_and_another_town_imports_and_takes_an_update,
    adoption_notices_are_counted_once_per_town,
);
