//! Counter mode (窓口): a staff member starts an application for the resident in front of
//! them, on a town-hall tablet. The draft is an ordinary resident draft marked with the
//! counter channel, so it gets no resume link and its pages keep nothing in the browser.

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::apps::PublishedApp;
use crate::error::CoreError;
use crate::model::TenantId;
use crate::resident::{Channel, DraftSession};

impl Yui {
    /// The apps a staff member can start at the counter: the town's open public apps.
    pub async fn counter_apps(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<PublishedApp>, CoreError> {
        actor.require(Permission::UseConsole, tenant)?;
        self.open_apps(tenant).await
    }

    /// Starts a counter draft of the open app `slug`.
    pub async fn start_counter_draft(
        &self,
        actor: &Actor,
        tenant: TenantId,
        slug: &str,
    ) -> Result<DraftSession, CoreError> {
        actor.require(Permission::UseConsole, tenant)?;
        let app = self.resident_app(tenant, slug).await?;
        let draft = self.start_draft(&app, Channel::Counter).await?;
        tracing::info!(tenant.id = %tenant, app.id = %app.app.id, "counter draft started");
        Ok(draft)
    }
}
