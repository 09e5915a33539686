//! Languages of the user interface: Japanese first, English available. The language comes from
//! `?lang=` (remembered in a cookie) or the cookie, and defaults to Japanese. Messages live in
//! Fluent files under `locales/` and are compiled into the binary.

use std::sync::LazyLock;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "ja",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static JA: LazyLock<LanguageIdentifier> = LazyLock::new(|| "ja".parse().unwrap_or_default());
static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en".parse().unwrap_or_default());

pub const LANG_COOKIE: &str = "yui_lang";

/// A user-interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    /// The message `key` in this language (falling back to Japanese).
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key` with Fluent arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let map = args
            .iter()
            .map(|(k, v)| {
                (
                    std::borrow::Cow::Borrowed(*k),
                    fluent_templates::fluent_bundle::FluentValue::from(v.clone()),
                )
            })
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &map)
            .unwrap_or_else(|| key.to_owned())
    }

    /// Whether a message exists (used by the test that keeps the catalogues in step).
    pub fn has(self, key: &str) -> bool {
        LOCALES.try_lookup(self.id(), key).is_some()
    }
}

fn lang_from_query(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

tokio::task_local! {
    /// The current request's query without its `lang` pair, for the language switcher's links.
    static QUERY_WITHOUT_LANG: String;
}

/// The query of a link that shows the current page in `lang`: the page's own query (a search,
/// `?return=check`…) kept, only `lang` replaced.
pub fn switch_query(lang: Lang) -> String {
    let rest = QUERY_WITHOUT_LANG
        .try_with(Clone::clone)
        .unwrap_or_default();
    if rest.is_empty() {
        format!("?lang={}", lang.code())
    } else {
        format!("?{rest}&lang={}", lang.code())
    }
}

fn without_lang(query: Option<&str>) -> String {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("lang"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Picks the language for a request, makes it available to handlers as an extension, and
/// remembers an explicit `?lang=` choice in a cookie.
pub async fn language_middleware(request: Request, next: Next) -> Response {
    let rest = without_lang(request.uri().query());
    QUERY_WITHOUT_LANG
        .scope(rest, choose_language(request, next))
        .await
}

async fn choose_language(mut request: Request, next: Next) -> Response {
    let chosen = lang_from_query(request.uri().query());
    let lang = chosen.unwrap_or_else(|| {
        CookieJar::from_headers(request.headers())
            .get(LANG_COOKIE)
            .and_then(|c| Lang::parse(c.value()))
            .unwrap_or_default()
    });
    request.extensions_mut().insert(lang);
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_parameter_picks_a_language() {
        assert_eq!(lang_from_query(Some("lang=en")), Some(Lang::En));
        assert_eq!(lang_from_query(Some("next=%2Fx&lang=ja")), Some(Lang::Ja));
        assert_eq!(
            without_lang(Some("return=check&lang=en&q=a%20b")),
            "return=check&q=a%20b"
        );
        assert_eq!(without_lang(Some("lang=en")), "");
        assert_eq!(without_lang(None), "");
        assert_eq!(lang_from_query(Some("lang=fr")), None);
        assert_eq!(lang_from_query(None), None);
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && l.contains(" ="))
                .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
                .collect()
        };
        let ja = keys(include_str!("../locales/ja/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        assert!(!ja.is_empty());
        let missing_en: Vec<_> = ja.iter().filter(|k| !en.contains(k)).collect();
        let missing_ja: Vec<_> = en.iter().filter(|k| !ja.contains(k)).collect();
        assert!(missing_en.is_empty(), "missing in English: {missing_en:?}");
        assert!(missing_ja.is_empty(), "missing in Japanese: {missing_ja:?}");
        assert_eq!(Lang::En.t("sign-in"), "Sign in");
        assert_eq!(Lang::Ja.t("sign-in"), "ログイン");
    }
}
