//! Returning a submission for correction, end to end over HTTP on both backends: the reason is
//! required, the resident gets an e-mail with a link, the link opens the form filled with the
//! earlier answers and the reason, the corrected answers arrive as revision 2 on the staff
//! page with the old answers kept, and the link works once and for 14 days only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod console_support;

use console_support::{Console, correction_token, play_room, queued_emails, submit};
use time::Duration;
use yui_testkit::{TestDb, on_both_backends};

/// Returns a fresh submission for correction as the reviewer; gives the id and the link token.
async fn returned(c: &Console, db: &TestDb) -> (yui_core::records::SubmissionId, String, String) {
    let (id, receipt) = submit(
        &c.app,
        "play-room-booking",
        play_room("山田", "hanako@example.jp", "pm", "2026-04-10"),
        vec![],
    )
    .await;
    queued_emails(db, &c.app).await; // the confirmation
    let reviewer = c.staff("reviewer").await;
    let path = format!("/oguni/staff/submissions/{id}/status");
    let (status, _, html) = c
        .post(
            &reviewer,
            &path,
            &[
                ("expected", "received"),
                ("to", "returned"),
                ("kind", "return"),
                ("comment", " "),
            ],
        )
        .await;
    assert_eq!(status, 422, "a return needs a reason");
    assert!(html.contains("差し戻す理由（申請者に伝える内容）を入力してください。"));
    assert!(html.contains("href=\"#return-reason\""));
    let reason = "お子さんの生年月日をご確認ください。";
    let (status, _, _) = c
        .post(
            &reviewer,
            &path,
            &[
                ("expected", "received"),
                ("to", "returned"),
                ("kind", "return"),
                ("comment", reason),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let mails = queued_emails(db, &c.app).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["to"], "hanako@example.jp");
    let body = mails[0]["body_text"].as_str().unwrap();
    assert!(body.contains(reason), "the reason is e-mailed: {body}");
    let token = correction_token(body).expect("a correction link in the e-mail");
    (id, receipt, token)
}

async fn a_returned_submission_is_corrected_by_the_resident_and_arrives_as_revision_two(
    db: &TestDb,
) {
    let c = Console::start(db).await;
    let (id, receipt, token) = returned(&c, db).await;
    let resident = reqwest::Client::new();
    let url = c.url(&format!("/oguni/correct/{token}"));
    let page = resident.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("お子さんの生年月日をご確認ください。"),
        "the staff's reason"
    );
    assert!(html.contains(&receipt));
    assert!(
        html.contains("value=\"山田\""),
        "earlier answers fill the form"
    );
    assert!(html.contains("name=\"children[0].child_birth.year\""));

    let mut form = vec![
        ("applicant_name.family", "山田"),
        ("applicant_name.given", "花子"),
        ("applicant_kana.family", "ヤマダ"),
        ("applicant_kana.given", "ハナコ"),
        ("phone", "090-1234-5678"),
        ("email", "hanako@example.jp"),
        ("use_date.era", "令和"),
        ("use_date.year", "8"),
        ("use_date.month", "4"),
        ("use_date.day", "10"),
        ("slot", "pm"),
        ("adults", "2"),
        ("children[0].child_name", "太郎"),
        ("children[0].child_birth.era", "令和"),
        ("children[0].child_birth.year", "3"),
        ("children[0].child_birth.month", "6"),
        ("children[0].child_birth.day", "1"),
        ("children[0].allergy", "no"),
        ("agree", "yes"),
    ];
    // A mistake first: the form comes back with the message and what was typed.
    let mut wrong = form.clone();
    wrong.retain(|(k, _)| *k != "agree");
    let r = resident.post(&url).form(&wrong).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("エラー："));
    assert!(html.contains("class=\"error-summary\""));
    assert!(html.contains("value=\"3\""), "what was typed is kept");
    form.push(("_action", "continue"));
    let r = resident.post(&url).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let done = r.text().await.unwrap();
    assert!(done.contains("修正を受け付けました"));
    assert!(done.contains(&receipt), "the same receipt number");

    let reviewer = c.staff("reviewer").await;
    let (_, staff) = c
        .get(&reviewer, &format!("/oguni/staff/submissions/{id}"))
        .await;
    assert!(staff.contains("第2版"), "revision 2 is current");
    assert!(staff.contains("令和3年6月1日"), "the corrected answer");
    assert!(staff.contains("以前の版"));
    assert!(
        staff.contains("令和4年5月5日"),
        "the earlier answer is kept, labelled"
    );
    assert!(staff.contains("申請者が修正して再提出しました（第2版"));
    assert!(staff.contains("審査中"), "the resubmission moved it on");

    // Used once: the link is gone now.
    let again = resident.get(&url).send().await.unwrap();
    assert_eq!(again.status(), 404);
    let html = again.text().await.unwrap();
    assert!(html.contains("14日間、1回だけ使えます"));
}

async fn a_correction_link_expires_after_fourteen_days(db: &TestDb) {
    let c = Console::start(db).await;
    let (_, _, token) = returned(&c, db).await;
    let resident = reqwest::Client::new();
    let url = c.url(&format!("/oguni/correct/{token}"));
    c.app.clock.advance(Duration::days(13));
    assert_eq!(resident.get(&url).send().await.unwrap().status(), 200);
    c.app.clock.advance(Duration::days(2));
    let r = resident.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("このリンクは使えません"));
    let posted = resident
        .post(&url)
        .form(&[("adults", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 404);
}

async fn a_link_works_only_in_its_own_town(db: &TestDb) {
    let c = Console::start(db).await;
    let (_, _, token) = returned(&c, db).await;
    let resident = reqwest::Client::new();
    let r = resident
        .get(c.url(&format!("/chiyoda/correct/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("山田"));
    let r = resident
        .get(c.url("/oguni/correct/not-a-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn rows_can_be_added_on_the_correction_form_without_complaints(db: &TestDb) {
    let c = Console::start(db).await;
    let (_, _, token) = returned(&c, db).await;
    let resident = reqwest::Client::new();
    let url = c.url(&format!("/oguni/correct/{token}"));
    let r = resident
        .post(&url)
        .form(&[
            ("children[0].child_name", "太郎"),
            ("_action", "add:children"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("利用するお子さん 2"), "a second row");
    assert!(
        !html.contains("class=\"error-summary\""),
        "no complaints about the new row"
    );
    assert_eq!(
        resident.get(&url).send().await.unwrap().status(),
        200,
        "the link is still unused"
    );
}

on_both_backends!(
    a_returned_submission_is_corrected_by_the_resident_and_arrives_as_revision_two,
    a_correction_link_expires_after_fourteen_days,
    a_link_works_only_in_its_own_town,
    rows_can_be_added_on_the_correction_form_without_complaints,
);
