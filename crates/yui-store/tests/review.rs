//! The inbox and the review workflow's storage, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use yui_core::audit::{ActorKind, AuditEntry};
use yui_core::model::{Tenant, UserId};
use yui_core::ports::{AppStore, JobStore, ReviewStore, StoreError, SubmissionStore};
use yui_core::records::{
    AppRecord, AppSummary, AppVersionRecord, NewApp, NewSubmission, NewVersion, SubmissionId,
};
use yui_core::review::{
    AssigneeFilter, Correction, EventKind, InboxOrder, InboxQuery, IndexedValue, NewEvent,
    SubmissionChange, ValueFilter,
};
use yui_core::{Actor, Yui};
use yui_testkit::{TestDb, on_both_backends};

const T0: OffsetDateTime = datetime!(2026-04-01 00:00 UTC);

fn op() -> AuditEntry {
    AuditEntry::new(None, ActorKind::Operator, None, "operator", "test.change")
}

async fn setup(db: &TestDb) -> (Yui, Tenant, AppRecord, AppVersionRecord) {
    let (yui, _) = db.yui();
    let t = yui
        .create_tenant(&Actor::Operator, "oguni", "434248", "小国町")
        .await
        .unwrap();
    let summary = AppSummary {
        title_ja: "申込".into(),
        title_en: None,
        category: None,
        search_text: String::new(),
    };
    let app = db
        .store
        .create_app(
            &NewApp {
                tenant_id: t.id,
                slug: "play-room".into(),
                department_id: None,
                draft_definition: "{}".into(),
                summary: summary.clone(),
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
                definition: "{}".into(),
                change_summary: "初版".into(),
                summary,
                published_by: None,
            },
            T0,
            &op(),
        )
        .await
        .unwrap();
    (yui, t, app, v)
}

/// Submission `i`: room a/b/c by i % 3, children i % 5, name 山田{i}.
async fn submit(
    db: &TestDb,
    t: &Tenant,
    app: &AppRecord,
    v: &AppVersionRecord,
    i: i64,
) -> SubmissionId {
    let room = ["a", "b", "c"][usize::try_from(i % 3).unwrap()];
    let answers = format!("{{\"name\":\"山田{i}\",\"room\":\"{room}\"}}");
    submit_with(db, t, app, v, i, answers, T0 + Duration::minutes(i)).await
}

/// Submission `i` with the given answers, received at `at`.
async fn submit_with(
    db: &TestDb,
    t: &Tenant,
    app: &AppRecord,
    v: &AppVersionRecord,
    i: i64,
    answers: String,
    at: OffsetDateTime,
) -> SubmissionId {
    let room = ["a", "b", "c"][usize::try_from(i % 3).unwrap()];
    let new = NewSubmission {
        tenant_id: t.id,
        app_id: app.id,
        app_version_id: v.id,
        idempotency_key: format!("k{i}"),
        status: "received".into(),
        channel: "web".into(),
        answers,
        contact_email: None,
        person_key: None,
        search_text: format!("やまだ{i} 山田{i} yamada{i}@example.jp"),
        values: vec![
            IndexedValue {
                field: "room".into(),
                text: Some(room.into()),
                num: None,
            },
            IndexedValue {
                field: "children".into(),
                text: None,
                num: Some((i % 5) as f64),
            },
        ],
        files: vec![],
        jobs: vec![],
        audit: AuditEntry::new(
            Some(t.id),
            ActorKind::Resident,
            None,
            "resident",
            "submission.create",
        ),
        draft_token_hash: None,
    };
    db.store.insert_submission(new, at).await.unwrap().id
}

fn query(limit: u32) -> InboxQuery {
    InboxQuery {
        limit,
        ..InboxQuery::default()
    }
}

fn staff_event(kind: EventKind) -> NewEvent {
    NewEvent {
        kind,
        actor_kind: ActorKind::Staff,
        actor_id: Some(1),
        actor_label: "reviewer".into(),
        from_status: None,
        to_status: None,
        assignee: None,
        body: None,
    }
}

fn change(t: &Tenant, id: SubmissionId) -> SubmissionChange {
    SubmissionChange {
        tenant_id: t.id,
        submission_id: id,
        expected_status: None,
        new_status: None,
        new_assignee: None,
        event: staff_event(EventKind::Comment),
        audit: AuditEntry::new(
            Some(t.id),
            ActorKind::Staff,
            Some(1),
            "reviewer",
            "submission.change",
        ),
        jobs: vec![],
        correction_link: None,
    }
}

async fn the_inbox_pages_newest_first_without_gaps_or_repeats(db: &TestDb) {
    let (_, t, app, v) = setup(db).await;
    for i in 0..25 {
        submit(db, &t, &app, &v, i).await;
    }
    let mut seen = Vec::new();
    let mut q = query(10);
    loop {
        let page = db.store.inbox(t.id, &q).await.unwrap();
        if page.is_empty() {
            break;
        }
        q.after = Some(page.last().unwrap().cursor());
        seen.extend(page.into_iter().map(|r| r.receipt_number));
    }
    let expected: Vec<String> = (1..=25).rev().map(|n| format!("2026-{n:06}")).collect();
    assert_eq!(seen, expected);
    let oldest = db
        .store
        .inbox(
            t.id,
            &InboxQuery {
                order: InboxOrder::OldestFirst,
                ..query(2)
            },
        )
        .await
        .unwrap();
    assert_eq!(oldest[0].receipt_number, "2026-000001");
}

/// Pages carry every column as stored, whatever the answers hold, and submissions received in
/// the same millisecond keep one order across pages, in both directions.
async fn inbox_rows_are_exact_and_ties_keep_their_order(db: &TestDb) {
    let (_, t, app, v) = setup(db).await;
    let awkward = [
        r#"{"note":"quote \" backslash \\ tab \t newline \n","x":1}"#,
        r#"{"note":"separators \u001e \u001f and 𠮷野家 👍","x":2}"#,
        r#"{"note":"","list":[1,2,{"a":null}],"x":3}"#,
        r#"{}"#,
        r#"{"note":"end","x":5}"#,
        // Not JSON (a raw record separator): SQLite's packed page cannot split it and the page
        // is read again row by row.
        "{\"note\":\"raw \u{1e} separator\",\"x\":6}",
    ];
    let mut ids = Vec::new();
    for (i, answers) in awkward.iter().enumerate() {
        let i = i64::try_from(i).unwrap();
        // Two pairs share a millisecond.
        let at = T0 + Duration::minutes(i / 2);
        ids.push(submit_with(db, &t, &app, &v, i, (*answers).to_owned(), at).await);
    }
    let mut c = change(&t, ids[1]);
    c.new_assignee = Some(Some(UserId(1)));
    db.store.change_submission(&c, T0).await.unwrap();
    for order in [InboxOrder::NewestFirst, InboxOrder::OldestFirst] {
        let mut q = InboxQuery { order, ..query(2) };
        let mut seen = Vec::new();
        loop {
            let page = db.store.inbox(t.id, &q).await.unwrap();
            if page.is_empty() {
                break;
            }
            q.after = Some(page.last().unwrap().cursor());
            seen.extend(page);
        }
        let mut expected: Vec<usize> = (0..awkward.len()).collect();
        if order == InboxOrder::NewestFirst {
            expected.reverse();
        }
        let got: Vec<SubmissionId> = seen.iter().map(|r| r.id).collect();
        let want: Vec<SubmissionId> = expected.iter().map(|&i| ids[i]).collect();
        assert_eq!(got, want, "{order:?}: one order, no gaps or repeats");
        for row in &seen {
            let i = ids.iter().position(|id| *id == row.id).unwrap();
            assert_eq!(row.answers, awkward[i], "answers come back byte for byte");
            assert_eq!(row.app_id, app.id);
            assert_eq!(row.app_version_id, v.id);
            assert_eq!(row.receipt_number, format!("2026-{:06}", i + 1));
            assert_eq!(row.status, "received");
            assert_eq!(row.revision, 1);
            assert_eq!(
                row.submitted_at,
                T0 + Duration::minutes(i64::try_from(i / 2).unwrap())
            );
            let assignee = (i == 1).then_some(UserId(1));
            assert_eq!(row.assignee_id, assignee);
        }
    }
}

async fn filters_by_status_choice_number_range_date_and_assignee(db: &TestDb) {
    let (_, t, app, v) = setup(db).await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(submit(db, &t, &app, &v, i).await);
    }
    let rooms = db
        .store
        .inbox(
            t.id,
            &InboxQuery {
                values: vec![ValueFilter::OneOf {
                    field: "room".into(),
                    values: vec!["b".into()],
                }],
                ..query(100)
            },
        )
        .await
        .unwrap();
    assert_eq!(rooms.len(), 10);
    assert!(rooms.iter().all(|r| r.answers.contains("\"room\":\"b\"")));
    let many_children = db
        .store
        .inbox(
            t.id,
            &InboxQuery {
                values: vec![ValueFilter::Range {
                    field: "children".into(),
                    min: Some(3.0),
                    max: None,
                }],
                ..query(100)
            },
        )
        .await
        .unwrap();
    assert_eq!(many_children.len(), 12, "i % 5 in {{3, 4}}");
    let window = db
        .store
        .inbox(
            t.id,
            &InboxQuery {
                submitted_from: Some(T0 + Duration::minutes(10)),
                submitted_until: Some(T0 + Duration::minutes(20)),
                ..query(100)
            },
        )
        .await
        .unwrap();
    assert_eq!(window.len(), 10);
    let mut c = change(&t, ids[3]);
    c.new_assignee = Some(Some(UserId(1)));
    c.event = staff_event(EventKind::Assigned);
    db.store.change_submission(&c, T0).await.unwrap();
    let mine = db
        .store
        .inbox(
            t.id,
            &InboxQuery {
                assignee: Some(AssigneeFilter::User(UserId(1))),
                ..query(100)
            },
        )
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[3]]);
    let unassigned = db
        .store
        .inbox(
            t.id,
            &InboxQuery {
                assignee: Some(AssigneeFilter::Unassigned),
                ..query(100)
            },
        )
        .await
        .unwrap();
    assert_eq!(unassigned.len(), 29);
}

async fn text_search_finds_any_part_of_the_answers(db: &TestDb) {
    let (_, t, app, v) = setup(db).await;
    for i in 0..12 {
        submit(db, &t, &app, &v, i).await;
    }
    let search = |text: &str| {
        let q = InboxQuery {
            text: Some(text.into()),
            ..query(100)
        };
        let store = db.store.clone();
        let tid = t.id;
        async move { store.inbox(tid, &q).await.unwrap().len() }
    };
    assert_eq!(search("山田11").await, 1, "trigram path");
    assert_eq!(search("yamada1").await, 3, "1, 10, 11");
    assert_eq!(search("山田").await, 12, "two characters: LIKE path");
    assert_eq!(search("田1").await, 3);
    assert_eq!(search("%").await, 0, "LIKE wildcards are literal");
    assert_eq!(search("\"").await, 0);
    assert_eq!(search("存在しない").await, 0);
}

async fn status_changes_are_counted_checked_and_put_on_the_timeline(db: &TestDb) {
    let (_, t, app, v) = setup(db).await;
    let a = submit(db, &t, &app, &v, 0).await;
    submit(db, &t, &app, &v, 1).await;
    assert_eq!(
        db.store.status_counts(t.id, &[app.id]).await.unwrap(),
        vec![("received".into(), 2)]
    );
    let mut c = change(&t, a);
    c.expected_status = Some("received".into());
    c.new_status = Some("reviewing".into());
    c.event = NewEvent {
        from_status: Some("received".into()),
        to_status: Some("reviewing".into()),
        ..staff_event(EventKind::Status)
    };
    db.store
        .change_submission(&c, T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        db.store.status_counts(t.id, &[]).await.unwrap(),
        vec![("received".into(), 1), ("reviewing".into(), 1)]
    );
    // Someone else saw the old status: their change is refused and nothing is written.
    let stale = db
        .store
        .change_submission(&c, T0 + Duration::hours(2))
        .await;
    assert_eq!(stale, Err(StoreError::Conflict { field: "status" }));
    let events = db.store.submission_events(t.id, a).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].to_status.as_deref(), Some("reviewing"));
    assert_eq!(events[0].actor_label, "reviewer");
    let mut comment = change(&t, a);
    comment.event = NewEvent {
        body: Some("住所を確認してください".into()),
        ..staff_event(EventKind::Comment)
    };
    db.store
        .change_submission(&comment, T0 + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(
        db.store.submission_events(t.id, a).await.unwrap()[1]
            .body
            .as_deref(),
        Some("住所を確認してください")
    );
    let other = yui_core::model::TenantId(t.id.0 + 1);
    assert_eq!(
        db.store
            .change_submission(
                &SubmissionChange {
                    tenant_id: other,
                    ..comment
                },
                T0
            )
            .await,
        Err(StoreError::NotFound)
    );
}

async fn a_returned_submission_is_corrected_once_and_keeps_its_old_answers(db: &TestDb) {
    let (_, t, app, v) = setup(db).await;
    let id = submit(db, &t, &app, &v, 7).await;
    let mut ret = change(&t, id);
    ret.expected_status = Some("received".into());
    ret.new_status = Some("returned".into());
    ret.correction_link = Some(("link-hash".into(), T0 + Duration::days(14)));
    ret.event = NewEvent {
        body: Some("お子さまの年齢を確認してください".into()),
        ..staff_event(EventKind::Returned)
    };
    ret.jobs = vec![yui_core::jobs::NewJob {
        tenant_id: Some(t.id),
        kind: "email",
        payload: serde_json::json!({}),
        idempotency_key: "returned-1".into(),
        max_attempts: 3,
    }];
    db.store.change_submission(&ret, T0).await.unwrap();
    assert_eq!(
        db.store.correction_link("link-hash", T0).await.unwrap(),
        Some((t.id, id))
    );
    assert_eq!(db.store.job_counts().await.unwrap().pending, 1);
    let correction = Correction {
        tenant_id: t.id,
        submission_id: id,
        link_hash: "link-hash".into(),
        app_version_id: v.id,
        answers: "{\"name\":\"山田7\",\"room\":\"c\"}".into(),
        values: vec![IndexedValue {
            field: "room".into(),
            text: Some("c".into()),
            num: None,
        }],
        search_text: "山田7".into(),
        contact_email: None,
        new_status: "received".into(),
        files: vec![],
        event: NewEvent {
            actor_kind: ActorKind::Resident,
            actor_id: None,
            actor_label: "resident".into(),
            ..staff_event(EventKind::Corrected)
        },
        audit: AuditEntry::new(
            Some(t.id),
            ActorKind::Resident,
            None,
            "resident",
            "submission.correct",
        ),
        jobs: vec![],
    };
    assert_eq!(
        db.store
            .apply_correction(&correction, T0 + Duration::hours(1))
            .await
            .unwrap(),
        2
    );
    let s = db.store.submission(t.id, id).await.unwrap().unwrap();
    assert_eq!(s.revision, 2);
    assert_eq!(s.status, "received");
    assert!(s.answers.contains("\"room\":\"c\""));
    let old = db.store.submission_revisions(t.id, id).await.unwrap();
    assert_eq!(old.len(), 1);
    assert!(
        old[0].answers.contains("\"room\":\"b\""),
        "revision 1 kept: {}",
        old[0].answers
    );
    let rooms_c = db
        .store
        .inbox(
            t.id,
            &InboxQuery {
                values: vec![ValueFilter::OneOf {
                    field: "room".into(),
                    values: vec!["c".into()],
                }],
                ..query(10)
            },
        )
        .await
        .unwrap();
    assert_eq!(rooms_c.len(), 1, "filters follow the corrected answers");
    assert_eq!(
        db.store
            .apply_correction(&correction, T0 + Duration::hours(2))
            .await,
        Err(StoreError::NotFound),
        "links work once"
    );
    assert_eq!(
        db.store.correction_link("link-hash", T0).await.unwrap(),
        None
    );
    assert_eq!(
        db.store.status_counts(t.id, &[app.id]).await.unwrap(),
        vec![("received".into(), 1)],
        "returned then received again"
    );
    let kinds: Vec<_> = db
        .store
        .submission_events(t.id, id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec![EventKind::Returned, EventKind::Corrected]);
}

on_both_backends!(
    the_inbox_pages_newest_first_without_gaps_or_repeats,
    inbox_rows_are_exact_and_ties_keep_their_order,
    filters_by_status_choice_number_range_date_and_assignee,
    text_search_finds_any_part_of_the_answers,
    status_changes_are_counted_checked_and_put_on_the_timeline,
    a_returned_submission_is_corrected_once_and_keeps_its_old_answers,
);
