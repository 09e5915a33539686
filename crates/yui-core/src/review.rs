//! Records for processing submissions: the inbox query and its rows, the history timeline,
//! revisions, indexed values for filters, and the events that change a submission.

use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::{ActorKind, AuditEntry};
use crate::jobs::NewJob;
use crate::model::{TenantId, UserId};
use crate::records::{AppId, AppVersionId, SubmissionId};

/// One answer made filterable in the inbox: a choice or text (`text`), or a number or date as
/// days since 1970-01-01 (`num`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexedValue {
    pub field: String,
    pub text: Option<String>,
    pub num: Option<f64>,
}

/// How the inbox filters by an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ValueFilter {
    /// The answer is one of these (a choice field; any of a multi-select's choices).
    OneOf { field: String, values: Vec<String> },
    /// A number or date (as days) within an inclusive range; either end may be open.
    Range {
        field: String,
        min: Option<f64>,
        max: Option<f64>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum InboxOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// Who a submission is assigned to, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AssigneeFilter {
    Unassigned,
    User(UserId),
}

/// Where the next page starts: the last row of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InboxCursor {
    pub submitted_at_ms: i64,
    pub id: SubmissionId,
}

impl InboxCursor {
    /// `1712000000000-42`, for URLs.
    pub fn encode(self) -> String {
        format!("{}-{}", self.submitted_at_ms, self.id.0)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (at, id) = s.split_once('-')?;
        Some(Self {
            submitted_at_ms: at.parse().ok()?,
            id: SubmissionId(id.parse().ok()?),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct InboxQuery {
    /// Restrict to these apps (empty: every app of the town).
    pub apps: Vec<AppId>,
    pub statuses: Vec<String>,
    pub assignee: Option<AssigneeFilter>,
    pub submitted_from: Option<OffsetDateTime>,
    pub submitted_until: Option<OffsetDateTime>,
    pub values: Vec<ValueFilter>,
    /// Words anywhere in the answers.
    pub text: Option<String>,
    /// One receipt number, exactly.
    pub receipt: Option<String>,
    pub order: InboxOrder,
    pub after: Option<InboxCursor>,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxRow {
    pub id: SubmissionId,
    pub app_id: AppId,
    pub app_version_id: AppVersionId,
    pub receipt_number: String,
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    pub submitted_at_ms: i64,
    pub assignee_id: Option<UserId>,
    pub revision: u32,
    pub answers: String,
}

impl InboxRow {
    pub fn cursor(&self) -> InboxCursor {
        InboxCursor {
            submitted_at_ms: self.submitted_at_ms,
            id: self.id,
        }
    }
}

/// What happened to a submission, shown on its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Status,
    Assigned,
    Comment,
    Returned,
    Corrected,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Status => "status",
            EventKind::Assigned => "assigned",
            EventKind::Comment => "comment",
            EventKind::Returned => "returned",
            EventKind::Corrected => "corrected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Status,
            Self::Assigned,
            Self::Comment,
            Self::Returned,
            Self::Corrected,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A timeline entry to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: EventKind,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub assignee: Option<UserId>,
    /// A comment, or the reason given when returning a submission.
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub kind: EventKind,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub assignee: Option<UserId>,
    pub body: Option<String>,
}

/// The answers as they were before a correction replaced them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevisionRecord {
    pub revision: u32,
    pub app_version_id: AppVersionId,
    pub answers: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A change of status (or assignment, or a comment) with what it causes, written at once.
#[derive(Debug, Clone)]
pub struct SubmissionChange {
    pub tenant_id: TenantId,
    pub submission_id: SubmissionId,
    /// For status changes: the status the actor saw. If it changed meanwhile, nothing is
    /// written and the store answers `Conflict { field: "status" }`.
    pub expected_status: Option<String>,
    pub new_status: Option<String>,
    /// `Some(None)` unassigns.
    pub new_assignee: Option<Option<UserId>>,
    pub event: NewEvent,
    pub audit: AuditEntry,
    pub jobs: Vec<NewJob>,
    /// A correction link to create (returning a submission): token hash and expiry.
    pub correction_link: Option<(String, OffsetDateTime)>,
}

/// A resident's corrected answers for a returned submission.
#[derive(Debug, Clone)]
pub struct Correction {
    pub tenant_id: TenantId,
    pub submission_id: SubmissionId,
    pub link_hash: String,
    pub app_version_id: AppVersionId,
    pub answers: String,
    pub values: Vec<IndexedValue>,
    pub search_text: String,
    pub contact_email: Option<String>,
    pub new_status: String,
    /// Files uploaded with the correction (earlier files stay attached).
    pub files: Vec<crate::records::SubmissionFile>,
    pub event: NewEvent,
    pub audit: AuditEntry,
    pub jobs: Vec<NewJob>,
}
