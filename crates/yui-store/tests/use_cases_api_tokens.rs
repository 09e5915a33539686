//! API tokens over a real store: only town admins manage them, the secret is shown once and
//! stored as a hash, a token acts with its role through the staff permission matrix (another
//! town's data is "not found"), revoked tokens stop at once, and each step is audited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yui_core::actor::StaffActor;
use yui_core::ports::AuditQuery;
use yui_core::staff::NewStaffInput;
use yui_core::token::hash_token;
use yui_core::{Actor, CoreError};
use yui_domain::tenant::Role;
use yui_testkit::{TestDb, on_both_backends};

async fn tokens_are_managed_by_admins_hashed_role_bound_and_revocable(db: &TestDb) {
    let (yui, _clock) = db.yui();
    let op = Actor::Operator;
    let town = yui
        .create_tenant(&op, "oguni", "434248", "小国町")
        .await
        .unwrap();
    let other = yui
        .create_tenant(&op, "chiyoda", "131016", "千代田区")
        .await
        .unwrap();
    let input = NewStaffInput {
        login: "reviewer".into(),
        display_name: "担当".into(),
        role: "reviewer".into(),
        department: None,
        password: "correct horse battery".into(),
    };
    let user = yui.create_staff_user(&op, town.id, &input).await.unwrap();
    let reviewer = Actor::Staff(StaffActor {
        user_id: user.id,
        login: "reviewer".into(),
        tenant_id: town.id,
        role: Role::Reviewer,
        department_id: None,
    });
    let r = yui
        .create_api_token(&reviewer, town.id, "連携", "viewer")
        .await;
    assert!(matches!(r, Err(CoreError::Forbidden)), "{r:?}");

    let created = yui
        .create_api_token(&op, town.id, " 文書管理 ", "viewer")
        .await
        .unwrap();
    assert_eq!(created.record.name, "文書管理");
    assert!(created.token.starts_with("yui_"));
    let dup = yui
        .create_api_token(&op, town.id, "文書管理", "admin")
        .await;
    match dup {
        Err(CoreError::Invalid(i)) => assert_eq!(i.problems[0].code, "api_token.name_taken"),
        other => panic!("{other:?}"),
    }
    let found = yui
        .store()
        .api_token_by_hash(&hash_token(&created.token))
        .await
        .unwrap();
    assert!(found.is_some(), "stored under its hash");
    assert!(
        yui.store()
            .api_token_by_hash(&created.token)
            .await
            .unwrap()
            .is_none(),
        "never in clear"
    );

    let (actor, tenant) = yui.authenticate_api_token(&created.token).await.unwrap();
    assert_eq!(tenant.id, town.id);
    assert!(matches!(&actor, Actor::Api(a) if a.role == Role::Viewer && a.name == "文書管理"));
    assert!(
        yui.inbox_apps(&actor, town.id).await.is_ok(),
        "viewers read"
    );
    assert!(matches!(
        yui.export_scope(&actor, town.id, None).await,
        Err(CoreError::Forbidden)
    ));
    assert!(matches!(
        yui.inbox_apps(&actor, other.id).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        yui.authenticate_api_token("yui_wrong").await,
        Err(CoreError::NotFound)
    ));

    let listed = yui.api_tokens(&op, town.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].last_used_at.is_some());
    assert!(matches!(
        yui.revoke_api_token(&op, other.id, listed[0].id).await,
        Err(CoreError::NotFound)
    ));
    yui.revoke_api_token(&op, town.id, listed[0].id)
        .await
        .unwrap();
    assert!(matches!(
        yui.authenticate_api_token(&created.token).await,
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        yui.revoke_api_token(&op, town.id, listed[0].id).await,
        Err(CoreError::NotFound)
    ));
    let again = yui
        .create_api_token(&op, town.id, "文書管理", "reviewer")
        .await;
    assert!(again.is_ok(), "a revoked token's name may be used again");

    let events = yui
        .store()
        .audit_events(
            town.id,
            &AuditQuery {
                action_prefix: Some("api_token.".into()),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        ["api_token.create", "api_token.revoke", "api_token.create"]
    );
    assert!(
        events
            .iter()
            .all(|e| !e.entry.detail.contains(&created.token)),
        "the secret never reaches the audit trail"
    );
}

on_both_backends!(tokens_are_managed_by_admins_hashed_role_bound_and_revocable);
