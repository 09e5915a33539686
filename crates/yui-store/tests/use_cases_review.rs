//! Processing submissions over a real store: who may do what, the workflow, returns for
//! correction and the resident's correction, department scope, and audited views.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Map, Value, json};
use time::Duration;
use yui_core::actor::StaffActor;
use yui_core::model::{DepartmentId, Tenant};
use yui_core::ports::{AuditQuery, AuditStore, JobStore, SubmissionStore};
use yui_core::records::SubmissionId;
use yui_core::resident::{Channel, MailLanguage, person_key_for_email};
use yui_core::review::{EventKind, InboxQuery};
use yui_core::staff::NewStaffInput;
use yui_core::{Actor, CoreError, Yui};
use yui_domain::tenant::Role;
use yui_testkit::{TestDb, on_both_backends};

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");

struct Setup {
    yui: Yui,
    clock: yui_core::clock::ManualClock,
    town: Tenant,
    admin: Actor,
    reviewer: Actor,
    builder: Actor,
    viewer: Actor,
    app: yui_core::apps::PublishedApp,
}

async fn staff(
    yui: &Yui,
    town: &Tenant,
    login: &str,
    role: Role,
    department: Option<&str>,
) -> Actor {
    let input = NewStaffInput {
        login: login.into(),
        display_name: format!("{login} さん"),
        role: role.as_str().into(),
        department: department.map(Into::into),
        password: "correct horse battery".into(),
    };
    let u = yui
        .create_staff_user(&Actor::Operator, town.id, &input)
        .await
        .unwrap();
    Actor::Staff(StaffActor {
        user_id: u.id,
        login: login.into(),
        tenant_id: town.id,
        role,
        department_id: u.department_id,
    })
}

async fn setup(db: &TestDb) -> Setup {
    let (yui, clock) = db.yui();
    let town = yui
        .create_tenant(&Actor::Operator, "oguni", "434248", "小国町")
        .await
        .unwrap();
    yui.create_department(&Actor::Operator, town.id, "子育て支援課")
        .await
        .unwrap();
    yui.create_department(&Actor::Operator, town.id, "住民課")
        .await
        .unwrap();
    let app = yui
        .create_app(&Actor::Operator, town.id, PLAY_ROOM)
        .await
        .unwrap();
    yui.publish_app(&Actor::Operator, town.id, app.id, "")
        .await
        .unwrap();
    let app = yui
        .resident_app(town.id, "play-room-booking")
        .await
        .unwrap();
    Setup {
        admin: staff(&yui, &town, "admin", Role::Admin, None).await,
        reviewer: staff(
            &yui,
            &town,
            "reviewer",
            Role::Reviewer,
            Some("子育て支援課"),
        )
        .await,
        builder: staff(&yui, &town, "builder", Role::Builder, None).await,
        viewer: staff(&yui, &town, "viewer", Role::Viewer, None).await,
        yui,
        clock,
        town,
        app,
    }
}

fn answers() -> Map<String, Value> {
    json!({
        "applicant_name": { "family": "山田", "given": "花子" },
        "applicant_kana": { "family": "ヤマダ", "given": "ハナコ" },
        "phone": "090-1234-5678",
        "email": "hanako@example.jp",
        "use_date": "2026-04-10",
        "slot": "pm",
        "adults": "1",
        "children": [{ "child_name": "山田 太郎", "child_birth": "2022-05-05", "allergy": "no" }],
        "agree": "on"
    })
    .as_object()
    .unwrap()
    .clone()
}

async fn submit(s: &Setup, key: &str) -> SubmissionId {
    s.yui
        .submit_answers(
            &s.town,
            &s.app,
            answers(),
            vec![],
            &format!("{key}-0123456789abcdef"),
            Channel::Web,
            MailLanguage::Ja,
            None,
        )
        .await
        .unwrap()
        .id
}

async fn each_role_may_do_exactly_its_part(db: &TestDb) {
    let s = setup(db).await;
    let id = submit(&s, "a").await;
    let t = &s.town;
    for actor in [&s.admin, &s.reviewer, &s.builder, &s.viewer] {
        assert!(
            s.yui.view_submission(actor, t.id, id, None).await.is_ok(),
            "{actor:?} may read"
        );
    }
    for actor in [&s.builder, &s.viewer] {
        assert!(matches!(
            s.yui
                .transition_submission(actor, t, id, "received", "reviewing", None)
                .await,
            Err(CoreError::Forbidden)
        ));
        assert!(matches!(
            s.yui
                .comment_submission(actor, t.id, id, "確認します")
                .await,
            Err(CoreError::Forbidden)
        ));
        assert!(matches!(
            s.yui.assign_submission(actor, t.id, id, None).await,
            Err(CoreError::Forbidden)
        ));
    }
    s.yui
        .transition_submission(&s.reviewer, t, id, "received", "reviewing", None)
        .await
        .unwrap();
    s.yui
        .comment_submission(&s.reviewer, t.id, id, "電話で確認済み")
        .await
        .unwrap();
    s.yui
        .transition_submission(&s.admin, t, id, "reviewing", "completed", None)
        .await
        .unwrap();
    let view = s
        .yui
        .view_submission(&s.viewer, t.id, id, None)
        .await
        .unwrap();
    assert_eq!(view.record.status, "completed");
    let kinds: Vec<_> = view.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::Status, EventKind::Comment, EventKind::Status]
    );
}

async fn the_workflow_decides_which_steps_exist_and_stale_views_conflict(db: &TestDb) {
    let s = setup(db).await;
    let id = submit(&s, "a").await;
    let t = &s.town;
    let undefined = s
        .yui
        .transition_submission(&s.admin, t, id, "received", "no-such-state", None)
        .await;
    assert!(
        matches!(undefined, Err(CoreError::Forbidden)),
        "{undefined:?}"
    );
    s.yui
        .transition_submission(&s.reviewer, t, id, "received", "completed", None)
        .await
        .unwrap();
    let stale = s
        .yui
        .transition_submission(&s.reviewer, t, id, "received", "rejected", None)
        .await;
    assert!(
        matches!(stale, Err(CoreError::Conflict { field: "status" })),
        "{stale:?}"
    );
    let backwards = s
        .yui
        .transition_submission(&s.admin, t, id, "completed", "received", None)
        .await;
    assert!(
        matches!(backwards, Err(CoreError::Forbidden)),
        "final states have no way out: {backwards:?}"
    );
}

async fn a_return_for_correction_sends_a_link_and_the_correction_becomes_revision_two(db: &TestDb) {
    let s = setup(db).await;
    let id = submit(&s, "a").await;
    let t = &s.town;
    let no_reason = s
        .yui
        .transition_submission(&s.reviewer, t, id, "received", "returned", None)
        .await;
    assert!(
        matches!(no_reason, Err(CoreError::Invalid(_))),
        "a reason is required"
    );
    s.yui
        .transition_submission(
            &s.reviewer,
            t,
            id,
            "received",
            "returned",
            Some("お子さんの生年月日をご確認ください"),
        )
        .await
        .unwrap();
    let now = s.yui.clock().now();
    let mut link = None;
    while let Some(job) = db.store.claim_job(now, Duration::minutes(5)).await.unwrap() {
        let body = job.payload["body_text"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if let Some(start) = body.find("/oguni/correct/") {
            link = Some(
                body[start + "/oguni/correct/".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_owned(),
            );
            assert!(
                body.contains("お子さんの生年月日をご確認ください"),
                "the reason is in the e-mail"
            );
        }
        db.store.complete_job(job.id, now).await.unwrap();
    }
    let token = link.expect("the resident is sent a correction link");
    let session = s.yui.correction_session(t, &token).await.unwrap();
    assert_eq!(
        session.reason.as_deref(),
        Some("お子さんの生年月日をご確認ください")
    );
    let mut corrected = answers();
    corrected.insert("slot".into(), json!("am"));
    let revision = s
        .yui
        .apply_resident_correction(&session, &token, corrected, vec![])
        .await
        .unwrap();
    assert_eq!(revision, 2);
    let view = s
        .yui
        .view_submission(&s.reviewer, t.id, id, None)
        .await
        .unwrap();
    assert_eq!(
        view.record.status, "reviewing",
        "the workflow's resubmission step"
    );
    assert!(view.record.answers.contains("\"slot\":\"am\""));
    assert_eq!(view.revisions.len(), 1);
    assert!(
        view.revisions[0].0.answers.contains("\"slot\":\"pm\""),
        "both versions are kept"
    );
    assert!(
        matches!(
            s.yui.correction_session(t, &token).await,
            Err(CoreError::NotFound)
        ),
        "single use"
    );
}

async fn a_correction_link_expires_after_two_weeks(db: &TestDb) {
    let s = setup(db).await;
    let id = submit(&s, "a").await;
    s.yui
        .transition_submission(
            &s.reviewer,
            &s.town,
            id,
            "received",
            "returned",
            Some("写真が不鮮明です"),
        )
        .await
        .unwrap();
    let now = s.yui.clock().now();
    let job = loop {
        let job = db
            .store
            .claim_job(now, Duration::minutes(5))
            .await
            .unwrap()
            .unwrap();
        if job.payload["body_text"]
            .as_str()
            .unwrap_or_default()
            .contains("/correct/")
        {
            break job;
        }
    };
    let body = job.payload["body_text"].as_str().unwrap();
    let token = body[body.find("/oguni/correct/").unwrap() + 15..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    s.clock.advance(Duration::days(13));
    assert!(s.yui.correction_session(&s.town, &token).await.is_ok());
    s.clock.advance(Duration::days(2));
    assert!(matches!(
        s.yui.correction_session(&s.town, &token).await,
        Err(CoreError::NotFound)
    ));
}

async fn staff_can_take_a_return_back_and_the_old_link_then_leads_nowhere(db: &TestDb) {
    let s = setup(db).await;
    let id = submit(&s, "a").await;
    let t = &s.town;
    s.yui
        .transition_submission(
            &s.reviewer,
            t,
            id,
            "received",
            "returned",
            Some("写真が不鮮明です"),
        )
        .await
        .unwrap();
    let now = s.yui.clock().now();
    let mut bodies = Vec::new();
    while let Some(job) = db.store.claim_job(now, Duration::minutes(5)).await.unwrap() {
        bodies.push(
            job.payload["body_text"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
        db.store.complete_job(job.id, now).await.unwrap();
    }
    let body = bodies
        .iter()
        .find(|b| b.contains("/oguni/correct/"))
        .unwrap();
    let token = body[body.find("/oguni/correct/").unwrap() + 15..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(s.yui.correction_session(t, &token).await.is_ok());
    // The resident brought the corrected paper to the counter instead.
    s.yui
        .transition_submission(&s.reviewer, t, id, "returned", "reviewing", None)
        .await
        .unwrap();
    let view = s
        .yui
        .view_submission(&s.reviewer, t.id, id, None)
        .await
        .unwrap();
    assert_eq!(view.record.status, "reviewing");
    assert!(
        matches!(
            s.yui.correction_session(t, &token).await,
            Err(CoreError::NotFound)
        ),
        "the link no longer opens the correction form"
    );
    let job = db
        .store
        .claim_job(now, Duration::minutes(5))
        .await
        .unwrap()
        .expect("the resident is told");
    let body = job.payload["body_text"].as_str().unwrap();
    assert!(body.contains("審査中"), "{body}");
    assert!(!body.contains("/correct/"), "no new link: {body}");
}

async fn staff_see_their_departments_apps_and_never_another_towns(db: &TestDb) {
    let s = setup(db).await;
    let id = submit(&s, "a").await;
    // Put the app in 住民課: the 子育て支援課 reviewer no longer sees it; admins still do.
    let departments = s
        .yui
        .departments(&Actor::Operator, s.town.id)
        .await
        .unwrap();
    let juumin: DepartmentId = departments
        .iter()
        .find(|d| d.name.as_str() == "住民課")
        .unwrap()
        .id;
    db.raw_execute(&format!(
        "UPDATE app SET department_id = {} WHERE app_id = {}",
        juumin.0, s.app.app.id.0
    ))
    .await;
    assert!(matches!(
        s.yui
            .view_submission(&s.reviewer, s.town.id, id, None)
            .await,
        Err(CoreError::NotFound)
    ));
    let page = s
        .yui
        .inbox(
            &s.reviewer,
            s.town.id,
            InboxQuery {
                limit: 10,
                ..InboxQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(page.rows.is_empty());
    assert!(
        s.yui
            .view_submission(&s.admin, s.town.id, id, None)
            .await
            .is_ok()
    );
    let other = s
        .yui
        .create_tenant(&Actor::Operator, "chiyoda", "131016", "千代田区")
        .await
        .unwrap();
    let stranger = staff(&s.yui, &other, "admin", Role::Admin, None).await;
    assert!(matches!(
        s.yui.view_submission(&stranger, s.town.id, id, None).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        s.yui
            .inbox(&stranger, s.town.id, InboxQuery::default())
            .await,
        Err(CoreError::NotFound)
    ));
}

async fn every_view_is_in_the_trail_under_the_residents_key(db: &TestDb) {
    let s = setup(db).await;
    let id = submit(&s, "a").await;
    s.yui
        .view_submission(&s.viewer, s.town.id, id, Some("192.0.2.7".parse().unwrap()))
        .await
        .unwrap();
    s.yui
        .view_submission(&s.reviewer, s.town.id, id, None)
        .await
        .unwrap();
    let key = person_key_for_email("Hanako@Example.jp");
    let q = AuditQuery {
        person_key: Some(key),
        action_prefix: Some("submission.view".into()),
        limit: 10,
        ..AuditQuery::default()
    };
    let seen: Vec<String> = db
        .store
        .audit_events(s.town.id, &q)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.actor_label)
        .collect();
    assert_eq!(seen, vec!["reviewer", "viewer"]);
}

async fn bulk_changes_report_what_they_skipped(db: &TestDb) {
    let s = setup(db).await;
    let a = submit(&s, "a").await;
    let b = submit(&s, "b").await;
    s.yui
        .transition_submission(&s.admin, &s.town, b, "received", "completed", None)
        .await
        .unwrap();
    let outcome = s
        .yui
        .bulk_transition(
            &s.reviewer,
            &s.town,
            &[a, b, SubmissionId(999_999)],
            "reviewing",
            None,
        )
        .await
        .unwrap();
    assert_eq!(outcome.done, vec![a]);
    assert_eq!(outcome.skipped.len(), 2);
    let reviewer_id = match &s.reviewer {
        Actor::Staff(st) => st.user_id,
        Actor::Operator | Actor::Api(_) => unreachable!(),
    };
    let assigned = s
        .yui
        .bulk_assign(&s.admin, s.town.id, &[a, b], Some(reviewer_id))
        .await
        .unwrap();
    assert_eq!(assigned.done.len(), 2);
    assert_eq!(
        db.store
            .submission(s.town.id, a)
            .await
            .unwrap()
            .unwrap()
            .assignee_id,
        Some(reviewer_id)
    );
    let other = s
        .yui
        .create_tenant(&Actor::Operator, "chiyoda", "131016", "千代田区")
        .await
        .unwrap();
    let outsider = staff(&s.yui, &other, "x-admin", Role::Admin, None).await;
    let outsider_id = match outsider {
        Actor::Staff(st) => st.user_id,
        Actor::Operator | Actor::Api(_) => unreachable!(),
    };
    assert!(matches!(
        s.yui
            .assign_submission(&s.admin, s.town.id, a, Some(outsider_id))
            .await,
        Err(CoreError::Invalid(_))
    ));
}

on_both_backends!(
    each_role_may_do_exactly_its_part,
    the_workflow_decides_which_steps_exist_and_stale_views_conflict,
    a_return_for_correction_sends_a_link_and_the_correction_becomes_revision_two,
    a_correction_link_expires_after_two_weeks,
    staff_can_take_a_return_back_and_the_old_link_then_leads_nowhere,
    staff_see_their_departments_apps_and_never_another_towns,
    every_view_is_in_the_trail_under_the_residents_key,
    bulk_changes_report_what_they_skipped,
);
