//! Helpers for the staff console's HTTP tests: a town with the play-room app published and
//! submissions made through the resident use case, staff signed in by role, and small readers
//! for pages (CSRF tokens, links, the e-mails waiting in the job queue).

#![allow(dead_code)]

use serde_json::{Map, Value, json};
use yui_core::Actor;
use yui_core::ports::JobStore;
use yui_core::records::SubmissionId;
use yui_core::resident::{Channel, IncomingFile, MailLanguage};
use yui_testkit::TestDb;
use yui_web::WebConfig;

#[path = "../support/mod.rs"]
pub mod support;

pub use support::{App, PASSWORD};

pub const PLAY_ROOM: &str = include_str!("../../../../templates/play-room-booking.yaml");

/// A 2×2 PNG (stored re-encoded).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xFD, 0xD4, 0x9A,
    0x73, 0x00, 0x00, 0x00, 0x12, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xC0,
    0x00, 0xC2, 0x0C, 0xFF, 0x81, 0x00, 0x00, 0x1F, 0xEE, 0x05, 0xFB, 0x0B, 0xD9, 0x68, 0x8B, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A report with a photo and a document, for attachments.
pub const ROAD_REPORT: &str = r"
yui: 1
id: road-report
title: { ja: 道路の不具合通報, en: Report a road problem }
audience: public
fields:
  - { name: reporter, type: name, label: 通報者, required: true }
  - { name: email, type: email, label: メールアドレス, required: true }
  - { name: where, type: text, label: 道路の場所, required: true }
  - { name: photo, type: image, label: 写真, required: true }
  - { name: plan, type: file, label: 図面, required: false }
";

/// The app served on a real port with the play-room app published in town A (oguni).
pub struct Console {
    pub app: App,
    pub base: String,
}

impl Console {
    pub async fn start(db: &TestDb) -> Self {
        let app = support::app(db, WebConfig::default()).await;
        publish(&app, PLAY_ROOM).await;
        let base = support::serve(&app).await;
        Console { app, base }
    }

    /// A client signed in to oguni as `role` (the login names are the role names).
    pub async fn staff(&self, role: &str) -> reqwest::Client {
        let client = support::client();
        let r = support::sign_in(&client, &self.base, "oguni", role, PASSWORD).await;
        assert_eq!(
            r.status(),
            reqwest::StatusCode::SEE_OTHER,
            "{role} signs in"
        );
        client
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GETs a page; its body with `&#x2f;` read as `/` (templates escape slashes in values).
    pub async fn get(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let r = client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, unslash(&r.text().await.unwrap()))
    }

    /// The CSRF token of the signed-in client's session.
    pub async fn csrf(&self, client: &reqwest::Client) -> String {
        let (_, html) = self.get(client, "/oguni/staff").await;
        support::csrf_token(&html)
    }

    /// POSTs a form (the CSRF token added) and returns status, `Location` and body.
    pub async fn post(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, Option<String>, String) {
        let csrf = self.csrf(client).await;
        let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let r = client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (status, location, unslash(&r.text().await.unwrap()))
    }
}

fn unslash(html: &str) -> String {
    html.replace("&#x2f;", "/")
}

/// Installs and publishes an app in oguni (by the operator).
pub async fn publish(app: &App, source: &str) {
    let record = app
        .yui
        .create_app(&Actor::Operator, app.towns.a.id, source)
        .await
        .unwrap();
    app.yui
        .publish_app(&Actor::Operator, app.towns.a.id, record.id, "")
        .await
        .unwrap();
}

/// Play-room answers for a family name, e-mail address, slot and date (valid while the clock is in April 2026).
pub fn play_room(family: &str, email: &str, slot: &str, use_date: &str) -> Map<String, Value> {
    json!({
        "applicant_name": { "family": family, "given": "花子" },
        "applicant_kana": { "family": "ヤマダ", "given": "ハナコ" },
        "phone": "090-1234-5678",
        "email": email,
        "use_date": use_date,
        "slot": slot,
        "adults": "2",
        "children": [{ "child_name": "太郎", "child_birth": "2022-05-05", "allergy": "no" }],
        "agree": "on"
    })
    .as_object()
    .unwrap()
    .clone()
}

/// Submits answers to an oguni app as a resident; returns the id and receipt number.
pub async fn submit(
    app: &App,
    slug: &str,
    answers: Map<String, Value>,
    files: Vec<IncomingFile>,
) -> (SubmissionId, String) {
    let published = app.yui.resident_app(app.towns.a.id, slug).await.unwrap();
    let key = format!("console-test-{}", uuid_like());
    let receipt = app
        .yui
        .submit_answers(
            &app.towns.a,
            &published,
            answers,
            files,
            &key,
            Channel::Web,
            MailLanguage::Ja,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("submission refused: {e:?}"));
    (receipt.id, receipt.receipt_number)
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{:016x}{:08x}",
        N.fetch_add(1, Ordering::Relaxed),
        std::process::id()
    )
}

/// The e-mails waiting in the job queue (claimed, so each is returned once).
pub async fn queued_emails(db: &TestDb, app: &App) -> Vec<Value> {
    use yui_core::Clock;
    let now = app.clock.now();
    let mut out = Vec::new();
    while let Some(job) = db
        .store
        .claim_job(now, time::Duration::minutes(5))
        .await
        .unwrap()
    {
        db.store.complete_job(job.id, now).await.unwrap();
        out.push(job.payload);
    }
    out
}

/// The correction link's token from an e-mail body.
pub fn correction_token(body: &str) -> Option<String> {
    let start = body.find("/oguni/correct/")? + "/oguni/correct/".len();
    Some(
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

/// How many audit events of `action` the town has.
pub async fn audit_count(db: &TestDb, app: &App, action: &str) -> usize {
    use yui_core::ports::{AuditQuery, AuditStore};
    let q = AuditQuery {
        limit: 1000,
        ..AuditQuery::default()
    };
    db.store
        .audit_events(app.towns.a.id, &q)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.entry.action == action)
        .count()
}
