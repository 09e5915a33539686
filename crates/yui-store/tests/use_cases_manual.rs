//! The handover manual over a real store: what it says about a published app and its history,
//! a never-published draft, and that only the app's own town can read it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use yui_core::actor::StaffActor;
use yui_core::model::Tenant;
use yui_core::ports::AppStore;
use yui_core::records::NewApp;
use yui_core::staff::NewStaffInput;
use yui_core::{Actor, Clock, CoreError, Yui};
use yui_domain::tenant::Role;
use yui_testkit::{TestDb, on_both_backends};

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");

async fn staff(yui: &Yui, town: &Tenant, login: &str, name: &str, role: Role) -> Actor {
    let input = NewStaffInput {
        login: login.into(),
        display_name: name.into(),
        role: role.as_str().into(),
        department: None,
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

async fn town(yui: &Yui, slug: &str, code: &str, name: &str) -> Tenant {
    yui.create_tenant(&Actor::Operator, slug, code, name)
        .await
        .unwrap()
}

async fn a_reviewer_reads_the_published_version_its_rules_and_who_changed_what(db: &TestDb) {
    let (yui, clock) = db.yui();
    let oguni = town(&yui, "oguni", "434248", "小国町").await;
    let department = yui
        .create_department(&Actor::Operator, oguni.id, "子育て支援課")
        .await
        .unwrap();
    let builder = staff(&yui, &oguni, "builder", "作成 花子", Role::Builder).await;
    let reviewer = staff(&yui, &oguni, "reviewer", "審査 一郎", Role::Reviewer).await;
    // The owner department is set where apps are created with one (the builder's page).
    let def = yui_domain::definition::AppDefinition::from_yaml(PLAY_ROOM).unwrap();
    let app = db
        .store
        .create_app(
            &NewApp {
                tenant_id: oguni.id,
                slug: def.id.clone(),
                department_id: Some(department.id),
                draft_definition: PLAY_ROOM.to_owned(),
                summary: yui_core::apps::summarise(&def),
                created_by: None,
            },
            clock.now(),
            &Actor::Operator.audit(Some(oguni.id), "app.create"),
        )
        .await
        .unwrap();
    yui.publish_app(&Actor::Operator, oguni.id, app.id, "")
        .await
        .unwrap();
    clock.advance(time::Duration::days(3));
    let changed = PLAY_ROOM.replace(". >= 1 and . <= 4", ". >= 1 and . <= 3");
    yui.save_app_draft(&builder, oguni.id, app.id, &changed)
        .await
        .unwrap();
    yui.publish_app(
        &builder,
        oguni.id,
        app.id,
        "大人の人数の上限を3人にしました",
    )
    .await
    .unwrap();

    let manual = yui
        .handover_manual(&reviewer, oguni.id, "play-room-booking")
        .await
        .unwrap();
    assert_eq!(manual.town.name, "小国町");
    assert_eq!(manual.app.title.ja, "プレイルーム利用申込");
    assert_eq!(manual.app.title.en, "Play room booking");
    assert!(manual.app.description.ja.contains("子育て支援センター"));
    assert_eq!(manual.app.department.ja, "子育て支援課");
    assert_eq!(manual.app.state.ja, "受付中");
    assert_eq!(manual.version.number, Some(2));
    assert!(!manual.version.is_draft);
    assert_eq!(manual.version.label.ja, "第2版（2026年4月4日 9:00 公開）");
    assert_eq!(manual.file_name(), "引き継ぎ書_プレイルーム利用申込_v2.pdf");

    // History: newest first, with who and when (Japan time).
    let history: Vec<(u32, &str, &str, &str)> = manual
        .history
        .iter()
        .map(|h| {
            (
                h.version,
                h.published_at.ja.as_str(),
                h.published_by.ja.as_str(),
                h.change_summary.as_str(),
            )
        })
        .collect();
    assert_eq!(
        history,
        vec![
            (
                2,
                "2026年4月4日 9:00",
                "作成 花子",
                "大人の人数の上限を3人にしました"
            ),
            (1, "2026年4月1日 9:00", "運用担当者", "初版"),
        ]
    );

    // The fields of the version in force, with their rules in words.
    let adults = manual
        .form
        .pages
        .iter()
        .flat_map(|p| &p.fields)
        .find(|f| f.name == "adults")
        .unwrap();
    assert_eq!(adults.label.ja, "大人の人数");
    assert_eq!(adults.rules[0].ja, "入力できる値: 1以上3以下");
    let allergy_detail = manual
        .form
        .pages
        .iter()
        .flat_map(|p| &p.fields)
        .find(|f| f.name == "allergy_detail")
        .unwrap();
    assert_eq!(
        allergy_detail.shown_when.as_ref().unwrap().ja,
        "『食物アレルギーはありますか』が「はい」のとき"
    );
    let text = serde_json::to_string(&manual).unwrap();
    assert!(!text.contains("${"), "no raw expressions in the manual");

    // The workflow: Yui's default, with who may take each step and who is told.
    assert!(manual.workflow.is_default);
    let states: Vec<&str> = manual
        .workflow
        .states
        .iter()
        .map(|s| s.label.ja.as_str())
        .collect();
    assert_eq!(states, vec!["受付", "審査中", "差戻し", "完了", "却下"]);
    assert!(manual.workflow.states[0].initial);
    let returning = manual
        .workflow
        .transitions
        .iter()
        .find(|t| t.from.ja == "受付" && t.to.ja == "差戻し")
        .unwrap();
    assert_eq!(returning.action.ja, "差し戻す");
    assert_eq!(returning.who.ja, "管理者、担当職員");
    assert_eq!(returning.notify_text.ja, "住民にメールで知らせる");
    let resubmit = manual
        .workflow
        .transitions
        .iter()
        .find(|t| t.resident)
        .unwrap();
    assert_eq!(resubmit.who.ja, "住民（修正して再提出したとき）");

    // Notification texts and what their placeholders become.
    assert_eq!(manual.notifications.len(), 2);
    assert_eq!(
        manual.notifications[0].subject.ja,
        "【{app_title}】受付番号 {receipt_number}"
    );
    let codes: Vec<&str> = manual
        .placeholders
        .iter()
        .map(|p| p.code.as_str())
        .collect();
    assert_eq!(
        codes,
        vec![
            "{receipt_number}",
            "{app_title}",
            "{status}",
            "{town}",
            "{link}"
        ]
    );
    assert_eq!(manual.placeholders[0].meaning.ja, "受付番号");
    assert_eq!(manual.generated_at.ja, "2026年4月4日 9:00");
}

async fn a_never_published_app_is_described_from_its_draft(db: &TestDb) {
    let (yui, _clock) = db.yui();
    let oguni = town(&yui, "oguni", "434248", "小国町").await;
    let viewer = staff(&yui, &oguni, "viewer", "閲覧 次郎", Role::Viewer).await;
    yui.create_app(&Actor::Operator, oguni.id, PLAY_ROOM)
        .await
        .unwrap();
    let manual = yui
        .handover_manual(&viewer, oguni.id, "play-room-booking")
        .await
        .unwrap();
    assert!(manual.version.is_draft);
    assert_eq!(manual.version.number, None);
    assert_eq!(manual.version.label.ja, "下書き（まだ公開されていません）");
    assert_eq!(manual.app.state.ja, "下書き（未公開）");
    assert_eq!(manual.app.department.ja, "未設定");
    assert!(manual.history.is_empty());
    assert_eq!(
        manual.file_name(),
        "引き継ぎ書_プレイルーム利用申込_下書き.pdf"
    );
    assert!(!manual.form.pages.is_empty());
}

async fn only_the_apps_own_town_can_read_its_manual(db: &TestDb) {
    let (yui, _clock) = db.yui();
    let oguni = town(&yui, "oguni", "434248", "小国町").await;
    let chiyoda = town(&yui, "chiyoda", "131016", "千代田区").await;
    let app = yui
        .create_app(&Actor::Operator, oguni.id, PLAY_ROOM)
        .await
        .unwrap();
    yui.publish_app(&Actor::Operator, oguni.id, app.id, "")
        .await
        .unwrap();
    let outsider = staff(&yui, &chiyoda, "admin", "千代田 管理", Role::Admin).await;
    let asked_for_oguni = yui
        .handover_manual(&outsider, oguni.id, "play-room-booking")
        .await;
    assert!(
        matches!(asked_for_oguni, Err(CoreError::NotFound)),
        "{asked_for_oguni:?}"
    );
    let asked_in_own_town = yui
        .handover_manual(&outsider, chiyoda.id, "play-room-booking")
        .await;
    assert!(
        matches!(asked_in_own_town, Err(CoreError::NotFound)),
        "{asked_in_own_town:?}"
    );
    let insider = staff(&yui, &oguni, "viewer", "閲覧 次郎", Role::Viewer).await;
    assert!(
        yui.handover_manual(&insider, oguni.id, "play-room-booking")
            .await
            .is_ok()
    );
}

on_both_backends!(
    a_reviewer_reads_the_published_version_its_rules_and_who_changed_what,
    a_never_published_app_is_described_from_its_draft,
    only_the_apps_own_town_can_read_its_manual,
);
