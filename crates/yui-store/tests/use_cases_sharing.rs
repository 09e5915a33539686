//! Sharing between towns over a real store, on SQLite and PostgreSQL: sharing and the signed
//! catalog, exporting and installing package files, following a catalog (its key pinned),
//! adoption reports through the job queue, and upstream updates merged with local changes.
//!
//! "Another instance" is this same Yui reached through a loopback [`Remote`] that answers
//! catalog URLs by calling the publishing use cases directly; `crates/yui/tests/sharing.rs`
//! runs two real servers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use async_trait::async_trait;
use yui_core::actor::StaffActor;
use yui_core::jobs::{Job, JobError, JobHandler, JobOutcome};
use yui_core::model::{Tenant, TenantId, UserId};
use yui_core::ports::{Remote, RemoteError};
use yui_core::records::AppId;
use yui_core::sharing::{ImportAction, InstallOptions, InstallOutcome, KIND_ADOPTION};
use yui_core::{Actor, CoreError, Yui};
use yui_domain::definition::AppDefinition;
use yui_domain::merge::Side;
use yui_domain::tenant::Role;
use yui_testkit::{TestDb, on_both_backends};

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");
const BASE_URL: &str = "http://127.0.0.1:8080";

/// Answers catalog URLs of `BASE_URL` from the publishing use cases of `yui`.
struct Loopback(Yui);

#[async_trait]
impl Remote for Loopback {
    async fn get(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, RemoteError> {
        let path = url
            .strip_prefix(BASE_URL)
            .ok_or_else(|| RemoteError::Unreachable(url.into()))?;
        let text = if path == "/catalog.json" {
            self.0.catalog_document().await
        } else {
            let rest = path
                .strip_prefix("/catalog/packages/")
                .ok_or(RemoteError::Status(404))?;
            let parts: Vec<&str> = rest.split('/').collect();
            let version: u32 = parts[2].trim_end_matches(".yuipkg").parse().unwrap();
            self.0
                .catalog_package_file(parts[0], parts[1], version)
                .await
        }
        .map_err(|_| RemoteError::Status(404))?;
        if text.len() > max_bytes {
            return Err(RemoteError::TooLarge { limit: max_bytes });
        }
        Ok(text.into_bytes())
    }

    async fn post_json(&self, url: &str, body: &serde_json::Value) -> Result<(), RemoteError> {
        assert_eq!(url, format!("{BASE_URL}/catalog/adoptions"));
        self.0
            .receive_adoption(&body.to_string())
            .await
            .map_err(|_| RemoteError::Status(400))
    }
}

/// Runs adoption jobs by posting through the loopback, as the worker's channels do.
struct Worker(Arc<Loopback>);

#[async_trait]
impl JobHandler for Worker {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        assert_eq!(job.kind, KIND_ADOPTION);
        let url = job.payload["url"].as_str().unwrap();
        self.0
            .post_json(url, &job.payload["notice"])
            .await
            .map_err(|e| JobError::Permanent(e.to_string()))
    }
}

struct Towns {
    yui: Yui,
    remote: Arc<Loopback>,
    a: Tenant,
    b: Tenant,
    app: AppId,
}

fn builder(town: &Tenant) -> Actor {
    Actor::Staff(StaffActor {
        user_id: UserId(1),
        login: "builder".into(),
        tenant_id: town.id,
        role: Role::Builder,
        department_id: None,
    })
}

/// 小国町 (A) publishes the play-room app; 南小国町 (B) is on the same instance.
async fn towns(db: &TestDb) -> Towns {
    let (plain, _clock) = db.yui();
    let remote = Arc::new(Loopback(plain.clone()));
    let yui = plain.with_remote(remote.clone());
    let op = Actor::Operator;
    let a = yui
        .create_tenant(&op, "oguni", "434248", "小国町")
        .await
        .unwrap();
    let b = yui
        .create_tenant(&op, "minamioguni", "434230", "南小国町")
        .await
        .unwrap();
    let app = yui.create_app(&op, a.id, PLAY_ROOM).await.unwrap();
    yui.publish_app(&op, a.id, app.id, "").await.unwrap();
    Towns {
        yui,
        remote,
        a,
        b,
        app: app.id,
    }
}

async fn publish(yui: &Yui, town: TenantId, app: AppId, source: &str, summary: &str) {
    yui.save_app_draft(&Actor::Operator, town, app, source)
        .await
        .unwrap();
    yui.publish_app(&Actor::Operator, town, app, summary)
        .await
        .unwrap();
}

fn problem_code(e: &CoreError) -> &'static str {
    match e {
        CoreError::Invalid(i) => i.problems[0].code,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

async fn draft(yui: &Yui, town: TenantId, app: AppId) -> AppDefinition {
    let record = yui.store().app(town, app).await.unwrap().unwrap();
    AppDefinition::from_yaml(&record.draft_definition).unwrap()
}

fn label(def: &AppDefinition, name: &str) -> String {
    fn find<'a>(
        fields: &'a [yui_domain::definition::Field],
        name: &str,
    ) -> Option<&'a yui_domain::definition::Field> {
        fields.iter().find_map(|f| {
            (f.name == name)
                .then_some(f)
                .or_else(|| find(&f.fields, name))
        })
    }
    find(&def.fields, name)
        .unwrap()
        .label
        .as_ref()
        .unwrap()
        .ja
        .clone()
}

async fn a_shared_app_is_listed_in_the_signed_catalog_with_its_licence(db: &TestDb) {
    let t = towns(db).await;
    let text = t.yui.catalog_document().await.unwrap();
    assert!(
        text.contains("\"packages\": []"),
        "nothing shared yet: {text}"
    );

    let unpublished = t
        .yui
        .create_app(
            &Actor::Operator,
            t.a.id,
            &PLAY_ROOM.replace("id: play-room-booking", "id: other-app"),
        )
        .await
        .unwrap();
    let err = t
        .yui
        .share_app(&builder(&t.a), t.a.id, unpublished.id, "CC-BY-4.0")
        .await
        .unwrap_err();
    assert_eq!(problem_code(&err), "package.not_published");

    let shared = t
        .yui
        .share_app(&builder(&t.a), t.a.id, t.app, "CC-BY-4.0")
        .await
        .unwrap();
    assert_eq!(shared.package_id, "434248/play-room-booking");
    let status = t
        .yui
        .sharing_status(&builder(&t.a), t.a.id, t.app)
        .await
        .unwrap();
    assert_eq!(
        status.download_url.as_deref(),
        Some("http://127.0.0.1:8080/catalog/packages/434248/play-room-booking/1.yuipkg")
    );

    let text = t.yui.catalog_document().await.unwrap();
    let (body, key) = yui_core::packages::verify_document(&text, "yui-catalog", "catalog").unwrap();
    assert_eq!(key, t.yui.instance_key().await.unwrap().public_key());
    let entry = &body["packages"][0];
    assert_eq!(entry["id"], "434248/play-room-booking");
    assert_eq!(entry["version"], 1);
    assert_eq!(entry["town"], "小国町");
    assert_eq!(entry["licence"], "CC-BY-4.0");
    assert_eq!(entry["adoptions"], 0);

    let file = t
        .yui
        .catalog_package_file("434248", "play-room-booking", 1)
        .await
        .unwrap();
    let info = yui_core::sharing::inspect_package(&file).unwrap();
    assert_eq!(
        info.manifest.author.catalog.as_deref(),
        Some("http://127.0.0.1:8080/catalog.json")
    );
    assert!(matches!(
        t.yui
            .catalog_package_file("434248", "play-room-booking", 2)
            .await,
        Err(CoreError::NotFound)
    ));
    t.yui
        .unshare_app(&builder(&t.a), t.a.id, t.app)
        .await
        .unwrap();
    assert!(matches!(
        t.yui
            .catalog_package_file("434248", "play-room-booking", 1)
            .await,
        Err(CoreError::NotFound)
    ));
}

async fn an_exported_file_installs_into_another_town_as_a_draft_with_its_provenance(db: &TestDb) {
    let t = towns(db).await;
    let viewer = Actor::Staff(StaffActor {
        user_id: UserId(9),
        login: "viewer".into(),
        tenant_id: t.a.id,
        role: Role::Viewer,
        department_id: None,
    });
    assert!(matches!(
        t.yui
            .export_package(&viewer, t.a.id, t.app, None, None)
            .await,
        Err(CoreError::Forbidden)
    ));
    let file = t
        .yui
        .export_package(
            &builder(&t.a),
            t.a.id,
            t.app,
            Some("CC0-1.0"),
            Some("初版です"),
        )
        .await
        .unwrap();
    assert!(
        !file.contains("receipt_number\": \"2026"),
        "no submissions in a package"
    );

    let preview = t
        .yui
        .preview_import(&builder(&t.b), t.b.id, &file)
        .await
        .unwrap();
    assert_eq!(preview.action, ImportAction::Install);
    assert_eq!(preview.info.manifest.author.town, "小国町");
    assert_eq!(preview.info.manifest.licence, "CC0-1.0");
    assert_eq!(preview.info.manifest.changelog[0].summary, "初版です");
    assert_eq!(
        preview.info.key_fingerprint,
        t.yui.instance_key().await.unwrap().fingerprint()
    );
    assert!(!preview.slug_taken);

    let outcome = t
        .yui
        .install_package(&builder(&t.b), t.b.id, &file, &InstallOptions::default())
        .await
        .unwrap();
    let InstallOutcome::Installed { app, installed } = outcome else {
        panic!("installed");
    };
    assert_eq!(app.slug, "play-room-booking");
    assert_eq!(
        app.published_version, None,
        "a draft for the builder to review"
    );
    assert_eq!(installed.installed_version, 1);
    assert_eq!(installed.author_code, "434248");
    assert_eq!(
        installed.catalog_url, None,
        "an unshared app names no catalog"
    );

    let again = t
        .yui
        .install_package(&builder(&t.b), t.b.id, &file, &InstallOptions::default())
        .await
        .unwrap_err();
    assert_eq!(problem_code(&again), "package.already_installed");

    // The town that wrote it already has an app with that id.
    let preview = t
        .yui
        .preview_import(&builder(&t.a), t.a.id, &file)
        .await
        .unwrap();
    assert!(preview.slug_taken);
    assert_eq!(preview.suggested_slug, "play-room-booking-2");
    let clash = t
        .yui
        .install_package(&builder(&t.a), t.a.id, &file, &InstallOptions::default())
        .await
        .unwrap_err();
    assert_eq!(problem_code(&clash), "package.slug_taken");
    let chosen = t
        .yui
        .install_package(
            &builder(&t.a),
            t.a.id,
            &file,
            &InstallOptions {
                slug: Some("play-room-copy".into()),
                catalog_url: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(chosen.app().slug, "play-room-copy");
    assert_eq!(
        draft(&t.yui, t.a.id, chosen.app().id).await.id,
        "play-room-copy"
    );

    let tampered = file.replace("保護者の氏名", "保護者の名前");
    let err = t
        .yui
        .preview_import(&builder(&t.b), t.b.id, &tampered)
        .await
        .unwrap_err();
    assert_eq!(problem_code(&err), "package.bad_signature");
}

async fn following_a_catalog_installs_and_reports_one_adoption_per_town(db: &TestDb) {
    let t = towns(db).await;
    t.yui
        .share_app(&builder(&t.a), t.a.id, t.app, "CC-BY-4.0")
        .await
        .unwrap();
    let catalog = t
        .yui
        .follow_catalog(&builder(&t.b), t.b.id, "http://127.0.0.1:8080/")
        .await
        .unwrap();
    assert_eq!(catalog.url, "http://127.0.0.1:8080/catalog.json");
    assert_eq!(
        catalog.key_fingerprint,
        t.yui.instance_key().await.unwrap().fingerprint()
    );
    let err = t
        .yui
        .follow_catalog(&builder(&t.b), t.b.id, "http://127.0.0.1:8080/catalog.json")
        .await
        .unwrap_err();
    assert_eq!(problem_code(&err), "catalog.already_followed");

    let view = t
        .yui
        .catalog_view(&builder(&t.b), t.b.id, catalog.id)
        .await
        .unwrap();
    assert_eq!(view.packages.len(), 1);
    assert_eq!(view.packages[0].entry.title_ja(), "プレイルーム利用申込");
    assert!(view.packages[0].installed.is_none());

    let outcome = t
        .yui
        .install_from_catalog(
            &builder(&t.b),
            t.b.id,
            catalog.id,
            "434248/play-room-booking",
            None,
        )
        .await
        .unwrap();
    let InstallOutcome::Installed { installed, .. } = outcome else {
        panic!("installed")
    };
    assert_eq!(installed.catalog_url.as_deref(), Some(catalog.url.as_str()));

    let worker = Worker(t.remote.clone());
    assert!(matches!(
        t.yui.run_next_job(&worker).await.unwrap(),
        Some(JobOutcome::Done(_))
    ));
    let rows = t.yui.store().catalog_rows().await.unwrap();
    assert_eq!(rows[0].adoptions, 1);
    // The same town reporting again still counts once.
    let notice = t
        .yui
        .store()
        .claim_job(t.yui.clock().now(), time::Duration::minutes(1))
        .await
        .unwrap();
    assert!(notice.is_none(), "one adoption job per install");
    let view = t
        .yui
        .catalog_view(&builder(&t.b), t.b.id, catalog.id)
        .await
        .unwrap();
    assert!(view.packages[0].installed.is_some());
}

async fn an_upstream_update_merges_with_the_local_change_and_becomes_the_new_base(db: &TestDb) {
    let t = towns(db).await;
    t.yui
        .share_app(&builder(&t.a), t.a.id, t.app, "CC-BY-4.0")
        .await
        .unwrap();
    let catalog = t
        .yui
        .follow_catalog(&builder(&t.b), t.b.id, BASE_URL)
        .await
        .unwrap();
    let outcome = t
        .yui
        .install_from_catalog(
            &builder(&t.b),
            t.b.id,
            catalog.id,
            "434248/play-room-booking",
            None,
        )
        .await
        .unwrap();
    let mine = outcome.app().id;

    // B renames a question; A improves another and adds a time slot.
    let local = PLAY_ROOM.replace("ja: 保護者の氏名", "ja: 保護者のお名前");
    t.yui
        .save_app_draft(&builder(&t.b), t.b.id, mine, &local)
        .await
        .unwrap();
    let v2 = PLAY_ROOM.replace("ja: 大人の人数", "ja: 大人（保護者）の人数").replace(
        "saturday: \"no\" }\n",
        "saturday: \"no\" }\n    - { name: eve, label: { ja: 夕方, en: Evening }, saturday: \"no\" }\n",
    );
    assert_ne!(v2, PLAY_ROOM);
    publish(&t.yui, t.a.id, t.app, &v2, "夕方の枠を追加").await;

    let found = t.yui.check_updates(&builder(&t.b), t.b.id).await.unwrap();
    assert_eq!(found.updates, vec![(mine, 2)], "{:?}", found.problems);
    let view = t
        .yui
        .update_view(&builder(&t.b), t.b.id, mine)
        .await
        .unwrap();
    let pending = view.pending.as_ref().unwrap();
    assert_eq!(pending.manifest.version, 2);
    assert_eq!(
        pending.manifest.changelog.last().unwrap().summary,
        "夕方の枠を追加"
    );
    let words: Vec<&str> = pending
        .upstream_changes
        .iter()
        .map(|c| c.ja.as_str())
        .collect();
    assert!(
        words.iter().any(|w| w.contains("「夕方」を追加")),
        "{words:?}"
    );
    assert!(
        words.iter().any(|w| w.contains("大人（保護者）の人数")),
        "{words:?}"
    );
    assert!(pending.merge.is_clean(), "{:?}", pending.merge.conflicts);
    assert!(
        view.local_changes
            .iter()
            .any(|c| c.ja.contains("保護者のお名前"))
    );

    let err = t
        .yui
        .take_update(&builder(&t.b), t.b.id, mine, 2, "not-the-draft", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::Conflict { field: "draft" }));
    let after = t
        .yui
        .take_update(&builder(&t.b), t.b.id, mine, 2, &view.draft_hash, &[])
        .await
        .unwrap();
    assert_eq!(after.installed.installed_version, 2);
    assert!(after.pending.is_none());
    let merged = draft(&t.yui, t.b.id, mine).await;
    assert_eq!(label(&merged, "applicant_name"), "保護者のお名前");
    assert_eq!(label(&merged, "adults"), "大人（保護者）の人数");
    assert_eq!(merged.choices["slots"].len(), 3);
    let local_only: Vec<&str> = after.local_changes.iter().map(|c| c.ja.as_str()).collect();
    assert_eq!(local_only.len(), 1, "{local_only:?}");

    // Both change the same label: a conflict, decided for upstream.
    let ours = merged
        .to_yaml()
        .replace("ja: 大人（保護者）の人数", "ja: 大人の数");
    t.yui
        .save_app_draft(&builder(&t.b), t.b.id, mine, &ours)
        .await
        .unwrap();
    let v3 = v2.replace("ja: 大人（保護者）の人数", "ja: 付き添いの大人の人数");
    publish(&t.yui, t.a.id, t.app, &v3, "文言の見直し").await;
    let found = t.yui.check_updates(&builder(&t.b), t.b.id).await.unwrap();
    assert_eq!(found.updates, vec![(mine, 3)]);
    let view = t
        .yui
        .update_view(&builder(&t.b), t.b.id, mine)
        .await
        .unwrap();
    let merge = &view.pending.as_ref().unwrap().merge;
    let ids: Vec<&str> = merge.decisions().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["field:adults:label"]);
    t.yui
        .take_update(
            &builder(&t.b),
            t.b.id,
            mine,
            3,
            &view.draft_hash,
            &[("field:adults:label".into(), Side::Theirs)],
        )
        .await
        .unwrap();
    let merged = draft(&t.yui, t.b.id, mine).await;
    assert_eq!(label(&merged, "adults"), "付き添いの大人の人数");
    assert_eq!(label(&merged, "applicant_name"), "保護者のお名前");
}

async fn a_newer_file_imported_by_hand_waits_as_an_update(db: &TestDb) {
    let t = towns(db).await;
    let v1 = t
        .yui
        .export_package(&builder(&t.a), t.a.id, t.app, None, None)
        .await
        .unwrap();
    let installed = t
        .yui
        .install_package(&builder(&t.b), t.b.id, &v1, &InstallOptions::default())
        .await
        .unwrap();
    publish(
        &t.yui,
        t.a.id,
        t.app,
        &PLAY_ROOM.replace("ja: 大人の人数", "ja: 大人"),
        "文言",
    )
    .await;
    let v2 = t
        .yui
        .export_package(&builder(&t.a), t.a.id, t.app, None, None)
        .await
        .unwrap();
    let preview = t
        .yui
        .preview_import(&builder(&t.b), t.b.id, &v2)
        .await
        .unwrap();
    assert_eq!(
        preview.action,
        ImportAction::Update {
            app: "play-room-booking".into(),
            from: 1,
            to: 2
        }
    );
    let outcome = t
        .yui
        .install_package(&builder(&t.b), t.b.id, &v2, &InstallOptions::default())
        .await
        .unwrap();
    assert!(matches!(
        outcome,
        InstallOutcome::UpdateOffered { version: 2, .. }
    ));
    let view = t
        .yui
        .update_view(&builder(&t.b), t.b.id, installed.app().id)
        .await
        .unwrap();
    assert_eq!(view.pending.unwrap().manifest.version, 2);
}

async fn a_catalog_whose_key_changed_is_refused_with_both_fingerprints(db: &TestDb) {
    let t = towns(db).await;
    let catalog = t
        .yui
        .follow_catalog(&builder(&t.b), t.b.id, BASE_URL)
        .await
        .unwrap();
    db.raw_execute(
        "UPDATE followed_catalog SET key_fingerprint = 'ed25519:00000000000000000000000000000000'",
    )
    .await;
    let err = t
        .yui
        .refresh_catalog(&builder(&t.b), t.b.id, catalog.id)
        .await
        .unwrap_err();
    assert_eq!(problem_code(&err), "catalog.key_changed");
    let stored = t
        .yui
        .followed_catalogs(&builder(&t.b), t.b.id)
        .await
        .unwrap();
    assert!(
        stored[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("ed25519:0000"),
        "{:?}",
        stored[0].last_error
    );
    // Another town's staff cannot see this town's catalogs.
    assert!(matches!(
        t.yui.catalog_view(&builder(&t.a), t.b.id, catalog.id).await,
        Err(CoreError::NotFound)
    ));
}

async fn adoption_notices_must_be_signed_and_name_a_shared_package(db: &TestDb) {
    let t = towns(db).await;
    let key = t.yui.instance_key().await.unwrap();
    let notice = |package: &str| {
        key.sign_document(
            "yui-adoption",
            "notice",
            serde_json::json!({ "package": package, "version": 1, "town_code": "434230" }),
        )
        .unwrap()
    };
    assert!(matches!(
        t.yui
            .receive_adoption(&notice("434248/play-room-booking"))
            .await,
        Err(CoreError::NotFound)
    ));
    t.yui
        .share_app(&builder(&t.a), t.a.id, t.app, "CC-BY-4.0")
        .await
        .unwrap();
    t.yui
        .receive_adoption(&notice("434248/play-room-booking"))
        .await
        .unwrap();
    t.yui
        .receive_adoption(&notice("434248/play-room-booking"))
        .await
        .unwrap();
    assert_eq!(t.yui.store().catalog_rows().await.unwrap()[0].adoptions, 1);
    let forged = notice("434248/play-room-booking").replace("434230", "434248");
    assert_eq!(
        problem_code(&t.yui.receive_adoption(&forged).await.unwrap_err()),
        "package.bad_signature"
    );
}

on_both_backends!(
    a_shared_app_is_listed_in_the_signed_catalog_with_its_licence,
    an_exported_file_installs_into_another_town_as_a_draft_with_its_provenance,
    following_a_catalog_installs_and_reports_one_adoption_per_town,
    an_upstream_update_merges_with_the_local_change_and_becomes_the_new_base,
    a_newer_file_imported_by_hand_waits_as_an_update,
    a_catalog_whose_key_changed_is_refused_with_both_fingerprints,
    adoption_notices_must_be_signed_and_name_a_shared_package,
);
