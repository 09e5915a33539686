//! The audit trail: recorded with the change it describes, chained, and verified. Tampering
//! tests first drop the append-only triggers, as an attacker with database access could.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yui_core::audit::{ActorKind, AuditEntry};
use yui_core::ports::{AuditQuery, AuditStore};
use yui_core::{Actor, Yui};
use yui_testkit::{TestDb, on_both_backends};

async fn town(yui: &Yui) -> yui_core::model::Tenant {
    yui.create_tenant(&Actor::Operator, "oguni", "434248", "小国町")
        .await
        .unwrap()
}

fn view(tenant: &yui_core::model::Tenant, person: &str, n: i64) -> AuditEntry {
    AuditEntry::new(
        Some(tenant.id),
        ActorKind::Staff,
        Some(1),
        "tanaka",
        "submission.view",
    )
    .subject("submission", n)
    .person(Some(person.into()))
}

async fn drop_append_only_guard(db: &TestDb) {
    if db.is_postgres() {
        db.raw_execute("DROP TRIGGER audit_event_no_update ON audit_event")
            .await;
    } else {
        db.raw_execute("DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete;")
            .await;
    }
}

async fn verify(yui: &Yui) -> yui_core::audit::AuditReport {
    yui.verify_audit(&|_| {}).await.unwrap()
}

async fn administrative_changes_are_recorded_and_the_chain_verifies(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui).await;
    yui.create_department(&Actor::Operator, t.id, "総務課")
        .await
        .unwrap();
    for n in 0..5 {
        yui.record_audit(&view(&t, "p1", n)).await.unwrap();
    }
    let events = db
        .store
        .audit_events(
            t.id,
            &AuditQuery {
                limit: 100,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    let actions: Vec<_> = events.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(actions[0], "submission.view", "newest first");
    assert_eq!(*actions.last().unwrap(), "department.create");
    let report = verify(&yui).await;
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(
        report.events, 7,
        "tenant.create on the instance chain, 6 on the town's"
    );
    assert_eq!(report.chains, 2);
}

async fn the_database_refuses_to_edit_or_delete_events(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui).await;
    yui.record_audit(&view(&t, "p1", 1)).await.unwrap();
    let edit = db
        .try_raw_execute("UPDATE audit_event SET actor_label = 'x'")
        .await;
    assert!(edit.unwrap_err().contains("append-only"));
    let delete = db.try_raw_execute("DELETE FROM audit_event").await;
    assert!(delete.unwrap_err().contains("append-only"));
    assert!(verify(&yui).await.is_intact());
}

async fn an_edited_event_is_detected(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui).await;
    for n in 0..3 {
        yui.record_audit(&view(&t, "p1", n)).await.unwrap();
    }
    drop_append_only_guard(db).await;
    db.raw_execute("UPDATE audit_event SET actor_label = 'suzuki' WHERE seq = 2 AND chain_key > 0")
        .await;
    let report = verify(&yui).await;
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert_eq!(report.problems[0].seq, 2);
    assert!(report.problems[0].what.contains("changed"), "{report:?}");
}

async fn a_deleted_event_is_detected(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui).await;
    for n in 0..4 {
        yui.record_audit(&view(&t, "p1", n)).await.unwrap();
    }
    drop_append_only_guard(db).await;
    db.raw_execute("DELETE FROM audit_event WHERE seq = 2 AND chain_key > 0")
        .await;
    let report = verify(&yui).await;
    assert!(!report.is_intact());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.what.contains("event 2 is missing")),
        "{report:?}"
    );
}

async fn a_cut_off_tail_is_detected(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui).await;
    for n in 0..4 {
        yui.record_audit(&view(&t, "p1", n)).await.unwrap();
    }
    drop_append_only_guard(db).await;
    db.raw_execute("DELETE FROM audit_event WHERE seq = 4 AND chain_key > 0")
        .await;
    let report = verify(&yui).await;
    assert_eq!(report.problems.len(), 1, "{report:?}");
    assert!(
        report.problems[0].what.contains("events were removed"),
        "{report:?}"
    );
}

async fn rewriting_an_event_and_its_own_hash_is_still_detected(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui).await;
    for n in 0..3 {
        yui.record_audit(&view(&t, "p1", n)).await.unwrap();
    }
    drop_append_only_guard(db).await;
    // The attacker recomputes nothing correctly without the whole chain: a forged hash on
    // event 1 no longer matches event 2's prev_hash.
    db.raw_execute(
        "UPDATE audit_event SET person_key = 'p2', hash = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' \
         WHERE seq = 1 AND chain_key > 0",
    )
    .await;
    let report = verify(&yui).await;
    assert!(report.problems.iter().any(|p| p.seq == 1), "{report:?}");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.seq == 2 && p.what.contains("previous")),
        "{report:?}"
    );
}

async fn who_saw_a_residents_data_is_listed_by_person(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui).await;
    yui.record_audit(&view(&t, "p1", 1)).await.unwrap();
    yui.record_audit(&view(&t, "p2", 2)).await.unwrap();
    yui.record_audit(&view(&t, "p1", 3)).await.unwrap();
    let q = AuditQuery {
        person_key: Some("p1".into()),
        limit: 50,
        ..AuditQuery::default()
    };
    let events = db.store.audit_events(t.id, &q).await.unwrap();
    let subjects: Vec<_> = events
        .iter()
        .map(|e| e.entry.subject_id.clone().unwrap())
        .collect();
    assert_eq!(subjects, vec!["3", "1"]);
    let q = AuditQuery {
        action_prefix: Some("submission.".into()),
        before_seq: Some(3),
        limit: 50,
        ..AuditQuery::default()
    };
    assert_eq!(
        db.store.audit_events(t.id, &q).await.unwrap().len(),
        2,
        "events 1 and 2 precede 3"
    );
}

async fn concurrent_appends_form_one_unbroken_chain(db: &TestDb) {
    let (yui, _) = db.yui();
    let t = town(&yui).await;
    let mut handles = Vec::new();
    for w in 0..4 {
        let yui = yui.clone();
        let entry = view(&t, "p1", w);
        handles.push(tokio::spawn(async move {
            for _ in 0..10 {
                yui.record_audit(&entry).await.unwrap();
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let report = verify(&yui).await;
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events, 41);
}

on_both_backends!(
    administrative_changes_are_recorded_and_the_chain_verifies,
    the_database_refuses_to_edit_or_delete_events,
    an_edited_event_is_detected,
    a_deleted_event_is_detected,
    a_cut_off_tail_is_detected,
    rewriting_an_event_and_its_own_hash_is_still_detected,
    who_saw_a_residents_data_is_listed_by_person,
    concurrent_appends_form_one_unbroken_chain,
);
