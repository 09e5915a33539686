//! Use cases over a real store: building and publishing apps, and residents applying, on
//! SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Map, Value, json};
use time::Duration;
use yui_core::apps::PublishedApp;
use yui_core::ports::{JobStore, ReviewStore, SubmissionStore};
use yui_core::records::AppState;
use yui_core::resident::{Channel, IncomingFile, MailLanguage, SubmitError};
use yui_core::review::{InboxQuery, ValueFilter};
use yui_core::{Actor, CoreError, Yui};
use yui_testkit::{TestDb, on_both_backends};

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");

/// A 2×2 opaque PNG (stored re-encoded as JPEG).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xFD, 0xD4, 0x9A,
    0x73, 0x00, 0x00, 0x00, 0x12, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xC0,
    0x00, 0xC2, 0x0C, 0xFF, 0x81, 0x00, 0x00, 0x1F, 0xEE, 0x05, 0xFB, 0x0B, 0xD9, 0x68, 0x8B, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

const REPORT: &str = r#"
yui: 1
id: road-report
title: { ja: 道路の不具合通報, en: Report a road problem }
audience: public
fields:
  - { name: where, type: text, label: 道路の場所, required: true }
  - { name: photo, type: image, label: 写真, required: true }
"#;

async fn town_with(db: &TestDb, source: &str) -> (Yui, yui_core::model::Tenant, PublishedApp) {
    let (yui, _clock) = db.yui();
    let town = yui
        .create_tenant(&Actor::Operator, "oguni", "434248", "小国町")
        .await
        .unwrap();
    let app = yui
        .create_app(&Actor::Operator, town.id, source)
        .await
        .unwrap();
    yui.publish_app(&Actor::Operator, town.id, app.id, "")
        .await
        .unwrap();
    let published = yui.resident_app(town.id, &app.slug).await.unwrap();
    (yui, town, published)
}

/// Valid play-room answers for the test clock (2026-04-01).
fn play_room_answers() -> Map<String, Value> {
    let v = json!({
        "applicant_name": { "family": "山田", "given": "花子" },
        "applicant_kana": { "family": "やまだ", "given": "ﾊﾅｺ" },
        "phone": "090-1234-5678",
        "email": "Hanako.Yamada@Example.JP",
        "use_date": "令和8年4月10日",
        "slot": "pm",
        "adults": "1",
        "children": [{ "child_name": "山田 太郎", "child_birth": "2022-05-05", "allergy": "no" }],
        "agree": "on"
    });
    v.as_object().unwrap().clone()
}

async fn publishing_makes_an_app_open_for_residents_in_its_newest_version(db: &TestDb) {
    let (yui, town, app) = town_with(db, PLAY_ROOM).await;
    assert_eq!(app.version.version, 1);
    assert_eq!(app.app.state, AppState::Open);
    assert_eq!(app.form.definition().id, "play-room-booking");
    let listed = yui.open_apps(town.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    let edited = PLAY_ROOM.replace(
        "title: { ja: プレイルーム利用申込",
        "title: { ja: プレイルーム予約",
    );
    let errors = yui
        .save_app_draft(&Actor::Operator, town.id, app.app.id, &edited)
        .await
        .unwrap();
    assert!(errors.0.is_empty(), "{errors:?}");
    assert_eq!(
        yui.resident_app(town.id, "play-room-booking")
            .await
            .unwrap()
            .version
            .version,
        1,
        "drafts are not live"
    );
    let v2 = yui
        .publish_app(&Actor::Operator, town.id, app.app.id, "題名を短くしました")
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    let live = yui
        .resident_app(town.id, "play-room-booking")
        .await
        .unwrap();
    assert_eq!(live.form.definition().title.ja, "プレイルーム予約");
    yui.set_app_open(&Actor::Operator, town.id, app.app.id, false)
        .await
        .unwrap();
    assert!(yui.open_apps(town.id).await.unwrap().is_empty());
    let closed = yui
        .resident_app(town.id, "play-room-booking")
        .await
        .unwrap();
    assert!(
        yui.start_draft(&closed, Channel::Web).await.is_err(),
        "a closed app starts no drafts"
    );
}

async fn builders_get_located_errors_and_cannot_publish_a_broken_draft(db: &TestDb) {
    let (yui, town, app) = town_with(db, PLAY_ROOM).await;
    let broken = PLAY_ROOM.replace(
        "relevant: \"${allergy} = 'yes'\"",
        "relevant: \"${allergi} = 'yes'\"",
    );
    let errors = yui
        .save_app_draft(&Actor::Operator, town.id, app.app.id, &broken)
        .await
        .unwrap();
    assert_eq!(errors.0.len(), 1, "{errors:?}");
    assert!(
        errors.0[0].line.is_some() && errors.0[0].path.contains("relevant"),
        "{errors:?}"
    );
    assert!(matches!(
        yui.publish_app(&Actor::Operator, town.id, app.app.id, "x")
            .await,
        Err(CoreError::Definition(_))
    ));
    assert_eq!(
        yui.resident_app(town.id, "play-room-booking")
            .await
            .unwrap()
            .version
            .version,
        1
    );
    let unreadable = yui
        .save_app_draft(&Actor::Operator, town.id, app.app.id, "yui: [unclosed")
        .await;
    assert!(matches!(unreadable, Err(CoreError::Definition(_))));
    let renamed = PLAY_ROOM.replace("id: play-room-booking", "id: other");
    assert!(matches!(
        yui.save_app_draft(&Actor::Operator, town.id, app.app.id, &renamed)
            .await,
        Err(CoreError::Invalid(_))
    ));
}

async fn a_valid_submission_is_stored_normalised_with_its_confirmation_email(db: &TestDb) {
    let (yui, town, app) = town_with(db, PLAY_ROOM).await;
    let receipt = yui
        .submit_answers(
            &town,
            &app,
            play_room_answers(),
            vec![],
            "key-0123456789abcdef",
            Channel::Web,
            MailLanguage::Ja,
            None,
        )
        .await
        .unwrap();
    assert_eq!(receipt.receipt_number, "2026-000001");
    let stored = db
        .store
        .submission(town.id, receipt.id)
        .await
        .unwrap()
        .unwrap();
    let answers: Value = serde_json::from_str(&stored.answers).unwrap();
    assert_eq!(
        answers["applicant_kana"],
        json!({ "family": "ヤマダ", "given": "ハナコ" }),
        "kana normalised"
    );
    assert_eq!(answers["phone"], "09012345678");
    assert_eq!(answers["use_date"], "2026-04-10");
    assert_eq!(
        answers["total_people"], 2,
        "calculations computed on the server"
    );
    assert_eq!(stored.status, "received");
    assert_eq!(
        stored.contact_email.as_deref(),
        Some("Hanako.Yamada@example.jp")
    );
    let job = db
        .store
        .claim_job(yui.clock().now(), Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.payload["to"], "Hanako.Yamada@example.jp");
    assert_eq!(
        job.payload["subject"],
        "【プレイルーム利用申込】受付番号 2026-000001"
    );
    assert!(
        job.payload["body_text"]
            .as_str()
            .unwrap()
            .contains("小国町です"),
        "{}",
        job.payload["body_text"]
    );
    let pm = db
        .store
        .inbox(
            town.id,
            &InboxQuery {
                values: vec![ValueFilter::OneOf {
                    field: "slot".into(),
                    values: vec!["pm".into()],
                }],
                limit: 10,
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pm.len(), 1, "choices are filterable");
    let found = db
        .store
        .inbox(
            town.id,
            &InboxQuery {
                text: Some("ヤマダ".into()),
                limit: 10,
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "answers are searchable");
    let again = yui
        .submit_answers(
            &town,
            &app,
            play_room_answers(),
            vec![],
            "key-0123456789abcdef",
            Channel::Web,
            MailLanguage::Ja,
            None,
        )
        .await
        .unwrap();
    assert!(again.duplicate && again.receipt_number == receipt.receipt_number);
}

async fn invalid_answers_are_refused_with_violations_and_nothing_is_stored(db: &TestDb) {
    let (yui, town, app) = town_with(db, PLAY_ROOM).await;
    let mut answers = play_room_answers();
    answers.insert("use_date".into(), json!("2026-03-01"));
    answers.remove("agree");
    let Err(SubmitError::Invalid(evaluation)) = yui
        .submit_answers(
            &town,
            &app,
            answers,
            vec![],
            "key-0123456789abcdef",
            Channel::Web,
            MailLanguage::Ja,
            None,
        )
        .await
    else {
        panic!("expected violations");
    };
    let report = evaluation.report();
    assert!(report.get("use_date").is_some(), "{report:?}");
    assert!(report.get("agree").is_some(), "{report:?}");
    assert_eq!(
        db.store
            .submission_count(town.id, app.app.id)
            .await
            .unwrap(),
        0
    );
    assert_eq!(db.store.job_counts().await.unwrap().pending, 0);
}

async fn a_draft_saved_page_by_page_resumes_and_submits_exactly_once(db: &TestDb) {
    let (yui, town, app) = town_with(db, PLAY_ROOM).await;
    let mut draft = yui.start_draft(&app, Channel::Web).await.unwrap();
    let all = play_room_answers();
    let pages = app.form.pages();
    let first: Vec<String> = pages[0].fields.clone();
    let mut page: Map<String, Value> = Map::new();
    for f in &first {
        if let Some(v) = all.get(f) {
            page.insert(f.clone(), v.clone());
        }
    }
    page.insert("phone".into(), json!("123"));
    let outcome = yui
        .save_draft_page(&mut draft, &first, page.clone(), vec![])
        .await
        .unwrap();
    assert!(!outcome.page_ok, "a wrong phone number stops the page");
    let mut resumed = yui.draft(town.id, &draft.token).await.unwrap();
    assert_eq!(
        resumed.answers["phone"], "123",
        "what was typed is kept, even when wrong"
    );
    for p in &pages {
        let mut values = Map::new();
        for f in &p.fields {
            if let Some(v) = all.get(f) {
                values.insert(f.clone(), v.clone());
            }
        }
        let outcome = yui
            .save_draft_page(&mut resumed, &p.fields, values, vec![])
            .await
            .unwrap();
        assert!(
            outcome.page_ok,
            "page {} {:?}",
            p.name,
            outcome.evaluation.report()
        );
    }
    let r1 = yui
        .submit_draft(&town, &resumed, Channel::Web, MailLanguage::Ja, None)
        .await
        .unwrap();
    let r2 = yui
        .submit_draft(&town, &resumed, Channel::Web, MailLanguage::Ja, None)
        .await
        .unwrap();
    assert_eq!(r1.receipt_number, r2.receipt_number, "double click");
    assert!(r2.duplicate);
    let done = yui.draft(town.id, &draft.token).await.unwrap();
    assert_eq!(
        yui.draft_submission(town.id, &done)
            .await
            .unwrap()
            .unwrap()
            .receipt_number,
        r1.receipt_number
    );
    let other = yui
        .create_tenant(&Actor::Operator, "chiyoda", "131016", "千代田区")
        .await
        .unwrap();
    assert!(
        matches!(
            yui.draft(other.id, &draft.token).await,
            Err(CoreError::NotFound)
        ),
        "another town's link"
    );
}

async fn uploaded_photos_join_their_own_submission_only(db: &TestDb) {
    let (yui, town, app) = town_with(db, REPORT).await;
    let mut mine = yui.start_draft(&app, Channel::Web).await.unwrap();
    let fields = vec!["where".to_owned(), "photo".to_owned()];
    let page: Map<String, Value> = json!({ "where": "役場前の交差点" })
        .as_object()
        .unwrap()
        .clone();
    let file = IncomingFile {
        field: "photo".into(),
        name: "../../IMG_0001.PNG".into(),
        bytes: PNG.to_vec(),
    };
    let outcome = yui
        .save_draft_page(&mut mine, &fields, page.clone(), vec![file])
        .await
        .unwrap();
    assert!(
        outcome.page_ok,
        "{:?} {:?}",
        outcome.upload_errors,
        outcome.evaluation.report()
    );
    assert_eq!(
        mine.answers["photo"]["name"], "IMG_0001.jpg",
        "safe name, extension of what it really is"
    );
    let receipt = yui
        .submit_draft(&town, &mine, Channel::Web, MailLanguage::Ja, None)
        .await
        .unwrap();
    let stored = db
        .store
        .submission(town.id, receipt.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.files.len(), 1);
    assert_eq!(stored.files[0].content_type, "image/jpeg");
    assert!(
        yui.blobs()
            .get(town.id, &stored.files[0].blob_key)
            .await
            .unwrap()
            .is_some()
    );

    // Someone else's draft pointing at that file cannot submit it.
    let mut thief = yui.start_draft(&app, Channel::Web).await.unwrap();
    let mut stolen = page.clone();
    stolen.insert("photo".into(), mine.answers["photo"].clone());
    yui.save_draft_page(&mut thief, &["where".to_owned()], stolen.clone(), vec![])
        .await
        .unwrap();
    thief
        .answers
        .insert("photo".into(), mine.answers["photo"].clone());
    let refused = yui
        .submit_draft(&town, &thief, Channel::Web, MailLanguage::Ja, None)
        .await;
    assert!(
        matches!(refused, Err(SubmitError::Core(CoreError::Invalid(_)))),
        "{refused:?}"
    );

    let svg = IncomingFile {
        field: "photo".into(),
        name: "x.svg".into(),
        bytes: b"<svg onload=alert(1)></svg>".to_vec(),
    };
    let mut other = yui.start_draft(&app, Channel::Web).await.unwrap();
    let outcome = yui
        .save_draft_page(&mut other, &fields, page, vec![svg])
        .await
        .unwrap();
    assert!(!outcome.page_ok);
    assert_eq!(outcome.upload_errors[0].code, "file.type");
    assert!(
        outcome.upload_errors[0]
            .message_ja
            .contains("受け付けていません")
    );
}

async fn publishing_reports_what_a_removed_choice_or_field_would_orphan(db: &TestDb) {
    let (yui, town, app) = town_with(db, PLAY_ROOM).await;
    for (i, slot) in ["am", "pm", "pm"].iter().enumerate() {
        let mut a = play_room_answers();
        a.insert("slot".into(), json!(slot));
        yui.submit_answers(
            &town,
            &app,
            a,
            vec![],
            &format!("key-{i}-0123456789abcdef"),
            Channel::Web,
            MailLanguage::Ja,
            None,
        )
        .await
        .unwrap();
    }
    assert!(
        yui.publish_impact(&Actor::Operator, town.id, app.app.id)
            .await
            .unwrap()
            .is_empty(),
        "nothing changed yet"
    );
    let without_pm = PLAY_ROOM.replace(
        "    - { name: pm, label: { ja: 午後（13:00〜16:00）, en: Afternoon (13:00–16:00) }, saturday: \"no\" }\n",
        "",
    );
    let without_phone = without_pm.replace(
        "      - name: phone\n        type: phone\n        label: { ja: 日中に連絡がつく電話番号, en: Daytime phone number }\n        required: true\n",
        "",
    );
    assert_ne!(without_phone, without_pm, "the phone field was removed");
    let errors = yui
        .save_app_draft(&Actor::Operator, town.id, app.app.id, &without_phone)
        .await
        .unwrap();
    assert!(errors.0.is_empty(), "{errors:?}");
    let impact = yui
        .publish_impact(&Actor::Operator, town.id, app.app.id)
        .await
        .unwrap();
    let summary: Vec<(&str, &str, Option<&str>, u64)> = impact
        .iter()
        .map(|i| {
            (
                i.change.code,
                i.change.field.as_str(),
                i.change.choice.as_deref(),
                i.affected,
            )
        })
        .collect();
    assert!(
        summary.contains(&("choice.removed", "slot", Some("pm"), 2)),
        "{summary:?}"
    );
    assert!(
        summary.contains(&("field.removed", "phone", None, 3)),
        "{summary:?}"
    );
    assert!(impact.iter().all(|i| !i.change.message_ja.is_empty()));
}

async fn a_resume_link_is_emailed_once_per_draft_address_and_hour(db: &TestDb) {
    let (yui, town, app) = town_with(db, PLAY_ROOM).await;
    let draft = yui.start_draft(&app, Channel::Web).await.unwrap();
    let link = yui.resume_link(&town, &draft);
    assert!(
        link.ends_with(&format!("/oguni/apps/play-room-booking/d/{}", draft.token)),
        "{link}"
    );
    let refused = yui
        .email_resume_link(&town, &draft, "not an address", MailLanguage::Ja)
        .await;
    assert!(matches!(refused, Err(CoreError::Invalid(_))), "{refused:?}");
    for _ in 0..2 {
        yui.email_resume_link(&town, &draft, "hanako@example.jp", MailLanguage::Ja)
            .await
            .unwrap();
    }
    let job = db
        .store
        .claim_job(yui.clock().now(), Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.payload["to"], "hanako@example.jp");
    assert!(
        job.payload["body_text"].as_str().unwrap().contains(&link),
        "{}",
        job.payload["body_text"]
    );
    assert!(
        db.store
            .claim_job(yui.clock().now(), Duration::minutes(5))
            .await
            .unwrap()
            .is_none(),
        "asking twice within the hour sends one e-mail"
    );
    let counter = yui.start_draft(&app, Channel::Counter).await.unwrap();
    assert!(matches!(
        yui.email_resume_link(&town, &counter, "hanako@example.jp", MailLanguage::Ja)
            .await,
        Err(CoreError::NotFound)
    ));
}

async fn a_one_shot_submission_is_found_again_by_its_key_only(db: &TestDb) {
    let (yui, town, app) = town_with(db, PLAY_ROOM).await;
    let key = "one-shot-key-0123456789";
    let receipt = yui
        .submit_answers(
            &town,
            &app,
            play_room_answers(),
            vec![],
            key,
            Channel::Web,
            MailLanguage::Ja,
            None,
        )
        .await
        .unwrap();
    let found = yui.submission_by_key(town.id, key).await.unwrap().unwrap();
    assert_eq!(found.receipt_number, receipt.receipt_number);
    assert!(
        yui.submission_by_key(town.id, "another-key-0123456789")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        yui.submission_by_key(town.id, "short")
            .await
            .unwrap()
            .is_none()
    );
}

async fn staff_start_counter_drafts_only_in_their_own_town(db: &TestDb) {
    let (yui, town, _app) = town_with(db, PLAY_ROOM).await;
    let other = yui
        .create_tenant(&Actor::Operator, "chiyoda", "131016", "千代田区")
        .await
        .unwrap();
    let apps = yui.counter_apps(&Actor::Operator, town.id).await.unwrap();
    assert_eq!(apps.len(), 1);
    let draft = yui
        .start_counter_draft(&Actor::Operator, town.id, "play-room-booking")
        .await
        .unwrap();
    assert_eq!(draft.record.channel, "counter");
    assert!(matches!(
        yui.start_counter_draft(&Actor::Operator, other.id, "play-room-booking")
            .await,
        Err(CoreError::NotFound)
    ));
}

on_both_backends!(
    publishing_makes_an_app_open_for_residents_in_its_newest_version,
    builders_get_located_errors_and_cannot_publish_a_broken_draft,
    a_valid_submission_is_stored_normalised_with_its_confirmation_email,
    invalid_answers_are_refused_with_violations_and_nothing_is_stored,
    a_draft_saved_page_by_page_resumes_and_submits_exactly_once,
    uploaded_photos_join_their_own_submission_only,
    publishing_reports_what_a_removed_choice_or_field_would_orphan,
    a_resume_link_is_emailed_once_per_draft_address_and_hour,
    a_one_shot_submission_is_found_again_by_its_key_only,
    staff_start_counter_drafts_only_in_their_own_town,
);
