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
    /// Share apps between towns as signed package files: export, inspect, import.
    #[command(subcommand)]
    Package(PackageCommand),
    /// Check an app definition file (YAML or JSON): print each problem as
    /// FILE:LINE:COLUMN: code: message and exit with status 1, or print "ok: <title> (<n>
    /// fields)".
    Check(crate::definitions::CheckArgs),
    /// Validate answers (a JSON object keyed by field name) against a definition: print the
    /// normalised answers as JSON (exit status 0) or the violations as JSON (exit status 1).
    Validate(crate::definitions::ValidateArgs),
    /// Import a definition from another format.
    #[command(subcommand)]
    Import(crate::definitions::ImportCommand),
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
    /// Create an API token for another system of the municipality (/api/v1). The token is
    /// printed once; only its hash is stored.
    CreateApiToken {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        /// What the token is for, e.g. 文書管理システム連携.
        #[arg(long)]
        name: String,
        /// admin, builder, reviewer or viewer: what the token may do.
        #[arg(long)]
        role: String,
    },
    /// List a municipality's API tokens (never the tokens themselves).
    ListApiTokens {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
    },
    /// Revoke an API token; it stops working at once.
    RevokeApiToken {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        /// The token's name (see list-api-tokens).
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PackageCommand {
    /// Write an app's published version as a package file signed with this instance's key:
    /// definition, workflow, notification texts, town, version, changelog and licence (never
    /// any submission).
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// The municipality's slug.
        #[arg(long)]
        tenant: String,
        /// The app's id.
        app: String,
        /// Where to write the file (default: standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// SPDX licence identifier (default: the app's sharing licence, else CC-BY-4.0).
        #[arg(long)]
        licence: Option<String>,
        /// Changelog text for this version (default: the version's change summary).
        #[arg(long)]
        changelog: Option<String>,
    },
    /// Verify a package file and show where it comes from, without installing anything.
    Inspect {
        /// The package file.
        file: PathBuf,
    },
    /// Verify a package file, show its provenance and install it into a municipality as a new
    /// app (a draft) after confirmation; a newer version of an installed package waits as an
    /// update to review in the staff console.
    Import {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        tenant: String,
        /// The package file.
        file: PathBuf,
        /// Install without asking.
        #[arg(long)]
        yes: bool,
        /// The new app's id, when the package's id is taken in the municipality.
        #[arg(long)]
        slug: Option<String>,
        /// Publish the installed app at once (it must pass every check).
        #[arg(long)]
        publish: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented configuration file with every setting and its default.
    PrintDefault,
}
