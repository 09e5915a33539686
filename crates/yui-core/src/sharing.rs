//! Sharing apps between towns (横展開): packages exported and installed, the catalog this
//! instance publishes, catalogs of other instances that a town follows, adoption reports, and
//! upstream updates merged with local changes.
//!
//! - `publish`: what this instance offers — apps its towns mark as shared, the signed catalog
//!   feed (`/catalog.json`), package files by version, adoption reports received;
//! - `install`: package files — export, inspect, install as a new app (or offer an update);
//! - `follow`: other instances' catalogs — follow (pinning the catalog's key on first fetch),
//!   browse, install from, check for newer versions;
//! - `update`: the update view (upstream diff in words, three-way merge with the local draft)
//!   and taking an update.
//!
//! Trust: every package, catalog and adoption notice is signed with its instance's ed25519
//! key. A followed catalog's key is pinned the first time it is fetched and a changed key is
//! refused; an installed package only takes updates signed with the key it was installed from.

mod follow;
mod install;
mod publish;
mod update;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::CoreError;
use crate::model::{TenantId, UserId};
use crate::packages::{ChangelogEntry, PackageError};
use crate::records::{AppId, AppSummary};

pub use follow::{CatalogPackage, CatalogView, RefreshOutcome};
pub use install::{
    ImportAction, ImportPreview, InstallOptions, InstallOutcome, PackageInfo, inspect_package,
};
pub use publish::SharingStatus;
pub use update::{PendingUpdate, UpdateView, draft_hash};

/// The format name of a catalog document.
pub const CATALOG_FORMAT: &str = "yui-catalog";
/// The format name of an adoption notice.
pub const ADOPTION_FORMAT: &str = "yui-adoption";
/// The job kind that reports an adoption to the package's home instance.
pub const KIND_ADOPTION: &str = "catalog.adoption";
/// Largest catalog document fetched from another instance.
pub const MAX_CATALOG_BYTES: usize = 1024 * 1024;
/// Largest package file accepted (uploaded or fetched).
pub const MAX_PACKAGE_BYTES: usize = 1024 * 1024;
/// Largest adoption notice accepted.
pub const MAX_ADOPTION_BYTES: usize = 8 * 1024;
/// The licence offered first (Creative Commons Attribution 4.0).
pub const DEFAULT_LICENCE: &str = "CC-BY-4.0";
/// Licences offered in the sharing form (any SPDX identifier is accepted).
pub const LICENCES: [&str; 5] = ["CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "MIT", "Apache-2.0"];

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An installed package's row id.
    InstalledPackageId
);
id_type!(
    /// A followed catalog's row id.
    FollowedCatalogId
);

/// An app a town offers in this instance's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedPackage {
    pub tenant_id: TenantId,
    pub app_id: AppId,
    /// `<town code>/<app id>`, stable across versions.
    pub package_id: String,
    pub licence: String,
    pub shared_by: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewSharedPackage {
    pub tenant_id: TenantId,
    pub app_id: AppId,
    pub package_id: String,
    pub licence: String,
    pub shared_by: Option<UserId>,
}

/// A shared app with what the catalog shows about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRow {
    pub shared: SharedPackage,
    pub town_name: String,
    pub town_code: String,
    pub app_slug: String,
    pub published_version: Option<u32>,
    /// Distinct towns that reported installing it.
    pub adoptions: u64,
}

/// A verified report that a town installed a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptionReport {
    pub package_id: String,
    pub town_code: String,
    /// The reporting instance's key.
    pub key_fingerprint: String,
    pub version: u32,
}

/// An app installed from a package, with what updates need: where it came from and the
/// upstream definition it was installed from (the base of the next merge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstalledPackage {
    pub id: InstalledPackageId,
    pub tenant_id: TenantId,
    pub app_id: AppId,
    pub package_id: String,
    /// Only packages signed with this key are taken as updates.
    pub source_fingerprint: String,
    pub source_public_key: String,
    pub author_town: String,
    pub author_code: String,
    /// The catalog it came from (or that the package names), where updates are looked for.
    pub catalog_url: Option<String>,
    pub licence: String,
    pub installed_version: u32,
    /// The upstream definition of `installed_version` (JSON).
    pub base_definition: String,
    /// A newer upstream version waiting for the builder, and its signed file.
    pub pending_version: Option<u32>,
    #[serde(skip)]
    pub pending_package: Option<String>,
    pub installed_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewInstalledPackage {
    pub tenant_id: TenantId,
    pub package_id: String,
    pub source_fingerprint: String,
    pub source_public_key: String,
    pub author_town: String,
    pub author_code: String,
    pub catalog_url: Option<String>,
    pub licence: String,
    pub installed_version: u32,
    pub base_definition: String,
}

/// An update being taken: the merged draft and the new base.
#[derive(Debug, Clone)]
pub struct TakenUpdate {
    pub tenant_id: TenantId,
    pub app_id: AppId,
    /// The upstream version taken (must be the one waiting).
    pub version: u32,
    pub base_definition: String,
    pub draft_definition: String,
    pub summary: AppSummary,
    pub by: Option<UserId>,
}

/// Another instance's catalog that a town follows, with the key pinned on first fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowedCatalog {
    pub id: FollowedCatalogId,
    pub tenant_id: TenantId,
    pub url: String,
    pub key_fingerprint: String,
    pub public_key: String,
    /// The last catalog document fetched (signed JSON as received).
    #[serde(skip)]
    pub document: Option<String>,
    pub last_fetched_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewFollowedCatalog {
    pub tenant_id: TenantId,
    pub url: String,
    pub key_fingerprint: String,
    pub public_key: String,
    pub document: String,
}

/// What a catalog document says (the signed body of `/catalog.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogDocument {
    /// Where this document lives.
    pub url: String,
    /// Where adoption notices go.
    pub adoptions: String,
    /// The instance's public key (base64); the document is signed with it.
    pub public_key: String,
    /// RFC 3339.
    pub generated_at: String,
    pub packages: Vec<CatalogEntry>,
}

/// One package in a catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub id: String,
    pub version: u32,
    pub title: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<serde_json::Value>,
    pub town: String,
    pub town_code: String,
    pub licence: String,
    pub changelog: Vec<ChangelogEntry>,
    /// Distinct towns that reported installing it.
    pub adoptions: u64,
    /// The package file of `version`.
    pub download: String,
    /// RFC 3339.
    pub published_at: String,
}

impl CatalogEntry {
    /// The title in Japanese (or as written).
    pub fn title_ja(&self) -> String {
        text_of(&self.title, "ja")
    }

    pub fn title_in(&self, lang: &str) -> String {
        text_of(&self.title, lang)
    }
}

/// A `Text` JSON value in a language (Japanese when the language is missing).
pub fn text_of(value: &serde_json::Value, lang: &str) -> String {
    serde_json::from_value::<yui_domain::definition::Text>(value.clone())
        .map(|t| t.get(lang).to_owned())
        .unwrap_or_default()
}

/// A `Text` JSON value as `日本語 (English)`, or just the Japanese when there is no English.
pub fn text_in_both(value: &serde_json::Value) -> String {
    let ja = text_of(value, "ja");
    let en = text_of(value, "en");
    if en.is_empty() || en == ja {
        ja
    } else {
        format!("{ja} ({en})")
    }
}

/// A package problem as a use-case error, in both languages.
pub fn package_error(e: &PackageError) -> CoreError {
    let (ja, en) = match e {
        PackageError::NotAPackage => (
            "Yui のパッケージファイルではありません。".to_owned(),
            "This is not a Yui package file.".to_owned(),
        ),
        PackageError::UnsupportedVersion(v) => (
            format!(
                "このファイルは新しい形式（{v}）で作られていて、この Yui では読めません。Yui を更新してください。"
            ),
            format!("This file uses a newer format ({v}) than this Yui reads. Update Yui."),
        ),
        PackageError::BadSignature => (
            "署名が内容と一致しません。署名の後でファイルが書き換えられています。".to_owned(),
            "The signature does not match the contents: the file was changed after it was signed."
                .to_owned(),
        ),
        PackageError::Malformed(what) => (
            format!("ファイルの形式が正しくありません（{what}）。"),
            format!("The file is malformed ({what})."),
        ),
    };
    CoreError::invalid("package", e.code(), ja, en)
}

/// Checks a licence: an SPDX identifier such as `CC-BY-4.0`.
pub fn parse_licence(text: &str) -> Result<String, CoreError> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.len() <= 64
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    if ok {
        Ok(t.to_owned())
    } else {
        Err(CoreError::invalid(
            "licence",
            "package.bad_licence",
            "ライセンスは CC-BY-4.0 のような SPDX 識別子で入力してください。".into(),
            "Enter the licence as an SPDX identifier such as CC-BY-4.0.".into(),
        ))
    }
}

/// `scheme://host[:port]` of an http(s) URL, lowercased.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// A catalog URL as typed (`https://yui.example.jp` or `…/catalog.json`), checked and
/// completed to the document's URL.
pub fn normalise_catalog_url(text: &str) -> Result<String, CoreError> {
    let t = text.trim();
    let bad = || {
        CoreError::invalid(
            "url",
            "catalog.bad_url",
            "カタログのURLは http:// または https:// で始まるアドレスで入力してください（例: https://yui.example.lg.jp/catalog.json）。".into(),
            "Enter the catalog's address starting with http:// or https:// (for example https://yui.example.lg.jp/catalog.json).".into(),
        )
    };
    let Some(origin) = origin(t) else {
        return Err(bad());
    };
    if t.len() > 2000 || t.contains('#') || t.contains(char::is_whitespace) {
        return Err(bad());
    }
    let path = &t[origin.len()..];
    Ok(if path.is_empty() || path == "/" {
        format!("{origin}/catalog.json")
    } else {
        format!("{origin}{path}")
    })
}

/// Where adoption notices for a catalog go when the document does not say.
pub(crate) fn adoptions_url_for(catalog_url: &str) -> String {
    match catalog_url.strip_suffix("catalog.json") {
        Some(base) => format!("{base}catalog/adoptions"),
        None => format!("{}/catalog/adoptions", catalog_url.trim_end_matches('/')),
    }
}

/// Whether a text is a valid app id: `[a-z][a-z0-9-]{1,62}`.
pub fn valid_slug(slug: &str) -> bool {
    let mut chars = slug.chars();
    matches!(chars.next(), Some('a'..='z'))
        && (2..=63).contains(&slug.len())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// RFC 3339 text of a time.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_urls_are_completed_and_checked() {
        assert_eq!(
            normalise_catalog_url(" https://Yui.Example.jp ").unwrap(),
            "https://yui.example.jp/catalog.json"
        );
        assert_eq!(
            normalise_catalog_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080/catalog.json"
        );
        assert_eq!(
            normalise_catalog_url("https://a.example/town/catalog.json").unwrap(),
            "https://a.example/town/catalog.json"
        );
        for bad in [
            "ftp://a.example/",
            "a.example",
            "https://user@a.example/",
            "https:///x",
            "https://a.example/#x",
        ] {
            assert!(normalise_catalog_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn adoption_reports_go_next_to_the_catalog() {
        assert_eq!(
            adoptions_url_for("http://127.0.0.1:8080/catalog.json"),
            "http://127.0.0.1:8080/catalog/adoptions"
        );
    }

    #[test]
    fn licences_are_spdx_identifiers() {
        assert_eq!(parse_licence(" CC-BY-4.0 ").unwrap(), "CC-BY-4.0");
        assert!(parse_licence("").is_err());
        assert!(parse_licence("CC BY").is_err());
    }

    #[test]
    fn app_ids_follow_the_definition_rule() {
        assert!(valid_slug("play-room-booking-2"));
        assert!(!valid_slug("Play"));
        assert!(!valid_slug("a"));
        assert!(!valid_slug("2nd"));
    }
}
