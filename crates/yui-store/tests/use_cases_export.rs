//! Exports over a real store: the file holds exactly the filtered inbox (across keyset pages),
//! each format is what other programs expect (UTF-8 CSV with BOM and CRLF, CP932 with every
//! unencodable character reported, XLSX with real types, NDJSON with codes), who may export,
//! and the audit event with its row count.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Map, Value, json};
use yui_core::actor::StaffActor;
use yui_core::export::{
    ChoiceStyle, CsvEncoding, CsvWriter, ExportError, ExportFormat, ExportOptions, ExportPlan,
    JsonLinesWriter, RowWriter, XlsxWriter,
};
use yui_core::model::Tenant;
use yui_core::ports::AuditQuery;
use yui_core::records::SubmissionId;
use yui_core::resident::{Channel, MailLanguage};
use yui_core::review::{InboxQuery, ValueFilter};
use yui_core::staff::NewStaffInput;
use yui_core::{Actor, CoreError, Yui};
use yui_domain::tenant::Role;
use yui_testkit::{TestDb, on_both_backends};

const PLAY_ROOM: &str = include_str!("../../../templates/play-room-booking.yaml");

struct Setup {
    yui: Yui,
    town: Tenant,
    reviewer: Actor,
    viewer: Actor,
    builder: Actor,
    stranger: Actor,
    app: yui_core::apps::PublishedApp,
}

async fn staff(yui: &Yui, town: &Tenant, login: &str, role: Role) -> Actor {
    let input = NewStaffInput {
        login: login.into(),
        display_name: format!("{login} さん"),
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
        department_id: None,
    })
}

async fn setup(db: &TestDb) -> Setup {
    let (yui, _clock) = db.yui();
    let town = yui
        .create_tenant(&Actor::Operator, "oguni", "434248", "小国町")
        .await
        .unwrap();
    let other = yui
        .create_tenant(&Actor::Operator, "chiyoda", "131016", "千代田区")
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
        reviewer: staff(&yui, &town, "reviewer", Role::Reviewer).await,
        viewer: staff(&yui, &town, "viewer", Role::Viewer).await,
        builder: staff(&yui, &town, "builder", Role::Builder).await,
        stranger: staff(&yui, &other, "admin", Role::Admin).await,
        yui,
        town,
        app,
    }
}

fn answers(family: &str, slot: &str, child: &str, allergy: Option<&str>) -> Map<String, Value> {
    let mut child_row =
        json!({ "child_name": child, "child_birth": "2022-05-05", "allergy": "no" });
    if let Some(detail) = allergy {
        child_row["allergy"] = json!("yes");
        child_row["allergy_detail"] = json!(detail);
    }
    json!({
        "applicant_name": { "family": family, "given": "花子" },
        "applicant_kana": { "family": "ヤマダ", "given": "ハナコ" },
        "phone": "090-1234-5678",
        "email": "hanako@example.jp",
        "use_date": "2026-04-10",
        "slot": slot,
        "adults": "2",
        "children": [child_row],
        "agree": "on"
    })
    .as_object()
    .unwrap()
    .clone()
}

async fn submit(s: &Setup, key: &str, answers: Map<String, Value>) -> SubmissionId {
    s.yui
        .submit_answers(
            &s.town,
            &s.app,
            answers,
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

fn query(s: &Setup) -> InboxQuery {
    InboxQuery {
        apps: vec![s.app.app.id],
        limit: 1000,
        ..InboxQuery::default()
    }
}

async fn plan(s: &Setup, actor: &Actor, q: InboxQuery, options: ExportOptions) -> ExportPlan {
    let scope = s
        .yui
        .export_scope(actor, s.town.id, Some("play-room-booking"))
        .await
        .unwrap();
    s.yui
        .prepare_export(
            actor,
            s.town.id,
            scope,
            q,
            options,
            json!("app=play-room-booking"),
        )
        .await
        .unwrap()
}

fn options(format: ExportFormat) -> ExportOptions {
    ExportOptions {
        format,
        ..ExportOptions::default()
    }
}

async fn run(s: &Setup, plan: &ExportPlan, writer: &mut dyn RowWriter) -> Vec<u8> {
    let mut out = Vec::new();
    s.yui.run_export(plan, writer, &mut out).await.unwrap();
    out
}

async fn csv_text(s: &Setup, q: InboxQuery, choices: ChoiceStyle) -> String {
    let opts = ExportOptions {
        choices,
        ..options(ExportFormat::Csv)
    };
    let p = plan(s, &s.reviewer, q, opts).await;
    let bytes = run(s, &p, &mut CsvWriter::new(CsvEncoding::Utf8Bom)).await;
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte order mark");
    String::from_utf8(bytes[3..].to_vec()).unwrap()
}

/// Every CR LF made visible, and line feeds inside fields too, so the snapshot is byte exact.
fn visible(text: &str) -> String {
    text.replace("\r\n", "<CRLF>\u{1}")
        .replace('\n', "<LF>")
        .replace('\u{1}', "\n")
}

async fn csv_is_excel_ready_utf8_with_quoting_and_neutralised_formulas(db: &TestDb) {
    let s = setup(db).await;
    let first = submit(&s, "a", answers("山田", "am", "山田 太郎", None)).await;
    submit(
        &s,
        "b",
        answers("=1+2", "pm", "太郎, \"たろう\"", Some("卵\n乳製品")),
    )
    .await;
    s.yui
        .assign_submission(&s.reviewer, s.town.id, first, Some(user_id(&s.reviewer)))
        .await
        .unwrap();
    let text = csv_text(&s, query(&s), ChoiceStyle::Labels).await;
    insta::assert_snapshot!("csv_labels", visible(&text));
    let codes = csv_text(&s, query(&s), ChoiceStyle::Codes).await;
    assert!(codes.contains(",am,"), "{codes}");
    assert!(!codes.contains("午前"), "{codes}");
}

fn user_id(actor: &Actor) -> yui_core::model::UserId {
    match actor {
        Actor::Staff(s) => s.user_id,
        _ => panic!("not staff"),
    }
}

async fn an_export_holds_exactly_the_filtered_inbox_across_pages(db: &TestDb) {
    let s = setup(db).await;
    // 1,203 submissions, mostly in the same millisecond: keyset pages must not skip or repeat.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1203 {
        let yui = s.yui.clone();
        let town = s.town.clone();
        let app = s.app.clone();
        let slot = if i % 3 == 0 { "am" } else { "pm" };
        let a = answers("山田", slot, &format!("子ども{i}"), None);
        tasks.spawn(async move {
            yui.submit_answers(
                &town,
                &app,
                a,
                vec![],
                &format!("bulk-{i:05}-0123456789abcdef"),
                Channel::Web,
                MailLanguage::Ja,
                None,
            )
            .await
            .unwrap();
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    let filtered = InboxQuery {
        values: vec![ValueFilter::OneOf {
            field: "slot".into(),
            values: vec!["am".into()],
        }],
        ..query(&s)
    };
    let mut inbox = Vec::new();
    let mut q = InboxQuery {
        limit: 200,
        ..filtered.clone()
    };
    loop {
        let page = s
            .yui
            .inbox(&s.reviewer, s.town.id, q.clone())
            .await
            .unwrap();
        inbox.extend(page.rows.iter().map(|r| r.receipt_number.clone()));
        match page.next {
            Some(c) => q.after = Some(c),
            None => break,
        }
    }
    assert_eq!(inbox.len(), 401);
    let text = csv_text(&s, filtered, ChoiceStyle::Labels).await;
    let exported: Vec<String> = text
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert_eq!(exported, inbox, "same rows, same order");
    let all = csv_text(&s, query(&s), ChoiceStyle::Labels).await;
    assert_eq!(all.matches("\r\n").count(), 1204, "header and 1,203 rows");
}

async fn cp932_round_trips_and_reports_each_character_it_cannot_hold(db: &TestDb) {
    let s = setup(db).await;
    submit(&s, "a", answers("髙橋", "am", "髙橋 〜太郎〜", None)).await;
    let p = plan(&s, &s.reviewer, query(&s), options(ExportFormat::CsvCp932)).await;
    let mut writer = CsvWriter::new(CsvEncoding::Cp932 { geta: false });
    let bytes = run(&s, &p, &mut writer).await;
    assert_eq!(writer.problems(), &[]);
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!errors);
    let utf8 = csv_text(&s, query(&s), ChoiceStyle::Labels).await;
    assert_eq!(
        decoded,
        utf8.replace('〜', "～"),
        "the same text, wave dashes in their Windows form"
    );

    submit(&s, "b", answers("𠮷田", "pm", "ゆう😀", None)).await;
    let mut writer = CsvWriter::new(CsvEncoding::Cp932 { geta: false });
    let p = plan(&s, &s.reviewer, query(&s), options(ExportFormat::CsvCp932)).await;
    run(&s, &p, &mut writer).await;
    let found: Vec<(String, String, char)> = writer
        .problems()
        .iter()
        .map(|p| (p.receipt_number.clone(), p.column.clone(), p.character))
        .collect();
    assert_eq!(
        found,
        vec![
            ("2026-000002".into(), "保護者の氏名（姓）".into(), '𠮷'),
            ("2026-000002".into(), "利用するお子さん".into(), '😀'),
        ]
    );
    let mut writer = CsvWriter::new(CsvEncoding::Cp932 { geta: true });
    let geta = ExportOptions {
        replace_with_geta: true,
        ..options(ExportFormat::CsvCp932)
    };
    let p = plan(&s, &s.reviewer, query(&s), geta).await;
    let bytes = run(&s, &p, &mut writer).await;
    let (decoded, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(decoded.contains("〓田"), "{decoded}");
    assert!(decoded.contains("ゆう〓"), "{decoded}");
}

async fn xlsx_keeps_numbers_dates_and_text_apart(db: &TestDb) {
    use calamine::{Data, Reader, Xlsx};
    let s = setup(db).await;
    submit(&s, "a", answers("=SUM(A1)", "am", "=cmd", None)).await;
    let p = plan(&s, &s.reviewer, query(&s), options(ExportFormat::Xlsx)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut writer = XlsxWriter::new(dir.path()).unwrap();
    let rest = run(&s, &p, &mut writer).await;
    assert!(rest.is_empty(), "the workbook is assembled at the end");
    let path = dir.path().join("out.xlsx");
    writer.save(&path).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let sheet = book.worksheet_range("申請一覧").unwrap();
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(header[0], "受付番号");
    assert_eq!(header[4], "保護者の氏名（姓）");
    let row = sheet.rows().nth(1).unwrap();
    assert_eq!(
        row[4],
        Data::String("=SUM(A1)".into()),
        "shown as typed, with no visible quote"
    );
    let formulas = book.worksheet_formula("申請一覧").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );
    // Neutralised the way Excel does it for `'=...` typed into a cell: a quote-prefix style on
    // that cell, so editing it in Excel keeps it text.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    let mut sheet_xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet_xml,
    )
    .unwrap();
    let quoted_style = styles
        .split("<cellXfs")
        .nth(1)
        .unwrap()
        .split("<xf ")
        .skip(1)
        .position(|xf| xf.contains("quotePrefix=\"1\""))
        .expect("a quote-prefix style");
    assert!(
        sheet_xml.contains(&format!(r#"<c r="E2" s="{quoted_style}""#)),
        "the formula-like cell E2 has the quote-prefix style: {sheet_xml:.2000}"
    );
    assert_eq!(row[0], Data::String("2026-000001".into()));
    match &row[1] {
        Data::DateTime(d) => {
            assert_eq!(d.to_ymd_hms_milli(), (2026, 4, 1, 9, 0, 0, 0), "Japan time");
        }
        other => panic!("submitted at is a date-time: {other:?}"),
    }
    assert_eq!(row[2], Data::String("受付".into()));
    assert_eq!(
        row[8],
        Data::String("090-1234-5678".into()),
        "leading zero kept"
    );
    assert!(matches!(row[10], Data::DateTime(_)), "{:?}", row[10]);
    assert_eq!(row[12], Data::Float(2.0));
    let children = row[13].to_string();
    assert!(children.contains("=cmd"), "{children}");
    assert!(children.starts_with("1)"), "{children}");
}

async fn json_lines_carry_codes_and_normalised_answers(db: &TestDb) {
    let s = setup(db).await;
    submit(&s, "a", answers("山田", "pm", "山田 太郎", None)).await;
    submit(&s, "b", answers("佐藤", "am", "佐藤 次郎", None)).await;
    let p = plan(&s, &s.reviewer, query(&s), options(ExportFormat::Json)).await;
    let bytes = run(&s, &p, &mut JsonLinesWriter::default()).await;
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["receipt"], "2026-000002", "newest first");
    assert_eq!(lines[0]["status"], "received");
    assert_eq!(lines[0]["app"], "play-room-booking");
    assert_eq!(lines[0]["submitted_at"], "2026-04-01T09:00:00+09:00");
    assert_eq!(lines[0]["answers"]["slot"], "am");
    assert_eq!(lines[0]["answers"]["phone"], "09012345678");
    assert_eq!(lines[1]["answers"]["applicant_name"]["family"], "山田");
}

async fn only_reviewers_and_admins_of_the_town_export_and_each_export_is_audited(db: &TestDb) {
    let s = setup(db).await;
    submit(&s, "a", answers("山田", "am", "山田 太郎", None)).await;
    for actor in [&s.viewer, &s.builder] {
        let r = s.yui.export_scope(actor, s.town.id, None).await;
        assert!(matches!(r, Err(CoreError::Forbidden)), "{actor:?}: {r:?}");
    }
    let r = s.yui.export_scope(&s.stranger, s.town.id, None).await;
    assert!(matches!(r, Err(CoreError::NotFound)), "{r:?}");
    let scope = s
        .yui
        .export_scope(&s.reviewer, s.town.id, None)
        .await
        .unwrap();
    let r = s
        .yui
        .prepare_export(
            &s.reviewer,
            s.town.id,
            scope,
            InboxQuery::default(),
            options(ExportFormat::Csv),
            json!(""),
        )
        .await;
    match r {
        Err(CoreError::Invalid(i)) => assert_eq!(i.problems[0].code, "export.app_required"),
        other => panic!("one app is needed: {other:?}"),
    }
    csv_text(&s, query(&s), ChoiceStyle::Labels).await;
    let events = s
        .yui
        .store()
        .audit_events(
            s.town.id,
            &AuditQuery {
                action_prefix: Some("submission.export".into()),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0].entry;
    assert_eq!(e.actor_label, "reviewer");
    let detail: Value = serde_json::from_str(&e.detail).unwrap();
    assert_eq!(detail["rows"], 1);
    assert_eq!(detail["format"], "csv");
    assert_eq!(detail["filter"], "app=play-room-booking");
    assert_eq!(detail["completed"], true);
}

async fn answers_to_questions_a_newer_version_dropped_are_still_exported(db: &TestDb) {
    let s = setup(db).await;
    submit(&s, "a", answers("山田", "am", "山田 太郎", None)).await;
    // Version 2 no longer asks for a phone number.
    let without_phone = PLAY_ROOM.replace(
        "      - name: phone\n        type: phone\n        label: { ja: 日中に連絡がつく電話番号, en: Daytime phone number }\n        required: true\n",
        "",
    );
    assert_ne!(without_phone, PLAY_ROOM);
    let problems = s
        .yui
        .save_app_draft(&Actor::Operator, s.town.id, s.app.app.id, &without_phone)
        .await
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    s.yui
        .publish_app(
            &Actor::Operator,
            s.town.id,
            s.app.app.id,
            "電話番号をやめる",
        )
        .await
        .unwrap();
    let v2 = s
        .yui
        .resident_app(s.town.id, "play-room-booking")
        .await
        .unwrap();
    let mut newer = answers("佐藤", "pm", "佐藤 花子", None);
    newer.remove("phone");
    s.yui
        .submit_answers(
            &s.town,
            &v2,
            newer,
            vec![],
            "b-0123456789abcdef",
            Channel::Web,
            MailLanguage::Ja,
            None,
        )
        .await
        .unwrap();
    let text = csv_text(&s, query(&s), ChoiceStyle::Labels).await;
    let mut records = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = records
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let column = header
        .iter()
        .position(|h| *h == "日中に連絡がつく電話番号（第1版まで）")
        .unwrap_or_else(|| panic!("a column for the dropped question: {header:?}"));
    assert_eq!(
        header.iter().filter(|h| h.contains("電話番号")).count(),
        1,
        "{header:?}"
    );
    let rows: Vec<csv::StringRecord> = records.records().map(Result::unwrap).collect();
    // Newest first: 佐藤 (version 2, no phone), then 山田 (version 1).
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][column], "");
    assert_eq!(&rows[1][column], "090-1234-5678");
    assert_eq!(rows[1].len(), header.len());
}

/// Writes CSV until its second row, then panics as a bug in a writer would.
struct PanicsOnSecondRow {
    csv: CsvWriter,
    rows: u32,
}

impl RowWriter for PanicsOnSecondRow {
    fn begin(&mut self, table: &yui_core::export::ExportTable) -> Result<(), ExportError> {
        self.csv.begin(table)
    }
    fn row(
        &mut self,
        table: &yui_core::export::ExportTable,
        row: &yui_core::review::InboxRow,
    ) -> Result<(), ExportError> {
        self.rows += 1;
        assert!(self.rows < 2, "a bug in the writer");
        self.csv.row(table, row)
    }
    fn finish(&mut self) -> Result<(), ExportError> {
        self.csv.finish()
    }
    fn take_bytes(&mut self) -> Result<Vec<u8>, ExportError> {
        self.csv.take_bytes()
    }
}

async fn an_export_stopped_by_a_bug_is_an_error_and_is_still_audited(db: &TestDb) {
    let s = setup(db).await;
    submit(&s, "a", answers("山田", "am", "山田 太郎", None)).await;
    submit(&s, "b", answers("佐藤", "pm", "佐藤 花子", None)).await;
    let p = plan(&s, &s.reviewer, query(&s), options(ExportFormat::Csv)).await;
    let mut writer = PanicsOnSecondRow {
        csv: CsvWriter::new(CsvEncoding::Utf8Bom),
        rows: 0,
    };
    let mut out = Vec::new();
    let r = s.yui.run_export(&p, &mut writer, &mut out).await;
    assert!(
        matches!(r, Err(ExportError::Core(CoreError::Internal(_)))),
        "{r:?}"
    );
    let events = s
        .yui
        .store()
        .audit_events(
            s.town.id,
            &AuditQuery {
                action_prefix: Some("submission.export".into()),
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "the export is in the audit trail");
    let detail: Value = serde_json::from_str(&events[0].entry.detail).unwrap();
    assert_eq!(detail["completed"], false);
    assert_eq!(detail["filter"], "app=play-room-booking");
}

on_both_backends!(
    answers_to_questions_a_newer_version_dropped_are_still_exported,
    an_export_stopped_by_a_bug_is_an_error_and_is_still_audited,
    csv_is_excel_ready_utf8_with_quoting_and_neutralised_formulas,
    an_export_holds_exactly_the_filtered_inbox_across_pages,
    cp932_round_trips_and_reports_each_character_it_cannot_hold,
    xlsx_keeps_numbers_dates_and_text_apart,
    json_lines_carry_codes_and_normalised_answers,
    only_reviewers_and_admins_of_the_town_export_and_each_export_is_audited,
);
