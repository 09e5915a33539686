//! `GET /{town}`: the town's front page. Lists the procedures open now; `?q=` finds them by the
//! words residents use (titles, descriptions and each app's keywords, which act as synonyms:
//! 引っ越し finds 転入届), `?category=` narrows to one category.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use yui_core::apps::PublishedApp;
use yui_domain::japan::text::search_key;

use super::view::Localised;
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::templates::{render, ser};

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
}

#[derive(Serialize)]
struct AppItem {
    slug: String,
    title: Localised,
    description: Option<Localised>,
    category: Option<String>,
}

#[derive(Serialize)]
struct CategoryItem {
    slug: String,
    name: String,
    count: usize,
}

/// The longest search text considered; residents type a few words.
const MAX_QUERY_CHARS: usize = 100;

pub async fn get_town_home(
    State(state): State<AppState>,
    Path(town): Path<String>,
    Query(query): Query<HomeQuery>,
    lang: Lang,
) -> Result<Response, AppError> {
    let tenant = super::town(&state, &town, lang).await?;
    let apps = state
        .yui
        .open_apps(tenant.id)
        .await
        .map_err(|e| AppError::from_core(lang, e))?;
    let q: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let category = query.category.trim();
    let categories = categories(&apps, lang);
    let found: Vec<AppItem> = apps
        .iter()
        .filter(|a| category.is_empty() || a.app.summary.category.as_deref() == Some(category))
        .filter(|a| matches_query(&a.app.summary.search_text, &q))
        .map(|a| item(a, lang))
        .collect();
    Ok(render(
        lang,
        "resident/home.html",
        context! {
            town => ser(&tenant),
            apps => ser(&found),
            categories => ser(&categories),
            q => q,
            category => category,
        },
    )?
    .into_response())
}

/// Whether every word of the query occurs in an app's search text (both normalised the same
/// way: NFKC, katakana, no spaces).
pub fn matches_query(search_text: &str, query: &str) -> bool {
    query
        .split_whitespace()
        .map(search_key)
        .filter(|w| !w.is_empty())
        .all(|w| search_text.contains(&w))
}

/// A category's name: the common ones are translated, others are shown as written.
pub fn category_name(slug: &str, lang: Lang) -> String {
    let key = format!("category-{slug}");
    if lang.has(&key) {
        lang.t(&key)
    } else {
        slug.to_owned()
    }
}

fn categories(apps: &[PublishedApp], lang: Lang) -> Vec<CategoryItem> {
    let mut out: Vec<CategoryItem> = Vec::new();
    for app in apps {
        let Some(slug) = app.app.summary.category.as_deref() else {
            continue;
        };
        match out.iter_mut().find(|c| c.slug == slug) {
            Some(c) => c.count += 1,
            None => out.push(CategoryItem {
                slug: slug.to_owned(),
                name: category_name(slug, lang),
                count: 1,
            }),
        }
    }
    out
}

fn item(app: &PublishedApp, lang: Lang) -> AppItem {
    let def = app.form.definition();
    AppItem {
        slug: app.app.slug.clone(),
        title: Localised::of(&def.title, lang),
        description: def.description.as_ref().map(|d| Localised::of(d, lang)),
        category: def.category.as_deref().map(|c| category_name(c, lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residents_words_match_keywords_in_any_script() {
        let text = ["転入届", "引っ越し", "ひっこし", "住所変更"]
            .iter()
            .map(|w| search_key(w))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(matches_query(&text, "引っ越し"));
        assert!(
            matches_query(&text, "ヒッコシ"),
            "katakana finds hiragana keywords"
        );
        assert!(matches_query(&text, "転入 住所"), "every word must match");
        assert!(!matches_query(&text, "転入 保育"));
        assert!(
            matches_query(&text, "  "),
            "an empty query matches everything"
        );
    }

    #[test]
    fn common_categories_are_translated_and_others_shown_as_written() {
        assert_eq!(category_name("childcare", Lang::Ja), "子育て");
        assert_eq!(category_name("childcare", Lang::En), "Childcare");
        assert_eq!(category_name("snow-removal", Lang::Ja), "snow-removal");
    }
}
