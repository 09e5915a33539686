//! Residents applying on the web, over a real port on both backends: the front page and its
//! search, start pages, form pages with errors done right, skipped pages, repeats, check your
//! answers with change links, submitting exactly once, receipts, printing, resume links that
//! expire, the e-mailed resume link, uploads, the one-shot form, counter mode and page weight.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod resident_support;
mod support;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY};
use resident_support::{
    CAR, MOVING_IN, PLAY_ROOM, REPORT, between, fill_play_room, get, install, jpeg, location,
    multipart, page_html, play_room_pages, post, start, text,
};
use time::Duration;
use yui_core::ports::{JobStore, SubmissionStore};
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;

async fn the_front_page_finds_procedures_by_residents_words_and_category(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    install(&app, MOVING_IN).await;
    let base = support::serve(&app).await;
    let client = support::client();

    let all = get(&client, &format!("{base}/oguni")).await;
    assert_eq!(all.status(), StatusCode::OK);
    assert!(
        all.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let html = page_html(all).await;
    assert!(html.contains("プレイルーム利用申込") && html.contains("転入届の事前受付"));
    assert!(html.contains("子育て（1）"), "categories with counts");
    assert!(html.contains("/oguni/staff/login"), "staff sign-in link");

    let search = |q: &'static str| {
        let client = client.clone();
        let url = format!(
            "{base}/oguni?{}",
            serde_urlencoded::to_string([("q", q)]).unwrap()
        );
        async move {
            let r = client.get(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            page_html(r).await
        }
    };
    let moving = search("引っ越し").await;
    assert!(
        moving.contains("転入届の事前受付"),
        "引っ越し is a keyword of 転入届"
    );
    assert!(!moving.contains("プレイルーム利用申込"));
    let half_width = search("ﾌﾟﾚｲﾙｰﾑ").await;
    assert!(
        half_width.contains("プレイルーム利用申込"),
        "half-width katakana is read as full-width"
    );
    let two_words = search("子育て　予約").await;
    assert!(
        two_words.contains("プレイルーム利用申込"),
        "every word, any space"
    );

    let childcare = text(&client, &format!("{base}/oguni?category=childcare")).await;
    assert!(childcare.contains("プレイルーム利用申込") && !childcare.contains("転入届の事前受付"));
    assert!(childcare.contains("aria-current=\"page\">子育て"));

    let none = search("zzzz").await;
    assert!(none.contains("見つかりませんでした"), "a helpful message");
    assert!(none.contains("受付中のすべての手続きを見る"));

    let en = text(&client, &format!("{base}/oguni?lang=en")).await;
    assert!(en.contains("Play room booking") && en.contains("Childcare (1)"));

    let other = get(&client, &format!("{base}/chiyoda")).await;
    assert!(
        !page_html(other).await.contains("プレイルーム"),
        "another town's page lists its own apps only"
    );
}

async fn the_start_page_says_what_to_expect_and_starts_a_secret_draft(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let html = text(&client, &format!("{base}/oguni/apps/play-room-booking")).await;
    for expected in [
        "利用するお子さんの生年月日",
        "約5分",
        "利用日の前日まで",
        "0967-46-0000",
        "申請を始める",
    ] {
        assert!(html.contains(expected), "{expected}");
    }
    let draft = start(&client, &base, "play-room-booking").await;
    let page = get(&client, &format!("{base}{draft}/p/1")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[CACHE_CONTROL], "no-store");
    assert_eq!(page.headers()[REFERRER_POLICY], "no-referrer");
    let csp = page.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    for part in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page_html(page).await;
    assert!(html.contains("ステップ 1 / 4"), "progress");
    assert!(
        html.contains("href=\"/oguni/apps/play-room-booking\""),
        "back link to the start page"
    );
    assert!(
        html.contains("autocomplete=\"family-name\"") && html.contains("autocomplete=\"email\"")
    );
    assert!(html.contains("type=\"tel\""));
    assert!(
        html.contains("id=\"yui-logic\""),
        "the logic bundle for live show/hide"
    );
    assert!(html.contains("保存して後で続ける"));
    assert!(
        !html.contains("enctype=\"multipart/form-data\""),
        "no files on this page"
    );
    assert_eq!(
        get(&client, &format!("{base}{draft}/p/9")).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn mistakes_come_back_with_a_summary_messages_by_the_fields_and_answers_kept(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let draft = start(&client, &base, "play-room-booking").await;
    let r = post(
        &client,
        &format!("{base}{draft}/p/1"),
        &[
            ("applicant_name.family", "山田"),
            ("applicant_name.given", "花子"),
            ("applicant_kana.family", ""),
            ("applicant_kana.given", ""),
            ("phone", "123"),
            ("email", "hanako@example.jp"),
            ("_shown", "applicant_name applicant_kana phone email"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page_html(r).await;
    assert!(between(&html, "<title>", "</title>").starts_with("エラー："));
    let summary = between(&html, "class=\"error-summary\"", "</div>");
    assert!(
        summary.contains("href=\"#f-applicant_kana-family\""),
        "{summary}"
    );
    assert!(summary.contains("href=\"#f-phone\""), "{summary}");
    assert!(
        summary.contains("氏名（フリガナ）："),
        "messages name their question"
    );
    assert!(
        html.contains("id=\"f-phone-error\""),
        "the same message by the field"
    );
    assert!(html.contains("value=\"123\""), "what was typed is kept");
    assert!(html.contains("value=\"山田\""));
    assert!(html.contains("aria-invalid=\"true\""));
    let resumed = text(&client, &format!("{base}{draft}/p/1")).await;
    assert!(
        resumed.contains("value=\"123\""),
        "saved even with mistakes"
    );
    assert!(
        !resumed.contains("error-summary"),
        "a page shown again starts without errors"
    );
}

async fn a_resident_applies_page_by_page_checks_changes_and_gets_one_receipt(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let draft = start(&client, &base, "play-room-booking").await;
    let pages = play_room_pages();

    let r = post(&client, &format!("{base}{draft}/p/1"), &pages[0]).await;
    assert_eq!(location(&r), format!("{draft}/p/2"));
    let r = post(&client, &format!("{base}{draft}/p/2"), &pages[1]).await;
    assert_eq!(location(&r), format!("{draft}/p/3"));

    // The allergy question appears once "yes" is chosen; without JavaScript the page comes
    // back showing it, without an error for a question the resident had not seen.
    let mut children = pages[2].clone();
    children.retain(|(k, _)| *k != "children[0].allergy");
    children.push(("children[0].allergy", "yes"));
    let mut shown = children.clone();
    shown.push((
        "_shown",
        "children children[0].child_name children[0].child_birth children[0].allergy",
    ));
    let r = post(&client, &format!("{base}{draft}/p/3"), &shown).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{draft}/p/3"));
    let html = text(&client, &format!("{base}{draft}/p/3")).await;
    let detail = between(&html, "data-path=\"children[0].allergy_detail\"", ">");
    assert!(
        !detail.contains("hidden"),
        "the allergy question now shows: {detail}"
    );
    assert!(
        html.contains("山田 太郎さんは 3 歳です"),
        "the note is filled in"
    );

    let mut seen = children.clone();
    seen.push(("_shown", "children children[0].child_name children[0].child_birth children[0].allergy children[0].allergy_detail"));
    let r = post(&client, &format!("{base}{draft}/p/3"), &seen).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page_html(r).await;
    assert!(html.contains("href=\"#f-children-0-allergy_detail\""));
    assert!(html.contains("アレルギーの内容（利用するお子さん 1）："));

    let mut fixed: Vec<(&str, &str)> = children
        .iter()
        .filter(|(k, _)| *k != "children[0].allergy_detail")
        .copied()
        .collect();
    fixed.push(("children[0].allergy_detail", "卵"));
    let r = post(&client, &format!("{base}{draft}/p/3"), &fixed).await;
    assert_eq!(location(&r), format!("{draft}/p/4"));
    let r = post(&client, &format!("{base}{draft}/p/4"), &pages[3]).await;
    assert_eq!(location(&r), format!("{draft}/check"));

    let check = text(&client, &format!("{base}{draft}/check")).await;
    for expected in [
        "山田 花子",
        "ヤマダ ハナコ",
        "090-1234-5678",
        "令和8年4月10日",
        "午後（13:00〜16:00）",
        "卵",
        "この内容で申請する",
    ] {
        assert!(check.contains(expected), "{expected}");
    }
    let change = format!("{draft}/p/2?return=check#f-slot-0");
    assert!(
        check.contains(&change),
        "change links return to the question"
    );
    assert!(check.contains("<span class=\"visually-hidden\"> 時間帯</span>"));

    let page = text(&client, &format!("{base}{change}")).await;
    assert!(
        page.contains(&format!("href=\"{draft}/check\"")),
        "back goes to the check page"
    );
    let mut changed = pages[1].clone();
    changed.retain(|(k, _)| *k != "slot");
    changed.push(("slot", "am"));
    let r = post(
        &client,
        &format!("{base}{draft}/p/2?return=check"),
        &changed,
    )
    .await;
    assert_eq!(location(&r), format!("{draft}/check"));
    assert!(
        text(&client, &format!("{base}{draft}/check"))
            .await
            .contains("午前（9:00〜12:00）")
    );

    // Double click, back button, retry: one submission.
    for _ in 0..3 {
        let r = post(&client, &format!("{base}{draft}/submit"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), format!("{draft}/done"));
    }
    let town = app.towns.a.id;
    let record = app
        .yui
        .staff_app(&yui_core::Actor::Operator, town, "play-room-booking")
        .await
        .unwrap();
    assert_eq!(db.store.submission_count(town, record.id).await.unwrap(), 1);
    let done = text(&client, &format!("{base}{draft}/done")).await;
    assert!(done.contains("2026-000001"), "the receipt number");
    assert!(
        done.contains("予約を確認したら、メールでお知らせします。"),
        "what happens next"
    );
    assert!(
        done.contains("hanako@example.jp"),
        "the e-mail is mentioned"
    );
    assert!(done.contains(&format!("{draft}/print")));
    let print = text(&client, &format!("{base}{draft}/print")).await;
    assert!(
        print.contains("2026-000001") && print.contains("令和8年4月10日") && print.contains("卵")
    );
    let back = get(&client, &format!("{base}{draft}/p/1")).await;
    assert_eq!(
        location(&back),
        format!("{draft}/done"),
        "the back button after submitting"
    );
    let job = db
        .store
        .claim_job(app.yui.clock().now(), Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        job.payload["to"], "hanako@example.jp",
        "the confirmation e-mail is queued"
    );
}

async fn pages_whose_questions_do_not_apply_are_skipped(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, CAR).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let draft = start(&client, &base, "parking-permit").await;
    let first = text(&client, &format!("{base}{draft}/p/1")).await;
    assert!(
        first.contains("<h1 class=\"question-heading\">"),
        "one question per page: the question is the heading"
    );
    assert!(between(&first, "<title>", "</title>").starts_with("車をお持ちですか"));
    let r = post(&client, &format!("{base}{draft}/p/1"), &[("has_car", "no")]).await;
    assert_eq!(
        location(&r),
        format!("{draft}/p/3"),
        "the number plate page is skipped"
    );
    let third = text(&client, &format!("{base}{draft}/p/3")).await;
    assert!(third.contains("ステップ 2 / 2"));
    assert!(
        third.contains(&format!("href=\"{draft}/p/1\"")),
        "back skips it too"
    );
    assert!(third.contains("（任意）"), "optional questions say so");
    let r = post(
        &client,
        &format!("{base}{draft}/p/1"),
        &[("has_car", "yes")],
    )
    .await;
    assert_eq!(location(&r), format!("{draft}/p/2"));
}

async fn rows_of_a_repeat_are_added_and_removed_without_complaint(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let draft = start(&client, &base, "play-room-booking").await;
    let first = text(&client, &format!("{base}{draft}/p/3")).await;
    assert!(first.contains("利用するお子さん 1"));
    assert!(
        !first.contains("remove:children:0"),
        "the only row of min_count 1 stays"
    );
    let mut add = play_room_pages()[2].clone();
    add.push(("_action", "add:children"));
    let r = post(&client, &format!("{base}{draft}/p/3"), &add).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{draft}/p/3#f-children-1"));
    let two = text(&client, &format!("{base}{draft}/p/3")).await;
    assert!(two.contains("利用するお子さん 2"));
    assert!(
        !two.contains("error-summary"),
        "the new empty row is not an error"
    );
    assert!(
        two.contains("value=\"山田 太郎\""),
        "the first row was saved"
    );
    assert!(two.contains("value=\"remove:children:1\""));
    let r = post(
        &client,
        &format!("{base}{draft}/p/3"),
        &[
            ("children[0]._row", "1"),
            ("children[0].child_name", "山田 太郎"),
            ("children[1]._row", "1"),
            ("children[1].child_name", ""),
            ("_action", "remove:children:0"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let one = text(&client, &format!("{base}{draft}/p/3")).await;
    assert!(!one.contains("利用するお子さん 2"));
    assert!(
        !one.contains("value=\"山田 太郎\""),
        "the first row was removed"
    );
}

async fn resume_links_work_until_the_draft_expires_and_stay_in_their_town(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let draft = start(&client, &base, "play-room-booking").await;
    post(
        &client,
        &format!("{base}{draft}/p/1"),
        &play_room_pages()[0],
    )
    .await;
    let other_browser = support::client();
    let r = get(&other_browser, &format!("{base}{draft}")).await;
    assert_eq!(
        location(&r),
        format!("{draft}/p/2"),
        "the link opens where the resident stopped"
    );
    let html = text(&other_browser, &format!("{base}{draft}/p/1")).await;
    assert!(html.contains("value=\"山田\""));

    let cross = draft.replacen("/oguni/", "/chiyoda/", 1);
    assert_eq!(
        get(&client, &format!("{base}{cross}/p/1")).await.status(),
        StatusCode::NOT_FOUND
    );
    let wrong_app = draft.replacen("play-room-booking", "moving-in-notice", 1);
    assert_eq!(
        get(&client, &format!("{base}{wrong_app}/p/1"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let unknown = get(
        &client,
        &format!("{base}/oguni/apps/play-room-booking/d/nope/p/1"),
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(
        page_html(unknown).await.contains("30日"),
        "says when drafts expire"
    );

    app.clock.advance(Duration::days(29));
    assert_eq!(
        get(&client, &format!("{base}{draft}/p/2")).await.status(),
        StatusCode::OK
    );
    app.clock.advance(Duration::days(31));
    let gone = get(&client, &format!("{base}{draft}/p/1")).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert!(page_html(gone).await.contains("このリンクは使えません"));
}

async fn the_resume_link_is_shown_and_emailed_on_request(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let draft = start(&client, &base, "play-room-booking").await;
    let mut page = play_room_pages()[0].clone();
    page.push(("_action", "save"));
    let r = post(&client, &format!("{base}{draft}/p/1"), &page).await;
    assert_eq!(location(&r), format!("{draft}/save"));
    let html = text(&client, &format!("{base}{draft}/save")).await;
    assert!(
        html.contains(&format!("value=\"http://127.0.0.1:8080{draft}\"")),
        "the full resume link"
    );
    let bad = post(
        &client,
        &format!("{base}{draft}/save"),
        &[("email", "not-an-address")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page_html(bad).await.contains("href=\"#email\""));
    let r = post(
        &client,
        &format!("{base}{draft}/save"),
        &[("email", "hanako@example.jp")],
    )
    .await;
    assert_eq!(location(&r), format!("{draft}/save?sent=true"));
    assert!(
        text(&client, &format!("{base}{draft}/save?sent=true"))
            .await
            .contains("メールで送りました")
    );
    let job = db
        .store
        .claim_job(app.yui.clock().now(), Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.payload["to"], "hanako@example.jp");
    assert!(job.payload["body_text"].as_str().unwrap().contains(&draft));
}

async fn photos_are_uploaded_with_the_page_and_other_files_refused(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, REPORT).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let draft = start(&client, &base, "road-report").await;
    let page = text(&client, &format!("{base}{draft}/p/1")).await;
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("accept=\"image/jpeg,image/png"));

    let (content_type, body) = multipart(
        &[("place", "役場前の交差点")],
        &[(
            "photo",
            "x.svg",
            "image/svg+xml",
            b"<svg onload=alert(1)></svg>",
        )],
    );
    let r = client
        .post(format!("{base}{draft}/p/1"))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page_html(r).await;
    assert!(html.contains("href=\"#f-photo\""));
    assert!(
        html.contains("受け付けていません"),
        "the type is refused with a message"
    );
    assert!(html.contains("value=\"役場前の交差点\""));

    let photo = jpeg();
    let (content_type, body) = multipart(
        &[("place", "役場前の交差点")],
        &[("photo", "IMG_0001.JPG", "image/jpeg", &photo)],
    );
    let r = client
        .post(format!("{base}{draft}/p/1"))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("{draft}/check"));
    let again = text(&client, &format!("{base}{draft}/p/1")).await;
    assert!(
        again.contains("添付済み：IMG_0001.jpg"),
        "already uploaded, can be replaced"
    );
    let check = text(&client, &format!("{base}{draft}/check")).await;
    assert!(check.contains("IMG_0001.jpg"));
    let r = post(&client, &format!("{base}{draft}/submit"), &[]).await;
    assert_eq!(location(&r), format!("{draft}/done"));

    let too_big = vec![0u8; 4 * 1024 * 1024];
    let (content_type, body) = multipart(
        &[("place", "x")],
        &[("photo", "big.jpg", "image/jpeg", &too_big)],
    );
    let other = start(&client, &base, "road-report").await;
    let r = client
        .post(format!("{base}{other}/p/1"))
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page_html(r).await.contains("ファイルが大きすぎる"));
}

async fn the_one_shot_form_submits_once_per_key(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let form = text(
        &client,
        &format!("{base}/oguni/apps/play-room-booking/form"),
    )
    .await;
    let key = between(&form, "name=\"_key\" value=\"", "\"").to_owned();
    assert!(key.len() >= 32);
    assert!(form.contains("この内容で申請する"));
    let mut all: Vec<(&str, &str)> = play_room_pages().concat();
    all.push(("_key", &key));
    let url = format!("{base}/oguni/apps/play-room-booking/submit");
    let first = post(&client, &url, &all).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let done = location(&first);
    assert_eq!(done, format!("/oguni/apps/play-room-booking/k/{key}/done"));
    let second = post(&client, &url, &all).await;
    assert_eq!(location(&second), done, "a retry finds the same submission");
    let html = text(&client, &format!("{base}{done}")).await;
    assert!(html.contains("2026-000001"));
    assert_eq!(
        get(
            &client,
            &format!("{base}/oguni/apps/play-room-booking/k/unknown-key-0123456789/done")
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );

    // The benchmark's way: the key in the query string.
    let mut bench = play_room_pages().concat();
    bench.retain(|(k, _)| *k != "phone");
    bench.push(("phone", "09012345678"));
    let r = post(&client, &format!("{url}?k=bench-key-0123456789abc"), &bench).await;
    assert_eq!(
        location(&r),
        "/oguni/apps/play-room-booking/k/bench-key-0123456789abc/done"
    );

    let mut wrong = play_room_pages().concat();
    wrong.retain(|(k, _)| *k != "email");
    wrong.push(("_key", "another-key-0123456789"));
    let r = post(&client, &url, &wrong).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page_html(r).await;
    assert!(html.contains("href=\"#f-email\""));
    assert!(html.contains("value=\"山田\""), "answers kept");
    assert!(
        html.contains("value=\"another-key-0123456789\""),
        "the same key for the retry"
    );
}

async fn counter_mode_keeps_nothing_in_the_browser(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    support::sign_in(&client, &base, "oguni", "viewer", support::PASSWORD).await;
    let list = text(&client, &format!("{base}/oguni/staff/counter")).await;
    assert!(list.contains("窓口で受付を開始") && list.contains("プレイルーム利用申込"));
    let csrf = support::csrf_token(&list);
    let wrong = post(
        &client,
        &format!("{base}/oguni/staff/counter"),
        &[("app", "play-room-booking")],
    )
    .await;
    assert_eq!(
        wrong.status(),
        StatusCode::FORBIDDEN,
        "the CSRF token is required"
    );
    let r = post(
        &client,
        &format!("{base}/oguni/staff/counter"),
        &[("_csrf", &csrf), ("app", "play-room-booking")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let draft = location(&r).trim_end_matches("/p/1").to_owned();
    let page = get(&client, &format!("{base}{draft}/p/1")).await;
    assert_eq!(page.headers()[CACHE_CONTROL], "no-store");
    let html = page_html(page).await;
    assert!(html.contains("autocomplete=\"off\""));
    assert!(!html.contains("autocomplete=\"family-name\""));
    assert!(
        !html.contains("保存して後で続ける"),
        "no resume link at the counter"
    );
    assert_eq!(
        get(&client, &format!("{base}{draft}/save")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fill_play_room(&client, &base, &draft).await,
        format!("{draft}/check")
    );
    let r = post(&client, &format!("{base}{draft}/submit"), &[]).await;
    assert_eq!(location(&r), format!("{draft}/done"));
    let done = get(&client, &format!("{base}{draft}/done")).await;
    assert_eq!(done.headers()["clear-site-data"], "\"cache\", \"storage\"");
    let html = page_html(done).await;
    assert!(html.contains("次の方の受付") && html.contains("href=\"/oguni/staff/counter\""));
    let stored = db
        .store
        .submission_by_receipt(app.towns.a.id, "2026-000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.channel, "counter");

    let stranger = support::client();
    let r = get(&stranger, &format!("{base}/oguni/staff/counter")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "staff only");
}

/// Page weight: the heaviest play-room form page with its CSS and JavaScript stays under
/// 50 KB uncompressed. Prints the numbers for BENCHMARKS.md.
async fn a_form_page_with_its_css_and_javascript_weighs_under_50_kb(db: &TestDb) {
    let app = support::app(db, WebConfig::default()).await;
    install(&app, PLAY_ROOM).await;
    let base = support::serve(&app).await;
    let client = support::client();
    let draft = start(&client, &base, "play-room-booking").await;
    fill_play_room(&client, &base, &draft).await;
    let assets: usize = ["yui.css", "yui-form.js", "yui-expr.js"]
        .iter()
        .map(|a| yui_web::assets::size(a).unwrap())
        .sum();
    let mut heaviest = 0;
    for n in 1..=4 {
        let html = text(&client, &format!("{base}{draft}/p/{n}")).await;
        assert!(html.contains("yui-form.js"));
        eprintln!(
            "page weight: play-room page {n}: HTML {} bytes + CSS/JS {assets} bytes = {} bytes",
            html.len(),
            html.len() + assets
        );
        heaviest = heaviest.max(html.len());
    }
    for asset in ["yui.css", "yui-form.js", "yui-expr.js"] {
        let r = get(&client, &format!("{base}/static/{asset}")).await;
        assert_eq!(r.status(), StatusCode::OK, "{asset} is served");
    }
    assert!(
        heaviest + assets <= 50 * 1024,
        "{} bytes",
        heaviest + assets
    );
}

on_both_backends!(
    the_front_page_finds_procedures_by_residents_words_and_category,
    the_start_page_says_what_to_expect_and_starts_a_secret_draft,
    mistakes_come_back_with_a_summary_messages_by_the_fields_and_answers_kept,
    a_resident_applies_page_by_page_checks_changes_and_gets_one_receipt,
    pages_whose_questions_do_not_apply_are_skipped,
    rows_of_a_repeat_are_added_and_removed_without_complaint,
    resume_links_work_until_the_draft_expires_and_stay_in_their_town,
    the_resume_link_is_shown_and_emailed_on_request,
    photos_are_uploaded_with_the_page_and_other_files_refused,
    the_one_shot_form_submits_once_per_key,
    counter_mode_keeps_nothing_in_the_browser,
    a_form_page_with_its_css_and_javascript_weighs_under_50_kb,
);
