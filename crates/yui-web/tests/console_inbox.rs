//! The inbox over HTTP on both backends: what each role sees, filters narrowing the table,
//! keyset pages, export links carrying the filters, and bulk changes that report what they
//! skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod console_support;

use console_support::{Console, play_room, submit};
use time::Duration;
use yui_core::Actor;
use yui_testkit::{TestDb, on_both_backends};

/// Three applications on three days: 山田 (am, 4/10), 佐藤 (pm, 4/20), 鈴木 (am, 5/01).
async fn three(c: &Console) -> Vec<(yui_core::records::SubmissionId, String)> {
    let mut out = Vec::new();
    for (family, email, slot, date) in [
        ("山田", "yamada@example.jp", "am", "2026-04-10"),
        ("佐藤", "sato@example.jp", "pm", "2026-04-20"),
        ("鈴木", "suzuki@example.jp", "am", "2026-05-01"),
    ] {
        out.push(
            submit(
                &c.app,
                "play-room-booking",
                play_room(family, email, slot, date),
                vec![],
            )
            .await,
        );
        c.app.clock.advance(Duration::days(1));
    }
    out
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

async fn the_inbox_lists_submissions_under_the_apps_labels(db: &TestDb) {
    let c = Console::start(db).await;
    let subs = three(&c).await;
    let reviewer = c.staff("reviewer").await;
    let (status, html) = c.get(&reviewer, "/oguni/staff/inbox").await;
    assert_eq!(status, 200);
    for (_, receipt) in &subs {
        assert!(html.contains(receipt.as_str()), "{receipt} listed");
    }
    assert!(html.contains("受付一覧"));
    assert!(
        html.contains("プレイルーム利用申込"),
        "the app column names the app"
    );
    assert!(
        html.contains("受付"),
        "the status label comes from the workflow"
    );
    assert!(
        html.find(&subs[2].1).unwrap() < html.find(&subs[0].1).unwrap(),
        "newest first"
    );
    let (_, one) = c
        .get(&reviewer, "/oguni/staff/inbox?app=play-room-booking")
        .await;
    assert!(one.contains("保護者の氏名") && one.contains("利用日") && one.contains("時間帯"));
    assert!(one.contains("山田 花子"), "the name column");
    assert!(one.contains("令和8年4月10日"), "a wareki date column");
    assert!(
        one.contains("午前（9:00〜12:00）"),
        "choice labels, not codes"
    );
    assert!(one.contains("（3件）"), "counts per status");
    let (_, oldest) = c.get(&reviewer, "/oguni/staff/inbox?order=oldest").await;
    assert!(oldest.find(&subs[0].1).unwrap() < oldest.find(&subs[2].1).unwrap());
}

async fn filters_narrow_the_table(db: &TestDb) {
    let c = Console::start(db).await;
    let subs = three(&c).await;
    let reviewer = c.staff("reviewer").await;
    let (moved, _, _) = c
        .post(
            &reviewer,
            &format!("/oguni/staff/submissions/{}/status", subs[1].0),
            &[("expected", "received"), ("to", "reviewing")],
        )
        .await;
    assert_eq!(moved, 303);
    let shows = |html: &str| -> Vec<bool> {
        subs.iter()
            .map(|(_, r)| html.contains(r.as_str()))
            .collect()
    };
    let by_receipt = format!("receipt={}", subs[2].1);
    let cases: Vec<(&str, Vec<bool>)> = vec![
        ("status=reviewing", vec![false, true, false]),
        ("status=received&status=reviewing", vec![true, true, true]),
        ("app=play-room-booking&f.slot=am", vec![true, false, true]),
        (
            "app=play-room-booking&min.use_date=2026-04-15&max.use_date=2026-04-30",
            vec![false, true, false],
        ),
        (
            "app=play-room-booking&min.adults=3",
            vec![false, false, false],
        ),
        ("q=佐藤", vec![false, true, false]),
        (&by_receipt, vec![false, false, true]),
        ("from=2026-04-02&to=2026-04-02", vec![false, true, false]),
    ];
    for (query, expected) in &cases {
        let (status, html) = c
            .get(&reviewer, &format!("/oguni/staff/inbox?{query}"))
            .await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(&shows(&html), expected, "{query}");
        // The heading counts what the filter found, not the whole inbox.
        let found = expected.iter().filter(|shown| **shown).count();
        assert!(
            html.contains(&format!("（条件に合うもの{found}件）")),
            "{query}: {found}"
        );
        assert!(!html.contains("（全3件）"), "{query}");
    }
    let (_, all) = c.get(&reviewer, "/oguni/staff/inbox").await;
    assert!(all.contains("（全3件）"), "unfiltered, the whole inbox");

    // Assigned to me, then filtered by assignee.
    let (status, _, _) = c
        .post(
            &reviewer,
            &format!("/oguni/staff/submissions/{}/assign", subs[0].0),
            &[("assignee", &reviewer_id(&c).await)],
        )
        .await;
    assert_eq!(status, 303);
    let (_, mine) = c.get(&reviewer, "/oguni/staff/inbox?assignee=me").await;
    assert_eq!(shows(&mine), vec![true, false, false]);
    let (_, nobody) = c.get(&reviewer, "/oguni/staff/inbox?assignee=none").await;
    assert_eq!(shows(&nobody), vec![false, true, true]);
    assert!(
        mine.contains("reviewer さん"),
        "the assignee's name is shown"
    );
}

async fn reviewer_id(c: &Console) -> String {
    let users = c
        .app
        .yui
        .staff_users(&Actor::Operator, c.app.towns.a.id)
        .await
        .unwrap();
    users
        .iter()
        .find(|u| u.login.as_str() == "reviewer")
        .unwrap()
        .id
        .to_string()
}

async fn a_filter_that_does_not_read_is_explained_next_to_it(db: &TestDb) {
    let c = Console::start(db).await;
    let viewer = c.staff("viewer").await;
    let (status, html) = c
        .get(
            &viewer,
            "/oguni/staff/inbox?from=4%2F1&app=play-room-booking&min.adults=many",
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("エラー："), "the title says so");
    assert!(html.contains("日付は 2026-04-01 の形で入力してください。"));
    assert!(html.contains("href=\"#filter-from\""));
    assert!(html.contains("href=\"#filter-min-adults\""));
}

async fn pages_follow_the_cursor_and_keep_the_filters(db: &TestDb) {
    let c = Console::start(db).await;
    let mut receipts = Vec::new();
    for i in 0..52 {
        let email = format!("p{i}@example.jp");
        let (_, r) = submit(
            &c.app,
            "play-room-booking",
            play_room("山田", &email, "am", "2026-04-10"),
            vec![],
        )
        .await;
        receipts.push(r);
        c.app.clock.advance(Duration::minutes(1));
    }
    let viewer = c.staff("viewer").await;
    let (_, first) = c.get(&viewer, "/oguni/staff/inbox?status=received").await;
    assert_eq!(count(&first, "/oguni/staff/submissions/"), 50);
    assert!(first.contains(&receipts[51]) && !first.contains(&receipts[1]));
    let marker = "href=\"/oguni/staff/inbox?status=received&amp;after=";
    let start = first
        .find(marker)
        .expect("a next-page link keeping the filter")
        + "href=\"".len();
    let end = first[start..].find('"').unwrap() + start;
    let next = first[start..end].replace("&amp;", "&");
    let (status, second) = c.get(&viewer, &next).await;
    assert_eq!(status, 200);
    assert_eq!(count(&second, "/oguni/staff/submissions/"), 2);
    assert!(second.contains(&receipts[1]) && second.contains(&receipts[0]));
    assert!(!second.contains(&receipts[2]));
    assert!(
        !second.contains("rel=\"next\""),
        "the last page has no next link"
    );
    assert!(second.contains("最初のページへ"));
}

async fn export_links_carry_the_filters_for_those_who_may_export(db: &TestDb) {
    let c = Console::start(db).await;
    let reviewer = c.staff("reviewer").await;
    let (_, all) = c.get(&reviewer, "/oguni/staff/inbox").await;
    assert!(all.contains("アプリを1つ選んで"), "export needs one app");
    let (_, one) = c
        .get(
            &reviewer,
            "/oguni/staff/inbox?app=play-room-booking&status=received&q=%E5%B1%B1%E7%94%B0",
        )
        .await;
    for format in ["csv", "csv-cp932", "xlsx", "json"] {
        let link = format!(
            "/oguni/staff/inbox/export?format={format}&amp;app=play-room-booking&amp;status=received&amp;q=%E5%B1%B1%E7%94%B0"
        );
        assert!(one.contains(&link), "{format}: {one}");
    }
    let viewer = c.staff("viewer").await;
    let (_, seen) = c
        .get(&viewer, "/oguni/staff/inbox?app=play-room-booking")
        .await;
    assert!(
        !seen.contains("/staff/inbox/export"),
        "viewers may not export"
    );
}

async fn only_reviewers_and_admins_get_the_bulk_form(db: &TestDb) {
    let c = Console::start(db).await;
    submit(
        &c.app,
        "play-room-booking",
        play_room("山田", "y@example.jp", "am", "2026-04-10"),
        vec![],
    )
    .await;
    for (role, can) in [
        ("admin", true),
        ("reviewer", true),
        ("builder", false),
        ("viewer", false),
    ] {
        let client = c.staff(role).await;
        let (status, html) = c.get(&client, "/oguni/staff/inbox").await;
        assert_eq!(status, 200, "{role} sees the inbox");
        assert_eq!(html.contains("/oguni/staff/inbox/bulk"), can, "{role}");
        assert_eq!(html.contains("name=\"ids\""), can, "{role}");
    }
}

async fn bulk_changes_do_what_they_can_and_say_what_they_skipped(db: &TestDb) {
    let c = Console::start(db).await;
    let subs = three(&c).await;
    let reviewer = c.staff("reviewer").await;
    let done = c
        .post(
            &reviewer,
            &format!("/oguni/staff/submissions/{}/status", subs[2].0),
            &[("expected", "received"), ("to", "completed")],
        )
        .await;
    assert_eq!(done.0, 303);
    let ids: Vec<String> = subs.iter().map(|(id, _)| id.to_string()).collect();
    let receipts: Vec<String> = subs.iter().map(|(id, r)| format!("{id}:{r}")).collect();
    let mut form: Vec<(&str, &str)> = ids.iter().map(|i| ("ids", i.as_str())).collect();
    form.extend(receipts.iter().map(|r| ("receipts", r.as_str())));
    form.extend([
        ("action", "status"),
        ("to", "reviewing"),
        ("back", "status=received"),
    ]);
    let (status, _, html) = c.post(&reviewer, "/oguni/staff/inbox/bulk", &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("2件を処理しました。"), "{html}");
    assert!(html.contains("処理しなかった申請（1件）"));
    assert!(
        html.contains(&subs[2].1),
        "the skipped one is named by its receipt"
    );
    assert!(html.contains("今の状況からはその変更ができないか"));
    assert!(
        html.contains("href=\"/oguni/staff/inbox?status=received\""),
        "back to the same filters"
    );
    let (_, reviewing) = c
        .get(&reviewer, "/oguni/staff/inbox?status=reviewing")
        .await;
    assert!(reviewing.contains(&subs[0].1) && reviewing.contains(&subs[1].1));

    let mut assign: Vec<(&str, &str)> = ids.iter().map(|i| ("ids", i.as_str())).collect();
    assign.extend([("action", "assign"), ("assignee", "me")]);
    let (status, _, html) = c.post(&reviewer, "/oguni/staff/inbox/bulk", &assign).await;
    assert_eq!(status, 200);
    assert!(html.contains("3件を処理しました。"), "{html}");
    let (_, mine) = c.get(&reviewer, "/oguni/staff/inbox?assignee=me").await;
    assert!(subs.iter().all(|(_, r)| mine.contains(r.as_str())));

    let (_, _, nothing) = c
        .post(
            &reviewer,
            "/oguni/staff/inbox/bulk",
            &[("action", "status"), ("to", "reviewing")],
        )
        .await;
    assert!(nothing.contains("申請が選ばれていません"));
    let (_, _, no_status) = c
        .post(
            &reviewer,
            "/oguni/staff/inbox/bulk",
            &[("ids", ids[0].as_str()), ("action", "status")],
        )
        .await;
    assert!(no_status.contains("変更後の状況を選んでください。"));
}

async fn viewers_and_builders_cannot_change_anything_in_bulk(db: &TestDb) {
    let c = Console::start(db).await;
    let (id, _) = submit(
        &c.app,
        "play-room-booking",
        play_room("山田", "y@example.jp", "am", "2026-04-10"),
        vec![],
    )
    .await;
    let id = id.to_string();
    for role in ["viewer", "builder"] {
        let client = c.staff(role).await;
        for form in [
            vec![
                ("ids", id.as_str()),
                ("action", "status"),
                ("to", "reviewing"),
            ],
            vec![
                ("ids", id.as_str()),
                ("action", "assign"),
                ("assignee", "me"),
            ],
        ] {
            let (status, _, _) = c.post(&client, "/oguni/staff/inbox/bulk", &form).await;
            assert_eq!(status, 403, "{role} {form:?}");
        }
    }
    let reviewer = c.staff("reviewer").await;
    let r = reviewer
        .post(c.url("/oguni/staff/inbox/bulk"))
        .form(&[
            ("_csrf", "wrong"),
            ("ids", id.as_str()),
            ("action", "status"),
            ("to", "reviewing"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        403,
        "a bulk form without the session's CSRF token is refused"
    );
    let view = c
        .app
        .yui
        .view_submission(
            &Actor::Operator,
            c.app.towns.a.id,
            yui_core::records::SubmissionId(id.parse().unwrap()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(view.record.status, "received");
    assert_eq!(view.record.assignee_id, None);
}

on_both_backends!(
    the_inbox_lists_submissions_under_the_apps_labels,
    filters_narrow_the_table,
    a_filter_that_does_not_read_is_explained_next_to_it,
    pages_follow_the_cursor_and_keep_the_filters,
    export_links_carry_the_filters_for_those_who_may_export,
    only_reviewers_and_admins_get_the_bulk_form,
    bulk_changes_do_what_they_can_and_say_what_they_skipped,
    viewers_and_builders_cannot_change_anything_in_bulk,
);
