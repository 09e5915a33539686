//! The command line: every subcommand and flag, with help that says what each does.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Yui: build and run a municipality's digital services. One binary, embedded SQLite by
/// default, PostgreSQL when given a database URL.
///
/// Settings come from built-in defaults, then an optional TOML file (--config), then YUI_*
/// environment variables, then flags; later ones win. `yui config print-default` prints a
/// commented example file.
#[derive(Debug, Parser)]
#[command(name = "yui", version, about, long_about, propagate_version = true)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "YUI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log format: human-readable text, or one JSON object per line.
    #[arg(long, global = true, env = "YUI_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Log filter, e.g. `info` or `yui=debug,sqlx=warn`.
    #[arg(long, global = true, env = "YUI_LOG_LEVEL", value_name = "FILTER")]
    pub log_level: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Yui server (applies pending migrations on SQLite).
    Serve(ServeArgs),
    /// Create a demo municipality with one staff account per role, print the URL and the
    /// logins, and run the server. Data goes to ./yui-demo unless --data-dir says otherwise.
    Demo(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Manage municipalities, departments and staff accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain of every municipality's audit trail and report any event that
    /// was edited, inserted or deleted (exit status 1 if any).
    Verify(DbArgs),
}

/// Where the data lives.
#[derive(Debug, Clone, Args, Default)]
pub struct DbArgs {
    /// Data directory for embedded SQLite and local files.
    #[arg(long, env = "YUI_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// PostgreSQL URL (postgres://user@host:port/db); when set, PostgreSQL is used instead of
    /// embedded SQLite.
    #[arg(
        long,
        env = "YUI_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// SQLite durability: full (default) or extra. Weaker settings are refused.
    #[arg(long, env = "YUI_SQLITE_SYNCHRONOUS", value_name = "MODE")]
    pub sqlite_synchronous: Option<String>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,

    /// Address and port to listen on.
    #[arg(long, env = "YUI_LISTEN", value_name = "ADDR:PORT")]
    pub listen: Option<String>,

    /// The URL people use to reach this instance (defaults to http://LISTEN); https:// makes
    /// cookies Secure.
    #[arg(long, env = "YUI_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Register a municipality (全国地方公共団体コード with check digit).
    CreateTenant {
        #[command(flatten)]
        db: DbArgs,
        /// Short ASCII name used in URLs, e.g. `oguni`.
        #[arg(long)]
        slug: String,
        /// 6-digit municipality code, e.g. 434248.
        #[arg(long)]
        code: String,
        /// Display name, e.g. 小国町.
        #[arg(long)]
        name: String,
    },
    /// List the municipalities on this instance.
    ListTenants {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Install an app from a definition file (YAML or JSON) into a municipality, or replace the
    /// draft of the app with the same id; with --publish, publish it as the next version.
    InstallApp {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        /// The definition file.
        #[arg(long, value_name = "FILE")]
        file: std::path::PathBuf,
        /// Publish the definition at once (it must pass every check).
        #[arg(long)]
        publish: bool,
        /// What changed, shown in the version history.
        #[arg(long, default_value = "")]
        summary: String,
    },
    /// Add a department (課) to a municipality.
    CreateDepartment {
        #[command(flatten)]
        db: DbArgs,
        /// The municipality's slug.
        #[arg(long)]
        tenant: String,
        /// Department name, e.g. 子育て支援課.
        #[arg(long)]
        name: String,
    },
    /// Create a staff account. Without --password-stdin a strong password is generated and
    /// printed once.
    CreateUser {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        /// Login name (letters, digits, . _ @ + -), e.g. an e-mail address.
        #[arg(long)]
        login: String,
        /// The person's name as shown in the console.
        #[arg(long)]
        name: String,
        /// admin, builder, reviewer or viewer.
        #[arg(long)]
        role: String,
        /// Department name (must exist).
        #[arg(long)]
        department: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List a municipality's staff accounts.
    ListUsers {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
    },
    /// Set a new password (generated unless --password-stdin) and end the account's sessions.
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        login: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account; its sessions end immediately.
    DisableUser {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        login: String,
    },
    /// Re-enable a disabled account.
    EnableUser {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        login: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented configuration file with every setting and its default.
    PrintDefault,
}
