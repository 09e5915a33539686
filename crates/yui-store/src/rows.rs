//! Row types as read from either backend, and their conversion into core records. A stored
//! value that no longer parses (a corrupted row) is an internal error, not a panic.

use time::OffsetDateTime;
use yui_core::model::{
    Department, DepartmentId, SessionRecord, StaffUser, Tenant, TenantId, UserId,
};
use yui_core::ports::StoreError;
use yui_domain::japan::LgCode;
use yui_domain::tenant::{DisplayName, LoginName, Role, TenantSlug};

/// Milliseconds since the Unix epoch.
pub(crate) fn ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(crate) fn from_ms(ms: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| StoreError::Internal(format!("stored time {ms} out of range: {e}")))
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} does not parse: {e}"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    tenant_id: i64,
    slug: String,
    code: String,
    name: String,
    created_at: i64,
}

impl TryFrom<TenantRow> for Tenant {
    type Error = StoreError;
    fn try_from(r: TenantRow) -> Result<Self, StoreError> {
        Ok(Tenant {
            id: TenantId(r.tenant_id),
            slug: TenantSlug::parse(&r.slug).map_err(|e| corrupt("tenant slug", e))?,
            code: LgCode::parse(&r.code).map_err(|e| corrupt("municipality code", e))?,
            name: DisplayName::parse(&r.name).map_err(|e| corrupt("tenant name", e))?,
            created_at: from_ms(r.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DepartmentRow {
    department_id: i64,
    tenant_id: i64,
    name: String,
}

impl TryFrom<DepartmentRow> for Department {
    type Error = StoreError;
    fn try_from(r: DepartmentRow) -> Result<Self, StoreError> {
        Ok(Department {
            id: DepartmentId(r.department_id),
            tenant_id: TenantId(r.tenant_id),
            name: DisplayName::parse(&r.name).map_err(|e| corrupt("department name", e))?,
        })
    }
}

/// The columns of [`UserRow`], for `concat!` into static SQL.
macro_rules! user_columns {
    () => {
        "staff_user.user_id, staff_user.tenant_id, staff_user.login, staff_user.display_name, \
         staff_user.role, staff_user.department_id, staff_user.disabled, staff_user.created_at, \
         staff_user.password_hash"
    };
}
pub(crate) use user_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    user_id: i64,
    tenant_id: i64,
    login: String,
    display_name: String,
    role: String,
    department_id: Option<i64>,
    disabled: bool,
    created_at: i64,
    pub(crate) password_hash: String,
}

impl TryFrom<&UserRow> for StaffUser {
    type Error = StoreError;
    fn try_from(r: &UserRow) -> Result<Self, StoreError> {
        Ok(StaffUser {
            id: UserId(r.user_id),
            tenant_id: TenantId(r.tenant_id),
            login: LoginName::parse(&r.login).map_err(|e| corrupt("login name", e))?,
            display_name: DisplayName::parse(&r.display_name)
                .map_err(|e| corrupt("user name", e))?,
            role: r.role.parse::<Role>().map_err(|e| corrupt("role", e))?,
            department_id: r.department_id.map(DepartmentId),
            disabled: r.disabled,
            created_at: from_ms(r.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    token_hash: String,
    user_id: i64,
    tenant_id: i64,
    csrf_token: String,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StoreError;
    fn try_from(r: SessionRow) -> Result<Self, StoreError> {
        Ok(SessionRecord {
            token_hash: r.token_hash,
            user_id: UserId(r.user_id),
            tenant_id: TenantId(r.tenant_id),
            csrf_token: r.csrf_token,
            created_at: from_ms(r.created_at)?,
            last_seen_at: from_ms(r.last_seen_at)?,
            expires_at: from_ms(r.expires_at)?,
        })
    }
}
