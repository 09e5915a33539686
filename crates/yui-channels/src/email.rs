//! E-mail over SMTP with lettre. Messages are UTF-8 plain text (Japanese subjects are encoded
//! per RFC 2047 by lettre). Temporary SMTP failures (4xx, network) are retried by the queue;
//! permanent ones (5xx, an address that does not parse) are not.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Tokio1Executor};
use yui_core::jobs::{EmailMessage, JobError};

/// Where and as whom to send.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required`, or `smtps://host:465`.
    pub smtp_url: String,
    /// The sender, e.g. `小国町 <noreply@town.oguni.lg.jp>`.
    pub from: String,
    pub timeout: Duration,
}

/// A configuration problem, found at start-up rather than at the first send.
#[derive(Debug, thiserror::Error)]
pub enum EmailConfigError {
    #[error("invalid SMTP URL: {0}")]
    Url(String),
    #[error("invalid sender address {0:?}: {1}")]
    From(String, String),
}

impl EmailConfig {
    /// Checks the URL and the sender without connecting (nothing is started).
    pub fn validate(&self) -> Result<(), EmailConfigError> {
        self.from
            .parse::<Mailbox>()
            .map_err(|e| EmailConfigError::From(self.from.clone(), e.to_string()))?;
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&self.smtp_url)
            .map_err(|e| EmailConfigError::Url(e.to_string()))?;
        Ok(())
    }
}

#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// Builds the mailer and its connection pool; must run inside the Tokio runtime.
    pub fn new(config: &EmailConfig) -> Result<Self, EmailConfigError> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                EmailConfigError::From(config.from.clone(), e.to_string())
            })?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .map_err(|e| EmailConfigError::Url(e.to_string()))?
            .timeout(Some(config.timeout))
            .build();
        Ok(Self { transport, from })
    }

    /// Sends one message; the error says whether retrying may help.
    pub async fn send(&self, message: &EmailMessage) -> Result<(), JobError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                JobError::Permanent(format!("recipient address: {e}"))
            })?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .message_id(Some(message.message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(message.body_text.clone())
            .map_err(|e| JobError::Permanent(format!("cannot build the message: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => {
                tracing::info!(email.message_id = %message.message_id, "e-mail handed to the SMTP server");
                Ok(())
            }
            Err(e) if e.is_permanent() => Err(JobError::Permanent(format!("SMTP refused: {e}"))),
            Err(e) => Err(JobError::Retry(format!("SMTP: {e}"))),
        }
    }
}
