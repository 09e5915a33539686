//! Administration of towns, departments and staff accounts: what `yui admin …` and the admin
//! pages do. Inputs arrive as raw text and are parsed into domain types here, so every caller
//! gets the same checks and the same error codes.

use yui_domain::japan::LgCode;
use yui_domain::tenant::{DisplayName, LoginName, NewPassword, Role, TenantSlug};

use crate::Yui;
use crate::actor::{Actor, Permission};
use crate::error::{CoreError, FieldProblem, InvalidInput};
use crate::model::{Department, NewStaffUser, NewTenant, StaffUser, Tenant, TenantId};
use crate::password::hash_password;

/// Raw input for a new staff account.
#[derive(Debug, Clone)]
pub struct NewStaffInput {
    pub login: String,
    pub display_name: String,
    pub role: String,
    /// Department name; empty or `None` for none.
    pub department: Option<String>,
    pub password: String,
}

/// Collects field problems so that a form shows every mistake at once.
#[derive(Default)]
struct Problems(Vec<FieldProblem>);

impl Problems {
    fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        code: &'static str,
        message_ja: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldProblem {
                    field: field.to_owned(),
                    code,
                    message_ja: message_ja.to_owned(),
                    message_en: capitalise(&e.to_string()),
                });
                None
            }
        }
    }

    fn finish(self) -> Result<(), CoreError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Invalid(InvalidInput { problems: self.0 }))
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

impl Yui {
    /// Creates a municipality. Only the operator may.
    pub async fn create_tenant(
        &self,
        actor: &Actor,
        slug: &str,
        code: &str,
        name: &str,
    ) -> Result<Tenant, CoreError> {
        actor.require_operator()?;
        let mut p = Problems::default();
        let slug = p.check(
            "slug",
            "tenant.slug_invalid",
            "URL名は英小文字・数字・ハイフンで2〜40文字、英字で始めてください。",
            TenantSlug::parse(slug),
        );
        let code = p.check(
            "code",
            "tenant.code_invalid",
            "全国地方公共団体コード（6桁、検査数字付き）が正しくありません。",
            LgCode::parse(code),
        );
        let name = p.check(
            "name",
            "tenant.name_invalid",
            "自治体名を100文字以内で入力してください。",
            DisplayName::parse(name),
        );
        p.finish()?;
        let (Some(slug), Some(code), Some(name)) = (slug, code, name) else {
            return Err(CoreError::Internal(
                "validated tenant input went missing".into(),
            ));
        };
        let audit = actor
            .audit(None, "tenant.create")
            .detail(&serde_json::json!({
                "slug": slug.as_str(), "code": code.to_string(), "name": name.as_str(),
            }));
        let tenant = self
            .store()
            .create_tenant(&NewTenant { slug, code, name }, self.clock().now(), &audit)
            .await?;
        tracing::info!(event = "tenant.created", tenant.id = %tenant.id, "municipality created");
        Ok(tenant)
    }

    /// The municipality with this URL name.
    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Tenant, CoreError> {
        let slug = TenantSlug::parse(slug).map_err(|_| CoreError::NotFound)?;
        self.store()
            .tenant_by_slug(&slug)
            .await?
            .ok_or(CoreError::NotFound)
    }

    pub async fn tenants(&self) -> Result<Vec<Tenant>, CoreError> {
        Ok(self.store().tenants().await?)
    }

    pub async fn create_department(
        &self,
        actor: &Actor,
        tenant: TenantId,
        name: &str,
    ) -> Result<Department, CoreError> {
        actor.require(Permission::ManageStaff, tenant)?;
        let mut p = Problems::default();
        let name = p.check(
            "name",
            "department.name_invalid",
            "課の名前を100文字以内で入力してください。",
            DisplayName::parse(name),
        );
        p.finish()?;
        let Some(name) = name else {
            return Err(CoreError::Internal(
                "validated department name went missing".into(),
            ));
        };
        Ok(self
            .store()
            .create_department(
                tenant,
                name.as_str(),
                self.clock().now(),
                &actor
                    .audit(Some(tenant), "department.create")
                    .detail(&serde_json::json!({ "name": name.as_str() })),
            )
            .await?)
    }

    pub async fn departments(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<Department>, CoreError> {
        actor.require(Permission::UseConsole, tenant)?;
        Ok(self.store().departments(tenant).await?)
    }

    /// Creates a staff account in `tenant`.
    pub async fn create_staff_user(
        &self,
        actor: &Actor,
        tenant: TenantId,
        input: &NewStaffInput,
    ) -> Result<StaffUser, CoreError> {
        actor.require(Permission::ManageStaff, tenant)?;
        let mut p = Problems::default();
        let login = p.check(
            "login",
            "user.login_invalid",
            "ログイン名は英数字と . _ @ + - で2〜100文字にしてください。",
            LoginName::parse(&input.login),
        );
        let display_name = p.check(
            "display_name",
            "user.name_invalid",
            "氏名を100文字以内で入力してください。",
            DisplayName::parse(&input.display_name),
        );
        let role = p.check(
            "role",
            "user.role_invalid",
            "役割は admin, builder, reviewer, viewer のいずれかです。",
            input.role.parse::<Role>(),
        );
        let password = p.check(
            "password",
            "user.password_invalid",
            "パスワードは12文字以上128文字以内にしてください。",
            NewPassword::parse(&input.password),
        );
        let department = match input.department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => {
                let found = self.store().department_by_name(tenant, name).await?;
                p.check(
                    "department",
                    "user.department_unknown",
                    "その課は登録されていません。",
                    found.ok_or_else(|| format!("no department named {name:?}")),
                )
            }
        };
        p.finish()?;
        let (Some(login), Some(display_name), Some(role), Some(password)) =
            (login, display_name, role, password)
        else {
            return Err(CoreError::Internal(
                "validated staff input went missing".into(),
            ));
        };
        let new = NewStaffUser {
            tenant_id: tenant,
            login,
            display_name,
            role,
            department_id: department.map(|d| d.id),
            password_hash: hash_password(&password).await?,
        };
        let audit = actor
            .audit(Some(tenant), "user.create")
            .subject("user", new.login.as_str())
            .detail(&serde_json::json!({ "role": new.role.as_str() }));
        let user = self
            .store()
            .create_user(&new, self.clock().now(), &audit)
            .await?;
        tracing::info!(event = "user.created", tenant.id = %tenant, user.id = %user.id, "staff account created");
        Ok(user)
    }

    async fn user_by_login(&self, tenant: TenantId, login: &str) -> Result<StaffUser, CoreError> {
        let login = LoginName::parse(login).map_err(|_| CoreError::NotFound)?;
        let (user, _) = self
            .store()
            .user_credentials(tenant, &login)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(user)
    }

    pub async fn staff_users(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<StaffUser>, CoreError> {
        actor.require(Permission::ManageStaff, tenant)?;
        Ok(self.store().users(tenant).await?)
    }

    /// Sets a new password and ends every session of the account.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        tenant: TenantId,
        login: &str,
        password: &str,
    ) -> Result<(), CoreError> {
        actor.require(Permission::ManageStaff, tenant)?;
        let user = self.user_by_login(tenant, login).await?;
        let mut p = Problems::default();
        let password = p.check(
            "password",
            "user.password_invalid",
            "パスワードは12文字以上128文字以内にしてください。",
            NewPassword::parse(password),
        );
        p.finish()?;
        let Some(password) = password else {
            return Err(CoreError::Internal(
                "validated password went missing".into(),
            ));
        };
        let hash = hash_password(&password).await?;
        self.store()
            .set_password_hash(
                tenant,
                user.id,
                &hash,
                self.clock().now(),
                &actor
                    .audit(Some(tenant), "user.password_reset")
                    .subject("user", user.id),
            )
            .await?;
        tracing::info!(event = "user.password_reset", tenant.id = %tenant, user.id = %user.id, "password reset");
        Ok(())
    }

    /// Disables (or re-enables) an account; disabling ends all of its sessions at once.
    pub async fn set_staff_disabled(
        &self,
        actor: &Actor,
        tenant: TenantId,
        login: &str,
        disabled: bool,
    ) -> Result<StaffUser, CoreError> {
        actor.require(Permission::ManageStaff, tenant)?;
        let user = self.user_by_login(tenant, login).await?;
        self.store()
            .set_user_disabled(
                tenant,
                user.id,
                disabled,
                self.clock().now(),
                &actor
                    .audit(
                        Some(tenant),
                        if disabled {
                            "user.disable"
                        } else {
                            "user.enable"
                        },
                    )
                    .subject("user", user.id),
            )
            .await?;
        tracing::info!(event = "user.disabled", tenant.id = %tenant, user.id = %user.id, disabled, "account state changed");
        Ok(StaffUser { disabled, ..user })
    }
}
