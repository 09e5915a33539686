//! Staff processing submissions: the inbox, viewing a submission (every view is audited),
//! moving it through the app's workflow (who may take each step is defined by role), returning
//! it for correction with a secure link the resident uses to correct and resubmit the same
//! submission, assignment, internal comments and bulk changes. Every check of permission and
//! town happens here, not in templates.

use std::sync::Arc;

use serde_json::{Map, Value};
use time::Duration;
use yui_domain::definition::{Form, fill_placeholders};
use yui_domain::tenant::Role;

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::audit::ActorKind;
use crate::error::{CoreError, FieldProblem, InvalidInput};
use crate::jobs::{EmailMessage, KIND_EMAIL, NewJob};
use crate::model::{Tenant, TenantId, UserId};
use crate::records::{AppId, AppRecord, AppVersionRecord, SubmissionId, SubmissionRecord};
use crate::resident::{IncomingFile, SubmitError, indexed_values, search_text};
use crate::review::{
    Correction, EventKind, EventRecord, InboxCursor, InboxQuery, InboxRow, NewEvent,
    RevisionRecord, SubmissionChange,
};
use crate::token::{hash_token, new_token};

/// How long a correction link stays valid.
pub const CORRECTION_LINK_LIFETIME: Duration = Duration::days(14);

/// One page of the inbox.
#[derive(Debug, Clone)]
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    /// Where the next page starts, if there is one.
    pub next: Option<InboxCursor>,
    /// Submissions per status over the apps in view (ignoring the other filters).
    pub counts: Vec<(String, u64)>,
    /// The apps the actor may see (the inbox's scope).
    pub apps: Vec<AppRecord>,
}

/// A submission with everything its page shows.
#[derive(Debug, Clone)]
pub struct SubmissionView {
    pub record: SubmissionRecord,
    pub app: AppRecord,
    pub version: AppVersionRecord,
    pub form: Arc<Form>,
    pub events: Vec<EventRecord>,
    /// Earlier answers with the versions they were given against, oldest first.
    pub revisions: Vec<(RevisionRecord, AppVersionRecord, Arc<Form>)>,
}

/// The result of a bulk change: what was done and why the rest was not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    pub done: Vec<SubmissionId>,
    pub skipped: Vec<(SubmissionId, String)>,
}

/// A returned submission opened through its correction link.
#[derive(Debug, Clone)]
pub struct CorrectionSession {
    pub tenant: Tenant,
    pub record: SubmissionRecord,
    pub version: AppVersionRecord,
    pub form: Arc<Form>,
    /// The staff member's reason for returning it.
    pub reason: Option<String>,
}

fn staff_role(actor: &Actor) -> Option<Role> {
    match actor {
        Actor::Operator => Some(Role::Admin),
        Actor::Staff(s) => Some(s.role),
        Actor::Api(a) => Some(a.role),
    }
}

/// Whether the actor's department may see an app. Admins see every app; staff with a
/// department see their department's apps and apps that belong to no department.
pub(crate) fn in_scope(actor: &Actor, app: &AppRecord) -> bool {
    match actor {
        // A token belongs to the whole town, not to a department.
        Actor::Operator | Actor::Api(_) => true,
        Actor::Staff(s) if s.role == Role::Admin => true,
        Actor::Staff(s) => match (s.department_id, app.department_id) {
            (Some(mine), Some(apps)) => mine == apps,
            _ => true,
        },
    }
}

fn event(actor: &Actor, kind: EventKind) -> NewEvent {
    let (actor_kind, actor_id, actor_label) = actor.audit_identity();
    NewEvent {
        kind,
        actor_kind,
        actor_id,
        actor_label,
        from_status: None,
        to_status: None,
        assignee: None,
        body: None,
    }
}

fn bad(field: &str, code: &'static str, ja: &str, en: &str) -> CoreError {
    CoreError::invalid(field, code, ja.to_owned(), en.to_owned())
}

impl Yui {
    /// The apps of a town the actor may see submissions of.
    pub(crate) async fn scoped_apps(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<AppRecord>, CoreError> {
        actor.require(Permission::ViewSubmissions, tenant)?;
        Ok(self
            .store()
            .apps(tenant)
            .await?
            .into_iter()
            .filter(|a| in_scope(actor, a))
            .collect())
    }

    /// A page of the inbox. The query's apps are narrowed to those the actor may see. A page
    /// that lists submissions is recorded in the audit trail with their receipt numbers (the
    /// console shows names and answers in its columns, the API whole submissions), so the
    /// per-resident report can say who saw a person in a list.
    pub async fn inbox(
        &self,
        actor: &Actor,
        tenant: TenantId,
        mut query: InboxQuery,
    ) -> Result<InboxPage, CoreError> {
        let apps = self.scoped_apps(actor, tenant).await?;
        let visible: Vec<AppId> = apps.iter().map(|a| a.id).collect();
        if query.apps.is_empty() {
            query.apps = visible.clone();
        } else {
            query.apps.retain(|a| visible.contains(a));
        }
        if query.apps.is_empty() {
            return Ok(InboxPage {
                rows: Vec::new(),
                next: None,
                counts: Vec::new(),
                apps,
            });
        }
        if let Some(text) = &query.text {
            query.text = Some(yui_domain::japan::text::search_key(text));
        }
        let limit = query.limit.clamp(1, 200);
        query.limit = limit + 1;
        let mut rows = self.store().inbox(tenant, &query).await?;
        let next = if rows.len() > limit as usize {
            rows.truncate(limit as usize);
            rows.last().map(InboxRow::cursor)
        } else {
            None
        };
        let counts = self.store().status_counts(tenant, &query.apps).await?;
        if !rows.is_empty() {
            let receipts: Vec<&str> = rows.iter().map(|r| r.receipt_number.as_str()).collect();
            let mut filter = serde_json::to_value(&query).unwrap_or(Value::Null);
            if let Some(f) = filter.as_object_mut() {
                for paging in ["after", "limit", "order"] {
                    f.remove(paging);
                }
            }
            let audit = actor
                .audit(Some(tenant), "submission.list")
                .detail(&serde_json::json!({
                    "rows": rows.len(),
                    "receipts": receipts,
                    "filter": filter,
                }));
            self.store()
                .append_audit(&audit, self.clock().now())
                .await?;
        }
        Ok(InboxPage {
            rows,
            next,
            counts,
            apps,
        })
    }

    /// A submission in full. Each call records who looked at whose data.
    pub async fn view_submission(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: SubmissionId,
        client: Option<std::net::IpAddr>,
    ) -> Result<SubmissionView, CoreError> {
        let view = self.load_submission(actor, tenant, id).await?;
        let audit = actor
            .audit(Some(tenant), "submission.view")
            .subject("submission", id)
            .person(view.record.person_key.clone())
            .client(client)
            .detail(&serde_json::json!({ "receipt": view.record.receipt_number }));
        self.store()
            .append_audit(&audit, self.clock().now())
            .await?;
        Ok(view)
    }

    async fn load_submission(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: SubmissionId,
    ) -> Result<SubmissionView, CoreError> {
        actor.require(Permission::ViewSubmissions, tenant)?;
        let record = self
            .store()
            .submission(tenant, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let app = self
            .store()
            .app(tenant, record.app_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if !in_scope(actor, &app) {
            return Err(CoreError::NotFound);
        }
        let (version, form) = self.version_form(tenant, record.app_version_id).await?;
        let events = self.store().submission_events(tenant, id).await?;
        let mut revisions = Vec::new();
        for r in self.store().submission_revisions(tenant, id).await? {
            let (v, f) = self.version_form(tenant, r.app_version_id).await?;
            revisions.push((r, v, f));
        }
        Ok(SubmissionView {
            record,
            app,
            version,
            form,
            events,
            revisions,
        })
    }

    /// The bytes of a submission's attached file, for staff who may see the submission.
    pub async fn submission_file(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: SubmissionId,
        blob_key: &str,
        client: Option<std::net::IpAddr>,
    ) -> Result<(crate::records::SubmissionFile, Vec<u8>), CoreError> {
        let view = self.load_submission(actor, tenant, id).await?;
        let file = view
            .record
            .files
            .iter()
            .find(|f| f.blob_key == blob_key)
            .cloned()
            .ok_or(CoreError::NotFound)?;
        let bytes = self
            .blobs()
            .get(tenant, blob_key)
            .await?
            .ok_or(CoreError::NotFound)?;
        let audit = actor
            .audit(Some(tenant), "submission.file_view")
            .subject("submission", id)
            .person(view.record.person_key.clone())
            .client(client)
            .detail(&serde_json::json!({ "file": file.name }));
        self.store()
            .append_audit(&audit, self.clock().now())
            .await?;
        Ok((file, bytes))
    }

    /// Moves a submission to another state of its workflow. `expected` is the state the
    /// actor saw (a concurrent change makes this a conflict). Moving into a state residents
    /// can resubmit from (差戻し) needs a reason and sends the resident a correction link.
    pub async fn transition_submission(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        id: SubmissionId,
        expected: &str,
        to: &str,
        comment: Option<&str>,
    ) -> Result<(), CoreError> {
        actor.require(Permission::ReviewSubmissions, tenant.id)?;
        let view = self.load_submission(actor, tenant.id, id).await?;
        let workflow = view.form.workflow();
        let role = staff_role(actor).unwrap_or(Role::Viewer);
        if view.record.status != expected {
            return Err(CoreError::Conflict { field: "status" });
        }
        if !workflow.can(expected, to, role) {
            return Err(CoreError::Forbidden);
        }
        let transition = workflow
            .transitions_from(expected)
            .find(|t| t.to == to && !t.resident)
            .ok_or(CoreError::Forbidden)?;
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        let returning = workflow.resident_transition(to).is_some();
        if returning && comment.is_none() {
            return Err(bad(
                "comment",
                "submission.return_reason_required",
                "差し戻す理由（申請者に伝える内容）を入力してください。",
                "Give the reason for returning it (it is sent to the applicant).",
            ));
        }
        let mut change = SubmissionChange {
            tenant_id: tenant.id,
            submission_id: id,
            expected_status: Some(expected.to_owned()),
            new_status: Some(to.to_owned()),
            new_assignee: None,
            event: NewEvent {
                from_status: Some(expected.to_owned()),
                to_status: Some(to.to_owned()),
                body: comment.map(str::to_owned),
                ..event(
                    actor,
                    if returning {
                        EventKind::Returned
                    } else {
                        EventKind::Status
                    },
                )
            },
            audit: actor
                .audit(Some(tenant.id), "submission.status")
                .subject("submission", id)
                .person(view.record.person_key.clone())
                .detail(&serde_json::json!({ "from": expected, "to": to })),
            jobs: Vec::new(),
            correction_link: None,
        };
        let mut link = None;
        if returning {
            let token = new_token()?;
            let expires = self.clock().now() + CORRECTION_LINK_LIFETIME;
            change.correction_link = Some((hash_token(&token), expires));
            link = Some(format!(
                "{}/{}/correct/{token}",
                self.settings().public_url.trim_end_matches('/'),
                tenant.slug
            ));
        }
        if (transition.notify || returning)
            && let Some(to_address) = &view.record.contact_email
        {
            let status_label = workflow
                .state(to)
                .map_or_else(|| to.to_owned(), |s| s.label.ja.clone());
            change.jobs.push(self.status_email(
                tenant,
                &view,
                to_address,
                &status_label,
                comment,
                link.as_deref(),
            ));
        }
        self.store()
            .change_submission(&change, self.clock().now())
            .await
            .map_err(CoreError::from)
    }

    fn status_email(
        &self,
        tenant: &Tenant,
        view: &SubmissionView,
        to: &str,
        status: &str,
        reason: Option<&str>,
        correction_link: Option<&str>,
    ) -> NewJob {
        let def = view.form.definition();
        let (subject, mut body) = match def
            .notifications
            .as_ref()
            .and_then(|n| n.status_changed.as_ref())
        {
            Some(m) => (m.subject.ja.clone(), m.body.ja.clone()),
            None => (
                "【{town}】{app_title}（受付番号 {receipt_number}）の状況: {status}".to_owned(),
                "受付番号 {receipt_number} の申請の状況が「{status}」になりました。\n\n{town}"
                    .to_owned(),
            ),
        };
        if let Some(reason) = reason {
            body.push_str(&format!("\n\n担当者からのお知らせ:\n{reason}"));
        }
        if let Some(link) = correction_link {
            body.push_str(&format!(
                "\n\n次のリンクから申請内容を修正して再提出してください（{}日間有効）:\n{link}",
                CORRECTION_LINK_LIFETIME.whole_days()
            ));
        }
        let home = format!(
            "{}/{}",
            self.settings().public_url.trim_end_matches('/'),
            tenant.slug
        );
        let values = [
            ("app_title", def.title.ja.as_str()),
            ("town", tenant.name.as_str()),
            ("status", status),
            ("receipt_number", view.record.receipt_number.as_str()),
            ("link", correction_link.unwrap_or(home.as_str())),
        ];
        let message = EmailMessage {
            to: to.to_owned(),
            subject: fill_placeholders(&subject, &values),
            body_text: fill_placeholders(&body, &values),
            message_id: format!(
                "<status.{}.{}@yui>",
                view.record.id,
                self.clock().now().unix_timestamp()
            ),
        };
        NewJob {
            tenant_id: Some(tenant.id),
            kind: KIND_EMAIL,
            payload: serde_json::to_value(message).unwrap_or(Value::Null),
            idempotency_key: format!(
                "status:{}:{}:{}",
                view.record.id,
                status,
                self.clock().now().unix_timestamp_nanos()
            ),
            max_attempts: 10,
        }
    }

    /// Moves many submissions to one state; each is checked on its own.
    pub async fn bulk_transition(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        ids: &[SubmissionId],
        to: &str,
        comment: Option<&str>,
    ) -> Result<BulkOutcome, CoreError> {
        actor.require(Permission::ReviewSubmissions, tenant.id)?;
        let mut outcome = BulkOutcome::default();
        for id in ids.iter().copied() {
            let current = match self.load_submission(actor, tenant.id, id).await {
                Ok(v) => v.record.status,
                Err(e) => {
                    outcome.skipped.push((id, e.code().to_owned()));
                    continue;
                }
            };
            match self
                .transition_submission(actor, tenant, id, &current, to, comment)
                .await
            {
                Ok(()) => outcome.done.push(id),
                Err(e) => outcome.skipped.push((id, e.code().to_owned())),
            }
        }
        Ok(outcome)
    }

    /// Assigns a submission to a staff member of the same town, or unassigns it.
    pub async fn assign_submission(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: SubmissionId,
        assignee: Option<UserId>,
    ) -> Result<(), CoreError> {
        actor.require(Permission::ReviewSubmissions, tenant)?;
        let view = self.load_submission(actor, tenant, id).await?;
        if let Some(user) = assignee {
            let staff = self.store().user(tenant, user).await?;
            if staff.is_none_or(|u| u.disabled) {
                return Err(bad(
                    "assignee",
                    "submission.assignee_unknown",
                    "担当者にはこの自治体の有効な職員を選んでください。",
                    "Choose an active staff member of this municipality.",
                ));
            }
        }
        let change = SubmissionChange {
            tenant_id: tenant,
            submission_id: id,
            expected_status: None,
            new_status: None,
            new_assignee: Some(assignee),
            event: NewEvent {
                assignee,
                ..event(actor, EventKind::Assigned)
            },
            audit: actor
                .audit(Some(tenant), "submission.assign")
                .subject("submission", id)
                .person(view.record.person_key.clone())
                .detail(&serde_json::json!({ "assignee": assignee })),
            jobs: Vec::new(),
            correction_link: None,
        };
        self.store()
            .change_submission(&change, self.clock().now())
            .await
            .map_err(CoreError::from)
    }

    pub async fn bulk_assign(
        &self,
        actor: &Actor,
        tenant: TenantId,
        ids: &[SubmissionId],
        assignee: Option<UserId>,
    ) -> Result<BulkOutcome, CoreError> {
        actor.require(Permission::ReviewSubmissions, tenant)?;
        let mut outcome = BulkOutcome::default();
        for id in ids.iter().copied() {
            match self.assign_submission(actor, tenant, id, assignee).await {
                Ok(()) => outcome.done.push(id),
                Err(e) => outcome.skipped.push((id, e.code().to_owned())),
            }
        }
        Ok(outcome)
    }

    /// An internal comment on a submission (never shown to the resident).
    pub async fn comment_submission(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: SubmissionId,
        body: &str,
    ) -> Result<(), CoreError> {
        actor.require(Permission::ReviewSubmissions, tenant)?;
        let body = body.trim();
        if body.is_empty() || body.chars().count() > 4000 {
            return Err(bad(
                "comment",
                "submission.comment_invalid",
                "コメントを4000文字以内で入力してください。",
                "Write a comment of at most 4000 characters.",
            ));
        }
        let view = self.load_submission(actor, tenant, id).await?;
        let change = SubmissionChange {
            tenant_id: tenant,
            submission_id: id,
            expected_status: None,
            new_status: None,
            new_assignee: None,
            event: NewEvent {
                body: Some(body.to_owned()),
                ..event(actor, EventKind::Comment)
            },
            audit: actor
                .audit(Some(tenant), "submission.comment")
                .subject("submission", id)
                .person(view.record.person_key.clone()),
            jobs: Vec::new(),
            correction_link: None,
        };
        self.store()
            .change_submission(&change, self.clock().now())
            .await
            .map_err(CoreError::from)
    }

    /// The returned submission behind a correction link.
    pub async fn correction_session(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Result<CorrectionSession, CoreError> {
        let (tid, id) = self
            .store()
            .correction_link(&hash_token(token), self.clock().now())
            .await?
            .filter(|(t, _)| *t == tenant.id)
            .ok_or(CoreError::NotFound)?;
        let record = self
            .store()
            .submission(tid, id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let (version, form) = self.version_form(tid, record.app_version_id).await?;
        // Staff may have taken the submission out of 差戻し since (back into review, or
        // rejected it): the link then no longer leads anywhere.
        if form
            .workflow()
            .resident_transition(&record.status)
            .is_none()
        {
            return Err(CoreError::NotFound);
        }
        let reason = self
            .store()
            .submission_events(tid, id)
            .await?
            .into_iter()
            .rev()
            .find(|e| e.kind == EventKind::Returned)
            .and_then(|e| e.body);
        Ok(CorrectionSession {
            tenant: tenant.clone(),
            record,
            version,
            form,
            reason,
        })
    }

    /// The resident's corrected answers: validated against the version they first used,
    /// stored as the next revision (the earlier answers are kept), and the submission moves on
    /// in its workflow. New files may replace attached ones; earlier files stay with the
    /// earlier revision.
    pub async fn apply_resident_correction(
        &self,
        session: &CorrectionSession,
        token: &str,
        mut raw: Map<String, Value>,
        files: Vec<IncomingFile>,
    ) -> Result<u32, SubmitError> {
        let workflow = session.form.workflow();
        let next = workflow
            .resident_transition(&session.record.status)
            .map(|t| t.to.clone())
            .ok_or(CoreError::Conflict { field: "status" })?;
        let tenant = session.tenant.id;
        let link_hash = hash_token(token);
        let mut new_files = Vec::new();
        for file in &files {
            let upload = self
                .store_upload(
                    tenant,
                    session.record.app_id,
                    &link_hash,
                    &session.form,
                    file,
                )
                .await
                .map_err(|e| match e {
                    crate::resident::UploadFailure::Refused {
                        code,
                        message_ja,
                        message_en,
                    } => SubmitError::Core(CoreError::invalid(
                        &file.field,
                        code,
                        message_ja,
                        message_en,
                    )),
                    crate::resident::UploadFailure::Core(e) => SubmitError::Core(e),
                })?;
            raw.insert(file.field.clone(), crate::resident::upload_value(&upload));
            new_files.push(upload);
        }
        let evaluation = session
            .form
            .evaluate(&Value::Object(raw), &self.eval_context());
        if !evaluation.is_valid() {
            return Err(SubmitError::Invalid(evaluation));
        }
        let answers = evaluation.answers();
        let mut referenced = Vec::new();
        collect_ids(answers, &mut referenced);
        let mut added = Vec::new();
        for id in referenced {
            if session.record.files.iter().any(|f| f.blob_key == id) {
                continue;
            }
            match new_files.iter().find(|u| u.blob_key == id) {
                Some(u) => added.push(crate::records::SubmissionFile {
                    field_path: u.field_path.clone(),
                    blob_key: u.blob_key.clone(),
                    name: u.name.clone(),
                    content_type: u.content_type.clone(),
                    size: u.size,
                    sha256: u.sha256.clone(),
                }),
                None => {
                    return Err(SubmitError::Core(CoreError::Invalid(InvalidInput {
                        problems: vec![FieldProblem {
                            field: "files".into(),
                            code: "file.not_uploaded",
                            message_ja: "添付ファイルはこの申請のものだけ使えます。".into(),
                            message_en: "Only this application's files can be attached.".into(),
                        }],
                    })));
                }
            }
        }
        let correction = Correction {
            tenant_id: tenant,
            submission_id: session.record.id,
            link_hash,
            app_version_id: session.version.id,
            answers: Value::Object(answers.clone()).to_string(),
            values: indexed_values(&session.form, answers),
            search_text: search_text(answers),
            contact_email: session.record.contact_email.clone(),
            new_status: next.clone(),
            files: added,
            event: NewEvent {
                kind: EventKind::Corrected,
                actor_kind: ActorKind::Resident,
                actor_id: None,
                actor_label: "resident".to_owned(),
                from_status: Some(session.record.status.clone()),
                to_status: Some(next),
                assignee: None,
                body: None,
            },
            audit: crate::audit::AuditEntry::new(
                Some(tenant),
                ActorKind::Resident,
                None,
                "resident",
                "submission.correct",
            )
            .subject("submission", session.record.id)
            .person(session.record.person_key.clone()),
            jobs: Vec::new(),
        };
        self.store()
            .apply_correction(&correction, self.clock().now())
            .await
            .map_err(|e| SubmitError::Core(e.into()))
    }
}

fn collect_ids(v: &Map<String, Value>, out: &mut Vec<String>) {
    for value in v.values() {
        match value {
            Value::Object(o) => {
                if let (Some(Value::String(id)), Some(_)) = (o.get("id"), o.get("content_type")) {
                    out.push(id.clone());
                } else {
                    collect_ids(o, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    if let Value::Object(o) = item {
                        collect_ids(o, out);
                    }
                }
            }
            _ => {}
        }
    }
}
