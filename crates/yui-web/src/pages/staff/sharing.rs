//! Pieces the sharing pages have in common (import, catalogs, an app's sharing and update
//! pages): problems from a use case as inline errors, a package's provenance and a list of
//! changes in words, ready for the templates.

use minijinja::{Value, context};
use yui_core::CoreError;
use yui_core::packages::PackageManifest;
use yui_core::sharing::{InstalledPackage, PackageInfo, text_of};
use yui_domain::diff::words::{ChangeNote, Section};

use crate::error::AppError;
use crate::i18n::Lang;

/// A use case's complaint as `(field, message)` pairs for the error summary; anything else
/// ends the request.
pub fn problems(lang: Lang, e: CoreError) -> Result<Vec<(String, String)>, AppError> {
    match e {
        CoreError::Invalid(input) => Ok(input
            .problems
            .into_iter()
            .map(|p| {
                let message = match lang {
                    Lang::Ja => p.message_ja,
                    Lang::En => p.message_en,
                };
                (p.field, message)
            })
            .collect()),
        CoreError::Definition(errors) => Ok(errors
            .0
            .into_iter()
            .map(|d| {
                let message = match lang {
                    Lang::Ja => d.message_ja,
                    Lang::En => d.message_en,
                };
                ("definition".to_owned(), message)
            })
            .collect()),
        CoreError::Conflict { .. } => Ok(vec![(
            "conflict".to_owned(),
            lang.t("sharing-changed-meanwhile"),
        )]),
        other => Err(AppError::from_core(lang, other)),
    }
}

/// Reads one value of a form posted as pairs.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `YYYY-MM-DD` of an RFC 3339 time.
pub fn date(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// A manifest's title and provenance.
pub fn manifest(lang: Lang, m: &PackageManifest, fingerprint: &str) -> Value {
    let changelog: Vec<Value> = m
        .changelog
        .iter()
        .rev()
        .map(|c| context! { version => c.version, date => &c.date, summary => &c.summary })
        .collect();
    context! {
        id => &m.id,
        version => m.version,
        title => text_of(&m.title, lang.code()),
        town => &m.author.town,
        code => &m.author.code,
        catalog => &m.author.catalog,
        licence => &m.licence,
        published => date(&m.published_at),
        fingerprint => fingerprint,
        changelog => changelog,
    }
}

/// A verified file's provenance, with what is inside.
pub fn provenance(lang: Lang, info: &PackageInfo) -> Value {
    fn count(fields: &[yui_domain::definition::Field]) -> usize {
        fields
            .iter()
            .map(|f| usize::from(f.field_type.is_input()) + count(&f.fields))
            .sum()
    }
    context! {
        questions => count(&info.definition.fields),
        ..manifest(lang, &info.manifest, &info.key_fingerprint)
    }
}

/// Where an installed app came from.
pub fn installed(p: &InstalledPackage) -> Value {
    context! {
        package_id => &p.package_id,
        town => &p.author_town,
        code => &p.author_code,
        version => p.installed_version,
        pending => p.pending_version,
        fingerprint => &p.source_fingerprint,
        catalog => &p.catalog_url,
        licence => &p.licence,
    }
}

/// Changes in words, grouped by section in a fixed order: `[{title, items: [text]}]`.
pub fn change_groups(lang: Lang, notes: &[ChangeNote]) -> Vec<Value> {
    Section::ALL
        .into_iter()
        .filter_map(|section| {
            let items: Vec<String> = notes
                .iter()
                .filter(|n| n.section == section)
                .map(|n| match lang {
                    Lang::Ja => n.ja.clone(),
                    Lang::En => n.en.clone(),
                })
                .collect();
            if items.is_empty() {
                return None;
            }
            let title = match lang {
                Lang::Ja => section.title_ja(),
                Lang::En => section.title_en(),
            };
            Some(context! { key => section.as_str(), title => title, items => items })
        })
        .collect()
}
