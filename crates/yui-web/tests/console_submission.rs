//! A submission's page over HTTP on both backends: answers under the labels of the version the
//! resident saw, the workflow forms each role gets, status changes and the stale-status
//! conflict, assignment and comments, attachments with safe headers, and the audited print view.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod console_support;

use console_support::{Console, PDF, PNG, ROAD_REPORT, audit_count, play_room, publish, submit};
use serde_json::json;
use yui_core::Actor;
use yui_core::resident::IncomingFile;
use yui_testkit::{TestDb, on_both_backends};

async fn one(c: &Console) -> (yui_core::records::SubmissionId, String) {
    submit(
        &c.app,
        "play-room-booking",
        play_room("山田", "hanako@example.jp", "pm", "2026-04-10"),
        vec![],
    )
    .await
}

async fn the_page_shows_answers_under_the_labels_of_the_version_the_resident_saw(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, receipt) = one(&c).await;
    // A later version renames a question; the page keeps the words the resident read.
    let app = c
        .app
        .yui
        .staff_app(&Actor::Operator, c.app.towns.a.id, "play-room-booking")
        .await
        .unwrap();
    let renamed = console_support::PLAY_ROOM.replace("保護者の氏名", "申込者の氏名（新）");
    c.app
        .yui
        .save_app_draft(&Actor::Operator, c.app.towns.a.id, app.id, &renamed)
        .await
        .unwrap();
    c.app
        .yui
        .publish_app(&Actor::Operator, c.app.towns.a.id, app.id, "質問の言い換え")
        .await
        .unwrap();

    let viewer = c.staff("viewer").await;
    let views_before = audit_count(db, &c.app, "submission.view").await;
    let (status, html) = c
        .get(&viewer, &format!("/oguni/staff/submissions/{id}"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("受付番号 {receipt}")));
    assert!(html.contains("保護者の氏名") && !html.contains("申込者の氏名（新）"));
    assert!(html.contains("山田 花子"));
    assert!(
        html.contains("令和8年4月10日（2026-04-10）"),
        "和暦 for a wareki date"
    );
    assert!(html.contains("午後（13:00〜16:00）"), "the choice's label");
    assert!(html.contains("090-1234-5678"));
    assert!(
        html.contains("利用するお子さん 1"),
        "repeat rows are numbered"
    );
    assert!(
        html.contains("<h3 class=\"answer-section-title\">申込者</h3>"),
        "grouped by page"
    );
    assert!(
        html.contains("申請を受け付けました。"),
        "the timeline starts with the submission"
    );
    assert!(
        !html.contains("/status\""),
        "a viewer gets no workflow form"
    );
    assert_eq!(
        audit_count(db, &c.app, "submission.view").await,
        views_before + 1,
        "the view is audited"
    );
    let (missing, _) = c.get(&viewer, "/oguni/staff/submissions/99999").await;
    assert_eq!(missing, 404);
    let (garbage, _) = c.get(&viewer, "/oguni/staff/submissions/abc").await;
    assert_eq!(garbage, 404);
}

async fn each_role_gets_exactly_the_forms_it_may_use(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, _) = one(&c).await;
    for (role, can) in [
        ("admin", true),
        ("reviewer", true),
        ("builder", false),
        ("viewer", false),
    ] {
        let client = c.staff(role).await;
        let (status, html) = c
            .get(&client, &format!("/oguni/staff/submissions/{id}"))
            .await;
        assert_eq!(status, 200, "{role} may read");
        for form in ["/status\"", "/assign\"", "/comment\""] {
            assert_eq!(html.contains(form), can, "{role} {form}");
        }
        if can {
            for step in ["審査を始める", "完了にする", "却下する", "差し戻す"] {
                assert!(html.contains(step), "{role}: {step}");
            }
        }
    }
}

async fn viewers_and_builders_get_forbidden_for_every_change(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, _) = one(&c).await;
    for role in ["viewer", "builder"] {
        let client = c.staff(role).await;
        for (path, form) in [
            (
                "status",
                vec![("expected", "received"), ("to", "reviewing")],
            ),
            ("assign", vec![("assignee", "")]),
            ("comment", vec![("body", "確認しました")]),
        ] {
            let (status, _, html) = c
                .post(
                    &client,
                    &format!("/oguni/staff/submissions/{id}/{path}"),
                    &form,
                )
                .await;
            assert_eq!(status, 403, "{role} {path}");
            assert!(
                html.contains("この操作はできません"),
                "{role} {path}: a 403 page"
            );
        }
    }
    let view = c
        .app
        .yui
        .view_submission(&Actor::Operator, c.app.towns.a.id, id, None)
        .await
        .unwrap();
    assert_eq!(view.record.status, "received");
    assert!(view.events.is_empty(), "nothing was written");
}

async fn reviewers_move_it_along_and_a_stale_page_gets_a_clear_conflict(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, _) = one(&c).await;
    let reviewer = c.staff("reviewer").await;
    let admin = c.staff("admin").await;
    let path = format!("/oguni/staff/submissions/{id}/status");
    let (status, location, _) = c
        .post(
            &reviewer,
            &path,
            &[("expected", "received"), ("to", "reviewing")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("/oguni/staff/submissions/{id}?notice=status").as_str())
    );
    let (_, page) = c.get(&reviewer, &location.unwrap()).await;
    assert!(page.contains("状況を変更しました。"));
    assert!(page.contains("状況を「受付」から「審査中」に変更しました。"));
    assert!(
        page.contains("審査 一郎") || page.contains("reviewer さん"),
        "who did it"
    );
    // The admin's page still said 受付.
    let (status, _, html) = c
        .post(
            &admin,
            &path,
            &[("expected", "received"), ("to", "rejected")],
        )
        .await;
    assert_eq!(status, 409);
    assert!(html.contains("他の職員が先に状況を変更しました"));
    assert!(html.contains("現在の状況は「審査中」です。"));
    let (status, _, _) = c
        .post(
            &admin,
            &path,
            &[
                ("expected", "reviewing"),
                ("to", "completed"),
                ("comment", "ご利用をお待ちしています。"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, done) = c
        .get(&admin, &format!("/oguni/staff/submissions/{id}"))
        .await;
    assert!(
        done.contains("今の状況からあなたが行える変更はありません。"),
        "完了 is final"
    );
    // A step the workflow does not have is refused.
    let (status, _, _) = c
        .post(
            &admin,
            &path,
            &[("expected", "completed"), ("to", "reviewing")],
        )
        .await;
    assert_eq!(status, 403);
}

async fn assignment_and_internal_comments_show_in_the_history(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, _) = one(&c).await;
    let reviewer = c.staff("reviewer").await;
    let users = c
        .app
        .yui
        .staff_users(&Actor::Operator, c.app.towns.a.id)
        .await
        .unwrap();
    let admin_id = users
        .iter()
        .find(|u| u.login.as_str() == "admin")
        .unwrap()
        .id
        .to_string();
    let (status, location, _) = c
        .post(
            &reviewer,
            &format!("/oguni/staff/submissions/{id}/assign"),
            &[("assignee", &admin_id)],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.unwrap().ends_with("?notice=assigned"));
    let (status, _, _) = c
        .post(
            &reviewer,
            &format!("/oguni/staff/submissions/{id}/comment"),
            &[("body", "電話で確認済み")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = c
        .get(&reviewer, &format!("/oguni/staff/submissions/{id}"))
        .await;
    assert!(page.contains("担当者を admin さん にしました。"));
    assert!(page.contains("電話で確認済み"));
    assert!(
        page.contains(&format!("<option value=\"{admin_id}\" selected>")),
        "the current assignee is selected"
    );
    let (status, _, page) = c
        .post(
            &reviewer,
            &format!("/oguni/staff/submissions/{id}/comment"),
            &[("body", "   ")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("コメントを4000文字以内で入力してください。"));
    assert!(page.contains("href=\"#comment-body\""));
    let (status, _, page) = c
        .post(
            &reviewer,
            &format!("/oguni/staff/submissions/{id}/assign"),
            &[("assignee", "424242")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("担当者にはこの自治体の有効な職員を選んでください。"));
    let (status, _, _) = c
        .post(
            &reviewer,
            &format!("/oguni/staff/submissions/{id}/assign"),
            &[("assignee", "")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = c
        .get(&reviewer, &format!("/oguni/staff/submissions/{id}"))
        .await;
    assert!(page.contains("担当者を外しました。"));
}

async fn attachments_are_served_safely_and_their_downloads_audited(db: &TestDb) {
    let c = Console::start(db).await;
    publish(&c.app, ROAD_REPORT).await;
    let answers = json!({
        "reporter": { "family": "佐藤", "given": "一郎" },
        "email": "ichiro@example.jp",
        "where": "宮原の町道",
    });
    let files = vec![
        IncomingFile {
            field: "photo".into(),
            name: "穴の写真.png".into(),
            bytes: PNG.to_vec(),
        },
        IncomingFile {
            field: "plan".into(),
            name: "図面 (1).pdf".into(),
            bytes: PDF.to_vec(),
        },
    ];
    let (id, _) = submit(
        &c.app,
        "road-report",
        answers.as_object().unwrap().clone(),
        files,
    )
    .await;
    let record = c
        .app
        .yui
        .view_submission(&Actor::Operator, c.app.towns.a.id, id, None)
        .await
        .unwrap()
        .record;
    let photo = record
        .files
        .iter()
        .find(|f| f.field_path == "photo")
        .unwrap()
        .clone();
    let plan = record
        .files
        .iter()
        .find(|f| f.field_path == "plan")
        .unwrap()
        .clone();
    let viewer = c.staff("viewer").await;
    let (_, page) = c
        .get(&viewer, &format!("/oguni/staff/submissions/{id}"))
        .await;
    let photo_url = format!("/oguni/staff/submissions/{id}/files/{}", photo.blob_key);
    assert!(
        page.contains(&format!("<img class=\"file-preview\" src=\"{photo_url}\"")),
        "images are previewed"
    );
    assert!(page.contains(&plan.name));

    let before = audit_count(db, &c.app, "submission.file_view").await;
    let r = viewer.get(c.url(&photo_url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(
        h["content-type"], "image/jpeg",
        "cleaned images are stored as JPEG"
    );
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline;")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "sandbox");
    assert!(h["cache-control"].to_str().unwrap().contains("no-store"));

    let r = viewer
        .get(c.url(&format!(
            "/oguni/staff/submissions/{id}/files/{}",
            plan.blob_key
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/octet-stream");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E5%9B%B3%E9%9D%A2"),
        "{disposition}"
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), PDF);
    assert_eq!(
        audit_count(db, &c.app, "submission.file_view").await,
        before + 2
    );

    let (status, _) = c
        .get(
            &viewer,
            &format!("/oguni/staff/submissions/{id}/files/not-a-blob"),
        )
        .await;
    assert_eq!(status, 404);
    // Another submission's file is not reachable through this one.
    let (other, _) = one(&c).await;
    let (status, _) = c
        .get(
            &viewer,
            &format!("/oguni/staff/submissions/{other}/files/{}", photo.blob_key),
        )
        .await;
    assert_eq!(status, 404);
}

async fn the_print_view_has_no_console_and_is_audited(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, receipt) = one(&c).await;
    let reviewer = c.staff("reviewer").await;
    let before = audit_count(db, &c.app, "submission.view").await;
    let (status, html) = c
        .get(&reviewer, &format!("/oguni/staff/submissions/{id}/print"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("class=\"print-view\""));
    assert!(
        !html.contains("staff-nav") && !html.contains("site-header"),
        "no console chrome"
    );
    assert!(html.contains(&receipt) && html.contains("保護者の氏名"));
    assert!(html.contains("が出力"), "who printed it and when");
    assert_eq!(audit_count(db, &c.app, "submission.view").await, before + 1);
    let css = reqwest::get(c.url("/static/yui.css"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        css.contains("@page { size: A4;"),
        "A4 page size for printing"
    );
}

on_both_backends!(
    the_page_shows_answers_under_the_labels_of_the_version_the_resident_saw,
    each_role_gets_exactly_the_forms_it_may_use,
    viewers_and_builders_get_forbidden_for_every_change,
    reviewers_move_it_along_and_a_stale_page_gets_a_clear_conflict,
    assignment_and_internal_comments_show_in_the_history,
    attachments_are_served_safely_and_their_downloads_audited,
    the_print_view_has_no_console_and_is_audited,
);
