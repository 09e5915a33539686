//! Staff sign-in and sessions: password check with Argon2id, throttling per account and per
//! client address, server-side sessions with idle and absolute expiry, revocation on sign-out,
//! password reset and account disabling.

use std::net::IpAddr;

use time::OffsetDateTime;
use yui_domain::tenant::{LoginName, TenantSlug};

use crate::Yui;
use crate::actor::{Actor, StaffActor};
use crate::audit::{ActorKind, AuditEntry};
use crate::error::CoreError;
use crate::model::{SessionRecord, StaffUser, Tenant};
use crate::password::{verify_against_dummy, verify_password};
use crate::token::{hash_token, new_token};

/// A successful sign-in: the token goes into the session cookie and nowhere else.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub session: StaffSession,
}

/// A live staff session with everything a page needs to know about who is signed in.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub tenant: Tenant,
    pub user: StaffUser,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

impl StaffSession {
    pub fn actor(&self) -> Actor {
        Actor::Staff(StaffActor {
            user_id: self.user.id,
            login: self.user.login.as_str().to_owned(),
            tenant_id: self.user.tenant_id,
            role: self.user.role,
            department_id: self.user.department_id,
        })
    }
}

/// Only touch `last_seen_at` when it is older than this, so that reading pages does not
/// write to the database on every request.
const TOUCH_INTERVAL: time::Duration = time::Duration::minutes(1);

fn failed_sign_in() -> CoreError {
    CoreError::invalid(
        "password",
        "auth.failed",
        "ログイン名またはパスワードが正しくありません。".to_owned(),
        "The login name or password is not correct.".to_owned(),
    )
}

impl Yui {
    /// Signs a staff member of `tenant` in. Unknown towns, unknown logins, disabled accounts and
    /// wrong passwords all fail the same way, in the same time.
    pub async fn sign_in(
        &self,
        tenant: &str,
        login: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<SignedIn, CoreError> {
        let now = self.clock().now();
        let window_start = now - self.settings().throttle_window;
        let tenant = match TenantSlug::parse(tenant) {
            Ok(slug) => self.store().tenant_by_slug(&slug).await?,
            Err(_) => None,
        };
        let login_name = LoginName::parse(login).ok();
        let account_key = match (&tenant, &login_name) {
            (Some(t), Some(l)) => Some(format!("account:{}:{}", t.id, l)),
            _ => None,
        };
        let address_key = client.map(|ip| format!("address:{ip}"));

        self.check_throttle(
            account_key.as_deref(),
            self.settings().max_failures_per_account,
            now,
        )
        .await?;
        self.check_throttle(
            address_key.as_deref(),
            self.settings().max_failures_per_address,
            now,
        )
        .await?;

        let credentials = match (&tenant, &login_name) {
            (Some(t), Some(l)) => self.store().user_credentials(t.id, l).await?,
            _ => None,
        };
        let verified = match &credentials {
            Some((user, hash)) if !user.disabled => verify_password(password, hash).await?,
            _ => {
                verify_against_dummy(password).await?;
                false
            }
        };
        let (Some(tenant), Some((user, _)), true) = (tenant.clone(), credentials, verified) else {
            for key in [account_key.as_deref(), address_key.as_deref()]
                .into_iter()
                .flatten()
            {
                self.store().record_failure(key, now, window_start).await?;
            }
            let attempted: String = login.trim().chars().take(100).collect();
            let audit = AuditEntry::new(
                tenant.as_ref().map(|t| t.id),
                ActorKind::Staff,
                None,
                &attempted,
                "staff.sign_in_failed",
            )
            .client(client);
            self.store().append_audit(&audit, now).await?;
            tracing::info!(event = "sign_in.failed", "staff sign-in failed");
            return Err(failed_sign_in());
        };
        if let Some(key) = &account_key {
            self.store().clear_failures(key).await?;
        }

        let token = new_token()?;
        let record = SessionRecord {
            token_hash: hash_token(&token),
            user_id: user.id,
            tenant_id: tenant.id,
            csrf_token: new_token()?,
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings().session_absolute,
        };
        let audit = AuditEntry::new(
            Some(tenant.id),
            ActorKind::Staff,
            Some(user.id.0),
            user.login.as_str(),
            "staff.sign_in",
        )
        .client(client);
        self.store().create_session(&record, &audit).await?;
        tracing::info!(event = "sign_in.ok", tenant.id = %tenant.id, user.id = %user.id, "staff signed in");
        Ok(SignedIn {
            token,
            session: StaffSession {
                tenant,
                user,
                csrf_token: record.csrf_token,
                expires_at: record.expires_at,
            },
        })
    }

    async fn check_throttle(
        &self,
        key: Option<&str>,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<(), CoreError> {
        let Some(key) = key else { return Ok(()) };
        let window = self.settings().throttle_window;
        if let Some((failures, started)) = self.store().failures(key, now - window).await?
            && failures >= limit
        {
            let retry_after = (started + window - now).whole_seconds().max(1);
            tracing::warn!(event = "sign_in.throttled", "sign-in throttled");
            return Err(CoreError::Throttled {
                retry_after_secs: retry_after.unsigned_abs(),
            });
        }
        Ok(())
    }

    /// The live session for a cookie token, if any. Expired sessions, revoked sessions and
    /// sessions of disabled users are `None`.
    pub async fn session(&self, token: &str) -> Result<Option<StaffSession>, CoreError> {
        let now = self.clock().now();
        let hash = hash_token(token);
        let Some((record, user)) = self
            .store()
            .live_session(&hash, now, now - self.settings().session_idle)
            .await?
        else {
            return Ok(None);
        };
        let Some(tenant) = self.store().tenant(record.tenant_id).await? else {
            return Ok(None);
        };
        if now - record.last_seen_at >= TOUCH_INTERVAL {
            self.store().touch_session(&hash, now).await?;
        }
        Ok(Some(StaffSession {
            tenant,
            user,
            csrf_token: record.csrf_token,
            expires_at: record.expires_at,
        }))
    }

    /// Ends the session with this token, if it exists, and records the sign-out.
    pub async fn sign_out(&self, session: &StaffSession, token: &str) -> Result<(), CoreError> {
        let audit = session
            .actor()
            .audit(Some(session.tenant.id), "staff.sign_out");
        self.store()
            .delete_session(&hash_token(token), self.clock().now(), Some(&audit))
            .await?;
        Ok(())
    }

    /// Deletes expired sessions; run periodically by the server.
    pub async fn sweep_sessions(&self) -> Result<u64, CoreError> {
        let now = self.clock().now();
        Ok(self
            .store()
            .delete_expired_sessions(now, now - self.settings().session_idle)
            .await?)
    }
}
