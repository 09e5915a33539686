//! Yui's outbound channels. Each channel runs jobs of its kind from the durable queue:
//! e-mail over SMTP today; LINE messages and webhooks later. Nothing here is called inside a
//! request: use cases enqueue jobs, and the worker hands them to [`Channels`].
#![forbid(unsafe_code)]

pub mod email;
pub mod remote;

use std::sync::Arc;

use async_trait::async_trait;
use yui_core::jobs::{EmailMessage, Job, JobError, JobHandler, KIND_EMAIL};

pub use email::{EmailConfig, SmtpMailer};
pub use remote::HttpRemote;

/// The configured channels, dispatching jobs by kind.
#[derive(Clone, Default)]
pub struct Channels {
    pub email: Option<SmtpMailer>,
    /// Requests to other instances (adoption reports); none when not configured.
    pub remote: Option<Arc<dyn yui_core::ports::Remote>>,
}

#[async_trait]
impl JobHandler for Channels {
    async fn handle(&self, job: &Job) -> Result<(), JobError> {
        match job.kind.as_str() {
            KIND_EMAIL => {
                let message: EmailMessage =
                    serde_json::from_value(job.payload.clone()).map_err(|e| {
                        JobError::Permanent(format!("e-mail job payload does not parse: {e}"))
                    })?;
                match &self.email {
                    Some(mailer) => mailer.send(&message).await,
                    // Not configured yet: keep the message queued until an operator sets SMTP up.
                    None => Err(JobError::Retry("e-mail (SMTP) is not configured".into())),
                }
            }
            yui_core::sharing::KIND_ADOPTION => match &self.remote {
                Some(remote) => remote::report_adoption(remote.as_ref(), job).await,
                None => Err(JobError::Retry(
                    "outbound HTTP to other instances is not configured".into(),
                )),
            },
            other => Err(JobError::Permanent(format!(
                "no handler for job kind {other:?}"
            ))),
        }
    }
}
