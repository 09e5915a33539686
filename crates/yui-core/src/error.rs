//! The errors a use case returns. The web layer renders each kind once (HTML page, inline
//! form errors or JSON); `code()` is stable because support desks quote it.

use crate::ports::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The thing does not exist, or exists in another tenant: both look the same from outside.
    #[error("not found")]
    NotFound,
    /// The actor is known but may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The request clashes with existing data, e.g. a login name already taken.
    #[error("conflict on {field}")]
    Conflict { field: &'static str },
    /// The input is invalid; the report says which field and why.
    #[error("invalid input")]
    Invalid(InvalidInput),
    /// A definition does not read or does not pass its checks; each error has a place.
    #[error("invalid definition: {0}")]
    Definition(yui_domain::definition::DefinitionErrors),
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many attempts")]
    Throttled { retry_after_secs: u64 },
    /// A dependency (database, disk) is temporarily unavailable; try again later.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; logged with its cause, shown to nobody.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::NotFound => "not_found",
            CoreError::Forbidden => "forbidden",
            CoreError::Conflict { .. } => "conflict",
            CoreError::Invalid(_) => "invalid",
            CoreError::Definition(_) => "definition",
            CoreError::Throttled { .. } => "throttled",
            CoreError::Unavailable(_) => "unavailable",
            CoreError::Internal(_) => "internal",
        }
    }

    /// A single-field invalid-input error.
    pub fn invalid(
        field: &str,
        code: &'static str,
        message_ja: String,
        message_en: String,
    ) -> Self {
        CoreError::Invalid(InvalidInput {
            problems: vec![FieldProblem {
                field: field.to_owned(),
                code,
                message_ja,
                message_en,
            }],
        })
    }
}

/// Problems with input, by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvalidInput {
    pub problems: Vec<FieldProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub code: &'static str,
    pub message_ja: String,
    pub message_en: String,
}

impl From<StoreError> for CoreError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => CoreError::NotFound,
            StoreError::Conflict { field } => CoreError::Conflict { field },
            StoreError::Unavailable(m) => CoreError::Unavailable(m),
            StoreError::Internal(m) => CoreError::Internal(m),
        }
    }
}
