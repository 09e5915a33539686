//! Records of apps, their published versions, submissions and drafts, as the use cases
//! exchange them with the store. Definitions and answers travel as JSON text: the store keeps
//! them verbatim, and only `yui-domain` interprets them.

use serde::Serialize;
use time::OffsetDateTime;

use crate::audit::AuditEntry;
use crate::jobs::NewJob;
use crate::model::{DepartmentId, TenantId, UserId};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An app's row id.
    AppId
);
id_type!(
    /// A published version's row id.
    AppVersionId
);
id_type!(
    /// A submission's row id.
    SubmissionId
);

/// Whether an app accepts submissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// Never published.
    Draft,
    /// Published and accepting submissions.
    Open,
    /// Published, not accepting submissions.
    Closed,
}

impl AppState {
    pub fn as_str(self) -> &'static str {
        match self {
            AppState::Draft => "draft",
            AppState::Open => "open",
            AppState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(AppState::Draft),
            "open" => Some(AppState::Open),
            "closed" => Some(AppState::Closed),
            _ => None,
        }
    }
}

/// Columns cached from a definition for listings and search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppSummary {
    pub title_ja: String,
    pub title_en: Option<String>,
    pub category: Option<String>,
    /// Normalised words residents may search by (title, keywords, synonyms).
    pub search_text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppRecord {
    pub id: AppId,
    pub tenant_id: TenantId,
    pub slug: String,
    pub department_id: Option<DepartmentId>,
    pub state: AppState,
    pub draft_definition: String,
    pub draft_updated_at: OffsetDateTime,
    pub published_version: Option<u32>,
    pub summary: AppSummary,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewApp {
    pub tenant_id: TenantId,
    pub slug: String,
    pub department_id: Option<DepartmentId>,
    pub draft_definition: String,
    pub summary: AppSummary,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppVersionRecord {
    pub id: AppVersionId,
    pub tenant_id: TenantId,
    pub app_id: AppId,
    pub version: u32,
    pub definition: String,
    pub change_summary: String,
    pub published_by: Option<UserId>,
    pub published_at: OffsetDateTime,
}

/// A new version to publish.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub definition: String,
    pub change_summary: String,
    pub summary: AppSummary,
    pub published_by: Option<UserId>,
}

/// A file attached to a submission, already stored durably in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionFile {
    pub field_path: String,
    pub blob_key: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

/// Everything written when a submission is accepted, in one transaction.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub tenant_id: TenantId,
    pub app_id: AppId,
    pub app_version_id: AppVersionId,
    /// The same key submitted again returns the first submission's receipt.
    pub idempotency_key: String,
    pub status: String,
    pub channel: String,
    /// Normalised answers, JSON.
    pub answers: String,
    pub contact_email: Option<String>,
    pub person_key: Option<String>,
    pub search_text: String,
    /// Answers made filterable in the inbox.
    pub values: Vec<crate::review::IndexedValue>,
    pub files: Vec<SubmissionFile>,
    /// Jobs caused by the submission (the confirmation e-mail). Their idempotency keys may
    /// use `{receipt}` and `{submission}`, which are filled in once the receipt is known.
    pub jobs: Vec<NewJob>,
    pub audit: AuditEntry,
    /// The draft this submission completes, if any; it is marked submitted in the same
    /// transaction.
    pub draft_token_hash: Option<String>,
}

/// The answer to a submission: written now, or found as a duplicate of an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionReceipt {
    pub id: SubmissionId,
    pub receipt_number: String,
    pub submitted_at: OffsetDateTime,
    /// True when the idempotency key was already used and nothing new was written.
    pub duplicate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionRecord {
    pub id: SubmissionId,
    pub tenant_id: TenantId,
    pub app_id: AppId,
    pub app_version_id: AppVersionId,
    pub receipt_number: String,
    pub status: String,
    pub channel: String,
    pub answers: String,
    pub contact_email: Option<String>,
    pub person_key: Option<String>,
    pub assignee_id: Option<UserId>,
    pub revision: u32,
    pub submitted_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub files: Vec<SubmissionFile>,
}

/// A resident's unfinished application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DraftRecord {
    pub tenant_id: TenantId,
    /// `web` or `counter`.
    pub channel: String,
    pub app_id: AppId,
    pub app_version_id: AppVersionId,
    pub answers: String,
    pub email: Option<String>,
    pub submitted: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A file a resident uploaded while filling a form, stored before the submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UploadRecord {
    pub blob_key: String,
    pub tenant_id: TenantId,
    pub app_id: AppId,
    /// The hash of the draft token that uploaded it: only that draft may use it.
    pub owner_hash: String,
    pub field_path: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub location: Option<(f64, f64)>,
    pub created_at: OffsetDateTime,
}

/// Replaced by the receipt number in a submission's jobs and audit entry once it is known.
pub const RECEIPT_PLACEHOLDER: &str = "{receipt_number}";
/// Replaced by the submission's id in a submission's jobs and audit entry once it is known.
pub const SUBMISSION_PLACEHOLDER: &str = "{submission_id}";

/// The formatted receipt number for a year and sequence: `2026-000123`.
pub fn receipt_number(year: i32, seq: i64) -> String {
    format!("{year}-{seq:06}")
}
