//! Tenants (municipalities), departments, staff accounts and their roles.
//!
//! These are the validating constructors for what an operator or admin types when creating
//! a town or an account; the rules that decide who may do what live in [`Role`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A staff role, scoped to one tenant (and optionally one department).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages staff accounts, departments and the town's settings; can do everything.
    Admin,
    /// Builds and publishes apps.
    Builder,
    /// Processes submissions: reviews, returns for correction, completes, exports.
    Reviewer,
    /// Reads submissions and dashboards, changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Builder, Role::Reviewer, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Builder => "builder",
            Role::Reviewer => "reviewer",
            Role::Viewer => "viewer",
        }
    }

    /// The role's name as staff see it in Japanese.
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Admin => "管理者",
            Role::Builder => "アプリ作成者",
            Role::Reviewer => "担当職員",
            Role::Viewer => "閲覧者",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Builder => "Builder",
            Role::Reviewer => "Reviewer",
            Role::Viewer => "Viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected one of admin, builder, reviewer, viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Path segments Yui itself uses at the top of the URL space; a town may not take them.
const RESERVED_SLUGS: &[&str] = &[
    "api",
    "static",
    "assets",
    "healthz",
    "readyz",
    "metrics",
    "staff",
    "login",
    "logout",
    "admin",
    "favicon.ico",
    "robots.txt",
    "catalog",
    "counter",
    "d",
    "r",
];

/// The short ASCII name that appears in a town's URLs, e.g. `oguni` in `/oguni/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug has 2 to 40 characters")]
    Length,
    #[error("a slug uses only lowercase letters a-z, digits and '-', and starts with a letter")]
    Characters,
    #[error("{0:?} is reserved by Yui")]
    Reserved(String),
}

impl TenantSlug {
    pub fn parse(text: &str) -> Result<Self, SlugError> {
        let len = text.len();
        if !(2..=40).contains(&len) {
            return Err(SlugError::Length);
        }
        let ok_chars = text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let starts_with_letter = text.as_bytes()[0].is_ascii_lowercase();
        if !ok_chars || !starts_with_letter || text.ends_with('-') {
            return Err(SlugError::Characters);
        }
        if RESERVED_SLUGS.contains(&text) {
            return Err(SlugError::Reserved(text.to_owned()));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TenantSlug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TenantSlug> for String {
    fn from(value: TenantSlug) -> Self {
        value.0
    }
}

/// A display name (town, department, person): trimmed, non-empty, bounded, and never
/// Unicode-normalised, because some name kanji change under NFC.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {0} characters")]
    TooLong(usize),
    #[error("the name contains a control character")]
    Control,
}

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(text: &str) -> Result<Self, DisplayNameError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(DisplayNameError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(DisplayNameError::TooLong(Self::MAX_CHARS));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(DisplayNameError::Control);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DisplayName {
    type Error = DisplayNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DisplayName> for String {
    fn from(value: DisplayName) -> Self {
        value.0
    }
}

/// The name a staff member signs in with, unique within a tenant (often an e-mail address).
/// Compared case-insensitively, so it is stored lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LoginName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginNameError {
    #[error("a login name has 2 to 100 characters")]
    Length,
    #[error("a login name uses letters a-z, digits and . _ @ + -")]
    Characters,
}

impl LoginName {
    pub fn parse(text: &str) -> Result<Self, LoginNameError> {
        let lowered = text.trim().to_ascii_lowercase();
        if !(2..=100).contains(&lowered.len()) {
            return Err(LoginNameError::Length);
        }
        let ok = lowered
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-_@+".contains(&b));
        if !ok {
            return Err(LoginNameError::Characters);
        }
        Ok(Self(lowered))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LoginName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for LoginName {
    type Error = LoginNameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LoginName> for String {
    fn from(value: LoginName) -> Self {
        value.0
    }
}

/// A new password, checked against the minimum Yui accepts (ASVS 6.2: at least 12 characters,
/// no composition rules, at most 128 so hashing cost stays bounded).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has at least {0} characters")]
    TooShort(usize),
    #[error("a password has at most {0} characters")]
    TooLong(usize),
}

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(text: &str) -> Result<Self, PasswordError> {
        let n = text.chars().count();
        if n < Self::MIN_CHARS {
            return Err(PasswordError::TooShort(Self::MIN_CHARS));
        }
        if n > Self::MAX_CHARS {
            return Err(PasswordError::TooLong(Self::MAX_CHARS));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn slugs_are_lowercase_ascii_and_not_reserved() {
        assert!(TenantSlug::parse("oguni").is_ok());
        assert!(TenantSlug::parse("nakatsu-city").is_ok());
        assert_eq!(TenantSlug::parse("Oguni"), Err(SlugError::Characters));
        assert_eq!(TenantSlug::parse("1town"), Err(SlugError::Characters));
        assert_eq!(TenantSlug::parse("town-"), Err(SlugError::Characters));
        assert_eq!(TenantSlug::parse("x"), Err(SlugError::Length));
        assert_eq!(
            TenantSlug::parse("api"),
            Err(SlugError::Reserved("api".into()))
        );
        assert_eq!(
            TenantSlug::parse("staff"),
            Err(SlugError::Reserved("staff".into()))
        );
    }

    #[test]
    fn display_names_keep_compatibility_kanji() {
        // U+FA19 would become U+795E under NFC; a name must be stored exactly as typed.
        let name = DisplayName::parse(" \u{FA19}山町 ").unwrap();
        assert_eq!(name.as_str(), "\u{FA19}山町");
        assert_eq!(DisplayName::parse("   "), Err(DisplayNameError::Empty));
        assert_eq!(
            DisplayName::parse("a\u{0}b"),
            Err(DisplayNameError::Control)
        );
    }

    #[test]
    fn login_names_are_case_insensitive() {
        assert_eq!(
            LoginName::parse("Tanaka@Town.example").unwrap().as_str(),
            "tanaka@town.example"
        );
        assert_eq!(LoginName::parse("田中"), Err(LoginNameError::Characters));
    }

    #[test]
    fn passwords_have_a_length_floor_and_ceiling() {
        assert_eq!(
            NewPassword::parse("short"),
            Err(PasswordError::TooShort(12))
        );
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", NewPassword::parse("correct horse battery").unwrap()),
            "NewPassword(***)"
        );
    }
}
