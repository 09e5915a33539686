//! Settings: defaults in code, then an optional TOML file, then `YUI_*` environment variables,
//! then command-line flags. Every problem is reported as one readable line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use yui_core::CoreSettings;
use yui_store::{DatabaseTarget, SqliteSynchronous, StoreOptions};
use yui_web::WebConfig;

use crate::cli::{DbArgs, LogFormat, ServeArgs};

/// The commented example printed by `yui config print-default`; a test checks that it parses
/// and matches the defaults.
pub const DEFAULT_TOML: &str = include_str!("default-config.toml");

/// The configuration file's shape. Unknown keys are errors, so typos are caught.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default)]
    pub database: DatabaseSection,
    #[serde(default)]
    pub log: LogSection,
    #[serde(default)]
    pub security: SecuritySection,
    #[serde(default)]
    pub email: EmailSection,
    #[serde(default)]
    pub pdf: PdfSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfSection {
    pub font_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub trust_forwarded_for: Option<bool>,
    pub request_timeout_secs: Option<u64>,
    pub max_in_flight: Option<usize>,
    pub max_in_flight_per_town: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSection {
    pub data_dir: Option<PathBuf>,
    pub url: Option<String>,
    pub max_connections: Option<u32>,
    pub sqlite_synchronous: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    pub format: Option<LogFormat>,
    pub level: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySection {
    pub session_idle_minutes: Option<i64>,
    pub session_absolute_hours: Option<i64>,
    pub max_failures_per_account: Option<u32>,
    pub max_failures_per_address: Option<u32>,
    pub throttle_window_minutes: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSection {
    pub smtp_url: Option<String>,
    pub from: Option<String>,
    pub timeout_secs: Option<u64>,
}

/// A configuration problem, shown as one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Reads the TOML file, if one is given.
pub fn load_file(path: Option<&Path>) -> Result<FileConfig, ConfigError> {
    let Some(path) = path else {
        return Ok(FileConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
    parse_file(&text).map_err(|e| ConfigError(format!("config file {}: {}", path.display(), e.0)))
}

/// Parses TOML text; errors carry the line and column.
pub fn parse_file(text: &str) -> Result<FileConfig, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_owned();
        let place = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: ")
        });
        ConfigError(format!("{}{message}", place.unwrap_or_default()))
    })
}

fn env_parse<T: std::str::FromStr>(name: &str) -> Result<Option<T>, ConfigError> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse().map(Some).map_err(|_| {
            ConfigError(format!(
                "environment variable {name}={v:?} is not a valid value"
            ))
        }),
        _ => Ok(None),
    }
}

/// Everything needed to reach the database.
#[derive(Debug, Clone)]
pub struct DbSettings {
    pub target: DatabaseTarget,
    pub options: StoreOptions,
    /// Local files (uploads) live here with either database.
    pub data_dir: PathBuf,
}

pub fn resolve_db(
    args: &DbArgs,
    file: &FileConfig,
    default_dir: &Path,
) -> Result<DbSettings, ConfigError> {
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| file.database.data_dir.clone())
        .unwrap_or_else(|| default_dir.to_owned());
    let url = args
        .database_url
        .clone()
        .or_else(|| file.database.url.clone());
    let target = DatabaseTarget::choose(url.as_deref(), &data_dir)
        .map_err(|e| ConfigError(e.to_string()))?;
    let sync_text = args
        .sqlite_synchronous
        .clone()
        .or_else(|| file.database.sqlite_synchronous.clone())
        .unwrap_or_else(|| "full".into());
    let sqlite_synchronous: SqliteSynchronous = sync_text
        .parse()
        .map_err(|e: yui_store::OpenError| ConfigError(e.to_string()))?;
    let max_connections = env_parse("YUI_DB_MAX_CONNECTIONS")?
        .or(file.database.max_connections)
        .unwrap_or(8);
    if max_connections == 0 {
        return Err(ConfigError(
            "database max_connections must be at least 1".into(),
        ));
    }
    Ok(DbSettings {
        target,
        options: StoreOptions {
            sqlite_synchronous,
            max_connections,
            ..StoreOptions::default()
        },
        data_dir,
    })
}

/// Everything `yui serve` needs.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub listen: SocketAddr,
    pub db: DbSettings,
    pub web: WebConfig,
    pub core: CoreSettings,
    /// `None` when no SMTP server is configured: e-mails then wait in the queue.
    pub email: Option<yui_channels::EmailConfig>,
    /// Where Japanese fonts for PDFs are; `None`: the system's font directories.
    pub font_dir: Option<PathBuf>,
}

pub fn resolve_email(file: &FileConfig) -> Result<Option<yui_channels::EmailConfig>, ConfigError> {
    let url = env_parse::<String>("YUI_SMTP_URL")?.or_else(|| file.email.smtp_url.clone());
    let Some(smtp_url) = url else { return Ok(None) };
    let from = env_parse::<String>("YUI_MAIL_FROM")?
        .or_else(|| file.email.from.clone())
        .ok_or_else(|| {
            ConfigError("email.from (YUI_MAIL_FROM) is required when an SMTP URL is set".into())
        })?;
    let timeout = env_parse("YUI_SMTP_TIMEOUT_SECS")?
        .or(file.email.timeout_secs)
        .unwrap_or(30);
    let config = yui_channels::EmailConfig {
        smtp_url,
        from,
        timeout: Duration::from_secs(timeout.max(1)),
    };
    // Check the URL and sender now rather than at the first e-mail.
    config
        .validate()
        .map_err(|e| ConfigError(format!("e-mail: {e}")))?;
    Ok(Some(config))
}

pub fn resolve_serve(
    args: &ServeArgs,
    file: &FileConfig,
    default_dir: &Path,
) -> Result<ServeSettings, ConfigError> {
    let listen_text = args
        .listen
        .clone()
        .or_else(|| file.server.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listen: SocketAddr = listen_text.parse().map_err(|_| {
        ConfigError(format!(
            "listen address {listen_text:?} is not ADDR:PORT, e.g. 127.0.0.1:8080"
        ))
    })?;
    let public_url = args
        .public_url
        .clone()
        .or_else(|| file.server.public_url.clone())
        .unwrap_or_else(|| format!("http://{listen}"));
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        return Err(ConfigError(format!(
            "public URL {public_url:?} must start with http:// or https://"
        )));
    }
    let trust_forwarded_for = env_parse("YUI_TRUST_FORWARDED_FOR")?
        .or(file.server.trust_forwarded_for)
        .unwrap_or(false);
    let timeout = env_parse("YUI_REQUEST_TIMEOUT_SECS")?
        .or(file.server.request_timeout_secs)
        .unwrap_or(30);
    let global = env_parse("YUI_MAX_IN_FLIGHT")?
        .or(file.server.max_in_flight)
        .unwrap_or(1024);
    let per_town = env_parse("YUI_MAX_IN_FLIGHT_PER_TOWN")?
        .or(file.server.max_in_flight_per_town)
        .unwrap_or(256);
    if global == 0 || per_town == 0 {
        return Err(ConfigError(
            "max_in_flight and max_in_flight_per_town must be at least 1".into(),
        ));
    }
    let web = WebConfig {
        public_url: public_url.trim_end_matches('/').to_owned(),
        trust_forwarded_for,
        request_timeout: Duration::from_secs(timeout.max(1)),
        admission: yui_web::admission::AdmissionLimits {
            global,
            per_town,
            retry_after_secs: 10,
        },
    };
    Ok(ServeSettings {
        listen,
        db: resolve_db(&args.db, file, default_dir)?,
        core: CoreSettings {
            public_url: web.public_url.clone(),
            ..resolve_core(file)?
        },
        web,
        email: resolve_email(file)?,
        font_dir: env_parse::<PathBuf>("YUI_FONT_DIR")?.or_else(|| file.pdf.font_dir.clone()),
    })
}

pub fn resolve_core(file: &FileConfig) -> Result<CoreSettings, ConfigError> {
    let d = CoreSettings::default();
    let s = &file.security;
    let positive = |name: &str, v: i64| {
        if v > 0 {
            Ok(v)
        } else {
            Err(ConfigError(format!(
                "security setting {name} must be positive"
            )))
        }
    };
    let idle = env_parse("YUI_SESSION_IDLE_MINUTES")?.or(s.session_idle_minutes);
    let absolute = env_parse("YUI_SESSION_ABSOLUTE_HOURS")?.or(s.session_absolute_hours);
    let window = env_parse("YUI_THROTTLE_WINDOW_MINUTES")?.or(s.throttle_window_minutes);
    Ok(CoreSettings {
        session_idle: match idle {
            Some(m) => time::Duration::minutes(positive("session_idle_minutes", m)?),
            None => d.session_idle,
        },
        session_absolute: match absolute {
            Some(h) => time::Duration::hours(positive("session_absolute_hours", h)?),
            None => d.session_absolute,
        },
        max_failures_per_account: env_parse("YUI_MAX_FAILURES_PER_ACCOUNT")?
            .or(s.max_failures_per_account)
            .unwrap_or(d.max_failures_per_account),
        max_failures_per_address: env_parse("YUI_MAX_FAILURES_PER_ADDRESS")?
            .or(s.max_failures_per_address)
            .unwrap_or(d.max_failures_per_address),
        throttle_window: match window {
            Some(m) => time::Duration::minutes(positive("throttle_window_minutes", m)?),
            None => d.throttle_window,
        },
        ..d
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_default_config_parses_and_states_the_defaults() {
        let file = parse_file(DEFAULT_TOML).unwrap();
        let serve = resolve_serve(&ServeArgs::default(), &file, Path::new("./yui-data")).unwrap();
        assert_eq!(serve.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(serve.web.public_url, "http://127.0.0.1:8080");
        let core = resolve_core(&file).unwrap();
        let d = CoreSettings::default();
        assert_eq!(core.session_idle, d.session_idle);
        assert_eq!(core.max_failures_per_account, d.max_failures_per_account);
        assert!(matches!(serve.db.target, DatabaseTarget::Sqlite { .. }));
    }

    #[test]
    fn malformed_config_names_the_line_and_column() {
        let err = parse_file("[server]\nlisten = 8080\n").unwrap_err();
        assert!(err.0.starts_with("line 2, column 10: "), "{}", err.0);
        let err = parse_file("[server]\nlisen = \"x\"\n").unwrap_err();
        assert!(err.0.contains("unknown field `lisen`"), "{}", err.0);
        assert!(!err.0.contains('\n'), "one line: {}", err.0);
    }

    #[test]
    fn flags_win_over_the_file() {
        let file = parse_file(
            "[server]\nlisten = \"127.0.0.1:9000\"\n[database]\ndata_dir = \"/srv/yui\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            listen: Some("127.0.0.1:9100".into()),
            ..ServeArgs::default()
        };
        let s = resolve_serve(&args, &file, Path::new("x")).unwrap();
        assert_eq!(s.listen.port(), 9100);
        assert_eq!(
            s.db.target,
            DatabaseTarget::Sqlite {
                data_dir: "/srv/yui".into()
            }
        );
    }

    #[test]
    fn weak_durability_is_refused_at_configuration_time() {
        let file = parse_file("[database]\nsqlite_synchronous = \"sometimes\"\n").unwrap();
        let err = resolve_db(&DbArgs::default(), &file, Path::new("x")).unwrap_err();
        assert!(err.0.contains("full or extra"), "{}", err.0);
    }

    #[test]
    fn an_smtp_url_needs_a_sender_and_must_parse() {
        let file = parse_file("[email]\nsmtp_url = \"smtp://127.0.0.1:25\"\n").unwrap();
        assert!(resolve_email(&file).unwrap_err().0.contains("email.from"));
        let file = parse_file("[email]\nsmtp_url = \"smtp://127.0.0.1:25\"\nfrom = \"小国町 <noreply@town.example>\"\n").unwrap();
        assert!(resolve_email(&file).unwrap().is_some());
        let file = parse_file("[email]\nsmtp_url = \"ftp://x\"\nfrom = \"a@b.example\"\n").unwrap();
        assert!(
            resolve_email(&file)
                .unwrap_err()
                .0
                .starts_with("e-mail: invalid SMTP URL")
        );
        assert!(resolve_email(&FileConfig::default()).unwrap().is_none());
    }

    #[test]
    fn a_bad_listen_address_is_explained() {
        let args = ServeArgs {
            listen: Some("localhost".into()),
            ..ServeArgs::default()
        };
        let err = resolve_serve(&args, &FileConfig::default(), Path::new("x")).unwrap_err();
        assert!(err.0.contains("ADDR:PORT"), "{}", err.0);
    }
}
