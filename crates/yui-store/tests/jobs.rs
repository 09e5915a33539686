//! The job queue contract, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use yui_core::jobs::{JobCounts, NewJob};
use yui_core::ports::JobStore;
use yui_testkit::{TestDb, on_both_backends};

const T0: OffsetDateTime = datetime!(2026-04-01 00:00 UTC);
const LEASE: Duration = Duration::minutes(5);

fn job(key: &str) -> NewJob {
    NewJob {
        tenant_id: None,
        kind: "email",
        payload: serde_json::json!({ "to": "a@example.jp", "key": key }),
        idempotency_key: key.into(),
        max_attempts: 3,
    }
}

async fn enqueueing_the_same_key_twice_creates_one_job(db: &TestDb) {
    assert_eq!(
        db.store
            .enqueue_jobs(&[job("k1"), job("k2")], T0)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        db.store
            .enqueue_jobs(&[job("k1"), job("k3")], T0)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        db.store.job_counts().await.unwrap(),
        JobCounts {
            pending: 3,
            ..JobCounts::default()
        }
    );
}

async fn jobs_are_claimed_oldest_first_with_their_payload(db: &TestDb) {
    db.store.enqueue_jobs(&[job("first")], T0).await.unwrap();
    db.store
        .enqueue_jobs(&[job("second")], T0 + Duration::seconds(1))
        .await
        .unwrap();
    let now = T0 + Duration::seconds(2);
    let a = db.store.claim_job(now, LEASE).await.unwrap().unwrap();
    assert_eq!(a.idempotency_key, "first");
    assert_eq!(a.attempts, 1);
    assert_eq!(a.payload["to"], "a@example.jp");
    let b = db.store.claim_job(now, LEASE).await.unwrap().unwrap();
    assert_eq!(b.idempotency_key, "second");
    assert!(
        db.store.claim_job(now, LEASE).await.unwrap().is_none(),
        "both are leased"
    );
    db.store.complete_job(a.id, now).await.unwrap();
    assert_eq!(
        db.store.job_counts().await.unwrap(),
        JobCounts {
            running: 1,
            done: 1,
            ..JobCounts::default()
        }
    );
}

async fn a_failed_job_waits_until_its_retry_time(db: &TestDb) {
    db.store.enqueue_jobs(&[job("k")], T0).await.unwrap();
    let j = db.store.claim_job(T0, LEASE).await.unwrap().unwrap();
    let retry_at = T0 + Duration::seconds(30);
    db.store
        .fail_job(j.id, T0, "connection refused", Some(retry_at))
        .await
        .unwrap();
    assert!(
        db.store
            .claim_job(T0 + Duration::seconds(29), LEASE)
            .await
            .unwrap()
            .is_none()
    );
    let again = db.store.claim_job(retry_at, LEASE).await.unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    db.store
        .fail_job(again.id, retry_at, "bad address", None)
        .await
        .unwrap();
    assert!(
        db.store
            .claim_job(retry_at + Duration::days(1), LEASE)
            .await
            .unwrap()
            .is_none(),
        "failed for good"
    );
    assert_eq!(db.store.job_counts().await.unwrap().failed, 1);
}

async fn a_job_whose_worker_died_is_claimed_again_after_the_lease(db: &TestDb) {
    db.store.enqueue_jobs(&[job("k")], T0).await.unwrap();
    let first = db.store.claim_job(T0, LEASE).await.unwrap().unwrap();
    assert!(
        db.store
            .claim_job(T0 + Duration::minutes(4), LEASE)
            .await
            .unwrap()
            .is_none()
    );
    let second = db
        .store
        .claim_job(T0 + Duration::minutes(6), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.attempts, 2);
}

async fn concurrent_workers_never_claim_the_same_job(db: &TestDb) {
    let jobs: Vec<NewJob> = (0..40).map(|i| job(&format!("k{i}"))).collect();
    db.store.enqueue_jobs(&jobs, T0).await.unwrap();
    let mut handles = Vec::new();
    for _ in 0..4 {
        let store = db.store.clone();
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(j) = store.claim_job(T0, LEASE).await.unwrap() {
                mine.push(j.idempotency_key);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let unique: BTreeSet<_> = all.iter().cloned().collect();
    assert_eq!(all.len(), 40, "every job claimed once");
    assert_eq!(unique.len(), 40, "no job claimed twice");
}

on_both_backends!(
    enqueueing_the_same_key_twice_creates_one_job,
    jobs_are_claimed_oldest_first_with_their_payload,
    a_failed_job_waits_until_its_retry_time,
    a_job_whose_worker_died_is_claimed_again_after_the_lease,
    concurrent_workers_never_claim_the_same_job,
);
