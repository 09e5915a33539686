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
use crate::records::{AppId, AppRecord, AppVersionRecord, SubmissionId, SubmissionRecord};
use crate::resident::person_key_for_email;

/// Most audit events shown on one page.
pub const AUDIT_PAGE_MAX: u32 = 200;
/// Most exports listed in a per-resident report.
pub const PERSON_EXPORTS_MAX: u32 = 100;
/// Most of one person's submissions a per-resident report looks for exports of.
const PERSON_SUBMISSIONS_MAX: usize = 100;

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

/// A per-resident report.
#[derive(Debug, Clone)]
pub struct PersonReport {
    /// The events recorded under the person (or the submission): views, downloads, changes.
    pub page: AuditPage,
    /// Events that concern many residents at once and so are not recorded under anyone, newest
    /// first (at most [`PERSON_EXPORTS_MAX`]): inbox pages (console or API) that listed one of
    /// this person's submissions, and exports of the apps they applied to made after they
    /// applied (each may hold their answers, depending on the filter it records). Listed with
    /// the first page only.
    pub exports: Vec<AuditEvent>,
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
    /// receipt number): views, file downloads, changes, and the exports that may have carried
    /// it. The reading is recorded, with the person key rather than the address, so the trail
    /// holds no e-mail addresses.
    pub async fn person_access_report(
        &self,
        actor: &Actor,
        tenant: TenantId,
        person: &PersonRef,
        before_seq: Option<i64>,
        limit: u32,
        client: Option<std::net::IpAddr>,
    ) -> Result<PersonReport, CoreError> {
        actor.require(Permission::ViewAudit, tenant)?;
        let mut query = AuditQuery {
            before_seq,
            limit,
            ..AuditQuery::default()
        };
        let (detail, submissions) = match person {
            PersonRef::Email(email) => {
                let key = person_key_for_email(email);
                query.person_key = Some(key.clone());
                let submissions = self.submissions_of_person(tenant, &key).await?;
                (serde_json::json!({ "person": key }), submissions)
            }
            PersonRef::Receipt(receipt) => {
                let receipt = receipt.trim();
                let found = self.store().submission_by_receipt(tenant, receipt).await?;
                // An unknown receipt has no events; the report says so.
                let id = found.as_ref().map(|s| s.id.to_string()).unwrap_or_default();
                query.subject = Some(("submission".to_owned(), id));
                (
                    serde_json::json!({ "receipt": receipt }),
                    found.into_iter().collect(),
                )
            }
        };
        let page = self.audit_page_of(tenant, query).await?;
        let exports = if before_seq.is_none() {
            self.exports_after(tenant, &submissions).await?
        } else {
            Vec::new()
        };
        let mut detail = detail;
        detail["rows"] = serde_json::json!(page.events.len());
        detail["exports"] = serde_json::json!(exports.len());
        self.record_audit(
            &actor
                .audit(Some(tenant), "audit.view")
                .subject("report", "person")
                .client(client)
                .detail(&detail),
        )
        .await?;
        Ok(PersonReport { page, exports })
    }

    /// The submissions recorded under a person key (through their audit events: whoever
    /// submitted or corrected them), at most [`PERSON_SUBMISSIONS_MAX`].
    async fn submissions_of_person(
        &self,
        tenant: TenantId,
        person_key: &str,
    ) -> Result<Vec<SubmissionRecord>, CoreError> {
        let query = AuditQuery {
            person_key: Some(person_key.to_owned()),
            action_prefix: Some("submission.".to_owned()),
            limit: 1000,
            ..AuditQuery::default()
        };
        let mut ids: Vec<SubmissionId> = self
            .store()
            .audit_events(tenant, &query)
            .await?
            .into_iter()
            .filter(|e| e.entry.subject_kind.as_deref() == Some("submission"))
            .filter_map(|e| e.entry.subject_id?.parse().ok().map(SubmissionId))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut found = Vec::new();
        for id in ids.into_iter().take(PERSON_SUBMISSIONS_MAX) {
            if let Some(s) = self.store().submission(tenant, id).await? {
                found.push(s);
            }
        }
        Ok(found)
    }

    /// Inbox pages that listed one of `submissions`, and exports of their apps made after the
    /// first of them arrived, newest first.
    async fn exports_after(
        &self,
        tenant: TenantId,
        submissions: &[SubmissionRecord],
    ) -> Result<Vec<AuditEvent>, CoreError> {
        let mut exports = Vec::new();
        if let Some(since) = submissions.iter().map(|s| s.submitted_at).min() {
            let query = AuditQuery {
                action_prefix: Some("submission.list".to_owned()),
                from: Some(since),
                limit: 1000,
                ..AuditQuery::default()
            };
            let listed = |e: &AuditEvent| {
                let detail: serde_json::Value =
                    serde_json::from_str(&e.entry.detail).unwrap_or_default();
                detail["receipts"].as_array().is_some_and(|shown| {
                    submissions
                        .iter()
                        .any(|s| shown.iter().any(|r| r.as_str() == Some(&s.receipt_number)))
                })
            };
            exports.extend(
                self.store()
                    .audit_events(tenant, &query)
                    .await?
                    .into_iter()
                    .filter(listed),
            );
        }
        let mut first: Vec<(AppId, OffsetDateTime)> = Vec::new();
        for s in submissions {
            match first.iter_mut().find(|(app, _)| *app == s.app_id) {
                Some((_, at)) => *at = (*at).min(s.submitted_at),
                None => first.push((s.app_id, s.submitted_at)),
            }
        }
        for (app, since) in first {
            let query = AuditQuery {
                action_prefix: Some("submission.export".to_owned()),
                subject: Some(("app".to_owned(), app.to_string())),
                from: Some(since),
                limit: PERSON_EXPORTS_MAX,
                ..AuditQuery::default()
            };
            exports.extend(self.store().audit_events(tenant, &query).await?);
        }
        exports.sort_by(|a, b| b.at.cmp(&a.at).then(b.seq.cmp(&a.seq)));
        exports.truncate(PERSON_EXPORTS_MAX as usize);
        Ok(exports)
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
