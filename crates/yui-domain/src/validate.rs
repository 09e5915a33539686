//! Validation of submissions against a [`Form`](crate::definition::Form): raw answers become
//! normalised, typed answers, relevance and calculations are worked out, and each answer gets
//! its violations.

mod engine;
mod normalize;
mod violation;

#[cfg(test)]
mod tests;

pub use crate::expr::EvalContext;
pub use engine::{Evaluation, FieldState};
pub use normalize::{
    DEFAULT_FILE_TYPES, DEFAULT_IMAGE_TYPES, DEFAULT_MAX_SIZE_MB, DEFAULT_TEXT_CHARS,
    MAX_TEXT_CHARS,
};
pub use violation::{ValidationReport, Violation};

pub(crate) use normalize::normalize as normalize_value;
