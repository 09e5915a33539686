//! Ports: what the use cases need from the outside world. `yui-store` implements [`Store`] for
//! SQLite and PostgreSQL; one contract test suite runs against both.
//!
//! Store methods are shaped as units of work: each one is atomic, so a use case never has to
//! manage a transaction across calls.

use async_trait::async_trait;
use time::OffsetDateTime;
use yui_domain::tenant::{LoginName, TenantSlug};

use crate::audit::{AuditEntry, AuditEvent, ChainHead};
use crate::jobs::{Job, JobCounts, JobId, NewJob};
use crate::model::{
    Department, DepartmentId, NewStaffUser, NewTenant, SessionRecord, StaffUser, Tenant, TenantId,
    UserId,
};
use crate::records::{
    AppId, AppRecord, AppState, AppSummary, AppVersionId, AppVersionRecord, DraftRecord, NewApp,
    NewSubmission, NewVersion, SubmissionId, SubmissionReceipt, SubmissionRecord, UploadRecord,
};
use crate::review::{
    Correction, EventRecord, InboxQuery, InboxRow, RevisionRecord, SubmissionChange,
};

/// What can go wrong in a store, in terms a use case can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference constraint was violated; `field` names the input at fault.
    #[error("conflict on {field}")]
    Conflict { field: &'static str },
    /// The database cannot be reached or cannot write (disk full, connection refused).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store failure: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait TenantStore: Send + Sync {
    async fn create_tenant(
        &self,
        new: &NewTenant,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<Tenant>;
    async fn tenant_by_slug(&self, slug: &TenantSlug) -> StoreResult<Option<Tenant>>;
    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>>;
    async fn tenants(&self) -> StoreResult<Vec<Tenant>>;
    async fn create_department(
        &self,
        tenant: TenantId,
        name: &str,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<Department>;
    async fn departments(&self, tenant: TenantId) -> StoreResult<Vec<Department>>;
    async fn department_by_name(
        &self,
        tenant: TenantId,
        name: &str,
    ) -> StoreResult<Option<Department>>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(
        &self,
        new: &NewStaffUser,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<StaffUser>;
    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<StaffUser>>;
    /// The user and their password hash, for sign-in.
    async fn user_credentials(
        &self,
        tenant: TenantId,
        login: &LoginName,
    ) -> StoreResult<Option<(StaffUser, String)>>;
    async fn users(&self, tenant: TenantId) -> StoreResult<Vec<StaffUser>>;
    /// Replaces the password hash and ends every session of the user, atomically.
    async fn set_password_hash(
        &self,
        tenant: TenantId,
        id: UserId,
        hash: &str,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// Disables or re-enables a user; disabling ends every session of the user, atomically.
    async fn set_user_disabled(
        &self,
        tenant: TenantId,
        id: UserId,
        disabled: bool,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn set_user_department(
        &self,
        tenant: TenantId,
        id: UserId,
        department: Option<DepartmentId>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session and records the sign-in, atomically.
    async fn create_session(&self, session: &SessionRecord, audit: &AuditEntry) -> StoreResult<()>;
    /// The live session with this token hash and its user, if the session has not passed its
    /// hard expiry at `now`, its idle limit since `idle_since`, and the user is not disabled.
    async fn live_session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        idle_since: OffsetDateTime,
    ) -> StoreResult<Option<(SessionRecord, StaffUser)>>;
    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> StoreResult<()>;
    /// Ends a session; records `audit` (a sign-out) in the same transaction if given and the
    /// session existed.
    async fn delete_session(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
        audit: Option<&AuditEntry>,
    ) -> StoreResult<()>;
    /// Removes sessions past their hard expiry or idle since before `idle_since`; returns how many.
    async fn delete_expired_sessions(
        &self,
        now: OffsetDateTime,
        idle_since: OffsetDateTime,
    ) -> StoreResult<u64>;
    async fn session_count(&self, user: UserId) -> StoreResult<u64>;
}

#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Counts one failure for `key`. If the key's window started before `window_start`, a new
    /// window starts at `now`. Returns the failures in the current window.
    async fn record_failure(
        &self,
        key: &str,
        now: OffsetDateTime,
        window_start: OffsetDateTime,
    ) -> StoreResult<u32>;
    /// Failures counted for `key` in a window that started at or after `window_start`, and
    /// when that window started.
    async fn failures(
        &self,
        key: &str,
        window_start: OffsetDateTime,
    ) -> StoreResult<Option<(u32, OffsetDateTime)>>;
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Inserts jobs whose idempotency key is new; returns how many were inserted.
    async fn enqueue_jobs(&self, jobs: &[NewJob], now: OffsetDateTime) -> StoreResult<u64>;
    /// Claims the oldest due job (pending and due, or running with an expired lease), counting
    /// one more attempt and leasing it until `now + lease`.
    async fn claim_job(
        &self,
        now: OffsetDateTime,
        lease: time::Duration,
    ) -> StoreResult<Option<Job>>;
    async fn complete_job(&self, id: JobId, now: OffsetDateTime) -> StoreResult<()>;
    /// Records a failure: back to pending at `retry_at`, or failed for good when `None`.
    async fn fail_job(
        &self,
        id: JobId,
        now: OffsetDateTime,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> StoreResult<()>;
    async fn job_counts(&self) -> StoreResult<JobCounts>;
}

/// Filters for browsing a municipality's audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_id: Option<i64>,
    pub action_prefix: Option<String>,
    pub person_key: Option<String>,
    pub subject: Option<(String, String)>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Show events older than this position (newest first paging).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one event to its chain.
    async fn append_audit(
        &self,
        entry: &AuditEntry,
        now: OffsetDateTime,
    ) -> StoreResult<AuditEvent>;
    /// Every chain's recorded head.
    async fn audit_chains(&self) -> StoreResult<Vec<ChainHead>>;
    /// Events of a chain with `seq > after_seq`, in order.
    async fn audit_page(
        &self,
        chain_key: i64,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>>;
    /// A municipality's events matching `query`, newest first.
    async fn audit_events(
        &self,
        tenant: TenantId,
        query: &AuditQuery,
    ) -> StoreResult<Vec<AuditEvent>>;
}

#[async_trait]
pub trait AppStore: Send + Sync {
    async fn create_app(
        &self,
        new: &NewApp,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<AppRecord>;
    async fn app(&self, tenant: TenantId, id: AppId) -> StoreResult<Option<AppRecord>>;
    async fn app_by_slug(&self, tenant: TenantId, slug: &str) -> StoreResult<Option<AppRecord>>;
    async fn apps(&self, tenant: TenantId) -> StoreResult<Vec<AppRecord>>;
    /// Replaces the builder's working copy.
    async fn save_app_draft(
        &self,
        tenant: TenantId,
        id: AppId,
        definition: &str,
        summary: &AppSummary,
        by: Option<UserId>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Publishes the next version (1, 2, …); a never-published app opens.
    async fn publish_version(
        &self,
        tenant: TenantId,
        id: AppId,
        version: &NewVersion,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<AppVersionRecord>;
    async fn set_app_state(
        &self,
        tenant: TenantId,
        id: AppId,
        state: AppState,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn app_version(
        &self,
        tenant: TenantId,
        id: AppVersionId,
    ) -> StoreResult<Option<AppVersionRecord>>;
    async fn app_version_number(
        &self,
        tenant: TenantId,
        app: AppId,
        version: u32,
    ) -> StoreResult<Option<AppVersionRecord>>;
    /// Every version of an app, newest first.
    async fn app_versions(
        &self,
        tenant: TenantId,
        app: AppId,
    ) -> StoreResult<Vec<AppVersionRecord>>;
}

#[async_trait]
pub trait SubmissionStore: Send + Sync {
    /// Writes a submission with its files, jobs, audit event and receipt number in one
    /// durable transaction; a repeated idempotency key returns the first receipt instead.
    async fn insert_submission(
        &self,
        new: NewSubmission,
        now: OffsetDateTime,
    ) -> StoreResult<SubmissionReceipt>;
    async fn submission(
        &self,
        tenant: TenantId,
        id: SubmissionId,
    ) -> StoreResult<Option<SubmissionRecord>>;
    async fn submission_by_receipt(
        &self,
        tenant: TenantId,
        receipt: &str,
    ) -> StoreResult<Option<SubmissionRecord>>;
    /// The submission stored under an idempotency key (a draft's hash, a form's key).
    async fn submission_by_idempotency_key(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> StoreResult<Option<SubmissionRecord>>;
    async fn submission_count(&self, tenant: TenantId, app: AppId) -> StoreResult<u64>;
    /// Answers of an app's submissions, for checking what a new version would orphan.
    async fn submission_answers(
        &self,
        tenant: TenantId,
        app: AppId,
        after: Option<SubmissionId>,
        limit: u32,
    ) -> StoreResult<Vec<(SubmissionId, String)>>;
}

#[async_trait]
pub trait DraftStore: Send + Sync {
    async fn create_draft(&self, token_hash: &str, draft: &DraftRecord) -> StoreResult<()>;
    /// The draft if it exists and has not expired at `now`.
    async fn draft(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<DraftRecord>>;
    async fn save_draft(
        &self,
        token_hash: &str,
        answers: &str,
        email: Option<&str>,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn delete_expired_drafts(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

#[async_trait]
pub trait UploadStore: Send + Sync {
    async fn record_upload(&self, upload: &UploadRecord) -> StoreResult<()>;
    async fn upload(&self, tenant: TenantId, blob_key: &str) -> StoreResult<Option<UploadRecord>>;
    /// Uploads older than `before` that no submission refers to; their blobs may be deleted.
    async fn stale_uploads(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<UploadRecord>>;
    async fn forget_upload(&self, blob_key: &str) -> StoreResult<()>;
}

/// File contents, kept outside the database. Keys are chosen by the store and never derive
/// from anything a user typed.
#[async_trait]
pub trait Blobs: Send + Sync {
    /// Stores bytes durably (written and synced before this returns) and returns the key.
    async fn put(&self, tenant: TenantId, bytes: Vec<u8>) -> StoreResult<String>;
    async fn get(&self, tenant: TenantId, key: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn delete(&self, tenant: TenantId, key: &str) -> StoreResult<()>;
}

#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// A page of submissions matching the query, in the requested order.
    async fn inbox(&self, tenant: TenantId, query: &InboxQuery) -> StoreResult<Vec<InboxRow>>;
    /// Submissions per status for these apps (all apps when empty).
    async fn status_counts(
        &self,
        tenant: TenantId,
        apps: &[AppId],
    ) -> StoreResult<Vec<(String, u64)>>;
    /// Applies a status change, assignment or comment with its event, audit entry and jobs.
    async fn change_submission(
        &self,
        change: &SubmissionChange,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn submission_events(
        &self,
        tenant: TenantId,
        id: SubmissionId,
    ) -> StoreResult<Vec<EventRecord>>;
    /// Earlier revisions of the answers, oldest first.
    async fn submission_revisions(
        &self,
        tenant: TenantId,
        id: SubmissionId,
    ) -> StoreResult<Vec<RevisionRecord>>;
    /// The submission an unused, unexpired correction link opens.
    async fn correction_link(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(TenantId, SubmissionId)>>;
    /// Replaces the answers with a correction, keeping the previous ones as a revision.
    async fn apply_correction(
        &self,
        correction: &Correction,
        now: OffsetDateTime,
    ) -> StoreResult<u32>;
}

#[async_trait]
pub trait InstanceKeyStore: Send + Sync {
    /// The instance's signing key (base64 secret), if one was created.
    async fn instance_key_secret(&self) -> StoreResult<Option<String>>;
    /// Stores the key unless one exists already (the first one stays).
    async fn save_instance_key_secret(&self, secret: &str, now: OffsetDateTime) -> StoreResult<()>;
}

/// Packages shared by this instance's towns, packages installed from elsewhere, catalogs
/// followed and adoptions reported to this instance (see `crate::sharing`).
#[async_trait]
pub trait SharingStore: Send + Sync {
    /// Marks an app as shared, or changes its licence if it already is.
    async fn share_app(
        &self,
        new: &crate::sharing::NewSharedPackage,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<crate::sharing::SharedPackage>;
    async fn unshare_app(
        &self,
        tenant: TenantId,
        app: AppId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn shared_package(
        &self,
        tenant: TenantId,
        app: AppId,
    ) -> StoreResult<Option<crate::sharing::SharedPackage>>;
    /// Every shared app of every town on this instance, with what the catalog shows.
    async fn catalog_rows(&self) -> StoreResult<Vec<crate::sharing::CatalogRow>>;
    /// Records that a town adopted a package (once per package and town; later reports
    /// update the version and time).
    async fn record_adoption(
        &self,
        report: &crate::sharing::AdoptionReport,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Creates the app and records where it came from, with its jobs and audit entry, in one
    /// transaction.
    async fn install_package(
        &self,
        app: &NewApp,
        installed: &crate::sharing::NewInstalledPackage,
        jobs: &[NewJob],
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<(AppRecord, crate::sharing::InstalledPackage)>;
    async fn installed_package(
        &self,
        tenant: TenantId,
        app: AppId,
    ) -> StoreResult<Option<crate::sharing::InstalledPackage>>;
    async fn installed_package_by_package(
        &self,
        tenant: TenantId,
        package_id: &str,
    ) -> StoreResult<Option<crate::sharing::InstalledPackage>>;
    async fn installed_packages(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Vec<crate::sharing::InstalledPackage>>;
    /// Keeps a newer upstream version (its signed file) waiting for the builder.
    async fn set_pending_update(
        &self,
        tenant: TenantId,
        app: AppId,
        version: u32,
        package: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    /// Saves the merged draft and moves the installed version forward, atomically; fails with
    /// `Conflict { field: "version" }` when the waiting version is no longer `update.version`.
    async fn take_update(
        &self,
        update: &crate::sharing::TakenUpdate,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    async fn follow_catalog(
        &self,
        new: &crate::sharing::NewFollowedCatalog,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<crate::sharing::FollowedCatalog>;
    async fn followed_catalogs(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Vec<crate::sharing::FollowedCatalog>>;
    async fn followed_catalog(
        &self,
        tenant: TenantId,
        id: crate::sharing::FollowedCatalogId,
    ) -> StoreResult<Option<crate::sharing::FollowedCatalog>>;
    /// Records a fetch: the new document on success, the reason on failure.
    async fn record_catalog_fetch(
        &self,
        tenant: TenantId,
        id: crate::sharing::FollowedCatalogId,
        document: Option<&str>,
        error: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
    async fn unfollow_catalog(
        &self,
        tenant: TenantId,
        id: crate::sharing::FollowedCatalogId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
}

/// Why a request to another instance failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// This Yui was started without outbound HTTP (tests, one-shot commands).
    #[error("outbound HTTP is not configured")]
    NotConfigured,
    #[error("not an http(s) URL: {0}")]
    BadUrl(String),
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("the answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// Redirects are followed only within the same host.
    #[error("redirected to another host: {0}")]
    Redirected(String),
}

/// Requests to other Yui instances (catalogs, packages, adoption reports). Implemented with
/// an HTTP client in `yui-channels`; nothing else in the core reaches the network.
#[async_trait]
pub trait Remote: Send + Sync {
    /// The body of a GET, refused if longer than `max_bytes`.
    async fn get(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, RemoteError>;
    /// POSTs a JSON body; success is any 2xx answer.
    async fn post_json(&self, url: &str, body: &serde_json::Value) -> Result<(), RemoteError>;
}

/// A [`Remote`] that reaches nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRemote;

#[async_trait]
impl Remote for NoRemote {
    async fn get(&self, _url: &str, _max_bytes: usize) -> Result<Vec<u8>, RemoteError> {
        Err(RemoteError::NotConfigured)
    }

    async fn post_json(&self, _url: &str, _body: &serde_json::Value) -> Result<(), RemoteError> {
        Err(RemoteError::NotConfigured)
    }
}

#[async_trait]
pub trait ApiTokenStore: Send + Sync {
    /// Stores a new token and records its creation, atomically. A live token of the same town
    /// with the same name is `Conflict { field: "name" }`.
    async fn create_api_token(
        &self,
        new: &crate::api_tokens::NewApiToken,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<crate::api_tokens::ApiTokenRecord>;
    /// A town's tokens, newest first.
    async fn api_tokens(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Vec<crate::api_tokens::ApiTokenRecord>>;
    /// Marks a live token revoked and records it, atomically; `NotFound` if there is none.
    async fn revoke_api_token(
        &self,
        tenant: TenantId,
        id: crate::api_tokens::ApiTokenId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> StoreResult<()>;
    /// The token with this hash (revoked or not) and its town.
    async fn api_token_by_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<(crate::api_tokens::ApiTokenRecord, Tenant)>>;
    async fn touch_api_token(
        &self,
        id: crate::api_tokens::ApiTokenId,
        now: OffsetDateTime,
    ) -> StoreResult<()>;
}

/// Everything Yui stores, behind one object chosen at start-up from the database URL.
#[async_trait]
pub trait Store:
    TenantStore
    + UserStore
    + SessionStore
    + ThrottleStore
    + JobStore
    + AuditStore
    + AppStore
    + SubmissionStore
    + DraftStore
    + UploadStore
    + ReviewStore
    + InstanceKeyStore
    + SharingStore
    + ApiTokenStore
{
    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}
