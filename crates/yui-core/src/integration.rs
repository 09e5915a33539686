//! What other systems do through the API besides reading and processing: delivering an
//! application received elsewhere (a kiosk, a chat bot, another portal) as a submission. The
//! token's role must allow processing submissions; the answers are validated exactly as a
//! resident's, and the submission records that it came through the API.

use serde_json::{Map, Value};

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::apps::PublishedApp;
use crate::error::CoreError;
use crate::model::Tenant;
use crate::records::{AppState, SubmissionReceipt};
use crate::resident::{Channel, MailLanguage, SubmitError};

impl Yui {
    /// Submits `raw` answers to the app `app_slug` of `tenant` on behalf of whoever the
    /// calling system serves. `idempotency_key` makes retries return the first receipt.
    pub async fn submit_through_api(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        app_slug: &str,
        raw: Map<String, Value>,
        idempotency_key: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<SubmissionReceipt, SubmitError> {
        actor.require(Permission::ReviewSubmissions, tenant.id)?;
        let app = self
            .store()
            .app_by_slug(tenant.id, app_slug)
            .await
            .map_err(CoreError::from)?
            .filter(|a| crate::processing::in_scope(actor, a) && a.state != AppState::Draft)
            .ok_or(CoreError::NotFound)?;
        let number = app.published_version.ok_or(CoreError::NotFound)?;
        let version = self
            .store()
            .app_version_number(tenant.id, app.id, number)
            .await
            .map_err(CoreError::from)?
            .ok_or(CoreError::NotFound)?;
        let form = self.form_of(&version)?;
        let published = PublishedApp { app, version, form };
        let receipt = self
            .submit_answers(
                tenant,
                &published,
                raw,
                Vec::new(),
                idempotency_key,
                Channel::Api,
                MailLanguage::Ja,
                client,
            )
            .await?;
        if !receipt.duplicate {
            let audit = actor
                .audit(Some(tenant.id), "submission.api_create")
                .subject("submission", receipt.id)
                .client(client)
                .detail(&serde_json::json!({
                    "app": app_slug,
                    "receipt": receipt.receipt_number,
                }));
            self.store()
                .append_audit(&audit, self.clock().now())
                .await
                .map_err(CoreError::from)?;
        }
        Ok(receipt)
    }
}
