//! Apps, versions, submissions and drafts: the store contract on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use yui_core::audit::{ActorKind, AuditEntry};
use yui_core::jobs::{KIND_EMAIL, NewJob};
use yui_core::model::Tenant;
use yui_core::ports::{
    AppStore, AuditQuery, AuditStore, DraftStore, JobStore, StoreError, SubmissionStore,
};
use yui_core::records::{
    AppRecord, AppState, AppSummary, DraftRecord, NewApp, NewSubmission, NewVersion,
    RECEIPT_PLACEHOLDER, SUBMISSION_PLACEHOLDER, SubmissionFile,
};
use yui_core::review::IndexedValue;
use yui_core::{Actor, Yui};
use yui_testkit::{TestDb, on_both_backends};

const T0: OffsetDateTime = datetime!(2026-04-01 00:00 UTC);

fn op() -> AuditEntry {
    AuditEntry::new(None, ActorKind::Operator, None, "operator", "test.change")
}

fn summary(title: &str) -> AppSummary {
    AppSummary {
        title_ja: title.into(),
        title_en: None,
        category: Some("childcare".into()),
        search_text: title.into(),
    }
}

async fn town(yui: &Yui, slug: &str, code: &str) -> Tenant {
    yui.create_tenant(&Actor::Operator, slug, code, slug)
        .await
        .unwrap()
}

async fn published_app(
    db: &TestDb,
    t: &Tenant,
    slug: &str,
) -> (AppRecord, yui_core::records::AppVersionRecord) {
    let app = db
        .store
        .create_app(
            &NewApp {
                tenant_id: t.id,
                slug: slug.into(),
                department_id: None,
                draft_definition: "{\"v\":1}".into(),
                summary: summary("プレイルーム利用申込"),
                created_by: None,
            },
            T0,
            &op(),
        )
        .await
        .unwrap();
    let v = db
        .store
        .publish_version(
            t.id,
            app.id,
            &NewVersion {
                definition: "{\"v\":1}".into(),
                change_summary: "初版".into(),
                summary: summary("プレイルーム利用申込"),
                published_by: None,
            },
            T0,
            &op(),
        )
        .await
        .unwrap();
    (app, v)
}

fn submission(
    t: &Tenant,
    app: &AppRecord,
    v: &yui_core::records::AppVersionRecord,
    key: &str,
) -> NewSubmission {
    NewSubmission {
        tenant_id: t.id,
        app_id: app.id,
        app_version_id: v.id,
        idempotency_key: key.into(),
        status: "received".into(),
        channel: "web".into(),
        answers: "{\"child_name\":\"山田 花子\"}".into(),
        contact_email: Some("hanako@example.jp".into()),
        person_key: Some("person-1".into()),
        search_text: "山田 花子".into(),
        values: vec![IndexedValue {
            field: "room".into(),
            text: Some("a".into()),
            num: None,
        }],
        files: vec![SubmissionFile {
            field_path: "photo".into(),
            blob_key: "ab/cdef".into(),
            name: "写真.jpg".into(),
            content_type: "image/jpeg".into(),
            size: 1234,
            sha256: "00".repeat(32),
        }],
        jobs: vec![NewJob {
            tenant_id: Some(t.id),
            kind: KIND_EMAIL,
            payload: serde_json::json!({ "to": "hanako@example.jp", "subject": format!("受付番号 {RECEIPT_PLACEHOLDER}") }),
            idempotency_key: format!("confirmation:{SUBMISSION_PLACEHOLDER}"),
            max_attempts: 5,
        }],
        audit: AuditEntry::new(
            Some(t.id),
            ActorKind::Resident,
            None,
            "resident",
            "submission.create",
        )
        .subject("submission", SUBMISSION_PLACEHOLDER),
        draft_token_hash: None,
    }
}

async fn apps_are_created_listed_and_published_as_numbered_versions(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui, "oguni", "434248").await;
    let (app, v1) = published_app(db, &t, "play-room").await;
    assert_eq!(v1.version, 1);
    let app = db.store.app(t.id, app.id).await.unwrap().unwrap();
    assert_eq!(app.state, AppState::Open, "first publish opens the app");
    assert_eq!(app.published_version, Some(1));
    let v2 = db
        .store
        .publish_version(
            t.id,
            app.id,
            &NewVersion {
                definition: "{\"v\":2}".into(),
                change_summary: "質問を追加".into(),
                summary: summary("プレイルーム利用申込（改）"),
                published_by: None,
            },
            T0 + Duration::days(1),
            &op(),
        )
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    let versions = db.store.app_versions(t.id, app.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(
        versions[1].definition, "{\"v\":1}",
        "version 1 is unchanged"
    );
    assert_eq!(
        db.store
            .app_version_number(t.id, app.id, 1)
            .await
            .unwrap()
            .unwrap()
            .id,
        v1.id
    );
    assert_eq!(
        db.store
            .app_by_slug(t.id, "play-room")
            .await
            .unwrap()
            .unwrap()
            .summary
            .title_ja,
        "プレイルーム利用申込（改）"
    );
    let dup = db
        .store
        .create_app(
            &NewApp {
                tenant_id: t.id,
                slug: "play-room".into(),
                department_id: None,
                draft_definition: "{}".into(),
                summary: summary("x"),
                created_by: None,
            },
            T0,
            &op(),
        )
        .await;
    assert_eq!(dup.unwrap_err(), StoreError::Conflict { field: "slug" });
    db.store
        .set_app_state(t.id, app.id, AppState::Closed, T0, &op())
        .await
        .unwrap();
    assert_eq!(
        db.store.app(t.id, app.id).await.unwrap().unwrap().state,
        AppState::Closed
    );
    assert_eq!(db.store.apps(t.id).await.unwrap().len(), 1);
}

async fn a_submission_gets_a_receipt_and_brings_its_files_job_and_audit_event(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui, "oguni", "434248").await;
    let (app, v) = published_app(db, &t, "play-room").await;
    let r1 = db
        .store
        .insert_submission(submission(&t, &app, &v, "k1"), T0)
        .await
        .unwrap();
    let r2 = db
        .store
        .insert_submission(submission(&t, &app, &v, "k2"), T0)
        .await
        .unwrap();
    assert_eq!(r1.receipt_number, "2026-000001");
    assert_eq!(r2.receipt_number, "2026-000002");
    assert!(!r1.duplicate);
    let s = db
        .store
        .submission_by_receipt(t.id, "2026-000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.id, r1.id);
    assert_eq!(s.answers, "{\"child_name\":\"山田 花子\"}");
    assert_eq!(s.files.len(), 1);
    assert_eq!(s.files[0].name, "写真.jpg");
    assert_eq!(
        s.app_version_id, v.id,
        "tied to the version it was validated against"
    );
    let job = db
        .store
        .claim_job(T0, Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.payload["subject"], "受付番号 2026-000001");
    assert_eq!(job.idempotency_key, format!("confirmation:{}", r1.id));
    let events = db
        .store
        .audit_events(
            t.id,
            &AuditQuery {
                action_prefix: Some("submission.".into()),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[1].entry.subject_id.as_deref(),
        Some(r1.id.to_string().as_str())
    );
}

async fn the_same_idempotency_key_returns_the_first_receipt_and_writes_nothing(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui, "oguni", "434248").await;
    let (app, v) = published_app(db, &t, "play-room").await;
    let first = db
        .store
        .insert_submission(submission(&t, &app, &v, "same"), T0)
        .await
        .unwrap();
    let again = db
        .store
        .insert_submission(submission(&t, &app, &v, "same"), T0 + Duration::seconds(5))
        .await
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.receipt_number, first.receipt_number);
    assert_eq!(again.id, first.id);
    assert_eq!(db.store.submission_count(t.id, app.id).await.unwrap(), 1);
    assert_eq!(
        db.store.job_counts().await.unwrap().pending,
        1,
        "one e-mail, not two"
    );
}

async fn concurrent_submissions_get_unique_gapless_receipts(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui, "oguni", "434248").await;
    let (app, v) = published_app(db, &t, "play-room").await;
    let mut handles = Vec::new();
    for i in 0..120 {
        let store = db.store.clone();
        let new = submission(&t, &app, &v, &format!("k{}", i % 100)); // 20 double clicks
        handles.push(tokio::spawn(async move {
            store.insert_submission(new, T0).await.unwrap()
        }));
    }
    let mut receipts = BTreeSet::new();
    let mut duplicates = 0;
    for h in handles {
        let r = h.await.unwrap();
        if r.duplicate {
            duplicates += 1;
        }
        receipts.insert(r.receipt_number);
    }
    assert_eq!(duplicates, 20);
    assert_eq!(receipts.len(), 100);
    let expected: BTreeSet<String> = (1..=100).map(|n| format!("2026-{n:06}")).collect();
    assert_eq!(receipts, expected, "no gaps, no repeats");
    assert_eq!(db.store.submission_count(t.id, app.id).await.unwrap(), 100);
    assert!(yui.verify_audit(&|_| {}).await.unwrap().is_intact());
}

async fn receipt_numbers_restart_each_japanese_year_and_per_town(db: &TestDb) {
    let (yui, _) = db.yui();
    let a = town(&yui, "oguni", "434248").await;
    let b = town(&yui, "chiyoda", "131016").await;
    let (app_a, va) = published_app(db, &a, "play-room").await;
    let (app_b, vb) = published_app(db, &b, "play-room").await;
    // 2026-12-31 15:00 UTC is already 2027-01-01 in Japan.
    let new_year = datetime!(2026-12-31 15:00 UTC);
    let r = db
        .store
        .insert_submission(
            submission(&a, &app_a, &va, "x1"),
            new_year - Duration::seconds(1),
        )
        .await
        .unwrap();
    assert_eq!(r.receipt_number, "2026-000001");
    let r = db
        .store
        .insert_submission(submission(&a, &app_a, &va, "x2"), new_year)
        .await
        .unwrap();
    assert_eq!(r.receipt_number, "2027-000001");
    let r = db
        .store
        .insert_submission(submission(&b, &app_b, &vb, "x1"), new_year)
        .await
        .unwrap();
    assert_eq!(
        r.receipt_number, "2027-000001",
        "each town counts its own; keys are per town"
    );
    assert!(
        db.store
            .submission_by_receipt(b.id, "2026-000001")
            .await
            .unwrap()
            .is_none()
    );
}

async fn another_towns_submission_is_not_found(db: &TestDb) {
    let (yui, _) = db.yui();
    let a = town(&yui, "oguni", "434248").await;
    let b = town(&yui, "chiyoda", "131016").await;
    let (app, v) = published_app(db, &a, "play-room").await;
    let r = db
        .store
        .insert_submission(submission(&a, &app, &v, "k"), T0)
        .await
        .unwrap();
    assert!(db.store.submission(b.id, r.id).await.unwrap().is_none());
    assert!(db.store.submission(a.id, r.id).await.unwrap().is_some());
    assert!(db.store.app(b.id, app.id).await.unwrap().is_none());
}

async fn a_failing_submission_in_a_batch_does_not_take_the_others_down(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui, "oguni", "434248").await;
    let (app, v) = published_app(db, &t, "play-room").await;
    let mut bad = submission(&t, &app, &v, "bad");
    bad.app_version_id = yui_core::records::AppVersionId(999_999); // violates a foreign key
    let store = db.store.clone();
    let good = tokio::spawn({
        let new = submission(&t, &app, &v, "good");
        let store = store.clone();
        async move { store.insert_submission(new, T0).await }
    });
    let failed = store.insert_submission(bad, T0).await;
    assert!(failed.is_err(), "{failed:?}");
    assert!(good.await.unwrap().is_ok());
    assert_eq!(db.store.submission_count(t.id, app.id).await.unwrap(), 1);
    assert_eq!(
        db.store.job_counts().await.unwrap().pending,
        1,
        "the failed one's job rolled back"
    );
}

async fn drafts_are_saved_resumed_and_expire(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui, "oguni", "434248").await;
    let (app, v) = published_app(db, &t, "play-room").await;
    let draft = DraftRecord {
        tenant_id: t.id,
        channel: "web".into(),
        app_id: app.id,
        app_version_id: v.id,
        answers: "{}".into(),
        email: None,
        submitted: false,
        created_at: T0,
        updated_at: T0,
        expires_at: T0 + Duration::hours(20),
    };
    db.store.create_draft("h1", &draft).await.unwrap();
    db.store
        .save_draft(
            "h1",
            "{\"a\":1}",
            Some("a@example.jp"),
            T0 + Duration::hours(1),
            T0 + Duration::hours(21),
        )
        .await
        .unwrap();
    let d = db
        .store
        .draft("h1", T0 + Duration::hours(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.answers, "{\"a\":1}");
    assert_eq!(d.email.as_deref(), Some("a@example.jp"));
    assert!(
        db.store
            .draft("h1", T0 + Duration::hours(22))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert_eq!(
        db.store
            .save_draft(
                "h1",
                "{}",
                None,
                T0 + Duration::hours(22),
                T0 + Duration::hours(40)
            )
            .await,
        Err(StoreError::NotFound),
        "an expired draft cannot be revived"
    );
    let mut s = submission(&t, &app, &v, "from-draft");
    db.store
        .create_draft(
            "h2",
            &DraftRecord {
                expires_at: T0 + Duration::hours(20),
                ..draft.clone()
            },
        )
        .await
        .unwrap();
    s.draft_token_hash = Some("h2".into());
    db.store.insert_submission(s, T0).await.unwrap();
    assert!(db.store.draft("h2", T0).await.unwrap().unwrap().submitted);
    assert_eq!(
        db.store
            .save_draft("h2", "{}", None, T0, T0 + Duration::hours(20))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        db.store
            .delete_expired_drafts(T0 + Duration::days(2))
            .await
            .unwrap(),
        2
    );
}

on_both_backends!(
    apps_are_created_listed_and_published_as_numbered_versions,
    a_submission_gets_a_receipt_and_brings_its_files_job_and_audit_event,
    the_same_idempotency_key_returns_the_first_receipt_and_writes_nothing,
    concurrent_submissions_get_unique_gapless_receipts,
    receipt_numbers_restart_each_japanese_year_and_per_town,
    another_towns_submission_is_not_found,
    a_failing_submission_in_a_batch_does_not_take_the_others_down,
    drafts_are_saved_resumed_and_expire,
);
