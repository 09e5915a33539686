//! Requests to other Yui instances over HTTP(S): fetching catalogs and package files, and
//! posting adoption notices. Every request has a time limit, answers are read only up to a
//! size limit, and redirects are followed only to the same host (a catalog cannot send Yui
//! elsewhere). TLS uses rustls with the platform's certificate store.

use std::time::Duration;

use async_trait::async_trait;
use yui_core::jobs::{Job, JobError};
use yui_core::ports::{Remote, RemoteError};

/// How long to wait for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a whole request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Redirects followed (within the same host) before giving up.
const MAX_REDIRECTS: usize = 3;

/// The HTTP client that implements [`Remote`].
#[derive(Clone, Debug)]
pub struct HttpRemote {
    client: reqwest::Client,
}

fn same_host(a: &reqwest::Url, b: &reqwest::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

impl HttpRemote {
    pub fn new() -> Result<Self, RemoteError> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().cloned();
            match first {
                _ if attempt.previous().len() > MAX_REDIRECTS => {
                    attempt.error("too many redirects")
                }
                Some(first) if !same_host(&first, attempt.url()) => {
                    let to = attempt.url().to_string();
                    attempt.error(format!("redirect to another host: {to}"))
                }
                _ => attempt.follow(),
            }
        });
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(policy)
            .user_agent(concat!("Yui/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RemoteError::Unreachable(format!("HTTP client: {e}")))?;
        Ok(Self { client })
    }
}

fn parse(url: &str) -> Result<reqwest::Url, RemoteError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| RemoteError::BadUrl(url.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") || !parsed.username().is_empty() {
        return Err(RemoteError::BadUrl(url.to_owned()));
    }
    Ok(parsed)
}

fn failure(e: &reqwest::Error) -> RemoteError {
    if e.is_redirect() {
        let to = e.url().map(ToString::to_string).unwrap_or_default();
        return RemoteError::Redirected(to);
    }
    // The cause chain says what actually failed (refused, timed out, certificate…).
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    RemoteError::Unreachable(text)
}

#[async_trait]
impl Remote for HttpRemote {
    async fn get(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, RemoteError> {
        let mut response = self
            .client
            .get(parse(url)?)
            .send()
            .await
            .map_err(|e| failure(&e))?;
        if !response.status().is_success() {
            return Err(RemoteError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > max_bytes as u64)
        {
            return Err(RemoteError::TooLarge { limit: max_bytes });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| failure(&e))? {
            if body.len() + chunk.len() > max_bytes {
                return Err(RemoteError::TooLarge { limit: max_bytes });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn post_json(&self, url: &str, body: &serde_json::Value) -> Result<(), RemoteError> {
        let response = self
            .client
            .post(parse(url)?)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| failure(&e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(RemoteError::Status(response.status().as_u16()))
        }
    }
}

/// Runs an adoption-report job: posts the signed notice to the package's catalog. A refusal
/// (4xx other than 408/429) will not change on retry; anything else is retried.
pub async fn report_adoption(remote: &dyn Remote, job: &Job) -> Result<(), JobError> {
    let url = job
        .payload
        .get("url")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| JobError::Permanent("adoption job without url".into()))?;
    let notice = job
        .payload
        .get("notice")
        .ok_or_else(|| JobError::Permanent("adoption job without notice".into()))?;
    match remote.post_json(url, notice).await {
        Ok(()) => Ok(()),
        Err(RemoteError::Status(code))
            if (400..500).contains(&code) && code != 408 && code != 429 =>
        {
            Err(JobError::Permanent(format!(
                "{url} refused the adoption report: HTTP {code}"
            )))
        }
        Err(e @ RemoteError::BadUrl(_)) => Err(JobError::Permanent(e.to_string())),
        Err(e) => Err(JobError::Retry(e.to_string())),
    }
}
