//! Who is acting, and what each role may do. Every use case that touches a tenant's data asks
//! [`Actor::require`]; a request for another tenant's data is answered as "not found" so that
//! nobody can probe which towns or records exist.

use yui_domain::tenant::Role;

use crate::error::CoreError;
use crate::model::{DepartmentId, TenantId, UserId};

/// The one acting in a use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The operator of the instance, acting through the `yui` command line on the server.
    Operator,
    /// A signed-in staff member of one municipality.
    Staff(StaffActor),
    /// Another system calling `/api/v1` with one of the municipality's API tokens.
    Api(ApiActor),
}

/// An API token acting: its role decides, through the same matrix as for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiActor {
    pub token_id: crate::api_tokens::ApiTokenId,
    /// The token's name, recorded in the audit trail as it was at the time.
    pub name: String,
    pub tenant_id: TenantId,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffActor {
    pub user_id: UserId,
    /// The login name, recorded in the audit trail as it was at the time.
    pub login: String,
    pub tenant_id: TenantId,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
}

/// Things an actor may be allowed to do within a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create towns. Only the operator.
    ManageInstance,
    /// Create, disable and reset staff accounts; manage departments.
    ManageStaff,
    /// Create, edit and publish apps.
    BuildApps,
    /// Move submissions through the workflow, comment, assign.
    ReviewSubmissions,
    /// Export submissions to CSV/XLSX/JSON.
    ExportSubmissions,
    /// Read submissions and dashboards.
    ViewSubmissions,
    /// Read the audit trail.
    ViewAudit,
    /// See the staff home page.
    UseConsole,
}

/// The permission matrix. Kept in one place so tests can cover each role × action.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission as P;
    match role {
        Role::Admin => !matches!(permission, P::ManageInstance),
        Role::Builder => matches!(
            permission,
            P::BuildApps | P::ViewSubmissions | P::UseConsole
        ),
        Role::Reviewer => matches!(
            permission,
            P::ReviewSubmissions | P::ExportSubmissions | P::ViewSubmissions | P::UseConsole
        ),
        Role::Viewer => matches!(permission, P::ViewSubmissions | P::UseConsole),
    }
}

impl Actor {
    /// How this actor appears in the audit trail: kind, id and label.
    pub fn audit_identity(&self) -> (crate::audit::ActorKind, Option<i64>, String) {
        match self {
            Actor::Operator => (
                crate::audit::ActorKind::Operator,
                None,
                "operator".to_owned(),
            ),
            Actor::Staff(s) => (
                crate::audit::ActorKind::Staff,
                Some(s.user_id.0),
                s.login.clone(),
            ),
            Actor::Api(a) => (
                crate::audit::ActorKind::Api,
                Some(a.token_id.0),
                a.name.clone(),
            ),
        }
    }

    /// An audit entry for `action` by this actor in `tenant`.
    pub fn audit(&self, tenant: Option<TenantId>, action: &str) -> crate::audit::AuditEntry {
        let (kind, id, label) = self.audit_identity();
        crate::audit::AuditEntry::new(tenant, kind, id, &label, action)
    }

    /// Succeeds if the actor may do `permission` in `tenant`. Staff of another tenant get
    /// `NotFound`, staff of this tenant without the permission get `Forbidden`.
    pub fn require(&self, permission: Permission, tenant: TenantId) -> Result<(), CoreError> {
        match self {
            Actor::Operator => Ok(()),
            Actor::Staff(staff) if staff.tenant_id != tenant => Err(CoreError::NotFound),
            Actor::Staff(staff) if allows(staff.role, permission) => Ok(()),
            Actor::Staff(_) => Err(CoreError::Forbidden),
            Actor::Api(api) if api.tenant_id != tenant => Err(CoreError::NotFound),
            Actor::Api(api) if allows(api.role, permission) => Ok(()),
            Actor::Api(_) => Err(CoreError::Forbidden),
        }
    }

    /// Succeeds only for the instance operator.
    pub fn require_operator(&self) -> Result<(), CoreError> {
        match self {
            Actor::Operator => Ok(()),
            Actor::Staff(_) | Actor::Api(_) => Err(CoreError::Forbidden),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, tenant: i64) -> Actor {
        Actor::Staff(StaffActor {
            user_id: UserId(1),
            login: "tanaka".into(),
            tenant_id: TenantId(tenant),
            role,
            department_id: None,
        })
    }

    #[test]
    fn each_role_has_exactly_its_permissions() {
        use Permission as P;
        let all = [
            P::ManageInstance,
            P::ManageStaff,
            P::BuildApps,
            P::ReviewSubmissions,
            P::ExportSubmissions,
            P::ViewSubmissions,
            P::ViewAudit,
            P::UseConsole,
        ];
        let expected: [(Role, &[P]); 4] = [
            (
                Role::Admin,
                &[
                    P::ManageStaff,
                    P::BuildApps,
                    P::ReviewSubmissions,
                    P::ExportSubmissions,
                    P::ViewSubmissions,
                    P::ViewAudit,
                    P::UseConsole,
                ],
            ),
            (
                Role::Builder,
                &[P::BuildApps, P::ViewSubmissions, P::UseConsole],
            ),
            (
                Role::Reviewer,
                &[
                    P::ReviewSubmissions,
                    P::ExportSubmissions,
                    P::ViewSubmissions,
                    P::UseConsole,
                ],
            ),
            (Role::Viewer, &[P::ViewSubmissions, P::UseConsole]),
        ];
        for (role, allowed) in expected {
            for p in all {
                assert_eq!(allows(role, p), allowed.contains(&p), "{role} {p:?}");
            }
        }
    }

    #[test]
    fn staff_of_another_town_get_not_found_not_forbidden() {
        let err = staff(Role::Admin, 1).require(Permission::ViewSubmissions, TenantId(2));
        assert!(matches!(err, Err(CoreError::NotFound)));
        let err = staff(Role::Viewer, 1).require(Permission::ManageStaff, TenantId(1));
        assert!(matches!(err, Err(CoreError::Forbidden)));
        assert!(
            staff(Role::Admin, 1)
                .require(Permission::ManageStaff, TenantId(1))
                .is_ok()
        );
    }

    #[test]
    fn only_the_operator_manages_the_instance() {
        assert!(Actor::Operator.require_operator().is_ok());
        assert!(staff(Role::Admin, 1).require_operator().is_err());
    }
}
