//! What the staff console reads besides submissions themselves: the apps of the inbox's scope
//! with their current forms (for filters and columns), the colleagues a submission can be
//! assigned to, and the audit trail — browsing it, and the per-resident report of who accessed
//! one person's data. Reading the audit trail is itself recorded (`audit.view`).

use std::sync::Arc;

use time::OffsetDateTime;
use yui_domain::definition::Form;
use yui_domain::tenant::Role;

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::audit::AuditEvent;
use crate::error::CoreError;
use crate::model::{TenantId, UserId};
use crate::ports::AuditQuery;
use crate::records::{AppRecord, AppVersionRecord};
use crate::resident::person_key_for_email;

/// Most audit events shown on one page.
pub const AUDIT_PAGE_MAX: u32 = 200;

/// An app in the inbox's scope with the form of its newest published version (none when the
/// app was never published).
#[derive(Debug, Clone)]
pub struct InboxApp {
    pub record: AppRecord,
    pub current: Option<(AppVersionRecord, Arc<Form>)>,
}

/// A staff member as colleagues see them: enough to show a name and to assign work.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Colleague {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
}

/// Filters for browsing the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// `submission.` or `submission.view`.
    pub action_prefix: Option<String>,
    /// A staff user's id.
    pub actor_id: Option<i64>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Show events older than this position (the next page).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// Whose data a per-resident report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonRef {
    /// The resident's e-mail address (their person key is derived from it).
    Email(String),
    /// One submission, by receipt number.
    Receipt(String),
}

/// One page of audit events, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// `before_seq` of the next (older) page, if there is one.
    pub older: Option<i64>,
}

impl Yui {
    /// The apps whose submissions the actor may see, each with its current form.
    pub async fn inbox_apps(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<InboxApp>, CoreError> {
        actor.require(Permission::ViewSubmissions, tenant)?;
        let mut out = Vec::new();
        for record in self.store().apps(tenant).await? {
            if !crate::processing::in_scope(actor, &record) {
                continue;
            }
            let current = match record.published_version {
                Some(number) => match self
                    .store()
                    .app_version_number(tenant, record.id, number)
                    .await?
                {
                    Some(version) => {
                        let form = self.form_of(&version)?;
                        Some((version, form))
                    }
                    None => None,
                },
                None => None,
            };
            out.push(InboxApp { record, current });
        }
        Ok(out)
    }

    /// The town's staff, for showing assignees and choosing one. Anyone who may see
    /// submissions may see their colleagues' names (never their credentials).
    pub async fn colleagues(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<Colleague>, CoreError> {
        actor.require(Permission::ViewSubmissions, tenant)?;
        Ok(self
            .store()
            .users(tenant)
            .await?
            .into_iter()
            .map(|u| Colleague {
                id: u.id,
                login: u.login.as_str().to_owned(),
                display_name: u.display_name.as_str().to_owned(),
                role: u.role,
                disabled: u.disabled,
            })
            .collect())
    }

    /// A page of the town's audit trail, newest first. The reading is recorded.
    pub async fn browse_audit(
        &self,
        actor: &Actor,
        tenant: TenantId,
        filter: &AuditFilter,
        client: Option<std::net::IpAddr>,
    ) -> Result<AuditPage, CoreError> {
        actor.require(Permission::ViewAudit, tenant)?;
        let query = AuditQuery {
            actor_id: filter.actor_id,
            action_prefix: filter
                .action_prefix
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            from: filter.from,
            until: filter.until,
            before_seq: filter.before_seq,
            limit: filter.limit,
            ..AuditQuery::default()
        };
        let page = self.audit_page_of(tenant, query).await?;
        let detail = serde_json::json!({
            "action": filter.action_prefix,
            "actor": filter.actor_id,
            "from": filter.from.map(OffsetDateTime::unix_timestamp),
            "until": filter.until.map(OffsetDateTime::unix_timestamp),
            "before_seq": filter.before_seq,
            "rows": page.events.len(),
        });
        self.record_audit(
            &actor
                .audit(Some(tenant), "audit.view")
                .client(client)
                .detail(&detail),
        )
        .await?;
        Ok(page)
    }

    /// Everyone who accessed one resident's data (by e-mail address), or one submission (by
    /// receipt number): views, file downloads, exports, changes. The reading is recorded, with
    /// the person key rather than the address, so the trail holds no e-mail addresses.
    pub async fn person_access_report(
        &self,
        actor: &Actor,
        tenant: TenantId,
        person: &PersonRef,
        before_seq: Option<i64>,
        limit: u32,
        client: Option<std::net::IpAddr>,
    ) -> Result<AuditPage, CoreError> {
        actor.require(Permission::ViewAudit, tenant)?;
        let mut query = AuditQuery {
            before_seq,
            limit,
            ..AuditQuery::default()
        };
        let detail = match person {
            PersonRef::Email(email) => {
                let key = person_key_for_email(email);
                query.person_key = Some(key.clone());
                serde_json::json!({ "person": key })
            }
            PersonRef::Receipt(receipt) => {
                let receipt = receipt.trim();
                let found = self.store().submission_by_receipt(tenant, receipt).await?;
                match found {
                    Some(s) => {
                        query.subject = Some(("submission".to_owned(), s.id.to_string()));
                    }
                    // An unknown receipt has no events; the report says so.
                    None => {
                        query.subject = Some(("submission".to_owned(), String::new()));
                    }
                }
                serde_json::json!({ "receipt": receipt })
            }
        };
        let page = self.audit_page_of(tenant, query).await?;
        let mut detail = detail;
        detail["rows"] = serde_json::json!(page.events.len());
        self.record_audit(
            &actor
                .audit(Some(tenant), "audit.view")
                .subject("report", "person")
                .client(client)
                .detail(&detail),
        )
        .await?;
        Ok(page)
    }

    async fn audit_page_of(
        &self,
        tenant: TenantId,
        mut query: AuditQuery,
    ) -> Result<AuditPage, CoreError> {
        let limit = query.limit.clamp(1, AUDIT_PAGE_MAX);
        query.limit = limit + 1;
        let mut events = self.store().audit_events(tenant, &query).await?;
        let older = if events.len() > limit as usize {
            events.truncate(limit as usize);
            events.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(AuditPage { events, older })
    }
}
