//! API tokens: how other systems of a municipality (its document management, an RPA robot, a
//! data warehouse) call `/api/v1`. A token belongs to one town and carries one role; what it
//! may do is decided by the same permission matrix as for staff ([`crate::actor::allows`]).
//! The token is 256 random bits shown once when created; only its SHA-256 hash is stored, so
//! a copy of the database cannot call the API. Revoked tokens stop working at once.

use serde::Serialize;
use time::OffsetDateTime;
use yui_domain::tenant::Role;

use crate::Yui;
use crate::actor::{Actor, ApiActor, Permission};
use crate::error::CoreError;
use crate::model::{Tenant, TenantId};
use crate::token::{hash_token, new_token};

/// Tokens are recognisable in logs and secret scanners by this prefix.
pub const TOKEN_PREFIX: &str = "yui_";

/// Only touch `last_used_at` when it is older than this, so that reading does not write to
/// the database on every call.
const TOUCH_INTERVAL: time::Duration = time::Duration::minutes(1);

/// A token's row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ApiTokenId(pub i64);

impl std::fmt::Display for ApiTokenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A stored token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRecord {
    pub id: ApiTokenId,
    pub tenant_id: TenantId,
    /// What the token is for, e.g. `文書管理システム連携`; unique among a town's live tokens.
    pub name: String,
    pub role: Role,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub tenant_id: TenantId,
    pub token_hash: String,
    pub name: String,
    pub role: Role,
}

/// A token just created: the secret is here and nowhere else, ever again.
#[derive(Debug)]
pub struct CreatedApiToken {
    pub record: ApiTokenRecord,
    pub token: String,
}

fn invalid(field: &str, code: &'static str, ja: &str, en: &str) -> CoreError {
    CoreError::invalid(field, code, ja.to_owned(), en.to_owned())
}

impl Yui {
    /// Creates a token for `tenant` with `role`. Needs [`Permission::ManageStaff`].
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        tenant: TenantId,
        name: &str,
        role: &str,
    ) -> Result<CreatedApiToken, CoreError> {
        actor.require(Permission::ManageStaff, tenant)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(invalid(
                "name",
                "api_token.name_invalid",
                "トークンの名前（用途）を100文字以内で入力してください。",
                "Give the token a name (its purpose) of at most 100 characters.",
            ));
        }
        let role: Role = role.trim().parse().map_err(|_| {
            invalid(
                "role",
                "api_token.role_invalid",
                "役割は admin、builder、reviewer、viewer のいずれかです。",
                "The role must be admin, builder, reviewer or viewer.",
            )
        })?;
        let token = format!("{TOKEN_PREFIX}{}", new_token()?);
        let new = NewApiToken {
            tenant_id: tenant,
            token_hash: hash_token(&token),
            name: name.to_owned(),
            role,
        };
        let audit = actor
            .audit(Some(tenant), "api_token.create")
            .detail(&serde_json::json!({ "name": name, "role": role.as_str() }));
        let record = self
            .store()
            .create_api_token(&new, self.clock().now(), &audit)
            .await
            .map_err(|e| match CoreError::from(e) {
                CoreError::Conflict { .. } => invalid(
                    "name",
                    "api_token.name_taken",
                    "同じ名前の有効なトークンがあります。別の名前にしてください。",
                    "A live token already has this name; choose another.",
                ),
                other => other,
            })?;
        Ok(CreatedApiToken { record, token })
    }

    /// A town's tokens, live and revoked, newest first.
    pub async fn api_tokens(
        &self,
        actor: &Actor,
        tenant: TenantId,
    ) -> Result<Vec<ApiTokenRecord>, CoreError> {
        actor.require(Permission::ManageStaff, tenant)?;
        Ok(self.store().api_tokens(tenant).await?)
    }

    /// Revokes a live token; it stops working on its next call.
    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: ApiTokenId,
    ) -> Result<(), CoreError> {
        actor.require(Permission::ManageStaff, tenant)?;
        let token = self
            .store()
            .api_tokens(tenant)
            .await?
            .into_iter()
            .find(|t| t.id == id && t.revoked_at.is_none())
            .ok_or(CoreError::NotFound)?;
        let audit = actor
            .audit(Some(tenant), "api_token.revoke")
            .subject("api_token", id)
            .detail(&serde_json::json!({ "name": token.name }));
        Ok(self
            .store()
            .revoke_api_token(tenant, id, self.clock().now(), &audit)
            .await?)
    }

    /// The actor behind a bearer token, with its town. Unknown and revoked tokens are the same
    /// `NotFound`, so a caller learns nothing about which tokens exist.
    pub async fn authenticate_api_token(&self, token: &str) -> Result<(Actor, Tenant), CoreError> {
        let token = token.trim();
        if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
            return Err(CoreError::NotFound);
        }
        let (record, tenant) = self
            .store()
            .api_token_by_hash(&hash_token(token))
            .await?
            .filter(|(r, _)| r.revoked_at.is_none())
            .ok_or(CoreError::NotFound)?;
        let now = self.clock().now();
        if record
            .last_used_at
            .is_none_or(|at: OffsetDateTime| now - at >= TOUCH_INTERVAL)
        {
            self.store().touch_api_token(record.id, now).await?;
        }
        let actor = Actor::Api(ApiActor {
            token_id: record.id,
            name: record.name,
            tenant_id: record.tenant_id,
            role: record.role,
        });
        Ok((actor, tenant))
    }
}
