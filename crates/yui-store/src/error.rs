//! Maps database errors onto [`StoreError`]: named constraints become field-level conflicts,
//! full disks and lost connections become "unavailable", everything else is internal.

use yui_core::ports::StoreError;

/// Known constraints: PostgreSQL reports the constraint's name, SQLite only the columns.
const CONSTRAINTS: &[(&str, &str, &str)] = &[
    ("tenant_slug_key", "tenant.slug", "slug"),
    ("tenant_code_key", "tenant.code", "code"),
    (
        "department_name_key",
        "department.tenant_id, department.name",
        "name",
    ),
    (
        "staff_user_login_key",
        "staff_user.tenant_id, staff_user.login",
        "login",
    ),
    ("staff_user_department_fkey", "", "department"),
    ("staff_user_role_check", "staff_user_role_check", "role"),
    ("app_slug_key", "app.tenant_id, app.slug", "slug"),
    ("app_department_fkey", "", "department"),
    (
        "submission_idempotency_key",
        "submission.tenant_id, submission.idempotency_key",
        "idempotency_key",
    ),
    ("draft_token_key", "draft.token_hash", "token"),
    (
        "installed_package_package_key",
        "installed_package.tenant_id, installed_package.package_id",
        "package",
    ),
    (
        "followed_catalog_url_key",
        "followed_catalog.tenant_id, followed_catalog.url",
        "url",
    ),
    (
        "api_token_name_key",
        "api_token.tenant_id, api_token.name",
        "name",
    ),
];

pub(crate) fn map(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(db) => {
            let code = db
                .code()
                .map(std::borrow::Cow::into_owned)
                .unwrap_or_default();
            let message = db.message().to_owned();
            if let Some(field) = conflict_field(db.constraint(), &message, db.kind()) {
                return StoreError::Conflict { field };
            }
            if is_unavailable_code(&code) {
                StoreError::Unavailable(message)
            } else {
                StoreError::Internal(format!("database error {code}: {message}"))
            }
        }
        sqlx::Error::Io(e) => StoreError::Unavailable(e.to_string()),
        sqlx::Error::PoolTimedOut => StoreError::Unavailable("database pool timed out".into()),
        sqlx::Error::PoolClosed => StoreError::Unavailable("database pool closed".into()),
        sqlx::Error::Tls(e) => StoreError::Unavailable(e.to_string()),
        other => StoreError::Internal(other.to_string()),
    }
}

fn conflict_field(
    constraint: Option<&str>,
    message: &str,
    kind: sqlx::error::ErrorKind,
) -> Option<&'static str> {
    use sqlx::error::ErrorKind as K;
    if !matches!(
        kind,
        K::UniqueViolation | K::ForeignKeyViolation | K::CheckViolation
    ) {
        return None;
    }
    let known = CONSTRAINTS.iter().find(|(name, columns, _)| {
        constraint == Some(*name) || (!columns.is_empty() && message.ends_with(columns))
    });
    Some(known.map_or(
        match kind {
            K::ForeignKeyViolation => "reference",
            _ => "unique",
        },
        |(_, _, field)| field,
    ))
}

/// SQLITE_FULL (13), SQLITE_IOERR (10 and extended codes), SQLITE_BUSY (5), SQLITE_CANTOPEN
/// (14); PostgreSQL class 08 (connection), 53 (insufficient resources), 57P0x (shutdown).
fn is_unavailable_code(code: &str) -> bool {
    if let Ok(n) = code.parse::<i64>() {
        return matches!(n & 0xff, 5 | 10 | 13 | 14);
    }
    code.starts_with("08") || code.starts_with("53") || code.starts_with("57P0")
}
