//! E-mail jobs sent through a real SMTP server, with retries when it is unreachable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use yui_channels::{Channels, EmailConfig, SmtpMailer};
use yui_core::jobs::{EmailMessage, JobOutcome, KIND_EMAIL, NewJob};
use yui_testkit::smtp::SmtpServer;
use yui_testkit::{TestDb, on_both_backends};

fn mailer(url: &str) -> Channels {
    let config = EmailConfig {
        smtp_url: url.into(),
        from: "小国町 <noreply@town.oguni.example>".into(),
        timeout: Duration::from_secs(5),
    };
    Channels {
        email: Some(SmtpMailer::new(&config).unwrap()),
        ..Channels::default()
    }
}

fn email_job(key: &str, to: &str) -> NewJob {
    let message = EmailMessage {
        to: to.into(),
        subject: "【小国町】申請を受け付けました（受付番号 PR-2026-000123）".into(),
        body_text:
            "山田 太郎 様\n\nプレイルーム利用申込を受け付けました。\n受付番号: PR-2026-000123\n"
                .into(),
        message_id: format!("<{key}@yui.invalid>"),
    };
    NewJob {
        tenant_id: None,
        kind: KIND_EMAIL,
        payload: serde_json::to_value(message).unwrap(),
        idempotency_key: key.into(),
        max_attempts: 3,
    }
}

async fn a_queued_email_arrives_in_japanese_with_its_message_id(db: &TestDb) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let (yui, _clock) = db.yui();
    yui.enqueue_jobs(&[email_job("confirm-1", "taro@example.jp")])
        .await
        .unwrap();
    let outcome = yui.run_next_job(&mailer(&smtp.url())).await.unwrap();
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    let mails = smtp.wait_for(1);
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.to, vec!["taro@example.jp".to_owned()]);
    assert_eq!(m.from, "noreply@town.oguni.example");
    assert_eq!(
        m.subject,
        "【小国町】申請を受け付けました（受付番号 PR-2026-000123）"
    );
    assert!(m.body.contains("受付番号: PR-2026-000123"), "{}", m.body);
    assert_eq!(m.message_id, "confirm-1@yui.invalid");
    assert!(
        yui.run_next_job(&mailer(&smtp.url()))
            .await
            .unwrap()
            .is_none(),
        "queue drained"
    );
}

async fn an_unreachable_smtp_server_means_retry_later_not_loss(db: &TestDb) {
    let (yui, clock) = db.yui();
    yui.enqueue_jobs(&[email_job("confirm-2", "hanako@example.jp")])
        .await
        .unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let outcome = yui
        .run_next_job(&mailer(&format!("smtp://127.0.0.1:{closed}")))
        .await
        .unwrap();
    assert!(
        matches!(outcome, Some(JobOutcome::WillRetry { .. })),
        "{outcome:?}"
    );
    assert_eq!(yui.job_counts().await.unwrap().pending, 1);

    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let channels = mailer(&smtp.url());
    assert!(
        yui.run_next_job(&channels).await.unwrap().is_none(),
        "not before the backoff"
    );
    clock.advance(time::Duration::seconds(31));
    let outcome = yui.run_next_job(&channels).await.unwrap();
    assert!(matches!(outcome, Some(JobOutcome::Done(_))), "{outcome:?}");
    assert_eq!(smtp.wait_for(1).len(), 1);
}

async fn a_bad_address_fails_for_good_without_retrying(db: &TestDb) {
    let (yui, _clock) = db.yui();
    yui.enqueue_jobs(&[email_job("confirm-3", "not an address")])
        .await
        .unwrap();
    let outcome = yui
        .run_next_job(&mailer("smtp://127.0.0.1:1"))
        .await
        .unwrap();
    assert!(
        matches!(outcome, Some(JobOutcome::Failed(_))),
        "{outcome:?}"
    );
    assert_eq!(yui.job_counts().await.unwrap().failed, 1);
}

async fn without_smtp_configured_emails_wait_in_the_queue(db: &TestDb) {
    let (yui, _clock) = db.yui();
    yui.enqueue_jobs(&[email_job("confirm-4", "a@example.jp")])
        .await
        .unwrap();
    let outcome = yui.run_next_job(&Channels::default()).await.unwrap();
    assert!(
        matches!(outcome, Some(JobOutcome::WillRetry { .. })),
        "{outcome:?}"
    );
}

async fn giving_up_after_the_last_attempt(db: &TestDb) {
    let (yui, clock) = db.yui();
    yui.enqueue_jobs(&[email_job("confirm-5", "a@example.jp")])
        .await
        .unwrap();
    let channels = Channels::default();
    for _ in 0..2 {
        assert!(matches!(
            yui.run_next_job(&channels).await.unwrap(),
            Some(JobOutcome::WillRetry { .. })
        ));
        clock.advance(time::Duration::hours(1));
    }
    assert!(matches!(
        yui.run_next_job(&channels).await.unwrap(),
        Some(JobOutcome::Failed(_))
    ));
}

on_both_backends!(
    a_queued_email_arrives_in_japanese_with_its_message_id,
    an_unreachable_smtp_server_means_retry_later_not_loss,
    a_bad_address_fails_for_good_without_retrying,
    without_smtp_configured_emails_wait_in_the_queue,
    giving_up_after_the_last_attempt,
);
