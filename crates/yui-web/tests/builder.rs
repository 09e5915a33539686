//! The app builder over HTTP on a real port: a builder creates an app from a template, edits a
//! question and its condition, previews it and publishes new versions; the YAML view refuses a
//! broken definition with the line of the problem and saves nothing; reviewers are refused
//! (403) and other towns see nothing (404).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{PASSWORD, app, client, csrf_token, serve, sign_in};
use yui_core::Actor;
use yui_testkit::{TestDb, on_both_backends};
use yui_web::WebConfig;

async fn page(client: &reqwest::Client, url: &str) -> (u16, String) {
    let r = client.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = client.post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

/// Signs in as oguni's builder and creates `play-room` from the play-room template.
async fn builder_with_app(base: &str) -> (reqwest::Client, String) {
    let c = client();
    sign_in(&c, base, "oguni", "builder", PASSWORD).await;
    let (status, html) = page(&c, &format!("{base}/oguni/staff/apps/new")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("プレイルーム利用申込"),
        "templates are listed"
    );
    let csrf = csrf_token(&html);
    let (status, location, _) = post(
        &c,
        &format!("{base}/oguni/staff/apps/new"),
        &[
            ("_csrf", &csrf),
            ("template", "play-room-booking"),
            ("slug", "play-room"),
            ("title", "プレイルーム予約"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/oguni/staff/apps/play-room/edit?notice=created");
    (c, csrf)
}

async fn creating_from_a_template_editing_a_question_and_publishing_makes_new_versions(
    db: &TestDb,
) {
    let app = app(db, WebConfig::default()).await;
    let base = serve(&app).await;
    let (c, csrf) = builder_with_app(&base).await;
    let town = app.towns.a.id;

    // A clear error for a URL name already taken or badly written; nothing is created.
    let (status, _, html) = post(
        &c,
        &format!("{base}/oguni/staff/apps/new"),
        &[
            ("_csrf", &csrf),
            ("template", ""),
            ("slug", "Play Room"),
            ("title", ""),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("URL名は半角英小文字で始め"), "{html}");
    assert!(html.contains("アプリの名前を入力してください"));
    let (status, _, html) = post(
        &c,
        &format!("{base}/oguni/staff/apps/new"),
        &[
            ("_csrf", &csrf),
            ("template", ""),
            ("slug", "play-room"),
            ("title", "別のアプリ"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("このURL名は既に使われています"));
    assert_eq!(
        app.yui
            .staff_apps(&Actor::Operator, town)
            .await
            .unwrap()
            .len(),
        1
    );

    // The overview lists the template's questions in order; the chosen title replaced its own.
    let edit = format!("{base}/oguni/staff/apps/play-room/edit");
    let (status, html) = page(&c, &edit).await;
    assert_eq!(status, 200);
    assert!(html.contains("プレイルーム予約"));
    let name_at = html.find("保護者の氏名").unwrap();
    let adults_at = html.find("大人の人数").unwrap();
    assert!(name_at < adults_at);

    // Edit one question: its label, and a new message for its check.
    let field = format!("{edit}/fields/adults");
    let (status, html) = page(&c, &field).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(". &gt;= 1 and . &lt;= 4"),
        "the check is shown for editing"
    );
    let form = [
        ("_csrf", csrf.as_str()),
        ("label_ja", "付き添いの大人の人数"),
        ("label_en", "Accompanying adults"),
        ("hint_ja", ""),
        ("hint_en", ""),
        ("required", "yes"),
        ("constraint", ". >= 1 and . <= 4"),
        ("constraint_message_ja", "1〜4人で入力してください"),
        ("constraint_message_en", ""),
    ];
    let (status, location, _) = post(&c, &field, &form).await;
    assert_eq!(status, 303);
    assert!(location.ends_with("/edit/fields/adults?notice=saved"));
    let (_, html) = page(&c, &edit).await;
    assert!(html.contains("付き添いの大人の人数"));

    // An empty label is refused with its own message; nothing changes.
    let mut bad = form;
    bad[1] = ("label_ja", "");
    let (status, _, html) = post(&c, &field, &bad).await;
    assert_eq!(status, 422);
    assert!(html.contains("href=\"#label_ja\""), "{html}");

    // The preview renders the draft as residents see it, and sending it stores nothing.
    let (status, html) = page(
        &c,
        &format!("{base}/oguni/staff/apps/play-room/preview/frame"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("付き添いの大人の人数"));
    let (status, _, html) = post(
        &c,
        &format!("{base}/oguni/staff/apps/play-room/preview/frame"),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("プレビューのため送信されていません"));

    // First version.
    let publish = format!("{base}/oguni/staff/apps/play-room/publish");
    let (status, html) = page(&c, &publish).await;
    assert_eq!(status, 200);
    assert!(html.contains("第1版として公開する"), "{html}");
    let (status, location, _) = post(&c, &publish, &[("_csrf", &csrf)]).await;
    assert_eq!(status, 303, "{location}");
    let record = app
        .yui
        .staff_app(&Actor::Operator, town, "play-room")
        .await
        .unwrap();
    assert_eq!(record.published_version, Some(1));

    // A change, shown in words before the second version is published.
    let mut again = form;
    again[1] = ("label_ja", "大人の人数（保護者を含む）");
    assert_eq!(post(&c, &field, &again).await.0, 303);
    let (_, html) = page(&c, &publish).await;
    assert!(html.contains("大人の人数（保護者を含む）"), "{html}");
    let (status, _, html) = post(&c, &publish, &[("_csrf", &csrf), ("change_summary", "")]).await;
    assert_eq!(status, 422, "a second version needs a summary");
    assert!(html.contains("何を変更したかを入力してください"));
    let (status, _, _) = post(
        &c,
        &publish,
        &[("_csrf", &csrf), ("change_summary", "人数の説明を変更")],
    )
    .await;
    assert_eq!(status, 303);
    let record = app
        .yui
        .staff_app(&Actor::Operator, town, "play-room")
        .await
        .unwrap();
    assert_eq!(record.published_version, Some(2));

    // Closing and reopening.
    let state = format!("{base}/oguni/staff/apps/play-room/state");
    assert_eq!(
        post(&c, &state, &[("_csrf", &csrf), ("open", "0")]).await.0,
        303
    );
    let record = app
        .yui
        .staff_app(&Actor::Operator, town, "play-room")
        .await
        .unwrap();
    assert_eq!(record.state.as_str(), "closed");
    assert_eq!(
        post(&c, &state, &[("_csrf", &csrf), ("open", "1")]).await.0,
        303
    );

    // Duplicating copies the draft under a new URL name.
    let (status, location, _) = post(
        &c,
        &format!("{base}/oguni/staff/apps/play-room/duplicate"),
        &[
            ("_csrf", &csrf),
            ("slug", "play-room-2"),
            ("title", "プレイルーム予約（北部）"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        location,
        "/oguni/staff/apps/play-room-2/edit?notice=duplicated-app"
    );
    let copy = app
        .yui
        .staff_app(&Actor::Operator, town, "play-room-2")
        .await
        .unwrap();
    assert!(copy.draft_definition.contains("大人の人数（保護者を含む）"));
    assert_eq!(copy.published_version, None);
}

async fn the_condition_editor_writes_an_expression_and_shows_engine_errors(db: &TestDb) {
    let app = app(db, WebConfig::default()).await;
    let base = serve(&app).await;
    let (c, csrf) = builder_with_app(&base).await;
    let url = format!("{base}/oguni/staff/apps/play-room/edit/fields/agree/condition");
    let (status, html) = page(&c, &url).await;
    assert_eq!(status, 200);
    assert!(html.contains("いつも表示します"));

    let (status, _, _) = post(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("rows", "2"),
            ("join", "or"),
            ("row-0-field", "adults"),
            ("row-0-op", "gt"),
            ("row-0-value", "2"),
            ("row-1-field", "slot"),
            ("row-1-op", "eq"),
            ("row-1-value", "午前（9:00〜12:00）"),
            ("action", "rows"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let record = app
        .yui
        .staff_app(&Actor::Operator, app.towns.a.id, "play-room")
        .await
        .unwrap();
    assert!(
        record
            .draft_definition
            .contains("${adults} > 2 or ${slot} = 'am'"),
        "{}",
        record.draft_definition
    );
    let (_, html) = page(&c, &url).await;
    assert!(
        html.contains("value=\"午前（9:00〜12:00）\""),
        "rows read back with labels"
    );

    // A number expected, a word given.
    let (status, _, html) = post(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("rows", "1"),
            ("row-0-field", "adults"),
            ("row-0-op", "gt"),
            ("row-0-value", "many"),
            ("action", "rows"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("数値を入力してください"));

    // The expression box: the engine's own message for an unknown question; nothing saved.
    let (status, _, html) = post(
        &c,
        &url,
        &[
            ("_csrf", &csrf),
            ("rows", "1"),
            ("expression", "${nosuch} = 'x'"),
            ("action", "expression"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("nosuch"), "{html}");
    assert!(
        html.contains("${nosuch} = &#x27;x&#x27;"),
        "the expression is kept"
    );
    let after = app
        .yui
        .staff_app(&Actor::Operator, app.towns.a.id, "play-room")
        .await
        .unwrap();
    assert_eq!(after.draft_definition, record.draft_definition);
}

async fn the_yaml_view_shows_errors_at_their_line_and_saves_nothing(db: &TestDb) {
    let app = app(db, WebConfig::default()).await;
    let base = serve(&app).await;
    let (c, csrf) = builder_with_app(&base).await;
    let url = format!("{base}/oguni/staff/apps/play-room/yaml");
    let (status, html) = page(&c, &url).await;
    assert_eq!(status, 200);
    assert!(html.contains("id: play-room"));
    let before = app
        .yui
        .staff_app(&Actor::Operator, app.towns.a.id, "play-room")
        .await
        .unwrap()
        .draft_definition;
    let broken = before.replacen("type: phone", "type: telephone", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("type: telephone"))
        .unwrap()
        + 1;
    let (status, _, html) = post(&c, &url, &[("_csrf", &csrf), ("source", &broken)]).await;
    assert_eq!(status, 422);
    assert!(html.contains(&format!("{line}行目")), "line {line}: {html}");
    assert!(html.contains("type: telephone"), "the text typed is kept");
    let after = app
        .yui
        .staff_app(&Actor::Operator, app.towns.a.id, "play-room")
        .await
        .unwrap()
        .draft_definition;
    assert_eq!(after, before, "nothing was saved");

    // A correct edit saves.
    let renamed = before.replacen("ja: 大人の人数", "ja: おとなの人数", 1);
    let (status, location, _) = post(&c, &url, &[("_csrf", &csrf), ("source", &renamed)]).await;
    assert_eq!(status, 303);
    assert!(location.ends_with("/yaml?notice=saved"));
    let (_, html) = page(&c, &format!("{base}/oguni/staff/apps/play-room/edit")).await;
    assert!(html.contains("おとなの人数"));
}

async fn reviewers_are_refused_and_other_towns_see_nothing(db: &TestDb) {
    let app = app(db, WebConfig::default()).await;
    let base = serve(&app).await;
    let (_builder, _) = builder_with_app(&base).await;

    let reviewer = client();
    sign_in(&reviewer, &base, "oguni", "reviewer", PASSWORD).await;
    for path in [
        "new",
        "play-room/edit",
        "play-room/yaml",
        "play-room/publish",
        "play-room/preview/frame",
    ] {
        let (status, _) = page(&reviewer, &format!("{base}/oguni/staff/apps/{path}")).await;
        assert_eq!(status, 403, "{path}");
    }
    let (_, home) = page(&reviewer, &format!("{base}/oguni/staff")).await;
    let csrf = csrf_token(&home);
    let (status, _, _) = post(
        &reviewer,
        &format!("{base}/oguni/staff/apps/play-room/edit/fields/adults/delete"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 403);
    let (_, list) = page(&reviewer, &format!("{base}/oguni/staff/apps")).await;
    assert!(
        !list.contains("/staff/apps/new"),
        "no builder links for reviewers"
    );

    let chiyoda = client();
    sign_in(&chiyoda, &base, "chiyoda", "builder", PASSWORD).await;
    let (status, _) = page(
        &chiyoda,
        &format!("{base}/chiyoda/staff/apps/play-room/edit"),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = page(&chiyoda, &format!("{base}/oguni/staff/apps/play-room/edit")).await;
    assert_eq!(status, 404);
    let record = app
        .yui
        .staff_app(&Actor::Operator, app.towns.a.id, "play-room")
        .await
        .unwrap();
    assert!(record.draft_definition.contains("大人の人数"), "untouched");
}

on_both_backends!(
    creating_from_a_template_editing_a_question_and_publishing_makes_new_versions,
    the_condition_editor_writes_an_expression_and_shows_engine_errors,
    the_yaml_view_shows_errors_at_their_line_and_saves_nothing,
    reviewers_are_refused_and_other_towns_see_nothing,
);
