//! Errors in a definition: what is wrong, where (path, line, column, and the column inside an
//! expression), in Japanese and English, with a stable code.

use std::fmt;

use crate::expr::ExprError;

/// One problem in a definition.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DefinitionError {
    /// Stable code, e.g. `definition.unknown_key`, `field.duplicate_name`, `expr.unknown_field`.
    pub code: &'static str,
    pub message_ja: String,
    pub message_en: String,
    /// Where in the definition: `fields[3].relevant`, `choices.shelters[1].name`; empty for the
    /// document as a whole.
    pub path: String,
    /// 1-based line in the source text, when the definition was read from text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column (in characters) in the source text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// For expression errors: the 1-based column inside the expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expr_column: Option<u32>,
}

impl DefinitionError {
    pub(crate) fn new(
        code: &'static str,
        path: impl Into<String>,
        message_ja: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        DefinitionError {
            code,
            message_ja: message_ja.into(),
            message_en: message_en.into(),
            path: path.into(),
            line: None,
            column: None,
            expr_column: None,
        }
    }

    pub(crate) fn from_expr(path: impl Into<String>, error: ExprError) -> Self {
        DefinitionError {
            code: error.code,
            expr_column: Some(error.column()),
            message_ja: error.message_ja,
            message_en: error.message_en,
            path: path.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, "{line}:{column}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{} [{}]", self.message_en, self.code)
    }
}

impl std::error::Error for DefinitionError {}

/// Every problem found in a definition, in document order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct DefinitionErrors(pub Vec<DefinitionError>);

impl DefinitionErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, DefinitionError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any error has this code.
    pub fn has(&self, code: &str) -> bool {
        self.0.iter().any(|e| e.code == code)
    }
}

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DefinitionErrors {}

impl IntoIterator for DefinitionErrors {
    type Item = DefinitionError;
    type IntoIter = std::vec::IntoIter<DefinitionError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a DefinitionErrors {
    type Item = &'a DefinitionError;
    type IntoIter = std::slice::Iter<'a, DefinitionError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
