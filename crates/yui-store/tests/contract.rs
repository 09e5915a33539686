//! The store contract: every test runs on SQLite and on PostgreSQL with a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use yui_core::audit::{ActorKind, AuditEntry};
use yui_core::model::{NewStaffUser, NewTenant, SessionRecord, Tenant, TenantId};
use yui_core::ports::{SessionStore, Store, StoreError, TenantStore, ThrottleStore, UserStore};
use yui_domain::japan::LgCode;
use yui_domain::tenant::{DisplayName, LoginName, Role, TenantSlug};
use yui_testkit::{TestDb, on_both_backends};

const T0: OffsetDateTime = datetime!(2026-04-01 00:00 UTC);

fn op() -> AuditEntry {
    AuditEntry::new(None, ActorKind::Operator, None, "operator", "test.change")
}

fn new_tenant(slug: &str, code: &str, name: &str) -> NewTenant {
    NewTenant {
        slug: TenantSlug::parse(slug).unwrap(),
        code: LgCode::parse(code).unwrap(),
        name: DisplayName::parse(name).unwrap(),
    }
}

async fn oguni(db: &TestDb) -> Tenant {
    db.store
        .create_tenant(&new_tenant("oguni", "434248", "小国町"), T0, &op())
        .await
        .unwrap()
}

fn new_user(tenant: TenantId, login: &str, role: Role) -> NewStaffUser {
    NewStaffUser {
        tenant_id: tenant,
        login: LoginName::parse(login).unwrap(),
        display_name: DisplayName::parse("田中 花子").unwrap(),
        role,
        department_id: None,
        password_hash: "$argon2id$fake".into(),
    }
}

fn session(user: &yui_core::model::StaffUser, token_hash: &str) -> SessionRecord {
    SessionRecord {
        token_hash: token_hash.into(),
        user_id: user.id,
        tenant_id: user.tenant_id,
        csrf_token: "csrf".into(),
        created_at: T0,
        last_seen_at: T0,
        expires_at: T0 + Duration::hours(12),
    }
}

async fn a_tenant_is_found_by_slug_and_id_as_created(db: &TestDb) {
    let t = oguni(db).await;
    assert_eq!(t.slug.as_str(), "oguni");
    assert_eq!(t.code.to_string(), "434248");
    assert_eq!(t.name.as_str(), "小国町");
    assert_eq!(t.created_at, T0);
    let by_slug = db.store.tenant_by_slug(&t.slug).await.unwrap();
    assert_eq!(by_slug.as_ref(), Some(&t));
    assert_eq!(db.store.tenant(t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(db.store.tenants().await.unwrap(), vec![t]);
    assert_eq!(db.store.tenant(TenantId(999_999)).await.unwrap(), None);
}

async fn a_duplicate_slug_or_code_conflicts_on_that_field(db: &TestDb) {
    oguni(db).await;
    let same_slug = db
        .store
        .create_tenant(&new_tenant("oguni", "131016", "千代田区"), T0, &op())
        .await;
    assert_eq!(
        same_slug.unwrap_err(),
        StoreError::Conflict { field: "slug" }
    );
    let same_code = db
        .store
        .create_tenant(&new_tenant("oguni2", "434248", "小国"), T0, &op())
        .await;
    assert_eq!(
        same_code.unwrap_err(),
        StoreError::Conflict { field: "code" }
    );
    assert_eq!(
        db.store.tenants().await.unwrap().len(),
        1,
        "nothing half-stored"
    );
}

async fn department_names_are_unique_within_a_town_only(db: &TestDb) {
    let a = oguni(db).await;
    let b = db
        .store
        .create_tenant(&new_tenant("chiyoda", "131016", "千代田区"), T0, &op())
        .await
        .unwrap();
    let d = db
        .store
        .create_department(a.id, "総務課", T0, &op())
        .await
        .unwrap();
    assert_eq!(d.name.as_str(), "総務課");
    assert_eq!(
        db.store
            .create_department(a.id, "総務課", T0, &op())
            .await
            .unwrap_err(),
        StoreError::Conflict { field: "name" }
    );
    db.store
        .create_department(b.id, "総務課", T0, &op())
        .await
        .unwrap();
    assert_eq!(db.store.departments(a.id).await.unwrap(), vec![d.clone()]);
    assert_eq!(
        db.store.department_by_name(a.id, "総務課").await.unwrap(),
        Some(d)
    );
    assert_eq!(
        db.store.department_by_name(a.id, "住民課").await.unwrap(),
        None
    );
}

async fn a_user_cannot_belong_to_another_towns_department(db: &TestDb) {
    let a = oguni(db).await;
    let b = db
        .store
        .create_tenant(&new_tenant("chiyoda", "131016", "千代田区"), T0, &op())
        .await
        .unwrap();
    let b_dept = db
        .store
        .create_department(b.id, "総務課", T0, &op())
        .await
        .unwrap();
    let mut user = new_user(a.id, "tanaka", Role::Reviewer);
    user.department_id = Some(b_dept.id);
    assert_eq!(
        db.store.create_user(&user, T0, &op()).await.unwrap_err(),
        StoreError::Conflict {
            field: "department"
        }
    );
    assert!(db.store.users(a.id).await.unwrap().is_empty());
}

async fn login_names_are_unique_per_town_and_may_repeat_across_towns(db: &TestDb) {
    let a = oguni(db).await;
    let b = db
        .store
        .create_tenant(&new_tenant("chiyoda", "131016", "千代田区"), T0, &op())
        .await
        .unwrap();
    let u = db
        .store
        .create_user(&new_user(a.id, "tanaka", Role::Reviewer), T0, &op())
        .await
        .unwrap();
    assert_eq!(u.role, Role::Reviewer);
    assert!(!u.disabled);
    assert_eq!(
        db.store
            .create_user(&new_user(a.id, "tanaka", Role::Admin), T0, &op())
            .await
            .unwrap_err(),
        StoreError::Conflict { field: "login" }
    );
    db.store
        .create_user(&new_user(b.id, "tanaka", Role::Admin), T0, &op())
        .await
        .unwrap();
    let (found, hash) = db
        .store
        .user_credentials(a.id, &LoginName::parse("tanaka").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, u);
    assert_eq!(hash, "$argon2id$fake");
    assert_eq!(
        db.store.user(b.id, u.id).await.unwrap(),
        None,
        "ids are scoped by town"
    );
}

async fn a_session_lives_until_idle_or_absolute_expiry(db: &TestDb) {
    let t = oguni(db).await;
    let u = db
        .store
        .create_user(&new_user(t.id, "tanaka", Role::Viewer), T0, &op())
        .await
        .unwrap();
    db.store
        .create_session(&session(&u, "h1"), &op())
        .await
        .unwrap();
    let idle = Duration::minutes(30);
    let live = |now: OffsetDateTime| async move {
        db.store
            .live_session("h1", now, now - idle)
            .await
            .unwrap()
            .map(|(s, _)| s)
    };
    assert!(live(T0 + Duration::minutes(29)).await.is_some());
    assert!(
        live(T0 + Duration::minutes(31)).await.is_none(),
        "idle too long"
    );
    db.store
        .touch_session("h1", T0 + Duration::minutes(29))
        .await
        .unwrap();
    assert!(
        live(T0 + Duration::minutes(50)).await.is_some(),
        "touched, so idle time restarts"
    );
    db.store
        .touch_session("h1", T0 + Duration::hours(12) - Duration::minutes(1))
        .await
        .unwrap();
    assert!(
        live(T0 + Duration::hours(12)).await.is_none(),
        "absolute expiry"
    );
    assert_eq!(
        db.store.live_session("other", T0, T0 - idle).await.unwrap(),
        None
    );
}

async fn disabling_a_user_or_changing_the_password_ends_all_sessions(db: &TestDb) {
    let t = oguni(db).await;
    let u = db
        .store
        .create_user(&new_user(t.id, "tanaka", Role::Viewer), T0, &op())
        .await
        .unwrap();
    db.store
        .create_session(&session(&u, "h1"), &op())
        .await
        .unwrap();
    db.store
        .create_session(&session(&u, "h2"), &op())
        .await
        .unwrap();
    assert_eq!(db.store.session_count(u.id).await.unwrap(), 2);
    db.store
        .set_user_disabled(t.id, u.id, true, T0, &op())
        .await
        .unwrap();
    assert_eq!(db.store.session_count(u.id).await.unwrap(), 0);
    assert!(db.store.user(t.id, u.id).await.unwrap().unwrap().disabled);

    db.store
        .set_user_disabled(t.id, u.id, false, T0, &op())
        .await
        .unwrap();
    db.store
        .create_session(&session(&u, "h3"), &op())
        .await
        .unwrap();
    db.store
        .set_password_hash(t.id, u.id, "$argon2id$new", T0, &op())
        .await
        .unwrap();
    assert_eq!(db.store.session_count(u.id).await.unwrap(), 0);
    let (_, hash) = db
        .store
        .user_credentials(t.id, &u.login)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hash, "$argon2id$new");
}

async fn a_disabled_users_session_is_dead_even_before_it_is_deleted(db: &TestDb) {
    let t = oguni(db).await;
    let u = db
        .store
        .create_user(&new_user(t.id, "tanaka", Role::Viewer), T0, &op())
        .await
        .unwrap();
    db.store
        .create_session(&session(&u, "h1"), &op())
        .await
        .unwrap();
    assert!(
        db.store
            .live_session("h1", T0, T0 - Duration::minutes(30))
            .await
            .unwrap()
            .is_some()
    );
    // Another node could still hold the row for a moment; the join on the user decides.
    db.store
        .set_user_disabled(t.id, u.id, true, T0, &op())
        .await
        .unwrap();
    db.store
        .create_session(&session(&u, "h2"), &op())
        .await
        .unwrap();
    assert!(
        db.store
            .live_session("h2", T0, T0 - Duration::minutes(30))
            .await
            .unwrap()
            .is_none()
    );
}

async fn changes_to_a_user_of_another_town_find_nothing(db: &TestDb) {
    let a = oguni(db).await;
    let b = db
        .store
        .create_tenant(&new_tenant("chiyoda", "131016", "千代田区"), T0, &op())
        .await
        .unwrap();
    let u = db
        .store
        .create_user(&new_user(a.id, "tanaka", Role::Viewer), T0, &op())
        .await
        .unwrap();
    assert_eq!(
        db.store
            .set_user_disabled(b.id, u.id, true, T0, &op())
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        db.store.set_password_hash(b.id, u.id, "x", T0, &op()).await,
        Err(StoreError::NotFound)
    );
    assert!(!db.store.user(a.id, u.id).await.unwrap().unwrap().disabled);
}

async fn expired_sessions_are_swept(db: &TestDb) {
    let t = oguni(db).await;
    let u = db
        .store
        .create_user(&new_user(t.id, "tanaka", Role::Viewer), T0, &op())
        .await
        .unwrap();
    db.store
        .create_session(&session(&u, "old"), &op())
        .await
        .unwrap();
    let mut fresh = session(&u, "fresh");
    fresh.last_seen_at = T0 + Duration::hours(1);
    db.store.create_session(&fresh, &op()).await.unwrap();
    let now = T0 + Duration::hours(1);
    let swept = db
        .store
        .delete_expired_sessions(now, now - Duration::minutes(30))
        .await
        .unwrap();
    assert_eq!(swept, 1);
    assert_eq!(db.store.session_count(u.id).await.unwrap(), 1);
}

async fn failures_count_within_a_window_and_restart_after_it(db: &TestDb) {
    let w = Duration::minutes(15);
    let mut now = T0;
    for expected in 1..=3 {
        assert_eq!(
            db.store.record_failure("k", now, now - w).await.unwrap(),
            expected
        );
        now += Duration::minutes(1);
    }
    assert_eq!(
        db.store.failures("k", now - w).await.unwrap(),
        Some((3, T0))
    );
    now = T0 + Duration::minutes(20);
    assert_eq!(
        db.store.failures("k", now - w).await.unwrap(),
        None,
        "window over"
    );
    assert_eq!(
        db.store.record_failure("k", now, now - w).await.unwrap(),
        1,
        "new window"
    );
    db.store.clear_failures("k").await.unwrap();
    assert_eq!(db.store.failures("k", now - w).await.unwrap(), None);
}

async fn the_store_answers_pings_and_names_its_backend(db: &TestDb) {
    db.store.ping().await.unwrap();
    let expected = if db.data_dir().is_some() {
        "sqlite"
    } else {
        "postgres"
    };
    assert_eq!(db.store.backend(), expected);
}

async fn the_instance_key_is_created_once_and_kept(db: &TestDb) {
    let (yui, _) = db.yui();
    let (a, b) = tokio::join!(yui.instance_key(), yui.instance_key());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.public_key(),
        b.public_key(),
        "racing nodes end up with one key"
    );
    let (again, _) = db.yui();
    assert_eq!(
        again.instance_key().await.unwrap().fingerprint(),
        a.fingerprint()
    );
}

on_both_backends!(
    the_instance_key_is_created_once_and_kept,
    a_tenant_is_found_by_slug_and_id_as_created,
    a_duplicate_slug_or_code_conflicts_on_that_field,
    department_names_are_unique_within_a_town_only,
    a_user_cannot_belong_to_another_towns_department,
    login_names_are_unique_per_town_and_may_repeat_across_towns,
    a_session_lives_until_idle_or_absolute_expiry,
    disabling_a_user_or_changing_the_password_ends_all_sessions,
    a_disabled_users_session_is_dead_even_before_it_is_deleted,
    changes_to_a_user_of_another_town_find_nothing,
    expired_sessions_are_swept,
    failures_count_within_a_window_and_restart_after_it,
    the_store_answers_pings_and_names_its_backend,
);
