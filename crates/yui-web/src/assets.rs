//! Static assets (CSS, JavaScript) compiled into the binary and served from `/static/`, so a
//! page never loads anything from outside the instance. URLs carry a content hash, so assets
//! can be cached for a year and still change with each release.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    body: &'static [u8],
    content_type: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "yui.css",
        body: include_bytes!("../assets/css/yui.css"),
        content_type: "text/css; charset=utf-8",
    },
    Asset {
        name: "yui-form.js",
        body: include_bytes!("../assets/js/yui-form.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        name: "yui-expr.js",
        body: include_bytes!("../assets/js/yui-expr.js"),
        content_type: "text/javascript; charset=utf-8",
    },
    Asset {
        name: "yui-builder.js",
        body: include_bytes!("../assets/js/yui-builder.js"),
        content_type: "text/javascript; charset=utf-8",
    },
];

/// Short content hashes, computed once.
static VERSIONS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| (a.name, format!("{:08x}", fnv1a(a.body))))
        .collect()
});

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// The URL of an asset, with its content version.
pub fn url(name: &str) -> String {
    match VERSIONS.iter().find(|(n, _)| *n == name) {
        Some((_, v)) => format!("/static/{name}?v={v}"),
        None => format!("/static/{name}"),
    }
}

/// The size in bytes of an embedded asset (for page-weight budgets).
pub fn size(name: &str) -> Option<usize> {
    ASSETS.iter().find(|a| a.name == name).map(|a| a.body.len())
}

pub async fn get_asset(Path(file): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
