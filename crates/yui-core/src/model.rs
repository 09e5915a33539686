//! Records the use cases exchange with the store: tenants, departments, staff and sessions.

use serde::Serialize;
use time::OffsetDateTime;
use yui_domain::japan::LgCode;
use yui_domain::tenant::{DisplayName, LoginName, Role, TenantSlug};

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
    /// A municipality's row id.
    TenantId
);
id_type!(
    /// A department's row id.
    DepartmentId
);
id_type!(
    /// A staff user's row id.
    UserId
);

/// A municipality hosted on this instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: TenantSlug,
    pub code: LgCode,
    pub name: DisplayName,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: TenantSlug,
    pub code: LgCode,
    pub name: DisplayName,
}

/// A department (課) of a municipality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Department {
    pub id: DepartmentId,
    pub tenant_id: TenantId,
    pub name: DisplayName,
}

/// A staff account. The password hash never leaves the store except for verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffUser {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub login: LoginName,
    pub display_name: DisplayName,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewStaffUser {
    pub tenant_id: TenantId,
    pub login: LoginName,
    pub display_name: DisplayName,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub password_hash: String,
}

/// A stored staff session. The store keeps only a hash of the token the browser holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    /// Hard end of the session (sign-in time + absolute lifetime).
    pub expires_at: OffsetDateTime,
}
