//! Uploaded files: the blob store on local disk and the upload records, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use yui_core::Actor;
use yui_core::audit::{ActorKind, AuditEntry};
use yui_core::model::TenantId;
use yui_core::ports::{AppStore, Blobs, UploadStore};
use yui_core::records::{AppSummary, NewApp, UploadRecord};
use yui_testkit::{TestDb, on_both_backends};

const T0: OffsetDateTime = datetime!(2026-04-01 00:00 UTC);

async fn blobs_are_stored_durably_and_read_back_only_by_key(db: &TestDb) {
    let t = TenantId(1);
    let key = db.blobs.put(t, b"photo bytes".to_vec()).await.unwrap();
    assert_eq!(key.len(), 32);
    assert_eq!(
        db.blobs.get(t, &key).await.unwrap(),
        Some(b"photo bytes".to_vec())
    );
    assert_eq!(
        db.blobs.get(TenantId(2), &key).await.unwrap(),
        None,
        "another town's key space"
    );
    let on_disk = db.blob_dir().join("blobs/1").join(&key[..2]).join(&key);
    assert_eq!(std::fs::read(&on_disk).unwrap(), b"photo bytes");
    let leftovers: Vec<_> = std::fs::read_dir(on_disk.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");
    for hostile in ["../../../etc/passwd", "AB", &key.to_uppercase(), ""] {
        assert_eq!(
            db.blobs.get(t, hostile).await.unwrap(),
            None,
            "{hostile:?} is not a key"
        );
    }
    db.blobs.delete(t, &key).await.unwrap();
    assert_eq!(db.blobs.get(t, &key).await.unwrap(), None);
    db.blobs.delete(t, &key).await.unwrap();
}

async fn uploads_belong_to_their_town_and_expire_unless_submitted(db: &TestDb) {
    let (yui, _) = db.yui();
    let town = yui
        .create_tenant(&Actor::Operator, "oguni", "434248", "小国町")
        .await
        .unwrap();
    let app = db
        .store
        .create_app(
            &NewApp {
                tenant_id: town.id,
                slug: "report".into(),
                department_id: None,
                draft_definition: "{}".into(),
                summary: AppSummary {
                    title_ja: "通報".into(),
                    title_en: None,
                    category: None,
                    search_text: String::new(),
                },
                created_by: None,
            },
            T0,
            &AuditEntry::new(None, ActorKind::Operator, None, "operator", "test"),
        )
        .await
        .unwrap();
    let record = UploadRecord {
        blob_key: "0123456789abcdef0123456789abcdef".into(),
        tenant_id: town.id,
        app_id: app.id,
        owner_hash: "draft-hash".into(),
        field_path: "photo".into(),
        name: "道路.jpg".into(),
        content_type: "image/jpeg".into(),
        size: 2048,
        sha256: "ab".repeat(32),
        location: Some((33.125, 131.07)),
        created_at: T0,
    };
    db.store.record_upload(&record).await.unwrap();
    assert_eq!(
        db.store.upload(town.id, &record.blob_key).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        db.store
            .upload(TenantId(town.id.0 + 1), &record.blob_key)
            .await
            .unwrap(),
        None
    );
    assert!(
        db.store.stale_uploads(T0, 10).await.unwrap().is_empty(),
        "not stale yet"
    );
    let stale = db
        .store
        .stale_uploads(T0 + Duration::days(2), 10)
        .await
        .unwrap();
    assert_eq!(stale, vec![record.clone()]);
    db.store.forget_upload(&record.blob_key).await.unwrap();
    assert_eq!(
        db.store.upload(town.id, &record.blob_key).await.unwrap(),
        None
    );
}

on_both_backends!(
    blobs_are_stored_durably_and_read_back_only_by_key,
    uploads_belong_to_their_town_and_expire_unless_submitted,
);
