//! The audit trail in the console over HTTP on both backends: only admins may read it, views
//! of submissions show up in plain words with who made them, filters and pages work, the
//! per-resident report finds every access to one person's data, and reading the trail is
//! itself recorded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod console_support;

use console_support::{Console, audit_count, play_room, submit};
use yui_testkit::{TestDb, on_both_backends};

async fn only_admins_may_read_the_audit_trail(db: &TestDb) {
    let c = Console::start(db).await;
    for (role, allowed) in [
        ("admin", true),
        ("reviewer", false),
        ("builder", false),
        ("viewer", false),
    ] {
        let client = c.staff(role).await;
        for path in [
            "/oguni/staff/audit",
            "/oguni/staff/audit/person",
            "/oguni/staff/audit/person?email=a%40example.jp",
            "/oguni/staff/audit/person?receipt=2026-000001",
        ] {
            let (status, _) = c.get(&client, path).await;
            assert_eq!(status, if allowed { 200 } else { 403 }, "{role} {path}");
        }
        let (_, home) = c.get(&client, "/oguni/staff").await;
        assert_eq!(
            home.contains("/oguni/staff/audit\""),
            allowed,
            "{role}: the menu link"
        );
    }
}

async fn admins_see_who_viewed_what_in_plain_words(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, receipt) = submit(
        &c.app,
        "play-room-booking",
        play_room("山田", "hanako@example.jp", "am", "2026-04-10"),
        vec![],
    )
    .await;
    let reviewer = c.staff("reviewer").await;
    let (status, _) = c
        .get(&reviewer, &format!("/oguni/staff/submissions/{id}"))
        .await;
    assert_eq!(status, 200);
    let admin = c.staff("admin").await;
    let (status, html) = c.get(&admin, "/oguni/staff/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("閲覧"), "submission.view in plain Japanese");
    assert!(html.contains("reviewer さん"), "the staff member's name");
    assert!(html.contains(&format!("受付番号: {receipt}")));
    assert!(html.contains(&format!("href=\"/oguni/staff/submissions/{id}\"")));
    assert!(
        html.contains("申請の受付<br>"),
        "the resident's submission too"
    );
    assert!(html.contains("2026-04-01 09:"), "times in Japan time");
    assert_eq!(
        audit_count(db, &c.app, "audit.view").await,
        1,
        "reading the trail is recorded"
    );
    let (_, again) = c.get(&admin, "/oguni/staff/audit").await;
    assert!(again.contains("監査ログの閲覧"), "and shows up in it");

    let (_, views) = c
        .get(&admin, "/oguni/staff/audit?action=submission.view")
        .await;
    assert!(views.contains("reviewer さん"));
    assert!(
        !views.contains("申請の受付<br>") && !views.contains("ログイン<br>"),
        "only views"
    );
    let users = c
        .app
        .yui
        .staff_users(&yui_core::Actor::Operator, c.app.towns.a.id)
        .await
        .unwrap();
    let admin_id = users
        .iter()
        .find(|u| u.login.as_str() == "admin")
        .unwrap()
        .id;
    let (_, by_admin) = c
        .get(&admin, &format!("/oguni/staff/audit?actor={admin_id}"))
        .await;
    assert!(!by_admin.contains(">reviewer<"), "only the admin's events");
    let (_, later) = c.get(&admin, "/oguni/staff/audit?from=2026-04-02").await;
    assert!(later.contains("条件に合う記録はありません。"));
    let (_, bad) = c.get(&admin, "/oguni/staff/audit?from=yesterday").await;
    assert!(bad.contains("日付は 2026-04-01 の形で入力してください。"));
}

async fn the_audit_trail_pages_back_in_time(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, _) = submit(
        &c.app,
        "play-room-booking",
        play_room("山田", "hanako@example.jp", "am", "2026-04-10"),
        vec![],
    )
    .await;
    let reviewer = c.staff("reviewer").await;
    for _ in 0..110 {
        c.get(&reviewer, &format!("/oguni/staff/submissions/{id}"))
            .await;
    }
    let admin = c.staff("admin").await;
    let (_, first) = c
        .get(&admin, "/oguni/staff/audit?action=submission.view")
        .await;
    assert_eq!(
        first.matches("<tr>").count(),
        101,
        "a header row and 100 events"
    );
    let marker = "href=\"/oguni/staff/audit?action=submission.view&amp;before=";
    let start = first.find(marker).expect("an older-events link") + "href=\"".len();
    let end = first[start..].find('"').unwrap() + start;
    let (_, second) = c
        .get(&admin, &first[start..end].replace("&amp;", "&"))
        .await;
    assert_eq!(second.matches("<tr>").count(), 11);
    assert!(second.contains("最新の記録へ"));
}

async fn the_per_resident_report_lists_everyone_who_accessed_their_data(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, receipt) = submit(
        &c.app,
        "play-room-booking",
        play_room("山田", "Hanako@Example.jp", "am", "2026-04-10"),
        vec![],
    )
    .await;
    let (other, _) = submit(
        &c.app,
        "play-room-booking",
        play_room("佐藤", "sato@example.jp", "am", "2026-04-10"),
        vec![],
    )
    .await;
    let reviewer = c.staff("reviewer").await;
    let viewer = c.staff("viewer").await;
    c.get(&reviewer, &format!("/oguni/staff/submissions/{id}"))
        .await;
    c.get(&viewer, &format!("/oguni/staff/submissions/{id}/print"))
        .await;
    c.post(
        &reviewer,
        &format!("/oguni/staff/submissions/{id}/comment"),
        &[("body", "確認中")],
    )
    .await;
    c.get(&viewer, &format!("/oguni/staff/submissions/{other}"))
        .await;
    let (status, csv) = c
        .get(
            &reviewer,
            "/oguni/staff/inbox/export?app=play-room-booking&format=csv&status=received",
        )
        .await;
    assert_eq!(status, 200);
    assert!(csv.contains("山田"), "the export holds her application");
    // Inbox pages are recorded with the receipts they showed: only the one that listed her
    // counts for her.
    let q = |name: &str| format!("/oguni/staff/inbox?q={name}");
    let (_, listed) = c.get(&viewer, &q("%E5%B1%B1%E7%94%B0")).await;
    assert!(listed.contains(&receipt));
    let (_, not_her) = c.get(&viewer, &q("%E4%BD%90%E8%97%A4")).await;
    assert!(!not_her.contains(&receipt));

    let admin = c.staff("admin").await;
    let (status, empty) = c.get(&admin, "/oguni/staff/audit/person").await;
    assert_eq!(status, 200);
    assert!(empty.contains("住民のメールアドレス"));
    let (status, html) = c
        .get(
            &admin,
            "/oguni/staff/audit/person?email=hanako%40example.jp",
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("reviewer さん") && html.contains("viewer さん"));
    assert!(html.contains("閲覧") && html.contains("内部コメント") && html.contains("申請の受付"));
    assert!(
        html.contains("記録（4件）"),
        "create, two views and the comment: {html}"
    );
    assert!(
        !html.contains(&format!("/oguni/staff/submissions/{other}\"")),
        "not the other resident's"
    );
    assert!(html.contains("この調査を行ったことも監査ログに記録されました。"));
    // An export is one event for many residents: the report lists it as one that may hold
    // her application, with its filter, so an admin can tell.
    assert!(html.contains("一覧表示と書き出し（2件）"), "{html}");
    assert!(html.contains("エクスポート") && html.contains("status=received"));
    assert!(html.contains("一覧表示") && html.contains(&receipt));
    let (_, by_receipt) = c
        .get(
            &admin,
            &format!("/oguni/staff/audit/person?receipt={receipt}"),
        )
        .await;
    assert!(by_receipt.contains("viewer さん"));
    assert!(by_receipt.contains("記録（4件）"), "{by_receipt}");
    assert!(by_receipt.contains("一覧表示と書き出し（2件）"));
    let (_, nobody) = c
        .get(
            &admin,
            "/oguni/staff/audit/person?email=nobody%40example.jp",
        )
        .await;
    assert!(nobody.contains("アクセス記録はありません"));
    assert!(nobody.contains("含みうる書き出しはありません。"));
    let (_, unknown) = c
        .get(&admin, "/oguni/staff/audit/person?receipt=1999-000001")
        .await;
    assert!(unknown.contains("アクセス記録はありません"));
    assert_eq!(audit_count(db, &c.app, "audit.view").await, 4);
    let (_, trail) = c.get(&admin, "/oguni/staff/audit?action=audit.view").await;
    assert!(
        !trail.contains("hanako"),
        "the trail keeps no e-mail address"
    );
}

on_both_backends!(
    only_admins_may_read_the_audit_trail,
    admins_see_who_viewed_what_in_plain_words,
    the_audit_trail_pages_back_in_time,
    the_per_resident_report_lists_everyone_who_accessed_their_data,
);
