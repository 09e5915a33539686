//! How a resident comes back: the resume link of an unfinished draft, sent by e-mail when they
//! ask for it, and the receipt of a one-shot submission found again by the key its form carried.

use crate::Yui;
use crate::clock::JST;
use crate::error::CoreError;
use crate::jobs::{EmailMessage, KIND_EMAIL, NewJob};
use crate::model::{Tenant, TenantId};
use crate::records::SubmissionRecord;
use crate::resident::{Channel, DraftSession, MailLanguage};
use crate::token::hash_token;

impl Yui {
    /// The link that reopens a draft where the resident left it.
    pub fn resume_link(&self, tenant: &Tenant, session: &DraftSession) -> String {
        format!(
            "{}/{}/apps/{}/d/{}",
            self.settings().public_url.trim_end_matches('/'),
            tenant.slug,
            session.form.definition().id,
            session.token
        )
    }

    /// Enqueues an e-mail carrying the draft's resume link to `to`. Asking again for the same
    /// draft and address within the same hour sends nothing more, so a resident pressing the
    /// button twice (or someone repeating the request) gets one message. Counter drafts have
    /// no resume link: the tablet belongs to the town hall, not to the resident.
    pub async fn email_resume_link(
        &self,
        tenant: &Tenant,
        session: &DraftSession,
        to: &str,
        lang: MailLanguage,
    ) -> Result<(), CoreError> {
        if session.record.tenant_id != tenant.id
            || session.record.channel == Channel::Counter.as_str()
        {
            return Err(CoreError::NotFound);
        }
        let to = yui_domain::japan::normalize_email(to.trim())
            .map_err(|e| CoreError::invalid("email", e.code(), e.message_ja(), e.message_en()))?;
        let now = self.clock().now();
        let hour = now.unix_timestamp().div_euclid(3600);
        let draft_hash = hash_token(&session.token);
        let key_hash = hash_token(&format!("{draft_hash}:{}", to.to_lowercase()));
        let link = self.resume_link(tenant, session);
        let expires = session.record.expires_at.to_offset(JST).date();
        let def = session.form.definition();
        let (subject, body) = match lang {
            MailLanguage::Ja => (
                format!(
                    "【{}】{}の続きを入力するためのリンク",
                    tenant.name,
                    def.title.get("ja")
                ),
                format!(
                    "{title}の入力途中の内容を保存しました。次のリンクから続きを入力できます。\n\n\
                     {link}\n\n\
                     このリンクは{y}年{m}月{d}日まで有効です（入力を続けると延長されます）。\n\
                     リンクを知っている人は誰でも入力内容を見ることができます。他の人に転送しないでください。\n\
                     心当たりがない場合は、このメールを破棄してください。\n\
                     このメールは送信専用です。返信はできません。\n\n{town}",
                    title = def.title.get("ja"),
                    y = expires.year(),
                    m = u8::from(expires.month()),
                    d = expires.day(),
                    town = tenant.name,
                ),
            ),
            MailLanguage::En => (
                format!(
                    "[{}] Your link to continue: {}",
                    tenant.name,
                    def.title.get("en")
                ),
                format!(
                    "We saved your unfinished application for {title}. Continue it with this link:\n\n\
                     {link}\n\n\
                     The link works until {date} (each time you continue, it is extended).\n\
                     Anyone with the link can see your answers, so do not forward it.\n\
                     If you did not ask for this, ignore this e-mail.\n\
                     This address cannot receive replies.\n\n{town}",
                    title = def.title.get("en"),
                    date = yui_domain::expr::format_iso_date(expires),
                    town = tenant.name,
                ),
            ),
        };
        let host = self
            .settings()
            .public_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ':']).next())
            .unwrap_or("yui.invalid")
            .to_owned();
        let message = EmailMessage {
            to,
            subject,
            body_text: body,
            message_id: format!("<resume.{}.{hour}@{host}>", &key_hash[..24]),
        };
        let job = NewJob {
            tenant_id: Some(tenant.id),
            kind: KIND_EMAIL,
            payload: serde_json::to_value(message)
                .map_err(|e| CoreError::Internal(format!("composing the resume e-mail: {e}")))?,
            idempotency_key: format!("resume:{key_hash}:{hour}"),
            max_attempts: 10,
        };
        self.store().enqueue_jobs(&[job], now).await?;
        tracing::info!(tenant.id = %tenant.id, app.id = %session.record.app_id, "resume link e-mailed");
        Ok(())
    }

    /// The submission a one-shot form's idempotency key produced, for its confirmation page.
    /// Only whoever holds the key (it was in their form) can find it.
    pub async fn submission_by_key(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> Result<Option<SubmissionRecord>, CoreError> {
        let key = key.trim();
        if key.len() < 16 || key.len() > 128 {
            return Ok(None);
        }
        Ok(self
            .store()
            .submission_by_idempotency_key(tenant, &hash_token(key))
            .await?)
    }
}
