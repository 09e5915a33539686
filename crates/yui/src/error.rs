//! Errors of the command line, each printed as one line with an exit code: 2 for bad
//! configuration or input, 1 for everything else.

use yui_core::CoreError;
use yui_store::OpenError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Runtime(String),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Config(_) => 2,
            CliError::Runtime(_) => 1,
        }
    }

    pub fn from_open(e: OpenError) -> Self {
        match e {
            OpenError::Config(m) => CliError::Config(m),
            other => CliError::Runtime(other.to_string()),
        }
    }

    pub fn from_core(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(input) => CliError::Config(
                input
                    .problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message_en))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            CoreError::Conflict { field } => CliError::Config(format!("{field} is already taken")),
            CoreError::NotFound => CliError::Config("not found".into()),
            other => CliError::Runtime(other.to_string()),
        }
    }
}

impl From<crate::config::ConfigError> for CliError {
    fn from(e: crate::config::ConfigError) -> Self {
        CliError::Config(e.0)
    }
}
